//! Stage 8: all output. Consumes results (profiles, problems, decisions, hits); produces tables
//! (comfy-table), JSON, NDJSON and CSV on any `impl Write`. It decides nothing and never calls
//! `println!`: commands hand it stdout or stderr. Values from the input reach a terminal only
//! through `text::escape` (tables, notes, problem lines) and a spreadsheet only through
//! `csv_out` (formula guard); JSON and NDJSON carry them exactly.

pub mod backtest;
pub mod csv_out;
pub mod demo;
pub mod detect;
pub mod drift;
pub mod html;
pub mod manual;
pub mod new_country;
pub mod notes;
pub mod policy;
pub mod problems;
pub mod profile;
pub mod progress;
pub mod run;
pub mod table;
pub mod text;
pub mod tune;

/// How a report is written: the format and, for CSV, whether cells from the input are guarded
/// against spreadsheet formulas (`csv_out`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Output {
    pub format: Format,
    /// Write CSV cells from the input as they are (`--csv-raw`): no `'` before a cell that starts
    /// with `=`, `+`, `-`, `@`, TAB or CR.
    pub csv_raw: bool,
}

impl From<Format> for Output {
    fn from(format: Format) -> Output {
        Output {
            format,
            csv_raw: false,
        }
    }
}

impl Output {
    /// A CSV writer on `out` with this output's guard.
    pub fn csv<'w>(&self, out: &'w mut dyn Write) -> CsvWriter<'w> {
        CsvWriter::new(out, self.csv_raw)
    }
}

/// The output formats every report supports (chosen with `--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// A table for people (comfy-table).
    #[default]
    Table,
    /// One JSON document.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// Comma-separated values with a header row.
    Csv,
}

use std::io::Write;

pub use csv_out::CsvWriter;

pub use crate::text::{count, thousands};
