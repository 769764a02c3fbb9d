//! One file per subcommand: raw CLI values -> stage configurations -> stages in order. This is the
//! only layer (with `main.rs`) that uses `anyhow`; stages have their own typed errors.

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::exit::Status;

mod allowlist;
mod athena;
mod demo;
mod detect;
mod learn;
mod profile;
mod rebaseline;
pub mod run;
mod synth;
pub mod tune;

/// Run the parsed command line.
pub fn run(cli: Cli) -> Result<Status> {
    match cli.command {
        Command::Profile(args) => profile::run(args),
        Command::Allowlist(args) => allowlist::run(args),
        Command::Tune(args) => tune::run(args),
        Command::Detect(args) => detect::run(args),
        Command::Run(args) => run::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Rebaseline(args) => rebaseline::run(args),
        Command::Synth(args) => synth::run(args),
        Command::Athena(args) => athena::run(args),
    }
}
