"""Reload without downtime (SIGHUP, `systemctl reload`): an SMPP password, an app key and the
dispatcher token are rotated while SMPP binds and a mobile app keep submitting. After the
reload the old credentials are refused and the new ones accepted; the binds and the
keep-alive connections made before it stay up and keep being answered; a change that needs a
restart is refused with a log line naming the key, and the running configuration stays."""
import http.client
import json
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, FakeDispatcher, TempDir, wait_until  # noqa: E402
from smpp_support import (BIND_TRANSCEIVER, ESME_RINVPASWD, ESME_ROK, ESME_RTHROTTLED, RESP, SUBMIT_SM,  # noqa: E402
                          RawSmpp, sm_body)
from web_client import sign  # noqa: E402

OLD_TOKEN, NEW_TOKEN = "dispatcher-token-old", "dispatcher-token-new"


def write_config(path, smpp_password, app_secret, token, extra=""):
    with open(path, "w") as f:
        f.write(f"""
web.rate_limit_per_minute = 1000000
[dispatcher]
token = "{token}"
[[smpp.accounts]]
system_id = "tsel"
password = "{smpp_password}"
operator = "telkomsel"
allowed_cidrs = ["127.0.0.0/8"]
[[mobile.api_keys]]
key_id = "app1"
secret = "{app_secret}"
[[mobile.api_keys]]
key_id = "ios"
secret = "ios-secret"
{extra}""")


def log_events(d, event):
    out = []
    with open(d.log_path, "rb") as f:
        for line in f:
            try:
                j = json.loads(line)
            except ValueError:
                continue
            if j.get("event") == event:
                out.append(j)
    return out


def hup_and_wait(d, event, before):
    d.proc.send_signal(signal.SIGHUP)
    return wait_until(lambda: len(log_events(d, event)) > before and log_events(d, event), 10, what=event)


class MobileClient:
    """One kept-alive connection to the public listener; remembers its socket to prove it was
    never replaced (http.client reconnects silently when the server closes)."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.conn.connect()
        self.sock = self.conn.sock
        self.n = 0

    def post(self, key_id, secret, tag):
        self.n += 1
        body = json.dumps({"title": f"Lampu jalan mati {tag} {self.n}",
                           "body": f"Lampu jalan di gang {tag} nomor {self.n} mati sejak kemarin malam",
                           "kind": "complaint", "reporter": {"phone": f"+62813{self.n % 100000:07d}"}}).encode()
        ts, sig = sign(secret, "POST", "/api/v1/reports", body)
        self.conn.request("POST", "/api/v1/reports", body=body, headers={
            "Content-Type": "application/json", "Idempotency-Key": f"{tag}-{self.n}",
            "Authorization": f"LAPOR-HMAC-SHA256 key_id={key_id}, ts={ts}, sig={sig}"})
        r = self.conn.getresponse()
        data = r.read()
        assert self.conn.sock is self.sock, "the keep-alive connection was closed and reopened"
        return r.status, (json.loads(data) if data else None)


class SmppLoad(threading.Thread):
    """A transceiver bind of account tsel, made before the reload, submitting until told to stop."""

    def __init__(self, port, password, name):
        super().__init__(daemon=True)
        self.c = RawSmpp(port, timeout=10)
        assert self.c.bind("tsel", password, BIND_TRANSCEIVER) == ESME_ROK
        self.name_ = name
        self.acked = []  # tracking IDs
        self.error = None
        self.stop_flag = threading.Event()

    def run(self):
        i = 0
        try:
            while not self.stop_flag.is_set():
                i += 1
                text = f"Jalan rusak di RT {i} {self.name_}, sudah dua bulan".encode()
                seq = self.c.send(SUBMIT_SM, sm_body(f"62812{hash(self.name_) % 1000:03d}{i % 10000:04d}", "1708", text))
                _, status, _, body = self.c.expect(SUBMIT_SM | RESP, seq, timeout=10)
                if status == ESME_RTHROTTLED:
                    time.sleep(0.05)
                    continue
                assert status == ESME_ROK, f"submit_sm status 0x{status:x}"
                self.acked.append(body.rstrip(b"\0").decode())
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            self.error = e


class MobileLoad(threading.Thread):
    """The unchanged key "ios" on one kept-alive connection, before, during and after the reload."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.client = MobileClient(port)
        self.acked = []
        self.error = None
        self.stop_flag = threading.Event()

    def run(self):
        try:
            while not self.stop_flag.is_set():
                st, ans = self.client.post("ios", "ios-secret", "ios")
                assert st == 201, (st, ans)
                self.acked.append(ans["tracking_id"])
        except BaseException as e:  # noqa: BLE001
            self.error = e


def main():
    tmp = TempDir("lapor-reload-")
    disp = d = None
    loads = []
    try:
        disp = FakeDispatcher(tmp.path, "--expect-token", NEW_TOKEN).start()
        cfg = os.path.join(tmp.path, "config.toml")
        write_config(cfg, "pw-old", "app1-old", OLD_TOKEN)
        d = Daemon(os.path.join(tmp.path, "data"), config_file=cfg,
                   sets=[f"dispatcher.url={disp.url}", "dispatcher.backoff_max_ms=200"]).start()
        smpp_port, web_port = d.ports["smpp"], d.ports["web"]

        # Before the reload: the old credentials work, the new ones do not.
        probe = RawSmpp(smpp_port)
        assert probe.bind("tsel", "pw-new") == ESME_RINVPASWD
        probe.close()
        app = MobileClient(web_port)
        st, _ = app.post("app1", "app1-old", "app1")
        assert st == 201, st
        st, _ = app.post("app1", "app1-new", "app1")
        assert st == 401, st
        print("ok - before the reload: old credentials accepted, new refused")

        loads = [SmppLoad(smpp_port, "pw-old", "a"), SmppLoad(smpp_port, "pw-old", "b"), MobileLoad(web_port)]
        for t in loads:
            t.start()
        time.sleep(1.5)

        # Rotate under load.
        write_config(cfg, "pw-new", "app1-new", NEW_TOKEN)
        reloaded = hup_and_wait(d, "reloaded", 0)[-1]
        assert set(reloaded["changed"].split(",")) == {"smpp.accounts", "mobile.api_keys", "dispatcher.token"}, reloaded
        reload_at = time.time()
        counts_at_reload = [len(t.acked) for t in loads]

        probe = RawSmpp(smpp_port)
        assert probe.bind("tsel", "pw-old") == ESME_RINVPASWD, "old SMPP password still accepted"
        probe.close()
        probe = RawSmpp(smpp_port)
        assert probe.bind("tsel", "pw-new") == ESME_ROK, "new SMPP password refused"
        seq = probe.send(SUBMIT_SM, sm_body("6281299990001", "1708", b"Sampah menumpuk di pasar sejak seminggu"))
        probe.expect(SUBMIT_SM | RESP, seq, ESME_ROK, timeout=10)
        probe.close()
        st, _ = app.post("app1", "app1-old", "app1")
        assert st == 401, f"old app secret still accepted: {st}"
        st, _ = app.post("app1", "app1-new", "app1")
        assert st == 201, f"new app secret refused: {st}"
        print("ok - after the reload: old credentials refused, new accepted (same kept-alive connection)")

        time.sleep(1.5)
        for t, before in zip(loads, counts_at_reload):
            assert t.error is None, f"load {t}: {t.error!r}"
            assert t.is_alive(), "a load thread ended"
            assert len(t.acked) > before, "a bind or connection made before the reload stopped being answered"
        print(f"ok - under load, nothing dropped: {[len(t.acked) for t in loads]} acknowledged, "
              f"{counts_at_reload} of them before the reload")

        # A key that needs a restart refuses the whole reload, naming it; the old config stays.
        write_config(cfg, "pw-newer", "app1-newer", NEW_TOKEN, extra="[store]\nmax_group = 64\n")
        refused = hup_and_wait(d, "reload_refused", 0)
        assert [r["key"] for r in refused] == ["store.max_group"], refused
        st, _ = app.post("app1", "app1-new", "app1")
        assert st == 201, "the refused reload changed the app keys"
        st, _ = app.post("app1", "app1-newer", "app1")
        assert st == 401, st
        probe = RawSmpp(smpp_port)
        assert probe.bind("tsel", "pw-new") == ESME_ROK, "the refused reload changed the SMPP accounts"
        probe.close()
        print("ok - a restart-only key (store.max_group) refuses the reload by name; the running config stays")

        for t in loads:
            t.stop_flag.set()
        for t in loads:
            t.join(15)
            assert t.error is None, repr(t.error)
        acked = set(x for t in loads for x in t.acked)

        # The dispatcher token: requests before the reload carried the old one (401, dead
        # letters), every request begun well after it carries the new one.
        wait_until(lambda: any(r.get("auth") == "ok" for r in disp.received()), 20, what="a request with the new token")
        late = [r for r in disp.received() if r["ts"] > reload_at + 1.0]
        assert late and all(r["auth"] == "ok" for r in late), [r["auth"] for r in late][:20]
        assert any(r["auth"] == "wrong" for r in disp.received() if r["ts"] < reload_at), "old token never seen"
        # Dead letters from the old token are sent again with the new one: every acknowledged
        # submission reaches the dispatcher.
        after = 0
        while True:
            st, _, body = d.get("admin", f"/admin/outbox?state=dead&after={after}&limit=500")
            assert st == 200, st
            rows = json.loads(body)
            rows = rows.get("items", rows) if isinstance(rows, dict) else rows
            if not rows:
                break
            for row in rows:
                st, _, _ = d.request("admin", "POST", f"/admin/outbox/{row['id']}/retry")
                assert st in (200, 202, 204), st
                after = row["id"]
        wait_until(lambda: acked <= set(doc.get("tracking_id") for doc in disp.accepted_documents()
                                        if isinstance(doc, dict)), 60, what="every acknowledged complaint accepted")
        print(f"ok - dispatcher token rotated; all {len(acked)} acknowledged submissions accepted upstream")
        assert d.stop() == 0
    except BaseException:
        if d:
            print(d.tail_log(), file=sys.stderr)
        raise
    finally:
        for t in loads:
            t.stop_flag.set()
        if d:
            d.stop()
        if disp:
            disp.stop()
        tmp.cleanup()
    print("4 passed, 0 failed")


if __name__ == "__main__":
    main()
