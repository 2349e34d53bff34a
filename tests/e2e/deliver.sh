#!/bin/sh
# deliver.sh - the pipe entry's exit codes (sysexits, never 1) and that
# what it stores is processed by the daemon once it runs.
. "$(dirname "$0")/lib.sh"

port=$(free_port)
mkdir -p "$T/r"
write_config "$T/r/pocbot.conf" "$port" "[limits]" "message_bytes = 2048"
msg='From: piped@example.org
Subject: HELP
Message-ID: <piped-1@example.org>

HELP'

# deliver EXPECTED-EXIT ARGS...: runs deliver on $msg (or $INPUT) and checks its exit code.
deliver() {
	want=$1; shift
	printf '%s\n' "${INPUT:-$msg}" | (cd / && "$POCBOT" "$@" >>"$T/deliver.log" 2>&1)
	got=$?
	[ "$got" -eq "$want" ] || { echo "    exit $got, wanted $want" >&2; return 1; }
}

C="-c $T/r/pocbot.conf"
ok "a message is stored: exit 0 (the daemon need not run)" deliver 0 $C deliver --sender piped@example.org --recipient pocbot@robot.test
entry=$(ls "$T/r/var/spool/new" 2>/dev/null | head -1)
ok "it waits in spool/new with its envelope" grep -q '^R pocbot@robot.test$' "$T/r/var/spool/new/$entry"
ok "MAILER-DAEMON is the null sender" deliver 0 $C deliver --sender MAILER-DAEMON --recipient bounces+x@robot.test
ok "several recipients make one entry" deliver 0 $C deliver --sender a@example.org --recipient pocbot@robot.test --recipient ping+y@robot.test
ok "three entries in the spool" [ "$(ls "$T/r/var/spool/new" | wc -l)" -eq 3 ]
ok "the null sender is stored as <>" sh -c "grep -lx 'S ' '$T/r/var/spool/new'/* | grep -q ."

INPUT=$(python3 -c 'print("Subject: big\n\n" + "x" * 5000)')
ok "a message over [limits] message_bytes: exit 65, not retried" deliver 65 $C deliver --sender a@example.org --recipient pocbot@robot.test
INPUT=
ok "a bad sender address: exit 65" deliver 65 $C deliver --sender 'bad address' --recipient pocbot@robot.test
ok "no recipient: exit 64" deliver 64 $C deliver --sender a@example.org
ok "an unknown option: exit 64" deliver 64 $C deliver --frobnicate
ok "a broken configuration file: exit 78 (Postfix defers)" deliver 78 -c "$T/nonexistent.conf" deliver --sender a@example.org --recipient pocbot@robot.test

mkdir -p "$T/full"
write_config "$T/full/pocbot.conf" "$port"
mkdir -p "$T/full/var" && touch "$T/full/var/spool"
ok "a spool that cannot be written: exit 75, so the MTA retries" deliver 75 -c "$T/full/pocbot.conf" deliver --sender a@example.org --recipient pocbot@robot.test
rm "$T/full/var/spool" && mkdir -p "$T/full/var/spool/new" "$T/full/var/spool/cur" && touch "$T/full/var/spool/tmp"
ok "a spool whose tmp/ is broken: exit 75" deliver 75 -c "$T/full/pocbot.conf" deliver --sender a@example.org --recipient pocbot@robot.test

echo "the daemon processes what was piped"
start_robot "$T/r/pocbot.conf"
wait_for 20 sh -c "[ -z \"\$(ls '$T/r/var/spool/new')\" ]"
ok "the spool is drained" [ -z "$(ls "$T/r/var/spool/new")" ]
wait_for 20 sh -c "grep -l '^In-Reply-To: <piped-1@example.org>' '$T/r/var/outbox/new'/* >/dev/null 2>&1"
ok "the piped HELP is answered" sh -c "grep -l '^In-Reply-To: <piped-1@example.org>' '$T/r/var/outbox/new'/* | grep -q ."
ok "the bounce is recorded, not answered" sh -c "[ \$(sqlite3 '$T/r/var/pocbot.db' \"select count(*) from messages where kind = 'bounce' and outcome = 'silent'\") -eq 1 ]"
finish
