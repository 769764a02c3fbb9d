//! `trailtune profile` (stub).
use anyhow::Result;

use crate::cli::ProfileArgs;
use crate::exit::Status;

pub fn run(_args: ProfileArgs) -> Result<Status> {
    anyhow::bail!("profile: not built yet")
}
