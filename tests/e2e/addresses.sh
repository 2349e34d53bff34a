#!/bin/sh
# addresses.sh - every valid sender is answerable, and a refusal tells no
# one whether an identifier exists (issue 12, F9 and F11), through the real
# binary: a quoted local part ("Jane Doe"@ministry.example) is answered
# there, unsigned and signed (a key enrolled with that address), through the
# Maildir outbox and once through SMTP to a sink on loopback; a UTF-8 local
# part is refused at the envelope (LMTP 553 5.6.7, deliver exit 65), and
# one in From with an ASCII envelope is answered at the envelope sender;
# another State's identifier and an unknown one get the same refusal to an
# UPDATE, byte for byte once the identifier is masked (WITHDRAW takes the
# same path: tests/unit/test-pocs.c checks both).
. "$(dirname "$0")/lib.sh"
. "$POCBOT_TOP/tests/lib/keys.sh"
TALK="python3 $POCBOT_TOP/tests/e2e/lmtp-talk.py"
MAILFILE="python3 $POCBOT_TOP/tests/e2e/mailfile.py"
K=$T/k
mkdir -p "$K" "$T/r" "$T/r2" "$T/sink"
# a second robot sends through SMTP to a sink on loopback; it starts while keys are made
python3 "$POCBOT_TOP/tests/e2e/smtp-sink.py" "$T/sink.port" "$T/sink" &
PIDS="$PIDS $!"
wait_for 10 test -s "$T/sink.port"
port2=$(free_port)
write_config "$T/r2/pocbot.conf" "$port2" "[smtp]" \
	"relay = 127.0.0.1:$(cat "$T/sink.port")"
"$POCBOT" -c "$T/r2/pocbot.conf" serve >>"$T/r2/serve.log" 2>&1 &
PIDS="$PIDS $!"
port=$(free_port)
write_config "$T/r/pocbot.conf" "$port"
P="$POCBOT -c $T/r/pocbot.conf"
JANE='"Jane Doe"@ministry.example'
$P state add FR >/dev/null
$P state add DE >/dev/null
jane=$(pgp_person "$K/j" "Jane Doe <$JANE>" "$K/jane.asc")
$P signer add --state FR --role authority --pgp "$K/jane.asc" >/dev/null
hans=$(pgp_person "$K/h" "Hans <hans@de.example>" "$K/hans.asc")
$P signer add --state DE --role authority --pgp "$K/hans.asc" >/dev/null
start_robot "$T/r/pocbot.conf"
out=$T/r/var/outbox/new

reply_to() { grep -l "^In-Reply-To: <$1@test.example>" "$out"/* 2>/dev/null | head -1; }
replied() { wait_for 20 sh -c "grep -l '^In-Reply-To: <$1@test.example>' '$out'/* >/dev/null 2>&1"; }
db() { sqlite3 "$T/r/var/pocbot.db" "$1"; }
# lmtp FROM ENVELOPE-FROM ID: an unsigned HELP over LMTP; its replies in $T/ID.lmtp.
lmtp() {
	printf '%s\n' "LHLO mta.test" "MAIL FROM:<$2>" "RCPT TO:<pocbot@robot.test>" "DATA" "<<< 4" \
		"From: $1" "To: pocbot@robot.test" "Subject: HELP" "Message-ID: <$3@test.example>" \
		"MIME-Version: 1.0" "Content-Type: text/plain; charset=utf-8" \
		"Content-Transfer-Encoding: 8bit" "" "HELP" "." "<<<" "QUIT" "<<<" |
		$TALK "127.0.0.1:$port" > "$T/$3.lmtp"
}
# signed KEYHOME FPR FROM ENVELOPE-FROM BODYFILE ID: a PGP/MIME message, piped in.
signed() {
	pgp_mime "$1" "$2" "$3" "forms" "$5" "$K/m"
	sed "s/^Message-ID: <.*>/Message-ID: <$6@test.example>/" "$K/m" |
		$P deliver --sender "$4" --recipient pocbot@robot.test 2>>"$T/deliver.log"
}
help_text=$(sed -n '2,$p' "$POCBOT_TOP/templates/en/help.txt" | grep -m1 .)

# Everything is sent first, then read: the robot works while the test signs.
printf 'NOMINATE\nType: technical\nOrganisation: CERT-FR\nE-mail: cert@fr.example\n%s\n' \
	'Phone: +33 1 00 00 00 01' > "$K/nom"
printf 'UPDATE\nID: FR-T-1\nPhone: +49 30 0000000\n' > "$K/u-other"
printf 'UPDATE\nID: FR-T-7\nPhone: +49 30 0000000\n' > "$K/u-none"
lmtp "Jane Doe <$JANE>" "$JANE" q1
signed "$K/j" "$jane" "Jane Doe <$JANE>" "$JANE" "$K/nom" s1
lmtp "Jürgen <jürgen@bücher.example>" "juergen@buecher.example" u1
# Hans (Germany) names France's POC and an identifier nobody has (after s1 made FR-T-1)
for m in u-other u-none; do
	signed "$K/h" "$hans" "Hans <hans@de.example>" hans@de.example "$K/$m" "$m"
done

echo "a quoted local part, unsigned: answered there (Maildir)"
ok "LMTP takes the quoted sender" grep -q '^250 2.0.0' "$T/q1.lmtp"
replied q1
ok "the HELP is answered, to the quoted address as written" \
	grep -qx "To: $JANE" "$(reply_to q1)"
read_reply "$(reply_to q1)" - > "$T/q1.txt"
ok "with the help text" grep -qF "$help_text" "$T/q1.txt"
ok "recorded as answered" \
	[ "$(db "select outcome from messages where message_id = 'q1@test.example'")" = answered ]

echo "a quoted local part, signed by a key enrolled with it"
ok "the key is enrolled with its quoted address" \
	sh -c "$P signer list | grep -qi '\"jane doe\"@ministry.example'"
replied s1
ok "the signed nomination is answered at the quoted address" \
	grep -qix "To: $JANE" "$(reply_to s1)"
read_reply "$(reply_to s1)" "$K/j" > "$T/s1.txt"
ok "and acknowledged (read as Jane reads it)" grep -q "FR-T-1" "$T/s1.txt"

echo "UTF-8 local parts: refused at the envelope"
printf '%s\n' "LHLO mta.test" "<<<" "MAIL FROM:<jürgen@bücher.example>" "<<<" \
	"MAIL FROM:<\"Jürgen M\"@example.org>" "<<<" "MAIL FROM:<juergen@bücher.example>" "<<<" \
	"RCPT TO:<jürgen@robot.test>" "<<<" "RSET" "<<<" "QUIT" "<<<" |
	$TALK "127.0.0.1:$port" > "$T/utf8.lmtp"
ok "MAIL FROM with a UTF-8 local part: 553 5.6.7" \
	sh -c "grep -c '^553 5.6.7 Non-ASCII addresses not permitted for that sender' '$T/utf8.lmtp' | grep -qx 2"
ok "a domain in U-labels alone is accepted at MAIL FROM, as today" \
	grep -q '^250 2.1.0' "$T/utf8.lmtp"
ok "RCPT TO with a UTF-8 local part: 553 5.6.7" \
	grep -q '^553 5.6.7 Non-ASCII addresses not permitted for that recipient' "$T/utf8.lmtp"
printf 'From: a@example.org\nSubject: HELP\n\nHELP\n' |
	$P deliver --sender 'jürgen@bücher.example' --recipient pocbot@robot.test 2>"$T/deliver.err"
ok "deliver --sender with a UTF-8 local part: exit 65" [ $? -eq 65 ]
ok "  saying why" grep -q 'non-ASCII sender address not permitted' "$T/deliver.err"
printf 'From: a@example.org\nSubject: HELP\n\nHELP\n' |
	$P deliver --sender 'juergen@bücher.example' --recipient pocbot@robot.test 2>>"$T/deliver.log"
ok "deliver --sender with a U-label domain alone: stored (exit 0)" [ $? -eq 0 ]

echo "a UTF-8 From with an ASCII envelope sender: answered at the envelope sender"
ok "LMTP takes it" grep -q '^250 2.0.0' "$T/u1.lmtp"
replied u1
ok "the HELP is answered at the envelope sender" \
	grep -qx "To: juergen@buecher.example" "$(reply_to u1)"
ok "the log says so" grep -q 'jürgen@bücher.example> has a non-ASCII local part.*'\
'envelope sender <juergen@buecher.example>' "$T/r/serve.log"

echo "another State's identifier and an unknown one: one refusal"
# hans_read ID: the reply's text as Hans reads it, identifiers masked, in $T/ID.txt.
hans_read() {
	replied "$1" || return 1
	read_reply "$(reply_to "$1")" "$K/h" | sed 's/FR-T-[0-9]*/<ID>/g' > "$T/$1.txt"
	$MAILFILE "$(reply_to "$1")" Subject > "$T/$1.subject"
}
for m in u-other u-none; do hans_read "$m"; done
ok "France's POC is untouched" \
	[ "$(db "select version || status from pocs where id = 'FR-T-1'")" = 1pending ]
unknown=$(sed -n 's/^unknown-poc: *//p' "$POCBOT_TOP/templates/en/problems.txt" | cut -d' ' -f1-5)
errors=$(sed -n '1s/^Subject: //p' "$POCBOT_TOP/templates/en/errors.txt")
ok "the update of another State's POC is refused as unknown" grep -q "$unknown" "$T/u-other.txt"
ok "the two refusals are byte-identical once masked" cmp -s "$T/u-other.txt" "$T/u-none.txt"
ok "  and so are their subjects (the errors reply's)" \
	sh -c "[ \"\$(cat '$T/u-other.subject')\" = '$errors' ] && cmp -s '$T/u-other.subject' '$T/u-none.subject'"
ok "the log says whose it was, for the custodian" \
	grep -q 'FR-T-1 is a point of contact of FR, not of DE' "$T/r/serve.log"
ok "no message was left with 'no usable reply address'" \
	[ "$(db "select count(*) from messages where outcome like 'no%reply address'")" = 0 ]

echo "a quoted local part through the SMTP sender"
wait_port "$port2"
port=$port2 lmtp "Jane Doe <$JANE>" "$JANE" q2
wait_for 20 sh -c "grep -l '^In-Reply-To: <q2@test.example>' '$T/sink'/*.eml >/dev/null 2>&1"
sent=$(grep -l '^In-Reply-To: <q2@test.example>' "$T/sink"/*.eml 2>/dev/null | head -1)
ok "the reply reaches the SMTP sink" [ -n "$sent" ]
ok "RCPT TO holds the quoted address intact" grep -qx "RCPT TO:<$JANE>" "${sent%.eml}.env"
ok "and so does its To header" sh -c "tr -d '\r' < '$sent' | grep -qx 'To: $JANE'"
keys_cleanup "$K"
finish
