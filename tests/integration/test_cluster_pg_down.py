"""Cluster mode (SPEC §2, §9, issue 14 item 2): PostgreSQL down means refusals, not hangs and not
acks, and the gateway recovers by itself.

One PostgreSQL server without a standby, two gateway nodes. While PostgreSQL is stopped
(pg_ctl stop -m fast):

  * submissions are refused within a bounded time: HTTP 503 with Retry-After (mobile API and
    the admin test channel), SMPP submit_sm ESME_RTHROTTLED (0x58);
  * /readyz answers 503 on every node; lapor_store_refusals_total counts the refusals;
  * nothing refused reaches the dispatcher.

After PostgreSQL is started again (same port) the same nodes, not restarted, accept again
(/readyz 200, the refused submissions retried with their keys are acknowledged) and everything
acknowledged reaches the dispatcher once. Prints how long the nodes took to recover.

Usage: test_cluster_pg_down.py PATH/TO/lapor-gateway
"""
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_harness import (LEASE_TTL_S, Cluster, HttpSender, Ledger, PgCluster, SmppSender, admin_item,  # noqa: E402
                             cluster_main, deliver, metric_sum, mobile_item, sms_item, stop_rig, verify_delivered)
from lapor_harness import FakeDispatcher, TempDir, wait_until  # noqa: E402


def items(prefix, n, rng):
    base = {"up": 0, "down": 100, "again": 200}[prefix]  # a reporter of its own for each
    return [(mobile_item, admin_item, sms_item)[j % 3](f"{prefix}-{j}", 900_000 + base + j, rng) for j in range(n)]


def main():
    rng = random.Random(5)
    tmp = TempDir("lapor-cluster-pgdown-")
    pg = dispatcher = cluster = None
    http_s, smpp_s = HttpSender(timeout=15), SmppSender(timeout=15)
    try:
        pg = PgCluster(tmp.path, standby=False)
        dispatcher = FakeDispatcher(tmp.path).start()
        cluster = Cluster(tmp.path, pg, dispatcher)
        nodes = cluster.start_all(2)
        ledger = Ledger()

        # Up: one of each channel on each node.
        for k, item in enumerate(items("up", 6, rng)):
            ok = deliver(cluster, ledger, smpp_s if item["channel"] == "sms" else http_s, item, prefer=1 + k % 2,
                         attempts=3)
            assert ok, f"{item['key']} not acknowledged with PostgreSQL up: {ledger.counts()}"

        # Down.
        pg.stop_primary()
        t_down = time.time()
        before = {i: metric_sum(d, "lapor_store_refusals_total") or 0 for i, d in cluster.live()}
        down_items = items("down", 12, rng)
        worst = 0.0
        for k, item in enumerate(down_items):
            cluster.check_running("PostgreSQL down")
            node = 1 + k % 2
            sender = smpp_s if item["channel"] == "sms" else http_s
            t = time.time()
            outcome, v = sender.send(node, cluster.nodes[node], item)
            took = time.time() - t
            worst = max(worst, took)
            ledger.record(item, t, outcome, node, v if outcome == "ok" else None)
            assert outcome == "refused", (f"{item['channel']} {item['key']} at node {node} with PostgreSQL down: "
                                          f"{outcome} {v} after {took:.1f}s")
            assert took < 12, f"a refusal took {took:.1f}s"
        def not_ready():
            cluster.check_running("PostgreSQL down")
            return all(d.get("admin", "/readyz")[0] == 503 for d in nodes)
        wait_until(not_ready, 15, interval=0.2, what="/readyz 503 on every node with PostgreSQL down")
        after = {i: metric_sum(d, "lapor_store_refusals_total") or 0 for i, d in cluster.live()}
        print(f"PostgreSQL down: {len(down_items)} submissions refused (503 + Retry-After, ESME_RTHROTTLED), "
              f"slowest refusal {worst:.2f}s; /readyz 503 on both nodes; lapor_store_refusals_total {before} -> {after}",
              flush=True)
        assert all(after[i] > before[i] for i in after), f"lapor_store_refusals_total did not count: {before} -> {after}"
        time.sleep(2 * LEASE_TTL_S)  # longer than the node lease: a node must neither hang nor exit
        cluster.check_running(f"PostgreSQL down for {time.time() - t_down:.1f}s")
        down_for = time.time() - t_down

        # Up again, same port; the nodes are not restarted.
        pg.start_primary()
        t_up = time.time()
        def ready():
            cluster.check_running("PostgreSQL back")
            return all(d.get("admin", "/readyz")[0] == 200 for d in nodes)
        wait_until(ready, 60, interval=0.2, what="/readyz 200 on every node after PostgreSQL came back")
        ready_after = time.time() - t_up
        for k, item in enumerate(down_items + items("again", 6, rng)):
            ok = deliver(cluster, ledger, smpp_s if item["channel"] == "sms" else http_s, item, prefer=2 - k % 2,
                         attempts=20, pause=0.25)
            assert ok, f"{item['key']} not acknowledged after PostgreSQL came back: {ledger.counts()}"
        first_ok = ledger.first("ok", t_up)
        print(f"PostgreSQL back after {down_for:.1f}s down: /readyz 200 {ready_after:.2f}s later, first ack "
              f"{first_ok - t_up:.2f}s later; nodes not restarted", flush=True)
        acked, lost, doubled, wrong = verify_delivered(ledger, dispatcher, timeout=60)
        assert not lost and not doubled and not wrong, (lost[:5], list(doubled.items())[:5], wrong[:5])
        assert acked == 6 + 12 + 6, acked
        rcs = cluster.stop_all()
        assert all(rc == 0 for rc in rcs.values()), f"SIGTERM exit codes {rcs}"
        print("PASS test_cluster_pg_down")
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
