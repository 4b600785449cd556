"""Long messages part by part and reply SMS, over a real socket (SPEC §2, §7 SMS; issue 10):

- a stop-and-wait ESME (window 1) sending 3-part messages sees each part's resp within 200 ms;
- a different long message that reuses a completed message's reference is stored too, and a
  late copy of the first message's part (same bytes) is answered with the first ID;
- a copy of the last part arriving while the message is being stored gets its tracking ID;
- kill -9 between parts loses nothing: the parts sent after the restart complete the message;
- MOs not addressed to the short code are refused (ESME_RINVDSTADR) and store nothing;
- a redelivery storm gets one reply SMS; an answering machine never ping-pongs with us;
- an operator throttling our deliver_sm still gets the reply (later, not dropped);
- no reply to an alphanumeric sender; the reply goes to the number as digits with TON 1.
"""
import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, TempDir, wait_until  # noqa: E402
from smpp_support import (BIND_TRANSCEIVER, BIND_TRANSMITTER, DELIVER_SM, ESME_ROK, ESME_RTHROTTLED,  # noqa: E402
                          RESP, SUBMIT_SM, RawSmpp, dispatched, pdu, sm_body, write_config)

ESME_RINVDSTADR = 0x0B
ESME_RINVSRCADR = 0x0A


def parts_of(text, ref, size=150):
    raw = text.encode()
    chunks = [raw[i:i + size] for i in range(0, len(raw), size)]
    return [bytes([5, 0, 3, ref, len(chunks), i + 1]) + ch for i, ch in enumerate(chunks)]


def send_part(c, phone, part, dst="1708"):
    return c.send(SUBMIT_SM, sm_body(phone, dst, part, data_coding=3, esm_class=0x40))


def bodies(d):
    return [x.get("body") for x in dispatched(d.data_dir)]


def deliver_dst(body):
    """destination_addr and dest_addr_ton of a deliver_sm body we sent, and its text."""
    i = body.index(b"\0") + 1 + 2          # service_type, source ton/npi
    i = body.index(b"\0", i) + 1           # source_addr
    ton = body[i]
    i += 2
    end = body.index(b"\0", i)
    dst = body[i:end].decode()
    i = end + 1 + 3
    i = body.index(b"\0", i) + 1
    i = body.index(b"\0", i) + 1
    i += 4
    n = body[i]
    return dst, ton, body[i + 1:i + 1 + n]


def collect_replies(c, seconds, answer=ESME_ROK, on_reply=None):
    """Reads deliver_sm for `seconds`, answering each with `answer` (a callable may decide)."""
    got = [deliver_dst(b) for b in c.delivered]  # those expect() answered on the way
    c.delivered.clear()
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            p = c.read(max(0.05, deadline - time.time()))
        except AssertionError:  # nothing within the time left
            continue
        if p is None:
            continue
        cmd, _, seq, body = p
        if cmd != DELIVER_SM:
            continue
        st = answer(len(got)) if callable(answer) else answer
        c.send_raw(pdu(DELIVER_SM | RESP, seq, b"\0" if st == ESME_ROK else b"", status=st))
        if st == ESME_ROK:
            got.append(deliver_dst(body))
            if on_reply:
                on_reply(got[-1])
    return got


def test_stop_and_wait(d, port):
    c = RawSmpp(port)
    assert c.bind() == ESME_ROK
    text = ("Saluran air di Jl. Cendrawasih RT 04 RW 02 Kelurahan Sukajadi tersumbat sejak dua minggu, "
            "air meluap ke rumah warga setiap hujan, sudah lapor ke kelurahan belum ada tindakan. " * 2).strip()
    parts = parts_of(text, 0x21)
    assert len(parts) == 3, len(parts)
    for p in parts:  # window 1: the next part only after this one's resp
        t0 = time.time()
        seq = send_part(c, "6281200000001", p)
        c.expect(SUBMIT_SM | RESP, seq, ESME_ROK, timeout=2)
        took = time.time() - t0
        assert took < 0.2, f"a part's resp took {took:.3f} s (stop-and-wait SMSCs stall)"
    wait_until(lambda: text in bodies(d), 10, what="the 3-part message")
    c.close()


def test_reference_reuse(d, port):
    c = RawSmpp(port)
    assert c.bind(kind=BIND_TRANSMITTER) == ESME_ROK
    first = "Lampu penerangan jalan di depan SDN 3 Pandeglang mati total sejak bulan lalu, gelap dan rawan. " * 2
    second = "Pungutan liar di loket pembuatan KTP kantor kecamatan, warga diminta bayar lima puluh ribu. " * 2
    first, second = first.strip(), second.strip()
    p1, p2 = parts_of(first, 0x33), parts_of(second, 0x33)
    assert len(p1) == len(p2) == 2
    for p in p1:
        c.expect(SUBMIT_SM | RESP, send_part(c, "6281200000002", p), ESME_ROK)
    docs = wait_until(lambda: [x for x in dispatched(d.data_dir) if x["body"] == first], 10, what="first")
    first_id = docs[0]["tracking_id"]
    # The same reference and count, other bytes: a new message, not a retry of the first.
    for p in p2:
        c.expect(SUBMIT_SM | RESP, send_part(c, "6281200000002", p), ESME_ROK)
    wait_until(lambda: second in bodies(d), 10, what="the second message with the reused reference")
    # A late copy of the second message's part 1 (our resp got lost) changes nothing.
    n = len(dispatched(d.data_dir))
    _, _, _, b = c.expect(SUBMIT_SM | RESP, send_part(c, "6281200000002", p2[0]), ESME_ROK)
    assert b.rstrip(b"\0").decode() != first_id
    time.sleep(0.5)
    assert len(dispatched(d.data_dir)) == n
    assert not any(x.get("incomplete") for x in dispatched(d.data_dir) if x["body"] in (first, second))
    c.close()


def test_copy_while_storing(d, port):
    """An SMSC that resends the last part before its resp came (or right after our restart)
    sends a copy of a part of a message that left the reassembly and is on its way to the
    store: the copy gets that message's tracking ID, never a second message (it used to start
    one, stored after the reassembly timeout as an incomplete complaint of its own)."""
    c = RawSmpp(port)
    assert c.bind(kind=BIND_TRANSMITTER) == ESME_ROK
    phone = "6281200000009"
    text = ("Tiang listrik miring di depan SMPN 2 Cilegon hampir roboh menimpa atap kelas, "
            "kabelnya menjuntai rendah di atas jalan yang dilewati murid setiap pagi. " * 2).strip()
    parts = parts_of(text, 0x5A)
    assert len(parts) >= 2, len(parts)
    for p in parts[:-1]:
        c.expect(SUBMIT_SM | RESP, send_part(c, phone, p), ESME_ROK)
    # The last part and its copy back to back: the copy arrives while the message is stored.
    last, copy = send_part(c, phone, parts[-1]), send_part(c, phone, parts[-1])
    c.expect(SUBMIT_SM | RESP, last, ESME_ROK)
    _, _, _, body = c.expect(SUBMIT_SM | RESP, copy, ESME_ROK)
    docs = wait_until(lambda: [x for x in dispatched(d.data_dir) if x.get("body") == text], 10, what="the message")
    assert body.rstrip(b"\0").decode() == docs[0]["tracking_id"], (body, docs[0]["tracking_id"])
    n = len(dispatched(d.data_dir))
    time.sleep(0.5)
    assert len(dispatched(d.data_dir)) == n
    c.close()


def test_not_for_short_code(d, port):
    c = RawSmpp(port)
    assert c.bind(kind=BIND_TRANSMITTER) == ESME_ROK
    n = len(dispatched(d.data_dir))
    for dst in ("1234", "6281299999999"):
        c.expect(SUBMIT_SM | RESP, c.send(SUBMIT_SM, sm_body("6281200000003", dst, b"jalan rusak " + dst.encode())),
                 ESME_RINVDSTADR)
    # An MT-shaped message: from the short code to a subscriber.
    c.expect(SUBMIT_SM | RESP, c.send(SUBMIT_SM, sm_body("1708", "6281200000003", b"balasan")), ESME_RINVDSTADR)
    # A part of a long message to another number.
    c.expect(SUBMIT_SM | RESP, send_part(c, "6281200000003", parts_of("x" * 300, 9)[0], dst="999"), ESME_RINVDSTADR)
    # From the short code to the short code: our own reply looped back by a misrouting SMSC.
    for src in ("1708", "+1708"):
        c.expect(SUBMIT_SM | RESP, c.send(SUBMIT_SM, sm_body(src, "1708", b"Laporan LPR-AAAA-BBBB-C diterima")),
                 ESME_RINVSRCADR)
    for dst in ("+1708", "001708"):
        c.expect(SUBMIT_SM | RESP, c.send(SUBMIT_SM, sm_body("6281200000003", dst, b"sampah menumpuk " + dst.encode())),
                 ESME_ROK)
    wait_until(lambda: len(dispatched(d.data_dir)) >= n + 2, 10, what="the two accepted spellings")
    time.sleep(0.3)
    assert len(dispatched(d.data_dir)) == n + 2, [x["body"] for x in dispatched(d.data_dir)[n:]]
    c.close()


def test_one_reply_per_complaint(d, port):
    c = RawSmpp(port)
    assert c.bind(kind=BIND_TRANSCEIVER) == ESME_ROK
    phone = "6281200000004"
    text = b"Jembatan gantung di Desa Cibeber putus, anak sekolah menyeberang sungai"
    for _ in range(20):  # an SMSC that redelivers again and again
        c.expect(SUBMIT_SM | RESP, c.send(SUBMIT_SM, sm_body(phone, "1708", text)), ESME_ROK, skip_requests=True)
    got = collect_replies(c, 3)
    mine = [g for g in got if g[0] == phone]
    assert len(mine) == 1, f"{len(mine)} reply SMS for one complaint redelivered 20 times"
    assert mine[0][1] == 1, "TON 1, digits only"
    # No reply to an alphanumeric sender (TON 5).
    c.expect(SUBMIT_SM | RESP, c.send(SUBMIT_SM, sm_body("PROMO", "1708", b"Jalan berlubang di km 7", src_ton=5)),
             ESME_ROK)
    assert not [g for g in collect_replies(c, 1.5) if g[0] == "PROMO"]
    c.close()


def test_answering_machine(d, port):
    c = RawSmpp(port)
    assert c.bind(kind=BIND_TRANSCEIVER) == ESME_ROK
    phone = "6281200000005"

    def auto_answer(reply):
        if reply[0] == phone:  # the handset answers every SMS at once
            c.send(SUBMIT_SM, sm_body(phone, "1708", b"Maaf, saya sedang tidak bisa membalas pesan ini."))

    c.expect(SUBMIT_SM | RESP, c.send(SUBMIT_SM, sm_body(phone, "1708", b"Got di Jl. Kenanga mampet")), ESME_ROK)
    got = collect_replies(c, 5, on_reply=auto_answer)
    mine = [g for g in got if g[0] == phone]
    assert len(mine) == 1, f"{len(mine)} reply SMS to an answering machine in 5 s"
    c.close()


def test_throttled_replies(d, port):
    c = RawSmpp(port)
    assert c.bind(kind=BIND_TRANSCEIVER) == ESME_ROK
    phones = [f"62812000001{i:02d}" for i in range(12)]
    for p in phones:
        c.expect(SUBMIT_SM | RESP, c.send(SUBMIT_SM, sm_body(p, "1708", b"Air PDAM keruh " + p.encode())), ESME_ROK)
    # The operator throttles every other deliver_sm: throttling means later, so all arrive.
    state = {"n": 0}

    def throttle(_):
        state["n"] += 1
        return ESME_RTHROTTLED if state["n"] % 2 == 1 else ESME_ROK

    got = collect_replies(c, 20, answer=throttle)
    assert sorted({g[0] for g in got}) == sorted(phones), (len(got), state)
    c.close()


def test_kill_between_parts(tmp, cfg):
    d = Daemon(os.path.join(tmp, "kill"), config_file=cfg).start()
    text = ("Puskesmas Kecamatan Cibeber tutup pada jam pelayanan, pasien menunggu berjam-jam tanpa "
            "petugas, padahal papan pengumuman menyebut buka pukul 08.00 sampai 14.00 setiap hari. " * 2).strip()
    parts = parts_of(text, 0x44)
    assert len(parts) == 3
    try:
        c = RawSmpp(d.ports["smpp"])
        assert c.bind(kind=BIND_TRANSMITTER) == ESME_ROK
        c.expect(SUBMIT_SM | RESP, send_part(c, "6281200000006", parts[0]), ESME_ROK)
        d.kill9()
        d.start()
        c = RawSmpp(d.ports["smpp"])
        assert c.bind(kind=BIND_TRANSMITTER) == ESME_ROK
        for p in parts[1:]:
            c.expect(SUBMIT_SM | RESP, send_part(c, "6281200000006", p), ESME_ROK)
        docs = wait_until(lambda: [x for x in dispatched(d.data_dir) if "Puskesmas Kecamatan Cibeber" in x["body"]],
                          10, what="the message completed after the restart")
        time.sleep(0.5)
        docs = [x for x in dispatched(d.data_dir) if "Puskesmas Kecamatan Cibeber" in x["body"]]
        assert len(docs) == 1 and docs[0]["body"] == text, docs
        # A graceful stop between parts keeps them too (it used to store a fragment).
        again = parts_of(text.replace("Cibeber", "Cikande"), 0x45)
        c.expect(SUBMIT_SM | RESP, send_part(c, "6281200000006", again[0]), ESME_ROK)
        c.close()
        assert d.stop() == 0
        d.start()
        c = RawSmpp(d.ports["smpp"])
        assert c.bind(kind=BIND_TRANSMITTER) == ESME_ROK
        for p in again[1:]:
            c.expect(SUBMIT_SM | RESP, send_part(c, "6281200000006", p), ESME_ROK)
        wait_until(lambda: text.replace("Cibeber", "Cikande") in bodies(d), 10, what="the message across a stop")
        assert not any("Cikande" in b and b != text.replace("Cibeber", "Cikande") for b in bodies(d))
        c.close()
    finally:
        d.stop()


def main():
    tmp = TempDir("lapor-smpp-long-")
    try:
        cfg = write_config(os.path.join(tmp.path, "smpp.toml"))
        d = Daemon(os.path.join(tmp.path, "data"), config_file=cfg).start()
        try:
            port = d.ports["smpp"]
            for t in (test_stop_and_wait, test_reference_reuse, test_copy_while_storing, test_not_for_short_code,
                      test_one_reply_per_complaint, test_answering_machine, test_throttled_replies):
                t(d, port)
                print(f"ok {t.__name__}", flush=True)
        finally:
            d.stop()
        test_kill_between_parts(tmp.path, cfg)
        print("ok test_kill_between_parts")
    finally:
        tmp.cleanup()


if __name__ == "__main__":
    main()
