//! The Sigma rule loader on arbitrary text, then every loaded rule evaluated on fixed events.
//!
//! Properties (any failure is a crash):
//! * loading never panics, aborts, hangs or blows up memory, whatever the text (bad YAML, several
//!   documents, odd modifiers, huge `|expand` combinations, deep nesting);
//! * loading every logsource loads at least the rules that loading CloudTrail rules only loads
//!   (`all_logsources` only ever adds rules);
//! * evaluating every loaded rule on a few fixed CloudTrail events never panics, and
//!   `RuleSet::evaluate` agrees with `RuleSet::matches` rule by rule.
#![no_main]

use std::path::Path;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use trailtune::sigma::{LoadOptions, RuleSet};

static EVENTS: LazyLock<Vec<serde_json::Value>> = LazyLock::new(|| {
    [
        r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","userName":"alice"},"eventTime":"2025-03-01T10:05:00Z","eventSource":"s3.amazonaws.com","eventName":"PutBucketVersioning","awsRegion":"ap-east-1","sourceIPAddress":"203.0.113.7","userAgent":"aws-cli/2.15.0","requestParameters":{"bucketName":"logs","VersioningConfiguration":{"Status":"Suspended"}},"responseElements":null,"eventID":"e-1","readOnly":false,"resources":[{"ARN":"arn:aws:s3:::logs","type":"AWS::S3::Bucket"}],"eventType":"AwsApiCall","recipientAccountId":"111122223333","tlsDetails":{"tlsVersion":"TLSv1.3"},"errorCode":"AccessDenied","count":3,"flag":true}"#,
        r#"{"eventTime":"2025-03-02T00:00:00Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","awsRegion":"us-east-1","userIdentity":{"type":"AWSService","invokedBy":"ec2.amazonaws.com"},"eventID":"e-2"}"#,
        "{}",
    ]
    .iter()
    .map(|s| serde_json::from_str(s).unwrap())
    .collect()
});

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let mut counts = Vec::new();
    for all_logsources in [false, true] {
        let opts = LoadOptions {
            all_logsources,
            vars: [(
                "region".to_string(),
                vec!["eu-*".to_string(), "us-east-1".to_string()],
            )]
            .into_iter()
            .collect(),
        };
        let loaded = RuleSet::load_str(text, Path::new("fuzz.yml"), &opts);
        let rules = &loaded.rules;
        assert_eq!(rules.len(), rules.rules().len());
        for event in EVENTS.iter() {
            let hits = rules.evaluate(event);
            assert!(
                hits.windows(2).all(|w| w[0] < w[1]),
                "hits not ascending: {hits:?}"
            );
            for index in 0..rules.len() {
                assert_eq!(
                    rules.matches(index, event),
                    hits.contains(&index),
                    "evaluate and matches disagree on rule {index}"
                );
            }
            assert!(!rules.matches(rules.len(), event));
        }
        counts.push(rules.len());
    }
    assert!(
        counts[1] >= counts[0],
        "all_logsources loads fewer rules: {counts:?}"
    );
});
