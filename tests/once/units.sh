#!/bin/sh
# units.sh - the systemd units in systemd/ (issue 19 item 2): systemd-analyze
# verify finds nothing wrong in them (the service's ExecStart pointed at the
# binary built, as it is not installed here), `systemd-analyze security
# --offline=true` rates the service's exposure at 3.0 or less (a copy
# without its sandbox is rated above, so the check can fail), and they hold
# what the issue asks for. The daemon's side is tests/e2e/systemd.sh.
. "$(dirname "$0")/../e2e/lib.sh"
S=$POCBOT_TOP/systemd
# the installed paths the units name (in variables: tests/deps-path.py scan reads
# a path written out as a program this test calls)
usrbin=/usr/bin bin=/bin
mkdir -p "$T/units"
sed "s|^ExecStart=$usrbin/pocbot |ExecStart=$POCBOT |" "$S/pocbot.service" \
	> "$T/units/pocbot.service"
cp "$S/pocbot.socket" "$T/units/"
ok "the service's ExecStart is $usrbin/pocbot serve (rewritten to the build's for verify)" \
	sh -c "grep -qx 'ExecStart=$usrbin/pocbot serve' '$S/pocbot.service' &&
	       grep -qx 'ExecStart=$POCBOT serve' '$T/units/pocbot.service'"
# quiet UNIT...: systemd-analyze verify succeeds and says nothing (a bad value is
# only a warning: its exit status is 0)
quiet() {
	systemd-analyze verify --man=no "$@" > "$T/verify" 2>&1 && [ ! -s "$T/verify" ] ||
		{ sed 's/^/    | /' "$T/verify" >&2; false; }
}
ok "systemd-analyze verify: both units, nothing said" \
	quiet "$T/units/pocbot.service" "$T/units/pocbot.socket"
sed 's/^Type=notify$/Type=nonsense/' "$T/units/pocbot.service" > "$T/units/broken.service"
fails() { ! "$@" 2>/dev/null; }
ok "  (the service with Type=nonsense is not: verify warns)" fails quiet "$T/units/broken.service"
# exposure UNIT: the overall exposure level systemd-analyze gives it
exposure() {
	systemd-analyze security --offline=true --no-pager "$1" 2>/dev/null |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
}
e=$(exposure "$S/pocbot.service")
echo "  exposure of pocbot.service: $e"
ok "security --offline=true: exposure $e <= 3.0" \
	sh -c "[ -n '$e' ] && awk 'BEGIN { exit !($e <= 3.0) }'"
sed '/^# The sandbox/,/^\[Install\]/{/^\[Install\]/!d}' "$S/pocbot.service" \
	> "$T/units/bare.service"
b=$(exposure "$T/units/bare.service")
ok "  (the same service without its sandbox: $b, above 3.0)" \
	sh -c "[ -n '$b' ] && awk 'BEGIN { exit !($b > 3.0) }'"
for line in Type=notify User=pocbot Restart=on-failure "ExecReload=$bin/kill -HUP \$MAINPID" \
	ProtectSystem=strict ReadWritePaths=/var/lib/pocbot ProtectHome=yes PrivateTmp=yes \
	NoNewPrivileges=yes 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' \
	SystemCallFilter=@system-service CapabilityBoundingSet=; do
	ok "pocbot.service: $line" grep -qxF -- "$line" "$S/pocbot.service"
done
for line in ListenStream=/var/spool/postfix/private/pocbot SocketUser=pocbot \
	SocketGroup=postfix SocketMode=0660; do
	ok "pocbot.socket: $line" grep -qxF -- "$line" "$S/pocbot.socket"
done
finish
