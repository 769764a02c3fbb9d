#!/usr/bin/env python3
"""Run trailtune's Athena SQL over CloudTrail logs in DuckDB, for tests/it/athena_sql.rs.

Consumes CloudTrail log files (the S3 layout of .json.gz objects holding {"Records": [...]}, or
NDJSON files) and Athena (Trino) SQL files; builds in DuckDB the table `cloudtrail_logs` with the
column layout of `trailtune athena ddl` (lower-case names, `useridentity` a struct, the JSON
columns and every scalar as text, partitions `account`, `region`, `timestamp`), transpiles each
query from Trino to DuckDB with sqlglot, runs it, and prints one JSON document:
{"results": [{"columns": [...], "rows": [[...], ...]}, ...]}, one result per SQL file, in order.

Nothing here decides whether the SQL is right: the Rust test compares the rows with what the
trailtune binary computes from the same logs.

Deliberate substitutions, all outside the logic under test:
- `current_date` becomes `--today` (the queries' window ends today; the corpus has a fixed end);
- a `regexp_replace` replacement's `$1` (Java/Trino group syntax) becomes `\1` (RE2/DuckDB), a
  dialect difference sqlglot does not translate;
- the table is filled the way Athena's Hive JsonSerDe reads CloudTrail: field names matched
  case-insensitively, an object or array in a STRING column kept as its JSON text, booleans and
  numbers in a STRING column as their text. The partitions come from the S3 path when it has the
  CloudTrail layout, else from the record (`recipientAccountId`, `awsRegion`, `eventTime`'s day).

Usage: run_sql.py --today YYYY-MM-DD --logs PATH [--logs PATH ...] QUERY.sql [QUERY.sql ...]
"""

import argparse
import gzip
import json
import os
import re
import sys
import tempfile

import duckdb
import sqlglot
from sqlglot import exp

# The DDL's columns (src/athena/cloudtrail_table.sql) as DuckDB types. Struct fields are listed
# in full so that a query naming any of them binds, as it would in Athena.
STRING_COLUMNS = [
    "eventversion", "eventtime", "eventsource", "eventname", "awsregion", "sourceipaddress",
    "useragent", "errorcode", "errormessage", "requestparameters", "responseelements",
    "additionaleventdata", "requestid", "eventid", "readonly", "eventtype", "apiversion",
    "recipientaccountid", "serviceeventdetails", "sharedeventid", "vpcendpointid",
    "vpcendpointaccountid", "eventcategory", "sessioncredentialfromconsole", "edgedevicedetails",
]
USERIDENTITY = {
    "type": None, "principalid": None, "arn": None, "accountid": None, "invokedby": None,
    "accesskeyid": None, "username": None,
    "onbehalfof": {"userid": None, "identitystorearn": None},
    "sessioncontext": {
        "attributes": {"mfaauthenticated": None, "creationdate": None},
        "sessionissuer": {"type": None, "principalid": None, "arn": None, "accountid": None,
                          "username": None},
        "ec2roledelivery": None,
        "webidfederationdata": {"federatedprovider": None, "attributes": "MAP"},
    },
}
TLSDETAILS = {"tlsversion": None, "ciphersuite": None, "clientprovidedhostheader": None}
RESOURCE = {"arn": None, "accountid": None, "type": None}


def duck_type(shape):
    if shape is None:
        return "VARCHAR"
    if shape == "MAP":
        return "MAP(VARCHAR, VARCHAR)"
    return "STRUCT(" + ", ".join(f'"{k}" {duck_type(v)}' for k, v in shape.items()) + ")"


def as_text(value):
    """A value read into a STRING column, as the JsonSerDe reads it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def lower_keys(obj):
    return {k.lower(): v for k, v in obj.items()} if isinstance(obj, dict) else {}


def shaped(value, shape):
    """A JSON value fitted to a DDL type: structs by lower-cased name, leaves as text."""
    if shape is None:
        return as_text(value)
    if shape == "MAP":
        if not isinstance(value, dict):
            return None
        return {k: as_text(v) for k, v in value.items()}
    if not isinstance(value, dict):
        return None
    fields = lower_keys(value)
    return {k: shaped(fields.get(k), sub) for k, sub in shape.items()}


S3_PATH = re.compile(r"/AWSLogs/(?:o-[^/]+/)?(\d{12})/CloudTrail/([^/]+)/(\d{4})/(\d{2})/(\d{2})/")


def records(path):
    """Every record of one log file, with the file's path."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    text = data.decode("utf-8")
    stripped = text.lstrip()
    if stripped.startswith("{") and '"Records"' in stripped[:200]:
        try:
            yield from json.loads(text)["Records"]
            return
        except (json.JSONDecodeError, KeyError):
            pass
    if stripped.startswith("["):
        yield from json.loads(text)
        return
    for line in text.splitlines():
        if line.strip():
            yield json.loads(line)


def log_files(paths):
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    full = os.path.join(root, name)
                    if "CloudTrail-Digest" in full or not (
                        name.endswith(".json.gz") or name.endswith(".json") or name.endswith(".ndjson")
                    ) or name == "ground-truth.json":
                        continue
                    yield full
        else:
            yield path


def table_rows(paths):
    for path in log_files(paths):
        match = S3_PATH.search(path.replace(os.sep, "/"))
        for record in records(path):
            if not isinstance(record, dict):
                continue
            fields = lower_keys(record)
            row = {c: as_text(fields.get(c)) for c in STRING_COLUMNS}
            row["useridentity"] = shaped(fields.get("useridentity"), USERIDENTITY)
            row["tlsdetails"] = shaped(fields.get("tlsdetails"), TLSDETAILS)
            resources = fields.get("resources")
            row["resources"] = (
                [shaped(r, RESOURCE) for r in resources] if isinstance(resources, list) else None
            )
            if match:
                account, region = match.group(1), match.group(2)
                day = "/".join(match.group(3, 4, 5))
            else:
                account = row["recipientaccountid"]
                region = row["awsregion"]
                day = (row["eventtime"] or "")[:10].replace("-", "/")
            row["account"], row["region"], row["timestamp"] = account, region, day
            yield row


def build_table(con, paths):
    columns = {c: "VARCHAR" for c in STRING_COLUMNS}
    columns["useridentity"] = duck_type(USERIDENTITY)
    columns["tlsdetails"] = duck_type(TLSDETAILS)
    columns["resources"] = duck_type(RESOURCE) + "[]"
    columns.update({"account": "VARCHAR", "region": "VARCHAR", "timestamp": "VARCHAR"})
    with tempfile.NamedTemporaryFile("w", suffix=".ndjson", delete=False, encoding="utf-8") as f:
        for row in table_rows(paths):
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
        staging = f.name
    try:
        spec = "{" + ", ".join(f"'{k}': '{v}'" for k, v in columns.items()) + "}"
        con.execute(
            f"CREATE TABLE cloudtrail_logs AS SELECT * FROM read_json('{staging}', "
            f"format = 'newline_delimited', columns = {spec})"
        )
    finally:
        os.unlink(staging)


def to_duckdb(sql, today):
    """Trino -> DuckDB, with `current_date` pinned to `today` and `$N` group references as `\\N`."""

    def fix(node):
        if isinstance(node, exp.CurrentDate):
            return exp.cast(exp.Literal.string(today), exp.DataType.build("date"))
        if isinstance(node, exp.RegexpReplace):
            replacement = node.args.get("replacement")
            if isinstance(replacement, exp.Literal) and replacement.is_string:
                text = re.sub(r"\$(\d)", r"\\\1", replacement.this)
                node.set("replacement", exp.Literal.string(text))
        return node

    out = []
    for statement in sqlglot.parse(sql, read="trino"):
        if statement is None:
            continue
        out.append(statement.transform(fix).sql(dialect="duckdb"))
    if len(out) != 1:
        raise SystemExit(f"expected one statement, got {len(out)}")
    return out[0]


def plain(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--today", required=True)
    parser.add_argument("--logs", action="append", required=True)
    parser.add_argument("--show-sql", action="store_true", help="print the DuckDB SQL on stderr")
    parser.add_argument("queries", nargs="+")
    args = parser.parse_args()
    con = duckdb.connect()
    build_table(con, args.logs)
    results = []
    for query in args.queries:
        with open(query, encoding="utf-8") as f:
            sql = to_duckdb(f.read(), args.today)
        if args.show_sql:
            print(sql, file=sys.stderr)
        cursor = con.execute(sql)
        columns = [d[0] for d in cursor.description]
        rows = [[plain(v) for v in row] for row in cursor.fetchall()]
        results.append({"query": query, "columns": columns, "rows": rows})
    json.dump({"results": results}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
