#!/usr/bin/env python3
"""Side by side: trailtune against what users would run instead, on the same files.

Run by benches/compare.sh (which builds trailtune, installs the tools and makes the corpora);
see there. For each corpus it runs, alternating, RUNS times each:

  floor     libdeflate-gunzip -c over every file, 2 processes (xargs -P2): reading is at least this
  profile   trailtune profile (the region table)
  duck-reg  DuckDB: events per awsRegion (read_json_objects + json_extract_string over Records[*])
  detect    trailtune detect --rule <seed rule> --format ndjson
  duck-det  DuckDB: the seed rule's detection as SQL (same logic as `trailtune athena detect-sql`)
  all-rules trailtune detect with the 57 SigmaHQ AWS rules and the seed rule (when ../shared has them)

and prints the median wall time, peak RSS (GNU time), the ratios the performance issue sets
targets for, and a count check: profile's events per region equal DuckDB's, detect's eventIDs
equal DuckDB's. DuckDB's time is its query alone (measured inside its process), not Python's
start-up.

Usage: compare.py BIN SEED_RULE RULES_DIR RUNS CORPUS [CORPUS ...]
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

BIN, SEED, RULES, RUNS = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
CORPORA = sys.argv[5:]

UNUSUAL = ["ap-east-1", "af-south-1", "me-south-1", "eu-south-1"]

DUCK_PROFILE = """
SELECT r AS region, count(*) AS events FROM (
  SELECT unnest(json_extract_string(json, '$.Records[*].awsRegion')) AS r
  FROM read_json_objects({files}, format = 'newline_delimited', compression = 'gzip'))
GROUP BY r"""

DUCK_DETECT = """
SELECT json_extract_string(e, '$.eventID') AS id FROM (
  SELECT unnest(json_extract(json, '$.Records[*]')) AS e
  FROM read_json_objects({files}, format = 'newline_delimited', compression = 'gzip'))
WHERE json_extract_string(e, '$.eventSource') IS NOT NULL
  AND lower(json_extract_string(e, '$.awsRegion')) IN ({regions})
  AND NOT coalesce(lower(json_extract_string(e, '$.userIdentity.type')) = 'awsservice', false)
  AND NOT coalesce(lower(json_extract_string(e, '$.eventName'))
                   IN ('replicateobject', 'replicatedelete', 'replicatetags'), false)"""

DUCK_RUNNER = r"""
import json, sys, time, duckdb
sql, out = open(sys.argv[1]).read(), sys.argv[2]
con = duckdb.connect()
con.execute("SET threads TO 2")
t = time.perf_counter()
rows = con.execute(sql).fetchall()
took = time.perf_counter() - t
json.dump({"took": took, "rows": rows}, open(out, "w"))
"""


def timed(cmd, stdout=subprocess.DEVNULL):
    """(wall seconds, peak RSS in MB, exit code) of a command under GNU time."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        t = time.perf_counter()
        rc = subprocess.run(
            ["/usr/bin/time", "-f", "%M", "-o", tf.name] + cmd,
            stdout=stdout, stderr=subprocess.DEVNULL,
        ).returncode
        wall = time.perf_counter() - t
        rss = int(open(tf.name).read().strip().splitlines()[-1]) / 1024
    return wall, rss, rc


def duck(sql):
    """(query seconds, peak RSS MB, rows)."""
    with tempfile.NamedTemporaryFile("r", suffix=".json") as out, \
            tempfile.NamedTemporaryFile("w", suffix=".sql") as query:
        query.write(sql)
        query.flush()
        _, rss, rc = timed([sys.executable, "-c", DUCK_RUNNER, query.name, out.name])
        if rc != 0:
            sys.exit(f"duckdb failed on: {sql[:200]}")
        doc = json.load(open(out.name))
    return doc["took"], rss, doc["rows"]


def main():
    for corpus in CORPORA:
        logs = os.path.join(corpus, "AWSLogs")
        files = sorted(
            os.path.join(root, n)
            for root, _, names in os.walk(logs)
            for n in names
            if n.endswith(".json.gz") and "CloudTrail-Digest" not in root
        )
        listing = tempfile.NamedTemporaryFile("w", suffix=".list", delete=False)
        listing.write("\0".join(files))
        listing.close()
        gz_mb = sum(os.path.getsize(f) for f in files) / 1e6
        for f in files:  # warm the page cache
            open(f, "rb").read()
        # The S3 layout's log objects (digests live under CloudTrail-Digest/, not matched).
        file_list = f"'{logs}/*/CloudTrail/*/*/*/*/*.json.gz'"
        regions = ", ".join(f"'{r}'" for r in UNUSUAL)
        cases = {
            "floor": lambda: timed(["sh", "-c",
                f"xargs -0 -P2 -n 256 libdeflate-gunzip -c < {listing.name} > /dev/null"])[:2],
            "profile": lambda: timed([BIN, "profile", "--no-progress", logs])[:2],
            "duck-reg": lambda: duck(DUCK_PROFILE.format(files=file_list))[:2],
            "detect": lambda: timed([BIN, "detect", "--no-progress", "--format", "ndjson", "--rule", SEED, logs])[:2],
            "duck-det": lambda: duck(DUCK_DETECT.format(files=file_list, regions=regions))[:2],
        }
        if os.path.isdir(RULES):
            cases["all-rules"] = lambda: timed(
                [BIN, "detect", "--no-progress", "--format", "ndjson", "--rule", RULES, "--rule", SEED, logs])[:2]
        samples = {k: [] for k in cases}
        for _ in range(RUNS):
            for name, run in cases.items():
                samples[name].append(run())
        med = {k: (statistics.median(w for w, _ in v), statistics.median(r for _, r in v)) for k, v in samples.items()}
        print(f"\n{corpus}: {len(files)} files, {gz_mb:.1f} MB gzip; median of {RUNS} (wall s, peak RSS MB)")
        for name, (w, r) in med.items():
            print(f"  {name:10} {w:8.2f} s {r:8.0f} MB")
        ratio = lambda a, b: med[a][0] / med[b][0]
        print(f"  profile / floor      {ratio('profile', 'floor'):.2f}x   (target <= 1.3)")
        print(f"  profile / DuckDB     {ratio('profile', 'duck-reg'):.2f}x   (target <= 0.33)")
        print(f"  detect / DuckDB      {ratio('detect', 'duck-det'):.2f}x   (target <= 0.5)")
        if "all-rules" in med:
            print(f"  all rules / seed     {ratio('all-rules', 'detect'):.2f}x   (target <= 2)")

        # Counts: the same events per region, the same hits.
        prof = json.loads(subprocess.run([BIN, "profile", "--no-progress", "--format", "json", "--days", "36500", logs],
                                         capture_output=True, text=True).stdout)
        ours = {r["region"]: r["events"] for r in prof["rows"]}
        _, _, rows = duck(DUCK_PROFILE.format(files=file_list))
        theirs = {r: n for r, n in rows if r is not None}
        hits = subprocess.run([BIN, "detect", "--no-progress", "--format", "ndjson", "--rule", SEED, logs],
                              capture_output=True, text=True).stdout
        our_ids = sorted(json.loads(l)["eventID"] for l in hits.splitlines())
        _, _, rows = duck(DUCK_DETECT.format(files=file_list, regions=regions))
        their_ids = sorted(r[0] for r in rows)
        print(f"  check: events per region {'equal' if ours == theirs else 'DIFFER'} "
              f"({sum(ours.values())} events); hits {'equal' if our_ids == their_ids else 'DIFFER'} ({len(our_ids)})")
        os.unlink(listing.name)


main()
