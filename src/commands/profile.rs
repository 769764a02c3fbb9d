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
    let by_caller = [Some(column), cfg.by2.map(|b| b.0)]
        .iter()
        .any(|c| matches!(c, Some(cols::COUNTRY | cols::NETWORK)));
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
    let mut rows = baseline::frame::profile_by(&df, column, cfg.by2.map(|b| b.0))
        .context("computing the profile")?;
    // Days read best in calendar order; the key is days since 1970 as text.
    let as_date = |key: &mut String| {
        if let Ok(n) = key.parse::<i32>() {
            *key = baseline::frame::day_from_number(n).to_string();
        }
    };
    if column == cols::DAY {
        rows.iter_mut().for_each(|r| as_date(&mut r.key));
        rows.sort_by(|a, b| a.key.cmp(&b.key));
    }
    if cfg.by2.is_some_and(|b| b.0 == cols::DAY) {
        rows.iter_mut()
            .filter_map(|r| r.key2.as_mut())
            .for_each(as_date);
        if column != cols::DAY {
            rows.sort_by(|a, b| (&a.key, &a.key2).cmp(&(&b.key, &b.key2)));
        }
    }
    let report = ProfileReport {
        by,
        by2: cfg.by2.map(|b| b.1),
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
                accounts: None,
                diff: None,
                backtest: None,
                forms: None,
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
