//! `trailtune detect` end to end: the NDJSON contract, exit statuses, every bad rule reported,
//! windows, and the seed rule over the real CloudTrail captures (skipped when ../shared is absent).

use serde_json::Value;

use crate::common::{shared, testdata, trailtune};

const SEED: &str = "src/data/aws_unusual_region.yml";

fn seed() -> std::path::PathBuf {
    crate::common::root().join(SEED)
}

fn ndjson(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn seed_rule_finds_the_ap_east_1_fixture_event_with_the_ndjson_contract() {
    let out = trailtune()
        .args(["detect", "--format", "ndjson", "--rule"])
        .arg(seed())
        .arg(testdata("input/damaged/events.ndjson"))
        .output()
        .unwrap();
    // One hit, and the fixture has a bad line: 4 = hits + skipped input.
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hits = ndjson(&out.stdout);
    assert_eq!(hits.len(), 1);
    let hit = &hits[0];
    let keys: Vec<&str> = hit
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "author",
            "awsRegion",
            "eventID",
            "eventTime",
            "fields",
            "level",
            "recipientAccountId",
            "rule_id",
            "rule_title"
        ]
    );
    assert_eq!(hit["eventID"], "fixture-0304");
    assert_eq!(hit["awsRegion"], "ap-east-1");
    assert_eq!(hit["rule_id"], "6b3c5d7e-2f4a-6b8c-1d3e-5f6a7b8c9d0e");
    assert_eq!(hit["author"], "forensics-complete");
    assert_eq!(
        hit["fields"]["userIdentity.arn"],
        "arn:aws:iam::111122223333:user/alice"
    );
    assert_eq!(hit["fields"]["eventName"], "DescribeInstances");
    assert_eq!(
        hit["fields"].as_object().unwrap().len(),
        8,
        "one entry per `fields:` item"
    );
}

#[test]
fn bad_lines_in_the_input_make_status_4_with_hits() {
    let out = trailtune()
        .args(["detect", "--format", "ndjson", "--rule"])
        .arg(seed())
        .arg(testdata("input/damaged"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("truncated.json.gz: corrupt gzip"),
        "{stderr}"
    );
}

#[test]
fn no_hits_is_status_0_and_the_table_says_so() {
    let out = trailtune()
        .args(["detect", "--rule"])
        .arg(seed())
        .arg(testdata(
            "input/AWSLogs/111122223333/CloudTrail/eu-west-1/2025/03/01",
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("0 hits from 1 rule over 3 events in 1 file")
    );
}

#[test]
fn every_bad_rule_is_reported_and_the_valid_ones_run() {
    let out = trailtune()
        .args(["detect", "--format", "ndjson", "--rule"])
        .arg(testdata("sigma/mixed"))
        .arg("--rule")
        .arg(seed())
        .arg(testdata("input/damaged/events.ndjson"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("b_bad.yml"), "{stderr}");
    assert!(stderr.contains("for other log sources not run"), "{stderr}");
    assert_eq!(
        out.status.code(),
        Some(4),
        "hits, and a rule was skipped: {stderr}"
    );
    assert!(!ndjson(&out.stdout).is_empty());
}

#[test]
fn no_valid_rule_is_fatal() {
    let out = trailtune()
        .args(["detect", "--rule"])
        .arg(testdata("sigma/mixed/b_bad.yml"))
        .arg(testdata("input/damaged/events.ndjson"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no valid CloudTrail rule"));
}

#[test]
fn window_limits_the_events_evaluated() {
    let out = trailtune()
        .args([
            "detect",
            "--format",
            "json",
            "--since",
            "2025-03-01",
            "--until",
            "2025-03-01",
            "--rule",
        ])
        .arg(seed())
        .arg(testdata("input/AWSLogs"))
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["input"]["events"], 3);
    assert_eq!(doc["hits"].as_array().unwrap().len(), 0);
}

#[test]
fn placeholder_values_come_from_var() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("expand.yml");
    std::fs::write(
        &rule,
        "title: placeholder\nid: 11111111-2222-3333-4444-555555555555\nlogsource: {product: aws, service: cloudtrail}\n\
         detection:\n  selection:\n    awsRegion|expand: '%unusual_regions%'\n  condition: selection\nlevel: low\n",
    )
    .unwrap();
    let events = testdata("input/damaged/events.ndjson");
    let without = trailtune()
        .args(["detect", "--rule"])
        .arg(&rule)
        .arg(&events)
        .output()
        .unwrap();
    assert_eq!(
        without.status.code(),
        Some(2),
        "an unresolved placeholder is a load error"
    );
    let with = trailtune()
        .args([
            "detect",
            "--format",
            "ndjson",
            "--var",
            "unusual_regions=ap-east-1,me-south-1",
            "--rule",
        ])
        .arg(&rule)
        .arg(&events)
        .output()
        .unwrap();
    let hits = ndjson(&with.stdout);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["awsRegion"], "ap-east-1");
}

#[test]
fn seed_rule_over_real_captures_behaves_as_its_text_says() {
    let Some(dir) = shared("data/cloudtrail") else {
        return;
    };
    let out = trailtune()
        .args(["detect", "--format", "ndjson", "--rule"])
        .arg(seed())
        .arg(&dir)
        .output()
        .unwrap();
    let hits = ndjson(&out.stdout);
    // The captures are us-east-1/us-west-2/eu-central-1 attack runs; the only event in one of the
    // rule's four regions is Panther's ap-east-1 KMS Decrypt by an assumed role (not AWSService,
    // not replication), so exactly that one fires.
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0]["awsRegion"], "ap-east-1");
    assert_eq!(hits[0]["fields"]["eventName"], "Decrypt");
    assert_eq!(
        out.status.code(),
        Some(4),
        "hits, plus SOURCE.md files and the digest skipped"
    );
}

#[test]
fn every_sigmahq_aws_rule_runs_over_the_real_captures() {
    let (Some(rules), Some(logs)) = (
        shared("data/sigma/aws/cloudtrail"),
        shared("data/cloudtrail"),
    ) else {
        return;
    };
    let out = trailtune()
        .args(["detect", "--format", "json", "--rule"])
        .arg(&rules)
        .arg(&logs)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("rule skipped"), "{stderr}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["rules"].as_array().unwrap().len(), 57);
    // invictus 2,900 + panther 464 + otrf 103 + trailscraper 2 (the digest has none).
    assert_eq!(doc["input"]["events"], 3469);
    let versioning = doc["hits"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["rule_title"].as_str().unwrap().contains("Versioning"))
        .count();
    assert_eq!(
        versioning, 4,
        "object-valued requestParameters|contains works through the adapter"
    );
}

/// `n` distinct events in ap-east-1 (the seed rule alerts on each), written in a scrambled time
/// order to `a.ndjson`, and the first half delivered again in `b.ndjson`.
fn scrambled_hits(dir: &std::path::Path, n: u32) {
    let event = |k: u32| {
        format!(
            r#"{{"eventVersion":"1.08","eventID":"ev-{k:06}","eventTime":"2025-03-{:02}T{:02}:{:02}:{:02}Z","eventName":"DescribeInstances","eventSource":"ec2.amazonaws.com","awsRegion":"ap-east-1","sourceIPAddress":"203.0.113.7","userAgent":"aws-cli/2.15","recipientAccountId":"111122223333","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/u{}"}}}}"#,
            1 + k / 86_400 % 28,
            k / 3600 % 24,
            k / 60 % 60,
            k % 60,
            k % 7
        )
    };
    let order: Vec<u32> = (0..n).map(|i| (i * 7919 + 13) % n).collect();
    let lines = |ks: &[u32]| ks.iter().map(|&k| event(k) + "\n").collect::<String>();
    std::fs::write(dir.join("a.ndjson"), lines(&order)).unwrap();
    std::fs::write(dir.join("b.ndjson"), lines(&order[..n as usize / 2])).unwrap();
}

#[test]
fn hits_spilled_to_temporary_files_come_out_as_from_memory() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    let tmp = dir.path().join("tmp");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::create_dir_all(&tmp).unwrap();
    scrambled_hits(&logs, 3_001);
    let detect = |format: &str, buffer: &str| {
        let out = trailtune()
            .env("TMPDIR", &tmp)
            .args([
                "detect",
                "--format",
                format,
                "--sort-buffer",
                buffer,
                "--rule",
            ])
            .arg(seed())
            .arg(&logs)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    };
    for format in ["ndjson", "json", "csv", "table"] {
        let memory = detect(format, "67108864");
        // 8 KiB holds a dozen hits: hundreds of temporary files, merged in rounds.
        let disk = detect(format, "8192");
        assert_eq!(memory.stdout, disk.stdout, "{format}");
        assert_eq!(memory.stderr, disk.stderr, "{format}");
    }
    let out = detect("ndjson", "8192");
    let hits = ndjson(&out.stdout);
    assert_eq!(
        hits.len(),
        3_001,
        "each event once, its second delivery dropped"
    );
    let ids: Vec<&str> = hits
        .iter()
        .map(|h| h["eventID"].as_str().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "in time order (eventIDs follow the time here)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("1,500 duplicate deliveries"),
        "the duplicates are counted: {stderr}"
    );
    // The temporary files are anonymous: nothing is left behind.
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0);
}

#[test]
fn the_table_lists_the_first_thousand_hits_and_counts_them_all() {
    let dir = tempfile::tempdir().unwrap();
    scrambled_hits(dir.path(), 1_200);
    let out = trailtune()
        .args(["detect", "--rule"])
        .arg(seed())
        .arg(dir.path().join("a.ndjson"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.matches("| ev-").count(),
        1_000,
        "one row per listed hit"
    );
    assert!(stdout.contains("ev-000999"), "the first thousand, in order");
    assert!(!stdout.contains("ev-001000"), "{stdout:.300}");
    assert!(
        stdout.contains("(the first 1,000 of 1,200 hits; --limit N shows more, --format ndjson or csv lists them all)"),
        "{stdout:.300}"
    );
    assert!(stdout.contains("1,200 hits from 1 rule over 1,200 events in 1 file"));
    // The summary counts every hit.
    assert!(stdout.contains("| 1,200 |"), "{stdout}");
}

#[test]
fn a_folder_for_temporary_files_that_cannot_be_written_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    scrambled_hits(dir.path(), 200);
    let out = trailtune()
        .env("TMPDIR", dir.path().join("missing"))
        .args([
            "detect",
            "--format",
            "ndjson",
            "--sort-buffer",
            "4096",
            "--rule",
        ])
        .arg(seed())
        .arg(dir.path().join("a.ndjson"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "no partial, unordered output");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("writing hits to a temporary file in")
            && stderr.contains("missing")
            && stderr.contains("TMPDIR"),
        "{stderr}"
    );
}

/// Run the test rule of tests/it/geo.rs (every ListBuckets call, no `fields:`) over its eight
/// events with `args`.
fn detect_geo_events(args: &[&str]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("r.yml");
    std::fs::write(
        &rule,
        "title: list\nid: 00000000-0000-4000-8000-000000000001\nlogsource: {product: aws}\ndetection:\n  s:\n    eventName: ListBuckets\n  condition: s\nlevel: low\n",
    )
    .unwrap();
    let out = trailtune()
        .args(["detect", "--no-progress", "--rule"])
        .arg(&rule)
        .arg(testdata("geoip/events.ndjson"))
        .args(args)
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

#[test]
fn a_rule_without_fields_shows_the_account_caller_call_and_address() {
    let (code, out) = detect_geo_events(&["--format", "ndjson"]);
    assert_eq!(code, Some(1));
    let hits = ndjson(out.as_bytes());
    assert_eq!(hits.len(), 8);
    assert_eq!(
        hits[0]["fields"],
        serde_json::json!({
            "recipientAccountId": "111122223333",
            "userIdentity.arn": "arn:aws:iam::111122223333:user/alice",
            "eventName": "ListBuckets",
            "sourceIPAddress": "81.2.69.142",
        })
    );
    // The table has an account column and does not repeat the account among the fields.
    let (_, table) = detect_geo_events(&[]);
    assert!(
        table.lines().next().unwrap().contains("| Account "),
        "{table}"
    );
    assert!(!table.contains("recipientAccountId="), "{table}");
}

#[test]
fn limit_lists_fewer_hits_and_counts_the_rest() {
    let (code, table) = detect_geo_events(&["--limit", "3"]);
    assert_eq!(code, Some(1));
    assert_eq!(table.matches("ListBuckets").count(), 3, "{table}");
    assert!(
        table.contains("(the first 3 of 8 hits; --limit N shows more"),
        "{table}"
    );
    assert!(
        table.contains("8 hits from 1 rule over 8 events in 1 file"),
        "{table}"
    );
    let (_, none) = detect_geo_events(&["--limit", "0"]);
    assert!(!none.contains("eventID"), "{none}");
    assert!(none.contains("(the first 0 of 8 hits"), "{none}");
    // Other formats list every hit.
    let (_, all) = detect_geo_events(&["--limit", "3", "--format", "ndjson"]);
    assert_eq!(all.lines().count(), 8);
}

#[test]
fn summary_counts_hits_per_rule_and_region_in_every_format() {
    let (code, table) = detect_geo_events(&["--summary"]);
    assert_eq!(code, Some(1), "hits found: the status says so");
    assert!(
        !table.contains("eventID") && table.contains("| ap-east-1 |"),
        "{table}"
    );
    let (_, nd) = detect_geo_events(&["--summary", "--format", "ndjson"]);
    assert_eq!(
        ndjson(nd.as_bytes()),
        [
            serde_json::json!({"rule_id": "00000000-0000-4000-8000-000000000001", "rule_title": "list", "awsRegion": "ap-east-1", "hits": 8})
        ]
    );
    let (_, csv) = detect_geo_events(&["--summary", "--format", "csv"]);
    assert_eq!(
        csv,
        "rule_id,rule_title,awsRegion,hits\n00000000-0000-4000-8000-000000000001,list,ap-east-1,8\n"
    );
    let (_, json) = detect_geo_events(&["--summary", "--format", "json"]);
    let doc: Value = serde_json::from_str(&json).unwrap();
    assert!(doc.get("hits").is_none(), "{json}");
    assert_eq!(doc["hits_total"], 8);
    assert_eq!(doc["summary"][0]["hits"], 8);
}
