"""A citizen's browser on the real form: Debian's headless Chromium, driven by playwright-core
(installed under the build folder from tests/web/browser/package-lock.json), fills in the form
on a phone-sized screen, attaches a photo, submits, reads the tracking ID off the page,
follows it to the status page, and sends an invalid form. Screenshots of the form and the
success page are saved under $LAPOR_BUILD_DIR/screenshots."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lapor_harness import Daemon, TempDir  # noqa: E402
from web_client import jpeg_bytes, png_bytes, write  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BROWSER_DIR = os.path.join(HERE, "..", "web", "browser")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


# CTest's SKIP_RETURN_CODE (tests/integration/CMakeLists.txt): a missing peer program is a
# visible skip, never a silent pass.
SKIP = 77


def skip(why):
    print(f"SKIP: {why}; the browser test did not run")
    sys.exit(SKIP)


def ensure_playwright(build):
    """playwright-core from tests/web/browser/package-lock.json, installed under the build folder
    (never into the source tree); returns the node_modules folder."""
    where = os.path.join(build, "web-browser")
    modules = os.path.join(where, "node_modules")
    lock = os.path.join(BROWSER_DIR, "package-lock.json")
    stamp = os.path.join(where, "package-lock.json")
    if os.path.isdir(os.path.join(modules, "playwright-core")) and os.path.exists(stamp) and \
            open(stamp, "rb").read() == open(lock, "rb").read():
        return modules
    npm = shutil.which("npm")
    if not npm:
        skip("npm is not installed (apt-get install npm)")
    os.makedirs(where, exist_ok=True)
    for f in ("package.json", "package-lock.json"):
        shutil.copyfile(os.path.join(BROWSER_DIR, f), os.path.join(where, f))
    r = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=where, capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        skip(f"npm ci could not install playwright-core (offline?):\n{r.stderr[-2000:]}")
    return modules


def main():
    if not os.path.exists(CHROMIUM):
        skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    if not shutil.which("node"):
        skip("node is not installed (apt-get install nodejs npm)")
    build = os.environ.get("LAPOR_BUILD_DIR") or os.path.dirname(os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "."))
    modules = ensure_playwright(build)
    shots = os.path.join(build, "screenshots")
    os.makedirs(shots, exist_ok=True)
    tmp = TempDir("lapor-browser-")
    d = None
    try:
        d = Daemon(os.path.join(tmp.path, "data"), sets=["web.rate_limit_per_minute=1000"]).start()
        photo = write(os.path.join(tmp.path, "jalan-rusak.png"), png_bytes(64, 48, (120, 90, 60)))
        profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=tmp.path)
        r = subprocess.run(["node", os.path.join(BROWSER_DIR, "fill_form.js"), f"http://127.0.0.1:{d.ports['web']}", photo,
                            shots, profile], capture_output=True, text=True, timeout=180,
                           env=dict(os.environ, NODE_PATH=modules, CHROMIUM=CHROMIUM))
        assert r.returncode == 0, f"browser run failed:\n{r.stderr}\n{r.stdout}"
        out = json.loads(r.stdout.strip().splitlines()[-1])
        tid = out["tracking_id"]
        assert re.fullmatch(r"LPR-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]", tid), tid
        print(f"ok - the browser submitted the form and read {tid}")
        st, _, body = d.get("admin", "/admin/complaints/" + tid)
        meta = json.loads(body)
        assert st == 200 and meta["channel"] == "web" and meta["meta"]["anonymous"] is True, (st, body)
        assert tid in out["status_text"] and "Siti" not in out["status_text"] and "Ahmad Yani" not in out["status_text"]
        print("ok - the status page shows the state, not the content")
        assert out["invalid_kept"] == "Judul tanpa isi" and out["body_error"], out
        print("ok - an invalid form comes back with errors beside the fields and the text kept")
        for s in out["screenshots"]:
            assert os.path.getsize(s) > 1000, s
        print("ok - screenshots saved: " + ", ".join(out["screenshots"]))
        assert d.stop() == 0
        print("4 passed, 0 failed")
    except BaseException:
        if d:
            print(d.tail_log(), file=sys.stderr)
        raise
    finally:
        if d:
            d.stop()
        tmp.cleanup()


if __name__ == "__main__":
    main()
