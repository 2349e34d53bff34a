#!/bin/sh
# retention.sh - issue 17 item 3 through the real binary, a Maildir outbox
# and the clock file moving days in seconds: a [retention] value below its
# minimum is a configuration error (78) naming the key; France nominates
# two POCs and withdraws one (signed forms); a round starts and FR-T-1
# answers it. The daily retention then empties sent outbox bodies after
# [retention] sent_bodies, removes replay records after signatures, the
# form messages' rows and spool files after messages (not the answer, the
# evidence of a round still open), and after withdrawn clears FR-P-1's
# name, position, notes and phones (poc show) and replaces its audit
# events' details with {"redacted": DATE} (audit log); audit verify passes
# and counts them. The custodian signer's daily digest, decrypted, holds
# the audit chain's head: its count and the hash of that event. A database
# made by the main before db/0012 (tests/data/schema10.sql) migrates, reads
# back as that binary printed it, and its chain (version 1, then version 2
# events after the daemon redacts its withdrawn POC) verifies.
. "$(dirname "$0")/lib.sh"
. "$POCBOT_TOP/tests/lib/keys.sh"
K=$T/k
mkdir -p "$K" "$T/r" "$T/in"
port=$(free_port)
t0=$(date +%s)
echo $t0 > "$T/r/clock"
at() { echo $((t0 + $1)) > "$T/r/clock.new" && mv "$T/r/clock.new" "$T/r/clock"; }
DAY=86400
P="$POCBOT -c $T/r/pocbot.conf"
DB=$T/r/var/pocbot.db
out=$T/r/var/outbox/new
q() { sqlite3 -cmd '.timeout 10000' "$DB" "$1"; }
is() { [ "$1" = "$2" ] || { echo "    got '$1', want '$2'" >&2; return 1; }; }
# are VALUE SQL: for wait_for, which runs the query again
are() { [ "$(q "$2")" = "$1" ]; }
settled() { [ -z "$(ls "$T/r/var/spool/new" 2>/dev/null)" ] &&
	[ "$(q "select count(*) from outbox where state = 'queued'")" = 0 ]; }
deliver() { $P deliver --sender "$1" --recipient "$2" < "$3" 2>>"$T/deliver.log"; }

echo "[retention] minimums"
# conf LINE...: the robot's configuration with these [retention] lines
conf() { write_config "$T/r/pocbot.conf" "$port" "[test]" "clock_file = clock" "[retention]" "$@"; }
refused() {
	conf "$1"
	ok "$1: exit 78" pocbot 78 config
	ok "  naming the key" grep -q "\[retention\] ${1%% *}: .*below the minimum" "$OUT.err"
}
refused "messages = 29d"
refused "signatures = 8d"	# [trust] max_age 7d + max_future 1h + 1d
refused "sent_bodies = 1h"
refused "withdrawn = 29d"
conf "messages = 30d" "sent_bodies = 1d" "withdrawn = 30d"
ok "the minimums themselves are taken" pocbot 0 config
ok "  signatures unset: the default, 30d" sh -c "$P config | grep -qx 'signatures = 2592000s'"
write_config "$T/r/pocbot.conf" "$port" "[trust]" "max_age = 40d"
ok "  or its minimum when [trust] makes that longer (40d + 1h + 1d)" \
	sh -c "$P config | grep -qx 'signatures = 3546000s'"
conf "messages = 30d" "signatures = 10d" "sent_bodies = 1d" "withdrawn = 30d"

$P db migrate >/dev/null
$P state add FR >/dev/null
alice=$(pgp_person "$K/a" "Alice <alice@fr.example>" "$K/a.asc")
carol=$(pgp_person "$K/c" "Carol <carol@un.example>" "$K/c.asc")
$P signer add --state FR --role authority --pgp "$K/a.asc" >/dev/null
$P signer add --role custodian --pgp "$K/c.asc" >/dev/null
start_robot "$T/r/pocbot.conf"

echo "France nominates two POCs and withdraws one; FR-T-1 answers a round"
{
	printf 'NOMINATE\nType: technical\nOrganisation: CERT\nE-mail: cert@fr.example\n'
	printf 'Name: Jeanne Keep\nPosition: Head\nPhone: +33 1 00 00 00 01\nNotes: stays\n\n'
	printf 'NOMINATE\nType: policy\nOrganisation: Policy\nE-mail: wd@fr.example\n'
	printf 'Name: Paul Gone\nPosition: Adviser\nPhone: +33 1 00 00 00 03\nNotes: private note\n'
} > "$K/nom"
pgp_mime "$K/a" "$alice" alice@fr.example "forms" "$K/nom" "$K/m"
deliver alice@fr.example pocbot@robot.test "$K/m"
ok "two POCs" wait_for 30 are 2 "select count(*) from pocs"
printf 'WITHDRAW\nID: FR-P-1\nReason: the ministry was merged\n' > "$K/wd"
pgp_mime "$K/a" "$alice" alice@fr.example "withdraw" "$K/wd" "$K/w"
deliver alice@fr.example pocbot@robot.test "$K/w"
ok "FR-P-1 withdrawn" wait_for 30 are withdrawn "select status from pocs where id = 'FR-P-1'"
at 60
$P ping start --deadline 60d >/dev/null 2>&1 || echo "    ping start failed" >&2
wait_for 30 settled
tok=$(q "select token from pings where round = 1 and poc = 'FR-T-1'")
{
	printf 'From: cert@fr.example\nTo: ping+%s@robot.test\nSubject: Re: check [%s]\n' "$tok" "$tok"
	printf 'Date: %s\nMessage-ID: <answer.%s@fr.example>\n' "$(date -R)" "$tok"
	printf 'In-Reply-To: <pocbot.%s@robot.test>\n' "$tok"
	printf 'MIME-Version: 1.0\nContent-Type: text/plain\n\nWe are here.\n'
} > "$T/in/answer"
deliver cert@fr.example "ping+$tok@robot.test" "$T/in/answer"
ok "the answer is the round's evidence" wait_for 30 are 1 \
	"select count(*) from ping_events where what = 'answer' and message is not null"
wait_for 30 settled
answer_id=$(q "select message from ping_events where what = 'answer'")
ok "three messages, three spool files, two replay records" is \
	"$(q "select count(*) from messages") $(ls "$T/r/var/spool/cur" | wc -l) $(q "select count(*) from seen_signatures")" \
	"3 3 2"
sent_bodies() { q "select count(*) from outbox where state = 'sent' and length(body) > 0"; }
ok "sent bodies kept" [ "$(sent_bodies)" -gt 0 ]

echo "two days on: sent bodies emptied, nothing else"
at $((2 * DAY))
ok "the bodies sent over [retention] sent_bodies ago are emptied" wait_for 30 are 0 \
	"select count(*) from outbox where state = 'sent' and length(body) > 0 and done < $t0 + $DAY"
ok "  the rows stay, with their tokens" is "$(q "select count(*) from outbox o join pings p
	on instr(o.env_from, p.token) > 0")" "$(q "select count(*) from pings")"
ok "replay records and messages kept" is "$(q "select count(*) from seen_signatures")
$(q "select count(*) from messages")" "2
3"

echo "eleven days on: the replay records go"
at $((11 * DAY))
ok "seen_signatures emptied after [retention] signatures" wait_for 30 are 0 \
	"select count(*) from seen_signatures"
ok "messages kept" is "$(q "select count(*) from messages")" 3

echo "31 days on: the form messages go, FR-P-1 is redacted"
at $((31 * DAY))
ok "the forms' rows are removed" wait_for 30 are 1 "select count(*) from messages"
ok "  not the answer, the evidence of a round still open" is "$(q "select id from messages")" \
	"$answer_id"
ok "  their spool files too" is "$(ls "$T/r/var/spool/cur" | wc -l)" 1
ok "FR-P-1 redacted" wait_for 30 are 1 "select count(*) from events where action = 'poc-redacted'"
ok "poc show FR-P-1" pocbot 0 poc show FR-P-1
ok "  no name, position, phone nor notes" sh -c "! grep -q 'Paul Gone\|Adviser\|00 00 00 03\|private note' '$OUT'"
ok "  still withdrawn, its organisation kept" sh -c "grep -q withdrawn '$OUT' && grep -q Policy '$OUT'"
ok "poc show FR-T-1 keeps its own" pocbot 0 poc show FR-T-1
ok "  name and phone" sh -c "grep -q 'Jeanne Keep' '$OUT' && grep -q '00 00 00 01' '$OUT'"
day=$(date -u -d @$((t0 + 31 * DAY)) +%F)
ok "audit log" pocbot 0 audit log
ok "  no trace of FR-P-1's personal fields" sh -c "! grep -q 'Paul Gone\|Adviser\|private note' '$OUT'"
ok "  its events' details are the redaction mark" \
	is "$(grep -c "{\"redacted\": \"$day\"}" "$OUT")" "$(q "select count(*) from events where detail = '{\"redacted\": \"$day\"}'")"
redacted=$(q "select count(*) from events where detail like '{\"redacted\":%'")
ok "  at least its nomination and its withdrawal" [ "$redacted" -ge 2 ]
ok "  the redaction is audited with the count" is "$redacted" \
	"$(q "select json_extract(detail, '\$.events_redacted') from events where action = 'poc-redacted'")"
ok "  FR-T-1's events are whole" sh -c "grep -q 'Jeanne Keep' '$OUT'"
ok "audit verify passes" pocbot 0 audit verify
ok "  and counts the redacted details" said "intact: .* events, $redacted details redacted"

echo "the daily digest carries the chain's head"
digest_file() {
	_t=$(q "select token from outbox where rcpt = 'carol@un.example' and purpose = 'notice'
		and created >= $t0 + 31 * $DAY and state = 'sent' order by id desc limit 1")
	[ -n "$_t" ] && ls "$out" | grep "\.$_t\.pocbot$" | sed "s|^|$out/|"
}
has_digest() { [ -n "$(digest_file)" ]; }
ok "the custodian signer's digest of day 31 is sent" wait_for 30 has_digest
read_signer_reply "$(digest_file)" "$K/c" > "$T/digest"
count=$(sed -n 's/^The audit trail today: \([0-9]*\) events.*/\1/p' "$T/digest")
ok "  decrypted, it gives the count" [ -n "$count" ]
ok "  which holds the day's redaction" [ "$count" -ge "$(q "select id from events where action = 'poc-redacted'")" ]
ok "  and the hash of that event" grep -qx "$(q "select hash from events where id = 0$count")" "$T/digest"
ok "audit verify still passes" pocbot 0 audit verify
stop_robot

echo "a database made by the main before 0012 (schema 10) is migrated"
M=$T/m
mkdir -p "$M/var"
sqlite3 "$M/var/pocbot.db" < "$POCBOT_TOP/tests/data/schema10.sql"
mq() { sqlite3 -cmd '.timeout 10000' "$M/var/pocbot.db" "$1"; }
ok "the fixture is at schema 10, its events of hash version 1" is \
	"$(mq 'pragma user_version') $(mq "select count(*) from pragma_table_info('events')")" "10 8"
wd_at=$(mq "select updated from pocs where id = 'FR-P-1'")
echo $((wd_at + 31 * DAY)) > "$M/clock"
write_config "$M/pocbot.conf" "$(free_port)" "[test]" "clock_file = clock" "[retention]" \
	"withdrawn = 30d"
O="$POCBOT -c $M/pocbot.conf"
ok "db migrate" sh -c "$O db migrate > /dev/null"
latest=$(ls "$POCBOT_TOP"/db/[0-9]*.sql | sed -n '$s|.*/0*\([0-9]*\)-.*|\1|p')
ok "  to the latest schema ($latest)" is "$(mq 'pragma user_version')" "$latest"
ok "  the old events are version 1" is "$(mq "select count(*) from events where hash_version != 1")" 0
for c in "poc list" "poc show FR-P-1" "ping status" "audit log"; do
	sed -n "/^== $c\$/,/^== /p" "$POCBOT_TOP/tests/data/schema10.out" | sed '1d;/^== /d' > "$M/want"
	$O $c > "$M/got" 2>&1
	ok "$c reads back as the old binary printed it ($(wc -l < "$M/want") lines)" \
		sh -c "[ -s '$M/want' ] && cmp -s '$M/want' '$M/got'"
done
old_events=$(mq "select count(*) from events")
ok "audit verify passes on the old chain" sh -c "$O audit verify | grep -q 'intact: $old_events events'"
start_robot "$M/pocbot.conf"
ok "the daemon redacts the POC withdrawn 31 days ago" wait_for 30 sh -c \
	"[ \"\$(sqlite3 -cmd '.timeout 10000' '$M/var/pocbot.db' \"select count(*) from events
	where action = 'poc-redacted'\")\" = 1 ]"
stop_robot
ok "  its phone is gone" sh -c "! $O poc show FR-P-1 | grep -q '00 00 00 03'"
ok "  its version-1 events stay whole (none redacted)" is \
	"$(mq "select json_extract(detail, '\$.events_redacted') from events where action = 'poc-redacted'")" 0
ok "  the new events are version 2" is "$(mq "select min(hash_version) from events where id > $old_events")" 2
O_OUT=$($O audit verify)
ok "audit verify passes on the chain of both versions" \
	sh -c "echo '$O_OUT' | grep -q 'intact: $(mq "select count(*) from events") events, 0 details redacted'"
finish
