//! A second signal beside the region rule: a principal calling from a country it never called
//! from before. Consumes aggregates read with GeoIP databases (the counts split by the callers'
//! country, [`crate::baseline::Aggregates::callers`]) and a window split in two: the baseline
//! days, then the hunt days. Produces one finding per principal and new country. `awsRegion` is
//! where a call went; this is where it came from, and the two are kept apart.
//!
//! Only real countries count: private addresses, AWS services, reserved or unknown addresses
//! are never "a new country". A principal first seen during the hunt has no history to compare
//! with: it is counted, not reported per country.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Days, NaiveDate};

use crate::baseline::Aggregates;
use crate::window::Window;

/// A principal calling from a country it had not called from in the baseline days.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    pub principal: String,
    /// ISO 3166-1 alpha-2 code.
    pub country: String,
    pub first_seen: NaiveDate,
    pub last_seen: NaiveDate,
    /// Events from that country during the hunt.
    pub events: u64,
    /// Where those calls went (`awsRegion`), and the accounts they reached.
    pub regions: Vec<String>,
    pub accounts: Vec<String>,
    /// The countries the principal called from in the baseline days.
    pub known_countries: Vec<String>,
}

/// What the comparison found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NewCountries {
    pub baseline: Window,
    pub hunt: Window,
    /// Principals with calls in the baseline days (the ones compared).
    pub principals_compared: usize,
    /// Principals first seen during the hunt: no history to compare with.
    pub new_principals: usize,
    /// Hunt calls by the principals compared whose address has no country (private, an AWS
    /// service, reserved, unknown to the databases, or a failed lookup): not judged.
    pub calls_without_country: u64,
    pub findings: Vec<Finding>,
}

/// Whether a caller label is a country (`GB`), not what an address is (`(private address)`).
fn is_country(label: &str) -> bool {
    !label.starts_with('(')
}

#[derive(Default)]
struct Seen {
    first: Option<NaiveDate>,
    last: Option<NaiveDate>,
    events: u64,
    regions: BTreeSet<String>,
    accounts: BTreeSet<String>,
}

/// Compare the hunt days (the last `hunt_days` of `read`) with the days before them.
pub fn find(aggregates: &Aggregates, read: Window, hunt_days: u32) -> NewCountries {
    let hunt = Window::ending(read.until, hunt_days);
    let hunt = Window {
        since: hunt.since.max(read.since),
        until: hunt.until,
    };
    let baseline = Window {
        since: read.since,
        until: hunt
            .since
            .checked_sub_days(Days::new(1))
            .unwrap_or(hunt.since),
    };
    // Per principal: the countries of the baseline days, whether it was seen then at all, and
    // per country what the hunt days saw.
    let mut known: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut active: BTreeSet<&str> = BTreeSet::new();
    let mut hunted: BTreeMap<(&str, &str), Seen> = BTreeMap::new();
    let mut in_hunt: BTreeSet<&str> = BTreeSet::new();
    let mut without_country: BTreeMap<&str, u64> = BTreeMap::new();
    for (row, country, _) in aggregates.caller_rows() {
        if row.day < hunt.since {
            active.insert(row.principal);
            // A failed call is no evidence of where a principal works from (as in learning the
            // regions): an attacker's denied probes must not make their country known.
            if is_country(country) && !row.failed {
                known.entry(row.principal).or_default().insert(country);
            }
            continue;
        }
        in_hunt.insert(row.principal);
        if !is_country(country) {
            *without_country.entry(row.principal).or_default() += row.events;
            continue;
        }
        let seen = hunted.entry((row.principal, country)).or_default();
        seen.first = Some(seen.first.map_or(row.day, |d| d.min(row.day)));
        seen.last = Some(seen.last.map_or(row.day, |d| d.max(row.day)));
        seen.events += row.events;
        seen.regions.insert(row.region.to_string());
        seen.accounts.insert(row.account.to_string());
    }
    let findings = hunted
        .into_iter()
        .filter(|((principal, country), _)| {
            active.contains(principal)
                && !known
                    .get(principal)
                    .is_some_and(|countries| countries.contains(country))
        })
        .filter_map(|((principal, country), seen)| {
            Some(Finding {
                principal: principal.to_string(),
                country: country.to_string(),
                first_seen: seen.first?,
                last_seen: seen.last?,
                events: seen.events,
                regions: seen.regions.into_iter().collect(),
                accounts: seen.accounts.into_iter().collect(),
                known_countries: known
                    .get(principal)
                    .map(|c| c.iter().map(|s| s.to_string()).collect())
                    .unwrap_or_default(),
            })
        })
        .collect();
    NewCountries {
        baseline,
        hunt,
        principals_compared: active.len(),
        new_principals: in_hunt.difference(&active).count(),
        calls_without_country: without_country
            .iter()
            .filter(|(p, _)| active.contains(*p))
            .map(|(_, n)| n)
            .sum(),
        findings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::aggregate::Row;
    use crate::event::Origin;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn add(a: &mut Aggregates, day: &str, principal: &str, country: &str, region: &str) {
        add_call(a, day, principal, country, region, false);
    }

    fn add_call(
        a: &mut Aggregates,
        day: &str,
        principal: &str,
        country: &str,
        region: &str,
        failed: bool,
    ) {
        let key = a.add(&Row {
            day: d(day),
            account: "111122223333",
            region,
            event_source: "s3.amazonaws.com",
            identity_type: "IAMUser",
            principal,
            origin: Origin::Direct,
            failed,
            read_only: true,
            events: 1,
        });
        a.add_caller(key, country, "AS1 Net", 1);
    }

    #[test]
    fn a_country_is_new_only_to_a_principal_with_history_that_never_called_from_it() {
        let mut a = Aggregates::default();
        add(&mut a, "2025-03-01", "alice", "GB", "eu-west-1");
        add(
            &mut a,
            "2025-03-02",
            "alice",
            "(private address)",
            "eu-west-1",
        );
        add(&mut a, "2025-03-02", "bob", "US", "us-east-1");
        // A denied probe from KP in the baseline does not make KP known.
        add_call(&mut a, "2025-03-03", "alice", "KP", "ap-east-1", true);
        // The hunt: the last 7 days.
        add(&mut a, "2025-03-25", "alice", "GB", "eu-west-1");
        add(&mut a, "2025-03-26", "alice", "KP", "ap-east-1");
        add(&mut a, "2025-03-28", "alice", "KP", "me-south-1");
        add(&mut a, "2025-03-27", "bob", "(AWS service)", "us-east-1");
        add(&mut a, "2025-03-27", "carol", "RU", "us-east-1");
        let read = Window {
            since: d("2025-03-01"),
            until: d("2025-03-31"),
        };
        let found = find(&a, read, 7);
        assert_eq!(found.hunt.since, d("2025-03-25"));
        assert_eq!(found.baseline.until, d("2025-03-24"));
        assert_eq!((found.principals_compared, found.new_principals), (2, 1));
        assert_eq!(found.calls_without_country, 1, "bob's AWS service call");
        assert_eq!(
            found.findings,
            [Finding {
                principal: "alice".into(),
                country: "KP".into(),
                first_seen: d("2025-03-26"),
                last_seen: d("2025-03-28"),
                events: 2,
                regions: vec!["ap-east-1".into(), "me-south-1".into()],
                accounts: vec!["111122223333".into()],
                known_countries: vec!["GB".into()],
            }]
        );
    }

    #[test]
    fn a_hunt_longer_than_the_read_window_has_no_baseline() {
        let mut a = Aggregates::default();
        add(&mut a, "2025-03-30", "alice", "GB", "eu-west-1");
        let read = Window {
            since: d("2025-03-30"),
            until: d("2025-03-31"),
        };
        let found = find(&a, read, 7);
        assert_eq!(found.hunt.since, d("2025-03-30"));
        assert_eq!((found.principals_compared, found.new_principals), (0, 1));
        assert!(found.findings.is_empty());
    }
}
