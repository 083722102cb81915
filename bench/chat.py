#!/usr/bin/python3
"""Chat benchmark (issue 5): N clients in one room of a running server.

  bench/chat.py --url http://127.0.0.1:18089 [--clients 200] [--seconds 10]

Needs the server's gateway identity on /chat/v1 and /ws/chat for 127.0.0.1
(conf/gamehoney-api.conf) and a worker thread per socket (bench/run gives
httpd conf.d/chat.conf for that).

1. Creates a room (POST /chat/v1/create-room/) and connects the clients
   one after another, then waits until every one has its own join notice
   and the notice of every client that connected after it (stored after
   its 101; one missing fails the run).
2. Latency: client 0 says one message at a time, at most --rate a second,
   each after every client (itself included) has the one before; a
   message's latency runs from just before its send to the moment the last
   client has it. p50 and p99 over --messages messages.
3. Throughput: clients 0..--senders-1 say messages as fast as the room
   takes them for --seconds, each with at most --window of its messages
   not yet at every client: without a bound the senders outrun what this
   one client process reads (and its blocking writes would stall it).
   msgs/s = messages every client got / (last arrival - first send).

Every client must get every message, each exactly once, all clients in the
same order, each sender's in the order sent; otherwise the failures go to
stderr and the exit status is 1. On success one line goes to stdout:

  chat RESULT clients=200 p50_ms=.. p99_ms=.. max_ms=.. msgs_per_s=.. delivered=.. ...

The clients are served by one thread and a selector (epoll): websocket-client
makes each handshake; frames are read and written here, on the socket it
made. One thread reading 200 sockets keeps the client's own scheduling out
of the figures more than 200 threads under the GIL would.
"""
import argparse
import json
import os
import selectors
import struct
import sys
import time
import urllib.request
from array import array
from urllib.parse import urlencode

import websocket
from websocket import ABNF

OP_CONT, OP_TEXT, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x8, 0x9, 0xA


def log(*args):
    print("chat:", *args, file=sys.stderr, flush=True)


class Failed(Exception):
    pass


class Bench:
    def __init__(self, args):
        self.a = args
        self.sel = selectors.DefaultSelector()
        self.clients = []
        self.errors = []
        # messages: text -> index; per index the send time, how many clients
        # have it and when the last one got it
        self.index = {}
        self.sender_of = array("i")
        self.t_send = array("d")
        self.count = array("i")
        self.t_last = array("d")
        self.done = array("i")          # per sender: messages at every client

    # ------------------------------------------------------------ setup

    def ident(self, i):
        return {"user_id": f"bench-{i}", "nickname": f"bench-{i:03d}",
                "email": f"bench-{i}@example.com"}

    def create_room(self):
        url = (f"{self.a.url}/chat/v1/create-room/?" + urlencode(self.ident(0)))
        body = json.dumps({"name": f"bench-{os.getpid()}", "post_id": 1}).encode()
        req = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            if r.status != 201:
                raise Failed(f"create-room answered {r.status}")
            return json.load(r)["id"]

    def connect(self, room):
        ws_base = "ws" + self.a.url[len("http"):]
        t0 = time.monotonic()
        for i in range(self.a.clients):
            url = f"{ws_base}/ws/chat/{room}/chat/?" + urlencode(self.ident(i))
            ws = websocket.create_connection(url, timeout=60)
            c = Client(self, i, ws)
            self.clients.append(c)
            self.sel.register(ws.sock, selectors.EVENT_READ, c)
            self.poll(0)              # read the join notices as they come
        # A client is in the room once its own join notice has come: from
        # then on it gets every event of the room.
        try:
            self.run_until(lambda: all(c.own_join for c in self.clients), 30, "joins")
        except Failed as e:
            late = [c.i for c in self.clients if not c.own_join]
            raise Failed(f"{e}: {len(late)} clients lack their own join notice, e.g. {late[:5]}")
        log(f"{len(self.clients)} clients joined room {room} "
            f"in {time.monotonic() - t0:.1f} s")
        # Each client must also have the join notice of every client that
        # connected after it: those were stored after its 101.
        n = len(self.clients)
        missed = lambda: [c.i for c in self.clients
                          if len([j for j in c.joins if j > c.i]) < n - 1 - c.i]
        try:
            self.run_until(lambda: not missed(), 10, "the others' join notices")
        except Failed as e:
            raise Failed(f"{e}: clients {missed()[:8]} lack join notices stored after their 101")

    def close(self):
        """A close frame from every client, then the server's answer."""
        frame = ABNF.create_frame(struct.pack(">H", 1000), OP_CLOSE).format()
        for c in self.clients:
            if not c.eof:
                try:
                    c.ws.sock.sendall(frame)
                    c.closing = True
                except OSError:
                    c.eof = True
        try:
            self.run_until(lambda: all(c.eof for c in self.clients), 30, "closes", False)
        except Failed as e:
            self.errors.append(str(e))
        for c in self.clients:
            c.ws.sock.close()

    # ------------------------------------------------------------ the loop

    def poll(self, timeout, strict=True):
        """Reads what has come; raises Failed once anything went wrong."""
        for key, _ in self.sel.select(timeout):
            key.data.read()
        if strict and self.errors:
            raise Failed("")            # the errors are in self.errors

    def run_until(self, cond, timeout, what, strict=True):
        deadline = time.monotonic() + timeout
        while not cond():
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failed(f"timed out after {timeout} s waiting for {what}")
            self.poll(min(left, 0.5), strict)

    def new_message(self, text, sender):
        i = len(self.t_send)
        self.index[text] = i
        self.sender_of.append(sender)
        self.t_send.append(0.0)
        self.count.append(0)
        self.t_last.append(0.0)
        return i

    def arrived(self, client, text, now):
        i = self.index.get(text)
        if i is None:
            self.errors.append(f"client {client.i} got a message nobody sent: {text!r}")
            return
        client.got.append(i)
        n = self.count[i] + 1
        self.count[i] = n
        self.t_last[i] = now
        if n == len(self.clients):
            self.done[self.sender_of[i]] += 1

    def say(self, sender, text):
        frame = ABNF.create_frame(json.dumps({"type": "chat.message", "message": text}),
                                  OP_TEXT).format()
        i = self.new_message(text, sender)
        self.t_send[i] = time.monotonic()
        self.clients[sender].ws.sock.sendall(frame)
        return i

    # ------------------------------------------------------------ measurements

    def latency(self):
        n, gap = self.a.messages, 1.0 / self.a.rate if self.a.rate > 0 else 0.0
        self.done = array("i", [0] * len(self.clients))
        first = len(self.t_send)
        next_at = time.monotonic()
        for k in range(n):
            while (left := next_at - time.monotonic()) > 0:
                self.poll(left)
            i = self.say(0, f"lat-{k:06d}")
            next_at = self.t_send[i] + gap
            self.run_until(lambda: self.count[i] == len(self.clients), 30,
                           f"latency message {k}")
        lat = sorted((self.t_last[i] - self.t_send[i]) * 1000 for i in range(first, first + n))
        return lat, range(first, first + n)

    def throughput(self):
        senders, window = self.a.senders, self.a.window
        self.done = array("i", [0] * len(self.clients))
        sent = [0] * senders
        first = len(self.t_send)
        cpu0, t0 = time.process_time(), time.monotonic()
        end = t0 + self.a.seconds
        while time.monotonic() < end:
            for k in range(senders):
                while sent[k] - self.done[k] < window:
                    self.say(k, f"tp-{k}-{sent[k]:07d}")
                    sent[k] += 1
            self.poll(0.01)
        total = sum(sent)
        try:
            self.run_until(lambda: sum(self.done[:senders]) == total, 30,
                           "the last throughput messages")
        except Failed as e:
            self.errors.append(str(e))
        cpu = time.process_time() - cpu0
        ids = range(first, first + total)
        delivered = sum(1 for i in ids if self.count[i] == len(self.clients))
        last = max(self.t_last[i] for i in ids)
        elapsed = last - self.t_send[first]
        return delivered, total, elapsed, cpu / (time.monotonic() - t0), ids

    def check(self, ids, what):
        """Every client got every message in ids once, all in one order,
        each sender's in the order sent."""
        lo, hi = ids.start, ids.stop
        ref = None
        for c in self.clients:
            got = array("i", (i for i in c.got if lo <= i < hi))
            if len(got) != hi - lo or len(set(got)) != hi - lo:
                missing = (hi - lo) - len(set(got))
                self.errors.append(f"{what}: client {c.i} got {len(got)} messages of {hi - lo}"
                                   f" ({missing} missing, {len(got) - len(set(got))} repeated)")
                continue
            last = {}
            for i in got:
                s = self.sender_of[i]
                if last.get(s, -1) > i:
                    self.errors.append(f"{what}: client {c.i} got sender {s}'s messages "
                                       "out of the order sent")
                    break
                last[s] = i
            if ref is None:
                ref = (c.i, got)
            elif got != ref[1]:
                at = next(j for j, (x, y) in enumerate(zip(got, ref[1])) if x != y)
                self.errors.append(f"{what}: clients {ref[0]} and {c.i} differ in order "
                                   f"from message {at} on")


class Client:
    def __init__(self, bench, i, ws):
        self.b, self.i, self.ws = bench, i, ws
        self.nick = bench.ident(i)["nickname"]
        self.buf = bytearray()
        self.frag = None
        self.own_join = False
        self.joins = set()            # client numbers whose join notice came
        self.closing = False
        self.eof = False
        self.got = array("i")
        self.t_open = time.monotonic()

    def read(self):
        try:
            data = self.ws.sock.recv(1 << 18)
        except OSError as e:
            data, err = b"", e
        else:
            err = None
        now = time.monotonic()
        if not data:
            self.b.sel.unregister(self.ws.sock)
            self.eof = True
            if not self.closing:
                self.b.errors.append(f"client {self.i}: connection closed by the server, "
                                     f"{now - self.t_open:.2f} s after it opened"
                                     + (f" ({err})" if err else ""))
            return
        buf = self.buf
        buf += data
        pos, n = 0, len(buf)
        while n - pos >= 2:
            b0, ln = buf[pos], buf[pos + 1] & 0x7F
            h = pos + 2
            if ln == 126:
                if n - pos < 4:
                    break
                ln, h = struct.unpack_from(">H", buf, h)[0], h + 2
            elif ln == 127:
                if n - pos < 10:
                    break
                ln, h = struct.unpack_from(">Q", buf, h)[0], h + 8
            if buf[pos + 1] & 0x80:
                self.b.errors.append(f"client {self.i}: the server masked a frame")
                return
            if n - h < ln:
                break
            self.frame(b0 & 0x80, b0 & 0x0F, bytes(buf[h:h + ln]), now)
            pos = h + ln
        del buf[:pos]

    def frame(self, fin, op, payload, now):
        if op == OP_PING:
            self.ws.sock.sendall(ABNF.create_frame(payload, OP_PONG).format())
            return
        if op == OP_PONG:
            return
        if op == OP_CLOSE:
            code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else None
            if not self.closing:
                self.b.errors.append(f"client {self.i}: closed by the server with {code} "
                                     f"{payload[2:].decode('utf-8', 'replace')!r}, "
                                     f"{now - self.t_open:.2f} s after it opened")
            return
        if op == OP_TEXT and not fin:
            self.frag = payload
            return
        if op == OP_CONT:
            self.frag += payload
            if not fin:
                return
            payload, self.frag = self.frag, None
        elif op != OP_TEXT:
            self.b.errors.append(f"client {self.i}: unexpected opcode {op}")
            return
        try:
            event = json.loads(payload)
        except ValueError:
            self.b.errors.append(f"client {self.i}: not JSON: {payload[:80]!r}")
            return
        kind = event.get("type")
        if kind == "chat.message":
            self.b.arrived(self, event.get("message"), now)
        elif kind == "chat.user.join":
            name = event.get("username", "")
            if name == self.nick:
                self.own_join = True
            if name.startswith("bench-"):
                self.joins.add(int(name[len("bench-"):]))
        elif kind == "error":
            self.b.errors.append(f"client {self.i}: error event {event}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", required=True, help="http://HOST:PORT of the server")
    p.add_argument("--clients", type=int, default=200)
    p.add_argument("--messages", type=int, default=200, help="latency: messages sent")
    p.add_argument("--rate", type=float, default=20,
                   help="latency: at most this many messages a second (0: no pause)")
    p.add_argument("--senders", type=int, default=4, help="throughput: clients that send")
    p.add_argument("--window", type=int, default=32,
                   help="throughput: a sender's messages not yet at every client, at most")
    p.add_argument("--seconds", type=float, default=10, help="throughput: sending time")
    a = p.parse_args()
    if not 1 <= a.senders <= a.clients:
        p.error("--senders must be 1..--clients")
    if a.window < 1 or a.messages < 1 or a.seconds <= 0:
        p.error("--window, --messages and --seconds must be positive")

    b = Bench(a)
    try:
        room = b.create_room()
        b.connect(room)
        lat, lat_ids = b.latency()
        pct = lambda q: lat[min(len(lat) - 1, int(len(lat) * q / 100))]
        log(f"latency over {len(lat)} messages: p50 {pct(50):.2f} ms, p99 {pct(99):.2f} ms, "
            f"max {lat[-1]:.2f} ms")
        delivered, sent, elapsed, cpu, tp_ids = b.throughput()
        log(f"throughput: {delivered} of {sent} messages at all {a.clients} clients in "
            f"{elapsed:.2f} s; this client process was busy {cpu:.0%} of the time")
        b.check(lat_ids, "latency")
        b.check(tp_ids, "throughput")
    except Failed as e:
        if str(e):
            b.errors.append(str(e))
    except (OSError, websocket.WebSocketException) as e:
        b.errors.append(f"{type(e).__name__}: {e}")
    finally:
        b.close()
    if b.errors:
        for e in b.errors[:20]:
            log("FAIL", e)
        if len(b.errors) > 20:
            log(f"FAIL ... and {len(b.errors) - 20} more")
        return 1
    print(f"chat RESULT clients={a.clients} p50_ms={pct(50):.2f} p99_ms={pct(99):.2f} "
          f"max_ms={lat[-1]:.2f} latency_messages={len(lat)} rate={a.rate:g} "
          f"msgs_per_s={delivered / elapsed:.1f} delivered={delivered} sent={sent} "
          f"senders={a.senders} window={a.window} seconds={a.seconds:g} "
          f"elapsed_s={elapsed:.2f} client_cpu={cpu:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
