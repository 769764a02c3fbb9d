//! The log of what was skipped while reading, and the progress hook: shared by every stage that
//! reads sources (`baseline`, `detect`). A flood of bad records cannot grow memory: the first
//! [`PROBLEMS_SHOWN`] problems are kept with their text, every one is counted by kind.

use std::collections::BTreeMap;

use super::{Ignored, Problem, ProblemKind};

/// How many problems are kept with their text; the rest are only counted.
pub const PROBLEMS_SHOWN: usize = 200;

/// Problems met while reading: the first [`PROBLEMS_SHOWN`] in full, all of them counted by kind.
#[derive(Debug, Default, Clone)]
pub struct ProblemLog {
    pub shown: Vec<Problem>,
    pub counts: BTreeMap<ProblemKind, usize>,
    /// What was passed over by design (digests, Insights, other services): not problems.
    pub ignored: BTreeMap<Ignored, usize>,
}

impl ProblemLog {
    pub fn push(&mut self, mut problem: Problem) {
        *self.counts.entry(problem.kind).or_insert(0) += 1;
        if self.shown.len() < PROBLEMS_SHOWN {
            // A detail may quote a value from the logs: its start is enough.
            if let std::borrow::Cow::Owned(short) =
                crate::text::clip(&problem.detail, 2 * crate::text::QUOTE_CHARS)
            {
                problem.detail = short;
            }
            self.shown.push(problem);
        }
    }

    /// Count input passed over by design.
    pub fn ignore(&mut self, what: Ignored, n: usize) {
        if n > 0 {
            *self.ignored.entry(what).or_insert(0) += n;
        }
    }

    pub fn merge(&mut self, other: ProblemLog) {
        for (what, n) in other.ignored {
            self.ignore(what, n);
        }
        for (kind, n) in other.counts {
            *self.counts.entry(kind).or_insert(0) += n;
        }
        let room = PROBLEMS_SHOWN.saturating_sub(self.shown.len());
        self.shown.extend(other.shown.into_iter().take(room));
    }

    pub fn files_skipped(&self) -> usize {
        self.counts
            .iter()
            .filter(|(k, _)| k.is_file_level())
            .map(|(_, n)| n)
            .sum()
    }

    pub fn records_skipped(&self) -> usize {
        self.counts
            .iter()
            .filter(|(k, _)| !k.is_file_level())
            .map(|(_, n)| n)
            .sum()
    }

    pub fn total(&self) -> usize {
        self.counts.values().sum()
    }

    /// No problem (input passed over by design does not count).
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }
}

/// Called after each file, for progress display.
pub trait Progress: Sync {
    /// Reading starts: `files` sources to go.
    fn begin(&self, _files: u64) {}
    fn file_done(&self, bytes: u64, records: usize);
    /// Reading is over.
    fn end(&self) {}
}

impl Progress for () {
    fn file_done(&self, _: u64, _: usize) {}
}
