//! Command-line declarations only (clap derive). Doc comments are the help text. No logic lives
//! here: `commands/` turns these raw values into stage configurations.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::exit::EXIT_STATUS_HELP;
use crate::policy::defaults;
use crate::window::{DEFAULT_DAYS, MAX_DAYS};

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
    /// Rewrite the rule's awsRegion list from the allowlist, keeping every comment and byte of layout.
    #[command(after_help = TUNE_EXAMPLES)]
    Tune(TuneArgs),
    /// Run Sigma rules (the tuned rule, or a folder of them) over CloudTrail and report the hits.
    #[command(after_help = DETECT_EXAMPLES)]
    Detect(DetectArgs),
    /// The whole job in one go: profile, allowlist, tune, and a backtest of the tuned rule over the same logs.
    #[command(after_help = RUN_EXAMPLES)]
    Run(RunArgs),
    /// Generate a realistic 90-day corpus and run the whole pipeline on it, explaining each step.
    #[command(after_help = DEMO_EXAMPLES)]
    Demo(DemoArgs),
    /// Merge new logs into a saved state, report drift, and rewrite the rule when it is out of date.
    #[command(after_help = REBASELINE_EXAMPLES)]
    Rebaseline(RebaselineArgs),
    /// Write a deterministic, realistic CloudTrail corpus in the S3 layout (for tests, demos, benchmarks).
    #[command(after_help = SYNTH_EXAMPLES)]
    Synth(SynthArgs),
    /// Print Athena SQL: the baseline query (for --baseline-csv) and a rule's detection query.
    #[command(after_help = ATHENA_EXAMPLES)]
    Athena(AthenaArgs),
    /// Principals calling from a country they never called from before (needs a GeoIP database):
    /// a signal beside the region rule.
    #[command(name = "new-country", after_help = NEW_COUNTRY_EXAMPLES)]
    NewCountry(NewCountryArgs),
    /// Print the shell completion script for bash, zsh, fish, powershell or elvish.
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
    /// Print the man page (roff), or write one page per command into a folder.
    #[command(after_help = MAN_EXAMPLES)]
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct NewCountryArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// A GeoIP database (.mmdb, repeatable): MaxMind GeoIP2/GeoLite2 City or Country, or
    /// IPinfo's country + ASN files. Offline: nothing is ever sent anywhere.
    #[arg(long, value_name = "FILE.mmdb", required = true)]
    pub geoip: Vec<PathBuf>,

    /// The days to hunt in: the last N days up to --until.
    #[arg(long, value_name = "N", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub days: u32,

    /// The days before them that say where each principal usually calls from.
    #[arg(long, value_name = "N", default_value_t = crate::window::DEFAULT_DAYS, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub baseline_days: u32,

    /// Last day of the hunt (inclusive, UTC). Default: the day of the newest event in the input.
    #[arg(long, value_name = "DATE")]
    pub until: Option<NaiveDate>,

    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,

    /// With --format csv: write values from the logs as they are. By default a cell that starts
    /// with `=`, `+`, `-`, `@`, TAB or CR gets a `'` in front so a spreadsheet shows it as text
    /// instead of running it as a formula.
    #[arg(long)]
    pub csv_raw: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The command whose page to print (default: trailtune's own).
    #[arg(value_name = "COMMAND", conflicts_with = "out")]
    pub command: Option<String>,

    /// Write every page (trailtune.1, trailtune-profile.1, ...) into this folder instead.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Accounts in a generated corpus (`synth`, `demo`) unless told otherwise.
const SYNTH_ACCOUNTS: u32 = 3;
/// Random seed of a generated corpus unless told otherwise.
const SYNTH_SEED: u64 = 1;

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

/// Output format of `run`: its steps are reports of several kinds, so no single CSV fits them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum RunFormat {
    /// Each step as it is done, for people.
    #[default]
    Table,
    /// One JSON document once the run is over.
    Json,
}

/// Where the logs come from and how they are read (shared by every command that reads logs).
#[derive(Debug, Args, Clone, Default)]
pub struct InputArgs {
    /// CloudTrail logs: files, folders (searched recursively), `s3://bucket/prefix` (read with the
    /// usual AWS environment: credentials, AWS_REGION, AWS_ENDPOINT_URL) or `-` for standard
    /// input. Gzip, `{"Records":[...]}`, JSON arrays and NDJSON are recognised by content.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub s3: S3Args,

    /// Stop at the first unreadable file or record instead of skipping it.
    #[arg(long)]
    pub strict: bool,

    /// Never draw a progress bar (it is drawn only when stderr is a terminal anyway).
    #[arg(long)]
    pub no_progress: bool,

    /// The largest record (one event) read, in bytes (or 512K, 16M, 1G: 1024-based); a larger
    /// one is reported and skipped.
    #[arg(long, value_name = "BYTES", default_value_t = crate::input::Limits::DEFAULT_MAX_RECORD_BYTES, value_parser = byte_size)]
    pub max_record_bytes: u64,

    /// The largest line (or single-line JSON value) and the longest run of whitespace read, in
    /// bytes (or K, M, G); a file with a larger one is reported and the rest of it skipped.
    #[arg(long, value_name = "BYTES", default_value_t = crate::input::Limits::DEFAULT_MAX_LINE_BYTES, value_parser = byte_size)]
    pub max_line_bytes: u64,
}

/// How `s3://` PATHs are reached (the AWS CLI's names).
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "S3")]
pub struct S3Args {
    /// Send anonymous (unsigned) requests to S3, for public buckets; no credentials are looked for.
    #[arg(long)]
    pub no_sign_request: bool,

    /// The S3 endpoint, for S3-compatible servers (MinIO, a test server); default:
    /// AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, else AWS itself. Plain http only to a loopback
    /// address unless --allow-http.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Allow a plain http endpoint that is not on this machine (requests and logs travel
    /// unencrypted).
    #[arg(long)]
    pub allow_http: bool,
}

/// The time window (inclusive UTC dates).
#[derive(Debug, Args, Clone, Default)]
pub struct WindowArgs {
    /// Length of the window in days, ending at --until.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_DAYS)))]
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
    /// The callers' country (needs --geoip).
    Country,
    /// The callers' network, its AS number and organization (needs --geoip).
    Asn,
}

#[derive(Debug, Args)]
pub struct ProfileArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub window: WindowArgs,

    /// One row per region (default), account, principal, service or day; or, with --geoip, per
    /// country or network (AS) the calls came from. Two, comma-separated, give one row per pair
    /// seen together: `--by region,account` shows which account uses which region.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "region")]
    pub by: Vec<GroupBy>,

    /// A GeoIP database (.mmdb, repeatable): MaxMind GeoIP2/GeoLite2 City, Country, ASN or ISP,
    /// or IPinfo's country + ASN files, for --by country or asn. Offline: nothing is ever sent
    /// anywhere. Caller geography is not saved in the baseline file.
    #[arg(long, value_name = "FILE.mmdb")]
    pub geoip: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,

    /// With --format csv: write values from the logs as they are. By default a cell that starts
    /// with `=`, `+`, `-`, `@`, TAB or CR gets a `'` in front so a spreadsheet shows it as text
    /// instead of running it as a formula.
    #[arg(long)]
    pub csv_raw: bool,

    /// Save the aggregates as a baseline file (versioned JSON) for allowlist, tune and rebaseline.
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,

    /// Also write a review page: one self-contained HTML file (no network) with the region
    /// table and a region × week heatmap of activity, readable when printed.
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
}

/// Where the baseline comes from: a saved baseline file, or logs read now.
#[derive(Debug, Args, Clone, Default)]
pub struct BaselineSourceArgs {
    /// Read a baseline saved by `profile --save` (or `rebaseline`) instead of logs (its window
    /// is the one it was saved with: --since/--until/--days apply to logs only).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["paths", "since", "until", "days"])]
    pub baseline: Option<PathBuf>,

    /// Read the CSV result of the Athena baseline query (`trailtune athena baseline-sql`)
    /// instead of logs; its window runs from its first to its last day.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["paths", "baseline", "since", "until", "days"])]
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
    #[arg(long, value_name = "N", default_value_t = defaults::MIN_EVENTS)]
    pub min_events: u64,

    /// FREQUENT needs at least this share (percent) of all normal-use events.
    #[arg(long, value_name = "PCT", default_value_t = defaults::MIN_SHARE_PCT)]
    pub min_share: f64,

    /// FREQUENT needs events on at least this many distinct days.
    #[arg(long, value_name = "N", default_value_t = defaults::MIN_DAYS)]
    pub min_days: u32,

    /// FREQUENT needs at least this many distinct principals.
    #[arg(long, value_name = "N", default_value_t = defaults::MIN_PRINCIPALS)]
    pub min_principals: u32,

    /// Always allow this region (repeatable, or comma-separated). ACCOUNT:REGION pins it for
    /// one account (with --per-account).
    #[arg(long, value_name = "REGION", value_delimiter = ',')]
    pub allow: Vec<String>,

    /// Never allow this region; wins over everything (repeatable, or comma-separated).
    /// ACCOUNT:REGION pins it for one account (with --per-account).
    #[arg(long, value_name = "REGION", value_delimiter = ',')]
    pub deny: Vec<String>,

    /// Admit a quarantined region after review (repeatable, or comma-separated).
    /// ACCOUNT:REGION admits it for one account (with --per-account).
    #[arg(long, value_name = "REGION", value_delimiter = ',')]
    pub approve: Vec<String>,

    /// Reject a region in review: never admitted automatically (repeatable, or comma-separated).
    /// ACCOUNT:REGION rejects it for one account (with --per-account).
    #[arg(long, value_name = "REGION", value_delimiter = ',')]
    pub reject: Vec<String>,

    /// Decide the allowlist of each account (recipientAccountId) from its own activity, beside
    /// the organization-wide one. The tuned rule lists every region unusual for at least one
    /// account and exempts each account's own regions in a filter of its own
    /// (`filter_account_<ID>`); an account with too little history uses the
    /// organization-wide allowlist.
    #[arg(long)]
    pub per_account: bool,

    /// Accept codes in --allow/--deny/--approve/--reject that the region catalogue does not know
    /// (a region launched after this build, or an odd code seen in the logs). Without it an
    /// unknown code is refused with the nearest known ones suggested.
    #[arg(long)]
    pub accept_unknown_regions: bool,

    /// Quarantine regions first seen within this many days of the window's end.
    #[arg(long, value_name = "DAYS", default_value_t = defaults::QUARANTINE_DAYS)]
    pub quarantine_days: u32,

    /// Refuse to tune from fewer days of history than this (see --force).
    #[arg(long, value_name = "DAYS", default_value_t = defaults::MIN_HISTORY_DAYS)]
    pub min_history: u32,

    /// Tune even with less history than --min-history.
    #[arg(long)]
    pub force: bool,

    /// A principal with read-only calls in at least this percentage of the partition's
    /// default-enabled regions is a sweeper (scanner, AWS Config).
    #[arg(long, value_name = "PCT", default_value_t = defaults::SWEEPER_REGION_PCT)]
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

    /// With --format csv: write values from the logs as they are. By default a cell that starts
    /// with `=`, `+`, `-`, `@`, TAB or CR gets a `'` in front so a spreadsheet shows it as text
    /// instead of running it as a formula.
    #[arg(long)]
    pub csv_raw: bool,
}

/// Which form the tuned rule takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum TuneMode {
    /// The seed's Step 3: `awsRegion` lists every catalogue region outside the allowlist.
    #[default]
    Denylist,
    /// The selection stops listing regions; a `filter_baseline_regions` selection holds the
    /// allowlist, so regions AWS launches after tuning still alert.
    Allowlist,
}

#[derive(Debug, Args)]
pub struct TuneArgs {
    /// The rule to tune. Default: the embedded seed rule "AWS API Calls from Unusual Geographic Region".
    #[arg(long, value_name = "RULE")]
    pub rule: Option<PathBuf>,

    #[command(flatten)]
    pub source: BaselineSourceArgs,

    #[command(flatten)]
    pub policy: PolicyArgs,

    #[command(flatten)]
    pub output: TuneOutputArgs,
}

/// Where and how the tuned rule is written (shared by `tune`, `run` and `rebaseline`).
#[derive(Debug, Args, Clone, Default)]
pub struct TuneOutputArgs {
    /// Denylist (the seed's Step 3) or allowlist form.
    #[arg(long, value_enum, default_value_t)]
    pub mode: TuneMode,

    /// Write the tuned rule here (atomically). Without -o or --in-place it goes to stdout.
    #[arg(
        short = 'o',
        long = "output",
        value_name = "OUT",
        conflicts_with = "in_place"
    )]
    pub out: Option<PathBuf>,

    /// Rewrite RULE itself (atomically).
    #[arg(long, requires = "rule")]
    pub in_place: bool,

    /// Write no rule, state or emitted file; exit 1 when the rule would change, 0 when it is up
    /// to date (for cron/CI).
    #[arg(long)]
    pub check: bool,

    /// Print a unified diff of the change on stdout.
    #[arg(long)]
    pub diff: bool,

    /// The date written to `modified:` (default: today, UTC).
    #[arg(long, value_name = "DATE")]
    pub date: Option<NaiveDate>,

    /// Also write a Sigma meta-filter with the allowlist (for sigma-cli/pySigma `--filter`).
    #[arg(long, value_name = "FILE")]
    pub emit_filter: Option<PathBuf>,

    /// Also write a pySigma pipeline with `vars: unusual_regions` (for `awsRegion|expand: '%unusual_regions%'`).
    #[arg(long, value_name = "FILE")]
    pub emit_placeholder: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(mut_arg("until", |a| a.help("Last day of the window (inclusive, UTC). Default: today: detect reads the logs once, as they come")))]
pub struct DetectArgs {
    /// A Sigma rule file or a folder of .yml rules (repeatable).
    #[arg(long, value_name = "PATH", required = true)]
    pub rule: Vec<PathBuf>,

    #[command(flatten)]
    pub input: InputArgs,

    /// Only events in this window (default: no window; --until defaults to today).
    #[command(flatten)]
    pub window: WindowArgs,

    /// Output format (ndjson: one hit per line).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,

    /// With --format csv: write values from the logs as they are. By default a cell that starts
    /// with `=`, `+`, `-`, `@`, TAB or CR gets a `'` in front so a spreadsheet shows it as text
    /// instead of running it as a formula.
    #[arg(long)]
    pub csv_raw: bool,

    /// Values for `%name%` placeholders (`|expand`): name=v1,v2 (repeatable).
    #[arg(long, value_name = "NAME=V,...")]
    pub var: Vec<String>,

    /// Also run rules whose logsource is not AWS CloudTrail.
    #[arg(long)]
    pub all_logsources: bool,

    /// Memory for putting hits in order, in bytes (or K, M, G: 512M); past it, hits wait in
    /// temporary files (in TMPDIR, removed when the run ends), so any number of hits fits.
    #[arg(long, value_name = "BYTES", default_value_t = crate::detect::DEFAULT_SORT_BUFFER, value_parser = byte_size)]
    pub sort_buffer: u64,

    /// With --format table: list at most N hits (the rest are counted, and summed up per rule and
    /// region below the table).
    #[arg(long, value_name = "N", default_value_t = crate::report::detect::TABLE_ROWS)]
    pub limit: usize,

    /// Only the hits per rule and region (every format), not the hits themselves.
    #[arg(long)]
    pub summary: bool,

    /// A GeoIP database (.mmdb, repeatable): MaxMind GeoIP2/GeoLite2 City, Country, ASN or ISP,
    /// or IPinfo's country + ASN files. Each hit then says where its caller's address is
    /// (country, city, network); private addresses and AWS service names are not looked up.
    /// Offline: nothing is ever sent anywhere.
    #[arg(long, value_name = "FILE.mmdb")]
    pub geoip: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The rule to tune. Default: the embedded seed rule.
    #[arg(long, value_name = "RULE")]
    pub rule: Option<PathBuf>,

    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub window: WindowArgs,

    #[command(flatten)]
    pub policy: PolicyArgs,

    #[command(flatten)]
    pub output: TuneOutputArgs,

    /// Output format: the steps as tables, or one JSON document (the profile, the allowlist,
    /// the tuned rule with its diff, the backtest).
    #[arg(long, value_enum, default_value_t)]
    pub format: RunFormat,

    /// Also write a review page: one self-contained HTML file (no network) with the region
    /// table, a region × week heatmap, the allowlist decisions with their reasons, the rule's
    /// diff and the backtest, readable when printed (a report: written under --check too).
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,

    /// Also save the baseline learned from the logs (the same file as `profile --save`): the
    /// state `rebaseline --state` goes on from. Written once the rule is tuned (a run that fails
    /// writes nothing); not with --check, which writes nothing.
    #[arg(long, value_name = "FILE", conflicts_with = "check")]
    pub save: Option<PathBuf>,

    /// A GeoIP database (.mmdb, repeatable): MaxMind GeoIP2/GeoLite2 City, Country, ASN or ISP,
    /// or IPinfo's country + ASN files. The backtest counts its alerts by the caller's country
    /// and shows where each listed caller is. Offline: nothing is ever sent anywhere.
    #[arg(long, value_name = "FILE.mmdb")]
    pub geoip: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the generated corpus and the tuned rule in DIR (default: a temporary folder, deleted).
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,

    /// Days of logs to generate.
    #[arg(long, default_value_t = DEFAULT_DAYS)]
    pub days: u32,

    /// Accounts to generate.
    #[arg(long, default_value_t = SYNTH_ACCOUNTS)]
    pub accounts: u32,

    /// Random seed of the corpus.
    #[arg(long, default_value_t = SYNTH_SEED)]
    pub seed: u64,
}

#[derive(Debug, Args)]
pub struct RebaselineArgs {
    /// The state: a baseline file (created on the first run, updated atomically after).
    #[arg(long, value_name = "STATE.json")]
    pub state: PathBuf,

    /// The rule to rewrite when the allowlist changes (default: the embedded seed rule, with -o).
    #[arg(long, value_name = "RULE")]
    pub rule: Option<PathBuf>,

    #[command(flatten)]
    pub input: InputArgs,

    /// Merge the result of `trailtune athena baseline-sql` (CSV as Athena writes it) instead of logs.
    #[arg(long, value_name = "FILE", conflicts_with = "paths")]
    pub baseline_csv: Option<PathBuf>,

    /// Let new logs replace a day of an account and region even when they hold fewer of its
    /// events than the state (by default the state's counts are kept and the day is reported:
    /// fewer events usually means the day was read only in part).
    #[arg(long)]
    pub replace_partial_days: bool,

    /// Forget days older than this, counted back from the newest event.
    #[arg(long, value_name = "DAYS", default_value_t = DEFAULT_DAYS, value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_DAYS)))]
    pub forget_after: u32,

    #[command(flatten)]
    pub policy: PolicyArgs,

    #[command(flatten)]
    pub output: TuneOutputArgs,

    /// Output format of the drift report.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,

    /// With --format csv: write values from the logs as they are. By default a cell that starts
    /// with `=`, `+`, `-`, `@`, TAB or CR gets a `'` in front so a spreadsheet shows it as text
    /// instead of running it as a formula.
    #[arg(long)]
    pub csv_raw: bool,

    /// Also write a review page: one self-contained HTML file (no network) with the region
    /// table, a region × week heatmap, the allowlist decisions with their reasons, the rule's
    /// diff and the drift, readable when printed (a report: written under --check too).
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Output folder (created); the corpus goes under OUT/AWSLogs/, ground truth to OUT/ground-truth.json.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// Number of days.
    #[arg(long, default_value_t = DEFAULT_DAYS, value_parser = clap::value_parser!(u32).range(1..=3_650))]
    pub days: u32,

    /// Number of accounts (1..=9).
    #[arg(long, default_value_t = SYNTH_ACCOUNTS)]
    pub accounts: u32,

    /// Ordinary events per account per weekday (weekends get about half).
    #[arg(long, value_name = "N", conflicts_with = "size", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub events_per_day: Option<u32>,

    /// Aim for about this many MB of uncompressed JSON instead of --events-per-day.
    #[arg(long, value_name = "MB")]
    pub size: Option<u64>,

    /// Random seed: the same arguments always give byte-identical output.
    #[arg(long, default_value_t = SYNTH_SEED)]
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
    #[arg(long, value_name = "N", default_value_t = DEFAULT_DAYS)]
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

const TUNE_EXAMPLES: &str = "\
Examples:
  trailtune tune --rule aws_unusual_region.yml --baseline b.json -o tuned.yml
  trailtune tune --rule rule.yml --baseline b.json --in-place --diff
  trailtune tune --rule rule.yml --baseline b.json --check       exit 1 if the rule is out of date (cron/CI)
  trailtune tune --rule rule.yml ~/trail --mode allowlist -o tuned.yml
  trailtune tune --baseline b.json --emit-filter regions.filter.yml --emit-placeholder vars.yml -o tuned.yml

Without --rule, the embedded seed rule is tuned. Without -o/--in-place the tuned rule goes to
stdout. Exit status 1 means the rule changed (or would, with --check); 0 means it was up to date.";

const NEW_COUNTRY_EXAMPLES: &str = "\
Examples:
  trailtune new-country --geoip GeoLite2-City.mmdb ~/trail        the last 7 days against the 90 before
  trailtune new-country --geoip ipinfo_lite.mmdb --days 1 --format ndjson ~/trail   daily, for a SIEM

Exit status: 0 no new country, 1 new countries found, 2 error (no events, or none before the
hunt days to compare with), 3/4 as 0/1 but some input was skipped or a lookup failed.";

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  trailtune completions bash > ~/.local/share/bash-completion/completions/trailtune
  trailtune completions zsh > \"${fpath[1]}/_trailtune\"
  trailtune completions fish > ~/.config/fish/completions/trailtune.fish";

const MAN_EXAMPLES: &str = "\
Examples:
  trailtune man | man -l -                   read the page now
  trailtune man detect | man -l -            one command's page
  trailtune man --out /usr/local/share/man/man1";

const DETECT_EXAMPLES: &str = "\
Examples:
  trailtune detect --rule tuned.yml ~/trail/AWSLogs                   hits as a table, summary per rule/region
  trailtune detect --rule sigma/rules/cloud/aws ~/trail --format ndjson  every SigmaHQ AWS rule, one hit per line
  trailtune detect --rule r.yml --var unusual_regions=ap-east-1,me-south-1 ~/trail
  trailtune detect --rule tuned.yml --since 2025-11-01 --until 2025-11-30 ~/trail

Exit status: 0 no hits, 1 hits, 2 error (no valid rule, no input, or no event to hunt in: an
empty folder or a window without events is never a clean run), 3/4 as 0/1 but some input or
some rules were skipped (each reported on stderr).";

const RUN_EXAMPLES: &str = "\
Examples:
  trailtune run ~/trail/AWSLogs -o tuned.yml                      tune the embedded seed rule and backtest it
  trailtune run --rule my_rule.yml ~/trail -o tuned.yml --min-days 7 --allow eu-west-1

Prints the region table, the allowlist review, the rule's diff, and what the tuned rule would have
raised over the same window (per region, account, principal). Exit 1 means the backtest has hits.";

const DEMO_EXAMPLES: &str = "\
Examples:
  trailtune demo                       90 days, 3 accounts, in a temporary folder (deleted)
  trailtune demo --keep /tmp/demo      keep the corpus, the baseline and the tuned rule";

const REBASELINE_EXAMPLES: &str = "\
Examples:
  trailtune rebaseline --state state.json ~/trail/AWSLogs                  first run: build the state
  trailtune rebaseline --state state.json --rule tuned.yml --in-place ~/trail/AWSLogs/*/CloudTrail/*/2025/12
  trailtune rebaseline --state state.json --approve eu-south-2             record a review decision
  trailtune rebaseline --state state.json --format json new-logs/ | jq .newly_allowed

New logs replace the state's counts for each (day, account, region) they cover, so re-reading the
same logs changes nothing; a day the new logs hold fewer events of keeps the state's counts (and
is reported) unless --replace-partial-days. Days older than --forget-after are dropped. With
--rule/-o the rule is tuned from the state and today's flags and compared with its target, as
`tune --check` does. Exit status 1: the rule was rewritten or would be (--check), or, without a
rule, the allowlist changed.";

const SYNTH_EXAMPLES: &str = "\
Examples:
  trailtune synth --out /tmp/corpus                         90 days, 3 accounts
  trailtune synth --out /tmp/big --size 1000 --seed 7       about 1 GB of JSON";

/// A size in bytes: a positive whole number, or one followed by K, M or G (also KiB, MiB, GiB;
/// 1024-based, as `sort -S` and `ulimit` read them).
fn byte_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let shift = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => {
            return Err(format!(
                "`{text}` is not a size: a number of bytes, or with K, M or G (512M)"
            ));
        }
    };
    let n: u64 = digits.parse().map_err(|_| {
        format!("`{text}` is not a size: a number of bytes, or with K, M or G (512M)")
    })?;
    match n.checked_mul(1u64 << shift) {
        Some(0) => Err("a size of 0 bytes leaves no room".to_string()),
        Some(bytes) => Ok(bytes),
        None => Err(format!(
            "`{text}` is more bytes than this machine can count"
        )),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_are_read_in_bytes_or_with_a_unit() {
        for (text, want) in [
            ("1", 1),
            ("67108864", 64 << 20),
            ("512K", 512 << 10),
            ("64m", 64 << 20),
            ("64MiB", 64 << 20),
            ("2G", 2 << 30),
            (" 1gb ", 1 << 30),
        ] {
            assert_eq!(super::byte_size(text), Ok(want), "{text}");
        }
        for text in [
            "",
            "0",
            "0M",
            "M",
            "-1",
            "1.5G",
            "64 M",
            "1T",
            "18446744073709551615K",
        ] {
            assert!(super::byte_size(text).is_err(), "{text}");
        }
    }

    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
