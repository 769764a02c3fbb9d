//! `trailtune allowlist`: baseline (file or logs) -> policy -> the review table.

use std::io::Write;

use anyhow::{Context, Result};

use crate::cli::AllowlistArgs;
use crate::commands::learn;
use crate::exit::Status;
use crate::policy;
use crate::report;

pub fn run(args: AllowlistArgs) -> Result<Status> {
    let learned = learn::baseline_from(&args.source)?;
    let config = learn::policy_config(&args.policy, &learned.baseline.review);
    let decided = policy::decide(&learned.baseline, &config).context("deciding the allowlist")?;
    let mut out = std::io::stdout().lock();
    report::policy::write(&mut out, args.format, &decided)?;
    out.flush()?;
    learn::report_input(&learned.problems, &learned.baseline)?;
    let review_needed = !decided.quarantined().is_empty();
    Ok(Status::from_flags(
        review_needed,
        !learned.problems.is_empty(),
    ))
}
