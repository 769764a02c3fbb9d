//! The simulated organization: regions, accounts, principals, the APIs each kind of principal
//! calls, user agents and source addresses.
//!
//! Consumes the corpus seed and the number of accounts; produces fixed [`Account`]s (ids, home
//! regions, principals with stable unique ids and access keys). Everything here is static or
//! derived once per corpus; nothing depends on the day, so a principal looks the same on every
//! day of the window. Must not draw per-event randomness (that is `activity`'s job).

use super::rng::{Rng, derive};

/// The 17 `aws`-partition regions enabled by default (`opt_in: false` in
/// `shared/data/aws-regions.json`, botocore 1.44.8): where the daily sweepers go.
pub const DEFAULT_REGIONS: [&str; 17] = [
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// Opt-in regions that are unusual for the organization but absent from the seed rule's list.
pub const NEAR_MISS_REGIONS: [&str; 3] = ["eu-south-2", "me-central-1", "ap-east-2"];

/// Where CloudTrail records the partition-global services (iam, sts global endpoint, signin,
/// cloudfront, route53, organizations).
pub const GLOBAL_REGION: &str = "us-east-1";

/// True for the event sources recorded in [`GLOBAL_REGION`] whatever region the caller uses.
pub fn is_global(source: &str) -> bool {
    matches!(
        source,
        "iam.amazonaws.com"
            | "signin.amazonaws.com"
            | "cloudfront.amazonaws.com"
            | "route53.amazonaws.com"
            | "organizations.amazonaws.com"
    )
}

/// One API: event source, event name, read-only flag.
#[derive(Debug, Clone, Copy)]
pub struct Api {
    pub source: &'static str,
    pub name: &'static str,
    pub read_only: bool,
}

const fn r(source: &'static str, name: &'static str) -> Api {
    Api {
        source,
        name,
        read_only: true,
    }
}
const fn w(source: &'static str, name: &'static str) -> Api {
    Api {
        source,
        name,
        read_only: false,
    }
}

const EC2: &str = "ec2.amazonaws.com";
const S3: &str = "s3.amazonaws.com";
const IAM: &str = "iam.amazonaws.com";
const STS: &str = "sts.amazonaws.com";
const KMS: &str = "kms.amazonaws.com";
const SSM: &str = "ssm.amazonaws.com";
const SM: &str = "secretsmanager.amazonaws.com";
const CFN: &str = "cloudformation.amazonaws.com";
const LAMBDA: &str = "lambda.amazonaws.com";
const LOGS: &str = "logs.amazonaws.com";
const RDS: &str = "rds.amazonaws.com";
const ECR: &str = "ecr.amazonaws.com";
const ECS: &str = "ecs.amazonaws.com";
const ELB: &str = "elasticloadbalancing.amazonaws.com";
const CW: &str = "monitoring.amazonaws.com";
const R53: &str = "route53.amazonaws.com";
const CF: &str = "cloudfront.amazonaws.com";
const ORG: &str = "organizations.amazonaws.com";
const CT: &str = "cloudtrail.amazonaws.com";
const CONFIG: &str = "config.amazonaws.com";
const GD: &str = "guardduty.amazonaws.com";
const DDB: &str = "dynamodb.amazonaws.com";

/// People at work (CLI and console): mostly reads, some changes, a little IAM / DNS / CDN.
pub const HUMAN_APIS: &[Api] = &[
    r(EC2, "DescribeInstances"),
    r(EC2, "DescribeInstances"),
    r(EC2, "DescribeSecurityGroups"),
    r(EC2, "DescribeVpcs"),
    r(EC2, "DescribeSubnets"),
    r(EC2, "DescribeVolumes"),
    w(EC2, "StartInstances"),
    w(EC2, "StopInstances"),
    w(EC2, "CreateTags"),
    w(EC2, "AuthorizeSecurityGroupIngress"),
    r(S3, "ListBuckets"),
    r(S3, "GetBucketPolicy"),
    r(S3, "GetBucketLocation"),
    r(S3, "GetBucketVersioning"),
    w(S3, "PutBucketTagging"),
    r(IAM, "ListRoles"),
    r(IAM, "GetRole"),
    r(IAM, "ListAttachedRolePolicies"),
    r(IAM, "GetPolicyVersion"),
    r(IAM, "ListUsers"),
    w(IAM, "AttachRolePolicy"),
    r(STS, "GetCallerIdentity"),
    r(CFN, "DescribeStacks"),
    r(CFN, "ListStacks"),
    r(CFN, "DescribeStackEvents"),
    r(LAMBDA, "ListFunctions20150331"),
    r(LAMBDA, "GetFunction20150331v2"),
    r(LOGS, "DescribeLogGroups"),
    r(LOGS, "FilterLogEvents"),
    r(LOGS, "FilterLogEvents"),
    r(RDS, "DescribeDBInstances"),
    r(CW, "DescribeAlarms"),
    r(CW, "GetMetricData"),
    r(SSM, "DescribeParameters"),
    r(SSM, "GetParameter"),
    w(SSM, "PutParameter"),
    r(KMS, "ListKeys"),
    r(KMS, "DescribeKey"),
    r(SM, "ListSecrets"),
    r(SM, "DescribeSecret"),
    r(ECS, "ListClusters"),
    r(ECS, "DescribeServices"),
    r(ECR, "DescribeRepositories"),
    r(R53, "ListHostedZones"),
    r(R53, "ListResourceRecordSets"),
    w(R53, "ChangeResourceRecordSets"),
    r(CF, "ListDistributions"),
    w(CF, "CreateInvalidation"),
    r(ORG, "DescribeOrganization"),
    r(ORG, "ListAccounts"),
];

/// A deploy pipeline: CloudFormation, container images, services, a cache invalidation.
pub const CI_APIS: &[Api] = &[
    r(STS, "GetCallerIdentity"),
    r(CFN, "DescribeStacks"),
    r(CFN, "DescribeStacks"),
    w(CFN, "CreateChangeSet"),
    r(CFN, "DescribeChangeSet"),
    w(CFN, "ExecuteChangeSet"),
    r(CFN, "DescribeStackEvents"),
    r(CFN, "DescribeStackEvents"),
    r(CFN, "GetTemplate"),
    r(ECR, "GetAuthorizationToken"),
    r(ECR, "BatchCheckLayerAvailability"),
    w(ECR, "InitiateLayerUpload"),
    w(ECR, "CompleteLayerUpload"),
    w(ECR, "PutImage"),
    w(ECS, "RegisterTaskDefinition"),
    w(ECS, "UpdateService"),
    r(ECS, "DescribeServices"),
    w(LAMBDA, "UpdateFunctionCode20150331v2"),
    r(LAMBDA, "GetFunction20150331v2"),
    r(SSM, "GetParameters"),
    r(IAM, "GetRole"),
    r(ELB, "DescribeTargetGroups"),
    r(ELB, "DescribeTargetHealth"),
    r(S3, "GetBucketLocation"),
    w(CF, "CreateInvalidation"),
];

/// Running applications: secrets, keys, parameters, logs.
pub const APP_APIS: &[Api] = &[
    r(KMS, "Decrypt"),
    r(KMS, "Decrypt"),
    r(KMS, "Decrypt"),
    r(KMS, "GenerateDataKey"),
    r(KMS, "GenerateDataKey"),
    r(SM, "GetSecretValue"),
    r(SM, "GetSecretValue"),
    r(SSM, "GetParameter"),
    r(SSM, "GetParametersByPath"),
    w(LOGS, "CreateLogStream"),
    r(DDB, "DescribeTable"),
    r(EC2, "DescribeTags"),
    r(ECR, "GetAuthorizationToken"),
    w(STS, "AssumeRole"),
];

/// The legacy CI user's Terraform runs.
pub const TERRAFORM_APIS: &[Api] = &[
    r(STS, "GetCallerIdentity"),
    r(EC2, "DescribeInstances"),
    r(EC2, "DescribeVpcs"),
    r(EC2, "DescribeSecurityGroups"),
    r(EC2, "DescribeSubnets"),
    r(EC2, "DescribeImages"),
    r(IAM, "GetRole"),
    r(IAM, "GetPolicy"),
    r(S3, "GetBucketPolicy"),
    r(S3, "GetBucketVersioning"),
    r(RDS, "DescribeDBInstances"),
    r(KMS, "DescribeKey"),
    w(EC2, "CreateTags"),
];

/// The security scanner's sweep in every region (read-only).
pub const SCANNER_APIS: &[Api] = &[
    r(EC2, "DescribeInstances"),
    r(EC2, "DescribeSecurityGroups"),
    r(EC2, "DescribeVpcs"),
    r(EC2, "DescribeSnapshots"),
    r(EC2, "DescribeVolumes"),
    r(EC2, "DescribeFlowLogs"),
    r(LAMBDA, "ListFunctions20150331"),
    r(RDS, "DescribeDBInstances"),
    r(KMS, "ListKeys"),
    r(CT, "DescribeTrails"),
    r(CT, "GetTrailStatus"),
    r(CONFIG, "DescribeConfigurationRecorders"),
    r(GD, "ListDetectors"),
    r(SM, "ListSecrets"),
];

/// The scanner's global calls (recorded in us-east-1).
pub const SCANNER_GLOBAL_APIS: &[Api] = &[
    r(IAM, "GetAccountPasswordPolicy"),
    r(IAM, "GetAccountSummary"),
    r(IAM, "ListUsers"),
    r(IAM, "ListRoles"),
    r(IAM, "GenerateCredentialReport"),
    r(S3, "ListBuckets"),
];

/// AWS Config's configuration-item collection in every region (read-only).
pub const CONFIG_APIS: &[Api] = &[
    r(EC2, "DescribeInstances"),
    r(EC2, "DescribeSecurityGroups"),
    r(EC2, "DescribeNetworkInterfaces"),
    r(EC2, "DescribeVpcs"),
    r(EC2, "DescribeSubnets"),
    r(EC2, "DescribeRouteTables"),
    r(EC2, "DescribeInternetGateways"),
    r(EC2, "DescribeNetworkAcls"),
    r(LAMBDA, "ListFunctions20150331"),
    r(RDS, "DescribeDBInstances"),
    r(ELB, "DescribeLoadBalancers"),
    r(KMS, "ListKeys"),
];

/// What an attacker with a stolen key tries in an unfamiliar region.
pub const ATTACKER_APIS: &[Api] = &[
    r(STS, "GetCallerIdentity"),
    r(S3, "ListBuckets"),
    r(EC2, "DescribeInstances"),
    r(EC2, "DescribeRegions"),
    r(EC2, "DescribeSecurityGroups"),
    w(EC2, "CreateKeyPair"),
    w(EC2, "RunInstances"),
    r(LAMBDA, "ListFunctions20150331"),
    r(SM, "ListSecrets"),
    r(SSM, "DescribeParameters"),
];

/// The attacker's IAM calls (global, so recorded in us-east-1: outside the seed rule's view).
pub const ATTACKER_GLOBAL_APIS: &[Api] = &[
    r(IAM, "ListUsers"),
    w(IAM, "CreateUser"),
    w(IAM, "CreateAccessKey"),
    w(IAM, "AttachUserPolicy"),
];

/// What a developer tries when looking at a new region (the near-miss decoys).
pub const EXPLORER_APIS: &[Api] = &[
    r(EC2, "DescribeInstances"),
    r(EC2, "DescribeAvailabilityZones"),
    r(EC2, "DescribeInstanceTypeOfferings"),
    r(EC2, "DescribeVpcs"),
    r(LAMBDA, "ListFunctions20150331"),
];

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

/// Attacker infrastructure, also in the test database: Changchun (CN), Bhutan, the Philippines.
pub const ATTACKER_IPS: [&str; 4] = [
    "175.16.199.37",
    "175.16.199.211",
    "67.43.156.14",
    "202.196.224.77",
];

/// Where the seed rule's sweepers come from: the security tooling account's scanner host.
pub const SCANNER_IP: &str = "198.51.100.23";

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

/// User agents.
pub mod agents {
    pub const CLI_MAC: &str = "aws-cli/2.15.30 Python/3.11.8 Darwin/23.3.0 exe/x86_64 prompt/off";
    pub const CLI_LINUX: &str =
        "aws-cli/2.17.12 Python/3.11.9 Linux/6.5.0-1022-azure exe/x86_64.ubuntu.22 prompt/off";
    pub const BROWSER: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
    pub const BROWSER_WIN: &str =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0";
    pub const CONSOLE: &str = "AWS Internal";
    pub const TERRAFORM: &str = "APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.44.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64";
    pub const JAVA: &str = "aws-sdk-java/2.25.21 Linux/5.10.213-201.855.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.10+8-LTS Java/17.0.10 vendor/Amazon.com_Inc. exec-env/AWS_ECS_FARGATE io/sync http/Apache cfg/retry-mode/legacy";
    pub const BOTO3_LAMBDA: &str = "Boto3/1.34.84 md/Botocore#1.34.84 ua/2.0 os/linux#5.10.214-202.855.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.34.84";
    pub const JS: &str = "aws-sdk-js/3.552.0 ua/2.0 os/linux#5.10.214-202.855.amzn2.x86_64 lang/js md/nodejs#20.12.1 exec-env/AWS_ECS_EC2";
    pub const SCANNER: &str = "Boto3/1.34.84 md/Botocore#1.34.84 ua/2.0 os/linux#6.1.0-18-cloud-amd64 md/arch#x86_64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard Botocore/1.34.84 auditscan/3.2.0";
    pub const ATTACKER_CLI: &str =
        "aws-cli/2.13.25 Python/3.11.5 Linux/5.15.0-88-generic exe/x86_64.ubuntu.22 prompt/off";
    pub const ATTACKER_BOTO: &str = "Boto3/1.28.62 md/Botocore#1.28.62 ua/2.0 os/linux#6.5.0-kali3-amd64 md/arch#x86_64 lang/python#3.11.6 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.28.62";
}

#[cfg(test)]
mod tests {
    use super::*;

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
