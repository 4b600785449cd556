"""Helpers for the web and mobile integration tests: curl as the client, photos made on the
spot, request signing for the mobile API. Python 3 standard library only."""
import hashlib
import hmac
import json
import os
import re
import struct
import subprocess
import time
import zlib

TRACKING_RE = re.compile(r'id="tracking-id">(LPR-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z])<')


def png_bytes(w=8, h=8, rgb=(200, 30, 30)):
    """A real (tiny) PNG image."""
    raw = b"".join(b"\x00" + bytes(rgb) * w for _ in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def jpeg_bytes(n=2048, seed=b"x"):
    """A JPEG's structure (SOI, APP0 JFIF, DQT, SOF0, SOS) and filler scan data up to n bytes:
    enough for the sniffer, which checks structure (the gateway never decodes photos)."""
    head = (b"\xff\xd8" + b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" +
            b"\xff\xdb\x00\x43\x00" + b"\x01" * 64 + b"\xff\xc0\x00\x0b\x08\x00\x01\x00\x01\x01\x01\x11\x00" +
            b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00")
    body = (seed * n)[: max(0, n - len(head) - 2)]
    return head + body + b"\xff\xd9"


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


def curl(*args, timeout=30):
    """Runs curl; returns (status, headers dict lowercased, body bytes)."""
    r = subprocess.run(["curl", "-sS", "-D", "-", "-o", "-", "--max-time", str(timeout)] + list(args),
                       capture_output=True, timeout=timeout + 5)
    out = r.stdout
    # -D - and -o - both go to stdout: headers first, then the body.
    status, headers = None, {}
    while out.startswith(b"HTTP/"):
        head, _, out = out.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.decode("latin-1").partition(":")
            headers[k.strip().lower()] = v.strip()
        if status != 100:
            break
    if status is None:
        raise AssertionError(f"curl failed: rc={r.returncode} stderr={r.stderr.decode(errors='replace')}")
    return status, headers, out


def form_nonce(base):
    st, _, page = curl(base + "/")
    assert st == 200, st
    m = re.search(rb'name="nonce" value="([^"]+)"', page)
    assert m, "no nonce in the form"
    return m.group(1).decode()


def tracking_id(page):
    m = TRACKING_RE.search(page.decode("utf-8", "replace"))
    return m.group(1) if m else None


def sign(secret, method, path, body, ts=None):
    ts = int(time.time()) if ts is None else ts
    msg = f"{method}\n{path}\n{ts}\n{hashlib.sha256(body).hexdigest()}".encode()
    return ts, hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()


def signed_headers(key_id, secret, method, path, body, ts=None):
    ts, sig = sign(secret, method, path, body, ts)
    return [f"Authorization: LAPOR-HMAC-SHA256 key_id={key_id}, ts={ts}, sig={sig}"]


def api(base, method, path, body=b"", key_id="app1", secret="app1-secret", idem=None, ts=None,
        content_type="application/json", extra=(), sign_body=None):
    """Signed mobile API call with curl; returns (status, headers, parsed JSON or raw)."""
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    args = ["-X", method]
    for h in signed_headers(key_id, secret, method, path, body if sign_body is None else sign_body, ts):
        args += ["-H", h]
    if idem is not None:
        args += ["-H", f"Idempotency-Key: {idem}"]
    if body:
        args += ["-H", f"Content-Type: {content_type}", "--data-binary", "@-"]
    for h in extra:
        args += ["-H", h]
    r = subprocess.run(["curl", "-sS", "-D", "-", "--max-time", "30"] + args + [base + path], input=body,
                       capture_output=True, timeout=40)
    head, _, rest = r.stdout.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    try:
        return status, headers, json.loads(rest)
    except ValueError:
        return status, headers, rest


def count_files(folder):
    return len(os.listdir(folder)) if os.path.isdir(folder) else 0
