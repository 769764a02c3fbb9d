//! Snapshots (`insta`) of every output contract of the real binary: each report in each format
//! it supports, over the small synth corpus of `common::snapshot_corpus` (and the fixtures in
//! testdata/ where a contract needs bad input). Commands run inside the corpus folder with
//! relative paths; what legitimately varies (the baseline file's `created_at`) is redacted.
//! Snapshots live in tests/it/snapshots/; a changed output shows up as a diff of those files.

use std::path::Path;

use crate::common::{root, snapshot_corpus, trailtune};

const FORMATS: [&str; 4] = ["table", "json", "ndjson", "csv"];

/// What one run of the binary printed.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Run trailtune in `dir` with `args`.
fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out = trailtune()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run trailtune");
    Run {
        code: out.status.code().expect("exit code"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    }
}

/// Run trailtune in the snapshot corpus, expecting exit status `code`.
fn run(code: i32, args: &[&str]) -> Run {
    let r = run_in(snapshot_corpus(), args);
    assert_eq!(r.code, code, "trailtune {args:?}\n{}", r.stderr);
    r
}

/// Replace every `"created_at": "..."` value (it says when the file was written).
fn redact_created_at(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("\"created_at\": \"") {
            Some(i) => format!("{}\"created_at\": \"[CREATED_AT]\",", &line[..i]),
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The last 12 days of the corpus: enough for every kind of row, and the S3 layout lets the other
/// files stay unopened.
#[test]
fn profile_every_by_and_format() {
    for by in ["region", "account", "principal", "service", "day"] {
        for format in FORMATS {
            let r = run(
                0,
                &[
                    "profile",
                    "--no-progress",
                    "--by",
                    by,
                    "--format",
                    format,
                    "--since",
                    "2025-03-20",
                    "AWSLogs",
                ],
            );
            assert_eq!(r.stderr, "", "profile --by {by} --format {format}");
            insta::assert_snapshot!(format!("profile_{by}_{format}"), r.stdout);
        }
    }
}

#[test]
fn profile_problems_on_stderr() {
    let r = run_in(
        &root(),
        &["profile", "--no-progress", "testdata/input/damaged"],
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    insta::assert_snapshot!("profile_problems_stderr", r.stderr);
}

#[test]
fn baseline_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = root().join("testdata/input/AWSLogs");
    let r = run_in(
        dir.path(),
        &[
            "profile",
            "--no-progress",
            "--save",
            "baseline.json",
            input.to_str().unwrap(),
        ],
    );
    // The fixture holds a digest file and a record without awsRegion: skipped, status 3.
    assert_eq!(r.code, 3, "{}", r.stderr);
    let text = std::fs::read_to_string(dir.path().join("baseline.json")).unwrap();
    insta::assert_snapshot!("baseline_file", redact_created_at(&text));
}

/// Loose thresholds, so that single-principal and recent regions are quarantined (exit 1); the
/// default thresholds in the table as well.
#[test]
fn allowlist_every_format() {
    for format in FORMATS {
        let r = run(
            1,
            &[
                "allowlist",
                "--baseline",
                "baseline.json",
                "--min-events",
                "2",
                "--min-days",
                "1",
                "--min-share",
                "0",
                "--format",
                format,
            ],
        );
        insta::assert_snapshot!(format!("allowlist_{format}"), r.stdout);
    }
    let r = run(0, &["allowlist", "--baseline", "baseline.json"]);
    insta::assert_snapshot!("allowlist_default_table", r.stdout);
}

#[test]
fn tune_summary_rule_and_diff() {
    let dir = snapshot_corpus();
    for mode in ["denylist", "allowlist"] {
        let out = format!("tune-{mode}.yml");
        let r = run(
            1,
            &[
                "tune",
                "--baseline",
                "baseline.json",
                "--mode",
                mode,
                "--date",
                "2025-04-01",
                "--diff",
                "-o",
                &out,
            ],
        );
        insta::assert_snapshot!(format!("tune_{mode}_stderr"), r.stderr);
        insta::assert_snapshot!(format!("tune_{mode}_diff"), r.stdout);
        let rule = std::fs::read_to_string(dir.join(&out)).unwrap();
        insta::assert_snapshot!(format!("tune_{mode}_rule"), rule);
    }
}

/// The allowlist as a Sigma meta-filter and as a pySigma placeholder pipeline.
#[test]
fn tune_emitted_filter_and_pipeline() {
    let dir = snapshot_corpus();
    run(
        1,
        &[
            "tune",
            "--baseline",
            "baseline.json",
            "--date",
            "2025-04-01",
            "-o",
            "emitted-rule.yml",
            "--emit-filter",
            "emitted-filter.yml",
            "--emit-placeholder",
            "emitted-pipeline.yml",
        ],
    );
    for name in ["filter", "pipeline"] {
        let text = std::fs::read_to_string(dir.join(format!("emitted-{name}.yml"))).unwrap();
        insta::assert_snapshot!(format!("tune_emitted_{name}"), text);
    }
}

#[test]
fn detect_every_format() {
    for format in FORMATS {
        let r = run(
            1,
            &[
                "detect",
                "--no-progress",
                "--rule",
                "tuned.yml",
                "--format",
                format,
                "AWSLogs",
            ],
        );
        assert_eq!(r.stderr, "", "detect --format {format}");
        insta::assert_snapshot!(format!("detect_{format}"), r.stdout);
    }
}

#[test]
fn run_stdout() {
    let r = run(
        1,
        &[
            "run",
            "--no-progress",
            "--date",
            "2025-04-01",
            "-o",
            "run-tuned.yml",
            "AWSLogs",
        ],
    );
    assert_eq!(r.stderr, "");
    insta::assert_snapshot!("run_stdout", r.stdout);
    let r = run(
        1,
        &[
            "run",
            "--no-progress",
            "--date",
            "2025-04-01",
            "--format",
            "json",
            "-o",
            "run-tuned-json.yml",
            "AWSLogs",
        ],
    );
    assert_eq!(r.stderr, "");
    // The written path differs from the table run's; the rest is the same document.
    insta::assert_snapshot!("run_json", r.stdout);
}

/// The state holds the first 20 days; the logs add the last 10: reclassified regions and first
/// uses of a region, the allowlist unchanged (so the rule is up to date, exit 0).
#[test]
fn rebaseline_drift_every_format() {
    for format in FORMATS {
        let r = run(
            0,
            &[
                "rebaseline",
                "--no-progress",
                "--state",
                "state.json",
                "--rule",
                "tuned.yml",
                "--check",
                "--date",
                "2025-04-01",
                "--format",
                format,
                "AWSLogs",
            ],
        );
        insta::assert_snapshot!(format!("rebaseline_{format}"), r.stdout);
    }
}

#[test]
fn athena_sql() {
    let r = run(0, &["athena", "baseline-sql", "--table", "cloudtrail_logs"]);
    insta::assert_snapshot!("athena_baseline_sql", r.stdout);
    let r = run(
        0,
        &[
            "athena",
            "detect-sql",
            "--rule",
            "tuned.yml",
            "--table",
            "cloudtrail_logs",
            "--days",
            "7",
        ],
    );
    insta::assert_snapshot!("athena_detect_sql", r.stdout);
    let r = run(0, &["athena", "ddl"]);
    insta::assert_snapshot!("athena_ddl", r.stdout);
}

/// Values from the logs are untrusted text: a region code with a comma or a quote, a principal
/// with a comma (IAM names may hold one) must come out as one CSV field each.
#[test]
fn csv_quotes_values_from_the_logs() {
    let dir = root();
    let input = "testdata/csv/awkward.ndjson";
    for (name, args) in [
        ("region", &["profile", "--format", "csv", input][..]),
        (
            "principal",
            &["profile", "--by", "principal", "--format", "csv", input][..],
        ),
        ("allowlist", &["allowlist", "--format", "csv", input][..]),
    ] {
        let r = run_in(&dir, args);
        assert!(matches!(r.code, 0 | 1), "{args:?}: {}", r.stderr);
        insta::assert_snapshot!(format!("csv_awkward_{name}"), r.stdout);
    }
}
