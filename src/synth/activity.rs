//! One (account, day) of activity: the records CloudTrail would log for it.
//!
//! Consumes the organization ([`Account`]), the day, the ordinary-event budget and the planned
//! injections; produces the day's records sorted by time. Ordinary work (people, pipelines,
//! workloads, AWS services) comes in bursty sessions in the account's home regions, global
//! services land in us-east-1, the scanner and AWS Config sweep every default region, and the
//! injections add the leaked-key anomalies and the decoys. Every draw comes from the task's own
//! seed, so a day never depends on other days or on thread scheduling. Must not write files.

use chrono::{Datelike, NaiveDate, Weekday};

use super::model::{
    APP_APIS, ATTACKER_APIS, ATTACKER_GLOBAL_APIS, ATTACKER_IPS, Account, Api, CI_APIS,
    CONFIG_APIS, DEFAULT_REGIONS, EXPLORER_APIS, GLOBAL_REGION, HUMAN_APIS, Persona, Principal,
    SCANNER_APIS, SCANNER_GLOBAL_APIS, SCANNER_IP, TERRAFORM_APIS, agents, is_global,
};
use super::record::{
    Doc, Injected, Record, SessionAttributes, SessionContext, SessionIssuer, TlsDetails,
    UserIdentity,
};
use super::rng::Rng;
use super::scenario::Injection;

/// Share of ordinary calls that fail (errorCode + errorMessage).
const ERROR_RATE: f64 = 0.05;
/// Role names of the two sweepers (ground truth lists their ARNs).
pub const SCANNER_ROLE: &str = "SecurityAuditScanner";
pub const SCANNER_SESSION: &str = "auditscan";
pub const CONFIG_ROLE: &str = "AWSServiceRoleForConfig";
pub const CONFIG_SESSION: &str = "AWSConfig-Describe";

/// Everything a day generator needs that is shared by all days.
#[derive(Debug)]
pub struct Org<'a> {
    pub accounts: &'a [Account],
    pub injections: &'a [Injection],
    /// Ordinary events per account per weekday.
    pub events_per_day: u32,
    /// An account outside the organization (cross-account access when there is only one).
    pub partner_account: String,
    /// The security tooling account the scanner comes from.
    pub security_account: String,
}

/// How many ordinary events an account has on a day: the weekday budget +-10%, about half on
/// weekends.
pub fn ordinary_budget(rng: &mut Rng, events_per_day: u32, date: NaiveDate) -> u32 {
    let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
    let factor = if weekend {
        0.45 + 0.1 * rng.unit()
    } else {
        0.9 + 0.2 * rng.unit()
    };
    (f64::from(events_per_day) * factor).round() as u32
}

/// Generate one (account, day), sorted by time (stable: equal times keep generation order).
pub fn day(org: &Org, account: &Account, day_index: u32, date: NaiveDate, rng: Rng) -> Vec<Record> {
    let mut task = Day {
        org,
        account,
        date,
        prefix: date.format("%Y-%m-%dT").to_string(),
        rng,
        out: Vec::new(),
    };
    let n = ordinary_budget(&mut task.rng, org.events_per_day, date);
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

/// The credentials of one working session.
struct Session<'p> {
    principal: &'p Principal,
    /// Temporary key (`ASIA...`) for roles and console sessions, the user's key otherwise.
    key: String,
    created: String,
    mfa: bool,
    console: bool,
    agent: &'static str,
    ip: String,
}

struct Day<'a> {
    org: &'a Org<'a>,
    account: &'a Account,
    date: NaiveDate,
    /// `YYYY-MM-DDT`.
    prefix: String,
    rng: Rng,
    out: Vec<Record>,
}

impl<'a> Day<'a> {
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

    // ----- ordinary work -------------------------------------------------------------------

    fn ordinary(&mut self, n: u32) {
        let background = if n >= 20 { n * 3 / 100 } else { 0 };
        let in_sessions = n - background;
        if in_sessions > 0 {
            let k = ((f64::from(in_sessions).sqrt() * 0.8).ceil() as u32).max(1);
            for size in split(&mut self.rng, in_sessions, k) {
                let weights: Vec<u32> = self.account.principals.iter().map(|p| p.weight).collect();
                let mut who = self.rng.weighted(&weights);
                if self.account.principals[who].persona == Persona::Root && size > 6 {
                    who = 0;
                }
                self.session(who, size);
            }
        }
        for _ in 0..background {
            self.background();
        }
    }

    /// Start second and length (seconds) of a session of this persona.
    fn session_window(&mut self, persona: Persona) -> (i64, i64) {
        let weekend = matches!(self.date.weekday(), Weekday::Sat | Weekday::Sun);
        let (lo, hi, len_lo, len_hi) = match persona {
            Persona::App => (0, 23, 60, 1200),
            Persona::Ci => (7, 21, 60, 480),
            Persona::LegacyCi => (6, 20, 60, 300),
            _ if weekend => (10, 16, 300, 1200),
            _ => (8, 18, 300, 1500),
        };
        let start = if persona == Persona::App {
            self.rng.below(86_400) as i64
        } else {
            let local = self.rng.range(lo, hi) as i64;
            (local - self.account.utc_offset).rem_euclid(24) * 3600 + self.rng.below(3600) as i64
        };
        (start, self.rng.range(len_lo, len_hi) as i64)
    }

    fn session(&mut self, who: usize, size: u32) {
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

    fn identity(&self, sess: &Session) -> UserIdentity {
        let p = sess.principal;
        let acct = self.acct();
        match p.persona {
            Persona::Human | Persona::LegacyCi => UserIdentity {
                kind: Some("IAMUser"),
                principal_id: Some(p.unique_id.clone()),
                arn: Some(p.arn(&acct)),
                account_id: Some(acct),
                access_key_id: Some(sess.key.clone()),
                user_name: Some(p.name.clone()),
                session_context: sess.console.then(|| SessionContext {
                    session_issuer: None,
                    web_id_federation_data: None,
                    attributes: SessionAttributes {
                        creation_date: sess.created.clone(),
                        mfa_authenticated: if sess.mfa { "true" } else { "false" },
                    },
                }),
                ..UserIdentity::default()
            },
            Persona::Root => UserIdentity {
                kind: Some("Root"),
                principal_id: Some(acct.clone()),
                arn: Some(p.arn(&acct)),
                account_id: Some(acct),
                access_key_id: Some(String::new()),
                ..UserIdentity::default()
            },
            _ => self.role_identity(p, &sess.key, &sess.created, sess.mfa, None),
        }
    }

    fn role_identity(
        &self,
        p: &Principal,
        key: &str,
        created: &str,
        mfa: bool,
        invoked_by: Option<&'static str>,
    ) -> UserIdentity {
        let acct = self.acct();
        UserIdentity {
            kind: Some("AssumedRole"),
            principal_id: Some(format!("{}:{}", p.unique_id, p.session)),
            arn: Some(p.arn(&acct)),
            account_id: Some(acct.clone()),
            access_key_id: Some(key.to_string()),
            session_context: Some(SessionContext {
                session_issuer: Some(SessionIssuer {
                    kind: "Role",
                    principal_id: p.unique_id.clone(),
                    arn: p.role_arn(&acct),
                    account_id: acct,
                    user_name: p.name.clone(),
                }),
                web_id_federation_data: Some(Doc::Obj(Vec::new())),
                attributes: SessionAttributes {
                    creation_date: created.to_string(),
                    mfa_authenticated: if mfa { "true" } else { "false" },
                },
            }),
            invoked_by,
            ..UserIdentity::default()
        }
    }

    /// A plain API call with realistic parameters; the caller adjusts identity-specific fields.
    fn call(
        &mut self,
        identity: UserIdentity,
        api: Api,
        region: &'static str,
        second: i64,
        ip: String,
        agent: &str,
    ) -> Record {
        let (request, response) = self.params(api, region, second);
        let tls = (!ip.ends_with(".amazonaws.com") && self.rng.chance(0.7)).then(|| TlsDetails {
            tls_version: if self.rng.chance(0.8) {
                "TLSv1.3"
            } else {
                "TLSv1.2"
            },
            cipher_suite: "TLS_AES_128_GCM_SHA256",
            client_provided_host_header: host(api.source, region),
        });
        let kms_resource = (api.source == "kms.amazonaws.com"
            && matches!(api.name, "Decrypt" | "GenerateDataKey"))
        .then(|| {
            Doc::Arr(vec![Doc::obj([
                ("accountId", self.acct().into()),
                ("type", "AWS::KMS::Key".into()),
                ("ARN", self.kms_key(region).into()),
            ])])
        });
        Record {
            event_version: "1.09",
            user_identity: identity,
            event_time: self.time(second),
            event_source: api.source,
            event_name: api.name,
            aws_region: region,
            source_ip_address: ip,
            user_agent: agent.to_string(),
            error_code: None,
            error_message: None,
            request_parameters: request,
            response_elements: response,
            additional_event_data: None,
            request_id: Some(self.rng.uuid()),
            event_id: self.rng.uuid(),
            read_only: api.read_only,
            resources: kms_resource,
            event_type: "AwsApiCall",
            management_event: true,
            recipient_account_id: self.acct(),
            shared_event_id: None,
            event_category: "Management",
            tls_details: tls,
            epoch: self.epoch(second),
            injected: None,
        }
    }

    fn maybe_fail(&mut self, rec: &mut Record, rate: f64) {
        if !self.rng.chance(rate) {
            return;
        }
        let arn = rec.user_identity.arn.clone().unwrap_or_default();
        let service = rec.event_source.split('.').next().unwrap_or_default();
        let action = format!("{service}:{}", rec.event_name);
        let roll = self.rng.below(10);
        let (code, message) = if roll < 5 || rec.event_source == "ec2.amazonaws.com" && roll < 8 {
            denied(rec.event_source, &arn, &action)
        } else if roll < 8 {
            match rec.event_source {
                "iam.amazonaws.com" => (
                    "NoSuchEntityException",
                    "The role with name deploy-tmp cannot be found.".to_string(),
                ),
                "s3.amazonaws.com" => (
                    "NoSuchBucketPolicy",
                    "The bucket policy does not exist".to_string(),
                ),
                _ => (
                    "ResourceNotFoundException",
                    "The requested resource was not found.".to_string(),
                ),
            }
        } else {
            ("ThrottlingException", "Rate exceeded".to_string())
        };
        rec.error_code = Some(code);
        rec.error_message = Some(message);
        rec.response_elements = Doc::Null;
        rec.resources = None;
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

    fn credentials(&mut self, key: &str, second: i64) -> Doc {
        let expires = self.date.and_hms_opt(0, 0, 0).expect("midnight")
            + chrono::Duration::seconds(second + 3600);
        Doc::obj([
            ("accessKeyId", key.to_string().into()),
            (
                "sessionToken",
                format!("IQoJb3JpZ2luX2Vj{}", self.rng.alnum(48)).into(),
            ),
            (
                "expiration",
                expires
                    .format("%b %-d, %Y, %-I:%M:%S %p")
                    .to_string()
                    .into(),
            ),
        ])
    }

    /// `sts:AssumeRole` by an AWS service (userIdentity.type AWSService).
    fn service_assume_role(
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
    fn background(&mut self) {
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

    // ----- sweepers ------------------------------------------------------------------------

    fn scanner(&mut self) {
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

    fn config(&mut self) {
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

    // ----- injections ----------------------------------------------------------------------

    fn inject(&mut self, inj: &Injection) {
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

    // ----- names and parameters ------------------------------------------------------------

    fn kms_key(&self, region: &str) -> String {
        format!(
            "arn:aws:kms:{region}:{}:key/{}-4f2a-4c1e-9b7d-{}",
            self.account.id,
            &self.account.principals[0].unique_id[4..12].to_ascii_lowercase(),
            &self.account.id
        )
    }

    fn bucket(&mut self) -> String {
        let purpose = *self
            .rng
            .pick(&["artifacts", "logs", "static-site", "data-lake", "backups"]);
        format!("{}-{purpose}-{}", self.account.name, &self.account.id[6..])
    }

    fn params(&mut self, api: Api, region: &'static str, second: i64) -> (Doc, Doc) {
        let acct = self.acct();
        let rng = &mut self.rng;
        let instance = |rng: &mut Rng| format!("i-0{}", rng.hex(16));
        let request_id = |rng: &mut Rng| Doc::Str(rng.uuid());
        match (api.source, api.name) {
            ("ec2.amazonaws.com", "DescribeInstances") => (
                Doc::obj([("instancesSet", Doc::obj([])), ("filterSet", Doc::obj([]))]),
                Doc::Null,
            ),
            ("ec2.amazonaws.com", "StartInstances" | "StopInstances" | "RunInstances") => {
                let id = instance(rng);
                let start = api.name != "StopInstances";
                (
                    if api.name == "RunInstances" {
                        Doc::obj([
                            (
                                "instancesSet",
                                Doc::obj([(
                                    "items",
                                    Doc::Arr(vec![Doc::obj([
                                        ("imageId", format!("ami-0{}", rng.hex(16)).into()),
                                        ("minCount", 1i64.into()),
                                        ("maxCount", 4i64.into()),
                                    ])]),
                                )]),
                            ),
                            ("instanceType", "c5.4xlarge".into()),
                            ("disableApiTermination", false.into()),
                        ])
                    } else {
                        Doc::obj([(
                            "instancesSet",
                            Doc::obj([(
                                "items",
                                Doc::Arr(vec![Doc::obj([("instanceId", id.clone().into())])]),
                            )]),
                        )])
                    },
                    Doc::obj([
                        ("requestId", request_id(rng)),
                        (
                            "instancesSet",
                            Doc::obj([(
                                "items",
                                Doc::Arr(vec![Doc::obj([
                                    ("instanceId", id.into()),
                                    (
                                        "currentState",
                                        Doc::obj([
                                            ("code", if start { 0i64 } else { 64 }.into()),
                                            (
                                                "name",
                                                if start { "pending" } else { "stopping" }.into(),
                                            ),
                                        ]),
                                    ),
                                    (
                                        "previousState",
                                        Doc::obj([
                                            ("code", if start { 80i64 } else { 16 }.into()),
                                            (
                                                "name",
                                                if start { "stopped" } else { "running" }.into(),
                                            ),
                                        ]),
                                    ),
                                ])]),
                            )]),
                        ),
                    ]),
                )
            }
            ("ec2.amazonaws.com", "CreateTags") => (
                Doc::obj([
                    (
                        "resourcesSet",
                        Doc::obj([(
                            "items",
                            Doc::Arr(vec![Doc::obj([("resourceId", instance(rng).into())])]),
                        )]),
                    ),
                    (
                        "tagSet",
                        Doc::obj([(
                            "items",
                            Doc::Arr(vec![Doc::obj([
                                ("key", "Owner".into()),
                                ("value", "platform-team".into()),
                            ])]),
                        )]),
                    ),
                ]),
                Doc::obj([("requestId", request_id(rng)), ("_return", true.into())]),
            ),
            ("ec2.amazonaws.com", "AuthorizeSecurityGroupIngress") => (
                Doc::obj([
                    ("groupId", format!("sg-0{}", rng.hex(16)).into()),
                    (
                        "ipPermissions",
                        Doc::obj([(
                            "items",
                            Doc::Arr(vec![Doc::obj([
                                ("ipProtocol", "tcp".into()),
                                ("fromPort", 443i64.into()),
                                ("toPort", 443i64.into()),
                                (
                                    "ipRanges",
                                    Doc::obj([(
                                        "items",
                                        Doc::Arr(vec![Doc::obj([(
                                            "cidrIp",
                                            "10.0.0.0/16".into(),
                                        )])]),
                                    )]),
                                ),
                            ])]),
                        )]),
                    ),
                ]),
                Doc::obj([("requestId", request_id(rng)), ("_return", true.into())]),
            ),
            ("ec2.amazonaws.com", "CreateKeyPair") => {
                let name = format!("ops-{}", rng.hex(6));
                (
                    Doc::obj([("keyName", name.clone().into())]),
                    Doc::obj([
                        ("requestId", request_id(rng)),
                        ("keyName", name.into()),
                        ("keyFingerprint", rng.hex(40).into()),
                        ("keyPairId", format!("key-0{}", rng.hex(16)).into()),
                    ]),
                )
            }
            ("ec2.amazonaws.com", _) => (
                if rng.chance(0.5) {
                    Doc::obj([("maxResults", 1000i64.into()), ("filterSet", Doc::obj([]))])
                } else {
                    Doc::obj([("filterSet", Doc::obj([]))])
                },
                Doc::Null,
            ),
            ("s3.amazonaws.com", "ListBuckets") => {
                (Doc::obj([("Host", "s3.amazonaws.com".into())]), Doc::Null)
            }
            ("s3.amazonaws.com", name) => {
                let bucket = self.bucket();
                let sub = match name {
                    "GetBucketPolicy" => "policy",
                    "GetBucketLocation" => "location",
                    "GetBucketVersioning" => "versioning",
                    "GetBucketAcl" => "acl",
                    "GetBucketPublicAccessBlock" => "publicAccessBlock",
                    _ => "tagging",
                };
                (
                    Doc::obj([
                        ("bucketName", bucket.clone().into()),
                        ("Host", format!("{bucket}.s3.{region}.amazonaws.com").into()),
                        (sub, "".into()),
                    ]),
                    Doc::Null,
                )
            }
            ("iam.amazonaws.com", "GetRole" | "ListAttachedRolePolicies") => (
                Doc::obj([(
                    "roleName",
                    (*rng.pick(&[
                        "orders-api-task-role",
                        "github-actions-deploy",
                        "thumbnailer-lambda-role",
                    ]))
                    .into(),
                )]),
                Doc::Null,
            ),
            ("iam.amazonaws.com", "GetPolicy" | "GetPolicyVersion") => (
                Doc::obj([
                    (
                        "policyArn",
                        format!(
                            "arn:aws:iam::{acct}:policy/{}",
                            rng.pick(&["deploy-boundary", "orders-api-access", "read-artifacts"])
                        )
                        .into(),
                    ),
                    ("versionId", "v3".into()),
                ]),
                Doc::Null,
            ),
            ("iam.amazonaws.com", "AttachRolePolicy") => (
                Doc::obj([
                    ("roleName", "orders-api-task-role".into()),
                    (
                        "policyArn",
                        "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy".into(),
                    ),
                ]),
                Doc::Null,
            ),
            ("iam.amazonaws.com", "CreateUser" | "CreateAccessKey" | "AttachUserPolicy") => {
                (Doc::obj([("userName", "backup-svc".into())]), Doc::Null)
            }
            ("iam.amazonaws.com", _) => (Doc::Null, Doc::Null),
            ("sts.amazonaws.com", "AssumeRole") => {
                let key = rng.iam_id("ASIA", 16);
                (
                    Doc::obj([
                        (
                            "roleArn",
                            format!("arn:aws:iam::{acct}:role/orders-api-reader").into(),
                        ),
                        ("roleSessionName", format!("orders-{}", rng.hex(8)).into()),
                    ]),
                    Doc::obj([("credentials", self.credentials(&key, second))]),
                )
            }
            ("cloudformation.amazonaws.com", name) => {
                let stack = format!(
                    "{}-{}",
                    rng.pick(&["orders-api", "thumbnailer", "network", "edge"]),
                    self.account.name
                );
                let stack_id = format!(
                    "arn:aws:cloudformation:{region}:{acct}:stack/{stack}/{}",
                    self.rng.uuid()
                );
                match name {
                    "CreateChangeSet" => (
                        Doc::obj([
                            ("stackName", stack.clone().into()),
                            (
                                "changeSetName",
                                format!("deploy-{}", self.rng.hex(7)).into(),
                            ),
                            ("changeSetType", "UPDATE".into()),
                            ("capabilities", Doc::Arr(vec!["CAPABILITY_IAM".into()])),
                        ]),
                        Doc::obj([
                            (
                                "id",
                                format!(
                                    "arn:aws:cloudformation:{region}:{acct}:changeSet/deploy/{}",
                                    self.rng.uuid()
                                )
                                .into(),
                            ),
                            ("stackId", stack_id.into()),
                        ]),
                    ),
                    "ListStacks" => (
                        Doc::obj([(
                            "stackStatusFilter",
                            Doc::Arr(vec!["CREATE_COMPLETE".into(), "UPDATE_COMPLETE".into()]),
                        )]),
                        Doc::Null,
                    ),
                    _ => (Doc::obj([("stackName", stack.into())]), Doc::Null),
                }
            }
            ("lambda.amazonaws.com", "ListFunctions20150331") => (Doc::Null, Doc::Null),
            ("lambda.amazonaws.com", name) => {
                let function = "thumbnailer";
                let req = Doc::obj([("functionName", function.into())]);
                if name == "UpdateFunctionCode20150331v2" {
                    (
                        Doc::obj([
                            ("functionName", function.into()),
                            ("publish", true.into()),
                            ("dryRun", false.into()),
                        ]),
                        Doc::obj([
                            ("functionName", function.into()),
                            (
                                "functionArn",
                                format!("arn:aws:lambda:{region}:{acct}:function:{function}")
                                    .into(),
                            ),
                            ("runtime", "python3.12".into()),
                            ("codeSize", (rng.range(100_000, 9_000_000) as i64).into()),
                            ("version", (rng.range(10, 300) as i64).to_string().into()),
                        ]),
                    )
                } else {
                    (req, Doc::Null)
                }
            }
            ("logs.amazonaws.com", "CreateLogStream") => (
                Doc::obj([
                    ("logGroupName", "/ecs/orders-api".into()),
                    (
                        "logStreamName",
                        format!("ecs/orders-api/{}", rng.hex(32)).into(),
                    ),
                ]),
                Doc::Null,
            ),
            ("logs.amazonaws.com", "FilterLogEvents") => {
                let end = self.epoch(second) * 1000;
                (
                    Doc::obj([
                        ("logGroupName", "/aws/lambda/thumbnailer".into()),
                        ("startTime", (end - 3_600_000).into()),
                        ("endTime", end.into()),
                        ("filterPattern", "ERROR".into()),
                    ]),
                    Doc::Null,
                )
            }
            ("ssm.amazonaws.com", "GetParameter") => (
                Doc::obj([
                    (
                        "name",
                        (*rng.pick(&[
                            "/orders/prod/db_host",
                            "/orders/prod/feature_flags",
                            "/platform/vpc_id",
                        ]))
                        .into(),
                    ),
                    ("withDecryption", true.into()),
                ]),
                Doc::Null,
            ),
            ("ssm.amazonaws.com", "GetParameters") => (
                Doc::obj([
                    (
                        "names",
                        Doc::Arr(vec!["/deploy/image_tag".into(), "/deploy/cluster".into()]),
                    ),
                    ("withDecryption", false.into()),
                ]),
                Doc::Null,
            ),
            ("ssm.amazonaws.com", "GetParametersByPath") => (
                Doc::obj([
                    ("path", "/orders/prod/".into()),
                    ("recursive", true.into()),
                    ("withDecryption", true.into()),
                ]),
                Doc::Null,
            ),
            ("ssm.amazonaws.com", "PutParameter") => (
                Doc::obj([
                    ("name", "/orders/prod/feature_flags".into()),
                    ("type", "String".into()),
                    ("overwrite", true.into()),
                ]),
                Doc::obj([
                    ("version", (rng.range(2, 90) as i64).into()),
                    ("tier", "Standard".into()),
                ]),
            ),
            ("kms.amazonaws.com", "Decrypt") => (
                Doc::obj([
                    ("encryptionAlgorithm", "SYMMETRIC_DEFAULT".into()),
                    (
                        "encryptionContext",
                        Doc::obj([(
                            "aws:secretsmanager:arn",
                            format!("arn:aws:secretsmanager:{region}:{acct}:secret:prod/orders/db")
                                .into(),
                        )]),
                    ),
                ]),
                Doc::Null,
            ),
            ("kms.amazonaws.com", "GenerateDataKey") => (
                Doc::obj([
                    ("keyId", self.kms_key(region).into()),
                    ("keySpec", "AES_256".into()),
                ]),
                Doc::Null,
            ),
            ("kms.amazonaws.com", "DescribeKey") => {
                (Doc::obj([("keyId", "alias/orders".into())]), Doc::Null)
            }
            ("secretsmanager.amazonaws.com", "GetSecretValue" | "DescribeSecret") => (
                Doc::obj([(
                    "secretId",
                    (*rng.pick(&["prod/orders/db", "prod/orders/stripe", "shared/datadog"])).into(),
                )]),
                Doc::Null,
            ),
            ("dynamodb.amazonaws.com", _) => {
                (Doc::obj([("tableName", "orders".into())]), Doc::Null)
            }
            ("ecs.amazonaws.com", "DescribeServices") => (
                Doc::obj([
                    ("cluster", "main".into()),
                    ("services", Doc::Arr(vec!["orders-api".into()])),
                ]),
                Doc::Null,
            ),
            ("ecs.amazonaws.com", "RegisterTaskDefinition") => {
                let rev = rng.range(10, 900) as i64;
                (
                    Doc::obj([
                        ("family", "orders-api".into()),
                        ("networkMode", "awsvpc".into()),
                        ("requiresCompatibilities", Doc::Arr(vec!["FARGATE".into()])),
                        ("cpu", "512".into()),
                        ("memory", "1024".into()),
                    ]),
                    Doc::obj([(
                        "taskDefinition",
                        Doc::obj([
                            (
                                "taskDefinitionArn",
                                format!(
                                    "arn:aws:ecs:{region}:{acct}:task-definition/orders-api:{rev}"
                                )
                                .into(),
                            ),
                            ("revision", rev.into()),
                            ("status", "ACTIVE".into()),
                        ]),
                    )]),
                )
            }
            ("ecs.amazonaws.com", "UpdateService") => (
                Doc::obj([
                    ("cluster", "main".into()),
                    ("service", "orders-api".into()),
                    ("forceNewDeployment", false.into()),
                ]),
                Doc::obj([(
                    "service",
                    Doc::obj([
                        ("serviceName", "orders-api".into()),
                        ("status", "ACTIVE".into()),
                        ("desiredCount", 3i64.into()),
                    ]),
                )]),
            ),
            ("ecr.amazonaws.com", "GetAuthorizationToken" | "DescribeRepositories") => {
                (Doc::Null, Doc::Null)
            }
            ("ecr.amazonaws.com", name) => {
                let digest = format!("sha256:{}", rng.hex(64));
                let req = Doc::obj([
                    ("repositoryName", "orders-api".into()),
                    ("registryId", acct.clone().into()),
                ]);
                match name {
                    "InitiateLayerUpload" => (
                        req,
                        Doc::obj([
                            ("uploadId", rng.uuid().into()),
                            ("partSize", 10_485_760i64.into()),
                        ]),
                    ),
                    "PutImage" => (
                        Doc::obj([
                            ("repositoryName", "orders-api".into()),
                            ("imageTag", rng.hex(7).into()),
                        ]),
                        Doc::obj([(
                            "image",
                            Doc::obj([
                                ("registryId", acct.into()),
                                ("repositoryName", "orders-api".into()),
                                ("imageId", Doc::obj([("imageDigest", digest.into())])),
                            ]),
                        )]),
                    ),
                    _ => (
                        Doc::obj([
                            ("repositoryName", "orders-api".into()),
                            ("layerDigests", Doc::Arr(vec![digest.into()])),
                        ]),
                        Doc::Null,
                    ),
                }
            }
            ("elasticloadbalancing.amazonaws.com", "DescribeTargetHealth") => (
                Doc::obj([(
                    "targetGroupArn",
                    format!(
                        "arn:aws:elasticloadbalancing:{region}:{acct}:targetgroup/orders-api/{}",
                        rng.hex(16)
                    )
                    .into(),
                )]),
                Doc::Null,
            ),
            ("monitoring.amazonaws.com", "DescribeAlarms") => {
                (Doc::obj([("maxRecords", 100i64.into())]), Doc::Null)
            }
            ("route53.amazonaws.com", "ListResourceRecordSets") => (
                Doc::obj([("hostedZoneId", format!("Z0{}", rng.iam_id("", 18)).into())]),
                Doc::Null,
            ),
            ("route53.amazonaws.com", "ChangeResourceRecordSets") => (
                Doc::obj([
                    ("hostedZoneId", format!("Z0{}", rng.iam_id("", 18)).into()),
                    (
                        "changeBatch",
                        Doc::obj([(
                            "changes",
                            Doc::Arr(vec![Doc::obj([
                                ("action", "UPSERT".into()),
                                (
                                    "resourceRecordSet",
                                    Doc::obj([
                                        ("name", "api.example.com".into()),
                                        ("type", "CNAME".into()),
                                        ("tTL", 300i64.into()),
                                    ]),
                                ),
                            ])]),
                        )]),
                    ),
                ]),
                Doc::obj([(
                    "changeInfo",
                    Doc::obj([
                        ("id", format!("/change/C0{}", rng.iam_id("", 18)).into()),
                        ("status", "PENDING".into()),
                        ("submittedAt", self.time(second).into()),
                    ]),
                )]),
            ),
            ("cloudfront.amazonaws.com", "CreateInvalidation") => {
                let dist = rng.iam_id("E", 13);
                let id = rng.iam_id("I", 13);
                (
                    Doc::obj([("distributionId", dist.clone().into()), ("invalidationBatch", Doc::obj([("paths", Doc::obj([("quantity", 1i64.into()), ("items", Doc::Arr(vec!["/*".into()]))])), ("callerReference", rng.uuid().into())]))]),
                    Doc::obj([("location", format!("https://cloudfront.amazonaws.com/2020-05-31/distribution/{dist}/invalidation/{id}").into()), ("invalidation", Doc::obj([("id", id.into()), ("status", "InProgress".into())]))]),
                )
            }
            ("cloudtrail.amazonaws.com", "DescribeTrails") => {
                (Doc::obj([("includeShadowTrails", true.into())]), Doc::Null)
            }
            ("cloudtrail.amazonaws.com", "GetTrailStatus") => (
                Doc::obj([(
                    "name",
                    format!("arn:aws:cloudtrail:us-east-1:{acct}:trail/org-trail").into(),
                )]),
                Doc::Null,
            ),
            _ => (Doc::Null, Doc::Null),
        }
    }
}

/// The access-denied error of a service, as CloudTrail writes it.
fn denied(source: &str, arn: &str, action: &str) -> (&'static str, String) {
    let because = format!(
        "User: {arn} is not authorized to perform: {action} because no identity-based policy allows the {action} action"
    );
    if source == "ec2.amazonaws.com" {
        (
            "Client.UnauthorizedOperation",
            format!("You are not authorized to perform this operation. {because}"),
        )
    } else {
        ("AccessDenied", because)
    }
}

/// The host name a client sends for a service in a region.
fn host(source: &str, region: &str) -> String {
    let service = source.strip_suffix(".amazonaws.com").unwrap_or(source);
    if is_global(source) {
        format!("{service}.amazonaws.com")
    } else {
        format!("{service}.{region}.amazonaws.com")
    }
}

/// Split `total` into `parts` positive sizes (when `total >= parts`) with uneven, bursty shares.
pub fn split(rng: &mut Rng, total: u32, parts: u32) -> Vec<u32> {
    let parts = parts.min(total).max(1);
    let weights: Vec<f64> = (0..parts)
        .map(|_| -(1.0 - rng.unit()).ln() + 0.05)
        .collect();
    let sum: f64 = weights.iter().sum();
    let spare = total - parts;
    let mut sizes: Vec<u32> = weights
        .iter()
        .map(|w| 1 + (f64::from(spare) * w / sum).floor() as u32)
        .collect();
    let mut assigned: u32 = sizes.iter().sum();
    let mut i = 0;
    while assigned < total {
        sizes[i % parts as usize] += 1;
        assigned += 1;
        i += 1;
    }
    sizes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_exact() {
        let mut rng = Rng::new(3);
        for (total, parts) in [(1, 1), (10, 3), (300, 14), (8000, 72), (5, 9)] {
            let sizes = split(&mut rng, total, parts);
            assert_eq!(sizes.iter().sum::<u32>(), total);
            assert!(sizes.iter().all(|&s| s >= 1));
        }
    }

    #[test]
    fn weekends_get_about_half() {
        let mut rng = Rng::new(1);
        let monday = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
        let sunday = NaiveDate::from_ymd_opt(2025, 6, 29).unwrap();
        for _ in 0..100 {
            let w = ordinary_budget(&mut rng, 1000, monday);
            let s = ordinary_budget(&mut rng, 1000, sunday);
            assert!((900..=1100).contains(&w));
            assert!((450..=550).contains(&s));
        }
    }
}
