#!/bin/sh
# signers.sh - enrolment through the real binary: OpenPGP keys (plain, and
# with separate signing and encryption subkeys) and S/MIME certificates
# made with gpg and openssl at test time; what is refused (a key enrolled
# twice, a key the robot could not encrypt to, a State that does not take
# part, a root the custodian marked untrusted); the chain's root trusted in VAR/gnupg/trustlist.txt; revocation;
# and the audit trail, intact, then edited behind the robot's back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/keys.sh"

mkdir -p "$T/r" "$T/k"
write_config "$T/r/pocbot.conf" "$(free_port)"
DB="$T/r/var/pocbot.db"

# pocbot EXPECTED-EXIT ARGS...: as lib.sh's, but its errors go to $OUT
# too, where said finds the refusals.
pocbot() {
	_want=$1; shift
	"$POCBOT" -c "$T/r/pocbot.conf" "$@" >"$OUT" 2>&1
	_got=$?
	[ "$_got" -eq "$_want" ] && return 0
	echo "    pocbot $*: exit $_got, wanted $_want" >&2
	sed 's/^/    | /' "$OUT" >&2
	return 1
}
sha1() { openssl x509 -in "$1" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g'; }

# the keys and certificates, as the States would make them
FA=$(pgp_person "$T/k/a" 'Alice <alice@fr.test>' "$T/a.asc")
FB=$(pgp_person "$T/k/b" 'Bob <bob@fr.test>' "$T/b.asc" subkey)
pgp_home "$T/k/s" && gpg --homedir "$T/k/s" --batch --pinentry-mode loopback --passphrase '' \
	--quick-gen-key 'Sam <sam@fr.test>' ed25519 sign never 2>/dev/null &&
	FS=$(gpg --homedir "$T/k/s" --with-colons --list-keys sam@fr.test | awk -F: '$1 == "fpr" { print $10; exit }') &&
	pgp_export "$T/k/s" "$FS" "$T/sign-only.asc"
pgp_home "$T/k/r" && FR_=$(pgp_signer "$T/k/r" 'Rex <rex@fr.test>') &&
	sed 's/^:-----/-----/' "$T/k/r/openpgp-revocs.d/$FR_.rev" | gpg --homedir "$T/k/r" --batch --import 2>/dev/null &&
	pgp_export "$T/k/r" "$FR_" "$T/revoked.asc"
gpg --homedir "$T/k/r" --batch --pinentry-mode loopback --passphrase '' --faked-system-time 20200101T000000 \
	--quick-gen-key 'Old <old@fr.test>' future-default default 1d 2>/dev/null &&
	gpg --homedir "$T/k/r" --batch --armor --export old@fr.test > "$T/expired.asc"
ca_make "$T/ca" && ca_make "$T/ca2" && ca_make "$T/ca3"
FC=$(smime_signer "$T/ca" "$T/c-sign" carol@fr.test sign-only)
FE=$(smime_signer "$T/ca" "$T/c-enc" carol@fr.test)
FD=$(smime_signer "$T/ca2" "$T/d" dan@fr.test)
smime_signer "$T/ca3" "$T/u" ursula@fr.test > /dev/null

echo "OpenPGP"
ok "db migrate makes the robot" pocbot 0 db migrate
ok "state add FR" pocbot 0 state add FR
ok "an OpenPGP key is enrolled for FR as authority" pocbot 0 signer add --state FR --role authority --pgp "$T/a.asc" --label "Alice, MFA"
ok "  and the output names its fingerprint" said "$FA"
ok "a key with signing and encryption subkeys, State given by name" pocbot 0 signer add --state France --role reader --pgp "$T/b.asc"
ok "signer list shows both" pocbot 0 signer list
ok "  Alice: openpgp, FR, authority, label, address" grep -q "^openpgp	$FA	FR	authority	Alice, MFA	alice@fr.test	-	never$" "$OUT"
ok "  Bob: the primary key's fingerprint" grep -q "^openpgp	$FB	FR	reader	-	bob@fr.test	-	never$" "$OUT"
ok "the same key again is refused (65)" pocbot 65 signer add --state FR --role reader --pgp "$T/a.asc"
ok "  as already enrolled" said "already enrolled"
ok "a key without an encryption subkey is refused (65)" pocbot 65 signer add --state FR --role authority --pgp "$T/sign-only.asc"
ok "  saying why" said "no usable encryption subkey"
ok "  and the refused key is not left in the robot's keyring" sh -c "! gpg --homedir '$T/r/var/gnupg' --batch --list-keys $FS >/dev/null 2>&1"
ok "a revoked key is refused (65)" pocbot 65 signer add --state FR --role authority --pgp "$T/revoked.asc"
ok "  saying so" said "is revoked"
ok "an expired key is refused (65)" pocbot 65 signer add --state FR --role authority --pgp "$T/expired.asc"
ok "  saying so" said "has expired"
ok "a file with two keys is refused (65)" sh -c "cat '$T/a.asc' '$T/b.asc' > '$T/two.asc'; '$POCBOT' -c '$T/r/pocbot.conf' signer add --state FR --role reader --pgp '$T/two.asc' 2>&1 | grep -q '2 OpenPGP keys'"
ok "a secret key is refused (65)" sh -c "gpg --homedir '$T/k/a' --batch --pinentry-mode loopback --passphrase '' --armor --export-secret-keys $FA > '$T/secret.asc' 2>/dev/null; '$POCBOT' -c '$T/r/pocbot.conf' signer add --state FR --role reader --pgp '$T/secret.asc'; [ \$? -eq 65 ]"
ok "  and the robot holds no secret key of a signer" sh -c "[ -z \"\$(gpg --homedir '$T/r/var/gnupg' --batch --with-colons --list-secret-keys $FA 2>/dev/null)\" ]"
ok "a State that does not take part is refused (65)" pocbot 65 signer add --state DE --role authority --pgp "$T/b.asc"
ok "  naming state add" said "pocbot state add DE"
ok "no such State (65)" pocbot 65 signer add --state Atlantis --role authority --pgp "$T/b.asc"
ok "a bad role is a usage error (64)" pocbot 64 signer add --state FR --role king --pgp "$T/b.asc"
ok "a missing file (66)" pocbot 66 signer add --state FR --role reader --pgp "$T/nonexistent.asc"
ok "--pgp and --smime together are a usage error (64)" pocbot 64 signer add --state FR --role reader --pgp "$T/a.asc" --smime "$T/d/cert.pem"

echo "S/MIME"
ok "a sign-only certificate without --encrypt-cert is refused (65)" pocbot 65 signer add --state FR --role authority --smime "$T/c-sign/cert.pem" --chain "$T/c-sign/chain.pem"
ok "  with a message naming --encrypt-cert" said "--encrypt-cert FILE"
ok "  and trusts no root for it" sh -c "! grep -qs '$(sha1 "$T/ca/ca.pem")' '$T/r/var/gnupg/trustlist.txt'"
ok "with --encrypt-cert it is enrolled" pocbot 0 signer add --state FR --role authority --smime "$T/c-sign/cert.pem" --chain "$T/c-sign/chain.pem" --encrypt-cert "$T/c-enc/cert.pem"
ok "  encrypting to the encryption certificate" said "encrypt to $FE"
ok "the enrolment stored both fingerprints" sh -c "[ \"\$(sqlite3 '$DB' \"SELECT enc_fingerprint FROM signers WHERE fingerprint = '$FC'\")\" = '$FE' ]"
ok "a certificate whose issuer is unknown is refused (65)" pocbot 65 signer add --state FR --role reader --smime "$T/d/cert.pem"
ok "  asking for --chain" said "--chain FILE"
ok "with --chain it is enrolled" pocbot 0 signer add --state FR --role reader --smime "$T/d/cert.pem" --chain "$T/d/chain.pem"
ok "  its root is in VAR/gnupg/trustlist.txt" grep -qx "$(sha1 "$T/ca2/ca.pem") S" "$T/r/var/gnupg/trustlist.txt"
ok "  the first CA's root too, once" [ "$(grep -c "^$(sha1 "$T/ca/ca.pem") S" "$T/r/var/gnupg/trustlist.txt")" -eq 1 ]
ok "  and the robot's gpgsm now validates the certificate" sh -c "gpgsm --homedir '$T/r/var/gnupg' --with-colons --with-validation --list-keys $FD 2>/dev/null | grep -q '^crt:f:'"
ok "a certificate whose root the custodian marked untrusted (!) is refused (65)" sh -c \
	"echo '!$(sha1 "$T/ca3/ca.pem") S' >> '$T/r/var/gnupg/trustlist.txt' &&
	 '$POCBOT' -c '$T/r/pocbot.conf' signer add --state FR --role reader --smime '$T/u/cert.pem' \
		--chain '$T/u/chain.pem' > '$OUT' 2>&1; [ \$? -eq 65 ]"
ok "  saying so" said "marked untrusted"
ok "  and the mark stays alone" [ "$(grep -c "$(sha1 "$T/ca3/ca.pem")" "$T/r/var/gnupg/trustlist.txt")" -eq 1 ]
ok "signer list shows the S/MIME signers" pocbot 0 signer list --state FR
ok "  Carol" grep -q "^smime	$FC	FR	authority	-	carol@fr.test	-	[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]$" "$OUT"
ok "  Dan" grep -q "^smime	$FD	FR	reader	-	dan@fr.test	-	[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]$" "$OUT"

echo "revocation"
ok "signer revoke without --reason is a usage error (64)" pocbot 64 signer revoke "$FA"
ok "signer revoke marks Alice" pocbot 0 signer revoke "$FA" --reason "key lost"
ok "  signer list says so" sh -c "'$POCBOT' -c '$T/r/pocbot.conf' signer list | grep '^openpgp	$FA	' | grep -q 'revoked [0-9-]*: key lost'"
ok "revoking her again is refused (65)" pocbot 65 signer revoke "$FA" --reason "again"
ok "an unknown fingerprint is refused (65)" pocbot 65 signer revoke 0000000000000000000000000000000000000000 --reason x
ok "enrolling a revoked key again is refused (65)" pocbot 65 signer add --state FR --role authority --pgp "$T/a.asc"

echo "audit trail"
ok "audit verify: intact, 5 events" pocbot 0 audit verify
ok "  says so" said "audit trail intact: 5 events"
ok "audit list --state FR shows the 5 changes" pocbot 0 audit list --state France
ok "  one line each" [ "$(grep -c '	custodian	FR	signer-' "$OUT")" -eq 5 ]
ok "  the revocation with its reason" said "signer-revoke	openpgp $FA (authority): key lost"
ok "the triggers refuse an UPDATE" sh -c "! sqlite3 '$DB' \"UPDATE events SET detail = 'x' WHERE id = 1\" 2>/dev/null"
sqlite3 "$DB" "DROP TRIGGER events_no_update; UPDATE events SET detail = 'forged' WHERE id = 2"
ok "after an edit behind the robot's back, audit verify exits 65" pocbot 65 audit verify
ok "  naming event 2" said "broken at event 2"

keys_cleanup "$T/k"
finish
