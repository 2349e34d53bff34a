#!/bin/sh
# deliver-env.sh - 'pocbot deliver' without --sender or --recipient (an alias,
# Exim's pipe transport): the envelope from the environment the MTA's delivery
# agent sets (Postfix local(8): SENDER, ORIGINAL_RECIPIENT; Exim: SENDER,
# LOCAL_PART, LOCAL_PART_SUFFIX, DOMAIN), else from the first Return-Path and
# Delivered-To of the message, an mbox "From " line before it dropped;
# neither: exit 64. A spool it cannot write is named in its error.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/r"
write_config "$T/r/pocbot.conf" "$(free_port)"
SPOOL=$T/r/var/spool/new
MSG='Return-Path: <rp@example.org>
Delivered-To: ping+tok1@robot.test
Delivered-To: older@robot.test
From: someone@example.org
Subject: HELP

HELP'

# deliver EXPECTED-EXIT INPUT [ENV=VALUE...] -- [ARGS...]: deliver with only
# the ENV given (env -i), INPUT on its input; checks its exit code.
deliver() {
	want=$1 input=$2; shift 2
	vars=
	while [ "$1" != -- ]; do vars="$vars $1"; shift; done
	shift
	# shellcheck disable=SC2086
	printf '%s\n' "$input" | (cd / && env -i PATH=/usr/bin:/bin $vars \
		"$POCBOT" -c "$T/r/pocbot.conf" deliver "$@" >"$T/deliver.out" 2>&1)
	got=$?
	[ "$got" -eq "$want" ] && return 0
	echo "    exit $got, wanted $want" >&2; cat "$T/deliver.out" >&2; return 1
}
# newest: the spool entry stored last (entries are named by time).
newest() { ls -t "$SPOOL" | head -1; }
# stored LINE: the newest entry's head has LINE exactly.
stored() { sed -n '1,/^$/p' "$SPOOL/$(newest)" | grep -qxF -- "$1"; }

ok "Postfix's SENDER and ORIGINAL_RECIPIENT: stored" \
	deliver 0 "$MSG" SENDER=alice@example.org ORIGINAL_RECIPIENT=bounces+b1@robot.test --
ok "  sender from SENDER" stored "S alice@example.org"
ok "  recipient from ORIGINAL_RECIPIENT, not Delivered-To" stored "R bounces+b1@robot.test"
ok "  one recipient" [ "$(sed -n '1,/^$/p' "$SPOOL/$(newest)" | grep -c '^R ')" -eq 1 ]
ok "Exim's SENDER (empty: <>), LOCAL_PART, LOCAL_PART_SUFFIX, DOMAIN: stored" \
	deliver 0 "$MSG" SENDER= LOCAL_PART=ping LOCAL_PART_SUFFIX=+t2 DOMAIN=robot.test --
ok "  the null sender" stored "S "
ok "  the recipient with its suffix" stored "R ping+t2@robot.test"
ok "no environment: Return-Path and the first Delivered-To" \
	deliver 0 "From rp@example.org  Mon Dec  7 12:00:00 2026
$MSG" --
ok "  sender from Return-Path" stored "S rp@example.org"
ok "  recipient from the first Delivered-To" stored "R ping+tok1@robot.test"
ok "  the mbox From line is not stored" sh -c "! grep -q '^From rp@' '$SPOOL/$(newest)'"
ok "  the message is, from its Return-Path on" \
	grep -qx 'Return-Path: <rp@example.org>' "$SPOOL/$(newest)"
ok "--sender given, the recipient from Delivered-To" deliver 0 "$MSG" -- --sender x@example.org
ok "  the given sender" stored "S x@example.org"
ok "  the recipient" stored "R ping+tok1@robot.test"
n=$(ls "$SPOOL" | wc -l)
ok "no envelope anywhere: exit 64" deliver 64 "From: a@example.org
Subject: HELP

HELP" --
ok "  nothing stored" [ "$(ls "$SPOOL" | wc -l)" -eq "$n" ]
ok "a Return-Path with <>: the null sender" deliver 0 "Return-Path: <>
Subject: x

x" ORIGINAL_RECIPIENT=pocbot@robot.test --
ok "  stored as <>" stored "S "
ok "a bad address from the environment: exit 65" deliver 65 "$MSG" SENDER=no-at-sign --

# a spool it cannot write: the error names the folder
chmod 0755 "$T" && chmod 0555 "$T/r/var/spool/tmp"
ok "a spool that cannot be written: exit 75" sh -c "printf 'Subject: x\n\nx\n' |
	setpriv --reuid=nobody --regid=nogroup --clear-groups '$POCBOT' -c '$T/r/pocbot.conf' \
	deliver --sender a@example.org --recipient pocbot@robot.test >'$T/perm.out' 2>&1; [ \$? -eq 75 ]"
ok "  its error names the spool folder" grep -qF "in $T/r/var/spool:" "$T/perm.out"
finish
