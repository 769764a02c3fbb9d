//! Scale-out to Amazon Athena: SQL text only, nothing is sent anywhere. Consumes a table name (and,
//! for detection, a Sigma rule's YAML); produces Athena (Trino) SQL. [`baseline_sql`] computes in
//! Athena the same aggregate rows that `trailtune profile` folds from logs (same columns, same
//! derivations as `event::Event`: day, principal, origin, failed, read-only), so its CSV result can
//! be read back with `--baseline-csv`. [`detect_sql`] translates a (tuned) rule's `detection` into a
//! `WHERE` clause: maps are AND, lists are OR, wildcards become `LIKE`, comparisons are
//! case-insensitive, and the `condition` is parsed by a small recursive-descent parser. A rule
//! feature SQL cannot express faithfully is an [`AthenaError::Unsupported`], never a guess. This
//! module must not read logs, talk to AWS or print.

use std::fmt::Write as _;

use serde_yaml::Value;

use crate::event::{NO_IDENTITY_TYPE, UNKNOWN_ACCOUNT, UNKNOWN_PRINCIPAL};

/// The CloudTrail table the generated SQL expects: the column layout of the AWS documentation
/// ("Creating the table for CloudTrail logs in Athena using partition projection"), partitioned by
/// account, region and the `timestamp` delivery day so one table covers an organization trail.
/// Replace the bucket, organization id, account list and start date before running it.
pub const CLOUDTRAIL_TABLE_DDL_EXAMPLE: &str = r#"CREATE EXTERNAL TABLE cloudtrail_logs (
    eventversion STRING,
    useridentity STRUCT<
        type: STRING,
        principalid: STRING,
        arn: STRING,
        accountid: STRING,
        invokedby: STRING,
        accesskeyid: STRING,
        username: STRING,
        onbehalfof: STRUCT<
            userid: STRING,
            identitystorearn: STRING>,
        sessioncontext: STRUCT<
            attributes: STRUCT<
                mfaauthenticated: STRING,
                creationdate: STRING>,
            sessionissuer: STRUCT<
                type: STRING,
                principalid: STRING,
                arn: STRING,
                accountid: STRING,
                username: STRING>,
            ec2roledelivery: STRING,
            webidfederationdata: STRUCT<
                federatedprovider: STRING,
                attributes: MAP<STRING,STRING>>>>,
    eventtime STRING,
    eventsource STRING,
    eventname STRING,
    awsregion STRING,
    sourceipaddress STRING,
    useragent STRING,
    errorcode STRING,
    errormessage STRING,
    requestparameters STRING,
    responseelements STRING,
    additionaleventdata STRING,
    requestid STRING,
    eventid STRING,
    readonly STRING,
    resources ARRAY<STRUCT<
        arn: STRING,
        accountid: STRING,
        type: STRING>>,
    eventtype STRING,
    apiversion STRING,
    recipientaccountid STRING,
    serviceeventdetails STRING,
    sharedeventid STRING,
    vpcendpointid STRING,
    vpcendpointaccountid STRING,
    eventcategory STRING,
    sessioncredentialfromconsole STRING,
    edgedevicedetails STRING,
    tlsdetails STRUCT<
        tlsversion: STRING,
        ciphersuite: STRING,
        clientprovidedhostheader: STRING>
)
PARTITIONED BY (
    `account` STRING,
    `region` STRING,
    `timestamp` STRING)
ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'
STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://amzn-s3-demo-bucket/AWSLogs/o-exampleorgid/'
TBLPROPERTIES (
    'projection.enabled' = 'true',
    'projection.account.type' = 'enum',
    'projection.account.values' = '111122223333,444455556666',
    'projection.region.type' = 'enum',
    'projection.region.values' = 'af-south-1,ap-east-1,ap-east-2,ap-northeast-1,ap-northeast-2,ap-northeast-3,ap-south-1,ap-south-2,ap-southeast-1,ap-southeast-2,ap-southeast-3,ap-southeast-4,ap-southeast-5,ap-southeast-6,ap-southeast-7,ca-central-1,ca-west-1,eu-central-1,eu-central-2,eu-north-1,eu-south-1,eu-south-2,eu-west-1,eu-west-2,eu-west-3,il-central-1,me-central-1,me-south-1,me-west-1,mx-central-1,sa-east-1,sa-west-1,us-east-1,us-east-2,us-west-1,us-west-2',
    'projection.timestamp.type' = 'date',
    'projection.timestamp.format' = 'yyyy/MM/dd',
    'projection.timestamp.range' = '2024/01/01,NOW',
    'projection.timestamp.interval' = '1',
    'projection.timestamp.interval.unit' = 'DAYS',
    'storage.location.template' = 's3://amzn-s3-demo-bucket/AWSLogs/o-exampleorgid/${account}/CloudTrail/${region}/${timestamp}'
);"#;

/// Why no SQL could be generated.
#[derive(Debug, thiserror::Error)]
pub enum AthenaError {
    #[error("the rule is not valid YAML: {0}")]
    Yaml(String),
    #[error("the rule cannot be translated: {0}")]
    Invalid(String),
    #[error("selection `{selection}`: {feature} is not supported in Athena SQL")]
    Unsupported { selection: String, feature: String },
    #[error("condition `{condition}`: {reason}")]
    Condition { condition: String, reason: String },
    #[error("table name {0:?}: give NAME or DATABASE.NAME")]
    Table(String),
}

/// Check a table name (`name`, `db.name` or `catalog.db.name`) before generating SQL for it.
pub fn check_table(table: &str) -> Result<(), AthenaError> {
    let parts: Vec<&str> = table.split('.').collect();
    if parts.len() > 3
        || parts
            .iter()
            .any(|p| p.trim().is_empty() || p.chars().any(char::is_control))
    {
        return Err(AthenaError::Table(table.to_string()));
    }
    Ok(())
}

/// The table name as SQL: plain parts as written, anything else double-quoted.
fn quote_table(table: &str) -> String {
    table
        .split('.')
        .map(|part| {
            if is_plain_identifier(part) {
                part.to_string()
            } else {
                format!("\"{}\"", part.trim_matches('"').replace('"', "\"\""))
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn is_plain_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A SQL string literal.
fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// `"timestamp" >= '<first day>'`: partition pruning for a window of `days` days ending today
/// (UTC, Athena's session time zone).
fn partition_filter(days: u32) -> String {
    format!(
        "\"timestamp\" >= date_format(date_add('day', -{}, current_date), '%Y/%m/%d')",
        days.max(1) - 1
    )
}

/// The baseline query: the aggregate rows of `baseline::file::COLUMNS`, computed over the last
/// `days` days of `table` with exactly the derivations of `event::Event` (empty strings count as
/// absent, records without a parseable `eventtime` or an `awsregion` are skipped).
pub fn baseline_sql(table: &str, days: u32) -> String {
    let days = days.max(1);
    let back = days - 1;
    let table = quote_table(table);
    let partition = partition_filter(days);
    let read_prefixes = ["Describe", "List", "Get", "Head", "Lookup", "BatchGet"]
        .iter()
        .map(|p| format!("event_name LIKE '{p}%'"))
        .collect::<Vec<_>>()
        .join(" OR ");
    format!(
        r#"-- trailtune baseline: events per (day, account, region, event_source, identity_type,
-- principal, origin, failed, read_only) over the last {days} days (UTC), derived exactly as
-- `trailtune profile` derives them from the logs. Save the result CSV and pass it to
-- `trailtune allowlist --baseline-csv FILE`.
WITH events AS (
  SELECT
    COALESCE(
      CAST(try(from_iso8601_timestamp(trim(eventtime))) AT TIME ZONE 'UTC' AS date),
      CAST(try(CAST(trim(eventtime) AS timestamp)) AS date)) AS day,
    NULLIF(recipientaccountid, '') AS account,
    NULLIF(awsregion, '') AS region,
    NULLIF(eventsource, '') AS event_source,
    NULLIF(eventname, '') AS event_name,
    NULLIF(eventtype, '') AS event_type,
    NULLIF(errorcode, '') AS error_code,
    NULLIF(readonly, '') AS read_only_flag,
    NULLIF(sourceipaddress, '') AS source_ip,
    NULLIF(useragent, '') AS user_agent,
    NULLIF(useridentity.type, '') AS identity_type,
    NULLIF(useridentity.arn, '') AS arn,
    NULLIF(useridentity.principalid, '') AS principal_id,
    NULLIF(useridentity.invokedby, '') AS invoked_by,
    NULLIF(useridentity.accountid, '') AS identity_account,
    NULLIF(useridentity.sessioncontext.sessionissuer.arn, '') AS issuer_arn
  FROM {table}
  WHERE {partition}
),
keyed AS (
  SELECT
    day,
    COALESCE(account, '{UNKNOWN_ACCOUNT}') AS account,
    region,
    COALESCE(event_source, '(none)') AS event_source,
    COALESCE(identity_type, '{NO_IDENTITY_TYPE}') AS identity_type,
    CASE
      WHEN identity_type = 'AWSService' AND invoked_by IS NOT NULL THEN invoked_by
      WHEN identity_type = 'AWSAccount' AND arn IS NULL AND identity_account IS NOT NULL
        THEN concat('aws-account:', identity_account)
      WHEN issuer_arn IS NOT NULL THEN issuer_arn
      WHEN arn IS NOT NULL THEN regexp_replace(arn, '^(.*?:assumed-role/[^/]*)/.*$', '$1')
      ELSE COALESCE(principal_id, invoked_by, '{UNKNOWN_PRINCIPAL}')
    END AS principal,
    CASE
      WHEN identity_type = 'AWSService' OR event_type = 'AwsServiceEvent' THEN 'aws_service'
      WHEN strpos(COALESCE(arn, ''), 'AWSServiceRoleFor') > 0
        OR strpos(COALESCE(issuer_arn, ''), 'AWSServiceRoleFor') > 0 THEN 'service_linked_role'
      WHEN invoked_by IS NOT NULL OR source_ip LIKE '%.amazonaws.com' THEN 'invoked_by_service'
      WHEN user_agent = 'AWS Internal' THEN 'aws_internal'
      ELSE 'direct'
    END AS origin,
    error_code IS NOT NULL AS failed,
    CASE
      WHEN read_only_flag IS NOT NULL THEN lower(read_only_flag) = 'true'
      ELSE COALESCE({read_prefixes}, false)
    END AS read_only
  FROM events
  WHERE day IS NOT NULL
    AND region IS NOT NULL
    AND day >= date_add('day', -{back}, current_date)
)
SELECT day, account, region, event_source, identity_type, principal, origin, failed, read_only,
  count(*) AS events
FROM keyed
GROUP BY day, account, region, event_source, identity_type, principal, origin, failed, read_only
ORDER BY day, account, region, event_source, identity_type, principal, origin, failed, read_only
"#
    )
}

/// The detection query for a Sigma rule: its `fields` (plus `eventtime`, `awsregion`, `eventid`)
/// of every event its detection matches, oldest first; with `days`, only the last `days` days of
/// partitions are read.
pub fn detect_sql(rule_yaml: &str, table: &str) -> Result<String, AthenaError> {
    detect_sql_with_days(rule_yaml, table, None)
}

/// [`detect_sql`] with optional partition pruning to the last `days` days.
pub fn detect_sql_with_days(
    rule_yaml: &str,
    table: &str,
    days: Option<u32>,
) -> Result<String, AthenaError> {
    let rule: Value =
        serde_yaml::from_str(rule_yaml).map_err(|e| AthenaError::Yaml(e.to_string()))?;
    let detection = rule
        .get("detection")
        .and_then(Value::as_mapping)
        .ok_or_else(|| AthenaError::Invalid("no `detection` map".into()))?;

    // Every selection, translated (in the rule's order), then the condition over them.
    let mut selections: Vec<(String, String)> = Vec::new();
    let mut conditions: Vec<String> = Vec::new();
    for (key, value) in detection {
        let name = key
            .as_str()
            .ok_or_else(|| AthenaError::Invalid(format!("detection key {key:?} is not a name")))?;
        match name {
            "condition" => match value {
                Value::String(c) => conditions.push(c.clone()),
                Value::Sequence(list) => {
                    for c in list {
                        let c = c.as_str().ok_or_else(|| {
                            AthenaError::Invalid("a `condition` list item is not text".into())
                        })?;
                        conditions.push(c.to_string());
                    }
                }
                _ => return Err(AthenaError::Invalid("`condition` is not text".into())),
            },
            "timeframe" => {
                return Err(AthenaError::Unsupported {
                    selection: "timeframe".into(),
                    feature: "a correlation time frame".into(),
                });
            }
            _ => selections.push((name.to_string(), selection_sql(name, value)?)),
        }
    }
    if conditions.is_empty() {
        return Err(AthenaError::Invalid("no `condition`".into()));
    }
    let names: Vec<&str> = selections.iter().map(|(n, _)| n.as_str()).collect();
    let mut exprs = Vec::new();
    for text in &conditions {
        let cond = Condition::parse(text, &names)?;
        exprs.push(cond.to_sql(&selections));
    }
    let condition = if exprs.len() == 1 {
        exprs.remove(0)
    } else {
        format!("({})", exprs.join(" OR "))
    };

    let mut columns: Vec<(String, String)> = ["eventtime", "awsregion", "eventid"]
        .iter()
        .map(|c| (c.to_string(), c.to_string()))
        .collect();
    if let Some(fields) = rule.get("fields").and_then(Value::as_sequence) {
        for field in fields {
            let field = scalar_text(field)
                .ok_or_else(|| AthenaError::Invalid(format!("field {field:?} is not a name")))?;
            let column = column_for(&field, "fields")?;
            if !columns.iter().any(|(c, _)| *c == column) {
                columns.push((column, field));
            }
        }
    }
    let select = columns
        .iter()
        .map(|(column, field)| {
            if is_plain_identifier(column) {
                column.clone()
            } else {
                format!("{column} AS \"{}\"", field.replace('"', "\"\""))
            }
        })
        .collect::<Vec<_>>()
        .join(", ");

    let one_line = |v: Option<&Value>| {
        v.and_then(scalar_text)
            .unwrap_or_default()
            .replace(['\n', '\r'], " ")
    };
    let mut sql = String::new();
    let _ = writeln!(
        sql,
        "-- trailtune detect: {} ({})",
        one_line(rule.get("title")),
        one_line(rule.get("id"))
    );
    let _ = writeln!(
        sql,
        "-- generated from the rule's detection; condition: {}",
        conditions.join(" | ").replace(['\n', '\r'], " ")
    );
    let _ = writeln!(sql, "SELECT {select}");
    let _ = writeln!(sql, "FROM {}", quote_table(table));
    let _ = writeln!(sql, "WHERE {condition}");
    if let Some(days) = days {
        let _ = writeln!(sql, "  AND {}", partition_filter(days));
    }
    let _ = writeln!(sql, "ORDER BY eventtime");
    Ok(sql)
}

/// A scalar as text (numbers and booleans as YAML writes them).
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Top-level CloudTrail fields the standard table stores as JSON text, not as structs.
const JSON_TEXT_COLUMNS: [&str; 4] = [
    "requestparameters",
    "responseelements",
    "additionaleventdata",
    "serviceeventdetails",
];

/// A Sigma field name as an Athena column expression: every path segment lower-cased
/// (`userIdentity.sessionContext.sessionIssuer.arn` ->
/// `useridentity.sessioncontext.sessionissuer.arn`); below a JSON text column
/// (`requestParameters.bucketName`) a `json_extract_scalar`.
fn column_for(field: &str, selection: &str) -> Result<String, AthenaError> {
    let segments: Vec<&str> = field.split('.').collect();
    let bad = |why: &str| AthenaError::Unsupported {
        selection: selection.to_string(),
        feature: format!("field name `{field}` ({why})"),
    };
    if segments.iter().any(|s| !is_plain_identifier(s)) {
        return Err(bad(
            "only letters, digits and `_`, separated by dots, map to columns",
        ));
    }
    let top = segments[0].to_ascii_lowercase();
    if JSON_TEXT_COLUMNS.contains(&top.as_str()) && segments.len() > 1 {
        return Ok(format!(
            "json_extract_scalar({top}, {})",
            quote_literal(&format!("$.{}", segments[1..].join(".")))
        ));
    }
    Ok(segments
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("."))
}

/// How a value is matched (at most one of these per field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Anchor {
    Whole,
    Contains,
    StartsWith,
    EndsWith,
}

/// Modifiers Sigma defines that have no faithful translation here.
const UNSUPPORTED_MODIFIERS: [&str; 19] = [
    "re",
    "cidr",
    "base64",
    "base64offset",
    "utf16",
    "utf16le",
    "utf16be",
    "wide",
    "windash",
    "fieldref",
    "exists",
    "expand",
    "lt",
    "lte",
    "gt",
    "gte",
    "i",
    "m",
    "s",
];

/// One selection (a map, or a list of maps) as a boolean SQL expression.
fn selection_sql(name: &str, value: &Value) -> Result<String, AthenaError> {
    match value {
        Value::Mapping(map) => map_sql(name, map),
        Value::Sequence(items) if !items.is_empty() => {
            if items.iter().all(|i| matches!(i, Value::Mapping(_))) {
                let parts = items
                    .iter()
                    .filter_map(Value::as_mapping)
                    .map(|m| map_sql(name, m).map(|s| format!("({s})")))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(parts.join(" OR "))
            } else {
                Err(AthenaError::Unsupported {
                    selection: name.to_string(),
                    feature: "a keyword search (a list of values without a field)".into(),
                })
            }
        }
        _ => Err(AthenaError::Invalid(format!(
            "selection `{name}` is neither a map nor a list of maps"
        ))),
    }
}

/// A map of `field|modifiers: value(s)`: every entry must match (AND).
fn map_sql(name: &str, map: &serde_yaml::Mapping) -> Result<String, AthenaError> {
    if map.is_empty() {
        return Err(AthenaError::Invalid(format!("selection `{name}` is empty")));
    }
    let mut parts = Vec::new();
    for (key, value) in map {
        let key = key.as_str().ok_or_else(|| {
            AthenaError::Invalid(format!("selection `{name}`: field {key:?} is not a name"))
        })?;
        parts.push(field_sql(name, key, value)?);
    }
    Ok(parts.join(" AND "))
}

/// One `field|modifiers: value(s)` entry.
fn field_sql(selection: &str, key: &str, value: &Value) -> Result<String, AthenaError> {
    let mut pieces = key.split('|');
    let field = pieces.next().unwrap_or_default();
    if field.is_empty() {
        return Err(AthenaError::Unsupported {
            selection: selection.to_string(),
            feature: "a keyword search (a value without a field)".into(),
        });
    }
    let mut anchor = Anchor::Whole;
    let mut all = false;
    let mut cased = false;
    for modifier in pieces {
        let next = match modifier {
            "contains" => Anchor::Contains,
            "startswith" => Anchor::StartsWith,
            "endswith" => Anchor::EndsWith,
            "all" => {
                all = true;
                continue;
            }
            "cased" => {
                cased = true;
                continue;
            }
            other => {
                let known = UNSUPPORTED_MODIFIERS.contains(&other);
                return Err(AthenaError::Unsupported {
                    selection: selection.to_string(),
                    feature: format!(
                        "the {}modifier `{other}` (on `{key}`)",
                        if known { "" } else { "unknown " }
                    ),
                });
            }
        };
        if anchor != Anchor::Whole && anchor != next {
            return Err(AthenaError::Invalid(format!(
                "selection `{selection}`: `{key}` combines conflicting modifiers"
            )));
        }
        anchor = next;
    }
    let column = column_for(field, selection)?;
    let values: Vec<&Value> = match value {
        Value::Sequence(list) if list.is_empty() => {
            return Err(AthenaError::Invalid(format!(
                "selection `{selection}`: `{key}` has an empty list"
            )));
        }
        Value::Sequence(list) => list.iter().collect(),
        v => vec![v],
    };
    let subject = if cased {
        column.clone()
    } else {
        format!("lower({column})")
    };
    let mut equal = Vec::new();
    let mut tests = Vec::new();
    for v in values {
        if v.is_null() {
            tests.push(format!("{column} IS NULL"));
            continue;
        }
        let text = scalar_text(v).ok_or_else(|| {
            AthenaError::Invalid(format!(
                "selection `{selection}`: `{key}` has a value that is not a scalar"
            ))
        })?;
        let text = if cased { text } else { text.to_lowercase() };
        let mut pattern = Pattern::parse(&text);
        match anchor {
            Anchor::Whole => {}
            Anchor::Contains => {
                pattern.0.insert(0, Piece::Many);
                pattern.0.push(Piece::Many);
            }
            Anchor::StartsWith => pattern.0.push(Piece::Many),
            Anchor::EndsWith => pattern.0.insert(0, Piece::Many),
        }
        match pattern.literal() {
            Some(lit) if !all => equal.push(quote_literal(&lit)),
            Some(lit) => tests.push(format!("{subject} = {}", quote_literal(&lit))),
            None => tests.push(format!("{subject} {}", pattern.like())),
        }
    }
    let mut alternatives = Vec::new();
    match equal.len() {
        0 => {}
        1 => alternatives.push(format!("{subject} = {}", equal[0])),
        _ => alternatives.push(format!("{subject} IN ({})", equal.join(", "))),
    }
    alternatives.extend(tests);
    let joiner = if all { " AND " } else { " OR " };
    Ok(if alternatives.len() == 1 {
        alternatives.remove(0)
    } else {
        format!("({})", alternatives.join(joiner))
    })
}

/// A Sigma string value: literal characters and the wildcards `*` (any run) and `?` (one char).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Char(char),
    Many,
    One,
}

#[derive(Debug, Clone)]
struct Pattern(Vec<Piece>);

impl Pattern {
    /// Sigma escaping: `\*`, `\?` and `\\` are literal; any other backslash is itself.
    fn parse(text: &str) -> Pattern {
        let mut out = Vec::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.peek() {
                    Some(&n @ ('*' | '?' | '\\')) => {
                        chars.next();
                        out.push(Piece::Char(n));
                    }
                    _ => out.push(Piece::Char('\\')),
                },
                '*' => out.push(Piece::Many),
                '?' => out.push(Piece::One),
                c => out.push(Piece::Char(c)),
            }
        }
        Pattern(out)
    }

    /// The text when there is no wildcard.
    fn literal(&self) -> Option<String> {
        self.0
            .iter()
            .map(|p| match p {
                Piece::Char(c) => Some(*c),
                _ => None,
            })
            .collect()
    }

    /// `LIKE '...'`, with `ESCAPE '\'` when a literal `%`, `_` or `\` had to be escaped.
    fn like(&self) -> String {
        let mut text = String::new();
        let mut escaped = false;
        for piece in &self.0 {
            match piece {
                Piece::Many => text.push('%'),
                Piece::One => text.push('_'),
                Piece::Char(c @ ('%' | '_' | '\\')) => {
                    text.push('\\');
                    text.push(*c);
                    escaped = true;
                }
                Piece::Char(c) => text.push(*c),
            }
        }
        if escaped {
            format!("LIKE {} ESCAPE '\\'", quote_literal(&text))
        } else {
            format!("LIKE {}", quote_literal(&text))
        }
    }
}

/// A parsed `condition`: selections combined with not/and/or (`x of` already expanded).
#[derive(Debug, Clone, PartialEq)]
enum Condition {
    Selection(String),
    Not(Box<Condition>),
    And(Vec<Condition>),
    Or(Vec<Condition>),
    /// At least `n` of these (`2 of selection_*`).
    AtLeast(u32, Vec<Condition>),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    And,
    Or,
    Not,
    Of,
    Word(String),
}

impl Condition {
    fn parse(text: &str, names: &[&str]) -> Result<Condition, AthenaError> {
        let err = |reason: String| AthenaError::Condition {
            condition: text.to_string(),
            reason,
        };
        if text.contains('|') {
            return Err(err(
                "aggregations (`| count() ...`) are not supported in Athena SQL".into(),
            ));
        }
        let mut tokens = Vec::new();
        let spaced = text.replace('(', " ( ").replace(')', " ) ");
        for word in spaced.split_whitespace() {
            tokens.push(match word.to_ascii_lowercase().as_str() {
                "(" => Token::Open,
                ")" => Token::Close,
                "and" => Token::And,
                "or" => Token::Or,
                "not" => Token::Not,
                "of" => Token::Of,
                _ => Token::Word(word.to_string()),
            });
        }
        let mut parser = Parser {
            tokens,
            pos: 0,
            names,
        };
        let cond = parser.or().map_err(err)?;
        if let Some(t) = parser.tokens.get(parser.pos) {
            return Err(err(format!("unexpected {t:?} after a complete expression")));
        }
        Ok(cond)
    }

    fn to_sql(&self, selections: &[(String, String)]) -> String {
        match self {
            Condition::Selection(name) => {
                let sql = selections
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, s)| s.as_str())
                    .unwrap_or("false");
                format!("COALESCE(({sql}), false)")
            }
            Condition::Not(inner) => format!("NOT {}", inner.to_sql(selections)),
            Condition::And(items) => Self::join(items, " AND ", selections),
            Condition::Or(items) => Self::join(items, " OR ", selections),
            Condition::AtLeast(n, items) => format!(
                "({}) >= {n}",
                items
                    .iter()
                    .map(|c| format!("IF({}, 1, 0)", c.to_sql(selections)))
                    .collect::<Vec<_>>()
                    .join(" + ")
            ),
        }
    }

    fn join(items: &[Condition], op: &str, selections: &[(String, String)]) -> String {
        let parts: Vec<String> = items.iter().map(|c| c.to_sql(selections)).collect();
        if parts.len() == 1 {
            parts.into_iter().next().unwrap_or_default()
        } else {
            format!("({})", parts.join(op))
        }
    }
}

/// Recursive descent, precedence `not` > `and` > `or`.
struct Parser<'a> {
    tokens: Vec<Token>,
    pos: usize,
    names: &'a [&'a str],
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn or(&mut self) -> Result<Condition, String> {
        let mut items = vec![self.and()?];
        while self.peek() == Some(&Token::Or) {
            self.pos += 1;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Condition::Or(items)
        })
    }

    fn and(&mut self) -> Result<Condition, String> {
        let mut items = vec![self.not()?];
        while self.peek() == Some(&Token::And) {
            self.pos += 1;
            items.push(self.not()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Condition::And(items)
        })
    }

    fn not(&mut self) -> Result<Condition, String> {
        if self.peek() == Some(&Token::Not) {
            self.pos += 1;
            return Ok(Condition::Not(Box::new(self.not()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Condition, String> {
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or()?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err("a `(` is not closed".into()),
                }
            }
            Some(Token::Word(word)) if self.peek() == Some(&Token::Of) => {
                self.pos += 1;
                let target = match self.next() {
                    Some(Token::Word(t)) => t,
                    _ => return Err(format!("`{word} of` needs a selection name or `them`")),
                };
                self.quantified(&word, &target)
            }
            Some(Token::Word(word)) => {
                if self.names.contains(&word.as_str()) {
                    Ok(Condition::Selection(word))
                } else {
                    Err(format!("no selection named `{word}`"))
                }
            }
            Some(t) => Err(format!("unexpected {t:?}")),
            None => Err("the expression ends too early".into()),
        }
    }

    /// `1 of x*`, `all of them`, `N of x*`.
    fn quantified(&self, quantifier: &str, target: &str) -> Result<Condition, String> {
        let matched: Vec<Condition> = self
            .names
            .iter()
            .filter(|n| {
                if target == "them" {
                    !n.starts_with('_')
                } else if let Some(prefix) = target.strip_suffix('*') {
                    n.starts_with(prefix)
                } else {
                    **n == target
                }
            })
            .map(|n| Condition::Selection(n.to_string()))
            .collect();
        if matched.is_empty() {
            return Err(format!("`{quantifier} of {target}` matches no selection"));
        }
        match quantifier.to_ascii_lowercase().as_str() {
            "all" => Ok(Condition::And(matched)),
            "1" | "any" => Ok(Condition::Or(matched)),
            n => match n.parse::<u32>() {
                Ok(0) => Err("`0 of` is always true; write the condition without it".into()),
                Ok(n) => Ok(Condition::AtLeast(n, matched)),
                Err(_) => Err(format!(
                    "`{quantifier} of`: expected `1`, `all` or a number"
                )),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::file::COLUMNS;

    const SEED: &str = include_str!("data/aws_unusual_region.yml");

    fn rule(detection: &str) -> String {
        format!("title: t\nid: x\ndetection:\n{detection}\n")
    }

    fn sql(detection: &str) -> String {
        detect_sql(&rule(detection), "ct").unwrap()
    }

    #[test]
    fn seed_rule_where_clause() {
        let sql = detect_sql(SEED, "cloudtrail_logs").unwrap();
        let selection = "COALESCE((lower(eventsource) LIKE '%' AND lower(awsregion) IN \
                         ('ap-east-1', 'af-south-1', 'me-south-1', 'eu-south-1')), false)";
        let services = "NOT COALESCE((lower(useridentity.type) = 'awsservice'), false)";
        let replication = "NOT COALESCE((lower(eventname) IN \
                           ('replicateobject', 'replicatedelete', 'replicatetags')), false)";
        let expected = format!("WHERE ({selection} AND {services} AND {replication})\n");
        assert!(sql.contains(&expected), "{sql}");
        assert!(sql.contains(
            "SELECT eventtime, awsregion, eventid, useridentity.arn AS \"userIdentity.arn\", \
             useridentity.type AS \"userIdentity.type\", eventname, eventsource, sourceipaddress, \
             useragent\n"
        ));
        assert!(sql.contains("FROM cloudtrail_logs\n"));
        assert!(sql.ends_with("ORDER BY eventtime\n"), "{sql}");
        assert!(!sql.contains("\"timestamp\""));
        let pruned = detect_sql_with_days(SEED, "db.ct", Some(7)).unwrap();
        assert!(pruned.contains(
            "  AND \"timestamp\" >= date_format(date_add('day', -6, current_date), '%Y/%m/%d')\n"
        ));
    }

    #[test]
    fn condition_precedence() {
        let d = "  a: {x: 1}\n  b: {y: 2}\n  c: {z: 3}\n";
        let a = "COALESCE((lower(x) = '1'), false)";
        let b = "COALESCE((lower(y) = '2'), false)";
        let c = "COALESCE((lower(z) = '3'), false)";
        let s = sql(&format!("{d}  condition: a or b and not c"));
        assert!(
            s.contains(&format!("WHERE ({a} OR ({b} AND NOT {c}))")),
            "{s}"
        );
        let s = sql(&format!("{d}  condition: (a or b) and not (b or c)"));
        assert!(
            s.contains(&format!("WHERE (({a} OR {b}) AND NOT ({b} OR {c}))")),
            "{s}"
        );
        let s = sql(&format!("{d}  condition: not not a"));
        assert!(s.contains(&format!("WHERE NOT NOT {a}")), "{s}");
    }

    #[test]
    fn quantifiers() {
        let d = "  sel_a: {x: 1}\n  sel_b: {y: 2}\n  _helper: {z: 3}\n";
        let a = "COALESCE((lower(x) = '1'), false)";
        let b = "COALESCE((lower(y) = '2'), false)";
        let h = "COALESCE((lower(z) = '3'), false)";
        assert!(
            sql(&format!("{d}  condition: 1 of sel_*")).contains(&format!("WHERE ({a} OR {b})"))
        );
        assert!(
            sql(&format!("{d}  condition: all of sel_*")).contains(&format!("WHERE ({a} AND {b})"))
        );
        // `them` leaves out names starting with `_`.
        assert!(
            sql(&format!("{d}  condition: 1 of them")).contains(&format!("WHERE ({a} OR {b})"))
        );
        assert!(
            sql(&format!("{d}  condition: all of them and not _helper"))
                .contains(&format!("WHERE (({a} AND {b}) AND NOT {h})"))
        );
        assert!(
            sql(&format!("{d}  condition: 2 of them"))
                .contains(&format!("WHERE (IF({a}, 1, 0) + IF({b}, 1, 0)) >= 2"))
        );
        let err = detect_sql(&rule(&format!("{d}  condition: 1 of nope*")), "t").unwrap_err();
        assert!(err.to_string().contains("matches no selection"), "{err}");
        let err =
            detect_sql(&rule(&format!("{d}  condition: sel_a and missing")), "t").unwrap_err();
        assert!(
            err.to_string().contains("no selection named `missing`"),
            "{err}"
        );
        let err = detect_sql(&rule(&format!("{d}  condition: (sel_a")), "t").unwrap_err();
        assert!(err.to_string().contains("not closed"), "{err}");
        let err =
            detect_sql(&rule(&format!("{d}  condition: sel_a | count() > 5")), "t").unwrap_err();
        assert!(err.to_string().contains("aggregations"), "{err}");
    }

    #[test]
    fn unsupported_modifiers_name_the_modifier_and_selection() {
        for m in [
            "re",
            "cidr",
            "base64offset",
            "fieldref",
            "exists",
            "expand",
            "windash",
        ] {
            let r = rule(&format!(
                "  sel:\n    sourceIPAddress|{m}: x\n  condition: sel"
            ));
            let err = detect_sql(&r, "t").unwrap_err();
            assert!(matches!(err, AthenaError::Unsupported { .. }), "{err:?}");
            let text = err.to_string();
            assert!(
                text.contains(&format!("modifier `{m}`")) && text.contains("selection `sel`"),
                "{text}"
            );
        }
        let err = detect_sql(&rule("  kw: [evil, bad]\n  condition: kw"), "t").unwrap_err();
        assert!(err.to_string().contains("keyword search"), "{err}");
        let err = detect_sql(
            &rule("  s: {a|contains|startswith: x}\n  condition: s"),
            "t",
        )
        .unwrap_err();
        assert!(err.to_string().contains("conflicting"), "{err}");
    }

    #[test]
    fn like_escaping_and_modifiers() {
        let s = sql("  s:\n    eventName|contains: '50%_off'\n  condition: s");
        assert!(
            s.contains(r"lower(eventname) LIKE '%50\%\_off%' ESCAPE '\'"),
            "{s}"
        );
        let s = sql("  s:\n    userAgent: 'a\\*b*c?d\\e'\n  condition: s");
        assert!(
            s.contains(r"lower(useragent) LIKE 'a*b%c_d\\e' ESCAPE '\'"),
            "{s}"
        );
        let s = sql("  s:\n    eventName|startswith: [Get, List]\n  condition: s");
        assert!(
            s.contains("(lower(eventname) LIKE 'get%' OR lower(eventname) LIKE 'list%')"),
            "{s}"
        );
        let s = sql("  s:\n    userAgent|contains|all: [aws-cli, linux]\n  condition: s");
        assert!(
            s.contains("(lower(useragent) LIKE '%aws-cli%' AND lower(useragent) LIKE '%linux%')"),
            "{s}"
        );
        let s = sql("  s:\n    userAgent|endswith|cased: \"O'Brien\"\n  condition: s");
        assert!(s.contains("useragent LIKE '%O''Brien'"), "{s}");
        let s = sql("  s:\n    errorCode: null\n  condition: not s");
        assert!(
            s.contains("NOT COALESCE((errorcode IS NULL), false)"),
            "{s}"
        );
        let s = sql("  s:\n    - eventName: A\n    - errorCode: [B, null]\n  condition: s");
        assert!(
            s.contains(
                "COALESCE(((lower(eventname) = 'a') OR ((lower(errorcode) = 'b' OR errorcode IS NULL))), false)"
            ),
            "{s}"
        );
        let s = sql(
            "  s:\n    userIdentity.sessionContext.sessionIssuer.arn|endswith: /Admin\n    requestParameters.bucketName: b\n  condition: s",
        );
        assert!(
            s.contains("lower(useridentity.sessioncontext.sessionissuer.arn) LIKE '%/admin'"),
            "{s}"
        );
        assert!(
            s.contains("lower(json_extract_scalar(requestparameters, '$.bucketName')) = 'b'"),
            "{s}"
        );
    }

    #[test]
    fn baseline_sql_returns_the_baseline_columns_in_order() {
        let sql = baseline_sql("cloudtrail_logs", 90);
        let select = sql
            .lines()
            .skip_while(|l| !l.starts_with("SELECT day"))
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        let expected = format!(
            "SELECT {},   count(*) AS {}",
            COLUMNS[..9].join(", "),
            COLUMNS[9]
        );
        assert_eq!(select, expected);
        assert!(sql.contains(&format!("GROUP BY {}\n", COLUMNS[..9].join(", "))));
        let mut at = 0;
        for c in COLUMNS {
            at += sql[at..].find(c).unwrap_or_else(|| panic!("{c} in order"));
        }
        assert!(sql.contains(
            "WHERE \"timestamp\" >= date_format(date_add('day', -89, current_date), '%Y/%m/%d')"
        ));
        assert!(sql.contains("AND day >= date_add('day', -89, current_date)"));
        assert!(sql.contains("FROM cloudtrail_logs\n"));
        assert!(baseline_sql("my-db.t", 1).contains("FROM \"my-db\".t\n"));
    }

    #[test]
    fn ddl_lists_every_commercial_region() {
        for r in crate::regions::catalogue().partition("aws") {
            assert!(
                CLOUDTRAIL_TABLE_DDL_EXAMPLE.contains(&r.code),
                "{} missing from the DDL",
                r.code
            );
        }
        for col in [
            "useridentity STRUCT<",
            "recipientaccountid STRING",
            "`timestamp` STRING",
        ] {
            assert!(CLOUDTRAIL_TABLE_DDL_EXAMPLE.contains(col), "{col}");
        }
    }

    #[test]
    fn table_names() {
        assert!(check_table("db.cloudtrail_logs").is_ok());
        assert!(check_table("").is_err());
        assert!(check_table("a..b").is_err());
        assert_eq!(quote_table("a.b\"c"), "a.\"b\"\"c\"");
    }
}
