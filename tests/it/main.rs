//! The one integration-test binary (polars links once). Each module says what goes in it.

/// `trailtune athena`: the SQL subcommands, and `--baseline-csv` giving the same allowlist as logs.
mod athena;
/// Helpers shared by the test modules: paths to testdata and ../shared, the binary under test.
mod common;
/// `trailtune profile` end to end: bad input, windows, formats, real CloudTrail captures.
mod profile;
