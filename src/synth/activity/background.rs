//! Events outside working sessions: AWS services acting on their own, console internals and
//! cross-account access.
//!
//! Consumes the account and the organization; produces `AwsServiceEvent`s without
//! `userIdentity.type` (kms `RotateKey`, secretsmanager `RotationSucceeded`), console calls through
//! `AWS Internal`, `AWSAccount` calls from another account (`sharedEventID`), and the
//! `sts:AssumeRole` of a service (type `AWSService`) that workloads, AWS Config and the decoys
//! share. Must not use a session's credentials.

use super::{Day, ERROR_RATE};
use crate::synth::model::{Api, Persona, agents};
use crate::synth::record::{Doc, Injected, UserIdentity};

impl Day<'_> {
    /// `sts:AssumeRole` by an AWS service (userIdentity.type AWSService).
    pub(super) fn service_assume_role(
        &mut self,
        service: &'static str,
        role_arn: String,
        session: String,
        region: &'static str,
        second: i64,
        injected: Option<Injected>,
    ) {
        let identity = UserIdentity {
            kind: Some("AWSService"),
            invoked_by: Some(service),
            ..UserIdentity::default()
        };
        let api = Api {
            source: "sts.amazonaws.com",
            name: "AssumeRole",
            read_only: true,
        };
        let mut rec = self.call(identity, api, region, second, service.to_string(), service);
        let key = self.rng.iam_id("ASIA", 16);
        let role_id = self.rng.iam_id("AROA", 17);
        let role_name = role_arn.rsplit('/').next().unwrap_or_default().to_string();
        rec.request_parameters = Doc::obj([
            ("roleArn", role_arn.clone().into()),
            ("roleSessionName", session.clone().into()),
        ]);
        rec.response_elements = Doc::obj([
            ("credentials", self.credentials(&key, second)),
            (
                "assumedRoleUser",
                Doc::obj([
                    ("assumedRoleId", format!("{role_id}:{session}").into()),
                    (
                        "arn",
                        format!(
                            "arn:aws:sts::{}:assumed-role/{role_name}/{session}",
                            self.account.id
                        )
                        .into(),
                    ),
                ]),
            ),
        ]);
        rec.resources = Some(Doc::Arr(vec![Doc::obj([
            ("accountId", self.acct().into()),
            ("type", "AWS::IAM::Role".into()),
            ("ARN", role_arn.into()),
        ])]));
        rec.injected = injected;
        self.out.push(rec);
    }

    /// One event outside any session: an AwsServiceEvent, a console call through "AWS Internal",
    /// or cross-account access (AWSAccount).
    pub(super) fn background(&mut self) {
        let region = self.home();
        let second = self.rng.below(86_400) as i64;
        let acct = self.acct();
        match self.rng.below(10) {
            0..=3 => {
                let (source, name, extra) = if self.rng.chance(0.5) {
                    (
                        "kms.amazonaws.com",
                        "RotateKey",
                        Doc::obj([("keyId", self.kms_key(region).into())]),
                    )
                } else {
                    (
                        "secretsmanager.amazonaws.com",
                        "RotationSucceeded",
                        Doc::obj([(
                            "SecretId",
                            format!(
                                "arn:aws:secretsmanager:{region}:{acct}:secret:prod/orders/db-{}",
                                self.rng.alnum(6)
                            )
                            .into(),
                        )]),
                    )
                };
                let identity = UserIdentity {
                    account_id: Some(acct.clone()),
                    invoked_by: Some(source),
                    ..UserIdentity::default()
                };
                let api = Api {
                    source,
                    name,
                    read_only: false,
                };
                let mut rec = self.call(identity, api, region, second, source.to_string(), source);
                rec.event_type = "AwsServiceEvent";
                rec.request_parameters = Doc::Null;
                rec.response_elements = Doc::Null;
                rec.request_id = None;
                rec.additional_event_data = Some(extra);
                rec.tls_details = None;
                self.out.push(rec);
            }
            4..=6 => {
                let sso = self
                    .account
                    .principals
                    .iter()
                    .find(|p| p.persona == Persona::Sso)
                    .expect("every account has SSO roles");
                let key = self.rng.iam_id("ASIA", 16);
                let created = self.time(second.saturating_sub(600).max(0));
                let identity = self.role_identity(sso, &key, &created, true, None);
                let api = *self.rng.pick(&[
                    Api {
                        source: "s3.amazonaws.com",
                        name: "GetBucketAcl",
                        read_only: true,
                    },
                    Api {
                        source: "s3.amazonaws.com",
                        name: "GetBucketLocation",
                        read_only: true,
                    },
                    Api {
                        source: "s3.amazonaws.com",
                        name: "GetBucketPublicAccessBlock",
                        read_only: true,
                    },
                ]);
                let mut rec = self.call(
                    identity,
                    api,
                    region,
                    second,
                    "AWS Internal".into(),
                    agents::CONSOLE,
                );
                rec.tls_details = None;
                self.out.push(rec);
            }
            _ => {
                let other = if self.org.accounts.len() > 1 {
                    let i = (self.account.index as usize
                        + 1
                        + self.rng.below(self.org.accounts.len() as u64 - 1) as usize)
                        % self.org.accounts.len();
                    self.org.accounts[i].id.clone()
                } else {
                    self.org.partner_account.clone()
                };
                let identity = UserIdentity {
                    kind: Some("AWSAccount"),
                    principal_id: Some(format!("{}:orders-api", self.rng.iam_id("AROA", 17))),
                    account_id: Some(other),
                    ..UserIdentity::default()
                };
                let api = *self.rng.pick(&[
                    Api {
                        source: "kms.amazonaws.com",
                        name: "Decrypt",
                        read_only: true,
                    },
                    Api {
                        source: "kms.amazonaws.com",
                        name: "GenerateDataKey",
                        read_only: true,
                    },
                    Api {
                        source: "s3.amazonaws.com",
                        name: "GetBucketAcl",
                        read_only: true,
                    },
                ]);
                let ip = format!("198.51.100.{}", self.rng.range(2, 29));
                let mut rec = self.call(identity, api, region, second, ip, agents::JAVA);
                rec.shared_event_id = Some(self.rng.uuid());
                self.maybe_fail(&mut rec, ERROR_RATE);
                self.out.push(rec);
            }
        }
    }
}
