//! Find the inputs: walk the paths given (folders recursively, sorted, so runs are
//! deterministic), recognise the S3 layout `AWSLogs/<acct>/CloudTrail/<region>/YYYY/MM/DD/<file>`
//! (and the Organizations layout `AWSLogs/<o-id>/<acct>/CloudTrail/...`), and prune files whose
//! path date lies outside the window. Under `AWSLogs/` only the `CloudTrail/` trees are walked:
//! digests (`CloudTrail-Digest/`), Insights (`CloudTrail-Insight/`) and other services' logs (load
//! balancers, VPC flow logs, ...) are passed over without being listed or opened, and only
//! counted ([`Ignored`]). Consumes paths; produces [`Source`]s plus the problems met on the way.

use std::path::{Component, Path, PathBuf};

use chrono::{Days, NaiveDate};
use walkdir::WalkDir;

use std::collections::{BTreeMap, HashSet};

use super::{Ignored, Problem, ProblemKind, Source};
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
pub fn discover(paths: &[PathBuf], opts: &DiscoverOptions) -> Discovery {
    let mut found = Discovery::default();
    for path in paths {
        if path.as_os_str() == "-" {
            found.sources.push(Source::stdin());
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
    prune(&mut found, opts);
    found
}

/// Why a folder under `AWSLogs/` holds no CloudTrail API events, if it does not: it sits where
/// the `CloudTrail` folder of an account (or of an account of an organization) would, under
/// another name. Elsewhere a `CloudTrail-Digest`/`CloudTrail-Insight` folder is recognised by
/// name.
fn not_cloudtrail(path: &Path) -> Option<Ignored> {
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

fn special_folder(path: &Path) -> Option<Ignored> {
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

/// Drop files whose path date cannot hold an event of the window. CloudTrail delivers a file a
/// few minutes after its last event, so a file dated D holds events of D or D-1: one day of slack
/// on the upper bound. Without `until`, the newest event is at least the newest path date minus
/// one day, so the window cannot start before `newest_path_date - days`.
fn prune(found: &mut Discovery, opts: &DiscoverOptions) {
    // A folder dated after tomorrow is a bad clock or a forged path: it must not decide where
    // the window ends (it would prune every real file as "outside the window").
    let latest = chrono::Utc::now().date_naive() + Days::new(1);
    let newest = found
        .sources
        .iter()
        .filter_map(|s| s.path_date)
        .filter(|d| *d <= latest)
        .max();
    let upper = opts.until.and_then(|u| u.checked_add_days(Days::new(1)));
    let lower = match (opts.since, opts.until, opts.days) {
        (Some(since), _, _) => Some(since),
        (None, Some(until), Some(days)) => Some(window::first_day(until, days)),
        // One day more than the window: the newest event may be a day before its file's date.
        (None, None, Some(days)) => newest.map(|n| window::first_day(n, days.saturating_add(1))),
        _ => None,
    };
    let before = found.sources.len();
    found.sources.retain(|s| match s.path_date {
        None => true,
        // Read (its events meet the future-date guard), never counted as pruned.
        Some(d) if d > latest => true,
        Some(d) => lower.is_none_or(|lo| d >= lo) && upper.is_none_or(|hi| d <= hi),
    });
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
