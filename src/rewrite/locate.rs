//! Finding things in the rule text: consumes the LF-normalized rule text (and its `serde_yaml`
//! value, used only to list keys and item values), produces byte offsets, columns and the file's
//! list style via `yamlpath` queries. It must not change text; `splice` does that.

use serde_yaml::Value;
use yamlpath::{Component, Document, Feature, FeatureKind, QueryError, Route};

use super::RewriteError;

/// How a scalar is written: `'x'`, `"x"` or `x`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quote {
    Single,
    Double,
    Plain,
}

impl Quote {
    pub fn of_text(scalar_text: &str) -> Quote {
        match scalar_text.as_bytes().first() {
            Some(b'\'') => Quote::Single,
            Some(b'"') => Quote::Double,
            _ => Quote::Plain,
        }
    }
}

/// The file's layout habits, sampled once from the original text so that every pass (and every
/// later run on the output) renders the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Quote style of list items.
    pub quote: Quote,
    /// Column of a block list's `-` relative to its key (0 for indentless lists).
    pub dash: usize,
    /// Indentation step of a selection's keys relative to the selection name.
    pub step: usize,
    /// Column of the detection items (`selection:`, `condition:`).
    pub item_col: usize,
}

/// Parses `text` with yamlpath (tree-sitter).
pub fn document(text: &str) -> Result<Document, RewriteError> {
    Document::new(text).map_err(|e| RewriteError::Parse(e.to_string()))
}

/// A route of keys.
pub fn route(keys: &[String]) -> Route<'_> {
    Route::from(
        keys.iter()
            .map(|k| Component::from(k.as_str()))
            .collect::<Vec<_>>(),
    )
}

/// `a.b.c` for messages.
pub fn dotted(keys: &[String]) -> String {
    keys.join(".")
}

fn query_err(keys: &[String], e: QueryError) -> RewriteError {
    match e {
        QueryError::ExhaustedMapping(_) => RewriteError::KeyNotFound { path: dotted(keys) },
        other => RewriteError::unsupported(&dotted(keys), other.to_string(), ""),
    }
}

/// The value at `keys`, `None` for an absent value (`key:` with nothing after it).
pub fn value<'d>(doc: &'d Document, keys: &[String]) -> Result<Option<Feature<'d>>, RewriteError> {
    let f = doc
        .query_exact(&route(keys))
        .map_err(|e| query_err(keys, e))?;
    untagged(doc, f, || dotted(keys))
}

/// Rejects a tagged, anchored or aliased node: `yamlpath` 1.26 panics when asked the kind of
/// one, and a Sigma rule has no use for them. Every feature handed out by this module passed here.
fn untagged<'d>(
    doc: &'d Document,
    f: Option<Feature<'d>>,
    path: impl Fn() -> String,
) -> Result<Option<Feature<'d>>, RewriteError> {
    match f {
        Some(f) if doc.extract(&f).starts_with(['!', '&', '*']) => Err(RewriteError::unsupported(
            &path(),
            "YAML tags, anchors and aliases are not supported",
            line_at(doc.source(), f.location.byte_span.0),
        )),
        other => Ok(other),
    }
}

/// The `index`-th item of the sequence at `keys`, `None` past its end.
pub fn item<'d>(
    doc: &'d Document,
    keys: &[String],
    index: usize,
) -> Result<Option<Feature<'d>>, RewriteError> {
    match doc.query_exact(&route(keys).with_key(index)) {
        Ok(f) => untagged(doc, f, || format!("{}[{index}]", dotted(keys))),
        Err(QueryError::ExhaustedList(..)) => Ok(None),
        Err(e) => Err(query_err(keys, e)),
    }
}

/// The key at `keys` (the last one), which must start its line (block mapping).
pub fn key<'d>(doc: &'d Document, keys: &[String]) -> Result<Feature<'d>, RewriteError> {
    let f = doc
        .query_key_only(&route(keys))
        .map_err(|e| query_err(keys, e))?;
    let text = doc.source();
    let start = f.location.byte_span.0;
    if !text[line_start(text, start)..start]
        .bytes()
        .all(|b| b == b' ')
    {
        return Err(RewriteError::unsupported(
            &dotted(keys),
            "the key does not start its line (flow mapping?)",
            line_at(text, start),
        ));
    }
    Ok(f)
}

/// Whether the mapping at `keys` has the last key.
pub fn exists(doc: &Document, keys: &[String]) -> bool {
    doc.query_exists(&route(keys))
}

/// Start of the line containing `offset`.
pub fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// End of the line containing `offset`, without its newline.
pub fn line_end(text: &str, offset: usize) -> usize {
    text[offset..].find('\n').map_or(text.len(), |i| offset + i)
}

/// Start of the line after the one containing `offset` (or the end of the text).
pub fn next_line(text: &str, offset: usize) -> usize {
    text[offset..]
        .find('\n')
        .map_or(text.len(), |i| offset + i + 1)
}

/// The whole line containing `offset`, for error messages.
pub fn line_at(text: &str, offset: usize) -> String {
    text[line_start(text, offset)..line_end(text, offset)].to_string()
}

/// Column (bytes) of `offset` in its line.
pub fn column(text: &str, offset: usize) -> usize {
    offset - line_start(text, offset)
}

/// Start of the block of `# trailtune:` comment lines directly above the line starting at
/// `line`, or `line` itself when there is none.
pub fn provenance_start(text: &str, line: usize) -> usize {
    let mut start = line;
    while start > 0 {
        let prev = line_start(text, start - 1);
        if text[prev..start].trim_start().starts_with("# trailtune:") {
            start = prev;
        } else {
            break;
        }
    }
    start
}

/// Offset just past the last line holding (part of) the value at `keys`: past the last item of a
/// block list or the last key of a block mapping (recursively), so comment lines after it are not
/// included. `value` is the serde value at `keys`. Whole comment or blank lines at the end of
/// the span are left out too: an empty item (`- -`, `key:` with nothing after it) can reach
/// up to the next token, past the comments above the next key (its `# trailtune:` lines).
pub fn value_end(doc: &Document, keys: &[String], value: &Value) -> Result<usize, RewriteError> {
    let text = doc.source();
    let end = raw_value_end(doc, keys, value)?;
    let floor = next_line(text, key(doc, keys)?.location.byte_span.1);
    Ok(before_trailing_comments(text, floor, end))
}

/// `end` (a line start, or the end of the text) moved up over whole blank and comment lines, no
/// higher than `floor`.
fn before_trailing_comments(text: &str, floor: usize, mut end: usize) -> usize {
    if end < text.len() && end > 0 && text.as_bytes()[end - 1] != b'\n' {
        return end;
    }
    while end > floor {
        let prev = line_start(text, end - 1);
        if prev < floor {
            break;
        }
        let line = text[prev..end].trim();
        if line.is_empty() || line.starts_with('#') {
            end = prev;
        } else {
            break;
        }
    }
    end
}

fn raw_value_end(doc: &Document, keys: &[String], value: &Value) -> Result<usize, RewriteError> {
    let text = doc.source();
    let Some(f) = self::value(doc, keys)? else {
        let k = key(doc, keys)?;
        return Ok(next_line(text, k.location.byte_span.1));
    };
    match (f.kind(), value) {
        (FeatureKind::BlockSequence, Value::Sequence(items)) if !items.is_empty() => {
            let last = item(doc, keys, items.len() - 1)?.ok_or_else(|| {
                RewriteError::unsupported(&dotted(keys), "list shorter than parsed", "")
            })?;
            Ok(next_line(text, end_byte(text, &last)))
        }
        (FeatureKind::BlockMapping, Value::Mapping(map)) => match map.iter().last() {
            Some((Value::String(k), v)) => {
                let mut sub = keys.to_vec();
                sub.push(k.clone());
                raw_value_end(doc, &sub, v)
            }
            _ => Ok(next_line(text, end_byte(text, &f))),
        },
        _ => Ok(next_line(text, end_byte(text, &f))),
    }
}

/// A feature's end, stepping back over a newline it includes (block scalars do).
fn end_byte(text: &str, f: &Feature) -> usize {
    let (start, mut end) = f.location.byte_span;
    while end > start && text.as_bytes()[end - 1] == b'\n' {
        end -= 1;
    }
    end
}

/// The one key of `detection.<selection>` whose name before `|` is `awsRegion`. Absent is
/// `Ok(None)` when `allow_missing` (allowlist mode), else an error.
pub fn region_key(
    value: &Value,
    selection: &str,
    allow_missing: bool,
) -> Result<Option<String>, RewriteError> {
    let detection = value
        .get("detection")
        .ok_or_else(|| RewriteError::KeyNotFound {
            path: "detection".into(),
        })?;
    let path = format!("detection.{selection}");
    let sel = detection
        .get(selection)
        .ok_or_else(|| RewriteError::KeyNotFound { path: path.clone() })?;
    let Value::Mapping(map) = sel else {
        return Err(RewriteError::unsupported(
            &path,
            "the selection is not a mapping",
            short(sel),
        ));
    };
    let keys: Vec<&str> = map
        .keys()
        .filter_map(Value::as_str)
        .filter(|k| k.split('|').next() == Some("awsRegion"))
        .collect();
    match keys.as_slice() {
        [] if allow_missing => Ok(None),
        [] => Err(RewriteError::KeyNotFound {
            path: format!("{path}.awsRegion"),
        }),
        [one] => Ok(Some(one.to_string())),
        many => Err(RewriteError::unsupported(
            &path,
            "several awsRegion keys",
            many.join(", "),
        )),
    }
}

/// `detection.condition` as a string.
pub fn condition(value: &Value) -> Result<String, RewriteError> {
    match value.get("detection").and_then(|d| d.get("condition")) {
        None => Err(RewriteError::KeyNotFound {
            path: "detection.condition".into(),
        }),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(RewriteError::unsupported(
            "detection.condition",
            "the condition is not a single string",
            short(other),
        )),
    }
}

/// A value rendered on one line for messages, cut at 200 characters.
pub fn short(value: &Value) -> String {
    let s = serde_yaml::to_string(value).unwrap_or_else(|_| format!("{value:?}"));
    let s = s.trim_end().replace('\n', "\\n");
    match s.char_indices().nth(200) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s,
    }
}

/// Samples the file's style. Lists are looked at in priority order: the region list, then the
/// managed filters (`managed`), then every other list in `detection`, in file order.
pub fn style(
    text: &str,
    value: &Value,
    selection: &str,
    region_key: Option<&str>,
    managed: &std::collections::BTreeSet<String>,
) -> Result<Style, RewriteError> {
    let doc = document(text)?;
    let det = ["detection".to_string()];
    match self::value(&doc, &det)? {
        Some(f) if f.kind() == FeatureKind::BlockMapping => {}
        _ => {
            return Err(RewriteError::unsupported(
                "detection",
                "detection is not a block mapping",
                "",
            ));
        }
    }
    let cond = key(&doc, &["detection".to_string(), "condition".to_string()])?;
    let item_col = column(text, cond.location.byte_span.0);

    let sel_keys = ["detection".to_string(), selection.to_string()];
    let sel_col = column(text, key(&doc, &sel_keys)?.location.byte_span.0);
    let first_child = value
        .get("detection")
        .and_then(|d| d.get(selection))
        .and_then(Value::as_mapping)
        .and_then(|m| m.keys().find_map(Value::as_str));
    let step = match first_child {
        Some(k) => {
            let mut keys = sel_keys.to_vec();
            keys.push(k.to_string());
            column(text, key(&doc, &keys)?.location.byte_span.0).saturating_sub(sel_col)
        }
        None => 0,
    };
    let step = if step == 0 { 2 } else { step };

    // Candidate lists: (priority, route), priority 0 = region list, 1 = managed, 2 = other.
    let mut candidates: Vec<(u8, Vec<String>)> = Vec::new();
    if let Some(Value::Mapping(det_map)) = value.get("detection") {
        for (name, sel) in det_map {
            let (Some(name), Value::Mapping(fields)) = (name.as_str(), sel) else {
                continue;
            };
            for field in fields.keys().filter_map(Value::as_str) {
                let prio = if name == selection && Some(field) == region_key {
                    0
                } else if managed.contains(name) {
                    1
                } else {
                    2
                };
                let keys = vec!["detection".to_string(), name.to_string(), field.to_string()];
                candidates.push((prio, keys));
            }
        }
    }
    candidates.sort_by_key(|(p, _)| *p);

    let mut quote = None;
    let mut dash = None;
    for (prio, keys) in &candidates {
        // Tagged or odd lists are no sample of the file's style; skip them.
        let Ok(Some(f)) = self::value(&doc, keys) else {
            continue;
        };
        match f.kind() {
            FeatureKind::Scalar if *prio == 0 => {
                quote.get_or_insert(Quote::of_text(doc.extract(&f)));
            }
            FeatureKind::BlockSequence | FeatureKind::FlowSequence => {
                let Ok(Some(first)) = item(&doc, keys, 0) else {
                    continue;
                };
                if first.kind() == FeatureKind::Scalar {
                    quote.get_or_insert(Quote::of_text(doc.extract(&first)));
                }
                if f.kind() == FeatureKind::BlockSequence {
                    let key_col = column(text, key(&doc, keys)?.location.byte_span.0);
                    let start = first.location.byte_span.0;
                    let prefix = &text[line_start(text, start)..start];
                    if let Some(d) = prefix.rfind('-') {
                        dash.get_or_insert(d.saturating_sub(key_col));
                    }
                }
            }
            _ => {}
        }
        if quote.is_some() && dash.is_some() {
            break;
        }
    }
    Ok(Style {
        quote: quote.unwrap_or(Quote::Single),
        dash: dash.unwrap_or(step),
        step,
        item_col,
    })
}
