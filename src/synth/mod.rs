//! `synth`: a deterministic, realistic CloudTrail corpus for tests, the demo and benchmarks.
//!
//! Consumes a [`SynthConfig`] (seed, window, accounts, volume); produces gzip log files in the
//! real S3 layout under `OUT/AWSLogs/` and `OUT/ground-truth.json` ([`GroundTruth`]), whose exact
//! counts and injected events the rest of trailtune is tested against. The work is split into
//! (account, day) tasks, each with its own seed derived from (seed, account, day), run in parallel
//! with rayon: the same configuration gives byte-identical output whatever the thread count.
//! Must not depend on the reader (`input`, `event`): the corpus checks the reader, not the reverse.
//!
//! | file | role |
//! |---|---|
//! | `rng.rs` | the PRNG (xoshiro256** + SplitMix64), ids, UUIDs |
//! | `model/` | the organization: regions, addresses, agents (`mod.rs`), accounts and their cast (`org.rs`), the APIs each kind of principal calls (`apis.rs`) |
//! | `scenario.rs` | where the leaked-key anomalies and the decoys go |
//! | `activity/` | the records of one (account, day): rhythm, sessions, identities, calls, parameters (`params.yaml`), background, sweepers, injections (see its `mod.rs`) |
//! | `record.rs` | the record type, its JSON form, the seed rule's logic |
//! | `write.rs` | batching into files, names, gzip |
//! | `truth.rs` | counting, `ground-truth.json` |

use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate};
use rayon::prelude::*;

mod activity;
mod model;
mod record;
mod rng;
mod scenario;
mod truth;
mod write;

pub use model::{DEFAULT_REGIONS, MAX_ACCOUNTS, NEAR_MISS_REGIONS};
pub use record::SEED_RULE_REGIONS;
pub use truth::{Decoy, GroundTruth, Marked, SCHEMA, Sweeper, TruthAccount, TruthConfig};

use activity::Org;
use rng::{Rng, derive};
use truth::Tally;

/// Ordinary events per account per weekday when neither `--events-per-day` nor `--size` is
/// given: 90 days x 3 accounts is then about 120k events (see docs/synth.md).
pub const DEFAULT_EVENTS_PER_DAY: u32 = 350;

/// What to generate.
#[derive(Debug, Clone)]
pub struct SynthConfig {
    /// Output folder (created): `OUT/AWSLogs/...` and `OUT/ground-truth.json`.
    pub out: PathBuf,
    /// Number of days, ending at `end`.
    pub days: u32,
    /// Number of accounts, 1..=9.
    pub accounts: u32,
    /// Ordinary events per account per weekday (weekends about half).
    pub events_per_day: Option<u32>,
    /// Aim for about this many MB (10^6 bytes) of uncompressed JSON instead.
    pub size_mb: Option<u64>,
    pub seed: u64,
    /// Last day (UTC, inclusive).
    pub end: NaiveDate,
}

/// Why a corpus could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("the number of accounts must be between 1 and {MAX_ACCOUNTS}, got {0}")]
    Accounts(u32),
    #[error("the number of days must be between 1 and 3660, got {0}")]
    Days(u32),
    #[error("give --events-per-day or --size, not both")]
    VolumeTwice,
    #[error("--size must be at least 1 MB")]
    SizeZero,
    #[error(
        "{0} already holds AWSLogs/ but no ground-truth.json: not a synth corpus, refusing to overwrite it"
    )]
    NotACorpus(PathBuf),
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot serialize a record")]
    Json(#[from] serde_json::Error),
}

/// The resolved plan shared by every task.
struct Corpus {
    seed: u64,
    days: u32,
    start: NaiveDate,
    accounts: Vec<model::Account>,
    injections: Vec<scenario::Injection>,
    partner_account: String,
    security_account: String,
}

impl Corpus {
    fn new(cfg: &SynthConfig) -> Corpus {
        let accounts = model::accounts(cfg.seed, cfg.accounts);
        let outside = |tag| {
            format!(
                "{:012}",
                100_000_000_000 + derive(cfg.seed, &[tag]) % 900_000_000_000
            )
        };
        Corpus {
            seed: cfg.seed,
            days: cfg.days,
            start: cfg.end - Duration::days(i64::from(cfg.days) - 1),
            injections: scenario::plan(cfg.seed, cfg.days, cfg.accounts),
            partner_account: outside(0xFA27),
            security_account: outside(0x5EC),
            accounts,
        }
    }

    fn org(&self, events_per_day: u32) -> Org<'_> {
        Org {
            accounts: &self.accounts,
            injections: &self.injections,
            events_per_day,
            partner_account: self.partner_account.clone(),
            security_account: self.security_account.clone(),
        }
    }

    /// The records of one task.
    fn day(&self, org: &Org, account: u32, day: u32) -> Vec<record::Record> {
        let rng = Rng::new(derive(self.seed, &[1, u64::from(account), u64::from(day)]));
        let date = self.start + Duration::days(i64::from(day));
        activity::day(org, &self.accounts[account as usize], day, date, rng)
    }

    fn tasks(&self) -> u32 {
        self.accounts.len() as u32 * self.days
    }

    /// `--size`: the events per day that give about `mb` MB, from the measured size of a sample
    /// (every account, the first week) at two volumes (bytes = fixed part + per-event part).
    /// At least 1: below the fixed part (sweeps, injections) the corpus cannot shrink.
    fn events_for_size(&self, mb: u64) -> Result<u32, SynthError> {
        const PROBE: u32 = 1_000;
        let (low, high) = (self.org(0), self.org(PROBE));
        let sample_days = self.days.min(7);
        let mut fixed = 0u64;
        let mut variable = 0u64;
        for account in 0..self.accounts.len() as u32 {
            for day in 0..sample_days {
                let base = write::json_len(&self.day(&low, account, day))?;
                let probe = write::json_len(&self.day(&high, account, day))?;
                fixed += base;
                variable += probe.saturating_sub(base);
            }
        }
        let samples = f64::from(self.accounts.len() as u32 * sample_days);
        let tasks = f64::from(self.tasks());
        let fixed_total = fixed as f64 / samples * tasks;
        let per_unit = variable as f64 / samples * tasks / f64::from(PROBE);
        let wanted = mb as f64 * 1e6 - fixed_total;
        Ok((wanted / per_unit).clamp(1.0, 10_000_000.0).round() as u32)
    }
}

/// Generate the corpus and its ground truth. Replaces a previous synth corpus in `cfg.out`.
pub fn generate(cfg: &SynthConfig) -> Result<GroundTruth, SynthError> {
    if cfg.accounts == 0 || cfg.accounts > MAX_ACCOUNTS {
        return Err(SynthError::Accounts(cfg.accounts));
    }
    if cfg.days == 0 || cfg.days > 3660 {
        return Err(SynthError::Days(cfg.days));
    }
    if cfg.events_per_day.is_some() && cfg.size_mb.is_some() {
        return Err(SynthError::VolumeTwice);
    }
    if cfg.size_mb == Some(0) {
        return Err(SynthError::SizeZero);
    }
    let corpus = Corpus::new(cfg);
    let events_per_day = match (cfg.events_per_day, cfg.size_mb) {
        (Some(n), _) => n,
        (None, Some(mb)) => corpus.events_for_size(mb)?,
        (None, None) => DEFAULT_EVENTS_PER_DAY,
    };
    prepare(&cfg.out)?;
    let org = corpus.org(events_per_day);
    let days = corpus.days;
    let tallies = (0..corpus.tasks())
        .into_par_iter()
        .map(|task| {
            let (account, day) = (task / days, task % days);
            let records = corpus.day(&org, account, day);
            let mut rng = Rng::new(derive(cfg.seed, &[2, u64::from(account), u64::from(day)]));
            let id = &corpus.accounts[account as usize].id;
            let delivered = write::deliver(&cfg.out, id, &records, &mut rng)?;
            let mut tally = Tally::default();
            tally.add(&records, delivered);
            Ok(tally)
        })
        .collect::<Result<Vec<Tally>, SynthError>>()?;
    let mut total = Tally::default();
    for tally in tallies {
        total.merge(tally);
    }
    let truth = total.finish(
        truth_config(cfg, &corpus, events_per_day),
        sweepers(&corpus),
    );
    let path = cfg.out.join("ground-truth.json");
    let mut json = serde_json::to_vec_pretty(&truth)?;
    json.push(b'\n');
    std::fs::write(&path, json).map_err(|source| SynthError::Io { path, source })?;
    Ok(truth)
}

/// Create `out`, removing the `AWSLogs/` of a previous synth run (one with a ground-truth.json).
fn prepare(out: &Path) -> Result<(), SynthError> {
    let logs = out.join("AWSLogs");
    let truth = out.join("ground-truth.json");
    if logs.exists() {
        if !truth.exists() {
            return Err(SynthError::NotACorpus(out.to_path_buf()));
        }
        std::fs::remove_dir_all(&logs).map_err(|source| SynthError::Io {
            path: logs.clone(),
            source,
        })?;
    }
    if truth.exists() {
        std::fs::remove_file(&truth).map_err(|source| SynthError::Io {
            path: truth.clone(),
            source,
        })?;
    }
    std::fs::create_dir_all(&logs).map_err(|source| SynthError::Io { path: logs, source })
}

fn truth_config(cfg: &SynthConfig, corpus: &Corpus, events_per_day: u32) -> TruthConfig {
    TruthConfig {
        seed: cfg.seed,
        days: cfg.days,
        start: corpus.start,
        end: cfg.end,
        events_per_day,
        accounts: corpus
            .accounts
            .iter()
            .map(|a| TruthAccount {
                id: a.id.clone(),
                name: a.name.to_string(),
                home_regions: a.homes.iter().map(|h| h.to_string()).collect(),
            })
            .collect(),
    }
}

fn sweepers(corpus: &Corpus) -> Vec<Sweeper> {
    corpus
        .accounts
        .iter()
        .flat_map(|a| {
            [
                (activity::SCANNER_ROLE, activity::SCANNER_SESSION, "scanner"),
                (activity::CONFIG_ROLE, activity::CONFIG_SESSION, "config"),
            ]
            .map(|(role, session, kind)| Sweeper {
                arn: format!("arn:aws:sts::{}:assumed-role/{role}/{session}", a.id),
                account: a.id.clone(),
                kind: kind.to_string(),
            })
        })
        .collect()
}
