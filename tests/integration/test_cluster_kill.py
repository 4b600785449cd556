"""Cluster mode (SPEC §9, issue 14 item 6): kill -9 a gateway node under mixed load, repeatedly.

Three nodes (node_id 1, 2, 3, one tracking.key) on one PostgreSQL primary with a synchronous
standby, one fake dispatcher. Client threads submit through the mobile API, the admin test
channel and SMPP (transceiver binds, one submit_sm in flight), each new submission to a random
node; a refusal (503 + Retry-After, ESME_RTHROTTLED) or a lost connection is retried at another
node with the same Idempotency-Key / the same SMS (the operator's redelivery). Meanwhile a node
is SIGKILLed --kills times (each node in turn) and started again, at once or after its node
lease expired. Then the dispatcher goes away for a while, node 1 is killed with undelivered
outbox rows and stays down, and the dispatcher comes back.
At the end every submission whose outcome stayed unknown is retried until acknowledged, a sample
of acknowledged ones is retried at another node, and the dispatcher's documents are checked:

  * lost 0: every acknowledged tracking ID reached the dispatcher (the dead node's outbox
    rows, claimed or not, were delivered by the others after cluster.lease_ttl_s);
  * doubled 0: no submission under two tracking IDs, and every retry answered the first ID.

Prints `cluster: acked N, lost L, doubled D`.

Usage: test_cluster_kill.py PATH/TO/lapor-gateway [--kills N] [--seed S]
"""
import argparse
import os
import random
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_harness import (LEASE_TTL_S, Cluster, Ledger, Load, PgCluster, cluster_main,  # noqa: E402
                             dispatched_by_key, metric, replay_check, restart_dispatcher, settle_pending,
                             stop_rig, verify_delivered)
from lapor_harness import FakeDispatcher, TempDir  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin", nargs="?")
    ap.add_argument("--kills", type=int, default=3)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    print(f"seed {args.seed}, {args.kills} kills", flush=True)
    t_start = time.time()
    tmp = TempDir("lapor-cluster-kill-")
    pg = dispatcher = cluster = load = None
    try:
        pg = PgCluster(tmp.path)
        dispatcher = FakeDispatcher(tmp.path).start()
        cluster = Cluster(tmp.path, pg, dispatcher)
        cluster.start_all(3)
        ledger = Ledger()
        load = Load(cluster, ledger, http=4, smpp=2, seed=args.seed).start()
        time.sleep(3)
        for k in range(args.kills):
            victim = 1 + k % 3
            time.sleep(rng.uniform(1.0, 3.0))
            before = len(ledger.acked)
            t_kill = cluster.kill9(victim)
            print(f"kill {k + 1}: node {victim} SIGKILLed with {before} acked so far", flush=True)
            # The others go on. Every other time the node comes back at once (it takes its own
            # node lease back: same data_dir), else once its lease expired and the others took
            # over its outbox claims.
            if k % 2 == 0:
                time.sleep(LEASE_TTL_S + rng.uniform(0.5, 1.5))
            cluster.restart(victim)
            print(f"kill {k + 1}: node {victim} back {time.time() - t_kill:.1f}s after the kill; "
                  f"acked {len(ledger.acked)}, outcomes {ledger.counts()}", flush=True)

        # Outbox handover: the dispatcher goes away, the outbox fills on every node, node 1 is
        # killed and stays dead; when the dispatcher is back the others deliver its rows too.
        time.sleep(1)
        dispatcher.stop()
        time.sleep(2)
        cluster.check_running("dispatcher down")
        t_kill = cluster.kill9(1)
        time.sleep(1)
        load.join()
        per_key, delivered = dispatched_by_key(dispatcher)
        stranded = sum(1 for key, node in ledger.acked_by.items() if node == 1 and (
            ledger.acked[key] not in delivered if ledger.acked[key] else key not in per_key))
        print(f"handover: dispatcher stopped, node 1 SIGKILLed (not restarted) with {stranded} of the "
              f"submissions it acknowledged not yet dispatched", flush=True)
        dispatcher = cluster.dispatcher = restart_dispatcher(dispatcher)
        settle_pending(cluster, ledger)
        replayed = replay_check(cluster, ledger, sample=300, seed=args.seed)
        acked, lost, doubled, wrong = verify_delivered(ledger, dispatcher, timeout=120)
        taken = [metric(d, "lapor_cluster_claims_taken_over") for _, d in cluster.live()]
        print(f"handover: the dead node's rows delivered {time.time() - t_kill:.1f}s after its kill; "
              f"lapor_cluster_claims_taken_over on the live nodes {taken}", flush=True)
        by_channel = {}
        for key in ledger.acked:
            ch = ledger.items[key]["channel"]
            by_channel[ch] = by_channel.get(ch, 0) + 1
        retried = sum(1 for k in ledger.acked if ledger.attempts.get(k, 1) > 1)
        # Reply SMS (deliver_sm with the tracking ID) the clients' binds received: reported only,
        # since a reply may still be queued when the binds close, and one sent by a node killed
        # before it marked it sent is sent again (at least once).
        per_reply = {}
        for body in load.replies():
            for tid in set(re.findall(rb"LPR-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]", body)):
                per_reply[tid] = per_reply.get(tid, 0) + 1
        print(f"acked by channel {by_channel}; {retried} needed a retry at another node; {replayed} acked "
              f"submissions replayed at another node; reply SMS seen for {len(per_reply)} complaints, "
              f"{sum(1 for n in per_reply.values() if n > 1)} of them more than once; "
              f"{time.time() - t_start:.0f}s", flush=True)
        assert not lost, f"acknowledged but never dispatched: {lost[:5]}"
        assert not doubled, f"under two tracking IDs: {list(doubled.items())[:5]}"
        assert not wrong, f"dispatched under another tracking ID than acknowledged: {wrong[:5]}"
        assert acked >= 300, f"too little load to prove anything: {acked} acked"
        assert all(by_channel.get(ch, 0) > 0 for ch in ("mobile", "test", "sms")), by_channel
        assert stranded > 0, "the handover phase left the dead node no undelivered row to hand over"
        rcs = cluster.stop_all()
        assert all(rc in (0, None) for rc in rcs.values()), f"SIGTERM exit codes {rcs}"
        print("PASS test_cluster_kill")
    except BaseException:
        if cluster:
            print(cluster.tails(), file=sys.stderr)
        raise
    finally:
        if load:
            load.stop.set()
        stop_rig(tmp, pg, dispatcher, cluster)


if __name__ == "__main__":
    cluster_main(main)
