#!/bin/sh
# verify-fixtures.sh DIR - makes the world of tests/unit/test-crypto-verify.c
# in DIR (short: GnuPG homes live there), with the real tools:
#   DIR/r          the robot's GNUPGHOME: the signers' public keys and
#                  certificates imported, the test CA trusted, the robot's
#                  own OpenPGP key and S/MIME key (for encrypted mail)
#   DIR/*.eml      one message per case
#   DIR/facts      "NAME VALUE" lines: the fingerprints the test expects
# Keys of the signers stay in DIR/a, DIR/b ... Ends 0 when all was made.
set -eu
D=$1
. "$(dirname "$0")/keys.sh"
cd "$D"
G="--batch --pinentry-mode loopback --passphrase ''"
PAST=20200101T000000

fact() { echo "$1 $2" >> facts; }
robot_gpg() { eval "gpg --homedir $D/r $G $*" 2>/dev/null; }

# ---- the robot's home, as crypto_open writes it ----
mkdir -p r && chmod 700 r
printf 'trust-model always\nno-auto-key-retrieve\nweak-digest SHA1\n' > r/gpg.conf
printf 'disable-crl-checks\ndisable-ocsp\ndisable-dirmngr\nno-common-certs-import\n' > r/gpgsm.conf
echo allow-loopback-pinentry > r/gpg-agent.conf
: > facts

printf 'Nomination\nState: Japan\nType: technical\n' > body.txt
printf 'Caf\303\251 cr\303\250me br\303\273l\303\251e \342\202\254 \320\234\320\270\321\200 \344\270\255\346\226\207\n' > utf8.txt
printf 'Caf\351 cr\350me br\373l\351e - \253guillemets\273\n' > latin1.txt

# ---- OpenPGP signers ----
pgp_home a
FA=$(pgp_signer "$D/a" 'Alice <alice@state.test>' subkey); fact FA "$FA"
pgp_home b
FB=$(pgp_signer "$D/b" 'Bob <bob@stranger.test>'); fact FB "$FB"
pgp_home e	# a key that expired in 2020, used while it was valid
eval "gpg --homedir $D/e $G --faked-system-time $PAST --quick-gen-key 'Old <old@state.test>' ed25519 sign 2d" 2>/dev/null
FE=$(gpg --homedir e --with-colons --list-keys old@state.test | awk -F: '$1 == "fpr" { print $10; exit }'); fact FE "$FE"
pgp_home v	# a key revoked after signing
FV=$(pgp_signer "$D/v" 'Rev <rev@state.test>'); fact FV "$FV"
for h in a e v; do gpg --homedir "$h" --batch --armor --export > "$h.pub"; robot_gpg --import "$D/$h.pub"; done

pgp_mime "$D/a" "$FA" alice@state.test Nomination body.txt pgpmime.eml
tr -d '\r' < pgpmime.eml > pgpmime-lf.eml
sed 's/$/\r/' pgpmime-lf.eml > pgpmime-crlf.eml
sed 's/^State: Japan/State: Japam/' pgpmime.eml > pgpmime-bad.eml
pgp_mime "$D/b" "$FB" bob@stranger.test Nomination body.txt nokey.eml
pgp_mime_digest "$D/a" "$FA" alice@state.test Nomination body.txt weak.eml SHA1
pgp_clearsigned "$D/a" "$FA" alice@state.test Nomination utf8.txt inline-utf8.eml
sed 's/Caf/Cof/' inline-utf8.eml > inline-bad.eml
{ cat inline-utf8.eml; printf '\n-- \nSent from the ministry mail system\n'; } > inline-outside.eml
{ cat inline-utf8.eml; pgp_clearsigned "$D/a" "$FA" x y body.txt /dev/stdout | sed '1,/^$/d'; } > inline-two.eml
# windows-1252 text, clearsigned, sent quoted-printable as Thunderbird does
{
	mail_headers alice@state.test Nomination
	printf 'Content-Type: text/plain; charset=windows-1252\nContent-Transfer-Encoding: quoted-printable\n\n'
	eval "gpg --homedir $D/a $G --local-user $FA --digest-algo SHA256 --clearsign" < latin1.txt 2>/dev/null |
		python3 -c 'import quopri,sys; sys.stdout.buffer.write(quopri.encodestring(sys.stdin.buffer.read()))'
} > inline-latin1-qp.eml

# expired: signed in 2020 while the key was valid
{
	mail_headers old@state.test Nomination
	printf 'Content-Type: text/plain; charset=utf-8\n\n'
	eval "gpg --homedir $D/e $G --faked-system-time ${PAST%000000}120000 --local-user $FE --clearsign" < body.txt 2>/dev/null
} > expired.eml
# revoked: signed, then the key revoked and the revocation given to the robot
pgp_mime "$D/v" "$FV" rev@state.test Nomination body.txt revoked.eml
# gpg made a revocation certificate with the key; its armour is masked by a ':'
sed 's/^:-----BEGIN/-----BEGIN/' "v/openpgp-revocs.d/$FV.rev" > v.rev
# (a home on trust-model always has no trustdb.gpg, and gpg dies on the
# revocation without one: give it a trust model that makes it)
robot_gpg --trust-model pgp --import "$D/v.rev"

# ---- S/MIME signers ----
ca_make ca
SF=$(smime_signer ca sm signer@state.test); fact SF "$SF"
ca_make ca2	# a root the robot does not trust
SU=$(smime_signer ca2 su stranger@other.test); fact SU "$SU"
gpgsm --homedir r --batch --import ca/ca.pem sm/cert.pem su/cert.pem ca2/ca.pem 2>/dev/null
echo "$(openssl x509 -in ca/ca.pem -noout -fingerprint -sha1 | sed 's/.*=//; s/://g') S" > r/trustlist.txt

smime_detached sm signer@state.test Nomination body.txt smime-detached.eml
tr -d '\r' < smime-detached.eml > smime-detached-lf.eml
sed 's/^State: Japan/State: Japam/' smime-detached.eml > smime-bad.eml
cms_detached sm signer@state.test Nomination body.txt cms-detached.eml
sed 's/x-pkcs7-signature/pkcs7-signature/g; s/micalg="sha-256"/micalg=sha256/' smime-detached.eml > smime-detached-std.eml
smime_opaque sm signer@state.test Nomination body.txt smime-opaque.eml
sed 's/; smime-type=signed-data//; s/application\/x-pkcs7-mime/application\/pkcs7-mime/' smime-opaque.eml > smime-opaque-bare.eml
smime_detached sm signer@state.test Nomination body.txt smime-weak.eml sha1
smime_detached su stranger@other.test Nomination body.txt smime-untrusted.eml

# ---- where a signature does not count ----
mixed() {	# mixed OUT ENTITY...: a message whose body is multipart/mixed of the entities
	_out=$1; shift
	{
		mail_headers alice@state.test Nomination
		printf 'Content-Type: multipart/mixed; boundary="mix-%s"\n\nThis is a multi-part message.\n' "$_out"
		for _e in "$@"; do printf -- '--mix-%s\n' "$_out"; cat "$_e"; printf '\n'; done
		printf -- '--mix-%s--\n' "$_out"
	} > "$_out"
}
entity_of pgpmime.eml > signed.ent
entity_of smime-opaque.eml > opaque.ent
printf 'Content-Type: text/plain; charset=us-ascii\n\n_______________________________________________\nlist mailing list\n' > footer.ent
printf 'Content-Type: application/pdf; name="form.pdf"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n' > pdf.ent
printf 'Content-Type: text/plain\n\nPlease see the forwarded message.\n' > note.ent
{ printf 'Content-Type: message/rfc822\n\n'; cat pgpmime.eml; } > fwd.ent
mixed list-footer.eml signed.ent footer.ent
mixed opaque-footer.eml opaque.ent footer.ent
mixed with-pdf.eml signed.ent pdf.ent
mixed forwarded.eml note.ent fwd.ent
mixed forwarded-first.eml fwd.ent note.ent
mixed two-signed.eml signed.ent signed.ent
mixed inner.ent signed.ent && entity_of inner.ent > inner2.ent
mixed nested.eml inner2.ent note.ent
{ printf 'Content-Type: message/rfc822\n\n'; cat pgpmime.eml; } > rfc822-top.ent
{ mail_headers alice@state.test Fwd; cat rfc822-top.ent; } > forwarded-top.eml
# a multipart/signed without its signature part
awk '/^--sig-b\r?$/ { n++ } n < 2 { print }' pgpmime.eml > stripped.eml
printf -- '--sig-b--\r\n' >> stripped.eml
{ mail_headers x@y.test Hello; printf 'Content-Type: text/plain\n\nHELP\n'; } > plain.eml

# ---- encrypted to the robot ----
robot_gpg --quick-gen-key "'Robot <pocbot@robot.test>'" future-default default never
FROBOT=$(gpg --homedir r --with-colons --list-keys pocbot@robot.test | awk -F: '$1 == "fpr" { print $10; exit }')
gpg --homedir r --batch --armor --export "$FROBOT" > robot.pub
gpg --homedir a --batch --import robot.pub 2>/dev/null
pgp_encrypted "$D/a" "$FROBOT" alice@state.test '...' signed.ent pgp-encrypted-signed.eml
{ printf 'Content-Type: text/plain; charset=utf-8\n\n'; cat body.txt; } > body.ent
pgp_encrypted "$D/a" "$FROBOT" alice@state.test '...' body.ent pgp-signencrypt.eml "$FA"
pgp_encrypted "$D/a" "$FROBOT" alice@state.test '...' note.ent pgp-encrypted-unsigned.eml
pgp_encrypted "$D/a" "$FA" alice@state.test '...' signed.ent pgp-encrypted-other.eml
RS=$(smime_signer ca rob pocbot@robot.test); fact RS "$RS"
smime_import_key r rob/cert.pem rob/key.pem
smime_sign_entity sm body.txt smime-inner-detached.ent
smime_sign_entity sm body.txt smime-inner-opaque.ent nodetach
smime_enveloped rob/cert.pem signer@state.test '...' smime-inner-detached.ent smime-env-detached.eml
smime_enveloped rob/cert.pem signer@state.test '...' smime-inner-opaque.ent smime-env-opaque.eml
smime_enveloped rob/cert.pem signer@state.test '...' note.ent smime-env-unsigned.eml

# ---- a signature over another signature or encryption: one of several ----
crlf < signed.ent > signed.crlf
eval "gpg --homedir $D/a $G --local-user $FA --armor --detach-sign -o resign.sig signed.crlf" 2>/dev/null
{
	mail_headers alice@state.test Nomination
	printf 'Content-Type: multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature"; boundary="outer-b"\n\n'
	printf -- '--outer-b\r\n'; cat signed.crlf; printf '\r\n--outer-b\r\n'
	printf 'Content-Type: application/pgp-signature\r\n\r\n'; crlf < resign.sig; printf -- '--outer-b--\r\n'
} > pgp-sign-sign.eml
{
	mail_headers signer@state.test Nomination | grep -v '^MIME-Version'
	openssl smime -sign -nodetach -signer sm/cert.pem -inkey sm/key.pem -in smime-inner-detached.ent 2>/dev/null
} > smime-sign-sign.eml
entity_of smime-env-unsigned.eml > env.ent
{
	mail_headers signer@state.test Nomination | grep -v '^MIME-Version'
	openssl smime -sign -signer sm/cert.pem -inkey sm/key.pem -in env.ent 2>/dev/null
} > smime-env-sign.eml
keys_cleanup "$D"
