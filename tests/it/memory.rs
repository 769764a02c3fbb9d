//! Peak memory on hostile input, measured: each case runs the binary on input sized so that
//! holding it (the file, or every hit) would pass the limit, and reads the child's peak RSS from
//! GNU time (`/usr/bin/time -f %M`). Not wait4(2) from here: a child's peak RSS counts the
//! memory of the process that spawned it up to its exec, and this test process holds whatever
//! the other tests hold; time's own fork is small. The bound is 256 MB whatever the
//! input; the decoder and the detection sort keep memory by distinct keys. Slow in a debug build
//! (hundreds of MB of input): ignored by default, run by `.ci/run`
//! (`cargo test --test it -- --ignored memory::`).

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::root;

/// The bound of issue 10.
const LIMIT: u64 = 256 << 20;

struct Run {
    code: i32,
    peak_rss: u64,
    /// Kept in a file: read it line by line, so this process stays small.
    stdout: tempfile::NamedTempFile,
    stderr: String,
}

impl Run {
    fn lines(&self) -> impl Iterator<Item = String> {
        BufReader::new(std::fs::File::open(self.stdout.path()).unwrap())
            .lines()
            .map(Result::unwrap)
    }
}

/// Run trailtune with `args` under GNU time; its exit code, peak RSS (bytes), stdout, stderr.
fn measured(args: &[&std::ffi::OsStr]) -> Run {
    let time = Path::new("/usr/bin/time");
    assert!(
        time.exists(),
        "these tests read peak RSS from GNU time: install it (Debian/Ubuntu: apt install time)"
    );
    let stdout = tempfile::NamedTempFile::new().unwrap();
    let rss = tempfile::NamedTempFile::new().unwrap();
    let out = Command::new(time)
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(rss.path())
        .arg(assert_cmd::cargo::cargo_bin!("trailtune"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(stdout.reopen().unwrap())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("killed: {stderr}"));
    let report = std::fs::read_to_string(rss.path()).unwrap();
    // The last line is the figure; a line before it says how the child ended, if not by exit.
    let kb: u64 = report
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak RSS from GNU time: {report:?}; {stderr}"));
    assert!(
        !report.contains("signal"),
        "the child was killed: {report}; {stderr}"
    );
    Run {
        code,
        peak_rss: kb * 1024,
        stdout,
        stderr,
    }
}

/// `measured` of trailtune `parts` then `paths`.
fn measured_on(parts: &[&str], paths: &[&Path]) -> Run {
    let mut args: Vec<&std::ffi::OsStr> = parts.iter().map(std::ffi::OsStr::new).collect();
    args.extend(paths.iter().map(|p| p.as_os_str()));
    measured(&args)
}

/// `profile --format json` over `path`, measured; and the JSON it printed.
fn profiled(path: &Path) -> (Run, serde_json::Value) {
    let r = measured_on(
        &[
            "profile",
            "--no-progress",
            "--format",
            "json",
            "--days",
            "36500",
        ],
        &[path],
    );
    let doc = serde_json::from_reader(std::fs::File::open(r.stdout.path()).unwrap())
        .unwrap_or(serde_json::Value::Null);
    (r, doc)
}

fn mb(bytes: u64) -> u64 {
    bytes >> 20
}

/// One CloudTrail event in ap-east-1 (the seed rule alerts on it), about 1 KB of JSON.
fn event(k: u64) -> serde_json::Value {
    serde_json::json!({
        "eventVersion": "1.08",
        "eventID": format!("ev-{k:07}"),
        "eventTime": format!("2025-03-{:02}T{:02}:{:02}:{:02}Z", 1 + k / 86_400 % 28, k / 3600 % 24, k / 60 % 60, k % 60),
        "eventName": "DescribeInstances",
        "eventSource": "ec2.amazonaws.com",
        "awsRegion": "ap-east-1",
        "sourceIPAddress": "203.0.113.7",
        "userAgent": format!("aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64 session-{k} {}", "x".repeat(200)),
        "recipientAccountId": "111122223333",
        "userIdentity": {"type": "IAMUser", "arn": format!("arn:aws:iam::111122223333:user/u{}", k % 50)},
        "requestParameters": {"instancesSet": {"items": [{"instanceId": format!("i-{k:017x}")}]}, "filterSet": {}},
        "responseElements": null,
    })
}

fn seed() -> std::path::PathBuf {
    root().join("src/data/aws_unusual_region.yml")
}

#[test]
#[ignore = "slow in debug (a 300 MB file); .ci/run runs it"]
fn a_300_mb_pretty_printed_file_is_streamed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pretty.json");
    let mut w = BufWriter::new(std::fs::File::create(&path).unwrap());
    w.write_all(b"{\n  \"Records\": [\n").unwrap();
    let mut n = 0u64;
    let mut size = 0usize;
    while size < 300 << 20 {
        let record = serde_json::to_string_pretty(&event(n)).unwrap();
        let record = format!(
            "{}    {}",
            if n == 0 { "" } else { ",\n" },
            record.replace('\n', "\n    ")
        );
        size += record.len();
        w.write_all(record.as_bytes()).unwrap();
        n += 1;
    }
    w.write_all(b"\n  ]\n}\n").unwrap();
    w.into_inner().unwrap().sync_all().unwrap();
    let (r, doc) = profiled(&path);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(doc["input"]["events"], n, "every record counted");
    assert!(
        r.peak_rss < LIMIT,
        "peak RSS {} MB for a {} MB file",
        mb(r.peak_rss),
        mb(size as u64)
    );
}

/// `n` hits' worth of NDJSON (about 1 KB a line).
fn many_hits(dir: &Path, n: u64) -> std::path::PathBuf {
    let path = dir.join("hits.ndjson");
    let mut w = BufWriter::new(std::fs::File::create(&path).unwrap());
    for k in 0..n {
        // Scrambled: the hits must be put in order.
        let k = (k * 7919) % n;
        serde_json::to_writer(&mut w, &event(k)).unwrap();
        w.write_all(b"\n").unwrap();
    }
    w.into_inner().unwrap().sync_all().unwrap();
    path
}

#[test]
#[ignore = "slow in debug (400,000 hits); .ci/run runs it"]
fn four_hundred_thousand_hits_stream_in_order_in_every_format() {
    const HITS: u64 = 400_000;
    let dir = tempfile::tempdir().unwrap();
    let logs = many_hits(dir.path(), HITS);
    for format in ["ndjson", "table"] {
        let r = measured_on(
            &["detect", "--no-progress", "--format", format, "--rule"],
            &[&seed(), &logs],
        );
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        assert!(
            r.peak_rss < LIMIT,
            "{format}: peak RSS {} MB for {HITS} hits",
            mb(r.peak_rss)
        );
        match format {
            "ndjson" => {
                let mut last = String::new();
                let mut lines = 0u64;
                for line in r.lines() {
                    let hit: serde_json::Value = serde_json::from_str(&line).unwrap();
                    let id = hit["eventID"].as_str().unwrap().to_string();
                    let time = hit["eventTime"].as_str().unwrap().to_string();
                    let key = format!("{time} {id}");
                    assert!(key > last, "{key} after {last}");
                    last = key;
                    lines += 1;
                }
                assert_eq!(lines, HITS);
            }
            _ => {
                let tail: Vec<String> = r.lines().filter(|l| !l.starts_with('|')).collect();
                let rows = r.lines().filter(|l| l.starts_with("| 2025-")).count();
                assert_eq!(rows, 1_000, "{tail:?}");
                for line in [
                    "(the first 1,000 of 400,000 hits; --limit N shows more, --format ndjson or csv lists them all)",
                    "400,000 hits from 1 rule over 400,000 events in 1 file",
                ] {
                    assert!(tail.iter().any(|l| l == line), "{line}: {tail:?}");
                }
            }
        }
    }
}

#[test]
#[ignore = "slow in debug (4 GiB of whitespace inflated); .ci/run runs it"]
fn a_gzip_of_whitespace_is_stopped_at_the_line_limit() {
    // 4 MB of gzip that inflates to 4 GiB of spaces after one record: gzip members, as a
    // delivery object concatenated by `cat` is, one compressed MiB of spaces repeated.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spaces.json.gz");
    let gzip = |bytes: &[u8]| {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(bytes).unwrap();
        gz.finish().unwrap()
    };
    let mut w = BufWriter::new(std::fs::File::create(&path).unwrap());
    w.write_all(&gzip(format!("{{\"Records\":[{}", event(1)).as_bytes()))
        .unwrap();
    let spaces = gzip(&vec![b' '; 1 << 20]);
    for _ in 0..4096 {
        w.write_all(&spaces).unwrap();
    }
    w.write_all(&gzip(b"]}")).unwrap();
    w.into_inner().unwrap().sync_all().unwrap();
    let (r, doc) = profiled(&path);
    // Ran; the file was cut short (reported), the record before the whitespace kept.
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("whitespace"), "{}", r.stderr);
    assert_eq!(doc["input"]["events"], 1);
    assert!(r.peak_rss < LIMIT, "peak RSS {} MB", mb(r.peak_rss));
}

#[test]
#[ignore = "slow in debug (170 MB of large records); .ci/run runs it"]
fn hits_with_large_fields_stay_within_the_sort_buffer() {
    // 2,000 PutBucketPolicy-sized records (85 KB of requestParameters each), every one a hit
    // that shows its requestParameters: 170 MB of fields, several times that as parsed JSON.
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("policy.yml");
    std::fs::write(
        &rule,
        "title: Policy\nid: 0b6c1c2e-0000-4000-8000-000000000002\nlevel: low\n\
         logsource: {product: aws, service: cloudtrail}\n\
         detection:\n  sel:\n    eventName: PutBucketPolicy\n  condition: sel\n\
         fields:\n  - requestParameters\n",
    )
    .unwrap();
    let path = dir.path().join("policies.ndjson");
    let mut w = BufWriter::new(std::fs::File::create(&path).unwrap());
    const HITS: u64 = 2_000;
    for k in 0..HITS {
        let statements: Vec<serde_json::Value> = (0..400)
            .map(|i| serde_json::json!({"Sid": format!("s{i}"), "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{k:012}:root")}, "Action": ["s3:GetObject", "s3:PutObject"], "Resource": format!("arn:aws:s3:::bucket-{k}/*")}))
            .collect();
        let mut e = event((k * 7919) % HITS);
        e["eventName"] = "PutBucketPolicy".into();
        e["requestParameters"] = serde_json::json!({"bucketName": format!("bucket-{k}"), "bucketPolicy": {"Version": "2012-10-17", "Statement": statements}});
        serde_json::to_writer(&mut w, &e).unwrap();
        w.write_all(b"\n").unwrap();
    }
    w.into_inner().unwrap().sync_all().unwrap();
    let r = measured_on(
        &["detect", "--no-progress", "--format", "ndjson", "--rule"],
        &[&rule, &path],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.lines().count() as u64, HITS);
    assert!(r.peak_rss < LIMIT, "peak RSS {} MB", mb(r.peak_rss));
}
