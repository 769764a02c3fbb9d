//! `trailtune synth`: the real binary writes a corpus; every file is re-read independently here
//! (walkdir + gzip + serde_json) and checked against ground-truth.json, the S3 layout and
//! determinism (same arguments give byte-identical trees, whatever the thread count).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

use flate2::read::MultiGzDecoder;
use serde_json::Value;

use crate::common::{shared, trailtune};

const SEED_RULE_REGIONS: [&str; 4] = ["ap-east-1", "af-south-1", "me-south-1", "eu-south-1"];

fn synth(out: &Path, seed: &str, threads: Option<&str>) {
    let mut cmd = trailtune();
    cmd.args(["synth", "--out"]).arg(out).args([
        "--days",
        "10",
        "--accounts",
        "2",
        "--events-per-day",
        "50",
        "--seed",
        seed,
        "--end",
        "2025-06-30",
    ]);
    if let Some(n) = threads {
        cmd.env("RAYON_NUM_THREADS", n);
    }
    cmd.assert().success().code(0);
}

/// Every file under `root`, relative path -> bytes.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(|e| e.expect("walk"))
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// Check a file's place and name against the CloudTrail S3 layout, without regexes; returns the
/// folder date `YYYY-MM-DD`.
fn check_layout(rel: &str) -> String {
    let parts: Vec<&str> = rel.split('/').collect();
    assert_eq!(parts.len(), 8, "{rel}");
    let (acct, region, (y, m, d), name) =
        (parts[1], parts[3], (parts[4], parts[5], parts[6]), parts[7]);
    assert_eq!(parts[0], "AWSLogs", "{rel}");
    assert_eq!(parts[2], "CloudTrail", "{rel}");
    assert!(
        acct.len() == 12 && acct.bytes().all(|b| b.is_ascii_digit()),
        "{rel}"
    );
    assert!(region.split('-').count() >= 3, "{rel}");
    assert!(y.len() == 4 && m.len() == 2 && d.len() == 2, "{rel}");
    let stem = name
        .strip_suffix(".json.gz")
        .unwrap_or_else(|| panic!("not .json.gz: {rel}"));
    let prefix = format!("{acct}_CloudTrail_{region}_{y}{m}{d}T");
    let rest = stem
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("bad name: {rel}"));
    let (hhmm, suffix) = rest
        .split_once("Z_")
        .unwrap_or_else(|| panic!("bad time: {rel}"));
    assert!(
        hhmm.len() == 4 && hhmm.bytes().all(|b| b.is_ascii_digit()),
        "{rel}"
    );
    assert!(
        suffix.len() == 16 && suffix.bytes().all(|b| b.is_ascii_alphanumeric()),
        "{rel}"
    );
    format!("{y}-{m}-{d}")
}

fn counts(value: &Value) -> BTreeMap<String, u64> {
    value
        .as_object()
        .expect("object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().expect("count")))
        .collect()
}

#[test]
fn synth_counts_match_an_independent_reading() {
    let dir = tempfile::tempdir().unwrap();
    synth(dir.path(), "7", None);
    let truth: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("ground-truth.json")).unwrap())
            .unwrap();
    assert_eq!(truth["schema"], "trailtune.ground-truth/1");

    let mut events = 0u64;
    let mut failed = 0u64;
    let mut by_region: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_day: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_account: BTreeMap<String, u64> = BTreeMap::new();
    let mut ids = BTreeSet::new();
    let mut matches = Vec::new();
    let mut files = 0u64;
    let mut bytes = 0u64;
    let mut late_files = 0;
    for (rel, gz) in tree(&dir.path().join("AWSLogs")) {
        let rel = format!("AWSLogs/{rel}");
        let folder_day = check_layout(&rel);
        let mut json = Vec::new();
        MultiGzDecoder::new(&gz[..]).read_to_end(&mut json).unwrap();
        assert!(
            !json.ends_with(b"\n") && !json.contains(&b'\n'),
            "{rel} is not one line"
        );
        files += 1;
        bytes += json.len() as u64;
        let doc: Value = serde_json::from_slice(&json).unwrap();
        let records = doc["Records"].as_array().expect("Records");
        assert!(!records.is_empty(), "{rel}");
        let mut late = false;
        for r in records {
            events += 1;
            let time = r["eventTime"].as_str().unwrap();
            assert_eq!(time.len(), 20, "{time}");
            let day = &time[..10];
            late |= day < folder_day.as_str();
            assert!(
                day <= folder_day.as_str(),
                "{rel}: event of {day} in an earlier folder"
            );
            let region = r["awsRegion"].as_str().unwrap();
            assert!(
                rel.contains(&format!("/CloudTrail/{region}/")),
                "{rel}: {region}"
            );
            *by_region.entry(region.to_string()).or_default() += 1;
            *by_day.entry(day.to_string()).or_default() += 1;
            *by_account
                .entry(r["recipientAccountId"].as_str().unwrap().to_string())
                .or_default() += 1;
            failed += u64::from(r.get("errorCode").is_some());
            let id = r["eventID"].as_str().unwrap().to_string();
            assert!(ids.insert(id.clone()), "duplicate eventID {id}");
            // The seed rule, once more, from the JSON.
            let kind = r["userIdentity"].get("type").and_then(Value::as_str);
            let name = r["eventName"].as_str().unwrap();
            if r.get("eventSource").is_some()
                && SEED_RULE_REGIONS.contains(&region)
                && kind != Some("AWSService")
                && !["ReplicateObject", "ReplicateDelete", "ReplicateTags"].contains(&name)
            {
                matches.push(id);
            }
        }
        late_files += usize::from(late);
    }

    assert_eq!(truth["events"].as_u64(), Some(events));
    assert_eq!(truth["files"].as_u64(), Some(files));
    assert_eq!(truth["bytes_uncompressed"].as_u64(), Some(bytes));
    assert_eq!(truth["failed"].as_u64(), Some(failed));
    assert!(failed > 0);
    assert_eq!(counts(&truth["by_region"]), by_region);
    assert_eq!(counts(&truth["by_day"]), by_day);
    assert_eq!(by_day.len(), 10);
    assert_eq!(counts(&truth["by_account"]), by_account);
    assert_eq!(by_account.len(), 2);
    assert!(late_files > 0, "no file holds the previous day's events");

    matches.sort();
    let expected: Vec<String> = truth["seed_rule_matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(matches, expected);
    let anomalies = truth["anomalies"].as_array().unwrap();
    let mut anomaly_ids: Vec<String> = anomalies
        .iter()
        .map(|a| {
            assert!(
                SEED_RULE_REGIONS.contains(&a["region"].as_str().unwrap()),
                "{a}"
            );
            a["event_id"].as_str().unwrap().to_string()
        })
        .collect();
    anomaly_ids.sort();
    assert_eq!(anomaly_ids, expected);
    let decoys = truth["decoys"].as_array().unwrap();
    let kinds: BTreeSet<&str> = decoys.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        BTreeSet::from(["aws_service", "near_miss", "replication"])
    );
    for d in decoys {
        let id = d["event_id"].as_str().unwrap();
        assert!(ids.contains(id) && !expected.iter().any(|m| m == id), "{d}");
    }
}

#[test]
fn synth_is_deterministic() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    synth(a.path(), "7", Some("1"));
    synth(b.path(), "7", Some("4"));
    synth(c.path(), "8", None);
    let (ta, tb, tc) = (tree(a.path()), tree(b.path()), tree(c.path()));
    assert!(ta.len() > 100);
    assert!(ta == tb, "same arguments, different trees");
    assert!(ta != tc, "different seed, same tree");
    assert_ne!(ta["ground-truth.json"], tc["ground-truth.json"]);
}

/// The generator's copy of the seed rule's region list is the rule's own list.
#[test]
fn synth_seed_rule_regions_are_the_rules() {
    let Some(path) = shared("seed/aws_unusual_region.yml") else {
        return;
    };
    let rule: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let list = |v: &serde_yaml::Value| -> Vec<String> {
        v.as_sequence()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect()
    };
    let detection = &rule["detection"];
    assert_eq!(
        list(&detection["selection"]["awsRegion"]),
        trailtune::synth::SEED_RULE_REGIONS
    );
    assert_eq!(
        list(&detection["selection"]["awsRegion"]),
        SEED_RULE_REGIONS
    );
    assert_eq!(
        list(&detection["filter_replication"]["eventName"]),
        ["ReplicateObject", "ReplicateDelete", "ReplicateTags"]
    );
    assert_eq!(
        detection["filter_expected_services"]["userIdentity.type"].as_str(),
        Some("AWSService")
    );
}
