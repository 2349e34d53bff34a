#!/bin/sh
# json.sh - '--format json' on the listings (issue 16 item 3): 'state
# list', 'signer list' (with each key's expiry, from the robot's keyring),
# 'ping status' (the rounds, and one round), 'audit log' and 'spool list'
# on a small robot (two States; OpenPGP signers: one whose key never
# expires, one whose key expires in 30 days, a custodian of no State, a
# revoked one; an S/MIME signer, its certificate expiring at its notAfter;
# POCs, a ping round, a message waiting and one quarantined), each parsed
# by python3's json module and checked against the database, gpg and
# openssl; an unknown --format is refused with 64 by each.
. "$(dirname "$0")/lib.sh"
. "$POCBOT_TOP/tests/lib/keys.sh"
K=$T/k
mkdir -p "$K" "$T/r"
write_config "$T/r/pocbot.conf" "$(free_port)"
P="$POCBOT -c $T/r/pocbot.conf"
DB=$T/r/var/pocbot.db
q() { sqlite3 -cmd '.timeout 10000' "$DB" "$1"; }
# check DESCRIPTION: python3 (standard input) asserts on the JSON in $OUT,
# with the database at DB; 'sql(text)' gives the rows.
check() {
	ok "$1" env DB="$DB" OUT="$OUT" python3 -c "
import json, os, sqlite3, sys
doc = json.load(open(os.environ['OUT']))
con = sqlite3.connect(os.environ['DB'])
sql = lambda s: con.execute(s).fetchall()
$(cat)
"
}

$P db migrate >/dev/null
$P state add FR >/dev/null
$P state add DE >/dev/null
alice=$(pgp_person "$K/a" "Alice <alice@fr.example>" "$K/a.asc")
pgp_home "$K/e"
gpg --homedir "$K/e" --batch --pinentry-mode loopback --passphrase '' \
	--quick-gen-key "Eve <eve@fr.example>" future-default default 30d 2>/dev/null
eve=$(gpg --homedir "$K/e" --with-colons --list-keys eve@fr.example | awk -F: '$1 == "fpr" { print $10; exit }')
eve_expires=$(gpg --homedir "$K/e" --with-colons --list-keys "$eve" | awk -F: '$1 == "pub" { print $7 }')
pgp_export "$K/e" "$eve" "$K/e.asc"
carol=$(pgp_person "$K/c" "Carol <carol@un.example>" "$K/c.asc")
bob=$(pgp_person "$K/b" "Bob <bob@de.example>" "$K/b.asc")
ca_make "$K/ca"
dan=$(smime_signer "$K/ca" "$K/d" dan@de.example)
dan_until=$(openssl x509 -in "$K/d/cert.pem" -noout -enddate | sed 's/^notAfter=//')
$P signer add --state FR --role authority --pgp "$K/a.asc" --label "Alice, MFA" >/dev/null
$P signer add --state FR --role reader --pgp "$K/e.asc" >/dev/null
$P signer add --role custodian --pgp "$K/c.asc" >/dev/null
$P signer add --state DE --role reader --pgp "$K/b.asc" >/dev/null
$P signer revoke "$bob" --reason "key lost" >/dev/null
$P signer add --state DE --role reader --smime "$K/d/cert.pem" --chain "$K/d/chain.pem" >/dev/null
now=$(date +%s)
poc() {	# ID STATE TYPE STATUS ADDRESS
	_r="NULL"; [ "$4" = withdrawn ] && _r="'gone'"
	q "insert into pocs (id, state, type, number, organisation, status, version, created, updated,
	   withdrawn_reason) values ('$1', '$2', '$3', 1, 'Org $1', '$4', 1, $now, $now, $_r);
	   insert into poc_emails values ('$1', 0, '$5'); insert into poc_languages values ('$1', 0, 'en');"
}
poc FR-T-1 FR technical active cert@fr.example
poc FR-P-1 FR policy active policy@fr.example
poc DE-T-1 DE technical withdrawn cert@de.example

echo "state list"
ok "state list --format json: exit 0" pocbot 0 state list --format json
check "  an array of code, name and POCs (withdrawn ones not counted)" <<'PY'
assert doc == [{'code': 'DE', 'name': 'Germany', 'pocs': 0},
               {'code': 'FR', 'name': 'France', 'pocs': 2}], doc
PY

echo "signer list"
ok "signer list --format json: exit 0" pocbot 0 signer list --format json
check "  one object per signer, as the signers table has them" <<'PY'
rows = sql("select fingerprint, coalesce(state, ''), role, coalesce(label, ''), email, lang"
           " from signers")
got = [(s['fingerprint'], s['state'] or '', s['role'], s['label'] or '', s['email'], s['lang'])
       for s in doc]
assert sorted(got) == sorted(rows) and len(got) == 5, (got, rows)
assert [s['protocol'] for s in doc].count('smime') == 1, doc
assert all(s['encrypt_fingerprint'] is None for s in doc)
assert all(isinstance(s['key_held'], bool) and s['key_held'] for s in doc)
PY
check "  the custodian of no State has state null" <<PY
c = [s for s in doc if s['fingerprint'] == '$carol'][0]
assert c['state'] is None and c['role'] == 'custodian', c
PY
check "  Eve's key expires when gpg says ($eve_expires), as ISO 8601 UTC" <<PY
import datetime
e = [s for s in doc if s['fingerprint'] == '$eve'][0]
want = datetime.datetime.fromtimestamp($eve_expires, datetime.timezone.utc)
assert e['expires'] == want.strftime('%Y-%m-%dT%H:%M:%SZ'), e
PY
check "  Dan's certificate expires at its notAfter ($dan_until)" <<PY
import datetime
d = [s for s in doc if s['fingerprint'] == '$dan'][0]
want = datetime.datetime.strptime('$dan_until', '%b %d %H:%M:%S %Y GMT')
assert d['protocol'] == 'smime' and d['expires'] == want.strftime('%Y-%m-%dT%H:%M:%SZ'), d
PY
check "  a key that never expires has expires null" <<PY
a = [s for s in doc if s['fingerprint'] == '$alice'][0]
assert a['expires'] is None and a['label'] == 'Alice, MFA' and a['revoked'] is None, a
PY
check "  Bob revoked: the time and the reason; the others null" <<PY
import datetime
b = [s for s in doc if s['fingerprint'] == '$bob'][0]
at = sql("select revoked, added from signers where fingerprint = '$bob'")[0]
iso = lambda t: datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
assert b['revoked'] == iso(at[0]) and b['revoke_reason'] == 'key lost', b
assert b['added'] == iso(at[1]), b
assert all(s['revoke_reason'] is None for s in doc if s['fingerprint'] != '$bob')
PY
ok "signer list --state FR --format json: only France's" pocbot 0 signer list --state FR --format json
check "  Alice and Eve" <<PY
assert [s['fingerprint'] for s in doc] == ['$alice', '$eve'], doc
PY
ok "the text listing: its columns as before, the expiry last" pocbot 0 signer list
ok "  header" [ "$(head -1 "$OUT")" = "$(printf 'protocol\tfingerprint\tstate\trole\tlabel\temail\trevoked\texpires')" ]
ok "  Carol" grep -q "^openpgp	$carol	-	custodian	-	carol@un.example	-	never$" "$OUT"

echo "ping status"
ok "ping start: round 1" sh -c "$P ping start >/dev/null 2>&1"
q "update pings set answered = queued + 600, answer_seconds = 600, answer_from = 'cert@fr.example', answer_own = 1 where poc = 'FR-T-1'"
ok "ping status --format json: exit 0" pocbot 0 ping status --format json
check "  one round: its number, times, counts as numbers, closed null" <<'PY'
(r,) = doc
row = sql("select id, started_by, (select count(*) from pings where round = 1) from ping_rounds")[0]
assert (r['round'], r['started_by'], r['pings'], r['answered']) == (row[0], row[1], row[2], 1), r
assert r['closed'] is None and r['started'].endswith('Z') and r['deadline'] > r['started'], r
PY
ok "ping status 1 --format json: exit 0" pocbot 0 ping status 1 --format json
check "  the round with its pings, as the pings table has them" <<'PY'
rows = sql("select poc, address, token, lang, reminders from pings where round = 1 order by poc")
got = [(p['poc'], p['address'], p['token'], p['lang'], p['reminders']) for p in doc['ping_list']]
assert doc['round'] == 1 and sorted(got) == sorted(rows), (got, rows)
by = {p['poc']: p for p in doc['ping_list']}
assert by['FR-T-1']['outcome'] == 'answered' and by['FR-T-1']['response_seconds'] == 600
assert by['FR-P-1']['outcome'] == 'queued' and by['FR-P-1']['response_seconds'] is None
assert by['FR-P-1']['sent'] is None
PY
ok "ping status 9 --format json: no such round (65)" pocbot 65 ping status 9 --format json

echo "audit log"
ok "audit log --format json: exit 0" pocbot 0 audit log --format json
check "  every event, as the events table has them" <<'PY'
rows = sql("select id, actor, state, action, detail from events order by id")
got = [(e['id'], e['actor'], e['state'], e['action'], e['detail']) for e in doc]
assert got == rows and len(rows) == 6, (got, rows)
assert all(e['at'].endswith('Z') and len(e['at']) == 20 for e in doc)
PY
check "  the custodian's enrolment is an event of State null" <<'PY'
assert [e['state'] for e in doc if e['action'] == 'signer-add' and 'carol' in e['detail']] == [None]
PY
ok "audit list --state FR --format json (list is log)" pocbot 0 audit list --state FR --format json
check "  only France's events" <<'PY'
assert doc and all(e['state'] == 'FR' for e in doc), doc
assert len(doc) == sql("select count(*) from events where state = 'FR'")[0][0]
PY

echo "spool list"
ok "spool list --format json on an empty spool: []" pocbot 0 spool list --format json
check "  an empty array" <<'PY'
assert doc == [], doc
PY
printf 'From: x@example.org\nSubject: hi\n\nhello\n' |
	$P deliver --sender x@example.org --recipient pocbot@robot.test 2>/dev/null
printf 'From: y@example.org\nSubject: hi\n\nhello\n' |
	$P deliver --sender y@example.org --recipient pocbot@robot.test 2>/dev/null
bad=$(ls "$T/r/var/spool/new" | tail -1)
mv "$T/r/var/spool/new/$bad" "$T/r/var/spool/quarantine/$bad"
q "insert into spool_failures (spool_id, attempts, updated, last_error) values ('$bad', 3, $now, 'injected fault')"
ok "spool list --format json: exit 0" pocbot 0 spool list --format json
check "  the waiting message, then the quarantined one with its failures" <<PY
import datetime
(new, quar) = doc
assert new['folder'] == 'new' and new['attempts'] == 0 and new['error'] is None, new
assert new['last_attempt'] is None and new['id'] != '$bad', new
assert (quar['folder'], quar['id'], quar['attempts'], quar['error']) == \
	('quarantine', '$bad', 3, 'injected fault'), quar
assert quar['last_attempt'] == datetime.datetime.fromtimestamp($now, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
PY

echo "refusals"
for c in "state list" "signer list" "ping status" "audit log" "spool list"; do
	ok "$c --format xml: exit 64" pocbot 64 $c --format xml
	ok "  saying the formats" grep -q "^pocbot $c: --format is text or json, not \"xml\"" "$OUT.err"
done
ok "audit list --format xml names audit list" pocbot 64 audit list --format xml
ok "  saying the formats" grep -q '^pocbot audit list: --format is text or json' "$OUT.err"
ok "audit verify takes no --format (64)" pocbot 64 audit verify --format json
ok "a listing that cannot be written (/dev/full): exit 74, saying so" sh -c \
	"$P state list --format json > /dev/full 2> '$T/full'; [ \$? = 74 ] && grep -q 'cannot write' '$T/full'"
ok "state add takes no --format (64)" pocbot 64 state add DE --format json
ok "--format text is the text listing" pocbot 0 state list --format text
ok "  as without it" [ "$(cat "$OUT")" = "$($P state list)" ]
finish
