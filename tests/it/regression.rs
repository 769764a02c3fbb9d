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
    let cmd = format!(
        "{} detect --rule {} {}",
        bin.display(),
        seed().display(),
        good_logs().display()
    );
    let mut child = std::process::Command::new(script)
        .args(["-qec", &cmd, "/dev/null"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("detect on a terminal did not finish in 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
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
        "out of date (1) + a skipped digest (3): {}",
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
    // Each of these changes the tuned text but not the drift between two allowlists computed
    // with the same flags, which is what used to decide.
    for (flags, expect) in [
        (&["--deny", "eu-west-1"][..], "- 'eu-west-1'"),
        (&["--min-days", "60"][..], "min-days 60"),
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
