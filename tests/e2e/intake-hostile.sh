#!/bin/sh
# intake-hostile.sh - intake under attack, through the real binary: a
# transaction smuggled behind a bare-LF "\n.\n" (F2), quoted local parts
# (F9), a CR-only message and an over-long line through LMTP and deliver
# with the same outcome (F10), a dropped DATA leaving nothing in spool/tmp,
# 32 connections sending 2 MiB each with the worker paused and the daemon's
# peak RSS bounded (F6), 400 idle and 32 trickling connections while an MTA
# delivers 50 messages (F4/F5), the MAIL and command deadlines, and a unix
# socket refusing a uid not in allow_uids.
. "$(dirname "$0")/lib.sh"
HOSTILE="python3 $POCBOT_TOP/tests/e2e/intake-hostile.py"
# the daemon's memory: VmRSS or VmHWM in kB
mem() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
spool_entries() { find "$1" -maxdepth 1 -type f | wc -l; }

# A: worker paused (entries stay in spool/new), message_bytes lowered, short deadlines
portA=$(free_port) portB=$(free_port)
mkdir -p "$T/a" "$T/b"
write_config "$T/a/pocbot.conf" "$portA" "mail_deadline = 2s" "command_deadline = 3s" \
	"[limits]" "message_bytes = 3145728" "[test]" "worker = false"
# B: the defaults (max_connections 256), worker paused
write_config "$T/b/pocbot.conf" "$portB" "[test]" "worker = false"
start_robot "$T/b/pocbot.conf"; pidB=$ROBOT_PID
start_robot "$T/a/pocbot.conf"; pidA=$ROBOT_PID
A=127.0.0.1:$portA
new=$T/a/var/spool/new

printf '%s\n' 'F2: a second transaction behind a bare-LF "\n.\n" is data'
$HOSTILE "$A" smuggle > "$T/smuggle.out"
ok "one message stored, one 250 for it" sh -c "[ \$(grep -c '^reply 250 2.0.0 Message stored' '$T/smuggle.out') -eq 1 ]"
ok "the smuggled MAIL was never answered" sh -c "! grep -q '^reply 250 2.1.0' '$T/smuggle.out'"
ok "one spool entry, from the real sender" sh -c "[ $(spool_entries "$new") -eq 1 ] && grep -q '^S alice@example.org$' '$new'/*"
ok "no entry has the forged sender" sh -c "! grep -l '^S forged@evil.test$' '$new'/* >/dev/null"
ok "the first message is intact, the smuggled lines in its body" \
	sh -c "grep -q '^Subject: first$' '$new'/* && grep -q '^MAIL FROM:<forged@evil.test>$' '$new'/* && grep -q '^smuggled$' '$new'/*"
rm -f "$new"/*

echo "F9: quoted local parts"
$HOSTILE "$A" quoted > "$T/quoted.out"
ok "MAIL FROM:<\"John Doe\"@...> gets 250" grep -q '^mail 250 ' "$T/quoted.out"
ok "RCPT TO:<\"System Administrator\"@...> gets 250" grep -q '^rcpt 250 ' "$T/quoted.out"
ok "the message is stored" grep -q '^end 250 2.0.0' "$T/quoted.out"
ok "the envelope keeps the quotes" grep -q '^R "System Administrator"@robot.test$' "$new"/*
rm -f "$new"/*

echo "F10: the same outcome through LMTP and deliver"
python3 -c '
import sys
lines = [b"Subject: old Mac", b"From: alice@example.org", b""] + [b"a line ended by a carriage return only %06d" % i for i in range(12000)]
sys.stdout.buffer.write(b"\r".join(lines) + b"\r")' > "$T/cr-only.eml"
$HOSTILE "$A" send "$T/cr-only.eml" > "$T/cr.out"
ok "a $(wc -c < "$T/cr-only.eml")-byte CR-only message: 250 by LMTP" grep -q '^end 250 2.0.0' "$T/cr.out"
lmtp_entry=$(ls "$new")
{ cat "$T/cr-only.eml"; echo; } | "$POCBOT" -c "$T/a/pocbot.conf" deliver -s alice@example.org -r pocbot@robot.test
ok "... and exit 0 by deliver" test $? -eq 0
pipe_entry=$(ls "$new" | grep -v "^$lmtp_entry$")
ok "both entries hold the same bytes" cmp -s "$new/$lmtp_entry" "$new/$pipe_entry"
rm -f "$new"/*
python3 -c 'import sys; sys.stdout.write("Subject: long\n\n" + "w" * 70000 + "\n")' > "$T/long.eml"
$HOSTILE "$A" send "$T/long.eml" > "$T/long.out"
ok "a 70000-byte line: 500 5.6.0 by LMTP" grep -q '^end 500 5.6.0' "$T/long.out"
"$POCBOT" -c "$T/a/pocbot.conf" deliver -s alice@example.org -r pocbot@robot.test < "$T/long.eml" 2>/dev/null
ok "... and exit 65 by deliver" test $? -eq 65
ok "neither stored anything" test "$(spool_entries "$new")" -eq 0

echo "a dropped DATA leaves nothing behind"
$HOSTILE "$A" drop 1048576 > /dev/null
wait_for 5 sh -c "[ -z \"\$(ls '$T/a/var/spool/tmp')\" ]"
ok "spool/tmp is empty after a connection dropped in DATA" test -z "$(ls "$T/a/var/spool/tmp")"
ok "and nothing reached spool/new" test "$(spool_entries "$new")" -eq 0

echo "F6: 32 connections sending 2 MiB each, worker paused"
before=$(mem "$pidA" VmRSS)
echo 5 > "/proc/$pidA/clear_refs"	# VmHWM starts again from VmRSS
$HOSTILE "$A" parallel 32 2097152 > "$T/par.out"
peak=$(mem "$pidA" VmHWM)
echo "    daemon RSS before: $before kB; peak while receiving 32 x 2 MiB: $peak kB (+$((peak - before)) kB)"
ok "all 32 stored" grep -qx 'stored 32' "$T/par.out"
ok "32 entries in spool/new" test "$(spool_entries "$new")" -eq 32
# Held in memory, the 64 MiB would show; streamed, each connection holds one
# 64 KiB buffer (2 MiB for 32) plus its session and socket buffers: 16 MiB
# leaves room for the allocator and ASan, and is a quarter of one copy.
ok "peak RSS grew by less than 16 MiB (64 MiB arrived)" test $((peak - before)) -lt 16384
ok "spool/tmp is empty" test -z "$(ls "$T/a/var/spool/tmp")"

echo "deadlines"
$HOSTILE "$A" idle > "$T/idle.out"
ok "a client silent after connecting is closed at mail_deadline (2 s)" \
	sh -c "grep -q '^closed [2-5]\\.' '$T/idle.out' && grep -q '^last 421 4.4.2' '$T/idle.out'"
$HOSTILE "$A" slowcmd > "$T/slow.out"
ok "half a command is closed at command_deadline (3 s)" \
	sh -c "grep -q '^closed [2-6]\\.' '$T/slow.out' && grep -q '^last 421 4.4.2' '$T/slow.out'"

echo "F4/F5: 400 idle and 32 trickling connections while an MTA delivers 50"
$HOSTILE "127.0.0.1:$portB" starve 400 32 50 > "$T/starve.out"
sed 's/^/    /' "$T/starve.out"
ok "all 50 messages acknowledged" grep -qx 'acked 50' "$T/starve.out"
ok "within 60 s" sh -c "awk '/^seconds/ { exit !(\$2 < 60) }' '$T/starve.out'"
ok "the idlest hostile connections were closed (max_connections 256)" \
	sh -c "awk '/^hostile_closed/ { exit !(\$2 >= 176) }' '$T/starve.out'"
ok "the daemon has no thread per connection" test "$(ls "/proc/$pidB/task" | wc -l)" -lt 16
ROBOT_PID=$pidB; stop_robot
ROBOT_PID=$pidA; stop_robot

echo "a unix socket with allow_uids"
mkdir -p "$T/u"
write_config "$T/u/pocbot.conf" 1 "allow_uids = 65534" "[test]" "worker = false"
sed -i 's|^listen = .*|listen = unix:lmtp.sock|' "$T/u/pocbot.conf"
"$POCBOT" -c "$T/u/pocbot.conf" serve >>"$T/u/serve.log" 2>&1 &
pidU=$!; PIDS="$PIDS $pidU"
wait_for 20 test -S "$T/u/lmtp.sock"
$HOSTILE "unix:$T/u/lmtp.sock" idle > "$T/uid.out" 2>&1
ok "a client of uid $(id -u), not in allow_uids, is refused" \
	sh -c "grep -q '^last 421 4.7.0 Not allowed' '$T/uid.out' && grep -q '^closed 0\\.' '$T/uid.out'"
ok "the refusal is logged with the uid" grep -q "uid $(id -u) is not in \[lmtp\] allow_uids" "$T/u/serve.log"
kill "$pidU"; wait "$pidU" 2>/dev/null
sed -i "s|^allow_uids = .*|allow_uids = 65534, $(id -un)|" "$T/u/pocbot.conf"
"$POCBOT" -c "$T/u/pocbot.conf" serve >>"$T/u/serve.log" 2>&1 &
pidU=$!; PIDS="$PIDS $pidU"
wait_for 20 sh -c "python3 -c \"import socket; s=socket.socket(socket.AF_UNIX); s.connect('$T/u/lmtp.sock')\""
$HOSTILE "unix:$T/u/lmtp.sock" quoted > "$T/uid2.out" 2>&1
ok "once its user is listed, the same client is served" grep -q '^end 250 2.0.0' "$T/uid2.out"
kill "$pidU"; wait "$pidU" 2>/dev/null	# its lock on VAR would refuse the next serve first
sed -i 's|^listen = .*|listen = 127.0.0.1:1|' "$T/u/pocbot.conf"
timeout 30 "$POCBOT" -c "$T/u/pocbot.conf" serve > "$T/tcp-uids.out" 2>&1
ok "allow_uids with a TCP listener is refused at start (exit 69)" \
	sh -c "[ $? -eq 69 ] && grep -q 'allow_uids needs a unix socket' '$T/tcp-uids.out'"
ok "no sanitizer report in the logs" sh -c "! grep -q 'Sanitizer' '$T/a/serve.log' '$T/b/serve.log' '$T/u/serve.log'"
finish
