#!/usr/bin/env python3
"""ping-reply.py - answers a ping as a mail client does, for ping-round.sh:
ping-reply.py MAILDIR MESSAGE-ID FROM SMTP_PORT [TEXT]

Finds in MAILDIR the message whose Message-ID is <MESSAGE-ID>, and sends,
by SMTP to 127.0.0.1:SMTP_PORT with FROM as envelope sender, the reply a
mail client makes when one presses "Reply": to its Reply-To (else From),
"Re: " and its subject, In-Reply-To and References, TEXT (default "We are
here.") above the quoted text of its text/plain part ("On DATE, X wrote:"
and "> " lines). Prints the reply's Message-ID. Exit 1 when the message
is not there.
"""
import email
import email.policy
import email.utils
import glob
import smtplib
import sys

maildir, want, sender, port = sys.argv[1], "<%s>" % sys.argv[2], sys.argv[3], int(sys.argv[4])
text = sys.argv[5] if len(sys.argv) > 5 else "We are here."

orig = None
for path in sorted(glob.glob(maildir + "/new/*") + glob.glob(maildir + "/cur/*")):
    with open(path, "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    if str(m.get("Message-ID", "")).strip() == want:
        orig = m
        break
if orig is None:
    sys.exit(1)

quoted = ""
for part in orig.walk():
    if part.get_content_type() == "text/plain":
        quoted = part.get_content()
        break
to = str(orig.get("Reply-To") or orig.get("From"))
subject = " ".join(str(orig.get("Subject", "")).split())
reply = email.message.EmailMessage()
reply["From"] = "Ana Respond <%s>" % sender
reply["To"] = to
reply["Subject"] = subject if subject.lower().startswith("re:") else "Re: " + subject
reply["Date"] = email.utils.formatdate()
reply["Message-ID"] = email.utils.make_msgid(domain="poc.test")
reply["In-Reply-To"] = want
reply["References"] = " ".join(x for x in (str(orig.get("References", "")).strip(), want) if x)
reply["User-Agent"] = "Mozilla/5.0 Thunderbird/115.0"
reply.set_content("%s\n\nOn %s, %s wrote:\n%s\n" % (
    text, orig.get("Date", ""), orig.get("From", ""),
    "\n".join("> " + line for line in quoted.splitlines())))
with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
    s.send_message(reply, from_addr=sender, to_addrs=[email.utils.parseaddr(to)[1]])
print(reply["Message-ID"].strip("<>"))
