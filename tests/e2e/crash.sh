#!/bin/sh
# crash.sh - crash safety: nothing acknowledged is lost, nothing is answered
# twice, however often the daemon dies.
#
# lmtp-blast, an MTA-like LMTP client, sends a burst of HELP messages, each
# from its own sender with its own Message-ID, over several connections, and
# retries whatever has not had its 250 (refused, reset, 4xx, no reply) with
# the same envelope and bytes. Meanwhile the daemon is killed with SIGKILL at
# random moments and restarted at once: during the burst, then on while the
# worker and the sender still have work, so that crashes also land between
# a commit and the spool move, or between a Maildir delivery and its record.
# A message stored whose 250 was lost comes twice and must be answered once
# (same envelope+content hash). Then the robot runs undisturbed until the
# spool and the outbox are empty, and the Maildir outbox must hold exactly
# one reply per message: CRASH_MESSAGES distinct In-Reply-To values, each
# once, and no other file; nothing in spool/quarantine.
#
# How long a daemon lives before its SIGKILL is random: 10-150 ms while the
# burst runs (here the 500 messages are taken in within about 0.3 s when
# nothing kills the daemon, so longer lives would rarely hit the burst at
# all; retry pauses then stretch it to a few seconds), 100-800 ms after it.
# Knobs (environment): CRASH_MESSAGES (500), CRASH_BURST_LIFE_MS ("10 150"),
# CRASH_LIFE_MS ("100 800"), CRASH_KILL_SECONDS (60: the longest killing phase).
. "$(dirname "$0")/lib.sh"

N=${CRASH_MESSAGES:-500}
BURST_LIFE=${CRASH_BURST_LIFE_MS:-10 150}
LIFE=${CRASH_LIFE_MS:-100 800}
KSECS=${CRASH_KILL_SECONDS:-60}
R=$T/robot
CONF=$R/pocbot.conf
VAR=$R/var
DB=$VAR/pocbot.db
BLAST_PID=

fail() { echo "crash.sh: $*" >&2; exit 1; }
for c in sqlite3 od awk; do
	command -v "$c" >/dev/null 2>&1 || fail "'$c' is missing: install the test packages with 'tools/deps test'"
done
[ -x "$POCBOT" ] || fail "no robot binary at $POCBOT"
[ -x "$POCBOT_TOOLS/lmtp-blast" ] || fail "no $POCBOT_TOOLS/lmtp-blast: run 'make units' first"

# The daemon is restarted many times, so its pid is kept here rather than in
# lib.sh's PIDS (a dead pid there could be reused by another process).
crash_cleanup() {
	trap - EXIT INT TERM
	[ -n "$BLAST_PID" ] && kill "$BLAST_PID" 2>/dev/null && wait "$BLAST_PID" 2>/dev/null
	[ -n "${ROBOT_PID:-}" ] && kill -KILL "$ROBOT_PID" 2>/dev/null && wait "$ROBOT_PID" 2>/dev/null
	cleanup
}
trap crash_cleanup EXIT
trap 'exit 1' INT TERM

mkdir -p "$R"
PORT=$(free_port)
write_config "$CONF" "$PORT"

# launch: starts the daemon without waiting for it (restarted at once).
launch() {
	"$POCBOT" -c "$CONF" serve >>"$R/serve.log" 2>&1 &
	ROBOT_PID=$!
}
# random_sleep MIN MAX: sleeps between MIN and MAX milliseconds.
random_sleep() {
	r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	ms=$(($1 + r % ($2 - $1 + 1)))
	sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
}
# kill_robot: SIGKILL; counts a daemon that had died of anything else.
KILLS=0 UNEXPECTED=0
kill_robot() {
	kill -KILL "$ROBOT_PID" 2>/dev/null
	wait "$ROBOT_PID" 2>/dev/null
	st=$?
	ROBOT_PID=
	KILLS=$((KILLS + 1))
	if [ "$st" -ne 137 ]; then
		UNEXPECTED=$((UNEXPECTED + 1))
		echo "  a daemon ended with status $st before it was killed" >&2
	fi
}
sql() { sqlite3 -cmd '.timeout 10000' "$DB" "$1"; }
blast_running() { [ -n "$BLAST_PID" ] && kill -0 "$BLAST_PID" 2>/dev/null; }
spool_empty() { [ "$(count_files "$VAR/spool/new")" -eq 0 ]; }
# drained: every message processed and every reply delivered.
drained() {
	spool_empty && [ -f "$DB" ] &&
		[ "$(sql "SELECT count(*) FROM outbox WHERE state = 'queued'")" -eq 0 ] &&
		[ "$(sql "SELECT count(*) FROM messages")" -ge "$N" ]
}

# ---- the burst, with the daemon killed and restarted under it
start_robot "$CONF" || fail "the robot did not start"
PIDS=${PIDS% $ROBOT_PID}
tag=$(basename "$T" | tr -dc 'A-Za-z0-9')
"$POCBOT_TOOLS/lmtp-blast" --connections 4 --per-connection 10 --time-limit 150 --pause 100 \
	--reply-timeout 20 --subject HELP --tag "$tag" --ids "$T/ids" \
	"127.0.0.1:$PORT" "$N" >"$T/blast.out" 2>"$T/blast.err" &
BLAST_PID=$!
started=$(date +%s)
KILLS_IN_BURST=0
while :; do
	if blast_running; then random_sleep $BURST_LIFE; else random_sleep $LIFE; fi
	burst=0
	blast_running && burst=1
	[ "$burst" -eq 0 ] && drained && break
	[ $(($(date +%s) - started)) -ge "$KSECS" ] && break
	kill_robot
	KILLS_IN_BURST=$((KILLS_IN_BURST + burst))
	launch
done
wait "$BLAST_PID"
blast_rc=$?
BLAST_PID=
echo "  blast: $(cat "$T/blast.out")"
echo "  daemon killed $KILLS times ($KILLS_IN_BURST during the burst)"

# ---- then undisturbed until all is done
if [ -z "$ROBOT_PID" ]; then launch; fi
wait_for 120 drained
kill -TERM "$ROBOT_PID"
wait "$ROBOT_PID" 2>/dev/null
stop_rc=$?
ROBOT_PID=

acked=$(sed -n 's/.*acknowledged=\([0-9]*\).*/\1/p' "$T/blast.out")
ok "lmtp-blast: all $N messages acknowledged with 250 (exit $blast_rc)" \
	[ "$blast_rc" -eq 0 -a "${acked:-0}" -eq "$N" ]
ok "the daemon was killed at least 3 times, once at least during the burst" \
	[ "$KILLS" -ge 3 -a "$KILLS_IN_BURST" -ge 1 ]
ok "no daemon died before its SIGKILL ($UNEXPECTED did)" [ "$UNEXPECTED" -eq 0 ]
ok "spool/new is empty" spool_empty
ok "spool/quarantine is empty" [ "$(count_files "$VAR/spool/quarantine")" -eq 0 ]
ok "the outbox is drained (no queued row)" [ "$(sql "SELECT count(*) FROM outbox WHERE state = 'queued'")" -eq 0 ]
ok "$N messages recorded, each answered" \
	[ "$(sql "SELECT count(*) FROM messages WHERE outcome = 'answered'")" -eq "$N" -a \
	"$(sql "SELECT count(*) FROM messages")" -eq "$N" ]
ok "$N outbox rows, all sent" \
	[ "$(sql "SELECT count(*) FROM outbox WHERE state = 'sent' AND purpose = 'help'")" -eq "$N" -a \
	"$(sql "SELECT count(*) FROM outbox")" -eq "$N" ]

# In-Reply-To of every file in outbox/new ('-' when it has none), one a line.
in_reply_tos() {
	find "$VAR/outbox/new" -type f -exec awk '
		function out() { gsub(/[ \t\r]+/, " ", v); sub(/^ /, "", v); sub(/ $/, "", v)
				 print (v == "" ? "-" : v) }
		FNR == 1 { if (NR > 1) out(); hdr = 1; v = ""; cur = "" }
		!hdr { next }
		/^\r?$/ { hdr = 0; next }
		/^[ \t]/ { if (cur == "in-reply-to") v = v " " $0; next }
		{ cur = tolower(substr($0, 1, index($0, ":") - 1))
		  if (cur == "in-reply-to") v = substr($0, index($0, ":") + 1) }
		END { if (NR > 0) out() }' {} +
}
files=$(find "$VAR/outbox/new" -type f | wc -l)
in_reply_tos | sort >"$T/got"
sed 's/.*/<&>/' "$T/ids" | sort >"$T/want"
ok "outbox/new holds $N files ($files)" [ "$files" -eq "$N" ]
ok "every file has one In-Reply-To" [ "$(wc -l <"$T/got")" -eq "$files" ]
ok "the In-Reply-To values are the $N Message-IDs sent, each exactly once" cmp -s "$T/got" "$T/want"
if ! cmp -s "$T/got" "$T/want"; then
	echo "  doubled: $(uniq -d "$T/got" | wc -l), missing: $(sort -u "$T/got" | comm -13 - "$T/want" | wc -l)," \
		"unexpected: $(sort -u "$T/got" | comm -23 - "$T/want" | wc -l)" >&2
	uniq -d "$T/got" | head -5 | sed 's/^/  doubled: /' >&2
fi
ok "the last daemon stopped cleanly on SIGTERM (exit $stop_rc)" [ "$stop_rc" -eq 0 ]
ok "no sanitizer report in serve.log" \
	sh -c "! grep -Eq 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' '$R/serve.log'"
echo "  stored twice (250 lost, sent again): $(($(count_files "$VAR/spool/cur") - N));" \
	"found already processed: $(grep -c 'already processed' "$R/serve.log")"
[ "$FAILS" -eq 0 ] || { echo "---- serve.log (last 40 lines)" >&2; tail -40 "$R/serve.log" >&2; }
finish
