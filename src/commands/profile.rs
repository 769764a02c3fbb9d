//! `trailtune profile`: read logs, aggregate, print the region (or account/principal/service/day)
//! table, optionally save the baseline file.

use std::io::Write;

use anyhow::{Context, Result};

use crate::baseline::{self, BaselineSource, cols};
use crate::cli::ProfileArgs;
use crate::config;
use crate::exit::Status;
use crate::report::{self, profile::ProfileReport};

pub fn run(args: ProfileArgs) -> Result<Status> {
    let cfg = config::Profile::try_from(args)?;
    let bar = report::progress::Bar::new(0, cfg.input.progress);
    let source = BaselineSource::Logs {
        input: cfg.input,
        window: cfg.window,
    };
    let learned = baseline::learn(&source, &bar).map_err(report::problems::before_error)?;
    let baseline = &learned.baseline;
    let (column, by) = cfg.by;
    let df = baseline::frame(&baseline.aggregates).context("building the profile frame")?;
    let mut rows = baseline::profile(&df, column).context("computing the profile")?;
    if column == cols::DAY {
        // Days read best in calendar order; the key is days since 1970 as text.
        for row in &mut rows {
            if let Ok(n) = row.key.parse::<i32>() {
                row.key = baseline::frame::day_from_number(n).to_string();
            }
        }
        rows.sort_by(|a, b| a.key.cmp(&b.key));
    }
    let report = ProfileReport {
        by,
        window: baseline.window,
        input: baseline.input,
        rows: &rows,
    };
    let mut out = std::io::stdout().lock();
    report::profile::write(&mut out, cfg.output, &report)?;
    out.flush()?;
    let mut err = std::io::stderr().lock();
    report::problems::learned(&mut err, &learned)?;
    if let Some(path) = &cfg.save {
        baseline.save(path)?;
        report::notes::baseline_saved(&mut err, path, baseline)?;
    }
    Ok(Status::from_flags(false, !learned.problems.is_empty()))
}
