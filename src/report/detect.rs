//! Detection output: one line (or row, or object) per hit with the rule's id, title, level and
//! author (SigmaHQ's Detection Rule License requires attribution), the event's eventID,
//! eventTime and awsRegion, and the rule's `fields:`; the table ends with hits per rule and
//! region. The NDJSON keys are a contract (docs/detection.md).

use std::collections::BTreeMap;
use std::io::{self, Write};

use comfy_table::Cell;
use serde_json::{Map, Value, json};

use crate::detect::Detection;
use crate::report::csv_out::Cell as CsvCell;
use crate::report::text::Safe;
use crate::report::{Format, Output, table, thousands};
use crate::sigma::RuleInfo;

/// Everything the detection report shows.
pub struct DetectReport<'a> {
    pub rules: &'a [RuleInfo],
    pub detections: &'a [Detection],
    pub events: u64,
    pub files: usize,
}

/// Every rule that failed to load, and a count of the rules left out for their logsource.
pub fn load_problems(out: &mut dyn Write, loaded: &crate::sigma::Loaded) -> io::Result<()> {
    for e in &loaded.errors {
        writeln!(out, "trailtune: rule skipped: {}", Safe(&e.to_string()))?;
    }
    for w in &loaded.warnings {
        writeln!(out, "trailtune: rule warning: {}", Safe(&w.to_string()))?;
    }
    if !loaded.skipped_logsource.is_empty() {
        writeln!(
            out,
            "trailtune: {} rule(s) for other log sources not run (use --all-logsources to run them)",
            loaded.skipped_logsource.len()
        )?;
    }
    Ok(())
}

/// The NDJSON object of one hit.
pub fn hit_json(rules: &[RuleInfo], d: &Detection) -> Value {
    let rule = &rules[d.rule];
    let fields: Map<String, Value> = d.fields.iter().cloned().collect();
    json!({
        "rule_id": rule.id,
        "rule_title": rule.title,
        "level": rule.level,
        "author": rule.author,
        "eventID": d.event_id,
        "eventTime": d.event_time,
        "awsRegion": d.aws_region,
        "fields": fields,
    })
}

/// Hits per (rule index, region).
pub fn summary(detections: &[Detection]) -> BTreeMap<(usize, String), u64> {
    let mut counts = BTreeMap::new();
    for d in detections {
        *counts.entry((d.rule, d.aws_region.clone())).or_insert(0) += 1;
    }
    counts
}

pub fn write(out: &mut dyn Write, output: Output, r: &DetectReport<'_>) -> io::Result<()> {
    match output.format {
        Format::Ndjson => {
            for d in r.detections {
                serde_json::to_writer(&mut *out, &hit_json(r.rules, d))?;
                writeln!(out)?;
            }
            Ok(())
        }
        Format::Json => {
            let summary: Vec<Value> = summary(r.detections)
                .into_iter()
                .map(|((rule, region), n)| json!({"rule_id": r.rules[rule].id, "rule_title": r.rules[rule].title, "awsRegion": region, "hits": n}))
                .collect();
            let doc = json!({
                "rules": r.rules.iter().map(|x| json!({"id": x.id, "title": x.title, "level": x.level, "author": x.author, "path": x.path.display().to_string()})).collect::<Vec<_>>(),
                "input": {"files": r.files, "events": r.events},
                "hits": r.detections.iter().map(|d| hit_json(r.rules, d)).collect::<Vec<_>>(),
                "summary": summary,
            });
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)
        }
        Format::Csv => {
            let mut w = output.csv(out);
            w.header([
                "rule_id",
                "rule_title",
                "level",
                "author",
                "eventID",
                "eventTime",
                "awsRegion",
                "fields",
            ])?;
            for d in r.detections {
                let rule = &r.rules[d.rule];
                let fields: Map<String, Value> = d.fields.iter().cloned().collect();
                let fields = Value::Object(fields).to_string();
                // All text from the rule or the event (the fields are a JSON object: `{...}`).
                w.row(
                    [
                        &rule.id,
                        &rule.title,
                        &rule.level,
                        &rule.author,
                        &d.event_id,
                        &d.event_time,
                        &d.aws_region,
                        &fields,
                    ]
                    .map(|s| CsvCell::Input(s)),
                )?;
            }
            w.flush()
        }
        Format::Table => write_table(out, r),
    }
}

fn write_table(out: &mut dyn Write, r: &DetectReport<'_>) -> io::Result<()> {
    if !r.detections.is_empty() {
        let mut t = table::new(
            &[
                "eventTime",
                "awsRegion",
                "Rule",
                "Level",
                "eventID",
                "Fields",
            ],
            &[],
        );
        for d in r.detections {
            let rule = &r.rules[d.rule];
            let fields: Vec<String> = d
                .fields
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "eventTime" | "awsRegion"))
                .map(|(k, v)| match v {
                    Value::String(s) => format!("{}={}", Safe(k), Safe(s)),
                    Value::Null => format!("{}=-", Safe(k)),
                    other => format!("{}={}", Safe(k), Safe(&other.to_string())),
                })
                .collect();
            t.add_row(vec![
                table::text(&d.event_time),
                table::text(&d.aws_region),
                table::text(&rule.title),
                table::text(&rule.level),
                table::text(&d.event_id),
                // One line per field: the line breaks are ours, the values escaped.
                Cell::new(fields.join("\n")),
            ]);
        }
        writeln!(out, "{t}")?;
    }
    let mut s = table::new(&["Rule", "Author", "awsRegion", "Hits"], &[3]);
    for ((rule, region), n) in summary(r.detections) {
        s.add_row(vec![
            table::text(&r.rules[rule].title),
            table::text(&r.rules[rule].author),
            table::text(&region),
            Cell::new(thousands(n)),
        ]);
    }
    writeln!(
        out,
        "{} hit(s) from {} rule(s) over {} events in {} file(s)",
        thousands(r.detections.len() as u64),
        r.rules.len(),
        thousands(r.events),
        thousands(r.files as u64)
    )?;
    if !r.detections.is_empty() {
        writeln!(out, "{s}")?;
    }
    Ok(())
}
