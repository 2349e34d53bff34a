#!/bin/sh
# answers.sh - who the robot answers, and how (issue 12, F1 and F8;
# DESIGN.md 3a): a reply to an enrolled signer goes encrypted to its key,
# at Reply-To only when that is an address of the key, else at From when it
# is one, else at the key's first address, for OpenPGP and S/MIME signers;
# a planted Reply-To gets nothing; a signature that does not verify is
# answered once a day, encrypted, only at an enrolled signer's address; a
# valid signature by a key that is not enrolled gets the enrolment refusal
# in clear only when its key holds From; a replay gets its refusal
# encrypted.
. "$(dirname "$0")/lib.sh"
. "$POCBOT_TOP/tests/lib/keys.sh"
MAILFILE="python3 $POCBOT_TOP/tests/e2e/mailfile.py"
K=$T/k
mkdir -p "$K" "$T/r"
port=$(free_port)
write_config "$T/r/pocbot.conf" "$port" "[limits]" "help_per_day = 5"
P="$POCBOT -c $T/r/pocbot.conf"
$P db migrate >/dev/null
$P state add DE >/dev/null && $P state add FR >/dev/null

echo "enrolment"
de=$(pgp_person "$K/g" "Gerd <gerd@de.example>" "$K/de.asc")
gpg --homedir "$K/g" --batch --pinentry-mode loopback --passphrase '' \
	--quick-add-uid "$de" "Gerd <gerd@bücher.example>" 2>/dev/null
gpg --homedir "$K/g" --batch --pinentry-mode loopback --passphrase '' \
	--quick-set-primary-uid "$de" "Gerd <gerd@de.example>" 2>/dev/null
pgp_export "$K/g" "$de" "$K/de.asc"
ok "Germany's OpenPGP authority is enrolled" $P signer add --state DE --role authority --pgp "$K/de.asc"
# fiona's certificate names two addresses
ca_make "$K/ca"
mkdir -p "$K/fi"
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=emailProtection\nsubjectAltName=email:fiona@fr.example,email:desk@fr.example\n' > "$K/fi/ext.cnf"
openssl req -newkey rsa:2048 -nodes -keyout "$K/fi/key.pem" -out "$K/fi/req.pem" -subj "/CN=Fiona" 2>/dev/null
openssl x509 -req -in "$K/fi/req.pem" -CA "$K/ca/ca.pem" -CAkey "$K/ca/ca.key" -CAcreateserial \
	-days 825 -sha256 -extfile "$K/fi/ext.cnf" -out "$K/fi/cert.pem" 2>/dev/null
ok "France's S/MIME authority is enrolled" \
	$P signer add --state FR --role authority --smime "$K/fi/cert.pem" --chain "$K/ca/ca.pem"
pgp_home "$K/n"
gpg --homedir "$K/n" --batch --pinentry-mode loopback --passphrase '' \
	--quick-gen-key "Nameless" future-default default never 2>/dev/null
gpg --homedir "$K/n" --batch --armor --export > "$K/n.asc"
ok "a key with no e-mail address is refused (65)" pocbot 65 signer add --state DE --role reader --pgp "$K/n.asc"
ok "  saying why" grep -q "no e-mail address" "$OUT.err"
mkdir -p "$K/na"
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n' > "$K/na/ext.cnf"
openssl req -newkey rsa:2048 -nodes -keyout "$K/na/key.pem" -out "$K/na/req.pem" -subj "/CN=No Address" 2>/dev/null
openssl x509 -req -in "$K/na/req.pem" -CA "$K/ca/ca.pem" -CAkey "$K/ca/ca.key" -CAcreateserial \
	-days 825 -sha256 -extfile "$K/na/ext.cnf" -out "$K/na/cert.pem" 2>/dev/null
ok "a certificate with no e-mail address is refused (65)" \
	pocbot 65 signer add --state FR --role reader --smime "$K/na/cert.pem" --chain "$K/ca/ca.pem"
ok "nothing of them was enrolled" [ "$(sqlite3 "$T/r/var/pocbot.db" 'select count(*) from signers')" = 2 ]
nora=$(smime_signer "$K/ca" "$K/no" nora@it.example)	# a valid certificate, not enrolled

start_robot "$T/r/pocbot.conf"
out=$T/r/var/outbox/new
n=0

# deliver FILE [REPLY-TO]: delivers FILE under a fresh Message-ID (left in
# $id), with an unsigned outer Reply-To added when one is given.
deliver() {
	n=$((n + 1)) id=a$n
	awk -v id="$id" -v r="${2:-}" '
		!h && /^Message-ID: / { print "Message-ID: <" id "@test.example>"; next }
		!h && r != "" && /^From: / { print "Reply-To: " r }
		/^\r?$/ { h = 1 } { print }' "$1" |
		$P deliver --sender relay@elsewhere.example --recipient pocbot@robot.test 2>>"$T/deliver.log"
}
reply_to() { grep -l "^In-Reply-To: <$1@test.example>" "$out"/* 2>/dev/null | head -1; }
replied() { wait_for 20 sh -c "grep -l '^In-Reply-To: <$1@test.example>' '$out'/* >/dev/null 2>&1"; }
outcome() { sqlite3 "$T/r/var/pocbot.db" "select outcome from messages where message_id = '$1@test.example'"; }
recorded() { [ -n "$(outcome "$1")" ]; }
all_sent() { [ "$(sqlite3 "$T/r/var/pocbot.db" "select count(*) from outbox where state = 'queued'")" = 0 ]; }
# unanswered ID: ID was processed, recorded and not answered.
unanswered() { wait_for 20 recorded "$1" && [ "$(outcome "$1")" = silent ] && [ -z "$(reply_to "$1")" ]; }
# to_is ID ADDR: the reply to ID went to ADDR.
to_is() { [ "$($MAILFILE "$(reply_to "$1")" To)" = "$2" ]; }
# reason KEY: the first words of reasons.txt's KEY.
reason() { sed -n "s/^$1: *//p" "$POCBOT_TOP/templates/en/reasons.txt" | cut -d' ' -f1-5; }
says() { tr '\n' ' ' < "$1" | tr -s ' ' | grep -qF "$(reason "$2")"; }
# clean_at ADDR PATTERN: no message to ADDR holds PATTERN, every part decoded.
clean_at() {
	for _f in $(grep -l "^To: $1" "$out"/* 2>/dev/null); do
		read_reply "$_f" - all > "$T/at" || return 1
		grep -q "$2" "$T/at" && return 1
	done
	return 0
}
# reads ID KEYS FILE: the reply to ID is encrypted and KEYS decrypt it into FILE.
reads() { reads_file "$(reply_to "$1")" "$2" "$3"; }
reads_file() { read_signer_reply "$1" "$2" > "$3" && [ -s "$3" ]; }
# clear_reads ID FILE: the reply to ID is in clear; its text into FILE.
clear_reads() { read_reply "$(reply_to "$1")" - > "$2" && [ -s "$2" ]; }
fresh() { od -An -N6 -tx1 /dev/urandom | tr -d ' '; }

echo "the Reply-To redirect (F1)"
printf 'NOMINATE\nType: technical\nOrganisation: CERT-Bund\nE-mail: cert-bund@bsi.example\nPhone: +49 228 99 9582 0\nLanguages: German, English\n' > "$K/nom"
pgp_mime "$K/g" "$de" gerd@de.example "x" "$K/nom" "$K/m"
deliver "$K/m"; replied "$id"
ok "the nomination's acknowledgement goes to the signer" to_is "$id" gerd@de.example
ok "  encrypted, and gerd's key reads it" reads "$id" "$K/g" "$T/nom.txt"
ok "  (the new identifier)" grep -q "DE-T-1" "$T/nom.txt"
printf 'UPDATE\nID: DE-T-1\nPhone: +49 228 99 9582 5555\n' > "$K/upd"
pgp_mime "$K/g" "$de" gerd@de.example "x" "$K/upd" "$K/m"
deliver "$K/m" attacker@evil.example; replied "$id"
ok "a signed UPDATE with a planted Reply-To: the acknowledgement goes to the key's address" \
	to_is "$id" gerd@de.example
ok "  encrypted, and gerd's key reads it" reads "$id" "$K/g" "$T/upd.txt"
ok "  (the record, old and new phone)" \
	sh -c "grep -q '9582 5555' '$T/upd.txt' && grep -q 'DE-T-1' '$T/upd.txt'"
wait_for 20 all_sent	# every message of the transaction is in the Maildir
ok "nothing was sent to the attacker's address" [ -z "$(grep -l '^To: attacker@evil.example' "$out"/*)" ]
for pat in DE-T-1 CERT-Bund 9582 cert-bund@bsi.example; do
	ok "  no \"$pat\" at attacker@evil.example" clean_at attacker@evil.example "$pat"
done

echo "the signer address, OpenPGP"
printf 'HELP\n(%s)\n' "$(fresh)" > "$K/help"
pgp_mime "$K/g" "$de" gerd.home@mail.example "x" "$K/help" "$K/m"
deliver "$K/m"; replied "$id"
ok "From not an address of the key: the reply goes to the key's first address" \
	to_is "$id" gerd@de.example
ok "  encrypted" reply_encrypted "$(reply_to "$id")"
printf 'HELP\n(%s)\n' "$(fresh)" > "$K/help"
pgp_mime "$K/g" "$de" gerd@de.example "x" "$K/help" "$K/m"
deliver "$K/m" "Gerd <GERD@Bücher.example>"; replied "$id"
ok "Reply-To another address of the key (Unicode, other case): honoured, as A-labels" \
	to_is "$id" gerd@xn--bcher-kva.example
ok "  encrypted, and gerd's key reads it" reads "$id" "$K/g" "$T/h.txt"

echo "the signer address, S/MIME"
printf 'HELP\n(%s)\n' "$(fresh)" > "$K/help"
smime_detached "$K/fi" fiona@fr.example "x" "$K/help" "$K/m"
deliver "$K/m" attacker@evil.example; replied "$id"
ok "an S/MIME signer with a planted Reply-To: answered at From, its certificate's" \
	to_is "$id" fiona@fr.example
ok "  S/MIME encrypted" [ "$(read_reply "$(reply_to "$id")" - kind)" = smime ]
ok "  and fiona's key reads it" reads "$id" "$K/fi" "$T/s.txt"
printf 'HELP\n(%s)\n' "$(fresh)" > "$K/help"
smime_detached "$K/fi" someone@fr.example "x" "$K/help" "$K/m"
deliver "$K/m" DESK@fr.example; replied "$id"
ok "Reply-To the certificate's other subjectAltName: honoured" to_is "$id" desk@fr.example
ok "  encrypted, and fiona's key reads it" reads "$id" "$K/fi" "$T/s2.txt"

echo "signatures that do not verify (F8 a)"
# garbage FROM FILE: a multipart/signed whose signature is garbage.
garbage() {
	{
		mail_headers "$1" "x"
		printf 'Content-Type: multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature"; boundary="b"\n\n'
		printf -- '--b\nContent-Type: text/plain\n\nNOMINATE\n(%s)\n--b\n' "$(fresh)"
		printf 'Content-Type: application/pgp-signature\n\n-----BEGIN PGP SIGNATURE-----\n\nbm90IGEgc2lnbmF0dXJl\n-----END PGP SIGNATURE-----\n--b--\n'
	} > "$2"
}
first=$((n + 1))
for i in 1 2 3; do garbage gerd@de.example "$K/m"; deliver "$K/m"; done
wait_for 30 recorded "$id" && wait_for 20 all_sent
got=0 one=
for i in $first $((first + 1)) $((first + 2)); do
	f=$(reply_to "a$i"); [ -n "$f" ] && { got=$((got + 1)); one=$f; }
done
ok "three garbage signatures from a signer's address in a day: exactly one refusal" [ "$got" = 1 ]
ok "  to that address" sh -c "[ \"\$($MAILFILE '$one' To)\" = gerd@de.example ]"
ok "  encrypted, and gerd's key reads why" reads_file "$one" "$K/g" "$T/g.txt"
unreadable() { says "$1" malformed || says "$1" bad-signature; }
ok "  (a signature that cannot be read)" unreadable "$T/g.txt"
ok "  the other two are recorded, rate-limited" \
	[ "$(sqlite3 "$T/r/var/pocbot.db" "select count(*) from messages where outcome = 'rate-limited'")" = 2 ]
garbage stranger@nowhere.example "$K/m"; deliver "$K/m"
ok "a garbage signature from a stranger: recorded, not answered" unanswered "$id"
{
	mail_headers stranger@nowhere.example "x" | grep -v MIME-Version
	printf 'MIME-Version: 1.0\nContent-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\nContent-Transfer-Encoding: base64\n\nbm90IGEgc2lnbmF0dXJlLCBub3QgZXZlbiBERVI=\n'
} > "$K/m"
deliver "$K/m"
ok "a garbage pkcs7 from a stranger: recorded, not answered" unanswered "$id"

echo "valid signatures by keys that are not enrolled (F8 b)"
printf 'NOMINATE\nType: technical\n(%s)\n' "$(fresh)" > "$K/nom2"
smime_detached "$K/no" nora@it.example "x" "$K/nom2" "$K/m"
deliver "$K/m"; replied "$id"
ok "a valid certificate not enrolled, holding From: a clear refusal" \
	clear_reads "$id" "$T/b.txt"
ok "  which says how to be enrolled" says "$T/b.txt" not-enrolled
ok "  in clear, to From" to_is "$id" nora@it.example
printf 'NOMINATE\nType: technical\n(%s)\n' "$(fresh)" > "$K/nom2"
smime_detached "$K/no" victim@elsewhere.example "x" "$K/nom2" "$K/m"
deliver "$K/m"
ok "a valid certificate not enrolled, not holding From: silence" unanswered "$id"

echo "replay (F8 c)"
printf 'HELP\n(%s)\n' "$(fresh)" > "$K/help"
pgp_mime "$K/g" "$de" gerd@de.example "x" "$K/help" "$K/m"
deliver "$K/m"; replied "$id"
deliver "$K/m" attacker@evil.example; replied "$id"
ok "a replayed signature: refused, at the signer's address" to_is "$id" gerd@de.example
ok "  encrypted, and gerd's key reads it" reads "$id" "$K/g" "$T/r.txt"
ok "  (replayed)" says "$T/r.txt" replayed

ok "nothing was quarantined" [ -z "$(ls "$T/r/var/spool/quarantine")" ]
keys_cleanup "$K"
finish
