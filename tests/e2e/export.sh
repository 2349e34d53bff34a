#!/bin/sh
# export.sh - "pocbot export", the custodian's extract of the directory,
# through the real binary: POCs written with the sqlite3 tool the way
# poc.sh does (hostile text included), exported as CSV (read back by
# Python's csv), JSON (Python's json) and vCard 4.0 (python3-vobject's
# readComponents), every field checked against the database; withdrawn
# POCs left out; --state filters (repeatable, names accepted); -o writes
# the file whole; bad options refused. Then 2,000 POCs seeded in one
# transaction and exported in the three formats: time and peak RSS are
# printed, not asserted.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/r"
write_config "$T/r/pocbot.conf" "$(free_port)"
DB="$T/r/var/pocbot.db"
# python3-vobject is a Debian package: Debian's python3 has it.
PY=python3
/usr/bin/python3 -c 'import vobject' 2>/dev/null && PY=/usr/bin/python3


ok "db migrate makes the robot" pocbot 0 db migrate
ok "state add France" pocbot 0 state add FR
ok "state add Germany" pocbot 0 state add DE
ok "state add Egypt" pocbot 0 state add EG

sqlite3 "$DB" <<'EOF' || echo "    seeding failed" >&2
INSERT INTO pocs (id, state, type, number, organisation, web, name, position, notes, status, version,
	created, updated, withdrawn_reason) VALUES
 ('FR-T-1', 'FR', 'technical', 1, 'CERT-FR, "national"; a\b', 'https://cert.example.fr/', 'Jeanne Dupont',
  'Head, SOC', 'line one' || char(10) || 'line, "two"', 'active', 3, 1700000000, 1700086400, NULL),
 ('FR-T-2', 'FR', 'technical', 2, 'Old SOC', NULL, NULL, NULL, NULL, 'withdrawn', 2, 1700000000, 1700000100,
  'merged into CERT-FR'),
 ('FR-D-1', 'FR', 'diplomatic', 1, 'Ministère de l''Europe et des Affaires étrangères', NULL, NULL,
  'Conseiller cyber', NULL, 'pending', 1, 1700000000, 1700000000, NULL),
 ('DE-L-1', 'DE', 'law-enforcement', 1, '联邦刑事警察局', NULL, NULL, NULL, NULL, 'unverified', 1,
  1700000000, 1700000000, NULL),
 ('EG-P-1', 'EG', 'policy', 1, 'وزارة الخارجية والهجرة وشؤون المصريين في الخارج، إدارة الشؤون السيبرانية والتكنولوجيات الحديثة',
  'https://mfa.example.eg/', NULL, NULL, NULL, 'active', 1, 1700000000, 1700000000, NULL);
INSERT INTO poc_emails (poc, position, address) VALUES ('FR-T-1', 0, 'cert@example.fr'),
 ('FR-T-1', 1, 'soc@example.fr'), ('FR-T-2', 0, 'old@example.fr'), ('FR-D-1', 0, 'cyber@example.fr'),
 ('DE-L-1', 0, 'bka@example.de'), ('EG-P-1', 0, 'cyber@mfa.example.eg');
INSERT INTO poc_phones (poc, position, written, e164) VALUES ('FR-T-1', 0, '+33 1 23 45 67 89', '+33123456789'),
 ('FR-T-1', 1, '01 23; ext. 4', NULL), ('FR-T-2', 0, '+33 9', NULL), ('FR-D-1', 0, '+33 1 00', '+33100'),
 ('DE-L-1', 0, '+49 611 55-0', '+496115550'), ('EG-P-1', 0, '+20 2 1234 5678', '+20212345678');
INSERT INTO poc_languages (poc, position, code) VALUES ('FR-T-1', 0, 'fr'), ('FR-T-1', 1, 'en'),
 ('DE-L-1', 0, 'de'), ('EG-P-1', 0, 'ar'), ('EG-P-1', 1, 'en');
INSERT INTO poc_counters (state, type, next) VALUES ('FR', 'technical', 3), ('FR', 'diplomatic', 2),
 ('DE', 'law-enforcement', 2), ('EG', 'policy', 2);
EOF
ok "the seeded rows are there" [ "$(sqlite3 "$DB" 'select count(*) from pocs')" -eq 5 ]

# directory-check.py FORMAT FILE DB [STATE...]: the export read back with a
# real reader, each POC compared with the database, field by field.
CHECK=$POCBOT_TOP/tests/e2e/directory-check.py

ok "export (CSV to standard output by default)" pocbot 0 export
ok "the CSV read back: every field as in the database, withdrawn FR-T-2 left out" \
	"$PY" "$CHECK" csv "$OUT" "$DB"
ok "export --format json" pocbot 0 export --format json
ok "the JSON read back: every field as in the database" "$PY" "$CHECK" json "$OUT" "$DB"
ok "export --format vcard" pocbot 0 export --format vcard
ok "the vCards read by vobject: every field as in the database, lines folded" \
	"$PY" "$CHECK" vcard "$OUT" "$DB"
ok "export --state FR --format json" pocbot 0 export --state FR --format json
ok "only France's" "$PY" "$CHECK" json "$OUT" "$DB" FR
ok "export --state Allemagne --state EG --format vcard (a name, repeated)" \
	pocbot 0 export --state Allemagne --state EG --format vcard
ok "Germany's and Egypt's" "$PY" "$CHECK" vcard "$OUT" "$DB" DE EG
ok "export --state DE -o FILE" pocbot 0 export --state DE -o "$T/de.csv"
ok "nothing on standard output" [ ! -s "$OUT" ]
ok "FILE holds Germany's" "$PY" "$CHECK" csv "$T/de.csv" "$DB" DE
ok "no temporary file left" [ "$(ls -A "$T" | grep -c '^\.de\.csv')" -eq 0 ]
ok "export --lang fr --format json: names in French" pocbot 0 export --lang fr --format json --state DE
ok "Allemagne, application de la loi" "$PY" -c 'import json,sys; r=json.load(open(sys.argv[1]))[0]; assert (r["state_name"], r["type_name"]) == ("Allemagne", "application de la loi"), r' "$OUT"
ok "export --state JP (no POCs) --format json: an empty array" pocbot 0 export --state JP --format json
ok "[ ]" [ "$(tr -d '\n' < "$OUT")" = "[]" ]
ok "export --state Atlantis: exit 65" pocbot 65 export --state Atlantis
ok "export --format xml: exit 64" pocbot 64 export --format xml
ok "export --lang xx: exit 64" pocbot 64 export --lang xx
ok "export extra: exit 64" pocbot 64 export extra
ok "export -o into a missing folder: exit 75" pocbot 75 export -o "$T/nowhere/x.csv"

# --- 2,000 POCs ---
N=2000
"$PY" - "$DB" "$N" <<'EOF'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1]); n = int(sys.argv[2])
with con:
    con.execute("DELETE FROM poc_emails"); con.execute("DELETE FROM poc_phones")
    con.execute("DELETE FROM poc_languages"); con.execute("DELETE FROM pocs")
    for i in range(1, n + 1):
        pid = "FR-T-%d" % i
        con.execute("INSERT INTO pocs (id, state, type, number, organisation, web, name, position, notes, status,"
                    " version, created, updated) VALUES (?, 'FR', 'technical', ?, ?, ?, ?, NULL, ?, 'active', 1,"
                    " 1700000000, 1700000000)", (pid, i, "Organisation n° %d, \"CERT\"; وزارة الخارجية" % i,
                    "https://%d.example.fr/" % i, "Agent %d" % i, "notes\nof %d" % i))
        con.execute("INSERT INTO poc_emails VALUES (?, 0, ?)", (pid, "cert%d@example.fr" % i))
        con.execute("INSERT INTO poc_emails VALUES (?, 1, ?)", (pid, "soc%d@example.fr" % i))
        con.execute("INSERT INTO poc_phones (poc, position, written, e164) VALUES (?, 0, ?, ?)",
                    (pid, "+33 1 %d" % i, "+331%d" % i))
        con.execute("INSERT INTO poc_languages VALUES (?, 0, 'fr')", (pid,))
    con.execute("UPDATE poc_counters SET next = ? WHERE state = 'FR' AND type = 'technical'", (n + 1,))
EOF
ok "$N POCs seeded in one transaction" [ "$(sqlite3 "$DB" 'select count(*) from pocs')" -eq "$N" ]
for f in csv vcard json; do
	ok "export --format $f of $N POCs" /usr/bin/time -f "%e %M" -o "$T/time.$f" \
		"$POCBOT" -c "$T/r/pocbot.conf" export --format "$f" -o "$T/big.$f"
	ok "the $f export read back, every field as in the database" "$PY" "$CHECK" "$f" "$T/big.$f" "$DB"
	read -r secs kb < "$T/time.$f"
	echo "    $f: $N POCs in ${secs}s, peak RSS ${kb} KiB, $(wc -c < "$T/big.$f") bytes"
done
finish
