//! Stage 4: from a baseline to an allowlist a security engineer can trust and explain. Consumes a
//! [`Baseline`]; produces a [`RegionPolicy`]: one [`RegionDecision`] per region (class, decision,
//! and the reason in words), the sweeper principals, the global-service traffic reported apart,
//! and what was left out of learning and why. It reads no logs, writes no files, prints nothing.
//!
//! The rules, in order (docs/baseline-policy.md explains each with an example):
//! 1. Learn only from evidence of normal use: failed calls, AWS services, service-linked roles,
//!    calls a service made on someone's behalf and "AWS Internal" are left out (each a toggle).
//! 2. Global services (IAM, STS, CloudFront, sign-in, Route 53, Organizations, ...) are logged in
//!    the partition's home region; they are counted apart so that us-east-1 is judged on its own
//!    regional traffic.
//! 3. Sweepers (a principal making read-only calls in nearly every enabled region: scanners, AWS
//!    Config) are reported and left out of learning, so they cannot make every region normal.
//! 4. Thresholds (events, share, active days, principals) classify a region FREQUENT /
//!    INFREQUENT / RARE / UNSEEN; only FREQUENT regions are admitted automatically.
//! 5. Anti-poisoning: a FREQUENT region first seen in the last `quarantine_days` of the window,
//!    or used by a single principal, is quarantined for review instead of admitted.
//! 6. Pins and review decisions win: `--deny`, `--allow`, rejections, approvals.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{Days, NaiveDate};

use crate::baseline::{self, Aggregates, Baseline, ProfileRow, cols};
use crate::event::Origin;
use crate::regions;

/// Which events count as evidence of normal use. `true` = left out of learning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LearnFilter {
    pub failed: bool,
    pub aws_service: bool,
    pub service_linked_role: bool,
    pub invoked_by_service: bool,
    pub aws_internal: bool,
}

impl Default for LearnFilter {
    fn default() -> Self {
        LearnFilter {
            failed: true,
            aws_service: true,
            service_linked_role: true,
            invoked_by_service: true,
            aws_internal: true,
        }
    }
}

impl LearnFilter {
    /// Why a row is left out of learning, if it is.
    fn excludes(&self, origin: Origin, failed: bool) -> Option<&'static str> {
        match origin {
            Origin::AwsService if self.aws_service => Some("AWS service"),
            Origin::ServiceLinkedRole if self.service_linked_role => Some("service-linked role"),
            Origin::InvokedByService if self.invoked_by_service => Some("invoked by a service"),
            Origin::AwsInternal if self.aws_internal => Some("AWS Internal"),
            _ if failed && self.failed => Some("failed call"),
            _ => None,
        }
    }
}

/// The policy's knobs. Defaults are documented in docs/baseline-policy.md.
#[derive(Debug, Clone)]
pub struct PolicyConfig {
    pub learn: LearnFilter,
    /// Minimum evidence events for FREQUENT.
    pub min_events: u64,
    /// Minimum share of all evidence, in percent, for FREQUENT.
    pub min_share_pct: f64,
    /// Minimum distinct active days for FREQUENT.
    pub min_days: u32,
    /// Minimum distinct principals for FREQUENT.
    pub min_principals: u32,
    /// Regions always allowed (`--allow`).
    pub allow: BTreeSet<String>,
    /// Regions never allowed (`--deny`); wins over everything.
    pub deny: BTreeSet<String>,
    /// Regions admitted out of quarantine (`--approve`, plus the baseline's review).
    pub approve: BTreeSet<String>,
    /// Regions rejected in review: never admitted automatically.
    pub reject: BTreeSet<String>,
    /// A region first seen within this many days of the window's end is quarantined.
    pub quarantine_days: u32,
    /// Fewer days of history than this: refuse to tune unless forced.
    pub min_history_days: u32,
    /// A principal with read-only calls in at least this share (percent) of the partition's
    /// default-enabled regions is a sweeper.
    pub sweeper_region_pct: f64,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            learn: LearnFilter::default(),
            min_events: 20,
            min_share_pct: 0.01,
            min_days: 3,
            min_principals: 1,
            allow: BTreeSet::new(),
            deny: BTreeSet::new(),
            approve: BTreeSet::new(),
            reject: BTreeSet::new(),
            quarantine_days: 14,
            min_history_days: 14,
            sweeper_region_pct: 75.0,
        }
    }
}

/// How much evidence of normal use a region has (GuardDuty's vocabulary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Class {
    Frequent,
    Infrequent,
    Rare,
    Unseen,
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Class::Frequent => "FREQUENT",
            Class::Infrequent => "INFREQUENT",
            Class::Rare => "RARE",
            Class::Unseen => "UNSEEN",
        })
    }
}

/// What the policy does with a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// In the allowlist: normal for this organization.
    Allow,
    /// Enough evidence, but suspicious evidence: not admitted until a person approves it.
    Quarantined,
    /// Not in the allowlist: activity there alerts.
    Unusual,
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Decision::Allow => "allow",
            Decision::Unusual => "unusual",
            Decision::Quarantined => "quarantined",
        })
    }
}

/// One region's verdict, with the evidence behind it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RegionDecision {
    pub region: String,
    pub class: Class,
    pub decision: Decision,
    /// Pinned by `--allow`/`--deny` or a review decision.
    pub pinned: bool,
    pub reason: String,
    /// Evidence (events that count as normal use, global services excluded).
    pub events: u64,
    pub share_pct: f64,
    pub active_days: u32,
    pub principals: u32,
    pub first_seen: Option<NaiveDate>,
    pub last_seen: Option<NaiveDate>,
    /// All events in the region, evidence or not.
    pub all_events: u64,
    /// Global-service events recorded in this region (reported apart).
    pub global_events: u64,
    pub in_catalogue: bool,
    pub opt_in: bool,
}

/// A principal that sweeps (nearly) every region with read-only calls.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Sweeper {
    pub principal: String,
    pub regions: u32,
    pub events: u64,
    /// Share of its calls that are read-only, in percent (rounded).
    pub read_only_pct: u32,
    /// Whether its calls would reach the rule (not already excluded as an AWS service).
    pub needs_filter: bool,
}

/// The result of the policy.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RegionPolicy {
    pub window: baseline::Window,
    /// Days between the first and the last event of the baseline.
    pub history_days: i64,
    pub enough_data: bool,
    pub partitions: Vec<String>,
    pub regions: Vec<RegionDecision>,
    pub sweepers: Vec<Sweeper>,
    /// Global-service event sources seen, with their event counts (reported apart).
    pub global_sources: BTreeMap<String, u64>,
    /// Events left out of learning, by reason.
    pub excluded: BTreeMap<String, u64>,
    pub evidence_events: u64,
    pub config_summary: String,
}

impl RegionPolicy {
    /// The allowlist, sorted.
    pub fn allowlist(&self) -> Vec<String> {
        self.regions
            .iter()
            .filter(|d| d.decision == Decision::Allow)
            .map(|d| d.region.clone())
            .collect()
    }

    /// Catalogue regions of the baseline's partition(s) outside the allowlist, sorted: the
    /// seed rule's Step 3 list.
    pub fn unusual_catalogue_regions(&self) -> Vec<String> {
        self.regions
            .iter()
            .filter(|d| d.decision != Decision::Allow && d.in_catalogue)
            .map(|d| d.region.clone())
            .collect()
    }

    pub fn quarantined(&self) -> Vec<String> {
        self.regions
            .iter()
            .filter(|d| d.decision == Decision::Quarantined)
            .map(|d| d.region.clone())
            .collect()
    }

    pub fn get(&self, region: &str) -> Option<&RegionDecision> {
        self.regions.iter().find(|d| d.region == region)
    }
}

/// Decide the allowlist for `baseline` under `config`.
pub fn decide(
    baseline: &Baseline,
    config: &PolicyConfig,
) -> Result<RegionPolicy, polars::error::PolarsError> {
    let cat = regions::catalogue();
    let rows = baseline.aggregates.rows();

    // Partitions present (default: the commercial partition).
    let mut partitions: BTreeSet<String> = rows
        .iter()
        .filter_map(|r| cat.get(r.region).map(|reg| reg.partition.clone()))
        .collect();
    if partitions.is_empty() {
        partitions.insert("aws".to_string());
    }
    let homes: BTreeSet<&str> = partitions
        .iter()
        .filter_map(|p| cat.global_home(p))
        .collect();

    // Sweepers: read-only calls in most default-enabled regions of the partition.
    let enabled: BTreeSet<&str> = partitions
        .iter()
        .flat_map(|p| {
            cat.partition(p)
                .filter(|r| !r.opt_in)
                .map(|r| r.code.as_str())
        })
        .collect();
    let mut by_principal: BTreeMap<&str, (BTreeSet<&str>, u64, u64, bool)> = BTreeMap::new();
    for r in &rows {
        let e = by_principal.entry(r.principal).or_default();
        if r.read_only {
            e.0.insert(r.region);
            e.2 += r.events;
        }
        e.1 += r.events;
        // The seed rule already drops `userIdentity.type: AWSService`; anything else reaches it.
        e.3 |= r.identity_type != "AWSService";
    }
    let needed = ((enabled.len() as f64) * config.sweeper_region_pct / 100.0)
        .ceil()
        .max(3.0) as usize;
    let sweepers: Vec<Sweeper> = by_principal
        .iter()
        .filter(|(p, (regions, _, _, _))| {
            *p != &crate::event::UNKNOWN_PRINCIPAL
                && regions.iter().filter(|r| enabled.contains(*r)).count() >= needed
        })
        .map(|(p, (regions, total, ro, reaches_rule))| Sweeper {
            principal: p.to_string(),
            regions: regions.len() as u32,
            events: *total,
            read_only_pct: ((*ro as f64) * 100.0 / (*total).max(1) as f64).round() as u32,
            needs_filter: *reaches_rule,
        })
        .collect();
    let sweeper_names: BTreeSet<&str> = sweepers.iter().map(|s| s.principal.as_str()).collect();

    // Evidence: rows that count as normal use, global services in their home region apart.
    let mut evidence = Aggregates::default();
    let mut excluded: BTreeMap<String, u64> = BTreeMap::new();
    let mut global_sources: BTreeMap<String, u64> = BTreeMap::new();
    let mut global_by_region: BTreeMap<&str, u64> = BTreeMap::new();
    let mut all_by_region: BTreeMap<&str, u64> = BTreeMap::new();
    for r in &rows {
        *all_by_region.entry(r.region).or_default() += r.events;
        if regions::is_global_event_source(r.event_source) && homes.contains(r.region) {
            *global_sources
                .entry(r.event_source.to_string())
                .or_default() += r.events;
            *global_by_region.entry(r.region).or_default() += r.events;
            continue;
        }
        if let Some(why) = config.learn.excludes(r.origin, r.failed) {
            *excluded.entry(why.to_string()).or_default() += r.events;
            continue;
        }
        if sweeper_names.contains(r.principal) {
            *excluded.entry("sweeper".to_string()).or_default() += r.events;
            continue;
        }
        evidence.add(r);
    }
    let evidence_events = evidence.total_events();
    let stats: BTreeMap<String, ProfileRow> = if evidence.counts.is_empty() {
        BTreeMap::new()
    } else {
        let df = baseline::frame(&evidence)?;
        baseline::profile(&df, cols::REGION)?
            .into_iter()
            .map(|r| (r.key.clone(), r))
            .collect()
    };

    // Every region to judge: the partitions' catalogue plus anything seen.
    let mut codes: BTreeSet<String> = partitions
        .iter()
        .flat_map(|p| cat.partition(p).map(|r| r.code.clone()))
        .collect();
    codes.extend(all_by_region.keys().map(|r| r.to_string()));
    codes.extend(config.allow.iter().cloned());

    let (first, last) = baseline
        .aggregates
        .days()
        .unwrap_or((baseline.window.since, baseline.window.until));
    let history_days = (last - first).num_days() + 1;
    let quarantine_from = baseline
        .window
        .until
        .checked_sub_days(Days::new(u64::from(config.quarantine_days.max(1)) - 1))
        .unwrap_or(NaiveDate::MIN);

    let regions = codes
        .into_iter()
        .map(|code| {
            let catalogue = cat.get(&code);
            let s = stats.get(&code);
            let events = s.map_or(0, |s| s.events);
            let class = classify(s, config);
            let (decision, pinned, mut reason) = judge(&code, s, class, config, quarantine_from);
            let all_events = all_by_region.get(code.as_str()).copied().unwrap_or(0);
            if s.is_none() && !pinned && all_events > 0 {
                reason = format!(
                    "no evidence of normal use (its {} events were all left out of learning)",
                    crate::report::thousands(all_events)
                );
            }
            RegionDecision {
                class,
                decision,
                pinned,
                reason,
                events,
                share_pct: s.map_or(0.0, |s| s.share_pct),
                active_days: s.map_or(0, |s| s.active_days),
                principals: s.map_or(0, |s| s.principals),
                first_seen: s.map(|s| s.first_seen),
                last_seen: s.map(|s| s.last_seen),
                all_events,
                global_events: global_by_region.get(code.as_str()).copied().unwrap_or(0),
                in_catalogue: catalogue.is_some(),
                opt_in: catalogue.is_some_and(|c| c.opt_in),
                region: code,
            }
        })
        .collect();

    Ok(RegionPolicy {
        window: baseline.window,
        history_days,
        enough_data: history_days >= i64::from(config.min_history_days),
        partitions: partitions.into_iter().collect(),
        regions,
        sweepers,
        global_sources,
        excluded,
        evidence_events,
        config_summary: format!(
            "min-events {} min-share {}% min-days {} min-principals {} quarantine-days {}",
            config.min_events,
            config.min_share_pct,
            config.min_days,
            config.min_principals,
            config.quarantine_days
        ),
    })
}

fn classify(s: Option<&ProfileRow>, c: &PolicyConfig) -> Class {
    let Some(s) = s else { return Class::Unseen };
    if s.events == 0 {
        return Class::Unseen;
    }
    let frequent = s.events >= c.min_events
        && s.share_pct >= c.min_share_pct
        && s.active_days >= c.min_days
        && s.principals >= c.min_principals;
    if frequent {
        Class::Frequent
    } else if s.active_days >= c.min_days.min(2)
        && (s.events >= c.min_events / 2 || s.active_days >= c.min_days)
    {
        Class::Infrequent
    } else {
        Class::Rare
    }
}

/// Decision, whether a pin or review decided it, and the reason in words.
fn judge(
    code: &str,
    s: Option<&ProfileRow>,
    class: Class,
    c: &PolicyConfig,
    quarantine_from: NaiveDate,
) -> (Decision, bool, String) {
    if c.deny.contains(code) {
        return (Decision::Unusual, true, "pinned by --deny".into());
    }
    if c.allow.contains(code) {
        return (Decision::Allow, true, "pinned by --allow".into());
    }
    if c.reject.contains(code) {
        return (Decision::Unusual, true, "rejected in review".into());
    }
    let Some(s) = s else {
        return (Decision::Unusual, false, "no evidence of normal use".into());
    };
    if class != Class::Frequent {
        if c.approve.contains(code) {
            return (
                Decision::Allow,
                true,
                format!("approved in review ({class} on its own)"),
            );
        }
        let mut short = Vec::new();
        if s.events < c.min_events {
            short.push(format!("{} events < {}", s.events, c.min_events));
        }
        if s.share_pct < c.min_share_pct {
            short.push(format!("share {:.3}% < {}%", s.share_pct, c.min_share_pct));
        }
        if s.active_days < c.min_days {
            short.push(format!("{} active days < {}", s.active_days, c.min_days));
        }
        if s.principals < c.min_principals {
            short.push(format!(
                "{} principals < {}",
                s.principals, c.min_principals
            ));
        }
        return (
            Decision::Unusual,
            false,
            format!("below threshold: {}", short.join(", ")),
        );
    }
    let mut suspicious = Vec::new();
    if s.first_seen >= quarantine_from {
        suspicious.push(format!(
            "first seen {} (inside the last {} days)",
            s.first_seen, c.quarantine_days
        ));
    }
    if s.principals == 1 {
        suspicious.push("used by a single principal".to_string());
    }
    if suspicious.is_empty() {
        return (
            Decision::Allow,
            false,
            format!(
                "{} events on {} days by {} principals",
                crate::report::thousands(s.events),
                s.active_days,
                s.principals
            ),
        );
    }
    if c.approve.contains(code) {
        return (
            Decision::Allow,
            true,
            format!("approved in review ({})", suspicious.join("; ")),
        );
    }
    (
        Decision::Quarantined,
        false,
        format!("{}: review, then --approve {code}", suspicious.join("; ")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::aggregate::Row;
    use crate::baseline::{InputStats, Window};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    struct B(Aggregates);
    impl B {
        #[allow(clippy::too_many_arguments)]
        fn add(
            &mut self,
            day: &str,
            region: &str,
            principal: &str,
            source: &str,
            origin: Origin,
            read_only: bool,
            events: u64,
        ) -> &mut Self {
            self.0.add(&Row {
                day: d(day),
                account: "111111111111",
                region,
                event_source: source,
                identity_type: if origin == Origin::AwsService {
                    "AWSService"
                } else {
                    "AssumedRole"
                },
                principal,
                origin,
                failed: false,
                read_only,
                events,
            });
            self
        }
        /// `principal` active in `region` on each of `days` days ending 2025-03-31.
        fn daily(&mut self, region: &str, principal: &str, days: u64, events: u64) -> &mut Self {
            for i in 0..days {
                let day = (d("2025-03-31") - Days::new(i)).to_string();
                self.add(
                    &day,
                    region,
                    principal,
                    "ec2.amazonaws.com",
                    Origin::Direct,
                    false,
                    events,
                );
            }
            self
        }
        fn baseline(&self) -> Baseline {
            Baseline::new(
                Window {
                    since: d("2025-01-01"),
                    until: d("2025-03-31"),
                },
                InputStats::default(),
                self.0.clone(),
            )
        }
    }

    fn decision(p: &RegionPolicy, r: &str) -> (Class, Decision) {
        let d = p.get(r).unwrap();
        (d.class, d.decision)
    }

    #[test]
    fn frequent_regions_are_allowed_and_others_unusual() {
        let mut b = B(Aggregates::default());
        b.daily("eu-west-1", "arn:aws:iam::1:role/App", 80, 50)
            .daily("eu-west-1", "arn:aws:iam::1:role/Ci", 80, 5);
        b.daily("us-east-2", "arn:aws:iam::1:role/App", 1, 3);
        let p = decide(&b.baseline(), &PolicyConfig::default()).unwrap();
        assert_eq!(
            decision(&p, "eu-west-1"),
            (Class::Frequent, Decision::Allow)
        );
        assert_eq!(decision(&p, "us-east-2"), (Class::Rare, Decision::Unusual));
        assert_eq!(
            decision(&p, "ap-east-1"),
            (Class::Unseen, Decision::Unusual)
        );
        assert_eq!(p.allowlist(), ["eu-west-1"]);
        assert_eq!(p.unusual_catalogue_regions().len(), 35);
        assert!(p.enough_data);
    }

    #[test]
    fn poisoning_guards_quarantine_new_and_single_principal_regions() {
        let mut b = B(Aggregates::default());
        b.daily("eu-west-1", "arn:aws:iam::1:role/App", 80, 50)
            .daily("eu-west-1", "arn:aws:iam::1:role/Ci", 80, 5);
        // An attacker busy for the last 10 days in ap-east-1, alone.
        b.daily("ap-east-1", "arn:aws:iam::1:user/leaked", 10, 40);
        // A single principal in us-west-2 for 60 days.
        b.daily("us-west-2", "arn:aws:iam::1:role/Batch", 60, 10);
        let p = decide(&b.baseline(), &PolicyConfig::default()).unwrap();
        assert_eq!(
            decision(&p, "ap-east-1"),
            (Class::Frequent, Decision::Quarantined)
        );
        let why = &p.get("ap-east-1").unwrap().reason;
        assert!(
            why.contains("first seen") && why.contains("single principal"),
            "{why}"
        );
        assert_eq!(
            decision(&p, "us-west-2"),
            (Class::Frequent, Decision::Quarantined)
        );
        let mut cfg = PolicyConfig::default();
        cfg.approve.insert("us-west-2".into());
        let p = decide(&b.baseline(), &cfg).unwrap();
        assert_eq!(decision(&p, "us-west-2").1, Decision::Allow);
        assert!(p.get("us-west-2").unwrap().pinned);
    }

    #[test]
    fn pins_win() {
        let mut b = B(Aggregates::default());
        b.daily("eu-west-1", "arn:aws:iam::1:role/App", 80, 50)
            .daily("eu-west-1", "arn:aws:iam::1:role/Ci", 80, 5);
        let mut cfg = PolicyConfig::default();
        cfg.deny.insert("eu-west-1".into());
        cfg.allow.insert("sa-east-1".into());
        let p = decide(&b.baseline(), &cfg).unwrap();
        assert_eq!(p.get("eu-west-1").unwrap().reason, "pinned by --deny");
        assert_eq!(p.allowlist(), ["sa-east-1"]);
    }

    #[test]
    fn global_services_and_non_evidence_do_not_make_us_east_1_normal() {
        let mut b = B(Aggregates::default());
        for i in 0..80 {
            let day = (d("2025-03-31") - Days::new(i)).to_string();
            b.add(
                &day,
                "us-east-1",
                "arn:aws:iam::1:user/admin",
                "iam.amazonaws.com",
                Origin::Direct,
                false,
                100,
            );
            b.add(
                &day,
                "us-east-1",
                "arn:aws:iam::1:user/admin2",
                "sts.amazonaws.com",
                Origin::Direct,
                false,
                100,
            );
            b.add(
                &day,
                "us-east-1",
                "lambda.amazonaws.com",
                "lambda.amazonaws.com",
                Origin::AwsService,
                false,
                100,
            );
        }
        let p = decide(&b.baseline(), &PolicyConfig::default()).unwrap();
        let us = p.get("us-east-1").unwrap();
        assert_eq!((us.class, us.decision), (Class::Unseen, Decision::Unusual));
        assert_eq!(us.global_events, 16000);
        assert_eq!(p.global_sources["iam.amazonaws.com"], 8000);
        assert_eq!(p.excluded["AWS service"], 8000);
    }

    #[test]
    fn sweepers_are_detected_and_do_not_make_regions_normal() {
        let mut b = B(Aggregates::default());
        b.daily("eu-west-1", "arn:aws:iam::1:role/App", 80, 50)
            .daily("eu-west-1", "arn:aws:iam::1:role/Ci", 80, 5);
        let enabled: Vec<String> = regions::catalogue()
            .partition("aws")
            .filter(|r| !r.opt_in)
            .map(|r| r.code.clone())
            .collect();
        for i in 0..80 {
            let day = (d("2025-03-31") - Days::new(i)).to_string();
            for r in &enabled {
                b.add(
                    &day,
                    r,
                    "arn:aws:iam::1:role/Scanner",
                    "ec2.amazonaws.com",
                    Origin::Direct,
                    true,
                    5,
                );
            }
        }
        let p = decide(&b.baseline(), &PolicyConfig::default()).unwrap();
        assert_eq!(p.sweepers.len(), 1);
        assert_eq!(p.sweepers[0].principal, "arn:aws:iam::1:role/Scanner");
        assert!(p.sweepers[0].needs_filter);
        assert_eq!(p.allowlist(), ["eu-west-1"]);
        assert_eq!(p.excluded["sweeper"], 80 * 5 * enabled.len() as u64);
    }

    #[test]
    fn short_history_is_not_enough_data() {
        let mut b = B(Aggregates::default());
        b.daily("eu-west-1", "arn:aws:iam::1:role/App", 5, 50);
        let p = decide(&b.baseline(), &PolicyConfig::default()).unwrap();
        assert!(!p.enough_data);
        assert_eq!(p.history_days, 5);
    }
}
