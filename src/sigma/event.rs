//! The CloudTrail event adapter. Consumes one borrowed `serde_json::Value` (a CloudTrail record);
//! produces the engine's field-lookup view of it, with the conventions pySigma's JSON/SQL backends
//! give CloudTrail: an object-valued field (`requestParameters`) reads as its compact JSON text, so
//! `|contains` can search inside it. It must not copy the event, know rule files, or decide
//! anything beyond how a field name resolves to a value.
//!
//! Resolution, inherited from the engine's `JsonEvent`: a literal top-level key wins
//! (`"userIdentity.type"` as one key), otherwise the name is split at dots and nested objects are
//! walked; crossing an array collects the values of every element, and a value list matches when
//! any element does. A literal dotted key *below* the top level is not found.

use std::borrow::Cow;

use rsigma_eval::event::{Event, EventValue, JsonEvent};
use serde_json::Value;

/// The engine's view of one CloudTrail record (zero-copy; objects become text on demand).
pub(crate) struct CloudTrailEvent<'a> {
    inner: JsonEvent<'a>,
}

impl<'a> CloudTrailEvent<'a> {
    pub(crate) fn new(event: &'a Value) -> Self {
        Self {
            inner: JsonEvent::borrow(event),
        }
    }
}

/// Replace every object (also inside arrays) by its compact JSON text. Scalars, nulls and the
/// array structure are kept, so any-element matching over arrays still applies.
fn objects_as_text(value: EventValue<'_>) -> EventValue<'_> {
    match value {
        EventValue::Map(_) => EventValue::Str(Cow::Owned(value.to_json().to_string())),
        EventValue::Array(items) if items.iter().any(has_object) => {
            EventValue::Array(items.into_iter().map(objects_as_text).collect())
        }
        other => other,
    }
}

fn has_object(value: &EventValue<'_>) -> bool {
    match value {
        EventValue::Map(_) => true,
        EventValue::Array(items) => items.iter().any(has_object),
        _ => false,
    }
}

impl Event for CloudTrailEvent<'_> {
    fn get_field(&self, path: &str) -> Option<EventValue<'_>> {
        self.inner.get_field(path).map(objects_as_text)
    }

    fn any_string_value(&self, pred: &dyn Fn(&str) -> bool) -> bool {
        self.inner.any_string_value(pred)
    }

    fn all_string_values(&self) -> Vec<Cow<'_, str>> {
        self.inner.all_string_values()
    }

    fn visit_string_values(&self, visit: &mut dyn FnMut(&str)) {
        self.inner.visit_string_values(visit)
    }

    fn to_json(&self) -> Value {
        self.inner.to_json()
    }

    fn field_keys(&self) -> Vec<Cow<'_, str>> {
        self.inner.field_keys()
    }

    fn top_level_keys(&self) -> Option<Vec<Cow<'_, str>>> {
        self.inner.top_level_keys()
    }

    fn visit_top_level_keys(&self, visit: &mut dyn FnMut(&str)) -> bool {
        self.inner.visit_top_level_keys(visit)
    }
}

/// Resolve a dotted field name in `event` the way the engine does (literal key first, then
/// nested objects; a path through an array gives a JSON array of the values found, or the one
/// value when only one is found). Objects are returned as JSON objects, not text. `None` when the
/// field is absent; `Some(Value::Null)` when it is present and null.
pub fn field_value(event: &Value, dotted: &str) -> Option<Value> {
    JsonEvent::borrow(event)
        .get_field(dotted)
        .map(|v| v.to_json())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn object_reads_as_compact_json_text() {
        let ev = json!({"requestParameters": {"bucketName": "b", "VersioningConfiguration": {"Status": "Suspended"}}});
        let view = CloudTrailEvent::new(&ev);
        let Some(EventValue::Str(text)) = view.get_field("requestParameters") else {
            panic!("object must read as text");
        };
        assert!(text.contains(r#""Status":"Suspended""#), "{text}");
        assert!(!text.contains(' '), "compact: {text}");
    }

    #[test]
    fn objects_inside_arrays_read_as_text_elements() {
        let ev = json!({"items": [{"a": 1}, "x", [{"b": 2}]]});
        let view = CloudTrailEvent::new(&ev);
        let got = view.get_field("items").expect("present");
        assert_eq!(
            got,
            EventValue::Array(vec![
                EventValue::Str(Cow::Owned(r#"{"a":1}"#.into())),
                EventValue::Str(Cow::Borrowed("x")),
                EventValue::Array(vec![EventValue::Str(Cow::Owned(r#"{"b":2}"#.into()))]),
            ])
        );
    }

    #[test]
    fn scalars_and_null_pass_through() {
        let ev = json!({"a": {"b": false, "c": null, "n": 3}});
        let view = CloudTrailEvent::new(&ev);
        assert_eq!(view.get_field("a.b"), Some(EventValue::Bool(false)));
        assert_eq!(view.get_field("a.c"), Some(EventValue::Null));
        assert_eq!(view.get_field("a.n"), Some(EventValue::Int(3)));
        assert_eq!(view.get_field("a.missing"), None);
    }

    #[test]
    fn field_value_literal_key_wins_then_nested_then_arrays() {
        let ev = json!({
            "userIdentity.type": "Literal",
            "userIdentity": {"type": "Nested", "sessionContext": {"x": 1}},
            "resources": [{"ARN": "a1"}, {"ARN": "a2"}, {"other": 0}],
            "one": [{"ARN": "only"}],
            "n": null
        });
        assert_eq!(
            field_value(&ev, "userIdentity.type"),
            Some(json!("Literal"))
        );
        assert_eq!(
            field_value(&ev, "userIdentity.sessionContext"),
            Some(json!({"x": 1}))
        );
        assert_eq!(field_value(&ev, "resources.ARN"), Some(json!(["a1", "a2"])));
        assert_eq!(field_value(&ev, "one.ARN"), Some(json!("only")));
        assert_eq!(field_value(&ev, "n"), Some(Value::Null));
        assert_eq!(field_value(&ev, "missing.field"), None);
        assert_eq!(field_value(&json!([1, 2]), "a"), None);
    }
}
