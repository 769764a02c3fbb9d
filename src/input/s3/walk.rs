//! List an S3 PATH the way local discovery walks a folder, with delimiter listings (one request
//! per folder and 1,000 keys): every folder is classified by the same rules as a local one
//! (hidden names skipped; under `AWSLogs/` only `CloudTrail/` trees entered, digests, Insights and
//! other services counted as [`Ignored`] and never listed), objects found at any depth are
//! sources, and the result is sorted as `walkdir` sorts a local tree (by path component), so a
//! bucket and its local copy give the same sources in the same order.
//!
//! Date folders (`.../CloudTrail/<region>/YYYY[/MM[/DD]]`) are the exception: they are set aside
//! on the first pass ([`Walk::start`]) and listed on the second ([`Walk::finish`]) only when
//! their dates can hold an event of the window ([`Bounds`]), so a 90-day window over a bucket of
//! five years lists about 90 day folders per region, not 1,800. When only `--days` is known, the
//! window ends at the newest path date: [`newest`] finds it by listing the years, months and
//! days of the newest year, newest first. A year or month folder outside the window is passed
//! over whole (with anything oddly named inside it) and counted as
//! [`Ignored::OutsideWindow`]; a folder that is not a date (`2025/misc/`) is listed as any other.

use std::collections::{BTreeMap, HashMap};
use std::path::Path as FsPath;
use std::sync::Arc;

use chrono::NaiveDate;
use futures::StreamExt;
use object_store::path::Path;
use object_store::{ListResult, ObjectMeta, ObjectStore, ObjectStoreExt};

use super::Bucket;
use crate::input::discover::{Bounds, not_cloudtrail, special_folder};
use crate::input::s3url::S3Url;
use crate::input::{Ignored, Problem, ProblemKind};

/// Folders listed at once.
const LISTINGS_IN_FLIGHT: usize = 16;

/// One object found: its key and size.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub key: String,
    pub size: u64,
}

/// What a folder is, from its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Not entered: hidden (not counted) or passed over by design (counted).
    Skip(Option<Ignored>),
    Year(i32),
    Month(i32, u32),
    Day(NaiveDate),
    Other,
}

impl Kind {
    /// Whether a date folder can hold a file the window reads (`None`: not a date folder).
    fn kept(self, bounds: &Bounds) -> Option<bool> {
        match self {
            Kind::Year(y) => bounds.keeps_year(y),
            Kind::Month(y, m) => bounds.keeps_month(y, m),
            Kind::Day(d) => Some(bounds.keeps_day(d)),
            _ => None,
        }
    }

    fn is_date(self) -> bool {
        matches!(self, Kind::Year(_) | Kind::Month(..) | Kind::Day(_))
    }
}

fn digits(s: &str, n: usize) -> Option<u32> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Classify the folder `key` (no trailing `/`; a child of the walk's root).
fn classify(key: &str) -> Kind {
    let segs: Vec<&str> = key.split('/').collect();
    let n = segs.len();
    if segs[n - 1].starts_with('.') {
        return Kind::Skip(None);
    }
    if let Some(what) = not_cloudtrail(FsPath::new(key)) {
        return Kind::Skip(Some(what));
    }
    let at = |i: usize| n.checked_sub(i).map(|i| segs[i]);
    let year = |i: usize| at(i).and_then(|s| digits(s, 4)).map(|y| y as i32);
    let month = |i: usize| {
        at(i)
            .and_then(|s| digits(s, 2))
            .filter(|m| (1..=12).contains(m))
    };
    if at(3) == Some("CloudTrail")
        && let Some(y) = year(1)
    {
        return Kind::Year(y);
    }
    if at(4) == Some("CloudTrail")
        && let (Some(y), Some(m)) = (year(2), month(1))
    {
        return Kind::Month(y, m);
    }
    if at(5) == Some("CloudTrail")
        && let (Some(y), Some(m), Some(d)) = (year(3), month(2), at(1).and_then(|s| digits(s, 2)))
        && let Some(date) = NaiveDate::from_ymd_opt(y, m, d)
    {
        return Kind::Day(date);
    }
    Kind::Other
}

/// The walk of one S3 PATH.
#[derive(Debug)]
pub(crate) struct Walk {
    pub bucket: Arc<Bucket>,
    pub url: S3Url,
    pub found: Vec<Found>,
    pub problems: Vec<Problem>,
    pub ignored: BTreeMap<Ignored, usize>,
    /// Date folders set aside by the first pass.
    deferred: Vec<(String, Kind)>,
    /// Listings already made (by the search for the newest date), by folder.
    cache: HashMap<String, ListResult>,
}

fn folder_name(bucket: &str, key: &str) -> String {
    if key.is_empty() {
        S3Url::name(bucket, "")
    } else {
        S3Url::name(bucket, &format!("{key}/"))
    }
}

impl Walk {
    /// First pass: list everything but the date folders.
    pub async fn start(bucket: Arc<Bucket>, url: S3Url) -> Walk {
        let mut walk = Walk {
            bucket,
            url,
            found: Vec::new(),
            problems: Vec::new(),
            ignored: BTreeMap::new(),
            deferred: Vec::new(),
            cache: HashMap::new(),
        };
        let root = walk.url.prefix.clone();
        // The root itself is listed whatever its name (as a local PATH is walked).
        let listed = walk.list(&root).await;
        let mut empty = true;
        match listed {
            Ok(list) => {
                empty = list.common_prefixes.is_empty()
                    && list.objects.iter().all(|o| is_marker(o, &root));
                walk.take(&root, list, None).await;
            }
            Err(e) => walk.problem(&folder_name(&walk.bucket.name, &root), e),
        }
        if empty && walk.problems.is_empty() {
            walk.single_object_or_nothing().await;
        }
        walk
    }

    /// `s3://bucket/key` naming one object, or nothing at all (a problem: a mistyped prefix
    /// must not read as an empty, clean input).
    async fn single_object_or_nothing(&mut self) {
        let root = self.url.prefix.clone();
        if !self.url.folder
            && let Ok(path) = Path::parse(&root)
        {
            match self.bucket.store.head(&path).await {
                Ok(meta) => {
                    self.found.push(Found {
                        key: root,
                        size: meta.size,
                    });
                    return;
                }
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => {
                    self.problem(&S3Url::name(&self.bucket.name, &root), super::describe(&e));
                    return;
                }
            }
        }
        self.problems.push(Problem {
            source: self.url.to_string(),
            location: None,
            kind: ProblemKind::Unreadable,
            detail: "no object under this prefix".to_string(),
        });
    }

    fn problem(&mut self, source: &str, detail: String) {
        self.problems.push(Problem {
            source: source.to_string(),
            location: None,
            kind: ProblemKind::Unreadable,
            detail,
        });
    }

    /// A delimiter listing of `folder` (no trailing `/`; empty: the bucket).
    async fn list(&mut self, folder: &str) -> Result<ListResult, String> {
        if let Some(cached) = self.cache.remove(folder) {
            return Ok(cached);
        }
        list(&self.bucket, folder).await
    }

    /// Take a listing of `folder`: its objects are found, its folders classified; with
    /// `bounds`, date folders are listed when they are in the window, else set aside.
    async fn take(&mut self, folder: &str, list: ListResult, bounds: Option<&Bounds>) {
        let frontier = self.children(folder, list, bounds);
        self.descend(frontier, bounds).await;
    }

    /// List the folders of `frontier` and everything under them, a level at a time, up to
    /// [`LISTINGS_IN_FLIGHT`] listings at once.
    async fn descend(&mut self, mut frontier: Vec<String>, bounds: Option<&Bounds>) {
        while !frontier.is_empty() {
            let bucket = Arc::clone(&self.bucket);
            let mut listed: Vec<(String, Result<ListResult, String>)> = Vec::new();
            let mut to_list = Vec::new();
            for key in frontier.drain(..) {
                match self.cache.remove(&key) {
                    Some(list) => listed.push((key, Ok(list))),
                    None => to_list.push(key),
                }
            }
            let fresh: Vec<(String, Result<ListResult, String>)> = futures::stream::iter(to_list)
                .map(|key| {
                    let bucket = Arc::clone(&bucket);
                    async move {
                        let list = list(&bucket, &key).await;
                        (key, list)
                    }
                })
                .buffer_unordered(LISTINGS_IN_FLIGHT)
                .collect()
                .await;
            for (key, list) in listed.into_iter().chain(fresh) {
                match list {
                    Ok(list) => frontier.extend(self.children(&key, list, bounds)),
                    Err(e) => self.problem(&folder_name(&self.bucket.name, &key), e),
                }
            }
        }
    }

    /// The objects of a listing found; its sub-folders to list next returned.
    fn children(&mut self, folder: &str, list: ListResult, bounds: Option<&Bounds>) -> Vec<String> {
        for object in list.objects {
            if is_marker(&object, folder) {
                continue;
            }
            let key = object.location.as_ref();
            let name = key.rsplit('/').next().unwrap_or(key);
            // Hidden files are skipped below the root, as a local walk skips them.
            if name.starts_with('.') && key != self.url.prefix {
                continue;
            }
            self.found.push(Found {
                key: key.to_string(),
                size: object.size,
            });
        }
        let mut next = Vec::new();
        for sub in list.common_prefixes {
            let key = sub.as_ref().to_string();
            let kind = classify(&key);
            match (kind, bounds) {
                (Kind::Skip(None), _) => {}
                (Kind::Skip(Some(what)), _) => *self.ignored.entry(what).or_insert(0) += 1,
                (k, None) if k.is_date() => self.deferred.push((key, k)),
                (k, Some(b)) if k.kept(b) == Some(false) => {
                    *self.ignored.entry(Ignored::OutsideWindow).or_insert(0) += 1;
                }
                _ => next.push(key),
            }
        }
        next
    }

    /// Second pass: the date folders set aside, listed where the window needs them.
    pub async fn finish(&mut self, bounds: &Bounds) {
        let mut kept = Vec::new();
        for (key, kind) in std::mem::take(&mut self.deferred) {
            if kind.kept(bounds) == Some(false) {
                *self.ignored.entry(Ignored::OutsideWindow).or_insert(0) += 1;
            } else {
                kept.push(key);
            }
        }
        self.descend(kept, Some(bounds)).await;
    }

    /// The keys found, in a local walk's order (by path component), each once.
    pub fn sorted(&mut self) -> Vec<Found> {
        let mut found = std::mem::take(&mut self.found);
        found.sort_by(|a, b| a.key.split('/').cmp(b.key.split('/')));
        found.dedup_by(|a, b| a.key == b.key);
        found
    }

    /// The newest path date (not after `latest`) of this walk's deferred date folders: the
    /// newest day folder that holds an object. A best-first search: the folders that may hold
    /// the newest day (by the last day their name allows) are listed first, all of one rank at
    /// once; so it lists the newest year folders, then the newest month folders, then the newest
    /// day folders, which the window holds anyway (their listings are kept for the second pass).
    async fn newest(&mut self, latest: NaiveDate) -> Option<NaiveDate> {
        let mut open: Vec<(NaiveDate, String, Kind)> = self
            .deferred
            .iter()
            .filter_map(|(key, kind)| candidate(key.clone(), *kind, latest))
            .collect();
        while let Some(top) = open.iter().map(|c| c.0).max() {
            let (rank, rest): (Vec<_>, Vec<_>) = open.into_iter().partition(|c| c.0 == top);
            open = rest;
            let bucket = Arc::clone(&self.bucket);
            let expanded: Vec<Expanded> = futures::stream::iter(rank)
                .map(|(_, key, kind)| {
                    let bucket = Arc::clone(&bucket);
                    async move { expand(&bucket, key, kind, latest).await }
                })
                .buffer_unordered(LISTINGS_IN_FLIGHT)
                .collect()
                .await;
            let mut found = None;
            for e in expanded {
                if let Some((key, list)) = e.listed {
                    self.cache.insert(key, list);
                }
                found = found.max(e.holds);
                open.extend(e.children);
            }
            if found.is_some() {
                return found;
            }
        }
        None
    }
}

/// A date folder to search for the newest day, ranked by the last day its name allows.
fn candidate(key: String, kind: Kind, latest: NaiveDate) -> Option<(NaiveDate, String, Kind)> {
    let (first, last) = span(kind)?;
    (first <= latest).then_some((last.min(latest), key, kind))
}

/// What listing one date folder for the newest day gave.
struct Expanded {
    /// The folder's listing.
    listed: Option<(String, ListResult)>,
    /// A day folder that holds an object: its date.
    holds: Option<NaiveDate>,
    /// Its date sub-folders, ranked.
    children: Vec<(NaiveDate, String, Kind)>,
}

/// List a date folder: whether a day holds an object, or the date folders below it.
async fn expand(bucket: &Bucket, key: String, kind: Kind, latest: NaiveDate) -> Expanded {
    let list = match list(bucket, &key).await {
        Ok(list) => list,
        // Reported when the second pass lists it again.
        Err(_) => {
            return Expanded {
                listed: None,
                holds: None,
                children: Vec::new(),
            };
        }
    };
    let holds = match kind {
        Kind::Day(d) if d <= latest => list
            .objects
            .iter()
            .any(|o| {
                let k = o.location.as_ref();
                !is_marker(o, &key)
                    && !k.rsplit('/').next().is_some_and(|n| n.starts_with('.'))
                    && special_folder(FsPath::new(k)).is_none()
            })
            .then_some(d),
        _ => None,
    };
    let children = match kind {
        Kind::Day(_) => Vec::new(),
        _ => list
            .common_prefixes
            .iter()
            .filter_map(|p| {
                let k = classify(p.as_ref());
                k.is_date()
                    .then(|| candidate(p.as_ref().to_string(), k, latest))
                    .flatten()
            })
            .collect(),
    };
    Expanded {
        listed: Some((key, list)),
        holds,
        children,
    }
}

/// The first and last day a date folder can hold.
fn span(kind: Kind) -> Option<(NaiveDate, NaiveDate)> {
    match kind {
        Kind::Year(y) => Some((
            NaiveDate::from_ymd_opt(y, 1, 1)?,
            NaiveDate::from_ymd_opt(y, 12, 31)?,
        )),
        Kind::Month(y, m) => {
            let first = NaiveDate::from_ymd_opt(y, m, 1)?;
            let last = first.checked_add_months(chrono::Months::new(1))? - chrono::Days::new(1);
            Some((first, last))
        }
        Kind::Day(d) => Some((d, d)),
        _ => None,
    }
}

/// The newest path date of all walks (not after `latest`).
pub(crate) async fn newest(walks: &mut [Walk], latest: NaiveDate) -> Option<NaiveDate> {
    let mut best = None;
    for walk in walks {
        best = best.max(walk.newest(latest).await);
    }
    best
}

/// A folder marker (`folder/`, as consoles create): the listed folder itself, or a key ending
/// in `/`.
fn is_marker(object: &ObjectMeta, folder: &str) -> bool {
    object.location.as_ref() == folder || object.location.as_ref().ends_with('/')
}

async fn list(bucket: &Bucket, folder: &str) -> Result<ListResult, String> {
    let prefix = if folder.is_empty() {
        None
    } else {
        Some(Path::parse(folder).map_err(|e| e.to_string())?)
    };
    bucket
        .store
        .list_with_delimiter(prefix.as_ref())
        .await
        .map_err(|e| super::describe(&e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn folders_are_classified_as_a_local_walk_would() {
        for (key, want) in [
            ("AWSLogs/1/CloudTrail/eu-west-1/2025", Kind::Year(2025)),
            (
                "p/AWSLogs/o-ab/1/CloudTrail/eu-west-1/2025/02",
                Kind::Month(2025, 2),
            ),
            (
                "AWSLogs/1/CloudTrail/eu-west-1/2024/02/29",
                Kind::Day(date("2024-02-29")),
            ),
            // Not dates: listed as any folder.
            ("AWSLogs/1/CloudTrail/eu-west-1/2025/02/30", Kind::Other),
            ("AWSLogs/1/CloudTrail/eu-west-1/2023/02/29", Kind::Other),
            ("AWSLogs/1/CloudTrail/eu-west-1/2025/13", Kind::Other),
            ("AWSLogs/1/CloudTrail/eu-west-1/25", Kind::Other),
            ("AWSLogs/1/CloudTrail/eu-west-1/misc", Kind::Other),
            ("AWSLogs/1/CloudTrail/eu-west-1", Kind::Other),
            ("logs/2025/11/03", Kind::Other),
            (
                "AWSLogs/1/CloudTrail-Digest",
                Kind::Skip(Some(Ignored::Digest)),
            ),
            (
                "AWSLogs/o-x/1/CloudTrail-Insight",
                Kind::Skip(Some(Ignored::Insight)),
            ),
            (
                "AWSLogs/1/vpcflowlogs",
                Kind::Skip(Some(Ignored::OtherService)),
            ),
            ("AWSLogs/1/CloudTrail/.tmp", Kind::Skip(None)),
            ("CloudTrail-Digest", Kind::Skip(Some(Ignored::Digest))),
        ] {
            assert_eq!(classify(key), want, "{key}");
        }
    }

    /// Every day folder of `from..=to`, and the ones the window keeps, as `YYYY/MM/DD`; a year
    /// or month folder outside the window drops all its days unlisted.
    fn listed(bounds: &Bounds, from: &str, to: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut d = date(from);
        while d <= date(to) {
            let k = |s: String| classify(&format!("AWSLogs/1/CloudTrail/r/{s}"));
            let y = k(format!("{:04}", d.year()));
            let m = k(format!("{:04}/{:02}", d.year(), d.month()));
            let day = k(format!("{:04}/{:02}/{:02}", d.year(), d.month(), d.day()));
            if [y, m, day].iter().all(|k| k.kept(bounds) == Some(true)) {
                out.push(d.format("%Y/%m/%d").to_string());
            }
            d = d.succ_opt().unwrap();
        }
        out
    }

    fn bounds(lower: Option<&str>, upper: Option<&str>) -> Bounds {
        Bounds {
            lower: lower.map(date),
            upper: upper.map(date),
            latest: date("2026-12-01"),
        }
    }

    #[test]
    fn a_window_maps_to_its_day_folders_across_month_and_year_ends() {
        // --since 2024-12-30 --until 2025-01-02: the upper bound has a day of slack.
        let b = bounds(Some("2024-12-30"), Some("2025-01-03"));
        assert_eq!(
            listed(&b, "2024-11-01", "2025-02-28"),
            [
                "2024/12/30",
                "2024/12/31",
                "2025/01/01",
                "2025/01/02",
                "2025/01/03"
            ]
        );
        assert_eq!(b.keeps_year(2023), Some(false));
        assert_eq!(b.keeps_month(2024, 11), Some(false));
        assert_eq!(b.keeps_month(2025, 2), Some(false));
        assert_eq!(b.keeps_month(2024, 13), None);
    }

    #[test]
    fn leap_days() {
        let b = bounds(Some("2024-02-28"), Some("2024-03-01"));
        assert_eq!(
            listed(&b, "2024-02-01", "2024-03-31"),
            ["2024/02/28", "2024/02/29", "2024/03/01"]
        );
        // A window starting on the leap day keeps February; one ending the day before March.
        assert_eq!(
            bounds(Some("2024-02-29"), None).keeps_month(2024, 2),
            Some(true)
        );
        assert_eq!(
            bounds(None, Some("2024-02-29")).keeps_month(2024, 3),
            Some(false)
        );
        // 2023 has no 29 February: that folder is no date, so never pruned.
        assert_eq!(classify("AWSLogs/1/CloudTrail/r/2023/02/29"), Kind::Other);
    }

    #[test]
    fn future_folders_are_always_read() {
        // A folder dated after tomorrow is read (its events meet the future-date guard).
        let b = bounds(Some("2025-01-01"), Some("2025-01-31"));
        assert_eq!(b.keeps_year(2027), Some(true));
        assert_eq!(b.keeps_month(2026, 12), Some(true));
        assert!(b.keeps_day(date("2026-12-02")));
        assert!(!b.keeps_day(date("2026-12-01")));
    }

    #[test]
    fn without_bounds_everything_is_kept() {
        let b = bounds(None, None);
        assert_eq!(listed(&b, "2024-12-30", "2025-01-02").len(), 4);
    }

    #[test]
    fn keys_sort_as_a_local_walk() {
        let mut keys = ["a-c/x", "a/b", "a/b/c", "a b/x", "ab"];
        keys.sort_by(|a, b| a.split('/').cmp(b.split('/')));
        // `walkdir` sorts siblings by name: "a" < "a b" < "a-c" < "ab"; a folder's files follow it.
        assert_eq!(keys, ["a/b", "a/b/c", "a b/x", "a-c/x", "ab"]);
    }
}
