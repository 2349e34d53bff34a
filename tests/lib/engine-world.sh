# engine-world.sh - the world of tests/e2e/engine.sh and tests/once/engine-kill.sh
# (sourced after lib.sh and keys.sh): a robot with FR (an OpenPGP signer,
# alice) and DE (an S/MIME signer, bob), and helpers to make signed forms,
# deliver them, and find the daemon's crypto engine and gpgsm.
K=$T/k
R=$T/r
VAR=$R/var
DB=$VAR/pocbot.db
LOG=$R/serve.log
out=$VAR/outbox/new
mkdir -p "$K" "$R"
port=$(free_port)
write_config "$R/pocbot.conf" "$port"
P="$POCBOT -c $R/pocbot.conf"
$P db migrate >/dev/null
$P state add FR >/dev/null; $P state add DE >/dev/null
fr=$(pgp_person "$K/a" "Alice <alice@fr.example>" "$K/fr.asc")
$P signer add --state FR --role authority --pgp "$K/fr.asc" >/dev/null
ca_make "$K/ca"
de=$(smime_signer "$K/ca" "$K/de" bob@de.example)
$P signer add --state DE --role authority --smime "$K/de/cert.pem" --chain "$K/de/chain.pem" >/dev/null
touch "$LOG"

# make_forms FIRST LAST: signed nominations n$FIRST..n$LAST in $K, odd ones
# PGP/MIME from alice (FR), even ones S/MIME from bob (DE), each naming its
# own POC and carrying its own Message-ID.
make_forms() {
	for i in $(seq "$1" "$2"); do
		if [ $((i % 2)) -eq 1 ]; then st=fr; who=alice; else st=de; who=bob; fi
		printf 'NOMINATE\nType: technical\nOrganisation: Org %d\nE-mail: poc%d@%s.example\nPhone: +33 1 00 00 %02d %02d\n' \
			"$i" "$i" "$st" $((i / 100)) $((i % 100)) > "$K/form"
		if [ $st = fr ]; then
			pgp_mime "$K/a" "$fr" $who@fr.example "form $i" "$K/form" "$K/m"
		else
			smime_detached "$K/de" $who@de.example "form $i" "$K/form" "$K/m"
		fi
		sed "s/^Message-ID: <.*>/Message-ID: <n$i@test.example>/" "$K/m" > "$K/n$i"
	done
}
sender_of() { if [ $(($1 % 2)) -eq 1 ]; then echo alice@fr.example; else echo bob@de.example; fi; }
deliver() {
	$P deliver --sender "$(sender_of "${1#n}")" --recipient pocbot@robot.test < "$K/$1" \
		2>>"$T/deliver.log"
}
sql() { sqlite3 "$DB" "$1"; }
acks() { grep -l '^In-Reply-To: <n[0-9]*@test.example>' "$out"/* 2>/dev/null | wc -l; }
acks_are() { [ "$(acks)" -eq "$1" ]; }
# each_once N: N acknowledgements, one per form, N POCs, nothing quarantined.
each_once() {
	[ "$(grep -h '^In-Reply-To:' "$out"/* | sort | uniq -d | wc -l)" -eq 0 ] &&
		acks_are "$1" && [ "$(sql 'select count(*) from pocs')" -eq "$1" ] &&
		[ "$(count_files "$VAR/spool/quarantine")" -eq 0 ]
}
mark() { MARK=$(wc -l < "$LOG"); }
since() { tail -n +$((MARK + 1)) "$LOG"; }
log_count() { since | grep -c -- "$1"; }
log_has() { [ "$(log_count "$2")" -eq "$1" ] || { since | sed 's/^/    | /' >&2; return 1; }; }
engine_pid() { pgrep -P "$ROBOT_PID" -f crypto-engine | head -n 1; }
# GPGME starts gpgsm detached (its parent is init): found by its home
gpgsm_pid() { pgrep -f "gpgsm --homedir $VAR/gnupg .*--server" | head -n 1; }
# a form's attempts on record beyond the one that processed it
max_attempts() { sql 'select coalesce(max(attempts), 0) from spool_failures'; }
