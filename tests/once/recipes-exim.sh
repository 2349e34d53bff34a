#!/bin/sh
# recipes-exim.sh - the README's Exim 4 recipe run as written: its router and
# LMTP transport (the '<!-- recipe exim ... -->' blocks, read by recipe.py,
# only the port adapted) in a private Exim on loopback in $T, with the
# Postfix TCP recipe's pocbot.conf; a HELP goes in by SMTP, the robot's answer
# comes back out through the same Exim as its relay, into a Maildir of
# sink.test. Exim conflicts with Postfix as a Debian package, so it runs from
# its unpacked package ('tools/deps test' unpacks exim4-daemon-light in
# $EXIM_ROOT) with 'exim4 -C FILE' and its own spool, in a mount namespace
# whose /etc/passwd and /etc/group name its compiled-in user Debian-exim
# (as nobody). Needs root; without the unpacked Exim it fails, it does not skip.
. "$(dirname "$0")/../e2e/lib.sh"

fail() { echo "recipes-exim.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "must run as root: it runs Exim in a mount namespace"
EXIM_ROOT=${EXIM_ROOT:-/var/cache/pocbot-tests/exim4}
EXIM=$EXIM_ROOT/usr/sbin/exim4
[ -x "$EXIM" ] || fail "no Exim at $EXIM: run 'tools/deps test' as root (it unpacks it)"
for c in swaks python3 setpriv unshare mount; do
	command -v "$c" >/dev/null 2>&1 ||
		fail "'$c' is missing: install the test packages with 'tools/deps test' (as root)"
done
top=${POCBOT_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
RUID=$(id -u nobody) RGID=$(id -g nobody)
E=$T/exim SINK=$T/sink/mail R=$T/robot CONF=$R/pocbot.conf BIN=$T/bin/pocbot
SMTP_PORT=$(free_port)
LMTP_PORT=$(free_port)
while [ "$LMTP_PORT" = "$SMTP_PORT" ]; do LMTP_PORT=$(free_port); done

show_logs() {
	echo "---- exim mainlog" >&2; tail -30 "$E/log/mainlog" >&2 2>/dev/null
	echo "---- exim paniclog" >&2; tail -10 "$E/log/paniclog" >&2 2>/dev/null
	echo "---- robot serve.log" >&2; tail -20 "$R/serve.log" >&2 2>/dev/null
}
recipe() {
	python3 "$top/tests/e2e/recipe.py" "$top/README.md" "$1" "$2" | sed \
		-e "s|/var/lib/pocbot|$R/var|g" -e "s|/usr/bin/[p]ocbot|$BIN|g" \
		-e "s|127.0.0.1:2424|127.0.0.1:$LMTP_PORT|g" -e "s|port = 2424|port = $LMTP_PORT|" \
		-e "s|127.0.0.1:25\$|127.0.0.1:$SMTP_PORT|"
}

chmod 755 "$T"
mkdir -p "$E/spool" "$E/log" "$SINK" "$R" "$T/bin"
cp "$POCBOT" "$BIN" && chmod 755 "$T/bin" "$BIN"
chown -R $RUID:$RGID "$E/spool" "$E/log" "$T/sink" "$R"
{ cat /etc/passwd; echo "Debian-exim:x:$RUID:$RGID::/nonexistent:/bin/false"; } > "$E/passwd"
{ cat /etc/group; echo "Debian-exim:x:$RGID:"; } > "$E/group"

# exim.conf: the test's frame (loopback only, sink.test a local Maildir,
# mail from 127.0.0.1, the robot, relayed; from elsewhere only to the robot's
# domain), the recipe's router before sink's, the recipe's transport.
{ cat <<EOF
keep_environment =
exim_path = $EXIM
primary_hostname = mta.exim.test
spool_directory = $E/spool
log_file_path = $E/log/%slog
daemon_smtp_ports = $SMTP_PORT
local_interfaces = 127.0.0.1
host_lookup =
rfc1413_hosts =
domainlist local_domains = sink.test
domainlist relay_to_domains = poc.example.int
hostlist relay_from_hosts = 127.0.0.1
acl_smtp_rcpt = acl_check_rcpt
begin acl
acl_check_rcpt:
  accept hosts = +relay_from_hosts
  accept domains = +local_domains : +relay_to_domains
  deny message = relay not permitted
begin routers
EOF
  recipe exim router
  cat <<EOF
sink:
  driver = accept
  domains = sink.test
  transport = sink_maildir
begin transports
sink_maildir:
  driver = appendfile
  directory = $SINK
  maildir_format
  user = Debian-exim
  envelope_to_add
  return_path_add
EOF
  recipe exim transport; } > "$E/exim.conf"

unshare -m sh -c "mount --bind '$E/passwd' /etc/passwd && mount --bind '$E/group' /etc/group &&
	exec '$EXIM' -C '$E/exim.conf' -bdf -q2s" >"$E/daemon.out" 2>&1 &
EXIM_PID=$!
PIDS="$PIDS $EXIM_PID"
wait_port "$SMTP_PORT" || { cat "$E/daemon.out" >&2; show_logs; fail "Exim did not start"; }

# the robot, as nobody, on the Postfix TCP recipe's pocbot.conf
{ recipe postfix-lmtp pocbot.conf; echo "[robot]"; echo "custodian = custodian@sink.test"; } \
	> "$CONF"
chown $RUID:$RGID "$CONF"
env HOME="$R" setpriv --reuid=$RUID --regid=$RGID --clear-groups \
	"$BIN" -c "$CONF" serve >>"$R/serve.log" 2>&1 &
ROBOT_PID=$!
PIDS="$PIDS $ROBOT_PID"
ok "the robot listens on 127.0.0.1:$LMTP_PORT" wait_port "$LMTP_PORT"

tag=$(basename "$T" | tr -dc 'A-Za-z0-9')
OUTSIDE="--server 127.0.0.1:$SMTP_PORT --local-interface 127.0.0.2"
id=exim.$tag@sink.test
reply_to() { grep -lsF "In-Reply-To: <$id>" "$SINK"/new/* | head -1; }
has_reply() { [ -n "$(reply_to)" ]; }
logged() { grep -q -- "$1" "$E/log/mainlog"; }
ok "Exim accepts HELP for pocbot@poc.example.int from outside" sh -c "swaks $OUTSIDE \
	--from erin@sink.test --to pocbot@poc.example.int --header 'Message-Id: <$id>' \
	--header 'Subject: HELP' </dev/null >>'$T/swaks.log' 2>&1"
ok "Exim refuses to relay elsewhere from outside" sh -c "! swaks $OUTSIDE \
	--from erin@sink.test --to someone@elsewhere.test </dev/null >>'$T/swaks.log' 2>&1"
ok "handed to the robot by the pocbot router's LMTP transport" wait_for 30 \
	logged "=> pocbot@poc.example.int R=pocbot T=pocbot_lmtp"
ok "the robot's answer comes back through Exim" wait_for 30 has_reply
f=$(reply_to)
if [ -n "$f" ]; then
	ok "to erin@sink.test" grep -qi '^Envelope-to: erin@sink.test' "$f"
	ok "from pocbot@poc.example.int" grep -qi '^From:.*pocbot@poc.example.int' "$f"
	ok "envelope sender bounces+...@poc.example.int" \
		grep -qi '^Return-Path: <bounces+.*@poc.example.int>' "$f"
fi
ok "bounces+TOKEN@ accepted (local_part_suffix = +*)" sh -c "swaks $OUTSIDE \
	--from '<>' --to bounces+tok$tag@poc.example.int </dev/null >>'$T/swaks.log' 2>&1"
stored_tok() { grep -lx "R bounces+tok$tag@poc.example.int" "$R"/var/spool/*/* >/dev/null 2>&1; }
ok "and handed to the robot with its token (rcpt_include_affixes)" wait_for 30 stored_tok
[ "$FAILS" -eq 0 ] || show_logs
finish
