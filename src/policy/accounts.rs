//! Per-account decisions (`--per-account`): the same policy (thresholds, evidence filter,
//! quarantine, pins) decided on each account's own rows, beside the organization-wide decision.
//! An account whose own history cannot carry a decision (too short, no evidence of normal use,
//! or a region it uses heavily that its own evidence does not allow) falls back to the
//! organization-wide allowlist, and says why. Pure: reads a baseline, writes nothing.

use std::collections::{BTreeMap, BTreeSet};

use super::{Decision, PolicyConfig, RegionDecision, RegionPolicy, decide};
use crate::baseline::aggregate::Row;
use crate::baseline::{Aggregates, Baseline};

/// A tuned rule never alerts on a region that carries this share (percent) or more of the
/// organization's (or, per account, the account's) normal use, unless a person pinned it there
/// (`--deny`, `--reject`).
pub const MAX_ALERTED_SHARE_PCT: f64 = 5.0;

/// An AWS account ID as a rule can name it: twelve ASCII digits.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Region pins that name one account (`--allow 111122223333:eu-west-1`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pins {
    pub allow: BTreeSet<String>,
    pub deny: BTreeSet<String>,
    pub approve: BTreeSet<String>,
    pub reject: BTreeSet<String>,
}

/// Why an account uses the organization-wide allowlist instead of its own.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fallback {
    /// No event of this account in the baseline (it was only pinned).
    NoHistory,
    /// Its first to last day spans fewer days than `--min-history`.
    ShortHistory { days: i64, min: u32 },
    /// Every event of it was left out of learning (AWS services, failed calls, sweepers).
    NoEvidence,
    /// Its own decision would alert on an established region (seen on enough days, not first
    /// seen recently) carrying a large share of its normal use, quarantined (a single principal)
    /// or below a threshold: too little evidence to decide alone.
    HomeRegion {
        region: String,
        share_pct: f64,
        decision: Decision,
    },
}

/// One account's decision.
#[derive(Debug, Clone)]
pub struct AccountPolicy {
    pub account: String,
    /// Decided from this account's rows only (with its pins).
    pub own: RegionPolicy,
    /// Set when the account uses the organization-wide allowlist.
    pub fallback: Option<Fallback>,
    /// The regions this account may call without an alert, sorted.
    pub allowlist: Vec<String>,
}

/// Each account's decision (the organization-wide one is decided apart, by [`decide`]).
#[derive(Debug, Clone)]
pub struct AccountPolicies {
    /// Sorted by account ID.
    pub accounts: Vec<AccountPolicy>,
    /// Events whose `recipientAccountId` is not a 12-digit account ID (missing, or a forged
    /// value), by that value: no rule filter can name them, so they get no exemption of their
    /// own and alert on every region the per-account rule lists.
    pub unnamed: BTreeMap<String, u64>,
}

impl AccountPolicies {
    /// Regions unusual for at least one account, or organization-wide (for accounts the baseline
    /// has not seen): the per-account rule's list, sorted.
    pub fn unusual_regions(&self, organization: &RegionPolicy) -> Vec<String> {
        let mut out: BTreeSet<String> = organization
            .unusual_catalogue_regions()
            .into_iter()
            .collect();
        for a in &self.accounts {
            let allowed: BTreeSet<&str> = a.allowlist.iter().map(String::as_str).collect();
            // The catalogue of the partitions and every pinned code, as the organization-wide
            // denylist takes them, minus what this account may call.
            let unusual = (organization.regions.iter())
                .chain(&a.own.regions)
                .filter(|d| d.in_catalogue || d.pinned)
                .map(|d| d.region.as_str())
                .filter(|r| !allowed.contains(r));
            out.extend(unusual.map(str::to_string));
        }
        out.into_iter().collect()
    }
}

impl PolicyConfig {
    /// This configuration for one account: the organization's pins plus the account's own.
    fn for_account(&self, account: &str) -> PolicyConfig {
        let mut cfg = self.clone();
        if let Some(p) = self.account_pins.get(account) {
            cfg.allow.extend(p.allow.iter().cloned());
            cfg.deny.extend(p.deny.iter().cloned());
            cfg.approve.extend(p.approve.iter().cloned());
            cfg.reject.extend(p.reject.iter().cloned());
            // An account's own approval of a region overrides an organization-wide rejection of
            // it, and the other way round, as a newer review does.
            cfg.reject.retain(|r| !p.approve.contains(r));
            cfg.approve.retain(|r| !p.reject.contains(r));
            cfg.allow.retain(|r| !p.deny.contains(r));
        }
        cfg.account_pins.clear();
        cfg
    }
}

/// Decide each account's allowlist when the configuration asks for it (`--per-account`);
/// `organization` is [`decide`]'s result for the same baseline and configuration.
pub fn decide_accounts(
    baseline: &Baseline,
    config: &PolicyConfig,
    organization: &RegionPolicy,
) -> Result<Option<AccountPolicies>, polars::error::PolarsError> {
    if !config.per_account {
        return Ok(None);
    }
    let rows = baseline.aggregates.rows();
    let mut by_account: BTreeMap<&str, Vec<&Row<'_>>> = BTreeMap::new();
    let mut unnamed: BTreeMap<String, u64> = BTreeMap::new();
    for r in &rows {
        if is_account_id(r.account) {
            by_account.entry(r.account).or_default().push(r);
        } else {
            *unnamed.entry(r.account.to_string()).or_default() += r.events;
        }
    }
    for account in config.account_pins.keys() {
        by_account.entry(account.as_str()).or_default();
    }
    let mut accounts = Vec::with_capacity(by_account.len());
    // One account's counts at a time: memory stays the baseline's plus one account's.
    for (account, rows) in by_account {
        let mut aggregates = Aggregates::default();
        for r in &rows {
            aggregates.add(r);
        }
        let sub = Baseline {
            window: baseline.window,
            input: baseline.input,
            aggregates,
            review: baseline.review.clone(),
            created_by: String::new(),
            created_at: String::new(),
        };
        let cfg = config.for_account(account);
        let own = decide(&sub, &cfg)?;
        let fallback = fallback(&own, &cfg, sub.aggregates.days());
        let allowlist = match &fallback {
            None => own.allowlist(),
            Some(_) => {
                let pins = config.account_pins.get(account);
                let denied = |r: &String| {
                    config.deny.contains(r)
                        || pins.is_some_and(|p| p.deny.contains(r) || p.reject.contains(r))
                };
                let mut list: BTreeSet<String> = organization.allowlist().into_iter().collect();
                if let Some(p) = pins {
                    list.extend(p.allow.iter().cloned());
                }
                list.retain(|r| !denied(r));
                list.into_iter().collect()
            }
        };
        accounts.push(AccountPolicy {
            account: account.to_string(),
            own,
            fallback,
            allowlist,
        });
    }
    Ok(Some(AccountPolicies { accounts, unnamed }))
}

/// Why an account's own decision cannot stand alone, if it cannot.
fn fallback(
    own: &RegionPolicy,
    cfg: &PolicyConfig,
    history: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
) -> Option<Fallback> {
    let no_rows = history.is_none();
    if no_rows {
        return Some(Fallback::NoHistory);
    }
    if !own.enough_data {
        return Some(Fallback::ShortHistory {
            days: own.history_days,
            min: cfg.min_history_days,
        });
    }
    if own.evidence_events == 0 {
        return Some(Fallback::NoEvidence);
    }
    // Only an established region (active on --min-days days, first seen before the quarantine
    // window) counts: a burst of new activity, an attacker's included, must alert or stop the
    // tuning, never move its account onto the organization-wide allowlist and so go quiet.
    let quarantine_from = history.and_then(|(first, _)| {
        super::quarantine_start(first, own.window.until, cfg.quarantine_days)
    });
    let established = |d: &&RegionDecision| {
        d.active_days >= cfg.min_days
            && d.first_seen
                .is_some_and(|seen| quarantine_from.is_none_or(|from| seen < from))
    };
    own.regions
        .iter()
        .filter(|d| d.decision != Decision::Allow && !d.pinned)
        .filter(|d| d.share_pct >= MAX_ALERTED_SHARE_PCT)
        .filter(established)
        .max_by(|a, b| a.share_pct.total_cmp(&b.share_pct))
        .map(|d| Fallback::HomeRegion {
            region: d.region.clone(),
            share_pct: d.share_pct,
            decision: d.decision,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::InputStats;
    use crate::event::Origin;
    use crate::window::Window;
    use chrono::{Days, NaiveDate};

    const END: &str = "2025-03-31";

    /// `principals` each calling `region` from `account` once a day for `days` days ending END.
    fn add(a: &mut Aggregates, account: &str, region: &str, principals: &[&str], days: u64) {
        let end: NaiveDate = END.parse().unwrap();
        for i in 0..days {
            for p in principals {
                a.add(&Row {
                    day: end - Days::new(i),
                    account,
                    region,
                    event_source: "ec2.amazonaws.com",
                    identity_type: "IAMUser",
                    principal: p,
                    origin: Origin::Direct,
                    failed: false,
                    read_only: false,
                    events: 1,
                });
            }
        }
    }

    fn baseline(a: Aggregates) -> Baseline {
        Baseline::new(
            Window {
                since: "2025-01-01".parse().unwrap(),
                until: END.parse().unwrap(),
            },
            InputStats::default(),
            a,
        )
    }

    fn decided(b: &Baseline, cfg: &PolicyConfig) -> (RegionPolicy, AccountPolicies) {
        let org = decide(b, cfg).unwrap();
        let accounts = decide_accounts(b, cfg, &org).unwrap().unwrap();
        (org, accounts)
    }

    fn per_account() -> PolicyConfig {
        PolicyConfig {
            per_account: true,
            ..PolicyConfig::default()
        }
    }

    #[test]
    fn each_account_allows_its_own_regions_only() {
        let mut a = Aggregates::default();
        add(&mut a, "111111111111", "eu-west-1", &["u/a", "u/b"], 60);
        add(&mut a, "222222222222", "us-west-2", &["u/c", "u/d"], 60);
        let b = baseline(a);
        let (org, accounts) = decided(&b, &per_account());
        assert_eq!(org.allowlist(), ["eu-west-1", "us-west-2"]);
        assert_eq!(accounts.accounts[0].allowlist, ["eu-west-1"]);
        assert_eq!(accounts.accounts[1].allowlist, ["us-west-2"]);
        assert!(accounts.accounts.iter().all(|a| a.fallback.is_none()));
        // Each region is unusual for the other account, so both are listed.
        let listed = accounts.unusual_regions(&org);
        assert!(listed.contains(&"eu-west-1".to_string()));
        assert!(listed.contains(&"us-west-2".to_string()));
        // Without --per-account nothing is decided per account.
        assert!(
            decide_accounts(&b, &PolicyConfig::default(), &org)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn thin_accounts_fall_back_with_the_reason() {
        let mut a = Aggregates::default();
        add(&mut a, "111111111111", "eu-west-1", &["u/a", "u/b"], 60);
        // Five days: shorter than --min-history.
        add(&mut a, "222222222222", "eu-west-1", &["u/c", "u/d"], 5);
        // A single principal carries all of this account's use: quarantined on its own.
        add(&mut a, "333333333333", "us-west-2", &["u/e"], 60);
        add(&mut a, "333333333333", "eu-west-1", &["u/f", "u/g"], 60);
        let (org, accounts) = decided(&baseline(a), &per_account());
        let by = |id: &str| accounts.accounts.iter().find(|a| a.account == id).unwrap();
        assert!(matches!(
            by("222222222222").fallback,
            Some(Fallback::ShortHistory { days: 5, min: 14 })
        ));
        assert_eq!(by("222222222222").allowlist, org.allowlist());
        match &by("333333333333").fallback {
            Some(Fallback::HomeRegion {
                region, decision, ..
            }) => {
                assert_eq!(region, "us-west-2");
                assert_eq!(*decision, Decision::Quarantined);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_burst_in_a_new_region_never_moves_its_account_to_the_fallback() {
        let mut a = Aggregates::default();
        add(&mut a, "111111111111", "eu-west-1", &["u/a", "u/b"], 60);
        add(&mut a, "333333333333", "us-west-2", &["u/c", "u/d"], 60);
        // 40 calls from one key in production's region, on the last two days: 25 % of the
        // sandbox's use.
        add(&mut a, "333333333333", "eu-west-1", &["u/attacker"; 20], 2);
        let b = baseline(a);
        let (org, accounts) = decided(&b, &per_account());
        let sandbox = &accounts.accounts[1];
        assert_eq!(sandbox.fallback, None);
        assert_eq!(sandbox.allowlist, ["us-west-2"]);
        // The per-account rule lists eu-west-1 for the sandbox: tune refuses to write it without
        // a person's say (it carries a large share of the account's use), and never writes a
        // rule that exempts it.
        assert!(
            accounts
                .unusual_regions(&org)
                .contains(&"eu-west-1".to_string())
        );
    }

    #[test]
    fn account_pins_add_to_the_organizations_and_win_for_their_account() {
        let mut a = Aggregates::default();
        add(&mut a, "111111111111", "eu-west-1", &["u/a", "u/b"], 60);
        add(&mut a, "222222222222", "us-west-2", &["u/c", "u/d"], 60);
        let mut cfg = per_account();
        cfg.deny.insert("ap-east-1".into());
        cfg.account_pins.insert(
            "111111111111".into(),
            Pins {
                allow: ["ap-east-1".to_string(), "eu-north-1".to_string()].into(),
                ..Pins::default()
            },
        );
        cfg.account_pins.insert(
            "999999999999".into(),
            Pins {
                allow: ["eu-central-1".to_string()].into(),
                ..Pins::default()
            },
        );
        let (org, accounts) = decided(&baseline(a), &cfg);
        // --deny without an account wins over an account's --allow.
        assert_eq!(accounts.accounts[0].allowlist, ["eu-north-1", "eu-west-1"]);
        assert!(!org.allowlist().contains(&"eu-north-1".to_string()));
        // A pinned account without events: the organization-wide allowlist plus its pins.
        let pinned = &accounts.accounts[2];
        assert_eq!(pinned.account, "999999999999");
        assert_eq!(pinned.fallback, Some(Fallback::NoHistory));
        assert_eq!(pinned.allowlist, ["eu-central-1", "eu-west-1", "us-west-2"]);
    }

    #[test]
    fn forged_account_ids_get_no_filter_of_their_own() {
        let mut a = Aggregates::default();
        add(&mut a, "111111111111", "eu-west-1", &["u/a", "u/b"], 60);
        add(&mut a, "1111111111111", "eu-west-1", &["u/x"], 2);
        add(&mut a, "(unknown)", "eu-west-1", &["u/y"], 1);
        let (_, accounts) = decided(&baseline(a), &per_account());
        assert_eq!(accounts.accounts.len(), 1);
        assert_eq!(accounts.unnamed["1111111111111"], 2);
        assert_eq!(accounts.unnamed["(unknown)"], 1);
        for id in ["111111111111", "000000000000"] {
            assert!(is_account_id(id));
        }
        for id in [
            "",
            "11111111111",
            "1111111111111",
            "11111111111a",
            "١١١١١١١١١١١١",
        ] {
            assert!(!is_account_id(id), "{id}");
        }
    }
}
