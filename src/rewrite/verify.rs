//! Proof that an edit changed only what it meant to: consumes the old and new rule text and an
//! [`Expected`] description of the intended changes, re-parses both with `serde_yaml`, applies
//! the intended changes to the old value and requires the result to equal the new value. It
//! reports the first YAML path that differs. It must not look at layout (that is the goldens' job).

use serde_yaml::{Mapping, Value};

use super::RewriteError;
use super::locate::short;

/// A selection's fields -> values, as in [`super::Filter::fields`].
pub type Fields = Vec<(String, Vec<String>)>;

/// The changes `apply` intends; everything else must be equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// New `modified` value, or `None` when it must be unchanged.
    pub modified: Option<String>,
    /// The selection holding the region key.
    pub selection: String,
    /// The region key and its new list (`None`: the key is removed); `None`: no region key.
    pub region_key: Option<(String, Option<Vec<String>>)>,
    /// Detection items removed before `filters` are (re)added.
    pub removed: Vec<String>,
    /// Detection items added: name -> field -> values.
    pub filters: Vec<(String, Fields)>,
    /// The new `detection.condition`.
    pub condition: String,
}

/// Parses a whole rule.
pub fn parse(text: &str) -> Result<Value, RewriteError> {
    serde_yaml::from_str(text).map_err(|e| RewriteError::Parse(e.to_string()))
}

fn strings(values: &[String]) -> Value {
    Value::Sequence(values.iter().cloned().map(Value::String).collect())
}

fn key(s: &str) -> Value {
    Value::String(s.to_string())
}

/// Checks that `new` equals `old` with exactly the changes in `expected`.
pub fn check(old: &str, new: &str, expected: &Expected) -> Result<(), RewriteError> {
    let mut want = parse(old)?;
    let got = serde_yaml::from_str::<Value>(new).map_err(|e| RewriteError::Verification {
        path: "(document)".into(),
        expected: "valid YAML".into(),
        found: e.to_string(),
    })?;
    let missing = |path: &str| RewriteError::Verification {
        path: path.into(),
        expected: "a mapping".into(),
        found: "something else in the old rule".into(),
    };

    let top = want.as_mapping_mut().ok_or_else(|| missing("(document)"))?;
    if let Some(m) = &expected.modified {
        top.insert(key("modified"), key(m));
    }
    let det = top
        .get_mut("detection")
        .and_then(Value::as_mapping_mut)
        .ok_or_else(|| missing("detection"))?;
    if let Some((k, list)) = &expected.region_key {
        let sel = det
            .get_mut(expected.selection.as_str())
            .and_then(Value::as_mapping_mut)
            .ok_or_else(|| missing(&format!("detection.{}", expected.selection)))?;
        match list {
            Some(list) => {
                sel.insert(key(k), strings(list));
            }
            None => {
                sel.remove(k.as_str());
            }
        }
    }
    for name in &expected.removed {
        det.remove(name.as_str());
    }
    for (name, fields) in &expected.filters {
        let mut m = Mapping::new();
        for (field, values) in fields {
            m.insert(key(field), strings(values));
        }
        det.insert(key(name), Value::Mapping(m));
    }
    det.insert(key("condition"), key(&expected.condition));

    match first_difference(&want, &got, "") {
        None => Ok(()),
        Some((path, expected, found)) => Err(RewriteError::Verification {
            path,
            expected,
            found,
        }),
    }
}

fn join(path: &str, k: &Value) -> String {
    let k = k.as_str().map_or_else(|| short(k), str::to_string);
    if path.is_empty() {
        k
    } else {
        format!("{path}.{k}")
    }
}

/// The first path where `want` and `got` differ, with both sides rendered short.
fn first_difference(want: &Value, got: &Value, path: &str) -> Option<(String, String, String)> {
    if want == got {
        return None;
    }
    let here = || {
        let p = if path.is_empty() { "(document)" } else { path };
        Some((p.to_string(), short(want), short(got)))
    };
    match (want, got) {
        (Value::Mapping(w), Value::Mapping(g)) => {
            for (k, wv) in w {
                match g.get(k) {
                    None => return Some((join(path, k), short(wv), "(absent)".into())),
                    Some(gv) => {
                        if let Some(d) = first_difference(wv, gv, &join(path, k)) {
                            return Some(d);
                        }
                    }
                }
            }
            g.iter()
                .find(|(k, _)| !w.contains_key(*k))
                .map(|(k, gv)| (join(path, k), "(absent)".into(), short(gv)))
                .or_else(here)
        }
        (Value::Sequence(w), Value::Sequence(g)) if w.len() == g.len() => w
            .iter()
            .zip(g)
            .enumerate()
            .find_map(|(i, (wv, gv))| first_difference(wv, gv, &format!("{path}[{i}]")))
            .or_else(here),
        _ => here(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "title: t\nmodified: 2025-01-01\ndetection:\n  selection:\n    eventSource: '*'\n    awsRegion:\n      - 'a'\n  filter_x:\n    eventName: 'E'\n  condition: selection and not filter_x\nlevel: medium\n";

    fn expected() -> Expected {
        Expected {
            modified: Some("2026-02-03".into()),
            selection: "selection".into(),
            region_key: Some(("awsRegion".into(), Some(vec!["b".into(), "c".into()]))),
            removed: vec![],
            filters: vec![],
            condition: "selection and not filter_x".into(),
        }
    }

    #[test]
    fn accepts_the_intended_change() {
        let new = OLD
            .replace("2025-01-01", "2026-02-03")
            .replace("      - 'a'\n", "      - 'b'\n      - c\n");
        check(OLD, &new, &expected()).unwrap();
    }

    #[test]
    fn catches_a_splice_that_ate_a_neighbour() {
        // The list was replaced, but the splice also swallowed the filter's key line.
        let new = OLD
            .replace("2025-01-01", "2026-02-03")
            .replace("      - 'a'\n  filter_x:\n", "      - 'b'\n      - 'c'\n");
        match check(OLD, &new, &expected()) {
            Err(RewriteError::Verification { path, .. }) => {
                assert!(path.starts_with("detection."), "{path}")
            }
            other => panic!("expected a verification error, got {other:?}"),
        }
    }

    #[test]
    fn catches_an_unintended_change_elsewhere() {
        let new = OLD
            .replace("2025-01-01", "2026-02-03")
            .replace("      - 'a'\n", "      - 'b'\n      - 'c'\n")
            .replace("level: medium", "level: high");
        match check(OLD, &new, &expected()) {
            Err(RewriteError::Verification {
                path,
                expected,
                found,
            }) => {
                assert_eq!(path, "level");
                assert_eq!((expected.as_str(), found.as_str()), ("medium", "high"));
            }
            other => panic!("expected a verification error, got {other:?}"),
        }
    }

    #[test]
    fn catches_a_wrong_list_and_broken_yaml() {
        let wrong = OLD
            .replace("2025-01-01", "2026-02-03")
            .replace("      - 'a'\n", "      - 'b'\n");
        let err = check(OLD, &wrong, &expected()).unwrap_err();
        assert!(
            err.to_string().contains("detection.selection.awsRegion"),
            "{err}"
        );
        let broken = OLD.replace("    awsRegion:\n", "    awsRegion: - x\n");
        assert!(matches!(
            check(OLD, &broken, &expected()),
            Err(RewriteError::Verification { .. })
        ));
    }
}
