//! The whole job in one sequence, for `run` and `demo`: learn a baseline from logs, decide the
//! allowlist, tune the rule (the tune stage), and backtest the tuned rule over the same logs.
//! Consumes a [`RunConfig`]; produces a [`RunOutcome`]. Each finished step is handed to a
//! [`Steps`] observer as soon as it is done, so the caller can show it before the next step
//! starts (the command prints through `report/`); this module prints nothing itself.

use std::path::Path;

use crate::baseline::Baseline;
use crate::baseline::{BaselineSource, LearnError, Learned};
use crate::detect::{self, Detection, Tally};
use crate::geo::Geo;
use crate::input::{self, DiscoverOptions, InputConfig, InputError, Progress};
use crate::policy::{self, AccountPolicies, PolicyConfig, RegionPolicy};
use crate::sigma::{LoadOptions, RuleInfo, RuleSet};
use crate::tune::{self, Rule, TuneConfig, TuneError, Tuned};
use crate::window::WindowSpec;

/// Everything the job needs.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub input: InputConfig,
    pub window: WindowSpec,
    pub policy: PolicyConfig,
    pub tune: TuneConfig,
    /// GeoIP databases for the backtest's callers (none: no lookups).
    pub geoip: Vec<std::path::PathBuf>,
    /// Save the learned baseline here (the state `rebaseline` goes on from).
    pub save: Option<std::path::PathBuf>,
}

/// Told about each step as soon as it is done.
pub trait Steps {
    fn learned(&mut self, learned: &Learned) -> std::io::Result<()>;
    /// The learned baseline was saved to `path`.
    fn saved(&mut self, _path: &Path, _learned: &Learned) -> std::io::Result<()> {
        Ok(())
    }
    /// The organization-wide decision, and each account's with `--per-account`.
    fn decided(
        &mut self,
        policy: &RegionPolicy,
        accounts: Option<&AccountPolicies>,
    ) -> std::io::Result<()>;
    /// The tuned rule; `written` names the file it was written to, if any.
    fn tuned(&mut self, rule: &Rule, tuned: &Tuned, written: Option<&Path>) -> std::io::Result<()>;
    /// One hit of the backtest, in order, as it is read (the hits are never all held).
    fn backtest_hit(&mut self, _hit: &Detection) -> std::io::Result<()> {
        Ok(())
    }
    /// The backtest is over: its hits counted, the first [`BACKTEST_KEPT`] kept whole; with
    /// several accounts, beside the other form's alert volume.
    fn backtested(
        &mut self,
        rules: &[RuleInfo],
        tally: &Tally,
        forms: Option<&Forms>,
    ) -> std::io::Result<()>;
}

/// The two forms of the tuned rule side by side, so a user can choose: the organization-wide
/// allowlist, or one allowlist per account (`--per-account`).
#[derive(Debug, Clone)]
pub struct Forms {
    /// The rule tuned (and written) is the per-account form.
    pub tuned_per_account: bool,
    /// How many regions the tuned rule lists.
    pub tuned_listed: usize,
    /// The other form's backtest and the regions it lists, or why it could not be tuned.
    pub other: Result<(Tally, usize), String>,
}

/// How many backtest hits are kept whole for the report.
pub const BACKTEST_KEPT: usize = 25;

/// What the job produced.
#[derive(Debug)]
pub struct RunOutcome {
    /// The backtest's hits, counted.
    pub backtest: Tally,
    /// Some input was skipped (while learning or during the backtest).
    pub skipped_input: bool,
    /// The tuned rule differs from its target (the target is out of date or missing).
    pub rule_changed: bool,
}

/// Why the job stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(
        "run reads the logs twice (profile, then backtest): give files or folders, not - (standard input)"
    )]
    Stdin,
    #[error(transparent)]
    Learn(#[from] LearnError),
    #[error(transparent)]
    Save(#[from] crate::baseline::BaselineError),
    #[error("deciding the allowlist: {0}")]
    Policy(#[from] polars::error::PolarsError),
    #[error(transparent)]
    Tune(#[from] TuneError),
    #[error("the tuned rule does not load: {0}")]
    TunedRule(String),
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Run the job. With `geo`, the backtest's callers are located.
pub fn run(
    cfg: &RunConfig,
    geo: Option<&Geo>,
    steps: &mut dyn Steps,
    progress: &dyn Progress,
) -> Result<RunOutcome, RunError> {
    if cfg.input.reads_stdin() {
        return Err(RunError::Stdin);
    }
    // The rule first: a rule that cannot be read stops the run before the logs are.
    let rule = Rule::read(&cfg.tune.rule)?;
    // 1. Learn.
    let learned = crate::baseline::learn(
        &BaselineSource::Logs {
            input: cfg.input.clone(),
            window: cfg.window,
        },
        progress,
    )?;
    steps.learned(&learned)?;
    let base = &learned.baseline;

    // 2. Decide.
    let policy_cfg = cfg.policy.with_review(&base.review);
    let decided = policy::decide(base, &policy_cfg)?;
    let accounts = policy::decide_accounts(base, &policy_cfg, &decided)?;
    steps.decided(&decided, accounts.as_ref())?;
    tune::ensure_history(&decided, cfg.policy.min_history_days, cfg.tune.force)?;

    // 3. Tune.
    let tuned = tune::prepare(&rule, base, &decided, accounts.as_ref(), &cfg.tune)?;
    // Every check has passed: the baseline is saved, then the rule written.
    if let Some(path) = &cfg.save {
        base.save(path)?;
        steps.saved(path, &learned)?;
    }
    tune::write(&rule, &tuned, &decided, &cfg.tune)?;
    let written = cfg.tune.target_path().filter(|_| !cfg.tune.check);
    steps.tuned(&rule, &tuned, written)?;

    // 4. Backtest: the same input again (its problems were reported with step 1), with the
    // other form of the rule beside it when the logs hold several accounts.
    let other = other_form(
        &rule,
        base,
        &policy_cfg,
        &decided,
        accounts.as_ref(),
        &cfg.tune,
    )?;
    let mut texts = vec![(tuned.text.as_str(), Path::new("<tuned rule>"))];
    if let Some(Ok((_, text))) = &other {
        texts.push((text.as_str(), Path::new("<other form>")));
    }
    let loaded = RuleSet::load_texts(&texts, &LoadOptions::default());
    if let Some(e) = loaded.errors.first() {
        return Err(RunError::TunedRule(e.to_string()));
    }
    let (found, _) = input::find(
        &cfg.input,
        &DiscoverOptions {
            since: Some(base.window.since),
            until: Some(base.window.until),
            days: None,
        },
    )?;
    let mut outcome = detect::run(
        &loaded.rules,
        &found.sources,
        Some(base.window),
        cfg.input.strict,
        detect::DEFAULT_SORT_BUFFER,
        &(),
    )
    .map_err(|e| match e {
        detect::RunError::Strict(p) => RunError::Input(InputError::Strict(p)),
        detect::RunError::Sort(e) => RunError::Io(e),
    })?;
    let mut tally = Tally::new(BACKTEST_KEPT);
    let mut other_tally = Tally::new(0);
    for hit in &mut outcome.hits {
        let mut hit = hit?;
        hit.caller = geo.map(|g| g.caller(&hit.source_ip));
        if hit.rule != 0 {
            other_tally.add(&hit);
            continue;
        }
        steps.backtest_hit(&hit)?;
        tally.add(&hit);
    }
    let forms = other.map(|other| Forms {
        tuned_per_account: accounts.is_some(),
        tuned_listed: listed(&tuned.plan),
        other: other.map(|(other_listed, _)| (other_tally, other_listed)),
    });
    steps.backtested(&loaded.rules.rules()[..1], &tally, forms.as_ref())?;
    let problems = outcome.finish();
    Ok(RunOutcome {
        backtest: tally,
        skipped_input: !learned.problems.is_empty() || !problems.is_empty(),
        rule_changed: tuned.changed,
    })
}

/// How many regions a plan lists (or allows, in the allowlist form).
fn listed(plan: &crate::rewrite::TunePlan) -> usize {
    match &plan.regions {
        crate::rewrite::RegionMode::Denylist(r) | crate::rewrite::RegionMode::Allowlist(r) => {
            r.len()
        }
    }
}

/// The other form of the tuned rule, for the side-by-side backtest: the organization-wide form
/// when the rule was tuned per account, the per-account form otherwise (only when the baseline
/// holds at least two accounts: with one, both forms are the same rule). Gives the number of
/// regions it lists and its text, or why it could not be tuned.
type Other = Result<(usize, String), String>;

fn other_form(
    rule: &Rule,
    base: &Baseline,
    policy_cfg: &PolicyConfig,
    decided: &RegionPolicy,
    accounts: Option<&AccountPolicies>,
    tune_cfg: &TuneConfig,
) -> Result<Option<Other>, RunError> {
    // Only the text is wanted: nothing is read back from or written to a target.
    let cfg = TuneConfig {
        target: tune::Target::Stdout,
        emit_filter: None,
        emit_placeholder: None,
        ..tune_cfg.clone()
    };
    let per_account = match accounts {
        Some(_) => None,
        None => {
            let cfg = PolicyConfig {
                per_account: true,
                ..policy_cfg.clone()
            };
            match policy::decide_accounts(base, &cfg, decided)? {
                Some(a) if a.accounts.len() >= 2 => Some(a),
                _ => return Ok(None),
            }
        }
    };
    let other = tune::prepare(rule, base, decided, per_account.as_ref(), &cfg)
        .map(|t| (listed(&t.plan), t.text))
        .map_err(|e| e.to_string());
    Ok(Some(other))
}
