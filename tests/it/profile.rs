//! `trailtune profile` end to end: the real binary over the bad-input fixtures in
//! testdata/input (written by testdata/make_input_fixtures.py) and over the real CloudTrail
//! captures in ../shared/data/cloudtrail (skipped with a reason when absent). Counts are exact.

use serde_json::Value;

use crate::common::{shared, testdata, trailtune};

/// Run `profile --format json` and return (exit code, parsed stdout, stderr).
fn profile_json(args: &[&str]) -> (i32, Value, String) {
    let out = trailtune()
        .arg("profile")
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout not JSON ({e}); stderr: {stderr}"));
    (out.status.code().unwrap(), json, stderr)
}

fn region_events(json: &Value) -> Vec<(String, u64)> {
    json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["region"].as_str().unwrap().to_string(),
                r["events"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn bad_input_is_reported_counted_and_the_good_data_kept() {
    let dir = testdata("input");
    let (code, json, stderr) = profile_json(&["--days", "10000", dir.to_str().unwrap()]);
    assert_eq!(code, 3, "skipped input => exit 3; stderr: {stderr}");
    let input = &json["input"];
    assert_eq!(input["files"], 7, "{input}");
    assert_eq!(
        input["skipped_files"], 4,
        "corrupt gzip, invalid JSON, truncated gzip, notes.txt (the digest is passed over)"
    );
    assert_eq!(
        input["skipped_records"], 4,
        "no awsRegion, a number record, a bad NDJSON line, eventTime 'redacted'"
    );
    // good 3 + plain 1 + old 1 + truncated 15 kept + invalid 1 kept + ndjson 4 + array 1
    assert_eq!(input["events"], 26);
    assert_eq!(
        region_events(&json),
        [("eu-west-1".to_string(), 25), ("ap-east-1".to_string(), 1)]
    );
    for needle in [
        "passed over (no API calls, or counted already): 1 CloudTrail digest",
        "corrupt.json.gz: corrupt gzip",
        "truncated.json.gz: corrupt gzip: incomplete deflate stream (15 records before the damage were kept)",
        "invalid.json (line 1, record 2): invalid JSON: expected value at line 1 column 553 (the record before the damage was kept)",
        "events.ndjson (line 3, record 3): bad record: invalid JSON",
        "events.ndjson (line 4, record 4): no usable eventTime: eventTime \"redacted\"",
        "plain.json (line 1, record 2): no awsRegion",
        "array.json (record 2): bad record",
        "notes.txt: not a CloudTrail log",
        "skipped 4 files and 4 records",
    ] {
        assert!(
            stderr.contains(needle),
            "stderr lacks {needle:?}:\n{stderr}"
        );
    }
}

#[test]
fn strict_stops_at_the_first_problem() {
    let dir = testdata("input");
    let out = trailtune()
        .args(["profile", "--strict", "--days", "10000"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--strict"));
}

#[test]
fn window_prunes_files_by_s3_path_date_without_opening_them() {
    let dir = testdata("input/AWSLogs");
    let (code, json, _) = profile_json(&[
        "--since",
        "2025-03-01",
        "--until",
        "2025-03-31",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(
        code, 3,
        "a record without awsRegion (the digest is passed over)"
    );
    assert_eq!(json["input"]["pruned_files"], 1);
    assert_eq!(json["input"]["events"], 4);
    assert_eq!(json["window"]["since"], "2025-03-01");
    assert_eq!(json["window"]["until"], "2025-03-31");
}

#[test]
fn default_window_ends_at_the_newest_event() {
    let dir = testdata("input/AWSLogs/111122223333/CloudTrail");
    let (code, json, _) = profile_json(&["--days", "1", dir.to_str().unwrap()]);
    assert_eq!(code, 3, "one record without awsRegion");
    assert_eq!(json["window"]["until"], "2025-03-02");
    assert_eq!(json["window"]["since"], "2025-03-02");
    assert_eq!(json["input"]["events"], 1);
}

#[test]
fn stdin_gzip_is_read() {
    let file = testdata(
        "input/AWSLogs/111122223333/CloudTrail/eu-west-1/2025/03/01/111122223333_CloudTrail_eu-west-1_20250301T1005Z_good.json.gz",
    );
    let out = trailtune()
        .args(["profile", "--format", "csv", "-"])
        .pipe_stdin(&file)
        .unwrap()
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("region,events,share_pct,active_days,first_seen,last_seen")
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("eu-west-1,3,100.0,1,2025-03-01,2025-03-01,1,1,")
    );
}

#[test]
fn by_account_principal_service_day() {
    let dir = testdata("input/AWSLogs");
    for (by, key) in [
        ("account", "111122223333"),
        ("principal", "arn:aws:iam::111122223333:user/alice"),
        ("service", "ec2.amazonaws.com"),
        ("day", "2024-01-01"),
    ] {
        let (_, json, _) = profile_json(&["--days", "10000", "--by", by, dir.to_str().unwrap()]);
        assert_eq!(json["by"], by);
        assert_eq!(json["rows"][0][by], key, "{by}: {json}");
    }
}

#[test]
fn no_events_is_a_fatal_error() {
    let file = testdata("input/damaged/notes.txt");
    let out = trailtune().arg("profile").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no usable CloudTrail events"));
}

#[test]
fn table_has_the_review_columns_and_a_total() {
    let dir = testdata("input/AWSLogs");
    let out = trailtune()
        .args(["profile", "--days", "10000"])
        .arg(&dir)
        .output()
        .unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    for column in [
        "Region",
        "Events",
        "Share %",
        "Active days",
        "First seen",
        "Last seen",
        "Principals",
        "Accounts",
        "Failed %",
        "Global svc %",
        "Catalogue",
        "TOTAL",
    ] {
        assert!(table.contains(column), "missing {column}:\n{table}");
    }
    assert!(
        table.starts_with("Window 1997-10-16 .. 2025-03-02 (10,000 days): 5 events from 3 files"),
        "{table}"
    );
}

#[test]
fn save_writes_a_baseline_that_loads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("baseline.json");
    let out = trailtune()
        .args(["profile", "--days", "10000", "--save"])
        .arg(&path)
        .arg(testdata("input/AWSLogs"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let baseline = trailtune::baseline::Baseline::load(&path).unwrap();
    assert_eq!(baseline.aggregates.total_events(), 5);
    assert_eq!(baseline.input.events, 5);
}

// ---- real CloudTrail captures (../shared/data/cloudtrail) ----

#[test]
fn invictus_2900_events_all_us_east_1() {
    let Some(dir) = shared("data/cloudtrail/invictus-aws-dataset") else {
        return;
    };
    let (code, json, stderr) = profile_json(&[dir.to_str().unwrap()]);
    // SOURCE.md (and, in testdata, LICENSE.md) are skipped as not logs.
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(json["input"]["files"], 55);
    let notes = if dir.join("LICENSE.md").exists() {
        2
    } else {
        1
    };
    assert_eq!(json["input"]["skipped_files"], notes);
    assert_eq!(region_events(&json), [("us-east-1".to_string(), 2900)]);
    assert_eq!(json["rows"][0]["failed_events"], 300);
}

#[test]
fn trailscraper_pretty_printed_gzip_two_events_in_eu_central_1() {
    let Some(dir) = shared("data/cloudtrail/trailscraper-fixture") else {
        return;
    };
    let file =
        dir.join("111111111111_CloudTrail_eu-central-1_20171211T1505Z_A6kvhMoVeCsc7v8U.json.gz");
    let (code, json, _) = profile_json(&[file.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(region_events(&json), [("eu-central-1".to_string(), 2)]);
}

#[test]
#[ignore = "reads ../shared (Elastic License 2.0: not copied into testdata); .ci/run runs it"]
fn elastic_digest_file_is_skipped_never_counted() {
    let dir = shared("data/cloudtrail/elastic-integrations-digest-sample")
        .expect("../shared/data/cloudtrail/elastic-integrations-digest-sample beside the clone");
    let file = dir.join("test-cloudtrail-digest-json.log");
    let out = trailtune().arg("profile").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "no events at all is fatal");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("1 CloudTrail digest"), "{stderr}");
}

#[test]
fn panther_odd_timestamps_and_missing_regions() {
    let Some(dir) = shared("data/cloudtrail/panther-analysis-test-events") else {
        return;
    };
    let file = dir.join("events.ndjson");
    let (code, json, stderr) = profile_json(&["--days", "36500", file.to_str().unwrap()]);
    assert_eq!(code, 3);
    // 464 events: 19 without a usable eventTime (17 missing, 2 'redacted'), 2 more without
    // awsRegion, and 36 copies of a sample used in several rule tests (same eventID, time, call,
    // region and length: counted once, as a duplicate delivery is).
    assert_eq!(json["input"]["events"], 407);
    assert!(
        stderr.contains("36 duplicate deliveries (same eventID, counted once)"),
        "{stderr}"
    );
    assert_eq!(json["input"]["skipped_records"], 21);
    assert!(
        stderr.contains("no usable eventTime: 19, no awsRegion: 2"),
        "{stderr}"
    );
    let regions: Vec<String> = region_events(&json).into_iter().map(|(r, _)| r).collect();
    assert!(
        regions.contains(&"ca-south-3r".to_string()),
        "unknown codes are kept: {regions:?}"
    );
    let unknown = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["region"] == "ca-south-3r")
        .unwrap();
    assert_eq!(unknown["in_catalogue"], false);
    assert!(stderr.contains("not in the catalogue"));
}

#[test]
fn otrf_without_event_time_falls_back_to_at_timestamp() {
    let Some(dir) = shared("data/cloudtrail/otrf-ec2-proxy-s3-exfiltration") else {
        return;
    };
    let file = dir.join("ec2_proxy_s3_exfiltration_2020-09-14011940.json");
    let (code, json, _) = profile_json(&[file.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(region_events(&json), [("us-east-1".to_string(), 103)]);
    assert_eq!(json["window"]["until"], "2020-09-14");
}
