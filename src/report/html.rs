//! The review page (`--report FILE.html`): one self-contained HTML file for a review meeting,
//! with the region table, a region × week heatmap, the allowlist decisions and their reasons,
//! the rule's diff, the backtest and the drift, whichever the command has. Inline CSS and SVG
//! only: no script, no font, no image, no address outside the file, so it opens offline and
//! prints as it shows. Every value from the logs or a rule is HTML-escaped.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::baseline::{Heatmap, InputStats, ProfileRow};
use crate::detect::Tally;
use crate::drift::Drift;
use crate::pipeline::Forms;
use crate::policy::{AccountPolicies, Decision, RegionPolicy};
use crate::report::{count, table::pct, thousands};
use crate::sigma::RuleInfo;
use crate::window::Window;

/// What a page shows; the sections a command does not have are left out.
pub struct Page<'a> {
    /// The command that made it (`profile`, `run`, `rebaseline`).
    pub command: &'a str,
    pub window: Window,
    pub input: InputStats,
    pub regions: &'a [ProfileRow],
    pub heatmap: &'a Heatmap,
    pub policy: Option<&'a RegionPolicy>,
    /// Each account's decision (`--per-account`).
    pub accounts: Option<&'a AccountPolicies>,
    /// The unified diff of the rule (empty: unchanged).
    pub diff: Option<&'a str>,
    pub backtest: Option<(&'a [RuleInfo], &'a Tally)>,
    /// Both forms of the rule over the same logs (`run` with several accounts).
    pub forms: Option<&'a Forms>,
    pub drift: Option<&'a Drift>,
}

/// `s` as text on the page: control, bidi and invisible characters spelled out as the tables
/// spell them (`\u{202e}`), then `&`, `<`, `>`, `"` and `'` as character references.
pub fn escape(s: &str) -> String {
    let spelled: String = s
        .split('\n')
        .map(|line| crate::report::text::escape(line).into_owned())
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = String::with_capacity(spelled.len());
    for c in spelled.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// How many values of each breakdown the backtest section names.
const BREAKDOWN_SHOWN: usize = 12;

const STYLE: &str = "
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1d2330;margin:2em auto;max-width:1100px;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #d7dbe3;padding-bottom:.2em}
.meta{color:#5b6474}
table{border-collapse:collapse;width:100%;margin:.6em 0}
th,td{border:1px solid #d7dbe3;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#eef1f6}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.code{white-space:nowrap;font-family:ui-monospace,SFMono-Regular,Menlo,monospace}
.allow{color:#17663a;font-weight:600}.unusual{color:#b3261e;font-weight:600}.quarantined{color:#8a5a00;font-weight:600}
pre{background:#f6f8fa;border:1px solid #d7dbe3;padding:.8em;overflow-x:auto;white-space:pre-wrap;font-size:12px}
pre .add{color:#17663a}pre .del{color:#b3261e}
svg text{font:11px system-ui,sans-serif;fill:#1d2330}
.legend{color:#5b6474;font-size:12px}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}table,svg{break-inside:avoid}pre{white-space:pre-wrap}}
";

/// The page.
pub fn write(out: &mut dyn Write, page: &Page<'_>) -> io::Result<()> {
    let mut h = String::new();
    let title = format!(
        "trailtune {}: {} .. {}",
        page.command, page.window.since, page.window.until
    );
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>\n<h1>{}</h1>\n\
         <p class=\"meta\">{} from {} over {}; made by <code>trailtune {}</code> {}.</p>\n",
        escape(&title),
        escape(&title),
        count(page.input.events, "event", "events"),
        count(page.input.files as u64, "file", "files"),
        count(page.window.days() as u64, "day", "days"),
        escape(page.command),
        env!("CARGO_PKG_VERSION"),
    );
    heatmap_section(&mut h, page.heatmap);
    regions_section(&mut h, page.regions);
    if let Some(policy) = page.policy {
        policy_section(&mut h, policy);
        if let Some(accounts) = page.accounts {
            accounts_section(&mut h, policy, accounts);
        }
    }
    if let Some(diff) = page.diff {
        diff_section(&mut h, diff);
    }
    if let Some((rules, tally)) = page.backtest {
        backtest_section(&mut h, rules, tally);
        if let Some(forms) = page.forms {
            forms_section(&mut h, tally, forms);
        }
    }
    if let Some(drift) = page.drift {
        drift_section(&mut h, drift);
    }
    h.push_str("</body></html>\n");
    out.write_all(h.as_bytes())
}

/// A colour from white to deep blue for `share` in 0..=1 (log-scaled by the caller).
fn shade(share: f64) -> String {
    let t = share.clamp(0.0, 1.0);
    let (r, g, b) = (
        (247.0 - t * (247.0 - 8.0)) as u8,
        (251.0 - t * (251.0 - 69.0)) as u8,
        (255.0 - t * (255.0 - 148.0)) as u8,
    );
    format!("#{r:02x}{g:02x}{b:02x}")
}

fn heatmap_section(h: &mut String, map: &Heatmap) {
    let _ = writeln!(
        h,
        "<h2>Activity: events per region and {}</h2>",
        if map.days_per_column == 7 {
            "week".to_string()
        } else {
            format!("{} days", map.days_per_column)
        }
    );
    if map.rows.is_empty() || map.weeks.is_empty() {
        h.push_str("<p>No events in the window.</p>\n");
        return;
    }
    let (label_w, cell_w, cell_h, top) = (130usize, 22usize, 16usize, 56usize);
    let width = label_w + cell_w * map.weeks.len() + 10;
    let height = top + cell_h * map.rows.len() + 10;
    let max = map
        .rows
        .iter()
        .flat_map(|(_, c)| c.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let _ = writeln!(
        h,
        "<svg id=\"heatmap\" class=\"heatmap\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"events per region and week\">"
    );
    for (i, week) in map.weeks.iter().enumerate() {
        if i % 2 == 0 {
            let x = label_w + i * cell_w + cell_w / 2;
            let _ = write!(
                h,
                "<text x=\"{x}\" y=\"{}\" transform=\"rotate(-60 {x} {})\">{}</text>",
                top - 6,
                top - 6,
                week.format("%m-%d")
            );
        }
    }
    for (row, (region, counts)) in map.rows.iter().enumerate() {
        let y = top + row * cell_h;
        let _ = write!(
            h,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            label_w - 6,
            y + cell_h - 4,
            escape(&crate::text::clip(region, 20))
        );
        for (i, &n) in counts.iter().enumerate() {
            // Log scale: one event in a week must show next to a hundred thousand.
            let share = if n == 0 {
                0.0
            } else {
                (1.0 + n as f64).ln() / (1.0 + max).ln()
            };
            let _ = write!(
                h,
                "<rect class=\"cell\" x=\"{}\" y=\"{y}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#d7dbe3\" stroke-width=\"0.5\"><title>{} from {}: {}</title></rect>",
                label_w + i * cell_w,
                cell_w,
                cell_h,
                shade(share),
                escape(region),
                map.weeks[i],
                thousands(n)
            );
        }
        h.push('\n');
    }
    let _ = writeln!(
        h,
        "</svg>\n<p class=\"legend\">Darker is busier (log scale); white is no event. Each column is {} days from its first day.</p>",
        map.days_per_column
    );
}

fn regions_section(h: &mut String, rows: &[ProfileRow]) {
    h.push_str("<h2>Regions</h2>\n<table><thead><tr><th>Region</th><th>Events</th><th>Share %</th><th>Active days</th><th>First seen</th><th>Last seen</th><th>Principals</th><th>Accounts</th><th>Failed %</th><th>Global svc %</th></tr></thead><tbody>\n");
    for r in rows {
        let _ = writeln!(
            h,
            "<tr><td class=\"code\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"code\">{}</td><td class=\"code\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(&r.key),
            thousands(r.events),
            pct(r.share_pct),
            r.active_days,
            r.first_seen,
            r.last_seen,
            r.principals,
            r.accounts,
            pct(r.failed_pct()),
            pct(r.global_pct()),
        );
    }
    h.push_str("</tbody></table>\n");
}

fn policy_section(h: &mut String, p: &RegionPolicy) {
    let _ = write!(
        h,
        "<h2>Allowlist decisions</h2>\n<p>{} of normal use; {} of history. Policy: <code>{}</code>.</p>\n<table><thead><tr><th>Region</th><th>Class</th><th>Decision</th><th>Events</th><th>Days</th><th>Principals</th><th>Reason</th></tr></thead><tbody>\n",
        count(p.evidence_events, "event", "events"),
        count(p.history_days as u64, "day", "days"),
        escape(&p.config_summary),
    );
    let mut shown: Vec<_> = p
        .regions
        .iter()
        .filter(|d| d.events > 0 || d.all_events > 0 || d.pinned)
        .collect();
    shown.sort_by_key(|d| (d.decision, std::cmp::Reverse(d.events), d.region.clone()));
    for d in shown {
        let class = match d.decision {
            Decision::Allow => "allow",
            Decision::Quarantined => "quarantined",
            Decision::Unusual => "unusual",
        };
        let _ = writeln!(
            h,
            "<tr><td class=\"code\">{}</td><td>{}</td><td class=\"{class}\">{}{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            escape(&d.region),
            d.class,
            d.decision,
            if d.pinned { " (pinned)" } else { "" },
            thousands(d.events),
            d.active_days,
            d.principals,
            escape(&crate::report::policy::reason_text(d)),
        );
    }
    let _ = writeln!(
        h,
        "</tbody></table>\n<p>Allowlist: <code>{}</code></p>",
        escape(&p.allowlist().join(", "))
    );
}

/// `--per-account`: where each account's allowlist comes from, and what it allows.
fn accounts_section(h: &mut String, p: &RegionPolicy, accounts: &AccountPolicies) {
    let _ = write!(
        h,
        "<h2>Per account</h2>\n<p>The tuned rule lists every region unusual for at least one account \
         ({} regions); each account's filter exempts its own allowlist.</p>\n<table><thead><tr>\
         <th>Account</th><th>Events</th><th>History</th><th>Allowlist from</th><th>Allowlist</th>\
         <th>Quarantined</th></tr></thead><tbody>\n",
        accounts.unusual_regions(p).len()
    );
    for a in &accounts.accounts {
        let class = if a.fallback.is_some() {
            "quarantined"
        } else {
            "allow"
        };
        let _ = writeln!(
            h,
            "<tr><td class=\"code\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"{class}\">{}</td><td>{}</td><td>{}</td></tr>",
            escape(&a.account),
            thousands(a.own.evidence_events),
            count(a.own.history_days.max(0) as u64, "day", "days"),
            escape(&crate::report::policy::source_text(a)),
            escape(&a.allowlist.join(", ")),
            escape(&a.own.quarantined().join(", ")),
        );
    }
    h.push_str("</tbody></table>\n");
    if !accounts.unnamed.is_empty() {
        let names: Vec<&str> = accounts.unnamed.keys().map(String::as_str).collect();
        let _ = writeln!(
            h,
            "<p>{} without a 12-digit recipientAccountId (<code>{}</code>): no filter can exempt them.</p>",
            count(accounts.unnamed.values().sum(), "event", "events"),
            escape(&names.join(", "))
        );
    }
}

/// The two forms of the rule side by side.
fn forms_section(h: &mut String, tuned: &Tally, forms: &Forms) {
    h.push_str(
        "<h3>Both forms over the same logs</h3>\n<table><thead><tr><th>Form</th>\
         <th>Regions listed</th><th>Alerts</th><th>Accounts</th><th>Regions</th></tr></thead><tbody>\n",
    );
    let value = crate::report::backtest::forms_json(tuned, forms);
    for row in value.as_array().into_iter().flatten() {
        let name = format!(
            "{}{}",
            if row["form"] == "per_account" {
                "per account"
            } else {
                "organization-wide"
            },
            if row["tuned"] == true { " (tuned)" } else { "" }
        );
        let cells = match row.get("error").and_then(|e| e.as_str()) {
            Some(why) => format!("<td colspan=\"4\">cannot be tuned: {}</td>", escape(why)),
            None => format!(
                "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>",
                row["regions_listed"],
                thousands(row["alerts"].as_u64().unwrap_or(0)),
                row["by_account"].as_object().map_or(0, |m| m.len()),
                row["by_region"].as_object().map_or(0, |m| m.len()),
            ),
        };
        let _ = writeln!(h, "<tr><td>{}</td>{cells}</tr>", escape(&name));
    }
    h.push_str("</tbody></table>\n");
}

fn diff_section(h: &mut String, diff: &str) {
    h.push_str("<h2>The rule's change</h2>\n");
    if diff.trim().is_empty() {
        h.push_str("<p>The rule is up to date: nothing to change.</p>\n");
        return;
    }
    h.push_str("<pre>");
    for line in diff.lines() {
        let class = match line.as_bytes().first() {
            Some(b'+') if !line.starts_with("+++") => Some("add"),
            Some(b'-') if !line.starts_with("---") => Some("del"),
            _ => None,
        };
        match class {
            Some(c) => {
                let _ = writeln!(h, "<span class=\"{c}\">{}</span>", escape(line));
            }
            None => {
                let _ = writeln!(h, "{}", escape(line));
            }
        }
    }
    h.push_str("</pre>\n");
}

fn backtest_section(h: &mut String, rules: &[RuleInfo], t: &Tally) {
    let _ = writeln!(
        h,
        "<h2>Backtest: what the tuned rule would have raised</h2>\n<p>{} over the window.</p>",
        count(t.hits, "alert", "alerts")
    );
    if t.hits == 0 {
        return;
    }
    // Where the alerts fall, every one of them counted (the list below holds the first few).
    let mut groups = vec![
        ("Region", &t.by_region),
        ("Account", &t.by_account),
        ("Principal", &t.by_principal),
    ];
    if !t.by_country.is_empty() {
        groups.push(("Caller country", &t.by_country));
    }
    h.push_str(
        "<table><thead><tr><th>Alerts by</th><th>Most alerts first</th></tr></thead><tbody>\n",
    );
    for (title, counts) in groups {
        let mut v: Vec<(&String, &u64)> = counts.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let shown: Vec<String> = v
            .iter()
            .take(BREAKDOWN_SHOWN)
            .map(|(k, n)| {
                format!(
                    "{} ({})",
                    escape(if k.is_empty() { "-" } else { k }),
                    thousands(**n)
                )
            })
            .collect();
        let more = v.len().saturating_sub(BREAKDOWN_SHOWN);
        let _ = writeln!(
            h,
            "<tr><th>{title}</th><td>{}{}</td></tr>",
            shown.join(", "),
            if more > 0 {
                format!(", and {more} more")
            } else {
                String::new()
            }
        );
    }
    h.push_str("</tbody></table>\n");
    let located = t.first.iter().any(|d| d.caller.is_some());
    let _ = writeln!(
        h,
        "<table><thead><tr><th>eventTime</th><th>Account</th><th>awsRegion</th><th>Principal</th><th>sourceIPAddress</th>{}<th>Rule</th></tr></thead><tbody>",
        if located { "<th>Caller</th>" } else { "" }
    );
    for d in &t.first {
        let caller = match &d.caller {
            Some(c) => format!("<td>{}</td>", escape(&crate::geo::summary(c))),
            None if located => "<td></td>".to_string(),
            None => String::new(),
        };
        let _ = writeln!(
            h,
            "<tr><td class=\"code\">{}</td><td class=\"code\">{}</td><td class=\"code\">{}</td><td>{}</td><td class=\"code\">{}</td>{caller}<td>{}</td></tr>",
            escape(&d.event_time),
            escape(&d.account),
            escape(&d.aws_region),
            escape(&d.principal),
            escape(&d.source_ip),
            escape(&rules[d.rule].title),
        );
    }
    h.push_str("</tbody></table>\n");
    if t.hits > t.first.len() as u64 {
        let _ = writeln!(
            h,
            "<p class=\"legend\">The first {} of {}.</p>",
            t.first.len(),
            count(t.hits, "alert", "alerts")
        );
    }
}

fn drift_section(h: &mut String, d: &Drift) {
    h.push_str("<h2>Drift since the saved baseline</h2>\n<table><tbody>\n");
    let list = |v: &[String]| {
        if v.is_empty() {
            "-".to_string()
        } else {
            escape(&v.join(", "))
        }
    };
    let _ = writeln!(
        h,
        "<tr><th>Newly allowed</th><td>{}</td></tr><tr><th>No longer allowed</th><td>{}</td></tr><tr><th>Quarantined</th><td>{}</td></tr>",
        list(&d.newly_allowed),
        list(&d.no_longer_allowed),
        list(&d.quarantined),
    );
    for r in &d.reclassified {
        let _ = writeln!(
            h,
            "<tr><th>Reclassified</th><td>{}: {} → {}</td></tr>",
            escape(&r.region),
            r.before,
            r.after
        );
    }
    for (what, uses) in [
        ("Account in a new region", &d.accounts_in_new_regions),
        ("Principal in a new region", &d.principals_in_new_regions),
    ] {
        for u in uses {
            let _ = writeln!(
                h,
                "<tr><th>{what}</th><td>{} in {} ({})</td></tr>",
                escape(&u.who),
                escape(&u.region),
                count(u.events, "event", "events")
            );
        }
    }
    h.push_str("</tbody></table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_from_the_logs_cannot_become_markup() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(escape("a\u{1b}[31m"), "a\\x1b[31m");
        assert_eq!(escape("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(escape("two\nlines"), "two\nlines");
    }

    #[test]
    fn the_shade_runs_from_white_to_blue() {
        assert_eq!(shade(0.0), "#f7fbff");
        assert_eq!(shade(1.0), "#084594");
    }
}
