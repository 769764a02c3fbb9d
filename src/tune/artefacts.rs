//! The portable artefacts of a tuning, for other Sigma toolchains: a Sigma meta-filter with the
//! allowlist (sigma-cli/pySigma `--filter`) and a pySigma processing pipeline that supplies
//! `%unusual_regions%` (for `awsRegion|expand`). Text only; [`super::write`] writes them.

use crate::policy::RegionPolicy;

/// A value as a YAML scalar: plain when it is a plain code (`eu-west-1`, a rule id), else
/// double-quoted with JSON escapes (valid YAML), so a region code from the logs holding `: `,
/// `#`, quotes or a line break cannot change the document's structure.
fn yaml_scalar(value: &str) -> String {
    let plain = value
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if plain {
        value.to_string()
    } else {
        serde_json::Value::String(value.to_string()).to_string()
    }
}

/// A Sigma meta-filter (filters spec v2) that drops events from allowlisted regions for one rule.
pub fn meta_filter(policy: &RegionPolicy, rule_id: &str) -> String {
    let mut s = String::new();
    s.push_str("title: trailtune baseline regions\n");
    s.push_str(&format!("description: Regions normal for this organization, learned by trailtune {} from {} .. {}\n", env!("CARGO_PKG_VERSION"), policy.window.since, policy.window.until));
    s.push_str("logsource:\n  product: aws\n  service: cloudtrail\nfilter:\n  rules:\n");
    s.push_str(&format!("    - {}\n", yaml_scalar(rule_id)));
    s.push_str("  selection:\n    awsRegion:\n");
    for r in policy.allowlist() {
        s.push_str(&format!("      - {}\n", yaml_scalar(&r)));
    }
    s.push_str("  condition: not selection\n");
    s
}

/// A pySigma processing pipeline that supplies `%unusual_regions%` (for `awsRegion|expand`).
pub fn placeholder_pipeline(policy: &RegionPolicy) -> String {
    let mut s = String::new();
    s.push_str("name: trailtune unusual regions\npriority: 10\nvars:\n  unusual_regions:\n");
    for r in policy.unusual_catalogue_regions() {
        s.push_str(&format!("    - {}\n", yaml_scalar(&r)));
    }
    s.push_str("transformations:\n  - id: trailtune_unusual_regions\n    type: value_placeholders\n    include:\n      - unusual_regions\n");
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn odd_values_cannot_change_the_yaml() {
        assert_eq!(super::yaml_scalar("eu-west-1"), "eu-west-1");
        for odd in ["evil\n- x", "a: b", "#c", "'q'", "", "-x", "é"] {
            let line = format!("k: {}", super::yaml_scalar(odd));
            let v: serde_yaml::Value = serde_yaml::from_str(&line).unwrap();
            assert_eq!(v["k"].as_str(), Some(odd), "{line}");
        }
    }
}
