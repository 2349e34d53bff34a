#!/bin/sh
# poc-key-given.sh - the POCs' keys given out (issue 20, item 4) through
# the real binary. Germany's technical POC has an OpenPGP key (made by gpg,
# proven), its policy POC an S/MIME certificate with its CA chain (made by
# openssl, expiring in 40 days), a withdrawn POC a key that is never given;
# France's POC has none. The keys are put on record by put_key (sqlite3, as
# the forms branch will by a signed form: the one step to swap).
#   - poc show gives each address's key: protocol, fingerprint, expiry,
#     proven or not; the withdrawn POC's is not shown;
#   - export: the CSV (key columns aligned with the addresses), the JSON
#     (keys: address, protocol, fingerprint, expires, proven, key) and the
#     vCard (KEY as a data: URI, X-POCBOT-KEY) carry them, read back by
#     python and compared with the files gpg and openssl made;
#   - a LOOKUP of Germany by France's authority is answered with both keys
#     in the text, and keys.asc and certs.pem attached; a message encrypted
#     with gpg (a fresh home importing only keys.asc) and with openssl
#     smime (certs.pem's first certificate) is decrypted by the POCs' own
#     keys; certs.pem's chain verifies the certificate; an EXTRACT asking
#     for text alone carries the same two files;
#   - the certificate expiring within 30 days (the robot's clock moved) is
#     warned to Germany's authority signer, encrypted to its key, once: a
#     day later the daily check runs again and sends nothing;
#   - status counts the keys on record and those expiring (text, JSON).
. "$(dirname "$0")/../e2e/lib.sh"
. "$POCBOT_TOP/tests/lib/keys.sh"
MAIL="python3 $POCBOT_TOP/tests/e2e/lookups-mail.py"
K=$T/k
mkdir -p "$K" "$T/r"

port=$(free_port)
now=$(date +%s)
echo "$now" > "$T/r/clock"
# at SECONDS: the robot's clock SECONDS after the start, written at once.
at() { echo $((now + $1)) > "$T/r/clock.new" && mv "$T/r/clock.new" "$T/r/clock"; }
write_config "$T/r/pocbot.conf" "$port" "[test]" "clock_file = clock"
P="$POCBOT -c $T/r/pocbot.conf"
DB=$T/r/var/pocbot.db
$P db migrate >/dev/null
for s in DE FR; do $P state add $s >/dev/null; done

echo "the directory"
sqlite3 "$DB" <<EOF || echo "    seeding failed" >&2
INSERT INTO pocs (id, state, type, number, organisation, status, version, created, updated,
	withdrawn_reason)
 VALUES ('DE-T-1', 'DE', 'technical', 1, 'CERT-Bund', 'active', 1, 1700000000, 1700000000, NULL),
 ('DE-P-1', 'DE', 'policy', 1, 'Auswärtiges Amt', 'active', 1, 1700000000, 1700000000, NULL),
 ('DE-T-2', 'DE', 'technical', 2, 'Old CERT', 'withdrawn', 2, 1700000000, 1700000100, 'merged'),
 ('FR-T-1', 'FR', 'technical', 1, 'CERT-FR', 'active', 1, 1700000000, 1700000000, NULL);
INSERT INTO poc_emails (poc, position, address) VALUES ('DE-T-1', 0, 'cert@de.example'),
 ('DE-T-1', 1, 'soc@de.example'), ('DE-P-1', 0, 'cyber@aa.de.example'),
 ('DE-T-2', 0, 'old@de.example'), ('FR-T-1', 0, 'cert@fr.example');
INSERT INTO poc_counters (state, type, next) VALUES ('DE', 'technical', 3), ('DE', 'policy', 2),
 ('FR', 'technical', 2);
EOF

# put_key POC ADDRESS FILE [PROVEN]: puts FILE (an armoured OpenPGP key, or
# a PEM certificate then its chain) on record as ADDRESS's key, its
# fingerprint and expiry read by gpg or openssl. The forms branch replaces
# this with a signed NOMINATE or UPDATE carrying the key.
put_key() {
	if grep -q 'BEGIN PGP PUBLIC KEY' "$3"; then
		_pk_proto=openpgp
		_pk_cols=$(gpg --batch --with-colons --show-keys "$3" 2>/dev/null)
		_pk_fpr=$(echo "$_pk_cols" | awk -F: '$1 == "fpr" { print $10; exit }')
		_pk_exp=$(echo "$_pk_cols" | awk -F: '$1 == "pub" { print $7; exit }')
	else
		_pk_proto=smime
		_pk_fpr=$(openssl x509 -in "$3" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
		_pk_exp=$(date -d "$(openssl x509 -in "$3" -noout -enddate | sed 's/.*=//')" +%s)
	fi
	sqlite3 "$DB" "INSERT INTO poc_keys (poc, address, protocol, fingerprint, expires, data, added,
		proven) VALUES ('$1', '$2', '$_pk_proto', '$_pk_fpr', nullif('${_pk_exp:-}', ''),
		CAST(readfile('$3') AS TEXT), $now, ${4:-NULL})"
}

echo "the POCs' keys, made by gpg and openssl"
pgp_home "$K/t"
gpg --homedir "$K/t" --batch --pinentry-mode loopback --passphrase '' \
	--quick-gen-key "CERT-Bund <cert@de.example>" future-default default 2y 2>/dev/null
tfpr=$(gpg --homedir "$K/t" --with-colons --list-keys | awk -F: '$1 == "fpr" { print $10; exit }')
gpg --homedir "$K/t" --batch --armor --export-options export-minimal --export "$tfpr" > "$K/t.asc"
ca_make "$K/ca"
mkdir -p "$K/p"
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=emailProtection\nsubjectAltName=email:cyber@aa.de.example\n' > "$K/p/ext.cnf"
openssl req -newkey rsa:2048 -nodes -keyout "$K/p/key.pem" -out "$K/p/req.pem" \
	-subj "/CN=cyber@aa.de.example" 2>/dev/null
openssl x509 -req -in "$K/p/req.pem" -CA "$K/ca/ca.pem" -CAkey "$K/ca/ca.key" -CAcreateserial \
	-days 40 -sha256 -extfile "$K/p/ext.cnf" -out "$K/p/cert.pem" 2>/dev/null
cat "$K/p/cert.pem" "$K/ca/ca.pem" > "$K/p/with-chain.pem"
pfpr=$(openssl x509 -in "$K/p/cert.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
pgp_home "$K/w"
gpg --homedir "$K/w" --batch --pinentry-mode loopback --passphrase '' \
	--quick-gen-key "Old <old@de.example>" future-default default 2y 2>/dev/null
wfpr=$(gpg --homedir "$K/w" --with-colons --list-keys | awk -F: '$1 == "fpr" { print $10; exit }')
gpg --homedir "$K/w" --batch --armor --export "$wfpr" > "$K/w.asc"
proven=$((now - 86400))
put_key DE-T-1 cert@de.example "$K/t.asc" $proven
put_key DE-P-1 cyber@aa.de.example "$K/p/with-chain.pem"
put_key DE-T-2 old@de.example "$K/w.asc"
ok "three keys on record" [ "$(sqlite3 "$DB" 'SELECT count(*) FROM poc_keys')" -eq 3 ]
texp=$(sqlite3 "$DB" "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', expires, 'unixepoch') FROM poc_keys WHERE poc = 'DE-T-1'")
pexp=$(sqlite3 "$DB" "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', expires, 'unixepoch') FROM poc_keys WHERE poc = 'DE-P-1'")
piso=$(date -u -d "@$proven" +%Y-%m-%dT%H:%M:%SZ)

echo "poc show"
ok "DE-T-1: its OpenPGP key, expiry, proven on" pocbot 0 poc show DE-T-1
ok "  the line" said "^key  *cert@de.example openpgp $tfpr, expires $texp, proven on $piso$"
ok "  and none for its second address" sh -c "[ \$(grep -c '^key ' '$OUT') -eq 1 ]"
ok "DE-P-1: its certificate, not proven" pocbot 0 poc show DE-P-1
ok "  the line" said "^key  *cyber@aa.de.example smime $pfpr, expires $pexp, not proven$"
ok "the withdrawn DE-T-2: no key shown" pocbot 0 poc show DE-T-2
ok "  none" sh -c "! grep -q '^key' '$OUT'"

echo "export"
ok "CSV" pocbot 0 export --format csv -o "$T/d.csv"
ok "  key columns aligned with the addresses, expiry, proven" python3 - "$T/d.csv" "$tfpr" "$pfpr" "$texp" "$pexp" "$piso" <<'EOF'
import csv, sys
path, tfpr, pfpr, texp, pexp, piso = sys.argv[1:]
rows = {r["id"]: r for r in csv.DictReader(open(path, encoding="utf-8", newline=""))}
assert set(rows) == {"DE-T-1", "DE-P-1", "FR-T-1"}, rows.keys()
t, p, f = rows["DE-T-1"], rows["DE-P-1"], rows["FR-T-1"]
assert t["emails"] == "cert@de.example; soc@de.example", t
assert t["key_protocols"] == "openpgp; " and t["key_fingerprints"] == tfpr + "; ", t
assert t["key_expires"] == texp + "; " and t["key_proven"] == piso + "; ", t
assert (p["key_protocols"], p["key_fingerprints"]) == ("smime", pfpr), p
assert (p["key_expires"], p["key_proven"]) == (pexp, "no"), p
assert f["key_protocols"] == f["key_fingerprints"] == f["key_expires"] == f["key_proven"] == "", f
EOF
ok "JSON" pocbot 0 export --format json -o "$T/d.json"
ok "  keys: address, protocol, fingerprint, expires, proven, key (the files themselves)" \
	python3 - "$T/d.json" "$tfpr" "$pfpr" "$texp" "$pexp" "$piso" "$K/t.asc" "$K/p/with-chain.pem" <<'EOF'
import json, sys
path, tfpr, pfpr, texp, pexp, piso, tfile, pfile = sys.argv[1:]
rows = {r["id"]: r for r in json.load(open(path, encoding="utf-8"))}
assert set(rows) == {"DE-T-1", "DE-P-1", "FR-T-1"}, rows.keys()
assert rows["DE-T-1"]["keys"] == [{"address": "cert@de.example", "protocol": "openpgp",
    "fingerprint": tfpr, "expires": texp, "proven": piso, "key": open(tfile).read()}], rows["DE-T-1"]
assert rows["DE-P-1"]["keys"] == [{"address": "cyber@aa.de.example", "protocol": "smime",
    "fingerprint": pfpr, "expires": pexp, "proven": None, "key": open(pfile).read()}], rows["DE-P-1"]
assert rows["FR-T-1"]["keys"] == []
EOF
openssl x509 -in "$K/p/cert.pem" -outform DER -out "$K/p/cert.der"
ok "vCard" pocbot 0 export --format vcard -o "$T/d.vcf"
ok "  KEY as data: URIs (the armoured key; the certificate's DER), X-POCBOT-KEY, folded" \
	python3 - "$T/d.vcf" "$tfpr" "$pfpr" "$texp" "$pexp" "$piso" "$K/t.asc" "$K/p/cert.der" <<'EOF'
import base64, sys
path, tfpr, pfpr, texp, pexp, piso, tfile, pder = sys.argv[1:]
raw = open(path, encoding="utf-8", newline="").read()
assert all(len(l.encode()) <= 75 for l in raw.split("\r\n")), "a line past 75 octets"
cards = raw.replace("\r\n ", "").split("END:VCARD\r\n")
card = {c.split("X-POCBOT-ID:")[1].split("\r\n")[0]: c.split("\r\n") for c in cards if c}
def props(cid, name):
    return [l for l in card[cid] if l.split(":")[0].split(";")[0].upper().endswith(name)]
(k,) = props("DE-T-1", ".KEY")
head, uri = k.split(":", 1)
assert head == "key1.KEY;MEDIATYPE=application/pgp-keys", head
assert uri.startswith("data:application/pgp-keys;base64,"), uri[:40]
assert base64.b64decode(uri.split(",", 1)[1]).decode() == open(tfile).read()
assert props("DE-T-1", ".X-POCBOT-KEY") == ["key1.X-POCBOT-KEY:cert@de.example;openpgp;%s;%s;%s" % (tfpr, texp, piso)]
(k,) = props("DE-P-1", ".KEY")
head, uri = k.split(":", 1)
assert head == "key1.KEY;MEDIATYPE=application/pkix-cert", head
assert base64.b64decode(uri.split("base64,", 1)[1]) == open(pder, "rb").read()
assert props("DE-P-1", ".X-POCBOT-KEY") == ["key1.X-POCBOT-KEY:cyber@aa.de.example;smime;%s;%s;no" % (pfpr, pexp)]
assert props("FR-T-1", ".KEY") == []
EOF
ok "the withdrawn POC's key is in no export" sh -c "! grep -q '$wfpr' '$T/d.csv' '$T/d.json' && ! grep -q 'old@de' '$T/d.vcf'"
if /usr/bin/python3 -c 'import vobject' 2>/dev/null; then
	ok "  vobject reads the cards, KEY included" /usr/bin/python3 -c '
import sys, vobject
cards = list(vobject.readComponents(open(sys.argv[1], encoding="utf-8").read()))
assert len(cards) == 3 and sum(len(c.contents.get("key", [])) for c in cards) == 2' "$T/d.vcf"
fi

echo "signers"
dora=$(pgp_person "$K/d" "Dora <dora@de.example>" "$K/d.asc")
ok "Germany's authority is enrolled" $P signer add --state DE --role authority --pgp "$K/d.asc"
fred=$(pgp_person "$K/f" "Fred <fred@fr.example>" "$K/f.asc")
ok "France's authority is enrolled" $P signer add --state FR --role authority --pgp "$K/f.asc"
start_robot "$T/r/pocbot.conf"
out=$T/r/var/outbox/new
ok "the daily check of POC keys ran at the start, telling no one (40 days ahead)" \
	wait_for 20 sh -c "[ \"\$(sqlite3 '$DB' \"SELECT last FROM timer_runs WHERE name = 'poc-key-expiry'\")\" = $now ]"
ok "  no warning queued" [ "$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE purpose = 'poc-key-expiry'")" -eq 0 ]

echo "a LOOKUP of Germany by France"
printf 'Dear colleagues,\n\nLOOKUP\nState: Germany\n' > "$K/q"
pgp_mime "$K/f" "$fred" fred@fr.example "x" "$K/q" "$K/m"
sed "s/^Message-ID: <.*>/Message-ID: <look1@test.example>/" "$K/m" > "$K/m1"
$P deliver --sender fred@fr.example --recipient pocbot@robot.test < "$K/m1"
answer() { grep -l '^In-Reply-To: <look1@test.example>' "$out"/* 2>/dev/null | head -1; }
ok "answered" wait_for 30 sh -c "grep -l '^In-Reply-To: <look1@test.example>' '$out'/* >/dev/null 2>&1"
read_reply "$(answer)" "$K/f" > "$T/look.txt"
ok "read by fred: the text gives each key with its fingerprint, expiry, proven" [ -s "$T/look.txt" ]
ok "  DE-T-1's OpenPGP key, proven" grep -qF "  Encryption key: cert@de.example: OpenPGP $tfpr, expires ${texp%%T*}, proven on ${piso%%T*}" "$T/look.txt"
ok "  DE-P-1's certificate, not proven" grep -qF "  Encryption key: cyber@aa.de.example: S/MIME $pfpr, expires ${pexp%%T*}, not proven" "$T/look.txt"
ok "  the attachments named in the text" grep -q "keys.asc, certs.pem" "$T/look.txt"
mkdir -p "$T/a"
$MAIL "$(answer)" payload "$T/a/enc" && gpg --homedir "$K/f" --batch --decrypt "$T/a/enc" > "$T/a/dec.eml" 2>/dev/null
$MAIL "$T/a/dec.eml" unpack "$T/a" > "$T/a/list"
ok "attachments: the three formats, keys.asc, certs.pem" \
	[ "$(cut -d' ' -f1 "$T/a/list" | tr '\n' ' ')" = "directory.csv directory.vcf directory.json keys.asc certs.pem " ]
ok "  as application/pgp-keys and application/pem-certificate-chain" \
	sh -c "grep -qx 'keys.asc application/pgp-keys' '$T/a/list' && grep -qx 'certs.pem application/pem-certificate-chain' '$T/a/list'"
ok "  keys.asc: the technical POC's key, not the withdrawn one's" \
	sh -c "gpg --batch --with-colons --show-keys '$T/a/keys.asc' 2>/dev/null | awk -F: '\$1 == \"fpr\" && \$10 ~ /^$tfpr$/ { t++ } \$1 == \"pub\" { n++ } END { exit !(t == 1 && n == 1) }'"
ok "  certs.pem: the certificate, then its chain, which verifies it" \
	sh -c "[ \$(grep -c 'BEGIN CERTIFICATE' '$T/a/certs.pem') -eq 2 ] && awk '/BEGIN/ { n++ } n == 2' '$T/a/certs.pem' > '$T/a/chain.pem' && openssl verify -CAfile '$T/a/chain.pem' '$T/a/certs.pem' >/dev/null 2>&1"

printf 'Dear colleagues,\n\nEXTRACT\nFormat: text\n' > "$K/q"
pgp_mime "$K/f" "$fred" fred@fr.example "x" "$K/q" "$K/m"
sed "s/^Message-ID: <.*>/Message-ID: <ext1@test.example>/" "$K/m" > "$K/m2"
$P deliver --sender fred@fr.example --recipient pocbot@robot.test < "$K/m2"
ok "an EXTRACT (text only) is answered" \
	wait_for 30 sh -c "grep -l '^In-Reply-To: <ext1@test.example>' '$out'/* >/dev/null 2>&1"
mkdir -p "$T/x"
$MAIL "$(grep -l '^In-Reply-To: <ext1@test.example>' "$out"/* | head -1)" payload "$T/x/enc" &&
	gpg --homedir "$K/f" --batch --decrypt "$T/x/enc" > "$T/x/dec.eml" 2>/dev/null
$MAIL "$T/x/dec.eml" unpack "$T/x" > "$T/x/list"
ok "  with keys.asc and certs.pem alone (no format asked), the same keys" \
	sh -c "[ \"\$(cut -d' ' -f1 '$T/x/list' | tr '\n' ' ')\" = 'keys.asc certs.pem ' ] &&
	cmp -s '$T/x/keys.asc' '$T/a/keys.asc' && cmp -s '$T/x/certs.pem' '$T/a/certs.pem'"

echo "France writes to each POC with only what the answer gave"
echo "Incident 4711: confidential details follow." > "$T/secret.txt"
pgp_home "$T/fresh"
gpg --homedir "$T/fresh" --batch --import "$T/a/keys.asc" 2>/dev/null
ok "gpg (a fresh home, keys.asc alone) encrypts to cert@de.example" \
	sh -c "gpg --homedir '$T/fresh' --batch --trust-model always --armor -r cert@de.example -o '$T/secret.asc' -e '$T/secret.txt' 2>/dev/null"
ok "  the POC's own key decrypts it" \
	sh -c "gpg --homedir '$K/t' --batch --decrypt '$T/secret.asc' 2>/dev/null | cmp -s - '$T/secret.txt'"
awk '/BEGIN/ { n++ } n == 1' "$T/a/certs.pem" > "$T/a/first.pem"
ok "openssl smime encrypts to certs.pem's first certificate" \
	sh -c "openssl smime -encrypt -aes256 -in '$T/secret.txt' -out '$T/secret.p7m' '$T/a/first.pem' 2>/dev/null"
ok "  the POC's own key decrypts it" \
	sh -c "openssl smime -decrypt -in '$T/secret.p7m' -recip '$K/p/cert.pem' -inkey '$K/p/key.pem' 2>/dev/null | tr -d '\\r' | cmp -s - '$T/secret.txt'"

echo "an expiring key, warned to the State's authority signers, once"
at $((15 * 86400))
ok "15 days later (25 to go) the daily check warns" \
	wait_for 20 sh -c "[ \"\$(sqlite3 '$DB' \"SELECT count(*) FROM outbox WHERE purpose = 'poc-key-expiry'\")\" -eq 1 ]"
ok "  to Germany's authority alone" \
	[ "$(sqlite3 "$DB" "SELECT rcpt FROM outbox WHERE purpose = 'poc-key-expiry'")" = dora@de.example ]
tok=$(sqlite3 "$DB" "SELECT token FROM outbox WHERE purpose = 'poc-key-expiry'")
ok "  delivered" wait_for 20 sh -c "ls '$out' | grep -q '$tok'"
warn=$(ls "$out"/*"$tok"* 2>/dev/null | head -1)
read_signer_reply "$warn" "$K/d" > "$T/warn.txt"
ok "  encrypted to dora, who reads it" [ -s "$T/warn.txt" ]
ok "  naming the POC, address, fingerprint, expiry, days" sh -c "grep -q 'DE-P-1 (Auswärtiges Amt)' '$T/warn.txt' &&
	grep -q 'cyber@aa.de.example' '$T/warn.txt' && grep -q '$pfpr' '$T/warn.txt' &&
	grep -q 'in 25 day(s), on ${pexp%%T*}' '$T/warn.txt'"
ok "  the OpenPGP key (2 years) is not warned of" sh -c "! grep -q '$tfpr' '$T/warn.txt'"
at $((16 * 86400))
ok "a day later the daily check runs again" \
	wait_for 20 sh -c "[ \"\$(sqlite3 '$DB' \"SELECT last FROM timer_runs WHERE name = 'poc-key-expiry'\")\" = $((now + 16 * 86400)) ]"
ok "  and warns no one twice" \
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE purpose = 'poc-key-expiry'")" -eq 1 ]

echo "status"
ok "text: 2 on record, 1 expiring (the withdrawn POC's not counted)" pocbot 0 status
ok "  the line" said "^POC keys: *2 on record, 1 expired or expiring within 30d$"
ok "JSON" pocbot 0 status --format json
ok "  poc_keys {count 2, expiring 1}" python3 -c '
import json, sys
assert json.load(open(sys.argv[1]))["poc_keys"] == {"count": 2, "expiring": 1}' "$OUT"
ok "the audit chain verifies" sh -c "$P audit verify >/dev/null"
ok "nothing quarantined" [ -z "$(ls "$T/r/var/spool/quarantine")" ]
stop_robot
keys_cleanup "$K" "$T/fresh"
finish
