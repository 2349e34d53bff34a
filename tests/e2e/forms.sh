#!/bin/sh
# forms.sh - nomination, update and withdrawal forms signed by an enrolled
# signer, through the real binary: applied and acknowledged in the form's
# language with the identifier and the ready-to-edit record; a dry run
# changes nothing; a form with problems changes nothing and gets each
# problem with its line; the POC's addresses are told, without data.
. "$(dirname "$0")/lib.sh"
. "$POCBOT_TOP/tests/lib/keys.sh"
MAILFILE="python3 $POCBOT_TOP/tests/e2e/mailfile.py"
K=$T/k
mkdir -p "$K" "$T/r"
port=$(free_port)
write_config "$T/r/pocbot.conf" "$port"
P="$POCBOT -c $T/r/pocbot.conf"
$P db migrate >/dev/null
$P state add FR >/dev/null
fr=$(pgp_person "$K/a" "Alice <alice@fr.example>" "$K/fr.asc")
$P signer add --state FR --role authority --pgp "$K/fr.asc" >/dev/null
bob=$(pgp_person "$K/b" "Bob <bob@fr.example>" "$K/bob.asc")
$P signer add --state FR --role authority --pgp "$K/bob.asc" >/dev/null
start_robot "$T/r/pocbot.conf"
out=$T/r/var/outbox/new
n=0

# signed FILE: signs FILE as PGP/MIME by France's signer and delivers it; $id is its Message-ID.
signed() {
	n=$((n + 1)) id=f$n
	pgp_mime "$K/a" "$fr" alice@fr.example "forms" "$1" "$K/m"
	sed "s/^Message-ID: <.*>/Message-ID: <$id@test.example>/" "$K/m" |
		$P deliver --sender alice@fr.example --recipient pocbot@robot.test 2>>"$T/deliver.log"
}
reply_to() { grep -l "^In-Reply-To: <$1@test.example>" "$out"/* 2>/dev/null | head -1; }
replied() {
	wait_for 20 sh -c "grep -l '^In-Reply-To: <$1@test.example>' '$out'/* >/dev/null 2>&1" || return 1
	read_signer_reply "$(reply_to "$1")" "$K/a" > "$T/$1.txt"
}
subject_is() { [ "$($MAILFILE "$(reply_to "$1")" Subject)" = "$(sed -n '1s/^Subject: //p' "$POCBOT_TOP/templates/$2/$3.txt")" ]; }
pocs() { sqlite3 "$T/r/var/pocbot.db" "$1"; }

echo "a nomination in French"
cat > "$K/nom" <<'F'
Madame, Monsieur,

Veuillez trouver ci-dessous notre désignation.

DÉSIGNATION
Type de point de contact : technique
Organisme : CERT-FR (ANSSI)
Page Web : https://www.cert.ssi.gouv.fr
Courriel : cert-fr@ssi.example, veille@ssi.example
Téléphone : +33 1 71 75 84 68
Langues : français, anglais
F
signed "$K/nom"; replied "$id"
ok "the nomination is acknowledged in French" subject_is "$id" fr ack
ok "the acknowledgement gives the new identifier" grep -q "FR-T-1" "$T/$id.txt"
ok "and the record as a ready-to-edit French form" grep -q "^Organisme: CERT-FR (ANSSI)" "$T/$id.txt"
ok "and says it stays pending until verified" grep -q "$(sed -n 's/^pending: *//p' "$POCBOT_TOP/templates/fr/problems.txt" | cut -d' ' -f1-4)" "$T/$id.txt"
ok "the POC is stored, pending, with E.164 phone and language codes" \
	[ "$(pocs "select id, state, type, status from pocs")" = "FR-T-1|FR|technical|pending" ]
ok "its languages are fr and en" [ "$(pocs "select group_concat(code, ',') from poc_languages where poc = 'FR-T-1'")" = "fr,en" ]
ok "its phone is normalised" [ "$(pocs "select e164 from poc_phones where poc = 'FR-T-1'")" = "+33171758468" ]
wait_for 20 sh -c "grep -l '^To: cert-fr@ssi.example' '$out'/* >/dev/null 2>&1"
notice=$(grep -l '^To: cert-fr@ssi.example' "$out"/* | head -1)
ok "the POC's address is told its record changed" [ -n "$notice" ]
ok "without any directory data" sh -c "! $MAILFILE '$notice' text | grep -q 'ANSSI'"

# decrypted NAME: every notice to bob decrypted with his key, into $T/NAME.
decrypted() {
	for f in $(grep -l '^To: bob@fr.example' "$out"/*); do
		read_signer_reply "$f" "$K/b"
	done > "$T/$1"
}
wait_for 20 sh -c "grep -l '^To: bob@fr.example' '$out'/* >/dev/null 2>&1"
decrypted bob1
ok "France's other signer is told, encrypted, with the details" grep -q "FR-T-1" "$T/bob1"

echo "an update in English, and a dry run"
printf 'UPDATE\nID: FR-T-1\nPhone: +33 1 00 00 00 00\n' > "$K/upd"
signed "$K/upd"; replied "$id"
ok "the update is acknowledged in English" subject_is "$id" en ack
ok "it shows the phone as it was and as it is" sh -c "grep -q '+33 1 71 75 84 68' '$T/$id.txt' && grep -q '+33 1 00 00 00 00' '$T/$id.txt'"
ok "version 2" [ "$(pocs "select version from pocs where id = 'FR-T-1'")" = 2 ]
printf 'DRY-RUN\n\nNOMINATE\nType: diplomatic\nOrganisation: MFA\nE-mail: desk@mfa.example\nPhone: +33 1 43 17 53 53\n' > "$K/dry"
signed "$K/dry"; replied "$id"
ok "a dry run is acknowledged as one" grep -q "DRY-RUN" "$T/$id.txt"
ok "and shows what it would create" grep -q "FR-D-1" "$T/$id.txt"
ok "but stores nothing" [ "$(pocs "select count(*) from pocs")" = 1 ]

echo "problems change nothing"
printf 'NOMINATE\nType: technical\nOrganisation: Two\nE-mail: two@example.org\nPhone: +33 1 00 00 00 01\n\nNOMINATE\nType: technical\nOrganisation: Broken\nE-mail: not an address\nPhone: +33 1 00 00 00 02\nColour: blue\n' > "$K/bad"
signed "$K/bad"; replied "$id"
ok "the errors reply is sent" subject_is "$id" en errors
ok "it quotes the bad e-mail with its line number" grep -q "Line 10: .*E-mail: not an address" "$T/$id.txt"
ok "and the unknown label" grep -q "Line 12: .*Colour: blue" "$T/$id.txt"
ok "nothing was stored, not even the good form" [ "$(pocs "select count(*) from pocs")" = 1 ]
sleep 1; decrypted bob2
ok "the refused attempt is told to the other signer too" grep -q "Colour: blue" "$T/bob2"
printf 'UPDATE\nID: DE-T-1\nPhone: +49 30 0000000\n' > "$K/other"
signed "$K/other"; replied "$id"
ok "an unknown identifier is a problem" grep -q "$(sed -n 's/^unknown-poc: *//p' "$POCBOT_TOP/templates/en/problems.txt" | cut -d' ' -f1-5)" "$T/$id.txt"

# bad NAME: a form that must be refused whole, with nothing stored.
bad() {
	_before=$(pocs "select count(*) || ':' || coalesce(max(version), 0) from pocs")
	signed "$K/$1"; replied "$id" && subject_is "$id" en errors &&
		[ "$(pocs "select count(*) || ':' || coalesce(max(version), 0) from pocs")" = "$_before" ]
}
printf 'NOMINATE\nType: policy\nOrganisation: No phone\nE-mail: p@example.org\n' > "$K/b1"
ok "a missing required field: refused, nothing stored" bad b1
printf 'NOMINATE\nType: policy\nOrganisation: X\nE-mail: p@example.org\nPhone: +33 1 00 00 00 09\nWeb page: ftp://files.example.org\n' > "$K/b2"
ok "an invalid URL: refused" bad b2
printf 'NOMINATE\nType: policy\nOrganisation: X\nE-mail: p@example.org\nPhone: call me\n' > "$K/b3"
ok "an invalid phone: refused" bad b3
printf 'NOMINATE\nState: Atlantis\nType: policy\nOrganisation: X\nE-mail: p@example.org\nPhone: +33 1 00 00 00 09\n' > "$K/b4"
ok "an unknown State: refused" bad b4
python3 -c 'print("NOMINATE\nType: policy\nOrganisation: " + "x" * 300 + "\nE-mail: p@example.org\nPhone: +33 1 00 00 00 09")' > "$K/b5"
ok "an oversized value: refused" bad b5
printf 'NOMINATE\nType: policy\nOrganisation: CERT\342\200\256RF-TREC\nE-mail: p@example.org\nPhone: +33 1 00 00 00 09\n' > "$K/b6"
ok "a bidi override in a value: refused" bad b6
python3 -c 'print("\n".join("NOMINATE\nType: policy\nOrganisation: O%d\nE-mail: p%d@example.org\nPhone: +33 1 00 00 00 %02d\n" % (i, i, i) for i in range(21)))' > "$K/b7"
ok "too many forms in one message: refused" bad b7
printf 'DRY-RUN\nNOMINATE\nType: policy\nOrganisation: x'"'"'); DROP TABLE pocs;--\nE-mail: p@example.org\nPhone: +33 1 00 00 00 09\n' > "$K/sql"
signed "$K/sql"; replied "$id"
ok "SQL metacharacters are text: shown verbatim, tables intact" \
	sh -c "grep -qF \"x'); DROP TABLE pocs;--\" '$T/$id.txt' && [ \$(sqlite3 '$T/r/var/pocbot.db' 'select count(*) from pocs') -ge 1 ]"
printf 'NOMINATE\nType: law enforcement\nOrganisation: Gendarmerie\nE-mail: c3n@gendarmerie.intérieur.example\nPhone: +33 1 00 00 00 10\n' > "$K/idn"
signed "$K/idn"; replied "$id"
ok "an internationalised domain is stored as written" \
	[ "$(pocs "select address from poc_emails where address like 'c3n@%'")" = "c3n@gendarmerie.intérieur.example" ]
wait_for 20 sh -c "grep -l '^To: c3n@gendarmerie.xn--' '$out'/* >/dev/null 2>&1"
ok "and mailed as A-labels" sh -c "grep -l '^To: c3n@gendarmerie.xn--' '$out'/* | grep -q ."

echo "withdrawal"
printf 'WITHDRAW\nID: FR-T-1\nReason: replaced by a new team\n' > "$K/wd"
signed "$K/wd"; replied "$id"
ok "the withdrawal is acknowledged" subject_is "$id" en ack
ok "the POC is withdrawn with its reason" [ "$(pocs "select status, withdrawn_reason from pocs where id = 'FR-T-1'")" = "withdrawn|replaced by a new team" ]
printf 'UPDATE\nID: FR-T-1\nPhone: +33 1 00 00 00 03\n' > "$K/upd2"
signed "$K/upd2"; replied "$id"
ok "a withdrawn POC cannot be updated" subject_is "$id" en errors
ok "every change is in the audit trail, intact" sh -c "$P audit verify | grep -q 'intact'"
ok "poc list --all shows it withdrawn" sh -c "$P poc list --all | grep -q 'FR-T-1.*withdrawn'"
keys_cleanup "$K"
finish
