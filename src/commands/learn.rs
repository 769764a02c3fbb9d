//! Shared by every command that reads logs: discover -> fold in parallel -> resolve the window ->
//! a [`Baseline`] of that window, plus the log of what was skipped.

use std::io::Write;

use anyhow::{Context, Result, bail};

use std::collections::BTreeSet;

use crate::baseline::{self, Baseline, ProblemLog, Review, Window};
use crate::cli::{BaselineSourceArgs, InputArgs, PolicyArgs, WindowArgs};
use crate::input::{self, DiscoverOptions, Discovery};
use crate::policy::{LearnFilter, PolicyConfig};
use crate::regions;
use crate::report;

/// A baseline learned from logs, and what was skipped on the way.
pub struct Learned {
    pub baseline: Baseline,
    pub problems: ProblemLog,
}

/// Reject a window that cannot hold a day.
pub fn validate_window(window: &WindowArgs) -> Result<()> {
    if let (Some(since), Some(until)) = (window.since, window.until)
        && since > until
    {
        bail!("--since {since} is after --until {until}");
    }
    Ok(())
}

/// Find the sources named by `input`; the problems met on the way are logged, or fatal under
/// `--strict`. Shared by every command that reads logs.
pub fn discover(input: &InputArgs, opts: &DiscoverOptions) -> Result<(Discovery, ProblemLog)> {
    if input.paths.is_empty() {
        bail!(
            "no input: give one or more PATHs (files or folders of CloudTrail logs), or - for standard input"
        );
    }
    let mut found = input::discover(&input.paths, opts);
    let mut problems = ProblemLog::default();
    for p in std::mem::take(&mut found.problems) {
        if input.strict {
            bail!("{p} (--strict)");
        }
        problems.push(p);
    }
    Ok((found, problems))
}

/// Read the logs named by `input` and aggregate the window given by `window`.
pub fn from_logs(input: &InputArgs, window: &WindowArgs) -> Result<Learned> {
    validate_window(window)?;
    let days = window.days.or(Some(baseline::DEFAULT_DAYS));
    let (found, mut problems) = discover(
        input,
        &DiscoverOptions {
            since: window.since,
            until: window.until,
            days: if window.since.is_some() { None } else { days },
        },
    )?;
    let bar = report::progress::Bar::new(found.sources.len() as u64, !input.no_progress);
    let folded = baseline::fold_all(&found.sources, input.strict, &bar);
    bar.finish();
    let mut folded = match folded {
        Ok(f) => f,
        Err(p) => bail!("{p} (--strict)"),
    };
    problems.merge(std::mem::take(&mut folded.problems));
    let mut stats = folded.stats;
    stats.pruned_files = found.pruned;
    stats.skipped_files = problems.files_skipped();
    stats.skipped_records = problems.records_skipped();
    let newest = folded.aggregates.days().map(|(_, max)| max);
    let Some(resolved) = Window::resolve(window.since, window.until, window.days, newest) else {
        report::problems::write(&mut std::io::stderr(), &problems)?;
        bail!(
            "no usable CloudTrail events in the input ({} files read)",
            stats.files
        );
    };
    stats.outside_window = folded
        .aggregates
        .retain_window(resolved.since, resolved.until);
    stats.events = folded.aggregates.total_events();
    if stats.events == 0 {
        report::problems::write(&mut std::io::stderr(), &problems)?;
        bail!(
            "no events in the window {} .. {} ({} events read outside it)",
            resolved.since,
            resolved.until,
            stats.outside_window
        );
    }
    Ok(Learned {
        baseline: Baseline::new(resolved, stats, folded.aggregates),
        problems,
    })
}

/// Print the skipped-input summary and a note on region codes the catalogue lacks.
pub fn report_input(learned_problems: &ProblemLog, baseline: &Baseline) -> Result<()> {
    let mut err = std::io::stderr().lock();
    report::problems::write(&mut err, learned_problems)?;
    let unknown = unknown_regions(baseline);
    if !unknown.is_empty() {
        writeln!(
            err,
            "trailtune: note: region codes not in the catalogue (botocore {}), kept and reported as UNKNOWN: {}",
            regions::catalogue().botocore_version,
            unknown.join(", ")
        )?;
    }
    Ok(())
}

/// Region codes present in the baseline that the catalogue does not know.
pub fn unknown_regions(baseline: &Baseline) -> Vec<String> {
    let cat = regions::catalogue();
    let mut out: Vec<String> = baseline
        .aggregates
        .rows()
        .iter()
        .map(|r| r.region)
        .filter(|r| !cat.contains(r))
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The baseline named by `--baseline` or `--baseline-csv` (an Athena result), or one learned from
/// the logs now.
pub fn baseline_from(source: &BaselineSourceArgs) -> Result<Learned> {
    if let Some(path) = &source.baseline_csv {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read the Athena result", path.display()))?;
        let baseline = baseline::from_athena_csv(&text).with_context(|| {
            format!(
                "{}: not the CSV result of `trailtune athena baseline-sql`",
                path.display()
            )
        })?;
        return Ok(Learned {
            baseline,
            problems: ProblemLog::default(),
        });
    }
    match &source.baseline {
        Some(path) => Ok(Learned {
            baseline: Baseline::load(path)?,
            problems: ProblemLog::default(),
        }),
        None => from_logs(&source.input, &source.window),
    }
}

/// The policy configuration from the command line plus the baseline's saved review decisions.
pub fn policy_config(args: &PolicyArgs, review: &Review) -> PolicyConfig {
    let set = |v: &[String]| {
        v.iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect::<BTreeSet<_>>()
    };
    let mut review = review.clone();
    review.record(&args.approve, &args.reject);
    PolicyConfig {
        learn: LearnFilter {
            failed: !args.learn_failed,
            aws_service: !args.learn_aws_service,
            service_linked_role: !args.learn_service_linked,
            invoked_by_service: !args.learn_invoked_by_service,
            aws_internal: !args.learn_aws_internal,
        },
        min_events: args.min_events,
        min_share_pct: args.min_share,
        min_days: args.min_days,
        min_principals: args.min_principals,
        allow: set(&args.allow),
        deny: set(&args.deny),
        approve: review.approved,
        reject: review.rejected,
        quarantine_days: args.quarantine_days,
        min_history_days: args.min_history,
        sweeper_region_pct: args.sweeper_regions,
    }
}
