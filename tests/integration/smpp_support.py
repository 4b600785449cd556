"""Helpers for the SMPP integration tests: a raw SMPP 3.4 client over a socket (exact bytes,
for protocol and malformed-input checks), the node-smpp peers in tests/peers/smpp/, and the
daemon config with an operator account. Python 3 standard library only."""
import fcntl
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

from lapor_harness import stop_process, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.path.normpath(os.path.join(HERE, "..", "peers", "smpp"))
SKIP = 77  # CTest SKIP_RETURN_CODE: a peer program is missing

GENERIC_NACK = 0x80000000
BIND_RECEIVER, BIND_TRANSMITTER, BIND_TRANSCEIVER = 0x01, 0x02, 0x09
SUBMIT_SM, DELIVER_SM, UNBIND, DATA_SM = 0x04, 0x05, 0x06, 0x103
ENQUIRE_LINK = 0x15
RESP = 0x80000000

ESME_ROK, ESME_RINVMSGLEN, ESME_RINVCMDLEN, ESME_RINVCMDID = 0x00, 0x01, 0x02, 0x03
ESME_RINVBNDSTS, ESME_RALYBND, ESME_RBINDFAIL = 0x04, 0x05, 0x0D
ESME_RINVPASWD, ESME_RINVSYSID, ESME_RTHROTTLED = 0x0E, 0x0F, 0x58


def skip(why):
    print(f"SKIP: {why}")
    sys.exit(SKIP)


def write_config(path, accounts=(("test", "secret", "telkomsel"),), clients=(), extra=""):
    """A TOML config: accounts as (system_id, password, operator[, allowed_cidrs]), default
    allowed_cidrs 127.0.0.0/8; clients as dicts of smpp.clients keys."""
    with open(path, "w") as f:
        for account in accounts:
            sid, pw, op = account[:3]
            cidrs = account[3] if len(account) > 3 else ["127.0.0.0/8"]
            f.write(f'[[smpp.accounts]]\nsystem_id = "{sid}"\npassword = "{pw}"\noperator = "{op}"\n'
                    f'allowed_cidrs = {json.dumps(cidrs)}\n')
        for c in clients:
            f.write("[[smpp.clients]]\n" + "".join(f'{k} = {json.dumps(v)}\n' for k, v in c.items()))
        f.write(extra)
    return path


def dispatched(data_dir):
    """Documents the file dispatcher wrote (data_dir/dispatched.jsonl)."""
    p = os.path.join(data_dir, "dispatched.jsonl")
    out = []
    if os.path.exists(p):
        with open(p) as f:
            for line in f:
                line = line.strip()
                if line:
                    out.append(json.loads(line))
    return out


# ---- raw SMPP ------------------------------------------------------------------------

def cstr(s):
    return (s.encode() if isinstance(s, str) else s) + b"\0"


def pdu(cmd, seq, body=b"", status=0):
    return struct.pack(">IIII", 16 + len(body), cmd, status, seq) + body


def bind_body(system_id, password, version=0x34):
    return cstr(system_id) + cstr(password) + cstr("") + bytes([version, 0, 0]) + cstr("")


def sm_body(src, dst, short_message, data_coding=0, esm_class=0, tlvs=b"", src_ton=1, src_npi=1):
    return (cstr("") + bytes([src_ton, src_npi]) + cstr(src) + bytes([0, 0]) + cstr(dst) +
            bytes([esm_class, 0, 0]) + cstr("") + cstr("") + bytes([0, 0, data_coding, 0, len(short_message)]) +
            short_message + tlvs)


def long_sms_parts(text, ref, size=150, encoding="latin-1"):
    """The short_message of each part of a concatenated SMS (UDH IEI 0x00, 8-bit `ref`), the
    text's octets cut every `size`; send with esm_class 0x40 (UDHI)."""
    raw = text.encode(encoding)
    chunks = [raw[i:i + size] for i in range(0, len(raw), size)]
    return [bytes([5, 0, 3, ref & 0xFF, len(chunks), i + 1]) + ch for i, ch in enumerate(chunks)]


def tlv(tag, value):
    return struct.pack(">HH", tag, len(value)) + value


class RawSmpp:
    """One TCP connection speaking SMPP by hand. Every wait is bounded."""

    def __init__(self, port, timeout=5.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.settimeout(timeout)
        self.buf = b""
        self.seq = 0
        self.delivered = []  # deliver_sm bodies expect() answered on the way

    def next_seq(self):
        self.seq += 1
        return self.seq

    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, cmd, body=b"", seq=None):
        seq = self.next_seq() if seq is None else seq
        self.sock.sendall(pdu(cmd, seq, body))
        return seq

    def read(self, timeout=5.0):
        """(command_id, status, sequence, body), or None when the peer closed."""
        deadline = time.time() + timeout
        while True:
            if len(self.buf) >= 16:
                (length,) = struct.unpack(">I", self.buf[:4])
                if len(self.buf) >= length:
                    frame, self.buf = self.buf[:length], self.buf[length:]
                    _, cmd, status, seq = struct.unpack(">IIII", frame[:16])
                    return cmd, status, seq, frame[16:]
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError("timed out waiting for a PDU")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            except ConnectionResetError:
                return None
            if not chunk:
                return None
            self.buf += chunk

    def expect(self, cmd, seq=None, status=None, timeout=5.0, skip_requests=True):
        """Reads until a PDU with `cmd` (answering the daemon's own requests on the way)."""
        deadline = time.time() + timeout
        while True:
            p = self.read(max(0.01, deadline - time.time()))
            assert p is not None, f"connection closed while waiting for 0x{cmd:08x}"
            c, st, sq, body = p
            if c == cmd and (seq is None or sq == seq):
                assert status is None or st == status, f"0x{cmd:08x} status 0x{st:x}, expected 0x{status:x}"
                return p
            if skip_requests and c in (DELIVER_SM, ENQUIRE_LINK) and not (c & RESP):
                self.sock.sendall(pdu(c | RESP, sq, b"\0" if c == DELIVER_SM else b""))
                if c == DELIVER_SM:
                    self.delivered.append(body)  # answered on the way: the caller may count them
                continue
            raise AssertionError(f"expected 0x{cmd:08x} seq {seq}, got 0x{c:08x} status 0x{st:x} seq {sq}")

    def bind(self, system_id="test", password="secret", kind=BIND_TRANSCEIVER):
        seq = self.send(kind, bind_body(system_id, password))
        _, status, _, _ = self.expect(kind | RESP, seq)
        return status

    def closed(self, timeout=5.0):
        """True when the peer closes within `timeout` (PDUs before the close are dropped)."""
        deadline = time.time() + timeout
        try:
            while time.time() < deadline:
                if self.read(max(0.01, deadline - time.time())) is None:
                    return True
        except AssertionError:
            return False
        except OSError:
            return True
        return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# ---- node-smpp peers -------------------------------------------------------------------

def node_peers():
    """Path of tests/peers/smpp with node_modules installed (npm ci); exits 77 without node/npm."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        skip("node and npm are needed for the node-smpp peers (apt-get install nodejs npm)")
    # Tests run in parallel: one npm ci at a time (the others wait on the lock, then find it done).
    with open(os.path.join(tempfile.gettempdir(), "lapor-smpp-npm-ci.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not os.path.isdir(os.path.join(PEERS, "node_modules", "smpp")):
                r = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=PEERS, capture_output=True, text=True,
                                   timeout=300)
                if r.returncode != 0:
                    raise AssertionError(f"npm ci failed in {PEERS}:\n{r.stdout}\n{r.stderr}")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return PEERS


def check_part_resps(resps, parts, budget_ms, peer):
    """A stop-and-wait peer's log of resps (each {"parts", "status", "ms"}): `parts` of them,
    every one status 0 and within budget_ms (a peer that waits for each resp stalls when one
    is withheld). Prints and returns the slowest."""
    assert len(resps) == parts and all(r["parts"] == 3 for r in resps), resps
    bad = [r for r in resps if r["status"] != 0]
    assert not bad, f"parts refused: {bad}"
    slow = [r for r in resps if r["ms"] >= budget_ms]
    assert not slow, f"parts answered later than {budget_ms} ms (a stop-and-wait {peer} stalls): {slow}"
    slowest = max(r["ms"] for r in resps)
    print(f"ok {len(resps)} parts, window 1, slowest resp {slowest:.1f} ms", flush=True)
    return slowest


def run_esme(port, timeout=30, **env):
    """Runs node-esme.js to completion; (exit code, [json events])."""
    e = dict(os.environ, URL=f"smpp://127.0.0.1:{port}", MAX_SECONDS=str(timeout))
    e.update({k: str(v) for k, v in env.items()})
    r = subprocess.run(["node", os.path.join(PEERS, "node-esme.js")], env=e, capture_output=True, text=True,
                       timeout=timeout + 10)
    events = []
    for line in r.stdout.splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            pass
    return r.returncode, events


class NodeSmsc:
    """node-smsc.js (an operator's SMSC our client mode binds to) as a child process; its JSON
    log lines go to workdir/<name>.jsonl, read back by events(). stop() ends it."""

    def __init__(self, workdir, port, name, **env):
        self.log = os.path.join(workdir, f"{name}.jsonl")
        e = dict(os.environ, HOST="127.0.0.1", PORT=str(port), MAX_SECONDS="120")
        e.update({k: str(v) for k, v in env.items()})
        self.out = open(self.log, "ab")
        self.proc = subprocess.Popen(["node", os.path.join(PEERS, "node-smsc.js")], env=e, stdout=self.out,
                                     stderr=subprocess.STDOUT)
        wait_until(lambda: any(x.get("event") == "listening" for x in self.events()), 10, what="node-smsc listening")

    def events(self):
        out = []
        with open(self.log) as f:
            for line in f:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
        return out

    def stop(self):
        stop_process(self.proc)
        self.out.close()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p
