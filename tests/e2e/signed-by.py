#!/usr/bin/env python3
"""signed-by.py - which OpenPGP key signed a reply of the robot.

  signed-by.py FILE KEYS    prints the primary fingerprint of the key whose
                            good signature the reply's multipart/signed carries

The reply is PGP/MIME encrypted to the signer whose GnuPG home is KEYS
(which must hold the robot's public keys to verify); decrypted with gpg,
the signed entity is taken from the decrypted bytes as they are (a parsed
and written again entity would not verify) and verified with gpg. Exits 1
when the reply cannot be decrypted or the signature is not good.
"""
import email
import email.policy
import os
import re
import subprocess
import sys
import tempfile


def main():
    path, keys = sys.argv[1], sys.argv[2]
    with open(path, "rb") as f:
        msg = email.message_from_bytes(f.read(), policy=email.policy.default)
    if msg.get_content_type() != "multipart/encrypted":
        sys.exit("signed-by.py: not PGP/MIME encrypted")
    data = msg.get_payload()[1].get_payload(decode=True)
    run = subprocess.run(["gpg", "--homedir", keys, "--batch", "--decrypt"], input=data,
                         capture_output=True)
    if run.returncode != 0:
        sys.exit("signed-by.py: cannot decrypt with %s" % keys)
    inner = run.stdout
    b = re.search(rb'boundary="?([^";\r\n]+)"?', inner)
    if not b:
        sys.exit("signed-by.py: the decrypted entity is not multipart/signed")
    delim = b"\r\n--" + b.group(1)
    start = inner.index(b"--" + b.group(1)) + len(b.group(1)) + 4	# past "--B\r\n"
    end = inner.index(delim, start)
    signed = inner[start:end]
    sig_start = end + len(delim) + 2
    sig_end = inner.index(delim, sig_start)
    sig = inner[sig_start:sig_end].split(b"\r\n\r\n", 1)[1]
    with tempfile.TemporaryDirectory() as d:
        for name, content in (("data", signed), ("sig", sig)):
            with open(os.path.join(d, name), "wb") as f:
                f.write(content)
        run = subprocess.run(["gpg", "--homedir", keys, "--batch", "--status-fd", "1",
                              "--verify", os.path.join(d, "sig"), os.path.join(d, "data")],
                             capture_output=True)
    for line in run.stdout.decode().splitlines():
        if line.startswith("[GNUPG:] VALIDSIG "):
            print(line.split()[-1])
            return
    sys.exit("signed-by.py: no good signature")


main()
