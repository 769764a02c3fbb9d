//! The one-paragraph summary of a tuning, for stderr: what the list became, which filters were
//! added, what awaits review, and whether anything changed.

use std::io::{self, Write};

use crate::policy::RegionPolicy;
use crate::rewrite::{RegionMode, TunePlan};

pub fn summary(
    out: &mut dyn Write,
    policy: &RegionPolicy,
    plan: &TunePlan,
    changed: bool,
    check: bool,
) -> io::Result<()> {
    let (what, n) = match &plan.regions {
        RegionMode::Denylist(r) => ("unusual regions listed in awsRegion", r.len()),
        RegionMode::Allowlist(r) => ("allowed regions in filter_baseline_regions", r.len()),
    };
    let allow = policy.allowlist();
    let allow = if allow.is_empty() {
        "-".to_string()
    } else {
        allow.join(", ")
    };
    writeln!(out, "trailtune: {n} {what}; allowlist: {allow}")?;
    for f in &plan.filters {
        let values: usize = f.fields.iter().map(|(_, v)| v.len()).sum();
        writeln!(out, "trailtune: added {} ({values} values)", f.name)?;
    }
    let q = policy.quarantined();
    if !q.is_empty() {
        writeln!(
            out,
            "trailtune: quarantined, awaiting review (--approve): {}",
            q.join(", ")
        )?;
    }
    let state = match (changed, check) {
        (true, true) => "the rule would change (--check)",
        (false, true) => "the rule is up to date (--check)",
        (true, false) => "the rule changed",
        (false, false) => "the rule was already up to date",
    };
    writeln!(out, "trailtune: {state}")
}
