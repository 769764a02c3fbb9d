//! One (account, day) of activity: the records CloudTrail would log for it.
//!
//! Consumes the organization ([`Account`]), the day, the ordinary-event budget and the planned
//! injections; produces the day's records sorted by time. Ordinary work (people, pipelines,
//! workloads, AWS services) comes in bursty sessions in the account's home regions, global
//! services land in us-east-1, the scanner and AWS Config sweep every default region, and the
//! injections add the leaked-key anomalies and the decoys. Every draw comes from the task's own
//! seed, so a day never depends on other days or on thread scheduling. Must not write files.
//!
//! The day is one [`Day`] value; each file below adds the methods of one concern to it. Every
//! random draw goes through `Day::rng` in a fixed order: moving a draw changes the corpus.
//!
//! | file | concern |
//! |---|---|
//! | `rhythm.rs` | how much work a day has, how it splits into sessions, when a session runs |
//! | `sessions.rs` | a working session of a person, a pipeline or a workload: agent, address, logins |
//! | `identity.rs` | `userIdentity` blocks and the temporary credentials STS hands out |
//! | `call.rs` | one API call as a record (TLS, resources), its failures (`errorCode`) |
//! | `params.rs` + `params.yaml` | `requestParameters` / `responseElements`: a table of per-API templates |
//! | `background.rs` | events outside sessions: AWS services on their own, console internals, cross-account access |
//! | `sweepers.rs` | the daily security scanner and AWS Config sweeps of every default region |
//! | `injections.rs` | the leaked-key anomalies, the attacker's global calls and the decoys |

use chrono::NaiveDate;

use super::model::Account;
use super::record::Record;
use super::rng::Rng;
use super::scenario::Injection;

mod background;
mod call;
mod identity;
mod injections;
mod params;
mod rhythm;
mod sessions;
mod sweepers;

/// Share of ordinary calls that fail (errorCode + errorMessage).
const ERROR_RATE: f64 = 0.05;
/// Role names of the two sweepers (ground truth lists their ARNs).
pub(super) const SCANNER_ROLE: &str = "SecurityAuditScanner";
pub(super) const SCANNER_SESSION: &str = "auditscan";
pub(super) const CONFIG_ROLE: &str = "AWSServiceRoleForConfig";
pub(super) const CONFIG_SESSION: &str = "AWSConfig-Describe";

/// Everything a day generator needs that is shared by all days.
#[derive(Debug)]
pub(super) struct Org<'a> {
    pub(super) accounts: &'a [Account],
    pub(super) injections: &'a [Injection],
    /// Ordinary events per account per weekday.
    pub(super) events_per_day: u32,
    /// An account outside the organization (cross-account access when there is only one).
    pub(super) partner_account: String,
    /// The security tooling account the scanner comes from.
    pub(super) security_account: String,
}

/// Generate one (account, day), sorted by time (stable: equal times keep generation order).
pub(super) fn day(
    org: &Org,
    account: &Account,
    day_index: u32,
    date: NaiveDate,
    rng: Rng,
) -> Vec<Record> {
    let mut task = Day {
        org,
        account,
        date,
        prefix: date.format("%Y-%m-%dT").to_string(),
        rng,
        out: Vec::new(),
    };
    let n = rhythm::ordinary_budget(&mut task.rng, org.events_per_day, date);
    task.out.reserve(n as usize + 400);
    task.ordinary(n);
    task.scanner();
    task.config();
    for inj in org
        .injections
        .iter()
        .filter(|i| i.account == account.index && i.day == day_index)
    {
        task.inject(inj);
    }
    task.out.sort_by_key(|r| r.epoch);
    task.out
}

/// The state of one (account, day) task: its draws and the records made so far.
struct Day<'a> {
    org: &'a Org<'a>,
    account: &'a Account,
    date: NaiveDate,
    /// `YYYY-MM-DDT`.
    prefix: String,
    rng: Rng,
    out: Vec<Record>,
}

impl Day<'_> {
    fn epoch(&self, second: i64) -> i64 {
        self.date
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc()
            .timestamp()
            + second
    }

    fn time(&self, second: i64) -> String {
        format!(
            "{}{:02}:{:02}:{:02}Z",
            self.prefix,
            second / 3600,
            second / 60 % 60,
            second % 60
        )
    }

    fn home(&mut self) -> &'static str {
        let i = self.rng.weighted(self.account.home_weights);
        self.account.homes[i]
    }

    fn acct(&self) -> String {
        self.account.id.clone()
    }
}
