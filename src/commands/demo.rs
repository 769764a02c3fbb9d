//! `trailtune demo`: the main job on an embedded default. Generates a realistic 90-day,
//! multi-account corpus in a temporary folder (kept with `--keep DIR`), runs the pipeline on it
//! with the embedded seed rule, explaining each step in a sentence, and checks the backtest
//! against the corpus's ground truth: every injected anomaly found, no AWS-service or
//! replication decoy.

use anyhow::{Context, Result, bail};
use chrono::Days;

use crate::cli::DemoArgs;
use crate::config;
use crate::exit::Status;
use crate::input::InputConfig;
use crate::pipeline::{self, RunConfig};
use crate::policy::PolicyConfig;
use crate::report;
use crate::synth::{self, SynthConfig};
use crate::tune::{Target, TuneConfig};
use crate::window::WindowSpec;

pub fn run(args: DemoArgs) -> Result<Status> {
    let cfg = config::Demo::from(args);
    let temp;
    let dir = match &cfg.keep {
        Some(dir) => dir.clone(),
        None => {
            temp = tempfile::Builder::new()
                .prefix("trailtune-demo-")
                .tempdir()
                .context("creating a temporary folder")?;
            temp.path().to_path_buf()
        }
    };
    let today = chrono::Utc::now().date_naive();
    let synth_cfg = SynthConfig {
        out: dir.clone(),
        days: cfg.days,
        accounts: cfg.accounts,
        events_per_day: None,
        size_mb: None,
        seed: cfg.seed,
        end: today - Days::new(1),
    };
    let mut out = std::io::stdout().lock();
    report::demo::intro(&mut out, &synth_cfg)?;
    let started = std::time::Instant::now();
    let truth = synth::generate(&synth_cfg).context("generating the demo corpus")?;
    report::demo::generated(&mut out, &truth, started.elapsed())?;
    drop(out);

    // What `trailtune run -o DIR/aws_unusual_region.tuned.yml DIR/AWSLogs` does.
    let tuned_path = dir.join("aws_unusual_region.tuned.yml");
    let run = RunConfig {
        input: InputConfig {
            paths: vec![dir.join("AWSLogs")],
            strict: false,
            progress: false,
            limits: Default::default(),
            s3: Default::default(),
        },
        window: WindowSpec::default(),
        policy: PolicyConfig::default(),
        tune: TuneConfig {
            target: Target::File(tuned_path.clone()),
            ..TuneConfig::new(today)
        },
        geoip: Vec::new(),
        save: None,
    };
    let mut steps = report::demo::Narrated {
        printer: report::run::Printer::new(std::io::stdout().lock(), true, false),
        watch: report::demo::Watch::new(&truth),
    };
    pipeline::run(&run, None, &mut steps, &())?;
    let check = steps.watch.check();
    drop(steps);

    let mut out = std::io::stdout().lock();
    report::demo::check(&mut out, &check, cfg.keep.as_deref(), &tuned_path)?;
    if !check.passed() {
        bail!(
            "the demo's backtest does not match its ground truth ({}/{} anomalies, {} decoys)",
            check.found,
            check.anomalies,
            check.noisy
        );
    }
    Ok(Status::Clean)
}
