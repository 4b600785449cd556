#!/usr/bin/env python3
"""A fake national dispatcher for integration tests (SPEC §4). Python 3 standard library only.

It accepts what the gateway sends -- `POST <any path>` with `Content-Type: application/json`,
`Idempotency-Key: <tracking_id>` (`batch-<first>-<last>-<digest>` for a JSON array, `outbox-<id>`
for a lapor.unmerge/v1) and a body that
is a `lapor.complaint/v1` or `lapor.duplicate/v1` document, or an array of them -- and answers
200 {"accepted": true}. Misbehaviour is scripted on the command line:

  --fail-first N          503 for the first N requests
  --rate-limit-every K    429 with `Retry-After: <--retry-after>` on every K-th request
  --flaky P               with probability P: a 500, or the connection dropped before answering
  --lost-ack P            with probability P: accept and record, then drop the connection
                          (the gateway must retry with the same Idempotency-Key)
  --reject-tracking PFX   422 for documents whose tracking_id starts with PFX (repeatable)
  --reject-marker TEXT    422 for documents whose JSON text contains TEXT (repeatable)
  --fail-schema SCHEMA:N  503 for the first N requests with a document of that schema
                          (repeatable): one kind of document kept back
  --expect-token TOKEN    401 unless `Authorization: Bearer TOKEN`
  --delay-ms D            wait D ms before answering
  --seed S                seed of the random choices

Every POST is recorded as one JSON line in --log (flushed, and fsync'd with --fsync):
  {"n": 7, "ts": 1700000000.123, "conn": <client port>, "path": "/complaints", "idempotency_key": "LPR-…",
   "status": 200, "tracking_ids": ["LPR-…"], "body": {…}, "auth": "ok"|"missing"|"wrong"|"unchecked",
   "outcome": "accepted"|"failed"|"rate_limited"|"dropped"|"lost_ack"|"rejected"|"invalid"|"unauthorized"}
`status` is 0 when the connection was dropped without an answer. The Authorization header
itself is never recorded.

`GET /_stats` answers counts; `GET /_accepted` the accepted tracking IDs. The port it bound
(with --port 0, the default) is written to --port-file once it listens. SIGTERM/SIGINT stop it.
"""
import argparse
import json
import os
import random
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SCHEMAS = ("lapor.complaint/v1", "lapor.duplicate/v1", "lapor.unmerge/v1")
MAX_BODY = 64 * 1024 * 1024


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.rng = random.Random(args.seed)
        self.requests = 0
        self.by_status = {}
        self.by_outcome = {}
        self.accepted_documents = 0
        self.accepted_ids = []  # first acceptance order, unique
        self.accepted_set = set()
        self.log = open(args.log, "a", encoding="utf-8") if args.log else None
        self.schema_failures = {}  # SCHEMA -> 503s answered so far

    def fail_for_schema(self, schemas):
        """True when one of --fail-schema's SCHEMAs is in `schemas` and still has 503s left."""
        with self.lock:
            for spec in self.args.fail_schema:
                schema, _, count = spec.rpartition(":")
                if schema in schemas and self.schema_failures.get(schema, 0) < int(count):
                    self.schema_failures[schema] = self.schema_failures.get(schema, 0) + 1
                    return True
        return False

    def next_request(self):
        with self.lock:
            self.requests += 1
            return self.requests, self.rng.random(), self.rng.random()

    def record(self, entry, accepted_ids=()):
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
        with self.lock:
            key = str(entry["status"])
            self.by_status[key] = self.by_status.get(key, 0) + 1
            self.by_outcome[entry["outcome"]] = self.by_outcome.get(entry["outcome"], 0) + 1
            for tid in accepted_ids:
                self.accepted_documents += 1
                if tid not in self.accepted_set:
                    self.accepted_set.add(tid)
                    self.accepted_ids.append(tid)
            if self.log:
                self.log.write(line + "\n")
                self.log.flush()
                if self.args.fsync:
                    os.fsync(self.log.fileno())

    def stats(self):
        with self.lock:
            return {"requests": self.requests, "by_status": dict(self.by_status), "by_outcome": dict(self.by_outcome),
                    "accepted_documents": self.accepted_documents, "unique_accepted": len(self.accepted_set)}


def validate(doc):
    """None when `doc` is a document the dispatcher accepts, else why not."""
    if not isinstance(doc, dict):
        return "document is not a JSON object"
    if doc.get("schema") not in SCHEMAS:
        return f"unknown schema {doc.get('schema')!r}"
    if not isinstance(doc.get("tracking_id"), str) or not doc["tracking_id"]:
        return "tracking_id missing"
    if doc["schema"] == "lapor.duplicate/v1" and not isinstance(doc.get("duplicate_of"), str):
        return "duplicate_of missing"
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the gateway's connection pool expects
    server_version = "fake-dispatcher/1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

    def log_message(self, fmt, *args):  # quiet: the JSON-lines log is the record
        pass

    @property
    def state(self):
        return self.server.state

    def answer(self, status, obj, headers=()):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def drop(self):
        """Close the connection without an answer (the client sees an empty reply)."""
        self.close_connection = True
        try:
            self.wfile.flush()
        except OSError:
            pass

    def do_GET(self):
        if self.path == "/_stats":
            return self.answer(200, self.state.stats())
        if self.path == "/_accepted":
            with self.state.lock:
                ids = list(self.state.accepted_ids)
            return self.answer(200, {"tracking_ids": ids})
        self.answer(404, {"error": "not found"})

    def do_POST(self):
        st = self.state
        args = st.args
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit() or int(length) > MAX_BODY:
            self.answer(411, {"error": "Content-Length required"})
            return
        raw = self.rfile.read(int(length))
        n, r1, r2 = st.next_request()
        key = self.headers.get("Idempotency-Key", "")
        entry = {"n": n, "ts": round(time.time(), 3), "conn": self.client_address[1], "path": self.path, "idempotency_key": key,
                 "status": 0, "tracking_ids": [], "body": None, "auth": "unchecked", "outcome": ""}
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            body = None
        entry["body"] = body if body is not None else raw.decode("utf-8", "replace")[:2000]
        docs = body if isinstance(body, list) else [body]
        entry["tracking_ids"] = [d.get("tracking_id") for d in docs if isinstance(d, dict)]

        if args.delay_ms:
            time.sleep(args.delay_ms / 1000.0)

        def finish(status, outcome, obj=None, headers=(), accepted=()):
            entry["status"], entry["outcome"] = status, outcome
            st.record(entry, accepted)
            if status:
                self.answer(status, obj if obj is not None else {"error": outcome}, headers)
            else:
                self.drop()

        if n <= args.fail_first:
            return finish(503, "failed", {"error": "warming up"})
        if args.fail_schema and self.state.fail_for_schema([d.get("schema") for d in docs if isinstance(d, dict)]):
            return finish(503, "failed", {"error": "kept back"})
        if args.rate_limit_every and n % args.rate_limit_every == 0:
            return finish(429, "rate_limited", {"error": "slow down"}, [("Retry-After", str(args.retry_after))])
        if r1 < args.flaky:
            if r2 < 0.5:
                return finish(500, "failed", {"error": "internal error"})
            return finish(0, "dropped")

        if args.expect_token is not None:
            auth = self.headers.get("Authorization")
            entry["auth"] = "missing" if auth is None else ("ok" if auth == f"Bearer {args.expect_token}" else "wrong")
            if entry["auth"] != "ok":
                return finish(401, "unauthorized", {"error": "bad or missing bearer token"})
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            return finish(415, "invalid", {"error": f"Content-Type must be application/json, got {ctype!r}"})
        if body is None:
            return finish(400, "invalid", {"error": "body is not JSON"})
        if isinstance(body, list):
            if not body:
                return finish(400, "invalid", {"error": "empty batch"})
        problems = [p for p in (validate(d) for d in docs) if p]
        if problems:
            return finish(400, "invalid", {"error": problems[0]})
        if not key:
            return finish(400, "invalid", {"error": "Idempotency-Key required"})
        # A correction (lapor.unmerge/v1) is keyed by its outbox row ("outbox-<id>", README).
        if not isinstance(body, list) and body["schema"] != "lapor.unmerge/v1" and key != body["tracking_id"]:
            return finish(400, "invalid", {"error": "Idempotency-Key must be the tracking_id"})
        for d in docs:
            tid = d["tracking_id"]
            doc_text = json.dumps(d, ensure_ascii=False)
            if any(tid.startswith(p) for p in args.reject_tracking) or any(m in doc_text for m in args.reject_marker):
                return finish(422, "rejected", {"error": f"refused document {tid}"})
        ids = [d["tracking_id"] for d in docs]
        if r2 < args.lost_ack:
            # Processed, but the answer never reaches the gateway.
            entry["status"] = 200
            entry["outcome"] = "lost_ack"
            st.record(entry, ids)
            return self.drop()
        return finish(200, "accepted", {"accepted": True}, accepted=ids)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--log")
    ap.add_argument("--fsync", action="store_true")
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--rate-limit-every", type=int, default=0)
    ap.add_argument("--retry-after", type=int, default=1)
    ap.add_argument("--flaky", type=float, default=0.0)
    ap.add_argument("--lost-ack", type=float, default=0.0)
    ap.add_argument("--reject-tracking", action="append", default=[])
    ap.add_argument("--reject-marker", action="append", default=[])
    ap.add_argument("--fail-schema", action="append", default=[])
    ap.add_argument("--expect-token")
    ap.add_argument("--delay-ms", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    server.state = State(args)
    port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{port}\n")
        os.replace(tmp, args.port_file)
    print(f"fake dispatcher listening on {args.host}:{port}", file=sys.stderr, flush=True)

    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    t.start()
    while not done.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    if server.state.log:
        server.state.log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
