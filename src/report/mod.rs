//! Stage 8: all output. Consumes results (profiles, problems, decisions, hits); produces tables
//! (comfy-table), JSON, NDJSON and CSV on any `impl Write`. It decides nothing and never calls
//! `println!`: commands hand it stdout or stderr.

pub mod backtest;
pub mod demo;
pub mod detect;
pub mod drift;
pub mod notes;
pub mod policy;
pub mod problems;
pub mod profile;
pub mod progress;
pub mod run;
pub mod table;
pub mod tune;

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

/// Format a count with thousands separators (`12,345`).
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A CSV writer on `out`: a field is quoted only when it must be (it holds a comma, a quote or a
/// line break; quotes inside are doubled, RFC 4180); records end with `\n`. Every CSV report
/// writes through this, then calls `flush`.
pub fn csv_writer(out: &mut dyn Write) -> csv::Writer<&mut dyn Write> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1000), "1,000");
        assert_eq!(super::thousands(1234567), "1,234,567");
    }

    #[test]
    fn csv_quoting() {
        let mut buf = Vec::new();
        let mut w = super::csv_writer(&mut buf);
        w.write_record(["a", "a,b", "say \"hi\"", "two\nlines", "cr\r", ""])
            .unwrap();
        w.flush().unwrap();
        drop(w);
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "a,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\",\n"
        );
    }
}
