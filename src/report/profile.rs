//! The profile report: one row per region (or account, principal, service, day) with events,
//! share, active days, first/last seen, distinct principals and accounts, failed and
//! global-service shares, and for regions the catalogue facts. Table, JSON, NDJSON and CSV carry
//! the same columns; the JSON contract is documented in docs/user-guide.md.

use std::io::{self, Write};

use comfy_table::Cell;
use serde_json::{Map, Value, json};

use crate::baseline::{InputStats, ProfileRow, frame::pct};
use crate::regions;
use crate::report::csv_out::Cell as CsvCell;
use crate::report::{Format, Output, count, table, thousands};
use crate::window::Window;

/// Everything the profile report shows.
pub struct ProfileReport<'a> {
    /// What a row is keyed by: "region", "account", "principal", "service" or "day".
    pub by: &'a str,
    /// The second key, when rows are keyed by two (`--by region,account`).
    pub by2: Option<&'a str>,
    pub window: Window,
    pub input: InputStats,
    pub rows: &'a [ProfileRow],
}

/// Catalogue facts of a region code, as shown in the table.
fn catalogue_label(code: &str) -> String {
    match regions::catalogue().get(code) {
        None => "UNKNOWN".to_string(),
        Some(r) if r.opt_in => format!("{} (opt-in)", r.partition),
        Some(r) => r.partition.clone(),
    }
}

/// The machine-readable row (JSON object; CSV uses the same keys in the same order).
fn row_object(report: &ProfileReport<'_>, row: &ProfileRow) -> Map<String, Value> {
    row_fields(report, row).into_iter().collect()
}

/// The row's fields in column order (CSV keeps this order; JSON objects sort their keys).
fn row_fields(report: &ProfileReport<'_>, row: &ProfileRow) -> Vec<(String, Value)> {
    let by = report.by;
    let mut m = vec![(by.to_string(), json!(row.key))];
    if let Some(by2) = report.by2 {
        m.push((by2.to_string(), json!(row.key2)));
    }
    m.extend([
        ("events".into(), json!(row.events)),
        ("share_pct".into(), json!(round2(row.share_pct))),
        ("active_days".into(), json!(row.active_days)),
        ("first_seen".into(), json!(row.first_seen.to_string())),
        ("last_seen".into(), json!(row.last_seen.to_string())),
        ("principals".into(), json!(row.principals)),
        ("accounts".into(), json!(row.accounts)),
        ("regions".into(), json!(row.regions)),
        ("failed_events".into(), json!(row.failed_events)),
        ("failed_pct".into(), json!(round2(row.failed_pct()))),
        ("global_events".into(), json!(row.global_events)),
        ("global_pct".into(), json!(round2(row.global_pct()))),
    ]);
    if by == "region" {
        let region = regions::catalogue().get(&row.key);
        m.push(("in_catalogue".into(), json!(region.is_some())));
        m.push((
            "partition".into(),
            json!(region.map(|r| r.partition.clone())),
        ));
        m.push(("opt_in".into(), json!(region.map(|r| r.opt_in))));
    }
    m
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn total(rows: &[ProfileRow]) -> (u64, u64, u64) {
    rows.iter().fold((0, 0, 0), |(e, f, g), r| {
        (e + r.events, f + r.failed_events, g + r.global_events)
    })
}

/// The report as one JSON value (the `--format json` contract).
pub fn to_json(report: &ProfileReport<'_>) -> Value {
    let (events, failed, global) = total(report.rows);
    json!({
        "window": { "since": report.window.since.to_string(), "until": report.window.until.to_string(), "days": report.window.days() },
        "input": {
            "files": report.input.files,
            "skipped_files": report.input.skipped_files,
            "pruned_files": report.input.pruned_files,
            "events": report.input.events,
            "outside_window": report.input.outside_window,
            "skipped_records": report.input.skipped_records,
            "bytes": report.input.bytes,
        },
        "by": match report.by2 { Some(by2) => json!([report.by, by2]), None => json!(report.by) },
        "rows": report.rows.iter().map(|r| Value::Object(row_object(report, r))).collect::<Vec<_>>(),
        "total": { "events": events, "failed_events": failed, "global_events": global },
    })
}

pub fn write(out: &mut dyn Write, output: Output, report: &ProfileReport<'_>) -> io::Result<()> {
    match output.format {
        Format::Table => write_table(out, report),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &to_json(report))?;
            writeln!(out)
        }
        Format::Ndjson => {
            for row in report.rows {
                serde_json::to_writer(&mut *out, &Value::Object(row_object(report, row)))?;
                writeln!(out)?;
            }
            Ok(())
        }
        Format::Csv => write_csv(out, output, report),
    }
}

fn write_csv(out: &mut dyn Write, output: Output, report: &ProfileReport<'_>) -> io::Result<()> {
    let mut w = output.csv(out);
    for (i, row) in report.rows.iter().enumerate() {
        let fields = row_fields(report, row);
        if i == 0 {
            w.header(fields.iter().map(|(k, _)| k))?;
        }
        // The keys (region, account, principal, service) are the input's; the rest is ours.
        let keys = 1 + usize::from(report.by2.is_some());
        w.row(fields.iter().enumerate().map(|(col, (_, v))| match v {
            Value::String(s) if col < keys => CsvCell::Input(s),
            Value::String(s) => CsvCell::ours(s.as_str()),
            Value::Null => CsvCell::ours(""),
            other => CsvCell::ours(other.to_string()),
        }))?;
    }
    w.flush()
}

fn write_table(out: &mut dyn Write, report: &ProfileReport<'_>) -> io::Result<()> {
    let w = report.window;
    writeln!(
        out,
        "Window {} .. {} ({}): {} from {}{}",
        w.since,
        w.until,
        count(w.days() as u64, "day", "days"),
        count(report.input.events, "event", "events"),
        count(report.input.files as u64, "file", "files"),
        if report.input.pruned_files > 0 {
            format!(
                " ({} outside the window left unopened)",
                count(report.input.pruned_files as u64, "file", "files")
            )
        } else {
            String::new()
        }
    )?;
    let is_region = report.by == "region";
    // A key that is a code (region, account, day), not free text (a principal's ARN, a service).
    let is_code = |by: &str| matches!(by, "region" | "account" | "day" | "country");
    let title = |by: &str| match by {
        "region" => "Region",
        "account" => "Account",
        "principal" => "Principal",
        "service" => "Service",
        "country" => "Country",
        "network" => "Network",
        _ => "Day",
    };
    let key_title = title(report.by);
    let mut header = vec![
        key_title,
        "Events",
        "Share %",
        "Active days",
        "First seen",
        "Last seen",
        "Principals",
        "Accounts",
    ];
    header.push(if is_region { "Failed %" } else { "Regions" });
    if !is_region {
        header.push("Failed %");
    }
    header.push("Global svc %");
    if is_region {
        header.push("Catalogue");
    }
    // The second key stands beside the first.
    let keys = match report.by2 {
        Some(by2) => {
            header.insert(1, title(by2));
            2
        }
        None => 1,
    };
    let numeric: Vec<usize> = (keys..header.len())
        .filter(|&i| !matches!(header[i], "First seen" | "Last seen" | "Catalogue"))
        .collect();
    let mut t = table::new(&header, &numeric);
    for row in report.rows {
        let mut cells = vec![
            table::text(&row.key),
            Cell::new(thousands(row.events)),
            Cell::new(table::pct(row.share_pct)),
            Cell::new(row.active_days),
            Cell::new(row.first_seen),
            Cell::new(row.last_seen),
            Cell::new(row.principals),
            Cell::new(row.accounts),
        ];
        if !is_region {
            cells.push(Cell::new(row.regions));
        }
        cells.push(Cell::new(table::pct(row.failed_pct())));
        cells.push(Cell::new(table::pct(row.global_pct())));
        if is_region {
            cells.push(Cell::new(catalogue_label(&row.key)));
        }
        if let Some(key2) = report.by2.and(row.key2.as_ref()) {
            cells.insert(1, table::text(key2));
        }
        t.add_row(cells);
    }
    let (events, failed, global) = total(report.rows);
    let mut cells = vec![
        Cell::new("TOTAL"),
        Cell::new(thousands(events)),
        Cell::new(if events > 0 { "100.0" } else { "0.0" }),
        Cell::new(""),
        Cell::new(""),
        Cell::new(""),
        Cell::new(""),
        Cell::new(""),
    ];
    if !is_region {
        cells.push(Cell::new(""));
    }
    cells.push(Cell::new(table::pct(pct(failed, events))));
    cells.push(Cell::new(table::pct(pct(global, events))));
    if is_region {
        cells.push(Cell::new(""));
    }
    if report.by2.is_some() {
        cells.insert(1, Cell::new(""));
    }
    t.add_row(cells);
    // Codes, dates and numbers stay whole; a principal's ARN or a catalogue note may wrap.
    let mut whole = numeric.clone();
    whole.extend((0..header.len()).filter(|&i| {
        matches!(header[i], "First seen" | "Last seen")
            || (i == 0 && is_code(report.by))
            || (i == 1 && report.by2.is_some_and(is_code))
    }));
    // On a narrow terminal the review columns come first; the others are said to be left out.
    let optional: Vec<usize> = [
        "Catalogue",
        "Last seen",
        "Global svc %",
        "Failed %",
        "Regions",
        "Accounts",
    ]
    .iter()
    .filter_map(|name| header.iter().position(|h| h == name))
    .collect();
    let hidden = table::fit(&mut t, &whole, &optional);
    writeln!(out, "{t}")?;
    table::hidden_note(out, &hidden)
}
