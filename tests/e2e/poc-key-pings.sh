#!/bin/sh
# poc-key-pings.sh - pings to an address with a key on record (issue 20
# item 3), through the real binary with a Maildir outbox: a POC with an
# OpenPGP key and one with an S/MIME certificate (made here: gpg in a
# private home, an openssl CA), and a keyless one. Their verification
# pings (poc recheck, in process) and round pings (ping start) arrive
# encrypted to the key, decrypted here with the POC's gpg and openssl; the
# proof code is only inside (not in the headers, the outbox row's clear
# parts nor the log); a reply quoting it makes the key proven, an
# auto-reply quoting it and a reply without it do not (the reply still
# proves the address); the keyless POC's verification ping invites it to
# give a key; a NOMINATE carrying the POC's key (the forms' way) gets its
# verification ping encrypted to it. The reminders are sent by the daemon (the crypto engine)
# after VAR/poc-keys was removed: the home is a cache of the store, filled
# again. VAR/gnupg's trustlist.txt never changes; the CA's root is trusted
# in VAR/poc-keys only. The yearly update reminder lists the keyless
# addresses.
. "$(dirname "$0")/lib.sh"
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
dave=$(pgp_person "$K/d" "Dave <dave@de.example>" "$K/d.asc")
$P signer add --state DE --role authority --pgp "$K/d.asc" >/dev/null

poc() {	# ID TYPE NUMBER ADDRESS LANG
	q "insert into pocs (id, state, type, number, organisation, status, version, created, updated)
	   values ('$1', 'DE', '$2', $3, 'Org $1', 'active', 1, $((t0 - 86400)), $((t0 - 86400)));
	   insert into poc_emails values ('$1', 0, '$4'); insert into poc_languages values ('$1', 0, '$5');"
}
poc DE-T-1 technical 1 pgp@de.example fr
poc DE-P-1 policy 1 smime@de.example en
poc DE-D-1 diplomatic 1 none@de.example en
poc DE-T-2 technical 2 broken@de.example en
q "insert into poc_counters values ('DE', 'technical', 3)"

# put_key POC ADDRESS PROTOCOL FINGERPRINT FILE: the key on record, as a
# fixture (the forms' way, a signed NOMINATE with a Key: line, is shown
# below for DE-T-3).
put_key() {
	q "insert into poc_keys (poc, address, protocol, fingerprint, data, added)
	   values ('$1', '$2', '$3', '$4', cast(readfile('$5') as text), $t0)"
}
pfpr=$(pgp_person "$K/p" "POC T One <pgp@de.example>" "$K/p.asc")
ca_make "$K/ca"
sfpr=$(smime_signer "$K/ca" "$K/s" smime@de.example)
cat "$K/s/cert.pem" "$K/s/chain.pem" > "$K/s.pem"
cafpr=$(openssl x509 -in "$K/ca/ca.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
put_key DE-T-1 pgp@de.example openpgp "$pfpr" "$K/p.asc"
put_key DE-P-1 smime@de.example smime "$sfpr" "$K/s.pem"
# material that does not hold the fingerprint on record: VAR/poc-keys cannot encrypt to it
put_key DE-T-2 broken@de.example openpgp 0123456789ABCDEF0123456789ABCDEF01234567 "$K/p.asc"

start_robot "$T/r/pocbot.conf"
all_sent() { [ "$(q "select count(*) from outbox where state = 'queued'")" = 0 ]; }
file_of() { ls "$out" 2>/dev/null | grep "\.$1\.pocbot$" | sed "s|^|$out/|"; }
tok() { q "select token from pings where poc = '$1' and $2 order by id desc limit 1"; }
proof() { q "select proof from pings where token = '$1'"; }
shown() { echo "$1" | sed 's/\(....\)\(....\)\(....\)/\1-\2-\3/'; }
trust0=$(sha256sum < "$T/r/var/gnupg/trustlist.txt")

# leaks TOKEN: the ping's code is nowhere in clear: not in its file (head
# and encrypted body), its outbox row, the log or a command's output.
leaks() {
	_p=$(proof "$1") _s=$(shown "$(proof "$1")")
	[ -n "$_p" ] && ! grep -q -e "$_p" -e "$_s" "$(file_of "$1")" "$T/r/serve.log" "$OUT" &&
	[ "$(q "select count(*) from outbox where instr(cast(body as text), '$_p') or instr(cast(body as text), '$_s')")" = 0 ]
}
# reply TOKEN FROM TEXT [HEADER]: a person's reply to the ping, by the MTA.
reply() {
	{ printf 'From: %s\nTo: ping+%s@robot.test\nSubject: Re: ping [%s]\n' "$2" "$1" "$1"
	  printf 'Message-ID: <%s@poc.test>\nIn-Reply-To: <pocbot.%s@robot.test>\n' "$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" "$1"
	  [ -n "${4:-}" ] && printf '%s\n' "$4"
	  printf 'Date: %s\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n%s\n' "$(date -R)" "$3"
	} > "$T/reply"
	$P deliver --sender "$2" --recipient "ping+$1@robot.test" < "$T/reply"
}
done_spool() { [ -z "$(ls "$T/r/var/spool/new")" ]; }
proven() { [ -n "$(q "select proven from poc_keys where poc = '$1'")" ]; }

echo "verification pings (poc recheck)"
for a in DE-T-1:pgp@de.example DE-P-1:smime@de.example DE-D-1:none@de.example; do
	pocbot 0 poc recheck "${a%%:*}" "${a#*:}" || FAILS=$((FAILS + 1))
done
wait_for 30 all_sent
vt=$(tok DE-T-1 "round is null") vp=$(tok DE-P-1 "round is null") vd=$(tok DE-D-1 "round is null")
ok "each ping row names its key and holds a 12-character code; none for the keyless POC" \
	[ "$(q "select group_concat(poc || ' ' || coalesce(key, '-') || ' ' || coalesce(length(proof), 0), ',') from (select * from pings where poc != 'DE-T-2' order by poc)")" = "DE-D-1 - 0,DE-P-1 $sfpr 12,DE-T-1 $pfpr 12" ]
ok "DE-T-1's verification ping is PGP/MIME encrypted" [ "$(read_reply "$(file_of "$vt")" - kind)" = pgp ]
read_reply "$(file_of "$vt")" "$K/p" > "$T/vt.txt"
ok "decrypted with the POC's gpg: the proof code, in French and English" \
	sh -c "grep -q 'Code de preuve :  $(shown "$(proof "$vt")")' '$T/vt.txt' && grep -q 'Proof code:  $(shown "$(proof "$vt")")' '$T/vt.txt'"
hdr() { python3 "$POCBOT_TOP/tests/e2e/ping-mail.py" header "$1" "$2"; }
in_headers() {
	hdr "$(file_of "$vt")" Subject | grep -q "\[$vt\]" &&
	[ "$(hdr "$(file_of "$vt")" Reply-To)" = "ping+$vt@robot.test" ]
}
ok "the token stays in the headers (subject, Reply-To)" in_headers
ok "DE-P-1's verification ping is S/MIME enveloped-data" [ "$(read_reply "$(file_of "$vp")" - kind)" = smime ]
read_reply "$(file_of "$vp")" "$K/s" > "$T/vp.txt"
ok "decrypted with openssl smime: the proof code" grep -q "Proof code:  $(shown "$(proof "$vp")")" "$T/vp.txt"
both_clean() { leaks "$vt" && leaks "$vp"; }
ok "the code is in neither file's clear parts, outbox row, log nor output" both_clean
ok "the keyless POC's verification ping is in clear, inviting a key, with no code" \
	sh -c "[ \"\$(python3 $POCBOT_TOP/tests/e2e/reply.py '$(file_of "$vd")' - kind)\" = clear ] &&
	       python3 $POCBOT_TOP/tests/e2e/reply.py '$(file_of "$vd")' - | grep -q 'No OpenPGP key or S/MIME certificate is on record' &&
	       ! python3 $POCBOT_TOP/tests/e2e/reply.py '$(file_of "$vd")' - | grep -q 'Proof code'"
pocbot 0 poc recheck DE-T-2 broken@de.example || FAILS=$((FAILS + 1))
wait_for 30 all_sent
vb=$(tok DE-T-2 "round is null")
clear_fallback() {
	[ "$(read_reply "$(file_of "$vb")" - kind)" = clear ] &&
	[ "$(q "select coalesce(proof, '-') || coalesce(key, '-') from pings where token = '$vb'")" = -- ] &&
	! read_reply "$(file_of "$vb")" - | grep -q 'Proof code' &&
	grep -q "cannot be encrypted to the key on record 0123456789ABCDEF" "$OUT.err"
}
ok "a key VAR/poc-keys cannot encrypt to: the ping goes in clear, without a code, logged" clear_fallback
ok "the CA's root is trusted in VAR/poc-keys only" \
	sh -c "grep -q '^$cafpr S' '$T/r/var/poc-keys/trustlist.txt' && ! grep -q '$cafpr' '$T/r/var/gnupg/trustlist.txt'"

echo "answers"
reply "$vt" pgp@de.example "Received. The code: $(proof "$vt" | tr 'A-Z' 'a-z' | sed 's/..../& /g')"
wait_for 30 proven DE-T-1
ok "a reply quoting the code (any case, spaced) makes DE-T-1's key proven" proven DE-T-1
said_proven() {
	[ "$(q "select count(*) from ping_events where detail like '%key proven%'")" = 1 ] &&
	[ "$(q "select count(*) from events where action = 'key-proven' and detail like '%$pfpr%'")" = 1 ] &&
	! q "select detail from ping_events union all select detail from events" | grep -q "$(proof "$vt")"
}
ok "said in the ping's event and audited, without the code" said_proven
reply "$vp" smime@de.example "I am away. $(shown "$(proof "$vp")")" "Auto-Submitted: auto-replied"
reply "$vp" smime@de.example "We are here (no code)."
answered() { [ -n "$(q "select answered from pings where token = '$1'")" ]; }
wait_for 30 answered "$vp"
wait_for 30 done_spool
ok "an auto-reply quoting the code and a reply without it: the address proven, not the key" \
	sh -c "[ -n \"\$(sqlite3 '$DB' \"select autoreplied from pings where token = '$vp'\")\" ] && [ -z \"\$(sqlite3 '$DB' \"select proven from poc_keys where poc = 'DE-P-1'\")\" ]"
ok "DE-P-1 is active again by the answer" [ "$(q "select status from pocs where id = 'DE-P-1'")" = active ]

echo "a round (ping start), and its reminders sent by the daemon"
pocbot 0 ping start || FAILS=$((FAILS + 1))
wait_for 30 all_sent
rt=$(tok DE-T-1 "round = 1") rp=$(tok DE-P-1 "round = 1") rd=$(tok DE-D-1 "round = 1")
ok "the round pings are encrypted to the keys, with fresh codes" \
	sh -c "[ \"\$(python3 $POCBOT_TOP/tests/e2e/reply.py '$(file_of "$rt")' - kind)\" = pgp ] &&
	       [ \"\$(python3 $POCBOT_TOP/tests/e2e/reply.py '$(file_of "$rp")' - kind)\" = smime ] &&
	       [ '$(proof "$rp")' != '$(proof "$vp")' ]"
ok "decrypted, each carries its code" sh -c "read_reply() { python3 $POCBOT_TOP/tests/e2e/reply.py \"\$@\"; }
	read_reply '$(file_of "$rt")' '$K/p' | grep -q 'Proof code:  $(shown "$(proof "$rt")")' &&
	read_reply '$(file_of "$rp")' '$K/s' | grep -q 'Proof code:  $(shown "$(proof "$rp")")'"
ok "the keyless POC's round ping is in clear, without the invitation" \
	sh -c "python3 $POCBOT_TOP/tests/e2e/reply.py '$(file_of "$rd")' - > '$T/rd.txt' && grep -q 'Please reply to this message' '$T/rd.txt' && ! grep -q -e 'OpenPGP key' -e 'Proof code' '$T/rd.txt'"
gpgconf --homedir "$T/r/var/poc-keys" --kill all 2>/dev/null
rm -rf "$T/r/var/poc-keys"	# a cache of the store: a restore or a new machine
echo $((t0 + 3 * 86400 + 3600)) > "$T/r/clock"
reminded() { [ "$(q "select count(*) from outbox where token in ('$rt-r1', '$rp-r1', '$rd-r1') and state = 'sent'")" = 3 ]; }
wait_for 60 reminded
ok "the daemon sends the round's three first reminders" reminded
ok "DE-T-1's reminder (the crypto engine, VAR/poc-keys filled again) carries the round's code" \
	sh -c "[ \"\$(python3 $POCBOT_TOP/tests/e2e/reply.py '$(file_of "$rt-r1")' - kind)\" = pgp ] &&
	       python3 $POCBOT_TOP/tests/e2e/reply.py '$(file_of "$rt-r1")' '$K/p' | grep -q 'Proof code:  $(shown "$(proof "$rt")")'"
read_reply "$(file_of "$rp-r1")" "$K/s" > "$T/rp1.txt"
ok "DE-P-1's reminder is S/MIME with the round's code; the root trusted again in VAR/poc-keys" \
	sh -c "grep -q 'Proof code:  $(shown "$(proof "$rp")")' '$T/rp1.txt' && grep -q '^$cafpr S' '$T/r/var/poc-keys/trustlist.txt'"
reminders_clean() { leaks "$rt" && ! grep -q "$(proof "$rp")" "$(file_of "$rp-r1")" "$(file_of "$rt-r1")"; }
ok "the code stays out of the reminders' clear parts" reminders_clean
reply "$rp" smime@de.example "Code: $(shown "$(proof "$rp")")"
wait_for 30 proven DE-P-1
ok "a reply quoting the reminder's code makes DE-P-1's certificate proven" proven DE-P-1
ok "VAR/gnupg's trustlist.txt is unchanged" [ "$(sha256sum < "$T/r/var/gnupg/trustlist.txt")" = "$trust0" ]

echo "a NOMINATE carrying the POC's key: its verification ping goes encrypted to it"
nfpr=$(pgp_person "$K/n" "POC T Three <new@de.example>" "$K/n.asc")
{ printf 'NOMINATE\nType: technical\nOrganisation: Org 3\nE-mail: new@de.example\n'
  printf 'Phone: +49 30 1234 5678\nKey:\n'; cat "$K/n.asc"; } > "$K/nom"
pgp_mime "$K/d" "$dave" dave@de.example "forms" "$K/nom" "$K/m"
$P deliver --sender dave@de.example --recipient pocbot@robot.test < "$K/m" 2>/dev/null
nominated() { [ -n "$(tok DE-T-3 "round is null")" ] && all_sent; }
wait_for 30 nominated
vn=$(tok DE-T-3 "round is null")
ok "DE-T-3's key is on record from the form" [ "$(q "select fingerprint from poc_keys where poc = 'DE-T-3'")" = "$nfpr" ]
new_sealed() {
	[ "$(read_reply "$(file_of "$vn")" - kind)" = pgp ] &&
	[ "$(q "select key from pings where token = '$vn'")" = "$nfpr" ] &&
	read_reply "$(file_of "$vn")" "$K/n" | grep -q "Proof code:  $(shown "$(proof "$vn")")" &&
	! read_reply "$(file_of "$vn")" "$K/n" | grep -q "No OpenPGP key"
}
ok "its verification ping is encrypted to that key, with the code, no invitation" new_sealed

echo "the yearly update reminder lists the keyless addresses"
echo $((t0 + 365 * 86400 - 86400 + 60)) > "$T/r/clock"
updated() { [ "$(q "select count(*) from outbox where purpose = 'update-reminder' and rcpt = 'dave@de.example' and state = 'sent'")" = 1 ]; }
wait_for 60 updated
upd=$(file_of "$(q "select token from outbox where purpose = 'update-reminder'")")
ok "dave's update reminder names DE-D-1's address, not the keyed ones" \
	sh -c "[ -n '$upd' ] && python3 $POCBOT_TOP/tests/e2e/reply.py '$upd' '$K/d' > '$T/upd.txt' &&
	       grep -q 'yearly reminder' '$T/upd.txt' &&
	       grep -q 'DE-D-1  none@de.example' '$T/upd.txt' && grep -q 'Key:' '$T/upd.txt' &&
	       ! grep -q '  DE-T-1  pgp@de.example' '$T/upd.txt'"
ok "nothing was quarantined" [ -z "$(ls "$T/r/var/spool/quarantine")" ]
stop_robot
keys_cleanup "$K" 2>/dev/null
finish
