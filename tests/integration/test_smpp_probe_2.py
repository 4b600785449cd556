"""SMPP against the second outside black-box probe (2026-12-03): what it found, and siblings.

  * a long message whose text passes the body limit (131 parts of 153 characters) was
    acknowledged part by part, then dropped, and the citizen told it was empty: it is stored,
    cut and flagged incomplete;
  * a control character a handset sends (GSM ESC 0x0A, a page break; U+0001 in UCS-2) made a
    message "empty", and inside a long message lost its acknowledged parts: stored without it;
  * short_message and message_payload together, or message_payload twice, were acknowledged
    with part of the text dropped: refused (ESME_RINVMSGLEN / ESME_RINVTLVSTREAM), nothing stored;
  * every redelivery of a status query or an empty MO got another SMS: one answer only;
  * a reply answered with a transient error (ESME_RSYSERR) was retried five times within a
    millisecond and dropped: it backs off and arrives once the SMSC answers again.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, TempDir, wait_until  # noqa: E402
from smpp_support import (BIND_TRANSCEIVER, DELIVER_SM, ESME_ROK, RESP, SUBMIT_SM, RawSmpp, dispatched, pdu,  # noqa: E402
                          sm_body, tlv, write_config)
from test_smpp_long_and_replies import collect_replies  # noqa: E402

ESME_RINVMSGLEN = 0x01
ESME_RSYSERR = 0x08
ESME_RINVTLVSTREAM = 0xC0  # ESME_RINVOPTPARSTREAM: error in the TLV part
MESSAGE_PAYLOAD = 0x0424


def bind(port):
    c = RawSmpp(port, timeout=10)
    assert c.bind(kind=BIND_TRANSCEIVER) == ESME_ROK
    return c


def submit(c, body):
    seq = c.send(SUBMIT_SM, body)
    _, status, _, resp = c.expect(SUBMIT_SM | RESP, seq, timeout=10)
    return status, resp.rstrip(b"\0").decode(errors="replace")


def stored_with(d, marker, timeout=15):
    found = []

    def any_():
        found[:] = [x for x in dispatched(d.data_dir) if marker in (x.get("body") or "")]
        return found
    wait_until(any_, timeout, what=f"a complaint with {marker} at the dispatcher")
    return found


def udh_parts(texts, ref):
    return [bytes([5, 0, 3, ref, len(texts), i + 1]) + t for i, t in enumerate(texts)]


def test_long_past_the_limit(d, c):
    # 131 parts of 153 GSM characters (sent unpacked, one octet each): 20,043 characters.
    parts = udh_parts([(f"P{i:03d} " + "x" * 148).encode() for i in range(131)], ref=0x31)
    parts[0] = bytes([5, 0, 3, 0x31, 131, 1]) + b"LONGMARK " + b"y" * 144
    for p in parts:
        status, _ = submit(c, sm_body("6281290000001", "1708", p, esm_class=0x40))
        assert status == ESME_ROK, hex(status)
    doc = stored_with(d, "LONGMARK")[0]
    assert doc["body"].endswith("[…]") and len(doc["body"]) <= 20000, (len(doc["body"]), doc["body"][-40:])


def test_control_characters(d, c):
    # A single PDU with the GSM page break (ESC 0x0A), and a long message with one in part 2.
    status, _ = submit(c, sm_body("6281290000002", "1708", b"CTRLONE Lampu jalan mati di Jl. Kenanga \x1b\x0asejak seminggu"))
    assert status == ESME_ROK, hex(status)
    assert "\f" not in stored_with(d, "CTRLONE")[0]["body"]
    parts = udh_parts([b"CTRLTWO Saluran air di desa kami ", b"tersumbat \x1b\x0a sejak hujan kemarin"], ref=0x32)
    for p in parts:
        status, _ = submit(c, sm_body("6281290000003", "1708", p, esm_class=0x40))
        assert status == ESME_ROK, hex(status)
    body = stored_with(d, "CTRLTWO")[0]["body"]
    assert "tersumbat" in body and "sejak hujan" in body, body
    # UCS-2 with U+0001 inside.
    text = "CTRLUCS Jalan rusak\u0001 di Jl. Melati".encode("utf-16-be")
    status, _ = submit(c, sm_body("6281290000004", "1708", text, data_coding=8))
    assert status == ESME_ROK, hex(status)
    assert "\u0001" not in stored_with(d, "CTRLUCS")[0]["body"]


def test_payload_conflicts(d, c):
    before = len(dispatched(d.data_dir))
    both = sm_body("6281290000005", "1708", b"CONFLICT Jalan rusak di Jl. Kenari",
                   tlvs=tlv(MESSAGE_PAYLOAD, b"sudah tiga bulan"))
    assert submit(c, both)[0] == ESME_RINVMSGLEN
    twice = sm_body("6281290000006", "1708", b"", tlvs=tlv(MESSAGE_PAYLOAD, b"CONFLICT satu") + tlv(MESSAGE_PAYLOAD, b"dua"))
    st = submit(c, twice)[0]
    assert st == ESME_RINVTLVSTREAM, hex(st)
    ok = sm_body("6281290000007", "1708", b"", tlvs=tlv(MESSAGE_PAYLOAD, b"PAYLOADOK Jalan rusak di Jl. Mawar"))
    assert submit(c, ok)[0] == ESME_ROK
    stored_with(d, "PAYLOADOK")
    assert not [x for x in dispatched(d.data_dir)[before:] if "CONFLICT" in (x.get("body") or "")]


def test_one_answer_to_redeliveries(d, port):
    c = bind(port)
    try:
        for text in (b"CEK LPR-7K3D-9QX2-M", b"   "):
            phone = "6281290000008" if text.startswith(b"CEK") else "6281290000009"
            for _ in range(3):
                seq = c.send(SUBMIT_SM, sm_body(phone, "1708", text))
                c.expect(SUBMIT_SM | RESP, seq, timeout=10)
        got = collect_replies(c, 4)
        to8 = [g for g in got if g[0].endswith("81290000008")]
        to9 = [g for g in got if g[0].endswith("81290000009")]
        assert len(to8) == 1 and len(to9) == 1, got
    finally:
        c.close()


def test_reply_after_transient_errors(d, port):
    c = bind(port)
    try:
        status, tid = submit(c, sm_body("6281290000010", "1708", b"TRANSIENT Jalan berlubang di depan pasar"))
        assert status == ESME_ROK and tid
        # The first three sends of the reply are answered with a system error, then OK.
        t0 = time.time()
        got = collect_replies(c, 12, answer=lambda n: ESME_ROK if time.time() - t0 > 2.5 else ESME_RSYSERR)
        mine = [g for g in got if tid.encode() in g[2]]
        assert len(mine) == 1, got
    finally:
        c.close()


def main():
    tmp = TempDir("lapor-smpp-probe2-")
    try:
        cfg = write_config(os.path.join(tmp.path, "smpp.toml"))
        d = Daemon(os.path.join(tmp.path, "data"), config_file=cfg,
                   sets=["smpp.reply_limit_per_hour=100", "smpp.auto_reply_window_s=0"]).start()
        try:
            port = d.ports["smpp"]
            c = bind(port)
            try:
                for t in (test_long_past_the_limit, test_control_characters, test_payload_conflicts):
                    t(d, c)
                    print(f"ok {t.__name__}", flush=True)
            finally:
                c.close()
            for t in (test_one_answer_to_redeliveries, test_reply_after_transient_errors):
                t(d, port)
                print(f"ok {t.__name__}", flush=True)
        except BaseException:
            print(d.tail_log(), file=sys.stderr)
            raise
        finally:
            d.stop()
    finally:
        tmp.cleanup()
    print("PASS test_smpp_probe_2")


if __name__ == "__main__":
    main()
