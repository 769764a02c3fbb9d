//! The new-country report: one row (or object, or line) per principal and country new to it,
//! and the two windows compared.

use std::io::{self, Write};

use serde_json::json;

use crate::new_country::NewCountries;
use crate::report::csv_out::Cell as CsvCell;
use crate::report::table::{self, Tone};
use crate::report::text::{self, clip};
use crate::report::{Format, Output, count, thousands};

/// The longest value a table cell shows, in characters.
const CELL_CHARS: usize = 256;

pub fn write(out: &mut dyn Write, output: Output, r: &NewCountries) -> io::Result<()> {
    match output.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &json!(r))?;
            writeln!(out)
        }
        Format::Ndjson => {
            for f in &r.findings {
                serde_json::to_writer(&mut *out, f)?;
                writeln!(out)?;
            }
            Ok(())
        }
        Format::Csv => {
            let mut w = output.csv(out);
            w.header([
                "principal",
                "country",
                "first_seen",
                "last_seen",
                "events",
                "regions",
                "accounts",
                "known_countries",
            ])?;
            for f in &r.findings {
                let (first, last, events) = (
                    f.first_seen.to_string(),
                    f.last_seen.to_string(),
                    f.events.to_string(),
                );
                let (regions, accounts, known) = (
                    f.regions.join(" "),
                    f.accounts.join(" "),
                    f.known_countries.join(" "),
                );
                w.row([
                    CsvCell::Input(&f.principal),
                    CsvCell::Input(&f.country),
                    CsvCell::ours(first.as_str()),
                    CsvCell::ours(last.as_str()),
                    CsvCell::ours(events.as_str()),
                    CsvCell::Input(&regions),
                    CsvCell::Input(&accounts),
                    CsvCell::Input(&known),
                ])?;
            }
            w.flush()
        }
        Format::Table => write_table(out, r),
    }
}

fn write_table(out: &mut dyn Write, r: &NewCountries) -> io::Result<()> {
    writeln!(
        out,
        "Callers' countries {} .. {} against {} .. {}: {} compared, {} first seen in the hunt (no history)",
        r.hunt.since,
        r.hunt.until,
        r.baseline.since,
        r.baseline.until,
        count(r.principals_compared as u64, "principal", "principals"),
        count(r.new_principals as u64, "principal", "principals"),
    )?;
    if r.calls_without_country > 0 {
        writeln!(
            out,
            "{} by those principals had no country (private, AWS service, reserved or unknown addresses): not judged.",
            count(
                r.calls_without_country,
                "call in the hunt",
                "calls in the hunt"
            )
        )?;
    }
    if r.findings.is_empty() {
        return writeln!(out, "No principal called from a country new to it.");
    }
    let mut t = table::new(
        &[
            "Principal",
            "Country",
            "First seen",
            "Last seen",
            "Events",
            "Regions",
            "Accounts",
            "Countries before",
        ],
        &[4],
    );
    // One value a line: the line breaks are ours, the values escaped.
    let lines = |values: &[String]| {
        comfy_table::Cell::new(
            values
                .iter()
                .map(|v| text::escape(&clip(v, CELL_CHARS)).into_owned())
                .collect::<Vec<_>>()
                .join("\n"),
        )
    };
    for f in &r.findings {
        let cell = |s: &str| table::text(&clip(s, CELL_CHARS));
        t.add_row(vec![
            cell(&f.principal),
            table::toned(cell(&f.country), Tone::Bad),
            cell(&f.first_seen.to_string()),
            cell(&f.last_seen.to_string()),
            comfy_table::Cell::new(thousands(f.events)),
            lines(&f.regions),
            lines(&f.accounts),
            cell(&f.known_countries.join(" ")),
        ]);
    }
    let hidden = table::fit(&mut t, &[1, 2, 3, 4, 5, 6], &[7, 3, 6]);
    writeln!(out, "{t}")?;
    table::hidden_note(out, &hidden)?;
    writeln!(
        out,
        "{} new to {}.",
        count(r.findings.len() as u64, "country", "countries"),
        if r.findings.len() == 1 {
            "its principal"
        } else {
            "their principals"
        }
    )
}
