#!/bin/sh
# status.sh - pocbot status and status --check (the Nagios plugin codes)
# through the real binary: a robot relaying through a loopback relay that
# refuses some recipients 550 and defers others 451 (smtp-sink.py), on
# the test clock. A healthy robot (0), a second daemon kept off the same
# VAR (75), a signer key expiring in 5 days, a failed outbox message, a
# deferred one older than [status] deferred_age, a quarantined message, an
# audit trail edited (the daemon's next daily verify records it broken,
# status reads that), no daemon running (2), no robot at all (3): each with
# its exit code and its line; the next round and reminder; every --format
# json parsed with python3's json module.
. "$(dirname "$0")/lib.sh"
. "$POCBOT_TOP/tests/lib/keys.sh"
K=$T/k
mkdir -p "$K" "$T/r" "$T/sink"
printf 'smtp550 550 5.1.1 no such user\nsmtp451 451 4.3.0 try again later\n' > "$T/answers"
python3 "$POCBOT_TOP/tests/e2e/smtp-sink.py" "$T/relay.port" "$T/sink" "$T/answers" &
PIDS="$PIDS $!"
wait_for 10 test -s "$T/relay.port" || echo "the relay did not start" >&2
t0=$(date +%s)
echo "$t0" > "$T/r/clock"
CONF=$T/r/pocbot.conf
write_config "$CONF" "$(free_port)" "[smtp]" "relay = 127.0.0.1:$(cat "$T/relay.port")" \
	"[test]" "clock_file = clock" "[ping]" "every = 30d" "[reminders]" "update_every = 365d" \
	"[status]"
P="$POCBOT -c $CONF"
q() { sqlite3 -cmd '.timeout 10000' "$T/r/var/pocbot.db" "$1"; }
# js EXPR: EXPR (Python, over the parsed JSON d) of the last output is true.
JS='import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)'
js() { python3 -c "$JS" "$OUT" "$1" ||
	{ echo "    not $1 in:" >&2; sed 's/^/    | /' "$OUT" >&2; return 1; }; }
$P db migrate >/dev/null
$P state add FR >/dev/null
pgp_person "$K/c" "Carol <carol@un.example>" "$K/c.asc" >/dev/null
$P signer add --role custodian --pgp "$K/c.asc" >/dev/null
n=0
# mail FROM: an unsigned message from FROM, which the robot answers there.
mail() {
	n=$((n + 1))
	{ mail_headers "$1" "help" "m$n@test.example"; printf '\nhelp\n'; } |
		$P deliver --sender relay@elsewhere.example --recipient pocbot@robot.test 2>>"$T/deliver.log"
}
outbox() { [ "$(q "select count(*) from outbox where $1")" -ge 1 ]; }

echo "before the daemon ever ran"
ok "status --check: CRITICAL (2), the daemon not running" pocbot 2 status --check
ok "  its one line" said "^POCBOT CRITICAL - daemon not running"
ok "  and no audit verify yet" said "no daily audit verify yet"
ok "  every figure read" sh -c "! grep -q 'cannot read' '$OUT'"

echo "a healthy robot"
start_robot "$CONF"
wait_for 20 test -s "$T/r/var/audit-verify"
ok "the daemon verified the audit trail and wrote the result in VAR" \
	grep -q "^$t0 intact " "$T/r/var/audit-verify"
ok "status --check: OK (0)" pocbot 0 status --check
ok "  its line names the daemon's pid" said "^POCBOT OK - daemon pid $ROBOT_PID, quarantine 0"
ok "status: the daemon running, its pid and start" pocbot 0 status
ok "  running, pid" said "^daemon: *running, pid $ROBOT_PID, since "
ok "  the schema" said "^database: .* bytes, schema $(q 'pragma user_version')$"
ok "  the audit verify's result" said "^audit verify: *intact [0-9]* events, "
ok "  no backup yet" said "^last backup: *none yet$"
ok "  no backup key: backup refuses" said "^backup key: *none: no \[backup\] encrypt_to is set"
ok "  nothing received yet" said "^last received: *never"
ok "status --format json" pocbot 0 status --format json
ok "  parsed: running, the pid, OK" \
	js "d['daemon']['running'] and d['daemon']['pid'] == $ROBOT_PID and d['check'] == 'OK'"
ok "  the audit verify intact" js "d['audit_verify']['intact'] is True"

echo "a second daemon on the same VAR"
ok "is refused with 75" sh -c "$P serve 2>'$T/second.err'; [ \$? = 75 ]"
ok "  naming the running one's pid" \
	grep -q "another daemon (pid $ROBOT_PID) runs on" "$T/second.err"
ok "  and the first still runs" kill -0 "$ROBOT_PID"

echo "a signer key expiring in 5 days"
pgp_home "$K/e"
gpg --homedir "$K/e" --batch --pinentry-mode loopback --passphrase '' \
	--quick-gen-key "Eve <eve@fr.example>" future-default default 5d 2>/dev/null
eve=$(gpg --homedir "$K/e" --with-colons --list-keys eve@fr.example |
	awk -F: '$1 == "fpr" { print $10; exit }')
pgp_export "$K/e" "$eve" "$K/e.asc"
$P signer add --state FR --role authority --label Eve --pgp "$K/e.asc" >/dev/null
ok "status --check: WARNING (1)" pocbot 1 status --check
ok "  its line names the key and when" \
	said "^POCBOT WARNING - signer FR authority Eve key $eve expires in 5d$"
ok "status lists it" pocbot 0 status
ok "  with its date" said "^key expiring: *signer FR authority Eve $eve expires 20"
ok "status --format json" pocbot 0 status --format json
ok "  parsed: the key, not expired" \
	js "([k['fingerprint'] for k in d['keys_expiring']] == ['$eve']
	    and not d['keys_expiring'][0]['expired'] and d['check'] == 'WARNING')"
$P signer revoke "$eve" --reason "test over" >/dev/null
ok "once revoked, OK again" pocbot 0 status --check

echo "a message the relay refuses (550)"
mail "Someone <smtp550@x.example>"
ok "the robot's answer fails for good" wait_for 20 outbox "state = 'failed'"
ok "status --check: WARNING (1)" pocbot 1 status --check
ok "  its line" said "^POCBOT WARNING - 1 outbox failed$"
ok "status shows it, and the last message received" pocbot 0 status
ok "  the failed count" said "^outbox failed: *1, oldest 20"
ok "  received just now" said "^last received: *20.*s ago)"
ok "status --format json" pocbot 0 status --format json
ok "  parsed: one failed, a last received" \
	js "d['outbox_failed']['count'] == 1 and d['last_received'] is not None"
echo "outbox_failed_critical = 1" >> "$CONF"
ok "with [status] outbox_failed_critical = 1: CRITICAL (2)" pocbot 2 status --check
ok "  its line" said "^POCBOT CRITICAL - 1 outbox failed$"
echo "outbox_failed_warning = 0" >> "$CONF"
echo "outbox_failed_critical = 0" >> "$CONF"
ok "with both thresholds 0: OK" pocbot 0 status --check

echo "a message the relay defers (451)"
mail "Someone <smtp451@x.example>"
ok "the robot's answer is deferred" wait_for 20 outbox "state = 'queued' and attempts > 0"
ok "deferred for less than deferred_age (1d): OK (0)" pocbot 0 status --check
echo $((t0 + 90000)) > "$T/r/clock"
ok "25 hours later: WARNING (1)" pocbot 1 status --check
ok "  its line" said "^POCBOT WARNING - 1 outbox deferred, the oldest 25h$"
ok "status shows it" pocbot 0 status
ok "  the deferred count" said "^outbox deferred: *1, oldest 20"
ok "status --format json" pocbot 0 status --format json
ok "  parsed: one deferred" js "d['outbox_deferred']['count'] == 1 and d['check'] == 'WARNING'"
echo "deferred_age = 0" >> "$CONF"
ok "with deferred_age = 0: OK" pocbot 0 status --check

echo "a quarantined message"
cp "$K/c.asc" "$T/r/var/spool/quarantine/$t0.000001.P1.R00000001"
ok "status --check: WARNING (1)" pocbot 1 status --check
ok "  its line" said "^POCBOT WARNING - 1 quarantined$"
ok "status shows it, the oldest's arrival" pocbot 0 status
ok "  the count and the time" said "^quarantine: *1, oldest $(date -u -d "@$t0" +%FT%TZ)$"
echo "quarantine_critical = 1" >> "$CONF"
ok "with quarantine_critical = 1: CRITICAL (2)" pocbot 2 status --check
ok "status --format json" pocbot 0 status --format json
ok "  parsed: one quarantined" js "d['quarantine']['count'] == 1 and d['check'] == 'CRITICAL'"
rm "$T/r/var/spool/quarantine/$t0.000001.P1.R00000001"

echo "an audit trail edited behind the robot's back"
q "DROP TRIGGER events_no_update; UPDATE events SET detail = 'forged' WHERE id = 1"
echo $((t0 + 3 * 86400)) > "$T/r/clock"
ok "the next daily audit verify records it broken" \
	wait_for 20 grep -q "^$((t0 + 3 * 86400)) broken at event 1: " "$T/r/var/audit-verify"
ok "status --check: CRITICAL (2), without walking the chain" pocbot 2 status --check
ok "  its line" said "^POCBOT CRITICAL - audit trail broken at event 1: "
ok "status says so" pocbot 0 status
ok "  broken" said "^audit verify: *BROKEN at event 1: event 1 was changed"

echo "no daemon running"
stop_robot
ok "status --check: CRITICAL (2)" pocbot 2 status --check
ok "  its line" said "^POCBOT CRITICAL - daemon not running; audit trail broken at event 1: "
ok "status says so" pocbot 0 status
ok "  not running" said "^daemon: *not running$"
ok "status --format json" pocbot 0 status --format json
ok "  parsed: not running" js "d['daemon']['running'] is False and d['daemon']['since'] is None"

echo "the next round and reminder, by the timers' rules"
q "insert into pocs (id, state, type, number, organisation, status, version, created, updated)
   values ('FR-T-1', 'FR', 'technical', 1, 'Org', 'active', 1, $t0, $t0)"
ok "status" pocbot 0 status
ok "  no round yet" said "^last ping round: *none$"
ok "  the first round [ping] every after the first POC" \
	said "^next ping round: *$(date -u -d "@$((t0 + 30 * 86400))" +%FT%TZ) (in 27d)$"
ok "  the update reminder [reminders] update_every after it" \
	said "^next update reminder: *$(date -u -d "@$((t0 + 365 * 86400))" +%FT%TZ) (in 362d)$"

echo "no robot"
write_config "$T/none.conf" "$(free_port)"
mkdir -p "$T/none"
mv "$T/none.conf" "$T/none/pocbot.conf"
ok "status --check with no database: UNKNOWN (3)" \
	sh -c "$POCBOT -c '$T/none/pocbot.conf' status --check > '$T/none/out' 2>/dev/null; [ \$? = 3 ]"
ok "  its line" grep -q "^POCBOT UNKNOWN - cannot open the robot" "$T/none/out"
finish
