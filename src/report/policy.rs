//! The allowlist review: one row per region with evidence (class, decision, reason, the counts
//! behind it), unseen regions summarised on one line, then what was left out of learning, the
//! global-service traffic reported apart, the sweepers, and the resulting lists.

use std::io::{self, Write};

use comfy_table::Cell;

use crate::policy::{
    Class, Decision, Exclusion, Reason, RegionDecision, RegionPolicy, Shortfall, Suspicion,
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

pub fn write(out: &mut dyn Write, output: Output, policy: &RegionPolicy) -> io::Result<()> {
    match output.format {
        Format::Table => write_table(out, policy),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &to_json(policy)?)?;
            writeln!(out)
        }
        Format::Ndjson => {
            for d in &policy.regions {
                serde_json::to_writer(&mut *out, &region_json(d)?)?;
                writeln!(out)?;
            }
            Ok(())
        }
        Format::Csv => {
            let mut w = output.csv(out);
            w.header([
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
            ])?;
            for d in &policy.regions {
                // The region is the input's; the rest, reason included (it starts with our
                // words), is ours.
                w.row([
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
                ])?;
            }
            w.flush()
        }
    }
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
    let mut shown: Vec<_> = p
        .regions
        .iter()
        .filter(|d| d.class != Class::Unseen || d.pinned || d.all_events > 0)
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
