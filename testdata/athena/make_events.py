#!/usr/bin/env python3
"""Write testdata/athena/events.ndjson: a deterministic CloudTrail sample for the Athena
equivalence test (tests/it/athena.rs). Ordinary traffic over 20 days in a few regions (so the
allowlist has FREQUENT, RARE and quarantined regions) plus one record per edge case of the event
view (origin precedence, principal normalization, empty strings, odd timestamps, CSV quoting).
Run it from the repository root; the output is committed."""

import json
import random

rng = random.Random(7)
out = []


def ev(day, hour, region, **kw):
    e = {
        "eventVersion": "1.09",
        "eventTime": f"2025-03-{day:02d}T{hour:02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z",
        "eventSource": kw.pop("source", "ec2.amazonaws.com"),
        "eventName": kw.pop("name", "DescribeInstances"),
        "awsRegion": region,
        "sourceIPAddress": kw.pop("ip", "203.0.113.7"),
        "userAgent": kw.pop("ua", "aws-cli/2.15"),
        "eventID": f"e{len(out):05d}",
        "eventType": kw.pop("etype", "AwsApiCall"),
        "recipientAccountId": kw.pop("account", "111122223333"),
    }
    e.update(kw)
    out.append(e)


def role(name, session, account="111122223333"):
    return {
        "type": "AssumedRole",
        "principalId": f"AROAEXAMPLE:{session}",
        "arn": f"arn:aws:sts::{account}:assumed-role/{name}/{session}",
        "accountId": account,
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "arn": f"arn:aws:iam::{account}:role/{name}",
                "userName": name,
            }
        },
    }


def user(name, account="111122223333"):
    return {"type": "IAMUser", "principalId": "AIDAEXAMPLE" + name.upper(),
            "arn": f"arn:aws:iam::{account}:user/{name}", "userName": name}


names = ["DescribeInstances", "RunInstances", "ListBuckets", "GetObject", "PutObject",
         "CreateTags", "BatchGetItem", "LookupEvents", "HeadObject", "TerminateInstances"]
# Ordinary use: eu-west-1 every day, us-east-1 most days, eu-central-1 only in the last 5 days
# (quarantined), ap-east-1 twice (rare).
for day in range(1, 21):
    for i in range(8):
        who = rng.choice([role("Deploy", f"ci-{i}"), user("alice"), user("bob"), role("Admin", "alice@example.com")])
        ev(day, rng.randrange(24), "eu-west-1", name=rng.choice(names), userIdentity=who,
           errorCode=rng.choice([None, None, None, "AccessDenied"]))
    if day % 4 != 0:
        for i in range(5):
            ev(day, 10, "us-east-1", name=rng.choice(names), userIdentity=user("carol"),
               account=rng.choice(["111122223333", "444455556666"]))
    if day > 15:
        for i in range(6):
            ev(day, 12, "eu-central-1", name=rng.choice(names), userIdentity=role("Data", f"s{i}"))
ev(3, 4, "ap-east-1", userIdentity=user("mallory"))
ev(9, 4, "ap-east-1", userIdentity=user("mallory"), name="GetCallerIdentity")
# A sweeper: read-only calls in many regions, one day each.
for r in ["us-east-2", "us-west-1", "us-west-2", "eu-west-2", "eu-west-3", "eu-north-1", "ap-south-1",
          "ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-2", "ca-central-1",
          "sa-east-1", "ap-northeast-3", "eu-central-1", "eu-west-1", "us-east-1"]:
    ev(12, 2, r, name="DescribeRegions", userIdentity=role("SecurityScanner", "scan"))

# Edge cases, one each (see src/event/mod.rs).
ev(5, 1, "eu-west-1", userIdentity={"type": "AWSService", "invokedBy": "lambda.amazonaws.com"},
   name="AssumeRole", source="sts.amazonaws.com")
ev(5, 1, "eu-west-1", userIdentity={"type": "AWSService"}, name="Decrypt", source="kms.amazonaws.com")
ev(5, 1, "us-west-2", etype="AwsServiceEvent", name="ConsoleLogin", userIdentity={"type": "Root", "arn": "arn:aws:iam::111122223333:root"})
ev(5, 1, "eu-west-1", userIdentity={"type": "AssumedRole",
   "arn": "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForConfig/cfg",
   "invokedBy": "config.amazonaws.com"})
ev(5, 1, "eu-west-1", userIdentity={"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/R/s/extra",
   "invokedBy": "s3.amazonaws.com"})
ev(5, 1, "eu-west-1", userIdentity=user("svc"), ip="s3.amazonaws.com")
ev(5, 1, "eu-west-1", userIdentity=user("svc"), ua="AWS Internal")
ev(5, 1, "eu-west-1", userIdentity=user("svc"), ua="AWS Internal", ip="replication.amazonaws.com")
ev(6, 1, "eu-west-1", userIdentity={"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/NoIssuer/sess"})
ev(6, 1, "eu-west-1", userIdentity={"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/NoSession"})
ev(6, 1, "eu-west-1", userIdentity={"type": "IAMUser", "arn": "", "principalId": "AIDA\"odd, one\""})
ev(6, 1, "eu-west-1", userIdentity={"type": "", "invokedBy": "cloudtrail.amazonaws.com"})
ev(6, 1, "eu-west-1")  # no userIdentity at all
ev(6, 1, "eu-west-1", userIdentity=user("x"), errorCode="")
ev(6, 1, "eu-west-1", userIdentity=user("x"), readOnly="TRUE", name="RunInstances")
ev(6, 1, "eu-west-1", userIdentity=user("x"), readOnly=True, name="RunInstances")
ev(6, 1, "eu-west-1", userIdentity=user("x"), readOnly="false", name="ListBuckets")
ev(6, 1, "eu-west-1", userIdentity=user("x"), readOnly="", name="BatchGetItem")
ev(6, 1, "eu-west-1", userIdentity=user("x"), name="")
ev(6, 1, "eu-west-1", userIdentity=user("x"), source="")
ev(6, 1, "eu-west-1", userIdentity=user("x"), account="")
ev(6, 1, "", userIdentity=user("x"))  # no region: skipped
ev(6, 1, "eu-west-1", userIdentity=user("x"), eventTime="redacted")  # skipped
ev(6, 1, "eu-west-1", userIdentity=user("x"), eventTime="2025-03-07T01:30:00+02:00")  # UTC day 6
ev(6, 1, "eu-west-1", userIdentity=user("x"), eventTime="2025-03-06T23:59:59.123456Z")
ev(6, 1, "eu-west-1", userIdentity=user("x"), eventTime="2025-03-06 08:00:00")
ev(6, 1, "eu-west-1", userIdentity=user("y"), errorCode="Client.UnauthorizedOperation")
# IAM Identity Center: a principalId per session, the person in userName (or onBehalfOf.userId).
for session in ("a1", "b2"):
    ev(6, 1, "eu-west-1", source="sso.amazonaws.com", name="ListAccounts",
       userIdentity={"type": "Unknown", "principalId": f"d-9067642ac7.{session}",
                     "accountId": "111122223333", "userName": "alice@example.com"})
ev(6, 1, "eu-west-1", source="sso.amazonaws.com", name="ListAccountRoles",
   userIdentity={"type": "IdentityCenterUser", "principalId": "d-9067642ac7.c3", "accountId": "111122223333",
                 "onBehalfOf": {"userId": "u-42", "identityStoreArn": "arn:aws:identitystore::111122223333:identitystore/d-9067642ac7"}})

with open("testdata/athena/events.ndjson", "w") as f:
    for e in out:
        f.write(json.dumps({k: v for k, v in e.items() if v is not None}, separators=(",", ":")) + "\n")
print(len(out), "events")
