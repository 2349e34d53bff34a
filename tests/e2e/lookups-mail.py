#!/usr/bin/env python3
"""lookups-mail.py - takes the robot's encrypted answers apart for
tests/e2e/lookups.sh; the cryptography itself is left to gpg, gpgsm and
openssl, which the script runs.

  lookups-mail.py FILE kind           prints pgp (multipart/encrypted),
                                      smime (application/pkcs7-mime
                                      enveloped-data) or plain
  lookups-mail.py FILE payload OUT    writes the OpenPGP message of a
                                      PGP/MIME encrypted answer
  lookups-mail.py FILE pgpsigned DIR  FILE is a decrypted entity signed
                                      PGP/MIME: writes DIR/signed (the
                                      signed part, CRLF) and DIR/sig
  lookups-mail.py FILE unpack DIR     writes every text/plain part that is
                                      not an attachment to DIR/body.txt
                                      and each attachment to DIR/NAME;
                                      prints the attachments' names and
                                      types, one a line
"""
import email
import email.policy
import os
import sys

sys.stdout.reconfigure(encoding="utf-8")


def load(path):
    with open(path, "rb") as f:
        return email.message_from_binary_file(f, policy=email.policy.compat32)


def main():
    path, what = sys.argv[1], sys.argv[2]
    msg = load(path)
    if what == "kind":
        ct = msg.get_content_type()
        if ct == "multipart/encrypted":
            print("pgp")
        elif ct in ("application/pkcs7-mime", "application/x-pkcs7-mime") and \
                (msg.get_param("smime-type") or "").lower() == "enveloped-data":
            print("smime")
        else:
            print("plain")
    elif what == "payload":
        open(sys.argv[3], "wb").write(msg.get_payload()[1].get_payload(decode=True))
    elif what == "pgpsigned":
        out = sys.argv[3]
        os.makedirs(out, exist_ok=True)
        raw = open(path, "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        boundary = msg.get_boundary().encode()
        parts = raw.split(b"--" + boundary)
        open(os.path.join(out, "signed"), "wb").write(parts[1][2:-2])
        open(os.path.join(out, "sig"), "wb").write(msg.get_payload()[1].get_payload(decode=True))
    elif what == "unpack":
        out = sys.argv[3]
        os.makedirs(out, exist_ok=True)
        body = []
        for part in msg.walk():
            if part.is_multipart():
                continue
            name = part.get_filename()
            ct = part.get_content_type()
            if ct in ("application/pgp-signature", "application/pkcs7-signature",
                      "application/x-pkcs7-signature"):
                continue
            data = part.get_payload(decode=True) or b""
            if name:
                assert "/" not in name and not name.startswith("."), name
                open(os.path.join(out, name), "wb").write(data)
                print("%s %s" % (name, ct))
            elif ct == "text/plain":
                body.append(data.replace(b"\r\n", b"\n").decode(part.get_content_charset() or "utf-8"))
        open(os.path.join(out, "body.txt"), "w", encoding="utf-8").write("\n".join(body))
    else:
        sys.exit("unknown request " + what)


main()
