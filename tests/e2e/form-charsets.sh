#!/bin/sh
# form-charsets.sh - nomination forms written natively in the six languages,
# in UTF-8 and in each language's legacy charsets (Arabic windows-1256 and
# ISO-8859-6; Chinese GB2312, GBK, GB18030 and Big5; Russian KOI8-R and
# windows-1251; French and Spanish ISO-8859-1, ISO-8859-15, windows-1252),
# as quoted-printable, base64 and 8bit bodies with RFC 2047 subjects, some
# with no charset declared; and replies that quote the robot's blank form
# (FORM) filled in, from each language. The cases are written by
# form-charsets.py as ready MIME entities; each is signed here, PGP/MIME
# with gpg or S/MIME with openssl, over the entity that carries the charset
# and the transfer encoding, and sent through the real binary. All are sent,
# then waited for once: each must be answered in its own language with its
# record stored (organisation exactly as written, in UTF-8; type; e-mail;
# E.164 phone; language codes).
. "$(dirname "$0")/lib.sh"
. "$POCBOT_TOP/tests/lib/keys.sh"
MAILFILE="python3 $POCBOT_TOP/tests/e2e/mailfile.py"
K=$T/k C=$T/c
mkdir -p "$K" "$T/r"
port=$(free_port)
write_config "$T/r/pocbot.conf" "$port"
P="$POCBOT -c $T/r/pocbot.conf"
$P db migrate >/dev/null
$P state add FR >/dev/null

# France's signers: one OpenPGP, one S/MIME (a certificate from a test CA).
fr=$(pgp_person "$K/a" "Alice <alice@fr.example>" "$K/fr.asc")
$P signer add --state FR --role authority --pgp "$K/fr.asc" >/dev/null
ca_make "$K/ca"
smime_signer "$K/ca" "$K/s" dupont@fr.example >/dev/null
$P signer add --state FR --role authority --smime "$K/s/cert.pem" --chain "$K/s/chain.pem" >/dev/null

python3 "$POCBOT_TOP/tests/e2e/form-charsets.py" "$POCBOT_TOP" "$C" || { echo "form-charsets.py failed" >&2; exit 1; }
N=$(wc -l < "$C/index")
start_robot "$T/r/pocbot.conf"
out=$T/r/var/outbox/new
TAB=$(printf '\t')

echo "signing and sending $N forms"
while IFS=$TAB read -r name lang sign email what <&3; do
	subject=$(cat "$C/$name.subject")
	if [ "$sign" = smime ]; then
		smime_mime_entity "$K/s" dupont@fr.example "$subject" "$C/$name.entity" "$C/$name.eml" "$name@charsets.test"
		from=dupont@fr.example
	else
		pgp_mime_entity "$K/a" "$fr" alice@fr.example "$subject" "$C/$name.entity" "$C/$name.eml" "$name@charsets.test"
		from=alice@fr.example
	fi
	$P deliver --sender "$from" --recipient pocbot@robot.test < "$C/$name.eml" 2>>"$T/deliver.log"
done 3< "$C/index"

# wait_answers: waits until every case is answered, for at most 150 s, and
# stops early when no new answer came for 30 s (the robot retries a failed
# message only minutes later). 1 if some are unanswered.
answers() { grep -h '^In-Reply-To: <c[0-9]*@charsets.test>' "$out"/* 2>/dev/null | sort -u | wc -l; }
wait_answers() {
	_wa_t=0 _wa_idle=0 _wa_last=-1
	while [ "$_wa_t" -lt 300 ] && [ "$_wa_idle" -lt 60 ]; do
		_wa_n=$(answers)
		[ "$_wa_n" -ge "$N" ] && return 0
		if [ "$_wa_n" = "$_wa_last" ]; then _wa_idle=$((_wa_idle + 1)); else _wa_idle=0 _wa_last=$_wa_n; fi
		_wa_t=$((_wa_t + 1))
		sleep 0.5
	done
	return 1
}
if ! wait_answers; then
	echo "  not every message was answered in time; the robot logged:" >&2
	grep -E 'failed|cannot' "$T/r/serve.log" | sed 's/^[^ ]* pocbot: //; s/^[0-9.]*P[0-9]*\.R[0-9a-f]*: //' |
		sort | uniq -c | sort -rn | head -5 | sed 's/^/    /' >&2
fi

# stored EMAIL: the record holding EMAIL, as form-charsets.py writes N.expect:
# organisation|type|state|e-mails|E.164 phones|language codes
stored() {
	sqlite3 "$T/r/var/pocbot.db" "select p.organisation || '|' || p.type || '|' || p.state || '|' ||
		(select group_concat(address, ',') from poc_emails where poc = p.id) || '|' ||
		(select group_concat(ifnull(e164, '?'), ',') from poc_phones where poc = p.id) || '|' ||
		(select group_concat(code, ',') from poc_languages where poc = p.id)
		from pocs p where p.id in (select poc from poc_emails where address = '$1')"
}

# acknowledged NAME LANG EMAIL SIGN: NAME was answered with LANG's
# acknowledgement, encrypted to its signer (SIGN: pgp or smime), and its
# record is stored as expected; says what went wrong otherwise.
acknowledged() {
	[ -f "$C/$1.reply.kind" ] || { echo "       no reply" >&2; return 1; }
	[ "$(cat "$C/$1.reply.kind")" != clear ] || { echo "       the reply is not encrypted" >&2; return 1; }
	[ -f "$C/$1.reply" ] || { echo "       the reply cannot be decrypted with $4's key" >&2; return 1; }
	_got=$(cat "$C/$1.reply.subject")
	_want=$(sed -n '1s/^Subject: //p' "$POCBOT_TOP/templates/$2/ack.txt")
	if [ "$_got" != "$_want" ] || [ ! -s "$C/$1.reply" ]; then
		echo "       reply: $_got" >&2
		grep -E '[0-9]+ ?[:：]' "$C/$1.reply" | head -4 | sed 's/^/       | /' >&2
		return 1
	fi
	_rec=$(stored "$3")
	[ "$_rec" = "$(cat "$C/$1.expect")" ] && return 0
	echo "       stored: $_rec" >&2
	echo "       wanted: $(cat "$C/$1.expect")" >&2
	return 1
}

# every reply read as its signer reads it, in one reply.py (read_reply's
# reader): $C/NAME.reply (the decrypted text), .reply.kind, .reply.subject
while IFS=$TAB read -r name lang sign email what <&3; do
	_f=$(grep -l "^In-Reply-To: <$name@charsets.test>" "$out"/* 2>/dev/null | head -1)
	_keys=$K/a
	[ "$sign" = smime ] && _keys=$K/s
	[ -n "$_f" ] && printf '%s\t%s\t%s\n' "$_f" "$_keys" "$C/$name.reply"
done 3< "$C/index" | python3 "$POCBOT_TOP/tests/e2e/reply.py" --batch

echo "forms in six languages and their charsets, answered in their language and stored"
while IFS=$TAB read -r name lang sign email what <&3; do
	ok "$what" acknowledged "$name" "$lang" "$email" "$sign"
done 3< "$C/index"
ok "every form made exactly one POC" [ "$(sqlite3 "$T/r/var/pocbot.db" "select count(*) from pocs")" = "$N" ]
keys_cleanup "$K"
finish
