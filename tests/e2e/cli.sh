#!/bin/sh
# cli.sh - the command line as git's: help in every form exits 0, --version
# names the schema and the libraries, every subcommand and action (read from
# 'pocbot help') answers --help with 0 and refuses an option it does not take
# with 64 naming it; and the error cases exit with the sysexits code that
# fits, saying what was wrong in words: 64 usage, 65 bad data, 66 a missing
# file or database, 69 a database newer than the binary.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/keys.sh"

mkdir -p "$T/r"
write_config "$T/r/pocbot.conf" "$(free_port)"
# err TEXT: TEXT is in the errors of the last pocbot.
err() {
	grep -q -- "$1" "$OUT.err" && return 0
	echo "    no \"$1\" in: $(cat "$OUT.err")" >&2
	return 1
}

for h in --help -h help; do
	ok "pocbot $h: exit 0" pocbot 0 $h
	ok "  lists ping report ROUND" said "pocbot ping report ROUND"
done
ok "pocbot alone: exit 64" sh -c "'$POCBOT' >/dev/null 2>'$T/e'; [ \$? = 64 ]"
ok "  with the usage on standard error" grep -q "^usage: pocbot" "$T/e"
ok "pocbot --version: exit 0" pocbot 0 --version
for lib in "database schema version [0-9]" "GMime [0-9]" "GPGME [0-9]" "SQLite 3" \
	"libetpan [0-9]" "GLib 2"; do
	ok "  names $lib" said "$lib"
done
ok "pocbot help ping: exit 0" pocbot 0 help ping
ok "  is ping's help: its actions" said "pocbot ping close ROUND"
ok "  and its options" said "--dry-run"
ok "pocbot help frob: exit 64" pocbot 64 help frob
ok "  naming it" err "no command 'frob'"
ok "pocbot frob: exit 64" pocbot 64 frob
ok "pocbot --frob: exit 64" pocbot 64 --frob
ok "  naming it" err "Unknown option --frob"

# every row of the table, as 'pocbot help' prints it
"$POCBOT" help | sed -n 's/^  pocbot \([a-z-]*\) *\([a-z-]*\).*/\1 \2/p' > "$T/rows"
ok "pocbot help lists at least 20 commands and actions" [ "$(wc -l < "$T/rows")" -ge 20 ]
cmds=$(cut -d' ' -f1 "$T/rows" | sort -u)
for c in $cmds; do
	ok "pocbot $c --help: exit 0" pocbot 0 $c --help
	ok "  its actions are listed" said "pocbot $c"
done
while read -r c a; do
	# an option of another command, or of another action of this one
	foreign=--dry-run
	[ "$c $a" = "ping start" ] && foreign=--reason
	ok "pocbot $c $a $foreign: exit 64" pocbot 64 $c $a $foreign
	ok "  naming $foreign" err -- "$foreign"
done < "$T/rows"
ok "ping status --deadline 1d (an option of ping start): exit 64" pocbot 64 ping status --deadline 1d
ok "  naming --deadline" err "ping status: --deadline is not an option"

# usage: 64, saying what is missing or unknown
ok "ping report with no round: exit 64" pocbot 64 ping report
ok "  saying ROUND is missing" err "ROUND is missing"
ok "ping frob: exit 64" pocbot 64 ping frob
ok "  naming it and the actions" err 'unknown action "frob" (one of: start, status, close, report)'
ok "ping (no action): exit 64" pocbot 64 ping
ok "poc show 1 2: exit 64" pocbot 64 poc show 1 2
ok "  naming the extra operand" err 'unexpected "2"'

# 66: no database yet for a command that reads it; a missing file
ok "poc list before any database: exit 66" pocbot 66 poc list
ok "  saying there is no database yet" err "no database yet"
ok "  and not making one" [ ! -e "$T/r/var/pocbot.db" ]
ok "keys import-smime with a missing file: exit 66" \
	pocbot 66 keys import-smime "$T/nothing.pem" "$T/k.pem"
ok "  naming it" err "nothing.pem: no such file"
ok "db migrate makes the database: exit 0" pocbot 0 db migrate
ok "state add FR: exit 0" pocbot 0 state add FR
ok "signer add --pgp with a missing file: exit 66" \
	pocbot 66 signer add --state FR --role authority --pgp "$T/nothing.asc"

# 65: bad data, said in words
pgp_person "$T/g" "Alice <alice@fr.test>" "$T/alice.asc" >/dev/null
ca_make "$T/ca"
smime_signer "$T/ca" "$T/b" bob@fr.test >/dev/null
ok "signer add --smime given an OpenPGP key: exit 65" \
	pocbot 65 signer add --state FR --role authority --smime "$T/alice.asc"
ok "  saying it is an OpenPGP key, not a certificate" \
	err "is an OpenPGP key, not an X.509 certificate"
ok "  with no library error code" sh -c "! grep -q 'KSBA\|GPG_ERR\|End of file' '$OUT.err'"
ok "signer add --pgp given a certificate: exit 65" \
	pocbot 65 signer add --state FR --role authority --pgp "$T/b/cert.pem"
ok "  saying it is a certificate, not an OpenPGP key" \
	err "is an X.509 certificate, not an OpenPGP key"
ok "state add Atlantis: exit 65" pocbot 65 state add Atlantis
ok "keys import-smime without the chain: exit 65 (retrying cannot help)" \
	pocbot 65 keys import-smime "$T/b/cert.pem" "$T/b/key.pem"
ok "  saying the issuer is not known" err "is not known: give the issuing certificates"

# 69: a database newer than this binary
sqlite3 "$T/r/var/pocbot.db" "PRAGMA user_version = 9999"
ok "state list on a database newer than pocbot: exit 69" pocbot 69 state list
ok "  saying so" err "newer than this pocbot"
finish
