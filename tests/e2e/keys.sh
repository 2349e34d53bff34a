#!/bin/sh
# keys.sh - the robot's own keys through the real binary: "keys show" makes
# them on first use and prints the same two fingerprints every time; "keys
# export DIR" writes a public key gpg imports and a certificate openssl
# reads, both matching those fingerprints; "keys import-smime CERT KEY"
# installs a CA-issued certificate as the S/MIME identity; bad usage exits
# 64, a missing file 66, a certificate without its chain or a key of
# another certificate 65.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/keys.sh"

mkdir -p "$T/r"
write_config "$T/r/pocbot.conf" "$(free_port)"
C="-c $T/r/pocbot.conf"

# keys EXPECTED-EXIT ARGS...: runs "pocbot keys ARGS", output in $T/out.
keys() {
	want=$1; shift
	"$POCBOT" $C keys "$@" >"$T/out" 2>"$T/err"
	got=$?
	[ "$got" -eq "$want" ] || { echo "    exit $got, wanted $want: $(cat "$T/err")" >&2; return 1; }
}
fpr_of() { sed -n "s/^$1 *\([0-9A-F]*\)\$/\1/p" "$T/out"; }
is_fpr() { echo "$1" | grep -qx '[0-9A-F]\{40\}'; }

ok "keys show (first use, makes the keys): exit 0" keys 0 show
PGP=$(fpr_of openpgp) SMIME=$(fpr_of smime)
cp "$T/out" "$T/first"
ok "it prints an OpenPGP fingerprint" is_fpr "$PGP"
ok "and an S/MIME fingerprint" is_fpr "$SMIME"
ok "keys show again: exit 0" keys 0 show
ok "the same two fingerprints" cmp -s "$T/out" "$T/first"
ok "gpg lists the robot's secret key in VAR/gnupg" \
	sh -c "gpg --homedir '$T/r/var/gnupg' --with-colons --list-secret-keys | grep -q ':$PGP:'"

ok "keys export: exit 0" keys 0 export "$T/x"
ok "pocbot.asc and pocbot.pem are written" [ -s "$T/x/pocbot.asc" -a -s "$T/x/pocbot.pem" ]
pgp_home "$T/v/gnupg"
ok "gpg imports pocbot.asc" gpg --homedir "$T/v/gnupg" --batch --import "$T/x/pocbot.asc" 2>/dev/null
ok "as the key with the shown fingerprint, uid POC Directory <pocbot@robot.test>" \
	sh -c "gpg --homedir '$T/v/gnupg' --with-colons --list-keys '$PGP' | grep -q 'POC Directory <pocbot@robot.test>'"
ok "openssl reads pocbot.pem, with the shown fingerprint" \
	[ "$(openssl x509 -in "$T/x/pocbot.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')" = "$SMIME" ]
ok "the certificate is for e-mail protection of pocbot@robot.test" \
	sh -c "openssl x509 -in '$T/x/pocbot.pem' -noout -ext subjectAltName,extendedKeyUsage | grep -q 'email:pocbot@robot.test'"
ok "no secret leaves in the export" sh -c "! grep -q PRIVATE '$T/x/pocbot.asc' '$T/x/pocbot.pem'"

ca_make "$T/ca"
NEW=$(smime_signer "$T/ca" "$T/i" pocbot@robot.test)
cat "$T/i/cert.pem" "$T/i/chain.pem" > "$T/i/full.pem"
ok "keys import-smime without the chain (issuer unknown): exit 65 (the file is at fault)" \
	keys 65 import-smime "$T/i/cert.pem" "$T/i/key.pem"
ok "  saying the chain is missing" grep -q 'chain' "$T/err"
ok "  and the self-signed certificate stays the S/MIME identity" \
	sh -c "'$POCBOT' $C keys show | grep -qx 'smime *$SMIME'"
ok "keys import-smime CERT KEY: exit 0" keys 0 import-smime "$T/i/full.pem" "$T/i/key.pem"
ok "it prints the new certificate's fingerprint" [ "$(fpr_of smime)" = "$NEW" ]
ok "keys show: the CA-issued certificate is the S/MIME identity now" keys 0 show
ok "  with fingerprint $NEW" [ "$(fpr_of smime)" = "$NEW" ]
ok "  and the OpenPGP key is unchanged" [ "$(fpr_of openpgp)" = "$PGP" ]
ok "keys export now writes the CA-issued certificate" keys 0 export "$T/x2"
ok "  which verifies against the CA" openssl verify -CAfile "$T/ca/ca.pem" "$T/x2/pocbot.pem" >/dev/null
ok "keys import-smime with a missing file: exit 66" keys 66 import-smime "$T/i/nothing.pem" "$T/i/key.pem"
ok "keys import-smime with a key of another certificate: exit 65" \
	keys 65 import-smime "$T/i/full.pem" "$T/ca/ca.key"
ok "keys with no subcommand: exit 64" keys 64
ok "keys export with no folder: exit 64" keys 64 export
ok "keys frobnicate: exit 64" keys 64 frobnicate
finish
