"""Crash safety under fire (issue 7 §1): every channel at once, kill -9 at random moments.

Channels at once: an SMPP transceiver bind (submit_sm), a second one handing over long SMS
part by part (3 parts, stop-and-wait, pauses between parts so kills fall between them), the
signed mobile API, the web form (nonce per form, reposted on retry), the admin test channel,
and the Twitter poller against a fake X API that gains mentions between kills.

Senders run on their own threads and keep their own logs of what the daemon acknowledged
(a key of theirs -> the tracking ID they were given). The daemon is SIGKILLed at random
moments, restarted on the same data_dir (new ephemeral ports each time), and the senders
follow it. A sender whose request had no answer (connection cut by the kill) retries it with
the same idempotency identity once the daemon is back, as real clients do. At the end the
daemon drains to a fake dispatcher and the senders' logs are checked against what arrived:

  acked:   submissions a sender was told were stored (2xx / SMPP status 0)
  lost:    acked submissions that never reached the dispatcher under their tracking ID
  doubled: submissions (by the sender's own key, carried in the text) that reached the
           dispatcher under two different tracking IDs
For Twitter the sender's log is the fake API's list of mentions that are complaints: each
must arrive once, under one tracking ID. A long SMS counts as acked when all its parts were;
it must arrive once, whole and not flagged incomplete, also when a kill fell between its
parts (the parts after the restart complete the same message); the counts wait past the
reassembly timeout, so a part that started a second message would be seen.

Prints `acked N, lost 0, doubled 0` and exits 0 only then.

Usage: chaos.py PATH/TO/lapor-gateway [--kills N] [--seed S] [--min-run S] [--max-run S]
Long mode by hand: chaos.py build/lapor-gateway --kills 300
"""
import argparse
import http.client
import json
import os
import random
import re
import signal
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from lapor_harness import Daemon, FakeDispatcher, TempDir, gateway_bin, wait_until  # noqa: E402
from web_client import sign  # noqa: E402
from smpp_support import (BIND_TRANSCEIVER, ESME_RTHROTTLED, RESP, SUBMIT_SM, RawSmpp, long_sms_parts,  # noqa: E402
                          sm_body)
from twitter_harness import FakeTwitter  # noqa: E402

from senders import ROADS, TEMPLATES, ChaosLog, Sender  # noqa: E402

MARK = re.compile(r"\[chaos:([a-z]+-\d+-\d+)\]")
API_KEY_ID, API_SECRET = "chaos-app", "chaos-secret-0123456789"


class LiveDaemon:
    """The current daemon process and its ports; senders wait here across restarts."""

    def __init__(self):
        self.cond = threading.Condition()
        self.ports = None
        self.generation = 0

    def up(self, ports):
        with self.cond:
            self.ports = ports
            self.generation += 1
            self.cond.notify_all()

    def down(self):
        with self.cond:
            self.ports = None

    def wait_ports(self, stop, after_generation=0):
        with self.cond:
            while (self.ports is None or self.generation <= after_generation) and not stop.is_set():
                self.cond.wait(0.1)
            return self.ports, self.generation


class HttpSender(Sender):
    """A client of one HTTP route with a kept-alive connection that follows restarts."""

    listener = "web"

    def __init__(self, name, live, log, stop, rnd):
        super().__init__(name, log, stop, rnd)
        self.live = live
        self.conn = None
        self.generation = 0

    def connect(self):
        ports, self.generation = self.live.wait_ports(self.stop)
        if ports is None:
            return False
        self.conn = http.client.HTTPConnection("127.0.0.1", ports[self.listener], timeout=5)
        return True

    def exchange(self, method, path, body, headers):
        if self.conn is None and not self.connect():
            return None
        try:
            self.conn.request(method, path, body=body, headers=headers)
            r = self.conn.getresponse()
            return r.status, r.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            # Wait for the next daemon before trying again: the old one is being killed.
            self.live.wait_ports(self.stop, self.generation)
            return None


class TestChannelSender(HttpSender):
    listener = "admin"

    def attempt(self, key, text, retry_state):
        body = json.dumps({"title": "Laporan uji", "body": text, "reporter": {"phone": self.phone(key)}}).encode()
        got = self.exchange("POST", "/admin/test/submit", body,
                            {"Content-Type": "application/json", "Idempotency-Key": key})
        return self.http_outcome(got), retry_state


class MobileSender(HttpSender):
    def attempt(self, key, text, retry_state):
        body = json.dumps({"title": "Jalan rusak", "body": text, "kind": "complaint",
                           "reporter": {"phone": self.phone(key)}, "device_id": self.name}).encode()
        path = "/api/v1/reports"
        ts, sig = sign(API_SECRET, "POST", path, body)
        got = self.exchange("POST", path, body, {
            "Content-Type": "application/json", "Idempotency-Key": key,
            "Authorization": f"LAPOR-HMAC-SHA256 key_id={API_KEY_ID}, ts={ts}, sig={sig}"})
        return self.http_outcome(got), retry_state


class WebFormSender(HttpSender):
    """A browser-like client: fetches the form for its nonce, posts it; a retry re-posts the
    same nonce (what a reload of the POST does)."""

    NONCE = re.compile(rb'name="nonce" value="([^"]+)"')

    def attempt(self, key, text, retry_state):
        nonce = retry_state
        if nonce is None:
            got = self.exchange("GET", "/", None, {})
            if got is None or got[0] != 200:
                return ("uncertain", None), None
            m = self.NONCE.search(got[1])
            assert m, "the form has no nonce"
            nonce = m.group(1).decode()
        form = urllib.parse.urlencode({"title": "Lampu jalan mati", "body": text, "kind": "complaint",
                                       "phone": self.phone(key), "nonce": nonce}).encode()
        got = self.exchange("POST", "/lapor", form, {"Content-Type": "application/x-www-form-urlencoded",
                                                     "Accept": "application/json"})
        return self.http_outcome(got), nonce


class SmppSender(Sender):
    """An operator's SMSC bound as transceiver, handing over citizens' MO as submit_sm (Latin-1,
    so the marker's brackets survive). A retry after a cut connection resends the same source
    and text, which the daemon must recognise as a redelivery."""

    def __init__(self, name, live, log, stop, rnd):
        super().__init__(name, log, stop, rnd)
        self.live = live
        self.link = None
        self.generation = 0

    def connect(self):
        ports, self.generation = self.live.wait_ports(self.stop)
        if ports is None:
            return False
        try:
            self.link = RawSmpp(ports["smpp"], timeout=5)
            if self.link.bind(SMPP_SYSTEM_ID, SMPP_PASSWORD, BIND_TRANSCEIVER) == 0:
                return True
        except (OSError, AssertionError):
            pass
        self.drop()
        return False

    def drop(self):
        if self.link:
            self.link.close()
        self.link = None
        self.live.wait_ports(self.stop, self.generation)

    def attempt(self, key, text, retry_state):
        if self.link is None and not self.connect():
            return ("uncertain", None), None
        try:
            src = "62" + self.phone(key)[1:]
            seq = self.link.send(SUBMIT_SM, sm_body(src, "1708", text.encode("latin-1"), data_coding=3))
            _, status, _, body = self.link.expect(SUBMIT_SM | RESP, seq, timeout=5)
        except (OSError, AssertionError):
            self.drop()
            return ("uncertain", None), None
        if status == 0:
            return ("acked", body.split(b"\0", 1)[0].decode()), None
        if status == ESME_RTHROTTLED:
            return ("refused", None), None
        return ("error", f"submit_sm_resp status 0x{status:x}"), None


class LongSmsProgress:
    """How far one long SMS got: its parts, the next one to send, and the daemon processes
    (generations) that acknowledged its parts."""

    def __init__(self, parts):
        self.parts, self.next, self.generations = parts, 0, set()


class LongSmsSender(SmppSender):
    """An operator's SMSC handing over citizens' long SMS (3 parts, UDH IEI 0x00, Latin-1) part
    by part: stop-and-wait, with a pause between parts (a slow SMSC, a handset's parts arriving
    apart), so kills fall between parts. A message counts as acknowledged when every part got
    status 0. A part left without an answer by a kill is sent again, same bytes, to the next
    daemon and the rest follow: the parts acknowledged before the kill are durable (SPEC §7),
    so the daemon must complete the same message, once. A message begun is finished after
    stop (bounded), so none is left to the reassembly timeout."""

    ACKED = "long-sms"  # the log's value for an acknowledged long SMS: its parts' resps carry no ID

    def __init__(self, name, live, log, stop, rnd):
        super().__init__(name, live, log, stop, rnd)
        self.texts = {}         # key -> the whole text, to compare with what arrives
        self.straddled = 0      # acknowledged messages whose parts two daemon processes acked
        self.last_part_at = 0.0
        self.finish_by = None

    def text(self, key):
        marker = f" [chaos:{key}]"
        sentences = []
        while True:
            s = self.rnd.choice(TEMPLATES).format(road=self.rnd.choice(ROADS), n=self.rnd.randint(1, 99),
                                                  m=self.rnd.randint(2, 11))
            if len(". ".join(sentences + [s])) + len(marker) > 440:
                break
            sentences.append(s)
        self.texts[key] = ". ".join(sentences) + marker
        return self.texts[key]

    def keep_trying(self, progress):
        if not self.stop.is_set():
            return True
        if progress is None or progress.next == 0:
            return False
        self.finish_by = self.finish_by or time.time() + 15
        return time.time() < self.finish_by

    def attempt(self, key, text, progress):
        if progress is None:
            progress = LongSmsProgress(long_sms_parts(text, int(key.rsplit("-", 1)[1])))
            assert len(progress.parts) == 3, (len(text), len(progress.parts))
        src = "62" + self.phone(key)[1:]
        while progress.next < len(progress.parts):
            if self.link is None and not self.connect():
                return ("uncertain", None), progress
            if progress.next > 0 and not self.stop.is_set():
                time.sleep(self.rnd.uniform(0.03, 0.15))
            part = progress.parts[progress.next]
            try:
                self.last_part_at = time.time()
                seq = self.link.send(SUBMIT_SM, sm_body(src, "1708", part, data_coding=3, esm_class=0x40))
                _, status, _, _ = self.link.expect(SUBMIT_SM | RESP, seq, timeout=5)
            except (OSError, AssertionError):
                self.drop()
                return ("uncertain", None), progress
            if status == ESME_RTHROTTLED:
                return ("refused", None), progress
            if status != 0:
                return ("error", f"part {progress.next + 1}: submit_sm_resp status 0x{status:x}"), progress
            progress.generations.add(self.generation)
            progress.next += 1
        if len(progress.generations) > 1:
            self.straddled += 1
        return ("acked", self.ACKED), progress


SENDER_KINDS = {"test": TestChannelSender, "mobile": MobileSender, "web": WebFormSender, "smpp": SmppSender,
                "smpplong": LongSmsSender}
# Parts of a long SMS wait this long for the rest; the checks wait past it at the end, so a
# copy of a part that wrongly started a message of its own shows up as doubled.
REASSEMBLY_TIMEOUT_S = 20
SMPP_SYSTEM_ID, SMPP_PASSWORD = "chaos", "chaospw"


def delivered_docs(dispatcher):
    """{sender key: [complaint documents]} of every document the dispatcher accepted."""
    out = {}
    for doc in dispatcher.accepted_documents():
        if doc.get("schema") != "lapor.complaint/v1":
            continue
        m = MARK.search(doc.get("body", ""))
        if m:
            out.setdefault(m.group(1), []).append(doc)
    return out


def delivered(dispatcher):
    """{sender key: {tracking IDs}} from every document the dispatcher accepted."""
    return {k: {d["tracking_id"] for d in docs} for k, docs in delivered_docs(dispatcher).items()}


def long_sms_faults(dispatcher, acked, senders):
    """Acknowledged long SMS that did not arrive as one whole message: [(key, what)]."""
    texts = {k: t for s in senders if isinstance(s, LongSmsSender) for k, t in s.texts.items()}
    docs = delivered_docs(dispatcher)
    faults = []
    for key, tid in acked.items():
        if tid != LongSmsSender.ACKED:
            continue
        # One complaint (the forwarder may deliver it twice after a kill: at least once, same ID).
        got = list({d["tracking_id"]: d for d in docs.get(key, [])}.values())
        if len(got) != 1:
            faults.append((key, f"{len(got)} complaints"))
        elif got[0]["body"] != texts[key] or got[0].get("incomplete"):
            faults.append((key, f"body {got[0]['body'][:60]!r}… incomplete={got[0].get('incomplete', False)}"))
    return faults


def delivered_mentions(dispatcher):
    """{tweet id: {tracking IDs}} of the twitter complaints the dispatcher accepted."""
    out = {}
    for doc in dispatcher.accepted_documents():
        if doc.get("schema") == "lapor.complaint/v1" and doc.get("channel") == "twitter":
            out.setdefault(doc["channel_ref"]["tweet_id"], set()).add(doc["tracking_id"])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin", nargs="?")
    ap.add_argument("--kills", type=int, default=int(os.environ.get("LAPOR_CHAOS_KILLS", "30")))
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--min-run", type=float, default=0.3)
    ap.add_argument("--max-run", type=float, default=1.5)
    ap.add_argument("--per-kind", type=int, default=2, help="senders of each kind")
    ap.add_argument("--time-limit", type=int, default=540)
    args = ap.parse_args()
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(SystemExit(f"chaos: exceeded {args.time_limit}s")))
    signal.alarm(args.time_limit)
    rnd = random.Random(args.seed)
    print(f"chaos: seed {args.seed}, {args.kills} kills, senders {sorted(SENDER_KINDS)} x {args.per_kind}", flush=True)

    tmp = TempDir("lapor-chaos-")
    dispatcher = FakeDispatcher(tmp.path, "--flaky", "0.03", "--seed", str(args.seed))
    twitter = FakeTwitter(tmp.path, "--mentions", "60", "--page-delay", "0.02", "--seed", str(args.seed))
    live, stop, log = LiveDaemon(), threading.Event(), ChaosLog()
    senders, daemon = [], None
    sets = [f"mobile.api_keys=[{{key_id=\"{API_KEY_ID}\", secret=\"{API_SECRET}\"}}]",
            f"smpp.accounts=[{{system_id=\"{SMPP_SYSTEM_ID}\", password=\"{SMPP_PASSWORD}\", operator=\"telkomsel\", "
            f"allowed_cidrs=[\"127.0.0.0/8\"]}}]",
            "web.rate_limit_per_minute=0", "dispatcher.backoff_initial_ms=50", "dispatcher.backoff_max_ms=1000",
            f"smpp.reassembly_timeout_s={REASSEMBLY_TIMEOUT_S}"]
    try:
        dispatcher.start()
        twitter.start()
        sets.append(f"dispatcher.url={dispatcher.url}")
        sets += twitter.daemon_sets(twitter__poll_interval_ms=100, twitter__reconcile_window_ms=0)
        data_dir = os.path.join(tmp.path, "data")

        def start_daemon():
            d = Daemon(data_dir, sets, bin_path=gateway_bin())
            d.start()
            live.up(d.ports)
            return d
        daemon = start_daemon()
        for kind, cls in sorted(SENDER_KINDS.items()):
            for i in range(args.per_kind):
                s = cls(f"{kind}-{i}", live, log, stop, random.Random(rnd.random()))
                senders.append(s)
                s.start()

        for k in range(args.kills):
            time.sleep(rnd.uniform(args.min_run, args.max_run))
            live.down()
            daemon.kill9()
            twitter.control("/control/add", {"n": rnd.randrange(0, 8)})
            daemon = start_daemon()
            if (k + 1) % 10 == 0:
                print(f"  {k + 1} kills, {log.acked_count()} acked so far", flush=True)
        time.sleep(1.0)
        stop.set()
        for s in senders:
            s.join(30)
        assert all(not s.is_alive() for s in senders), "a sender did not stop"
        errors = [e for s in senders for e in s.errors]
        assert not errors, f"unexpected answers: {errors[:5]}"

        acked = log.acked()
        per_kind = {}
        for key in acked:
            per_kind[key.split("-")[0]] = per_kind.get(key.split("-")[0], 0) + 1
        assert all(per_kind.get(kind, 0) > 0 for kind in SENDER_KINDS), f"every channel acknowledged something: {per_kind}"

        def lost_keys():
            got = delivered(dispatcher)
            # A long SMS's parts are answered without an ID: any one tracking ID will do.
            return [k for k, tid in acked.items()
                    if not (got.get(k) if tid == LongSmsSender.ACKED else tid in got.get(k, set()))]
        try:
            wait_until(lambda: not lost_keys(), 120, interval=0.5, what="every acknowledged submission at the dispatcher")
        except AssertionError:
            pass  # reported below with the numbers
        # Mentions: the fake API's own list of complaint mentions against what arrived.
        expected_mentions = set(twitter.state()["expected"])
        try:
            wait_until(lambda: expected_mentions <= set(delivered_mentions(dispatcher)), 120, interval=0.5,
                       what="every mention at the dispatcher")
        except AssertionError:
            pass  # reported below with the numbers
        # A part copy that wrongly started a message of its own is stored after the reassembly
        # timeout: wait past it before counting documents.
        last_part = max((s.last_part_at for s in senders if isinstance(s, LongSmsSender)), default=0)
        time.sleep(max(0.0, last_part + REASSEMBLY_TIMEOUT_S + 3 - time.time()))
        mentions = delivered_mentions(dispatcher)
        lost_mentions = expected_mentions - set(mentions)
        doubled_mentions = {t: ids for t, ids in mentions.items() if len(ids) > 1}
        print(f"mentions: {len(expected_mentions)} expected, lost {len(lost_mentions)}, doubled {len(doubled_mentions)}")

        got = delivered(dispatcher)
        lost = lost_keys()
        doubled = {k: tids for k, tids in got.items() if len(tids) > 1}
        mismatched = {k: (acked[k], got[k]) for k in acked
                      if k in got and acked[k] != LongSmsSender.ACKED and acked[k] not in got[k]}
        long_faults = long_sms_faults(dispatcher, acked, senders)
        straddled = sum(s.straddled for s in senders if isinstance(s, LongSmsSender))
        print(f"long SMS: {per_kind.get('smpplong', 0)} acked, {straddled} with parts acked by two daemon processes, "
              f"{len(long_faults)} not stored whole once", flush=True)
        per_kind["twitter"] = len(expected_mentions)
        print(f"per channel acked (twitter: mentions behind the saved cursor): {per_kind}; "
              f"retried after a cut connection: {log.retried_count()}")
        print(f"acked {len(acked) + len(expected_mentions)}, lost {len(lost) + len(lost_mentions)}, "
              f"doubled {len(doubled) + len(doubled_mentions)}", flush=True)
        assert not lost, f"lost: {lost[:10]}"
        assert not doubled, f"doubled: {list(doubled.items())[:5]}"
        assert not lost_mentions, f"lost mentions: {sorted(lost_mentions)[:10]}"
        assert not doubled_mentions, f"mentions under two tracking IDs: {list(doubled_mentions.items())[:5]}"
        assert not mismatched, f"acknowledged under another ID: {list(mismatched.items())[:5]}"
        assert not long_faults, f"long SMS not stored whole once: {long_faults[:5]}"
        # Else no kill fell between parts, and the long senders did not test what they are for.
        assert straddled > 0 or args.kills < 10, "no long SMS straddled a kill"
        assert daemon.stop() == 0
        print("PASS chaos")
    finally:
        stop.set()
        if daemon:
            daemon.kill9()
        dispatcher.stop()
        twitter.stop()
        tmp.cleanup()


if __name__ == "__main__":
    main()
