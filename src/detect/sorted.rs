//! Hits in order without holding them all: an external merge sort. Hits are kept in memory up
//! to a budget; past it, the buffer is sorted and written to an anonymous temporary file (a
//! "run", removed by the system when closed, even if the process is killed), and the runs are
//! merged when the hits are read. Memory is the budget plus one hit per run, whatever the number
//! of hits; a run of no more hits than the budget never touches the disk.
//!
//! The order is total: the event's instant, then its eventTime text, eventID, rule, region,
//! account, principal and `fields:` (as JSON), then where it was read. Two hits equal in all but
//! where they were read are one event delivered twice (same non-empty eventID): they are next to
//! each other in that order, and the merge keeps the first and counts the others.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Seek, Write};

use chrono::{DateTime, Utc};

use super::Detection;
use crate::event::parse_event_time;

/// The default memory for hits before they are spilled to temporary files.
pub const DEFAULT_SORT_BUFFER: u64 = 64 << 20;

/// Runs merged into one when there are this many, so open files stay few.
const MAX_RUNS: usize = 64;

/// A hit with its sort key.
#[derive(Debug)]
struct Entry {
    instant: Option<DateTime<Utc>>,
    fields: String,
    hit: Detection,
}

impl Entry {
    fn new(hit: Detection) -> Entry {
        let fields = serde_json::to_string(&hit.fields).unwrap_or_default();
        Entry {
            instant: parse_event_time(&hit.event_time),
            fields,
            hit,
        }
    }

    /// What the entry takes in memory, roughly (a parsed JSON value takes a few times its text).
    fn cost(&self) -> usize {
        let h = &self.hit;
        std::mem::size_of::<Entry>()
            + self.fields.len() * 4
            + h.fields.len() * 64
            + h.event_id.len()
            + h.event_time.len()
            + h.aws_region.len()
            + h.account.len()
            + h.principal.len()
            + h.source.len()
    }

    /// The fields that make two hits one alert, in sort order.
    fn key(&self) -> impl Ord + '_ {
        let h = &self.hit;
        (
            self.instant,
            &h.event_time,
            &h.event_id,
            h.rule,
            &h.aws_region,
            &h.account,
            &h.principal,
            &self.fields,
        )
    }

    /// The same event delivered twice: everything but where it was read is equal.
    fn same_alert(&self, other: &Entry) -> bool {
        !self.hit.event_id.is_empty() && self.key() == other.key()
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Entry) -> Ordering {
        self.key().cmp(&other.key()).then_with(|| {
            (
                &self.hit.source,
                self.hit.location.record,
                self.hit.location.line,
            )
                .cmp(&(
                    &other.hit.source,
                    other.hit.location.record,
                    other.hit.location.line,
                ))
        })
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Entry) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Entry) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Entry {}

/// Collects hits in any order; [`Sorter::finish`] gives them back in order.
#[derive(Debug)]
pub struct Sorter {
    buffer: Vec<Entry>,
    cost: usize,
    budget: usize,
    runs: Vec<File>,
    hits: u64,
    error: Option<io::Error>,
}

impl Sorter {
    /// A sorter that holds about `budget` bytes of hits in memory.
    pub fn new(budget: u64) -> Sorter {
        Sorter {
            buffer: Vec::new(),
            cost: 0,
            budget: usize::try_from(budget).unwrap_or(usize::MAX).max(1),
            runs: Vec::new(),
            hits: 0,
            error: None,
        }
    }

    /// Add a hit. A failure to spill is kept and returned by [`Sorter::finish`]; hits after it
    /// are dropped (the run fails as a whole).
    pub fn push(&mut self, hit: Detection) {
        if self.error.is_some() {
            return;
        }
        let entry = Entry::new(hit);
        self.cost += entry.cost();
        self.hits += 1;
        self.buffer.push(entry);
        if self.cost > self.budget
            && let Err(e) = self.spill()
        {
            self.error = Some(e);
            self.buffer = Vec::new();
        }
    }

    /// Hits pushed so far (duplicates included).
    #[cfg(test)]
    fn len(&self) -> u64 {
        self.hits
    }

    /// Temporary files written so far.
    #[cfg(test)]
    fn spilled(&self) -> usize {
        self.runs.len()
    }

    fn spill(&mut self) -> io::Result<()> {
        let mut buffer = std::mem::take(&mut self.buffer);
        self.cost = 0;
        buffer.sort_unstable();
        let run = write_run(buffer.into_iter().map(|e| Ok(e.hit)))?;
        self.runs.push(run);
        if self.runs.len() >= MAX_RUNS {
            let merged = Merge::new(std::mem::take(&mut self.runs), Vec::new(), false)?;
            self.runs.push(write_run(merged)?);
        }
        Ok(())
    }

    /// The hits in order, each duplicate delivery dropped (and counted by [`Hits::duplicates`]).
    pub fn finish(mut self) -> io::Result<Hits> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.buffer.sort_unstable();
        Ok(Hits(Merge::new(self.runs, self.buffer, true)?))
    }
}

fn temp_error(e: io::Error) -> io::Error {
    io::Error::new(
        e.kind(),
        format!(
            "writing hits to a temporary file in {} (set TMPDIR to use another folder, or raise --sort-buffer): {e}",
            std::env::temp_dir().display()
        ),
    )
}

/// Write hits, one JSON line each, to an anonymous temporary file; rewound for reading.
fn write_run(hits: impl Iterator<Item = io::Result<Detection>>) -> io::Result<File> {
    let file = tempfile::tempfile().map_err(temp_error)?;
    let mut w = BufWriter::with_capacity(1 << 16, file);
    for hit in hits {
        serde_json::to_writer(&mut w, &hit?).map_err(io::Error::from)?;
        w.write_all(b"\n").map_err(temp_error)?;
    }
    let mut file = w.into_inner().map_err(|e| temp_error(e.into_error()))?;
    file.rewind()?;
    Ok(file)
}

/// One sorted run being merged.
enum Run {
    Memory(std::vec::IntoIter<Entry>),
    File(BufReader<File>, String),
}

impl Run {
    fn next(&mut self) -> io::Result<Option<Entry>> {
        match self {
            Run::Memory(it) => Ok(it.next()),
            Run::File(r, line) => {
                line.clear();
                if r.read_line(line)? == 0 {
                    return Ok(None);
                }
                let hit: Detection = serde_json::from_str(line).map_err(|e| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("reading back a temporary file of hits: {e}"),
                    )
                })?;
                Ok(Some(Entry::new(hit)))
            }
        }
    }
}

/// A k-way merge of sorted runs.
struct Merge {
    runs: Vec<Run>,
    heap: BinaryHeap<Reverse<(Entry, usize)>>,
    dedup: bool,
    duplicates: u64,
}

impl Merge {
    fn new(files: Vec<File>, memory: Vec<Entry>, dedup: bool) -> io::Result<Merge> {
        let mut runs: Vec<Run> = files
            .into_iter()
            .map(|f| Run::File(BufReader::with_capacity(1 << 16, f), String::new()))
            .collect();
        runs.push(Run::Memory(memory.into_iter()));
        let mut heap = BinaryHeap::with_capacity(runs.len());
        for (i, run) in runs.iter_mut().enumerate() {
            if let Some(e) = run.next()? {
                heap.push(Reverse((e, i)));
            }
        }
        Ok(Merge {
            runs,
            heap,
            dedup,
            duplicates: 0,
        })
    }

    fn pop(&mut self) -> io::Result<Option<Entry>> {
        let Some(Reverse((entry, i))) = self.heap.pop() else {
            return Ok(None);
        };
        if let Some(next) = self.runs[i].next()? {
            self.heap.push(Reverse((next, i)));
        }
        Ok(Some(entry))
    }

    fn next_entry(&mut self) -> io::Result<Option<Entry>> {
        let Some(entry) = self.pop()? else {
            return Ok(None);
        };
        if self.dedup {
            while self
                .heap
                .peek()
                .is_some_and(|Reverse((next, _))| entry.same_alert(next))
            {
                self.pop()?;
                self.duplicates += 1;
            }
        }
        Ok(Some(entry))
    }
}

impl Iterator for Merge {
    type Item = io::Result<Detection>;

    fn next(&mut self) -> Option<io::Result<Detection>> {
        self.next_entry().transpose().map(|r| r.map(|e| e.hit))
    }
}

/// The hits of a run, in order, each event once.
pub struct Hits(Merge);

impl Hits {
    /// Duplicate deliveries dropped so far.
    pub fn duplicates(&self) -> u64 {
        self.0.duplicates
    }
}

impl Iterator for Hits {
    type Item = io::Result<Detection>;

    fn next(&mut self) -> Option<io::Result<Detection>> {
        self.0.next()
    }
}

impl std::fmt::Debug for Hits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hits")
            .field("runs", &self.0.runs.len())
            .field("duplicates", &self.0.duplicates)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::input::Location;

    fn hit(time: &str, id: &str, rule: usize, source: &str) -> Detection {
        Detection {
            rule,
            event_id: id.into(),
            event_time: time.into(),
            aws_region: "ap-east-1".into(),
            account: "111122223333".into(),
            principal: "arn:aws:iam::111122223333:role/R".into(),
            fields: vec![("eventName".into(), Value::String(format!("Call{id}")))],
            source: source.into(),
            location: Location {
                record: 1,
                line: None,
            },
        }
    }

    /// A scrambled, duplicated stream of hits, sorted with a budget of `budget` bytes.
    fn sorted(budget: u64) -> (Vec<Detection>, u64, usize) {
        let mut s = Sorter::new(budget);
        let mut want = 0;
        // 2,000 events, pushed in a scrambled order, each twice (a second delivery, another file).
        for round in ["a.json", "b.json"] {
            for i in 0..2_000u32 {
                let k = (i * 7919) % 2_000;
                let time = format!(
                    "2025-03-01T{:02}:{:02}:{:02}Z",
                    k / 3600,
                    k / 60 % 60,
                    k % 60
                );
                s.push(hit(&time, &format!("{k:05}"), (k % 3) as usize, round));
                want += 1;
            }
        }
        assert_eq!(s.len(), want);
        let spilled = s.spilled();
        let mut hits = s.finish().unwrap();
        let out: Vec<Detection> = hits.by_ref().map(Result::unwrap).collect();
        (out, hits.duplicates(), spilled)
    }

    #[test]
    fn a_spilled_sort_equals_the_in_memory_sort() {
        let (memory, dups, spilled) = sorted(DEFAULT_SORT_BUFFER);
        assert_eq!(spilled, 0, "2,000 small hits fit the default budget");
        // 4 KiB holds about ten hits: hundreds of runs, merged in rounds of MAX_RUNS.
        let (disk, disk_dups, disk_spilled) = sorted(4 << 10);
        assert!(disk_spilled > 0, "the small budget spilled");
        assert_eq!(memory.len(), 2_000);
        assert_eq!((dups, disk_dups), (2_000, 2_000));
        assert_eq!(memory, disk);
        // In time order, and the first delivery kept.
        assert!(memory.windows(2).all(|w| w[0].event_time < w[1].event_time));
        assert!(memory.iter().all(|d| d.source == "a.json"));
    }

    #[test]
    fn the_same_event_id_with_other_content_is_two_hits() {
        let mut s = Sorter::new(1);
        let a = hit("2025-03-01T00:00:00Z", "1", 0, "a");
        let mut b = a.clone();
        b.aws_region = "me-south-1".into();
        let mut c = a.clone();
        c.source = "c".into();
        // a, b, a-again: a and its copy must meet even though b sorts between them by arrival.
        for h in [a.clone(), b.clone(), c] {
            s.push(h);
        }
        let mut hits = s.finish().unwrap();
        let out: Vec<Detection> = hits.by_ref().map(Result::unwrap).collect();
        assert_eq!(out, vec![a, b]);
        assert_eq!(hits.duplicates(), 1);
    }

    #[test]
    fn hits_without_an_event_id_are_never_merged() {
        let mut s = Sorter::new(DEFAULT_SORT_BUFFER);
        let a = hit("2025-03-01T00:00:00Z", "", 0, "a");
        s.push(a.clone());
        s.push(a.clone());
        let mut hits = s.finish().unwrap();
        assert_eq!(hits.by_ref().count(), 2);
        assert_eq!(hits.duplicates(), 0);
    }

    #[test]
    fn instants_order_before_their_spelling() {
        // The same instant spelt two ways, and an earlier instant spelt with an offset.
        let mut s = Sorter::new(DEFAULT_SORT_BUFFER);
        for t in [
            "2025-03-01T10:00:00Z",
            "2025-03-01T12:00:00+03:00",
            "2025-03-01T10:00:00.000Z",
        ] {
            s.push(hit(t, t, 0, "a"));
        }
        let times: Vec<String> = s.finish().unwrap().map(|h| h.unwrap().event_time).collect();
        assert_eq!(
            times,
            [
                "2025-03-01T12:00:00+03:00",
                "2025-03-01T10:00:00.000Z",
                "2025-03-01T10:00:00Z"
            ]
        );
    }
}
