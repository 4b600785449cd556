"""Cluster mode (SPEC §7, §9; issue 14): a long SMS whose parts reach two nodes because the
node that took the first parts died. The operator's SMSC rebinds to another node and sends the
rest there; no state that decides an answer may live in one node only.

  1. Part 1 of 4 to node 1 (acknowledged), kill -9 node 1, the others to node 2: one
     complaint with the whole text, reaching the dispatcher once, complete (no gap marker), well
     before the reassembly timeout.
  2. Both parts of another message to node 2 (stored, acknowledged), kill -9 node 2 and a copy
     of the last part to node 3 (the SMSC never saw its resp): still one complaint, also after
     the reassembly timeout has passed (the copy does not become an incomplete second one).
  3. Part 1 of a message to node 3 and part 1 of a message under the same reference with other bytes to
     node 1 (restarted) after node 3's death: two messages, never one glued from both.

Exits 77 (skipped) without PostgreSQL.
Usage: test_cluster_sms_parts.py PATH/TO/lapor-gateway
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_harness import LEASE_TTL_S, Cluster, PgCluster, cluster_main, stop_rig  # noqa: E402
from lapor_harness import FakeDispatcher, TempDir, wait_until  # noqa: E402
from smpp_support import ESME_ROK, RESP, SUBMIT_SM, RawSmpp, long_sms_parts, sm_body  # noqa: E402

# Long enough that a loaded CI machine (two tests per core, PostgreSQL beside them) finishes the
# takeover well before it; a message completed after it would carry a gap marker (checked).
REASSEMBLY_S = 30


def send_parts(daemon, src, parts):
    """Binds to `daemon`, sends `parts` one by one (stop-and-wait), returns the statuses."""
    c = RawSmpp(daemon.ports["smpp"], timeout=10)
    try:
        assert c.bind() == ESME_ROK
        out = []
        for p in parts:
            seq = c.send(SUBMIT_SM, sm_body(src, "1708", p, esm_class=0x40))
            _, st, _, _ = c.expect(SUBMIT_SM | RESP, seq, timeout=10)
            out.append(st)
        return out
    finally:
        c.close()


def complaints_with(dispatcher, marker):
    return [d for d in dispatcher.accepted_documents()
            if d.get("schema") == "lapor.complaint/v1" and marker in (d.get("body") or "")]


def main():
    tmp = TempDir("lapor-cluster-sms-parts-")
    pg = dispatcher = cluster = None
    try:
        pg = PgCluster(tmp.path, standby=False)
        dispatcher = FakeDispatcher(tmp.path)
        dispatcher.start()
        cluster = Cluster(tmp.path, pg, dispatcher, extra_sets=[f"smpp.reassembly_timeout_s={REASSEMBLY_S}"])
        cluster.start_all(3)

        # 1. Parts split by a node's death.
        text1 = ("Jalan berlubang besar di depan SDN 3 Sukamaju sejak dua bulan, sudah dua motor jatuh. "
                 "Mohon segera ditambal sebelum musim hujan (m:one) " * 3)
        parts1 = long_sms_parts(text1, ref=0x31, size=120)
        assert len(parts1) >= 3, len(parts1)
        assert send_parts(cluster.nodes[1], "6281211110001", parts1[:1]) == [ESME_ROK]
        killed = cluster.kill9(1)
        assert send_parts(cluster.nodes[2], "6281211110001", parts1[1:]) == [ESME_ROK] * (len(parts1) - 1)
        wait_until(lambda: complaints_with(dispatcher, "(m:one)"), REASSEMBLY_S - 2, what="the message split by node 1's death was not stored whole before the reassembly timeout")
        took = time.time() - killed
        docs = complaints_with(dispatcher, "(m:one)")
        assert len(docs) == 1, f"{len(docs)} complaints for one long SMS"
        body = docs[0].get("body") or ""
        assert body.count("(m:one)") == 3 and "Sukamaju" in body, f"not the whole text: {body!r}"
        assert "[" not in body, f"stored with a gap marker: {body!r}"
        print(f"1. one message from parts on two nodes, stored {took:.1f}s after the kill "
              f"(lease {LEASE_TTL_S}s, reassembly timeout {REASSEMBLY_S}s)", flush=True)

        # 2. A copy of a stored message's last part at another node.
        text2 = "Lampu jalan di gang Mawar RT 4 RW 2 mati sudah seminggu, gelap dan rawan (m:two) " * 3
        parts2 = long_sms_parts(text2, ref=0x32, size=130)
        assert len(parts2) >= 2, len(parts2)
        assert send_parts(cluster.nodes[2], "6281211110002", parts2) == [ESME_ROK] * len(parts2)
        wait_until(lambda: complaints_with(dispatcher, "(m:two)"), 20, what="the second message never reached the dispatcher")
        cluster.kill9(2)
        assert send_parts(cluster.nodes[3], "6281211110002", parts2[-1:]) == [ESME_ROK]
        time.sleep(REASSEMBLY_S + LEASE_TTL_S + 5)
        docs = complaints_with(dispatcher, "(m:two)")
        assert len(docs) == 1, f"a copy of a stored part made {len(docs)} complaints: {[d.get('body') for d in docs]}"
        print("2. a late copy of a stored message's part at another node: still one complaint", flush=True)

        # 3. One reference, two different messages, on two nodes.
        a = long_sms_parts("Sampah menumpuk di pasar Kramat tidak diangkut (m:three-a) " * 4, ref=0x33, size=120)
        b = long_sms_parts("Air PDAM mati tiga hari di perumahan Griya Asri (m:three-b) " * 4, ref=0x33, size=120)
        assert len(a) == len(b) >= 2, (len(a), len(b))
        assert send_parts(cluster.nodes[3], "6281211110003", a[:1]) == [ESME_ROK]
        cluster.kill9(3)
        cluster.restart(1)
        assert send_parts(cluster.nodes[1], "6281211110003", b) == [ESME_ROK] * len(b)
        wait_until(lambda: complaints_with(dispatcher, "(m:three-b)"), 20, what="message b never reached the dispatcher")
        wait_until(lambda: complaints_with(dispatcher, "(m:three-a)"), REASSEMBLY_S + LEASE_TTL_S + 20,
                   what="message a (part 1 of 2 on a dead node) was never stored")
        time.sleep(2)
        da, db = complaints_with(dispatcher, "(m:three-a)"), complaints_with(dispatcher, "(m:three-b)")
        assert len(da) == 1 and len(db) == 1, (len(da), len(db))
        assert "(m:three-b)" not in da[0]["body"] and "(m:three-a)" not in db[0]["body"], "two messages glued"
        assert db[0]["body"].count("(m:three-b)") == 4, db[0]["body"]
        print("3. two messages under one reference on two nodes: kept apart", flush=True)
        assert cluster.nodes[1].running(), "node 1 exited"
        print("PASS")
        return 0
    except AssertionError:
        if cluster:
            print(cluster.tails(40))
        raise
    finally:
        stop_rig(tmp, pg=pg, dispatcher=dispatcher, cluster=cluster)


if __name__ == "__main__":
    cluster_main(main)
