"""A stop-and-wait SMSC in client mode (issue 10, "Real peers"; SPEC §7): node-smpp as the
operator's SMSC (node-smsc.js), which our daemon binds to as a transceiver (smpp.clients),
delivers three citizens' long messages as deliver_sm, 3 parts each (UDH IEI 0x00), with
window 1: the next part only after the previous part's deliver_sm_resp. This is how many
operators' SMSCs hand over MO, and the case that stalled when part 1's resp waited for the
whole message. Checks:
  - every part's deliver_sm_resp is status 0 and comes within 200 ms;
  - each message is stored once, whole (not flagged incomplete);
  - each citizen gets exactly one reply, as submit_sm on our client bind, with its tracking ID.
Exits 77 (skipped) without node."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, TempDir, wait_until  # noqa: E402
from smpp_support import NodeSmsc, check_part_resps, dispatched, free_port, node_peers, write_config  # noqa: E402

RESP_BUDGET_MS = 200
MESSAGES = 3
MO_SRC = "628131000"  # the SMSC numbers its citizens MO_SRC + 100, 101, ...
# node-smsc.js sends "TEXT #n" split into 3 parts (GSM-safe: node-smpp sends it as data_coding 1).
TEXT = ("Air PDAM di Perumahan Griya Asri Blok C tidak mengalir sudah sembilan hari, warga membeli "
        "air galon untuk memasak dan mandi, sementara tagihan bulan ini tetap datang penuh. Petugas "
        "di kantor cabang hanya bilang sedang ada perbaikan pipa tanpa kepastian kapan selesai. "
        "Mohon ada mobil tangki air bersih untuk sementara")


def main():
    node_peers()
    tmp = TempDir("lapor-smpp-smsc-saw-")
    smsc = d = None
    try:
        port = free_port()
        smsc = NodeSmsc(tmp.path, port, "smsc", MO_COUNT=MESSAGES, MO_PARTS=3, MO_WINDOW=1, MO_SRC=MO_SRC,
                        MO_TEXT=TEXT, MAX_SECONDS=60)
        client = {"host": "127.0.0.1", "port": port, "system_id": "test", "password": "secret",
                  "bind": "transceiver", "operator": "indosat"}
        cfg = write_config(os.path.join(tmp.path, "smpp.toml"), accounts=(), clients=(client,))
        d = Daemon(os.path.join(tmp.path, "data"), config_file=cfg).start()

        def resps():
            return [x for x in smsc.events() if x.get("cmd") == "deliver_sm_resp"]
        # Window 1: a part whose resp never came holds back every later one, so wait for all.
        wait_until(lambda: len(resps()) >= 3 * MESSAGES, 20, what="every part's deliver_sm_resp at the SMSC")
        check_part_resps(resps(), 3 * MESSAGES, RESP_BUDGET_MS, "SMSC")

        phones = [f"+{MO_SRC}{100 + i}" for i in range(MESSAGES)]
        wait_until(lambda: all(any(x["reporter"].get("phone") == p for x in dispatched(d.data_dir)) for p in phones),
                   10, what="the three long messages at the dispatcher")
        docs = {}
        for i, p in enumerate(phones):
            mine = [x for x in dispatched(d.data_dir) if x["reporter"].get("phone") == p]
            assert len(mine) == 1, f"{len(mine)} complaints from {p} for one long message"
            assert mine[0]["body"] == f"{TEXT} #{i + 1}", (mine[0]["body"], i)
            assert not mine[0].get("incomplete") and mine[0]["channel_ref"]["operator"] == "indosat", mine[0]
            docs[p] = mine[0]
        print("ok each message stored once, whole", flush=True)

        def accepted_replies():
            return [x for x in smsc.events() if x.get("cmd") == "submit_sm" and x.get("answer") == 0]
        wait_until(lambda: len(accepted_replies()) >= MESSAGES, 10, what="the reply submit_sm at the SMSC")
        time.sleep(1.5)  # a second reply to anyone would come within this
        replies = accepted_replies()
        for p in phones:
            mine = [r for r in replies if r["destination_addr"] == p.lstrip("+")]
            assert len(mine) == 1, f"{len(mine)} reply SMS to {p}: {mine}"
            assert mine[0]["source_addr"] == "1708" and docs[p]["tracking_id"] in mine[0]["short_message"]["text"], mine
        print("ok one reply submit_sm per message, with its tracking ID", flush=True)
        assert d.stop() == 0
    finally:
        if d:
            d.stop()
        if smsc:
            smsc.stop()
        tmp.cleanup()


if __name__ == "__main__":
    main()
