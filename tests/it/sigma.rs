//! Sigma engine adapter (`trailtune::sigma`): conformance table, engine defects and their
//! workarounds, every shared SigmaHQ AWS rule over real CloudTrail logs, `aws-extra`, the seed rule.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;
use trailtune::sigma::{LoadOptions, RuleSet};

use crate::common;

/// Every event of one dataset folder: `{"Records":[..]}`, a JSON array, one JSON value, or NDJSON;
/// gzip recognised by its magic bytes. Non-log files (`*.md`, `*.tsv`) are ignored.
fn read_events(folder: &Path) -> Vec<Value> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(folder)
        .into_iter()
        .map(|e| e.expect("readable dataset entry").into_path())
        .filter(|p| p.is_file())
        .filter(|p| !matches!(p.extension().and_then(|e| e.to_str()), Some("md" | "tsv")))
        .collect();
    files.sort();
    let mut events = Vec::new();
    for file in files {
        let bytes = std::fs::read(&file).expect("readable dataset file");
        let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_end(&mut out)
                .expect("gzip");
            out
        } else {
            bytes
        };
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(mut map)) if map.get("Records").is_some_and(Value::is_array) => {
                let Some(Value::Array(records)) = map.remove("Records") else {
                    unreachable!()
                };
                events.extend(records);
            }
            Ok(Value::Array(items)) => events.extend(items),
            Ok(one) => events.push(one),
            Err(_) => {
                for line in bytes
                    .split(|b| *b == b'\n')
                    .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
                {
                    events.push(
                        serde_json::from_slice(line)
                            .unwrap_or_else(|e| panic!("{}: {e}", file.display())),
                    );
                }
            }
        }
    }
    events
}

fn opts() -> LoadOptions {
    LoadOptions::default()
}

fn vars(pairs: &[(&str, &[&str])]) -> LoadOptions {
    LoadOptions {
        vars: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect(),
        all_logsources: false,
    }
}

/// A rule whose `detection:` section is `detection` (written unindented).
fn rule_with(detection: &str) -> String {
    let body: String = detection.lines().map(|l| format!("  {l}\n")).collect();
    format!(
        "title: case\nid: case-1\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n{body}"
    )
}

/// Load one rule text that must load cleanly.
fn load_one(text: &str, opts: &LoadOptions) -> RuleSet {
    let loaded = RuleSet::load_str(text, Path::new("case.yml"), opts);
    assert!(loaded.errors.is_empty(), "{}: {:?}", text, loaded.errors);
    assert_eq!(loaded.rules.len(), 1, "{text}");
    loaded.rules
}

fn event(json: &str) -> Value {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("bad event JSON {json}: {e}"))
}

// ---------------------------------------------------------------------------------------------
// 1. Conformance table
// ---------------------------------------------------------------------------------------------

struct Case {
    name: &'static str,
    detection: &'static str,
    event: &'static str,
    expected: bool,
}

const fn case(
    name: &'static str,
    detection: &'static str,
    event: &'static str,
    expected: bool,
) -> Case {
    Case {
        name,
        detection,
        event,
        expected,
    }
}

/// Every modifier and condition form the SigmaHQ AWS rules use, the adapter's conventions, and
/// the engine deviations we work around or pin.
const CASES: &[Case] = &[
    // Plain values: exact, case-insensitive, not a substring.
    case(
        "plain_equal",
        "sel:\n  eventName: ConsoleLogin\ncondition: sel",
        r#"{"eventName":"ConsoleLogin"}"#,
        true,
    ),
    case(
        "plain_case_insensitive",
        "sel:\n  eventName: consolelogin\ncondition: sel",
        r#"{"eventName":"ConsoleLogin"}"#,
        true,
    ),
    case(
        "plain_case_insensitive_unicode",
        "sel:\n  userName: 'ÄRGER'\ncondition: sel",
        r#"{"userName":"ärger"}"#,
        true,
    ),
    case(
        "plain_is_not_substring",
        "sel:\n  eventName: Console\ncondition: sel",
        r#"{"eventName":"ConsoleLogin"}"#,
        false,
    ),
    case(
        "plain_missing_field",
        "sel:\n  eventName: ConsoleLogin\ncondition: sel",
        r#"{"other":"ConsoleLogin"}"#,
        false,
    ),
    case(
        "plain_empty_string",
        "sel:\n  eventName: ''\ncondition: sel",
        r#"{"eventName":""}"#,
        true,
    ),
    // contains / startswith / endswith / all / re / fieldref.
    case(
        "contains",
        "sel:\n  userAgent|contains: 'S3 Browser'\ncondition: sel",
        r#"{"userAgent":"[S3 Browser 9.5.5]"}"#,
        true,
    ),
    case(
        "contains_case_insensitive",
        "sel:\n  userAgent|contains: 'trufflehog'\ncondition: sel",
        r#"{"userAgent":"TruffleHog v3"}"#,
        true,
    ),
    case(
        "contains_miss",
        "sel:\n  userAgent|contains: 'S3 Browser'\ncondition: sel",
        r#"{"userAgent":"aws-cli/2"}"#,
        false,
    ),
    case(
        "contains_literal_dollar_braces",
        "sel:\n  userAgent|contains: 'Jersey/${project.version}'\ncondition: sel",
        r#"{"userAgent":"x Jersey/${project.version} y"}"#,
        true,
    ),
    case(
        "contains_star_means_present_non_null",
        "sel:\n  errorCode|contains: '*'\ncondition: sel",
        r#"{"errorCode":"AccessDenied"}"#,
        true,
    ),
    case(
        "contains_star_missing",
        "sel:\n  errorCode|contains: '*'\ncondition: sel",
        r#"{"eventName":"x"}"#,
        false,
    ),
    case(
        "contains_star_null",
        "sel:\n  errorCode|contains: '*'\ncondition: sel",
        r#"{"errorCode":null}"#,
        false,
    ),
    case(
        "startswith",
        "sel:\n  eventName|startswith: 'UpdateFunctionConfiguration'\ncondition: sel",
        r#"{"eventName":"UpdateFunctionConfiguration20150331v2"}"#,
        true,
    ),
    case(
        "startswith_miss",
        "sel:\n  eventName|startswith: 'Function'\ncondition: sel",
        r#"{"eventName":"UpdateFunctionConfiguration"}"#,
        false,
    ),
    case(
        "endswith",
        "sel:\n  eventName|endswith: 'Policy'\ncondition: sel",
        r#"{"eventName":"PutBucketPolicy"}"#,
        true,
    ),
    case(
        "endswith_miss",
        "sel:\n  eventName|endswith: 'Put'\ncondition: sel",
        r#"{"eventName":"PutBucketPolicy"}"#,
        false,
    ),
    case(
        "contains_all",
        "sel:\n  userAgent|contains|all:\n    - 'aws-cli'\n    - 'linux'\ncondition: sel",
        r#"{"userAgent":"aws-cli/2 Linux/5"}"#,
        true,
    ),
    case(
        "contains_all_one_missing",
        "sel:\n  userAgent|contains|all:\n    - 'aws-cli'\n    - 'windows'\ncondition: sel",
        r#"{"userAgent":"aws-cli/2 Linux/5"}"#,
        false,
    ),
    case(
        "re",
        "sel:\n  userIdentity.arn|re: '.+:assumed-role/aws:.+'\ncondition: sel",
        r#"{"userIdentity":{"arn":"arn:aws:sts::1:assumed-role/aws:ec2-instance/i-1"}}"#,
        true,
    ),
    case(
        "re_is_case_sensitive",
        "sel:\n  eventName|re: '^delete'\ncondition: sel",
        r#"{"eventName":"DeleteBucket"}"#,
        false,
    ),
    case(
        "re_i_flag",
        "sel:\n  eventName|re|i: '^delete'\ncondition: sel",
        r#"{"eventName":"DeleteBucket"}"#,
        true,
    ),
    case(
        "re_is_a_search_not_a_full_match",
        "sel:\n  eventName|re: 'Bucket'\ncondition: sel",
        r#"{"eventName":"DeleteBucketPolicy"}"#,
        true,
    ),
    case(
        "fieldref_equal",
        "sel:\n  userIdentity.arn|fieldref: requestParameters.userName\ncondition: sel",
        r#"{"userIdentity":{"arn":"bob"},"requestParameters":{"userName":"bob"}}"#,
        true,
    ),
    case(
        "fieldref_differs",
        "sel:\n  userIdentity.arn|fieldref: requestParameters.userName\ncondition: sel",
        r#"{"userIdentity":{"arn":"bob"},"requestParameters":{"userName":"alice"}}"#,
        false,
    ),
    case(
        "fieldref_target_missing",
        "sel:\n  userIdentity.arn|fieldref: requestParameters.userName\ncondition: sel",
        r#"{"userIdentity":{"arn":"bob"}}"#,
        false,
    ),
    case(
        "contains_without_fieldref_is_literal",
        "sel:\n  userIdentity.arn|contains: responseElements.accessKey.userName\ncondition: sel",
        r#"{"userIdentity":{"arn":"arn:...:user/bob"},"responseElements":{"accessKey":{"userName":"bob"}}}"#,
        false,
    ),
    // Lists are OR, maps are AND, a list of maps is OR of ANDs.
    case(
        "list_is_or",
        "sel:\n  eventName:\n    - StopLogging\n    - DeleteTrail\ncondition: sel",
        r#"{"eventName":"DeleteTrail"}"#,
        true,
    ),
    case(
        "list_is_or_miss",
        "sel:\n  eventName:\n    - StopLogging\n    - DeleteTrail\ncondition: sel",
        r#"{"eventName":"CreateTrail"}"#,
        false,
    ),
    case(
        "map_is_and",
        "sel:\n  eventSource: s3.amazonaws.com\n  eventName: DeleteBucket\ncondition: sel",
        r#"{"eventSource":"s3.amazonaws.com","eventName":"DeleteBucket"}"#,
        true,
    ),
    case(
        "map_is_and_one_differs",
        "sel:\n  eventSource: s3.amazonaws.com\n  eventName: DeleteBucket\ncondition: sel",
        r#"{"eventSource":"ec2.amazonaws.com","eventName":"DeleteBucket"}"#,
        false,
    ),
    case(
        "list_of_maps_second",
        "sel:\n  - eventSource: s3.amazonaws.com\n    eventName: DeleteBucket\n  - eventSource: ec2.amazonaws.com\n    eventName: DeleteVpc\ncondition: sel",
        r#"{"eventSource":"ec2.amazonaws.com","eventName":"DeleteVpc"}"#,
        true,
    ),
    case(
        "list_of_maps_mixed_is_no",
        "sel:\n  - eventSource: s3.amazonaws.com\n    eventName: DeleteBucket\n  - eventSource: ec2.amazonaws.com\n    eventName: DeleteVpc\ncondition: sel",
        r#"{"eventSource":"ec2.amazonaws.com","eventName":"DeleteBucket"}"#,
        false,
    ),
    // Conditions.
    case(
        "one_of_pattern",
        "selection_event_name:\n  eventName: DeleteBucket\nselection_status_success:\n  errorCode: Success\nselection_status_null:\n  errorCode: null\ncondition: selection_event_name and 1 of selection_status_*",
        r#"{"eventName":"DeleteBucket","errorCode":"Success"}"#,
        true,
    ),
    case(
        "one_of_pattern_none",
        "selection_event_name:\n  eventName: DeleteBucket\nselection_status_success:\n  errorCode: Success\nselection_status_null:\n  errorCode: null\ncondition: selection_event_name and 1 of selection_status_*",
        r#"{"eventName":"DeleteBucket","errorCode":"AccessDenied"}"#,
        false,
    ),
    case(
        "one_of_selection_star",
        "selection_a:\n  eventName: A\nselection_b:\n  eventName: B\ncondition: 1 of selection_*",
        r#"{"eventName":"B"}"#,
        true,
    ),
    case(
        "all_of_pattern",
        "sel_a:\n  eventName: A\nsel_b:\n  eventSource: s\ncondition: all of sel_*",
        r#"{"eventName":"A","eventSource":"s"}"#,
        true,
    ),
    case(
        "all_of_them",
        "a:\n  eventName: A\nb:\n  eventSource: s\ncondition: all of them",
        r#"{"eventName":"A","eventSource":"x"}"#,
        false,
    ),
    case(
        "all_of_them_skips_underscore",
        "a:\n  eventName: A\n_b:\n  eventSource: s\ncondition: all of them",
        r#"{"eventName":"A","eventSource":"x"}"#,
        true,
    ),
    case(
        "one_of_them",
        "a:\n  eventName: A\nb:\n  eventSource: s\ncondition: 1 of them",
        r#"{"eventName":"x","eventSource":"s"}"#,
        true,
    ),
    case(
        "not_filter_present",
        "sel:\n  eventName: CreateAccessKey\nfilter:\n  userIdentity.type: AWSService\ncondition: sel and not filter",
        r#"{"eventName":"CreateAccessKey","userIdentity":{"type":"AWSService"}}"#,
        false,
    ),
    case(
        "not_filter_field_missing_is_true",
        "sel:\n  eventName: CreateAccessKey\nfilter:\n  userIdentity.type: AWSService\ncondition: sel and not filter",
        r#"{"eventName":"CreateAccessKey"}"#,
        true,
    ),
    case(
        "not_one_of_filters",
        "sel:\n  eventName: X\nfilter_main_a:\n  userName: a\nfilter_main_b:\n  userName: b\ncondition: sel and not 1 of filter_main_*",
        r#"{"eventName":"X","userName":"b"}"#,
        false,
    ),
    case(
        "parentheses",
        "sel:\n  eventName: X\na:\n  userName: a\nb:\n  userName: b\ncondition: sel and (a or b)",
        r#"{"eventName":"X","userName":"b"}"#,
        true,
    ),
    case(
        "precedence_and_before_or",
        "sel:\n  eventName: X\na:\n  userName: a\nb:\n  userName: b\ncondition: b or sel and a",
        r#"{"eventName":"Y","userName":"b"}"#,
        true,
    ),
    case(
        "precedence_not_before_and",
        "sel:\n  eventName: X\na:\n  userName: a\ncondition: not a and sel",
        r#"{"eventName":"X","userName":"z"}"#,
        true,
    ),
    case(
        "condition_list_is_or",
        "a:\n  eventName: A\nb:\n  eventName: B\ncondition:\n  - a\n  - b",
        r#"{"eventName":"B"}"#,
        true,
    ),
    // null.
    case(
        "null_matches_missing",
        "sel:\n  errorCode: null\ncondition: sel",
        r#"{"eventName":"x"}"#,
        true,
    ),
    case(
        "null_matches_json_null",
        "sel:\n  errorCode: null\ncondition: sel",
        r#"{"errorCode":null}"#,
        true,
    ),
    case(
        "null_not_a_value",
        "sel:\n  errorCode: null\ncondition: sel",
        r#"{"errorCode":"AccessDenied"}"#,
        false,
    ),
    case(
        "null_not_empty_string",
        "sel:\n  errorCode: null\ncondition: sel",
        r#"{"errorCode":""}"#,
        false,
    ),
    // Wildcards and escapes.
    case(
        "wildcard_star",
        "sel:\n  eventName: 'Delete*Policy'\ncondition: sel",
        r#"{"eventName":"DeleteBucketPolicy"}"#,
        true,
    ),
    case(
        "wildcard_star_matches_empty",
        "sel:\n  eventSource: '*'\ncondition: sel",
        r#"{"eventSource":""}"#,
        true,
    ),
    case(
        "wildcard_star_not_missing",
        "sel:\n  eventSource: '*'\ncondition: sel",
        r#"{"eventName":"x"}"#,
        false,
    ),
    case(
        "wildcard_star_not_null",
        "sel:\n  eventSource: '*'\ncondition: sel",
        r#"{"eventSource":null}"#,
        false,
    ),
    case(
        "wildcard_question_one_char",
        "sel:\n  eventName: 'Get?ucket'\ncondition: sel",
        r#"{"eventName":"GetBucket"}"#,
        true,
    ),
    case(
        "wildcard_question_not_two",
        "sel:\n  eventName: 'Get?ucket'\ncondition: sel",
        r#"{"eventName":"GetBBucket"}"#,
        false,
    ),
    case(
        "wildcard_in_arn",
        "sel:\n  userIdentity.arn: 'arn:aws:iam::*:root'\ncondition: sel",
        r#"{"userIdentity":{"arn":"arn:aws:iam::123456789012:root"}}"#,
        true,
    ),
    case(
        "escaped_star_is_literal",
        "sel:\n  name: 'a\\*b'\ncondition: sel",
        r#"{"name":"a*b"}"#,
        true,
    ),
    case(
        "escaped_star_not_wildcard",
        "sel:\n  name: 'a\\*b'\ncondition: sel",
        r#"{"name":"axxb"}"#,
        false,
    ),
    case(
        "escaped_question_is_literal",
        "sel:\n  name: 'a\\?'\ncondition: sel",
        r#"{"name":"ab"}"#,
        false,
    ),
    case(
        "escaped_backslash_then_wildcard",
        "sel:\n  name: 'a\\\\*'\ncondition: sel",
        r#"{"name":"a\\xyz"}"#,
        true,
    ),
    case(
        "lone_backslash_is_literal",
        "sel:\n  name: 'C:\\Windows'\ncondition: sel",
        r#"{"name":"C:\\Windows"}"#,
        true,
    ),
    case(
        "underscore_is_literal",
        "sel:\n  name: 'a_b'\ncondition: sel",
        r#"{"name":"axb"}"#,
        false,
    ),
    // Booleans and numbers as strings.
    case(
        "bool_string_matches_json_false",
        "sel:\n  requestParameters.enable: 'false'\ncondition: sel",
        r#"{"requestParameters":{"enable":false}}"#,
        true,
    ),
    case(
        "bool_string_true_vs_false",
        "sel:\n  requestParameters.enable: 'false'\ncondition: sel",
        r#"{"requestParameters":{"enable":true}}"#,
        false,
    ),
    case(
        "bool_string_case_insensitive",
        "sel:\n  publiclyAccessible: 'TRUE'\ncondition: sel",
        r#"{"publiclyAccessible":true}"#,
        true,
    ),
    case(
        "yaml_bool_matches_json_bool",
        "sel:\n  publiclyAccessible: true\ncondition: sel",
        r#"{"publiclyAccessible":true}"#,
        true,
    ),
    case(
        "bool_string_matches_string",
        "sel:\n  enable: 'false'\ncondition: sel",
        r#"{"enable":"false"}"#,
        true,
    ),
    case(
        "number_string_matches_json_number",
        "sel:\n  port: '22'\ncondition: sel",
        r#"{"port":22}"#,
        true,
    ),
    case(
        "yaml_number_matches_json_number",
        "sel:\n  port: 22\ncondition: sel",
        r#"{"port":22}"#,
        true,
    ),
    case(
        "yaml_number_matches_string",
        "sel:\n  port: 22\ncondition: sel",
        r#"{"port":"22"}"#,
        true,
    ),
    // Adapter: dotted names.
    case(
        "dotted_nested",
        "sel:\n  userIdentity.type: Root\ncondition: sel",
        r#"{"userIdentity":{"type":"Root"}}"#,
        true,
    ),
    case(
        "dotted_literal_key_wins",
        "sel:\n  userIdentity.type: Literal\ncondition: sel",
        r#"{"userIdentity.type":"Literal","userIdentity":{"type":"Nested"}}"#,
        true,
    ),
    case(
        "dotted_literal_key_hides_nested",
        "sel:\n  userIdentity.type: Nested\ncondition: sel",
        r#"{"userIdentity.type":"Literal","userIdentity":{"type":"Nested"}}"#,
        false,
    ),
    case(
        "dotted_deep",
        "sel:\n  userIdentity.sessionContext.sessionIssuer.type: Role\ncondition: sel",
        r#"{"userIdentity":{"sessionContext":{"sessionIssuer":{"type":"Role"}}}}"#,
        true,
    ),
    case(
        "dotted_through_scalar_is_missing",
        "sel:\n  userIdentity.type: Root\ncondition: sel",
        r#"{"userIdentity":"Root"}"#,
        false,
    ),
    case(
        "inner_literal_dotted_key_not_found",
        "sel:\n  a.b.c: x\ncondition: sel",
        r#"{"a":{"b.c":"x"}}"#,
        false,
    ),
    // Adapter: arrays, any element.
    case(
        "array_any_element_equal",
        "sel:\n  awsRegion: ap-east-1\ncondition: sel",
        r#"{"awsRegion":["us-east-1","ap-east-1"]}"#,
        true,
    ),
    case(
        "array_no_element",
        "sel:\n  awsRegion: ap-east-1\ncondition: sel",
        r#"{"awsRegion":["us-east-1"]}"#,
        false,
    ),
    case(
        "array_path_through_objects",
        "sel:\n  resources.ARN|endswith: ':secret'\ncondition: sel",
        r#"{"resources":[{"ARN":"a"},{"ARN":"b:secret"}]}"#,
        true,
    ),
    case(
        "array_contains_element",
        "sel:\n  requestParameters.containerDefinitions.command|contains: '$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'\ncondition: sel",
        r#"{"requestParameters":{"containerDefinitions":[{"command":["sh","-c","curl 169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"]}]}}"#,
        true,
    ),
    case(
        "array_empty_contains_star_is_no",
        "sel:\n  requestParameters.layers|contains: '*'\ncondition: sel",
        r#"{"requestParameters":{"layers":[]}}"#,
        false,
    ),
    case(
        "array_of_null_contains_star_is_no",
        "sel:\n  requestParameters.layers|contains: '*'\ncondition: sel",
        r#"{"requestParameters":{"layers":[null]}}"#,
        false,
    ),
    case(
        "array_layers_contains_star",
        "sel:\n  requestParameters.layers|contains: '*'\ncondition: sel",
        r#"{"requestParameters":{"layers":["arn:aws:lambda:us-east-1:1:layer:x:1"]}}"#,
        true,
    ),
    case(
        "not_over_array_any_element",
        "sel:\n  eventName: X\nfilter:\n  tags: prod\ncondition: sel and not filter",
        r#"{"eventName":"X","tags":["dev","prod"]}"#,
        false,
    ),
    // Adapter: objects compare as their compact JSON text.
    case(
        "object_contains_text",
        "sel:\n  requestParameters|contains: 'Suspended'\ncondition: sel",
        r#"{"requestParameters":{"bucketName":"b","VersioningConfiguration":{"Status":"Suspended"}}}"#,
        true,
    ),
    case(
        "object_contains_key_text",
        "sel:\n  requestParameters|contains: 'VersioningConfiguration'\ncondition: sel",
        r#"{"requestParameters":{"VersioningConfiguration":{"Status":"Enabled"}}}"#,
        true,
    ),
    case(
        "object_contains_compact_json",
        "sel:\n  requestParameters|contains: '\"Status\":\"Suspended\"'\ncondition: sel",
        r#"{"requestParameters":{"VersioningConfiguration":{ "Status" : "Suspended" }}}"#,
        true,
    ),
    case(
        "object_contains_miss",
        "sel:\n  requestParameters|contains: 'Suspended'\ncondition: sel",
        r#"{"requestParameters":{"VersioningConfiguration":{"Status":"Enabled"}}}"#,
        false,
    ),
    case(
        "object_contains_all",
        "sel:\n  requestParameters|contains|all:\n    - 'Principal'\n    - 'Deny'\ncondition: sel",
        r#"{"requestParameters":{"policy":{"Statement":[{"Effect":"Deny","Principal":"*"}]}}}"#,
        true,
    ),
    case(
        "object_contains_case_insensitive",
        "sel:\n  responseElements|contains: 'failure'\ncondition: sel",
        r#"{"responseElements":{"exportTask":{"state":"Failure"}}}"#,
        true,
    ),
    case(
        "object_inside_array_contains",
        "sel:\n  items|contains: 'needle'\ncondition: sel",
        r#"{"items":[{"a":"hay"},{"b":"needle"}]}"#,
        true,
    ),
    case(
        "object_equal_whole_text",
        "sel:\n  requestParameters: '{\"a\":1}'\ncondition: sel",
        r#"{"requestParameters":{"a":1}}"#,
        true,
    ),
    case(
        "object_not_null",
        "sel:\n  requestParameters: null\ncondition: sel",
        r#"{"requestParameters":{}}"#,
        false,
    ),
    // Keywords (no SigmaHQ AWS rule uses them): substring over the event's string values.
    case(
        "keyword_substring",
        "keywords:\n  - 'evil'\ncondition: keywords",
        r#"{"a":{"b":"some EVIL here"}}"#,
        true,
    ),
    case(
        "keyword_not_keys",
        "keywords:\n  - 'evil'\ncondition: keywords",
        r#"{"evil":"x"}"#,
        false,
    ),
    // Modifiers no SigmaHQ AWS rule uses, supported by the engine (Sigma v2.1 appendix).
    case(
        "cidr",
        "sel:\n  sourceIPAddress|cidr: '192.0.2.0/24'\ncondition: sel",
        r#"{"sourceIPAddress":"192.0.2.77"}"#,
        true,
    ),
    case(
        "cidr_outside",
        "sel:\n  sourceIPAddress|cidr: '192.0.2.0/24'\ncondition: sel",
        r#"{"sourceIPAddress":"192.0.3.1"}"#,
        false,
    ),
    case(
        "cidr_not_an_ip",
        "sel:\n  sourceIPAddress|cidr: '192.0.2.0/24'\ncondition: sel",
        r#"{"sourceIPAddress":"ec2.amazonaws.com"}"#,
        false,
    ),
    case(
        "gt_number",
        "sel:\n  bytes|gt: 100\ncondition: sel",
        r#"{"bytes":101}"#,
        true,
    ),
    case(
        "gt_numeric_string",
        "sel:\n  bytes|gt: 100\ncondition: sel",
        r#"{"bytes":"150"}"#,
        true,
    ),
    case(
        "lte_number",
        "sel:\n  bytes|lte: 100\ncondition: sel",
        r#"{"bytes":101}"#,
        false,
    ),
    case(
        "neq",
        "sel:\n  eventName|neq: ConsoleLogin\ncondition: sel",
        r#"{"eventName":"GetObject"}"#,
        true,
    ),
    case(
        "neq_equal",
        "sel:\n  eventName|neq: ConsoleLogin\ncondition: sel",
        r#"{"eventName":"consolelogin"}"#,
        false,
    ),
    case(
        "neq_missing_field_is_no",
        "sel:\n  eventName|neq: ConsoleLogin\ncondition: sel",
        r#"{"other":1}"#,
        false,
    ),
    case(
        "cased",
        "sel:\n  eventName|cased: ConsoleLogin\ncondition: sel",
        r#"{"eventName":"consolelogin"}"#,
        false,
    ),
    case(
        "cased_exact",
        "sel:\n  eventName|cased: ConsoleLogin\ncondition: sel",
        r#"{"eventName":"ConsoleLogin"}"#,
        true,
    ),
    case(
        "base64offset_contains",
        "sel:\n  userData|base64offset|contains: 'curl'\ncondition: sel",
        r#"{"userData":"IyEvYmluL3NoCmN1cmwgaHR0cDovL3g="}"#,
        true,
    ),
    case(
        "windash",
        "sel:\n  cmd|windash|contains: ' -enc '\ncondition: sel",
        r#"{"cmd":"powershell /enc abc"}"#,
        true,
    ),
];

#[test]
fn conformance_cases() {
    let mut failures = Vec::new();
    for c in CASES {
        let rules = load_one(&rule_with(c.detection), &opts());
        let got = !rules.evaluate(&event(c.event)).is_empty();
        if got != c.expected {
            failures.push(format!("{}: expected {}, got {got}", c.name, c.expected));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn conformance_case_names_are_unique() {
    let mut names: Vec<&str> = CASES.iter().map(|c| c.name).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len());
}

// ---------------------------------------------------------------------------------------------
// Engine defects of rsigma 0.23: what the engine does alone, and that our adapter fixes it.
// ---------------------------------------------------------------------------------------------

const VERSIONING_RULE: &str = "title: v\nlogsource: {product: aws, service: cloudtrail}\n\
    detection:\n  sel:\n    eventName: PutBucketVersioning\n    requestParameters|contains: Suspended\n  condition: sel\n";
const SUSPENDED: &str = r#"{"eventName":"PutBucketVersioning","requestParameters":{"bucketName":"b","VersioningConfiguration":{"Status":"Suspended"}}}"#;

#[test]
fn engine_defect_object_contains_never_matches_worked_around_by_adapter() {
    use rsigma_eval::{Engine, event::JsonEvent};
    let ev = event(SUSPENDED);
    let mut engine = Engine::new();
    engine
        .add_collection(&rsigma_parser::parse_sigma_yaml(VERSIONING_RULE).expect("parses"))
        .expect("compiles");
    assert!(
        engine.evaluate(&JsonEvent::borrow(&ev)).is_empty(),
        "rsigma alone never matches text against an object"
    );
    assert_eq!(
        load_one(VERSIONING_RULE, &opts()).evaluate(&ev),
        [0],
        "the adapter reads the object as JSON text"
    );
}

const EXPAND_RULE: &str = "title: expand\nid: expand-1\nlogsource: {product: aws, service: cloudtrail}\n\
    detection:\n  sel:\n    src_ip|expand: '%trusted%'\n  condition: sel\n";

/// What `Engine::new_with_pipeline` + `value_placeholders` does in 0.23 (verified, contrary to
/// what engine-eval.md expected): an unresolved placeholder is NOT a load error but is filled at
/// match time from the event's own field of that name, and a variable's wildcard is compared
/// literally (with one value and with several). Our loader expands placeholders itself instead.
#[test]
fn engine_defect_pipeline_placeholders_runtime_fill_and_literal_wildcards() {
    use rsigma_eval::{Engine, event::JsonEvent, pipeline::parse_pipeline};
    let collection = rsigma_parser::parse_sigma_yaml(EXPAND_RULE).expect("parses");
    let engine_with = |vars: &str| {
        let pipeline = parse_pipeline(&format!(
            "name: strict\n{vars}transformations:\n  - type: value_placeholders\n"
        ))
        .expect("pipeline parses");
        let mut engine = Engine::new_with_pipeline(pipeline);
        engine
            .add_collection(&collection)
            .expect("0.23 accepts the rule even with no vars");
        engine
    };
    let hits =
        |engine: &Engine, json: &str| engine.evaluate(&JsonEvent::borrow(&event(json))).len();

    let no_vars = engine_with("");
    assert_eq!(
        hits(&no_vars, r#"{"src_ip":"x","trusted":"x"}"#),
        1,
        "filled from the event itself"
    );

    for vars in [
        "vars:\n  trusted: ['192.0.2.*']\n",
        "vars:\n  trusted: ['192.0.2.*', '10.*']\n",
    ] {
        let engine = engine_with(vars);
        assert_eq!(
            hits(&engine, r#"{"src_ip":"192.0.2.5"}"#),
            0,
            "{vars}: wildcard not applied"
        );
        assert_eq!(
            hits(&engine, r#"{"src_ip":"192.0.2.*"}"#),
            1,
            "{vars}: compared literally"
        );
    }
}

#[test]
fn placeholder_unresolved_is_a_load_error() {
    let loaded = RuleSet::load_str(EXPAND_RULE, Path::new("expand.yml"), &opts());
    assert!(loaded.rules.is_empty());
    assert_eq!(loaded.errors.len(), 1, "{:?}", loaded.errors);
    let e = &loaded.errors[0];
    assert_eq!(
        (e.path.as_path(), e.rule.as_deref()),
        (Path::new("expand.yml"), Some("expand"))
    );
    assert!(
        e.reason.contains("unresolved placeholder %trusted%") && e.reason.contains("src_ip|expand"),
        "{e}"
    );
    // The event's own `trusted` field never fills it.
    let rules = load_one(EXPAND_RULE, &vars(&[("trusted", &["192.0.2.1"])]));
    assert!(
        rules
            .evaluate(&event(r#"{"src_ip":"x","trusted":"x"}"#))
            .is_empty()
    );
}

#[test]
fn placeholder_combinations_are_capped_with_a_load_error() {
    // Ten placeholders of ten values each: ten billion values, refused at load, not built.
    let rule = EXPAND_RULE.replace("'%trusted%'", &format!("'{}'", "%t%".repeat(10)));
    let ten: Vec<String> = (0..10).map(|i| i.to_string()).collect();
    let ten: Vec<&str> = ten.iter().map(String::as_str).collect();
    let loaded = RuleSet::load_str(&rule, Path::new("expand.yml"), &vars(&[("t", &ten)]));
    assert!(loaded.rules.is_empty());
    assert_eq!(loaded.errors.len(), 1, "{:?}", loaded.errors);
    let e = &loaded.errors[0];
    assert_eq!(e.rule.as_deref(), Some("expand"));
    assert!(
        e.reason.contains("src_ip|expand") && e.reason.contains("10000000000 values"),
        "{e}"
    );
    // Four placeholders (10,000 values) are within the limit.
    let rule = EXPAND_RULE.replace("'%trusted%'", &format!("'{}'", "%t%".repeat(4)));
    let loaded = RuleSet::load_str(&rule, Path::new("expand.yml"), &vars(&[("t", &ten)]));
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
}

#[test]
fn placeholder_empty_value_list_is_a_load_error() {
    let loaded = RuleSet::load_str(
        EXPAND_RULE,
        Path::new("expand.yml"),
        &vars(&[("trusted", &[])]),
    );
    assert!(loaded.rules.is_empty());
    assert!(
        loaded.errors[0].reason.contains("empty value list"),
        "{:?}",
        loaded.errors
    );
}

#[test]
fn placeholder_workaround_single_wildcard_value_is_a_wildcard() {
    let rules = load_one(EXPAND_RULE, &vars(&[("trusted", &["192.0.2.*"])]));
    assert_eq!(rules.evaluate(&event(r#"{"src_ip":"192.0.2.5"}"#)), [0]);
    assert!(
        rules
            .evaluate(&event(r#"{"src_ip":"198.51.100.1"}"#))
            .is_empty()
    );
}

#[test]
fn placeholder_workaround_several_values_are_or_and_keep_wildcards() {
    let rules = load_one(
        EXPAND_RULE,
        &vars(&[("trusted", &["192.0.2.*", "10.?.0.1"])]),
    );
    for (ip, expected) in [
        ("192.0.2.5", true),
        ("10.1.0.1", true),
        ("10.11.0.1", false),
        ("172.16.0.1", false),
    ] {
        let json = format!(r#"{{"src_ip":"{ip}"}}"#);
        assert_eq!(!rules.evaluate(&event(&json)).is_empty(), expected, "{ip}");
    }
}

#[test]
fn placeholder_inside_a_longer_value_and_with_contains() {
    let rule =
        rule_with("sel:\n  userIdentity.arn|expand|contains: ':user/%admin%'\ncondition: sel");
    let rules = load_one(&rule, &vars(&[("admin", &["alice", "bob"])]));
    assert_eq!(
        rules.evaluate(&event(
            r#"{"userIdentity":{"arn":"arn:aws:iam::1:user/BOB"}}"#
        )),
        [0]
    );
    assert!(
        rules
            .evaluate(&event(
                r#"{"userIdentity":{"arn":"arn:aws:iam::1:user/carol"}}"#
            ))
            .is_empty()
    );
}

/// rsigma 0.23: `|exists: true` is false for a present JSON null (the spec and 0.26 say true).
/// No SigmaHQ AWS rule nor the seed uses `exists`; not worked around, pinned so an upgrade shows.
#[test]
fn engine_deviation_exists_on_present_null_is_false_in_0_23() {
    let rules = load_one(
        &rule_with("sel:\n  errorCode|exists: true\ncondition: sel"),
        &opts(),
    );
    assert!(
        rules.evaluate(&event(r#"{"errorCode":null}"#)).is_empty(),
        "0.23 behaviour; spec says match"
    );
    assert_eq!(rules.evaluate(&event(r#"{"errorCode":"x"}"#)), [0]);
    assert!(rules.evaluate(&event(r#"{}"#)).is_empty());
    let absent = load_one(
        &rule_with("sel:\n  errorCode|exists: false\ncondition: sel"),
        &opts(),
    );
    assert_eq!(absent.evaluate(&event(r#"{}"#)), [0]);
}

// ---------------------------------------------------------------------------------------------
// Loading: errors, documents, logsource, filters, correlations.
// ---------------------------------------------------------------------------------------------

#[test]
fn deprecated_aggregation_is_a_clear_load_error() {
    let text = rule_with(
        "sel:\n  eventName: ListBuckets\ntimeframe: 10m\ncondition: sel | count() by sourceIPAddress > 5",
    );
    let loaded = RuleSet::load_str(&text, Path::new("agg.yml"), &opts());
    assert!(loaded.rules.is_empty());
    assert_eq!(loaded.errors.len(), 1);
    assert_eq!(
        loaded.errors[0].to_string(),
        "agg.yml: case: deprecated aggregation syntax '| count() by sourceIPAddress > 5' is not Sigma v2; \
         use a correlation rule (event_count / value_count) instead"
    );
}

#[test]
fn deprecated_near_is_a_clear_load_error() {
    let text = rule_with("a:\n  eventName: A\nb:\n  eventName: B\ncondition: a | near b");
    let loaded = RuleSet::load_str(&text, Path::new("near.yml"), &opts());
    assert!(loaded.rules.is_empty());
    assert!(
        loaded.errors[0]
            .reason
            .starts_with("deprecated 'near' syntax '| near b'"),
        "{:?}",
        loaded.errors
    );
}

#[test]
fn every_bad_document_reported_and_good_ones_kept() {
    let good =
        rule_with("sel:\n  eventName: A\ncondition: sel").replace("title: case", "title: good");
    let text = format!(
        "{good}---\ntitle: no detection\nlogsource: {{product: aws}}\n---\n{}---\n- a list\n---\n{}",
        rule_with("sel:\n  eventName|nosuchmodifier: A\ncondition: sel")
            .replace("title: case", "title: bad modifier"),
        rule_with("sel:\n  eventName|re: '('\ncondition: sel")
            .replace("title: case", "title: bad regex"),
    );
    let loaded = RuleSet::load_str(&text, Path::new("multi.yml"), &opts());
    assert_eq!(
        loaded
            .rules
            .rules()
            .iter()
            .map(|r| r.title.as_str())
            .collect::<Vec<_>>(),
        ["good"]
    );
    let named: Vec<Option<&str>> = loaded.errors.iter().map(|e| e.rule.as_deref()).collect();
    assert_eq!(
        named,
        [
            Some("no detection"),
            Some("bad modifier"),
            None,
            Some("bad regex")
        ],
        "{:?}",
        loaded.errors
    );
    assert!(
        loaded.errors[0].reason.contains("detection"),
        "{}",
        loaded.errors[0]
    );
    assert!(
        loaded.errors[1].reason.contains("nosuchmodifier"),
        "{}",
        loaded.errors[1]
    );
    assert!(
        loaded.errors[2]
            .reason
            .contains("document 4 is not a YAML mapping"),
        "{}",
        loaded.errors[2]
    );
    assert!(
        loaded.errors[3]
            .reason
            .starts_with("cannot compile: invalid regex"),
        "{}",
        loaded.errors[3]
    );
    assert!(
        loaded.errors.iter().all(|e| !e.to_string().contains('\n')),
        "one line each: {:?}",
        loaded.errors
    );
}

#[test]
fn invalid_yaml_is_a_load_error() {
    let loaded = RuleSet::load_str("title: [unclosed\n", Path::new("bad.yml"), &opts());
    assert!(loaded.rules.is_empty());
    assert_eq!(loaded.errors.len(), 1);
    assert!(
        loaded.errors[0]
            .to_string()
            .starts_with("bad.yml: invalid YAML"),
        "{}",
        loaded.errors[0]
    );
}

#[test]
fn logsource_filter_skips_other_products_unless_all_logsources() {
    let text = "title: win\nlogsource: {product: windows, category: process_creation}\n\
        detection:\n  sel:\n    CommandLine|contains: whoami\n  condition: sel\n---\n\
        title: none\ndetection:\n  sel:\n    eventName: A\n  condition: sel\n---\n\
        title: aws only\nlogsource: {product: aws}\ndetection:\n  sel:\n    eventName: A\n  condition: sel\n---\n\
        title: cloudtrail only\nlogsource: {service: cloudtrail}\ndetection:\n  sel:\n    eventName: A\n  condition: sel\n";
    let loaded = RuleSet::load_str(text, Path::new("ls.yml"), &opts());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let titles: Vec<&str> = loaded
        .rules
        .rules()
        .iter()
        .map(|r| r.title.as_str())
        .collect();
    assert_eq!(titles, ["none", "aws only", "cloudtrail only"]);
    assert_eq!(
        loaded.skipped_logsource,
        [(PathBuf::from("ls.yml"), "win".to_string())]
    );

    let all = RuleSet::load_str(
        text,
        Path::new("ls.yml"),
        &LoadOptions {
            all_logsources: true,
            ..opts()
        },
    );
    assert_eq!(all.rules.len(), 4);
    assert!(all.skipped_logsource.is_empty());
}

#[test]
fn load_paths_walks_sorted_and_reports_every_problem() {
    let dir = common::testdata("sigma/mixed");
    let missing = common::testdata("sigma/does-not-exist.yml");
    let loaded = RuleSet::load_paths(&[dir.clone(), missing.clone()], &opts());
    let titles: Vec<&str> = loaded
        .rules
        .rules()
        .iter()
        .map(|r| r.title.as_str())
        .collect();
    assert_eq!(
        titles,
        ["Trail Stopped", "Trail Deleted"],
        "sorted walk, *.yml and *.yaml, recursive"
    );
    assert_eq!(loaded.rules.rules()[1].path, dir.join("nested/d_good.yaml"));
    assert_eq!(
        loaded.skipped_logsource,
        [(dir.join("c_windows.yml"), "Whoami On Windows".to_string())]
    );
    let paths: Vec<&Path> = loaded.errors.iter().map(|e| e.path.as_path()).collect();
    assert_eq!(
        paths,
        [dir.join("b_bad.yml").as_path(), missing.as_path()],
        "{:?}",
        loaded.errors
    );
    assert!(loaded.errors[0].reason.starts_with("invalid YAML"));
    assert!(loaded.errors[1].reason.starts_with("cannot read"));
    // Deterministic: the same result twice.
    let again = RuleSet::load_paths(&[dir, missing], &opts());
    assert_eq!(again.rules.rules(), loaded.rules.rules());
    assert_eq!(again.errors, loaded.errors);
}

#[test]
fn meta_filter_in_another_file_excludes_what_it_says() {
    let loaded = RuleSet::load_paths(&[common::testdata("sigma/filters")], &opts());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(loaded.rules.len(), 1, "a filter is not a rule");
    let key = |user: &str| {
        event(&format!(
            r#"{{"eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","userIdentity":{{"userName":"{user}"}}}}"#
        ))
    };
    assert_eq!(loaded.rules.evaluate(&key("alice")), [0]);
    assert!(
        loaded.rules.evaluate(&key("ci-bot")).is_empty(),
        "the filter keeps only `not selection`"
    );
}

#[test]
fn meta_filter_for_an_unknown_rule_is_reported() {
    let filter = "title: stray filter\nlogsource: {product: aws}\nfilter:\n  rules:\n    - no-such-rule\n  \
        selection:\n    eventName: A\n  condition: not selection\n";
    let loaded = RuleSet::load_str(filter, Path::new("f.yml"), &opts());
    assert!(loaded.rules.is_empty());
    assert_eq!(loaded.errors.len(), 1);
    assert!(
        loaded.errors[0]
            .to_string()
            .starts_with("f.yml: stray filter: filter applies to"),
        "{}",
        loaded.errors[0]
    );
    // Beside a rule it does not name, the stray filter changes nothing: its event still matches.
    let rule = "title: A rule\nid: a-rule\nlogsource: {product: aws, service: cloudtrail}\n\
        detection:\n  selection:\n    eventName: A\n  condition: selection\n";
    let both = RuleSet::load_str(&format!("{rule}---\n{filter}"), Path::new("f.yml"), &opts());
    assert_eq!(both.rules.len(), 1, "{:?}", both.errors);
    assert_eq!(both.errors.len(), 1, "{:?}", both.errors);
    assert_eq!(both.rules.evaluate(&event(r#"{"eventName":"A"}"#)), [0]);
    assert!(
        both.rules
            .evaluate(&event(r#"{"eventName":"B"}"#))
            .is_empty()
    );
}

#[test]
fn correlation_rule_reported_and_its_base_rule_loaded() {
    let text = "title: Failed Login\nid: failed-login\nlogsource: {product: aws, service: cloudtrail}\n\
        detection:\n  sel:\n    eventName: ConsoleLogin\n    errorMessage: Failed authentication\n  condition: sel\n---\n\
        title: Many Failed Logins\ncorrelation:\n  type: event_count\n  rules:\n    - failed-login\n  \
        group-by:\n    - sourceIPAddress\n  timespan: 5m\n  condition:\n    gte: 3\n";
    let loaded = RuleSet::load_str(text, Path::new("corr.yml"), &opts());
    assert_eq!(loaded.rules.len(), 1);
    assert_eq!(loaded.rules.rules()[0].title, "Failed Login");
    assert_eq!(loaded.errors.len(), 1);
    let e = &loaded.errors[0];
    assert_eq!(e.rule.as_deref(), Some("Many Failed Logins"));
    assert!(
        e.reason
            .starts_with("correlation rules (event_count) are not supported"),
        "{e}"
    );
}

#[test]
fn metadata_warning_is_reported_and_rule_still_loads() {
    let text = rule_with("sel:\n  eventName: A\ncondition: sel") + "level: severe\n";
    let loaded = RuleSet::load_str(&text, Path::new("w.yml"), &opts());
    assert_eq!(loaded.rules.len(), 1);
    assert_eq!(loaded.rules.rules()[0].level, "");
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(loaded.warnings.len(), 1);
    assert!(
        loaded.warnings[0].reason.contains("severe")
            && loaded.warnings[0].reason.contains("loaded anyway"),
        "{}",
        loaded.warnings[0]
    );
}

#[test]
fn rule_set_is_shared_across_threads() {
    let rules = load_one(VERSIONING_RULE, &opts());
    let ev = event(SUSPENDED);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..2).map(|_| s.spawn(|| rules.evaluate(&ev))).collect();
        for h in handles {
            assert_eq!(h.join().expect("no panic"), [0]);
        }
    });
}

#[test]
fn field_value_prints_rule_fields() {
    let ev = event(
        r#"{"eventTime":"2024-01-01T00:00:00Z","userIdentity":{"arn":"arn:x","type":"IAMUser"},
            "requestParameters":{"bucketName":"b"},"resources":[{"ARN":"a"},{"ARN":"b"}]}"#,
    );
    use trailtune::sigma::field_value;
    assert_eq!(
        field_value(&ev, "eventTime"),
        Some(Value::from("2024-01-01T00:00:00Z"))
    );
    assert_eq!(
        field_value(&ev, "userIdentity.arn"),
        Some(Value::from("arn:x"))
    );
    assert_eq!(
        field_value(&ev, "requestParameters"),
        Some(serde_json::json!({"bucketName":"b"}))
    );
    assert_eq!(
        field_value(&ev, "resources.ARN"),
        Some(serde_json::json!(["a", "b"]))
    );
    assert_eq!(field_value(&ev, "sourceIPAddress"), None);
}

// ---------------------------------------------------------------------------------------------
// 2. Every shared SigmaHQ AWS rule over every shared CloudTrail dataset.
// ---------------------------------------------------------------------------------------------

/// (rule file stem, dataset folder) -> matching events, each checked by reading the rule and
/// counting the events by hand (an independent script over the raw JSON), not taken from the
/// engine's output.
const EXPECTED_COUNTS: &[(&str, &str, usize)] = &[
    // PutBucketVersioning on s3 with "Suspended" inside the requestParameters OBJECT: 4 events
    // (3 distinct eventIDs); needs the adapter.
    (
        "aws_disable_bucket_versioning",
        "panther-analysis-test-events",
        4,
    ),
    // DeleteBucket with errorCode missing (CloudTrail omits it on success) or 'Success'.
    ("aws_cloudtrail_bucket_deleted", "invictus-aws-dataset", 5),
    (
        "aws_cloudtrail_bucket_deleted",
        "panther-analysis-test-events",
        0,
    ),
    // SendCommand on ssm with errorCode null/missing or 'Success'.
    (
        "aws_cloudtrail_ssm_malicious_usage",
        "invictus-aws-dataset",
        1,
    ),
    (
        "aws_cloudtrail_ssm_malicious_usage",
        "panther-analysis-test-events",
        3,
    ),
    // userIdentity.type Root and not eventType AwsServiceEvent.
    ("aws_root_account_usage", "panther-analysis-test-events", 14),
    ("aws_root_account_usage", "invictus-aws-dataset", 0),
    // userIdentity.type AssumedRole and sessionIssuer.type Role (nested dotted names).
    ("aws_sts_assumerole_misuse", "invictus-aws-dataset", 76),
    (
        "aws_sts_assumerole_misuse",
        "panther-analysis-test-events",
        220,
    ),
    (
        "aws_sts_assumerole_misuse",
        "otrf-ec2-proxy-s3-exfiltration",
        11,
    ),
    ("aws_sts_assumerole_misuse", "trailscraper-fixture", 1),
    // ConsoleLogin, additionalEventData.MFAUsed NO, responseElements.ConsoleLogin Success.
    (
        "aws_cloudtrail_console_login_success_without_mfa",
        "invictus-aws-dataset",
        1,
    ),
    (
        "aws_cloudtrail_console_login_success_without_mfa",
        "panther-analysis-test-events",
        18,
    ),
    // CreateAccessKey and not (arn contains the LITERAL text 'responseElements.accessKey.userName'):
    // every CreateAccessKey event, since no arn contains that text.
    ("aws_iam_backdoor_users_keys", "invictus-aws-dataset", 2),
    (
        "aws_iam_backdoor_users_keys",
        "panther-analysis-test-events",
        7,
    ),
];

const DATASET_SIZES: &[(&str, usize)] = &[
    ("elastic-integrations-digest-sample", 1),
    ("invictus-aws-dataset", 2900),
    ("otrf-ec2-proxy-s3-exfiltration", 103),
    ("panther-analysis-test-events", 464),
    ("trailscraper-fixture", 2),
];

#[test]
fn sigmahq_aws_rules_all_load_and_run_over_real_cloudtrail() {
    let Some(rules_dir) = common::shared("data/sigma/aws/cloudtrail") else {
        return;
    };
    let Some(data) = common::shared("data/cloudtrail") else {
        return;
    };
    let loaded = RuleSet::load_paths(&[rules_dir], &opts());
    assert!(loaded.errors.is_empty(), "{:#?}", loaded.errors);
    assert!(loaded.skipped_logsource.is_empty());
    assert_eq!(loaded.rules.len(), 57);
    let stems: Vec<String> = loaded
        .rules
        .rules()
        .iter()
        .map(|r| {
            r.path
                .file_stem()
                .expect("file name")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let mut sorted = stems.clone();
    sorted.sort();
    assert_eq!(stems, sorted, "loaded in sorted file order");
    assert!(
        loaded
            .rules
            .rules()
            .iter()
            .all(|r| !r.id.is_empty() && !r.author.is_empty() && !r.level.is_empty())
    );

    for (dataset, size) in DATASET_SIZES {
        let Some(dir) = Some(data.join(dataset))
            .filter(|d| d.exists())
            .or_else(|| common::shared(&format!("data/cloudtrail/{dataset}")))
        else {
            // The Elastic sample is not copied into testdata (its license); `.ci/run` runs the
            // suite with ../shared beside the clone, where it is read.
            continue;
        };
        let events = read_events(&dir);
        assert_eq!(events.len(), *size, "{dataset}");
        let mut counts = vec![0usize; loaded.rules.len()];
        for ev in &events {
            let hits = loaded.rules.evaluate(ev);
            assert!(hits.windows(2).all(|w| w[0] < w[1]), "ascending");
            hits.into_iter().for_each(|i| counts[i] += 1);
        }
        if *dataset == "elastic-integrations-digest-sample" {
            assert!(
                counts.iter().all(|c| *c == 0),
                "a digest file is not an API event"
            );
        }
        for (rule, _, expected) in EXPECTED_COUNTS.iter().filter(|(_, d, _)| d == dataset) {
            let index = stems
                .iter()
                .position(|s| s == rule)
                .unwrap_or_else(|| panic!("{rule} loaded"));
            assert_eq!(counts[index], *expected, "{rule} over {dataset}");
        }
    }
}

#[test]
fn sigmahq_disable_bucket_versioning_matches_the_suspended_panther_events() {
    let Some(rule) = common::shared("data/sigma/aws/cloudtrail/aws_disable_bucket_versioning.yml")
    else {
        return;
    };
    let Some(data) = common::shared("data/cloudtrail/panther-analysis-test-events") else {
        return;
    };
    let loaded = RuleSet::load_paths(&[rule], &opts());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let hits: Vec<Value> = read_events(&data)
        .into_iter()
        .filter(|ev| !loaded.rules.evaluate(ev).is_empty())
        .collect();
    assert_eq!(hits.len(), 4);
    let mut ids: Vec<&str> = hits
        .iter()
        .filter_map(|ev| ev["eventID"].as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 3, "3 distinct eventIDs in 4 events");
    for ev in &hits {
        let status = &ev["requestParameters"]["VersioningConfiguration"]["Status"];
        assert_eq!(status, "Suspended", "{ev}");
    }
}

// ---------------------------------------------------------------------------------------------
// 3. aws-extra: the placeholder rule and the unsupported (Sigma v1) rules.
// ---------------------------------------------------------------------------------------------

#[test]
fn aws_extra_placeholder_rule_needs_its_variables() {
    let Some(dir) = common::shared("data/sigma/aws-extra/rules-placeholder") else {
        return;
    };
    let without = RuleSet::load_paths(std::slice::from_ref(&dir), &opts());
    assert!(without.rules.is_empty());
    let reasons: Vec<&str> = without.errors.iter().map(|e| e.reason.as_str()).collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(
        reasons[0].contains("%Legitimate_Countries%")
            && reasons[1].contains("%Legitimate_IP_Ranges%"),
        "{reasons:?}"
    );
    assert!(
        without
            .errors
            .iter()
            .all(|e| e.rule.as_deref() == Some("AWS Console Login Monitoring"))
    );

    let with = RuleSet::load_paths(
        &[dir],
        &vars(&[
            ("Legitimate_Countries", &["US", "DE"]),
            ("Legitimate_IP_Ranges", &["192.0.2.*"]),
        ]),
    );
    assert!(with.errors.is_empty(), "{:?}", with.errors);
    assert_eq!(with.rules.len(), 1);
    let login = |country: &str, ip: &str| {
        event(&format!(
            r#"{{"eventName":"ConsoleLogin","responseElements":{{"ConsoleLogin":"Success"}},"src_country":"{country}","src_ip":"{ip}"}}"#
        ))
    };
    assert_eq!(
        with.rules.evaluate(&login("KP", "203.0.113.9")),
        [0],
        "unknown country and IP"
    );
    assert!(
        with.rules.evaluate(&login("us", "203.0.113.9")).is_empty(),
        "legitimate country"
    );
    assert!(
        with.rules.evaluate(&login("KP", "192.0.2.77")).is_empty(),
        "legitimate range (one wildcard value)"
    );
}

#[test]
fn aws_extra_unsupported_rules_rejected_with_reason_or_loaded() {
    let Some(dir) = common::shared("data/sigma/aws-extra/unsupported") else {
        return;
    };
    let loaded = RuleSet::load_paths(std::slice::from_ref(&dir), &opts());
    let mut rejected: Vec<(String, &str)> = loaded
        .errors
        .iter()
        .map(|e| {
            (
                e.path
                    .file_stem()
                    .expect("file")
                    .to_string_lossy()
                    .into_owned(),
                e.reason.as_str(),
            )
        })
        .collect();
    rejected.sort();
    let expected_kind = [
        (
            "aws_ec2_download_userdata",
            "deprecated aggregation syntax '| count() > 10'",
        ),
        (
            "aws_enum_backup",
            "deprecated aggregation syntax '| count() > 5'",
        ),
        (
            "aws_enum_listing",
            "deprecated aggregation syntax '| count() > 50'",
        ),
        (
            "aws_enum_network",
            "deprecated aggregation syntax '| count() > 5'",
        ),
        (
            "aws_enum_storage",
            "deprecated aggregation syntax '| count() > 5'",
        ),
        (
            "aws_lambda_function_created_or_invoked",
            "deprecated 'near' syntax '| near selection2'",
        ),
        (
            "aws_macic_evasion",
            "deprecated aggregation syntax '| count() by sourceIPAddress > 5'",
        ),
    ];
    assert_eq!(rejected.len(), expected_kind.len(), "{rejected:#?}");
    for ((file, reason), (want_file, want_start)) in rejected.iter().zip(expected_kind) {
        assert_eq!(file, want_file);
        assert!(
            reason.starts_with(want_start) && reason.contains("correlation rule"),
            "{file}: {reason}"
        );
    }
    // The SES rule has a stray v1 `timeframe:` but a valid v2 condition: it loads, the timeframe
    // is ignored, so it needs both event names in ONE event and so never fires (documented).
    let titles: Vec<&str> = loaded
        .rules
        .rules()
        .iter()
        .map(|r| r.title.as_str())
        .collect();
    assert_eq!(titles, ["Potential AWS Cloud Email Service Abuse"]);
    let verify = event(r#"{"eventSource":"ses.amazonaws.com","eventName":"VerifyEmailIdentity"}"#);
    assert!(loaded.rules.evaluate(&verify).is_empty());
}

// ---------------------------------------------------------------------------------------------
// 4. The seed rule.
// ---------------------------------------------------------------------------------------------

fn seed() -> Option<RuleSet> {
    let path = common::shared("seed/aws_unusual_region.yml")?;
    let loaded = RuleSet::load_paths(std::slice::from_ref(&path), &opts());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(loaded.rules.len(), 1);
    let info = &loaded.rules.rules()[0];
    assert_eq!(info.title, "AWS API Calls from Unusual Geographic Region");
    assert_eq!(info.id, "6b3c5d7e-2f4a-6b8c-1d3e-5f6a7b8c9d0e");
    assert_eq!(
        (info.level.as_str(), info.author.as_str()),
        ("medium", "forensics-complete")
    );
    assert_eq!(
        (info.date.as_deref(), info.modified.as_deref()),
        (Some("2025-11-14"), Some("2025-11-14"))
    );
    assert_eq!(info.fields.len(), 8);
    assert_eq!(info.fields[2], "userIdentity.arn");
    assert_eq!(info.path, path);
    Some(loaded.rules)
}

/// (what the rule text says, event, matches?)
const SEED_EVENTS: &[(&str, &str, bool)] = &[
    (
        "unusual region, IAM user",
        r#"{"eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"ap-east-1","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/bob"}}"#,
        true,
    ),
    (
        "every listed region",
        r#"{"eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"me-south-1","userIdentity":{"type":"AssumedRole"}}"#,
        true,
    ),
    (
        "region compared case-insensitively",
        r#"{"eventSource":"ec2.amazonaws.com","eventName":"RunInstances","awsRegion":"AP-EAST-1","userIdentity":{"type":"IAMUser"}}"#,
        true,
    ),
    (
        "filter_expected_services: AWSService",
        r#"{"eventSource":"kms.amazonaws.com","eventName":"Decrypt","awsRegion":"ap-east-1","userIdentity":{"type":"AWSService"}}"#,
        false,
    ),
    (
        "filter_expected_services, other case",
        r#"{"eventSource":"kms.amazonaws.com","eventName":"Decrypt","awsRegion":"af-south-1","userIdentity":{"type":"awsservice"}}"#,
        false,
    ),
    (
        "filter_replication: ReplicateObject",
        r#"{"eventSource":"s3.amazonaws.com","eventName":"ReplicateObject","awsRegion":"eu-south-1","userIdentity":{"type":"AssumedRole"}}"#,
        false,
    ),
    (
        "filter_replication is exact, not a prefix",
        r#"{"eventSource":"s3.amazonaws.com","eventName":"ReplicateObjectRetention","awsRegion":"eu-south-1","userIdentity":{"type":"AssumedRole"}}"#,
        true,
    ),
    (
        "usual region",
        r#"{"eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"us-east-1","userIdentity":{"type":"IAMUser"}}"#,
        false,
    ),
    (
        "near-miss region",
        r#"{"eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"eu-south-2","userIdentity":{"type":"IAMUser"}}"#,
        false,
    ),
    (
        "no userIdentity: the filter cannot match, so not filter is true",
        r#"{"eventSource":"kms.amazonaws.com","eventName":"RotateKey","awsRegion":"ap-east-1","eventType":"AwsServiceEvent"}"#,
        true,
    ),
    (
        "eventSource '*' needs the field",
        r#"{"eventName":"DescribeInstances","awsRegion":"ap-east-1","userIdentity":{"type":"IAMUser"}}"#,
        false,
    ),
    (
        "eventSource '*' accepts an empty one",
        r#"{"eventSource":"","eventName":"X","awsRegion":"ap-east-1","userIdentity":{"type":"IAMUser"}}"#,
        true,
    ),
    (
        "a flat literal key is read first",
        r#"{"eventSource":"kms.amazonaws.com","eventName":"Decrypt","awsRegion":"ap-east-1","userIdentity.type":"AWSService","userIdentity":{"type":"IAMUser"}}"#,
        false,
    ),
];

#[test]
fn seed_rule_behaves_as_its_text_says() {
    let Some(rules) = seed() else { return };
    for (what, json, expected) in SEED_EVENTS {
        assert_eq!(
            !rules.evaluate(&event(json)).is_empty(),
            *expected,
            "{what}"
        );
    }
}
