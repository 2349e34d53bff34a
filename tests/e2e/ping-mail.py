#!/usr/bin/env python3
"""ping-mail.py - reads the Maildirs of ping-round.sh.

  ping-mail.py find MAILDIR HEADER VALUE   files whose HEADER contains VALUE (any case), oldest first
  ping-mail.py header FILE NAME            each value of header NAME, unfolded
  ping-mail.py text GNUPGHOME FILE         every text part (text/plain, text/csv), after
                                           decrypting a PGP/MIME message with GNUPGHOME
"""
import email
import email.policy
import glob
import os
import subprocess
import sys

sys.stdout.reconfigure(encoding="utf-8", errors="replace")


def load(data):
    return email.message_from_bytes(data, policy=email.policy.default)


def files(d):
    fs = glob.glob(d + "/new/*") + glob.glob(d + "/cur/*")
    return sorted(fs, key=lambda p: (os.stat(p).st_mtime, p))


def texts(msg, home):
    for part in msg.walk():
        t = part.get_content_type()
        if t == "multipart/encrypted":
            enc = part.get_payload()[1].get_payload(decode=True)
            out = subprocess.run(["gpg", "--homedir", home, "--batch", "--decrypt"], input=enc,
                                 capture_output=True).stdout
            texts(load(out), home)
            return
        if t in ("text/plain", "text/csv"):
            print(part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8", "replace"))


cmd = sys.argv[1]
if cmd == "find":
    d, name, value = sys.argv[2:5]
    for p in files(d):
        with open(p, "rb") as f:
            m = email.message_from_binary_file(f, policy=email.policy.default)
        if any(value.lower() in str(v).lower() for v in (m.get_all(name) or [])):
            print(p)
elif cmd == "header":
    with open(sys.argv[2], "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    for v in m.get_all(sys.argv[3]) or []:
        print(" ".join(str(v).split()))
elif cmd == "text":
    with open(sys.argv[3], "rb") as f:
        texts(email.message_from_binary_file(f, policy=email.policy.default), sys.argv[2])
