//! Locate nodes with yamlpath and splice text by lines and byte spans. Each operation takes the
//! current text, re-parses it (a few milliseconds) and returns the new text, so no offset is ever
//! stale.

use chrono::NaiveDate;
use serde_yaml::Value;
use yamlpath::{Component, Document, FeatureKind, Route};

use super::{Filter, PROVENANCE_PREFIX, REGION_FIELD, RewriteError, quote};

fn route<'a>(keys: &[&'a str]) -> Route<'a> {
    Route::from(keys.iter().map(|k| Component::from(*k)).collect::<Vec<_>>())
}

/// The file's style, learned once from the original rule.
#[derive(Debug, Clone, Copy)]
pub(super) struct Layout {
    /// Indentation step below a detection item (`selection:` -> its fields).
    pub step: usize,
    /// Column of a list's `-` relative to its key (0 for indentless lists).
    pub item_offset: usize,
    /// Quoting of list items: `'`, `"` or ` ` (plain).
    pub quote: char,
}

/// The text, its tree and its parsed value.
pub(super) struct Located<'a> {
    text: &'a str,
    doc: Document,
    value: Value,
    /// Byte offset of the start of each line.
    starts: Vec<usize>,
}

impl<'a> Located<'a> {
    pub fn new(text: &'a str) -> Result<Located<'a>, RewriteError> {
        let value: Value =
            serde_yaml::from_str(text).map_err(|e| RewriteError::Yaml(e.to_string()))?;
        let doc = Document::new(text).map_err(|e| RewriteError::Yaml(e.to_string()))?;
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Ok(Located {
            text,
            doc,
            value,
            starts,
        })
    }

    fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    fn line_start(&self, line: usize) -> usize {
        self.starts[line]
    }

    /// End of a line, before its newline.
    fn line_end(&self, line: usize) -> usize {
        self.starts
            .get(line + 1)
            .map_or(self.text.len(), |next| next - 1)
    }

    fn line_text(&self, line: usize) -> &str {
        &self.text[self.line_start(line)..self.line_end(line)]
    }

    /// Last line of a span ending at `end` (exclusive).
    fn last_line(&self, end: usize) -> usize {
        self.line_of(end.saturating_sub(1))
    }

    fn splice(&self, start: usize, end: usize, with: &str) -> String {
        let mut s = String::with_capacity(self.text.len() + with.len());
        s.push_str(&self.text[..start]);
        s.push_str(with);
        s.push_str(&self.text[end..]);
        s
    }

    /// Remove whole lines `first..=last` (with their newlines).
    fn remove_lines(&self, first: usize, last: usize) -> String {
        let start = self.line_start(first);
        let end = self
            .starts
            .get(last + 1)
            .copied()
            .unwrap_or(self.text.len());
        self.splice(start, end, "")
    }

    fn detection(&self) -> Option<&serde_yaml::Mapping> {
        self.value.get("detection")?.as_mapping()
    }

    fn has_detection_item(&self, name: &str) -> bool {
        self.detection().is_some_and(|d| d.contains_key(name))
    }

    /// The key in `detection.<selection>` that names the region field (`awsRegion`, `awsRegion|contains`).
    pub fn region_key(&self, selection: &str) -> Result<Option<String>, RewriteError> {
        let sel = self
            .detection()
            .and_then(|d| d.get(selection))
            .ok_or_else(|| RewriteError::NoSelection(selection.to_string()))?;
        let Some(map) = sel.as_mapping() else {
            return Err(RewriteError::Unsupported(format!(
                "detection.{selection} is not a mapping"
            )));
        };
        Ok(map
            .keys()
            .filter_map(Value::as_str)
            .find(|k| k.split('|').next() == Some(REGION_FIELD))
            .map(str::to_string))
    }

    fn key_line_col(&self, keys: &[&str]) -> Option<(usize, usize)> {
        let f = self.doc.query_key_only(&route(keys)).ok()?;
        Some((f.location.point_span.0.0, f.location.point_span.0.1))
    }

    /// Learn indentation and quoting from the rule.
    pub fn layout(&self, selection: &str) -> Result<Layout, RewriteError> {
        let (_, sel_col) = self
            .key_line_col(&["detection", selection])
            .ok_or_else(|| RewriteError::NoSelection(selection.to_string()))?;
        let first_field = self
            .detection()
            .and_then(|d| d.get(selection))
            .and_then(Value::as_mapping)
            .and_then(|m| m.keys().next())
            .and_then(Value::as_str)
            .map(str::to_string);
        let step = first_field
            .and_then(|f| self.key_line_col(&["detection", selection, &f]))
            .map_or(2, |(_, c)| c.saturating_sub(sel_col).max(1));
        let mut layout = Layout {
            step,
            item_offset: 2,
            quote: '\'',
        };
        // Prefer the region list itself, then any other block list in the detection.
        let mut candidates: Vec<(String, String)> = Vec::new();
        if let Some(key) = self.region_key(selection)? {
            candidates.push((selection.to_string(), key));
        }
        if let Some(d) = self.detection() {
            for (item, body) in d {
                let (Some(item), Some(map)) = (item.as_str(), body.as_mapping()) else {
                    continue;
                };
                for field in map.keys().filter_map(Value::as_str) {
                    candidates.push((item.to_string(), field.to_string()));
                }
            }
        }
        for (item, field) in candidates {
            let keys = ["detection", item.as_str(), field.as_str()];
            let Some((_, key_col)) = self.key_line_col(&keys) else {
                continue;
            };
            let Ok(Some(value)) = self.doc.query_exact(&route(&keys)) else {
                continue;
            };
            match value.kind() {
                FeatureKind::BlockSequence => {
                    layout.item_offset = value.location.point_span.0.1.saturating_sub(key_col);
                    let first = self.line_text(value.location.point_span.0.0).trim_start();
                    layout.quote = first
                        .trim_start_matches('-')
                        .trim_start()
                        .chars()
                        .next()
                        .map_or('\'', style);
                    return Ok(layout);
                }
                FeatureKind::FlowSequence => {
                    let inner = self
                        .doc
                        .extract(&value)
                        .trim_start_matches('[')
                        .trim_start();
                    layout.quote = inner.chars().next().map_or('\'', style);
                    return Ok(layout);
                }
                FeatureKind::Scalar if field.split('|').next() == Some(REGION_FIELD) => {
                    layout.quote = self.doc.extract(&value).chars().next().map_or('\'', style);
                    return Ok(layout);
                }
                _ => {}
            }
        }
        Ok(layout)
    }

    /// Replace the region list's items (the seed's Step 3).
    pub fn replace_region_list(
        &self,
        selection: &str,
        regions: &[String],
        layout: &Layout,
    ) -> Result<String, RewriteError> {
        let key = self
            .region_key(selection)?
            .ok_or_else(|| RewriteError::NoRegionKey {
                selection: selection.to_string(),
                field: REGION_FIELD.to_string(),
            })?;
        let keys = ["detection", selection, key.as_str()];
        let key_feature = self
            .doc
            .query_key_only(&route(&keys))
            .map_err(|e| RewriteError::Unsupported(format!("cannot locate {key}: {e}")))?;
        let key_col = key_feature.location.point_span.0.1;
        let value = self
            .doc
            .query_exact(&route(&keys))
            .map_err(|e| RewriteError::Unsupported(format!("cannot locate {key}: {e}")))?;
        let block = |indent: usize| -> String {
            regions
                .iter()
                .map(|r| format!("{}- {}", " ".repeat(indent), quote(r, layout.quote)))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let Some(value) = value else {
            // `awsRegion:` with no value: a block list under it.
            let end = key_feature.location.byte_span.1;
            let colon = self.text[end..].find(':').map_or(end, |i| end + i + 1);
            return Ok(self.splice(colon, colon, &format!("\n{}", block(key_col + 2))));
        };
        match value.kind() {
            FeatureKind::BlockSequence => {
                let first = value.location.point_span.0.0;
                let last = self.last_line(value.location.byte_span.1);
                let dash_col = value.location.point_span.0.1;
                let mut old_items: Vec<(String, String, Vec<String>)> = Vec::new(); // (region, suffix, comments above)
                let mut pending: Vec<String> = Vec::new();
                for line in first..=last {
                    let text = self.line_text(line);
                    let trimmed = text.trim_start();
                    if let Some(rest) = trimmed.strip_prefix('-') {
                        let (raw, suffix) = split_comment(rest.trim_start());
                        old_items.push((
                            unquote(raw.trim_end()),
                            suffix.to_string(),
                            std::mem::take(&mut pending),
                        ));
                    } else if trimmed.starts_with('#') || trimmed.is_empty() {
                        pending.push(text.to_string());
                    } else {
                        return Err(RewriteError::Unsupported(format!(
                            "unexpected line in the {key} list: {text:?}"
                        )));
                    }
                }
                let mut lines: Vec<String> = Vec::new();
                for r in regions {
                    let old = old_items.iter().find(|(name, _, _)| name == r);
                    if let Some((_, _, above)) = old {
                        lines.extend(above.iter().cloned());
                    }
                    let suffix = old.map_or("", |(_, s, _)| s.as_str());
                    lines.push(format!(
                        "{}- {}{}",
                        " ".repeat(dash_col),
                        quote(r, layout.quote),
                        suffix
                    ));
                }
                lines.extend(pending);
                Ok(self.splice(
                    self.line_start(first),
                    self.line_end(last),
                    &lines.join("\n"),
                ))
            }
            FeatureKind::FlowSequence => {
                let old = self.doc.extract(&value);
                let pad = if old.starts_with("[ ") { " " } else { "" };
                let items: Vec<String> = regions.iter().map(|r| quote(r, layout.quote)).collect();
                let new = format!("[{pad}{}{pad}]", items.join(", "));
                Ok(self.splice(value.location.byte_span.0, value.location.byte_span.1, &new))
            }
            FeatureKind::Scalar => {
                let start = key_feature.location.byte_span.1;
                let colon = self.text[start..]
                    .find(':')
                    .map_or(start, |i| start + i + 1);
                Ok(self.splice(
                    colon,
                    value.location.byte_span.1,
                    &format!("\n{}", block(key_col + 2)),
                ))
            }
            other => Err(RewriteError::Unsupported(format!(
                "{key} is a {other:?}, not a list or a scalar"
            ))),
        }
    }

    /// Lines of `# trailtune:` comments directly above `line`.
    fn provenance_above(&self, line: usize) -> Option<(usize, usize)> {
        let mut first = line;
        while first > 0
            && self
                .line_text(first - 1)
                .trim_start()
                .starts_with(PROVENANCE_PREFIX)
        {
            first -= 1;
        }
        (first < line).then_some((first, line - 1))
    }

    /// Put the provenance comment directly above the region key, replacing an older one.
    pub fn set_provenance(
        &self,
        selection: &str,
        lines: &[String],
    ) -> Result<String, RewriteError> {
        let Some(key) = self.region_key(selection)? else {
            return Ok(self.text.to_string());
        };
        let (line, col) = self
            .key_line_col(&["detection", selection, &key])
            .ok_or_else(|| RewriteError::Unsupported(format!("cannot locate {key}")))?;
        let rendered: String = lines
            .iter()
            .map(|l| format!("{}{PROVENANCE_PREFIX} {l}\n", " ".repeat(col)))
            .collect();
        let (start, end) = match self.provenance_above(line) {
            Some((first, _)) => (self.line_start(first), self.line_start(line)),
            None => (self.line_start(line), self.line_start(line)),
        };
        Ok(self.splice(start, end, &rendered))
    }

    /// Remove the region key and its list from the selection (allowlist mode).
    pub fn remove_region_key(&self, selection: &str) -> Result<String, RewriteError> {
        let Some(key) = self.region_key(selection)? else {
            return Ok(self.text.to_string());
        };
        let fields = self
            .detection()
            .and_then(|d| d.get(selection))
            .and_then(Value::as_mapping)
            .map_or(0, |m| m.len());
        if fields < 2 {
            return Err(RewriteError::Unsupported(format!(
                "detection.{selection} holds only {key}; without it the selection would be empty (use denylist mode)"
            )));
        }
        self.remove_pair(&["detection", selection, &key])
    }

    /// Remove a `key: value` pair (whole lines) and any provenance comment above it.
    fn remove_pair(&self, keys: &[&str]) -> Result<String, RewriteError> {
        let pair = self.doc.query_pretty(&route(keys)).map_err(|e| {
            RewriteError::Unsupported(format!("cannot locate {}: {e}", keys.join(".")))
        })?;
        let first = pair.location.point_span.0.0;
        let last = self.last_line(pair.location.byte_span.1);
        let first = self.provenance_above(first).map_or(first, |(f, _)| f);
        Ok(self.remove_lines(first, last))
    }

    /// Remove `detection.<name>` if present.
    pub fn remove_detection_item(&self, name: &str) -> Result<String, RewriteError> {
        if !self.has_detection_item(name) {
            return Ok(self.text.to_string());
        }
        self.remove_pair(&["detection", name])
    }

    /// Drop ` and not NAME` for every managed name, then append it for each of `add`.
    pub fn rewrite_condition(
        &self,
        managed: &[String],
        add: &[String],
    ) -> Result<String, RewriteError> {
        let value = self
            .doc
            .query_exact(&route(&["detection", "condition"]))
            .map_err(|_| RewriteError::Unsupported("detection.condition not found".into()))?
            .ok_or_else(|| RewriteError::Unsupported("detection.condition is empty".into()))?;
        if value.kind() != FeatureKind::Scalar || value.is_multiline() {
            return Err(RewriteError::Unsupported(
                "detection.condition must be a single-line string to add filters to it".into(),
            ));
        }
        let raw = self.doc.extract(&value);
        let (open, body, close) = match raw.chars().next() {
            Some(q @ ('\'' | '"')) if raw.len() >= 2 && raw.ends_with(q) => {
                (&raw[..1], &raw[1..raw.len() - 1], &raw[raw.len() - 1..])
            }
            _ => ("", raw, ""),
        };
        let mut body = body.to_string();
        for name in managed {
            body = body.replace(&format!(" and not {name}"), "");
        }
        for name in add {
            body.push_str(&format!(" and not {name}"));
        }
        Ok(self.splice(
            value.location.byte_span.0,
            value.location.byte_span.1,
            &format!("{open}{body}{close}"),
        ))
    }

    /// Insert the filters (and, in allowlist mode, the provenance above the last) just above
    /// `condition:`.
    pub fn insert_filters(
        &self,
        filters: &[Filter],
        layout: &Layout,
        provenance: &[String],
    ) -> Result<String, RewriteError> {
        let (line, col) = self
            .key_line_col(&["detection", "condition"])
            .ok_or_else(|| RewriteError::Unsupported("detection.condition not found".into()))?;
        let pad = |n: usize| " ".repeat(n);
        let mut out = String::new();
        for (i, f) in filters.iter().enumerate() {
            if i + 1 == filters.len() {
                for p in provenance {
                    out.push_str(&format!("{}{PROVENANCE_PREFIX} {p}\n", pad(col)));
                }
            }
            out.push_str(&format!("{}{}:\n", pad(col), f.name));
            if let Some(c) = &f.comment {
                out.push_str(&format!("{}# {c}\n", pad(col + layout.step)));
            }
            for (field, values) in &f.fields {
                out.push_str(&format!("{}{}:\n", pad(col + layout.step), field));
                for v in values {
                    out.push_str(&format!(
                        "{}- {}\n",
                        pad(col + layout.step + layout.item_offset),
                        quote(v, layout.quote)
                    ));
                }
            }
        }
        let at = self.line_start(line);
        Ok(self.splice(at, at, &out))
    }

    /// Set `modified:` (keeping its quoting), or add it after `date:`.
    pub fn set_modified(&self, date: NaiveDate) -> Result<String, RewriteError> {
        let date = date.format("%Y-%m-%d").to_string();
        if let Ok(Some(v)) = self.doc.query_exact(&route(&["modified"]))
            && v.kind() == FeatureKind::Scalar
        {
            let raw = self.doc.extract(&v);
            let new = match raw.chars().next() {
                Some(q @ ('\'' | '"')) => format!("{q}{date}{q}"),
                _ => date,
            };
            return Ok(self.splice(v.location.byte_span.0, v.location.byte_span.1, &new));
        }
        if let Some((line, _)) = self.key_line_col(&["modified"]) {
            // `modified:` with no value.
            return Ok(self.splice(
                self.line_start(line),
                self.line_end(line),
                &format!("modified: {date}"),
            ));
        }
        let after = ["date", "author"]
            .iter()
            .find_map(|k| self.doc.query_pretty(&route(&[k])).ok());
        let at = match after {
            Some(f) => self
                .starts
                .get(self.last_line(f.location.byte_span.1) + 1)
                .copied()
                .unwrap_or(self.text.len()),
            None => ["tags", "logsource", "detection"]
                .iter()
                .find_map(|k| self.key_line_col(&[k]))
                .map_or(0, |(line, _)| self.line_start(line)),
        };
        let prefix = if at == self.text.len() && !self.text.ends_with('\n') {
            "\n"
        } else {
            ""
        };
        Ok(self.splice(at, at, &format!("{prefix}modified: {date}\n")))
    }
}

fn style(c: char) -> char {
    match c {
        '\'' | '"' => c,
        _ => ' ',
    }
}

/// Split `value  # comment` into the value and the suffix (spaces + comment), outside quotes.
fn split_comment(s: &str) -> (&str, &str) {
    let mut quote: Option<char> = None;
    let bytes: Vec<char> = s.chars().collect();
    let mut offset = 0;
    for (i, c) in bytes.iter().enumerate() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(*c),
            (Some(q), c) if *c == q => quote = None,
            (None, '#') if i > 0 && bytes[i - 1].is_whitespace() => {
                let value = s[..offset].trim_end();
                return (value, &s[value.len()..]);
            }
            _ => {}
        }
        offset += c.len_utf8();
    }
    (s.trim_end(), "")
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    if s.len() >= 2
        && ((s.starts_with('\'') && s.ends_with('\'')) || (s.starts_with('"') && s.ends_with('"')))
    {
        s[1..s.len() - 1].replace("''", "'")
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_split_outside_quotes() {
        assert_eq!(split_comment("'a#b'  # x"), ("'a#b'", "  # x"));
        assert_eq!(split_comment("a"), ("a", ""));
        assert_eq!(split_comment("\"x # y\""), ("\"x # y\"", ""));
        assert_eq!(unquote("'it''s'"), "it's");
    }
}
