#!/bin/sh
# ping-round.sh - a whole ping round through a real Postfix on loopback,
# started and stopped by this script in $T (see postfix.sh for the shape).
# France nominates four POCs by one signed form; their mailboxes are in
# the domain poc.test, delivered by Postfix:
#   answer@  a Maildir; the script answers the pings as a mail client does
#            (Reply-To, In-Reply-To, References, "Re: ", quoted text) and
#            sends the answer through Postfix to the robot;
#   away@    an out-of-office responder (ping-vacation.py, a Postfix pipe)
#            that answers the envelope sender, bounces+TOKEN@, from <>;
#   missing@ no such mailbox: Postfix accepts it, then bounces its
#            verification ping with its own DSN to the VERP address
#            bounces+TOKEN@robot.test: a hard bounce, the address is
#            undeliverable, and the round skips it (its report says so);
#   silent@  a Maildir nobody reads: it gets the reminders, and France's
#            signer is told at the deadline.
# The robot relays through Postfix asking for DSNs; its clock is
# [test] clock_file, moved by the script through 14 days. The report mailed
# to the custodian (decrypted here) must show exactly that, with the
# response time of the one that answered. Also: answer@ first confirms its
# new address (its verification ping's answer makes it active); a signer's
# signed form sent to a ping's address is applied and acknowledged while
# the ping keeps its first answer; nothing sent to ping+ or bounces+ is
# ever answered otherwise. Needs root (Postfix's master) and
# the test packages; without them it fails, it does not skip.
. "$(dirname "$0")/lib.sh"
. "$POCBOT_TOP/tests/lib/keys.sh"

fail() { echo "ping-round.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "must run as root: it starts its own Postfix (postfix -c DIR start)"
PATH=$PATH:/usr/sbin:/sbin
for c in postfix postqueue swaks sqlite3 gpg setpriv /usr/bin/python3; do
	command -v "$c" >/dev/null 2>&1 ||
		fail "'$c' is missing: install the test packages with 'tools/deps test' (as root)"
done
[ -x "$POCBOT" ] || fail "no robot binary at $POCBOT"
top=$POCBOT_TOP
RUSER=nobody
RUID=$(id -u $RUSER) RGID=$(id -g $RUSER)
PY=/usr/bin/python3	# nobody's python: the pipe runs as nobody

PF=$T/postfix/etc
PQ=$T/postfix/queue
LOG=$T/postfix/maillog
MB=$T/mail		# virtual_mailbox_base: poc/answer, poc/silent, sink
SINK=$MB/sink		# signers and custodian (sink.test)
R=$T/robot
CONF=$R/pocbot.conf
BIN=$T/bin/pocbot
K=$T/k			# the signers' GnuPG homes (root's: only the script reads them)
SMTP_PORT=$(free_port)
LMTP_PORT=$(free_port)
while [ "$LMTP_PORT" = "$SMTP_PORT" ]; do LMTP_PORT=$(free_port); done
T0=$(date +%s)		# the robot's clock at the start: now, so that the signed form is fresh

pf_cleanup() {
	trap - EXIT INT TERM
	postfix_stop
	keys_cleanup "$K"
	cleanup
}
trap pf_cleanup EXIT
trap 'exit 1' INT TERM

show_logs() {
	echo "---- postfix maillog" >&2; tail -60 "$LOG" >&2 2>/dev/null
	echo "---- postfix queue" >&2; postqueue -c "$PF" -p >&2 2>/dev/null
	echo "---- robot serve.log" >&2; tail -60 "$R/serve.log" >&2 2>/dev/null
	echo "---- pings" >&2; sql "SELECT * FROM pings" >&2
	echo "---- ping_events" >&2; sql "SELECT * FROM ping_events" >&2
}

chmod 755 "$T"
mkdir -p "$PF" "$PQ" "$T/postfix/data" "$MB/poc" "$SINK" "$R" "$T/bin" "$K" "$T/msg"
cp "$POCBOT" "$BIN"
cp "$top/tests/e2e/ping-vacation.py" "$top/tests/e2e/ping-reply.py" "$top/tests/e2e/ping-mail.py" "$T/bin/"
chmod 755 "$T/bin" "$T/bin"/*
chown postfix "$T/postfix/data"
chown -R $RUID:$RGID "$MB" "$R" "$T/bin"

# ---- Postfix: robot.test by LMTP; poc.test and sink.test virtual Maildirs;
# away@poc.test through the responder. Unknown mailboxes are accepted
# (smtpd_reject_unlisted_recipient = no) so that virtual(8) bounces them
# with a DSN, as a remote MX that accepts first would.
{ postfix_main_cf; cat <<EOF
relay_domains = robot.test
transport_maps = texthash:$PF/transport
vacation_destination_recipient_limit = 1
virtual_mailbox_domains = poc.test, sink.test
virtual_mailbox_base = $MB
virtual_mailbox_maps = texthash:$PF/mailboxes
virtual_uid_maps = static:$RUID
virtual_gid_maps = static:$RGID
smtpd_reject_unlisted_recipient = no
queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 10s
delay_warning_time = 0h
EOF
} > "$PF/main.cf"
cat > "$PF/transport" <<EOF
robot.test lmtp:inet:127.0.0.1:$LMTP_PORT
away@poc.test vacation:
EOF
cat > "$PF/mailboxes" <<EOF
answer@poc.test poc/answer/
silent@poc.test poc/silent/
away@poc.test poc/away/
@sink.test sink/
EOF
{ postfix_services "$SMTP_PORT"; cat <<EOF
vacation  unix  - n n - - pipe
  flags=Rq user=$RUSER argv=$PY $T/bin/ping-vacation.py $SMTP_PORT \${sender} \${recipient}
EOF
} > "$PF/master.cf"
if ! postfix -c "$PF" start >"$T/postfix-start.log" 2>&1 || ! wait_port "$SMTP_PORT"; then
	cat "$T/postfix-start.log" >&2; show_logs
	fail "Postfix did not start"
fi

# ---- the robot, as nobody, relaying through Postfix, on the test clock
echo "$T0" > "$R/clock"
chmod 644 "$R/clock"
write_config "$CONF" "$LMTP_PORT" "[smtp]" "relay = 127.0.0.1:$SMTP_PORT" \
	"[ping]" "remind = 3d, 7d" "deadline = 14d" "every = 0" "[test]" "clock_file = $R/clock"
chown $RUID:$RGID "$CONF"
# P ARGS...: the custodian's command line, as the robot's user.
P() { env HOME="$R" setpriv --reuid=$RUID --regid=$RGID --clear-groups "$BIN" -c "$CONF" "$@"; }
sql() { sqlite3 -cmd '.timeout 10000' "$R/var/pocbot.db" "$1" 2>/dev/null; }
mailpy() { $PY "$T/bin/ping-mail.py" "$@"; }
clock() { echo $((T0 + $1)) > "$R/clock.new" && mv "$R/clock.new" "$R/clock"; }

P db migrate >/dev/null || fail "db migrate"
P state add FR >/dev/null || fail "state add FR"
P state add CH >/dev/null || fail "state add CH"
fr=$(pgp_person "$K/fr" "Alice Martin <alice@sink.test>" "$T/msg/fr.asc")
un=$(pgp_person "$K/un" "Custodian <custodian@sink.test>" "$T/msg/un.asc")
chmod 644 "$T/msg"/*.asc && chmod 755 "$T/msg"
P signer add --state FR --role authority --pgp "$T/msg/fr.asc" >/dev/null || fail "signer add FR"
P signer add --role custodian --pgp "$T/msg/un.asc" >/dev/null || fail "signer add custodian"
env HOME="$R" setpriv --reuid=$RUID --regid=$RGID --clear-groups "$BIN" -c "$CONF" serve >>"$R/serve.log" 2>&1 &
ROBOT_PID=$!
PIDS="$PIDS $ROBOT_PID"
wait_port "$LMTP_PORT" || { show_logs; fail "the robot does not listen on $LMTP_PORT"; }

# send_file FROM TO FILE: a message into Postfix by SMTP.
send_file() {
	swaks --server "127.0.0.1:$SMTP_PORT" --from "$1" --to "$2" --data "$3" </dev/null >>"$T/swaks.log" 2>&1
}
# must DESCRIPTION COMMAND...: ok, and the end of the script when it fails
# (what follows could only wait for what will not come).
must() {
	_must_fails=$FAILS
	ok "$@"
	[ "$FAILS" = "$_must_fails" ] && return 0
	show_logs; finish; exit 1
}
is() { [ "$1" = "$2" ] || { echo "    got '$1', want '$2'" >&2; return 1; }; }
has_rows() { [ "$(sql "$1")" -ge "${2:-1}" ] 2>/dev/null; }
in_maildir() { [ -n "$(mailpy find "$1" "$2" "$3")" ]; }

echo "France nominates four POCs by one signed form"
cat > "$T/msg/nominate" <<'F'
NOMINATE
Type: technical
Organisation: CERT answers
E-mail: answer@poc.test
Phone: +33 1 00 00 00 01

NOMINATE
Type: technical
Organisation: CERT away
E-mail: away@poc.test
Phone: +33 1 00 00 00 02

NOMINATE
Type: technical
Organisation: CERT gone
E-mail: missing@poc.test
Phone: +33 1 00 00 00 03

NOMINATE
Type: policy
Organisation: Ministry silent
E-mail: silent@poc.test
Phone: +33 1 00 00 00 04
F
pgp_mime "$K/fr" "$fr" alice@sink.test "nominations" "$T/msg/nominate" "$T/msg/nominate.eml"
ok "the signed nominations are accepted by Postfix" send_file alice@sink.test pocbot@robot.test "$T/msg/nominate.eml"
must "four POCs are stored, pending" wait_for 60 has_rows "SELECT count(*) FROM pocs WHERE status = 'pending'" 4
must "each new address gets a verification ping" wait_for 30 has_rows "SELECT count(*) FROM pings WHERE purpose = 'verification'" 4
vtok=$(sql "SELECT token FROM pings WHERE purpose = 'verification' AND address = 'answer@poc.test'")
must "the verification ping reaches answer@'s Maildir" \
	wait_for 60 in_maildir "$MB/poc/answer" Message-ID "pocbot.$vtok@robot.test"

echo "answer@ confirms its address ten minutes later"
clock 600
ok "the answer is sent through Postfix" \
	$PY "$T/bin/ping-reply.py" "$MB/poc/answer" "pocbot.$vtok@robot.test" answer@poc.test "$SMTP_PORT" "Confirmed."
ok "FR-T-1 becomes active" wait_for 60 has_rows "SELECT count(*) FROM pocs WHERE id = 'FR-T-1' AND status = 'active'"
ok "with an audit event" has_rows "SELECT count(*) FROM events WHERE action = 'poc-verified' AND detail LIKE '%FR-T-1%'"
ok "the verification ping records 600 s" is "$(sql "SELECT answer_seconds FROM pings WHERE token = '$vtok'")" 600
ok "the others stay pending" is "$(sql "SELECT count(*) FROM pocs WHERE status = 'pending'")" 3

echo "a round starts an hour after the nominations"
clock 3600
must "pocbot ping start" P ping start --deadline 14d >"$T/start.out" 2>&1
must "three round pings" wait_for 30 has_rows "SELECT count(*) FROM pings WHERE round IS NOT NULL" 3
ok "missing@, undeliverable since its verification ping bounced, is skipped" \
	is "$(sql "SELECT poc || ' ' || address || ' ' || status FROM ping_skips")" "FR-T-3 missing@poc.test 5.1.1"
tok() { sql "SELECT token FROM pings WHERE round IS NOT NULL AND address = '$1@poc.test'"; }
ta=$(tok answer) tw=$(tok away) ts=$(tok silent)
tm=$(sql "SELECT token FROM pings WHERE purpose = 'verification' AND address = 'missing@poc.test'")
must "all three handed to Postfix" wait_for 60 has_rows \
	"SELECT count(*) FROM outbox o JOIN pings p ON p.token = o.token WHERE p.round IS NOT NULL AND o.state = 'sent'" 3
must "answer@ receives its ping" wait_for 60 in_maildir "$MB/poc/answer" Message-ID "pocbot.$ta@robot.test"
ok "silent@ receives its ping" wait_for 60 in_maildir "$MB/poc/silent" Message-ID "pocbot.$ts@robot.test"
f=$(mailpy find "$MB/poc/answer" Message-ID "pocbot.$ta@robot.test")
ok "the ping's envelope sender is bounces+TOKEN@robot.test" is "$(mailpy header "$f" Return-Path)" "<bounces+$ta@robot.test>"
ok "its Reply-To is ping+TOKEN@robot.test" is "$(mailpy header "$f" Reply-To)" "ping+$ta@robot.test"
ok "its subject carries the token" sh -c "$PY $T/bin/ping-mail.py header '$f' Subject | grep -q '$ta'"
ok "Postfix's bounce for missing@ is attributed to its verification ping" \
	wait_for 90 has_rows "SELECT count(*) FROM pings WHERE token = '$tm' AND bounced IS NOT NULL"
ok "with status 5.1.1, hard" is "$(sql "SELECT bounce_status || ' ' || bounce_hard FROM pings WHERE token = '$tm'")" "5.1.1 1"
ok "and Postfix's diagnostic" has_rows "SELECT count(*) FROM pings WHERE token = '$tm' AND bounce_diagnostic LIKE '%nknown%'"
ok "matched by its VERP recipient" has_rows \
	"SELECT count(*) FROM ping_events e JOIN pings p ON p.id = e.ping WHERE p.token = '$tm' AND e.what = 'bounced' AND e.matched_by = 'recipient'"
ok "away@'s out-of-office reply is recorded as an auto-reply" \
	wait_for 90 has_rows "SELECT count(*) FROM pings WHERE token = '$tw' AND autoreplied IS NOT NULL"
ok "Postfix's success DSN marks answer@'s ping delivered" \
	wait_for 90 has_rows "SELECT count(*) FROM pings WHERE token = '$ta' AND delivered IS NOT NULL"

echo "answer@ replies two hours after the round started"
clock $((3600 + 7200))
ok "the reply is sent through Postfix" \
	$PY "$T/bin/ping-reply.py" "$MB/poc/answer" "pocbot.$ta@robot.test" answer@poc.test "$SMTP_PORT" >"$T/answer.id"
ok "the answer is recorded" wait_for 60 has_rows "SELECT count(*) FROM pings WHERE token = '$ta' AND answered IS NOT NULL"
ok "7200 seconds after the ping was handed over" is "$(sql "SELECT answer_seconds FROM pings WHERE token = '$ta'")" 7200
ok "from the POC's own address" is "$(sql "SELECT answer_own || ' ' || answer_from FROM pings WHERE token = '$ta'")" "1 answer@poc.test"
ok "none of the others counts as answered" is "$(sql "SELECT count(*) FROM pings WHERE round IS NOT NULL AND answered IS NOT NULL")" 1

echo "a signer's signed form sent to a ping's address is still applied"
printf 'UPDATE\nID: FR-T-2\nPhone: +33 1 99 99 99 99\n' > "$T/msg/update"
pgp_mime "$K/fr" "$fr" alice@sink.test "Re: update" "$T/msg/update" "$T/msg/update.eml"
ok "sent to ping+TOKEN@ through Postfix" send_file alice@sink.test "ping+$ta@robot.test" "$T/msg/update.eml"
ok "the update is applied" wait_for 60 has_rows "SELECT count(*) FROM poc_phones WHERE poc = 'FR-T-2' AND written = '+33 1 99 99 99 99'"
uid=$(sed -n 's/^Message-ID: <\(.*\)>$/\1/p' "$T/msg/update.eml")
ok "and acknowledged to the signer" wait_for 60 in_maildir "$SINK" In-Reply-To "$uid"
# signer_reads FILE HOME: the reply is encrypted and HOME's key reads the record in it.
signer_reads() { read_signer_reply "$1" "$2" > "$T/ack.txt" && grep -q "FR-T-2" "$T/ack.txt"; }
ok "  encrypted, and alice's key reads the record" \
	signer_reads "$(mailpy find "$SINK" In-Reply-To "$uid" | head -1)" "$K/fr"
ok "the ping keeps its first answer" is "$(sql "SELECT answer_from || ' ' || answer_seconds FROM pings WHERE token = '$ta'")" "answer@poc.test 7200"

echo "reminders at 3 and 7 days"
remind_count() { mailpy find "$MB/poc/silent" In-Reply-To "pocbot.$ts@robot.test" | wc -l; }
clock $((3600 + 3 * 86400 + 60))
ok "silent@ gets reminder 1" wait_for 60 sh -c "[ \$($PY $T/bin/ping-mail.py find $MB/poc/silent Message-ID pocbot.$ts-r1@robot.test | wc -l) -ge 1 ]"
clock $((3600 + 7 * 86400 + 60))
ok "silent@ gets reminder 2" wait_for 60 sh -c "[ \$($PY $T/bin/ping-mail.py find $MB/poc/silent Message-ID pocbot.$ts-r2@robot.test | wc -l) -ge 1 ]"
ok "the reminders name the ping (In-Reply-To)" is "$(remind_count)" 2
ok "answer@ gets no reminder" is "$(mailpy find "$MB/poc/answer" Message-ID "pocbot.$ta-r" | wc -l)" 0

echo "the deadline: escalation and the report"
clock $((3600 + 14 * 86400 + 60))
must "the round closes" wait_for 60 has_rows "SELECT count(*) FROM ping_rounds WHERE closed IS NOT NULL"
clock $((3600 + 14 * 86400 + 60 + 3660))	# notices to a State are held an hour ([notices] coalesce)
# the custodian signers also get the daily digest: the report is the one with its subject
report_of() {
	for _f in $(mailpy find "$SINK" To custodian@sink.test); do
		mailpy header "$_f" Subject | grep -q ' - report - ' && echo "$_f"
	done | tail -1
}
has_report() { [ -n "$(report_of)" ]; }
ok "the report reaches the custodian" wait_for 60 has_report
report=$(report_of)
mailpy text "$K/un" "$report" > "$T/report.txt"
ok "it decrypts with the custodian's key" grep -q "^Ping round" "$T/report.txt"
all=$(awk '$1 == "all" { print $2, $4, $5, $6, $7, $9; exit }' "$T/report.txt")
ok "3 pings: 1 answered, 1 auto-reply only, 0 bounced, 1 silent, median 2:00:00" is "$all" "3 1 1 0 1 2:00:00"
ok "the skipped address with its status" \
	grep -q "FR-T-3 *missing@poc.test *skipped: undeliverable since [-0-9]* (5.1.1)" "$T/report.txt"
ok "the auto-reply" grep -q "FR-T-2 *away@poc.test *(auto-reply only)" "$T/report.txt"
ok "the silent one" grep -q "FR-P-1 *silent@poc.test *(silent)" "$T/report.txt"
ok "the CSV attachment" grep -q "^group," "$T/report.txt"
# every message to alice handed over is in the sink, the escalation among them
alice_all() {
	has_rows "SELECT count(*) FROM outbox WHERE rcpt = 'alice@sink.test' AND purpose = 'ping-escalation' AND state = 'sent'" &&
	[ "$(mailpy find "$SINK" To alice@sink.test | wc -l)" -ge \
		"$(sql "SELECT count(*) FROM outbox WHERE rcpt = 'alice@sink.test' AND state = 'sent'")" ]
}
ok "France's signer is told, encrypted" wait_for 60 alice_all
ok "the three unverified POCs in one notice, not three" is \
	"$(sql "SELECT count(*) FROM outbox WHERE rcpt = 'alice@sink.test' AND purpose = 'ping-unverified'")" 1
: > "$T/fr.txt"
for f in $(mailpy find "$SINK" To alice@sink.test); do read_signer_reply "$f" "$K/fr" >> "$T/fr.txt"; done
ok "that FR-P-1 did not answer" grep -q "FR-P-1" "$T/fr.txt"
ok "and that missing@ is undeliverable" grep -q "missing@poc.test" "$T/fr.txt"
ok "FR-T-1's ping counts once: not among the unanswered" sh -c "! grep 'silent@\|FR-P-1' '$T/fr.txt' | grep -q 'FR-T-1'"

echo "nothing answered the answers, bounces or auto-replies"
aid=$(cat "$T/answer.id" 2>/dev/null)
ok "the answer's Message-ID is known" [ -n "$aid" ]
ok "no mail in any mailbox refers to the answer" sh -c "! grep -rqsF '$aid' '$MB'"
ok "every message to ping+ or bounces+ was recorded silent (but the signer's form)" is \
	"$(sql "SELECT count(*) FROM messages WHERE (recipients LIKE '%ping+%' OR recipients LIKE '%bounces+%') AND outcome <> 'silent'")" 1
ok "and there were some: bounces, DSNs, the auto-reply, the answers" has_rows \
	"SELECT count(*) FROM messages WHERE recipients LIKE '%ping+%' OR recipients LIKE '%bounces+%'" 6
ok "Postfix's queue is empty" wait_for 60 sh -c "postqueue -c '$PF' -p 2>&1 | grep -q '^Mail queue is empty'"
ok "the audit trail verifies" P audit verify

[ "$FAILS" -eq 0 ] || show_logs
finish
