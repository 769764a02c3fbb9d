//! The rewrite's safety net: re-parse the old and the new text and require that they differ only
//! where the plan says (the region key, the managed filters, the condition, `modified`), and that
//! those now hold exactly what the plan asked for. A rewrite that fails this is never written.

use serde_yaml::{Mapping, Value};

use super::{MANAGED_FILTERS, REGION_FIELD, RegionMode, RewriteError, TunePlan};

fn parse(text: &str, which: &str) -> Result<Value, RewriteError> {
    serde_yaml::from_str(text)
        .map_err(|e| RewriteError::Verification(format!("the {which} rule does not parse: {e}")))
}

fn detection_mut(v: &mut Value) -> Option<&mut Mapping> {
    v.get_mut("detection")?.as_mapping_mut()
}

fn region_key(sel: &Value) -> Option<String> {
    sel.as_mapping()?
        .keys()
        .filter_map(Value::as_str)
        .find(|k| k.split('|').next() == Some(REGION_FIELD))
        .map(str::to_string)
}

/// Remove what the plan may change, so the rest can be compared.
fn strip(mut v: Value, plan: &TunePlan) -> Value {
    if let Some(m) = v.as_mapping_mut() {
        m.remove("modified");
    }
    if let Some(d) = detection_mut(&mut v) {
        d.remove("condition");
        for name in MANAGED_FILTERS
            .iter()
            .map(|s| s.to_string())
            .chain(plan.filters.iter().map(|f| f.name.clone()))
        {
            d.remove(name.as_str());
        }
        if let Some(sel) = d.get_mut(plan.selection.as_str())
            && let Some(key) = region_key(sel)
            && let Some(m) = sel.as_mapping_mut()
        {
            m.remove(key.as_str());
        }
    }
    v
}

/// The first path where two values differ.
fn first_difference(a: &Value, b: &Value, path: &str) -> String {
    match (a, b) {
        (Value::Mapping(x), Value::Mapping(y)) => {
            for (k, va) in x {
                let name = format!("{path}.{}", k.as_str().unwrap_or("?"));
                match y.get(k) {
                    Some(vb) if va != vb => return first_difference(va, vb, &name),
                    None => return format!("{name} (removed)"),
                    _ => {}
                }
            }
            y.keys()
                .find(|k| !x.contains_key(*k))
                .map(|k| format!("{path}.{} (added)", k.as_str().unwrap_or("?")))
                .unwrap_or_else(|| path.to_string())
        }
        _ => path.to_string(),
    }
}

fn strings(v: Option<&Value>) -> Option<Vec<String>> {
    match v? {
        Value::Sequence(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string))
            .collect(),
        Value::String(s) => Some(vec![s.clone()]),
        _ => None,
    }
}

pub(super) fn check(old: &str, new: &str, plan: &TunePlan) -> Result<(), RewriteError> {
    let old_v = parse(old, "original")?;
    let new_v = parse(new, "rewritten")?;
    let fail = |msg: String| Err(RewriteError::Verification(msg));
    let (a, b) = (strip(old_v, plan), strip(new_v.clone(), plan));
    if a != b {
        return fail(format!(
            "{} changed unexpectedly",
            first_difference(&a, &b, "")
        ));
    }
    let detection = new_v.get("detection");
    let selection = detection.and_then(|d| d.get(plan.selection.as_str()));
    let key = selection.and_then(region_key);
    match &plan.regions {
        RegionMode::Denylist(regions) => {
            let got = strings(key.as_ref().and_then(|k| selection?.get(k.as_str())));
            if got.as_ref() != Some(regions) {
                return fail(format!("the region list reads back as {got:?}"));
            }
        }
        RegionMode::Allowlist(regions) => {
            if key.is_some() {
                return fail("the region key is still in the selection".into());
            }
            let got = strings(
                detection
                    .and_then(|d| d.get("filter_baseline_regions"))
                    .and_then(|f| f.get(REGION_FIELD)),
            );
            if got.as_ref() != Some(regions) {
                return fail(format!("filter_baseline_regions reads back as {got:?}"));
            }
        }
    }
    let condition = detection
        .and_then(|d| d.get("condition"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    for f in &plan.filters {
        for (field, values) in &f.fields {
            let got = strings(
                detection
                    .and_then(|d| d.get(f.name.as_str()))
                    .and_then(|x| x.get(field.as_str())),
            );
            if got.as_ref() != Some(values) {
                return fail(format!("{}.{field} reads back as {got:?}", f.name));
            }
        }
        if !condition.contains(&format!("not {}", f.name)) {
            return fail(format!("the condition lacks 'not {}'", f.name));
        }
    }
    let modified = new_v.get("modified").and_then(Value::as_str);
    if modified != Some(plan.modified.format("%Y-%m-%d").to_string().as_str()) {
        return fail(format!("modified reads back as {modified:?}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> TunePlan {
        TunePlan {
            selection: "selection".into(),
            regions: RegionMode::Denylist(vec!["ap-east-1".into()]),
            filters: vec![],
            provenance: vec![],
            modified: "2026-01-02".parse().unwrap(),
        }
    }

    const OLD: &str = "title: t\nmodified: 2025-01-01\ndetection:\n  selection:\n    awsRegion:\n      - x\n  condition: selection\n";

    #[test]
    fn accepts_the_intended_change() {
        let new = "title: t\nmodified: 2026-01-02\ndetection:\n  selection:\n    awsRegion:\n      - ap-east-1\n  condition: selection\n";
        check(OLD, new, &plan()).unwrap();
    }

    #[test]
    fn catches_a_wrong_splice() {
        let new = "title: T\nmodified: 2026-01-02\ndetection:\n  selection:\n    awsRegion:\n      - ap-east-1\n  condition: selection\n";
        let err = check(OLD, new, &plan()).unwrap_err().to_string();
        assert!(err.contains(".title changed"), "{err}");
        let new = "title: t\nmodified: 2026-01-02\ndetection:\n  selection:\n    awsRegion:\n      - ap-east-2\n  condition: selection\n";
        assert!(
            check(OLD, new, &plan())
                .unwrap_err()
                .to_string()
                .contains("reads back")
        );
        let new = "title: t\nmodified: 2026-01-02\ndetection:\n  selection:\n    awsRegion:\n    - ap-east-1\n   condition: selection\n";
        assert!(check(OLD, new, &plan()).is_err());
    }
}
