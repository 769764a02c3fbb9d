//! The policy as a [`TunePlan`]: the region list (denylist or allowlist form), the managed
//! exclusion filters (global services in their home region, sweepers) and the provenance
//! comment. Pure: it reads the decided policy and writes nothing.

use chrono::NaiveDate;

use super::{Mode, TuneError};
use crate::baseline::Baseline;
use crate::policy::{AccountPolicies, Decision, Fallback, RegionPolicy};
use crate::rewrite::{ACCOUNT_FILTER_PREFIX, Filter, RegionMode, TunePlan};

pub use crate::policy::MAX_ALERTED_SHARE_PCT;

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

/// The per-account form must not alert on any account's own heavy use either: a region carrying
/// a large share of an account's normal use that the rule lists and the account's filter does not
/// exempt (its own evidence, or the organization-wide allowlist it falls back to, leaves it out).
fn refuse_account_home_regions(
    accounts: &AccountPolicies,
    listed: &[String],
) -> Result<(), TuneError> {
    let mut home = Vec::new();
    for a in &accounts.accounts {
        for d in &a.own.regions {
            let alerted = listed.contains(&d.region) && !a.allowlist.contains(&d.region);
            if alerted && !d.pinned && d.share_pct >= MAX_ALERTED_SHARE_PCT {
                home.push(format!(
                    "{} in account {} ({:.1}% of its normal use)",
                    d.region, a.account, d.share_pct
                ));
            }
        }
    }
    if home.is_empty() {
        return Ok(());
    }
    // Thousands of accounts must not make a message of thousands of lines.
    const SHOWN: usize = 10;
    let mut regions = home[..home.len().min(SHOWN)].join(", ");
    if home.len() > SHOWN {
        regions.push_str(&format!(
            " and {} more (allowlist --per-account --format json lists every account's decisions)",
            home.len() - SHOWN
        ));
    }
    Err(TuneError::HomeRegions {
        regions,
        threshold: MAX_ALERTED_SHARE_PCT,
    })
}

/// The filters that exempt the listed regions each account may call: one per account, except
/// that accounts exempting exactly the same regions share one (named after the lowest of their
/// IDs), so an organization of thousands of accounts gets a filter per distinct allowlist, not
/// thousands of filters every event is checked against.
fn account_filters(accounts: &AccountPolicies, listed: &[String]) -> Vec<Filter> {
    let mut groups: std::collections::BTreeMap<Vec<String>, Vec<&crate::policy::AccountPolicy>> =
        std::collections::BTreeMap::new();
    for a in &accounts.accounts {
        let exempt: Vec<String> = (a.allowlist.iter())
            .filter(|r| listed.contains(r))
            .cloned()
            .collect();
        if !exempt.is_empty() {
            groups.entry(exempt).or_default().push(a);
        }
    }
    let mut filters: Vec<(String, Filter)> = groups
        .into_iter()
        .map(|(exempt, members)| {
            // Accounts are sorted, so the first is the lowest ID.
            let first = members[0].account.clone();
            let comment = match members.as_slice() {
                [a] => match &a.fallback {
                    None => format!("account {}: its own baseline", a.account),
                    Some(why) => format!(
                        "account {}: the organization-wide allowlist ({})",
                        a.account,
                        fallback_words(why)
                    ),
                },
                _ => {
                    let fallen = members.iter().filter(|a| a.fallback.is_some()).count();
                    format!(
                        "{} accounts that may call the same regions ({} on their own baseline, {} on the \
                         organization-wide allowlist)",
                        members.len(),
                        members.len() - fallen,
                        fallen
                    )
                }
            };
            let filter = Filter {
                name: format!("{ACCOUNT_FILTER_PREFIX}{first}"),
                fields: vec![
                    (
                        "recipientAccountId".to_string(),
                        members.iter().map(|a| a.account.clone()).collect(),
                    ),
                    ("awsRegion".to_string(), exempt),
                ],
                comment: Some(comment),
            };
            (first, filter)
        })
        .collect();
    filters.sort_by(|a, b| a.0.cmp(&b.0));
    filters.into_iter().map(|(_, f)| f).collect()
}

/// Why an account uses the organization-wide allowlist, in the words of a provenance line.
pub fn fallback_words(why: &Fallback) -> String {
    match why {
        Fallback::NoHistory => "no history".to_string(),
        Fallback::ShortHistory { days, min } => {
            format!("{days} of {min} days of history")
        }
        Fallback::NoEvidence => "no event of normal use".to_string(),
        Fallback::HomeRegion {
            region,
            share_pct,
            decision,
        } => format!("{region}, {share_pct:.1}% of its use, {decision} on its own evidence"),
    }
}

/// Build the plan: list, managed filters, provenance, date. With `accounts` (`--per-account`),
/// the list holds every region unusual for at least one account (or organization-wide) and one
/// filter per account exempts that account's own allowed regions.
pub fn plan(
    policy: &RegionPolicy,
    accounts: Option<&AccountPolicies>,
    baseline: &Baseline,
    mode: Mode,
    date: NaiveDate,
    rule_name: &str,
) -> Result<TunePlan, TuneError> {
    let allow = policy.allowlist();
    let regions = match (mode, accounts) {
        (Mode::Allowlist, Some(_)) => return Err(TuneError::PerAccountAllowlist),
        (Mode::Denylist, Some(accounts)) => {
            let unusual = accounts.unusual_regions(policy);
            if unusual.is_empty() {
                return Err(TuneError::NothingUnusual {
                    partitions: policy.partitions.join(", "),
                });
            }
            refuse_account_home_regions(accounts, &unusual)?;
            // An account that falls back takes the organization-wide allowlist: it must hold
            // the organization's home regions.
            if accounts.accounts.iter().any(|a| a.fallback.is_some()) {
                refuse_home_regions(policy)?;
            }
            RegionMode::Denylist(unusual)
        }
        (Mode::Denylist, None) => {
            refuse_home_regions(policy)?;
            let unusual = policy.unusual_catalogue_regions();
            if unusual.is_empty() {
                return Err(TuneError::NothingUnusual {
                    partitions: policy.partitions.join(", "),
                });
            }
            RegionMode::Denylist(unusual)
        }
        (Mode::Allowlist, None) => {
            refuse_home_regions(policy)?;
            if allow.is_empty() {
                return Err(TuneError::EmptyAllowlist);
            }
            RegionMode::Allowlist(allow.clone())
        }
    };
    let mut filters = match (accounts, &regions) {
        (Some(accounts), RegionMode::Denylist(listed)) => account_filters(accounts, listed),
        _ => Vec::new(),
    };
    // Global services are logged in their home region: exempt there when the rule lists it.
    let listed_home = |home: &String| match &regions {
        RegionMode::Denylist(listed) => listed.contains(home),
        RegionMode::Allowlist(allowed) => !allowed.contains(home),
    };
    let homes: Vec<String> = policy
        .partitions
        .iter()
        .filter_map(|p| {
            crate::regions::catalogue()
                .global_home(p)
                .map(str::to_string)
        })
        .filter(listed_home)
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
    if let Some(accounts) = accounts {
        provenance.extend(account_provenance(accounts));
    }
    Ok(TunePlan {
        selection: "selection".to_string(),
        regions,
        filters,
        provenance,
        modified: date,
    })
}

/// The provenance of the per-account form: how many accounts decide alone, which fall back and
/// why, and what no filter can exempt.
fn account_provenance(accounts: &AccountPolicies) -> Vec<String> {
    let own = accounts
        .accounts
        .iter()
        .filter(|a| a.fallback.is_none())
        .count();
    let fallen: Vec<String> = accounts
        .accounts
        .iter()
        .filter_map(|a| {
            a.fallback
                .as_ref()
                .map(|why| format!("{} ({})", a.account, fallback_words(why)))
        })
        .collect();
    let mut lines = vec![format!(
        "per account: {} with an allowlist of their own, {} on the organization-wide allowlist; \
         an account not in the baseline alerts on every listed region",
        crate::text::count(own as u64, "account", "accounts"),
        fallen.len()
    )];
    if !fallen.is_empty() {
        lines.push(format!(
            "organization-wide allowlist for: {}",
            fallen.join(", ")
        ));
    }
    if !accounts.unnamed.is_empty() {
        let events: u64 = accounts.unnamed.values().sum();
        lines.push(format!(
            "{} without a 12-digit recipientAccountId {} no exemption",
            crate::text::count(events, "event", "events"),
            crate::text::plural(events, "gets", "get")
        ));
    }
    lines
}
