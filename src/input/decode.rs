//! Decode one source into raw JSON records. Gzip is recognised by its magic bytes (multi-member
//! streams too); the JSON shape by content: `{"Records":[...]}` objects (one per line, or one
//! pretty-printed document), a bare array of events, NDJSON (one event or one Records object per
//! line). Line-oriented input is read one unit at a time (a line, or one value when values are
//! concatenated on a line), so memory is bounded by one delivery object, never by the file;
//! pretty-printed documents are streamed record by record. Runs of whitespace are squeezed as
//! they are read, and [`Limits`] bound a unit, a run of whitespace and a record: what passes
//! them is reported as [`ProblemKind::TooLarge`] with its byte offset. Records are handed to a
//! callback as [`RawValue`]s with their location; what they mean is the caller's business.
//!
//! Damage never loses good data: records before a truncation or a corrupt gzip tail are
//! delivered, then the damage is reported as a [`Problem`].

use crate::text::plural;
use std::cell::Cell;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek};

use flate2::bufread::MultiGzDecoder;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::{Ignored, Limits, Location, Problem, ProblemKind, Source, SourceKind};

/// One record as found in the input, not yet interpreted.
#[derive(Debug, Clone, Copy)]
pub struct RawRecord<'a> {
    pub json: &'a RawValue,
    pub location: Location,
}

/// What reading one source gave: record count, decompressed bytes, and any problems (a problem
/// of file-level kind means the rest of the file was not read).
#[derive(Debug, Default)]
pub struct ReadOutcome {
    pub records: usize,
    pub bytes: u64,
    pub problems: Vec<Problem>,
    /// Objects passed over by design (digests found among logs).
    pub ignored: Vec<Ignored>,
}

const BUF: usize = 256 * 1024;

/// Read every record of `source`, calling `on_record` for each.
pub fn read_records(source: &Source, on_record: &mut dyn FnMut(RawRecord<'_>)) -> ReadOutcome {
    let name = source.name();
    let record_base = Cell::new(usize::MAX);
    let mut sink = Sink {
        name: &name,
        on_record,
        outcome: ReadOutcome::default(),
        line: None,
        elements: 0,
        skip: 0,
        max_record: source.limits.max_record_bytes,
        record_base: Some(&record_base),
    };
    // Keeps a downloaded object's share of the prefetch budget until it is decoded.
    #[cfg(feature = "s3")]
    let mut _fetched = None;
    let raw: Box<dyn Read> = match &source.kind {
        SourceKind::File(path) => match File::open(path) {
            Ok(f) => match whole_file(f, source.limits, &record_base, &mut sink) {
                Some(f) => Box::new(f),
                None => return sink.outcome,
            },
            Err(err) => {
                sink.problem(ProblemKind::Unreadable, err.to_string());
                return sink.outcome;
            }
        },
        SourceKind::Stdin => Box::new(io::stdin().lock()),
        #[cfg(feature = "s3")]
        SourceKind::S3(object) => match object.open() {
            Ok(fetched) => match fetched.body {
                super::s3::Body::Spooled(f) => {
                    _fetched = Some(fetched.budget);
                    match whole_file(f, source.limits, &record_base, &mut sink) {
                        Some(f) => Box::new(f),
                        None => return sink.outcome,
                    }
                }
                super::s3::Body::Memory(bytes) => {
                    _fetched = Some(fetched.budget);
                    let fast = super::inflate::with_inflated_bytes(
                        &bytes,
                        usize::try_from(source.limits.max_line_bytes).unwrap_or(usize::MAX),
                        |inflated| {
                            decode_in_memory(inflated, source.limits, &record_base, &mut sink)
                        },
                    );
                    if let Some(bytes) = fast {
                        sink.outcome.bytes = bytes;
                        return sink.outcome;
                    }
                    Box::new(io::Cursor::new(bytes))
                }
            },
            Err(err) => {
                sink.problem(ProblemKind::Unreadable, err);
                return sink.outcome;
            }
        },
    };
    let mut plain = BufReader::with_capacity(BUF, raw);
    let gzip = match plain.fill_buf() {
        Ok(head) => head.starts_with(&[0x1f, 0x8b]),
        Err(err) => {
            sink.problem(ProblemKind::Unreadable, err.to_string());
            return sink.outcome;
        }
    };
    let mut reader: Box<dyn BufRead> = if gzip {
        Box::new(BufReader::with_capacity(BUF, MultiGzDecoder::new(plain)))
    } else {
        Box::new(plain)
    };
    let mut scanner = Scanner::new(&mut *reader, source.limits, &record_base);
    decode(&mut scanner, gzip, &mut sink);
    sink.outcome.bytes = scanner.offset();
    sink.outcome
}

/// A file read whole when it is gzip of an ordinary size (inflated at once, into this worker's
/// buffers; the outcome is in `sink`, `None` returned); else the file, rewound, to stream.
fn whole_file(
    mut f: File,
    limits: Limits,
    record_base: &Cell<usize>,
    sink: &mut Sink<'_>,
) -> Option<File> {
    let len = f.metadata().map_or(u64::MAX, |m| m.len());
    let fast = super::inflate::with_inflated(
        &mut f,
        len,
        usize::try_from(limits.max_line_bytes).unwrap_or(usize::MAX),
        |inflated| decode_in_memory(inflated, limits, record_base, sink),
    );
    if let Some(bytes) = fast {
        sink.outcome.bytes = bytes;
        return None;
    }
    // Anything else from the start, streamed.
    if let Err(err) = f.rewind() {
        sink.problem(ProblemKind::Unreadable, err.to_string());
        return None;
    }
    Some(f)
}

struct Sink<'a> {
    name: &'a str,
    on_record: &'a mut dyn FnMut(RawRecord<'_>),
    outcome: ReadOutcome,
    /// The current line, when reading line by line.
    line: Option<usize>,
    /// Elements of `Records` arrays (or bare arrays) handed to `record` so far.
    elements: usize,
    /// Elements to pass over silently: handed over already before a switch to whole-document
    /// mode re-reads the value they belong to.
    skip: usize,
    /// The largest record handed over.
    max_record: u64,
    /// Shared with the [`Scanner`]: the depth of the array whose elements are records.
    record_base: Option<&'a Cell<usize>>,
}

impl Sink<'_> {
    fn ignored(&mut self, what: Ignored) {
        self.outcome.ignored.push(what);
    }

    fn problem(&mut self, kind: ProblemKind, detail: String) {
        let location = if kind == ProblemKind::InvalidJson && self.line.is_some() {
            // The damage is in the record after the last one delivered.
            Some(Location {
                record: self.outcome.records + 1,
                line: self.line,
            })
        } else if kind.is_file_level() {
            // Where in the file the damage is, when any record came before it.
            self.line
                .filter(|_| self.outcome.records > 0)
                .map(|line| Location {
                    record: self.outcome.records,
                    line: Some(line),
                })
        } else {
            Some(Location {
                record: self.outcome.records,
                line: self.line,
            })
        };
        self.outcome.problems.push(Problem {
            source: self.name.to_string(),
            location,
            kind,
            detail,
        });
    }

    fn record(&mut self, json: &RawValue) {
        if self.skip > 0 {
            self.skip -= 1;
            return;
        }
        self.elements += 1;
        self.outcome.records += 1;
        // Measured as the streaming decoder sees it: runs of whitespace squeezed.
        if json.get().len() as u64 > self.max_record
            && squeezed_len(json.get().as_bytes()) > self.max_record
        {
            let detail = format!(
                "a record of {} bytes, larger than {} {} (--max-record-bytes)",
                squeezed_len(json.get().as_bytes()),
                self.max_record,
                plural(self.max_record, "byte", "bytes")
            );
            self.problem(ProblemKind::BadRecord, detail);
            return;
        }
        if !json.get().starts_with('{') {
            let excerpt = excerpt(json.get().as_bytes());
            self.problem(
                ProblemKind::BadRecord,
                format!("expected an object, found {excerpt}"),
            );
            return;
        }
        let location = Location {
            record: self.outcome.records,
            line: self.line,
        };
        (self.on_record)(RawRecord { json, location });
    }
}

fn read_error_kind(gzip: bool) -> ProblemKind {
    if gzip {
        ProblemKind::CorruptGzip
    } else {
        ProblemKind::Unreadable
    }
}

/// Decide between line mode (the first non-blank line is a complete JSON value) and
/// whole-document mode (pretty-printed JSON), then decode. Line mode reads one unit at a time (a
/// line, or one value when values are concatenated on a line), never more than
/// `max_line_bytes`; whole-document mode streams.
fn decode(scanner: &mut Scanner<'_>, gzip: bool, sink: &mut Sink<'_>) {
    let mut line = Vec::new();
    // The line the next unit starts on.
    let mut number = 1;
    let mut unit_line;
    // Blank lines before the first value say nothing about the format.
    let start = loop {
        line.clear();
        unit_line = number;
        match scanner.read_unit(&mut line) {
            Ok((0, _)) => {
                sink.problem(ProblemKind::NotALog, "empty".to_string());
                return;
            }
            Ok((_, ends_line)) => number += usize::from(ends_line),
            Err(err) => {
                salvage(&line, sink);
                read_failed(err, gzip, sink);
                return;
            }
        }
        if let Some(&start) = trim(&line).first() {
            break start;
        }
    };
    if start != b'{' && start != b'[' {
        let detail = format!("starts with {}", excerpt(trim(&line)));
        sink.problem(ProblemKind::NotALog, detail);
        return;
    }
    // Line mode. A line may hold several values back to back (`}{`: delivery objects
    // concatenated by `cat`/`zcat`, which end without a newline): each is a unit of its own.
    let mut first_value = true;
    loop {
        let body = trim(&line);
        if !body.is_empty() {
            sink.line = Some(unit_line);
            let (next, done, at) = line_values(body, first_value, sink);
            match next {
                Next::Continue => {}
                Next::Stop => return,
                Next::WholeDocument => {
                    // The line ends inside a multi-line (pretty-printed) document: stream the
                    // rest of the input as whitespace-separated documents from where that
                    // document starts (what came before it on the line was decoded; the
                    // elements it handed over already are skipped).
                    let first = first_value && done == 0;
                    scanner.stream();
                    let start = body.as_ptr() as usize - line.as_ptr() as usize + at;
                    let mut unit = std::mem::take(&mut line);
                    unit.drain(..start);
                    let rest = io::Cursor::new(unit).chain(&mut *scanner);
                    if let Err(err) = whole_document(rest, sink, 0, first) {
                        read_failed(err, gzip, sink);
                    }
                    return;
                }
            }
            first_value = false;
        }
        line.clear();
        unit_line = number;
        match scanner.read_unit(&mut line) {
            Ok((0, _)) => return,
            Ok((_, ends_line)) => number += usize::from(ends_line),
            Err(err) => {
                sink.line = Some(unit_line);
                salvage(&line, sink);
                read_failed(err, gzip, sink);
                return;
            }
        }
    }
}

/// Decode a whole gzip file already inflated in memory; returns the bytes read. When no line can
/// pass `--max-line-bytes` (the buffer is shorter), lines are found with `memchr` and handed to
/// the same line decoding as [`decode`] without the [`Scanner`]'s byte-by-byte work (its other
/// jobs, squeezing whitespace and bounding a unit, bound memory the buffer has already taken). A
/// pretty-printed document streams through a [`Scanner`] from the line where it starts, as in
/// [`decode`]; a longer buffer goes through [`decode`] whole.
fn decode_in_memory(
    buf: &[u8],
    limits: Limits,
    record_base: &Cell<usize>,
    sink: &mut Sink<'_>,
) -> u64 {
    if buf.len() as u64 > limits.max_line_bytes {
        let mut reader = buf;
        let mut scanner = Scanner::new(&mut reader, limits, record_base);
        decode(&mut scanner, true, sink);
        return scanner.offset();
    }
    let mut first_value = true;
    let mut started = false;
    let mut at = 0;
    let mut number = 0;
    while at < buf.len() {
        let end = memchr::memchr(b'\n', &buf[at..]).map_or(buf.len(), |i| at + i + 1);
        let body = trim(&buf[at..end]);
        at = end;
        number += 1;
        if body.is_empty() {
            continue;
        }
        if !started {
            // The first value says what the file is, as in `decode`.
            if body[0] != b'{' && body[0] != b'[' {
                // Quoted as the streaming decoder quotes it: its first unit.
                let first = unit_ends(body).first().map_or(body, |&end| &body[..end]);
                sink.problem(
                    ProblemKind::NotALog,
                    format!("starts with {}", excerpt(trim(first))),
                );
                return at as u64;
            }
            started = true;
        }
        sink.line = Some(number);
        let body_start = body.as_ptr() as usize - buf.as_ptr() as usize;
        let (mut next, mut done, mut stop) = line_values(body, first_value, sink);
        if let (Next::Continue, true) = (&next, stop < body.len()) {
            // A value failed and the line was not read through: read the values after it one
            // by one, as the streaming decoder cuts them.
            let ends = unit_ends(body);
            let mut from = ends
                .iter()
                .copied()
                .find(|&e| e > stop)
                .unwrap_or(body.len());
            let after: Vec<usize> = ends.into_iter().filter(|&e| e > from).collect();
            for end in after {
                let unit = trim(&body[from..end]);
                let unit_start = unit.as_ptr() as usize - body.as_ptr() as usize;
                from = end;
                if unit.is_empty() {
                    continue;
                }
                let (n, d, at) = line_values(unit, false, sink);
                done += d;
                match n {
                    Next::Continue => {}
                    other => {
                        (next, stop) = (other, unit_start + at);
                        break;
                    }
                }
            }
        }
        match next {
            Next::Continue => {}
            Next::Stop => return at as u64,
            Next::WholeDocument => {
                // Stream the document from where it starts (the values before it on this line
                // were decoded; the elements it handed over already are skipped).
                let first = first_value && done == 0;
                let start = body_start + stop;
                let mut rest = &buf[start..];
                let mut scanner = Scanner::new(&mut rest, limits, record_base);
                scanner.t.offset = start as u64;
                scanner.stream();
                if let Err(err) = whole_document(&mut scanner, sink, 0, first) {
                    read_failed(err, true, sink);
                }
                return scanner.offset();
            }
        }
        first_value = false;
    }
    if !started {
        sink.problem(ProblemKind::NotALog, "empty".to_string());
    }
    buf.len() as u64
}

/// Report a read error: a limit of the [`Scanner`], or damaged input.
fn read_failed(err: io::Error, gzip: bool, sink: &mut Sink<'_>) {
    let capped = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<TooLarge>())
        .map(|e| e.0.clone());
    match capped {
        Some(detail) => sink.problem(ProblemKind::TooLarge, format!("{detail}{}", kept(sink))),
        None => sink.problem(read_error_kind(gzip), format!("{err}{}", kept(sink))),
    }
}

/// A limit of [`Limits`] was passed: the message says where and which.
#[derive(Debug)]
struct TooLarge(String);

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TooLarge {}

/// Whitespace kept of one run outside strings; the rest of the run is passed over (it means
/// nothing in JSON), so a gzip of gigabytes of spaces never reaches memory.
const KEEP_SPACES: u64 = 64;
/// Nesting depths whose entry offsets are remembered (a record sits at depth 1 to 3).
const DEPTHS: usize = 4;

/// The decompressed bytes on their way to the parser. Tracks strings and nesting (enough to
/// find where a top-level value ends and how long the current record is), squeezes runs of
/// whitespace, counts the bytes, and enforces [`Limits`] with a [`TooLarge`] read error.
struct Scanner<'a> {
    inner: &'a mut dyn BufRead,
    t: Track<'a>,
}

/// What the [`Scanner`] knows of the bytes so far.
struct Track<'a> {
    limits: Limits,
    /// Bytes consumed from `inner`.
    offset: u64,
    in_string: bool,
    escaped: bool,
    depth: usize,
    /// Length of the current run of whitespace outside strings.
    spaces: u64,
    /// Where each of the first [`DEPTHS`] depths was last entered.
    entered: [u64; DEPTHS],
    /// In whole-document mode, the depth of the array whose elements are records (0: the
    /// top-level value is the record), set by the parser's visitors; `None` in line mode.
    record_base: Option<&'a Cell<usize>>,
    capped: Option<String>,
}

impl<'a> Scanner<'a> {
    fn new(inner: &'a mut dyn BufRead, limits: Limits, record_base: &'a Cell<usize>) -> Self {
        record_base.set(usize::MAX);
        let t = Track {
            limits,
            offset: 0,
            in_string: false,
            escaped: false,
            depth: 0,
            spaces: 0,
            entered: [0; DEPTHS],
            record_base: Some(record_base),
            capped: None,
        };
        Scanner { inner, t }
    }

    /// Switch to whole-document mode: records are bounded as they stream.
    fn stream(&mut self) {
        if let Some(base) = self.t.record_base {
            base.set(0);
        }
    }

    /// Bytes consumed so far.
    fn offset(&self) -> u64 {
        self.t.offset
    }
}

impl Track<'_> {
    fn streaming(&self) -> bool {
        self.record_base.is_some_and(|b| b.get() != usize::MAX)
    }

    /// How many bytes at the start of `bytes` are plain string content (inside a string, not
    /// escaped, before the next quote, backslash or newline): [`Track::step`] would keep each and
    /// change nothing else. Accounted for here; the caller copies them in one go.
    fn string_run(&mut self, bytes: &[u8]) -> usize {
        if !self.in_string || self.escaped {
            return 0;
        }
        let n = memchr::memchr3(b'"', b'\\', b'\n', bytes).unwrap_or(bytes.len());
        self.offset += n as u64;
        n
    }

    /// A line ended. In line mode each line stands alone: brackets a damaged line left open do
    /// not change how the next line is cut into values.
    fn end_line(&mut self) {
        if !self.streaming() {
            self.depth = 0;
        }
    }

    /// Account for one byte; whether it is kept.
    fn step(&mut self, b: u8) -> bool {
        self.offset += 1;
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' || b == b'\n' {
                // A raw newline never belongs to a string: the line was damaged.
                self.in_string = false;
                if b == b'\n' {
                    self.end_line();
                }
            }
            return true;
        }
        if b == b'\n' {
            self.end_line();
        }
        if b.is_ascii_whitespace() {
            self.spaces += 1;
            return self.spaces <= KEEP_SPACES || b == b'\n';
        }
        self.spaces = 0;
        match b {
            b'"' => self.in_string = true,
            b'{' | b'[' => {
                if let Some(at) = self.entered.get_mut(self.depth) {
                    *at = self.offset - 1;
                }
                self.depth += 1;
            }
            b'}' | b']' => self.depth = self.depth.saturating_sub(1),
            // A byte-order mark between documents (`cat` of files saved by editors); never valid
            // JSON outside a string.
            0xEF | 0xBB | 0xBF if self.streaming() => return false,
            _ => {}
        }
        true
    }

    /// The limit passed, if any.
    fn check(&mut self, unit: u64) -> io::Result<()> {
        let max_line = self.limits.max_line_bytes;
        let what = if self.spaces > max_line {
            Some(format!(
                "a run of more than {max_line} {} of whitespace (--max-line-bytes)",
                plural(max_line, "byte", "bytes")
            ))
        } else if unit > max_line {
            Some(format!(
                "a line longer than {max_line} {} (--max-line-bytes)",
                plural(max_line, "byte", "bytes")
            ))
        } else {
            let base = self.record_base.map_or(usize::MAX, Cell::get);
            let max = self.limits.max_record_bytes;
            (self.depth > base && base < DEPTHS && self.offset - self.entered[base] > max).then(
                || {
                    format!(
                        "a record larger than {max} {} (--max-record-bytes)",
                        plural(max, "byte", "bytes")
                    )
                },
            )
        };
        if let Some(what) = what {
            self.capped = Some(format!("at byte {}: {what}", self.offset));
        }
        self.failed()
    }

    fn failed(&self) -> io::Result<()> {
        match &self.capped {
            Some(what) => Err(io::Error::other(TooLarge(what.clone()))),
            None => Ok(()),
        }
    }
}

impl Scanner<'_> {
    /// Read one unit into `buf`: up to and with the end of the line, or up to the end of a
    /// top-level value when more follows on the line. Returns the bytes read (0 at the end) and
    /// whether the unit ended a line.
    fn read_unit(&mut self, buf: &mut Vec<u8>) -> io::Result<(u64, bool)> {
        self.t.failed()?;
        let start = self.t.offset;
        loop {
            let chunk = match self.inner.fill_buf() {
                Ok(chunk) => chunk,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err),
            };
            if chunk.is_empty() {
                return Ok((self.t.offset - start, false));
            }
            let max_line = self.t.limits.max_line_bytes;
            let mut used = 0;
            let mut end = None;
            while used < chunk.len() {
                // Inside a string only a quote, a backslash or a (damaging) newline matters:
                // jump to the next one and keep the bytes before it whole.
                let skip = self.t.string_run(&chunk[used..]);
                if skip > 0 {
                    buf.extend_from_slice(&chunk[used..used + skip]);
                    used += skip;
                    if buf.len() as u64 > max_line {
                        break;
                    }
                    continue;
                }
                let b = chunk[used];
                used += 1;
                let outside = !self.t.in_string;
                let depth = self.t.depth;
                if self.t.step(b) {
                    buf.push(b);
                }
                if b == b'\n' {
                    end = Some(true);
                } else if outside && depth == 1 && matches!(b, b'}' | b']') {
                    end = Some(false);
                }
                if end.is_some() || buf.len() as u64 > max_line {
                    break;
                }
            }
            self.inner.consume(used);
            self.t.check(buf.len() as u64)?;
            if let Some(ends_line) = end {
                return Ok((self.t.offset - start, ends_line));
            }
        }
    }
}

impl Read for Scanner<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.t.failed()?;
        let mut n = 0;
        while n < out.len() {
            let chunk = match self.inner.fill_buf() {
                Ok(chunk) => chunk,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err),
            };
            if chunk.is_empty() {
                break;
            }
            let mut used = 0;
            while used < chunk.len() && n < out.len() {
                let room = (chunk.len() - used).min(out.len() - n);
                let skip = self.t.string_run(&chunk[used..used + room]);
                if skip > 0 {
                    out[n..n + skip].copy_from_slice(&chunk[used..used + skip]);
                    used += skip;
                    n += skip;
                    continue;
                }
                let b = chunk[used];
                used += 1;
                if self.t.step(b) {
                    out[n] = b;
                    n += 1;
                }
            }
            self.inner.consume(used);
            self.t.check(0)?;
        }
        Ok(n)
    }
}

/// Every top-level value of one line, in order; returns what to do next, how many values of
/// the line were decoded before it, and where in `bytes` the value it stopped at starts (the
/// failed or unfinished one; the end when the line was read through).
fn line_values(bytes: &[u8], mut first: bool, sink: &mut Sink<'_>) -> (Next, usize, usize) {
    let all = bytes;
    let mut bytes = bytes;
    let mut done = 0;
    loop {
        let at = all.len() - bytes.len();
        let elements = sink.elements;
        let problems = sink.outcome.problems.len();
        let (next, end) = one_value(bytes, first, sink);
        if let Next::WholeDocument = next {
            // The elements this unfinished value handed over already are not handed twice.
            sink.skip = sink.elements - elements;
        }
        match (next, end) {
            (Next::Continue, Some(end)) => {
                done += 1;
                bytes = trim(&bytes[end..]);
                if bytes.is_empty() {
                    return (Next::Continue, done, all.len());
                }
                first = false;
            }
            // The last value, read to the end of the line.
            (Next::Continue, None) if sink.outcome.problems.len() == problems => {
                return (Next::Continue, done, all.len());
            }
            (next, _) => return (next, done, at),
        }
    }
}

/// The length of `bytes` with each run of whitespace outside strings cut to [`KEEP_SPACES`], as
/// the [`Scanner`] passes it on (for a record read whole from memory).
fn squeezed_len(bytes: &[u8]) -> u64 {
    let (mut len, mut spaces, mut in_string, mut escaped) = (0u64, 0u64, false, false);
    for &b in bytes {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            len += 1;
            continue;
        }
        if b.is_ascii_whitespace() {
            spaces += 1;
            if spaces <= KEEP_SPACES || b == b'\n' {
                len += 1;
            }
            continue;
        }
        spaces = 0;
        in_string = b == b'"';
        len += 1;
    }
    len
}

/// Where each top-level value of a line ends, as the streaming [`Scanner`] cuts units: after a
/// closing bracket that brings the depth (outside strings) back to zero. Read only when a line
/// needs it (a value in it failed, or opens a document).
fn unit_ends(line: &[u8]) -> Vec<usize> {
    let mut depth = 0usize;
    let mut ends = Vec::new();
    for (i, b) in structure(line) {
        match b {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                if depth == 1 {
                    ends.push(i + 1);
                }
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
    }
    if ends.last() != Some(&line.len()) {
        ends.push(line.len());
    }
    ends
}

/// The bytes of `bytes` outside JSON strings, with their offsets (strings, quotes included,
/// are passed over).
fn structure(bytes: &[u8]) -> impl Iterator<Item = (usize, u8)> + '_ {
    let (mut in_string, mut escaped) = (false, false);
    bytes.iter().enumerate().filter_map(move |(i, &b)| {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            return None;
        }
        in_string = b == b'"';
        (!in_string).then_some((i, b))
    })
}

/// Where the JSON object or array at the start of `bytes` ends (one past its closing bracket),
/// found by bracket depth outside strings. Only called when a value is followed by more input,
/// after the parser has accepted the value, so its brackets are balanced.
fn value_end(bytes: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    for (i, b) in structure(bytes) {
        match b {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ if depth == 0 && !b.is_ascii_whitespace() => return None,
            _ => {}
        }
    }
    None
}

/// What to do after one top-level value.
enum Next {
    Continue,
    /// The rest of the file must be skipped (the first value shows it is not a log, or a digest).
    Stop,
    /// The first line ended inside a value: read the file as one document.
    WholeDocument,
}

/// Decode the top-level value at the start of `bytes`. Returns what to do next and, when more
/// input follows the value on the same line, where the value ends.
fn one_value(bytes: &[u8], first: bool, sink: &mut Sink<'_>) -> (Next, Option<usize>) {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let shape = TopLevel {
        sink: &mut *sink,
        owned: false,
    }
    .deserialize(&mut de);
    // More after the value (`}{`)? Then find where it ends, so the rest is read too.
    let (value, tail) = match shape {
        Ok(_) if de.end().is_err() => match value_end(bytes) {
            Some(end) => (&bytes[..end], Some(end)),
            None => {
                // Junk (a bare number, a word) before more values: report it and read on from
                // the next object or array.
                let next = bytes
                    .iter()
                    .skip(1)
                    .position(|b| matches!(b, b'{' | b'['))
                    .map(|i| i + 1);
                // Quote the junk itself: up to where reading resumes.
                let junk = trim(&bytes[..next.unwrap_or(bytes.len())]);
                sink.outcome.records += 1;
                sink.problem(
                    ProblemKind::BadRecord,
                    format!("unexpected data between values: {}", excerpt(junk)),
                );
                return (Next::Continue, next);
            }
        },
        _ => (bytes, None),
    };
    let next = match shape {
        Ok(Shape::Records) | Ok(Shape::Array) => Next::Continue,
        Ok(Shape::Event) => {
            match serde_json::from_slice::<&RawValue>(value) {
                Ok(raw) => sink.record(raw),
                Err(err) => sink.problem(ProblemKind::InvalidJson, err.to_string()),
            }
            Next::Continue
        }
        Ok(Shape::Digest) => {
            // A digest among logs (a whole bucket piped through `cat`): nothing to count, and
            // what follows it is still read.
            sink.ignored(Ignored::Digest);
            Next::Continue
        }
        Ok(Shape::Other(what)) if first => {
            sink.problem(ProblemKind::NotALog, what);
            Next::Stop
        }
        Ok(Shape::Other(what)) => {
            sink.outcome.records += 1;
            sink.problem(ProblemKind::BadRecord, what);
            Next::Continue
        }
        Err(err) if err.is_eof() && (sink.line == Some(1) || starts_document(bytes)) => {
            Next::WholeDocument
        }
        Err(err) if sink.line.is_some_and(|l| l > 1) => {
            // NDJSON: one bad line is one bad record and does not spoil the next.
            sink.outcome.records += 1;
            sink.problem(ProblemKind::BadRecord, format!("invalid JSON: {err}"));
            Next::Continue
        }
        Err(err) => {
            sink.problem(ProblemKind::InvalidJson, format!("{err}{}", kept(sink)));
            if sink.line.is_some() {
                Next::Continue
            } else {
                Next::Stop
            }
        }
    };
    (next, tail)
}

/// A line that only opens a document (`{` or `[`): the start of a pretty-printed file, e.g. one
/// that `cat` appended to single-line logs.
fn starts_document(bytes: &[u8]) -> bool {
    matches!(trim(bytes), b"{" | b"[")
}

/// Pretty-printed input, streamed: a sequence of top-level values separated by whitespace (or
/// nothing), the first `skip` of which were decoded already; `first` when no value came before.
/// Records are handed over as they are parsed, so nothing but the current record is held, and
/// the records before any damage were delivered already. A read error is returned.
fn whole_document(
    reader: impl Read,
    sink: &mut Sink<'_>,
    skip: usize,
    mut first: bool,
) -> io::Result<()> {
    sink.line = None;
    let mut de = serde_json::Deserializer::from_reader(reader);
    let mut skip = skip;
    loop {
        // Whitespace (and byte-order marks, dropped by the scanner) up to the next value.
        match de.end() {
            Ok(()) => return Ok(()),
            Err(err) if err.is_io() => return Err(err.into()),
            Err(_) => {}
        }
        if let Some(base) = sink.record_base {
            base.set(0);
        }
        let shape = if skip > 0 {
            skip -= 1;
            de::Deserialize::deserialize(&mut de)
                .map(|IgnoredAny| ())
                .map(|_| None)
        } else {
            TopLevel {
                sink: &mut *sink,
                owned: true,
            }
            .deserialize(&mut de)
            .map(Some)
        };
        match shape {
            Ok(None) | Ok(Some(Shape::Records | Shape::Array | Shape::Event)) => {}
            Ok(Some(Shape::Digest)) => sink.ignored(Ignored::Digest),
            Ok(Some(Shape::Other(what))) if first => {
                sink.problem(ProblemKind::NotALog, what);
                return Ok(());
            }
            Ok(Some(Shape::Other(what))) => {
                sink.outcome.records += 1;
                sink.problem(ProblemKind::BadRecord, what);
            }
            Err(err) if err.is_io() => return Err(err.into()),
            Err(err) => {
                // Damaged document: the records before the damage were delivered.
                sink.problem(ProblemKind::InvalidJson, format!("{err}{}", kept(sink)));
                return Ok(());
            }
        }
        first = false;
    }
}

/// Deliver what can be read from a damaged value (records before a truncation), silently: the
/// caller reports the damage.
fn salvage(bytes: &[u8], sink: &mut Sink<'_>) {
    let body = trim(bytes);
    if body.is_empty() {
        return;
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    // The error is the damage the caller reports; records before it were delivered.
    let _ = TopLevel {
        sink: &mut *sink,
        owned: false,
    }
    .deserialize(&mut de);
}

/// The note on records kept from a damaged file (not for a bad NDJSON line: reading goes on).
fn kept(sink: &Sink<'_>) -> String {
    match sink.outcome.records {
        _ if sink.line.is_some_and(|l| l > 1) => String::new(),
        0 => String::new(),
        1 => " (the record before the damage was kept)".to_string(),
        n => format!(" ({n} records before the damage were kept)"),
    }
}

fn trim(bytes: &[u8]) -> &[u8] {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let mut start = 0;
    loop {
        if bytes[start..].starts_with(BOM) {
            start += BOM.len();
        } else if bytes.get(start).is_some_and(|b| b.is_ascii_whitespace()) {
            start += 1;
        } else {
            break;
        }
    }
    let mut end = bytes.len();
    while end > start && bytes[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    &bytes[start..end]
}

fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(40)]);
    let more = if bytes.len() > 40 { "..." } else { "" };
    format!("{:?}{more}", text)
}

/// What a top-level value turned out to be.
enum Shape {
    Records,
    Array,
    Digest,
    Event,
    Other(String),
}

/// Streams the elements of `{"Records":[...]}` or `[...]` to the sink while parsing, and
/// classifies any other object by its keys.
struct TopLevel<'s, 'a> {
    sink: &'s mut Sink<'a>,
    /// Reading from a stream: records are copied out (nothing can be borrowed), and a
    /// top-level event is handed over from here.
    owned: bool,
}

impl<'de> DeserializeSeed<'de> for TopLevel<'_, '_> {
    type Value = Shape;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Shape, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TopLevel<'_, '_> {
    type Value = Shape;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a CloudTrail object or array")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Shape, M::Error> {
        let mut shape = Shape::Other("a JSON object without CloudTrail fields".to_string());
        // When streaming, the entries of an object that may be an event are kept to hand it
        // over whole (within the record limit).
        let mut entries: Vec<(String, Box<RawValue>)> = Vec::new();
        let mut size = 0u64;
        while let Some(key) = map.next_key::<String>()? {
            let kind = TopKey::of(&key);
            if let TopKey::Records = kind {
                map.next_value_seed(Elements {
                    sink: &mut *self.sink,
                    owned: self.owned,
                    depth: 2,
                })?;
                shape = Shape::Records;
                entries = Vec::new();
                continue;
            }
            if self.owned && !matches!(shape, Shape::Records) {
                let value: Box<RawValue> = map.next_value()?;
                size += (key.len() + value.get().len() + 4) as u64;
                if size <= self.sink.max_record {
                    entries.push((key, value));
                }
            } else {
                map.next_value::<IgnoredAny>()?;
            }
            match kind {
                TopKey::Digest if !matches!(shape, Shape::Records) => shape = Shape::Digest,
                TopKey::Event if matches!(shape, Shape::Other(_)) => shape = Shape::Event,
                _ => {}
            }
        }
        if self.owned && matches!(shape, Shape::Event) {
            if size > self.sink.max_record {
                self.sink.outcome.records += 1;
                let detail = format!(
                    "a record of more than {} {} (--max-record-bytes)",
                    self.sink.max_record,
                    plural(self.sink.max_record, "byte", "bytes")
                );
                self.sink.problem(ProblemKind::BadRecord, detail);
            } else {
                let mut text = String::with_capacity(size as usize + 2);
                text.push('{');
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 {
                        text.push(',');
                    }
                    text.push_str(&serde_json::to_string(key).map_err(de::Error::custom)?);
                    text.push(':');
                    text.push_str(value.get());
                }
                text.push('}');
                let raw = RawValue::from_string(text).map_err(de::Error::custom)?;
                self.sink.record(&raw);
            }
        }
        Ok(shape)
    }

    fn visit_seq<S: SeqAccess<'de>>(self, seq: S) -> Result<Shape, S::Error> {
        Elements {
            sink: self.sink,
            owned: self.owned,
            depth: 1,
        }
        .visit_seq(seq)?;
        Ok(Shape::Array)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Shape, E> {
        Ok(Shape::Other("a JSON boolean".into()))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Shape, E> {
        Ok(Shape::Other("a JSON number".into()))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Shape, E> {
        Ok(Shape::Other("a JSON number".into()))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Shape, E> {
        Ok(Shape::Other("a JSON number".into()))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Shape, E> {
        Ok(Shape::Other("a JSON string".into()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Shape, E> {
        Ok(Shape::Other("JSON null".into()))
    }
}

/// The elements of a Records array (or a bare array), delivered one by one.
struct Elements<'s, 'a> {
    sink: &'s mut Sink<'a>,
    /// See [`TopLevel::owned`].
    owned: bool,
    /// The nesting depth of the array (1: a bare array, 2: a `Records` array).
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Elements<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Elements<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of CloudTrail events")
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        if !self.owned {
            while let Some(raw) = seq.next_element::<&'de RawValue>()? {
                self.sink.record(raw);
            }
            return Ok(());
        }
        if let Some(base) = self.sink.record_base {
            base.set(self.depth);
        }
        while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
            self.sink.record(&raw);
        }
        Ok(())
    }
}

/// Top-level keys that decide what an object is.
enum TopKey {
    Records,
    Digest,
    Event,
    Other,
}

impl TopKey {
    fn of(key: &str) -> TopKey {
        match key {
            "Records" => TopKey::Records,
            "digestStartTime" | "digestEndTime" | "logFiles" | "digestS3Bucket" => TopKey::Digest,
            "eventVersion" | "eventTime" | "eventSource" | "eventName" | "awsRegion"
            | "eventID" | "userIdentity" | "@timestamp" => TopKey::Event,
            _ => TopKey::Other,
        }
    }
}

/// Read every record of an in-memory input, as [`read_records`] reads a file (gzip by magic, the
/// same decoder): the hook the fuzz targets use (`tests/fuzz`).
pub(crate) fn read_bytes(bytes: &[u8], on_record: &mut dyn FnMut(RawRecord<'_>)) -> ReadOutcome {
    let limits = super::Limits::default();
    let record_base = Cell::new(usize::MAX);
    let mut sink = Sink {
        name: "(bytes)",
        on_record,
        outcome: ReadOutcome::default(),
        line: None,
        elements: 0,
        skip: 0,
        max_record: limits.max_record_bytes,
        record_base: Some(&record_base),
    };
    let gzip = bytes.starts_with(&[0x1f, 0x8b]);
    // As a file is read: gzip inflated whole when it can be, else streamed.
    if gzip {
        let fast = super::inflate::with_inflated_bytes(
            bytes,
            usize::try_from(limits.max_line_bytes).unwrap_or(usize::MAX),
            |inflated| decode_in_memory(inflated, limits, &record_base, &mut sink),
        );
        if let Some(bytes) = fast {
            sink.outcome.bytes = bytes;
            return sink.outcome;
        }
    }
    let mut reader: Box<dyn BufRead> = if gzip {
        Box::new(BufReader::with_capacity(BUF, MultiGzDecoder::new(bytes)))
    } else {
        Box::new(bytes)
    };
    let mut scanner = Scanner::new(&mut *reader, limits, &record_base);
    decode(&mut scanner, gzip, &mut sink);
    sink.outcome.bytes = scanner.offset();
    sink.outcome
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::GzEncoder;

    use super::*;

    fn run(bytes: &[u8]) -> (Vec<(String, Location)>, ReadOutcome) {
        run_with(bytes, Limits::default())
    }

    fn run_with(bytes: &[u8], limits: Limits) -> (Vec<(String, Location)>, ReadOutcome) {
        let mut dir = std::env::temp_dir();
        dir.push(format!(
            "trailtune-decode-{}-{}",
            std::process::id(),
            rand_suffix()
        ));
        std::fs::write(&dir, bytes).unwrap();
        let mut source = Source::file(dir.clone());
        source.limits = limits;
        let mut seen = Vec::new();
        let outcome = read_records(&source, &mut |r| {
            let v: serde_json::Value = serde_json::from_str(r.json.get()).unwrap();
            seen.push((v["eventID"].as_str().unwrap_or("?").to_string(), r.location));
        });
        std::fs::remove_file(&dir).unwrap();
        (seen, outcome)
    }

    fn rand_suffix() -> u64 {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        N.fetch_add(1, Ordering::Relaxed)
    }

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    /// A one-line delivery object of these eventIDs, each record holding brackets and an escaped
    /// quote inside a string (`}{[\"`), which must not cut it.
    fn obj(ids: &[&str]) -> String {
        let records: Vec<String> = ids
            .iter()
            .map(|i| format!("{{\"eventID\":\"{i}\",\"s\":\"}}{{[\\\"\"}}"))
            .collect();
        format!("{{\"Records\":[{}]}}", records.join(","))
    }

    fn ids(seen: &[(String, Location)]) -> Vec<&str> {
        seen.iter().map(|(id, _)| id.as_str()).collect()
    }

    #[test]
    fn records_wrapper_single_line() {
        let (seen, out) = run(br#"{"Records":[{"eventID":"a"},{"eventID":"b"}]}"#);
        assert_eq!(ids(&seen), ["a", "b"]);
        assert_eq!(
            seen[1].1,
            Location {
                record: 2,
                line: Some(1)
            }
        );
        assert!(out.problems.is_empty());
    }

    #[test]
    fn records_wrapper_pretty_printed_gzip() {
        let text =
            b"{\n  \"Records\": [\n    {\"eventID\": \"a\"},\n    {\"eventID\": \"b\"}\n  ]\n}\n";
        let (seen, out) = run(&gz(text));
        assert_eq!(ids(&seen), ["a", "b"]);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_eq!(out.bytes, text.len() as u64);
    }

    #[test]
    fn records_on_the_first_line_of_a_multi_line_document_are_delivered_once() {
        let (seen, out) = run(b"{\"Records\": [{\"eventID\": \"a\"},\n  {\"eventID\": \"b\"}]}\n");
        assert_eq!(ids(&seen), ["a", "b"]);
        assert_eq!(seen[1].1.record, 2);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
    }

    #[test]
    fn multi_member_gzip() {
        let mut bytes = gz(b"{\"eventID\":\"a\",\"eventTime\":\"x\"}\n");
        bytes.extend(gz(b"{\"eventID\":\"b\",\"eventTime\":\"x\"}\n"));
        let (seen, out) = run(&bytes);
        assert_eq!(ids(&seen), ["a", "b"]);
        assert!(out.problems.is_empty());
    }

    #[test]
    fn bare_array_and_ndjson() {
        let (seen, _) = run(br#"[{"eventID":"a"},{"eventID":"b"}]"#);
        assert_eq!(ids(&seen), ["a", "b"]);
        let (seen, out) = run(
            b"{\"eventID\":\"a\",\"awsRegion\":\"x\"}\n\n{\"Records\":[{\"eventID\":\"b\"}]}\n",
        );
        assert_eq!(ids(&seen), ["a", "b"]);
        assert_eq!(seen[1].1.line, Some(3));
        assert!(out.problems.is_empty());
    }

    #[test]
    fn ndjson_bad_line_is_reported_and_the_rest_kept() {
        let (seen, out) = run(b"{\"eventID\":\"a\"}\n{\"eventID\": broken\n{\"eventID\":\"c\"}\n");
        assert_eq!(ids(&seen), ["a", "c"]);
        assert_eq!(out.problems.len(), 1);
        assert_eq!(out.problems[0].kind, ProblemKind::BadRecord);
        assert_eq!(
            out.problems[0].location.unwrap(),
            Location {
                record: 2,
                line: Some(2)
            }
        );
    }

    #[test]
    fn truncated_records_keep_what_came_before() {
        let full = br#"{"Records":[{"eventID":"a"},{"eventID":"b"},{"eventID":"c"}]}"#;
        let (seen, out) = run(&full[..44]); // cut inside the third record
        assert_eq!(ids(&seen), ["a", "b"]);
        assert_eq!(out.problems.len(), 1);
        assert_eq!(out.problems[0].kind, ProblemKind::InvalidJson);
        assert!(
            out.problems[0]
                .detail
                .contains("2 records before the damage"),
            "{}",
            out.problems[0]
        );
    }

    #[test]
    fn truncated_gzip_keeps_what_came_before() {
        let mut text = String::from("{\"Records\":[");
        for i in 0..2000 {
            text.push_str(&format!(
                "{{\"eventID\":\"e{i}\",\"pad\":\"{}\"}},",
                i * 7919
            ));
        }
        text.push_str("{\"eventID\":\"last\"}]}");
        let bytes = gz(text.as_bytes());
        let (seen, out) = run(&bytes[..bytes.len() / 2]);
        assert!(!seen.is_empty() && seen.len() < 2001, "{}", seen.len());
        assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
        assert_eq!(out.problems[0].kind, ProblemKind::CorruptGzip);
    }

    #[test]
    fn concatenated_objects_are_all_read() {
        let digest = r#"{"awsAccountId":"1","digestStartTime":"2020","logFiles":[]}"#;
        let pretty = "{\n  \"Records\": [\n    {\"eventID\": \"p1\"}\n  ]\n}";
        for (input, want) in [
            // zcat of delivery files: no newline between objects.
            (
                format!("{}{}", obj(&["a", "b"]), obj(&["c"])),
                vec!["a", "b", "c"],
            ),
            (
                format!("{} {}\n{}", obj(&["a"]), obj(&["b"]), obj(&["c"])),
                vec!["a", "b", "c"],
            ),
            // A digest in the middle of a bucket piped through cat.
            (
                format!("{}{digest}{}", obj(&["a"]), obj(&["b"])),
                vec!["a", "b"],
            ),
            (format!("{digest}{}", obj(&["a"])), vec!["a"]),
            // Single-line then pretty-printed.
            (format!("{}{pretty}", obj(&["a"])), vec!["a", "p1"]),
            (
                format!("{}\n{}{pretty}", obj(&["a"]), obj(&["b"])),
                vec!["a", "b", "p1"],
            ),
            (format!("{pretty}{}", obj(&["a"])), vec!["p1", "a"]),
            // Bare events back to back.
            (
                r#"{"eventID":"x"}{"eventID":"y"}"#.to_string(),
                vec!["x", "y"],
            ),
        ] {
            let (seen, out) = run(input.as_bytes());
            let ids: Vec<&str> = seen.iter().map(|(id, _)| id.as_str()).collect();
            assert_eq!(ids, want, "{input}");
            assert!(out.problems.is_empty(), "{input}: {:?}", out.problems);
            // The same as gzip members back to back (`cat *.json.gz`).
            let halves = input.len() / 2;
            let split = (halves..input.len())
                .find(|i| input.is_char_boundary(*i))
                .unwrap();
            let mut gzipped = gz(&input.as_bytes()[..split]);
            gzipped.extend(gz(&input.as_bytes()[split..]));
            let (seen, out) = run(&gzipped);
            assert_eq!(seen.len(), want.len(), "gzip members: {input}");
            assert!(out.problems.is_empty(), "{input}: {:?}", out.problems);
        }
        // Separators found in the wild (editors' byte-order marks, blank first lines, junk
        // between values, a non-log object before a pretty-printed file): every record is
        // read, and what is not a record is reported once.
        let bom = "\u{feff}";
        for (input, want, bad) in [
            (
                format!("{} {bom}{}", obj(&["a"]), obj(&["b"])),
                vec!["a", "b"],
                0,
            ),
            (
                format!("{pretty}\n{bom}{}", obj(&["a"])),
                vec!["p1", "a"],
                0,
            ),
            (format!("{pretty}{bom}{}", obj(&["a"])), vec!["p1", "a"], 0),
            (
                format!("\n{}\nbad\n{}", obj(&["a"]), obj(&["b"])),
                vec!["a", "b"],
                1,
            ),
            (
                format!("{}\n{{\n \"foo\":1\n}}\n{}", obj(&["a"]), obj(&["b"])),
                vec!["a", "b"],
                1,
            ),
            (
                format!("{} 42 {}", obj(&["a"]), obj(&["b"])),
                vec!["a", "b"],
                1,
            ),
            (
                format!("{}{{\"foo\":1}}{}{pretty}", obj(&["a", "b"]), obj(&["c"])),
                vec!["a", "b", "c", "p1"],
                1,
            ),
        ] {
            let (seen, out) = run(input.as_bytes());
            let ids: Vec<&str> = seen.iter().map(|(id, _)| id.as_str()).collect();
            assert_eq!(ids, want, "{input:?}");
            assert_eq!(out.problems.len(), bad, "{input:?}: {:?}", out.problems);
            assert!(
                out.problems
                    .iter()
                    .all(|p| p.kind == ProblemKind::BadRecord),
                "{input:?}: {:?}",
                out.problems
            );
        }
        // Trailing junk after a value is reported, not silently dropped.
        let (seen, out) = run(format!("{} 42", obj(&["a"])).as_bytes());
        assert_eq!(seen.len(), 1);
        assert_eq!(
            out.problems[0].kind,
            ProblemKind::BadRecord,
            "{:?}",
            out.problems
        );
    }

    #[test]
    fn a_gzip_file_decodes_in_memory_exactly_as_streamed() {
        // Plain files stream through the Scanner; gzip files of an ordinary size are inflated
        // whole and split with memchr. Every record, location, problem and count must agree.
        let pretty = "{\n  \"Records\": [\n    {\"eventID\": \"p1\"}\n  ]\n}";
        let digest = r#"{"awsAccountId":"1","digestStartTime":"2020","logFiles":[]}"#;
        let inputs = [
            format!("{}\n{}\n", obj(&["a", "b"]), obj(&["c"])),
            format!("{}{}", obj(&["a"]), obj(&["b"])),
            format!(
                "\n\n{} 42 {}\n\nbad\n{}",
                obj(&["a"]),
                obj(&["b"]),
                obj(&["c"])
            ),
            format!("{}\n{}{pretty}", obj(&["a"]), obj(&["b"])),
            format!("{pretty}\n{}", obj(&["a"])),
            format!("\u{feff}{}\n{digest}\n{}", obj(&["a"]), obj(&["b"])),
            "{\"eventID\":\"a\"}\n{\"eventID\": broken\n{\"eventID\":\"c\"}\n".to_string(),
            r#"{"Records":[{"eventID":"a"},{"eventID":"b"},{"eventID":"c"#.to_string(),
            "# not a log\n{}".to_string(),
            "   \n  ".to_string(),
            r#"{"Records":[{"eventID":"a"},42,"x"]}"#.to_string(),
            // A bad value among values glued on one line: the ones after it are still read.
            format!(
                "{}{{\"eventID\":\"n\",\"x\":NaN}}{}{}",
                obj(&["a"]),
                obj(&["c"]),
                obj(&["d"])
            ),
            format!("{{\"Records\":null}} {}", obj(&["a"])),
            format!("\u{feff}{pretty}\n"),
            format!(
                "{}{{\"Records\": [{{\"eventID\": 1}}, oops]}}\n{}",
                obj(&["a"]),
                obj(&["b"])
            ),
        ];
        // JSON error columns may differ: the streaming decoder counts them after squeezing long
        // runs of whitespace.
        let columns = |text: String| -> String {
            let mut out = String::new();
            let mut rest = text.as_str();
            while let Some(at) = rest.find("column ") {
                out.push_str(&rest[..at + 7]);
                rest = rest[at + 7..].trim_start_matches(|c: char| c.is_ascii_digit());
                out.push('_');
            }
            out + rest
        };
        let show = |(seen, out): (Vec<(String, Location)>, ReadOutcome)| {
            let problems: Vec<String> = out
                .problems
                .iter()
                .map(|p| columns(p.to_string()))
                .collect();
            (seen, problems, out.records, out.bytes, out.ignored)
        };
        // A record of 2 KB on one line, then a pretty-printed document; whitespace inside a record.
        let big = format!(r#"{{"eventID":"big","pad":"{}"}}"#, "x".repeat(2000));
        let spaced = format!(r#"{{"eventID":"s","eventName":{}"X"}}"#, " ".repeat(3000));
        let limited = [
            format!("{{\"Records\":[{big},{{\"eventID\":\"a\"}}]}}{pretty}"),
            format!("{{\"Records\":[{{\"eventID\":\"a\"}},{big}]}}\n{pretty}\n"),
            format!("{spaced}\n{}", obj(&["a"])),
        ];
        let limits = Limits {
            max_record_bytes: 1000,
            max_line_bytes: 1 << 20,
        };
        // Found by the decode fuzz target (tests/fuzz): damaged lines, as bytes.
        let fuzzed: Vec<Vec<u8>> = std::fs::read_dir(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fuzz/decode"),
        )
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
        let cases = inputs
            .into_iter()
            .map(String::into_bytes)
            .chain(fuzzed)
            .map(|i| (i, Limits::default()))
            .chain(limited.into_iter().map(|i| (i.into_bytes(), limits)));
        for (bytes, limits) in cases {
            let input = String::from_utf8_lossy(&bytes);
            let streamed = show(run_with(&bytes, limits));
            let in_memory = show(run_with(&gz(&bytes), limits));
            // The source names differ (temporary files): compare what follows the name.
            let strip = |v: &[String]| -> Vec<String> {
                v.iter()
                    .map(|p| p.split_once(':').map_or(p.clone(), |x| x.1.to_string()))
                    .collect()
            };
            assert_eq!(streamed.0, in_memory.0, "{input:?}");
            assert_eq!(strip(&streamed.1), strip(&in_memory.1), "{input:?}");
            assert_eq!(
                (streamed.2, &streamed.4),
                (in_memory.2, &in_memory.4),
                "{input:?}"
            );
            // Bytes read: the same, except where reading stops early (a unit of a line).
            if streamed.3 == bytes.len() as u64 {
                assert_eq!(streamed.3, in_memory.3, "{input:?}");
            }
        }
    }

    #[test]
    fn digest_and_non_logs_are_skipped() {
        let (seen, out) = run(br#"{"awsAccountId":"1","digestStartTime":"2020","logFiles":[]}"#);
        assert!(seen.is_empty());
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_eq!(out.ignored, [Ignored::Digest]);
        let (_, out) = run(b"# SOURCE\nsome text\n");
        assert_eq!(out.problems[0].kind, ProblemKind::NotALog);
        let (_, out) = run(br#"{"name":"package.json"}"#);
        assert_eq!(out.problems[0].kind, ProblemKind::NotALog);
        let (_, out) = run(b"");
        assert_eq!(out.problems[0].kind, ProblemKind::NotALog);
        let (_, out) = run(b"\x1f\x8bnot really gzip");
        assert_eq!(out.problems[0].kind, ProblemKind::CorruptGzip);
    }

    const SMALL: Limits = Limits {
        max_record_bytes: 100,
        max_line_bytes: 1000,
    };

    #[test]
    fn whitespace_bomb_is_reported_not_held() {
        // 4 MB of spaces from a small gzip: squeezed as it streams, then refused by its length.
        let mut text = br#"{"Records":[{"eventID":"a"}]}"#.to_vec();
        text.extend(std::iter::repeat_n(b' ', 4 << 20));
        text.extend(br#"{"Records":[{"eventID":"b"}]}"#);
        let (seen, out) = run_with(&gz(&text), SMALL);
        assert_eq!(ids(&seen), ["a"]);
        assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
        assert_eq!(out.problems[0].kind, ProblemKind::TooLarge);
        assert!(
            out.problems[0].detail.contains("whitespace"),
            "{}",
            out.problems[0]
        );
        // Within the limit, the whitespace means nothing.
        let (seen, out) = run_with(&gz(&text), Limits::default());
        assert_eq!(ids(&seen), ["a", "b"]);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        // The same inside a pretty-printed document.
        let mut text = b"{\n \"Records\": [{\"eventID\":\"a\"},".to_vec();
        text.extend(std::iter::repeat_n(b' ', 4 << 20));
        text.extend(br#"{"eventID":"b"}]}"#);
        let (seen, out) = run_with(&gz(&text), SMALL);
        assert_eq!(ids(&seen), ["a"]);
        assert_eq!(
            out.problems[0].kind,
            ProblemKind::TooLarge,
            "{:?}",
            out.problems
        );
    }

    #[test]
    fn long_line_is_reported_and_the_lines_before_kept() {
        let long = format!(
            r#"{{"Records":[{{"eventID":"b","pad":"{}"}}]}}"#,
            "x".repeat(2000)
        );
        let text = format!("{{\"eventID\":\"a\"}}\n{long}\n{{\"eventID\":\"c\"}}\n");
        let (seen, out) = run_with(text.as_bytes(), SMALL);
        assert_eq!(ids(&seen), ["a"]);
        assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
        assert_eq!(out.problems[0].kind, ProblemKind::TooLarge);
        assert!(
            out.problems[0].detail.contains("--max-line-bytes"),
            "{}",
            out.problems[0]
        );
        // Values concatenated on one line (`zcat`) are units of their own: no line limit.
        let one = r#"{"Records":[{"eventID":"a"},{"eventID":"b"}]}"#;
        let (seen, out) = run_with(one.repeat(100).as_bytes(), SMALL);
        assert_eq!(seen.len(), 200);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
    }

    #[test]
    fn large_record_is_reported() {
        let big = format!(r#"{{"eventID":"b","pad":"{}"}}"#, "x".repeat(200));
        // Line mode: the record is skipped, the next one read.
        let text = format!(r#"{{"Records":[{{"eventID":"a"}},{big},{{"eventID":"c"}}]}}"#);
        let (seen, out) = run_with(text.as_bytes(), SMALL);
        assert_eq!(ids(&seen), ["a", "c"]);
        assert_eq!(
            out.problems[0].kind,
            ProblemKind::BadRecord,
            "{:?}",
            out.problems
        );
        // A pretty-printed document of many records streams; a record over the limit ends it.
        let mut text = String::from("{\n  \"Records\": [\n");
        for i in 0..50 {
            text.push_str(&format!("    {{\"eventID\": \"e{i}\"}},\n"));
        }
        text.push_str(&format!("    {big}\n  ]\n}}\n"));
        let (seen, out) = run_with(text.as_bytes(), SMALL);
        assert_eq!(seen.len(), 50);
        assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
        assert!(
            matches!(
                out.problems[0].kind,
                ProblemKind::TooLarge | ProblemKind::BadRecord
            ),
            "{:?}",
            out.problems
        );
    }

    #[test]
    fn records_that_are_not_objects() {
        let (seen, out) = run(br#"{"Records":[{"eventID":"a"},42,"x"]}"#);
        assert_eq!(ids(&seen), ["a"]);
        assert_eq!(out.records, 3);
        assert_eq!(out.problems.len(), 2);
        assert_eq!(out.problems[0].kind, ProblemKind::BadRecord);
        assert_eq!(out.problems[0].location.unwrap().record, 2);
    }
}
