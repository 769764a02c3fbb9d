//! `trailtune demo`: the main job on an embedded default. Generates a realistic 90-day,
//! multi-account corpus in a temporary folder (kept with `--keep DIR`), tunes the embedded seed
//! rule with `run`, explaining each step in a sentence, and checks the backtest against the
//! corpus's ground truth: every injected anomaly found, no AWS-service or replication decoy.

use std::collections::BTreeSet;
use std::io::Write;

use anyhow::{Context, Result, bail};
use chrono::Days;
use clap::Parser;

use crate::cli::{Cli, Command, DemoArgs, InputArgs, WindowArgs};
use crate::commands::run::{Pipeline, pipeline};
use crate::exit::Status;
use crate::synth::{self, SynthConfig};

pub fn run(args: DemoArgs) -> Result<Status> {
    let temp;
    let dir = match &args.keep {
        Some(dir) => dir.clone(),
        None => {
            temp = tempfile::Builder::new()
                .prefix("trailtune-demo-")
                .tempdir()
                .context("creating a temporary folder")?;
            temp.path().to_path_buf()
        }
    };
    let end = chrono::Utc::now().date_naive() - Days::new(1);
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "trailtune demo: generating {} days of CloudTrail for {} accounts (seed {}) in {}.\n\
         Each account works in 2-3 home regions; IAM, STS, sign-in and other global services log in us-east-1;\n\
         a security scanner and AWS Config sweep every enabled region daily; AWS services, replication and\n\
         ~4% failed calls add noise; and an IAM user's leaked key is used from four unusual regions.",
        args.days,
        args.accounts,
        args.seed,
        dir.display()
    )?;
    out.flush()?;
    let started = std::time::Instant::now();
    let truth = synth::generate(&SynthConfig {
        out: dir.clone(),
        days: args.days,
        accounts: args.accounts,
        events_per_day: None,
        size_mb: None,
        seed: args.seed,
        end,
    })
    .context("generating the demo corpus")?;
    writeln!(
        out,
        "Generated {} events in {} files ({:.0} MB of JSON) in {:.1} s.",
        truth.events,
        truth.files,
        truth.bytes_uncompressed as f64 / 1e6,
        started.elapsed().as_secs_f64()
    )?;
    drop(out);

    // The same arguments a user would type for `run`.
    let tuned = dir.join("aws_unusual_region.tuned.yml");
    let cli = Cli::try_parse_from([
        "trailtune".into(),
        "run".into(),
        "--no-progress".into(),
        "-o".into(),
        tuned.display().to_string(),
        dir.join("AWSLogs").display().to_string(),
    ])
    .context("building the run command line")?;
    let Command::Run(run_args) = cli.command else {
        bail!("internal: not a run command")
    };
    let input: &InputArgs = &run_args.input;
    let window: &WindowArgs = &run_args.window;
    let result = pipeline(&Pipeline {
        rule: None,
        input,
        window,
        policy: &run_args.policy,
        output: &run_args.output,
        narrate: true,
    })?;

    // Check the backtest against the ground truth.
    let hits: BTreeSet<&str> = result
        .detections
        .iter()
        .map(|d| d.event_id.as_str())
        .collect();
    let anomalies: Vec<&str> = truth
        .anomalies
        .iter()
        .map(|a| a.event_id.as_str())
        .collect();
    let found = anomalies.iter().filter(|id| hits.contains(*id)).count();
    let quiet_decoys: Vec<_> = truth
        .decoys
        .iter()
        .filter(|d| d.kind != "near_miss")
        .collect();
    let noisy = quiet_decoys
        .iter()
        .filter(|d| hits.contains(d.event_id.as_str()))
        .count();
    let near: Vec<_> = truth
        .decoys
        .iter()
        .filter(|d| d.kind == "near_miss")
        .collect();
    let near_found = near
        .iter()
        .filter(|d| hits.contains(d.event_id.as_str()))
        .count();
    let mut out = std::io::stdout().lock();
    writeln!(out, "\n== 5. Check against the corpus's ground truth")?;
    writeln!(
        out,
        "Injected anomalies found: {found} of {}. AWS-service and replication decoys that alerted: {noisy} of {} (the rule's own filters).\n\
         Calls in regions the seed rule did not list but this organization never uses (eu-south-2, me-central-1, ap-east-2): {near_found} of {} now alert.\n\
         Other alerts: {}.",
        anomalies.len(),
        quiet_decoys.len(),
        near.len(),
        hits.len() - found - near_found - noisy,
    )?;
    match &args.keep {
        Some(dir) => writeln!(
            out,
            "Kept in {}: AWSLogs/, ground-truth.json, {}.",
            dir.display(),
            tuned.file_name().unwrap_or_default().to_string_lossy()
        )?,
        None => writeln!(
            out,
            "The temporary corpus is deleted now (use --keep DIR to keep it)."
        )?,
    }
    if found != anomalies.len() || noisy > 0 {
        bail!(
            "the demo's backtest does not match its ground truth ({found}/{} anomalies, {noisy} decoys)",
            anomalies.len()
        );
    }
    Ok(Status::Clean)
}
