#!/bin/sh
# answers-lang.sh - every answer in one language: a French NOMINATION,
# UPDATE, WITHDRAW and DRY-RUN signed by France's enrolled signer are
# answered with State names, type words, language names and status words
# in French (no English word of templates/en, no bare State code), as is
# the notice to France's other signer; a DRY-RUN says so in its subject and
# holds no form; the notice to a French-speaking POC's address is in French;
# an e-mail value with no @ and a phone number with no international prefix
# are told what is wrong; a Russian nomination and withdrawal, the same in
# Russian.
. "$(dirname "$0")/lib.sh"
. "$POCBOT_TOP/tests/lib/keys.sh"
MAILFILE="python3 $POCBOT_TOP/tests/e2e/mailfile.py"
TPL=$POCBOT_TOP/templates
K=$T/k
mkdir -p "$K" "$T/r"
port=$(free_port)
write_config "$T/r/pocbot.conf" "$port"
P="$POCBOT -c $T/r/pocbot.conf"
$P state add FR >/dev/null
$P state add RU >/dev/null
fr=$(pgp_person "$K/a" "Alice <alice@fr.example>" "$K/fr.asc")
$P signer add --state FR --role authority --pgp "$K/fr.asc" >/dev/null
bob=$(pgp_person "$K/b" "Bob <bob@fr.example>" "$K/bob.asc")
$P signer add --state FR --role authority --pgp "$K/bob.asc" >/dev/null
ru=$(pgp_person "$K/r" "Ivan <ivan@ru.example>" "$K/ru.asc")
$P signer add --state RU --role authority --pgp "$K/ru.asc" >/dev/null
start_robot "$T/r/pocbot.conf"
out=$T/r/var/outbox/new

# signed HOME FPR FROM ID FILE: FILE signed as PGP/MIME, Message-ID <ID@test.example>, delivered.
signed() {
	pgp_mime "$1" "$2" "$3" "forms" "$5" "$K/m"
	sed "s/^Message-ID: <.*>/Message-ID: <$4@test.example>/" "$K/m" |
		$P deliver --sender "$3" --recipient pocbot@robot.test 2>>"$T/deliver.log"
}
reply_to() { grep -l "^In-Reply-To: <$1@test.example>" "$out"/* 2>/dev/null | head -1; }
# replied ID KEYS: waits for the answer to ID and reads it into $T/ID.txt.
replied() {
	wait_for 30 sh -c "grep -l '^In-Reply-To: <$1@test.example>' '$out'/* >/dev/null 2>&1" &&
		read_reply "$(reply_to "$1")" "$2" > "$T/$1.txt"
}
subject_of() { $MAILFILE "$(reply_to "$1")" Subject; }
tpl_subject() { sed -n '1s/^Subject: //p' "$TPL/$1/$2.txt"; }

# The English words an answer could leak, taken from templates/en: the type
# words (the first of each words.txt type-*, the one answers write), the status words (lookup-phrases.txt status-*),
# the change block's words (problems.txt field-was, field-now, created,
# updated, withdrawn), and the English names of the six languages
# (db/languages.tsv).
{
	sed -n 's/^type-[a-z-]*: *\([^,]*\).*/\1/p' "$TPL/en/words.txt"
	sed -n 's/^status-[a-z]*: *\([^ (]*\).*/\1/p' "$TPL/en/lookup-phrases.txt"
	sed -n 's/^\(field-was\|field-now\|created\|updated\|withdrawn\): *//p' "$TPL/en/problems.txt"
	awk -F'\t' '$1 ~ /^(en|fr|es|ru|zh|ar)$/ { print $3 }' "$POCBOT_TOP/db/languages.tsv"
} | sed 's/^ *//; s/ *$//' | grep . | sort -u > "$T/english"
ok "the English word list is built from templates/en ($(wc -l < "$T/english") words)" \
	sh -c "grep -qx technical '$T/english' && grep -qx pending '$T/english' && grep -qx withdrawn '$T/english' && grep -qx French '$T/english'"

# clean CODE FILE...: no FILE holds a word of the English list (whole
# words, any case) or a bare CODE (an identifier such as FR-T-1 is not one);
# the English text beside a POC notice is not looked at.
clean() {
	python3 - "$T/english" "$@" <<'PY'
import re, sys
words = [w for w in open(sys.argv[1], encoding="utf-8").read().split("\n") if w]
code, failed = sys.argv[2], False
for name in sys.argv[3:]:
    text = open(name, encoding="utf-8").read().split("-------- English --------")[0]
    bad = [w for w in words + [code] if re.search(r"(?<![\w-])" + re.escape(w) + r"(?![\w-])",
                                                  text, 0 if w == code else re.I)]
    if bad:
        print("    English or codes in %s: %s" % (name, bad), file=sys.stderr)
        failed = True
sys.exit(1 if failed else 0)
PY
}

cat > "$K/nom" <<'F'
DÉSIGNATION
Type de point de contact : technique
Organisme : CERT-FR (ANSSI)
Courriel : cert-fr@ssi.example
Téléphone : +33 1 71 75 84 68
Langues : français, anglais
F
printf 'MISE À JOUR\nIdentifiant : FR-T-1\nCourriel : veille@ssi.example\nLangues : français, espagnol, anglais\n' > "$K/upd"
printf 'SIMULATION\n\nDÉSIGNATION\nType de point de contact : diplomatique\nOrganisme : MAE\nCourriel : desk@mae.example\nTéléphone : +33 1 43 17 53 53\n' > "$K/dry"
printf 'DÉSIGNATION\nType de point de contact : politique\nOrganisme : SGDSN\nCourriel : cyber(at)sgdsn.example\nTéléphone : 01 71 75 84 68\n' > "$K/bad"
printf 'RETRAIT\nIdentifiant : FR-T-1\nMotif : équipe remplacée\n' > "$K/wd"
printf 'НАЗНАЧЕНИЕ\nТип контактного пункта: технический\nОрганизация: НКЦКИ\nЭлектронная почта: cert@nkcki.example\nТелефон: +7 495 000 00 00\nЯзыки: русский, английский\n' > "$K/rnom"
printf 'ОТЗЫВ\nИдентификатор: RU-T-1\nПричина: реорганизация\n' > "$K/rwd"
# in order: the worker takes the spool oldest first
signed "$K/a" "$fr" alice@fr.example nom "$K/nom"
signed "$K/a" "$fr" alice@fr.example upd "$K/upd"
signed "$K/a" "$fr" alice@fr.example dry "$K/dry"
signed "$K/a" "$fr" alice@fr.example bad "$K/bad"
signed "$K/a" "$fr" alice@fr.example wd "$K/wd"
signed "$K/r" "$ru" ivan@ru.example rnom "$K/rnom"
signed "$K/r" "$ru" ivan@ru.example rwd "$K/rwd"
for id in nom upd dry bad wd; do replied $id "$K/a"; done
for id in rnom rwd; do replied $id "$K/r"; done

echo "French answers in French"
ok "the nomination is acknowledged in French" [ "$(subject_of nom)" = "$(tpl_subject fr ack)" ]
ok "its change block names the State, the type and the languages in French" \
	sh -c "grep -q 'État: France' '$T/nom.txt' && grep -q 'technique' '$T/nom.txt' && grep -q 'français, anglais' '$T/nom.txt'"
ok "the update's languages, before and after, in French" \
	sh -c "grep -q 'avant: français, anglais' '$T/upd.txt' && grep -q 'désormais: français, espagnol, anglais' '$T/upd.txt'"
ok "the withdrawal's status, before and after, in French" \
	sh -c "grep -q 'avant: $(sed -n 's/^status-pending: *//p' "$TPL/fr/lookup-phrases.txt")' '$T/wd.txt' &&
		grep -q 'désormais: retiré: équipe remplacée' '$T/wd.txt'"

echo "a dry run says so"
dry_subject=$(subject_of dry)
ok "its subject is the dry run's" [ "$dry_subject" = "$(tpl_subject fr ack-dry-run)" ]
ok "not the acknowledgement's" [ "$dry_subject" != "$(tpl_subject fr ack)" ]
ok "it shows what it would create" grep -q "FR-D-1" "$T/dry.txt"
ok "but holds no ready-to-edit form" sh -c "! grep -q '^DÉSIGNATION$\|^MISE À JOUR$\|^Identifiant: ' '$T/dry.txt'"
ok "and nothing was stored" [ "$(sqlite3 "$T/r/var/pocbot.db" "select count(*) from pocs where id = 'FR-D-1'")" = 0 ]

ok "no English word nor bare State code in the five French answers" \
	clean FR "$T/nom.txt" "$T/upd.txt" "$T/wd.txt" "$T/dry.txt" "$T/bad.txt"

echo "value errors name what is wrong"
ok "the refusal is the French errors reply" [ "$(subject_of bad)" = "$(tpl_subject fr errors)" ]
ok "an address without @ is told it has no @" \
	grep -qF "$(sed -n 's/^email-no-at: *//p' "$TPL/fr/problems.txt" | cut -c1-60)" "$T/bad.txt"
ok "not that it has non-ASCII characters" \
	sh -c "! grep -qF \"\$(sed -n 's/^email-non-ascii: *//p' '$TPL/fr/problems.txt' | cut -c1-40)\" '$T/bad.txt'"
ok "a phone number without a prefix is told so" \
	grep -qF "$(sed -n 's/^phone-no-prefix: *//p' "$TPL/fr/problems.txt" | cut -c1-60)" "$T/bad.txt"

echo "notices"
# notices: the record-changed notices to ADDRESS (not the pings, which answer to ping+).
notices() { grep -L '^Reply-To: ping+' $(grep -l "^To: $1" "$out"/*) 2>/dev/null; }
wait_for 20 sh -c "[ \$(grep -L '^Reply-To: ping+' \$(grep -l '^To: cert-fr@ssi.example' '$out'/*) | wc -l) -ge 2 ]"
n_fr=0 n_all=0
for f in $(notices cert-fr@ssi.example); do
	n_all=$((n_all + 1))
	[ "$($MAILFILE "$f" Subject)" = "$(tpl_subject fr notice-change)" ] && n_fr=$((n_fr + 1)) notice=$f
done
ok "the French-speaking POC's address is told in French ($n_fr of $n_all notices)" \
	[ "$n_fr" -ge 2 -a "$n_fr" = "$n_all" ]
$MAILFILE "$notice" text > "$T/poc-notice.txt"
ok "its body is French first, English beside" \
	sh -c "head -5 '$T/poc-notice.txt' | grep -q 'Ce message' && grep -q -- '-------- English --------' '$T/poc-notice.txt'"
ok "without directory data" sh -c "! grep -q 'ANSSI' '$T/poc-notice.txt'"
for f in $(grep -l '^To: bob@fr.example' "$out"/*); do read_reply "$f" "$K/b"; done > "$T/bob.txt"
ok "France's other signer is told in French, State named" \
	sh -c "grep -q 'FR-T-1' '$T/bob.txt' && grep -q 'France' '$T/bob.txt'"
ok "no English word nor bare State code in the other signer's notices" clean FR "$T/bob.txt"

echo "Russian answers in Russian"
ok "the Russian nomination names the State in Russian" \
	grep -q "$(awk -F'\t' '$1 == "RU" { print $7 }' "$POCBOT_TOP/db/states.tsv")" "$T/rnom.txt"
ok "the withdrawal's status in Russian" \
	grep -q "$(sed -n 's/^status-withdrawn: *//p' "$TPL/ru/lookup-phrases.txt"): реорганизация" "$T/rwd.txt"
ok "no English word nor bare State code in the Russian answers" clean RU "$T/rnom.txt" "$T/rwd.txt"
keys_cleanup "$K"
finish
