"""No mention lost, none ingested twice, across kill -9 (SPEC §2, §7 Twitter).

The fake X API holds a few hundred mentions and answers each page slowly, so a page set of
dozens of pages takes seconds to walk. The daemon is SIGKILLed --cycles times: every other
cycle while the answer to a later page of the set is held back (earlier pages committed,
cursor not yet moved), the others at random moments — while a page is being fetched, while
its mentions are being committed, between pages, before or after the cursor write — with new mentions arriving between
cycles and an occasional 503 or 429 in the way. At the end the fake's list of mentions that
are complaints is compared with data_dir/dispatched.jsonl (the default file:// sink), by
channel_ref.tweet_id:

  * every such mention was dispatched (none lost, whatever the cursor did);
  * each under exactly one tracking ID (none ingested twice: the post id is the key);
  * no retweet or post of our own was dispatched.

A document line may appear twice with the same tracking ID (the sink is at-least-once: a
crash after the file's fsync and before the outbox row was marked sent resends it, under
the same Idempotency-Key); the test reports how often.

Usage: test_twitter_crash.py PATH/TO/lapor-gateway [--cycles N] [--seed S]
"""
import argparse
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, TempDir, gateway_bin, wait_until  # noqa: E402
from twitter_harness import FakeTwitter, dispatched_twitter  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin", nargs="?")
    ap.add_argument("--cycles", type=int, default=10)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    print(f"seed {args.seed}")
    tmp = TempDir("lapor-twitter-crash-")
    fake = FakeTwitter(tmp.path, "--mentions", "240", "--page-delay", "0.03", "--seed", str(args.seed)).start()
    data_dir = os.path.join(tmp.path, "data")
    d = None
    kills = 0
    try:
        # No reconciling re-reads: they could hide a cursor that moved too early.
        sets = fake.daemon_sets(twitter__poll_interval_ms=100, twitter__reconcile_window_ms=0)
        for cycle in range(args.cycles):
            if cycle % 3 == 1:
                fake.control("/control/faults", [{"status": 503}])
            if cycle % 4 == 2:
                fake.control("/control/faults", [{"status": 429, "reset_in": 1, "paged": True}])
            mid_page = cycle % 2 == 1
            if mid_page:
                # Held answer to a later page: earlier pages are committed, the cursor has not
                # moved, and the kill lands while the page is in flight.
                fake.control("/control/faults", [{"delay": 3.0, "paged": True}])
            d = Daemon(data_dir, sets=sets, bin_path=gateway_bin(), log_name=f"daemon-{cycle}.log").start()
            if mid_page:
                wait_until(lambda: fake.state()["faults_left"] == 0, 20, what="a later page requested")
                time.sleep(rng.uniform(0.1, 1.0))
            else:
                time.sleep(rng.uniform(0.2, 2.5))
            d.kill9()
            kills += 1
            d = None
            fake.control("/control/add", {"n": rng.randrange(0, 15)})
            got = dispatched_twitter(data_dir)
            print(f"cycle {cycle}: killed{' mid-page' if mid_page else ''}; {len(got)} mentions dispatched so far")

        d = Daemon(data_dir, sets=sets, bin_path=gateway_bin(), log_name="daemon-final.log").start()
        st = fake.state()
        expected, all_ids = set(st["expected"]), set(st["all"])
        wait_until(lambda: expected <= set(dispatched_twitter(data_dir)), 120, interval=0.25,
                   what="every mention dispatched after the last restart")
        got = dispatched_twitter(data_dir)
        lost = expected - set(got)
        assert not lost, f"lost: {sorted(lost)[:10]}"
        doubled = {tid: {doc["tracking_id"] for doc in docs} for tid, docs in got.items()}
        doubled = {tid: ids for tid, ids in doubled.items() if len(ids) != 1}
        assert not doubled, f"ingested twice: {list(doubled.items())[:5]}"
        wrong = set(got) - expected
        assert not wrong, f"not complaints but dispatched: {sorted(wrong)[:10]} (known ids: {len(wrong & all_ids)})"
        resent = sum(len(docs) - 1 for docs in got.values())
        rc = d.stop()
        assert rc == 0, f"exit code {rc}"
        d = None
        print(f"ok: {kills} kills, {len(expected)} mentions each dispatched under one tracking ID; "
              f"{len(all_ids) - len(expected)} retweets/own posts skipped; {resent} at-least-once resends; "
              f"{fake.state()['requests']} API requests")
        return 0
    except Exception:
        if d:
            print(d.tail_log(60), file=sys.stderr)
        raise
    finally:
        if d:
            d.kill9()
        fake.stop()
        tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
