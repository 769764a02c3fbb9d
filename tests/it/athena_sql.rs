//! The Athena SQL run for real, in DuckDB: the baseline query must return exactly the rows
//! `profile --save` folds from the same logs, and the detection query of a rule exactly the
//! eventIDs `trailtune detect` reports with it. testdata/athena/run_sql.py builds the CloudTrail
//! table of `athena ddl` from log files, transpiles the Trino SQL to DuckDB with sqlglot and runs
//! it. These tests are ignored by default (they need Python with duckdb and sqlglot); `.ci/run`
//! creates that venv, points TRAILTUNE_SQL_PYTHON at its interpreter and runs them with
//! `cargo test --test it -- --ignored athena_sql`.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{root, testdata, trailtune};

/// The interpreter to run testdata/athena/run_sql.py with.
fn python() -> PathBuf {
    std::env::var_os("TRAILTUNE_SQL_PYTHON")
        .map(PathBuf::from)
        .expect("set TRAILTUNE_SQL_PYTHON to a python3 that has duckdb and sqlglot (see .ci/run)")
}

/// Run `queries` over `logs` in DuckDB (with `current_date` = `today`): one result per query.
fn run_sql(logs: &Path, today: &str, queries: &[PathBuf]) -> Vec<Value> {
    let out = std::process::Command::new(python())
        .arg(testdata("athena/run_sql.py"))
        .args(["--today", today, "--logs"])
        .arg(logs)
        .args(queries)
        .output()
        .expect("run the Python helper");
    assert!(
        out.status.success(),
        "run_sql.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["results"].as_array().unwrap().clone()
}

/// Run trailtune with `args`; its stdout when the exit status is one of `ok` (3 and 4: records
/// skipped, as the edge-case events deliberately include unusable ones).
fn stdout_of(args: &[&OsStr], ok: &[i32]) -> String {
    let out = trailtune().args(args).output().unwrap();
    let code = out.status.code().unwrap_or(-1);
    assert!(
        ok.contains(&code),
        "trailtune {args:?}: exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn s(text: &str) -> &OsStr {
    OsStr::new(text)
}

/// Rows as comparable text, sorted.
fn rows(rows: &Value) -> Vec<String> {
    let mut rows: Vec<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(Value::to_string)
        .collect();
    rows.sort();
    rows
}

/// The baseline rows and, for the seed rule, two tunings of it and the rules of
/// testdata/athena/rules, the detection eventIDs: SQL in DuckDB against the binary.
fn assert_sql_agrees(logs: &Path, today: &str, days: &str) -> usize {
    let dir = tempfile::tempdir().unwrap();

    // What trailtune computes from the logs.
    let baseline = dir.path().join("baseline.json");
    stdout_of(
        &[
            s("profile"),
            s("--days"),
            s(days),
            s("--save"),
            baseline.as_os_str(),
            s("--format"),
            s("json"),
            logs.as_os_str(),
        ],
        &[0, 1, 3, 4],
    );
    // Quarantined regions are approved, as a reviewer would: a tuned rule never lists a region
    // carrying a large share of normal use without a person's say.
    let allowlist: serde_json::Value = serde_json::from_str(&stdout_of(
        &[
            s("allowlist"),
            s("--format"),
            s("json"),
            s("--baseline"),
            baseline.as_os_str(),
        ],
        &[0, 1],
    ))
    .unwrap();
    let quarantined: Vec<&str> = allowlist["quarantined"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r.as_str())
        .collect();
    let approve = format!("--approve={}", quarantined.join(","));
    let mut rules = vec![root().join("src/data/aws_unusual_region.yml")];
    for (mode, per_account) in [
        ("denylist", false),
        ("allowlist", false),
        ("denylist", true),
    ] {
        let tuned = dir.path().join(format!("tuned-{mode}-{per_account}.yml"));
        let mut args = vec![
            s("tune"),
            s("--baseline"),
            baseline.as_os_str(),
            s("--mode"),
            s(mode),
            s("--output"),
            tuned.as_os_str(),
        ];
        if per_account {
            // One filter per account, excluded as `1 of filter_account_*`.
            args.push(s("--per-account"));
        }
        if !quarantined.is_empty() {
            args.push(s(&approve));
        }
        stdout_of(&args, &[0, 1, 3, 4]);
        assert!(
            tuned.exists(),
            "tune --mode {mode} (per account: {per_account}) wrote no rule"
        );
        rules.push(tuned);
    }
    let mut extra: Vec<PathBuf> = std::fs::read_dir(testdata("athena/rules"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    extra.sort();
    rules.extend(extra);

    // The SQL for the same.
    let mut queries = vec![dir.path().join("baseline.sql")];
    let sql = stdout_of(
        &[
            s("athena"),
            s("baseline-sql"),
            s("--table"),
            s("cloudtrail_logs"),
            s("--days"),
            s(days),
        ],
        &[0],
    );
    std::fs::write(&queries[0], sql).unwrap();
    for (i, rule) in rules.iter().enumerate() {
        let sql = stdout_of(
            &[
                s("athena"),
                s("detect-sql"),
                s("--table"),
                s("cloudtrail_logs"),
                s("--rule"),
                rule.as_os_str(),
            ],
            &[0],
        );
        let file = dir.path().join(format!("detect-{i}.sql"));
        std::fs::write(&file, sql).unwrap();
        queries.push(file);
    }
    let results = run_sql(logs, today, &queries);
    assert_eq!(results.len(), queries.len());

    // Baseline: the same rows, column for column.
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    assert_eq!(results[0]["columns"], saved["columns"]);
    let (from_sql, from_logs) = (rows(&results[0]["rows"]), rows(&saved["rows"]));
    assert!(!from_logs.is_empty());
    assert_eq!(
        from_sql.len(),
        from_logs.len(),
        "baseline row count: SQL vs profile"
    );
    for (s, l) in from_sql.iter().zip(&from_logs) {
        assert_eq!(s, l, "first differing baseline row: SQL vs profile");
    }

    // Detection: the same eventIDs for every rule.
    let mut hits = 0;
    for (rule, result) in rules.iter().zip(&results[1..]) {
        let expected: BTreeSet<String> = stdout_of(
            &[
                s("detect"),
                s("--format"),
                s("ndjson"),
                s("--no-progress"),
                s("--rule"),
                rule.as_os_str(),
                logs.as_os_str(),
            ],
            &[0, 1, 3, 4],
        )
        .lines()
        .map(|line| {
            let hit: Value = serde_json::from_str(line).unwrap();
            hit["eventID"].as_str().unwrap().to_string()
        })
        .collect();
        let column = result["columns"]
            .as_array()
            .unwrap()
            .iter()
            .position(|c| c == "eventid")
            .unwrap();
        let found: BTreeSet<String> = result["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row[column].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            found.difference(&expected).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "{}: the SQL selects events detect does not",
            rule.display()
        );
        assert_eq!(
            expected.difference(&found).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "{}: detect finds events the SQL misses",
            rule.display()
        );
        hits += expected.len();
    }
    hits
}

#[test]
#[ignore = "needs python3 with duckdb and sqlglot: .ci/run installs them in a venv and runs it"]
fn athena_sql_agrees_with_profile_and_detect_on_a_synth_corpus() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    let out = trailtune()
        .args(["synth", "--out"])
        .arg(&corpus)
        .args(["--days", "20", "--accounts", "2", "--end", "2025-03-31"])
        .args(["--events-per-day", "40"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hits = assert_sql_agrees(&corpus, "2025-03-31", "20");
    assert!(hits > 1000, "only {hits} hits: the comparison is too thin");
}

#[test]
#[ignore = "needs python3 with duckdb and sqlglot: .ci/run installs them in a venv and runs it"]
fn athena_sql_agrees_with_profile_and_detect_on_an_organization_of_four_accounts() {
    let hits = assert_sql_agrees(&testdata("accounts/org.ndjson"), "2026-10-30", "30");
    // The per-account rule's three alerts at least.
    assert!(hits >= 3, "{hits}");
}

#[test]
#[ignore = "needs python3 with duckdb and sqlglot: .ci/run installs them in a venv and runs it"]
fn athena_sql_agrees_with_profile_and_detect_on_the_edge_case_events() {
    let hits = assert_sql_agrees(&testdata("athena/events.ndjson"), "2025-03-20", "20");
    assert!(hits > 0);
}
