"""Cluster mode (SPEC §9, issue 14 item 5): an SMPP client bind to an operator that caps the
sessions of an account is a lease. Two nodes are configured with the same smpp.clients entry
(cluster_binds = 1) towards node-smpp acting as the operator's SMSC:

  1. exactly one of them binds (the SMSC never sees two sessions at once);
  2. kill -9 of the holder: the other node binds after the lease time;
  3. the killed node, restarted, does not bind while the other holds the lease.

Exits 77 (skipped) without node or PostgreSQL.
Usage: test_cluster_smpp_clients.py PATH/TO/lapor-gateway
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_harness import LEASE_TTL_S, Cluster, PgCluster, cluster_main  # noqa: E402
from lapor_harness import TempDir, wait_until  # noqa: E402
from smpp_support import NodeSmsc, free_port, node_peers  # noqa: E402


def open_sessions(smsc):
    """Sessions the SMSC holds now: binds minus closes, by peer."""
    live = set()
    for e in smsc.events():
        if e.get("cmd") == "bind_transceiver":
            live.add(e.get("peer"))
        elif e.get("event") == "close":
            live.discard(e.get("peer"))
    return live


def holder(cluster):
    """The nodes whose log says they hold the client bind's lease now."""
    out = []
    for i, d in cluster.nodes.items():
        if not d.running():
            continue
        acquired = lost = 0
        for e in cluster.daemon_log_events(i):
            if e.get("event") == "smpp_client_lease_acquired":
                acquired += 1
            elif e.get("event") == "smpp_client_lease_lost":
                lost += 1
        if acquired > lost:
            out.append(i)
    return out


def main():
    node_peers()
    tmp = TempDir("lapor-cluster-smpp-clients-")
    pg = smsc = cluster = None
    try:
        pg = PgCluster(tmp.path, standby=False)
        port = free_port()
        smsc = NodeSmsc(tmp.path, port, "smsc", MO_COUNT=0)
        client = {"host": "127.0.0.1", "port": port, "system_id": "test", "password": "secret", "bind": "transceiver",
                  "operator": "indosat", "cluster_binds": 1}
        inline = "[{" + ", ".join(f"{k} = {json.dumps(v)}" for k, v in client.items()) + "}]"
        cluster = Cluster(tmp.path, pg, extra_sets=[f"smpp.clients={inline}", "smpp.enquire_link_interval_s=1"])
        cluster.start_all(2)
        most = 0

        def one_bound():
            nonlocal most
            s = open_sessions(smsc)
            most = max(most, len(s))
            return s if len(s) == 1 and len(holder(cluster)) == 1 else None

        wait_until(one_bound, 20, what="one bind in the cluster")
        first = holder(cluster)[0]
        for _ in range(2 * LEASE_TTL_S * 4):  # watch a while: never two sessions
            most = max(most, len(open_sessions(smsc)))
            time.sleep(0.25)
        assert most == 1, f"the SMSC saw {most} sessions at once (cluster_binds = 1)"
        print(f"1. node {first} holds the bind; the SMSC never saw two sessions", flush=True)

        t = cluster.kill9(first)
        other = 2 if first == 1 else 1
        wait_until(lambda: holder(cluster) == [other] and len(open_sessions(smsc)) >= 1 or None, 4 * LEASE_TTL_S + 20,
                   what="the other node binds")
        print(f"2. node {other} bound {time.time() - t:.2f}s after node {first} was killed (lease {LEASE_TTL_S}s)", flush=True)

        cluster.restart(first)
        time.sleep(3 * LEASE_TTL_S)
        assert holder(cluster) == [other], f"holders after the restart: {holder(cluster)}"
        print(f"3. node {first} restarted and stays unbound while node {other} holds the lease", flush=True)
        print("PASS test_cluster_smpp_clients")
        return 0
    finally:
        if cluster:
            cluster.stop_all()
        if smsc:
            smsc.stop()
        if pg:
            pg.stop()
        tmp.cleanup()


if __name__ == "__main__":
    cluster_main(main)
