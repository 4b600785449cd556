"""Shared pieces of the cluster tests (SPEC §9, issue 14): gateway nodes on one PostgreSQL
(tests/support/pg_cluster.py), clients that fail over between nodes the way operators and apps
do, and the ledger that proves "acked N, lost 0, doubled 0". Python 3 standard library only.

The contract the nodes are started with (store backend written against it):
  store.backend = "postgres", store.postgres.conninfo = libpq string,
  tracking.node_id = 1..3 (one per node), tracking.key = the same 32 hex digits on every node,
  cluster.lease_ttl_s = 3 (node lease, Twitter poller lease, outbox claims of a dead node),
  cluster.claim_poll_ms.
A refusal is HTTP 503 + Retry-After, SMPP ESME_RTHROTTLED (0x58) on submit_sm or ESME_RX_T_APPN
(0x64) on deliver_sm; the sender retries at another node with the same Idempotency-Key / the same
SMS (a redelivery) and must get the first tracking ID.

LAPOR_CLUSTER_SQLITE=1 starts the nodes without the store.*/cluster.* keys (each node on its own
SQLite, nothing shared): a check of the tests' own wiring on a build without the PostgreSQL
backend. The tests must then fail, and say why (doubled, merges differing, no lease holder, ...).
"""
import http.client
import json
import os
import random
import re
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from lapor_harness import Daemon, FakeDispatcher, gateway_bin, log_events, wait_until  # noqa: E402
from pg_cluster import PgCluster, PgError  # noqa: E402,F401 -- the tests import them from here
from smpp_support import (BIND_TRANSCEIVER, DELIVER_SM, ESME_ROK, ESME_RTHROTTLED, RESP, SUBMIT_SM, RawSmpp,  # noqa: E402
                          sm_body, write_config)
from web_client import sign  # noqa: E402

TRACKING_KEY = "5f1c0e9a7b3d42e8a6c4b2d0f8e6a4c2"
OTHER_KEY = "00112233445566778899aabbccddeeff"
APP_KEY_ID, APP_SECRET = "app1", "app1-secret"
MOBILE_KEYS = f'[{{key_id="{APP_KEY_ID}", secret="{APP_SECRET}"}}]'
LEASE_TTL_S = 3
ESME_RX_T_APPN = 0x64
MARKER = re.compile(r"\(k:([A-Za-z0-9.-]+)\)")  # GSM 7-bit has parentheses, not brackets


class NoBackend(AssertionError):
    """This build refuses store.backend=postgres: the cluster tests cannot run yet."""


def no_backend_in(log_text):
    """The daemon's configuration error for the cluster keys of a build without the backend."""
    return re.search(r"config key '(store\.backend|store\.postgres[a-z_.]*|cluster[a-z_.]*)': unknown config key",
                     log_text) is not None or re.search(r"store\.backend[^\n]*(unknown|unsupported|not supported)",
                                                        log_text) is not None


def cluster_main(main):
    """Runs a cluster test's main(): a build without the backend fails in one clear line."""
    try:
        rc = main()
    except NoBackend as e:
        print(f"FAIL: {e}", flush=True)
        sys.exit(1)
    sys.exit(rc or 0)


class Cluster:
    """Gateway nodes 1..n on one PostgreSQL, each with its own data_dir, node_id and ports, the
    same tracking.key, the same SMPP account, mobile API key and dispatcher."""

    def __init__(self, tmp, pg, dispatcher=None, multi_host=False, conninfo=None, extra_sets=(), log=print):
        self.tmp = tmp
        self.pg = pg
        self.dispatcher = dispatcher
        self.multi_host = multi_host
        self.conninfo_override = conninfo
        self.extra_sets = list(extra_sets)
        self.log = log
        self.nodes = {}  # index -> Daemon (the latest process of that node)
        self.starts = {}  # index -> how many times it was started
        self.config = write_config(os.path.join(tmp, "smpp.toml"))
        self.lock = threading.Lock()

    def conninfo(self):
        if self.conninfo_override:
            return self.conninfo_override
        return self.pg.conninfo_multi() if self.multi_host else self.pg.conninfo()

    def sets(self, node_id, key=TRACKING_KEY, extra=()):
        s = [] if os.environ.get("LAPOR_CLUSTER_SQLITE") else [
            "store.backend=postgres", f"store.postgres.conninfo={json.dumps(self.conninfo())}",
            f"cluster.lease_ttl_s={LEASE_TTL_S}", "cluster.claim_poll_ms=200"]
        s += [f"tracking.node_id={node_id}", f"tracking.key={json.dumps(key)}",
              f"mobile.api_keys={MOBILE_KEYS}", "web.rate_limit_per_minute=0"]
        if self.dispatcher:
            s += [f"dispatcher.url={self.dispatcher.url}", "dispatcher.backoff_initial_ms=50",
                  "dispatcher.backoff_max_ms=1000"]
        return s + self.extra_sets + list(extra)

    def daemon(self, i, node_id=None, key=TRACKING_KEY, extra=(), data_dir=None):
        """A Daemon for node i (not started); its log is data_dir/daemon-<start number>.log."""
        n = self.starts.get(i, 0) + 1
        self.starts[i] = n
        d = Daemon(data_dir or os.path.join(self.tmp, f"node{i}"), self.sets(i if node_id is None else node_id, key, extra),
                   config_file=self.config, bin_path=gateway_bin(), log_name=f"daemon-{n}.log")
        d.die_with_parent = threading.current_thread() is threading.main_thread()
        return d

    def start(self, i, timeout=30, **kw):
        d = self.daemon(i, **kw)
        try:
            d.start(timeout)
        except AssertionError as e:
            d.kill9()
            if no_backend_in(d.tail_log(80)):
                raise NoBackend(f"node {i}: this lapor-gateway rejects store.backend=postgres / cluster.* "
                                f"(no PostgreSQL backend in this build):\n{d.tail_log(10)}") from e
            raise
        with self.lock:
            self.nodes[i] = d
        self.log(f"node {i} up: node_id {kw.get('node_id', i)}, ports {d.ports}", flush=True)
        return d

    def start_all(self, n=3, **kw):
        for i in range(1, n + 1):
            self.start(i, **kw)
        return [self.nodes[i] for i in range(1, n + 1)]

    def restart(self, i, deadline_s=LEASE_TTL_S + 20, **kw):
        """Starts node i again after a kill -9, retrying while its own node lease has not
        expired yet (a node that exits with node_id_in_use then is told again, as systemd would)."""
        deadline = time.time() + deadline_s
        while True:
            try:
                return self.start(i, **kw)
            except NoBackend:
                raise
            except AssertionError:
                last = self.daemon_log_events(i)
                if time.time() > deadline or not any(e.get("event") == "node_id_in_use" for e in last):
                    raise
                time.sleep(0.5)

    def daemon_log_events(self, i):
        return log_events(os.path.join(self.tmp, f"node{i}", f"daemon-{self.starts.get(i, 0)}.log"))

    def live(self):
        """[(index, Daemon)] of the nodes running now, ports known."""
        with self.lock:
            return [(i, d) for i, d in sorted(self.nodes.items()) if d.running() and d.ports]

    def check_running(self, when):
        """Fails naming every node that exited, with its exit code and last error events."""
        dead = []
        for i, d in sorted(self.nodes.items()):
            if d.proc is not None and not d.running():
                errs = [f"{e.get('event')}: {(e.get('what') or e.get('error') or '').partition(chr(10))[0][:160]}"
                        for e in d.events() if e.get("level") in ("error", "warn")][-3:]
                dead.append(f"node {i} exited with {d.proc.returncode} {errs}")
        if dead:
            raise AssertionError(f"{when}: " + "; ".join(dead))

    def kill9(self, i):
        with self.lock:
            d = self.nodes.get(i)
        t = time.time()
        if d:
            d.kill9()
        return t

    def stop_all(self):
        rcs = {}
        for i, d in list(self.nodes.items()):
            rcs[i] = d.stop() if d.running() else None
        return rcs

    def kill_all(self):
        for d in self.nodes.values():
            d.kill9()

    def tails(self, n=25):
        out = []
        for i, d in sorted(self.nodes.items()):
            out.append(f"--- node {i} ({d.log_path}) ---\n{d.tail_log(n)}")
        return "\n".join(out)


def stop_rig(tmp, pg=None, dispatcher=None, cluster=None, kill=True):
    """Stops what a cluster test started: the nodes (kill -9, or SIGTERM with kill=False),
    then the dispatcher, then PostgreSQL, and removes the test's folder. Each may be None
    (not started yet)."""
    if cluster:
        if kill:
            cluster.kill_all()
        else:
            cluster.stop_all()
    if dispatcher:
        dispatcher.stop()
    if pg:
        pg.stop()
    tmp.cleanup()


def restart_dispatcher(old, timeout=10):
    """The fake dispatcher again on its old port (the nodes' dispatcher.url), appending to the
    same log, after old.stop()."""
    old.stop()
    if os.path.exists(old.port_file):
        os.unlink(old.port_file)
    deadline = time.time() + timeout
    while True:
        d = FakeDispatcher(old.workdir, *(old.args + ["--port", str(old.port)]))
        try:
            return d.start()
        except AssertionError:
            d.stop()
            if time.time() > deadline:
                raise
            time.sleep(0.2)


# ---- the ledger -------------------------------------------------------------------------

class Ledger:
    """What the clients were told. acked: key -> tracking ID; pending: key -> item whose outcome
    is unknown or that was refused everywhere (retried at the end); changed: a retry answered with
    another tracking ID than the first ack; events: (t_sent, t_done, outcome, node, channel)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.acked = {}
        self.items = {}
        self.pending = {}
        self.changed = []
        self.events = []
        self.attempts = {}  # key -> attempts until acked
        self.acked_by = {}  # key -> the node that acknowledged it first

    def record(self, item, t_sent, outcome, node, tid=None):
        with self.lock:
            self.events.append((t_sent, time.time(), outcome, node, item["channel"]))
            self.items[item["key"]] = item
            self.attempts[item["key"]] = self.attempts.get(item["key"], 0) + 1
            if outcome == "ok":
                self.acked_by.setdefault(item["key"], node)
                first = self.acked.setdefault(item["key"], tid)
                if first != tid:
                    self.changed.append((item["key"], first, tid))
                self.pending.pop(item["key"], None)
            elif item["key"] not in self.acked:
                self.pending[item["key"]] = item

    def counts(self):
        with self.lock:
            c = {}
            for e in self.events:
                c[e[2]] = c.get(e[2], 0) + 1
            return c

    def first(self, outcome, after, sent_after=None):
        with self.lock:
            ts = [e[1] for e in self.events if e[2] == outcome and e[1] >= after and
                  (sent_after is None or e[0] >= sent_after)]
        return min(ts) if ts else None


# ---- clients ----------------------------------------------------------------------------

# Every submission has its own reporter (a unique phone from the thread and its counter), so
# no two of them are cross-channel duplicates of each other; the key is in the text as (k:KEY).

def mobile_item(key, uid, rng):
    street = rng.choice(["Merdeka", "Sudirman", "Ahmad Yani", "Diponegoro", "Gatot Subroto", "Pemuda"])
    return {"channel": "mobile", "key": key,
            "body": {"title": f"Jalan rusak {uid % 1000}", "kind": "complaint", "device_id": f"dev-{key}",
                     "body": f"Jalan {street} nomor {uid % 1000} berlubang besar, mohon segera diperbaiki (k:{key})",
                     "reporter": {"phone": f"+62857{uid:08d}"}}}


def admin_item(key, uid, rng):
    what = rng.choice(["Lampu jalan mati", "Sampah menumpuk", "Saluran air tersumbat", "Trotoar rusak"])
    return {"channel": "test", "key": key,
            "body": {"title": what, "kind": "complaint",
                     "body": f"{what} di RT {uid % 20} RW {uid % 7} sejak minggu lalu (k:{key})",
                     "reporter": {"phone": f"+62858{uid:08d}"}}}


def sms_item(key, uid, rng):
    """An MO, every other one as deliver_sm (whose resp carries no tracking ID) instead of
    submit_sm (whose resp's message_id is the tracking ID)."""
    what = rng.choice(["Jln rusak", "Lampu PJU mati", "Air PDAM mati", "Got mampet"])
    return {"channel": "sms", "key": key, "src": f"62813{uid:08d}", "cmd": "deliver_sm" if uid % 2 else "submit_sm",
            "text": f"{what} di desa {uid % 50} sdh 3 hari (k:{key})"}


class HttpSender:
    """Sends one item (mobile API or the admin test channel) to one node on a kept-alive
    connection. Outcome: ("ok", tid), ("refused", status) or ("unknown", why)."""

    def __init__(self, timeout=10):
        self.timeout = timeout
        self.conns = {}  # (node, port) -> HTTPConnection

    def _conn(self, node, port):
        c = self.conns.get((node, port))
        if c is None:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=self.timeout)
            self.conns[(node, port)] = c
        return c

    def drop(self, node, port):
        c = self.conns.pop((node, port), None)
        if c:
            c.close()

    def send(self, node, daemon, item):
        if item["channel"] == "mobile":
            listener, path = "web", "/api/v1/reports"
        else:
            listener, path = "admin", "/admin/test/submit"
        port = daemon.ports[listener]
        body = json.dumps(item["body"]).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": item["key"]}
        if item["channel"] == "mobile":
            ts, sig = sign(APP_SECRET, "POST", path, body)
            headers["Authorization"] = f"LAPOR-HMAC-SHA256 key_id={APP_KEY_ID}, ts={ts}, sig={sig}"
        try:
            c = self._conn(node, port)
            c.request("POST", path, body=body, headers=headers)
            r = c.getresponse()
            data = r.read()
        except (OSError, http.client.HTTPException) as e:
            self.drop(node, port)
            return "unknown", type(e).__name__
        if r.status == 201:
            try:
                return "ok", json.loads(data)["tracking_id"]
            except (ValueError, KeyError):
                return "unknown", "201 without a tracking ID"
        if r.status == 503:
            if not r.getheader("Retry-After"):
                raise AssertionError(f"503 without Retry-After from node {node}: {data[:200]!r}")
            return "refused", 503
        raise AssertionError(f"node {node} answered {r.status} to {item['channel']} {item['key']}: {data[:300]!r}")

    def close(self):
        for c in self.conns.values():
            c.close()
        self.conns.clear()


class SmppSender:
    """An operator's SMSC stand-in: one transceiver bind at a time, one submit_sm in flight,
    redelivering the same SMS at another node after a refusal or a lost connection."""

    def __init__(self, timeout=10):
        self.timeout = timeout
        self.node = None
        self.port = None
        self.conn = None
        self.replies = []  # deliver_sm bodies received (reply SMS)

    def drop(self):
        if self.conn:
            self.replies += self.conn.delivered
            self.conn.close()
        self.conn = self.node = self.port = None

    def send(self, node, daemon, item):
        port = daemon.ports["smpp"]
        try:
            if self.conn is None or self.node != node or self.port != port:
                self.drop()
                c = RawSmpp(port, timeout=self.timeout)
                st = c.bind(kind=BIND_TRANSCEIVER)
                if st != ESME_ROK:
                    c.close()
                    return ("refused", st) if st in (ESME_RTHROTTLED, ESME_RX_T_APPN) else ("unknown", f"bind {st:#x}")
                self.conn, self.node, self.port = c, node, port
            cmd = DELIVER_SM if item.get("cmd") == "deliver_sm" else SUBMIT_SM
            seq = self.conn.send(cmd, sm_body(item["src"], "1708", item["text"].encode()))
            _, status, _, body = self.conn.expect(cmd | RESP, seq, timeout=self.timeout)
        except (OSError, AssertionError) as e:
            self.drop()
            return "unknown", type(e).__name__
        if status == ESME_ROK:
            if cmd == DELIVER_SM:
                return "ok", None  # acknowledged; the tracking ID is found by the text's key
            tid = body.rstrip(b"\0").decode()
            return ("ok", tid) if tid else ("unknown", "empty message_id")
        if status in (ESME_RTHROTTLED, ESME_RX_T_APPN):
            return "refused", status
        raise AssertionError(f"node {node} answered submit_sm with status {status:#x} for {item['key']}")

    def close(self):
        self.drop()


def deliver(cluster, ledger, sender, item, prefer=None, attempts=30, pause=0.05, stop=None):
    """Sends `item` until a node acknowledges it: first to `prefer`, after a refusal or an
    unknown outcome to the next live node, with the same key (a retry). Returns True once
    acknowledged (the ledger has the tracking ID), False when every attempt failed or `stop`
    was set meanwhile (the item then stays pending in the ledger, for settle_pending)."""
    k = prefer
    for tried in range(attempts):
        live = cluster.live()
        if not live:
            time.sleep(0.2)
            continue
        ids = [i for i, _ in live]
        if k not in ids:
            k = ids[tried % len(ids)]
        t = time.time()
        outcome, v = sender.send(k, dict(live)[k], item)
        ledger.record(item, t, outcome, k, v if outcome == "ok" else None)
        if outcome == "ok":
            return True
        if stop is not None and stop.is_set():
            return False
        k = ids[(ids.index(k) + 1) % len(ids)]
        time.sleep(pause * min(tried + 1, 10))
    return False


class Load:
    """Client threads against the cluster: `http` threads alternating mobile API and admin test
    channel submissions, `smpp` threads submitting SMS, each spreading its new submissions over
    the live nodes and retrying refused ones elsewhere. Keys are PREFIX-THREAD-N."""

    def __init__(self, cluster, ledger, http=4, smpp=2, seed=1, pace=0.0, prefix="L"):
        self.cluster, self.ledger = cluster, ledger
        self.stop = threading.Event()
        self.threads = []
        self.errors = []
        self.senders = []
        self.pace = pace
        self.prefix = prefix
        for j in range(http + smpp):
            kind = "http" if j < http else "smpp"
            self.threads.append(threading.Thread(target=self._run, args=(j, kind, seed * 1000 + j), daemon=True,
                                                 name=f"{prefix}{j}-{kind}"))

    def _run(self, j, kind, seed):
        rng = random.Random(seed)
        sender = HttpSender() if kind == "http" else SmppSender()
        self.senders.append(sender)
        n = 0
        try:
            while not self.stop.is_set():
                key = f"{self.prefix}{j}-{n}"
                uid = j * 1_000_000 + n
                if kind == "http":
                    item = (mobile_item if n % 2 == 0 else admin_item)(key, uid, rng)
                else:
                    item = sms_item(key, uid, rng)
                live = self.cluster.live()
                prefer = rng.choice(live)[0] if live else None
                deliver(self.cluster, self.ledger, sender, item, prefer=prefer, attempts=40, stop=self.stop)
                n += 1
                if self.pace:
                    time.sleep(self.pace)
        except Exception as e:  # noqa: BLE001 -- reported by join()
            self.errors.append(f"{kind} client {j}: {e!r}")
        finally:
            sender.close()

    def replies(self):
        """deliver_sm bodies (reply SMS) the SMPP clients received."""
        return [b for s in self.senders if isinstance(s, SmppSender) for b in s.replies]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def join(self, timeout=30):
        self.stop.set()
        for t in self.threads:
            t.join(timeout)
        alive = [t.name for t in self.threads if t.is_alive()]
        if alive:
            raise AssertionError(f"client threads still running after {timeout}s: {alive}")
        if self.errors:
            raise AssertionError("client errors:\n" + "\n".join(self.errors[:10]))


def settle_pending(cluster, ledger, timeout=90):
    """Retries every submission whose outcome is unknown (or that was refused everywhere) until
    a node acknowledges it: the sender's retry after an outage."""
    deadline = time.time() + timeout
    http_s, smpp_s = HttpSender(), SmppSender()
    try:
        while ledger.pending and time.time() < deadline:
            for key, item in list(ledger.pending.items()):
                sender = smpp_s if item["channel"] == "sms" else http_s
                deliver(cluster, ledger, sender, item, attempts=5, pause=0.1)
                if time.time() > deadline:
                    break
    finally:
        http_s.close()
        smpp_s.close()
    if ledger.pending:
        raise AssertionError(f"{len(ledger.pending)} submissions never acknowledged after {timeout}s of retries: "
                             f"{list(ledger.pending)[:5]}")


def replay_check(cluster, ledger, sample=200, seed=7):
    """Sends acked submissions again (same Idempotency-Key, same SMS) to a node other than the
    one that acked them: each must answer the first tracking ID. Returns the number checked."""
    rng = random.Random(seed)
    keys = sorted(ledger.acked)
    rng.shuffle(keys)
    http_s, smpp_s = HttpSender(), SmppSender()
    n = 0
    try:
        for key in keys[:sample]:
            item = ledger.items[key]
            sender = smpp_s if item["channel"] == "sms" else http_s
            live = [i for i, _ in cluster.live()]
            deliver(cluster, ledger, sender, item, prefer=rng.choice(live), attempts=10)
            n += 1
    finally:
        http_s.close()
        smpp_s.close()
    return n


def dispatched_by_key(dispatcher):
    """{client key: {tracking IDs}} over the complaint documents the dispatcher accepted, and
    the set of every accepted tracking ID (complaints and duplicate links)."""
    per_key, ids = {}, set()
    for doc in dispatcher.accepted_documents():
        tid = doc.get("tracking_id")
        if tid:
            ids.add(tid)
        if doc.get("schema") != "lapor.complaint/v1":
            continue
        m = MARKER.search(doc.get("body") or "")
        if m:
            per_key.setdefault(m.group(1), set()).add(tid)
    return per_key, ids


def verify_delivered(ledger, dispatcher, timeout=120, label="cluster"):
    """Waits until the dispatcher accepted every acknowledged tracking ID; prints
    `cluster: acked N, lost L, doubled D` and returns (acked, lost, doubled, wrong): lost keys,
    {key: tracking IDs} of doubled ones, and what else is wrong (dispatched under another ID
    than acknowledged, one ID for two submissions)."""
    expected = {t for t in ledger.acked.values() if t}
    by_key = {k for k, t in ledger.acked.items() if not t}  # acked by deliver_sm_resp: no ID told

    def done():
        per_key, ids = dispatched_by_key(dispatcher)
        return expected <= ids and by_key <= set(per_key)
    try:
        wait_until(done, timeout, interval=0.5, what="every acknowledged submission at the dispatcher")
    except AssertionError:
        pass
    per_key, ids = dispatched_by_key(dispatcher)
    lost = sorted(expected - ids) + sorted(by_key - set(per_key))
    doubled = {k: v for k, v in per_key.items() if len(v) > 1}
    for k, first, other in ledger.changed:
        doubled.setdefault(k, {first, other})
    wrong = [k for k, tid in ledger.acked.items() if tid and k in per_key and per_key[k] != {tid} and k not in doubled]
    # Two submissions under one tracking ID (node ids not unique, a replay answered for the
    # wrong key): also wrong.
    owner = {}
    for k, tid in ledger.acked.items():
        if tid and owner.setdefault(tid, k) != k:
            wrong.append(f"{tid} acknowledged for {owner[tid]} and {k}")
    for k, tids in per_key.items():
        for tid in tids:
            if owner.setdefault(tid, k) != k:
                wrong.append(f"{tid} dispatched for {owner[tid]} and {k}")
    print(f"{label}: acked {len(ledger.acked)}, lost {len(lost)}, doubled {len(doubled)}", flush=True)
    return len(ledger.acked), lost, doubled, wrong


def metric(d, name):
    """One series' value (exact name with labels), None when absent or the node is down."""
    try:
        return d.metric(name)
    except (OSError, http.client.HTTPException):
        return None


def metric_sum(d, name):
    """The sum over every series of metric `name` (any labels); None when it has none."""
    try:
        _, _, body = d.get("admin", "/metrics")
    except (OSError, http.client.HTTPException):
        return None
    total, seen = 0.0, False
    for line in body.decode().splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.split()[-1])
            seen = True
    return total if seen else None
