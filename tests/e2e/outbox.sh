#!/bin/sh
# outbox.sh - the outgoing queue (issue 16 item 2), through the real binary
# sending to a scripted SMTP relay on loopback (smtp-sink.py with per-
# recipient answers) and the clock file: an answer to a@fail.example is
# refused with 550 (failed), one to b@defer.example deferred with 451;
# 'outbox list' (--failed, --deferred, --format json parsed by python3)
# shows them with the relay's answer; 'outbox show' the header fields and
# no body; the first day's digest to the custodian signer holds the audit
# chain's head alone; a day later one content-free alert to [robot]
# custodian and one encrypted digest to the custodian signer (decrypted),
# not one per message;
# 'outbox retry' sends the deferred one once the relay answers 250; 'outbox
# drop' cancels the failed one, an audit event, and the chain verifies.
. "$(dirname "$0")/lib.sh"
. "$POCBOT_TOP/tests/lib/keys.sh"
K=$T/k
mkdir -p "$K" "$T/r" "$T/sink"
ANSWERS=$T/answers
printf '%s\n' "fail.example 550 5.1.1 no such user here" \
	"defer.example 451 4.3.0 try again later" > "$ANSWERS"
python3 "$POCBOT_TOP/tests/e2e/smtp-sink.py" "$T/sink.port" "$T/sink" "$ANSWERS" &
PIDS="$PIDS $!"
wait_for 10 test -s "$T/sink.port"
t0=$(date +%s)	# the custodian's key is made now: the robot's clock starts there
echo $t0 > "$T/r/clock"
write_config "$T/r/pocbot.conf" "$(free_port)" "[smtp]" "relay = 127.0.0.1:$(cat "$T/sink.port")" \
	"[test]" "clock_file = clock"
P="$POCBOT -c $T/r/pocbot.conf"
DB=$T/r/var/pocbot.db
q() { sqlite3 -cmd '.timeout 10000' "$DB" "$1"; }
# is VALUE SQL: the query's answer is VALUE (for wait_for, which runs it again)
is() { [ "$(q "$2")" = "$1" ]; }
# sent VALUE ADDRESS: the relay kept VALUE messages for ADDRESS
sent() { [ "$(sent_to "$2")" = "$1" ]; }
# sent_to ADDRESS: how many messages the relay kept for ADDRESS
sent_to() { grep -l "^RCPT TO:<$1>" "$T/sink"/*.env 2>/dev/null | wc -l; }
# mail_to ADDRESS [N]: the first (or Nth) message the relay kept for ADDRESS
mail_to() {
	f=$(grep -l "^RCPT TO:<$1>" $(ls -tr "$T/sink"/*.env) | sed -n "${2:-1}p")
	echo "${f%.env}.eml"
}
# help ID FROM: an unsigned HELP from FROM, delivered (the robot answers it)
help() {
	printf 'From: %s\nTo: pocbot@robot.test\nSubject: HELP\nMessage-ID: <%s@test.example>\n\nHELP\n' \
		"$2" "$1" | $P deliver --sender "$2" --recipient pocbot@robot.test 2>>"$T/deliver.log"
}
$P db migrate >/dev/null
cora=$(pgp_person "$K/c" "Cora <cora@sink.test>" "$K/c.asc")
$P signer add --role custodian --pgp "$K/c.asc" >/dev/null

echo "a refused and a deferred answer"
start_robot "$T/r/pocbot.conf"
ok "the daily alert's first run is recorded" \
	wait_for 20 is 1 "select count(*) from timer_runs where name = 'outbox-alert'"
ok "the first day's digest reaches the custodian signer" wait_for 30 sent 1 cora@sink.test
read_signer_reply "$(mail_to cora@sink.test)" "$K/c" > "$T/digest0.txt"
ok "  the audit chain's head alone: its count and latest hash" sh -c "
	grep -q 'The audit trail today: $(q "select count(*) from events") events' '$T/digest0.txt' &&
	grep -qx '$(q "select hash from events order by id desc limit 1")' '$T/digest0.txt' &&
	! grep -q 'not delivered' '$T/digest0.txt'"
echo $((t0 + 60)) > "$T/r/clock"
help h1 a@fail.example
help h2 b@defer.example
ok "550: the answer to a@fail.example failed" wait_for 20 is 1 \
	"select count(*) from outbox where rcpt = 'a@fail.example' and state = 'failed'"
ok "451: the answer to b@defer.example deferred" wait_for 20 is 1 "select count(*) from outbox
	where rcpt = 'b@defer.example' and state = 'queued' and attempts = 1"
failed=$(q "select id from outbox where rcpt = 'a@fail.example'")
deferred=$(q "select id from outbox where rcpt = 'b@defer.example'")

echo "outbox list"
ok "outbox list" pocbot 0 outbox list
ok "  the failed one with the relay's answer" said "^$failed	failed	.*a@fail.example	.*550 5.1.1"
ok "  the deferred one with the relay's answer" \
	said "^$deferred	deferred	.*b@defer.example	.*451 4.3.0"
ok "  two lines" [ "$(wc -l < "$OUT")" = 2 ]
ok "outbox list --failed" pocbot 0 outbox list --failed
ok "  only the failed one" [ "$(cut -f1 "$OUT")" = "$failed" ]
ok "outbox list --deferred" pocbot 0 outbox list --deferred
ok "  only the deferred one" [ "$(cut -f1 "$OUT")" = "$deferred" ]
ok "--failed and --deferred together are refused (64)" pocbot 64 outbox list --failed --deferred
ok "outbox list --format json" pocbot 0 outbox list --format json
ok "  parsed: both, with recipient, subject, age, attempts and answer" python3 -c '
import json, sys
rows = {r["id"]: r for r in json.load(open(sys.argv[1]))}
f, d = rows[int(sys.argv[2])], rows[int(sys.argv[3])]
assert len(rows) == 2, rows
assert f["state"] == "failed" and f["recipient"] == "a@fail.example", f
assert f["last_answer"].startswith("RCPT TO: 550 5.1.1"), f
assert d["state"] == "deferred" and "451 4.3.0" in d["last_answer"], d
assert d["attempts"] == 1 and d["age"] >= 0 and d["subject"], d
' "$OUT" "$failed" "$deferred"
subject=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["subject"])' "$OUT")

echo "outbox show"
ok "outbox show" pocbot 0 outbox show "$deferred"
ok "  its metadata" said "^last answer: .*451 4.3.0 try again later"
ok "  its header fields" said "^To: b@defer.example"
ok "  its subject" said "^Subject: "
help_line=$(sed -n '2,$p' "$POCBOT_TOP/templates/en/help.txt" | grep -m1 .)
ok "  never its body" sh -c "! grep -qF -- '$help_line' '$OUT'"
ok "  (the body is in the message sent)" is 1 "select count(*) from outbox where id = $deferred
	and instr(body, '$(echo "$help_line" | cut -c1-30)') > 0"
ok "outbox show of no such message (66)" pocbot 66 outbox show 99999

echo "a day later: one alert and one digest"
echo $((t0 + 86400 + 600)) > "$T/r/clock"
ok "the alert reaches [robot] custodian" wait_for 30 sent 1 custodian@sink.test
ok "the digest reaches the custodian signer" wait_for 30 sent 2 cora@sink.test
alert=$(mail_to custodian@sink.test)
ok "  the alert counts them" grep -q "1 message(s) failed permanently" "$alert"
ok "  and says the command to run" grep -q "pocbot outbox list --failed" "$alert"
ok "  content-free: no recipient address" sh -c "! grep -qi 'fail.example\|defer.example' '$alert'"
ok "  content-free: no subject" sh -c "! grep -qF -- '$subject' '$alert'"
read_signer_reply "$(mail_to cora@sink.test 2)" "$K/c" > "$T/digest.txt"
ok "  the digest, decrypted, lists the failed one with its answer" \
	grep -q "^#$failed failed.*a@fail.example" "$T/digest.txt"
ok "  and the deferred one" grep -q "^#$deferred deferred.*b@defer.example" "$T/digest.txt"
ok "  with the relay's answers" sh -c "grep -q '550 5.1.1' '$T/digest.txt' &&
	grep -q '451 4.3.0' '$T/digest.txt'"
echo $((t0 + 86400 + 700)) > "$T/r/clock"
sleep 2	# the timers and the sender pass at least once a second
ok "one alert, one digest a day: not one per message" \
	[ "$(sent_to custodian@sink.test) $(sent_to cora@sink.test)" = "1 2" ]

echo "outbox retry, outbox drop"
sed -i '/defer.example/d' "$ANSWERS"
ok "outbox retry with neither ID nor --all is refused (64)" pocbot 64 outbox retry
ok "outbox retry ID" pocbot 0 outbox retry "$deferred"
ok "  the deferred one is sent once the relay answers 250" \
	wait_for 20 sent 1 b@defer.example
ok "  and recorded sent" wait_for 10 is sent "select state from outbox where id = $deferred"
ok "outbox drop ID" pocbot 0 outbox drop "$failed"
ok "  cancelled" [ "$(q "select state from outbox where id = $failed")" = cancelled ]
ok "outbox list is empty" pocbot 0 outbox list
ok "  no line" [ ! -s "$OUT" ]
ok "outbox drop again: no unsent message (66)" pocbot 66 outbox drop "$failed"
ok "audit log shows the drop" pocbot 0 audit log
ok "  as outbox-drop" said "outbox-drop"
ok "audit verify passes" pocbot 0 audit verify
ok "outbox retry --all with nothing to send" pocbot 0 outbox retry --all
ok "  says 0" said "^0 message"
ok "the failed one was never sent" [ "$(sent_to a@fail.example)" = 0 ]
finish
