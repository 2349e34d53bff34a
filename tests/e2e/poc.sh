#!/bin/sh
# poc.sh - the custodian's view of the points of contact through the real
# binary: "poc list" in text (aligned, untrusted text masked and bounded),
# CSV (RFC 4180, read back whole by Python's csv) and JSON (read back by
# Python's json), filtered by State and type, withdrawn POCs only with
# --all; "poc show ID"; "state list" with each State's count of POCs. The
# mail path is not wired to the store yet, so the POCs are written with the
# sqlite3 tool, hostile text included (commas, quotes, new lines, control
# and bidi-override characters, Chinese).
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/r"
write_config "$T/r/pocbot.conf" "$(free_port)"
DB="$T/r/var/pocbot.db"

not_said() { ! grep -q -- "$1" "$OUT" || { echo "    \"$1\" in:" >&2; sed 's/^/    | /' "$OUT" >&2; return 1; }; }
lines() { [ "$(wc -l < "$OUT")" -eq "$1" ] || { echo "    $(wc -l < "$OUT") lines, wanted $1:" >&2; sed 's/^/    | /' "$OUT" >&2; return 1; }; }

ok "db migrate makes the robot" pocbot 0 db migrate
ok "state add France" pocbot 0 state add FR
ok "state add Germany" pocbot 0 state add DE
ok "state add Japan" pocbot 0 state add JP

# FR-T-1 hostile, FR-T-2 withdrawn, FR-D-1 plain, DE-L-1 Chinese; counters as the robot keeps them.
sqlite3 "$DB" <<'EOF' || echo "    seeding failed" >&2
INSERT INTO pocs (id, state, type, number, organisation, web, name, position, notes, status, version,
	created, updated, withdrawn_reason) VALUES
 ('FR-T-1', 'FR', 'technical', 1, 'CERT-FR, "national"', 'https://cert.example.fr/', 'Jeanne ' || char(8238) || 'Dupont',
  NULL, 'line one' || char(10) || 'line, "two"' || char(1), 'active', 3, 1700000000, 1700086400, NULL),
 ('FR-T-2', 'FR', 'technical', 2, 'Old SOC', NULL, NULL, NULL, NULL, 'withdrawn', 2, 1700000000, 1700000100,
  'merged into CERT-FR'),
 ('FR-D-1', 'FR', 'diplomatic', 1, 'Ministère de l''Europe et des Affaires étrangères', NULL, NULL,
  'Conseiller cyber', NULL, 'pending', 1, 1700000000, 1700000000, NULL),
 ('DE-L-1', 'DE', 'law-enforcement', 1, '联邦刑事警察局', NULL, NULL, NULL, NULL, 'unverified', 1,
  1700000000, 1700000000, NULL);
INSERT INTO poc_emails (poc, position, address) VALUES ('FR-T-1', 0, 'cert@example.fr'),
 ('FR-T-1', 1, 'soc@example.fr'), ('FR-T-2', 0, 'old@example.fr'), ('FR-D-1', 0, 'cyber@example.fr'),
 ('DE-L-1', 0, 'bka@example.de');
INSERT INTO poc_phones (poc, position, written, e164) VALUES ('FR-T-1', 0, '+33 1 23 45 67 89', '+33123456789'),
 ('FR-T-1', 1, '01 23; ext. 4', NULL), ('FR-T-2', 0, '+33 9', NULL), ('FR-D-1', 0, '+33 1 00', '+33100'),
 ('DE-L-1', 0, '+49 611 55-0', '+496115550');
INSERT INTO poc_languages (poc, position, code) VALUES ('FR-T-1', 0, 'fr'), ('FR-T-1', 1, 'en'),
 ('DE-L-1', 0, 'de');
INSERT INTO poc_counters (state, type, next) VALUES ('FR', 'technical', 3), ('FR', 'diplomatic', 2),
 ('DE', 'law-enforcement', 2);
EOF
ok "the seeded rows pass the table's checks" [ "$(sqlite3 "$DB" 'select count(*) from pocs')" -eq 4 ]
ok "an identifier that does not match its State, type and number is refused by the table" \
	sh -c "! sqlite3 '$DB' \"insert into pocs (id, state, type, number, organisation, status, version, created, updated)
		values ('FR-P-1', 'FR', 'technical', 1, 'x', 'pending', 1, 0, 0)\" 2>/dev/null"

# --- text ---
ok "poc list: exit 0" pocbot 0 poc list
ok "a header and the three POCs that are not withdrawn" lines 4
ok "the header names the columns" said '^ID  *STATE  *TYPE  *STATUS  *VERSION  *ORGANISATION  *E-MAIL$'
ok "by State, then type, then number" [ "$(cut -d' ' -f1 "$OUT" | tr '\n' ' ')" = "ID DE-L-1 FR-D-1 FR-T-1 " ]
ok "the withdrawn FR-T-2 is not listed" not_said 'FR-T-2'
ok "both addresses of FR-T-1" said 'cert@example.fr, soc@example.fr'
ok "columns aligned on a terminal (Chinese characters two columns wide)" python3 - "$OUT" <<'EOF'
import sys, unicodedata
def cols(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
rows = open(sys.argv[1], encoding="utf-8").read().splitlines()
head = rows[0]
for title in ("ORGANISATION", "E-MAIL"):
    at = head.index(title)
    for r in rows[1:]:
        # the cell starts at the title's column, counted in display width
        w = 0
        for i, c in enumerate(r):
            if w == at:
                assert r[i - 2:i] == "  " and c != " ", (title, r)
                break
            w += cols(c)
        else:
            raise AssertionError((title, r))
EOF
ok "a long organisation is cut with ..." said "Ministère de l'Europe et des Affaires ét\.\.\."
ok "poc list --all: exit 0" pocbot 0 poc list --all
ok "with --all the withdrawn POC shows, marked" said '^FR-T-2  *FR  *technical  *withdrawn '
ok "poc list --state Allemagne (a name, French)" pocbot 0 poc list --state Allemagne
ok "only Germany's" [ "$(cut -d' ' -f1 "$OUT" | tr '\n' ' ')" = "ID DE-L-1 " ]
ok "poc list --state FR --type technical --all" pocbot 0 poc list --state FR --type technical --all
ok "FR-T-1 and FR-T-2" [ "$(cut -d' ' -f1 "$OUT" | tr '\n' ' ')" = "ID FR-T-1 FR-T-2 " ]
ok "poc list --type 'law enforcement'" pocbot 0 poc list --type 'law enforcement'
ok "DE-L-1 alone" [ "$(cut -d' ' -f1 "$OUT" | tr '\n' ' ')" = "ID DE-L-1 " ]
ok "poc list --state JP: none" pocbot 0 poc list --state JP
ok "it says so" said '^no points of contact$'
ok "poc list --state Atlantis: exit 65" pocbot 65 poc list --state Atlantis
ok "poc list --type spy: exit 64" pocbot 64 poc list --type spy
ok "poc list --format xml: exit 64" pocbot 64 poc list --format xml
ok "poc frobnicate: exit 64" pocbot 64 poc frobnicate
ok "poc list extra: exit 64" pocbot 64 poc list extra

# --- CSV ---
ok "poc list --format csv --all: exit 0" pocbot 0 poc list --format csv --all
ok "CSV lines end in CRLF" python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); assert d.endswith(b"\r\n") and d.count(b"\r\n") >= 5' "$OUT"
ok "CSV read back whole: header, rows, hostile values exact" python3 - "$OUT" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8", newline="")))
assert [r["id"] for r in rows] == ["DE-L-1", "FR-D-1", "FR-T-1", "FR-T-2"], rows
t1 = rows[2]
assert t1["organisation"] == 'CERT-FR, "national"', t1
assert t1["notes"] == 'line one\nline, "two"\x01', t1
assert t1["name"] == "Jeanne \u202eDupont", t1
assert t1["emails"] == "cert@example.fr; soc@example.fr", t1
assert t1["phones"] == "+33 1 23 45 67 89; 01 23; ext. 4", t1
assert t1["languages"] == "fr; en", t1
assert t1["status"] == "active" and t1["version"] == "3", t1
assert t1["created"] == "2023-11-14T22:13:20Z" and t1["updated"] == "2023-11-15T22:13:20Z", t1
assert rows[3]["withdrawn_reason"] == "merged into CERT-FR", rows[3]
assert rows[0]["organisation"] == "联邦刑事警察局" and rows[0]["type"] == "law-enforcement", rows[0]
assert rows[1]["organisation"] == "Ministère de l'Europe et des Affaires étrangères", rows[1]
EOF
ok "poc list --format csv --state JP: the header alone" pocbot 0 poc list --format csv --state JP
ok "one line" lines 1

# --- JSON ---
ok "poc list --format json: exit 0" pocbot 0 poc list --format json
ok "JSON read back: an array of objects, values exact" python3 - "$OUT" <<'EOF'
import json, sys
a = json.load(open(sys.argv[1], encoding="utf-8"))
assert isinstance(a, list) and [p["id"] for p in a] == ["DE-L-1", "FR-D-1", "FR-T-1"], a
t1 = a[2]
assert t1["organisation"] == 'CERT-FR, "national"'
assert t1["notes"] == 'line one\nline, "two"\x01'
assert t1["emails"] == ["cert@example.fr", "soc@example.fr"]
assert t1["phones"] == [{"written": "+33 1 23 45 67 89", "e164": "+33123456789"},
                        {"written": "01 23; ext. 4", "e164": None}], t1["phones"]
assert t1["languages"] == ["fr", "en"] and t1["position"] is None
assert t1["status"] == "active" and t1["version"] == 3 and t1["withdrawn_reason"] is None
assert a[0]["organisation"] == "联邦刑事警察局"
EOF
ok "no raw control character in the JSON" python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); assert not any(b < 32 and b != 10 for b in d)' "$OUT"
ok "poc list --format json --state JP: []" pocbot 0 poc list --format json --state JP
ok "an empty array" [ "$(cat "$OUT")" = "[]" ]

# --- show ---
ok "poc show FR-T-1: exit 0" pocbot 0 poc show FR-T-1
ok "its identifier and State" said '^id  *FR-T-1$'
ok "the State's name" said '^state  *FR France$'
ok "its type, status and version" sh -c "grep -q '^type  *technical$' '$OUT' && grep -q '^status  *active$' '$OUT' && grep -q '^version  *3$' '$OUT'"
ok "every address, one a line" sh -c "grep -q '^e-mail  *cert@example.fr$' '$OUT' && grep -q '^e-mail  *soc@example.fr$' '$OUT'"
ok "phones as written, with E.164 where known" sh -c "grep -q '^phone  *+33 1 23 45 67 89 (E.164 +33123456789)$' '$OUT' && grep -q '^phone  *01 23; ext. 4$' '$OUT'"
ok "languages" sh -c "grep -q '^language  *fr$' '$OUT' && grep -q '^language  *en$' '$OUT'"
ok "the dates" sh -c "grep -q '^created  *2023-11-14T22:13:20Z$' '$OUT' && grep -q '^updated  *2023-11-15T22:13:20Z$' '$OUT'"
ok "a field not given shows as -" said '^position  *-$'
ok "control characters and the bidi override masked, notes on one line" said '^notes  *line one?line, "two"?$'
ok "the name with its override masked" said '^name  *Jeanne ?Dupont$'
ok "no raw control or bidi-override character on the terminal" python3 -c '
import sys; d=open(sys.argv[1],encoding="utf-8").read()
assert not any((ord(c) < 32 and c != "\n") or c == "\u202e" for c in d)' "$OUT"
ok "poc show fr-t-2 (any case): exit 0" pocbot 0 poc show fr-t-2
ok "a withdrawn POC shows its reason" said '^withdrawn  *merged into CERT-FR$'
ok "poc show FR-T-9: exit 65" pocbot 65 poc show FR-T-9
ok "it says there is no such POC" grep -q 'no POC FR-T-9' "$OUT.err"
ok "poc show with no ID: exit 64" pocbot 64 poc show
ok "poc show with --all: exit 64" pocbot 64 poc show FR-T-1 --all

# --- state list ---
ok "state list: exit 0" pocbot 0 state list
ok "counts without the withdrawn POC" [ "$(cat "$OUT")" = "DE Germany (1 POC)
FR France (2 POCs)
JP Japan (0 POCs)" ]
finish
