//! The one integration-test binary (polars links once). Each module says what goes in it.

/// Helpers shared by the test modules: paths to testdata and ../shared, the binary under test.
mod common;

/// `trailtune synth`: the generated corpus re-read independently and checked against its ground
/// truth, the S3 layout, and determinism.
mod synth;
