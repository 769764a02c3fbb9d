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

/// `../shared/<rel>` when it exists. When it does not (a user's fresh clone has no shared/),
/// prints why the calling test is skipped and returns `None`.
#[allow(dead_code)]
pub fn shared(rel: &str) -> Option<PathBuf> {
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

/// A `Command` for the trailtune binary built for this test run.
#[allow(dead_code)]
pub fn trailtune() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("trailtune").expect("binary built")
}
