#!/bin/sh
# sign-default.sh - [robot] sign_default (issue 14 item 5), through the real
# binary: mail to an address with no key on record (a POC's ping, the reply
# to unsigned mail) is signed S/MIME by default, and verifies with openssl
# against the robot's exported certificate; with sign_default = openpgp
# (read again on SIGHUP) it is PGP/MIME and verifies with gpg; mail to an
# enrolled OpenPGP signer stays OpenPGP under the S/MIME default; a bad
# value is a configuration error (78) that names the key.
. "$(dirname "$0")/../e2e/lib.sh"
. "$POCBOT_TOP/tests/lib/keys.sh"
MAIL="python3 $POCBOT_TOP/tests/e2e/lookups-mail.py"
MAILFILE="python3 $POCBOT_TOP/tests/e2e/mailfile.py"
K=$T/k
mkdir -p "$K" "$T/r"
port=$(free_port)
write_config "$T/r/pocbot.conf" "$port" "[ping]" "every = 0" "[reminders]" "update_every = 0"
P="$POCBOT -c $T/r/pocbot.conf"
DB=$T/r/var/pocbot.db
out=$T/r/var/outbox/new
q() { sqlite3 -cmd '.timeout 10000' "$DB" "$1"; }
$P db migrate >/dev/null
for s in FR DE; do $P state add $s >/dev/null; done
for p in FR DE; do
	q "insert into pocs (id, state, type, number, organisation, status, version, created, updated)
	   values ('$p-T-1', '$p', 'technical', 1, 'Org', 'active', 1, 0, 0);
	   insert into poc_emails values ('$p-T-1', 0, 'cert@$(echo $p | tr A-Z a-z).example');
	   insert into poc_languages values ('$p-T-1', 0, 'en');"
done
alice=$(pgp_person "$K/a" "Alice <alice@fr.example>" "$K/a.asc")
$P signer add --state FR --role authority --pgp "$K/a.asc" >/dev/null
$P keys export "$T/pub" >/dev/null
pgp_home "$K/chk"
gpg --homedir "$K/chk" --batch --import "$T/pub/pocbot.asc" 2>/dev/null

echo "the configuration"
ok "pocbot config says sign_default = smime by default" sh -c "$P config | grep -qx 'sign_default = smime'"
printf '[robot]\nsign_default = pgp\n' > "$T/bad.conf"
"$POCBOT" -c "$T/bad.conf" config >/dev/null 2>"$T/bad.err"
ok "sign_default = pgp: exit 78" [ $? = 78 ]
ok "  naming the key" grep -q "\[robot\] sign_default: bad value \"pgp\"" "$T/bad.err"

# file_to ADDRESS: the newest message of the outbox to ADDRESS.
file_to() { grep -l "^To: <\?$1" "$out"/* 2>/dev/null | tail -1; }
to_sent() { [ -n "$(file_to "$1")" ]; }
# smime_signed FILE: detached S/MIME, verified by openssl with the robot's certificate.
smime_signed() {
	$MAILFILE "$1" Content-Type | grep -q 'protocol="application/pkcs7-signature"' &&
		openssl smime -verify -in "$1" -CAfile "$T/pub/pocbot.pem" -out /dev/null 2>/dev/null
}
# pgp_signed FILE: PGP/MIME, verified by gpg with the robot's public key.
pgp_signed() {
	rm -rf "$T/v"
	$MAILFILE "$1" Content-Type | grep -q 'protocol="application/pgp-signature"' &&
		$MAIL "$1" pgpsigned "$T/v" &&
		gpg --homedir "$K/chk" --batch --verify "$T/v/sig" "$T/v/signed" 2>/dev/null
}
n=0
# unsigned_help: an unsigned HELP from someone@test.example, delivered; waits for the reply.
unsigned_help() {
	n=$((n + 1))
	{ mail_headers someone@test.example "help"; printf 'Content-Type: text/plain\n\nHELP\n'; } |
		sed "s/^Message-ID: <.*>/Message-ID: <u$n@test.example>/" |
		$P deliver --sender someone@test.example --recipient pocbot@robot.test 2>/dev/null
	wait_for 30 sh -c "grep -l '^In-Reply-To: <u$n@test.example>' '$out'/* >/dev/null 2>&1"
}
reply_u() { grep -l "^In-Reply-To: <u$n@test.example>" "$out"/* | head -1; }

echo "sign_default = smime (the default)"
start_robot "$T/r/pocbot.conf"
$P ping start --state FR >/dev/null 2>&1
wait_for 30 to_sent cert@fr.example
ok "FR-T-1's ping is sent" to_sent cert@fr.example
ok "  signed S/MIME, and openssl verifies it" smime_signed "$(file_to cert@fr.example)"
ok "the reply to an unsigned HELP is sent" unsigned_help
ok "  signed S/MIME, and openssl verifies it" smime_signed "$(reply_u)"
help_text() { printf 'HELP\n\n(%s)\n' "$(od -An -N6 -tx1 /dev/urandom | tr -d ' ')" > "$K/help"; }
help_text; pgp_mime "$K/a" "$alice" alice@fr.example "x" "$K/help" "$K/m"
$P deliver --sender alice@fr.example --recipient pocbot@robot.test < "$K/m" 2>/dev/null
ok "the OpenPGP signer's help is sent" wait_for 30 to_sent alice@fr.example
ok "  PGP/MIME encrypted: the signer's enrolled protocol, not the default" \
	[ "$(read_reply "$(file_to alice@fr.example)" - kind)" = pgp ]

echo "sign_default = openpgp, read again on SIGHUP"
sed -i 's/^\[robot\]$/&\nsign_default = openpgp/' "$T/r/pocbot.conf"
ok "pocbot config says sign_default = openpgp" sh -c "$P config | grep -qx 'sign_default = openpgp'"
kill -HUP "$ROBOT_PID"
wait_for 20 grep -q "reload: configuration read again" "$T/r/serve.log"
ok "the reply to an unsigned HELP after the reload is sent" unsigned_help
ok "  signed PGP/MIME, and gpg verifies it" pgp_signed "$(reply_u)"
$P ping start --state DE >/dev/null 2>&1
ok "DE-T-1's ping is sent" wait_for 30 to_sent cert@de.example
ok "  signed PGP/MIME, and gpg verifies it" pgp_signed "$(file_to cert@de.example)"
stop_robot
finish
