//! The backtest report: hits of the tuned rule over the baseline window, counted per region,
//! account and principal, then the first hits themselves (a [`Tally`]).

use std::collections::BTreeMap;
use std::io::{self, Write};

use comfy_table::Cell;

use crate::detect::Tally;
use crate::pipeline::Forms;
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

/// The two forms of the rule, the tuned one first: what each lists and what each would have
/// raised over the window (alerts, and the accounts and regions they came from).
/// A form's name, and what it lists and raised (or why it could not be tuned).
type FormRow = (String, Result<(usize, Tally), String>);

fn form_rows(tuned: &Tally, forms: &Forms) -> Vec<FormRow> {
    let name = |per_account: bool, tuned: bool| {
        format!(
            "{}{}",
            if per_account {
                "per account"
            } else {
                "organization-wide"
            },
            if tuned { " (tuned)" } else { "" }
        )
    };
    vec![
        (
            name(forms.tuned_per_account, true),
            Ok((forms.tuned_listed, tuned.clone())),
        ),
        (
            name(!forms.tuned_per_account, false),
            forms
                .other
                .as_ref()
                .map(|(t, listed)| (*listed, t.clone()))
                .map_err(Clone::clone),
        ),
    ]
}

/// The two forms side by side, as a table.
pub fn forms(out: &mut dyn Write, tuned: &Tally, forms: &Forms) -> io::Result<()> {
    writeln!(
        out,
        "The two forms of the rule over the same logs (--per-account chooses):"
    )?;
    let mut t = table::new(
        &["Form", "Regions listed", "Alerts", "Accounts", "Regions"],
        &[1, 2, 3, 4],
    );
    for (name, row) in form_rows(tuned, forms) {
        match row {
            Ok((listed, tally)) => t.add_row(vec![
                Cell::new(name),
                Cell::new(listed),
                Cell::new(thousands(tally.hits)),
                Cell::new(tally.by_account.len()),
                Cell::new(tally.by_region.len()),
            ]),
            Err(why) => t.add_row(vec![
                Cell::new(name),
                Cell::new("-"),
                table::text(&clip(&format!("cannot be tuned: {why}"), CELL_CHARS)),
                Cell::new("-"),
                Cell::new("-"),
            ]),
        };
    }
    table::fit(&mut t, &[1, 2, 3, 4], &[]);
    writeln!(out, "{t}")
}

/// The two forms side by side, as JSON (`run --format json`: `backtest.forms`).
pub fn forms_json(tuned: &Tally, forms: &Forms) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = form_rows(tuned, forms)
        .into_iter()
        .zip([forms.tuned_per_account, !forms.tuned_per_account])
        .zip([true, false])
        .map(|(((_, row), per_account), is_tuned)| {
            let mut v = match row {
                Ok((listed, t)) => serde_json::json!({
                    "regions_listed": listed,
                    "alerts": t.hits,
                    "by_account": t.by_account,
                    "by_region": t.by_region,
                }),
                Err(why) => serde_json::json!({ "error": why }),
            };
            v["form"] = serde_json::json!(if per_account {
                "per_account"
            } else {
                "organization"
            });
            v["tuned"] = serde_json::json!(is_tuned);
            v
        })
        .collect();
    serde_json::json!(rows)
}
