"""Self-test of the PostgreSQL rig (tests/support/pg_cluster.py) the cluster tests stand on; it
needs no gateway (CTest passes the binary's path as argv[1] all the same).

  1. a primary and a standby on 127.0.0.1, the standby streaming and counted by the primary's
     synchronous_standby_names ('ANY 1 (s1)': pg_stat_replication says quorum);
  2. role and database lapor; every commit waits for the standby (a commit while the standby is
     stopped does not return; it does once the standby is back);
  3. rows committed one by one, then kill -9 of the primary (postmaster and backends) and
     promotion of the standby: every committed row is there, the promoted server takes writes,
     and conninfo_multi() (target_session_attrs=read-write) finds it;
  4. stop() leaves no postgres process and no folder behind; a PgCluster(standby=False) can be
     stopped and started again (the gateway test of a PostgreSQL outage uses that).
"""
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
sys.path.insert(0, HERE)
from lapor_harness import TempDir  # noqa: E402
from pg_cluster import PG_BIN, PgCluster, PgError  # noqa: E402


def psql_conninfo(conninfo, sql, timeout=20):
    r = subprocess.run([os.path.join(PG_BIN, "psql"), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", conninfo,
                        "-c", sql], capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, (conninfo, r.stderr)
    return r.stdout.strip()


def postgres_pids(base):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/cmdline", "rb") as f:
                    if base.encode() in f.read():
                        out.append(int(d))
            except OSError:
                pass
    return out


def test_pair(tmp):
    t0 = time.time()
    pg = PgCluster(tmp)
    base = pg.base
    try:
        assert pg.replication() == [("s1", "streaming", "quorum")], pg.replication()
        assert pg.scalar("SHOW synchronous_standby_names") == "ANY 1 (s1)"
        assert pg.scalar("SHOW synchronous_commit") == "on" and pg.scalar("SHOW fsync") == "on"
        assert pg.scalar("SHOW wal_level") == "replica"
        # The gateway's role owns its database and can create its tables there.
        pg.psql("CREATE TABLE t (id int PRIMARY KEY, v text)", user="lapor")
        assert psql_conninfo(pg.conninfo(), "SELECT current_user || ' ' || current_database()") == "lapor lapor"
        assert pg.scalar("SELECT rolsuper FROM pg_roles WHERE rolname = 'lapor'", db="postgres") == "f"
        print(f"pair up in {time.time() - t0:.1f}s: primary {pg.ports['p']}, standby {pg.ports['s']}, "
              f"pg_stat_replication {pg.replication()}", flush=True)

        # A commit waits for the standby: with the standby stopped it hangs; it returns once the
        # standby is streaming again.
        pg._run_as([os.path.join(PG_BIN, "pg_ctl"), "-D", pg.dirs["s"], "-m", "fast", "-t", "20", "stop"])
        done = threading.Event()
        err = []

        def blocked_insert():
            try:
                pg.psql("INSERT INTO t VALUES (0, 'waits for s1')", user="lapor", timeout=60)
            except PgError as e:
                err.append(e)
            done.set()
        th = threading.Thread(target=blocked_insert, daemon=True)
        th.start()
        assert not done.wait(1.5), f"a commit returned with no synchronous standby: {err}"
        pg._start("s")
        assert done.wait(30) and not err, f"the waiting commit did not return after the standby came back: {err}"
        pg.wait_streaming(sync=True)
        print("a commit waited for the standby (blocked while it was down, returned when it came back)", flush=True)

        # Committed rows survive losing the primary.
        n = 300
        sql = "".join(f"INSERT INTO t VALUES ({i}, 'row {i}');\n" for i in range(1, n + 1))
        r = subprocess.run([os.path.join(PG_BIN, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", pg.conninfo()],
                           input=sql, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        committed = int(pg.scalar("SELECT count(*) FROM t"))
        assert committed == n + 1, committed
        t_kill = pg.kill_primary()
        t_up = pg.promote_standby()
        assert pg.primary == "s"
        count = int(pg.scalar("SELECT count(*) FROM t"))
        assert count == committed, f"committed {committed}, on the promoted standby {count}"
        pg.psql("INSERT INTO t VALUES (100000, 'after promotion')", user="lapor")
        multi = pg.conninfo_multi()
        assert "target_session_attrs=read-write" in multi and multi.count("127.0.0.1") == 2, multi
        assert psql_conninfo(multi, "SELECT pg_is_in_recovery()") == "f"
        assert psql_conninfo(multi, "SELECT count(*) FROM t") == str(committed + 1)
        # Also with the dead primary listed first (a client's configuration does not change).
        dead_first = f"host=127.0.0.1,127.0.0.1 port={free_dead_port()},{pg.ports['s']} user=lapor dbname=lapor " \
                     "connect_timeout=2 target_session_attrs=read-write"
        assert psql_conninfo(dead_first, "SELECT count(*) FROM t") == str(committed + 1)
        print(f"kill -9 of the primary, promotion: {committed} committed, {count} on the promoted standby, "
              f"lost 0; writable {t_up - t_kill:.2f}s after the kill", flush=True)
    finally:
        pg.stop()
    left = postgres_pids(base)
    assert not left, f"postgres processes left: {left}"
    assert not os.path.exists(base), f"{base} left behind"


def free_dead_port():
    from pg_cluster import free_port
    return free_port()


def test_single_restart(tmp):
    pg = PgCluster(tmp, standby=False)
    base = pg.base
    try:
        assert pg.replication() == []
        assert pg.scalar("SHOW synchronous_standby_names") == ""
        pg.psql("CREATE TABLE u (id int)", user="lapor")
        pg.psql("INSERT INTO u VALUES (1)", user="lapor")
        pg.stop_primary()
        try:
            pg.psql("SELECT 1", timeout=10)
            raise AssertionError("psql worked with the server stopped")
        except PgError:
            pass
        pg.start_primary()
        assert pg.scalar("SELECT count(*) FROM u") == "1"
        print(f"single server stopped and started again (port {pg.ports['p']}), data kept", flush=True)
    finally:
        pg.stop()
    assert not postgres_pids(base) and not os.path.exists(base)


def test_reaper(tmp):
    """A test process killed by SIGKILL leaves no server behind: the reaper stops it."""
    code = (f"import sys, time; sys.path.insert(0, {os.path.join(HERE, '..', 'support')!r}); "
            "from pg_cluster import PgCluster; "
            f"pg = PgCluster({tmp!r}, standby=False, log=lambda *a, **k: None); print(pg.base, flush=True); "
            "time.sleep(120)")
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        base = p.stdout.readline().strip()
        assert base and os.path.isdir(base) and postgres_pids(base), f"no server started ({base!r})"
    finally:
        p.kill()
        p.wait(10)
    deadline = time.time() + 30
    while time.time() < deadline and (postgres_pids(base) or os.path.exists(base)):
        time.sleep(0.1)
    assert not postgres_pids(base), "the reaper left a postgres running"
    assert not os.path.exists(base), "the reaper left the folder"
    print("a SIGKILLed test process leaves no postgres behind (reaper)", flush=True)


def main():
    tmp = TempDir("lapor-pg-rig-")
    try:
        test_pair(tmp.path)
        test_single_restart(tmp.path)
        test_reaper(tmp.path)
        print("PASS test_pg_rig")
    finally:
        tmp.cleanup()


if __name__ == "__main__":
    main()
