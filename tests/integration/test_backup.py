"""Backup and restore (lapor-gateway backup / restore) of a node under SMPP load.

The dispatcher is down while the first node runs, so every complaint stays pending in its
outbox. A backup taken while two SMPP binds submit as fast as they are answered passes
integrity_check, matches its checksum file and holds every complaint acknowledged before the
backup started. restore refuses a running node's data_dir, an existing database without
--force, and a damaged copy. A daemon started on the restored copy forwards every complaint
that was pending to the (now running) fake dispatcher, and status lookups of tracking IDs
given out by the first node still work (the tracking key travelled with the backup)."""
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, FakeDispatcher, TempDir, gateway_bin, wait_until  # noqa: E402
from smpp_support import (BIND_TRANSCEIVER, ESME_ROK, ESME_RTHROTTLED, RESP, SUBMIT_SM, RawSmpp, sm_body,  # noqa: E402
                          free_port, write_config)


class SmppLoad(threading.Thread):
    """A transceiver bind submitting until told to stop; every ack with the time it arrived."""

    def __init__(self, port, tag):
        super().__init__(daemon=True)
        self.c = RawSmpp(port, timeout=10)
        assert self.c.bind("test", "secret", BIND_TRANSCEIVER) == ESME_ROK
        self.tag = tag
        self.acked = []  # (monotonic time of the ack, tracking ID)
        self.error = None
        self.stop_flag = threading.Event()

    def run(self):
        i = 0
        try:
            while not self.stop_flag.is_set():
                i += 1
                text = f"Jalan berlubang di RT {i} dusun {self.tag}, mohon diperbaiki".encode()
                seq = self.c.send(SUBMIT_SM, sm_body(f"62812{self.tag}{i % 1000000:06d}", "1708", text))
                _, status, _, body = self.c.expect(SUBMIT_SM | RESP, seq, timeout=10)
                if status == ESME_RTHROTTLED:
                    time.sleep(0.05)
                    continue
                assert status == ESME_ROK, f"submit_sm status 0x{status:x}"
                self.acked.append((time.monotonic(), body.rstrip(b"\0").decode()))
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            self.error = e


def command(cfg, data_dir, *args):
    r = subprocess.run([gateway_bin(), *args[:1], "--config", cfg, "--set", f"data_dir={data_dir}", *args[1:]],
                       capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout + r.stderr


def main():
    tmp = TempDir("lapor-backup-")
    d = d2 = disp = None
    loads = []
    try:
        cfg = write_config(os.path.join(tmp.path, "config.toml"))
        data = os.path.join(tmp.path, "data")
        down = f"http://127.0.0.1:{free_port()}/complaints"  # nothing listens: every row stays pending
        d = Daemon(data, config_file=cfg, sets=[f"dispatcher.url={down}", "dispatcher.backoff_max_ms=1000"]).start()
        loads = [SmppLoad(d.ports["smpp"], "11"), SmppLoad(d.ports["smpp"], "22")]
        for t in loads:
            t.start()
        wait_until(lambda: all(len(t.acked) >= 200 for t in loads), 60, what="load to build up")

        backups = os.path.join(tmp.path, "backups")
        os.makedirs(backups)
        started = time.monotonic()
        rc, out = command(cfg, data, "backup", "--to", backups + "/")
        assert rc == 0, out
        ended_acks = [len(t.acked) for t in loads]
        time.sleep(0.5)
        for t in loads:
            assert t.error is None, repr(t.error)
            assert t.is_alive()
        acked_before = {tid for t in loads for (at, tid) in t.acked if at < started}
        assert sum(ended_acks) > len(acked_before), "the load did not run during the backup"
        copies = [f for f in os.listdir(backups) if f.endswith(".db")]
        assert len(copies) == 1, os.listdir(backups)
        copy = os.path.join(backups, copies[0])
        assert not os.path.exists(copy + "-wal"), "the backup is one self-contained file"
        print(f"ok - backup during SMPP load: {out.strip()}")

        # The checksum file is sha256sum's format and matches; the copy is sound and complete.
        r = subprocess.run(["sha256sum", "-c", os.path.basename(copy) + ".sha256"], cwd=backups, capture_output=True,
                           text=True)
        assert r.returncode == 0, r.stdout + r.stderr
        assert hashlib.sha256(open(copy, "rb").read()).hexdigest() in open(copy + ".sha256").read()
        db = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {row[0] for row in db.execute("SELECT tracking_id FROM complaints")}
        pending = db.execute("SELECT count(*) FROM outbox WHERE destination = 'dispatcher' AND state = 0").fetchone()[0]
        db.close()
        missing = acked_before - stored
        assert not missing, f"{len(missing)} complaints acknowledged before the backup are not in it"
        print(f"ok - copy passes sha256sum -c and integrity_check; holds all {len(acked_before)} complaints "
              f"acknowledged before the backup started ({len(stored)} in all, {pending} pending)")

        # The node's lock on its data_dir: a second daemon there refuses to start.
        second = subprocess.run([gateway_bin(), "--config", cfg, "--set", f"data_dir={data}", "--set",
                                 "web.listen=127.0.0.1:0", "--set", "admin.listen=127.0.0.1:0", "--set",
                                 "smpp.listen=127.0.0.1:0"], capture_output=True, text=True, timeout=60)
        assert second.returncode == 1 and "in use by a running lapor-gateway" in second.stderr, second.stderr[-500:]

        # restore refuses: a running node's data_dir, a damaged copy, an existing database.
        rc, out = command(cfg, data, "restore", "--from", copy, "--force")
        assert rc == 1 and "in use by a running lapor-gateway" in out, out
        damaged = os.path.join(tmp.path, "damaged")
        os.makedirs(damaged)
        for f in os.listdir(backups):
            shutil.copy(os.path.join(backups, f), damaged)
        bad = os.path.join(damaged, os.path.basename(copy))
        with open(bad, "r+b") as f:
            f.seek(os.path.getsize(bad) // 2)
            byte = f.read(1)
            f.seek(-1, 1)
            f.write(bytes([byte[0] ^ 0xFF]))
        restored = os.path.join(tmp.path, "restored")
        rc, out = command(cfg, restored, "restore", "--from", bad)
        assert rc == 1 and "checksum mismatch" in out, out
        assert not os.path.exists(os.path.join(restored, "lapor.db")), "a damaged copy was installed"
        rc, out = command(cfg, restored, "restore", "--from", copy)
        assert rc == 0, out
        rc, out = command(cfg, restored, "restore", "--from", copy)
        assert rc == 1 and "--force" in out, out
        rc, out = command(cfg, restored, "restore", "--from", copy, "--force")
        assert rc == 0, out
        print("ok - a second daemon and restore refuse a running node's data_dir; restore refuses a damaged copy "
              "and an existing database without --force")

        for t in loads:
            t.stop_flag.set()
        for t in loads:
            t.join(15)
        assert d.stop() == 0

        # A node on the restored copy forwards what was pending and answers for the old IDs.
        disp = FakeDispatcher(tmp.path).start()
        d2 = Daemon(restored, config_file=cfg, sets=[f"dispatcher.url={disp.url}"], log_name="restored.log").start()
        wait_until(lambda: acked_before <= {doc.get("tracking_id") for doc in disp.accepted_documents()}, 60,
                   what="every complaint pending in the backup to be forwarded")
        sample = sorted(acked_before)[:20]
        for tid in sample:
            st, _, body = d2.get("web", f"/status/{tid}", headers={"Accept": "text/html"})
            assert st == 200, (tid, st, body[:200])
        print(f"ok - a daemon on the restored copy forwarded all {len(acked_before)} pending complaints; "
              f"status pages of the first node's tracking IDs answer")
        assert d2.stop() == 0
    except BaseException:
        for x in (d, d2):
            if x:
                print(x.tail_log(), file=sys.stderr)
        raise
    finally:
        for t in loads:
            t.stop_flag.set()
        for x in (d, d2):
            if x:
                x.stop()
        if disp:
            disp.stop()
        tmp.cleanup()
    print("4 passed, 0 failed")


if __name__ == "__main__":
    main()
