//! The backtest report: hits of the tuned rule over the baseline window, counted per region,
//! account and principal, then the first hits themselves.

use std::collections::BTreeMap;
use std::io::{self, Write};

use comfy_table::Cell;

use crate::detect::Detection;
use crate::report::{table, thousands};
use crate::sigma::RuleInfo;

/// How many hits are listed one by one.
const LISTED: usize = 25;

fn counts<'a>(d: &'a [Detection], key: impl Fn(&'a Detection) -> &'a str) -> Vec<(&'a str, u64)> {
    let mut m: BTreeMap<&str, u64> = BTreeMap::new();
    for x in d {
        *m.entry(key(x)).or_insert(0) += 1;
    }
    let mut v: Vec<_> = m.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v
}

pub fn write(out: &mut dyn Write, rules: &[RuleInfo], d: &[Detection]) -> io::Result<()> {
    if d.is_empty() {
        return writeln!(
            out,
            "No alerts: the tuned rule stays quiet over the baseline window."
        );
    }
    writeln!(
        out,
        "{} alert(s) over the window.",
        thousands(d.len() as u64)
    )?;
    for (title, rows) in [
        ("Region", counts(d, |x| x.aws_region.as_str())),
        ("Account", counts(d, |x| x.account.as_str())),
        ("Principal", counts(d, |x| x.principal.as_str())),
    ] {
        let mut t = table::new(&[title, "Alerts"], &[1]);
        for (k, n) in rows {
            t.add_row(vec![
                table::text(if k.is_empty() { "-" } else { k }),
                Cell::new(thousands(n)),
            ]);
        }
        writeln!(out, "{t}")?;
    }
    let mut t = table::new(
        &[
            "eventTime",
            "awsRegion",
            "Principal",
            "eventName",
            "sourceIPAddress",
            "Rule",
        ],
        &[],
    );
    for x in d.iter().take(LISTED) {
        let field = |name: &str| {
            x.fields
                .iter()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.as_str())
                .unwrap_or("-")
                .to_string()
        };
        t.add_row(vec![
            table::text(&x.event_time),
            table::text(&x.aws_region),
            table::text(&x.principal),
            table::text(&field("eventName")),
            table::text(&field("sourceIPAddress")),
            table::text(&rules[x.rule].title),
        ]);
    }
    writeln!(out, "{t}")?;
    if d.len() > LISTED {
        writeln!(
            out,
            "(first {LISTED} of {}; `trailtune detect --rule TUNED.yml` lists them all)",
            d.len()
        )?;
    }
    Ok(())
}
