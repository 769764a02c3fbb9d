//! `trailtune detect`: load rules (reporting every bad one), read logs exactly as `profile`
//! does, evaluate in parallel, report the hits.

use std::io::Write;

use anyhow::{Context, Result, bail};

use crate::cli::DetectArgs;
use crate::config;
use crate::detect;
use crate::exit::Status;
use crate::geo::Geo;
use crate::input::{self, DiscoverOptions};
use crate::report;
use crate::sigma::RuleSet;

pub fn run(args: DetectArgs) -> Result<Status> {
    let cfg = config::Detect::try_from(args)?;
    // A database that cannot be read stops the run before any log is.
    let geo = Geo::open_if_any(&cfg.geoip)?;
    let loaded = RuleSet::load_paths(&cfg.rules, &cfg.load);
    // Never hold the stderr lock across the run: the progress bar draws to stderr from workers.
    let mut err = std::io::stderr();
    report::detect::load_problems(&mut err, &loaded)?;
    if loaded.rules.is_empty() {
        bail!(
            "no valid CloudTrail rule to run ({} rule error(s))",
            loaded.errors.len()
        );
    }
    // Detection reads the logs once, as they come: `until` defaults to today.
    let window = if cfg.window.is_unbounded() {
        None
    } else {
        cfg.window.resolve(Some(chrono::Utc::now().date_naive()))
    };
    let (found, mut problems) = input::find(
        &cfg.input,
        &DiscoverOptions {
            since: window.map(|w| w.since),
            until: window.map(|w| w.until),
            days: None,
        },
    )?;
    let bar = report::progress::Bar::new(found.sources.len() as u64, cfg.input.progress);
    let outcome = detect::run(
        &loaded.rules,
        &found.sources,
        window,
        cfg.input.strict,
        cfg.sort_buffer,
        &bar,
    );
    bar.finish();
    let mut outcome = outcome.map_err(|e| match e {
        detect::RunError::Strict(p) => anyhow::Error::from(input::InputError::Strict(p)),
        other => other.into(),
    })?;
    problems.merge(std::mem::take(&mut outcome.problems));
    if outcome.stats.events == 0 {
        // Nothing was evaluated: a scheduled hunt must not report a missing day as a clean one.
        report::problems::write(&mut err, &problems)?;
        match window {
            Some(w) if outcome.stats.outside_window > 0 => bail!(
                "no events in the window {} .. {} ({} read outside it): nothing was hunted",
                w.since,
                w.until,
                report::count(outcome.stats.outside_window, "event", "events")
            ),
            Some(w) if found.pruned > 0 && found.sources.is_empty() => bail!(
                "no events in the window {} .. {} ({} dated outside it by their S3 path not opened): nothing was hunted",
                w.since,
                w.until,
                report::count(found.pruned as u64, "file", "files")
            ),
            _ if found.sources.is_empty() => {
                bail!("no CloudTrail log files found in the input: nothing was hunted")
            }
            _ => bail!(
                "no usable CloudTrail events in the input ({} read): nothing was hunted",
                report::count(outcome.stats.files as u64, "file", "files")
            ),
        }
    }
    let any = outcome.hits.any();
    // Callers are located as the hits come out, in order (not for a summary, which shows none).
    let locate = geo.as_ref().filter(|_| !cfg.summary);
    let mut hits = outcome.hits.by_ref().map(|hit| {
        hit.map(|mut d| {
            d.caller = locate.map(|g| g.caller(&d.source_ip));
            d
        })
    });
    // Stdout is line-buffered: half a million hits would be as many writes.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let written = report::detect::write(
        &mut out,
        cfg.output,
        &report::detect::DetectReport {
            rules: loaded.rules.rules(),
            events: outcome.stats.events,
            files: outcome.stats.files,
            geo: geo.as_ref(),
            limit: cfg.limit,
            summary_only: cfg.summary,
        },
        &mut hits,
    )
    .and_then(|n| out.flush().map(|()| n > 0));
    let found = match written {
        Ok(found) => found,
        // The reader went away (`| head`): the exit status still says what was found and
        // what was skipped, for `set -o pipefail` scripts.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => any,
        Err(e) => return Err(e).context("writing the hits to standard output"),
    };
    drop(hits);
    problems.merge(outcome.finish());
    report::problems::write(&mut err, &problems)?;
    let lookup_errors = geo.as_ref().map(Geo::errors).unwrap_or_default();
    report::detect::lookup_errors(&mut err, &lookup_errors)?;
    let skipped = !problems.is_empty() || !loaded.errors.is_empty() || lookup_errors.count > 0;
    Ok(Status::from_flags(found, skipped))
}
