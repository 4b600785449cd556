"""An operator that throttles what we push to it (issue 10 item 7, "Real peers"): node-smpp as
the operator's ESME bound to our server answers reply deliver_sm beyond 10 a second with
ESME_RTHROTTLED (0x58), while 40 citizens' MOs arrive at once. Checks:
  - every citizen's reply is accepted exactly once (status 0) within smpp.reply_ttl_s;
  - the operator did throttle (the test would prove nothing otherwise), and no reply was
    dropped for it: throttling means "later", not a failure;
  - each accepted reply carries that citizen's tracking ID.
(Client mode, where replies go out as submit_sm, is test_smpp_node_smsc_throttling.py.)
Exits 77 (skipped) without node."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, TempDir, wait_until  # noqa: E402
from smpp_support import dispatched, node_peers, run_esme, write_config  # noqa: E402

CITIZENS = 40
LIMIT_PER_S = 10
TTL_S = 20
FIRST_SRC = 6281300000500


def main():
    node_peers()
    tmp = TempDir("lapor-smpp-esme-throttle-")
    try:
        cfg = write_config(os.path.join(tmp.path, "smpp.toml"))
        d = Daemon(os.path.join(tmp.path, "data"), [f"smpp.reply_ttl_s={TTL_S}"], config_file=cfg).start()
        try:
            started = time.monotonic()
            # The ESME stays bound for the TTL and a little more, answering every deliver_sm.
            rc, ev = run_esme(d.ports["smpp"], timeout=TTL_S + 20, COUNT=CITIZENS, WINDOW=10,
                              TEXT="Lampu jalan di depan SDN 3 mati sejak seminggu, gelap dan rawan",
                              SRC=str(FIRST_SRC), SRC_PER_MESSAGE=1, DELIVER_RATE_LIMIT_PER_S=LIMIT_PER_S,
                              WAIT_MO_SECONDS=TTL_S + 5)
            elapsed = time.monotonic() - started
            assert rc == 0, (rc, ev[-5:])
            result = [e for e in ev if e.get("event") == "result"]
            assert result and result[0]["ok"] == CITIZENS, result
            delivers = [e for e in ev if e.get("event") == "deliver_sm"]
            throttled = [e for e in delivers if e["status"] != 0]
            accepted = [e for e in delivers if e["status"] == 0]
            assert throttled, f"the operator never throttled ({len(delivers)} deliver_sm): the test proves nothing"
            phones = [str(FIRST_SRC + i) for i in range(CITIZENS)]
            docs = wait_until(lambda: (lambda got: got if all(p in got for p in phones) else None)(
                {x["reporter"]["phone"].lstrip("+"): x for x in dispatched(d.data_dir) if x["channel"] == "sms"}),
                10, what="the 40 complaints at the dispatcher")
            missing = [p for p in phones if not any(a["to"] == p for a in accepted)]
            assert not missing, f"{len(missing)} of {CITIZENS} citizens got no reply within the TTL: {missing[:5]}"
            doubled = [p for p in phones if sum(a["to"] == p for a in accepted) > 1]
            assert not doubled, f"replies accepted twice: {doubled}"
            for a in accepted:
                assert docs[a["to"]]["tracking_id"] in a["text"], a
            print(f"ok {CITIZENS} replies accepted once each, {len(throttled)} throttled answers retried, "
                  f"{elapsed:.0f} s in all (TTL {TTL_S} s)", flush=True)
            assert d.stop() == 0
        finally:
            d.stop()
    finally:
        tmp.cleanup()


if __name__ == "__main__":
    main()
