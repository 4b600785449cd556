"""The Twitter channel against a fake X API v2 on 127.0.0.1 (tests/integration/fake_twitter.py).

What it shows, in order:
  1. Every mention that is a complaint reaches the dispatcher exactly once, with the body as
     the citizen wrote it (no @lapor1708 or reply prefix, t.co expanded, the photo link
     removed, HTML entities unescaped, closing hashtags dropped), the long text of a note
     post, reporter.twitter/name, the photo as an attachment (sha256 of the served bytes)
     and the place as location (a photo the CDN lost: filed without it, its URL kept in
     channel_ref.media_urls); retweets and our own posts are not complaints; a mention
     with nothing but mentions is skipped, logged and counted.
  2. Along the way the API misbehaves: 503 twice, a malformed 200, a 429 between two pages
     and a truncated body on a later page. All are retried (faults consumed, counted in
     /metrics) and nothing is lost or doubled; partial `errors` do not fail a page.
  3. Requests reuse their connection (keep-alive).
  4. New mentions are read with since_id = the newest id already taken (the cursor moved);
     a mention indexed late (id below the cursor) is found by a reconciling re-read.
  5. x-rate-limit-remaining 0: no request before x-rate-limit-reset.
  6. A 401 is a configuration error: /readyz fails naming twitter, the metric says so, the
     log has twitter_config_error; when the credentials work again, /readyz recovers.
  7. The bearer token never appears in the daemon's log. SIGTERM exits 0.

Usage: test_twitter.py PATH/TO/lapor-gateway
"""
import hashlib
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, TempDir, wait_until  # noqa: E402
from twitter_harness import TOKEN, FakeTwitter, dispatched_twitter  # noqa: E402

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"


def all_dispatched(d, ids):
    got = dispatched_twitter(d.data_dir)
    return all(i in got for i in ids)


def check_exactly_once(data_dir, expected, all_ids):
    got = dispatched_twitter(data_dir)
    for tid in expected:
        tracking = {doc["tracking_id"] for doc in got.get(tid, [])}
        assert len(tracking) == 1, f"tweet {tid}: tracking ids {tracking}"
    not_complaints = set(all_ids) - set(expected)
    assert not (set(got) & not_complaints), f"retweets/own posts dispatched: {set(got) & not_complaints}"
    assert set(got) <= set(all_ids), f"unknown tweet ids dispatched: {set(got) - set(all_ids)}"
    return got


def by_marker(got, n):
    marker = f"[m{n}]"
    for docs in got.values():
        if marker in docs[0]["body"]:
            return docs[0]
    raise AssertionError(f"no dispatched complaint with {marker}")


def main():
    tmp = TempDir("lapor-twitter-")
    fake = FakeTwitter(tmp.path, "--mentions", "23").start()
    d = None
    try:
        fake.control("/control/faults", [{"status": 503}, {"status": 503}, {"malformed": True},
                                          {"status": 429, "reset_in": 1, "paged": True},
                                          {"truncate": True, "paged": True}])
        d = Daemon(os.path.join(tmp.path, "data"), sets=fake.daemon_sets()).start()
        st = fake.state()
        expected, all_ids = st["expected"], st["all"]
        assert len(expected) < len(all_ids), "the fake must include retweets and own posts"

        # 1 + 2: everything arrives once, after every fault was served.
        wait_until(lambda: all_dispatched(d, expected), 60, interval=0.2, what="all mentions dispatched")
        wait_until(lambda: fake.state()["faults_left"] == 0, 10, what="faults consumed")
        got = check_exactly_once(d.data_dir, expected, all_ids)

        photo = by_marker(got, 0)
        assert photo["body"] == "Jalan berlubang di Jl. Sudirman km 0 [m0]", photo["body"]
        assert photo["reporter"]["twitter"] == "warga_0" and photo["reporter"]["name"] == "Warga 0", photo["reporter"]
        assert photo["location"]["text"] == "Bandung, Indonesia", photo["location"]
        key = f"3_{photo['channel_ref']['tweet_id']}"
        assert len(photo["attachments"]) == 1, photo["attachments"]
        att = photo["attachments"][0]
        assert att["sha256"] == hashlib.sha256(JPEG + key.encode()).hexdigest(), att
        assert att["mime"] == "image/jpeg" and att["size"] == len(JPEG) + len(key), att
        assert os.path.exists(os.path.join(d.data_dir, "attachments", att["sha256"])), "photo file kept"

        gone = by_marker(got, 10)  # its photo answers 404: filed without it, the URL kept
        assert gone["attachments"] == [] and "/media/gone-" in gone["channel_ref"]["media_urls"], gone
        assert d.metric("lapor_twitter_photo_failures") >= 1

        reply = by_marker(got, 1)
        assert reply["body"] == "Sampah & limbah menumpuk di Cihapit [m1] https://bandung.go.id/berita/1", reply["body"]
        assert reply["channel_ref"]["hashtags"] == "Cihapit,Bandung,DaruratSampah", reply["channel_ref"]
        assert "in_reply_to_tweet_id" in reply["channel_ref"], reply["channel_ref"]

        note = by_marker(got, 2)
        assert "panel listrik dekat SPBU" in note["body"] and note["body"].endswith("Terima kasih."), note["body"]

        edited = by_marker(got, 4)
        assert int(edited["channel_ref"]["original_tweet_id"]) < int(edited["channel_ref"]["tweet_id"])

        quote = by_marker(got, 5)
        assert quote["body"].startswith("Ini masih terjadi, tolong dicek [m5] https://x.com/someone/status/"), quote["body"]
        for doc in (photo, reply, note, edited, quote):
            assert "@lapor1708" not in doc["body"] and "t.co/" not in doc["body"], doc["body"]

        assert d.metric('lapor_twitter_requests{result="server_error"}') >= 2
        assert d.metric('lapor_twitter_requests{result="malformed"}') >= 1
        assert d.metric('lapor_twitter_requests{result="rate_limited"}') >= 1
        assert d.metric('lapor_twitter_requests{result="network_error"}') >= 1
        assert d.metric('lapor_twitter_partial_errors') >= 1
        assert d.metric('lapor_twitter_mentions{result="skipped_retweet"}') >= 1
        assert d.metric('lapor_twitter_mentions{result="skipped_own"}') >= 1
        # "@lapor1708 @pemkotbdg": nothing in it, skipped before the core (no refusal to count)
        assert d.metric('lapor_twitter_mentions{result="skipped_empty"}') >= 1
        assert d.metric('lapor_twitter_mentions{result="rejected"}') == 0
        assert d.metric('lapor_received_total{channel="twitter"}') == len(expected)

        # 3: keep-alive.
        st = fake.state()
        assert st["connections"] < st["requests"], f"no keep-alive: {st['connections']} connections, {st['requests']} requests"

        # 4: new mentions are read from the saved cursor.
        newest_before = max(int(i) for i in all_ids)
        fake.control("/control/add", {"n": 7})
        st = fake.state()
        wait_until(lambda: all_dispatched(d, st["expected"]), 30, interval=0.2, what="new mentions dispatched")
        check_exactly_once(d.data_dir, st["expected"], st["all"])
        since = [int(r["since_id"]) for r in fake.requests() if r["since_id"]]
        assert newest_before in since, "the cursor should have reached the newest id of the first page set"

        # 4b: a mention the API indexes late (its id below the cursor) is found by a
        # reconciling set and stored once.
        cursor = max(int(i) for i in fake.state()["all"])
        fake.control("/control/add_late", {"below": cursor})
        late = str(cursor - 1)
        wait_until(lambda: late in dispatched_twitter(d.data_dir), 30, interval=0.2, what="the late mention dispatched")
        st = fake.state()
        check_exactly_once(d.data_dir, st["expected"], st["all"])
        assert d.metric("lapor_twitter_late_mentions") >= 1
        assert d.metric("lapor_twitter_reconciles") >= 1

        # 5: remaining 0 pauses requests until the reset.
        fake.control("/control/mode", {"remaining": 0, "reset_in": 2})
        mark = len(fake.requests())
        wait_until(lambda: len(fake.requests()) >= mark + 2, 20, what="requests after the rate-limit pause")
        reqs = fake.requests()[mark:]
        first_zero = next(r for r in reqs if r["remaining"] == 0)
        later = [r for r in reqs if r["ts"] > first_zero["ts"]]
        assert later and later[0]["ts"] >= first_zero["reset"], f"request at {later[0]['ts']} before reset {first_zero['reset']}"

        # 6: 401 fails /readyz, visible in metrics and logs; recovery clears it.
        fake.control("/control/mode", {"auth_ok": False})
        wait_until(lambda: d.get("admin", "/readyz")[0] != 200, 10, what="/readyz failing on 401")
        status, _, body = d.get("admin", "/readyz")
        assert b"twitter" in body and b"auth_error" in body, body
        assert d.metric("lapor_twitter_config_error") == 1
        fake.control("/control/mode", {"auth_ok": True})
        wait_until(lambda: d.get("admin", "/readyz")[0] == 200, 10, what="/readyz recovering")
        assert d.metric("lapor_twitter_config_error") == 0

        # 7: the token stays secret; a clean stop.
        rc = d.stop()
        assert rc == 0, f"exit code {rc}"
        with open(d.log_path, "rb") as f:
            log = f.read()
        assert b"twitter_config_error" in log
        assert b"twitter_mention_skipped" in log and b"twitter_mention_rejected" not in log
        assert b"twitter_started" in log
        for secret in (TOKEN.encode(), b"s3cr3tT0ken"):
            assert secret not in log, "the bearer token leaked into the log"
        print(f"ok: {len(st['expected'])} mentions once each, {fake.state()['requests']} requests, "
              f"{fake.state()['connections']} connections")
        return 0
    except Exception:
        if d:
            print(d.tail_log(80), file=sys.stderr)
        raise
    finally:
        if d:
            d.stop()
        fake.stop()
        tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
