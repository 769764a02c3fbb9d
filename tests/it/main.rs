//! The one integration-test binary (polars links once). Each module says what goes in it.

/// `--per-account`: per-account allowlists and rules over a four-account organization, both
/// forms side by side, account pins, `profile --by` with two keys.
mod accounts;
/// `trailtune athena`: the SQL subcommands, and `--baseline-csv` giving the same allowlist as logs.
mod athena;
/// The Athena SQL run in DuckDB (ignored by default; `.ci/run` runs it): baseline rows equal
/// `profile --save`'s, detection eventIDs equal `detect`'s.
mod athena_sql;
/// Helpers shared by the test modules: paths to testdata and ../shared, the binary under test.
mod common;
/// `trailtune detect` end to end: formats, exit statuses, rule errors, the seed rule over real logs.
mod detect;
/// The README and user-guide examples (`console` blocks) run against the binary.
mod docs;
/// `--geoip`: each hit's caller located with MaxMind and IPinfo test databases; output unchanged without it.
mod geo;
/// `completions` and `man`: every command documented, scripts parsed by their shells.
mod manual;
/// Peak RSS of the binary on hostile input (a 300 MB pretty-printed file, 400,000 hits, a gzip
/// of whitespace), read with wait4(2); ignored by default, `.ci/run` runs them.
mod memory;
/// `--report FILE.html`: the review page, self-contained and escaped; rendered in Chromium (ignored by default, CI runs it).
mod page;
/// The pipeline on a synth corpus: tune, detect vs ground truth, run, demo, rebaseline.
mod pipeline;
/// `trailtune profile` end to end: bad input, windows, formats, real CloudTrail captures.
mod profile;
/// The tuned rule in every form converted by sigma-cli (pySigma) to Splunk and Lucene (ignored
/// by default; `.ci/run` runs it).
mod pysigma;
/// One test per bug found in review, named for the bug.
mod regression;
/// Lossless rule rewrite: byte-exact golden files, idempotence, errors.
mod rewrite;
/// `s3://` PATHs against a real S3-compatible server (moto on loopback, ignored by default;
/// `.ci/run` runs them): a bucket reads as its local copy, only the window's date folders are
/// listed, errors are problems or clear failures, never a clean run.
mod s3;
/// Sigma engine adapter: conformance table, engine defects, SigmaHQ rules over real CloudTrail, seed rule.
mod sigma;
/// Snapshots (insta) of every output contract: each report in each format, over a small synth corpus.
mod snapshots;
/// `trailtune synth`: the generated corpus re-read independently and checked against its ground
/// truth, the S3 layout, and determinism.
mod synth;
