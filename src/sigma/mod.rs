//! The Sigma stage: an adapter over the rsigma engine. Consumes Sigma rule YAML (files, folders or
//! text) and CloudTrail records as `serde_json::Value`; produces a [`RuleSet`] whose
//! [`RuleSet::evaluate`] says which rules match an event, plus every load problem as a
//! [`LoadError`]; and, for back ends that translate rules instead of evaluating them (Athena
//! SQL), [`parse_rule`]: one rule's detection as a small engine-neutral AST ([`RuleDetection`]). It must not know polars, clap, printing or any other trailtune stage, and no
//! engine (rsigma) type appears in its public API, so the engine can be swapped here alone.
//!
//! Semantics (pySigma backend conventions for CloudTrail; see `docs/detection.md`): plain string
//! matches are case-insensitive with `*`/`?` wildcards and `\` escapes; dotted names resolve a
//! literal key first, then nested objects, and any element of an array may match; an object
//! value compares as its compact JSON text; `field: null` matches a missing field and JSON null;
//! booleans and numbers match their text; an unresolved `%placeholder%` is a load error.
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | public types, [`RuleSet`], evaluation |
//! | `detection.rs` | one rule's detection as an engine-neutral AST ([`parse_rule`]) |
//! | `load.rs` | files -> documents -> parsed, filtered, expanded, compiled rules |
//! | `event.rs` | the CloudTrail event adapter and [`field_value`] |
//! | `error.rs` | [`LoadError`] and its reasons ([`Problem`]) |

mod detection;
mod error;
mod event;
mod load;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rsigma_eval::Engine;

pub use detection::{
    Condition, FieldMatcher, Modifier, NamePattern, Quantifier, RuleDetection, Selection,
    SelectionPart, SigmaText, TextPart, Value, one_document, parse_rule,
};
pub use error::{LoadError, Problem};
pub use event::field_value;

/// How rules are loaded.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Values for `%name%` placeholders of the `|expand` modifier: name -> values (a value list
    /// means OR). A placeholder missing here is a load error.
    pub vars: BTreeMap<String, Vec<String>>,
    /// Load rules of every logsource, not only AWS CloudTrail ones.
    pub all_logsources: bool,
}

/// What the caller may know about one loaded rule (its metadata, never its detection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    /// `id:` (empty when the rule has none).
    pub id: String,
    /// `title:`.
    pub title: String,
    /// `level:` (`informational` .. `critical`; empty when absent or invalid).
    pub level: String,
    /// `author:` (empty when absent). SigmaHQ's licence (DRL) asks to keep it in match output.
    pub author: String,
    /// `fields:`: the event fields worth showing with a match (resolve with [`field_value`]).
    pub fields: Vec<String>,
    /// The file the rule came from (the `origin` for [`RuleSet::load_str`]).
    pub path: PathBuf,
    /// `date:` as written.
    pub date: Option<String>,
    /// `modified:` as written.
    pub modified: Option<String>,
}

/// The result of loading: the valid rules, every problem, and the rules left out because their
/// logsource is not AWS CloudTrail.
#[derive(Debug)]
pub struct Loaded {
    /// The rules that loaded (meta-filters already applied to them).
    pub rules: RuleSet,
    /// One entry per problem (several per rule when it has several), in reading order.
    pub errors: Vec<LoadError>,
    /// Problems in a rule's metadata (an unknown `level`, a bad `status`, ...): reported, but
    /// the rule is loaded and runs.
    pub warnings: Vec<LoadError>,
    /// `(file, title)` of each rule skipped for its logsource (see [`LoadOptions::all_logsources`]).
    pub skipped_logsource: Vec<(PathBuf, String)>,
}

/// Compiled rules, ready to evaluate events. `Send + Sync`: share one across threads.
pub struct RuleSet {
    /// The engine; its rule list is index-aligned with `infos`.
    engine: Engine,
    infos: Vec<RuleInfo>,
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSet")
            .field("rules", &self.infos)
            .finish_non_exhaustive()
    }
}

impl RuleSet {
    /// Files or folders (recursive, *.yml/*.yaml, sorted => deterministic). Reports EVERY bad
    /// rule, keeps the valid ones.
    pub fn load_paths(paths: &[PathBuf], opts: &LoadOptions) -> Loaded {
        load::load_paths(paths, opts)
    }

    /// One YAML text (may contain several documents). `origin` names it in errors.
    pub fn load_str(text: &str, origin: &Path, opts: &LoadOptions) -> Loaded {
        load::load_texts(&[(text, origin)], opts)
    }

    /// Load several YAML texts into one set, in order; each origin names its text in errors.
    pub fn load_texts(texts: &[(&str, &Path)], opts: &LoadOptions) -> Loaded {
        load::load_texts(texts, opts)
    }

    /// The loaded rules, in loading order; [`RuleSet::evaluate`] returns indices into this.
    pub fn rules(&self) -> &[RuleInfo] {
        &self.infos
    }

    /// How many rules loaded.
    pub fn len(&self) -> usize {
        self.infos.len()
    }

    /// No rule loaded.
    pub fn is_empty(&self) -> bool {
        self.infos.is_empty()
    }

    /// The field names, as written, that evaluating these rules and resolving their `fields:`
    /// can read. A name is looked up as a literal top-level key first, then as a dotted path
    /// (crossing arrays): an event holding, for each name, that key and that path gives the same
    /// matches and the same field values as the whole event. `None` when a rule may read any
    /// key (a keyword search, a field-less matcher, an escaped or wildcard field name): then the
    /// whole event is needed.
    pub fn fields_read(&self) -> Option<BTreeSet<String>> {
        fn add(out: &mut BTreeSet<String>, field: &str) -> Option<()> {
            if field.contains(['\\', '*', '?']) {
                return None;
            }
            field.split(['.', '[']).next().filter(|r| !r.is_empty())?;
            out.insert(field.to_string());
            Some(())
        }
        // A matcher may read other fields of the event: `|fieldref` (compare with another
        // field) and rsigma's own placeholders (resolved from the event).
        fn matcher(out: &mut BTreeSet<String>, m: &rsigma_eval::CompiledMatcher) -> Option<()> {
            use rsigma_eval::CompiledMatcher as M;
            match m {
                M::FieldRef { field, .. } => add(out, field)?,
                M::Expand { .. } => return None,
                M::Not(inner) | M::TimestampPart { inner, .. } => matcher(out, inner)?,
                M::AnyOf(children)
                | M::AllOf(children)
                | M::CaseInsensitiveGroup { children, .. } => {
                    for child in children {
                        matcher(out, child)?;
                    }
                }
                // The other matchers (rsigma 0.23, pinned) test the one value they are given.
                _ => {}
            }
            Some(())
        }
        fn walk(out: &mut BTreeSet<String>, d: &rsigma_eval::CompiledDetection) -> Option<()> {
            use rsigma_eval::CompiledDetection as D;
            match d {
                D::AllOf(items) => {
                    for item in items {
                        add(out, item.field.as_deref()?)?;
                        matcher(out, &item.matcher)?;
                    }
                }
                D::AnyOf(parts) | D::And(parts) => {
                    for part in parts {
                        walk(out, part)?;
                    }
                }
                // The array is kept whole; its members' fields are inside it. The body is walked
                // too, its names taken as top-level keys: more than needed, never less.
                D::ArrayMatch { field, body, .. } => {
                    add(out, field)?;
                    walk(out, body)?;
                }
                D::Keywords(_) | D::Conditional { .. } => return None,
            }
            Some(())
        }
        let mut out = BTreeSet::new();
        for rule in self.engine.rules() {
            for detection in rule.detections.values() {
                walk(&mut out, detection)?;
            }
        }
        for info in &self.infos {
            for field in &info.fields {
                add(&mut out, field)?;
            }
        }
        Some(out)
    }

    /// Indices into [`RuleSet::rules`] of every rule that matches `event`, ascending. Only the
    /// rules the engine's candidate index keeps for this event are evaluated (it never leaves
    /// out a rule that could match; [`RuleSet::evaluate_every_rule`] is the reference).
    pub fn evaluate(&self, event: &serde_json::Value) -> Vec<usize> {
        let view = event::CloudTrailEvent::new(event);
        let mut hits: Vec<usize> = self
            .engine
            .evaluate(&view)
            .iter()
            .filter_map(|result| {
                let index = result.header.custom_attributes.get(load::INDEX_ATTRIBUTE)?;
                usize::try_from(index.as_u64()?).ok()
            })
            .collect();
        hits.sort_unstable();
        hits.dedup();
        hits
    }

    /// [`RuleSet::evaluate`] without the candidate index: every rule evaluated on `event`.
    pub fn evaluate_every_rule(&self, event: &serde_json::Value) -> Vec<usize> {
        let view = event::CloudTrailEvent::new(event);
        let mut selections = Vec::new();
        let mut hits = Vec::new();
        for (index, rule) in self.engine.rules().iter().enumerate() {
            // A condition given as a list is the OR of its entries.
            let matched = rule.conditions.iter().any(|condition| {
                selections.clear();
                rsigma_eval::compiler::eval_condition(
                    condition,
                    &rule.detections,
                    &view,
                    &mut selections,
                )
            });
            if matched {
                hits.push(index);
            }
        }
        hits
    }

    /// Whether rule `index` matches `event` (false for an index out of range).
    pub fn matches(&self, index: usize, event: &serde_json::Value) -> bool {
        let Some(rule) = self.engine.rules().get(index) else {
            return false;
        };
        let view = event::CloudTrailEvent::new(event);
        let mut selections = Vec::new();
        rule.conditions.iter().any(|condition| {
            rsigma_eval::compiler::eval_condition(
                condition,
                &rule.detections,
                &view,
                &mut selections,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const fn assert_send_sync<T: Send + Sync>() {}
    const _: () = assert_send_sync::<RuleSet>();
    const _: () = assert_send_sync::<Loaded>();

    fn load(text: &str) -> Loaded {
        RuleSet::load_str(text, Path::new("test.yml"), &LoadOptions::default())
    }

    const BUCKET_RULE: &str = "title: Versioning\nid: r-1\nlevel: high\nauthor: me\n\
        logsource: {product: aws, service: cloudtrail}\n\
        detection:\n  selection:\n    eventName: PutBucketVersioning\n    requestParameters|contains: Suspended\n  condition: selection\n\
        fields: [eventName, requestParameters.bucketName]\ndate: 2024-01-02\n";

    #[test]
    fn one_rule_set_evaluates_the_same_on_many_threads() {
        // `Send + Sync` is checked at compile time above; this shares one set across threads
        // (as `detect` does with rayon) and checks every thread sees what one thread sees.
        let loaded = load(BUCKET_RULE);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let rules = &loaded.rules;
        let events: Vec<serde_json::Value> = (0..64)
            .map(|i| {
                let state = if i % 3 == 0 { "Suspended" } else { "Enabled" };
                json!({"eventName": "PutBucketVersioning", "requestParameters": {"Status": state}})
            })
            .collect();
        let one: Vec<Vec<usize>> = events.iter().map(|e| rules.evaluate(e)).collect();
        assert_eq!(one.iter().filter(|h| *h == &[0]).count(), 22);
        let many: Vec<Vec<Vec<usize>>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| s.spawn(|| events.iter().map(|e| rules.evaluate(e)).collect()))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for seen in many {
            assert_eq!(seen, one);
        }
    }

    #[test]
    fn loads_metadata_and_evaluates() {
        let loaded = load(BUCKET_RULE);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let rules = &loaded.rules;
        assert_eq!(rules.len(), 1);
        assert!(!rules.is_empty());
        let info = &rules.rules()[0];
        assert_eq!(
            (
                info.id.as_str(),
                info.title.as_str(),
                info.level.as_str(),
                info.author.as_str()
            ),
            ("r-1", "Versioning", "high", "me")
        );
        assert_eq!(info.fields, ["eventName", "requestParameters.bucketName"]);
        assert_eq!(info.date.as_deref(), Some("2024-01-02"));
        assert_eq!(info.modified, None);
        assert_eq!(info.path, Path::new("test.yml"));
        let hit = json!({"eventName": "PutBucketVersioning",
            "requestParameters": {"bucketName": "b", "VersioningConfiguration": {"Status": "Suspended"}}});
        let miss = json!({"eventName": "PutBucketVersioning",
            "requestParameters": {"bucketName": "b", "VersioningConfiguration": {"Status": "Enabled"}}});
        assert_eq!(rules.evaluate(&hit), [0]);
        assert!(rules.matches(0, &hit));
        assert!(rules.evaluate(&miss).is_empty());
        assert!(!rules.matches(7, &hit));
    }

    #[test]
    fn evaluate_returns_ascending_indices() {
        let text = ["a", "b", "c"]
            .map(|t| format!("title: {t}\nlogsource: {{product: aws}}\ndetection:\n  s:\n    eventName|startswith: '{t}'\n  condition: s\n"))
            .join("---\n");
        let loaded = load(&format!(
            "{text}---\ntitle: all\ndetection:\n  s:\n    eventName: '*'\n  condition: s\n"
        ));
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        assert_eq!(loaded.rules.len(), 4);
        assert_eq!(loaded.rules.evaluate(&json!({"eventName": "ccc"})), [2, 3]);
        assert_eq!(loaded.rules.evaluate(&json!({"eventName": "a"})), [0, 3]);
    }

    #[test]
    fn never_panics_on_deep_or_huge_input() {
        let deep_yaml = format!("title: {}{}", "[".repeat(5000), "]".repeat(5000));
        let deep_condition = format!(
            "title: x\ndetection:\n  a:\n    k: v\n  condition: '{}a{}'\n",
            "(".repeat(3000),
            ")".repeat(3000)
        );
        let long_not = format!(
            "title: x\ndetection:\n  a:\n    k: v\n  condition: '{}a'\n",
            "not ".repeat(3000)
        );
        for text in [deep_yaml, deep_condition, long_not] {
            let loaded = load(&text);
            assert!(
                loaded.rules.is_empty() && loaded.errors.len() == 1,
                "{:?}",
                loaded.errors
            );
        }
    }

    #[test]
    fn merge_keys_are_merged_as_pysigma_reads_them() {
        let text = "title: m\nbase: &b\n  eventName: PutBucketVersioning\n\
            detection:\n  s:\n    <<: *b\n    awsRegion: eu-west-1\n  condition: s\n";
        let loaded = load(text);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let hit = json!({"eventName": "PutBucketVersioning", "awsRegion": "eu-west-1"});
        let miss = json!({"eventName": "Other", "awsRegion": "eu-west-1"});
        assert_eq!(loaded.rules.evaluate(&hit), [0]);
        assert!(loaded.rules.evaluate(&miss).is_empty());
    }

    #[test]
    fn nested_values_are_refused_naming_the_selection() {
        for (value, kind) in [
            ("[[a, b]]", "list inside a list"),
            ("{x: 1}", "mapping"),
            ("[a, {x: 1}]", "mapping"),
        ] {
            let text =
                format!("title: n\ndetection:\n  sel:\n    eventName: {value}\n  condition: sel\n");
            let loaded = load(&text);
            assert!(loaded.rules.is_empty());
            let reason = &loaded.errors[0].reason;
            assert!(
                reason.contains("detection.sel") && reason.contains(kind),
                "{reason}"
            );
            let parsed = parse_rule(&text, &LoadOptions::default()).unwrap_err();
            assert!(
                parsed[0].to_string().contains("detection.sel"),
                "{parsed:?}"
            );
        }
    }

    #[test]
    fn a_byte_order_mark_is_accepted() {
        let loaded = load(&format!("\u{feff}{BUCKET_RULE}"));
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        assert_eq!(loaded.rules.len(), 1);
        assert!(parse_rule(&format!("\u{feff}{BUCKET_RULE}"), &LoadOptions::default()).is_ok());
    }

    #[test]
    fn junk_is_refused_with_its_reason_never_a_panic() {
        // Each text, and the start of the one error it must give (after "test.yml: ").
        for (text, reason) in [
            (":::", "invalid rule: Missing required field 'title'"),
            ("[1, 2]", "document 1 is not a YAML mapping"),
            (
                "title: x",
                "x: invalid rule: Missing required field 'detection'",
            ),
            (
                "title: x\ndetection: 5",
                "x: invalid rule: Invalid detection",
            ),
            (
                "detection:\n  condition: s\n",
                "invalid rule: Missing required field 'title'",
            ),
            (
                "title: x\ndetection:\n  s: {a: 1}\n  condition: 'nope and'\n",
                "x: invalid rule: Condition parse error",
            ),
            (
                "title: x\ndetection:\n  s:\n    a|re: '('\n  condition: s\n",
                "x: cannot compile: invalid regex pattern",
            ),
            (
                "title: x\ndetection:\n  s:\n    a|bogus: 1\n  condition: s\n",
                "x: invalid rule: Unknown modifier 'bogus'",
            ),
            (
                "title: x\nlogsource: 3\ndetection:\n  s: {a: 1}\n  condition: s\n",
                "x: invalid rule: Invalid rule: logsource must be a mapping",
            ),
            ("\t- bad: [", "invalid YAML"),
            ("a: &x [*x]", "invalid YAML"),
            (
                "title: [1]\ndetection: {}\n",
                "invalid rule: Missing required field 'title'",
            ),
        ] {
            let loaded = load(text);
            assert!(loaded.rules.is_empty(), "{text:?} loaded a rule");
            assert!(loaded.rules.evaluate(&json!({"a": 1})).is_empty());
            let errors: Vec<String> = loaded.errors.iter().map(|e| e.to_string()).collect();
            assert_eq!(errors.len(), 1, "{text:?}: {errors:?}");
            assert!(
                errors[0].starts_with(&format!("test.yml: {reason}")),
                "{text:?}: {errors:?}"
            );
        }
        // Nothing to load is not an error, and nothing matches.
        for text in ["", "---\n"] {
            let loaded = load(text);
            assert!(
                loaded.rules.is_empty() && loaded.errors.is_empty(),
                "{text:?}"
            );
            assert!(loaded.rules.evaluate(&json!({"a": 1})).is_empty());
        }
    }
}
