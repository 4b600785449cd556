"""The daemon's outer contract (SPEC §3, §8): command line, config errors, ephemeral ports,
structured logs, the admin listener, the test channel, SIGTERM."""
import json
import socket
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, TempDir, gateway_bin, wait_until  # noqa: E402


def run(args, timeout=20):
    return subprocess.run([gateway_bin()] + args, capture_output=True, text=True, timeout=timeout)


def test_command_line(tmp):
    r = run(["--help"])
    assert r.returncode == 0 and "--config" in r.stdout and "smpp.accounts" in r.stdout and "dispatcher.url" in r.stdout, r
    r = run(["--check-config"])
    assert r.returncode == 0, r
    r = run(["--bogus"])
    assert r.returncode != 0 and "--bogus" in r.stderr, r
    # An invalid config names the bad key and exits non-zero.
    for bad, key in [("web.listen=nonsense", "web.listen"), ("web.lissen=127.0.0.1:1", "web.lissen"),
                     ("threads=zero", "threads"), ("dispatcher.url=ftp://x", "dispatcher.url"),
                     ("tracking.node_id=300", "tracking.node_id")]:
        r = run(["--check-config", "--set", bad])
        assert r.returncode != 0 and key in r.stderr, (bad, r.returncode, r.stderr)
    cfg = os.path.join(tmp, "bad.toml")
    with open(cfg, "w") as f:
        f.write('[smpp]\naccounts = [{system_id = "tsel", password = "x"}]\n')
    r = run(["--check-config", "--config", cfg])
    assert r.returncode != 0 and "smpp.accounts" in r.stderr and "operator" in r.stderr, r.stderr
    with open(cfg, "w") as f:
        f.write('data_dir = "x"\n[web\n')
    r = run(["--check-config", "--config", cfg])
    assert r.returncode != 0 and "bad.toml" in r.stderr, r.stderr
    good = os.path.join(tmp, "good.toml")
    with open(good, "w") as f:
        f.write('data_dir = "%s"\n[web]\nlisten = "127.0.0.1:0"\n[[smpp.accounts]]\nsystem_id = "tsel"\n'
                'password = "secret"\noperator = "telkomsel"\nallowed_cidrs = ["127.0.0.0/8"]\n' % tmp)
    r = run(["--check-config", "--config", good])
    assert r.returncode == 0, r.stderr


def test_running_daemon(tmp):
    d = Daemon(os.path.join(tmp, "data")).start()
    try:
        assert set(d.ports) >= {"web", "admin", "smpp"}, d.ports
        assert os.stat(os.path.join(tmp, "data")).st_mode & 0o777 == 0o700, "data_dir holds PII: owner only"
        assert all(p > 0 for p in d.ports.values())
        assert d.get("admin", "/healthz")[0] == 200
        st, h, body = d.get("admin", "/metrics")
        assert st == 200 and "lapor_received_total" in body.decode() and "lapor_commit_latency_seconds_bucket" in body.decode()
        # HEAD, 404, 405 with Allow
        st, h, body = d.request("admin", "HEAD", "/healthz")
        assert st == 200 and body == b""
        assert d.get("admin", "/nope")[0] == 404
        st, h, _ = d.request("admin", "DELETE", "/healthz")
        assert st == 405 and "GET" in h["allow"], (st, h)
        # The test channel stores and answers with a tracking ID; a retry gets the same one.
        body = {"title": "Lampu jalan mati", "body": "Lampu jalan di Jl. Merdeka mati sejak seminggu",
                "reporter": {"phone": "0812-3456-7890"}, "kind": "aspiration"}
        st, _, ans = d.request("admin", "POST", "/admin/test/submit", body=body, headers={"Idempotency-Key": "a1"})
        assert st == 201, (st, ans)
        ans = json.loads(ans)
        assert ans["status"] == "received" and ans["tracking_id"].startswith("LPR-"), ans
        st, _, again = d.request("admin", "POST", "/admin/test/submit", body=body, headers={"Idempotency-Key": "a1"})
        again = json.loads(again)
        assert st == 201 and again["tracking_id"] == ans["tracking_id"] and again["status"] == "received", again
        assert again == ans, "a retry gets the same answer, field for field (SPEC §7)"
        # Same key, another body: conflict, nothing stored.
        st, _, conflict = d.request("admin", "POST", "/admin/test/submit", body=dict(body, body="lain"),
                                    headers={"Idempotency-Key": "a1"})
        assert st == 422, (st, conflict)
        # Bad input is a 4xx naming the field and stores nothing.
        st, h, prob = d.request("admin", "POST", "/admin/test/submit", body=b'{"body": "\xff\xfe"}',
                                headers={"Content-Type": "application/json", "Idempotency-Key": "bad1"})
        assert st in (400, 422) and h["content-type"].startswith("application/problem+json"), (st, prob)
        st, _, prob = d.request("admin", "POST", "/admin/test/submit", body={"body": "x", "reporter": {"phone": "TELKOMSEL"}},
                                headers={"Idempotency-Key": "bad2"})
        assert st == 422 and json.loads(prob)["errors"][0]["field"] == "reporter.phone", prob
        st, _, prob = d.request("admin", "POST", "/admin/test/submit", body={"body": ""}, headers={"Idempotency-Key": "bad3"})
        assert st == 422 and json.loads(prob)["errors"][0]["field"] == "body", prob
        # The stored complaint, its SLA and its way to the file sink.
        st, _, c = d.get("admin", "/admin/complaints/" + ans["tracking_id"].lower().replace("-", ""))
        assert st == 200, (st, c)
        c = json.loads(c)
        assert c["meta"]["kind"] == "aspiration" and c["meta"]["respond_within_working_days"] == 5, c
        sink = os.path.join(tmp, "data", "dispatched.jsonl")

        def forwarded():
            if not os.path.exists(sink):
                return None
            with open(sink) as f:
                return [json.loads(l) for l in f if l.strip()]
        docs = wait_until(forwarded, 10, what="file sink")
        doc = docs[0]
        assert doc["schema"] == "lapor.complaint/v1" and doc["tracking_id"] == ans["tracking_id"], doc
        assert doc["reporter"]["phone"] == "+6281234567890" and doc["kind"] == "aspiration", doc
        assert list(doc.keys())[:6] == ["schema", "tracking_id", "channel", "channel_ref", "received_at", "reporter"], doc
        assert len(docs) == 1, "a retry must not be forwarded twice"
        # The file sink fsyncs, then the row is marked sent in the next group commit.
        wait_until(lambda: len(json.loads(d.get("admin", "/admin/outbox?state=sent")[2])["items"]) == 1, 10,
                   what="outbox row marked sent")
        assert d.get("admin", "/admin/outbox?state=bogus")[0] == 400
        st, _, _ = d.request("admin", "POST", "/admin/outbox/999999/retry")
        assert st == 404
        # Logs are JSON lines.
        with open(d.log_path) as f:
            lines = [json.loads(l) for l in f if l.strip()]
        assert any(l["event"] == "listening" for l in lines), lines[:3]
    finally:
        rc = d.stop()
    assert rc == 0, f"SIGTERM exit code {rc}"


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now: connections are refused
    return port


def test_dispatcher_down_is_a_note_not_a_gate(tmp):
    """A dead dispatcher shows in /readyz but keeps the node ready: the outbox holds the work."""
    url = f"http://127.0.0.1:{closed_port()}/complaints"
    d = Daemon(os.path.join(tmp, "data-down"), sets=[f"dispatcher.url={url}", "dispatcher.backoff_initial_ms=10",
                                                      "dispatcher.backoff_max_ms=50"]).start()
    try:
        assert d.get("admin", "/readyz")[0] == 200
        for i in range(3):
            st, _, ans = d.request("admin", "POST", "/admin/test/submit", body={"body": f"Jalan berlubang nomor {i}"},
                                   headers={"Idempotency-Key": f"down-{i}"})
            assert st == 201, (st, ans)

        def warned():
            st, _, body = d.get("admin", "/readyz")
            return (st, body.decode()) if "warning: dispatcher" in body.decode() else None
        st, body = wait_until(warned, 20, what="/readyz to warn about the dispatcher")
        assert st == 200 and body.startswith("ready"), (st, body)
        pending = json.loads(d.get("admin", "/admin/outbox?state=pending")[2])["items"]
        assert len(pending) == 3, pending
    finally:
        rc = d.stop()
    assert rc == 0, f"SIGTERM exit code {rc}"


def main():
    tmp = TempDir("lapor-daemon-")
    try:
        test_command_line(tmp.path)
        test_running_daemon(tmp.path)
        test_dispatcher_down_is_a_note_not_a_gate(tmp.path)
        print("PASS test_daemon")
    finally:
        tmp.cleanup()


if __name__ == "__main__":
    main()
