#!/bin/sh
# pings.sh - the outbound and scheduled half of ping rounds, through the
# real binary with a Maildir outbox (no relay) and the clock file moving
# days in seconds: 'ping start' queues one signed ping per POC with its
# token in Reply-To, envelope sender, Message-ID and subject, in the POC's
# language with English beside it; reminders at 3 and 7 days carry the
# same token; at the deadline the round closes, the State's signers get
# the escalation (decrypted here with their keys, in their language) and
# the custodian the report with its CSV; 'ping status' and 'ping report'
# (text, csv, json, parsed); a NOMINATE form's verification ping and the
# POC unverified at its deadline; a round on schedule; the yearly update
# reminder.
#
# The inbound matching of answers and bounces is another part's
# (filters/ping-match.c, robot/ping-record.c): to check the report's figures,
# this test writes what came back into the pings rows with sqlite3.
. "$(dirname "$0")/lib.sh"
. "$POCBOT_TOP/tests/lib/keys.sh"
MAILFILE="python3 $POCBOT_TOP/tests/e2e/mailfile.py"
K=$T/k
mkdir -p "$K" "$T/r"
port=$(free_port)
t0=$(date +%s)	# signatures are made now: the robot's clock starts there
echo $t0 > "$T/r/clock"
write_config "$T/r/pocbot.conf" "$port" "[test]" "clock_file = clock"
P="$POCBOT -c $T/r/pocbot.conf"
DB=$T/r/var/pocbot.db
out=$T/r/var/outbox/new
q() { sqlite3 -cmd '.timeout 10000' "$DB" "$1"; }
$P db migrate >/dev/null
for s in FR DE RU CH; do $P state add $s >/dev/null; done

# signers: alice (FR, learns French from her form), dave (DE, --lang es),
# carol (custodian, of no State)
alice=$(pgp_person "$K/a" "Alice <alice@fr.example>" "$K/a.asc")
dave=$(pgp_person "$K/d" "Dave <dave@de.example>" "$K/d.asc")
carol=$(pgp_person "$K/c" "Carol <carol@un.example>" "$K/c.asc")
$P signer add --state FR --role authority --pgp "$K/a.asc" >/dev/null
ok "signer add --lang is refused for a language the robot does not write" \
	sh -c "! $P signer add --state DE --role authority --pgp '$K/d.asc' --lang de 2>/dev/null"
$P signer add --state DE --role authority --pgp "$K/d.asc" --lang es >/dev/null
$P signer add --role custodian --pgp "$K/c.asc" >/dev/null
ok "signer add --lang is stored" [ "$(q "select lang from signers where email = 'dave@de.example'")" = es ]

# four POCs a day old, and a withdrawn one, written with sqlite3
poc() {	# ID STATE TYPE NUMBER STATUS ADDRESS LANG
	_r="NULL"; [ "$5" = withdrawn ] && _r="'gone'"
	q "insert into pocs (id, state, type, number, organisation, status, version, created, updated, withdrawn_reason)
	   values ('$1', '$2', '$3', $4, 'Org $1', '$5', 1, $((t0 - 86400)), $((t0 - 86400)), $_r);
	   insert into poc_emails values ('$1', 0, '$6'); insert into poc_languages values ('$1', 0, '$7');"
}
poc FR-T-1 FR technical 1 active cert@fr.example fr
poc FR-P-1 FR policy 1 active policy@fr.example en
poc DE-T-1 DE technical 1 active nobody@de.example de
poc RU-T-1 RU technical 1 active cert@ru.example ru
poc FR-D-1 FR diplomatic 1 withdrawn old@fr.example fr

echo "ping start"
$P ping start --dry-run > "$T/dry"
ok "a dry run lists the four POCs that are not withdrawn" [ "$(grep -c '@' "$T/dry")" = 4 ]
ok "and writes nothing" [ "$(q "select count(*) from ping_rounds")" = 0 ]
ok "an unknown State is refused" sh -c "! $P ping start --state Atlantis 2>/dev/null"
ok "a scope with no POC opens no round (exit 65)" sh -c "$P ping start --state CH 2>/dev/null; [ \$? = 65 ] && [ \$(sqlite3 '$DB' 'select count(*) from ping_rounds') = 0 ]"
start_robot "$T/r/pocbot.conf"
$P ping start > "$T/start" 2> "$T/progress"
ok "round 1 is opened with 4 pings" grep -q "^round 1: 4 pings queued" "$T/start"
ok "progress is shown" grep -q "queued 4/4" "$T/progress"
ok "one ping per POC, none to the withdrawn one" \
	[ "$(q "select group_concat(poc, ' ') from (select poc from pings where round = 1 order by poc)")" = "DE-T-1 FR-P-1 FR-T-1 RU-T-1" ]
ok "tokens are 26 lower-case base32 characters" \
	[ "$(q "select count(*) from pings where length(token) = 26 and token not glob '*[^a-z2-7]*'")" = 4 ]
tok() { q "select token from pings where poc = '$1' and round = ${2:-1}"; }
file_of() { ls "$out" 2>/dev/null | grep "\.$1\.pocbot$" | sed "s|^|$out/|"; }
all_sent() { [ "$(q "select count(*) from outbox where state = 'queued'")" = 0 ]; }
wait_for 30 all_sent
# ping_ok POC LANG WORDS: the ping's message, headers and text
ping_ok() {
	_t=$(tok "$1") _f=$(file_of "$(tok "$1")")
	[ -n "$_f" ] || return 1
	$MAILFILE "$_f" text > "$T/text"
	[ "$($MAILFILE "$_f" Reply-To)" = "ping+$_t@robot.test" ] &&
	[ "$($MAILFILE "$_f" Message-ID)" = "<pocbot.$_t@robot.test>" ] &&
	$MAILFILE "$_f" Subject | grep -q "\[$_t\]" &&
	[ "$($MAILFILE "$_f" type)" = multipart/signed ] &&
	! grep -qi '^Auto-Submitted:' "$_f" &&
	[ "$(q "select env_from || ' ' || coalesce(dsn_envid, '') from outbox where token = '$_t'")" = "bounces+$_t@robot.test $_t" ] &&
	grep -q "Please reply to this message" "$T/text" && grep -q "$3" "$T/text"
}
ok "FR-T-1's ping: token in Reply-To, Message-ID, subject, envelope sender; signed; French and English" \
	ping_ok FR-T-1 fr "Veuillez répondre"
ok "RU-T-1's ping is in Russian and English" ping_ok RU-T-1 ru "Просим ответить"
ok "and names the State in each language" sh -c "grep -q 'RU-T-1 (Российская Федерация)' '$T/text' && grep -q 'RU-T-1 (Russian Federation)' '$T/text'"
ok "DE-T-1's ping names the POC" ping_ok DE-T-1 en "Point of contact:  DE-T-1"
ok "DE-T-1's ping (German is not a robot language) is in English only" sh -c "! grep -q English '$T/text'"
$MAILFILE "$(file_of "$(tok FR-P-1)")" text > "$T/text"
ok "FR-P-1's ping is in English only" sh -c "! grep -q English '$T/text'"
ok "the French subject names the check in both languages" \
	sh -c "$MAILFILE '$(file_of "$(tok FR-T-1)")' Subject | grep -q 'Vérification des communications / Communication check'"

echo "a NOMINATE form an hour later: verification ping"
echo $((t0 + 3600)) > "$T/r/clock"
printf 'DÉSIGNATION\nType de point de contact : technique\nOrganisme : CERT-FR bis\nCourriel : bis@fr.example\nTéléphone : +33 1 71 75 84 68\nLangues : français\n' > "$K/nom"
pgp_mime "$K/a" "$alice" alice@fr.example "forms" "$K/nom" "$K/m"
$P deliver --sender alice@fr.example --recipient pocbot@robot.test < "$K/m"
ver_ok() { [ "$(q "select purpose || ' ' || coalesce(round, 'none') || ' ' || address from pings where poc = 'FR-T-2'")" = "verification none bis@fr.example" ]; }
wait_for 30 ver_ok
ok "FR-T-2 is nominated, pending, and gets a verification ping" \
	[ "$(q "select status from pocs where id = 'FR-T-2'")" = pending ]
ok "the verification ping's deadline is 14 days on" \
	[ "$(q "select deadline - queued from pings where poc = 'FR-T-2'")" = 1209600 ]
wait_for 30 all_sent
vt=$(q "select token from pings where poc = 'FR-T-2'")
ok "the verification ping is signed, with its token, in French and English" \
	sh -c "[ -n '$(file_of "$vt")' ] && $MAILFILE '$(file_of "$vt")' Subject | grep -q '\[$vt\]' && $MAILFILE '$(file_of "$vt")' text 2>/dev/null | grep -q 'Please reply'"
ok "alice's language is learned from her French form" [ "$(q "select lang from signers where email = 'alice@fr.example'")" = fr ]

echo "what came back (written with sqlite3: the matching is pings-in's part)"
sent=$(q "select done from outbox where token = '$(tok FR-P-1)'")
q "update pings set answered = $((sent + 3600)), answer_seconds = 3600, answer_from = 'policy@fr.example', answer_own = 1 where poc = 'FR-P-1' and round = 1;
   update pings set bounced = $((sent + 60)), bounce_status = '5.1.1', bounce_hard = 1, bounce_diagnostic = 'smtp; 550 5.1.1 <nobody@de.example>: user unknown' where poc = 'DE-T-1';
   update pings set autoreplied = $((sent + 30)) where poc = 'FR-T-1' and round = 1;"

echo "three days later: first reminders"
reminder_ok() {	# POC N
	_t=$(tok "$1") _f=$(file_of "$(tok "$1")-r$2")
	[ -n "$_f" ] && [ "$($MAILFILE "$_f" Reply-To)" = "ping+$_t@robot.test" ] &&
	[ "$($MAILFILE "$_f" Message-ID)" = "<pocbot.$_t-r$2@robot.test>" ] &&
	[ "$($MAILFILE "$_f" In-Reply-To)" = "<pocbot.$_t@robot.test>" ] &&
	$MAILFILE "$_f" Subject | grep -q "\[$_t\]" && [ "$($MAILFILE "$_f" type)" = multipart/signed ] &&
	[ "$(q "select env_from from outbox where token = '$_t-r$2'")" = "bounces+$_t@robot.test" ]
}
echo $((t0 + 3 * 86400 + 600)) > "$T/r/clock"
wait_for 30 sh -c "ls '$out' | grep -q '$(tok RU-T-1)-r1'"
wait_for 30 all_sent
ok "RU-T-1 (silent) gets reminder 1 with the ping's token" reminder_ok RU-T-1 1
ok "FR-T-1 (auto-reply only) gets it too" reminder_ok FR-T-1 1
ok "FR-P-1 (answered) does not" [ -z "$(file_of "$(tok FR-P-1)-r1")" ]
ok "DE-T-1 (hard bounce) does not" [ -z "$(file_of "$(tok DE-T-1)-r1")" ]
echo $((t0 + 7 * 86400 + 600)) > "$T/r/clock"
wait_for 30 sh -c "ls '$out' | grep -q '$(tok RU-T-1)-r2'"
wait_for 30 all_sent
ok "seven days: reminder 2 to RU-T-1, same token" reminder_ok RU-T-1 2
ok "and the reminder count is 2" [ "$(q "select reminders from pings where poc = 'RU-T-1'")" = 2 ]
ok "RU-T-1 got each reminder once" \
	[ "$(ls "$out" | grep -c "$(tok RU-T-1)-r")" = 2 ]

echo "past the deadline: round closed, escalations, report, unverified"
echo $((t0 + 14 * 86400 + 7200)) > "$T/r/clock"
closed() { [ -n "$(q "select closed from ping_rounds where id = 1")" ] && [ "$(q "select status from pocs where id = 'FR-T-2'")" = unverified ]; }
wait_for 60 closed
wait_for 30 all_sent
# the escalations and the unverified notice are held an hour ([notices] coalesce)
echo $((t0 + 14 * 86400 + 7200 + 3660)) > "$T/r/clock"
none_held() { [ "$(q "select count(*) from notices_held")" = 0 ] && all_sent; }
wait_for 30 none_held
ok "round 1 is closed at the deadline" [ -n "$(q "select closed from ping_rounds where id = 1")" ]
ok "every ping of it is finished" [ "$(q "select count(*) from pings where round = 1 and finished is null")" = 0 ]
ok "FR-T-2, unanswered, is unverified, with an audit event" \
	[ "$(q "select count(*) from events where action = 'poc-unverified' and detail like '%FR-T-2%'")" = 1 ]

# decrypt_to EMAIL HOME SUBJECT-PART: every message to EMAIL whose decoded
# subject contains SUBJECT-PART, decrypted with HOME's key; the whole
# decrypted MIME entity into $T/dec.
decrypt_to() {
	: > "$T/dec"
	for f in $(grep -l "^To: $1" "$out"/*); do
		$MAILFILE "$f" Subject | grep -q "$3" || continue
		[ "$($MAILFILE "$f" type)" = multipart/encrypted ] || return 1
		python3 -c 'import email, sys; m = email.message_from_binary_file(open(sys.argv[1], "rb")); sys.stdout.buffer.write(m.get_payload()[1].get_payload(decode=True))' "$f" > "$T/enc"
		gpg --homedir "$2" --batch --decrypt "$T/enc" 2>/dev/null >> "$T/dec"
	done
	[ -s "$T/dec" ]
}
# mime_text FILE: the decoded text parts of a decrypted entity (signed inside).
mime_text() { python3 - "$1" <<'PY'
import email, email.policy, sys
sys.stdout.reconfigure(encoding="utf-8")
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
for p in m.walk():
    if p.get_content_type() in ("text/plain", "text/csv"):
        print("=== %s %s" % (p.get_content_type(), p.get_filename() or ""))
        print(p.get_content())
PY
}
ok "alice gets the escalation for France, encrypted" decrypt_to alice@fr.example "$K/a" "sans réponse"
mime_text "$T/dec" > "$T/esc-fr"
ok "in French, naming FR-T-1 (auto-reply only)" sh -c "grep -q 'FR-T-1 .*(réponse automatique seulement)' '$T/esc-fr' && grep -q 'pas répondu' '$T/esc-fr'"
ok "and not FR-P-1, which answered" sh -c "! grep -q 'FR-P-1' '$T/esc-fr'"
ok "dave gets Germany's, in Spanish, with the bounce" decrypt_to dave@de.example "$K/d" "sin respuesta"
mime_text "$T/dec" > "$T/esc-de"
ok "naming DE-T-1 and its status 5.1.1" grep -q 'DE-T-1 .*(mensaje no entregado 5.1.1)' "$T/esc-de"
ok "alice is told FR-T-2 is unverified" decrypt_to alice@fr.example "$K/a" "non vérifié"
mime_text "$T/dec" > "$T/unv"
ok "naming FR-T-2 and its address" sh -c "grep -q 'FR-T-2' '$T/unv' && grep -q 'bis@fr.example' '$T/unv'"
ok "carol (custodian) gets the report, encrypted" decrypt_to carol@un.example "$K/c" "round 1"
mime_text "$T/dec" > "$T/report-mail"
ok "with the figures as text" grep -q "^all .* 4 .* 1 .* 1 .* 1 .* 1 .*25.0%" "$T/report-mail"
ok "and the CSV attached" grep -q "^=== text/csv ping-round-1.csv" "$T/report-mail"
ok "the CSV lists the bounce with its reason" grep -q "^bounce,DE,technical,DE-T-1,nobody@de.example,.*5.1.1,1," "$T/report-mail"
ok "the report's temporary CSV file is gone" [ -z "$(ls "$T/r/var/tmp" 2>/dev/null)" ]

echo "ping status and report"
$P ping status > "$T/status"
ok "status lists round 1, closed, 4 pings, 1 answered" grep -q "^1	.*	custodian	4	1	" "$T/status"
$P ping status 1 > "$T/status1"
ok "status 1 shows each ping's state" sh -c "grep -q '^FR-P-1	.*answered	3600' '$T/status1' && grep -q '^DE-T-1	.*bounced' '$T/status1' && grep -q '^RU-T-1	.*	2	silent' '$T/status1'"
$P ping report 1 --format json > "$T/r.json"
ok "the JSON report parses, with the round's figures" python3 - "$T/r.json" "$t0" <<'PY'
import json, sys, datetime
r = json.load(open(sys.argv[1]))
t0 = datetime.datetime.fromtimestamp(int(sys.argv[2]), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
g = [x for x in r["groups"] if x["state"] is None and x["type"] is None][0]
fr = [x for x in r["groups"] if x["state"] == "FR"][0]
assert (g["pings"], g["answered"], g["autoreply_only"], g["bounced"], g["silent"]) == (4, 1, 1, 1, 1), g
assert g["median_seconds"] == 3600 and g["p90_seconds"] == 3600 and g["response_rate"] == 0.25, g
assert fr["pings"] == 2 and fr["response_rate"] == 0.5, fr
assert r["round"]["started"] == t0 and r["round"]["closed"], r["round"]
b = [p for p in r["pings"] if p["outcome"] == "bounced"][0]
assert b["poc"] == "DE-T-1" and b["bounce_status"] == "5.1.1" and b["bounce_hard"] is True, b
PY
$P ping report 1 --format csv > "$T/r.csv"
ok "the CSV report parses: groups for each State, each type and all" python3 - "$T/r.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
groups = {(r["state"], r["type"]): r for r in rows if r["kind"] == "group"}
assert set(groups) == {("DE", ""), ("FR", ""), ("RU", ""), ("", "policy"), ("", "technical"), ("", "")}, groups
assert groups[("", "technical")]["pings"] == "3" and groups[("", "policy")]["answered"] == "1"
assert groups[("", "")]["median_seconds"] == "3600"
assert [r["poc"] for r in rows if r["kind"] == "bounce"] == ["DE-T-1"]
PY
$P ping report 1 > "$T/r.txt"
ok "the text report lists the bounce and the silent POC" sh -c "grep -q 'DE-T-1 .*5.1.1 hard' '$T/r.txt' && grep -A2 '^No answer' '$T/r.txt' | grep -q RU-T-1"
ok "report of an unknown round: exit 65" sh -c "$P ping report 99 2>/dev/null; [ \$? = 65 ]"
ok "close of a closed round: exit 65" sh -c "$P ping close 1 2>/dev/null; [ \$? = 65 ]"

echo "a round closed by hand"
$P ping start --state FR --type policy --deadline 2d > "$T/start2"
ok "round 2 pings FR-P-1 only" [ "$(q "select group_concat(poc) from pings where round = 2")" = FR-P-1 ]
ok "its scope is recorded" [ "$(q "select scope from ping_rounds where id = 2")" = "states=FR type=policy" ]
$P ping close 2 > "$T/close2"
ok "ping close closes it" [ -n "$(q "select closed from ping_rounds where id = 2")" ]
wait_for 30 all_sent
ok "and mails its report to the custodian" decrypt_to carol@un.example "$K/c" "round 2"

echo "a round the command left unfinished is completed by the daemon"
now=$(cat "$T/r/clock")
q "insert into ping_rounds (started, deadline, scope, started_by) values ($now, $((now + 86400)), 'states=RU', 'custodian')"
sleep 2
ok "not while the command may still be at it" [ "$(q "select count(*) from pings where round = 3")" = 0 ]
echo $((now + 61)) > "$T/r/clock"
filled() { [ "$(q "select group_concat(poc) from pings where round = 3")" = RU-T-1 ]; }
wait_for 30 filled
ok "a minute later the daemon queues its missing ping" filled

echo "a round on schedule, [ping] every (182 days) after the last"
last=$(q "select max(started) from ping_rounds")
echo $((last + 182 * 86400 - 60)) > "$T/r/clock"
sleep 2
ok "not a minute before 182 days after the last round" [ "$(q "select count(*) from ping_rounds where started_by = 'schedule'")" = 0 ]
echo $((last + 182 * 86400 + 60)) > "$T/r/clock"
scheduled() { [ "$(q "select count(*) from pings g join ping_rounds r on r.id = g.round where r.started_by = 'schedule'")" = 5 ]; }
wait_for 60 scheduled
ok "round 4 starts by itself and pings all 5 POCs not withdrawn" scheduled
ok "only one scheduled round" [ "$(q "select count(*) from ping_rounds where started_by = 'schedule'")" = 1 ]

echo "the yearly update reminder"
echo $((t0 + 365 * 86400 - 86400 + 60)) > "$T/r/clock"	# a year after the first POC
updated() { [ "$(q "select count(*) from timer_runs where name like 'update:%'")" = 3 ]; }
wait_for 60 updated
ok "each State with POCs had its update reminder" updated
wait_for 30 all_sent
ok "alice gets France's records as forms, in French" decrypt_to alice@fr.example "$K/a" "Révision annuelle"
mime_text "$T/dec" > "$T/upd"
ok "with FR-T-1 and FR-T-2 ready to edit" sh -c "grep -q 'FR-T-1' '$T/upd' && grep -q 'FR-T-2' '$T/upd' && grep -q 'CERT-FR bis' '$T/upd'"
ok "not the withdrawn FR-D-1" sh -c "! grep -q 'FR-D-1' '$T/upd'"
ok "carol's State has no POC: no update reminder for CH" [ "$(q "select count(*) from timer_runs where name = 'update:CH'")" = 0 ]
ok "nothing was quarantined" [ -z "$(ls "$T/r/var/spool/quarantine")" ]
ok "the daemon logged no timer failure" sh -c "! grep -q 'timers:' '$T/r/serve.log'"
stop_robot
keys_cleanup "$K" 2>/dev/null
finish
