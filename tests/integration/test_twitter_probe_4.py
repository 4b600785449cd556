"""Regressions of black-box probe 4 on the Twitter channel, against the fake X API.

Each case runs its own fake and daemon (127.0.0.1, ephemeral ports) and checks one defect:
  1. surrogate: one post with a lone UTF-16 surrogate escape ("\\ud83d", "\\udc00") does not
     fail its page: every mention on it is stored (the broken one with U+FFFD) and later ones
     too; a page that keeps failing to parse makes /readyz fail naming twitter, until it parses.
  2. long: a 24,991-character X Premium post, a 300-character display name and a 700-character
     place are stored cut (the body ending "[…]", flagged incomplete), never refused.
  3. empty: a photo-only mention (with its place) and a hashtag-only one are complaints; a
     mention of nothing but @handles is skipped and counted.
  4. replies: a merged duplicate's reply is posted (its text differs from the first reply's);
     a 403 "duplicate content" answer to a reply never posted before is a dead letter, not
     recorded as sent.
  5. controls: BEL, NUL and ESC in a tweet are dropped, the mention stored; a bidi override in
     the display name is dropped; a created_at in 2099 is clamped to the poll's time.

Usage: test_twitter_probe_4.py PATH/TO/lapor-gateway [case …]
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, TempDir, wait_until  # noqa: E402
from twitter_harness import FakeTwitter, dispatched_twitter  # noqa: E402

OAUTH = ("lapor-consumer-key", "CONSUMER-s3cret-xyz", "1497254331178708992-accessTok", "ACCESS-s3cret-abc")
FFFD = "\ufffd"


def mention(text, author, **extra):
    t = {"text": text, "author_id": author, "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
         "lang": "in"}
    t.update(extra)
    return t


def user(author, name=None, username=None):
    return {"users": [{"id": author, "name": name or f"Warga {author}", "username": username or f"warga_{author}"}]}


class Case:
    def __init__(self, name, fake_args=(), **sets):
        self.tmp = TempDir(f"lapor-tw-probe4-{name}-")
        self.fake = FakeTwitter(self.tmp.path, "--mentions", "0", *fake_args).start()
        self.data_dir = os.path.join(self.tmp.path, "data")
        self.d = Daemon(self.data_dir, sets=self.fake.daemon_sets(**sets)).start()

    def add(self, entries):
        return self.fake.control("/control/add_raw", entries)["ids"]

    def dispatched(self, ids, timeout=20):
        wait_until(lambda: set(ids) <= set(dispatched_twitter(self.data_dir)), timeout, interval=0.1,
                   what=f"mentions {ids} dispatched")
        got = dispatched_twitter(self.data_dir)
        return [got[i][0] for i in ids]

    def close(self, failed):
        if failed:
            print(self.d.tail_log(30), file=sys.stderr)
        self.d.stop()
        self.fake.stop()
        self.tmp.cleanup()


def case_surrogate(c):
    ids = c.add([{"tweet": mention("@lapor1708 Jalan rusak di Jl. Kopo dekat pasar [s0]", "71"), "includes": user("71")},
                 {"tweet": mention("@lapor1708 Lampu mati \ud83d\ude00 \ud83d [lone] di Jl. Riau [s1]", "72"),
                  "includes": user("72")},
                 {"tweet": mention("@lapor1708 Got mampet \udc00 di Gg. Mawar [s2]", "73"), "includes": user("73")}])
    docs = c.dispatched(ids)
    assert docs[1]["body"] == f"Lampu mati \U0001F600 {FFFD} [lone] di Jl. Riau [s1]", docs[1]["body"]
    assert docs[2]["body"] == f"Got mampet {FFFD} di Gg. Mawar [s2]", docs[2]["body"]
    later = c.add([{"tweet": mention("@lapor1708 Sampah menumpuk di Jl. Cikutra [s3]", "74"), "includes": user("74")}])
    c.dispatched(later)
    # A page that never parses: /readyz says so while it lasts, and recovers.
    c.fake.control("/control/faults", [{"malformed": True}] * 8)
    code, body = wait_until(lambda: (lambda r: (r[0], r[2]) if r[0] != 200 else None)(c.d.get("admin", "/readyz")),
                            20, interval=0.1, what="/readyz failing while the page does not parse")
    assert code == 503 and b"twitter" in body and b"stuck" in body, (code, body)
    assert c.d.metric("lapor_twitter_stuck_page") == 1
    wait_until(lambda: c.d.get("admin", "/readyz")[0] == 200, 30, interval=0.1, what="/readyz ready again")
    return "3 mentions of a page with lone surrogates stored, /readyz 503 while a page does not parse"


def case_long(c):
    long_text = "@lapor1708 " + ("Jalan rusak parah di Jl. Sudirman. " * 800)[:24991] + " [l0]"
    name, place = "N" * 300, "Kelurahan " + "P" * 690
    ids = c.add([{"tweet": mention(long_text[:270], "81", note_tweet={"text": long_text}, geo={"place_id": "pl1"}),
                  "includes": {"users": [{"id": "81", "name": name, "username": "warga_81"}],
                               "places": [{"id": "pl1", "full_name": place}]}}])
    doc = c.dispatched(ids)[0]
    assert len(doc["body"]) <= 20000 and doc["body"].endswith("[…]"), (len(doc["body"]), doc["body"][-20:])
    assert doc["body"].startswith("Jalan rusak parah"), doc["body"][:40]
    assert doc.get("incomplete") is True, {k: v for k, v in doc.items() if k != "body"}
    assert len(doc["reporter"]["name"]) == 200 and len(doc["location"]["text"]) == 500
    return f"a {len(long_text)}-character post stored as {len(doc['body'])} characters, flagged incomplete"


def case_empty(c):
    key = "3_9001"
    photo = {"tweet": mention("@lapor1708 https://t.co/Ph0t0", "91", attachments={"media_keys": [key]},
                              geo={"place_id": "sampit"},
                              entities={"urls": [{"url": "https://t.co/Ph0t0", "media_key": key,
                                                  "expanded_url": "https://x.com/warga_91/status/1/photo/1"}]}),
             "includes": {"users": user("91")["users"],
                          "media": [{"media_key": key, "type": "photo", "url": f"{c.fake.base}/media/{key}.jpg"}],
                          "places": [{"id": "sampit", "full_name": "Sampit, Indonesia"}]}}
    tags = {"tweet": mention("@lapor1708 #JalanRusak #Sampit #Kotim", "92",
                             entities={"hashtags": [{"tag": "JalanRusak"}, {"tag": "Sampit"}, {"tag": "Kotim"}]}),
            "includes": user("92")}
    bare = {"tweet": mention("@lapor1708 @pemkotbdg", "93"), "includes": user("93")}
    ids = c.add([photo, tags, bare])
    docs = c.dispatched(ids[:2])
    assert docs[0]["body"] == "[Foto tanpa teks]", docs[0]["body"]
    assert len(docs[0]["attachments"]) == 1 and docs[0]["location"]["text"] == "Sampit, Indonesia", docs[0]
    assert docs[1]["body"] == "JalanRusak Sampit Kotim", docs[1]["body"]
    wait_until(lambda: c.d.metric('lapor_twitter_mentions{result="skipped_empty"}') == 1, 10, what="bare mention skipped")
    assert ids[2] not in dispatched_twitter(c.data_dir)
    return "photo-only and hashtag-only mentions stored, a bare @handle mention skipped"


def case_replies(c):
    first = c.add([{"tweet": mention("@lapor1708 Air PDAM mati 3 hari di Kelurahan Antapani Kidul Bandung [r3]", "64"),
                    "includes": user("64")}])
    c.dispatched(first)
    wait_until(lambda: len(c.fake.state()["replies"]) == 1, 20, interval=0.1, what="the first reply")
    second = c.add([{"tweet": mention("@lapor1708 Air PDAM mati sudah 3 hari di Kel. Antapani Kidul, Bandung, tolong [r3b]",
                                      "64"), "includes": user("64")}])

    def merged():
        path = os.path.join(c.data_dir, "dispatched.jsonl")
        with open(path, encoding="utf-8") as f:
            return any('"lapor.duplicate/v1"' in line and second[0] in line for line in f)
    wait_until(merged, 20, interval=0.1, what="the second mention merged as a duplicate")
    wait_until(lambda: len(c.fake.state()["replies"]) == 2, 20, interval=0.1,
               what="the merged duplicate's reply posted (not refused as duplicate content)")
    texts = [r["text"] for r in c.fake.state()["replies"]]
    assert texts[0] != texts[1], texts
    tracking = texts[0].split("nomor ")[1].split(" ")[0].rstrip(".")
    assert tracking in texts[1], texts

    # X refuses a reply never posted before as duplicate content: a dead letter, not "sent".
    c.fake.control("/control/reply_faults", [{"status": 403, "duplicate": True}])
    c.add([{"tweet": mention("@lapor1708 Pohon tumbang di Jl. Riau menutup jalan [r4]", "65"), "includes": user("65")}])

    def dead_reply():
        code, _, body = c.d.get("admin", "/admin/outbox?state=dead")
        items = json.loads(body)["items"] if code == 200 else []
        return [i for i in items if i.get("destination") == "twitter_reply"] or None
    dead = wait_until(dead_reply, 20, interval=0.2, what="the refused reply as a dead letter")
    assert "duplicate content" in dead[0]["last_error"], dead
    return "a merged duplicate's reply posted with its own text; a first-attempt 403 duplicate is dead"


def case_controls(c):
    future = "2099-06-01T00:00:00.000Z"
    ids = c.add([{"tweet": mention("@lapor1708 Banjir\u0007 di Jl. Pagarsih [c0]", "51"), "includes": user("51")},
                 {"tweet": mention("@lapor1708 Got\u0000 mampet di Gg. Melati [c1]", "52"), "includes": user("52")},
                 {"tweet": mention("@lapor1708 \u001b[31mLampu mati di Jl. Dago [c2]", "53"), "includes": user("53")},
                 {"tweet": mention("@lapor1708 Trotoar rusak di Jl. Braga [c3]", "54", created_at=future),
                  "includes": user("54", name="Dewi\u202e88amhaR")}])
    docs = c.dispatched(ids)
    assert docs[0]["body"] == "Banjir di Jl. Pagarsih [c0]", docs[0]["body"]
    assert docs[1]["body"] == "Got mampet di Gg. Melati [c1]", docs[1]["body"]
    assert docs[2]["body"] == "[31mLampu mati di Jl. Dago [c2]", docs[2]["body"]
    assert docs[3]["reporter"]["name"] == "Dewi88amhaR", docs[3]["reporter"]
    assert not docs[3]["received_at"].startswith("2099"), docs[3]["received_at"]
    return "BEL, NUL and ESC dropped, the mentions stored; bidi override dropped; 2099 clamped"


def case_edit_and_thread(c):
    # An edited post is the same mention: one reply, not a second one to the new version.
    first = c.add([{"tweet": mention("@lapor1708 Lampu jalan di Jl. Riau mati semua dekat pasar [e0]", "71"),
                    "includes": user("71")}])
    docs = c.dispatched(first)
    wait_until(lambda: len(c.fake.state()["replies"]) == 1, 20, interval=0.1, what="the first reply")
    c.add([{"tweet": mention("@lapor1708 Koreksi: lampu jalan di Jl. Riau mati semua dekat RS, bukan pasar [e0]", "71",
                             edit_history_tweet_ids=[first[0]]), "includes": user("71")}])
    # A reply in the conversation the complaint began: about it, whatever its words.
    follow = c.add([{"tweet": mention("@lapor1708 Sudah seminggu belum ada tanggapan, masih gelap [e1]", "71",
                                      conversation_id=first[0],
                                      referenced_tweets=[{"type": "replied_to", "id": first[0]}]),
                     "includes": user("71")}])

    def linked():
        path = os.path.join(c.data_dir, "dispatched.jsonl")
        with open(path, encoding="utf-8") as f:
            for line in f:
                doc = json.loads(line)
                if doc.get("schema") == "lapor.duplicate/v1" and "[e1]" in doc["complaint"]["body"]:
                    return doc
        return None
    link = wait_until(linked, 20, interval=0.1, what="the reply in the thread merged")
    assert link["duplicate_of"] == docs[0]["tracking_id"], link
    time.sleep(2)  # time enough for a second reply to the edit, were one promised
    replies = c.fake.state()["replies"]
    assert sum(1 for r in replies if "[e0]" in json.dumps(r) or first[0] in json.dumps(r)) <= 1 and len(replies) == 2, replies
    return "an edited post answered once; a reminder in the complaint's thread merged into it"


CASES = {
    "surrogate": (case_surrogate, {}),
    "long": (case_long, {}),
    "empty": (case_empty, {}),
    "replies": (case_replies, {"fake_args": ("--oauth", ":".join(OAUTH)),
                               "twitter__reply": "true", "twitter__consumer_key": OAUTH[0],
                               "twitter__consumer_secret": OAUTH[1], "twitter__access_token": OAUTH[2],
                               "twitter__access_token_secret": OAUTH[3], "twitter__reply_max_attempts": "3"}),
    "controls": (case_controls, {}),
    "edit_and_thread": (case_edit_and_thread, {"fake_args": ("--oauth", ":".join(OAUTH)),
                                               "twitter__reply": "true", "twitter__consumer_key": OAUTH[0],
                                               "twitter__consumer_secret": OAUTH[1], "twitter__access_token": OAUTH[2],
                                               "twitter__access_token_secret": OAUTH[3]}),
}


def main():
    names = [a for a in sys.argv[1:] if a in CASES] or list(CASES)
    failures = []
    for name in names:
        fn, kw = CASES[name]
        kw = dict(kw)
        fake_args = kw.pop("fake_args", ())
        c = Case(name, fake_args, **kw)
        failed = True
        try:
            print(f"ok {name}: {fn(c)}", flush=True)
            failed = False
        except AssertionError as e:
            print(f"FAIL {name}: {e}", flush=True)
            failures.append(name)
        finally:
            c.close(failed)
    if failures:
        print(f"{len(failures)} of {len(names)} cases failed: {', '.join(failures)}")
        return 1
    print(f"ok: {len(names)} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
