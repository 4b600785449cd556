"""The outbox forwarder against a misbehaving dispatcher (SPEC §2, §4, §8).

The real daemon forwards to tests/integration/fake_dispatcher.py, which fails the first 20
requests (503), rate-limits every 9th (429 + Retry-After: 1), is flaky (500s, dropped
connections, answers lost after it accepted), demands a bearer token and permanently refuses
one complaint (422). Complaints go in through the admin test channel; the daemon is stopped
with SIGTERM halfway and started again on the same data_dir. Checked:

  * every acknowledged tracking ID reaches the dispatcher (2xx), except the refused one;
  * every request carries Content-Type: application/json, Idempotency-Key = tracking_id and
    the bearer token; a document delivered twice (lost answers) keeps its key;
  * the refused one is the only dead letter in GET /admin/outbox?state=dead; nothing stays
    pending; POST /admin/outbox/{id}/retry sends it again (and it is dead again);
  * the restarted daemon forwards what the first one left pending;
  * connections are kept alive; /metrics has lapor_forwarded_total;
  * the token never appears in the daemon's log; SIGTERM exits 0;
  * with dispatcher.batch = true, documents travel as JSON arrays of at most batch_size under
    `Idempotency-Key: batch-<first>-<last>`, and all arrive.

Usage: test_forwarder.py PATH/TO/lapor-gateway  (or LAPOR_GATEWAY_BIN). Bounded to ~150 s.
"""
import hashlib
import http.client
import json
import os
import random
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, FakeDispatcher, TempDir, gateway_bin, submit, wait_until  # noqa: E402

TOTAL = 500           # complaints submitted, half before and half after the restart
CLIENTS = 8           # concurrent submitters
MARKER = "TOLAK-PERMANEN"  # the dispatcher refuses the document whose text carries this
WHOLE_TEST_LIMIT = 150


class Timeout(Exception):
    pass


def on_alarm(signum, frame):
    raise Timeout(f"test_forwarder exceeded {WHOLE_TEST_LIMIT}s")


def complaint(n):
    title = f"Jalan rusak nomor {n}" + (f" {MARKER}" if n == 37 else "")
    return {"title": title,
            "body": f"Laporan uji {n}: jalan berlubang di Jl. Ahmad Yani km {n % 40}, mohon segera diperbaiki [k-{n}]",
            "kind": "complaint",
            "reporter": {"phone": f"0812{n:08d}"}}


def submit_range(port, numbers, accepted, lock, errors):
    """Submits complaints `numbers` from CLIENTS threads; fills accepted[n] = tracking_id."""
    pending = list(numbers)
    pending_lock = threading.Lock()

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            while True:
                with pending_lock:
                    if not pending:
                        return
                    n = pending.pop(0)
                for attempt in range(5):
                    try:
                        status, answer = submit(conn, complaint(n), f"k-{n}")
                    except (OSError, http.client.HTTPException) as e:
                        conn.close()
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                        status, answer = None, str(e)
                    if status == 503:  # overloaded: retry later with the same key
                        time.sleep(0.1 * (attempt + 1))
                        continue
                    break
                with lock:
                    if status == 201 and answer and answer.get("tracking_id"):
                        accepted[n] = answer["tracking_id"]
                    else:
                        errors.append((n, status, answer))
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)


def delivered_ids(dispatcher):
    """tracking IDs the dispatcher accepted (2xx, including answers lost on the way back)."""
    got = set()
    for r in dispatcher.received():
        if 200 <= r.get("status", 0) < 300:
            got.update(t for t in r.get("tracking_ids", []) if t)
    return got


def outbox(daemon, state):
    st, _, body = daemon.get("admin", f"/admin/outbox?state={state}&limit=1000")
    assert st == 200, (st, body)
    return json.loads(body)["items"]


def batch_scenario(tmp, seed):
    """dispatcher.batch = true: JSON arrays of at most batch_size documents, one key per batch."""
    work = os.path.join(tmp, "batch")
    os.makedirs(work)
    dispatcher = FakeDispatcher(work, "--fail-first", "3", "--flaky", "0.05", "--seed", str(seed))
    daemon = None
    try:
        dispatcher.start()
        sets = [f"dispatcher.url={dispatcher.url}", "dispatcher.batch=true", "dispatcher.batch_size=10",
                "dispatcher.backoff_initial_ms=50", "dispatcher.backoff_max_ms=1000", "dispatcher.timeout_ms=3000"]
        daemon = Daemon(os.path.join(work, "data"), sets, bin_path=gateway_bin())
        daemon.start()
        accepted, errors, lock = {}, [], threading.Lock()
        submit_range(daemon.ports["admin"], range(1000, 1120), accepted, lock, errors)
        assert not errors, f"submissions refused: {errors[:5]}"
        expected = set(accepted.values())
        wait_until(lambda: expected <= delivered_ids(dispatcher), 60, interval=0.25,
                   what="the dispatcher to receive every batched complaint")
        log = dispatcher.received()
        assert all(r["outcome"] != "invalid" for r in log), [r for r in log if r["outcome"] == "invalid"][:3]
        sizes = []
        for r in log:
            body = r["body"]
            assert isinstance(body, list) and 1 <= len(body) <= 10, r
            ids = [d["tracking_id"] for d in body]
            digest = hashlib.sha256("".join(i + "\n" for i in ids).encode()).hexdigest()[:16]
            assert r["idempotency_key"] == f"batch-{ids[0]}-{ids[-1]}-{digest}", r  # one key, one set
            sizes.append(len(body))
        assert max(sizes) > 1, f"rows that waited were sent together: batch sizes {sizes}"
        wait_until(lambda: outbox(daemon, "pending") == [], 20, interval=0.25, what="an empty pending outbox")
        rc = daemon.stop()
        assert rc == 0, f"SIGTERM exit code {rc}"
        print(f"batch: {len(expected)} complaints in {len(log)} requests, largest batch {max(sizes)}", flush=True)
    finally:
        if daemon:
            daemon.kill9()
        dispatcher.stop()


def main():
    seed = int(os.environ.get("LAPOR_SEED", time.time()))
    rnd = random.Random(seed)
    token = "tok-%016x" % rnd.getrandbits(64)
    print(f"seed {seed}", flush=True)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(WHOLE_TEST_LIMIT)

    tmp = TempDir("lapor-forwarder-")
    dispatcher = FakeDispatcher(tmp.path, "--fail-first", "20", "--rate-limit-every", "9", "--retry-after", "1",
                                "--flaky", "0.08", "--lost-ack", "0.03", "--reject-marker", MARKER,
                                "--expect-token", token, "--seed", str(seed))
    daemon = None
    try:
        dispatcher.start()
        data_dir = os.path.join(tmp.path, "data")
        sets = [f"dispatcher.url={dispatcher.url}", f"dispatcher.token={token}",
                "dispatcher.backoff_initial_ms=50", "dispatcher.backoff_max_ms=2000", "dispatcher.timeout_ms=3000"]
        accepted, errors, lock = {}, [], threading.Lock()

        # --- first run: half the complaints, then SIGTERM while the dispatcher still fails ---
        daemon = Daemon(data_dir, sets, bin_path=gateway_bin())  # assigned first: `finally` kills it
        daemon.start()
        submit_range(daemon.ports["admin"], range(0, TOTAL // 2), accepted, lock, errors)
        assert not errors, f"submissions refused: {errors[:5]}"
        rejected_tid = accepted[37]
        rc = daemon.stop()
        assert rc == 0, f"SIGTERM exit code {rc}; log:\n{daemon.tail_log()}"
        before_restart = delivered_ids(dispatcher)
        left_pending = set(accepted.values()) - before_restart - {rejected_tid}
        print(f"first run: {len(accepted)} accepted, {len(before_restart)} delivered, "
              f"{len(left_pending)} left pending at SIGTERM", flush=True)

        # --- second run on the same data_dir ---
        daemon = Daemon(data_dir, sets, bin_path=gateway_bin())
        daemon.start()
        # A retry of an acknowledged submission answers with the same tracking ID.
        conn = daemon.conn("admin")
        status, answer = submit(conn, complaint(0), "k-0")
        conn.close()
        assert status == 201 and answer["tracking_id"] == accepted[0], (status, answer, accepted[0])
        submit_range(daemon.ports["admin"], range(TOTAL // 2, TOTAL), accepted, lock, errors)
        assert not errors, f"submissions refused: {errors[:5]}"
        assert len(accepted) == TOTAL and len(set(accepted.values())) == TOTAL, "one tracking ID per complaint"
        expected = set(accepted.values()) - {rejected_tid}

        wait_until(lambda: expected <= delivered_ids(dispatcher), 60, interval=0.25,
                   what=f"the dispatcher to receive all {len(expected)} accepted complaints")
        assert left_pending <= delivered_ids(dispatcher), "the restarted daemon must forward what was left pending"

        # The refused complaint is the only dead letter, and nothing else stays pending.
        dead = wait_until(lambda: [i for i in outbox(daemon, "dead")] or None, 30, interval=0.25, what="the dead letter")
        assert [i["tracking_id"] for i in dead] == [rejected_tid], dead
        assert "422" in dead[0]["last_error"], dead[0]
        wait_until(lambda: outbox(daemon, "pending") == [], 20, interval=0.25, what="an empty pending outbox")
        assert rejected_tid not in delivered_ids(dispatcher)

        # What went over the wire.
        log = dispatcher.received()
        outcomes = {}
        for r in log:
            outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
        print(f"dispatcher saw {len(log)} requests: {outcomes}", flush=True)
        assert outcomes.get("invalid", 0) == 0, [r for r in log if r["outcome"] == "invalid"][:3]
        assert outcomes.get("unauthorized", 0) == 0, "every request carries the bearer token"
        assert outcomes.get("failed", 0) >= 20 and outcomes.get("rate_limited", 0) > 0, outcomes
        for r in log:
            body = r["body"]
            if isinstance(body, dict):  # one document per request: the key is its tracking ID
                assert r["idempotency_key"] == body["tracking_id"], r
        rejected_posts = [r for r in log if rejected_tid in r.get("tracking_ids", []) and r["status"] == 422]
        assert rejected_posts, "the refused complaint was sent and answered 422"
        connections = {r["conn"] for r in log}
        assert len(connections) < len(log) / 2, f"keep-alive: {len(connections)} connections for {len(log)} requests"

        # An operator retry sends the dead letter again; the dispatcher still refuses it.
        dead_id = dead[0]["id"]
        st, _, body = daemon.request("admin", "POST", f"/admin/outbox/{dead_id}/retry")
        assert st == 200, (st, body)
        wait_until(lambda: len([r for r in dispatcher.received()
                                if rejected_tid in r.get("tracking_ids", []) and r["status"] == 422]) > len(rejected_posts),
                   20, interval=0.1, what="the retried dead letter to be sent again")
        wait_until(lambda: [i["id"] for i in outbox(daemon, "dead")] == [dead_id], 20, interval=0.1,
                   what="the retried row to be dead again")

        # Metrics.
        st, _, body = daemon.get("admin", "/metrics")
        text = body.decode()
        assert st == 200 and "lapor_forwarded_total" in text, text[:500]
        forwarded = sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith("lapor_forwarded_total"))
        assert forwarded > 0, "the second run forwarded complaints"
        assert daemon.metric('lapor_dead_lettered_total{channel="test"}') is not None

        rc = daemon.stop()
        assert rc == 0, f"SIGTERM exit code {rc}"
        with open(daemon.log_path, "rb") as f:
            assert token.encode() not in f.read(), "the dispatcher token must never be logged"
        daemon = None
        batch_scenario(tmp.path, seed)
        print("PASS test_forwarder", flush=True)
    finally:
        signal.alarm(0)
        if daemon:
            daemon.kill9()
        dispatcher.stop()
        if os.environ.get("LAPOR_KEEP_TMP"):
            print("kept", tmp.path)
        else:
            tmp.cleanup()


if __name__ == "__main__":
    main()
