# keys.sh - makes keys, certificates and signed mail with the real tools
# (gpg, openssl), at test time, for the tests (sourced, not run).
# Every function works in directories the caller gives; nothing global.
# GNUPGHOME paths must stay short (the agent's socket lives there).

# pgp_home DIR: an empty private GnuPG home.
pgp_home() {
	mkdir -p "$1" && chmod 700 "$1"
	printf 'trust-model always\nno-auto-key-retrieve\n' > "$1/gpg.conf"
	echo allow-loopback-pinentry > "$1/gpg-agent.conf"
}

# pgp_signer HOME "NAME <EMAIL>" [subkey]: makes an unprotected key and
# prints its primary fingerprint. With "subkey", the primary key only
# certifies and a separate subkey signs (as most real keys are made).
pgp_signer() {
	_g="gpg --homedir $1 --batch --pinentry-mode loopback --passphrase ''"
	if [ "${3:-}" = subkey ]; then
		eval "$_g --quick-gen-key '$2' ed25519 cert never" 2>/dev/null
	else
		eval "$_g --quick-gen-key '$2' future-default default never" 2>/dev/null
	fi
	_fpr=$(gpg --homedir "$1" --with-colons --list-keys "$2" | awk -F: '$1 == "fpr" { print $10; exit }')
	if [ "${3:-}" = subkey ]; then
		eval "$_g --quick-add-key $_fpr ed25519 sign never" 2>/dev/null
		eval "$_g --quick-add-key $_fpr cv25519 encr never" 2>/dev/null
	fi
	echo "$_fpr"
}

# pgp_export HOME FPR FILE: the public key, armoured.
pgp_export() { gpg --homedir "$1" --batch --armor --export "$2" > "$3"; }

# pgp_person HOME "NAME <EMAIL>" FILE [subkey]: a signer as a State has
# one: a new home, its key (pgp_signer) and the public key in FILE. Prints
# the primary fingerprint.
pgp_person() {
	pgp_home "$1" && _pp=$(pgp_signer "$1" "$2" ${4:-}) && pgp_export "$1" "$_pp" "$3" && echo "$_pp"
}

# mail_headers FROM SUBJECT [MESSAGE-ID]: the header lines of a test message.
mail_headers() {
	printf 'From: %s\nTo: pocbot@robot.test\nSubject: %s\nDate: %s\nMessage-ID: <%s>\nMIME-Version: 1.0\n' \
		"$1" "$2" "$(date -R)" "${3:-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')@test.example}"
}

# crlf: LF to CRLF on standard input.
crlf() { sed 's/$/\r/'; }

# pgp_mime HOME FPR FROM SUBJECT BODYFILE OUT: a PGP/MIME signed message
# (RFC 3156), made as mail clients make it: the signed part canonicalised
# to CRLF, signed detached by gpg.
pgp_mime() {
	_d=$(mktemp -d)
	{ printf 'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n'; cat "$5"; } | crlf > "$_d/part"
	gpg --homedir "$1" --batch --pinentry-mode loopback --passphrase '' --local-user "$2" \
		--armor --digest-algo SHA256 --detach-sign -o "$_d/sig" "$_d/part" 2>/dev/null
	{
		mail_headers "$3" "$4"
		printf 'Content-Type: multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature"; boundary="sig-b"\n\n'
		printf -- '--sig-b\r\n'; cat "$_d/part"; printf '\r\n--sig-b\r\n'
		printf 'Content-Type: application/pgp-signature; name="signature.asc"\r\n\r\n'
		crlf < "$_d/sig"; printf -- '--sig-b--\r\n'
	} > "$6"
	rm -rf "$_d"
}

# pgp_clearsigned HOME FPR FROM SUBJECT BODYFILE OUT: inline PGP, gpg --clearsign.
pgp_clearsigned() {
	{
		mail_headers "$3" "$4"
		printf 'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n'
		gpg --homedir "$1" --batch --pinentry-mode loopback --passphrase '' --local-user "$2" \
			--digest-algo SHA256 --clearsign < "$5" 2>/dev/null
	} > "$6"
}

# ca_make DIR: a test root CA (DIR/ca.key, DIR/ca.pem).
ca_make() {
	mkdir -p "$1"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1/ca.key" -out "$1/ca.pem" -days 3650 \
		-subj "/CN=pocbot test CA $(basename "$1")" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}

# smime_signer CADIR DIR EMAIL [sign-only]: a signer's key and certificate
# issued by the CA (DIR/key.pem, DIR/cert.pem, DIR/chain.pem = the CA).
# Prints the certificate's SHA-1 fingerprint, upper-case hex.
smime_signer() {
	mkdir -p "$2"
	_ku="digitalSignature,nonRepudiation,keyEncipherment"
	[ "${4:-}" = sign-only ] && _ku="digitalSignature,nonRepudiation"
	printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,%s\nextendedKeyUsage=emailProtection\nsubjectAltName=email:%s\n' \
		"$_ku" "$3" > "$2/ext.cnf"
	openssl req -newkey rsa:2048 -nodes -keyout "$2/key.pem" -out "$2/req.pem" -subj "/CN=$3/emailAddress=$3" 2>/dev/null
	openssl x509 -req -in "$2/req.pem" -CA "$1/ca.pem" -CAkey "$1/ca.key" -CAcreateserial -days 825 \
		-sha256 -extfile "$2/ext.cnf" -out "$2/cert.pem" 2>/dev/null
	cp "$1/ca.pem" "$2/chain.pem"
	openssl x509 -in "$2/cert.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g'
}

# smime_body BODYFILE: the MIME entity that S/MIME tools sign.
smime_body() { printf 'Content-Type: text/plain; charset=utf-8\n\n'; cat "$1"; }

# smime_detached DIR FROM SUBJECT BODYFILE OUT [DIGEST]: openssl smime -sign (detached).
smime_detached() {
	{
		mail_headers "$2" "$3" | grep -v '^MIME-Version'
		smime_body "$4" | openssl smime -sign -signer "$1/cert.pem" -inkey "$1/key.pem" \
			-md "${6:-sha256}" 2>/dev/null
	} > "$5"
}

# smime_opaque DIR FROM SUBJECT BODYFILE OUT: openssl smime -sign -nodetach.
smime_opaque() {
	{
		mail_headers "$2" "$3" | grep -v '^MIME-Version'
		smime_body "$4" | openssl smime -sign -nodetach -signer "$1/cert.pem" -inkey "$1/key.pem" 2>/dev/null
	} > "$5"
}

# cms_detached DIR FROM SUBJECT BODYFILE OUT: openssl cms -sign (detached).
cms_detached() {
	{
		mail_headers "$2" "$3" | grep -v '^MIME-Version'
		smime_body "$4" | openssl cms -sign -signer "$1/cert.pem" -inkey "$1/key.pem" 2>/dev/null
	} > "$5"
}

# keys_cleanup DIR...: stops the gpg-agents of the GnuPG homes under DIR.
keys_cleanup() {
	for _h in $(find "$@" -maxdepth 3 -name gpg.conf -printf '%h\n' 2>/dev/null); do
		gpgconf --homedir "$_h" --kill all 2>/dev/null
	done
}

# ---- added for the verification tests (tests/unit/test-crypto-verify.c) ----

# entity_of FILE: the MIME entity of a message: its Content-* header
# fields (folded lines kept) and its body; the other header fields dropped.
entity_of() {
	awk 'h && /^\r?$/ { h = 0; print; next }
	     h && /^[ \t]/ { if (keep) print; next }
	     h { keep = tolower($0) ~ /^content-/; if (keep) print; next }
	     { print }' h=1 "$1"
}

# pgp_mime_digest HOME FPR FROM SUBJECT BODYFILE OUT DIGEST: pgp_mime with
# another digest (SHA1 for a weak signature).
pgp_mime_digest() {
	_d=$(mktemp -d)
	{ printf 'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n'; cat "$5"; } | crlf > "$_d/part"
	gpg --homedir "$1" --batch --pinentry-mode loopback --passphrase '' --local-user "$2" \
		--armor --digest-algo "$7" --detach-sign -o "$_d/sig" "$_d/part" 2>/dev/null
	_m=$(echo "$7" | tr 'A-Z' 'a-z')
	{
		mail_headers "$3" "$4"
		printf 'Content-Type: multipart/signed; micalg=pgp-%s; protocol="application/pgp-signature"; boundary="sig-b"\n\n' "$_m"
		printf -- '--sig-b\r\n'; cat "$_d/part"; printf '\r\n--sig-b\r\n'
		printf 'Content-Type: application/pgp-signature; name="signature.asc"\r\n\r\n'
		crlf < "$_d/sig"; printf -- '--sig-b--\r\n'
	} > "$6"
	rm -rf "$_d"
}

# pgp_encrypted HOME TO-FPR FROM SUBJECT ENTITYFILE OUT [SIGNER-FPR]: a
# PGP/MIME encrypted message (RFC 3156 4) holding the MIME entity in
# ENTITYFILE, encrypted to TO-FPR (whose public key HOME holds); with
# SIGNER-FPR also signed in the same OpenPGP message (RFC 3156 6.2).
pgp_encrypted() {
	_s=
	[ -n "${7:-}" ] && _s="--sign --local-user $7"
	{
		mail_headers "$3" "$4"
		printf 'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="enc-b"\n\n'
		printf -- '--enc-b\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n--enc-b\n'
		printf 'Content-Type: application/octet-stream; name="encrypted.asc"\n\n'
		gpg --homedir "$1" --batch --pinentry-mode loopback --passphrase '' --trust-model always \
			--armor $_s --encrypt --recipient "$2" < "$5" 2>/dev/null
		printf -- '--enc-b--\n'
	} > "$6"
}

# smime_import_key HOME CERT KEY: the key and its certificate (with any
# chain in CERT) into gpgsm's HOME, through PKCS#12 in the form gpgsm 2.2
# reads (3DES, SHA-1 MAC, empty password). gpgsm 2.2.40 cannot decrypt
# about one such file in 150 (it depends on the random salt; the same file
# fails every time): a refused file is made again, up to 4 times.
smime_import_key() {
	for _try in 1 2 3 4; do
		openssl pkcs12 -export -in "$2" -inkey "$3" -passout pass: -keypbe PBE-SHA1-3DES \
			-certpbe PBE-SHA1-3DES -macalg sha1 -out "$1/import.p12" 2>/dev/null || return 1
		gpgsm --homedir "$1" --batch --pinentry-mode loopback --passphrase '' \
			--import "$1/import.p12" 2>/dev/null && { rm -f "$1/import.p12"; return 0; }
	done
	return 1
}

# smime_enveloped CERT FROM SUBJECT ENTITYFILE OUT: openssl smime -encrypt
# (enveloped-data, AES-256) of the MIME entity to the certificate.
smime_enveloped() {
	{
		mail_headers "$2" "$3" | grep -v '^MIME-Version'
		openssl smime -encrypt -aes256 -in "$4" "$1" 2>/dev/null
	} > "$5"
}

# smime_sign_entity DIR BODYFILE OUT [nodetach]: the S/MIME signed entity
# (no message headers) over smime_body BODYFILE, detached or opaque.
smime_sign_entity() {
	_o=
	[ "${4:-}" = nodetach ] && _o=-nodetach
	smime_body "$2" | openssl smime -sign $_o -signer "$1/cert.pem" -inkey "$1/key.pem" > "$3" 2>/dev/null
}

# ---- added for the charset tests (tests/e2e/form-charsets.sh) ----

# pgp_mime_entity HOME FPR FROM SUBJECT ENTITYFILE OUT [MESSAGE-ID]: a
# PGP/MIME signed message (RFC 3156) over a ready MIME entity: its own
# Content-Type (with the charset), Content-Transfer-Encoding and encoded
# body, CRLF, signed byte for byte as it is. SUBJECT goes in as given (an
# RFC 2047 encoded value, or raw 8-bit text).
pgp_mime_entity() {
	_d=$(mktemp -d)
	gpg --homedir "$1" --batch --pinentry-mode loopback --passphrase '' --local-user "$2" \
		--armor --digest-algo SHA256 --detach-sign -o "$_d/sig" "$5" 2>/dev/null
	{
		mail_headers "$3" "$4" "${7:-}"
		printf 'Content-Type: multipart/signed; micalg=pgp-sha256; protocol="application/pgp-signature"; boundary="sig-b"\n\n'
		printf -- '--sig-b\r\n'; cat "$5"; printf '\r\n--sig-b\r\n'
		printf 'Content-Type: application/pgp-signature; name="signature.asc"\r\n\r\n'
		crlf < "$_d/sig"; printf -- '--sig-b--\r\n'
	} > "$6"
	rm -rf "$_d"
}

# smime_mime_entity DIR FROM SUBJECT ENTITYFILE OUT [MESSAGE-ID]: an S/MIME
# signed message (openssl smime -sign, detached) over a ready MIME entity,
# as pgp_mime_entity.
smime_mime_entity() {
	{
		mail_headers "$2" "$3" "${6:-}" | sed '/^MIME-Version/d'
		openssl smime -sign -signer "$1/cert.pem" -inkey "$1/key.pem" -md sha256 -in "$4" 2>/dev/null
	} > "$5"
}
