//! `trailtune rebaseline`: merge new logs into the saved state, forget days older than the
//! window, decide again, report the drift, keep review decisions, and rewrite the rule only when
//! the allowlist changed. Idempotent: the same logs twice change nothing the second time.

use std::io::Write;

use anyhow::{Context, Result, bail};
use chrono::Days;

use crate::baseline::{Baseline, InputStats, Window};
use crate::cli::{PolicyArgs, RebaselineArgs, WindowArgs};
use crate::commands::{learn, tune};
use crate::drift;
use crate::exit::Status;
use crate::policy;
use crate::report;

pub fn run(args: RebaselineArgs) -> Result<Status> {
    let old = if args.state.exists() {
        Some(Baseline::load(&args.state)?)
    } else {
        None
    };
    let newer = if let Some(csv) = &args.baseline_csv {
        let source = crate::cli::BaselineSourceArgs {
            baseline_csv: Some(csv.clone()),
            ..Default::default()
        };
        Some(learn::baseline_from(&source)?)
    } else if args.input.paths.is_empty() {
        None
    } else {
        let window = WindowArgs {
            days: Some(args.forget_after),
            ..WindowArgs::default()
        };
        Some(learn::from_logs(&args.input, &window)?)
    };
    let skipped = newer.as_ref().is_some_and(|n| !n.problems.is_empty());
    if let Some(n) = &newer {
        learn::report_input(&n.problems, &n.baseline)?;
    }
    let mut merged = match (&old, &newer) {
        (None, None) => bail!(
            "{} does not exist yet: give the logs to build it from (PATH...)",
            args.state.display()
        ),
        (Some(o), _) => o.clone(),
        (None, Some(n)) => n.baseline.clone(),
    };
    if let (Some(_), Some(n)) = (&old, &newer) {
        merged.aggregates.replace_slices(&n.baseline.aggregates);
    }
    // Forget what has left the window.
    let Some((_, newest)) = merged.aggregates.days() else {
        bail!("the state holds no events");
    };
    let since = newest
        .checked_sub_days(Days::new(u64::from(args.forget_after.max(1)) - 1))
        .unwrap_or(newest);
    merged.aggregates.retain_window(since, newest);
    merged.window = Window {
        since,
        until: newest,
    };
    if let Some(n) = &newer {
        merged.input = InputStats {
            events: merged.aggregates.total_events(),
            outside_window: 0,
            ..n.baseline.input
        };
    }
    // Review decisions persist; a fresh one overrides an older opposite one.
    merged
        .review
        .record(&args.policy.approve, &args.policy.reject);

    // The old allowlist as it stood: its own review decisions, not this run's.
    let old_args = PolicyArgs {
        approve: Vec::new(),
        reject: Vec::new(),
        ..args.policy.clone()
    };
    let before = match &old {
        Some(o) => Some(
            policy::decide(o, &learn::policy_config(&old_args, &o.review))
                .context("deciding the old allowlist")?,
        ),
        None => None,
    };
    let after = policy::decide(&merged, &learn::policy_config(&args.policy, &merged.review))
        .context("deciding the allowlist")?;
    let empty = crate::baseline::Aggregates::default();
    let drift = drift::compare(
        before.as_ref(),
        &after,
        old.as_ref().map_or(&empty, |o| &o.aggregates),
        newer.as_ref().map_or(&empty, |n| &n.baseline.aggregates),
    );

    // The rule: rewritten only when the allowlist changed (or the output does not exist yet).
    let mut rule_rewritten = None;
    if args.rule.is_some() || args.output.out.is_some() {
        let target_missing = args.output.out.as_ref().is_some_and(|p| !p.exists());
        let needed = drift.allowlist_changed() || before.is_none() || target_missing;
        if needed {
            tune::ensure_history(&after, &args.policy)?;
            let (text, name) = tune::read_rule(args.rule.as_deref())?;
            let date = args
                .output
                .date
                .unwrap_or_else(|| chrono::Utc::now().date_naive());
            let plan = tune::plan(&after, &merged, args.output.mode, date, &name)?;
            let tuned = tune::tune_text(&text, plan).with_context(|| format!("tuning {name}"))?;
            let changed = tune::emit(
                &args.output,
                args.rule.as_deref(),
                &text,
                &tuned,
                &after,
                &tune::rule_id(&text),
            )?;
            rule_rewritten = Some(changed);
        } else {
            rule_rewritten = Some(false);
        }
    }
    // The state is written after the rule (a failure above leaves the old state, so the next run
    // sees the same drift again), never under --check, and only when its content changed (so a
    // second run on the same logs is a no-op).
    let state_changed = old.as_ref().is_none_or(|o| o.to_json() != merged.to_json());
    if state_changed && !args.output.check {
        merged.created_at = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
        merged.created_by = format!("trailtune {}", env!("CARGO_PKG_VERSION"));
        merged.save(&args.state)?;
    }
    let mut out = std::io::stdout().lock();
    report::drift::write(
        &mut out,
        args.format,
        &drift,
        rule_rewritten,
        args.output.check,
    )?;
    out.flush()?;
    if args.output.check {
        eprintln!(
            "trailtune: --check: state not written ({})",
            args.state.display()
        );
    } else if state_changed {
        eprintln!(
            "trailtune: state saved to {} ({} .. {})",
            args.state.display(),
            merged.window.since,
            merged.window.until
        );
    } else {
        eprintln!("trailtune: state unchanged ({})", args.state.display());
    }
    let found = rule_rewritten.unwrap_or(drift.allowlist_changed());
    Ok(Status::from_flags(found, skipped))
}
