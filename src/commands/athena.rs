//! `trailtune athena`: print Athena SQL (the baseline query, a rule's detection query, the table
//! DDL) on stdout. Nothing is sent to AWS; an untranslatable rule is a fatal error (exit 2).

use std::io::Write;

use anyhow::{Context, Result};

use crate::athena;
use crate::cli::{AthenaArgs, AthenaCommand};
use crate::exit::Status;

pub fn run(args: AthenaArgs) -> Result<Status> {
    let sql = match args.command {
        AthenaCommand::BaselineSql(a) => {
            athena::check_table(&a.table)?;
            athena::baseline_sql(&a.table, a.days)
        }
        AthenaCommand::DetectSql(a) => {
            athena::check_table(&a.table)?;
            let text = crate::atomic::read_capped(&a.rule)
                .with_context(|| format!("{}: cannot read the rule", a.rule.display()))?;
            athena::detect_sql_with_days(&text, &a.table, a.days)
                .with_context(|| format!("{}", a.rule.display()))?
        }
        AthenaCommand::Ddl => athena::CLOUDTRAIL_TABLE_DDL_EXAMPLE.to_string(),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(sql.as_bytes())?;
    out.flush()?;
    Ok(Status::Clean)
}
