"""The chaos test's senders: each a thread that submits until told to stop and logs what the
daemon acknowledged. A subclass implements one channel's `attempt`."""
import json
import threading
import time

TEMPLATES = [
    "Jalan berlubang di Jl. {road} km {n} sudah {m} bulan tidak diperbaiki",
    "Lampu penerangan jalan di Gang {road} mati sejak {m} minggu, rawan kejahatan",
    "Sampah menumpuk di pasar {road} blok {n}, bau dan mengganggu warga",
    "Pelayanan KTP di kecamatan {road} lambat, antre {m} jam belum dilayani",
    "Air PDAM di perumahan {road} nomor {n} tidak mengalir {m} hari",
]
ROADS = ["Ahmad Yani", "Sudirman", "Diponegoro", "Gatot Subroto", "Merdeka", "Pemuda", "Veteran"]


class ChaosLog:
    """What the daemon acknowledged, by sender key; shared by every sender."""

    def __init__(self):
        self._lock = threading.Lock()
        self._acked = {}
        self._retried = 0

    def ack(self, key, tracking_id):
        with self._lock:
            before = self._acked.setdefault(key, tracking_id)
        assert before == tracking_id, f"{key} acknowledged as {before} and later as {tracking_id}"

    def retried(self):
        with self._lock:
            self._retried += 1

    def acked(self):
        with self._lock:
            return dict(self._acked)

    def acked_count(self):
        with self._lock:
            return len(self._acked)

    def retried_count(self):
        with self._lock:
            return self._retried


class Sender(threading.Thread):
    """Submits key after key. `attempt(key, text, retry_state)` returns ((outcome, value),
    retry_state) with outcome one of: acked (value = tracking ID), refused (nothing stored,
    try again), uncertain (no answer: it may be stored; retry with the same identity), error
    (value = what came back: a test failure)."""

    _numbers = iter(range(100))
    _numbers_lock = threading.Lock()

    def __init__(self, name, log, stop, rnd):
        super().__init__(daemon=True, name=name)
        self.log, self.stop, self.rnd = log, stop, rnd
        with Sender._numbers_lock:
            self.number = next(Sender._numbers)
        self.errors = []

    def phone(self, key):
        # One reporter per submission: the senders test durability, not cross-channel dedup,
        # which would rightly merge one reporter's similar complaints.
        n = int(key.rsplit("-", 1)[1])
        return f"0812{self.number:02d}{n % 1000000:06d}"

    def text(self, key):
        t = self.rnd.choice(TEMPLATES).format(road=self.rnd.choice(ROADS), n=self.rnd.randint(1, 99),
                                              m=self.rnd.randint(2, 11))
        return f"{t} [chaos:{key}]"

    @staticmethod
    def http_outcome(got):
        if got is None:
            return "uncertain", None
        status, body = got
        if status in (200, 201):
            try:
                return "acked", json.loads(body)["tracking_id"]
            except (ValueError, KeyError, TypeError):
                return "error", (status, body[:200])
        if status in (429, 503):
            return "refused", None
        return "error", (status, body[:300])

    def keep_trying(self, retry_state):
        """Whether to attempt the current submission again (a subclass may finish what it began
        after stop, e.g. the rest of a long SMS)."""
        return not self.stop.is_set()

    def run(self):
        n = 0
        while not self.stop.is_set():
            key = f"{self.name}-{n}"
            text, retry_state = self.text(key), None
            while self.keep_trying(retry_state):
                (outcome, value), retry_state = self.attempt(key, text, retry_state)
                if outcome == "acked":
                    self.log.ack(key, value)
                    break
                if outcome == "error":
                    self.errors.append((key, value))
                    return
                if outcome == "uncertain":
                    self.log.retried()
                time.sleep(0.01)
            n += 1

    def attempt(self, key, text, retry_state):
        raise NotImplementedError
