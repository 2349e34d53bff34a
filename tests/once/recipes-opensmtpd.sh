#!/bin/sh
# recipes-opensmtpd.sh - the README's OpenSMTPD recipe, syntax-checked as
# written: its smtpd.conf block (read by recipe.py, unchanged) passes
# 'smtpd -n -f', and the same block with its action misspelled does not, so
# the check can fail. OpenSMTPD conflicts with Postfix as a Debian package and
# needs its users and compiled-in paths to run, so it is not run here: its
# binary comes from its unpacked package ('tools/deps test' unpacks it in
# $OPENSMTPD_ROOT). Without it the script fails, it does not skip.
. "$(dirname "$0")/../e2e/lib.sh"

fail() { echo "recipes-opensmtpd.sh: $*" >&2; exit 1; }
OPENSMTPD_ROOT=${OPENSMTPD_ROOT:-/var/cache/pocbot-tests/opensmtpd}
SMTPD=$OPENSMTPD_ROOT/usr/sbin/smtpd
[ -x "$SMTPD" ] || fail "no OpenSMTPD at $SMTPD: run 'tools/deps test' as root (it unpacks it)"
top=${POCBOT_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}

ok "the README has the smtpd.conf recipe" \
	sh -c "python3 '$top/tests/e2e/recipe.py' '$top/README.md' opensmtpd smtpd.conf > '$T/smtpd.conf'"
ok "it names the robot's lmtp action and matches its domain" \
	sh -c "grep -q '^action \"pocbot\" lmtp ' '$T/smtpd.conf' &&
	grep -q 'for domain \"poc.example.int\" action \"pocbot\"' '$T/smtpd.conf'"
ok "smtpd -n -f: configuration OK" sh -c "'$SMTPD' -n -f '$T/smtpd.conf' >'$T/n.out' 2>&1 &&
	grep -q 'configuration OK' '$T/n.out'"
sed 's/ lmtp / lmtpp /' "$T/smtpd.conf" > "$T/bad.conf"
ok "a misspelt action is refused by the same check" sh -c "! '$SMTPD' -n -f '$T/bad.conf' \
	>'$T/bad.out' 2>&1"
finish
