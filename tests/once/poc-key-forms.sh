#!/bin/sh
# poc-key-forms.sh - POC keys in the forms (issue 20, items 1 and 2), through
# the real binary: a NOMINATE with the technical POC's OpenPGP key attached
# inside PGP/MIME signed content, an UPDATE pasting an S/MIME certificate
# and its chain after Key:, acknowledged with fingerprint and expiry and on
# record (poc_keys); an UPDATE dropping an address drops its key; Key:
# remove; each refusal quoting its reason and changing nothing (among them
# a certificate whose CA only an earlier form gave, a newer weak encryption
# subkey, a binary secret key, a PKCS#12), nothing secret in the POC home;
# a POC home that fails leaves the form for a retry, not refused; the POC
# certificate's CA stays out of the robot's own home: a signature by
# another certificate of that CA is refused as before.
. "$(dirname "$0")/../e2e/lib.sh"
. "$POCBOT_TOP/tests/lib/keys.sh"
MAILFILE="python3 $POCBOT_TOP/tests/e2e/mailfile.py"
K=$T/k
mkdir -p "$K" "$T/r"
port=$(free_port)
write_config "$T/r/pocbot.conf" "$port"
P="$POCBOT -c $T/r/pocbot.conf"
$P db migrate >/dev/null
$P state add DE >/dev/null
de=$(pgp_person "$K/a" "Anna <anna@de.example>" "$K/de.asc")
$P signer add --state DE --role authority --pgp "$K/de.asc" >/dev/null
out=$T/r/var/outbox/new
db() { sqlite3 "$T/r/var/pocbot.db" "$1"; }
n=0

# poc_key NAME "UID" [ALGO USAGE EXPIRY [gpg options]]: a POC's OpenPGP key in
# its own home $K/NAME, exported to $K/NAME.asc; prints its fingerprint.
poc_key() {
	_h=$K/$1; pgp_home "$_h"
	gpg --homedir "$_h" --batch --pinentry-mode loopback --passphrase '' ${6:-} \
		--quick-gen-key "$2" "${3:-future-default}" "${4:-default}" "${5:-1y}" 2>/dev/null
	_f=$(gpg --homedir "$_h" --with-colons -k "$2" | awk -F: '$1 == "fpr" { print $10; exit }')
	pgp_export "$_h" "$_f" "$K/$1.asc"
	echo "$_f"
}

# send BODY [FILE TYPE NAME]: BODY (and FILE attached as TYPE, named NAME)
# signed PGP/MIME by Germany's authority and delivered; $id its Message-ID.
send() {
	n=$((n + 1)) id=k$n
	if [ $# -gt 1 ]; then
		{
			printf 'Content-Type: multipart/mixed; boundary="mix"\n\n--mix\n'
			printf 'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n'
			cat "$1"
			printf '\n--mix\nContent-Type: %s; name="%s"\n' "$3" "$4"
			printf 'Content-Disposition: attachment; filename="%s"\n' "$4"
			printf 'Content-Transfer-Encoding: base64\n\n'
			base64 < "$2"; printf -- '--mix--\n'
		} | crlf > "$K/entity"
		pgp_mime_entity "$K/a" "$de" anna@de.example "keys" "$K/entity" "$K/m" "$id@test.example"
	else
		pgp_mime "$K/a" "$de" anna@de.example "keys" "$1" "$K/m"
		sed -i "s/^Message-ID: <.*>/Message-ID: <$id@test.example>/" "$K/m"
	fi
	$P deliver --sender anna@de.example --recipient pocbot@robot.test < "$K/m" 2>>"$T/deliver.log"
}
reply_to() { grep -l "^In-Reply-To: <$1@test.example>" "$out"/* 2>/dev/null | head -1; }
replied() {
	wait_for 20 sh -c "grep -l '^In-Reply-To: <$1@test.example>' '$out'/* >/dev/null 2>&1" || return 1
	read_signer_reply "$(reply_to "$1")" "$K/a" > "$T/$1.txt"
}
subject_is() { [ "$($MAILFILE "$(reply_to "$1")" Subject)" = "$(sed -n '1s/^Subject: //p' "$POCBOT_TOP/templates/en/$2.txt")" ]; }
has() { grep -qF -- "$2" "$T/$1.txt" || { echo "    no \"$2\" in $1:" >&2; sed 's/^/    | /' "$T/$1.txt" >&2; return 1; }; }
phrase() { sed -n "s/^$1: //p" "$POCBOT_TOP/templates/en/problems.txt" | cut -c1-40; }
day() { date -u -d "@$1" +%Y-%m-%d; }
expiry_of() { gpg --homedir "$K/$1" --with-colons -k | awk -F: '$1 == "pub" { print $7; exit }'; }
keys_now() { db "select poc, address, protocol, fingerprint, expires from poc_keys order by address"; }
state_now() { keys_now; db "select id, version from pocs"; db "select count(*) from poc_emails"; }

tech=$(poc_key t "CERT-Bund <cert@bsi.example>")
start_robot "$T/r/pocbot.conf"

echo "a nomination with the POC's OpenPGP key attached inside the signed content"
printf 'NOMINATE\nType: technical\nOrganisation: BSI\nE-mail: cert@bsi.example\nPhone: +49 228 99 9582 0\n' > "$K/nom"
send "$K/nom" "$K/t.asc" application/pgp-keys cert.asc; replied "$id"
ok "acknowledged" subject_is "$id" ack
ok "the acknowledgement names the key's fingerprint" has "$id" "cert@bsi.example: OpenPGP $tech"
ok "and its expiry" has "$id" "expires $(day "$(expiry_of t)")"
ok "the key is on record for the address" \
	[ "$(db "select poc, address, protocol, fingerprint from poc_keys")" = "DE-T-1|cert@bsi.example|openpgp|$tech" ]
ok "its expiry too" [ "$(db "select expires from poc_keys")" = "$(expiry_of t)" ]
ok "kept armoured" sh -c "sqlite3 '$T/r/var/pocbot.db' 'select data from poc_keys' | grep -q 'BEGIN PGP PUBLIC KEY BLOCK'"
ok "the audit event names the fingerprint" \
	sh -c "sqlite3 '$T/r/var/pocbot.db' \"select detail from events where action = 'poc-keys'\" | grep -q '$tech'"
ok "the key is in the POC home, not in the robot's" sh -c \
	"gpg --homedir '$T/r/var/poc-keys' -k $tech >/dev/null 2>&1 && ! gpg --homedir '$T/r/var/gnupg' -k $tech >/dev/null 2>&1"

echo "an S/MIME certificate with its chain, pasted after Key: in an UPDATE"
ca_make "$K/ca"
soc=$(smime_signer "$K/ca" "$K/s" soc@bsi.example)
cafpr=$(openssl x509 -in "$K/ca/ca.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
x=$(smime_signer "$K/ca" "$K/x" xavier@de.example)
# the same form before and after the CA is known to the POC home: the robot's verification
printf 'NOMINATE\nType: policy\nOrganisation: X\nE-mail: xavier@de.example\nPhone: +49 30 1234 5678\n' > "$K/xnom"
xsend() {
	id=$1
	smime_detached "$K/x" xavier@de.example "x" "$K/xnom" "$K/m"
	sed -i "s/^Message-ID: <.*>/Message-ID: <$id@test.example>/" "$K/m"
	$P deliver --sender xavier@de.example --recipient pocbot@robot.test < "$K/m" 2>>"$T/deliver.log"
	wait_for 20 sh -c "[ -n \"\$(sqlite3 '$T/r/var/pocbot.db' \"select outcome from messages where message_id = '$id@test.example'\")\" ]"
	db "select outcome || ' ' || coalesce(reason, '') from messages where message_id = '$id@test.example'"
}
x_before=$(xsend x1)
{ printf 'UPDATE\nID: DE-T-1\nE-mail: cert@bsi.example, soc@bsi.example\nKey:\n'; cat "$K/s/cert.pem" "$K/s/chain.pem"; } > "$K/upd"
send "$K/upd"; replied "$id"
ok "acknowledged" subject_is "$id" ack
ok "with the certificate's fingerprint" has "$id" "soc@bsi.example: S/MIME $soc"
ok "on record for its address, the OpenPGP key kept" [ "$(keys_now | cut -d'|' -f2,3,4)" = \
	"$(printf 'cert@bsi.example|openpgp|%s\nsoc@bsi.example|smime|%s' "$tech" "$soc")" ]
ok "kept as the PEM certificate then its chain" [ "$(db "select data from poc_keys where address = 'soc@bsi.example'" | grep -c 'BEGIN CERTIFICATE')" = 2 ]
ok "the CA is in the POC home" sh -c "gpgsm --homedir '$T/r/var/poc-keys' -k $cafpr 2>/dev/null | grep -q ."
ok "not in the robot's gpgsm" [ -z "$(gpgsm --homedir "$T/r/var/gnupg" -k "$cafpr" 2>/dev/null)" ]
ok "nor in its trustlist" sh -c "! grep -qi $cafpr '$T/r/var/gnupg/trustlist.txt' 2>/dev/null"
x_after=$(xsend x2)
ok "another certificate of the POC's CA is refused as before ($x_after)" \
	[ "$x_after" = "$x_before" ] && [ "$(db "select count(*) from pocs where organisation = 'X'")" = 0 ]

echo "refusals: each quotes its reason and changes nothing"
before=$(state_now)
# refused NAME WHAT QUOTED FORMFILE [attachment args]: an error reply quoting QUOTED with the
# phrase of key-WHAT, and nothing changed
refused() {
	_what=$1 _q=$2; shift 2
	send "$@"; replied "$id" && subject_is "$id" errors && has "$id" "$_q" &&
		has "$id" "$(phrase "key-$_what")" && [ "$(state_now)" = "$before" ]
}
upd() { { printf 'UPDATE\nID: DE-T-1\nKey:\n'; cat "$1"; } > "$K/u"; echo "$K/u"; }
old=$(poc_key old "CERT-Bund <cert@bsi.example>" future-default default 1y "--faked-system-time 20200101T000000")
ok "an expired key" refused expired "$old" "$(upd "$K/old.asc")"
rev=$(poc_key rev "CERT-Bund <cert@bsi.example>")
sed 's/^:-----/-----/' "$K/rev/openpgp-revocs.d/$rev.rev" | gpg --homedir "$K/rev" --batch --import 2>/dev/null
pgp_export "$K/rev" "$rev" "$K/rev.asc"
ok "a revoked key" refused revoked "$rev" "$(upd "$K/rev.asc")"
sig=$(poc_key sig "CERT-Bund <cert@bsi.example>" ed25519 sign 1y)
ok "a key that cannot encrypt" refused no-encryption "$sig" "$(upd "$K/sig.asc")"
weak=$(poc_key weak "CERT-Bund <cert@bsi.example>" rsa1024 cert,sign,encr 1y)
ok "RSA under 2048 bits" refused weak "$weak RSA 1024 bits" "$(upd "$K/weak.asc")"
two=$(poc_key two "Other <cert@bsi.example>")
cat "$K/two.asc" "$K/t.asc" > "$K/both.asc"
ok "two keys for one address" refused duplicate "cert@bsi.example" "$(upd "$K/both.asc")"
{ echo "-----BEGIN PGP PUBLIC KEY BLOCK-----"; head -c 70000 /dev/zero | base64 -w 64;
  echo "-----END PGP PUBLIC KEY BLOCK-----"; } > "$K/big.asc"
ok "a block over 64 KiB" refused too-large "Key:" "$(upd "$K/big.asc")"
ca_make "$K/ca2"
lone=$(smime_signer "$K/ca2" "$K/l" soc@bsi.example)
ok "a certificate without its chain, not self-signed" refused no-chain "$lone" "$(upd "$K/l/cert.pem")"
else=$(poc_key else "Someone <someone@else.example>")
ok "a key for none of the POC's addresses" refused no-address "$else" "$(upd "$K/else.asc")"
printf 'UPDATE\nID: DE-T-1\n' > "$K/nokey"
ok "an attached key for none of them" refused no-address "else.asc: $else" "$K/nokey" "$K/else.asc" \
	application/pgp-keys else.asc
printf 'UPDATE\nID: DE-T-1\nKey: see attachment\n' > "$K/u"
ok "a Key: line with no key" refused unreadable "Key: see attachment" "$K/u"
soc2=$(smime_signer "$K/ca" "$K/s2" soc@bsi.example)
ok "a certificate whose CA an earlier form gave, not this one" refused no-chain "$soc2" \
	"$(upd "$K/s2/cert.pem")"
sub=$(poc_key sub "CERT-Bund <cert@bsi.example>")
gpg --homedir "$K/sub" --batch --pinentry-mode loopback --passphrase '' \
	--quick-add-key "$sub" rsa1024 encr 1y 2>/dev/null
pgp_export "$K/sub" "$sub" "$K/sub.asc"
ok "a strong key with a newer weak encryption subkey" refused weak "$sub RSA 1024 bits" \
	"$(upd "$K/sub.asc")"
# a public key first, then another's secret key, binary: no armour to tell it by
gpg --homedir "$K/t" --export "$tech" > "$K/sec.gpg"
gpg --homedir "$K/else" --batch --pinentry-mode loopback --passphrase '' \
	--export-secret-keys "$else" >> "$K/sec.gpg"
ok "a binary key file holding a secret key" refused unreadable "sec.asc" "$K/nokey" \
	"$K/sec.gpg" application/pgp-keys sec.asc
openssl pkcs12 -export -in "$K/l/cert.pem" -inkey "$K/l/key.pem" -passout pass: -out "$K/l.p12"
ok "a PKCS#12 file with an empty password named .cer" refused unreadable "l.cer" "$K/nokey" \
	"$K/l.p12" application/pkix-cert l.cer
no_secret() {	# (gpgsm -K prints the keybox's name even when it holds none)
	! gpg --homedir "$T/r/var/poc-keys" --with-colons -K 2>/dev/null | grep -q '^sec' &&
		! gpgsm --homedir "$T/r/var/poc-keys" --with-colons -K 2>/dev/null | grep -q '^crs'
}
ok "nothing secret in the POC home" no_secret

echo "the POC home failing (its keyring unwritable): the form waits for a retry, not refused"
fresh=$(poc_key fresh "CERT-Bund <cert@bsi.example>")
pk=$T/r/var/poc-keys/pubring.kbx
mv "$pk" "$pk.aside" && mkdir "$pk"	# the robot may run as root: no chmod
send "$(upd "$K/fresh.asc")"
failure() { db "select last_error from spool_failures where last_error is not null"; }
wait_for 20 sh -c "[ -n \"\$(sqlite3 '$T/r/var/pocbot.db' \
	'select last_error from spool_failures where last_error is not null')\" ]"
ok "the failure is counted ($(failure | cut -c1-60)...)" [ -n "$(failure)" ]
rmdir "$pk" && mv "$pk.aside" "$pk"
unanswered() {
	[ -z "$(reply_to "$id")" ] &&
		[ -z "$(db "select outcome from messages where message_id = '$id@test.example'")" ]
}
ok "no reply, no outcome" unanswered
ok "nothing changed" [ "$(state_now)" = "$before" ]
ok "the message is still in the spool" [ "$(ls "$T/r/var/spool/new" | wc -l)" = 1 ]

echo "an UPDATE that drops an address drops its key; Key: remove"
printf 'UPDATE\nID: DE-T-1\nE-mail: cert@bsi.example\n' > "$K/u"
send "$K/u"; replied "$id"
ok "acknowledged, the key's removal said" has "$id" "soc@bsi.example: key removed"
ok "the dropped address's key is gone, the other kept" [ "$(keys_now | cut -d'|' -f2)" = cert@bsi.example ]
printf 'UPDATE\nID: DE-T-1\nKey: remove\n' > "$K/u"
send "$K/u"; replied "$id"
ok "Key: remove is acknowledged" has "$id" "cert@bsi.example: key removed"
ok "and the POC has no key left" [ "$(db "select count(*) from poc_keys")" = 0 ]

echo "a self-signed certificate attached as DER"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$K/ss.key" -out "$K/ss.pem" -days 400 \
	-subj "/CN=BSI SOC/emailAddress=soc@bsi.example" -addext subjectAltName=email:soc@bsi.example \
	-addext keyUsage=critical,digitalSignature,keyEncipherment 2>/dev/null
openssl x509 -in "$K/ss.pem" -outform DER -out "$K/ss.cer"
ss=$(openssl x509 -in "$K/ss.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
printf 'UPDATE\nID: DE-T-1\nE-mail: cert@bsi.example, soc@bsi.example\n' > "$K/u"
send "$K/u" "$K/ss.cer" application/pkix-cert soc.cer; replied "$id"
ok "acknowledged with its fingerprint and expiry" \
	has "$id" "soc@bsi.example: S/MIME $ss, expires $(date -u -d "$(openssl x509 -in "$K/ss.pem" -noout -enddate | sed 's/.*=//')" +%Y-%m-%d)"
ok "on record, as PEM" [ "$(db "select protocol || ' ' || substr(data, 1, 27) from poc_keys where address = 'soc@bsi.example'")" = "smime -----BEGIN CERTIFICATE-----" ]
ok "the audit trail verifies" $P audit verify

stop_robot
keys_cleanup "$K" "$T/r/var/poc-keys"
finish
