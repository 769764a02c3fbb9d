//! The demo's own words: what is generated, how long it took, and the backtest measured against
//! the corpus's ground truth (anomalies found, decoys that alerted, near misses now caught).

use std::collections::BTreeSet;
use std::io::{self, Write};

use crate::report::count;
use std::path::Path;
use std::time::Duration;

use crate::baseline::Learned;
use crate::detect::{Detection, Tally};
use crate::pipeline::{Forms, Steps};
use crate::policy::{AccountPolicies, RegionPolicy};
use crate::report::run::Printer;
use crate::sigma::RuleInfo;
use crate::synth::{GroundTruth, SynthConfig};
use crate::tune::{Rule, Tuned};

pub fn intro(out: &mut dyn Write, cfg: &SynthConfig) -> io::Result<()> {
    writeln!(
        out,
        "trailtune demo: generating {} of CloudTrail for {} (seed {}) in {}.\n\
         Each account works in 2-3 home regions; IAM, STS, sign-in and other global services log in us-east-1;\n\
         a security scanner and AWS Config sweep every enabled region daily; AWS services, replication and\n\
         ~4% failed calls add noise; and an IAM user's leaked key is used from four unusual regions.",
        count(u64::from(cfg.days), "day", "days"),
        count(u64::from(cfg.accounts), "account", "accounts"),
        cfg.seed,
        cfg.out.display()
    )?;
    out.flush()
}

pub fn generated(out: &mut dyn Write, truth: &GroundTruth, took: Duration) -> io::Result<()> {
    writeln!(
        out,
        "Generated {} in {} ({:.0} MB of JSON) in {:.1} s.",
        count(truth.events, "event", "events"),
        count(truth.files, "file", "files"),
        truth.bytes_uncompressed as f64 / 1e6,
        took.as_secs_f64()
    )?;
    out.flush()
}

/// The backtest's hits counted against the ground truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    pub anomalies: usize,
    pub found: usize,
    /// AWS-service and replication decoys.
    pub quiet_decoys: usize,
    /// Of those, how many alerted.
    pub noisy: usize,
    pub near_misses: usize,
    pub near_found: usize,
    /// Distinct events that alerted.
    pub hits: usize,
}

/// Watches the backtest's hits go by and checks them against the ground truth; memory follows
/// the ground truth, not the hits.
pub struct Watch<'a> {
    truth: &'a GroundTruth,
    named: BTreeSet<&'a str>,
    seen: BTreeSet<&'a str>,
    distinct: usize,
    last: Option<String>,
}

impl<'a> Watch<'a> {
    pub fn new(truth: &'a GroundTruth) -> Watch<'a> {
        let named = truth
            .anomalies
            .iter()
            .map(|a| a.event_id.as_str())
            .chain(truth.decoys.iter().map(|d| d.event_id.as_str()))
            .collect();
        Watch {
            truth,
            named,
            seen: BTreeSet::new(),
            distinct: 0,
            last: None,
        }
    }

    /// One hit (hits come in order: the same event's hits are next to each other).
    pub fn hit(&mut self, event_id: &str) {
        if self.last.as_deref() != Some(event_id) {
            self.distinct += 1;
            self.last = Some(event_id.to_string());
        }
        if let Some(id) = self.named.get(event_id) {
            self.seen.insert(id);
        }
    }

    pub fn check(&self) -> Check {
        let truth = self.truth;
        let hits = &self.seen;
        let found = truth
            .anomalies
            .iter()
            .filter(|a| hits.contains(a.event_id.as_str()))
            .count();
        let (near, quiet): (Vec<_>, Vec<_>) =
            truth.decoys.iter().partition(|d| d.kind == "near_miss");
        let alerted = |v: &[&crate::synth::Decoy]| {
            v.iter()
                .filter(|d| hits.contains(d.event_id.as_str()))
                .count()
        };
        Check {
            anomalies: truth.anomalies.len(),
            found,
            quiet_decoys: quiet.len(),
            noisy: alerted(&quiet),
            near_misses: near.len(),
            near_found: alerted(&near),
            hits: self.distinct,
        }
    }
}

/// The pipeline's steps printed, with the backtest watched against the ground truth.
pub struct Narrated<'a, W: Write> {
    pub printer: Printer<W>,
    pub watch: Watch<'a>,
}

impl<W: Write> Steps for Narrated<'_, W> {
    fn learned(&mut self, learned: &Learned) -> io::Result<()> {
        self.printer.learned(learned)
    }
    fn decided(
        &mut self,
        policy: &RegionPolicy,
        accounts: Option<&AccountPolicies>,
    ) -> io::Result<()> {
        self.printer.decided(policy, accounts)
    }
    fn tuned(&mut self, rule: &Rule, tuned: &Tuned, written: Option<&Path>) -> io::Result<()> {
        self.printer.tuned(rule, tuned, written)
    }
    fn backtest_hit(&mut self, hit: &Detection) -> io::Result<()> {
        self.watch.hit(&hit.event_id);
        Ok(())
    }
    fn backtested(
        &mut self,
        rules: &[RuleInfo],
        tally: &Tally,
        forms: Option<&Forms>,
    ) -> io::Result<()> {
        self.printer.backtested(rules, tally, forms)
    }
}

impl Check {
    /// Every anomaly found, no quiet decoy alerted.
    pub fn passed(&self) -> bool {
        self.found == self.anomalies && self.noisy == 0
    }
}

pub fn check(out: &mut dyn Write, c: &Check, kept: Option<&Path>, tuned: &Path) -> io::Result<()> {
    writeln!(out, "\n== 5. Check against the corpus's ground truth")?;
    writeln!(
        out,
        "Injected anomalies found: {} of {}. AWS-service and replication decoys that alerted: {} of {} (the rule's own filters).\n\
         Calls in regions the seed rule did not list but this organization never uses (eu-south-2, me-central-1, ap-east-2): {} of {} now alert.\n\
         Other alerts: {}.",
        c.found,
        c.anomalies,
        c.noisy,
        c.quiet_decoys,
        c.near_found,
        c.near_misses,
        c.hits - c.found - c.near_found - c.noisy,
    )?;
    match kept {
        Some(dir) => writeln!(
            out,
            "Kept in {}: AWSLogs/, ground-truth.json, {}.",
            dir.display(),
            tuned.file_name().unwrap_or_default().to_string_lossy()
        ),
        None => writeln!(
            out,
            "The temporary corpus is deleted now (use --keep DIR to keep it)."
        ),
    }
}
