"""Cluster mode (SPEC §7, §9; issue 14 item 4): a reply SMS is sent by a node with a bind of its
operator that can take it, whichever node wrote it.

The operator's SMSC stand-in binds as a transmitter to node 2 (it cannot take deliver_sm there).
Its MOs reach node 2, which writes the reply rows (claimed by node 2). While no node has a bind
that can carry them they stay there; once the SMSC also binds as a receiver to node 1, node 2
hands them on, and node 1 sends each once, on the receiver bind, with the MO's tracking ID;
none is sent twice.

Exits 77 (skipped) without PostgreSQL.
Usage: test_cluster_sms_reply_hand_on.py PATH/TO/lapor-gateway
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_harness import Cluster, PgCluster, cluster_main, stop_rig  # noqa: E402
from lapor_harness import FakeDispatcher, TempDir, log_events  # noqa: E402
from smpp_support import (BIND_RECEIVER, BIND_TRANSMITTER, DELIVER_SM, ENQUIRE_LINK, ESME_ROK, RESP,  # noqa: E402
                          SUBMIT_SM, RawSmpp, pdu, sm_body)

MOS = 3


def destination_addr(body):
    """destination_addr of a deliver_sm body: service_type, ton, npi, source_addr, ton, npi, it."""
    at = body.index(b"\0") + 1 + 2  # service_type, source ton/npi
    at = body.index(b"\0", at) + 1 + 2  # source_addr, dest ton/npi
    return body[at:body.index(b"\0", at)].decode()


def main():
    tmp = TempDir("lapor-cluster-reply-hand-on-")
    pg = dispatcher = cluster = None
    rx = tx = None
    try:
        pg = PgCluster(tmp.path, standby=False)
        dispatcher = FakeDispatcher(tmp.path)
        dispatcher.start()
        cluster = Cluster(tmp.path, pg, dispatcher)
        cluster.start_all(2)
        tx = RawSmpp(cluster.nodes[2].ports["smpp"], timeout=10)
        assert tx.bind(kind=BIND_TRANSMITTER) == ESME_ROK

        tids = {}
        for i in range(MOS):
            src = f"62812333000{i}"
            seq = tx.send(SUBMIT_SM, sm_body(src, "1708", f"Jalan rusak di gang Kenari {i} sudah sebulan".encode()))
            _, st, _, body = tx.expect(SUBMIT_SM | RESP, seq, timeout=10)
            assert st == ESME_ROK, f"MO {i}: status {st:#x}"
            tids[src] = body.rstrip(b"\0").decode()

        # No node has a bind that can carry them yet: they wait on node 2 (handing them round
        # the cluster would only cost writes).
        time.sleep(8)
        early = [e for e in log_events(cluster.nodes[2].log_path) if e.get("event") == "outbox_handed_on"]
        assert not early, f"node 2 handed on {len(early)} replies while no node had a bind of the operator"
        print("no bind anywhere: the replies stay on node 2 (none handed on in 8 s)", flush=True)

        rx = RawSmpp(cluster.nodes[1].ports["smpp"], timeout=10)
        assert rx.bind(kind=BIND_RECEIVER) == ESME_ROK
        t0 = time.time()

        # Replies on node 1's receiver bind: each MO's once.
        got = {}
        deadline = t0 + 30
        while time.time() < deadline and (len(got) < MOS or time.time() < t0 + 12):
            try:
                p = rx.read(timeout=max(0.1, min(1.0, deadline - time.time())))
            except AssertionError:
                continue  # nothing within the second
            assert p is not None, "node 1 closed the receiver bind"
            cmd, _, seq, body = p
            if cmd == ENQUIRE_LINK:
                rx.send_raw(pdu(ENQUIRE_LINK | RESP, seq))
                continue
            if cmd != DELIVER_SM:
                continue
            rx.send_raw(pdu(DELIVER_SM | RESP, seq, b"\0"))
            to = destination_addr(body)
            got.setdefault(to, []).append((time.time() - t0, body))
        missing = [s for s in tids if s not in got]
        assert not missing, f"no reply on node 1 for {missing} within 30 s (replies: {sorted(got)})"
        twice = {s: len(v) for s, v in got.items() if len(v) > 1}
        assert not twice, f"replies sent more than once: {twice}"
        for src, tid in tids.items():
            assert tid.encode() in got[src][0][1], f"the reply to {src} lacks its tracking ID {tid}"
        handed = [e for e in log_events(cluster.nodes[2].log_path) if e.get("event") == "outbox_handed_on"]
        assert len(handed) >= MOS, f"node 2 logged {len(handed)} outbox_handed_on, expected {MOS}"
        print(f"{MOS} replies written by node 2 (transmitter bind only) sent once each by node 1, "
              f"{max(v[0][0] for v in got.values()):.1f} s after it bound", flush=True)
        print("PASS")
        return 0
    except AssertionError:
        if cluster:
            print(cluster.tails(40))
        raise
    finally:
        for c in (rx, tx):
            if c:
                c.close()
        stop_rig(tmp, pg=pg, dispatcher=dispatcher, cluster=cluster)


if __name__ == "__main__":
    cluster_main(main)
