//! `trailtune rebaseline`: merge new logs into the saved state, forget days older than the
//! window, decide again, report the drift, keep review decisions, and keep the rule up to date:
//! the rule is tuned with today's state and flags and compared with what the target holds, as
//! `tune --check` does, so a stale rule is always rewritten (or reported under `--check`).
//! Idempotent: the same logs twice change nothing the second time.

use std::io::Write;

use anyhow::{Context, Result};

use crate::baseline::{self, Aggregates, Baseline};
use crate::cli::RebaselineArgs;
use crate::config;
use crate::drift;
use crate::exit::Status;
use crate::policy;
use crate::report;
use crate::tune::{self, Rule, Target};

pub fn run(args: RebaselineArgs) -> Result<Status> {
    let cfg = config::Rebaseline::try_from(args)?;
    let old = if cfg.state.exists() {
        Some(Baseline::load(&cfg.state)?)
    } else {
        None
    };
    let newer = match &cfg.newer {
        Some(source) => {
            let bar = report::progress::Bar::new(0, source.shows_progress());
            Some(baseline::learn(source, &bar).map_err(report::problems::before_error)?)
        }
        None => None,
    };
    let mut err = std::io::stderr().lock();
    if let Some(n) = &newer {
        report::problems::learned(&mut err, n)?;
    }
    let (mut merged, partial) = baseline::state::merge(
        old.as_ref(),
        newer.as_ref().map(|n| &n.baseline),
        cfg.merge,
        &cfg.policy.approve,
        &cfg.policy.reject,
    )
    .with_context(|| cfg.state.display().to_string())?;
    report::notes::partial_days(&mut err, &partial)?;

    // The old allowlist as it stood (its own review decisions, not this run's), and the new one.
    let before = match &old {
        Some(o) => Some(policy::decide(
            o,
            &cfg.policy.without_new_review().with_review(&o.review),
        )?),
        None => None,
    };
    let after_cfg = cfg.policy.with_review(&merged.review);
    let after = policy::decide(&merged, &after_cfg)?;
    let empty = Aggregates::default();
    let drift = drift::compare(
        before.as_ref(),
        &after,
        old.as_ref().map_or(&empty, |o| &o.aggregates),
        newer.as_ref().map_or(&empty, |n| &n.baseline.aggregates),
    );

    // The state first (never under --check, and only when its content changed, so a second run
    // on the same logs is a no-op): the logs were read, and a rule that cannot be tuned yet
    // (too little history, a refusal) must not throw them away. The rule is decided from its
    // text against this state on every run, so nothing depends on the order.
    // Only the counts, the window and the review decisions make a state: a run whose logs change
    // none of them (the same logs again, another slice of days already held) leaves the file as
    // it is, even though it read other files.
    let state_changed = old.as_ref().is_none_or(|o| {
        let mut same_input = merged.clone();
        same_input.input = o.input;
        o.to_json() != same_input.to_json()
    });
    if let Some(o) = old.as_ref().filter(|_| !state_changed) {
        merged.input = o.input;
    }
    if state_changed && !cfg.check {
        merged.created_at = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
        merged.created_by = format!("trailtune {}", env!("CARGO_PKG_VERSION"));
        merged.save(&cfg.state)?;
    }
    report::notes::state(&mut err, &cfg.state, &merged, state_changed, cfg.check)?;

    // The rule, decided from its text.
    let mut rule_changed = None;
    let mut diff = None;
    let accounts = policy::decide_accounts(&merged, &after_cfg, &after)?;
    if let Some(tune_cfg) = &cfg.tune {
        tune::ensure_history(&after, cfg.policy.min_history_days, tune_cfg.force)?;
        let rule = Rule::read(&tune_cfg.rule)?;
        let tuned = tune::prepare(&rule, &merged, &after, accounts.as_ref(), tune_cfg)?;
        tune::write(&rule, &tuned, &after, tune_cfg)?;
        report::tune::warnings(&mut err, &tuned)?;
        let mut out = std::io::stdout().lock();
        if tune_cfg.diff {
            report::tune::diff(&mut out, tune_cfg, &rule, &tuned)?;
        } else if tune_cfg.target == Target::Stdout && !tune_cfg.check {
            out.write_all(tuned.text.as_bytes())?;
        }
        rule_changed = Some(tuned.changed);
        diff = Some(crate::rewrite::unified_diff(
            &tuned.current,
            &tuned.text,
            &rule.name,
            "tuned",
        ));
    }
    let mut out = std::io::stdout().lock();
    report::drift::write(&mut out, cfg.output, &drift, rule_changed, cfg.check)?;
    out.flush()?;
    if let Some(path) = &cfg.report {
        let (regions, heatmap) = baseline::review(&merged.aggregates, merged.window)
            .context("computing the review page")?;
        let mut page = Vec::new();
        report::html::write(
            &mut page,
            &report::html::Page {
                command: "rebaseline",
                window: merged.window,
                input: merged.input,
                regions: &regions,
                heatmap: &heatmap,
                policy: Some(&after),
                accounts: accounts.as_ref(),
                diff: diff.as_deref(),
                backtest: None,
                forms: None,
                drift: Some(&drift),
            },
        )?;
        crate::atomic::write(path, &page)
            .with_context(|| format!("writing the review page {}", path.display()))?;
        report::notes::page_written(&mut err, path)?;
    }
    let found = rule_changed.unwrap_or(drift.allowlist_changed());
    let skipped = newer.as_ref().is_some_and(|n| !n.problems.is_empty());
    Ok(Status::from_flags(found, skipped))
}
