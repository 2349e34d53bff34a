#!/bin/sh
# make-schema8.sh OLD-POCBOT - writes tests/data/schema8.sql and schema8.out,
# the fixture of tests/e2e/custodian.sh: a database made by a pocbot at
# schema 8 (main before db/0009) through its own commands and daemon --
# States, signers (an authority, a reader, a custodian enrolled under a
# State as schema 8 required, a revoked one), POCs nominated by signed
# forms, a ping round, the audit events of all that -- dumped as SQL, and
# what that binary's commands print of it. Run once by hand, e.g. from a
# worktree of the old main: tests/data/make-schema8.sh /tmp/old/build/pocbot
set -u
OLD=${1:?usage: make-schema8.sh OLD-POCBOT}
POCBOT=$OLD
POCBOT_TOP=$(cd "$(dirname "$0")/../.." && pwd)
export POCBOT POCBOT_TOP
. "$POCBOT_TOP/tests/e2e/lib.sh"
. "$POCBOT_TOP/tests/lib/keys.sh"
K=$T/k
mkdir -p "$K" "$T/r"
write_config "$T/r/pocbot.conf" "$(free_port)" "[ping]" "every = 0"
P="$POCBOT -c $T/r/pocbot.conf"
for s in FR DE JP; do $P state add $s >/dev/null || exit 1; done
a=$(pgp_person "$K/a" "Alice <alice@fr.example>" "$K/a.asc")
pgp_person "$K/r" "Rita <rita@fr.example>" "$K/r.asc" >/dev/null
pgp_person "$K/c" "Cora <cora@un.example>" "$K/c.asc" >/dev/null
v=$(pgp_person "$K/v" "Victor <victor@de.example>" "$K/v.asc")
$P signer add --state FR --role authority --pgp "$K/a.asc" --label "Alice, MFA" >/dev/null ||
	exit 1
$P signer add --state FR --role reader --pgp "$K/r.asc" --lang fr >/dev/null || exit 1
$P signer add --state JP --role custodian --pgp "$K/c.asc" >/dev/null || exit 1
$P signer add --state DE --role authority --pgp "$K/v.asc" >/dev/null || exit 1
$P signer revoke "$v" --reason "left the ministry" >/dev/null || exit 1
start_robot "$T/r/pocbot.conf" || exit 1
for i in 1 2; do
	printf 'NOMINATE\nPOC type: technical\nOrganisation: CERT-FR %s\n' "$i" > "$K/form"
	printf 'E-mail: cert%s@fr.example\nPhone: +33 1 71 75 84 6%s\n' "$i" "$i" >> "$K/form"
	printf 'Languages: French, English\n' >> "$K/form"
	pgp_mime "$K/a" "$a" alice@fr.example "nomination" "$K/form" "$K/m"
	$P deliver --sender alice@fr.example --recipient pocbot@robot.test < "$K/m" || exit 1
done
wait_for 60 sh -c "[ \$(sqlite3 '$T/r/var/pocbot.db' 'select count(*) from pocs') = 2 ]" || exit 1
$P ping start --deadline 14d >/dev/null || exit 1
wait_for 60 sh -c "[ \$(sqlite3 '$T/r/var/pocbot.db' \
	\"select count(*) from outbox where state = 'queued'\") = 0 ]"
stop_robot
D=$POCBOT_TOP/tests/data
{
	echo "-- schema8.sql - a database made by pocbot at schema 8 (tests/data/make-schema8.sh);"
	echo "-- tests/e2e/custodian.sh migrates it. Generated: do not edit."
	echo "PRAGMA user_version = 8;"
	sqlite3 "$T/r/var/pocbot.db" .dump
} > "$D/schema8.sql"
for c in "signer list" "poc list" "ping status" "audit log" "state list"; do
	echo "== $c"
	$P $c
done > "$D/schema8.out"
echo "== end" >> "$D/schema8.out"
$P audit verify
