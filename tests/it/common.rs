//! Paths and helpers shared by the integration tests.

use std::io::Write;
use std::path::PathBuf;

/// The crate root (where Cargo.toml is).
#[allow(dead_code)]
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `testdata/<rel>`.
#[allow(dead_code)]
pub fn testdata(rel: &str) -> PathBuf {
    root().join("testdata").join(rel)
}

/// The project's shared test data: `testdata/shared/<rel>` (copied there where the license
/// allows, see testdata/shared/SOURCE.md), else `../shared/<rel>`. `None` (with the reason
/// printed) only for data that could not be copied and is absent: the tests that read such data
/// are `#[ignore]`d with the reason, and `.ci/run` runs them with `../shared` beside the clone.
#[allow(dead_code)]
pub fn shared(rel: &str) -> Option<PathBuf> {
    let copied = testdata("shared").join(rel);
    if copied.exists() {
        return Some(copied);
    }
    let path = root().join("..").join("shared").join(rel);
    if path.exists() {
        Some(path)
    } else {
        // Written to the stderr handle directly, not with eprintln!, so that the test harness's
        // output capture does not hide the reason on a passing run.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: {} is absent (tests that read ../shared need the project's shared data)",
            path.display()
        );
        None
    }
}

/// A `Command` for the trailtune binary built for this test run, without the caller's
/// `COLUMNS` and `NO_COLOR` (tables are fitted to `COLUMNS`: output must not depend on the
/// terminal the tests were started from).
#[allow(dead_code)]
pub fn trailtune() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("trailtune").expect("binary built");
    cmd.env_remove("COLUMNS").env_remove("NO_COLOR");
    cmd
}

/// The small synth corpus the snapshot tests read, generated once per test process by the real
/// binary, with a saved baseline (`baseline.json`), a tuned rule (`tuned.yml`) and an older
/// state (`state.json`, the first 20 days) beside `AWSLogs/`. Commands run in this folder with
/// relative paths, so no temporary path reaches their output.
#[allow(dead_code)]
pub fn snapshot_corpus() -> &'static std::path::Path {
    static CORPUS: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    CORPUS.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("trailtune-snapshots-")
            .tempdir()
            .expect("temp dir")
            .keep();
        let steps: [&[&str]; 4] = [
            &SNAPSHOT_SYNTH,
            &[
                "profile",
                "--no-progress",
                "--save",
                "baseline.json",
                "AWSLogs",
            ],
            &[
                "profile",
                "--no-progress",
                "--until",
                "2025-03-20",
                "--save",
                "state.json",
                "AWSLogs",
            ],
            &[
                "tune",
                "--baseline",
                "baseline.json",
                "--date",
                "2025-04-01",
                "-o",
                "tuned.yml",
            ],
        ];
        for args in steps {
            let out = trailtune()
                .current_dir(&dir)
                .args(args)
                .output()
                .expect("run trailtune");
            assert!(
                matches!(out.status.code(), Some(0 | 1)),
                "trailtune {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        dir
    })
}

/// The arguments that make the snapshot corpus (30 days, 2 accounts, small).
const SNAPSHOT_SYNTH: [&str; 13] = [
    "synth",
    "--out",
    ".",
    "--days",
    "30",
    "--accounts",
    "2",
    "--end",
    "2025-03-31",
    "--events-per-day",
    "30",
    "--seed",
    "3",
];
