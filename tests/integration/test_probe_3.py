"""The third outside black-box probe (2026-12-04, SMPP and HTTP): what it found, and siblings.

  * a status query with punctuation ("CEK LPR-….", "CEK “LPR-…”", smart en dashes, "Cek status
    LPR-…", "CEK LPR-… terima kasih") was stored as a complaint and answered "diterima" with a
    new tracking ID; "INFO, …", "#INFO …" were complaints instead of information requests;
  * a photo in a mobile multipart part without filename= or Content-Type was dropped while the
    report was acknowledged;
  * the SMS status reply gave the UTC date (a day early after 17:00 UTC), the status page WIB's;
  * enquire_link / unbind with a body were answered as valid (SMPP 3.4: header only);
  * pages and JSON negotiated by Accept came without Vary: Accept; an unknown method was 405
    (501), 405's Allow left out OPTIONS, "/api/v1/%72eports" was 404.
"""
import json
import os
import re
import secrets
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, wait_until  # noqa: E402
from smpp_support import (BIND_TRANSCEIVER, ENQUIRE_LINK, ESME_ROK, GENERIC_NACK, RESP, SUBMIT_SM, RawSmpp,  # noqa: E402
                          dispatched, pdu, sm_body, write_config)
from test_http_probe import exchange  # noqa: E402
from test_http_probe_2 import check, probe_run  # noqa: E402
from test_smpp_long_and_replies import collect_replies  # noqa: E402
from web_client import api, png_bytes  # noqa: E402

ESME_RINVCMDLEN = 0x02
UNBIND = 0x06


def submit(c, phone, text, data_coding=0):
    seq = c.send(SUBMIT_SM, sm_body(phone, "1708", text, data_coding=data_coding))
    _, status, _, resp = c.expect(SUBMIT_SM | RESP, seq, timeout=10)
    return status, resp.rstrip(b"\0").decode(errors="replace")


def test_status_queries(d, port):
    c = RawSmpp(port, timeout=10)
    assert c.bind(kind=BIND_TRANSCEIVER) == ESME_ROK
    try:
        status, tid = submit(c, "6281230000001", b"Lampu jalan mati di gang Melati RT 3 sejak seminggu")
        assert status == ESME_ROK and tid.startswith("LPR-"), (status, tid)
        wait_until(lambda: [x for x in dispatched(d.data_dir) if x.get("tracking_id") == tid], 10, what="the complaint")
        collect_replies(c, 1.0)
        before = len(dispatched(d.data_dir))
        dashed = tid.replace("-", "\u2013")
        queries = [f"CEK {tid}.", f"cek {tid}?", f'CEK "{tid}"', f"CEK \u201c{tid}\u201d", f"CEK {dashed}",
                   f"STATUS {tid}!", f"Cek status {tid}", f"CEK {tid} terima kasih", f"#cek {tid}"]
        for i, q in enumerate(queries):
            status, answer_id = submit(c, f"62812300001{i:02d}", *((q.encode("ascii"), 0) if q.isascii()
                                                                     else (q.encode("utf-16-be"), 8)))
            assert status == ESME_ROK and answer_id == "", (q, status, answer_id)
        got = collect_replies(c, 4.0)
        texts = [g[2].decode("utf-16-be") if b"\0" in g[2][:2] else g[2].decode("latin-1") for g in got]
        assert len(got) == len(queries), (len(got), texts)
        for t in texts:  # the status of the complaint, not a receipt for a new one
            assert f"Tiket {tid}:" in t and "No. tiket" not in t, t
        time.sleep(0.5)
        assert len(dispatched(d.data_dir)) == before, [x.get("body") for x in dispatched(d.data_dir)[before:]]
        # Keywords followed by punctuation keep their meaning.
        for text, kind in ((b"INFO, jadwal posyandu di Kelurahan Melati PROBE3INFO", "information_request"),
                           (b"#INFO jadwal imunisasi PROBE3HASH", "information_request"),
                           (b"Aspirasi. taman kota perlu lampu PROBE3ASP", "aspiration")):
            status, _ = submit(c, "6281230000099", text)
            assert status == ESME_ROK
            marker = text.split()[-1].decode()
            docs = wait_until(lambda: [x for x in dispatched(d.data_dir) if marker in (x.get("body") or "")], 10,
                              what=marker)
            assert docs[0]["kind"] == kind, (marker, docs[0]["kind"])
    finally:
        c.close()


def test_header_only_pdus(d, port):
    c = RawSmpp(port, timeout=10)
    assert c.bind(kind=BIND_TRANSCEIVER) == ESME_ROK
    try:
        c.send_raw(pdu(ENQUIRE_LINK, 41, b"\0\0"))
        cmd, status, seq, _ = c.read(5)
        assert (cmd, status, seq) == (GENERIC_NACK, ESME_RINVCMDLEN, 41), (hex(cmd), status, seq)
        c.send_raw(pdu(UNBIND, 42, b"\0\0\0\0"))
        cmd, status, seq, _ = c.read(5)
        assert (cmd, status, seq) == (GENERIC_NACK, ESME_RINVCMDLEN, 42), (hex(cmd), status, seq)
        c.send_raw(pdu(ENQUIRE_LINK, 43))  # the well-formed one still works
        cmd, status, seq, _ = c.read(5)
        assert (cmd, status, seq) == (ENQUIRE_LINK | RESP, ESME_ROK, 43), (hex(cmd), status, seq)
    finally:
        c.close()


def test_mobile_photo_parts(d):
    base = f"http://127.0.0.1:{d.ports['web']}"
    boundary = "PrB3" + secrets.token_hex(4)
    report = json.dumps({"title": "Foto", "body": "Sampah menumpuk di TPS Melati, foto terlampir PROBE3PHOTO"})
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"report\"\r\nContent-Type: application/json\r\n\r\n"
            f"{report}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"\r\n\r\n").encode() + png_bytes() + \
        (f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"x\"; filename*=UTF-8''tps%20pagi.png\r\n\r\n").encode() + \
        png_bytes(rgb=(1, 2, 3)) + f"\r\n--{boundary}--\r\n".encode()
    status, _, out = api(base, "POST", "/api/v1/reports", body, idem="probe3-photo",
                         content_type=f"multipart/form-data; boundary={boundary}")
    assert status == 201, (status, out)
    docs = wait_until(lambda: [x for x in dispatched(d.data_dir) if x.get("tracking_id") == out["tracking_id"]], 10,
                      what="the report with photos")
    names = sorted(a["name"] for a in docs[0]["attachments"])
    assert len(names) == 2 and "tps pagi.png" in names, docs[0]["attachments"]


def test_http_details(d):
    port = d.ports["web"]
    for accept in (b"text/html", b"application/json"):
        _, data, _ = exchange(port, b"GET /nope HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAccept: " + accept + b"\r\n\r\n")
        head = data.split(b"\r\n\r\n", 1)[0]
        assert re.search(rb"\r\nVary: Accept", head, re.I), head
    statuses, data, _ = exchange(port, b"FOO / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert statuses == [501], data[:200]
    statuses, data, _ = exchange(port, b"DELETE /lapor HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert statuses == [405] and re.search(rb"\r\nAllow: [^\r]*OPTIONS", data), data[:300]
    statuses, data, _ = exchange(port, b"GET /api/v1/%6Fpenapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert statuses == [200], data[:200]


def main():
    def start(tmp):
        cfg = write_config(os.path.join(tmp, "smpp.toml"))
        return Daemon(os.path.join(tmp, "data"), config_file=cfg,
                      sets=['mobile.api_keys=[{key_id="app1", secret="app1-secret"}]', "web.rate_limit_per_minute=0",
                            "smpp.reply_limit_per_hour=100", "smpp.auto_reply_window_s=0"]).start()
    with probe_run("lapor-probe3-", start) as (tmp, d):
        port = d.ports["smpp"]
        check("status queries with punctuation are queries; keywords with punctuation keep their kind",
              test_status_queries, d, port)
        check("enquire_link and unbind with a body: generic_nack ESME_RINVCMDLEN", test_header_only_pdus, d, port)
        check("mobile photo parts without filename= or Content-Type, and filename*, are stored", test_mobile_photo_parts, d)
        check("Vary: Accept, 501 for unknown methods, OPTIONS in Allow, escaped unreserved characters",
              test_http_details, d)


if __name__ == "__main__":
    main()
