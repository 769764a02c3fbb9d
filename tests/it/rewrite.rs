//! Golden files for the lossless rule rewrite: `testdata/rewrite/<case>.yml` rewritten with a
//! fixed plan must equal `testdata/rewrite/<case>.<mode>.expected.yml` byte for byte, applying the
//! same plan again must change nothing, and the output must load in the Sigma engine.
//! `UPDATE_GOLDEN=1 cargo test --test it rewrite` rewrites the expected files: read every diff.

use std::path::Path;

use trailtune::rewrite::{self, Filter, RegionMode, TunePlan};
use trailtune::sigma::{LoadOptions, RuleSet};

use crate::common::testdata;

/// The 36 commercial regions minus an allowlist of four.
fn unusual() -> Vec<String> {
    let allow = ["eu-central-1", "eu-west-1", "us-east-1", "us-west-2"];
    trailtune::regions::catalogue()
        .partition("aws")
        .map(|r| r.code.clone())
        .filter(|r| !allow.contains(&r.as_str()))
        .collect()
}

fn filters() -> Vec<Filter> {
    vec![
        Filter {
            name: "filter_global_services".into(),
            fields: vec![
                ("awsRegion".into(), vec!["us-east-1".into()]),
                (
                    "eventSource".into(),
                    vec!["iam.amazonaws.com".into(), "sts.amazonaws.com".into()],
                ),
            ],
            comment: Some("Step 4: global services are logged in their home region".into()),
        },
        Filter {
            name: "filter_sweepers".into(),
            fields: vec![(
                "userIdentity.arn|startswith".into(),
                vec!["arn:aws:sts::111122223333:assumed-role/SecurityAuditScanner/".into()],
            )],
            comment: None,
        },
    ]
}

fn plan(mode: &str, with_filters: bool) -> TunePlan {
    TunePlan {
        selection: "selection".into(),
        regions: match mode {
            "denylist" => RegionMode::Denylist(unusual()),
            _ => RegionMode::Allowlist(vec![
                "eu-central-1".into(),
                "eu-west-1".into(),
                "us-west-2".into(),
            ]),
        },
        filters: if with_filters { filters() } else { Vec::new() },
        provenance: vec![
            "tuned by trailtune (test) from 2025-08-30 .. 2025-11-27 (90 days)".into(),
            "allowlist (4): eu-central-1, eu-west-1, us-east-1, us-west-2".into(),
        ],
        modified: "2026-11-28".parse().unwrap(),
    }
}

fn golden(case: &str, mode: &str, with_filters: bool) {
    let input = std::fs::read_to_string(testdata(&format!("rewrite/{case}.yml"))).unwrap();
    let plan = plan(mode, with_filters);
    let out = rewrite::apply(&input, &plan).unwrap_or_else(|e| panic!("{case}/{mode}: {e}"));
    assert!(out.changed);
    let expected_path = testdata(&format!("rewrite/{case}.{mode}.expected.yml"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&expected_path, &out.text).unwrap();
    }
    let expected = std::fs::read_to_string(&expected_path)
        .unwrap_or_else(|_| panic!("missing {}", expected_path.display()));
    assert!(
        out.text == expected,
        "{case}/{mode} differs from the golden file:\n{}",
        rewrite::unified_diff(&expected, &out.text, "expected", "got")
    );
    // Idempotent.
    let again = rewrite::apply(&out.text, &plan).unwrap();
    assert!(
        !again.changed,
        "{case}/{mode}: second apply changed:\n{}",
        rewrite::unified_diff(&out.text, &again.text, "first", "second")
    );
    // Loads in the engine.
    let loaded = RuleSet::load_str(&out.text, Path::new(case), &LoadOptions::default());
    assert!(
        loaded.errors.is_empty(),
        "{case}/{mode}: {:?}",
        loaded.errors
    );
    assert_eq!(loaded.rules.len(), 1);
}

#[test]
fn seed_denylist() {
    golden("seed", "denylist", true);
}

#[test]
fn seed_allowlist() {
    golden("seed", "allowlist", true);
}

#[test]
fn comments_inside_the_list() {
    golden("comments-in-list", "denylist", false);
}

#[test]
fn flow_list() {
    golden("flow-list", "denylist", false);
}

#[test]
fn rule_without_modified() {
    golden("no-modified", "denylist", false);
}

#[test]
fn indentless_list() {
    golden("indentless", "denylist", true);
}

#[test]
fn scalar_region() {
    golden("scalar", "denylist", true);
}

#[test]
fn modifier_on_the_region_key() {
    golden("contains-key", "denylist", false);
}

#[test]
fn only_the_list_modified_and_provenance_change_in_the_seed() {
    let input = std::fs::read_to_string(testdata("rewrite/seed.yml")).unwrap();
    let out = rewrite::apply(&input, &plan("denylist", false))
        .unwrap()
        .text;
    let diff = similar::TextDiff::from_lines(&input, &out);
    for change in diff.iter_all_changes() {
        let line = change.value();
        match change.tag() {
            similar::ChangeTag::Equal => {}
            _ => assert!(
                line.starts_with("modified:")
                    || line.trim_start().starts_with("- '")
                    || line.trim_start().starts_with("# trailtune:"),
                "unexpected changed line {line:?}"
            ),
        }
    }
}

#[test]
fn dropping_filters_removes_them_and_their_condition_terms() {
    let input = std::fs::read_to_string(testdata("rewrite/seed.yml")).unwrap();
    let with = rewrite::apply(&input, &plan("denylist", true))
        .unwrap()
        .text;
    let without = rewrite::apply(&with, &plan("denylist", false))
        .unwrap()
        .text;
    let plain = rewrite::apply(&input, &plan("denylist", false))
        .unwrap()
        .text;
    assert_eq!(without, plain);
    assert!(!without.contains("filter_sweepers"));
}

#[test]
fn switching_modes_back_and_forth_is_clean() {
    let input = std::fs::read_to_string(testdata("rewrite/seed.yml")).unwrap();
    let allow = rewrite::apply(&input, &plan("allowlist", true))
        .unwrap()
        .text;
    let err = rewrite::apply(&allow, &plan("denylist", true)).unwrap_err();
    assert!(err.to_string().contains("no awsRegion key"), "{err}");
}

#[test]
fn errors_are_clear() {
    let input = std::fs::read_to_string(testdata("rewrite/seed.yml")).unwrap();
    let mut p = plan("denylist", false);
    p.regions = RegionMode::Denylist(Vec::new());
    assert!(
        rewrite::apply(&input, &p)
            .unwrap_err()
            .to_string()
            .contains("empty region list")
    );
    let mut p = plan("denylist", false);
    p.selection = "nope".into();
    assert!(
        rewrite::apply(&input, &p)
            .unwrap_err()
            .to_string()
            .contains("detection.nope not found")
    );
    let crlf = input.replace('\n', "\r\n");
    assert!(
        rewrite::apply(&crlf, &plan("denylist", false))
            .unwrap_err()
            .to_string()
            .contains("CRLF")
    );
    assert!(rewrite::apply("title: [unclosed", &plan("denylist", false)).is_err());
}
