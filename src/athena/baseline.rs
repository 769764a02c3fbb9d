//! The baseline query. Consumes a table name and a window in days; produces Athena (Trino) SQL
//! whose result rows are exactly the aggregate rows `trailtune profile` folds from logs (the
//! columns of `baseline::file::COLUMNS`, derived as `event::Event` derives them: day, principal,
//! origin, failed, read-only), so its CSV result can be read back with `--baseline-csv`. It must
//! not define a derivation of its own: when `event/` changes one, this query changes with it.

use super::{partition_filter, quote_table};
use crate::event::{NO_IDENTITY_TYPE, UNKNOWN_ACCOUNT, UNKNOWN_PRINCIPAL};

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
    NULLIF(useridentity.username, '') AS user_name,
    NULLIF(useridentity.onbehalfof.userid, '') AS on_behalf_of_user,
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
      WHEN arn IS NOT NULL THEN regexp_replace(
        regexp_replace(arn, '^(.*?):sts:(.*?):assumed-role/([^/]*)/.*$', '$1:iam:$2:role/$3'),
        '^(.*?:assumed-role/[^/]*)/.*$', '$1')
      WHEN identity_type IN ('Unknown', 'IdentityCenterUser')
        AND COALESCE(user_name, on_behalf_of_user) IS NOT NULL
        THEN concat('identity-center:', COALESCE(user_name, on_behalf_of_user))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::file::COLUMNS;

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
}
