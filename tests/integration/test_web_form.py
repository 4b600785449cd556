"""The web form (SPEC §7 Web) driven by curl against the real daemon: the form, urlencoded
and multipart posts with photos, double submits, the status page, bad input that stores
nothing, rate limiting, HTTP hygiene (HEAD, 405, 413, large uploads spooled to disk,
slowloris disconnected, 503 + Retry-After beyond the connection limit)."""
import http.client
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, TempDir, wait_until  # noqa: E402
from web_client import (count_files, curl, form_nonce, jpeg_bytes, png_bytes, tracking_id,  # noqa: E402
                        write)

PASSED = []


def check(name, fn, *a):
    fn(*a)
    PASSED.append(name)
    print(f"ok - {name}", flush=True)


def received(d, channel="web"):
    return d.metric(f'lapor_received_total{{channel="{channel}"}}') or 0


def test_form_page(d, base):
    st, h, page = curl(base + "/")
    assert st == 200 and h["content-type"].startswith("text/html"), (st, h)
    text = page.decode()
    for needle in ['lang="id"', 'name="viewport"', 'action="/lapor"', 'enctype="multipart/form-data"', 'name="title"',
                   'name="body"', 'name="name"', 'name="phone"', 'name="email"', 'name="location"', 'name="photos"',
                   'name="anonymous"', 'name="confidential"', 'value="complaint"', 'value="aspiration"',
                   'value="information_request"', 'name="nonce"', "Anonim", "Rahasia", "Pengaduan", "Aspirasi",
                   "Permintaan informasi", "<label for=\"f-body\">"]:
        assert needle in text, needle
    assert "<script" not in text
    assert "no-store" in h["cache-control"] and "script-src" not in h["content-security-policy"]
    st, h, body = d.request("web", "HEAD", "/")
    assert st == 200 and body == b"" and int(h["content-length"]) > 1000, (st, h, body)
    st, h, _ = curl("-X", "DELETE", base + "/")
    assert st == 405 and "GET" in h["allow"] and "HEAD" in h["allow"], (st, h)
    st, h, _ = curl("-X", "PUT", base + "/lapor")
    assert st == 405 and "POST" in h["allow"], (st, h)


def test_keep_alive_and_header_limit(d, port):
    """Several requests on one kept-alive connection; a header beyond the limit gets 431;
    Expect: 100-continue is answered, or refused with 413 before the body is sent."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        for path in ("/", "/status", "/"):
            c.request("GET", path)
            r = c.getresponse()
            r.read()
            assert r.status == 200 and r.getheader("connection", "keep-alive").lower() != "close", (path, r.status)
        assert c.sock is not None  # the same socket served all three
    finally:
        c.close()
    st, h, _ = curl("-H", "X-Padding: " + "a" * 20000, f"http://127.0.0.1:{port}/")
    assert st == 431, (st, h)
    # Expect: 100-continue: the interim answer comes before the body is sent; a body too large
    # is refused before it is sent at all.
    body = b"body=Selokan+mampet+di+Gang+Mawar&phone=0813-4444-3001"
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(b"POST /lapor HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n"
                  b"Content-Type: application/x-www-form-urlencoded\r\nExpect: 100-continue\r\n"
                  b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
        assert s.recv(64).startswith(b"HTTP/1.1 100 Continue"), "no 100 Continue"
        s.sendall(body)
        answer = s.recv(4096)
        assert answer.startswith(b"HTTP/1.1 201"), answer[:200]
    finally:
        s.close()
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(b"POST /lapor HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                  b"Expect: 100-continue\r\nContent-Length: 50000000\r\n\r\n")
        answer = s.recv(4096)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    finally:
        s.close()


def test_urlencoded_and_double_submit(d, base):
    nonce = form_nonce(base)
    before = received(d)
    args = ["--data-urlencode", "title=Jalan rusak di Jl. Ahmad Yani",
            "--data-urlencode", "body=Jalan rusak parah di Jl. Ahmad Yani km 5, sudah 3 bulan tidak diperbaiki",
            "--data-urlencode", "kind=complaint", "--data-urlencode", "name=Siti Rahma",
            "--data-urlencode", "phone=0812-3456-7001", "--data-urlencode", "location=Sampit",
            "--data-urlencode", "anonymous=1", "--data-urlencode", f"nonce={nonce}"]
    st, h, page = curl(*args, base + "/lapor")
    # Post/Redirect/Get: 303 to the result page (its body is the page too, for clients that stay).
    assert st == 303 and h["location"].startswith("/lapor/diterima/"), (st, h, page[:500])
    tid = tracking_id(page)
    assert tid, page
    assert f'href="/status/{tid}"'.encode() in page
    st, _, result = curl(base + h["location"])
    assert st == 200 and tracking_id(result) == tid, (st, result[:300])
    st2, h2, page2 = curl(*args, base + "/lapor")  # the double click: the very same answer
    assert st2 == 303 and h2["location"] == h["location"] and tracking_id(page2) == tid, (st2, page2[:300])
    assert received(d) == before + 1
    # The status page: state and dates, never content or identity.
    st, h, status = curl(base + "/status/" + tid.lower().replace("-", ""))
    text = status.decode()
    assert st == 200 and tid in text and "Diterima" in text, text
    for secret in ["Ahmad Yani", "Siti", "0812", "6281234567001", "Sampit"]:
        assert secret not in text, secret
    # The anonymous reporter's phone never reaches the log.
    time.sleep(0.2)
    log = open(d.log_path, "rb").read()
    assert b"3456-7001" not in log and b"81234567001" not in log
    # With Accept: application/json, the mobile API's answer.
    st, h, ans = curl("-H", "Accept: application/json", "--data-urlencode", "body=Lampu jalan mati di gang 3",
                      base + "/lapor")
    ans = json.loads(ans)
    assert st == 201 and ans["status"] == "received" and ans["tracking_id"].startswith("LPR-"), (st, ans)


def test_multipart_with_photos(d, base, tmp):
    jpg = write(os.path.join(tmp, "jalan.jpg"), jpeg_bytes(50_000))
    png = write(os.path.join(tmp, "lampu.png"), png_bytes())
    before_files = count_files(os.path.join(d.data_dir, "attachments"))
    st, h, page = curl("-F", "title=Banjir", "-F", "body=Banjir setinggi lutut di Jl. Merdeka sejak pagi",
                       "-F", "kind=complaint", "-F", f"nonce={form_nonce(base)}", "-F", "confidential=1",
                       "-F", f"photos=@{jpg};type=image/jpeg", "-F", f"photos=@{png};type=image/png", base + "/lapor")
    assert st == 303, (st, page[:600])
    tid = tracking_id(page)
    assert tid and b"2 foto" in page, page
    assert count_files(os.path.join(d.data_dir, "attachments")) == before_files + 2
    # The canonical complaint references both photos by SHA-256.
    import hashlib

    def forwarded():
        path = os.path.join(d.data_dir, "dispatched.jsonl")
        if not os.path.exists(path):
            return None
        for line in open(path):
            doc = json.loads(line)
            if doc.get("tracking_id") == tid:
                return doc
        return None
    doc = wait_until(forwarded, 10, what="the dispatched complaint")
    shas = {a["sha256"]: a for a in doc["attachments"]}
    assert hashlib.sha256(open(jpg, "rb").read()).hexdigest() in shas
    assert hashlib.sha256(open(png, "rb").read()).hexdigest() in shas
    assert {a["mime"] for a in doc["attachments"]} == {"image/jpeg", "image/png"}
    assert doc["channel"] == "web" and doc["confidential"] is True
    for sha in shas:
        assert os.path.exists(os.path.join(d.data_dir, "attachments", sha))


def test_bad_input_stores_nothing(d, base, tmp):
    before = received(d)
    files_before = count_files(os.path.join(d.data_dir, "attachments"))
    pdf = write(os.path.join(tmp, "cv.pdf"), b"%PDF-1.7\n" + b"x" * 1000)
    big = write(os.path.join(tmp, "big.jpg"), jpeg_bytes(300_000))
    cases = [
        ("invalid UTF-8", ["--data-binary", "body=%FF%FE%FD&title=ok", "-H",
                           "Content-Type: application/x-www-form-urlencoded"], 422, b'id="e-body"'),
        ("empty body field", ["--data-urlencode", "body=", "--data-urlencode", "title=Judul tetap"], 422,
         b'value="Judul tetap"'),
        ("bad phone", ["--data-urlencode", "body=isi", "--data-urlencode", "phone=TELKOMSEL"], 422, b'id="e-phone"'),
        ("bad kind", ["--data-urlencode", "body=isi", "--data-urlencode", "kind=bogus"], 422, b'id="e-kind"'),
        ("not a photo", ["-F", "body=isi laporan", "-F", f"photos=@{pdf};type=image/jpeg"], 422, b'id="e-photos"'),
        ("photo too large", ["-F", "body=isi laporan", "-F", f"photos=@{big}"], 422, b'id="e-photos"'),
        ("six photos", ["-F", "body=isi"] + sum([["-F", f"photos=@{pdf}"] for _ in range(6)], []), 422, b'e-photos'),
        ("broken boundary", ["--data-binary", "--XYZ\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\nisi\r\n",
                             "-H", "Content-Type: multipart/form-data; boundary=ABC"], 400, b""),
        ("missing boundary", ["--data-binary", "x", "-H", "Content-Type: multipart/form-data"], 400, b""),
        ("bad percent-encoding", ["--data-binary", "body=%zz", "-H",
                                  "Content-Type: application/x-www-form-urlencoded"], 400, b""),
        ("wrong content type", ["--data-binary", "body=x", "-H", "Content-Type: text/plain"], 415, b""),
        ("forged nonce", ["--data-urlencode", "body=isi", "--data-urlencode",
                          "nonce=1.00000000000000000000000000000000.00000000000000000000000000000000"], 422, b"kedaluwarsa"),
    ]
    for name, args, want, needle in cases:
        st, h, page = curl(*args, base + "/lapor")
        assert st == want, (name, st, page[:400])
        assert needle in page, (name, page[:800])
    # Oversized body: cut off by the listener's limit (web.max_body_bytes = 1 MiB here).
    huge = write(os.path.join(tmp, "huge.bin"), b"a" * (2 * 1024 * 1024))
    st, h, _ = curl("--data-binary", f"@{huge}", "-H", "Content-Type: application/x-www-form-urlencoded", base + "/lapor")
    assert st == 413, st
    assert received(d) == before
    assert count_files(os.path.join(d.data_dir, "attachments")) == files_before
    assert count_files(os.path.join(d.data_dir, "tmp")) == 0


def test_status_lookup(d, base):
    st, h, page = curl(base + "/status")
    assert st == 200 and b'name="id"' in page
    st, h, _ = curl(base + "/status?id=LPR-AAAA-BBBB-C")
    assert st == 303 and h["location"] == "/status/LPR-AAAA-BBBB-C", (st, h)
    st, _, page = curl(base + "/status/LPR-AAAA-BBBB-C")
    assert st == 404 and b"tidak" in page, st
    st, _, page = curl(base + "/status/%3Cscript%3E")
    assert st == 404 and b"<script>" not in page


def tmp_files(d):
    return count_files(os.path.join(d.data_dir, "tmp"))


def test_large_multipart_spooled(d, base, tmp):
    """A multipart body above the listener's spool threshold (256 KiB) goes to a temp file as it
    arrives, not to memory; photos are read from it, and the file is gone afterwards. Above
    web.max_body_bytes it is refused with 413, whether the length is declared or chunked."""
    photos = [write(os.path.join(tmp, f"besar-{i}.jpg"), jpeg_bytes(190_000, bytes([65 + i]))) for i in range(3)]
    before_files = count_files(os.path.join(d.data_dir, "attachments"))
    args = ["-F", "body=Tiga foto jalan berlubang besar di Jl. Sudirman", "-F", f"nonce={form_nonce(base)}"]
    for p in photos:
        args += ["-F", f"photos=@{p};type=image/jpeg"]
    st, h, page = curl(*args, base + "/lapor")
    assert st == 303 and tracking_id(page) and b"3 foto" in page, (st, page[:600])
    assert count_files(os.path.join(d.data_dir, "attachments")) == before_files + 3
    wait_until(lambda: tmp_files(d) == 0, 5, what="the spool file to be removed")
    before = received(d)
    big = write(os.path.join(tmp, "besar-sekali.jpg"), jpeg_bytes(1_500_000))
    for extra in ([], ["-H", "Transfer-Encoding: chunked"]):
        st, h, page = curl("-F", "body=terlalu besar", "-F", f"photos=@{big};type=image/jpeg", *extra, base + "/lapor")
        assert st == 413, (extra, st, page[:300])
    assert received(d) == before
    wait_until(lambda: tmp_files(d) == 0, 5, what="no spool file left by refused uploads")


def test_slowloris(d, port):
    """Connections that dribble a header do not keep others from being served, and are
    disconnected once web.header_timeout_ms (1.5 s here) has passed."""
    slow = []
    for _ in range(40):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"POST /lapor HTTP/1.1\r\nHost: x\r\n")
        slow.append(s)
    try:
        t0 = time.time()
        st, _, _ = curl(f"http://127.0.0.1:{port}/")
        assert st == 200 and time.time() - t0 < 2, time.time() - t0
        for s in slow:
            s.sendall(b"X-Slow: 1\r\n")
        st, _, _ = curl(f"http://127.0.0.1:{port}/")
        assert st == 200
        deadline = time.time() + 10
        for s in slow:
            s.settimeout(max(0.1, deadline - time.time()))
            try:
                answer = s.recv(4096)
            except ConnectionResetError:
                answer = b""
            assert answer == b"", answer[:100]  # closed by the server (a timeout would raise)
        assert time.time() - t0 < 8, time.time() - t0
        # Still serving after the cut-off.
        assert curl(f"http://127.0.0.1:{port}/")[0] == 200
    finally:
        for s in slow:
            s.close()


def test_overload(tmp):
    """Beyond web.max_connections a new connection gets 503 with Retry-After at once (and is
    closed) instead of waiting in a queue; once connections close, service resumes."""
    d = Daemon(os.path.join(tmp, "overload"), sets=["web.max_connections=4"]).start()
    held = []
    try:
        port = d.ports["web"]
        for _ in range(4):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")  # served; the connection stays open (keep-alive)
            s.settimeout(5)
            assert s.recv(64).startswith(b"HTTP/1.1 200"), "a held connection was not served"
            held.append(s)
        st, h, body = curl(f"http://127.0.0.1:{port}/")
        assert st == 503 and int(h["retry-after"]) >= 1, (st, h)
        for s in held:
            s.close()
        held.clear()
        wait_until(lambda: curl(f"http://127.0.0.1:{port}/")[0] == 200, 5, interval=0.1, what="service after overload")
    finally:
        for s in held:
            s.close()
        assert d.stop() == 0


def test_rate_limit(tmp):
    d = Daemon(os.path.join(tmp, "limited"), sets=["web.rate_limit_per_minute=3"]).start()
    try:
        base = f"http://127.0.0.1:{d.ports['web']}"
        codes = [curl("--data-urlencode", f"body=laporan {i}", base + "/lapor")[0] for i in range(3)]
        assert codes == [303, 303, 303], codes
        st, h, page = curl("--data-urlencode", "body=satu lagi", base + "/lapor")
        assert st == 429 and int(h["retry-after"]) >= 1, (st, h)
        assert curl(base + "/")[0] == 200  # reading the form is not limited
    finally:
        assert d.stop() == 0


def main():
    tmp = TempDir("lapor-web-")
    d = None
    try:
        d = Daemon(os.path.join(tmp.path, "data"), sets=["web.rate_limit_per_minute=10000", "web.max_body_bytes=1048576",
                                                         "web.max_photo_bytes=200000",
                                                         "web.header_timeout_ms=1500"]).start()
        base = f"http://127.0.0.1:{d.ports['web']}"
        check("form page, HEAD, 405 with Allow", test_form_page, d, base)
        check("keep-alive, 431, Expect: 100-continue", test_keep_alive_and_header_limit, d, d.ports["web"])
        check("urlencoded post, double submit, status page, JSON answer", test_urlencoded_and_double_submit, d, base)
        check("multipart post with two photos", test_multipart_with_photos, d, base, tmp.path)
        check("bad input: 4xx, nothing stored", test_bad_input_stores_nothing, d, base, tmp.path)
        check("status lookup", test_status_lookup, d, base)
        check("large multipart spooled to disk; 413 above the limit", test_large_multipart_spooled, d, base, tmp.path)
        check("slowloris does not starve others and is disconnected", test_slowloris, d, d.ports["web"])
        assert d.stop() == 0
        check("per-IP rate limit: 429 with Retry-After", test_rate_limit, tmp.path)
        check("overload: 503 with Retry-After beyond web.max_connections", test_overload, tmp.path)
    except BaseException:
        if d:
            print(d.tail_log(), file=sys.stderr)
        raise
    finally:
        if d:
            d.stop()
        tmp.cleanup()
    print(f"{len(PASSED)} passed, 0 failed")


if __name__ == "__main__":
    main()
