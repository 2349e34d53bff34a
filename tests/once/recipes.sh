#!/bin/sh
# recipes.sh - the README's MTA recipes run as written: each block marked
# '<!-- recipe NAME FILE -->' in README.md is read by recipe.py, its paths,
# ports and user adapted to this world (recipe(), below: nothing else is
# changed), and put in a private Postfix on loopback in $T; a HELP goes in by
# SMTP and the robot's answer comes back out through the same Postfix as its
# relay, into a Maildir of sink.test. The recipes: Postfix LMTP over the chroot
# socket, LMTP over TCP, pipe, and an alias (local(8) with 'deliver' taking
# its envelope from the environment). The robot runs as nobody, standing in for
# the 'pocbot' user. Needs root (Postfix's master) and 'tools/deps test'.
. "$(dirname "$0")/../e2e/lib.sh"

fail() { echo "recipes.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "must run as root: it starts its own Postfix (postfix -c DIR start)"
PATH=$PATH:/usr/sbin:/sbin
for c in postfix postalias postqueue swaks python3 setpriv; do
	command -v "$c" >/dev/null 2>&1 ||
		fail "'$c' is missing: install the test packages with 'tools/deps test' (as root)"
done
top=${POCBOT_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
RUSER=nobody
RUID=$(id -u $RUSER) RGID=$(id -g $RUSER)
PF=$T/postfix/etc PQ=$T/postfix/queue LOG=$T/postfix/maillog
SINK=$T/sink/mail R=$T/robot CONF=$R/pocbot.conf BIN=$T/bin/pocbot
SMTP_PORT=$(free_port)
LMTP_PORT=$(free_port)
while [ "$LMTP_PORT" = "$SMTP_PORT" ]; do LMTP_PORT=$(free_port); done

rc_cleanup() {
	trap - EXIT INT TERM
	postfix_stop
	cleanup
}
trap rc_cleanup EXIT
trap 'exit 1' INT TERM
show_logs() {
	echo "---- postfix maillog" >&2; tail -40 "$LOG" >&2 2>/dev/null
	echo "---- robot serve.log" >&2; tail -40 "$R/serve.log" >&2 2>/dev/null
}

# recipe NAME FILE: the README's block, adapted: the packaged paths to this
# world's, the ports to the free ones, the pocbot user to nobody.
recipe() {
	python3 "$top/tests/e2e/recipe.py" "$top/README.md" "$1" "$2" | sed \
		-e "s|/etc/postfix/|$PF/|g" -e "s|/etc/aliases|$PF/aliases|g" \
		-e "s|/var/spool/postfix/|$PQ/|g" -e "s|/var/lib/pocbot|$R/var|g" \
		-e "s|/etc/pocbot/|$R/|g" -e "s|/usr/bin/[p]ocbot|$BIN|g" \
		-e "s|127.0.0.1:2424|127.0.0.1:$LMTP_PORT|g" -e "s|127.0.0.1:25\$|127.0.0.1:$SMTP_PORT|" \
		-e "s|user=pocbot|user=$RUSER|g" -e "s|chown pocbot:pocbot|chown $RUID:$RGID|" \
		-e "s|^postalias |postalias -c $PF |"
}

chmod 755 "$T"
mkdir -p "$PF" "$PQ" "$T/postfix/data" "$SINK" "$R" "$T/bin"
cp "$POCBOT" "$BIN" && chmod 755 "$T/bin" "$BIN"
chown postfix "$T/postfix/data"
chown -R $RUID:$RGID "$T/sink" "$R"

# setup NAME: main.cf (the test's base less what the recipe sets, since
# Postfix warns of a parameter set twice and postlogd can block on its own
# warnings; sink.test; the recipe's lines), the transport map and master.cf
# (the base, then the recipe's services). The base turns local delivery off:
# for an alias, Postfix's default local_transport comes back.
setup() {
	recipe "$1" main.cf > "$T/recipe.cf"
	cp "$T/recipe.cf" "$T/set.cf"
	echo "mynetworks = (below)" >> "$T/set.cf"
	[ "$1" = alias ] && echo "local_transport = (the default)" >> "$T/set.cf"
	{ postfix_main_cf | awk 'NR == FNR { set[$1]; next } !($1 in set)' "$T/set.cf" -
	  cat <<EOF
mynetworks = 127.0.0.1/32
virtual_mailbox_domains = sink.test
virtual_mailbox_base = $T/sink
virtual_mailbox_maps = static:mail/
virtual_uid_maps = static:$RUID
virtual_gid_maps = static:$RGID
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C POSTLOG_SERVICE
 POSTLOG_HOSTNAME ASAN_OPTIONS UBSAN_OPTIONS
export_environment = TZ MAIL_CONFIG LANG ASAN_OPTIONS UBSAN_OPTIONS
EOF
	cat "$T/recipe.cf"; } > "$PF/main.cf"
	: > "$PF/transport"
	[ "$1" = alias ] || recipe "$1" transport > "$PF/transport"
	{ postfix_services "$SMTP_PORT"
	  echo "local     unix  - n n - - local"
	  [ "$1" = postfix-pipe ] && recipe "$1" master.cf; } > "$PF/master.cf"
}

# robot CONF-RECIPE: (re)starts the robot as nobody on that recipe's
# pocbot.conf (with this world's custodian).
robot() {
	stop_robot
	{ recipe "$1" pocbot.conf; echo "[robot]"; echo "custodian = custodian@sink.test"; } \
		> "$CONF"
	chown $RUID:$RGID "$CONF"
	env HOME="$R" setpriv --reuid=$RUID --regid=$RGID --clear-groups \
		"$BIN" -c "$CONF" serve >>"$R/serve.log" 2>&1 &
	ROBOT_PID=$!
	PIDS="$PIDS $ROBOT_PID"
}

tag=$(basename "$T" | tr -dc 'A-Za-z0-9')
# mail from outside comes from 127.0.0.2, outside mynetworks (127.0.0.1, the
# robot's own): Postfix takes it only for a domain it relays to or delivers
OUTSIDE="--server 127.0.0.1:$SMTP_PORT --local-interface 127.0.0.2"
send() {	# FROM TO MSGID: a HELP into Postfix by SMTP
	swaks $OUTSIDE --from "$1" --to "$2" \
		--header "Message-Id: <$3>" --header "Subject: HELP" </dev/null >>"$T/swaks.log" 2>&1
}
reply_to() { grep -lsF "In-Reply-To: <$1>" "$SINK"/new/* | head -1; }
has_reply() { [ -n "$(reply_to "$1")" ]; }
logged() { grep -q -- "$1" "$LOG"; }
# answered LABEL FROM: a HELP from FROM to pocbot@poc.example.int is answered
answered() {
	id=$1.$tag@sink.test
	ok "$1: Postfix accepts HELP for pocbot@poc.example.int" send "$2" pocbot@poc.example.int "$id"
	ok "$1: the robot's answer comes back through Postfix" wait_for 30 has_reply "$id"
	f=$(reply_to "$id")
	[ -n "$f" ] || return 0
	ok "$1: delivered to $2" grep -qix "Delivered-To: $2" "$f"
	ok "$1: from pocbot@poc.example.int" grep -qi '^From:.*pocbot@poc.example.int' "$f"
	ok "$1: envelope sender bounces+...@poc.example.int" \
		grep -qi '^Return-Path: <bounces+.*@poc.example.int>' "$f"
}

# ---- (1) LMTP over the chroot socket: private/pocbot in the queue folder
setup postfix-lmtp
sed -i "s|^poc.example.int.*|$(recipe postfix-socket transport)|" "$PF/transport"
: > "$PF/aliases" && postalias -c "$PF" "$PF/aliases"	# the system's /etc/aliases
if ! postfix -c "$PF" start >"$T/postfix-start.log" 2>&1 || ! wait_port "$SMTP_PORT"; then
	cat "$T/postfix-start.log" >&2; show_logs; fail "Postfix did not start"
fi
# what pocbot.socket does (systemd): the robot's socket in private/, owned by
# the robot's user, group postfix, mode 0660; here the robot makes it in a
# private/ it may write, and the owner and mode are set as the unit sets them.
chgrp "$RGID" "$PQ/private" && chmod 0770 "$PQ/private"
robot postfix-socket
sock_up() { [ -S "$PQ/private/pocbot" ]; }
ok "socket: the robot listens on $PQ/private/pocbot" wait_for 20 sock_up
chown "$RUID:postfix" "$PQ/private/pocbot" && chmod 0660 "$PQ/private/pocbot"
answered socket alice@sink.test
ok "socket: handed over by lmtp on private/pocbot" \
	logged "to=<pocbot@poc.example.int>, relay=[^ ]*\[private/pocbot\], .*status=sent"

# ---- (2) LMTP over TCP, its main.cf as for the socket; the robot on 2424
robot postfix-lmtp
ok "tcp: the robot listens on 127.0.0.1:$LMTP_PORT" wait_port "$LMTP_PORT"
sed -i "s|^poc.example.int.*|$(recipe postfix-lmtp transport)|" "$PF/transport"
postfix -c "$PF" reload >/dev/null 2>&1
answered tcp bob@sink.test
ok "tcp: handed over by LMTP on 127.0.0.1:$LMTP_PORT" \
	logged "to=<pocbot@poc.example.int>, relay=127.0.0.1\[127.0.0.1\]:$LMTP_PORT, .*status=sent"
ok "tcp: bounces+TOKEN@ accepted (the + delimiter)" sh -c "swaks $OUTSIDE \
	--from '<>' --to bounces+tok$tag@poc.example.int </dev/null >>'$T/swaks.log' 2>&1"
ok "tcp: and handed to the robot" wait_for 30 \
	logged "to=<bounces+tok$tag@poc.example.int>, relay=127.0.0.1\[127.0.0.1\]:$LMTP_PORT, .*=sent"

# ---- (3) pipe: master.cf's pocbot service running 'deliver' as nobody
setup postfix-pipe
postfix -c "$PF" reload >/dev/null 2>&1
answered pipe carol@sink.test
ok "pipe: handed over by the pocbot pipe" \
	logged "to=<pocbot@poc.example.int>, relay=pocbot, .*status=sent"

# ---- (4) an alias: local(8) pipes to 'deliver', which reads the envelope
# from SENDER and ORIGINAL_RECIPIENT
recipe alias aliases > "$R/aliases"
setup alias
ok "alias: its commands run" sh -ec "$(recipe alias commands)"
postfix -c "$PF" reload >/dev/null 2>&1
answered alias dave@sink.test
ok "alias: handed over by local(8) to the command" \
	logged "to=<pocbot@poc.example.int>, relay=local, .*status=sent (delivered to command"
ok "alias: bounces+TOKEN@ accepted" sh -c "swaks $OUTSIDE \
	--from '<>' --to bounces+al$tag@poc.example.int </dev/null >>'$T/swaks.log' 2>&1"
stored_al() { grep -lx "R bounces+al$tag@poc.example.int" "$R"/var/spool/*/* >/dev/null 2>&1; }
ok "alias: stored with its original recipient, token and all" wait_for 30 stored_al

queue_empty() { postqueue -c "$PF" -p 2>&1 | grep -q '^Mail queue is empty'; }
ok "Postfix's queue is empty" wait_for 30 queue_empty
[ "$FAILS" -eq 0 ] || show_logs
finish
