//! The injected events of a day: the leaked-key anomalies, the attacker's global calls and the
//! decoys.
//!
//! Consumes one planned [`Injection`] (account, day, region, kind, count, start second); produces
//! its records, labelled with their [`Injected`] kind for the ground truth: the legacy CI key
//! from attacker addresses (writes and a fifth of reads denied), service `AssumeRole`s and S3
//! replication data events in the rule's regions, and a person's calls in near-miss regions.
//! Must not decide where or when injections happen (`scenario.rs` does).

use super::Day;
use super::call::denied;
use super::sessions::Session;
use crate::synth::model::{
    ATTACKER_APIS, ATTACKER_GLOBAL_APIS, ATTACKER_IPS, Api, EXPLORER_APIS, Persona, Principal,
    agents,
};
use crate::synth::record::{Doc, Injected};
use crate::synth::scenario::Injection;

impl Day<'_> {
    pub(super) fn inject(&mut self, inj: &Injection) {
        let mut t = inj.second;
        match inj.kind {
            Injected::Anomaly | Injected::AttackerGlobal => {
                let victim = self
                    .account
                    .principals
                    .iter()
                    .find(|p| p.persona == Persona::LegacyCi)
                    .expect("every account has a legacy CI user");
                let sess = Session {
                    principal: victim,
                    key: victim.access_key.clone(),
                    created: String::new(),
                    mfa: false,
                    console: false,
                    agent: if self.rng.chance(0.5) {
                        agents::ATTACKER_CLI
                    } else {
                        agents::ATTACKER_BOTO
                    },
                    ip: ATTACKER_IPS[(inj.day as usize + inj.second as usize) % ATTACKER_IPS.len()]
                        .to_string(),
                };
                for i in 0..inj.count {
                    t += self.rng.range(2, 40) as i64;
                    let api = match (inj.kind, i) {
                        (Injected::Anomaly, 0) => ATTACKER_APIS[0],
                        (Injected::Anomaly, _) => *self.rng.pick(&ATTACKER_APIS[1..]),
                        _ => ATTACKER_GLOBAL_APIS[i as usize % ATTACKER_GLOBAL_APIS.len()],
                    };
                    let identity = self.identity(&sess);
                    let mut rec = self.call(
                        identity,
                        api,
                        inj.region,
                        t.min(86_399),
                        sess.ip.clone(),
                        sess.agent,
                    );
                    if !api.read_only || self.rng.chance(0.2) {
                        let arn = rec.user_identity.arn.clone().unwrap_or_default();
                        let service = api.source.split('.').next().unwrap_or_default();
                        let (code, message) =
                            denied(api.source, &arn, &format!("{service}:{}", api.name));
                        rec.error_code = Some(code);
                        rec.error_message = Some(message);
                        rec.response_elements = Doc::Null;
                    }
                    rec.injected = Some(inj.kind);
                    self.out.push(rec);
                }
            }
            Injected::DecoyAwsService => {
                for _ in 0..inj.count {
                    t += self.rng.range(1, 120) as i64;
                    let service = *self.rng.pick(&[
                        "guardduty.amazonaws.com",
                        "access-analyzer.amazonaws.com",
                        "securityhub.amazonaws.com",
                    ]);
                    let role = match service {
                        "guardduty.amazonaws.com" => "AWSServiceRoleForAmazonGuardDuty",
                        "securityhub.amazonaws.com" => "AWSServiceRoleForSecurityHub",
                        _ => "AWSServiceRoleForAccessAnalyzer",
                    };
                    let role_arn = format!(
                        "arn:aws:iam::{}:role/aws-service-role/{service}/{role}",
                        self.account.id
                    );
                    let session = format!("{}", self.rng.range(1_000_000_000, 9_999_999_999));
                    self.service_assume_role(
                        service,
                        role_arn,
                        session,
                        inj.region,
                        t.min(86_399),
                        Some(inj.kind),
                    );
                }
            }
            Injected::DecoyReplication => {
                let acct = self.acct();
                let role = Principal {
                    persona: Persona::App,
                    name: "s3-replication-role".into(),
                    session: "s3-replication".into(),
                    unique_id: format!("AROA{}", &self.account.principals[2].unique_id[4..]),
                    access_key: String::new(),
                    service: Some("s3.amazonaws.com"),
                    weight: 0,
                };
                let bucket = format!("{}-backup-{}-{}", self.account.name, inj.region, &acct[8..]);
                for i in 0..inj.count {
                    t += self.rng.range(1, 30) as i64;
                    let name =
                        ["ReplicateObject", "ReplicateTags", "ReplicateDelete"][i as usize % 3];
                    let key = self.rng.iam_id("ASIA", 16);
                    let created = self.time(t.saturating_sub(300).max(0));
                    let identity =
                        self.role_identity(&role, &key, &created, false, Some("s3.amazonaws.com"));
                    let api = Api {
                        source: "s3.amazonaws.com",
                        name,
                        read_only: false,
                    };
                    let mut rec = self.call(
                        identity,
                        api,
                        inj.region,
                        t.min(86_399),
                        "s3.amazonaws.com".into(),
                        "s3.amazonaws.com",
                    );
                    let object = format!("orders/2025/{}.parquet", self.rng.hex(12));
                    rec.request_parameters = Doc::obj([
                        ("bucketName", bucket.clone().into()),
                        (
                            "Host",
                            format!("{bucket}.s3.{}.amazonaws.com", inj.region).into(),
                        ),
                        ("key", object.clone().into()),
                    ]);
                    rec.response_elements = Doc::Null;
                    rec.request_id = Some(self.rng.iam_id("", 16));
                    rec.resources = Some(Doc::Arr(vec![
                        Doc::obj([
                            ("type", "AWS::S3::Object".into()),
                            ("ARN", format!("arn:aws:s3:::{bucket}/{object}").into()),
                        ]),
                        Doc::obj([
                            ("accountId", acct.clone().into()),
                            ("type", "AWS::S3::Bucket".into()),
                            ("ARN", format!("arn:aws:s3:::{bucket}").into()),
                        ]),
                    ]));
                    rec.management_event = false;
                    rec.event_category = "Data";
                    rec.tls_details = None;
                    rec.injected = Some(inj.kind);
                    self.out.push(rec);
                }
            }
            Injected::DecoyNearMiss => {
                let dev = &self.account.principals[0];
                let sess = Session {
                    principal: dev,
                    key: dev.access_key.clone(),
                    created: String::new(),
                    mfa: false,
                    console: false,
                    agent: agents::CLI_MAC,
                    ip: self.account.office_ips[1].clone(),
                };
                for _ in 0..inj.count {
                    t += self.rng.range(3, 60) as i64;
                    let api = *self.rng.pick(EXPLORER_APIS);
                    let identity = self.identity(&sess);
                    let mut rec = self.call(
                        identity,
                        api,
                        inj.region,
                        t.min(86_399),
                        sess.ip.clone(),
                        sess.agent,
                    );
                    rec.injected = Some(inj.kind);
                    self.out.push(rec);
                }
            }
        }
    }
}
