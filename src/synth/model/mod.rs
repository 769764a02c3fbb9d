//! The simulated organization: regions, accounts, principals, the APIs each kind of principal
//! calls, user agents and source addresses.
//!
//! Consumes the corpus seed and the number of accounts; produces fixed [`Account`]s (ids, home
//! regions, principals with stable unique ids and access keys). Everything here is static or
//! derived once per corpus; nothing depends on the day, so a principal looks the same on every
//! day of the window. Must not draw per-event randomness (that is `activity`'s job).
//!
//! This file holds the regions, the addresses and the user agents; `org.rs` the accounts and
//! their cast; `apis.rs` the APIs each kind of principal calls.

mod apis;
mod org;

pub use apis::{
    APP_APIS, ATTACKER_APIS, ATTACKER_GLOBAL_APIS, Api, CI_APIS, CONFIG_APIS, EXPLORER_APIS,
    HUMAN_APIS, SCANNER_APIS, SCANNER_GLOBAL_APIS, TERRAFORM_APIS,
};
pub use org::{Account, MAX_ACCOUNTS, Persona, Principal, accounts};

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

/// Attacker infrastructure, also in the test database: Changchun (CN), Bhutan, the Philippines.
pub const ATTACKER_IPS: [&str; 4] = [
    "175.16.199.37",
    "175.16.199.211",
    "67.43.156.14",
    "202.196.224.77",
];

/// Where the seed rule's sweepers come from: the security tooling account's scanner host.
pub const SCANNER_IP: &str = "198.51.100.23";

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
