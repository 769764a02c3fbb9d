#!/usr/bin/env bash
# Benchmark: `trailtune profile` against a plain `gzip -dc` of the same files, and `detect` with
# the seed rule, on a synthetic corpus of about SIZE_MB of uncompressed JSON.
#
#   benches/profile.sh [SIZE_MB] [CORPUS_DIR] [RUNS]      (defaults: 1000, /tmp/trailtune-bench-<SIZE>, 3)
#
# Builds the release binary, generates the corpus once (deterministic: --seed 42), warms the page
# cache, then times each command RUNS times (wall seconds and peak RSS via /usr/bin/time) and
# prints the median. Record results and the machine in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-1000}
DIR=${2:-/tmp/trailtune-bench-$SIZE}
RUNS=${3:-3}
cargo build --release --quiet
BIN=${CARGO_TARGET_DIR:-target}/release/trailtune
if [ ! -f "$DIR/ground-truth.json" ]; then
  /usr/bin/time -f "synth: %e s, %M KB max RSS" "$BIN" synth --out "$DIR" --size "$SIZE" --seed 42 --end 2025-11-27
fi
LIST=$(mktemp)
TF=$(mktemp)
trap 'rm -f "$LIST" "$TF"' EXIT
find "$DIR/AWSLogs" -type f -name '*.json.gz' -print0 | sort -z > "$LIST"
FILES=$(tr -cd '\0' < "$LIST" | wc -c)
GZ_MB=$(xargs -0 cat < "$LIST" | wc -c | awk '{printf "%.1f", $1/1e6}')
JSON_MB=$(python3 -c "import json,sys; print(round(json.load(open(sys.argv[1]))['bytes_uncompressed']/1e6,1))" "$DIR/ground-truth.json" 2>/dev/null || echo "?")
EVENTS=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['events'])" "$DIR/ground-truth.json" 2>/dev/null || echo "?")
echo "corpus: $DIR: $FILES files, $GZ_MB MB gzip, $JSON_MB MB JSON, $EVENTS events"
xargs -0 cat < "$LIST" > /dev/null   # warm the page cache

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
bench() {
  local name=$1; shift
  local times=() rss=()
  for _ in $(seq "$RUNS"); do
    local out
    /usr/bin/time -f "%e %M" -o "$TF" bash -c "$*" > /dev/null 2>&1 || true
    out=$(tail -1 "$TF")
    times+=("${out% *}"); rss+=("${out#* }")
  done
  local t r
  t=$(printf '%s\n' "${times[@]}" | median)
  r=$(printf '%s\n' "${rss[@]}" | median)
  printf '%-44s %8s s  %8.1f MB/s  %7s MB RSS\n' "$name" "$t" "$(awk -v m="$JSON_MB" -v t="$t" 'BEGIN{ if (m=="?"||t==0) print 0; else print m/t }')" "$((r / 1024))"
}
echo "median of $RUNS runs (wall; MB/s of uncompressed JSON; peak RSS):"
bench "gzip -dc (1 process)" "xargs -0 cat < '$LIST' | gzip -dc"
bench "gzip -dc (2 processes)" "xargs -0 -P2 -n 256 sh -c 'cat \"\$@\" | gzip -dc' _ < '$LIST'"
bench "trailtune profile (region table)" "'$BIN' profile --no-progress '$DIR/AWSLogs'"
bench "trailtune profile --save baseline" "'$BIN' profile --no-progress --save /tmp/trailtune-bench-baseline.json '$DIR/AWSLogs'"
bench "trailtune detect (seed rule)" "'$BIN' detect --no-progress --format ndjson --rule src/data/aws_unusual_region.yml '$DIR/AWSLogs'"
