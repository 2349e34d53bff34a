#!/usr/bin/env python3
"""reply.py - reads a reply of the robot as its recipient would.

  reply.py FILE KEYS [text]   every text/plain part, decrypted first
  reply.py FILE KEYS kind     clear, pgp (PGP/MIME encrypted) or smime (enveloped)
  reply.py FILE KEYS all      every part decoded, text or not (for "holds no data")
  reply.py --batch            reads lines "FILE<TAB>KEYS<TAB>OUT" on standard input and
                              writes OUT.kind, OUT.subject and OUT (the text) for each
                              (one process for many replies; OUT is not written when the
                              reply cannot be decrypted)

KEYS is the recipient's keys: a GnuPG home (PGP/MIME), or a folder with
cert.pem and key.pem (S/MIME, decrypted by openssl). A reply that is
encrypted but cannot be decrypted with KEYS is an error (exit 1), never an
empty text. "-" as KEYS reads only clear replies.
"""
import email
import email.policy
import os
import subprocess
import sys

sys.stdout.reconfigure(encoding="utf-8", errors="replace")


def parse(data):
    return email.message_from_bytes(data, policy=email.policy.default)


def kind(msg):
    ctype = msg.get_content_type()
    if ctype == "multipart/encrypted":
        return "pgp"
    if ctype in ("application/pkcs7-mime", "application/x-pkcs7-mime"):
        if msg.get_param("smime-type", "").lower() != "signed-data":
            return "smime"
    return "clear"


def decrypt(msg, keys):
    """The decrypted entity of an encrypted reply, or exits 1."""
    k = kind(msg)
    if keys == "-":
        sys.exit("reply.py: the reply is encrypted (%s) and no keys were given" % k)
    if k == "pgp":
        data = msg.get_payload()[1].get_payload(decode=True)
        cmd = ["gpg", "--homedir", keys, "--batch", "--decrypt"]
    else:
        data = msg.as_bytes()
        cmd = ["openssl", "smime", "-decrypt", "-recip", os.path.join(keys, "cert.pem"),
               "-inkey", os.path.join(keys, "key.pem")]
    run = subprocess.run(cmd, input=data, capture_output=True)
    if run.returncode != 0 or not run.stdout:
        sys.exit("reply.py: cannot decrypt the reply with %s" % keys)
    return parse(run.stdout.replace(b"\r\n", b"\n"))


def opened(msg, keys):
    """The message with every encryption layer taken off."""
    while kind(msg) != "clear":
        msg = decrypt(msg, keys)
    return msg


def parts(msg, keys):
    """Every leaf entity, opaque S/MIME signed-data unwrapped by openssl."""
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        if ctype.endswith("pkcs7-mime") and part.get_param("smime-type", "") == "signed-data":
            run = subprocess.run(["openssl", "smime", "-verify", "-noverify"],
                                 input=part.as_bytes(), capture_output=True)
            yield from parts(parse(run.stdout.replace(b"\r\n", b"\n")), keys)
        elif kind(part) != "clear":
            yield from parts(opened(part, keys), keys)
        else:
            yield part


def text_of(msg, keys, what="text"):
    out = []
    for part in parts(opened(msg, keys), keys):
        if part.get_content_type() == "text/plain":
            out.append(part.get_content())
        elif what == "all":
            payload = part.get_payload(decode=True) or b""
            out.append(payload.decode("utf-8", "replace"))
    return "".join(t + "\n" for t in out)


def batch():
    for line in sys.stdin:
        path, keys, out = line.rstrip("\n").split("\t")
        with open(path, "rb") as f:
            msg = parse(f.read())
        with open(out + ".kind", "w") as f:
            f.write(kind(msg) + "\n")
        with open(out + ".subject", "w", encoding="utf-8") as f:
            f.write(str(msg.get("Subject", "")) + "\n")
        try:
            text = text_of(msg, keys)
        except SystemExit as e:
            print(e, file=sys.stderr)
            continue
        with open(out, "w", encoding="utf-8") as f:
            f.write(text)


def main():
    if sys.argv[1:] == ["--batch"]:
        batch()
        return
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    with open(sys.argv[1], "rb") as f:
        msg = parse(f.read())
    keys = sys.argv[2]
    what = sys.argv[3] if len(sys.argv) > 3 else "text"
    if what == "kind":
        print(kind(msg))
        return
    sys.stdout.write(text_of(msg, keys, what))


main()
