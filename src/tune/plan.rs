//! The policy as a [`TunePlan`]: the region list (denylist or allowlist form), the managed
//! exclusion filters (global services in their home region, sweepers) and the provenance
//! comment. Pure: it reads the decided policy and writes nothing.

use chrono::NaiveDate;

use super::{Mode, TuneError};
use crate::baseline::Baseline;
use crate::policy::{Decision, RegionPolicy};
use crate::rewrite::{Filter, RegionMode, TunePlan};

/// A tuned rule never alerts on a region that carries this share (percent) or more of the
/// organization's normal use, unless a person pinned it there (`--deny`, `--reject`).
pub const MAX_ALERTED_SHARE_PCT: f64 = 5.0;

/// Refuse to list a home region: a region with a large share of normal use that the policy did
/// not allow (quarantined, or below a threshold such as `--min-principals`) would turn the rule
/// into an alarm on everyday work.
fn refuse_home_regions(policy: &RegionPolicy) -> Result<(), TuneError> {
    let home: Vec<String> = policy
        .regions
        .iter()
        .filter(|d| d.decision != Decision::Allow && !d.pinned)
        .filter(|d| d.share_pct >= MAX_ALERTED_SHARE_PCT)
        .map(|d| {
            format!(
                "{} ({:.1}% of normal use, {})",
                d.region, d.share_pct, d.decision
            )
        })
        .collect();
    if home.is_empty() {
        return Ok(());
    }
    Err(TuneError::HomeRegions {
        regions: home.join(", "),
        threshold: MAX_ALERTED_SHARE_PCT,
    })
}

/// Build the plan: list, managed filters, provenance, date.
pub fn plan(
    policy: &RegionPolicy,
    baseline: &Baseline,
    mode: Mode,
    date: NaiveDate,
    rule_name: &str,
) -> Result<TunePlan, TuneError> {
    let allow = policy.allowlist();
    refuse_home_regions(policy)?;
    let regions = match mode {
        Mode::Denylist => {
            let unusual = policy.unusual_catalogue_regions();
            if unusual.is_empty() {
                return Err(TuneError::NothingUnusual {
                    partitions: policy.partitions.join(", "),
                });
            }
            RegionMode::Denylist(unusual)
        }
        Mode::Allowlist => {
            if allow.is_empty() {
                return Err(TuneError::EmptyAllowlist);
            }
            RegionMode::Allowlist(allow.clone())
        }
    };
    let mut filters = Vec::new();
    let homes: Vec<String> = policy
        .partitions
        .iter()
        .filter_map(|p| {
            crate::regions::catalogue()
                .global_home(p)
                .map(str::to_string)
        })
        .filter(|home| !allow.contains(home))
        .collect();
    if !policy.global_sources.is_empty() && !homes.is_empty() {
        filters.push(Filter {
            name: "filter_global_services".to_string(),
            fields: vec![
                ("awsRegion".to_string(), homes),
                (
                    "eventSource".to_string(),
                    policy.global_sources.keys().cloned().collect(),
                ),
            ],
            comment: Some(
                "Step 4: global services are logged in their home region (CloudTrail docs)"
                    .to_string(),
            ),
        });
    }
    // Roles: every session of the role (ARN prefix); users: the exact ARN.
    let (mut roles, mut users) = (Vec::new(), Vec::new());
    for s in policy.sweepers.iter().filter(|s| s.needs_filter) {
        let prefix = crate::event::principal_arn_prefix(&s.principal);
        if prefix.ends_with('/') {
            roles.push(prefix);
        } else {
            users.push(prefix);
        }
    }
    for (list, name, field) in [
        (&mut roles, "filter_sweepers", "userIdentity.arn|startswith"),
        (&mut users, "filter_sweeper_users", "userIdentity.arn"),
    ] {
        list.sort();
        list.dedup();
        if !list.is_empty() {
            filters.push(Filter {
                name: name.to_string(),
                fields: vec![(field.to_string(), list.clone())],
                comment: Some(
                    "principals that call read-only APIs in nearly every region (scanners, AWS Config)".to_string(),
                ),
            });
        }
    }
    let quarantined = policy.quarantined();
    let mut provenance = vec![
        format!(
            "tuned by trailtune {} ({} mode) from {} .. {} ({} {})",
            env!("CARGO_PKG_VERSION"),
            mode.as_str(),
            policy.window.since,
            policy.window.until,
            policy.window.days(),
            crate::text::plural(policy.window.days() as u64, "day", "days")
        ),
        format!("policy: {}", policy.config_summary),
        format!(
            "baseline {}: {} events, {} of normal use; rule {}",
            baseline.digest(),
            baseline.input.events,
            policy.evidence_events,
            rule_name
        ),
        format!(
            "allowlist ({}): {}",
            allow.len(),
            if allow.is_empty() {
                "-".to_string()
            } else {
                allow.join(", ")
            }
        ),
    ];
    if !quarantined.is_empty() {
        provenance.push(format!(
            "quarantined, awaiting review: {}",
            quarantined.join(", ")
        ));
    }
    Ok(TunePlan {
        selection: "selection".to_string(),
        regions,
        filters,
        provenance,
        modified: date,
    })
}
