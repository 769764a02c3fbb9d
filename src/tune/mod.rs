//! The tune stage: one sequence for every command that tunes a rule (`tune`, `run`,
//! `rebaseline`, `demo`). Consumes the rule's text, a [`Baseline`] and the [`RegionPolicy`]
//! decided from it, and a [`TuneConfig`]; produces a [`Tuned`] rule: the text the target should
//! hold, what it holds now, and whether they differ in substance. The decision "is the rule up
//! to date?" is always made from the rule's text, never from how the allowlist moved, so a rule
//! tuned from other flags, another state or never tuned at all is rewritten (or reported by
//! `--check`). [`write()`] then writes the target and the portable artefacts atomically. It prints
//! nothing (the diff and the summary are `report/`'s).
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | configuration, [`prepare`], [`write()`], errors |
//! | `plan.rs` | the policy as a [`TunePlan`]: region list, managed filters, provenance |
//! | `artefacts.rs` | the Sigma meta-filter and the pySigma placeholder pipeline |

mod artefacts;
mod plan;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

pub use artefacts::{meta_filter, placeholder_pipeline};
pub use plan::{fallback_words, plan};

use crate::baseline::Baseline;
use crate::policy::{AccountPolicies, RegionPolicy};
use crate::rewrite::{self, RegionMode, TunePlan};
use crate::sigma::{LoadOptions, RuleSet};

/// The embedded seed rule, used when no rule file is given.
pub const SEED_RULE: &str = include_str!("../data/aws_unusual_region.yml");
/// How the embedded seed rule is named in messages and provenance.
pub const SEED_RULE_NAME: &str = "aws_unusual_region.yml (embedded seed rule)";

/// Which form the tuned rule takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// The seed's Step 3: `awsRegion` lists every catalogue region outside the allowlist.
    #[default]
    Denylist,
    /// A `filter_baseline_regions` selection holds the allowlist, so regions AWS launches after
    /// tuning still alert.
    Allowlist,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Denylist => "denylist",
            Mode::Allowlist => "allowlist",
        }
    }
}

/// The rule to tune.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RuleSource {
    /// The embedded seed rule.
    #[default]
    Seed,
    File(PathBuf),
}

/// Where the tuned rule goes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Target {
    /// Standard output (the caller prints [`Tuned::text`]).
    #[default]
    Stdout,
    /// This file, written atomically.
    File(PathBuf),
    /// The rule file itself (requires [`RuleSource::File`]).
    InPlace,
}

/// How to tune (validated by `config`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TuneConfig {
    pub rule: RuleSource,
    pub mode: Mode,
    /// The date written to `modified:`.
    pub date: NaiveDate,
    pub target: Target,
    /// Write nothing; report whether the target is out of date.
    pub check: bool,
    /// Show the change as a unified diff.
    pub diff: bool,
    /// Also write a Sigma meta-filter with the allowlist.
    pub emit_filter: Option<PathBuf>,
    /// Also write a pySigma pipeline with `vars: unusual_regions`.
    pub emit_placeholder: Option<PathBuf>,
    /// Tune even with less history than the policy's `min_history_days`.
    pub force: bool,
}

impl TuneConfig {
    /// The seed rule to stdout in denylist mode, dated `date`.
    pub fn new(date: NaiveDate) -> TuneConfig {
        TuneConfig {
            rule: RuleSource::Seed,
            mode: Mode::Denylist,
            date,
            target: Target::Stdout,
            check: false,
            diff: false,
            emit_filter: None,
            emit_placeholder: None,
            force: false,
        }
    }

    /// The file the tuned rule is written to, if any.
    pub fn target_path(&self) -> Option<&Path> {
        match (&self.target, &self.rule) {
            (Target::File(p), _) | (Target::InPlace, RuleSource::File(p)) => Some(p),
            _ => None,
        }
    }
}

/// A rule's text and how it is named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub text: String,
    pub name: String,
}

impl Rule {
    /// Read the rule (the embedded seed rule for [`RuleSource::Seed`]).
    pub fn read(source: &RuleSource) -> Result<Rule, TuneError> {
        match source {
            RuleSource::Seed => Ok(Rule {
                text: SEED_RULE.to_string(),
                name: SEED_RULE_NAME.to_string(),
            }),
            RuleSource::File(path) => Ok(Rule {
                text: crate::atomic::read_capped(path).map_err(|source| TuneError::ReadRule {
                    path: path.clone(),
                    source,
                })?,
                name: path.display().to_string(),
            }),
        }
    }

    /// The rule's `id:` (for the meta-filter).
    pub fn id(&self) -> String {
        serde_yaml::from_str::<serde_yaml::Value>(&self.text)
            .ok()
            .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_string))
            .unwrap_or_else(|| "unknown-rule-id".to_string())
    }
}

/// A tuned rule.
#[derive(Debug, Clone)]
pub struct Tuned {
    pub plan: TunePlan,
    /// What the target holds now: the target file, or the rule itself (stdout, in place, or a
    /// target file that does not exist yet).
    pub current: String,
    /// What the target should hold: `current` itself when only the provenance or `modified:`
    /// would differ (no churn in cron), else the rewritten rule.
    pub text: String,
    /// The target is out of date (or missing).
    pub changed: bool,
    /// `current` is the target file's text (false: the rule's own, as the target does not exist
    /// yet or is the rule itself or standard output).
    pub current_is_target: bool,
    /// Warnings about the rule's metadata (an unknown `level`, ...): the rule loads anyway.
    pub warnings: Vec<String>,
}

/// Why a rule could not be tuned or written.
#[derive(Debug, thiserror::Error)]
pub enum TuneError {
    #[error("cannot read rule {}: {source}", path.display())]
    ReadRule {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "not enough history to tune: {days} {} of logs, --min-history is {min} (collect more, or pass --force)", crate::text::plural(*days as u64, "day", "days")
    )]
    NotEnoughHistory { days: i64, min: u32 },
    #[error(
        "nothing is unusual: every region of {partitions} is in the allowlist. An empty awsRegion list would make the rule \
         match only events without awsRegion; narrow the allowlist (--deny, thresholds) or use --mode allowlist"
    )]
    NothingUnusual { partitions: String },
    #[error(
        "--per-account writes the denylist form (the selection lists the regions, one filter per account exempts \
         its own); drop --mode allowlist, or drop --per-account"
    )]
    PerAccountAllowlist,
    #[error(
        "the rule has a selection of its own named {name}: names starting with filter_account_ are \
         trailtune's (one per account: recipientAccountId and awsRegion only), and tuning would replace \
         or remove it; rename it (and its condition term), then tune again"
    )]
    AccountFilterName { name: String },
    #[error(
        "the tuned rule would alert on the organization's own regions: {regions}. A region with {threshold}% or more of \
         normal use is listed only when a person says so: review it, then --approve it (or lower the threshold it missed), \
         or --deny it to alert on it anyway"
    )]
    HomeRegions { regions: String, threshold: f64 },
    #[error(
        "the allowlist is empty: no region has enough evidence of normal use. An empty filter list would be read \
         as 'awsRegion missing'; lower the thresholds, --approve or --allow regions, or use --mode denylist"
    )]
    EmptyAllowlist,
    #[error(
        "the rule's condition uses '{token}', which would also cover the exclusion filter {filter} that tuning adds; \
         name the selections explicitly in the condition, then tune again"
    )]
    ConditionCovers { token: String, filter: String },
    #[error("tuning {rule}: {source}")]
    Rewrite {
        rule: String,
        source: rewrite::RewriteError,
    },
    #[error("{rule}: the rule does not load: {reason}")]
    NotOneRule { rule: String, reason: String },
    #[error("tuning {rule}: the tuned rule does not load in the engine: {reason}")]
    DoesNotLoad { rule: String, reason: String },
    #[error("the rule's region condition cannot be tuned safely ({key}): {why}")]
    RegionKey { key: String, why: String },
    #[error("--in-place needs --rule FILE (the embedded seed rule cannot be rewritten in place)")]
    InPlaceNeedsFile,
    #[error("writing {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Refuse to tune from less history than the policy asks for, unless forced.
pub fn ensure_history(
    policy: &RegionPolicy,
    min_history_days: u32,
    force: bool,
) -> Result<(), TuneError> {
    if !policy.enough_data && !force {
        return Err(TuneError::NotEnoughHistory {
            days: policy.history_days,
            min: min_history_days,
        });
    }
    Ok(())
}

/// Tune `rule` to `policy` and compare the result with what the target holds now.
pub fn prepare(
    rule: &Rule,
    baseline: &Baseline,
    policy: &RegionPolicy,
    accounts: Option<&AccountPolicies>,
    cfg: &TuneConfig,
) -> Result<Tuned, TuneError> {
    if cfg.target == Target::InPlace && cfg.rule == RuleSource::Seed {
        return Err(TuneError::InPlaceNeedsFile);
    }
    let plan = plan(policy, accounts, baseline, cfg.mode, cfg.date, &rule.name)?;
    let (rewritten, warnings) = apply(&rule.text, &plan, &rule.name)?;
    let existing = match &cfg.target {
        Target::File(path) => {
            crate::atomic::read_back(path).map_err(|source| TuneError::Write {
                path: path.clone(),
                source,
            })?
        }
        Target::Stdout | Target::InPlace => Some(rule.text.clone()),
    };
    let current_is_target = matches!(cfg.target, Target::File(_)) && existing.is_some();
    let mut warnings = warnings;
    // What the target holds, or (a new target) the rule: its managed filters are being replaced.
    warnings.extend(dropped_filter_values(
        existing.as_deref().unwrap_or(&rule.text),
        &plan,
    ));
    let (current, text, changed) = match existing {
        // Only the provenance and `modified:` differ (a newer baseline that decides the same):
        // the target is up to date and stays byte-identical.
        Some(current) if substance(&current) == substance(&rewritten) => {
            (current.clone(), current, false)
        }
        Some(current) => (current, rewritten, true),
        None => (rule.text.clone(), rewritten, true),
    };
    Ok(Tuned {
        plan,
        current,
        text,
        changed,
        current_is_target,
        warnings,
    })
}

/// Apply the plan to the rule text and check that the result loads in our engine; returns the
/// text and the warnings about its metadata.
fn apply(text: &str, plan: &TunePlan, rule_name: &str) -> Result<(String, Vec<String>), TuneError> {
    let mut names: Vec<String> = plan.filters.iter().map(|f| f.name.clone()).collect();
    // Per-account filters written by an earlier run (`filter_account_*` covers them all).
    names.push(rewrite::ACCOUNT_GLOB.to_string());
    if matches!(plan.regions, RegionMode::Allowlist(_)) {
        names.push(rewrite::BASELINE_FILTER.to_string());
    }
    // The checks every command makes first (a byte-order mark dropped, size and depth bounded,
    // one YAML document), with the words `athena` uses, before any YAML parser here sees it.
    crate::sigma::one_document(text).map_err(|problem| TuneError::NotOneRule {
        rule: rule_name.to_string(),
        reason: problem.to_string(),
    })?;
    let unmarked = crate::yaml_shape::strip_bom(text);
    check_condition(unmarked, &names)?;
    check_region_keys(unmarked, &plan.selection)?;
    check_account_filters(unmarked)?;
    let rewritten = rewrite::apply(text, plan).map_err(|source| TuneError::Rewrite {
        rule: rule_name.to_string(),
        source,
    })?;
    let loaded = RuleSet::load_str(
        &rewritten.text,
        Path::new("<tuned rule>"),
        &LoadOptions::default(),
    );
    if let Some(e) = loaded.errors.first() {
        return Err(TuneError::DoesNotLoad {
            rule: rule_name.to_string(),
            reason: e.to_string(),
        });
    }
    let warnings = loaded
        .warnings
        .iter()
        .map(|w| format!("{rule_name}: {}", w.reason))
        .collect();
    Ok((rewritten.text, warnings))
}

/// Values a managed filter of `current` holds that the plan's version of it drops (a sweeper
/// gone, a global service no longer seen, or a hand edit: trailtune owns these filters and does
/// not keep hand edits in them, so it says what goes).
fn dropped_filter_values(current: &str, plan: &TunePlan) -> Vec<String> {
    let value: serde_yaml::Value = serde_yaml::from_str(current).unwrap_or_default();
    let Some(detection) = value.get("detection") else {
        return Vec::new();
    };
    let strings = |v: &serde_yaml::Value| -> Vec<String> {
        match v {
            serde_yaml::Value::Sequence(items) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
            serde_yaml::Value::String(s) => vec![s.clone()],
            _ => Vec::new(),
        }
    };
    let mut notes = Vec::new();
    for name in rewrite::MANAGED_FILTERS {
        let Some(old) = detection.get(name).and_then(|f| f.as_mapping()) else {
            continue;
        };
        let new: Vec<&(String, Vec<String>)> = plan
            .filters
            .iter()
            .filter(|f| f.name == name)
            .flat_map(|f| f.fields.iter())
            .collect();
        let allowlist = match (&plan.regions, name) {
            (RegionMode::Allowlist(r), rewrite::BASELINE_FILTER) => Some(r),
            _ => None,
        };
        for (field, values) in old {
            let Some(field) = field.as_str() else {
                continue;
            };
            let kept: Vec<&String> = match allowlist {
                Some(regions) => regions.iter().collect(),
                None => new
                    .iter()
                    .filter(|(f, _)| f == field)
                    .flat_map(|(_, v)| v.iter())
                    .collect(),
            };
            let dropped: Vec<String> = strings(values)
                .into_iter()
                .filter(|v| !kept.contains(&v))
                .collect();
            if !dropped.is_empty() {
                notes.push(format!(
                    "{name}.{field} no longer holds {} (trailtune rewrites its own filters; keep exceptions of your own in a selection of your own)",
                    dropped.join(", ")
                ));
            }
        }
    }
    notes
}

/// The field a selection key matches (`awsRegion|contains` -> `awsRegion`) and its modifiers.
fn split_key(key: &str) -> (&str, Vec<&str>) {
    let mut parts = key.split('|');
    let field = parts.next().unwrap_or_default();
    (field, parts.collect())
}

/// Refuse a rule whose region condition tuning cannot rewrite safely: `awsRegion` in another
/// selection too (it would go on firing on the home regions), `|all` (a list every value of which
/// must match: never true for a list of regions), `|expand` (a placeholder, filled by a pySigma
/// pipeline: `--emit-placeholder` writes that pipeline instead).
fn check_region_keys(text: &str, selection: &str) -> Result<(), TuneError> {
    let value: serde_yaml::Value = serde_yaml::from_str(text).unwrap_or_default();
    let Some(detection) = value.get("detection").and_then(|d| d.as_mapping()) else {
        return Ok(());
    };
    let keys_of = |v: &serde_yaml::Value| -> Vec<String> {
        let maps: Vec<&serde_yaml::Mapping> = match v {
            serde_yaml::Value::Mapping(m) => vec![m],
            serde_yaml::Value::Sequence(items) => {
                items.iter().filter_map(|i| i.as_mapping()).collect()
            }
            _ => Vec::new(),
        };
        maps.iter()
            .flat_map(|m| m.keys())
            .filter_map(|k| k.as_str())
            .filter(|k| split_key(k).0 == "awsRegion")
            .map(str::to_string)
            .collect()
    };
    let mut others = Vec::new();
    for (name, body) in detection {
        let Some(name) = name.as_str() else { continue };
        let managed = rewrite::MANAGED_FILTERS.contains(&name)
            || name.starts_with(rewrite::ACCOUNT_FILTER_PREFIX);
        if name == "condition" || managed {
            continue;
        }
        let keys = keys_of(body);
        if name == selection {
            for key in &keys {
                let (_, modifiers) = split_key(key);
                if modifiers.contains(&"expand") {
                    return Err(TuneError::RegionKey {
                        key: key.clone(),
                        why: "its values are a placeholder filled by a pySigma pipeline; keep the rule as it is and \
                              write that pipeline with --emit-placeholder FILE (vars: unusual_regions)"
                            .into(),
                    });
                }
                if modifiers.contains(&"all") {
                    return Err(TuneError::RegionKey {
                        key: key.clone(),
                        why: "with |all every listed region would have to match one event, so a list of regions never \
                              matches; remove |all, then tune again"
                            .into(),
                    });
                }
            }
        } else if !keys.is_empty() {
            others.push(name.to_string());
        }
    }
    if !others.is_empty() {
        return Err(TuneError::RegionKey {
            key: format!("awsRegion in {}", others.join(", ")),
            why: format!(
                "tuning rewrites the region list of '{selection}' only, and these selections would go on matching \
                 the organization's own regions; move their region condition into '{selection}' (or drop it), then tune again"
            ),
        });
    }
    Ok(())
}

/// Refuse a rule whose author named a selection of their own `filter_account_...`: trailtune owns
/// that prefix (its per-account filters), and would otherwise replace or drop the selection. Ours
/// are `filter_account_<12 digits>` holding `recipientAccountId` and `awsRegion` only.
fn check_account_filters(text: &str) -> Result<(), TuneError> {
    let value: serde_yaml::Value = serde_yaml::from_str(text).unwrap_or_default();
    let Some(detection) = value.get("detection").and_then(|d| d.as_mapping()) else {
        return Ok(());
    };
    for (name, body) in detection {
        let Some(name) = name.as_str() else { continue };
        let Some(id) = name.strip_prefix(rewrite::ACCOUNT_FILTER_PREFIX) else {
            continue;
        };
        let fields: Option<BTreeSet<&str>> = body
            .as_mapping()
            .map(|m| m.keys().filter_map(|k| k.as_str()).collect());
        let ours = crate::policy::is_account_id(id)
            && fields.is_some_and(|f| f == BTreeSet::from(["recipientAccountId", "awsRegion"]));
        if !ours {
            return Err(TuneError::AccountFilterName {
                name: name.to_string(),
            });
        }
    }
    Ok(())
}

/// Refuse a condition that would pull the managed filters into its own selections: `them`, or a
/// wildcard such as `all of filter*` would make `all of them and not filter_x` require the filter
/// to match and never fire.
fn check_condition(text: &str, names: &[String]) -> Result<(), TuneError> {
    let value: serde_yaml::Value = serde_yaml::from_str(text).unwrap_or_default();
    let conditions: Vec<String> = match value.get("detection").and_then(|d| d.get("condition")) {
        Some(serde_yaml::Value::String(c)) => vec![c.clone()],
        Some(serde_yaml::Value::Sequence(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    // trailtune's own term for the per-account filters is not a wildcard of the rule's.
    let own_term = format!(" and not {}", rewrite::ACCOUNT_TERM);
    for condition in &conditions {
        let condition = condition.replace(&own_term, "");
        for token in condition.split(|c: char| c.is_whitespace() || c == '(' || c == ')') {
            let covers = |name: &str| match token.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix),
                None => token == "them",
            };
            if let Some(name) = names.iter().find(|n| covers(n)) {
                return Err(TuneError::ConditionCovers {
                    token: token.to_string(),
                    filter: name.clone(),
                });
            }
        }
    }
    Ok(())
}

/// The rule without trailtune's provenance comments and the `modified:` line.
fn substance(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("# trailtune:") && !l.starts_with("modified:"))
        .collect()
}

/// Write the tuned rule to its target file (when it has one and it changed) and the artefacts,
/// atomically. Writes nothing under `check`. Standard output is the caller's.
pub fn write(
    rule: &Rule,
    tuned: &Tuned,
    policy: &RegionPolicy,
    cfg: &TuneConfig,
) -> Result<(), TuneError> {
    if cfg.check {
        return Ok(());
    }
    let put = |path: &Path, text: &str| {
        crate::atomic::write(path, text.as_bytes()).map_err(|source| TuneError::Write {
            path: path.to_path_buf(),
            source,
        })
    };
    if let Some(path) = cfg.target_path() {
        let on_disk =
            crate::atomic::read_back(path).is_ok_and(|t| t.as_deref() == Some(&tuned.text));
        if !on_disk {
            put(path, &tuned.text)?;
        }
    }
    if let Some(path) = &cfg.emit_filter {
        put(path, &meta_filter(policy, &rule.id()))?;
    }
    if let Some(path) = &cfg.emit_placeholder {
        put(path, &placeholder_pipeline(policy))?;
    }
    Ok(())
}
