//! `--geoip`: where each hit's caller is, from the test databases in testdata/geoip (MaxMind's own
//! test files and IPinfo-schema files written for these tests). Without the option, output is
//! unchanged.

use serde_json::{Value, json};

use crate::common::{testdata, trailtune};

const RULE: &str = "title: list\nid: 00000000-0000-4000-8000-000000000001\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  s:\n    eventName: ListBuckets\n  condition: s\nlevel: low\n";

fn detect(format: &str, dbs: &[&str]) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("r.yml");
    std::fs::write(&rule, RULE).unwrap();
    let mut cmd = trailtune();
    cmd.args(["detect", "--no-progress", "--format", format, "--rule"])
        .arg(&rule)
        .arg(testdata("geoip/events.ndjson"));
    for db in dbs {
        cmd.arg("--geoip").arg(testdata(&format!("geoip/{db}")));
    }
    let out = cmd.output().unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

const MAXMIND: [&str; 2] = ["GeoLite2-City-Test.mmdb", "GeoLite2-ASN-Test.mmdb"];

#[test]
fn each_hit_says_where_its_caller_is() {
    let (code, out, err) = detect("ndjson", &MAXMIND);
    assert_eq!(code, Some(1), "{err}");
    let sources: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["source"].clone())
        .collect();
    let place = |ip: &str, country: Value, city: Value, asn: Value, org: Value, kind: &str| json!({"ip": ip, "country": country, "city": city, "asn": asn, "as_org": org, "kind": kind});
    let none = Value::Null;
    assert_eq!(
        sources,
        [
            place(
                "81.2.69.142",
                json!("GB"),
                json!("London"),
                none.clone(),
                none.clone(),
                "public"
            ),
            place(
                "10.0.0.5",
                none.clone(),
                none.clone(),
                none.clone(),
                none.clone(),
                "private"
            ),
            place(
                "ec2.amazonaws.com",
                none.clone(),
                none.clone(),
                none.clone(),
                none.clone(),
                "aws_service"
            ),
            place(
                "8.8.8.8",
                none.clone(),
                none.clone(),
                none.clone(),
                none.clone(),
                "not_found"
            ),
            place(
                "2001:218::1",
                json!("JP"),
                none.clone(),
                none.clone(),
                none.clone(),
                "public"
            ),
            place(
                "1.128.0.1",
                none.clone(),
                none.clone(),
                json!(1221),
                json!("Telstra Pty Ltd"),
                "public"
            ),
            place(
                "100.64.1.1",
                none.clone(),
                none.clone(),
                none.clone(),
                none.clone(),
                "private"
            ),
            place(
                "AWS Internal",
                none.clone(),
                none.clone(),
                none.clone(),
                none.clone(),
                "aws_service"
            ),
        ]
    );
}

#[test]
fn without_geoip_nothing_changes() {
    let (code, plain, _) = detect("ndjson", &[]);
    assert_eq!(code, Some(1));
    assert!(!plain.contains("\"source\""), "{plain}");
    let (_, located, _) = detect("ndjson", &MAXMIND);
    // The same lines, each with the `source` object added at its end.
    for (a, b) in plain.lines().zip(located.lines()) {
        let (a, b): (Value, Value) = (
            serde_json::from_str(a).unwrap(),
            serde_json::from_str(b).unwrap(),
        );
        let mut b = b.as_object().unwrap().clone();
        b.remove("source").unwrap();
        assert_eq!(a, Value::Object(b));
    }
    let (_, table, _) = detect("table", &[]);
    assert!(
        !table.contains("Caller") && !table.contains("located"),
        "{table}"
    );
}

#[test]
fn ipinfo_files_give_country_and_network() {
    let (code, out, err) = detect("csv", &["ipinfo-country-asn-test.mmdb"]);
    assert_eq!(code, Some(1), "{err}");
    let mut lines = out.lines();
    assert_eq!(
        lines.next().unwrap(),
        "rule_id,rule_title,level,author,eventID,eventTime,awsRegion,fields,source_ip,source_country,source_city,source_asn,source_as_org,source_kind"
    );
    let first = lines.next().unwrap();
    assert!(
        first.ends_with("}\",81.2.69.142,GB,,20712,Andrews & Arnold Ltd,public"),
        "{first}"
    );
    assert!(out.contains("}\",10.0.0.5,,,,,private"), "{out}");
    assert!(
        out.contains("}\",2001:218::1,JP,,2914,\"NTT America, Inc.\",public"),
        "{out}"
    );
}

#[test]
fn tables_and_json_name_the_place_and_the_databases() {
    let (_, table, _) = detect("table", &MAXMIND);
    for want in [
        "Caller",
        "GB London",
        "AS1221 Telstra Pty Ltd",
        "private address",
        "AWS service",
        "not in the databases",
        "Callers located with",
        "GeoLite2-City",
    ] {
        assert!(table.contains(want), "{want}:\n{table}");
    }
    let (_, json, _) = detect("json", &MAXMIND);
    let doc: Value = serde_json::from_str(&json).unwrap();
    let dbs = doc["geoip"].as_array().unwrap();
    assert_eq!(dbs.len(), 2);
    assert_eq!(dbs[0]["kind"], "city");
    assert_eq!(dbs[0]["database_type"], "GeoLite2-City");
    assert_eq!(dbs[1]["kind"], "asn");
    assert_eq!(doc["hits"][0]["source"]["country"], "GB");
}

#[test]
fn a_database_that_cannot_be_read_stops_the_run_before_the_logs() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.mmdb");
    std::fs::write(&bad, "not a database").unwrap();
    let rule = dir.path().join("r.yml");
    std::fs::write(&rule, RULE).unwrap();
    let out = trailtune()
        .args(["detect", "--no-progress", "--rule"])
        .arg(&rule)
        .arg(testdata("geoip/events.ndjson"))
        .arg("--geoip")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.mmdb: not a readable MaxMind DB file"),
        "{err}"
    );
}

#[test]
fn the_backtest_counts_alerts_by_caller_country() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = trailtune();
    cmd.args(["run", "--no-progress", "-o"])
        .arg(dir.path().join("tuned.yml"))
        .arg(crate::pipeline::logs());
    for db in MAXMIND {
        cmd.arg("--geoip").arg(testdata(&format!("geoip/{db}")));
    }
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let backtest = &text[text.find("== 4. Backtest").unwrap()..];
    assert!(backtest.contains("Caller country"), "{backtest}");
    // The synthetic corpus's anomalous callers use the test databases' addresses: every alert
    // is counted under one country, and the listed ones say where they are.
    let alerts: u64 = backtest
        .split(" alerts")
        .next()
        .and_then(|l| l.lines().last())
        .and_then(|n| n.parse().ok())
        .unwrap();
    let table = &backtest[backtest.find("Caller country").unwrap()..];
    let counted: u64 = table
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with("| ") && !l.starts_with("| eventTime"))
        .map(|l| {
            l.trim_end_matches('|')
                .rsplit('|')
                .next()
                .unwrap()
                .trim()
                .parse::<u64>()
                .unwrap()
        })
        .sum();
    assert_eq!(counted, alerts, "{backtest}");
    assert!(
        backtest.contains("GB London") && backtest.contains("| CN "),
        "{backtest}"
    );
}

#[test]
fn a_damaged_database_says_which_lookups_failed() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(testdata("geoip/GeoLite2-City-Test.mmdb")).unwrap();
    // The first byte of the search tree: every lookup of a public address fails.
    bytes[0] ^= 0xa5;
    let damaged = dir.path().join("damaged.mmdb");
    std::fs::write(&damaged, bytes).unwrap();
    let rule = dir.path().join("r.yml");
    std::fs::write(&rule, RULE).unwrap();
    let run = |format: &str| {
        trailtune()
            .args(["detect", "--no-progress", "--format", format, "--rule"])
            .arg(&rule)
            .arg(testdata("geoip/events.ndjson"))
            .arg("--geoip")
            .arg(&damaged)
            .output()
            .unwrap()
    };
    let out = run("ndjson");
    assert_eq!(
        out.status.code(),
        Some(4),
        "hits, and something could not be read"
    );
    let kinds: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["source"]["kind"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "lookup_error",
            "private",
            "aws_service",
            "lookup_error",
            "lookup_error",
            "lookup_error",
            "private",
            "aws_service"
        ]
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("4 GeoIP lookups failed"), "{err}");
    let doc: Value = serde_json::from_slice(&run("json").stdout).unwrap();
    assert_eq!(doc["geoip_lookup_errors"], 4);
    assert_eq!(doc["hits_total"], 8);
}

#[test]
fn values_that_are_no_address_are_said_to_be_so() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("e.ndjson");
    let event = |id: &str, ip: Value| {
        let mut e = json!({"eventName": "ListBuckets", "eventTime": "2025-03-01T00:00:00Z", "awsRegion": "ap-east-1", "eventID": id});
        if !ip.is_null() || id == "null" {
            e["sourceIPAddress"] = ip;
        }
        e.to_string()
    };
    let lines = [
        event("absent", Value::Null),
        event("null", Value::Null),
        event("empty", json!("")),
        event("number", json!(1234)),
        event("doc", json!("198.51.100.7")),
        event("lookalike", json!("evil.amazonaws.com.attacker.net")),
        event("service", json!("cloudtrail.amazonaws.com")),
        event("mapped", json!("::ffff:81.2.69.142")),
    ];
    std::fs::write(&events, lines.join("\n")).unwrap();
    let rule = dir.path().join("r.yml");
    std::fs::write(&rule, RULE).unwrap();
    let mut cmd = trailtune();
    cmd.args(["detect", "--no-progress", "--format", "ndjson", "--rule"])
        .arg(&rule)
        .arg(&events);
    for db in MAXMIND {
        cmd.arg("--geoip").arg(testdata(&format!("geoip/{db}")));
    }
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kinds: std::collections::BTreeMap<String, (String, Value)> =
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                (
                    v["eventID"].as_str().unwrap().to_string(),
                    (
                        v["source"]["kind"].as_str().unwrap().to_string(),
                        v["source"]["country"].clone(),
                    ),
                )
            })
            .collect();
    let kind = |id: &str| kinds[id].0.as_str();
    assert_eq!(
        [
            kind("absent"),
            kind("null"),
            kind("empty"),
            kind("number"),
            kind("doc"),
            kind("lookalike"),
            kind("service"),
            kind("mapped")
        ],
        [
            "missing",
            "missing",
            "missing",
            "invalid",
            "reserved",
            "invalid",
            "aws_service",
            "public"
        ]
    );
    assert_eq!(kinds["mapped"].1, json!("GB"));
}

fn profile_by(by: &str, dir: &std::path::Path, extra: &[&str]) -> (Option<i32>, Value, String) {
    let mut cmd = trailtune();
    cmd.args(["profile", "--no-progress", "--format", "json", "--by", by])
        .args(extra)
        .arg(dir);
    for db in MAXMIND {
        cmd.arg("--geoip").arg(testdata(&format!("geoip/{db}")));
    }
    let out = cmd.output().unwrap();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code(),
        doc,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn profile_counts_events_by_the_callers_country_and_network() {
    // The eight events twice (a second delivery in another file): each counted once.
    let dir = tempfile::tempdir().unwrap();
    for name in ["a.ndjson", "b.ndjson"] {
        std::fs::copy(testdata("geoip/events.ndjson"), dir.path().join(name)).unwrap();
    }
    let (code, doc, err) = profile_by("country", dir.path(), &[]);
    assert_eq!(code, Some(0), "{err}");
    let rows: std::collections::BTreeMap<String, u64> = doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["country"].as_str().unwrap().to_string(),
                r["events"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("(AWS service)", 2),
            ("(no country)", 1),
            ("(not in the databases)", 1),
            ("(private address)", 2),
            ("GB", 1),
            ("JP", 1),
        ]
        .map(|(k, n)| (k.to_string(), n))
        .into()
    );
    let (_, doc, _) = profile_by("asn", dir.path(), &[]);
    let networks: Vec<&str> = doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["network"].as_str().unwrap())
        .collect();
    assert!(networks.contains(&"AS1221 Telstra Pty Ltd"), "{networks:?}");
    assert!(networks.contains(&"(no network)"), "{networks:?}");
    // The saved baseline is the one saved without --geoip: caller geography is not kept.
    let saved = tempfile::tempdir().unwrap();
    let (with, without) = (
        saved.path().join("with.json"),
        saved.path().join("without.json"),
    );
    let (code, _, err) = profile_by("country", dir.path(), &["--save", with.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    let out = trailtune()
        .args(["profile", "--no-progress", "--save"])
        .arg(&without)
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let strip = |p: &std::path::Path| {
        let mut v: Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
        v.as_object_mut()
            .unwrap()
            .remove("created_at")
            .expect("a creation time");
        v
    };
    assert_eq!(strip(&with), strip(&without));
}

#[test]
fn profile_by_country_needs_a_database() {
    let out = trailtune()
        .args(["profile", "--by", "country"])
        .arg(testdata("geoip/events.ndjson"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--geoip FILE.mmdb as well"));
}

/// Calls by alice and bob: alice from GB for weeks, then once from CN (a leaked key); bob from
/// SE throughout; carol only in the last days (no history).
fn travel_logs(dir: &std::path::Path) -> std::path::PathBuf {
    let call = |day: u32, who: &str, ip: &str, region: &str| {
        json!({
            "eventTime": format!("2025-03-{day:02}T10:00:00Z"), "eventID": format!("{who}-{day}-{ip}"),
            "eventName": "ListBuckets", "eventSource": "s3.amazonaws.com", "awsRegion": region,
            "recipientAccountId": "111122223333", "sourceIPAddress": ip,
            "userIdentity": {"type": "IAMUser", "arn": format!("arn:aws:iam::111122223333:user/{who}")},
        })
        .to_string()
    };
    let mut lines = Vec::new();
    for day in 1..=31 {
        lines.push(call(day, "alice", "81.2.69.142", "eu-west-1"));
        lines.push(call(day, "bob", "89.160.20.112", "eu-north-1"));
    }
    lines.push(call(28, "alice", "175.16.199.1", "ap-east-1"));
    lines.push(call(29, "alice", "175.16.199.1", "me-south-1"));
    lines.push(call(30, "carol", "216.160.83.56", "us-east-1"));
    lines.push(call(30, "bob", "10.0.0.7", "eu-north-1"));
    let path = dir.join("logs.ndjson");
    std::fs::write(&path, lines.join("\n")).unwrap();
    path
}

fn new_country(logs: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = trailtune()
        .args(["new-country", "--no-progress", "--geoip"])
        .arg(testdata("geoip/GeoLite2-City-Test.mmdb"))
        .args(args)
        .arg(logs)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn a_principal_calling_from_a_country_new_to_it_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let logs = travel_logs(dir.path());
    let (code, out, err) = new_country(&logs, &["--format", "json"]);
    assert_eq!(code, Some(1), "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        doc["hunt"],
        json!({"since": "2025-03-25", "until": "2025-03-31"})
    );
    assert_eq!(doc["principals_compared"], 2);
    assert_eq!(doc["new_principals"], 1, "carol has no history");
    assert_eq!(
        doc["findings"],
        json!([{
            "principal": "arn:aws:iam::111122223333:user/alice", "country": "CN",
            "first_seen": "2025-03-28", "last_seen": "2025-03-29", "events": 2,
            "regions": ["ap-east-1", "me-south-1"], "accounts": ["111122223333"],
            "known_countries": ["GB"],
        }])
    );
    // The table says the same; NDJSON is one line per finding; CSV one row.
    let (_, table, _) = new_country(&logs, &[]);
    assert!(
        table.contains("| CN ") && table.contains("1 country new to its principal."),
        "{table}"
    );
    let (_, nd, _) = new_country(&logs, &["--format", "ndjson"]);
    assert_eq!(nd.lines().count(), 1);
    let (_, csv, _) = new_country(&logs, &["--format", "csv"]);
    assert_eq!(
        csv.lines().nth(1).unwrap(),
        "arn:aws:iam::111122223333:user/alice,CN,2025-03-28,2025-03-29,2,ap-east-1 me-south-1,111122223333,GB"
    );
    // Before the key leaked: a quiet week (0).
    let (code, table, _) = new_country(&logs, &["--until", "2025-03-27"]);
    assert_eq!(code, Some(0), "{table}");
    assert!(
        table.contains("No principal called from a country new to it."),
        "{table}"
    );
}

#[test]
fn new_country_without_history_is_an_error_not_a_quiet_week() {
    let dir = tempfile::tempdir().unwrap();
    let logs = travel_logs(dir.path());
    // The hunt covers every day read: nothing to compare with.
    let (code, out, err) = new_country(
        &logs,
        &[
            "--days",
            "40",
            "--baseline-days",
            "1",
            "--until",
            "2025-03-31",
        ],
    );
    assert_eq!(code, Some(2), "{out}");
    assert!(err.contains("nothing was compared"), "{err}");
    // And it needs a database that gives countries: an ASN file alone would say "all clear".
    let out = trailtune()
        .args(["new-country"])
        .arg(&logs)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = trailtune()
        .args(["new-country", "--no-progress", "--geoip"])
        .arg(testdata("geoip/GeoLite2-ASN-Test.mmdb"))
        .arg(&logs)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no database here gives countries"));
}

#[test]
fn a_role_is_one_principal_with_or_without_its_session_issuer() {
    // A role's calls from GB carry sessionContext; its calls from CN do not: one principal, and
    // CN is new to it.
    let dir = tempfile::tempdir().unwrap();
    let call = |day: u32, ip: &str, issuer: bool| {
        let mut identity = json!({"type": "AssumedRole", "arn": format!("arn:aws:sts::111122223333:assumed-role/Admin/s{day}")});
        if issuer {
            identity["sessionContext"] = json!({"sessionIssuer": {"type": "Role", "arn": "arn:aws:iam::111122223333:role/Admin"}});
        }
        json!({
            "eventTime": format!("2025-03-{day:02}T10:00:00Z"), "eventID": format!("e{day}"),
            "eventName": "ListBuckets", "eventSource": "s3.amazonaws.com", "awsRegion": "eu-west-1",
            "recipientAccountId": "111122223333", "sourceIPAddress": ip, "userIdentity": identity,
        })
        .to_string()
    };
    let mut lines: Vec<String> = (1..=24).map(|d| call(d, "81.2.69.142", true)).collect();
    lines.push(call(28, "175.16.199.1", false));
    let logs = dir.path().join("roles.ndjson");
    std::fs::write(&logs, lines.join("\n")).unwrap();
    let (code, out, err) = new_country(&logs, &["--format", "ndjson"]);
    assert_eq!(code, Some(1), "{err}");
    let finding: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(finding["principal"], "arn:aws:iam::111122223333:role/Admin");
    assert_eq!(finding["country"], "CN");
    assert_eq!(finding["known_countries"], json!(["GB"]));
}

#[test]
fn new_country_reads_a_shell_pipeline_as_it_reads_files() {
    // `zcat logs.gz | trailtune new-country ... -` finds what the file finds.
    let dir = tempfile::tempdir().unwrap();
    let logs = travel_logs(dir.path());
    let gz = dir.path().join("logs.ndjson.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    std::io::Write::write_all(&mut enc, &std::fs::read(&logs).unwrap()).unwrap();
    enc.finish().unwrap();
    let (_, from_file, _) = new_country(&logs, &["--format", "ndjson"]);
    for input in [std::fs::read(&logs).unwrap(), std::fs::read(&gz).unwrap()] {
        let out = trailtune()
            .args([
                "new-country",
                "--no-progress",
                "--format",
                "ndjson",
                "--geoip",
            ])
            .arg(testdata("geoip/GeoLite2-City-Test.mmdb"))
            .arg("-")
            .write_stdin(input)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(String::from_utf8(out.stdout).unwrap(), from_file);
    }
}
