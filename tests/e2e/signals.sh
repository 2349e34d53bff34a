#!/bin/sh
# signals.sh - the daemon and its signals (issue 15): SIGHUP reads the
# configuration again (a changed [robot] custodian shows in the next HELP
# answer; with none configured the answer names no secretariat), a broken
# file keeps the running configuration and the daemon, a changed [paths]
# var or [lmtp] listen is logged "restart needed" and kept, the log
# settings are applied again; SIGTERM stops it cleanly (exit 0). And no
# silent empty robot: a command run where no configuration is found and
# ./var holds no database exits 78 saying where it looked, and makes
# nothing; db migrate still makes a robot there.
. "$(dirname "$0")/lib.sh"
R=$T/r
mkdir -p "$R"
port=$(free_port)
CONF=$R/pocbot.conf
LOG=$R/serve.log
# conf CUSTODIAN [EXTRA...]: the robot's configuration, [robot] custodian CUSTODIAN ("" none),
# [paths] var $VARDIR (var), [lmtp] listen on $LPORT ($port).
conf() {
	_c=$1; shift
	{
		echo "[robot]"; echo "domain = robot.test"
		[ -n "$_c" ] && echo "custodian = $_c"
		echo "[paths]"; echo "var = ${VARDIR:-var}"
		echo "[lmtp]"; echo "listen = 127.0.0.1:${LPORT:-$port}"
		for _l in "$@"; do echo "$_l"; done
	} > "$CONF.new" && mv "$CONF.new" "$CONF"
}
# logged TEXT: TEXT is in the daemon's log.
logged() { grep -q -- "$1" "$LOG"; }
# hup N: sends SIGHUP and waits for the Nth reload line in the log.
hup() {
	kill -HUP "$ROBOT_PID" && wait_for 10 sh -c "[ \$(grep -c 'reload: ' '$LOG') -ge $1 ]"
}
out=$R/var/outbox/new
n=0
# help: sends HELP through the LMTP listener; waits for the answer, its text in $T/help.txt
# (on one line).
help() {
	send_help || return 1
	wait_for 20 sh -c "grep -l '^In-Reply-To: <h$n@example.org>' '$out'/* >/dev/null 2>&1" || return 1
	read_reply "$(grep -l "^In-Reply-To: <h$n@example.org>" "$out"/* | head -1)" - |
		tr '\n' ' ' > "$T/help.txt"	# one line: a phrase may be wrapped
}
# send_help: sends HELP through the LMTP listener, without waiting for the answer.
send_help() {
	n=$((n + 1))
	rm -f "$T/help.txt"
	printf 'LHLO t\nMAIL FROM:<asker%s@example.org>\nRCPT TO:<pocbot@robot.test>\nDATA\nFrom: asker%s@example.org\nTo: pocbot@robot.test\nSubject: HELP\nMessage-ID: <h%s@example.org>\n\nHELP\n.\n<<< 5\nQUIT\n<<<\n' \
		"$n" "$n" "$n" | python3 "$POCBOT_TOP/tests/e2e/lmtp-talk.py" "127.0.0.1:$port" \
		> "$T/lmtp.out" && grep -q '^250 2.0.0' "$T/lmtp.out"
}
alive() { kill -0 "$ROBOT_PID" 2>/dev/null; }
# help_has TEXT / help_lacks TEXT: a HELP is answered, with / without TEXT.
help_has() { help && grep -q -- "$1" "$T/help.txt"; }
help_lacks() { help && ! grep -q -- "$1" "$T/help.txt"; }
# last_lacks TEXT: the last answer read has no TEXT.
last_lacks() { [ -s "$T/help.txt" ] && ! grep -q -- "$1" "$T/help.txt"; }

echo "SIGHUP with a changed configuration"
conf first@sink.test
"$POCBOT" -c "$CONF" db migrate >/dev/null
start_robot "$CONF"
conf second@sink.test
ok "SIGHUP: the configuration is read again" hup 1
ok "  logged" logged "reload: configuration read again from $CONF"
ok "  the daemon is alive" alive
ok "  the next HELP names the new custodian" help_has "secretariat at second@sink.test"
ok "  and not the old one (first@sink.test)" last_lacks first@sink.test

echo "SIGHUP with a broken configuration"
printf '[robot]\ndomain = robot.test\nfrobnicate = 1\n' > "$CONF"
ok "SIGHUP with an unknown key" hup 2
ok "  the error is logged, naming the key" logged "reload: .*unknown key \[robot\] frobnicate; the configuration stays as it was"
ok "  the daemon is alive" alive
ok "  and still answers with the configuration it had" help_has "secretariat at second@sink.test"
printf '[robot\ndomain = robot.test\n' > "$CONF"
ok "SIGHUP with a file that is not INI" hup 3
ok "  the daemon is alive" alive

echo "SIGHUP with keys that need a restart"
VARDIR=elsewhere LPORT=$(free_port) conf third@sink.test
ok "SIGHUP with a new [paths] var and [lmtp] listen" hup 4
ok "  [paths] var: restart needed" logged "reload: \[paths\] var changed from \"$R/var\" to \"$R/elsewhere\": restart needed"
ok "  [lmtp] listen: restart needed" logged "reload: \[lmtp\] listen changed .*: restart needed"
ok "  the other keys are applied: HELP on the old listener, answered in the old var" \
	help_has "secretariat at third@sink.test"
ok "  nothing is made at the new var" [ ! -e "$R/elsewhere" ]

echo "SIGHUP with no [robot] custodian"
conf ""
ok "SIGHUP" hup 5
ok "  HELP names no secretariat's address" help_lacks "secretariat at"
ok "  nor the robot's address as the secretariat's" last_lacks "secretariat[^.]*pocbot@robot.test"
ok "  but still the robot's for commands" grep -q "pocbot@robot.test" "$T/help.txt"

echo "SIGHUP applies the log settings"
conf "" "[log]" "stderr = false"
lines=$(wc -l < "$LOG")
kill -HUP "$ROBOT_PID"
ok "  the daemon is alive and takes a message" send_help
ok "  which it does not log to standard error any more" [ "$(wc -l < "$LOG")" -eq "$lines" ]

echo "SIGTERM"
kill -TERM "$ROBOT_PID"; wait "$ROBOT_PID"; rc=$?
PIDS=$(echo " $PIDS " | sed "s/ $ROBOT_PID / /"); ROBOT_PID=
ok "stops the daemon with exit 0" [ "$rc" -eq 0 ]
ok "no GLib critical or warning, no sanitizer report in its output" \
	sh -c "! grep -q 'CRITICAL\|WARNING\|Sanitizer\|runtime error' '$LOG'"
ok "nothing left listening" sh -c "! python3 -c \"import socket; socket.create_connection(('127.0.0.1',$port),1)\" 2>/dev/null"

echo "no silent empty robot"
mkdir -p "$T/elsewhere"
ok "(this machine has no /etc/pocbot/pocbot.conf, which the case needs)" [ ! -e /etc/pocbot/pocbot.conf ]
# here CMD...: pocbot in an empty folder, without -c or $POCBOT_CONFIG.
here() { (cd "$T/elsewhere" && env -u POCBOT_CONFIG "$POCBOT" "$@" >"$OUT" 2>"$OUT.err"); }
for c in "poc list" "signer list" "state add FR" "audit verify" "keys show" "spool list"; do
	here $c; rc=$?
	ok "pocbot $c there exits 78 (EX_CONFIG)" [ "$rc" -eq 78 ]
done
ok "  saying where it looked" grep -q "no configuration was found (no -c FILE, \$POCBOT_CONFIG is not set, there is no /etc/pocbot/pocbot.conf) and there is no database at $T/elsewhere/var/pocbot.db" "$OUT.err"
ok "  and making nothing" [ ! -e "$T/elsewhere/var" ]
ok "pocbot config there still prints the defaults" here config
ok "pocbot db migrate there makes a robot" here db migrate
ok "  whose database the commands then use" here poc list
finish
