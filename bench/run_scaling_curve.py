#!/usr/bin/env python3
"""Where the daemon saturates (issue 16, "scaling curve"): SMPP throughput and p99 for 1, 4,
16 and 64 binds (window 50 each, durable acks, a reply per MO) and signed mobile-API
throughput and p99 for 1 … 256 keep-alive connections, each from a fresh daemon, with the
daemon's CPU per message (from /proc, holds on a busy machine).

    bench/run_scaling_curve.py [PATH/TO/lapor-gateway] [--seconds 5] [--out bench/scaling]

Prints one table per protocol and writes OUT.tsv and, with gnuplot (Debian gnuplot-nox),
OUT.png: throughput (left axis) and p99 (right axis) against the load, log scale. Runs
bench/run_smpp_load.sh and bench/run_http_load.sh, so it builds nothing and leaves nothing
running.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, timeout):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    return r.stdout + r.stderr


def smpp_point(gateway, binds, seconds):
    out = run([os.path.join(HERE, "run_smpp_load.sh"), gateway, "--binds", str(binds), "--window", "50",
               "--seconds", str(seconds), "--texts", "varied"], seconds * 4 + 60)
    m = re.search(r"accepted=(\d+).*mo_per_s=(\d+) p50_ms=([\d.]+) p99_ms=([\d.]+)", out)
    c = re.search(r"daemon CPU +([\d.]+) s", out)
    if not m or not c:
        raise RuntimeError("no RESULT from run_smpp_load.sh:\n" + out[-1500:])
    accepted = int(m.group(1))
    return {"load": binds, "per_s": int(m.group(2)), "p50": float(m.group(3)), "p99": float(m.group(4)),
            "cpu_us": float(c.group(1)) / max(accepted, 1) * 1e6}


def http_point(gateway, connections, seconds):
    out = run([os.path.join(HERE, "run_http_load.sh"), gateway, "--seconds", str(seconds), "--connections",
               str(connections)], seconds * 6 + 60)
    m = re.search(r"durable signed POST \S+ +(\d+) req/s +p50 +([\d.]+) ms +p99 +([\d.]+) ms", out)
    c = re.search(r"durable signed POST[^\n]*\n[^\n]*?([\d.]+) us CPU per request", out)
    if not m:
        raise RuntimeError("no durable line from run_http_load.sh:\n" + out[-1500:])
    return {"load": connections, "per_s": int(m.group(1)), "p50": float(m.group(2)), "p99": float(m.group(3)),
            "cpu_us": float(c.group(1)) if c else float("nan")}


def table(title, unit, points, cpu_note):
    print(f"\n{title}")
    print(f"{unit:>12} {'per s':>9} {'p50 ms':>8} {'p99 ms':>8} {'CPU us':>8}")
    for p in points:
        print(f"{p['load']:>12} {p['per_s']:>9} {p['p50']:>8.2f} {p['p99']:>8.2f} {p['cpu_us']:>8.1f}")
    print(f"  (CPU us: {cpu_note})")


def plot(out, smpp, http):
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        print("gnuplot not found (Debian gnuplot-nox): no PNG", file=sys.stderr)
        return
    script = f"""
set terminal pngcairo size 1100,450 font ",10" noenhanced
set output "{out}.png"
set multiplot layout 1,2 title "lapor-gateway: where it saturates (durable acks, one 2-core machine, load generator on the same cores)"
set logscale x 2
set grid
set key top left
set ytics nomirror
set y2tics
set ylabel "messages/s"
set yrange [0:*]
set y2range [0:*]
set y2label "p99 ms"
set xlabel "SMPP binds (window 50 each)"
set title "SMPP submit_sm, a reply per MO"
plot "{out}.tsv" index 0 using 1:2 with linespoints lw 2 title "MO/s", "" index 0 using 1:4 axes x1y2 with linespoints dt 2 title "p99 ms"
set xlabel "keep-alive connections"
set title "signed POST /api/v1/reports"
plot "{out}.tsv" index 1 using 1:2 with linespoints lw 2 title "req/s", "" index 1 using 1:4 axes x1y2 with linespoints dt 2 title "p99 ms"
unset multiplot
"""
    subprocess.run([gnuplot], input=script, text=True, check=True)
    print(f"wrote {out}.png")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("gateway", nargs="?", default="build/lapor-gateway")
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--out", default=os.path.join(HERE, "scaling"))
    ap.add_argument("--plot-only", action="store_true", help="draw OUT.png from an existing OUT.tsv")
    a = ap.parse_args()
    if a.plot_only:
        return plot(a.out, None, None)
    with open("/proc/loadavg") as f:
        print(f"scaling curve: {os.cpu_count()} cores, load average {' '.join(f.read().split()[:3])}, "
              f"{a.seconds} s per point")
    smpp = [smpp_point(a.gateway, b, a.seconds) for b in (1, 4, 16, 64)]
    http = [http_point(a.gateway, c, a.seconds) for c in (1, 4, 16, 64, 256)]
    table("SMPP: binds x window 50, durable ack, a reply per MO", "binds", smpp, "the daemon's, per MO")
    table("HTTP: signed mobile API, durable", "connections", http, "daemon and load generator together, per request")
    with open(a.out + ".tsv", "w") as f:
        f.write("# SMPP: binds  MO/s  p50_ms  p99_ms  cpu_us_per_MO\n")
        for p in smpp:
            f.write(f"{p['load']}\t{p['per_s']}\t{p['p50']}\t{p['p99']}\t{p['cpu_us']:.1f}\n")
        f.write("\n\n# HTTP: connections  req/s  p50_ms  p99_ms  cpu_us_per_request\n")
        for p in http:
            f.write(f"{p['load']}\t{p['per_s']}\t{p['p50']}\t{p['p99']}\t{p['cpu_us']:.1f}\n")
    print(f"wrote {a.out}.tsv")
    plot(a.out, smpp, http)


if __name__ == "__main__":
    main()
