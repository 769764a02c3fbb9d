//! Stage 7: run compiled rules over an event stream. Consumes a [`RuleSet`] and sources;
//! produces [`Hits`] (the [`Detection`]s, with the rule's `fields:` resolved) and run
//! statistics. Files are read in parallel (rayon) with the same input code as `profile`; each
//! event is parsed, evaluated and dropped. Hits go to an external sort ([`sorted`]), so memory
//! stays within a budget however many there are. Output order is deterministic: by event time,
//! then eventID, then rule; a duplicate delivery of an event is one hit.

pub mod sorted;
mod tally;

use serde_json::Value;
use serde_json::value::RawValue;

use crate::event::parse_event_time;
use crate::input::{self, Ignored, Location, Problem, ProblemKind, Source};
use crate::input::{ProblemLog, Progress};
use crate::sigma::{self, RuleSet};
use crate::window::Window;
pub use sorted::{DEFAULT_SORT_BUFFER, Entry, Hits, Shared};
pub use tally::Tally;

/// One hit: which rule matched which event, and what the rule asked to see.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// Index into `RuleSet::rules()`.
    pub rule: usize,
    pub event_id: String,
    pub event_time: String,
    pub aws_region: String,
    /// `recipientAccountId`.
    pub account: String,
    /// The caller as the policy and the profile name it ([`crate::event::Event::principal`]).
    pub principal: String,
    /// `sourceIPAddress` (an address, or the name of the AWS service that made the call).
    pub source_ip: String,
    /// `(field, value)` for each entry of the rule's `fields:` (null when absent).
    pub fields: Vec<(String, Value)>,
    /// Which of the run's sources it was read from (their index): of two deliveries of one
    /// event, the first read in source order is kept.
    pub source: usize,
    pub location: Location,
    /// Where the caller is, when GeoIP databases were given (set once the hits are in order).
    pub caller: Option<crate::geo::Caller>,
}

/// Counts of a detection run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DetectStats {
    pub files: usize,
    pub events: u64,
    pub outside_window: u64,
    pub bytes: u64,
}

/// The hits and the run's statistics.
#[derive(Debug)]
pub struct Outcome {
    /// In order; read them once. Their duplicates are counted by [`Hits::duplicates`] as they
    /// are read: [`Outcome::finish`] adds that count to the problems.
    pub hits: Hits,
    pub stats: DetectStats,
    pub problems: ProblemLog,
}

impl Outcome {
    /// Once the hits are read: the problems, with the duplicate deliveries dropped counted.
    pub fn finish(self) -> ProblemLog {
        let mut problems = self.problems;
        problems.ignore(
            Ignored::DuplicateEvent,
            usize::try_from(self.hits.duplicates()).unwrap_or(usize::MAX),
        );
        problems
    }
}

/// What one source gave: its statistics and problems (its hits went to the sorter).
#[derive(Debug, Default)]
struct Part {
    stats: DetectStats,
    problems: ProblemLog,
}

/// Hits of one worker, made sort entries (their fields as JSON text, the size counted) and
/// handed to the shared sorter in batches of a small share of its budget.
struct Batch<'a> {
    entries: Vec<Entry>,
    cost: usize,
    limit: usize,
    sorter: &'a Shared,
}

impl Batch<'_> {
    fn push(&mut self, hit: Detection) {
        let entry = Entry::new(hit);
        self.cost += entry.cost();
        self.entries.push(entry);
        if self.entries.len() >= 4096 || self.cost >= self.limit {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.entries.is_empty() {
            return;
        }
        self.sorter.push_all(&mut self.entries);
        self.cost = 0;
    }
}

fn text(event: &Value, key: &str) -> String {
    match event.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// The parts of an event the rules read (see [`RuleSet::fields_read`]): a tree of keys, each
/// either kept whole or pruned to its own children. At the top level a dotted field name is also
/// kept as a literal key (the engine looks that up first); below it, a name is a path, applied to
/// each element of an array it crosses.
#[derive(Debug, Default)]
struct Keys {
    whole: bool,
    children: std::collections::HashMap<String, Keys, foldhash::fast::RandomState>,
}

impl Keys {
    /// The tree of these field names.
    fn of<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Keys {
        let mut root = Keys::default();
        for name in names {
            let name = name.as_ref();
            root.children.entry(name.to_string()).or_default().whole = true;
            let segments: Vec<&str> = name.split('.').collect();
            if name.contains('[') || segments.iter().any(|s| s.is_empty()) {
                // Not a plain path: its first segment is kept whole.
                let first = name.split(['.', '[']).next().unwrap_or(name);
                root.children.entry(first.to_string()).or_default().whole = true;
                continue;
            }
            let mut node = &mut root;
            for segment in segments {
                node = node.children.entry(segment.to_string()).or_default();
                if node.whole {
                    break;
                }
            }
            node.whole = true;
        }
        root
    }

    /// Whether the top level keeps `key` (whole or in part).
    fn contains(&self, key: &str) -> bool {
        self.children.contains_key(key)
    }
}

/// What detection itself reads of an event, whatever the rules read.
const OWN_KEYS: [&str; 9] = [
    "eventTime",
    "@timestamp",
    "eventType",
    "eventID",
    "eventName",
    "eventSource",
    "awsRegion",
    "recipientAccountId",
    "sourceIPAddress",
];

/// What a hit shows of its event when its rule has no `fields:`: the account, the caller, the
/// call and where it came from (eventTime and awsRegion are part of every hit).
pub const DEFAULT_FIELDS: [&str; 4] = [
    "recipientAccountId",
    "userIdentity.arn",
    "eventName",
    "sourceIPAddress",
];

/// The fields a hit of `rule` shows: its `fields:`, or [`DEFAULT_FIELDS`].
fn shown_fields(rule: &sigma::RuleInfo) -> Vec<&str> {
    if rule.fields.is_empty() {
        DEFAULT_FIELDS.to_vec()
    } else {
        rule.fields.iter().map(String::as_str).collect()
    }
}

/// The keys to keep of each event, or `None` to parse events whole.
fn keys_to_keep(rules: &RuleSet) -> Option<Keys> {
    let mut names = rules.fields_read()?;
    names.extend(OWN_KEYS.iter().map(|k| k.to_string()));
    names.extend(DEFAULT_FIELDS.iter().map(|k| k.to_string()));
    Some(Keys::of(names))
}

/// A JSON object parsed with only the keys in `keep`; the other values are checked as JSON
/// and skipped without being built (most of a CloudTrail record is `requestParameters`,
/// `responseElements` and `resources`, which few rules read).
fn parse_pruned(json: &str, keep: &Keys) -> serde_json::Result<Value> {
    struct Pruned<'k>(&'k Keys);
    impl<'de> serde::de::Visitor<'de> for Pruned<'_> {
        type Value = Value;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<Value, M::Error> {
            let mut out = serde_json::Map::new();
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if self.0.contains(key.as_ref()) {
                    let value: Value = map.next_value()?;
                    out.insert(key.into_owned(), value);
                } else {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
            Ok(Value::Object(out))
        }
    }
    let mut de = serde_json::Deserializer::from_str(json);
    let value = serde::Deserializer::deserialize_map(&mut de, Pruned(keep))?;
    de.end()?;
    Ok(value)
}

/// A record the decoder has validated, parsed with only the parts `keep` names (nested objects
/// pruned too: `userIdentity.type` keeps that one key of `userIdentity`). The kept values are
/// parsed by serde from their own text, the others passed over with [`input::Skim`] without a
/// second validation. Whatever `Skim` leaves to serde (escaped keys, odd spellings) and any value
/// serde refuses go through [`parse_pruned`], whose error says where in the record. Either way
/// the rules see the same values.
fn parse_pruned_record(json: &RawValue, keep: &Keys) -> serde_json::Result<Value> {
    let mut r = input::Skim::new(json.get());
    r.ws();
    match skim_pruned(&mut r, keep, false) {
        Some(value) if r.at_end() => Ok(value),
        _ => parse_pruned(json.get(), keep),
    }
}

/// For the fuzz targets: whether `record` (a record the decoder handed over) pruned to `names`
/// holds the same value as the whole record at each name, and parses exactly when serde's
/// pruning does. `Err` says what differs.
#[doc(hidden)]
pub fn pruning_agrees(record: &str, names: &[&str]) -> Result<(), String> {
    let raw: &RawValue = serde_json::from_str(record).map_err(|e| e.to_string())?;
    if !record.starts_with('{') {
        return Ok(());
    }
    let keep = Keys::of(names);
    let (skimmed, serde) = (parse_pruned_record(raw, &keep), parse_pruned(record, &keep));
    let (skimmed, whole) = match (skimmed, serde) {
        (Ok(skimmed), Ok(_)) => (skimmed, serde_json::from_str::<Value>(record)),
        (Err(a), Err(b)) if a.to_string() == b.to_string() => return Ok(()),
        (a, b) => return Err(format!("skim {a:?}, serde {b:?}")),
    };
    let Ok(whole) = whole else {
        return Ok(());
    };
    for name in names {
        let (a, b) = (
            sigma::field_value(&whole, name),
            sigma::field_value(&skimmed, name),
        );
        if a != b {
            return Err(format!("{name}: whole {a:?}, pruned {b:?}"));
        }
    }
    Ok(())
}

/// The value at the cursor with only the parts `keep` names. `nested`: inside a kept value,
/// which serde's [`parse_pruned`] builds whole, decoding every string in it (and refusing a bad
/// escape), so the parts left out may not hold an escape either.
fn skim_pruned(r: &mut input::Skim<'_>, keep: &Keys, nested: bool) -> Option<Value> {
    match r.peek()? {
        b'{' => {
            let mut out = serde_json::Map::new();
            r.object(|r, key| {
                let Some(child) = keep.children.get(key) else {
                    return if nested { r.skip_plain() } else { r.skip() };
                };
                let value = if child.whole {
                    r.value()?
                } else {
                    skim_pruned(r, child, true)?
                };
                // As serde builds a map: a key given twice keeps its last value.
                out.insert(key.to_string(), value);
                Some(())
            })?;
            Some(Value::Object(out))
        }
        b'[' => {
            let mut out = Vec::new();
            r.array(|r| {
                out.push(skim_pruned(r, keep, true)?);
                Some(())
            })?;
            Some(Value::Array(out))
        }
        _ => r.value(),
    }
}

/// Evaluate one source; its hits go to `batch`.
fn run_source(
    rules: &RuleSet,
    keep: Option<&Keys>,
    (index, source): (usize, &Source),
    window: Option<Window>,
    batch: &mut Batch<'_>,
) -> Part {
    let mut out = Part::default();
    let name = source.name();
    let read = input::read_records(source, &mut |record| {
        let parsed = match keep {
            Some(keep) if record.json.get().starts_with('{') => {
                parse_pruned_record(record.json, keep)
            }
            _ => serde_json::from_str(record.json.get()),
        };
        let event: Value = match parsed {
            Ok(v) => v,
            Err(err) => {
                out.problems.push(Problem {
                    source: name.clone(),
                    location: Some(record.location),
                    kind: ProblemKind::BadRecord,
                    detail: err.to_string(),
                });
                return;
            }
        };
        // A record with none of an API call's fields is not one: counting it would call a run
        // over a file of `{"a":1}` records a clean hunt.
        if !["eventName", "eventSource", "eventTime", "@timestamp"]
            .iter()
            .any(|k| event.get(k).is_some())
        {
            out.problems.push(Problem {
                source: name.clone(),
                location: Some(record.location),
                kind: ProblemKind::BadRecord,
                detail: "not a CloudTrail event: no eventName, eventSource or eventTime".into(),
            });
            return;
        }
        if let Some(window) = window {
            let time = event
                .get("eventTime")
                .or_else(|| event.get("@timestamp"))
                .and_then(Value::as_str)
                .and_then(parse_event_time);
            match time {
                Some(t) if window.contains(t.date_naive()) => {}
                Some(_) => {
                    out.stats.outside_window += 1;
                    return;
                }
                None => {
                    out.problems.push(Problem {
                        source: name.clone(),
                        location: Some(record.location),
                        kind: ProblemKind::NoEventTime,
                        detail: "a window was given and the event has no usable eventTime".into(),
                    });
                    return;
                }
            }
        }
        if event.get("eventType").and_then(Value::as_str) == Some("AwsCloudTrailInsight") {
            // Insights describe unusual volumes of API calls; they are not API calls.
            out.problems.ignore(Ignored::Insight, 1);
            return;
        }
        out.stats.events += 1;
        let matched = rules.evaluate(&event);
        if matched.is_empty() {
            return;
        }
        // What every hit on this event shares, read once however many rules match.
        let base = Detection {
            rule: 0,
            event_id: text(&event, "eventID"),
            event_time: text(&event, "eventTime"),
            aws_region: text(&event, "awsRegion"),
            account: text(&event, "recipientAccountId"),
            source_ip: text(&event, "sourceIPAddress"),
            principal: crate::event::Event::from_record(record.json)
                .map(|e| e.principal().into_owned())
                .unwrap_or_else(|_| crate::event::UNKNOWN_PRINCIPAL.to_string()),
            fields: Vec::new(),
            source: index,
            location: record.location,
            caller: None,
        };
        for rule in matched {
            let fields = shown_fields(&rules.rules()[rule])
                .into_iter()
                .map(|f| {
                    (
                        f.to_string(),
                        sigma::field_value(&event, f).unwrap_or(Value::Null),
                    )
                })
                .collect();
            batch.push(Detection {
                rule,
                fields,
                ..base.clone()
            });
        }
    });
    for p in read.problems {
        out.problems.push(p);
    }
    for what in read.ignored {
        out.problems.ignore(what, 1);
    }
    out.stats.files = usize::from(!(read.records == 0 && out.problems.files_skipped() > 0));
    out.stats.bytes = read.bytes;
    batch.flush();
    out
}

/// Evaluate every source in parallel, holding about `sort_buffer` bytes of hits in memory
/// (the rest waits in temporary files). With `strict`, the first problem (in source order) is
/// returned as an error.
pub fn run(
    rules: &RuleSet,
    sources: &[Source],
    window: Option<Window>,
    strict: bool,
    sort_buffer: u64,
    progress: &dyn Progress,
) -> Result<Outcome, RunError> {
    let sorter = Shared::new(sort_buffer);
    let keep = keys_to_keep(rules);
    // Each worker hands over its hits in batches of a small share of the budget.
    let limit = usize::try_from(sort_buffer / 32)
        .unwrap_or(usize::MAX)
        .max(1);
    let mut stats = DetectStats::default();
    let mut problems = ProblemLog::default();
    let indexed: Vec<(usize, &Source)> = sources.iter().enumerate().collect();
    // S3 objects are downloaded ahead of the workers (nothing for local files).
    let _downloads = input::prefetch(sources);
    input::map_in_order(
        &indexed,
        |&s| {
            let mut batch = Batch {
                entries: Vec::new(),
                cost: 0,
                limit,
                sorter: &sorter,
            };
            let part = run_source(rules, keep.as_ref(), s, window, &mut batch);
            progress.file_done(part.stats.bytes, part.stats.events as usize);
            part
        },
        |part| {
            if let (true, Some(p)) = (strict, part.problems.shown.first()) {
                return Err(RunError::Strict(p.clone()));
            }
            stats.files += part.stats.files;
            stats.events += part.stats.events;
            stats.outside_window += part.stats.outside_window;
            stats.bytes += part.stats.bytes;
            problems.merge(part.problems);
            Ok(())
        },
    )?;
    Ok(Outcome {
        hits: sorter.finish().map_err(RunError::Sort)?,
        stats,
        problems,
    })
}

/// Why a detection run stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// `--strict`, and this input was bad.
    #[error("{0}")]
    Strict(Problem),
    /// The hits could not be kept in order (a temporary file).
    #[error("{0}")]
    Sort(std::io::Error),
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::sigma::LoadOptions;

    #[test]
    fn events_parsed_with_the_keys_the_rules_read_match_as_whole_events() {
        // Every SigmaHQ AWS rule and the seed rule, over every record of the real captures and
        // the test bucket: the same rules match, with the same `fields:` values.
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let loaded = RuleSet::load_paths(
            &[
                root.join("testdata/shared/data/sigma/aws"),
                root.join("src/data/aws_unusual_region.yml"),
            ],
            &LoadOptions::default(),
        );
        let rules = loaded.rules;
        assert!(rules.len() > 50, "{} rules", rules.len());
        let keep = keys_to_keep(&rules).expect("no keyword rule among them");
        // Something is left out, or the test proves nothing.
        assert!(
            !keep.contains("resources") && !keep.contains("tlsDetails"),
            "{keep:?}"
        );
        let found = input::discover(
            &[
                root.join("testdata/shared/data/cloudtrail"),
                root.join("testdata/input"),
            ],
            &input::DiscoverOptions::default(),
        );
        let (mut events, mut hits) = (0, 0);
        for source in &found.sources {
            input::read_records(source, &mut |record| {
                let text = record.json.get();
                let (Ok(whole), true) =
                    (serde_json::from_str::<Value>(text), text.starts_with('{'))
                else {
                    return;
                };
                let matched = rules.evaluate(&whole);
                // The candidate index leaves out no rule that matches.
                assert_eq!(matched, rules.evaluate_every_rule(&whole), "{text}");
                // Pruned by serde (top-level keys) and by the skim (nested keys too).
                for pruned in [
                    parse_pruned(text, &keep).unwrap(),
                    parse_pruned_record(record.json, &keep).unwrap(),
                ] {
                    assert_eq!(matched, rules.evaluate(&pruned), "{text}");
                    assert_eq!(matched, rules.evaluate_every_rule(&pruned), "{text}");
                    for &rule in &matched {
                        for field in shown_fields(&rules.rules()[rule]) {
                            assert_eq!(
                                sigma::field_value(&whole, field),
                                sigma::field_value(&pruned, field),
                                "{field}"
                            );
                        }
                    }
                }
                events += 1;
                hits += matched.len();
            });
        }
        assert!(events > 3_000 && hits > 0, "{events} events, {hits} hits");
    }

    #[test]
    fn validated_records_are_pruned_as_serde_prunes_them() {
        let keep = Keys::of(["eventName", "requestParameters", "userIdentity", "n"]);
        for text in [
            "{}",
            r#"{"eventName":"X","other":{"a":[1,"]}",{"b":"\\\""}]}}"#,
            r#" { "eventName" : "X" , "requestParameters" : { "k" : [ 1 , 2.5 , null ] } } "#,
            r#"{"eventName":"A","eventName":"B"}"#,
            r#"{"event\u004eame":"X","eventName":"Y"}"#,
            r#"{"eventName":"caf\u00e9 \ud83d\ude00","n":-0.0}"#,
            r#"{"n":1e400,"eventName":"X"}"#,
            r#"{"n":18446744073709551616}"#,
            r#"{"other":1e400,"n":true}"#,
            r#"{"userIdentity":{"type":"Root","x":{"y":{"z":[]}}},"responseElements":null}"#,
            r#"{"eventName":"X","other":"\ud800"}"#,
            r#"{"eventName":"\ud800"}"#,
        ] {
            let raw: &RawValue = serde_json::from_str(text).unwrap();
            let (fast, slow) = (parse_pruned_record(raw, &keep), parse_pruned(text, &keep));
            match (&fast, &slow) {
                (Ok(f), Ok(s)) => assert_eq!(f, s, "{text}"),
                (Err(f), Err(s)) => assert_eq!(f.to_string(), s.to_string(), "{text}"),
                _ => panic!("{text}: {fast:?} vs {slow:?}"),
            }
        }
        // A bad escape in a part left out of a kept value: serde, building that value whole,
        // refuses the record, and so does the skim.
        let keep_nested = Keys::of(["userIdentity.type", "resources.ARN"]);
        for text in [
            r#"{"userIdentity":{"type":"Root","arn":"\ud800"}}"#,
            r#"{"userIdentity":{"type":"Root","x":["\udc00x"]}}"#,
            r#"{"resources":[{"ARN":"a","x":"\ud800"}]}"#,
            r#"{"userIdentity":{"type":"Root","arn":"a\/b"}}"#,
            r#"{"other":{"arn":"\ud800"},"userIdentity":{"type":"R"}}"#,
        ] {
            let raw: &RawValue = serde_json::from_str(text).unwrap();
            let (fast, slow) = (
                parse_pruned_record(raw, &keep_nested),
                parse_pruned(text, &keep_nested),
            );
            assert_eq!(fast.is_ok(), slow.is_ok(), "{text}: {fast:?} vs {slow:?}");
            if let (Err(f), Err(s)) = (&fast, &slow) {
                assert_eq!(f.to_string(), s.to_string(), "{text}");
            }
        }
        // Nested names keep their own part of an object, in every element of an array crossed.
        let keep = Keys::of(["userIdentity.type", "resources.ARN", "a.b.c", "a.b"]);
        let text = r#"{"userIdentity":{"type":"Root","arn":"x","sessionContext":{"a":1}},
            "userIdentity.type":"literal","resources":[{"ARN":"r1","type":"t"},"s",[{"ARN":"r2","x":1}]],
            "a":{"b":{"c":1,"d":2},"e":3},"z":{"a":"}"}}"#;
        let raw: &RawValue = serde_json::from_str(text).unwrap();
        assert_eq!(
            parse_pruned_record(raw, &keep).unwrap(),
            serde_json::json!({
                "userIdentity": {"type": "Root"},
                "userIdentity.type": "literal",
                "resources": [{"ARN": "r1"}, "s", [{"ARN": "r2"}]],
                "a": {"b": {"c": 1, "d": 2}},
            })
        );
    }

    #[test]
    fn hits_name_the_caller_as_the_policy_does() {
        // The backtest counts callers the way the allowlist does: a role, not each session.
        let rules = RuleSet::load_str(
            "title: t\nlogsource: {product: aws}\ndetection:\n  s:\n    eventName: X\n  condition: s\n",
            Path::new("t.yml"),
            &LoadOptions::default(),
        )
        .rules;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("e.json");
        let event = |session: &str, id: &str| {
            format!(
                r#"{{"eventID":"{id}","eventName":"X","eventTime":"2025-03-01T00:00:00Z","awsRegion":"ap-east-1","userIdentity":{{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/R/{session}","sessionContext":{{"sessionIssuer":{{"arn":"arn:aws:iam::1:role/R"}}}}}}}}"#
            )
        };
        std::fs::write(
            &file,
            format!("{}\n{}\n", event("alice", "1"), event("bob", "2")),
        )
        .unwrap();
        let out = run(
            &rules,
            &[Source::file(file)],
            None,
            false,
            DEFAULT_SORT_BUFFER,
            &(),
        )
        .unwrap();
        let callers: Vec<String> = out.hits.map(|d| d.unwrap().principal).collect();
        assert_eq!(callers, ["arn:aws:iam::1:role/R", "arn:aws:iam::1:role/R"]);
    }
}
