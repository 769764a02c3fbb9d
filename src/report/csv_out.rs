//! CSV for spreadsheets: every CSV report writes through [`CsvWriter`], which quotes a field only
//! when it must (a comma, a quote or a line break; quotes inside doubled, RFC 4180), ends records
//! with `\n`, and keeps a cell that came from the input from being read as a formula.
//!
//! A spreadsheet evaluates a cell that starts with `=`, `+`, `-` or `@` (and, in some, a TAB or
//! CR before one of them); a `userAgent` or region like `=HYPERLINK(...)` would run when an
//! analyst opens the export. Following OWASP's advice on CSV injection, such a cell is written
//! with a single quote in front (`'=HYPERLINK(...)`), which spreadsheets show as text. Only text
//! from the input (logs, rules, baselines: [`Cell::Input`]) is guarded; the numbers and words
//! trailtune writes itself ([`Cell::Ours`]) are left alone, so a count stays a number. `--csv-raw`
//! turns the guard off for tools that want the exact values (JSON and NDJSON are always exact).

use std::borrow::Cow;
use std::io::{self, Write};

/// The first characters that make a spreadsheet read a cell as a formula.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// One CSV field and where its text comes from.
#[derive(Debug, Clone)]
pub enum Cell<'a> {
    /// Text from the logs, a rule or a baseline: guarded against formulas.
    Input(&'a str),
    /// A number, date or word of trailtune's own: written as it is.
    Ours(Cow<'a, str>),
}

impl<'a> Cell<'a> {
    /// A value of our own making (a count, a percentage, a date, a class).
    pub fn ours(value: impl Into<Cow<'a, str>>) -> Cell<'a> {
        Cell::Ours(value.into())
    }
}

/// `s` with a `'` in front when a spreadsheet would read it as a formula.
pub fn neutralise(s: &str) -> Cow<'_, str> {
    if s.starts_with(FORMULA_START) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// A CSV writer on `out` (see the module documentation). Call [`CsvWriter::flush`] at the end.
pub struct CsvWriter<'w> {
    inner: csv::Writer<&'w mut dyn Write>,
    raw: bool,
}

impl<'w> CsvWriter<'w> {
    /// A writer on `out`; `raw` writes input cells as they are (`--csv-raw`).
    pub fn new(out: &'w mut dyn Write, raw: bool) -> CsvWriter<'w> {
        CsvWriter {
            inner: csv::WriterBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(out),
            raw,
        }
    }

    /// The header row (our column names).
    pub fn header<I, S>(&mut self, names: I) -> io::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        self.inner.write_record(names).map_err(io_error)
    }

    /// One record.
    pub fn row<'c>(&mut self, cells: impl IntoIterator<Item = Cell<'c>>) -> io::Result<()> {
        let raw = self.raw;
        let fields = cells.into_iter().map(|cell| match cell {
            Cell::Input(s) if !raw => neutralise(s),
            Cell::Input(s) => Cow::Borrowed(s),
            Cell::Ours(s) => s,
        });
        for field in fields {
            self.inner.write_field(field.as_bytes()).map_err(io_error)?;
        }
        self.inner.write_record(None::<&[u8]>).map_err(io_error)
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The writer's error as it came from the output (a closed pipe stays a `BrokenPipe`, which
/// ends a run quietly), or wrapped when the CSV writer itself failed.
fn io_error(err: csv::Error) -> io::Error {
    if !matches!(err.kind(), csv::ErrorKind::Io(_)) {
        return io::Error::other(err);
    }
    match err.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => io::Error::other(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(raw: bool, cells: Vec<Cell<'_>>) -> String {
        let mut buf = Vec::new();
        let mut w = CsvWriter::new(&mut buf, raw);
        let header: Vec<&str> = ["a", "b", "c", "d", "e", "f"][..cells.len()].to_vec();
        w.header(header).unwrap();
        w.row(cells).unwrap();
        w.flush().unwrap();
        drop(w);
        String::from_utf8(buf).unwrap()
    }

    /// Stands for a pipe whose reader is gone (`trailtune ... --format csv | head -1`).
    struct ClosedPipe;
    impl Write for ClosedPipe {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
    }

    #[test]
    fn a_closed_pipe_stays_a_broken_pipe() {
        let mut pipe = ClosedPipe;
        let mut w = CsvWriter::new(&mut pipe, false);
        // Rows beyond the writer's buffer reach the pipe.
        let long = "x".repeat(100_000);
        let err = w.row([Cell::ours(long.as_str())]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
        let err = anyhow::Error::from(err);
        assert!(crate::exit::is_broken_pipe(&err));
    }

    #[test]
    fn quoting() {
        let cells = ["a", "a,b", "say \"hi\"", "two\nlines", "cr\r", ""]
            .into_iter()
            .map(Cell::Input)
            .collect();
        assert_eq!(
            write(false, cells),
            "a,b,c,d,e,f\na,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\",\n"
        );
    }

    #[test]
    fn formula_prefixes_from_the_input_are_neutralised() {
        for (cell, shown) in [
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "\"'\r=1\""),
            ("us-east-1", "us-east-1"),
            ("a=b", "a=b"),
            ("'=x", "'=x"),
        ] {
            assert_eq!(
                write(false, vec![Cell::Input(cell), Cell::ours("-1")]),
                format!("a,b\n{shown},-1\n"),
                "{cell:?}"
            );
        }
    }

    #[test]
    fn raw_keeps_input_as_it_is() {
        assert_eq!(
            write(true, vec![Cell::Input("=1+1"), Cell::Input("@x")]),
            "a,b\n=1+1,@x\n"
        );
    }
}
