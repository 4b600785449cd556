#!/usr/bin/env python3
"""Cluster mode under load: two gateway nodes on one PostgreSQL (with a synchronous standby)
beside one SQLite node, the same load generators, in the same run.

    bench/run_cluster_load.py PATH/TO/lapor-gateway [--seconds 10] [--no-standby] [--curve]

What it runs (everything on this machine, 127.0.0.1 only):
  1. SMPP: bench/smpp_load against each node (2 binds x window 50 per node: 4 x 50 in all),
     a reply SMS per MO; then the same 4 x 50 against one SQLite node.
  2. HTTP: bench/http_load --target against each node (32 connections per node, signed
     mobile API, a fresh Idempotency-Key per request); then against one SQLite node.
     http_load measures its bare Beast ceiling first in each run.
  3. With --curve: the cluster's cost per submission as load rises (1, 2, 8, 32 binds x
     window 50 spread over the two nodes): MO/s, p99, rows per commit group and the
     daemons' CPU per MO, read from /proc/PID/stat (holds on a busy machine).
Prints one table per part, and the cluster/SQLite ratio. PostgreSQL, its standby, both
nodes and the load generators share the cores: the figures are the whole system's.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
from pg_cluster import PgCluster, require_pg  # noqa: E402

TRACKING_KEY = "00112233445566778899aabbccddeeff"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def metric(admin_port, name):
    body = urllib.request.urlopen(f"http://127.0.0.1:{admin_port}/metrics", timeout=10).read().decode()
    total = 0.0
    for line in body.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


class Node:
    def __init__(self, gateway, workdir, name, sets):
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.log = open(os.path.join(self.dir, "daemon.log"), "w")
        config = os.path.join(self.dir, "gateway.toml")
        with open(config, "w") as f:
            f.write(f'''data_dir = "{self.dir}/data"
log_format = "json"
log_level = "warn"
[web]
listen = "127.0.0.1:0"
rate_limit_per_minute = 0
[admin]
listen = "127.0.0.1:0"
[tracking]
key = "{TRACKING_KEY}"
[mobile]
api_keys = [{{key_id = "bench", secret = "bench-secret-0123456789abcdef"}}]
[smpp]
listen = "127.0.0.1:0"
short_code = "1708"
accounts = [{{system_id = "bench", password = "bench", operator = "telkomsel", allowed_cidrs = ["127.0.0.1/32"]}}]
''')
        argv = [gateway, "--config", config]
        for kv in sets:
            argv += ["--set", kv]
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT)
        ports_file = os.path.join(self.dir, "data", "ports.json")
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} exited: {open(self.log.name).read()[-2000:]}")
            if os.path.exists(ports_file):
                try:
                    self.ports = json.load(open(ports_file))
                    break
                except ValueError:
                    pass
            time.sleep(0.05)
        else:
            raise RuntimeError(f"{name}: no ports.json in 60 s")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def parse_result(text):
    m = re.search(r"^RESULT (.*)$", text, re.M)
    if not m:
        raise RuntimeError("no RESULT line in:\n" + text[-2000:])
    return {k: float(v) for k, v in (kv.split("=") for kv in m.group(1).split())}


def run_smpp(nodes, smpp_load, binds_per_node, window, seconds):
    cpu0 = {n: cpu_seconds(n.proc.pid) for n in nodes}
    rows0 = {n: (metric(n.ports["admin"], "lapor_commit_rows_total"), metric(n.ports["admin"], "lapor_commit_groups_total")) for n in nodes}
    procs = []
    for i, n in enumerate(nodes):
        argv = [smpp_load, "--port", str(n.ports["smpp"]), "--binds", str(binds_per_node), "--window", str(window),
                "--seconds", str(seconds), "--system-id", "bench", "--password", "bench",
                "--number-base", str(6281200000000 + i * 10_000_000), "--texts", "varied"]
        procs.append(subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    results = [parse_result(p.communicate(timeout=seconds + 120)[0]) for p in procs]
    cpu = sum(cpu_seconds(n.proc.pid) - cpu0[n] for n in nodes)
    rows = sum(metric(n.ports["admin"], "lapor_commit_rows_total") - rows0[n][0] for n in nodes)
    groups = sum(metric(n.ports["admin"], "lapor_commit_groups_total") - rows0[n][1] for n in nodes)
    accepted = sum(r["accepted"] for r in results)
    return {
        "binds": binds_per_node * len(nodes), "window": window,
        "mo_per_s": sum(r["mo_per_s"] for r in results),
        "p50_ms": max(r["p50_ms"] for r in results), "p99_ms": max(r["p99_ms"] for r in results),
        "accepted": accepted, "throttled": sum(r["throttled"] for r in results),
        "errors": sum(r["errors"] + r["unanswered"] for r in results),
        "cpu_us_per_mo": cpu * 1e6 / accepted if accepted else 0.0,
        "rows_per_commit": rows / groups if groups else 0.0,
    }


def run_http(nodes, http_load, connections_per_node, seconds):
    procs = []
    for k, n in enumerate(nodes):
        # Each generator its own reporters (--reporter-offset): one person sending from two
        # nodes at the same instant is rare in real traffic and serialises both nodes.
        argv = [http_load, "--target", f"127.0.0.1:{n.ports['web']}", "--key-id", "bench",
                "--secret", "bench-secret-0123456789abcdef", "--daemon-pid", str(n.proc.pid),
                "--connections", str(connections_per_node), "--seconds", str(seconds),
                "--reporter-offset", str(k * connections_per_node)]
        procs.append(subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    outs = [p.communicate(timeout=3 * seconds + 120)[0] for p in procs]
    rps = p50 = p99 = ceiling = 0.0
    for out in outs:
        for line in out.splitlines():
            m = re.match(r"(.+?)\s{2,}([0-9.]+) req/s +p50 +([0-9.]+) ms +p99 +([0-9.]+) ms", line)
            if not m:
                continue
            if "bare" in m.group(1) or "ceiling" in m.group(1) or "200 OK" in m.group(1):
                ceiling = max(ceiling, float(m.group(2)))
            else:
                rps += float(m.group(2))
                p50 = max(p50, float(m.group(3)))
                p99 = max(p99, float(m.group(4)))
    if rps == 0:
        raise RuntimeError("no durable run figures in http_load output:\n" + "\n".join(o[-1500:] for o in outs))
    return {"req_per_s": rps, "p50_ms": p50, "p99_ms": p99, "ceiling": ceiling}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("gateway")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--no-standby", action="store_true")
    ap.add_argument("--curve", action="store_true")
    ap.add_argument("--http-connections", type=int, default=64,
                    help="HTTP connections in all, split over the nodes (default 64)")
    a = ap.parse_args()
    build = os.path.dirname(os.path.abspath(a.gateway))
    smpp_load = os.path.join(build, "bench", "smpp_load")
    http_load = os.path.join(build, "bench", "http_load")
    for b in (smpp_load, http_load):
        if not os.access(b, os.X_OK):
            sys.exit(f"{b} not built (ninja smpp_load http_load)")
    require_pg()
    work = tempfile.mkdtemp(prefix="lapor-cluster-bench-")
    pg = None
    nodes = []
    try:
        pg = PgCluster(work, standby=not a.no_standby)
        cluster_sets = ["store.backend=postgres", f"store.postgres.conninfo={pg.conninfo()}"]
        table = []

        def cluster_nodes(count=2):
            return [Node(a.gateway, work, f"node{i}-{time.monotonic_ns()}", cluster_sets + [f"tracking.node_id={i}"])
                    for i in range(1, count + 1)]

        def sqlite_node():
            return [Node(a.gateway, work, f"sqlite-{time.monotonic_ns()}", [])]

        for label, make in (("cluster: 2 nodes, PostgreSQL" + ("" if a.no_standby else " + sync standby"), cluster_nodes),
                            ("SQLite: 1 node", sqlite_node)):
            nodes = make()
            per_node = 4 // len(nodes)
            s = run_smpp(nodes, smpp_load, per_node, 50, a.seconds)
            h = run_http(nodes, http_load, max(1, a.http_connections // len(nodes)), a.seconds)
            table.append((label, s, h))
            for n in nodes:
                n.stop()
            nodes = []

        print(f"\nSMPP 4 binds x window 50 and HTTP {a.http_connections} connections, {a.seconds} s each, reply SMS per MO, durable acks")
        print(f"{'':44} {'MO/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU us/MO':>10} {'rows/commit':>12} {'HTTP req/s':>11} {'p50 ms':>8} {'p99 ms':>8}")
        for label, s, h in table:
            print(f"{label:44} {s['mo_per_s']:8.0f} {s['p50_ms']:8.2f} {s['p99_ms']:8.2f} {s['cpu_us_per_mo']:10.1f} "
                  f"{s['rows_per_commit']:12.1f} {h['req_per_s']:11.0f} {h['p50_ms']:8.2f} {h['p99_ms']:8.2f}")
        c, q = table[0], table[1]
        print(f"cluster / SQLite: SMPP {c[1]['mo_per_s'] / q[1]['mo_per_s']:.2f}, HTTP {c[2]['req_per_s'] / q[2]['req_per_s']:.2f}"
              f"; bare Beast ceiling in the same run {max(c[2]['ceiling'], q[2]['ceiling']):.0f} req/s")
        if c[1]["errors"] or q[1]["errors"]:
            print(f"SMPP errors or unanswered: cluster {c[1]['errors']:.0f}, SQLite {q[1]['errors']:.0f}")

        if a.curve:
            print("\ncluster cost per submission as load rises (SMPP MO)")
            print(f"{'nodes':>6} {'binds':>6} {'window':>7} {'MO/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU us/MO':>10} {'rows/commit':>12}")
            for count, binds, window in ((1, 1, 1), (2, 2, 10), (2, 4, 50), (2, 16, 50)):
                nodes = cluster_nodes(count)
                s = run_smpp(nodes, smpp_load, binds // count, window, max(5, a.seconds // 2))
                print(f"{count:>6} {s['binds']:>6} {window:>7} {s['mo_per_s']:8.0f} {s['p50_ms']:8.2f} {s['p99_ms']:8.2f} "
                      f"{s['cpu_us_per_mo']:10.1f} {s['rows_per_commit']:12.1f}")
                for n in nodes:
                    n.stop()
                nodes = []
    finally:
        for n in nodes:
            n.stop()
        if pg is not None:
            pg.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
