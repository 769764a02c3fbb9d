//! Find the inputs: walk the paths given (folders recursively, sorted, so runs are
//! deterministic), recognise the S3 layout `AWSLogs/<acct>/CloudTrail/<region>/YYYY/MM/DD/<file>`
//! (and the Organizations layout `AWSLogs/<o-id>/<acct>/CloudTrail/...`), and prune files whose
//! path date lies outside the window. Under `AWSLogs/` only the `CloudTrail/` trees are walked:
//! digests (`CloudTrail-Digest/`), Insights (`CloudTrail-Insight/`) and other services' logs (load
//! balancers, VPC flow logs, ...) are passed over without being listed or opened, and only
//! counted ([`Ignored`]). `s3://` PATHs are listed by `s3/walk.rs` under the same rules, listing
//! only the date folders the window needs; their objects take their place among the sources in
//! the order the PATHs were given. Consumes paths; produces [`Source`]s plus the problems met on
//! the way.

use std::path::{Component, Path, PathBuf};

use chrono::{Days, NaiveDate};
use walkdir::WalkDir;

use std::collections::{BTreeMap, HashSet};

use super::{Ignored, Problem, ProblemKind, RemoteError, S3Options, Source};
use crate::window;

/// The window known before reading, for pruning files by their S3 path date.
#[derive(Debug, Clone, Copy, Default)]
pub struct DiscoverOptions {
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    /// Window length; used with `until`, or with the newest path date when `until` is unknown.
    pub days: Option<u32>,
}

/// What discovery found.
#[derive(Debug, Default)]
pub struct Discovery {
    pub sources: Vec<Source>,
    /// Digest/Insights files and unreadable paths, skipped without decoding.
    pub problems: Vec<Problem>,
    /// Files left unopened because their S3 path date is outside the window.
    pub pruned: usize,
    /// Folders (and files) passed over by design: digests, Insights, other services' logs,
    /// files reached twice.
    pub ignored: BTreeMap<Ignored, usize>,
    /// The files found so far, by identity.
    files: HashSet<(u64, u64)>,
}

/// Walk `paths` (`-` is standard input) and return the sources to read, in a stable order.
/// `s3://` PATHs are read with the default [`S3Options`]; a client that cannot be made is a
/// problem of each of them. (The tests' entry point; commands go through [`super::find`].)
#[cfg(test)]
pub fn discover(paths: &[PathBuf], opts: &DiscoverOptions) -> Discovery {
    match discover_with(paths, opts, &S3Options::default()) {
        Ok(found) => found,
        Err(e) => Discovery {
            problems: paths
                .iter()
                .filter(|p| super::s3url::is_s3(p))
                .map(|p| unreadable(p, &e.to_string()))
                .collect(),
            ..Discovery::default()
        },
    }
}

/// Walk `paths` (`-` is standard input, `s3://` PATHs reached with `s3`) and return the sources
/// to read, in a stable order; an error when S3 cannot be reached at all (no credentials, a bad
/// endpoint).
pub(crate) fn discover_with(
    paths: &[PathBuf],
    opts: &DiscoverOptions,
    s3: &S3Options,
) -> Result<Discovery, RemoteError> {
    let mut found = Discovery::default();
    #[cfg(feature = "s3")]
    let mut remote = remote::Remote::new(s3);
    #[cfg(not(feature = "s3"))]
    let _ = s3;
    for path in paths {
        if path.as_os_str() == "-" {
            found.sources.push(Source::stdin());
            continue;
        }
        if super::s3url::is_s3(path) {
            let text = path.to_string_lossy();
            match super::s3url::S3Url::parse(&text) {
                #[cfg(feature = "s3")]
                Ok(url) => remote.start(url, found.sources.len())?,
                #[cfg(not(feature = "s3"))]
                Ok(_) => found.problems.push(unreadable(
                    path,
                    "this trailtune was built without S3 support (cargo feature `s3`)",
                )),
                Err(e) => found.problems.push(unreadable(path, &e.to_string())),
            }
            continue;
        }
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(err) => {
                found.problems.push(unreadable(path, &err.to_string()));
                continue;
            }
        };
        if meta.is_file() {
            push_file(&mut found, path.clone(), &meta);
            continue;
        }
        let mut passed_over: Vec<Ignored> = Vec::new();
        let walk = WalkDir::new(path)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                if e.depth() == 0 {
                    return true;
                }
                if is_hidden(e.file_name()) {
                    return false;
                }
                match not_cloudtrail(e.path()) {
                    Some(what) => {
                        passed_over.push(what);
                        false
                    }
                    _ => true,
                }
            });
        for entry in walk {
            match entry {
                Ok(entry) if entry.file_type().is_file() => match entry.metadata() {
                    Ok(meta) => push_file(&mut found, entry.into_path(), &meta),
                    Err(err) => found
                        .problems
                        .push(unreadable(entry.path(), &err.to_string())),
                },
                Ok(_) => {}
                Err(err) => {
                    let at = err.path().unwrap_or(path).to_path_buf();
                    found.problems.push(unreadable(&at, &err.to_string()));
                }
            }
        }
        for what in passed_over {
            *found.ignored.entry(what).or_insert(0) += 1;
        }
    }
    #[cfg(feature = "s3")]
    remote.finish(&mut found, opts);
    prune(&mut found, opts);
    Ok(found)
}

/// The S3 side of discovery: each `s3://` PATH walked in two passes (everything but the date
/// folders, then the date folders the window needs) and its objects put where the PATH stood.
#[cfg(feature = "s3")]
mod remote {
    use std::collections::HashSet;

    use super::super::s3::walk::{self, Walk};
    use super::super::s3::{Clients, runtime};
    use super::super::s3url::S3Url;
    use super::super::{Ignored, RemoteError, S3Object, S3Options, Source};
    use super::{Bounds, DiscoverOptions, Discovery, special_folder};

    pub(super) struct Remote {
        clients: Clients,
        walks: Vec<Walk>,
        /// For each walk, the index among the sources where its objects go.
        at: Vec<usize>,
    }

    impl Remote {
        pub fn new(options: &S3Options) -> Remote {
            Remote {
                clients: Clients::new(options),
                walks: Vec::new(),
                at: Vec::new(),
            }
        }

        /// First pass over `url`; its objects go at index `at` of the sources.
        pub fn start(&mut self, url: S3Url, at: usize) -> Result<(), RemoteError> {
            let bucket = self.clients.bucket(&url)?;
            self.walks
                .push(runtime().block_on(Walk::start(bucket, url)));
            self.at.push(at);
            Ok(())
        }

        /// The window's bounds (with the newest path date of local files and S3 folders, when
        /// only `days` is known), the second pass, and the objects put in place.
        pub fn finish(mut self, found: &mut Discovery, opts: &DiscoverOptions) {
            if self.walks.is_empty() {
                return;
            }
            let latest = Bounds::tomorrow();
            let newest = if Bounds::needs_newest(opts) {
                let local = found
                    .sources
                    .iter()
                    .filter_map(|s| s.path_date)
                    .filter(|d| *d <= latest)
                    .max();
                local.max(runtime().block_on(walk::newest(&mut self.walks, latest)))
            } else {
                None
            };
            let bounds = Bounds::of(opts, newest);
            let mut seen: HashSet<(String, String)> = HashSet::new();
            let mut placed: Vec<(usize, Vec<Source>)> = Vec::new();
            for (mut walk, at) in self.walks.into_iter().zip(self.at) {
                runtime().block_on(walk.finish(&bounds));
                found.problems.append(&mut walk.problems);
                for (what, n) in std::mem::take(&mut walk.ignored) {
                    *found.ignored.entry(what).or_insert(0) += n;
                }
                let mut sources = Vec::new();
                for object in walk.sorted() {
                    if let Some(what) = special_folder(std::path::Path::new(&object.key)) {
                        *found.ignored.entry(what).or_insert(0) += 1;
                        continue;
                    }
                    if !seen.insert((walk.bucket.name.clone(), object.key.clone())) {
                        *found.ignored.entry(Ignored::DuplicateFile).or_insert(0) += 1;
                        continue;
                    }
                    let object =
                        S3Object::new(std::sync::Arc::clone(&walk.bucket), object.key, object.size);
                    sources.push(Source::s3(object));
                }
                placed.push((at, sources));
            }
            // From the last, so the earlier indices still hold.
            for (at, sources) in placed.into_iter().rev() {
                found.sources.splice(at..at, sources);
            }
        }
    }
}

/// Why a folder under `AWSLogs/` holds no CloudTrail API events, if it does not: it sits where
/// the `CloudTrail` folder of an account (or of an account of an organization) would, under
/// another name. Elsewhere a `CloudTrail-Digest`/`CloudTrail-Insight` folder is recognised by
/// name.
pub(crate) fn not_cloudtrail(path: &Path) -> Option<Ignored> {
    let names: Vec<&str> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => s.to_str(),
            _ => None,
        })
        .collect();
    let by_name = |name: &str| match name {
        "CloudTrail-Digest" => Some(Ignored::Digest),
        "CloudTrail-Insight" => Some(Ignored::Insight),
        _ => None,
    };
    let Some(top) = names.iter().rposition(|n| *n == "AWSLogs") else {
        return names.last().and_then(|n| by_name(n));
    };
    let rel = &names[top + 1..];
    // AWSLogs/<account>/<service> or AWSLogs/<o-id>/<account>/<service>.
    let service_at = if rel.first().is_some_and(|n| n.starts_with("o-")) {
        2
    } else {
        1
    };
    match rel.get(service_at) {
        Some(&"CloudTrail") | None => None,
        Some(name) => by_name(name).or(Some(Ignored::OtherService)),
    }
}

fn push_file(found: &mut Discovery, path: PathBuf, meta: &std::fs::Metadata) {
    if let Some(what) = special_folder(&path) {
        *found.ignored.entry(what).or_insert(0) += 1;
        return;
    }
    // The same file reached twice (overlapping PATHs, a link, the file named twice).
    if let Some(id) = file_id(meta)
        && !found.files.insert(id)
    {
        *found.ignored.entry(Ignored::DuplicateFile).or_insert(0) += 1;
        return;
    }
    found.sources.push(Source::file(path));
}

/// What identifies a file whatever path reaches it (device and inode), where the platform says.
#[cfg(unix)]
fn file_id(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_id(_: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

fn unreadable(path: &Path, why: &str) -> Problem {
    Problem {
        source: path.display().to_string(),
        location: None,
        kind: ProblemKind::Unreadable,
        detail: why.to_string(),
    }
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|s| s.starts_with('.'))
}

pub(crate) fn special_folder(path: &Path) -> Option<Ignored> {
    path.components().find_map(|c| match c {
        Component::Normal(name) if name == "CloudTrail-Digest" => Some(Ignored::Digest),
        Component::Normal(name) if name == "CloudTrail-Insight" => Some(Ignored::Insight),
        _ => None,
    })
}

/// The delivery date of a file in the S3 layout: `.../CloudTrail/<region>/YYYY/MM/DD/<file>`.
pub(crate) fn s3_path_date(path: &Path) -> Option<NaiveDate> {
    let parts: Vec<&str> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => s.to_str(),
            _ => None,
        })
        .collect();
    // [..., "CloudTrail", region, yyyy, mm, dd, file]
    let n = parts.len();
    if n < 6 || parts[n - 6] != "CloudTrail" {
        return None;
    }
    let (y, m, d) = (parts[n - 4], parts[n - 3], parts[n - 2]);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// Which delivery dates can hold an event of the window: the one definition used to prune local
/// files by their path date and to choose the S3 date folders to list. CloudTrail delivers a
/// file a few minutes after its last event, so a file dated D holds events of D or D-1: one day
/// of slack on the upper bound. Without `until`, the newest event is at least the newest path
/// date minus one day, so the window cannot start before `newest_path_date - days`. A date after
/// tomorrow is a bad clock or a forged path: always read (its events meet the future-date
/// guard), and never the newest date (it would prune every real file as "outside the window").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bounds {
    pub lower: Option<NaiveDate>,
    pub upper: Option<NaiveDate>,
    /// Tomorrow (UTC).
    pub latest: NaiveDate,
}

#[cfg_attr(not(feature = "s3"), allow(dead_code))]
impl Bounds {
    /// The bounds of `opts`; `newest` is the newest path date (not after tomorrow) found, used
    /// when only `days` is known.
    pub fn of(opts: &DiscoverOptions, newest: Option<NaiveDate>) -> Bounds {
        let upper = opts.until.and_then(|u| u.checked_add_days(Days::new(1)));
        let lower = match (opts.since, opts.until, opts.days) {
            (Some(since), _, _) => Some(since),
            (None, Some(until), Some(days)) => Some(window::first_day(until, days)),
            // One day more than the window: the newest event may be a day before its file's date.
            (None, None, Some(days)) => {
                newest.map(|n| window::first_day(n, days.saturating_add(1)))
            }
            _ => None,
        };
        Bounds {
            lower,
            upper,
            latest: Self::tomorrow(),
        }
    }

    /// The latest plausible path date.
    pub fn tomorrow() -> NaiveDate {
        chrono::Utc::now().date_naive() + Days::new(1)
    }

    /// Whether the newest path date is needed before the bounds are known.
    pub fn needs_newest(opts: &DiscoverOptions) -> bool {
        matches!((opts.since, opts.until, opts.days), (None, None, Some(_)))
    }

    /// Whether a file dated `d` is read.
    pub fn keeps_day(&self, d: NaiveDate) -> bool {
        d > self.latest
            || (self.lower.is_none_or(|lo| d >= lo) && self.upper.is_none_or(|hi| d <= hi))
    }

    /// Whether any day from `first` to `last` is read.
    fn keeps_span(&self, first: NaiveDate, last: NaiveDate) -> bool {
        last > self.latest
            || (self.lower.is_none_or(|lo| last >= lo) && self.upper.is_none_or(|hi| first <= hi))
    }

    /// Whether any day of month `m` of year `y` is read (`None`: not a month).
    pub fn keeps_month(&self, y: i32, m: u32) -> Option<bool> {
        let first = NaiveDate::from_ymd_opt(y, m, 1)?;
        let last = first.checked_add_months(chrono::Months::new(1))? - Days::new(1);
        Some(self.keeps_span(first, last))
    }

    /// Whether any day of year `y` is read (`None`: not a year chrono can hold).
    pub fn keeps_year(&self, y: i32) -> Option<bool> {
        let first = NaiveDate::from_ymd_opt(y, 1, 1)?;
        let last = NaiveDate::from_ymd_opt(y, 12, 31)?;
        Some(self.keeps_span(first, last))
    }
}

/// Drop files whose path date cannot hold an event of the window ([`Bounds`]).
fn prune(found: &mut Discovery, opts: &DiscoverOptions) {
    let latest = Bounds::tomorrow();
    let newest = found
        .sources
        .iter()
        .filter_map(|s| s.path_date)
        .filter(|d| *d <= latest)
        .max();
    let bounds = Bounds::of(opts, newest);
    let before = found.sources.len();
    found
        .sources
        .retain(|s| s.path_date.is_none_or(|d| bounds.keeps_day(d)));
    found.pruned = before - found.sources.len();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn s3_layout_date() {
        let p = Path::new(
            "x/AWSLogs/111122223333/CloudTrail/eu-west-1/2025/11/03/111122223333_CloudTrail_eu-west-1_20251103T0005Z_abc.json.gz",
        );
        assert_eq!(s3_path_date(p), Some(date("2025-11-03")));
        assert_eq!(s3_path_date(Path::new("logs/2025/11/03/file.json")), None);
        assert_eq!(
            s3_path_date(Path::new("CloudTrail/us-east-1/2025/13/03/f.json")),
            None
        );
    }

    fn sources(dates: &[&str]) -> Discovery {
        Discovery {
            sources: dates
                .iter()
                .map(|d| {
                    let (y, m, dd) = (&d[0..4], &d[5..7], &d[8..10]);
                    Source::file(PathBuf::from(format!(
                        "AWSLogs/1/CloudTrail/us-east-1/{y}/{m}/{dd}/f.json.gz"
                    )))
                })
                .collect(),
            ..Discovery::default()
        }
    }

    #[test]
    fn prune_with_explicit_window_keeps_one_day_of_slack() {
        let mut found = sources(&[
            "2025-01-09",
            "2025-01-10",
            "2025-01-20",
            "2025-01-21",
            "2025-01-22",
        ]);
        let opts = DiscoverOptions {
            since: Some(date("2025-01-10")),
            until: Some(date("2025-01-20")),
            days: None,
        };
        prune(&mut found, &opts);
        let kept: Vec<_> = found
            .sources
            .iter()
            .map(|s| s.path_date.unwrap().to_string())
            .collect();
        assert_eq!(kept, ["2025-01-10", "2025-01-20", "2025-01-21"]);
        assert_eq!(found.pruned, 2);
    }

    #[test]
    fn prune_relative_to_newest_path_date() {
        let mut found = sources(&["2025-01-01", "2025-01-02", "2025-01-05"]);
        prune(
            &mut found,
            &DiscoverOptions {
                days: Some(3),
                ..Default::default()
            },
        );
        let kept: Vec<_> = found
            .sources
            .iter()
            .map(|s| s.path_date.unwrap().to_string())
            .collect();
        assert_eq!(kept, ["2025-01-02", "2025-01-05"]);
    }

    #[test]
    fn digest_folders_are_skipped_unopened() {
        let mut found = Discovery::default();
        let meta = std::fs::metadata(file!()).unwrap();
        push_file(
            &mut found,
            PathBuf::from("AWSLogs/1/CloudTrail-Digest/us-east-1/2025/01/01/d.json.gz"),
            &meta,
        );
        assert!(found.sources.is_empty());
        assert!(found.problems.is_empty());
        assert_eq!(found.ignored[&Ignored::Digest], 1);
    }

    #[test]
    fn only_cloudtrail_trees_are_walked_under_awslogs() {
        for (path, want) in [
            ("b/AWSLogs/111122223333/CloudTrail", None),
            ("b/AWSLogs/111122223333/CloudTrail/eu-west-1/2025", None),
            ("b/AWSLogs/111122223333", None),
            ("b/AWSLogs", None),
            (
                "b/AWSLogs/111122223333/CloudTrail-Digest",
                Some(Ignored::Digest),
            ),
            (
                "b/AWSLogs/111122223333/CloudTrail-Insight",
                Some(Ignored::Insight),
            ),
            (
                "b/AWSLogs/111122223333/elasticloadbalancing",
                Some(Ignored::OtherService),
            ),
            (
                "b/AWSLogs/111122223333/vpcflowlogs",
                Some(Ignored::OtherService),
            ),
            ("b/AWSLogs/o-abc123/111122223333/CloudTrail", None),
            ("b/AWSLogs/o-abc123/111122223333", None),
            (
                "b/AWSLogs/o-abc123/111122223333/CloudTrail-Digest",
                Some(Ignored::Digest),
            ),
            (
                "b/AWSLogs/o-abc123/111122223333/vpcflowlogs",
                Some(Ignored::OtherService),
            ),
            ("logs/CloudTrail-Digest", Some(Ignored::Digest)),
            ("logs/2025", None),
        ] {
            assert_eq!(not_cloudtrail(Path::new(path)), want, "{path}");
        }
    }
}
