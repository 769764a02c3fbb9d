"""An S3-compatible server for trailtune's S3 tests: moto's S3 (a real HTTP server, not a mock
of the client) on a free loopback port, with IAM authentication on, seeded by boto3 (an
independent client). Driven by the test harness (tests/it/s3.rs) over stdin/stdout, one JSON
object per line; it stops when stdin closes, so it never outlives the test process.

First line out: {"port": N, "key_id": ..., "secret": ...} (valid credentials of an IAM user).
Commands in (each answered by one line {"ok": true, ...} or {"ok": false, "error": ...}):
  {"op": "bucket", "name": B, "public": false}   create B; public: anonymous read by bucket policy
  {"op": "upload", "bucket": B, "dir": D, "prefix": P}   every file under D as P + its relative path
  {"op": "put", "bucket": B, "key": K, "file": F}  one object from a file
  {"op": "put", "bucket": B, "key": K, "text": T}  one object from text
  {"op": "put", "bucket": B, "key": K, "hex": H}   one object from bytes
  {"op": "requests"}   the S3 requests served since the last call: [method, path, query, signed]
                       (signed: it had an Authorization header), cleared
  {"op": "fail", "count": N, "status": 503, "method": "GET", "contains": S}
        answer the next N requests whose method and path match with that status (an S3 error body)
"""

import json
import os
import sys
import threading
import urllib.parse

# IAM authentication after the first three actions (the user, its policy and its key, made
# below): from then on every request must carry a valid signature. moto 5.2.5 answers an
# anonymous request with a 500 when authentication is on (whatever the bucket policy), so
# `--no-auth` starts a server without it, for the anonymous tests.
NO_AUTH = "--no-auth" in sys.argv[1:]
if not NO_AUTH:
    os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
os.environ.setdefault("AWS_ACCESS_KEY_ID", "seed")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "seed")

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server  # noqa: E402

LOCK = threading.Lock()
SEEN = []
FAULTS = []


class Recorder:
    """WSGI middleware: records each request, and answers injected faults."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        path = urllib.parse.unquote(environ.get("PATH_INFO", ""))
        query = environ.get("QUERY_STRING", "")
        with LOCK:
            signed = "HTTP_AUTHORIZATION" in environ
            SEEN.append([method, path, urllib.parse.unquote_plus(query), signed])
            for fault in FAULTS:
                if fault["count"] > 0 and fault["method"] == method and fault["contains"] in path:
                    fault["count"] -= 1
                    status = fault["status"]
                    body = (
                        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
                        "<Message>Please reduce your request rate.</Message></Error>"
                    ).encode()
                    start_response(
                        f"{status} Injected",
                        [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))],
                    )
                    return [body]
        return self.app(environ, start_response)


def main():
    server = make_server(
        "127.0.0.1",
        0,
        Recorder(DomainDispatcherApplication(create_backend_app)),
        threaded=True,
        request_handler=MotoRequestHandler,
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    endpoint = f"http://127.0.0.1:{port}"
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1")
    iam.create_user(UserName="trailtune")
    iam.put_user_policy(
        UserName="trailtune",
        PolicyName="all",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        ),
    )
    key = iam.create_access_key(UserName="trailtune")["AccessKey"]
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        config=Config(s3={"addressing_style": "path"}),
    )
    with LOCK:
        SEEN.clear()
    print(json.dumps({"port": port, "key_id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = run(s3, json.loads(line))
            answer["ok"] = True
        except Exception as e:  # noqa: BLE001 - reported to the test, which fails on it
            answer = {"ok": False, "error": f"{type(e).__name__}: {e}"}
        print(json.dumps(answer), flush=True)
    server.shutdown()


def run(s3, cmd):
    op = cmd["op"]
    if op == "bucket":
        s3.create_bucket(Bucket=cmd["name"])
        if cmd.get("public"):
            policy = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": ["s3:GetObject", "s3:ListBucket"],
                        "Resource": [f"arn:aws:s3:::{cmd['name']}", f"arn:aws:s3:::{cmd['name']}/*"],
                    }
                ],
            }
            s3.put_bucket_policy(Bucket=cmd["name"], Policy=json.dumps(policy))
        return {}
    if op == "upload":
        n = 0
        root = cmd["dir"]
        for folder, dirs, files in os.walk(root):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, root).replace(os.sep, "/")
                s3.upload_file(path, cmd["bucket"], cmd.get("prefix", "") + rel)
                n += 1
        return {"objects": n}
    if op == "put":
        if "file" in cmd:
            with open(cmd["file"], "rb") as f:
                body = f.read()
        elif "hex" in cmd:
            body = bytes.fromhex(cmd["hex"])
        else:
            body = cmd["text"].encode()
        s3.put_object(Bucket=cmd["bucket"], Key=cmd["key"], Body=body)
        return {}
    if op == "requests":
        with LOCK:
            seen = list(SEEN)
            SEEN.clear()
        return {"requests": seen}
    if op == "fail":
        with LOCK:
            FAULTS.append(
                {
                    "count": int(cmd["count"]),
                    "status": int(cmd.get("status", 503)),
                    "method": cmd.get("method", "GET"),
                    "contains": cmd.get("contains", ""),
                }
            )
        return {}
    raise ValueError(f"unknown op {op!r}")


if __name__ == "__main__":
    main()
