//! Hits in order without holding them all: an external merge sort. Hits are kept in memory up
//! to a budget; past it, the buffer is sorted and written to an anonymous temporary file (a
//! "run", removed by the system when closed, even if the process is killed), and the runs are
//! merged when the hits are read. Memory is the budget plus one hit per run, whatever the number
//! of hits; a run of no more hits than the budget never touches the disk. Workers hand hits over
//! through [`Shared`], which sorts and writes a full buffer outside its lock while the others
//! go on adding to a new one (each half the budget).
//!
//! The order is total: the event's instant, then its eventTime text, eventID, rule, region,
//! account, principal, sourceIPAddress and `fields:` (as JSON), then where it was read. Two hits equal in all but
//! where they were read are one event delivered twice (same non-empty eventID): they are next to
//! each other in that order, and the merge keeps the first and counts the others.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};

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
            + h.source_ip.len()
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
            &h.source_ip,
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
                self.hit.source,
                self.hit.location.record,
                self.hit.location.line,
            )
                .cmp(&(
                    other.hit.source,
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
struct Sorter {
    buffer: Vec<Entry>,
    cost: usize,
    budget: usize,
    /// Sorted runs in temporary files, by size class: `levels[i]` holds runs of about
    /// `FAN_IN^i` buffers each.
    levels: Vec<Vec<File>>,
    hits: u64,
    error: Option<io::Error>,
    /// A buffer taken by a [`Shared`] worker is being written.
    writing: bool,
}

impl Sorter {
    /// A sorter that holds about `budget` bytes of hits in memory.
    fn new(budget: u64) -> Sorter {
        Sorter {
            buffer: Vec::new(),
            cost: 0,
            budget: usize::try_from(budget).unwrap_or(usize::MAX).max(1),
            levels: Vec::new(),
            hits: 0,
            error: None,
            writing: false,
        }
    }

    /// Add a hit to the buffer. After a failure to spill (kept and returned by
    /// [`Sorter::finish`]) hits are dropped: the run fails as a whole.
    fn add(&mut self, entry: Entry) {
        if self.error.is_some() {
            return;
        }
        self.cost += entry.cost();
        self.hits += 1;
        self.buffer.push(entry);
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

    /// The buffer, to be spilled; an empty one takes its place.
    fn take(&mut self) -> Vec<Entry> {
        self.cost = 0;
        std::mem::take(&mut self.buffer)
    }

    /// A spilled buffer's run, or why it could not be written.
    fn add_written(&mut self, run: io::Result<File>) {
        if let Err(e) = run.and_then(|run| self.add_run(0, run)) {
            self.error.get_or_insert(e);
            self.buffer = Vec::new();
            self.cost = 0;
        }
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
    fn finish(mut self) -> io::Result<Hits> {
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

/// A [`Sorter`] the workers of a run share. A worker whose hits fill the buffer to half the
/// budget takes that buffer, and sorts and writes it without holding the lock while the others
/// go on adding to a new one. Should the new one fill to half the budget before that write ends,
/// it is written under the lock: hits in memory stay within the budget.
#[derive(Debug)]
pub struct Shared {
    sorter: Mutex<Sorter>,
}

impl Shared {
    /// A shared sorter that holds about `budget` bytes of hits in memory.
    pub fn new(budget: u64) -> Shared {
        Shared {
            sorter: Mutex::new(Sorter::new(budget)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Sorter> {
        self.sorter.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Add these hits (the vector is left empty).
    pub fn push_all(&self, entries: &mut Vec<Entry>) {
        let full = {
            let mut s = self.lock();
            for entry in entries.drain(..) {
                s.add(entry);
            }
            if s.cost <= s.budget / 2 {
                None
            } else if s.writing {
                let buffer = s.take();
                let run = sort_and_write(buffer);
                s.add_written(run);
                None
            } else {
                s.writing = true;
                Some(s.take())
            }
        };
        if let Some(buffer) = full {
            let run = sort_and_write(buffer);
            let mut s = self.lock();
            s.writing = false;
            s.add_written(run);
        }
    }

    #[cfg(test)]
    fn push(&self, entry: Entry) {
        self.push_all(&mut vec![entry]);
    }

    #[cfg(test)]
    fn len(&self) -> u64 {
        self.lock().len()
    }

    #[cfg(test)]
    fn spilled(&self) -> usize {
        self.lock().spilled()
    }

    /// See [`Sorter::finish`].
    pub fn finish(self) -> io::Result<Hits> {
        self.sorter
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
            .finish()
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

/// A buffer sorted and written to a run.
fn sort_and_write(mut buffer: Vec<Entry>) -> io::Result<File> {
    buffer.sort_unstable();
    write_run(buffer.into_iter().map(Ok))
}

/// Write entries to an anonymous temporary file; rewound for reading. The file is this
/// process's own, read back once: each entry is its parts in a fixed order, numbers as 8
/// little-endian bytes and text as its length and its UTF-8 bytes.
fn write_run(entries: impl Iterator<Item = io::Result<Entry>>) -> io::Result<File> {
    let file = tempfile::tempfile().map_err(temp_error)?;
    let mut w = BufWriter::with_capacity(1 << 16, file);
    for entry in entries {
        encode(&mut w, &entry?).map_err(temp_error)?;
    }
    let mut file = w.into_inner().map_err(|e| temp_error(e.into_error()))?;
    file.rewind()?;
    Ok(file)
}

fn put_number(w: &mut impl Write, n: usize) -> io::Result<()> {
    w.write_all(&(n as u64).to_le_bytes())
}

fn put_text(w: &mut impl Write, s: &str) -> io::Result<()> {
    put_number(w, s.len())?;
    w.write_all(s.as_bytes())
}

fn encode(w: &mut impl Write, e: &Entry) -> io::Result<()> {
    let h = &e.hit;
    put_number(w, h.rule)?;
    for s in [
        &h.event_id,
        &h.event_time,
        &h.aws_region,
        &h.account,
        &h.principal,
        &h.source_ip,
    ] {
        put_text(w, s)?;
    }
    put_number(w, h.source)?;
    put_number(w, h.location.record)?;
    // A line number is at least 1: 0 says there is none.
    put_number(w, h.location.line.unwrap_or(0))?;
    put_number(w, e.fields.len())?;
    for (k, v) in &e.fields {
        put_text(w, k)?;
        put_text(w, v)?;
    }
    Ok(())
}

fn unreadable(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("reading back a temporary file of hits: {what}"),
    )
}

fn get_number(r: &mut impl Read) -> io::Result<usize> {
    let mut b = [0u8; 8];
    r.read_exact(&mut b)?;
    usize::try_from(u64::from_le_bytes(b)).map_err(|_| unreadable("a number out of range"))
}

fn get_text(r: &mut impl Read) -> io::Result<String> {
    let len = get_number(r)?;
    let mut bytes = Vec::with_capacity(len.min(1 << 16));
    r.take(len as u64).read_to_end(&mut bytes)?;
    if bytes.len() != len {
        return Err(unreadable("a text cut short"));
    }
    String::from_utf8(bytes).map_err(|_| unreadable("a text that is not UTF-8"))
}

/// The next entry of a run, `None` at its end.
fn decode(r: &mut impl Read) -> io::Result<Option<Entry>> {
    let mut first = [0u8; 8];
    if r.read(&mut first[..1])? == 0 {
        return Ok(None);
    }
    r.read_exact(&mut first[1..])?;
    let rule = usize::try_from(u64::from_le_bytes(first))
        .map_err(|_| unreadable("a rule out of range"))?;
    let (event_id, event_time, aws_region, account, principal, source_ip) = (
        get_text(r)?,
        get_text(r)?,
        get_text(r)?,
        get_text(r)?,
        get_text(r)?,
        get_text(r)?,
    );
    let (source, record, line) = (get_number(r)?, get_number(r)?, get_number(r)?);
    let mut fields = Vec::new();
    for _ in 0..get_number(r)? {
        fields.push((get_text(r)?, get_text(r)?));
    }
    let hit = Detection {
        rule,
        event_id,
        event_time,
        aws_region,
        account,
        principal,
        source_ip,
        fields: Vec::new(),
        source,
        location: crate::input::Location {
            record,
            line: (line > 0).then_some(line),
        },
        caller: None,
    };
    Ok(Some(Entry::from_parts(hit, fields)))
}

/// One sorted run being merged.
enum Run {
    Memory(std::vec::IntoIter<Entry>),
    File(BufReader<File>),
}

impl Run {
    fn next(&mut self) -> io::Result<Option<Entry>> {
        match self {
            Run::Memory(it) => Ok(it.next()),
            Run::File(r) => decode(r),
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
            .map(|f| Run::File(BufReader::with_capacity(1 << 16, f)))
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

    fn hit(time: &str, id: &str, rule: usize, source: usize) -> Detection {
        Detection {
            rule,
            event_id: id.into(),
            event_time: time.into(),
            aws_region: "ap-east-1".into(),
            account: "111122223333".into(),
            principal: "arn:aws:iam::111122223333:role/R".into(),
            source_ip: "203.0.113.9".into(),
            fields: vec![("eventName".into(), Value::String(format!("Call{id}")))],
            source,
            location: Location {
                record: 1,
                line: None,
            },
            caller: None,
        }
    }

    /// A scrambled, duplicated stream of hits, sorted with a budget of `budget` bytes.
    fn sorted(budget: u64) -> (Vec<Detection>, u64, usize) {
        let s = Shared::new(budget);
        let mut want = 0;
        // 2,000 events, pushed in a scrambled order, each twice (a second delivery, another file).
        for round in [0, 1] {
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
        assert!(memory.iter().all(|d| d.source == 0));
    }

    #[test]
    fn workers_spilling_at_once_sort_as_one() {
        // Four threads push batches into a budget that holds a few dozen hits: buffers are
        // written outside the lock and under it, and the order is the in-memory order.
        let (memory, dups, _) = sorted(DEFAULT_SORT_BUFFER);
        let s = Shared::new(16 << 10);
        std::thread::scope(|scope| {
            for t in 0..4u32 {
                let s = &s;
                scope.spawn(move || {
                    // Every event twice (sources 0 and 1), spread over the threads.
                    let items: Vec<u32> = (t..4_000).step_by(4).collect();
                    for chunk in items.chunks(7) {
                        let mut batch: Vec<Entry> = chunk
                            .iter()
                            .map(|&j| {
                                let k = (j % 2_000) * 7919 % 2_000;
                                let time = format!(
                                    "2025-03-01T{:02}:{:02}:{:02}Z",
                                    k / 3600,
                                    k / 60 % 60,
                                    k % 60
                                );
                                let source = usize::from(j >= 2_000);
                                Entry::new(hit(&time, &format!("{k:05}"), (k % 3) as usize, source))
                            })
                            .collect();
                        s.push_all(&mut batch);
                        assert!(batch.is_empty());
                    }
                });
            }
        });
        assert!(s.spilled() > 4, "{} runs", s.spilled());
        let mut hits = s.finish().unwrap();
        let out: Vec<Detection> = hits.by_ref().map(Result::unwrap).collect();
        assert_eq!(out, memory);
        assert_eq!((hits.duplicates(), dups), (2_000, 2_000));
    }

    #[test]
    fn a_damaged_run_is_an_error() {
        let mut e = Entry::new(hit("2025-03-01T00:00:00Z", "1", 0, 0));
        e.fields.push(("k".into(), "\"v\"".into()));
        let mut bytes = Vec::new();
        encode(&mut bytes, &e).unwrap();
        let back = decode(&mut bytes.as_slice()).unwrap().unwrap();
        assert_eq!((&back.hit, &back.fields), (&e.hit, &e.fields));
        assert!(decode(&mut &b""[..]).unwrap().is_none());
        for cut in 1..bytes.len() {
            assert!(decode(&mut &bytes[..cut]).is_err(), "cut at {cut}");
        }
        // A length past the end, and text that is not UTF-8.
        let mut long = bytes.clone();
        long[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(decode(&mut long.as_slice()).is_err());
        let mut bad = bytes.clone();
        bad[16] = 0xff;
        assert!(decode(&mut bad.as_slice()).is_err());
    }

    #[test]
    fn the_same_event_id_with_other_content_is_two_hits() {
        let s = Shared::new(1);
        let a = hit("2025-03-01T00:00:00Z", "1", 0, 0);
        let mut b = a.clone();
        b.aws_region = "me-south-1".into();
        let mut c = a.clone();
        c.source = 2;
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
        let s = Shared::new(DEFAULT_SORT_BUFFER);
        let a = hit("2025-03-01T00:00:00Z", "", 0, 0);
        s.push(Entry::new(a.clone()));
        s.push(Entry::new(a.clone()));
        let mut hits = s.finish().unwrap();
        assert_eq!(hits.by_ref().count(), 2);
        assert_eq!(hits.duplicates(), 0);
    }

    #[test]
    fn instants_order_before_their_spelling() {
        // The same instant spelt two ways, and an earlier instant spelt with an offset.
        let s = Shared::new(DEFAULT_SORT_BUFFER);
        for t in [
            "2025-03-01T10:00:00Z",
            "2025-03-01T12:00:00+03:00",
            "2025-03-01T10:00:00.000Z",
        ] {
            s.push(Entry::new(hit(t, t, 0, 0)));
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
