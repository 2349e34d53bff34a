#!/bin/sh
# faults.sh - robot faults are not message faults (issue 12, F7). The
# database made unwritable with chattr +i (so that root, which the CI is,
# cannot write it either) at start, then again during a burst of signed
# forms, then writable: the daemon keeps taking mail into the spool, says
# why once ("robot fault: ...") and once that it resumed, counts no
# attempt, and processes every message exactly once without a restart.
# Then spool/cur made unwritable, so that the fault comes after a message
# is committed: the message is not processed again, only moved; then the
# Maildir outbox: the reply goes once it is writable, its try not counted. Then
# spool/new made unwritable: intake answers 451 (LMTP) and 75 (pipe)
# while it cannot keep a message safe, 250 and 0 again after.
# Needs root and a filesystem whose files take chattr +i ($T's is checked);
# every chattr is undone at exit, so that the world can be removed.
. "$(dirname "$0")/lib.sh"
. "$POCBOT_TOP/tests/lib/keys.sh"
TALK="python3 $POCBOT_TOP/tests/e2e/lmtp-talk.py"

faults_cleanup() {
	trap - EXIT INT TERM
	chattr -R -i "$T" 2>/dev/null
	cleanup
}
trap faults_cleanup EXIT
trap 'exit 1' INT TERM

touch "$T/probe"
if ! chattr +i "$T/probe" 2>/dev/null || ! chattr -i "$T/probe"; then
	echo "faults.sh: chattr +i does not work here (needs root and a filesystem with" \
		"immutable files, such as ext4 or xfs): this test cannot run" >&2
	exit 1
fi

K=$T/k
R=$T/r
VAR=$R/var
DB=$VAR/pocbot.db
LOG=$R/serve.log
mkdir -p "$K" "$R"
port=$(free_port)
write_config "$R/pocbot.conf" "$port"
P="$POCBOT -c $R/pocbot.conf"
$P db migrate >/dev/null
$P state add FR >/dev/null
fr=$(pgp_person "$K/a" "Alice <alice@fr.example>" "$K/fr.asc")
$P signer add --state FR --role authority --pgp "$K/fr.asc" >/dev/null
out=$VAR/outbox/new

# The 16 signed nominations, made before the robot runs: n1..n3 at start,
# n4..n13 in the burst, n14 and n15 with spool/cur unwritable, n16 with the
# outbox unwritable. Each names its own POC.
for i in $(seq 16); do
	printf 'NOMINATE\nType: technical\nOrganisation: Org %d\nE-mail: poc%d@fr.example\nPhone: +33 1 00 00 00 %02d\n' \
		"$i" "$i" "$i" > "$K/form"
	pgp_mime "$K/a" "$fr" alice@fr.example "form $i" "$K/form" "$K/m"
	sed "s/^Message-ID: <.*>/Message-ID: <n$i@test.example>/" "$K/m" > "$K/n$i"
done
deliver() { $P deliver --sender alice@fr.example --recipient pocbot@robot.test < "$K/$1" 2>>"$T/deliver.log"; }
acks() { grep -l '^In-Reply-To: <n[0-9]*@test.example>' "$out"/* 2>/dev/null | wc -l; }
acks_are() { [ "$(acks)" -eq "$1" ]; }
sql() { sqlite3 "$DB" "$1"; }
# log_has N PATTERN: the log since the mark holds exactly N lines matching PATTERN.
mark() { MARK=$(wc -l < "$LOG"); }
since() { tail -n +$((MARK + 1)) "$LOG"; }
log_has() { [ "$(since | grep -c -- "$2")" -eq "$1" ] || { since | sed 's/^/    | /' >&2; return 1; }; }
spool_empty() { [ "$(count_files "$VAR/spool/new")" -eq 0 ] && [ "$(count_files "$VAR/spool/quarantine")" -eq 0 ]; }
# each_once N: N acknowledgements, one per message, N POCs, and no failure on record.
each_once() {
	[ "$(grep -h '^In-Reply-To:' "$out"/* | sort | uniq -d | wc -l)" -eq 0 ] &&
		acks_are "$1" && [ "$(sql 'select count(*) from pocs')" -eq "$1" ] &&
		[ "$(sql 'select count(*) from spool_failures')" -eq 0 ]
}
alive() { kill -0 "$ROBOT_PID" 2>/dev/null && [ "$(grep -c 'serving LMTP' "$LOG")" -eq 1 ]; }

echo "the database unwritable at start"
chattr +i "$DB"
touch "$LOG"; mark
start_robot "$R/pocbot.conf"
ok "the daemon starts" alive
rcs=
for i in 1 2 3; do deliver n$i; rcs="$rcs$?"; done
ok "intake takes the mail into the spool (exit 0)" [ "$rcs" = 000 ]
ok "the cause is logged once, naming the file" \
	wait_for 10 log_has 1 "robot fault: cannot open the database: .*pocbot.db.*Operation not permitted"
sleep 2
waiting_3() { [ "$(count_files "$VAR/spool/new")" -eq 3 ] && [ "$(sql 'select count(*) from spool_failures')" -eq 0 ]; }
ok "nothing is processed, nothing counted" waiting_3
ok "and still one line only" log_has 1 "robot fault"
chattr -i "$DB"
ok "once writable, every message is answered, without a restart" wait_for 30 acks_are 3
ok "one 'resumed' line" wait_for 5 log_has 1 "resumed"
ok "each processed once, nothing counted" each_once 3
ok "nothing left in the spool or in quarantine" spool_empty
ok "no failure was counted against a message" log_has 0 "processing failed"
ok "the log never says 'not an error'" log_has 0 "not an error"
ok "the same daemon" alive

echo "the database unwritable during a burst"
mark
deliver n4; deliver n5
chattr +i "$DB" "$DB-wal" "$VAR"
for i in $(seq 6 13); do deliver n$i; done
ok "the cause is logged once" wait_for 10 log_has 1 "robot fault: .*Operation not permitted"
sleep 3
ok "no attempt is counted twice while it lasts" \
	[ "$(sql 'select coalesce(max(attempts), 0) from spool_failures')" -le 1 ]
chattr -i "$DB" "$DB-wal" "$VAR"
ok "once writable, every message is answered" wait_for 30 acks_are 13
ok "one 'resumed' line" wait_for 5 log_has 1 "resumed"
ok "each processed once (13 POCs, 13 acknowledgements), no count left" each_once 13
ok "nothing left in the spool or in quarantine" spool_empty
ok "still one line naming the cause" log_has 1 "Operation not permitted"
ok "no failure was counted against a message" log_has 0 "processing failed"
ok "the log never says 'not an error'" log_has 0 "not an error"
ok "the same daemon" alive

echo "spool/cur unwritable: a fault after the commit"
mark
chattr +i "$VAR/spool/cur"
deliver n14; deliver n15
ok "the cause is logged once, naming the folder" wait_for 10 log_has 1 "robot fault: the spool's cur/ folder .*Operation not permitted"
sleep 2
ok "no attempt is counted twice while it lasts" \
	[ "$(sql 'select coalesce(max(attempts), 0) from spool_failures')" -le 1 ]
chattr -i "$VAR/spool/cur"
ok "once writable, both are answered" wait_for 30 acks_are 15
ok "one 'resumed' line" wait_for 5 log_has 1 "resumed"
ok "the one committed is not processed again" wait_for 5 log_has 1 "already processed"
ok "each processed once (15 POCs, 15 acknowledgements), no count left" each_once 15
ok "nothing left in the spool or in quarantine" spool_empty
ok "no failure was counted against a message" log_has 0 "processing failed"
ok "the same daemon" alive

echo "the Maildir outbox unwritable"
mark
chattr +i "$out"
deliver n16
ok "the cause is logged once" wait_for 10 log_has 1 "robot fault: the outbox .*Operation not permitted"
sleep 2
chattr -i "$out"
ok "once writable, the acknowledgement goes" wait_for 30 acks_are 16
ok "one 'resumed' line" wait_for 5 log_has 1 "resumed"
ok "each sent once, the outbox's tries not raised by the fault" \
	[ "$(sql "select count(*) || ':' || max(attempts) from outbox where state = 'sent'")" = \
		"$(sql "select count(*) from outbox"):1" ]
ok "each processed once (16 POCs, 16 acknowledgements)" each_once 16
ok "the same daemon" alive

echo "spool/new unwritable: intake refuses what it cannot keep"
# lmtp_one N: one message over LMTP; the reply to its end of DATA.
lmtp_one() {
	printf '%s\n' "LHLO mta.test" "<<<" "MAIL FROM:<s$1@example.org>" "<<<" "RCPT TO:<pocbot@robot.test>" \
		"<<<" "DATA" "<<<" "Subject: help" "Message-ID: <lmtp$1@example.org>" "" "HELP" "." "<<<" \
		"QUIT" "<<<" | $TALK "127.0.0.1:$port" | sed -n '/^354/{n;p;}'
}
mark
chattr +i "$VAR/spool/new"
reply=$(lmtp_one 1)
ok "LMTP answers 451 4.3.0 ($reply)" sh -c "echo '$reply' | grep -q '^451 4.3.0'"
$P deliver --sender alice@fr.example --recipient pocbot@robot.test < "$K/n1" 2>"$T/deliver.err"
rc=$?
ok "pocbot deliver exits 75 ($rc)" [ "$rc" -eq 75 ]
ok "and says why, naming the folder" grep -q "4.3.0 cannot store the message in .*spool.*: Operation not permitted" "$T/deliver.err"
ok "nothing left in tmp/" [ "$(count_files "$VAR/spool/tmp")" -eq 0 ]
ok "the cause is logged once" wait_for 5 log_has 1 "robot fault: the spool .*Operation not permitted"
sleep 2
ok "the fault lasts as long as its cause" log_has 0 "resumed"
chattr -i "$VAR/spool/new"
reply=$(lmtp_one 2)
ok "250 again after ($reply)" sh -c "echo '$reply' | grep -q '^250'"
ok "one 'resumed' line" wait_for 10 log_has 1 "resumed"
ok "the message taken is processed" wait_for 10 spool_empty
ok "the same daemon" alive
finish
