//! `trailtune tune`: baseline -> policy -> a `TunePlan` -> lossless rewrite of the rule ->
//! verified to load in our engine -> written atomically (or checked, or diffed). Also emits the
//! portable artefacts (Sigma meta-filter, pySigma placeholder pipeline) from the same allowlist.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;

use crate::baseline::Baseline;
use crate::cli::{TuneArgs, TuneMode, TuneOutputArgs};
use crate::commands::learn;
use crate::exit::Status;
use crate::policy::{self, RegionPolicy};
use crate::rewrite::{self, Filter, RegionMode, TunePlan};
use crate::sigma::{LoadOptions, RuleSet};

/// The embedded seed rule, used when `--rule` is not given.
pub const SEED_RULE: &str = include_str!("../data/aws_unusual_region.yml");
/// How the embedded seed rule is named in messages and provenance.
pub const SEED_RULE_NAME: &str = "aws_unusual_region.yml (embedded seed rule)";

/// The rule's text and its name.
pub fn read_rule(path: Option<&Path>) -> Result<(String, String)> {
    match path {
        None => Ok((SEED_RULE.to_string(), SEED_RULE_NAME.to_string())),
        Some(p) => Ok((
            std::fs::read_to_string(p)
                .with_context(|| format!("cannot read rule {}", p.display()))?,
            p.display().to_string(),
        )),
    }
}

/// The rule text tuned to a policy, plus what changed.
pub struct Tuned {
    pub plan: TunePlan,
    pub text: String,
    pub changed: bool,
}

/// The sweeper filter's values: assumed-role sessions of a role, or the exact user ARN.
fn sweeper_prefix(principal: &str) -> String {
    // arn:aws:iam::123:role/path/Name -> arn:aws:sts::123:assumed-role/Name/
    if let Some((head, role)) = principal.split_once(":role/") {
        let name = role.rsplit('/').next().unwrap_or(role);
        return format!(
            "{}:assumed-role/{name}/",
            head.replacen(":iam:", ":sts:", 1)
        );
    }
    if principal.contains(":assumed-role/") {
        return format!("{principal}/");
    }
    principal.to_string()
}

/// Build the plan: list, managed filters, provenance, date.
pub fn plan(
    policy: &RegionPolicy,
    baseline: &Baseline,
    mode: TuneMode,
    date: NaiveDate,
    rule_name: &str,
) -> Result<TunePlan> {
    let allow = policy.allowlist();
    let regions = match mode {
        TuneMode::Denylist => {
            let unusual = policy.unusual_catalogue_regions();
            if unusual.is_empty() {
                bail!(
                    "nothing is unusual: every region of {} is in the allowlist. An empty awsRegion list would make the rule \
                     match only events without awsRegion; narrow the allowlist (--deny, thresholds) or use --mode allowlist",
                    policy.partitions.join(", ")
                );
            }
            RegionMode::Denylist(unusual)
        }
        TuneMode::Allowlist => {
            if allow.is_empty() {
                bail!(
                    "the allowlist is empty: no region has enough evidence of normal use. An empty filter list would be read \
                     as 'awsRegion missing'; lower the thresholds, --approve or --allow regions, or use --mode denylist"
                );
            }
            RegionMode::Allowlist(allow.clone())
        }
    };
    let mut filters = Vec::new();
    let homes: Vec<String> = policy
        .partitions
        .iter()
        .filter_map(|p| {
            crate::regions::catalogue()
                .global_home(p)
                .map(str::to_string)
        })
        .filter(|home| !allow.contains(home))
        .collect();
    if !policy.global_sources.is_empty() && !homes.is_empty() {
        filters.push(Filter {
            name: "filter_global_services".to_string(),
            fields: vec![
                ("awsRegion".to_string(), homes),
                (
                    "eventSource".to_string(),
                    policy.global_sources.keys().cloned().collect(),
                ),
            ],
            comment: Some(
                "Step 4: global services are logged in their home region (CloudTrail docs)"
                    .to_string(),
            ),
        });
    }
    // Roles: every session of the role (ARN prefix); users: the exact ARN.
    let (mut roles, mut users) = (Vec::new(), Vec::new());
    for s in policy.sweepers.iter().filter(|s| s.needs_filter) {
        let prefix = sweeper_prefix(&s.principal);
        if prefix.ends_with('/') {
            roles.push(prefix);
        } else {
            users.push(prefix);
        }
    }
    for (list, name, field) in [
        (&mut roles, "filter_sweepers", "userIdentity.arn|startswith"),
        (&mut users, "filter_sweeper_users", "userIdentity.arn"),
    ] {
        list.sort();
        list.dedup();
        if !list.is_empty() {
            filters.push(Filter {
                name: name.to_string(),
                fields: vec![(field.to_string(), list.clone())],
                comment: Some(
                    "principals that call read-only APIs in nearly every region (scanners, AWS Config)".to_string(),
                ),
            });
        }
    }
    let quarantined = policy.quarantined();
    let mut provenance = vec![
        format!(
            "tuned by trailtune {} ({} mode) from {} .. {} ({} days)",
            env!("CARGO_PKG_VERSION"),
            match mode {
                TuneMode::Denylist => "denylist",
                TuneMode::Allowlist => "allowlist",
            },
            policy.window.since,
            policy.window.until,
            policy.window.days()
        ),
        format!("policy: {}", policy.config_summary),
        format!(
            "baseline {}: {} events, {} of normal use; rule {}",
            baseline.digest(),
            baseline.input.events,
            policy.evidence_events,
            rule_name
        ),
        format!(
            "allowlist ({}): {}",
            allow.len(),
            if allow.is_empty() {
                "-".to_string()
            } else {
                allow.join(", ")
            }
        ),
    ];
    if !quarantined.is_empty() {
        provenance.push(format!(
            "quarantined, awaiting review: {}",
            quarantined.join(", ")
        ));
    }
    Ok(TunePlan {
        selection: "selection".to_string(),
        regions,
        filters,
        provenance,
        modified: date,
    })
}

/// Refuse a condition that would pull the managed filters into its own selections: `them`, or a
/// wildcard such as `all of filter*` would make `all of them and not filter_x` require the filter
/// to match and never fire.
fn check_condition(text: &str, names: &[String]) -> Result<()> {
    let value: serde_yaml::Value = serde_yaml::from_str(text).unwrap_or_default();
    let conditions: Vec<String> = match value.get("detection").and_then(|d| d.get("condition")) {
        Some(serde_yaml::Value::String(c)) => vec![c.clone()],
        Some(serde_yaml::Value::Sequence(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    for condition in &conditions {
        for token in condition.split(|c: char| c.is_whitespace() || c == '(' || c == ')') {
            let covers = |name: &str| match token.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix),
                None => token == "them",
            };
            if let Some(name) = names.iter().find(|n| covers(n)) {
                bail!(
                    "the rule's condition uses '{token}', which would also cover the exclusion filter {name} that tuning adds; \
                     name the selections explicitly in the condition, then tune again"
                );
            }
        }
    }
    Ok(())
}

/// Apply the plan to the rule text and check that the result loads in our engine.
pub fn tune_text(text: &str, plan: TunePlan) -> Result<Tuned> {
    let mut names: Vec<String> = plan.filters.iter().map(|f| f.name.clone()).collect();
    if matches!(plan.regions, RegionMode::Allowlist(_)) {
        names.push("filter_baseline_regions".to_string());
    }
    check_condition(text, &names)?;
    let rewritten = rewrite::apply(text, &plan)?;
    let loaded = RuleSet::load_str(
        &rewritten.text,
        Path::new("<tuned rule>"),
        &LoadOptions::default(),
    );
    if let Some(e) = loaded.errors.first() {
        bail!("the tuned rule does not load in the engine: {e}");
    }
    // Only the provenance and `modified:` differ (a newer baseline that decides the same): the
    // rule is up to date; leave the file as it is so cron and CI see no churn.
    if rewritten.changed && substance(text) == substance(&rewritten.text) {
        return Ok(Tuned {
            plan,
            text: text.to_string(),
            changed: false,
        });
    }
    Ok(Tuned {
        plan,
        text: rewritten.text,
        changed: rewritten.changed,
    })
}

/// The rule without trailtune's provenance comments and the `modified:` line.
fn substance(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("# trailtune:") && !l.starts_with("modified:"))
        .collect()
}

/// Write, check or diff a tuned rule according to the output options. Returns whether the
/// rule changed.
pub fn emit(
    out: &TuneOutputArgs,
    rule_path: Option<&Path>,
    old: &str,
    tuned: &Tuned,
    policy: &RegionPolicy,
    rule_id: &str,
) -> Result<bool> {
    let mut stdout = std::io::stdout().lock();
    if out.diff {
        let name = rule_path.map_or_else(|| "rule".to_string(), |p| p.display().to_string());
        write!(
            stdout,
            "{}",
            rewrite::unified_diff(old, &tuned.text, &name, &name)
        )?;
    }
    if out.check {
        return Ok(tuned.changed);
    }
    let target: Option<PathBuf> = match (&out.out, out.in_place, rule_path) {
        (Some(p), _, _) => Some(p.clone()),
        (None, true, Some(p)) => Some(p.to_path_buf()),
        (None, true, None) => bail!(
            "--in-place needs --rule FILE (the embedded seed rule cannot be rewritten in place)"
        ),
        (None, false, _) => None,
    };
    match target {
        Some(path) => {
            let unchanged_on_disk = std::fs::read_to_string(&path).is_ok_and(|t| t == tuned.text);
            if !unchanged_on_disk {
                crate::atomic::write(&path, tuned.text.as_bytes())
                    .with_context(|| format!("writing {}", path.display()))?;
            }
        }
        None if !out.diff => write!(stdout, "{}", tuned.text)?,
        None => {}
    }
    if let Some(path) = &out.emit_filter {
        crate::atomic::write(path, meta_filter(policy, rule_id).as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &out.emit_placeholder {
        crate::atomic::write(path, placeholder_pipeline(policy).as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(tuned.changed)
}

/// A Sigma meta-filter (filters spec v2) that drops events from allowlisted regions for one rule.
pub fn meta_filter(policy: &RegionPolicy, rule_id: &str) -> String {
    let mut s = String::new();
    s.push_str("title: trailtune baseline regions\n");
    s.push_str(&format!("description: Regions normal for this organization, learned by trailtune {} from {} .. {}\n", env!("CARGO_PKG_VERSION"), policy.window.since, policy.window.until));
    s.push_str("logsource:\n  product: aws\n  service: cloudtrail\nfilter:\n  rules:\n");
    s.push_str(&format!("    - {rule_id}\n"));
    s.push_str("  selection:\n    awsRegion:\n");
    for r in policy.allowlist() {
        s.push_str(&format!("      - {r}\n"));
    }
    s.push_str("  condition: not selection\n");
    s
}

/// A pySigma processing pipeline that supplies `%unusual_regions%` (for `awsRegion|expand`).
pub fn placeholder_pipeline(policy: &RegionPolicy) -> String {
    let mut s = String::new();
    s.push_str("name: trailtune unusual regions\npriority: 10\nvars:\n  unusual_regions:\n");
    for r in policy.unusual_catalogue_regions() {
        s.push_str(&format!("    - {r}\n"));
    }
    s.push_str("transformations:\n  - id: trailtune_unusual_regions\n    type: value_placeholders\n    include:\n      - unusual_regions\n");
    s
}

/// Refuse to tune from less history than `--min-history`, unless `--force`.
pub fn ensure_history(policy: &RegionPolicy, args: &crate::cli::PolicyArgs) -> Result<()> {
    if !policy.enough_data && !args.force {
        bail!(
            "not enough history to tune: {} day(s) of logs, --min-history is {} (collect more, or pass --force)",
            policy.history_days,
            args.min_history
        );
    }
    Ok(())
}

/// The rule's id (for the meta-filter), read with the YAML reader.
pub fn rule_id(text: &str) -> String {
    serde_yaml::from_str::<serde_yaml::Value>(text)
        .ok()
        .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_string))
        .unwrap_or_else(|| "unknown-rule-id".to_string())
}

pub fn run(args: TuneArgs) -> Result<Status> {
    let (text, rule_name) = read_rule(args.rule.as_deref())?;
    let learned = learn::baseline_from(&args.source)?;
    let config = learn::policy_config(&args.policy, &learned.baseline.review);
    let decided = policy::decide(&learned.baseline, &config).context("deciding the allowlist")?;
    learn::report_input(&learned.problems, &learned.baseline)?;
    ensure_history(&decided, &args.policy)?;
    let date = args
        .output
        .date
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    let plan = plan(
        &decided,
        &learned.baseline,
        args.output.mode,
        date,
        &rule_name,
    )?;
    let tuned = tune_text(&text, plan).with_context(|| format!("tuning {rule_name}"))?;
    let changed = emit(
        &args.output,
        args.rule.as_deref(),
        &text,
        &tuned,
        &decided,
        &rule_id(&text),
    )?;
    crate::report::tune::summary(
        &mut std::io::stderr().lock(),
        &decided,
        &tuned.plan,
        changed,
        args.output.check,
    )?;
    Ok(Status::from_flags(changed, !learned.problems.is_empty()))
}
