//! The log decoder on arbitrary bytes, then on the same bytes gzip-compressed.
//!
//! Properties (any failure is a crash):
//! * it never panics or aborts (libFuzzer also catches timeouts and memory blow-ups);
//! * every record it counts is either handed over or reported: handed over + bad-record problems
//!   == its own count;
//! * every record handed over is one JSON object, numbered 1, 2, 3... in the order counted
//!   (a record number never repeats or goes down);
//! * the gzip-compressed bytes decode to exactly the same records and problems (unless the bytes
//!   themselves start with the gzip magic, which makes the plain bytes a gzip stream already).
//!   The plain bytes go through the streaming decoder and the gzip through the in-memory one, so
//!   this compares the two. One difference is allowed: the column a JSON error names, which the
//!   streaming decoder counts after squeezing long runs of whitespace.
#![no_main]

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use libfuzzer_sys::fuzz_target;
use trailtune::fuzzing::{Decoded, decode};

fn check(out: &Decoded) {
    let bad = out
        .problems
        .iter()
        .filter(|(k, _)| k == "BadRecord")
        .count();
    assert_eq!(
        out.records.len() + bad,
        out.counted,
        "records handed over + bad records != records counted: {out:#?}"
    );
    let mut last = 0;
    for (json, record, _) in &out.records {
        let value: serde_json::Value = serde_json::from_str(json)
            .unwrap_or_else(|e| panic!("record is not JSON ({e}): {json}"));
        assert!(value.is_object(), "record is not an object: {json}");
        assert!(*record > last, "record numbers out of order: {out:#?}");
        last = *record;
    }
}

/// `out` with every "column N" in its messages made "column _".
fn without_columns(mut out: Decoded) -> Decoded {
    for (_, message) in &mut out.problems {
        let mut text = String::with_capacity(message.len());
        let mut rest = message.as_str();
        while let Some(at) = rest.find("column ") {
            text.push_str(&rest[..at + 7]);
            rest = rest[at + 7..].trim_start_matches(|c: char| c.is_ascii_digit());
            text.push('_');
        }
        text.push_str(rest);
        *message = text;
    }
    out
}

fuzz_target!(|bytes: &[u8]| {
    let plain = decode(bytes);
    check(&plain);
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return;
    }
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(bytes).unwrap();
    let gz = gz.finish().unwrap();
    let zipped = decode(&gz);
    check(&zipped);
    assert_eq!(
        without_columns(plain),
        without_columns(zipped),
        "gzip changes what is decoded"
    );
});
