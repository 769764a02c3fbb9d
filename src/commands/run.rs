//! `trailtune run`: the whole shape in one command. Profile (region table) -> allowlist (review
//! table with reasons) -> tune (the diff of the rule) -> detect with the tuned rule over the same
//! logs as a backtest: what would have alerted, per region, account and principal. The answer to
//! "what happens if I deploy this?" before deploying it.

use anyhow::Result;

use crate::cli::RunArgs;
use crate::exit::Status;
use crate::pipeline::{self, RunConfig};
use crate::report;
use crate::tune::Target;

pub fn run(args: RunArgs) -> Result<Status> {
    let cfg = RunConfig::try_from(args)?;
    let print_rule = cfg.tune.target == Target::Stdout && !cfg.tune.check;
    let mut printer = report::run::Printer::new(std::io::stdout().lock(), false, print_rule);
    let bar = report::progress::Bar::new(0, cfg.input.progress);
    let outcome = pipeline::run(&cfg, &mut printer, &bar).map_err(|e| match e {
        pipeline::RunError::Learn(e) => report::problems::before_error(e).into(),
        other => other,
    })?;
    Ok(Status::from_flags(
        outcome.backtest.hits > 0,
        outcome.skipped_input,
    ))
}
