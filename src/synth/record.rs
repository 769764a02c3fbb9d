//! One CloudTrail record as the generator builds it, and its JSON form.
//!
//! Consumes values chosen by `activity`; produces the serialized record (field order as CloudTrail
//! writes it) plus the generator-only facts the ground truth needs (epoch second, account index,
//! injected kind), which are never serialized. Nested request/response documents use [`Doc`], an
//! ordered JSON value, so key order never depends on serde_json's feature flags.

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

/// The regions listed in the seed rule's `selection.awsRegion`.
pub const SEED_RULE_REGIONS: [&str; 4] = ["ap-east-1", "af-south-1", "me-south-1", "eu-south-1"];
/// The event names of the seed rule's `filter_replication`.
pub const SEED_RULE_REPLICATION: [&str; 3] =
    ["ReplicateObject", "ReplicateDelete", "ReplicateTags"];

/// An ordered JSON value for requestParameters / responseElements and other nested documents.
#[derive(Debug, Clone)]
pub enum Doc {
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    Lit(&'static str),
    Arr(Vec<Doc>),
    Obj(Vec<(&'static str, Doc)>),
}

impl Doc {
    /// An object from `(key, value)` pairs, in that order.
    pub fn obj<const N: usize>(pairs: [(&'static str, Doc); N]) -> Doc {
        Doc::Obj(pairs.into())
    }
}

impl From<&'static str> for Doc {
    fn from(s: &'static str) -> Doc {
        Doc::Lit(s)
    }
}
impl From<String> for Doc {
    fn from(s: String) -> Doc {
        Doc::Str(s)
    }
}
impl From<i64> for Doc {
    fn from(n: i64) -> Doc {
        Doc::Int(n)
    }
}
impl From<bool> for Doc {
    fn from(b: bool) -> Doc {
        Doc::Bool(b)
    }
}

impl Serialize for Doc {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        match self {
            Doc::Null => ser.serialize_unit(),
            Doc::Bool(b) => ser.serialize_bool(*b),
            Doc::Int(n) => ser.serialize_i64(*n),
            Doc::Str(s) => ser.serialize_str(s),
            Doc::Lit(s) => ser.serialize_str(s),
            Doc::Arr(items) => {
                let mut seq = ser.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Doc::Obj(pairs) => {
                let mut map = ser.serialize_map(Some(pairs.len()))?;
                for (k, v) in pairs {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// `userIdentity.sessionContext`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionContext {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_issuer: Option<SessionIssuer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web_id_federation_data: Option<Doc>,
    pub attributes: SessionAttributes,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionIssuer {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub principal_id: String,
    pub arn: String,
    pub account_id: String,
    pub user_name: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionAttributes {
    pub creation_date: String,
    pub mfa_authenticated: &'static str,
}

/// `userIdentity`. Absent fields are omitted, as CloudTrail does (an AwsServiceEvent may carry
/// only `accountId` and `invokedBy`).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserIdentity {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_provider: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_context: Option<SessionContext>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoked_by: Option<&'static str>,
}

/// `tlsDetails`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TlsDetails {
    pub tls_version: &'static str,
    pub cipher_suite: &'static str,
    pub client_provided_host_header: String,
}

/// Why a record was injected (none for ordinary traffic).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injected {
    /// The leaked key used in one of the seed rule's regions: the rule must match it.
    Anomaly,
    /// The same attacker's calls to global services (recorded in us-east-1): outside the rule.
    AttackerGlobal,
    /// `userIdentity.type: AWSService` in a seed-rule region.
    DecoyAwsService,
    /// S3 Replicate* in a seed-rule region.
    DecoyReplication,
    /// An IAM user in a region that is unusual but not in the seed rule's list.
    DecoyNearMiss,
}

/// A whole record. Fields after `recipient_account_id` that CloudTrail omits when empty are
/// skipped when `None`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    pub event_version: &'static str,
    pub user_identity: UserIdentity,
    pub event_time: String,
    pub event_source: &'static str,
    pub event_name: &'static str,
    pub aws_region: &'static str,
    #[serde(rename = "sourceIPAddress")]
    pub source_ip_address: String,
    pub user_agent: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    pub request_parameters: Doc,
    pub response_elements: Doc,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_event_data: Option<Doc>,
    #[serde(rename = "requestID", skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(rename = "eventID")]
    pub event_id: String,
    pub read_only: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<Doc>,
    pub event_type: &'static str,
    pub management_event: bool,
    pub recipient_account_id: String,
    #[serde(rename = "sharedEventID", skip_serializing_if = "Option::is_none")]
    pub shared_event_id: Option<String>,
    pub event_category: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_details: Option<TlsDetails>,
    /// Epoch second of `eventTime` (generator only).
    #[serde(skip)]
    pub epoch: i64,
    /// Why this record was injected (generator only).
    #[serde(skip)]
    pub injected: Option<Injected>,
}

impl Record {
    /// The seed rule's logic, written out independently of any Sigma engine:
    /// `selection and not filter_expected_services and not filter_replication`, where `selection`
    /// is "eventSource present and awsRegion in the four regions", and a missing
    /// `userIdentity.type` is not `AWSService`.
    pub fn seed_rule_matches(&self) -> bool {
        !self.event_source.is_empty()
            && SEED_RULE_REGIONS.contains(&self.aws_region)
            && self.user_identity.kind != Some("AWSService")
            && !SEED_RULE_REPLICATION.contains(&self.event_name)
    }

    /// `userIdentity.type`, or `(none)` when absent (the ground truth's key).
    pub fn identity_type(&self) -> &'static str {
        self.user_identity.kind.unwrap_or("(none)")
    }
}

#[cfg(test)]
impl Record {
    /// A minimal record for unit tests.
    pub fn sample(region: &'static str, kind: Option<&'static str>, name: &'static str) -> Record {
        Record {
            event_version: "1.08",
            user_identity: UserIdentity {
                kind,
                ..UserIdentity::default()
            },
            event_time: "2025-06-30T10:00:00Z".into(),
            event_source: "s3.amazonaws.com",
            event_name: name,
            aws_region: region,
            source_ip_address: "192.0.2.1".into(),
            user_agent: "test".into(),
            error_code: None,
            error_message: None,
            request_parameters: Doc::Null,
            response_elements: Doc::obj([("a", "b".into()), ("n", 3i64.into())]),
            additional_event_data: None,
            request_id: None,
            event_id: "e".into(),
            read_only: true,
            resources: None,
            event_type: "AwsApiCall",
            management_event: true,
            recipient_account_id: "111122223333".into(),
            shared_event_id: None,
            event_category: "Management",
            tls_details: None,
            epoch: 0,
            injected: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(region: &'static str, kind: Option<&'static str>, name: &'static str) -> Record {
        Record::sample(region, kind, name)
    }

    #[test]
    fn seed_rule_logic() {
        assert!(record("ap-east-1", Some("IAMUser"), "ListBuckets").seed_rule_matches());
        assert!(record("me-south-1", None, "ListBuckets").seed_rule_matches());
        assert!(!record("ap-east-1", Some("AWSService"), "ListBuckets").seed_rule_matches());
        assert!(!record("eu-south-1", Some("AssumedRole"), "ReplicateTags").seed_rule_matches());
        assert!(!record("eu-south-2", Some("IAMUser"), "ListBuckets").seed_rule_matches());
    }

    #[test]
    fn json_field_order_and_omissions() {
        let json = serde_json::to_string(&record("us-east-1", None, "ListBuckets")).unwrap();
        assert!(json.starts_with(r#"{"eventVersion":"1.08","userIdentity":{},"eventTime""#));
        assert!(json.contains(r#""requestParameters":null,"responseElements":{"a":"b","n":3}"#));
        assert!(!json.contains("errorCode"));
        assert!(!json.contains("epoch"));
    }
}
