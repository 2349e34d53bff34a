#!/bin/sh
# engine.sh - the crypto engine (issue 14): the daemon's GPGME work runs in
# a `pocbot crypto-engine` process of its own. When gpg-agent, the gpgsm
# server or the engine itself dies, signed forms are still applied once and
# acknowledged once, nothing is counted against them, and one log line
# names what was restarted. When the canary fails (the robot's secret keys
# gone), the failure is the robot's: one "robot fault" line, no attempt
# counted, and every form processed once the keys are back.
# tests/once/engine-kill.sh does the same under kill loops, 100 forms each.
. "$(dirname "$0")/lib.sh"
. "$POCBOT_TOP/tests/lib/keys.sh"
. "$POCBOT_TOP/tests/lib/engine-world.sh"

make_forms 1 12
start_robot "$R/pocbot.conf"
mark
deliver n1; deliver n2
ok "two forms are acknowledged" wait_for 30 acks_are 2
ok "the daemon runs one crypto engine" [ "$(pgrep -P "$ROBOT_PID" -f crypto-engine | wc -l)" -eq 1 ]
ok "nothing was restarted" log_has 0 "crypto engine"

echo "gpg-agent killed"
mark
gpgconf --homedir "$VAR/gnupg" --kill gpg-agent
deliver n3; deliver n4
ok "both forms acknowledged" wait_for 30 acks_are 4
ok "one line names the agent" log_has 1 "crypto engine: .*gpg-agent had stopped"
ok "nothing counted against them" log_has 0 "processing failed"

echo "the gpgsm server killed"
mark
kill -9 "$(gpgsm_pid)"
deliver n6
ok "the S/MIME form is acknowledged" wait_for 30 acks_are 5
ok "one line names gpgsm" log_has 1 "crypto engine: .*restarted gpgsm; canary passed"
ok "nothing counted against it" log_has 0 "processing failed"

echo "the engine killed"
mark
old=$(engine_pid)
kill -9 "$old"
deliver n5; deliver n8
ok "both forms acknowledged" wait_for 30 acks_are 7
ok "one line says the engine was killed and restarted" \
	log_has 1 "crypto engine: the engine was killed during .*: started again; canary passed"
ok "a new engine runs" sh -c "[ -n \"$(engine_pid)\" ] && [ \"$(engine_pid)\" != $old ]"
ok "nothing counted against them" log_has 0 "processing failed"
ok "each form applied once, acknowledged once, nothing quarantined" each_once 7
ok "no failure on record" [ "$(sql 'select count(*) from spool_failures where last_error is not null')" -eq 0 ]

echo "the canary fails: the robot's secret keys gone"
mark
mkdir "$T/keys-away"
mv "$VAR/gnupg/private-keys-v1.d"/* "$T/keys-away/"
gpgconf --homedir "$VAR/gnupg" --kill gpg-agent
deliver n7; deliver n10
ok "a robot fault is logged once, naming the canary" \
	wait_for 30 log_has 1 "robot fault: the crypto engine: .*canary"
sleep 2
ok "no attempt is counted (one, the first, on record)" [ "$(max_attempts)" -le 1 ]
ok "no acknowledgement meanwhile" acks_are 7
ok "status shows the fault and its cause" sh -c "$P status | grep -q '^robot fault: .*canary'"
$P status --check > "$T/check"; rc=$?
ok "status --check: CRITICAL (2), naming it" sh -c "[ $rc -eq 2 ] && grep -q 'robot fault' '$T/check'"
mv "$T/keys-away"/* "$VAR/gnupg/private-keys-v1.d/"
ok "the keys back, both forms are acknowledged, without a restart" wait_for 90 acks_are 9
ok "one 'resumed' line" wait_for 5 log_has 1 "resumed"
ok "status no longer shows a fault" sh -c "! $P status | grep -q '^robot fault'"
ok "nothing counted against them" log_has 0 "processing failed"
ok "each form applied once, acknowledged once" each_once 9

last=$(engine_pid)
stop_robot
ok "the engine ends with the daemon" wait_for 5 sh -c "! kill -0 $last"

finish
