//! Stage 3: learn what "normal" looks like. Consumes sources (via `input` and `event`); produces
//! [`Aggregates`] (counts per day/account/region/service/identity/principal/origin/outcome), the
//! polars frame and profile computed from them, and the baseline file that tuning and
//! re-baselining read instead of the logs. It never holds events: each file is folded on its own
//! and only counts survive.

pub mod aggregate;
pub mod csv;
pub mod file;
pub mod frame;

use chrono::{Days, NaiveDate};

pub use aggregate::{Aggregates, Folded, InputStats, ProblemLog, Progress, fold_all};
pub use csv::{CsvError, from_athena_csv};
pub use file::{Baseline, BaselineError, Review};
pub use frame::{ProfileRow, cols, frame, profile};

/// Default window length, as in the seed rule's Step 1 ("90 days").
pub const DEFAULT_DAYS: u32 = 90;

/// An inclusive range of UTC days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Window {
    pub since: NaiveDate,
    pub until: NaiveDate,
}

impl Window {
    /// Resolve `--since/--until/--days`: explicit dates win; the default `until` is the newest
    /// event day (so archived logs work), the default length [`DEFAULT_DAYS`].
    pub fn resolve(
        since: Option<NaiveDate>,
        until: Option<NaiveDate>,
        days: Option<u32>,
        newest: Option<NaiveDate>,
    ) -> Option<Window> {
        let until = until.or(newest)?;
        let since = since.unwrap_or_else(|| {
            let days = days.unwrap_or(DEFAULT_DAYS).max(1);
            until
                .checked_sub_days(Days::new(u64::from(days) - 1))
                .unwrap_or(NaiveDate::MIN)
        });
        Some(Window { since, until })
    }

    /// Number of days in the window.
    pub fn days(&self) -> i64 {
        (self.until - self.since).num_days() + 1
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        day >= self.since && day <= self.until
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_resolution() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let w = Window::resolve(None, None, None, Some(d("2025-03-31"))).unwrap();
        assert_eq!(
            (w.since, w.until, w.days()),
            (d("2025-01-01"), d("2025-03-31"), 90)
        );
        let w =
            Window::resolve(None, Some(d("2025-01-10")), Some(10), Some(d("2025-03-31"))).unwrap();
        assert_eq!(w.since, d("2025-01-01"));
        let w =
            Window::resolve(Some(d("2024-12-01")), None, Some(10), Some(d("2025-01-10"))).unwrap();
        assert_eq!(w.since, d("2024-12-01"));
        assert!(Window::resolve(None, None, None, None).is_none());
    }
}
