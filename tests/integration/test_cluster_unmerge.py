"""Cluster mode (SPEC §6, §9; issue 14 item 3): an operator's unmerge on one node changes the
other nodes' dedup decisions at once, as it does on one node.

The same story runs on one SQLite node and on a two-node cluster (each step at the node named):
  a. web form, phone P, a road complaint            (node 1)  -> received, A
  b. the app, phone P, the same complaint in other words (node 2)  -> duplicate of A: B
  c. the operator unmerges B                        (node 1's admin API)
  d. the app, phone P, B's text again               (node 2)  -> decided as on one node
  e. the app, phone P, A's text again               (node 2)  -> decided as on one node
Decisions are compared by role (A, B or new), not by tracking ID. Node 2 indexed B itself, so
before relinks reached the other nodes its index still said "B is a duplicate of A" until it
restarted.

Exits 77 (skipped) without PostgreSQL.
Usage: test_cluster_unmerge.py PATH/TO/lapor-gateway
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_harness import MOBILE_KEYS, Cluster, PgCluster, cluster_main, stop_rig  # noqa: E402
from lapor_harness import Daemon, TempDir, gateway_bin  # noqa: E402
from web_client import api, curl, form_nonce  # noqa: E402

PHONE = "081255550007"
WEB_TEXT = ("Jalan Ahmad Yani di Desa Baamang Hulu, Kecamatan Baamang, Kabupaten Kotawaringin Timur rusak parah "
            "dan berlubang besar. Sudah 3 bulan tidak diperbaiki, banyak pengendara motor jatuh saat hujan. "
            "Mohon dinas PU segera memperbaiki.")
APP_TEXT = "Jln Ahmad Yani Baamang Hulu rusakkk parah, lubang besar sdh 3 bln gak diperbaiki!! Motor sering jatuh."


def web_report(d, body):
    base = f"http://127.0.0.1:{d.ports['web']}"
    nonce = form_nonce(base)
    st, _, ans = curl("-H", "Accept: application/json", "--data-urlencode", "title=Jalan rusak parah",
                      "--data-urlencode", f"body={body}", "--data-urlencode", f"phone={PHONE}",
                      "--data-urlencode", "location=Sampit", "--data-urlencode", f"nonce={nonce}", base + "/lapor")
    assert st == 201, (st, ans)
    return json.loads(ans)


def app_report(d, body, key):
    base = f"http://127.0.0.1:{d.ports['web']}"
    st, _, ans = api(base, "POST", "/api/v1/reports",
                     {"title": "", "body": body, "kind": "complaint", "reporter": {"phone": PHONE}, "device_id": "dev-" + key},
                     idem=key)
    assert st == 201, (st, ans)
    return ans


def unmerge(d, tid):
    st, _, body = d.request("admin", "POST", f"/admin/complaints/{tid}/unmerge")
    assert st == 200, (st, body)


def story(n1, n2, wait):
    """Runs a-e; returns the decisions of d and e by role."""
    a = web_report(n1, WEB_TEXT)
    assert a["status"] == "received", a
    b = app_report(n2, APP_TEXT, "u-b")
    assert b["status"] == "duplicate" and b["duplicate_of"] == a["tracking_id"], b
    # B's own tracking ID (the app was answered with A's): the other dispatcher row's.
    st, _, view = n2.request("admin", "GET", "/admin/outbox?state=all&limit=100")
    assert st == 200, (st, view)
    others = {r["tracking_id"] for r in json.loads(view)["items"]
              if r["destination"] == "dispatcher" and r["tracking_id"] and r["tracking_id"] != a["tracking_id"]}
    assert len(others) == 1, f"expected one duplicate link row besides A's: {others}"
    dup_b = others.pop()
    unmerge(n1, dup_b)
    wait()
    roles = {a["tracking_id"]: "A", dup_b: "B"}

    def role(ans):
        return ans["status"], roles.get(ans.get("duplicate_of") or "", "-" if not ans.get("duplicate_of") else "other")
    d = app_report(n2, APP_TEXT, "u-d")
    e = app_report(n2, WEB_TEXT, "u-e")
    return role(d), role(e)


def main():
    tmp = TempDir("lapor-cluster-unmerge-")
    pg = cluster = single = None
    try:
        sets = [f"mobile.api_keys={MOBILE_KEYS}", "web.rate_limit_per_minute=0"]
        single = Daemon(os.path.join(tmp.path, "single"), sets=sets, bin_path=gateway_bin()).start()
        expected = story(single, single, lambda: None)
        single.stop()
        single = None
        print(f"one node: d {expected[0]}, e {expected[1]}", flush=True)

        pg = PgCluster(tmp.path, standby=False)
        cluster = Cluster(tmp.path, pg)
        n1, n2 = cluster.start_all(2)
        got = story(n1, n2, lambda: time.sleep(0.5))  # the tail reads relinks every 200 ms
        print(f"cluster:  d {got[0]}, e {got[1]}", flush=True)
        assert got == expected, f"after an unmerge on node 1, node 2 decided {got}, one node {expected}"
        print("PASS")
        return 0
    except AssertionError:
        if cluster:
            print(cluster.tails(30))
        raise
    finally:
        if single:
            single.stop()
        stop_rig(tmp, pg=pg, cluster=cluster)


if __name__ == "__main__":
    cluster_main(main)
