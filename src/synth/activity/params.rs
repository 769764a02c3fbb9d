//! `requestParameters` and `responseElements` of an API call, from a table of per-API templates.
//!
//! Consumes the API, the region and the time of a call; produces the two documents. What they
//! contain is data: `params.yaml`, embedded and read once, holds one template per event source
//! and event name (or `*` for the source's other names). A template lists its values (`let`):
//! the random draws of the call, in the order they are made, and strings built from them; then
//! the two documents, whose strings may name a value or a fact of the call (`{region}`,
//! `{account}`, ...). An API without a template has null for both. This file reads and checks
//! the table (unknown names, a `*` that is not last, a value used before it is made) and
//! renders it. Must not draw anything a template does not list, in any other order, nor change
//! anything but the two documents and the task's draws.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde_yaml::{Mapping, Value};

use super::Day;
use crate::synth::model::Api;
use crate::synth::record::Doc;

/// The facts of a call a template may name besides its own values.
const FACTS: [&str; 7] = [
    "account",
    "account_name",
    "account_suffix",
    "region",
    "kms_key",
    "time",
    "expiration",
];

/// The template table, read on first use. `params.yaml` is checked by the tests, so a broken
/// table fails them rather than a corpus.
static TABLE: LazyLock<Table> = LazyLock::new(|| {
    Table::parse(include_str!("params.yaml")).unwrap_or_else(|e| panic!("params.yaml: {e}"))
});

/// `params.yaml`, read.
struct Table {
    templates: Vec<Template>,
    sources: HashMap<String, Source>,
}

/// The templates of one event source, as indexes into [`Table::templates`].
#[derive(Default)]
struct Source {
    names: HashMap<String, usize>,
    /// The `*` entry: every other name of the source.
    other: Option<usize>,
}

/// The parameters of one API (or of several sharing a shape).
#[derive(Default)]
struct Template {
    lets: Vec<(String, Let)>,
    request: Node,
    response: Node,
}

/// One value of a template, made in order before the documents are rendered.
enum Let {
    /// `{hex: N}`: N lowercase hex digits.
    Hex(usize),
    /// `{alnum: N}`: N characters of `[0-9A-Za-z]`.
    Alnum(usize),
    /// `uuid`: a random UUID.
    Uuid,
    /// `{iam_id: [PREFIX, N]}`: PREFIX then N characters of `[A-Z2-7]`.
    IamId(String, usize),
    /// `{range: [LO, HI]}`: a number drawn by `Rng::range`.
    Range(u64, u64),
    /// `{pick: [A, B, ...]}`: one of the strings.
    Pick(Vec<String>),
    /// `{chance: P, then: DOC, else: DOC}`: the first document with probability P.
    Chance { p: f64, then: Node, otherwise: Node },
    /// `{text: "..."}`: a string built from earlier values (no draw).
    Text(Vec<Piece>),
    /// `{epoch_ms: OFFSET}`: the call's time in epoch milliseconds plus OFFSET (no draw).
    EpochMs(i64),
}

/// A document to render.
#[derive(Default)]
enum Node {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    /// A string without placeholders.
    Lit(String),
    /// A string that is exactly one `{name}`: the value itself, with its type.
    Var(String),
    /// A string with placeholders.
    Text(Vec<Piece>),
    Arr(Vec<Node>),
    Obj(Vec<(String, Node)>),
}

/// A part of a string with placeholders.
enum Piece {
    Lit(String),
    Var(String),
}

/// What a template may name while it is read: the facts, then each value once it is made. A
/// `chance` value is a document, so it may only stand alone (`"{name}"`), never inside a text.
struct Names {
    texts: Vec<String>,
    documents: Vec<String>,
}

impl Names {
    fn new() -> Names {
        Names {
            texts: FACTS.map(String::from).to_vec(),
            documents: Vec::new(),
        }
    }

    fn check(&self, name: &str, in_text: bool) -> Result<(), String> {
        if self.texts.iter().any(|n| n == name) {
            Ok(())
        } else if self.documents.iter().any(|n| n == name) {
            if in_text {
                Err(format!("{{{name}}} is a document, not text"))
            } else {
                Ok(())
            }
        } else {
            Err(format!("{{{name}}} is neither an earlier let nor a fact"))
        }
    }
}

impl Table {
    fn parse(yaml: &str) -> Result<Table, String> {
        let root: Mapping = serde_yaml::from_str(yaml).map_err(|e| e.to_string())?;
        let mut table = Table {
            templates: Vec::new(),
            sources: HashMap::new(),
        };
        for (source, entries) in &root {
            let source = string(source)?;
            let Value::Mapping(entries) = entries else {
                return Err(format!("{source}: expected names mapped to templates"));
            };
            let mut index = Source::default();
            for (names, entry) in entries {
                let names = string(names)?;
                let at = format!("{source} {names}");
                if index.other.is_some() {
                    return Err(format!("{at}: comes after \"*\", which must be last"));
                }
                let template = Template::parse(entry).map_err(|e| format!("{at}: {e}"))?;
                let i = table.templates.len();
                table.templates.push(template);
                if names == "*" {
                    index.other = Some(i);
                }
                for name in names.split_whitespace().filter(|n| *n != "*") {
                    if index.names.insert(name.to_string(), i).is_some() {
                        return Err(format!("{at}: {name} has two templates"));
                    }
                }
            }
            table.sources.insert(source, index);
        }
        Ok(table)
    }

    fn get(&self, api: Api) -> Option<&Template> {
        let source = self.sources.get(api.source)?;
        let i = source.names.get(api.name).copied().or(source.other)?;
        Some(&self.templates[i])
    }
}

impl Template {
    fn parse(entry: &Value) -> Result<Template, String> {
        let mut template = Template::default();
        let fields = match entry {
            Value::Null => return Ok(template),
            Value::Mapping(fields) => fields,
            _ => return Err("expected let / request / response".into()),
        };
        if let Some(field) = fields
            .keys()
            .find(|k| !matches!(k.as_str(), Some("let" | "request" | "response")))
        {
            return Err(format!("unknown field {field:?}"));
        }
        let mut names = Names::new();
        if let Some(lets) = fields.get("let") {
            let Value::Mapping(lets) = lets else {
                return Err("let: expected names mapped to values".into());
            };
            for (name, spec) in lets {
                let name = string(name)?;
                if names.check(&name, false).is_ok() {
                    return Err(format!("let {name}: the name is taken"));
                }
                let value = Let::parse(spec, &names).map_err(|e| format!("let {name}: {e}"))?;
                if matches!(value, Let::Chance { .. }) {
                    names.documents.push(name.clone());
                } else {
                    names.texts.push(name.clone());
                }
                template.lets.push((name, value));
            }
        }
        if let Some(request) = fields.get("request") {
            template.request = Node::parse(request, &names).map_err(|e| format!("request: {e}"))?;
        }
        if let Some(response) = fields.get("response") {
            template.response =
                Node::parse(response, &names).map_err(|e| format!("response: {e}"))?;
        }
        Ok(template)
    }
}

impl Let {
    fn parse(spec: &Value, names: &Names) -> Result<Let, String> {
        if spec.as_str() == Some("uuid") {
            return Ok(Let::Uuid);
        }
        let Some(spec) = spec.as_mapping() else {
            return Err(format!("unknown value {spec:?}"));
        };
        if let Some(p) = spec.get("chance") {
            if spec.len() != 3 {
                return Err("chance takes then and else".into());
            }
            let field = |key: &str| {
                spec.get(key)
                    .ok_or_else(|| format!("chance without {key}"))
                    .and_then(|doc| Node::parse(doc, names))
            };
            return Ok(Let::Chance {
                p: p.as_f64().ok_or("chance: expected a probability")?,
                then: field("then")?,
                otherwise: field("else")?,
            });
        }
        let (kind, arg) = match spec.iter().collect::<Vec<_>>()[..] {
            [(kind, arg)] => (string(kind)?, arg),
            _ => return Err(format!("expected one kind of value, got {spec:?}")),
        };
        let pair = || match arg.as_sequence().map(Vec::as_slice) {
            Some([a, b]) => Ok((a, b)),
            _ => Err(format!("{kind}: expected two items")),
        };
        Ok(match kind.as_str() {
            "hex" => Let::Hex(count(arg)?),
            "alnum" => Let::Alnum(count(arg)?),
            "iam_id" => {
                let (prefix, len) = pair()?;
                Let::IamId(string(prefix)?, count(len)?)
            }
            "range" => {
                let (lo, hi) = pair()?;
                let number = |v: &Value| v.as_u64().ok_or(format!("range: {v:?} is not a count"));
                Let::Range(number(lo)?, number(hi)?)
            }
            "pick" => {
                let items = arg.as_sequence().ok_or("pick: expected a list")?;
                if items.is_empty() {
                    return Err("pick: the list is empty".into());
                }
                Let::Pick(items.iter().map(string).collect::<Result<_, _>>()?)
            }
            "text" => Let::Text(pieces(&string(arg)?, names)?),
            "epoch_ms" => Let::EpochMs(arg.as_i64().ok_or("epoch_ms: expected an offset")?),
            _ => return Err(format!("unknown kind of value {kind}")),
        })
    }
}

impl Node {
    fn parse(doc: &Value, names: &Names) -> Result<Node, String> {
        Ok(match doc {
            Value::Null => Node::Null,
            Value::Bool(b) => Node::Bool(*b),
            Value::Number(n) => Node::Int(n.as_i64().ok_or(format!("{n} is not an integer"))?),
            Value::String(s) => {
                let pieces = pieces(s, names)?;
                match &pieces[..] {
                    [] | [Piece::Lit(_)] => Node::Lit(s.clone()),
                    [Piece::Var(name)] => Node::Var(name.clone()),
                    _ => {
                        for piece in &pieces {
                            if let Piece::Var(name) = piece {
                                names.check(name, true)?;
                            }
                        }
                        Node::Text(pieces)
                    }
                }
            }
            Value::Sequence(items) => Node::Arr(
                items
                    .iter()
                    .map(|item| Node::parse(item, names))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Mapping(pairs) => Node::Obj(
                pairs
                    .iter()
                    .map(|(k, v)| Ok((string(k)?, Node::parse(v, names)?)))
                    .collect::<Result<_, String>>()?,
            ),
            Value::Tagged(tagged) => return Err(format!("unexpected tag {}", tagged.tag)),
        })
    }
}

/// Split a string at its `{name}` placeholders, checking that every name is known.
fn pieces(s: &str, names: &Names) -> Result<Vec<Piece>, String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(open) = rest.find('{') {
        let close = rest[open..]
            .find('}')
            .ok_or_else(|| format!("{s:?}: {{ without }}"))?;
        let name = &rest[open + 1..open + close];
        names.check(name, false)?;
        if open > 0 {
            out.push(Piece::Lit(rest[..open].to_string()));
        }
        out.push(Piece::Var(name.to_string()));
        rest = &rest[open + close + 1..];
    }
    if rest.contains('}') {
        return Err(format!("{s:?}: }} without {{"));
    }
    if !rest.is_empty() {
        out.push(Piece::Lit(rest.to_string()));
    }
    Ok(out)
}

fn string(v: &Value) -> Result<String, String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("{v:?} is not a string"))
}

fn count(v: &Value) -> Result<usize, String> {
    v.as_u64()
        .map(|n| n as usize)
        .ok_or_else(|| format!("{v:?} is not a count"))
}

/// Where and when a call happens: what the facts are computed from.
#[derive(Clone, Copy)]
struct At {
    region: &'static str,
    second: i64,
}

impl Day<'_> {
    /// The two documents of `api` called in `region` at `second` of the day.
    pub(super) fn params(&mut self, api: Api, region: &'static str, second: i64) -> (Doc, Doc) {
        let Some(template) = TABLE.get(api) else {
            return (Doc::Null, Doc::Null);
        };
        let at = At { region, second };
        let mut values: Vec<(&'static str, Doc)> = Vec::with_capacity(template.lets.len());
        for (name, value) in &template.lets {
            let value = match value {
                Let::Hex(n) => Doc::Str(self.rng.hex(*n)),
                Let::Alnum(n) => Doc::Str(self.rng.alnum(*n)),
                Let::Uuid => Doc::Str(self.rng.uuid()),
                Let::IamId(prefix, n) => Doc::Str(self.rng.iam_id(prefix, *n)),
                Let::Range(lo, hi) => Doc::Int(self.rng.range(*lo, *hi) as i64),
                Let::Pick(items) => Doc::Lit(self.rng.pick(items).as_str()),
                Let::Chance { p, then, otherwise } => {
                    let doc = if self.rng.chance(*p) { then } else { otherwise };
                    self.render(doc, &values, at)
                }
                Let::Text(pieces) => Doc::Str(self.text(pieces, &values, at)),
                Let::EpochMs(offset) => Doc::Int(self.epoch(second) * 1000 + offset),
            };
            values.push((name, value));
        }
        (
            self.render(&template.request, &values, at),
            self.render(&template.response, &values, at),
        )
    }

    fn render(&self, node: &'static Node, values: &[(&'static str, Doc)], at: At) -> Doc {
        match node {
            Node::Null => Doc::Null,
            Node::Bool(b) => Doc::Bool(*b),
            Node::Int(n) => Doc::Int(*n),
            Node::Lit(s) => Doc::Lit(s),
            Node::Var(name) => self.value(name, values, at),
            Node::Text(pieces) => Doc::Str(self.text(pieces, values, at)),
            Node::Arr(items) => Doc::Arr(
                items
                    .iter()
                    .map(|item| self.render(item, values, at))
                    .collect(),
            ),
            Node::Obj(pairs) => Doc::Obj(
                pairs
                    .iter()
                    .map(|(k, v)| (k.as_str(), self.render(v, values, at)))
                    .collect(),
            ),
        }
    }

    fn text(&self, pieces: &[Piece], values: &[(&'static str, Doc)], at: At) -> String {
        let mut out = String::new();
        for piece in pieces {
            match piece {
                Piece::Lit(s) => out.push_str(s),
                Piece::Var(name) => match self.value(name, values, at) {
                    Doc::Str(s) => out.push_str(&s),
                    Doc::Lit(s) => out.push_str(s),
                    Doc::Int(n) => out.push_str(&n.to_string()),
                    _ => unreachable!("documents are kept out of texts when the table is read"),
                },
            }
        }
        out
    }

    /// A value of the template, else a fact of the call.
    fn value(&self, name: &str, values: &[(&'static str, Doc)], at: At) -> Doc {
        if let Some((_, doc)) = values.iter().find(|(n, _)| *n == name) {
            return doc.clone();
        }
        match name {
            "account" => Doc::Str(self.acct()),
            "account_name" => Doc::Lit(self.account.name),
            "account_suffix" => Doc::Str(self.account.id[6..].to_string()),
            "region" => Doc::Lit(at.region),
            "kms_key" => Doc::Str(self.kms_key(at.region)),
            "time" => Doc::Str(self.time(at.second)),
            "expiration" => Doc::Str(self.expiration(at.second)),
            _ => unreachable!("names are checked when the table is read"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::activity::Org;
    use crate::synth::model::{self, Api};
    use crate::synth::rng::Rng;

    fn api(source: &'static str, name: &'static str) -> Api {
        Api {
            source,
            name,
            read_only: true,
        }
    }

    #[test]
    fn every_template_renders() {
        let accounts = model::accounts(1, 1);
        let org = Org {
            accounts: &accounts,
            injections: &[],
            events_per_day: 0,
            partner_account: String::new(),
            security_account: String::new(),
        };
        let date = chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
        let mut day = Day {
            org: &org,
            account: &accounts[0],
            date,
            prefix: date.format("%Y-%m-%dT").to_string(),
            rng: Rng::new(1),
            out: Vec::new(),
        };
        for (source, index) in &TABLE.sources {
            let source: &'static str = source;
            let names = index.names.keys().map(String::as_str);
            for name in names.chain(index.other.map(|_| "SomethingElse")) {
                let (request, response) = day.params(api(source, name), "eu-west-1", 3_723);
                serde_json::to_string(&(request, response)).unwrap();
            }
        }
        let (request, response) =
            day.params(api("sts.amazonaws.com", "AssumeRole"), "us-east-1", 3_723);
        let json = serde_json::to_string(&(request, response)).unwrap();
        let account = &accounts[0].id;
        assert!(json.contains(&format!("arn:aws:iam::{account}:role/orders-api-reader")));
        assert!(
            json.contains(r#""expiration":"Jun 30, 2025, 2:02:03 AM""#),
            "{json}"
        );
        let (request, _) = day.params(api("ec2.amazonaws.com", "CreateTags"), "eu-west-1", 0);
        let json = serde_json::to_string(&request).unwrap();
        assert!(json.starts_with(r#"{"resourcesSet":{"items":[{"resourceId":"i-0"#));
        let (request, response) = day.params(api("sts.amazonaws.com", "Unknown"), "us-east-1", 0);
        assert!(matches!((request, response), (Doc::Null, Doc::Null)));
    }

    #[test]
    fn names_match_the_api_lists() {
        let lists = [
            model::HUMAN_APIS,
            model::CI_APIS,
            model::APP_APIS,
            model::TERRAFORM_APIS,
            model::SCANNER_APIS,
            model::SCANNER_GLOBAL_APIS,
            model::CONFIG_APIS,
            model::ATTACKER_APIS,
            model::ATTACKER_GLOBAL_APIS,
            model::EXPLORER_APIS,
        ];
        // The console calls of `background.rs`.
        let console = [
            "GetBucketAcl",
            "GetBucketLocation",
            "GetBucketPublicAccessBlock",
        ]
        .map(|name| api("s3.amazonaws.com", name));
        let mut unknown = Vec::new();
        for (source, index) in &TABLE.sources {
            for name in index.names.keys() {
                let known = lists
                    .iter()
                    .flat_map(|list| list.iter())
                    .chain(&console)
                    .any(|api| api.source == source && api.name == name);
                if !known {
                    unknown.push(format!("{source} {name}"));
                }
            }
        }
        assert!(unknown.is_empty(), "in no API list: {unknown:?}");
    }

    #[test]
    fn broken_tables_are_refused() {
        for (yaml, error) in [
            (
                "s3.amazonaws.com:\n  \"*\": ~\n  GetBucketAcl: ~\n",
                "must be last",
            ),
            (
                "s3.amazonaws.com:\n  A:\n    request: {x: \"{nope}\"}\n",
                "neither an earlier let",
            ),
            (
                "s3.amazonaws.com:\n  A:\n    request: {x: \"{b}\"}\n    let: {a: {text: \"{b}\"}, b: uuid}\n",
                "let a: {b} is neither",
            ),
            (
                "s3.amazonaws.com:\n  A:\n    let: {a: {chance: 0.5, then: 1, else: 2}}\n    request: \"x{a}\"\n",
                "is a document",
            ),
            (
                "s3.amazonaws.com:\n  A B:\n    request: 1\n  B: ~\n",
                "two templates",
            ),
            (
                "s3.amazonaws.com:\n  A:\n    let: {a: {dice: 6}}\n",
                "unknown kind",
            ),
            (
                "s3.amazonaws.com:\n  A:\n    let: {region: uuid}\n",
                "taken",
            ),
        ] {
            let Err(e) = Table::parse(yaml) else {
                panic!("{yaml} was accepted")
            };
            assert!(e.contains(error), "{e}");
        }
    }
}
