//! `trailtune detect`: load rules (reporting every bad one), read logs exactly as `profile`
//! does, evaluate in parallel, report the hits.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::{Result, bail};

use crate::baseline::Window;
use crate::cli::DetectArgs;
use crate::commands::learn;
use crate::detect;
use crate::exit::Status;
use crate::input::DiscoverOptions;
use crate::report;
use crate::sigma::{LoadOptions, RuleSet};

/// Parse `--var name=v1,v2` options.
pub fn parse_vars(vars: &[String]) -> Result<BTreeMap<String, Vec<String>>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for v in vars {
        let Some((name, values)) = v.split_once('=') else {
            bail!("--var {v:?}: expected name=value[,value...]");
        };
        out.entry(name.trim().to_string()).or_default().extend(
            values
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
        );
    }
    Ok(out)
}

pub fn run(args: DetectArgs) -> Result<Status> {
    let opts = LoadOptions {
        vars: parse_vars(&args.var)?,
        all_logsources: args.all_logsources,
    };
    let loaded = RuleSet::load_paths(&args.rule, &opts);
    // Never hold the stderr lock across the run: the progress bar draws to stderr from workers.
    let mut err = std::io::stderr();
    for e in &loaded.errors {
        writeln!(err, "trailtune: rule skipped: {e}")?;
    }
    if !loaded.skipped_logsource.is_empty() {
        writeln!(
            err,
            "trailtune: {} rule(s) for other log sources not run (use --all-logsources to run them)",
            loaded.skipped_logsource.len()
        )?;
    }
    if loaded.rules.is_empty() {
        bail!(
            "no valid CloudTrail rule to run ({} rule error(s))",
            loaded.errors.len()
        );
    }
    learn::validate_window(&args.window)?;
    let window = match (args.window.since, args.window.until, args.window.days) {
        (None, None, None) => None,
        (since, until, days) => {
            let until = until.unwrap_or_else(|| chrono::Utc::now().date_naive());
            Window::resolve(since, Some(until), days, None)
        }
    };
    let (found, mut problems) = learn::discover(
        &args.input,
        &DiscoverOptions {
            since: window.map(|w| w.since),
            until: window.map(|w| w.until),
            days: None,
        },
    )?;
    let bar = report::progress::Bar::new(found.sources.len() as u64, !args.input.no_progress);
    let outcome = detect::run(
        &loaded.rules,
        &found.sources,
        window,
        args.input.strict,
        &bar,
    );
    bar.finish();
    let mut outcome = match outcome {
        Ok(o) => o,
        Err(p) => bail!("{p} (--strict)"),
    };
    problems.merge(std::mem::take(&mut outcome.problems));
    let mut out = std::io::stdout().lock();
    report::detect::write(
        &mut out,
        args.format,
        &report::detect::DetectReport {
            rules: loaded.rules.rules(),
            detections: &outcome.detections,
            events: outcome.stats.events,
            files: outcome.stats.files,
        },
    )?;
    out.flush()?;
    report::problems::write(&mut err, &problems)?;
    let skipped = !problems.is_empty() || !loaded.errors.is_empty();
    Ok(Status::from_flags(!outcome.detections.is_empty(), skipped))
}
