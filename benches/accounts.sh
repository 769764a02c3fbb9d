#!/usr/bin/env bash
# Per-account decisions and rules at organization scale (docs/benchmarks.md, "Per account").
# Writes an organization of N accounts (default 2,000; each in one of five regions, two users,
# 20 days) as NDJSON, then times: the per-account allowlist, tune --per-account, and detect
# with the tuned rule. Needs a release build: cargo build --release.
set -euo pipefail
n=${1:-2000}
bin=${TRAILTUNE:-target/release/trailtune}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$n" "$dir/org.ndjson" <<'PY'
import datetime, json, sys
n, out = int(sys.argv[1]), sys.argv[2]
regions = ["eu-west-1", "us-east-2", "us-west-2", "eu-central-1", "ap-southeast-2"]
start = datetime.date(2026, 10, 1)
with open(out, "w") as f:
    k = 0
    for a in range(n):
        acct = f"{100000000000 + a:012d}"
        for d in range(20):
            day = start + datetime.timedelta(days=d)
            for user in ("u1", "u2"):
                k += 1
                f.write(json.dumps({
                    "eventTime": f"{day}T10:00:00Z", "eventSource": "ec2.amazonaws.com",
                    "eventName": "DescribeInstances", "awsRegion": regions[a % len(regions)],
                    "eventID": f"e{k}", "eventType": "AwsApiCall", "recipientAccountId": acct,
                    "userIdentity": {"type": "IAMUser", "arn": f"arn:aws:iam::{acct}:user/{user}"},
                }) + "\n")
PY
w=(--until 2026-10-20 --days 20)
# Times a command (its own stderr is dropped); passes on its exit status.
t() {
  local status=0
  /usr/bin/time -o "$dir/time" -f "%e s, %M KB peak" "$@" 2> /dev/null || status=$?
  grep -v "^Command exited" "$dir/time" >&2
  return $status
}
echo "== $n accounts, $(wc -l < "$dir/org.ndjson") events"
echo "-- allowlist (organization-wide)"; t "$bin" allowlist "${w[@]}" "$dir/org.ndjson" > /dev/null
echo "-- allowlist --per-account"; t "$bin" allowlist --per-account "${w[@]}" "$dir/org.ndjson" > /dev/null
echo "-- tune --per-account"; t "$bin" tune --per-account "${w[@]}" -o "$dir/pa.yml" "$dir/org.ndjson" || [ $? -eq 1 ]
echo "   rule: $(wc -c < "$dir/pa.yml") bytes, $(grep -c '^  filter_account_' "$dir/pa.yml") account filters"
echo "-- detect with it"; t "$bin" detect --no-progress --summary --rule "$dir/pa.yml" "$dir/org.ndjson" > /dev/null || [ $? -eq 1 ]
