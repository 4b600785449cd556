"""The systemd notification protocol (sd_notify(3)) as lapor-gateway.service (Type=notify,
WatchdogSec=) relies on it, without systemd: the test binds the unix datagram socket itself
and hands it to the daemon in NOTIFY_SOCKET, with WATCHDOG_USEC.

  * READY=1 comes once, only after every listener answers (web, admin /healthz, SMPP accepts)
    and after the outbox resumed: a first run leaves 3 complaints pending (the dispatcher's
    port refuses), the second run logs outbox_resumed with them before service_ready;
  * WATCHDOG=1 arrives repeatedly, about every WATCHDOG_USEC/2;
  * SIGTERM: STOPPING=1, no READY=1 after it, exit 0;
  * without NOTIFY_SOCKET the daemon runs as before (the other tests).

Usage: test_sd_notify.py PATH/TO/lapor-gateway (or LAPOR_GATEWAY_BIN). Bounded to ~60 s.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, TempDir, gateway_bin, wait_until  # noqa: E402

WATCHDOG_USEC = 200_000  # the daemon pings every 100 ms


def linked_with_libsystemd(binary):
    r = subprocess.run(["ldd", binary], capture_output=True, text=True, timeout=30)
    return "libsystemd.so" in r.stdout


def leave_pending(data_dir, n):
    """A run whose dispatcher refuses connections: n complaints stay pending in the outbox."""
    d = Daemon(data_dir, sets=["dispatcher.url=http://127.0.0.1:9/complaints", "dispatcher.backoff_initial_ms=60000"],
               log_name="first.log")
    d.start()
    try:
        for i in range(n):
            body = {"title": f"Jalan rusak {i}", "body": f"Jalan rusak parah di desa nomor {i} sejak bulan lalu",
                    "reporter": {"phone": f"08123456{i:04d}"}}
            st, _, ans = d.request("admin", "POST", "/admin/test/submit", body=body, headers={"Idempotency-Key": f"p{i}"})
            assert st == 201, (st, ans)
    finally:
        assert d.stop() == 0


def listeners_answer(data_dir):
    """True when every listener of ports.json accepts and the admin one answers /healthz."""
    ports_file = os.path.join(data_dir, "ports.json")
    if not os.path.exists(ports_file):
        return False
    ports = json.load(open(ports_file))
    for name in ("web", "smpp", "admin"):
        with socket.create_connection(("127.0.0.1", ports[name]), timeout=2):
            pass
    d = Daemon(data_dir)
    d.ports = ports
    return d.get("admin", "/healthz")[0] == 200


def log_events(path):
    events = []
    for line in open(path, "rb").read().decode("utf-8", "replace").splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            pass
    return events


def main():
    binary = gateway_bin()
    if not linked_with_libsystemd(binary):
        print("built without libsystemd (libsystemd-dev missing at configure time): nothing to test")
        return 77
    tmp = TempDir("lapor-notify-")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    proc = None
    try:
        data_dir = os.path.join(tmp.path, "data")
        leave_pending(data_dir, 3)

        notify_path = os.path.join(tmp.path, "notify.sock")
        sock.bind(notify_path)
        sock.settimeout(0.2)
        d = Daemon(data_dir, sets=["dispatcher.url=http://127.0.0.1:9/complaints"], log_name="second.log",
                   env={"NOTIFY_SOCKET": notify_path, "WATCHDOG_USEC": str(WATCHDOG_USEC)})
        os.unlink(os.path.join(data_dir, "ports.json"))
        log = open(d.log_path, "ab")
        proc = subprocess.Popen(d.args(), stdout=log, stderr=log, env=dict(os.environ, **d.env))

        messages = []  # (monotonic time, set of "KEY=VALUE" lines)
        ready_at = None
        deadline = time.monotonic() + 30
        while ready_at is None:
            assert time.monotonic() < deadline, f"no READY=1 within 30 s; got {messages}"
            assert proc.poll() is None, f"daemon exited with {proc.returncode}"
            try:
                data = sock.recv(4096)
            except socket.timeout:
                continue
            lines = set(data.decode().split("\n"))
            messages.append((time.monotonic(), lines))
            if "READY=1" in lines:
                # The listeners must answer at the moment READY=1 is received.
                assert listeners_answer(data_dir), "READY=1 before every listener answers"
                ready_at = time.monotonic()
        print(f"READY=1 after {len(messages) - 1} earlier message(s): {[sorted(m) for _, m in messages[:-1]]}")
        assert not any("READY=1" in m for _, m in messages[:-1])

        events = [e.get("event") or e.get("msg") for e in log_events(d.log_path)]
        resumed = [e for e in log_events(d.log_path) if (e.get("event") or e.get("msg")) == "outbox_resumed"
                   and e.get("destination") == "dispatcher"]
        assert resumed and resumed[0].get("pending_rows") == 3, f"outbox_resumed with the 3 pending rows: {resumed}"
        assert "service_ready" in events and events.index("outbox_resumed") < events.index("service_ready"), events

        # Watchdog pings keep coming while it runs.
        pings = []
        end = time.monotonic() + 1.0
        while time.monotonic() < end:
            try:
                data = sock.recv(4096)
            except socket.timeout:
                continue
            lines = set(data.decode().split("\n"))
            assert "READY=1" not in lines, "READY=1 sent twice"
            if "WATCHDOG=1" in lines:
                pings.append(time.monotonic())
        assert len(pings) >= 5, f"expected ~10 WATCHDOG=1 in 1 s at WATCHDOG_USEC={WATCHDOG_USEC}, got {len(pings)}"
        gaps = [b - a for a, b in zip(pings, pings[1:])]
        assert max(gaps) < WATCHDOG_USEC / 1e6, f"a watchdog gap longer than WATCHDOG_USEC: {max(gaps):.3f} s"
        print(f"{len(pings)} WATCHDOG=1 in 1 s, largest gap {max(gaps) * 1000:.0f} ms")

        # SIGTERM: STOPPING=1, never READY=1 again, exit 0.
        proc.send_signal(signal.SIGTERM)
        after = []
        end = time.monotonic() + 20
        while time.monotonic() < end and proc.poll() is None:
            try:
                after.append(set(sock.recv(4096).decode().split("\n")))
            except socket.timeout:
                pass
        rc = proc.wait(20)
        sock.settimeout(0)
        try:
            while True:
                after.append(set(sock.recv(4096).decode().split("\n")))
        except (BlockingIOError, socket.timeout):
            pass
        assert any("STOPPING=1" in m for m in after), f"no STOPPING=1 after SIGTERM: {after}"
        assert not any("READY=1" in m for m in after), after
        assert rc == 0, f"exit {rc}"
        print("STOPPING=1 on SIGTERM, exit 0")
        log.close()
        print("sd_notify protocol ok")
        return 0
    finally:
        if proc and proc.poll() is None:
            proc.kill()
            proc.wait(5)
        sock.close()
        tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
