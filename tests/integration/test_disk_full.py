"""Disk full (issue 7 §2): data_dir on a small tmpfs. When SQLite cannot grow, new submissions
are refused cleanly (503 + Retry-After, nothing stored), the daemon stays up, the database
stays intact, and once space returns the same submissions are accepted and everything that
was acknowledged reaches the dispatcher exactly once.

Needs root (mount -t tmpfs); exits 77 (CTest: skipped) where mounting is not allowed."""
import json
import os
import signal
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, FakeDispatcher, TempDir, gateway_bin, submit, wait_until  # noqa: E402

WHOLE_TEST_LIMIT = 240
SKIP = 77


def on_alarm(signum, frame):
    raise SystemExit(f"test_disk_full: exceeded {WHOLE_TEST_LIMIT}s")


def mount_tmpfs(path, size):
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path], capture_output=True, timeout=20)
    return r.returncode == 0


def complaint(n):
    # ~3 KiB of text per complaint, so a few MiB fill up after a few hundred.
    filler = " ".join(f"Jalan rusak di RT {n % 17} kilometer {i} belum diperbaiki." for i in range(60))
    return {"title": f"Laporan {n}", "body": filler, "reporter": {"phone": f"0812{n:08d}"}}


def main():
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(WHOLE_TEST_LIMIT)
    tmp = TempDir("lapor-diskfull-")
    mnt = os.path.join(tmp.path, "small")
    os.makedirs(mnt)
    if os.geteuid() != 0 or not mount_tmpfs(mnt, "4m"):
        print("SKIP: cannot mount a tmpfs here (needs root); the disk-full test did not run")
        tmp.cleanup()
        sys.exit(SKIP)
    dispatcher = FakeDispatcher(tmp.path)
    daemon = None
    try:
        dispatcher.start()
        # The daemon's log lives outside the small file system: only SQLite competes for space.
        daemon = Daemon(os.path.join(mnt, "data"), [f"dispatcher.url={dispatcher.url}",
                                                    "dispatcher.backoff_initial_ms=50", "dispatcher.backoff_max_ms=500"],
                        bin_path=gateway_bin(), log_name=os.path.join(tmp.path, "daemon.log"))
        daemon.start()

        acked, refused, other = {}, [], []
        lock = threading.Lock()

        def producer(first, step, limit):
            conn = daemon.conn("admin", timeout=20)
            n = first
            misses = 0
            while n < limit and misses < 30:
                status, answer = submit(conn, complaint(n), f"df-{n}")
                with lock:
                    if status == 201:
                        acked[n] = answer["tracking_id"]
                        misses = 0
                    elif status == 503:
                        refused.append(n)
                        misses += 1
                    else:
                        other.append((n, status, answer))
                n += step
            conn.close()

        threads = [threading.Thread(target=producer, args=(i, 2, 20000)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not other, f"only 201 or 503 are acceptable answers, got {other[:3]}"
        assert acked and refused, f"the disk must fill up: {len(acked)} acked, {len(refused)} refused"
        print(f"disk full after {len(acked)} acknowledged complaints; {len(refused)} refused with 503", flush=True)

        # Still alive and answering; a refusal says why.
        assert daemon.get("admin", "/healthz")[0] == 200
        st, h, body = daemon.request("admin", "POST", "/admin/test/submit", body=complaint(99999),
                                     headers={"Idempotency-Key": "df-probe"})
        assert st == 503 and h.get("retry-after"), (st, h, body)
        st, _, ready = daemon.get("admin", "/readyz")
        assert st == 503 and b"store" in ready, (st, ready)

        # Space returns.
        r = subprocess.run(["mount", "-o", "remount,size=64m", mnt], capture_output=True, timeout=20)
        assert r.returncode == 0, r.stderr

        # The refused submissions were not stored: resubmitting with the same key is new.
        conn = daemon.conn("admin", timeout=20)
        retried = sorted(set(refused))
        recovered = []
        for n in retried:
            status, answer = wait_until(lambda: (lambda r: r if r[0] == 201 else None)(submit(conn, complaint(n), f"df-{n}")),
                                        30, interval=0.2, what=f"submission {n} to be accepted after recovery")
            assert answer["status"] == "received", f"refused submission {n} had been stored: {answer}"
            acked[n] = answer["tracking_id"]
            recovered.append(n)
        conn.close()
        wait_until(lambda: daemon.get("admin", "/readyz")[0] == 200, 20, what="/readyz after recovery")

        expected = set(acked.values())

        def delivered():
            return {doc["tracking_id"] for doc in dispatcher.accepted_documents()}
        wait_until(lambda: expected <= delivered(), 90, interval=0.25,
                   what=f"all {len(expected)} acknowledged complaints at the dispatcher")
        rc = daemon.stop()
        assert rc == 0, f"SIGTERM exit code {rc}; log:\n{daemon.tail_log()}"

        db = os.path.join(mnt, "data", "lapor.db")
        check = subprocess.run(["sqlite3", db, "PRAGMA integrity_check;"], capture_output=True, text=True, timeout=60)
        assert check.stdout.strip() == "ok", check.stdout + check.stderr
        stored = subprocess.run(["sqlite3", db, "SELECT count(*) FROM complaints;"], capture_output=True, text=True,
                                timeout=60).stdout.strip()
        assert int(stored) == len(expected), f"{stored} rows stored for {len(expected)} acknowledged complaints"
        print(f"acked {len(expected)}, lost 0, refused-then-accepted {len(recovered)}, integrity ok")
        print("PASS test_disk_full")
    finally:
        if daemon:
            daemon.kill9()
        dispatcher.stop()
        subprocess.run(["umount", "-l", mnt], capture_output=True, timeout=20)
        tmp.cleanup()


if __name__ == "__main__":
    main()
