#!/usr/bin/env python3
"""notify-sink.py - systemd's side of Type=notify, for the end-to-end tests.

Usage: notify-sink.py SOCKET OUT LMTP DB
Binds the datagram socket SOCKET (the daemon's NOTIFY_SOCKET) and appends
each notification to OUT, one field a line. When a READY=1 arrives it
also writes, at that moment, "checked lmtp=up|down db=N": whether LMTP
(host:port or unix:/path) accepts a connection, and the user_version of
the database DB (0 when it cannot be read). The socket is writable by
every user, as systemd's is. Runs until killed.
"""
import os
import socket
import sqlite3
import sys


def lmtp_up(address):
    try:
        if address.startswith("unix:"):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(address[5:])
        else:
            host, port = address.rsplit(":", 1)
            s = socket.create_connection((host, int(port)), timeout=5)
        s.close()
        return "up"
    except OSError:
        return "down"


def db_version(path):
    try:
        db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
        version = db.execute("pragma user_version").fetchone()[0]
        db.close()
        return version
    except sqlite3.Error:
        return 0


def main():
    path, out, lmtp, db = sys.argv[1:5]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o777)  # as systemd's: a daemon that became another user sends too
    while True:
        data = s.recv(4096).decode("utf-8", "replace")
        lines = data.splitlines()
        if "READY=1" in lines:
            lines.append("checked lmtp=%s db=%d" % (lmtp_up(lmtp), db_version(db)))
        with open(out, "a") as f:
            f.write("\n".join(lines) + "\n")


main()
