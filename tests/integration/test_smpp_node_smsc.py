"""Client mode (smpp.clients): the daemon binds as a transceiver to node-smpp acting as an
operator's SMSC (tests/peers/smpp/node-smsc.js), takes the MOs the SMSC pushes as deliver_sm,
stores them, sends the reply as submit_sm on that bind, reconnects when the SMSC goes away and
comes back, and unbinds on SIGTERM. Exits 77 (skipped) without node."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, TempDir, wait_until  # noqa: E402
from smpp_support import NodeSmsc, dispatched, free_port, node_peers, write_config  # noqa: E402


def main():
    node_peers()
    tmp = TempDir("lapor-smpp-client-")
    smsc = smsc2 = d = None
    try:
        port = free_port()
        smsc = NodeSmsc(tmp.path, port, "smsc1", MO_COUNT=2, MO_SRC="628123000", MO_TEXT="Jalan berlubang di depan pasar")
        client = {"host": "127.0.0.1", "port": port, "system_id": "test", "password": "secret",
                  "bind": "transceiver", "operator": "indosat"}
        cfg = write_config(os.path.join(tmp.path, "smpp.toml"), accounts=(), clients=(client,))
        d = Daemon(os.path.join(tmp.path, "data"), config_file=cfg, sets=["smpp.enquire_link_interval_s=1"]).start()

        docs = wait_until(lambda: [x for x in dispatched(d.data_dir) if x["channel"] == "sms"]
                          if len(dispatched(d.data_dir)) >= 2 else None, 15, what="2 MOs stored")
        by_phone = {x["reporter"]["phone"]: x for x in docs}
        assert set(by_phone) == {"+628123000100", "+628123000101"}, by_phone.keys()
        assert by_phone["+628123000100"]["body"] == "Jalan berlubang di depan pasar #1"
        assert by_phone["+628123000100"]["channel_ref"]["operator"] == "indosat"
        # The SMSC saw our bind, its deliver_sm answered with status 0, and our reply submit_sm.
        # The document reaches the dispatcher and the resp reaches the SMSC after the same
        # commit, in either order: wait for the peer to log both resps.
        ev = wait_until(lambda: smsc.events() if len([x for x in smsc.events() if x.get("cmd") == "deliver_sm_resp"]) >= 2
                        else None, 10, what="2 deliver_sm_resp logged by the SMSC")
        binds = [x for x in ev if x.get("cmd") == "bind_transceiver"]
        assert binds and binds[0]["system_id"] == "test", ev
        assert [x["status"] for x in ev if x.get("cmd") == "deliver_sm_resp"] == [0, 0], ev
        replies = wait_until(lambda: [x for x in smsc.events() if x.get("cmd") == "submit_sm"] or None, 10,
                             what="reply submit_sm at the SMSC")
        wait_until(lambda: len([x for x in smsc.events() if x.get("cmd") == "submit_sm"]) >= 2, 10,
                   what="both replies")
        replies = [x for x in smsc.events() if x.get("cmd") == "submit_sm"]
        for r in replies:
            doc = by_phone["+" + r["destination_addr"]]
            assert r["source_addr"] == "1708" and doc["tracking_id"] in r["short_message"]["text"], r
        print("ok MO deliver_sm stored, reply submit_sm on the client bind")
        # Keep-alive: a quiet client bind sends enquire_link (the SMSC answers; the bind stays).
        wait_until(lambda: any(x.get("cmd") == "enquire_link" for x in smsc.events()), 10, what="our enquire_link")
        assert not any(x.get("event") == "close" for x in smsc.events()), smsc.events()

        # The SMSC goes away; a new one on the same port gets a new bind (backoff) and its MO.
        smsc.stop()
        smsc2 = NodeSmsc(tmp.path, port, "smsc2", MO_COUNT=1, MO_SRC="628123001", MO_TEXT="Lampu lalu lintas mati")
        doc = wait_until(lambda: [x for x in dispatched(d.data_dir) if x["reporter"]["phone"] == "+628123001100"], 30,
                         what="the MO after reconnecting")[0]
        assert doc["body"] == "Lampu lalu lintas mati #1", doc
        wait_until(lambda: [x for x in smsc2.events() if x.get("cmd") == "submit_sm"], 10, what="reply after reconnect")
        print("ok reconnect after the SMSC restarted")

        # SIGTERM: we unbind from the SMSC and exit 0.
        assert d.stop() == 0
        assert any(x.get("cmd") == "unbind" for x in smsc2.events()), smsc2.events()
        print("ok unbind on SIGTERM")
    finally:
        if d:
            d.stop()
        for s in (smsc, smsc2):
            if s:
                s.stop()
        tmp.cleanup()


if __name__ == "__main__":
    main()
