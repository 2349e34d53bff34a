#!/bin/sh
# trust.sh - signatures through the real binary: an enrolled signer's
# signed mail is accepted, in every form real clients send; every refusal
# reason gets its signed refusal (encrypted to an enrolled signer, in clear
# to anyone else) and changes nothing; the robot's replies verify with gpg
# and openssl.
. "$(dirname "$0")/lib.sh"
. "$POCBOT_TOP/tests/lib/keys.sh"
MAILFILE="python3 $POCBOT_TOP/tests/e2e/mailfile.py"
K=$T/k		# the signers' own homes and certificates: short paths
mkdir -p "$K" "$T/r"

port=$(free_port)
now=$(date +%s)
echo "$now" > "$T/r/clock"
write_config "$T/r/pocbot.conf" "$port" "[test]" "clock_file = clock" "[limits]" "help_per_day = 100"
P="$POCBOT -c $T/r/pocbot.conf"
$P db migrate >/dev/null
$P state add FR >/dev/null && $P state add DE >/dev/null

echo "signers"
fr=$(pgp_person "$K/a" "Alice <alice@fr.example>" "$K/fr.asc")
ok "an OpenPGP signer is enrolled for FR" $P signer add --state FR --role authority --pgp "$K/fr.asc"
sub=$(pgp_person "$K/s" "Sub <sub@fr.example>" "$K/sub.asc" subkey)
ok "a key that signs with a subkey is enrolled" $P signer add --state FR --role authority --pgp "$K/sub.asc"
pgp_home "$K/x"
stranger=$(pgp_signer "$K/x" "Xavier <x@nowhere.example>")
ca_make "$K/ca"
de=$(smime_signer "$K/ca" "$K/de" bob@de.example)
other=$(smime_signer "$K/ca" "$K/o" eve@de.example)
ok "an S/MIME signer is enrolled for DE with its chain" \
	$P signer add --state DE --role authority --smime "$K/de/cert.pem" --chain "$K/de/chain.pem"
gina=$(smime_signer "$K/ca" "$K/gs" gina@de.example sign-only)
gina_enc=$(smime_signer "$K/ca" "$K/ge" gina@de.example)
ok "an S/MIME signer with a separate encryption certificate is enrolled" \
	$P signer add --state DE --role authority --smime "$K/gs/cert.pem" --chain "$K/gs/chain.pem" \
		--encrypt-cert "$K/ge/cert.pem"
reader=$(pgp_person "$K/r" "Rita <rita@fr.example>" "$K/r.asc")
ok "a reader is enrolled for FR" $P signer add --state FR --role reader --pgp "$K/r.asc"
revoked=$(pgp_person "$K/v" "Victor <victor@fr.example>" "$K/v.asc")
$P signer add --state FR --role authority --pgp "$K/v.asc" >/dev/null
ok "a signer is revoked" $P signer revoke "$revoked" --reason "left the ministry"

start_robot "$T/r/pocbot.conf"
out=$T/r/var/outbox/new
n=0

# send FILE [SENDER]: delivers a message under a fresh Message-ID, left in $id.
send() {
	n=$((n + 1)) id=m$n
	sed "s/^Message-ID: <.*>/Message-ID: <$id@test.example>/" "$1" > "$T/sent$n"
	"$POCBOT" -c "$T/r/pocbot.conf" deliver --sender "${2:-sender@test.example}" --recipient pocbot@robot.test \
		< "$T/sent$n" 2>>"$T/deliver.log"
}
reply_to() { grep -l "^In-Reply-To: <$1@test.example>" "$out"/* 2>/dev/null | head -1; }
# replied ID [KEYS]: waits for the reply to ID and saves its text in
# $T/ID.txt, as its recipient reads it: a signer (KEYS its keys) gets it
# encrypted, anyone else ("-", the default) in clear; fails otherwise.
replied() {
	wait_for 20 sh -c "grep -l '^In-Reply-To: <$1@test.example>' '$out'/* >/dev/null 2>&1" || return 1
	if [ "${2:--}" = - ]; then
		read_reply "$(reply_to "$1")" - > "$T/$1.txt"
	else
		read_signer_reply "$(reply_to "$1")" "$2" > "$T/$1.txt"
	fi
}
# says ID KEY [LANG] [KEYS]: the reply to ID gives the reason KEY of reasons.txt.
says() {
	replied "$1" "${4:--}" || return 1
	_want=$(sed -n "s/^$2: *//p" "$POCBOT_TOP/templates/${3:-en}/reasons.txt" | cut -d' ' -f1-6)
	tr '\n' ' ' < "$T/$1.txt" | tr -s ' ' | grep -qF "$_want"
}
help_reply() { replied "$1" "$2" && grep -q "^Subject: Help" "$(reply_to "$1")"; }
# outcome ID: what the robot recorded of the message ID ("" before it is processed).
outcome() { sqlite3 "$T/r/var/pocbot.db" "select outcome from messages where message_id = '$1@test.example'"; }
recorded() { [ -n "$(outcome "$1")" ]; }
# unanswered ID: the message ID was processed, recorded, and not answered.
unanswered() { wait_for 20 recorded "$1" && [ "$(outcome "$1")" = silent ] && [ -z "$(reply_to "$1")" ]; }

# help / nominate: fresh bodies (a signature over the same text in the same
# second would be the same signature to the replay guard).
help() { printf 'HELP\n\n(%s)\n' "$(od -An -N6 -tx1 /dev/urandom | tr -d ' ')" > "$K/help"; }
nominate() { printf 'Dear colleagues,\n\nNOMINATE\nType: technical\nNotes: %s\n' "$(od -An -N6 -tx1 /dev/urandom | tr -d ' ')" > "$K/nominate"; }

echo "accepted"
help; pgp_mime "$K/a" "$fr" alice@fr.example "a subject the robot ignores" "$K/help" "$K/m"
send "$K/m"; ok "PGP/MIME by an enrolled signer gets the help, encrypted to its key" help_reply "$id" "$K/a"
ok "the reply is PGP/MIME encrypted" [ "$(read_reply "$(reply_to "$id")" - kind)" = pgp ]
help; pgp_clearsigned "$K/s" "$sub" sub@fr.example "x" "$K/help" "$K/m"
send "$K/m"; ok "inline PGP by a subkey-signing key is accepted" help_reply "$id" "$K/s"
{ cat "$K/m"; printf '\nNOMINATE\nUnsigned footer\n'; } > "$K/m2"
send "$K/m2"; ok "text after the signed block is ignored, and the reply says so" says "$id" outside-text en "$K/s"
help; smime_detached "$K/de" bob@de.example "x" "$K/help" "$K/m"
send "$K/m"; ok "S/MIME detached by an enrolled signer gets the help" help_reply "$id" "$K/de"
ok "the answer to S/MIME is S/MIME encrypted" [ "$(read_reply "$(reply_to "$id")" - kind)" = smime ]
help; smime_opaque "$K/de" bob@de.example "x" "$K/help" "$K/m"
send "$K/m"; ok "S/MIME opaque is accepted" help_reply "$id" "$K/de"
help; cms_detached "$K/de" bob@de.example "x" "$K/help" "$K/m"
send "$K/m"; ok "openssl cms -sign is accepted" help_reply "$id" "$K/de"

printf 'Estimados colegas:\n\nles escribimos para confirmar los datos de la misión, por favor.\n(%s)\n' "$(date +%N)" > "$K/es"
pgp_mime "$K/a" "$fr" alice@fr.example "x" "$K/es" "$K/m"
send "$K/m"; replied "$id" "$K/a"
ok "signed mail in Spanish with no command gets the help in Spanish" \
	sh -c "$MAILFILE '$(reply_to "$id")' Subject | grep -qxF \"\$(sed -n '1s/^Subject: //p' '$POCBOT_TOP/templates/es/help.txt')\""

echo "refused"
nominate; { mail_headers someone@fr.example "NOMINATE"; printf 'Content-Type: text/plain\n\n'; cat "$K/nominate"; } > "$K/m"
send "$K/m"; ok "an unsigned form gets the not-signed refusal, in clear" says "$id" not-signed
not_signed_reply=$id
nominate; pgp_mime "$K/a" "$fr" alice@fr.example "x" "$K/nominate" "$K/m"
sed 's/^Type: technical/Type: diplomatic/' "$K/m" > "$K/m2"
send "$K/m2"; ok "a tampered message from a signer's address: bad signature, encrypted to it" \
	says "$id" bad-signature en "$K/a"
nominate; pgp_mime "$K/x" "$stranger" x@nowhere.example "x" "$K/nominate" "$K/m"
send "$K/m"; ok "an unknown key from a stranger's address: recorded, not answered" unanswered "$id"
nominate; smime_detached "$K/o" eve@de.example "x" "$K/nominate" "$K/m"
send "$K/m"; ok "a valid certificate that is not enrolled, holding From: not enrolled, in clear" \
	says "$id" not-enrolled
smime_clear_reply=$id
nominate; smime_detached "$K/gs" gina@de.example "x" "$K/nominate" "$K/m"
send "$K/m"; ok "the signing certificate of a signer with an encryption certificate is accepted" \
	replied "$id" "$K/ge"
ok "  (no refusal)" sh -c "! grep -q 'not enrolled' '$T/$id.txt'"
nominate; smime_detached "$K/ge" gina@de.example "x" "$K/nominate" "$K/m"
send "$K/m"; ok "a signature by a signer's encryption certificate: not enrolled" says "$id" not-enrolled
nominate; pgp_mime "$K/v" "$revoked" victor@fr.example "x" "$K/nominate" "$K/m"
send "$K/m"; ok "a revoked signer: revoked, in clear" says "$id" revoked
nominate; smime_detached "$K/de" bob@de.example "x" "$K/nominate" "$K/m" sha1
send "$K/m"; ok "a SHA-1 signature from a signer's address: weak, encrypted to it" \
	says "$id" weak en "$K/de"
help; pgp_mime "$K/a" "$fr" alice@fr.example "x" "$K/help" "$K/m"
send "$K/m"; help_reply "$id" "$K/a"
send "$K/m" other@test.example; ok "the same signature in another message: replayed, encrypted" \
	says "$id" replayed en "$K/a"
nominate; pgp_mime "$K/a" "$fr" alice@fr.example "x" "$K/nominate" "$K/inner"
{
	mail_headers alice@fr.example "Fwd: nomination"
	printf 'Content-Type: multipart/mixed; boundary="fw"\n\n--fw\nContent-Type: text/plain\n\nNOMINATE\n\n--fw\nContent-Type: message/rfc822\n\n'
	cat "$K/inner"
	printf '\n--fw--\n'
} > "$K/m"
send "$K/m"; ok "a signed message forwarded as message/rfc822 counts as unsigned" says "$id" not-signed

printf 'NOMINATE\nState: Germany\nType: technical\nNotes: %s\n' "$(date +%N)" > "$K/other-state"
pgp_mime "$K/a" "$fr" alice@fr.example "x" "$K/other-state" "$K/m"
send "$K/m"; ok "France's signer nominating for Germany: wrong State" says "$id" wrong-state en "$K/a"
printf 'Bonjour,\n\nDÉSIGNATION\nÉtat : France\nNotes: %s\n' "$(date +%N)" > "$K/reader-form"
pgp_mime "$K/r" "$reader" rita@fr.example "x" "$K/reader-form" "$K/m"
send "$K/m"; ok "a reader's nomination (in French): not authorised, said in French" \
	says "$id" not-authorised fr "$K/r"
ok "the refusal's subject is the French one" sh -c "$MAILFILE '$(reply_to "$id")' Subject | grep -qxF \"\$(sed -n '1s/^Subject: //p' '$POCBOT_TOP/templates/fr/refusal.txt')\""
# only a State with a POC reads the directory (issue 6): France nominated one
sqlite3 "$T/r/var/pocbot.db" "INSERT INTO pocs (id, state, type, number, organisation, status, version, created,
	updated) VALUES ('FR-T-99', 'FR', 'technical', 99, 'CERT-FR', 'active', 1, 0, 0)"
printf 'LOOKUP\nState: Germany\nNotes: %s\n' "$(date +%N)" > "$K/lookup"
pgp_mime "$K/r" "$reader" rita@fr.example "x" "$K/lookup" "$K/m"
send "$K/m"; replied "$id" "$K/r"
ok "a reader may look up another State (answered, not refused)" sh -c "! grep -q '^Subject: Request not carried out' '$(reply_to "$id")'"

echo "the window"
help; pgp_mime "$K/a" "$fr" alice@fr.example "x" "$K/help" "$K/m"
echo $((now + 8 * 86400)) > "$T/r/clock"
send "$K/m"; ok "signed eight days before the robot's now: too old, encrypted" says "$id" too-old en "$K/a"
echo $((now - 7200)) > "$T/r/clock"
send "$K/m" late@test.example
ok "dated two hours ahead of the robot's now: in the future, encrypted" says "$id" in-future en "$K/a"
echo "$now" > "$T/r/clock"

echo "the robot's signatures verify with the real tools"
$P keys export "$T/pub" >/dev/null
# the reply to unsigned mail is signed in [robot] sign_default: S/MIME
# (sign-default.sh checks the PGP/MIME one with gpg)
f=$(reply_to "$not_signed_reply")
ok "openssl verifies the robot's S/MIME signature on the reply to unsigned mail" \
	sh -c "openssl smime -verify -in '$f' -CAfile '$T/pub/pocbot.pem' -out /dev/null 2>/dev/null"
f=$(reply_to "$smime_clear_reply")
ok "openssl verifies the robot's S/MIME signature" sh -c "openssl smime -verify -in '$f' -CAfile '$T/pub/pocbot.pem' -out /dev/null 2>/dev/null"

echo "the State's other signers are told, encrypted"
notice=$(grep -l "^Subject: Signing keys of France" "$out"/* | xargs grep -l "^To: alice@fr.example" | head -1)
ok "alice is told of the later enrolments for France" [ -n "$notice" ]
ok "the notice is encrypted" sh -c "$MAILFILE '$notice' type | grep -qx multipart/encrypted"
# decrypt every notice alice got: one of them names the subkey signer
for f in $(grep -l "^Subject: Signing keys of France" "$out"/* | xargs grep -l "^To: alice@fr.example"); do
	python3 -c 'import email, sys; m = email.message_from_binary_file(open(sys.argv[1], "rb")); sys.stdout.buffer.write(m.get_payload()[1].get_payload(decode=True))' "$f" > "$T/enc"
	gpg --homedir "$K/a" --batch --decrypt "$T/enc" 2>/dev/null
done > "$T/dec"
ok "alice's key decrypts them, and one names the new signer's fingerprint" grep -q "$sub" "$T/dec"
ok "nothing was quarantined" [ -z "$(ls "$T/r/var/spool/quarantine")" ]
keys_cleanup "$K"
finish
