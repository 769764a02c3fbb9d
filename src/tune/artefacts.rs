//! The portable artefacts of a tuning, for other Sigma toolchains: a Sigma meta-filter with the
//! allowlist (sigma-cli/pySigma `--filter`) and a pySigma processing pipeline that supplies
//! `%unusual_regions%` (for `awsRegion|expand`). Text only; [`super::write`] writes them.

use crate::policy::RegionPolicy;

/// A Sigma meta-filter (filters spec v2) that drops events from allowlisted regions for one rule.
pub fn meta_filter(policy: &RegionPolicy, rule_id: &str) -> String {
    let mut s = String::new();
    s.push_str("title: trailtune baseline regions\n");
    s.push_str(&format!("description: Regions normal for this organization, learned by trailtune {} from {} .. {}\n", env!("CARGO_PKG_VERSION"), policy.window.since, policy.window.until));
    s.push_str("logsource:\n  product: aws\n  service: cloudtrail\nfilter:\n  rules:\n");
    s.push_str(&format!("    - {rule_id}\n"));
    s.push_str("  selection:\n    awsRegion:\n");
    for r in policy.allowlist() {
        s.push_str(&format!("      - {r}\n"));
    }
    s.push_str("  condition: not selection\n");
    s
}

/// A pySigma processing pipeline that supplies `%unusual_regions%` (for `awsRegion|expand`).
pub fn placeholder_pipeline(policy: &RegionPolicy) -> String {
    let mut s = String::new();
    s.push_str("name: trailtune unusual regions\npriority: 10\nvars:\n  unusual_regions:\n");
    for r in policy.unusual_catalogue_regions() {
        s.push_str(&format!("    - {r}\n"));
    }
    s.push_str("transformations:\n  - id: trailtune_unusual_regions\n    type: value_placeholders\n    include:\n      - unusual_regions\n");
    s
}
