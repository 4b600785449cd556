"""Replies carrying the tracking ID (twitter.reply), against the fake X API.

What it shows:
  1. Ingestion does not wait for replies: while POST /2/tweets keeps failing (503, 429),
     every mention is already stored and dispatched.
  2. Failed replies are retried from the outbox until posted: in the end each new complaint
     got exactly one reply, to its own tweet (reply.in_reply_to_tweet_id), carrying the
     tracking ID the dispatcher received for it.
  3. Every reply is signed with OAuth 1.0a HMAC-SHA1 that the fake verifies (no 401).
  4. After kill -9 and a restart (the page set read again), no mention is answered twice.
  5. Neither the bearer token nor the OAuth secrets appear in the log.
  6. A reply the API refuses for good (400) is a dead letter; POST /admin/outbox/{id}/retry
     sends it again at once.

Usage: test_twitter_reply.py PATH/TO/lapor-gateway
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, TempDir, wait_until  # noqa: E402
from twitter_harness import TOKEN, FakeTwitter, dispatched_twitter  # noqa: E402

OAUTH = ("lapor-consumer-key", "CONSUMER-s3cret-xyz", "1497254331178708992-accessTok", "ACCESS-s3cret-abc")


def main():
    tmp = TempDir("lapor-twitter-reply-")
    fake = FakeTwitter(tmp.path, "--mentions", "14", "--oauth", ":".join(OAUTH)).start()
    data_dir = os.path.join(tmp.path, "data")
    d = None
    try:
        fake.control("/control/reply_faults", [{"status": 503}] * 12 + [{"status": 429}])
        sets = fake.daemon_sets(twitter__reply="true", twitter__consumer_key=OAUTH[0], twitter__consumer_secret=OAUTH[1],
                                twitter__access_token=OAUTH[2], twitter__access_token_secret=OAUTH[3],
                                twitter__reply_template="Terima kasih, nomor laporan Anda {tracking_id}")
        d = Daemon(data_dir, sets=sets).start()
        expected = set(fake.state()["expected"])

        # 1: everything dispatched while replies still fail.
        wait_until(lambda: expected <= set(dispatched_twitter(data_dir)), 30, interval=0.1, what="mentions dispatched")
        st = fake.state()
        assert st["reply_faults_left"] > 0 and not st["replies"], \
            f"ingestion waited for replies: {st['reply_faults_left']} faults left, {len(st['replies'])} replies"

        # 2 + 3: retried until each is posted once, signed.
        wait_until(lambda: len(fake.state()["replies"]) >= len(expected), 60, interval=0.2, what="all replies posted")
        st = fake.state()
        assert st["reply_faults_left"] == 0
        assert st["reply_bad_auth"] == 0, "OAuth signature rejected"
        got = dispatched_twitter(data_dir)
        replies = {}
        for r in st["replies"]:
            assert r["in_reply_to_tweet_id"] not in replies, f"answered twice: {r['in_reply_to_tweet_id']}"
            replies[r["in_reply_to_tweet_id"]] = r["text"]
        assert set(replies) == expected, f"replies to {set(replies) ^ expected} wrong"
        for tid, text in replies.items():
            tracking = got[tid][0]["tracking_id"]
            assert text == f"Terima kasih, nomor laporan Anda {tracking} (ref. {tid})", text
        assert d.metric('lapor_twitter_replies{result="queued"}') == len(expected)

        # 4: kill -9, restart: the set is read again (mentions come back as duplicates), no new replies.
        d.kill9()
        fake.control("/control/add", {"n": 3})
        d = Daemon(data_dir, sets=sets, log_name="daemon-2.log").start()
        expected = set(fake.state()["expected"])
        wait_until(lambda: len(fake.state()["replies"]) >= len(expected), 30, interval=0.2, what="replies to the new mentions")
        wait_until(lambda: d.metric('lapor_twitter_requests{result="ok"}') >= 3, 10, what="a few more polls")
        st = fake.state()
        answered = [r["in_reply_to_tweet_id"] for r in st["replies"]]
        assert len(answered) == len(set(answered)) == len(expected), f"{len(answered)} replies for {len(expected)} mentions"

        # 6: a reply refused for good (400) is a dead letter; an operator's retry sends it now.
        fake.control("/control/reply_faults", [{"status": 400}])
        fake.control("/control/add", {"n": 1})

        def dead_replies():
            code, _, body = d.get("admin", "/admin/outbox?state=dead")
            items = json.loads(body)["items"] if code == 200 else []
            return [i for i in items if i.get("destination") != "dispatcher"] or None
        dead = wait_until(dead_replies, 30, interval=0.2, what="the refused reply as a dead letter")
        before = len(fake.state()["replies"])
        print(f"dead letter {dead[0]}; {before} replies so far", flush=True)
        code, _, body = d.request("admin", "POST", f"/admin/outbox/{dead[0]['id']}/retry")
        assert code == 200, (code, body)
        wait_until(lambda: len(fake.state()["replies"]) == before + 1, 20, interval=0.2,
                   what="the retried reply posted without a restart")
        st = fake.state()
        expected = set(st["expected"])
        rc = d.stop()
        assert rc == 0, f"exit code {rc}"
        d = None

        # 5: no secret in any log.
        for name in ("daemon.log", "daemon-2.log"):
            with open(os.path.join(data_dir, name), "rb") as f:
                log = f.read()
            for secret in (TOKEN, OAUTH[1], OAUTH[3]):
                assert secret.encode() not in log, f"a secret leaked into {name}"
        print(f"ok: {len(expected)} mentions, {len(st['replies'])} replies after {st['reply_attempts']} attempts")
        return 0
    except Exception:
        if d:
            print(d.tail_log(60), file=sys.stderr)
        raise
    finally:
        if d:
            d.stop()
        fake.stop()
        tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
