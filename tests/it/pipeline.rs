//! The pipeline end to end on a generated corpus (the project's own `synth`): `tune` (denylist and
//! allowlist modes, --check, --date, artefacts, guards), `detect` with the tuned rule against the
//! corpus's ground truth, `run`, `demo`, and `rebaseline` (idempotence, review decisions).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;
use trailtune::synth::{self, GroundTruth, SynthConfig};

use crate::common::trailtune;

pub(crate) struct Corpus {
    pub(crate) dir: PathBuf,
    truth: GroundTruth,
    pub(crate) baseline: PathBuf,
}

/// One small corpus (40 days, 2 accounts) shared by the tests, with its saved baseline.
pub(crate) fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("trailtune-it-")
            .tempdir()
            .unwrap()
            .keep();
        let truth = synth::generate(&SynthConfig {
            out: dir.clone(),
            days: 40,
            accounts: 2,
            events_per_day: Some(60),
            size_mb: None,
            seed: 11,
            end: "2025-06-30".parse().unwrap(),
        })
        .unwrap();
        let baseline = dir.join("baseline.json");
        let out = trailtune()
            .args(["profile", "--no-progress", "--save"])
            .arg(&baseline)
            .arg(dir.join("AWSLogs"))
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Corpus {
            dir,
            truth,
            baseline,
        }
    })
}

pub(crate) fn logs() -> PathBuf {
    corpus().dir.join("AWSLogs")
}

fn tune(extra: &[&str], out: &Path) -> std::process::Output {
    trailtune()
        .args(["tune", "--date", "2026-11-28", "--baseline"])
        .arg(&corpus().baseline)
        .args(extra)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap()
}

fn hits(rule: &Path) -> BTreeSet<String> {
    let out = trailtune()
        .args(["detect", "--no-progress", "--format", "ndjson", "--rule"])
        .arg(rule)
        .arg(logs())
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["eventID"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// Every injected anomaly found; no AWS-service or replication decoy.
fn assert_matches_ground_truth(found: &BTreeSet<String>) {
    let truth = &corpus().truth;
    assert!(!truth.anomalies.is_empty());
    for a in &truth.anomalies {
        assert!(
            found.contains(&a.event_id),
            "anomaly {} in {} missed",
            a.event_id,
            a.region
        );
    }
    for d in truth.decoys.iter().filter(|d| d.kind != "near_miss") {
        assert!(
            !found.contains(&d.event_id),
            "{} decoy {} in {} alerted",
            d.kind,
            d.event_id,
            d.region
        );
    }
}

#[test]
fn seed_rule_over_the_corpus_matches_exactly_the_ground_truth() {
    let seed = crate::common::root().join("src/data/aws_unusual_region.yml");
    let found = hits(&seed);
    let expected: BTreeSet<String> = corpus().truth.seed_rule_matches.iter().cloned().collect();
    assert_eq!(found, expected);
}

#[test]
fn tuned_rule_finds_every_anomaly_and_no_decoy() {
    let dir = tempfile::tempdir().unwrap();
    let tuned = dir.path().join("tuned.yml");
    let out = tune(&[], &tuned);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the rule changed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&tuned).unwrap();
    assert!(text.contains("modified: 2026-11-28"));
    assert!(text.contains("# trailtune: tuned by trailtune"));
    assert!(
        text.contains("filter_sweepers:"),
        "the corpus has a scanner and AWS Config sweeping every region"
    );
    let found = hits(&tuned);
    assert_matches_ground_truth(&found);
    // Near-miss regions (not in the seed's four, never used here) alert now.
    for d in corpus()
        .truth
        .decoys
        .iter()
        .filter(|d| d.kind == "near_miss")
    {
        assert!(
            found.contains(&d.event_id),
            "near-miss {} in {}",
            d.event_id,
            d.region
        );
    }
}

#[test]
fn allowlist_mode_finds_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let tuned = dir.path().join("tuned.yml");
    let out = tune(&["--mode", "allowlist"], &tuned);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&tuned).unwrap();
    assert!(text.contains("filter_baseline_regions:"));
    assert!(text.contains("and not filter_baseline_regions"));
    assert_matches_ground_truth(&hits(&tuned));
}

#[test]
fn check_reports_out_of_date_then_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let tuned = dir.path().join("tuned.yml");
    std::fs::copy(
        crate::common::root().join("src/data/aws_unusual_region.yml"),
        &tuned,
    )
    .unwrap();
    let check = |path: &Path| {
        trailtune()
            .args(["tune", "--check", "--date", "2026-11-28", "--baseline"])
            .arg(&corpus().baseline)
            .arg("--rule")
            .arg(path)
            .output()
            .unwrap()
    };
    let before = std::fs::read(&tuned).unwrap();
    assert_eq!(
        check(&tuned).status.code(),
        Some(1),
        "seed rule is out of date"
    );
    assert_eq!(
        std::fs::read(&tuned).unwrap(),
        before,
        "--check writes nothing"
    );
    let out = trailtune()
        .args(["tune", "--in-place", "--date", "2026-11-28", "--baseline"])
        .arg(&corpus().baseline)
        .arg("--rule")
        .arg(&tuned)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(check(&tuned).status.code(), Some(0), "now up to date");
    let tuned_text = std::fs::read(&tuned).unwrap();
    assert_ne!(tuned_text, before, "--in-place rewrote the rule");
    // A later day with the same decisions is not a change (no churn from cron).
    let later = trailtune()
        .args([
            "tune",
            "--diff",
            "--check",
            "--date",
            "2026-11-29",
            "--baseline",
        ])
        .arg(&corpus().baseline)
        .arg("--rule")
        .arg(&tuned)
        .output()
        .unwrap();
    assert_eq!(later.status.code(), Some(0));
    assert!(
        later.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&later.stdout)
    );
    // A different decision is, and the diff shows it with the new date.
    let denied = trailtune()
        .args([
            "tune",
            "--diff",
            "--check",
            "--date",
            "2026-11-29",
            "--deny",
            "eu-west-1",
            "--baseline",
        ])
        .arg(&corpus().baseline)
        .arg("--rule")
        .arg(&tuned)
        .output()
        .unwrap();
    assert_eq!(denied.status.code(), Some(1));
    assert_eq!(
        std::fs::read(&tuned).unwrap(),
        tuned_text,
        "--check writes nothing, even when the rule is out of date"
    );
    let text = String::from_utf8_lossy(&denied.stdout);
    assert!(
        text.contains("-modified: 2026-11-28") && text.contains("+modified: 2026-11-29"),
        "{text}"
    );
    assert!(text.contains("+      - 'eu-west-1'"), "{text}");
}

#[test]
fn guards_refuse_to_tune_without_enough_history_or_with_nothing_unusual() {
    let dir = tempfile::tempdir().unwrap();
    let tuned = dir.path().join("tuned.yml");
    let out = tune(&["--min-history", "60"], &tuned);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not enough history"));
    assert!(!tuned.exists(), "nothing written");
    assert_eq!(
        tune(&["--min-history", "60", "--force"], &tuned)
            .status
            .code(),
        Some(1)
    );
    let all: Vec<String> = trailtune::regions::catalogue()
        .partition("aws")
        .map(|r| r.code.clone())
        .collect();
    let out = tune(&["--allow", &all.join(",")], &dir.path().join("x.yml"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing is unusual"));
}

#[test]
fn portable_artefacts() {
    let dir = tempfile::tempdir().unwrap();
    let filter = dir.path().join("regions.filter.yml");
    let vars = dir.path().join("vars.yml");
    let out = trailtune()
        .args(["tune", "--baseline"])
        .arg(&corpus().baseline)
        .arg("--emit-filter")
        .arg(&filter)
        .arg("--emit-placeholder")
        .arg(&vars)
        .arg("-o")
        .arg(dir.path().join("tuned.yml"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let f = std::fs::read_to_string(&filter).unwrap();
    assert!(
        f.contains("filter:")
            && f.contains("6b3c5d7e-2f4a-6b8c-1d3e-5f6a7b8c9d0e")
            && f.contains("condition: not selection"),
        "{f}"
    );
    let v: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&vars).unwrap()).unwrap();
    let regions = v["vars"]["unusual_regions"].as_sequence().unwrap();
    assert!(regions.iter().any(|r| r.as_str() == Some("ap-east-1")));
    // The meta-filter applied to the untuned seed rule drops the allowlisted regions.
    let seed = crate::common::root().join("src/data/aws_unusual_region.yml");
    let loaded = trailtune::sigma::RuleSet::load_paths(&[seed, filter], &Default::default());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
}

/// The alerts the tuned rule raises over the test corpus: its anomalies and near-miss decoys.
fn backtest_alerts() -> usize {
    let truth = &corpus().truth;
    truth.anomalies.len()
        + truth
            .decoys
            .iter()
            .filter(|d| d.kind == "near_miss")
            .count()
}

#[test]
fn run_prints_every_stage_and_backtests() {
    let dir = tempfile::tempdir().unwrap();
    let out = trailtune()
        .args(["run", "--no-progress", "-o"])
        .arg(dir.path().join("tuned.yml"))
        .arg(logs())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "the backtest has hits: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for heading in [
        "== 1. Profile",
        "== 2. Allowlist",
        "== 3. Tuned rule",
        "== 4. Backtest",
    ] {
        assert!(text.contains(heading), "missing {heading}");
    }
    let n = backtest_alerts();
    assert!(
        text.contains(&format!("{n} alerts over the window")),
        "{text}"
    );
}

#[test]
fn demo_runs_and_checks_itself() {
    let dir = tempfile::tempdir().unwrap();
    let out = trailtune()
        .args(["demo", "--days", "21", "--accounts", "1", "--keep"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("Other alerts: 0."), "{text}");
    assert!(dir.path().join("aws_unusual_region.tuned.yml").exists());
}

#[test]
fn rebaseline_is_idempotent_and_keeps_review_decisions() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let rule = dir.path().join("tuned.yml");
    let rebaseline = |extra: &[&str]| {
        trailtune()
            .args([
                "rebaseline",
                "--no-progress",
                "--date",
                "2026-11-28",
                "--format",
                "json",
                "--state",
            ])
            .arg(&state)
            .arg("-o")
            .arg(&rule)
            .args(extra)
            .output()
            .unwrap()
    };
    let first = rebaseline(&[logs().to_str().unwrap()]);
    assert_eq!(
        first.status.code(),
        Some(1),
        "first run writes the rule: {}",
        String::from_utf8_lossy(&first.stderr)
    );
    let state_bytes = std::fs::read(&state).unwrap();
    let rule_bytes = std::fs::read(&rule).unwrap();
    let second = rebaseline(&[logs().to_str().unwrap()]);
    assert_eq!(
        second.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    assert_eq!(
        std::fs::read(&state).unwrap(),
        state_bytes,
        "state unchanged"
    );
    assert_eq!(std::fs::read(&rule).unwrap(), rule_bytes, "rule untouched");
    let drift: Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(drift["allowlist_changed"], false);
    assert_eq!(drift["rule_rewritten"], false);
    // A review decision persists in the state and changes the allowlist once.
    let reject = rebaseline(&["--reject", "eu-west-1"]);
    assert_eq!(
        reject.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&reject.stderr)
    );
    let drift: Value = serde_json::from_slice(&reject.stdout).unwrap();
    assert_eq!(drift["no_longer_allowed"], serde_json::json!(["eu-west-1"]));
    assert_eq!(drift["rule_rewritten"], true);
    let saved = trailtune::baseline::Baseline::load(&state).unwrap();
    assert!(saved.review.rejected.contains("eu-west-1"));
    let rule_text = std::fs::read_to_string(&rule).unwrap();
    assert!(
        rule_text.contains("- 'eu-west-1'"),
        "eu-west-1 is now listed as unusual"
    );
    let after = rebaseline(&[]);
    assert_eq!(
        after.status.code(),
        Some(0),
        "the decision is remembered: {}",
        String::from_utf8_lossy(&after.stderr)
    );
}

#[test]
fn synth_corpus_through_athena_csv_gives_the_same_allowlist_and_state() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("athena.csv");
    std::fs::write(&csv, crate::athena::athena_csv(&corpus().baseline)).unwrap();
    let allow = |args: &[&std::ffi::OsStr]| -> Value {
        let out = trailtune()
            .args(["allowlist", "--format", "json"])
            .args(args)
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let from_logs = allow(&[logs().as_os_str()]);
    let from_csv = allow(&["--baseline-csv".as_ref(), csv.as_os_str()]);
    assert_eq!(from_logs["allowlist"], from_csv["allowlist"]);
    assert_eq!(from_logs["quarantined"], from_csv["quarantined"]);
    assert_eq!(from_logs["sweepers"], from_csv["sweepers"]);
    // rebaseline accepts the CSV too, and builds the same state as the logs.
    let state_logs = dir.path().join("a.json");
    let state_csv = dir.path().join("b.json");
    trailtune()
        .args(["rebaseline", "--no-progress", "--state"])
        .arg(&state_logs)
        .arg(logs())
        .output()
        .unwrap();
    let out = trailtune()
        .args(["rebaseline", "--state"])
        .arg(&state_csv)
        .arg("--baseline-csv")
        .arg(&csv)
        .output()
        .unwrap();
    assert!(
        out.status.success() || out.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let a = trailtune::baseline::Baseline::load(&state_logs).unwrap();
    let b = trailtune::baseline::Baseline::load(&state_csv).unwrap();
    assert_eq!(a.aggregates.rows(), b.aggregates.rows());
}

#[test]
fn profile_json_matches_the_ground_truth_exactly() {
    let truth = &corpus().truth;
    let profile = |by: &str| -> Value {
        let out = trailtune()
            .args(["profile", "--no-progress", "--format", "json", "--by", by])
            .arg(logs())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let counts = |doc: &Value, key: &str| -> std::collections::BTreeMap<String, u64> {
        doc["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r[key].as_str().unwrap().to_string(),
                    r["events"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let regions = profile("region");
    assert_eq!(regions["input"]["events"], truth.events);
    assert_eq!(regions["input"]["files"], truth.files);
    assert_eq!(regions["total"]["failed_events"], truth.failed);
    assert_eq!(counts(&regions, "region"), truth.by_region);
    assert_eq!(counts(&profile("day"), "day"), truth.by_day);
    assert_eq!(counts(&profile("account"), "account"), truth.by_account);
    assert_eq!(
        counts(&profile("service"), "service"),
        truth.by_event_source
    );
}

#[test]
fn run_check_says_whether_the_rule_is_up_to_date_and_save_seeds_rebaseline() {
    let dir = tempfile::tempdir().unwrap();
    let tuned = dir.path().join("tuned.yml");
    let state = dir.path().join("state.json");
    let run = |extra: &[&str]| {
        let out = trailtune()
            .args(["run", "--no-progress", "--date", "2026-11-28", "-o"])
            .arg(&tuned)
            .args(extra)
            .arg(logs())
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // No rule yet: --check says it would change (1) and writes nothing, though there are hits.
    let (code, text, err) = run(&["--check"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        text.contains("(--check: the rule would change; nothing was written)"),
        "{text}"
    );
    assert!(!tuned.exists());
    // Written, with the baseline saved.
    let (code, _, err) = run(&["--save", state.to_str().unwrap()]);
    assert_eq!(code, Some(1), "hits: {err}");
    assert!(tuned.exists() && state.exists());
    assert!(err.contains("baseline saved to"), "{err}");
    // Up to date: 0, whatever the backtest found, and the hits are still reported.
    let (code, text, err) = run(&["--check"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(text.contains("(--check: the rule is up to date)"), "{text}");
    assert!(text.contains("alerts over the window"), "{text}");
    // The saved baseline is a state rebaseline goes on from: the same rule, up to date.
    let out = trailtune()
        .args([
            "rebaseline",
            "--no-progress",
            "--date",
            "2026-11-28",
            "--check",
            "--state",
        ])
        .arg(&state)
        .arg("--rule")
        .arg(&tuned)
        .arg("--in-place")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn run_format_json_is_one_document_of_every_step() {
    let dir = tempfile::tempdir().unwrap();
    let out = trailtune()
        .args(["run", "--no-progress", "--format", "json", "-o"])
        .arg(dir.path().join("tuned.yml"))
        .arg(logs())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    let keys: Vec<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["allowlist", "backtest", "profile", "tuned"]);
    let n = backtest_alerts();
    assert_eq!(doc["backtest"]["alerts"], n as u64);
    assert!(doc["backtest"]["first"][0]["principal"].is_string());
    assert!(
        doc["allowlist"]["allowlist"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    );
    assert!(
        doc["profile"]["rows"]
            .as_array()
            .is_some_and(|a| !a.is_empty()),
        "{}",
        doc["profile"]
    );
    assert_eq!(doc["tuned"]["changed"], true);
    assert_eq!(
        doc["tuned"]["text"].as_str().unwrap(),
        std::fs::read_to_string(dir.path().join("tuned.yml")).unwrap()
    );
    // Only table and json: run's steps have no single CSV shape.
    let out = trailtune()
        .args(["run", "--format", "csv"])
        .arg(logs())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
