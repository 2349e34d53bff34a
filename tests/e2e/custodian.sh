#!/bin/sh
# custodian.sh - custodians belong to no State (issue 15): 'signer add
# --role custodian' takes no --state (and refuses one), the signer is
# stored with no State and listed with "-", and one custodian signer of no
# State nominates for two States; the audit trail verifies. Then a
# database made by the previous main (schema 8: POCs, pings, signers,
# audit events; tests/data/schema8.sql, dumped from it) is migrated by
# this binary: every row reads back as the old binary printed it
# (tests/data/schema8.out) and 'audit verify' passes.
. "$(dirname "$0")/lib.sh"
. "$POCBOT_TOP/tests/lib/keys.sh"
DATA=$POCBOT_TOP/tests/data
K=$T/k
mkdir -p "$K" "$T/r"
write_config "$T/r/pocbot.conf" "$(free_port)"
P="$POCBOT -c $T/r/pocbot.conf"
DB=$T/r/var/pocbot.db
err() {
	grep -q -- "$1" "$OUT.err" || { echo "    no \"$1\" in: $(cat "$OUT.err")" >&2; return 1; }
}

echo "enrolment"
ok "db migrate" pocbot 0 db migrate
ok "state add FR" pocbot 0 state add FR
ok "state add DE" pocbot 0 state add DE
una=$(pgp_person "$K/u" "Una <una@un.example>" "$K/u.asc")
ok "a custodian with --state is refused (64)" \
	pocbot 64 signer add --state FR --role custodian --pgp "$K/u.asc"
ok "  saying a custodian belongs to no State" err "a custodian belongs to no State"
ok "an authority without --state is refused (64)" \
	pocbot 64 signer add --role authority --pgp "$K/u.asc"
ok "  nothing enrolled" [ "$(sqlite3 "$DB" 'select count(*) from signers')" = 0 ]
ok "a custodian without --state is enrolled" pocbot 0 signer add --role custodian --pgp "$K/u.asc"
ok "  for every State" said "enrolled for every State"
ok "  stored with no State" [ "$(sqlite3 "$DB" \
	"select count(*) from signers where state is null and role = 'custodian'")" = 1 ]
ok "signer list shows it with the State \"-\"" pocbot 0 signer list
ok "  one line" said "^openpgp	$una	-	custodian	"
ok "its enrolment is an audit event of no State" \
	[ "$(sqlite3 "$DB" \
		"select count(*) from events where action = 'signer-add' and state is null")" = 1 ]

echo "one custodian of no State acts for two States"
start_robot "$T/r/pocbot.conf"
out=$T/r/var/outbox/new
# nominate ID STATE ADDRESS: a NOMINATE for STATE signed by the custodian, delivered.
nominate() {
	printf 'NOMINATE\nState: %s\nPOC type: technical\nOrganisation: CERT\n' "$2" > "$K/form"
	printf 'E-mail: %s\nPhone: +41 22 917 12 34\n' "$3" >> "$K/form"
	pgp_mime "$K/u" "$una" una@un.example "nomination" "$K/form" "$K/m"
	sed "s/^Message-ID: <.*>/Message-ID: <$1@test.example>/" "$K/m" |
		$P deliver --sender una@un.example --recipient pocbot@robot.test 2>>"$T/deliver.log"
}
reply_to() { grep -l "^In-Reply-To: <$1@test.example>" "$out"/* 2>/dev/null | head -1; }
replied() {
	wait_for 20 sh -c "grep -l '^In-Reply-To: <$1@test.example>' '$out'/* >/dev/null 2>&1" &&
		read_reply "$(reply_to "$1")" "$K/u" > "$T/$1.txt"
}
nominate n1 France cert@fr.example
nominate n2 Germany cert@de.example
ok "the nomination for France is answered" replied n1
ok "  FR-T-1 made" grep -q "FR-T-1" "$T/n1.txt"
ok "the nomination for Germany is answered" replied n2
ok "  DE-T-1 made" grep -q "DE-T-1" "$T/n2.txt"
ok "both are stored, each under its State" \
	[ "$(sqlite3 "$DB" 'select group_concat(id) from (select id from pocs order by id)')" = \
		"DE-T-1,FR-T-1" ]
ok "each nomination is an audit event of its State, by the custodian signer" \
	[ "$(sqlite3 "$DB" "select group_concat(state) from (select state from events where actor = '$una' and action = 'poc-nominate' order by state)")" = "DE,FR" ]
stop_robot
ok "audit verify passes" pocbot 0 audit verify

echo "a database made by the previous main (schema 8) is migrated"
mkdir -p "$T/old/var"
write_config "$T/old/pocbot.conf" "$(free_port)"
sqlite3 "$T/old/var/pocbot.db" < "$DATA/schema8.sql"
O="$POCBOT -c $T/old/pocbot.conf"
ok "the fixture is at schema 8" [ "$(sqlite3 "$T/old/var/pocbot.db" 'pragma user_version')" = 8 ]
ok "audit verify passes after the migration" sh -c "$O audit verify > '$T/old/verify' 2>&1"
latest=$(ls "$POCBOT_TOP"/db/[0-9]*.sql | sed -n '$s|.*/0*\([0-9]*\)-.*|\1|p')
ok "  the database is at the latest schema ($latest)" [ "$(sqlite3 "$T/old/var/pocbot.db" 'pragma user_version')" = "$latest" ]
for c in "signer list" "poc list" "ping status" "audit log" "state list"; do
	sed -n "/^== $c\$/,/^== /p" "$DATA/schema8.out" | sed '1d;/^== /d' > "$T/old/want"
	$O $c > "$T/old/got" 2>&1
	# signer list has one more column since (its keys' expiry, last): the others compared
	[ "$c" = "signer list" ] && cut -f1-7 "$T/old/got" > "$T/old/got7" && mv "$T/old/got7" "$T/old/got"
	ok "$c reads back as the old binary printed it ($(wc -l < "$T/old/want") lines)" \
		sh -c "[ -s '$T/old/want' ] && cmp -s '$T/old/want' '$T/old/got'"
done
ok "signers.state is nullable now" [ "$(sqlite3 "$T/old/var/pocbot.db" \
	"select \"notnull\" from pragma_table_info('signers') where name = 'state'")" = 0 ]
ok "  its index is there" [ "$(sqlite3 "$T/old/var/pocbot.db" "select count(*) from sqlite_master where name = 'signers_by_state'")" = 1 ]
ok "  and only a custodian may have no State" \
	sh -c "! sqlite3 '$T/old/var/pocbot.db' \"update signers set state = null where role != 'custodian'\" 2>/dev/null"
ok "foreign keys hold" [ -z "$(sqlite3 "$T/old/var/pocbot.db" 'pragma foreign_key_check')" ]
finish
