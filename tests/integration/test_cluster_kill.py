"""Cluster mode (SPEC §9, issue 14 item 6): kill -9 a gateway node under mixed load, repeatedly.

Three nodes (node_id 1, 2, 3, one tracking.key) on one PostgreSQL primary with a synchronous
standby, one fake dispatcher. Client threads submit through the mobile API, the admin test
channel and SMPP (transceiver binds, one submit_sm in flight), each new submission to a random
node; a refusal (503 + Retry-After, ESME_RTHROTTLED) or a lost connection is retried at another
node with the same Idempotency-Key / the same SMS (the operator's redelivery). Meanwhile a node
is SIGKILLed --kills times (each node in turn) and started again after its node lease expired.
At the end every submission whose outcome stayed unknown is retried until acknowledged, a sample
of acknowledged ones is retried at another node, and the dispatcher's documents are checked:

  * lost 0: every acknowledged tracking ID reached the dispatcher (the killed node's outbox
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
                             replay_check, settle_pending, verify_delivered)
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
            # The others go on; the node comes back once its node lease has expired.
            time.sleep(LEASE_TTL_S + rng.uniform(0.5, 1.5))
            cluster.restart(victim)
            print(f"kill {k + 1}: node {victim} back {time.time() - t_kill:.1f}s after the kill; "
                  f"acked {len(ledger.acked)}, outcomes {ledger.counts()}", flush=True)
        time.sleep(2)
        load.join()
        settle_pending(cluster, ledger)
        replayed = replay_check(cluster, ledger, sample=300, seed=args.seed)
        acked, lost, doubled, wrong = verify_delivered(ledger, dispatcher, timeout=120)
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
        rcs = cluster.stop_all()
        assert all(rc == 0 for rc in rcs.values()), f"SIGTERM exit codes {rcs}"
        print("PASS test_cluster_kill")
    except BaseException:
        if cluster:
            print(cluster.tails(), file=sys.stderr)
        raise
    finally:
        if load:
            load.stop.set()
        if cluster:
            cluster.kill_all()
        if dispatcher:
            dispatcher.stop()
        if pg:
            pg.stop()
        tmp.cleanup()


if __name__ == "__main__":
    cluster_main(main)
