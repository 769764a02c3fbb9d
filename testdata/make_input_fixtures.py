#!/usr/bin/env python3
"""Writes the bad-input fixtures under testdata/input/ (run from testdata/input/). Deterministic.

Expected counts are asserted in tests/it/input.rs; keep the two in step.
"""
import gzip, hashlib, json, os

ACCT = "111122223333"

def ev(i, region="eu-west-1", time="2025-03-01T10:00:00Z", **extra):
    e = {
        "eventVersion": "1.09",
        "userIdentity": {"type": "IAMUser", "arn": f"arn:aws:iam::{ACCT}:user/alice",
                         "accountId": ACCT, "principalId": "AIDAEXAMPLE"},
        "eventTime": time, "eventSource": "ec2.amazonaws.com", "eventName": "DescribeInstances",
        "awsRegion": region, "sourceIPAddress": "198.51.100.7", "userAgent": "aws-cli/2.15",
        "requestParameters": None, "responseElements": None,
        "eventID": f"fixture-{i:04d}", "readOnly": True, "eventType": "AwsApiCall",
        "recipientAccountId": ACCT,
    }
    for k, v in extra.items():
        if v is None:
            e.pop(k, None)
        else:
            e[k] = v
    return e

def s3(region, day, name):
    y, m, d = day.split("-")
    folder = f"AWSLogs/{ACCT}/CloudTrail/{region}/{y}/{m}/{d}"
    os.makedirs(folder, exist_ok=True)
    return f"{folder}/{ACCT}_CloudTrail_{region}_{y}{m}{d}T1005Z_{name}"

def gz(data):
    return gzip.compress(data, mtime=0)

# 1. good gzip, Records wrapper, 3 events (2025-03-01)
with open(s3("eu-west-1", "2025-03-01", "good.json.gz"), "wb") as f:
    f.write(gz(json.dumps({"Records": [ev(1), ev(2), ev(3)]}, separators=(",", ":")).encode()))
# 2. plain .json, 2 records: one good, one without awsRegion (2025-03-02)
with open(s3("eu-west-1", "2025-03-02", "plain.json"), "w") as f:
    f.write(json.dumps({"Records": [ev(4, time="2025-03-02T01:00:00Z"), ev(5, time="2025-03-02T02:00:00Z", awsRegion=None)]}))
# 3. a digest file in its own folder: skipped unopened
dg = f"AWSLogs/{ACCT}/CloudTrail-Digest/eu-west-1/2025/03/02"
os.makedirs(dg, exist_ok=True)
with open(f"{dg}/{ACCT}_CloudTrail-Digest_eu-west-1_x.json.gz", "wb") as f:
    f.write(gz(b'{"digestStartTime":"2025-03-02T00:00:00Z","logFiles":[]}'))
# 4. an old file (2024-01-01) that a --since 2025-01-01 window prunes unopened
with open(s3("eu-west-1", "2024-01-01", "old.json.gz"), "wb") as f:
    f.write(gz(json.dumps({"Records": [ev(6, time="2024-01-01T10:00:00Z")]}).encode()))
# 5. truncated gzip: 40 events written, the stream cut in half
records = [ev(100 + i, time="2025-03-03T0%d:00:00Z" % (i % 10), requestParameters={"pad": hashlib.sha256(str(i).encode()).hexdigest() * 3}) for i in range(40)]
blob = gz(json.dumps({"Records": records}, separators=(",", ":")).encode())
with open("damaged/truncated.json.gz" if os.path.isdir("damaged") else (os.makedirs("damaged") or "damaged/truncated.json.gz"), "wb") as f:
    f.write(blob[: len(blob) // 2])
# 6. corrupt gzip: magic bytes then garbage
with open("damaged/corrupt.json.gz", "wb") as f:
    f.write(b"\x1f\x8b\x08\x00garbage that is not deflate")
# 7. invalid JSON: second record broken, first kept
with open("damaged/invalid.json", "w") as f:
    f.write('{"Records":[' + json.dumps(ev(200, time="2025-03-03T12:00:00Z")) + ',{"eventID": oops}]}')
# 8. NDJSON: 3 good lines, 1 bad line, 1 event with eventTime "redacted", 1 with only @timestamp
with open("damaged/events.ndjson", "w") as f:
    f.write(json.dumps(ev(300, time="2025-03-04T00:00:00Z")) + "\n")
    f.write(json.dumps(ev(301, time="2025-03-04 00:00:01")) + "\n")
    f.write("{not json}\n")
    f.write(json.dumps(ev(302, time="redacted")) + "\n")
    at = ev(303, eventTime=None)
    at["@timestamp"] = "2025-03-04T05:00:00.000Z"
    f.write(json.dumps(at) + "\n")
    f.write(json.dumps(ev(304, time="2025-03-04T23:59:59.999999Z", awsRegion="ap-east-1")) + "\n")
# 9. bare array, pretty-printed, 2 events, one of them a number instead of an object
with open("damaged/array.json", "w") as f:
    f.write(json.dumps([ev(400, time="2025-03-05T00:00:00Z"), 42], indent=2))
# 10. not a log at all
with open("damaged/notes.txt", "w") as f:
    f.write("these are notes, not logs\n")
