//! `trailtune tune`: baseline -> policy -> the tune stage (plan, lossless rewrite, verified,
//! compared with the target) -> written atomically, checked, or diffed.

use std::io::Write;

use anyhow::Result;

use crate::baseline;
use crate::cli::TuneArgs;
use crate::config;
use crate::exit::Status;
use crate::policy;
use crate::report;
use crate::tune::{self, Rule, Target};

pub fn run(args: TuneArgs) -> Result<Status> {
    let cfg = config::Tune::try_from(args)?;
    let rule = Rule::read(&cfg.tune.rule)?;
    let bar = report::progress::Bar::new(0, cfg.source.shows_progress());
    let learned = baseline::learn(&cfg.source, &bar).map_err(report::problems::before_error)?;
    let base = &learned.baseline;
    let policy_cfg = cfg.policy.with_review(&base.review);
    let decided = policy::decide(base, &policy_cfg)?;
    let accounts = policy::decide_accounts(base, &policy_cfg, &decided)?;
    let mut err = std::io::stderr().lock();
    report::problems::learned(&mut err, &learned)?;
    tune::ensure_history(&decided, cfg.policy.min_history_days, cfg.tune.force)?;
    let tuned = tune::prepare(&rule, base, &decided, accounts.as_ref(), &cfg.tune)?;
    tune::write(&rule, &tuned, &decided, &cfg.tune)?;
    let mut out = std::io::stdout().lock();
    if cfg.tune.diff {
        report::tune::diff(&mut out, &cfg.tune, &rule, &tuned)?;
    } else if cfg.tune.target == Target::Stdout && !cfg.tune.check {
        out.write_all(tuned.text.as_bytes())?;
    }
    out.flush()?;
    report::tune::summary(&mut err, &decided, &tuned, cfg.tune.check)?;
    Ok(Status::from_flags(
        tuned.changed,
        !learned.problems.is_empty(),
    ))
}
