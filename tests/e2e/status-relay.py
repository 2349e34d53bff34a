#!/usr/bin/env python3
"""status-relay.py - a loopback SMTP relay that answers by recipient.

Usage: status-relay.py PORTFILE
Listens on 127.0.0.1 on a free port, written to PORTFILE once listening.
RCPT TO a local part beginning "smtp550" is refused 550 5.1.1 (permanent),
"smtp451" 451 4.3.0 (temporary); any other is taken (250) and its message
dropped. It runs until killed.
"""
import os
import socketserver
import sys


class Session(socketserver.StreamRequestHandler):
    def say(self, text):
        self.wfile.write((text + "\r\n").encode("ascii"))

    def handle(self):
        self.say("220 relay.test ESMTP status-relay.py")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.rstrip(b"\r\n")
            verb = cmd[:4].upper()
            rcpt = cmd[8:].strip(b" <>").lower()
            if verb == b"EHLO":
                self.say("250-relay.test")
                self.say("250 8BITMIME")
            elif verb == b"RCPT" and rcpt.startswith(b"smtp550"):
                self.say("550 5.1.1 no such user")
            elif verb == b"RCPT" and rcpt.startswith(b"smtp451"):
                self.say("451 4.3.0 try again later")
            elif verb == b"DATA":
                self.say("354 go on")
                while True:
                    d = self.rfile.readline()
                    if not d or d == b".\r\n":
                        break
                self.say("250 taken")
            elif verb == b"QUIT":
                self.say("221 bye")
                return
            else:
                self.say("250 OK")


def main():
    server = socketserver.TCPServer(("127.0.0.1", 0), Session)
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    server.serve_forever()


if __name__ == "__main__":
    main()
