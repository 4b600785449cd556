"""Acknowledged means durable (SPEC §2), proven by kill -9.

Client threads submit complaints through the core at full speed (the admin test channel,
which goes through the same pipeline and group writer as every channel). The daemon is
SIGKILLed at random moments, at least 10 times, and restarted. The clients' own log of what
was acknowledged is then checked against the store and the dispatcher:

  * every acknowledged submission is stored under the tracking ID it was acknowledged with;
  * every acknowledged submission reaches the dispatcher;
  * no complaint (one client key) reaches the dispatcher under two tracking IDs;
  * a retry of an acknowledged key answers with the same tracking ID.

Usage: test_durability.py PATH/TO/lapor-gateway [--cycles N] [--seed S]
"""
import argparse
import http.client
import json
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, FakeDispatcher, TempDir, gateway_bin, submit, wait_until  # noqa: E402


class Client(threading.Thread):
    """Submits until told to stop; records acknowledged keys and keys with unknown outcome."""

    def __init__(self, name, port, acked, uncertain, lock, stop, bodies):
        super().__init__(daemon=True)
        self.bodies = bodies
        self.name_ = name
        self.port = port
        self.acked, self.uncertain, self.lock, self.stop_ = acked, uncertain, lock, stop
        self.n = 0

    def run(self):
        conn = None
        while not self.stop_.is_set():
            key = f"{self.name_}-{self.n}"
            body = {"title": f"Jalan rusak {key}", "body": f"Jalan berlubang di Jl. Ahmad Yani km {self.n % 40}, mohon diperbaiki [{key}]",
                    "kind": "complaint", "reporter": {"phone": f"0812{(hash(self.name_) % 9000 + 1000)}{self.n % 10000:04d}"}}
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                status, answer = submit(conn, body, key)
            except (OSError, http.client.HTTPException):
                # The outcome is unknown: it may or may not have been committed.
                with self.lock:
                    self.uncertain[key] = body
                conn = None
                self.n += 1
                time.sleep(0.01)
                continue
            with self.lock:
                if status == 201 and answer and answer.get("tracking_id"):
                    self.acked[key] = answer["tracking_id"]
                    self.bodies[key] = body
                elif status == 503:
                    self.uncertain.pop(key, None)  # refused: nothing stored, may be retried
                else:
                    raise AssertionError(f"unexpected answer {status} {answer}")
            self.n += 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin", nargs="?")
    ap.add_argument("--cycles", type=int, default=int(os.environ.get("LAPOR_KILL_CYCLES", "12")))
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    print(f"seed {args.seed}, {args.cycles} kill cycles", flush=True)

    tmp = TempDir("lapor-durability-")
    dispatcher = FakeDispatcher(tmp.path, "--flaky", "0.05", "--seed", str(args.seed))
    daemon = None
    acked, uncertain, bodies, lock = {}, {}, {}, threading.Lock()
    try:
        dispatcher.start()
        data_dir = os.path.join(tmp.path, "data")
        sets = [f"dispatcher.url={dispatcher.url}", "dispatcher.backoff_initial_ms=20", "dispatcher.backoff_max_ms=500"]
        for cycle in range(args.cycles):
            daemon = Daemon(data_dir, sets, bin_path=gateway_bin()).start()
            stop = threading.Event()
            clients = [Client(f"c{cycle}x{i}", daemon.ports["admin"], acked, uncertain, lock, stop, bodies) for i in range(args.clients)]
            for c in clients:
                c.start()
            time.sleep(rnd.uniform(0.3, 1.5))
            daemon.kill9()
            stop.set()
            for c in clients:
                c.join(10)
            print(f"cycle {cycle + 1}: killed; acked so far {len(acked)}, uncertain {len(uncertain)}", flush=True)

        # Final run: retry every key (acknowledged or not) once with the same key, then drain.
        daemon = Daemon(data_dir, sets, bin_path=gateway_bin()).start()
        conn = daemon.conn("admin")
        changed = 0
        for key, tid in list(acked.items()):
            status, answer = submit(conn, bodies[key], key)
            if status != 201 or answer["tracking_id"] != tid:
                changed += 1
                print(f"retry of acked {key}: {status} {answer}, expected {tid}")
        for key, body in list(uncertain.items()):
            status, answer = submit(conn, body, key)
            assert status == 201, (status, answer)
            acked[key] = answer["tracking_id"]

        # Every acknowledged complaint is stored under its tracking ID.
        missing_in_store = []
        for key, tid in acked.items():
            status, _, body = daemon.get("admin", "/admin/complaints/" + tid)
            if status != 200:
                missing_in_store.append((key, tid))

        expected = set(acked.values())

        def all_forwarded():
            got = {r["idempotency_key"] for r in dispatcher.received() if 200 <= r.get("status", 200) < 300}
            return expected <= got

        try:
            wait_until(all_forwarded, 120, interval=0.5, what="the dispatcher to receive every acknowledged complaint")
        except AssertionError:
            pass
        delivered = [r for r in dispatcher.received() if 200 <= r.get("status", 200) < 300]
        got_ids = {r["idempotency_key"] for r in delivered}
        lost = sorted(expected - got_ids)

        # No complaint under two tracking IDs: the client key is in the body text.
        ids_per_key = {}
        for r in delivered:
            doc = r["body"] if isinstance(r["body"], dict) else json.loads(r["body"])
            text = doc.get("body", "")
            if "[" in text:
                k = text[text.rindex("[") + 1:text.rindex("]")]
                ids_per_key.setdefault(k, set()).add(doc["tracking_id"])
        doubled = {k: v for k, v in ids_per_key.items() if len(v) > 1}
        wrong_id = [k for k, tid in acked.items() if k in ids_per_key and ids_per_key[k] != {tid}]

        rc = daemon.stop()
        print(f"acked {len(acked)}, lost {len(lost) + len(missing_in_store)}, doubled {len(doubled)}", flush=True)
        assert args.cycles >= 10 or os.environ.get("LAPOR_KILL_CYCLES"), "at least 10 kill cycles"
        assert len(acked) > 1000, f"too little load to prove anything: {len(acked)} acked"
        assert not missing_in_store, f"acknowledged but not stored: {missing_in_store[:5]}"
        assert not lost, f"acknowledged but never forwarded: {lost[:5]}"
        assert not doubled, f"forwarded under two tracking IDs: {list(doubled.items())[:5]}"
        assert not wrong_id, f"forwarded under another ID than acknowledged: {wrong_id[:5]}"
        assert changed == 0, f"{changed} retries of acknowledged keys got another tracking ID"
        assert rc == 0, f"SIGTERM exit code {rc}"
        print("PASS test_durability")
    finally:
        if daemon:
            daemon.kill9()
        dispatcher.stop()
        if os.environ.get("LAPOR_KEEP_TMP"):
            print("kept", tmp.path)
        else:
            tmp.cleanup()


if __name__ == "__main__":
    main()
