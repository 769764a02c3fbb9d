//! `trailtune run`: the whole shape in one command. Profile (region table) -> allowlist (review
//! table with reasons) -> tune (the diff of the rule) -> detect with the tuned rule over the same
//! logs as a backtest: what would have alerted, per region, account and principal. The answer to
//! "what happens if I deploy this?" before deploying it.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::baseline::{self, cols};
use crate::cli::{Format, InputArgs, PolicyArgs, RunArgs, TuneOutputArgs, WindowArgs};
use crate::commands::{learn, tune};
use crate::detect::{self, Detection};
use crate::exit::Status;
use crate::input::DiscoverOptions;
use crate::policy::{self, RegionPolicy};
use crate::report;
use crate::sigma::{LoadOptions, RuleInfo, RuleSet};

/// What a pipeline run produced.
pub struct RunOutcome {
    pub policy: RegionPolicy,
    pub tuned_rule: String,
    pub rules: Vec<RuleInfo>,
    pub detections: Vec<Detection>,
    pub skipped_input: bool,
}

/// Everything `run` needs, whoever calls it (`run` itself, or `demo`).
pub struct Pipeline<'a> {
    pub rule: Option<&'a Path>,
    pub input: &'a InputArgs,
    pub window: &'a WindowArgs,
    pub policy: &'a PolicyArgs,
    pub output: &'a TuneOutputArgs,
    /// Explain each step in a sentence (demo).
    pub narrate: bool,
}

fn heading(out: &mut dyn Write, n: u8, title: &str, sentence: Option<&str>) -> std::io::Result<()> {
    writeln!(out, "\n== {n}. {title}")?;
    if let Some(s) = sentence {
        writeln!(out, "{s}")?;
    }
    Ok(())
}

pub fn pipeline(p: &Pipeline<'_>) -> Result<RunOutcome> {
    if p.input.paths.iter().any(|path| path.as_os_str() == "-") {
        bail!(
            "run reads the logs twice (profile, then backtest): give files or folders, not - (standard input)"
        );
    }
    let mut out = std::io::stdout().lock();
    let say = |s: &'static str| if p.narrate { Some(s) } else { None };

    // 1. Profile.
    let learned = learn::from_logs(p.input, p.window)?;
    let base = &learned.baseline;
    heading(
        &mut out,
        1,
        "Profile: events per region",
        say(
            "Step 1 of the rule's tuning instructions: count the events per region over the window (here read from the logs, aggregated in polars).",
        ),
    )?;
    let df = baseline::frame(&base.aggregates).context("building the profile frame")?;
    let rows = baseline::profile(&df, cols::REGION).context("computing the profile")?;
    report::profile::write(
        &mut out,
        Format::Table,
        &report::profile::ProfileReport {
            by: "region",
            window: base.window,
            input: base.input,
            rows: &rows,
        },
    )?;
    out.flush()?;
    learn::report_input(&learned.problems, base)?;

    // 2. Allowlist.
    let config = learn::policy_config(p.policy, &base.review);
    let decided = policy::decide(base, &config).context("deciding the allowlist")?;
    heading(
        &mut out,
        2,
        "Allowlist: which regions are normal, and why",
        say(
            "Step 2: only successful calls by people and workloads count as evidence; global services, AWS services and sweeping scanners are set apart; new or single-principal regions wait in quarantine.",
        ),
    )?;
    report::policy::write(&mut out, Format::Table, &decided)?;
    tune::ensure_history(&decided, p.policy)?;

    // 3. Tune.
    let (text, rule_name) = tune::read_rule(p.rule)?;
    let date = p
        .output
        .date
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    let plan = tune::plan(&decided, base, p.output.mode, date, &rule_name)?;
    let tuned = tune::tune_text(&text, plan).with_context(|| format!("tuning {rule_name}"))?;
    heading(
        &mut out,
        3,
        "Tuned rule: the change",
        say(
            "Steps 3 and 4: the awsRegion list becomes every known region outside the allowlist, with exceptions for global services and sweepers; the author's comments and layout are kept.",
        ),
    )?;
    write!(
        out,
        "{}",
        crate::rewrite::unified_diff(&text, &tuned.text, &rule_name, "tuned")
    )?;
    out.flush()?;
    let quiet = TuneOutputArgs {
        diff: false,
        ..p.output.clone()
    };
    if quiet.out.is_some()
        || quiet.in_place
        || quiet.emit_filter.is_some()
        || quiet.emit_placeholder.is_some()
    {
        tune::emit(
            &quiet,
            p.rule,
            &text,
            &tuned,
            &decided,
            &tune::rule_id(&text),
        )?;
        if let Some(path) = &quiet.out {
            writeln!(out, "(written to {})", path.display())?;
        }
    }

    // 4. Backtest.
    let loaded = RuleSet::load_str(
        &tuned.text,
        Path::new("<tuned rule>"),
        &LoadOptions::default(),
    );
    if let Some(e) = loaded.errors.first() {
        bail!("the tuned rule does not load: {e}");
    }
    // The same input again (its problems were reported by step 1).
    let (found, _) = learn::discover(
        p.input,
        &DiscoverOptions {
            since: Some(base.window.since),
            until: Some(base.window.until),
            days: None,
        },
    )?;
    let outcome = detect::run(
        &loaded.rules,
        &found.sources,
        Some(base.window),
        p.input.strict,
        &(),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    heading(
        &mut out,
        4,
        "Backtest: what the tuned rule would have raised over the same logs",
        say(
            "Before deploying, replay the tuned rule over the baseline window: every hit below is an alert you would have received.",
        ),
    )?;
    report::backtest::write(&mut out, loaded.rules.rules(), &outcome.detections)?;
    out.flush()?;
    Ok(RunOutcome {
        policy: decided,
        tuned_rule: tuned.text,
        rules: loaded.rules.rules().to_vec(),
        detections: outcome.detections,
        skipped_input: !learned.problems.is_empty() || !outcome.problems.is_empty(),
    })
}

pub fn run(args: RunArgs) -> Result<Status> {
    let result = pipeline(&Pipeline {
        rule: args.rule.as_deref(),
        input: &args.input,
        window: &args.window,
        policy: &args.policy,
        output: &args.output,
        narrate: false,
    })?;
    Ok(Status::from_flags(
        !result.detections.is_empty(),
        result.skipped_input,
    ))
}
