"""A PostgreSQL 15 primary with a synchronous streaming standby, started by the tests themselves
(issue 14, ../shared/reference/scale-out.md §4.1). Python 3 standard library only, plus Debian's
binaries in /usr/lib/postgresql/15/bin (or $LAPOR_PG_BIN).

    pg = PgCluster(workdir)             # primary + standby s1, synchronous_standby_names='ANY 1 (s1)'
    try:
        pg.conninfo()                   # libpq string for the current primary
        pg.conninfo_multi()             # both hosts, target_session_attrs=read-write
        pg.psql("SELECT 1")             # -> [("1",)]
        pg.kill_primary()               # kill -9 of the postmaster and its backends
        pg.promote_standby()            # pg_ctl promote; the standby is the primary from then on
    finally:
        pg.stop()                       # everything it started, also after a failure

Everything listens on 127.0.0.1 on free ports (unix sockets in the cluster's own folder), so
several clusters run side by side. When the tests run as root (CI does), every PostgreSQL program
runs as an unprivileged user ($LAPOR_PG_USER, else `postgres`, else `nobody`), because initdb
refuses root. Every wait is bounded. A reaper process started with the cluster stops the
postmasters when the test process dies in any way (even by SIGKILL), so no server outlives a test.
Missing PostgreSQL binaries exit 77 (CTest's SKIP_RETURN_CODE).
"""
import atexit
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77
PG_BIN = os.environ.get("LAPOR_PG_BIN", "/usr/lib/postgresql/15/bin")
NEEDED = ("initdb", "pg_ctl", "postgres", "pg_basebackup", "psql")
SEP = "\x1f"


def require_pg():
    """Exits 77 (a visible skip) when the PostgreSQL server binaries are not installed."""
    missing = [p for p in NEEDED if not os.access(os.path.join(PG_BIN, p), os.X_OK)]
    if missing:
        print(f"SKIP: PostgreSQL binaries missing in {PG_BIN}: {', '.join(missing)} "
              "(apt-get install postgresql-15)", flush=True)
        sys.exit(SKIP)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class PgError(AssertionError):
    pass


# The reaper: waits for its stdin to close (the test process stopped or died), then stops the
# postmasters named on its command line (SIGQUIT = immediate shutdown, then SIGKILL) and removes
# the cluster's folder. Runs in its own session so a signal to the test's process group spares it.
REAPER = r"""
import os, shutil, signal, sys, time
base = sys.argv[1]
sys.stdin.buffer.read()
def pids():
    out = []
    for d in ("p", "s"):
        try:
            with open(os.path.join(base, d, "postmaster.pid")) as f:
                out.append(int(f.readline()))
        except (OSError, ValueError):
            pass
    return out
def alive(pid):
    # Only a postgres process: a pid from a stale postmaster.pid may belong to another program.
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"postgres" in f.read()
    except OSError:
        return False
for sig in (signal.SIGQUIT, signal.SIGKILL):
    ps = [p for p in pids() if alive(p)]
    for p in ps:
        try:
            os.kill(p, sig)
        except OSError:
            pass
    deadline = time.time() + 5
    while time.time() < deadline and any(alive(p) for p in ps):
        time.sleep(0.05)
if os.environ.get("LAPOR_KEEP_TMP"):
    print("kept", base, file=sys.stderr)
else:
    shutil.rmtree(base, ignore_errors=True)
"""


class PgCluster:
    """A primary ("p") and, with standby=True, a streaming standby ("s", slot and
    application_name s1) that the primary waits for on every commit ('ANY 1 (s1)')."""

    def __init__(self, workdir, standby=True, start=True, log=print):
        require_pg()
        self.log = log
        self.standby = standby
        self.as_user = None  # (name, uid, gid) when the tests run as root
        if os.geteuid() == 0:
            self.as_user = self._pick_user()
        self.base = self._make_base(workdir)
        self.dirs = {"p": os.path.join(self.base, "p"), "s": os.path.join(self.base, "s")}
        self.ports = {"p": None, "s": None}  # None while that server is down
        self.last_ports = {"p": None, "s": None}  # the port each one listened on last
        self.primary = "p"  # which of the two is the writable one now
        self.started = set()  # data dirs this object started (and so must stop)
        self._stopped = False
        self.reaper = subprocess.Popen([sys.executable, "-c", REAPER, self.base], stdin=subprocess.PIPE,
                                       start_new_session=True)
        atexit.register(self.stop)
        if start:
            try:
                self.start()
            except BaseException:
                self.stop()
                raise

    # ---- setup -------------------------------------------------------------------------

    @staticmethod
    def _pick_user():
        for name in [os.environ.get("LAPOR_PG_USER"), "postgres", "nobody"]:
            if not name:
                continue
            try:
                pw = pwd.getpwnam(name)
            except KeyError:
                continue
            if pw.pw_uid != 0:
                return name, pw.pw_uid, pw.pw_gid
        raise PgError("running as root and no unprivileged user for PostgreSQL (set LAPOR_PG_USER)")

    def _make_base(self, workdir):
        # The unix socket path (base/.s.PGSQL.NNNNN) must stay under 107 bytes, and the
        # unprivileged user must be able to reach the folder: else a fresh folder in /tmp.
        candidates = []
        if workdir and len(os.path.abspath(workdir)) < 70:
            candidates.append(workdir)
        candidates.append(None)
        for parent in candidates:
            base = tempfile.mkdtemp(prefix="pg-", dir=parent)
            if not self.as_user:
                return base
            _, uid, gid = self.as_user
            os.chown(base, uid, gid)
            if parent:
                # mkdtemp made the test's folder 0700 for root: let the PostgreSQL user through
                # (traverse only, no listing).
                st = os.stat(parent)
                if st.st_uid == os.geteuid():
                    os.chmod(parent, (st.st_mode & 0o7777) | 0o011)
            if self._run_as(["test", "-w", base, "-a", "-x", base], check=False, timeout=10).returncode == 0:
                return base
            shutil.rmtree(base, ignore_errors=True)
        raise PgError("no folder the PostgreSQL user can write")

    def _cmd(self, argv):
        if not self.as_user:
            return argv
        name, uid, gid = self.as_user
        if shutil.which("setpriv"):
            return ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--"] + argv
        return ["runuser", "-u", name, "--"] + argv

    def _run_as(self, argv, check=True, timeout=60, input=None):
        env = dict(os.environ, LC_ALL="C", LANG="C")
        env.pop("PGHOST", None)
        env.pop("PGPORT", None)
        if self.as_user:
            env["HOME"] = getattr(self, "base", "/tmp")
        try:
            r = subprocess.run(self._cmd(argv), capture_output=True, text=True, timeout=timeout, env=env,
                               cwd=getattr(self, "base", None) or "/", input=input)
        except subprocess.TimeoutExpired as e:
            raise PgError(f"timed out after {timeout}s: {' '.join(argv)}") from e
        if check and r.returncode != 0:
            raise PgError(f"{' '.join(argv)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
        return r

    def _bin(self, name):
        return os.path.join(PG_BIN, name)

    def _logfile(self, which):
        return os.path.join(self.base, f"{which}.log")

    def start(self):
        t0 = time.time()
        self._init_primary()
        self._start("p")
        self.psql("CREATE ROLE lapor LOGIN", db="postgres")
        self.psql("CREATE DATABASE lapor OWNER lapor", db="postgres")
        if self.standby:
            self._make_standby()
            self._start("s")
            self.wait_streaming(sync=False)
            self.psql("ALTER SYSTEM SET synchronous_standby_names = 'ANY 1 (s1)'", db="postgres")
            self.psql("SELECT pg_reload_conf()", db="postgres")
            self.wait_streaming(sync=True)
        self.log(f"pg: primary 127.0.0.1:{self.ports['p']}"
                 + (f", standby s1 127.0.0.1:{self.ports['s']} (synchronous, ANY 1)" if self.standby else "")
                 + f", ready in {time.time() - t0:.1f}s", flush=True)
        return self

    def _init_primary(self):
        # -N: initdb's own files are not fsync'd (a test folder); the server runs with fsync=on.
        self._run_as([self._bin("initdb"), "-D", self.dirs["p"], "-A", "trust", "-U", "postgres", "-E", "UTF8",
                      "--locale=C", "-N"], timeout=120)
        with open(os.path.join(self.dirs["p"], "postgresql.conf"), "a") as f:
            f.write("\n# lapor tests (tests/support/pg_cluster.py)\n"
                    "listen_addresses = '127.0.0.1'\n"
                    f"unix_socket_directories = '{self.base}'\n"
                    "wal_level = replica\nmax_wal_senders = 5\nmax_replication_slots = 5\n"
                    "hot_standby = on\nsynchronous_commit = on\nfsync = on\n"
                    "max_connections = 200\nshared_buffers = 64MB\n"
                    "wal_sender_timeout = 5s\nwal_receiver_timeout = 5s\nwal_retrieve_retry_interval = 500ms\n"
                    "log_line_prefix = '%m [%p] %a '\nlog_connections = off\n")
        with open(os.path.join(self.dirs["p"], "pg_hba.conf"), "a") as f:
            f.write("host replication postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 trust\n")

    def _make_standby(self):
        p = self.ports["p"]
        self._run_as([self._bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(p), "-U", "postgres",
                      "-D", self.dirs["s"], "-R", "-X", "stream", "-C", "-S", "s1", "-c", "fast"], timeout=120)
        self._append_auto("s", f"primary_conninfo = 'host=127.0.0.1 port={p} user=postgres application_name=s1 "
                               f"connect_timeout=2'\n")

    def _append_auto(self, which, text):
        path = os.path.join(self.dirs[which], "postgresql.auto.conf")
        self._run_as(["sh", "-c", f"cat >> '{path}'"], input=text, timeout=10)

    def _start(self, which, attempts=4, port=None):
        """pg_ctl start, on `port` (a restart keeps the port the clients' conninfo names) or on
        a free port; another test may take a free port between our probe and the bind, so a
        failed first start is retried on another one."""
        last = ""
        for i in range(attempts):
            p = port or free_port()
            self._append_auto(which, f"port = {p}\n")
            self.started.add(which)
            r = self._run_as([self._bin("pg_ctl"), "-D", self.dirs[which], "-l", self._logfile(which), "-w",
                              "-t", "60", "-o", f"-p {p}", "start"], check=False, timeout=90)
            if r.returncode == 0:
                self.ports[which] = self.last_ports[which] = p
                return p
            last = r.stdout + r.stderr + self.tail(which)
            self._run_as([self._bin("pg_ctl"), "-D", self.dirs[which], "-m", "immediate", "-t", "10", "stop"],
                         check=False, timeout=30)
            if port:
                time.sleep(0.5 * (i + 1))  # the same port: its old socket may linger a moment
        raise PgError(f"could not start postgres in {self.dirs[which]}:\n{last}")

    def start_primary(self):
        """Starts the current primary again after stop_primary(), on the same port (the
        gateways' conninfo stays valid) and with the same data."""
        self._start(self.primary, port=self.last_ports[self.primary])
        return self

    # ---- connection strings ------------------------------------------------------------

    def conninfo(self, db="lapor", user="lapor"):
        return f"host=127.0.0.1 port={self.last_ports[self.primary]} user={user} dbname={db} connect_timeout=2"

    def conninfo_multi(self, db="lapor", user="lapor"):
        if not self.standby:
            return self.conninfo(db, user)
        order = [self.primary] + [w for w in ("p", "s") if w != self.primary]
        ports = ",".join(str(self.last_ports[w]) for w in order)
        return (f"host=127.0.0.1,127.0.0.1 port={ports} user={user} dbname={db} connect_timeout=2 "
                "target_session_attrs=read-write")

    # ---- queries -----------------------------------------------------------------------

    def psql(self, sql, db="lapor", user="postgres", which=None, timeout=30):
        """Runs one SQL string (autocommit) on the primary (or `which`: "p"/"s"); the rows of
        its last statement as tuples of strings (NULL as None)."""
        port = self.ports[which or self.primary]
        if port is None:
            raise PgError(f"{which or self.primary} is not running")
        env = dict(os.environ, PGCONNECT_TIMEOUT="2", LC_ALL="C")
        try:
            r = subprocess.run([self._bin("psql"), "-X", "-q", "-A", "-t", "-F", SEP, "-P", "null=\x1e",
                                "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(port), "-U", user, "-d", db,
                                "-c", sql], capture_output=True, text=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired as e:
            raise PgError(f"psql timed out after {timeout}s: {sql[:200]}") from e
        if r.returncode != 0:
            raise PgError(f"psql on port {port} failed ({r.returncode}): {sql[:200]}\n{r.stderr.strip()}")
        rows = []
        for line in r.stdout.splitlines():  # -t -A: one line per row ("" is a row of one empty value)
            rows.append(tuple(None if v == "\x1e" else v for v in line.split(SEP)))
        return rows

    def scalar(self, sql, **kw):
        rows = self.psql(sql, **kw)
        return rows[0][0] if rows and rows[0] else None

    def create_database(self, name, owner="lapor"):
        self.psql(f'CREATE DATABASE "{name}" OWNER {owner}', db="postgres")
        return name

    def replication(self):
        """pg_stat_replication on the primary: [(application_name, state, sync_state)]."""
        return self.psql("SELECT application_name, state, sync_state FROM pg_stat_replication ORDER BY 1",
                         db="postgres")

    def wait_streaming(self, sync=True, timeout=30):
        want = ("s1", "streaming", "quorum") if sync else None
        deadline = time.time() + timeout
        rows = []
        while time.time() < deadline:
            rows = self.replication()
            for r in rows:
                if (want and r == want) or (not want and r[0] == "s1" and r[1] == "streaming"):
                    return r
            time.sleep(0.1)
        raise PgError(f"standby s1 not streaming{' as quorum' if sync else ''} after {timeout}s: {rows}\n"
                      f"{self.tail('s')}")

    def tail(self, which, n=30):
        try:
            with open(self._logfile(which), "rb") as f:
                lines = f.read().splitlines()[-n:]
            return f"--- {which}.log ---\n" + b"\n".join(lines).decode("utf-8", "replace")
        except OSError:
            return ""

    # ---- failures ----------------------------------------------------------------------

    def postmaster_pid(self, which=None):
        try:
            with open(os.path.join(self.dirs[which or self.primary], "postmaster.pid")) as f:
                return int(f.readline())
        except (OSError, ValueError):
            return None

    @staticmethod
    def _children(pid):
        out = []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open(f"/proc/{d}/stat") as f:
                    st = f.read()
                if int(st[st.rindex(")") + 2:].split()[1]) == pid:
                    out.append(int(d))
            except (OSError, ValueError, IndexError):
                pass
        return out

    @staticmethod
    def _alive(pid):
        """A live postgres process (a zombie has an empty cmdline; a reused pid another one)."""
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                return b"postgres" in f.read()
        except OSError:
            return False

    def kill_primary(self, timeout=10):
        """kill -9 of the primary's postmaster and all its processes at once (a machine lost:
        no backend lingers to answer a client). Returns the time of the kill."""
        which = self.primary
        pid = self.postmaster_pid(which)
        if pid is None:
            raise PgError("the primary is not running")
        victims = [pid] + self._children(pid)
        for p in victims:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        t = time.time()
        deadline = time.time() + timeout
        while time.time() < deadline and any(self._alive(p) for p in victims):
            time.sleep(0.02)
        left = [p for p in victims if self._alive(p)]
        if left:
            raise PgError(f"postgres processes survived kill -9: {left}")
        self.ports[which] = None
        self.started.discard(which)
        try:  # stale, and its pid may be reused by another program
            os.unlink(os.path.join(self.dirs[which], "postmaster.pid"))
        except OSError:
            pass
        return t

    def promote_standby(self, timeout=60):
        """pg_ctl promote on the standby, waits until it accepts writes; it is the primary from
        then on. It has no synchronous standby of its own (as Patroni's non-strict
        synchronous_mode does after losing the primary). Returns the time writes work."""
        if not self.standby or self.primary != "p":
            raise PgError("no standby to promote")
        self._run_as([self._bin("pg_ctl"), "-D", self.dirs["s"], "-w", "-t", str(timeout), "promote"],
                     timeout=timeout + 10)
        self.primary = "s"
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if self.scalar("SELECT pg_is_in_recovery()", db="postgres", timeout=5) == "f":
                    break
            except PgError:
                pass
            time.sleep(0.05)
        else:
            raise PgError(f"standby still in recovery after {timeout}s\n{self.tail('s')}")
        if self.scalar("SHOW synchronous_standby_names", db="postgres"):
            self.psql("ALTER SYSTEM RESET synchronous_standby_names", db="postgres")
            self.psql("SELECT pg_reload_conf()", db="postgres")
        return time.time()

    def stop_primary(self, mode="fast", timeout=30):
        """pg_ctl stop of the primary (clients see it go away; data kept for start_primary())."""
        self._run_as([self._bin("pg_ctl"), "-D", self.dirs[self.primary], "-m", mode, "-t", str(timeout), "stop"],
                     timeout=timeout + 10)
        self.ports[self.primary] = None
        self.started.discard(self.primary)

    # ---- teardown ----------------------------------------------------------------------

    def stop(self):
        """Stops every server this object started and removes its folder. Safe to call twice,
        from a finally block and from atexit."""
        if self._stopped:
            return
        self._stopped = True
        try:
            for which in ("s", "p"):
                pid = self.postmaster_pid(which)
                if pid is None or not self._alive(pid):
                    continue
                r = self._run_as([self._bin("pg_ctl"), "-D", self.dirs[which], "-m", "fast", "-t", "15", "stop"],
                                 check=False, timeout=30)
                if r.returncode != 0 and self._alive(pid):
                    for p in [pid] + self._children(pid):
                        try:
                            os.kill(p, signal.SIGKILL)
                        except OSError:
                            pass
        except Exception as e:  # noqa: BLE001 -- the reaper below still stops what is left
            print(f"pg: stop: {e}", file=sys.stderr)
        finally:
            # The reaper kills whatever still runs and removes the folder.
            try:
                self.reaper.stdin.close()
                self.reaper.wait(30)
            except (OSError, subprocess.TimeoutExpired):
                self.reaper.kill()
            self.ports = {"p": None, "s": None}
            self.started.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
