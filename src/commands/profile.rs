//! `trailtune profile`: read logs, aggregate, print the region (or account/principal/service/day)
//! table, optionally save the baseline file.

use std::io::Write;

use anyhow::{Context, Result};

use crate::baseline::{self, cols};
use crate::cli::ProfileArgs;
use crate::config;
use crate::exit::Status;
use crate::geo::Geo;
use crate::report::{self, profile::ProfileReport};

pub fn run(args: ProfileArgs) -> Result<Status> {
    let cfg = config::Profile::try_from(args)?;
    let (column, by) = cfg.by;
    let by_caller = matches!(column, cols::COUNTRY | cols::NETWORK);
    // A database that cannot be read stops the run before any log is; it is asked only when
    // the rows are the callers' countries or networks.
    let geo = if by_caller {
        Geo::open_if_any(&cfg.geoip)?
    } else {
        None
    };
    let bar = report::progress::Bar::new(0, cfg.input.progress);
    let learned = baseline::from_logs(&cfg.input, &cfg.window, geo.as_ref(), &bar)
        .map_err(report::problems::before_error)?;
    let baseline = &learned.baseline;
    let df = if by_caller {
        baseline::caller_frame(&baseline.aggregates)
    } else {
        baseline::frame(&baseline.aggregates)
    }
    .context("building the profile frame")?;
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
    let lookup_errors = geo.as_ref().map(Geo::errors).unwrap_or_default();
    report::detect::lookup_errors(&mut err, &lookup_errors)?;
    if let Some(path) = &cfg.save {
        baseline.save(path)?;
        report::notes::baseline_saved(&mut err, path, baseline)?;
    }
    if let Some(path) = &cfg.report {
        // The page shows regions whatever --by is.
        let (regions, heatmap) = baseline::review(&baseline.aggregates, baseline.window)
            .context("computing the review page")?;
        let mut page = Vec::new();
        report::html::write(
            &mut page,
            &report::html::Page {
                command: "profile",
                window: baseline.window,
                input: baseline.input,
                regions: &regions,
                heatmap: &heatmap,
                policy: None,
                diff: None,
                backtest: None,
                drift: None,
            },
        )?;
        crate::atomic::write(path, &page)
            .with_context(|| format!("writing the review page {}", path.display()))?;
        report::notes::page_written(&mut err, path)?;
    }
    Ok(Status::from_flags(
        false,
        !learned.problems.is_empty() || lookup_errors.count > 0,
    ))
}
