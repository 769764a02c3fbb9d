//! The allowlist review: one row per region with evidence (class, decision, reason, the counts
//! behind it), unseen regions summarised on one line, then what was left out of learning, the
//! global-service traffic reported apart, the sweepers, and the resulting lists.

use std::io::{self, Write};

use comfy_table::Cell;

use crate::policy::{Class, RegionPolicy};
use crate::report::{Format, csv_writer, table, thousands};

pub fn write(out: &mut dyn Write, format: Format, policy: &RegionPolicy) -> io::Result<()> {
    match format {
        Format::Table => write_table(out, policy),
        Format::Json => {
            let mut value = serde_json::to_value(policy).map_err(io::Error::other)?;
            value["allowlist"] = serde_json::json!(policy.allowlist());
            value["unusual"] = serde_json::json!(policy.unusual_catalogue_regions());
            value["quarantined"] = serde_json::json!(policy.quarantined());
            serde_json::to_writer_pretty(&mut *out, &value)?;
            writeln!(out)
        }
        Format::Ndjson => {
            for d in &policy.regions {
                serde_json::to_writer(&mut *out, d)?;
                writeln!(out)?;
            }
            Ok(())
        }
        Format::Csv => {
            let mut w = csv_writer(out);
            w.write_record([
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
                w.write_record([
                    d.region.clone(),
                    d.class.to_string(),
                    d.decision.to_string(),
                    d.pinned.to_string(),
                    d.events.to_string(),
                    format!("{:.4}", d.share_pct),
                    d.active_days.to_string(),
                    d.principals.to_string(),
                    d.first_seen.map(|x| x.to_string()).unwrap_or_default(),
                    d.last_seen.map(|x| x.to_string()).unwrap_or_default(),
                    d.all_events.to_string(),
                    d.global_events.to_string(),
                    d.in_catalogue.to_string(),
                    d.opt_in.to_string(),
                    d.reason.to_string(),
                ])?;
            }
            w.flush()
        }
    }
}

fn write_table(out: &mut dyn Write, p: &RegionPolicy) -> io::Result<()> {
    writeln!(
        out,
        "Allowlist policy over {} .. {}: {} events of normal use; {} days of history{}",
        p.window.since,
        p.window.until,
        thousands(p.evidence_events),
        p.history_days,
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
        t.add_row(vec![
            Cell::new(&d.region),
            Cell::new(d.class),
            Cell::new(if d.pinned {
                format!("{} (pinned)", d.decision)
            } else {
                d.decision.to_string()
            }),
            Cell::new(thousands(d.events)),
            Cell::new(d.active_days),
            Cell::new(d.principals),
            Cell::new(d.first_seen.map(|x| x.to_string()).unwrap_or_default()),
            Cell::new(&d.reason),
        ]);
    }
    writeln!(out, "{t}")?;
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
            unseen.join(", ")
        )?;
    }
    if !p.excluded.is_empty() {
        let parts: Vec<String> = p
            .excluded
            .iter()
            .map(|(why, n)| format!("{} {why}", thousands(*n)))
            .collect();
        writeln!(out, "Left out of learning (events): {}", parts.join(", "))?;
    }
    if !p.global_sources.is_empty() {
        let parts: Vec<String> = p
            .global_sources
            .iter()
            .map(|(s, n)| format!("{} {}", s.trim_end_matches(".amazonaws.com"), thousands(*n)))
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
            "Sweeper: {} ({} regions, {} events, {}% read-only){}",
            s.principal,
            s.regions,
            thousands(s.events),
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
        p.allowlist().join(", ")
    )?;
    let q = p.quarantined();
    if !q.is_empty() {
        writeln!(
            out,
            "Quarantined, awaiting review ({}): {}",
            q.len(),
            q.join(", ")
        )?;
    }
    Ok(())
}
