//! The parsed form of one rule's detection, engine-neutral. Consumes the text of one Sigma rule
//! (a single YAML document) and [`LoadOptions`]; produces a [`RuleDetection`]: the rule's named
//! selections in the order the rule writes them and its conditions, as a small closed AST that
//! other back ends (the Athena SQL generator) translate. It must not evaluate anything, and no
//! engine (rsigma) type may appear in it: the conversion from the engine's AST happens here.
//!
//! The text goes through exactly the checks [`RuleSet::load_str`](super::RuleSet::load_str)
//! applies (YAML depth, condition depth, Sigma v1 `| count()` / `| near`, unresolved `|expand`
//! placeholders, the engine's parser and its compiler), so a rule that parses here is a rule
//! `trailtune detect` evaluates, and with the same meaning:
//!
//! - a [`Selection`] is the OR of its [`SelectionPart`]s (a YAML list of maps); a
//!   [`SelectionPart::Fields`] is the AND of its [`FieldMatcher`]s (one YAML map); the values of
//!   one matcher are OR-ed, unless [`Modifier::All`] is present (then AND-ed);
//! - a [`SelectionPart::Keywords`] is a list of field-less values (keyword search, OR-ed);
//! - string values keep their wildcards ([`TextPart`]); with [`Modifier::Re`] the value is the
//!   raw regular expression (one literal part, no wildcard interpretation);
//! - `|expand` placeholders are already filled from [`LoadOptions::vars`], and the modifier is
//!   gone: the values are what the engine compares.
//!
//! Not covered (a [`Problem::NotExpressible`]): the array-matching blocks of `sigma-version: 3`
//! (`field[any]:`), which have no counterpart in this form.

use rsigma_parser::{
    ConditionExpr, Detection as EngineDetection, DetectionItem, Modifier as EngineModifier,
    Quantifier as EngineQuantifier, SelectorPattern, SigmaValue, SpecialChar, StringPart,
};
use serde::Deserialize;
use serde_yaml::Value as Yaml;

use super::LoadOptions;
use super::error::Problem;
use super::load::{
    checked_text, condition_problem, expand_placeholders, guarded, merge_and_check_values,
};

/// One rule's detection, as the engine parsed it.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleDetection {
    /// `title:`.
    pub title: String,
    /// `id:`, when present.
    pub id: Option<String>,
    /// `fields:`: the event fields worth showing with a match.
    pub fields: Vec<String>,
    /// The named selections, in the order the rule writes them.
    pub selections: Vec<Selection>,
    /// The conditions; a rule matches when any of them is true (a `condition:` list is an OR).
    pub conditions: Vec<Condition>,
    /// The conditions as written, index-aligned with [`RuleDetection::conditions`].
    pub condition_text: Vec<String>,
    /// `timeframe:` as written (a Sigma v1 aggregation window), when present.
    pub timeframe: Option<String>,
}

impl RuleDetection {
    /// The selection named `name`.
    pub fn selection(&self, name: &str) -> Option<&Selection> {
        self.selections.iter().find(|s| s.name == name)
    }
}

/// A named selection: true when any of its parts is.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// The name the condition refers to.
    pub name: String,
    /// The alternatives (OR). One part for a plain map; one per item for a list of maps.
    pub any_of: Vec<SelectionPart>,
}

/// One alternative of a [`Selection`].
#[derive(Debug, Clone, PartialEq)]
pub enum SelectionPart {
    /// A YAML map: every matcher must match (AND).
    Fields(Vec<FieldMatcher>),
    /// A list of plain values without a field: keyword search over the whole event (OR).
    Keywords(Vec<Value>),
}

/// `field|modifier|...: value(s)`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldMatcher {
    /// The field name as written (`userIdentity.arn`); `None` for a field-less key (`|contains`).
    pub field: Option<String>,
    /// The modifiers, in the order written.
    pub modifiers: Vec<Modifier>,
    /// The values: any one must match, or every one with [`Modifier::All`].
    pub values: Vec<Value>,
}

impl FieldMatcher {
    /// Whether `modifier` is present.
    pub fn has(&self, modifier: Modifier) -> bool {
        self.modifiers.contains(&modifier)
    }

    /// The key as written in the rule (`eventName|startswith`), for messages.
    pub fn key(&self) -> String {
        let mut key = self.field.clone().unwrap_or_default();
        for m in &self.modifiers {
            key.push('|');
            key.push_str(m.as_str());
        }
        key
    }
}

/// The Sigma value modifiers (every one the engine knows; `|expand` never reaches this form).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Modifier {
    Contains,
    StartsWith,
    EndsWith,
    All,
    Base64,
    Base64Offset,
    /// `|wide`, also spelled `|utf16le`.
    Wide,
    Utf16Be,
    Utf16,
    Windash,
    Re,
    Cidr,
    Cased,
    Exists,
    Expand,
    FieldRef,
    Gt,
    Gte,
    Lt,
    Lte,
    Neq,
    /// `|i`: case-insensitive regular expression.
    IgnoreCase,
    /// `|m`: `^` and `$` match at line ends.
    Multiline,
    /// `|s`: `.` matches a newline.
    DotAll,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

impl Modifier {
    /// The modifier as a rule writes it (`startswith`, `re`, `i`).
    pub fn as_str(self) -> &'static str {
        match self {
            Modifier::Contains => "contains",
            Modifier::StartsWith => "startswith",
            Modifier::EndsWith => "endswith",
            Modifier::All => "all",
            Modifier::Base64 => "base64",
            Modifier::Base64Offset => "base64offset",
            Modifier::Wide => "wide",
            Modifier::Utf16Be => "utf16be",
            Modifier::Utf16 => "utf16",
            Modifier::Windash => "windash",
            Modifier::Re => "re",
            Modifier::Cidr => "cidr",
            Modifier::Cased => "cased",
            Modifier::Exists => "exists",
            Modifier::Expand => "expand",
            Modifier::FieldRef => "fieldref",
            Modifier::Gt => "gt",
            Modifier::Gte => "gte",
            Modifier::Lt => "lt",
            Modifier::Lte => "lte",
            Modifier::Neq => "neq",
            Modifier::IgnoreCase => "i",
            Modifier::Multiline => "m",
            Modifier::DotAll => "s",
            Modifier::Minute => "minute",
            Modifier::Hour => "hour",
            Modifier::Day => "day",
            Modifier::Week => "week",
            Modifier::Month => "month",
            Modifier::Year => "year",
        }
    }
}

/// A value of a [`FieldMatcher`] or a keyword list.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string: literal text with Sigma wildcards (raw text under `|re`).
    Text(SigmaText),
    /// An integer (compared as a number, or as its decimal text by the string modifiers).
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// `true` / `false`.
    Bool(bool),
    /// `null`: the field is missing or JSON null.
    Null,
}

/// A Sigma string: `original` as written, `parts` with the escapes (`\*`, `\?`, `\\`) resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigmaText {
    /// The value as written in the rule.
    pub original: String,
    /// Literal runs and wildcards, in order.
    pub parts: Vec<TextPart>,
}

/// A piece of a [`SigmaText`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextPart {
    /// Literal characters.
    Literal(String),
    /// `*`: any run of characters (also none).
    AnyRun,
    /// `?`: exactly one character.
    AnyChar,
}

/// A parsed `condition`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// A selection by name.
    Selection(String),
    /// `1 of x*`, `all of them`, `2 of sel_*`: a quantifier over the selections a pattern names.
    Of {
        quantifier: Quantifier,
        pattern: NamePattern,
    },
    /// `not x`.
    Not(Box<Condition>),
    /// `x and y and ...`.
    And(Vec<Condition>),
    /// `x or y or ...`.
    Or(Vec<Condition>),
}

/// How many of the named selections must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantifier {
    /// `1 of` / `any of`.
    Any,
    /// `all of`.
    All,
    /// `N of`: at least N.
    AtLeast(u64),
}

/// The selections an `of` expression ranges over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamePattern {
    /// `them`: every selection whose name does not start with `_`.
    Them,
    /// A name with at most one `*` (`selection_*`, `*_main`, `sel*main`, or an exact name).
    Glob(String),
}

impl NamePattern {
    /// Whether the selection `name` is in the range, with the engine's rules.
    pub fn matches(&self, name: &str) -> bool {
        match self {
            NamePattern::Them => !name.starts_with('_'),
            NamePattern::Glob(glob) => rsigma_parser::detection_name_matches(glob, name),
        }
    }

    /// The pattern as written (`them`, `sel_*`).
    pub fn as_str(&self) -> &str {
        match self {
            NamePattern::Them => "them",
            NamePattern::Glob(glob) => glob,
        }
    }
}

/// The one YAML document of a text that must hold exactly one rule (`tune`, `athena`), after the
/// checks every rule text passes (byte-order mark dropped, size and depth bounded). Empty
/// documents (a stray `---`) do not count.
pub fn one_document(text: &str) -> Result<Yaml, Problem> {
    let text = checked_text(text)?;
    let mut docs = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        match Yaml::deserialize(doc) {
            Ok(value) if value.is_null() => {}
            Ok(value) => docs.push(value),
            Err(e) => return Err(Problem::Yaml(e.to_string())),
        }
    }
    match docs.len() {
        1 => Ok(docs.remove(0)),
        n => Err(Problem::NotOneRule(format!("{n} YAML documents"))),
    }
}

/// Parse one rule (a single YAML document) into its [`RuleDetection`], with the checks of
/// [`RuleSet::load_str`](super::RuleSet::load_str). Every problem found is returned (at least
/// one on error). The rule's logsource is not checked ([`LoadOptions::all_logsources`] is
/// ignored): the caller chose this rule.
pub fn parse_rule(text: &str, opts: &LoadOptions) -> Result<RuleDetection, Vec<Problem>> {
    let mut doc = one_document(text).map_err(|p| vec![p])?;
    if !doc.is_mapping() {
        return Err(vec![Problem::NotAMapping(1)]);
    }
    merge_and_check_values(&mut doc).map_err(|p| vec![p])?;
    if let Some(problem) = condition_problem(&doc) {
        return Err(vec![problem]);
    }
    let one = serde_yaml::to_string(&doc).map_err(|e| vec![Problem::Yaml(e.to_string())])?;
    let collection = guarded(|| rsigma_parser::parse_sigma_yaml(&one)).map_err(|p| vec![p])?;
    let mut problems: Vec<Problem> = Vec::new();
    if collection.is_empty() {
        problems.extend(collection.errors.iter().cloned().map(Problem::Parse));
    }
    for correlation in &collection.correlations {
        let kind = correlation.correlation_type.as_str().to_string();
        problems.push(Problem::Correlation(kind));
    }
    if !collection.filters.is_empty() {
        problems.push(Problem::NotOneRule("a meta-filter".into()));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut rules = collection.rules;
    let Some(mut rule) = rules.pop().filter(|_| rules.is_empty()) else {
        return Err(vec![Problem::NotOneRule(format!(
            "{} rules",
            rules.len() + 1
        ))]);
    };
    let problems = expand_placeholders(&mut rule.detection.named, &opts.vars);
    if !problems.is_empty() {
        return Err(problems);
    }
    guarded(|| rsigma_eval::compile_rule(&rule)).map_err(|p| match p {
        Problem::Parse(message) => vec![Problem::Compile(message)],
        other => vec![other],
    })?;

    let order = selection_order(&doc);
    let mut named: Vec<(String, EngineDetection)> = rule.detection.named.into_iter().collect();
    named.sort_by_key(|(name, _)| {
        (
            order.iter().position(|o| o == name).unwrap_or(usize::MAX),
            name.clone(),
        )
    });
    let selections = named
        .into_iter()
        .map(|(name, detection)| {
            let mut any_of = Vec::new();
            convert_detection(&name, detection, &mut any_of)?;
            Ok(Selection { name, any_of })
        })
        .collect::<Result<Vec<_>, Problem>>()
        .map_err(|p| vec![p])?;
    let conditions = rule
        .detection
        .conditions
        .iter()
        .map(convert_condition)
        .collect();
    Ok(RuleDetection {
        title: rule.title,
        id: rule.id,
        fields: rule.fields,
        selections,
        conditions,
        condition_text: rule.detection.condition_strings,
        timeframe: rule.detection.timeframe,
    })
}

/// The selection names in the order the rule writes them (the engine keeps them in a hash map).
fn selection_order(doc: &Yaml) -> Vec<String> {
    doc.get("detection")
        .and_then(Yaml::as_mapping)
        .map(|m| {
            m.keys()
                .filter_map(Yaml::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Flatten one engine detection into OR-ed parts (a list inside a list is still an OR).
fn convert_detection(
    name: &str,
    detection: EngineDetection,
    out: &mut Vec<SelectionPart>,
) -> Result<(), Problem> {
    match detection {
        EngineDetection::AllOf(items) => {
            out.push(SelectionPart::Fields(
                items.into_iter().map(convert_item).collect(),
            ));
        }
        EngineDetection::AnyOf(subs) => {
            for sub in subs {
                convert_detection(name, sub, out)?;
            }
        }
        EngineDetection::Keywords(values) => {
            out.push(SelectionPart::Keywords(
                values.iter().map(convert_value).collect(),
            ));
        }
        EngineDetection::ArrayMatch { .. }
        | EngineDetection::And(_)
        | EngineDetection::Conditional { .. } => {
            return Err(Problem::NotExpressible(format!(
                "selection '{name}' uses an array-matching block (field[any] / field[all])"
            )));
        }
    }
    Ok(())
}

fn convert_item(item: DetectionItem) -> FieldMatcher {
    FieldMatcher {
        field: item
            .field
            .name
            .as_deref()
            .map(|f| rsigma_parser::fieldpath::unescape_brackets(f).into_owned()),
        modifiers: item
            .field
            .modifiers
            .iter()
            .map(|m| convert_modifier(*m))
            .collect(),
        values: item.values.iter().map(convert_value).collect(),
    }
}

fn convert_modifier(m: EngineModifier) -> Modifier {
    match m {
        EngineModifier::Contains => Modifier::Contains,
        EngineModifier::StartsWith => Modifier::StartsWith,
        EngineModifier::EndsWith => Modifier::EndsWith,
        EngineModifier::All => Modifier::All,
        EngineModifier::Base64 => Modifier::Base64,
        EngineModifier::Base64Offset => Modifier::Base64Offset,
        EngineModifier::Wide => Modifier::Wide,
        EngineModifier::Utf16be => Modifier::Utf16Be,
        EngineModifier::Utf16 => Modifier::Utf16,
        EngineModifier::WindAsh => Modifier::Windash,
        EngineModifier::Re => Modifier::Re,
        EngineModifier::Cidr => Modifier::Cidr,
        EngineModifier::Cased => Modifier::Cased,
        EngineModifier::Exists => Modifier::Exists,
        EngineModifier::Expand => Modifier::Expand,
        EngineModifier::FieldRef => Modifier::FieldRef,
        EngineModifier::Gt => Modifier::Gt,
        EngineModifier::Gte => Modifier::Gte,
        EngineModifier::Lt => Modifier::Lt,
        EngineModifier::Lte => Modifier::Lte,
        EngineModifier::Neq => Modifier::Neq,
        EngineModifier::IgnoreCase => Modifier::IgnoreCase,
        EngineModifier::Multiline => Modifier::Multiline,
        EngineModifier::DotAll => Modifier::DotAll,
        EngineModifier::Minute => Modifier::Minute,
        EngineModifier::Hour => Modifier::Hour,
        EngineModifier::Day => Modifier::Day,
        EngineModifier::Week => Modifier::Week,
        EngineModifier::Month => Modifier::Month,
        EngineModifier::Year => Modifier::Year,
    }
}

fn convert_value(value: &SigmaValue) -> Value {
    match value {
        SigmaValue::String(s) => Value::Text(SigmaText {
            original: s.original.clone(),
            parts: s
                .parts
                .iter()
                .map(|p| match p {
                    StringPart::Plain(text) => TextPart::Literal(text.clone()),
                    StringPart::Special(SpecialChar::WildcardMulti) => TextPart::AnyRun,
                    StringPart::Special(SpecialChar::WildcardSingle) => TextPart::AnyChar,
                })
                .collect(),
        }),
        SigmaValue::Integer(n) => Value::Int(*n),
        SigmaValue::Float(f) => Value::Float(*f),
        SigmaValue::Bool(b) => Value::Bool(*b),
        SigmaValue::Null => Value::Null,
    }
}

/// Recursion is bounded: [`condition_problem`] refused conditions nested deeper than its limit.
fn convert_condition(expr: &ConditionExpr) -> Condition {
    match expr {
        ConditionExpr::Identifier(name) => Condition::Selection(name.clone()),
        ConditionExpr::Not(inner) => Condition::Not(Box::new(convert_condition(inner))),
        ConditionExpr::And(items) => Condition::And(items.iter().map(convert_condition).collect()),
        ConditionExpr::Or(items) => Condition::Or(items.iter().map(convert_condition).collect()),
        ConditionExpr::Selector {
            quantifier,
            pattern,
        } => Condition::Of {
            quantifier: match quantifier {
                EngineQuantifier::Any => Quantifier::Any,
                EngineQuantifier::All => Quantifier::All,
                EngineQuantifier::Count(n) => Quantifier::AtLeast(*n),
            },
            pattern: match pattern {
                SelectorPattern::Them => NamePattern::Them,
                SelectorPattern::Pattern(p) => NamePattern::Glob(p.clone()),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn by_name(rule: &RuleDetection) -> HashMap<&str, &Selection> {
        rule.selections
            .iter()
            .map(|s| (s.name.as_str(), s))
            .collect()
    }

    fn parse(text: &str) -> Result<RuleDetection, Vec<Problem>> {
        parse_rule(text, &LoadOptions::default())
    }

    #[test]
    fn selections_keep_the_rule_order_and_shape() {
        let rule = parse(
            "title: t\nid: i\nfields: [eventName]\ndetection:\n  zeta:\n    eventName|startswith: [Get, 'List*']\n  \
             alpha:\n    - errorCode: null\n    - userAgent|re|i: '^aws-cli/'\n  kw: [evil, 5]\n  \
             condition: (zeta or alpha) and not 1 of k* and 2 of them\n",
        )
        .unwrap();
        assert_eq!(rule.title, "t");
        assert_eq!(rule.id.as_deref(), Some("i"));
        assert_eq!(rule.fields, ["eventName"]);
        let names: Vec<&str> = rule.selections.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["zeta", "alpha", "kw"]);
        let zeta = &by_name(&rule)["zeta"].any_of;
        let SelectionPart::Fields(items) = &zeta[0] else {
            panic!("{zeta:?}")
        };
        assert_eq!(items[0].key(), "eventName|startswith");
        assert_eq!(
            items[0].values[1],
            Value::Text(SigmaText {
                original: "List*".into(),
                parts: vec![TextPart::Literal("List".into()), TextPart::AnyRun]
            })
        );
        let alpha = &rule.selection("alpha").unwrap().any_of;
        assert_eq!(alpha.len(), 2);
        let SelectionPart::Fields(re) = &alpha[1] else {
            panic!()
        };
        assert_eq!(re[0].modifiers, [Modifier::Re, Modifier::IgnoreCase]);
        assert_eq!(
            re[0].values,
            [Value::Text(SigmaText {
                original: "^aws-cli/".into(),
                parts: vec![TextPart::Literal("^aws-cli/".into())]
            })]
        );
        assert_eq!(
            rule.selection("kw").unwrap().any_of,
            [SelectionPart::Keywords(vec![
                Value::Text(SigmaText {
                    original: "evil".into(),
                    parts: vec![TextPart::Literal("evil".into())]
                }),
                Value::Int(5)
            ])]
        );
        let sel = |n: &str| Condition::Selection(n.into());
        assert_eq!(
            rule.conditions,
            [Condition::And(vec![
                Condition::Or(vec![sel("zeta"), sel("alpha")]),
                Condition::Not(Box::new(Condition::Of {
                    quantifier: Quantifier::Any,
                    pattern: NamePattern::Glob("k*".into())
                })),
                Condition::Of {
                    quantifier: Quantifier::AtLeast(2),
                    pattern: NamePattern::Them
                },
            ])]
        );
    }

    #[test]
    fn load_problems_apply() {
        let deep = format!(
            "title: x\ndetection:\n  a: {{k: v}}\n  condition: '{}a'\n",
            "not ".repeat(100)
        );
        for (text, want) in [
            (deep.as_str(), "nested"),
            (
                "title: x\ndetection:\n  a: {k: v}\n  condition: a | count() > 5\n",
                "deprecated aggregation",
            ),
            (
                "title: x\ndetection:\n  a:\n    k|expand: '%nope%'\n  condition: a\n",
                "unresolved placeholder %nope%",
            ),
            (
                "title: x\ndetection:\n  a:\n    k|re: '('\n  condition: a\n",
                "cannot compile",
            ),
            (
                "title: x\ndetection:\n  a: {k: v}\n  condition: a\n---\ntitle: y\ndetection:\n  a: {k: v}\n  condition: a\n",
                "2 YAML documents",
            ),
            ("[1, 2]", "not a YAML mapping"),
        ] {
            let problems = parse(text).unwrap_err();
            let text = problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ");
            assert!(text.contains(want), "{want}: {text}");
        }
    }

    #[test]
    fn expand_is_filled_from_the_variables() {
        let mut opts = LoadOptions::default();
        opts.vars
            .insert("admins".into(), vec!["a".into(), "b".into()]);
        let rule = parse_rule(
            "title: x\ndetection:\n  s:\n    userName|expand: '%admins%'\n  condition: s\n",
            &opts,
        )
        .unwrap();
        let SelectionPart::Fields(items) = &rule.selections[0].any_of[0] else {
            panic!()
        };
        assert!(items[0].modifiers.is_empty());
        assert_eq!(items[0].values.len(), 2);
    }

    #[test]
    fn name_patterns() {
        assert!(NamePattern::Them.matches("sel"));
        assert!(!NamePattern::Them.matches("_helper"));
        assert!(NamePattern::Glob("sel_*".into()).matches("sel_a"));
        assert!(!NamePattern::Glob("sel_*".into()).matches("filter"));
    }
}
