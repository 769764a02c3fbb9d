#!/usr/bin/env bash
# trailtune against the gunzip floor and DuckDB on the same CloudTrail files, two corpus shapes:
# the synth default (S3 layout, about 12 events a file: many small files) and the same events
# regrouped about 120 to a file (fewer, bigger delivery objects, as a busy account's are).
#
#   benches/compare.sh [SIZE_MB] [RUNS]      (defaults: 1000, 3; corpora under /tmp)
#
# Installs what is missing: libdeflate-gunzip (Debian's libdeflate-tools) and, in a throwaway
# venv under target/, DuckDB and the versions CI pins. Prints medians, ratios and a count check
# (benches/compare.py). Record the results, date and machine in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-1000}
RUNS=${2:-3}
SMALL=/tmp/trailtune-compare-$SIZE-small
BIG=/tmp/trailtune-compare-$SIZE-big
cargo build --release --quiet
BIN=$PWD/${CARGO_TARGET_DIR:-target}/release/trailtune
command -v libdeflate-gunzip >/dev/null || apt-get install -y libdeflate-tools >/dev/null
VENV=${CARGO_TARGET_DIR:-target}/bench-venv
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r testdata/athena/requirements.txt
fi
if [ ! -d "$SMALL/AWSLogs" ]; then
  "$BIN" synth --out "$SMALL" --size "$SIZE" --seed 42 --end 2025-11-27 >/dev/null
fi
if [ ! -d "$BIG/AWSLogs" ]; then
  # The same records, about 120 to a delivery object, one object a file, same folders.
  python3 - "$SMALL" "$BIG" <<'PY'
import gzip, json, os, sys
src, dst = sys.argv[1], sys.argv[2]
for root, dirs, names in os.walk(os.path.join(src, "AWSLogs")):
    dirs.sort()
    files = sorted(n for n in names if n.endswith(".json.gz"))
    if not files:
        continue
    out = root.replace(src, dst, 1)
    os.makedirs(out, exist_ok=True)
    batch, first = [], None
    def flush():
        if batch:
            with gzip.open(os.path.join(out, first), "wt") as f:
                f.write(json.dumps({"Records": batch}, separators=(",", ":")) + "\n")
    for n in files:
        records = json.loads(gzip.open(os.path.join(root, n)).read())["Records"]
        if first is None:
            first = n
        batch.extend(records)
        if len(batch) >= 120:
            flush(); batch, first = [], None
    flush()
PY
fi
RULES=$PWD/../shared/data/sigma/aws
[ -d "$RULES" ] || RULES=$PWD/testdata/shared/data/sigma/aws
"$VENV/bin/python" benches/compare.py "$BIN" "$PWD/src/data/aws_unusual_region.yml" "$RULES" "$RUNS" "$SMALL" "$BIG"
