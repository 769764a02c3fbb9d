//! Command-line declarations only (clap derive). Doc comments are the help text. No logic lives
//! here: `commands/` turns these raw values into stage configurations.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::exit::EXIT_STATUS_HELP;

/// Tune the Sigma rule "AWS API Calls from Unusual Geographic Region" from your own CloudTrail
/// baseline, then hunt with it.
///
/// Typical flow: `profile` 90 days of logs and save a baseline, review the `allowlist`, `tune` the
/// rule, `detect` with it; or do all of it at once with `run`. `demo` shows the whole pipeline on a
/// generated corpus.
#[derive(Debug, Parser)]
#[command(name = "trailtune", version, about, long_about = None, after_help = EXIT_STATUS_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Count CloudTrail events per region (or account, principal, service, day) and save a baseline.
    #[command(after_help = PROFILE_EXAMPLES)]
    Profile(ProfileArgs),
    /// Write a deterministic, realistic CloudTrail corpus in the S3 layout (for tests, demos, benchmarks).
    #[command(after_help = SYNTH_EXAMPLES)]
    Synth(SynthArgs),
}

/// Output format shared by every command that reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// A table for people (comfy-table).
    #[default]
    Table,
    /// One JSON document.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// Comma-separated values with a header row.
    Csv,
}

/// Where the logs come from and how they are read (shared by every command that reads logs).
#[derive(Debug, Args, Clone, Default)]
pub struct InputArgs {
    /// CloudTrail logs: files, folders (searched recursively) or `-` for standard input.
    /// Gzip, `{"Records":[...]}`, JSON arrays and NDJSON are recognised by content.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Stop at the first unreadable file or record instead of skipping it.
    #[arg(long)]
    pub strict: bool,

    /// Never draw a progress bar (it is drawn only when stderr is a terminal anyway).
    #[arg(long)]
    pub no_progress: bool,
}

/// The time window (inclusive UTC dates).
#[derive(Debug, Args, Clone, Default)]
pub struct WindowArgs {
    /// Length of the window in days, ending at --until.
    #[arg(long, value_name = "N")]
    pub days: Option<u32>,

    /// First day of the window (inclusive, UTC, YYYY-MM-DD). Overrides --days.
    #[arg(long, value_name = "DATE")]
    pub since: Option<NaiveDate>,

    /// Last day of the window (inclusive, UTC). Default: the day of the newest event in the input.
    #[arg(long, value_name = "DATE")]
    pub until: Option<NaiveDate>,
}

/// What a profile row is keyed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum GroupBy {
    #[default]
    Region,
    Account,
    Principal,
    Service,
    Day,
}

#[derive(Debug, Args)]
pub struct ProfileArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub window: WindowArgs,

    /// One row per region (default), account, principal, service or day.
    #[arg(long, value_enum, default_value_t)]
    pub by: GroupBy,

    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,

    /// Save the aggregates as a baseline file (versioned JSON) for allowlist, tune and rebaseline.
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Output folder (created); the corpus goes under OUT/AWSLogs/, ground truth to OUT/ground-truth.json.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// Number of days.
    #[arg(long, default_value_t = 90)]
    pub days: u32,

    /// Number of accounts (1..=9).
    #[arg(long, default_value_t = 3)]
    pub accounts: u32,

    /// Ordinary events per account per weekday (weekends get about half).
    #[arg(long, value_name = "N", conflicts_with = "size")]
    pub events_per_day: Option<u32>,

    /// Aim for about this many MB of uncompressed JSON instead of --events-per-day.
    #[arg(long, value_name = "MB")]
    pub size: Option<u64>,

    /// Random seed: the same arguments always give byte-identical output.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,

    /// Last day of the corpus (UTC). Default: yesterday.
    #[arg(long, value_name = "DATE")]
    pub end: Option<NaiveDate>,
}

const PROFILE_EXAMPLES: &str = "\
Examples:
  trailtune profile ~/trail/AWSLogs                        region table over the newest 90 days
  trailtune profile --days 30 --by account ~/trail          per-account table over 30 days
  trailtune profile --save baseline.json ~/trail            keep the aggregates for tune/rebaseline
  aws s3 cp s3://bucket/file.json.gz - | trailtune profile -   read standard input
  trailtune profile --format json ~/trail | jq '.rows[] | select(.share_pct < 1)'";

const SYNTH_EXAMPLES: &str = "\
Examples:
  trailtune synth --out /tmp/corpus                         90 days, 3 accounts
  trailtune synth --out /tmp/big --size 1000 --seed 7       about 1 GB of JSON";

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
