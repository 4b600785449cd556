"""Monitoring that operators import as it is (ops/prometheus, ops/grafana).

  * promtool check rules ops/prometheus/alerts.yml;
  * promtool test rules ops/prometheus/alerts_test.yml (a firing and a quiet case per rule);
  * a live daemon on 127.0.0.1 (an SMPP account, Twitter on against a closed local port, so
    every family is exported) serves a /metrics that `promtool check metrics` finds clean;
  * every metric the rules and the Grafana dashboard name is in that /metrics output, so a
    renamed metric cannot silently turn an alert off.

promtool comes from Debian's `prometheus` package (scripts/install-deps.sh); without it the
test exits 77 (skipped). Usage: test_monitoring.py PATH/TO/lapor-gateway. Bounded to ~60 s.
"""
import json
import os
import re
import shutil
import subprocess
import sys

SOURCE = os.environ.get("LAPOR_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))
from lapor_harness import Daemon, TempDir, wait_until  # noqa: E402

RULES = os.path.join(SOURCE, "ops", "prometheus", "alerts.yml")
RULE_TESTS = os.path.join(SOURCE, "ops", "prometheus", "alerts_test.yml")
DASHBOARD = os.path.join(SOURCE, "ops", "grafana", "lapor-gateway.json")


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)


def metric_names(expr):
    """The lapor_* metric names an expression reads (histogram suffixes folded to the family)."""
    return {re.sub(r"_bucket$", "", n) for n in re.findall(r"\blapor_[a-z_]+\b", expr)}


def rule_exprs():
    # alerts.yml is simple enough to read without a YAML library: `expr:` single-line or `|` blocks.
    exprs, lines = [], open(RULES).read().splitlines()
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)expr:\s*(.*)$", lines[i])
        if m:
            if m.group(2).strip() == "|":
                indent = len(m.group(1))
                block = []
                i += 1
                while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
                    block.append(lines[i])
                    i += 1
                exprs.append("\n".join(block))
                continue
            exprs.append(m.group(2))
        i += 1
    return exprs


def dashboard_exprs():
    dash = json.load(open(DASHBOARD))
    out = []
    for p in dash["panels"]:
        for t in p.get("targets", []):
            out.append(t["expr"])
    for v in dash["templating"]["list"]:
        out.append(v["definition"])
    return out


def main():
    promtool = shutil.which("promtool")
    if not promtool:
        print("promtool missing (Debian package prometheus): skipped")
        return 77
    r = run([promtool, "check", "rules", RULES])
    print(r.stdout + r.stderr)
    assert r.returncode == 0, "promtool check rules failed"
    r = run([promtool, "test", "rules", RULE_TESTS])
    print(r.stdout + r.stderr)
    assert r.returncode == 0, "promtool test rules failed"

    tmp = TempDir("lapor-monitoring-")
    d = Daemon(os.path.join(tmp.path, "data"), sets=[
        'smpp.accounts=[{system_id="tsel1708", password="rahasia", operator="telkomsel", allowed_cidrs=["127.0.0.0/8"]}]',
        "twitter.enabled=true", "twitter.api_base=http://127.0.0.1:9", "twitter.bearer_token=test-token",
        'twitter.user_id="12345"', "twitter.poll_interval_ms=200", "twitter.backoff_initial_ms=100",
        "dispatcher.url=http://127.0.0.1:9/complaints", "dispatcher.backoff_initial_ms=50",
        "dispatcher.backoff_max_ms=100"])
    try:
        d.start()
        body = {"title": "Sampah menumpuk", "body": "Sampah menumpuk di pasar sejak seminggu", "reporter": {"phone": "081234567890"}}
        st, _, ans = d.request("admin", "POST", "/admin/test/submit", body=body, headers={"Idempotency-Key": "m1"})
        assert st == 201, (st, ans)
        # The dispatcher's port refuses: after 5 failed attempts the forwarder reports unhealthy.
        wait_until(lambda: d.metric('lapor_forwarder_healthy{destination="dispatcher"}') == 0, 20,
                   what="lapor_forwarder_healthy{destination=\"dispatcher\"} 0")
        wait_until(lambda: d.metric("lapor_twitter_up") is not None, 20, what="twitter gauges")
        wait_until(lambda: d.metric("lapor_sms_replies_queued") is not None, 20, what="SMS channel gauges (set once a second)")
        st, headers, exposition = d.get("admin", "/metrics")
        assert st == 200, st
        exposition = exposition.decode()
    finally:
        rc = d.stop()
        tmp.cleanup()
    assert rc == 0, rc

    r = run([promtool, "check", "metrics"], input=exposition)
    print("promtool check metrics:", (r.stdout + r.stderr).strip() or "clean")
    assert r.returncode == 0 and not (r.stdout + r.stderr).strip(), "promtool check metrics is not clean"

    exported = set(re.findall(r"^# TYPE (\S+) ", exposition, re.M))
    assert 'lapor_smpp_binds{operator="telkomsel"} 0' in exposition, "a configured operator shows 0 binds before it binds"
    for source, exprs in (("alerts.yml", rule_exprs()), ("lapor-gateway.json", dashboard_exprs())):
        assert exprs, f"no expressions read from {source}"
        names = set().union(*(metric_names(e) for e in exprs))
        missing = sorted(n for n in names if n not in exported)
        assert not missing, f"{source} names metrics the daemon does not export: {missing}"
        print(f"{source}: {len(exprs)} expressions, {len(names)} metrics, all exported")
    print("monitoring checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
