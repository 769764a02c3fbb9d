//! Stage 5: tune a Sigma rule without losing the author's file. Consumes the rule's text and a
//! [`TunePlan`]; produces the new text, edited by byte spans and lines, never re-serialized (every
//! serde YAML crate drops comments and reflows the file). `yamlpath` (tree-sitter) locates the
//! nodes; the splices are ours. Every byte outside the region list, the managed filters, the
//! condition, the `modified:` line and the provenance comment stays identical, and [`apply`]
//! re-parses old and new and refuses any other difference.
//!
//! Layout rules: list items keep the file's quoting (taken from the first old item) and column;
//! a flow list stays a flow list; a scalar becomes a block list; comment lines before the first and
//! after the last item stay; a per-item trailing comment stays with its region if the region stays,
//! and goes with it otherwise. Managed filters are inserted just above `condition:` in the file's
//! indentation and added to the condition as `and not NAME`; a managed filter absent from the plan
//! is removed with its condition term. Applying a plan to its own output changes nothing.

mod locate;
mod verify;

use chrono::NaiveDate;

use locate::Located;

/// How the tuned rule names regions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionMode {
    /// `detection.<selection>.awsRegion` := these regions (the seed's Step 3).
    Denylist(Vec<String>),
    /// The selection stops listing regions; `filter_baseline_regions` holds these, and the
    /// condition gains `and not filter_baseline_regions`.
    Allowlist(Vec<String>),
}

/// An exclusion added to the detection and to the condition as `and not NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub name: String,
    /// field (may carry modifiers) -> values (OR); the fields are ANDed.
    pub fields: Vec<(String, Vec<String>)>,
    pub comment: Option<String>,
}

/// What to do to the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TunePlan {
    /// The selection holding the region key (`selection` in the seed).
    pub selection: String,
    pub regions: RegionMode,
    pub filters: Vec<Filter>,
    /// Lines of the provenance comment, each rendered `# trailtune: <line>`.
    pub provenance: Vec<String>,
    pub modified: NaiveDate,
}

/// The result of [`apply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewritten {
    pub text: String,
    pub changed: bool,
}

/// Filters trailtune owns: removed when the plan no longer has them.
pub const MANAGED_FILTERS: [&str; 3] = [
    "filter_global_services",
    "filter_sweepers",
    "filter_baseline_regions",
];

/// The name of the region key in a selection (before any `|modifier`).
pub const REGION_FIELD: &str = "awsRegion";

const PROVENANCE_PREFIX: &str = "# trailtune:";

#[derive(Debug, thiserror::Error)]
pub enum RewriteError {
    #[error("the rule is not valid YAML: {0}")]
    Yaml(String),
    #[error(
        "the rule uses CRLF line endings; convert it to LF first (e.g. dos2unix) so the edit can keep every other byte"
    )]
    Crlf,
    #[error("detection.{0} not found in the rule")]
    NoSelection(String),
    #[error("detection.{selection} has no {field} key (or {field}|modifier)")]
    NoRegionKey { selection: String, field: String },
    #[error("an empty region list is never written: the engine reads `[]` as 'field missing'")]
    EmptyList,
    #[error("cannot edit this layout: {0}")]
    Unsupported(String),
    #[error("internal check failed, the rule was not changed: {0}")]
    Verification(String),
}

/// Apply `plan` to `text`.
pub fn apply(text: &str, plan: &TunePlan) -> Result<Rewritten, RewriteError> {
    if text.contains("\r\n") {
        return Err(RewriteError::Crlf);
    }
    let list = match &plan.regions {
        RegionMode::Denylist(r) | RegionMode::Allowlist(r) => r,
    };
    if list.is_empty()
        || plan
            .filters
            .iter()
            .any(|f| f.fields.iter().any(|(_, v)| v.is_empty()))
    {
        return Err(RewriteError::EmptyList);
    }
    // tree-sitter and yamlpath are not ours; a panic in them must not take the tool down.
    let result = std::panic::catch_unwind(|| edit(text, plan));
    let new = match result {
        Ok(r) => r?,
        Err(_) => {
            return Err(RewriteError::Unsupported(
                "the YAML locator failed on this file".into(),
            ));
        }
    };
    verify::check(text, &new, plan)?;
    Ok(Rewritten {
        changed: new != text,
        text: new,
    })
}

/// A unified diff (3 lines of context).
pub fn unified_diff(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_name, new_name)
        .to_string()
}

fn edit(text: &str, plan: &TunePlan) -> Result<String, RewriteError> {
    let mut filters = plan.filters.clone();
    let mut text = text.to_string();
    let layout = Located::new(&text)?.layout(&plan.selection)?;

    // 1. Remove every managed filter (and its condition term); the plan's are re-added below.
    let mut managed: Vec<String> = MANAGED_FILTERS.iter().map(|s| s.to_string()).collect();
    managed.extend(filters.iter().map(|f| f.name.clone()));
    for name in &managed {
        text = Located::new(&text)?.remove_detection_item(name)?;
    }
    text = Located::new(&text)?.rewrite_condition(&managed, &[])?;

    // 2. The region list.
    match &plan.regions {
        RegionMode::Denylist(regions) => {
            text = Located::new(&text)?.replace_region_list(&plan.selection, regions, &layout)?;
            text = Located::new(&text)?.set_provenance(&plan.selection, &plan.provenance)?;
        }
        RegionMode::Allowlist(regions) => {
            text = Located::new(&text)?.remove_region_key(&plan.selection)?;
            filters.push(Filter {
                name: "filter_baseline_regions".to_string(),
                fields: vec![(REGION_FIELD.to_string(), regions.clone())],
                comment: None,
            });
        }
    }

    // 3. Managed filters above `condition:`, and their terms in it.
    if !filters.is_empty() {
        let provenance = match plan.regions {
            RegionMode::Allowlist(_) => plan.provenance.as_slice(),
            RegionMode::Denylist(_) => &[],
        };
        text = Located::new(&text)?.insert_filters(&filters, &layout, provenance)?;
        let names: Vec<String> = filters.iter().map(|f| f.name.clone()).collect();
        text = Located::new(&text)?.rewrite_condition(&managed, &names)?;
    }

    // 4. modified:
    text = Located::new(&text)?.set_modified(plan.modified)?;
    Ok(text)
}

/// Render a scalar in a quoting style: `'x'`, `"x"` or plain.
fn quote(value: &str, style: char) -> String {
    match style {
        '\'' => format!("'{}'", value.replace('\'', "''")),
        '"' => format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\"")),
        _ if needs_quotes(value) => format!("'{}'", value.replace('\'', "''")),
        _ => value.to_string(),
    }
}

fn needs_quotes(v: &str) -> bool {
    v.is_empty()
        || v.starts_with(|c: char| "*&!|>'\"%@`#-?:,[]{} ".contains(c))
        || v.contains(": ")
        || v.contains(" #")
        || v.ends_with(' ')
        || matches!(
            v.to_ascii_lowercase().as_str(),
            "null" | "true" | "false" | "yes" | "no" | "~"
        )
        || v.parse::<f64>().is_ok()
}
