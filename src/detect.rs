//! Stage 7: run compiled rules over an event stream. Consumes a [`RuleSet`] and sources;
//! produces [`Detection`]s (the hits, with the rule's `fields:` resolved) and run statistics.
//! Files are read in parallel (rayon) with the same input code as `profile`; each event is
//! parsed, evaluated and dropped, so memory holds hits only. Output order is deterministic: by
//! event time, then eventID, then rule.

use serde_json::Value;

use crate::event::parse_event_time;
use crate::input::{self, Ignored, Location, Problem, ProblemKind, Source};
use crate::input::{ProblemLog, Progress};
use crate::sigma::{self, RuleSet};
use crate::window::Window;

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
    /// `(field, value)` for each entry of the rule's `fields:` (null when absent).
    pub fields: Vec<(String, Value)>,
    pub source: String,
    pub location: Location,
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
#[derive(Debug, Default)]
pub struct Outcome {
    pub detections: Vec<Detection>,
    pub stats: DetectStats,
    pub problems: ProblemLog,
}

fn text(event: &Value, key: &str) -> String {
    match event.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// Evaluate one source.
pub fn run_source(rules: &RuleSet, source: &Source, window: Option<Window>) -> Outcome {
    let mut out = Outcome::default();
    let name = source.name();
    let read = input::read_records(source, &mut |record| {
        let event: Value = match serde_json::from_str(record.json.get()) {
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
        for rule in rules.evaluate(&event) {
            let fields = rules.rules()[rule]
                .fields
                .iter()
                .map(|f| {
                    (
                        f.clone(),
                        sigma::field_value(&event, f).unwrap_or(Value::Null),
                    )
                })
                .collect();
            out.detections.push(Detection {
                rule,
                event_id: text(&event, "eventID"),
                event_time: text(&event, "eventTime"),
                aws_region: text(&event, "awsRegion"),
                account: text(&event, "recipientAccountId"),
                principal: crate::event::Event::parse(record.json.get())
                    .map(|e| e.principal().into_owned())
                    .unwrap_or_else(|_| crate::event::UNKNOWN_PRINCIPAL.to_string()),
                fields,
                source: name.clone(),
                location: record.location,
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
    out
}

/// Evaluate every source in parallel; merge in a deterministic order. With `strict`, the first
/// problem (in source order) is returned as an error.
pub fn run(
    rules: &RuleSet,
    sources: &[Source],
    window: Option<Window>,
    strict: bool,
    progress: &dyn Progress,
) -> Result<Outcome, Problem> {
    let mut all = Outcome::default();
    input::map_in_order(
        sources,
        |s| {
            let o = run_source(rules, s, window);
            progress.file_done(o.stats.bytes, o.stats.events as usize);
            o
        },
        |part| {
            if let (true, Some(p)) = (strict, part.problems.shown.first()) {
                return Err(p.clone());
            }
            all.detections.extend(part.detections);
            all.stats.files += part.stats.files;
            all.stats.events += part.stats.events;
            all.stats.outside_window += part.stats.outside_window;
            all.stats.bytes += part.stats.bytes;
            all.problems.merge(part.problems);
            Ok(())
        },
    )?;
    // By the instant (eventTime spellings differ between exports), then the text, eventID, rule.
    all.detections.sort_by_cached_key(|d| {
        (
            parse_event_time(&d.event_time),
            d.event_time.clone(),
            d.event_id.clone(),
            d.rule,
        )
    });
    // A duplicate delivery of an event (same eventID) is one alert, not two.
    let before = all.detections.len();
    all.detections.dedup_by(|b, a| {
        !a.event_id.is_empty()
            && (
                a.rule,
                &a.event_id,
                &a.event_time,
                &a.aws_region,
                &a.account,
            ) == (
                b.rule,
                &b.event_id,
                &b.event_time,
                &b.aws_region,
                &b.account,
            )
            && (&a.principal, &a.fields) == (&b.principal, &b.fields)
    });
    all.problems
        .ignore(Ignored::DuplicateEvent, before - all.detections.len());
    Ok(all)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::sigma::LoadOptions;

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
        let out = run(&rules, &[Source::file(file)], None, false, &()).unwrap();
        let callers: Vec<&str> = out
            .detections
            .iter()
            .map(|d| d.principal.as_str())
            .collect();
        assert_eq!(callers, ["arn:aws:iam::1:role/R", "arn:aws:iam::1:role/R"]);
    }
}
