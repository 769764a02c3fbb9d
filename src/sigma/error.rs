//! Load problems of the Sigma stage. Consumes what went wrong while reading, parsing or compiling
//! one rule document; produces [`LoadError`] (file, rule, reason) for the caller to report and
//! [`Problem`], the closed list of reasons. It must not print, decide an exit status, or mention
//! engine types: reasons are plain text quoting what the user wrote.

use std::fmt;
use std::path::PathBuf;

use thiserror::Error;

/// Why one rule document (or file) could not be loaded. Its `Display` is the `reason` of a
/// [`LoadError`].
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Problem {
    /// The file or directory could not be read.
    #[error("cannot read: {0}")]
    Read(String),
    /// The text is not valid YAML; later documents of the same file are not read.
    #[error("invalid YAML: {0}")]
    Yaml(String),
    /// The file is too large or nests too deeply to be parsed safely (checked before parsing).
    #[error("{0}")]
    Shape(String),
    /// A YAML merge key (`<<`) that cannot be merged (its value is not a mapping or a list of
    /// mappings).
    #[error("cannot apply the YAML merge key: {0}")]
    Merge(String),
    /// A detection value that is a list inside a list, or a mapping: no Sigma value, and the
    /// engine would silently never match it.
    #[error(
        "detection.{selection}: {field} holds a {kind} as a value; a Sigma value is a scalar or a \
         list of scalars (the rule would never match)"
    )]
    NestedValue {
        selection: String,
        field: String,
        kind: &'static str,
    },
    /// A YAML document that is not a mapping.
    #[error("document {0} is not a YAML mapping, so it is not a Sigma rule")]
    NotAMapping(usize),
    /// Sigma v1 aggregation in the condition (`selection | count() > 5`).
    #[error(
        "deprecated aggregation syntax '{0}' is not Sigma v2; use a correlation rule \
         (event_count / value_count) instead"
    )]
    DeprecatedAggregation(String),
    /// Sigma v1 `near` in the condition (`a | near b`).
    #[error(
        "deprecated 'near' syntax '{0}' is not Sigma v2; use a temporal correlation rule instead"
    )]
    DeprecatedNear(String),
    /// A condition nested deeper than the engine can parse safely.
    #[error("condition nested {depth} levels deep (parentheses plus 'not'); the limit is {max}")]
    ConditionTooDeep { depth: usize, max: usize },
    /// A `|expand` value names a placeholder no variable supplies.
    #[error(
        "unresolved placeholder %{name}% in '{field}|expand'; supply a value for the variable \
         '{name}' (placeholders are never filled from the event itself)"
    )]
    UnresolvedPlaceholder { field: String, name: String },
    /// A variable was supplied with no values.
    #[error("placeholder %{name}% in '{field}|expand' has an empty value list")]
    EmptyPlaceholder { field: String, name: String },
    /// The placeholders of one value expand to more combinations than the cap.
    #[error(
        "'{field}|expand' expands to {count} values, more than the limit of {limit}: use fewer placeholders or shorter value lists"
    )]
    TooManyExpansions {
        field: String,
        count: String,
        limit: usize,
    },
    /// One rule was expected (`parse_rule`), but the text holds something else: several
    /// documents or rules, or a meta-filter.
    #[error(
        "expected exactly one detection rule, found {0} (this command reads one rule: put it in a \
         file of its own)"
    )]
    NotOneRule(String),
    /// A valid rule whose detection the engine-neutral parsed form cannot express.
    #[error("not expressible in the parsed form: {0}")]
    NotExpressible(String),
    /// The Sigma parser rejected the document (message from the parser).
    #[error("invalid rule: {0}")]
    Parse(String),
    /// The parser accepted the rule but reported a problem in its metadata; the rule IS loaded.
    #[error("{0} (the rule is loaded anyway)")]
    Metadata(String),
    /// The rule parsed but its detection could not be compiled (bad regex, bad modifier mix...).
    #[error("cannot compile: {0}")]
    Compile(String),
    /// A correlation rule: parsed, but not evaluated (evaluation is one event at a time).
    #[error(
        "correlation rules ({0}) are not supported: events are evaluated one at a time; the \
         rules it references are loaded as ordinary rules when present"
    )]
    Correlation(String),
    /// A meta-filter whose `rules:` names no loaded rule, so it excludes nothing.
    #[error("filter applies to {0}, but none of them is loaded, so it excludes nothing")]
    FilterUnused(String),
    /// The engine panicked on this document (a bug in the engine; reported, never propagated).
    #[error("internal error in the Sigma engine: {0}")]
    Internal(String),
}

/// One problem while loading rules: which file, which rule (title, else id, when known), why.
/// Displays as `path: rule: reason` (or `path: reason` when the rule is unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The file (or the `origin` given to `load_str`).
    pub path: PathBuf,
    /// The rule's title, else its id, when the document got that far.
    pub rule: Option<String>,
    /// What is wrong, quoting the rule text where it helps.
    pub reason: String,
}

impl LoadError {
    /// A load error for `path` (and `rule`, when known) with `problem` as the reason, on one
    /// line (engine messages such as regex errors span several; their whitespace is collapsed).
    pub fn new(path: impl Into<PathBuf>, rule: Option<String>, problem: &Problem) -> Self {
        let text = problem.to_string();
        let reason = if text.contains('\n') {
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        } else {
            text
        };
        Self {
            path: path.into(),
            rule,
            reason,
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.rule {
            Some(rule) => write!(f, "{}: {}: {}", self.path.display(), rule, self.reason),
            None => write!(f, "{}: {}", self.path.display(), self.reason),
        }
    }
}

impl std::error::Error for LoadError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_path_rule_reason() {
        let e = LoadError::new("r.yml", Some("My Rule".into()), &Problem::Parse("x".into()));
        assert_eq!(e.to_string(), "r.yml: My Rule: invalid rule: x");
        let e = LoadError::new("r.yml", None, &Problem::Yaml("bad".into()));
        assert_eq!(e.to_string(), "r.yml: invalid YAML: bad");
    }

    #[test]
    fn deprecated_aggregation_reason_says_what_to_do() {
        let p = Problem::DeprecatedAggregation("| count() > 10".into());
        let s = p.to_string();
        assert!(
            s.contains("'| count() > 10'")
                && s.contains("not Sigma v2")
                && s.contains("correlation")
        );
    }
}
