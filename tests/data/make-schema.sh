#!/bin/sh
# make-schema.sh OLD-POCBOT-TREE N - writes tests/data/schemaN.sql and
# schemaN.out, the fixture of a migration case: a database made by an old
# main at schema N through its own daemon -- tests/e2e/lifecycle.sh of that
# tree, kept (KEEP=1): five POCs (one withdrawn), pings, rounds, signers,
# the audit events of all that -- its outbox bodies emptied to keep the
# fixture small, dumped as SQL; and what that binary prints of it. Run once
# by hand on an unpacked, built old main: e.g. for schema10.sql
# (tests/e2e/retention.sh, rollover.sh) and schema13.sql (migrate13.sh):
#   git archive 6e0af6e | tar -x -C /tmp/old && make -C /tmp/old units
#   tests/data/make-schema.sh /tmp/old 10
#   git archive f5035fa | tar -x -C /tmp/old13 && make -C /tmp/old13 units
#   tests/data/make-schema.sh /tmp/old13 13
set -u
OLD=$(cd "${1:?usage: make-schema.sh OLD-POCBOT-TREE N}" && pwd)
N=${2:?usage: make-schema.sh OLD-POCBOT-TREE N}
DATA=$(cd "$(dirname "$0")" && pwd)
kept=$(cd "$OLD" && KEEP=1 POCBOT=$OLD/build/pocbot POCBOT_TOOLS=$OLD/build/tools \
	POCBOT_TOP=$OLD sh tests/e2e/lifecycle.sh 2>&1 >/dev/null | sed -n 's/^kept //p' | head -1)
[ -n "$kept" ] || { echo "lifecycle.sh kept nothing" >&2; exit 1; }
db=$kept/r/var/pocbot.db
sqlite3 "$db" "UPDATE outbox SET body = X''; VACUUM;" || exit 1
{
	echo "-- schema$N.sql - a database made by pocbot at schema $N (tests/data/make-schema.sh);"
	echo "-- migration tests load it. Generated: do not edit."
	echo "PRAGMA user_version = $N;"
	sqlite3 "$db" .dump
} > "$DATA/schema$N.sql"
printf "%s\n" "[paths]" "var = var" > "$kept/r/plain.conf"
for c in "poc list" "poc show FR-P-1" "ping status" "audit log"; do
	echo "== $c"
	(cd "$kept/r" && "$OLD/build/pocbot" -c plain.conf $c)
done > "$DATA/schema$N.out"
echo "== end" >> "$DATA/schema$N.out"
rm -rf "$kept"
