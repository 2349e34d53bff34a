#!/bin/sh
# verify-corpus.sh - the robot's signature verdicts on the real signed and
# encrypted mail of the shared corpus (../shared/corpus/openpgp and smime):
# for each sample, the keys its VERIFY.tsv row names are imported into a
# fresh robot GNUPGHOME (public keys; secret keys and PKCS#12 where the
# robot is the recipient; self-signed CA certificates trusted), and
# build/tools/verify-file gives the verdict, which must be what the
# source project expects (source_expectation; where the source states
# nothing, gpg's or openssl's result recorded in checked_here). The
# caller's freshness rule is applied as the robot applies it: a signature
# dated more than an hour ahead is refused, as are SHA-1 ones (WEAK).
#
# Expired samples: the verdict here is cryptographic only; a sample whose
# row says its certificates are long expired is verified at its signing
# date, by a faked-system-time line (a gpgsm option that its conf file
# accepts) in that sample's gpgsm.conf, taken from the message's Date.
# The robot itself never fakes its time: at today's date the same sample
# is KEY_EXPIRED, which is checked too.
set -u
: "${POCBOT_TOOLS:?run through tests/run-all or set POCBOT_TOOLS}"
top=${POCBOT_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
CORPUS=${POCBOT_CORPUS:-$top/../shared/corpus}
VERIFY="$POCBOT_TOOLS/verify-file"
. "$top/tests/lib/keys.sh"
T=$(mktemp -d /tmp/pvc.XXXXXX)
N=0 CHECKS=0 FAILS=0 SOURCE_MATCH=0 SOURCE_ROWS=0 DEVIATIONS=

cleanup() {
	for h in "$T"/h*; do [ -d "$h" ] && gpgconf --homedir "$h" --kill all 2>/dev/null; done
	[ -n "${KEEP:-}" ] && { echo "kept $T" >&2; return; }
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

[ -d "$CORPUS/openpgp" ] && [ -d "$CORPUS/smime" ] || { echo "  skip: no corpus at $CORPUS"; exit 0; }

# What the robot must answer for each sample: outcome[+enc] (or "notgood":
# anything but good), and where that comes from. One line a sample.
expected() {
	case $1 in
	# -- openpgp --
	pgpmime-signed-gnupg-2.1.20-announce-mimekit.eml) echo "no-key checked_here" ;;
	pgpmime-signed-mutt-2009-notmuch-list-[12].eml) echo "no-key checked_here" ;;
	pgpmime-encrypted-basic-notmuch.eml) echo "unsigned+enc source" ;;
	pgpmime-encrypted-signed-notmuch.eml) echo "good+enc source" ;;
	pgpmime-encrypted-simple-notmuch.eml) echo "malformed+enc source" ;;	# no secret key: not decryptable
	pgpmime-encrypted-rfc822-attachment-alot-notmuch.eml) echo "unsigned+enc source" ;;
	pgpmime-signed-simple-notmuch.eml) echo "good source" ;;
	pgpmime-signed-protected-header-notmuch.eml) echo "good source" ;;
	pgpmime-encrypted-protected-subject-notmuch.eml) echo "unsigned+enc source" ;;
	thunderbird-unsigned-unencrypted-from-bob-to-alice.eml) echo "unsigned source" ;;
	thunderbird-signed-by-0xfbfcc82a015e7330-to-0xf231550c4f47e38e-unencrypted.eml) echo "good source" ;;
	thunderbird-signed-by-0xfbfcc82a015e7330-encrypted-to-0xf231550c4f47e38e.eml) echo "good+enc source" ;;
	# Thunderbird's "mismatch" is about several From addresses: the caller's business
	thunderbird-signed-by-0xfbfcc82a015e7330-encrypted-to-0xf231550c4f47e38e-multi-from.eml) echo "good+enc source" ;;
	thunderbird-signed-by-0x3099ff1238852b9f-to-0xf231550c4f47e38e-unencrypted.eml) echo "good source" ;;
	thunderbird-signed-by-0x3099ff1238852b9f-encrypted-to-0xf231550c4f47e38e.eml) echo "good+enc source" ;;
	# the Date header is not the signature time: the caller's freshness check
	thunderbird-signed-mismatch-email-date.eml) echo "good source" ;;
	thunderbird-unsigned-encrypted-to-0xf231550c4f47e38e-from-0xfbfcc82a015e7330.eml) echo "unsigned+enc source" ;;
	thunderbird-encrypted-to-alice-as-hidden-recipient.eml) echo "unsigned+enc source" ;;
	thunderbird-bob-to-alice-signed-damaged-signature.eml) echo "notgood source" ;;
	thunderbird-multiple-signatures.eml) echo "unsigned source" ;;
	thunderbird-signed-with-mailman-footer.eml) echo "bad source" ;;	# not good; gpg: BADSIG
	thunderbird-alice-signed.eml) echo "good source" ;;
	thunderbird-alice-utf.eml) echo "good source" ;;	# "unverified" = key not accepted by the user
	thunderbird-inline-signed-latin1.eml) echo "no-key checked_here" ;;
	thunderbird-inline-signed-utf8.eml) echo "no-key checked_here" ;;
	thunderbird-signed-inline-indented.eml) echo "good source" ;;
	thunderbird-bob-enc-inline-nbsp-qp.eml) echo "unsigned source" ;;	# inline encryption: not a form the robot reads
	thunderbird-encrypted-and-signed-alice-to-bob-nonascii.eml) echo "good+enc source" ;;
	thunderbird-signed-encrypted-autocrypt-gossip.eml) echo "good+enc source" ;;
	thunderbird-unsigned-unencrypted-0x3099ff1238852b9f-autocrypt.eml) echo "unsigned source" ;;
	thunderbird-openpgp__stripped_sig.eml) echo "malformed source" ;;
	thunderbird-partial-encrypt-for-alice-plaintext.eml) echo "unsigned source" ;;
	# -- smime --
	nss-alice-dsig-SHA256-multipart.eml|nss-alice-sig-SHA256-opaque.eml) echo "good source" ;;
	nss-alice-dsig-SHA512-multipart.eml) echo "good source" ;;
	nss-alice-env.eml) echo "unsigned+enc source" ;;
	nss-alice-dsig-SHA256-multipart-env.eml|nss-alice-sig-SHA256-opaque-env.eml) echo "good+enc source" ;;
	nss-alice-env-dsig-SHA256-multipart.eml) echo "notgood source" ;;
	# encrypt then sign: a signature over an encrypted entity is one of several
	nss-alice-env-sig-SHA256-opaque.eml) echo "unsigned source" ;;
	nss-alice-dsig-SHA256-multipart-bad.eml) echo "bad source" ;;
	nss-alice-dsig-SHA256-multipart-mismatch-econtent.eml) echo "notgood source" ;;
	# Thunderbird: Date header 6 hours after the signing time. The robot
	# judges the signing time against its clock (caller); cryptographically good
	nss-alice-future-dsig-SHA256-multipart.eml) echo "good robot" ;;
	nss-alice-dsig-SHA1-multipart.eml) echo "weak source" ;;
	nss-alice-html-sig-SHA256-opaque.eml) echo "good checked_here" ;;
	# sign then sign again (Dave over Alice): one of several, none counts. The
	# row says good for the opaque pair, Thunderbird's current test says not
	nss-alice-plain-sig-SHA256-opaque-dave-sig-SHA256-opaque.eml) echo "unsigned robot" ;;
	nss-alice-plain-dsig-SHA256-multipart-dave-dsig-SHA256-multipart.eml) echo "unsigned source" ;;
	# gpgsm 2.2 decrypts neither RSA-OAEP nor ECDH key transport: "No secret key"
	openssl-enveloped-fran-oaep.eml|openssl-enveloped-fran-ec-aes128-sha256.eml) echo "malformed+enc gpgsm-2.2" ;;
	nested-signatures-thunderbird.eml) echo "notgood checked_here" ;;
	# SHA-1 (2013): refused by the robot; at its signing date it is otherwise good
	thunderbird24-signed-startcom-jpeg-mimekit.eml) echo "weak robot" ;;
	lamps-onepart-signed-notmuch.eml|lamps-multipart-signed-protected-headers-notmuch.eml) echo "good source" ;;
	lamps-signed-then-encrypted-protected-headers-notmuch.eml) echo "good+enc source" ;;
	lamps-signed-encrypted-legacy-display-notmuch.eml) echo "good+enc source" ;;
	lamps-encrypted-legacy-display-notmuch.eml) echo "unsigned+enc source" ;;
	m2crypto-signed-flanker.eml) echo "notgood source" ;;	# no trust anchor
	*) echo "? none" ;;
	esac
}

# import_p12 HOME FILE: a PKCS#12 (password nss or empty; PEM-armoured or
# not) re-made as gpgsm 2.2 imports it (smime_import_key), imported.
import_p12() {
	_in=$2
	if grep -q -- '-----BEGIN PKCS12-----' "$2"; then
		sed '/-----/d' "$2" | base64 -d > "$T/in.p12"; _in=$T/in.p12
	fi
	for _pw in nss ''; do
		openssl pkcs12 -in "$_in" -passin "pass:$_pw" -nodes -out "$T/p12.pem" 2>/dev/null && break
		openssl pkcs12 -legacy -in "$_in" -passin "pass:$_pw" -nodes -out "$T/p12.pem" 2>/dev/null && break
	done
	smime_import_key "$1" "$T/p12.pem" "$T/p12.pem"
}

# import_pgp HOME FILE: an OpenPGP key file. A passphrase-protected secret
# key is not the robot's (its own keys have no passphrase): such a file is
# skipped, its public key comes from its -pub.asc.
import_pgp() {
	if gpg --list-packets "$2" 2>/dev/null | grep -q 'skey.*protected'; then
		return 0
	fi
	gpg --homedir "$1" --batch --import "$2" 2>/dev/null
}

# import_cert HOME FILE: a certificate; trusted when it is self-signed (a root).
import_cert() {
	gpgsm --homedir "$1" --batch --import "$2" 2>/dev/null
	_subj=$(openssl x509 -in "$2" -noout -subject 2>/dev/null | sed 's/^subject=//')
	_iss=$(openssl x509 -in "$2" -noout -issuer 2>/dev/null | sed 's/^issuer=//')
	if [ -n "$_subj" ] && [ "$_subj" = "$_iss" ]; then
		echo "$(openssl x509 -in "$2" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g') S" >> "$1/trustlist.txt"
	fi
}

# import_keys HOME DIR KEYSTEXT: every keys/NAME (globs allowed) the text names.
import_keys() {
	for _k in $(echo "$3" | grep -o 'keys/[A-Za-z0-9*._-]*' | sort -u); do
		for _f in "$2"/$_k; do
			[ -f "$_f" ] || continue
			case $_f in
			*.asc) import_pgp "$1" "$_f" ;;
			*.p12) import_p12 "$1" "$_f" ;;
			*.pem|*.crt) import_cert "$1" "$_f" ;;
			esac
		done
	done
}

# fake_time HOME FILE: gpgsm of HOME lives at the sample's Date.
fake_time() {
	_date=$(sed -n 's/^Date: //p' "$2" | head -1)
	_when=$(date -u -d "$_date" +%Y%m%dT%H%M%S) && echo "faked-system-time $_when" >> "$1/gpgsm.conf"
}

# verdict LINE: the robot's answer as the expectation spells it.
verdict() {
	set -- $1
	_v=$1
	[ "$_v" = good ] && [ "$4" -gt $(($(date +%s) + 3600)) ] && _v=future
	[ "$6" = 1 ] && _v="$_v+enc"
	echo "$_v"
}

matches() {	# matches WANT GOT
	[ "$1" = "$2" ] && return 0
	[ "$1" = notgood ] && case $2 in good|good+enc|error*) return 1 ;; *) return 0 ;; esac
	return 1
}

run_dir() {
	sub=$1 _dir=$CORPUS/$1
	tail -n +2 "$_dir/VERIFY.tsv" > "$T/rows"
	while IFS='	' read -r file signer keys expectation checked <&3; do
		[ -f "$_dir/$file" ] || continue
		N=$((N + 1)); h=$T/h$N
		"$VERIFY" "$h" /dev/null > /dev/null 2>&1	# the robot's home, as crypto_open makes it
		import_keys "$h" "$_dir" "$keys"
		case $keys in *expired*) fake_time "$h" "$_dir/$file" ;; esac
		line=$("$VERIFY" "$h" "$_dir/$file" 2>&1 | head -1)
		got=$(verdict "$line")
		set -- $(expected "$file")
		want=$1 basis=$2
		CHECKS=$((CHECKS + 1))
		if matches "$want" "$got"; then
			printf '  ok   %-70.70s %s\n' "$sub/$file" "$got"
			[ "$basis" = source ] && SOURCE_MATCH=$((SOURCE_MATCH + 1))
		else
			FAILS=$((FAILS + 1))
			printf '  FAIL %-70.70s %s, wanted %s (%s: %s)\n' "$sub/$file" "$got" "$want" "$basis" "$expectation" >&2
			echo "       $line" >&2
		fi
		[ "$basis" = source ] && SOURCE_ROWS=$((SOURCE_ROWS + 1))
		[ "$basis" != source ] && [ "$basis" != checked_here ] && DEVIATIONS="$DEVIATIONS $file($basis)"
		case $keys in *expired*)	# and at today's date, the robot's real time
			sed -i '/^faked-system-time/d' "$h/gpgsm.conf"; gpgconf --homedir "$h" --kill gpgsm 2>/dev/null
			now=$(verdict "$("$VERIFY" "$h" "$_dir/$file" 2>&1 | head -1)")
			CHECKS=$((CHECKS + 1))
			if matches notgood "$now"; then echo "  ok   $sub/$file today: $now"
			else FAILS=$((FAILS + 1)); echo "  FAIL $sub/$file today: $now, wanted not good" >&2; fi ;;
		esac
		gpgconf --homedir "$h" --kill all 2>/dev/null
	done 3< "$T/rows"
}

run_dir openpgp
run_dir smime
echo "  samples: $N; as the source states: $SOURCE_MATCH of $SOURCE_ROWS rows that state it"
echo "  other than the source, on purpose:$DEVIATIONS"
echo "  $((CHECKS - FAILS)) passed, $FAILS failed"
[ "$FAILS" -eq 0 ]
