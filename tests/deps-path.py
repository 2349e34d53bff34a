#!/usr/bin/env python3
"""deps-path.py - what the tests may call: the programs of the packages tools/deps lists.

The allowed packages are those `tools/deps list` prints, every installed package they
depend on (recursively) and the base system (Essential or Priority required, what a
debootstrap minbase holds). Two modes:

  deps-path.py path DIR [SCANDIR...]
      Makes DIR/allowed (a link to each program those packages install) and DIR/trap
      (a link to DIR/trap.sh under the name of every other program found in the
      SCANDIRs, by default the system's bin directories), and prints the PATH to use:
      DIR/allowed:DIR/trap. A trapped program appends its name to $POCBOT_TRAP_LOG
      (else DIR/trapped) and exits 127, so a test that calls it fails or is caught.
  deps-path.py scan FILE...
      Every absolute program path written in the FILEs (/usr/bin/time, /bin/sh) must
      belong to an allowed package; prints each one that does not and exits 1.
"""
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINDIRS = ["/usr/local/bin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/sbin", "/sbin"]


def installed():
    """Package -> (essential or required, [dependency alternatives groups], provides)."""
    fmt = "${Package}\t${Essential}\t${Priority}\t${Pre-Depends}, ${Depends}\t${Provides}\t" \
          "${db:Status-Status}\n"
    out = subprocess.run(["dpkg-query", "-W", "-f=" + fmt], capture_output=True, text=True,
                         check=True).stdout
    pkgs, providers = {}, {}
    for line in out.splitlines():
        name, ess, prio, deps, prov, status = line.split("\t")
        if status != "installed":
            continue
        name = name.split(":")[0]
        groups = [[re.split(r"[ :(]", alt.strip())[0] for alt in g.split("|")]
                  for g in deps.split(",") if g.strip()]
        pkgs[name] = (ess == "yes" or prio == "required", groups)
        for p in prov.split(","):
            if p.strip():
                providers.setdefault(re.split(r"[ :(]", p.strip())[0], []).append(name)
    return pkgs, providers


def listed():
    out = subprocess.run([os.path.join(TOP, "tools/deps"), "list"], capture_output=True,
                         text=True, check=True).stdout
    return out.split()


def allowed_packages():
    pkgs, providers = installed()
    todo = [p for p in listed()] + [p for p, (base, _) in pkgs.items() if base]
    seen = set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        for real in ([p] if p in pkgs else []) + providers.get(p, []):
            seen.add(real)
            for group in pkgs[real][1]:
                todo.extend(a for a in group if a in pkgs or a in providers)
    return {p for p in seen if p in pkgs}


def programs(packages):
    """Name -> path of every program the packages install in a bin directory."""
    out = subprocess.run(["dpkg-query", "-L"] + sorted(packages), capture_output=True,
                         text=True).stdout
    progs = {}
    for path in out.splitlines():
        d, name = os.path.split(path)
        if d in BINDIRS and os.path.isfile(path) and os.access(path, os.X_OK):
            progs.setdefault(name, path)
    return progs


def make_path(dest, scandirs):
    progs = programs(allowed_packages())
    for sub in ("allowed", "trap"):
        d = os.path.join(dest, sub)
        os.makedirs(d, exist_ok=True)
        for old in os.listdir(d):
            os.unlink(os.path.join(d, old))
    for name, path in progs.items():
        os.symlink(path, os.path.join(dest, "allowed", name))
    trap = os.path.join(dest, "trap.sh")
    with open(trap + ".tmp", "w") as f:
        f.write("#!/bin/sh\n# trap.sh - stands for a program no package of tools/deps provides.\n"
                "echo \"${0##*/}\" >> \"${POCBOT_TRAP_LOG:-%s}\"\n"
                "echo \"${0##*/}: not provided by any package tools/deps lists\" >&2\n"
                "exit 127\n" % os.path.join(dest, "trapped"))
    os.chmod(trap + ".tmp", 0o755)
    os.rename(trap + ".tmp", trap)
    real = {os.path.realpath(p) for p in progs.values()}
    for d in scandirs:
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            path = os.path.join(d, name)
            if name in progs or not os.access(path, os.X_OK):
                continue
            if os.path.realpath(path) in real:	# an alternative: awk -> mawk
                progs[name] = path
                os.symlink(path, os.path.join(dest, "allowed", name))
            elif not os.path.lexists(os.path.join(dest, "trap", name)):
                os.symlink(trap, os.path.join(dest, "trap", name))
    print(os.path.join(dest, "allowed") + ":" + os.path.join(dest, "trap"))


OWNERS = {}


def owner(path):
    if path not in OWNERS:
        OWNERS[path] = find_owner(path)
    return OWNERS[path]


def find_owner(path):
    for p in (path, "/usr" + path):
        r = subprocess.run(["dpkg", "-S", p], capture_output=True, text=True)
        for line in r.stdout.splitlines():
            if not line.startswith("diversion") and line.endswith(": " + p):
                return line.split(":")[0]
    return None


def scan(files):
    ok_pkgs = allowed_packages()
    bad = 0
    pattern = re.compile(r"(?<![\w$}\"./-])((?:/usr(?:/local)?)?/s?bin/[\w.+-]+)")
    for f in files:
        with open(f, errors="replace") as fh:
            for n, line in enumerate(fh, 1):
                for path in pattern.findall(line):
                    pkg = owner(path)
                    if pkg not in ok_pkgs:
                        print("%s:%d: %s is in %s, not in a package tools/deps lists" %
                              (f, n, path, pkg or "no package"))
                        bad = 1
    return bad


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "path":
        make_path(sys.argv[2], sys.argv[3:] or BINDIRS)
    elif len(sys.argv) >= 3 and sys.argv[1] == "scan":
        sys.exit(scan(sys.argv[2:]))
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(64)
