#!/usr/bin/env python3
"""ping-vacation.py - an out-of-office responder for ping-round.sh, run by
Postfix's pipe(8) for one mailbox: ping-vacation.py SMTP_PORT SENDER RECIPIENT
with the message on standard input.

It answers as vacation(1), Sieve vacation and Exchange's "automatic
replies" do: once per envelope sender, to the envelope sender (RFC 3834
3.1.5: the Return-Path), from the null sender, with Auto-Submitted:
auto-replied, In-Reply-To and References naming the message and "Automatic
reply: SUBJECT". Like a strict RFC 3834 responder it does not answer a null
sender, list mail, or mail marked Auto-Submitted other than "no": the
robot's pings carry no Auto-Submitted field so that such responders answer
them. Exit 0 always once the message is read: a responder's trouble must
not bounce the mail.
"""
import email
import email.policy
import email.utils
import os
import smtplib
import sys

port, sender, rcpt = sys.argv[1], sys.argv[2], sys.argv[3]
msg = email.message_from_binary_file(sys.stdin.buffer, policy=email.policy.default)
seen_file = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vacation.seen")
auto = str(msg.get("Auto-Submitted", "no")).strip().lower()
if (not sender or auto != "no" or str(msg.get("Precedence", "")).strip().lower() in ("bulk", "list", "junk")
        or msg.get("List-Id")):
    sys.exit(0)
try:
    seen = set(open(seen_file).read().split())
except OSError:
    seen = set()
if sender.lower() in seen:
    sys.exit(0)
with open(seen_file, "a") as f:
    f.write(sender.lower() + "\n")

msgid = str(msg.get("Message-ID", "")).strip()
refs = " ".join(x for x in (str(msg.get("References", "")).strip(), msgid) if x)
reply = email.message.EmailMessage()
reply["From"] = "Away Person <%s>" % rcpt
reply["To"] = sender
reply["Subject"] = "Automatic reply: " + " ".join(str(msg.get("Subject", "")).split())
reply["Date"] = email.utils.formatdate()
reply["Message-ID"] = email.utils.make_msgid(domain="poc.test")
reply["Auto-Submitted"] = "auto-replied"
reply["X-Auto-Response-Suppress"] = "All"
if msgid:
    reply["In-Reply-To"] = msgid
    reply["References"] = refs
reply.set_content("I am out of the office until next month, with no access to e-mail.\n"
                  "Your message will not be forwarded.\n")
try:
    with smtplib.SMTP("127.0.0.1", int(port), timeout=30) as s:
        s.send_message(reply, from_addr="", to_addrs=[sender])
except Exception as e:  # noqa: BLE001 - logged, not fatal
    sys.stderr.write("ping-vacation: %s\n" % e)
sys.exit(0)
