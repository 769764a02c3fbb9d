//! trailtune: learn an organization's normal AWS regions from CloudTrail, tune the Sigma rule
//! "AWS API Calls from Unusual Geographic Region" from that baseline, and hunt with it.
//!
//! The pipeline, stage by stage (dependencies point down the data flow only):
//!
//! ```text
//!  logs ──► input ──► event ──► baseline ──► policy ──► rewrite ──► tuned rule
//!  (files,   (discover,  (typed     (fold per file,  (allowlist  (lossless     │
//!   gzip,     decode,     core       merge, polars    with a      edit of the   ▼
//!   stdin)    records)    fields)    profile, file)   reason)     rule text)  sigma ──► detect ──► report
//! ```
//!
//! | module | consumes | produces | must not |
//! |---|---|---|---|
//! | [`input`] | paths, stdin | sources, decoded records, skip reasons | know what an event means |
//! | [`event`] | a raw record | the typed view the stages read | allocate per field |
//! | [`baseline`] | events | partial counts, the polars profile, the baseline file | hold events |
//! | [`regions`] | (embedded catalogue) | partition, opt-in flag per region | guess |
//! | [`synth`] | a seed | a realistic corpus + ground truth | depend on the reader |
//! | [`athena`] | a table name, rule YAML | Athena SQL for the baseline and for detection | talk to AWS |
//! | [`sigma`] | rule YAML, JSON events | hits (adapter over rsigma) | know polars, clap, printing |
//! | [`rewrite`] | rule text, new list | rule text, changed only where intended | re-serialize YAML |
//! | [`report`] | results | tables, JSON, NDJSON, CSV on `impl Write` | decide anything |
//! | [`commands`] | CLI values | stage configs, exit status | print directly |

pub mod athena;
pub mod atomic;
pub mod baseline;
pub mod cli;
pub mod commands;
pub mod config;
pub mod detect;
pub mod drift;
pub mod event;
pub mod exit;
pub mod input;
pub mod pipeline;
pub mod policy;
pub mod regions;
pub mod report;
pub mod rewrite;
pub mod sigma;
pub mod synth;
pub mod tune;
pub mod window;
