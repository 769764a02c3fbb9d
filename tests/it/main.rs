//! The one integration-test binary (polars links once). Each module says what goes in it.

/// Helpers shared by the test modules: paths to testdata and ../shared, the binary under test.
mod common;

/// Sigma engine adapter: conformance table, engine defects, SigmaHQ rules over real CloudTrail, seed rule.
mod sigma;
