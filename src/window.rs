//! The time window, one definition for every stage: an inclusive range of UTC days, how it is
//! resolved from `--since/--until/--days` (a [`WindowSpec`]), and "the `n` days ending on a day".
//! A leaf module: it knows dates, nothing of logs, policies or the command line.

use chrono::{Days, NaiveDate};

/// Default window length, as in the seed rule's Step 1 ("90 days").
pub const DEFAULT_DAYS: u32 = 90;

/// The longest window accepted (`--days`, `--forget-after`): a hundred years.
pub const MAX_DAYS: u32 = 36_500;

/// An inclusive range of UTC days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Window {
    pub since: NaiveDate,
    pub until: NaiveDate,
}

impl Window {
    /// The `days` days ending on `until` (inclusive; `days` of 0 counts as 1). Saturates at the
    /// earliest representable date.
    pub fn ending(until: NaiveDate, days: u32) -> Window {
        Window {
            since: first_day(until, days),
            until,
        }
    }

    /// Number of days in the window.
    pub fn days(&self) -> i64 {
        (self.until - self.since).num_days() + 1
    }

    /// Whether `day` lies inside the window.
    pub fn contains(&self, day: NaiveDate) -> bool {
        day >= self.since && day <= self.until
    }
}

/// The first day of the `days` days ending on `until`.
pub fn first_day(until: NaiveDate, days: u32) -> NaiveDate {
    until
        .checked_sub_days(Days::new(u64::from(days.max(1)) - 1))
        .unwrap_or(NaiveDate::MIN)
}

/// A window as the user asked for it, before the data is known: explicit dates win; a missing
/// `until` is filled in by the caller (the newest event for profiling, today for detection).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WindowSpec {
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub days: Option<u32>,
}

impl WindowSpec {
    /// No bound given at all.
    pub fn is_unbounded(&self) -> bool {
        self.since.is_none() && self.until.is_none() && self.days.is_none()
    }

    /// Resolve against `default_until` (used when `until` was not given): the default length is
    /// [`DEFAULT_DAYS`]. `None` when there is no `until` at all.
    pub fn resolve(&self, default_until: Option<NaiveDate>) -> Option<Window> {
        let until = self.until.or(default_until)?;
        let since = self
            .since
            .unwrap_or_else(|| first_day(until, self.days.unwrap_or(DEFAULT_DAYS)));
        Some(Window { since, until })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn resolution() {
        let spec = WindowSpec::default();
        let w = spec.resolve(Some(d("2025-03-31"))).unwrap();
        assert_eq!(
            (w.since, w.until, w.days()),
            (d("2025-01-01"), d("2025-03-31"), 90)
        );
        let spec = WindowSpec {
            until: Some(d("2025-01-10")),
            days: Some(10),
            ..WindowSpec::default()
        };
        assert_eq!(
            spec.resolve(Some(d("2025-03-31"))).unwrap().since,
            d("2025-01-01")
        );
        let spec = WindowSpec {
            since: Some(d("2024-12-01")),
            days: Some(10),
            ..WindowSpec::default()
        };
        assert_eq!(
            spec.resolve(Some(d("2025-01-10"))).unwrap().since,
            d("2024-12-01")
        );
        assert!(WindowSpec::default().resolve(None).is_none());
    }

    #[test]
    fn ending_counts_inclusively_and_saturates() {
        let w = Window::ending(d("2025-03-31"), 14);
        assert_eq!((w.since, w.days()), (d("2025-03-18"), 14));
        assert_eq!(Window::ending(d("2025-03-31"), 0).days(), 1);
        assert_eq!(first_day(NaiveDate::MIN, 5), NaiveDate::MIN);
        assert!(w.contains(d("2025-03-18")) && !w.contains(d("2025-03-17")));
    }
}
