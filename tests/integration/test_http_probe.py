"""The public and admin listeners against what an outside black-box probe tries (issue 11),
over raw sockets so every byte is ours: request smuggling (Transfer-Encoding that is not
chunked-last, Content-Length with Transfer-Encoding, two Content-Lengths, obs-fold, bare LF)
is 400/501 and a close with nothing stored; Host is required once; 414 for a long target;
absolute-form targets; browser pages for the listener's own refusals; every refusal counted;
the admin listener refuses foreign Host (421), cross-site POSTs (403/415) and, with
admin.token, anyone without the token (401)."""
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, TempDir, wait_until  # noqa: E402

PASSED = []


def check(name, fn, *a):
    fn(*a)
    PASSED.append(name)
    print(f"ok - {name}", flush=True)


def exchange(port, raw, wait=3.0):
    """Sends raw bytes, reads until the server closes (or `wait` passes); returns
    (list of status codes seen, all bytes, closed?)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=wait)
    s.settimeout(wait)
    data = b""
    closed = False
    try:
        s.sendall(raw)
        deadline = time.time() + wait
        while time.time() < deadline:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            data += chunk
    finally:
        s.close()
    # Responses follow one another without a separator (a body then the next status line).
    statuses = [int(m) for m in re.findall(rb"HTTP/1\.[01] (\d{3}) ", data)]
    return statuses, data, closed


def form_post(body, extra=b"", length=True):
    head = b"POST /lapor HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n" + extra
    if length:
        head += b"Content-Length: " + str(len(body)).encode() + b"\r\n"
    return head + b"\r\n" + body


SMUGGLED = b"body=SMUGGLED+second+request"
SECOND = (b"POST /lapor HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
          b"Content-Length: " + str(len(SMUGGLED)).encode() + b"\r\n\r\n" + SMUGGLED)


def received(d):
    return d.metric('lapor_received_total{channel="web"}') or 0


def rejected(d, channel="web"):
    return d.metric(f'lapor_rejected_total{{channel="{channel}"}}') or 0


def test_smuggling(d):
    port = d.ports["web"]
    before_received = received(d)
    before_rejected = rejected(d)
    cases = [
        (b"Transfer-Encoding: gzip\r\n", 400),
        (b"Transfer-Encoding: xchunked\r\n", 400),
        (b"Transfer-Encoding: deflate\r\n", 400),
        (b"Transfer-Encoding: chunked, identity\r\n", 400),
        (b"Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", 400),
        (b"Transfer-Encoding: chunked, chunked\r\n", 400),
        (b"Transfer-Encoding: gzip, chunked\r\n", 501),
        (b"Transfer-Encoding: identity, chunked\r\n", 501),
        (b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n", 400),
        (b"Content-Length: 3\r\nContent-Length: 3\r\n", 400),
        (b"Content-Length: 3, 3\r\n", 400),
        (b"Content-Length: +3\r\n", 400),
        (b"X-Pad: a\r\n Transfer-Encoding: chunked\r\n", 400),  # obs-fold
        (b"Transfer-Encoding:\r\n chunked\r\n", 400),           # obs-fold
        (b"X-Bare: lf\nTransfer-Encoding: chunked\r\n", 400),   # bare LF
    ]
    for extra, want in cases:
        raw = form_post(b"", extra, length=False) + SECOND
        statuses, data, closed = exchange(port, raw)
        assert statuses == [want], (extra, statuses, data[:300])
        assert closed, (extra, "the connection must be closed after an ambiguous framing")
    # HTTP/1.0 with Transfer-Encoding is faulty framing too.
    statuses, _, closed = exchange(port, b"POST /lapor HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SECOND)
    assert statuses == [400] and closed, statuses
    time.sleep(0.3)
    assert received(d) == before_received, "nothing from a refused connection may be stored"
    assert b"SMUGGLED" not in open(os.path.join(d.data_dir, "dispatched.jsonl"), "rb").read() \
        if os.path.exists(os.path.join(d.data_dir, "dispatched.jsonl")) else True
    assert rejected(d) >= before_rejected + len(cases) + 1, (rejected(d), before_rejected)
    # Plain chunked still works, and a keep-alive connection carries two requests.
    chunk = b"body=lapor+chunked"
    raw = (b"POST /lapor HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
           b"Accept: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
           f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n0\r\n\r\n" +
           b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    statuses, data, _ = exchange(port, raw)
    assert statuses == [201, 200], (statuses, data[:400])
    assert received(d) == before_received + 1


def test_host_and_target(d):
    port = d.ports["web"]
    st, data, closed = exchange(port, b"GET / HTTP/1.1\r\n\r\n")
    assert st == [400] and closed, (st, data[:200])
    st, _, _ = exchange(port, b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
    assert st == [400], st
    st, _, _ = exchange(port, b"GET / HTTP/1.1\r\nHost: bad host\r\n\r\n")
    assert st == [400], st
    st, _, _ = exchange(port, b"GET / HTTP/1.0\r\nConnection: close\r\n\r\n")
    assert st == [200], st
    for n in (9000, 20000, 40000):
        st, data, _ = exchange(port, b"GET /" + b"a" * n + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert st == [414], (n, st, data[:200])
    st, _, _ = exchange(port, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"b" * 20000 + b"\r\n\r\n")
    assert st == [431], st
    st, data, _ = exchange(port, f"GET http://127.0.0.1:{port}/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    assert st == [200] and b'name="nonce"' in data, (st, data[:200])
    st, _, _ = exchange(port, f"GET http://127.0.0.1:{port}/status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    assert st == [200], st
    st, _, _ = exchange(port, b"GET ftp://x/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert st == [400], st
    for field in (b"Authorization", b"Content-Type", b"Idempotency-Key"):
        st, _, _ = exchange(port, b"POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\n" + field + b": a\r\n" + field +
                            b": b\r\nContent-Length: 0\r\n\r\n")
        assert st == [400], (field, st)


def test_browser_pages(d):
    port = d.ports["web"]
    before = rejected(d)
    big = 2 * 1024 * 1024
    st, data, _ = exchange(port, b"POST /lapor HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html,*/*\r\n"
                                 b"Content-Type: multipart/form-data; boundary=B\r\nContent-Length: " + str(big).encode() +
                                 b"\r\n\r\n")
    assert st == [413] and b"text/html" in data and b"Kembali" in data, (st, data[:400])
    assert rejected(d) == before + 1
    st, data, _ = exchange(port, b"GET /tidak-ada HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\nConnection: close\r\n\r\n")
    assert st == [404] and b"text/html" in data, (st, data[:300])
    st, data, _ = exchange(port, b"GET /api/v1/tidak-ada HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\nConnection: close\r\n\r\n")
    assert st == [404] and b"application/problem+json" in data, (st, data[:300])


def test_admin_guard(d):
    port = d.ports["admin"]
    st, _, _ = exchange(port, b"GET /admin/outbox HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert st == [200], st
    st, _, _ = exchange(port, b"GET /admin/outbox HTTP/1.1\r\nHost: localhost:9090\r\nConnection: close\r\n\r\n")
    assert st == [200], st
    st, data, _ = exchange(port, b"GET /admin/outbox HTTP/1.1\r\nHost: rebind.attacker.example\r\nConnection: close\r\n\r\n")
    assert st == [421] and b"LPR-" not in data, (st, data[:300])
    st, _, _ = exchange(port, b"GET /metrics HTTP/1.1\r\nHost: rebind.attacker.example\r\nConnection: close\r\n\r\n")
    assert st == [421], st
    # A cross-site "simple" POST (text/plain, no preflight) and a foreign Origin change nothing.
    st, _, _ = exchange(port, b"POST /admin/outbox/1/retry HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                              b"Origin: https://evil.example\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
    assert st in ([403], [415]), st
    st, _, _ = exchange(port, b"POST /admin/outbox/1/retry HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                              b"Content-Length: 2\r\nConnection: close\r\n\r\n{}")
    assert st == [415], st
    st, _, _ = exchange(port, b"POST /admin/outbox/1/retry HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                              b"Origin: https://evil.example\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
    assert st == [403], st
    st, _, _ = exchange(port, b"POST /admin/outbox/999999/retry HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                              b"Content-Length: 2\r\nConnection: close\r\n\r\n{}")
    assert st == [404], st  # an operator's JSON request goes through


def test_admin_token(tmp):
    d = Daemon(os.path.join(tmp, "token"), sets=["admin.token=t0ken-for-tests"])
    d.admin_headers = {"Authorization": "Bearer t0ken-for-tests"}  # for the harness's own /readyz wait
    d.start()
    try:
        port = d.ports["admin"]
        st, _, _ = exchange(port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        assert st == [200], st
        for path in (b"/readyz", b"/metrics", b"/admin/outbox"):
            st, data, _ = exchange(port, b"GET " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            assert st == [401] and b"WWW-Authenticate: Bearer" in data, (path, st)
            st, _, _ = exchange(port, b"GET " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer nope\r\n"
                                      b"Connection: close\r\n\r\n")
            assert st == [401], (path, st)
            st, _, _ = exchange(port, b"GET " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                      b"Authorization: bearer t0ken-for-tests\r\nConnection: close\r\n\r\n")
            assert st == [200], (path, st)
        log = open(d.log_path, "rb").read()
        assert b"t0ken-for-tests" not in log, "the admin token must never be logged"
    finally:
        assert d.stop() == 0


def main():
    tmp = TempDir("lapor-probe-")
    d = None
    try:
        d = Daemon(os.path.join(tmp.path, "data"), sets=["web.rate_limit_per_minute=0", "web.max_body_bytes=1048576"]).start()
        check("request smuggling: 400/501 and close, nothing stored, counted", test_smuggling, d)
        check("Host required once, 414 for long targets, absolute-form", test_host_and_target, d)
        check("browser pages for the listener's refusals", test_browser_pages, d)
        check("admin: foreign Host 421, cross-site POST refused", test_admin_guard, d)
        assert d.stop() == 0
        check("admin.token on every route but /healthz", test_admin_token, tmp.path)
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
