//! trailtune: learn an organization's normal AWS regions from CloudTrail, tune the Sigma rule
//! "AWS API Calls from Unusual Geographic Region" from that baseline, and hunt with it.
//!
//! Data flows one way: the command line becomes validated configurations ([`config`]), a
//! command ([`commands`]) runs the stages in order, and only [`report`] writes output.
//!
//! ```text
//!  logs ──► input ──► event ──► baseline ──► policy ──► tune ──► rewrite ──► tuned rule
//!  (files,   (discover,  (typed     (learn: fold,   (allowlist  (plan, compare  (lossless     │
//!   gzip,     decode,     core       merge, polars   with a      with the        edit of the   ▼
//!   stdin)    records)    fields)    profile, file)  Reason)     target)         rule text)  sigma ──► detect ──► report
//! ```
//!
//! | module | consumes | produces | must not |
//! |---|---|---|---|
//! | [`config`] | clap values | validated stage configurations | read files |
//! | [`window`] | dates | the time window and its resolution | know logs |
//! | [`input`] | paths, stdin | sources, decoded records, skip reasons | know what an event means |
//! | [`event`] | a raw record | the typed view the stages read | allocate per field |
//! | [`baseline`] | events | partial counts, the polars profile, the baseline file, the state | hold events |
//! | [`regions`] | (embedded catalogue) | partition, opt-in flag per region | guess |
//! | [`policy`] | a baseline | the allowlist, each decision with a typed reason | print |
//! | [`tune`] | rule text, baseline, policy | the tuned rule, compared with its target | decide from anything but text |
//! | [`rewrite`] | rule text, a plan | rule text, changed only where intended | re-serialize YAML |
//! | [`yaml_shape`] | rule text | size, nesting depth and aliases, by one byte scan | parse YAML |
//! | [`sigma`] | rule YAML, JSON events | hits (adapter over rsigma), the parsed form of a rule | know polars, clap, printing |
//! | [`athena`] | a table name, a parsed rule | Athena SQL for the baseline and for detection | talk to AWS |
//! | [`detect`] | rules, sources | hits and statistics | keep events |
//! | [`new_country`] | aggregates split by the callers' country, a window | principals calling from a country they never called from before | read files |
//! | [`geo`] | `sourceIPAddress`, .mmdb files | the caller's country, city, network and kind of address | use the network |
//! | [`drift`] | two policies | what re-baselining changed | read files |
//! | [`pipeline`] | a run configuration | learn -> decide -> tune -> backtest, step by step | print |
//! | [`synth`] | a seed | a realistic corpus + ground truth | depend on the reader |
//! | [`report`] | results | tables, JSON, NDJSON, CSV on `impl Write` | decide anything |
//! | [`commands`] | CLI values | stage configs, exit status | print directly |

// The documentation is built with `--document-private-items` (it documents the stages, most of
// which are private to the crate), so links from the crate page to them resolve.
#![allow(rustdoc::private_intra_doc_links)]

pub(crate) mod athena;
pub(crate) mod atomic;
pub mod baseline;
pub mod cli;
pub mod commands;
pub(crate) mod config;
pub(crate) mod detect;
pub(crate) mod drift;
pub(crate) mod event;
pub mod exit;
pub(crate) mod geo;
pub(crate) mod input;
pub(crate) mod new_country;
pub(crate) mod pipeline;
pub(crate) mod policy;
pub mod regions;
pub(crate) mod report;
pub mod rewrite;
pub mod sigma;
pub mod synth;
pub(crate) mod text;
pub(crate) mod tune;
pub mod window;
pub(crate) mod yaml_shape;

/// Hooks for the fuzz targets in `tests/fuzz` (see `docs/fuzzing.md`); not part of the API.
#[doc(hidden)]
pub mod fuzzing {
    /// What the log decoder made of some bytes.
    #[derive(Debug, Default, PartialEq, Eq)]
    pub struct Decoded {
        /// Each record handed over: its JSON text, record number and line (if line-oriented).
        pub records: Vec<(String, usize, Option<usize>)>,
        /// The decoder's own count of records (handed over, or reported as bad records).
        pub counted: usize,
        /// Each problem: its kind (`Debug` name) and its message.
        pub problems: Vec<(String, String)>,
    }

    /// Decode `bytes` as a log file is decoded (gzip recognised by its magic bytes).
    pub fn decode(bytes: &[u8]) -> Decoded {
        let mut records = Vec::new();
        let outcome = crate::input::read_bytes(bytes, &mut |r| {
            records.push((r.json.get().to_string(), r.location.record, r.location.line));
        });
        Decoded {
            records,
            counted: outcome.records,
            problems: outcome
                .problems
                .iter()
                .map(|p| (format!("{:?}", p.kind), p.to_string()))
                .collect(),
        }
    }

    pub use crate::detect::pruning_agrees;

    /// The profile's view of one record handed over by the decoder, read both ways: by the fast
    /// reader of validated records and by serde (each as its `Debug` text, or the error).
    pub fn event_views(record: &str) -> (String, String) {
        let show = |event: Result<crate::event::Event<'_>, serde_json::Error>| match event {
            Ok(event) => format!("{event:?}"),
            Err(err) => format!("error: {err}"),
        };
        let raw: &serde_json::value::RawValue = match serde_json::from_str(record) {
            Ok(raw) => raw,
            Err(err) => return (format!("not JSON: {err}"), String::new()),
        };
        (
            show(crate::event::Event::from_record(raw)),
            show(crate::event::Event::parse(record)),
        )
    }
}
