#!/bin/sh
# migrate13.sh - a database made by the main before db/0014 (schema 13,
# tests/data/schema13.sql, made by tests/data/make-schema.sh from
# f5035fa's lifecycle.sh: POCs, pings, rounds, signers, audit events)
# migrates to the latest schema: poc_keys is there and empty, the pings
# keep their rows with no proof code, what the old binary printed reads
# back the same (a key line the new binary adds for a keyless address
# aside), and audit verify passes on the old chain and after the daemon
# has run on it.
. "$(dirname "$0")/lib.sh"
M=$T/m
mkdir -p "$M/var"
sqlite3 "$M/var/pocbot.db" < "$POCBOT_TOP/tests/data/schema13.sql"
mq() { sqlite3 -cmd '.timeout 10000' "$M/var/pocbot.db" "$1"; }
is() { [ "$1" = "$2" ] || { echo "    got '$1', want '$2'" >&2; return 1; }; }
ok "the fixture is at schema 13" is "$(mq 'pragma user_version')" 13
pings=$(mq "select count(*) from pings")
events=$(mq "select count(*) from events")
write_config "$M/pocbot.conf" "$(free_port)"
O="$POCBOT -c $M/pocbot.conf"
ok "db migrate" sh -c "$O db migrate > /dev/null"
latest=$(ls "$POCBOT_TOP"/db/[0-9]*.sql | sed -n '$s|.*/0*\([0-9]*\)-.*|\1|p')
ok "  to the latest schema ($latest)" is "$(mq 'pragma user_version')" "$latest"
ok "  poc_keys is empty" is "$(mq "select count(*) from poc_keys")" 0
ok "  the $pings pings are kept, none with a proof code or a key" is \
	"$(mq "select count(*), count(proof), count(key) from pings")" "$pings|0|0"
for c in "poc list" "poc show FR-P-1" "ping status" "audit log"; do
	sed -n "/^== $c\$/,/^== /p" "$POCBOT_TOP/tests/data/schema13.out" | sed '1d;/^== /d' \
		> "$M/want"
	$O $c 2>&1 | grep -v '^key' > "$M/got"
	ok "$c reads back as the old binary printed it ($(wc -l < "$M/want") lines)" \
		sh -c "[ -s '$M/want' ] && cmp -s '$M/want' '$M/got'"
done
ok "audit verify passes on the old chain ($events events)" \
	sh -c "$O audit verify | grep -q 'intact: $events events'"
start_robot "$M/pocbot.conf"
ok "the daemon runs on it (its timers' audit check)" wait_for 30 test -s "$M/var/audit-verify"
stop_robot
ok "audit verify passes after the daemon" sh -c "$O audit verify | grep -q '^audit trail intact'"
finish
