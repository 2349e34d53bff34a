#!/bin/sh
# states.sh - "pocbot state add" stores a State once under its alpha-2 code,
# whichever code or name (in any UN language) names it; "state list" shows
# each participating State once; an unknown name exits 65.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/r"
write_config "$T/r/pocbot.conf" "$(free_port)"
C="-c $T/r/pocbot.conf"

# state EXPECTED-EXIT ARGS...: runs "pocbot state ARGS", output in $T/out.
state() {
	want=$1; shift
	"$POCBOT" $C state "$@" >"$T/out" 2>"$T/err"
	got=$?
	[ "$got" -eq "$want" ] || { echo "    exit $got, wanted $want: $(cat "$T/err")" >&2; return 1; }
}
says() { grep -qx "$1" "$T/out" || { echo "    said: $(cat "$T/out" "$T/err")" >&2; return 1; }; }

ok "state add before any database: exit 66 (only serve and db migrate make a robot)" \
	state 66 add FRA
ok "  and no database is made" [ ! -e "$T/r/var/pocbot.db" ]
"$POCBOT" $C db migrate >/dev/null
ok "state add FRA: exit 0" state 0 add FRA
ok "it says: added FR France" says "added FR France"
ok "state add France again: exit 0" state 0 add France
ok "it says it is already there" says "FR France is already a participating State"
ok "state add la France (French, with its article)" state 0 add la France
ok "state add Россия: exit 0" state 0 add Россия
ok "it says: added RU Russian Federation" says "added RU Russian Federation"
ok "state add 俄罗斯联邦 finds RU again" state 0 add 俄罗斯联邦
ok "state list: exit 0" state 0 list
ok "FR is listed once" [ "$(grep -c '^FR ' "$T/out")" -eq 1 ]
ok "RU is listed once" [ "$(grep -c '^RU ' "$T/out")" -eq 1 ]
ok "with their English names and POC counts, sorted by code" [ "$(cat "$T/out")" = "FR France (0 POCs)
RU Russian Federation (0 POCs)" ]
ok "the database holds two rows, under alpha-2 codes" \
	[ "$(sqlite3 "$T/r/var/pocbot.db" 'select group_concat(code) from (select code from states order by code)')" = "FR,RU" ]
ok "state add Atlantis: exit 65" state 65 add Atlantis
ok "it says there is no such State" grep -q 'no State called "Atlantis"' "$T/err"
ok "state add with no name: exit 64" state 64 add
ok "state frobnicate: exit 64" state 64 frobnicate
finish
