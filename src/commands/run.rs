//! `trailtune run`: the whole shape in one command. Profile (region table) -> allowlist (review
//! table with reasons) -> tune (the diff of the rule) -> detect with the tuned rule over the same
//! logs as a backtest: what would have alerted, per region, account and principal. The answer to
//! "what happens if I deploy this?" before deploying it.

use anyhow::{Context, Result};

use crate::cli::{RunArgs, RunFormat};
use crate::exit::Status;
use crate::geo::Geo;
use crate::pipeline::{self, RunConfig};
use crate::report;
use crate::tune::Target;

pub fn run(args: RunArgs) -> Result<Status> {
    let format = args.format;
    let page = args.report.clone();
    let cfg = RunConfig::try_from(args)?;
    let print_rule = cfg.tune.target == Target::Stdout && !cfg.tune.check;
    let mut printer = report::run::Printer::new(std::io::stdout().lock(), false, print_rule);
    printer.check = cfg.tune.check;
    let mut json = report::run::JsonRun::new(std::io::stdout().lock());
    let inner: &mut dyn pipeline::Steps = match format {
        RunFormat::Table => &mut printer,
        RunFormat::Json => &mut json,
    };
    let mut recorder = report::run::Recorder::new(inner);
    // A database that cannot be read stops the run before any log is.
    let geo = Geo::open_if_any(&cfg.geoip)?;
    let bar = report::progress::Bar::new(0, cfg.input.progress);
    let outcome = pipeline::run(&cfg, geo.as_ref(), &mut recorder, &bar).map_err(|e| match e {
        pipeline::RunError::Learn(e) => report::problems::before_error(e).into(),
        other => other,
    })?;
    if let Some(path) = &page {
        let mut bytes = Vec::new();
        if recorder.write_page(&mut bytes)? {
            crate::atomic::write(path, &bytes)
                .with_context(|| format!("writing the review page {}", path.display()))?;
            report::notes::page_written(&mut std::io::stderr(), path)?;
        }
    }
    let lookup_errors = geo.as_ref().map(Geo::errors).unwrap_or_default();
    report::detect::lookup_errors(&mut std::io::stderr(), &lookup_errors)?;
    // --check asks whether the rule is up to date: the backtest's hits are reported, and the
    // status says whether the rule would change, as `tune --check` does.
    let found = if cfg.tune.check {
        outcome.rule_changed
    } else {
        outcome.backtest.hits > 0
    };
    Ok(Status::from_flags(
        found,
        outcome.skipped_input || lookup_errors.count > 0,
    ))
}
