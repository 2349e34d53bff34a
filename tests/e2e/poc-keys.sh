#!/bin/sh
# poc-keys.sh - issue 20's story end to end, through the real binary, every
# key made here by gpg and openssl in private homes:
#   - Germany's authority nominates its technical POC with the POC's
#     OpenPGP key attached inside the PGP/MIME signed content; the
#     acknowledgement names its fingerprint; the verification ping arrives
#     PGP/MIME encrypted to that key (the POC's gpg decrypts it) with a
#     proof code inside and nowhere in clear;
#   - its policy POC, nominated keyless (a clear ping inviting a key), gets
#     an S/MIME certificate with its chain by an UPDATE (the PEM attached):
#     a new verification ping goes S/MIME encrypted to it (openssl smime
#     decrypts it with the POC's key);
#   - the technical POC's reply quoting the code makes its key proven; the
#     policy POC's reply without it proves the address, not the key;
#   - six Key: blocks in one form are refused; France's signer's own
#     public key, attached by its mail client to its NOMINATE, is ignored;
#   - France's LOOKUP of Germany returns both keys: the text gives each
#     fingerprint and "proven on DATE" or "not proven", keys.asc and
#     certs.pem are attached, and France writes to each POC with gpg and
#     openssl using only what the answer gave; the POCs' own keys read it;
#   - answers encrypted to the robot (as mail clients answer an encrypted
#     ping) are read for the code: the policy POC's S/MIME reply to the
#     robot's certificate makes its certificate proven, and the technical
#     POC's PGP/MIME reply to a fresh verification ping (poc recheck)
#     proves its key again; no decrypted code reaches the log.
# The refusals of item 1 and the POC CA kept out of the robot's trust are
# poc-key-forms.sh's; round pings and reminders poc-key-pings.sh's; the
# export formats, expiry warnings and status poc-key-given.sh's.
. "$(dirname "$0")/lib.sh"
. "$POCBOT_TOP/tests/lib/keys.sh"
MAIL="python3 $POCBOT_TOP/tests/e2e/lookups-mail.py"
K=$T/k
mkdir -p "$K" "$T/r"
trap 'keys_cleanup "$K" "$T/r/var" 2>/dev/null; cleanup' EXIT INT TERM
write_config "$T/r/pocbot.conf" "$(free_port)"
P="$POCBOT -c $T/r/pocbot.conf"
DB=$T/r/var/pocbot.db
out=$T/r/var/outbox/new
q() { sqlite3 -cmd '.timeout 10000' "$DB" "$1"; }
$P db migrate >/dev/null
for s in DE FR; do $P state add $s >/dev/null; done
anna=$(pgp_person "$K/a" "Anna <anna@de.example>" "$K/a.asc")
fred=$(pgp_person "$K/f" "Fred <fred@fr.example>" "$K/f.asc")
$P signer add --state DE --role authority --pgp "$K/a.asc" >/dev/null
$P signer add --state FR --role authority --pgp "$K/f.asc" >/dev/null

echo "the POCs' keys"
pgp_home "$K/t"
gpg --homedir "$K/t" --batch --pinentry-mode loopback --passphrase '' \
	--quick-gen-key "CERT-Bund <cert@bsi.example>" future-default default 2y 2>/dev/null
tfpr=$(gpg --homedir "$K/t" --with-colons -k | awk -F: '$1 == "fpr" { print $10; exit }')
pgp_export "$K/t" "$tfpr" "$K/t.asc"
ca_make "$K/ca"
pfpr=$(smime_signer "$K/ca" "$K/p" cyber@aa.example)
cat "$K/p/cert.pem" "$K/p/chain.pem" > "$K/p.pem"
ok "an OpenPGP key and an S/MIME certificate with its CA" [ -n "$tfpr" ] && [ -n "$pfpr" ]

n=0
# send HOME FPR FROM BODY [FILE TYPE NAME]: BODY (and FILE attached as
# TYPE, named NAME) signed PGP/MIME and delivered; $id its Message-ID.
send() {
	n=$((n + 1)) id=m$n
	{
		printf 'Content-Type: multipart/mixed; boundary="mix"\n\n--mix\n'
		printf 'Content-Type: text/plain; charset=utf-8\n\n'; cat "$4"
		if [ $# -gt 4 ]; then
			printf '\n--mix\nContent-Type: %s; name="%s"\n' "$6" "$7"
			printf 'Content-Disposition: attachment; filename="%s"\n\n' "$7"; cat "$5"
		fi
		printf -- '--mix--\n'
	} | crlf > "$K/entity"
	pgp_mime_entity "$1" "$2" "$3" "forms" "$K/entity" "$K/m" "$id@test.example"
	$P deliver --sender "$3" --recipient pocbot@robot.test < "$K/m" 2>/dev/null
}
answer() { grep -l "^In-Reply-To: <$1@test.example>" "$out"/* 2>/dev/null | head -1; }
answered() { wait_for 30 sh -c "grep -l '^In-Reply-To: <$1@test.example>' '$out'/* >/dev/null 2>&1"; }
all_sent() { [ "$(q "select count(*) from outbox where state = 'queued'")" = 0 ]; }
ping_of() { q "select token from pings where poc = '$1' order by id desc limit 1"; }
file_of() { ls "$out"/*".$1.pocbot" 2>/dev/null | head -1; }
shown() { q "select proof from pings where token = '$1'" | sed 's/\(....\)\(....\)\(....\)/\1-\2-\3/'; }
start_robot "$T/r/pocbot.conf"

echo "a NOMINATE with the technical POC's OpenPGP key attached inside the signed content"
printf 'NOMINATE\nType: technical\nOrganisation: CERT-Bund\nE-mail: cert@bsi.example\nPhone: +49 228 99 9582 0\n' > "$K/n1"
send "$K/a" "$anna" anna@de.example "$K/n1" "$K/t.asc" application/pgp-keys cert.asc
ok "acknowledged" answered "$id"
read_signer_reply "$(answer "$id")" "$K/a" > "$T/ack1.txt"
ok "  naming the key's fingerprint" grep -q "cert@bsi.example: OpenPGP $tfpr, expires" "$T/ack1.txt"
wait_for 30 all_sent
vt=$(ping_of DE-T-1)
ok "the verification ping is PGP/MIME encrypted" [ "$(read_reply "$(file_of "$vt")" - kind)" = pgp ]
read_reply "$(file_of "$vt")" "$K/t" > "$T/vt.txt"
ok "  the POC's gpg decrypts it: the proof code inside" grep -q "Proof code:  $(shown "$vt")" "$T/vt.txt"
ok "  the code is nowhere in the file's clear parts" \
	sh -c "! grep -q -e '$(shown "$vt")' -e '$(q "select proof from pings where token = '$vt'")' '$(file_of "$vt")'"

echo "a keyless POC, then an UPDATE giving its S/MIME certificate with the chain"
printf 'NOMINATE\nType: policy\nOrganisation: Auswaertiges Amt\nE-mail: cyber@aa.example\nPhone: +49 30 1817 0\n' > "$K/n2"
send "$K/a" "$anna" anna@de.example "$K/n2"
ok "acknowledged" answered "$id"
wait_for 30 all_sent
vk=$(ping_of DE-P-1)
ok "its verification ping is in clear, inviting a key" \
	sh -c "[ \"\$(python3 $POCBOT_TOP/tests/e2e/reply.py '$(file_of "$vk")' - kind)\" = clear ] &&
	       python3 $POCBOT_TOP/tests/e2e/reply.py '$(file_of "$vk")' - | grep -q 'No OpenPGP key or S/MIME certificate is on record'"
printf 'UPDATE\nID: DE-P-1\n' > "$K/u1"
send "$K/a" "$anna" anna@de.example "$K/u1" "$K/p.pem" application/pkix-cert cyber.pem
ok "acknowledged" answered "$id"
read_signer_reply "$(answer "$id")" "$K/a" > "$T/ack2.txt"
ok "  naming the certificate's fingerprint" grep -q "cyber@aa.example: S/MIME $pfpr, expires" "$T/ack2.txt"
ok "  on record with its chain" [ "$(q "select (length(data) - length(replace(data, 'BEGIN CERTIFICATE', ''))) / 17
	from poc_keys where poc = 'DE-P-1'")" = 2 ]
new_ping() { [ "$(ping_of DE-P-1)" != "$vk" ] && all_sent; }
ok "a new verification ping goes to the address" wait_for 30 new_ping
vp=$(ping_of DE-P-1)
ok "  S/MIME enveloped-data, naming the certificate as its key" \
	sh -c "[ \"\$(python3 $POCBOT_TOP/tests/e2e/reply.py '$(file_of "$vp")' - kind)\" = smime ] &&
	       [ '$(q "select key from pings where token = '$vp'")' = '$pfpr' ]"
read_reply "$(file_of "$vp")" "$K/p" > "$T/vp.txt"
ok "  openssl smime decrypts it with the POC's key: the proof code" \
	grep -q "Proof code:  $(shown "$vp")" "$T/vp.txt"

echo "the answers"
# reply TOKEN FROM TEXT: a person's reply to the ping, as the MTA gives it.
reply() {
	{ printf 'From: %s\nTo: ping+%s@robot.test\nSubject: Re: ping [%s]\n' "$2" "$1" "$1"
	  printf 'Message-ID: <r%s@poc.test>\nIn-Reply-To: <pocbot.%s@robot.test>\n' "$1" "$1"
	  printf 'Date: %s\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n%s\n' \
		"$(date -R)" "$3"
	} > "$T/reply"
	$P deliver --sender "$2" --recipient "ping+$1@robot.test" < "$T/reply" 2>/dev/null
}
reply "$vt" cert@bsi.example "Received, thank you. Proof code: $(shown "$vt")"
reply "$vp" cyber@aa.example "We are here."
both() { [ "$(q "select count(answered) from pings where token in ('$vt', '$vp')")" = 2 ]; }
wait_for 30 both
ok "the reply quoting the code makes the OpenPGP key proven" \
	[ -n "$(q "select proven from poc_keys where poc = 'DE-T-1'")" ]
ok "the reply without it: the address proven (active), the certificate not" \
	[ "$(q "select status || ' ' || coalesce(k.proven, 'no') from pocs p join poc_keys k
		on k.poc = p.id where p.id = 'DE-P-1'")" = "active no" ]

echo "bounds, and a signer's own key attached by its mail client"
{ printf 'UPDATE\nID: DE-T-1\n'; for i in 1 2 3 4 5 6; do printf 'Key:\n'; cat "$K/t.asc"; done; } > "$K/u2"
v0=$(q "select version || ' ' || (select count(*) from poc_keys) from pocs where id = 'DE-T-1'")
send "$K/a" "$anna" anna@de.example "$K/u2"
answered "$id"
read_signer_reply "$(answer "$id")" "$K/a" > "$T/many.txt"
ok "six Key: blocks in one form are refused (at most 5), nothing changed" \
	sh -c "grep -q 'more keys than the robot reads' '$T/many.txt' &&
	       [ \"\$(sqlite3 '$DB' \"select version || ' ' || (select count(*) from poc_keys)
		from pocs where id = 'DE-T-1'\")\" = '$v0' ]"
printf 'NOMINATE\nType: technical\nOrganisation: ANSSI\nE-mail: cert@fr.example\nPhone: +33 1 71 75 84 68\n' > "$K/n3"
send "$K/f" "$fred" fred@fr.example "$K/n3" "$K/f.asc" application/pgp-keys "OpenPGP_0x$(echo "$fred" | tail -c 17).asc"
answered "$id"
read_signer_reply "$(answer "$id")" "$K/f" > "$T/ack3.txt"
ok "a form with the signer's own public key attached (Thunderbird) is acknowledged" \
	sh -c "grep -q 'FR-T-1' '$T/ack3.txt' && [ \"\$(sqlite3 '$DB' \"select count(*) from pocs where id = 'FR-T-1'\")\" = 1 ]"
ok "  and that key is nobody's POC key" [ "$(q "select count(*) from poc_keys where fingerprint = '$fred'")" = 0 ]

echo "France looks Germany up, and writes to each POC with what the answer gave"
printf 'LOOKUP\nState: Germany\n' > "$K/l"
send "$K/f" "$fred" fred@fr.example "$K/l"
ok "the LOOKUP is answered" answered "$id"
mkdir -p "$T/a"
$MAIL "$(answer "$id")" payload "$T/a/enc" &&
	gpg --homedir "$K/f" --batch --decrypt "$T/a/enc" > "$T/a/dec.eml" 2>/dev/null
$MAIL "$T/a/dec.eml" unpack "$T/a" > "$T/a/list"
day=$(date -u +%Y-%m-%d)
ok "  the text gives the OpenPGP key, proven today" \
	grep -q "cert@bsi.example: OpenPGP $tfpr, expires .*, proven on $day" "$T/a/body.txt"
ok "  and the certificate, not proven" \
	grep -q "cyber@aa.example: S/MIME $pfpr, expires .*, not proven" "$T/a/body.txt"
ok "  keys.asc and certs.pem attached" \
	sh -c "grep -q '^keys.asc ' '$T/a/list' && grep -q '^certs.pem ' '$T/a/list'"
echo "Incident 4711: the details follow." > "$T/secret.txt"
pgp_home "$T/fresh"
gpg --homedir "$T/fresh" --batch --import "$T/a/keys.asc" 2>/dev/null
ok "gpg, with keys.asc alone, encrypts to cert@bsi.example; the POC decrypts it" \
	sh -c "gpg --homedir '$T/fresh' --batch --trust-model always -r cert@bsi.example \
		-o '$T/s.gpg' -e '$T/secret.txt' 2>/dev/null &&
	       gpg --homedir '$K/t' --batch -d '$T/s.gpg' 2>/dev/null | cmp -s - '$T/secret.txt'"
awk '/BEGIN/ { n++ } n == 1' "$T/a/certs.pem" > "$T/a/first.pem"
ok "openssl, with certs.pem alone, encrypts to cyber@aa.example; the POC decrypts it" \
	sh -c "openssl verify -CAfile '$T/a/certs.pem' '$T/a/first.pem' >/dev/null 2>&1 &&
	       openssl smime -encrypt -aes256 -in '$T/secret.txt' -out '$T/s.p7m' '$T/a/first.pem' &&
	       openssl smime -decrypt -in '$T/s.p7m' -recip '$K/p/cert.pem' -inkey '$K/p/key.pem' |
	       tr -d '\r' | cmp -s - '$T/secret.txt'"
echo "answers encrypted to the robot (as mail clients answer an encrypted ping)"
mkdir -p "$T/rk"
$P keys export "$T/rk" >/dev/null
code() { sed -n 's/.*Proof code:  *\([A-Za-z0-9-]*\).*/\1/p' "$1" | head -1; }
# reply_in TOKEN FROM ENTITY: a reply whose body is ENTITY (its MIME fields,
# a blank line, its body: the encrypted entity), as the MTA gives it.
reply_in() {
	{ printf 'From: %s\nTo: ping+%s@robot.test\nSubject: Re: ping [%s]\n' "$2" "$1" "$1"
	  printf 'Message-ID: <e%s@poc.test>\nIn-Reply-To: <pocbot.%s@robot.test>\n' "$1" "$1"
	  printf 'Date: %s\nMIME-Version: 1.0\n' "$(date -R)"; grep -v '^MIME-Version:' "$3"
	} > "$T/reply"
	$P deliver --sender "$2" --recipient "ping+$1@robot.test" < "$T/reply" 2>/dev/null
}
printf 'Content-Type: text/plain; charset=utf-8\n\nHere we are.\n> Proof code:  %s\n' \
	"$(code "$T/vp.txt")" | crlf > "$T/in1"
openssl smime -encrypt -aes256 -in "$T/in1" -out "$T/enc1" "$T/rk/pocbot.pem"
ok "the policy POC answers its ping again, S/MIME encrypted to the robot's certificate" \
	sh -c "grep -q 'smime-type=enveloped-data' '$T/enc1' && ! grep -q '$(code "$T/vp.txt")' '$T/enc1'"
reply_in "$vp" cyber@aa.example "$T/enc1"
proven() { [ -n "$(q "select proven from poc_keys where poc = '$1'")" ]; }
ok "  the code inside makes its certificate proven" wait_for 30 proven DE-P-1
ok "  the event says so" [ "$(q "select count(*) from ping_events e join pings p on p.id = e.ping
	where p.token = '$vp' and e.detail like '%key proven'")" = 1 ]
$P poc recheck DE-T-1 cert@bsi.example >/dev/null
new_t() { [ "$(ping_of DE-T-1)" != "$vt" ] && all_sent; }
ok "a fresh verification ping to the technical POC" wait_for 30 new_t
vt2=$(ping_of DE-T-1)
read_reply "$(file_of "$vt2")" "$K/t" > "$T/vt2.txt"
gpg --homedir "$K/t" --batch --import "$T/rk/pocbot.asc" 2>/dev/null
rfpr=$(gpg --homedir "$K/t" --with-colons -k pocbot@robot.test | awk -F: '$1 == "fpr" { print $10; exit }')
printf 'Content-Type: text/plain; charset=utf-8\n\nProof code: %s\n' "$(code "$T/vt2.txt")" |
	crlf > "$T/in2"
{ printf 'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="e"\n\n'
  printf -- '--e\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n'
  printf -- '--e\nContent-Type: application/octet-stream; name="encrypted.asc"\n\n'
  gpg --homedir "$K/t" --batch --trust-model always --armor -r "$rfpr" -e < "$T/in2"
  printf -- '--e--\n'; } > "$T/enc2"
ok "it answers PGP/MIME encrypted to the robot's key, quoting the code" \
	sh -c "[ -n '$(code "$T/vt2.txt")' ] && grep -q 'BEGIN PGP MESSAGE' '$T/enc2'"
reply_in "$vt2" cert@bsi.example "$T/enc2"
keyed() { [ "$(q "select count(*) from ping_events e join pings p on p.id = e.ping
	where p.token = '$vt2' and e.detail like '%key proven'")" = 1 ]; }
ok "  its OpenPGP key is proven again" wait_for 30 keyed
ok "  the robot logged no decrypted text" \
	sh -c "! grep -rq -e '$(code "$T/vt2.txt")' -e '$(code "$T/vp.txt")' '$T/r/serve.log'"
ok "nothing quarantined" [ -z "$(ls "$T/r/var/spool/quarantine")" ]
stop_robot
ok "audit verify passes" pocbot 0 audit verify
finish
