//! The baseline file: the aggregates of a window, saved as versioned JSON so that `allowlist`,
//! `tune` and `rebaseline` never re-read the logs. Schema `trailtune.baseline/1` (documented in
//! docs/user-guide.md, "The baseline file"): metadata, the window, input counts, the review decisions
//! (approved/rejected regions, kept across re-baselining) and the aggregate rows as arrays in the
//! order of `columns`. Loading checks the schema and every row; writes are atomic.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::aggregate::{Aggregates, InputStats, Row};
use super::cols;
use crate::event::Origin;
use crate::window::Window;

/// The schema tag written and accepted.
pub const SCHEMA: &str = "trailtune.baseline/1";

/// Column order of `rows`.
pub const COLUMNS: [&str; 10] = [
    cols::DAY,
    cols::ACCOUNT,
    cols::REGION,
    cols::EVENT_SOURCE,
    cols::IDENTITY_TYPE,
    cols::PRINCIPAL,
    cols::ORIGIN,
    cols::FAILED,
    cols::READ_ONLY,
    cols::EVENTS,
];

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("{path}: cannot read the baseline: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: cannot write the baseline: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a trailtune baseline: {reason}")]
    Invalid { path: PathBuf, reason: String },
}

/// Review decisions that survive re-baselining.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// Regions a person approved out of quarantine (`--approve`).
    #[serde(default)]
    pub approved: BTreeSet<String>,
    /// Regions a person rejected: never allowed automatically (`--reject`).
    #[serde(default)]
    pub rejected: BTreeSet<String>,
}

impl Review {
    /// Record fresh decisions: an approval overrides an older rejection and vice versa; when a
    /// region is both approved and rejected at once, the rejection wins.
    pub fn record(&mut self, approve: &BTreeSet<String>, reject: &BTreeSet<String>) {
        for r in approve {
            self.rejected.remove(r);
            self.approved.insert(r.clone());
        }
        for r in reject {
            self.approved.remove(r);
            self.rejected.insert(r.clone());
        }
    }
}

/// A baseline: a window's aggregates plus metadata.
#[derive(Debug, Clone)]
pub struct Baseline {
    pub window: Window,
    pub input: InputStats,
    pub aggregates: Aggregates,
    pub review: Review,
    /// Which tool wrote it, and when (informational).
    pub created_by: String,
    pub created_at: String,
}

#[derive(Serialize, Deserialize)]
struct Document<'a> {
    schema: String,
    created_by: String,
    created_at: String,
    catalogue: String,
    window: Window,
    input: InputStats,
    #[serde(default)]
    review: Review,
    columns: Vec<String>,
    /// Each row as the text it is in the file: parsed one at a time, so memory is the file's
    /// text and the counts, never the whole document as JSON values.
    #[serde(borrow)]
    rows: Vec<&'a serde_json::value::RawValue>,
}

/// Just the schema, read before the rest.
#[derive(Deserialize)]
struct SchemaOnly<'a> {
    #[serde(borrow)]
    schema: Option<std::borrow::Cow<'a, str>>,
}

impl Baseline {
    /// Region codes in the counts that the catalogue does not know, sorted.
    pub fn unknown_regions(&self) -> Vec<String> {
        let cat = crate::regions::catalogue();
        let mut out: Vec<String> = self
            .aggregates
            .rows()
            .iter()
            .map(|r| r.region)
            .filter(|r| !cat.contains(r))
            .map(str::to_string)
            .collect();
        out.sort();
        out.dedup();
        out
    }

    pub fn new(window: Window, input: InputStats, aggregates: Aggregates) -> Baseline {
        Baseline {
            window,
            input,
            aggregates,
            review: Review::default(),
            created_by: format!("trailtune {}", env!("CARGO_PKG_VERSION")),
            created_at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        }
    }

    /// The rows as the file stores them: arrays in the order of [`COLUMNS`].
    fn row_values(&self) -> Vec<Value> {
        self.aggregates
            .rows()
            .iter()
            .map(|r| {
                serde_json::json!([
                    r.day.to_string(),
                    r.account,
                    r.region,
                    r.event_source,
                    r.identity_type,
                    r.principal,
                    r.origin.as_str(),
                    r.failed,
                    r.read_only,
                    r.events
                ])
            })
            .collect()
    }

    /// The file's bytes (pretty header, one row per line: diffable and greppable).
    pub fn to_json(&self) -> String {
        let rows = self.row_values();
        let doc = Document {
            schema: SCHEMA.to_string(),
            created_by: self.created_by.clone(),
            created_at: self.created_at.clone(),
            catalogue: format!("botocore {}", crate::regions::catalogue().botocore_version),
            window: self.window,
            input: self.input,
            review: self.review.clone(),
            columns: COLUMNS.iter().map(|c| c.to_string()).collect(),
            rows: Vec::new(),
        };
        // Header via serde, rows one per line.
        let mut head = serde_json::to_string_pretty(&doc).expect("serializable");
        let cut = head.rfind("\"rows\": []").expect("rows key present");
        head.truncate(cut);
        let mut out = head;
        out.push_str("\"rows\": [");
        for (i, row) in rows.iter().enumerate() {
            out.push_str(if i == 0 { "\n    " } else { ",\n    " });
            out.push_str(&row.to_string());
        }
        out.push_str(if rows.is_empty() {
            "]\n}\n"
        } else {
            "\n  ]\n}\n"
        });
        out
    }

    /// A digest of the aggregates and window (not of the metadata), to name the baseline a
    /// tuning came from.
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        hasher.update(format!("{}..{}\n", self.window.since, self.window.until));
        for row in self.row_values() {
            hasher.update(row.to_string());
            hasher.update("\n");
        }
        let hash = hasher.finalize();
        hash.iter().take(8).map(|b| format!("{b:02x}")).collect()
    }

    /// Write atomically.
    pub fn save(&self, path: &Path) -> Result<(), BaselineError> {
        crate::atomic::write(path, self.to_json().as_bytes()).map_err(|source| {
            BaselineError::Write {
                path: path.to_path_buf(),
                source,
            }
        })
    }

    /// Read a baseline or state file (at most [`crate::atomic::BASELINE_READ_LIMIT`] bytes; one
    /// that does not start as a JSON object is refused before the rest is read).
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let text = crate::atomic::read_checked(
            path,
            crate::atomic::BASELINE_READ_LIMIT,
            "a baseline or state ever holds",
            looks_like_json_object,
        )
        .map_err(|source| BaselineError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Baseline::from_json(&text).map_err(|reason| BaselineError::Invalid {
            path: path.to_path_buf(),
            // A reason may quote a row or a value: its start is enough.
            reason: crate::text::clip(&reason, 2 * crate::text::QUOTE_CHARS).into_owned(),
        })
    }

    pub fn from_json(text: &str) -> Result<Baseline, String> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        // The schema first, so another file says what it is rather than what it lacks.
        let head: SchemaOnly = serde_json::from_str(text).map_err(|e| e.to_string())?;
        match head.schema.as_deref() {
            Some(SCHEMA) => {}
            Some(other) => {
                return Err(format!("schema {other:?}, this trailtune reads {SCHEMA:?}"));
            }
            None => return Err(format!("no \"schema\" key (a {SCHEMA:?} file has one)")),
        }
        let doc: Document = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if doc.schema != SCHEMA {
            return Err(format!(
                "schema {:?}, this trailtune reads {SCHEMA:?}",
                doc.schema
            ));
        }
        if doc.columns != COLUMNS {
            return Err(format!("columns {:?}, expected {:?}", doc.columns, COLUMNS));
        }
        if doc.window.since > doc.window.until {
            return Err(format!(
                "window {} .. {} ends before it starts",
                doc.window.since, doc.window.until
            ));
        }
        let latest = super::aggregate::latest_plausible_day();
        if doc.window.until > latest {
            return Err(format!(
                "window ends {} in the future (a bad clock or an edited file); refusing it",
                doc.window.until
            ));
        }
        let earliest = super::aggregate::earliest_plausible_day();
        if doc.rows.is_empty() {
            return Err(
                "no rows: the file holds no counts (an empty state); refusing it rather than \
                 learning from nothing"
                    .to_string(),
            );
        }
        let mut aggregates = Aggregates::default();
        let mut seen: std::collections::HashMap<
            super::aggregate::Key,
            usize,
            foldhash::fast::RandomState,
        > = Default::default();
        let mut total = 0u64;
        for (i, raw) in doc.rows.iter().enumerate() {
            let row: Value = serde_json::from_str(raw.get())
                .map_err(|e| format!("row {} is malformed: {e}", i + 1))?;
            let parsed = parse_row(&row).ok_or_else(|| {
                format!(
                    "row {} is malformed (expected {} values: a date, six texts, two booleans and a count): {row}",
                    i + 1,
                    COLUMNS.len()
                )
            })?;
            total = super::aggregate::checked_total(total, parsed.events).ok_or_else(|| {
                format!(
                    "row {} brings the count past {} events: a forged or corrupt file; refusing it",
                    i + 1,
                    super::aggregate::MAX_TOTAL_EVENTS
                )
            })?;
            if parsed.day > latest {
                return Err(format!(
                    "row {} is dated {} in the future (a bad clock or an edited file); refusing it",
                    i + 1,
                    parsed.day
                ));
            }
            if parsed.day < earliest {
                return Err(format!(
                    "row {} is dated {}, before {earliest} (AWS did not exist yet): a forged or corrupt file; refusing it",
                    i + 1,
                    parsed.day
                ));
            }
            if !doc.window.contains(parsed.day) {
                return Err(format!(
                    "row {} is dated {}, outside the file's window {} .. {}: a forged or corrupt file; refusing it",
                    i + 1,
                    parsed.day,
                    doc.window.since,
                    doc.window.until
                ));
            }
            let key = aggregates.add(&parsed);
            if let Some(first) = seen.insert(key, i + 1) {
                return Err(format!(
                    "row {} repeats the key of row {first} (day, account, region, source, identity, \
                     principal, origin, failed, read-only; region codes compare lower-cased): \
                     a file trailtune writes has each key once; refusing it rather than adding them",
                    i + 1
                ));
            }
        }
        Ok(Baseline {
            window: doc.window,
            input: doc.input,
            aggregates,
            review: doc.review,
            created_by: doc.created_by,
            created_at: doc.created_at,
        })
    }
}

fn parse_row(row: &Value) -> Option<Row<'_>> {
    let a = row.as_array()?;
    if a.len() != COLUMNS.len() {
        return None;
    }
    Some(Row {
        day: a[0].as_str()?.parse::<NaiveDate>().ok()?,
        account: a[1].as_str()?,
        region: a[2].as_str()?,
        event_source: a[3].as_str()?,
        identity_type: a[4].as_str()?,
        principal: a[5].as_str()?,
        origin: Origin::parse(a[6].as_str()?)?,
        failed: a[7].as_bool()?,
        read_only: a[8].as_bool()?,
        events: a[9].as_u64()?,
    })
}

/// The start of a baseline file: a JSON object (after an optional BOM and whitespace).
fn looks_like_json_object(start: &[u8]) -> Result<(), String> {
    let start = start.strip_prefix(b"\xef\xbb\xbf").unwrap_or(start);
    match start.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Ok(()),
        None if start.is_empty() => Err("the file is empty".into()),
        None => Err("the file holds only whitespace".into()),
        Some(b) => Err(format!(
            "not a baseline file: it starts with byte 0x{b:02x}, not a JSON object"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut agg = Aggregates::default();
        agg.add(&Row {
            day: "2025-01-02".parse().unwrap(),
            account: "1",
            region: "eu-west-1",
            event_source: "ec2.amazonaws.com",
            identity_type: "AssumedRole",
            principal: "arn:aws:iam::1:role/\"odd\"",
            origin: Origin::InvokedByService,
            failed: true,
            read_only: true,
            events: 7,
        });
        let window = Window {
            since: "2025-01-01".parse().unwrap(),
            until: "2025-01-31".parse().unwrap(),
        };
        let mut b = Baseline::new(
            window,
            InputStats {
                events: 7,
                ..Default::default()
            },
            agg,
        );
        b.review.approved.insert("eu-south-2".into());
        let text = b.to_json();
        let back = Baseline::from_json(&text).unwrap();
        assert_eq!(back.window, window);
        assert_eq!(back.review, b.review);
        assert_eq!(back.aggregates.rows(), b.aggregates.rows());
        assert_eq!(back.to_json(), text);
    }

    /// A one-row baseline for 2025-01-01 .. 2025-01-31, with `rows` swapped in.
    fn with_rows(rows: &str) -> String {
        let mut agg = Aggregates::default();
        agg.add(&Row {
            day: "2025-01-02".parse().unwrap(),
            account: "1",
            region: "eu-west-1",
            event_source: "s3.amazonaws.com",
            identity_type: "Root",
            principal: "p",
            origin: Origin::Direct,
            failed: false,
            read_only: false,
            events: 5,
        });
        let window = Window {
            since: "2025-01-01".parse().unwrap(),
            until: "2025-01-31".parse().unwrap(),
        };
        let text = Baseline::new(window, InputStats::default(), agg).to_json();
        let start = text.find("\"rows\": [").unwrap();
        format!("{}\"rows\": [{rows}]\n}}\n", &text[..start])
    }

    #[test]
    fn refuses_rows_outside_the_window_absurd_dates_empty_rows_and_duplicates() {
        let row = |day: &str, region: &str| {
            format!(
                r#"["{day}","1","{region}","s3.amazonaws.com","Root","p","direct",false,false,5]"#
            )
        };
        assert!(Baseline::from_json(&with_rows(&row("2025-01-02", "eu-west-1"))).is_ok());
        let cases = [
            (
                row("2025-02-01", "eu-west-1"),
                "row 1 is dated 2025-02-01, outside the file's window",
            ),
            (
                row("0001-01-01", "eu-west-1"),
                "row 1 is dated 0001-01-01, before 2006-01-01",
            ),
            (String::new(), "no rows"),
            (
                format!(
                    "{},{}",
                    row("2025-01-02", "eu-west-1"),
                    row("2025-01-02", "EU-WEST-1")
                ),
                "row 2 repeats the key of row 1",
            ),
        ];
        for (rows, want) in cases {
            let err = Baseline::from_json(&with_rows(&rows)).unwrap_err();
            assert!(err.contains(want), "{err}");
        }
        // A window may start early (`--days 10000`), but no count is older than AWS.
        let ancient = with_rows(&row("0001-01-01", "eu-west-1"))
            .replace("\"since\": \"2025-01-01\"", "\"since\": \"0001-01-01\"");
        let err = Baseline::from_json(&ancient).unwrap_err();
        assert!(
            err.contains("row 1 is dated 0001-01-01, before 2006-01-01"),
            "{err}"
        );
    }

    #[test]
    fn rejects_other_schemas_and_bad_rows() {
        assert!(Baseline::from_json(r#"{"schema":"x"}"#).is_err());
        let bad = Baseline::new(
            Window {
                since: "2025-01-01".parse().unwrap(),
                until: "2025-01-01".parse().unwrap(),
            },
            InputStats::default(),
            Aggregates::default(),
        )
        .to_json()
        .replace("\"rows\": []", "\"rows\": [[1,2]]");
        let err = Baseline::from_json(&bad).unwrap_err();
        assert!(err.contains("row 1 is malformed"), "{err}");
    }
}
