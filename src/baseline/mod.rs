//! Stage 3: learn what "normal" looks like. Consumes sources (via `input` and `event`); produces
//! [`Aggregates`] (counts per day/account/region/service/identity/principal/origin/outcome), the
//! polars frame and profile computed from them, and the baseline file that tuning and
//! re-baselining read instead of the logs. It never holds events: each file is folded on its own
//! and only counts survive.

pub(crate) mod aggregate;
pub(crate) mod csv;
pub(crate) mod dedup;
pub(crate) mod file;
pub(crate) mod frame;
pub(crate) mod learn;
pub(crate) mod state;

pub(crate) use aggregate::fold_all;
pub use aggregate::{Aggregates, InputStats};
pub(crate) use csv::{CsvError, from_athena_csv};
pub use file::{Baseline, BaselineError, Review};
pub(crate) use frame::{Heatmap, ProfileRow, caller_frame, cols, frame, profile, review};
pub(crate) use learn::{BaselineSource, LearnError, Learned, from_logs, learn};
