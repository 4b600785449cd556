"""Shared helpers for integration tests: start the real daemon on ephemeral ports, talk to
it over loopback HTTP, and always stop what was started. Python 3 standard library only."""
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def gateway_bin():
    if len(sys.argv) > 1 and os.path.exists(sys.argv[1]):
        return os.path.abspath(sys.argv[1])
    b = os.environ.get("LAPOR_GATEWAY_BIN")
    if not b:
        raise SystemExit("usage: test_x.py PATH/TO/lapor-gateway (or LAPOR_GATEWAY_BIN)")
    return b


class TempDir:
    def __init__(self, prefix):
        self.path = tempfile.mkdtemp(prefix=prefix)

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)


def wait_until(pred, timeout, interval=0.05, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _die_with_parent():
    """In the child before exec: prctl(PR_SET_PDEATHSIG, SIGKILL)."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def log_events(path):
    """The daemon's JSON log lines as dicts (text lines and a line cut by a kill are skipped)."""
    out = []
    try:
        with open(path, "rb") as f:
            for line in f:
                try:
                    e = json.loads(line)
                except ValueError:
                    continue
                if isinstance(e, dict):
                    out.append(e)
    except OSError:
        pass
    return out


class Daemon:
    """The lapor-gateway process with its own data_dir and ephemeral ports."""

    def __init__(self, data_dir, sets=(), config_file=None, bin_path=None, log_name="daemon.log", env=None):
        self.bin = bin_path or gateway_bin()
        self.data_dir = data_dir
        self.sets = list(sets)
        self.config_file = config_file
        self.proc = None
        self.ports = None
        self.log_path = os.path.join(data_dir, log_name)
        self.log_file = None
        self.env = env  # extra environment variables (e.g. LD_PRELOAD for fault injection)
        self.admin_headers = {}  # sent on every admin request (e.g. the admin.token bearer)
        # Linux: SIGKILL the daemon when the thread that started it dies (a test killed by its
        # timeout leaves no daemon behind). Only for daemons started from the main thread.
        self.die_with_parent = False

    def args(self):
        a = [self.bin]
        if self.config_file:
            a += ["--config", self.config_file]
        base = [f"data_dir={self.data_dir}", "web.listen=127.0.0.1:0", "admin.listen=127.0.0.1:0",
                "smpp.listen=127.0.0.1:0", "admin.test_channel=true"]
        for s in base + self.sets:
            a += ["--set", s]
        return a

    def start(self, timeout=20):
        os.makedirs(self.data_dir, exist_ok=True)
        ports_file = os.path.join(self.data_dir, "ports.json")
        if os.path.exists(ports_file):
            os.unlink(ports_file)
        self.log_file = open(self.log_path, "ab")
        env = dict(os.environ, **self.env) if self.env else None
        self.proc = subprocess.Popen(self.args(), stdout=self.log_file, stderr=self.log_file, env=env,
                                     preexec_fn=_die_with_parent if self.die_with_parent else None)

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"daemon exited with {self.proc.returncode}; log:\n{self.tail_log()}")
            if not os.path.exists(ports_file):
                return None
            with open(ports_file) as f:
                return json.load(f)

        self.ports = wait_until(ready, timeout, what="ports.json")
        wait_until(lambda: self.get("admin", "/readyz")[0] == 200, timeout, what="/readyz")
        return self

    def tail_log(self, n=40):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-n:]).decode("utf-8", "replace")
        except OSError:
            return ""

    def events(self, name=None):
        """Its log's JSON lines, or only those whose "event" is `name`."""
        return [e for e in log_events(self.log_path) if name is None or e.get("event") == name]

    def run_to_exit(self, timeout=30):
        """Starts it expecting it to refuse to run: its exit code, or None when it was still
        running after `timeout` seconds (then it is stopped)."""
        os.makedirs(self.data_dir, exist_ok=True)
        self.log_file = open(self.log_path, "ab")
        env = dict(os.environ, **self.env) if self.env else None
        self.proc = subprocess.Popen(self.args(), stdout=self.log_file, stderr=self.log_file, env=env,
                                     preexec_fn=_die_with_parent if self.die_with_parent else None)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill9()
            return None
        finally:
            self._close_log()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        if self.running():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self._close_log()

    def stop(self, timeout=30):
        """SIGTERM; returns the exit code."""
        if not self.running():
            self._close_log()
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            rc = "timeout"
        self._close_log()
        return rc

    def _close_log(self):
        if self.log_file:
            self.log_file.close()
            self.log_file = None

    def conn(self, listener, timeout=10):
        return http.client.HTTPConnection("127.0.0.1", self.ports[listener], timeout=timeout)

    def request(self, listener, method, path, body=None, headers=None, timeout=10):
        c = self.conn(listener, timeout)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
                headers = dict(headers or {}, **{"Content-Type": "application/json"})
            if listener == "admin" and self.admin_headers:
                headers = dict(self.admin_headers, **(headers or {}))
            if listener == "admin" and method not in ("GET", "HEAD") and not any(
                    k.lower() == "content-type" for k in (headers or {})):
                # The admin listener refuses state-changing requests that are not JSON (a browser
                # could send those cross-site); an operator's script says what it sends.
                headers = dict(headers or {}, **{"Content-Type": "application/json"})
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
        finally:
            c.close()

    def get(self, listener, path, **kw):
        return self.request(listener, "GET", path, **kw)

    def metric(self, name_with_labels):
        st, _, body = self.get("admin", "/metrics")
        for line in body.decode().splitlines():
            if line.startswith(name_with_labels + " "):
                return float(line.split()[-1])
        return None


class FakeDispatcher:
    """tests/integration/fake_dispatcher.py as a subprocess."""

    def __init__(self, workdir, *args):
        self.workdir = workdir
        self.log = os.path.join(workdir, "dispatcher.jsonl")
        self.port_file = os.path.join(workdir, "dispatcher.port")
        self.args = list(args)
        self.proc = None
        self.port = None

    def start(self, timeout=10):
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "fake_dispatcher.py"),
                                      "--port-file", self.port_file, "--log", self.log] + self.args,
                                     stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.workdir, "dispatcher.err"), "ab"))
        self.port = int(wait_until(lambda: os.path.exists(self.port_file) and open(self.port_file).read().strip(),
                                   timeout, what="fake dispatcher port"))
        return self

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/complaints"

    def received(self):
        """Every request the dispatcher answered, as dicts with idempotency_key and body."""
        out = []
        if not os.path.exists(self.log):
            return out
        with open(self.log) as f:
            for line in f:
                line = line.strip()
                if line:
                    try:
                        out.append(json.loads(line))
                    except ValueError:
                        pass  # a line cut by a crash of the fake itself
        return out

    def accepted_documents(self):
        """Every document the dispatcher answered 2xx, one at a time (batches unpacked)."""
        for r in self.received():
            if r.get("status", 0) // 100 != 2:
                continue
            for doc in r["body"] if isinstance(r.get("body"), list) else [r.get("body")]:
                if isinstance(doc, dict):
                    yield doc

    def stop(self):
        stop_process(self.proc)


def stop_process(proc, sig=signal.SIGTERM, timeout=5):
    """Ends a child process the test started (None or already ended: nothing): `sig`, then
    SIGKILL if it is still running after `timeout` seconds; reaped either way."""
    if proc and proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def submit(conn, body, key, path="/admin/test/submit"):
    """POST a test submission on a kept-alive connection; (status, json or None)."""
    conn.request("POST", path, body=json.dumps(body).encode(),
                 headers={"Content-Type": "application/json", "Idempotency-Key": key})
    r = conn.getresponse()
    data = r.read()
    try:
        return r.status, json.loads(data)
    except ValueError:
        return r.status, None
