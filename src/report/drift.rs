//! The re-baselining drift report: what the allowlist gained or lost, reclassified and
//! quarantined regions, and first uses of a region by an account or principal.

use std::io::{self, Write};

use comfy_table::Cell;

use crate::drift::{Drift, FirstUse};
use crate::report::text::{self, Safe};
use crate::report::{Format, Output, table, thousands};

pub fn write(
    out: &mut dyn Write,
    output: Output,
    drift: &Drift,
    rule_rewritten: Option<bool>,
    check: bool,
) -> io::Result<()> {
    let format = output.format;
    match format {
        Format::Json | Format::Ndjson => {
            let mut v = serde_json::to_value(drift).map_err(io::Error::other)?;
            v["allowlist_changed"] = serde_json::json!(drift.allowlist_changed());
            v["rule_rewritten"] = serde_json::json!(rule_rewritten.filter(|_| !check));
            v["rule_out_of_date"] = serde_json::json!(rule_rewritten);
            if format == Format::Json {
                serde_json::to_writer_pretty(&mut *out, &v)?;
            } else {
                serde_json::to_writer(&mut *out, &v)?;
            }
            writeln!(out)
        }
        Format::Table | Format::Csv => write_table(out, drift, rule_rewritten, check),
    }
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "-".to_string()
    } else {
        text::join(v, ", ")
    }
}

fn write_table(
    out: &mut dyn Write,
    d: &Drift,
    rule_rewritten: Option<bool>,
    check: bool,
) -> io::Result<()> {
    writeln!(out, "Drift since the saved baseline:")?;
    writeln!(out, "  newly allowed:      {}", list(&d.newly_allowed))?;
    writeln!(out, "  no longer allowed:  {}", list(&d.no_longer_allowed))?;
    writeln!(out, "  quarantined:        {}", list(&d.quarantined))?;
    if !d.reclassified.is_empty() {
        let items: Vec<String> = d
            .reclassified
            .iter()
            .map(|r| format!("{} {} -> {}", Safe(&r.region), r.before, r.after))
            .collect();
        writeln!(out, "  reclassified:       {}", items.join(", "))?;
    }
    for (title, rows) in [
        ("Account", &d.accounts_in_new_regions),
        ("Principal", &d.principals_in_new_regions),
    ] {
        if rows.is_empty() {
            continue;
        }
        writeln!(out, "{title}s active in a region they never used before:")?;
        let mut t = table::new(&[title, "Region", "Events"], &[2]);
        for FirstUse {
            who,
            region,
            events,
        } in rows.iter()
        {
            t.add_row(vec![
                table::text(who),
                table::text(region),
                Cell::new(thousands(*events)),
            ]);
        }
        table::fit(&mut t, &[1, 2], &[]);
        writeln!(out, "{t}")?;
    }
    match (rule_rewritten, check) {
        (Some(true), false) => writeln!(out, "The rule was rewritten."),
        (Some(true), true) => writeln!(
            out,
            "The rule is out of date and would be rewritten (--check: nothing written)."
        ),
        (Some(false), _) => writeln!(out, "The rule is up to date: left as it is."),
        (None, _) => Ok(()),
    }
}
