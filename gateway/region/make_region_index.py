#!/usr/bin/env python3
"""Turns idn-area-data's CSVs into the compact index the region resolver loads.

    make_region_index.py PACKAGE_DIR OUT_FILE

PACKAGE_DIR is node_modules/idn-area-data (its package.json gives the version, data/ the
CSVs). The index is plain UTF-8 text, one unit per line, sorted by code, each code written
relative to its parent (the hierarchy is the line order):

    # idn-area-data 4.0.1
    P 11 Aceh
    R 01 Kabupaten Aceh Selatan
    D 01 Bakongan
    V 2001 Keude Bakongan

so the daemon parses it in a few milliseconds and a newer dataset is a version bump in
data/region/package.json. Structural errors (a code whose parent is missing, a malformed
code, an empty name) stop the build: the resolver must never load half a country.
"""
import csv
import json
import os
import re
import sys

LEVELS = [("P", "provinces.csv", None, r"\d\d"),
          ("R", "regencies.csv", "province_code", r"\d\d\.\d\d"),
          ("D", "districts.csv", "regency_code", r"\d\d\.\d\d\.\d\d"),
          ("V", "villages.csv", "district_code", r"\d\d\.\d\d\.\d\d\.\d\d\d\d")]


def fail(msg):
    sys.exit(f"make_region_index: {msg}")


def main():
    if len(sys.argv) != 3:
        fail("usage: make_region_index.py PACKAGE_DIR OUT_FILE")
    pkg, out = sys.argv[1], sys.argv[2]
    try:
        with open(os.path.join(pkg, "package.json"), encoding="utf-8") as f:
            meta = json.load(f)
    except OSError as e:
        fail(f"{e}; run scripts/install-deps.sh (npm ci in data/region)")
    units = {}  # code -> (letter, name)
    for letter, name, parent_field, shape in LEVELS:
        path = os.path.join(pkg, "data", name)
        with open(path, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                code, uname = row["code"].strip(), " ".join(row["name"].split())
                if not re.fullmatch(shape, code):
                    fail(f"{name}: malformed code {code!r}")
                if not uname or "\t" in uname:
                    fail(f"{name}: bad name for {code}")
                if parent_field:
                    parent = row[parent_field].strip()
                    if parent != code.rsplit(".", 1)[0] or parent not in units:
                        fail(f"{name}: {code} has no parent {parent!r}")
                if code in units:
                    fail(f"{name}: code {code} twice")
                units[code] = (letter, uname)
    counts = {l: sum(1 for v in units.values() if v[0] == l) for l, *_ in LEVELS}
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(f"# {meta['name']} {meta['version']} (ODbL; see the package's data/LICENSE.md)\n")
        f.write(f"# units P={counts['P']} R={counts['R']} D={counts['D']} V={counts['V']}\n")
        for code in sorted(units, key=lambda c: [int(p) for p in c.split(".")]):
            letter, uname = units[code]
            f.write(f"{letter} {code.rsplit('.', 1)[-1]} {uname}\n")
    os.replace(tmp, out)


if __name__ == "__main__":
    main()
