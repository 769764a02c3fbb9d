//! The detection query. Consumes the text of one Sigma rule, parsed by
//! [`sigma::parse_rule`] (the front end `trailtune detect` uses, with
//! the same load checks), and a table name; produces Athena (Trino) SQL selecting the events the
//! rule's detection matches. Maps are AND, lists are OR, wildcards become `LIKE`, comparisons are
//! case-insensitive unless `|cased`, `|re` becomes `regexp_like` and `|fieldref` a comparison of
//! two columns. It must not guess: a rule feature SQL cannot express faithfully is an
//! [`AthenaError::Unsupported`] naming the modifier and the selection. Recursion over the
//! condition is bounded by the depth limit `sigma` enforces before parsing.

use std::fmt::Write as _;

use super::{AthenaError, is_plain_identifier, partition_filter, quote_literal, quote_table};
use crate::sigma::{
    self, Condition, FieldMatcher, LoadOptions, Modifier, Quantifier, RuleDetection, Selection,
    SelectionPart, TextPart, Value,
};

/// The detection query for a Sigma rule: its `fields` (plus `eventtime`, `awsregion`, `eventid`)
/// of every event its detection matches, oldest first; with `days`, only the partitions of the
/// last `days` days are read.
pub fn detect_sql_with_days(
    rule_yaml: &str,
    table: &str,
    days: Option<u32>,
) -> Result<String, AthenaError> {
    let rule = sigma::parse_rule(rule_yaml, &LoadOptions::default()).map_err(|problems| {
        AthenaError::Rule(
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    if rule.timeframe.is_some() {
        return Err(AthenaError::Unsupported {
            selection: "timeframe".into(),
            feature: "a correlation time frame".into(),
        });
    }

    // Every selection, translated (in the rule's order), then the conditions over them.
    let selections = rule
        .selections
        .iter()
        .map(|s| Ok((s.name.clone(), selection_sql(s)?)))
        .collect::<Result<Vec<_>, AthenaError>>()?;
    if rule.conditions.is_empty() {
        return Err(AthenaError::Invalid("no `condition`".into()));
    }
    let mut exprs = Vec::new();
    for (condition, text) in rule.conditions.iter().zip(&rule.condition_text) {
        let translate = Translate {
            rule: &rule,
            selections: &selections,
            text,
        };
        exprs.push(translate.condition(condition)?);
    }
    let condition = if exprs.len() == 1 {
        exprs.remove(0)
    } else {
        format!("({})", exprs.join(" OR "))
    };

    let mut columns: Vec<(String, String)> = ["eventtime", "awsregion", "eventid"]
        .iter()
        .map(|c| (c.to_string(), c.to_string()))
        .collect();
    for field in &rule.fields {
        let column = column_for(field, "fields")?;
        if !columns.iter().any(|(c, _)| *c == column) {
            columns.push((column, field.clone()));
        }
    }
    let select = columns
        .iter()
        .map(|(column, field)| {
            if is_plain_identifier(column) {
                column.clone()
            } else {
                format!("{column} AS \"{}\"", field.replace('"', "\"\""))
            }
        })
        .collect::<Vec<_>>()
        .join(", ");

    let one_line = |s: &str| s.replace(['\n', '\r'], " ");
    let mut sql = String::new();
    let _ = writeln!(
        sql,
        "-- trailtune detect: {} ({})",
        one_line(&rule.title),
        one_line(rule.id.as_deref().unwrap_or_default())
    );
    let _ = writeln!(
        sql,
        "-- generated from the rule's detection; condition: {}",
        one_line(&rule.condition_text.join(" | "))
    );
    let _ = writeln!(sql, "SELECT {select}");
    let _ = writeln!(sql, "FROM {}", quote_table(table));
    let _ = writeln!(sql, "WHERE {condition}");
    if let Some(days) = days {
        let _ = writeln!(sql, "  AND {}", partition_filter(days));
    }
    let _ = writeln!(sql, "ORDER BY eventtime");
    Ok(sql)
}

/// Top-level CloudTrail fields the standard table stores as JSON text, not as structs.
const JSON_TEXT_COLUMNS: [&str; 4] = [
    "requestparameters",
    "responseelements",
    "additionaleventdata",
    "serviceeventdetails",
];

/// A Sigma field name as an Athena column expression: every path segment lower-cased
/// (`userIdentity.sessionContext.sessionIssuer.arn` ->
/// `useridentity.sessioncontext.sessionissuer.arn`); below a JSON text column
/// (`requestParameters.bucketName`) a `json_extract_scalar`.
fn column_for(field: &str, selection: &str) -> Result<String, AthenaError> {
    let segments: Vec<&str> = field.split('.').collect();
    let bad = |why: &str| AthenaError::Unsupported {
        selection: selection.to_string(),
        feature: format!("field name `{field}` ({why})"),
    };
    if segments.iter().any(|s| !is_plain_identifier(s)) {
        return Err(bad(
            "only letters, digits and `_`, separated by dots, map to columns",
        ));
    }
    let top = segments[0].to_ascii_lowercase();
    if JSON_TEXT_COLUMNS.contains(&top.as_str()) && segments.len() > 1 {
        return Ok(format!(
            "json_extract_scalar({top}, {})",
            quote_literal(&format!("$.{}", segments[1..].join(".")))
        ));
    }
    Ok(segments
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("."))
}

/// One selection (a map, or a list of maps) as a boolean SQL expression.
fn selection_sql(selection: &Selection) -> Result<String, AthenaError> {
    let name = selection.name.as_str();
    let mut parts = Vec::new();
    for part in &selection.any_of {
        match part {
            SelectionPart::Fields(matchers) => parts.push(map_sql(name, matchers)?),
            SelectionPart::Keywords(_) => {
                return Err(AthenaError::Unsupported {
                    selection: name.to_string(),
                    feature: "a keyword search (a list of values without a field)".into(),
                });
            }
        }
    }
    match parts.len() {
        0 => Err(AthenaError::Invalid(format!(
            "selection `{name}` is neither a map nor a list of maps"
        ))),
        1 => Ok(parts.remove(0)),
        _ => Ok(parts
            .iter()
            .map(|p| format!("({p})"))
            .collect::<Vec<_>>()
            .join(" OR ")),
    }
}

/// A map of `field|modifiers: value(s)`: every entry must match (AND).
fn map_sql(name: &str, matchers: &[FieldMatcher]) -> Result<String, AthenaError> {
    if matchers.is_empty() {
        return Err(AthenaError::Invalid(format!("selection `{name}` is empty")));
    }
    let parts = matchers
        .iter()
        .map(|m| field_sql(name, m))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(parts.join(" AND "))
}

/// How a value is matched (at most one of these per field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Anchor {
    Whole,
    Contains,
    StartsWith,
    EndsWith,
}

/// What one matcher does, read from its modifiers.
struct Plan {
    anchor: Anchor,
    all: bool,
    cased: bool,
    regex: bool,
    /// Inline flags for `|re` (`i`, `m`, `s`), in that order.
    regex_flags: String,
    fieldref: bool,
}

/// Read a matcher's modifiers; anything without a faithful translation is an error naming it.
fn plan(selection: &str, matcher: &FieldMatcher) -> Result<Plan, AthenaError> {
    let key = matcher.key();
    let mut plan = Plan {
        anchor: Anchor::Whole,
        all: false,
        cased: false,
        regex: false,
        regex_flags: String::new(),
        fieldref: false,
    };
    for modifier in &matcher.modifiers {
        let next = match modifier {
            Modifier::Contains => Anchor::Contains,
            Modifier::StartsWith => Anchor::StartsWith,
            Modifier::EndsWith => Anchor::EndsWith,
            Modifier::All => {
                plan.all = true;
                continue;
            }
            Modifier::Cased => {
                plan.cased = true;
                continue;
            }
            Modifier::Re => {
                plan.regex = true;
                continue;
            }
            Modifier::FieldRef => {
                plan.fieldref = true;
                continue;
            }
            Modifier::IgnoreCase | Modifier::Multiline | Modifier::DotAll => continue,
            other => {
                return Err(AthenaError::Unsupported {
                    selection: selection.to_string(),
                    feature: format!("the modifier `{}` (on `{key}`)", other.as_str()),
                });
            }
        };
        if plan.anchor != Anchor::Whole && plan.anchor != next {
            return Err(AthenaError::Invalid(format!(
                "selection `{selection}`: `{key}` combines conflicting modifiers"
            )));
        }
        plan.anchor = next;
    }
    for (modifier, flag) in [
        (Modifier::IgnoreCase, 'i'),
        (Modifier::Multiline, 'm'),
        (Modifier::DotAll, 's'),
    ] {
        if matcher.has(modifier) {
            plan.regex_flags.push(flag);
        }
    }
    let conflict = (plan.regex && (plan.fieldref || plan.anchor != Anchor::Whole))
        || (!plan.regex && !plan.regex_flags.is_empty());
    if conflict {
        return Err(AthenaError::Invalid(format!(
            "selection `{selection}`: `{key}` combines conflicting modifiers"
        )));
    }
    Ok(plan)
}

/// A scalar as the text the engine compares (numbers and booleans as their text); `None` for null.
fn value_text(value: &Value) -> Option<String> {
    match value {
        Value::Text(t) => Some(t.original.clone()),
        Value::Int(n) => Some(n.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => None,
    }
}

/// One `field|modifiers: value(s)` entry.
fn field_sql(selection: &str, matcher: &FieldMatcher) -> Result<String, AthenaError> {
    let key = matcher.key();
    let Some(field) = matcher.field.as_deref() else {
        return Err(AthenaError::Unsupported {
            selection: selection.to_string(),
            feature: "a keyword search (a value without a field)".into(),
        });
    };
    let plan = plan(selection, matcher)?;
    let column = column_for(field, selection)?;
    if matcher.values.is_empty() {
        return Err(AthenaError::Invalid(format!(
            "selection `{selection}`: `{key}` has an empty list"
        )));
    }
    let not_null = |v: &Value| {
        value_text(v).ok_or_else(|| {
            AthenaError::Invalid(format!(
                "selection `{selection}`: `{key}` has a null value, which it cannot compare"
            ))
        })
    };
    let subject = if plan.cased {
        column.clone()
    } else {
        format!("lower({column})")
    };
    let mut equal = Vec::new();
    let mut tests = Vec::new();
    for v in &matcher.values {
        if plan.regex {
            // Case-sensitive unless `|i`, as in Sigma; the flags go inline, as the engine does.
            let mut pattern = not_null(v)?;
            if !plan.regex_flags.is_empty() {
                pattern = format!("(?{}){pattern}", plan.regex_flags);
            }
            tests.push(format!(
                "regexp_like({column}, {})",
                quote_literal(&pattern)
            ));
            continue;
        }
        if plan.fieldref {
            let other = column_for(&not_null(v)?, selection)?;
            let (a, b) = if plan.cased {
                (column.clone(), other)
            } else {
                (subject.clone(), format!("lower({other})"))
            };
            tests.push(match plan.anchor {
                Anchor::Whole => format!("{a} = {b}"),
                Anchor::Contains => format!("strpos({a}, {b}) > 0"),
                Anchor::StartsWith => format!("strpos({a}, {b}) = 1"),
                Anchor::EndsWith => format!("strpos(reverse({a}), reverse({b})) = 1"),
            });
            continue;
        }
        let mut pattern = match v {
            Value::Null => {
                tests.push(format!("{column} IS NULL"));
                continue;
            }
            Value::Text(t) => Pattern::from_parts(&t.parts, plan.cased),
            other => Pattern::literal_text(&value_text(other).unwrap_or_default()),
        };
        match plan.anchor {
            Anchor::Whole => {}
            Anchor::Contains => {
                pattern.0.insert(0, Piece::Many);
                pattern.0.push(Piece::Many);
            }
            Anchor::StartsWith => pattern.0.push(Piece::Many),
            Anchor::EndsWith => pattern.0.insert(0, Piece::Many),
        }
        match pattern.literal() {
            Some(lit) if !plan.all => equal.push(quote_literal(&lit)),
            Some(lit) => tests.push(format!("{subject} = {}", quote_literal(&lit))),
            None => tests.push(format!("{subject} {}", pattern.like())),
        }
    }
    let mut alternatives = Vec::new();
    match equal.len() {
        0 => {}
        1 => alternatives.push(format!("{subject} = {}", equal[0])),
        _ => alternatives.push(format!("{subject} IN ({})", equal.join(", "))),
    }
    alternatives.extend(tests);
    let joiner = if plan.all { " AND " } else { " OR " };
    Ok(if alternatives.len() == 1 {
        alternatives.remove(0)
    } else {
        format!("({})", alternatives.join(joiner))
    })
}

/// A Sigma string value: literal characters and the wildcards `*` (any run) and `?` (one char).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Char(char),
    Many,
    One,
}

#[derive(Debug, Clone)]
struct Pattern(Vec<Piece>);

impl Pattern {
    /// The parsed value (escapes already resolved by `sigma`), lower-cased unless `cased`.
    fn from_parts(parts: &[TextPart], cased: bool) -> Pattern {
        let mut out = Vec::new();
        for part in parts {
            match part {
                TextPart::Literal(text) if cased => out.extend(text.chars().map(Piece::Char)),
                TextPart::Literal(text) => out.extend(text.to_lowercase().chars().map(Piece::Char)),
                TextPart::AnyRun => out.push(Piece::Many),
                TextPart::AnyChar => out.push(Piece::One),
            }
        }
        Pattern(out)
    }

    /// Text without wildcards (a number's or a boolean's text).
    fn literal_text(text: &str) -> Pattern {
        Pattern(text.chars().map(Piece::Char).collect())
    }

    /// The text when there is no wildcard.
    fn literal(&self) -> Option<String> {
        self.0
            .iter()
            .map(|p| match p {
                Piece::Char(c) => Some(*c),
                _ => None,
            })
            .collect()
    }

    /// `LIKE '...'`, with `ESCAPE '\'` when a literal `%`, `_` or `\` had to be escaped.
    fn like(&self) -> String {
        let mut text = String::new();
        let mut escaped = false;
        for piece in &self.0 {
            match piece {
                Piece::Many => text.push('%'),
                Piece::One => text.push('_'),
                Piece::Char(c @ ('%' | '_' | '\\')) => {
                    text.push('\\');
                    text.push(*c);
                    escaped = true;
                }
                Piece::Char(c) => text.push(*c),
            }
        }
        if escaped {
            format!("LIKE {} ESCAPE '\\'", quote_literal(&text))
        } else {
            format!("LIKE {}", quote_literal(&text))
        }
    }
}

/// Translating one condition of a rule whose selections are already SQL.
struct Translate<'a> {
    rule: &'a RuleDetection,
    selections: &'a [(String, String)],
    /// The condition as written, for errors.
    text: &'a str,
}

impl Translate<'_> {
    fn error(&self, reason: String) -> AthenaError {
        AthenaError::Condition {
            condition: self.text.to_string(),
            reason,
        }
    }

    /// Every selection is wrapped in `COALESCE((...), false)`, so that `not filter` is true when
    /// the filter's fields are NULL, as in Sigma. Within a selection there is no `NOT`, so NULL
    /// there can only turn a result false, never true.
    fn selection(&self, name: &str) -> Result<String, AthenaError> {
        let sql = self
            .selections
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s)
            .ok_or_else(|| self.error(format!("no selection named `{name}`")))?;
        Ok(format!("COALESCE(({sql}), false)"))
    }

    fn condition(&self, condition: &Condition) -> Result<String, AthenaError> {
        match condition {
            Condition::Selection(name) => self.selection(name),
            Condition::Not(inner) => Ok(format!("NOT {}", self.condition(inner)?)),
            Condition::And(items) => self.join(items, " AND "),
            Condition::Or(items) => self.join(items, " OR "),
            Condition::Of {
                quantifier,
                pattern,
            } => {
                let written = match quantifier {
                    Quantifier::Any => "1".to_string(),
                    Quantifier::All => "all".to_string(),
                    Quantifier::AtLeast(n) => n.to_string(),
                };
                let matched = self
                    .rule
                    .selections
                    .iter()
                    .filter(|s| pattern.matches(&s.name))
                    .map(|s| self.selection(&s.name))
                    .collect::<Result<Vec<_>, _>>()?;
                if matched.is_empty() {
                    return Err(self.error(format!(
                        "`{written} of {}` matches no selection",
                        pattern.as_str()
                    )));
                }
                let joined = |op: &str| {
                    if matched.len() == 1 {
                        matched[0].clone()
                    } else {
                        format!("({})", matched.join(op))
                    }
                };
                match quantifier {
                    Quantifier::All => Ok(joined(" AND ")),
                    Quantifier::Any | Quantifier::AtLeast(1) => Ok(joined(" OR ")),
                    Quantifier::AtLeast(0) => {
                        Err(self
                            .error("`0 of` is always true; write the condition without it".into()))
                    }
                    Quantifier::AtLeast(n) => Ok(format!(
                        "({}) >= {n}",
                        matched
                            .iter()
                            .map(|c| format!("IF({c}, 1, 0)"))
                            .collect::<Vec<_>>()
                            .join(" + ")
                    )),
                }
            }
        }
    }

    fn join(&self, items: &[Condition], op: &str) -> Result<String, AthenaError> {
        let mut parts = items
            .iter()
            .map(|c| self.condition(c))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            format!("({})", parts.join(op))
        })
    }
}

#[cfg(test)]
mod tests {
    fn detect_sql(rule_yaml: &str, table: &str) -> Result<String, AthenaError> {
        super::detect_sql_with_days(rule_yaml, table, None)
    }

    use super::*;

    const SEED: &str = include_str!("../data/aws_unusual_region.yml");

    fn rule(detection: &str) -> String {
        format!("title: t\nid: x\ndetection:\n{detection}\n")
    }

    fn sql(detection: &str) -> String {
        detect_sql(&rule(detection), "ct").unwrap()
    }

    #[test]
    fn seed_rule_where_clause() {
        let sql = detect_sql(SEED, "cloudtrail_logs").unwrap();
        let selection = "COALESCE((lower(eventsource) LIKE '%' AND lower(awsregion) IN \
                         ('ap-east-1', 'af-south-1', 'me-south-1', 'eu-south-1')), false)";
        let services = "NOT COALESCE((lower(useridentity.type) = 'awsservice'), false)";
        let replication = "NOT COALESCE((lower(eventname) IN \
                           ('replicateobject', 'replicatedelete', 'replicatetags')), false)";
        let expected = format!("WHERE ({selection} AND {services} AND {replication})\n");
        assert!(sql.contains(&expected), "{sql}");
        assert!(sql.contains(
            "SELECT eventtime, awsregion, eventid, useridentity.arn AS \"userIdentity.arn\", \
             useridentity.type AS \"userIdentity.type\", eventname, eventsource, sourceipaddress, \
             useragent\n"
        ));
        assert!(sql.contains("FROM cloudtrail_logs\n"));
        assert!(sql.ends_with("ORDER BY eventtime\n"), "{sql}");
        assert!(!sql.contains("\"timestamp\""));
        let pruned = detect_sql_with_days(SEED, "db.ct", Some(7)).unwrap();
        assert!(pruned.contains(
            "  AND \"timestamp\" >= date_format(date_add('day', -6, current_date), '%Y/%m/%d')\n"
        ));
    }

    #[test]
    fn condition_precedence() {
        let d = "  a: {x: 1}\n  b: {y: 2}\n  c: {z: 3}\n";
        let a = "COALESCE((lower(x) = '1'), false)";
        let b = "COALESCE((lower(y) = '2'), false)";
        let c = "COALESCE((lower(z) = '3'), false)";
        let s = sql(&format!("{d}  condition: a or b and not c"));
        assert!(
            s.contains(&format!("WHERE ({a} OR ({b} AND NOT {c}))")),
            "{s}"
        );
        let s = sql(&format!("{d}  condition: (a or b) and not (b or c)"));
        assert!(
            s.contains(&format!("WHERE (({a} OR {b}) AND NOT ({b} OR {c}))")),
            "{s}"
        );
        let s = sql(&format!("{d}  condition: not not a"));
        assert!(s.contains(&format!("WHERE NOT NOT {a}")), "{s}");
    }

    #[test]
    fn quantifiers() {
        let d = "  sel_a: {x: 1}\n  sel_b: {y: 2}\n  _helper: {z: 3}\n";
        let a = "COALESCE((lower(x) = '1'), false)";
        let b = "COALESCE((lower(y) = '2'), false)";
        let h = "COALESCE((lower(z) = '3'), false)";
        assert!(
            sql(&format!("{d}  condition: 1 of sel_*")).contains(&format!("WHERE ({a} OR {b})"))
        );
        assert!(
            sql(&format!("{d}  condition: all of sel_*")).contains(&format!("WHERE ({a} AND {b})"))
        );
        // `them` leaves out names starting with `_`.
        assert!(
            sql(&format!("{d}  condition: 1 of them")).contains(&format!("WHERE ({a} OR {b})"))
        );
        assert!(
            sql(&format!("{d}  condition: all of them and not _helper"))
                .contains(&format!("WHERE (({a} AND {b}) AND NOT {h})"))
        );
        assert!(
            sql(&format!("{d}  condition: 2 of them"))
                .contains(&format!("WHERE (IF({a}, 1, 0) + IF({b}, 1, 0)) >= 2"))
        );
        let err = detect_sql(&rule(&format!("{d}  condition: 1 of nope*")), "t").unwrap_err();
        assert!(err.to_string().contains("matches no selection"), "{err}");
        // An unknown name, an unclosed parenthesis and a Sigma v1 aggregation are load errors of
        // the shared Sigma front end (the same messages `trailtune detect` gives).
        let err =
            detect_sql(&rule(&format!("{d}  condition: sel_a and missing")), "t").unwrap_err();
        assert!(
            err.to_string()
                .contains("unknown detection identifier: missing"),
            "{err}"
        );
        let err = detect_sql(&rule(&format!("{d}  condition: (sel_a")), "t").unwrap_err();
        assert!(matches!(err, AthenaError::Rule(_)), "{err}");
        let err =
            detect_sql(&rule(&format!("{d}  condition: sel_a | count() > 5")), "t").unwrap_err();
        assert!(err.to_string().contains("aggregation"), "{err}");
        let err = detect_sql(&rule(&format!("{d}  condition: 0 of them")), "t").unwrap_err();
        assert!(err.to_string().contains("always true"), "{err}");
    }

    #[test]
    fn unsupported_modifiers_name_the_modifier_and_selection() {
        // Values the engine accepts for each modifier, so the refusal is Athena's, not a load error.
        for (m, value) in [
            ("cidr", "10.0.0.0/8"),
            ("base64offset", "x"),
            ("base64", "x"),
            ("utf16le", "x"),
            ("windash", "-x"),
            ("exists", "true"),
            ("gt", "5"),
            ("neq", "x"),
            ("hour", "3"),
        ] {
            let r = rule(&format!(
                "  sel:\n    sourceIPAddress|{m}: '{value}'\n  condition: sel"
            ));
            let err = detect_sql(&r, "t").unwrap_err();
            assert!(
                matches!(err, AthenaError::Unsupported { .. }),
                "{m}: {err:?}"
            );
            let text = err.to_string();
            // `utf16le` is a spelling of `wide`.
            let named = if m == "utf16le" { "wide" } else { m };
            assert!(
                text.contains(&format!("modifier `{named}`")) && text.contains("selection `sel`"),
                "{text}"
            );
        }
        let err = detect_sql(&rule("  kw: [evil, bad]\n  condition: kw"), "t").unwrap_err();
        assert!(err.to_string().contains("keyword search"), "{err}");
        let err = detect_sql(
            &rule("  s: {a|contains|startswith: x}\n  condition: s"),
            "t",
        )
        .unwrap_err();
        assert!(err.to_string().contains("conflicting"), "{err}");
        let err =
            detect_sql(&rule("  s: {a: 1}\n  condition: s\n  timeframe: 5m"), "t").unwrap_err();
        assert!(err.to_string().contains("time frame"), "{err}");
    }

    #[test]
    fn regex_and_fieldref() {
        let s = sql("  s:\n    userAgent|re: '^aws-cli/[0-9]+'\n  condition: s");
        assert!(
            s.contains("COALESCE((regexp_like(useragent, '^aws-cli/[0-9]+')), false)"),
            "{s}"
        );
        let s = sql("  s:\n    userAgent|re|i|s: ['^Boto', \"it's\"]\n  condition: s");
        assert!(
            s.contains(
                "(regexp_like(useragent, '(?is)^Boto') OR regexp_like(useragent, '(?is)it''s'))"
            ),
            "{s}"
        );
        let s = sql("  s:\n    eventName|re|all: [a, b]\n  condition: s");
        assert!(
            s.contains("(regexp_like(eventname, 'a') AND regexp_like(eventname, 'b'))"),
            "{s}"
        );
        let s = sql(
            "  s:\n    userIdentity.userName|fieldref: requestParameters.userName\n  condition: s",
        );
        assert!(
            s.contains("lower(useridentity.username) = lower(json_extract_scalar(requestparameters, '$.userName'))"),
            "{s}"
        );
        let s = sql(
            "  s:\n    userIdentity.arn|fieldref|endswith: userIdentity.userName\n  condition: s",
        );
        assert!(
            s.contains("strpos(reverse(lower(useridentity.arn)), reverse(lower(useridentity.username))) = 1"),
            "{s}"
        );
        let s = sql("  s:\n    a|fieldref|contains|cased: b\n  condition: s");
        assert!(s.contains("strpos(a, b) > 0"), "{s}");
        let s = sql("  s:\n    a|fieldref|startswith: b\n  condition: s");
        assert!(s.contains("strpos(lower(a), lower(b)) = 1"), "{s}");
        // `|expand` without a placeholder is its plain value (the engine compares the same).
        let s = sql("  s:\n    a|expand: x\n  condition: s");
        assert!(s.contains("lower(a) = 'x'"), "{s}");
        let err =
            detect_sql(&rule("  s:\n    a|expand: '%admins%'\n  condition: s"), "t").unwrap_err();
        assert!(
            err.to_string().contains("unresolved placeholder %admins%"),
            "{err}"
        );
    }

    #[test]
    fn like_escaping_and_modifiers() {
        let s = sql("  s:\n    eventName|contains: '50%_off'\n  condition: s");
        assert!(
            s.contains(r"lower(eventname) LIKE '%50\%\_off%' ESCAPE '\'"),
            "{s}"
        );
        let s = sql("  s:\n    userAgent: 'a\\*b*c?d\\e'\n  condition: s");
        assert!(
            s.contains(r"lower(useragent) LIKE 'a*b%c_d\\e' ESCAPE '\'"),
            "{s}"
        );
        let s = sql("  s:\n    eventName|startswith: [Get, List]\n  condition: s");
        assert!(
            s.contains("(lower(eventname) LIKE 'get%' OR lower(eventname) LIKE 'list%')"),
            "{s}"
        );
        let s = sql("  s:\n    userAgent|contains|all: [aws-cli, linux]\n  condition: s");
        assert!(
            s.contains("(lower(useragent) LIKE '%aws-cli%' AND lower(useragent) LIKE '%linux%')"),
            "{s}"
        );
        let s = sql("  s:\n    userAgent|endswith|cased: \"O'Brien\"\n  condition: s");
        assert!(s.contains("useragent LIKE '%O''Brien'"), "{s}");
        let s = sql("  s:\n    errorCode: null\n  condition: not s");
        assert!(
            s.contains("NOT COALESCE((errorcode IS NULL), false)"),
            "{s}"
        );
        let s = sql("  s:\n    - eventName: A\n    - errorCode: [B, null]\n  condition: s");
        assert!(
            s.contains(
                "COALESCE(((lower(eventname) = 'a') OR ((lower(errorcode) = 'b' OR errorcode IS NULL))), false)"
            ),
            "{s}"
        );
        let s = sql(
            "  s:\n    userIdentity.sessionContext.sessionIssuer.arn|endswith: /Admin\n    requestParameters.bucketName: b\n  condition: s",
        );
        assert!(
            s.contains("lower(useridentity.sessioncontext.sessionissuer.arn) LIKE '%/admin'"),
            "{s}"
        );
        assert!(
            s.contains("lower(json_extract_scalar(requestparameters, '$.bucketName')) = 'b'"),
            "{s}"
        );
    }
}
