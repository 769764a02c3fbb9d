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

    for name in ["nope", "help"] {
        let out = trailtune().args(["man", name]).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("no command `{name}`")));
    }
    assert!(!main.contains("trailtune\\-help"), "no page for `help`");
    // A full disk is an error said in words, never a panic.
    for args in [&["completions", "bash"][..], &["man"][..]] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("trailtune"))
            .args(args)
            .stdout(full)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("standard output") && !err.contains("panicked"),
            "{err}"
        );
    }
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

#[test]
fn tables_fit_columns_and_never_split_a_code_a_date_or_a_number() {
    let corpus = crate::common::snapshot_corpus();
    for (args, hidden) in [
        (
            &["profile", "--no-progress", "AWSLogs"][..],
            "left out at this width: Catalogue",
        ),
        (&["allowlist", "--baseline", "baseline.json"][..], ""),
    ] {
        let wide = trailtune().current_dir(corpus).args(args).output().unwrap();
        let narrow = trailtune()
            .current_dir(corpus)
            .env("COLUMNS", "80")
            .args(args)
            .output()
            .unwrap();
        let (wide, narrow) = (
            String::from_utf8(wide.stdout).unwrap(),
            String::from_utf8(narrow.stdout).unwrap(),
        );
        let table: Vec<&str> = narrow.lines().filter(|l| l.starts_with('|')).collect();
        assert!(table.len() > 5, "{narrow}");
        assert!(table.iter().all(|l| l.chars().count() <= 80), "{narrow}");
        // Every date and region code in the narrow table is whole: a date is ten characters,
        // a region code one the wide table shows.
        let wide_tokens: Vec<&str> = wide.split(['|', ' ']).collect();
        for line in &table {
            for token in line.split(['|', ' ']).filter(|t| !t.is_empty()) {
                if token.starts_with("20") && token.contains('-') {
                    assert_eq!(token.len(), 10, "a date split: {token}\n{narrow}");
                } else if token.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                    && token.contains('-')
                {
                    assert!(
                        wide_tokens.contains(&token),
                        "a code split: {token}\n{narrow}"
                    );
                }
            }
        }
        if !hidden.is_empty() {
            assert!(narrow.contains(hidden), "{narrow}");
        }
        // Narrower than the values themselves: the table keeps its natural width, whole.
        let tiny = trailtune()
            .current_dir(corpus)
            .env("COLUMNS", "45")
            .args(args)
            .output()
            .unwrap();
        let tiny = String::from_utf8(tiny.stdout).unwrap();
        let (rows, tiny_rows) = (
            wide.lines().filter(|l| l.starts_with('|')).count(),
            tiny.lines().filter(|l| l.starts_with('|')).count(),
        );
        assert_eq!(rows, tiny_rows, "a row folded:\n{tiny}");
        assert!(!tiny.contains("left out at this width"), "{tiny}");
    }
}

/// What `trailtune ARGS` shows on a terminal (through `script`, util-linux), in `dir`.
fn on_a_terminal(dir: &std::path::Path, args: &str, env: &[(&str, &str)]) -> String {
    let bin = assert_cmd::cargo::cargo_bin("trailtune");
    let typescript = tempfile::NamedTempFile::new().unwrap();
    let mut cmd = std::process::Command::new("script");
    cmd.current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("COLUMNS")
        .args(["-qec", &format!("{} {args}", bin.display())])
        .arg(typescript.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let status = cmd.status().expect("script (util-linux) runs");
    assert!(status.success(), "{args}");
    String::from_utf8_lossy(&std::fs::read(typescript.path()).unwrap()).into_owned()
}

#[test]
fn decisions_are_coloured_on_a_terminal_unless_no_color() {
    let corpus = crate::common::snapshot_corpus();
    let coloured = on_a_terminal(corpus, "allowlist --baseline baseline.json", &[]);
    // allow in green, unusual in red (crossterm's 256-colour codes for them).
    assert!(coloured.contains("\u{1b}[38;5;10m"), "{coloured:?}");
    assert!(coloured.contains("\u{1b}[38;5;9m"), "{coloured:?}");
    assert!(coloured.contains("unusual"), "{coloured}");
    let plain = on_a_terminal(
        corpus,
        "allowlist --baseline baseline.json",
        &[("NO_COLOR", "1")],
    );
    assert!(!plain.contains("\u{1b}[3"), "{plain:?}");
    // Not a terminal: never coloured.
    let piped = trailtune()
        .current_dir(corpus)
        .args(["allowlist", "--baseline", "baseline.json"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&piped.stdout).contains('\u{1b}'));
}
