#!/bin/sh
# lmtp.sh - the LMTP server through the real binary: pipelining, several
# recipients (one reply each, one spool entry), size limits, protocol
# errors, several connections at once, a unix socket, and 451 when the
# spool cannot take the message.
. "$(dirname "$0")/lib.sh"
TALK="python3 $POCBOT_TOP/tests/e2e/lmtp-talk.py"

port=$(free_port)
mkdir -p "$T/r"
write_config "$T/r/pocbot.conf" "$port" "[limits]" "message_bytes = 4096"
start_robot "$T/r/pocbot.conf"
spool=$T/r/var/spool

echo "pipelining, two recipients"
printf '%s\n' "LHLO mta.test" "MAIL FROM:<alice@example.org> SIZE=300 BODY=8BITMIME" \
	"RCPT TO:<pocbot@robot.test>" "RCPT TO:<ping+abc@robot.test>" "DATA" "<<< 5" \
	"From: alice@example.org" "Subject: hello" "Message-ID: <pipe-1@example.org>" "" \
	"..a line that starts with a dot" "." "<<< 2" "QUIT" "<<<" | $TALK "127.0.0.1:$port" > "$T/pipe.out"
ok "LHLO advertises PIPELINING" grep -q '^250-PIPELINING' "$T/pipe.out"
ok "LHLO advertises 8BITMIME, ENHANCEDSTATUSCODES and SIZE" \
	sh -c "grep -q '^250-8BITMIME' '$T/pipe.out' && grep -q '^250-ENHANCEDSTATUSCODES' '$T/pipe.out' && grep -q '^250 SIZE 4096' '$T/pipe.out'"
ok "DATA answered 354 after the pipelined batch" grep -q '^354' "$T/pipe.out"
ok "one 250 for each recipient" sh -c "grep -c '^250 2.0.0 Message stored <' '$T/pipe.out' | grep -qx 2"
ok "the replies name the recipients in order" \
	sh -c "grep '^250 2.0.0' '$T/pipe.out' | sed -n '1s/.*<\(.*\)>/\1/p;2s/.*<\(.*\)>/\1/p' | tr '\n' ' ' | grep -qx 'pocbot@robot.test ping+abc@robot.test '"
wait_for 10 sh -c "[ \$(ls '$spool/new' | wc -l) -eq 0 ] && [ \$(ls '$spool/cur' | wc -l) -eq 1 ]"
ok "one spool entry for both recipients" sh -c "[ \$(ls '$spool/cur' | wc -l) -eq 1 ]"
entry=$(ls "$spool/cur" | head -1)
ok "the entry keeps the whole envelope" \
	sh -c "grep -q '^R pocbot@robot.test$' '$spool/cur/$entry' && grep -q '^R ping+abc@robot.test$' '$spool/cur/$entry' && grep -q '^S alice@example.org$' '$spool/cur/$entry'"
ok "dot-stuffing is undone" grep -q '^\.a line that starts with a dot$' "$spool/cur/$entry"
ok "the message is recorded once" sh -c "[ \$(sqlite3 '$T/r/var/pocbot.db' 'select count(*) from messages') -eq 1 ]"

echo "size limits"
big=$(python3 -c 'print("x" * 70)')
{
	printf '%s\n' "LHLO mta.test" "<<<" "MAIL FROM:<a@example.org> SIZE=999999" "<<<" \
		"MAIL FROM:<a@example.org>" "RCPT TO:<pocbot@robot.test>" "RCPT TO:<other@robot.test>" "DATA" "<<< 4" \
		"Subject: big" ""
	for i in $(seq 80); do echo "$big"; done
	printf '%s\n' "." "<<< 2" "NOOP" "<<<" "QUIT" "<<<"
} | $TALK "127.0.0.1:$port" > "$T/big.out"
ok "SIZE over the limit gets 552 at MAIL" grep -q '^552 5.3.4' "$T/big.out"
ok "a message over the limit gets 552 for each recipient" sh -c "grep -c '^552 5.3.4 Message too big' '$T/big.out' | grep -qx 2"
ok "the session goes on after a refused message" grep -q '^250 2.0.0 OK' "$T/big.out"

echo "protocol errors"
long=$(python3 -c 'print("NOOP " + "y" * 600)')
printf '%s\n' "HELO mta.test" "<<<" "MAIL FROM:<a@example.org>" "<<<" "LHLO mta.test" "<<<" "DATA" "<<<" \
	"RCPT TO:<pocbot@robot.test>" "<<<" "MAIL FROM:<no at sign>" "<<<" "MAIL FROM:a@example.org" "<<<" \
	"FROB" "<<<" "$long" "<<<" "RSET" "<<<" "QUIT" "<<<" | $TALK "127.0.0.1:$port" > "$T/err.out"
ok "HELO is refused (LMTP needs LHLO)" grep -q '^500 5.5.1 This is an LMTP server' "$T/err.out"
ok "MAIL before LHLO gets 503" grep -q '^503 5.5.1 Send LHLO first' "$T/err.out"
ok "DATA before RCPT gets 503" grep -q '^503 5.5.1 Need RCPT before DATA' "$T/err.out"
ok "RCPT before MAIL gets 503" grep -q '^503 5.5.1 Need MAIL before RCPT' "$T/err.out"
ok "a bad address gets 553" grep -q '^553 5.1.7' "$T/err.out"
ok "MAIL without brackets gets 501" grep -q '^501 5.5.4' "$T/err.out"
ok "an unknown command gets 500" grep -q '^500 5.5.2 Command not recognised' "$T/err.out"
ok "an over-long line gets 500" grep -q '^500 5.5.2 Line too long' "$T/err.out"
ok "QUIT gets 221" grep -q '^221' "$T/err.out"

echo "several connections at once"
for i in 1 2 3 4 5 6; do
	printf '%s\n' "LHLO mta$i.test" "MAIL FROM:<c$i@example.org>" "RCPT TO:<pocbot@robot.test>" "DATA" "<<< 4" \
		"Subject: parallel $i" "Message-ID: <par-$i@example.org>" "" "body $i" "." "<<<" "QUIT" "<<<" |
		$TALK "127.0.0.1:$port" > "$T/par$i.out" &
	talkers="${talkers:-} $!"
done
wait $talkers
ok "six parallel connections each got 250" sh -c "cat '$T'/par*.out | grep -c '^250 2.0.0 Message stored' | grep -qx 6"

echo "the spool cannot take the message: 451, then 250 once it can"
mv "$spool/tmp" "$spool/tmp.away" && touch "$spool/tmp"
printf '%s\n' "LHLO mta.test" "MAIL FROM:<d@example.org>" "RCPT TO:<pocbot@robot.test>" "RCPT TO:<x@robot.test>" "DATA" "<<< 5" \
	"Subject: retry me" "" "body" "." "<<< 2" "QUIT" "<<<" | $TALK "127.0.0.1:$port" > "$T/fail.out"
ok "451 for each recipient when the spool fails" sh -c "grep -c '^451 4.3.0' '$T/fail.out' | grep -qx 2"
rm "$spool/tmp" && mv "$spool/tmp.away" "$spool/tmp"
printf '%s\n' "LHLO mta.test" "MAIL FROM:<d@example.org>" "RCPT TO:<pocbot@robot.test>" "DATA" "<<< 4" \
	"Subject: retry me" "" "body" "." "<<<" "QUIT" "<<<" | $TALK "127.0.0.1:$port" > "$T/again.out"
ok "the retry is stored" grep -q '^250 2.0.0 Message stored' "$T/again.out"
stop_robot

echo "a unix socket"
mkdir -p "$T/u"
write_config "$T/u/pocbot.conf" 1
sed -i 's|^listen = .*|listen = unix:lmtp.sock|' "$T/u/pocbot.conf"
(cd / && "$POCBOT" -c "$T/u/pocbot.conf" serve >>"$T/u/serve.log" 2>&1) &
PIDS="$PIDS $!"
wait_for 20 test -S "$T/u/lmtp.sock"
ok "the socket is made beside the configuration file, whatever the working folder" test -S "$T/u/lmtp.sock"
printf '%s\n' "LHLO mta.test" "MAIL FROM:<e@example.org>" "RCPT TO:<pocbot@robot.test>" "DATA" "<<< 4" \
	"Subject: unix" "" "body" "." "<<<" "QUIT" "<<<" | $TALK "unix:$T/u/lmtp.sock" > "$T/unix.out"
ok "a message over the unix socket is stored" grep -q '^250 2.0.0 Message stored' "$T/unix.out"
finish
