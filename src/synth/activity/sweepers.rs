//! The daily sweepers of every default region: the security scanner and AWS Config.
//!
//! Consumes the account, the security tooling account and the default regions; produces the
//! scanner's cross-account `AssumeRole` around 02:00 UTC followed by global and per-region
//! read-only calls, and AWS Config's per-region service `AssumeRole` and reads around 08:00 UTC.
//! Their role names are the ground truth's sweepers (`SCANNER_ROLE`, `CONFIG_ROLE`). Must not
//! depend on the ordinary-event budget: sweeps are the fixed floor of every day.

use super::{CONFIG_ROLE, CONFIG_SESSION, Day, SCANNER_ROLE, SCANNER_SESSION};
use crate::synth::model::{
    Api, CONFIG_APIS, DEFAULT_REGIONS, GLOBAL_REGION, Persona, Principal, SCANNER_APIS,
    SCANNER_GLOBAL_APIS, SCANNER_IP, agents,
};
use crate::synth::record::{Doc, UserIdentity};

impl Day<'_> {
    pub(super) fn scanner(&mut self) {
        let acct = self.acct();
        let scanner = Principal {
            persona: Persona::App,
            name: SCANNER_ROLE.into(),
            session: SCANNER_SESSION.into(),
            unique_id: format!("AROA{}", &self.account.principals[0].unique_id[4..]),
            access_key: String::new(),
            service: None,
            weight: 0,
        };
        let mut t = 7200 + i64::from(self.account.index) * 420 + self.rng.below(600) as i64;
        // The cross-account AssumeRole from the security tooling account.
        let identity = UserIdentity {
            kind: Some("AWSAccount"),
            principal_id: Some(format!("{}:audit-runner", self.rng.iam_id("AROA", 17))),
            account_id: Some(self.org.security_account.clone()),
            ..UserIdentity::default()
        };
        let api = Api {
            source: "sts.amazonaws.com",
            name: "AssumeRole",
            read_only: true,
        };
        let key = self.rng.iam_id("ASIA", 16);
        let mut rec = self.call(
            identity,
            api,
            GLOBAL_REGION,
            t,
            SCANNER_IP.into(),
            agents::SCANNER,
        );
        rec.request_parameters = Doc::obj([
            ("roleArn", scanner.role_arn(&acct).into()),
            ("roleSessionName", SCANNER_SESSION.into()),
            ("externalId", "audit-7f3c".into()),
            ("durationSeconds", 3600i64.into()),
        ]);
        rec.response_elements = Doc::obj([
            ("credentials", self.credentials(&key, t)),
            (
                "assumedRoleUser",
                Doc::obj([
                    (
                        "assumedRoleId",
                        format!("{}:{SCANNER_SESSION}", scanner.unique_id).into(),
                    ),
                    ("arn", scanner.arn(&acct).into()),
                ]),
            ),
        ]);
        self.out.push(rec);
        let created = self.time(t);
        let identity = self.role_identity(&scanner, &key, &created, false, None);
        for _ in 0..self.rng.range(3, 5) {
            t += self.rng.range(1, 3) as i64;
            let api = *self.rng.pick(SCANNER_GLOBAL_APIS);
            let mut rec = self.call(
                identity.clone(),
                api,
                GLOBAL_REGION,
                t,
                SCANNER_IP.into(),
                agents::SCANNER,
            );
            self.maybe_fail(&mut rec, 0.01);
            self.out.push(rec);
        }
        for region in DEFAULT_REGIONS {
            t += self.rng.range(20, 90) as i64;
            for _ in 0..self.rng.range(3, 6) {
                t += self.rng.range(1, 3) as i64;
                let api = *self.rng.pick(SCANNER_APIS);
                let mut rec = self.call(
                    identity.clone(),
                    api,
                    region,
                    t.min(86_399),
                    SCANNER_IP.into(),
                    agents::SCANNER,
                );
                self.maybe_fail(&mut rec, 0.01);
                self.out.push(rec);
            }
        }
    }

    pub(super) fn config(&mut self) {
        let acct = self.acct();
        let config = Principal {
            persona: Persona::App,
            name: CONFIG_ROLE.into(),
            session: CONFIG_SESSION.into(),
            unique_id: format!("AROA{}", &self.account.principals[1].unique_id[4..]),
            access_key: String::new(),
            service: Some("config.amazonaws.com"),
            weight: 0,
        };
        let role_arn =
            format!("arn:aws:iam::{acct}:role/aws-service-role/config.amazonaws.com/{CONFIG_ROLE}");
        let mut t = 8 * 3600 + self.rng.below(3600) as i64;
        const SVC: &str = "config.amazonaws.com";
        for region in DEFAULT_REGIONS {
            t += self.rng.range(5, 40) as i64;
            self.service_assume_role(
                SVC,
                role_arn.clone(),
                CONFIG_SESSION.into(),
                region,
                t,
                None,
            );
            let key = self.rng.iam_id("ASIA", 16);
            let created = self.time(t);
            let mut identity = self.role_identity(&config, &key, &created, false, Some(SVC));
            if let Some(issuer) = identity
                .session_context
                .as_mut()
                .and_then(|ctx| ctx.session_issuer.as_mut())
            {
                issuer.arn = role_arn.clone();
            }
            let calls = self.rng.range(2, 4) + u64::from(region == GLOBAL_REGION);
            for i in 0..calls {
                t += self.rng.range(1, 4) as i64;
                let api = if region == GLOBAL_REGION && i == 0 {
                    Api {
                        source: "iam.amazonaws.com",
                        name: "ListRoles",
                        read_only: true,
                    }
                } else {
                    *self.rng.pick(CONFIG_APIS)
                };
                let mut rec = self.call(
                    identity.clone(),
                    api,
                    region,
                    t.min(86_399),
                    SVC.into(),
                    SVC,
                );
                self.maybe_fail(&mut rec, 0.01);
                self.out.push(rec);
            }
        }
    }
}
