#!/usr/bin/env python3
"""mailfile.py - reads a message file for the end-to-end tests.

  mailfile.py FILE HEADER   prints the decoded header (empty if absent)
  mailfile.py FILE body     prints the decoded text body
  mailfile.py FILE text     prints every text/plain part, signed ones included
  mailfile.py FILE type     prints the top-level content type
"""
import email
import email.policy
import sys

sys.stdout.reconfigure(encoding="utf-8")

with open(sys.argv[1], "rb") as f:
    msg = email.message_from_binary_file(f, policy=email.policy.default)
what = sys.argv[2]
if what == "text":
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            print(part.get_content())
elif what == "type":
    print(msg.get_content_type())
elif what == "body":
    part = msg.get_body(preferencelist=("plain",))
    print(part.get_content() if part else "")
else:
    print(msg.get(what, "") or "")
