#!/bin/sh
# languages.sh - HELP and FORM in each of the six languages, answered in
# that language; the subject or the first body line; Reply-To honoured;
# at most help_per_day answers a day per address, on the robot's clock;
# unsigned mail without a command is not answered.
. "$(dirname "$0")/lib.sh"
MAILFILE="python3 $POCBOT_TOP/tests/e2e/mailfile.py"
TPL=$POCBOT_TOP/templates

port=$(free_port)
mkdir -p "$T/r"
echo 1900000000 > "$T/r/clock"
write_config "$T/r/pocbot.conf" "$port" "[test]" "clock_file = clock"
start_robot "$T/r/pocbot.conf"
out=$T/r/var/outbox/new

# send ID FROM SUBJECT [BODY] [EXTRA-HEADER]: one message through 'deliver'.
send() {
	printf 'From: %s\nTo: pocbot@robot.test\nSubject: %s\nMessage-ID: <%s@example.org>\n%s%sContent-Type: text/plain; charset=utf-8\n\n%s\n' \
		"$2" "$3" "$1" "${5:-}" "${5:+
}" "${4:-Hello}" |
		"$POCBOT" -c "$T/r/pocbot.conf" deliver --sender "$2" --recipient pocbot@robot.test 2>>"$T/deliver.log"
}

# reply_to ID: the file in the outbox answering message ID ("" if none).
reply_to() {
	for f in "$out"/*; do
		[ -f "$f" ] && grep -qi "^In-Reply-To: <$1@example.org>" "$f" && { echo "$f"; return; }
	done
}

has_reply() { [ -n "$(reply_to "$1")" ]; }

# first_word LANG KEY: the first word listed for KEY in templates/LANG/words.txt.
first_word() { sed -n "s/^$2: *\([^,]*\).*/\1/p" "$TPL/$1/words.txt"; }

# subject_of LANG NAME: the subject line of templates/LANG/NAME.txt.
subject_of() { sed -n '1s/^Subject: //p' "$TPL/$1/$2.txt"; }

# answered_with ID LANG NAME: the reply to ID carries the subject of LANG's NAME template.
answered_with() {
	f=$(reply_to "$1")
	[ -n "$f" ] && [ "$($MAILFILE "$f" Subject)" = "$(subject_of "$2" "$3")" ]
}

wait_reply() { wait_for 20 has_reply "$1"; }

for lang in ar en es fr ru zh; do
	help=$(first_word $lang help) form=$(first_word $lang form)
	send "help-$lang" "user-$lang@example.org" "$help"
	send "form-$lang" "form-$lang@example.org" "$form"
done
for lang in ar en es fr ru zh; do
	wait_reply "help-$lang"; wait_reply "form-$lang"
	ok "$(first_word $lang help) is answered with the help in $lang" answered_with "help-$lang" $lang help
	ok "$(first_word $lang form) is answered with the form in $lang" answered_with "form-$lang" $lang form
done
f=$(reply_to help-fr)
$MAILFILE "$f" body > "$T/fr-body"
ok "the French help body is the French text, accents and all" \
	grep -qF "$(sed -n '3,$p' "$TPL/fr/help.txt" | grep -m1 '[éèàô]')" "$T/fr-body"
ok "the French help is sent as UTF-8" sh -c "grep -qi 'charset=\"\\?utf-8' '$f'"
ok "the reply is marked auto-replied" grep -q '^Auto-Submitted: auto-replied' "$f"
ok "the reply goes to the sender" sh -c "$MAILFILE '$f' To | grep -q user-fr@example.org"

send form-zh-en "lang@example.org" "FORM zh"
send form-fr-word "lang2@example.org" "FORMULAIRE english"
send help-body "body@example.org" "" "$(first_word es help)"
send help-re "re@example.org" "Re: $(first_word ru help)"
send help-replyto "rt@example.org" "HELP" "" "Reply-To: desk@example.net"
send help-fullwidth "fw@example.org" "ＨＥＬＰ"
for id in form-zh-en form-fr-word help-body help-re help-replyto help-fullwidth; do wait_reply $id; done
ok "FORM zh gives the Chinese form" answered_with form-zh-en zh form
ok "FORMULAIRE english gives the English form" answered_with form-fr-word en form
ok "the first body line is read when the subject is empty" answered_with help-body es help
ok "a reply prefix in the subject is ignored" answered_with help-re ru help
ok "full-width HELP is HELP" answered_with help-fullwidth en help
f=$(reply_to help-replyto)
ok "the answer goes to Reply-To" sh -c "$MAILFILE '$f' To | grep -q desk@example.net"

echo "no command, no answer"
send plain "stranger@example.org" "Business proposal" "Dear friend, ..."
send sentence "stranger2@example.org" "Help me please"
send marker "marker@example.org" "HELP"
wait_reply marker
ok "unsigned mail without a command gets no answer" sh -c "[ -z \"\$(grep -l 'In-Reply-To: <plain@' '$out'/* 2>/dev/null)\" ]"
ok "a sentence starting with help is not a command" sh -c "[ -z \"\$(grep -l 'In-Reply-To: <sentence@' '$out'/* 2>/dev/null)\" ]"
ok "both are recorded" sh -c "[ \$(sqlite3 '$T/r/var/pocbot.db' \"select count(*) from messages where outcome = 'silent' and kind = 'command'\") -eq 2 ]"

echo "at most help_per_day answers a day per address"
for i in 1 2 3 4 5; do send "rate-$i" "busy@example.org" "HELP"; done
send marker2 "marker2@example.org" "HELP"
wait_reply marker2
n=0; for i in 1 2 3 4 5; do has_reply "rate-$i" && n=$((n + 1)); done
ok "three of five HELPs in a day are answered" [ "$n" -eq 3 ]
ok "the others are recorded as rate-limited" sh -c "[ \$(sqlite3 '$T/r/var/pocbot.db' \"select count(*) from messages where outcome = 'rate-limited'\") -eq 2 ]"
echo $((1900000000 + 86400 + 60)) > "$T/r/clock"
send rate-next-day "busy@example.org" "HELP"
wait_reply rate-next-day
ok "a day later (on the robot's clock) the address is answered again" has_reply rate-next-day
f=$(reply_to rate-next-day)
ok "the reply is dated by the robot's clock" grep -q "^Date: .* 2030 " "$f"
finish
