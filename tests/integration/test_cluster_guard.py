"""Cluster mode (SPEC §5, §9, issue 14 item 5): the checks that keep tracking IDs unique.

  1. A second node with the tracking.node_id of a running node (a cloned VM, a copied config)
     refuses to run: it exits non-zero and logs node_id_in_use; the first node is unharmed.
  2. A node whose tracking.key differs from the cluster's (the key fingerprint stored in the
     database) refuses to run: it exits non-zero and logs tracking_key_mismatch.
  3. Once the first node stopped (SIGTERM), its node_id can be taken again: the same second node
     starts, at the latest after cluster.lease_ttl_s, and IDs it hands out are new.

Usage: test_cluster_guard.py PATH/TO/lapor-gateway
"""
import http.client
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_harness import (LEASE_TTL_S, OTHER_KEY, Cluster, NoBackend, PgCluster, cluster_main,  # noqa: E402
                             no_backend_in)
from lapor_harness import TempDir, submit  # noqa: E402


def one_submission(d, key):
    c = d.conn("admin")
    try:
        st, ans = submit(c, {"title": "Lampu mati", "body": f"Lampu jalan mati di gang {key}", "kind": "complaint",
                             "reporter": {"phone": f"+6281299{int(key.split('-')[1]):06d}"}}, key)
    finally:
        c.close()
    assert st == 201, (st, ans)
    return ans["tracking_id"]


def refused(cluster, i, event, timeout=30, **kw):
    """Starts node i expecting it to exit non-zero with `event` in its log."""
    d = cluster.daemon(i, **kw)
    t = time.time()
    rc = d.run_to_exit(timeout)
    log = d.tail_log(60)
    if no_backend_in(log):
        raise NoBackend(f"this lapor-gateway rejects store.backend=postgres:\n{d.tail_log(10)}")
    assert rc is not None, f"node {i} still running after {timeout}s; it should have refused ({event}):\n{log}"
    assert rc != 0, f"node {i} exited 0; it should have refused with {event}:\n{log}"
    events = [e.get("event") for e in d.events()]
    assert event in events, f"node {i} exited {rc} without logging {event}: {events[-10:]}\n{log}"
    print(f"node {i} refused to run in {time.time() - t:.1f}s: exit {rc}, event {event}", flush=True)
    return rc


def main():
    tmp = TempDir("lapor-cluster-guard-")
    pg = cluster = None
    try:
        pg = PgCluster(tmp.path, standby=False)
        cluster = Cluster(tmp.path, pg)
        first = cluster.start(1)
        tid1 = one_submission(first, "g-1")

        # 1. The same node_id, another data_dir.
        refused(cluster, 2, "node_id_in_use", node_id=1)
        assert first.running() and first.get("admin", "/readyz")[0] == 200, "the first node was disturbed"
        tid2 = one_submission(first, "g-2")

        # 2. Another tracking.key, another node_id.
        refused(cluster, 3, "tracking_key_mismatch", key=OTHER_KEY)
        assert first.running() and first.get("admin", "/readyz")[0] == 200

        # 3. After a clean stop, the node_id is free again (at once, or after the lease ran out).
        assert first.stop() == 0
        t = time.time()
        deadline = t + LEASE_TTL_S + 15
        second = None
        while second is None:
            try:
                second = cluster.start(2, node_id=1)
            except AssertionError:
                if time.time() > deadline:
                    raise
                time.sleep(0.5)
        print(f"node_id 1 taken by the second node {time.time() - t:.1f}s after the first stopped", flush=True)
        tid3 = one_submission(second, "g-3")
        assert len({tid1, tid2, tid3}) == 3, (tid1, tid2, tid3)
        # A retry of the first node's submission at the second answers the first tracking ID.
        assert one_submission(second, "g-1") == tid1
        assert second.stop() == 0
        print("PASS test_cluster_guard")
    except (AssertionError, OSError, http.client.HTTPException):
        if cluster:
            print(cluster.tails(), file=sys.stderr)
        raise
    finally:
        if cluster:
            cluster.kill_all()
        if pg:
            pg.stop()
        tmp.cleanup()


if __name__ == "__main__":
    cluster_main(main)
