//! Scale-out to Amazon Athena: SQL text only, nothing is sent anywhere. Consumes a table name (and,
//! for detection, the text of one Sigma rule); produces Athena (Trino) SQL. It must not read logs,
//! talk to AWS or print, and it never parses Sigma itself: a rule reaches SQL only through the
//! parsed form of [`crate::sigma::parse_rule`], the front end `trailtune detect` uses too.
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | [`AthenaError`], table-name checks and quoting, SQL literals, the partition filter |
//! | `baseline.rs` | [`baseline_sql`]: the aggregate rows `trailtune profile` folds, computed in Athena |
//! | `detect.rs` | [`detect_sql_with_days`]: a rule's detection as a `WHERE` clause; untranslatable features are errors |
//! | `cloudtrail_table.sql` | [`CLOUDTRAIL_TABLE_DDL_EXAMPLE`], the table both queries expect (no header comment: it is printed as is, and Athena's DDL parser is stricter about comments than its query parser) |

mod baseline;
mod detect;

pub use baseline::baseline_sql;
pub use detect::detect_sql_with_days;

/// The CloudTrail table the generated SQL expects: the column layout of the AWS documentation
/// ("Creating the table for CloudTrail logs in Athena using partition projection"), partitioned by
/// account, region and the `timestamp` delivery day so one table covers an organization trail.
/// Replace the bucket, organization id, account list and start date before running it. Ends with
/// a newline.
pub const CLOUDTRAIL_TABLE_DDL_EXAMPLE: &str = include_str!("cloudtrail_table.sql");

/// Why no SQL could be generated.
#[derive(Debug, thiserror::Error)]
pub enum AthenaError {
    /// The rule does not load (the same problems `trailtune detect` reports), joined by `; `.
    #[error("the rule does not load: {0}")]
    Rule(String),
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(
            CLOUDTRAIL_TABLE_DDL_EXAMPLE.starts_with("CREATE EXTERNAL TABLE cloudtrail_logs (")
        );
        assert!(CLOUDTRAIL_TABLE_DDL_EXAMPLE.ends_with(");\n"));
    }

    #[test]
    fn table_names() {
        assert!(check_table("db.cloudtrail_logs").is_ok());
        assert!(check_table("").is_err());
        assert!(check_table("a..b").is_err());
        assert_eq!(quote_table("a.b\"c"), "a.\"b\"\"c\"");
    }
}
