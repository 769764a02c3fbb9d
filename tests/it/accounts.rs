//! `--per-account` end to end over `testdata/accounts/org.ndjson`, an organization of four
//! accounts whose normal regions differ: the per-account rule alerts where a sandbox key is used
//! in regions only other accounts use (the organization-wide rule cannot), an account with too
//! little history falls back to the organization-wide allowlist, the lossless rewrite round-trips
//! between the two forms, and pins may name an account.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{testdata, trailtune};

fn org() -> PathBuf {
    testdata("accounts/org.ndjson")
}

/// The window of the fixture, and a fixed `modified:` date.
const WINDOW: [&str; 6] = [
    "--until",
    "2026-10-30",
    "--days",
    "30",
    "--date",
    "2026-11-30",
];

/// Run trailtune; returns (exit code, stdout, stderr).
fn run(args: &[&str], extra: &[&Path]) -> (i32, String, String) {
    let out = trailtune()
        .arg(args[0])
        .args(["--no-progress"].iter().filter(|_| args[0] != "allowlist"))
        .args(&args[1..])
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Tune the seed rule (or `rule`) over the fixture into `out`, with `extra` flags; returns the
/// exit code and stderr.
fn tune(out: &Path, rule: Option<&Path>, extra: &[&str]) -> (i32, String) {
    let mut cmd = trailtune();
    cmd.args(["tune", "--no-progress"]).args(WINDOW).args(extra);
    cmd.arg("-o").arg(out);
    if let Some(rule) = rule {
        cmd.arg("--rule").arg(rule);
    }
    let o = cmd.arg(org()).output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The eventIDs `rule` alerts on over the fixture.
fn alerts(rule: &Path) -> BTreeSet<String> {
    let (code, out, err) = run(&["detect", "--format", "ndjson", "--rule"], &[rule, &org()]);
    assert!(matches!(code, 0 | 1), "detect failed ({code}): {err}");
    out.lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["eventID"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_per_account_rule_alerts_where_only_other_accounts_work() {
    let dir = tempfile::tempdir().unwrap();
    let (per_account, organization) = (dir.path().join("pa.yml"), dir.path().join("org.yml"));
    let (code, err) = tune(&per_account, None, &["--per-account"]);
    assert_eq!(code, 1, "the rule is written: {err}");
    let (code, err) = tune(&organization, None, &[]);
    assert_eq!(code, 1, "{err}");
    // The sandbox key in eu-west-1 (production's region) and eu-central-1 (the data team's),
    // and the event no account filter can name.
    assert_eq!(
        alerts(&per_account),
        set(&["leak-eu-central-1", "leak-eu-west-1", "unnamed-1"])
    );
    // One organization-wide allowlist admits every region some account uses, for all of them.
    assert_eq!(alerts(&organization), set(&[]));
    insta::assert_snapshot!(
        "per_account_rule",
        std::fs::read_to_string(&per_account).unwrap()
    );
}

#[test]
fn the_two_forms_round_trip_and_check_says_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let per_account = dir.path().join("pa.yml");
    let organization = dir.path().join("org.yml");
    let back = dir.path().join("back.yml");
    tune(&per_account, None, &["--per-account"]);
    tune(&organization, None, &[]);
    // The per-account rule tuned back to the organization-wide form: every account filter and
    // the condition term go, and the text is what tuning the seed gives.
    let (code, err) = tune(&back, Some(&per_account), &[]);
    assert_eq!(code, 1, "{err}");
    // (The provenance names the rule tuned: the seed, or the per-account file.)
    assert_eq!(
        std::fs::read_to_string(&back)
            .unwrap()
            .replace(per_account.to_str().unwrap(), "SEED"),
        std::fs::read_to_string(&organization)
            .unwrap()
            .replace("aws_unusual_region.yml (embedded seed rule)", "SEED")
    );
    // Re-tuning the per-account rule per account changes nothing.
    let before = std::fs::read(&per_account).unwrap();
    let (code, err) = tune(&per_account, None, &["--per-account", "--check"]);
    assert_eq!(code, 0, "up to date: {err}");
    // Nothing is added to a rule that is up to date, and the summary says so.
    assert!(err.contains("keeps filter_account_333333333333"), "{err}");
    assert!(!err.contains("added"), "{err}");
    let (code, err) = tune(&per_account, None, &["--per-account"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read(&per_account).unwrap(), before);
    // And the organization-wide form of it is a change --check reports.
    let (code, _) = tune(&per_account, None, &["--check"]);
    assert_eq!(code, 1);
}

#[test]
fn allowlist_per_account_says_where_each_allowlist_comes_from() {
    let mut args = vec!["allowlist", "--per-account", "--format", "json"];
    args.extend(&WINDOW[..4]);
    let (code, out, err) = run(&args, &[&org()]);
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let accounts = doc["accounts"].as_array().unwrap();
    let ids: Vec<&str> = accounts
        .iter()
        .map(|a| a["account"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "111111111111",
            "222222222222",
            "333333333333",
            "444444444444"
        ]
    );
    let allow = |i: usize| -> Vec<&str> {
        accounts[i]["allowlist"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect()
    };
    assert_eq!(allow(0), ["eu-west-1", "us-east-1"]);
    assert_eq!(allow(1), ["eu-central-1", "us-east-2"]);
    assert_eq!(allow(2), ["us-west-2"]);
    assert_eq!(accounts[2]["allowlist_source"], "own");
    // Five days of its own: the organization-wide allowlist, and why.
    assert_eq!(accounts[3]["allowlist_source"], "organization");
    assert_eq!(accounts[3]["fallback"]["kind"], "short_history");
    assert_eq!(accounts[3]["fallback"]["days"], 5);
    assert_eq!(
        allow(3),
        doc["allowlist"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect::<Vec<_>>()
    );
    assert_eq!(doc["unnamed_accounts"]["not-an-account"], 1);
    // Each account's decisions carry their reasons.
    let sandbox_regions = accounts[2]["regions"].as_array().unwrap();
    let west = sandbox_regions
        .iter()
        .find(|r| r["region"] == "us-west-2")
        .unwrap();
    assert!(
        west["reason"]
            .as_str()
            .unwrap()
            .contains("events on 30 days"),
        "{west}"
    );

    // The table names the fallback in words.
    let mut args = vec!["allowlist", "--per-account"];
    args.extend(&WINDOW[..4]);
    let (_, table, _) = run(&args, &[&org()]);
    assert!(
        table.contains("organization-wide (5 of 14 days of history)"),
        "{table}"
    );
    assert!(table.contains("Account 333333333333"), "{table}");
}

#[test]
fn pins_may_name_an_account() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("pa.yml");
    // The sandbox may work in eu-west-1 now: only eu-central-1 and the unnamed event alert.
    let (code, err) = tune(
        &rule,
        None,
        &["--per-account", "--allow", "333333333333:eu-west-1"],
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(alerts(&rule), set(&["leak-eu-central-1", "unnamed-1"]));
    // Production may not use us-east-1 any more (pinned, so its everyday use alerts).
    let (code, err) = tune(
        &rule,
        None,
        &["--per-account", "--deny", "111111111111:us-east-1"],
    );
    assert_eq!(code, 1, "{err}");
    let text = std::fs::read_to_string(&rule).unwrap();
    let prod = text
        .split("filter_account_111111111111:")
        .nth(1)
        .unwrap()
        .split("filter_account_2")
        .next()
        .unwrap();
    assert!(!prod.contains("us-east-1"), "{prod}");
    assert!(alerts(&rule).len() > 50);

    // A pin that names an account needs --per-account, and a 12-digit ID.
    for (flags, says) in [
        (
            vec!["--allow", "333333333333:eu-west-1"],
            "needs --per-account",
        ),
        (
            vec!["--per-account", "--allow", "3333:eu-west-1"],
            "12-digit",
        ),
        (
            vec!["--per-account", "--allow", "333333333333:eu-wset-1"],
            "eu-west-1",
        ),
    ] {
        let (code, err) = tune(&rule, None, &flags);
        assert_eq!(code, 2, "{flags:?}: {err}");
        assert!(err.contains(says), "{flags:?}: {err}");
    }
}

#[test]
fn the_per_account_form_refuses_what_it_cannot_write_safely() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("pa.yml");
    let (code, err) = tune(&rule, None, &["--per-account", "--mode", "allowlist"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("denylist form"), "{err}");
    // Three principals needed: production's us-east-1 (two) falls short for the account and
    // for the organization, so no form may be written without a person's say.
    let (code, err) = tune(&rule, None, &["--per-account", "--min-principals", "3"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("us-east-1"), "{err}");
    assert!(!rule.exists());
}

#[test]
fn run_shows_both_forms_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("tuned.yml");
    for per_account in [false, true] {
        let mut args = vec!["run", "--format", "json"];
        args.extend(WINDOW);
        if per_account {
            args.push("--per-account");
        }
        args.push("-o");
        let (code, out, err) = run(&args, &[&rule, &org()]);
        assert!(matches!(code, 0 | 1), "{err}");
        let doc: Value = serde_json::from_str(&out).unwrap();
        let forms = doc["backtest"]["forms"].as_array().unwrap();
        let by_form = |name: &str| forms.iter().find(|f| f["form"] == name).unwrap();
        assert_eq!(by_form("per_account")["alerts"], 3);
        assert_eq!(by_form("organization")["alerts"], 0);
        assert_eq!(by_form("per_account")["tuned"], per_account);
        assert_eq!(
            doc["backtest"]["alerts"],
            if per_account { 3 } else { 0 },
            "the backtest is the tuned form's"
        );
    }
    // The table says the same.
    let mut args = vec!["run"];
    args.extend(WINDOW);
    args.extend(["--per-account", "-o"]);
    let (_, out, _) = run(&args, &[&rule, &org()]);
    let line = |form: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("| {form}")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(line("per account (tuned)").contains("|      3 |"), "{out}");
    assert!(line("organization-wide").contains("|      0 |"), "{out}");
}

#[test]
fn rebaseline_keeps_the_per_account_form_current() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let rule = dir.path().join("tuned.yml");
    let rebaseline = || {
        let mut args = vec![
            "rebaseline",
            "--per-account",
            "--date",
            "2026-11-30",
            "--state",
        ];
        args.push(state.to_str().unwrap());
        args.extend(["-o", rule.to_str().unwrap()]);
        run(&args, &[&org()])
    };
    let (code, _, err) = rebaseline();
    assert_eq!(code, 1, "the first run writes the rule: {err}");
    let text = std::fs::read_to_string(&rule).unwrap();
    assert!(text.contains("filter_account_333333333333:"), "{text}");
    assert!(text.contains("not 1 of filter_account_*"), "{text}");
    let (code, _, err) = rebaseline();
    assert_eq!(code, 0, "the same logs again change nothing: {err}");
    assert_eq!(std::fs::read_to_string(&rule).unwrap(), text);
}

#[test]
fn profile_by_two_keys_is_the_region_account_matrix() {
    let mut args = vec!["profile", "--by", "region,account", "--format", "json"];
    args.extend(&WINDOW[..4]);
    let (code, out, err) = run(&args, &[&org()]);
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["by"], serde_json::json!(["region", "account"]));
    let pairs: BTreeSet<(String, String, u64)> = doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["region"].as_str().unwrap().to_string(),
                r["account"].as_str().unwrap().to_string(),
                r["events"].as_u64().unwrap(),
            )
        })
        .collect();
    for want in [
        ("eu-west-1", "111111111111", 120),
        ("us-east-1", "111111111111", 90),
        ("eu-west-1", "333333333333", 1),
        ("us-west-2", "444444444444", 15),
        ("eu-west-1", "not-an-account", 1),
    ] {
        assert!(
            pairs.contains(&(want.0.to_string(), want.1.to_string(), want.2)),
            "{want:?} in {pairs:?}"
        );
    }
    let total: u64 = pairs.iter().map(|p| p.2).sum();
    assert_eq!(total, 498);
    // CSV: both keys first.
    let mut args = vec!["profile", "--by", "account,region", "--format", "csv"];
    args.extend(&WINDOW[..4]);
    let (_, csv, _) = run(&args, &[&org()]);
    assert!(csv.starts_with("account,region,events,"), "{csv}");
    // A key twice, or three keys, is refused.
    for by in ["region,region", "region,account,day"] {
        let (code, _, err) = run(&["profile", "--by", by], &[&org()]);
        assert_eq!(code, 2, "{by}: {err}");
    }
}

#[test]
fn the_review_page_shows_each_account_and_both_forms() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("tuned.yml");
    let page = dir.path().join("review.html");
    let mut args = vec!["run"];
    args.extend(WINDOW);
    args.extend(["--per-account", "--report", page.to_str().unwrap(), "-o"]);
    let (code, _, err) = run(&args, &[&rule, &org()]);
    assert!(matches!(code, 0 | 1), "{err}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("<h2>Per account</h2>"), "{html}");
    assert!(
        html.contains("organization-wide (5 of 14 days of history)"),
        "{html}"
    );
    assert!(html.contains("<h3>Both forms over the same logs</h3>"));
    assert!(html.contains("<td>per account (tuned)</td>"));
    // A forged account ID is text on the page, never markup.
    assert!(html.contains("not-an-account"));
}

/// A burst of calls in a region new to an account, large enough to be a share of its use, once
/// moved the account onto the organization-wide allowlist (which holds that region), and the
/// burst went quiet. Now it stops the tuning until a person decides, and a pin makes it alert.
#[test]
fn a_burst_in_another_accounts_region_is_never_exempted() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("burst.ndjson");
    let mut text = std::fs::read_to_string(org()).unwrap();
    for i in 0..5 {
        text.push_str(&format!(
            r#"{{"eventVersion":"1.09","eventTime":"2026-10-30T05:0{i}:00Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"eu-west-1","sourceIPAddress":"175.16.199.37","eventID":"burst-{i}","eventType":"AwsApiCall","recipientAccountId":"333333333333","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::333333333333:user/attacker","accountId":"333333333333","userName":"attacker"}}}}"#
        ));
        text.push('\n');
    }
    std::fs::write(&logs, text).unwrap();
    let rule = dir.path().join("pa.yml");
    let tune = |extra: &[&str]| {
        let o = trailtune()
            .args(["tune", "--no-progress", "--per-account"])
            .args(WINDOW)
            .args(extra)
            .arg("-o")
            .arg(&rule)
            .arg(&logs)
            .output()
            .unwrap();
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (code, err) = tune(&[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("eu-west-1 in account 333333333333"), "{err}");
    assert!(!rule.exists());
    let (code, err) = tune(&["--deny", "333333333333:eu-west-1"]);
    assert_eq!(code, 1, "{err}");
    let (code, out, err) = run(&["detect", "--format", "ndjson", "--rule"], &[&rule, &logs]);
    assert_eq!(code, 1, "{err}");
    let burst = out.lines().filter(|l| l.contains("\"burst-")).count();
    assert_eq!(burst, 5, "{out}");
}

/// A selection of the author's own named `filter_account_...` was once replaced or removed
/// without a word. Now the rule is refused and left as it is.
#[test]
fn an_authors_own_filter_account_selection_is_never_touched() {
    let dir = tempfile::tempdir().unwrap();
    let seed =
        std::fs::read_to_string(crate::common::root().join("src/data/aws_unusual_region.yml"))
            .unwrap();
    for (own, term) in [
        (
            "  filter_account_breakglass:\n    userIdentity.arn|endswith: ':role/BreakGlass'\n",
            "filter_account_breakglass",
        ),
        (
            "  filter_account_999999999999:\n    recipientAccountId: '999999999999'\n    eventName: GetCallerIdentity\n",
            "filter_account_999999999999",
        ),
    ] {
        let text = seed
            .replace("  condition: ", &format!("{own}  condition: "))
            .replacen(
                "condition: selection and not filter_expected_services",
                &format!("condition: selection and not {term} and not filter_expected_services"),
                1,
            );
        assert!(text.contains(own) && text.contains(&format!("not {term}")));
        let rule = dir.path().join("own.yml");
        std::fs::write(&rule, &text).unwrap();
        for flags in [&[][..], &["--per-account"][..]] {
            let out = trailtune()
                .args(["tune", "--no-progress", "--in-place"])
                .args(WINDOW)
                .args(flags)
                .arg("--rule")
                .arg(&rule)
                .arg(org())
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{term} {flags:?}: {err}");
            assert!(err.contains(term), "{err}");
            assert_eq!(std::fs::read_to_string(&rule).unwrap(), text);
        }
    }
}

/// Hundreds of accounts that use the same regions share one filter per allowlist: the rule stays
/// small, every backend checks a handful of filters per event, and each account still alerts
/// outside its own regions.
#[test]
fn accounts_with_the_same_allowlist_share_one_filter() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("many.ndjson");
    let regions = ["eu-west-1", "us-east-2", "us-west-2"];
    let mut text = String::new();
    let mut n = 0;
    for a in 0..300u64 {
        let account = format!("{:012}", 100_000_000_000 + a);
        let region = regions[(a % 3) as usize];
        for day in 1..=20 {
            for user in ["u1", "u2"] {
                n += 1;
                text.push_str(&format!(
                    r#"{{"eventTime":"2026-10-{day:02}T10:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"{region}","eventID":"e{n}","eventType":"AwsApiCall","recipientAccountId":"{account}","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::{account}:user/{user}"}}}}"#
                ));
                text.push('\n');
            }
        }
    }
    // An account of the eu-west-1 group calls us-east-2 once, on the last day.
    text.push_str(r#"{"eventTime":"2026-10-20T11:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"us-east-2","eventID":"odd","eventType":"AwsApiCall","recipientAccountId":"100000000000","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::100000000000:user/u1"}}"#);
    text.push('\n');
    std::fs::write(&logs, text).unwrap();
    let rule = dir.path().join("pa.yml");
    let out = trailtune()
        .args([
            "tune",
            "--no-progress",
            "--per-account",
            "--until",
            "2026-10-20",
            "--days",
            "20",
        ])
        .arg("-o")
        .arg(&rule)
        .arg(&logs)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tuned = std::fs::read_to_string(&rule).unwrap();
    let names: Vec<&str> = tuned
        .lines()
        .filter_map(|l| l.trim().strip_suffix(':'))
        .filter(|l| l.starts_with("filter_account_"))
        .collect();
    assert_eq!(
        names,
        [
            "filter_account_100000000000",
            "filter_account_100000000001",
            "filter_account_100000000002"
        ]
    );
    assert!(tuned.contains(
        "# 100 accounts that may call the same regions (100 on their own baseline, 0 on"
    ));
    let (code, hits, err) = run(&["detect", "--format", "ndjson", "--rule"], &[&rule, &logs]);
    assert_eq!(code, 1, "{err}");
    let ids: Vec<String> = hits
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["eventID"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids, ["odd"]);
}
