"""A stop-and-wait ESME (node-smpp, window 1) sending 3-part messages to our server (issue 10,
"Real peers"; SPEC §7: each part is acknowledged as soon as that part is durable).

node-esme.js binds as a transceiver and sends three citizens' long messages (UDH IEI 0x00,
3 parts each), the next PDU only after the previous one's submit_sm_resp. Checks:
  - every part's submit_sm_resp is status 0 and comes within 200 ms (an ESME that waits for
    each resp used to stall until the reassembly timeout: part 1's resp was withheld);
  - each message is stored once, whole (not flagged incomplete), and its status answers;
  - each citizen gets exactly one reply deliver_sm carrying that message's tracking ID.
Exits 77 (skipped) without node."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, TempDir, wait_until  # noqa: E402
from smpp_support import check_part_resps, dispatched, node_peers, run_esme, write_config  # noqa: E402

RESP_BUDGET_MS = 200
FIRST_SRC = 6281300000100
MESSAGES = 3
# 3 parts of at most 153 characters (node-smpp sends this GSM-safe text as data_coding 1).
TEXT = ("Jembatan penghubung Desa Sukamaju dan Desa Cibodas di Kecamatan Cikalong ambruk sejak "
        "hujan deras Senin lalu, warga dan anak sekolah terpaksa memutar sejauh delapan kilometer "
        "lewat jalan tanah yang licin. Sudah dua kali dilaporkan ke kantor desa tetapi belum ada "
        "petugas yang datang memeriksa. Mohon segera dibangun jembatan darurat sebelum ada korban.")


def main():
    node_peers()
    assert 306 < len(TEXT) <= 459, len(TEXT)
    tmp = TempDir("lapor-smpp-esme-saw-")
    try:
        cfg = write_config(os.path.join(tmp.path, "smpp.toml"))
        d = Daemon(os.path.join(tmp.path, "data"), config_file=cfg).start()
        try:
            rc, ev = run_esme(d.ports["smpp"], timeout=40, COUNT=MESSAGES, WINDOW=1, CONCAT="udh8", TEXT=TEXT,
                              SRC=str(FIRST_SRC), SRC_PER_MESSAGE=1, LOG_RESPS=1, WAIT_MO_SECONDS=3)
            assert rc == 0, (rc, ev[-5:])
            check_part_resps([e for e in ev if e.get("event") == "resp"], 3 * MESSAGES, RESP_BUDGET_MS, "ESME")

            phones = [f"+{FIRST_SRC + i}" for i in range(MESSAGES)]
            docs = wait_until(lambda: (lambda got: got if all(p in got for p in phones) else None)(
                {x["reporter"]["phone"]: x for x in dispatched(d.data_dir) if x["channel"] == "sms"}),
                10, what="the three long messages at the dispatcher")
            all_docs = dispatched(d.data_dir)
            for p in phones:
                mine = [x for x in all_docs if x["reporter"].get("phone") == p]
                assert len(mine) == 1, f"{len(mine)} complaints from {p} for one long message"
                doc = mine[0]
                assert doc["body"] == TEXT, (doc["body"], TEXT)
                assert not doc.get("incomplete"), doc
                st, _, body = d.get("admin", "/admin/complaints/" + doc["tracking_id"])
                assert st == 200, (st, body)
                assert json.loads(body)["tracking_id"] == doc["tracking_id"], body
            print("ok each message stored once, whole, with its status", flush=True)

            replies = [e for e in ev if e.get("event") == "deliver_sm"]
            for p in phones:
                mine = [r for r in replies if r["to"] == p.lstrip("+")]
                assert len(mine) == 1, f"{len(mine)} reply SMS to {p}: {mine}"
                assert docs[p]["tracking_id"] in mine[0]["text"] and mine[0]["from"] == "1708", mine
            print("ok one reply deliver_sm per message, with its tracking ID", flush=True)
            assert d.stop() == 0
        finally:
            d.stop()
    finally:
        tmp.cleanup()


if __name__ == "__main__":
    main()
