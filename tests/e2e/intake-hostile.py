#!/usr/bin/env python3
"""intake-hostile.py - hostile LMTP clients for tests/e2e/intake-hostile.sh.

Usage: intake-hostile.py ADDRESS ACTION [ARGS]
ADDRESS is host:port or unix:/path. Each action prints what it saw, one fact
a line ("key value"), for the shell test to check:
  smuggle            a message whose body holds "\\n.\\n" and a second transaction
  quoted             quoted local parts at MAIL FROM and RCPT TO
  send FILE          FILE as one message (sent as is, then CRLF.CRLF)
  parallel N BYTES   N connections at once, each sending a message of about BYTES
  drop BYTES         sends BYTES of DATA, then closes without the end
  idle               connects, sends nothing, reports when the server closes
  slowcmd            sends LHLO then half a command, reports when closed
  starve IDLE SLOW N IDLE connections doing nothing and SLOW ones trickling a
                     byte a second inside DATA, while one client sends N messages
"""
import socket
import sys
import threading
import time


def connect(address, timeout=60):
    if address.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(address[5:])
    else:
        host, port = address.rsplit(":", 1)
        s = socket.create_connection((host, int(port)), timeout=timeout)
    s.settimeout(timeout)
    return s


class Client:
    def __init__(self, address, timeout=60):
        self.s = connect(address, timeout)
        self.f = self.s.makefile("rb")

    def reply(self):
        """One reply, its lines joined; "EOF" when the server closed."""
        lines = []
        while True:
            line = self.f.readline()
            if not line:
                return "EOF"
            lines.append(line.decode("latin-1").rstrip("\r\n"))
            if len(line) < 4 or line[3:4] != b"-":
                return "\n".join(lines)

    def cmd(self, text):
        self.s.sendall(text.encode("latin-1") + b"\r\n")
        return self.reply()

    def hello(self):
        greeting = self.reply()
        lhlo = self.cmd("LHLO mta.test")
        return greeting, lhlo

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def open_data(c, sender, rcpts):
    c.hello()
    out = [c.cmd("MAIL FROM:<%s>" % sender)]
    out += [c.cmd("RCPT TO:<%s>" % r) for r in rcpts]
    out.append(c.cmd("DATA"))
    return out


def smuggle(address):
    c = Client(address)
    open_data(c, "alice@example.org", ["pocbot@robot.test"])
    body = ("Subject: first\r\nMessage-ID: <first@example.org>\r\n\r\nhello\n.\n"
            "MAIL FROM:<forged@evil.test>\nRCPT TO:<pocbot@robot.test>\nDATA\n"
            "Subject: smuggled\n\nsmuggled\n.\n")
    c.s.sendall(body.encode())
    time.sleep(0.5)  # what a server that ended DATA at "\n.\n" would have answered by now
    c.s.sendall(b"\r\n.\r\nQUIT\r\n")
    replies = []
    while True:
        r = c.reply()
        replies.append(r)
        if r == "EOF" or r.startswith("221"):
            break
    for r in replies:
        print("reply", r.replace("\n", " | "))
    c.close()


def quoted(address):
    c = Client(address)
    c.hello()
    print("mail", c.cmd('MAIL FROM:<"John Doe"@example.org>'))
    print("rcpt", c.cmd('RCPT TO:<"System Administrator"@robot.test>'))
    print("data", c.cmd("DATA"))
    c.s.sendall(b"Subject: quoted\r\n\r\nhello\r\n.\r\n")
    print("end", c.reply())
    c.cmd("QUIT")
    c.close()


def send(address, path):
    with open(path, "rb") as f:
        msg = f.read()
    c = Client(address)
    open_data(c, "alice@example.org", ["pocbot@robot.test"])
    c.s.sendall(msg + b"\r\n.\r\n")
    print("end", c.reply())
    c.close()


def parallel(address, n, size):
    results = [None] * n
    barrier = threading.Barrier(n)
    line = b"x" * 76 + b"\r\n"

    def one(i):
        try:
            c = Client(address, 120)
            open_data(c, "p%d@example.org" % i, ["pocbot@robot.test"])
            barrier.wait()
            c.s.sendall(b"Subject: big %d\r\n\r\n" % i)
            lines = max(1, size // len(line))
            while lines > 0:
                c.s.sendall(line * min(lines, 1000))
                lines -= 1000
            c.s.sendall(b".\r\n")
            results[i] = c.reply()
            c.close()
        except Exception as e:  # reported, not raised: the shell counts
            results[i] = "error %s" % e
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("stored", sum(1 for r in results if r and r.startswith("250 ")))
    for r in results:
        if not (r and r.startswith("250 ")):
            print("other", r)


def drop(address, size):
    c = Client(address)
    open_data(c, "dropper@example.org", ["pocbot@robot.test"])
    c.s.sendall(b"Subject: dropped\r\n\r\n" + b"y" * 78 + b"\r\n")
    c.s.sendall((b"z" * 78 + b"\r\n") * (size // 80))
    c.close()
    print("dropped", size)


def wait_closed(c, limit):
    t0 = time.time()
    c.s.settimeout(limit)
    last = ""
    try:
        while True:
            r = c.reply()
            if r == "EOF":
                break
            last = r
    except socket.timeout:
        print("closed never")
        return
    print("closed %.1f" % (time.time() - t0))
    print("last", last)


def idle(address):
    c = Client(address)
    wait_closed(c, 20)


def slowcmd(address):
    c = Client(address)
    c.hello()
    c.s.sendall(b"MAIL FROM:<slow")
    wait_closed(c, 20)


def starve(address, n_idle, n_slow, n_msgs):
    idle_socks, slow = [], []
    for _ in range(n_idle):
        idle_socks.append(connect(address))
    for i in range(n_slow):
        c = Client(address)
        open_data(c, "slow%d@example.org" % i, ["pocbot@robot.test"])
        slow.append(c)
    stop = threading.Event()

    def trickle():
        while not stop.is_set():
            for c in slow:
                try:
                    c.s.send(b"x")
                except OSError:
                    pass
            stop.wait(1)
    t = threading.Thread(target=trickle)
    t.start()
    print("hostile", n_idle + n_slow)
    t0 = time.time()
    acked = 0
    try:
        c = Client(address, 30)
        c.hello()
        for i in range(n_msgs):
            c.cmd("MAIL FROM:<mta%d@example.org>" % i)
            c.cmd("RCPT TO:<pocbot@robot.test>")
            c.cmd("DATA")
            c.s.sendall(b"Subject: normal %d\r\nMessage-ID: <n%d@example.org>\r\n\r\nbody\r\n.\r\n" % (i, i))
            if c.reply().startswith("250 2.0.0"):
                acked += 1
        c.cmd("QUIT")
        c.close()
    except Exception as e:
        print("error", e)
    print("acked", acked)
    print("seconds %.1f" % (time.time() - t0))
    stop.set()
    t.join()
    closed = 0
    for s in idle_socks + [c.s for c in slow]:
        s.setblocking(False)
        try:
            while True:
                d = s.recv(4096)
                if not d:
                    closed += 1
                    break
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
        s.close()
    print("hostile_closed", closed)


def main():
    address, action, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if action == "smuggle":
        smuggle(address)
    elif action == "quoted":
        quoted(address)
    elif action == "send":
        send(address, args[0])
    elif action == "parallel":
        parallel(address, int(args[0]), int(args[1]))
    elif action == "drop":
        drop(address, int(args[0]))
    elif action == "idle":
        idle(address)
    elif action == "slowcmd":
        slowcmd(address)
    elif action == "starve":
        starve(address, int(args[0]), int(args[1]), int(args[2]))
    else:
        sys.exit("unknown action " + action)


if __name__ == "__main__":
    main()
