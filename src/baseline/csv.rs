//! Read the result of the Athena baseline query (`athena::baseline_sql`) as Athena writes it to
//! S3: a header row with the columns of [`COLUMNS`], then one row per aggregate key, every field
//! double-quoted (RFC 4180: `""` inside a quoted field is one `"`, quoted fields may hold commas
//! and line breaks, lines end in LF or CRLF), booleans as `true`/`false`, counts as integers.
//! Produces a [`Baseline`] whose window runs from the first to the last day present, exactly what
//! `profile --save` would have written for the same events. The first malformed row is reported
//! with its line number; nothing is guessed. The parser is small and hand-written: it reports the
//! line a record starts on and refuses text after a closing quote, which the `csv` crate (used
//! for output) accepts.

use chrono::NaiveDate;

use super::aggregate::{Aggregates, InputStats, Row};
use super::file::{Baseline, COLUMNS};
use crate::event::Origin;
use crate::window::Window;

/// Why a CSV file is not a baseline result. `line` is 1-based, where the record starts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct CsvError {
    pub line: usize,
    pub reason: String,
}

fn check_header(header: &[String]) -> Result<(), CsvError> {
    if header
        .iter()
        .map(String::as_str)
        .ne(COLUMNS.iter().copied())
    {
        return Err(CsvError {
            line: 1,
            reason: format!(
                "header {header:?}, expected {COLUMNS:?} (the columns of `trailtune athena baseline-sql`)"
            ),
        });
    }
    Ok(())
}

/// The start of a file (its first [`crate::atomic::SNIFF_BYTES`]): its first line must be the
/// header, so `/dev/zero` or another CSV is refused before the rest is read.
pub fn check_start(start: &[u8]) -> Result<(), String> {
    let start = start.strip_prefix(b"\xef\xbb\xbf").unwrap_or(start);
    let Some(end) = start.iter().position(|&b| b == b'\n') else {
        // The whole file is shorter than the sniff: the full parse says what is wrong.
        if start.len() < crate::atomic::SNIFF_BYTES {
            return Ok(());
        }
        return Err(CsvError {
            line: 1,
            reason: format!(
                "no header line in the first {} bytes",
                crate::atomic::SNIFF_BYTES
            ),
        }
        .to_string());
    };
    let line = std::str::from_utf8(&start[..end]).map_err(|_| {
        CsvError {
            line: 1,
            reason: "the header line is not UTF-8 text".into(),
        }
        .to_string()
    })?;
    match Records::new(line.trim_end_matches('\r')).next() {
        Some(Ok((_, header))) => check_header(&header).map_err(|e| e.to_string()),
        Some(Err(e)) => Err(e.to_string()),
        None => Err(CsvError {
            line: 1,
            reason: "empty header line".into(),
        }
        .to_string()),
    }
}

/// Parse the CSV result of the Athena baseline query.
pub fn from_athena_csv(text: &str) -> Result<Baseline, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Records::new(text);
    let header = match records.next() {
        Some(Ok((_, fields))) => fields,
        Some(Err(e)) => return Err(e),
        None => {
            return Err(CsvError {
                line: 1,
                reason: "empty file: expected a header row".into(),
            });
        }
    };
    check_header(&header)?;
    let mut aggregates = Aggregates::default();
    let mut seen: std::collections::HashMap<super::aggregate::Key, usize> =
        std::collections::HashMap::new();
    let earliest = super::aggregate::earliest_plausible_day();
    let latest = super::aggregate::latest_plausible_day();
    let mut total = 0u64;
    for record in records {
        let (line, fields) = record?;
        if fields.len() == 1 && fields[0].is_empty() {
            continue; // blank line
        }
        let row = parse_row(&fields).map_err(|reason| CsvError { line, reason })?;
        total = super::aggregate::checked_total(total, row.events).ok_or_else(|| CsvError {
            line,
            reason: format!(
                "the count passes {} events: a forged or corrupt result; refusing the file",
                super::aggregate::MAX_TOTAL_EVENTS
            ),
        })?;
        if row.day > latest {
            return Err(CsvError {
                line,
                reason: format!(
                    "dated {} in the future (a bad clock or an edited result); refusing the file so it cannot move the window",
                    row.day
                ),
            });
        }
        if row.day < earliest {
            return Err(CsvError {
                line,
                reason: format!(
                    "dated {}, before {earliest} (AWS did not exist yet): a forged or corrupt result; refusing the file",
                    row.day
                ),
            });
        }
        let key = aggregates.add(&row);
        if let Some(first) = seen.insert(key, line) {
            return Err(CsvError {
                line,
                reason: format!(
                    "repeats the key of line {first} (the query groups by every column, so each key \
                     comes once; region codes compare lower-cased); refusing the file rather than adding them"
                ),
            });
        }
    }
    let Some((since, until)) = aggregates.days() else {
        return Err(CsvError {
            line: 2,
            reason: "no rows: the query found no events in its window".into(),
        });
    };
    let input = InputStats {
        events: aggregates.total_events(),
        ..InputStats::default()
    };
    let mut baseline = Baseline::new(Window { since, until }, input, aggregates);
    baseline.created_by = format!(
        "trailtune {} (from an Athena CSV result)",
        env!("CARGO_PKG_VERSION")
    );
    Ok(baseline)
}

fn parse_row(fields: &[String]) -> Result<Row<'_>, String> {
    if fields.len() != COLUMNS.len() {
        return Err(format!(
            "{} fields, expected {}",
            fields.len(),
            COLUMNS.len()
        ));
    }
    let text = |i: usize| -> Result<&str, String> {
        let v = fields[i].as_str();
        if v.is_empty() {
            Err(format!("{} is empty", COLUMNS[i]))
        } else {
            Ok(v)
        }
    };
    let boolean = |i: usize| -> Result<bool, String> {
        match fields[i].as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(format!("{} {other:?} is not true or false", COLUMNS[i])),
        }
    };
    Ok(Row {
        day: text(0)?
            .parse::<NaiveDate>()
            .map_err(|_| format!("day {:?} is not YYYY-MM-DD", fields[0]))?,
        account: text(1)?,
        region: text(2)?,
        event_source: text(3)?,
        identity_type: text(4)?,
        principal: text(5)?,
        origin: Origin::parse(text(6)?).ok_or_else(|| {
            format!(
                "origin {:?} is not one of {:?}",
                fields[6],
                Origin::ALL.map(Origin::as_str)
            )
        })?,
        failed: boolean(7)?,
        read_only: boolean(8)?,
        events: text(9)?
            .parse::<u64>()
            .map_err(|_| format!("events {:?} is not a count", fields[9]))?,
    })
}

/// RFC 4180 records: (line where the record starts, fields).
struct Records<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
}

impl<'a> Records<'a> {
    fn new(text: &'a str) -> Records<'a> {
        Records {
            chars: text.chars().peekable(),
            line: 1,
        }
    }
}

impl Iterator for Records<'_> {
    type Item = Result<(usize, Vec<String>), CsvError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.chars.peek()?;
        let start = self.line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted = false; // inside quotes
        let mut was_quoted = false; // this field was quoted (text after the closing quote is an error)
        loop {
            let Some(c) = self.chars.next() else {
                if quoted {
                    return Some(Err(CsvError {
                        line: start,
                        reason: "a quoted field is not closed before the end of the file".into(),
                    }));
                }
                fields.push(field);
                return Some(Ok((start, fields)));
            };
            if quoted {
                match c {
                    '"' if self.chars.peek() == Some(&'"') => {
                        self.chars.next();
                        field.push('"');
                    }
                    '"' => quoted = false,
                    '\n' => {
                        self.line += 1;
                        field.push(c);
                    }
                    c => field.push(c),
                }
                continue;
            }
            match c {
                ',' => {
                    fields.push(std::mem::take(&mut field));
                    was_quoted = false;
                }
                '\r' if self.chars.peek() == Some(&'\n') => {}
                '\n' => {
                    self.line += 1;
                    fields.push(field);
                    return Some(Ok((start, fields)));
                }
                '"' if field.is_empty() && !was_quoted => {
                    quoted = true;
                    was_quoted = true;
                }
                c if was_quoted => {
                    return Some(Err(CsvError {
                        line: self.line,
                        reason: format!(
                            "{c:?} after a closing quote (a quote inside a quoted field is written \"\")"
                        ),
                    }));
                }
                '"' => {
                    return Some(Err(CsvError {
                        line: self.line,
                        reason: "a quote inside an unquoted field".into(),
                    }));
                }
                c => field.push(c),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_absurd_dates_and_repeated_keys() {
        let head = COLUMNS.join(",");
        let row =
            |day: &str, region: &str| format!("{day},1,{region},s3,Root,p,direct,false,false,5\n");
        let ancient = format!("{head}\n{}", row("0001-01-01", "eu-west-1"));
        let err = from_athena_csv(&ancient).unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.reason.contains("before 2006-01-01"), "{err}");
        let twice = format!(
            "{head}\n{}{}",
            row("2025-01-01", "eu-west-1"),
            row("2025-01-01", "EU-west-1")
        );
        let err = from_athena_csv(&twice).unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.reason.contains("repeats the key of line 2"), "{err}");
    }

    const HEADER: &str = "\"day\",\"account\",\"region\",\"event_source\",\"identity_type\",\"principal\",\"origin\",\"failed\",\"read_only\",\"events\"";

    #[test]
    fn reads_athena_quoting_crlf_and_escapes() {
        let text = format!(
            "{HEADER}\r\n\
             \"2025-03-01\",\"111122223333\",\"eu-west-1\",\"s3.amazonaws.com\",\"AssumedRole\",\"arn:aws:iam::1:role/\"\"odd\"\", role\",\"direct\",\"false\",\"true\",\"12\"\r\n\
             \"2025-03-04\",\"111122223333\",\"ap-east-1\",\"ec2.amazonaws.com\",\"IAMUser\",\"line\nbreak\",\"aws_internal\",\"true\",\"false\",\"3\"\r\n"
        );
        let b = from_athena_csv(&text).unwrap();
        let rows = b.aggregates.rows();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].principal, "arn:aws:iam::1:role/\"odd\", role");
        assert!(!rows[0].failed && rows[0].read_only && rows[0].events == 12);
        assert_eq!(rows[1].principal, "line\nbreak");
        assert_eq!(rows[1].origin, Origin::AwsInternal);
        assert_eq!(b.window.since.to_string(), "2025-03-01");
        assert_eq!(b.window.until.to_string(), "2025-03-04");
        assert_eq!(b.window.days(), 4);
        assert_eq!(b.input.events, 15);
    }

    /// A quoted row from ten values.
    fn row(values: [&str; 10]) -> String {
        values
            .iter()
            .map(|v| format!("\"{}\"", v.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(",")
    }

    const GOOD: [&str; 10] = [
        "2025-03-01",
        "1",
        "eu-west-1",
        "s3",
        "Root",
        "p",
        "direct",
        "false",
        "false",
        "1",
    ];

    fn with(i: usize, v: &str) -> String {
        let mut values = GOOD;
        values[i] = v;
        row(values)
    }

    #[test]
    fn first_malformed_row_is_reported_with_its_line() {
        let good = row(GOOD);
        let cases = [
            (
                format!("{HEADER}\n{good}\n\"2025-03-02\",\"1\"\n"),
                3,
                "2 fields",
            ),
            (
                // The embedded line break counts: the bad row starts on line 5.
                format!(
                    "{HEADER}\n{}\n{good}\n{}\n",
                    with(5, "p\nq"),
                    with(6, "sideways")
                ),
                5,
                "origin \"sideways\"",
            ),
            (format!("{HEADER}\n{}\n", with(9, "x1")), 2, "events \"x1\""),
            (
                format!("{HEADER}\n{}\n", with(8, "no")),
                2,
                "read_only \"no\"",
            ),
            (format!("{HEADER}\n{}\n", with(0, "03/01/2025")), 2, "day"),
            (format!("{HEADER}\n{}\n", with(2, "")), 2, "region is empty"),
            (
                format!("{HEADER}\n{}", good.replace("\"eu-west-1\"", "\"eu\"x")),
                2,
                "after a closing quote",
            ),
            (format!("{HEADER}\n\"2025-03-01"), 2, "not closed"),
            ("\"day\",\"region\"\n".to_string(), 1, "header"),
            (format!("{HEADER}\n"), 2, "no rows"),
        ];
        for (text, line, needle) in cases {
            let err = from_athena_csv(&text).unwrap_err();
            assert_eq!(err.line, line, "{err} for {text:?}");
            assert!(err.to_string().contains(needle), "{err} lacks {needle}");
        }
    }

    #[test]
    fn unquoted_fields_and_bom_are_read_too() {
        let text = format!(
            "\u{feff}{}\n2025-01-01,1,eu-west-1,s3,Root,p,direct,false,false,5\n\n",
            HEADER.replace('"', "")
        );
        let b = from_athena_csv(&text).unwrap();
        assert_eq!(b.aggregates.total_events(), 5);
    }
}
