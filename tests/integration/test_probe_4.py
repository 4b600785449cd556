"""What the fourth outside probe (2026-12-04) found beyond the Twitter channel, against the
real daemon; each check failed on the binary it probed.

  * privacy: anyone may type an Anonim reporter's phone into the app (or a tweet); a similar
    text must not be merged into the Anonim report, which would tell the stranger its
    tracking ID. Only an identity the channel proves (an SMS's sender) merges into it;
  * scores are plain numbers ("0.813"), not "8.13E-1", in documents and the admin view;
  * order at the dispatcher: a duplicate link is delivered after its original's complaint (a
    dispatcher may refuse a link to a ticket it does not know), and an unmerge after the
    link it corrects (the stale link delivered after it undid the operator's unmerge); a
    batch's Idempotency-Key names one set of documents;
  * a rebuilt retry of an app report (a new multipart boundary, members reordered) gets the
    first answer, not 422 "key reused";
  * a body of zero-width characters only is refused like an empty one;
  * (set J) "LPR-… gimane?" from the reporter is about that complaint.
"""
import json
import os
import re
import secrets
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, FakeDispatcher, wait_until  # noqa: E402
from smpp_support import BIND_TRANSCEIVER, ESME_ROK, RESP, SUBMIT_SM, RawSmpp, dispatched, sm_body, write_config  # noqa: E402
from test_http_probe_2 import check, probe_run  # noqa: E402
from web_client import api, png_bytes  # noqa: E402

KEYS = 'mobile.api_keys=[{key_id="app1", secret="app1-secret"}]'
TEXT = ("Kepala desa Sukamaju memungut biaya Rp500 ribu untuk surat keterangan tidak mampu, "
        "padahal seharusnya gratis. Warga yang tidak bayar tidak dilayani.")
ATTACK = ("Kades Sukamaju minta biaya 500 ribu untuk surat keterangan tidak mampu, padahal gratis. "
          "Yang tidak bayar tidak dilayani.")
SMS = b"Kades Sukamaju pungut 500rb utk surat keterangan tdk mampu, pdhl gratis, yg gk bayar gk dilayani"


def submit(c, phone, text):
    seq = c.send(SUBMIT_SM, sm_body(phone, "1708", text))
    _, status, _, resp = c.expect(SUBMIT_SM | RESP, seq, timeout=10)
    return status, resp.rstrip(b"\0").decode(errors="replace")


def test_anonim_needs_a_proven_identity(d):
    base = f"http://127.0.0.1:{d.ports['web']}"
    report = {"title": "Pungli surat keterangan", "body": TEXT, "kind": "complaint", "anonymous": True,
              "confidential": True, "reporter": {"phone": "081299990002"}, "device_id": "dev-victim"}
    st, _, first = api(base, "POST", "/api/v1/reports", report, idem="victim-1")
    assert st == 201 and first["status"] == "received", (st, first)
    victim = first["tracking_id"]
    # The victim's own phone as an SMS's sender (the operator's network proves it): merged.
    c = RawSmpp(d.ports["smpp"], timeout=10)
    try:
        assert c.bind(kind=BIND_TRANSCEIVER) == ESME_ROK
        status, _ = submit(c, "6281299990002", SMS)
        assert status == ESME_ROK, status
    finally:
        c.close()
    links = wait_until(lambda: [x for x in dispatched(d.data_dir) if x.get("schema") == "lapor.duplicate/v1"], 10,
                       what="the SMS merged")
    assert links[0]["duplicate_of"] == victim, links

    # A stranger states the victim's phone with a similar text: a complaint of its own.
    stranger = dict(report, body=ATTACK, anonymous=False, confidential=False, device_id="dev-stranger")
    st, _, second = api(base, "POST", "/api/v1/reports", stranger, idem="stranger-1")
    assert st == 201 and second["status"] == "received", (st, second)
    assert second["tracking_id"] != victim and victim not in json.dumps(second), second
    # For the verifier, the forwarded document names the possible duplicate.
    doc = wait_until(lambda: [x for x in dispatched(d.data_dir) if x.get("tracking_id") == second["tracking_id"]], 10,
                     what="the stranger's complaint")[0]
    assert [p["tracking_id"] for p in doc.get("possible_duplicates", [])] == [victim], doc
    st, _, body = d.request("admin", "GET", f"/admin/complaints/{second['tracking_id']}")
    assert st == 200 and json.loads(body)["meta"]["dedup"]["doubt"] == "unproven", body


def test_plain_scores(d):
    # Scores as people write them, in what is forwarded and in the admin view ("1", "0.813", not
    # Boost's "1E0", "8.13E-1"): the README's promise for every number.
    with open(os.path.join(d.data_dir, "dispatched.jsonl"), "rb") as f:
        raw = f.read()
    assert b'"score":' in raw and not re.search(rb'"score":-?[0-9.]+[eE]', raw), raw[-600:]
    for doc in dispatched(d.data_dir):
        st, _, body = d.request("admin", "GET", f"/admin/complaints/{doc['tracking_id']}")
        assert st == 200 and not re.search(rb'"score":-?[0-9.]+[eE]', body), body


def test_delivery_order(tmp):
    # The original's complaint is kept back three times, and so is the duplicate link after it.
    dispatcher = FakeDispatcher(tmp, "--fail-schema", "lapor.complaint/v1:3", "--fail-schema", "lapor.duplicate/v1:6")
    d = None
    try:
        dispatcher.start()
        d = Daemon(os.path.join(tmp, "data-order"),
                   sets=[KEYS, f"dispatcher.url={dispatcher.url}", "dispatcher.backoff_initial_ms=400",
                         "dispatcher.backoff_max_ms=800", "web.rate_limit_per_minute=0"]).start()
        base = f"http://127.0.0.1:{d.ports['web']}"
        report = {"title": "Jalan rusak", "body": TEXT, "kind": "complaint", "reporter": {"phone": "081344440001"},
                  "device_id": "dev-1"}
        st, _, first = api(base, "POST", "/api/v1/reports", report, idem="order-1")
        assert st == 201, first
        st, _, second = api(base, "POST", "/api/v1/reports", dict(report, body=ATTACK), idem="order-2")
        assert st == 201 and second["status"] == "duplicate", second
        # The operator undoes the merge while the link is still kept back (its own tracking ID
        # is in the link the dispatcher refused).
        link = wait_until(lambda: [r["body"] for r in dispatcher.received() if isinstance(r.get("body"), dict)
                                   and r["body"].get("schema") == "lapor.duplicate/v1"], 20, what="the link tried")[0]
        st, _, body = d.request("admin", "POST", f"/admin/complaints/{link['tracking_id']}/unmerge")
        assert st == 200, body

        def accepted():
            return [(r["n"], r["body"]["schema"]) for r in dispatcher.received()
                    if r.get("status") == 200 and isinstance(r.get("body"), dict)]
        got = wait_until(lambda: (lambda a: a if len(a) >= 3 else None)(accepted()), 30, what="three documents accepted")
        schemas = [s for _, s in sorted(got)]
        assert schemas == ["lapor.complaint/v1", "lapor.duplicate/v1", "lapor.unmerge/v1"], schemas
    finally:
        if d:
            d.stop()
        dispatcher.stop()


def test_rebuilt_retry(d):
    base = f"http://127.0.0.1:{d.ports['web']}"

    def multipart(report):
        boundary = "P4" + secrets.token_hex(6)  # a new one per request, as OkHttp and URLSession do
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"report\"\r\nContent-Type: application/json"
                f"\r\n\r\n{report}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; "
                f"filename=\"jalan.png\"\r\nContent-Type: image/png\r\n\r\n").encode() + png_bytes() + \
            f"\r\n--{boundary}--\r\n".encode()
        return api(base, "POST", "/api/v1/reports", body, idem="p4-multipart",
                   content_type=f"multipart/form-data; boundary={boundary}")
    report = {"title": "Jalan berlubang", "body": "Jalan berlubang di depan SDN 3 Melati PROBE4RETRY", "kind": "complaint"}
    st, _, first = multipart(json.dumps(report))
    assert st == 201 and first["status"] == "received", (st, first)
    reordered = json.dumps(dict(reversed(list(report.items()))), indent=1)
    st, _, again = multipart(reordered)
    assert st == 201 and again == first, (st, again, first)
    # Another photo or text under the key is another request.
    st, _, other = multipart(json.dumps(dict(report, body=report["body"] + " dan retak")))
    assert st == 422, (st, other)


def test_invisible_body(d):
    base = f"http://127.0.0.1:{d.ports['web']}"
    for i, body in enumerate(("\u200b\u200b", "\ufeff\u200f ", "\u0301\u0301")):
        st, _, ans = api(base, "POST", "/api/v1/reports", {"title": "", "body": body, "kind": "complaint"}, idem=f"p4-zw-{i}")
        assert st == 422 and ans["errors"][0]["field"] == "body", (body, st, ans)


def test_tracking_reminder(d):
    base = f"http://127.0.0.1:{d.ports['web']}"
    report = {"title": "Got mampet", "body": "Got di Gg. Kelinci Kebon Manggis mampet, air hitam naik ke jalan tiap hujan",
              "kind": "complaint", "reporter": {"phone": "081377771234"}, "device_id": "dev-r"}
    st, _, first = api(base, "POST", "/api/v1/reports", report, idem="p4-rem-1")
    assert st == 201 and first["status"] == "received", first
    tid = first["tracking_id"]
    # "LPR-… gimane?" from the same phone: about that complaint, merged as a follow-up.
    st, _, again = api(base, "POST", "/api/v1/reports", dict(report, title="", body=f"{tid} gimane?"), idem="p4-rem-2")
    assert st == 201 and again["status"] == "duplicate" and again["duplicate_of"] == tid, again


def main():
    def start(tmp):
        cfg = write_config(os.path.join(tmp, "smpp.toml"))
        return Daemon(os.path.join(tmp, "data"), config_file=cfg,
                      sets=[KEYS, "web.rate_limit_per_minute=0", "smpp.auto_reply_window_s=0"]).start()
    with probe_run("lapor-probe4-", start) as (tmp, d):
        check("an Anonim report takes a merge only from an identity the channel proves",
              test_anonim_needs_a_proven_identity, d)
        check("scores are written in plain notation, forwarded and in the admin view", test_plain_scores, d)
        check("a rebuilt retry of an app report gets the first answer", test_rebuilt_retry, d)
        check("a body of zero-width characters or marks alone is refused, naming it", test_invisible_body, d)
        check("a short reminder naming the reporter's tracking ID is about that complaint", test_tracking_reminder, d)
        check("a link after its original, an unmerge after its link", test_delivery_order, os.path.join(tmp.path))


if __name__ == "__main__":
    main()
