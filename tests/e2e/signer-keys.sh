#!/bin/sh
# signer-keys.sh - the life of the signers' keys (issue 17 item 4), through
# the real binary with a Maildir outbox, real gpg and openssl keys made
# with an expiry, and the clock file moving days in seconds:
#   'signer list' shows each key's expiry (text and JSON);
#   enrolling a key that expires within 30 days says so on the command's
#   output and warns the State's authority signers and the custodian
#   signers at once, each in its language (decrypted with read_reply);
#   the daemon's daily check warns 30 and 7 days before a key expires,
#   each warning once;
#   'signer add' of an enrolled key says to use 'signer renew' (the robot's
#   keyring untouched);
#   'signer renew': an OpenPGP key's extended expiry (same fingerprint), a
#   new OpenPGP key and a new S/MIME certificate (new fingerprints: the
#   old enrolment revoked, the new one in its place), audited and told to
#   the State's other signers; a renewed key is not warned of again.
. "$(dirname "$0")/lib.sh"
. "$POCBOT_TOP/tests/lib/keys.sh"
K=$T/k
mkdir -p "$K" "$T/r"
t0=$(date +%s)
echo $t0 > "$T/r/clock"
at() { echo $((t0 + $1)) > "$T/r/clock.new" && mv "$T/r/clock.new" "$T/r/clock"; }
D=86400
write_config "$T/r/pocbot.conf" "$(free_port)" "[test]" "clock_file = clock"
P="$POCBOT -c $T/r/pocbot.conf"
DB=$T/r/var/pocbot.db
out=$T/r/var/outbox/new
q() { sqlite3 -cmd '.timeout 10000' "$DB" "$1"; }
is() { [ "$(q "$2")" = "$1" ]; }
# gpg_in HOME ARGS...: gpg on a signer's home, no passphrase
gpg_in() { _h=$1; shift; gpg --homedir "$_h" --batch --pinentry-mode loopback --passphrase '' "$@"; }
# pgp_expiring HOME UID EXPIRE FILE: a signer's key (and encryption subkey)
# expiring after EXPIRE (gpg's 20d); the public key in FILE; prints its fingerprint
pgp_expiring() {
	pgp_home "$1"
	gpg_in "$1" --quick-gen-key "$2" future-default default "$3" 2>/dev/null
	_f=$(gpg --homedir "$1" --with-colons --list-keys "$2" | awk -F: '$1 == "fpr" { print $10; exit }')
	pgp_export "$1" "$_f" "$4" && echo "$_f"
}
# expiry_day HOME FPR: the day (UTC) the primary key expires, as gpg says
expiry_day() {
	date -u -d "@$(gpg --homedir "$1" --with-colons --list-keys "$2" | awk -F: '$1 == "pub" { print $7 }')" +%F
}
# smime_days CADIR DIR EMAIL DAYS: smime_signer with a certificate valid DAYS days
smime_days() {
	mkdir -p "$2"
	printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=emailProtection\nsubjectAltName=email:%s\n' \
		"$3" > "$2/ext.cnf"
	openssl req -newkey rsa:2048 -nodes -keyout "$2/key.pem" -out "$2/req.pem" -subj "/CN=$3" 2>/dev/null
	openssl x509 -req -in "$2/req.pem" -CA "$1/ca.pem" -CAkey "$1/ca.key" -CAcreateserial \
		-days "$4" -sha256 -extfile "$2/ext.cnf" -out "$2/cert.pem" 2>/dev/null
	openssl x509 -in "$2/cert.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g'
}
# warnings_to ADDRESS: the key-expiry warnings sent to ADDRESS (Maildir files)
warnings_to() {
	for _t in $(q "select token from outbox where rcpt = '$1' and purpose = 'key-expiry' and state = 'sent' order by id"); do
		ls "$out" | grep "\.$_t\.pocbot$" | sed "s|^|$out/|"
	done
}
# warned FPR DAYS: the warning DAYS before FPR's key expires was recorded
warned() { is 1 "select count(*) from timer_runs where name like 'key-expiry:$1:%:$2'"; }
# checked_at SECONDS: the daemon's daily key check last ran at t0 + SECONDS
checked_at() { is $((t0 + $1)) "select last from timer_runs where name = 'key-expiry'"; }
not() { ! "$@"; }
all_sent() { is 0 "select count(*) from outbox where state = 'queued'"; }
# text_has FILE KEYS TEXT: the reply, decrypted with KEYS, holds TEXT
text_has() { read_signer_reply "$1" "$2" > "$T/text" && grep -q -- "$3" "$T/text"; }

$P db migrate >/dev/null
$P state add FR >/dev/null
alice=$(pgp_person "$K/a" "Alice <alice@fr.example>" "$K/a.asc")	# FR authority, French
carol=$(pgp_person "$K/c" "Carol <carol@un.example>" "$K/c.asc")	# custodian, Spanish
dan=$(pgp_expiring "$K/d" "Dan <dan@fr.example>" 40d "$K/d.asc")	# FR authority, Russian
bob=$(pgp_expiring "$K/b" "Bob <bob@fr.example>" 20d "$K/b.asc")	# FR reader
ca_make "$K/ca"
sam=$(smime_days "$K/ca" "$K/s" sam@fr.example 25)			# FR authority, S/MIME
$P signer add --state FR --role authority --pgp "$K/a.asc" --lang fr >/dev/null
$P signer add --role custodian --pgp "$K/c.asc" --lang es >/dev/null

echo "enrolment of keys expiring in 40, 20 and 25 days"
ok "Dan's key (40 days) is enrolled" pocbot 0 signer add --state FR --role authority \
	--pgp "$K/d.asc" --lang ru
ok "  with no warning" sh -c "! grep -q warning '$OUT'"
ok "Bob's key (20 days) is enrolled" pocbot 0 signer add --state FR --role reader --pgp "$K/b.asc"
ok "  the command warns that it expires within 30 days" \
	said "^warning: this key expires on $(expiry_day "$K/b" "$bob"), within 30 days"
ok "  the 30-day warning is recorded" warned "$bob" 30
ok "  not the 7-day one" not warned "$bob" 7
ok "  queued to Alice, Dan (FR authorities) and Carol (custodian), not Bob (reader)" \
	is "alice@fr.example carol@un.example dan@fr.example" "select group_concat(rcpt, ' ')
	from (select rcpt from outbox where purpose = 'key-expiry' order by rcpt)"
ok "Sam's certificate (25 days) is enrolled" pocbot 0 signer add --state FR --role authority \
	--smime "$K/s/cert.pem" --chain "$K/ca/ca.pem"
ok "  the command warns" said "^warning: this key expires on .*, within 30 days"
ok "  queued to the four authority and custodian signers, Sam too" is 7 \
	"select count(*) from outbox where purpose = 'key-expiry'"
ok "  the 30-day warning is recorded" warned "$sam" 30

echo "signer list: each key's expiry"
ok "signer list" pocbot 0 signer list
ok "  the header ends with expires" \
	[ "$(head -1 "$OUT")" = "$(printf 'protocol\tfingerprint\tstate\trole\tlabel\temail\trevoked\texpires')" ]
ok "  Alice's key never expires" grep -q "^openpgp	$alice	FR	authority	-	alice@fr.example	-	never$" "$OUT"
ok "  Dan's expires on the day gpg says" \
	grep -q "^openpgp	$dan	FR	.*	$(expiry_day "$K/d" "$dan")$" "$OUT"
ok "  Sam's on its certificate's notAfter" grep -q "^smime	$sam	FR	.*	$(date -u -d \
	"$(openssl x509 -in "$K/s/cert.pem" -noout -enddate | sed 's/.*=//')" +%F)$" "$OUT"
ok "signer list --format json" pocbot 0 signer list --format json
ok "  Bob's expires is gpg's expiry" python3 -c '
import json, sys, datetime
doc = {s["fingerprint"]: s for s in json.load(open(sys.argv[1]))}
want = datetime.datetime.fromtimestamp(int(sys.argv[3]), datetime.timezone.utc)
assert doc[sys.argv[2]]["expires"] == want.strftime("%Y-%m-%dT%H:%M:%SZ"), doc[sys.argv[2]]
assert doc[sys.argv[4]]["expires"] is None and doc[sys.argv[4]]["key_held"], doc[sys.argv[4]]
' "$OUT" "$bob" "$(gpg --homedir "$K/b" --with-colons --list-keys "$bob" | awk -F: '$1 == "pub" { print $7 }')" "$alice"

echo "the enrolment's warning, read by each in its language"
start_robot "$T/r/pocbot.conf"
ok "the daemon's first daily check runs" wait_for 20 checked_at 0
ok "everything is sent" wait_for 20 all_sent
ok "Alice reads Bob's warning in French" text_has "$(warnings_to alice@fr.example | head -1)" \
	"$K/a" "Une clé de signature enregistrée expire dans 20 jour"
ok "  with Bob's fingerprint" grep -q "$bob" "$T/text"
ok "Carol reads it in Spanish" text_has "$(warnings_to carol@un.example | head -1)" "$K/c" \
	"Una clave de firma registrada caduca"
ok "Dan reads it in Russian" text_has "$(warnings_to dan@fr.example | head -1)" "$K/d" \
	"Срок действия зарегистрированного ключа подписи истекает"
ok "no warning of Dan's key yet (40 days)" not warned "$dan" 30
n0=$(q "select count(*) from outbox where purpose = 'key-expiry'")

echo "eleven days on: Dan's key expires within 30 days"
at $((11 * D))
ok "the daily check runs again" wait_for 20 checked_at $((11 * D))
ok "Dan's 30-day warning is recorded" warned "$dan" 30
ok "  to the four (Alice, Carol, Dan, Sam), not again for Bob's nor Sam's" \
	is $((n0 + 4)) "select count(*) from outbox where purpose = 'key-expiry'"
ok "  everything is sent" wait_for 20 all_sent
ok "  Alice reads it in French, 29 days left" text_has \
	"$(warnings_to alice@fr.example | tail -1)" "$K/a" "expire dans 29 jour"
ok "  naming Dan's key" grep -q "$dan" "$T/text"
ok "  Sam reads it in English, decrypted with his S/MIME key" text_has \
	"$(warnings_to sam@fr.example | tail -1)" "$K/s" "An enrolled signing key expires in 29 day"

echo "a day later: no warning twice"
at $((12 * D + 60))
ok "the daily check runs again" wait_for 20 checked_at $((12 * D + 60))
ok "  nothing more queued" is $((n0 + 4)) "select count(*) from outbox where purpose = 'key-expiry'"

echo "fourteen days on: Bob's key expires within 7 days"
at $((14 * D))
ok "the daily check runs" wait_for 20 checked_at $((14 * D))
ok "Bob's 7-day warning is recorded" warned "$bob" 7
ok "  to the four" is $((n0 + 8)) "select count(*) from outbox where purpose = 'key-expiry'"
ok "  everything is sent" wait_for 20 all_sent
ok "  Carol reads it in Spanish, 6 days left" text_has \
	"$(warnings_to carol@un.example | tail -1)" "$K/c" "caduca dentro de 6 día"

echo "Dan extends his key: signer add refuses and says to renew"
dan_old=$(expiry_day "$K/d" "$dan")
gpg_in "$K/d" --quick-set-expire "$dan" 1y 2>/dev/null
gpg_in "$K/d" --quick-set-expire "$dan" 1y '*' 2>/dev/null
pgp_export "$K/d" "$dan" "$K/d2.asc"
ok "signer add of the enrolled key: 65" pocbot 65 signer add --state FR --role authority \
	--pgp "$K/d2.asc"
ok "  saying to use signer renew" grep -q "pocbot signer renew $dan --pgp FILE" "$OUT.err"
ok "  the robot's keyring did not take the new expiry" sh -c \
	"$P signer list | grep -q '^openpgp	$dan	.*	$dan_old$'"
ok "signer renew with the extended key" pocbot 0 signer renew "$dan" --pgp "$K/d2.asc"
ok "  says the new expiry" said "^renewed for FR: openpgp $dan, expires $(expiry_day "$K/d" "$dan")"
ok "  no warning (a year)" sh -c "! grep -q warning '$OUT'"
ok "  signer list shows the new expiry" sh -c "$P signer list | grep -q '^openpgp	$dan	.*	$(expiry_day "$K/d" "$dan")$'"
ok "  audited" is 1 "select count(*) from events where action = 'signer-renew' and detail like '%$dan, expires%'"
ok "  the State's other signers are told (not Dan)" \
	is "alice@fr.example bob@fr.example sam@fr.example" \
	"select group_concat(rcpt, ' ') from (select rcpt from outbox where purpose = 'notice'
	 and rcpt like '%fr.example' and id > (select max(id) from outbox where purpose = 'key-expiry')
	 order by rcpt)"
ok "  everything is sent" wait_for 20 all_sent
f=$(for t in $(q "select token from outbox where rcpt = 'alice@fr.example' and purpose = 'notice' order by id desc limit 1"); do ls "$out" | grep "\.$t\.pocbot$"; done)
ok "  Alice reads it" text_has "$out/$f" "$K/a" "the key of an enrolled signer was renewed"

echo "Bob makes a new key: it replaces the old one"
bob2=$(pgp_expiring "$K/b2" "Bob <bob@fr.example>" 2y "$K/b2.asc")
ok "signer renew with a new key" pocbot 0 signer renew "$bob" --pgp "$K/b2.asc"
ok "  says old replaced by new" said "^renewed for FR: openpgp $bob replaced by $bob2, expires"
ok "  the old enrolment is revoked, saying why" is "renewed: replaced by $bob2" \
	"select revoke_reason from signers where fingerprint = '$bob'"
ok "  the new one is FR's reader" is "FR|reader|en" \
	"select state, role, lang from signers where fingerprint = '$bob2' and revoked is null"
ok "  audited" is 1 "select count(*) from events where action = 'signer-renew' and detail like '%$bob replaced by $bob2%'"
ok "a renewed (revoked) key cannot be renewed again: 65" pocbot 65 signer renew "$bob" --pgp "$K/b2.asc"
ok "the new key cannot be renewed into another signer's: 65" \
	pocbot 65 signer renew "$dan" --pgp "$K/b2.asc"
ok "an S/MIME file for an OpenPGP signer: 65" \
	pocbot 65 signer renew "$dan" --smime "$K/s/cert.pem" --chain "$K/ca/ca.pem"
ok "--pgp and --smime together: 64" pocbot 64 signer renew "$dan" --pgp "$K/b2.asc" \
	--smime "$K/s/cert.pem"

echo "Sam gets a new certificate"
sam2=$(smime_days "$K/ca" "$K/s2" sam@fr.example 400)
ok "signer renew --smime" pocbot 0 signer renew "$sam" --smime "$K/s2/cert.pem" --chain "$K/ca/ca.pem"
ok "  old replaced by new" said "^renewed for FR: smime $sam replaced by $sam2, expires"
ok "  signer list: the old revoked, the new with its notAfter" sh -c "$P signer list > '$T/list' &&
	grep -q '^smime	$sam	FR	.*revoked .*renewed: replaced by $sam2	' '$T/list' &&
	grep -q '^smime	$sam2	FR	authority	.*	-	$(date -u -d \
	"$(openssl x509 -in "$K/s2/cert.pem" -noout -enddate | sed 's/.*=//')" +%F)$' '$T/list'"

echo "thirty-four days on: Dan's old expiry is near, but his key was renewed"
at $((34 * D))
ok "the daily check runs" wait_for 20 checked_at $((34 * D))
ok "  no 7-day warning of Dan's key" not warned "$dan" 7
ok "  none of Sam's new certificate, nor of Bob's new key" \
	is $((n0 + 8)) "select count(*) from outbox where purpose = 'key-expiry'"
stop_robot
ok "audit verify passes" pocbot 0 audit verify
finish
