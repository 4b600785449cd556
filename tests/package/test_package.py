"""The Debian package as an operator gets it, checked without installing it on this machine.

1. CPack builds the .deb from the build tree into a temporary folder.
2. dpkg-deb: the control fields (Depends from dpkg-shlibdeps, adduser), the conffile, the
   exact file list with owners and modes, the maintainer scripts' modes.
3. The maintainer scripts run against the extracted root (DPKG_ROOT) with stub adduser,
   dpkg-statoverride and systemctl that only log their arguments: the lapor user, the
   statoverrides for /var/lib/lapor-gateway (0700) and the config (0640), idempotence,
   try-restart on upgrade, stop on remove, purge erasing the state directory.
4. The installed binary with the installed config: --check-config, then a start on
   127.0.0.1 with data_dir in the temporary folder, GET /healthz, SIGTERM, exit 0.
5. The man page names every key of --help and renders without warnings.
6. systemd-analyze verify on the unit in the extracted root, and its security score.
7. lintian: no errors.
A missing lintian or systemd-analyze makes the test exit 77 (skipped) after the other checks.
"""
import glob
import gzip
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ.get("LAPOR_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..")),
                                "tests", "integration"))
from lapor_harness import Daemon  # noqa: E402

BUILD = os.environ["LAPOR_BUILD_DIR"]
CPACK = os.environ.get("LAPOR_CPACK") or shutil.which("cpack")
UNIT = "lib/systemd/system/lapor-gateway.service"
CONFIG = "etc/lapor-gateway/config.toml"
STATE = "var/lib/lapor-gateway"

# Every path the package holds, with its type+mode and owner. Nothing else may be in it.
EXPECTED = {
    "./etc/lapor-gateway/": ("drwxr-xr-x", "root/root"),
    f"./{CONFIG}": ("-rw-r--r--", "root/root"),
    "./lib/systemd/system/": ("drwxr-xr-x", "root/root"),
    f"./{UNIT}": ("-rw-r--r--", "root/root"),
    "./lib/systemd/system/lapor-gateway-backup.service": ("-rw-r--r--", "root/root"),
    "./lib/systemd/system/lapor-gateway-backup.timer": ("-rw-r--r--", "root/root"),
    "./usr/bin/lapor-gateway": ("-rwxr-xr-x", "root/root"),
    "./usr/share/doc/lapor-gateway/changelog.gz": ("-rw-r--r--", "root/root"),
    "./usr/share/doc/lapor-gateway/copyright": ("-rw-r--r--", "root/root"),
    "./usr/share/doc/lapor-gateway/idn-area-data-LICENSE.md": ("-rw-r--r--", "root/root"),
    "./usr/share/doc/lapor-gateway/region-data-NOTICE.md": ("-rw-r--r--", "root/root"),
    "./usr/share/man/man8/lapor-gateway.8.gz": ("-rw-r--r--", "root/root"),
    f"./{STATE}/": ("drwxr-xr-x", "root/root"),  # postinst's statoverride makes it lapor 0700
}
PARENTS_OK = {"./", "./etc/", "./lib/", "./lib/systemd/", "./usr/", "./usr/bin/", "./usr/share/",
              "./usr/share/doc/", "./usr/share/doc/lapor-gateway/", "./usr/share/man/", "./usr/share/man/man8/",
              "./var/", "./var/lib/"}

failures = []
skipped = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def run(cmd, **kw):
    kw.setdefault("timeout", 300)
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def build_deb(out):
    r = run([CPACK, "-G", "DEB", "-B", out, "--config", os.path.join(BUILD, "CPackConfig.cmake")])
    if r.returncode != 0:
        raise SystemExit(f"cpack failed:\n{r.stdout}\n{r.stderr}")
    debs = glob.glob(os.path.join(out, "*.deb"))
    if len(debs) != 1:
        raise SystemExit(f"expected one .deb in {out}, found {debs}")
    return debs[0]


def check_control(deb):
    info = run(["dpkg-deb", "-f", deb]).stdout
    fields = dict(re.findall(r"^([A-Za-z-]+): (.*)$", info, re.M))
    print(info)
    check(fields.get("Package") == "lapor-gateway", "Package: lapor-gateway")
    depends = fields.get("Depends", "")
    for lib in ("libc6", "libsqlite3-0", "libcurl4", "libssl3", "libsystemd0", "adduser"):
        check(re.search(rf"\b{re.escape(lib)}\b", depends) is not None, f"Depends names {lib}")
    check(fields.get("Section") == "net" and fields.get("Priority") == "optional", "Section net, Priority optional")


def check_contents(deb):
    listing = run(["dpkg-deb", "-c", deb]).stdout
    seen = {}
    for line in listing.splitlines():
        parts = line.split(None, 5)
        perms, owner, path = parts[0], parts[1], parts[5].split(" -> ")[0]
        seen[path] = (perms, owner)
    for path, want in EXPECTED.items():
        check(seen.get(path) == want, f"{path} is {want} (got {seen.get(path)})")
    extra = sorted(set(seen) - set(EXPECTED) - PARENTS_OK)
    check(not extra, f"no unexpected files in the package (extra: {extra})")


def check_control_files(deb, ctl):
    run(["dpkg-deb", "-e", deb, ctl])
    for script in ("postinst", "prerm", "postrm"):
        mode = stat.S_IMODE(os.stat(os.path.join(ctl, script)).st_mode)
        check(mode == 0o755, f"DEBIAN/{script} mode 0755 (got {oct(mode)})")
        check(run(["sh", "-n", os.path.join(ctl, script)]).returncode == 0, f"DEBIAN/{script} is valid sh")
    conffiles = open(os.path.join(ctl, "conffiles")).read().split()
    check(conffiles == ["/" + CONFIG], f"conffiles lists only /{CONFIG} (got {conffiles})")


STUB = """#!/bin/sh
# Stands in for the real command: logs its arguments, changes nothing.
echo "$(basename "$0") $*" >> "$STUB_LOG"
if [ "$(basename "$0")" = dpkg-statoverride ] && [ "$1" = --list ]; then
  grep -qx -- "$2" "$STUB_OVERRIDES" 2>/dev/null || exit 1
  exit 0
fi
if [ "$(basename "$0")" = dpkg-statoverride ] && [ "$1" = --update ] && [ "$2" = --add ]; then
  echo "$6" >> "$STUB_OVERRIDES"
fi
exit 0
"""


def maintainer_scripts(ctl, root, work):
    """Runs the scripts' logic against the extracted root; every command that would change
    the machine (adduser, dpkg-statoverride, systemctl) is a stub on PATH."""
    stubs = os.path.join(work, "stubs")
    os.makedirs(stubs)
    for name in ("adduser", "dpkg-statoverride", "systemctl", "deb-systemd-helper", "deb-systemd-invoke",
                 "useradd", "groupadd"):
        p = os.path.join(stubs, name)
        with open(p, "w") as f:
            f.write(STUB)
        os.chmod(p, 0o755)
    log = os.path.join(work, "stub.log")
    overrides = os.path.join(work, "overrides")
    env = dict(os.environ, PATH=stubs + ":" + os.environ["PATH"], DPKG_ROOT=root, STUB_LOG=log,
               STUB_OVERRIDES=overrides)

    def script(name, *args):
        open(log, "w").close()
        r = run(["sh", "-e", os.path.join(ctl, name)] + list(args), env=env, timeout=30)
        check(r.returncode == 0, f"{name} {' '.join(args)} exits 0 ({r.stderr.strip()})")
        return open(log).read().splitlines()

    # First install, no systemd running (no DPKG_ROOT/run/systemd/system).
    calls = script("postinst", "configure")
    adduser = [c for c in calls if c.startswith("adduser ")]
    check(len(adduser) == 1 and "--system" in adduser[0] and "--group" in adduser[0] and adduser[0].endswith(" lapor")
          and "/usr/sbin/nologin" in adduser[0], f"postinst makes the lapor system user ({adduser})")
    check(f"dpkg-statoverride --update --add lapor lapor 0700 /{STATE}" in calls,
          "postinst: /var/lib/lapor-gateway lapor:lapor 0700 (statoverride)")
    check(f"dpkg-statoverride --update --add root lapor 0640 /{CONFIG}" in calls,
          "postinst: config.toml root:lapor 0640 (statoverride)")
    check(not any(c.startswith(("systemctl", "deb-systemd-invoke")) for c in calls), "postinst: no systemctl without a running systemd")
    # Again (dpkg-reconfigure, or an upgrade): the operator's overrides are left alone.
    calls = script("postinst", "configure", "0.14.0")
    check(not any("--add" in c for c in calls), "postinst is idempotent: existing statoverrides kept")
    # With systemd running: daemon-reload; an upgrade restarts a running service, a first
    # install neither enables nor starts it.
    os.makedirs(os.path.join(root, "run/systemd/system"))
    calls = script("postinst", "configure")
    check("systemctl --system daemon-reload" in calls and not any("start" in c or "enable" in c for c in calls),
          f"postinst (first install): daemon-reload only ({calls})")
    calls = script("postinst", "configure", "0.14.0")
    check("deb-systemd-invoke try-restart lapor-gateway.service" in calls, "postinst (upgrade): try-restart")
    calls = script("prerm", "remove")
    check("deb-systemd-invoke stop lapor-gateway.service" in calls, "prerm remove: stops the service")
    calls = script("prerm", "upgrade", "0.16.0")
    check(not any(c.startswith(("systemctl", "deb-systemd-invoke")) for c in calls), "prerm upgrade: leaves the service running")
    calls = script("postrm", "remove")
    check(os.path.isdir(os.path.join(root, STATE)), "postrm remove keeps /var/lib/lapor-gateway")
    open(os.path.join(root, STATE, "lapor.db"), "w").close()
    calls = script("postrm", "purge")
    check(f"dpkg-statoverride --remove /{STATE}" in calls and f"dpkg-statoverride --remove /{CONFIG}" in calls,
          "postrm purge removes the statoverrides")
    check(not os.path.exists(os.path.join(root, STATE)), "postrm purge erases /var/lib/lapor-gateway")
    check(not any(c.startswith(("deluser", "userdel")) for c in calls), "postrm purge keeps the lapor user")
    shutil.rmtree(os.path.join(root, "run"))
    os.makedirs(os.path.join(root, STATE))


def installed_binary(root, work):
    binary = os.path.join(root, "usr/bin/lapor-gateway")
    config = os.path.join(root, CONFIG)
    r = run([binary, "--config", config, "--check-config"], timeout=30)
    check(r.returncode == 0 and "configuration ok" in r.stdout, f"installed binary accepts the installed config ({r.stderr})")
    # The packaged config names /var/lib/lapor-gateway; the test points data_dir at its own
    # folder (the harness adds --set data_dir=… and 127.0.0.1:0 listeners after --config).
    d = Daemon(os.path.join(work, "data"), config_file=config, bin_path=binary)
    try:
        d.start(timeout=30)
        st, _, body = d.get("admin", "/healthz")
        check(st == 200, f"installed daemon answers /healthz ({st})")
        st, _, _ = d.get("web", "/")
        check(st == 200, f"installed daemon serves the web form ({st})")
    finally:
        rc = d.stop()
    check(rc == 0, f"installed daemon stops on SIGTERM with 0 (got {rc})")


def man_page(root):
    page = gzip.open(os.path.join(root, "usr/share/man/man8/lapor-gateway.8.gz"), "rt").read()
    help_text = run([os.path.join(root, "usr/bin/lapor-gateway"), "--help"]).stdout
    keys = re.findall(r"^  ([a-z_]+(?:\.[a-z_]+)*)\s{2,}", help_text.split("Config keys:")[1], re.M)
    roff_text = page.replace("\\-", "-").replace("\\&", "")
    missing = [k for k in keys if k not in roff_text]
    check(len(keys) > 50 and not missing, f"man page names all {len(keys)} keys of --help (missing: {missing})")
    r = run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", os.path.join(root, "usr/share/man/man8/lapor-gateway.8.gz")],
            env=dict(os.environ, LC_ALL="C.UTF-8", MANROFFSEQ="", MANWIDTH="80")) if shutil.which("man") else None
    if r is not None:
        check(r.returncode == 0 and not r.stderr.strip(), f"man --warnings renders the page cleanly ({r.stderr.strip()})")


def systemd_checks(root):
    if not shutil.which("systemd-analyze"):
        skipped.append("systemd-analyze not installed")
        return
    # verify resolves ExecStart= and Documentation=man: on this machine, where the package is
    # not installed: a copy of the unit names the extracted binary, MANPATH the extracted page.
    # (--root= would need the whole of systemd's units inside the root.)
    units = os.path.join(os.path.dirname(root), "units")
    os.makedirs(units, exist_ok=True)
    text = open(os.path.join(root, UNIT)).read()
    check(text.count("/usr/bin/lapor-gateway") == 1, "the unit runs /usr/bin/lapor-gateway")
    copy = os.path.join(units, "lapor-gateway.service")
    with open(copy, "w") as f:
        f.write(text.replace("/usr/bin/lapor-gateway", os.path.join(root, "usr/bin/lapor-gateway")))
    r = run(["systemd-analyze", "verify", copy], env=dict(os.environ, MANPATH=os.path.join(root, "usr/share/man")))
    print("systemd-analyze verify:", (r.stdout + r.stderr).strip() or "clean")
    check(r.returncode == 0 and not (r.stdout + r.stderr).strip(), "systemd-analyze verify passes on the packaged unit")
    # The nightly backup: its service and timer verify too (the timer needs its service beside it).
    backup_units = []
    for name in ("lapor-gateway-backup.service", "lapor-gateway-backup.timer"):
        text = open(os.path.join(root, "lib/systemd/system", name)).read()
        backup_units.append(os.path.join(units, name))
        with open(backup_units[-1], "w") as f:
            f.write(text.replace("/usr/bin/lapor-gateway", os.path.join(root, "usr/bin/lapor-gateway")))
    r = run(["systemd-analyze", "verify", *backup_units], env=dict(os.environ, MANPATH=os.path.join(root, "usr/share/man")))
    print("systemd-analyze verify (backup):", (r.stdout + r.stderr).strip() or "clean")
    check(r.returncode == 0 and not (r.stdout + r.stderr).strip(), "systemd-analyze verify passes on the backup service and timer")
    r = run(["systemd-analyze", "security", "--offline=yes", f"--root={root}", "--no-pager", "/" + UNIT])
    m = re.search(r"Overall exposure level for \S+: ([0-9.]+) (\w+)", r.stdout)
    print(m.group(0) if m else r.stdout[-2000:] + r.stderr)
    check(m is not None and float(m.group(1)) <= 3.0, "systemd-analyze security: exposure 'OK' or better (<= 3.0)")


def lintian(deb):
    if not shutil.which("lintian"):
        skipped.append("lintian not installed")
        return
    r = run(["lintian", "--fail-on", "error", "--display-info", deb], timeout=400)
    print("lintian:\n" + (r.stdout + r.stderr).strip())
    check(r.returncode == 0 and not re.search(r"^E: ", r.stdout, re.M), "lintian reports no errors")


def main():
    if not CPACK or not shutil.which("dpkg-deb"):
        print("cpack or dpkg-deb missing")
        return 77
    work = tempfile.mkdtemp(prefix="lapor-pkg-")
    try:
        deb = build_deb(os.path.join(work, "out"))
        print("built", os.path.basename(deb))
        check_control(deb)
        check_contents(deb)
        ctl = os.path.join(work, "DEBIAN")
        check_control_files(deb, ctl)
        root = os.path.join(work, "root")
        run(["dpkg-deb", "-x", deb, root])
        maintainer_scripts(ctl, root, work)
        installed_binary(root, work)
        man_page(root)
        systemd_checks(root)
        lintian(deb)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{len(failures)} check(s) failed:\n  " + "\n  ".join(failures))
        return 1
    if skipped:
        print("skipped: " + "; ".join(skipped))
        return 77
    print("package checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
