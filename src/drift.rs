//! Drift between two baselines: what re-baselining changed. Consumes the policy before and after
//! and the aggregates before and the newly read ones; produces a [`Drift`]: regions newly allowed,
//! no longer allowed, reclassified, quarantined, and the accounts and principals active in a
//! region they never used before. Pure comparison: it reads no files and prints nothing.

use std::collections::{BTreeMap, BTreeSet};

use crate::baseline::Aggregates;
use crate::event::Origin;
use crate::policy::{Class, Decision, RegionPolicy};

/// A region whose class changed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reclassified {
    pub region: String,
    pub before: Class,
    pub after: Class,
}

/// Someone active in a region they had not used before the new logs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FirstUse {
    pub who: String,
    pub region: String,
    pub events: u64,
}

/// What changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Drift {
    pub newly_allowed: Vec<String>,
    pub no_longer_allowed: Vec<String>,
    pub reclassified: Vec<Reclassified>,
    pub quarantined: Vec<String>,
    pub accounts_in_new_regions: Vec<FirstUse>,
    pub principals_in_new_regions: Vec<FirstUse>,
}

impl Drift {
    /// Whether the allowlist itself changed (what decides a rule rewrite).
    pub fn allowlist_changed(&self) -> bool {
        !self.newly_allowed.is_empty() || !self.no_longer_allowed.is_empty()
    }
}

/// Compare. `before` is `None` on the first run (everything counts as new).
pub fn compare(
    before: Option<&RegionPolicy>,
    after: &RegionPolicy,
    old: &Aggregates,
    newer: &Aggregates,
) -> Drift {
    let allowed = |p: &RegionPolicy| -> BTreeSet<String> { p.allowlist().into_iter().collect() };
    let after_allowed = allowed(after);
    let before_allowed = before.map(allowed).unwrap_or_default();
    let mut drift = Drift {
        newly_allowed: after_allowed.difference(&before_allowed).cloned().collect(),
        no_longer_allowed: before_allowed.difference(&after_allowed).cloned().collect(),
        quarantined: after
            .regions
            .iter()
            .filter(|d| d.decision == Decision::Quarantined)
            .map(|d| d.region.clone())
            .collect(),
        ..Drift::default()
    };
    if let Some(before) = before {
        for d in &after.regions {
            if let Some(b) = before.get(&d.region).filter(|b| b.class != d.class) {
                drift.reclassified.push(Reclassified {
                    region: d.region.clone(),
                    before: b.class,
                    after: d.class,
                });
            }
        }
    }
    let seen = |agg: &Aggregates,
                who: fn(&crate::baseline::aggregate::Row<'_>) -> String|
     -> BTreeMap<(String, String), u64> {
        let mut m = BTreeMap::new();
        for r in agg.rows() {
            if r.origin == Origin::AwsService {
                continue;
            }
            *m.entry((who(&r), r.region.to_string())).or_insert(0) += r.events;
        }
        m
    };
    let first_uses = |who: fn(&crate::baseline::aggregate::Row<'_>) -> String| -> Vec<FirstUse> {
        let old_seen = seen(old, who);
        seen(newer, who)
            .into_iter()
            .filter(|(key, _)| !old_seen.contains_key(key))
            .map(|((who, region), events)| FirstUse {
                who,
                region,
                events,
            })
            .collect()
    };
    if before.is_some() {
        drift.accounts_in_new_regions = first_uses(|r| r.account.to_string());
        drift.principals_in_new_regions = first_uses(|r| r.principal.to_string());
    }
    drift
}
