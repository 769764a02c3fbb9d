//! Stage 1: find and decode CloudTrail logs. Consumes paths (files, folders, `-` for stdin);
//! produces [`Source`]s and, per source, the raw JSON records it holds, each with its location.
//! Formats are recognised by content (gzip magic, `{"Records":[...]}`, a bare array, NDJSON),
//! never by name. Digest files and files that are not logs are skipped with a reason, never
//! counted as events. This stage does not know what an event means (that is `event`), and it
//! never panics on input: every problem becomes a [`Problem`] with the file, the record or line,
//! and the reason. With the `s3` feature, a PATH may also be `s3://bucket/prefix` ([`s3url`]): its
//! objects are listed and downloaded by `s3/` and decoded by the same decoder as local files.

mod decode;
mod discover;
mod inflate;
mod log;
#[cfg(feature = "s3")]
mod s3;
pub mod s3url;
mod skim;

use std::fmt;
use std::path::PathBuf;

use chrono::NaiveDate;

pub(crate) use decode::read_bytes;
pub use decode::read_records;
pub use log::{ProblemLog, Progress};
#[cfg(feature = "s3")]
pub use s3::fetch::S3Object;
pub(crate) use skim::Skim;

use rayon::prelude::*;

/// How many sources are processed between two merges in [`map_in_order`].
const CHUNK: usize = 256;

/// Process every source on the rayon pool and hand each result to `merge` in source order. Work
/// is done a chunk of sources at a time, so at most a chunk of per-file results is alive at once
/// (memory stays bounded by what the results keep, not by the number of files), and whatever
/// `merge` builds comes out in a deterministic order. The first error of `merge` stops the run.
pub fn map_in_order<S: Sync, T: Send, E>(
    sources: &[S],
    map: impl Fn(&S) -> T + Sync,
    mut merge: impl FnMut(T) -> Result<(), E>,
) -> Result<(), E> {
    for chunk in sources.chunks(CHUNK) {
        let results: Vec<T> = chunk.par_iter().map(&map).collect();
        for result in results {
            merge(result)?;
        }
    }
    Ok(())
}
#[cfg(test)]
pub use discover::discover;
pub use discover::{DiscoverOptions, Discovery};

/// What keeps the S3 downloads of a read going ahead of its workers ([`prefetch`]); dropping it
/// stops them.
pub struct Prefetch {
    #[cfg(feature = "s3")]
    _downloads: s3::Prefetch,
}

/// Start downloading the S3 objects among `sources` ahead of the workers that will read them, in
/// their order, within a byte budget (see `input/s3/fetch.rs`). Local sources need nothing.
/// Keep the result alive while the sources are read.
pub fn prefetch(sources: &[Source]) -> Prefetch {
    #[cfg(not(feature = "s3"))]
    let _ = sources;
    Prefetch {
        #[cfg(feature = "s3")]
        _downloads: s3::prefetch(sources),
    }
}

/// How S3 PATHs are reached (validated by `config`): the AWS environment does the rest
/// (credentials, region, timeouts).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct S3Options {
    /// Anonymous requests (`--no-sign-request`), for public buckets.
    pub no_sign_request: bool,
    /// `--endpoint-url`, checked; else `AWS_ENDPOINT_URL(_S3)` is used.
    pub endpoint: Option<s3url::Endpoint>,
    /// Plain http to a host that is not loopback (`--allow-http`).
    pub allow_http: bool,
}

/// Why S3 cannot be read at all (as opposed to one prefix or object: a [`Problem`]).
#[derive(Debug, thiserror::Error)]
#[cfg_attr(not(feature = "s3"), allow(dead_code))]
pub enum RemoteError {
    #[error(
        "no AWS credentials for {url}{detail}. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones), or AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN, or run where container or instance credentials are; for an SSO or named profile: eval \"$(aws configure export-credentials --format env)\"; for a public bucket: --no-sign-request"
    )]
    NoCredentials { url: String, detail: String },
    #[error("the S3 client for {url}: {detail}")]
    Client { url: String, detail: String },
}

/// Where the logs come from and how strictly they are read (validated by `config`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InputConfig {
    /// Files, folders (recursive) or `-` for standard input.
    pub paths: Vec<PathBuf>,
    /// Stop at the first unreadable file or record instead of skipping it.
    pub strict: bool,
    /// Draw a progress bar (on a terminal).
    pub progress: bool,
    /// How large a record or a line may be.
    pub limits: Limits,
    /// How `s3://` PATHs are reached.
    pub s3: S3Options,
}

/// Size limits of the decoder: input an attacker may have shaped (a gzip of gigabytes of
/// spaces, one endless line) is reported and passed over instead of filling memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest record (one event). A larger record is skipped and reported; in a
    /// pretty-printed document the rest of that file is skipped with it.
    pub max_record_bytes: u64,
    /// The largest unit read whole: a line, or one single-line JSON value (one delivery object;
    /// values concatenated on one line by `zcat` are units of their own), and the longest run of
    /// whitespace. A larger one ends the reading of that file (reported, with the records before
    /// it kept). Pretty-printed documents are streamed and bounded by the record limit only.
    pub max_line_bytes: u64,
}

impl Limits {
    /// CloudTrail records are at most a few hundred KB.
    pub const DEFAULT_MAX_RECORD_BYTES: u64 = 4 << 20;
    /// A delivery object is at most a few tens of MB uncompressed. With one line buffer per worker
    /// thread, this bounds the memory a run of one-line bombs takes (2 threads: 128 MiB).
    pub const DEFAULT_MAX_LINE_BYTES: u64 = 64 << 20;
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_record_bytes: Limits::DEFAULT_MAX_RECORD_BYTES,
            max_line_bytes: Limits::DEFAULT_MAX_LINE_BYTES,
        }
    }
}

impl InputConfig {
    /// Whether standard input is among the paths (it can be read once only).
    pub fn reads_stdin(&self) -> bool {
        self.paths.iter().any(|p| p.as_os_str() == "-")
    }
}

/// Why reading could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error(
        "no input: give one or more PATHs (files or folders of CloudTrail logs), or - for standard input"
    )]
    NoPaths,
    #[error("{0} (--strict)")]
    Strict(Problem),
    #[error(transparent)]
    Remote(#[from] RemoteError),
}

/// The one discovery step of every command that reads logs: refuse an empty path list, find the
/// sources, and log the problems met on the way (or stop at the first under `--strict`).
pub fn find(
    input: &InputConfig,
    opts: &DiscoverOptions,
) -> Result<(Discovery, ProblemLog), InputError> {
    if input.paths.is_empty() {
        return Err(InputError::NoPaths);
    }
    let mut found = discover::discover_with(&input.paths, opts, &input.s3)?;
    for source in &mut found.sources {
        source.limits = input.limits;
    }
    let mut problems = ProblemLog::default();
    for (what, n) in std::mem::take(&mut found.ignored) {
        problems.ignore(what, n);
    }
    for p in std::mem::take(&mut found.problems) {
        if input.strict {
            return Err(InputError::Strict(p));
        }
        problems.push(p);
    }
    Ok((found, problems))
}

/// Where records come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceKind {
    File(PathBuf),
    Stdin,
    /// An object of a bucket.
    #[cfg(feature = "s3")]
    S3(S3Object),
}

/// One input: a file or standard input.
#[derive(Debug, Clone)]
pub struct Source {
    pub kind: SourceKind,
    /// The delivery date in an S3-layout path (`.../CloudTrail/<region>/YYYY/MM/DD/<file>`).
    pub path_date: Option<NaiveDate>,
    /// How large its records and lines may be.
    pub limits: Limits,
}

impl Source {
    /// A file source with its S3-layout date, if any.
    pub fn file(path: PathBuf) -> Source {
        let path_date = discover::s3_path_date(&path);
        Source {
            kind: SourceKind::File(path),
            path_date,
            limits: Limits::default(),
        }
    }

    /// An S3 object with its layout date, if any.
    #[cfg(feature = "s3")]
    pub fn s3(object: S3Object) -> Source {
        let path_date = discover::s3_path_date(std::path::Path::new(&object.key));
        Source {
            kind: SourceKind::S3(object),
            path_date,
            limits: Limits::default(),
        }
    }

    pub fn stdin() -> Source {
        Source {
            kind: SourceKind::Stdin,
            path_date: None,
            limits: Limits::default(),
        }
    }

    /// How the source is named in messages.
    pub fn name(&self) -> String {
        match &self.kind {
            SourceKind::File(p) => p.display().to_string(),
            SourceKind::Stdin => "<stdin>".to_string(),
            #[cfg(feature = "s3")]
            SourceKind::S3(object) => object.name(),
        }
    }
}

/// Where in a source a record sits: its 1-based ordinal, and its 1-based line when the format is
/// line-oriented (NDJSON, single-line `{"Records":[...]}` objects).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Location {
    pub record: usize,
    pub line: Option<usize>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}, record {}", self.record),
            None => write!(f, "record {}", self.record),
        }
    }
}

/// Why something was skipped. The variants are the categories of the end-of-run summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProblemKind {
    /// A path given on the command line does not exist or cannot be read.
    Unreadable,
    /// Gzip stream damaged or cut short.
    CorruptGzip,
    /// The JSON is invalid or ends early (a truncated file); records before the damage are kept.
    InvalidJson,
    /// Not a CloudTrail log at all (wrong content).
    NotALog,
    /// A record that is not a JSON object, or an NDJSON line that is not valid JSON.
    BadRecord,
    /// A record without a usable `eventTime` (and no `@timestamp`).
    NoEventTime,
    /// A record without a usable `awsRegion`.
    NoRegion,
    /// A line, a run of whitespace or a record in a pretty-printed document larger than the
    /// limits (`--max-line-bytes`, `--max-record-bytes`): the rest of the file was not read.
    TooLarge,
}

impl ProblemKind {
    /// Whether the whole file was skipped (as opposed to one record of it).
    pub fn is_file_level(self) -> bool {
        !matches!(
            self,
            ProblemKind::BadRecord | ProblemKind::NoEventTime | ProblemKind::NoRegion
        )
    }

    /// Short label for summaries.
    pub fn label(self) -> &'static str {
        match self {
            ProblemKind::Unreadable => "unreadable",
            ProblemKind::CorruptGzip => "corrupt gzip",
            ProblemKind::InvalidJson => "invalid JSON",
            ProblemKind::NotALog => "not a CloudTrail log",
            ProblemKind::BadRecord => "bad record",
            ProblemKind::NoEventTime => "no usable eventTime",
            ProblemKind::NoRegion => "no awsRegion",
            ProblemKind::TooLarge => "too large",
        }
    }
}

/// Input that holds no API activity by design, or that was already counted, passed over quietly:
/// it is not a problem (it never changes the exit status), but the summary says how much there
/// was.
#[cfg_attr(not(feature = "s3"), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ignored {
    /// A CloudTrail digest (integrity validation): a `CloudTrail-Digest/` folder, or a digest
    /// object found among logs.
    Digest,
    /// CloudTrail Insights: a `CloudTrail-Insight/` folder, or a record with `eventType`
    /// `AwsCloudTrailInsight` (never counted as an API call).
    Insight,
    /// Another service's logs under `AWSLogs/<account>/` (load balancers, VPC flow logs, ...).
    OtherService,
    /// An S3 date folder (`.../CloudTrail/<region>/YYYY[/MM[/DD]]/`) whose dates are outside
    /// the window: never listed (a local file of such a date is counted as pruned instead).
    OutsideWindow,
    /// A file reached twice (overlapping PATHs, the same file named twice): read once.
    DuplicateFile,
    /// A duplicate delivery of an event (same `eventID`): counted once.
    DuplicateEvent,
}

impl Ignored {
    /// What `n` of them are, for summaries.
    pub fn label(self, n: u64) -> &'static str {
        let one = n == 1;
        match self {
            Ignored::Digest if one => "CloudTrail digest",
            Ignored::Digest => "CloudTrail digests",
            Ignored::Insight if one => "Insights file or record",
            Ignored::Insight => "Insights files or records",
            Ignored::OtherService if one => "folder of another service's logs",
            Ignored::OtherService => "folders of other services' logs",
            Ignored::OutsideWindow if one => "S3 date folder outside the window (not listed)",
            Ignored::OutsideWindow => "S3 date folders outside the window (not listed)",
            Ignored::DuplicateFile if one => "file reached twice (read once)",
            Ignored::DuplicateFile => "files reached twice (read once)",
            Ignored::DuplicateEvent if one => "duplicate delivery (same eventID, counted once)",
            Ignored::DuplicateEvent => "duplicate deliveries (same eventID, counted once)",
        }
    }
}

/// One skipped file or record: which, where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub source: String,
    pub location: Option<Location>,
    pub kind: ProblemKind,
    pub detail: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.source)?;
        if let Some(loc) = self.location {
            write!(f, " ({loc})")?;
        }
        write!(f, ": {}", self.kind.label())?;
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}
