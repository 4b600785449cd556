"""Interop with node-smpp 0.5.1 as the operator's ESME (tests/peers/smpp/node-esme.js) binding
to our SMPP server: GSM text (node-smpp labels it data_coding 1), UCS-2, concatenated UCS-2
(UDH and sar_* TLVs), message_payload, deliver_sm and data_sm MOs, wrong password, and the
reply deliver_sm with the tracking ID arriving at the ESME. Exits 77 (skipped) without node."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, TempDir, wait_until  # noqa: E402
from smpp_support import dispatched, node_peers, run_esme, write_config  # noqa: E402


def events_of(events, name):
    return [e for e in events if e.get("event") == name]


def complaint_for(d, phone, timeout=10):
    return wait_until(lambda: [x for x in dispatched(d.data_dir) if x["reporter"]["phone"] == phone], timeout,
                      what=f"a complaint from {phone} in dispatched.jsonl")


def check_sent(d, port, phone, text, expect_body=None, **env):
    rc, ev = run_esme(port, COUNT=1, SRC=phone.lstrip("+"), TEXT=text, WAIT_MO_SECONDS=2, **env)
    assert rc == 0, (rc, ev)
    assert events_of(ev, "bind_resp")[0]["status"] == 0, ev
    result = events_of(ev, "result")[0]
    assert result["ok"] == result["pdus"] and result["other"] == 0, result
    docs = complaint_for(d, phone)
    assert len(docs) == 1, docs
    assert docs[0]["body"] == (expect_body or text), (docs[0]["body"], expect_body or text)
    assert docs[0]["channel"] == "sms" and docs[0]["channel_ref"]["operator"] == "telkomsel"
    # The reply SMS reached the ESME on the same transceiver bind.
    replies = events_of(ev, "deliver_sm")
    assert any(r["text"] and docs[0]["tracking_id"] in r["text"] and r["to"] == phone.lstrip("+") and r["from"] == "1708"
               for r in replies), replies
    assert events_of(ev, "unbind_resp")[0]["status"] == 0, ev
    return docs[0]


def main():
    node_peers()
    tmp = TempDir("lapor-smpp-node-")
    try:
        cfg = write_config(os.path.join(tmp.path, "smpp.toml"))
        d = Daemon(os.path.join(tmp.path, "data"), config_file=cfg).start()
        try:
            port = d.ports["smpp"]
            # GSM text: node-smpp sends plain ASCII as data_coding 1 (NOTES); '@' and '_' are GSM codes.
            check_sent(d, port, "+6281200000001", "Jalan rusak di Jl. Ahmad Yani km 5, lubang besar")
            print("ok GSM text (data_coding 1) with reply")
            # UCS-2: Bahasa text with an emoji (surrogate pair).
            check_sent(d, port, "+6281200000002", "Banjir setinggi lutut di Kampung Melayu 🌊")
            print("ok UCS-2 with a surrogate pair")
            # Concatenated UCS-2 by UDH and by sar_* TLVs, and one long message_payload.
            long_ucs2 = ("Sekolah dasar negeri di desa kami rusak berat, atap bocor dan dinding retak; "
                         "murid belajar di teras 😢 ") * 2
            check_sent(d, port, "+6281200000003", long_ucs2, expect_body=long_ucs2.strip(), CONCAT="udh8")
            check_sent(d, port, "+6281200000004", long_ucs2, expect_body=long_ucs2.strip(), CONCAT="sar")
            check_sent(d, port, "+6281200000005", "Puskesmas tutup " * 30, expect_body=("Puskesmas tutup " * 30).strip(),
                       CONCAT="payload")
            print("ok concatenated UCS-2 (UDH, sar_*) and message_payload")
            # The operator hands MOs as deliver_sm (transmitter bind: no reply on it) and data_sm.
            rc, ev = run_esme(port, COUNT=1, CMD="deliver_sm", BIND="transmitter", SRC="6281200000006",
                              TEXT="INFO jadwal vaksin")
            assert rc == 0 and events_of(ev, "result")[0]["ok"] == 1, ev
            doc = complaint_for(d, "+6281200000006")[0]
            assert doc["kind"] == "information_request" and doc["body"] == "jadwal vaksin", doc
            rc, ev = run_esme(port, COUNT=1, CMD="data_sm", SRC="6281200000007", TEXT="ASPIRASI taman bermain",
                              WAIT_MO_SECONDS=2)
            assert rc == 0 and events_of(ev, "result")[0]["ok"] == 1, ev
            doc = complaint_for(d, "+6281200000007")[0]
            assert doc["kind"] == "aspiration" and doc["body"] == "taman bermain", doc
            # The reply to the transmitter-bound MO waited for a receiving bind of telkomsel:
            # this data_sm session (transceiver) carried both replies.
            texts = [r["text"] for r in events_of(ev, "deliver_sm")]
            six = complaint_for(d, "+6281200000006")[0]["tracking_id"]
            assert any(six in t for t in texts) and any(doc["tracking_id"] in t for t in texts), texts
            # A STATUS query answers with the state, stores nothing.
            n = len(dispatched(d.data_dir))
            rc, ev = run_esme(port, COUNT=1, SRC="6281200000006", TEXT=f"CEK {six}", WAIT_MO_SECONDS=2)
            assert rc == 0, ev
            assert any(six in r["text"] and "Tiket" in r["text"] for r in events_of(ev, "deliver_sm")), ev
            assert len(dispatched(d.data_dir)) == n
            print("ok deliver_sm / data_sm MOs, queued reply, CEK status")
            # Wrong password: the bind is refused (ESME_RINVPASWD), the ESME exits non-zero.
            rc, ev = run_esme(port, COUNT=1, PASSWORD="wrong")
            assert rc != 0 and events_of(ev, "bind_resp")[0]["status"] == 0x0E, ev
            # 50 messages with 10 in flight: all acknowledged, all stored once.
            # A redelivery storm (issue 10 item 6): one complaint and one reply SMS, not fifty.
            rc, ev = run_esme(port, COUNT=50, WINDOW=10, SRC="6281200000008", TEXT="Pohon tumbang menutup jalan",
                              WAIT_MO_SECONDS=3)
            assert rc == 0 and events_of(ev, "result")[0]["ok"] == 50, ev
            docs = complaint_for(d, "+6281200000008")
            assert len(docs) == 1, "50 copies of one message within the redelivery window are one complaint"
            replies = [r for r in events_of(ev, "deliver_sm") if r["to"] == "6281200000008"]
            assert len(replies) == 1 and docs[0]["tracking_id"] in replies[0]["text"], \
                f"{len(replies)} reply SMS for 50 redeliveries of one message: {replies[:3]}"
            print("ok wrong password, 50 redeliveries stored once, one reply")
            # A reference reused for a different long message (issue 10 item 2; 3GPP TS 23.040
            # §9.2.3.24.1): after the first completes, the same reference starts a new message.
            first = ("Saluran air di Gang Melati RT 04 tersumbat sampah sejak dua minggu, setiap hujan air "
                     "meluap ke rumah warga dan jalan. Sudah kami bersihkan sendiri tetapi sampah datang lagi "
                     "dari hulu. Mohon dinas terkait mengirim petugas dan truk pengangkut sampah.")
            second = ("Lampu penerangan jalan di sepanjang Jalan Kenanga mati semua sejak hari Jumat, jalan "
                      "menjadi gelap gulita dan sudah dua pengendara motor jatuh karena lubang yang tidak "
                      "terlihat. Mohon lampu segera diperbaiki sebelum ada korban yang lebih parah lagi.")
            for text in (first, second):
                rc, ev = run_esme(port, COUNT=1, WINDOW=1, SRC="6281200000009", CONCAT="udh8", REF=77, TEXT=text)
                assert rc == 0 and events_of(ev, "result")[0]["ok"] == 2, ev
            docs = wait_until(lambda: (lambda g: g if len(g) >= 2 else None)(complaint_for(d, "+6281200000009")), 10,
                              what="two complaints under one reused reference")
            assert sorted(x["body"] for x in docs) == sorted([first, second]), [x["body"] for x in docs]
            assert docs[0]["tracking_id"] != docs[1]["tracking_id"]
            print("ok a reused reference starts a new message: two complaints, both texts")
            assert d.stop() == 0
        finally:
            d.stop()
    finally:
        tmp.cleanup()


if __name__ == "__main__":
    main()
