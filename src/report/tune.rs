//! A tuning for people: the unified diff of the change (stdout) and the one-paragraph summary
//! (stderr): what the list became, which filters were added, what awaits review, and whether
//! the rule is up to date.

use std::io::{self, Write};

use crate::policy::RegionPolicy;
use crate::report::text::{self, Safe};
use crate::rewrite::{self, RegionMode};
use crate::tune::{Rule, RuleSource, TuneConfig, Tuned};

/// The change as a unified diff, from what the target holds now (or the rule, for a target that
/// does not exist yet) to what it should hold.
pub fn diff(out: &mut dyn Write, cfg: &TuneConfig, rule: &Rule, tuned: &Tuned) -> io::Result<()> {
    let rule_name = match &cfg.rule {
        RuleSource::File(p) => p.display().to_string(),
        RuleSource::Seed => rule.name.clone(),
    };
    let target = cfg
        .target_path()
        .map_or_else(|| rule_name.clone(), |p| p.display().to_string());
    let old = if tuned.current_is_target {
        &target
    } else {
        &rule_name
    };
    let diff = rewrite::unified_diff(&tuned.current, &tuned.text, old, &target);
    write!(out, "{}", text::escape_lines(&diff))
}

/// The rule's metadata warnings, once (the rule is tuned and loads anyway).
pub fn warnings(out: &mut dyn Write, tuned: &Tuned) -> io::Result<()> {
    for w in &tuned.warnings {
        writeln!(out, "trailtune: rule warning: {}", Safe(&w.to_string()))?;
    }
    Ok(())
}

pub fn summary(
    out: &mut dyn Write,
    policy: &RegionPolicy,
    tuned: &Tuned,
    check: bool,
) -> io::Result<()> {
    warnings(out, tuned)?;
    let (what, n) = match &tuned.plan.regions {
        RegionMode::Denylist(r) => ("unusual regions listed in awsRegion", r.len()),
        RegionMode::Allowlist(r) => ("allowed regions in filter_baseline_regions", r.len()),
    };
    let allow = policy.allowlist();
    let allow = if allow.is_empty() {
        "-".to_string()
    } else {
        text::join(&allow, ", ")
    };
    let per_account = (tuned.plan.filters.iter())
        .any(|f| f.name.starts_with(crate::rewrite::ACCOUNT_FILTER_PREFIX));
    if per_account {
        writeln!(
            out,
            "trailtune: {n} {what} (unusual for at least one account); organization-wide allowlist: {allow}"
        )?;
    } else {
        writeln!(out, "trailtune: {n} {what}; allowlist: {allow}")?;
    }
    // What the filters are now: written by this run, to be written (--check), or already there.
    let verb = match (tuned.changed, check) {
        (false, _) => "keeps",
        (true, true) => "would add",
        (true, false) => "added",
    };
    for f in &tuned.plan.filters {
        let values: usize = f.fields.iter().map(|(_, v)| v.len()).sum();
        writeln!(out, "trailtune: {verb} {} ({values} values)", Safe(&f.name))?;
    }
    let q = policy.quarantined();
    if !q.is_empty() {
        writeln!(
            out,
            "trailtune: quarantined, awaiting review (--approve): {}",
            text::join(&q, ", ")
        )?;
    }
    let state = match (tuned.changed, check) {
        (true, true) => "the rule would change (--check)",
        (false, true) => "the rule is up to date (--check)",
        (true, false) => "the rule changed",
        (false, false) => "the rule was already up to date",
    };
    writeln!(out, "trailtune: {state}")
}
