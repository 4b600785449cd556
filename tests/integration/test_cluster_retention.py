"""Cluster mode (issue 14, issue 15's retention on PostgreSQL): retention of personal data runs on
every node against the shared database. With retention.days = 0 and a pass every second:

  1. an app report with a photo (node 1) and an SMS (node 2), both confirmed by the dispatcher,
     are erased: no row of the cluster's database holds their text, the reporter's name,
     e-mail or phone any more (complaints, outbox payloads, idempotency keys, sketches, links);
  2. the photo leaves node 1's data_dir (whichever node erased the complaint);
  3. status pages on the other node, and CEK, still answer for both tracking IDs.

Exits 77 (skipped) without PostgreSQL.
Usage: test_cluster_retention.py PATH/TO/lapor-gateway
"""
import base64
import hashlib
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_harness import APP_KEY_ID, APP_SECRET, Cluster, PgCluster, cluster_main, stop_rig  # noqa: E402,F401
from lapor_harness import FakeDispatcher, TempDir, log_events, wait_until  # noqa: E402
from smpp_support import BIND_TRANSCEIVER, DELIVER_SM, ESME_ROK, RESP, SUBMIT_SM, RawSmpp, pdu, sm_body  # noqa: E402
from web_client import api, jpeg_bytes  # noqa: E402

SMS_PHONE = "6281377754321"
SMS_TEXT = "Jembatan BambuRapuh di Desa Sukarame hampir ambruk"
APP_NAME, APP_EMAIL, APP_PHONE = "Dewi Lestari Erasable", "dewi.erasable@example.id", "+6281299911122"
APP_BODY = "Gorong-gorong TersumbatLumpur di Gang Melati sejak sebulan"
SECRETS = (SMS_TEXT, "BambuRapuh", SMS_PHONE[2:], APP_BODY, "TersumbatLumpur", APP_NAME, APP_EMAIL, APP_PHONE[3:])


def erased_total(cluster):
    return sum(e.get("complaints", 0) for i in cluster.nodes for e in cluster.daemon_log_events(i)
               if e.get("event") == "retention_erased")


def rows_holding(pg, secret):
    """Where the cluster's database still holds `secret` (table names)."""
    s = secret.replace("'", "''")
    q = (f"SELECT 'complaints' FROM complaints WHERE document LIKE '%{s}%' OR status_meta LIKE '%{s}%'"
         f" UNION ALL SELECT 'outbox' FROM outbox WHERE payload LIKE '%{s}%' OR last_error LIKE '%{s}%'"
         f" UNION ALL SELECT 'identity_links' FROM identity_links WHERE a LIKE '%{s}%' OR b LIKE '%{s}%'"
         f" UNION ALL SELECT 'idempotency' FROM idempotency WHERE key LIKE '%{s}%'")
    return [r[0] for r in pg.psql(q)]


def main():
    tmp = TempDir("lapor-cluster-retention-")
    pg = dispatcher = cluster = None
    try:
        pg = PgCluster(tmp.path, standby=False)
        dispatcher = FakeDispatcher(tmp.path)
        dispatcher.start()
        cluster = Cluster(tmp.path, pg, dispatcher, extra_sets=[
            "retention.days=0", "dedup.window_days=0", "retention.check_interval_s=1", "smpp.auto_reply_window_s=0"])
        n1, n2 = cluster.start_all(2)

        photo = jpeg_bytes(4096, seed=b"cluster-erasable-photo")
        photo_sha = hashlib.sha256(photo).hexdigest()
        base1 = f"http://127.0.0.1:{n1.ports['web']}"
        st, _, ans = api(base1, "POST", "/api/v1/reports", idem="cret-1", key_id=APP_KEY_ID, secret=APP_SECRET, body={
            "title": "Gorong-gorong tersumbat", "body": APP_BODY, "kind": "complaint",
            "reporter": {"name": APP_NAME, "phone": APP_PHONE, "email": APP_EMAIL},
            "location": {"text": "Sampit"},
            "attachments": [{"name": "foto.jpg", "mime": "image/jpeg", "data_base64": base64.b64encode(photo).decode()}]})
        assert st == 201, (st, ans)
        app_id = ans["tracking_id"]
        photo_path = os.path.join(n1.data_dir, "attachments", photo_sha)
        assert os.path.exists(photo_path), "the photo was not stored on node 1"
        # Photo files are swept only once an hour old (one is written before its complaint
        # commits): age it, so the test does not wait an hour.
        old = time.time() - 2 * 3600
        os.utime(photo_path, (old, old))

        sms = RawSmpp(n2.ports["smpp"], timeout=10)
        assert sms.bind("test", "secret", BIND_TRANSCEIVER) == ESME_ROK
        seq = sms.send(SUBMIT_SM, sm_body(SMS_PHONE, "1708", SMS_TEXT.encode()))
        _, _, _, body = sms.expect(SUBMIT_SM | RESP, seq, ESME_ROK, timeout=10)
        sms_id = body.rstrip(b"\0").decode()
        # Take the reply SMS (its row holds the number, and is scrubbed once sent).
        deadline = time.time() + 15
        while not sms.delivered and time.time() < deadline:
            p = sms.read(max(0.05, deadline - time.time()))
            assert p is not None, "the bind closed"
            c, _, sq, b = p
            if c == DELIVER_SM:
                sms.send_raw(pdu(DELIVER_SM | RESP, sq, b"\0"))
                sms.delivered.append(b)
        assert sms.delivered, "no reply SMS on the bind"
        wait_until(lambda: {sms_id, app_id} <= {d.get("tracking_id") for d in dispatcher.accepted_documents()}, 30,
                   what="the dispatcher to confirm both")

        wait_until(lambda: erased_total(cluster) >= 2, 30, what="retention to erase both complaints")
        wait_until(lambda: not os.path.exists(photo_path), 15, what="node 1 to delete the erased report's photo")
        print(f"1-2. both erased ({erased_total(cluster)} erasures logged across the nodes), the photo gone", flush=True)

        # The reply SMS rows hold the phone number: scrubbed once the cut-off passed them.
        def clean():
            return all(not rows_holding(pg, s) for s in SECRETS)
        try:
            wait_until(clean, 30, interval=0.5, what="no row holding the erased reports")
        except AssertionError:
            left = {s: rows_holding(pg, s) for s in SECRETS}
            raise AssertionError(f"still in the cluster's database: { {k: v for k, v in left.items() if v} }")
        print("1. no row of the cluster's database holds the erased reports' text or identity", flush=True)

        for tid, node in ((app_id, n2), (sms_id, n1)):
            st, _, page = node.get("web", f"/status/{tid}", headers={"Accept": "text/html"})
            assert st == 200 and tid.encode() in page, (tid, st, page[:300])
        seq = sms.send(SUBMIT_SM, sm_body("6281300000098", "1708", f"CEK {app_id}".encode()))
        sms.expect(SUBMIT_SM | RESP, seq, ESME_ROK, timeout=10)
        sms.close()
        print("3. status pages on the other node and CEK still answer for the erased complaints", flush=True)
        for i in cluster.nodes:
            fails = [e for e in cluster.daemon_log_events(i) if e.get("event") == "retention_failed"]
            assert not fails, f"node {i}: {fails[:2]}"
        print("PASS")
        return 0
    except AssertionError:
        if cluster:
            print(cluster.tails(30))
        raise
    finally:
        stop_rig(tmp, pg=pg, dispatcher=dispatcher, cluster=cluster)


if __name__ == "__main__":
    cluster_main(main)
