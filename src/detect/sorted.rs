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

use serde::{Deserialize, Serialize};

use super::Detection;
use crate::event::parse_event_time;

/// The default memory for hits before they are spilled to temporary files.
pub const DEFAULT_SORT_BUFFER: u64 = 64 << 20;

/// How many runs are merged at once: runs of one size are merged into one run of the next size
/// when there are this many (each hit is rewritten once per size, so merging stays
/// O(n log n)), and the final merge reads at most this many, so open files and the hits held
/// at the heads of the runs stay few.
const FAN_IN: usize = 16;

/// A hit with its sort key. The values of its `fields:` are kept as JSON text (the hit's own
/// `fields` are empty until it is handed out): the text is what the memory budget counts, what
/// order and duplicates are decided on, and what a temporary file holds, so a hit compares the
/// same and comes back the same whether it was spilled or not.
#[derive(Debug)]
pub struct Entry {
    instant: Option<DateTime<Utc>>,
    fields: Vec<(String, String)>,
    hit: Detection,
}

impl Entry {
    pub fn new(mut hit: Detection) -> Entry {
        let fields = std::mem::take(&mut hit.fields)
            .into_iter()
            .map(|(k, v)| (k, v.to_string()))
            .collect();
        Entry::from_parts(hit, fields)
    }

    fn from_parts(hit: Detection, fields: Vec<(String, String)>) -> Entry {
        Entry {
            instant: parse_event_time(&hit.event_time),
            fields,
            hit,
        }
    }

    /// The hit, its `fields:` parsed back.
    fn into_hit(self) -> io::Result<Detection> {
        let mut hit = self.hit;
        hit.fields = self
            .fields
            .into_iter()
            .map(|(k, v)| serde_json::from_str(&v).map(|v| (k, v)))
            .collect::<Result<_, _>>()
            .map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("reading back a hit's fields: {e}"),
                )
            })?;
        Ok(hit)
    }

    /// What the entry takes in memory: its text, and a little for each allocation.
    pub fn cost(&self) -> usize {
        let h = &self.hit;
        std::mem::size_of::<Entry>()
            + self
                .fields
                .iter()
                .map(|(k, v)| k.len() + v.len() + 64)
                .sum::<usize>()
            + h.event_id.len()
            + h.event_time.len()
            + h.aws_region.len()
            + h.account.len()
            + h.principal.len()
            + h.source.len()
            + 128
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

/// One line of a temporary file: the hit without its fields, and the fields as JSON text (a
/// value as deep as the reader accepts stays within the parser's depth limit when read back).
#[derive(Serialize, Deserialize)]
struct Spilled {
    hit: Detection,
    fields: Vec<(String, String)>,
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
    /// Sorted runs in temporary files, by size class: `levels[i]` holds runs of about
    /// `FAN_IN^i` buffers each.
    levels: Vec<Vec<File>>,
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
            levels: Vec::new(),
            hits: 0,
            error: None,
        }
    }

    /// Add a hit. A failure to spill is kept and returned by [`Sorter::finish`]; hits after it
    /// are dropped (the run fails as a whole).
    pub fn push(&mut self, entry: Entry) {
        if self.error.is_some() {
            return;
        }
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

    /// Temporary files written so far (merged ones included).
    #[cfg(test)]
    fn spilled(&self) -> usize {
        self.levels.iter().map(Vec::len).sum()
    }

    fn spill(&mut self) -> io::Result<()> {
        let mut buffer = std::mem::take(&mut self.buffer);
        self.cost = 0;
        buffer.sort_unstable();
        let run = write_run(buffer.into_iter().map(Ok))?;
        self.add_run(0, run)
    }

    /// Put a run at `level`, merging that level into the next one when it is full.
    fn add_run(&mut self, level: usize, run: File) -> io::Result<()> {
        if self.levels.len() <= level {
            self.levels.resize_with(level + 1, Vec::new);
        }
        self.levels[level].push(run);
        if self.levels[level].len() >= FAN_IN {
            let runs = std::mem::take(&mut self.levels[level]);
            let merged = write_run(Merge::new(runs, Vec::new(), false)?)?;
            self.add_run(level + 1, merged)?;
        }
        Ok(())
    }

    /// The hits in order, each duplicate delivery dropped (and counted by [`Hits::duplicates`]).
    pub fn finish(mut self) -> io::Result<Hits> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        // Smallest runs first, merged until the final merge reads at most FAN_IN of them.
        let mut runs: Vec<File> = self.levels.into_iter().flatten().collect();
        while runs.len() > FAN_IN {
            let rest = runs.split_off(FAN_IN);
            let merged = write_run(Merge::new(runs, Vec::new(), false)?)?;
            runs = rest;
            runs.push(merged);
        }
        self.buffer.sort_unstable();
        Ok(Hits {
            merge: Merge::new(runs, self.buffer, true)?,
            any: self.hits > 0,
        })
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

/// Write entries, one JSON line each, to an anonymous temporary file; rewound for reading.
fn write_run(entries: impl Iterator<Item = io::Result<Entry>>) -> io::Result<File> {
    let file = tempfile::tempfile().map_err(temp_error)?;
    let mut w = BufWriter::with_capacity(1 << 16, file);
    for entry in entries {
        let entry = entry?;
        let line = Spilled {
            hit: entry.hit,
            fields: entry.fields,
        };
        serde_json::to_writer(&mut w, &line).map_err(io::Error::from)?;
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
                let s: Spilled = serde_json::from_str(line).map_err(|e| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("reading back a temporary file of hits: {e}"),
                    )
                })?;
                Ok(Some(Entry::from_parts(s.hit, s.fields)))
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
    type Item = io::Result<Entry>;

    fn next(&mut self) -> Option<io::Result<Entry>> {
        self.next_entry().transpose()
    }
}

/// The hits of a run, in order, each event once.
pub struct Hits {
    merge: Merge,
    any: bool,
}

impl Hits {
    /// Duplicate deliveries dropped so far.
    pub fn duplicates(&self) -> u64 {
        self.merge.duplicates
    }

    /// Whether there is at least one hit (known before any is read).
    pub fn any(&self) -> bool {
        self.any
    }
}

impl Iterator for Hits {
    type Item = io::Result<Detection>;

    fn next(&mut self) -> Option<io::Result<Detection>> {
        self.merge
            .next_entry()
            .transpose()
            .map(|r| r.and_then(Entry::into_hit))
    }
}

impl std::fmt::Debug for Hits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hits")
            .field("runs", &self.merge.runs.len())
            .field("duplicates", &self.merge.duplicates)
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
                s.push(Entry::new(hit(
                    &time,
                    &format!("{k:05}"),
                    (k % 3) as usize,
                    round,
                )));
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
        // 4 KiB holds about ten hits: hundreds of runs, merged in rounds of FAN_IN.
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
            s.push(Entry::new(h));
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
        s.push(Entry::new(a.clone()));
        s.push(Entry::new(a.clone()));
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
            s.push(Entry::new(hit(t, t, 0, "a")));
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
