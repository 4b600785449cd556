"""Cross-channel duplicates (SPEC §4 lapor.duplicate/v1, §6) against the real daemon:

1. the same phone via the web form and then the mobile app, in different words: one complaint
   and one lapor.duplicate/v1 link in data_dir/dispatched.jsonl; the app's answer carries the
   original tracking ID; the evidence (decision, score, masked identity) is in the admin view;
2. another phone sending the same text: a second complaint, marked related, never merged;
3. POST /admin/complaints/{id}/unmerge: the dispatcher gets a lapor.unmerge/v1 correction
   with the full complaint; a second unmerge is refused;
4. after a restart the index is rebuilt from SQLite: the same reporter is still recognised.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, TempDir, wait_until  # noqa: E402
from web_client import api, curl, form_nonce  # noqa: E402

KEYS = '[{key_id="app1", secret="app1-secret"}]'
WEB_TEXT = ("Jalan Ahmad Yani di Desa Baamang Hulu, Kecamatan Baamang, Kabupaten Kotawaringin Timur rusak parah "
            "dan berlubang besar. Sudah 3 bulan tidak diperbaiki, banyak pengendara motor jatuh saat hujan. "
            "Mohon dinas PU segera memperbaiki.")
APP_TEXT = "Jln Ahmad Yani Baamang Hulu rusakkk parah, lubang besar sdh 3 bln gak diperbaiki!! Motor sering jatuh."
APP_TEXT_2 = "Tolong jalan Ahmad Yani desa Baamang Hulu berlubang, rusak parah 3 bulan blm diperbaiki"


def dispatched(data):
    path = os.path.join(data, "dispatched.jsonl")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def wait_dispatched(data, pred, what):
    return wait_until(lambda: (lambda docs: docs if pred(docs) else None)(dispatched(data)), 20, what=what)


def admin_json(d, method, path):
    st, _, body = d.request("admin", method, path)
    return st, json.loads(body) if body else None


def web_report(base, phone, body):
    nonce = form_nonce(base)
    st, _, ans = curl("-H", "Accept: application/json", "--data-urlencode", "title=Jalan rusak parah",
                      "--data-urlencode", f"body={body}", "--data-urlencode", f"phone={phone}",
                      "--data-urlencode", "location=Sampit", "--data-urlencode", f"nonce={nonce}", base + "/lapor")
    return st, json.loads(ans)


def app_report(base, phone, body, key):
    return api(base, "POST", "/api/v1/reports",
               {"title": "", "body": body, "kind": "complaint", "reporter": {"phone": phone}, "device_id": "dev-1"},
               idem=key)


def test_dedup(tmp):
    data = os.path.join(tmp, "data")
    sets = [f"mobile.api_keys={KEYS}", "web.rate_limit_per_minute=0"]
    d = Daemon(data, sets=sets).start()
    try:
        base = f"http://127.0.0.1:{d.ports['web']}"
        # 1. The web form, then the app, same phone in two spellings, other words.
        st, first = web_report(base, "0812-5555-0001", WEB_TEXT)
        assert st == 201 and first["status"] == "received", (st, first)
        original = first["tracking_id"]
        st, _, second = app_report(base, "+62 812 5555 0001", APP_TEXT, "dup-1")
        assert st == 201 and second["status"] == "duplicate", (st, second)
        assert second["tracking_id"] == original and second["duplicate_of"] == original, second
        # A retry of the app request gets the same answer.
        st, _, again = app_report(base, "+62 812 5555 0001", APP_TEXT, "dup-1")
        assert st == 201 and again == second, (st, again)

        # 2. Another phone, the web text verbatim (a campaign): a complaint of its own, related.
        st, _, other = app_report(base, "081377770002", WEB_TEXT, "other-1")
        assert st == 201 and other["status"] == "received" and other["tracking_id"] != original, other

        docs = wait_dispatched(data, lambda ds: len(ds) >= 3, "three documents dispatched")
        assert len(docs) == 3, docs
        schemas = [x["schema"] for x in docs]
        assert schemas.count("lapor.complaint/v1") == 2 and schemas.count("lapor.duplicate/v1") == 1, schemas
        link = next(x for x in docs if x["schema"] == "lapor.duplicate/v1")
        assert link["duplicate_of"] == original and link["channel"] == "mobile", link
        assert 0 < link["score"] <= 1 and link["tracking_id"] != original, link
        assert set(link) == {"schema", "tracking_id", "duplicate_of", "channel", "received_at", "score", "complaint"}, link
        # SPEC §4: the duplicate carries its own complaint, so its text reaches the original's ticket.
        own = link["complaint"]
        assert own["schema"] == "lapor.complaint/v1" and own["tracking_id"] == link["tracking_id"], own
        assert own["channel"] == "mobile" and "Baamang Hulu" in own["body"], own
        assert own["reporter"]["phone"] == "+6281255550001" and own["anonymous"] is False, own
        dup_id = link["tracking_id"]

        # The decision and its evidence, for operators.
        st, view = admin_json(d, "GET", f"/admin/complaints/{dup_id}")
        assert st == 200 and view["duplicate_of"] == original, view
        ev = view["meta"]["dedup"]
        assert ev["decision"] == "duplicate" and ev["of"] == original and ev["score"] == link["score"], ev
        assert ev["identity"] == "tel:+62812*****001", ev
        assert ev["facets"]["problem"] in ("agrees", "unknown"), ev
        st, rel = admin_json(d, "GET", f"/admin/complaints/{other['tracking_id']}")
        assert st == 200 and rel["duplicate_of"] is None and rel["meta"]["dedup"]["decision"] == "related", rel
        assert rel["meta"]["dedup"]["of"] == original, rel
        # The public status of the duplicate names the original, never the content.
        st, _, status = api(base, "GET", "/api/v1/reports/" + dup_id)
        assert st == 200 and status["status"] == "duplicate" and status["duplicate_of"] == original, status
        assert d.metric('lapor_duplicates_total{channel="mobile"}') == 2  # the link and its retry
        assert d.metric('lapor_related_total{channel="mobile"}') == 1
        assert d.metric('lapor_received_total{channel="web"}') == 1

        # 3. The operator undoes the merge: a correction carrying the full complaint.
        st, ans = admin_json(d, "POST", f"/admin/complaints/{dup_id}/unmerge")
        assert st == 200 and ans == {"tracking_id": dup_id, "status": "unmerged", "was_duplicate_of": original}, ans
        st, ans = admin_json(d, "POST", f"/admin/complaints/{dup_id}/unmerge")
        assert st == 409, (st, ans)
        st, ans = admin_json(d, "POST", f"/admin/complaints/{original}/unmerge")
        assert st == 409, (st, ans)
        docs = wait_dispatched(data, lambda ds: any(x["schema"] == "lapor.unmerge/v1" for x in ds), "the correction")
        fix = next(x for x in docs if x["schema"] == "lapor.unmerge/v1")
        assert fix["tracking_id"] == dup_id and fix["was_duplicate_of"] == original, fix
        assert fix["complaint"]["schema"] == "lapor.complaint/v1" and fix["complaint"]["tracking_id"] == dup_id, fix
        assert fix["complaint"]["body"] == APP_TEXT and fix["complaint"]["channel"] == "mobile", fix
        st, view = admin_json(d, "GET", f"/admin/complaints/{dup_id}")
        assert view["duplicate_of"] is None and view["meta"]["dedup"]["decision"] == "unmerged", view
        st, _, status = api(base, "GET", "/api/v1/reports/" + dup_id)
        assert status["status"] != "duplicate", status
    finally:
        assert d.stop() == 0

    # 4. A restart rebuilds the index from SQLite.
    d = Daemon(data, sets=sets).start()
    try:
        base = f"http://127.0.0.1:{d.ports['web']}"
        st, _, third = app_report(base, "6281255550001", APP_TEXT_2, "dup-2")
        assert st == 201 and third["status"] == "duplicate" and third["tracking_id"] == original, (st, third)
        log = open(d.log_path, "rb").read().decode("utf-8", "replace")
        assert '"dedup_index_loaded"' in log, log[-2000:]
    finally:
        assert d.stop() == 0


def main():
    tmp = TempDir("lapor-dedup-")
    try:
        test_dedup(tmp.path)
        print("PASS test_dedup")
    finally:
        tmp.cleanup()


if __name__ == "__main__":
    main()
