#!/bin/sh
# layers.sh - the layering of robot/ and filters/ (tests/check-layers.py):
# first the check itself, on copies of the tree with one breach planted in
# each (SQL in a filter, split over lines or continued after a macro; a
# filters/ include in robot/; a header implemented in the other folder; a
# line of 100 columns, tabs counted to the next multiple of 8), and text
# that is not SQL and a line of 99 columns left alone; then the tree as it
# is.
. "$(dirname "$0")/lib.sh"

top=${POCBOT_TOP:?run through tests/run-all or set POCBOT_TOP}
check=$top/tests/check-layers.py

# One copy of robot/ and filters/ in $tree, every breach planted in it
# at its own place; the check runs once and must name each, and only them.
tree=$T/planted
mkdir -p "$tree" && cp -R "$top/robot" "$top/filters" "$tree"/
breaches= quiets=

# plant FILE TEXT: appends TEXT to FILE of $tree; $line is the line of
# TEXT's first line there.
plant() {
	line=$(($(wc -l <"$tree/$1") + 1))
	printf '%s\n' "$2" >>"$tree/$1"
}

# breach WHAT FILE / quiet WHAT FILE: the check must name (must not name)
# FILE at $line.
breach() { breaches="$breaches$2:$line	$1
"; }
quiet() { quiets="$quiets$2:$line	$1
"; }

plant filters/guard.c 'static const char planted_1[] = "SELECT id FROM pocs WHERE state = ?";'
breach "SQL in a filter" filters/guard.c

plant filters/classify.c 'static const char planted_2[] =
	"UPDATE pocs"
	" SET status = ?"
	" WHERE id = ?";'
line=$((line + 1))
breach "SQL split over lines in a filter" filters/classify.c

plant robot/dispatch.c '#define PLANTED_COLUMNS "id, state"
static const char planted_3[] = "DELETE FROM " PLANTED_COLUMNS " WHERE 1";'
line=$((line + 1))
breach "SQL continued after a macro, in dispatch" robot/dispatch.c

plant robot/timers.c 'static const char planted_4[] = "SAVEPOINT planted";'
breach "transaction control outside db.c" robot/timers.c

plant robot/pocs.c 'static const char planted_5[] = "SELECT id FROM pocs";'
quiet "SQL in a store module" robot/pocs.c

for text in '"BEGIN:VCARD"' '"Update your record"' '"SELECTED: " "BEGINNING"' '"COMMITTEE"'; do
	plant robot/export.c "static const char planted_$line[] = $text;"
	quiet "text that is not SQL ($text)" robot/export.c
done
plant filters/command.c '/* "SELECT id FROM pocs" in a comment */'
quiet "SQL in a comment" filters/command.c

plant robot/export.c '#include "filters/bounce.h"'
breach "a filters/ include in robot/" robot/export.c

plant robot/dispatch.h '#include "../filters/language.h"'
breach "a ../filters/ include in a robot/ header" robot/dispatch.h

plant robot/worker.c '#include "filters/bounce.h"'
quiet "a filters/ include in the pipeline runner" robot/worker.c

plant filters/guard.c 'int planted_cross1(void)
{
	return 0;
}'
plant robot/clock.h 'int planted_cross1(void);'
breach "a robot/ header implemented in filters/" robot/clock.h

plant robot/clock.c 'const char *planted_cross2(int n)
{
	return n ? "" : NULL;
}'
plant filters/bounce.h 'const char *planted_cross2(int n);'
breach "a filters/ header implemented in robot/" filters/bounce.h

plant robot/clock.c 'enum verdict planted_filter(struct filter_ctx *ctx)
{
	return ctx ? VERDICT_CONTINUE : VERDICT_ERROR;
}'
plant filters/filter.h 'filter_fn planted_filter;'
breach "a filter declared as a filter_fn, defined in robot/" filters/filter.h

plant robot/clock.c 'int planted_same(void)
{
	return 0;
}'
plant robot/clock.h 'int planted_same(void);'
quiet "a robot/ header implemented in robot/" robot/clock.h

# xs N: N letters x.
xs() { printf "%${1}s" '' | tr ' ' x; }
tab='	'

plant filters/guard.c "/* $(xs 94) */"
breach "a line of 100 columns in filters/" filters/guard.c

plant robot/export.c "$tab$tab/* $(xs 78) */"
breach "a line of 100 columns with two tabs (16 + 84) in robot/" robot/export.c

plant robot/export.c "$tab$tab/* $(xs 77) */"
quiet "a line of 99 columns with two tabs" robot/export.c

plant robot/clock.c "int planted_wide;$tab/* $(xs 70) */"
breach "a tab after 17 columns reaching 24, then 76 columns" robot/clock.c

plant robot/clock.c "int planted_narrow;$tab/* $(xs 68) */"
quiet "a tab after 18 columns reaching 24, then 75 columns (99, not 18 + 8 + 75)" robot/clock.c

plant robot/config.c "/* $(xs 120) */"
breach "a long line in robot/config.c" robot/config.c

python3 "$check" "$tree" >"$T/planted.out" 2>&1
rc=$?
ok "the planted tree fails the check (exit $rc)" [ $rc -eq 1 ]
printf '%s' "$breaches" >"$T/breaches"
while IFS='	' read -r at what; do
	ok "$what: named at $at" grep -q "^layers: $at: " "$T/planted.out"
done <"$T/breaches"
printf '%s' "$quiets" >"$T/quiets"
while IFS='	' read -r at what; do
	ok "$what: $at not named" sh -c "! grep -q '^layers: $at: ' '$T/planted.out'"
done <"$T/quiets"
cut -f1 "$T/breaches" | sed 's/^/layers: /; s/$/: /' >"$T/named"
grep -F -f "$T/named" "$T/planted.out" | sed 's/^/    | /'

# The tree as it is: every rule kept.
python3 "$check" "$top" >"$T/out" 2>&1
rc=$?
sed 's/^/    /' "$T/out"
ok "robot/ and filters/ keep their layers" [ $rc -eq 0 ]
finish
