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
//!   this compares the two: the same records (text, number, line), and problems on the same lines.
//!   On a damaged line the two may cut the junk into bad records differently (the streaming
//!   decoder cuts units at brackets as bytes arrive, the in-memory one parses the line), so the
//!   number and wording of bad-record reports on such a line may differ; the good records may not.
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

/// The lines (or, for a problem with no line, the kind) that have a problem.
fn problem_lines(out: &Decoded) -> std::collections::BTreeSet<String> {
    out.problems
        .iter()
        .map(|(kind, message)| match message.find("(line ") {
            Some(at) => message[at..].split(',').next().unwrap_or("").to_string(),
            None => kind.clone(),
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
    assert_eq!(plain.records, zipped.records, "gzip changes the records");
    assert_eq!(
        problem_lines(&plain),
        problem_lines(&zipped),
        "gzip changes where problems are: {plain:#?} {zipped:#?}"
    );
});
