#!/usr/bin/env python3
"""Validate labelled duplicate-detection case files (JSON Lines).

Usage: python3 validate_cases.py FILE.jsonl [FILE.jsonl ...]

Each line must be one JSON object:
  {"id", "split": "test"|"tune", "case", "label": "duplicate"|"distinct"|"related",
   "a": REPORT, "b": REPORT, "links": [[ident, ident], ...], "why"}
  REPORT = {"channel": "sms"|"twitter"|"web"|"mobile", "phone": str|null,
            "email": str|null, "twitter": str|null, "title": str, "body": str,
            "location": str, "day": int >= 0}   (a.day must be 0)

Hard errors (exit status 1): unparsable lines, missing or mistyped fields,
duplicate ids (across all files given), invalid label/split/channel, bad days.
Warnings (reported, exit status unaffected): channel/identity mismatches,
e.g. an SMS without a phone or a tweet without a handle.
Prints counts per label, category, split, category x split, and channel pair.
"""
import json
import sys
from collections import Counter

LABELS = {"duplicate", "distinct", "related"}
SPLITS = {"test", "tune", "c_test", "c_tune", "d_test", "d_tune", "e_test", "e_tune", "f_test", "f_tune",
          "g_test", "g_tune", "h_test", "h_tune", "i_test", "i_tune",
          "j_test", "j_tune"}  # c_..j_: cases_c..j.jsonl (README-c.md .. README-j.md)
CHANNELS = {"sms", "twitter", "web", "mobile"}
TOP_FIELDS = {"id": str, "split": str, "case": str, "label": str,
              "a": dict, "b": dict, "links": list, "why": str}
REPORT_FIELDS = {"channel": (str,), "phone": (str, type(None)),
                 "email": (str, type(None)), "twitter": (str, type(None)),
                 "title": (str,), "body": (str,), "location": (str,), "day": (int,)}
LINK_PREFIXES = ("phone:", "email:", "twitter:")


def check_report(r, where, errors, warnings):
    if not isinstance(r, dict):
        errors.append("%s: not an object" % where)
        return
    for f, types in REPORT_FIELDS.items():
        if f not in r:
            errors.append("%s: missing field %r" % (where, f))
        elif isinstance(r[f], bool) or not isinstance(r[f], types):
            errors.append("%s: field %r has type %s" % (where, f, type(r[f]).__name__))
    extra = set(r) - set(REPORT_FIELDS)
    if extra:
        warnings.append("%s: unexpected fields %s" % (where, sorted(extra)))
    ch = r.get("channel")
    if ch not in CHANNELS:
        errors.append("%s: invalid channel %r" % (where, ch))
    day = r.get("day")
    if isinstance(day, int) and not isinstance(day, bool) and day < 0:
        errors.append("%s: day %d < 0" % (where, day))
    if isinstance(r.get("body"), str) and not r["body"].strip():
        errors.append("%s: empty body" % where)
    if ch == "sms":
        if not r.get("phone"):
            warnings.append("%s: sms without phone" % where)
        if r.get("email") or r.get("twitter"):
            warnings.append("%s: sms with email/twitter" % where)
    elif ch == "twitter":
        if not r.get("twitter"):
            warnings.append("%s: tweet without handle" % where)
        elif not r["twitter"].startswith("@"):
            warnings.append("%s: handle without '@'" % where)
        if r.get("phone") or r.get("email"):
            warnings.append("%s: tweet with phone/email" % where)
    elif ch in ("web", "mobile"):
        if r.get("twitter"):
            warnings.append("%s: %s report with twitter handle" % (where, ch))


def validate(paths):
    errors, warnings = [], []
    ids = {}
    rows = []
    for path in paths:
        try:
            fh = open(path, encoding="utf-8")
        except OSError as e:
            errors.append("%s: cannot open: %s" % (path, e))
            continue
        with fh:
            for n, line in enumerate(fh, 1):
                where = "%s:%d" % (path, n)
                if not line.strip():
                    warnings.append("%s: blank line" % where)
                    continue
                try:
                    o = json.loads(line)
                except ValueError as e:
                    errors.append("%s: JSON error: %s" % (where, e))
                    continue
                if not isinstance(o, dict):
                    errors.append("%s: not an object" % where)
                    continue
                ok = True
                for f, t in TOP_FIELDS.items():
                    if f not in o:
                        errors.append("%s: missing field %r" % (where, f))
                        ok = False
                    elif not isinstance(o[f], t):
                        errors.append("%s: field %r has type %s" % (where, f, type(o[f]).__name__))
                        ok = False
                extra = set(o) - set(TOP_FIELDS)
                if extra:
                    warnings.append("%s: unexpected fields %s" % (where, sorted(extra)))
                if not ok:
                    continue
                where = "%s (%s)" % (where, o["id"])
                if o["id"] in ids:
                    errors.append("%s: duplicate id, first at %s" % (where, ids[o["id"]]))
                else:
                    ids[o["id"]] = "%s:%d" % (path, n)
                if o["label"] not in LABELS:
                    errors.append("%s: invalid label %r" % (where, o["label"]))
                if o["split"] not in SPLITS:
                    errors.append("%s: invalid split %r" % (where, o["split"]))
                if not o["case"].strip():
                    errors.append("%s: empty case" % where)
                if not o["why"].strip():
                    warnings.append("%s: empty why" % where)
                check_report(o["a"], where + " a", errors, warnings)
                check_report(o["b"], where + " b", errors, warnings)
                if o["a"].get("day") != 0:
                    errors.append("%s: a.day must be 0, got %r" % (where, o["a"].get("day")))
                for link in o["links"]:
                    if (not isinstance(link, list) or len(link) != 2
                            or not all(isinstance(x, str) for x in link)):
                        errors.append("%s: bad link %r" % (where, link))
                    elif not all(x.startswith(LINK_PREFIXES) for x in link):
                        warnings.append("%s: link without phone:/email:/twitter: prefix %r" % (where, link))
                rows.append(o)
    return rows, errors, warnings


def show(title, counter, by_key=False):
    print("\n%s:" % title)
    width = max([len(str(k)) for k in counter] + [4])
    order = (lambda kv: str(kv[0])) if by_key else (lambda kv: (-kv[1], str(kv[0])))
    for k, v in sorted(counter.items(), key=order):
        print("  %-*s %5d" % (width, k, v))


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    rows, errors, warnings = validate(argv[1:])
    for w in warnings:
        print("WARNING", w)
    for e in errors:
        print("ERROR", e)
    print("\n%d cases in %d file(s); %d error(s), %d warning(s)"
          % (len(rows), len(argv) - 1, len(errors), len(warnings)))
    if rows:
        total = len(rows)
        lab = Counter(o["label"] for o in rows)
        print("\nper label:")
        for k in sorted(lab):
            print("  %-10s %5d  (%.1f%%)" % (k, lab[k], 100.0 * lab[k] / total))
        show("per category", Counter(o["case"] for o in rows))
        show("per split", Counter(o["split"] for o in rows))
        show("per category x split", Counter("%s / %s" % (o["case"], o["split"]) for o in rows), by_key=True)
        show("per label x split", Counter("%s / %s" % (o["label"], o["split"]) for o in rows), by_key=True)
        show("per channel pair (a -> b)",
             Counter("%s -> %s" % (o["a"].get("channel"), o["b"].get("channel")) for o in rows))
        show("per channel pair (unordered)",
             Counter(" + ".join(sorted([str(o["a"].get("channel")), str(o["b"].get("channel"))])) for o in rows))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
