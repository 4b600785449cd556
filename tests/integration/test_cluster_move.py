"""Cluster mode (issue 14 item 8): moving a single SQLite node into a cluster.

  1. A SQLite node acknowledges complaints while its dispatcher is unreachable (the outbox
     keeps them pending), then stops.
  2. `lapor-gateway move-to-cluster` copies its pending outbox, dedup window and keys into
     PostgreSQL; refused while the node runs; a second run copies nothing new.
  3. The node, restarted in cluster mode on the same data_dir and node_id, delivers every
     complaint it acknowledged as a single node, once, under the tracking ID it gave; a retry
     of one of them at another node is answered with that first tracking ID.

Usage: test_cluster_move.py PATH/TO/lapor-gateway
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_harness import TRACKING_KEY, Cluster, PgCluster, cluster_main, stop_rig  # noqa: E402
from lapor_harness import Daemon, FakeDispatcher, TempDir, gateway_bin, submit, wait_until  # noqa: E402

N = 40


def complaint(i):
    reporter = {"phone": f"+62812770{i:05d}"}
    if i == 0:
        reporter["email"] = "warga.move@example.org"  # phone + e-mail: an identity link to move
    return {"title": f"Jalan rusak {i}", "body": f"Jalan berlubang besar di RT {i:02d} dekat pasar, mohon diperbaiki",
            "kind": "complaint", "reporter": reporter}


def main():
    tmp = TempDir("lapor-cluster-move-")
    pg = dispatcher = cluster = single = None
    try:
        pg = PgCluster(tmp.path, standby=False)
        dispatcher = FakeDispatcher(tmp.path)
        cluster = Cluster(tmp.path, pg)
        node_dir = os.path.join(tmp.path, "node1")
        sqlite_sets = [s for s in cluster.sets(1) if not s.startswith(("store.", "cluster."))]
        # 1. One SQLite node whose dispatcher is away: everything stays in its outbox.
        single = Daemon(node_dir, sqlite_sets + ["dispatcher.url=http://127.0.0.1:9/complaints",
                                                 "dispatcher.backoff_initial_ms=60000"],
                        config_file=cluster.config, bin_path=gateway_bin(), log_name="single.log")
        single.start()
        acked = {}
        c = single.conn("admin")
        for i in range(N):
            st, ans = submit(c, complaint(i), f"move-{i}")
            assert st == 201, (st, ans)
            acked[f"move-{i}"] = ans["tracking_id"]
        c.close()
        move = [gateway_bin(), "move-to-cluster", "--config", cluster.config, "--set", f"data_dir={node_dir}"]
        for s in cluster.sets(1):
            move += ["--set", s]
        r = subprocess.run(move, capture_output=True, text=True, timeout=60)
        assert r.returncode == 1 and "stop the node" in r.stderr, f"a running node must be refused: {r.returncode} {r.stderr}"
        print(f"move-to-cluster while the node runs: refused ({r.stderr.strip()})", flush=True)
        assert single.stop() == 0
        single = None

        # 2. The move, and a second run that finds everything there.
        r = subprocess.run(move, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, f"move-to-cluster failed: {r.returncode}\n{r.stdout}\n{r.stderr}"
        print(r.stdout.strip(), flush=True)
        m = re.search(r": (\d+) complaints \((\d+) already there\), (\d+) pending or dead outbox rows, (\d+) delivered, "
                      r"(\d+) idempotency keys", r.stdout)
        assert m and int(m.group(1)) == N and int(m.group(3)) == N and int(m.group(5)) == N, r.stdout
        r2 = subprocess.run(move, capture_output=True, text=True, timeout=120)
        m2 = re.search(r": (\d+) complaints \((\d+) already there\)", r2.stdout)
        assert r2.returncode == 0 and m2 and int(m2.group(1)) == 0 and int(m2.group(2)) == N, r2.stdout + r2.stderr
        print(f"second run: {m2.group(1)} complaints copied, {m2.group(2)} already there", flush=True)
        assert int(pg.scalar("SELECT count(*) FROM outbox WHERE state = 0")) == N
        # The moved link carries the hashes the cluster's writers look links up by.
        links = pg.psql("SELECT a, b, a_hash, b_hash FROM identity_links")
        assert links and all(int(ah) != 0 and int(bh) != 0 for _, _, ah, bh in links), links

        # 3. The same node as a cluster node, a second node beside it, the dispatcher back.
        dispatcher.start()
        cluster.dispatcher = dispatcher
        cluster.start(1, data_dir=node_dir)
        node2 = cluster.start(2)

        def delivered():
            got = {}
            for doc in dispatcher.accepted_documents():
                tid = doc.get("tracking_id")
                got[tid] = got.get(tid, 0) + 1
            return got

        # The rows keep the backoff the single node gave them (a first attempt failed against
        # port 9 with backoff_initial_ms=60000, plus jitter): due up to ~90 s after that attempt.
        got = wait_until(lambda: (lambda g: g if all(t in g for t in acked.values()) else None)(delivered()), 180,
                         what="every moved complaint at the dispatcher")
        doubled = [t for t in acked.values() if got[t] > 1]
        c = node2.conn("admin")
        st, ans = submit(c, complaint(7), "move-7")
        c.close()
        assert st in (200, 201) and ans["tracking_id"] == acked["move-7"], \
            f"a retry at another node must get the first ID {acked['move-7']}: {st} {ans}"
        print(f"cluster: acked {N}, lost 0, doubled {len(doubled)}; a retry at node 2 got {ans['tracking_id']}", flush=True)
        assert not doubled, doubled
        print("PASS test_cluster_move")
        return 0
    finally:
        if single:
            single.kill9()
        stop_rig(tmp, pg, dispatcher, cluster, kill=False)


if __name__ == "__main__":
    cluster_main(main)
