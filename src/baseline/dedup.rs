//! CloudTrail delivers an event at least once: a rare duplicate delivery carries the same
//! `eventID` (and is the same event, so it has the same aggregate key). [`Dedup`] remembers the
//! eventIDs seen, as 64-bit hashes grouped by event day, so each event is counted once however
//! many files deliver it.
//!
//! Memory is bounded: at most [`MAX_REMEMBERED`] hashes (about 40 MB) are kept; past that, the
//! day group touched longest ago is forgotten. Files are read in path order (account, region,
//! day in the S3 layout), and duplicate deliveries land minutes apart in the same region's
//! folder, so the days being read are the ones remembered. A duplicate of an event from a day
//! forgotten long before would be counted twice; the bound is what makes a year of logs fit.
//! Which copy is dropped does not matter: both carry the same key, so counts are the same in
//! any order and on any number of threads.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::{Mutex, OnceLock};

use chrono::NaiveDate;

/// The most eventID hashes remembered at once.
pub const MAX_REMEMBERED: usize = 2_000_000;

/// The eventIDs seen so far, shared by the workers.
#[derive(Debug, Default)]
pub struct Dedup {
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    /// Per event day: when it was last touched, and the hashes.
    days: HashMap<NaiveDate, (u64, HashSet<u64, foldhash::fast::RandomState>)>,
    remembered: usize,
    clock: u64,
}

/// The hash an event is remembered by: its eventID with the fields a duplicate delivery repeats.
/// Seeded at random once per process (the same for every worker): the fields come from the
/// logs, and a fixed seed would let a crafted record collide with a real event on purpose and
/// have it dropped as its duplicate.
pub fn id_hash(identity: impl std::hash::Hash) -> u64 {
    static SEED: OnceLock<foldhash::quality::RandomState> = OnceLock::new();
    SEED.get_or_init(Default::default).hash_one(identity)
}

impl Dedup {
    /// For each `(day, hash)`, whether it was seen before (in this batch or earlier); the new
    /// ones are remembered.
    pub fn check(&self, batch: &[(NaiveDate, u64)]) -> Vec<bool> {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        batch
            .iter()
            .map(|&(day, hash)| !seen.insert(day, hash))
            .collect()
    }
}

impl Seen {
    /// Remember `hash` under `day`; false when it was already there.
    fn insert(&mut self, day: NaiveDate, hash: u64) -> bool {
        self.clock += 1;
        let clock = self.clock;
        let (touched, set) = self.days.entry(day).or_default();
        *touched = clock;
        if !set.insert(hash) {
            return false;
        }
        self.remembered += 1;
        while self.remembered > MAX_REMEMBERED && self.days.len() > 1 {
            self.forget_oldest(day);
        }
        true
    }

    /// Forget the day touched longest ago (never `keep`, the one being added to).
    fn forget_oldest(&mut self, keep: NaiveDate) {
        let Some(oldest) = self
            .days
            .iter()
            .filter(|(d, _)| **d != keep)
            .min_by_key(|(_, (touched, _))| *touched)
            .map(|(d, _)| *d)
        else {
            return;
        };
        if let Some((_, set)) = self.days.remove(&oldest) {
            self.remembered -= set.len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_id_is_new_once() {
        let d: NaiveDate = "2025-03-01".parse().unwrap();
        let dedup = Dedup::default();
        let a = id_hash("a");
        assert_eq!(
            dedup.check(&[(d, a), (d, id_hash("b")), (d, a)]),
            [false, false, true]
        );
        assert_eq!(dedup.check(&[(d, a)]), [true]);
        assert_ne!(id_hash(("a", "t")), id_hash(("a", "u")));
    }

    #[test]
    fn memory_is_bounded_by_forgetting_the_least_recent_day() {
        let mut seen = Seen::default();
        let day = |n: u64| NaiveDate::MIN + chrono::Days::new(n);
        for i in 0..(MAX_REMEMBERED as u64 + 10) {
            seen.insert(day(i / 1000), i);
        }
        assert!(seen.remembered <= MAX_REMEMBERED);
        assert!(
            !seen.days.contains_key(&day(0)),
            "the oldest day is forgotten"
        );
        assert!(
            seen.days
                .contains_key(&day((MAX_REMEMBERED as u64 + 9) / 1000))
        );
    }
}
