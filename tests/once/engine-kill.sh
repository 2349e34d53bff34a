#!/bin/sh
# engine-kill.sh - the crypto engine under fire (issue 14): 100 signed forms,
# half PGP/MIME and half S/MIME, while a loop kills gpg-agent every two
# seconds; 100 more while it kills the gpgsm server; 100 more while it kills
# the engine itself. Every form is applied once and acknowledged once,
# nothing is quarantined, no form has a failure on record (at most its one
# counted attempt), and each restart is one log line naming what died.
# Plain pass only (tests/once/): about a minute; tests/e2e/engine.sh does
# each case once in both passes.
. "$POCBOT_TOP/tests/e2e/lib.sh"
. "$POCBOT_TOP/tests/lib/keys.sh"
. "$POCBOT_TOP/tests/lib/engine-world.sh"

make_forms 1 300
start_robot "$R/pocbot.conf"

# burst FIRST LAST WHAT KILL...: delivers the forms while KILL runs every
# two seconds, then checks them.
burst() {
	_first=$1 _last=$2 _what=$3; shift 3
	mark
	( while :; do sleep 2; "$@" >/dev/null 2>&1; done ) &
	_killer=$!
	for i in $(seq "$_first" "$_last"); do deliver n$i; done
	ok "$_what: all $_last acknowledged" wait_for 240 acks_are "$_last"
	kill "$_killer"; wait "$_killer" 2>/dev/null
	ok "$_what: each applied once, acknowledged once, nothing quarantined" each_once "$_last"
	ok "$_what: no failure on record" \
		[ "$(sql 'select count(*) from spool_failures where last_error is not null')" -eq 0 ]
	ok "$_what: no attempt counted twice" [ "$(max_attempts)" -le 1 ]
	ok "$_what: nothing counted against a form" log_has 0 "processing failed"
	ok "$_what: no robot fault" log_has 0 "robot fault"
}
kill_gpgsm() { kill -9 $(pgrep -f "gpgsm --homedir $VAR/gnupg .*--server"); }
kill_engine() { kill -9 $(engine_pid); }

burst 1 100 "gpg-agent killed" gpgconf --homedir "$VAR/gnupg" --kill gpg-agent
ok "restarts were logged, naming the agent" [ "$(log_count 'crypto engine: .*gpg-agent had stopped')" -ge 1 ]
burst 101 200 "gpgsm killed" kill_gpgsm
ok "restarts were logged, naming gpgsm" [ "$(log_count 'crypto engine: .*restarted gpgsm')" -ge 1 ]
burst 201 300 "the engine killed" kill_engine
ok "restarts were logged, naming the engine" \
	[ "$(log_count 'crypto engine: the engine was killed during')" -ge 1 ]
ok "the same daemon throughout" [ "$(grep -c 'serving LMTP' "$LOG")" -eq 1 ]
finish
