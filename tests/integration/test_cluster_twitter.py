"""Cluster mode (SPEC §9, issue 14 item 5/6): one Twitter poller in the cluster, handed over.

Two gateway nodes with Twitter enabled against the fake X API (tests/integration/fake_twitter.py)
on one PostgreSQL, cluster.lease_ttl_s = 3, no reconciling re-reads (they would read below the
cursor on purpose):

  1. exactly one node holds the poller lease (lapor_lease_holder{name="twitter"} 1 there, 0 on
     the other) and only that node asks the API for mentions;
  2. kill -9 of the holder: the other takes the lease once it expired (not before the lease
     could have run out, not much after; the time is printed) and goes on from the stored cursor;
     the killed node, started again, does not poll while the other holds the lease;
  3. SIGSTOP of the holder for longer than the lease: the other takes over; after SIGCONT the
     paused node stops polling (its cursor writes are fenced by the lease token) and there is
     one holder again;
  4. every mention that is a complaint reaches the dispatcher under exactly one tracking ID;
     the since_id the API is asked with never goes back (apart from requests the paused node
     sent in the moment after SIGCONT, which are counted and printed).

Usage: test_cluster_twitter.py PATH/TO/lapor-gateway [--seed S]
"""
import argparse
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_harness import LEASE_TTL_S, Cluster, PgCluster, cluster_main, metric, metric_sum  # noqa: E402
from lapor_harness import FakeDispatcher, TempDir, wait_until  # noqa: E402
from twitter_harness import FakeTwitter  # noqa: E402

HOLDER = 'lapor_lease_holder{name="twitter"}'


def holders(cluster):
    """{node: 1/0/None} of the lease metric on every running node."""
    return {i: metric(d, HOLDER) for i, d in cluster.live()}


def polls(cluster):
    return {i: metric_sum(d, "lapor_twitter_requests") or 0 for i, d in cluster.live()}


def one_holder(cluster):
    h = holders(cluster)
    on = [i for i, v in h.items() if v == 1]
    return on[0] if len(on) == 1 and all(v == 0 for i, v in h.items() if i != on[0]) else None


def only_holder_polls(cluster, holder, seconds=3.0):
    before = polls(cluster)
    time.sleep(seconds)
    after = polls(cluster)
    grew = {i for i in after if after[i] > before.get(i, 0)}
    assert grew == {holder}, f"nodes that polled in {seconds}s: {sorted(grew)}, holder {holder} ({before} -> {after})"


def twitter_docs(dispatcher):
    out = {}
    for doc in dispatcher.accepted_documents():
        if doc.get("schema") == "lapor.complaint/v1" and doc.get("channel") == "twitter":
            out.setdefault(doc["channel_ref"]["tweet_id"], set()).add(doc["tracking_id"])
    return out


def since_ids(fake, t_from=0.0, t_to=None):
    """(ts, since_id as int or None) of the first page of each walk (no pagination_token)."""
    out = []
    for r in fake.requests():
        if r.get("pagination_token") or not r.get("auth"):
            continue
        if r["ts"] < t_from or (t_to is not None and r["ts"] > t_to):
            continue
        out.append((r["ts"], int(r["since_id"]) if r.get("since_id") else None))
    return out


def backwards(seq):
    """Requests whose since_id is below one asked before (or none after one was set)."""
    best, bad = None, []
    for ts, s in seq:
        if best is not None and (s is None or s < best):
            bad.append((ts, s, best))
        if s is not None:
            best = s if best is None else max(best, s)
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin", nargs="?")
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    print(f"seed {args.seed}", flush=True)
    tmp = TempDir("lapor-cluster-twitter-")
    pg = dispatcher = fake = cluster = None
    try:
        pg = PgCluster(tmp.path)
        dispatcher = FakeDispatcher(tmp.path).start()
        fake = FakeTwitter(tmp.path, "--mentions", "40", "--page-delay", "0.02", "--seed", str(args.seed)).start()
        sets = fake.daemon_sets(twitter__poll_interval_ms=200, twitter__reconcile_window_ms=0)
        cluster = Cluster(tmp.path, pg, dispatcher, extra_sets=sets)
        cluster.start_all(2)

        # 1. One holder, and only it polls.
        first = wait_until(lambda: one_holder(cluster), 30, interval=0.2, what="one twitter lease holder")
        only_holder_polls(cluster, first)
        other = 2 if first == 1 else 1
        print(f"1. node {first} holds the poller lease and is the only one polling ({holders(cluster)})", flush=True)

        # 2. kill -9 of the holder: the other takes over after the lease expired.
        fake.control("/control/add", {"n": 10})
        time.sleep(0.5)
        t_kill = cluster.kill9(first)
        wait_until(lambda: metric(cluster.nodes[other], HOLDER) == 1, LEASE_TTL_S + 20, interval=0.05,
                   what=f"node {other} taking the lease")
        took = time.time() - t_kill
        print(f"2. node {other} took the lease {took:.2f}s after the kill (lease_ttl_s {LEASE_TTL_S})", flush=True)
        # Renewed at ttl/3 at the latest, so a killed holder's lease runs at least 2/3 ttl more.
        assert took >= LEASE_TTL_S * 2 / 3 - 0.3, f"lease taken {took:.2f}s after the kill: before it could expire"
        assert took <= LEASE_TTL_S + 5, f"takeover took {took:.2f}s with lease_ttl_s {LEASE_TTL_S}"
        fake.control("/control/add", {"n": 10})
        cluster.restart(first)
        wait_until(lambda: one_holder(cluster) == other, 15, interval=0.2, what=f"node {other} the only holder")
        only_holder_polls(cluster, other)
        print(f"   node {first} restarted: not polling while node {other} holds the lease", flush=True)

        # 3. A paused holder: the other takes over; after SIGCONT the paused one is fenced.
        paused = cluster.nodes[other]
        fake.control("/control/add", {"n": 10})
        paused.proc.send_signal(signal.SIGSTOP)
        t_stop = time.time()
        try:
            wait_until(lambda: metric(cluster.nodes[first], HOLDER) == 1, LEASE_TTL_S + 20, interval=0.05,
                       what=f"node {first} taking the lease from the paused node {other}")
            print(f"3. node {other} paused: node {first} took the lease {time.time() - t_stop:.2f}s later", flush=True)
            fake.control("/control/add", {"n": 5})
            time.sleep(1.0)
        finally:
            paused.proc.send_signal(signal.SIGCONT)
        t_cont = time.time()
        wait_until(lambda: one_holder(cluster) == first, 15, interval=0.2, what=f"node {first} the only holder after SIGCONT")
        only_holder_polls(cluster, first)
        print(f"   node {other} resumed: it gave the lease up and does not poll "
              f"({time.time() - t_cont:.2f}s to one holder)", flush=True)

        # 4. Every complaint mention once; the cursor never went back.
        fake.control("/control/add", {"n": 5})
        expected = set(fake.state()["expected"])
        wait_until(lambda: expected <= set(twitter_docs(dispatcher)), 60, interval=0.25,
                   what="every mention at the dispatcher")
        docs = twitter_docs(dispatcher)
        doubled = {t: ids for t, ids in docs.items() if len(ids) > 1}
        wrong = set(docs) - expected
        seq = since_ids(fake)
        back = backwards(seq)
        stale = [b for b in back if t_cont - 0.1 <= b[0] <= t_cont + LEASE_TTL_S]
        back_elsewhere = [b for b in back if b not in stale]
        print(f"4. {len(expected)} mentions dispatched, {len(doubled)} under two tracking IDs; {len(seq)} walks; "
              f"since_id went back {len(back_elsewhere)} times, plus {len(stale)} requests of the node just "
              f"resumed", flush=True)
        assert not doubled, f"stored twice: {list(doubled.items())[:5]}"
        assert not wrong, f"not complaints but dispatched: {sorted(wrong)[:5]}"
        assert not back_elsewhere, f"the cursor went back: {back_elsewhere[:5]}"
        rcs = cluster.stop_all()
        assert all(rc == 0 for rc in rcs.values()), f"SIGTERM exit codes {rcs}"
        print("PASS test_cluster_twitter")
    except BaseException:
        if cluster:
            print(cluster.tails(), file=sys.stderr)
        raise
    finally:
        if cluster:
            for d in cluster.nodes.values():
                if d.running():
                    d.proc.send_signal(signal.SIGCONT)
            cluster.kill_all()
        for p in (fake, dispatcher):
            if p:
                p.stop()
        if pg:
            pg.stop()
        tmp.cleanup()


if __name__ == "__main__":
    cluster_main(main)
