//! The API catalogue: what each kind of principal calls.
//!
//! Consumes nothing; produces the [`Api`] type and one constant list per kind of caller (people,
//! pipelines, workloads, Terraform, the sweepers, the attacker, the near-miss explorer). A list
//! may repeat an API to make it more frequent. Must not hold parameters: the documents of a call
//! are `activity/params.yaml`'s.

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
