#!/bin/sh
# corpus.sh - the shared corpus of real-world mail ($POCBOT_TOP/../shared/corpus,
# only read) through a running robot: every message is taken in by
# 'pocbot deliver' (and a sample by LMTP), goes through the pipeline without
# a crash or a quarantine, and gets its row in messages. Bounces
# (bounces/EXPECTED.tsv kinds hard, soft, mixed, unknown) and automatic
# replies (autoreplies/) are sent with person-like and postmaster envelope
# senders, never <>, as real responders do: none gets any reply, in the
# outbox table or the Maildir; automatic replies are recorded as autoreply
# or bounce, and at least 95% of the bounces as bounce; a bounce that is
# not must be named in VIOLATIONS.md.
#
# Each delivery has its own recipient, pocbot+TAG@robot.test, so that its row
# in messages (column recipients) names the corpus file it came from.
. "$(dirname "$0")/lib.sh"

fail() { echo "corpus.sh: $*" >&2; exit 1; }
top=${POCBOT_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
CORPUS=$top/../shared/corpus
[ -f "$CORPUS/bounces/EXPECTED.tsv" ] && [ -d "$CORPUS/autoreplies" ] ||
	fail "the corpus of real-world mail is missing: expected $CORPUS with bounces/EXPECTED.tsv and autoreplies/"
[ -x "$POCBOT" ] || fail "no robot binary at $POCBOT"
for c in python3 sqlite3; do command -v "$c" >/dev/null 2>&1 || fail "'$c' is missing"; done

R=$T/r
CONF=$R/pocbot.conf
DB=$R/var/pocbot.db
port=$(free_port)
mkdir -p "$R"
write_config "$CONF" "$port"
start_robot "$CONF" || fail "the robot did not start: $(cat "$R/serve.log")"

# The message files: everything but the index files and the key folders.
(cd "$CORPUS" && find . -type f ! -name '*.tsv' ! -name '*.md' ! -path '*/keys/*' | sed 's|^\./||' | sort) \
	> "$T/files"
grep '^autoreplies/' "$T/files" > "$T/targets"
awk -F'\t' 'NR > 1 && $3 ~ /^(hard|soft|mixed|unknown)$/ { print "bounces/" $1 }' \
	"$CORPUS/bounces/EXPECTED.tsv" > "$T/bounce-files"
cat "$T/bounce-files" >> "$T/targets"
echo "corpus: $(wc -l < "$T/files") messages, $(wc -l < "$T/targets") bounces and automatic replies"

# deliver_one TAG SENDER FILE: one message through 'pocbot deliver'.
: > "$T/deliveries"
: > "$T/deliver-failures"
deliver_one() {
	"$POCBOT" -c "$CONF" deliver --sender "$2" --recipient "pocbot+$1@robot.test" \
		< "$CORPUS/$3" 2>>"$R/deliver.log"
	rc=$?
	if [ $rc -eq 0 ]; then
		printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$T/deliveries"
	else
		echo "$3 (from $2): exit $rc" >> "$T/deliver-failures"
	fi
}

# The checks, in Python: the LMTP sample and everything read from the database.
cat > "$T/check.py" <<'EOF'
import email, os, re, smtplib, sqlite3, sys
from email import policy

corpus, tdir, db = os.environ["CORPUS"], os.environ["T"], os.environ["DB"]

def lines(name):
    with open(os.path.join(tdir, name)) as f:
        return [l.rstrip("\n") for l in f if l.strip()]

def deliveries():
    return [l.split("\t") for l in lines("deliveries")]

def rows():
    """tag -> (kind, outcome, reason, id) from the messages table."""
    con = sqlite3.connect(db)
    out = {}
    for rid, rcpts, kind, outcome, reason in con.execute(
            "SELECT id, recipients, kind, outcome, reason FROM messages"):
        m = re.search(r"pocbot\+(\w+)@robot\.test", rcpts)
        if m:
            out[m.group(1)] = (kind, outcome, reason, rid)
    return out, con

def report(problems, what):
    for p in problems[:40]:
        print("    " + p, file=sys.stderr)
    if len(problems) > 40:
        print("    ... and %d more %s" % (len(problems) - 40, what), file=sys.stderr)
    return 1 if problems else 0

def message_ids(path):
    with open(os.path.join(corpus, path), "rb") as f:
        msg = email.message_from_binary_file(f, policy=policy.compat32)
    return set(re.findall(r"<([^<>\s]+)>", str(msg.get("Message-ID", ""))))

def lmtp(port):
    """Sends the sample through LMTP, one connection; CRLF as an MTA would."""
    s = smtplib.LMTP("127.0.0.1", int(port))
    bad = []
    with open(os.path.join(tdir, "deliveries"), "a") as log:
        for line in lines("lmtp-sample"):
            tag, path = line.split("\t")
            with open(os.path.join(corpus, path), "rb") as f:
                data = re.sub(rb"\r\n|\r|\n", b"\r\n", f.read())
            try:
                s.sendmail("alice@example.org", ["pocbot+%s@robot.test" % tag], data)
                log.write("%s\talice@example.org\t%s\n" % (tag, path))
            except smtplib.SMTPException as e:
                bad.append("%s: %s" % (path, e))
    s.quit()
    return report(bad, "refused")

def recorded():
    got, _ = rows()
    missing = ["%s (from %s): no row in messages" % (p, s) for t, s, p in deliveries() if t not in got]
    return report(missing, "without a row")

def no_reply():
    got, con = rows()
    targets = set(lines("targets"))
    ids = {got[t][3]: p for t, s, p in deliveries() if p in targets and t in got}
    bad = ["%s: reply %s in the outbox (%s)" % (ids[m], tok, st)
           for m, tok, st in con.execute("SELECT message, token, state FROM outbox") if m in ids]
    return report(bad, "replies")

def maildir():
    got, con = rows()
    targets = set(lines("targets"))
    ids = {got[t][3]: p for t, s, p in deliveries() if p in targets and t in got}
    tokens = {tok: m for tok, m in con.execute("SELECT token, message FROM outbox")}
    answered = set()
    for p in targets:
        try:
            answered |= {(i, p) for i in message_ids(p)}
        except Exception:
            pass
    by_id = dict(answered)
    bad = []
    box = os.path.join(os.path.dirname(db), "outbox")
    for sub in ("new", "cur"):
        d = os.path.join(box, sub)
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            tok = name.split(".")[1] if name.count(".") >= 2 else ""
            if tok not in tokens:
                bad.append("%s/%s: in the Maildir but not in the outbox" % (sub, name))
            elif tokens[tok] in ids:
                bad.append("%s/%s: a reply to %s" % (sub, name, ids[tokens[tok]]))
            with open(os.path.join(d, name), "rb") as f:
                head = email.message_from_binary_file(f, policy=policy.compat32)
            refs = " ".join(str(head.get(h, "")) for h in ("In-Reply-To", "References"))
            for p in sorted({by_id[i] for i in re.findall(r"<([^<>\s]+)>", refs) if i in by_id}):
                bad.append("%s/%s: answers %s" % (sub, name, p))
    return report(bad, "replies")

def kinds(folder, allowed, minimum):
    got, _ = rows()
    targets = [p for p in lines("targets") if p.startswith(folder + "/")]
    seen, good, off = 0, 0, []
    for t, s, p in deliveries():
        if p in targets and t in got:
            seen += 1
            if got[t][0] in allowed:
                good += 1
            else:
                off.append((p, s, got[t][0], got[t][2]))
    pct = 100.0 * good / seen if seen else 0
    print("    %s: %d of %d deliveries recorded as %s (%.1f%%)" % (folder, good, seen, "/".join(allowed), pct))
    for p, s, k, r in off:
        print("    not %s: %s (from %s): %s, %s" % ("/".join(allowed), p, s, k, r), file=sys.stderr)
    return 0 if seen and pct >= minimum else 1

def documented():
    got, _ = rows()
    path = os.path.join(os.environ["POCBOT_TOP"], "VIOLATIONS.md")
    text = open(path).read() if os.path.exists(path) else ""
    bounces = set(lines("bounce-files"))
    off = sorted({p for t, s, p in deliveries() if p in bounces and t in got and got[t][0] != "bounce"})
    return report(["%s: not recorded as bounce, and not named in VIOLATIONS.md" % p
                   for p in off if os.path.basename(p) not in text], "undocumented")

mode = sys.argv[1]
sys.exit({"lmtp": lambda: lmtp(sys.argv[2]), "recorded": recorded, "no-reply": no_reply,
          "maildir": maildir, "documented": documented,
          "autoreplies": lambda: kinds("autoreplies", ("autoreply", "bounce"), 100),
          "bounces": lambda: kinds("bounces", ("bounce",), 95)}[mode]())
EOF
export CORPUS T DB POCBOT_TOP="$top"
check() { python3 "$T/check.py" "$@"; }

echo "deliver: every message from postmaster@example.net"
n=0
while IFS= read -r f; do
	n=$((n + 1))
	deliver_one "a$n" postmaster@example.net "$f"
done < "$T/files"
echo "deliver: bounces and automatic replies again from alice@example.org"
n=0
while IFS= read -r f; do
	n=$((n + 1))
	[ -f "$CORPUS/$f" ] || { echo "$f: listed, but not in the corpus" >> "$T/deliver-failures"; continue; }
	deliver_one "b$n" alice@example.org "$f"
done < "$T/targets"
ok "every delivery was accepted (exit 0)" sh -c "! [ -s '$T/deliver-failures' ] || { cat '$T/deliver-failures' >&2; false; }"

echo "LMTP: every eighth message from alice@example.org"
awk 'NR % 8 == 1 { printf "c%d\t%s\n", NR, $0 }' "$T/files" > "$T/lmtp-sample"
ok "the LMTP sample was accepted (250)" check lmtp "$port"

drained() { [ "$(count_files "$R/var/spool/new")" -eq 0 ]; }
sent() { [ "$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE state = 'queued'")" -eq 0 ]; }
ok "the worker drains spool/new" wait_for 150 drained
wait_for 30 sent
ok "the daemon is still alive" kill -0 "$ROBOT_PID"
ok "spool/quarantine is empty" sh -c "[ \$(find '$R/var/spool/quarantine' -type f 2>/dev/null | wc -l) -eq 0 ]"
ok "no sanitizer report in the logs" sh -c "! grep -l 'Sanitizer\|runtime error' '$R/serve.log' '$R/deliver.log'"
echo "  $(sqlite3 "$DB" 'SELECT count(*) FROM messages') rows for $(wc -l < "$T/deliveries") deliveries"
ok "every delivery has its row in messages" check recorded
ok "no bounce or automatic reply is answered in the outbox table" check no-reply
ok "no bounce or automatic reply is answered in the Maildir" check maildir
ok "automatic replies are recorded as autoreply or bounce" check autoreplies
ok "at least 95% of the bounces are recorded as bounce" check bounces
ok "every bounce not recorded as bounce is named in VIOLATIONS.md" check documented
finish
