#!/bin/sh
# lifecycle.sh - a POC's status from every piece of evidence, through the
# real binary with a Maildir outbox and the clock file moving days in
# seconds (README, "A POC's status"). France nominates five POCs by one
# signed form; answers and bounces come back through 'pocbot deliver' as
# a mail client and a mail server write them:
#   FR-T-1 answers the round's ping, not its verification ping: active,
#          and no "unverified" notice at the verification deadline;
#   FR-T-2 its first address hard-bounces the round's ping: marked
#          undeliverable, France told once across two rounds; round 2
#          pings its second address and reports the first skipped;
#          'poc recheck' and a person's answer clear the mark;
#   FR-P-1 withdrawn: nothing more of any kind goes to it;
#   FR-D-1, FR-L-1 and FR-T-2 silent: unverified at the deadline, France
#          told in one merged notice ([notices] coalesce), not three.
# Round 2 is closed by the custodian: its escalation says so.
. "$(dirname "$0")/lib.sh"
. "$POCBOT_TOP/tests/lib/keys.sh"
K=$T/k
mkdir -p "$K" "$T/r" "$T/in"
port=$(free_port)
t0=$(date +%s)
echo $t0 > "$T/r/clock"
at() { echo $((t0 + $1)) > "$T/r/clock.new" && mv "$T/r/clock.new" "$T/r/clock"; }
# [trust] max_age: the forms are signed now, read by a robot whose clock is days ahead
write_config "$T/r/pocbot.conf" "$port" "[ping]" "every = 0" "remind = 3d" "deadline = 14d" \
	"[trust]" "max_age = 30d" "[test]" "clock_file = clock"
P="$POCBOT -c $T/r/pocbot.conf"
DB=$T/r/var/pocbot.db
out=$T/r/var/outbox/new
q() { sqlite3 -cmd '.timeout 10000' "$DB" "$1"; }
is() { [ "$1" = "$2" ] || { echo "    got '$1', want '$2'" >&2; return 1; }; }
all_sent() { [ "$(q "select count(*) from outbox where state = 'queued'")" = 0 ]; }
none_held() { [ "$(q "select count(*) from notices_held")" = 0 ] && all_sent; }
# settled: the daemon took every message in and sent everything due
settled() { [ -z "$(ls "$T/r/var/spool/new" 2>/dev/null)" ] && all_sent; }
# files_to ADDRESS PURPOSE: the Maildir files of the outbox rows to ADDRESS of PURPOSE
files_to() {
	for _t in $(q "select token from outbox where rcpt = '$1' and purpose = '$2' and state = 'sent' order by id"); do
		ls "$out" | grep "\.$_t\.pocbot$" | sed "s|^|$out/|"
	done
}
# deliver FROM TO FILE: a message handed in as the MTA's pipe does
deliver() { $P deliver --sender "$1" --recipient "$2" < "$3"; }
# answer TOKEN FROM: what a person's mail client sends on "Reply"
answer() {
	{
		printf 'From: %s\nTo: ping+%s@robot.test\nSubject: Re: Communication check [%s]\n' "$2" "$1" "$1"
		printf 'Date: %s\nMessage-ID: <answer.%s@fr.example>\n' "$(date -R)" "$1"
		printf 'In-Reply-To: <pocbot.%s@robot.test>\nReferences: <pocbot.%s@robot.test>\n' "$1" "$1"
		printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nWe are here.\n'
	} > "$T/in/a.$1"
	deliver "$2" "ping+$1@robot.test" "$T/in/a.$1"
}
# bounce TOKEN ADDRESS: a mail server's hard bounce (RFC 3464 DSN, 5.1.1)
bounce() {
	{
		printf 'From: MAILER-DAEMON@mx.fr.example (Mail Delivery System)\nTo: bounces+%s@robot.test\n' "$1"
		printf 'Subject: Undelivered Mail Returned to Sender\nMessage-ID: <dsn.%s@mx.fr.example>\n' "$1"
		printf 'Date: %s\nMIME-Version: 1.0\n' "$(date -R)"
		printf 'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
		printf -- '--b\nContent-Type: text/plain\n\n<%s>: host mx.fr.example said: 550 5.1.1 User unknown\n' "$2"
		printf -- '--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.fr.example\n'
		printf 'Original-Envelope-Id: %s\n\nFinal-Recipient: rfc822; %s\nAction: failed\n' "$1" "$2"
		printf 'Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\n\n'
		printf -- '--b\nContent-Type: text/rfc822-headers\n\nTo: %s\n' "$2"
		printf 'Message-ID: <pocbot.%s@robot.test>\nSubject: Communication check [%s]\n\n--b--\n' "$1" "$1"
	} > "$T/in/b.$1"
	deliver "" "bounces+$1@robot.test" "$T/in/b.$1"
}
tok() { q "select token from pings where poc = '$1' and ${2:-round = 1}"; }
text_of() { for _f in "$@"; do read_reply "$_f" "$K/a"; done; }

$P db migrate >/dev/null
for s in FR CH; do $P state add $s >/dev/null; done
alice=$(pgp_person "$K/a" "Alice <alice@fr.example>" "$K/a.asc")
carol=$(pgp_person "$K/c" "Carol <carol@un.example>" "$K/c.asc")
$P signer add --state FR --role authority --pgp "$K/a.asc" >/dev/null
$P signer add --role custodian --pgp "$K/c.asc" >/dev/null
start_robot "$T/r/pocbot.conf"

echo "France nominates five POCs; a round starts a minute later"
{
	printf 'NOMINATE\nType: technical\nOrganisation: CERT one\nE-mail: cert@fr.example\nPhone: +33 1 00 00 00 01\n\n'
	printf 'NOMINATE\nType: technical\nOrganisation: CERT two\nE-mail: gone@fr.example, alt@fr.example\nPhone: +33 1 00 00 00 02\n\n'
	printf 'NOMINATE\nType: policy\nOrganisation: Policy\nE-mail: wd@fr.example\nPhone: +33 1 00 00 00 03\n\n'
	printf 'NOMINATE\nType: diplomatic\nOrganisation: Mission\nE-mail: quiet1@fr.example\nPhone: +33 1 00 00 00 04\n\n'
	printf 'NOMINATE\nType: law-enforcement\nOrganisation: Police\nE-mail: quiet2@fr.example\nPhone: +33 1 00 00 00 05\n'
} > "$K/nom"
pgp_mime "$K/a" "$alice" alice@fr.example "forms" "$K/nom" "$K/m"
deliver alice@fr.example pocbot@robot.test "$K/m"
nominated() { [ "$(q "select count(*) from pings where purpose = 'verification'")" = 6 ]; }
ok "five POCs pending, six verification pings" wait_for 30 nominated
at 60
$P ping start --deadline 5d > "$T/start1" || echo "    ping start failed" >&2
ok "round 1: one ping to each POC's first address" \
	is "$(q "select group_concat(address, ' ') from (select address from pings where round = 1 order by poc)")" \
	"quiet1@fr.example quiet2@fr.example wd@fr.example cert@fr.example gone@fr.example"
wait_for 30 settled

echo "FR-T-1 answers the round's ping: active"
at 600
answer "$(tok FR-T-1)" cert@fr.example
active() { is "$(q "select status from pocs where id = 'FR-T-1'")" active; }
ok "FR-T-1 is active though its verification ping is unanswered" wait_for 30 active
ok "audited: pending to active by the answer to the round ping sent to cert@" is \
	"$(q "select count(*) from events where action = 'poc-verified' and detail like '%\"FR-T-1\", \"before\": \"pending\", \"after\": \"active\"%\"ping\": $(q "select id from pings where round = 1 and poc = 'FR-T-1'"), \"address\": \"cert@fr.example\"%'")" 1

echo "gone@ hard-bounces: marked undeliverable"
bounce "$(tok FR-T-2)" gone@fr.example
marked() { is "$(q "select status from address_health where poc = 'FR-T-2' and undeliverable is not null")" 5.1.1; }
ok "gone@fr.example is marked undeliverable with its status" wait_for 30 marked
ok "audited" is "$(q "select count(*) from events where action = 'address-undeliverable' and detail like '%gone@fr.example%'")" 1
$P poc show FR-T-2 > "$T/show"
held() { is "$(q "select count(*) from notices_held where kind = 'address-undeliverable'")" 1; }
ok "the State is told gone@ is dead, held an hour ([notices] coalesce)" wait_for 30 held
ok "poc show says since when and why" grep -q "^undeliverable *gone@fr.example since .* (5.1.1: .*User unknown)" "$T/show"

echo "FR-P-1 is withdrawn: nothing more goes to it"
printf 'WITHDRAW\nID: FR-P-1\nReason: the ministry was merged\n' > "$K/wd"
pgp_mime "$K/a" "$alice" alice@fr.example "withdraw" "$K/wd" "$K/w"
deliver alice@fr.example pocbot@robot.test "$K/w"
withdrawn() { is "$(q "select status from pocs where id = 'FR-P-1'")" withdrawn; }
ok "FR-P-1 is withdrawn" wait_for 30 withdrawn
ok "its pings are finished" is "$(q "select count(*) from pings where poc = 'FR-P-1' and finished is null")" 0
ok "audited" is "$(q "select count(*) from events where action = 'poc-pings-cancelled' and detail like '%FR-P-1%'")" 1
wait_for 30 settled
wd_rows=$(q "select count(*) from outbox where rcpt = 'wd@fr.example'")
wd_files=$(grep -l "^To: wd@fr.example" "$out"/* | wc -l)

echo "three days on: reminders to the silent, none to the withdrawn, answered or bounced"
at $((60 + 3 * 86400 + 60))
reminded() { [ "$(q "select count(*) from pings where round = 1 and reminders = 1")" = 2 ]; }
ok "quiet1@ and quiet2@ get reminder 1" wait_for 30 reminded
wait_for 30 settled
ok "not wd@ (withdrawn), cert@ (answered) nor gone@ (hard bounce)" is \
	"$(q "select group_concat(poc, ' ') from (select poc from pings where round = 1 and reminders = 0 order by poc)")" \
	"FR-P-1 FR-T-1 FR-T-2"
ok "the dead address's notice went in the meantime" \
	is "$(q "select count(*) from outbox where purpose = 'address-undeliverable'")" 1

echo "round 1's deadline: escalation, report"
at $((60 + 5 * 86400 + 60))
closed1() { [ -n "$(q "select closed from ping_rounds where id = 1")" ]; }
ok "round 1 closes at its deadline" wait_for 30 closed1
at $((60 + 5 * 86400 + 60 + 3660))
wait_for 30 none_held
text_of $(files_to alice@fr.example ping-escalation) > "$T/esc1"
ok "alice's escalation says the round reached its deadline" grep -q "(round 1) has reached its deadline" "$T/esc1"
ok "naming the bounced and the silent, not the answered nor the withdrawn" sh -c \
	"grep -q FR-T-2 '$T/esc1' && grep -q FR-D-1 '$T/esc1' && ! grep -q 'FR-T-1\|FR-P-1' '$T/esc1'"

echo "round 2, six days in: gone@ skipped, alt@ pinged, closed by the custodian"
at $((6 * 86400))
$P ping start --deadline 5d > "$T/start2" || echo "    ping start failed" >&2
ok "FR-T-2 is pinged at alt@, its deliverable address" \
	is "$(q "select address from pings where round = 2 and poc = 'FR-T-2'")" alt@fr.example
ok "withdrawn FR-P-1 is not in the round" is "$(q "select count(*) from pings where round = 2 and poc = 'FR-P-1'")" 0
wait_for 30 settled
at $((6 * 86400 + 600))
$P ping close 2 > /dev/null
$P ping report 2 > "$T/report2"
ok "the report lists gone@ skipped, since when and why" \
	grep -q "FR-T-2 *gone@fr.example *skipped: undeliverable since $(date -u -d @$((t0 + 600)) +%F) (5.1.1)" "$T/report2"
at $((6 * 86400 + 600 + 3660))
wait_for 30 none_held
read_reply "$(files_to carol@un.example ping-report | tail -1)" "$K/c" > "$T/report2-mail"
ok "and so does the report mailed to the custodian" grep -q "gone@fr.example *skipped: undeliverable" "$T/report2-mail"
text_of $(files_to alice@fr.example ping-escalation | tail -1) > "$T/esc2"
ok "round 2's escalation says the custodian closed it" \
	grep -q "(round 2) was closed by the custodian" "$T/esc2"
ok "France was told once of gone@, across two rounds" \
	is "$(q "select count(*) from outbox where rcpt = 'alice@fr.example' and purpose = 'address-undeliverable'")" 1
text_of $(files_to alice@fr.example address-undeliverable) > "$T/dead"
ok "that notice names the address, the status and the way to mend it" sh -c \
	"grep -q 'gone@fr.example' '$T/dead' && grep -q '5.1.1' '$T/dead' && grep -q 'UPDATE form for FR-T-2' '$T/dead'"

echo "the verification deadline: one notice for three unverified POCs"
at $((14 * 86400 + 60))
unverified() { [ "$(q "select count(*) from pocs where status = 'unverified'")" = 3 ]; }
ok "FR-T-2, FR-D-1 and FR-L-1 are unverified" wait_for 30 unverified
ok "FR-T-1, proven by its round answer, stays active" active
at $((14 * 86400 + 60 + 3660))
wait_for 30 none_held
ok "one unverified notice to alice where three went" \
	is "$(q "select count(*) from outbox where rcpt = 'alice@fr.example' and purpose = 'ping-unverified'")" 1
text_of $(files_to alice@fr.example ping-unverified) > "$T/unv"
ok "naming the three, not FR-T-1" sh -c \
	"grep -q FR-T-2 '$T/unv' && grep -q FR-D-1 '$T/unv' && grep -q FR-L-1 '$T/unv' && ! grep -q FR-T-1 '$T/unv'"
ok "nothing of any kind went to the withdrawn FR-P-1 after its withdrawal" sh -c \
	"[ \$(sqlite3 '$DB' \"select count(*) from outbox where rcpt = 'wd@fr.example'\") = $wd_rows ] &&
	 [ \$(grep -l '^To: wd@fr.example' '$out'/* | wc -l) = $wd_files ]"

echo "an UPDATE stating gone@ again sends it a verification ping; so does poc recheck"
vgone() { q "select count(*) from pings where poc = 'FR-T-2' and purpose = 'verification' and address = 'gone@fr.example'"; }
printf 'UPDATE\nID: FR-T-2\nE-mail: gone@fr.example, alt@fr.example\n' > "$K/up"
pgp_mime "$K/a" "$alice" alice@fr.example "update" "$K/up" "$K/u"
deliver alice@fr.example pocbot@robot.test "$K/u"
restated() { is "$(vgone)" 2; }
ok "the UPDATE restating gone@ queues it a verification ping" wait_for 30 restated
ok "the mark stays until a person answers" is "$(q "select count(*) from address_health where undeliverable is not null")" 1
echo "poc recheck, and a person's answer: the mark is cleared"
$P poc recheck FR-T-2 > "$T/recheck"
ok "poc recheck queues a verification ping to gone@" grep -q "^FR-T-2: verification ping [a-z2-7]* queued to gone@fr.example" "$T/recheck"
rt=$(sed -n 's/^FR-T-2: verification ping \([a-z2-7]*\) .*/\1/p' "$T/recheck")
wait_for 30 settled
answer "$rt" gone@fr.example
cleared() { is "$(q "select count(*) from address_health where undeliverable is not null")" 0; }
ok "the answer clears the mark" wait_for 30 cleared
ok "audited" is "$(q "select count(*) from events where action = 'address-deliverable' and detail like '%gone@fr.example%'")" 1
ok "and FR-T-2 is active again" is "$(q "select status from pocs where id = 'FR-T-2'")" active
$P poc show FR-T-2 > "$T/show2"
ok "poc show has no undeliverable line" sh -c "! grep -q '^undeliverable' '$T/show2'"
ok "the audit trail verifies" $P audit verify
ok "nothing was quarantined" [ -z "$(ls "$T/r/var/spool/quarantine")" ]
ok "the daemon logged no timer failure" sh -c "! grep -q 'step failed' '$T/r/serve.log'"
finish
