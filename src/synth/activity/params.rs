//! `requestParameters` and `responseElements` of an API call.
//!
//! Consumes the API, the region and the time of a call; produces the two documents. Must not
//! change anything but the two documents and the task's draws.

use super::Day;
use crate::synth::model::Api;
use crate::synth::record::Doc;
use crate::synth::rng::Rng;

impl Day<'_> {
    fn bucket(&mut self) -> String {
        let purpose = *self
            .rng
            .pick(&["artifacts", "logs", "static-site", "data-lake", "backups"]);
        format!("{}-{purpose}-{}", self.account.name, &self.account.id[6..])
    }

    pub(super) fn params(&mut self, api: Api, region: &'static str, second: i64) -> (Doc, Doc) {
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
