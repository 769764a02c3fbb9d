//! `trailtune allowlist`: baseline (file, Athena result or logs) -> policy -> the review table.

use std::io::Write;

use anyhow::Result;

use crate::baseline;
use crate::cli::AllowlistArgs;
use crate::config;
use crate::exit::Status;
use crate::policy;
use crate::report;

pub fn run(args: AllowlistArgs) -> Result<Status> {
    let cfg = config::Allowlist::try_from(args)?;
    let bar = report::progress::Bar::new(0, cfg.source.shows_progress());
    let learned = baseline::learn(&cfg.source, &bar).map_err(report::problems::before_error)?;
    let base = &learned.baseline;
    let policy_cfg = cfg.policy.with_review(&base.review);
    let decided = policy::decide(base, &policy_cfg)?;
    let accounts = policy::decide_accounts(base, &policy_cfg, &decided)?;
    let mut out = std::io::stdout().lock();
    report::policy::write(&mut out, cfg.output, &decided, accounts.as_ref())?;
    out.flush()?;
    report::problems::learned(&mut std::io::stderr().lock(), &learned)?;
    let review_needed = !decided.quarantined().is_empty()
        || accounts
            .iter()
            .flat_map(|a| &a.accounts)
            .any(|a| a.fallback.is_none() && !a.own.quarantined().is_empty());
    Ok(Status::from_flags(
        review_needed,
        !learned.problems.is_empty(),
    ))
}
