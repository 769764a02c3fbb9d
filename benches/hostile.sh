#!/usr/bin/env bash
# Hostile input: peak memory and wall time of each case of issue 10, release build.
#
#   benches/hostile.sh [WORK_DIR]      (default: /tmp/trailtune-hostile; about 1 GB of files)
#
# Generates each input once (python3), runs the command under /usr/bin/time and prints: the
# case, the exit status, wall seconds, peak RSS, and trailtune's first error (or skip) on stderr.
# The bound is 256 MB of RSS on every case, with time proportional to the input. Record the
# results and the machine in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
W=${1:-/tmp/trailtune-hostile}
mkdir -p "$W"
cargo build --release --quiet
BIN=$PWD/${CARGO_TARGET_DIR:-target}/release/trailtune
SEED=$PWD/src/data/aws_unusual_region.yml
LOGS=$PWD/testdata/input/AWSLogs
TF=$(mktemp)
trap 'rm -f "$TF"' EXIT

python3 - "$W" "$SEED" <<'PY'
import gzip, json, os, sys
w, seed = sys.argv[1], open(sys.argv[2]).read()
def event(k):
    return {"eventVersion": "1.08", "eventID": "ev-%07d" % k,
            "eventTime": "2025-03-%02dT%02d:%02d:%02dZ" % (1 + k // 86400 % 28, k // 3600 % 24, k // 60 % 60, k % 60),
            "eventName": "DescribeInstances", "eventSource": "ec2.amazonaws.com", "awsRegion": "ap-east-1",
            "sourceIPAddress": "203.0.113.7",
            "userAgent": "aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64 session-%d %s" % (k, "x" * 200),
            "recipientAccountId": "111122223333",
            "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/u%d" % (k % 50)},
            "requestParameters": {"instancesSet": {"items": [{"instanceId": "i-%017x" % k}]}, "filterSet": {}},
            "responseElements": None}
def make(name, fn):
    p = os.path.join(w, name)
    if not os.path.exists(p):
        fn(p + ".part"); os.rename(p + ".part", p)
def spaces(p):
    # gzip members: one record, then 4096 x one compressed MiB of spaces (4 GiB inflated).
    one = gzip.compress(b" " * (1 << 20), 9)
    with open(p, "wb") as f:
        f.write(gzip.compress(('{"Records":[' + json.dumps(event(1))).encode()))
        for _ in range(4096): f.write(one)
        f.write(gzip.compress(b"]}"))
def pretty(p):
    with open(p, "w") as f:
        f.write('{\n  "Records": [\n'); size = 0; k = 0
        while size < 300 << 20:
            r = ("" if k == 0 else ",\n") + "    " + json.dumps(event(k), indent=2).replace("\n", "\n    ")
            f.write(r); size += len(r); k += 1
        f.write("\n  ]\n}\n")
def hits(p):
    n = 400000
    with open(p, "w") as f:
        for i in range(n):
            f.write(json.dumps(event((i * 7919) % n), separators=(",", ":")) + "\n")
def policies(p):
    # 5,000 PutBucketPolicy-sized records: 85 KB of requestParameters each, all hits.
    with open(p, "w") as f:
        for k in range(5000):
            e = event(k); e["eventName"] = "PutBucketPolicy"
            e["requestParameters"] = {"bucketName": "bucket-%d" % k, "bucketPolicy": {"Version": "2012-10-17", "Statement": [
                {"Sid": "s%d" % i, "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%012d:root" % k},
                 "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::bucket-%d/*" % k} for i in range(400)]}}
            f.write(json.dumps(e, separators=(",", ":")) + "\n")
def rule(name, text):
    make(name, lambda p: open(p, "w").write(text))
def region_list(items):
    a, b = seed.index("    awsRegion:"), seed.index("  filter_expected_services:")
    return seed[:a] + "    awsRegion:" + items + seed[b:]
make("spaces.json.gz", spaces)
make("pretty.json", pretty)
make("hits.ndjson", hits)
make("policies.ndjson", policies)
vars_ = "".join("%%v%d%%" % i for i in range(10))
rule("expand.yml", seed.replace("    awsRegion:", "    userAgent|expand: '%s'\n    awsRegion:" % vars_, 1))
rule("alias.yml", region_list(" *regs\n").replace("detection:\n", "detection:\n  filter_other:\n    eventName: &regs\n" + "".join("      - 'r%d'\n" % i for i in range(60)), 1))
rule("brackets.yml", seed.replace("status: stable", "status: " + "[" * 100000))
rule("parens.yml", seed.replace("  condition: selection", "  condition: " + "(" * 15000 + "selection" + ")" * 15000 + " and selection", 1))
rule("nots.yml", seed.replace("  condition: selection", "  condition: " + "not " * 30000 + "selection and selection", 1))
rule("policy.yml", "title: Policy\nid: 0b6c1c2e-0000-4000-8000-000000000002\nlevel: low\n"
     "logsource: {product: aws, service: cloudtrail}\ndetection:\n  sel:\n    eventName: PutBucketPolicy\n"
     "  condition: sel\nfields:\n  - requestParameters\n")
rule("long.yml", region_list("".join("\n      - 'r%d'" % i for i in range(20000)) + "\n"))
PY

VARS=()
for i in $(seq 0 9); do VARS+=(--var "v$i=a,b,c,d,e,f,g,h,i,j"); done
run() {
  local name=$1; shift
  local status=0
  /usr/bin/time -f "%e %M" -o "$TF" "$@" > /dev/null 2> "$TF.err" || status=$?
  local t r
  t=$(tail -1 "$TF"); r=${t#* }
  printf '%-52s exit %s  %7s s  %5s MB  %s\n' "$name" "$status" "${t% *}" "$((r / 1024))" \
    "$( (grep -m1 'error' "$TF.err" || grep -m1 'skipped' "$TF.err" || head -1 "$TF.err") | cut -c1-110)"
  rm -f "$TF.err"
}
echo "case | exit | wall | peak RSS | first line on stderr"
run "profile: 4 MB gzip -> 4 GiB of spaces" "$BIN" profile --no-progress --format json --days 36500 "$W/spaces.json.gz"
run "profile: 300 MB pretty-printed file" "$BIN" profile --no-progress --format json --days 36500 "$W/pretty.json"
for f in ndjson table json csv; do
  run "detect: 400,000 hits, --format $f" "$BIN" detect --no-progress --format "$f" --rule "$SEED" "$W/hits.ndjson"
done
run "detect: 5,000 hits with 85 KB fields each" "$BIN" detect --no-progress --format ndjson --rule "$W/policy.yml" "$W/policies.ndjson"
run "detect: |expand, 10 placeholders x 10 values" "$BIN" detect --no-progress "${VARS[@]}" --rule "$W/expand.yml" "$LOGS"
run "tune: awsRegion an alias of a 60-item list" "$BIN" tune --no-progress --force --approve eu-west-1 --rule "$W/alias.yml" "$LOGS"
run "athena detect-sql: 100,000 nested [" "$BIN" athena detect-sql --table t --rule "$W/brackets.yml"
run "detect: 100,000 nested [" "$BIN" detect --no-progress --rule "$W/brackets.yml" "$LOGS"
run "tune: 100,000 nested [" "$BIN" tune --no-progress --force --approve eu-west-1 --rule "$W/brackets.yml" "$LOGS"
run "athena detect-sql: 15,000 nested parentheses" "$BIN" athena detect-sql --table t --rule "$W/parens.yml"
run "athena detect-sql: 30,000 nots" "$BIN" athena detect-sql --table t --rule "$W/nots.yml"
run "tune: a 20,000-item region list" "$BIN" tune --no-progress --force --approve eu-west-1 --rule "$W/long.yml" "$LOGS"
run "tune -o /dev/zero" "$BIN" tune --no-progress --force --approve eu-west-1 --rule "$SEED" -o /dev/zero "$LOGS"
run "allowlist --baseline /dev/zero" "$BIN" allowlist --baseline /dev/zero
run "allowlist --baseline-csv /dev/zero" "$BIN" allowlist --baseline-csv /dev/zero
