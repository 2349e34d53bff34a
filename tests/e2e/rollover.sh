#!/bin/sh
# rollover.sh - the life of the robot's own keys (issue 17 item 5), through
# the real binary with a Maildir outbox, real gpg, gpgsm and openssl, and
# the clock file moving days in seconds:
#   the keys are made with an expiry ([keys] lifetime, two years): the
#   OpenPGP key and the self-signed certificate; status warns 60 days
#   before; a robot whose keys have no expiry, or whose [robot] domain and
#   address the keys do not carry, is warned of by status and at start;
#   'keys rollover' with the daemon running: the new OpenPGP key certified
#   by the old (gpg --check-sigs), a new certificate, every signer told in
#   its language, signed by the OLD key, with the new key and certificate
#   attached; the daemon told by SIGHUP signs its replies with the new key;
#   mail encrypted to the old key is carried out during the overlap;
#   when [keys] overlap ends the daemon archives the old secret keys out of
#   its home (VAR/keys-archive), audited; audit verify passes;
#   a database made before db/0013 (tests/data/schema10.sql) migrates.
. "$(dirname "$0")/lib.sh"
. "$POCBOT_TOP/tests/lib/keys.sh"
K=$T/k
mkdir -p "$K" "$T/r" "$T/o"
t0=$(date +%s)
echo $t0 > "$T/r/clock"
at() { echo $((t0 + $1)) > "$T/r/clock.new" && mv "$T/r/clock.new" "$T/r/clock"; }
D=86400
write_config "$T/r/pocbot.conf" "$(free_port)" "[keys]" "overlap = 10d" "[test]" \
	"clock_file = clock"
P="$POCBOT -c $T/r/pocbot.conf"
G=$T/r/var/gnupg
DB=$T/r/var/pocbot.db
out=$T/r/var/outbox/new
q() { sqlite3 -cmd '.timeout 10000' "$DB" "$1"; }
is() { [ "$(q "$2")" = "$1" ]; }
not() { ! "$@"; }
near() { [ $(($1 - $2)) -lt 86400 ] && [ $(($2 - $1)) -lt 86400 ]; }	# within a day
all_sent() { is 0 "select count(*) from outbox where state = 'queued'"; }
file_of() { ls "$out" | grep "\.$1\.pocbot$" | sed "s|^|$out/|"; }
signed_by() { python3 "$POCBOT_TOP/tests/e2e/signed-by.py" "$@"; }
# reads FILE KEYS TEXT: the reply (read_signer_reply with KEYS, text in $T/text) holds TEXT
reads() { read_signer_reply "$1" "$2" > "$T/text" && grep -q -- "$3" "$T/text"; }
# holds_all FILE KEYS A B: every part of the reply, decoded, holds A and B
holds_all() { read_reply "$1" "$2" all > "$T/all" && grep -q -- "$3" "$T/all" && grep -q -- "$4" "$T/all"; }
# has_secret FPR: the robot's home holds FPR's OpenPGP secret key
has_secret() { gpg --homedir "$G" --list-secret-keys "$1" >/dev/null 2>&1; }
has_public() { gpg --homedir "$G" --list-keys "$1" >/dev/null 2>&1; }
# form ID ORG FPR: a NOMINATE signed by Alice and encrypted to the robot's key FPR, delivered
form() {
	printf 'Content-Type: text/plain; charset=utf-8\n\nNOMINATE\nState: France\nPOC type: technical\nOrganisation: %s\nE-mail: %s@fr.example\nPhone: +33 1 43 17 53 53\n' \
		"$2" "$2" | crlf > "$K/entity"
	pgp_encrypted "$K/a" "$3" alice@fr.example "nomination" "$K/entity" "$K/$1.eml" "$alice"
	sed -i "s/^Message-ID: <.*>/Message-ID: <$1@test.example>/" "$K/$1.eml"
	$P deliver --sender alice@fr.example --recipient pocbot@robot.test < "$K/$1.eml" 2>/dev/null
}
reply_to() { grep -l "^In-Reply-To: <$1@test.example>" "$out"/* 2>/dev/null | head -1; }
replied() { [ -n "$(reply_to "$1")" ]; }

$P db migrate >/dev/null
$P state add FR >/dev/null
alice=$(pgp_person "$K/a" "Alice <alice@fr.example>" "$K/a.asc")
ca_make "$K/ca"
sam=$(smime_signer "$K/ca" "$K/s" sam@fr.example)
$P signer add --state FR --role authority --pgp "$K/a.asc" --lang fr >/dev/null
$P signer add --state FR --role reader --smime "$K/s/cert.pem" --chain "$K/s/chain.pem" \
	--lang es >/dev/null

echo "the keys are made with an expiry"
made=$(date +%s)
ok "keys show makes the keys" pocbot 0 keys show
old=$(sed -n 's/^openpgp //p' "$OUT")
olds=$(sed -n 's/^smime *//p' "$OUT")
ok "  the OpenPGP key expires in two years" near "$(gpg --homedir "$G" --with-colons \
	--list-keys "$old" | awk -F: '$1 == "pub" { print $7 }')" $((made + 730 * D))
$P keys export "$T/pub" >/dev/null
ok "  the certificate's notAfter is two years on" near "$(date -d "$(openssl x509 -noout \
	-enddate -in "$T/pub/pocbot.pem" | sed 's/.*=//')" +%s)" $((made + 730 * D))
ok "status has no warning about the robot's keys" pocbot 0 status
ok "  none" not grep -q "^robot keys:" "$OUT"
at $((671 * D))
ok "59 days before they expire, status warns" pocbot 0 status
ok "  the OpenPGP key" said "^robot keys: *the robot's OpenPGP key $old expires on"
ok "  the certificate" said "^robot keys: *the robot's S/MIME key $olds expires on"
ok "  status --check says so (critical: no daemon runs)" pocbot 2 status --check
ok "  the warning" said "OpenPGP key $old expires on"
at 0

echo "keys made before [keys] lifetime, a domain the keys do not carry"
write_config "$T/o/pocbot.conf" "$(free_port)" "[keys]" "lifetime = 0"
O="$POCBOT -c $T/o/pocbot.conf"
$O db migrate >/dev/null
$O keys show >/dev/null
sed -i 's/^domain = robot.test$/domain = new.test/; /^lifetime = 0$/d' "$T/o/pocbot.conf"
"$POCBOT" -c "$T/o/pocbot.conf" status > "$OUT"
ok "status warns of a key with no expiry" said "OpenPGP key .* has no expiry"
ok "  and of the certificate (gpgsm's default: 2063)" said "S/MIME key .* has no expiry"
ok "  and of the address the keys do not carry" \
	said "OpenPGP key .* does not carry \[robot\] address pocbot@new.test"
ok "  and of the domain" said "S/MIME key .* does not carry \[robot\] domain new.test"
start_robot "$T/o/pocbot.conf"
stop_robot
ok "serve warns at start" grep -q "keys: the robot's OpenPGP key .* does not carry \[robot\] address pocbot@new.test" \
	"$T/o/serve.log"

echo "keys rollover with the daemon running"
gpg --homedir "$K/a" --batch --import "$T/pub/pocbot.asc" 2>/dev/null
start_robot "$T/r/pocbot.conf"
form m0 before "$old"
ok "before: a form is answered" wait_for 20 replied m0
ok "  signed by the old key (the engine keeps it as its signer)" \
	[ "$(signed_by "$(reply_to m0)" "$K/a")" = "$old" ]
ok "keys rollover" pocbot 0 keys rollover
new=$(sed -n 's/^openpgp \([0-9A-F]*\) (was .*/\1/p' "$OUT")
news=$(sed -n 's/^smime *\([0-9A-F]*\) (was .*/\1/p' "$OUT")
ok "  a new OpenPGP key" [ -n "$new" ] && [ "$new" != "$old" ]
ok "  a new certificate" [ -n "$news" ] && [ "$news" != "$olds" ]
ok "  the daemon was sent SIGHUP" said "was sent SIGHUP"
ok "gpg --check-sigs: the old key's good certification on the new" sh -c "gpg --homedir '$G' \
	--with-colons --check-sigs '$new' | grep -q '^sig:!:.*:$(echo "$old" | cut -c25-40):'"
ok "the new key expires in two years" near "$(gpg --homedir "$G" --with-colons \
	--list-keys "$new" | awk -F: '$1 == "pub" { print $7 }')" $((made + 730 * D))
ok "keys show gives the new keys" pocbot 0 keys show
ok "  both" sh -c "grep -q '^openpgp $new$' '$OUT' && grep -q '^smime *$news$' '$OUT'"
ok "the old secret key is still in the home" has_secret "$old"
ok "the announcement is queued to Alice and Sam" is "alice@fr.example sam@fr.example" \
	"select group_concat(rcpt, ' ') from (select rcpt from outbox
	 where purpose = 'key-rollover' order by rcpt)"
ok "  and sent" wait_for 20 all_sent
ann=$(file_of "$(q "select token from outbox where purpose = 'key-rollover' and rcpt = 'alice@fr.example'")")
ok "Alice reads it in English (her last message's), encrypted to her" \
	reads "$ann" "$K/a" "The robot has new keys"
ok "  with the new fingerprints" sh -c "grep -q '$new' '$T/text' && grep -q '$news' '$T/text'"
ok "  signed by the OLD key" [ "$(signed_by "$ann" "$K/a")" = "$old" ]
ok "  the new public key and certificate attached" \
	holds_all "$ann" "$K/a" "BEGIN PGP PUBLIC KEY BLOCK" "BEGIN CERTIFICATE"
sann=$(file_of "$(q "select token from outbox where purpose = 'key-rollover' and rcpt = 'sam@fr.example'")")
ok "Sam (S/MIME) reads it in Spanish" reads "$sann" "$K/s" "El robot tiene claves nuevas"
ok "  with the new certificate's fingerprint" grep -q "$news" "$T/text"

echo "during the overlap: mail encrypted to the old key, replies signed by the new"
gpg --homedir "$G" --export "$new" | gpg --homedir "$K/a" --batch --import 2>/dev/null
form m1 overlap "$old"
ok "the form encrypted to the old key is answered" wait_for 20 replied m1
ok "  its POC made" is 1 "select count(*) from pocs where organisation = 'overlap'"
ok "  the acknowledgement, encrypted to Alice, says so" \
	reads "$(reply_to m1)" "$K/a" "(new point of contact)"
ok "  signed by the NEW key" [ "$(signed_by "$(reply_to m1)" "$K/a")" = "$new" ]

echo "the overlap ends"
at $((11 * D))
ok "the daemon archives the old keys" wait_for 20 is 1 \
	"select count(*) from key_rollovers where archived is not null"
ok "  the old OpenPGP secret key is out of the home" not has_secret "$old"
ok "  its public key stays" has_public "$old"
ok "  the new secret key stays" has_secret "$new"
ok "  the old certificate's key is out" not sh -c "gpgsm --homedir '$G' --list-secret-keys \
	2>/dev/null | grep -q '$olds'"
A=$T/r/var/keys-archive
ok "  archived: the OpenPGP secret key, 0600" sh -c "grep -q 'PRIVATE KEY BLOCK' \
	'$A/openpgp-$old.asc' && [ \$(stat -c %a '$A/openpgp-$old.asc') = 600 ]"
ok "  the certificate's key as PKCS#12" [ -s "$A/smime-$olds.p12" ]
ok "  in a 0700 folder" [ "$(stat -c %a "$A")" = 700 ]
ok "the rollover and the archiving are audited" is "keys-rollover keys-archived" \
	"select group_concat(action, ' ') from (select action from events
	 where action like 'keys-%' order by id)"
stop_robot
ok "audit verify passes" pocbot 0 audit verify
ok "  intact" said "^audit trail intact"

echo "a database made before db/0013 migrates"
M=$T/m
mkdir -p "$M/var"
write_config "$M/pocbot.conf" "$(free_port)"
sqlite3 "$M/var/pocbot.db" < "$POCBOT_TOP/tests/data/schema10.sql"
pocbot_m() { "$POCBOT" -c "$M/pocbot.conf" "$@" >/dev/null; }
n=$(sqlite3 "$M/var/pocbot.db" "select count(*) from pocs")
ok "db migrate" pocbot_m db migrate
ok "  key_rollovers exists, empty" [ "$(sqlite3 "$M/var/pocbot.db" \
	"select count(*) from key_rollovers")" = 0 ]
ok "  the POCs read back" [ "$(sqlite3 "$M/var/pocbot.db" "select count(*) from pocs")" = "$n" ]
ok "  audit verify passes" pocbot_m audit verify
finish
