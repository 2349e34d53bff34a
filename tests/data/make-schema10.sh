#!/bin/sh
# make-schema10.sh OLD-POCBOT-TREE - writes tests/data/schema10.sql and
# schema10.out, the fixture of tests/e2e/retention.sh's migration case: a
# database made by the main before db/0012 (schema 10, hash version 1
# events only) through its own daemon -- tests/e2e/lifecycle.sh of that
# tree, kept (KEEP=1): five POCs (one withdrawn), pings, rounds, signers,
# the audit events of all that -- its outbox bodies emptied to keep the
# fixture small, dumped as SQL; and what that binary prints of it. Run once
# by hand on an unpacked, built old main: e.g.
#   git archive 6e0af6e | tar -x -C /tmp/old && make -C /tmp/old build/pocbot
#   tests/data/make-schema10.sh /tmp/old
set -u
OLD=$(cd "${1:?usage: make-schema10.sh OLD-POCBOT-TREE}" && pwd)
DATA=$(cd "$(dirname "$0")" && pwd)
kept=$(cd "$OLD" && KEEP=1 POCBOT=$OLD/build/pocbot POCBOT_TOOLS=$OLD/build/tools \
	POCBOT_TOP=$OLD sh tests/e2e/lifecycle.sh 2>&1 >/dev/null | sed -n 's/^kept //p' | head -1)
[ -n "$kept" ] || { echo "lifecycle.sh kept nothing" >&2; exit 1; }
db=$kept/r/var/pocbot.db
sqlite3 "$db" "UPDATE outbox SET body = X''; VACUUM;" || exit 1
{
	echo "-- schema10.sql - a database made by pocbot at schema 10 (tests/data/make-schema10.sh);"
	echo "-- tests/e2e/retention.sh migrates it. Generated: do not edit."
	echo "PRAGMA user_version = 10;"
	sqlite3 "$db" .dump
} > "$DATA/schema10.sql"
printf "%s\n" "[paths]" "var = var" > "$kept/r/plain.conf"
for c in "poc list" "poc show FR-P-1" "ping status" "audit log"; do
	echo "== $c"
	(cd "$kept/r" && "$OLD/build/pocbot" -c plain.conf $c)
done > "$DATA/schema10.out"
echo "== end" >> "$DATA/schema10.out"
rm -rf "$kept"
