"""Cluster mode (SPEC §2, §9): a COMMIT whose outcome the node never learns must not strand
what it wrote.

The failover test lost two acknowledged submissions once in many runs: the primary died after
the synchronous standby had the group's COMMIT but before the node heard back. The node
refused the group (right: it could not know), the client's retry found the stored complaint
by its key and was acknowledged with its tracking ID (right too), but the complaint's outbox
row stayed claimed by the node that wrote it, which never knew of it: no other node takes the
rows of a live node, and the node itself only sends rows it was told of. Here the same
situation, made on purpose and every time, with one node:

  * synchronous_standby_names names a standby that does not exist, so a COMMIT waits;
  * a submission is sent; its group's COMMIT waits (pg_stat_activity wait_event SyncRep);
  * the waiting backends are terminated: PostgreSQL has committed the transaction locally
    ("might not have been replicated") and closes the connection, so the node's COMMIT
    outcome is unknown; it must answer 503 (not acknowledged);
  * the standby is named again; the retry (same Idempotency-Key) gets 201 and the tracking ID
    of the complaint that is in the store;
  * that complaint must reach the dispatcher without a restart (before the fix: never), and
    so must a reply SMS row written by a group in doubt (SMPP submit_sm, its reply to the
    citizen's phone).

Usage: test_cluster_commit_in_doubt.py PATH/TO/lapor-gateway
"""
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_harness import (Cluster, HttpSender, PgCluster, SmppSender, cluster_main, dispatched_by_key,  # noqa: E402
                             mobile_item, sms_item, stop_rig)
from lapor_harness import FakeDispatcher, TempDir, wait_until  # noqa: E402
from smpp_support import GENERIC_NACK  # noqa: E402

WAITING = "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep' AND datname = 'lapor'"


def set_standby_names(pg, names):
    pg.psql(f"ALTER SYSTEM SET synchronous_standby_names = '{names}'", db="postgres")
    pg.psql("SELECT pg_reload_conf()", db="postgres")


def in_doubt(pg, send):
    """Runs send() while every COMMIT waits for a standby that is not there, terminates the
    waiting backends once the submission's group waits, names the standby again. Returns what
    send() returned."""
    out = {}
    set_standby_names(pg, "ANY 1 (nosuch)")
    try:
        t = threading.Thread(target=lambda: out.setdefault("r", send()), daemon=True)
        t.start()
        wait_until(lambda: int(pg.scalar(WAITING, db="postgres")) > 0, 10, interval=0.02,
                   what="a COMMIT waiting for the synchronous standby")
        time.sleep(0.3)  # the submission's group is among the waiters (it was sent first)
        pg.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event = 'SyncRep'", db="postgres")
    finally:
        set_standby_names(pg, "ANY 1 (s1)")
    t.join(30)
    assert not t.is_alive(), "the submission got no answer within 30 s of its COMMIT's connection loss"
    return out["r"]


def stored_with_key(pg, key):
    return int(pg.scalar(f"SELECT count(*) FROM complaints WHERE document LIKE '%(k:{key})%'"))


def main():
    rng = random.Random(11)
    tmp = TempDir("lapor-cluster-in-doubt-")
    pg = dispatcher = cluster = None
    http_s, smpp_s = HttpSender(timeout=30), SmppSender(timeout=30)
    try:
        pg = PgCluster(tmp.path)
        dispatcher = FakeDispatcher(tmp.path).start()
        cluster = Cluster(tmp.path, pg, dispatcher)
        node = cluster.start_all(1)[0]

        warm = mobile_item("warm-0", 700_000, rng)
        outcome, tid = http_s.send(1, node, warm)
        assert outcome == "ok", (outcome, tid)
        wait_until(lambda: tid in dispatched_by_key(dispatcher)[1], 20, what="the warm-up complaint at the dispatcher")

        # The mobile API: refused in doubt, stored all the same, acknowledged on retry.
        item = mobile_item("doubt-1", 700_001, rng)
        outcome, v = in_doubt(pg, lambda: http_s.send(1, node, item))
        assert outcome in ("refused", "unknown"), f"a COMMIT in doubt was acknowledged: {outcome} {v}"
        assert stored_with_key(pg, "doubt-1") == 1, "the COMMIT in doubt did not take effect (the test made nothing)"
        print(f"mobile: in doubt -> {outcome} {v}; the complaint is in the store", flush=True)
        outcome, tid = "unknown", None
        for _ in range(20):
            outcome, tid = http_s.send(1, node, item)
            if outcome == "ok":
                break
            time.sleep(0.25)
        assert outcome == "ok", f"the retry was not acknowledged: {outcome} {tid}\n{cluster.tails()}"

        # SMPP submit_sm: the complaint and its reply SMS row, both from a group in doubt.
        sms = sms_item("doubt-2", 700_002, rng)
        sms["cmd"] = "submit_sm"
        s_outcome, s_v = in_doubt(pg, lambda: smpp_s.send(1, node, sms))
        assert s_outcome in ("refused", "unknown"), f"an SMS whose COMMIT was in doubt was acknowledged: {s_v}"
        assert stored_with_key(pg, "doubt-2") == 1, "the SMS group's COMMIT in doubt did not take effect"
        print(f"sms: in doubt -> {s_outcome} {s_v}; the complaint is in the store", flush=True)
        s_tid = None
        for _ in range(20):
            s_outcome, s_tid = smpp_s.send(1, node, sms)
            if s_outcome == "ok":
                break
            time.sleep(0.25)
        assert s_outcome == "ok", f"the SMS redelivery was not acknowledged: {s_outcome} {s_tid}"

        t0 = time.time()
        wait_until(lambda: {tid, s_tid} <= dispatched_by_key(dispatcher)[1], 20,
                   what=f"the complaints {tid}, {s_tid} written by COMMITs in doubt at the dispatcher "
                        f"(their outbox rows stayed claimed by a live node that was never told of them)")
        print(f"both complaints written in doubt dispatched {time.time() - t0:.2f}s after their retries", flush=True)
        # The reply SMS row of the group in doubt: sent once, on this bind (the redelivery does
        # not queue another: one reply per complaint and number).
        deadline = time.time() + 20
        while time.time() < deadline and not any(s_tid.encode() in b for b in smpp_s.conn.delivered):
            try:
                smpp_s.conn.expect(GENERIC_NACK, timeout=0.5)  # never comes: answers deliver_sm meanwhile
            except AssertionError:
                pass
        replies = [b for b in smpp_s.conn.delivered if s_tid.encode() in b]
        assert len(replies) == 1, f"{len(replies)} reply SMS with {s_tid} (expected one): {smpp_s.conn.delivered}"
        per_key, _ = dispatched_by_key(dispatcher)
        assert per_key.get("doubt-1") == {tid} and per_key.get("doubt-2") == {s_tid}, per_key
        rcs = cluster.stop_all()
        assert all(rc == 0 for rc in rcs.values()), f"SIGTERM exit codes {rcs}"
        print("PASS test_cluster_commit_in_doubt")
    except BaseException:
        if cluster:
            print(cluster.tails(), file=sys.stderr)
        raise
    finally:
        http_s.close()
        smpp_s.close()
        stop_rig(tmp, pg, dispatcher, cluster)


if __name__ == "__main__":
    cluster_main(main)
