//! The ground truth of a corpus: exact counts and the injected events, as `ground-truth.json`.
//!
//! Consumes the records of each (account, day) as they are generated ([`Tally::add`]) and the
//! delivery figures; produces [`GroundTruth`] (schema `trailtune.ground-truth/1`, documented in
//! docs/synth.md). Counts are keyed by what the records say (awsRegion, the day of eventTime,
//! recipientAccountId, ...), never by the file path. The seed rule's matches are computed by
//! [`Record::seed_rule_matches`], independently of the injection labels. Must not read files.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::record::{Injected, Record};
use super::write::Delivered;

/// The `schema` tag of ground-truth.json.
pub const SCHEMA: &str = "trailtune.ground-truth/1";

/// The content of `OUT/ground-truth.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroundTruth {
    pub schema: String,
    pub config: TruthConfig,
    pub events: u64,
    pub files: u64,
    pub bytes_uncompressed: u64,
    /// Events whose file is in a later day's folder than their eventTime.
    pub events_in_next_day_folder: u64,
    pub by_region: BTreeMap<String, u64>,
    /// `YYYY-MM-DD` of eventTime.
    pub by_day: BTreeMap<String, u64>,
    /// recipientAccountId.
    pub by_account: BTreeMap<String, u64>,
    pub by_event_source: BTreeMap<String, u64>,
    /// userIdentity.type, `(none)` when absent.
    pub by_identity_type: BTreeMap<String, u64>,
    /// awsRegion -> day -> count.
    pub by_region_day: BTreeMap<String, BTreeMap<String, u64>>,
    /// Events with an errorCode.
    pub failed: u64,
    pub sweepers: Vec<Sweeper>,
    /// The leaked key used in the seed rule's regions, sorted by time.
    pub anomalies: Vec<Marked>,
    /// The same attacker's global (IAM) calls, recorded in us-east-1: outside the seed rule.
    pub attacker_global: Vec<Marked>,
    pub decoys: Vec<Decoy>,
    /// Sorted eventIDs the seed rule must match (equal to the anomalies' eventIDs).
    pub seed_rule_matches: Vec<String>,
}

/// The arguments that made the corpus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthConfig {
    pub seed: u64,
    pub days: u32,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// Ordinary events per account per weekday (resolved from `--size` when given).
    pub events_per_day: u32,
    pub accounts: Vec<TruthAccount>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthAccount {
    pub id: String,
    pub name: String,
    pub home_regions: Vec<String>,
}

/// A principal that calls every default region every day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sweeper {
    pub arn: String,
    pub account: String,
    /// `scanner` or `config`.
    pub kind: String,
}

/// An injected event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Marked {
    pub event_id: String,
    pub event_time: String,
    pub region: String,
    pub event_name: String,
    pub arn: String,
}

/// An event the seed rule must not match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decoy {
    pub event_id: String,
    pub event_time: String,
    pub region: String,
    /// `aws_service`, `replication` or `near_miss`.
    pub kind: String,
}

/// Counts of one (account, day), merged into the ground truth.
#[derive(Debug, Default)]
pub struct Tally {
    events: u64,
    delivered: Delivered,
    failed: u64,
    by_region_day: BTreeMap<(&'static str, i64), u64>,
    by_account: BTreeMap<String, u64>,
    by_event_source: BTreeMap<&'static str, u64>,
    by_identity_type: BTreeMap<&'static str, u64>,
    anomalies: Vec<Marked>,
    attacker_global: Vec<Marked>,
    decoys: Vec<Decoy>,
    seed_rule_matches: Vec<String>,
}

fn marked(rec: &Record) -> Marked {
    Marked {
        event_id: rec.event_id.clone(),
        event_time: rec.event_time.clone(),
        region: rec.aws_region.to_string(),
        event_name: rec.event_name.to_string(),
        arn: rec.user_identity.arn.clone().unwrap_or_default(),
    }
}

impl Tally {
    /// Count a day's records and its delivery.
    pub fn add(&mut self, records: &[Record], delivered: Delivered) {
        self.delivered.files += delivered.files;
        self.delivered.bytes += delivered.bytes;
        self.delivered.next_day_folder += delivered.next_day_folder;
        for rec in records {
            self.events += 1;
            *self
                .by_region_day
                .entry((rec.aws_region, rec.epoch.div_euclid(86_400)))
                .or_default() += 1;
            if let Some(n) = self.by_account.get_mut(&rec.recipient_account_id) {
                *n += 1;
            } else {
                self.by_account.insert(rec.recipient_account_id.clone(), 1);
            }
            *self.by_event_source.entry(rec.event_source).or_default() += 1;
            *self
                .by_identity_type
                .entry(rec.identity_type())
                .or_default() += 1;
            if rec.error_code.is_some() {
                self.failed += 1;
            }
            if rec.seed_rule_matches() {
                self.seed_rule_matches.push(rec.event_id.clone());
            }
            let decoy = |kind: &str| Decoy {
                event_id: rec.event_id.clone(),
                event_time: rec.event_time.clone(),
                region: rec.aws_region.to_string(),
                kind: kind.to_string(),
            };
            match rec.injected {
                None => {}
                Some(Injected::Anomaly) => self.anomalies.push(marked(rec)),
                Some(Injected::AttackerGlobal) => self.attacker_global.push(marked(rec)),
                Some(Injected::DecoyAwsService) => self.decoys.push(decoy("aws_service")),
                Some(Injected::DecoyReplication) => self.decoys.push(decoy("replication")),
                Some(Injected::DecoyNearMiss) => self.decoys.push(decoy("near_miss")),
            }
        }
    }

    /// Fold another tally into this one.
    pub fn merge(&mut self, other: Tally) {
        self.events += other.events;
        self.delivered.files += other.delivered.files;
        self.delivered.bytes += other.delivered.bytes;
        self.delivered.next_day_folder += other.delivered.next_day_folder;
        self.failed += other.failed;
        for (k, v) in other.by_region_day {
            *self.by_region_day.entry(k).or_default() += v;
        }
        for (k, v) in other.by_account {
            *self.by_account.entry(k).or_default() += v;
        }
        for (k, v) in other.by_event_source {
            *self.by_event_source.entry(k).or_default() += v;
        }
        for (k, v) in other.by_identity_type {
            *self.by_identity_type.entry(k).or_default() += v;
        }
        self.anomalies.extend(other.anomalies);
        self.attacker_global.extend(other.attacker_global);
        self.decoys.extend(other.decoys);
        self.seed_rule_matches.extend(other.seed_rule_matches);
    }

    /// The final document.
    pub fn finish(mut self, config: TruthConfig, sweepers: Vec<Sweeper>) -> GroundTruth {
        let day = |d: i64| {
            chrono::DateTime::from_timestamp(d * 86_400, 0)
                .expect("day in range")
                .format("%Y-%m-%d")
                .to_string()
        };
        let mut by_region = BTreeMap::new();
        let mut by_day = BTreeMap::new();
        let mut by_region_day: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        for ((region, d), n) in self.by_region_day {
            let d = day(d);
            *by_region.entry(region.to_string()).or_default() += n;
            *by_day.entry(d.clone()).or_default() += n;
            *by_region_day
                .entry(region.to_string())
                .or_default()
                .entry(d)
                .or_default() += n;
        }
        let strings = |m: BTreeMap<&'static str, u64>| {
            m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
        };
        let by_time = |a: &Marked, b: &Marked| {
            (&a.event_time, &a.event_id).cmp(&(&b.event_time, &b.event_id))
        };
        self.anomalies.sort_by(by_time);
        self.attacker_global.sort_by(by_time);
        self.decoys
            .sort_by(|a, b| (&a.event_time, &a.event_id).cmp(&(&b.event_time, &b.event_id)));
        self.seed_rule_matches.sort();
        GroundTruth {
            schema: SCHEMA.to_string(),
            config,
            events: self.events,
            files: self.delivered.files,
            bytes_uncompressed: self.delivered.bytes,
            events_in_next_day_folder: self.delivered.next_day_folder,
            by_region,
            by_day,
            by_account: self.by_account,
            by_event_source: strings(self.by_event_source),
            by_identity_type: strings(self.by_identity_type),
            by_region_day,
            failed: self.failed,
            sweepers,
            anomalies: self.anomalies,
            attacker_global: self.attacker_global,
            decoys: self.decoys,
            seed_rule_matches: self.seed_rule_matches,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> TruthConfig {
        TruthConfig {
            seed: 1,
            days: 2,
            start: NaiveDate::from_ymd_opt(2025, 6, 29).unwrap(),
            end: NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(),
            events_per_day: 10,
            accounts: Vec::new(),
        }
    }

    #[test]
    fn counts_come_from_the_records() {
        // 2025-06-29T23:59:59Z and 2025-06-30T00:00:01Z.
        let mut late = Record::sample("ap-east-1", Some("IAMUser"), "ListBuckets");
        late.epoch = 1_751_241_599;
        late.event_id = "b".into();
        late.error_code = Some("AccessDenied");
        late.injected = Some(Injected::Anomaly);
        let mut early = Record::sample("ap-east-1", Some("AWSService"), "AssumeRole");
        early.epoch = 1_751_241_601;
        early.event_id = "c".into();
        early.injected = Some(Injected::DecoyAwsService);
        let mut none = Record::sample("us-east-1", None, "RotateKey");
        none.epoch = 1_751_241_601;
        none.event_id = "a".into();
        none.recipient_account_id = "444455556666".into();

        let mut first = Tally::default();
        first.add(
            std::slice::from_ref(&late),
            Delivered {
                files: 1,
                bytes: 100,
                next_day_folder: 1,
            },
        );
        let mut second = Tally::default();
        second.add(
            &[early, none],
            Delivered {
                files: 2,
                bytes: 50,
                next_day_folder: 0,
            },
        );
        first.merge(second);
        let truth = first.finish(config(), Vec::new());

        assert_eq!(truth.schema, SCHEMA);
        assert_eq!(
            (truth.events, truth.files, truth.bytes_uncompressed),
            (3, 3, 150)
        );
        assert_eq!(truth.events_in_next_day_folder, 1);
        assert_eq!(truth.failed, 1);
        assert_eq!(truth.by_day["2025-06-29"], 1);
        assert_eq!(truth.by_day["2025-06-30"], 2);
        assert_eq!(truth.by_region["ap-east-1"], 2);
        assert_eq!(truth.by_region_day["ap-east-1"]["2025-06-30"], 1);
        assert_eq!(truth.by_identity_type["(none)"], 1);
        assert_eq!(truth.by_account["111122223333"], 2);
        assert_eq!(truth.seed_rule_matches, ["b"]);
        assert_eq!(truth.anomalies.len(), 1);
        assert_eq!(truth.decoys[0].kind, "aws_service");

        let json = serde_json::to_string(&truth).unwrap();
        let back: GroundTruth = serde_json::from_str(&json).unwrap();
        assert_eq!(back, truth);
    }
}
