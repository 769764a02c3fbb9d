//! One test per bug found in review, named for the bug.

use std::time::{Duration, Instant};

use crate::common::{root, testdata, trailtune};

fn seed() -> std::path::PathBuf {
    root().join("src/data/aws_unusual_region.yml")
}

fn good_logs() -> std::path::PathBuf {
    testdata("input/AWSLogs")
}

#[test]
fn detect_does_not_hang_with_a_progress_bar_on_a_terminal() {
    // The progress bar draws to stderr from worker threads; detect used to hold the stderr lock.
    let Ok(script) = which("script") else {
        eprintln!(
            "SKIPPED: `script` (util-linux) is not installed, no pseudo-terminal to test with"
        );
        return;
    };
    let bin = assert_cmd::cargo::cargo_bin("trailtune");
    // What detect says without a terminal: the run on a terminal must end the same way.
    let plain = trailtune()
        .args(["detect", "--no-progress", "--rule"])
        .arg(seed())
        .arg(good_logs())
        .output()
        .unwrap();
    let expected = plain.status.code().expect("detect exited");
    assert!(matches!(expected, 0 | 1), "{plain:?}");
    let cmd = format!(
        "{} detect --rule {} {}",
        bin.display(),
        seed().display(),
        good_logs().display()
    );
    let dir = tempfile::tempdir().unwrap();
    let typescript = dir.path().join("typescript");
    // -e: script exits with the child's status; what the terminal showed goes to the file.
    let mut child = std::process::Command::new(script)
        .args(["-qec", &cmd])
        .arg(&typescript)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("detect on a terminal did not finish in 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let shown = String::from_utf8_lossy(&std::fs::read(&typescript).unwrap()).into_owned();
    assert_eq!(
        status.code(),
        Some(expected),
        "detect on a terminal ended otherwise than without one: {shown}"
    );
    assert!(
        shown.contains(" from 1 rule over "),
        "the report reached the terminal: {shown}"
    );
}

fn which(name: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or(())
}

#[test]
fn rebaseline_check_writes_nothing_and_reports_the_rule_out_of_date() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let rule = dir.path().join("rule.yml");
    std::fs::copy(seed(), &rule).unwrap();
    let run = |extra: &[&str]| {
        trailtune()
            .args([
                "rebaseline",
                "--force",
                "--min-events",
                "1",
                "--min-days",
                "1",
                "--approve",
                "eu-west-1",
                "--state",
            ])
            .arg(&state)
            .arg("--rule")
            .arg(&rule)
            .arg("--in-place")
            .args(extra)
            .arg(good_logs())
            .output()
            .unwrap()
    };
    let check = run(&["--check"]);
    assert_eq!(
        check.status.code(),
        Some(4),
        "out of date (1) + a skipped record (3): {}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(!state.exists(), "--check writes no state");
    assert_eq!(
        std::fs::read(&rule).unwrap(),
        std::fs::read(seed()).unwrap(),
        "--check writes no rule"
    );
    assert!(String::from_utf8_lossy(&check.stdout).contains("would be rewritten"));
    let real = run(&[]);
    assert_eq!(
        real.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&real.stderr)
    );
    assert!(state.exists());
    assert_ne!(
        std::fs::read(&rule).unwrap(),
        std::fs::read(seed()).unwrap(),
        "the rule was rewritten"
    );
}

#[test]
fn tune_refuses_a_condition_whose_them_would_cover_the_added_filters() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("them.yml");
    let text = std::fs::read_to_string(seed()).unwrap().replace(
        "condition: selection and not filter_expected_services and not filter_replication",
        "condition: all of them",
    );
    std::fs::write(&rule, text).unwrap();
    let out = trailtune()
        .args([
            "tune",
            "--force",
            "--min-events",
            "1",
            "--min-days",
            "1",
            "--mode",
            "allowlist",
            "--allow",
            "eu-west-1",
            "--rule",
        ])
        .arg(&rule)
        .arg(good_logs())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("'them'"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn run_refuses_standard_input_it_would_read_twice() {
    let out = trailtune()
        .args(["run", "-"])
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("reads the logs twice"));
}

#[test]
fn since_after_until_is_fatal() {
    for cmd in ["profile", "detect"] {
        let mut c = trailtune();
        c.arg(cmd)
            .args(["--since", "2025-06-30", "--until", "2025-06-01"]);
        if cmd == "detect" {
            c.arg("--rule").arg(seed());
        }
        let out = c.arg(good_logs()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("is after --until"),
            "{cmd}"
        );
    }
}

#[test]
fn a_window_without_events_is_fatal_not_clean() {
    let out = trailtune()
        .args(["profile", "--since", "2030-01-01", "--until", "2030-01-31"])
        .arg(good_logs())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no events in the window"));
}

#[test]
fn a_future_dated_record_does_not_move_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.ndjson");
    std::fs::write(
        &file,
        "{\"eventTime\":\"2025-03-01T10:00:00Z\",\"awsRegion\":\"eu-west-1\",\"eventSource\":\"ec2.amazonaws.com\"}\n\
         {\"eventTime\":\"9999-12-31T00:00:00Z\",\"awsRegion\":\"ap-east-1\",\"eventSource\":\"ec2.amazonaws.com\"}\n",
    )
    .unwrap();
    let out = trailtune()
        .args(["profile", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["window"]["until"], "2025-03-01");
    assert!(String::from_utf8_lossy(&out.stderr).contains("is in the future"));
}

#[test]
fn in_place_without_a_rule_is_refused_even_with_check() {
    let out = trailtune()
        .args(["tune", "--in-place", "--check"])
        .arg(good_logs())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// `rebaseline` with a rule: the state at hand, the rule path, the extra flags; returns the output.
fn rebaseline_rule(
    state: &std::path::Path,
    rule: &std::path::Path,
    extra: &[&str],
) -> std::process::Output {
    trailtune()
        .args([
            "rebaseline",
            "--no-progress",
            "--date",
            "2026-11-28",
            "--state",
        ])
        .arg(state)
        .arg("--rule")
        .arg(rule)
        .args(extra)
        .output()
        .unwrap()
}

/// A state built from the shared synth corpus, without any rule.
fn state_without_rule(dir: &std::path::Path) -> std::path::PathBuf {
    let state = dir.join("state.json");
    let first = trailtune()
        .args(["rebaseline", "--no-progress", "--state"])
        .arg(&state)
        .arg(crate::pipeline::corpus().dir.join("AWSLogs"))
        .output()
        .unwrap();
    assert_eq!(
        first.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    state
}

#[test]
fn rebaseline_rewrites_a_rule_never_tuned_from_this_state() {
    // The seed rule as shipped, with a state whose allowlist has not moved: the rule used to be
    // left as it was ("The rule is up to date"), because the decision came from the drift.
    let dir = tempfile::tempdir().unwrap();
    let state = state_without_rule(dir.path());
    let rule = dir.path().join("rule.yml");
    std::fs::copy(seed(), &rule).unwrap();
    let check = rebaseline_rule(&state, &rule, &["--check"]);
    assert_eq!(
        check.status.code(),
        Some(1),
        "--check reports the stale rule"
    );
    assert_eq!(
        std::fs::read(&rule).unwrap(),
        std::fs::read(seed()).unwrap()
    );
    let out = rebaseline_rule(&state, &rule, &["--in-place"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tuned = std::fs::read_to_string(&rule).unwrap();
    assert!(tuned.contains("# trailtune: tuned by trailtune"), "{tuned}");
    let again = rebaseline_rule(&state, &rule, &["--check"]);
    assert_eq!(again.status.code(), Some(0), "now up to date");
}

#[test]
fn rebaseline_applies_new_pins_thresholds_and_mode_to_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let state = state_without_rule(dir.path());
    let rule = dir.path().join("rule.yml");
    std::fs::copy(seed(), &rule).unwrap();
    assert_eq!(
        rebaseline_rule(&state, &rule, &["--in-place"])
            .status
            .code(),
        Some(1)
    );
    let tuned = std::fs::read_to_string(&rule).unwrap();
    // Each of these changes the tuned rule but not the drift between two allowlists computed
    // with the same flags, which is what used to decide. (A threshold that changes no decision
    // changes only the provenance comment: that is not a change.)
    for (flags, expect) in [
        (&["--deny", "eu-west-1"][..], "- 'eu-west-1'"),
        (&["--approve", "me-south-1"][..], "allowlist (4)"),
        (&["--mode", "allowlist"][..], "filter_baseline_regions"),
    ] {
        std::fs::write(&rule, &tuned).unwrap();
        let check = rebaseline_rule(&state, &rule, &[&["--check"], flags].concat());
        assert_eq!(check.status.code(), Some(1), "{flags:?}: --check exits 1");
        assert_eq!(std::fs::read_to_string(&rule).unwrap(), tuned);
        let out = rebaseline_rule(&state, &rule, &[&["--in-place"], flags].concat());
        assert_eq!(
            out.status.code(),
            Some(1),
            "{flags:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(&rule).unwrap();
        assert!(
            !tuned.contains(expect) && text.contains(expect),
            "{flags:?}: {text}"
        );
    }
}

#[test]
fn tune_with_an_output_file_compares_with_that_file() {
    // `-o tuned.yml` from the seed rule: up to date is decided against tuned.yml (what is
    // deployed), not against the seed, so a daily cron run does not rewrite it.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tuned.yml");
    let tune = |date: &str, extra: &[&str]| {
        trailtune()
            .args(["tune", "--date", date, "--baseline"])
            .arg(&crate::pipeline::corpus().baseline)
            .arg("-o")
            .arg(&out)
            .args(extra)
            .output()
            .unwrap()
    };
    assert_eq!(tune("2026-11-28", &[]).status.code(), Some(1), "created");
    let first = std::fs::read(&out).unwrap();
    assert_eq!(tune("2026-11-29", &["--check"]).status.code(), Some(0));
    assert_eq!(tune("2026-11-29", &[]).status.code(), Some(0));
    assert_eq!(std::fs::read(&out).unwrap(), first, "no churn");
    let diff = tune("2026-11-29", &["--check", "--diff", "--deny", "eu-west-1"]);
    assert_eq!(diff.status.code(), Some(1));
    let text = String::from_utf8_lossy(&diff.stdout);
    assert!(
        text.contains("-modified: 2026-11-28") && text.contains("+      - 'eu-west-1'"),
        "the diff is against the deployed file: {text}"
    );
}

/// `profile --format json` over `paths` (or standard input), returning (exit code, events, stderr).
fn profile_events(args: &[&str], stdin: Option<Vec<u8>>) -> (i32, u64, String) {
    let mut cmd = trailtune();
    cmd.args([
        "profile",
        "--no-progress",
        "--format",
        "json",
        "--days",
        "36500",
    ])
    .args(args);
    if let Some(bytes) = stdin {
        cmd.write_stdin(bytes);
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let events = serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .map(|v| v["input"]["events"].as_u64().unwrap_or(0))
        .unwrap_or(0);
    (out.status.code().unwrap(), events, stderr)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

#[test]
fn concatenated_delivery_objects_are_all_counted() {
    // Real delivery files end without a newline: `zcat *.json.gz` gives `}{"Records":...` and
    // `cat *.json.gz` gives gzip members back to back. Both used to count the first object only.
    let logs = crate::pipeline::corpus().dir.join("AWSLogs");
    let (code, want, _) = profile_events(&[logs.to_str().unwrap()], None);
    assert_eq!(code, 0);
    let mut files: Vec<std::path::PathBuf> = walkdir::WalkDir::new(&logs)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    files.sort();
    let mut members = Vec::new();
    let mut plain = Vec::new();
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        members.extend_from_slice(&bytes);
        let mut text = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::MultiGzDecoder::new(&bytes[..]),
            &mut text,
        )
        .unwrap();
        while text.last() == Some(&b'\n') {
            text.pop();
        }
        plain.extend_from_slice(&text);
    }
    for (what, bytes) in [
        ("cat *.json.gz", members),
        ("zcat *.json.gz", plain.clone()),
        ("gzip of zcat", gzip(&plain)),
    ] {
        for strict in [false, true] {
            let args: &[&str] = if strict { &["--strict", "-"] } else { &["-"] };
            let (code, events, stderr) = profile_events(args, Some(bytes.clone()));
            assert_eq!(
                (code, events),
                (0, want),
                "{what} strict={strict}: {stderr}"
            );
        }
    }
    // Several objects in one file do the same.
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("several.json");
    std::fs::write(&one, &plain).unwrap();
    let (code, events, stderr) = profile_events(&[one.to_str().unwrap()], None);
    assert_eq!((code, events), (0, want), "{stderr}");
}

#[test]
fn concatenated_real_captures_are_all_counted() {
    let Some(dir) = crate::common::shared("data/cloudtrail/invictus-aws-dataset") else {
        return;
    };
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut stream = Vec::new();
    for f in &files {
        let mut text = std::fs::read(f).unwrap();
        while text.last() == Some(&b'\n') {
            text.pop();
        }
        stream.extend(text);
    }
    let (code, events, stderr) = profile_events(&["-"], Some(stream.clone()));
    assert_eq!((code, events), (0, 2900), "{stderr}");
    let (code, events, stderr) = profile_events(&["-"], Some(gzip(&stream)));
    assert_eq!((code, events), (0, 2900), "{stderr}");
}

/// A bucket as S3 keeps it: account and Organizations layouts, digests, Insights and other
/// services' logs beside the CloudTrail logs.
fn real_bucket(dir: &std::path::Path) {
    let good = testdata(
        "input/AWSLogs/111122223333/CloudTrail/eu-west-1/2025/03/01/111122223333_CloudTrail_eu-west-1_20250301T1005Z_good.json.gz",
    );
    let put = |rel: &str, bytes: &[u8]| {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    };
    let log = std::fs::read(&good).unwrap();
    put(
        "AWSLogs/111122223333/CloudTrail/eu-west-1/2025/03/01/111122223333_CloudTrail_eu-west-1_20250301T1005Z_good.json.gz",
        &log,
    );
    // The other account's events are other events (their own eventIDs).
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&log[..]), &mut text).unwrap();
    put(
        "AWSLogs/o-abc123def4/444455556666/CloudTrail/eu-west-1/2025/03/01/444455556666_CloudTrail_eu-west-1_20250301T1005Z_good.json.gz",
        &gzip(text.replace("fixture-", "org-fixture-").as_bytes()),
    );
    let digest = br#"{"awsAccountId":"111122223333","digestStartTime":"2025-03-01T09:00:00Z","digestEndTime":"2025-03-01T10:00:00Z","logFiles":[]}"#;
    put(
        "AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2025/03/01/111122223333_CloudTrail-Digest_eu-west-1_t_eu-west-1_20250301T100000Z.json.gz",
        &gzip(digest),
    );
    put(
        "AWSLogs/o-abc123def4/444455556666/CloudTrail-Digest/eu-west-1/2025/03/01/d.json.gz",
        &gzip(digest),
    );
    let insight = br#"{"Records":[{"eventVersion":"1.07","eventTime":"2025-03-01T10:00:00Z","awsRegion":"ap-east-1","eventID":"i-1","eventType":"AwsCloudTrailInsight","eventCategory":"Insight","eventSource":"ec2.amazonaws.com","eventName":"RunInstances","recipientAccountId":"111122223333","insightDetails":{"state":"Start"}}]}"#;
    put(
        "AWSLogs/111122223333/CloudTrail-Insight/ap-east-1/2025/03/01/i.json.gz",
        &gzip(insight),
    );
    put(
        "AWSLogs/111122223333/elasticloadbalancing/eu-west-1/2025/03/01/lb.log.gz",
        &gzip(b"http 2025-03-01T10:00:00Z app/lb 1.2.3.4:5 - -1 -1 -1 503\n"),
    );
    put(
        "AWSLogs/111122223333/vpcflowlogs/eu-west-1/2025/03/01/f.log.gz",
        &gzip(b"version account-id interface-id\n2 111122223333 eni-1\n"),
    );
}

#[test]
fn a_real_bucket_is_read_quietly_and_strict_works_on_it() {
    let dir = tempfile::tempdir().unwrap();
    real_bucket(dir.path());
    for strict in [false, true] {
        let mut args = vec!["--until", "2025-03-31"];
        if strict {
            args.push("--strict");
        }
        let root = dir.path().to_str().unwrap();
        args.push(root);
        let (code, events, stderr) = profile_events(&args, None);
        assert_eq!(code, 0, "strict={strict}: {stderr}");
        assert_eq!(events, 6, "two accounts' logs, nothing else: {stderr}");
        assert!(!stderr.contains("skipped"), "{stderr}");
        assert!(
            stderr.contains(
                "passed over (no API calls, or counted already): 2 CloudTrail digests, 1 Insights file or record, 2 folders of other services' logs"
            ),
            "{stderr}"
        );
    }
}

#[test]
fn insights_records_are_never_counted_as_api_calls() {
    // Outside a CloudTrail-Insight folder (a file copied elsewhere, or a stream).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mixed.json");
    std::fs::write(
        &file,
        r#"{"Records":[{"eventTime":"2025-03-01T10:00:00Z","awsRegion":"eu-west-1","eventID":"a","eventType":"AwsApiCall","eventSource":"ec2.amazonaws.com"},{"eventTime":"2025-03-01T10:00:00Z","awsRegion":"ap-east-1","eventID":"i","eventType":"AwsCloudTrailInsight","eventCategory":"Insight","eventSource":"ec2.amazonaws.com"}]}"#,
    )
    .unwrap();
    let out = trailtune()
        .args(["profile", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["input"]["events"], 1);
    assert_eq!(json["rows"].as_array().unwrap().len(), 1);
    assert_eq!(json["rows"][0]["region"], "eu-west-1");
}

#[test]
fn detect_with_nothing_to_read_is_fatal_not_clean() {
    let empty = tempfile::tempdir().unwrap();
    let out = trailtune()
        .args(["detect", "--rule"])
        .arg(seed())
        .arg(empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "an empty folder");
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was hunted"));
    let out = trailtune()
        .args([
            "detect",
            "--since",
            "2030-01-01",
            "--until",
            "2030-01-02",
            "--rule",
        ])
        .arg(seed())
        .arg(good_logs())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a window without events");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no events in the window 2030-01-01 .. 2030-01-02"),
        "{stderr}"
    );
}

#[test]
fn a_tuned_rule_never_lists_a_home_region_without_a_person_saying_so() {
    // Thresholds that no region meets used to put every home region into the rule.
    let base = &crate::pipeline::corpus().baseline;
    let tune = |extra: &[&str]| {
        trailtune()
            .args(["tune", "--date", "2026-11-28", "--baseline"])
            .arg(base)
            .args(extra)
            .output()
            .unwrap()
    };
    let out = tune(&["--min-days", "1000", "--force"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("would alert on the organization's own regions")
            && stderr.contains("eu-west-1"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "no rule is printed");
    // A person's --deny is an explicit choice.
    let allowed = tune(&[]);
    assert_eq!(
        allowed.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&allowed.stderr)
    );
    let denied = tune(&["--deny", "eu-west-1"]);
    assert_eq!(
        denied.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&denied.stderr)
    );
    assert!(String::from_utf8_lossy(&denied.stdout).contains("- 'eu-west-1'"));
}

#[test]
fn numeric_flags_are_range_checked_and_region_pins_normalised() {
    let base = &crate::pipeline::corpus().baseline;
    for bad in [
        &["--min-share", "NaN"][..],
        &["--min-share", "-1"],
        &["--sweeper-regions", "0"],
        &["--sweeper-regions", "NaN"],
        &["--deny", "us-eats-1"],
    ] {
        let out = trailtune()
            .args(["allowlist", "--baseline"])
            .arg(base)
            .args(bad)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
    }
    let out = trailtune()
        .args(["allowlist", "--baseline"])
        .arg(base)
        .args(["--deny", "us-eats-1"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean us-east-1"));
    // Upper case and spaces are the same region.
    let out = trailtune()
        .args(["allowlist", "--format", "json", "--baseline"])
        .arg(base)
        .args(["--deny", " EU-WEST-1 "])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        !json["allowlist"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "eu-west-1")
    );
}

#[test]
fn a_future_dated_row_never_wipes_a_state() {
    // One CSV row dated 2099 used to turn a whole state into that one day.
    let dir = tempfile::tempdir().unwrap();
    let state = state_without_rule(dir.path());
    let before = std::fs::read(&state).unwrap();
    let csv = dir.path().join("future.csv");
    std::fs::write(
        &csv,
        "day,account,region,event_source,identity_type,principal,origin,failed,read_only,events\n\
         2099-01-01,111122223333,eu-west-1,ec2.amazonaws.com,IAMUser,arn:aws:iam::111122223333:user/x,direct,false,true,1\n",
    )
    .unwrap();
    let out = trailtune()
        .args(["rebaseline", "--state"])
        .arg(&state)
        .arg("--baseline-csv")
        .arg(&csv)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("2099-01-01") && stderr.contains("future"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(&state).unwrap(),
        before,
        "the state is untouched"
    );
    // The same row already inside a state file is refused when the state is read.
    let text = String::from_utf8(before).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut row = value["rows"][0].clone();
    row[0] = "2099-01-01".into();
    value["rows"].as_array_mut().unwrap().push(row);
    std::fs::write(&state, value.to_string()).unwrap();
    let out = trailtune()
        .args(["allowlist", "--baseline"])
        .arg(&state)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("in the future"));
}

#[test]
fn duplicates_are_counted_once_and_said() {
    let logs = testdata("input/AWSLogs/111122223333/CloudTrail");
    let (_, want, _) = profile_events(&[logs.to_str().unwrap()], None);
    assert!(want > 0);
    // Overlapping PATHs and the same file twice.
    let account = testdata("input/AWSLogs/111122223333");
    let (_, events, stderr) = profile_events(
        &[
            logs.to_str().unwrap(),
            account.to_str().unwrap(),
            logs.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(events, want, "{stderr}");
    assert!(stderr.contains("reached twice (read once)"), "{stderr}");
    // CloudTrail's own duplicate deliveries: the same eventID in two files.
    let dir = tempfile::tempdir().unwrap();
    let record = r#"{"eventTime":"2025-03-01T10:00:00Z","awsRegion":"ap-east-1","eventID":"dup-1","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a"}}"#;
    for name in ["a.json", "b.json"] {
        std::fs::write(dir.path().join(name), format!("{{\"Records\":[{record}]}}")).unwrap();
    }
    let (code, events, stderr) = profile_events(&[dir.path().to_str().unwrap()], None);
    assert_eq!((code, events), (0, 1), "{stderr}");
    assert!(
        stderr.contains("1 duplicate delivery (same eventID, counted once)"),
        "{stderr}"
    );
    let out = trailtune()
        .args(["detect", "--format", "ndjson", "--rule"])
        .arg(seed())
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        1,
        "one alert"
    );
}

#[test]
fn identity_center_users_are_one_principal_each() {
    // IAM Identity Center sign-ins carry a new principalId per session: 3 sessions, 1 person.
    let dir = tempfile::tempdir().unwrap();
    let records: Vec<String> = ["a1", "b2", "c3"]
        .iter()
        .enumerate()
        .map(|(i, s)| {
            format!(
                r#"{{"eventTime":"2025-03-01T10:0{i}:00Z","awsRegion":"us-east-1","eventID":"sso-{i}","eventSource":"sso.amazonaws.com","eventName":"ListAccounts","userIdentity":{{"type":"Unknown","principalId":"d-9067642ac7.{s}","accountId":"111122223333","userName":"alice@example.com"}}}}"#
            )
        })
        .collect();
    let file = dir.path().join("sso.json");
    std::fs::write(&file, format!("{{\"Records\":[{}]}}", records.join(","))).unwrap();
    let out = trailtune()
        .args(["profile", "--by", "principal", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = json["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{json}");
    assert_eq!(rows[0]["principal"], "identity-center:alice@example.com");
    assert_eq!(rows[0]["events"], 3);
}

#[test]
fn rule_metadata_warnings_are_warnings_not_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("rule.yml");
    let text = std::fs::read_to_string(seed())
        .unwrap()
        .replace("level: medium", "level: super");
    assert!(
        text.contains("level: super"),
        "the seed has a level to spoil"
    );
    std::fs::write(&rule, &text).unwrap();
    let out = trailtune()
        .args(["tune", "--date", "2026-11-28", "--rule"])
        .arg(&rule)
        .arg("--baseline")
        .arg(&crate::pipeline::corpus().baseline)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.matches("rule warning").count(), 1, "{stderr}");
    let out = trailtune()
        .args(["detect", "--rule"])
        .arg(&rule)
        .arg(good_logs())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("rule skipped"), "{stderr}");
    assert!(stderr.contains("rule warning"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "ran clean: {stderr}");
}

#[test]
fn run_without_an_output_file_prints_the_tuned_rule() {
    let out = trailtune()
        .args(["run", "--no-progress", "--date", "2026-11-28"])
        .arg(crate::pipeline::corpus().dir.join("AWSLogs"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let rule = stdout
        .split("== 5. The tuned rule")
        .nth(1)
        .unwrap_or_else(|| panic!("no tuned rule in the output:\n{stdout}"));
    assert!(rule.contains("# trailtune: tuned by trailtune"), "{rule}");
    assert!(rule.contains("title: AWS API Calls from Unusual Geographic Region"));
}

#[test]
fn tune_refuses_region_conditions_it_cannot_rewrite_safely() {
    let base = &crate::pipeline::corpus().baseline;
    let seed_text = std::fs::read_to_string(seed()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let tune = |text: &str| {
        let rule = dir.path().join("rule.yml");
        std::fs::write(&rule, text).unwrap();
        trailtune()
            .args(["tune", "--date", "2026-11-28", "--rule"])
            .arg(&rule)
            .arg("--baseline")
            .arg(base)
            .output()
            .unwrap()
    };
    let second_selection = seed_text.replacen(
        "  condition:",
        "  selection_more:\n    awsRegion:\n      - 'eu-west-1'\n  condition:",
        1,
    );
    for (text, needle) in [
        (second_selection, "selection_more"),
        (
            seed_text.replacen("awsRegion:", "awsRegion|contains|all:", 1),
            "|all",
        ),
        (
            seed_text.replacen("awsRegion:", "awsRegion|expand:", 1),
            "--emit-placeholder",
        ),
    ] {
        assert_ne!(text, seed_text);
        let out = tune(&text);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{needle}: {stderr}");
        assert!(
            stderr.contains("cannot be tuned safely") && stderr.contains(needle),
            "{stderr}"
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn hand_edits_inside_managed_filters_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("rule.yml");
    std::fs::copy(seed(), &rule).unwrap();
    let tune = |extra: &[&str]| {
        trailtune()
            .args(["tune", "--date", "2026-11-28", "--in-place", "--rule"])
            .arg(&rule)
            .arg("--baseline")
            .arg(&crate::pipeline::corpus().baseline)
            .args(extra)
            .output()
            .unwrap()
    };
    assert_eq!(tune(&[]).status.code(), Some(1));
    let tuned = std::fs::read_to_string(&rule).unwrap();
    assert!(tuned.contains("filter_sweepers:"), "{tuned}");
    // A person adds an exception inside trailtune's own filter.
    let edited = tuned.replacen(
        "    userIdentity.arn|startswith:\n",
        "    userIdentity.arn|startswith:\n      - 'arn:aws:sts::1:assumed-role/MyScanner/'\n",
        1,
    );
    assert_ne!(edited, tuned, "{tuned}");
    std::fs::write(&rule, &edited).unwrap();
    let out = tune(&[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "filter_sweepers.userIdentity.arn|startswith no longer holds arn:aws:sts::1:assumed-role/MyScanner/"
        ),
        "{stderr}"
    );
}

#[test]
fn a_day_read_only_in_part_does_not_replace_the_states_counts() {
    // Re-reading a day from a folder copied half-way used to replace its counts (164 -> 1).
    let dir = tempfile::tempdir().unwrap();
    let state = state_without_rule(dir.path());
    let logs = crate::pipeline::corpus().dir.join("AWSLogs");
    let account = std::fs::read_dir(&logs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .min()
        .unwrap();
    let days = account.join("CloudTrail/eu-west-1/2025/06");
    let partial = dir.path().join("partial");
    std::fs::create_dir_all(&partial).unwrap();
    for (day, take) in [("20", usize::MAX), ("21", 1)] {
        let mut files: Vec<_> = std::fs::read_dir(days.join(day))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert!(
            files.len() > 1,
            "the corpus has several files on 2025-06-{day}"
        );
        for f in files.iter().take(take) {
            std::fs::copy(f, partial.join(f.file_name().unwrap())).unwrap();
        }
    }
    let before = trailtune::baseline::Baseline::load(&state).unwrap();
    let out = trailtune()
        .args(["rebaseline", "--no-progress", "--state"])
        .arg(&state)
        .arg(&partial)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("hold fewer events than the state for 1 day of")
            && stderr.contains("2025-06-21"),
        "{stderr}"
    );
    let after = trailtune::baseline::Baseline::load(&state).unwrap();
    assert_eq!(
        after.aggregates.total_events(),
        before.aggregates.total_events(),
        "nothing lost"
    );
    // Told otherwise, the new logs win.
    let out = trailtune()
        .args([
            "rebaseline",
            "--no-progress",
            "--replace-partial-days",
            "--state",
        ])
        .arg(&state)
        .arg(&partial)
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("fewer events"));
    let replaced = trailtune::baseline::Baseline::load(&state).unwrap();
    assert!(replaced.aggregates.total_events() < before.aggregates.total_events());
}

#[test]
fn fourteen_days_of_logs_never_put_the_home_regions_in_the_rule() {
    // Exactly --min-history days with every default used to quarantine every region (all "first
    // seen within 14 days") and list the organization's own regions in the rule.
    let dir = tempfile::tempdir().unwrap();
    let out = trailtune()
        .args([
            "synth",
            "--days",
            "14",
            "--accounts",
            "1",
            "--events-per-day",
            "60",
            "--end",
            "2025-06-30",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let out = trailtune()
        .args([
            "tune",
            "--no-progress",
            "--date",
            "2026-11-28",
            "--mode",
            "allowlist",
        ])
        .arg(dir.path().join("AWSLogs"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("ground-truth.json")).unwrap())
            .unwrap();
    let rule = String::from_utf8_lossy(&out.stdout);
    let allowed = rule
        .lines()
        .find(|l| l.contains("# trailtune: allowlist ("))
        .unwrap_or_else(|| panic!("{rule}"));
    for account in truth["config"]["accounts"].as_array().unwrap() {
        for home in account["home_regions"].as_array().unwrap() {
            let home = home.as_str().unwrap();
            assert!(allowed.contains(home), "{home} is allowed: {allowed}");
        }
    }
}

#[test]
fn outputs_never_replace_devices_or_links_and_never_read_them_whole() {
    let base = &crate::pipeline::corpus().baseline;
    let dir = tempfile::tempdir().unwrap();
    // -o /dev/null is written through, never replaced by a regular file (as root it used to be).
    let out = trailtune()
        .args([
            "tune",
            "--date",
            "2026-11-28",
            "-o",
            "/dev/null",
            "--baseline",
        ])
        .arg(base)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
    // A rule file that never ends is refused, not read into memory.
    let out = trailtune()
        .args(["tune", "--rule", "/dev/zero", "--baseline"])
        .arg(base)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // A symlinked target: the file it points to is updated, the link stays.
    let real = dir.path().join("real.yml");
    std::fs::write(&real, "old").unwrap();
    let link = dir.path().join("tuned.yml");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let out = trailtune()
        .args(["tune", "--date", "2026-11-28", "-o"])
        .arg(&link)
        .arg("--baseline")
        .arg(base)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(&real)
            .unwrap()
            .contains("# trailtune:")
    );
}

#[test]
fn a_folder_dated_in_the_future_does_not_prune_the_real_logs() {
    let logs = crate::pipeline::corpus().dir.join("AWSLogs");
    let (_, want, _) = profile_events(&[logs.to_str().unwrap()], None);
    let dir = tempfile::tempdir().unwrap();
    let bucket = dir.path().join("AWSLogs");
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(&logs)
        .arg(&bucket)
        .status()
        .unwrap();
    assert!(status.success());
    let account = std::fs::read_dir(&bucket)
        .unwrap()
        .map(|e| e.unwrap().path())
        .min()
        .unwrap();
    let day = account.join("CloudTrail/eu-west-1/2025/06/20");
    let file = std::fs::read_dir(&day)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let future = account.join("CloudTrail/eu-west-1/2030/01/01");
    std::fs::create_dir_all(&future).unwrap();
    std::fs::copy(&file, future.join(file.file_name().unwrap())).unwrap();
    let out = trailtune()
        .args(["profile", "--no-progress", "--format", "json"])
        .arg(&bucket)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["input"]["events"].as_u64().unwrap(),
        want,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json["input"]["pruned_files"], 0);
}

#[test]
fn forged_counts_are_refused_not_a_panic() {
    let base = &crate::pipeline::corpus().baseline;
    let mut value: serde_json::Value =
        serde_json::from_slice(&std::fs::read(base).unwrap()).unwrap();
    value["rows"][0][9] = serde_json::json!(u64::MAX);
    value["rows"][1][9] = serde_json::json!(u64::MAX);
    let dir = tempfile::tempdir().unwrap();
    let forged = dir.path().join("forged.json");
    std::fs::write(&forged, value.to_string()).unwrap();
    let out = trailtune()
        .args(["tune", "--baseline"])
        .arg(&forged)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("forged or corrupt"));
}

#[test]
fn pins_outside_the_catalogue_reach_the_rule_and_window_flags_need_logs() {
    let base = &crate::pipeline::corpus().baseline;
    let out = trailtune()
        .args(["tune", "--date", "2026-11-28", "--accept-unknown-regions"])
        .args(["--deny", "xx-fake-9,us-gov-west-1", "--baseline"])
        .arg(base)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rule = String::from_utf8_lossy(&out.stdout);
    assert!(
        rule.contains("- 'xx-fake-9'") && rule.contains("- 'us-gov-west-1'"),
        "{rule}"
    );
    let out = trailtune()
        .args(["allowlist", "--since", "2025-06-01", "--baseline"])
        .arg(base)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "a window cannot be applied to a saved baseline"
    );
}

#[test]
fn rebaseline_keeps_the_logs_it_read_when_the_rule_cannot_be_tuned_yet() {
    // A weekly cron started from scratch: 7 days are not enough to tune, but the state must
    // grow, or it never will.
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let rule = dir.path().join("rule.yml");
    std::fs::copy(seed(), &rule).unwrap();
    let logs = crate::pipeline::corpus().dir.join("AWSLogs");
    let week: Vec<std::path::PathBuf> = std::fs::read_dir(&logs)
        .unwrap()
        .map(|e| e.unwrap().path().join("CloudTrail/eu-west-1/2025/06/2"))
        .flat_map(|p| (0..7).map(move |d| std::path::PathBuf::from(format!("{}{d}", p.display()))))
        .filter(|p| p.exists())
        .collect();
    assert!(!week.is_empty());
    let out = trailtune()
        .args(["rebaseline", "--no-progress", "--in-place", "--state"])
        .arg(&state)
        .arg("--rule")
        .arg(&rule)
        .args(&week)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("not enough history"), "{stderr}");
    assert!(state.exists(), "the week's logs are kept in the state");
    assert_eq!(
        std::fs::read(&rule).unwrap(),
        std::fs::read(seed()).unwrap()
    );
}

#[test]
fn one_event_far_in_the_future_of_a_state_cannot_wipe_it() {
    let dir = tempfile::tempdir().unwrap();
    let state = state_without_rule(dir.path());
    let before = std::fs::read(&state).unwrap();
    let tomorrow = (chrono::Utc::now().date_naive()).format("%Y-%m-%d");
    let file = dir.path().join("late.json");
    std::fs::write(
        &file,
        format!(
            r#"{{"Records":[{{"eventTime":"{tomorrow}T00:00:00Z","awsRegion":"eu-west-1","eventID":"z","eventSource":"ec2.amazonaws.com","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::1:user/x"}}}}]}}"#
        ),
    )
    .unwrap();
    let out = trailtune()
        .args(["rebaseline", "--no-progress", "--state"])
        .arg(&state)
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("every day of the state"), "{stderr}");
    assert_eq!(std::fs::read(&state).unwrap(), before);
}

#[test]
fn region_codes_in_the_data_are_case_normalised() {
    let base = &crate::pipeline::corpus().baseline;
    let mut value: serde_json::Value =
        serde_json::from_slice(&std::fs::read(base).unwrap()).unwrap();
    for row in value["rows"].as_array_mut().unwrap() {
        if row[2] == "eu-west-1" {
            row[2] = "EU-WEST-1".into();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let upper = dir.path().join("upper.json");
    std::fs::write(&upper, value.to_string()).unwrap();
    let out = trailtune()
        .args(["allowlist", "--format", "json", "--baseline"])
        .arg(&upper)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        json["allowlist"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "eu-west-1")
    );
    assert!(
        !json["unusual"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "eu-west-1")
    );
}

#[test]
fn the_backtest_counts_callers_as_the_policy_does() {
    // Two sessions of one role in an unusual region: one caller for the policy, and so for the
    // backtest (it used to count each session's ARN apart).
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("AWSLogs");
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(crate::pipeline::corpus().dir.join("AWSLogs"))
        .arg(&logs)
        .status()
        .unwrap();
    assert!(status.success());
    let event = |session: &str, id: &str| {
        format!(
            r#"{{"eventVersion":"1.09","eventTime":"2025-06-29T10:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"ap-east-1","eventID":"{id}","recipientAccountId":"111122223333","userIdentity":{{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/Intruder/{session}","sessionContext":{{"sessionIssuer":{{"type":"Role","arn":"arn:aws:iam::111122223333:role/Intruder"}}}}}}}}"#
        )
    };
    std::fs::write(
        logs.join("extra.json"),
        format!(
            "{{\"Records\":[{},{}]}}",
            event("s1", "intr-1"),
            event("s2", "intr-2")
        ),
    )
    .unwrap();
    let out = trailtune()
        .args(["run", "--no-progress", "--date", "2026-11-28", "-o"])
        .arg(dir.path().join("tuned.yml"))
        .arg(&logs)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let backtest = stdout.split("== 4.").nth(1).unwrap_or_default();
    assert!(
        backtest.contains("arn:aws:iam::111122223333:role/Intruder"),
        "{backtest}"
    );
    assert!(!backtest.contains("assumed-role/Intruder/s1"), "{backtest}");
}

#[test]
fn a_slice_of_days_already_held_leaves_the_state_file_alone() {
    // Only the counts, the window and the review make a state: reading other files that change
    // none of them used to rewrite the file (its input statistics).
    let dir = tempfile::tempdir().unwrap();
    let state = state_without_rule(dir.path());
    let before = std::fs::read(&state).unwrap();
    let logs = crate::pipeline::corpus().dir.join("AWSLogs");
    let days: Vec<std::path::PathBuf> = std::fs::read_dir(&logs)
        .unwrap()
        .map(|e| e.unwrap().path().join("CloudTrail/eu-west-1/2025/06/20"))
        .filter(|p| p.exists())
        .collect();
    let out = trailtune()
        .args(["rebaseline", "--no-progress", "--state"])
        .arg(&state)
        .args(&days)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("state unchanged"), "{stderr}");
    assert_eq!(std::fs::read(&state).unwrap(), before);
}

/// A region, a userAgent, an ARN and an eventID as an attacker would shape them: an ESC sequence
/// that moves up and erases a line, a carriage return, a line break that would forge a table
/// row, an OSC title, a bidi override. Region codes are lower-cased by trailtune, so these are.
const EVIL_REGION: &str = "eu-evil-1\u{1b}[1a\u{1b}[2k\r\n| us-east-1 | 999 |\u{202e}";
const EVIL_AGENT: &str = "curl\u{1b}]0;owned\u{7}\u{1b}[2k\r\nfake=line";
const EVIL_ARN: &str = "arn:aws:iam::111122223333:user/mallory\u{1b}[8m\n\u{202e}yrollam";
const EVIL_ID: &str = "id\u{1b}[1a\u{9b}2k\u{2066}";

/// `text` as trailtune shows it on a terminal (report::text::escape).
fn shown(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' => "\\n".to_string(),
            '\r' => "\\r".to_string(),
            c if (c as u32) < 0x20 => format!("\\x{:02x}", c as u32),
            c if c.is_control() || matches!(c, '\u{202e}' | '\u{2066}') => {
                format!("\\u{{{:x}}}", c as u32)
            }
            c => c.to_string(),
        })
        .collect()
}

/// Nothing a terminal would act on: no C0 but the line breaks trailtune writes, no C1, no bidi.
fn assert_terminal_safe(what: &str, text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| {
            (c.is_control() && c != '\n')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    assert!(bad.is_empty(), "{what} printed {bad:?} raw:\n{text}");
}

fn evil_event(i: usize, region: &str, agent: &str, arn: &str, id: &str) -> serde_json::Value {
    serde_json::json!({
        "eventVersion": "1.09",
        "userIdentity": {"type": "IAMUser", "arn": arn, "accountId": "111122223333"},
        "eventTime": format!("2025-03-0{}T08:00:00Z", 1 + i % 5),
        "eventSource": "ec2.amazonaws.com",
        "eventName": "EvilCall",
        "awsRegion": region,
        "sourceIPAddress": "198.51.100.7",
        "userAgent": agent,
        "eventID": id,
        "eventType": "AwsApiCall",
        "recipientAccountId": "111122223333",
    })
}

/// A rule that matches every `EvilCall` and shows its userAgent and ARN.
const EVIL_RULE: &str = "title: Evil Call\nid: 6d1c1f2e-0000-4000-8000-00000000e511\nlevel: high\n\
    logsource:\n  product: aws\n  service: cloudtrail\n\
    detection:\n  selection:\n    eventName: EvilCall\n  condition: selection\n\
    fields:\n  - userAgent\n  - userIdentity.arn\n";

/// Logs with the hostile values (and a few ordinary events), the rule, and a damaged file whose
/// name carries an ESC sequence and a line break.
fn evil_logs(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let logs = dir.join("logs");
    std::fs::create_dir(&logs).unwrap();
    let mut records: Vec<serde_json::Value> = (0..5)
        .map(|i| {
            evil_event(
                i,
                "eu-west-1",
                "aws-cli/2",
                "arn:aws:iam::111122223333:user/alice",
                &format!("ok-{i}"),
            )
        })
        .collect();
    records.push(evil_event(0, EVIL_REGION, EVIL_AGENT, EVIL_ARN, EVIL_ID));
    std::fs::write(
        logs.join("records.json"),
        serde_json::json!({ "Records": records }).to_string(),
    )
    .unwrap();
    std::fs::write(logs.join("bad\u{1b}[2k\nname.json"), "{not json").unwrap();
    let rule = dir.join("evil.yml");
    std::fs::write(&rule, EVIL_RULE).unwrap();
    (logs, rule)
}

#[test]
fn control_characters_from_the_logs_are_escaped_in_tables_and_problem_lines() {
    let dir = tempfile::tempdir().unwrap();
    let (logs, rule) = evil_logs(dir.path());
    let region = shown(EVIL_REGION);
    let run = |args: &[&str]| {
        let out = trailtune().args(args).arg(&logs).output().unwrap();
        (
            out.status.code(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let problem = shown("bad\u{1b}[2k\nname.json");

    let (code, stdout, stderr) = run(&["profile", "--no-progress"]);
    assert_eq!(code, Some(3), "a damaged file was skipped: {stderr}");
    assert_terminal_safe("profile", &stdout);
    assert_terminal_safe("profile's stderr", &stderr);
    assert!(stdout.contains(&format!("| {region} |")), "{stdout}");
    assert!(
        !stdout.lines().any(|l| l.starts_with("| us-east-1 ")),
        "a forged row: {stdout}"
    );
    assert!(stderr.contains(&problem), "{stderr}");
    assert!(
        stderr.contains(&region),
        "the unknown-region note: {stderr}"
    );

    let (_, stdout, stderr) = run(&["profile", "--no-progress", "--by", "principal"]);
    assert_terminal_safe("profile --by principal", &stdout);
    assert_terminal_safe("profile's stderr", &stderr);
    assert!(stdout.contains(&shown(EVIL_ARN)), "{stdout}");

    let (_, stdout, stderr) = run(&["allowlist", "--no-progress"]);
    assert_terminal_safe("allowlist", &stdout);
    assert_terminal_safe("allowlist's stderr", &stderr);
    assert!(stdout.contains(&format!("| {region} |")), "{stdout}");
    assert!(stderr.contains(&problem), "{stderr}");

    let (code, stdout, stderr) =
        run(&["detect", "--no-progress", "--rule", rule.to_str().unwrap()]);
    assert_eq!(code, Some(4), "hits and a skipped file: {stderr}");
    assert_terminal_safe("detect", &stdout);
    assert_terminal_safe("detect's stderr", &stderr);
    for value in [
        &region,
        &shown(EVIL_AGENT),
        &shown(EVIL_ARN),
        &shown(EVIL_ID),
    ] {
        assert!(stdout.contains(value.as_str()), "{value} in:\n{stdout}");
    }
    assert!(stderr.contains(&problem), "{stderr}");
}

#[test]
fn json_keeps_the_exact_values_from_the_logs() {
    let dir = tempfile::tempdir().unwrap();
    let (logs, rule) = evil_logs(dir.path());
    let out = trailtune()
        .args(["profile", "--no-progress", "--format", "json"])
        .arg(&logs)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        json["rows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["region"] == EVIL_REGION),
        "{json}"
    );
    let out = trailtune()
        .args(["detect", "--no-progress", "--format", "ndjson", "--rule"])
        .arg(&rule)
        .arg(&logs)
        .output()
        .unwrap();
    let hit = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|h| h["eventID"] == EVIL_ID)
        .expect("the hostile event is a hit");
    assert_eq!(hit["awsRegion"], EVIL_REGION);
    assert_eq!(hit["fields"]["userAgent"], EVIL_AGENT);
    assert_eq!(hit["fields"]["userIdentity.arn"], EVIL_ARN);
}

#[test]
fn csv_cells_from_the_logs_cannot_start_a_formula_unless_csv_raw() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs.json");
    let formulas = ["=1+1", "+1", "-1", "@sum(a1)"];
    let mut records: Vec<serde_json::Value> = (0..5)
        .map(|i| {
            evil_event(
                i,
                "eu-west-1",
                "aws-cli/2",
                "arn:aws:iam::111122223333:user/alice",
                &format!("ok-{i}"),
            )
        })
        .collect();
    for (i, f) in formulas.iter().enumerate() {
        records.push(evil_event(
            i,
            f,
            &format!("{f}agent"),
            "arn:aws:iam::111122223333:user/alice",
            &format!("{f}-id"),
        ));
    }
    std::fs::write(&logs, serde_json::json!({ "Records": records }).to_string()).unwrap();
    let rule = dir.path().join("evil.yml");
    std::fs::write(&rule, EVIL_RULE).unwrap();
    let csv = |args: &[&str], raw: bool| {
        let out = trailtune()
            .args(args)
            .args(["--no-progress", "--format", "csv"])
            .args(if raw { &["--csv-raw"][..] } else { &[] })
            .arg(&logs)
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{args:?}: {out:?}"
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let rule_args = ["detect", "--rule", rule.to_str().unwrap()];
    for args in [&["profile"][..], &["allowlist"], &rule_args] {
        let guarded = csv(args, false);
        let raw = csv(args, true);
        for f in formulas {
            assert!(
                guarded
                    .lines()
                    .any(|l| l.starts_with(&format!("'{f},")) || l.contains(&format!(",'{f},"))),
                "{args:?}: {f} not neutralised:\n{guarded}"
            );
            assert!(
                !guarded
                    .lines()
                    .any(|l| l.starts_with(&format!("{f},")) || l.contains(&format!(",{f},"))),
                "{args:?}: {f} raw:\n{guarded}"
            );
            assert!(
                raw.lines()
                    .any(|l| l.starts_with(&format!("{f},")) || l.contains(&format!(",{f},"))),
                "{args:?} --csv-raw: {f} changed:\n{raw}"
            );
            assert!(
                !raw.contains(&format!("'{f}")),
                "{args:?} --csv-raw:\n{raw}"
            );
        }
    }
    // Our own numbers are never quoted: the profile's counts stay numbers.
    let profile = csv(&["profile"], false);
    assert!(profile.contains("\n'=1+1,1,"), "{profile}");
    // detect: the eventID and the userAgent field of a hit are guarded as well.
    let hits = csv(&rule_args, false);
    assert!(hits.contains(",'=1+1-id,"), "{hits}");
    assert!(hits.contains(",'=1+1,"), "{hits}");
}

#[test]
fn hostile_sizes_are_reported_and_the_good_data_kept() {
    // A gzip of megabytes of whitespace, an endless line and a huge record: each is reported as
    // too large (small limits keep the test light), the run goes on and the good file counts.
    let dir = tempfile::tempdir().unwrap();
    let event = |id: &str| {
        format!(
            r#"{{"eventID":"{id}","eventTime":"2025-03-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1","recipientAccountId":"1","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::1:user/u"}}}}"#
        )
    };
    let good = dir.path().join("good.json");
    std::fs::write(
        &good,
        format!("{{\"Records\":[{},{}]}}", event("g1"), event("g2")),
    )
    .unwrap();
    let mut spaces = format!("{{\"Records\":[{}]}}", event("w1")).into_bytes();
    spaces.extend(std::iter::repeat_n(b' ', 8 << 20));
    std::fs::write(dir.path().join("spaces.json.gz"), gzip(&spaces)).unwrap();
    let line = format!(
        "{}\n{{\"Records\":[{}]}}\n",
        event("l1"),
        "x".repeat(100_000)
    );
    std::fs::write(dir.path().join("line.json"), line).unwrap();
    let (code, events, stderr) = profile_events(
        &[
            "--max-line-bytes",
            "65536",
            "--max-record-bytes",
            "4096",
            dir.path().to_str().unwrap(),
        ],
        None,
    );
    // Ran, some input skipped.
    assert_eq!(code, 3, "{stderr}");
    // g1, g2, w1 before the whitespace, l1 before the long line.
    assert_eq!(events, 4, "{stderr}");
    assert!(
        stderr.contains("spaces.json.gz") && stderr.contains("whitespace"),
        "{stderr}"
    );
    assert!(
        stderr.contains("line.json") && stderr.contains("--max-line-bytes"),
        "{stderr}"
    );
}

// ---------------------------------------------------------------------------------------------
// Hostile rules and baselines (issue 10): each case runs the binary, checks the exit status and
// the message, that nothing panicked, and a generous time bound.
// ---------------------------------------------------------------------------------------------

/// Runs trailtune with `args` under a time bound; returns (exit code, stderr).
fn run_within(args: &[&std::ffi::OsStr], limit: Duration) -> (Option<i32>, String) {
    let start = Instant::now();
    let out = trailtune().args(args).output().unwrap();
    let took = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(took < limit, "took {took:?} (limit {limit:?}): {stderr}");
    assert!(
        out.status.code() != Some(101) && !stderr.contains("panicked"),
        "{stderr}"
    );
    (out.status.code(), stderr)
}

fn os(parts: &[&str]) -> Vec<std::ffi::OsString> {
    parts.iter().map(|p| (*p).into()).collect()
}

/// `tune --force --approve eu-west-1 --rule RULE <good logs>`: (exit code, stderr).
/// `detect`, `tune` and `athena detect-sql` all refuse `rule` (exit 2) saying `needle`, in time.
fn every_command_refuses(rule: &std::path::Path, needle: &str) {
    for (code, stderr) in [
        detect_rule(rule, TEN_S),
        tune_rule(rule, TEN_S),
        athena_rule(rule, TEN_S),
    ] {
        assert_eq!(code, Some(2), "{stderr}");
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
}

fn tune_rule(rule: &std::path::Path, limit: Duration) -> (Option<i32>, String) {
    let mut args = os(&["tune", "--no-progress", "--force", "--approve", "eu-west-1"]);
    args.push("--rule".into());
    args.push(rule.into());
    args.push(good_logs().into());
    let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    run_within(&refs, limit)
}

fn detect_rule(rule: &std::path::Path, limit: Duration) -> (Option<i32>, String) {
    let mut args = os(&["detect", "--no-progress", "--rule"]);
    args.push(rule.into());
    args.push(good_logs().into());
    let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    run_within(&refs, limit)
}

fn athena_rule(rule: &std::path::Path, limit: Duration) -> (Option<i32>, String) {
    let mut args = os(&["athena", "detect-sql", "--table", "t", "--rule"]);
    args.push(rule.into());
    let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    run_within(&refs, limit)
}

fn seed_text() -> String {
    std::fs::read_to_string(seed()).unwrap()
}

/// The seed with its region list replaced by `list` (the text after `awsRegion:`).
fn seed_with_region_list(list: &str) -> String {
    let text = seed_text();
    let start = text.find("    awsRegion:").unwrap();
    let end = text.find("  filter_expected_services:").unwrap();
    format!("{}    awsRegion:{list}{}", &text[..start], &text[end..])
}

const TEN_S: Duration = Duration::from_secs(10);

#[test]
fn tune_refuses_a_region_list_that_is_a_yaml_alias_instead_of_panicking() {
    let dir = tempfile::tempdir().unwrap();
    for n in [5, 60] {
        let items: String = (0..n).map(|i| format!("      - 'r{i}'\n")).collect();
        let text = seed_with_region_list(" *regs\n").replace(
            "detection:\n",
            &format!("detection:\n  filter_other:\n    eventName: &regs\n{items}"),
        );
        let rule = dir.path().join(format!("alias{n}.yml"));
        std::fs::write(&rule, text).unwrap();
        let (code, stderr) = tune_rule(&rule, Duration::from_secs(30));
        assert_eq!(code, Some(2), "{stderr}");
        assert!(
            stderr.contains("YAML aliases are not supported") && stderr.contains("*regs"),
            "{stderr}"
        );
    }
}

#[test]
fn a_rule_of_100000_nested_brackets_is_refused_at_once_by_detect_tune_and_athena() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("deep.yml");
    let text = seed_text().replace(
        "status: stable",
        &format!("status: {}", "[".repeat(100_000)),
    );
    std::fs::write(&rule, text).unwrap();
    every_command_refuses(&rule, "nested more than 64 levels deep");
}

#[test]
fn a_rule_file_over_1_mb_is_refused_without_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("large.yml");
    let padding = format!("# {}\n", "x".repeat(1000)).repeat(1100);
    std::fs::write(&rule, format!("{}{padding}", seed_text())).unwrap();
    every_command_refuses(&rule, "more than the 1048576 bytes");
}

#[test]
fn tune_rewrites_a_20000_item_region_list_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("long.yml");
    let items: String = (0..20_000).map(|i| format!("\n      - 'r{i}'")).collect();
    std::fs::write(&rule, seed_with_region_list(&format!("{items}\n"))).unwrap();
    // Was 348 s (quadratic); about 2 s in a debug build now.
    let (code, stderr) = tune_rule(&rule, Duration::from_secs(5));
    // 4: changed, and the good logs hold one record without awsRegion (skipped).
    assert_eq!(code, Some(4), "{stderr}");
}

#[test]
fn a_merge_key_in_a_selection_is_merged_as_pysigma_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("merge.yml");
    let text = seed_text().replace(
        "detection:\n  selection:\n    eventSource: '*'\n",
        "base: &b\n  eventSource: 'iam.amazonaws.com'\ndetection:\n  selection:\n    <<: *b\n",
    );
    std::fs::write(&rule, text).unwrap();
    let (code, stderr) = detect_rule(&rule, TEN_S);
    assert_ne!(code, Some(2), "{stderr}");
    let out = trailtune()
        .args(["athena", "detect-sql", "--table", "t", "--rule"])
        .arg(&rule)
        .output()
        .unwrap();
    let sql = String::from_utf8_lossy(&out.stdout);
    assert!(sql.contains("'iam.amazonaws.com'"), "{sql}");
    // tune edits text and refuses any alias, with a message that says so.
    let (code, stderr) = tune_rule(&rule, TEN_S);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("YAML aliases are not supported"),
        "{stderr}"
    );
}

#[test]
fn a_nested_list_or_map_as_a_detection_value_is_refused_naming_the_selection() {
    let dir = tempfile::tempdir().unwrap();
    for (name, value) in [("list", " [['a', 'b']]"), ("map", " {x: 1}")] {
        let rule = dir.path().join(format!("{name}.yml"));
        std::fs::write(
            &rule,
            seed_text().replace(
                "    eventSource: '*'\n",
                &format!("    eventSource:{value}\n"),
            ),
        )
        .unwrap();
        every_command_refuses(&rule, "detection.selection: \"eventSource\" holds a");
    }
}

#[test]
fn a_byte_order_mark_is_accepted_by_detect_tune_and_athena() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("bom.yml");
    std::fs::write(&rule, format!("\u{feff}{}", seed_text())).unwrap();
    let (code, stderr) = detect_rule(&rule, TEN_S);
    assert!(matches!(code, Some(0 | 1 | 3 | 4)), "{stderr}");
    let (code, stderr) = tune_rule(&rule, TEN_S);
    assert_eq!(code, Some(4), "{stderr}");
    let (code, stderr) = athena_rule(&rule, TEN_S);
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn a_multi_document_rule_file_is_refused_the_same_way_by_tune_and_athena() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("two.yml");
    std::fs::write(&rule, format!("{}---\n{}", seed_text(), seed_text())).unwrap();
    let want = "two.yml: the rule does not load: expected exactly one detection rule, found 2 \
                YAML documents (this command reads one rule: put it in a file of its own)";
    for (code, stderr) in [tune_rule(&rule, TEN_S), athena_rule(&rule, TEN_S)] {
        assert_eq!(code, Some(2), "{stderr}");
        assert!(stderr.contains(want), "{stderr}");
    }
    // detect reads a file of several rules (a Sigma collection): both load.
    let (code, stderr) = detect_rule(&rule, TEN_S);
    assert!(matches!(code, Some(0 | 1 | 3 | 4)), "{stderr}");
}

/// A baseline saved from the good logs, its text.
fn saved_baseline(dir: &std::path::Path) -> String {
    let file = dir.join("good.json");
    let out = trailtune()
        .args(["profile", "--no-progress", "--save"])
        .arg(&file)
        .arg(good_logs())
        .output()
        .unwrap();
    assert!(file.exists(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::read_to_string(file).unwrap()
}

#[test]
fn forged_baselines_are_refused_naming_the_row_and_a_state_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let good = saved_baseline(dir.path());
    let rows_at = good.find("\"rows\": [").unwrap();
    let first_row = {
        let s = good[rows_at..].find("\n    [").unwrap() + rows_at + 5;
        let e = good[s..].find(']').unwrap() + s + 1;
        good[s..e].to_string()
    };
    let day = &first_row[2..12];
    let with_rows = |rows: &str| format!("{}\"rows\": [{rows}]\n}}\n", &good[..rows_at]);
    let since = good
        .split("\"since\": \"")
        .nth(1)
        .map(|s| &s[..10])
        .unwrap();
    let cases = [
        (
            with_rows(&first_row.replace(day, "2006-01-01")),
            "row 1 is dated 2006-01-01, outside the file's window",
        ),
        (
            with_rows(&first_row.replace(day, "0001-01-01")).replace(
                &format!("\"since\": \"{since}\""),
                "\"since\": \"0001-01-01\"",
            ),
            "row 1 is dated 0001-01-01, before 2006-01-01",
        ),
        (with_rows(""), "no rows"),
        (
            with_rows(&format!("{first_row},{first_row}")),
            "row 2 repeats the key of row 1",
        ),
    ];
    for (text, want) in cases {
        let file = dir.path().join("bad.json");
        std::fs::write(&file, &text).unwrap();
        let mut args = os(&["tune", "--force", "--approve", "eu-west-1", "--baseline"]);
        args.push(file.clone().into());
        let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        let (code, stderr) = run_within(&refs, TEN_S);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(stderr.contains(want), "{want}: {stderr}");
        // As a rebaseline state, with logs to merge: refused, and left as it was.
        let mut args = os(&["rebaseline", "--no-progress", "--state"]);
        args.push(file.clone().into());
        args.push(good_logs().into());
        let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        let (code, stderr) = run_within(&refs, TEN_S);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(stderr.contains(want), "{want}: {stderr}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    }
}

#[test]
fn an_athena_csv_with_an_absurd_date_or_a_repeated_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let head =
        "day,account,region,event_source,identity_type,principal,origin,failed,read_only,events\n";
    let row = |day: &str| {
        format!(
            "\"{day}\",\"1\",\"eu-west-1\",\"s3\",\"Root\",\"p\",\"direct\",\"false\",\"false\",\"5\"\n"
        )
    };
    for (text, want) in [
        (
            format!("{head}{}", row("0001-01-01")),
            "line 2: dated 0001-01-01, before 2006-01-01",
        ),
        (
            format!("{head}{}{}", row("2025-01-01"), row("2025-01-01")),
            "line 3: repeats the key of line 2",
        ),
    ] {
        let file = dir.path().join("result.csv");
        std::fs::write(&file, text).unwrap();
        let mut args = os(&["tune", "--force", "--baseline-csv"]);
        args.push(file.into());
        let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        let (code, stderr) = run_within(&refs, TEN_S);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(stderr.contains(want), "{want}: {stderr}");
    }
}

/// The two plans of the rewrite fuzz target (`tests/fuzz/fuzz_targets/rewrite.rs`).
fn fuzz_plans() -> [trailtune::rewrite::TunePlan; 2] {
    use trailtune::rewrite::{Filter, RegionMode, TunePlan};
    let strings = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let plan = |regions| TunePlan {
        selection: "selection".into(),
        regions,
        filters: vec![
            Filter {
                name: "filter_global_services".into(),
                fields: vec![(
                    "eventSource".into(),
                    strings(&["iam.amazonaws.com", "sts.amazonaws.com"]),
                )],
                comment: Some("Global services are logged in us-east-1".into()),
            },
            Filter {
                name: "filter_sweepers".into(),
                fields: vec![
                    (
                        "userIdentity.arn|startswith".into(),
                        strings(&["arn:aws:iam::111122223333:role/cloud-custodian"]),
                    ),
                    (
                        "eventName|startswith".into(),
                        strings(&["Describe", "List"]),
                    ),
                ],
                comment: None,
            },
        ],
        provenance: strings(&[
            "learned 2026-04-01..2026-04-30",
            "baseline regions: eu-west-1, us-east-1",
        ]),
        modified: chrono::NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
    };
    [
        plan(RegionMode::Denylist(strings(&[
            "ap-east-1",
            "me-south-1",
            "sa-east-1",
        ]))),
        plan(RegionMode::Allowlist(strings(&["us-east-1", "eu-west-1"]))),
    ]
}

/// Every file of `testdata/fuzz/rewrite/<case>`: each plan either refuses it (returning the
/// errors) or rewrites it so that a second run succeeds and changes nothing.
fn rewrite_fuzz_case(case: &str) -> Vec<(std::path::PathBuf, String)> {
    let dir = testdata(&format!("fuzz/rewrite/{case}"));
    let mut errors = Vec::new();
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        files += 1;
        for plan in fuzz_plans() {
            match trailtune::rewrite::apply(&text, &plan) {
                Err(err) => errors.push((path.clone(), err.to_string())),
                Ok(out) => {
                    let again = trailtune::rewrite::apply(&out.text, &plan)
                        .unwrap_or_else(|e| panic!("{}: second run: {e}", path.display()));
                    assert!(
                        !again.changed,
                        "{}: second run changes:\n{}",
                        path.display(),
                        trailtune::rewrite::unified_diff(&out.text, &again.text, "first", "second")
                    );
                }
            }
        }
    }
    assert!(files > 0, "no fuzz cases in {}", dir.display());
    errors
}

#[test]
fn rewrite_refuses_a_condition_with_unbalanced_parentheses() {
    // Found by fuzzing: `tune` appended `and not filter_...` terms to a condition with an
    // unclosed `(` (or a stray `)`), so they were not top-level and the next run refused the
    // file it had written itself.
    let errors = rewrite_fuzz_case("unbalanced_condition");
    assert!(
        errors
            .iter()
            .any(|(_, e)| e.contains("unbalanced parentheses")),
        "{errors:?}"
    );
}

#[test]
fn allowlist_rewrite_writes_provenance_only_on_the_second_run() {
    rewrite_fuzz_case("provenance_second_run");
}

#[test]
fn a_device_given_as_a_rule_baseline_state_or_csv_is_refused_at_a_glance() {
    // /dev/zero never ends: each reader stops at its cap or at the first bytes, in time.
    let zero = std::path::Path::new("/dev/zero");
    every_command_refuses(zero, "/dev/zero");
    let cases: [(&[&str], &str); 4] = [
        (
            &["allowlist", "--baseline", "/dev/zero"],
            "not a baseline file: it starts with byte 0x00",
        ),
        (
            &["rebaseline", "--state", "/dev/zero"],
            "not a baseline file: it starts with byte 0x00",
        ),
        (
            &["allowlist", "--baseline-csv", "/dev/zero"],
            "no header line in the first 65536 bytes",
        ),
        (
            &["allowlist", "--baseline", "/dev/null"],
            "the file is empty",
        ),
    ];
    for (args, needle) in cases {
        let args = os(args);
        let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        let (code, stderr) = run_within(&refs, TEN_S);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {needle}: {stderr}");
    }
}

#[test]
fn a_log_record_dated_before_aws_existed_is_refused_not_counted() {
    // Counted, it would stretch the history (and satisfy --min-history) and make a saved
    // baseline that no command would load.
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("old.json");
    let event = |time: &str| {
        format!(
            r#"{{"eventID":"{time}","eventTime":"{time}","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"eu-west-1","recipientAccountId":"1","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::1:user/u"}}}}"#
        )
    };
    std::fs::write(
        &logs,
        format!(
            "{}\n{}\n",
            event("1990-01-01T00:00:00Z"),
            event("2025-03-01T00:00:00Z")
        ),
    )
    .unwrap();
    let base = dir.path().join("base.json");
    let out = trailtune()
        .args(["profile", "--no-progress", "--days", "36500", "--save"])
        .arg(&base)
        .arg(&logs)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("eventTime 1990-01-01 is before 2006-01-01"),
        "{stderr}"
    );
    // The baseline saved from the good record loads.
    let out = trailtune()
        .args(["allowlist", "--format", "json", "--baseline"])
        .arg(&base)
        .output()
        .unwrap();
    assert!(
        out.status.code() != Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---------------------------------------------------------------------------------------------
// Found by trying to break the hardening (issue 10): detect's sort, messages, outputs.
// ---------------------------------------------------------------------------------------------

/// A rule that matches every DescribeInstances call and shows `field`.
fn rule_showing(dir: &std::path::Path, field: &str) -> std::path::PathBuf {
    let rule = dir.join("show.yml");
    std::fs::write(
        &rule,
        format!(
            "title: Show\nid: 0b6c1c2e-0000-4000-8000-000000000001\nlevel: low\n\
             logsource: {{product: aws, service: cloudtrail}}\n\
             detection:\n  sel:\n    eventName: DescribeInstances\n  condition: sel\n\
             fields:\n  - {field}\n"
        ),
    )
    .unwrap();
    rule
}

/// `n` DescribeInstances events whose `requestParameters` is `params(k)`, one per line.
fn events_with(
    dir: &std::path::Path,
    n: usize,
    params: impl Fn(usize) -> String,
) -> std::path::PathBuf {
    let path = dir.join("events.ndjson");
    let text: String = (0..n)
        .map(|k| {
            format!(
                r#"{{"eventID":"e{k:05}","eventTime":"2025-03-01T00:{:02}:{:02}Z","eventName":"DescribeInstances","eventSource":"ec2.amazonaws.com","awsRegion":"eu-west-1","recipientAccountId":"1","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::1:user/u"}},"requestParameters":{}}}"#,
                k / 60 % 60,
                k % 60,
                params(k)
            ) + "\n"
        })
        .collect();
    std::fs::write(&path, text).unwrap();
    path
}

fn detect_ndjson(
    rule: &std::path::Path,
    logs: &std::path::Path,
    extra: &[&str],
) -> (i32, String, String) {
    let out = trailtune()
        .args(["detect", "--no-progress", "--format", "ndjson"])
        .args(extra)
        .arg("--rule")
        .arg(rule)
        .arg(logs)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_deeply_nested_field_survives_a_spilled_sort() {
    // 125 nested arrays: within the reader's depth limit, but not once wrapped in the sort's
    // own records; a spilled run was unreadable and the whole detect run failed.
    let dir = tempfile::tempdir().unwrap();
    let deep = format!("{}1{}", "[".repeat(125), "]".repeat(125));
    let logs = events_with(dir.path(), 300, |k| {
        if k == 7 {
            deep.clone()
        } else {
            format!("{{\"k\":{k}}}")
        }
    });
    let rule = rule_showing(dir.path(), "requestParameters");
    let (code, memory, stderr) = detect_ndjson(&rule, &logs, &[]);
    assert_eq!(code, 1, "{stderr}");
    let (code, spilled, stderr) = detect_ndjson(&rule, &logs, &["--sort-buffer", "1"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(memory, spilled);
    assert_eq!(spilled.lines().count(), 300);
}

#[test]
fn numbers_come_out_as_they_went_in_and_duplicates_do_not_depend_on_the_sort_buffer() {
    let dir = tempfile::tempdir().unwrap();
    let logs = events_with(dir.path(), 300, |k| {
        format!("{{\"ratio\":1.263462896392155e-11,\"k\":{k}}}")
    });
    // Event 0 delivered a second time, after all the others.
    let first = std::fs::read_to_string(&logs).unwrap();
    let again = first.lines().next().unwrap().to_string();
    std::fs::write(&logs, format!("{first}{again}\n")).unwrap();
    let rule = rule_showing(dir.path(), "requestParameters.ratio");
    let (_, memory, _) = detect_ndjson(&rule, &logs, &[]);
    let (_, spilled, stderr) = detect_ndjson(&rule, &logs, &["--sort-buffer", "30000"]);
    assert_eq!(memory, spilled);
    assert_eq!(
        spilled.lines().count(),
        300,
        "the second delivery dropped: {stderr}"
    );
    assert!(stderr.contains("1 duplicate delivery "), "{stderr}");
    assert!(
        spilled.contains("\"requestParameters.ratio\":1.263462896392155e-11"),
        "{spilled:.400}"
    );
}

#[test]
fn the_summary_of_forged_regions_is_bounded() {
    // 1,200 distinct 4 KB "regions": the summary keys on the first 64 characters and the table
    // lists 1,000 of its rows.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("regions.ndjson");
    let text: String = (0..1_200)
        .map(|k| {
            format!(
                r#"{{"eventID":"r{k}","eventTime":"2025-03-01T00:00:00Z","eventName":"DescribeInstances","eventSource":"ec2.amazonaws.com","awsRegion":"{k:04}{}","recipientAccountId":"1"}}"#,
                "x".repeat(4000)
            ) + "\n"
        })
        .collect();
    std::fs::write(&path, text).unwrap();
    let rule = rule_showing(dir.path(), "eventName");
    let out = trailtune()
        .args(["detect", "--no-progress", "--rule"])
        .arg(&rule)
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            "(the first 1,000 of 1,200 rule and region pairs; --format json lists them all)"
        ),
        "{:.300}",
        &stdout[stdout.len().saturating_sub(600)..]
    );
    assert!(stdout.len() < 3_000_000, "{} bytes of table", stdout.len());
}

#[test]
fn problem_lines_quote_the_start_of_a_huge_value() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.json");
    let huge = "9".repeat(1 << 20);
    std::fs::write(
        &path,
        format!(
            "{{\"eventTime\":\"{huge}\",\"eventName\":\"X\",\"awsRegion\":\"eu-west-1\"}}\n{{\"eventTime\":\"2025-03-01T00:00:00Z\",\"eventName\":\"X\",\"awsRegion\":\"eu-west-1\"}}\n"
        ),
    )
    .unwrap();
    let (code, events, stderr) = profile_events(&[path.to_str().unwrap()], None);
    assert_eq!((code, events), (3, 1), "{:.500}", stderr);
    assert!(stderr.len() < 4_000, "{} bytes on stderr", stderr.len());
    assert!(stderr.contains("bytes)"), "the cut is said: {stderr}");
}

#[test]
fn two_outputs_naming_one_file_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("rule.yml");
    std::fs::copy(seed(), &rule).unwrap();
    let before = std::fs::read(&rule).unwrap();
    let p = |s: &str| dir.path().join(s).into_os_string();
    let cases: Vec<(Vec<std::ffi::OsString>, &str)> = vec![
        (
            vec![
                "tune".into(),
                "--rule".into(),
                rule.clone().into(),
                "--in-place".into(),
                "--emit-placeholder".into(),
                rule.clone().into(),
            ],
            "--in-place (--rule) and --emit-placeholder name the same file",
        ),
        (
            // The same file spelt two ways, not there yet.
            vec![
                "tune".into(),
                "--rule".into(),
                rule.clone().into(),
                "-o".into(),
                p("x.yml"),
                "--emit-filter".into(),
                dir.path().join("sub/../x.yml").into_os_string(),
            ],
            "-o and --emit-filter name the same file",
        ),
        (
            vec![
                "rebaseline".into(),
                "--state".into(),
                p("s.json"),
                "-o".into(),
                p("s.json"),
            ],
            "--state and -o name the same file",
        ),
    ];
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    for (args, needle) in cases {
        let out = trailtune().args(&args).arg(good_logs()).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
    assert_eq!(
        std::fs::read(&rule).unwrap(),
        before,
        "the rule is untouched"
    );
    assert!(!dir.path().join("x.yml").exists());
}

#[test]
fn a_closed_pipe_still_gets_the_exit_status_of_what_was_found() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    // Enough hits to fill the pipe: the first write after the reader leaves fails.
    let logs = events_with(dir.path(), 3_000, |k| {
        format!("{{\"pad\":\"{}\",\"k\":{k}}}", "p".repeat(500))
    });
    let rule = rule_showing(dir.path(), "requestParameters");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("trailtune"))
        .args(["detect", "--no-progress", "--format", "ndjson", "--rule"])
        .arg(&rule)
        .arg(&logs)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // `| head -1`: the reader is gone.
    assert!(first.contains("e00000"), "{first}");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "hits were found");
}

#[test]
fn records_that_are_not_api_calls_are_not_a_clean_hunt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junk.json");
    std::fs::write(&path, "{\"Records\":[{\"a\":1},{\"a\":2}]}\n").unwrap();
    let (code, _, stderr) = detect_ndjson(&seed(), &path, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not a CloudTrail event"), "{stderr}");
    assert!(stderr.contains("nothing was hunted"), "{stderr}");
}

#[test]
fn a_rule_comparing_two_fields_reads_both() {
    // `detect` builds each event with only the keys its rules read: the field named in a
    // `|fieldref` value is one of them.
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("fieldref.yml");
    std::fs::write(
        &rule,
        "title: Agent names the caller\nid: 0b6c1c2e-0000-4000-8000-000000000003\nlevel: high\n\
         logsource: {product: aws, service: cloudtrail}\n\
         detection:\n  sel:\n    userAgent|fieldref|contains: sourceIPAddress\n  condition: sel\n",
    )
    .unwrap();
    let logs = dir.path().join("e.ndjson");
    std::fs::write(
        &logs,
        "{\"eventID\":\"hit\",\"eventTime\":\"2025-03-01T00:00:00Z\",\"eventName\":\"X\",\"sourceIPAddress\":\"203.0.113.9\",\"userAgent\":\"curl via 203.0.113.9\"}\n\
         {\"eventID\":\"miss\",\"eventTime\":\"2025-03-01T00:00:01Z\",\"eventName\":\"X\",\"sourceIPAddress\":\"203.0.113.9\",\"userAgent\":\"curl\"}\n",
    )
    .unwrap();
    let (code, stdout, stderr) = detect_ndjson(&rule, &logs, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.contains("\"eventID\":\"hit\""), "{stdout}");
}

#[test]
fn run_save_never_lands_on_the_rule_and_writes_nothing_when_the_run_fails() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("r.yml");
    let seed_text = std::fs::read_to_string(seed()).unwrap();
    std::fs::write(&rule, &seed_text).unwrap();
    let run = |args: &[&std::ffi::OsStr]| {
        trailtune()
            .args(["run", "--no-progress", "--force"])
            .args(args)
            .arg(good_logs())
            .output()
            .unwrap()
    };
    let os = |s: &str| std::ffi::OsString::from(s);
    // --save on the rule read, on -o, on an emitted filter: refused before anything is read.
    for extra in [
        vec![
            os("--rule"),
            rule.clone().into(),
            os("--save"),
            rule.clone().into(),
            os("--in-place"),
        ],
        vec![
            os("--rule"),
            rule.clone().into(),
            os("--save"),
            dir.path().join("o.yml").into(),
            os("-o"),
            dir.path().join("o.yml").into(),
        ],
        vec![
            os("--save"),
            dir.path().join("f.yml").into(),
            os("--emit-filter"),
            dir.path().join("f.yml").into(),
            os("-o"),
            dir.path().join("t.yml").into(),
        ],
    ] {
        let args: Vec<&std::ffi::OsStr> = extra.iter().map(|a| a.as_os_str()).collect();
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("name the same file"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        std::fs::read_to_string(&rule).unwrap(),
        seed_text,
        "the rule is intact"
    );
    // --check writes nothing: --save is refused with it.
    let state = dir.path().join("state.json");
    let out = run(&[
        os("--check").as_os_str(),
        os("--save").as_os_str(),
        state.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!state.exists());
    // A rule that cannot be read stops the run before the logs are read or the state written.
    let out = run(&[
        os("--rule").as_os_str(),
        dir.path().join("missing.yml").as_os_str(),
        os("--save").as_os_str(),
        state.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!state.exists());
    assert!(
        String::from_utf8_lossy(&out.stdout).is_empty(),
        "no step was printed"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "only the rule is there"
    );
}

#[test]
fn no_output_may_replace_a_log_or_land_among_them() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let log = logs.join("in.json");
    let text = r#"{"eventTime":"2025-03-01T10:00:00Z","awsRegion":"us-east-1","eventName":"X","eventSource":"s3.amazonaws.com","eventID":"1"}"#;
    std::fs::write(&log, text).unwrap();
    let log_s = log.to_str().unwrap();
    let inside = logs.join("page.html");
    for args in [
        vec!["profile", "--report", log_s, log_s],
        vec!["profile", "--save", log_s, log_s],
        vec![
            "profile",
            "--report",
            inside.to_str().unwrap(),
            logs.to_str().unwrap(),
        ],
        vec![
            "run",
            "--force",
            "--report",
            log_s,
            "-o",
            "/dev/null",
            log_s,
        ],
        vec![
            "rebaseline",
            "--state",
            "/dev/null",
            "--report",
            log_s,
            log_s,
        ],
    ] {
        let out = trailtune()
            .arg(args[0])
            .arg("--no-progress")
            .args(&args[1..])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("is among the logs read"),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        text,
        "the log is intact"
    );
    assert!(!inside.exists());
    // A page in a folder that does not exist is refused before anything is read or written.
    let out = trailtune()
        .args(["profile", "--no-progress", "--save"])
        .arg(dir.path().join("b.json"))
        .args(["--report", "/nonexistent/page.html"])
        .arg(&logs)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!dir.path().join("b.json").exists());
}

/// An output named as an s3:// URL was written to a local folder `s3:/bucket/` (and reported as
/// saved), or failed after the whole run. Now it is refused before anything is read.
#[test]
fn an_s3_url_as_an_output_is_refused_before_any_work() {
    let logs = crate::common::testdata("accounts/org.ndjson");
    for args in [
        &["profile", "--save", "s3://trail/b.json"][..],
        &["profile", "--report", "S3://trail/r.html"][..],
        &["tune", "-o", "s3://org/out.yml"][..],
        &["run", "-o", "s3://org/out.yml"][..],
        &["rebaseline", "--state", "s3://trail/state.json"][..],
    ] {
        let out = crate::common::trailtune()
            .args(args)
            .arg(&logs)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("outputs are local files"), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}: printed before refusing");
    }
}

/// A user name and password in the endpoint URL were printed with every error that named the
/// endpoint. Now such an endpoint is refused, and the secret is never echoed.
#[test]
fn an_endpoint_with_a_password_is_refused_without_printing_it() {
    let out = crate::common::trailtune()
        .args([
            "profile",
            "--endpoint-url",
            "http://AKIAUSER:SuperSecret123@127.0.0.1:1",
            "s3://trail/",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("user name or password"), "{err}");
    assert!(!err.contains("SuperSecret123"), "{err}");
    let out = crate::common::trailtune()
        .env("AWS_ENDPOINT_URL", "https://u:TopSecretPw@s3.example.com")
        .args(["profile", "s3://trail/"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("TopSecretPw"), "{err}");
}
