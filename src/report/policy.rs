//! The allowlist review: one row per region with evidence (class, decision, reason, the counts
//! behind it), unseen regions summarised on one line, then what was left out of learning, the
//! global-service traffic reported apart, the sweepers, and the resulting lists.

use std::io::{self, Write};

use comfy_table::Cell;

use crate::policy::{
    AccountPolicies, AccountPolicy, Class, Decision, Exclusion, Reason, RegionDecision,
    RegionPolicy, Shortfall, Suspicion,
};
use crate::report::csv_out::Cell as CsvCell;
use crate::report::table::Tone;
use crate::report::text::{self, Safe};
use crate::report::{Format, Output, count, table, thousands};

/// A region's reason in words, as the review table, the CSV and the JSON `reason` show it.
pub fn reason_text(d: &RegionDecision) -> String {
    match &d.reason {
        Reason::PinnedDeny => "pinned by --deny".into(),
        Reason::PinnedAllow => "pinned by --allow".into(),
        Reason::RejectedInReview => "rejected in review".into(),
        Reason::NoEvidence => "no evidence of normal use".into(),
        Reason::AllLeftOut { events } => format!(
            "no evidence of normal use (its {} {} all left out of learning)",
            count(*events, "event", "events"),
            crate::text::plural(*events, "was", "were")
        ),
        Reason::BelowThreshold { shortfalls } => {
            let parts: Vec<String> = shortfalls.iter().map(shortfall_text).collect();
            format!("below threshold: {}", parts.join(", "))
        }
        Reason::ApprovedInReview { class, suspicions } if suspicions.is_empty() => {
            format!("approved in review ({class} on its own)")
        }
        Reason::ApprovedInReview { suspicions, .. } => {
            format!("approved in review ({})", suspicions_text(suspicions))
        }
        Reason::Evidence {
            events,
            active_days,
            principals,
        } => format!(
            "{} on {} by {}",
            count(*events, "event", "events"),
            count(u64::from(*active_days), "day", "days"),
            count(u64::from(*principals), "principal", "principals")
        ),
        Reason::Quarantined { suspicions } => format!(
            "{}: review, then --approve {}",
            suspicions_text(suspicions),
            d.region
        ),
    }
}

fn shortfall_text(s: &Shortfall) -> String {
    match s {
        Shortfall::Events { have, need } => format!("{have} events < {need}"),
        Shortfall::SharePct { have, need } => format!("share {have:.3}% < {need}%"),
        Shortfall::ActiveDays { have, need } => format!("{have} active days < {need}"),
        Shortfall::Principals { have, need } => format!("{have} principals < {need}"),
    }
}

fn suspicions_text(suspicions: &[Suspicion]) -> String {
    let parts: Vec<String> = suspicions
        .iter()
        .map(|s| match s {
            Suspicion::FirstSeenRecently {
                first_seen,
                quarantine_days,
            } => format!("first seen {first_seen} (inside the last {quarantine_days} days)"),
            Suspicion::SinglePrincipal => "used by a single principal".to_string(),
        })
        .collect();
    parts.join("; ")
}

/// Why events were left out of learning, in words.
pub fn exclusion_text(e: Exclusion) -> &'static str {
    match e {
        Exclusion::AwsInternal => "AWS Internal",
        Exclusion::AwsService => "AWS service",
        Exclusion::FailedCall => "failed call",
        Exclusion::InvokedByService => "invoked by a service",
        Exclusion::ServiceLinkedRole => "service-linked role",
        Exclusion::Sweeper => "sweeper",
    }
}

/// One region as JSON: its fields, the structured `reason_detail`, and the `reason` in words.
fn region_json(d: &RegionDecision) -> serde_json::Result<serde_json::Value> {
    let mut value = serde_json::to_value(d)?;
    value["reason"] = serde_json::Value::String(reason_text(d));
    Ok(value)
}

/// The `--format json` document of the allowlist.
pub fn to_json(policy: &RegionPolicy) -> io::Result<serde_json::Value> {
    let mut value = serde_json::to_value(policy).map_err(io::Error::other)?;
    value["regions"] = policy
        .regions
        .iter()
        .map(region_json)
        .collect::<serde_json::Result<Vec<_>>>()?
        .into();
    value["allowlist"] = serde_json::json!(policy.allowlist());
    value["unusual"] = serde_json::json!(policy.unusual_catalogue_regions());
    value["quarantined"] = serde_json::json!(policy.quarantined());
    Ok(value)
}

/// Where an account's allowlist comes from, in words.
pub fn source_text(a: &AccountPolicy) -> String {
    match &a.fallback {
        None => "its own baseline".to_string(),
        Some(why) => format!("organization-wide ({})", crate::tune::fallback_words(why)),
    }
}

/// One account as JSON: its own decisions (as the organization-wide `regions`), where its
/// allowlist comes from and why, and the allowlist the per-account rule exempts for it.
fn account_json(a: &AccountPolicy) -> io::Result<serde_json::Value> {
    let own = to_json(&a.own)?;
    Ok(serde_json::json!({
        "account": a.account,
        "allowlist_source": if a.fallback.is_some() { "organization" } else { "own" },
        "fallback": a.fallback,
        "source": source_text(a),
        "allowlist": a.allowlist,
        "history_days": a.own.history_days,
        "evidence_events": a.own.evidence_events,
        "quarantined": own["quarantined"],
        "regions": own["regions"],
    }))
}

/// The `--format json` document: the organization-wide allowlist, and with `--per-account`
/// each account's (`accounts`), the per-account rule's list (`unusual_per_account`) and the
/// events no account filter can exempt (`unnamed_accounts`).
pub fn to_json_all(
    policy: &RegionPolicy,
    accounts: Option<&AccountPolicies>,
) -> io::Result<serde_json::Value> {
    let mut value = to_json(policy)?;
    if let Some(accounts) = accounts {
        value["accounts"] = accounts
            .accounts
            .iter()
            .map(account_json)
            .collect::<io::Result<Vec<_>>>()?
            .into();
        value["unusual_per_account"] = serde_json::json!(accounts.unusual_regions(policy));
        value["unnamed_accounts"] = serde_json::json!(accounts.unnamed);
    }
    Ok(value)
}

pub fn write(
    out: &mut dyn Write,
    output: Output,
    policy: &RegionPolicy,
    accounts: Option<&AccountPolicies>,
) -> io::Result<()> {
    // The organization-wide rows, then (--per-account) each account's, named by its ID.
    let mut scoped: Vec<(&str, &RegionDecision)> = policy.regions.iter().map(|d| ("", d)).collect();
    for a in accounts.iter().flat_map(|a| &a.accounts) {
        scoped.extend(a.own.regions.iter().map(|d| (a.account.as_str(), d)));
    }
    match output.format {
        Format::Table => {
            write_table(out, policy)?;
            match accounts {
                Some(accounts) => write_accounts(out, policy, accounts),
                None => Ok(()),
            }
        }
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &to_json_all(policy, accounts)?)?;
            writeln!(out)
        }
        Format::Ndjson => {
            for (account, d) in scoped {
                let mut row = region_json(d)?;
                if accounts.is_some() {
                    row["account"] = serde_json::json!(account);
                }
                serde_json::to_writer(&mut *out, &row)?;
                writeln!(out)?;
            }
            Ok(())
        }
        Format::Csv => {
            let mut w = output.csv(out);
            let mut header = vec![
                "region",
                "class",
                "decision",
                "pinned",
                "events",
                "share_pct",
                "active_days",
                "principals",
                "first_seen",
                "last_seen",
                "all_events",
                "global_events",
                "in_catalogue",
                "opt_in",
                "reason",
            ];
            if accounts.is_some() {
                // Empty for the organization-wide rows.
                header.insert(0, "account");
            }
            w.header(header)?;
            for (account, d) in scoped {
                // The region is the input's; the rest, reason included (it starts with our
                // words), is ours.
                let mut row = vec![
                    CsvCell::Input(&d.region),
                    CsvCell::ours(d.class.to_string()),
                    CsvCell::ours(d.decision.to_string()),
                    CsvCell::ours(d.pinned.to_string()),
                    CsvCell::ours(d.events.to_string()),
                    CsvCell::ours(format!("{:.4}", d.share_pct)),
                    CsvCell::ours(d.active_days.to_string()),
                    CsvCell::ours(d.principals.to_string()),
                    CsvCell::ours(d.first_seen.map(|x| x.to_string()).unwrap_or_default()),
                    CsvCell::ours(d.last_seen.map(|x| x.to_string()).unwrap_or_default()),
                    CsvCell::ours(d.all_events.to_string()),
                    CsvCell::ours(d.global_events.to_string()),
                    CsvCell::ours(d.in_catalogue.to_string()),
                    CsvCell::ours(d.opt_in.to_string()),
                    CsvCell::ours(reason_text(d)),
                ];
                if accounts.is_some() {
                    row.insert(0, CsvCell::Input(account));
                }
                w.row(row)?;
            }
            w.flush()
        }
    }
}

/// The review table of the regions with evidence, activity or a pin; returns them.
/// With `left_out`, also the regions whose every event was left out of learning.
fn region_table<'a>(
    out: &mut dyn Write,
    regions: &'a [RegionDecision],
    left_out: bool,
) -> io::Result<Vec<&'a RegionDecision>> {
    let mut t = table::new(
        &[
            "Region",
            "Class",
            "Decision",
            "Events",
            "Days",
            "Principals",
            "First seen",
            "Reason",
        ],
        &[3, 4, 5],
    );
    let mut shown: Vec<_> = regions
        .iter()
        .filter(|d| d.class != Class::Unseen || d.pinned || (left_out && d.all_events > 0))
        .collect();
    shown.sort_by_key(|d| (d.decision, std::cmp::Reverse(d.events), d.region.clone()));
    for d in &shown {
        let tone = match d.decision {
            Decision::Allow => Tone::Good,
            Decision::Quarantined => Tone::Warn,
            Decision::Unusual => Tone::Bad,
        };
        t.add_row(vec![
            table::text(&d.region),
            table::toned(Cell::new(d.class), tone),
            table::toned(
                Cell::new(if d.pinned {
                    format!("{} (pinned)", d.decision)
                } else {
                    d.decision.to_string()
                }),
                tone,
            ),
            Cell::new(thousands(d.events)),
            Cell::new(d.active_days),
            Cell::new(d.principals),
            Cell::new(d.first_seen.map(|x| x.to_string()).unwrap_or_default()),
            table::text(&reason_text(d)),
        ]);
    }
    let hidden = table::fit(&mut t, &[0, 1, 2, 3, 4, 5, 6], &[6, 5]);
    writeln!(out, "{t}")?;
    table::hidden_note(out, &hidden)?;
    Ok(shown)
}

fn write_table(out: &mut dyn Write, p: &RegionPolicy) -> io::Result<()> {
    writeln!(
        out,
        "Allowlist policy over {} .. {}: {} of normal use; {} of history{}",
        p.window.since,
        p.window.until,
        count(p.evidence_events, "event", "events"),
        count(p.history_days as u64, "day", "days"),
        if p.enough_data {
            ""
        } else {
            " (NOT ENOUGH: see --min-history / --force)"
        }
    )?;
    let shown = region_table(out, &p.regions, true)?;
    let unseen: Vec<&str> = p
        .regions
        .iter()
        .filter(|d| !shown.iter().any(|s| s.region == d.region))
        .map(|d| d.region.as_str())
        .collect();
    if !unseen.is_empty() {
        writeln!(
            out,
            "UNSEEN, unusual ({}): {}",
            unseen.len(),
            text::join(&unseen, ", ")
        )?;
    }
    if !p.excluded.is_empty() {
        let parts: Vec<String> = p
            .excluded
            .iter()
            .map(|(why, n)| format!("{} {}", thousands(*n), exclusion_text(*why)))
            .collect();
        writeln!(out, "Left out of learning (events): {}", parts.join(", "))?;
    }
    if !p.global_sources.is_empty() {
        let parts: Vec<String> = p
            .global_sources
            .iter()
            .map(|(s, n)| {
                format!(
                    "{} {}",
                    Safe(s.trim_end_matches(".amazonaws.com")),
                    thousands(*n)
                )
            })
            .collect();
        writeln!(
            out,
            "Global services, reported apart (home region): {}",
            parts.join(", ")
        )?;
    }
    for s in &p.sweepers {
        writeln!(
            out,
            "Sweeper: {} ({}, {}, {}% read-only){}",
            Safe(&s.principal),
            count(s.regions as u64, "region", "regions"),
            count(s.events, "event", "events"),
            s.read_only_pct,
            if s.needs_filter {
                ": excluded from learning and filtered in the tuned rule"
            } else {
                ": excluded from learning"
            }
        )?;
    }
    writeln!(
        out,
        "Allowlist ({}): {}",
        p.allowlist().len(),
        text::join(&p.allowlist(), ", ")
    )?;
    let q = p.quarantined();
    if !q.is_empty() {
        writeln!(
            out,
            "Quarantined, awaiting review ({}): {}",
            q.len(),
            text::join(&q, ", ")
        )?;
    }
    Ok(())
}

/// `--per-account`: one line per account (where its allowlist comes from, what it allows), then
/// each account's own review table.
fn write_accounts(
    out: &mut dyn Write,
    p: &RegionPolicy,
    accounts: &AccountPolicies,
) -> io::Result<()> {
    writeln!(out)?;
    writeln!(
        out,
        "Per account ({}): the tuned rule lists every region unusual for at least one account; each \
         account's filter exempts its own allowlist",
        accounts.accounts.len()
    )?;
    let mut t = table::new(
        &[
            "Account",
            "Events",
            "History",
            "Allowlist from",
            "Allowlist",
            "Quarantined",
        ],
        &[1, 2],
    );
    for a in &accounts.accounts {
        let tone = if a.fallback.is_some() {
            Tone::Warn
        } else {
            Tone::Good
        };
        t.add_row(vec![
            table::text(&a.account),
            Cell::new(thousands(a.own.evidence_events)),
            Cell::new(count(a.own.history_days.max(0) as u64, "day", "days")),
            table::toned(Cell::new(source_text(a)), tone),
            table::text(&a.allowlist.join(", ")),
            table::text(&a.own.quarantined().join(", ")),
        ]);
    }
    let hidden = table::fit(&mut t, &[0, 1, 2], &[5, 2]);
    writeln!(out, "{t}")?;
    table::hidden_note(out, &hidden)?;
    if !accounts.unnamed.is_empty() {
        let events: u64 = accounts.unnamed.values().sum();
        writeln!(
            out,
            "{} without a 12-digit recipientAccountId ({}): no filter can exempt {}",
            count(events, "event", "events"),
            text::join(&accounts.unnamed.keys().collect::<Vec<_>>(), ", "),
            if events == 1 {
                "it; it alerts on every listed region"
            } else {
                "them; they alert on every listed region"
            }
        )?;
    }
    let listed = accounts.unusual_regions(p);
    writeln!(
        out,
        "Listed in the per-account rule ({}): {}",
        listed.len(),
        text::join(&listed, ", ")
    )?;
    for a in &accounts.accounts {
        writeln!(out)?;
        writeln!(
            out,
            "Account {}: {} of normal use, {} of history; allowlist from {}",
            a.account,
            count(a.own.evidence_events, "event", "events"),
            count(a.own.history_days.max(0) as u64, "day", "days"),
            source_text(a)
        )?;
        if a.own.evidence_events > 0 {
            // Regions whose events were all left out are in the organization-wide table.
            region_table(out, &a.own.regions, false)?;
        }
        writeln!(
            out,
            "Allowlist ({}): {}",
            a.allowlist.len(),
            text::join(&a.allowlist, ", ")
        )?;
    }
    Ok(())
}
