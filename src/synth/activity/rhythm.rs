//! The daily rhythm: how much ordinary work a day has, how it splits into sessions and when each
//! session runs.
//!
//! Consumes the weekday budget, the date and the account's cast and time zone; produces the
//! number of ordinary events of the day, bursty session sizes, the principal of each session and
//! its time window (office hours in the account's time zone for people, around the clock for
//! workloads), then hands each session to `sessions.rs` and the remainder to `background.rs`.
//! Must not build records itself.

use chrono::{Datelike, NaiveDate, Weekday};

use super::Day;
use crate::synth::model::Persona;
use crate::synth::rng::Rng;

/// How many ordinary events an account has on a day: the weekday budget +-10%, about half on
/// weekends.
pub(super) fn ordinary_budget(rng: &mut Rng, events_per_day: u32, date: NaiveDate) -> u32 {
    let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
    let factor = if weekend {
        0.45 + 0.1 * rng.unit()
    } else {
        0.9 + 0.2 * rng.unit()
    };
    (f64::from(events_per_day) * factor).round() as u32
}

impl Day<'_> {
    pub(super) fn ordinary(&mut self, n: u32) {
        let background = if n >= 20 { n * 3 / 100 } else { 0 };
        let in_sessions = n - background;
        if in_sessions > 0 {
            let k = ((f64::from(in_sessions).sqrt() * 0.8).ceil() as u32).max(1);
            for size in split(&mut self.rng, in_sessions, k) {
                let weights: Vec<u32> = self.account.principals.iter().map(|p| p.weight).collect();
                let mut who = self.rng.weighted(&weights);
                if self.account.principals[who].persona == Persona::Root && size > 6 {
                    who = 0;
                }
                self.session(who, size);
            }
        }
        for _ in 0..background {
            self.background();
        }
    }

    /// Start second and length (seconds) of a session of this persona.
    pub(super) fn session_window(&mut self, persona: Persona) -> (i64, i64) {
        let weekend = matches!(self.date.weekday(), Weekday::Sat | Weekday::Sun);
        let (lo, hi, len_lo, len_hi) = match persona {
            Persona::App => (0, 23, 60, 1200),
            Persona::Ci => (7, 21, 60, 480),
            Persona::LegacyCi => (6, 20, 60, 300),
            _ if weekend => (10, 16, 300, 1200),
            _ => (8, 18, 300, 1500),
        };
        let start = if persona == Persona::App {
            self.rng.below(86_400) as i64
        } else {
            let local = self.rng.range(lo, hi) as i64;
            (local - self.account.utc_offset).rem_euclid(24) * 3600 + self.rng.below(3600) as i64
        };
        (start, self.rng.range(len_lo, len_hi) as i64)
    }
}

/// Split `total` into `parts` positive sizes (when `total >= parts`) with uneven, bursty shares.
fn split(rng: &mut Rng, total: u32, parts: u32) -> Vec<u32> {
    let parts = parts.min(total).max(1);
    let weights: Vec<f64> = (0..parts)
        .map(|_| -(1.0 - rng.unit()).ln() + 0.05)
        .collect();
    let sum: f64 = weights.iter().sum();
    let spare = total - parts;
    let mut sizes: Vec<u32> = weights
        .iter()
        .map(|w| 1 + (f64::from(spare) * w / sum).floor() as u32)
        .collect();
    let mut assigned: u32 = sizes.iter().sum();
    let mut i = 0;
    while assigned < total {
        sizes[i % parts as usize] += 1;
        assigned += 1;
        i += 1;
    }
    sizes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_exact() {
        let mut rng = Rng::new(3);
        for (total, parts) in [(1, 1), (10, 3), (300, 14), (8000, 72), (5, 9)] {
            let sizes = split(&mut rng, total, parts);
            assert_eq!(sizes.iter().sum::<u32>(), total);
            assert!(sizes.iter().all(|&s| s >= 1));
        }
    }

    #[test]
    fn weekends_get_about_half() {
        let mut rng = Rng::new(1);
        let monday = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
        let sunday = NaiveDate::from_ymd_opt(2025, 6, 29).unwrap();
        for _ in 0..100 {
            let w = ordinary_budget(&mut rng, 1000, monday);
            let s = ordinary_budget(&mut rng, 1000, sunday);
            assert!((900..=1100).contains(&w));
            assert!((450..=550).contains(&s));
        }
    }
}
