"""Helpers for the Twitter channel's integration tests: the fake X API as a subprocess, and
reading what the daemon dispatched (data_dir/dispatched.jsonl, the default file:// sink)."""
import json
import os
import subprocess
import sys
import urllib.request

from lapor_harness import HERE, stop_process, wait_until

TOKEN = "AAAAAAAAAAAAAAAAAAAAAFakeBearer%2Fs3cr3tT0ken-do-not-log"
USER_ID = "1497254331178708992"


class FakeTwitter:
    """tests/integration/fake_twitter.py as a subprocess."""

    def __init__(self, workdir, *args):
        self.workdir = workdir
        self.port_file = os.path.join(workdir, "twitter.port")
        self.log = os.path.join(workdir, "twitter.jsonl")
        self.args = list(args)
        self.proc = None
        self.port = None

    def start(self, timeout=10):
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "fake_twitter.py"), "--port-file", self.port_file,
                                      "--token", TOKEN, "--user-id", USER_ID, "--log", self.log] + self.args,
                                     stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.workdir, "twitter.err"), "ab"))
        self.port = int(wait_until(lambda: os.path.exists(self.port_file) and open(self.port_file).read().strip(),
                                   timeout, what="fake twitter port"))
        return self

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def daemon_sets(self, **extra):
        s = {"twitter.enabled": "true", "twitter.api_base": self.base, "twitter.bearer_token": TOKEN,
             "twitter.user_id": USER_ID, "twitter.poll_interval_ms": "200", "twitter.max_results": "5",
             "twitter.backoff_initial_ms": "100", "twitter.backoff_max_ms": "1000", "twitter.config_error_retry_ms": "500",
             "twitter.reconcile_window_ms": "1000", "twitter.reconcile_every": "3"}
        s.update({k.replace("__", "."): str(v) for k, v in extra.items()})
        return [f"{k}={v}" for k, v in s.items()]

    def control(self, path, body):
        req = urllib.request.Request(self.base + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=5) as r:
            return json.loads(r.read())

    def state(self):
        with urllib.request.urlopen(self.base + "/control/state", timeout=5) as r:
            return json.loads(r.read())

    def requests(self):
        with open(self.log) as f:
            return [json.loads(line) for line in f if line.strip()]

    def stop(self):
        stop_process(self.proc)


def dispatched_twitter(data_dir):
    """{tweet_id: [documents]} of the twitter complaints in dispatched.jsonl (a line cut by a
    crash is skipped: it was never confirmed, so it is sent again)."""
    out = {}
    path = os.path.join(data_dir, "dispatched.jsonl")
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            if doc.get("channel") != "twitter" or doc.get("schema") != "lapor.complaint/v1":
                continue
            out.setdefault(doc["channel_ref"]["tweet_id"], []).append(doc)
    return out
