//! `trailtune athena` end to end: the SQL subcommands (exit statuses, what they print), and the
//! equivalence that makes `--baseline-csv` trustworthy: the same aggregates read from logs
//! (`profile --save`) or from an Athena-style CSV of them give the same allowlist and the same
//! decision for every region. testdata/athena/events.ndjson (written by make_events.py) covers
//! every origin, principal normalization and odd field the event view handles.

use std::path::Path;

use serde_json::Value;

use crate::common::{root, testdata, trailtune};

#[test]
fn baseline_sql_prints_the_query() {
    let out = trailtune()
        .args([
            "athena",
            "baseline-sql",
            "--table",
            "security.cloudtrail_logs",
        ])
        .args(["--days", "30"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let sql = String::from_utf8(out.stdout).unwrap();
    assert!(sql.contains("FROM security.cloudtrail_logs\n"), "{sql}");
    assert!(sql.contains(
        "SELECT day, account, region, event_source, identity_type, principal, origin, failed, read_only,\n  count(*) AS events\n"
    ));
    assert!(sql.contains("date_add('day', -29, current_date)"), "{sql}");
}

#[test]
fn detect_sql_for_the_seed_rule() {
    let rule = root().join("src/data/aws_unusual_region.yml");
    let out = trailtune()
        .args([
            "athena",
            "detect-sql",
            "--table",
            "cloudtrail_logs",
            "--rule",
        ])
        .arg(&rule)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let sql = String::from_utf8(out.stdout).unwrap();
    assert!(
        sql.contains("lower(awsregion) IN ('ap-east-1', 'af-south-1', 'me-south-1', 'eu-south-1')"),
        "{sql}"
    );
    assert!(sql.contains("AND NOT COALESCE((lower(useridentity.type) = 'awsservice'), false)"));
    assert!(sql.ends_with("ORDER BY eventtime\n"));
}

#[test]
fn detect_sql_refuses_an_untranslatable_rule_with_exit_2() {
    let out = trailtune()
        .args(["athena", "detect-sql", "--table", "t", "--rule"])
        .arg(testdata("athena/unsupported_rule.yml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unsupported_rule.yml")
            && stderr.contains("selection `office`")
            && stderr.contains("modifier `cidr`"),
        "{stderr}"
    );
}

/// `detect-sql` on a rule nested absurdly deep: exit 2 with the reason, no stack overflow.
fn assert_refused_as_too_deep(name: &str, text: &str, reason: &str) {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join(name);
    std::fs::write(&rule, text).unwrap();
    let out = trailtune()
        .args(["athena", "detect-sql", "--table", "t", "--rule"])
        .arg(&rule)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr.contains(name) && stderr.contains(reason),
        "{}",
        &stderr[..stderr.len().min(500)]
    );
}

#[test]
fn detect_sql_refuses_30000_nested_parentheses() {
    let condition = format!("{}a{}", "(".repeat(30_000), ")".repeat(30_000));
    let text = format!("title: x\ndetection:\n  a: {{k: v}}\n  condition: '{condition}'\n");
    assert_refused_as_too_deep(
        "parens.yml",
        &text,
        "condition nested 30000 levels deep (parentheses plus 'not'); the limit is 64",
    );
}

#[test]
fn detect_sql_refuses_30000_nots() {
    let condition = format!("{}a", "not ".repeat(30_000));
    let text = format!("title: x\ndetection:\n  a: {{k: v}}\n  condition: '{condition}'\n");
    assert_refused_as_too_deep("nots.yml", &text, "condition nested 30000 levels deep");
}

#[test]
fn detect_sql_refuses_a_yaml_value_nested_100000_deep() {
    let value = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let text = format!("title: x\ndetection:\n  a:\n    k: {value}\n  condition: a\n");
    assert_refused_as_too_deep(
        "deep.yml",
        &text,
        "YAML nested more than 64 levels deep at line",
    );
}

#[test]
fn ddl_has_partition_projection() {
    let out = trailtune().args(["athena", "ddl"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let ddl = String::from_utf8(out.stdout).unwrap();
    assert!(ddl.starts_with("CREATE EXTERNAL TABLE cloudtrail_logs ("));
    assert!(ddl.contains("'projection.timestamp.format' = 'yyyy/MM/dd'"));
}

/// A saved baseline's rows as Athena writes a query result: quoted header, every field quoted.
pub fn athena_csv(baseline_json: &Path) -> String {
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(baseline_json).unwrap()).unwrap();
    let quote = |v: &Value| {
        let text = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        format!("\"{}\"", text.replace('"', "\"\""))
    };
    let mut csv = String::new();
    for row in std::iter::once(&doc["columns"]).chain(doc["rows"].as_array().unwrap()) {
        let fields: Vec<String> = row.as_array().unwrap().iter().map(quote).collect();
        csv.push_str(&fields.join(","));
        csv.push('\n');
    }
    csv
}

/// `allowlist --format json` with these arguments: (exit code, parsed output).
fn allowlist(args: &[&str]) -> (i32, Value) {
    let out = trailtune()
        .args(["allowlist", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout not JSON ({e}); stderr: {stderr}"));
    (out.status.code().unwrap(), json)
}

/// Profile `logs`, write the baseline both ways, and compare the allowlists. Returns the CSV.
fn assert_equivalent(logs: &Path, days: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("baseline.json");
    let csv_path = dir.path().join("athena-result.csv");
    let out = trailtune()
        .args(["profile", "--format", "json", "--days", days, "--save"])
        .arg(&json_path)
        .arg(logs)
        .output()
        .unwrap();
    assert!(
        json_path.exists(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = athena_csv(&json_path);
    std::fs::write(&csv_path, &csv).unwrap();

    let (code_json, from_json) = allowlist(&["--baseline", json_path.to_str().unwrap()]);
    let (code_csv, from_csv) = allowlist(&["--baseline-csv", csv_path.to_str().unwrap()]);
    assert_eq!(code_csv, code_json);
    for key in [
        "allowlist",
        "quarantined",
        "unusual",
        "regions",
        "sweepers",
        "excluded",
        "evidence_events",
        "history_days",
    ] {
        assert_eq!(from_csv[key], from_json[key], "{key} differs");
    }
    csv
}

#[test]
fn baseline_csv_gives_the_same_allowlist_as_the_logs() {
    let csv = assert_equivalent(&testdata("athena/events.ndjson"), "20");
    // The sample exercises every decision, so the equality above is not vacuous.
    let (code, json) = allowlist(&[
        "--baseline-csv",
        testdata("athena/baseline_result.csv").to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "quarantined regions => exit 1");
    assert_eq!(json["allowlist"], serde_json::json!(["eu-west-1"]));
    assert_eq!(
        json["quarantined"],
        serde_json::json!(["eu-central-1", "us-east-1"])
    );
    assert_eq!(json["window"]["since"], "2025-03-01");
    assert_eq!(json["window"]["until"], "2025-03-20");
    // The committed result is exactly what the test writes (TRAILTUNE_BLESS=1 rewrites it after
    // testdata/athena/make_events.py changed the events).
    if std::env::var_os("TRAILTUNE_BLESS").is_some() {
        std::fs::write(testdata("athena/baseline_result.csv"), &csv).unwrap();
    }
    let golden = std::fs::read_to_string(testdata("athena/baseline_result.csv")).unwrap();
    assert_eq!(golden, csv, "testdata/athena/baseline_result.csv is stale");
}

#[test]
fn baseline_csv_equivalence_on_the_input_fixtures() {
    assert_equivalent(&testdata("input/AWSLogs"), "10000");
}

#[test]
fn baseline_csv_errors_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "\"day\",\"account\",\"region\",\"event_source\",\"identity_type\",\"principal\",\"origin\",\"failed\",\"read_only\",\"events\"\n\
         \"2025-03-01\",\"1\",\"eu-west-1\",\"s3\",\"Root\",\"p\",\"direct\",\"false\",\"false\",\"many\"\n",
    )
    .unwrap();
    let out = trailtune()
        .args(["allowlist", "--baseline-csv"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.csv") && stderr.contains("line 2: events \"many\""),
        "{stderr}"
    );
    // --baseline-csv excludes --baseline and log paths.
    let out = trailtune()
        .args([
            "allowlist",
            "--baseline-csv",
            "a.csv",
            "--baseline",
            "b.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = trailtune()
        .args(["allowlist", "--baseline-csv", "a.csv", "logs/"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
