#!/bin/sh
# backup.sh - backup and restore (issue 17 items 1-2). A backup is refused
# without [backup] encrypt_to (and status says so), and with a key whose
# secret key is on the server; one taken during a burst of signed forms
# holds no private-key bytes readable without the backup key; restored into
# a fresh VAR with a second configuration, the directory, the signers, the
# audit chain, the keys, the messages that were waiting and a request
# signed before the backup all work, a signature made after the backup
# time is refused ("restored") until T + max_age and accepted after; a
# tampered archive, one with a ".." member and a non-empty VAR are refused.
. "$(dirname "$0")/lib.sh"
. "$POCBOT_TOP/tests/lib/keys.sh"
K=$T/k
mkdir -p "$K" "$T/r" "$T/r2" "$T/r3"
date +%s > "$T/r/clock"
write_config "$T/r/pocbot.conf" "$(free_port)" "[test]" "clock_file = clock"
P="$POCBOT -c $T/r/pocbot.conf"
P2="$POCBOT -c $T/r2/pocbot.conf"
err() { grep -q -- "$1" "$OUT.err" || { echo "    no \"$1\" in: $(cat "$OUT.err")" >&2; return 1; }; }
# the robot of a configuration FILE, its command's output in $OUT
robot() { _want=$1 _conf=$2; shift 2; "$POCBOT" -c "$_conf" "$@" >"$OUT" 2>"$OUT.err"
	[ $? -eq "$_want" ] || { echo "    pocbot $*: wanted $_want" >&2; cat "$OUT.err" >&2; return 1; }; }
q() { sqlite3 "$1/var/pocbot.db" "$2"; }

$P db migrate >/dev/null && $P state add FR >/dev/null
alice=$(pgp_person "$K/a" "Alice <alice@fr.example>" "$K/a.asc")
$P signer add --state FR --role authority --pgp "$K/a.asc" >/dev/null
bk=$(pgp_person "$K/b" "Backup <backup@un.example>" "$K/b.asc")	# its secret: only in $K/b
pgp_home "$K/none"

echo "no backup key"
ok "backup without [backup] encrypt_to is refused (78)" pocbot 78 backup "$T/x.backup"
ok "  saying why" err "no \[backup\] encrypt_to is set"
ok "  no file written" [ ! -e "$T/x.backup" ]
ok "status says backup refuses" pocbot 0 status
ok "  the line" said "^backup key: *none: no \[backup\] encrypt_to is set"
$P keys export "$T/pub" >/dev/null
ok "the robot's own key as a backup key is refused (65)" \
	pocbot 65 keys import-backup "$T/pub/pocbot.asc"
ok "  its secret key is on this server" err "secret key is on this server"
ok "keys import-backup takes the backup key" pocbot 0 keys import-backup "$K/b.asc"
ok "  and prints its fingerprint for encrypt_to" said "^encrypt_to = $bk$"
printf '[backup]\nencrypt_to = %s\n' "$bk" >> "$T/r/pocbot.conf"

# form ID NAME: a NOMINATE for FR signed by Alice now, in $K/ID.eml.
form() {
	printf 'NOMINATE\nState: France\nPOC type: technical\nOrganisation: %s\n' "$2" > "$K/f"
	printf 'E-mail: %s@fr.example\nPhone: +33 1 43 17 53 53\n' "$2" >> "$K/f"
	pgp_mime "$K/a" "$alice" alice@fr.example "nomination" "$K/f" "$K/m"
	sed "s/^Message-ID: <.*>/Message-ID: <$1@test.example>/" "$K/m" > "$K/$1.eml"
}
# deliver CONFIG ID: the message $K/ID.eml into that robot's spool.
deliver() {
	"$POCBOT" -c "$1" deliver --sender alice@fr.example --recipient pocbot@robot.test \
		< "$K/$2.eml" 2>>"$T/deliver.log"
}

echo "a backup during a burst of signed forms"
for i in 1 2 3 4 5 6; do form "b$i" "burst$i"; done
form early "early"	# signed before the backup, sent only to the restored robot
t=$(($(date +%s) + 1))	# the backup time: after every signature above
echo "$t" > "$T/r/clock"
start_robot "$T/r/pocbot.conf"
for i in 1 2 3 4 5 6; do deliver "$T/r/pocbot.conf" "b$i"; done
ok "pocbot backup FILE while the daemon works (0)" pocbot 0 backup "$T/a.backup"
ok "  the archive is 0600" [ "$(stat -c %a "$T/a.backup")" = 600 ]
ok "status shows the last backup" pocbot 0 status
ok "  time and file" said "^last backup: *$(date -u -d "@$t" +%Y-%m-%dT%H:%M:%SZ) $T/a.backup$"
ok "  and in JSON" sh -c "$P status --format json | python3 -c \"import json, sys
d = json.load(sys.stdin)['last_backup']
sys.exit(not (d['file'] == '$T/a.backup' and d['encrypt_to_set'] is True and d['at']))\""
ok "the burst is processed by the first robot" \
	wait_for 30 sh -c "[ \$(sqlite3 '$T/r/var/pocbot.db' 'select count(*) from pocs') = 6 ]"
stop_robot

echo "the archive without the backup key"
gpg --homedir "$K/none" --list-packets "$T/a.backup" > "$T/packets" 2>&1
sub=$(gpg --homedir "$K/b" --with-colons --list-keys "$bk" | awk -F: '$1 == "sub" { print $5 }')
ok "it is OpenPGP encrypted to the backup key's subkey" grep -q "pubkey enc packet.*keyid $sub" "$T/packets"
ok "  and nothing else is readable in its listing" \
	sh -c "! grep -qE 'secret key packet|literal data|user ID' '$T/packets'"
ok "no PRIVATE KEY in its bytes" sh -c "! grep -qa 'PRIVATE KEY' '$T/a.backup'"
ok "no private-keys-v1.d in its bytes" sh -c "! grep -qa 'private-keys-v1.d' '$T/a.backup'"
ok "no OpenPGP armour, no SQLite header, no manifest in clear" \
	sh -c "! grep -qaE 'BEGIN PGP|SQLite format|pocbot-backup' '$T/a.backup'"
ok "the backup key decrypts it into a tar" \
	sh -c "gpg --homedir '$K/b' --batch --decrypt '$T/a.backup' > '$T/a.tar' 2>/dev/null"
python3 -c 'import sys, tarfile; [print(m.name) for m in tarfile.open(sys.argv[1])]' "$T/a.tar" \
	> "$T/members"
ok "  MANIFEST first, its signature second" \
	[ "$(head -2 "$T/members" | tr '\n' ' ')" = "MANIFEST MANIFEST.sig " ]
ok "  the database, the configuration, the robot's secret key exported by gpg" \
	sh -c "grep -qx pocbot.db '$T/members' && grep -qx pocbot.conf.archived '$T/members' &&
		grep -qx gnupg-export/openpgp-secret.pgp '$T/members'"
ok "  no file of the live GnuPG home copied" sh -c "! grep -q private-keys-v1.d '$T/members'"
echo "  (of the burst's 6 forms, $(grep -c "^spool/new/" "$T/members") were in the archive's spool, the rest in its snapshot)"

echo "restore into a fresh VAR, a second configuration"
write_config "$T/r2/pocbot.conf" "$(free_port)" "[test]" "clock_file = clock" \
	"[trust]" "max_age = 1h" "[backup]" "encrypt_to = $bk" "every = 1d" "dir = backups" "keep = 1"
echo "$((t + 60))" > "$T/r2/clock"
ok "restore without the backup key is refused (65)" \
	sh -c "GNUPGHOME='$K/none' $P2 restore '$T/a.backup' >'$OUT' 2>'$OUT.err'; [ \$? = 65 ]"
ok "  VAR left empty" [ -z "$(ls -A "$T/r2/var" 2>/dev/null)" ]
ok "pocbot restore with the backup key's gpg (0)" \
	sh -c "GNUPGHOME='$K/b' $P2 restore '$T/a.backup' >'$OUT' 2>'$OUT.err'"
robot_fpr=$($P keys show | awk '$1 == "openpgp" { print $2 }')
ok "  shows the manifest's signer, the robot's key" said "^manifest signed by  $robot_fpr "
n=$(sed -n 's/^audit trail  *\([0-9]*\) events, .*/\1/p' "$OUT")
ok "  and the audit head: the first robot's chain at the snapshot ($n events)" \
	said "^audit trail  *$n events, head $(q "$T/r" "select hash from events where id = $n") (verified)"
ok "the keys are the robot's" [ "$($P2 keys show)" = "$($P keys show)" ]
ok "the configuration is archived, not installed" \
	cmp -s "$T/r/pocbot.conf" "$T/r2/var/pocbot.conf.archived"
ok "audit verify passes" robot 0 "$T/r2/pocbot.conf" audit verify
ok "  one event more: the restore" said "intact: $((n + 1)) events"
ok "the signers are there" robot 0 "$T/r2/pocbot.conf" signer list
ok "  Alice" said "$alice"
ok "the restore is recorded with the backup time" \
	[ "$(q "$T/r2" "select backup_time from restores")" = "$t" ]
ok "restore into a VAR that is not empty is refused (73)" \
	sh -c "GNUPGHOME='$K/b' $P2 restore '$T/a.backup' >'$OUT' 2>'$OUT.err'; [ \$? = 73 ]"

echo "the restored robot at work"
mkdir -m 700 "$T/r2/backups" && echo old > "$T/r2/backups/pocbot-20000101T000000Z.backup"
start_robot "$T/r2/pocbot.conf"
out=$T/r2/var/outbox/new
ok "the directory: the burst's six POCs (snapshot and spool), none twice" \
	wait_for 30 sh -c "[ \$(sqlite3 '$T/r2/var/pocbot.db' 'select count(*) from pocs') = 6 ]"
reply_to() { grep -l "^In-Reply-To: <$1@test.example>" "$out"/* 2>/dev/null | head -1; }
replied() {
	wait_for 20 sh -c "grep -l '^In-Reply-To: <$1@test.example>' '$out'/* >/dev/null 2>&1" &&
		read_signer_reply "$(reply_to "$1")" "$K/a" > "$T/$1.txt"
}
deliver "$T/r2/pocbot.conf" early
ok "a request signed before the backup time is carried out" replied early
ok "  its POC made" [ "$(q "$T/r2" "select count(*) from pocs where organisation = 'early'")" = 1 ]
wait_for 5 sh -c "[ \$(date +%s) -gt $t ]"
form late "late"
deliver "$T/r2/pocbot.conf" late
restored=$(sed -n 's/^restored: *//p' "$POCBOT_TOP/templates/en/reasons.txt" | cut -d' ' -f1-8)
ok "a signature made after the backup time is refused (encrypted to Alice)" replied late
ok "  the directory was restored; please send again" \
	sh -c "tr '\n' ' ' < '$T/late.txt' | tr -s ' ' | grep -qF '$restored' &&
		grep -q 'Please send again' '$T/late.txt'"
ok "  nothing changed" [ "$(q "$T/r2" "select count(*) from pocs where organisation = 'late'")" = 0 ]
echo "$((t + 3600))" > "$T/r2/clock"	# T + max_age: the rule is over
form after "after"
deliver "$T/r2/pocbot.conf" after
ok "at T + max_age a new signed request is carried out" replied after
ok "  its POC made" [ "$(q "$T/r2" "select count(*) from pocs where organisation = 'after'")" = 1 ]
timed=$T/r2/backups/pocbot-$(date -u -d "@$((t + 60))" +%Y%m%dT%H%M%SZ).backup
ok "the daemon's [backup] every: an archive in [backup] dir under the time's name" \
	wait_for 20 test -s "$timed"
ok "  0600, decrypted by the backup key" sh -c "[ \$(stat -c %a '$timed') = 600 ] &&
	gpg --homedir '$K/b' --batch --decrypt '$timed' >/dev/null 2>&1"
ok "  [backup] keep = 1: the older archive removed" \
	wait_for 5 test ! -e "$T/r2/backups/pocbot-20000101T000000Z.backup"
stop_robot
ok "audit verify passes after the work" robot 0 "$T/r2/pocbot.conf" audit verify

echo "hostile archives"
write_config "$T/r3/pocbot.conf" "$(free_port)"
# seal TAR OUT: TAR encrypted to the backup key, as a backup is.
seal() { gpg --homedir "$K/b" --batch --trust-model always -r "$bk" -o "$2" --encrypt "$1"; }
python3 - "$T/a.tar" "$T/t.tar" <<'EOF'
import sys
data = bytearray(open(sys.argv[1], 'rb').read())
at = data.index(b'domain = robot.test')		# inside pocbot.conf.archived's bytes
data[at] = ord('D')
open(sys.argv[2], 'wb').write(data)
EOF
seal "$T/t.tar" "$T/t.backup"
ok "a tampered archive is refused (65)" \
	sh -c "GNUPGHOME='$K/b' $POCBOT -c '$T/r3/pocbot.conf' restore '$T/t.backup' \
		>'$OUT' 2>'$OUT.err'; [ \$? = 65 ]"
ok "  the member does not match its checksum" err "pocbot.conf.archived does not match its checksum"
ok "  VAR left empty" [ -z "$(ls -A "$T/r3/var")" ]
python3 - "$T/a.tar" "$T/d.tar" <<'EOF'
import io, sys, tarfile
src = tarfile.open(sys.argv[1])
with tarfile.open(sys.argv[2], 'w', format=tarfile.USTAR_FORMAT) as out:
    for m in src.getmembers()[:2]:				# MANIFEST, MANIFEST.sig
        out.addfile(m, src.extractfile(m))
    evil = tarfile.TarInfo('../evil')
    evil.size = 5
    out.addfile(evil, io.BytesIO(b'evil\n'))
EOF
seal "$T/d.tar" "$T/d.backup"
ok "an archive with a .. member is refused (65)" \
	sh -c "GNUPGHOME='$K/b' $POCBOT -c '$T/r3/pocbot.conf' restore '$T/d.backup' \
		>'$OUT' 2>'$OUT.err'; [ \$? = 65 ]"
ok "  naming the member" err 'the member name "../evil" is refused'
ok "  nothing written outside VAR or in it" \
	sh -c "[ ! -e '$T/r3/evil' ] && [ ! -e '$T/evil' ] && [ -z \"\$(ls -A '$T/r3/var')\" ]"
finish
