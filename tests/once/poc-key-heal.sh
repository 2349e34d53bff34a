#!/bin/sh
# poc-key-heal.sh - a failure of the robot's own while encrypting a ping
# to a POC key is not the key's (review of issue 20, finding 2): the
# daemon's crypto engine sends a round's first reminder S/MIME encrypted
# to the POC's certificate (its gpgsm server in VAR/poc-keys then stays
# up); that gpgsm is killed; the second reminder still goes encrypted (a
# fresh gpgsm, tried again, said in the log), never in clear.
. "$(dirname "$0")/../e2e/lib.sh"
. "$POCBOT_TOP/tests/lib/keys.sh"
trap 'gpgconf --homedir "$T/r/var/poc-keys" --kill all 2>/dev/null; cleanup' EXIT INT TERM
K=$T/k
mkdir -p "$K" "$T/r"
port=$(free_port)
t0=$(date +%s)
echo $t0 > "$T/r/clock"
write_config "$T/r/pocbot.conf" "$port" "[test]" "clock_file = clock"
P="$POCBOT -c $T/r/pocbot.conf"
DB=$T/r/var/pocbot.db
out=$T/r/var/outbox/new
q() { sqlite3 -cmd '.timeout 10000' "$DB" "$1"; }
$P db migrate >/dev/null
$P state add DE >/dev/null
q "insert into pocs (id, state, type, number, organisation, status, version, created, updated)
   values ('DE-P-1', 'DE', 'policy', 1, 'Org', 'active', 1, $((t0 - 86400)), $((t0 - 86400)));
   insert into poc_emails values ('DE-P-1', 0, 'smime@de.example');
   insert into poc_languages values ('DE-P-1', 0, 'en');"
ca_make "$K/ca"
sfpr=$(smime_signer "$K/ca" "$K/s" smime@de.example)
cat "$K/s/cert.pem" "$K/s/chain.pem" > "$K/s.pem"
q "insert into poc_keys (poc, address, protocol, fingerprint, data, added)
   values ('DE-P-1', 'smime@de.example', 'smime', '$sfpr', cast(readfile('$K/s.pem') as text), $t0)"

start_robot "$T/r/pocbot.conf"
all_sent() { [ "$(q "select count(*) from outbox where state = 'queued'")" = 0 ]; }
file_of() { ls "$out" 2>/dev/null | grep "\.$1\.pocbot$" | sed "s|^|$out/|"; }
shown() { echo "$1" | sed 's/\(....\)\(....\)\(....\)/\1-\2-\3/'; }
pocbot 0 ping start || FAILS=$((FAILS + 1))
wait_for 30 all_sent
rp=$(q "select token from pings where poc = 'DE-P-1' and round = 1")
code=$(shown "$(q "select proof from pings where token = '$rp'")")
sent() { [ "$(q "select state from outbox where token = '$1'")" = sent ]; }
# sealed TOKEN: its message is S/MIME, decrypted with openssl it carries the code
sealed() {
	[ "$(read_reply "$(file_of "$1")" - kind)" = smime ] &&
	read_reply "$(file_of "$1")" "$K/s" | grep -q "Proof code:  $code"
}

echo $((t0 + 3 * 86400 + 3600)) > "$T/r/clock"
wait_for 60 sent "$rp-r1"
ok "the daemon's first reminder is encrypted to the certificate" sealed "$rp-r1"
# the engine's gpgsm server on VAR/poc-keys (its child, by pid)
gpgsm_pid() {
	ps -eo pid=,args= | grep -F -- "$T/r/var/poc-keys" | grep '[g]pgsm' | awk '{print $1}'
}
pid=$(gpgsm_pid)
gone() { case $(ps -o stat= -p "$1") in '' | Z*) ;; *) false ;; esac; }
killed() { [ -n "$pid" ] && kill -KILL $pid && wait_for 10 gone $pid; }
ok "the engine's gpgsm server on VAR/poc-keys is killed" killed

echo $((t0 + 7 * 86400 + 3600)) > "$T/r/clock"
wait_for 60 sent "$rp-r2"
ok "the second reminder still goes encrypted, with the code" sealed "$rp-r2"
ok "the engine restarted gpgsm and tried again; nothing was sent in clear" \
	sh -c "grep -q 'restarted gpgsm, tried again' '$T/r/serve.log' &&
	       ! grep -q 'sent in clear' '$T/r/serve.log'"
stop_robot
keys_cleanup "$K" 2>/dev/null
finish
