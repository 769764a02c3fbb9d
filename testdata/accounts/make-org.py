#!/usr/bin/env python3
"""Writes org.ndjson: a small organization trail of four accounts whose normal regions differ
(30 days, 2026-10-01 .. 2026-10-30), for the per-account tests. Deterministic: run it again and
the file is byte-identical.

- 111111111111 (production): eu-west-1, and us-east-1; IAM (global) calls in us-east-1.
- 222222222222 (data team): us-east-2 and eu-central-1.
- 333333333333 (sandbox): us-west-2 only, until its key is used in eu-west-1 (leak-eu-west-1)
  and eu-central-1 (leak-eu-central-1) on the last days: regions the organization uses, but
  this account never did.
- 444444444444 (new): us-west-2 from 2026-10-26 only (too little history of its own).
- One event without a 12-digit recipientAccountId (unnamed-1), in eu-west-1.
"""
import datetime
import json

START = datetime.date(2026, 10, 1)
DAYS = 30


def event(n, day, hour, account, region, principal, source="ec2.amazonaws.com", name="DescribeInstances", ip="198.51.100.7"):
    kind, who = principal.split("/", 1)
    identity = {"type": "IAMUser", "principalId": f"AIDA{account}{who.upper()}"[:21],
                "arn": f"arn:aws:iam::{account}:user/{who}", "accountId": account, "userName": who}
    if kind == "role":
        identity = {"type": "AssumedRole", "principalId": f"AROA{account}:{who}-session",
                    "arn": f"arn:aws:sts::{account}:assumed-role/{who}/{who}-session", "accountId": account,
                    "sessionContext": {"sessionIssuer": {"type": "Role", "arn": f"arn:aws:iam::{account}:role/{who}",
                                                         "accountId": account, "userName": who}}}
    k = n if isinstance(n, int) else len(n)
    return {
        "eventVersion": "1.09",
        "eventTime": f"{day.isoformat()}T{hour:02d}:{(k * 7) % 60:02d}:{(k * 13) % 60:02d}Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": ip,
        "userAgent": "aws-cli/2.15",
        "eventID": n if isinstance(n, str) else f"org-{n:05d}",
        "eventType": "AwsApiCall",
        "readOnly": name.startswith(("Describe", "List", "Get")),
        "recipientAccountId": account,
        "userIdentity": identity,
    }


def main():
    events = []
    n = 0

    def add(*args, **kw):
        nonlocal n
        events.append(event(n, *args, **kw))
        n += 1

    for d in range(DAYS):
        day = START + datetime.timedelta(days=d)
        for h, p in [(8, "role/Deploy"), (10, "user/alice"), (14, "user/bob"), (16, "role/Deploy")]:
            add(day, h, "111111111111", "eu-west-1", p)
        add(day, 9, "111111111111", "us-east-1", "user/alice")
        add(day, 11, "111111111111", "us-east-1", "user/bob")
        add(day, 12, "111111111111", "us-east-1", "user/alice", source="iam.amazonaws.com", name="ListUsers")
        for h, p in [(7, "role/Etl"), (13, "user/dana"), (19, "role/Etl"), (20, "user/dana")]:
            add(day, h, "222222222222", "us-east-2", p)
        for h, p in [(6, "role/Etl"), (15, "user/dana")]:
            add(day, h, "222222222222", "eu-central-1", p)
        for h, p in [(9, "user/sam"), (12, "user/sue"), (17, "user/sam")]:
            add(day, h, "333333333333", "us-west-2", p)
        if d >= DAYS - 5:
            for h, p in [(10, "user/nia"), (11, "user/noe"), (18, "user/nia")]:
                add(day, h, "444444444444", "us-west-2", p)
    last = START + datetime.timedelta(days=DAYS - 1)
    events.append(event("leak-eu-central-1", last - datetime.timedelta(days=1), 3, "333333333333", "eu-central-1",
                        "user/sam", name="ListBuckets", source="s3.amazonaws.com", ip="175.16.199.37"))
    events.append(event("leak-eu-west-1", last, 2, "333333333333", "eu-west-1", "user/sam",
                        name="GetCallerIdentity", source="sts.amazonaws.com", ip="175.16.199.37"))
    odd = event("unnamed-1", last, 4, "111111111111", "eu-west-1", "user/alice")
    odd["recipientAccountId"] = "not-an-account"
    events.append(odd)
    events.sort(key=lambda e: (e["eventTime"], e["eventID"]))
    with open("org.ndjson", "w") as f:
        for e in events:
            f.write(json.dumps(e, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
