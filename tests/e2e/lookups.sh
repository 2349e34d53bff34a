#!/bin/sh
# lookups.sh - LOOKUP, EXTRACT and ACCESS-LOG by signed e-mail through the
# real binary (issue 6). A robot with participating States (France,
# Germany and Egypt with POCs, Japan with none), POCs and an answered ping
# written with sqlite3, signers enrolled with 'pocbot signer add': an
# OpenPGP authority and a reader for France, an S/MIME authority for
# Germany, an OpenPGP authority for Japan, a custodian of no State, a revoked one.
# Japan has nominated no POC: it does not take part in the directory, so
# its authority may not read it (issue 6), while the custodian may.
#   - a PGP/MIME LOOKUP is answered PGP/MIME encrypted to the signer's key:
#     gpg decrypts it and verifies the robot's signature; the text listing,
#     the CSV (csv), the JSON (json) and the vCards (python3-vobject) are
#     each checked field by field against the database;
#   - an S/MIME EXTRACT is answered S/MIME enveloped to the signer's
#     certificate: openssl smime and gpgsm both decrypt it and verify the
#     robot's signature; the attachments are the formats asked;
#   - a LOOKUP in each of the six languages is answered in that language;
#   - refusals leak nothing: unsigned, unenrolled, a non-participating State,
#     revoked, replayed, and an EXTRACT over [lookup] extracts_per_day
#     (allowed again the next day on the robot's clock);
#   - ACCESS-LOG lists exactly the requests that returned France's POCs;
#   - a custodian signer (of no State) is answered;
#   - every answered request is an audit event, and the chain verifies.
. "$(dirname "$0")/lib.sh"
. "$POCBOT_TOP/tests/lib/keys.sh"
MAIL="python3 $POCBOT_TOP/tests/e2e/lookups-mail.py"
MAILFILE="python3 $POCBOT_TOP/tests/e2e/mailfile.py"
PY=python3
/usr/bin/python3 -c 'import vobject' 2>/dev/null && PY=/usr/bin/python3
CHECK="$PY $POCBOT_TOP/tests/e2e/directory-check.py"
K=$T/k		# the signers' own homes and certificates: short paths
mkdir -p "$K" "$T/r"

port=$(free_port)
now=$(date +%s)
echo "$now" > "$T/r/clock"
write_config "$T/r/pocbot.conf" "$port" "[test]" "clock_file = clock" "[limits]" "help_per_day = 100" \
	"[lookup]" "extracts_per_day = 2"
P="$POCBOT -c $T/r/pocbot.conf"
DB=$T/r/var/pocbot.db
$P db migrate >/dev/null
for s in FR DE EG JP; do $P state add $s >/dev/null; done

echo "the directory"
sqlite3 "$DB" <<EOF || echo "    seeding failed" >&2
INSERT INTO pocs (id, state, type, number, organisation, web, name, position, notes, status, version,
	created, updated, withdrawn_reason) VALUES
 ('FR-T-1', 'FR', 'technical', 1, 'CERT-FR, "national"', 'https://cert.example.fr/', 'Jeanne Dupont',
  'Head, SOC', 'line one', 'active', 3, 1700000000, 1700086400, NULL),
 ('FR-T-2', 'FR', 'technical', 2, 'Old SOC', NULL, NULL, NULL, NULL, 'withdrawn', 2, 1700000000, 1700000100,
  'merged into CERT-FR'),
 ('FR-D-1', 'FR', 'diplomatic', 1, 'Ministère de l''Europe et des Affaires étrangères', NULL, NULL,
  'Conseiller cyber', NULL, 'pending', 1, 1700000000, 1700000000, NULL),
 ('DE-L-1', 'DE', 'law-enforcement', 1, 'Bundeskriminalamt', NULL, NULL, NULL, NULL, 'unverified', 1,
  1700000000, 1700000000, NULL),
 ('EG-P-1', 'EG', 'policy', 1, 'وزارة الخارجية', 'https://mfa.example.eg/', NULL, NULL, NULL, 'active', 1,
  1700000000, 1700000000, NULL);
INSERT INTO poc_emails (poc, position, address) VALUES ('FR-T-1', 0, 'cert@example.fr'),
 ('FR-T-1', 1, 'soc@example.fr'), ('FR-T-2', 0, 'old@example.fr'), ('FR-D-1', 0, 'cyber@example.fr'),
 ('DE-L-1', 0, 'bka@example.de'), ('EG-P-1', 0, 'cyber@mfa.example.eg');
INSERT INTO poc_phones (poc, position, written, e164) VALUES ('FR-T-1', 0, '+33 1 23 45 67 89', '+33123456789'),
 ('FR-T-1', 1, '01 23; ext. 4', NULL), ('FR-D-1', 0, '+33 1 00', '+33100'),
 ('DE-L-1', 0, '+49 611 55-0', '+496115550'), ('EG-P-1', 0, '+20 2 1234 5678', '+20212345678');
INSERT INTO poc_languages (poc, position, code) VALUES ('FR-T-1', 0, 'fr'), ('FR-T-1', 1, 'en'),
 ('DE-L-1', 0, 'de'), ('EG-P-1', 0, 'ar'), ('EG-P-1', 1, 'en');
INSERT INTO poc_counters (state, type, next) VALUES ('FR', 'technical', 3), ('FR', 'diplomatic', 2),
 ('DE', 'law-enforcement', 2), ('EG', 'policy', 2);
INSERT INTO pings (round, purpose, poc, address, lang, token, queued, deadline, answered, answer_seconds)
 VALUES (NULL, 'verification', 'FR-T-1', 'cert@example.fr', 'en', 'aaaaaaaaaaaaaaaaaaaaaaaaaa',
  $((now - 90000)), $((now + 86400)), $((now - 86400)), 3725),
 (NULL, 'verification', 'FR-T-1', 'soc@example.fr', 'en', 'bbbbbbbbbbbbbbbbbbbbbbbbbb',
  $((now - 900000)), $((now - 800000)), $((now - 850000)), 99);
EOF
ok "the seeded POCs are there" [ "$(sqlite3 "$DB" 'select count(*) from pocs')" -eq 5 ]

echo "signers"
alice=$(pgp_person "$K/a" "Alice <alice@fr.example>" "$K/a.asc")
ok "an OpenPGP authority is enrolled for France" $P signer add --state FR --role authority --pgp "$K/a.asc"
rita=$(pgp_person "$K/r" "Rita <rita@fr.example>" "$K/r.asc")
ok "an OpenPGP reader is enrolled for France" $P signer add --state FR --role reader --pgp "$K/r.asc"
ca_make "$K/ca"
bob=$(smime_signer "$K/ca" "$K/b" bob@de.example)
smime_signer "$K/ca" "$K/e" eve@de.example >/dev/null
ok "an S/MIME authority is enrolled for Germany" \
	$P signer add --state DE --role authority --smime "$K/b/cert.pem" --chain "$K/b/chain.pem"
jiro=$(pgp_person "$K/j" "Jiro <jiro@jp.example>" "$K/j.asc")
ok "an authority is enrolled for Japan" $P signer add --state JP --role authority --pgp "$K/j.asc"
cora=$(pgp_person "$K/c" "Cora <cora@un.example>" "$K/c.asc")
ok "a custodian signer is enrolled, of no State" $P signer add --role custodian --pgp "$K/c.asc"
ok "Japan has signers but no POC" \
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM pocs WHERE state = 'JP'"):$(sqlite3 "$DB" "SELECT count(*) FROM signers WHERE state = 'JP'")" = 0:1 ]
victor=$(pgp_person "$K/v" "Victor <victor@fr.example>" "$K/v.asc")
$P signer add --state FR --role authority --pgp "$K/v.asc" >/dev/null
ok "a French signer is revoked" $P signer revoke "$victor" --reason "left the ministry"

# The robot's public keys, for checking its signatures: gpg and gpgsm homes.
$P keys export "$T/pub" >/dev/null
pgp_home "$K/chk"
gpg --homedir "$K/chk" --batch --import "$T/pub/pocbot.asc" 2>/dev/null
robot_smime=$(openssl x509 -in "$T/pub/pocbot.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
# bob's gpgsm home: his key (PKCS#12) to decrypt, the robot's certificate trusted to verify
mkdir -m 700 "$K/gs"
printf 'disable-crl-checks\ndisable-ocsp\ndisable-dirmngr\n' > "$K/gs/gpgsm.conf"
echo allow-loopback-pinentry > "$K/gs/gpg-agent.conf"
gpgsm --homedir "$K/gs" --batch --import "$K/ca/ca.pem" "$T/pub/pocbot.pem" 2>/dev/null
ok "bob's key imported into gpgsm" smime_import_key "$K/gs" "$K/b/cert.pem" "$K/b/key.pem"
{ echo "$robot_smime S"; echo "$(openssl x509 -in "$K/ca/ca.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g') S"; } \
	> "$K/gs/trustlist.txt"

start_robot "$T/r/pocbot.conf"
out=$T/r/var/outbox/new
n=0

# send FILE [SENDER]: delivers a message under a fresh Message-ID, left in $id.
send() {
	n=$((n + 1)) id=m$n
	sed "s/^Message-ID: <.*>/Message-ID: <$id@test.example>/" "$1" > "$T/sent$n"
	$P deliver --sender "${2:-sender@test.example}" --recipient pocbot@robot.test < "$T/sent$n" 2>>"$T/deliver.log"
}
reply_to() { grep -l "^In-Reply-To: <$1@test.example>" "$out"/* 2>/dev/null | head -1; }
replied() { wait_for 30 sh -c "grep -l '^In-Reply-To: <$1@test.example>' '$out'/* >/dev/null 2>&1"; }
# nonce: a line that makes each body (hence each signature) new.
nonce() { od -An -N6 -tx1 /dev/urandom | tr -d ' '; }
# request FILE TEXT...: a request body with a fresh greeting line.
request() { _f=$1; shift; { printf 'Dear colleagues (%s),\n\n' "$(nonce)"; printf '%s\n' "$@"; } > "$_f"; }

# pgp_open ID HOME: decrypts the answer to ID with HOME's key into
# $T/ID/dec.eml, checks the robot's signature with gpg, unpacks it in $T/ID.
pgp_open() {
	_f=$(reply_to "$1") _d=$T/$1
	mkdir -p "$_d"
	[ "$($MAIL "$_f" kind)" = pgp ] || { echo "    $1: not PGP/MIME encrypted" >&2; return 1; }
	$MAIL "$_f" payload "$_d/enc" && gpg --homedir "$2" --batch --decrypt "$_d/enc" > "$_d/dec.eml" 2>/dev/null ||
		{ echo "    $1: gpg cannot decrypt" >&2; return 1; }
	$MAIL "$_d/dec.eml" pgpsigned "$_d/v" &&
		gpg --homedir "$K/chk" --batch --verify "$_d/v/sig" "$_d/v/signed" 2>/dev/null ||
		{ echo "    $1: the robot's signature does not verify" >&2; return 1; }
	$MAIL "$_d/dec.eml" unpack "$_d" > "$_d/attachments"
}

# smime_open ID: decrypts the answer to ID with openssl and with gpgsm,
# checks the robot's signature with both, unpacks it in $T/ID.
smime_open() {
	_f=$(reply_to "$1") _d=$T/$1
	mkdir -p "$_d"
	[ "$($MAIL "$_f" kind)" = smime ] || { echo "    $1: not S/MIME enveloped" >&2; return 1; }
	openssl smime -decrypt -in "$_f" -recip "$K/b/cert.pem" -inkey "$K/b/key.pem" > "$_d/dec.eml" 2>/dev/null ||
		{ echo "    $1: openssl cannot decrypt" >&2; return 1; }
	openssl smime -verify -in "$_d/dec.eml" -CAfile "$T/pub/pocbot.pem" -out /dev/null 2>/dev/null ||
		{ echo "    $1: openssl does not verify the robot's signature" >&2; return 1; }
	python3 -c 'import email, sys; m = email.message_from_binary_file(open(sys.argv[1], "rb")); sys.stdout.buffer.write(m.get_payload(decode=True))' \
		"$_f" > "$_d/cms"
	gpgsm --homedir "$K/gs" --batch --pinentry-mode loopback --passphrase '' --decrypt "$_d/cms" \
		> "$_d/dec-gpgsm.eml" 2>"$_d/gpgsm.err" || { echo "    $1: gpgsm cannot decrypt" >&2; return 1; }
	tr -d '\r' < "$_d/dec.eml" > "$_d/a.n"; tr -d '\r' < "$_d/dec-gpgsm.eml" > "$_d/b.n"
	cmp -s "$_d/a.n" "$_d/b.n" || { echo "    $1: gpgsm and openssl decrypt differently" >&2; return 1; }
	$MAIL "$_d/dec-gpgsm.eml" pgpsigned "$_d/v" &&
		gpgsm --homedir "$K/gs" --batch --verify "$_d/v/sig" "$_d/v/signed" 2>"$_d/gpgsm-verify.err" ||
		{ echo "    $1: gpgsm does not verify the robot's signature" >&2; return 1; }
	$MAIL "$_d/dec.eml" unpack "$_d" > "$_d/attachments"
}
has_attachments() { [ "$(cut -d' ' -f1 "$T/$1/attachments" | tr '\n' ' ')" = "$2" ]; }
subject_is() { [ "$($MAILFILE "$(reply_to "$1")" Subject)" = "$(sed -n '1s/^Subject: //p' "$POCBOT_TOP/templates/$2/$3.txt")" ]; }
# answer_text ID [KEYS]: every part of the answer to ID as its recipient
# reads it: an enrolled signer (KEYS its keys) gets it encrypted, anyone
# else ("-", the default) in clear; fails otherwise.
answer_text() {
	if [ "${2:--}" = - ]; then read_reply "$(reply_to "$1")" - all
	else read_signer_reply "$(reply_to "$1")" "$2" all; fi
}
# leaks_nothing ID [KEYS]: neither the answer as sent nor any part of it,
# decoded (decrypted with KEYS), names a POC.
leaks_nothing() {
	_f=$(reply_to "$1")
	[ -n "$_f" ] || return 1
	answer_text "$1" "${2:--}" > "$T/$1.all" || return 1
	! grep -qE 'FR-T-1|FR-D-1|DE-L-1|EG-P-1|cert@example|bka@example|CERT-FR|Bundeskriminalamt' "$_f" &&
		! grep -qE 'FR-T-1|DE-L-1|cert@example|CERT-FR' "$T/$1.all" &&
		! grep -q 'directory\.csv' "$_f" "$T/$1.all"
}
# says ID KEY [LANG] [KEYS]: the answer to ID gives the reason KEY of
# reasons.txt (read as answer_text does).
says() {
	_want=$(sed -n "s/^$2: *//p" "$POCBOT_TOP/templates/${3:-en}/reasons.txt" | cut -d' ' -f1-6)
	answer_text "$1" "${4:--}" > "$T/$1.says" || return 1
	tr '\n' ' ' < "$T/$1.says" | tr -s ' ' | grep -qF "$_want"
}

echo "a PGP/MIME LOOKUP, answered encrypted to the signer's key"
request "$K/q" LOOKUP "State: France" "Type: technical, diplomatic"
pgp_mime "$K/a" "$alice" alice@fr.example "x" "$K/q" "$K/m"
send "$K/m"; fr_lookup=$id
ok "the LOOKUP is answered" replied "$id"
ok "gpg decrypts it with alice's key and verifies the robot's signature" pgp_open "$id" "$K/a"
ok "the subject is the English one" subject_is "$id" en lookup
ok "the text says what was asked" grep -q "^Request: lookup - State: France; POC type: diplomatic, technical; Format: text, CSV, vCard, JSON$" "$T/$id/body.txt"
ok "the text says how many match" grep -qx "Points of contact found: 2" "$T/$id/body.txt"
ok "the text gives the time in UTC" grep -qE "^As of: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z \(UTC\)$" "$T/$id/body.txt"
ok "the text lists each POC, its latest answered ping and how fast, as the database" \
	$CHECK text "$T/$id/body.txt" "$DB" FR
ok "FR-T-1 answered in 1:02:05 (the latest ping, not the older one)" grep -q "answered in 1:02:05)" "$T/$id/body.txt"
ok "attachments: CSV, vCard, JSON" has_attachments "$id" "directory.csv directory.vcf directory.json "
ok "the CSV read back: every field as in the database" $CHECK csv "$T/$id/directory.csv" "$DB" FR
ok "the JSON read back: every field as in the database" $CHECK json "$T/$id/directory.json" "$DB" FR
ok "the vCards read by vobject: every field as in the database" $CHECK vcard "$T/$id/directory.vcf" "$DB" FR
ok "the withdrawn FR-T-2 is nowhere" sh -c "! grep -rq 'FR-T-2' '$T/$id'"
ok "no temporary file is left in VAR/tmp" [ "$(count_files "$T/r/var/tmp")" -eq 0 ]

echo "an S/MIME EXTRACT, answered enveloped to the signer's certificate"
request "$K/q" EXTRACT "Format: csv, json"
smime_detached "$K/b" bob@de.example "x" "$K/q" "$K/m"
send "$K/m"; de_extract=$id
ok "the EXTRACT is answered" replied "$id"
ok "openssl and gpgsm decrypt it and verify the robot's signature" smime_open "$id"
ok "the text says how many match" grep -qx "Points of contact found: 4" "$T/$id/body.txt"
ok "attachments: the formats asked, CSV and JSON" has_attachments "$id" "directory.csv directory.json "
ok "the CSV of the whole directory" $CHECK csv "$T/$id/directory.csv" "$DB"
ok "the JSON of the whole directory" $CHECK json "$T/$id/directory.json" "$DB"
ok "the text of the whole directory" $CHECK text "$T/$id/body.txt" "$DB"

echo "a LOOKUP with no match is a clear answer"
request "$K/q" LOOKUP "State: Egypt" "Type: technical"
pgp_mime "$K/r" "$rita" rita@fr.example "x" "$K/q" "$K/m"
send "$K/m"; nomatch=$id
ok "a reader's LOOKUP is answered" replied "$id"
ok "rita's key decrypts it" pgp_open "$id" "$K/r"
ok "none found, said plainly" sh -c "grep -qx 'Points of contact found: 0' '$T/$id/body.txt' && grep -qx 'No point of contact matches this request.' '$T/$id/body.txt'"
ok "no attachments" has_attachments "$id" ""

echo "six languages"
# lang, request, the State's name and the type's name in that language
while IFS='|' read -r lang verb st ty egypt policy; do
	request "$K/q" "$verb" "$st" "$ty"
	pgp_mime "$K/a" "$alice" alice@fr.example "x" "$K/q" "$K/m"
	send "$K/m"
	ok "$lang: answered" replied "$id"
	ok "$lang: decrypted and verified" pgp_open "$id" "$K/a"
	ok "$lang: the subject in $lang" subject_is "$id" "$lang" lookup
	ok "$lang: Egypt and policy named in $lang" sh -c "grep -qF '$egypt' '$T/$id/body.txt' && grep -qF '$policy' '$T/$id/body.txt'"
	ok "$lang: EG-P-1 listed, with its address" sh -c "grep -qx 'EG-P-1' '$T/$id/body.txt' && grep -qF 'cyber@mfa.example.eg' '$T/$id/body.txt'"
done <<'EOF'
en|LOOKUP|State: Egypt|Type: policy|Egypt|policy
fr|CONSULTATION|État : Égypte|Type : politique|Égypte|politique
es|CONSULTA|Estado: Egipto|Tipo: de políticas|Egipto|de políticas
ru|ПОИСК|Государство: Египет|Тип: политический|Египет|политический
zh|查询|国家：埃及|类型：政策|埃及|政策
ar|استعلام|الدولة: مصر|النوع: سياسات|مصر|سياسات
EOF

echo "a request that cannot be read: its problems, and no data"
request "$K/q" LOOKUP "State: Atlantis" "Colour: blue"
pgp_mime "$K/a" "$alice" alice@fr.example "x" "$K/q" "$K/m"; send "$K/m"
ok "answered" replied "$id"
ok "  encrypted to alice, signed by the robot" pgp_open "$id" "$K/a"
ok "  with the errors subject" subject_is "$id" en lookup-errors
ok "  quoting each offending line with its number" \
	sh -c "grep -qx 'Line 4: State: Atlantis' '$T/$id/body.txt' && grep -qx 'Line 5: Colour: blue' '$T/$id/body.txt'"
ok "  and saying what is wrong" grep -q "^This State is not known" "$T/$id/body.txt"
ok "  and names no POC" sh -c "! grep -qE 'FR-T-1|DE-L-1|EG-P-1' '$T/$id/body.txt' && [ ! -s '$T/$id/attachments' ]"
ok "  nor is it recorded as a lookup" [ "$(sqlite3 "$DB" "select count(*), (select count(*) from lookups where message = m.hash) from messages m where message_id = '$id@test.example'")" = "1|0" ]

echo "refusals, leaking nothing"
request "$K/q" LOOKUP "State: France"
{ mail_headers someone@fr.example "LOOKUP"; printf 'Content-Type: text/plain\n\n'; cat "$K/q"; } > "$K/m"
send "$K/m"; ok "unsigned: the not-signed refusal" replied "$id"
ok "  it says why" says "$id" not-signed
ok "  and names no POC" leaks_nothing "$id"
request "$K/q" "JOURNAL DES ACCÈS"
{ mail_headers someone@fr.example "x"; printf 'Content-Type: text/plain; charset=utf-8\n\n'; cat "$K/q"; } > "$K/m"
send "$K/m"; replied "$id"; ok "an unsigned ACCESS-LOG (in French): the not-signed refusal" says "$id" not-signed fr
ok "  and names no POC" leaks_nothing "$id"
request "$K/q" LOOKUP "State: France"
smime_detached "$K/e" eve@de.example "x" "$K/q" "$K/m"
send "$K/m"; replied "$id"; ok "a valid certificate not enrolled: not enrolled" says "$id" not-enrolled
ok "  and names no POC" leaks_nothing "$id"
request "$K/q" LOOKUP "State: France"
pgp_mime "$K/j" "$jiro" jiro@jp.example "x" "$K/q" "$K/m"
send "$K/m"; replied "$id"
ok "an authority of Japan, which has no POC: not participating, encrypted to it" \
	says "$id" not-participating en "$K/j"
ok "  and names no POC" leaks_nothing "$id" "$K/j"
request "$K/q" ACCESS-LOG
pgp_mime "$K/j" "$jiro" jiro@jp.example "x" "$K/q" "$K/m"
send "$K/m"; replied "$id"; ok "  nor its ACCESS-LOG" says "$id" not-participating en "$K/j"
request "$K/q" LOOKUP "State: France"
pgp_mime "$K/v" "$victor" victor@fr.example "x" "$K/q" "$K/m"
send "$K/m"; replied "$id"; ok "a revoked signer: revoked" says "$id" revoked
ok "  and names no POC" leaks_nothing "$id"
send "$T/sent1" other@test.example; replied "$id"
ok "alice's first LOOKUP sent again: replayed, encrypted to her" says "$id" replayed en "$K/a"
ok "  and names no POC" leaks_nothing "$id" "$K/a"

echo "the daily limit of extracts (2 a State)"
request "$K/q" EXTRACT "Format: text"
pgp_mime "$K/a" "$alice" alice@fr.example "x" "$K/q" "$K/m"; send "$K/m"; replied "$id"
ok "France's first extract of the day is answered" pgp_open "$id" "$K/a"
ok "  with the whole directory and no attachment (text asked)" \
	sh -c "grep -qx 'Points of contact found: 4' '$T/$id/body.txt' && [ ! -s '$T/$id/attachments' ]"
request "$K/q" EXTRACT
pgp_mime "$K/a" "$alice" alice@fr.example "x" "$K/q" "$K/m"; send "$K/m"; replied "$id"
ok "France's second extract is answered" pgp_open "$id" "$K/a"
ok "  with the three attachments" has_attachments "$id" "directory.csv directory.vcf directory.json "
request "$K/q" EXTRACT
pgp_mime "$K/r" "$rita" rita@fr.example "x" "$K/q" "$K/m"; send "$K/m"; limited=$id
ok "the third, by France's other signer, is refused" replied "$id"
ok "  decrypted" pgp_open "$id" "$K/r"
ok "  it is the daily-limit refusal" grep -q "the most that one State may receive in one day" "$T/$id/body.txt"
ok "  with the limit's subject" subject_is "$id" en lookup-limit
ok "  and names no POC" leaks_nothing "$id" "$K/r"
ok "  not even encrypted" sh -c "! grep -qE 'FR-T-1|CERT-FR' '$T/$id/body.txt' && [ ! -s '$T/$id/attachments' ]"
ok "Germany's extract counts for Germany alone" \
	[ "$(sqlite3 "$DB" "select count(*) from lookups where state = 'DE' and verb = 'extract'")" -eq 1 ]
echo $((now + 86400)) > "$T/r/clock"
request "$K/q" EXTRACT "Format: json"
pgp_mime "$K/a" "$alice" alice@fr.example "x" "$K/q" "$K/m"; send "$K/m"; replied "$id"
ok "the next day on the robot's clock, France may extract again" pgp_open "$id" "$K/a"
ok "  and gets the JSON" $CHECK json "$T/$id/directory.json" "$DB"

echo "ACCESS-LOG"
# Returned France's POCs: alice's LOOKUP, bob's EXTRACT, France's three
# extracts. Not the lookups of Egypt, nor the refusals.
request "$K/q" "JOURNAL DES ACCÈS"
pgp_mime "$K/r" "$rita" rita@fr.example "x" "$K/q" "$K/m"; send "$K/m"; replied "$id"
ok "France's reader gets France's access log" pgp_open "$id" "$K/r"
ok "  in French" subject_is "$id" fr lookup-access-log
ok "  which counts five requests" grep -q ": 5$" "$T/$id/body.txt"
grep -E '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$T/$id/body.txt" > "$T/log"
ok "  and lists five" [ "$(wc -l < "$T/log")" -eq 5 ]
ok "  Germany's extract among them, with 2 of France's 4 POCs" grep -q "Allemagne (DE, autorité), extrait \[format=text,csv,json\]: 2 de vos points de contact, sur 4$" "$T/log"
ok "  France's own three extracts" [ "$(grep -c "France (FR, autorité), extrait" "$T/log")" -eq 3 ]
ok "  and alice's LOOKUP, with what was asked" grep -q "France (FR, autorité), consultation \[state=FR type=diplomatic,technical\]: 2 de vos points de contact, sur 2$" "$T/log"
request "$K/q" ACCESS-LOG
smime_detached "$K/b" bob@de.example "x" "$K/q" "$K/m"; send "$K/m"; replied "$id"
ok "Germany's access log, by S/MIME" smime_open "$id"
ok "  lists the three extracts of the whole directory by France, and its own" \
	[ "$(grep -cE '^[0-9]{4}-' "$T/$id/body.txt")" -eq 4 ]
ok "  and not alice's lookup of France" sh -c "! grep -q 'lookup \[state=FR' '$T/$id/body.txt'"

echo "a custodian signer (of no State) may look up"
request "$K/q" LOOKUP "State: Germany"
pgp_mime "$K/c" "$cora" cora@un.example "x" "$K/q" "$K/m"; send "$K/m"
ok "the custodian's LOOKUP is answered" replied "$id"
ok "  encrypted to the custodian's key" pgp_open "$id" "$K/c"
ok "  with Germany's POC" $CHECK text "$T/$id/body.txt" "$DB" DE

echo "the record"
ok "each answered request is a row of lookups (3 + 6 + 3 + 2 access logs + 1)" \
	[ "$(sqlite3 "$DB" 'select count(*) from lookups')" -eq 15 ]
ok "and an audit event, with the States returned" \
	[ "$(sqlite3 "$DB" "select count(*) from events where action in ('lookup', 'extract', 'access-log')")" -eq 15 ]
ok "bob's extract's event says 2 of France, 1 of Germany, 1 of Egypt" \
	sh -c "sqlite3 '$DB' \"select detail from events where action = 'extract' and actor = '$bob'\" | grep -qF '\"states\": {\"DE\": 1, \"EG\": 1, \"FR\": 2}'"
ok "the audit chain verifies" sh -c "$P audit verify >/dev/null"
ok "the messages were answered, not retried" [ -z "$(ls "$T/r/var/spool/quarantine")" ]
ok "no temporary file is left in VAR/tmp" [ "$(count_files "$T/r/var/tmp")" -eq 0 ]
stop_robot
keys_cleanup "$K"
finish
