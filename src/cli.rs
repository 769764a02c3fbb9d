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
    /// Derive the allowlist from a baseline and print the review table (class, decision, reason).
    #[command(after_help = ALLOWLIST_EXAMPLES)]
    Allowlist(AllowlistArgs),
    /// Write a deterministic, realistic CloudTrail corpus in the S3 layout (for tests, demos, benchmarks).
    #[command(after_help = SYNTH_EXAMPLES)]
    Synth(SynthArgs),
    /// Print Athena SQL: the baseline query (for --baseline-csv) and a rule's detection query.
    #[command(after_help = ATHENA_EXAMPLES)]
    Athena(AthenaArgs),
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

/// Where the baseline comes from: a saved baseline file, or logs read now.
#[derive(Debug, Args, Clone, Default)]
pub struct BaselineSourceArgs {
    /// Read a baseline saved by `profile --save` (or `rebaseline`) instead of logs.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["paths"])]
    pub baseline: Option<PathBuf>,

    /// Read the CSV result of the Athena baseline query (`trailtune athena baseline-sql`)
    /// instead of logs; its window runs from its first to its last day.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["paths", "baseline"])]
    pub baseline_csv: Option<PathBuf>,

    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub window: WindowArgs,
}

/// The allowlist policy's knobs (docs/baseline-policy.md explains each).
#[derive(Debug, Args, Clone)]
pub struct PolicyArgs {
    /// FREQUENT needs at least this many events of normal use.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub min_events: u64,

    /// FREQUENT needs at least this share (percent) of all normal-use events.
    #[arg(long, value_name = "PCT", default_value_t = 0.01)]
    pub min_share: f64,

    /// FREQUENT needs events on at least this many distinct days.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub min_days: u32,

    /// FREQUENT needs at least this many distinct principals.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub min_principals: u32,

    /// Always allow this region (repeatable, or comma-separated).
    #[arg(long, value_name = "REGION", value_delimiter = ',')]
    pub allow: Vec<String>,

    /// Never allow this region; wins over everything (repeatable, or comma-separated).
    #[arg(long, value_name = "REGION", value_delimiter = ',')]
    pub deny: Vec<String>,

    /// Admit a quarantined region after review (repeatable, or comma-separated).
    #[arg(long, value_name = "REGION", value_delimiter = ',')]
    pub approve: Vec<String>,

    /// Reject a region in review: never admitted automatically (repeatable, or comma-separated).
    #[arg(long, value_name = "REGION", value_delimiter = ',')]
    pub reject: Vec<String>,

    /// Quarantine regions first seen within this many days of the window's end.
    #[arg(long, value_name = "DAYS", default_value_t = 14)]
    pub quarantine_days: u32,

    /// Refuse to tune from fewer days of history than this (see --force).
    #[arg(long, value_name = "DAYS", default_value_t = 14)]
    pub min_history: u32,

    /// Tune even with less history than --min-history.
    #[arg(long)]
    pub force: bool,

    /// A principal with read-only calls in at least this percentage of the partition's
    /// default-enabled regions is a sweeper (scanner, AWS Config).
    #[arg(long, value_name = "PCT", default_value_t = 75.0)]
    pub sweeper_regions: f64,

    /// Also learn from failed calls (errorCode present).
    #[arg(long)]
    pub learn_failed: bool,

    /// Also learn from AWS services (userIdentity.type AWSService, AwsServiceEvent).
    #[arg(long)]
    pub learn_aws_service: bool,

    /// Also learn from calls a service made on a principal's behalf (invokedBy, *.amazonaws.com source).
    #[arg(long)]
    pub learn_invoked_by_service: bool,

    /// Also learn from service-linked roles (AWSServiceRoleFor*).
    #[arg(long)]
    pub learn_service_linked: bool,

    /// Also learn from userAgent "AWS Internal".
    #[arg(long)]
    pub learn_aws_internal: bool,
}

#[derive(Debug, Args)]
pub struct AllowlistArgs {
    #[command(flatten)]
    pub source: BaselineSourceArgs,

    #[command(flatten)]
    pub policy: PolicyArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
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

#[derive(Debug, Args)]
pub struct AthenaArgs {
    #[command(subcommand)]
    pub command: AthenaCommand,
}

#[derive(Debug, Subcommand)]
pub enum AthenaCommand {
    /// Print the baseline query: the aggregates `profile` computes, computed by Athena. Run it,
    /// download the result CSV and pass it to `allowlist --baseline-csv`.
    #[command(after_help = ATHENA_EXAMPLES)]
    BaselineSql(BaselineSqlArgs),
    /// Print the detection query generated from a (tuned) Sigma rule's detection.
    #[command(after_help = ATHENA_EXAMPLES)]
    DetectSql(DetectSqlArgs),
    /// Print an example CloudTrail table DDL with partition projection (the table the queries expect).
    Ddl,
}

#[derive(Debug, Args)]
pub struct BaselineSqlArgs {
    /// The CloudTrail table (NAME or DATABASE.NAME), partitioned by `timestamp` (yyyy/MM/dd).
    #[arg(long, value_name = "NAME")]
    pub table: String,

    /// Length of the window in days, ending today (UTC).
    #[arg(long, value_name = "N", default_value_t = crate::baseline::DEFAULT_DAYS)]
    pub days: u32,
}

#[derive(Debug, Args)]
pub struct DetectSqlArgs {
    /// The Sigma rule (YAML), e.g. the tuned rule.
    #[arg(long, value_name = "RULE.yml")]
    pub rule: PathBuf,

    /// The CloudTrail table (NAME or DATABASE.NAME).
    #[arg(long, value_name = "NAME")]
    pub table: String,

    /// Only read the last N days of partitions (default: the whole table).
    #[arg(long, value_name = "N")]
    pub days: Option<u32>,
}

const ATHENA_EXAMPLES: &str = "\
Examples:
  trailtune athena ddl > create_table.sql                   the CloudTrail table, partition projection
  trailtune athena baseline-sql --table cloudtrail_logs > baseline.sql   90 days (default)
  trailtune athena baseline-sql --table security.cloudtrail_logs --days 30
  trailtune allowlist --baseline-csv 1f0c...-query-result.csv        the downloaded Athena result
  trailtune athena detect-sql --rule tuned.yml --table cloudtrail_logs --days 1

The SQL is printed on stdout; run it in the Athena console or with `aws athena
start-query-execution`. A rule feature SQL cannot express (re, cidr, base64, fieldref, ...) is a
fatal error (exit status 2) naming the modifier and the selection.";

const PROFILE_EXAMPLES: &str = "\
Examples:
  trailtune profile ~/trail/AWSLogs                        region table over the newest 90 days
  trailtune profile --days 30 --by account ~/trail          per-account table over 30 days
  trailtune profile --save baseline.json ~/trail            keep the aggregates for tune/rebaseline
  aws s3 cp s3://bucket/file.json.gz - | trailtune profile -   read standard input
  trailtune profile --format json ~/trail | jq '.rows[] | select(.share_pct < 1)'";

const ALLOWLIST_EXAMPLES: &str = "\
Examples:
  trailtune allowlist --baseline baseline.json              review table from a saved baseline
  trailtune allowlist ~/trail --min-days 7 --allow eu-west-1  stricter, with a pinned region
  trailtune allowlist --baseline b.json --approve us-west-2   admit a quarantined region
  trailtune allowlist --baseline b.json --format json | jq '.regions[] | select(.decision==\"quarantined\")'

A region is FREQUENT when its normal-use events meet every threshold; FREQUENT regions are
allowed unless first seen within --quarantine-days of the window's end or used by a single
principal (then quarantined until --approve). --allow/--deny always win.
Exit status 1 means regions await review (quarantined).";

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
