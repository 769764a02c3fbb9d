//! `trailtune synth` (stub).
use anyhow::Result;

use crate::cli::SynthArgs;
use crate::exit::Status;

pub fn run(_args: SynthArgs) -> Result<Status> {
    anyhow::bail!("synth: not built yet")
}
