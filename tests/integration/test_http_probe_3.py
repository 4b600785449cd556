"""The public listener against what the second outside probe (2026-12-03) also noted, over raw
sockets: each item failed before its fix.

  * HTTP-version: HTTP/1.0 and 1.2 are answered as 1.1 (RFC 9110 §2.5), HTTP/2.0 and 3.0 (and the h2
    preface sent as text) are 505, a malformed version is 400;
  * OPTIONS (RFC 9110 §9.3.7): 204 with Allow for a resource and for "*";
  * a head too large for a browser is a page, not problem JSON;
  * multipart: a file name that is not UTF-8 is refused on its field; a name or filename
    parameter twice, or two boundaries, is refused (which one was meant is a guess); a quote
    escaped as \\" in a file name is read as a quote;
  * the result page repeats what the POST answered: an edited ?foto=N loses the count;
  * one refusal names every wrong field; a refusal for a field to correct does not use up
    the address's submissions;
  * numbers in the forwarded document are plain ("-2.2", not "-2.2E0").
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, wait_until  # noqa: E402
from smpp_support import dispatched  # noqa: E402
from test_http_probe import exchange, received  # noqa: E402
from test_http_probe_2 import check, multipart, post_form, probe_run  # noqa: E402
from web_client import api, png_bytes  # noqa: E402

MOBILE = ['mobile.api_keys=[{key_id="app1", secret="app1-secret"}]']


def status_line(data):
    return data.split(b"\r\n", 1)[0]


def test_versions(d):
    port = d.ports["web"]
    statuses, data, _ = exchange(port, b"GET / HTTP/1.2\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert statuses == [200] and status_line(data).startswith(b"HTTP/1.1 200"), data[:200]
    # An HTTP/1.0 request is answered as HTTP/1.1 too (RFC 9110 §2.5: the highest version of
    # its major one); a persistent connection it asked for is said in words.
    statuses, data, closed = exchange(port, b"GET / HTTP/1.0\r\n\r\n")
    assert statuses == [200] and status_line(data).startswith(b"HTTP/1.1 200") and closed, data[:200]
    statuses, data, _ = exchange(port, b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                                       b"GET / HTTP/1.0\r\n\r\n")
    assert statuses == [200, 200] and status_line(data).startswith(b"HTTP/1.1 200"), data[:200]
    assert re.search(rb"\r\nConnection: keep-alive\r\n", data.split(b"\r\n\r\n", 1)[0], re.I), data[:400]
    for raw in (b"GET / HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n", b"GET / HTTP/3.0\r\nHost: 127.0.0.1\r\n\r\n",
                b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"):
        statuses, data, closed = exchange(port, raw)
        assert statuses == [505] and closed, (raw, data[:300])
    for raw in (b"GET / HTTP/1.10\r\nHost: 127.0.0.1\r\n\r\n", b"GET / HTTP/x.y\r\nHost: 127.0.0.1\r\n\r\n"):
        statuses, data, _ = exchange(port, raw)
        assert statuses == [400], (raw, data[:300])


def test_options(d):
    port = d.ports["web"]
    for target, must in ((b"*", [b"GET", b"POST", b"OPTIONS"]), (b"/lapor", [b"GET", b"POST", b"OPTIONS"])):
        statuses, data, _ = exchange(port, b"OPTIONS " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        assert statuses == [204], (target, data[:300])
        allow = re.search(rb"\r\nAllow: ([^\r]*)\r\n", data, re.I)
        assert allow and all(m in allow.group(1) for m in must), (target, data[:300])
    statuses, _, _ = exchange(port, b"OPTIONS /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert statuses == [404], statuses


def test_header_too_large_page(d):
    port = d.ports["web"]
    raw = (b"GET /lapor HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\nCookie: " + b"a" * 70000 + b"\r\n\r\n")
    statuses, data, _ = exchange(port, raw)
    assert statuses == [431], data[:300]
    head = data.split(b"\r\n\r\n", 1)[0].lower()
    assert b"content-type: text/html" in head, head


def test_multipart_names(d):
    before = received(d)
    body, ctype = multipart([("body", "Jalan rusak di Ketapang, foto bernama aneh")], [("photos", "x.png", png_bytes())])
    bad_name = body.replace(b'filename="x.png"', b'filename="foto\xff\xfe.png"')
    status, out = post_form(d, bad_name, ctype)
    assert status == 422 and b"UTF-8" in out, (status, out[-400:])
    twice = body.replace(b'filename="x.png"', b'filename="a.png"; filename="b.png"')
    status, out = post_form(d, twice, ctype)
    assert status in (400, 422), (status, out[-400:])
    status, out = post_form(d, body, ctype + "; boundary=other")
    assert status in (400, 415, 422), (status, out[-400:])
    assert received(d) == before
    escaped = body.replace(b'filename="x.png"', b'filename="a\\"b.png"')
    status, out = post_form(d, escaped, ctype)
    assert status == 201, (status, out[-400:])
    doc = json.loads(out.split(b"\r\n\r\n", 1)[1])
    stored = wait_until(lambda: [x for x in dispatched(d.data_dir) if x.get("tracking_id") == doc["tracking_id"]], 10,
                        what="the forwarded document")
    assert [a["name"] for a in stored[0]["attachments"]] == ['a"b.png'], stored[0]["attachments"]


def test_result_page_facts(d):
    port = d.ports["web"]
    body, ctype = multipart([("body", "Lampu jalan mati di Jl. Merdeka Ketapang, ada fotonya")], [("photos", "x.png", png_bytes())])
    raw = (b"POST /lapor HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\nConnection: close\r\nContent-Type: " +
           ctype.encode() + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    statuses, data, _ = exchange(port, raw)
    assert statuses == [303], data[:400]
    location = re.search(rb"\r\nLocation: ([^\r]*)\r\n", data, re.I).group(1)
    assert b"foto=1" in location, location

    def page(target):
        _, out, _ = exchange(port, b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        return out

    assert b"1 foto ikut tersimpan" in page(location)
    edited = page(location.replace(b"foto=1", b"foto=5"))
    assert b"200 OK" in status_line(edited) and b"foto ikut tersimpan" not in edited, edited[-600:]


def test_every_wrong_field(d):
    status, out = post_form(d, b"body=Jalan+rusak+di+Ketapang&phone=TELKOMSEL&email=x%40example..com",
                            "application/x-www-form-urlencoded")
    assert status == 422, (status, out[-400:])
    problem = json.loads(out.split(b"\r\n\r\n", 1)[1])
    fields = {e["field"] for e in problem["errors"]}
    assert {"phone", "email"} <= fields or {"reporter.phone", "reporter.email"} <= fields, problem


def test_refusals_keep_the_budget(tmp):
    d = Daemon(os.path.join(tmp, "budget"), sets=["web.rate_limit_per_minute=2"]).start()
    try:
        for _ in range(5):  # five tries with a typo: none stored, none counted against the address
            status, out = post_form(d, b"body=Jalan+rusak+di+Ketapang&phone=TELKOMSEL", "application/x-www-form-urlencoded")
            assert status == 422, (status, out[-300:])
        for i in range(2):
            status, out = post_form(d, b"body=Jalan+rusak+di+Ketapang+benar+" + str(i).encode(),
                                    "application/x-www-form-urlencoded")
            assert status == 201, (i, status, out[-300:])
        status, _ = post_form(d, b"body=Jalan+rusak+di+Ketapang+ketiga", "application/x-www-form-urlencoded")
        assert status == 429, status
    finally:
        d.stop()


def test_plain_numbers(d):
    body = json.dumps({"title": "Angka", "body": "Jalan berlubang dekat pasar Ketapang, koordinat terlampir",
                       "location": {"text": "Ketapang", "lat": -2.2, "lon": 110.0}}).encode()
    status, _, doc = api(f"http://127.0.0.1:{d.ports['web']}", "POST", "/api/v1/reports", body, idem="num-1")
    assert status == 201, (status, doc)
    path = os.path.join(d.data_dir, "dispatched.jsonl")
    line = wait_until(lambda: [x for x in open(path, encoding="utf-8") if doc["tracking_id"] in x], 10,
                      what="the forwarded document")[0]
    assert '"lat":-2.2,"lon":110,' in line, line[:600]


def main():
    def start(tmp):
        return Daemon(os.path.join(tmp, "data"), sets=MOBILE + ["web.rate_limit_per_minute=0"]).start()
    with probe_run("lapor-probe3-", start) as (tmp, d):
        check("HTTP/1.0 and 1.2 answered as 1.1; 2.0, 3.0 and the h2 preface 505; a malformed version 400", test_versions, d)
        check("OPTIONS: 204 with Allow for a resource and for *", test_options, d)
        check("a head too large for a browser is a page", test_header_too_large_page, d)
        check("multipart names: not UTF-8, given twice, two boundaries, an escaped quote", test_multipart_names, d)
        check("the result page repeats what the answer said, not an edited link", test_result_page_facts, d)
        check("one refusal names every wrong field", test_every_wrong_field, d)
        check("numbers in the forwarded document are plain", test_plain_numbers, d)
        assert d.stop() == 0
        check("a refusal for a field to correct keeps the address's budget", test_refusals_keep_the_budget, tmp.path)


if __name__ == "__main__":
    main()
