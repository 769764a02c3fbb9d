//! The text edits: each pass consumes the current LF text, locates what it edits afresh (via
//! `locate`), and returns the text with exactly one region replaced. Passes render YAML by hand in
//! the file's [`Style`]; they must not re-serialize anything, and must not decide *what* changes
//! (that is the plan's and `condition`'s job).

use std::collections::BTreeSet;

use serde_yaml::Value;
use yamlpath::FeatureKind;

use super::locate::{
    self, Quote, Style, column, document, dotted, key, line_end, line_start, next_line,
    provenance_start,
};
use super::{BASELINE_FILTER, Filter, RewriteError};

/// `text` with `start..end` replaced by `with`.
fn splice(text: &str, start: usize, end: usize, with: &str) -> String {
    let mut out = String::with_capacity(text.len() + with.len());
    out.push_str(&text[..start]);
    out.push_str(with);
    out.push_str(&text[end..]);
    out
}

/// `s` rendered as a YAML scalar in `quote` style. Plain falls back to single quotes when the
/// text would not read back as the same string (or would break a flow list).
pub fn scalar(s: &str, quote: Quote) -> String {
    match quote {
        Quote::Plain if plain_safe(s) => s.to_string(),
        Quote::Plain | Quote::Single => format!("'{}'", s.replace('\'', "''")),
        Quote::Double => format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")),
    }
}

/// A mapping key: plain when safe, else single-quoted.
fn key_text(s: &str) -> String {
    scalar(s, Quote::Plain)
}

fn plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    (first.is_alphanumeric() || "_./(".contains(first))
        && !s.ends_with([' ', ':'])
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.contains([',', '[', ']', '{', '}', '\t'])
        && serde_yaml::from_str::<Value>(s).ok() == Some(Value::String(s.to_string()))
}

/// Comment lines `# trailtune: <line>` at `col`.
fn provenance_lines(provenance: &[String], col: usize) -> String {
    provenance
        .iter()
        .map(|p| format!("{:col$}# trailtune: {p}\n", ""))
        .collect()
}

/// One block-list item as written in the file: comment lines above it, its text, its trailing
/// comment.
struct OldItem {
    value: Option<String>,
    leading: String,
    trailing: String,
}

/// Denylist pass: the region list at `keys` := `regions`, with the provenance block above the key.
pub fn replace_region_list(
    text: &str,
    keys: &[String],
    regions: &[String],
    provenance: &[String],
    style: &Style,
) -> Result<String, RewriteError> {
    let doc = document(text)?;
    let path = dotted(keys);
    let key_f = key(&doc, keys)?;
    let key_start = key_f.location.byte_span.0;
    let key_col = column(text, key_start);
    let key_line = line_start(text, key_start);
    let value = locate::value(&doc, keys)?;

    let (start, end, with) = match value.as_ref().map(|f| f.kind()) {
        Some(FeatureKind::BlockSequence) => {
            let list = value.as_ref().expect("kind came from it");
            block_list(text, list, keys, regions, style)?
        }
        Some(FeatureKind::FlowSequence) => {
            let f = value.as_ref().expect("kind came from it");
            let (s, e) = f.location.byte_span;
            let old = &text[s..e];
            if f.is_multiline() && old.contains('#') {
                return Err(RewriteError::unsupported(
                    &path,
                    "a multi-line flow list with comments",
                    old,
                ));
            }
            let pad = if old[1..].starts_with([' ', '\n']) {
                " "
            } else {
                ""
            };
            let items: Vec<String> = regions.iter().map(|r| scalar(r, style.quote)).collect();
            (s, e, format!("[{pad}{}{pad}]", items.join(", ")))
        }
        None | Some(FeatureKind::Scalar) => {
            // `awsRegion: 'x'  # c` -> `awsRegion: # c` + a block list under the key.
            let (vs, ve) = match &value {
                Some(f) if f.is_multiline() => {
                    return Err(RewriteError::unsupported(
                        &path,
                        "a multi-line scalar",
                        doc.extract(f),
                    ));
                }
                Some(f) => f.location.byte_span,
                None => (line_end(text, key_start), line_end(text, key_start)),
            };
            let rest = text[ve..line_end(text, ve)].trim();
            let mut line = text[key_line..vs].trim_end().to_string();
            if !rest.is_empty() {
                line.push(' ');
                line.push_str(rest);
            }
            line.push('\n');
            let indent = key_col + style.dash;
            for r in regions {
                line.push_str(&format!("{:indent$}- {}\n", "", scalar(r, style.quote)));
            }
            let end = next_line(text, ve);
            if end == text.len() && !text.ends_with('\n') {
                line.pop();
            }
            (key_line, end, line)
        }
        Some(_) => {
            return Err(RewriteError::unsupported(
                &path,
                "the region value is a mapping",
                value.as_ref().map(|f| doc.extract(f)).unwrap_or_default(),
            ));
        }
    };
    // The list edit lies after the key line, so the provenance offsets stay valid.
    let out = splice(text, start, end, &with);
    let prov = provenance_start(&out, key_line);
    Ok(splice(
        &out,
        prov,
        key_line,
        &provenance_lines(provenance, key_col),
    ))
}

/// The region list when it is a block list (`list`, the sequence `yamlpath` found): the span from
/// the first item's line to past the last item's line, and its replacement. The items are read
/// by one walk over the list's lines (asking `yamlpath` for item `i` walks the list from its
/// start, which made a long list quadratic).
fn block_list(
    text: &str,
    list: &yamlpath::Feature,
    keys: &[String],
    regions: &[String],
    style: &Style,
) -> Result<(usize, usize, String), RewriteError> {
    let path = dotted(keys);
    let (first, end) = list.location.byte_span;
    let dash_col = column(text, first);
    let start = line_start(text, first);
    let prefix = {
        let after_dash = text[first + 1..line_end(text, first)]
            .bytes()
            .take_while(|&b| b == b' ')
            .count();
        text[start..first + 1 + after_dash].to_string()
    };
    let mut old: Vec<OldItem> = Vec::new();
    let mut leading = String::new();
    let mut cursor = start; // past the last item's line
    let mut at = start;
    while at < end && at < text.len() {
        let next = next_line(text, at);
        let line = &text[at..next];
        let body = line.trim();
        let index = old.len();
        if body.is_empty() {
            // Blank lines between items are dropped (the list is re-sorted).
        } else if body.starts_with('#') {
            leading.push_str(line);
        } else if column(text, at + line.len() - line.trim_start().len()) != dash_col {
            return Err(RewriteError::unsupported(
                &format!("{path}[{index}]"),
                "unexpected text between list items",
                line.trim_end_matches('\n'),
            ));
        } else {
            let item = one_line_item(body).ok_or_else(|| {
                RewriteError::unsupported(
                    &format!("{path}[{index}]"),
                    "a list item that is not a one-line scalar",
                    line.trim_end_matches('\n'),
                )
            })?;
            let value = match serde_yaml::from_str::<Value>(item.0) {
                Ok(Value::String(v)) => Some(v),
                _ => None,
            };
            old.push(OldItem {
                value,
                leading: std::mem::take(&mut leading),
                trailing: item.1.to_string(),
            });
            cursor = next;
        }
        at = next;
    }
    if old.is_empty() {
        return Err(RewriteError::unsupported(&path, "an empty block list", ""));
    }
    // Look the old items up by value once (a long old list with a long new one stays linear).
    let mut by_value: std::collections::HashMap<&str, &OldItem> = std::collections::HashMap::new();
    for o in &old {
        if let Some(v) = o.value.as_deref() {
            by_value.entry(v).or_insert(o);
        }
    }
    let mut with = String::new();
    for r in regions {
        match by_value.get(r.as_str()) {
            Some(o) => {
                with.push_str(&o.leading);
                with.push_str(&format!(
                    "{prefix}{}{}\n",
                    scalar(r, style.quote),
                    o.trailing
                ));
            }
            None => with.push_str(&format!("{prefix}{}\n", scalar(r, style.quote))),
        }
    }
    if !text[..cursor].ends_with('\n') {
        with.pop();
    }
    Ok((start, cursor, with))
}

/// A block-list line `- <scalar>  # comment` (trimmed) split into the scalar's text and what
/// follows it on the line (empty, or the comment with the spaces before it); `None` when the
/// item is not a one-line scalar (a nested list or mapping, a tag, anchor or alias, a block
/// scalar, or a quoted scalar that does not close on its line).
fn one_line_item(body: &str) -> Option<(&str, &str)> {
    let rest = body.strip_prefix('-')?;
    if !rest.is_empty() && !rest.starts_with(' ') {
        return None;
    }
    let item = rest.trim_start();
    let b = item.as_bytes();
    let len = match *b.first()? {
        b'[' | b'{' | b'&' | b'*' | b'!' | b'|' | b'>' | b'#' | b'%' | b'@' | b'`' => return None,
        b'-' | b'?' if b.len() == 1 || b[1] == b' ' => return None,
        q @ (b'\'' | b'"') => {
            let mut i = 1;
            loop {
                match b.get(i)? {
                    b'\\' if q == b'"' => i += 2,
                    b'\'' if q == b'\'' && b.get(i + 1) == Some(&b'\'') => i += 2,
                    &c if c == q => break i + 1,
                    _ => i += 1,
                }
            }
        }
        _ => {
            let comment = item.find(" #").unwrap_or(item.len());
            if item[..comment].contains(": ") || item[..comment].ends_with(':') {
                return None; // a mapping
            }
            item[..comment].trim_end().len()
        }
    };
    let after = &item[len..];
    (after.trim().is_empty() || after.trim_start().starts_with('#')).then(|| {
        (
            &item[..len],
            if after.trim().is_empty() { "" } else { after },
        )
    })
}

/// The key [`insert_region_key`] writes.
pub const REGION_KEY: &str = "awsRegion";

/// Denylist pass on a rule tuned in allowlist mode: adds `awsRegion:` with `regions` (and the
/// provenance block) as the last key of the selection at `keys`, after any comment lines
/// indented like its keys that follow the last one.
pub fn insert_region_key(
    text: &str,
    keys: &[String],
    regions: &[String],
    provenance: &[String],
    style: &Style,
) -> Result<String, RewriteError> {
    let value = super::verify::parse(text)?;
    let sel = value
        .get("detection")
        .and_then(|d| d.get(&keys[1]))
        .unwrap_or(&Value::Null);
    let doc = document(text)?;
    if !matches!(locate::value(&doc, keys)?, Some(f) if f.kind() == FeatureKind::BlockMapping) {
        return Err(RewriteError::unsupported(
            &dotted(keys),
            "the selection is not a block mapping",
            locate::short(sel),
        ));
    }
    let col = column(text, key(&doc, keys)?.location.byte_span.0) + style.step;
    let mut at = locate::value_end(&doc, keys, sel)?;
    while at < text.len() {
        let line = &text[at..next_line(text, at)];
        let indent = line.len() - line.trim_start_matches(' ').len();
        if indent >= col && line.trim_start().starts_with('#') {
            at = next_line(text, at);
        } else {
            break;
        }
    }
    let mut with = String::new();
    if !text[..at].ends_with('\n') {
        with.push('\n');
    }
    with.push_str(&provenance_lines(provenance, col));
    with.push_str(&format!("{:col$}{REGION_KEY}:\n", ""));
    let dash = col + style.dash;
    for r in regions {
        with.push_str(&format!("{:dash$}- {}\n", "", scalar(r, style.quote)));
    }
    Ok(splice(text, at, at, &with))
}

/// Allowlist pass: removes the region key at `keys`, its value and the provenance block above it.
pub fn remove_region_key(text: &str, keys: &[String]) -> Result<String, RewriteError> {
    let value = super::verify::parse(text)?;
    let sel = value
        .get("detection")
        .and_then(|d| d.get(&keys[1]))
        .and_then(Value::as_mapping);
    if sel.is_some_and(|m| m.len() <= 1) {
        return Err(RewriteError::unsupported(
            &dotted(&keys[..2]),
            "allowlist mode would leave the selection empty (it lists only the region key)",
            &keys[2],
        ));
    }
    let region = sel.and_then(|m| m.get(&keys[2])).unwrap_or(&Value::Null);
    let doc = document(text)?;
    let key_line = line_start(text, key(&doc, keys)?.location.byte_span.0);
    let end = locate::value_end(&doc, keys, region)?;
    Ok(splice(text, provenance_start(text, key_line), end, ""))
}

/// Renders one managed filter at the detection item column.
fn render_filter(f: &Filter, provenance: &[String], style: &Style) -> String {
    let col = style.item_col;
    let inner = col + style.step;
    let dash = inner + style.dash;
    let mut out = provenance_lines(provenance, col);
    out.push_str(&format!("{:col$}{}:\n", "", key_text(&f.name)));
    if let Some(c) = &f.comment {
        out.push_str(&format!("{:inner$}# {c}\n", ""));
    }
    for (field, values) in &f.fields {
        out.push_str(&format!("{:inner$}{}:\n", "", key_text(field)));
        for v in values {
            out.push_str(&format!("{:dash$}- {}\n", "", scalar(v, style.quote)));
        }
    }
    out
}

/// The spans of the detection items `names` that are present (each with a `# trailtune:` block
/// above it), from one parse of the text: a rule with thousands of managed filters (one per
/// account) is edited in linear time, not one parse per filter.
fn item_spans<'n>(
    text: &str,
    names: impl Iterator<Item = &'n str>,
) -> Result<std::collections::HashMap<&'n str, (usize, usize)>, RewriteError> {
    let doc = document(text)?;
    let value = super::verify::parse(text)?;
    let mut spans = std::collections::HashMap::new();
    for name in names {
        let keys = ["detection".to_string(), name.to_string()];
        if !locate::exists(&doc, &keys) {
            continue;
        }
        let v = value
            .get("detection")
            .and_then(|d| d.get(name))
            .unwrap_or(&Value::Null);
        let key_line = line_start(text, key(&doc, &keys)?.location.byte_span.0);
        let end = locate::value_end(&doc, &keys, v)?;
        spans.insert(name, (provenance_start(text, key_line), end));
    }
    Ok(spans)
}

/// Managed-filter pass: removes every `managed` detection item not in `filters`, replaces the
/// ones present in place and inserts the others, in plan order, before `condition:` (and the
/// comment lines directly above it). `baseline_provenance` goes above `filter_baseline_regions`.
/// Every span is found in one parse of `text` and the edits are stitched in one pass.
pub fn managed_filters(
    text: &str,
    managed: &BTreeSet<String>,
    filters: &[Filter],
    baseline_provenance: &[String],
    style: &Style,
) -> Result<String, RewriteError> {
    let names = managed
        .iter()
        .map(String::as_str)
        .chain(filters.iter().map(|f| f.name.as_str()));
    let spans = item_spans(text, names)?;
    // (start, end, new text) of every edit; the spans of distinct items never overlap.
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for name in managed {
        if filters.iter().any(|f| &f.name == name) {
            continue;
        }
        if let Some(&(s, e)) = spans.get(name.as_str()) {
            edits.push((s, e, String::new()));
        }
    }
    let mut inserted = String::new();
    for f in filters {
        let prov = if f.name == BASELINE_FILTER {
            baseline_provenance
        } else {
            &[]
        };
        let mut rendered = render_filter(f, prov, style);
        match spans.get(f.name.as_str()) {
            Some(&(s, e)) => {
                if e == text.len() && !text.ends_with('\n') {
                    rendered.pop();
                }
                edits.push((s, e, rendered));
            }
            None => inserted.push_str(&rendered),
        }
    }
    if !inserted.is_empty() {
        let doc = document(text)?;
        let cond = key(&doc, &["detection".to_string(), "condition".to_string()])?;
        let mut at = line_start(text, cond.location.byte_span.0);
        while at > 0 {
            let prev = line_start(text, at - 1);
            // A comment line directly above the condition stays with it, unless it belongs to
            // an item removed or replaced here.
            let edited = edits.iter().any(|&(s, e, _)| s <= prev && prev < e);
            if !edited && text[prev..at].trim_start().starts_with('#') {
                at = prev;
            } else {
                break;
            }
        }
        edits.push((at, at, inserted));
    }
    // Stitch: an insertion at the end of a removed span goes after it.
    edits.sort_by_key(|&(s, e, _)| (s, e));
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for (s, e, with) in edits {
        if s < done {
            return Err(RewriteError::unsupported(
                "detection",
                "two managed filters overlap",
                &text[s..e.min(text.len())],
            ));
        }
        out.push_str(&text[done..s]);
        out.push_str(&with);
        done = e;
    }
    out.push_str(&text[done..]);
    Ok(out)
}

/// Condition pass: replaces the plain one-line `condition:` scalar with `condition`.
pub fn replace_condition(text: &str, condition: &str) -> Result<String, RewriteError> {
    let doc = document(text)?;
    let keys = ["detection".to_string(), "condition".to_string()];
    let f = locate::value(&doc, &keys)?.ok_or_else(|| {
        RewriteError::unsupported("detection.condition", "the condition is empty", "")
    })?;
    let old = doc.extract(&f);
    let plain = f.kind() == FeatureKind::Scalar
        && !old.starts_with(['\'', '"', '|', '>'])
        && !f.is_multiline();
    if !plain {
        return Err(RewriteError::unsupported(
            "detection.condition",
            "the condition is not a plain one-line scalar",
            old,
        ));
    }
    if old == condition {
        return Ok(text.to_string());
    }
    let (s, e) = f.location.byte_span;
    Ok(splice(text, s, e, condition))
}

/// Sets `modified:` (in place keeping its quotes, or inserted after `date:`/`author:`, or before
/// `tags:`/`logsource:`/`detection:`).
pub fn set_modified(text: &str, date: &str) -> Result<String, RewriteError> {
    let doc = document(text)?;
    let modified = ["modified".to_string()];
    if locate::exists(&doc, &modified) {
        return match locate::value(&doc, &modified)? {
            Some(f) if f.kind() == FeatureKind::Scalar && !f.is_multiline() => {
                let old = doc.extract(&f);
                let new = match Quote::of_text(old) {
                    Quote::Single => format!("'{date}'"),
                    Quote::Double => format!("\"{date}\""),
                    Quote::Plain => date.to_string(),
                };
                let (s, e) = f.location.byte_span;
                Ok(splice(text, s, e, &new))
            }
            Some(f) => Err(RewriteError::unsupported(
                "modified",
                "modified is not a one-line scalar",
                doc.extract(&f),
            )),
            None => {
                let k = key(&doc, &modified)?;
                let colon = k.location.byte_span.1;
                let at = text[colon..].find(':').map_or(colon, |i| colon + i + 1);
                Ok(splice(text, at, at, &format!(" {date}")))
            }
        };
    }
    let value = super::verify::parse(text)?;
    for after in ["date", "author"] {
        let keys = [after.to_string()];
        if locate::exists(&doc, &keys) {
            let col = column(text, key(&doc, &keys)?.location.byte_span.0);
            let v = value.get(after).unwrap_or(&Value::Null);
            let at = locate::value_end(&doc, &keys, v)?;
            let nl = if text[..at].ends_with('\n') { "" } else { "\n" };
            return Ok(splice(
                text,
                at,
                at,
                &format!("{nl}{:col$}modified: {date}\n", ""),
            ));
        }
    }
    for before in ["tags", "logsource", "detection"] {
        let keys = [before.to_string()];
        if locate::exists(&doc, &keys) {
            let start = key(&doc, &keys)?.location.byte_span.0;
            let col = column(text, start);
            let at = line_start(text, start);
            return Ok(splice(
                text,
                at,
                at,
                &format!("{:col$}modified: {date}\n", ""),
            ));
        }
    }
    Err(RewriteError::KeyNotFound {
        path: "date, author, tags, logsource or detection (to place modified)".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_items_and_what_follows_them() {
        assert_eq!(one_line_item("- 'a'  # c"), Some(("'a'", "  # c")));
        assert_eq!(one_line_item(r#"- "a\"b""#), Some((r#""a\"b""#, "")));
        assert_eq!(one_line_item("- 'it''s' #x"), Some(("'it''s'", " #x")));
        assert_eq!(one_line_item("- a#b # c"), Some(("a#b", " # c")));
        for not_one in [
            "- [a]", "- {a: b}", "- *x", "- &x a", "- |", "- - a", "- a: b", "- 'open", "-a",
        ] {
            assert_eq!(one_line_item(not_one), None, "{not_one}");
        }
    }
}
