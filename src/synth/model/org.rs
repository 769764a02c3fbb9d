//! The accounts of the organization and their cast of principals.
//!
//! Consumes the corpus seed and the number of accounts; produces [`Account`]s: a 12-digit id,
//! home regions and their weights, the office time zone, office and NAT addresses, and the same
//! cast in every account (two people, two SSO roles, the deploy pipeline, three workload roles,
//! the legacy CI user, root) with stable unique ids and access keys. Must not depend on the day.

use crate::synth::rng::{Rng, derive};

/// The kind of principal, which decides its APIs, rhythm, agent and addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Persona {
    /// An IAM user with an access key and a console password.
    Human,
    /// A person through IAM Identity Center (assumed role `AWSReservedSSO_*`).
    Sso,
    /// A deploy pipeline: GitHub Actions through OIDC (`AssumeRoleWithWebIdentity`).
    Ci,
    /// A workload role assumed by an AWS service (`lambda`, `ecs-tasks`, `ec2`).
    App,
    /// The legacy CI IAM user with a long-lived access key (the one that leaks).
    LegacyCi,
    /// The root user (rare console logins).
    Root,
}

/// One principal of an account.
#[derive(Debug, Clone)]
pub struct Principal {
    pub persona: Persona,
    /// IAM user name, role name, or "root".
    pub name: String,
    /// Role session name (roles only).
    pub session: String,
    /// `AIDA...` for users, `AROA...` for roles, the account id for root.
    pub unique_id: String,
    /// The user's long-lived access key (`AKIA...`), empty for roles.
    pub access_key: String,
    /// For `App`: the service that assumes the role (`lambda.amazonaws.com`, ...).
    pub service: Option<&'static str>,
    /// Share of sessions (per ten thousand).
    pub weight: u32,
}

impl Principal {
    /// `userIdentity.arn`.
    pub fn arn(&self, account: &str) -> String {
        match self.persona {
            Persona::Human | Persona::LegacyCi => {
                format!("arn:aws:iam::{account}:user/{}", self.name)
            }
            Persona::Root => format!("arn:aws:iam::{account}:root"),
            _ => format!(
                "arn:aws:sts::{account}:assumed-role/{}/{}",
                self.name, self.session
            ),
        }
    }

    /// The role's own ARN (`sessionContext.sessionIssuer.arn`).
    pub fn role_arn(&self, account: &str) -> String {
        if self.name.starts_with("AWSReservedSSO_") {
            format!(
                "arn:aws:iam::{account}:role/aws-reserved/sso.amazonaws.com/{}",
                self.name
            )
        } else {
            format!("arn:aws:iam::{account}:role/{}", self.name)
        }
    }
}

/// One simulated AWS account.
#[derive(Debug, Clone)]
pub struct Account {
    pub index: u32,
    /// 12 digits.
    pub id: String,
    pub name: &'static str,
    /// Home regions, busiest first.
    pub homes: &'static [&'static str],
    /// Relative share of work per home region.
    pub home_weights: &'static [u32],
    /// Office time zone, hours from UTC.
    pub utc_offset: i64,
    /// Office addresses (people and the legacy CI box).
    pub office_ips: Vec<String>,
    /// NAT gateway addresses (workloads).
    pub nat_ips: Vec<String>,
    pub principals: Vec<Principal>,
}

struct Profile {
    name: &'static str,
    homes: &'static [&'static str],
    weights: &'static [u32],
    utc_offset: i64,
}

const PROFILES: [Profile; 9] = [
    Profile {
        name: "shared",
        homes: &["us-east-1", "eu-west-1"],
        weights: &[60, 40],
        utc_offset: -5,
    },
    Profile {
        name: "prod",
        homes: &["eu-west-1", "us-east-1", "us-west-2"],
        weights: &[50, 35, 15],
        utc_offset: 0,
    },
    Profile {
        name: "dev",
        homes: &["eu-west-1", "eu-central-1", "us-east-2"],
        weights: &[50, 35, 15],
        utc_offset: 1,
    },
    Profile {
        name: "staging",
        homes: &["us-east-2", "us-west-2"],
        weights: &[65, 35],
        utc_offset: -6,
    },
    Profile {
        name: "sandbox",
        homes: &["us-east-1", "us-east-2"],
        weights: &[70, 30],
        utc_offset: -5,
    },
    Profile {
        name: "data",
        homes: &["eu-central-1", "eu-west-1", "us-east-1"],
        weights: &[55, 30, 15],
        utc_offset: 1,
    },
    Profile {
        name: "security",
        homes: &["us-east-1", "us-west-2"],
        weights: &[75, 25],
        utc_offset: -5,
    },
    Profile {
        name: "logs",
        homes: &["us-east-1", "eu-west-1"],
        weights: &[60, 40],
        utc_offset: 0,
    },
    Profile {
        name: "research",
        homes: &["us-west-2", "us-east-2", "eu-west-1"],
        weights: &[50, 30, 20],
        utc_offset: -8,
    },
];

const PEOPLE: [&str; 18] = [
    "alice.martin",
    "bob.nguyen",
    "carol.jones",
    "dmitri.ivanov",
    "emma.schmidt",
    "farid.haddad",
    "grace.kim",
    "hugo.silva",
    "ines.costa",
    "jon.berg",
    "kara.obi",
    "liam.walsh",
    "mei.chen",
    "nils.larsen",
    "olga.petrova",
    "priya.rao",
    "quentin.roy",
    "sara.lind",
];

/// Offices, in the MaxMind test database ranges (`shared/data/maxmind-test-mmdb`) so that a
/// geo lookup in a demo gives a city: London, Milton (US), Linkoping (SE).
const OFFICE_RANGES: [(&str, u8, u8); 3] = [
    ("81.2.69.", 160, 191),
    ("216.160.83.", 56, 63),
    ("89.160.20.", 128, 250),
];

/// The largest supported number of accounts.
pub const MAX_ACCOUNTS: u32 = PROFILES.len() as u32;

/// Build the organization for a seed: `count` accounts (1..=9) with stable ids and principals.
pub fn accounts(seed: u64, count: u32) -> Vec<Account> {
    let mut ids: Vec<u64> = Vec::new();
    (0..count)
        .map(|index| {
            let profile = &PROFILES[index as usize];
            let mut id =
                100_000_000_000 + derive(seed, &[0xACC0, u64::from(index)]) % 900_000_000_000;
            while ids.contains(&id) {
                id += 1;
            }
            ids.push(id);
            let mut rng = Rng::new(derive(seed, &[0x9A1, u64::from(index)]));
            let office = OFFICE_RANGES[index as usize % OFFICE_RANGES.len()];
            let office_ips = (0..4)
                .map(|_| {
                    format!(
                        "{}{}",
                        office.0,
                        rng.range(u64::from(office.1), u64::from(office.2))
                    )
                })
                .collect();
            let nat_ips = (0..3)
                .map(|_| format!("198.51.100.{}", rng.range(30, 250)))
                .collect();
            Account {
                index,
                id: format!("{id:012}"),
                name: profile.name,
                homes: profile.homes,
                home_weights: profile.weights,
                utc_offset: profile.utc_offset,
                office_ips,
                nat_ips,
                principals: principals(index, &mut rng),
            }
        })
        .collect()
}

fn principals(index: u32, rng: &mut Rng) -> Vec<Principal> {
    let mut out = Vec::new();
    let mut add = |rng: &mut Rng, persona, name: String, session: String, service, weight| {
        let is_user = matches!(persona, Persona::Human | Persona::LegacyCi);
        let unique_id = if persona == Persona::Root {
            String::new()
        } else {
            rng.iam_id(if is_user { "AIDA" } else { "AROA" }, 17)
        };
        let access_key = if is_user {
            rng.iam_id("AKIA", 16)
        } else {
            String::new()
        };
        out.push(Principal {
            persona,
            name,
            session,
            unique_id,
            access_key,
            service,
            weight,
        });
    };
    let first = (index as usize * 2) % PEOPLE.len();
    for k in 0..2 {
        let person = PEOPLE[(first + k) % PEOPLE.len()];
        add(
            rng,
            Persona::Human,
            person.to_string(),
            String::new(),
            None,
            1500,
        );
    }
    for (k, set) in ["AdministratorAccess", "ReadOnlyAccess"].iter().enumerate() {
        let person = PEOPLE[(first + 2 + k) % PEOPLE.len()];
        let name = format!("AWSReservedSSO_{set}_{}", rng.hex(16));
        add(
            rng,
            Persona::Sso,
            name,
            format!("{person}@example.com"),
            None,
            2000,
        );
    }
    add(
        rng,
        Persona::Ci,
        "github-actions-deploy".into(),
        "GitHubActions".into(),
        None,
        1800,
    );
    let apps: [(&str, &str, &'static str); 3] = [
        ("orders-api-task-role", "", "ecs-tasks.amazonaws.com"),
        (
            "thumbnailer-lambda-role",
            "thumbnailer",
            "lambda.amazonaws.com",
        ),
        ("etl-batch-instance-role", "", "ec2.amazonaws.com"),
    ];
    for (name, session, service) in apps {
        let session = match service {
            "ec2.amazonaws.com" => format!("i-0{}", rng.hex(16)),
            "ecs-tasks.amazonaws.com" => rng.hex(32),
            _ => session.to_string(),
        };
        add(
            rng,
            Persona::App,
            name.to_string(),
            session,
            Some(service),
            2000,
        );
    }
    add(
        rng,
        Persona::LegacyCi,
        "ci-legacy".into(),
        String::new(),
        None,
        500,
    );
    add(rng, Persona::Root, "root".into(), String::new(), None, 3);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::model::{DEFAULT_REGIONS, NEAR_MISS_REGIONS};

    #[test]
    fn accounts_are_stable_and_distinct() {
        let a = accounts(7, 9);
        let b = accounts(7, 9);
        assert_eq!(a.len(), 9);
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.id, y.id);
            assert_eq!(x.id.len(), 12);
            assert_eq!(x.principals[0].access_key, y.principals[0].access_key);
        }
        let mut ids: Vec<_> = a.iter().map(|x| x.id.clone()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 9);
        assert_ne!(accounts(8, 1)[0].id, a[0].id);
    }

    #[test]
    fn default_regions_exclude_the_rule_regions() {
        for region in crate::synth::record::SEED_RULE_REGIONS
            .iter()
            .chain(&NEAR_MISS_REGIONS)
        {
            assert!(!DEFAULT_REGIONS.contains(region));
        }
        for profile in &PROFILES {
            assert!(profile.homes.iter().all(|h| DEFAULT_REGIONS.contains(h)));
            assert_eq!(profile.homes.len(), profile.weights.len());
        }
    }
}
