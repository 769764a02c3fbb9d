//! Lossless edit of the Sigma rule text: consumes the rule as a string plus a [`TunePlan`] and
//! produces the rule text with only the region list, the managed exclusion filters, the
//! condition, the provenance comment and `modified:` changed. It must never re-serialize the
//! YAML (every YAML serializer drops comments and reflows the file): it locates byte spans with
//! `yamlpath`, splices text into them, and then re-parses old and new with `serde_yaml` to prove
//! that nothing else changed.
//!
//! # Layout rules
//!
//! * **Region list (denylist mode).** The items are rendered in the quote style of the first
//!   existing item (`'x'`, `"x"` or plain `x`). A block list keeps the column of its first `-`
//!   (an indentless list stays indentless); a flow list stays a flow list on one line (with the
//!   same inner padding `[ a ]` / `[a]`, and anything after it on the line, such as a comment,
//!   is kept); a scalar `awsRegion: 'x'` becomes a block list under the key. The plan's regions
//!   are sorted and de-duplicated.
//! * **Comments inside a block list.** Comment lines between the key and the first item, and
//!   everything after the last item, stay where they are. A trailing comment on an item
//!   (`- 'ap-east-1'  # Hong Kong`) and whole-line comments directly above an item travel with
//!   that item if its region is still in the list and are dropped with it otherwise. Blank lines
//!   between items are dropped (the list is re-sorted, so they no longer separate anything).
//! * **Allowlist mode.** The region key is removed from the selection together with its list
//!   (from the key line to the last item, so comments between the key and the first item go
//!   too); comment lines above the key and after the last item stay. A managed selection
//!   `filter_baseline_regions: { awsRegion: [...] }` (plain `awsRegion`, even if the old key had
//!   a modifier: an allowlist is an exact match) is added and excluded in the condition. A
//!   selection that would be left empty is an error. A selection without a region key is
//!   accepted in allowlist mode; in denylist mode only when the rule has `filter_baseline_regions`
//!   (it was tuned in allowlist mode), and then `awsRegion:` is added back as the selection's last
//!   key (after comment lines that follow its last key), so deny -> allow -> deny round-trips.
//! * **Provenance.** `# trailtune: <line>` comments at the key's column directly above the region
//!   key (denylist) or above `filter_baseline_regions:` (allowlist). A previous block of
//!   `# trailtune:` lines directly above those keys is replaced, never duplicated.
//! * **Managed filters** (`filter_global_services`, `filter_sweepers`, `filter_baseline_regions`
//!   and every filter named in the plan). An existing one is replaced in place; a new one is
//!   inserted before `condition:` (before any comment lines directly above it) at the column of
//!   the other detection items. Inner keys use the selection's indentation step, values are
//!   block lists using the region list's dash offset and quote style (or, when the region list
//!   has none, those of the managed filters or the other lists in `detection`). A managed filter
//!   in the file but not in the plan is removed with its condition term.
//! * **Condition** (a plain one-line scalar). Every top-level ` and not <managed>` term is removed,
//!   then ` and not NAME` is appended for each planned filter in plan order. A condition with a
//!   top-level `or` is wrapped in parentheses first. A managed name used anywhere else in the
//!   condition is an error.
//! * **`modified:`** is set to the plan's date only when something else changed (so re-running
//!   with the same result keeps the file byte-identical). It is replaced in place keeping its
//!   quotes, or inserted as `modified: YYYY-MM-DD` after `date:`, else after `author:`, else
//!   before `tags:`/`logsource:`/`detection:`.
//!
//! # Refused input
//!
//! Errors, never panics or guesses: a text over 1 MB or nested more than 64 levels (checked by a
//! byte scan before any parser sees it: both parsers are quadratic in the depth); YAML that
//! tree-sitter or `serde_yaml` rejects (tab indentation, several documents); any alias (`*name`,
//! merge keys included: `yamlpath` follows an alias to its anchor, so the edit would land there);
//! tags and anchors on the nodes we touch (`yamlpath` 1.26 panics on them; an anchor on the region
//! list itself is allowed); a flow-mapping `detection` or selection; list items that are not
//! one-line scalars; a multi-line flow list with comments inside (one without comments is collapsed onto
//! one line); a condition that is a list, quoted or multi-line.
//!
//! # Line endings
//!
//! A file whose every line ends in CRLF is edited as LF and written back with CRLF; a file mixing
//! LF and CRLF (or with lone CR) is rejected. A leading byte-order mark is kept.

mod condition;
mod locate;
mod splice;
mod verify;

use std::collections::BTreeSet;

pub use verify::{Expected, check};

/// Name of the allowlist selection that replaces the region list in [`RegionMode::Allowlist`].
pub const BASELINE_FILTER: &str = "filter_baseline_regions";

/// The names of the per-account filters start with this, followed by the account ID
/// (`filter_account_111122223333`). Every detection item so named is trailtune's own.
pub const ACCOUNT_FILTER_PREFIX: &str = "filter_account_";

/// How the condition names the per-account filters.
pub const ACCOUNT_GLOB: &str = "filter_account_*";

/// The condition term (after `and not`) that excludes every per-account filter at once.
pub const ACCOUNT_TERM: &str = "1 of filter_account_*";

/// Filter names trailtune always treats as its own, even when absent from the plan.
pub const MANAGED_FILTERS: [&str; 4] = [
    "filter_global_services",
    "filter_sweepers",
    "filter_sweeper_users",
    BASELINE_FILTER,
];

/// How the tuned rule expresses the region baseline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionMode {
    /// Seed's Step 3: `detection.<selection>.awsRegion` := these regions (sorted, non-empty; empty
    /// is an error: rsigma reads `[]` as a null check).
    Denylist(Vec<String>),
    /// The selection stops listing regions (its awsRegion key is removed); a selection
    /// `filter_baseline_regions: { awsRegion: [these] }` is added and excluded with
    /// `and not filter_baseline_regions`, so regions launched later still alert.
    Allowlist(Vec<String>),
}

/// A trailtune-managed exclusion filter (a Sigma selection excluded with `and not NAME`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// Selection name, e.g. `filter_global_services`.
    pub name: String,
    /// Field (may carry modifiers, e.g. `userIdentity.arn|startswith`) -> values (OR); fields AND.
    pub fields: Vec<(String, Vec<String>)>,
    /// One comment line rendered as `# comment` inside the selection, above its first field.
    pub comment: Option<String>,
}

/// Everything `apply` changes in a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TunePlan {
    /// The selection holding the region key (`selection` for the seed). The key is found by its
    /// name before any `|` (`awsRegion`, `awsRegion|contains`).
    pub selection: String,
    pub regions: RegionMode,
    /// Managed exclusion filters, added as `and not NAME` to the condition, in this order.
    pub filters: Vec<Filter>,
    /// Comment lines placed above the region key (or above `filter_baseline_regions`), each
    /// rendered `# trailtune: <line>`.
    pub provenance: Vec<String>,
    pub modified: chrono::NaiveDate,
}

/// The result of [`apply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewritten {
    pub text: String,
    /// False when the output is byte-identical to the input.
    pub changed: bool,
}

/// Why a rule could not be rewritten. Each variant names the YAML path and quotes the text.
#[derive(Debug, thiserror::Error)]
pub enum RewriteError {
    #[error("the rule is not valid YAML: {0}")]
    Parse(String),
    #[error("key not found: {path}")]
    KeyNotFound { path: String },
    #[error("unsupported shape at {path}: {reason} (found {text:?})")]
    Unsupported {
        path: String,
        reason: String,
        text: String,
    },
    #[error("invalid tune plan: {0}")]
    Plan(String),
    #[error("the rewritten rule failed verification at {path}: expected {expected}, found {found}")]
    Verification {
        path: String,
        expected: String,
        found: String,
    },
}

impl RewriteError {
    fn unsupported(path: &str, reason: impl Into<String>, text: impl Into<String>) -> Self {
        RewriteError::Unsupported {
            path: path.to_string(),
            reason: reason.into(),
            text: text.into(),
        }
    }
}

/// Rewrites `text` according to `plan` (see the module docs for the layout rules) and verifies
/// the result. Never writes a rule that fails verification.
pub fn apply(text: &str, plan: &TunePlan) -> Result<Rewritten, RewriteError> {
    let (bom, body, crlf) = split_encoding(text)?;
    check_shape(&body)?;
    let (regions, allowlist) = validate_plan(plan)?;
    let filters = desired_filters(plan, &regions, allowlist);
    let old_value = verify::parse(&body)?;
    // The per-account filters a previous run wrote are trailtune's too.
    let old_accounts = old_value
        .get("detection")
        .and_then(|d| d.as_mapping())
        .into_iter()
        .flat_map(|d| d.keys())
        .filter_map(|k| k.as_str())
        .filter(|k| k.starts_with(ACCOUNT_FILTER_PREFIX))
        .map(str::to_string);
    let managed: BTreeSet<String> = MANAGED_FILTERS
        .iter()
        .map(|s| s.to_string())
        .chain(filters.iter().map(|f| f.name.clone()))
        .chain(old_accounts)
        .collect();

    // A rule tuned in allowlist mode has no region key; denylist mode puts it back.
    let was_allowlist = old_value
        .get("detection")
        .is_some_and(|d| d.get(BASELINE_FILTER).is_some());
    let region_key = locate::region_key(&old_value, &plan.selection, allowlist || was_allowlist)?;
    let style = locate::style(
        &body,
        &old_value,
        &plan.selection,
        region_key.as_deref(),
        &managed,
    )?;

    let mut new = body.clone();
    let mut route = vec!["detection".to_string(), plan.selection.clone()];
    match (&region_key, allowlist) {
        (Some(key), true) => {
            route.push(key.clone());
            new = splice::remove_region_key(&new, &route)?;
        }
        (Some(key), false) => {
            route.push(key.clone());
            new = splice::replace_region_list(&new, &route, &regions, &plan.provenance, &style)?;
        }
        (None, false) => {
            new = splice::insert_region_key(&new, &route, &regions, &plan.provenance, &style)?;
        }
        (None, true) => {}
    }
    let region_key = match (region_key, allowlist) {
        (None, false) => Some(splice::REGION_KEY.to_string()),
        (key, _) => key,
    };
    let baseline_provenance: &[String] = if allowlist { &plan.provenance } else { &[] };
    new = splice::managed_filters(&new, &managed, &filters, baseline_provenance, &style)?;

    let old_condition = locate::condition(&old_value)?;
    let new_condition = condition::rewrite(&old_condition, &managed, &condition_terms(&filters))?;
    new = splice::replace_condition(&new, &new_condition)?;

    let changed = new != body;
    let modified = plan.modified.format("%Y-%m-%d").to_string();
    if changed {
        new = splice::set_modified(&new, &modified)?;
    }

    let expected = Expected {
        modified: changed.then_some(modified),
        selection: plan.selection.clone(),
        region_key: region_key.map(|k| (k, (!allowlist).then(|| regions.clone()))),
        removed: managed.into_iter().collect(),
        filters: filters
            .iter()
            .map(|f| (f.name.clone(), f.fields.clone()))
            .collect(),
        condition: new_condition,
    };
    verify::check(&body, &new, &expected)?;

    let mut out = String::with_capacity(new.len() + new.len() / 16 + 3);
    out.push_str(bom);
    if crlf {
        out.push_str(&new.replace('\n', "\r\n"));
    } else {
        out.push_str(&new);
    }
    Ok(Rewritten {
        changed: out != text,
        text: out,
    })
}

/// A unified diff of `old` -> `new` with three lines of context, headed `--- old_name` /
/// `+++ new_name`; empty when the texts are equal.
pub fn unified_diff(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    if old == new {
        return String::new();
    }
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_name, new_name)
        .to_string()
}

/// Refuses, before any YAML parser sees it, a text too large or nested too deeply to parse in
/// bounded time, and one with an alias: `yamlpath` follows an alias to its anchor, so an edit of
/// an aliased list would land on the anchor (and `yamlpath` 1.26 panics on some of them).
fn check_shape(body: &str) -> Result<(), RewriteError> {
    let shape = crate::yaml_shape::check(body)
        .map_err(|e| RewriteError::unsupported("the whole file", e.to_string(), ""))?;
    match shape.alias {
        Some((line, name)) => Err(RewriteError::unsupported(
            &format!("line {line}"),
            "YAML aliases are not supported by the rewrite (it edits text, and an alias would \
             change the anchor it points to); write the values out in full",
            format!("*{name}"),
        )),
        None => Ok(()),
    }
}

/// Splits off a byte-order mark and converts all-CRLF text to LF. Mixed endings are rejected.
fn split_encoding(text: &str) -> Result<(&str, String, bool), RewriteError> {
    let (bom, rest) = match text.strip_prefix('\u{feff}') {
        Some(rest) => ("\u{feff}", rest),
        None => ("", text),
    };
    if !rest.contains('\r') {
        return Ok((bom, rest.to_string(), false));
    }
    let crlf = rest.matches("\r\n").count();
    let lf = rest.matches('\n').count();
    let cr = rest.matches('\r').count();
    if crlf == lf && crlf == cr {
        Ok((bom, rest.replace("\r\n", "\n"), true))
    } else {
        Err(RewriteError::unsupported(
            "the whole file",
            "mixed line endings (every line must end in LF, or every line in CRLF)",
            format!("{crlf} CRLF, {} LF, {} lone CR", lf - crlf, cr - crlf),
        ))
    }
}

/// Checks the plan and returns its regions sorted and de-duplicated, and whether it is an allowlist.
fn validate_plan(plan: &TunePlan) -> Result<(Vec<String>, bool), RewriteError> {
    let (list, allowlist) = match &plan.regions {
        RegionMode::Denylist(l) => (l, false),
        RegionMode::Allowlist(l) => (l, true),
    };
    if list.is_empty() {
        return Err(RewriteError::Plan(
            "the region list is empty (rsigma reads an empty list as a null check)".into(),
        ));
    }
    let bad_text = |s: &str| s.is_empty() || s.chars().any(char::is_control);
    if let Some(r) = list.iter().find(|r| bad_text(r)) {
        return Err(RewriteError::Plan(format!("invalid region {r:?}")));
    }
    let is_name = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
    };
    let mut seen = BTreeSet::new();
    for f in &plan.filters {
        if !is_name(&f.name) || f.name == plan.selection || f.name == "condition" {
            return Err(RewriteError::Plan(format!(
                "invalid filter name {:?}",
                f.name
            )));
        }
        if !seen.insert(f.name.as_str()) || (allowlist && f.name == BASELINE_FILTER) {
            return Err(RewriteError::Plan(format!(
                "filter {:?} given twice",
                f.name
            )));
        }
        let fields: BTreeSet<&str> = f.fields.iter().map(|(k, _)| k.as_str()).collect();
        if fields.len() != f.fields.len() {
            return Err(RewriteError::Plan(format!(
                "filter {:?} lists a field twice",
                f.name
            )));
        }
        if f.fields.is_empty() || f.fields.iter().any(|(_, v)| v.is_empty()) {
            return Err(RewriteError::Plan(format!(
                "filter {:?} has no fields or a field without values",
                f.name
            )));
        }
        let texts = f
            .fields
            .iter()
            .flat_map(|(k, v)| std::iter::once(k).chain(v));
        if let Some(t) = texts.chain(&f.comment).find(|t| bad_text(t)) {
            return Err(RewriteError::Plan(format!(
                "filter {:?} contains an empty or multi-line text {t:?}",
                f.name
            )));
        }
    }
    if let Some(p) = plan.provenance.iter().find(|p| p.contains(['\n', '\r'])) {
        return Err(RewriteError::Plan(format!(
            "provenance line spans lines: {p:?}"
        )));
    }
    let mut regions = list.clone();
    regions.sort();
    regions.dedup();
    Ok((regions, allowlist))
}

/// What the condition excludes, in order: each filter by name, except the per-account filters,
/// which one `1 of filter_account_*` term excludes (where the first of them stands).
pub fn condition_terms(filters: &[Filter]) -> Vec<String> {
    let mut terms = Vec::new();
    for f in filters {
        let term = if f.name.starts_with(ACCOUNT_FILTER_PREFIX) {
            ACCOUNT_TERM.to_string()
        } else {
            f.name.clone()
        };
        if !terms.contains(&term) {
            terms.push(term);
        }
    }
    terms
}

/// The filters the output must contain, in condition order (baseline first in allowlist mode).
fn desired_filters(plan: &TunePlan, regions: &[String], allowlist: bool) -> Vec<Filter> {
    let mut out = Vec::new();
    if allowlist {
        out.push(Filter {
            name: BASELINE_FILTER.to_string(),
            fields: vec![("awsRegion".to_string(), regions.to_vec())],
            comment: Some("Regions in the organization's learned baseline".to_string()),
        });
    }
    out.extend(plan.filters.iter().cloned());
    out
}
