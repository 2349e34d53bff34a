#!/usr/bin/env python3
"""directory-check.py - the directory as the robot writes it (an answer
to LOOKUP or EXTRACT, or 'pocbot export') read back with real readers
(csv, json, python3-vobject) and compared, field by field, with the
database (tests/e2e/lookups.sh, tests/e2e/export.sh).

  directory-check.py FORMAT FILE DB [--type TYPE]... [STATE...]

FORMAT is csv, json, vcard or text (the listing of the text part or of
directory.txt, in English). The POCs expected are those of the database
that are not withdrawn, of the States given (all when none) and of the
types given (all when none), in the robot's order. The text listing must
also give, for each POC, when it last answered a ping and how fast, as
the pings table says.
"""
import csv
import datetime
import json
import re
import sqlite3
import sys

args = sys.argv[1:]
fmt, path, db = args[0], args[1], args[2]
types, states = [], []
rest = args[3:]
while rest:
    a = rest.pop(0)
    if a == "--type":
        types.append(rest.pop(0))
    else:
        states.append(a)
con = sqlite3.connect(db)
NAMES = {"FR": "France", "DE": "Germany", "EG": "Egypt", "JP": "Japan"}
TYPES = {"diplomatic": "diplomatic", "technical": "technical", "policy": "policy",
         "law-enforcement": "law enforcement"}
LANGS = {"fr": "French", "en": "English", "de": "German", "ar": "Arabic"}
order = "CASE type WHEN 'diplomatic' THEN 0 WHEN 'technical' THEN 1 WHEN 'policy' THEN 2 ELSE 3 END"
want = []
for row in con.execute("SELECT id, state, type, status, organisation, web, name, position, notes, updated "
                       "FROM pocs WHERE status <> 'withdrawn' ORDER BY state, " + order + ", number"):
    p = dict(zip(("id", "state", "type", "status", "organisation", "web", "name", "position", "notes",
                  "updated"), row))
    if (states and p["state"] not in states) or (types and p["type"] not in types):
        continue
    q = lambda sql: [r for r in con.execute(sql, (p["id"],))]
    p["emails"] = [r[0] for r in q("SELECT address FROM poc_emails WHERE poc = ? ORDER BY position")]
    p["phones"] = [(r[0], r[1] or "") for r in q("SELECT written, e164 FROM poc_phones WHERE poc = ? ORDER BY position")]
    p["languages"] = [r[0] for r in q("SELECT code FROM poc_languages WHERE poc = ? ORDER BY position")]
    p["ping"] = q("SELECT answered, answer_seconds FROM pings WHERE poc = ? AND answered IS NOT NULL "
                  "ORDER BY answered DESC LIMIT 1")
    p["updated"] = datetime.datetime.fromtimestamp(p["updated"], datetime.timezone.utc)
    want.append(p)
assert want, "nothing to compare"
iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
if fmt == "text":
    text = open(path, encoding="utf-8").read()
    blocks = {}
    cur = None
    for line in text.split("\n"):
        if re.fullmatch(r"[A-Z]{2}-[DTPL]-[0-9]+", line):
            cur = line.strip()
            blocks[cur] = {}
        elif cur and line.startswith("  ") and ": " in line:
            k, v = line.strip().split(": ", 1)
            blocks[cur][k] = v
        elif not line.strip():
            cur = None
    assert list(blocks) == [p["id"] for p in want], (list(blocks), [p["id"] for p in want])
    for p in want:
        b = blocks[p["id"]]
        assert b["State"] == NAMES[p["state"]], b
        assert b["POC type"] == TYPES[p["type"]], b
        assert b["Status"].split(" ")[0] == p["status"], b
        assert b["Organisation"] == p["organisation"], b
        assert b.get("Web page") == p["web"], b
        assert b["E-mail"] == ", ".join(p["emails"]), b
        assert b.get("Phone", "") == ", ".join(w for w, e in p["phones"]), b
        assert b.get("Languages", "") == ", ".join(LANGS[c] for c in p["languages"]), b
        if p["ping"]:
            at, secs = p["ping"][0]
            when = iso(datetime.datetime.fromtimestamp(at, datetime.timezone.utc))
            after = "%d:%02d:%02d" % (secs // 3600, secs // 60 % 60, secs % 60)
            assert b["Last answered a ping"] == "%s (answered in %s)" % (when, after), b
        else:
            assert b["Last answered a ping"] == "never", b
elif fmt == "csv":
    raw = open(path, "rb").read()
    assert raw.count(b"\r\n") >= len(want) + 1 and raw.endswith(b"\r\n")
    rows = list(csv.DictReader(open(path, encoding="utf-8", newline="")))
    assert [r["id"] for r in rows] == [p["id"] for p in want], ([r["id"] for r in rows], want)
    for r, p in zip(rows, want):
        for k in ("id", "state", "type", "status", "organisation"):
            assert r[k] == p[k], (k, r, p)
        for k in ("web", "name", "position", "notes"):
            assert r[k] == (p[k] or ""), (k, r, p)
        assert r["state_name"] == NAMES[p["state"]], r
        assert r["emails"] == "; ".join(p["emails"]), r
        assert r["phones"] == "; ".join(w for w, e in p["phones"]), r
        assert r["phones_e164"] == "; ".join(e for w, e in p["phones"]), r
        assert r["languages"] == "; ".join(p["languages"]), r
        assert r["updated"] == iso(p["updated"]), r
elif fmt == "json":
    rows = json.load(open(path, encoding="utf-8"))
    assert [r["id"] for r in rows] == [p["id"] for p in want], rows
    for r, p in zip(rows, want):
        for k in ("id", "state", "type", "status", "organisation", "web", "name", "position", "notes"):
            assert r[k] == p[k], (k, r, p)
        assert r["state_name"] == NAMES[p["state"]], r
        assert r["emails"] == p["emails"] and r["languages"] == p["languages"], r
        assert [(x["written"], x["e164"] or "") for x in r["phones"]] == p["phones"], r
        assert r["updated"] == iso(p["updated"]), r
elif fmt == "vcard":
    import vobject
    text = open(path, encoding="utf-8", newline="").read()
    assert all(len(l.encode()) <= 75 for l in text.split("\r\n")), "a line past 75 octets"
    cards = list(vobject.readComponents(text))
    assert len(cards) == len(want), (len(cards), len(want))
    one = lambda c, k: c.contents[k][0].value if k in c.contents else None
    for c, p in zip(cards, want):
        assert one(c, "version") == "4.0"
        assert one(c, "x-pocbot-id") == p["id"] and one(c, "x-pocbot-state") == p["state"], c
        assert one(c, "x-pocbot-type") == p["type"] and one(c, "x-pocbot-status") == p["status"], c
        assert one(c, "org") == [p["organisation"]], (one(c, "org"), p)
        assert one(c, "fn") == (p["name"] or p["organisation"]), c
        assert one(c, "title") == p["position"], c
        assert one(c, "url") == p["web"], c
        assert [e.value for e in c.contents.get("email", [])] == p["emails"], c
        assert [l.value for l in c.contents.get("lang", [])] == p["languages"], c
        tels = [(t.value, t.params.get("VALUE")) for t in c.contents.get("tel", [])]
        assert tels == [("tel:" + e, ["uri"]) if e else (w, ["text"]) for w, e in p["phones"]], tels
        assert one(c, "categories") == [p["type"].replace("-", " ")], one(c, "categories")
        note = "%s (%s), %s" % (NAMES[p["state"]], p["state"], p["id"]) + ("\n" + p["notes"] if p["notes"] else "")
        assert one(c, "note") == note, (one(c, "note"), note)
        assert one(c, "rev") == p["updated"].strftime("%Y%m%dT%H%M%SZ"), c
else:
    sys.exit("unknown format " + fmt)
print("    %d POCs checked (%s)" % (len(want), fmt))
