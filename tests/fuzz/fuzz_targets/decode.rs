//! The log decoder on arbitrary bytes, then on the same bytes gzip-compressed.
//!
//! Properties (any failure is a crash):
//! * it never panics or aborts (libFuzzer also catches timeouts and memory blow-ups);
//! * every record it counts is either handed over or reported: handed over + bad-record problems
//!   == its own count;
//! * every record handed over is one JSON object, numbered 1, 2, 3... in the order counted
//!   (a record number never repeats or goes down);
//! * the profile reads each record handed over as serde does (`event::Event::from_record`, the
//!   fast reader of validated records, against `Event::parse`);
//! * `detect`'s pruning of a record to the fields its rules read (nested paths, arrays crossed)
//!   keeps the value at each of those fields, and fails exactly when serde's does;
//! * the gzip-compressed bytes decode to exactly the same records and problems (unless the bytes
//!   themselves start with the gzip magic, which makes the plain bytes a gzip stream already).
//!   The plain bytes go through the streaming decoder and the gzip through the in-memory one, so
//!   this compares the two: a file one of them reads without a problem, the other reads without a
//!   problem too, and to the same records (as JSON values: the streaming decoder squeezes long
//!   runs of whitespace), numbered alike. On damaged input each reports the damage, but they may
//!   salvage and count junk differently (docs/fuzzing.md).
#![no_main]

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use libfuzzer_sys::fuzz_target;
use trailtune::fuzzing::{Decoded, decode, event_views, pruning_agrees};

/// Field names `detect` prunes records to in the pruning check: top-level, nested, through arrays.
const PRUNED: &[&str] = &[
    "eventName",
    "userIdentity.type",
    "userIdentity.sessionContext.sessionIssuer.arn",
    "resources.ARN",
    "requestParameters",
    "a.b",
];

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
        // JSON, an object (a number past f64's range is valid JSON that a `Value` cannot hold).
        let raw: &serde_json::value::RawValue = serde_json::from_str(json)
            .unwrap_or_else(|e| panic!("record is not JSON ({e}): {json}"));
        assert!(
            raw.get().starts_with('{'),
            "record is not an object: {json}"
        );
        assert!(*record > last, "record numbers out of order: {out:#?}");
        let (fast, serde) = event_views(json);
        assert_eq!(fast, serde, "the fast reader and serde differ on {json}");
        if let Err(why) = pruning_agrees(json, PRUNED) {
            panic!("pruning changes {json}: {why}");
        }
        last = *record;
    }
}

/// The records as JSON values (their text when a `Value` cannot hold them), with their numbers
/// and lines.
fn values(out: &Decoded) -> Vec<(Result<serde_json::Value, String>, usize, Option<usize>)> {
    out.records
        .iter()
        .map(|(json, record, line)| {
            let value = serde_json::from_str(json).map_err(|_| json.clone());
            (value, *record, *line)
        })
        .collect()
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
        plain.problems.is_empty(),
        zipped.problems.is_empty(),
        "clean one way, damaged the other: {plain:#?} {zipped:#?}"
    );
    if plain.problems.is_empty() {
        assert_eq!(values(&plain), values(&zipped), "gzip changes the records");
    }
});
