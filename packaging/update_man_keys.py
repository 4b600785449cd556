#!/usr/bin/env python3
"""Rewrites the configuration keys of packaging/lapor-gateway.8 from `lapor-gateway --help`,
between the `.\\" BEGIN KEYS` and `.\\" END KEYS` lines; the rest of the page is written by
hand. Run it after adding or changing a key (tests/package/test_package.py fails while a key
of --help is missing from the page):

    packaging/update_man_keys.py build/lapor-gateway
"""
import os
import re
import subprocess
import sys

PAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lapor-gateway.8")
SECTIONS = {"": "General", "web": "Public listener: web form and mobile API ([web])", "admin": "Admin listener ([admin])",
            "smpp": "SMS 1708 over SMPP 3.4 ([smpp])", "twitter": "X/Twitter mentions ([twitter])",
            "dispatcher": "Dispatcher ([dispatcher])", "mobile": "Mobile apps ([mobile])",
            "tracking": "Tracking IDs ([tracking])", "sla": "Service levels ([sla])", "store": "Store ([store])",
            "dedup": "Duplicates ([dedup])", "retention": "Retention of personal data ([retention])"}


def roff(s):
    s = s.replace("\\", "\\\\").replace("-", "\\-").replace("…", "\\&...")
    return "\\&" + s if s.startswith((".", "'")) else s


def keys_section(help_text):
    groups = {}
    for line in help_text.split("Config keys:\n", 1)[1].splitlines():
        m = re.match(r"^  (\S+)\s+(.+?): (.*)$", line)  # "  web.listen   host:port: public HTTP …"
        if m:
            key = m.group(1)
            groups.setdefault(key.split(".")[0] if "." in key else "", []).append(m.groups())
    out = []
    for sec, keys in groups.items():
        out.append('.SS "%s"' % SECTIONS.get(sec, "[%s]" % sec))
        for key, kind, text in keys:
            out += [".TP", ".B %s" % roff(key), "(%s)" % roff(kind), roff(text)]
    return "\n".join(out)


def main():
    help_text = subprocess.run([sys.argv[1], "--help"], capture_output=True, text=True, check=True).stdout
    page = open(PAGE).read()
    begin, end = '.\\" BEGIN KEYS\n', '.\\" END KEYS\n'
    head, rest = page.split(begin, 1)
    _, tail = rest.split(end, 1)
    open(PAGE, "w").write(head + begin + keys_section(help_text) + "\n" + end + tail)


if __name__ == "__main__":
    main()
