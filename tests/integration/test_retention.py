"""Retention of personal data against the real daemon: once the dispatcher confirmed a
complaint and retention.days have passed (here 0, with a pass every second; the 30-day
arithmetic is unit-tested with a fake clock in tests/gateway/retention_test.cpp), its content,
the reporter's identity and its photo are erased from data_dir. The status page, the mobile
API's status call and an SMS `CEK <id>` still answer for the erased complaints, and a byte
search over every database file (lapor.db, -wal, -shm) finds nothing of the erased reports."""
import base64
import glob
import hashlib
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, FakeDispatcher, TempDir, wait_until  # noqa: E402
from smpp_support import (BIND_TRANSCEIVER, DELIVER_SM, ESME_ROK, RESP, SUBMIT_SM, RawSmpp, pdu,  # noqa: E402
                          sm_body, write_config)
from web_client import api, jpeg_bytes  # noqa: E402

SMS_PHONE = "6281377712345"
SMS_TEXT = "Got0ngRoyong jembatan kayu di Desa Sukarame ambruk"
APP_NAME, APP_EMAIL, APP_PHONE = "Siti Rahmawati Erasable", "siti.erasable@example.id", "+6281299988877"
APP_BODY = "Saluran air TersumbatPermanen di Gang Mawar sejak dua minggu"


def log_events(d, event):
    out = []
    with open(d.log_path, "rb") as f:
        for line in f:
            try:
                j = json.loads(line)
            except ValueError:
                continue
            if j.get("event") == event:
                out.append(j)
    return out


def database_bytes(data_dir):
    blob = b""
    for p in sorted(glob.glob(os.path.join(data_dir, "lapor.db*"))):
        with open(p, "rb") as f:
            blob += f.read()
    return blob


def where(data_dir, secret):
    """Which file holds `secret`, with the bytes around it (for the failure message)."""
    out = []
    for p in sorted(glob.glob(os.path.join(data_dir, "lapor.db*"))):
        with open(p, "rb") as f:
            b = f.read()
        i = b.find(secret.encode())
        if i >= 0:
            out.append(f"{os.path.basename(p)} at {i}: {b[max(0, i - 80):i + 80]!r}")
    return "; ".join(out)


def main():
    tmp = TempDir("lapor-retention-")
    d = disp = None
    try:
        disp = FakeDispatcher(tmp.path).start()
        cfg = write_config(os.path.join(tmp.path, "config.toml"), extra="""
[[mobile.api_keys]]
key_id = "app1"
secret = "app1-secret"
""")
        data = os.path.join(tmp.path, "data")
        d = Daemon(data, config_file=cfg, sets=[f"dispatcher.url={disp.url}", "retention.days=0", "dedup.window_days=0",
                                                "retention.check_interval_s=1", "smpp.auto_reply_window_s=0"]).start()

        # An SMS and an app report with a photo, both confirmed by the dispatcher.
        sms = RawSmpp(d.ports["smpp"])
        assert sms.bind("test", "secret", BIND_TRANSCEIVER) == ESME_ROK
        seq = sms.send(SUBMIT_SM, sm_body(SMS_PHONE, "1708", SMS_TEXT.encode()))
        _, _, _, body = sms.expect(SUBMIT_SM | RESP, seq, ESME_ROK, timeout=10)
        sms_id = body.rstrip(b"\0").decode()
        photo = jpeg_bytes(4096, seed=b"erasable-photo")
        photo_sha = hashlib.sha256(photo).hexdigest()
        base = f"http://127.0.0.1:{d.ports['web']}"
        st, _, ans = api(base, "POST", "/api/v1/reports", idem="ret-1", body={
            "title": "Saluran tersumbat", "body": APP_BODY, "kind": "complaint",
            "reporter": {"name": APP_NAME, "phone": APP_PHONE, "email": APP_EMAIL},
            "location": {"text": "Sampit"},
            "attachments": [{"name": "foto.jpg", "mime": "image/jpeg", "data_base64": base64.b64encode(photo).decode()}]})
        assert st == 201, (st, ans)
        app_id = ans["tracking_id"]
        assert os.path.exists(os.path.join(data, "attachments", photo_sha))
        wait_until(lambda: {sms_id, app_id} <= {doc.get("tracking_id") for doc in disp.accepted_documents()}, 30,
                   what="the dispatcher to confirm both")
        print("ok - an SMS and an app report with a photo stored and confirmed by the dispatcher")

        wait_until(lambda: sum(e["complaints"] for e in log_events(d, "retention_erased")) >= 2, 30,
                   what="retention to erase both")
        assert not os.path.exists(os.path.join(data, "attachments", photo_sha)), "the photo is still in data_dir"
        print("ok - retention erased both complaints and the photo")

        # Status pages, the app's status call and CEK still answer.
        for tid in (sms_id, app_id):
            st, _, page = d.get("web", f"/status/{tid}", headers={"Accept": "text/html"})
            assert st == 200 and tid.encode() in page, (tid, st, page[:300])
        st, _, status = api(base, "GET", f"/api/v1/reports/{app_id}")
        assert st == 200 and status["status"] == "forwarded", (st, status)
        seq = sms.send(SUBMIT_SM, sm_body("6281300000099", "1708", f"CEK {sms_id}".encode()))
        sms.expect(SUBMIT_SM | RESP, seq, ESME_ROK, timeout=10)
        deadline = time.time() + 15
        while not any(b"diteruskan" in b and sms_id.encode() in b for b in sms.delivered) and time.time() < deadline:
            p = sms.read(max(0.05, deadline - time.time()))
            assert p is not None, "the bind closed"
            c, _, sq, b = p
            if c == DELIVER_SM:
                sms.send_raw(pdu(DELIVER_SM | RESP, sq, b"\0"))
                sms.delivered.append(b)
        assert any(b"diteruskan" in b and sms_id.encode() in b for b in sms.delivered), sms.delivered
        sms.close()
        # The reply SMS (to the reporter, and to the CEK) were answered just now: the next pass
        # scrubs their payloads, which hold the numbers.
        wait_until(lambda: sum(e.get("outbox_payloads", 0) for e in log_events(d, "retention_erased")) >= 2, 30,
                   what="retention to scrub both reply SMS payloads")
        print("ok - status page, GET /api/v1/reports/{id} and CEK answer for erased complaints (forwarded)")

        assert d.stop() == 0
        blob = database_bytes(data)
        for secret in (SMS_TEXT, "Got0ngRoyong", SMS_PHONE, APP_BODY, "TersumbatPermanen", APP_NAME, APP_EMAIL,
                       "81299988877", "Rahmawati"):
            assert secret.encode() not in blob, f"{secret!r} is still in the database files: {where(data, secret)}"
        assert photo[200:264] not in blob
        for tid in (sms_id, app_id):
            assert tid.encode() in blob, f"{tid} was erased too"
        leftovers = [f for f in os.listdir(os.path.join(data, "attachments"))]
        assert leftovers == [], leftovers
        print(f"ok - a byte search over {len(blob)} bytes of database files finds none of the erased reports; "
              "their tracking IDs remain")
    except BaseException:
        if d:
            print(d.tail_log(), file=sys.stderr)
        raise
    finally:
        if d:
            d.stop()
        if disp:
            disp.stop()
        tmp.cleanup()
    print("4 passed, 0 failed")


if __name__ == "__main__":
    main()
