//! `s3://` PATHs read from a real S3-compatible server: moto's S3 on a free loopback port
//! (testdata/s3/moto_harness.py: a real HTTP server with IAM authentication on, seeded by boto3,
//! an independent client; it records every request it serves, so a test can say what was listed
//! and downloaded). The binary is run with `--endpoint-url http://127.0.0.1:PORT` and the keys of
//! an IAM user the harness made. Ignored by default (they need Python with moto); `.ci/run`
//! creates that venv, points TRAILTUNE_S3_PYTHON at its interpreter and runs them with
//! `cargo test --test it -- --ignored s3::`. Without TRAILTUNE_S3_PYTHON they fail, never pass.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{root, testdata, trailtune};

/// The interpreter that has moto (see .ci/run).
fn python() -> PathBuf {
    std::env::var_os("TRAILTUNE_S3_PYTHON").map(PathBuf::from).expect(
        "set TRAILTUNE_S3_PYTHON to a python3 with testdata/s3/requirements.txt installed (see .ci/run)",
    )
}

/// One request the server served.
#[derive(Debug, Clone)]
struct Request {
    method: String,
    path: String,
    query: String,
    signed: bool,
}

impl Request {
    fn is_list(&self) -> bool {
        self.method == "GET" && self.query.contains("list-type=2")
    }

    /// The prefix of a listing.
    fn prefix(&self) -> Option<&str> {
        self.query
            .split('&')
            .find_map(|kv| kv.strip_prefix("prefix="))
    }

    /// A GET of an object (not a listing).
    fn is_get_object(&self) -> bool {
        self.method == "GET" && !self.is_list() && self.path.matches('/').count() >= 2
    }
}

/// A moto server of this test: stopped (stdin closed, then waited for) when dropped.
struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    out: BufReader<ChildStdout>,
    port: u16,
    key_id: String,
    secret: String,
}

impl Server {
    fn start() -> Server {
        Server::with_args(&[])
    }

    /// Without IAM authentication (moto fails anonymous requests when it is on).
    fn without_auth() -> Server {
        Server::with_args(&["--no-auth"])
    }

    fn with_args(args: &[&str]) -> Server {
        let mut child = Command::new(python())
            .arg(testdata("s3/moto_harness.py"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start testdata/s3/moto_harness.py");
        let stdin = child.stdin.take();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let hello: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the harness did not start ({e}): {line:?}"));
        Server {
            child,
            stdin,
            out,
            port: hello["port"].as_u64().unwrap() as u16,
            key_id: hello["key_id"].as_str().unwrap().to_string(),
            secret: hello["secret"].as_str().unwrap().to_string(),
        }
    }

    fn cmd(&mut self, cmd: Value) -> Value {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{cmd}").unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        self.out.read_line(&mut line).unwrap();
        let answer: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(answer["ok"], true, "{cmd}: {answer}");
        answer
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn bucket(&mut self, name: &str) {
        self.cmd(json!({"op": "bucket", "name": name}));
    }

    fn upload(&mut self, bucket: &str, dir: &Path, prefix: &str) -> u64 {
        self.cmd(json!({"op": "upload", "bucket": bucket, "dir": dir, "prefix": prefix}))["objects"]
            .as_u64()
            .unwrap()
    }

    fn put_bytes(&mut self, bucket: &str, key: &str, bytes: &[u8]) {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        self.cmd(json!({"op": "put", "bucket": bucket, "key": key, "hex": hex}));
    }

    fn put_text(&mut self, bucket: &str, key: &str, text: &str) {
        self.cmd(json!({"op": "put", "bucket": bucket, "key": key, "text": text}));
    }

    /// The requests served since the last call.
    fn requests(&mut self) -> Vec<Request> {
        self.cmd(json!({"op": "requests"}))["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| Request {
                method: r[0].as_str().unwrap().to_string(),
                path: r[1].as_str().unwrap().to_string(),
                query: r[2].as_str().unwrap().to_string(),
                signed: r[3].as_bool().unwrap(),
            })
            .collect()
    }

    /// trailtune with this server's credentials and nothing else from the caller's AWS
    /// environment (never the instance metadata service).
    fn trailtune(&self) -> assert_cmd::Command {
        let mut cmd = aws_free_trailtune();
        cmd.env("AWS_ACCESS_KEY_ID", &self.key_id)
            .env("AWS_SECRET_ACCESS_KEY", &self.secret);
        cmd
    }
}

/// trailtune without any AWS_* variable of the caller, the metadata service forbidden.
fn aws_free_trailtune() -> assert_cmd::Command {
    let mut cmd = trailtune();
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(name);
        }
    }
    cmd.env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_REGION", "us-east-1");
    cmd
}

impl Drop for Server {
    fn drop(&mut self) {
        // Closing stdin stops the harness.
        drop(self.stdin.take());
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A small synth corpus (5 days, 2 accounts), made once per test process, with an
/// Organizations-layout copy beside it: `<dir>/AWSLogs/<acct>/...` and
/// `<dir>/org/AWSLogs/o-abc123def4/<acct>/...`.
fn corpus() -> &'static Path {
    static CORPUS: OnceLock<PathBuf> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("trailtune-s3-corpus-")
            .tempdir()
            .unwrap()
            .keep();
        let out = trailtune()
            .args([
                "synth",
                "--days",
                "5",
                "--accounts",
                "2",
                "--end",
                "2025-03-31",
            ])
            .args(["--events-per-day", "20", "--seed", "7", "--out"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::remove_file(dir.join("ground-truth.json")).unwrap();
        copy_tree(&dir.join("AWSLogs"), &dir.join("org/AWSLogs/o-abc123def4"));
        dir
    })
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let dest = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// Run; (exit status, stdout, stderr).
fn run(mut cmd: assert_cmd::Command, args: &[&str]) -> (i32, String, String) {
    let out = cmd.args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// A saved baseline without its creation time.
fn baseline_of(path: &Path) -> Value {
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("created_at");
    v
}

fn seed_rule() -> String {
    root()
        .join("src/data/aws_unusual_region.yml")
        .display()
        .to_string()
}

/// `profile --format json`, `profile --save` and `detect --format ndjson` over `local` and over
/// `url`: the same stdout, stderr and exit status (the baseline without its creation time).
fn assert_same_as_local(server: &Server, local: &Path, url: &str, extra: &[&str]) {
    let endpoint = server.endpoint();
    let tmp = tempfile::tempdir().unwrap();
    let rule = seed_rule();
    let local = local.display().to_string();
    for (i, args) in [
        vec!["profile", "--no-progress", "--format", "json"],
        vec![
            "detect",
            "--no-progress",
            "--rule",
            &rule,
            "--format",
            "ndjson",
        ],
        vec!["allowlist", "--no-progress", "--format", "json"],
    ]
    .into_iter()
    .enumerate()
    {
        let with = |path: &str, save: &Path| {
            let mut a: Vec<String> = args.iter().map(|s| s.to_string()).collect();
            a.extend(extra.iter().map(|s| s.to_string()));
            if i == 0 {
                a.extend(["--save".to_string(), "base.json".to_string()]);
                let _ = save;
            }
            a.push(path.to_string());
            a
        };
        // The same name in two folders: the message naming it is compared too.
        let (local_dir, s3_dir) = (tmp.path().join("l"), tmp.path().join("s"));
        std::fs::create_dir_all(&local_dir).unwrap();
        std::fs::create_dir_all(&s3_dir).unwrap();
        let (local_save, s3_save) = (local_dir.join("base.json"), s3_dir.join("base.json"));
        let l = with(&local, &local_save);
        let mut s = with(url, &s3_save);
        s.extend(["--endpoint-url".to_string(), endpoint.clone()]);
        let mut local_cmd = trailtune();
        local_cmd.current_dir(&local_dir);
        let mut s3_cmd = server.trailtune();
        s3_cmd.current_dir(&s3_dir);
        let mut lr = run(local_cmd, &l.iter().map(String::as_str).collect::<Vec<_>>());
        let mut sr = run(s3_cmd, &s.iter().map(String::as_str).collect::<Vec<_>>());
        if !extra.is_empty() {
            // A window prunes: local files are counted as pruned files, S3 date folders as
            // folders passed over; the rest is the same.
            for r in [&mut lr, &mut sr] {
                if let Ok(mut v) = serde_json::from_str::<Value>(&r.1)
                    && let Some(input) = v.get_mut("input").and_then(Value::as_object_mut)
                {
                    input.remove("pruned_files");
                    r.1 = v.to_string();
                }
                r.2 =
                    r.2.lines()
                        .filter(|l| !l.starts_with("trailtune: passed over"))
                        .collect();
            }
        }
        assert!(matches!(lr.0, 0 | 1), "local {l:?}: {}", lr.2);
        assert_eq!(lr.0, sr.0, "{s:?}: {}", sr.2);
        assert!(
            i != 0 && !extra.is_empty() || !lr.1.is_empty(),
            "{l:?} printed nothing"
        );
        assert_eq!(lr, sr, "{url} differs from {local} ({args:?})");
        if i == 0 {
            let (mut lb, mut sb) = (baseline_of(&local_save), baseline_of(&s3_save));
            if !extra.is_empty() {
                for b in [&mut lb, &mut sb] {
                    b["input"].as_object_mut().unwrap().remove("pruned_files");
                }
            }
            assert_eq!(lb, sb);
        }
    }
}

#[test]
#[ignore = "needs an S3-compatible server: CI installs moto (testdata/s3/requirements.txt) and runs --ignored s3::"]
fn a_bucket_reads_as_its_local_copy_account_and_organization_layouts() {
    let corpus = corpus();
    let mut server = Server::start();
    server.bucket("trail");
    let files = server.upload("trail", &corpus.join("AWSLogs"), "cloudtrail/AWSLogs/");
    server.upload("trail", &corpus.join("org/AWSLogs"), "org/AWSLogs/");
    server.requests();
    // A prefix before AWSLogs/, the account layout.
    assert_same_as_local(
        &server,
        &corpus.join("AWSLogs"),
        "s3://trail/cloudtrail/AWSLogs",
        &[],
    );
    // Every object downloaded exactly once per command (profile, detect, allowlist).
    let gets = server
        .requests()
        .into_iter()
        .filter(Request::is_get_object)
        .count() as u64;
    assert_eq!(gets, 3 * files, "objects downloaded");
    // The Organizations layout, given from the bucket's root and from the organization.
    assert_same_as_local(&server, &corpus.join("org"), "s3://trail/org/", &[]);
    assert_same_as_local(
        &server,
        &corpus.join("org/AWSLogs/o-abc123def4"),
        "s3://trail/org/AWSLogs/o-abc123def4/",
        &["--since", "2025-03-30", "--until", "2025-03-31"],
    );
    // Local and S3 PATHs in one run: each file once, the same as two local copies.
    let endpoint = server.endpoint();
    let (code, stdout, stderr) = run(
        server.trailtune(),
        &[
            "profile",
            "--no-progress",
            "--format",
            "json",
            "--endpoint-url",
            &endpoint,
            "s3://trail/cloudtrail/AWSLogs/",
            &corpus.join("org").display().to_string(),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let both: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(both["input"]["files"].as_u64(), Some(2 * files));
    // The org copy holds the same events: each counted once (duplicate deliveries).
    let (_, one, _) = run(
        trailtune(),
        &[
            "profile",
            "--no-progress",
            "--format",
            "json",
            &corpus.join("AWSLogs").display().to_string(),
        ],
    );
    let one: Value = serde_json::from_str(&one).unwrap();
    assert_eq!(both["rows"], one["rows"]);
    assert!(stderr.contains("duplicate deliver"), "{stderr}");
}

/// The key of a log in the corpus's first account, region eu-west-1, on `day` (YYYY/MM/DD).
fn account(corpus: &Path) -> String {
    let mut accounts: Vec<String> = std::fs::read_dir(corpus.join("AWSLogs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    accounts.sort();
    accounts[0].clone()
}

#[test]
#[ignore = "needs an S3-compatible server: CI installs moto (testdata/s3/requirements.txt) and runs --ignored s3::"]
fn only_the_date_folders_of_the_window_are_listed_and_read() {
    let corpus = corpus();
    let acct = account(corpus);
    let mut server = Server::start();
    server.bucket("trail");
    server.upload("trail", &corpus.join("AWSLogs"), "AWSLogs/");
    let day = |d: &str| format!("AWSLogs/{acct}/CloudTrail/eu-west-1/2025/03/{d}/");
    // Damage outside the window (and in a month and a year outside it), and beside the trail.
    server.put_text(
        "trail",
        &format!("{}bad.json.gz", day("20")),
        "\u{1f}garbage",
    );
    server.put_text(
        "trail",
        &format!("AWSLogs/{acct}/CloudTrail/eu-west-1/2025/02/10/bad.json.gz"),
        "garbage",
    );
    server.put_text(
        "trail",
        &format!("AWSLogs/{acct}/CloudTrail/eu-west-1/2024/12/31/bad.json.gz"),
        "garbage",
    );
    for (folder, _) in [
        ("CloudTrail-Digest", "digest"),
        ("CloudTrail-Insight", "Insights"),
        ("elasticloadbalancing", "other"),
    ] {
        server.put_text(
            "trail",
            &format!("AWSLogs/{acct}/{folder}/eu-west-1/2025/03/30/x.json.gz"),
            "not a log",
        );
    }
    server.requests();
    let endpoint = server.endpoint();
    let window = [
        "profile",
        "--no-progress",
        "--since",
        "2025-03-29",
        "--until",
        "2025-03-30",
        "--endpoint-url",
        &endpoint,
        "s3://trail/AWSLogs/",
    ];
    let (code, _, stderr) = run(server.trailtune(), &window);
    assert_eq!(code, 0, "the damage outside the window was read: {stderr}");
    assert!(
        stderr.contains("1 CloudTrail digest")
            && stderr.contains("1 Insights file or record")
            && stderr.contains("1 folder of another service's logs")
            && stderr.contains("S3 date folders outside the window (not listed)"),
        "{stderr}"
    );
    let requests = server.requests();
    let listed: Vec<&str> = requests.iter().filter_map(Request::prefix).collect();
    for never in [
        "/2025/03/20/",
        "/2025/02/",
        "/2024/",
        "CloudTrail-Digest",
        "CloudTrail-Insight",
        "elasticloadbalancing",
    ] {
        assert!(
            !listed.iter().any(|p| p.contains(never)),
            "{never} was listed: {listed:?}"
        );
    }
    // The window's days (with a day of slack after it) and no other day were listed.
    let mut days: Vec<&str> = listed
        .iter()
        .filter(|p| p.contains(&format!("{acct}/CloudTrail/eu-west-1/2025/03/")))
        .filter_map(|p| p.strip_prefix(&format!("AWSLogs/{acct}/CloudTrail/eu-west-1/2025/03/")))
        .filter(|d| !d.is_empty())
        .collect();
    days.sort();
    assert_eq!(days, ["29/", "30/", "31/"]);
    assert!(
        !requests
            .iter()
            .any(|r| r.is_get_object() && r.path.contains("bad.json.gz")),
        "a damaged object outside the window was downloaded"
    );

    // Only --days: the window ends at the newest path date (2025-03-31), found by listing.
    let (code, _, stderr) = run(
        server.trailtune(),
        &[
            "profile",
            "--no-progress",
            "--days",
            "1",
            "--endpoint-url",
            &endpoint,
            "s3://trail/AWSLogs/",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let listed: Vec<String> = server
        .requests()
        .iter()
        .filter_map(|r| r.prefix().map(str::to_string))
        .collect();
    assert!(
        listed.iter().any(|p| p.ends_with("/2025/03/31/")),
        "{listed:?}"
    );
    assert!(
        !listed
            .iter()
            .any(|p| p.ends_with("/2025/03/29/") || p.ends_with("/2025/03/27/")),
        "--days 1 listed older days: {listed:?}"
    );

    // Damage inside the window: reported with its s3:// name, exit 3; --strict stops at it.
    let bad = format!("{}bad.json.gz", day("30"));
    let mut cut = gzip(b"{\"Records\":[]}");
    cut.truncate(cut.len() - 6);
    server.put_bytes("trail", &bad, &cut);
    let (code, _, stderr) = run(server.trailtune(), &window);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains(&format!("skipped s3://trail/{bad}: corrupt gzip")),
        "{stderr}"
    );
    let mut strict = window.to_vec();
    strict.push("--strict");
    let (code, _, stderr) = run(server.trailtune(), &strict);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains(&format!("s3://trail/{bad}")), "{stderr}");
}

#[test]
#[ignore = "needs an S3-compatible server: CI installs moto (testdata/s3/requirements.txt) and runs --ignored s3::"]
fn nothing_read_from_s3_is_never_a_clean_run() {
    let corpus = corpus();
    let mut server = Server::start();
    server.bucket("trail");
    server.bucket("empty");
    server.upload("trail", &corpus.join("AWSLogs"), "AWSLogs/");
    let endpoint = server.endpoint();
    let profile = |url: &str| {
        vec![
            "profile".to_string(),
            "--no-progress".to_string(),
            "--endpoint-url".to_string(),
            endpoint.clone(),
            url.to_string(),
        ]
    };
    let check = |cmd: assert_cmd::Command, args: &[String], code: i32, says: &[&str]| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (got, _, stderr) = run(cmd, &args);
        assert_eq!(got, code, "{args:?}: {stderr}");
        for s in says {
            assert!(stderr.contains(s), "{args:?}: {s:?} not in {stderr}");
        }
    };
    check(
        server.trailtune(),
        &profile("s3://nosuch-bucket/AWSLogs/"),
        2,
        &["s3://nosuch-bucket/AWSLogs/", "no such bucket"],
    );
    check(
        server.trailtune(),
        &profile("s3://empty"),
        2,
        &["s3://empty/", "no object under this prefix"],
    );
    check(
        server.trailtune(),
        &profile("s3://trail/AWSLogs/typo"),
        2,
        &["s3://trail/AWSLogs/typo", "no object under this prefix"],
    );
    // A window with no date folder in it.
    let mut outside = profile("s3://trail/AWSLogs/");
    outside.extend(["--since", "2024-01-01", "--until", "2024-01-31"].map(String::from));
    check(
        server.trailtune(),
        &outside,
        2,
        &["S3 date folders outside the window"],
    );
    // Wrong secret, unknown key: refused.
    let mut wrong = server.trailtune();
    wrong.env("AWS_SECRET_ACCESS_KEY", "wrong");
    check(
        wrong,
        &profile("s3://trail/AWSLogs/"),
        2,
        &["the credentials were refused", "SignatureDoesNotMatch"],
    );
    let mut unknown = server.trailtune();
    unknown.env("AWS_ACCESS_KEY_ID", "AKIAUNKNOWN000000000");
    check(
        unknown,
        &profile("s3://trail/AWSLogs/"),
        2,
        &["InvalidAccessKeyId"],
    );
    // No credentials at all: one clear error saying what to do.
    check(
        aws_free_trailtune(),
        &profile("s3://trail/AWSLogs/"),
        2,
        &[
            "no AWS credentials for s3://trail/AWSLogs/",
            "AWS_ACCESS_KEY_ID",
            "export-credentials",
            "--no-sign-request",
        ],
    );
    // Nothing listens: a problem, not a hang.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut args = profile("s3://trail/AWSLogs/");
    args[3] = format!("http://127.0.0.1:{closed}");
    check(
        server.trailtune(),
        &args,
        2,
        &["skipped s3://trail/AWSLogs/", "error sending request"],
    );
    // A bad bucket among good local logs: the run goes on, and says input was skipped.
    let mut mixed = profile("s3://nosuch-bucket/");
    mixed.push(corpus.join("AWSLogs").display().to_string());
    check(server.trailtune(), &mixed, 3, &["s3://nosuch-bucket/"]);
    // A key the client cannot name (an empty segment): its folder is reported, not skipped.
    server.put_text("trail", "weird/a//b.json", "{}");
    check(
        server.trailtune(),
        &profile("s3://trail/weird/"),
        2,
        &["skipped s3://trail/weird/a/"],
    );
    // detect says the same.
    let rule = seed_rule();
    let detect: Vec<String> = [
        "detect",
        "--no-progress",
        "--rule",
        &rule,
        "--endpoint-url",
        &endpoint,
        "s3://empty/",
    ]
    .map(String::from)
    .to_vec();
    check(
        server.trailtune(),
        &detect,
        2,
        &["s3://empty/", "nothing was hunted"],
    );
}

#[test]
#[ignore = "needs an S3-compatible server: CI installs moto (testdata/s3/requirements.txt) and runs --ignored s3::"]
fn a_hanging_endpoint_times_out() {
    // Accepts connections and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = std::thread::spawn(move || {
        let mut open = Vec::new();
        for stream in listener.incoming().take(20) {
            open.push(stream);
        }
    });
    let started = Instant::now();
    let (code, _, stderr) = run(
        {
            let mut cmd = aws_free_trailtune();
            cmd.env("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
                .env("AWS_SECRET_ACCESS_KEY", "x");
            // The request timeout (30 s by default) shortened, as a user may.
            cmd.env("AWS_TIMEOUT", "1s");
            cmd
        },
        &[
            "profile",
            "--no-progress",
            "--endpoint-url",
            &format!("http://127.0.0.1:{port}"),
            "s3://trail/AWSLogs/",
        ],
    );
    let took = started.elapsed();
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("skipped s3://trail/AWSLogs/") && stderr.contains("timed out"),
        "{stderr}"
    );
    assert!(took < Duration::from_secs(30), "took {took:?}");
    drop(held);
}

#[test]
#[ignore = "needs an S3-compatible server: CI installs moto (testdata/s3/requirements.txt) and runs --ignored s3::"]
fn no_sign_request_reads_a_public_bucket_unsigned() {
    // moto answers anonymous requests only without IAM authentication, and then for any bucket:
    // the bucket policy making this one public is set, but the server does not enforce it.
    let corpus = corpus();
    let mut server = Server::without_auth();
    server.cmd(json!({"op": "bucket", "name": "public-trail", "public": true}));
    server.upload("public-trail", &corpus.join("AWSLogs"), "AWSLogs/");
    server.requests();
    let endpoint = server.endpoint();
    let args = [
        "profile",
        "--no-progress",
        "--format",
        "json",
        "--no-sign-request",
        "--endpoint-url",
        &endpoint,
        "s3://public-trail/AWSLogs/",
    ];
    // No credentials at all: --no-sign-request needs none.
    let (code, stdout, stderr) = run(aws_free_trailtune(), &args);
    assert_eq!(code, 0, "{stderr}");
    let (_, local, _) = run(
        trailtune(),
        &[
            "profile",
            "--no-progress",
            "--format",
            "json",
            &corpus.join("AWSLogs").display().to_string(),
        ],
    );
    assert_eq!(stdout, local);
    let requests = server.requests();
    assert!(requests.iter().any(Request::is_get_object));
    assert!(
        requests.iter().all(|r| !r.signed),
        "a signed request was sent"
    );
    // Without the flag the same requests are signed.
    let (code, _, stderr) = run(
        server.trailtune(),
        &args
            .iter()
            .filter(|a| **a != "--no-sign-request")
            .copied()
            .collect::<Vec<_>>(),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(server.requests().iter().all(|r| r.signed));
}

/// A file in a temporary folder, laid out as a CloudTrail day folder, and its key.
fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// Records of the corpus's first files, as `{"Records":[...]}` text.
fn records(n: usize) -> Vec<Value> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(corpus().join("AWSLogs")).sort_by_file_name() {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let mut text = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::MultiGzDecoder::new(std::fs::File::open(entry.path()).unwrap()),
            &mut text,
        )
        .unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        out.extend(doc["Records"].as_array().unwrap().iter().cloned());
        if out.len() >= n {
            break;
        }
    }
    out
}

#[test]
#[ignore = "needs an S3-compatible server: CI installs moto (testdata/s3/requirements.txt) and runs --ignored s3::"]
fn odd_objects_read_as_their_local_copies() {
    let recs = records(40);
    let doc = |r: &[Value]| json!({ "Records": r }).to_string();
    let tmp = tempfile::tempdir().unwrap();
    let day = "AWSLogs/111122223333/CloudTrail/eu-west-1/2025/03/30";
    let folder = tmp.path().join("b").join(day);
    std::fs::create_dir_all(&folder).unwrap();
    // Two gzip members in one object (`cat a.gz b.gz`), two delivery objects concatenated with
    // nothing between them, a key with spaces, `%`, `+` and non-ASCII letters, something that
    // is not a log, and a large NDJSON object (spooled to a temporary file, not held).
    let mut members = gzip(doc(&recs[0..10]).as_bytes());
    members.extend(gzip(doc(&recs[10..20]).as_bytes()));
    std::fs::write(folder.join("members.json.gz"), &members).unwrap();
    std::fs::write(
        folder.join("concatenated.json"),
        format!("{}{}", doc(&recs[20..30]), doc(&recs[30..40])),
    )
    .unwrap();
    std::fs::write(
        folder.join("a b%20+ü.json.gz"),
        gzip(doc(&recs[0..5]).as_bytes()),
    )
    .unwrap();
    std::fs::write(folder.join("readme.txt"), "not a log\n").unwrap();
    let mut large = String::new();
    let mut i = 0;
    while large.len() < 9 << 20 {
        let mut r = recs[i % recs.len()].clone();
        r["eventID"] = json!(format!("large-{i}"));
        large.push_str(&r.to_string());
        large.push('\n');
        i += 1;
    }
    std::fs::write(folder.join("large.ndjson"), &large).unwrap();
    assert!(large.len() as u64 > 8 << 20);

    let mut server = Server::start();
    server.bucket("odd");
    server.upload("odd", &tmp.path().join("b"), "");
    // A folder marker, as the console makes: not an object to read.
    server.put_text("odd", &format!("{day}/"), "");
    let endpoint = server.endpoint();
    let local = tmp.path().join("b").display().to_string();
    let (lcode, lout, lerr) = run(
        trailtune(),
        &["profile", "--no-progress", "--format", "json", &local],
    );
    let (scode, sout, serr) = run(
        server.trailtune(),
        &[
            "profile",
            "--no-progress",
            "--format",
            "json",
            "--endpoint-url",
            &endpoint,
            "s3://odd",
        ],
    );
    assert_eq!(lcode, 3, "{lerr}");
    assert_eq!((scode, sout), (lcode, lout));
    // The same problem, named by its s3:// key.
    assert_eq!(serr.replace("s3://odd/", &format!("{local}/")), lerr);
    assert!(
        serr.contains(&format!("s3://odd/{day}/readme.txt")),
        "{serr}"
    );
    let events: Value = serde_json::from_str(
        &run(
            server.trailtune(),
            &[
                "profile",
                "--no-progress",
                "--format",
                "json",
                "--endpoint-url",
                &endpoint,
                "s3://odd",
            ],
        )
        .1,
    )
    .unwrap();
    // 20 + 20 records, the 5 of the odd key again (duplicate deliveries), and the large ones.
    assert_eq!(
        events["input"]["events"].as_u64(),
        Some(40 + i as u64),
        "{events}"
    );
}

#[test]
#[ignore = "needs an S3-compatible server: CI installs moto (testdata/s3/requirements.txt) and runs --ignored s3::"]
fn throttling_is_retried_then_reported() {
    let corpus = corpus();
    let acct = account(corpus);
    let mut server = Server::start();
    server.bucket("trail");
    server.upload("trail", &corpus.join("AWSLogs"), "AWSLogs/");
    let endpoint = server.endpoint();
    let args = [
        "profile",
        "--no-progress",
        "--format",
        "json",
        "--endpoint-url",
        &endpoint,
        "s3://trail/AWSLogs/",
    ];
    let (_, clean, _) = run(server.trailtune(), &args);
    let day = format!("/trail/AWSLogs/{acct}/CloudTrail/eu-west-1/2025/03/30/");
    // Three SlowDown answers for the objects of a day: retried, the run is clean.
    server.cmd(json!({"op": "fail", "count": 3, "status": 503, "method": "GET", "contains": day}));
    let (code, out, stderr) = run(server.trailtune(), &args);
    assert_eq!((code, out), (0, clean.clone()), "{stderr}");
    // SlowDown for good: each object of that day is reported, the rest is read.
    server.cmd(
        json!({"op": "fail", "count": 10_000, "status": 503, "method": "GET", "contains": day}),
    );
    let (code, _, stderr) = run(server.trailtune(), &args);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains(&format!("skipped s3:/{day}")) && stderr.contains("S3 kept failing after the retries (throttled or unavailable): try again later (SlowDown"),
        "{stderr}"
    );
}

/// trailtune `args` under GNU time with `env` (and no other AWS_* variable): (exit status, peak
/// RSS in bytes, stderr).
fn peak_rss(env: &[(&str, &str)], args: &[&str]) -> (i32, u64, String) {
    let time = Path::new("/usr/bin/time");
    assert!(
        time.exists(),
        "peak RSS comes from GNU time: apt install time"
    );
    let rss = tempfile::NamedTempFile::new().unwrap();
    let mut cmd = Command::new(time);
    cmd.arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(rss.path())
        .arg(assert_cmd::cargo::cargo_bin!("trailtune"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(name);
        }
    }
    cmd.env("AWS_EC2_METADATA_DISABLED", "true");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let report = std::fs::read_to_string(rss.path()).unwrap();
    let kb: u64 = report
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak RSS: {report:?}"));
    (
        out.status.code().unwrap_or(-1),
        kb * 1024,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
#[ignore = "needs an S3-compatible server: CI installs moto (testdata/s3/requirements.txt) and runs --ignored s3::"]
fn memory_stays_within_the_prefetch_budget_whatever_the_bucket_holds() {
    // 48 objects of 4 MiB (192 MiB, each small enough to be held in memory rather than
    // spooled): downloads outrun the decoding of a debug build, so without the budget most of
    // the bucket would sit in memory at once.
    let recs = records(40);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("logs");
    std::fs::create_dir_all(&dir).unwrap();
    let mut n = 0;
    for f in 0..48 {
        let mut text = String::new();
        while text.len() < 4 << 20 {
            let mut r = recs[n % recs.len()].clone();
            r["eventID"] = json!(format!("m-{n}"));
            text.push_str(&r.to_string());
            text.push('\n');
            n += 1;
        }
        std::fs::write(dir.join(format!("{f:02}.ndjson")), text).unwrap();
    }
    let mut server = Server::start();
    server.bucket("big");
    assert_eq!(server.upload("big", &dir, "logs/"), 48);
    let endpoint = server.endpoint();
    let local = dir.display().to_string();
    let (lcode, local_rss, lerr) = peak_rss(
        &[],
        &["profile", "--no-progress", "--format", "json", &local],
    );
    assert_eq!(lcode, 0, "{lerr}");
    let creds = [
        ("AWS_ACCESS_KEY_ID", server.key_id.as_str()),
        ("AWS_SECRET_ACCESS_KEY", server.secret.as_str()),
        ("AWS_REGION", "us-east-1"),
    ];
    let (scode, s3_rss, serr) = peak_rss(
        &creds,
        &[
            "profile",
            "--no-progress",
            "--format",
            "json",
            "--endpoint-url",
            &endpoint,
            "s3://big/logs/",
        ],
    );
    assert_eq!(scode, 0, "{serr}");
    // The budget (64 MiB), the runtime and the HTTP client's buffers over the local run.
    let over = s3_rss.saturating_sub(local_rss);
    let _ = writeln!(
        std::io::stderr(),
        "peak RSS: local {} MiB, S3 {} MiB",
        local_rss >> 20,
        s3_rss >> 20
    );
    assert!(
        over < 96 << 20,
        "S3 peak RSS {} MiB against {} MiB locally",
        s3_rss >> 20,
        local_rss >> 20
    );
}

#[test]
#[ignore = "needs an S3-compatible server: CI installs moto (testdata/s3/requirements.txt) and runs --ignored s3::"]
fn an_object_larger_than_the_whole_budget_is_read_between_small_ones() {
    // 70 MiB: more than the 64 MiB prefetch budget, so it waits until it has the budget to
    // itself, is spooled to a temporary file, and the objects after it still come.
    let recs = records(40);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("logs");
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, size: usize, from: usize| {
        let mut text = String::new();
        let mut n = from;
        while text.len() < size {
            let mut r = recs[n % recs.len()].clone();
            r["eventID"] = json!(format!("e-{n}"));
            text.push_str(&r.to_string());
            text.push('\n');
            n += 1;
        }
        std::fs::write(dir.join(name), text).unwrap();
        n - from
    };
    let events = write("a.ndjson", 1 << 20, 0)
        + write("b.ndjson", 70 << 20, 1_000_000)
        + write("c.ndjson", 1 << 20, 9_000_000);
    let mut server = Server::start();
    server.bucket("huge");
    server.upload("huge", &dir, "");
    let endpoint = server.endpoint();
    let started = Instant::now();
    let (code, stdout, stderr) = run(
        server.trailtune(),
        &[
            "profile",
            "--no-progress",
            "--format",
            "json",
            "--endpoint-url",
            &endpoint,
            "s3://huge",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["input"]["events"].as_u64(), Some(events as u64));
    assert_eq!(v["input"]["files"].as_u64(), Some(3));
    assert!(started.elapsed() < Duration::from_secs(300));
}
