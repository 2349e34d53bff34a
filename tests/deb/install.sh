#!/bin/sh
# install.sh - the Debian package as an administrator meets it, on a fresh
# Debian 12 where this script may install anything ('make check-deb', as root;
# from the project: ../shared/tools/fresh-debian 'make check-deb'): built with
# dpkg-buildpackage (its unit suites as dh_auto_test), installed (the pocbot
# user and group, /var/lib/pocbot 0750, the conffile, units, man pages,
# 'pocbot status' as pocbot), upgraded over a database made by the previous
# release (tests/data/schema10.sql: copied before the migration, then
# migrated, reading back as the old binary printed it, its audit chain
# intact), purged (the user, group, configuration and units gone, the data
# left and named), and installed again over the data left.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/pocbot-deb.XXXXXX)
CHECKS=0 FAILS=0
ok() {
	what=$1; shift
	CHECKS=$((CHECKS + 1))
	if "$@"; then echo "  ok   $what"; else FAILS=$((FAILS + 1)); echo "  FAIL $what" >&2; fi
}
is() { [ "$1" = "$2" ] || { echo "    got '$1', wanted '$2'" >&2; return 1; }; }
as_pocbot() { runuser -u pocbot -- pocbot -c /etc/pocbot/pocbot.conf "$@"; }
q() { sqlite3 "$1" "$2"; }
export DEBIAN_FRONTEND=noninteractive
[ "$(id -u)" = 0 ] || { echo "install.sh: run as root, on a machine made for it" >&2; exit 77; }

echo "== build"
mkdir -p "$T/src/pocbot"
(cd "$top" && tar -cf - --exclude=./build --exclude=./build-asan --exclude=./build-fuzz \
	--exclude=./var --exclude=./.git --exclude=./pocbot .) | tar -C "$T/src/pocbot" -xf -
apt-get update -q > "$T/apt.log" 2>&1
ok "the Build-Depends install" sh -c "cd '$T/src/pocbot' &&
	apt-get build-dep -y -q ./ >> '$T/apt.log' 2>&1 &&
	apt-get install -y -q --no-install-recommends sqlite3 >> '$T/apt.log' 2>&1"
s=$(date +%s)
export POCBOT_CORPUS="$top/../shared/corpus"	# test-bounce's
ok "dpkg-buildpackage -us -uc -b (the unit suites run)" sh -c "cd '$T/src/pocbot' &&
	dpkg-buildpackage -us -uc -b > '$T/build.log' 2>&1 ||
	{ tail -30 '$T/build.log' >&2; false; }"
echo "  (built in $(( $(date +%s) - s )) s)"
n=$(ls "$top"/tests/unit/test-*.c | wc -l)
ok "  dh_auto_test ran the $n unit suites, each passed" \
	is "$(grep -c '^100%: Checks: [1-9][0-9]*, Failures: 0, Errors: 0$' "$T/build.log")" "$n"
ok "  none said NOT RUN" sh -c "! grep '^build/tests/test-.*: NOT RUN' '$T/build.log'"
DEB=$(ls "$T"/src/pocbot_*_*.deb 2>/dev/null) ||
	{ echo "  $((CHECKS - FAILS)) passed, $FAILS failed: no package, stopped"; exit 1; }

echo "== install"
ok "apt-get install ./$(basename "$DEB")" sh -c \
	"apt-get install -y -q --no-install-recommends '$DEB' > '$T/install.log' 2>&1 ||
	{ tail -20 '$T/install.log' >&2; false; }"
ok "the pocbot system user and group" sh -c \
	"[ \$(id -u pocbot) -lt 1000 ] && [ \$(id -gn pocbot) = pocbot ]"
ok "/var/lib/pocbot: pocbot's, 0750" is "$(stat -c '%U:%G %a' /var/lib/pocbot)" "pocbot:pocbot 750"
ok "/etc/pocbot/pocbot.conf, a conffile" sh -c \
	"dpkg-query -W -f='\${Conffiles}' pocbot | grep -q ' /etc/pocbot/pocbot.conf '"
for f in /lib/systemd/system/pocbot.service /lib/systemd/system/pocbot.socket \
    /usr/share/man/man8/pocbot.8.gz /usr/share/man/man5/pocbot.conf.5.gz \
    /usr/share/man/man7/pocbot-mail.7.gz /usr/bin/pocbot; do
	ok "$f" [ -f $f ]
done
ok "the database made as pocbot, at the binary's schema" sh -c \
	"[ \$(stat -c %U /var/lib/pocbot/pocbot.db) = pocbot ] &&
	pocbot --version | grep -q \"schema version \$(sqlite3 /var/lib/pocbot/pocbot.db \
	'pragma user_version')\$\""
ok "pocbot status as pocbot" sh -c "as_pocbot() { runuser -u pocbot -- pocbot \
	-c /etc/pocbot/pocbot.conf \"\$@\"; }; as_pocbot status > '$T/status' 2>&1"
sed 's/^/    | /' "$T/status"

echo "== upgrade over a database made by the previous release (schema 10)"
rm -f /var/lib/pocbot/pocbot.db*
runuser -u pocbot -- sqlite3 /var/lib/pocbot/pocbot.db < "$top/tests/data/schema10.sql"
ok "the fixture is at schema 10" is "$(q /var/lib/pocbot/pocbot.db 'pragma user_version')" 10
ok "dpkg -i the package again (preinst upgrade, postinst configure)" sh -c \
	"dpkg -i '$DEB' > '$T/upgrade.log' 2>&1 || { cat '$T/upgrade.log' >&2; false; }"
sed 's/^/    | /' "$T/upgrade.log"
ok "the copy made before the migration is at schema 10" \
	is "$(q /var/lib/pocbot/pre-upgrade-0.1/pocbot.db 'pragma user_version')" 10
latest=$(ls "$top"/db/[0-9]*.sql | sed -n '$s|.*/0*\([0-9]*\)-.*|\1|p')
ok "the database is migrated to schema $latest" \
	is "$(q /var/lib/pocbot/pocbot.db 'pragma user_version')" "$latest"
for c in "poc list" "poc show FR-P-1"; do
	sed -n "/^== $c\$/,/^== /p" "$top/tests/data/schema10.out" | sed '1d;/^== /d' > "$T/want"
	as_pocbot $c > "$T/got" 2>&1
	ok "$c reads back as the old binary printed it" \
		sh -c "[ -s '$T/want' ] && cmp -s '$T/want' '$T/got'"
done
ok "audit verify passes" sh -c "runuser -u pocbot -- pocbot -c /etc/pocbot/pocbot.conf \
	audit verify | grep -q intact"

echo "== purge"
ok "apt-get purge pocbot" sh -c "apt-get purge -y -q pocbot > '$T/purge.log' 2>&1"
sed 's/^/    | /' "$T/purge.log" | grep -v '^    | [(]Reading'
ok "  says where the data is left" grep -q "data is left in /var/lib/pocbot" "$T/purge.log"
ok "  the user is gone" sh -c "! getent passwd pocbot"
ok "  the group is gone" sh -c "! getent group pocbot"
ok "  /etc/pocbot is gone" [ ! -e /etc/pocbot ]
ok "  the units are gone" sh -c "[ ! -e /lib/systemd/system/pocbot.service ] &&
	[ ! -e /lib/systemd/system/pocbot.socket ]"
ok "  /var/lib/pocbot and its database stay" [ -s /var/lib/pocbot/pocbot.db ]

echo "== installed again over the data left"
ok "apt-get install" sh -c "apt-get install -y -q '$DEB' > '$T/again.log' 2>&1"
ok "  the data is the new pocbot user's" sh -c "[ -z \"\$(find /var/lib/pocbot -nouser)\" ] &&
	[ \$(stat -c %U /var/lib/pocbot/pocbot.db) = pocbot ]"
ok "  its POCs read back" sh -c "runuser -u pocbot -- pocbot -c /etc/pocbot/pocbot.conf \
	poc list | grep -q FR-T-2"
ok "status as pocbot" sh -c "runuser -u pocbot -- pocbot -c /etc/pocbot/pocbot.conf status \
	> '$T/status' 2>&1"
tail -n 8 "$T/status"
runuser -u pocbot -- gpgconf --homedir /var/lib/pocbot/gnupg --kill all	# status's agent
rm -rf "$T"
echo "  $((CHECKS - FAILS)) passed, $FAILS failed"
[ "$FAILS" -eq 0 ]
