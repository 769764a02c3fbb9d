//! `trailtune completions` and `trailtune man`: generated from the command line's definition,
//! checked by the shells themselves where they are installed.

use crate::common::trailtune;

fn stdout(args: &[&str]) -> String {
    let out = trailtune().args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Whether `bin` parses `script` without running it.
fn parses(bin: &str, flag: &str, script: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("script");
    std::fs::write(&path, script).unwrap();
    let out = std::process::Command::new(bin)
        .arg(flag)
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("{bin}: {e}"));
    assert!(
        out.status.success(),
        "{bin} {flag}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn completion_scripts_name_every_command_and_bash_parses_its_own() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout(&["completions", shell]);
        for word in ["profile", "detect", "rebaseline", "geoip", "sort-buffer"] {
            assert!(script.contains(word), "{shell}: no {word}");
        }
    }
    parses("bash", "-n", &stdout(&["completions", "bash"]));
}

#[test]
#[ignore = "needs zsh and fish (Debian packages; .ci/run installs them and runs this)"]
fn completion_scripts_parse_in_zsh_and_fish() {
    parses("zsh", "-n", &stdout(&["completions", "zsh"]));
    parses("fish", "--no-execute", &stdout(&["completions", "fish"]));
}

#[test]
fn man_pages_document_every_command_and_option() {
    let main = stdout(&["man"]);
    assert!(main.contains(".TH trailtune 1"), "{main}");
    for command in [
        "profile",
        "allowlist",
        "tune",
        "detect",
        "run",
        "rebaseline",
        "athena",
    ] {
        assert!(
            main.contains(&format!("trailtune\\-{command}(1)")),
            "{command}"
        );
    }
    let detect = stdout(&["man", "detect"]);
    assert!(detect.contains(".TH trailtune-detect 1"), "{detect}");
    assert!(detect.contains("\\-\\-geoip"), "{detect}");
    assert!(detect.contains(env!("CARGO_PKG_VERSION")), "{detect}");

    let dir = tempfile::tempdir().unwrap();
    let out = trailtune()
        .args(["man", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.contains(&"trailtune.1".to_string()), "{names:?}");
    assert!(
        names.contains(&"trailtune-rebaseline.1".to_string()),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.contains("help")), "{names:?}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("trailtune-detect.1")).unwrap(),
        detect
    );

    let out = trailtune().args(["man", "nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no command `nope`"));
}

#[test]
fn help_texts_describe_their_own_command() {
    // The window options are shared; what --until defaults to is each command's own.
    for command in ["profile", "allowlist", "tune", "run", "rebaseline"] {
        let help = stdout(&[command, "--help"]);
        assert!(
            !help.contains("detect"),
            "{command} --help speaks of detect:\n{help}"
        );
        assert!(
            help.contains("the day of the newest event in the input") || command == "rebaseline",
            "{command}"
        );
    }
    let detect = stdout(&["detect", "--help"]);
    assert!(
        detect.contains("Default: today: detect reads the logs once"),
        "{detect}"
    );
    assert!(!detect.contains("newest event in the input"), "{detect}");
}
