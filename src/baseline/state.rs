//! Re-baselining's state update: merge newly learned counts into a saved baseline (the state),
//! forget what has left the window, and record fresh review decisions. New counts replace the
//! state's for each (day, account, region) they cover, so reading the same logs twice changes
//! nothing the second time. Pure: the caller loads and saves the files.

use std::collections::BTreeSet;

use super::aggregate::PartialSlice;
use super::{Baseline, InputStats};
use crate::window::Window;

/// Why the state could not be updated.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("the state does not exist yet: give the logs to build it from (PATH...)")]
    NoState,
    #[error("the state holds no events")]
    NoEvents,
    #[error(
        "the new logs reach {newest}, so far past the state's last day {state_until} that every day of the state \
         would be forgotten: a clock far ahead or a forged record? Refusing to replace the state (start a new one \
         with another --state if this is right)"
    )]
    WouldForgetAll {
        newest: chrono::NaiveDate,
        state_until: chrono::NaiveDate,
    },
}

/// How to merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MergeOptions {
    /// Days kept, counted back from the newest day.
    pub keep_days: u32,
    /// Newer logs replace a day even when they hold fewer of its events than the state.
    pub replace_partial_days: bool,
}

/// The state after merging `newer` into `old` (either may be absent, not both), keeping the
/// `keep_days` days that end on the newest day, with the review decisions given now recorded;
/// and the days the newer logs covered only in part.
pub fn merge(
    old: Option<&Baseline>,
    newer: Option<&Baseline>,
    opts: MergeOptions,
    approve: &BTreeSet<String>,
    reject: &BTreeSet<String>,
) -> Result<(Baseline, Vec<PartialSlice>), StateError> {
    let mut partial = Vec::new();
    let mut merged = match (old, newer) {
        (None, None) => return Err(StateError::NoState),
        (Some(o), Some(n)) => {
            let mut merged = o.clone();
            partial = merged
                .aggregates
                .replace_slices(&n.aggregates, opts.replace_partial_days)
                .partial;
            merged
        }
        (Some(o), None) => o.clone(),
        (None, Some(n)) => n.clone(),
    };
    let Some((_, newest)) = merged.aggregates.days() else {
        return Err(StateError::NoEvents);
    };
    merged.window = Window::ending(newest, opts.keep_days);
    if let Some(o) = old
        && let Some((_, state_until)) = o.aggregates.days()
        && merged.window.since > state_until
    {
        return Err(StateError::WouldForgetAll {
            newest,
            state_until,
        });
    }
    merged
        .aggregates
        .retain_window(merged.window.since, merged.window.until);
    if let Some(n) = newer {
        merged.input = InputStats {
            events: merged.aggregates.total_events(),
            outside_window: 0,
            ..n.input
        };
    }
    // Review decisions persist; a fresh one overrides an older opposite one.
    merged.review.record(approve, reject);
    Ok((merged, partial))
}
