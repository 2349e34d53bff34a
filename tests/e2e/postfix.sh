#!/bin/sh
# postfix.sh - end to end through a real Postfix that this script configures
# and starts in $T, on loopback only: mail injected by SMTP (swaks) reaches the
# robot by LMTP (robot.test) and by the pipe entry 'pocbot deliver' (pipe.test);
# the robot's replies go back through Postfix (its [smtp] relay) into a Maildir
# (sink.test) that the script reads. Needs root (Postfix's master runs as root)
# and the packages of 'tools/deps test'; without them it fails, it does not skip.
#
# Users: Postfix refuses to run a pipe command as root, so 'pocbot deliver'
# runs as nobody. The robot's daemon runs as nobody too (setpriv), so that the
# spool and database it creates are writable by the deliver processes, as with
# a dedicated 'pocbot' user in production; $T/robot is owned by nobody rather
# than made world-writable. The binary is copied into $T/bin because the
# checkout may sit under a directory nobody cannot enter (/root).
. "$(dirname "$0")/lib.sh"

fail() { echo "postfix.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "must run as root: it starts its own Postfix (postfix -c DIR start)"
PATH=$PATH:/usr/sbin:/sbin
for c in postfix postqueue swaks python3 setpriv; do
	command -v "$c" >/dev/null 2>&1 ||
		fail "'$c' is missing: install the test packages with 'tools/deps test' (as root)"
done
[ -x "$POCBOT" ] || fail "no robot binary at $POCBOT"
top=${POCBOT_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
RUSER=nobody
RUID=$(id -u $RUSER) RGID=$(id -g $RUSER)

PF=$T/postfix/etc	# config_directory; queue and data beside it, not inside
PQ=$T/postfix/queue	# (postfix-script warns of every non-root file under PF)
LOG=$T/postfix/maillog
SINK=$T/sink/mail	# the Maildir that receives everything for sink.test
R=$T/robot		# the robot: its configuration, var/ and serve.log
CONF=$R/pocbot.conf
BIN=$T/bin/pocbot
SMTP_PORT=$(free_port)
LMTP_PORT=$(free_port)
while [ "$LMTP_PORT" = "$SMTP_PORT" ]; do LMTP_PORT=$(free_port); done

pf_cleanup() {
	trap - EXIT INT TERM
	postfix_stop
	cleanup
}
trap pf_cleanup EXIT
trap 'exit 1' INT TERM

# show_logs: what helps to see why a check failed.
show_logs() {
	echo "---- postfix maillog" >&2; cat "$LOG" >&2 2>/dev/null
	echo "---- postfix queue" >&2; postqueue -c "$PF" -p >&2 2>/dev/null
	echo "---- robot serve.log" >&2; cat "$R/serve.log" >&2 2>/dev/null
	echo "---- sink" >&2; ls -l "$SINK/new" >&2 2>/dev/null
}

chmod 755 "$T"
mkdir -p "$PF" "$PQ" "$T/postfix/data" "$SINK" "$R" "$T/bin" "$T/msg"
cp "$POCBOT" "$BIN" && chmod 755 "$T/bin" "$BIN"
chown postfix "$T/postfix/data"
chown -R $RUID:$RGID "$T/sink" "$R"

# ---- Postfix
# main.cf: loopback only, no local delivery, no DNS (every domain here is
# routed by transport_maps or is virtual); maillog_file must fall under
# maillog_file_prefixes; short backoffs so that a deferral shows in seconds.
{ postfix_main_cf; cat <<EOF
relay_domains = robot.test, pipe.test
transport_maps = texthash:$PF/transport
pocbot_destination_recipient_limit = 1
virtual_mailbox_domains = sink.test
virtual_mailbox_base = $T/sink
virtual_mailbox_maps = static:mail/
virtual_uid_maps = static:$RUID
virtual_gid_maps = static:$RGID
queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 10s
# the sanitizer build's options reach 'pocbot deliver' only if both lists name them
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C POSTLOG_SERVICE POSTLOG_HOSTNAME ASAN_OPTIONS UBSAN_OPTIONS
export_environment = TZ MAIL_CONFIG LANG ASAN_OPTIONS UBSAN_OPTIONS
EOF
} > "$PF/main.cf"
cat > "$PF/transport" <<EOF
robot.test lmtp:inet:127.0.0.1:$LMTP_PORT
pipe.test pocbot:
EOF
# master.cf: chroot off everywhere (the daemons must reach $T). The pipe has
# flags=Rq and not '.': deliver reads the message as it is, not dot-stuffed;
# null_sender= passes <> as '' instead of MAILER-DAEMON; one recipient per
# run, since --recipient takes ${recipient} (pocbot_destination_recipient_limit).
{ postfix_services "$SMTP_PORT"; cat <<EOF
pocbot    unix  - n n - - pipe
  flags=Rq user=$RUSER null_sender= argv=$BIN -c $CONF deliver --sender \${sender} --recipient \${recipient}
EOF
} > "$PF/master.cf"

if ! postfix -c "$PF" start >"$T/postfix-start.log" 2>&1 || ! wait_port "$SMTP_PORT"; then
	cat "$T/postfix-start.log" >&2; show_logs
	fail "Postfix did not start"
fi

# ---- the robot, as nobody, relaying through this Postfix
write_config "$CONF" "$LMTP_PORT" "[smtp]" "relay = 127.0.0.1:$SMTP_PORT"
chown $RUID:$RGID "$CONF"
env HOME="$R" setpriv --reuid=$RUID --regid=$RGID --clear-groups \
	"$BIN" -c "$CONF" serve >>"$R/serve.log" 2>&1 &
ROBOT_PID=$!
PIDS="$PIDS $ROBOT_PID"
wait_port "$LMTP_PORT" || { show_logs; fail "the robot does not listen on $LMTP_PORT"; }

# ---- helpers over the sink Maildir (python's email package decodes headers)
cat > "$T/mail.py" <<'PY'
import email, email.policy, glob, sys
def load(p):
    with open(p, 'rb') as f:
        return email.message_from_binary_file(f, policy=email.policy.default)
def files(d):
    return sorted(glob.glob(d + '/new/*') + glob.glob(d + '/cur/*'))
cmd, arg = sys.argv[1], sys.argv[2:]
if cmd == 'reply':      # MAILDIR MSGID: the message whose In-Reply-To names <MSGID>
    for p in files(arg[0]):
        if '<%s>' % arg[1] in str(load(p).get('In-Reply-To', '')).split():
            print(p); break
elif cmd == 'header':   # FILE NAME: each value, decoded and unfolded
    for v in load(arg[0]).get_all(arg[1]) or []:
        print(' '.join(str(v).split()))
elif cmd == 'others':   # MAILDIR ADDR...: messages delivered to none of ADDR
    want = {a.lower() for a in arg[1:]}
    for p in files(arg[0]):
        if str(load(p).get('Delivered-To', '')).strip().lower() not in want:
            print(p)
elif cmd == 'words':    # FR EN: words of FR's Subject line that EN's lacks
    def subject(p):
        for line in open(p, encoding='utf-8'):
            k, _, v = line.partition(':')
            if k.strip().lower() == 'subject':
                return v
        return ''
    en = set(subject(arg[1]).casefold().split())
    for w in subject(arg[0]).split():
        w = w.strip('.,;:!?()«»"\'')
        if len(w) > 2 and w.isalpha() and w.casefold() not in en:
            print(w)
PY
mailpy() { python3 "$T/mail.py" "$@"; }
# reply_to MSGID: the sink's message in reply to MSGID (grep first: wait_for
# counts tries, not seconds, so a try must be quick).
reply_to() {
	grep -qsF "<$1>" "$SINK"/new/* "$SINK"/cur/* || return 0
	mailpy reply "$SINK" "$1"
}
has_reply() { [ -n "$(reply_to "$1")" ]; }
hdr() { mailpy header "$1" "$2"; }
hdr_is() { [ "$(hdr "$1" "$2")" = "$3" ]; }
hdr_has() { case "$(hdr "$1" "$2")" in *"$3"*) return 0 ;; esac; return 1; }
hdr_like() { case "$(hdr "$1" "$2")" in $3) return 0 ;; esac; return 1; }
no_reply() { ! has_reply "$1"; }
subject_has() { hdr "$1" Subject | grep -qiF -- "$2"; }
logged() { grep -q -- "$1" "$LOG"; }
queue_empty() { postqueue -c "$PF" -p 2>&1 | grep -q '^Mail queue is empty'; }
spool_idle() { [ "$(count_files "$R/var/spool/new")" -eq 0 ]; }

tag=$(basename "$T" | tr -dc 'A-Za-z0-9')
# send FROM TO MSGID [SWAKS OPTIONS...]: one message into Postfix by SMTP.
send() {
	from=$1 to=$2 id=$3; shift 3
	swaks --server "127.0.0.1:$SMTP_PORT" --from "$from" --to "$to" \
		--header "Message-Id: <$id>" "$@" </dev/null >>"$T/swaks.log" 2>&1
}
# replied LABEL MSGID ADDR: the robot's reply to MSGID came back to ADDR.
replied() {
	ok "$1: a reply names <$2> in In-Reply-To" wait_for 30 has_reply "$2"
	f=$(reply_to "$2")
	[ -n "$f" ] || return 0
	ok "$1: delivered to $3" hdr_is "$f" Delivered-To "$3"
	ok "$1: To: $3" hdr_has "$f" To "$3"
	ok "$1: From: pocbot@robot.test" hdr_has "$f" From "pocbot@robot.test"
	ok "$1: Auto-Submitted: auto-replied" hdr_is "$f" Auto-Submitted auto-replied
	ok "$1: envelope sender bounces+ID@robot.test" hdr_like "$f" Return-Path '<bounces+?*@robot.test>'
}

# (1) HELP by SMTP into Postfix, to the robot by LMTP, reply back through Postfix
ID1=help-lmtp.$tag@sink.test
ok "HELP to pocbot@robot.test accepted by Postfix" \
	send alice@sink.test pocbot@robot.test "$ID1" --header "Subject: HELP"
ok "Postfix handed it to the robot by LMTP" \
	wait_for 30 logged "to=<pocbot@robot.test>, relay=127.0.0.1\[127.0.0.1\]:$LMTP_PORT, .*status=sent"
replied "LMTP HELP" "$ID1" alice@sink.test

# (2) the same through the pipe transport and 'pocbot deliver'
ID2=help-pipe.$tag@sink.test
ok "HELP to pocbot@pipe.test accepted by Postfix" \
	send bob@sink.test pocbot@pipe.test "$ID2" --header "Subject: HELP"
ok "Postfix handed it to 'pocbot deliver' by its pipe" \
	wait_for 30 logged "to=<pocbot@pipe.test>, relay=pocbot, .*status=sent"
replied "pipe HELP" "$ID2" bob@sink.test

# (3) AIDE gets the French help: words of templates/fr/help.txt's Subject
ID3=aide.$tag@sink.test
ok "AIDE accepted by Postfix" \
	send carol@sink.test pocbot@robot.test "$ID3" --header "Subject: AIDE"
replied "AIDE" "$ID3" carol@sink.test
french=$(mailpy words "$top/templates/fr/help.txt" "$top/templates/en/help.txt" 2>/dev/null)
ok "templates/fr/help.txt has a Subject line with French words" [ -n "$french" ]
f=$(reply_to "$ID3")
[ -n "$f" ] && for w in $french; do
	ok "AIDE: the reply's Subject has '$w'" subject_has "$f" "$w"
done

# (4) a bounce to bounces+abc@ and (5) plain mail with no command: no reply.
# A later HELP's reply proves the robot has reached them, then a pause lets a
# wrong reply through before the sink is counted.
ID4=dsn.$tag@sink.test
ID5=plain.$tag@sink.test
ID6=sentinel.$tag@sink.test
cat > "$T/msg/dsn" <<DSN
From: Mail Delivery System <MAILER-DAEMON@sink.test>
To: bounces+abc@robot.test
Subject: Undelivered Mail Returned to Sender
Date: $(date -R)
Message-Id: <$ID4>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="dsn-$tag"

--dsn-$tag
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.sink.test.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<gone@sink.test>: host mx.sink.test said: 550 5.1.1 User unknown

--dsn-$tag
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.sink.test
Arrival-Date: $(date -R)

Final-Recipient: rfc822; gone@sink.test
Original-Recipient: rfc822;gone@sink.test
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--dsn-$tag
Content-Type: text/rfc822-headers

From: pocbot@robot.test
To: gone@sink.test
Subject: HELP
Message-Id: <abc@robot.test>

--dsn-$tag--
DSN
send_dsn() {
	swaks --server "127.0.0.1:$SMTP_PORT" --from '<>' --to bounces+abc@robot.test \
		--data "$T/msg/dsn" </dev/null >>"$T/swaks.log" 2>&1
}
ok "bounce (null sender) to bounces+abc@robot.test accepted by Postfix" send_dsn
ok "plain mail with no command accepted by Postfix" \
	send frank@sink.test pocbot@robot.test "$ID5" \
	--header "Subject: Lunch on Friday" --body "Shall we meet at noon?"
ok "Postfix handed the bounce to the robot" \
	wait_for 30 logged "to=<bounces+abc@robot.test>, relay=127.0.0.1\[127.0.0.1\]:$LMTP_PORT, .*status=sent"
ok "later HELP accepted by Postfix" \
	send grace@sink.test pocbot@robot.test "$ID6" --header "Subject: HELP"
replied "later HELP" "$ID6" grace@sink.test
wait_for 30 spool_idle
sleep 3
ok "no reply to the bounce" no_reply "$ID4"
ok "no reply to the plain message" no_reply "$ID5"
others=$(mailpy others "$SINK" alice@sink.test bob@sink.test carol@sink.test grace@sink.test custodian@sink.test)
ok "nothing else reached the sink" [ -z "$others" ]
[ -z "$others" ] || { echo "  unexpected in the sink:"; echo "$others"; } >&2

# (6) nothing left in Postfix's queue
ok "Postfix's queue is empty" wait_for 30 queue_empty

[ "$FAILS" -eq 0 ] || show_logs
finish
