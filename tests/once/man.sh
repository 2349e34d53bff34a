#!/bin/sh
# man.sh - the man pages render without a warning (groff -ww, as man(1) runs
# it: UTF-8 input, terminal output) and say what the code does: pocbot.conf(5)
# every key of the configuration table with the default 'pocbot config'
# prints and its unit; pocbot(8) every command and action 'pocbot help' lists
# and every exit code the code uses; pocbot-mail(7) the words of templates/.
# Each check is shown to fail on a page planted with a drift.
. "$(dirname "$0")/../e2e/lib.sh"
M="$POCBOT_TOP/man" C="$POCBOT_TOP/tests/man-check.py"
SRC=$(echo "$POCBOT_TOP"/robot/*.c "$POCBOT_TOP"/filters/*.c)

render() { groff -k -Tutf8 -man -ww -z "$1" 2>"$T/groff" && [ ! -s "$T/groff" ]; }
fails() { ! "$@"; }
for p in pocbot.8 pocbot.conf.5 pocbot-mail.7; do
	ok "$p renders with no warning" render "$M/$p"
done
printf '.TH X 1\n.SH NAME\nx \\- y\n.BX bad\n\\fQ\n' > "$T/bad.1"
ok "  (a page with an unknown macro and font does not)" fails render "$T/bad.1"
ok "  (groff warns)" grep -q warning "$T/groff"

ok "pocbot.conf.5: every key, default and unit of the configuration table" \
	"$C" conf "$POCBOT" "$POCBOT_TOP/robot/config.c" "$M/pocbot.conf.5"
sed '/^\.B help_per_day$/,/^Default:/d' "$M/pocbot.conf.5" > "$T/no-key.5"
ok "  a page without [limits] help_per_day fails, naming it" \
	sh -c "! '$C' conf '$POCBOT' '$POCBOT_TOP/robot/config.c' '$T/no-key.5' > '$T/o1'"
ok "  (said)" grep -q "help_per_day is not in" "$T/o1"
sed 's/^Default: \\fB14d\\fR\.$/Default: \\fB15d\\fR./' "$M/pocbot.conf.5" > "$T/bad-default.5"
ok "  a page with the wrong default of [ping] deadline fails, naming it" \
	sh -c "! '$C' conf '$POCBOT' '$POCBOT_TOP/robot/config.c' '$T/bad-default.5' > '$T/o2'"
ok "  (said)" grep -q "\[ping\] deadline: the page says the default is '15d'" "$T/o2"
sed 's/{ "lookup", "extracts_per_day"/{ "lookup", "lookups_per_day", K_COUNT, AT(x) },\n&/' \
	"$POCBOT_TOP/robot/config.c" > "$T/config.c"
ok "  a key added to the table and not to the page fails" \
	sh -c "! '$C' conf '$POCBOT' '$T/config.c' '$M/pocbot.conf.5' > '$T/o3'"
ok "  (said)" grep -q "lookups_per_day is not in" "$T/o3"

ok "pocbot.8: every command and action, every exit code used" "$C" cmd "$POCBOT" "$M/pocbot.8" $SRC
sed 's/^\.B 69$/.B 6/' "$M/pocbot.8" > "$T/no-69.8"
ok "  a page without exit code 69 fails" sh -c "! '$C' cmd '$POCBOT' '$T/no-69.8' $SRC > '$T/o4'"
ok "  (said)" grep -q "EX_UNAVAILABLE (69) is used in the code" "$T/o4"
grep -v '^\.B keys import\\-smime' "$M/pocbot.8" > "$T/no-import.8"
ok "  a page without keys import-smime fails" \
	sh -c "! '$C' cmd '$POCBOT' '$T/no-import.8' $SRC > '$T/o5'"
ok "  (said)" grep -q "'pocbot keys import-smime' has no entry" "$T/o5"

ok "pocbot-mail.7: the words and reasons of templates/" "$POCBOT_TOP/tools/man-words.py" --check
mkdir -p "$T/top/man" "$T/top/tools" && cp -r "$POCBOT_TOP/templates" "$T/top/"
cp "$POCBOT_TOP/tools/man-words.py" "$T/top/tools/" && cp "$M/pocbot-mail.7" "$T/top/man/"
sed -i 's/^help: AIDE$/help: AIDE, AU SECOURS/' "$T/top/templates/fr/words.txt"
ok "  a word added to templates/fr/words.txt and not to the page fails" \
	sh -c "! '$T/top/tools/man-words.py' --check 2>/dev/null"
finish
