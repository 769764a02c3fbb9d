//! Fold events into counts keyed by (day, account, region, event source, identity type,
//! principal, origin, failed, read-only). Each file is folded into its own partial [`Aggregates`] on a rayon
//! worker, partials are merged, and nothing but the counts is kept: memory grows with the number
//! of distinct keys, never with the number of events. Problems are logged with a cap per run so
//! that a flood of bad records cannot grow memory either.

use std::collections::HashMap;

use chrono::NaiveDate;
/// The interner's and the counts' hasher: foldhash, seeded at random per process (the strings
/// come from the logs, so a fixed seed would let crafted records collide on purpose); several
/// times faster than SipHash on these short keys.
type Fast = foldhash::fast::RandomState;

use super::dedup::{Dedup, id_hash};
use crate::event::{Event, Origin, UNKNOWN_ACCOUNT};
use crate::input::{self, Ignored, Problem, ProblemKind, ProblemLog, Progress, Source};

/// String interner: each distinct account, region, source, type or principal is stored once.
#[derive(Debug, Default, Clone)]
pub struct Interner {
    ids: HashMap<Box<str>, u32, Fast>,
    names: Vec<Box<str>>,
}

impl Interner {
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }

    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }
}

/// The aggregation key, with strings interned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub day: NaiveDate,
    pub account: u32,
    pub region: u32,
    pub event_source: u32,
    pub identity_type: u32,
    pub principal: u32,
    pub origin: Origin,
    pub failed: bool,
    pub read_only: bool,
}

/// One aggregate row with its strings resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row<'a> {
    pub day: NaiveDate,
    pub account: &'a str,
    pub region: &'a str,
    pub event_source: &'a str,
    pub identity_type: &'a str,
    pub principal: &'a str,
    pub origin: Origin,
    pub failed: bool,
    pub read_only: bool,
    pub events: u64,
}

/// A key with where its callers were (`--geoip`): the interned country and network labels.
pub type CallerKey = (Key, u32, u32);

/// Counts per key.
#[derive(Debug, Default, Clone)]
pub struct Aggregates {
    pub strings: Interner,
    pub counts: HashMap<Key, u64, Fast>,
    /// The same counts split by the callers' country and network, kept only when GeoIP
    /// databases were given (for `profile --by country|asn`; never saved in a baseline file).
    pub callers: HashMap<CallerKey, u64, Fast>,
}

impl Aggregates {
    /// Add `events` to the key made of these values; returns the key.
    /// Region codes are lower-cased (AWS writes them so; `US-WEST-2` from an edited log or
    /// result is the same region, and Sigma matches it case-insensitively).
    pub fn add(&mut self, row: &Row<'_>) -> Key {
        let key = self.key_of(row);
        *self.counts.entry(key).or_insert(0) += row.events;
        key
    }

    /// The key of these values, its strings interned.
    fn key_of(&mut self, row: &Row<'_>) -> Key {
        let region = if row.region.bytes().any(|b| b.is_ascii_uppercase()) {
            self.strings.intern(&row.region.to_ascii_lowercase())
        } else {
            self.strings.intern(row.region)
        };
        Key {
            day: row.day,
            account: self.strings.intern(row.account),
            region,
            event_source: self.strings.intern(row.event_source),
            identity_type: self.strings.intern(row.identity_type),
            principal: self.strings.intern(row.principal),
            origin: row.origin,
            failed: row.failed,
            read_only: row.read_only,
        }
    }

    /// Count `events` of `key` under the callers' country and network; returns that key.
    pub fn add_caller(&mut self, key: Key, country: &str, network: &str, events: u64) -> CallerKey {
        let caller = (
            key,
            self.strings.intern(country),
            self.strings.intern(network),
        );
        *self.callers.entry(caller).or_insert(0) += events;
        caller
    }

    /// Take one event back from a caller key (a duplicate delivery).
    fn remove_one_caller(&mut self, key: &CallerKey) {
        if let Some(n) = self.callers.get_mut(key) {
            *n -= 1;
            if *n == 0 {
                self.callers.remove(key);
            }
        }
    }

    /// Every caller row, its country and network resolved.
    pub fn caller_rows(&self) -> Vec<(Row<'_>, &str, &str)> {
        let mut rows: Vec<(Row<'_>, &str, &str)> = self
            .callers
            .iter()
            .map(|((k, c, n), &events)| {
                (
                    self.resolve(k, events),
                    self.strings.name(*c),
                    self.strings.name(*n),
                )
            })
            .collect();
        rows.sort_unstable_by(|a, b| {
            (
                a.0.day,
                a.0.account,
                a.0.region,
                a.0.principal,
                a.1,
                a.2,
                a.0.event_source,
            )
                .cmp(&(
                    b.0.day,
                    b.0.account,
                    b.0.region,
                    b.0.principal,
                    b.1,
                    b.2,
                    b.0.event_source,
                ))
                .then(a.0.events.cmp(&b.0.events))
        });
        rows
    }

    /// Take one event back from `key` (a duplicate delivery).
    fn remove_one(&mut self, key: &Key) {
        if let Some(n) = self.counts.get_mut(key) {
            *n -= 1;
            if *n == 0 {
                self.counts.remove(key);
            }
        }
    }

    /// Fold another aggregate into this one.
    pub fn merge(&mut self, other: &Aggregates) {
        for (key, &events) in &other.counts {
            self.add(&other.resolve(key, events));
        }
        for ((key, country, network), &events) in &other.callers {
            let key = self.key_of(&other.resolve(key, events));
            self.add_caller(
                key,
                other.strings.name(*country),
                other.strings.name(*network),
                events,
            );
        }
    }

    fn resolve(&self, key: &Key, events: u64) -> Row<'_> {
        Row {
            day: key.day,
            account: self.strings.name(key.account),
            region: self.strings.name(key.region),
            event_source: self.strings.name(key.event_source),
            identity_type: self.strings.name(key.identity_type),
            principal: self.strings.name(key.principal),
            origin: key.origin,
            failed: key.failed,
            read_only: key.read_only,
            events,
        }
    }

    /// Every row, in a deterministic order (by day, then the key's strings).
    pub fn rows(&self) -> Vec<Row<'_>> {
        let mut rows: Vec<Row<'_>> = self
            .counts
            .iter()
            .map(|(k, &n)| self.resolve(k, n))
            .collect();
        rows.sort_unstable_by(|a, b| {
            (
                a.day,
                a.account,
                a.region,
                a.event_source,
                a.identity_type,
                a.principal,
                a.origin,
                a.failed,
                a.read_only,
            )
                .cmp(&(
                    b.day,
                    b.account,
                    b.region,
                    b.event_source,
                    b.identity_type,
                    b.principal,
                    b.origin,
                    b.failed,
                    b.read_only,
                ))
        });
        rows
    }

    pub fn total_events(&self) -> u64 {
        self.counts.values().sum()
    }

    pub fn days(&self) -> Option<(NaiveDate, NaiveDate)> {
        let min = self.counts.keys().map(|k| k.day).min()?;
        let max = self.counts.keys().map(|k| k.day).max()?;
        Some((min, max))
    }

    /// Fold newer logs into a saved state, idempotently: for every (day, account, region) the
    /// newer logs cover, their counts replace the state's (CloudTrail delivers one file series
    /// per account, region and day, so a re-read day is complete, and reading the same logs
    /// twice changes nothing). Two exceptions keep what the state knows:
    ///
    /// * the newer logs' first day may hold only the previous day's late deliveries (a file just
    ///   after midnight, in the next day's folder), so there each key keeps the larger count;
    /// * a later day with fewer events in the newer logs than in the state was read only in part
    ///   (a folder copied half-way, a prefix too narrow): the state's counts are kept and the
    ///   slice is reported, unless `replace_partial` says the newer logs are right.
    pub fn replace_slices(&mut self, newer: &Aggregates, replace_partial: bool) -> SliceMerge {
        use std::collections::HashMap;
        let mut merge = SliceMerge::default();
        let Some((first_day, _)) = newer.days() else {
            return merge;
        };
        let totals = |agg: &Aggregates| {
            let mut t: HashMap<(NaiveDate, String, String), u64> = HashMap::new();
            for (k, n) in &agg.counts {
                let key = (
                    k.day,
                    agg.strings.name(k.account).to_string(),
                    agg.strings.name(k.region).to_string(),
                );
                *t.entry(key).or_insert(0) += n;
            }
            t
        };
        let old_totals = totals(self);
        let mut replace = std::collections::HashSet::new();
        let mut kept = std::collections::HashSet::new();
        for (slice, new) in totals(newer) {
            if slice.0 == first_day {
                continue;
            }
            let old = old_totals.get(&slice).copied().unwrap_or(0);
            if new < old && !replace_partial {
                merge.partial.push(PartialSlice {
                    day: slice.0,
                    account: slice.1.clone(),
                    region: slice.2.clone(),
                    state: old,
                    new,
                });
                kept.insert(slice);
            } else {
                replace.insert(slice);
            }
        }
        merge
            .partial
            .sort_by(|a, b| (a.day, &a.account, &a.region).cmp(&(b.day, &b.account, &b.region)));
        let strings = &self.strings;
        self.counts.retain(|k, _| {
            !replace.contains(&(
                k.day,
                strings.name(k.account).to_string(),
                strings.name(k.region).to_string(),
            ))
        });
        merge.replaced = replace.len();
        for row in newer.rows() {
            let slice = (row.day, row.account.to_string(), row.region.to_string());
            if row.day == first_day {
                let before = self.count_of(&row);
                if row.events > before {
                    self.add(&Row {
                        events: row.events - before,
                        ..row
                    });
                }
            } else if !kept.contains(&slice) {
                self.add(&row);
            }
        }
        merge
    }

    /// The count of exactly this key (0 when absent).
    fn count_of(&self, row: &Row<'_>) -> u64 {
        let id = |s: &str| self.strings.ids.get(s).copied();
        let (Some(account), Some(region), Some(event_source), Some(identity_type), Some(principal)) = (
            id(row.account),
            id(row.region),
            id(row.event_source),
            id(row.identity_type),
            id(row.principal),
        ) else {
            return 0;
        };
        let key = Key {
            day: row.day,
            account,
            region,
            event_source,
            identity_type,
            principal,
            origin: row.origin,
            failed: row.failed,
            read_only: row.read_only,
        };
        self.counts.get(&key).copied().unwrap_or(0)
    }

    /// Keep only the rows whose day is in `[since, until]`; returns the events dropped.
    pub fn retain_window(&mut self, since: NaiveDate, until: NaiveDate) -> u64 {
        self.callers
            .retain(|(k, _, _), _| k.day >= since && k.day <= until);
        let mut dropped = 0;
        self.counts.retain(|k, n| {
            let keep = k.day >= since && k.day <= until;
            if !keep {
                dropped += *n;
            }
            keep
        });
        dropped
    }
}

/// What folding newer logs into a state did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SliceMerge {
    /// (day, account, region) slices whose counts the newer logs replaced.
    pub replaced: usize,
    /// Slices the newer logs hold fewer events of than the state: kept as they were.
    pub partial: Vec<PartialSlice>,
}

/// A day of an account and region that newer logs cover only in part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialSlice {
    pub day: NaiveDate,
    pub account: String,
    pub region: String,
    /// Events the state holds.
    pub state: u64,
    /// Events the newer logs hold.
    pub new: u64,
}

/// Counts about the input, for the summary and the JSON `input` object.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InputStats {
    /// Files (and stdin) read.
    pub files: usize,
    /// Files skipped whole (digests, not logs, unreadable, corrupt).
    pub skipped_files: usize,
    /// Files left unopened because their S3 path date lies outside the window.
    pub pruned_files: usize,
    /// Events inside the window (what the profile counts).
    pub events: u64,
    /// Events read but outside the window.
    pub outside_window: u64,
    /// Records skipped (no eventTime, no awsRegion, not an object).
    pub skipped_records: usize,
    /// Decompressed bytes read.
    pub bytes: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(day: &str, region: &'static str, events: u64) -> Row<'static> {
        Row {
            day: day.parse().unwrap(),
            account: "1",
            region,
            event_source: "ec2.amazonaws.com",
            identity_type: "IAMUser",
            principal: "alice",
            origin: Origin::Direct,
            failed: false,
            read_only: false,
            events,
        }
    }

    #[test]
    fn replacing_slices_is_idempotent() {
        let mut state = Aggregates::default();
        state.add(&row("2025-01-01", "eu-west-1", 5));
        state.add(&row("2025-01-02", "eu-west-1", 2)); // a partial day
        let mut newer = Aggregates::default();
        newer.add(&row("2025-01-01", "eu-west-1", 1)); // late deliveries of a day already held
        newer.add(&row("2025-01-02", "eu-west-1", 7)); // the complete day
        newer.add(&row("2025-01-03", "us-east-2", 1));
        assert_eq!(state.replace_slices(&newer, false).replaced, 2);
        assert_eq!(
            state.total_events(),
            5 + 7 + 1,
            "the first day keeps the larger count"
        );
        let before = state
            .rows()
            .into_iter()
            .map(|r| (r.day, r.region.to_string(), r.events))
            .collect::<Vec<_>>();
        state.replace_slices(&newer, false);
        let after = state
            .rows()
            .into_iter()
            .map(|r| (r.day, r.region.to_string(), r.events))
            .collect::<Vec<_>>();
        assert_eq!(before, after);
    }

    #[test]
    fn a_day_read_in_part_keeps_the_state_and_is_reported() {
        let mut state = Aggregates::default();
        state.add(&row("2025-01-01", "eu-west-1", 5));
        state.add(&row("2025-01-05", "eu-west-1", 164));
        let mut newer = Aggregates::default();
        newer.add(&row("2025-01-04", "eu-west-1", 3));
        newer.add(&row("2025-01-05", "eu-west-1", 1)); // one file of the day, re-read
        let merge = state.clone().replace_slices(&newer, false);
        assert_eq!(
            merge.partial,
            [PartialSlice {
                day: "2025-01-05".parse().unwrap(),
                account: "1".into(),
                region: "eu-west-1".into(),
                state: 164,
                new: 1
            }]
        );
        let mut kept = state.clone();
        kept.replace_slices(&newer, false);
        assert_eq!(kept.total_events(), 5 + 3 + 164);
        let mut replaced = state.clone();
        let merge = replaced.replace_slices(&newer, true);
        assert!(merge.partial.is_empty());
        assert_eq!(replaced.total_events(), 5 + 3 + 1);
    }
}

/// The result of folding every source.
#[derive(Debug, Default)]
pub struct Folded {
    pub aggregates: Aggregates,
    pub problems: ProblemLog,
    pub stats: InputStats,
}

/// The most events a baseline may count in all (a million events a second for thirty years):
/// a file claiming more is forged or corrupt, and refusing it keeps every sum far from overflow.
pub const MAX_TOTAL_EVENTS: u64 = 1_000_000_000_000_000;

/// Add a row's count to a running total, refusing a total past [`MAX_TOTAL_EVENTS`].
pub fn checked_total(total: u64, events: u64) -> Option<u64> {
    total.checked_add(events).filter(|t| *t <= MAX_TOTAL_EVENTS)
}

/// The earliest day a count may carry: 2006-01-01, the year AWS started (CloudTrail itself came
/// in 2013). An earlier day is a forged or corrupt file, refused from the baseline file and the
/// Athena CSV, so a row dated 0001-01-01 can never stretch the history past `--min-history`.
pub fn earliest_plausible_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2006, 1, 1).expect("a valid date")
}

/// The latest day an event may carry: tomorrow (UTC), for clocks a little ahead. A later day is
/// a bad clock or a forged record, refused from every source (logs, Athena CSV, baseline file),
/// so it can never move a window or wipe a state.
pub fn latest_plausible_day() -> NaiveDate {
    chrono::Utc::now().date_naive() + chrono::Days::new(1)
}

/// How many events are checked against [`Dedup`] at once (one lock per batch).
const DEDUP_BATCH: usize = 4096;

/// Drop the duplicate deliveries of a batch of folded events from `aggregates`; returns how many.
/// An event waiting for the duplicate check: its day, identity hash, key and caller key.
type Pending = (NaiveDate, u64, Key, Option<CallerKey>);

fn drop_duplicates(
    dedup: &Dedup,
    pending: &mut Vec<Pending>,
    aggregates: &mut Aggregates,
) -> usize {
    let ids: Vec<(NaiveDate, u64)> = pending.iter().map(|(d, h, _, _)| (*d, *h)).collect();
    let mut dropped = 0;
    for (dup, (_, _, key, caller)) in dedup.check(&ids).into_iter().zip(pending.iter()) {
        if dup {
            aggregates.remove_one(key);
            if let Some(caller) = caller {
                aggregates.remove_one_caller(caller);
            }
            dropped += 1;
        }
    }
    pending.clear();
    dropped
}

/// Fold one source into a partial aggregate; events whose eventID `dedup` has seen are not
/// counted again.
pub fn fold_source(source: &Source, dedup: &Dedup, geo: Option<&crate::geo::Geo>) -> Folded {
    let latest_plausible = latest_plausible_day();
    let earliest_plausible = earliest_plausible_day();
    let mut folded = Folded::default();
    let mut problems = ProblemLog::default();
    let mut pending: Vec<Pending> = Vec::new();
    let mut duplicates = 0;
    let name = source.name();
    // Where each distinct caller address is: looked up once a file.
    let mut located: HashMap<String, (String, String), Fast> = HashMap::default();
    let outcome = input::read_records(source, &mut |record| {
        let event = match Event::from_record(record.json) {
            Ok(ev) => ev,
            Err(err) => {
                problems.push(Problem {
                    source: name.clone(),
                    location: Some(record.location),
                    kind: ProblemKind::BadRecord,
                    detail: err.to_string(),
                });
                return;
            }
        };
        if event.is_insight() {
            // Insights describe unusual volumes of API calls; they are not API calls.
            problems.ignore(Ignored::Insight, 1);
            return;
        }
        let day = match event.day() {
            // A clock far ahead (or a forged record) must not move the window or wipe a state.
            Ok(day) if day > latest_plausible => {
                problems.push(Problem {
                    source: name.clone(),
                    location: Some(record.location),
                    kind: ProblemKind::NoEventTime,
                    detail: format!("eventTime {day} is in the future"),
                });
                return;
            }
            // Nor a forged date before AWS existed stretch the history past --min-history.
            Ok(day) if day < earliest_plausible => {
                problems.push(Problem {
                    source: name.clone(),
                    location: Some(record.location),
                    kind: ProblemKind::NoEventTime,
                    detail: format!("eventTime {day} is before {earliest_plausible}"),
                });
                return;
            }
            Ok(day) => day,
            Err(why) => {
                problems.push(Problem {
                    source: name.clone(),
                    location: Some(record.location),
                    kind: ProblemKind::NoEventTime,
                    detail: why,
                });
                return;
            }
        };
        let Some(region) = event.region() else {
            problems.push(Problem {
                source: name.clone(),
                location: Some(record.location),
                kind: ProblemKind::NoRegion,
                detail: event
                    .event_name
                    .get()
                    .map(|n| format!("eventName {n}"))
                    .unwrap_or_default(),
            });
            return;
        };
        let principal = event.principal();
        let key = folded.aggregates.add(&Row {
            day,
            account: event.recipient_account_id.get().unwrap_or(UNKNOWN_ACCOUNT),
            region,
            event_source: event.event_source.get().unwrap_or("(none)"),
            identity_type: event.identity_type(),
            principal: &principal,
            origin: event.origin(),
            failed: event.failed(),
            read_only: event.read_only(),
            events: 1,
        });
        let caller = geo.map(|geo| {
            let ip = event.source_ip.get().unwrap_or_default();
            // Looked up (and its text copied) once per distinct address, not per event.
            if !located.contains_key(ip) {
                located.insert(ip.to_string(), crate::geo::labels(&geo.caller(ip)));
            }
            let (country, network) = &located[ip];
            folded.aggregates.add_caller(key, country, network, 1)
        });
        if let Some(id) = event.event_id.get() {
            // A duplicate delivery is the same record: same eventID, time, call, region and
            // length. (Hand-made samples sometimes reuse an eventID for different events.)
            let identity = (
                id,
                event.event_time.get().unwrap_or_default(),
                event.event_name.get().unwrap_or_default(),
                region,
                record.json.get().len(),
            );
            pending.push((day, id_hash(identity), key, caller));
            if pending.len() >= DEDUP_BATCH {
                duplicates += drop_duplicates(dedup, &mut pending, &mut folded.aggregates);
            }
        }
    });
    duplicates += drop_duplicates(dedup, &mut pending, &mut folded.aggregates);
    problems.ignore(Ignored::DuplicateEvent, duplicates);
    let file_failed = outcome
        .problems
        .iter()
        .any(|p| p.kind.is_file_level() && outcome.records == 0);
    for p in outcome.problems {
        problems.push(p);
    }
    for what in outcome.ignored {
        problems.ignore(what, 1);
    }
    // Report a file's problems in the order they occur in it.
    problems
        .shown
        .sort_by_key(|p| p.location.map_or(usize::MAX, |l| l.record));
    folded.stats.files = usize::from(!file_failed);
    folded.stats.bytes = outcome.bytes;
    folded.stats.events = folded.aggregates.total_events();
    folded.problems = problems;
    folded
}

/// Fold every source in parallel and merge. With `strict`, the first problem (in source order)
/// is returned as an error.
pub fn fold_all(
    sources: &[Source],
    strict: bool,
    geo: Option<&crate::geo::Geo>,
    progress: &dyn Progress,
) -> Result<Folded, Problem> {
    // Partials are merged in source order, a chunk of files at a time: memory stays bounded by
    // distinct keys and problems are reported in a deterministic order.
    let mut all = Folded::default();
    let dedup = Dedup::default();
    // S3 objects are downloaded ahead of the workers (nothing for local files).
    let _downloads = input::prefetch(sources);
    input::map_in_order(
        sources,
        |source| {
            let folded = fold_source(source, &dedup, geo);
            progress.file_done(folded.stats.bytes, folded.stats.events as usize);
            folded
        },
        |partial| {
            if let (true, Some(p)) = (strict, partial.problems.shown.first()) {
                return Err(p.clone());
            }
            all.aggregates.merge(&partial.aggregates);
            all.stats.files += partial.stats.files;
            all.stats.bytes += partial.stats.bytes;
            all.problems.merge(partial.problems);
            Ok(())
        },
    )?;
    all.stats.events = all.aggregates.total_events();
    all.stats.skipped_files = all.problems.files_skipped();
    all.stats.skipped_records = all.problems.records_skipped();
    Ok(all)
}
