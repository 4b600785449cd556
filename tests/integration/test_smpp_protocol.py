"""The SMPP server over a real socket, byte by byte (SPEC §2, §7 SMS): binds and their
refusals, enquire_link, unbind, acknowledgement only after the commit, redelivery, reply
deliver_sm with the tracking ID, and malformed input (garbage, truncated, oversized PDUs)
answered with generic_nack / the right status while the daemon and other binds go on."""
import os
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, TempDir, gateway_bin, wait_until  # noqa: E402
from smpp_support import (BIND_RECEIVER, BIND_TRANSCEIVER, BIND_TRANSMITTER, DATA_SM, DELIVER_SM,  # noqa: E402
                          ENQUIRE_LINK, ESME_RALYBND, ESME_RBINDFAIL, ESME_RINVBNDSTS, ESME_RINVCMDID,
                          ESME_RINVCMDLEN, ESME_RINVMSGLEN, ESME_RINVPASWD, ESME_RINVSYSID, ESME_ROK,
                          GENERIC_NACK, RESP, SUBMIT_SM, UNBIND, RawSmpp, bind_body, cstr, dispatched, pdu,
                          sm_body, tlv, write_config)

PHONE = "6281234567890"


def text_of_deliver(body):
    """short_message of a deliver_sm body we sent (GSM 7-bit unpacked, ASCII subset)."""
    i = 0
    i = body.index(b"\0", i) + 1          # service_type
    i += 2
    i = body.index(b"\0", i) + 1          # source_addr
    i += 2
    dst_end = body.index(b"\0", i)
    dst = body[i:dst_end].decode()
    i = dst_end + 1
    esm, _, _ = body[i], body[i + 1], body[i + 2]
    i += 3
    i = body.index(b"\0", i) + 1          # schedule_delivery_time
    i = body.index(b"\0", i) + 1          # validity_period
    i += 2
    dc = body[i]
    i += 2
    n = body[i]
    return dst, dc, esm, body[i + 1:i + 1 + n]


def test_binds(d, port):
    c = RawSmpp(port)
    assert c.bind("test", "wrong") == ESME_RINVPASWD
    assert c.closed(), "a refused bind closes the connection"
    c = RawSmpp(port)
    assert c.bind("nobody", "secret") == ESME_RINVSYSID
    assert c.closed()
    # Right credentials from an address outside the account's allowed_cidrs.
    c = RawSmpp(port)
    assert c.bind("far", "farpw") == ESME_RBINDFAIL
    assert c.closed()
    # Messages and enquire_link before a bind.
    c = RawSmpp(port)
    seq = c.send(SUBMIT_SM, sm_body(PHONE, "1708", b"Jalan rusak"))
    c.expect(SUBMIT_SM | RESP, seq, ESME_RINVBNDSTS)
    seq = c.send(ENQUIRE_LINK)
    c.expect(ENQUIRE_LINK | RESP, seq, ESME_ROK)
    assert c.bind() == ESME_ROK
    assert c.bind() == ESME_RALYBND, "a second bind on one connection"
    seq = c.send(ENQUIRE_LINK)
    c.expect(ENQUIRE_LINK | RESP, seq, ESME_ROK)
    seq = c.send(UNBIND)
    c.expect(UNBIND | RESP, seq, ESME_ROK)
    assert c.closed()
    # A receiver bind may not submit_sm; a transmitter bind gets no replies but may submit.
    r = RawSmpp(port)
    assert r.bind(kind=BIND_RECEIVER) == ESME_ROK
    seq = r.send(SUBMIT_SM, sm_body(PHONE, "1708", b"Jalan rusak"))
    r.expect(SUBMIT_SM | RESP, seq, ESME_RINVBNDSTS)
    r.close()


def test_message_and_reply(d, port):
    before = len(dispatched(d.data_dir))
    c = RawSmpp(port)
    assert c.bind() == ESME_ROK
    text = b"Lampu jalan mati di Jl. Merdeka sejak seminggu"
    seq = c.send(SUBMIT_SM, sm_body(PHONE, "1708", text))
    _, st, _, body = c.expect(SUBMIT_SM | RESP, seq, ESME_ROK)
    tracking_id = body.rstrip(b"\0").decode()
    assert tracking_id.startswith("LPR-"), body
    assert d.metric('lapor_smpp_binds{operator="telkomsel"}') >= 1
    # The reply deliver_sm carries the tracking ID, to the citizen, from the short code. (It
    # comes from the outbox and may overtake the resp; expect() answers it on the way.)
    if not c.delivered:
        cmd, _, rseq, rbody = c.read()
        assert cmd == DELIVER_SM, hex(cmd)
        c.send_raw(pdu(DELIVER_SM | RESP, rseq, b"\0"))
    else:
        rbody = c.delivered.pop(0)
    dst, dc, _, sm = text_of_deliver(rbody)
    assert dst == PHONE and dc == 0 and tracking_id.encode() in sm and b"diterima" in sm, (dst, dc, sm)
    # A redelivery (the SMSC did not see our resp) stores nothing and gets the same ID.
    seq = c.send(SUBMIT_SM, sm_body(PHONE, "1708", text))
    _, _, _, body2 = c.expect(SUBMIT_SM | RESP, seq, ESME_ROK)
    assert body2.rstrip(b"\0").decode() == tracking_id
    docs = wait_until(lambda: len(dispatched(d.data_dir)) >= before + 1 and dispatched(d.data_dir), 10,
                      what="the complaint in dispatched.jsonl")
    mine = [x for x in docs if x.get("tracking_id") == tracking_id]
    assert len(mine) == 1, docs
    assert mine[0]["body"] == text.decode() and mine[0]["reporter"]["phone"] == "+" + PHONE, mine[0]
    assert mine[0]["channel"] == "sms" and mine[0]["channel_ref"]["operator"] == "telkomsel", mine[0]
    time.sleep(0.3)
    assert len([x for x in dispatched(d.data_dir) if x.get("tracking_id") == tracking_id]) == 1

    # data_sm with message_payload (UCS-2) and a deliver_sm from a transmitter bind.
    t = RawSmpp(port)
    assert t.bind(kind=BIND_TRANSMITTER) == ESME_ROK
    ucs2 = "Sampah menumpuk di pasar 😡".encode("utf-16-be")
    body = (cstr("") + bytes([1, 1]) + cstr("6281111111111") + bytes([0, 0]) + cstr("1708") + bytes([0, 0, 8]) +
            tlv(0x0424, ucs2))
    seq = t.send(DATA_SM, body)
    _, _, _, b = t.expect(DATA_SM | RESP, seq, ESME_ROK)
    tid2 = b[:b.index(b"\0")].decode()
    seq = t.send(DELIVER_SM, sm_body("6282222222222", "1708", b"ASPIRASI taman kota perlu lampu"))
    t.expect(DELIVER_SM | RESP, seq, ESME_ROK)
    docs = wait_until(lambda: [x for x in dispatched(d.data_dir) if x.get("tracking_id") == tid2], 10,
                      what="the data_sm complaint")
    assert docs[0]["body"] == "Sampah menumpuk di pasar 😡", docs[0]
    wait_until(lambda: any(x.get("kind") == "aspiration" and x["body"] == "taman kota perlu lampu"
                           for x in dispatched(d.data_dir)), 10, what="the aspiration")
    # The transmitter bind cannot take the replies; the transceiver bind of the same operator
    # (still open) gets them. The redelivery above gets no second SMS (one reply per
    # complaint and number).
    got = [text_of_deliver(b) for b in c.delivered]
    c.delivered.clear()
    deadline = time.time() + 3
    while time.time() < deadline:
        try:
            p = c.read(max(0.05, deadline - time.time()))
        except AssertionError:
            break
        if p is None:
            break
        if p[0] == DELIVER_SM:
            got.append(text_of_deliver(p[3]))
            c.send_raw(pdu(DELIVER_SM | RESP, p[2], b"\0"))
    assert sorted(g[0] for g in got) == sorted(["6281111111111", "6282222222222"]), got
    t.close()
    c.close()


def test_concatenated(d, port):
    c = RawSmpp(port)
    assert c.bind() == ESME_ROK
    text = "Jembatan di desa kami ambruk sejak banjir bulan lalu, warga harus memutar sejauh 10 km. " * 2
    raw = text.encode("utf-16-be")
    chunks = [raw[i:i + 134] for i in range(0, len(raw), 134)]
    seqs = []
    for i, ch in enumerate(chunks):
        udh = bytes([5, 0, 3, 0x42, len(chunks), i + 1])
        seqs.append(c.send(SUBMIT_SM, sm_body("6283333333333", "1708", udh + ch, data_coding=8, esm_class=0x40)))
    pending = set(seqs)
    while pending:  # each part answered once it is durable, in any order (a window)
        _, st, sq, _ = c.expect(SUBMIT_SM | RESP, None, ESME_ROK)
        pending.discard(sq)
    docs = wait_until(lambda: [x for x in dispatched(d.data_dir) if x.get("body") == text.strip()], 10,
                      what="the reassembled complaint")
    ids = {docs[0]["tracking_id"]}
    # The SMSC sends part 2 again (our resp got lost): the same answer, no fragment stored.
    n = len(dispatched(d.data_dir))
    udh = bytes([5, 0, 3, 0x42, len(chunks), 2])
    s2 = c.send(SUBMIT_SM, sm_body("6283333333333", "1708", udh + chunks[1], data_coding=8, esm_class=0x40))
    _, _, _, b = c.expect(SUBMIT_SM | RESP, s2, ESME_ROK)
    assert b.rstrip(b"\0").decode() in ids
    time.sleep(0.5)
    assert len(dispatched(d.data_dir)) == n
    c.close()


def test_malformed(d, port):
    # A healthy bind that must keep working throughout.
    good = RawSmpp(port)
    assert good.bind() == ESME_ROK

    c = RawSmpp(port)
    assert c.bind() == ESME_ROK
    # Unknown command id: generic_nack ESME_RINVCMDID, the session goes on.
    c.send_raw(pdu(0x00000777, 41))
    c.expect(GENERIC_NACK, 41, ESME_RINVCMDID)
    # query_sm (not served): generic_nack ESME_RINVCMDID.
    c.send_raw(pdu(0x00000003, 42, cstr("1") + bytes([0, 0]) + cstr("1708")))
    c.expect(GENERIC_NACK, 42, ESME_RINVCMDID)
    # A submit_sm cut inside its mandatory fields.
    c.send_raw(pdu(SUBMIT_SM, 43, cstr("") + bytes([1, 1]) + b"6281"))
    cmd, st, sq, _ = c.read()
    assert (cmd, sq, st) == (SUBMIT_SM | RESP, 43, ESME_RINVCMDLEN) or (cmd, st) == (GENERIC_NACK, ESME_RINVCMDLEN), \
        (hex(cmd), hex(st), sq)
    # sm_length past the end of the PDU.
    bad = bytearray(sm_body(PHONE, "1708", b"abc"))
    bad[-4] = 200  # sm_length
    c.send_raw(pdu(SUBMIT_SM, 44, bytes(bad)))
    cmd, st, sq, _ = c.read()
    assert (cmd, sq) == (SUBMIT_SM | RESP, 44) and st == ESME_RINVMSGLEN, (hex(cmd), hex(st), sq)
    # A broken TLV stream.
    c.send_raw(pdu(SUBMIT_SM, 45, sm_body(PHONE, "1708", b"abc") + b"\x04\x24\x00"))
    cmd, st, sq, _ = c.read()
    assert (cmd, sq) == (SUBMIT_SM | RESP, 45) and st == 0xC0, (hex(cmd), hex(st), sq)
    seq = c.send(ENQUIRE_LINK)
    c.expect(ENQUIRE_LINK | RESP, seq, ESME_ROK)
    # Oversized command_length: generic_nack ESME_RINVCMDLEN and the connection closes
    # without the daemon waiting for (or buffering) the announced megabytes.
    c.send_raw(struct.pack(">IIII", 0x00F00000, SUBMIT_SM, 0, 46))
    cmd, st, _, _ = c.read()
    assert cmd == GENERIC_NACK and st == ESME_RINVCMDLEN, (hex(cmd), hex(st))
    assert c.closed()
    # command_length below 16.
    c = RawSmpp(port)
    c.send_raw(struct.pack(">I", 8) + b"\0" * 12)
    cmd, st, _, _ = c.read()
    assert cmd == GENERIC_NACK and st == ESME_RINVCMDLEN
    assert c.closed()
    # Pure garbage, and a connection that sends half a PDU and vanishes.
    c = RawSmpp(port)
    c.send_raw(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert c.closed()
    c = RawSmpp(port)
    c.send_raw(pdu(SUBMIT_SM, 1, sm_body(PHONE, "1708", b"x"))[:20])
    c.close()
    # A bind whose system_id is longer than 15 octets.
    c = RawSmpp(port)
    c.send_raw(pdu(BIND_TRANSCEIVER, 7, bind_body("x" * 40, "secret")))
    cmd, st, _, _ = c.read()
    assert cmd == BIND_TRANSCEIVER | RESP and st == ESME_RINVSYSID, (hex(cmd), hex(st))
    assert c.closed()
    # Many binds at once.
    many = [RawSmpp(port) for _ in range(40)]
    for m in many:
        assert m.bind() == ESME_ROK
    for m in many:
        m.close()

    # The daemon is up and the first bind still works.
    assert d.running()
    seq = good.send(SUBMIT_SM, sm_body("6284444444444", "1708", b"Saluran air tersumbat"))
    good.expect(SUBMIT_SM | RESP, seq, ESME_ROK)
    assert d.get("admin", "/readyz")[0] == 200
    st, _, body = d.get("admin", "/metrics")
    assert 'lapor_rejected_total{channel="sms"}' in body.decode(), body.decode()[:2000]
    good.close()


def test_window_and_graceful_stop(tmp):
    """Window of 2: a third message while two wait for the core is throttled; SIGTERM unbinds,
    after the in-flight acknowledgements went out."""
    cfg = write_config(os.path.join(tmp, "w.toml"))
    d = Daemon(os.path.join(tmp, "w"), config_file=cfg, sets=["smpp.window=2", "smpp.reassembly_timeout_s=1",
                                                              "smpp.enquire_link_interval_s=1", "smpp.idle_timeout_s=30"]).start()
    try:
        port = d.ports["smpp"]
        # A quiet bind gets our enquire_link; one that stops answering it is closed.
        q = RawSmpp(port)
        assert q.bind() == ESME_ROK
        cmd, _, eseq, _ = q.read(timeout=5)
        assert cmd == ENQUIRE_LINK, hex(cmd)
        q.send_raw(pdu(ENQUIRE_LINK | RESP, eseq))
        started = time.time()
        assert q.closed(timeout=10), "a peer that ignores enquire_link is dropped"
        assert time.time() - started < 8
        c = RawSmpp(port)
        assert c.bind() == ESME_ROK
        # Part 1 of 2 whose part 2 never comes: acknowledged as soon as it is durable (SPEC §7),
        # stored after the reassembly timeout with what arrived, marked where the rest is missing.
        seq = c.send(SUBMIT_SM, sm_body("6285555555555", "1708", bytes([5, 0, 3, 9, 2, 1]) + b"Awal laporan panjang",
                                        esm_class=0x40))
        started = time.time()
        c.expect(SUBMIT_SM | RESP, seq, ESME_ROK)
        assert time.time() - started < 0.5, "a part waits for its siblings (stalls stop-and-wait SMSCs)"
        def service_and_find():
            # Keep answering the daemon's enquire_link (every 1 s here) while we wait.
            try:
                p = c.read(0.1)
                if p and p[0] in (DELIVER_SM, ENQUIRE_LINK):
                    c.send_raw(pdu(p[0] | RESP, p[2], b"\0" if p[0] == DELIVER_SM else b""))
            except AssertionError:
                pass
            return [x for x in dispatched(d.data_dir) if x["body"].startswith("Awal laporan panjang")]
        doc = wait_until(service_and_find, 10, what="the incomplete long message")[0]
        assert doc["body"].startswith("Awal laporan panjang") and "\u2026" in doc["body"], doc["body"]
        # Send 30 at once: the window (2) may throttle some; every one is answered.
        burst = b"".join(pdu(SUBMIT_SM, 100 + i, sm_body(PHONE, "1708", f"Laporan nomor {i}".encode()))
                         for i in range(30))
        c.send_raw(burst)
        statuses = {}
        deadline = time.time() + 10
        while len(statuses) < 30 and time.time() < deadline:
            p = c.read(max(0.05, deadline - time.time()))
            assert p is not None
            if p[0] == SUBMIT_SM | RESP:
                statuses[p[2]] = p[1]
            elif p[0] in (DELIVER_SM, ENQUIRE_LINK):
                c.send_raw(pdu(p[0] | RESP, p[2], b"\0" if p[0] == DELIVER_SM else b""))
        assert len(statuses) == 30, statuses
        assert set(statuses.values()) <= {ESME_ROK, 0x58}, statuses
        assert ESME_ROK in statuses.values()
        # All 30 arrive in one read and are handled before any commit can answer: the window
        # of 2 throttles the rest, which the metrics count.
        assert 0x58 in statuses.values(), statuses
        assert (d.metric('lapor_throttled_total{channel="sms"}') or 0) >= 1
        # Graceful stop: we get an unbind, answer it, the daemon exits 0.
        d.proc.send_signal(15)
        deadline = time.time() + 10
        got_unbind = False
        while time.time() < deadline:
            p = c.read(max(0.05, deadline - time.time()))
            if p is None:
                break
            if p[0] == UNBIND:
                got_unbind = True
                c.send_raw(pdu(UNBIND | RESP, p[2]))
            elif p[0] in (DELIVER_SM, ENQUIRE_LINK):
                c.send_raw(pdu(p[0] | RESP, p[2], b"\0" if p[0] == DELIVER_SM else b""))
        assert got_unbind
        assert d.proc.wait(15) == 0
    finally:
        d.stop()


def test_store_overload(tmp):
    """A store that cannot take more (store.queue_limit=1) makes the sink refuse: the *_resp is
    ESME_RTHROTTLED and nothing is stored for it; what was acknowledged is stored."""
    cfg = write_config(os.path.join(tmp, "o.toml"))
    d = Daemon(os.path.join(tmp, "o"), config_file=cfg, sets=["store.queue_limit=1"]).start()
    try:
        c = RawSmpp(d.ports["smpp"])
        assert c.bind(kind=BIND_TRANSMITTER) == ESME_ROK
        c.send_raw(b"".join(pdu(SUBMIT_SM, 1 + i, sm_body("62813%08d" % i, "1708", f"Laporan beban {i}".encode()))
                            for i in range(40)))
        answers = {}
        while len(answers) < 40:
            p = c.read(10)
            assert p is not None
            if p[0] == SUBMIT_SM | RESP:
                answers[p[2]] = (p[1], p[3].rstrip(b"\0").decode())
        assert {st for st, _ in answers.values()} <= {ESME_ROK, 0x58}, answers
        throttled = [q for q, (st, _) in answers.items() if st == 0x58]
        acked = {tid for st, tid in answers.values() if st == ESME_ROK}
        assert throttled, "queue_limit=1 under a burst of 40 must refuse some"
        wait_until(lambda: {x["tracking_id"] for x in dispatched(d.data_dir)} >= acked, 10, what="acked complaints stored")
        time.sleep(0.3)
        stored = dispatched(d.data_dir)
        assert len(stored) == len(acked), (len(stored), len(acked))  # nothing stored for a refusal
        assert (d.metric('lapor_throttled_total{channel="sms"}') or 0) >= len(throttled)
    finally:
        d.stop()


def test_config_check(tmp):
    """A malformed allowed_cidrs entry is a configuration error that names the key."""
    bad = write_config(os.path.join(tmp, "bad.toml"), accounts=(("x", "y", "telkomsel", ["10.0.0.0/99"]),))
    r = subprocess.run([gateway_bin(), "--check-config", "--config", bad], capture_output=True, text=True, timeout=20)
    assert r.returncode == 2 and "allowed_cidrs" in r.stderr and "10.0.0.0/99" in r.stderr, (r.returncode, r.stderr)


def main():
    tmp = TempDir("lapor-smpp-")
    try:
        test_config_check(tmp.path)
        print("ok test_config_check")
        cfg = write_config(os.path.join(tmp.path, "smpp.toml"),
                           accounts=(("test", "secret", "telkomsel"), ("far", "farpw", "telkomsel", ["10.0.0.0/8"])))
        d = Daemon(os.path.join(tmp.path, "data"), config_file=cfg).start()
        try:
            port = d.ports["smpp"]
            assert port > 0
            for t in (test_binds, test_message_and_reply, test_concatenated, test_malformed):
                t(d, port)
                print(f"ok {t.__name__}")
            rc = d.stop()
            assert rc == 0, rc
            # No passwords and no citizen's numbers in the logs (STYLE 13).
            with open(d.log_path, encoding="utf-8", errors="replace") as f:
                log = f.read()
            assert "smpp_bound" in log and "smpp_bind_refused" in log, log[-2000:]
            for secret in ("secret", "farpw", PHONE, "6281111111111", "6283333333333"):
                assert secret not in log, f"{secret!r} appears in the daemon log"
        finally:
            d.stop()
        test_window_and_graceful_stop(tmp.path)
        print("ok test_window_and_graceful_stop")
        test_store_overload(tmp.path)
        print("ok test_store_overload")
    finally:
        tmp.cleanup()


if __name__ == "__main__":
    main()
