//! The tuned rule in every form loads in pySigma and converts with sigma-cli (Splunk SPL and
//! Elasticsearch Lucene), as a SOC deploying it through another backend would. Ignored by
//! default: `.ci/run` installs sigma-cli and the two backends (testdata/pysigma/requirements.txt)
//! in a venv and runs it with `TRAILTUNE_SIGMA_CLI` set.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{testdata, trailtune};

fn sigma_cli() -> PathBuf {
    let Some(path) = std::env::var_os("TRAILTUNE_SIGMA_CLI") else {
        panic!(
            "TRAILTUNE_SIGMA_CLI is not set: point it at the `sigma` program of a venv with \
             testdata/pysigma/requirements.txt installed (.ci/run does)"
        );
    };
    PathBuf::from(path)
}

/// `sigma convert` of `rule` to `target`, without a processing pipeline (field names as the
/// rule writes them); fails the test unless it converts.
fn convert(rule: &Path, target: &str) -> String {
    let out = Command::new(sigma_cli())
        .args(["convert", "-t", target, "--without-pipeline"])
        .arg(rule)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "sigma convert -t {target} {}: {}{}",
        rule.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
#[ignore = "needs sigma-cli with the Splunk and Elasticsearch backends: .ci/run installs them in a venv and runs it"]
fn every_form_of_the_tuned_rule_converts_with_sigma_cli() {
    let dir = tempfile::tempdir().unwrap();
    let forms: [(&str, &[&str]); 3] = [
        ("denylist", &[]),
        ("allowlist", &["--mode", "allowlist"]),
        ("per-account", &["--per-account"]),
    ];
    for (name, flags) in forms {
        let rule = dir.path().join(format!("{name}.yml"));
        let out = trailtune()
            .args([
                "tune",
                "--no-progress",
                "--until",
                "2026-10-30",
                "--days",
                "30",
            ])
            .args(flags)
            .arg("-o")
            .arg(&rule)
            .arg(testdata("accounts/org.ndjson"))
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for target in ["splunk", "lucene"] {
            let query = convert(&rule, target);
            assert!(query.contains("awsRegion"), "{name} {target}: {query}");
            if name == "per-account" {
                // Each account's exemption reaches the backend's query.
                for account in [
                    "111111111111",
                    "222222222222",
                    "333333333333",
                    "444444444444",
                ] {
                    assert!(
                        query.contains(account),
                        "{name} {target}: {account} in {query}"
                    );
                }
                assert!(query.contains("recipientAccountId"), "{query}");
            }
        }
    }
}
