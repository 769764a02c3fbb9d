//! One-line status notes on stderr (`trailtune: ...`): what was saved where, whether a state
//! changed. Kept here so that commands never write to a stream themselves.

use std::io::{self, Write};

use crate::report::count;
use std::path::Path;

use crate::baseline::Baseline;
use crate::baseline::aggregate::PartialSlice;
use crate::report::text::Safe;

pub fn baseline_saved(out: &mut dyn Write, path: &Path, baseline: &Baseline) -> io::Result<()> {
    writeln!(
        out,
        "trailtune: baseline saved to {} ({} {})",
        Safe(&path.display().to_string()),
        baseline.aggregates.counts.len(),
        crate::text::plural(baseline.aggregates.counts.len() as u64, "row", "rows")
    )
}

/// What happened to a re-baselining state file.
pub fn state(
    out: &mut dyn Write,
    path: &Path,
    state: &Baseline,
    changed: bool,
    check: bool,
) -> io::Result<()> {
    if check {
        writeln!(
            out,
            "trailtune: --check: state not written ({})",
            Safe(&path.display().to_string())
        )
    } else if changed {
        writeln!(
            out,
            "trailtune: state saved to {} ({} .. {})",
            Safe(&path.display().to_string()),
            state.window.since,
            state.window.until
        )
    } else {
        writeln!(
            out,
            "trailtune: state unchanged ({})",
            Safe(&path.display().to_string())
        )
    }
}

/// How many partly read days to name before only counting them.
const PARTIAL_SHOWN: usize = 5;

/// Days the new logs covered only in part: the state's counts were kept.
pub fn partial_days(out: &mut dyn Write, partial: &[PartialSlice]) -> io::Result<()> {
    if partial.is_empty() {
        return Ok(());
    }
    let named: Vec<String> = partial
        .iter()
        .take(PARTIAL_SHOWN)
        .map(|p| {
            format!(
                "{} {} {} ({} in the new logs, {} in the state)",
                p.day,
                Safe(&p.account),
                Safe(&p.region),
                count(p.new, "event", "events"),
                p.state
            )
        })
        .collect();
    let more = partial.len().saturating_sub(PARTIAL_SHOWN);
    writeln!(
        out,
        "trailtune: warning: the new logs hold fewer events than the state for {} of an account and region, \
         read only in part?: {}{}; kept the state's counts (--replace-partial-days takes the new ones)",
        count(partial.len() as u64, "day", "days"),
        named.join("; "),
        if more > 0 {
            format!("; and {more} more")
        } else {
            String::new()
        }
    )
}

/// Where the review page went.
pub fn page_written(out: &mut dyn Write, path: &Path) -> io::Result<()> {
    writeln!(
        out,
        "trailtune: review page written to {}",
        Safe(&path.display().to_string())
    )
}
