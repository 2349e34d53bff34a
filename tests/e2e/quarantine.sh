#!/bin/sh
# quarantine.sh - a message whose processing fails three times goes to
# spool/quarantine, the custodian is told, the messages behind it go on;
# 'spool list' shows it and 'spool retry' brings it back.
. "$(dirname "$0")/lib.sh"

port=$(free_port)
mkdir -p "$T/r"
now=1900000000
echo $now > "$T/r/clock"
write_config "$T/r/pocbot.conf" "$port" "[test]" "clock_file = clock"
P="$POCBOT -c $T/r/pocbot.conf"
$P db migrate >/dev/null
db=$T/r/var/pocbot.db
# The fault: the database refuses to record any message from poison@.
sqlite3 "$db" "CREATE TRIGGER poison BEFORE INSERT ON messages WHEN NEW.sender = 'poison@example.org'
	BEGIN SELECT RAISE(ABORT, 'injected fault'); END;"

send() {
	printf 'From: %s\nSubject: HELP\nMessage-ID: <%s@example.org>\n\nHELP\n' "$1" "$2" |
		$P deliver --sender "$1" --recipient pocbot@robot.test 2>>"$T/deliver.log"
}
send poison@example.org poison
send fine@example.org fine
start_robot "$T/r/pocbot.conf"
out=$T/r/var/outbox/new
failures() { sqlite3 "$db" "select coalesce(max(attempts), 0) from spool_failures where last_error is not null"; }
wait_for 20 sh -c "[ \$(sqlite3 '$db' 'select count(*) from spool_failures where last_error is not null') -eq 1 ]"
sleep 2
ok "after a failure the message waits instead of failing again at once" [ "$(failures)" -eq 1 ]
# the robot's clock moves on: the retries fall due
for i in 1 2 3 4; do
	now=$((now + 3600)); echo $now > "$T/r/clock"
	wait_for 5 sh -c "[ -n \"\$(ls '$T/r/var/spool/quarantine')\" ]" && break
done
ok "the failing message is quarantined" [ "$(ls "$T/r/var/spool/quarantine" | wc -l)" -eq 1 ]
wait_for 20 sh -c "grep -l '^In-Reply-To: <fine@example.org>' '$out'/* >/dev/null 2>&1"
ok "the message behind it is answered" sh -c "grep -l '^In-Reply-To: <fine@example.org>' '$out'/* | grep -q ."
wait_for 20 sh -c "grep -l '^To: custodian@sink.test' '$out'/* >/dev/null 2>&1"
ok "the custodian is told" sh -c "grep -l '^To: custodian@sink.test' '$out'/* | grep -q ."
id=$(ls "$T/r/var/spool/quarantine")
$P spool list > "$T/list"
ok "spool list shows it with its failures and the error" grep -q "^quarantine *$id  attempts=3  .*injected fault" "$T/list"
ok "it was tried exactly three times" grep -q "attempts=3" "$T/list"
ok "the poison message has no reply" sh -c "! grep -l '^In-Reply-To: <poison@example.org>' '$out'/* 2>/dev/null | grep -q ."

sqlite3 "$db" "DROP TRIGGER poison"
ok "spool retry puts it back" $P spool retry "$id"
wait_for 20 sh -c "grep -l '^In-Reply-To: <poison@example.org>' '$out'/* >/dev/null 2>&1"
ok "once the fault is gone it is answered" sh -c "grep -l '^In-Reply-To: <poison@example.org>' '$out'/* | grep -q ."
ok "the quarantine is empty again" [ -z "$(ls "$T/r/var/spool/quarantine")" ]
ok "retrying an unknown entry fails with 66" sh -c "$P spool retry no-such-id 2>/dev/null; [ \$? -eq 66 ]"
finish
