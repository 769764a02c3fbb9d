//! Stage 3: learn what "normal" looks like. Consumes sources (via `input` and `event`); produces
//! [`Aggregates`] (counts per day/account/region/service/identity/principal/origin/outcome), the
//! polars frame and profile computed from them, and the baseline file that tuning and
//! re-baselining read instead of the logs. It never holds events: each file is folded on its own
//! and only counts survive.

pub mod aggregate;
pub mod csv;
pub mod dedup;
pub mod file;
pub mod frame;
pub mod learn;
pub mod state;

pub use aggregate::{Aggregates, Folded, InputStats, fold_all};
pub use csv::{CsvError, from_athena_csv};
pub use file::{Baseline, BaselineError, Review};
pub use frame::{ProfileRow, cols, frame, profile};
pub use learn::{BaselineSource, LearnError, Learned, learn};
