//! `trailtune completions SHELL`: the completion script, generated from the command line's own
//! definition, on stdout.

use std::io::Write;

use anyhow::{Context, Result};

use crate::cli::CompletionsArgs;
use crate::exit::Status;
use crate::report;

pub fn run(args: CompletionsArgs) -> Result<Status> {
    let mut out = std::io::stdout().lock();
    report::manual::completions(&mut out, args.shell)
        .and_then(|()| out.flush())
        .context("writing the completion script to standard output")?;
    Ok(Status::Clean)
}
