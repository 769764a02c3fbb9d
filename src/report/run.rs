//! `run` and `demo` for people: each step of the pipeline as soon as it is done (the region
//! table, the allowlist review, the rule's diff, the backtest), under a numbered heading, with
//! a sentence explaining the step when narrating (`demo`); then the demo's check against its
//! corpus's ground truth.

use std::io::{self, Write};

use serde_json::json;
use std::path::Path;

use crate::baseline::{self, Learned, cols};
use crate::detect::Tally;
use crate::pipeline::{Forms, Steps};
use crate::policy::{AccountPolicies, RegionPolicy};
use crate::report::text::{self, Safe};
use crate::report::{self, Format};
use crate::rewrite;
use crate::sigma::RuleInfo;
use crate::tune::{Rule, Tuned};

/// Prints each step of the pipeline to `out` (stdout) and what was skipped to stderr.
pub struct Printer<W: Write> {
    pub out: W,
    /// Explain each step in a sentence (demo).
    pub narrate: bool,
    /// Print the tuned rule itself at the end (it goes to no file).
    pub print_rule: bool,
    /// `--check`: say whether the rule is up to date.
    pub check: bool,
    /// The tuned rule, kept from step 3 for the end.
    rule: Option<String>,
}

impl<W: Write> Printer<W> {
    pub fn new(out: W, narrate: bool, print_rule: bool) -> Printer<W> {
        Printer {
            out,
            narrate,
            print_rule,
            check: false,
            rule: None,
        }
    }
}

impl<W: Write> Printer<W> {
    fn heading(&mut self, n: u8, title: &str, sentence: &str) -> io::Result<()> {
        writeln!(self.out, "\n== {n}. {title}")?;
        if self.narrate {
            writeln!(self.out, "{sentence}")?;
        }
        Ok(())
    }
}

impl<W: Write> Steps for Printer<W> {
    fn saved(&mut self, path: &Path, learned: &Learned) -> io::Result<()> {
        report::notes::baseline_saved(&mut io::stderr().lock(), path, &learned.baseline)
    }

    fn learned(&mut self, learned: &Learned) -> io::Result<()> {
        let base = &learned.baseline;
        self.heading(
            1,
            "Profile: events per region",
            "Step 1 of the rule's tuning instructions: count the events per region over the window (here read from the logs, aggregated in polars).",
        )?;
        let rows = baseline::frame(&base.aggregates)
            .and_then(|df| baseline::profile(&df, cols::REGION))
            .map_err(io::Error::other)?;
        report::profile::write(
            &mut self.out,
            Format::Table.into(),
            &report::profile::ProfileReport {
                by: "region",
                by2: None,
                window: base.window,
                input: base.input,
                rows: &rows,
            },
        )?;
        self.out.flush()?;
        report::problems::learned(&mut io::stderr().lock(), learned)
    }

    fn decided(
        &mut self,
        policy: &RegionPolicy,
        accounts: Option<&AccountPolicies>,
    ) -> io::Result<()> {
        self.heading(
            2,
            "Allowlist: which regions are normal, and why",
            "Step 2: only successful calls by people and workloads count as evidence; global services, AWS services and sweeping scanners are set apart; new or single-principal regions wait in quarantine.",
        )?;
        report::policy::write(&mut self.out, Format::Table.into(), policy, accounts)
    }

    fn tuned(&mut self, rule: &Rule, tuned: &Tuned, written: Option<&Path>) -> io::Result<()> {
        self.heading(
            3,
            "Tuned rule: the change",
            "Steps 3 and 4: the awsRegion list becomes every known region outside the allowlist, with exceptions for global services and sweepers; the author's comments and layout are kept.",
        )?;
        let diff = rewrite::unified_diff(&rule.text, &tuned.text, &rule.name, "tuned");
        write!(self.out, "{}", text::escape_lines(&diff))?;
        if let Some(path) = written {
            writeln!(
                self.out,
                "(written to {})",
                Safe(&path.display().to_string())
            )?;
        }
        if self.check {
            writeln!(
                self.out,
                "{}",
                if tuned.changed {
                    "(--check: the rule would change; nothing was written)"
                } else {
                    "(--check: the rule is up to date)"
                }
            )?;
        }
        report::tune::warnings(&mut io::stderr().lock(), tuned)?;
        if self.print_rule {
            self.rule = Some(tuned.text.clone());
        }
        self.out.flush()
    }

    fn backtested(
        &mut self,
        rules: &[RuleInfo],
        tally: &Tally,
        forms: Option<&Forms>,
    ) -> io::Result<()> {
        self.heading(
            4,
            "Backtest: what the tuned rule would have raised over the same logs",
            "Before deploying, replay the tuned rule over the baseline window: every hit below is an alert you would have received.",
        )?;
        if let Some(forms) = forms {
            report::backtest::forms(&mut self.out, tally, forms)?;
        }
        report::backtest::write(&mut self.out, rules, tally)?;
        if let Some(rule) = self.rule.take() {
            writeln!(
                self.out,
                "\n== 5. The tuned rule (written to no file: give -o FILE to write it)"
            )?;
            write!(self.out, "{}", text::escape_lines(&rule))?;
        }
        self.out.flush()
    }
}

/// `run --format json`: every step gathered into one JSON document, written when the run ends
/// (the problems met while reading still go to stderr as they come).
pub struct JsonRun<W: Write> {
    out: W,
    doc: serde_json::Map<String, serde_json::Value>,
}

impl<W: Write> JsonRun<W> {
    pub fn new(out: W) -> JsonRun<W> {
        JsonRun {
            out,
            doc: serde_json::Map::new(),
        }
    }
}

impl<W: Write> Steps for JsonRun<W> {
    fn learned(&mut self, learned: &Learned) -> io::Result<()> {
        let base = &learned.baseline;
        let rows = baseline::frame(&base.aggregates)
            .and_then(|df| baseline::profile(&df, cols::REGION))
            .map_err(io::Error::other)?;
        self.doc.insert(
            "profile".into(),
            report::profile::to_json(&report::profile::ProfileReport {
                by: "region",
                by2: None,
                window: base.window,
                input: base.input,
                rows: &rows,
            }),
        );
        report::problems::learned(&mut io::stderr().lock(), learned)
    }

    fn saved(&mut self, path: &Path, _learned: &Learned) -> io::Result<()> {
        self.doc
            .insert("baseline_saved".into(), json!(path.display().to_string()));
        Ok(())
    }

    fn decided(
        &mut self,
        policy: &RegionPolicy,
        accounts: Option<&AccountPolicies>,
    ) -> io::Result<()> {
        self.doc.insert(
            "allowlist".into(),
            report::policy::to_json_all(policy, accounts)?,
        );
        Ok(())
    }

    fn tuned(&mut self, rule: &Rule, tuned: &Tuned, written: Option<&Path>) -> io::Result<()> {
        report::tune::warnings(&mut io::stderr().lock(), tuned)?;
        self.doc.insert(
            "tuned".into(),
            json!({
                "rule": rule.name,
                "changed": tuned.changed,
                "written": written.map(|p| p.display().to_string()),
                "diff": rewrite::unified_diff(&rule.text, &tuned.text, &rule.name, "tuned"),
                "text": tuned.text,
            }),
        );
        Ok(())
    }

    fn backtested(
        &mut self,
        rules: &[RuleInfo],
        tally: &Tally,
        forms: Option<&Forms>,
    ) -> io::Result<()> {
        let first: Vec<serde_json::Value> = tally
            .first
            .iter()
            .map(|d| {
                let mut hit = serde_json::to_value(report::detect::HitJson::new(rules, d))
                    .unwrap_or_default();
                hit["account"] = json!(d.account);
                hit["principal"] = json!(d.principal);
                hit
            })
            .collect();
        let mut backtest = json!({
            "alerts": tally.hits,
            "by_region": tally.by_region,
            "by_account": tally.by_account,
            "by_principal": tally.by_principal,
            "first": first,
        });
        if !tally.by_country.is_empty() {
            backtest["by_caller_country"] = json!(tally.by_country);
        }
        if let Some(forms) = forms {
            backtest["forms"] = report::backtest::forms_json(tally, forms);
        }
        self.doc.insert("backtest".into(), backtest);
        serde_json::to_writer_pretty(&mut self.out, &self.doc)?;
        writeln!(self.out)?;
        self.out.flush()
    }
}

/// Passes every step on to `inner` and keeps what the review page shows (`run --report`).
pub struct Recorder<'s> {
    inner: &'s mut dyn Steps,
    pub window: Option<crate::window::Window>,
    pub input: crate::baseline::InputStats,
    pub regions: Vec<crate::baseline::ProfileRow>,
    pub heatmap: crate::baseline::Heatmap,
    pub policy: Option<RegionPolicy>,
    pub accounts: Option<AccountPolicies>,
    pub diff: Option<String>,
    pub backtest: Option<(Vec<RuleInfo>, Tally)>,
    pub forms: Option<Forms>,
}

impl<'s> Recorder<'s> {
    pub fn new(inner: &'s mut dyn Steps) -> Recorder<'s> {
        Recorder {
            inner,
            window: None,
            input: Default::default(),
            regions: Vec::new(),
            heatmap: Default::default(),
            policy: None,
            accounts: None,
            diff: None,
            backtest: None,
            forms: None,
        }
    }

    /// The review page of what was recorded (`None` before the logs were learned from).
    pub fn write_page(&self, out: &mut dyn Write) -> io::Result<bool> {
        let Some(window) = self.window else {
            return Ok(false);
        };
        report::html::write(
            out,
            &report::html::Page {
                command: "run",
                window,
                input: self.input,
                regions: &self.regions,
                heatmap: &self.heatmap,
                policy: self.policy.as_ref(),
                accounts: self.accounts.as_ref(),
                diff: self.diff.as_deref(),
                backtest: self.backtest.as_ref().map(|(r, t)| (r.as_slice(), t)),
                forms: self.forms.as_ref(),
                drift: None,
            },
        )?;
        Ok(true)
    }
}

impl Steps for Recorder<'_> {
    fn learned(&mut self, learned: &Learned) -> io::Result<()> {
        let base = &learned.baseline;
        self.window = Some(base.window);
        self.input = base.input;
        (self.regions, self.heatmap) =
            baseline::review(&base.aggregates, base.window).map_err(io::Error::other)?;
        self.inner.learned(learned)
    }

    fn saved(&mut self, path: &Path, learned: &Learned) -> io::Result<()> {
        self.inner.saved(path, learned)
    }

    fn decided(
        &mut self,
        policy: &RegionPolicy,
        accounts: Option<&AccountPolicies>,
    ) -> io::Result<()> {
        self.policy = Some(policy.clone());
        self.accounts = accounts.cloned();
        self.inner.decided(policy, accounts)
    }

    fn tuned(&mut self, rule: &Rule, tuned: &Tuned, written: Option<&Path>) -> io::Result<()> {
        self.diff = Some(rewrite::unified_diff(
            &rule.text,
            &tuned.text,
            &rule.name,
            "tuned",
        ));
        self.inner.tuned(rule, tuned, written)
    }

    fn backtest_hit(&mut self, hit: &crate::detect::Detection) -> io::Result<()> {
        self.inner.backtest_hit(hit)
    }

    fn backtested(
        &mut self,
        rules: &[RuleInfo],
        tally: &Tally,
        forms: Option<&Forms>,
    ) -> io::Result<()> {
        self.backtest = Some((rules.to_vec(), tally.clone()));
        self.forms = forms.cloned();
        self.inner.backtested(rules, tally, forms)
    }
}
