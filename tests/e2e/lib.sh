# lib.sh - shared helpers of the end-to-end scripts (sourced, not run).
# Each script builds its world in $T (a fresh temporary directory), removed at exit
# with every process started through these helpers.
set -u
: "${POCBOT:?run through tests/run-all or set POCBOT to the binary}"
T=$(mktemp -d /tmp/pocbot-e2e.XXXXXX)
PIDS=
CHECKS=0 FAILS=0

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	# the gpg-agents and gpgsm the robots started in their GNUPGHOMEs
	for h in $(find "$T" -maxdepth 4 -type d -name gnupg 2>/dev/null); do
		gpgconf --homedir "$h" --kill all 2>/dev/null
	done
	[ -n "${KEEP:-}" ] && { echo "kept $T" >&2; return; }
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

# ok DESCRIPTION COMMAND...: one assertion; counts it and says which failed.
ok() {
	_ok_what=$1; shift
	CHECKS=$((CHECKS + 1))
	if "$@"; then echo "  ok   $_ok_what"; else FAILS=$((FAILS + 1)); echo "  FAIL $_ok_what" >&2; fi
}

# pocbot EXPECTED-EXIT ARGS...: the robot's command on $T/r/pocbot.conf,
# its output in $OUT and its errors in $OUT.err; says what it got when the
# exit status is not EXPECTED-EXIT.
OUT=$T/out
pocbot() {
	_want=$1; shift
	"$POCBOT" -c "$T/r/pocbot.conf" "$@" >"$OUT" 2>"$OUT.err"
	_got=$?
	[ "$_got" -eq "$_want" ] && return 0
	echo "    pocbot $*: exit $_got, wanted $_want" >&2
	sed 's/^/    | /' "$OUT" "$OUT.err" >&2
	return 1
}

# said TEXT: TEXT is in the output of the last pocbot.
said() { grep -q -- "$1" "$OUT" || { echo "    no \"$1\" in:" >&2; sed 's/^/    | /' "$OUT" >&2; return 1; }; }

# finish: the script's verdict, to be called last.
finish() {
	echo "  $((CHECKS - FAILS)) passed, $FAILS failed"
	[ "$FAILS" -eq 0 ]
}

# free_port: a TCP port nothing listens on right now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# write_config FILE PORT [EXTRA...]: a configuration for a robot in $(dirname FILE).
write_config() {
	_wc_file=$1 _wc_port=$2; shift 2
	{
		echo "[robot]"; echo "domain = robot.test"; echo "custodian = custodian@sink.test"
		echo "[paths]"; echo "var = var"
		echo "[lmtp]"; echo "listen = 127.0.0.1:$_wc_port"
		for _wc_line in "$@"; do echo "$_wc_line"; done
	} > "$_wc_file"
}

# start_robot CONFIG: starts 'pocbot serve' in the background; sets ROBOT_PID.
start_robot() {
	"$POCBOT" -c "$1" serve >>"$(dirname "$1")/serve.log" 2>&1 &
	ROBOT_PID=$!
	PIDS="$PIDS $ROBOT_PID"
	wait_port "$(sed -n 's/^listen = .*:\([0-9]*\)$/\1/p' "$1")"
}

stop_robot() {
	[ -n "${ROBOT_PID:-}" ] || return 0
	kill "$ROBOT_PID" 2>/dev/null; wait "$ROBOT_PID" 2>/dev/null
	PIDS=$(echo " $PIDS " | sed "s/ $ROBOT_PID / /")
	ROBOT_PID=
}

# wait_port PORT: waits up to 20 s for something to listen on 127.0.0.1:PORT.
wait_port() {
	_wp_i=0
	while ! python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),1)" 2>/dev/null; do
		_wp_i=$((_wp_i + 1)); [ $_wp_i -gt 200 ] && { echo "nothing listens on $1" >&2; return 1; }
		sleep 0.1
	done
}

# wait_for SECONDS COMMAND...: polls until COMMAND succeeds; 1 on time-out.
wait_for() {
	_wf_n=$(($1 * 10)); shift
	while ! "$@" 2>/dev/null; do
		_wf_n=$((_wf_n - 1)); [ $_wf_n -le 0 ] && return 1
		sleep 0.1
	done
}

# read_reply FILE KEYS [text|all|kind]: a reply of the robot as its
# recipient reads it: decrypted with KEYS (the signer's GnuPG home, or its
# folder with cert.pem and key.pem for S/MIME), every text part (all: every
# part) decoded. Every test that reads a reply to a signer goes through it;
# an encrypted reply KEYS cannot open fails. "-" as KEYS: a clear reply only.
read_reply() { python3 "$POCBOT_TOP/tests/e2e/reply.py" "$@"; }

# reply_encrypted FILE: the reply is encrypted (PGP/MIME or S/MIME enveloped).
reply_encrypted() { case $(read_reply "$1" - kind) in pgp | smime) ;; *) false ;; esac; }

# read_signer_reply FILE KEYS [text|all]: read_reply of a reply to an
# enrolled signer, which must be encrypted (DESIGN.md 3a): fails, saying
# so, on a clear one.
read_signer_reply() {
	reply_encrypted "$1" || { echo "    $1 is not encrypted" >&2; return 1; }
	read_reply "$@"
}

# count_files DIR: how many files are in DIR.
count_files() { find "$1" -type f 2>/dev/null | wc -l; }

# postfix_services PORT: the master.cf of a private Postfix instance that
# listens on 127.0.0.1:PORT, chroot off everywhere (its daemons must reach
# $T); a test adds its own pipe service after it.
postfix_services() {
	cat <<EOF
127.0.0.1:$1 inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
proxywrite unix - - n - 1 proxymap
showq     unix  n - n - - showq
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
lmtp      unix  - - n - - lmtp
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
virtual   unix  - n n - - virtual
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
}

# postfix_main_cf: the start of main.cf of a private Postfix instance:
# queue in $PQ, log to $LOG (under $T), loopback only, no DNS lookups of
# peers, no local delivery; a test adds its routing after it.
postfix_main_cf() {
	cat <<EOF
compatibility_level = 3.6
queue_directory = $PQ
data_directory = $T/postfix/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $LOG
maillog_file_prefixes = $T
myhostname = mta.postfix.test
mydomain = postfix.test
myorigin = \$myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_peername_lookup = no
smtputf8_enable = no
biff = no
recipient_delimiter = +
alias_maps =
alias_database =
local_recipient_maps =
local_transport = error:5.1.1 no local delivery here
EOF
}

# postfix_stop: stops the private Postfix of $PF (queue in $PQ), if one was
# set up, and waits for its master to exit.
postfix_stop() {
	[ -f "$PF/main.cf" ] || return 0
	_ps_pid=$(tr -dc 0-9 < "$PQ/pid/master.pid" 2>/dev/null)
	postfix -c "$PF" stop >/dev/null 2>&1
	_ps_i=0
	while [ -n "$_ps_pid" ] && kill -0 "$_ps_pid" 2>/dev/null && [ $_ps_i -lt 100 ]; do
		_ps_i=$((_ps_i + 1)); sleep 0.1
	done
	[ -n "$_ps_pid" ] && kill -0 "$_ps_pid" 2>/dev/null && kill -9 "$_ps_pid"
	return 0
}
