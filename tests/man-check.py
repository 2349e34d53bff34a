#!/usr/bin/env python3
"""man-check.py - the man pages say what the code does.

  man-check.py conf POCBOT CONFIG_C PAGE
      Every key of the configuration table (CONFIG_C) is in PAGE (pocbot.conf.5) under its
      group, with the default `POCBOT config` prints on an empty file, and its unit named;
      and PAGE has no key the table lacks.
  man-check.py cmd POCBOT PAGE SOURCES...
      Every command and action `POCBOT help` lists is in PAGE (pocbot.8), and every sysexits
      code the SOURCES use is under its EXIT STATUS.
Prints what is wrong and exits 1; exits 0 when all holds."""
import os
import re
import subprocess
import sys
import tempfile

EX = {"EX_OK": 0, "EX_USAGE": 64, "EX_DATAERR": 65, "EX_NOINPUT": 66, "EX_NOUSER": 67,
      "EX_NOHOST": 68, "EX_UNAVAILABLE": 69, "EX_SOFTWARE": 70, "EX_OSERR": 71, "EX_OSFILE": 72,
      "EX_CANTCREAT": 73, "EX_IOERR": 74, "EX_TEMPFAIL": 75, "EX_PROTOCOL": 76, "EX_NOPERM": 77,
      "EX_CONFIG": 78}
UNITS = {"K_DURATION": "duration", "K_DURATIONS": "duration", "K_SIZE": "bytes",
         "K_COUNT": "count", "K_BOOL": "boolean", "K_PATH": "path", "K_ADDRESS": "address",
         "K_DOMAIN": "domain"}


def plain(roff):
    return re.sub(r"\\f[BIRP]|\\&", "", roff).replace("\\-", "-").replace("\\e", "\\")


def seconds(v):
    m = re.fullmatch(r"(\d+)([smhd]?)", v.strip())
    return int(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)] if m else v


def norm(value, kind):
    if kind in ("K_DURATION", "K_DURATIONS"):
        return [seconds(x) for x in value.split(",") if x.strip()]
    return value


def page_keys(path):
    """(group, key) -> (default or None, text of its entry)."""
    keys, group, key = {}, None, None
    lines = open(path, encoding="utf-8").read().split("\n")
    for i, line in enumerate(lines):
        if line.startswith(".SH"):
            group = key = None
        elif line.startswith(".SS ["):
            group, key = line[5:].rstrip("]"), None
        elif group and line == ".TP" and i + 1 < len(lines) and lines[i + 1].startswith(".B "):
            key = plain(lines[i + 1][3:]).strip()
            keys[(group, key)] = [None, ""]
        elif group and key and not line.startswith(".B " + key):
            keys[(group, key)][1] += " " + plain(line)
            m = re.match(r"Default: (none|\\fB(.*?)\\fR)", line)
            if m:
                keys[(group, key)][0] = "" if m.group(1) == "none" else plain(m.group(2))
    return keys


def check_conf(pocbot, config_c, page):
    table = re.findall(r'\{ "(\w+)", "(\w+)", (K_\w+), AT\(', open(config_c).read())
    with tempfile.TemporaryDirectory() as d:
        empty = os.path.join(d, "empty.conf")
        open(empty, "w").close()
        dump = subprocess.run([os.path.abspath(pocbot), "-c", empty, "config"], cwd=d,
                              capture_output=True, text=True, check=True).stdout
        dump = dump.replace(os.path.realpath(d) + "/", "").replace(d + "/", "")
    defaults, group = {}, None
    for line in dump.splitlines():
        if line.startswith("["):
            group = line.strip("[]")
        elif " = " in line or line.endswith(" ="):
            k, _, v = line.partition(" =")
            defaults[(group, k)] = v.strip()
    documented = page_keys(page)
    bad = []
    for group, key, kind in table:
        entry = documented.pop((group, key), None)
        if entry is None:
            bad.append("[%s] %s is not in %s" % (group, key, page))
        elif entry[0] is None:
            bad.append("[%s] %s: no 'Default:' line in %s" % (group, key, page))
        elif norm(entry[0], kind) != norm(defaults[(group, key)], kind):
            bad.append("[%s] %s: the page says the default is %r, pocbot config says %r"
                       % (group, key, entry[0], defaults[(group, key)]))
        elif UNITS.get(kind, "") not in entry[1]:
            bad.append("[%s] %s: the page does not name its unit (%s)" % (group, key, UNITS[kind]))
    for group, key in documented:
        bad.append("[%s] %s is in %s but not in the configuration table" % (group, key, page))
    return bad


def check_cmd(pocbot, page, sources):
    text = plain(open(page, encoding="utf-8").read())
    bad = []
    usage = subprocess.run([pocbot, "help"], capture_output=True, text=True, check=True).stdout
    for name, action in re.findall(r"^  pocbot ([a-z-]+) ?([a-z-]*)", usage, re.M):
        words = (name + " " + action).strip()
        if not re.search(r"^\.B %s\b" % re.escape(words), text, re.M):
            bad.append("'pocbot %s' has no entry (.B %s) in %s" % (words, words, page))
    status = re.split(r'^\.SH "?EXIT STATUS"?$', text, flags=re.M)[-1].partition(".SH ")[0]
    used = set()
    for src in sources:
        used |= set(re.findall(r"\b(EX_[A-Z]+)\b", open(src, encoding="utf-8").read()))
    for name in sorted(used):
        if name in EX and not re.search(r"^\.B %d\b" % EX[name], status, re.M):
            bad.append("%s (%d) is used in the code but not under EXIT STATUS in %s"
                       % (name, EX[name], page))
    return bad


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "conf":
        problems = check_conf(*sys.argv[2:])
    elif len(sys.argv) >= 4 and sys.argv[1] == "cmd":
        problems = check_cmd(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(64)
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)
