"""Interop with Kannel (Debian 'kannel': bearerbox + smsbox) as an operator's ESME binding to
our SMPP server as a transceiver: messages injected through Kannel's sendsms HTTP interface
arrive as submit_sm (GSM, UCS-2, and a long text Kannel splits with a UDH), are stored with the
citizen's phone in E.164, and our reply deliver_sm with the tracking ID reaches Kannel.
Everything on loopback, free ports, a temp dir; every wait bounded; everything started is
stopped. Exits 77 (skipped) when bearerbox/smsbox are not installed."""
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, TempDir, stop_process, wait_until  # noqa: E402
from smpp_support import PEERS, dispatched, free_port, skip, write_config  # noqa: E402


def find_box(name):
    return shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.path.exists(p)), None)


def kannel_conf(workdir, smpp_port, admin, smsbox, sendsms):
    with open(os.path.join(PEERS, "kannel", "kannel-esme.conf")) as f:
        conf = f.read()
    conf = re.sub(r"^admin-port = \d+$", f"admin-port = {admin}", conf, flags=re.M)
    conf = re.sub(r"^smsbox-port = \d+$", f"smsbox-port = {smsbox}", conf, flags=re.M)
    conf = re.sub(r"^bearerbox-port = \d+$", f"bearerbox-port = {smsbox}", conf, flags=re.M)
    conf = re.sub(r"^sendsms-port = \d+$", f"sendsms-port = {sendsms}", conf, flags=re.M)
    conf = re.sub(r"^port = \d+$", f"port = {smpp_port}", conf, flags=re.M)
    # Our reply deliver_sm must not trigger Kannel's own auto-reply (it would come back as a
    # new MO): the catch-all service answers nothing.
    conf = re.sub(r"^max-messages = 1$", "max-messages = 0", conf, flags=re.M)
    path = os.path.join(workdir, "kannel.conf")
    with open(path, "w") as f:
        f.write(conf)
    return path


def http_get(url, timeout=5):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except OSError as e:
        return None, str(e)


def main():
    bearerbox, smsbox = find_box("bearerbox"), find_box("smsbox")
    if not bearerbox or not smsbox:
        skip("Kannel is not installed (apt-get install kannel)")
    tmp = TempDir("lapor-smpp-kannel-")
    d = bb = sb = None
    try:
        cfg = write_config(os.path.join(tmp.path, "smpp.toml"), accounts=(("test", "secret", "xl"),))
        d = Daemon(os.path.join(tmp.path, "data"), config_file=cfg).start()
        admin, box, sendsms = free_port(), free_port(), free_port()
        kdir = os.path.join(tmp.path, "kannel")
        os.makedirs(kdir)
        conf = kannel_conf(kdir, d.ports["smpp"], admin, box, sendsms)
        bb = subprocess.Popen([bearerbox, conf], cwd=kdir, stdout=open(os.path.join(kdir, "bb.out"), "wb"),
                              stderr=subprocess.STDOUT)
        wait_until(lambda: http_get(f"http://127.0.0.1:{admin}/status.txt?password=statuspw")[0] == 200, 20,
                   what="bearerbox admin")
        sb = subprocess.Popen([smsbox, conf], cwd=kdir, stdout=open(os.path.join(kdir, "sb.out"), "wb"),
                              stderr=subprocess.STDOUT)
        wait_until(lambda: re.search(r"our1708.*online", http_get(
            f"http://127.0.0.1:{admin}/status.txt?password=statuspw")[1] or ""), 30, what="Kannel bound to us")

        def send(frm, text, **extra):
            q = dict(username="tester", password="foobar", smsc="our1708", to="1708", text=text, **{"from": frm})
            q.update(extra)
            url = f"http://127.0.0.1:{sendsms}/cgi-bin/sendsms?" + urllib.parse.urlencode(q)
            for _ in range(50):  # smsbox may still be connecting to bearerbox
                st, body = http_get(url)
                if st in (200, 202):
                    return body
                time.sleep(0.2)
            raise AssertionError(f"sendsms failed: {st} {body}")

        cases = [
            ("6281234500001", "Jalan rusak di Jl. Sudirman, mohon segera diperbaiki", {}),
            ("6281234500002", "Air PDAM keruh — bau kaporit sejak Senin", {"charset": "UTF-8", "coding": "2"}),
            ("6281234500003", ("Sampah tidak diangkut selama dua minggu di RT 05 RW 02, bau menyengat dan "
                               "banyak lalat. ") * 3, {}),
        ]
        for frm, text, extra in cases:
            send(frm, text, **extra)
        for frm, text, _ in cases:
            doc = wait_until(lambda: [x for x in dispatched(d.data_dir) if x["reporter"]["phone"] == "+" + frm], 20,
                             what=f"Kannel's message from {frm}")[0]
            assert doc["body"] == text.strip(), (doc["body"], text)
            assert doc["channel"] == "sms" and doc["channel_ref"]["operator"] == "xl", doc
        print("ok GSM, UCS-2 and a concatenated message from Kannel stored")

        # Kannel received our reply deliver_sm (its access log records every MO it takes).
        ids = [x["tracking_id"] for x in dispatched(d.data_dir)]
        access = os.path.join(kdir, "access.log")
        wait_until(lambda: os.path.exists(access) and all(i in open(access, errors="replace").read() for i in ids), 20,
                   what="our replies in Kannel's access log")
        print("ok replies with the tracking ID reached Kannel")
    finally:
        stop_process(sb, signal.SIGINT, 10)
        stop_process(bb, signal.SIGINT, 10)  # unbinds from us
        if d:
            rc = d.stop()
            assert rc == 0, rc
        tmp.cleanup()


if __name__ == "__main__":
    main()
