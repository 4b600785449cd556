"""The public and admin listeners against the second outside black-box probe (2026-12-03),
over raw sockets and curl: what it found, and the siblings of each.

  * a chunked body whose chunk-size line, extension or trailer section never ends is 400 and a
    close, and the daemon's memory stays bounded (it grew by a gigabyte);
  * HTTP/1.0 with Expect: 100-continue gets no 100; "close" in a second Connection line ends
    the connection; a raw non-ASCII target is 400; an oversized Content-Length is 413; a
    request Content-Encoding is 415;
  * a signed mobile request captured before a restart is refused after it (it was stored again
    under another Idempotency-Key); a retry signed anew gets the stored answer;
  * a PNG or HEIF header followed by HTML, or a picture with a page appended, is refused;
  * a web form field sent twice, an unknown checkbox value, or photos sent as text come back as
    errors (first wins dropped text; "ON" was read as unticked: an Anonim report made public);
  * the admin listener's Origin check compares scheme, host and port.
"""
import contextlib
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, TempDir  # noqa: E402
from test_http_probe import exchange, form_post, received  # noqa: E402
from web_client import api, png_bytes  # noqa: E402

PASSED = []
MOBILE = ['mobile.api_keys=[{key_id="app1", secret="app1-secret"}]']


def check(name, fn, *a):
    fn(*a)
    PASSED.append(name)
    print(f"ok - {name}", flush=True)


@contextlib.contextmanager
def probe_run(prefix, start):
    """A probe test's daemon: `start(tmp_path)` makes it (started) in a temporary folder; the
    checks run inside the block; its log's tail is printed when one fails; it is stopped and the
    folder removed after, then the count of passed checks printed."""
    tmp = TempDir(prefix)
    d = None
    try:
        d = start(tmp.path)
        yield tmp, d
    except BaseException:
        if d:
            print(d.tail_log(), file=sys.stderr)
        raise
    finally:
        if d:
            d.stop()
        tmp.cleanup()
    print(f"{len(PASSED)} passed, 0 failed")


def rss_kb(d):
    with open(f"/proc/{d.proc.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def endless(d, head, filler, total=24 * 1024 * 1024):
    """Sends `head` then `filler` until `total` bytes or the server answers; returns (status
    line seen, bytes sent)."""
    s = socket.create_connection(("127.0.0.1", d.ports["web"]), timeout=5)
    s.settimeout(0.0)
    sent, got = 0, b""
    try:
        s.sendall(head)
        block = filler * (65536 // len(filler))
        while sent < total:
            try:
                sent += s.send(block)
            except BlockingIOError:
                time.sleep(0.01)
            except (BrokenPipeError, ConnectionResetError):
                break
            try:
                chunk = s.recv(4096)
                if not chunk:
                    break
                got += chunk
                if b"\r\n\r\n" in got:
                    break
            except BlockingIOError:
                pass
            except ConnectionResetError:
                break
        s.settimeout(3)
        try:
            while b"\r\n\r\n" not in got:
                chunk = s.recv(4096)
                if not chunk:
                    break
                got += chunk
        except (socket.timeout, ConnectionResetError):
            pass
    finally:
        s.close()
    return got.split(b"\r\n", 1)[0], sent


def test_endless_chunk_lines(d):
    start = rss_kb(d)
    post = (b"POST /lapor HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    for what, head, filler in [("a chunk extension", post + b"5;", b"a"),
                               ("chunk-size digits", post, b"0"),
                               ("a trailer line", post + b"3\r\na=b\r\n0\r\nX-T: ", b"a"),
                               ("trailer lines", post + b"3\r\na=b\r\n0\r\n", b"X-T: a\r\n")]:
        line, sent = endless(d, head, filler)
        assert line.startswith(b"HTTP/1.1 400"), (what, line, sent)
        assert sent < 8 * 1024 * 1024, f"{what}: {sent} bytes taken before the answer"
    grown = rss_kb(d) - start
    assert grown < 64 * 1024, f"the daemon grew by {grown} KiB"


def test_protocol_details(d):
    port = d.ports["web"]
    body = b"title=x&body=Expect+http10+jalan+rusak+di+desa"
    raw = (b"POST /lapor HTTP/1.0\r\nAccept: application/json\r\nContent-Type: application/x-www-form-urlencoded\r\n"
           b"Expect: 100-continue\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    statuses, data, _ = exchange(port, raw)
    assert 100 not in statuses and statuses == [201], (statuses, data[:300])
    raw = (b"GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n"
           b"GET /second HTTP/1.1\r\nHost: x\r\n\r\n")
    statuses, _, closed = exchange(port, raw)
    assert statuses == [200] and closed, statuses
    statuses, data, _ = exchange(port, b"GET /\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n")
    assert statuses == [400], statuses
    statuses, _, _ = exchange(port, form_post(b"", b"Content-Length: 9223372036854775807\r\n", length=False))
    assert statuses == [413], statuses
    before = received(d)
    statuses, _, _ = exchange(port, form_post(b"body=lapor+jalan+rusak", b"Content-Encoding: gzip\r\n"))
    assert statuses == [415], statuses
    assert received(d) == before


def signed_post(d, body, key, ts):
    return api(f"http://127.0.0.1:{d.ports['web']}", "POST", "/api/v1/reports", body, idem=key, ts=ts)


def test_replay_across_restart(tmp):
    d = Daemon(os.path.join(tmp, "replay"), sets=MOBILE + ["web.rate_limit_per_minute=0"]).start()
    try:
        body = json.dumps({"title": "Replay", "body": "Uji replay tanda tangan jalan rusak di Ketapang"}).encode()
        time.sleep(1.1)  # signed after the start's second (one signed in that second is taken)
        ts = int(time.time())
        status, _, first = signed_post(d, body, "key-A", ts)
        assert status == 201, (status, first)
        status, _, _ = signed_post(d, body, "key-B", ts)
        assert status == 401, status
        time.sleep(1.1)  # the restart comes in a later second than the signature
        assert d.stop() == 0
        d.start()
        status, _, out = signed_post(d, body, "key-C", ts)  # the captured bytes, after a restart
        assert status == 401, (status, out)
        d.kill9()
        d.start()
        status, _, out = signed_post(d, body, "key-D", ts)
        assert status == 401, (status, out)
        # The client's own retry, signed anew: the stored answer.
        status, _, again = signed_post(d, body, "key-A", int(time.time()) + 1)
        assert status in (200, 201) and again["tracking_id"] == first["tracking_id"], (status, again, first)
    finally:
        d.stop()


def multipart(fields, files, boundary="XyZb0und"):
    out = b""
    for k, v in fields:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n").encode() + v.encode() + b"\r\n"
    for k, name, data in files:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{name}\"\r\n"
                f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def post_form(d, body, ctype):
    raw = (b"POST /lapor HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nConnection: close\r\n"
           b"Content-Type: " + ctype.encode() + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    statuses, data, _ = exchange(d.ports["web"], raw)
    return statuses[0] if statuses else None, data


def test_photos_by_structure(d):
    html = b"<html><script>alert(1)</script></html>"
    ftyp = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"
    ihdr = png_bytes()[:33]
    before = received(d)
    for what, data in [("HEIF header + HTML", ftyp + html), ("HEIF header + text", ftyp + b"hello world, plain text"),
                       ("PNG header + HTML", ihdr + html), ("PNG cut short", png_bytes()[:40]),
                       ("a PNG with a page appended", png_bytes() + html)]:
        body, ctype = multipart([("body", "Foto jalan rusak di Ketapang " + what)], [("photos", "x.heic", data)])
        status, out = post_form(d, body, ctype)
        assert status == 422, (what, status, out[-300:])
    body, ctype = multipart([("body", "Foto jalan rusak di Ketapang, foto asli")], [("photos", "x.png", png_bytes())])
    status, out = post_form(d, body, ctype)
    assert status == 201, (status, out[-300:])
    assert received(d) == before + 1


def test_form_fields(d):
    before = received(d)
    for what, body in [("a body sent twice", b"body=Jalan+rusak+SATU+di+Ketapang&body=Jalan+rusak+DUA+di+Ketapang"),
                       ("a title sent twice", b"title=a&title=b&body=Jalan+rusak+di+Ketapang+lagi"),
                       ("an unknown checkbox value", b"body=Jalan+rusak+di+Ketapang+tiga&anonymous=maybe"),
                       ("photos as text", b"body=Jalan+rusak+di+Ketapang+empat&photos=a.png")]:
        status, out = post_form(d, body, "application/x-www-form-urlencoded")
        assert status == 422, (what, status, out[-300:])
    assert received(d) == before
    status, out = post_form(d, b"body=Lampu+jalan+mati+di+Ketapang+sejak+kemarin&anonymous=ON&confidential=Yes",
                            "application/x-www-form-urlencoded")
    assert status == 201, (status, out[-300:])
    doc = json.loads(out.split(b"\r\n\r\n", 1)[1])
    status_doc = d.get("admin", f"/admin/complaints/{doc['tracking_id']}")
    assert status_doc[0] == 200, status_doc[:2]
    meta = json.loads(status_doc[2])
    text = json.dumps(meta)
    assert '"anonymous": true' in text and '"confidential": true' in text, text[:600]


def test_admin_origin(d):
    port = d.ports["admin"]
    body = json.dumps({"title": "x", "kind": "complaint", "body": "Uji origin admin jalan rusak di Ketapang"}).encode()
    for origin, want in [("http://127.0.0.1:1", 403), (f"https://127.0.0.1:{port}", 403), ("http://localhost", 403),
                         (f"http://127.0.0.1:{port}", 201)]:
        raw = (b"POST /admin/test/submit HTTP/1.1\r\nHost: 127.0.0.1:" + str(port).encode() + b"\r\nConnection: close\r\n"
               b"Content-Type: application/json\r\nOrigin: " + origin.encode() + b"\r\nContent-Length: " +
               str(len(body)).encode() + b"\r\n\r\n" + body)
        statuses, data, _ = exchange(port, raw)
        assert statuses == [want], (origin, statuses, data[-300:])


def main():
    def start(tmp):
        return Daemon(os.path.join(tmp, "data"), sets=["web.rate_limit_per_minute=0"]).start()
    with probe_run("lapor-probe2-", start) as (tmp, d):
        check("an endless chunk-size line, extension or trailer: 400, memory bounded", test_endless_chunk_lines, d)
        check("HTTP/1.0 Expect, two Connection lines, raw target bytes, huge Content-Length, Content-Encoding",
              test_protocol_details, d)
        check("photos judged by their whole structure", test_photos_by_structure, d)
        check("form fields twice, checkbox values, photos as text", test_form_fields, d)
        check("admin Origin: scheme, host and port", test_admin_origin, d)
        assert d.stop() == 0
        check("a signed request captured before a restart is refused after it", test_replay_across_restart, tmp.path)


if __name__ == "__main__":
    main()
