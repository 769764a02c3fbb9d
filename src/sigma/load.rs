//! Rule loading. Consumes rule files, folders or YAML text plus [`LoadOptions`]; produces a
//! compiled [`RuleSet`] together with every problem found ([`LoadError`]) and the rules skipped
//! for their logsource. It must not stop at the first bad rule, fill placeholders from events,
//! print, or let an engine type or panic escape.
//!
//! Steps per YAML document: read it with `yaml_serde` (to name the rule in errors and to reject
//! Sigma v1 aggregation syntax with a clear reason), hand it to the engine's parser, filter by
//! logsource, expand `|expand` placeholders from the variables (strictly: an unknown placeholder
//! is an error), then compile. Meta-filters are applied once every file is read, so a filter may
//! live in a different file from the rules it targets.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use rsigma_eval::Engine;
use rsigma_parser::{
    Detection, DetectionItem, FilterRule, FilterRuleTarget, LogSource, Modifier, SigmaCollection,
    SigmaRule, SigmaString, SigmaValue,
};
use serde::Deserialize;
use serde_yaml::Value as Yaml;

use super::error::{LoadError, Problem};
use super::{LoadOptions, Loaded, RuleInfo, RuleSet};

/// Everything read so far, before compilation.
#[derive(Default)]
pub(super) struct Pending {
    rules: Vec<(SigmaRule, PathBuf)>,
    filters: Vec<(FilterRule, PathBuf)>,
    errors: Vec<LoadError>,
    warnings: Vec<LoadError>,
    skipped_logsource: Vec<(PathBuf, String)>,
}

/// Load files and folders: folders recursively (`*.yml` / `*.yaml`, sorted), files as given.
pub(super) fn load_paths(paths: &[PathBuf], opts: &LoadOptions) -> Loaded {
    let mut pending = Pending::default();
    for path in paths {
        for file in rule_files(path, &mut pending.errors) {
            match read_rule_file(&file) {
                Ok(text) => read_text(&text, &file, opts, &mut pending),
                Err(problem) => pending.errors.push(LoadError::new(file, None, &problem)),
            }
        }
    }
    compile(pending)
}

/// A rule file's text, read no further than [`crate::yaml_shape::MAX_RULE_BYTES`].
fn read_rule_file(file: &Path) -> Result<String, Problem> {
    use std::io::Read;
    let max = crate::yaml_shape::MAX_RULE_BYTES;
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(max as u64 + 1).read_to_end(&mut bytes))
        .map_err(|e| Problem::Read(e.to_string()))?;
    if bytes.len() > max {
        let e = crate::yaml_shape::ShapeError::TooLarge {
            bytes: std::fs::metadata(file).map_or(bytes.len(), |m| m.len() as usize),
            max,
        };
        return Err(Problem::Shape(e.to_string()));
    }
    String::from_utf8(bytes).map_err(|e| Problem::Read(e.to_string()))
}

/// Load YAML texts (each one or more documents) into one set; each origin names its text in
/// errors.
pub(super) fn load_texts(texts: &[(&str, &Path)], opts: &LoadOptions) -> Loaded {
    let mut pending = Pending::default();
    for (text, origin) in texts {
        read_text(text, origin, opts, &mut pending);
    }
    compile(pending)
}

/// The rule files under `path`: the file itself, or every `*.yml`/`*.yaml` below a folder in
/// sorted order. Unreadable entries become errors.
fn rule_files(path: &Path, errors: &mut Vec<LoadError>) -> Vec<PathBuf> {
    if !path.is_dir() {
        if !path.exists() {
            errors.push(LoadError::new(
                path,
                None,
                &Problem::Read("no such file or directory".into()),
            ));
            return Vec::new();
        }
        return vec![path.to_path_buf()];
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(path)
        .follow_links(true)
        .sort_by_file_name()
    {
        match entry {
            Ok(entry) if entry.file_type().is_file() && is_yaml(entry.path()) => {
                files.push(entry.into_path());
            }
            Ok(_) => {}
            Err(e) => {
                let at = e.path().unwrap_or(path).to_path_buf();
                errors.push(LoadError::new(at, None, &Problem::Read(e.to_string())));
            }
        }
    }
    files
}

fn is_yaml(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"))
}

/// Read every document of one YAML text into `pending`.
fn read_text(text: &str, origin: &Path, opts: &LoadOptions, pending: &mut Pending) {
    let text = match checked_text(text) {
        Ok(text) => text,
        Err(problem) => {
            pending.errors.push(LoadError::new(origin, None, &problem));
            return;
        }
    };
    let mut docs = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        match Yaml::deserialize(doc) {
            Ok(mut value) => {
                if let Err(problem) = merge_and_check_values(&mut value) {
                    pending
                        .errors
                        .push(LoadError::new(origin, rule_name(&value), &problem));
                    continue;
                }
                docs.push(value);
            }
            Err(e) => {
                // The YAML stream is in an undefined state after an error: stop reading it.
                pending
                    .errors
                    .push(LoadError::new(origin, None, &Problem::Yaml(e.to_string())));
                break;
            }
        }
    }
    // Sigma v1 collections (`action: global` / `repeat` / `reset`) make documents depend on each
    // other: let the parser read the whole text, and name only the file in its errors.
    if docs.iter().any(|d| d.get("action").is_some()) {
        let problems: Vec<Problem> = docs.iter().filter_map(condition_problem).collect();
        if !problems.is_empty() {
            let errors = problems.iter().map(|p| LoadError::new(origin, None, p));
            pending.errors.extend(errors);
            return;
        }
        let collection = guarded(|| rsigma_parser::parse_sigma_yaml(text));
        take_collection(collection, origin, None, opts, pending);
        return;
    }
    for (index, doc) in docs.iter().enumerate() {
        if doc.is_null() {
            continue; // an empty document (a stray `---`)
        }
        let name = rule_name(doc);
        if !doc.is_mapping() {
            pending.errors.push(LoadError::new(
                origin,
                None,
                &Problem::NotAMapping(index + 1),
            ));
            continue;
        }
        if let Some(problem) = condition_problem(doc) {
            pending.errors.push(LoadError::new(origin, name, &problem));
            continue;
        }
        // The parser reads text; one document at a time lets each error name its rule.
        let collection = match serde_yaml::to_string(doc) {
            Ok(one) => guarded(|| rsigma_parser::parse_sigma_yaml(&one)),
            Err(e) => Err(Problem::Yaml(e.to_string())),
        };
        take_collection(collection, origin, name, opts, pending);
    }
}

/// The rule text a YAML parser may see: without a leading byte-order mark, and within the size
/// and nesting limits of [`crate::yaml_shape`] (both parsers take time quadratic in the nesting).
pub(super) fn checked_text(text: &str) -> Result<&str, Problem> {
    let text = crate::yaml_shape::strip_bom(text);
    crate::yaml_shape::check(text).map_err(|e| Problem::Shape(e.to_string()))?;
    Ok(text)
}

/// Apply the document's YAML merge keys (`<<: *base`, as pySigma's YAML loader does), then
/// refuse a detection value the engine would silently never match: a list inside a value list,
/// or a mapping (except under sigma-version 3 array matching, `field[any]:`).
pub(super) fn merge_and_check_values(doc: &mut Yaml) -> Result<(), Problem> {
    doc.apply_merge()
        .map_err(|e| Problem::Merge(e.to_string()))?;
    let Some(detection) = doc.get("detection").and_then(Yaml::as_mapping) else {
        return Ok(());
    };
    let nested = |v: &Yaml| match v {
        Yaml::Sequence(_) => Some("list inside a list"),
        Yaml::Mapping(_) => Some("mapping"),
        _ => None,
    };
    for (name, body) in detection {
        let Some(name) = name.as_str() else { continue };
        if name == "condition" || name == "timeframe" {
            continue;
        }
        let maps: Vec<&serde_yaml::Mapping> = match body {
            Yaml::Mapping(m) => vec![m],
            Yaml::Sequence(items) => {
                if let Some(kind) = items.iter().find_map(|i| match i {
                    Yaml::Sequence(_) => Some("list inside a list"),
                    _ => None,
                }) {
                    return Err(Problem::NestedValue {
                        selection: name.to_string(),
                        field: "the keyword list".to_string(),
                        kind,
                    });
                }
                items.iter().filter_map(Yaml::as_mapping).collect()
            }
            _ => Vec::new(),
        };
        for (field, value) in maps.into_iter().flatten() {
            let field = field.as_str().unwrap_or_default();
            if field.split('|').next().is_some_and(|f| f.ends_with(']')) {
                continue; // `field[any]:` holds a selection of its own
            }
            let kind = match value {
                Yaml::Sequence(items) => items.iter().find_map(nested),
                Yaml::Mapping(_) => Some("mapping"),
                _ => None,
            };
            if let Some(kind) = kind {
                return Err(Problem::NestedValue {
                    selection: name.to_string(),
                    field: format!("{field:?}"),
                    kind,
                });
            }
        }
    }
    Ok(())
}

/// Run engine code, turning a panic into [`Problem::Internal`] and its error into
/// [`Problem::Parse`].
pub(super) fn guarded<T, E: std::fmt::Display>(
    f: impl FnOnce() -> Result<T, E>,
) -> Result<T, Problem> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(Problem::Parse(e.to_string())),
        Err(panic) => Err(Problem::Internal(panic_text(&panic))),
    }
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_string()
    }
}

/// Sort one parsed collection into `pending`: rules (after the logsource filter and placeholder
/// expansion), filters, and one error per correlation and per parser message.
fn take_collection(
    collection: Result<SigmaCollection, Problem>,
    origin: &Path,
    name: Option<String>,
    opts: &LoadOptions,
    pending: &mut Pending,
) {
    let collection = match collection {
        Ok(c) => c,
        Err(problem) => {
            pending.errors.push(LoadError::new(origin, name, &problem));
            return;
        }
    };
    let parsed_something = !collection.is_empty();
    for message in &collection.errors {
        // A message next to a parsed document is a metadata warning: the rule still loads.
        if parsed_something {
            let problem = Problem::Metadata(message.clone());
            pending
                .warnings
                .push(LoadError::new(origin, name.clone(), &problem));
        } else {
            let problem = Problem::Parse(message.clone());
            pending
                .errors
                .push(LoadError::new(origin, name.clone(), &problem));
        }
    }
    for correlation in &collection.correlations {
        let title = Some(correlation.title.clone())
            .filter(|t| !t.is_empty())
            .or(name.clone());
        let problem = Problem::Correlation(correlation.correlation_type.as_str().to_string());
        pending.errors.push(LoadError::new(origin, title, &problem));
    }
    for mut rule in collection.rules {
        let title = display_name(&rule.title, rule.id.as_deref());
        if !opts.all_logsources && !is_cloudtrail(&rule.logsource) {
            pending
                .skipped_logsource
                .push((origin.to_path_buf(), rule.title.clone()));
            continue;
        }
        let problems = expand_placeholders(&mut rule.detection.named, &opts.vars);
        if problems.is_empty() {
            pending.rules.push((rule, origin.to_path_buf()));
        } else {
            pending.errors.extend(
                problems
                    .iter()
                    .map(|p| LoadError::new(origin, title.clone(), p)),
            );
        }
    }
    for mut filter in collection.filters {
        let title = display_name(&filter.title, filter.id.as_deref());
        let problems = expand_placeholders(&mut filter.detection.named, &opts.vars);
        if problems.is_empty() {
            pending.filters.push((filter, origin.to_path_buf()));
        } else {
            pending.errors.extend(
                problems
                    .iter()
                    .map(|p| LoadError::new(origin, title.clone(), p)),
            );
        }
    }
}

/// Compile everything read: rules in reading order, then the meta-filters.
fn compile(pending: Pending) -> Loaded {
    let Pending {
        rules,
        filters,
        mut errors,
        warnings,
        skipped_logsource,
    } = pending;
    let mut engine = Engine::new();
    let mut infos = Vec::new();
    for (rule, path) in rules {
        let title = display_name(&rule.title, rule.id.as_deref());
        // Compile once on its own first, so a failure (or an engine panic) cannot leave the
        // engine's rule list out of step with `infos`.
        let checked = guarded(|| rsigma_eval::compile_rule(&rule)).map_err(as_compile_problem);
        let added = checked.and_then(|_| {
            let before = engine.rule_count();
            let result = guarded(|| engine.add_rule(&rule)).map_err(as_compile_problem);
            if engine.rule_count() == before + 1 {
                Ok(())
            } else {
                result.and(Err(Problem::Internal("rule not added".into())))
            }
        });
        match added {
            Ok(()) => infos.push(rule_info(&rule, path)),
            Err(problem) => errors.push(LoadError::new(path, title, &problem)),
        }
    }
    for (filter, path) in filters {
        let title = display_name(&filter.title, filter.id.as_deref());
        if let FilterRuleTarget::Specific(refs) = &filter.rules {
            let used = infos
                .iter()
                .any(|info| refs.iter().any(|r| *r == info.id || *r == info.title));
            if !used {
                let problem = Problem::FilterUnused(format!("{refs:?}"));
                errors.push(LoadError::new(&path, title.clone(), &problem));
            }
        }
        let count = engine.rule_count();
        if let Err(problem) = guarded(|| engine.apply_filter(&filter)).map_err(as_compile_problem) {
            errors.push(LoadError::new(path, title, &problem));
        }
        debug_assert_eq!(count, engine.rule_count(), "a filter never adds rules");
    }
    if engine.rule_count() != infos.len() {
        // Cannot happen (guarded above); never evaluate with misaligned indices.
        errors.push(LoadError::new(
            PathBuf::new(),
            None,
            &Problem::Internal("engine rule list out of step; no rule loaded".into()),
        ));
        engine = Engine::new();
        infos.clear();
    }
    Loaded {
        rules: RuleSet {
            engine: indexed(&engine),
            infos,
        },
        errors,
        warnings,
        skipped_logsource,
    }
}

/// The custom attribute each compiled rule carries its index in [`RuleSet::rules`] under, so a
/// match the engine reports names its rule whatever the titles and ids.
pub(super) const INDEX_ATTRIBUTE: &str = "trailtune.rule_index";

/// The same rules (filters applied), each tagged with its index, in an engine whose candidate
/// index is built once over all of them: an event is evaluated only against the rules whose
/// necessary conditions it meets (an `eventName`, an `eventSource`, a field present).
fn indexed(engine: &Engine) -> Engine {
    let mut indexed = Engine::new();
    indexed.extend_compiled_rules(engine.rules().iter().enumerate().map(|(index, rule)| {
        let mut rule = rule.clone();
        let mut attributes = (*rule.custom_attributes).clone();
        attributes.insert(INDEX_ATTRIBUTE.to_string(), serde_json::Value::from(index));
        rule.custom_attributes = std::sync::Arc::new(attributes);
        rule
    }));
    indexed
}

fn as_compile_problem(problem: Problem) -> Problem {
    match problem {
        Problem::Parse(message) => Problem::Compile(message),
        other => other,
    }
}

fn rule_info(rule: &SigmaRule, path: PathBuf) -> RuleInfo {
    RuleInfo {
        id: rule.id.clone().unwrap_or_default(),
        title: rule.title.clone(),
        level: rule
            .level
            .map(|l| l.as_str().to_string())
            .unwrap_or_default(),
        author: rule.author.clone().unwrap_or_default(),
        fields: rule.fields.clone(),
        path,
        date: rule.date.clone(),
        modified: rule.modified.clone(),
    }
}

/// Title, else id, else nothing.
fn display_name(title: &str, id: Option<&str>) -> Option<String> {
    if !title.is_empty() {
        Some(title.to_string())
    } else {
        id.map(str::to_string)
    }
}

/// A document's title (else id) read straight from the YAML, for errors before parsing.
fn rule_name(doc: &Yaml) -> Option<String> {
    let text = |key: &str| {
        doc.get(key)
            .and_then(Yaml::as_str)
            .filter(|s| !s.is_empty())
    };
    text("title").or_else(|| text("id")).map(str::to_string)
}

/// Deepest condition nesting accepted (the parser's own limit for parentheses). The parser does
/// not count `not` chains, and a few thousand of them overflow the stack (an abort, not a panic),
/// so we count both before the parser sees the text.
const MAX_CONDITION_DEPTH: usize = 64;

/// A problem in `detection.condition` (or a filter's `filter.condition`) found before parsing:
/// the Sigma v1 pipe syntax (`sel | count() > 5`, `a | near b`) or nesting too deep to parse.
pub(super) fn condition_problem(doc: &Yaml) -> Option<Problem> {
    let condition = ["detection", "filter"]
        .iter()
        .find_map(|section| doc.get(*section)?.get("condition"))?;
    let conditions: Vec<&str> = match condition {
        Yaml::String(s) => vec![s.as_str()],
        Yaml::Sequence(items) => items.iter().filter_map(Yaml::as_str).collect(),
        _ => Vec::new(),
    };
    conditions.into_iter().find_map(|c| {
        if let Some(pipe) = c.find('|') {
            let tail = c[pipe..].trim().to_string();
            return Some(if tail[1..].trim_start().starts_with("near") {
                Problem::DeprecatedNear(tail)
            } else {
                Problem::DeprecatedAggregation(tail)
            });
        }
        let depth = condition_depth(c);
        (depth > MAX_CONDITION_DEPTH).then_some(Problem::ConditionTooDeep {
            depth,
            max: MAX_CONDITION_DEPTH,
        })
    })
}

/// An upper bound of a condition's nesting: deepest parenthesis plus every `not`.
fn condition_depth(condition: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for c in condition.chars() {
        match c {
            '(' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    let nots = condition
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|word| word.eq_ignore_ascii_case("not"))
        .count();
    deepest + nots
}

/// Keep rules meant for CloudTrail: `product: aws` and/or `service: cloudtrail`, or no
/// logsource at all.
fn is_cloudtrail(ls: &LogSource) -> bool {
    let eq =
        |v: &Option<String>, want: &str| v.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(want));
    let empty = ls.product.is_none()
        && ls.service.is_none()
        && ls.category.is_none()
        && ls.definition.is_none()
        && ls.custom.is_empty();
    empty || eq(&ls.product, "aws") || eq(&ls.service, "cloudtrail")
}

// ---------------------------------------------------------------------------------------------
// Placeholders (`|expand`)
// ---------------------------------------------------------------------------------------------

/// Expand every `|expand` value in these detections from `vars` and drop the modifier, so the
/// engine sees ordinary values (wildcards in a variable's value work). Returns one problem per
/// unresolved or empty placeholder; the detections are then unusable.
pub(super) fn expand_placeholders(
    named: &mut std::collections::HashMap<String, Detection>,
    vars: &BTreeMap<String, Vec<String>>,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    // Sorted names so the problems come out in a stable order.
    let mut keys: Vec<String> = named.keys().cloned().collect();
    keys.sort();
    for key in keys {
        if let Some(detection) = named.get_mut(&key) {
            expand_detection(detection, vars, &mut problems);
        }
    }
    problems.dedup_by(|a, b| a.to_string() == b.to_string());
    problems
}

fn expand_detection(
    detection: &mut Detection,
    vars: &BTreeMap<String, Vec<String>>,
    problems: &mut Vec<Problem>,
) {
    match detection {
        Detection::AllOf(items) => items
            .iter_mut()
            .for_each(|item| expand_item(item, vars, problems)),
        Detection::AnyOf(subs) | Detection::And(subs) => subs
            .iter_mut()
            .for_each(|d| expand_detection(d, vars, problems)),
        Detection::ArrayMatch { body, .. } => expand_detection(body, vars, problems),
        Detection::Conditional { named, .. } => {
            problems.extend(expand_placeholders(named, vars));
        }
        Detection::Keywords(_) => {} // `|expand` needs a field
    }
}

fn expand_item(
    item: &mut DetectionItem,
    vars: &BTreeMap<String, Vec<String>>,
    problems: &mut Vec<Problem>,
) {
    if !item.field.has_modifier(Modifier::Expand) {
        return;
    }
    let field = item.field.name.clone().unwrap_or_default();
    let raw = item.field.has_modifier(Modifier::Re);
    let mut values = Vec::with_capacity(item.values.len());
    let mut too_many: Option<u128> = None;
    for value in item.values.drain(..) {
        if too_many.is_some() {
            continue;
        }
        let SigmaValue::String(text) = value else {
            values.push(value);
            continue;
        };
        match expand_text(&text.original, vars) {
            Ok(texts) if values.len() + texts.len() > MAX_EXPANSIONS => {
                too_many = Some(values.len() as u128 + texts.len() as u128);
            }
            Err(Missing::TooMany { count }) => too_many = Some(count),
            Ok(texts) => values.extend(texts.iter().map(|t| {
                SigmaValue::String(if raw {
                    SigmaString::from_raw(t)
                } else {
                    SigmaString::new(t)
                })
            })),
            Err(Missing::Placeholder { name, empty }) => problems.push(if empty {
                Problem::EmptyPlaceholder {
                    field: field.clone(),
                    name,
                }
            } else {
                Problem::UnresolvedPlaceholder {
                    field: field.clone(),
                    name,
                }
            }),
        }
    }
    if let Some(count) = too_many {
        let count = if count >= u64::MAX as u128 {
            "more than 18446744073709551615".to_string()
        } else {
            count.to_string()
        };
        problems.push(Problem::TooManyExpansions {
            field,
            count,
            limit: MAX_EXPANSIONS,
        });
        values.clear();
    }
    item.values = values;
    item.field.modifiers.retain(|m| *m != Modifier::Expand);
}

/// The most values one `|expand` value may expand to (per value, and per field with all its
/// values together): every combination is a value the engine tests on each event, and ten
/// placeholders of ten values each would be ten billion of them.
pub(super) const MAX_EXPANSIONS: usize = 10_000;

/// Why a value could not be expanded: a placeholder with no variable (`empty: false`) or with an
/// empty value list, or more combinations than [`MAX_EXPANSIONS`] (`count`, saturating).
#[derive(Debug, PartialEq)]
enum Missing {
    Placeholder { name: String, empty: bool },
    TooMany { count: u128 },
}

/// Expand the `%name%` placeholders of one rule value into every combination of the variables'
/// values. `\%` is a literal `%`; other escapes are kept for the Sigma string parser. A `%` with
/// no closing `%`, or enclosing whitespace or nothing, is literal.
fn expand_text(text: &str, vars: &BTreeMap<String, Vec<String>>) -> Result<Vec<String>, Missing> {
    let mut results = vec![String::new()];
    let push = |results: &mut Vec<String>, s: &str| results.iter_mut().for_each(|r| r.push_str(s));
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '\\' {
            let next = rest[1..].chars().next();
            match next {
                Some('%') => push(&mut results, "%"),
                Some(n) => push(&mut results, &rest[..1 + n.len_utf8()]),
                None => push(&mut results, "\\"),
            }
            rest = &rest[1 + next.map_or(0, char::len_utf8)..];
            continue;
        }
        if c == '%'
            && let Some(end) = rest[1..].find('%')
        {
            let name = &rest[1..1 + end];
            if !name.is_empty() && !name.chars().any(char::is_whitespace) {
                let values = vars.get(name).ok_or_else(|| Missing::Placeholder {
                    name: name.into(),
                    empty: false,
                })?;
                if values.is_empty() {
                    return Err(Missing::Placeholder {
                        name: name.into(),
                        empty: true,
                    });
                }
                // Count before building: the combinations multiply.
                let count = results.len() as u128 * values.len() as u128;
                if count > MAX_EXPANSIONS as u128 {
                    return Err(Missing::TooMany {
                        count: count_all(count, &rest[end + 2..], vars),
                    });
                }
                results = results
                    .iter()
                    .flat_map(|prefix| values.iter().map(move |v| format!("{prefix}{v}")))
                    .collect();
                rest = &rest[end + 2..];
                continue;
            }
        }
        push(&mut results, &rest[..c.len_utf8()]);
        rest = &rest[c.len_utf8()..];
    }
    Ok(results)
}

/// How many combinations `text` would give in all, `count` so far times each placeholder left
/// (saturating), for the message.
fn count_all(mut count: u128, mut rest: &str, vars: &BTreeMap<String, Vec<String>>) -> u128 {
    while let Some(start) = rest.find('%') {
        let Some(end) = rest[start + 1..].find('%') else {
            break;
        };
        let name = &rest[start + 1..start + 1 + end];
        match vars.get(name) {
            Some(values) if !name.chars().any(char::is_whitespace) => {
                count = count.saturating_mul(values.len().max(1) as u128);
                rest = &rest[start + end + 2..];
            }
            _ => rest = &rest[start + 1..],
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    #[test]
    fn expand_text_substitutes_and_multiplies() {
        let v = vars(&[("a", &["1", "2"]), ("b", &["x"])]);
        assert_eq!(
            expand_text("pre-%a%-%b%", &v),
            Ok(vec!["pre-1-x".to_string(), "pre-2-x".into()])
        );
        assert_eq!(expand_text("%a%%a%", &v).map(|r| r.len()), Ok(4));
        assert_eq!(
            expand_text("no placeholder", &v),
            Ok(vec!["no placeholder".to_string()])
        );
    }

    #[test]
    fn expand_text_literal_percent_forms() {
        let v = vars(&[]);
        assert_eq!(expand_text(r"100\%", &v), Ok(vec!["100%".to_string()]));
        assert_eq!(
            expand_text("50% of 60%", &v),
            Ok(vec!["50% of 60%".to_string()])
        );
        assert_eq!(expand_text("%%", &v), Ok(vec!["%%".to_string()]));
        assert_eq!(expand_text(r"a\*b\\", &v), Ok(vec![r"a\*b\\".to_string()]));
        assert_eq!(
            expand_text("trailing\\", &v),
            Ok(vec!["trailing\\".to_string()])
        );
        assert_eq!(expand_text("é%", &v), Ok(vec!["é%".to_string()]));
    }

    #[test]
    fn expand_text_reports_missing_and_empty() {
        let v = vars(&[("e", &[])]);
        assert_eq!(
            expand_text("%nope%", &v),
            Err(Missing::Placeholder {
                name: "nope".into(),
                empty: false
            })
        );
        assert_eq!(
            expand_text("%e%", &v),
            Err(Missing::Placeholder {
                name: "e".into(),
                empty: true
            })
        );
    }

    #[test]
    fn expand_text_counts_combinations_before_building_them() {
        let ten: Vec<String> = (0..10).map(|i| i.to_string()).collect();
        let v: BTreeMap<String, Vec<String>> = [("a".to_string(), ten)].into();
        assert_eq!(expand_text("%a%%a%%a%%a%", &v).map(|r| r.len()), Ok(10_000));
        assert_eq!(
            expand_text(&"%a%".repeat(10), &v),
            Err(Missing::TooMany {
                count: 10_000_000_000
            })
        );
    }

    #[test]
    fn condition_problem_forms() {
        let doc = |c: &str| -> Yaml {
            serde_yaml::from_str(&format!("detection:\n  condition: '{c}'\n")).unwrap()
        };
        assert!(
            matches!(condition_problem(&doc("sel | count() > 5")), Some(Problem::DeprecatedAggregation(t)) if t == "| count() > 5")
        );
        assert!(
            matches!(condition_problem(&doc("a | near b")), Some(Problem::DeprecatedNear(t)) if t == "| near b")
        );
        assert!(condition_problem(&doc("a and not b")).is_none());
        let nots = format!("{}a", "not ".repeat(65));
        assert!(matches!(
            condition_problem(&doc(&nots)),
            Some(Problem::ConditionTooDeep { depth: 65, max: 64 })
        ));
        let parens = format!("{}a{}", "(".repeat(40), ")".repeat(40));
        assert!(condition_problem(&doc(&format!("not {parens} and not b"))).is_none());
        assert_eq!(condition_depth("not (a and (not b)) or c"), 4);
    }

    #[test]
    fn logsource_filter() {
        let ls = |p: Option<&str>, s: Option<&str>| LogSource {
            product: p.map(Into::into),
            service: s.map(Into::into),
            ..LogSource::default()
        };
        assert!(is_cloudtrail(&ls(Some("aws"), Some("cloudtrail"))));
        assert!(is_cloudtrail(&ls(Some("AWS"), None)));
        assert!(is_cloudtrail(&ls(None, Some("cloudtrail"))));
        assert!(is_cloudtrail(&LogSource::default()));
        assert!(!is_cloudtrail(&ls(Some("windows"), Some("security"))));
        assert!(!is_cloudtrail(&LogSource {
            category: Some("process_creation".into()),
            ..LogSource::default()
        }));
    }
}
