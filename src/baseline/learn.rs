//! The learning job every command that needs a baseline shares: from logs (discover -> fold in
//! parallel -> resolve the window -> keep the window's counts), from a saved baseline file, or
//! from the CSV result of the Athena baseline query. Produces a [`Learned`]: the [`Baseline`] and
//! the log of what was skipped on the way. It prints nothing: a failure carries the problem log
//! so the caller can show what was skipped before the error.

use std::path::{Path, PathBuf};

use super::{Baseline, BaselineError, CsvError, from_athena_csv};
use crate::input::{self, DiscoverOptions, InputConfig, InputError, ProblemLog, Progress};
use crate::window::{DEFAULT_DAYS, Window, WindowSpec};

/// A baseline and what was skipped while learning it.
#[derive(Debug, Clone)]
pub struct Learned {
    pub baseline: Baseline,
    pub problems: ProblemLog,
}

/// Where a baseline comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaselineSource {
    /// A baseline file saved by `profile --save` or `rebaseline`.
    File(PathBuf),
    /// The CSV result of `trailtune athena baseline-sql`.
    AthenaCsv(PathBuf),
    /// Logs read now, over a window.
    Logs {
        input: InputConfig,
        window: WindowSpec,
    },
}

impl BaselineSource {
    /// Whether reading it may draw a progress bar (logs read with progress allowed).
    pub fn shows_progress(&self) -> bool {
        matches!(self, BaselineSource::Logs { input, .. } if input.progress)
    }
}

/// Why no baseline could be learned. Variants that read logs carry what was skipped.
#[derive(Debug, thiserror::Error)]
pub enum LearnError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("no usable CloudTrail events in the input ({files} files read)")]
    NoEvents { files: usize, problems: ProblemLog },
    #[error("no events in the window {} .. {} ({outside} events read outside it)", window.since, window.until)]
    EmptyWindow {
        window: Window,
        outside: u64,
        problems: ProblemLog,
    },
    #[error(transparent)]
    Baseline(#[from] BaselineError),
    #[error("{}: cannot read the Athena result: {source}", path.display())]
    ReadCsv {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not the CSV result of `trailtune athena baseline-sql`: {source}", path.display())]
    Csv { path: PathBuf, source: CsvError },
}

impl LearnError {
    /// What was skipped before the failure (empty when nothing was read).
    pub fn problems(&self) -> Option<&ProblemLog> {
        match self {
            LearnError::NoEvents { problems, .. } | LearnError::EmptyWindow { problems, .. } => {
                Some(problems)
            }
            _ => None,
        }
    }
}

/// Learn a baseline from `source`.
pub fn learn(source: &BaselineSource, progress: &dyn Progress) -> Result<Learned, LearnError> {
    match source {
        BaselineSource::File(path) => Ok(Learned {
            baseline: Baseline::load(path)?,
            problems: ProblemLog::default(),
        }),
        BaselineSource::AthenaCsv(path) => Ok(Learned {
            baseline: read_athena_csv(path)?,
            problems: ProblemLog::default(),
        }),
        BaselineSource::Logs { input, window } => from_logs(input, window, None, progress),
    }
}

fn read_athena_csv(path: &Path) -> Result<Baseline, LearnError> {
    let text = crate::atomic::read_checked(
        path,
        crate::atomic::BASELINE_READ_LIMIT,
        "an Athena baseline result ever holds",
        super::csv::check_start,
    )
    .map_err(|source| LearnError::ReadCsv {
        path: path.to_path_buf(),
        source,
    })?;
    from_athena_csv(&text).map_err(|mut source| {
        // A reason may quote a field: its start is enough.
        source.reason =
            crate::text::clip(&source.reason, 2 * crate::text::QUOTE_CHARS).into_owned();
        LearnError::Csv {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// Read the logs named by `input` and keep the counts of the window `spec` resolves to (its
/// `until` defaults to the newest event's day). With `geo`, the counts are also kept split by
/// the callers' country and network ([`super::Aggregates::callers`]).
pub fn from_logs(
    input: &InputConfig,
    spec: &WindowSpec,
    geo: Option<&crate::geo::Geo>,
    progress: &dyn Progress,
) -> Result<Learned, LearnError> {
    let (found, mut problems) = input::find(
        input,
        &DiscoverOptions {
            since: spec.since,
            until: spec.until,
            days: if spec.since.is_some() {
                None
            } else {
                Some(spec.days.unwrap_or(DEFAULT_DAYS))
            },
        },
    )?;
    progress.begin(found.sources.len() as u64);
    let folded = super::fold_all(&found.sources, input.strict, geo, progress);
    progress.end();
    let mut folded = folded.map_err(InputError::Strict)?;
    problems.merge(std::mem::take(&mut folded.problems));
    let mut stats = folded.stats;
    stats.pruned_files = found.pruned;
    stats.skipped_files = problems.files_skipped();
    stats.skipped_records = problems.records_skipped();
    let newest = folded.aggregates.days().map(|(_, max)| max);
    let Some(window) = spec.resolve(newest) else {
        return Err(LearnError::NoEvents {
            files: stats.files,
            problems,
        });
    };
    stats.outside_window = folded.aggregates.retain_window(window.since, window.until);
    stats.events = folded.aggregates.total_events();
    if stats.events == 0 {
        return Err(LearnError::EmptyWindow {
            window,
            outside: stats.outside_window,
            problems,
        });
    }
    Ok(Learned {
        baseline: Baseline::new(window, stats, folded.aggregates),
        problems,
    })
}
