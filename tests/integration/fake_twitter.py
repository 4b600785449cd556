#!/usr/bin/env python3
"""A fake X (Twitter) API v2 for integration tests. Python 3 standard library only.

It serves `GET /2/users/<id>/mentions` the way the real API does (shapes from
/work/shared/reference/twitter-api-v2.md §1.3-1.6): newest first, `since_id` exclusive,
`max_results` 5..100 (else 400), pages followed with `pagination_token` = the previous
page's `meta.next_token` (opaque; a token that does not belong to the same since_id is a
400), `includes.users/media/places`, partial `errors`, `meta.newest_id/oldest_id`,
`x-rate-limit-limit/-remaining/-reset` on every answer, HTTP/1.1 keep-alive. Requests
without `Authorization: Bearer <--token>` get 401.

The mentions are generated (--mentions N, --seed S) with every shape the poller must handle:
a photo with a place, a reply in a thread with a t.co link and hashtags, a long note post,
an edited post, a quote of a deleted post (a partial error), a retweet of somebody else's
mention, a post of our own account and a post with nothing but mentions (none of these three
is a complaint). Each text carries a marker "[mN]". Photos are served at /media/<key>.jpg (a
small JPEG); some photos' URLs answer 404.

Misbehaviour is scripted through a control API, so a test can place it exactly:

  POST /control/faults  [{"status": 429, "reset_in": 2}, {"status": 503}, {"malformed": true},
                         {"truncate": true}, {"status": 401}, {"delay": 1.5}, …]
      Queued; each applies to one later mentions request (with "paged": true, only to a
      request that carries a pagination_token). "reset_in" also sets remaining 0.
  POST /control/mode    {"auth_ok": false}        401 for every request until set back
                        {"remaining": 0, "reset_in": 2}  rate-limit headers of later answers
  POST /control/add     {"n": 5}                  new mentions, newer than all the others
  POST /control/add_late {"below": id}            a mention with id-1: indexed late
  POST /control/add_raw [{"tweet": {…}, "includes": {…}}, …]  mentions as given, newer than
                        all the others (id, edit_history_tweet_ids, conversation_id filled in
                        when absent); answers {"ids": [...]}. A lone surrogate in a text
                        ("\ud83d") is served as that JSON escape.
  POST /control/reply_faults [{"status": 503}, …] one per later POST /2/tweets
                        ({"status": 403, "duplicate": true}: X's "duplicate content" answer)
  GET  /control/state   {"expected": [ids of mentions that are complaints], "all": [...],
                         "requests": n, "connections": n, "faults_left": n,
                         "bad_auth": n, "pages": n, "media": n}

The port it bound (--port 0 by default) is written to --port-file once it listens. Every
mentions request is appended to --log as a JSON line (without the Authorization header).
--page-delay D makes every mentions answer take D seconds (a crash test lands mid-walk).
`POST /2/tweets` (replies) checks the OAuth 1.0a HMAC-SHA1 signature against --oauth
"consumer_key:consumer_secret:access_token:access_token_secret" (401 when it does not
match), refuses a text it already posted with X's 403 "duplicate content", and answers 201;
the posted replies are listed by /control/state as "replies".
SIGTERM/SIGINT stop it.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import random
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OUR_ID = "1497254331178708992"
OUR_HANDLE = "lapor1708"
FIRST_ID = 2123553282847801346 + 1000
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"


def problem(status, title, type_="about:blank", detail=None):
    return {"title": title, "type": type_, "status": status, "detail": detail or title}


class Mentions:
    """The account's mention timeline, oldest first; kinds chosen by a seeded generator."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.items = []  # (tweet dict, includes dict, is_complaint, partial errors)
        self.next_id = FIRST_ID

    def add(self, n, base_url):
        for _ in range(n):
            i = len(self.items)
            tid = self.next_id
            self.next_id += 1000 + self.rng.randrange(1000)
            self.items.append(self.make(i, tid, base_url))

    def add_raw(self, entries):
        ids = []
        for e in entries:
            t = dict(e["tweet"])
            if "id" not in t:
                t["id"] = str(self.next_id)
                self.next_id += 1000
            t.setdefault("edit_history_tweet_ids", [t["id"]])
            t.setdefault("conversation_id", t["id"])
            self.items.append((t, e.get("includes") or {}, True, []))
            ids.append(t["id"])
        return ids

    def add_late(self, below, base_url):
        """A mention indexed late: its id is below ones already served (kind 9: plain text)."""
        i = 100000 + 10 * len(self.items) + 9  # kind 9, its own author and marker
        self.items.append(self.make(i, below - 1, base_url))

    def make(self, i, tid, base_url):
        sid = str(tid)
        # One author per mention: the core's cross-channel duplicate detection (same reporter,
        # similar text) must not merge the generated, similar-looking complaints.
        author = str(1000 + i)
        user = {"id": author, "name": f"Warga {i}", "username": f"warga_{i}"}
        created = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(1795144542 + i))
        t = {"id": sid, "edit_history_tweet_ids": [sid], "author_id": author, "created_at": created,
             "conversation_id": sid, "lang": "in"}
        inc = {"users": [user]}
        errors = []
        complaint = True
        kind = i % 10
        marker = f"[m{i}]"
        if kind == 0:
            t["text"] = f"@{OUR_HANDLE} Jalan berlubang di Jl. Sudirman km {i} {marker} https://t.co/p{i}"
            key = f"3_{tid}"
            t["attachments"] = {"media_keys": [key]}
            t["geo"] = {"place_id": "0a3e119020705b64"}
            t["entities"] = {"mentions": [{"start": 0, "end": 10, "username": OUR_HANDLE, "id": OUR_ID}],
                             "urls": [{"start": 40, "end": 63, "url": f"https://t.co/p{i}",
                                       "expanded_url": f"https://x.com/{user['username']}/status/{sid}/photo/1",
                                       "display_url": f"pic.x.com/p{i}", "media_key": key}]}
            # Every other photo of this kind is gone from the CDN (404): the complaint still counts.
            gone = "gone-" if i % 20 == 10 else ""
            inc["media"] = [{"media_key": key, "type": "photo", "url": f"{base_url}/media/{gone}{key}.jpg",
                             "width": 1600, "height": 1200}]
            inc["places"] = [{"id": "0a3e119020705b64", "full_name": "Bandung, Indonesia", "name": "Bandung",
                              "country": "Indonesia", "country_code": "ID", "place_type": "city"}]
        elif kind == 1:
            t["text"] = (f"@budi_santoso @{OUR_HANDLE} Sampah &amp; limbah menumpuk di #Cihapit {marker} "
                         f"https://t.co/u{i} #Bandung #DaruratSampah")
            t["referenced_tweets"] = [{"type": "replied_to", "id": str(tid - 500)}]
            t["conversation_id"] = str(tid - 500)
            t["entities"] = {"mentions": [{"start": 0, "end": 13, "username": "budi_santoso"},
                                          {"start": 14, "end": 24, "username": OUR_HANDLE}],
                             "hashtags": [{"tag": "Cihapit"}, {"tag": "Bandung"}, {"tag": "DaruratSampah"}],
                             "urls": [{"url": f"https://t.co/u{i}", "expanded_url": f"https://bandung.go.id/berita/{i}"}]}
        elif kind == 2:
            short = f"@{OUR_HANDLE} Lampu jalan padam di Jl. Soekarno-Hatta {marker} sejak Senin. Mohon"
            t["text"] = short
            t["note_tweet"] = {"text": short + " dinas terkait memeriksa panel listrik dekat SPBU. " + "Terima kasih. " * 20}
        elif kind == 3:
            t["text"] = f"RT @warga_x: @{OUR_HANDLE} Pohon tumbang di Jl. Riau {marker}"
            t["referenced_tweets"] = [{"type": "retweeted", "id": str(tid - 700)}]
            complaint = False
        elif kind == 4:
            original = str(tid - 300)
            t["edit_history_tweet_ids"] = [original, sid]
            t["conversation_id"] = original
            t["text"] = f"@{OUR_HANDLE} Koreksi: banjir 50 cm di Jl. Pagarsih {marker}"
        elif kind == 5:
            deleted = str(tid - 900)
            t["text"] = f"@{OUR_HANDLE} Ini masih terjadi, tolong dicek {marker} https://t.co/q{i}"
            t["referenced_tweets"] = [{"type": "quoted", "id": deleted}]
            t["entities"] = {"urls": [{"url": f"https://t.co/q{i}", "expanded_url": f"https://x.com/someone/status/{deleted}"}]}
            errors.append({"value": deleted, "detail": f"Could not find tweet with referenced_tweets.id: [{deleted}].",
                           "title": "Not Found Error", "resource_type": "tweet", "parameter": "referenced_tweets.id",
                           "resource_id": deleted, "type": "https://api.twitter.com/2/problems/resource-not-found"})
        elif kind == 6 and i % 20 == 16:
            # Nothing left once the mentions are removed: skipped by the channel, never dispatched.
            t["text"] = f"@{OUR_HANDLE} @pemkotbdg"
            complaint = False
        elif kind == 6 and i % 20 == 6:
            t["author_id"] = OUR_ID
            inc["users"] = [{"id": OUR_ID, "name": "LAPOR!", "username": OUR_HANDLE}]
            t["text"] = f"@{OUR_HANDLE} Info: layanan pengaduan tetap buka {marker}"
            complaint = False
        else:
            t["text"] = f"@{OUR_HANDLE} Laporan warga nomor {i}: saluran air tersumbat {marker}"
        return t, inc, complaint, errors

    def page(self, since_id, until_id, max_results):
        """Newest first: ids in (since_id, until_id)."""
        visible = [m for m in self.items if int(m[0]["id"]) > since_id and (until_id is None or int(m[0]["id"]) < until_id)]
        visible.sort(key=lambda m: int(m[0]["id"]), reverse=True)
        return visible[:max_results], len(visible) > max_results


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.mentions = Mentions(args.seed)
        self.base_url = None
        self.faults = []
        self.auth_ok = True
        self.remaining = 1_000_000
        self.reset_at = None
        self.requests = 0
        self.pages = 0
        self.bad_auth = 0
        self.media = 0
        self.connections = set()
        self.replies = []
        self.reply_faults = []
        self.reply_bad_auth = 0
        self.reply_attempts = 0
        self.log = open(args.log, "a", encoding="utf-8") if args.log else None

    def take_fault(self, paged):
        for i, f in enumerate(self.faults):
            if f.get("paged") and not paged:
                continue
            return self.faults.pop(i)
        return None


def encode_token(since_id, until_id):
    return base64.b32encode(f"{since_id}:{until_id}".encode()).decode().rstrip("=").lower()


def decode_token(tok):
    try:
        pad = "=" * (-len(tok) % 8)
        since, until = base64.b32decode(tok.upper() + pad).decode().split(":")
        return int(since), int(until)
    except Exception:
        return None


def make_handler(state):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def send_json(self, status, obj, extra_headers=None, raw=None):
            body = raw if raw is not None else json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for k, v in (extra_headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def rate_headers(self):
            with state.lock:
                reset = state.reset_at if state.reset_at else int(time.time()) + 900
                remaining = state.remaining
                if state.reset_at and time.time() >= state.reset_at:
                    state.reset_at, state.remaining = None, 1_000_000
                    remaining = state.remaining
                elif state.remaining > 0 and state.remaining < 1_000_000:
                    state.remaining -= 1
            return {"x-rate-limit-limit": "450", "x-rate-limit-remaining": str(max(0, remaining)),
                    "x-rate-limit-reset": str(int(reset))}

        def read_body(self):
            n = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(n) or b"null") if n else None

        def do_POST(self):
            body = self.read_body()
            with state.lock:
                if self.path == "/control/faults":
                    state.faults.extend(body)
                elif self.path == "/control/mode":
                    if "auth_ok" in body:
                        state.auth_ok = bool(body["auth_ok"])
                    if "remaining" in body:
                        state.remaining = int(body["remaining"])
                        state.reset_at = time.time() + float(body.get("reset_in", 0)) if "reset_in" in body else None
                elif self.path == "/control/add":
                    state.mentions.add(int(body["n"]), state.base_url)
                elif self.path == "/control/add_late":
                    state.mentions.add_late(int(body["below"]), state.base_url)
                elif self.path == "/control/add_raw":
                    return self.send_json(200, {"ids": state.mentions.add_raw(body)})
                elif self.path == "/control/reply_faults":
                    state.reply_faults.extend(body)
                elif self.path == "/2/tweets":
                    return self.post_tweet(body)
                else:
                    return self.send_json(404, problem(404, "Not Found"))
            self.send_json(200, {"ok": True})

        def oauth_ok(self):
            """Checks the OAuth 1.0a HMAC-SHA1 signature of this POST (JSON body: not signed)."""
            if not state.args.oauth:
                return False
            ck, cs, at, ats = state.args.oauth.split(":")
            h = self.headers.get("Authorization", "")
            if not h.startswith("OAuth "):
                return False
            from urllib.parse import quote, unquote
            params = {}
            for part in h[6:].split(","):
                k, _, v = part.strip().partition("=")
                params[unquote(k)] = unquote(v.strip('"'))
            sig = params.pop("oauth_signature", "")
            if params.get("oauth_consumer_key") != ck or params.get("oauth_token") != at:
                return False
            if params.get("oauth_signature_method") != "HMAC-SHA1" or abs(int(params.get("oauth_timestamp", "0")) - time.time()) > 300:
                return False
            enc = lambda x: quote(x, safe="-._~")  # noqa: E731
            param_string = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(params.items()))
            base = "&".join(["POST", enc(state.base_url + "/2/tweets"), enc(param_string)])
            key = f"{enc(cs)}&{enc(ats)}".encode()
            want = base64.b64encode(hmac.new(key, base.encode(), hashlib.sha1).digest()).decode()
            return hmac.compare_digest(want, sig)

        def post_tweet(self, body):
            # Called with state.lock held.
            state.reply_attempts += 1
            if not self.oauth_ok():
                state.reply_bad_auth += 1
                return self.send_json(401, problem(401, "Unauthorized"))
            if state.reply_faults:
                f = state.reply_faults.pop(0)
                st = int(f.get("status", 503))
                if f.get("duplicate"):
                    return self.send_json(403, {"detail": "You are not allowed to create a Tweet with duplicate content.",
                                                "type": "about:blank", "title": "Forbidden", "status": 403})
                return self.send_json(st, problem(st, "Service Unavailable" if st == 503 else "Error"))
            text = (body or {}).get("text", "")
            to = ((body or {}).get("reply") or {}).get("in_reply_to_tweet_id")
            if any(r["text"] == text for r in state.replies):
                return self.send_json(403, {"detail": "You are not allowed to create a Tweet with duplicate content.",
                                            "type": "about:blank", "title": "Forbidden", "status": 403})
            new_id = str(3000000000000000000 + len(state.replies))
            state.replies.append({"id": new_id, "text": text, "in_reply_to_tweet_id": to})
            self.send_json(201, {"data": {"id": new_id, "text": text, "edit_history_tweet_ids": [new_id]}})

        def do_GET(self):
            path, _, query = self.path.partition("?")
            if path == "/control/state":
                with state.lock:
                    items = state.mentions.items
                    return self.send_json(200, {
                        "expected": [m[0]["id"] for m in items if m[2]],
                        "all": [m[0]["id"] for m in items],
                        "requests": state.requests, "pages": state.pages, "connections": len(state.connections),
                        "faults_left": len(state.faults), "bad_auth": state.bad_auth, "media": state.media,
                        "replies": state.replies, "reply_attempts": state.reply_attempts,
                        "reply_bad_auth": state.reply_bad_auth, "reply_faults_left": len(state.reply_faults)})
            if path.startswith("/media/"):
                with state.lock:
                    state.media += 1
                key = path[len("/media/"):].removesuffix(".jpg")
                if key.startswith("gone-"):
                    return self.send_json(404, problem(404, "Not Found"))
                body = JPEG + key.encode()
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            parts = path.split("/")
            if len(parts) == 5 and parts[1] == "2" and parts[2] == "users" and parts[4] == "mentions":
                return self.mentions(parts[3], query)
            self.send_json(404, problem(404, "Not Found"))

        def mentions(self, user_id, query):
            params = {}
            for kv in query.split("&"):
                k, _, v = kv.partition("=")
                params[k] = urllib_unquote(v)
            auth = self.headers.get("Authorization", "")
            with state.lock:
                state.requests += 1
                state.connections.add(self.client_address)
                good_auth = state.auth_ok and auth == f"Bearer {state.args.token}"
                if not good_auth:
                    state.bad_auth += 1
                paged = bool(params.get("pagination_token"))
                fault = state.take_fault(paged) if good_auth else None
            headers = self.rate_headers()
            with state.lock:
                if state.log:
                    state.log.write(json.dumps({"ts": time.time(), "since_id": params.get("since_id"),
                                                "pagination_token": params.get("pagination_token"),
                                                "fault": fault, "auth": good_auth,
                                                "remaining": int(headers["x-rate-limit-remaining"]),
                                                "reset": int(headers["x-rate-limit-reset"])}) + "\n")
                    state.log.flush()
            if state.args.page_delay > 0:
                time.sleep(state.args.page_delay)
            if not good_auth:
                return self.send_json(401, problem(401, "Unauthorized"), headers)
            if fault:
                if "delay" in fault:
                    time.sleep(float(fault["delay"]))
                if fault.get("status") == 429:
                    reset = int(time.time() + float(fault.get("reset_in", 2)))
                    headers.update({"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)})
                    return self.send_json(429, problem(429, "Too Many Requests"), headers)
                if fault.get("status"):
                    st = int(fault["status"])
                    titles = {401: "Unauthorized", 403: "Forbidden", 500: "Internal Server Error",
                              502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
                    return self.send_json(st, problem(st, titles.get(st, "Error")), headers)
            if user_id != state.args.user_id:
                return self.send_json(404, problem(404, "Not Found Error"), headers)
            try:
                max_results = int(params.get("max_results", "10"))
            except ValueError:
                max_results = 0
            if not 5 <= max_results <= 100:
                return self.send_json(400, {"errors": [{"parameters": {"max_results": [str(max_results)]},
                                                        "message": "not between 5 and 100"}],
                                            "title": "Invalid Request", "detail": "One or more parameters to your request was invalid.",
                                            "type": "https://api.twitter.com/2/problems/invalid-request"}, headers)
            since_id = int(params["since_id"]) if params.get("since_id") else 0
            until_id = None
            if params.get("pagination_token"):
                tok = decode_token(params["pagination_token"])
                if not tok or tok[0] != since_id:
                    return self.send_json(400, {"title": "Invalid Request", "detail": "invalid pagination_token",
                                                "type": "https://api.twitter.com/2/problems/invalid-request"}, headers)
                until_id = tok[1]
            with state.lock:
                items, more = state.mentions.page(since_id, until_id, max_results)
                state.pages += 1
            doc = {"meta": {"result_count": len(items)}}
            if items:
                doc["data"] = [m[0] for m in items]
                inc = {}
                for m in items:
                    for k, vs in m[1].items():
                        have = inc.setdefault(k, [])
                        for v in vs:
                            if v not in have:
                                have.append(v)
                doc["includes"] = inc
                errors = [e for m in items for e in m[3]]
                if errors:
                    doc["errors"] = errors
                doc["meta"].update({"newest_id": items[0][0]["id"], "oldest_id": items[-1][0]["id"]})
                if more:
                    doc["meta"]["next_token"] = encode_token(since_id, int(items[-1][0]["id"]))
            body = json.dumps(doc).encode()
            if fault and fault.get("malformed"):
                return self.send_json(200, None, headers, raw=body[: len(body) // 2])  # complete answer, broken JSON
            if fault and fault.get("truncate"):
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.send_json(200, doc, headers)

    return Handler


def urllib_unquote(s):
    from urllib.parse import unquote
    return unquote(s)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--user-id", default=OUR_ID)
    ap.add_argument("--mentions", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--log")
    ap.add_argument("--oauth", help="consumer_key:consumer_secret:access_token:access_token_secret for POST /2/tweets")
    ap.add_argument("--page-delay", type=float, default=0.0, help="seconds before answering each mentions request")
    args = ap.parse_args()
    state = State(args)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(state))
    server.daemon_threads = True
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    state.mentions.add(args.mentions, state.base_url)

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, args.port_file)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
