//! The whole job in one sequence, for `run` and `demo`: learn a baseline from logs, decide the
//! allowlist, tune the rule (the tune stage), and backtest the tuned rule over the same logs.
//! Consumes a [`RunConfig`]; produces a [`RunOutcome`]. Each finished step is handed to a
//! [`Steps`] observer as soon as it is done, so the caller can show it before the next step
//! starts (the command prints through `report/`); this module prints nothing itself.

use std::path::Path;

use crate::baseline::{BaselineSource, LearnError, Learned};
use crate::detect::{self, Detection, Tally};
use crate::geo::Geo;
use crate::input::{self, DiscoverOptions, InputConfig, InputError, Progress};
use crate::policy::{self, PolicyConfig, RegionPolicy};
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
    fn decided(&mut self, policy: &RegionPolicy) -> std::io::Result<()>;
    /// The tuned rule; `written` names the file it was written to, if any.
    fn tuned(&mut self, rule: &Rule, tuned: &Tuned, written: Option<&Path>) -> std::io::Result<()>;
    /// One hit of the backtest, in order, as it is read (the hits are never all held).
    fn backtest_hit(&mut self, _hit: &Detection) -> std::io::Result<()> {
        Ok(())
    }
    /// The backtest is over: its hits counted, the first [`BACKTEST_KEPT`] kept whole.
    fn backtested(&mut self, rules: &[RuleInfo], tally: &Tally) -> std::io::Result<()>;
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
    let decided = policy::decide(base, &cfg.policy.with_review(&base.review))?;
    steps.decided(&decided)?;
    tune::ensure_history(&decided, cfg.policy.min_history_days, cfg.tune.force)?;

    // 3. Tune.
    let tuned = tune::prepare(&rule, base, &decided, &cfg.tune)?;
    // Every check has passed: the baseline is saved, then the rule written.
    if let Some(path) = &cfg.save {
        base.save(path)?;
        steps.saved(path, &learned)?;
    }
    tune::write(&rule, &tuned, &decided, &cfg.tune)?;
    let written = cfg.tune.target_path().filter(|_| !cfg.tune.check);
    steps.tuned(&rule, &tuned, written)?;

    // 4. Backtest: the same input again (its problems were reported with step 1).
    let loaded = RuleSet::load_str(
        &tuned.text,
        Path::new("<tuned rule>"),
        &LoadOptions::default(),
    );
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
    for hit in &mut outcome.hits {
        let mut hit = hit?;
        hit.caller = geo.map(|g| g.caller(&hit.source_ip));
        steps.backtest_hit(&hit)?;
        tally.add(&hit);
    }
    steps.backtested(loaded.rules.rules(), &tally)?;
    let problems = outcome.finish();
    Ok(RunOutcome {
        backtest: tally,
        skipped_input: !learned.problems.is_empty() || !problems.is_empty(),
        rule_changed: tuned.changed,
    })
}
