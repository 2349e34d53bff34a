#!/usr/bin/env python3
"""smtp-sink.py - an SMTP server on loopback that keeps what it is sent.

Usage: smtp-sink.py PORTFILE DIR [ANSWERS]
Listens on 127.0.0.1 on a free port, written to PORTFILE once listening.
Each message is kept as DIR/N.env (the MAIL FROM and RCPT TO command lines
exactly as received) and DIR/N.eml (the message, dot-unstuffed), written
under a temporary name and renamed, so a test that sees N.eml sees it whole.
Every command is accepted (250), except a RCPT TO when ANSWERS is given:
that file (read at each RCPT TO, so a test changes it as it goes) holds
lines "TEXT CODE REPLY..."; the first whose TEXT is in the recipient's
address answers with CODE and REPLY (e.g. "fail.example 550 5.1.1 no such
user"). It runs until killed.
"""
import os
import socketserver
import sys

DIR = sys.argv[2]
ANSWERS = sys.argv[3] if len(sys.argv) > 3 else None
count = 0


def answer(cmd):
    """The scripted reply to a RCPT TO command line, or None: 250."""
    if not ANSWERS or not os.path.exists(ANSWERS):
        return None
    rcpt = cmd.decode("ascii", "replace").lower()
    with open(ANSWERS) as f:
        for line in f:
            words = line.split(None, 1)
            if len(words) == 2 and words[0].lower() in rcpt:
                return words[1].strip()
    return None


class Session(socketserver.StreamRequestHandler):
    def say(self, text):
        self.wfile.write((text + "\r\n").encode("ascii"))

    def handle(self):
        global count
        self.say("220 sink.test ESMTP smtp-sink.py")
        envelope = []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.rstrip(b"\r\n")
            verb = cmd[:4].upper()
            if verb == b"EHLO":
                self.say("250-sink.test")
                self.say("250 8BITMIME")
            elif verb == b"RCPT" and answer(cmd):
                self.say(answer(cmd))
            elif verb in (b"MAIL", b"RCPT"):
                envelope.append(cmd)
                self.say("250 OK")
            elif verb == b"DATA":
                self.say("354 go on")
                data = []
                while True:
                    d = self.rfile.readline()
                    if not d or d == b".\r\n":
                        break
                    data.append(d[1:] if d.startswith(b".") else d)
                count += 1
                for ext, body in ((".env", b"\n".join(envelope) + b"\n"),
                                  (".eml", b"".join(data))):
                    path = os.path.join(DIR, "%d%s" % (count, ext))
                    with open(path + ".tmp", "wb") as f:
                        f.write(body)
                    os.rename(path + ".tmp", path)
                envelope = []
                self.say("250 kept as %d" % count)
            elif verb == b"QUIT":
                self.say("221 bye")
                return
            else:
                if verb == b"RSET":
                    envelope = []
                self.say("250 OK")


def main():
    server = socketserver.TCPServer(("127.0.0.1", 0), Session)
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    server.serve_forever()


if __name__ == "__main__":
    main()
