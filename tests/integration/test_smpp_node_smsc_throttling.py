"""An operator's SMSC that throttles (issue 10 §7, "Real peers"): node-smpp as the SMSC our
client mode binds to (node-smsc.js) accepts at most 10 messages a second and answers the rest
ESME_RTHROTTLED (0x58), as operators enforce their TPS. In client mode our reply SMS go to
the SMSC as submit_sm (channels/sms/smpp_replies.cpp), so that is the direction throttled here.

40 citizens' MOs arrive at once as deliver_sm; the replies go out at our default pace
(smpp.reply_rate_per_s 100, ten times what the SMSC takes), so most first attempts are
throttled. Throttling means "later": checks that every citizen's reply is accepted by the
SMSC within smpp.reply_ttl_s of its MO, that none is accepted twice, that none went dead
(lapor_sms_replies{outcome!="delivered"} 0), and that the SMSC did throttle (else nothing was
tested). Exits 77 (skipped) without node."""
import os
import sys
import time
from datetime import datetime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, TempDir, wait_until  # noqa: E402
from smpp_support import ESME_RTHROTTLED, NodeSmsc, dispatched, free_port, node_peers, write_config  # noqa: E402

CITIZENS = 40
SMSC_RATE_PER_S = 10
REPLY_TTL_S = 30
MO_SRC = "62813200"  # the SMSC numbers its citizens MO_SRC + 100 ... 139


def at(event):
    return datetime.fromisoformat(event["t"].replace("Z", "+00:00")).timestamp()


def reply_outcomes(d):
    """lapor_sms_replies{outcome} of the daemon (how its reply SMS ended)."""
    return {o: d.metric('lapor_sms_replies{outcome="' + o + '"}') or 0
            for o in ("delivered", "expired", "refused", "over_limit")}


def main():
    node_peers()
    tmp = TempDir("lapor-smpp-throttle-")
    smsc = d = None
    try:
        port = free_port()
        smsc = NodeSmsc(tmp.path, port, "smsc", MO_COUNT=CITIZENS, MO_SRC=MO_SRC, RATE_LIMIT_PER_S=SMSC_RATE_PER_S,
                        MO_TEXT="Lampu lalu lintas di perempatan pasar mati, kendaraan saling serobot",
                        MAX_SECONDS=REPLY_TTL_S + 30)
        client = {"host": "127.0.0.1", "port": port, "system_id": "test", "password": "secret",
                  "bind": "transceiver", "operator": "xl"}
        cfg = write_config(os.path.join(tmp.path, "smpp.toml"), accounts=(), clients=(client,))
        d = Daemon(os.path.join(tmp.path, "data"), config_file=cfg, sets=[f"smpp.reply_ttl_s={REPLY_TTL_S}"]).start()

        mo_resps = wait_until(lambda: (lambda r: r if len(r) >= CITIZENS else None)(
            [x for x in smsc.events() if x.get("cmd") == "deliver_sm_resp"]), 20, what="40 MOs answered")
        assert all(r["status"] == 0 for r in mo_resps), [r for r in mo_resps if r["status"] != 0]
        first_mo_acked = min(at(r) for r in mo_resps)
        phones = {f"{MO_SRC}{100 + i}" for i in range(CITIZENS)}

        def accepted():
            return [x for x in smsc.events() if x.get("cmd") == "submit_sm" and x.get("answer") == 0]
        try:
            wait_until(lambda: phones <= {x["destination_addr"] for x in accepted()}, REPLY_TTL_S + 5, interval=0.2,
                       what="every citizen's reply accepted by the SMSC")
        except AssertionError:
            got = {x["destination_addr"] for x in accepted()}
            raise AssertionError(f"{len(phones - got)} of {CITIZENS} citizens got no reply within the TTL: "
                                 f"{sorted(phones - got)[:5]}; lapor_sms_replies: {reply_outcomes(d)}")
        time.sleep(2)  # a second copy of anyone's reply would come within this
        events = smsc.events()
        ok = [x for x in events if x.get("cmd") == "submit_sm" and x.get("answer") == 0]
        throttled = [x for x in events if x.get("cmd") == "submit_sm" and x.get("answer") == ESME_RTHROTTLED]
        per_phone = {}
        for x in ok:
            per_phone.setdefault(x["destination_addr"], []).append(x)
        doubled = {p: len(v) for p, v in per_phone.items() if len(v) > 1}
        assert not doubled, f"replies accepted more than once: {doubled}"
        assert set(per_phone) == phones, set(per_phone) ^ phones
        last = max(at(x) for x in ok)
        assert last - first_mo_acked < REPLY_TTL_S, f"the last reply came {last - first_mo_acked:.1f} s after the MOs"
        assert throttled, "the SMSC throttled nothing: the test did not test throttling"
        # Every reply's text carries its complaint's tracking ID.
        by_phone = {x["reporter"]["phone"].lstrip("+"): x["tracking_id"] for x in dispatched(d.data_dir)}
        wrong = [x["destination_addr"] for x in ok if by_phone.get(x["destination_addr"], "?") not in x["short_message"]["text"]]
        assert not wrong, f"replies without their tracking ID: {wrong[:5]}"
        wait_until(lambda: reply_outcomes(d)["delivered"] == CITIZENS, 10, what="40 replies counted delivered")
        outcomes = reply_outcomes(d)
        assert not any(n for o, n in outcomes.items() if o != "delivered"), outcomes
        print(f"ok {CITIZENS} replies through an SMSC taking {SMSC_RATE_PER_S}/s: {len(throttled)} throttled attempts, "
              f"all accepted once, the last {last - first_mo_acked:.1f} s after the MOs (TTL {REPLY_TTL_S} s)", flush=True)
        assert d.stop() == 0
    finally:
        if d:
            d.stop()
        if smsc:
            smsc.stop()
        tmp.cleanup()


if __name__ == "__main__":
    main()
