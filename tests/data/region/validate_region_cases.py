#!/usr/bin/env python3
"""Validate region_cases.jsonl against the idn-area-data 4.0.1 CSVs.

Usage:
    python3 validate_region_cases.py PATH_TO_EXTRACTED_PACKAGE [CASES_JSONL]

PATH_TO_EXTRACTED_PACKAGE is the directory produced by
    npm pack idn-area-data@4.0.1 && tar xzf idn-area-data-4.0.1.tgz
i.e. ".../package" (its "data/" sub-directory holds provinces.csv,
regencies.csv, districts.csv, villages.csv).  Passing ".../package/data"
directly also works.  CASES_JSONL defaults to region_cases.jsonl next to
this script.

Checks:
  * every line is a JSON object with exactly the expected fields and types;
  * ids are unique and shaped rNNNN;
  * split / channel / case values are from the allowed sets;
  * SMS and tweets carry no location field;
  * lat/lon are both null or both numbers inside Indonesia's bounding box;
  * expect.code is null together with expect.level, otherwise the code
    exists in the dataset and the level matches the code shape
    (NN = province, NN.NN = regency, NN.NN.NN = district,
    NN.NN.NN.NNNN = village);
  * within every case category the split alternates test/tune, so the two
    halves differ by at most one case;
  * every one of the 38 provinces has at least MIN_PER_PROVINCE cases.
Prints counts per category, per province and per split.  Exit status is 0
when everything passes, 1 otherwise.
"""
import csv
import json
import os
import re
import sys
from collections import Counter, OrderedDict

FIELDS = ["id", "split", "channel", "location", "title", "body", "lat", "lon",
          "expect", "case", "why"]
SPLITS = {"test", "tune", "tune2", "tune3", "holdout4", "tune4"}
CHANNELS = {"sms", "twitter", "web", "mobile"}
CASES = ["structured", "abbrev", "short_form", "spelling", "kab_vs_kota",
         "ambiguous_village", "regional_word", "hashtag_glued", "two_places",
         "text_only", "no_place", "field_vs_body", "geo"]
LEVEL_BY_PARTS = {1: "province", 2: "regency", 3: "district", 4: "village"}
SHAPE = {
    "province": re.compile(r"^\d{2}$"),
    "regency": re.compile(r"^\d{2}\.\d{2}$"),
    "district": re.compile(r"^\d{2}\.\d{2}\.\d{2}$"),
    "village": re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$"),
}
MIN_PER_PROVINCE = 8
MIN_TOTAL = 520
MIN_NO_PLACE = 30


def load_dataset(path):
    data_dir = path
    if not os.path.exists(os.path.join(data_dir, "provinces.csv")):
        data_dir = os.path.join(path, "data")
    names = {}
    files = {"province": "provinces.csv", "regency": "regencies.csv",
             "district": "districts.csv", "village": "villages.csv"}
    for level, fname in files.items():
        fpath = os.path.join(data_dir, fname)
        if not os.path.exists(fpath):
            sys.exit(f"cannot find {fpath}")
        with open(fpath, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                names[row["code"]] = (level, row["name"])
    return names


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    names = load_dataset(sys.argv[1])
    cases_path = (sys.argv[2] if len(sys.argv) > 2 else
                  os.path.join(os.path.dirname(os.path.abspath(__file__)),
                               "region_cases.jsonl"))
    provinces = OrderedDict(sorted((c, n) for c, (lvl, n) in names.items()
                                   if lvl == "province"))
    errors = []
    rows = []
    with open(cases_path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                errors.append(f"line {lineno}: empty line")
                continue
            try:
                rows.append((lineno, json.loads(line)))
            except json.JSONDecodeError as exc:
                errors.append(f"line {lineno}: invalid JSON ({exc})")

    seen = set()
    split_seq = {}
    per_case = Counter()
    per_prov = Counter()
    per_split = Counter()
    per_level = Counter()
    per_case_split = Counter()
    for lineno, r in rows:
        where = f"line {lineno} ({r.get('id', '?')})"
        if not isinstance(r, dict) or list(r.keys()) != FIELDS:
            errors.append(f"{where}: fields must be exactly {FIELDS}, got "
                          f"{list(r.keys()) if isinstance(r, dict) else type(r)}")
            continue
        rid = r["id"]
        if not isinstance(rid, str) or not re.fullmatch(r"r\d{4}", rid):
            errors.append(f"{where}: bad id {rid!r}")
        if rid in seen:
            errors.append(f"{where}: duplicate id {rid}")
        seen.add(rid)
        for f in ("location", "title", "body", "why"):
            if not isinstance(r[f], str):
                errors.append(f"{where}: {f} must be a string")
        if not r["body"].strip():
            errors.append(f"{where}: empty body")
        if not r["why"].strip():
            errors.append(f"{where}: empty why")
        if r["split"] not in SPLITS:
            errors.append(f"{where}: bad split {r['split']!r}")
        if r["channel"] not in CHANNELS:
            errors.append(f"{where}: bad channel {r['channel']!r}")
        if r["channel"] in ("sms", "twitter") and r["location"] != "":
            errors.append(f"{where}: {r['channel']} must have an empty location")
        if r["case"] not in CASES:
            errors.append(f"{where}: bad case {r['case']!r}")
        lat, lon = r["lat"], r["lon"]
        if (lat is None) != (lon is None):
            errors.append(f"{where}: lat/lon must be both null or both set")
        elif lat is not None:
            if not all(isinstance(v, (int, float)) for v in (lat, lon)):
                errors.append(f"{where}: lat/lon must be numbers")
            elif not (-11.5 <= lat <= 6.5 and 94.5 <= lon <= 141.5):
                errors.append(f"{where}: lat/lon outside Indonesia")
        exp = r["expect"]
        if not isinstance(exp, dict) or set(exp.keys()) != {"code", "level"}:
            errors.append(f"{where}: expect must be {{code, level}}")
            continue
        code, level = exp["code"], exp["level"]
        if code is None or level is None:
            if not (code is None and level is None):
                errors.append(f"{where}: code and level must be null together")
            per_prov["null"] += 1
        else:
            if level not in SHAPE:
                errors.append(f"{where}: bad level {level!r}")
            elif not SHAPE[level].match(code):
                errors.append(f"{where}: code {code!r} does not have the shape of a {level}")
            elif LEVEL_BY_PARTS[len(code.split('.'))] != level:
                errors.append(f"{where}: level {level} does not match code {code}")
            if code not in names:
                errors.append(f"{where}: code {code} not in idn-area-data")
            elif names[code][0] != level:
                errors.append(f"{where}: code {code} is a {names[code][0]}, not a {level}")
            per_prov[code[:2]] += 1
        per_level[level] += 1
        per_case[r["case"]] += 1
        per_split[r["split"]] += 1
        per_case_split[(r["case"], r["split"])] += 1
        seq = split_seq.setdefault(r["case"], [])
        expected_split = "test" if len(seq) % 2 == 0 else "tune"
        if r["split"] != expected_split:
            errors.append(f"{where}: split should alternate within '{r['case']}'"
                          f" (expected {expected_split})")
        seq.append(r["split"])

    total = len(rows)
    if total < MIN_TOTAL:
        errors.append(f"only {total} cases (< {MIN_TOTAL})")
    if per_case["no_place"] < MIN_NO_PLACE:
        errors.append(f"only {per_case['no_place']} no_place cases (< {MIN_NO_PLACE})")
    for c in CASES:
        if per_case[c] == 0:
            errors.append(f"category {c} has no cases")
        t, u = per_case_split[(c, "test")], per_case_split[(c, "tune")]
        if abs(t - u) > 1:
            errors.append(f"category {c}: test={t} tune={u} not balanced")
    for pc, pname in provinces.items():
        if per_prov[pc] < MIN_PER_PROVINCE:
            errors.append(f"province {pc} {pname}: only {per_prov[pc]} cases")

    print(f"file: {cases_path}")
    print(f"total cases: {total}  (test={per_split['test']}, tune={per_split['tune']})")
    print("\nper category (test/tune):")
    for c in CASES:
        print(f"  {c:18s} {per_case[c]:4d}  ({per_case_split[(c, 'test')]}/"
              f"{per_case_split[(c, 'tune')]})")
    print("\nper expected level:")
    for lvl in ("province", "regency", "district", "village", None):
        print(f"  {str(lvl):9s} {per_level[lvl]:4d}")
    print("\nper province (by expected code):")
    for pc, pname in provinces.items():
        print(f"  {pc} {pname:35s} {per_prov[pc]:4d}")
    print(f"  -- {'null (no certain place)':35s} {per_prov['null']:4d}")
    covered = sum(1 for pc in provinces if per_prov[pc] > 0)
    print(f"\nprovinces covered: {covered}/{len(provinces)}")
    if errors:
        print(f"\n{len(errors)} ERROR(S):")
        for e in errors:
            print("  " + e)
        sys.exit(1)
    print("\nOK: all checks passed")


if __name__ == "__main__":
    main()
