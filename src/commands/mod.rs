//! One file per subcommand, each a short script: raw CLI values -> a validated configuration
//! (`config`) -> stages in order -> `report`. This is the only layer (with `main.rs`) that uses
//! `anyhow`; stages have their own typed errors. A command never imports another command:
//! sequences two commands share are stages (`baseline::learn`, `tune`, `pipeline`).

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::exit::Status;

mod allowlist;
mod athena;
mod completions;
mod demo;
mod detect;
mod man;
mod new_country;
mod profile;
mod rebaseline;
mod run;
mod synth;
mod tune;

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
        Command::NewCountry(args) => new_country::run(args),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man::run(args),
    }
}
