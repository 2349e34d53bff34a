#!/bin/sh
# deps.sh - the check that the tests call only programs of the packages tools/deps
# lists (tests/deps-path.py, used by tests/run-all) catches a planted call: a
# program no listed package provides, called by name (silently, its failure
# ignored) or by absolute path.
. "$(dirname "$0")/../e2e/lib.sh"
D="$POCBOT_TOP/tests/deps-path.py"

# a "system" directory with one program that belongs to no package
mkdir -p "$T/sys"
printf '#!/bin/sh\necho planted\n' > "$T/sys/planted-tool"
chmod 755 "$T/sys/planted-tool"
ok "the PATH is made" sh -c "'$D' path '$T/dp' '$T/sys' /usr/bin > '$T/path'"
P=$(cat "$T/path")
ok "it holds time (listed), sh and python3" \
	sh -c "cd '$T/dp/allowed' && [ -x time ] && [ -x sh ] && [ -x python3 ]"
ok "it traps the planted program" [ -L "$T/dp/trap/planted-tool" ]
ok "a script that calls it and ignores the failure still passes" \
	env PATH="$P" POCBOT_TRAP_LOG="$T/trapped" \
	sh -c 'planted-tool --version 2>/dev/null; exit 0'
ok "but the call is recorded by name" grep -qx planted-tool "$T/trapped"
ok "the real program did not run" sh -c "! env PATH='$P' POCBOT_TRAP_LOG='$T/t2' planted-tool"

printf '#!/bin/sh\n/usr/bin/time -f %%e true\n%s/planted-tool -x\n' /usr/local/bin > "$T/script.sh"
ok "the scan refuses an absolute path no listed package provides" \
	sh -c "! '$D' scan '$T/script.sh' > '$T/scan'"
ok "  and names it, with its line" grep -q "script.sh:3: /usr/local/bin""/planted-tool" "$T/scan"
ok "  but not /usr/bin/time (the package time is listed)" sh -c "! grep -q /usr/bin/time '$T/scan'"
ok "the project's own scripts pass the scan" \
	sh -c "cd '$POCBOT_TOP' && '$D' scan tests/e2e/* tests/lib/* bench/*"
finish
