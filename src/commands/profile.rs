//! `trailtune profile`: read logs, aggregate, print the region (or account/principal/service/day)
//! table, optionally save the baseline file.

use std::io::Write;

use anyhow::{Context, Result};

use crate::baseline::{self, cols};
use crate::cli::{GroupBy, ProfileArgs};
use crate::commands::learn;
use crate::exit::Status;
use crate::report::profile::{self as profile_report, ProfileReport};

pub fn run(args: ProfileArgs) -> Result<Status> {
    let learned = learn::from_logs(&args.input, &args.window)?;
    let baseline = &learned.baseline;
    let (column, by) = match args.by {
        GroupBy::Region => (cols::REGION, "region"),
        GroupBy::Account => (cols::ACCOUNT, "account"),
        GroupBy::Principal => (cols::PRINCIPAL, "principal"),
        GroupBy::Service => (cols::EVENT_SOURCE, "service"),
        GroupBy::Day => (cols::DAY, "day"),
    };
    let df = baseline::frame(&baseline.aggregates).context("building the profile frame")?;
    let mut rows = baseline::profile(&df, column).context("computing the profile")?;
    if args.by == GroupBy::Day {
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
    profile_report::write(&mut out, args.format, &report)?;
    out.flush()?;
    learn::report_input(&learned.problems, baseline)?;
    if let Some(path) = &args.save {
        baseline.save(path)?;
        eprintln!(
            "trailtune: baseline saved to {} ({} rows)",
            path.display(),
            baseline.aggregates.counts.len()
        );
    }
    Ok(Status::from_flags(false, !learned.problems.is_empty()))
}
