//! Stage 4: from a baseline to an allowlist a security engineer can trust and explain. Consumes a
//! [`Baseline`]; produces a [`RegionPolicy`]: one [`RegionDecision`] per region (class, decision,
//! and the [`Reason`] as data, which `report/` puts into words), the sweeper principals, the global-service traffic reported apart,
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

mod accounts;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

pub use accounts::{
    AccountPolicies, AccountPolicy, Fallback, MAX_ALERTED_SHARE_PCT, Pins, decide_accounts,
    is_account_id,
};

use chrono::NaiveDate;

use crate::baseline::aggregate::Row;
use crate::baseline::{self, Aggregates, Baseline, ProfileRow, Review, cols};
use crate::event::Origin;
use crate::regions;
use crate::window::{self, Window};

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
    fn excludes(&self, origin: Origin, failed: bool) -> Option<Exclusion> {
        match origin {
            Origin::AwsService if self.aws_service => Some(Exclusion::AwsService),
            Origin::ServiceLinkedRole if self.service_linked_role => {
                Some(Exclusion::ServiceLinkedRole)
            }
            Origin::InvokedByService if self.invoked_by_service => {
                Some(Exclusion::InvokedByService)
            }
            Origin::AwsInternal if self.aws_internal => Some(Exclusion::AwsInternal),
            _ if failed && self.failed => Some(Exclusion::FailedCall),
            _ => None,
        }
    }
}

/// Why events were left out of learning (the keys of [`RegionPolicy::excluded`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Exclusion {
    /// userAgent "AWS Internal".
    AwsInternal,
    /// An AWS service acting on its own (`userIdentity.type: AWSService`, AwsServiceEvent).
    AwsService,
    /// The call failed (errorCode present).
    FailedCall,
    /// A service acting on a principal's behalf (invokedBy, `*.amazonaws.com` source).
    InvokedByService,
    /// A service-linked role (`AWSServiceRoleFor*`).
    ServiceLinkedRole,
    /// A principal that sweeps nearly every region.
    Sweeper,
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
    /// A region first seen within this many days of the window's end (and in the second half of
    /// the history) is quarantined; 0 turns this guard off.
    pub quarantine_days: u32,
    /// Fewer days of history than this: refuse to tune unless forced.
    pub min_history_days: u32,
    /// A principal with read-only calls in at least this share (percent) of the partition's
    /// default-enabled regions is a sweeper.
    pub sweeper_region_pct: f64,
    /// Decide per account as well as organization-wide (`--per-account`).
    pub per_account: bool,
    /// Pins that name one account (`--allow 111122223333:eu-west-1`), by account ID.
    pub account_pins: BTreeMap<String, Pins>,
}

/// The policy's defaults, defined once: [`PolicyConfig::default`] uses them and the command
/// line shows them in `--help` (docs/baseline-policy.md explains each).
pub mod defaults {
    /// FREQUENT needs at least this many evidence events.
    pub const MIN_EVENTS: u64 = 20;
    /// FREQUENT needs at least this share (percent) of all evidence.
    pub const MIN_SHARE_PCT: f64 = 0.01;
    /// FREQUENT needs events on at least this many distinct days.
    pub const MIN_DAYS: u32 = 3;
    /// FREQUENT needs at least this many distinct principals.
    pub const MIN_PRINCIPALS: u32 = 1;
    /// Regions first seen within this many days of the window's end are quarantined.
    pub const QUARANTINE_DAYS: u32 = 14;
    /// Fewer days of history than this: refuse to tune unless forced.
    pub const MIN_HISTORY_DAYS: u32 = 14;
    /// Sweepers call read-only APIs in at least this percentage of default-enabled regions.
    pub const SWEEPER_REGION_PCT: f64 = 75.0;
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            learn: LearnFilter::default(),
            min_events: defaults::MIN_EVENTS,
            min_share_pct: defaults::MIN_SHARE_PCT,
            min_days: defaults::MIN_DAYS,
            min_principals: defaults::MIN_PRINCIPALS,
            allow: BTreeSet::new(),
            deny: BTreeSet::new(),
            approve: BTreeSet::new(),
            reject: BTreeSet::new(),
            quarantine_days: defaults::QUARANTINE_DAYS,
            min_history_days: defaults::MIN_HISTORY_DAYS,
            sweeper_region_pct: defaults::SWEEPER_REGION_PCT,
            per_account: false,
            account_pins: BTreeMap::new(),
        }
    }
}

impl PolicyConfig {
    /// This configuration with a baseline's saved review decisions underneath: the decisions
    /// given now (`approve`/`reject`) override older opposite ones.
    pub fn with_review(&self, saved: &Review) -> PolicyConfig {
        let mut review = saved.clone();
        review.record(&self.approve, &self.reject);
        PolicyConfig {
            approve: review.approved,
            reject: review.rejected,
            ..self.clone()
        }
    }

    /// This configuration without the review decisions given now (the allowlist as it stood
    /// before them, for drift).
    pub fn without_new_review(&self) -> PolicyConfig {
        PolicyConfig {
            approve: BTreeSet::new(),
            reject: BTreeSet::new(),
            ..self.clone()
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

/// The rule of the policy that decided a region, with the numbers it used.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// `--deny`: never allowed.
    PinnedDeny,
    /// `--allow`: always allowed.
    PinnedAllow,
    /// Rejected in review (`--reject`, kept in the baseline).
    RejectedInReview,
    /// No event in the region counts as normal use, and none was seen at all.
    NoEvidence,
    /// Events were seen, but every one was left out of learning (AWS services, failed calls, ...).
    AllLeftOut { events: u64 },
    /// Not FREQUENT: the thresholds it missed.
    BelowThreshold { shortfalls: Vec<Shortfall> },
    /// Approved in review: either not FREQUENT on its own (`class`), or FREQUENT but suspicious.
    ApprovedInReview {
        class: Class,
        suspicions: Vec<Suspicion>,
    },
    /// FREQUENT, and nothing suspicious: the evidence.
    Evidence {
        events: u64,
        active_days: u32,
        principals: u32,
    },
    /// FREQUENT but suspicious: waits for a person.
    Quarantined { suspicions: Vec<Suspicion> },
}

/// A FREQUENT threshold a region missed: what it has, what was needed.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(tag = "threshold", rename_all = "snake_case")]
pub enum Shortfall {
    Events { have: u64, need: u64 },
    SharePct { have: f64, need: f64 },
    ActiveDays { have: u32, need: u32 },
    Principals { have: u32, need: u32 },
}

/// Why FREQUENT evidence is not trusted without review (anti-poisoning).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Suspicion {
    /// First seen within the last `quarantine_days` days of the window.
    FirstSeenRecently {
        first_seen: NaiveDate,
        quarantine_days: u32,
    },
    /// Every event came from one principal.
    SinglePrincipal,
}

/// One region's verdict, with the evidence behind it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RegionDecision {
    pub region: String,
    pub class: Class,
    pub decision: Decision,
    /// Pinned by `--allow`/`--deny` or a review decision.
    pub pinned: bool,
    /// Why: the rule that decided, with the numbers it used (`report/` puts it into words).
    #[serde(rename = "reason_detail")]
    pub reason: Reason,
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
    pub window: Window,
    /// Days between the first and the last event of the baseline.
    pub history_days: i64,
    pub enough_data: bool,
    pub partitions: Vec<String>,
    pub regions: Vec<RegionDecision>,
    pub sweepers: Vec<Sweeper>,
    /// Global-service event sources seen, with their event counts (reported apart).
    pub global_sources: BTreeMap<String, u64>,
    /// Events left out of learning, by reason.
    pub excluded: BTreeMap<Exclusion, u64>,
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
    /// seed rule's Step 3 list; plus every code a person pinned as unusual (`--deny`,
    /// `--reject`), known to the catalogue or not.
    pub fn unusual_catalogue_regions(&self) -> Vec<String> {
        self.regions
            .iter()
            .filter(|d| d.decision != Decision::Allow && (d.in_catalogue || d.pinned))
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

/// Decide the allowlist for `baseline` under `config`: the named steps below, in order.
pub fn decide(
    baseline: &Baseline,
    config: &PolicyConfig,
) -> Result<RegionPolicy, polars::error::PolarsError> {
    let rows = baseline.aggregates.rows();
    let scope = Scope::of(&rows);
    let sweepers = find_sweepers(&rows, &scope, config.sweeper_region_pct);
    let evidence = sort_evidence(&rows, &scope, &config.learn, &sweepers);
    let stats = evidence.stats()?;

    let (first, last) = baseline
        .aggregates
        .days()
        .unwrap_or((baseline.window.since, baseline.window.until));
    let history_days = (last - first).num_days() + 1;
    let quarantine_from = quarantine_start(first, baseline.window.until, config.quarantine_days);

    let regions = scope
        .regions_to_judge(&evidence, config)
        .into_iter()
        .map(|code| {
            let s = stats.get(&code);
            let class = classify(s, config);
            let all_events = evidence
                .all_by_region
                .get(code.as_str())
                .copied()
                .unwrap_or(0);
            let (decision, pinned, reason) =
                judge(&code, s, class, all_events, config, quarantine_from);
            let catalogue = regions::catalogue().get(&code);
            RegionDecision {
                class,
                decision,
                pinned,
                reason,
                events: s.map_or(0, |s| s.events),
                share_pct: s.map_or(0.0, |s| s.share_pct),
                active_days: s.map_or(0, |s| s.active_days),
                principals: s.map_or(0, |s| s.principals),
                first_seen: s.map(|s| s.first_seen),
                last_seen: s.map(|s| s.last_seen),
                all_events,
                global_events: evidence
                    .global_by_region
                    .get(code.as_str())
                    .copied()
                    .unwrap_or(0),
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
        partitions: scope.partitions.into_iter().collect(),
        regions,
        sweepers,
        evidence_events: evidence.learned.total_events(),
        global_sources: evidence.global_sources,
        excluded: evidence.excluded,
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

/// The partitions the baseline covers (default: the commercial partition), their global-service
/// home regions, and their default-enabled regions.
struct Scope {
    partitions: BTreeSet<String>,
    homes: BTreeSet<&'static str>,
    enabled: BTreeSet<&'static str>,
}

impl Scope {
    fn of(rows: &[Row<'_>]) -> Scope {
        let cat = regions::catalogue();
        let mut partitions: BTreeSet<String> = rows
            .iter()
            .filter_map(|r| cat.get(r.region).map(|reg| reg.partition.clone()))
            .collect();
        if partitions.is_empty() {
            partitions.insert("aws".to_string());
        }
        let homes = partitions
            .iter()
            .filter_map(|p| cat.global_home(p))
            .collect();
        let enabled = partitions
            .iter()
            .flat_map(|p| {
                cat.partition(p)
                    .filter(|r| !r.opt_in)
                    .map(|r| r.code.as_str())
            })
            .collect();
        Scope {
            partitions,
            homes,
            enabled,
        }
    }

    /// Every region to judge: the partitions' catalogue, anything seen, anything pinned.
    fn regions_to_judge(&self, evidence: &Evidence<'_>, config: &PolicyConfig) -> BTreeSet<String> {
        let cat = regions::catalogue();
        let mut codes: BTreeSet<String> = self
            .partitions
            .iter()
            .flat_map(|p| cat.partition(p).map(|r| r.code.clone()))
            .collect();
        codes.extend(evidence.all_by_region.keys().map(|r| r.to_string()));
        codes.extend(config.allow.iter().cloned());
        // A pin on a code outside the baseline's partitions (a region launched after this
        // build, another partition) is judged too, so a --deny reaches the rule.
        codes.extend(config.deny.iter().cloned());
        codes.extend(config.reject.iter().cloned());
        codes
    }
}

/// Sweepers: principals with read-only calls in at least `pct` percent (and at least three) of
/// the partition's default-enabled regions.
fn find_sweepers(rows: &[Row<'_>], scope: &Scope, pct: f64) -> Vec<Sweeper> {
    #[derive(Default)]
    struct Seen<'a> {
        read_regions: BTreeSet<&'a str>,
        events: u64,
        read_only: u64,
        reaches_rule: bool,
    }
    let mut by_principal: BTreeMap<&str, Seen<'_>> = BTreeMap::new();
    for r in rows {
        let e = by_principal.entry(r.principal).or_default();
        if r.read_only {
            e.read_regions.insert(r.region);
            e.read_only += r.events;
        }
        e.events += r.events;
        // The seed rule already drops `userIdentity.type: AWSService`; anything else reaches it.
        e.reaches_rule |= r.identity_type != "AWSService";
    }
    let needed = ((scope.enabled.len() as f64) * pct / 100.0).ceil().max(3.0) as usize;
    by_principal
        .into_iter()
        .filter(|(p, seen)| {
            *p != crate::event::UNKNOWN_PRINCIPAL
                && seen
                    .read_regions
                    .iter()
                    .filter(|r| scope.enabled.contains(*r))
                    .count()
                    >= needed
        })
        .map(|(p, seen)| Sweeper {
            principal: p.to_string(),
            regions: seen.read_regions.len() as u32,
            events: seen.events,
            read_only_pct: ((seen.read_only as f64) * 100.0 / seen.events.max(1) as f64).round()
                as u32,
            needs_filter: seen.reaches_rule,
        })
        .collect()
}

/// The rows sorted into evidence of normal use and everything set apart.
struct Evidence<'a> {
    /// Rows that count as normal use.
    learned: Aggregates,
    excluded: BTreeMap<Exclusion, u64>,
    /// Global services logged in their home region, by event source.
    global_sources: BTreeMap<String, u64>,
    global_by_region: BTreeMap<&'a str, u64>,
    /// Every event, evidence or not.
    all_by_region: BTreeMap<&'a str, u64>,
}

impl Evidence<'_> {
    /// The profile of the evidence, per region.
    fn stats(&self) -> Result<BTreeMap<String, ProfileRow>, polars::error::PolarsError> {
        if self.learned.counts.is_empty() {
            return Ok(BTreeMap::new());
        }
        let df = baseline::frame(&self.learned)?;
        Ok(baseline::profile(&df, cols::REGION)?
            .into_iter()
            .map(|r| (r.key.clone(), r))
            .collect())
    }
}

/// Global services in their home region apart, then what the learn filter leaves out, then
/// sweepers; the rest is evidence.
fn sort_evidence<'a>(
    rows: &[Row<'a>],
    scope: &Scope,
    learn: &LearnFilter,
    sweepers: &[Sweeper],
) -> Evidence<'a> {
    let sweeper_names: BTreeSet<&str> = sweepers.iter().map(|s| s.principal.as_str()).collect();
    let mut e = Evidence {
        learned: Aggregates::default(),
        excluded: BTreeMap::new(),
        global_sources: BTreeMap::new(),
        global_by_region: BTreeMap::new(),
        all_by_region: BTreeMap::new(),
    };
    for r in rows {
        *e.all_by_region.entry(r.region).or_default() += r.events;
        if regions::is_global_event_source(r.event_source) && scope.homes.contains(r.region) {
            *e.global_sources
                .entry(r.event_source.to_string())
                .or_default() += r.events;
            *e.global_by_region.entry(r.region).or_default() += r.events;
            continue;
        }
        let why = learn.excludes(r.origin, r.failed).or_else(|| {
            sweeper_names
                .contains(r.principal)
                .then_some(Exclusion::Sweeper)
        });
        match why {
            Some(why) => *e.excluded.entry(why).or_default() += r.events,
            None => {
                e.learned.add(r);
            }
        }
    }
    e
}

/// How much evidence of normal use a region has.
fn classify(s: Option<&ProfileRow>, c: &PolicyConfig) -> Class {
    let Some(s) = s else { return Class::Unseen };
    if s.events == 0 {
        return Class::Unseen;
    }
    if shortfalls(s, c).is_empty() {
        Class::Frequent
    } else if s.active_days >= c.min_days.min(2)
        && (s.events >= c.min_events / 2 || s.active_days >= c.min_days)
    {
        Class::Infrequent
    } else {
        Class::Rare
    }
}

/// The FREQUENT thresholds `s` misses.
fn shortfalls(s: &ProfileRow, c: &PolicyConfig) -> Vec<Shortfall> {
    let mut short = Vec::new();
    if s.events < c.min_events {
        short.push(Shortfall::Events {
            have: s.events,
            need: c.min_events,
        });
    }
    if s.share_pct < c.min_share_pct {
        short.push(Shortfall::SharePct {
            have: s.share_pct,
            need: c.min_share_pct,
        });
    }
    if s.active_days < c.min_days {
        short.push(Shortfall::ActiveDays {
            have: s.active_days,
            need: c.min_days,
        });
    }
    if s.principals < c.min_principals {
        short.push(Shortfall::Principals {
            have: s.principals,
            need: c.min_principals,
        });
    }
    short
}

/// The first day on which a region seen for the first time counts as new (`None`: the
/// quarantine is off). It is `quarantine_days` before the window's end, but never earlier than
/// the middle of the history: a region present in the first half of the logs is established, so
/// a short history (14 days of logs and a 14-day quarantine) can never quarantine every region.
fn quarantine_start(history_first: NaiveDate, until: NaiveDate, days: u32) -> Option<NaiveDate> {
    if days == 0 {
        return None;
    }
    let half = ((until - history_first).num_days().max(0) + 2) / 2;
    let middle = history_first
        .checked_add_days(chrono::Days::new(half as u64))
        .unwrap_or(NaiveDate::MAX);
    Some(window::first_day(until, days).max(middle))
}

/// Anti-poisoning: why FREQUENT evidence is not trusted without review.
fn suspicions(
    s: &ProfileRow,
    c: &PolicyConfig,
    quarantine_from: Option<NaiveDate>,
) -> Vec<Suspicion> {
    let mut found = Vec::new();
    if quarantine_from.is_some_and(|from| s.first_seen >= from) {
        found.push(Suspicion::FirstSeenRecently {
            first_seen: s.first_seen,
            quarantine_days: c.quarantine_days,
        });
    }
    if s.principals == 1 {
        found.push(Suspicion::SinglePrincipal);
    }
    found
}

/// Decision, whether a pin or review decided it, and why: pins first, then review decisions,
/// then the thresholds, then the anti-poisoning guards.
fn judge(
    code: &str,
    s: Option<&ProfileRow>,
    class: Class,
    all_events: u64,
    c: &PolicyConfig,
    quarantine_from: Option<NaiveDate>,
) -> (Decision, bool, Reason) {
    if c.deny.contains(code) {
        return (Decision::Unusual, true, Reason::PinnedDeny);
    }
    if c.allow.contains(code) {
        return (Decision::Allow, true, Reason::PinnedAllow);
    }
    if c.reject.contains(code) {
        return (Decision::Unusual, true, Reason::RejectedInReview);
    }
    let Some(s) = s else {
        let reason = if all_events > 0 {
            Reason::AllLeftOut { events: all_events }
        } else {
            Reason::NoEvidence
        };
        return (Decision::Unusual, false, reason);
    };
    let approved = c.approve.contains(code);
    if class != Class::Frequent {
        if approved {
            let reason = Reason::ApprovedInReview {
                class,
                suspicions: Vec::new(),
            };
            return (Decision::Allow, true, reason);
        }
        let reason = Reason::BelowThreshold {
            shortfalls: shortfalls(s, c),
        };
        return (Decision::Unusual, false, reason);
    }
    let suspicions = suspicions(s, c, quarantine_from);
    if suspicions.is_empty() {
        let reason = Reason::Evidence {
            events: s.events,
            active_days: s.active_days,
            principals: s.principals,
        };
        return (Decision::Allow, false, reason);
    }
    if approved {
        let reason = Reason::ApprovedInReview { class, suspicions };
        return (Decision::Allow, true, reason);
    }
    (
        Decision::Quarantined,
        false,
        Reason::Quarantined { suspicions },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::InputStats;
    use chrono::Days;

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
        assert_eq!(
            p.get("ap-east-1").unwrap().reason,
            Reason::Quarantined {
                suspicions: vec![
                    Suspicion::FirstSeenRecently {
                        first_seen: d("2025-03-22"),
                        quarantine_days: 14
                    },
                    Suspicion::SinglePrincipal
                ]
            }
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
        assert_eq!(p.get("eu-west-1").unwrap().reason, Reason::PinnedDeny);
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
        assert_eq!(p.excluded[&Exclusion::AwsService], 8000);
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
        assert_eq!(
            p.excluded[&Exclusion::Sweeper],
            80 * 5 * enabled.len() as u64
        );
    }

    #[test]
    fn the_quarantine_never_covers_the_whole_history() {
        // Exactly 14 days of logs with the 14-day quarantine: the regions used from the start
        // are established; one that appeared in the second half is new.
        let mut b = B(Aggregates::default());
        b.daily("eu-west-1", "arn:aws:iam::1:role/App", 14, 50)
            .daily("eu-west-1", "arn:aws:iam::1:role/Ci", 14, 5)
            .daily("us-east-2", "arn:aws:iam::1:role/App", 14, 30)
            .daily("us-east-2", "arn:aws:iam::1:role/Ci", 12, 5)
            .daily("ap-east-1", "arn:aws:iam::1:role/App", 4, 40)
            .daily("ap-east-1", "arn:aws:iam::1:role/Ci", 4, 40);
        let p = decide(&b.baseline(), &PolicyConfig::default()).unwrap();
        assert_eq!(p.history_days, 14);
        assert_eq!(p.allowlist(), ["eu-west-1", "us-east-2"]);
        assert_eq!(decision(&p, "ap-east-1").1, Decision::Quarantined);
        // A region present since the first day is never new, whatever the quarantine length.
        let cfg = PolicyConfig {
            quarantine_days: 1000,
            ..PolicyConfig::default()
        };
        let p = decide(&b.baseline(), &cfg).unwrap();
        assert_eq!(p.allowlist(), ["eu-west-1", "us-east-2"]);
    }

    #[test]
    fn quarantine_days_zero_turns_the_new_region_guard_off() {
        let mut b = B(Aggregates::default());
        b.daily("eu-west-1", "arn:aws:iam::1:role/App", 80, 50)
            .daily("eu-west-1", "arn:aws:iam::1:role/Ci", 80, 5)
            .daily("ap-east-1", "arn:aws:iam::1:role/App", 5, 40)
            .daily("ap-east-1", "arn:aws:iam::1:role/Ci", 5, 40);
        let p = decide(&b.baseline(), &PolicyConfig::default()).unwrap();
        assert_eq!(decision(&p, "ap-east-1").1, Decision::Quarantined);
        let cfg = PolicyConfig {
            quarantine_days: 0,
            ..PolicyConfig::default()
        };
        let p = decide(&b.baseline(), &cfg).unwrap();
        assert_eq!(decision(&p, "ap-east-1").1, Decision::Allow);
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
