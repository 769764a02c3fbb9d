//! What was skipped, for stderr: one line per problem (the first few of each kind), then a summary
//! by kind. The lines name the file, the record or line, and the reason.

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::baseline::{LearnError, Learned};
use crate::input::ProblemLog;
use crate::regions;
use crate::report::text::{self, Safe};
use crate::report::{count, thousands};

/// How many lines per kind are printed before only the count is.
const LINES_PER_KIND: usize = 10;

pub fn write(out: &mut dyn Write, log: &ProblemLog) -> io::Result<()> {
    if !log.ignored.is_empty() {
        let parts: Vec<String> = log
            .ignored
            .iter()
            .map(|(what, &n)| format!("{} {}", thousands(n as u64), what.label(n as u64)))
            .collect();
        writeln!(
            out,
            "trailtune: passed over (no API calls, or counted already): {}",
            parts.join(", ")
        )?;
    }
    if log.is_empty() {
        return Ok(());
    }
    let mut printed: BTreeMap<_, usize> = BTreeMap::new();
    for problem in &log.shown {
        let n = printed.entry(problem.kind).or_insert(0);
        *n += 1;
        if *n <= LINES_PER_KIND {
            // The file name and the detail quote the input: escaped, one line per problem.
            writeln!(out, "trailtune: skipped {}", Safe(&problem.to_string()))?;
        }
    }
    let parts: Vec<String> = log
        .counts
        .iter()
        .map(|(k, n)| format!("{}: {}", k.label(), thousands(*n as u64)))
        .collect();
    let hidden = log.total()
        - printed
            .values()
            .map(|&n| n.min(LINES_PER_KIND))
            .sum::<usize>();
    writeln!(
        out,
        "trailtune: skipped {} and {} ({}){}",
        count(log.files_skipped() as u64, "file", "files"),
        count(log.records_skipped() as u64, "record", "records"),
        parts.join(", "),
        if hidden > 0 {
            format!(" ({hidden} not listed)")
        } else {
            String::new()
        }
    )
}

/// What was skipped while learning a baseline, and a note on region codes the catalogue lacks.
pub fn learned(out: &mut dyn Write, learned: &Learned) -> io::Result<()> {
    write(out, &learned.problems)?;
    let unknown = learned.baseline.unknown_regions();
    if !unknown.is_empty() {
        writeln!(
            out,
            "trailtune: note: region codes not in the catalogue (botocore {}), kept and reported as UNKNOWN: {}",
            regions::catalogue().botocore_version,
            text::join(&unknown, ", ")
        )?;
    }
    Ok(())
}

/// Show on stderr what was skipped before learning failed, and hand the error on.
pub fn before_error(err: LearnError) -> LearnError {
    if let Some(problems) = err.problems() {
        // The error itself is what matters; a failed write of the details cannot add to it.
        let _ = write(&mut io::stderr().lock(), problems);
    }
    err
}
