#!/usr/bin/env bash
# Installs everything lapor-gateway needs to build, run and test on Debian 12 (as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
  ca-certificates build-essential cmake ninja-build ccache pkg-config git \
  libboost1.81-dev libcurl4-openssl-dev libsqlite3-dev libsimdjson-dev doctest-dev \
  libtomlplusplus-dev libssl-dev libutf8proc-dev \
  python3 curl sqlite3
# The web form's browser test: headless Chromium driven by playwright-core (npm).
apt-get install -y --no-install-recommends chromium nodejs
# Debian's npm, unless nodejs came from NodeSource (which ships npm and conflicts with it).
command -v npm >/dev/null || apt-get install -y --no-install-recommends npm
# SMPP interop tests: Kannel (bearerbox + smsbox) as an operator's ESME binding to our server.
apt-get install -y --no-install-recommends kannel
# libFuzzer targets (CTest libfuzzer_short; tests/fuzz/run_fuzzers.sh): clang and its compiler-rt.
apt-get install -y --no-install-recommends clang-14 libclang-rt-14-dev
# The daemon's malloc (CMake LAPOR_ALLOCATOR, default jemalloc): ~9 % less CPU per message than
# glibc's with allocations freed on other threads (bench/RESULTS.md run N).
apt-get install -y --no-install-recommends libjemalloc-dev
# systemd notification (sd_notify: READY=1, STOPPING=1, WATCHDOG=1) for the Type=notify unit.
apt-get install -y --no-install-recommends libsystemd-dev
# The Debian package: CPack's dpkg-shlibdeps (dpkg-dev), lintian on the .deb, man for its page
# check, systemd-analyze for the unit (the systemd package; no systemd as PID 1 is needed).
apt-get install -y --no-install-recommends dpkg-dev lintian man-db systemd
# Cluster mode: libpq for the PostgreSQL store backend; the PostgreSQL 15 server binaries
# (/usr/lib/postgresql/15/bin) for the cluster tests, which start their own primary and standby
# with initdb/pg_ctl in a temporary folder (tests/support/pg_cluster.py).
apt-get install -y --no-install-recommends libpq-dev postgresql-15 postgresql-client-15
# Benchmarks: gnuplot draws bench/run_scaling_curve.py's plot (bench/scaling.png).
apt-get install -y --no-install-recommends gnuplot-nox
# Monitoring: promtool (check rules, test rules, check metrics) from Debian's prometheus.
apt-get install -y --no-install-recommends prometheus
# Where systemd runs, that package also starts a Prometheus server on :9090, the daemon's default
# admin port: only promtool is wanted here.
if [ -d /run/systemd/system ]; then systemctl disable --now prometheus.service >/dev/null 2>&1 || true; fi
# Kemendagri region codes for the region resolver: the npm package idn-area-data (ODbL), pinned
# with its integrity hash in data/region/package-lock.json. A newer dataset is a version bump
# in data/region/package.json (then `npm install` there to refresh the lockfile).
npm ci --prefix "$(dirname "$0")/../data/region" --ignore-scripts --no-audit --no-fund
