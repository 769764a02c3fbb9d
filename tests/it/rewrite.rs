//! Golden tests of `rewrite::apply`: `testdata/rewrite/<case>.yml` is rewritten with a plan and
//! compared byte for byte with `testdata/rewrite/<case>.<mode>.expected.yml`. Every golden is
//! also applied a second time (must report `changed == false` and return identical text) and
//! re-parsed (the intended list must be there).
//!
//! To regenerate the expected files after an intended change, run
//! `UPDATE_GOLDEN=1 cargo test --test it rewrite`, then read every changed file (`git diff
//! testdata/rewrite`) before committing: the goldens are only worth what that review is.

use std::path::PathBuf;

use chrono::NaiveDate;
use serde_yaml::Value;
use trailtune::rewrite::{Filter, RegionMode, RewriteError, TunePlan, apply, unified_diff};

use crate::common;

/// The `aws` partition (36 regions) minus the four the synthetic organization uses.
const UNUSED: [&str; 32] = [
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "me-west-1",
    "mx-central-1",
    "sa-east-1",
    "sa-west-1",
    "us-east-2",
    "us-west-1",
];

/// The regions the synthetic organization uses, deliberately unsorted.
const USED: [&str; 4] = ["us-west-2", "eu-west-1", "us-east-1", "eu-central-1"];

fn strings(s: &[&str]) -> Vec<String> {
    s.iter().map(|x| x.to_string()).collect()
}

fn filters() -> Vec<Filter> {
    vec![
        Filter {
            name: "filter_global_services".into(),
            fields: vec![(
                "eventSource".into(),
                strings(&[
                    "iam.amazonaws.com",
                    "sts.amazonaws.com",
                    "organizations.amazonaws.com",
                ]),
            )],
            comment: Some("Global services are logged in us-east-1 whoever calls them".into()),
        },
        Filter {
            name: "filter_sweepers".into(),
            fields: vec![
                (
                    "userIdentity.arn|startswith".into(),
                    strings(&["arn:aws:iam::111122223333:role/cloud-custodian"]),
                ),
                (
                    "eventName|startswith".into(),
                    strings(&["Describe", "List"]),
                ),
            ],
            comment: Some("Inventory sweepers that call every region on purpose".into()),
        },
    ]
}

fn provenance() -> Vec<String> {
    strings(&[
        "learned 2026-04-01..2026-04-30 from 1234567 events in 3 accounts",
        "baseline regions: eu-central-1, eu-west-1, us-east-1, us-west-2",
    ])
}

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 1).expect("valid date")
}

fn denylist(regions: &[&str]) -> TunePlan {
    TunePlan {
        selection: "selection".into(),
        regions: RegionMode::Denylist(strings(regions)),
        filters: vec![],
        provenance: vec![],
        modified: date(),
    }
}

fn full_denylist() -> TunePlan {
    TunePlan {
        filters: filters(),
        provenance: provenance(),
        ..denylist(&UNUSED)
    }
}

fn allowlist() -> TunePlan {
    TunePlan {
        regions: RegionMode::Allowlist(strings(&USED)),
        filters: filters(),
        provenance: provenance(),
        ..denylist(&UNUSED)
    }
}

fn read(path: &PathBuf) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs one golden: byte-exact output, idempotence, and the re-parsed region list.
fn golden(case: &str, mode: &str, plan: &TunePlan) {
    let input_path = common::testdata(&format!("rewrite/{case}.yml"));
    let expected_path = common::testdata(&format!("rewrite/{case}.{mode}.expected.yml"));
    let input = read(&input_path);
    let out = apply(&input, plan).unwrap_or_else(|e| panic!("{case}.{mode}: {e}"));
    assert!(out.changed, "{case}.{mode}: nothing changed");

    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&expected_path, &out.text).expect("write golden");
    }
    let expected = read(&expected_path);
    assert!(
        out.text == expected,
        "{case}.{mode} differs from its golden:\n{}",
        unified_diff(&expected, &out.text, "expected", "actual")
    );

    let again = apply(&out.text, plan).unwrap_or_else(|e| panic!("{case}.{mode} again: {e}"));
    assert!(
        !again.changed,
        "{case}.{mode}: second apply changed the text"
    );
    assert_eq!(again.text, out.text, "{case}.{mode}: not idempotent");

    check_parsed(case, &out.text, plan);
}

/// The output re-parses with the plan's regions where they belong and every filter excluded.
fn check_parsed(case: &str, text: &str, plan: &TunePlan) {
    let value: Value = serde_yaml::from_str(text).unwrap_or_else(|e| panic!("{case}: {e}"));
    let detection = &value["detection"];
    let region_keys: Vec<(&str, &Value)> = detection[plan.selection.as_str()]
        .as_mapping()
        .expect("selection mapping")
        .iter()
        .filter_map(|(k, v)| Some((k.as_str()?, v)))
        .filter(|(k, _)| k.split('|').next() == Some("awsRegion"))
        .collect();
    let sorted = |l: &[String]| {
        let mut l = l.to_vec();
        l.sort();
        Value::Sequence(l.into_iter().map(Value::String).collect())
    };
    let condition = detection["condition"].as_str().expect("condition string");
    match &plan.regions {
        RegionMode::Denylist(list) => {
            assert_eq!(region_keys.len(), 1, "{case}: one region key");
            assert_eq!(region_keys[0].1, &sorted(list), "{case}: region list");
        }
        RegionMode::Allowlist(list) => {
            assert!(region_keys.is_empty(), "{case}: region key left over");
            assert_eq!(
                detection["filter_baseline_regions"]["awsRegion"],
                sorted(list),
                "{case}: baseline filter"
            );
            assert!(condition.contains("and not filter_baseline_regions"));
        }
    }
    for f in &plan.filters {
        assert!(
            condition.contains(&format!("and not {}", f.name)),
            "{case}: {condition}"
        );
        for (field, values) in &f.fields {
            assert_eq!(
                detection[f.name.as_str()][field.as_str()],
                Value::Sequence(values.iter().cloned().map(Value::String).collect()),
                "{case}: {}.{field}",
                f.name
            );
        }
    }
    assert_eq!(value["modified"].as_str(), Some("2026-05-01"), "{case}");
}

#[test]
fn seed_denylist() {
    golden("seed", "denylist", &full_denylist());
}

#[test]
fn seed_allowlist() {
    golden("seed", "allowlist", &allowlist());
}

#[test]
fn seed_in_testdata_is_the_shared_seed() {
    let Some(shared) = common::shared("seed/aws_unusual_region.yml") else {
        return;
    };
    assert_eq!(
        read(&common::testdata("rewrite/seed.yml")),
        read(&shared),
        "testdata/rewrite/seed.yml drifted from shared/seed"
    );
}

#[test]
fn comments_in_list_denylist() {
    golden(
        "comments_in_list",
        "denylist",
        &denylist(&["me-south-1", "ap-east-1", "il-central-1", "eu-south-1"]),
    );
}

#[test]
fn flow_list_denylist() {
    golden("flow_list", "denylist", &full_denylist());
}

#[test]
fn no_modified_denylist() {
    golden(
        "no_modified",
        "denylist",
        &denylist(&["ap-east-1", "me-south-1"]),
    );
}

#[test]
fn indentless_denylist() {
    golden("indentless", "denylist", &full_denylist());
}

#[test]
fn indentless_allowlist() {
    golden("indentless", "allowlist", &allowlist());
}

#[test]
fn scalar_region_denylist() {
    golden(
        "scalar_region",
        "denylist",
        &TunePlan {
            provenance: provenance(),
            ..denylist(&["ap-east-1", "me-south-1", "af-south-1"])
        },
    );
}

#[test]
fn contains_modifier_denylist() {
    golden(
        "contains_modifier",
        "denylist",
        &denylist(&["ap-east", "me-south", "af-south"]),
    );
}

#[test]
fn contains_modifier_allowlist() {
    golden(
        "contains_modifier",
        "allowlist",
        &TunePlan {
            filters: vec![],
            ..allowlist()
        },
    );
}

/// A CRLF file gets the same edit as its LF twin and stays CRLF throughout; a BOM is kept.
#[test]
fn crlf_is_kept() {
    let lf = read(&common::testdata("rewrite/seed.yml"));
    let crlf = lf.replace('\n', "\r\n");
    let out = apply(&crlf, &full_denylist()).expect("crlf seed");
    let expected = read(&common::testdata("rewrite/seed.denylist.expected.yml"));
    assert_eq!(out.text, expected.replace('\n', "\r\n"));
    assert!(!apply(&out.text, &full_denylist()).unwrap().changed);
    let bom = format!("\u{feff}{crlf}");
    let out = apply(&bom, &full_denylist()).expect("bom + crlf seed");
    assert_eq!(
        out.text,
        format!("\u{feff}{}", expected.replace('\n', "\r\n"))
    );
}

#[test]
fn mixed_line_endings_are_rejected() {
    let lf = read(&common::testdata("rewrite/seed.yml"));
    let mixed = lf.replacen('\n', "\r\n", 3);
    let err = apply(&mixed, &full_denylist()).unwrap_err();
    assert!(matches!(err, RewriteError::Unsupported { .. }), "{err}");
}

/// Switching modes on an already tuned rule: the provenance and filters are replaced, not added.
#[test]
fn denylist_output_can_be_switched_to_allowlist() {
    let seed = read(&common::testdata("rewrite/seed.yml"));
    let deny = apply(&seed, &full_denylist()).unwrap().text;
    let allow = apply(&deny, &allowlist()).unwrap();
    assert!(allow.changed);
    assert_eq!(allow.text.matches("# trailtune:").count(), 2);
    assert_eq!(allow.text.matches("filter_global_services:").count(), 1);
    check_parsed("switched", &allow.text, &allowlist());
    assert!(!apply(&allow.text, &allowlist()).unwrap().changed);
}

/// Dropping a filter from the plan removes the selection and its condition term.
#[test]
fn filters_left_out_of_the_plan_are_removed() {
    let seed = read(&common::testdata("rewrite/seed.yml"));
    let tuned = apply(&seed, &full_denylist()).unwrap().text;
    let plan = TunePlan {
        filters: vec![filters().remove(0)],
        ..full_denylist()
    };
    let out = apply(&tuned, &plan).unwrap().text;
    assert!(!out.contains("filter_sweepers"));
    let cond = "  condition: selection and not filter_expected_services and not filter_replication and not filter_global_services\n";
    assert!(out.contains(cond), "{out}");
}

#[test]
fn unchanged_regions_keep_the_file_and_its_date() {
    let seed = read(&common::testdata("rewrite/seed.yml"));
    let same = denylist(&["me-south-1", "eu-south-1", "af-south-1", "ap-east-1"]);
    let sorted = seed.replace(
        "      - 'ap-east-1'\n      - 'af-south-1'\n      - 'me-south-1'\n      - 'eu-south-1'\n",
        "      - 'af-south-1'\n      - 'ap-east-1'\n      - 'eu-south-1'\n      - 'me-south-1'\n",
    );
    assert_ne!(sorted, seed);
    let out = apply(&sorted, &same).unwrap();
    assert!(!out.changed);
    assert_eq!(out.text, sorted);
}

#[test]
fn missing_selection_or_key_is_an_error() {
    let seed = read(&common::testdata("rewrite/seed.yml"));
    let plan = TunePlan {
        selection: "nope".into(),
        ..denylist(&["ap-east-1"])
    };
    match apply(&seed, &plan) {
        Err(RewriteError::KeyNotFound { path }) => assert_eq!(path, "detection.nope"),
        other => panic!("{other:?}"),
    }
    let no_key = seed.replace("    awsRegion:\n", "    awsRegionX:\n");
    match apply(&no_key, &denylist(&["ap-east-1"])) {
        Err(RewriteError::KeyNotFound { path }) => {
            assert_eq!(path, "detection.selection.awsRegion")
        }
        other => panic!("{other:?}"),
    }
    let no_condition = seed.replace("  condition:", "  conditionX:");
    assert!(matches!(
        apply(&no_condition, &denylist(&["ap-east-1"])),
        Err(RewriteError::KeyNotFound { .. })
    ));
}

#[test]
fn empty_denylist_is_rejected() {
    let seed = read(&common::testdata("rewrite/seed.yml"));
    assert!(matches!(
        apply(&seed, &denylist(&[])),
        Err(RewriteError::Plan(_))
    ));
}

#[test]
fn allowlist_that_would_empty_the_selection_is_rejected() {
    let rule =
        read(&common::testdata("rewrite/no_modified.yml")).replace("    eventSource: '*'\n", "");
    let err = apply(&rule, &allowlist()).unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
}

#[test]
fn odd_input_is_an_error_not_a_panic() {
    let plan = full_denylist();
    for text in [
        "",
        "---\n",
        "just a string\n",
        "- a\n- b\n",
        "detection: [1, 2]\n",
        "detection:\n  selection: [a]\n  condition: selection\n",
        "detection:\n\tselection:\n\t\tawsRegion: x\n",
        "detection:\n  selection:\n    awsRegion: {a: b}\n  condition: selection\n",
        "detection:\n  selection:\n    awsRegion:\n      - [a, b]\n  condition: selection\n",
        "detection:\n  selection:\n    awsRegion: x\n  condition:\n    - selection\n",
        "detection:\n  selection:\n    awsRegion: x\n  condition: 'selection'\n",
        "a: b\n---\nc: d\n",
        "detection: {selection: {awsRegion: x}, condition: selection}\n",
    ] {
        assert!(apply(text, &plan).is_err(), "{text:?} should be rejected");
    }
}

#[test]
fn diff_shows_only_the_edit() {
    let seed = read(&common::testdata("rewrite/seed.yml"));
    let out = apply(&seed, &denylist(&["ap-east-1", "me-south-1"])).unwrap();
    let diff = unified_diff(&seed, &out.text, "a/rule.yml", "b/rule.yml");
    assert!(
        diff.starts_with("--- a/rule.yml\n+++ b/rule.yml\n"),
        "{diff}"
    );
    assert!(
        diff.contains("-modified: 2025-11-14\n+modified: 2026-05-01\n"),
        "{diff}"
    );
    assert!(diff.contains("-      - 'af-south-1'\n"), "{diff}");
    assert_eq!(unified_diff(&seed, &seed, "a", "b"), "");
}

/// Unusual but valid shapes: an absent value, an empty flow list, no newline at the end of the
/// file, the condition before the selection, a comment after the condition, a top-level `or`,
/// tabs inside strings and comments. Each must rewrite, verify and be idempotent.
#[test]
fn odd_but_valid_shapes_are_rewritten_idempotently() {
    let plan = TunePlan {
        filters: vec![filters().remove(0)],
        provenance: provenance(),
        ..denylist(&["b", "a"])
    };
    for (text, needle) in [
        (
            "detection:\n  selection:\n    awsRegion:\n  condition: selection\n",
            "    awsRegion:\n      - 'a'\n",
        ),
        (
            "detection:\n  selection:\n    awsRegion: []  # none yet\n  condition: selection\n",
            "    awsRegion: ['a', 'b']  # none yet\n",
        ),
        (
            "detection:\n  selection:\n    x: 1\n    awsRegion:\n      - c\n  condition: selection",
            "      - b\n  filter_global_services:\n",
        ),
        (
            "detection:\n  condition: selection\n  selection:\n    x: 1\n    awsRegion:\n      - c",
            "      - a\n      - b",
        ),
        (
            "detection:\n  condition: selection # c\n  selection:\n    awsRegion: c",
            "condition: selection and not filter_global_services # c\n",
        ),
        (
            "title: t\ndetection:\n  selection:\n    awsRegion: c\n  condition: sel or x\n",
            "title: t\nmodified: 2026-05-01\ndetection:\n",
        ),
        (
            "title: \"t\\tq\"  # \t tab\ndetection:\n  selection:\n    awsRegion: c\n  condition: sel or x\n",
            "condition: (sel or x) and not filter_global_services\n",
        ),
    ] {
        let out = apply(text, &plan).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert!(out.text.contains(needle), "{text:?} gave\n{}", out.text);
        assert!(out.text.ends_with('\n') == text.ends_with('\n'), "{text:?}");
        let again = apply(&out.text, &plan).unwrap();
        assert!(!again.changed, "{text:?}: not idempotent:\n{}", again.text);
        check_parsed(text, &out.text, &plan);
    }
}

/// yamlpath 1.26 panics on the kind of a tagged or anchored node; those are rejected first.
/// (An anchor on the region list itself is fine: it stays on the key line, and an alias to it
/// elsewhere would fail verification.)
#[test]
fn tags_and_anchors_are_rejected_not_a_panic() {
    for text in [
        "detection:\n  selection:\n    awsRegion: !!seq [a]\n  condition: selection\n",
        "detection:\n  selection:\n    awsRegion: !custom\n      - a\n  condition: selection\n",
        "detection:\n  selection:\n    awsRegion:\n      - !!str a\n  condition: selection\n",
        "detection:\n  selection:\n    awsRegion: [a]\n  condition: !!str selection\n",
        "detection: !!map\n  selection:\n    awsRegion: [a]\n  condition: selection\n",
        "detection:\n  selection: !!map\n    awsRegion: [a]\n  condition: selection\n",
        "r: &r [a]\ndetection:\n  selection:\n    awsRegion: *r\n    x: y\n  condition: selection\n",
        "modified: !!str 2020-01-01\ndetection:\n  selection:\n    awsRegion: [a]\n  condition: selection\n",
        "date: !!str 2020-01-01\ndetection:\n  selection:\n    awsRegion: [a]\n  condition: selection\n",
        "detection:\n  selection:\n    awsRegion: [a]\n  condition: selection\n  filter_sweepers: !!map\n    a: b\n",
    ] {
        let err = apply(text, &full_denylist()).expect_err(text);
        assert!(
            !matches!(err, RewriteError::Verification { .. }),
            "{text:?}: {err}"
        );
    }
}

/// deny -> allow -> deny gives back the deny golden byte for byte.
#[test]
fn allowlist_then_denylist_round_trips() {
    let seed = read(&common::testdata("rewrite/seed.yml"));
    let allow = apply(&seed, &allowlist()).unwrap().text;
    let deny = apply(&allow, &full_denylist()).unwrap();
    let expected = read(&common::testdata("rewrite/seed.denylist.expected.yml"));
    assert!(
        deny.text == expected,
        "{}",
        unified_diff(&expected, &deny.text, "expected", "actual")
    );
}

/// An edit whose effect would reach further than the list is refused: here an alias elsewhere
/// points at the (anchored) region list. Aliases are refused before any edit (an anchor alone is
/// fine), naming the line and the alias.
#[test]
fn apply_refuses_an_edit_that_changes_an_alias_elsewhere() {
    let text = "detection:\n  selection:\n    awsRegion: &r\n      - a\n  other:\n    x: *r\n  condition: selection and not other\n";
    match apply(text, &denylist(&["b"])) {
        Err(RewriteError::Unsupported { path, text, .. }) => {
            assert_eq!((path.as_str(), text.as_str()), ("line 6", "*r"))
        }
        other => panic!("{other:?}"),
    }
    let anchored = text.replace("    x: *r\n", "    x: c\n");
    assert!(apply(&anchored, &denylist(&["b"])).is_ok());
}

#[test]
fn bad_filters_are_rejected_as_plan_errors() {
    let seed = read(&common::testdata("rewrite/seed.yml"));
    let mut twice = filters();
    twice.push(filters().remove(0));
    let mut dup_field = filters();
    let first = dup_field[0].fields[0].clone();
    dup_field[0].fields.push(first);
    let mut bad_name = filters();
    bad_name[0].name = "filter one".into();
    let mut no_values = filters();
    no_values[0].fields[0].1.clear();
    for f in [twice, dup_field, bad_name, no_values] {
        let plan = TunePlan {
            filters: f,
            ..full_denylist()
        };
        assert!(matches!(apply(&seed, &plan), Err(RewriteError::Plan(_))));
    }
}
