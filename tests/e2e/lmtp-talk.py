#!/usr/bin/env python3
"""lmtp-talk.py - speaks raw LMTP for the end-to-end tests.

Usage: lmtp-talk.py ADDRESS < script
ADDRESS is host:port or unix:/path. The script holds lines to send; a line
"<<< N" waits for N replies (multi-line replies count once) and prints them,
"<<<" waits for one. Text is sent with CRLF line ends. Everything received
is printed, one reply line per line, so the shell test can grep it.
"""
import socket
import sys


def connect(address):
    if address.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(address[5:])
    else:
        host, port = address.rsplit(":", 1)
        s = socket.create_connection((host, int(port)), timeout=30)
    s.settimeout(30)
    return s


def read_replies(f, n):
    for _ in range(n):
        while True:
            line = f.readline()
            if not line:
                print("EOF")
                return False
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            print(text)
            if len(text) < 4 or text[3] != "-":
                break
    return True


def main():
    s = connect(sys.argv[1])
    f = s.makefile("rb")
    read_replies(f, 1)  # greeting
    pending = []
    for raw in sys.stdin.read().rstrip("\n").split("\n"):
        if raw.startswith("<<<"):
            if pending:
                s.sendall(("".join(pending)).encode("utf-8"))
                pending = []
            n = int(raw[3:].strip() or "1")
            if not read_replies(f, n):
                return
        else:
            pending.append(raw + "\r\n")
    if pending:
        s.sendall(("".join(pending)).encode("utf-8"))
    s.close()


if __name__ == "__main__":
    main()
