"""Chat test tooling (issue 5; contract: docs/CHAT_API.md).

Two WebSocket clients:

- `Client` wraps websocket-client for ordinary traffic: JSON events with
  timeouts, pings answered, the close code recorded.
- `RawWS` is a deliberately small RFC 6455 client on a plain socket, for
  what websocket-client will not produce: unmasked frames, hand-made
  fragments, pings with payloads, length headers that lie, bad handshakes.
  It reads frames exactly as the server sends them. It is the tests'
  reference for the wire format, so it stays short and literal.

Plus the servers the chat tests share (by name, so each starts once per
session), identities, rooms and database rows.
"""
import base64
import hashlib
import json
import os
import socket
import struct
import threading
import time
import uuid
from collections import namedtuple
from urllib.parse import urlencode

import pytest
import websocket
import websocket._abnf

# websocket-client 1.2.3 predates close codes 1012-1014 (IANA's registry)
# and refuses a close frame carrying one; the chat closes slow sockets
# with 1013 (Try Again Later).
websocket._abnf.VALID_CLOSE_STATUS = tuple(websocket._abnf.VALID_CLOSE_STATUS) + (1012, 1013,
                                                                                   1014)

REST = "/chat/v1"
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"          # RFC 6455, 1.3
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA

# ------------------------------------------------------------------ servers

# Gateway identity (query parameters) on both chat areas. The shipped conf
# sets the same (restricted with Require ip 127.0.0.1); the tests say it
# themselves so they do not depend on it.
GATEWAY = """
<Location /chat/v1>
    GameHoneyChatGateway trust
</Location>
<Location /ws/chat>
    GameHoneyChatGateway trust
</Location>
"""

# Bearer identity, reachable from any address: the 401 tests send from
# fresh 127/8 addresses so that they do not use up 127.0.0.1's
# GameHoneyAuthFailLimit.
BEARER = """
<Location /chat/v1>
    GameHoneyChatGateway off
    Require all granted
</Location>
<Location /ws/chat>
    GameHoneyChatGateway off
    Require all granted
</Location>
"""

# One worker thread per open socket: 300 threads for the 200-client test.
# MaxSpareThreads covers them all, or the MPM would stop an idle child
# (and close its sockets) while the test is connecting.
BIG = """
ServerLimit 4
ThreadLimit 150
ThreadsPerChild 150
MaxRequestWorkers 300
MinSpareThreads 8
MaxSpareThreads 300
"""

# Short timers and small limits, to test that the directives are obeyed.
TIGHT = """
GameHoneyChatPing 1
GameHoneyChatIdleTimeout 3
GameHoneyChatMaxMessage 10
GameHoneyChatMaxFrame 1024
"""
TIGHT_PING, TIGHT_IDLE, TIGHT_MESSAGE, TIGHT_FRAME = 1, 3, 10, 1024

MAX_MESSAGE = 2000          # GameHoneyChatMaxMessage default
MAX_FRAME = 65536           # GameHoneyChatMaxFrame default
SLOW_QUEUE = 8


def chat_server(make_server):
    """The gateway-mode server most chat tests use (big enough for 200 sockets)."""
    return make_server("chat", GATEWAY + BIG)


def chat_server_b(make_server):
    """A second host on the same database."""
    return make_server("chat-b", GATEWAY)


def bearer_server(make_server):
    return make_server("chat-bearer", BEARER)


def tight_server(make_server):
    return make_server("chat-tight", GATEWAY + TIGHT)


def slow_server(make_server):
    return make_server("chat-slow", GATEWAY + f"GameHoneyChatQueue {SLOW_QUEUE}\n")


def restart_server(make_server):
    return make_server("chat-restart", GATEWAY)


# The database going away: what the module and mod_dbd may log meanwhile.
DB_ERRORS = (r"\[dbd:error\]|\[gamehoney:error\].*(database|[Ll]isten|LISTEN|libpq|PostgreSQL"
             r"|connection|server closed|terminat|notif)")

# ------------------------------------------------------------------ identities, rooms, rows


def ident(profile=True, **fields):
    """Gateway query parameters of a new user; fields override the made-up
    ones, and a field given as None is left out."""
    n = uuid.uuid4().hex[:10]
    d = {"user_id": f"gw-{n}", "nickname": f"닉네임-{n}", "email": f"chat-{n}@example.com"}
    if profile:
        d["profile_url"] = f"/media/profile-{n}.jpg"
    d.update(fields)
    return {k: v for k, v in d.items() if v is not None}


def new_room(pg, name=None, post_id=1):
    return pg.scalar("INSERT INTO chat_rooms (name, post_id) VALUES (%s, %s) RETURNING id",
                     (name or f"방-{uuid.uuid4().hex[:8]}", post_id))


def unknown_room(pg):
    return pg.scalar("SELECT coalesce(max(id), 0) + 1000000 FROM chat_rooms")


# Identities a gateway must not be trusted with: each one is refused.
BAD_IDENTITIES = {
    "no user_id": dict(user_id=None),
    "no nickname": dict(nickname=None),
    "no email": dict(email=None),
    "empty user_id": dict(user_id=""),
    "empty nickname": dict(nickname=""),
    "empty email": dict(email=""),
    "user_id 101": dict(user_id="u" * 101),
    "nickname 101": dict(nickname="가" * 101),
    "email 101": dict(email="e" * 89 + "@example.com"),
    "nickname newline": dict(nickname="a\nb"),
    "user_id nul": dict(user_id="a\x00b"),
    "email tab": dict(email="a\t@example.com"),
    "nickname DEL": dict(nickname="a\x7fb"),
    "profile_url 501": dict(profile_url="/" + "p" * 500),
}


MSG_COLS = ("id", "room_id", "kind", "user_id", "nickname", "sender", "profile_url", "message")


def rows(pg, room, kinds=("message", "join", "leave")):
    """chat_messages rows of a room, in id order, as dicts."""
    got = pg.query(f"SELECT {', '.join(MSG_COLS)} FROM chat_messages "
                   "WHERE room_id = %s AND kind = ANY(%s) ORDER BY id", (room, list(kinds)))
    return [dict(zip(MSG_COLS, r)) for r in got]


def as_event(row):
    """The WebSocket event a chat_messages row becomes."""
    if row["kind"] == "message":
        return {"type": "chat.message", "message": row["message"], "sender": row["sender"],
                "nickname": row["nickname"], "profile_picture_url": row["profile_url"]}
    return {"type": "chat.user." + row["kind"], "username": row["nickname"]}


def norm(event):
    """An event with an absent profile URL written one way (None), so that
    "" and null compare equal where the contract does not choose."""
    if event.get("type") == "chat.message" and event.get("profile_picture_url") == "":
        return {**event, "profile_picture_url": None}
    return event


def chat_event(who, text):
    """What every socket of the room gets when `who` (gateway identity) says text."""
    return {"type": "chat.message", "message": text, "sender": who["email"],
            "nickname": who["nickname"], "profile_picture_url": who.get("profile_url")}


def join_event(who):
    return {"type": "chat.user.join", "username": who["nickname"]}


def leave_event(who):
    return {"type": "chat.user.leave", "username": who["nickname"]}


def post_message(srv, room, text, who=None, headers=None, **kw):
    """POST /chat/v1/message/ with a gateway identity (who) or headers."""
    return srv.post(REST + "/message/", params=who or {}, headers=headers or {},
                    json={"message": text, "room": room}, **kw)


def ws_path(room, query=None):
    path = f"/ws/chat/{room}/chat/"
    return path + ("?" + urlencode(query) if query else "")


def wait_quiet_logs(servers, quiet=3, timeout=30):
    """Waits until no server's error_log has grown for `quiet` seconds."""
    def sizes():
        return [os.path.getsize(s.error_log) if os.path.exists(s.error_log) else 0
                for s in servers]
    deadline = time.time() + timeout
    last = sizes()
    while time.time() < deadline:
        time.sleep(quiet)
        now = sizes()
        if now == last:
            return
        last = now


# ------------------------------------------------------------------ cleanup

_open = []


@pytest.fixture(autouse=True)
def ws_cleanup():
    """Closes every socket a test left open: each one holds a server thread."""
    yield
    while _open:
        c = _open.pop()
        try:
            c.abort()
        except Exception:
            pass


# ------------------------------------------------------------------ websocket-client layer

class Closed(Exception):
    def __init__(self, code, reason=""):
        super().__init__(f"closed by the server: {code} {reason!r}")
        self.code = code
        self.reason = reason


def close_code(payload):
    """(code, reason) of a close frame's payload; (None, "") when it has none."""
    if len(payload) < 2:
        return None, ""
    return struct.unpack(">H", payload[:2])[0], payload[2:].decode("utf-8", "replace")


class Client:
    """An ordinary WebSocket client speaking the chat's JSON events."""

    def __init__(self, srv, room, who=None, token=None, query=None, headers=None,
                 timeout=10):
        q = dict(who or {})
        if token is not None:
            q["token"] = token
        q.update(query or {})
        self.who = who
        self.url = f"ws://127.0.0.1:{srv.port}{ws_path(room, q)}"
        self.ws = websocket.create_connection(self.url, timeout=timeout,
                                              header=headers or [], enable_multithread=True)
        self.close_code = None
        _open.append(self)

    def send(self, obj):
        self.ws.send(json.dumps(obj, ensure_ascii=False))

    def send_text(self, text):
        self.ws.send(text)

    def say(self, text):
        self.send({"type": "chat.message", "message": text})

    def recv(self, timeout=10):
        """The next JSON event; answers pings; raises Closed on a close frame
        and websocket.WebSocketTimeoutException when nothing comes."""
        self.ws.settimeout(timeout)
        while True:
            op, frame = self.ws.recv_data_frame(True)   # answers pings itself
            if op == OP_CLOSE:
                self.close_code, reason = close_code(frame.data)
                raise Closed(self.close_code, reason)
            if op == OP_TEXT:
                return json.loads(frame.data.decode("utf-8"))
            if op == OP_BINARY:
                raise AssertionError(f"binary frame from the server: {frame.data[:80]!r}")

    def expect(self, expected, timeout=10):
        """The next event, which must equal `expected` (profile "" == null)."""
        got = self.recv(timeout)
        assert norm(got) == norm(expected), (got, expected)
        return got

    def recv_until(self, pred, timeout=10):
        """Reads until pred(event); returns (that event, the events skipped)."""
        deadline = time.time() + timeout
        skipped = []
        while True:
            ev = self.recv(max(0.05, deadline - time.time()))
            if pred(ev):
                return ev, skipped
            skipped.append(ev)

    def events(self, n, timeout=30):
        deadline = time.time() + timeout
        return [self.recv(max(0.05, deadline - time.time())) for _ in range(n)]

    def nothing(self, seconds=0.5):
        """Asserts that no event arrives within `seconds`."""
        try:
            ev = self.recv(seconds)
        except websocket.WebSocketTimeoutException:
            return
        raise AssertionError(f"unexpected event: {ev}")

    def wait_closed(self, timeout=10):
        """Reads (and drops) events until the server's close frame; its code."""
        deadline = time.time() + timeout
        try:
            while True:
                self.recv(max(0.05, deadline - time.time()))
        except Closed as c:
            return c.code

    def close(self, code=1000):
        self.ws.close(status=code, timeout=3)

    def abort(self):
        """Closes politely if still open (briefly waiting for the answer)."""
        if self.ws.connected:
            self.ws.close(timeout=1)
        self.ws.shutdown()


def joined(srv, room, who=None, nickname=None, **kw):
    """A connected client that has received its own join notice (the room
    must be quiet meanwhile). Bearer clients pass who={} and the nickname
    their token's user has."""
    who = ident() if who is None else who
    c = Client(srv, room, who, **kw)
    c.expect({"type": "chat.user.join", "username": nickname or who["nickname"]})
    return c


class Reader(threading.Thread):
    """Reads a Client's events in the background until `want(events)` is true."""

    def __init__(self, client, want, timeout=60):
        super().__init__(daemon=True)
        self.client, self.want, self.timeout = client, want, timeout
        self.events, self.error = [], None
        self.start()

    def run(self):
        deadline = time.time() + self.timeout
        try:
            while not self.want(self.events):
                self.events.append(self.client.recv(max(0.05, deadline - time.time())))
        except Exception as e:          # reported by result()
            self.error = e

    def result(self):
        self.join(self.timeout + 10)
        assert not self.is_alive(), "reader still running"
        if self.error is not None:
            raise AssertionError(f"reader failed after {len(self.events)} events "
                                 f"(last: {self.events[-3:]}): {self.error!r}")
        return self.events


def messages_only(events):
    return [e for e in events if e.get("type") == "chat.message"]


def count_messages(n):
    return lambda events: len(messages_only(events)) >= n


# ------------------------------------------------------------------ raw RFC 6455 client

Frame = namedtuple("Frame", "fin rsv opcode masked payload")


def accept_for(key):
    """Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455, 4.2.2)."""
    return base64.b64encode(hashlib.sha1((key + GUID).encode("ascii")).digest()).decode()


def new_key():
    return base64.b64encode(os.urandom(16)).decode()


def encode_frame(opcode, payload=b"", fin=True, mask=True, rsv=0, length=None):
    """One frame (RFC 6455, 5.2). `length` overrides the length written in
    the header (the payload is still what is sent)."""
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    n = len(payload) if length is None else length
    out = bytearray([(0x80 if fin else 0) | (rsv << 4) | opcode])
    m = 0x80 if mask else 0
    if n < 126:
        out.append(m | n)
    elif n < 1 << 16:
        out.append(m | 126)
        out += struct.pack(">H", n)
    else:
        out.append(m | 127)
        out += struct.pack(">Q", n)
    if mask:
        key = os.urandom(4)
        out += key
        payload = bytes(b ^ key[i & 3] for i, b in enumerate(payload))
    return bytes(out) + payload


def decode_frame(buf):
    """(Frame, bytes used) for the first complete frame in buf, or None."""
    if len(buf) < 2:
        return None
    b0, b1 = buf[0], buf[1]
    n, i = b1 & 0x7F, 2
    if n == 126:
        if len(buf) < 4:
            return None
        n, i = struct.unpack(">H", buf[2:4])[0], 4
    elif n == 127:
        if len(buf) < 10:
            return None
        n, i = struct.unpack(">Q", buf[2:10])[0], 10
    masked = bool(b1 & 0x80)
    key = b""
    if masked:
        if len(buf) < i + 4:
            return None
        key, i = bytes(buf[i:i + 4]), i + 4
    if len(buf) < i + n:
        return None
    payload = bytes(buf[i:i + n])
    if masked:
        payload = bytes(b ^ key[j & 3] for j, b in enumerate(payload))
    return Frame(bool(b0 & 0x80), (b0 >> 4) & 7, b0 & 0x0F, masked, payload), i + n


def close_payload(code=None, reason=""):
    return b"" if code is None else struct.pack(">H", code) + reason.encode("utf-8")


class RawWS:
    """A WebSocket handshake and frames written and read by hand.

    After construction: .status, .headers (lower-case names), .body (bytes of
    a refused handshake). Frames the server sends after a 101 are read with
    recv_frame(); any bytes that came with the handshake answer are kept.
    """

    def __init__(self, srv, path, key="new", version="13", upgrade="websocket",
                 connection="Upgrade", headers=None, method="GET", source=None,
                 rcvbuf=None, timeout=10):
        self.key = new_key() if key == "new" else key
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if source:
            self.sock.bind((source, 0))
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", srv.port))
        _open.append(self)
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{srv.port}"]
        for name, value in (("Upgrade", upgrade), ("Connection", connection),
                            ("Sec-WebSocket-Key", self.key),
                            ("Sec-WebSocket-Version", version)):
            if value is not None:
                lines.append(f"{name}: {value}")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8"))
        self.buf = bytearray()
        self._read_answer(timeout)

    @classmethod
    def open(cls, srv, room, who=None, query=None, **kw):
        q = dict(who or {})
        q.update(query or {})
        return cls(srv, ws_path(room, q), **kw)

    # -- handshake answer
    def _fill(self, timeout):
        self.sock.settimeout(timeout)
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed by the server")
        self.buf += chunk

    def _read_answer(self, timeout):
        while b"\r\n\r\n" not in self.buf:
            self._fill(timeout)
        head, _, rest = bytes(self.buf).partition(b"\r\n\r\n")
        self.buf = bytearray(rest)
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        self.status = int(status_line.split()[1])
        self.headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        self.body = b""
        if self.status == 101:
            return
        if "content-length" in self.headers:
            n = int(self.headers["content-length"])
            while len(self.buf) < n:
                self._fill(timeout)
            self.body = bytes(self.buf[:n])
        elif self.headers.get("transfer-encoding", "").lower() == "chunked":
            while not self.buf.endswith(b"0\r\n\r\n"):
                self._fill(timeout)
            data, body = bytes(self.buf), b""
            while True:
                size, _, data = data.partition(b"\r\n")
                size = int(size.split(b";")[0], 16)
                if size == 0:
                    break
                body, data = body + data[:size], data[size + 2:]
            self.body = body

    def json(self):
        return json.loads(self.body)

    def accepted(self):
        """Asserts a correct 101 answer (RFC 6455, 4.2.2)."""
        assert self.status == 101, (self.status, self.headers, self.body)
        assert self.headers.get("upgrade", "").lower() == "websocket", self.headers
        assert "upgrade" in [t.strip().lower() for t in
                             self.headers.get("connection", "").split(",")], self.headers
        assert self.headers.get("sec-websocket-accept") == accept_for(self.key), self.headers
        return self

    # -- frames
    def send_frame(self, opcode, payload=b"", **kw):
        self.sock.sendall(encode_frame(opcode, payload, **kw))

    def send_json(self, obj, **kw):
        self.send_frame(OP_TEXT, json.dumps(obj, ensure_ascii=False), **kw)

    def say(self, text, **kw):
        self.send_json({"type": "chat.message", "message": text}, **kw)

    def send_close(self, code=1000, reason=""):
        self.send_frame(OP_CLOSE, close_payload(code, reason))

    def recv_frame(self, timeout=10):
        """The next frame; EOFError if the server closed the connection,
        socket.timeout if nothing complete arrived in time."""
        deadline = time.time() + timeout
        while True:
            got = decode_frame(self.buf)
            if got is not None:
                frame, used = got
                del self.buf[:used]
                assert not frame.masked, "the server masked a frame (RFC 6455, 5.1)"
                return frame
            left = deadline - time.time()
            if left <= 0:
                raise socket.timeout("no complete frame")
            self._fill(left)

    def recv_json(self, timeout=10, pong=True):
        """The next text frame as JSON, answering (pong=True) or skipping pings."""
        deadline = time.time() + timeout
        while True:
            f = self.recv_frame(max(0.05, deadline - time.time()))
            if f.opcode == OP_PING:
                if pong:
                    self.send_frame(OP_PONG, f.payload)
                continue
            if f.opcode == OP_CLOSE:
                raise Closed(*close_code(f.payload))
            assert f.opcode == OP_TEXT and f.fin, f
            return json.loads(f.payload.decode("utf-8"))

    def recv_close(self, timeout=10):
        """Reads past data and pings until the close frame; (code, reason)."""
        deadline = time.time() + timeout
        while True:
            f = self.recv_frame(max(0.05, deadline - time.time()))
            if f.opcode == OP_CLOSE:
                return close_code(f.payload)

    def closed_by_server(self, timeout=10):
        """True once the server has closed the TCP connection (nothing but
        what it had already sent is left)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                self._fill(max(0.05, deadline - time.time()))
            except EOFError:
                return True
            except ConnectionResetError:
                return True
            except socket.timeout:
                return False
        return False

    def abort(self):
        self.sock.close()
