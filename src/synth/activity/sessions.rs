//! A working session: a person, a pipeline or a workload at work for a few minutes.
//!
//! Consumes the session's principal, size and window (from `rhythm.rs`); produces its records:
//! the console logins of console sessions, the `AssumeRoleWithWebIdentity` that starts a
//! pipeline run, then calls drawn from the persona's API list, with the persona's agent and
//! address, global services recorded in us-east-1 and ordinary failures. Must not decide how
//! many sessions a day has or when they run.

use super::{Day, ERROR_RATE};
use crate::synth::model::{
    APP_APIS, Api, CI_APIS, GLOBAL_REGION, HUMAN_APIS, Persona, Principal, TERRAFORM_APIS, agents,
    is_global,
};
use crate::synth::record::{Doc, UserIdentity};

/// The credentials of one working session.
pub(super) struct Session<'p> {
    pub(super) principal: &'p Principal,
    /// Temporary key (`ASIA...`) for roles and console sessions, the user's key otherwise.
    pub(super) key: String,
    pub(super) created: String,
    pub(super) mfa: bool,
    pub(super) console: bool,
    pub(super) agent: &'static str,
    pub(super) ip: String,
}

impl Day<'_> {
    pub(super) fn session(&mut self, who: usize, size: u32) {
        let account = self.account;
        let p = &account.principals[who];
        let region = self.home();
        let (start, len) = self.session_window(p.persona);
        let mut times: Vec<i64> = (0..size)
            .map(|_| (start + self.rng.below(len as u64 + 1) as i64).min(86_399))
            .collect();
        times.sort_unstable();
        let console = match p.persona {
            Persona::Human => self.rng.chance(0.4),
            Persona::Sso => self.rng.chance(0.5),
            Persona::Root => true,
            _ => false,
        };
        let (agent, ip) = match p.persona {
            Persona::Human | Persona::Sso | Persona::Root if console => (
                *self.rng.pick(&[agents::BROWSER, agents::BROWSER_WIN]),
                self.office_ip(),
            ),
            Persona::Human | Persona::Sso => (agents::CLI_MAC, self.office_ip()),
            Persona::Ci => (
                agents::CLI_LINUX,
                format!("203.0.113.{}", self.rng.range(2, 254)),
            ),
            Persona::LegacyCi => (agents::TERRAFORM, account.office_ips[0].clone()),
            Persona::App => (
                match p.service {
                    Some("lambda.amazonaws.com") => agents::BOTO3_LAMBDA,
                    Some("ecs-tasks.amazonaws.com") => agents::JAVA,
                    _ => agents::JS,
                },
                self.rng.pick(&account.nat_ips).clone(),
            ),
            Persona::Root => (agents::BROWSER, self.office_ip()),
        };
        let key = match p.persona {
            Persona::Human | Persona::LegacyCi if !console => p.access_key.clone(),
            Persona::Root => String::new(),
            _ => self.rng.iam_id("ASIA", 16),
        };
        let sess = Session {
            principal: p,
            key,
            created: self.time(times[0]),
            mfa: console || p.persona == Persona::Sso,
            console,
            agent,
            ip,
        };
        let mut calls = times.into_iter();
        if console {
            if size >= 2 && self.rng.chance(0.05) {
                let t = calls.next().expect("size >= 2");
                self.console_login(&sess, t, false);
            }
            if let Some(t) = calls.next() {
                self.console_login(&sess, t, true);
            }
        }
        if p.persona == Persona::Ci
            && let Some(t) = calls.next()
        {
            self.web_identity(&sess, region, t);
        }
        let apis = match p.persona {
            Persona::Human | Persona::Sso | Persona::Root => HUMAN_APIS,
            Persona::Ci => CI_APIS,
            Persona::App => APP_APIS,
            Persona::LegacyCi => TERRAFORM_APIS,
        };
        for t in calls {
            if p.persona == Persona::App && self.rng.chance(0.25) {
                let service = p.service.unwrap_or("lambda.amazonaws.com");
                let role = p.role_arn(&account.id);
                self.service_assume_role(service, role, p.session.clone(), region, t, None);
                continue;
            }
            let api = *self.rng.pick(apis);
            let call_region = self.region_for(api, region);
            let identity = self.identity(&sess);
            let mut rec = self.call(identity, api, call_region, t, sess.ip.clone(), sess.agent);
            if sess.console && api.source == "s3.amazonaws.com" && self.rng.chance(0.3) {
                rec.source_ip_address = "AWS Internal".into();
                rec.user_agent = agents::CONSOLE.into();
            }
            self.maybe_fail(&mut rec, ERROR_RATE);
            self.out.push(rec);
        }
    }

    fn office_ip(&mut self) -> String {
        self.rng.pick(&self.account.office_ips).clone()
    }

    /// Global services are recorded in us-east-1; sts sometimes through its global endpoint.
    fn region_for(&mut self, api: Api, region: &'static str) -> &'static str {
        if is_global(api.source) || (api.source == "sts.amazonaws.com" && self.rng.chance(0.5)) {
            GLOBAL_REGION
        } else {
            region
        }
    }

    fn console_login(&mut self, sess: &Session, second: i64, success: bool) {
        let p = sess.principal;
        let mut identity = self.identity(sess);
        identity.session_context = None;
        identity.access_key_id = Some(String::new());
        if p.persona == Persona::Human {
            identity.arn = Some(p.arn(&self.account.id));
        }
        let api = Api {
            source: "signin.amazonaws.com",
            name: "ConsoleLogin",
            read_only: false,
        };
        let mut rec = self.call(
            identity,
            api,
            GLOBAL_REGION,
            second,
            sess.ip.clone(),
            sess.agent,
        );
        rec.event_type = "AwsConsoleSignIn";
        rec.request_id = None;
        rec.request_parameters = Doc::Null;
        rec.response_elements = Doc::obj([(
            "ConsoleLogin",
            if success { "Success" } else { "Failure" }.into(),
        )]);
        rec.additional_event_data = Some(Doc::obj([
            (
                "LoginTo",
                "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true"
                    .into(),
            ),
            ("MobileVersion", "No".into()),
            (
                "MFAIdentifier",
                format!("arn:aws:iam::{}:mfa/{}", self.account.id, p.name).into(),
            ),
            ("MFAUsed", if success { "Yes" } else { "No" }.into()),
        ]));
        if let Some(tls) = rec.tls_details.as_mut() {
            tls.client_provided_host_header = "signin.aws.amazon.com".into();
        }
        if !success {
            rec.error_message = Some("Failed authentication".into());
        }
        self.out.push(rec);
    }

    fn web_identity(&mut self, sess: &Session, region: &'static str, second: i64) {
        let p = sess.principal;
        let acct = self.acct();
        let subject = "repo:acme-corp/orders-api:ref:refs/heads/main";
        let provider =
            format!("arn:aws:iam::{acct}:oidc-provider/token.actions.githubusercontent.com");
        let identity = UserIdentity {
            kind: Some("WebIdentityUser"),
            principal_id: Some(format!("{provider}:sts.amazonaws.com:{subject}")),
            user_name: Some(subject.to_string()),
            identity_provider: Some(provider.clone()),
            ..UserIdentity::default()
        };
        let api = Api {
            source: "sts.amazonaws.com",
            name: "AssumeRoleWithWebIdentity",
            read_only: true,
        };
        let mut rec = self.call(identity, api, region, second, sess.ip.clone(), sess.agent);
        rec.request_parameters = Doc::obj([
            ("roleArn", p.role_arn(&acct).into()),
            ("roleSessionName", p.session.clone().into()),
            ("durationSeconds", 3600i64.into()),
        ]);
        rec.response_elements = Doc::obj([
            ("credentials", self.credentials(&sess.key, second)),
            ("subjectFromWebIdentityToken", subject.into()),
            (
                "assumedRoleUser",
                Doc::obj([
                    (
                        "assumedRoleId",
                        format!("{}:{}", p.unique_id, p.session).into(),
                    ),
                    ("arn", p.arn(&acct).into()),
                ]),
            ),
            ("provider", provider.into()),
            ("audience", "sts.amazonaws.com".into()),
        ]);
        rec.resources = Some(Doc::Arr(vec![Doc::obj([
            ("accountId", acct.clone().into()),
            ("type", "AWS::IAM::Role".into()),
            ("ARN", p.role_arn(&acct).into()),
        ])]));
        self.out.push(rec);
    }
}
