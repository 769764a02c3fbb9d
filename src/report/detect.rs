//! Detection output: one line (or row, or object) per hit with the rule's id, title, level and
//! author (SigmaHQ's Detection Rule License requires attribution), the event's eventID,
//! eventTime and awsRegion, and the rule's `fields:`; the table ends with hits per rule and
//! region. The NDJSON keys are a contract (docs/detection.md). Hits are written as they come
//! (every format streams; the table lists the first [`TABLE_ROWS`] and counts the rest).

use std::collections::BTreeMap;
use std::io::{self, Write};

use comfy_table::Cell;
use serde_json::{Map, Value, json};

use crate::detect::Detection;
use crate::report::csv_out::Cell as CsvCell;
use crate::report::text::{Safe, clip};
use crate::report::{Format, Output, count, table, thousands};
use crate::sigma::RuleInfo;

/// How many hits the table lists by default (`--limit`); the summary below it counts them all.
pub const TABLE_ROWS: usize = 1_000;

/// The longest value a table cell shows, in characters (the JSON forms keep it whole).
pub const CELL_CHARS: usize = 256;

/// What the detection report shows beside the hits.
pub struct DetectReport<'a> {
    pub rules: &'a [RuleInfo],
    pub events: u64,
    pub files: usize,
    /// The GeoIP databases the callers were located with (`None`: no `--geoip`, and the
    /// output is as without the option).
    pub geo: Option<&'a crate::geo::Geo>,
    /// How many hits the table lists (`--limit`).
    pub limit: usize,
    /// Only the hits per rule and region (`--summary`).
    pub summary_only: bool,
}

/// The hits, in order, read once.
pub type HitStream<'a> = &'a mut dyn Iterator<Item = io::Result<Detection>>;

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
            "trailtune: {} for other log sources not run (use --all-logsources to run them)",
            count(loaded.skipped_logsource.len() as u64, "rule", "rules")
        )?;
    }
    Ok(())
}

/// GeoIP lookups that failed (a damaged database): those callers show no place.
pub fn lookup_errors(out: &mut dyn Write, e: &crate::geo::LookupErrors) -> io::Result<()> {
    if let (n @ 1.., Some(first)) = (e.count, &e.first) {
        writeln!(
            out,
            "trailtune: {} failed, those callers are shown without a place; first: {}",
            count(n, "GeoIP lookup", "GeoIP lookups"),
            Safe(first)
        )?;
    }
    Ok(())
}

/// The NDJSON object of one hit. Its keys are in the order a JSON object of them is written
/// (sorted), so the line reads as that JSON object would.
#[derive(serde::Serialize)]
pub struct HitJson<'a> {
    author: &'a str,
    #[serde(rename = "awsRegion")]
    aws_region: &'a str,
    #[serde(rename = "eventID")]
    event_id: &'a str,
    #[serde(rename = "eventTime")]
    event_time: &'a str,
    fields: Map<String, Value>,
    level: &'a str,
    /// The account the call reached: which account alerted, whatever the rule's `fields:`.
    #[serde(rename = "recipientAccountId")]
    account: &'a str,
    rule_id: &'a str,
    rule_title: &'a str,
    /// Where the caller is (with `--geoip`).
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a crate::geo::Caller>,
}

impl<'a> HitJson<'a> {
    pub fn new(rules: &'a [RuleInfo], d: &'a Detection) -> HitJson<'a> {
        let rule = &rules[d.rule];
        HitJson {
            author: &rule.author,
            aws_region: &d.aws_region,
            event_id: &d.event_id,
            event_time: &d.event_time,
            // A name given twice in `fields:` is one key, holding its last value.
            fields: d.fields.iter().cloned().collect(),
            level: &rule.level,
            account: &d.account,
            rule_id: &rule.id,
            rule_title: &rule.title,
            source: d.caller.as_ref(),
        }
    }
}

/// The CSV columns `--geoip` adds.
const GEO_COLUMNS: [&str; 6] = [
    "source_ip",
    "source_country",
    "source_city",
    "source_asn",
    "source_as_org",
    "source_kind",
];

fn geo_cells(caller: Option<&crate::geo::Caller>, ip: &str) -> [String; 6] {
    let Some(c) = caller else {
        return [
            ip.to_string(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ];
    };
    [
        c.ip.clone(),
        c.country.clone().unwrap_or_default(),
        c.city.clone().unwrap_or_default(),
        c.asn.map(|n| n.to_string()).unwrap_or_default(),
        c.as_org.clone().unwrap_or_default(),
        c.kind.as_str().to_string(),
    ]
}

/// A GeoIP database as the JSON report names it.
fn db_json(d: &crate::geo::DbInfo) -> Value {
    json!({
        "path": d.path.display().to_string(),
        "kind": d.kind.as_str(),
        "database_type": d.database_type,
        "built": d.built,
    })
}

/// Hits per (rule index, region).
type Summary = BTreeMap<(usize, String), u64>;

/// The longest region text the summary keys on: a real code is under 20 characters, and a
/// forged one thousands long must not make the summary's memory follow the hits.
const SUMMARY_REGION_CHARS: usize = 64;

fn add_to(summary: &mut Summary, d: &Detection) {
    let region = clip(&d.aws_region, SUMMARY_REGION_CHARS).into_owned();
    *summary.entry((d.rule, region)).or_insert(0) += 1;
}

/// Write the report; returns how many hits were written.
pub fn write(
    out: &mut dyn Write,
    output: Output,
    r: &DetectReport<'_>,
    hits: HitStream<'_>,
) -> io::Result<u64> {
    if r.summary_only {
        return write_summary(out, output, r, hits);
    }
    let mut n = 0u64;
    match output.format {
        Format::Ndjson => {
            for d in hits {
                let d = d?;
                serde_json::to_writer(&mut *out, &HitJson::new(r.rules, &d))?;
                out.write_all(b"\n")?;
                n += 1;
            }
            Ok(n)
        }
        Format::Json => write_json(out, r, hits),
        Format::Csv => {
            let mut w = output.csv(out);
            let mut header = vec![
                "rule_id",
                "rule_title",
                "level",
                "author",
                "eventID",
                "eventTime",
                "awsRegion",
                "fields",
            ];
            if r.geo.is_some() {
                header.extend(GEO_COLUMNS);
            }
            w.header(header)?;
            for d in hits {
                let d = d?;
                let rule = &r.rules[d.rule];
                let fields: Map<String, Value> = d.fields.iter().cloned().collect();
                let fields = Value::Object(fields).to_string();
                // All text from the rule or the event (the fields are a JSON object: `{...}`).
                let mut row: Vec<String> = [
                    &rule.id,
                    &rule.title,
                    &rule.level,
                    &rule.author,
                    &d.event_id,
                    &d.event_time,
                    &d.aws_region,
                    &fields,
                ]
                .map(|s| s.to_string())
                .into();
                if r.geo.is_some() {
                    row.extend(geo_cells(d.caller.as_ref(), &d.source_ip));
                }
                w.row(row.iter().map(|s| CsvCell::Input(s)))?;
                n += 1;
            }
            w.flush()?;
            Ok(n)
        }
        Format::Table => write_table(out, r, hits),
    }
}

/// `--summary`: the hits counted per rule and region, in every format.
fn write_summary(
    out: &mut dyn Write,
    output: Output,
    r: &DetectReport<'_>,
    hits: HitStream<'_>,
) -> io::Result<u64> {
    let mut summary = Summary::new();
    let mut n = 0u64;
    for d in hits {
        add_to(&mut summary, &d?);
        n += 1;
    }
    match output.format {
        Format::Table => {
            write_totals(out, r, n)?;
            if n > 0 {
                writeln!(out, "{}", summary_table(r, &summary))?;
            }
            summary_cut(out, &summary)?;
        }
        Format::Json => {
            let mut doc = rest_json(r, summary);
            if let Some(obj) = doc.as_object_mut() {
                obj.insert("hits_total".into(), json!(n));
            }
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
        Format::Ndjson => {
            for entry in summary_json(r, summary) {
                serde_json::to_writer(&mut *out, &entry)?;
                out.write_all(b"\n")?;
            }
        }
        Format::Csv => {
            let mut w = output.csv(out);
            w.header(["rule_id", "rule_title", "awsRegion", "hits"])?;
            for ((rule, region), hits) in summary {
                let rule = &r.rules[rule];
                let hits = hits.to_string();
                w.row([
                    CsvCell::Input(&rule.id),
                    CsvCell::Input(&rule.title),
                    CsvCell::Input(&region),
                    CsvCell::Input(&hits),
                ])?;
            }
            w.flush()?;
        }
    }
    Ok(n)
}

/// The summary entries as JSON objects.
fn summary_json(r: &DetectReport<'_>, summary: Summary) -> Vec<Value> {
    summary
        .into_iter()
        .map(|((rule, region), n)| json!({"rule_id": r.rules[rule].id, "rule_title": r.rules[rule].title, "awsRegion": region, "hits": n}))
        .collect()
}

/// The JSON document's keys other than `hits`.
fn rest_json(r: &DetectReport<'_>, summary: Summary) -> Value {
    let mut rest = json!({
        "rules": r.rules.iter().map(|x| json!({"id": x.id, "title": x.title, "level": x.level, "author": x.author, "path": x.path.display().to_string()})).collect::<Vec<_>>(),
        "input": {"files": r.files, "events": r.events},
        "summary": summary_json(r, summary),
    });
    if let (Some(geo), Some(obj)) = (r.geo, rest.as_object_mut()) {
        obj.insert(
            "geoip".into(),
            Value::Array(geo.databases().iter().map(db_json).collect()),
        );
        obj.insert("geoip_lookup_errors".into(), json!(geo.errors().count));
    }
    rest
}

/// One JSON document, `serde_json`'s pretty layout, with the hits written as they come (keys
/// in their usual order: `hits` first, the summary last).
fn write_json(out: &mut dyn Write, r: &DetectReport<'_>, hits: HitStream<'_>) -> io::Result<u64> {
    let mut summary = Summary::new();
    let mut n = 0u64;
    write!(out, "{{\n  \"hits\": [")?;
    for d in hits {
        let d = d?;
        add_to(&mut summary, &d);
        let hit = serde_json::to_string_pretty(&HitJson::new(r.rules, &d))?;
        // JSON text has no raw line breaks inside strings: each line is indented as a whole.
        write!(
            out,
            "{}\n    {}",
            if n == 0 { "" } else { "," },
            hit.replace('\n', "\n    ")
        )?;
        n += 1;
    }
    if n > 0 {
        write!(out, "\n  ")?;
    }
    write!(out, "]")?;
    let mut rest = rest_json(r, summary);
    if let Some(obj) = rest.as_object_mut() {
        obj.insert("hits_total".into(), json!(n));
    }
    let rest = serde_json::to_string_pretty(&rest)?;
    // `{\n  "input": ...}`: the other keys, after the hits.
    writeln!(out, ",\n{}", rest.strip_prefix("{\n").unwrap_or(&rest))?;
    Ok(n)
}

fn write_table(out: &mut dyn Write, r: &DetectReport<'_>, hits: HitStream<'_>) -> io::Result<u64> {
    let mut columns = vec![
        "eventTime",
        "Account",
        "awsRegion",
        "Rule",
        "Level",
        "eventID",
        "Fields",
    ];
    if r.geo.is_some() {
        columns.push("Caller");
    }
    let mut t = table::new(&columns, &[]);
    let mut summary = Summary::new();
    let mut n = 0u64;
    for d in hits {
        let d = d?;
        add_to(&mut summary, &d);
        n += 1;
        if n > r.limit as u64 {
            continue;
        }
        let rule = &r.rules[d.rule];
        let fields: Vec<String> = d
            .fields
            .iter()
            .filter(|(k, _)| {
                !matches!(k.as_str(), "eventTime" | "awsRegion" | "recipientAccountId")
            })
            .map(|(k, v)| {
                let k = clip(k, CELL_CHARS);
                match v {
                    Value::String(s) => format!("{}={}", Safe(&k), Safe(&clip(s, CELL_CHARS))),
                    Value::Null => format!("{}=-", Safe(&k)),
                    other => format!(
                        "{}={}",
                        Safe(&k),
                        Safe(&clip(&other.to_string(), CELL_CHARS))
                    ),
                }
            })
            .collect();
        let cell = |s: &str| table::text(&clip(s, CELL_CHARS));
        let mut row = vec![
            cell(&d.event_time),
            cell(if d.account.is_empty() {
                "-"
            } else {
                &d.account
            }),
            cell(&d.aws_region),
            cell(&rule.title),
            cell(&rule.level),
            cell(&d.event_id),
            // One line per field: the line breaks are ours, the values escaped.
            Cell::new(fields.join("\n")),
        ];
        if r.geo.is_some() {
            // The address on its own line, then where it is.
            let located = d
                .caller
                .as_ref()
                .map(crate::geo::summary)
                .unwrap_or_default();
            row.push(Cell::new(format!(
                "{}\n{}",
                Safe(&clip(&d.source_ip, CELL_CHARS)),
                Safe(&clip(&located, CELL_CHARS))
            )));
        }
        t.add_row(row);
    }
    if n > 0 && r.limit > 0 {
        // eventTime, account, region, level and eventID stay whole; titles and fields wrap.
        let hidden = table::fit(&mut t, &[0, 1, 2, 4, 5], &[5, 4, 1]);
        writeln!(out, "{t}")?;
        table::hidden_note(out, &hidden)?;
    }
    if n > r.limit as u64 {
        writeln!(
            out,
            "(the first {} of {}; --limit N shows more, --format ndjson or csv lists them all)",
            thousands(r.limit as u64),
            count(n, "hit", "hits")
        )?;
    }
    write_totals(out, r, n)?;
    if n > 0 {
        writeln!(out, "{}", summary_table(r, &summary))?;
    }
    summary_cut(out, &summary)?;
    Ok(n)
}

/// The line that counts the hits, rules, events and files, and names the GeoIP databases.
fn write_totals(out: &mut dyn Write, r: &DetectReport<'_>, n: u64) -> io::Result<()> {
    writeln!(
        out,
        "{} from {} over {} in {}",
        count(n, "hit", "hits"),
        count(r.rules.len() as u64, "rule", "rules"),
        count(r.events, "event", "events"),
        count(r.files as u64, "file", "files")
    )?;
    if let Some(geo) = r.geo {
        let named: Vec<String> = geo
            .databases()
            .iter()
            .map(|d| {
                format!(
                    "{} ({}, built {})",
                    Safe(&d.path.display().to_string()),
                    Safe(&d.database_type),
                    d.built
                )
            })
            .collect();
        writeln!(out, "Callers located with {}", named.join(", "))?;
    }
    Ok(())
}

/// Hits per rule, author and region (the first [`TABLE_ROWS`] pairs).
fn summary_table(r: &DetectReport<'_>, summary: &Summary) -> comfy_table::Table {
    let mut s = table::new(&["Rule", "Author", "awsRegion", "Hits"], &[3]);
    for ((rule, region), hits) in summary.iter().take(TABLE_ROWS) {
        s.add_row(vec![
            table::text(&clip(&r.rules[*rule].title, CELL_CHARS)),
            table::text(&clip(&r.rules[*rule].author, CELL_CHARS)),
            table::text(&clip(region, CELL_CHARS)),
            Cell::new(thousands(*hits)),
        ]);
    }
    table::fit(&mut s, &[2, 3], &[]);
    s
}

/// Said when the summary table leaves pairs out.
fn summary_cut(out: &mut dyn Write, summary: &Summary) -> io::Result<()> {
    if summary.len() > TABLE_ROWS {
        writeln!(
            out,
            "(the first {} of {} rule and region pairs; --format json lists them all)",
            thousands(TABLE_ROWS as u64),
            thousands(summary.len() as u64)
        )?;
    }
    Ok(())
}
