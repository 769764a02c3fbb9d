//! One-line status notes on stderr (`trailtune: ...`): what was saved where, whether a state
//! changed. Kept here so that commands never write to a stream themselves.

use std::io::{self, Write};
use std::path::Path;

use crate::baseline::Baseline;

pub fn baseline_saved(out: &mut dyn Write, path: &Path, baseline: &Baseline) -> io::Result<()> {
    writeln!(
        out,
        "trailtune: baseline saved to {} ({} rows)",
        path.display(),
        baseline.aggregates.counts.len()
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
            path.display()
        )
    } else if changed {
        writeln!(
            out,
            "trailtune: state saved to {} ({} .. {})",
            path.display(),
            state.window.since,
            state.window.until
        )
    } else {
        writeln!(out, "trailtune: state unchanged ({})", path.display())
    }
}
