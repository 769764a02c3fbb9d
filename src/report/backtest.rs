//! The backtest report: hits of the tuned rule over the baseline window, counted per region,
//! account and principal, then the first hits themselves (a [`Tally`]).

use std::collections::BTreeMap;
use std::io::{self, Write};

use comfy_table::Cell;

use crate::detect::Tally;
use crate::report::text::{Safe, clip};
use crate::report::{count, table, thousands};
use crate::sigma::RuleInfo;

/// The longest value a cell shows, in characters.
const CELL_CHARS: usize = 256;

/// Most frequent first.
fn counts(m: &BTreeMap<String, u64>) -> Vec<(&str, u64)> {
    let mut v: Vec<_> = m.iter().map(|(k, n)| (k.as_str(), *n)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v
}

pub fn write(out: &mut dyn Write, rules: &[RuleInfo], tally: &Tally) -> io::Result<()> {
    if tally.hits == 0 {
        return writeln!(
            out,
            "No alerts: the tuned rule stays quiet over the baseline window."
        );
    }
    writeln!(
        out,
        "{} over the window.",
        count(tally.hits, "alert", "alerts")
    )?;
    let mut groups = vec![
        ("Region", counts(&tally.by_region)),
        ("Account", counts(&tally.by_account)),
        ("Principal", counts(&tally.by_principal)),
    ];
    if !tally.by_country.is_empty() {
        groups.push(("Caller country", counts(&tally.by_country)));
    }
    for (title, rows) in groups {
        let mut t = table::new(&[title, "Alerts"], &[1]);
        for (k, n) in rows {
            t.add_row(vec![
                table::text(&clip(if k.is_empty() { "-" } else { k }, CELL_CHARS)),
                Cell::new(thousands(n)),
            ]);
        }
        table::fit(&mut t, &[1], &[]);
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
    for x in &tally.first {
        let field = |name: &str| {
            x.fields
                .iter()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.as_str())
                .unwrap_or("-")
                .to_string()
        };
        let cell = |s: &str| table::text(&clip(s, CELL_CHARS));
        t.add_row(vec![
            cell(&x.event_time),
            cell(&x.aws_region),
            cell(&x.principal),
            cell(&field("eventName")),
            match &x.caller {
                // The address, and where it is on a line of its own.
                Some(c) => Cell::new(format!(
                    "{}\n{}",
                    Safe(&clip(&x.source_ip, CELL_CHARS)),
                    Safe(&clip(&crate::geo::summary(c), CELL_CHARS))
                )),
                None => cell(if x.source_ip.is_empty() {
                    "-"
                } else {
                    &x.source_ip
                }),
            },
            cell(&rules[x.rule].title),
        ]);
    }
    table::fit(&mut t, &[0, 1], &[]);
    writeln!(out, "{t}")?;
    if tally.hits > tally.first.len() as u64 {
        writeln!(
            out,
            "(first {} of {}; `trailtune detect --rule TUNED.yml` lists them all)",
            tally.first.len(),
            tally.hits
        )?;
    }
    Ok(())
}
