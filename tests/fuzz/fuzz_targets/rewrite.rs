//! The lossless rule rewrite (`rewrite::apply`) of two fixed plans (a denylist and an allowlist,
//! each with managed filters and provenance lines) on arbitrary rule text.
//!
//! Refusing the text is always fine. When `apply` succeeds (any failure is a crash):
//! * the output parses as YAML (`serde_yaml`, the parser the rule loader uses);
//! * `changed == false` exactly when the output is the input, byte for byte;
//! * applying the same plan to the output succeeds and changes nothing (idempotence);
//! * **comments are kept**: the input's whole-line comments (a line whose first non-blank
//!   character is `#`), in order, are a subsequence of the output's whole-line comments (each
//!   line compared whole, indentation included), except
//!   - `# trailtune:` provenance lines (replaced by the plan's), and
//!   - comment lines inside a replaced block: from a key line whose key is the region key
//!     (`awsRegion`, `awsRegion|<modifiers>`) or a managed filter (trailtune's four names and the
//!     plan's) down to the last non-comment line of that key's block (lines indented deeper, or
//!     `- ` items at the key's column). Comments after the block's last line are kept.
//!
//! Trailing comments (`key: value  # note`) are not checked: the region list items' trailing
//! comments go with their items by design.
#![no_main]

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use trailtune::rewrite::{Filter, MANAGED_FILTERS, RegionMode, TunePlan, apply};

fn strings(s: &[&str]) -> Vec<String> {
    s.iter().map(|x| x.to_string()).collect()
}

fn plans() -> [TunePlan; 2] {
    let filters = vec![
        Filter {
            name: "filter_global_services".into(),
            fields: vec![(
                "eventSource".into(),
                strings(&["iam.amazonaws.com", "sts.amazonaws.com"]),
            )],
            comment: Some("Global services are logged in us-east-1".into()),
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
            comment: None,
        },
    ];
    let provenance = strings(&[
        "learned 2026-04-01..2026-04-30",
        "baseline regions: eu-west-1, us-east-1",
    ]);
    let modified = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
    [
        TunePlan {
            selection: "selection".into(),
            regions: RegionMode::Denylist(strings(&["ap-east-1", "me-south-1", "sa-east-1"])),
            filters: filters.clone(),
            provenance: provenance.clone(),
            modified,
        },
        TunePlan {
            selection: "selection".into(),
            regions: RegionMode::Allowlist(strings(&["us-east-1", "eu-west-1"])),
            filters,
            provenance,
            modified,
        },
    ]
}

fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// The key a line starts (after any `- ` item markers), unquoted, with its column.
fn key(line: &str) -> Option<(&str, usize)> {
    let mut col = indent(line);
    let mut rest = &line[col..];
    while let Some(r) = rest.strip_prefix('-') {
        if !(r.starts_with(' ') || r.is_empty()) {
            break;
        }
        let r2 = r.trim_start_matches(' ');
        col += rest.len() - r2.len();
        rest = r2;
    }
    let colon = rest.find(':')?;
    let k = rest[..colon].trim();
    let k = k.trim_matches(|c| c == '\'' || c == '"');
    Some((k, col))
}

/// The whole-line comments of `text` that a rewrite with `managed` filters must keep, in order.
fn kept_comments<'a>(lines: &[&'a str], managed: &[String]) -> Vec<&'a str> {
    let mut replaced = vec![false; lines.len()];
    for (i, line) in lines.iter().enumerate() {
        if is_comment(line) {
            continue;
        }
        let Some((k, col)) = key(line) else { continue };
        let base = k.split('|').next().unwrap_or("");
        if base != "awsRegion" && !managed.iter().any(|m| m == k) {
            continue;
        }
        let key_indent = indent(line).min(col);
        let mut last = i;
        for (j, l) in lines.iter().enumerate().skip(i + 1) {
            if l.trim().is_empty() || is_comment(l) {
                continue;
            }
            let inside = indent(l) > key_indent
                || (indent(l) == key_indent && l.trim_start().starts_with("- "))
                || (indent(l) == key_indent && l.trim_start() == "-");
            if !inside {
                break;
            }
            last = j;
        }
        for r in &mut replaced[i..=last] {
            *r = true;
        }
    }
    lines
        .iter()
        .zip(&replaced)
        .filter(|(l, r)| !**r && is_comment(l) && !l.trim_start().starts_with("# trailtune:"))
        .map(|(l, _)| *l)
        .collect()
}

fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    for plan in plans() {
        let Ok(out) = apply(text, &plan) else {
            continue;
        };
        assert_eq!(out.changed, out.text != text, "changed flag wrong");
        let body = strip_bom(&out.text);
        if let Err(e) = serde_yaml::from_str::<serde_yaml::Value>(body) {
            panic!("output is not YAML ({e}):\n{}", out.text);
        }
        let again = apply(&out.text, &plan)
            .unwrap_or_else(|e| panic!("second apply fails ({e}):\n{}", out.text));
        assert!(
            !again.changed && again.text == out.text,
            "second apply changes:\n{}",
            out.text
        );

        let managed: Vec<String> = MANAGED_FILTERS
            .iter()
            .map(|s| s.to_string())
            .chain(plan.filters.iter().map(|f| f.name.clone()))
            .collect();
        let old: Vec<&str> = strip_bom(text).lines().collect();
        let kept = kept_comments(&old, &managed);
        let new: Vec<&str> = body.lines().filter(|l| is_comment(l)).collect();
        let mut it = new.iter();
        for c in &kept {
            assert!(
                it.any(|n| n == c),
                "comment lost or moved: {c:?}\n--- input:\n{text}\n--- output:\n{}",
                out.text
            );
        }
    }
});
