"""The mobile API (SPEC §7 Mobile) driven by curl against the real daemon: signed reports,
Idempotency-Key retries and conflicts, photos inline and as multipart parts, the status
call, every kind of bad input as RFC 9457 problems that store nothing, and the OpenAPI
document checked against what the server answered."""
import base64
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, TempDir  # noqa: E402
from web_client import api, curl, jpeg_bytes, png_bytes, signed_headers, write  # noqa: E402

PASSED = []
SEEN = {}  # (path template, method) -> statuses answered, checked against the OpenAPI document


def check(name, fn, *a):
    fn(*a)
    PASSED.append(name)
    print(f"ok - {name}", flush=True)


def call(base, method, path, template, **kw):
    st, h, body = api(base, method, path, **kw)
    SEEN.setdefault((template, method.lower()), set()).add(st)
    if st >= 400:
        assert h["content-type"].startswith("application/problem+json"), (st, h, body)
        assert body["status"] == st and body["title"] and body["detail"], body
    return st, h, body


def post(base, body, **kw):
    return call(base, "POST", "/api/v1/reports", "/api/v1/reports", body=body, **kw)


def received(d):
    return d.metric('lapor_received_total{channel="mobile"}') or 0


REPORT = {"title": "Lampu jalan mati", "body": "Lampu jalan di Jl. Merdeka mati sejak seminggu", "kind": "aspiration",
          "reporter": {"name": "Budi", "phone": "0812-3456-7002", "email": "budi@example.id"},
          "anonymous": True, "confidential": False, "location": {"text": "Sampit", "lat": -2.53, "lon": 112.95},
          "device_id": "android-abc"}


def test_submit_retry_conflict_status(d, base):
    before = received(d)
    st, h, ans = post(base, REPORT, idem="r-1")
    assert st == 201 and ans["status"] == "received" and ans["duplicate_of"] is None, (st, ans)
    assert h["location"] == "/api/v1/reports/" + ans["tracking_id"]
    st2, _, again = post(base, REPORT, idem="r-1")
    # A retry gets the same answer, field for field (SPEC §7): "received" again, not "duplicate".
    assert st2 == 201 and again == ans, (ans, again)
    st3, _, conflict = post(base, dict(REPORT, body="another text"), idem="r-1")
    assert st3 == 422 and conflict["errors"][0]["field"] == "Idempotency-Key", conflict
    # Keys are scoped per app key: another app may use "r-1" too, for another report (the same
    # report from the same reporter would be a cross-channel duplicate, SPEC §6).
    st4, _, other = post(base, dict(REPORT, body="Trotoar rusak di depan Pasar Sampit",
                                    reporter={"name": "Ani", "phone": "0813-5555-7010"}),
                         idem="r-1", key_id="ios", secret="ios-secret")
    assert st4 == 201 and other["status"] == "received" and other["tracking_id"] != ans["tracking_id"], other
    assert received(d) == before + 2
    st, _, s = call(base, "GET", "/api/v1/reports/" + ans["tracking_id"], "/api/v1/reports/{tracking_id}")
    assert st == 200 and s["tracking_id"] == ans["tracking_id"] and s["status"] in ("received", "forwarded"), s
    assert s["kind"] == "aspiration" and s["sla"]["respond_within_working_days"] == 5 and s["received_at"].endswith("Z")
    assert "body" not in s and "reporter" not in s and "Budi" not in json.dumps(s)
    st, _, s = call(base, "GET", "/api/v1/reports/LPR-AAAA-BBBB-C", "/api/v1/reports/{tracking_id}")
    assert st == 404 and s["errors"][0]["field"] == "tracking_id"
    st, _, s = call(base, "GET", "/api/v1/reports/" + ans["tracking_id"], "/api/v1/reports/{tracking_id}", secret="nope")
    assert st == 401
    log = open(d.log_path, "rb").read()
    assert b"3456-7002" not in log and b"app1-secret" not in log


def test_photos(d, base, tmp):
    photo = jpeg_bytes(40_000, b"p")
    st, _, ans = post(base, dict(REPORT, attachments=[{"name": "lampu.jpg", "mime": "image/jpeg",
                                                        "data_base64": base64.b64encode(photo).decode()}]), idem="p-1")
    assert st == 201, ans
    import hashlib
    assert os.path.exists(os.path.join(d.data_dir, "attachments", hashlib.sha256(photo).hexdigest()))
    # Multipart: the JSON in part "report", photos as file parts (curl -F, as an app's HTTP client sends it).
    # Another reporter and another matter: a new complaint, not a cross-channel duplicate (SPEC §6).
    report = write(os.path.join(tmp, "report.json"), json.dumps(dict(
        REPORT, title="Jalan berlubang", body="Jalan berlubang besar di Jl. Tjilik Riwut km 3",
        reporter={"name": "Dewi", "phone": "0813-5555-7020"})).encode())
    png = write(os.path.join(tmp, "a.png"), png_bytes())
    jpg = write(os.path.join(tmp, "b.jpg"), jpeg_bytes(10_000, b"q"))
    boundary = "lapor-test-boundary-42"
    parts = []
    for name, path, ctype, filename in [("report", report, "application/json", None), ("attachments", png, "image/png", "a.png"),
                                        ("attachments", jpg, "image/jpeg", "b.jpg")]:
        disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        parts.append(f"--{boundary}\r\nContent-Disposition: {disp}\r\nContent-Type: {ctype}\r\n\r\n".encode() +
                     open(path, "rb").read() + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    st, _, ans = post(base, body, idem="p-2", content_type=f"multipart/form-data; boundary={boundary}")
    assert st == 201 and ans["status"] == "received", (st, ans)
    for data in (open(png, "rb").read(), open(jpg, "rb").read()):
        assert os.path.exists(os.path.join(d.data_dir, "attachments", hashlib.sha256(data).hexdigest()))
    st, _, prob = post(base, body[:-40], idem="p-3", content_type=f"multipart/form-data; boundary={boundary}")
    assert st == 400, prob


def test_bad_input(d, base):
    before = received(d)
    files_before = len(os.listdir(os.path.join(d.data_dir, "attachments")))
    now = int(time.time())
    cases = [
        ("no signature", dict(body=REPORT, idem="b-1", extra=()), 401, "Authorization"),
        ("wrong secret", dict(body=REPORT, idem="b-2", secret="wrong"), 401, "Authorization"),
        ("unknown key", dict(body=REPORT, idem="b-3", key_id="nobody"), 401, "Authorization"),
        ("replayed timestamp", dict(body=REPORT, idem="b-4", ts=now - 301), 401, "Authorization"),
        ("future timestamp", dict(body=REPORT, idem="b-5", ts=now + 400), 401, "Authorization"),
        ("body changed after signing", dict(body=REPORT, idem="b-6", sign_body=b"{}"), 401, "Authorization"),
        ("missing Idempotency-Key", dict(body=REPORT), 400, "Idempotency-Key"),
        ("not JSON", dict(body=b"{oops", idem="b-7"), 400, "$"),
        ("10,000-deep nesting", dict(body=b"[" * 10000 + b"]" * 10000, idem="b-8"), 400, "$"),
        ("invalid UTF-8", dict(body=b'{"body":"\xff\xfe"}', idem="b-9"), 400, "$"),
        ("array, not object", dict(body=b"[]", idem="b-10"), 400, "$"),
        ("body missing", dict(body={"title": "x"}, idem="b-11"), 422, "body"),
        ("body is a number", dict(body={"body": 12}, idem="b-12"), 422, "body"),
        ("kind unknown", dict(body={"body": "x", "kind": "keluhan"}, idem="b-13"), 422, "kind"),
        ("anonymous not bool", dict(body={"body": "x", "anonymous": "ya"}, idem="b-14"), 422, "anonymous"),
        ("phone is a number", dict(body={"body": "x", "reporter": {"phone": 812}}, idem="b-15"), 422, "reporter.phone"),
        ("phone not a phone", dict(body={"body": "x", "reporter": {"phone": "TELKOMSEL"}}, idem="b-16"), 422,
         "reporter.phone"),
        ("lat out of range", dict(body={"body": "x", "location": {"lat": 123, "lon": 1}}, idem="b-17"), 422, "location.lat"),
        ("lat without lon", dict(body={"body": "x", "location": {"lat": -2.5}}, idem="b-17b"), 422, "location.lon"),
        ("lon without lat", dict(body={"body": "x", "location": {"lon": 112.9}}, idem="b-17c"), 422, "location.lat"),
        ("lat beyond a double", dict(body=b'{"body": "x", "location": {"lat": 1e400, "lon": 1}}', idem="b-17d"), 422,
         "location.lat"),
        ("a duplicate name", dict(body=b'{"body": "x", "body": "y"}', idem="b-17e"), 400, "body"),
        ("unassigned country code", dict(body={"body": "x", "reporter": {"phone": "+999 1234 5678"}}, idem="b-17f"), 422,
         "reporter.phone"),
        ("e-mail with two dots", dict(body={"body": "x", "reporter": {"email": "x@example..com"}}, idem="b-17g"), 422,
         "reporter.email"),
        ("e-mail with a leading dot", dict(body={"body": "x", "reporter": {"email": ".x@example.com"}}, idem="b-17h"), 422,
         "reporter.email"),
        ("e-mail local part over 64", dict(body={"body": "x", "reporter": {"email": "a" * 65 + "@example.com"}}, idem="b-17i"),
         422, "reporter.email"),
        ("attachment not base64", dict(body={"body": "x", "attachments": [{"data_base64": "***"}]}, idem="b-18"), 422,
         "attachments[0].data_base64"),
        ("attachment not a photo", dict(body={"body": "x", "attachments": [{"data_base64": base64.b64encode(
            b"%PDF-1.7 not a photo").decode()}]}, idem="b-19"), 422, "attachments[0].data_base64"),
        ("JPEG magic, then HTML", dict(body={"body": "x", "attachments": [{"data_base64": base64.b64encode(
            b"\xff\xd8\xff<html><script>alert(1)</script></html>").decode()}]}, idem="b-19b"), 422,
         "attachments[0].data_base64"),
        ("too many attachments", dict(body={"body": "x", "attachments": [{"data_base64": base64.b64encode(
            jpeg_bytes(100)).decode()}] * 6}, idem="b-20"), 422, "attachments"),
        ("wrong content type", dict(body=b"body=x", idem="b-21", content_type="text/plain"), 415, "Content-Type"),
        ("multipart without report", dict(body=b"--B\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\ny\r\n--B--\r\n",
                                          idem="b-22", content_type="multipart/form-data; boundary=B"), 422, "report"),
    ]
    for name, kw, want, field in cases:
        if kw.get("extra") == ():
            # Unsigned: plain curl without Authorization.
            st, h, raw = curl("-X", "POST", "-H", "Content-Type: application/json", "-H", "Idempotency-Key: b-1",
                              "--data-binary", json.dumps(kw["body"]), base + "/api/v1/reports")
            body = json.loads(raw)
            SEEN.setdefault(("/api/v1/reports", "post"), set()).add(st)
            assert h["www-authenticate"].startswith("LAPOR-HMAC-SHA256")
        else:
            st, h, body = post(base, **kw)
        assert st == want, (name, st, body)
        assert any(e["field"] == field for e in body.get("errors", [])), (name, body)
    # Too large for the listener (web.max_body_bytes = 1 MiB here).
    big = {"body": "x", "attachments": [{"data_base64": "A" * (2 * 1024 * 1024)}]}
    st, _, body = post(base, big, idem="b-23")
    assert st == 413, (st, body)
    assert received(d) == before
    assert len(os.listdir(os.path.join(d.data_dir, "attachments"))) == files_before
    # Wrong method on the collection: 405 with Allow.
    st, h, body = curl(base + "/api/v1/reports")
    SEEN.setdefault(("/api/v1/reports", "get"), set()).add(st)
    assert st == 405 and h["allow"] == "POST, OPTIONS", (st, h)


def test_replay_and_spooled_upload(d, base, tmp):
    """A captured signed request sent again under another Idempotency-Key is refused (401) and
    stores nothing; the very same request resent is answered like a retry. A multipart report
    above the listener's spool threshold (256 KiB) is hashed and parsed from its spool file."""
    import hashlib
    ts = int(time.time())
    report = dict(REPORT, body="Jembatan retak di Desa Baamang", device_id="replay-test")
    st, _, first = post(base, report, idem="rp-1", ts=ts)
    assert st == 201, first
    before = received(d)
    st, _, again = post(base, report, idem="rp-1", ts=ts)
    assert st == 201 and again["tracking_id"] == first["tracking_id"], again
    st, h, prob = post(base, report, idem="rp-2", ts=ts)
    assert st == 401 and "replay" in prob["detail"] and prob["errors"][0]["field"] == "Authorization", (st, prob)
    assert received(d) == before
    # Large multipart: two 300 KB photos, spooled to disk by the listener.
    photos = [jpeg_bytes(300_000, bytes([97 + i])) for i in range(2)]
    boundary = "lapor-spool-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"report\"\r\nContent-Type: application/json\r\n\r\n"
            .encode() + json.dumps(dict(
                REPORT, title="Longsor", body="Tanah longsor menutup jalan desa di Kecamatan Parenggean",
                reporter={"name": "Rudi", "phone": "0813-5555-7030"})).encode() + b"\r\n")
    for i, data in enumerate(photos):
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"besar{i}.jpg\"\r\n"
                 f"Content-Type: image/jpeg\r\n\r\n").encode() + data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    assert len(body) > 256 * 1024
    st, _, ans = post(base, body, idem="big-1", content_type=f"multipart/form-data; boundary={boundary}")
    assert st == 201 and ans["status"] == "received", (st, ans)
    for data in photos:
        assert os.path.exists(os.path.join(d.data_dir, "attachments", hashlib.sha256(data).hexdigest()))
    st, _, prob = post(base, body, idem="big-2", content_type=f"multipart/form-data; boundary={boundary}",
                       sign_body=body + b"x")
    assert st == 401, prob  # the signature is checked against the spooled bytes
    tmp_dir = os.path.join(d.data_dir, "tmp")
    deadline = time.time() + 5
    while os.listdir(tmp_dir) and time.time() < deadline:
        time.sleep(0.05)
    assert os.listdir(tmp_dir) == [], os.listdir(tmp_dir)


def test_ack_after_commit(tmp):
    """Acknowledged means durable (SPEC §2): every 201 from the API and every tracking ID page
    from the web form is still there after a kill -9 straight after the last answer."""
    keys = '[{key_id="app1", secret="app1-secret"}]'
    data = os.path.join(tmp, "kill9")
    d = Daemon(data, sets=[f"mobile.api_keys={keys}", "web.rate_limit_per_minute=0"]).start()
    acked = []
    try:
        base = f"http://127.0.0.1:{d.ports['web']}"
        for i in range(20):
            report = dict(REPORT, title=f"Laporan {i}", body=f"Got nomor {i} di Jl. Pemuda tersumbat sampah {i * 7}",
                          reporter={"name": "Warga", "phone": f"0813-4444-{1000 + i}"})
            st, _, ans = api(base, "POST", "/api/v1/reports", body=report, idem=f"k9-{i}")
            assert st == 201, (st, ans)
            acked.append(ans["tracking_id"])
            st, _, raw = curl("-H", "Accept: application/json", "--data-urlencode", f"body=Lampu taman {i} mati total",
                              "--data-urlencode", f"phone=0813-4444-{2000 + i}", base + "/lapor")
            assert st == 201, (st, raw)
            acked.append(json.loads(raw)["tracking_id"])
        d.kill9()
        d = Daemon(data, sets=[f"mobile.api_keys={keys}"]).start()
        base = f"http://127.0.0.1:{d.ports['web']}"
        for tid in acked:
            st, _, s = api(base, "GET", "/api/v1/reports/" + tid)
            assert st == 200 and s["tracking_id"] == tid, (tid, st, s)
    finally:
        d.stop()


def test_openapi_matches(d, base):
    st, h, raw = curl(base + "/api/v1/openapi.json")
    assert st == 200 and h["content-type"].startswith("application/json")
    doc = json.loads(raw)
    assert doc["openapi"].startswith("3.")
    ops = {(p, m) for p, item in doc["paths"].items() for m in item}
    assert ("/api/v1/reports", "post") in ops and ("/api/v1/reports/{tracking_id}", "get") in ops
    # Every status the server gave on a documented operation is documented for it.
    for (path, method), statuses in SEEN.items():
        if (path, method) not in ops:
            assert statuses == {405}, (path, method, statuses)  # undocumented methods are refused
            continue
        documented = {int(s) for s in doc["paths"][path][method]["responses"]}
        assert statuses <= documented, (path, method, statuses - documented)
    # The documented request schema lists what the server reads.
    props = doc["components"]["schemas"]["Report"]["properties"]
    assert set(REPORT) | {"attachments"} <= set(props), set(REPORT) - set(props)
    assert doc["components"]["schemas"]["Report"]["required"] == ["body"]
    assert set(doc["components"]["schemas"]["SubmitAnswer"]["properties"]) == {"tracking_id", "status", "duplicate_of"}


def main():
    tmp = TempDir("lapor-mobile-")
    d = None
    try:
        keys = '[{key_id="app1", secret="app1-secret"}, {key_id="ios", secret="ios-secret"}]'
        d = Daemon(os.path.join(tmp.path, "data"), sets=[f"mobile.api_keys={keys}", "web.rate_limit_per_minute=10000",
                                                         "web.max_body_bytes=1048576"]).start()
        base = f"http://127.0.0.1:{d.ports['web']}"
        check("signed report, retry, conflict, status", test_submit_retry_conflict_status, d, base)
        check("photos inline (base64) and as multipart parts", test_photos, d, base, tmp.path)
        check("bad input: problem JSON naming the field, nothing stored", test_bad_input, d, base)
        check("replayed signature refused; large multipart spooled", test_replay_and_spooled_upload, d, base, tmp.path)
        check("OpenAPI document matches the server", test_openapi_matches, d, base)
        assert d.stop() == 0
        check("answers only after the commit: all acked reports survive kill -9", test_ack_after_commit, tmp.path)
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
