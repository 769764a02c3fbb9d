//! `trailtune synth`: map the command line to a [`SynthConfig`], generate the corpus, and print a
//! one-paragraph summary to stderr. The corpus itself is built by [`crate::synth`].

use anyhow::{Context, Result};

use crate::cli::SynthArgs;
use crate::exit::Status;
use crate::synth::{self, SynthConfig};

pub fn run(args: SynthArgs) -> Result<Status> {
    let end = args
        .end
        .unwrap_or_else(|| chrono::Utc::now().date_naive() - chrono::Duration::days(1));
    let cfg = SynthConfig {
        out: args.out,
        days: args.days,
        accounts: args.accounts,
        events_per_day: args.events_per_day,
        size_mb: args.size,
        seed: args.seed,
        end,
    };
    let started = std::time::Instant::now();
    let truth = synth::generate(&cfg)
        .with_context(|| format!("synth: cannot generate the corpus in {}", cfg.out.display()))?;
    eprintln!(
        "trailtune synth: wrote {events} events in {files} files ({mb:.1} MB of JSON, {per_day} \
         ordinary events per account per weekday) for {accounts} accounts over {days} days \
         ({start}..{end}), seed {seed}, in {secs:.1} s; {anomalies} injected anomalies, {decoys} \
         decoys; ground truth: {truth_path}",
        events = truth.events,
        files = truth.files,
        mb = truth.bytes_uncompressed as f64 / 1e6,
        per_day = truth.config.events_per_day,
        accounts = truth.config.accounts.len(),
        days = truth.config.days,
        start = truth.config.start,
        end = truth.config.end,
        seed = truth.config.seed,
        secs = started.elapsed().as_secs_f64(),
        anomalies = truth.anomalies.len(),
        decoys = truth.decoys.len(),
        truth_path = cfg.out.join("ground-truth.json").display(),
    );
    if let Some(mb) = cfg.size_mb
        && truth.bytes_uncompressed as f64 > mb as f64 * 1e6 * 1.25
    {
        eprintln!(
            "trailtune synth: --size {mb} is below this window's floor: the daily sweeps of every \
             default region alone make about {:.0} MB; use fewer --days or --accounts for less",
            truth.bytes_uncompressed as f64 / 1e6
        );
    }
    Ok(Status::Clean)
}
