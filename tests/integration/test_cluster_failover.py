"""Cluster mode (SPEC §9, issue 14 item 6): lose the PostgreSQL primary under load and promote
the synchronous standby, as Patroni would.

Three gateway nodes whose conninfo names both servers with target_session_attrs=read-write
(PgCluster.conninfo_multi), so after the promotion they reconnect to the new primary without a
restart. Client threads submit (mobile API, admin test channel, SMPP) all the way through; the
primary is SIGKILLed (postmaster and backends at once), the standby promoted --promote-after
seconds later (default lease_ttl_s + 1: the nodes' node leases expire meanwhile; a node must
neither exit nor hang, and writes again once a primary is there). Then:

  * nothing acknowledged is lost: every acknowledged tracking ID reaches the dispatcher (it was
    on the standby when the ack went out: synchronous_commit=on, 'ANY 1 (s1)');
  * nothing doubled: commits whose outcome was unknown to the node were refused, and their
    retries answered with one tracking ID;
  * printed: how long writes were refused (first refusal after the kill to the first success
    after the promotion), and how long the nodes took to write again after the promotion.

Usage: test_cluster_failover.py PATH/TO/lapor-gateway [--promote-after S] [--seed S]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_harness import (LEASE_TTL_S, Cluster, Ledger, Load, PgCluster, cluster_main, metric_sum, settle_pending,  # noqa: E402
                             stop_rig, verify_delivered)
from lapor_harness import FakeDispatcher, TempDir, wait_until  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin", nargs="?")
    # Longer than cluster.lease_ttl_s: the nodes' own leases run out while no primary is
    # writable, and they must take them back (not exit) once the standby is promoted.
    ap.add_argument("--promote-after", type=float, default=LEASE_TTL_S + 1.0)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    print(f"seed {args.seed}", flush=True)
    tmp = TempDir("lapor-cluster-failover-")
    pg = dispatcher = cluster = load = None
    try:
        pg = PgCluster(tmp.path)
        dispatcher = FakeDispatcher(tmp.path).start()
        cluster = Cluster(tmp.path, pg, dispatcher, multi_host=True)
        nodes = cluster.start_all(3)
        print(f"conninfo: {cluster.conninfo()}", flush=True)
        ledger = Ledger()
        load = Load(cluster, ledger, http=4, smpp=2, seed=args.seed).start()
        time.sleep(4)
        acked_before = len(ledger.acked)
        assert acked_before > 0, f"nothing acknowledged before the failover: {ledger.counts()}\n{cluster.tails()}"
        t_kill = pg.kill_primary()
        print(f"primary killed with {acked_before} acked", flush=True)
        time.sleep(args.promote_after)
        t_promoted = pg.promote_standby()
        print(f"standby promoted {t_promoted - t_kill:.2f}s after the kill", flush=True)
        def written_again():
            cluster.check_running("failover")
            return ledger.first("ok", t_promoted, sent_after=t_promoted)
        wait_until(written_again, 60, interval=0.1, what="a submission acknowledged after the promotion")
        time.sleep(3)
        load.join()
        # Every node is ready again, on the new primary, without a restart.

        def ready():
            cluster.check_running("after the failover")
            return all(d.get("admin", "/readyz")[0] == 200 for d in nodes)
        wait_until(ready, 30, what="/readyz 200 on every node")
        settle_pending(cluster, ledger)
        acked, lost, doubled, wrong = verify_delivered(ledger, dispatcher, timeout=120)

        first_refusal = min([t for t in (ledger.first("refused", t_kill), ledger.first("unknown", t_kill)) if t],
                            default=None)
        first_ok = ledger.first("ok", t_promoted, sent_after=t_kill)
        refusals = {i: metric_sum(d, "lapor_store_refusals_total") for i, d in cluster.live()}
        counts = ledger.counts()
        sms_redeliveries = sum(ledger.attempts[k] - 1 for k in ledger.acked if ledger.items[k]["channel"] == "sms")
        if first_refusal and first_ok:
            print(f"writes refused for {first_ok - first_refusal:.2f}s (first refusal {first_refusal - t_kill:+.2f}s "
                  f"after the kill, first success {first_ok - t_promoted:.2f}s after the promotion)", flush=True)
        else:
            print(f"no refusal seen; first success {(first_ok or t_promoted) - t_promoted:.2f}s after the promotion",
                  flush=True)
        print(f"outcomes {counts}; SMS redeliveries needed {sms_redeliveries}; lapor_store_refusals_total per node "
              f"{refusals}; acked before the kill {acked_before}, in all {acked}", flush=True)
        assert not lost, f"acknowledged but never dispatched: {lost[:5]}"
        assert not doubled, f"under two tracking IDs: {list(doubled.items())[:5]}"
        assert not wrong, f"dispatched under another tracking ID than acknowledged: {wrong[:5]}"
        assert first_ok is not None, "no write succeeded after the promotion"
        assert first_refusal is not None, "no submission was refused while there was no writable primary"
        rcs = cluster.stop_all()
        assert all(rc == 0 for rc in rcs.values()), f"SIGTERM exit codes {rcs}"
        print("PASS test_cluster_failover")
    except BaseException:
        if cluster:
            print(cluster.tails(), file=sys.stderr)
        if pg:
            print(pg.tail("s"), file=sys.stderr)
        raise
    finally:
        if load:
            load.stop.set()
        stop_rig(tmp, pg, dispatcher, cluster)


if __name__ == "__main__":
    cluster_main(main)
