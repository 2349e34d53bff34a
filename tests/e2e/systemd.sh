#!/bin/sh
# systemd.sh - the daemon as systemd runs it (issue 19 item 2), without
# systemd: Type=notify (a datagram socket as NOTIFY_SOCKET, notify-sink.py:
# READY=1 only once LMTP listens and the database is migrated; RELOADING=1
# and READY=1 around a SIGHUP; STOPPING=1 on SIGTERM); socket activation
# (systemd-socket-activate passes a unix socket: the daemon serves it, not
# [lmtp] listen); [robot] user (started as root: binds a socket in a folder
# only root may write, then runs as that user, and all it makes in VAR is
# that user's; an unknown user: 67; as root without it: a warning). The
# units themselves are checked by tests/once/units.sh.
. "$(dirname "$0")/lib.sh"
R=$T/r
mkdir -p "$R"
port=$(free_port)
CONF=$R/pocbot.conf LOG=$R/serve.log NOTES=$T/notify
write_config "$CONF" "$port"
logged() { grep -q -- "$1" "$LOG"; }
noted() { grep -q -- "$1" "$NOTES"; }
count_noted() { grep -c -- "^$1\$" "$NOTES"; }
alive() { kill -0 "$1" 2>/dev/null; }
tcp_closed() {
	! python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 2)" 2>/dev/null
}
# ids PID KIND: the real, effective, saved and file ids (KIND Uid or Gid) of PID
ids() { awk -v k="$2:" '$1 == k { print $2, $3, $4, $5 }' "/proc/$1/status"; }
# lmtp ADDRESS ID: one message through LMTP; 0 when it is taken (250).
lmtp() {
	{
		printf 'LHLO t\nMAIL FROM:<a@example.org>\nRCPT TO:<pocbot@robot.test>\nDATA\n'
		printf 'From: a@example.org\nTo: pocbot@robot.test\nSubject: HELP\n'
		printf 'Message-ID: <%s@example.org>\n\nHELP\n.\n<<< 5\nQUIT\n<<<\n' "$2"
	} | python3 "$POCBOT_TOP/tests/e2e/lmtp-talk.py" "$1" > "$T/lmtp.out" &&
		grep -q '^250 2.0.0' "$T/lmtp.out"
}
# sink LMTP DB: starts notify-sink.py on $T/notify.sock, writing $NOTES.
sink() {
	rm -f "$T/notify.sock" "$NOTES"
	python3 "$POCBOT_TOP/tests/e2e/notify-sink.py" "$T/notify.sock" "$NOTES" "$1" "$2" &
	SINK_PID=$!
	PIDS="$PIDS $SINK_PID"
	wait_for 10 test -S "$T/notify.sock"
}
stop_sink() { kill "$SINK_PID" 2>/dev/null; wait "$SINK_PID" 2>/dev/null; }
version=$(ls "$POCBOT_TOP"/db/[0-9]*.sql | sed -n '$s|.*/0*\([0-9]*\)-.*|\1|p')

echo "Type=notify"
sink "127.0.0.1:$port" "$R/var/pocbot.db"
NOTIFY_SOCKET=$T/notify.sock "$POCBOT" -c "$CONF" serve >>"$LOG" 2>&1 &
pid=$!
PIDS="$PIDS $pid"
ok "READY=1 is sent" wait_for 60 noted "^READY=1$"
ok "  when it came, LMTP listened and the database was at version $version" \
	noted "^checked lmtp=up db=$version$"
ok "  with a STATUS naming the listener" noted "^STATUS=serving LMTP on 127.0.0.1:$port$"
ok "as root without [robot] user: it runs, and warns" \
	logged "running as root: set \[robot\] user"
kill -HUP "$pid"
ok "SIGHUP: RELOADING=1, then READY=1 again" \
	wait_for 20 sh -c "[ \$(grep -c '^READY=1$' '$NOTES') -ge 2 ] && grep -q '^RELOADING=1$' '$NOTES'"
ok "  and it still runs" alive "$pid"
kill "$pid"
wait "$pid"
ok "SIGTERM: exit 0" [ $? -eq 0 ]
ok "  STOPPING=1 was sent" wait_for 10 noted "^STOPPING=1$"
stop_sink

echo "socket activation"
gpgconf --homedir "$R/var/gnupg" --kill all 2>/dev/null
sock=$T/activated.sock
: > "$LOG"
systemd-socket-activate -l "$sock" "$POCBOT" -c "$CONF" serve >>"$LOG" 2>&1 &
pid=$!
PIDS="$PIDS $pid"
wait_for 10 test -S "$sock"
ok "the first connection starts it, and its message is taken (250)" lmtp "unix:$sock" sa1
ok "  it serves the socket systemd passed" logged "serving LMTP on the socket systemd passed"
ok "  and not [lmtp] listen" tcp_closed "$port"
ok "  the message is in the spool" \
	wait_for 20 sh -c "grep -rl '<sa1@example.org>' '$R/var/spool' >/dev/null"
ok "a second message on the same socket: 250" lmtp "unix:$sock" sa2
kill "$pid"
wait "$pid"
ok "SIGTERM: exit 0" [ $? -eq 0 ]

echo "[robot] user"
gpgconf --homedir "$R/var/gnupg" --kill all 2>/dev/null
user=nobody
chmod 755 "$T"
# the socket's folder: only root may make a file in it
mkdir -m 755 "$T/rootonly"
U=$T/u
mkdir -p "$U"
chown "$user" "$U"
write_config "$U/pocbot.conf" "$port" "[robot]" "user = $user"
sed -i "s|^listen = .*|listen = unix:$T/rootonly/lmtp.sock|" "$U/pocbot.conf"
uid=$(id -u "$user") gid=$(id -g "$user")
# searchable DIR: the user may search DIR
searchable() {
	python3 -c "import os, sys; os.setgid($gid); os.setuid($uid)
sys.exit(not os.access(sys.argv[1], os.X_OK))" "$1"
}
# upath: $PATH as the user can search it (the daemon runs gpg from it once it is the
# user): a folder of the checkout it cannot reach (run-all's deps-path) copied into $T
# with its links, another left out
upath=
for d in $(echo "$PATH" | tr : ' '); do
	if ! searchable "$d"; then
		case $d in
		"$POCBOT_TOP"/*) cp -RP "$d" "$T/path-${d##*/}" && d=$T/path-${d##*/} ;;
		*) continue ;;
		esac
	fi
	upath=${upath:+$upath:}$d
done
sink "unix:$T/rootonly/lmtp.sock" "$U/var/pocbot.db"
PATH=$upath NOTIFY_SOCKET=$T/notify.sock "$POCBOT" -c "$U/pocbot.conf" serve \
	>>"$U/serve.log" 2>&1 &
pid=$!
PIDS="$PIDS $pid"
ok "started as root with user = $user: READY=1, LMTP up, database migrated" \
	wait_for 60 noted "^checked lmtp=up db=$version$"
ok "  it runs as $user: real, effective, saved uid $uid" \
	[ "$(ids "$pid" Uid)" = "$uid $uid $uid $uid" ]
ok "  and gid $gid" [ "$(ids "$pid" Gid)" = "$gid $gid $gid $gid" ]
ok "  and no group but $user's (root's groups dropped)" \
	[ "$(awk '$1 == "Groups:" { $1 = ""; print }' "/proc/$pid/status" | tr -d ' ')" = "$gid" ]
ok "  its socket was bound as root, in a folder $user may not write" \
	sh -c "[ \$(stat -c %U '$T/rootonly/lmtp.sock') = root ]"
ok "  it logged who it became" grep -q "running as $user (uid $uid)" "$U/serve.log"
ok "  no warning about root" sh -c "! grep -q 'running as root' '$U/serve.log'"
ok "  a message is taken (250)" lmtp "unix:$T/rootonly/lmtp.sock" u1
ok "  and is in the spool" \
	wait_for 20 sh -c "grep -rl '<u1@example.org>' '$U/var/spool' >/dev/null"
ok "  everything in VAR is $user's" \
	sh -c "[ -z \"\$(find '$U/var' ! -user $user -print -quit)\" ] && [ -f '$U/var/pocbot.db' ]"
# a second one binds before it takes the pidfile: it must leave the first one's socket
PATH=$upath "$POCBOT" -c "$U/pocbot.conf" serve > "$T/second.out" 2>&1
ok "a second daemon as root on the same socket: exit 69" [ $? -eq 69 ]
ok "  saying a server listens there" grep -q "a server listens on it already" "$T/second.out"
ok "  and the first one's socket still takes mail" lmtp "unix:$T/rootonly/lmtp.sock" u2
kill "$pid"
wait "$pid"
ok "SIGTERM: exit 0" [ $? -eq 0 ]
stop_sink
gpgconf --homedir "$U/var/gnupg" --kill all 2>/dev/null

sed -i "s|^user = .*|user = pocbot-no-such-user|" "$U/pocbot.conf"
"$POCBOT" -c "$U/pocbot.conf" serve > "$T/nouser.out" 2>&1
ok "an unknown [robot] user: exit 67" [ $? -eq 67 ]
ok "  naming it" grep -q "\[robot\] user pocbot-no-such-user: no such user" "$T/nouser.out"
ok "no sanitizer report in the logs" \
	sh -c "! grep -q 'Sanitizer\|runtime error' '$LOG' '$U/serve.log' '$T/nouser.out'"
finish
