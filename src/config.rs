//! Raw command-line values (`cli`) become validated, documented configurations here, once, so no
//! stage ever sees a clap type. Every check of a value happens here, with a typed
//! [`ConfigError`]: date order, numeric ranges (finite, within bounds), region codes (trimmed,
//! lower-cased, checked against the catalogue). The defaults are constants of the stage that
//! owns them (`policy::defaults`, `window::DEFAULT_DAYS`, ...), which `cli` names in its
//! `default_value_t`, so `--help` shows the value the code uses.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::baseline::state::MergeOptions;
use crate::baseline::{BaselineSource, cols};
use crate::cli;
use crate::input::s3url::{self, Endpoint, EndpointError, S3Url, S3UrlError};
use crate::input::{InputConfig, S3Options};
use crate::policy::{LearnFilter, Pins, PolicyConfig};
use crate::regions;
use crate::report::{Format, Output};
use crate::sigma::LoadOptions;
use crate::tune::{Mode, RuleSource, Target, TuneConfig};
use crate::window::{MAX_DAYS, WindowSpec};

/// A command-line value that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error("--since {since} is after --until {until}")]
    WindowOrder { since: NaiveDate, until: NaiveDate },
    #[error("{flag} {value}: expected {expected}")]
    Range {
        flag: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error(
        "{flag} {code:?}: not a region code of the catalogue (botocore {botocore}){}; --accept-unknown-regions takes it as it is",
        suggest(.suggestions)
    )]
    UnknownRegion {
        flag: &'static str,
        code: String,
        botocore: String,
        suggestions: Vec<String>,
    },
    #[error(
        "{flag} {value:?}: an account pin is ACCOUNT:REGION with a 12-digit account ID (e.g. 111122223333:eu-west-1)"
    )]
    AccountPin { flag: &'static str, value: String },
    #[error(
        "{flag} {value}: a pin that names an account needs --per-account (the organization-wide rule cannot exempt one account)"
    )]
    AccountPinWithoutPerAccount { flag: &'static str, value: String },
    #[error("--var {0:?}: expected name=value[,value...]")]
    Var(String),
    #[error(
        "{flag} {path} is among the logs read ({logs}): it would replace a log or be read as one; write it elsewhere"
    )]
    AmongLogs {
        flag: &'static str,
        path: String,
        logs: String,
    },
    #[error("{0}")]
    S3Url(#[from] S3UrlError),
    #[error("{0}")]
    Endpoint(#[from] EndpointError),
    #[error(
        "{0}: this trailtune was built without S3 support (cargo feature `s3`, on by default): rebuild it with default features, or copy the logs first (aws s3 sync {0} DIR)"
    )]
    NoS3Support(String),
    #[error(
        "{flag} {path}: outputs are local files (only the logs read may be s3:// PATHs); write it here, then copy it with `aws s3 cp`"
    )]
    RemoteOutput { flag: &'static str, path: String },
    #[error("{first} and {second} name the same file ({path}): one would overwrite the other")]
    SameFile {
        first: &'static str,
        second: &'static str,
        path: String,
    },
}

/// Refuse two outputs (or an output and an input the run still needs) that are one file: the
/// later write would silently replace the earlier. Paths are compared as the files they name
/// when they exist (through links and `..`), else as written.
/// A path as the file system names it when it exists (through links and `..`), else its
/// folder as the file system names it and its name, else as written.
fn file_key(p: &Path) -> PathBuf {
    std::fs::canonicalize(p)
        .or_else(|_| {
            let parent = match p.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            };
            let name = p.file_name().ok_or(std::io::ErrorKind::NotFound)?;
            std::fs::canonicalize(parent).map(|d| d.join(name))
        })
        .unwrap_or_else(|_| p.to_path_buf())
}

/// Refuse an output that is one of the logs read, or lies in a folder of them: it would
/// replace a log (evidence) or be read as one next time.
/// Refuse an output named as an `s3://` URL before any work: it would become a local path
/// `s3:/bucket/...` (written there, or failing after the whole run).
fn local_outputs(outputs: &[(&'static str, Option<&Path>)]) -> Result<(), ConfigError> {
    for (flag, path) in outputs {
        if let Some(path) = path.filter(|p| s3url::is_s3(p)) {
            return Err(ConfigError::RemoteOutput {
                flag,
                path: path.display().to_string(),
            });
        }
    }
    Ok(())
}

fn outside_logs(
    outputs: &[(&'static str, Option<&Path>)],
    logs: &[PathBuf],
) -> Result<(), ConfigError> {
    local_outputs(outputs)?;
    let logs: Vec<PathBuf> = logs
        .iter()
        .filter(|p| p.as_os_str() != "-" && !s3url::is_s3(p))
        .map(|p| file_key(p))
        .collect();
    for (flag, path) in outputs {
        let Some(path) = path else { continue };
        let out = file_key(path);
        if out.starts_with("/dev") {
            continue;
        }
        if let Some(log) = logs.iter().find(|log| out == **log || out.starts_with(log)) {
            return Err(ConfigError::AmongLogs {
                flag,
                path: path.display().to_string(),
                logs: log.display().to_string(),
            });
        }
    }
    Ok(())
}

/// A file to write a report to: not `-` and in a folder that exists, checked before any work
/// (so a run does not write its rule or state, then fail on the page).
fn report_path(path: Option<&Path>) -> Result<(), ConfigError> {
    let Some(path) = path else { return Ok(()) };
    let folder = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if path.as_os_str() == "-" || path.is_dir() || !folder.is_dir() {
        return Err(ConfigError::Range {
            flag: "--report",
            value: path.display().to_string(),
            expected: "a file in a folder that exists (the page is written there)",
        });
    }
    Ok(())
}

fn distinct_files(paths: &[(&'static str, Option<&Path>)]) -> Result<(), ConfigError> {
    let key = |p: &Path| file_key(p);
    let named: Vec<(&'static str, &Path, PathBuf)> = paths
        .iter()
        .filter_map(|(flag, p)| p.map(|p| (*flag, p, key(p))))
        .collect();
    for (i, (first, path, a)) in named.iter().enumerate() {
        // Devices (-o /dev/stdout, /dev/null) are written through, not replaced.
        if a.starts_with("/dev") {
            continue;
        }
        if let Some((second, _, _)) = named[i + 1..].iter().find(|(_, _, b)| a == b) {
            return Err(ConfigError::SameFile {
                first,
                second,
                path: path.display().to_string(),
            });
        }
    }
    Ok(())
}

fn suggest(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", suggestions.join(" or "))
    }
}

/// `profile`.
#[derive(Debug, Clone)]
pub struct Profile {
    pub input: InputConfig,
    pub window: WindowSpec,
    /// The column a row is keyed by, and its name in the report.
    pub by: (&'static str, &'static str),
    /// The second key column, if any (`--by region,account`).
    pub by2: Option<(&'static str, &'static str)>,
    pub output: Output,
    pub save: Option<PathBuf>,
    /// GeoIP databases (for `--by country|asn`).
    pub geoip: Vec<PathBuf>,
    /// The review page to write.
    pub report: Option<PathBuf>,
}

/// `new-country`.
#[derive(Debug, Clone)]
pub struct NewCountry {
    pub input: InputConfig,
    /// What is read: the baseline days and the hunt days.
    pub window: WindowSpec,
    pub hunt_days: u32,
    pub geoip: Vec<PathBuf>,
    pub output: Output,
}

impl TryFrom<cli::NewCountryArgs> for NewCountry {
    type Error = ConfigError;
    fn try_from(args: cli::NewCountryArgs) -> Result<Self, ConfigError> {
        Ok(NewCountry {
            window: WindowSpec {
                since: None,
                until: args.until,
                days: Some(args.days.saturating_add(args.baseline_days)),
            },
            hunt_days: args.days,
            input: input(args.input)?,
            geoip: args.geoip,
            output: output(args.format, args.csv_raw),
        })
    }
}

/// `allowlist`.
#[derive(Debug, Clone)]
pub struct Allowlist {
    pub source: BaselineSource,
    pub policy: PolicyConfig,
    pub output: Output,
}

/// `tune`.
#[derive(Debug, Clone)]
pub struct Tune {
    pub source: BaselineSource,
    pub policy: PolicyConfig,
    pub tune: TuneConfig,
}

/// `detect`.
#[derive(Debug, Clone)]
pub struct Detect {
    pub rules: Vec<PathBuf>,
    pub load: LoadOptions,
    pub input: InputConfig,
    pub window: WindowSpec,
    pub output: Output,
    /// Bytes of hits held in memory while they are put in order.
    pub sort_buffer: u64,
    /// GeoIP databases to locate callers with (none: no lookups).
    pub geoip: Vec<PathBuf>,
    /// Hits the table lists.
    pub limit: usize,
    /// Only the hits per rule and region.
    pub summary: bool,
}

/// `rebaseline`.
#[derive(Debug, Clone)]
pub struct Rebaseline {
    pub state: PathBuf,
    /// The new logs or Athena result to merge, if any.
    pub newer: Option<BaselineSource>,
    /// Days kept, and whether partly read days replace the state's.
    pub merge: MergeOptions,
    pub policy: PolicyConfig,
    /// The rule to keep up to date, when `--rule` or `-o` is given.
    pub tune: Option<TuneConfig>,
    /// Write nothing (neither state nor rule); report what would change.
    pub check: bool,
    pub output: Output,
    /// The review page to write.
    pub report: Option<PathBuf>,
}

/// `demo`.
#[derive(Debug, Clone)]
pub struct Demo {
    pub keep: Option<PathBuf>,
    pub days: u32,
    pub accounts: u32,
    pub seed: u64,
}

impl From<cli::Format> for Format {
    fn from(f: cli::Format) -> Format {
        match f {
            cli::Format::Table => Format::Table,
            cli::Format::Json => Format::Json,
            cli::Format::Ndjson => Format::Ndjson,
            cli::Format::Csv => Format::Csv,
        }
    }
}

/// `--format` and `--csv-raw`.
fn output(format: cli::Format, csv_raw: bool) -> Output {
    Output {
        format: format.into(),
        csv_raw,
    }
}

fn input(args: cli::InputArgs) -> Result<InputConfig, ConfigError> {
    for path in args.paths.iter().filter(|p| s3url::is_s3(p)) {
        let text = path.to_string_lossy();
        S3Url::parse(&text)?;
        if !cfg!(feature = "s3") {
            return Err(ConfigError::NoS3Support(text.into_owned()));
        }
    }
    let endpoint = args
        .s3
        .endpoint_url
        .as_deref()
        .map(|url| Endpoint::check("--endpoint-url", url, args.s3.allow_http))
        .transpose()?;
    Ok(InputConfig {
        paths: args.paths,
        strict: args.strict,
        progress: !args.no_progress,
        limits: crate::input::Limits {
            max_record_bytes: args.max_record_bytes,
            max_line_bytes: args.max_line_bytes,
        },
        s3: S3Options {
            no_sign_request: args.s3.no_sign_request,
            endpoint,
            allow_http: args.s3.allow_http,
        },
    })
}

fn window(args: &cli::WindowArgs) -> Result<WindowSpec, ConfigError> {
    if let (Some(since), Some(until)) = (args.since, args.until)
        && since > until
    {
        return Err(ConfigError::WindowOrder { since, until });
    }
    Ok(WindowSpec {
        since: args.since,
        until: args.until,
        days: args.days,
    })
}

fn baseline_source(args: cli::BaselineSourceArgs) -> Result<BaselineSource, ConfigError> {
    Ok(match (args.baseline, args.baseline_csv) {
        (Some(path), _) => BaselineSource::File(path),
        (None, Some(path)) => BaselineSource::AthenaCsv(path),
        (None, None) => BaselineSource::Logs {
            window: window(&args.window)?,
            input: input(args.input)?,
        },
    })
}

/// A percentage: finite and within `min..=100` (`min` itself excluded when `open`).
fn percent(flag: &'static str, value: f64, open: bool) -> Result<f64, ConfigError> {
    let ok = value.is_finite() && value <= 100.0 && if open { value > 0.0 } else { value >= 0.0 };
    if ok {
        Ok(value)
    } else {
        Err(ConfigError::Range {
            flag,
            value: value.to_string(),
            expected: if open {
                "a number above 0 and at most 100"
            } else {
                "a number from 0 to 100"
            },
        })
    }
}

fn days(flag: &'static str, value: u32) -> Result<u32, ConfigError> {
    if value <= MAX_DAYS {
        Ok(value)
    } else {
        Err(ConfigError::Range {
            flag,
            value: value.to_string(),
            expected: "at most 36500 days",
        })
    }
}

/// Region codes as given (repeatable, comma-separated): trimmed, lower-cased, checked against
/// the catalogue unless `accept_unknown`. A value `ACCOUNT:REGION` pins the region for that
/// account only; those are returned apart, by account.
type Pinned = (BTreeSet<String>, BTreeMap<String, BTreeSet<String>>);

fn regions(
    flag: &'static str,
    values: &[String],
    accept_unknown: bool,
) -> Result<Pinned, ConfigError> {
    let cat = regions::catalogue();
    let mut out = BTreeSet::new();
    let mut by_account: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for raw in values {
        let (account, code) = match raw.split_once(':') {
            Some((account, code)) => {
                let account = account.trim();
                if !crate::policy::is_account_id(account) || code.trim().is_empty() {
                    return Err(ConfigError::AccountPin {
                        flag,
                        value: raw.clone(),
                    });
                }
                (Some(account), code)
            }
            None => (None, raw.as_str()),
        };
        let code = code.trim().to_ascii_lowercase();
        if code.is_empty() {
            continue;
        }
        if !cat.contains(&code) && !accept_unknown {
            return Err(ConfigError::UnknownRegion {
                flag,
                suggestions: nearest(&code, cat.regions().map(|r| r.code.as_str())),
                code: code.clone(),
                botocore: cat.botocore_version.clone(),
            });
        }
        match account {
            Some(account) => {
                by_account
                    .entry(account.to_string())
                    .or_default()
                    .insert(code);
            }
            None => {
                out.insert(code);
            }
        }
    }
    Ok((out, by_account))
}

/// The known codes closest to `code` (edit distance at most 3), best first, at most three.
fn nearest<'a>(code: &str, known: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut scored: Vec<(usize, &str)> = known
        .map(|k| (edit_distance(code, k), k))
        .filter(|(d, _)| *d <= 3)
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(3)
        .map(|(_, k)| k.to_string())
        .collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The policy's knobs, validated. The review decisions saved in a baseline are merged later
/// ([`PolicyConfig::with_review`]).
pub fn policy(args: &cli::PolicyArgs) -> Result<PolicyConfig, ConfigError> {
    let unknown = args.accept_unknown_regions;
    let (allow, allow_by) = regions("--allow", &args.allow, unknown)?;
    let (deny, deny_by) = regions("--deny", &args.deny, unknown)?;
    let (approve, approve_by) = regions("--approve", &args.approve, unknown)?;
    let (reject, reject_by) = regions("--reject", &args.reject, unknown)?;
    let mut account_pins: BTreeMap<String, Pins> = BTreeMap::new();
    type Field = fn(&mut Pins) -> &mut BTreeSet<String>;
    let fields: [(&'static str, _, Field); 4] = [
        ("--allow", allow_by, |p| &mut p.allow),
        ("--deny", deny_by, |p| &mut p.deny),
        ("--approve", approve_by, |p| &mut p.approve),
        ("--reject", reject_by, |p| &mut p.reject),
    ];
    for (flag, by, field) in fields {
        for (account, codes) in by {
            if !args.per_account {
                return Err(ConfigError::AccountPinWithoutPerAccount {
                    flag,
                    value: format!(
                        "{account}:{}",
                        codes.iter().next().cloned().unwrap_or_default()
                    ),
                });
            }
            field(account_pins.entry(account).or_default()).extend(codes);
        }
    }
    Ok(PolicyConfig {
        learn: LearnFilter {
            failed: !args.learn_failed,
            aws_service: !args.learn_aws_service,
            service_linked_role: !args.learn_service_linked,
            invoked_by_service: !args.learn_invoked_by_service,
            aws_internal: !args.learn_aws_internal,
        },
        min_events: args.min_events,
        min_share_pct: percent("--min-share", args.min_share, false)?,
        min_days: days("--min-days", args.min_days)?,
        min_principals: args.min_principals,
        allow,
        deny,
        approve,
        reject,
        quarantine_days: days("--quarantine-days", args.quarantine_days)?,
        min_history_days: days("--min-history", args.min_history)?,
        sweeper_region_pct: percent("--sweeper-regions", args.sweeper_regions, true)?,
        per_account: args.per_account,
        account_pins,
    })
}

fn tune(
    rule: Option<PathBuf>,
    out: cli::TuneOutputArgs,
    force: bool,
) -> Result<TuneConfig, ConfigError> {
    let written = if out.in_place {
        ("--in-place (--rule)", rule.as_deref())
    } else {
        ("-o", out.out.as_deref())
    };
    let outputs = [
        written,
        ("--emit-filter", out.emit_filter.as_deref()),
        ("--emit-placeholder", out.emit_placeholder.as_deref()),
    ];
    local_outputs(&outputs)?;
    distinct_files(&outputs)?;
    let target = match (out.out, out.in_place) {
        (Some(path), _) => Target::File(path),
        (None, true) => Target::InPlace,
        (None, false) => Target::Stdout,
    };
    Ok(TuneConfig {
        rule: rule.map_or(RuleSource::Seed, RuleSource::File),
        mode: match out.mode {
            cli::TuneMode::Denylist => Mode::Denylist,
            cli::TuneMode::Allowlist => Mode::Allowlist,
        },
        date: out.date.unwrap_or_else(|| chrono::Utc::now().date_naive()),
        target,
        check: out.check,
        diff: out.diff,
        emit_filter: out.emit_filter,
        emit_placeholder: out.emit_placeholder,
        force,
    })
}

/// Parse `--var name=v1,v2` options.
fn vars(vars: &[String]) -> Result<BTreeMap<String, Vec<String>>, ConfigError> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for v in vars {
        let Some((name, values)) = v.split_once('=') else {
            return Err(ConfigError::Var(v.clone()));
        };
        out.entry(name.trim().to_string()).or_default().extend(
            values
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
        );
    }
    Ok(out)
}

impl TryFrom<cli::ProfileArgs> for Profile {
    type Error = ConfigError;
    fn try_from(args: cli::ProfileArgs) -> Result<Self, ConfigError> {
        let outputs = [
            ("--save", args.save.as_deref()),
            ("--report", args.report.as_deref()),
        ];
        distinct_files(&outputs)?;
        outside_logs(&outputs, &args.input.paths)?;
        report_path(args.report.as_deref())?;
        let name = |b: &cli::GroupBy| format!("{b:?}").to_lowercase();
        let by_value = || args.by.iter().map(name).collect::<Vec<_>>().join(",");
        if let Some(b) = (args.by.iter())
            .find(|b| matches!(b, cli::GroupBy::Country | cli::GroupBy::Asn))
            .filter(|_| args.geoip.is_empty())
        {
            return Err(ConfigError::Range {
                flag: "--by",
                value: name(b),
                expected: "--geoip FILE.mmdb as well: where a caller is comes from a GeoIP database",
            });
        }
        if args.by.is_empty() || args.by.len() > 2 || args.by.first() == args.by.get(1) {
            return Err(ConfigError::Range {
                flag: "--by",
                value: by_value(),
                expected: "one key, or two different keys separated by a comma (e.g. region,account)",
            });
        }
        let column = |b: &cli::GroupBy| match b {
            cli::GroupBy::Region => (cols::REGION, "region"),
            cli::GroupBy::Account => (cols::ACCOUNT, "account"),
            cli::GroupBy::Principal => (cols::PRINCIPAL, "principal"),
            cli::GroupBy::Service => (cols::EVENT_SOURCE, "service"),
            cli::GroupBy::Day => (cols::DAY, "day"),
            cli::GroupBy::Country => (cols::COUNTRY, "country"),
            cli::GroupBy::Asn => (cols::NETWORK, "network"),
        };
        Ok(Profile {
            window: window(&args.window)?,
            input: input(args.input)?,
            by: column(&args.by[0]),
            by2: args.by.get(1).map(column),
            output: output(args.format, args.csv_raw),
            save: args.save,
            geoip: args.geoip,
            report: args.report,
        })
    }
}

impl TryFrom<cli::AllowlistArgs> for Allowlist {
    type Error = ConfigError;
    fn try_from(args: cli::AllowlistArgs) -> Result<Self, ConfigError> {
        Ok(Allowlist {
            policy: policy(&args.policy)?,
            source: baseline_source(args.source)?,
            output: output(args.format, args.csv_raw),
        })
    }
}

impl TryFrom<cli::TuneArgs> for Tune {
    type Error = ConfigError;
    fn try_from(args: cli::TuneArgs) -> Result<Self, ConfigError> {
        Ok(Tune {
            policy: policy(&args.policy)?,
            tune: tune(args.rule, args.output, args.policy.force)?,
            source: baseline_source(args.source)?,
        })
    }
}

impl TryFrom<cli::DetectArgs> for Detect {
    type Error = ConfigError;
    fn try_from(args: cli::DetectArgs) -> Result<Self, ConfigError> {
        Ok(Detect {
            load: LoadOptions {
                vars: vars(&args.var)?,
                all_logsources: args.all_logsources,
            },
            rules: args.rule,
            window: window(&args.window)?,
            input: input(args.input)?,
            output: output(args.format, args.csv_raw),
            sort_buffer: args.sort_buffer,
            geoip: args.geoip,
            limit: args.limit,
            summary: args.summary,
        })
    }
}

impl TryFrom<cli::RunArgs> for crate::pipeline::RunConfig {
    type Error = ConfigError;
    fn try_from(args: cli::RunArgs) -> Result<Self, ConfigError> {
        // The saved baseline must not land on the rule read, nor on a file the run writes.
        distinct_files(&[
            ("--save", args.save.as_deref()),
            ("--report", args.report.as_deref()),
            ("--rule", args.rule.as_deref()),
            ("-o", args.output.out.as_deref()),
            ("--emit-filter", args.output.emit_filter.as_deref()),
            (
                "--emit-placeholder",
                args.output.emit_placeholder.as_deref(),
            ),
        ])?;
        let rule_out = if args.output.in_place {
            args.rule.as_deref()
        } else {
            args.output.out.as_deref()
        };
        outside_logs(
            &[
                ("--save", args.save.as_deref()),
                ("--report", args.report.as_deref()),
                ("-o", rule_out),
                ("--emit-filter", args.output.emit_filter.as_deref()),
                (
                    "--emit-placeholder",
                    args.output.emit_placeholder.as_deref(),
                ),
            ],
            &args.input.paths,
        )?;
        report_path(args.report.as_deref())?;
        Ok(crate::pipeline::RunConfig {
            policy: policy(&args.policy)?,
            tune: tune(args.rule, args.output, args.policy.force)?,
            window: window(&args.window)?,
            input: input(args.input)?,
            geoip: args.geoip,
            save: args.save,
        })
    }
}

impl TryFrom<cli::RebaselineArgs> for Rebaseline {
    type Error = ConfigError;
    fn try_from(args: cli::RebaselineArgs) -> Result<Self, ConfigError> {
        let logs = args.input.paths.clone();
        let newer = match args.baseline_csv {
            Some(path) => Some(BaselineSource::AthenaCsv(path)),
            None if args.input.paths.is_empty() => None,
            None => Some(BaselineSource::Logs {
                input: input(args.input)?,
                window: WindowSpec {
                    days: Some(args.forget_after),
                    ..WindowSpec::default()
                },
            }),
        };
        let wants_rule = args.rule.is_some() || args.output.out.is_some();
        // The state is read, then rewritten: no rule output may land on it.
        let rule_out = if args.output.in_place {
            args.rule.as_deref()
        } else {
            args.output.out.as_deref()
        };
        let outputs = [
            ("--state", Some(args.state.as_path())),
            ("--report", args.report.as_deref()),
            ("-o", rule_out),
            ("--emit-filter", args.output.emit_filter.as_deref()),
            (
                "--emit-placeholder",
                args.output.emit_placeholder.as_deref(),
            ),
        ];
        distinct_files(&outputs)?;
        outside_logs(&outputs, &logs)?;
        report_path(args.report.as_deref())?;
        let tune_cfg = match wants_rule {
            true => Some(tune(args.rule, args.output.clone(), args.policy.force)?),
            false => None,
        };
        Ok(Rebaseline {
            policy: policy(&args.policy)?,
            tune: tune_cfg,
            check: args.output.check,
            state: args.state,
            newer,
            merge: MergeOptions {
                keep_days: days("--forget-after", args.forget_after)?,
                replace_partial_days: args.replace_partial_days,
            },
            output: output(args.format, args.csv_raw),
            report: args.report,
        })
    }
}

impl From<cli::DemoArgs> for Demo {
    fn from(args: cli::DemoArgs) -> Demo {
        Demo {
            keep: args.keep,
            days: args.days,
            accounts: args.accounts,
            seed: args.seed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input_args(paths: &[&str], flags: &[&str]) -> cli::InputArgs {
        use clap::Parser;
        #[derive(Parser)]
        struct I {
            #[command(flatten)]
            i: cli::InputArgs,
        }
        I::parse_from(["i"].iter().chain(flags).chain(paths)).i
    }

    #[test]
    fn s3_paths_and_endpoints_are_checked_before_any_work() {
        let e = input(input_args(&["s3://a"], &[])).unwrap_err();
        assert!(matches!(e, ConfigError::S3Url(_)), "{e}");
        let e = input(input_args(&["logs", "s3://b12//x"], &[])).unwrap_err();
        assert!(e.to_string().contains("empty segment"), "{e}");
        let e = input(input_args(
            &["s3://b12/x"],
            &["--endpoint-url", "http://10.1.2.3:9000"],
        ))
        .unwrap_err();
        #[cfg(feature = "s3")]
        assert!(e.to_string().contains("--allow-http"), "{e}");
        #[cfg(not(feature = "s3"))]
        assert!(matches!(e, ConfigError::NoS3Support(_)), "{e}");
        let ok = input(input_args(
            &["s3://b12/x"],
            &[
                "--endpoint-url",
                "http://10.1.2.3:9000",
                "--allow-http",
                "--no-sign-request",
            ],
        ));
        #[cfg(feature = "s3")]
        {
            let ok = ok.unwrap();
            assert!(ok.s3.no_sign_request && ok.s3.endpoint.unwrap().http);
        }
        // Without the feature an s3:// PATH is refused, saying why.
        #[cfg(not(feature = "s3"))]
        assert!(
            matches!(&ok, Err(ConfigError::NoS3Support(p)) if p == "s3://b12/x"),
            "{ok:?}"
        );
        // A local path is never taken for one.
        assert!(input(input_args(&["./s3://x"], &[])).is_ok());
    }

    fn policy_args() -> cli::PolicyArgs {
        use clap::Parser;
        #[derive(Parser)]
        struct P {
            #[command(flatten)]
            p: cli::PolicyArgs,
        }
        P::parse_from(["p"]).p
    }

    #[test]
    fn defaults_are_the_policy_defaults() {
        let cfg = policy(&policy_args()).unwrap();
        let d = PolicyConfig::default();
        assert_eq!(
            (
                cfg.min_events,
                cfg.min_share_pct,
                cfg.min_days,
                cfg.min_principals,
                cfg.quarantine_days,
                cfg.min_history_days,
                cfg.sweeper_region_pct,
                cfg.learn
            ),
            (
                d.min_events,
                d.min_share_pct,
                d.min_days,
                d.min_principals,
                d.quarantine_days,
                d.min_history_days,
                d.sweeper_region_pct,
                d.learn
            )
        );
    }

    #[test]
    fn numbers_are_range_checked() {
        for (share, sweep) in [
            (f64::NAN, 75.0),
            (-1.0, 75.0),
            (101.0, 75.0),
            (0.01, f64::NAN),
            (0.01, 0.0),
            (0.01, f64::INFINITY),
        ] {
            let mut a = policy_args();
            a.min_share = share;
            a.sweeper_regions = sweep;
            assert!(
                matches!(policy(&a), Err(ConfigError::Range { .. })),
                "{share} {sweep}"
            );
        }
    }

    #[test]
    fn regions_are_normalised_and_checked() {
        let mut a = policy_args();
        a.allow = vec![" US-WEST-1 ".into(), "".into()];
        assert_eq!(
            policy(&a).unwrap().allow.into_iter().collect::<Vec<_>>(),
            ["us-west-1"]
        );
        a.deny = vec!["us-eats-1".into()];
        let err = policy(&a).unwrap_err();
        assert!(err.to_string().contains("did you mean us-east-1"), "{err}");
    }
}
