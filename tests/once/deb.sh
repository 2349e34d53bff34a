#!/bin/sh
# deb.sh - the Debian package: built from a copy of the tree with
# DEB_BUILD_OPTIONS=nocheck (reusing the objects of build/, so make compiles
# nothing again), lintian finds no error in it, it holds the very files
# 'make install PREFIX=/usr' installs, /etc/pocbot/pocbot.conf is a conffile
# naming every key of the configuration commented with its default, and its
# postinst migrates the database before debhelper's part starts the service.
# Installing, upgrading and purging it is tests/deb/install.sh ('make
# check-deb', in a fresh Debian: it creates a user and installs a service).
. "$(dirname "$0")/../e2e/lib.sh"
S=$T/src/pocbot
V=$(sed -n 's/^#define POCBOT_VERSION "\(.*\)"$/\1/p' "$POCBOT_TOP/robot/commands.h")
DEB=$T/src/pocbot_${V}_$(dpkg --print-architecture).deb

# the source as a user has it, with build/'s objects and library (newer than the sources)
mkdir -p "$S"
(cd "$POCBOT_TOP" && tar -cf - --exclude=./build --exclude=./build-asan --exclude=./build-fuzz \
	--exclude=./var --exclude=./.git --exclude=./pocbot . && tar -cf - build/robot \
	build/filters build/embedded.c build/embedded.o build/libpocbot.a build/pocbot) |
	tar -C "$S" -xif -
ok "dpkg-buildpackage -us -uc -b builds pocbot_${V}_*.deb (nocheck)" sh -c "cd '$S' &&
	DEB_BUILD_OPTIONS='nocheck noddebs' dpkg-buildpackage -us -uc -b -nc \
	> '$T/build.log' 2>&1 &&
	[ -s '$DEB' ] || { tail -20 '$T/build.log' >&2; false; }"
ok "  make compiled nothing again" sh -c \
	"[ -s '$T/build.log' ] && ! grep -q '^cc .* -c ' '$T/build.log'"
ok "lintian: no error" sh -c \
	"lintian --fail-on error '$T'/src/pocbot_${V}_*.changes > '$T/lintian' 2>&1"
ok "  (lintian said: $(grep -c '^[EW]:' "$T/lintian") warnings or errors, none an error)" \
	sh -c "! grep -q '^E:' '$T/lintian'"
grep '^[EWI]:' "$T/lintian" | sed 's/^/    | /'

# the package's files against make install's (the man pages are gzipped in the package)
(cd "$POCBOT_TOP" && make -s install PREFIX=/usr UNITDIR=/lib/systemd/system \
	DESTDIR="$T/inst" > /dev/null)
(cd "$T/inst" && find . -type f | sort) > "$T/want"
dpkg-deb -c "$DEB" | awk '$1 !~ /^d/ { print $6 }' | sed 's/\.gz$//' |
	grep -v '^\./usr/share/\(doc\|lintian\)/' | sort > "$T/got"
ok "the package holds make install's $(wc -l < "$T/want") files, no other" \
	sh -c "cmp -s '$T/want' '$T/got' || diff '$T/want' '$T/got' >&2"
dpkg-deb --ctrl-tarfile "$DEB" | tar -C "$T" -xf - ./conffiles ./postinst ./postrm ./preinst
ok "/etc/pocbot/pocbot.conf is a conffile" grep -qx /etc/pocbot/pocbot.conf "$T/conffiles"
ok "postinst migrates before the service is started" sh -c "
	m=\$(grep -n 'pocbot -c \$conf db migrate' '$T/postinst' | cut -d: -f1)
	s=\$(grep -n 'deb-systemd-invoke start .pocbot.service.' '$T/postinst' | cut -d: -f1)
	[ -n \"\$m\" ] && [ -n \"\$s\" ] && [ \"\$m\" -lt \"\$s\" ]"
ok "the maintainer scripts are sh" sh -c "sh -n '$T/postinst' && sh -n '$T/preinst' &&
	sh -n '$T/postrm'"

# every key of 'pocbot config' is in the packaged file as '# key = default'
# (except [paths] var, set there; its default is a path beside the file)
keys() { awk '/^\[/ { s = $0; next } / = / { sub(/ = $/, " ="); print s " " $0 }' | sort; }
commented() { awk '/^\[/ { s = $0; next } /^# [a-z_]+ =/ { sub(/^# /, ""); print s " " $0 }' \
	"$1" | sort; }
: > "$T/empty.conf"
"$POCBOT" -c "$T/empty.conf" config | keys | grep -v '^\[paths\] var = ' > "$T/defaults"
conf_complete() {
	commented "$1" | comm -23 "$T/defaults" - > "$T/missing"
	[ ! -s "$T/missing" ]
}
C=$POCBOT_TOP/etc/pocbot.conf
ok "etc/pocbot.conf: all $(wc -l < "$T/defaults") keys commented with their defaults" \
	conf_complete "$C"
[ -s "$T/missing" ] && sed "s/^/    missing: /" "$T/missing" >&2
sed '/^# help_per_day = /d' "$C" > "$T/drift.conf"
drift_fails() { ! conf_complete "$1" && grep -Fqx "$2" "$T/missing"; }
ok "  (a file without [limits] help_per_day fails, naming it)" \
	drift_fails "$T/drift.conf" '[limits] help_per_day = 3'
ok "it loads, var being /var/lib/pocbot" sh -c "'$POCBOT' -c '$C' config |
	grep -qx 'var = /var/lib/pocbot'"
finish
