//! Stage 2: the event view the profiling stages read. Consumes one raw JSON record; produces an
//! [`Event`] with the typed core fields (borrowed from the input buffer, no per-field allocation)
//! and the derived facts the baseline is keyed by: UTC day, normalized principal, origin (is this
//! evidence of *normal use*, or a call AWS made on someone's behalf?), failed, read-only.
//! Field values of the wrong JSON type are treated as absent, never as a parse failure. Sigma
//! detection does not use this view: it sees the whole JSON (see `sigma`).

mod fast;
mod time;

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

pub use time::parse_event_time;

/// A string field that tolerates any JSON type (non-strings read as absent).
#[derive(Debug, Default, Clone)]
pub struct Text<'a>(pub Option<Cow<'a, str>>);

impl<'a> Text<'a> {
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref().filter(|s| !s.is_empty())
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Owned(v))))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Text<'de>, E> {
                Ok(Text(Some(Cow::Borrowed(if v { "true" } else { "false" }))))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Text<'de>, E> {
                Ok(Text(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Text<'de>, E> {
                Ok(Text(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Text<'de>, E> {
                Ok(Text(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Text<'de>, E> {
                Ok(Text(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Text<'de>, E> {
                Ok(Text(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Text<'de>, D::Error> {
                d.deserialize_any(V)
            }
            fn visit_map<M: MapAccess<'de>>(self, mut m: M) -> Result<Text<'de>, M::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
            fn visit_seq<S: SeqAccess<'de>>(self, mut s: S) -> Result<Text<'de>, S::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// An object field that tolerates any JSON type (non-objects read as absent), still borrowing.
#[derive(Debug)]
pub struct Lenient<T>(pub Option<T>);

impl<T> Default for Lenient<T> {
    fn default() -> Self {
        Lenient(None)
    }
}

impl<T> Lenient<T> {
    pub fn as_ref(&self) -> Option<&T> {
        self.0.as_ref()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Lenient<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<M: MapAccess<'de>>(self, m: M) -> Result<Lenient<T>, M::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(m)).map(|t| Lenient(Some(t)))
            }
            fn visit_seq<S: SeqAccess<'de>>(self, mut s: S) -> Result<Lenient<T>, S::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Lenient(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Lenient<T>, D::Error> {
                d.deserialize_any(self)
            }
            fn visit_none<E: de::Error>(self) -> Result<Lenient<T>, E> {
                Ok(Lenient(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Lenient<T>, E> {
                Ok(Lenient(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Lenient<T>, E> {
                Ok(Lenient(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Lenient<T>, E> {
                Ok(Lenient(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Lenient<T>, E> {
                Ok(Lenient(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Lenient<T>, E> {
                Ok(Lenient(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Lenient<T>, E> {
                Ok(Lenient(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SessionIssuer<'a> {
    #[serde(borrow, default)]
    pub arn: Text<'a>,
}

/// `userIdentity.onBehalfOf`: the IAM Identity Center user a call was made for.
#[derive(Debug, Default, Deserialize)]
pub struct OnBehalfOf<'a> {
    #[serde(borrow, default, rename = "userId")]
    pub user_id: Text<'a>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SessionContext<'a> {
    #[serde(borrow, default, rename = "sessionIssuer")]
    pub session_issuer: Lenient<SessionIssuer<'a>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Identity<'a> {
    #[serde(borrow, default, rename = "type")]
    pub kind: Text<'a>,
    #[serde(borrow, default)]
    pub arn: Text<'a>,
    #[serde(borrow, default, rename = "principalId")]
    pub principal_id: Text<'a>,
    #[serde(borrow, default, rename = "invokedBy")]
    pub invoked_by: Text<'a>,
    #[serde(borrow, default, rename = "accountId")]
    pub account_id: Text<'a>,
    #[serde(borrow, default, rename = "userName")]
    pub user_name: Text<'a>,
    #[serde(borrow, default, rename = "onBehalfOf")]
    pub on_behalf_of: Lenient<OnBehalfOf<'a>>,
    #[serde(borrow, default, rename = "sessionContext")]
    pub session_context: Lenient<SessionContext<'a>>,
}

/// The core fields of one CloudTrail record, borrowed from the input.
#[derive(Debug, Default, Deserialize)]
pub struct Event<'a> {
    #[serde(borrow, default, rename = "eventTime")]
    pub event_time: Text<'a>,
    /// SIEM exports (Logstash, Elastic) sometimes carry only `@timestamp`; used as a fallback.
    #[serde(borrow, default, rename = "@timestamp")]
    pub at_timestamp: Text<'a>,
    #[serde(borrow, default, rename = "awsRegion")]
    pub aws_region: Text<'a>,
    #[serde(borrow, default, rename = "eventSource")]
    pub event_source: Text<'a>,
    #[serde(borrow, default, rename = "eventName")]
    pub event_name: Text<'a>,
    #[serde(borrow, default, rename = "eventType")]
    pub event_type: Text<'a>,
    /// Unique per event: a duplicate delivery carries the same one.
    #[serde(borrow, default, rename = "eventID")]
    pub event_id: Text<'a>,
    #[serde(borrow, default, rename = "recipientAccountId")]
    pub recipient_account_id: Text<'a>,
    #[serde(borrow, default, rename = "errorCode")]
    pub error_code: Text<'a>,
    #[serde(borrow, default, rename = "sourceIPAddress")]
    pub source_ip: Text<'a>,
    #[serde(borrow, default, rename = "userAgent")]
    pub user_agent: Text<'a>,
    #[serde(borrow, default, rename = "readOnly")]
    pub read_only: Text<'a>,
    #[serde(borrow, default, rename = "userIdentity")]
    pub user_identity: Lenient<Identity<'a>>,
}

/// Why an event is, or is not, evidence of normal use. Ordered by precedence: the first that
/// applies wins. Only [`Origin::Direct`] is learned from by default (see docs/baseline-policy.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Origin {
    /// A person or workload calling AWS.
    Direct,
    /// `userIdentity.type: AWSService`, or an `AwsServiceEvent`.
    AwsService,
    /// A service-linked role (`AWSServiceRoleFor*`).
    ServiceLinkedRole,
    /// Called by an AWS service on the principal's behalf (`invokedBy`, or a `*.amazonaws.com`
    /// source address, e.g. S3 replication or AWS Config).
    InvokedByService,
    /// `userAgent: "AWS Internal"`.
    AwsInternal,
}

impl Origin {
    pub const ALL: [Origin; 5] = [
        Origin::Direct,
        Origin::AwsService,
        Origin::ServiceLinkedRole,
        Origin::InvokedByService,
        Origin::AwsInternal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Direct => "direct",
            Origin::AwsService => "aws_service",
            Origin::ServiceLinkedRole => "service_linked_role",
            Origin::InvokedByService => "invoked_by_service",
            Origin::AwsInternal => "aws_internal",
        }
    }

    pub fn parse(s: &str) -> Option<Origin> {
        Origin::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// Identity type used when `userIdentity.type` is absent.
pub const NO_IDENTITY_TYPE: &str = "(none)";
/// Principal used when nothing identifies the caller.
pub const UNKNOWN_PRINCIPAL: &str = "(unknown)";
/// Account used when `recipientAccountId` is absent.
pub const UNKNOWN_ACCOUNT: &str = "(unknown)";

impl<'a> Event<'a> {
    /// Parse the core fields of a raw record. Fails only on invalid JSON.
    pub fn parse(json: &'a str) -> Result<Event<'a>, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// [`Event::parse`] of a record already validated as JSON (as the decoder hands them over):
    /// the same result, read without validating it a second time.
    pub fn from_record(json: &'a RawValue) -> Result<Event<'a>, serde_json::Error> {
        match fast::parse(json.get()) {
            Some(event) => Ok(event),
            None => Event::parse(json.get()),
        }
    }

    /// The event time: `eventTime`, else `@timestamp`. `Err` carries the offending text.
    pub fn time(&self) -> Result<DateTime<Utc>, String> {
        match (self.event_time.get(), self.at_timestamp.get()) {
            (Some(t), _) => parse_event_time(t).ok_or_else(|| format!("eventTime {t:?}")),
            (None, Some(t)) => {
                parse_event_time(t).ok_or_else(|| format!("no eventTime, @timestamp {t:?}"))
            }
            (None, None) => Err("no eventTime".to_string()),
        }
    }

    /// The UTC day of the event.
    pub fn day(&self) -> Result<NaiveDate, String> {
        self.time().map(|t| t.date_naive())
    }

    pub fn region(&self) -> Option<&str> {
        self.aws_region.get()
    }

    pub fn identity_type(&self) -> &str {
        self.user_identity
            .as_ref()
            .and_then(|i| i.kind.get())
            .unwrap_or(NO_IDENTITY_TYPE)
    }

    pub fn failed(&self) -> bool {
        self.error_code.get().is_some()
    }

    /// `readOnly` when present, else inferred from the API name (Describe/List/Get/Head/Lookup).
    pub fn read_only(&self) -> bool {
        match self.read_only.get() {
            Some(v) => v.eq_ignore_ascii_case("true"),
            None => self.event_name.get().is_some_and(|n| {
                ["Describe", "List", "Get", "Head", "Lookup", "BatchGet"]
                    .iter()
                    .any(|p| n.starts_with(p))
            }),
        }
    }

    /// A stable name for the caller, the one definition every stage counts by (policy, profile,
    /// backtest): the role ARN for assumed roles (session name stripped), the ARN for users and
    /// root, the invoking service for AWS services, `aws-account:<id>` for a caller from another
    /// account, `identity-center:<userName>` for an IAM Identity Center (SSO) user, whose
    /// principalId changes with every session.
    pub fn principal(&self) -> Cow<'_, str> {
        let Some(id) = self.user_identity.as_ref() else {
            return Cow::Borrowed(UNKNOWN_PRINCIPAL);
        };
        if let (Some("AWSService"), Some(by)) = (id.kind.get(), id.invoked_by.get()) {
            return Cow::Borrowed(by);
        }
        // A caller from another account: its principalId is an opaque role id plus a session
        // name; the stable fact is the account.
        if let (Some("AWSAccount"), None, Some(account)) =
            (id.kind.get(), id.arn.get(), id.account_id.get())
        {
            return Cow::Owned(format!("aws-account:{account}"));
        }
        if let Some(issuer) = id
            .session_context
            .as_ref()
            .and_then(|c| c.session_issuer.as_ref())
            .and_then(|i| i.arn.get())
        {
            return Cow::Borrowed(issuer);
        }
        if let Some(arn) = id.arn.get() {
            return strip_session(arn);
        }
        if matches!(id.kind.get(), Some("Unknown" | "IdentityCenterUser"))
            && let Some(user) = id
                .user_name
                .get()
                .or_else(|| id.on_behalf_of.as_ref().and_then(|o| o.user_id.get()))
        {
            return Cow::Owned(format!("identity-center:{user}"));
        }
        id.principal_id
            .get()
            .or(id.invoked_by.get())
            .map_or(Cow::Borrowed(UNKNOWN_PRINCIPAL), Cow::Borrowed)
    }

    /// A CloudTrail Insights record (`eventType: AwsCloudTrailInsight`): a statistic about API
    /// calls, not an API call.
    pub fn is_insight(&self) -> bool {
        self.event_type.get() == Some("AwsCloudTrailInsight")
    }

    /// Whether this event is evidence of normal use, and if not, why.
    pub fn origin(&self) -> Origin {
        let id = self.user_identity.as_ref();
        if id.and_then(|i| i.kind.get()) == Some("AWSService")
            || self.event_type.get() == Some("AwsServiceEvent")
        {
            return Origin::AwsService;
        }
        let service_linked =
            |t: &Text<'_>| t.get().is_some_and(|s| s.contains("AWSServiceRoleFor"));
        if let Some(id) = id {
            let issuer = id
                .session_context
                .as_ref()
                .and_then(|c| c.session_issuer.as_ref());
            if service_linked(&id.arn) || issuer.is_some_and(|i| service_linked(&i.arn)) {
                return Origin::ServiceLinkedRole;
            }
            if id.invoked_by.get().is_some() {
                return Origin::InvokedByService;
            }
        }
        if self
            .source_ip
            .get()
            .is_some_and(|ip| ip.ends_with(".amazonaws.com"))
        {
            return Origin::InvokedByService;
        }
        if self.user_agent.get() == Some("AWS Internal") {
            return Origin::AwsInternal;
        }
        Origin::Direct
    }
}

/// The ARN prefix that matches every event of a principal as [`Event::principal`] names it: all
/// sessions of a role (`arn:aws:iam::1:role/path/Name` -> `arn:aws:sts::1:assumed-role/Name/`), or
/// the exact ARN of a user. The tuned rule's sweeper filters are written with it.
pub fn principal_arn_prefix(principal: &str) -> String {
    if let Some((head, role)) = principal.split_once(":role/") {
        let name = role.rsplit('/').next().unwrap_or(role);
        return format!(
            "{}:assumed-role/{name}/",
            head.replacen(":iam:", ":sts:", 1)
        );
    }
    if principal.contains(":assumed-role/") {
        return format!("{principal}/");
    }
    principal.to_string()
}

/// `arn:aws:sts::123:assumed-role/Role/session` -> `arn:aws:iam::123:role/Role`: the role, named
/// as the session issuer names it when CloudTrail gives one, so a role's calls with and without
/// `sessionContext` are one principal (a role path, which the session ARN does not carry, is the
/// only difference left). An ARN of another shape keeps everything up to the role name.
fn strip_session(arn: &str) -> Cow<'_, str> {
    if let Some(pos) = arn.find(":assumed-role/") {
        let rest = &arn[pos + ":assumed-role/".len()..];
        if let Some(slash) = rest.find('/') {
            let head = &arn[..pos];
            if let Some(sts) = head.find(":sts:") {
                return Cow::Owned(format!(
                    "{}:iam:{}:role/{}",
                    &head[..sts],
                    &head[sts + ":sts:".len()..],
                    &rest[..slash]
                ));
            }
            return Cow::Borrowed(&arn[..pos + ":assumed-role/".len() + slash]);
        }
    }
    Cow::Borrowed(arn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_fields() {
        let ev = Event::parse(
            r#"{"awsRegion":42,"eventTime":"2024-01-02T03:04:05Z","readOnly":true,
                "userIdentity":"odd","errorCode":null,"eventSource":{"x":1}}"#,
        )
        .unwrap();
        assert_eq!(ev.region(), None);
        assert!(ev.read_only());
        assert!(ev.user_identity.0.is_none());
        assert_eq!(ev.identity_type(), NO_IDENTITY_TYPE);
        assert!(!ev.failed());
        assert_eq!(ev.event_source.get(), None);
        assert_eq!(ev.day().unwrap().to_string(), "2024-01-02");
    }

    #[test]
    fn principal_normalization() {
        let ev = Event::parse(
            r#"{"userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/Deploy/ci-123"}}"#,
        )
        .unwrap();
        assert_eq!(ev.principal(), "arn:aws:iam::1:role/Deploy");
        let ev = Event::parse(
            r#"{"userIdentity":{"type":"AssumedRole","arn":"arn:aws-cn:sts::2:assumed-role/R/s"}}"#,
        )
        .unwrap();
        assert_eq!(ev.principal(), "arn:aws-cn:iam::2:role/R");
        let ev = Event::parse(
            r#"{"userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/R/s",
               "sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::1:role/R"}}}}"#,
        )
        .unwrap();
        assert_eq!(ev.principal(), "arn:aws:iam::1:role/R");
        let ev = Event::parse(
            r#"{"userIdentity":{"type":"AWSService","invokedBy":"lambda.amazonaws.com"}}"#,
        )
        .unwrap();
        assert_eq!(ev.principal(), "lambda.amazonaws.com");
        assert_eq!(Event::parse("{}").unwrap().principal(), UNKNOWN_PRINCIPAL);
        let ev = Event::parse(
            r#"{"userIdentity":{"type":"AWSAccount","principalId":"AROAX:s","accountId":"222"}}"#,
        )
        .unwrap();
        assert_eq!(ev.principal(), "aws-account:222");
        // IAM Identity Center: one person, whatever the session's principalId.
        for session in ["d-9067642ac7.a1", "d-9067642ac7.b2"] {
            let text = format!(
                r#"{{"userIdentity":{{"type":"Unknown","principalId":"{session}","accountId":"1","userName":"alice"}}}}"#
            );
            let ev = Event::parse(&text).unwrap();
            assert_eq!(ev.principal(), "identity-center:alice");
        }
        let ev = Event::parse(
            r#"{"userIdentity":{"type":"IdentityCenterUser","principalId":"d-1.x","onBehalfOf":{"userId":"u-42"}}}"#,
        )
        .unwrap();
        assert_eq!(ev.principal(), "identity-center:u-42");
    }

    #[test]
    fn origins() {
        let origin = |j: &str| Event::parse(j).unwrap().origin();
        assert_eq!(
            origin(r#"{"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a"}}"#),
            Origin::Direct
        );
        assert_eq!(
            origin(r#"{"userIdentity":{"type":"AWSService"}}"#),
            Origin::AwsService
        );
        assert_eq!(
            origin(r#"{"eventType":"AwsServiceEvent"}"#),
            Origin::AwsService
        );
        assert_eq!(
            origin(
                r#"{"userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/AWSServiceRoleForConfig/x","invokedBy":"config.amazonaws.com"}}"#
            ),
            Origin::ServiceLinkedRole
        );
        assert_eq!(
            origin(r#"{"userIdentity":{"type":"AssumedRole","invokedBy":"s3.amazonaws.com"}}"#),
            Origin::InvokedByService
        );
        assert_eq!(
            origin(r#"{"sourceIPAddress":"s3.amazonaws.com"}"#),
            Origin::InvokedByService
        );
        assert_eq!(
            origin(r#"{"userAgent":"AWS Internal"}"#),
            Origin::AwsInternal
        );
        for o in Origin::ALL {
            assert_eq!(Origin::parse(o.as_str()), Some(o));
        }
    }

    /// The fast reader of validated records gives what serde gives, on every real record and on
    /// the spellings it hands to serde (escapes, fields given twice, odd types, odd spacing).
    #[test]
    fn records_read_fast_as_serde_reads_them() {
        let same = |text: &str| {
            let raw: &RawValue = serde_json::from_str(text).unwrap();
            let (fast, slow) = (Event::from_record(raw), Event::parse(text));
            match (&fast, &slow) {
                (Ok(f), Ok(s)) => assert_eq!(format!("{f:?}"), format!("{s:?}"), "{text}"),
                (Err(f), Err(s)) => assert_eq!(f.to_string(), s.to_string(), "{text}"),
                _ => panic!("{text}: {fast:?} vs {slow:?}"),
            }
        };
        for text in [
            "{}",
            " { } ",
            r#"{"awsRegion":"us-east-1","eventTime":"2024-01-02T03:04:05Z"}"#,
            r#"{ "awsRegion" : "eu-west-1" , "x" : [ 1 , { "y" : "}" } ] }"#,
            "{\n\t\"awsRegion\":\n\"eu-west-1\"\r\n}",
            r#"{"awsRegion":"us-\u0065ast-1"}"#,
            r#"{"aws\u0052egion":"us-east-1"}"#,
            r#"{"awsRegion":"a","awsRegion":"b"}"#,
            r#"{"userIdentity":{"arn":"a","arn":"b"}}"#,
            r#"{"userIdentity":{},"userIdentity":{}}"#,
            r#"{"readOnly":true,"errorCode":false,"awsRegion":null,"eventName":12.5e3}"#,
            r#"{"eventSource":[1,"]",{"a":"\"}"}],"eventName":"x"}"#,
            r#"{"userIdentity":[{"type":"IAMUser"}],"eventName":"x"}"#,
            r#"{"userIdentity":"IAMUser","awsRegion":"x"}"#,
            r#"{"userIdentity":{"type":"AssumedRole","sessionContext":{"sessionIssuer":"x"}}}"#,
            r#"{"userIdentity":{"sessionContext":{"sessionIssuer":{"arn":"r","arn":"s"}}}}"#,
            r#"{"userIdentity":{"sessionContext":{"sessionIssuer":{"arn":"r"},"sessionIssuer":{}}}}"#,
            r#"{"userIdentity":{"onBehalfOf":{"userId":"u","userId":"v"}}}"#,
            r#"{"userIdentity":{"onBehalfOf":{"userId":"u\/v"}}}"#,
            r#"{"userIdentity":{"type":"Unknown","userName":"ÄÖ 名前","onBehalfOf":7}}"#,
            r#"{"requestParameters":{"policy":"{\"Statement\":[{\"Effect\":\"Allow\"}]}"},"awsRegion":"x"}"#,
            r#"{"awsRegion":"","eventName":"","userAgent":"a\\"}"#,
            r#"{"awsRegion":-0.0,"eventTime":1e400,"eventID":true}"#,
            r#"{"awsRegion":"x","eventID":true,"eventName":18446744073709551616,"x":1e400}"#,
            r#"{"userIdentity":-1,"awsRegion":"x"}"#,
            r#"{"awsRegion":"x","userIdentity":"\ud800"}"#,
            r#"{"awsRegion":"x","userIdentity":"a\/b"}"#,
            r#"{"userIdentity":{"sessionContext":"\ud800"}}"#,
            r#"{"userIdentity":{"onBehalfOf":"\udc00x"}}"#,
            r#"{"userIdentity":{"sessionContext":{"sessionIssuer":"\ud800"}}}"#,
            r#"{"userIdentity":{"x":"\ud800","type":"Root"},"requestParameters":"\ud800"}"#,
            r#"{"awsRegion":"x","eventName":["\ud800"],"eventSource":{"a":"\ud800"}}"#,
            r#"{"awsRegion":"x","":"empty key","\"":"quote key"}"#,
        ] {
            same(text);
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let found = crate::input::discover(
            &[
                root.join("testdata/shared/data/cloudtrail"),
                root.join("testdata/input"),
            ],
            &crate::input::DiscoverOptions::default(),
        );
        let (mut records, mut fast_read) = (0, 0);
        for source in &found.sources {
            crate::input::read_records(source, &mut |record| {
                same(record.json.get());
                records += 1;
                fast_read += usize::from(fast::parse(record.json.get()).is_some());
            });
        }
        assert!(records > 3000, "{records} records");
        // Not a comparison of serde with itself: the fast reader reads nearly all of them.
        assert!(fast_read * 100 > records * 95, "{fast_read} of {records}");
    }

    #[test]
    fn read_only_inference() {
        assert!(
            Event::parse(r#"{"eventName":"DescribeInstances"}"#)
                .unwrap()
                .read_only()
        );
        assert!(
            !Event::parse(r#"{"eventName":"RunInstances"}"#)
                .unwrap()
                .read_only()
        );
        assert!(
            !Event::parse(r#"{"eventName":"ListBuckets","readOnly":"false"}"#)
                .unwrap()
                .read_only()
        );
    }
}
