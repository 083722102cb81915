"""WebSocket chat rooms inside httpd (issue 5; contract: docs/CHAT_API.md).

Handshake, events, RFC 6455 edge cases (with the raw client of
chat_helpers), fan-out through PostgreSQL across children and servers,
ordering, a database restart, a graceful restart and a slow consumer.
"""
import base64
import json
import os
import socket
import threading
import time

import pytest
import requests

from accounts_helpers import bearer, forge_session, fresh_ip
from chat_helpers import (BAD_IDENTITIES, DB_ERRORS, MAX_FRAME, MAX_MESSAGE, OP_CLOSE,
                          OP_CONT, OP_PING, OP_PONG, OP_TEXT, REST, TIGHT_FRAME, TIGHT_IDLE,
                          TIGHT_MESSAGE, TIGHT_PING, Client, RawWS, Reader, as_event,
                          bearer_server, chat_event, chat_server, chat_server_b,
                          count_messages, encode_frame, ident, join_event, joined,
                          leave_event, messages_only, new_room, norm, post_message,
                          restart_server, rows, slow_server, tight_server, unknown_room,
                          wait_quiet_logs, ws_cleanup)
from conftest import Httpd, client_from

assert ws_cleanup  # the fixture, imported for pytest


@pytest.fixture(scope="module")
def srv(make_server):
    return chat_server(make_server)


def assert_refusal(ws, status):
    """A refused handshake: the status and a JSON error body."""
    assert ws.status == status, (ws.status, ws.headers, ws.body)
    assert ws.headers.get("content-type") == "application/json", ws.headers
    body = ws.json()
    assert set(body) == {"error", "message"} and body["error"] and body["message"], body
    assert "sec-websocket-accept" not in ws.headers
    return body


def text_of_size(n, char="a"):
    """A chat.message frame payload of exactly n bytes (char is 1 byte)."""
    head, tail = '{"type":"chat.message","message":"', '"}'
    return (head + char * (n - len(head) - len(tail)) + tail).encode()


def send_ignoring_reset(ws, data):
    """Sends bytes the server may stop reading (it closes on what it saw)."""
    try:
        ws.sock.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass


def kinds(pg, room):
    return [r["kind"] for r in rows(pg, room)]


def row_fields(row):
    return {k: row[k] for k in ("room_id", "kind", "user_id", "nickname", "sender",
                                "profile_url")}


def who_row(room, kind, who):
    return {"room_id": room, "kind": kind, "user_id": who["user_id"],
            "nickname": who["nickname"], "sender": who["email"],
            "profile_url": who.get("profile_url")}


def until(pred, timeout=10, step=0.05):
    deadline = time.time() + timeout
    while not pred():
        if time.time() > deadline:
            return False
        time.sleep(step)
    return True


# ====================================================================== handshake

def test_handshake_accepted(srv, pg):
    room = new_room(pg)
    who = ident()
    ws = RawWS.open(srv, room, who).accepted()
    assert ws.recv_json() == join_event(who)
    [row] = rows(pg, room)
    assert row_fields(row) == who_row(room, "join", who)


@pytest.mark.parametrize("upgrade,connection", [
    ("websocket", "Upgrade"), ("WebSocket", "upgrade"), ("websocket", "keep-alive, Upgrade")],
    ids=["plain", "case", "token list"])
def test_handshake_header_variants_are_accepted(srv, pg, upgrade, connection):
    room = new_room(pg)
    who = ident()
    ws = RawWS.open(srv, room, who, upgrade=upgrade, connection=connection).accepted()
    assert ws.recv_json() == join_event(who)


def b64(n):
    return base64.b64encode(os.urandom(n)).decode()


BAD_KEYS = {"missing": None, "empty": "", "short": "abc", "15 bytes": b64(15),
            "17 bytes": b64(17), "not base64": "!" * 22 + "==",
            "unpadded": b64(16).rstrip("=")}


@pytest.mark.parametrize("key", BAD_KEYS.values(), ids=BAD_KEYS.keys())
def test_handshake_bad_key_is_400(srv, pg, key):
    room = new_room(pg)
    assert_refusal(RawWS.open(srv, room, ident(), key=key), 400)
    assert rows(pg, room) == []


@pytest.mark.parametrize("version", ["8", "12", "14", "abc", "13, 8"])
def test_handshake_other_version_is_426(srv, pg, version):
    room = new_room(pg)
    ws = RawWS.open(srv, room, ident(), version=version)
    assert_refusal(ws, 426)
    assert ws.headers.get("sec-websocket-version") == "13", ws.headers
    assert rows(pg, room) == []


def test_handshake_without_a_version_is_refused(srv, pg):
    room = new_room(pg)
    ws = RawWS.open(srv, room, ident(), version=None)
    assert ws.status in (400, 426), ws.status
    assert_refusal(ws, ws.status)
    assert rows(pg, room) == []


NOT_UPGRADES = {
    "plain GET": dict(upgrade=None, connection=None, key=None, version=None),
    "no Upgrade": dict(upgrade=None),
    "no Connection": dict(connection=None),
    "Connection keep-alive": dict(connection="keep-alive"),
    "Upgrade h2c": dict(upgrade="h2c"),
}


@pytest.mark.parametrize("kw", NOT_UPGRADES.values(), ids=NOT_UPGRADES.keys())
def test_not_an_upgrade_is_400(srv, pg, kw):
    room = new_room(pg)
    assert_refusal(RawWS.open(srv, room, ident(), **kw), 400)
    assert rows(pg, room) == []


def test_upgrade_by_post_is_refused(srv, pg):
    room = new_room(pg)
    ws = RawWS.open(srv, room, ident(), method="POST", headers={"Content-Length": "0"})
    assert ws.status in (400, 405), ws.status
    assert_refusal(ws, ws.status)
    assert rows(pg, room) == []


@pytest.mark.parametrize("fields", BAD_IDENTITIES.values(), ids=BAD_IDENTITIES.keys())
def test_missing_or_bad_gateway_identity_is_400(srv, pg, fields):
    room = new_room(pg)
    assert_refusal(RawWS.open(srv, room, ident(**fields)), 400)
    assert rows(pg, room) == []


def test_no_identity_at_all_is_400(srv, pg):
    room = new_room(pg)
    assert_refusal(RawWS.open(srv, room), 400)
    assert rows(pg, room) == []


def test_identity_at_the_bounds_is_accepted(srv, pg):
    room = new_room(pg)
    who = ident(nickname="가" * 100, user_id="u" * 100, email="e" * 88 + "@example.com",
                profile_url="/" + "p" * 499)
    c = joined(srv, room, who)
    c.say("bounds")
    c.expect(chat_event(who, "bounds"))
    nobody = ident(profile=False)
    d = joined(srv, room, nobody)
    c.expect(join_event(nobody))
    d.say("no profile")
    for x in (c, d):
        got = x.expect(chat_event(nobody, "no profile"))
        assert got["profile_picture_url"] in (None, "")


def test_identity_is_percent_decoded_once(srv, pg):
    room = new_room(pg)
    who = ident(nickname="홍 길동 & 친구=%41+", user_id="gw/1?x")
    c = joined(srv, room, who)
    c.say("x")
    c.expect(chat_event(who, "x"))
    assert row_fields(rows(pg, room)[0]) == who_row(room, "join", who)


@pytest.mark.parametrize("room", ["unknown", "0", "-1", "abc", "1abc", str(2**64)])
def test_unknown_room_is_404(srv, pg, room):
    if room == "unknown":
        room = str(unknown_room(pg))
    who = ident()
    assert_refusal(RawWS.open(srv, room, who), 404)
    # nothing was stored for this user (other tests' leave rows may still land)
    assert pg.scalar("SELECT count(*) FROM chat_messages WHERE user_id = %s",
                     (who["user_id"],)) == 0


def test_default_conf_trusts_the_gateway_only_from_its_address(server, pg, log_allow):
    """The shipped conf: gateway identity on /ws/chat and /chat/v1, but only
    for requests from 127.0.0.1 (Require ip)."""
    log_allow(r"AH01630: client denied by server configuration: gamehoney:/(ws/chat|chat/v1)/")
    room = new_room(pg)
    assert RawWS.open(server, room, ident(), source="127.0.0.2").status == 403
    s = client_from("127.0.0.2")
    r = s.post(server.url + REST + "/message/", params=ident(),
               json={"message": "spoofed", "room": room}, timeout=10)
    assert r.status_code == 403, r.text
    assert rows(pg, room) == []
    who = ident()
    ws = RawWS.open(server, room, who).accepted()
    assert ws.recv_json() == join_event(who)


# ====================================================================== events

def converse(srv_a, srv_b, room, first="안녕하세요!", second="반가워요"):
    """a joins through srv_a, b through srv_b; each says one thing and both
    sockets get both, after a has seen b join. Returns a, b and who they are."""
    wa, wb = ident(), ident()
    a = joined(srv_a, room, wa)
    b = joined(srv_b, room, wb)
    a.expect(join_event(wb))
    a.say(first)
    for c in (a, b):
        c.expect(chat_event(wa, first))
    b.say(second)
    for c in (a, b):
        c.expect(chat_event(wb, second))
    return a, b, wa, wb


def test_echo_and_broadcast_with_join_and_leave(srv, pg):
    room = new_room(pg)
    a, b, wa, wb = converse(srv, srv, room)
    b.close()
    a.expect(leave_event(wb))
    a.nothing()
    got = rows(pg, room)
    assert [row_fields(r) for r in got] == [
        who_row(room, "join", wa), who_row(room, "join", wb), who_row(room, "message", wa),
        who_row(room, "message", wb), who_row(room, "leave", wb)]
    assert [r["message"] for r in got if r["kind"] == "message"] == ["안녕하세요!", "반가워요"]


def watched_raw(srv, room):
    """A raw client that has its own join, watched by an ordinary client
    that has seen it join. Returns the watcher, the raw client and who the
    raw one is."""
    wa, wb = ident(), ident()
    a = joined(srv, room, wa)
    raw = RawWS.open(srv, room, wb).accepted()
    assert raw.recv_json() == join_event(wb)
    a.expect(join_event(wb))
    return a, raw, wb


def test_a_vanished_client_leaves(srv, pg):
    """A TCP connection that just goes away (no close frame) is a leave."""
    room = new_room(pg)
    a, raw, wb = watched_raw(srv, room)
    raw.abort()
    a.expect(leave_event(wb))
    assert until(lambda: kinds(pg, room) == ["join", "join", "leave"])


def test_rooms_are_separate(srv, pg):
    r1, r2 = new_room(pg), new_room(pg)
    wa, wb = ident(), ident()
    a = joined(srv, r1, wa)
    b = joined(srv, r2, wb)
    a.say("room one")
    a.expect(chat_event(wa, "room one"))
    post_message(srv, r1, "rest one", wa)
    a.expect(chat_event(wa, "rest one"))
    b.nothing()
    b.say("room two")
    b.expect(chat_event(wb, "room two"))
    a.nothing()


def test_the_same_user_twice(srv, pg):
    """Two sockets of one user are two members: both get everything."""
    room = new_room(pg)
    who = ident()
    a = joined(srv, room, who)
    b = joined(srv, room, who)
    a.expect(join_event(who))
    a.say("twice")
    for c in (a, b):
        c.expect(chat_event(who, "twice"))


def test_anonymous_rest_message_reaches_the_sockets(srv, pg):
    room = new_room(pg)
    a = joined(srv, room, ident())
    r = srv.post("/chat/v1/message/", json={"message": "누군가", "room": room})
    assert r.status_code == 201, r.text
    a.expect({"type": "chat.message", "message": "누군가", "sender": None, "nickname": None,
              "profile_picture_url": None})


def test_rest_message_reaches_the_sockets(srv, pg):
    room = new_room(pg)
    wa, wb, poster = ident(), ident(), ident()
    a = joined(srv, room, wa)
    b = joined(srv, room, wb)
    a.expect(join_event(wb))
    r = post_message(srv, room, "REST에서 보냄", poster)
    assert r.status_code == 201, r.text
    for c in (a, b):
        c.expect(chat_event(poster, "REST에서 보냄"))
        c.nothing(0.3)


def test_messages_at_the_length_limit(srv, pg):
    room = new_room(pg)
    who = ident()
    a = joined(srv, room, who)
    texts = ("가" * MAX_MESSAGE, "a" * MAX_MESSAGE, "x", "여러\n줄\t메시지")
    for text in texts:
        a.say(text)
        a.expect(chat_event(who, text))
    assert [r["message"] for r in rows(pg, room, ["message"])] == list(texts)


BAD_FRAMES = [
    ("{", ["invalid_json"]),
    ("not json", ["invalid_json"]),
    ('{"type": "chat.message", "message": "x"', ["invalid_json"]),
    ('{"type": "nope", "message": "x"}', ["unknown_type"]),
    ('{"type": "chat.user.join", "username": "x"}', ["unknown_type"]),
    ('{"type": 1, "message": "x"}', ["unknown_type", "invalid_json"]),
    ('{"message": "no type"}', ["unknown_type", "invalid_json"]),
    ('[1, 2]', ["invalid_json", "unknown_type"]),
    ('"chat.message"', ["invalid_json", "unknown_type"]),
    ('{"type": "chat.message", "message": ""}', ["invalid_message"]),
    ('{"type": "chat.message"}', ["invalid_message"]),
    ('{"type": "chat.message", "message": null}', ["invalid_message"]),
    ('{"type": "chat.message", "message": 12}', ["invalid_message"]),
    ('{"type": "chat.message", "message": ["x"]}', ["invalid_message"]),
    (json.dumps({"type": "chat.message", "message": "가" * (MAX_MESSAGE + 1)},
                ensure_ascii=False), ["invalid_message"]),
]


@pytest.mark.parametrize("text,codes", BAD_FRAMES, ids=lambda t: t[:30] if isinstance(t, str)
                         else "/".join(t))
def test_bad_messages_get_an_error_event_and_the_socket_stays_open(srv, pg, text, codes):
    room = new_room(pg)
    wa, wb = ident(), ident()
    a = joined(srv, room, wa)
    b = joined(srv, room, wb)
    a.expect(join_event(wb))
    a.send_text(text)
    ev = a.recv()
    assert set(ev) == {"type", "error", "message"}, ev
    assert ev["type"] == "error" and ev["error"] in codes, ev
    assert isinstance(ev["message"], str) and ev["message"]
    b.nothing()                       # the error is the sender's alone
    a.say("still here")
    for c in (a, b):
        c.expect(chat_event(wa, "still here"))
    assert [r["message"] for r in rows(pg, room, ["message"])] == ["still here"]


def test_many_errors_do_not_close_the_socket(srv, pg):
    room = new_room(pg)
    who = ident()
    a = joined(srv, room, who)
    for i in range(50):
        a.send_text("{" if i % 2 else '{"type": "nope"}')
    for i in range(50):
        assert a.recv()["error"] == ("invalid_json" if i % 2 else "unknown_type")
    a.say("ok")
    a.expect(chat_event(who, "ok"))


def test_directive_limits(make_server, pg):
    """GameHoneyChatMaxMessage and GameHoneyChatMaxFrame are obeyed."""
    tight = tight_server(make_server)
    room = new_room(pg)
    who = ident()
    a = joined(tight, room, who)
    a.say("가" * TIGHT_MESSAGE)
    a.expect(chat_event(who, "가" * TIGHT_MESSAGE))
    a.say("가" * (TIGHT_MESSAGE + 1))
    assert a.recv()["error"] == "invalid_message"
    # a frame of exactly the limit is read (and its message refused)
    raw = RawWS.open(tight, room, ident()).accepted()
    raw.recv_json()
    a.recv()                                    # its join
    raw.send_frame(OP_TEXT, text_of_size(TIGHT_FRAME))
    assert raw.recv_json()["error"] == "invalid_message"
    # one byte more closes it with 1009
    raw.send_frame(OP_TEXT, text_of_size(TIGHT_FRAME + 1))
    assert raw.recv_close()[0] == 1009
    assert raw.closed_by_server()


# ====================================================================== RFC 6455

def frames_until(raw, want, timeout=10):
    """Reads frames (skipping server pings) until `want` frames are read."""
    out = []
    deadline = time.time() + timeout
    while len(out) < want:
        f = raw.recv_frame(max(0.05, deadline - time.time()))
        if f.opcode == OP_PING:
            raw.send_frame(OP_PONG, f.payload)
            continue
        out.append(f)
    return out


def test_fragmented_message_is_reassembled(srv, pg):
    room = new_room(pg)
    who = ident()
    b = joined(srv, room, ident())
    raw = RawWS.open(srv, room, who).accepted()
    assert raw.recv_json() == join_event(who)
    b.recv()
    text = "조각난 메시지 😀 끝"
    data = json.dumps({"type": "chat.message", "message": text}, ensure_ascii=False).encode()
    cut1 = data.index("조".encode()) + 1          # inside a UTF-8 sequence
    cut2 = data.index("😀".encode()) + 2
    raw.send_frame(OP_TEXT, data[:cut1], fin=False)
    raw.send_frame(OP_PING, b"in the middle")      # control frames may interleave
    raw.send_frame(OP_CONT, data[cut1:cut2], fin=False)
    raw.send_frame(OP_CONT, b"", fin=False)
    raw.send_frame(OP_CONT, data[cut2:], fin=True)
    pong, echo = frames_until(raw, 2)
    assert (pong.opcode, pong.payload, pong.fin) == (OP_PONG, b"in the middle", True)
    assert echo.opcode == OP_TEXT and echo.fin
    assert json.loads(echo.payload) == chat_event(who, text)
    b.expect(chat_event(who, text))


def test_many_one_byte_fragments(srv, pg):
    room = new_room(pg)
    who = ident()
    raw = RawWS.open(srv, room, who).accepted()
    raw.recv_json()
    data = json.dumps({"type": "chat.message", "message": "한 바이트씩"},
                      ensure_ascii=False).encode()
    for i, byte in enumerate(data):
        raw.send_frame(OP_TEXT if i == 0 else OP_CONT, bytes([byte]),
                       fin=i == len(data) - 1)
    assert raw.recv_json() == chat_event(who, "한 바이트씩")


@pytest.mark.parametrize("payload", [b"", b"hello", bytes(range(125))],
                         ids=["empty", "text", "125 bytes"])
def test_ping_gets_a_pong_with_the_same_payload(srv, pg, payload):
    room = new_room(pg)
    raw = RawWS.open(srv, room, ident()).accepted()
    raw.recv_json()
    raw.send_frame(OP_PING, payload)
    [pong] = frames_until(raw, 1)
    assert (pong.opcode, pong.fin, pong.payload) == (OP_PONG, True, payload)
    # and the socket carries on
    raw.say("after ping")
    assert raw.recv_json()["message"] == "after ping"


@pytest.mark.parametrize("code,reason", [(1000, "bye"), (1001, ""), (4000, "앱 종료"),
                                         (None, "")],
                         ids=["1000", "1001", "4000", "no code"])
def test_client_close_is_answered(srv, pg, code, reason):
    room = new_room(pg)
    a, raw, wb = watched_raw(srv, room)
    if code is None:
        raw.send_frame(OP_CLOSE, b"")
    else:
        raw.send_close(code, reason)
    answer, _ = raw.recv_close()
    assert answer in ({1000, code} if code else {None, 1000}), answer
    assert raw.closed_by_server()
    a.expect(leave_event(wb))


def test_unmasked_ping_is_closed_1002(srv, pg):
    room = new_room(pg)
    raw = RawWS.open(srv, room, ident()).accepted()
    raw.recv_json()
    raw.send_frame(OP_PING, b"x", mask=False)
    f = frames_until(raw, 1)[0]
    assert f.opcode == OP_CLOSE and f.payload[:2] == (1002).to_bytes(2, "big"), f


OVERSIZED = {
    # a whole frame one byte over the limit
    "frame": lambda raw: send_ignoring_reset(
        raw, encode_frame(OP_TEXT, text_of_size(MAX_FRAME + 1))),
    # a header announcing more than the limit, and the first payload byte
    # (the rest never comes: the header alone must be enough to refuse it)
    "header 64k+1": lambda raw: raw.sock.sendall(
        encode_frame(OP_TEXT, b"{", length=MAX_FRAME + 1)),
    "header 2^62": lambda raw: raw.sock.sendall(encode_frame(OP_TEXT, b"{", length=2**62)),
    # fragments under the limit adding up to a message over it
    "fragments": lambda raw: send_ignoring_reset(raw, b"".join(
        encode_frame(op, b"a" * 40000, fin=fin) for op, fin in ((OP_TEXT, False),
                                                                (OP_CONT, True)))),
}


# a client frame without a mask is a protocol error (1002)
REFUSED = {name: (send, 1009) for name, send in OVERSIZED.items()}
REFUSED["unmasked"] = (lambda raw: raw.send_frame(
    OP_TEXT, json.dumps({"type": "chat.message", "message": "unmasked"}), mask=False), 1002)
# control frames are at most 125 bytes and never fragmented (RFC 6455 5.5)
REFUSED["ping 126 bytes"] = (lambda raw: raw.send_frame(OP_PING, b"p" * 126), 1002)
REFUSED["ping 64k"] = (lambda raw: send_ignoring_reset(raw, encode_frame(OP_PING, b"p" * 70000)),
                       1002)
REFUSED["fragmented ping"] = (lambda raw: raw.send_frame(OP_PING, b"part", fin=False), 1002)
REFUSED["fragmented pong"] = (lambda raw: raw.send_frame(OP_PONG, b"part", fin=False), 1002)
REFUSED["close 126 bytes"] = (lambda raw: raw.send_frame(OP_CLOSE, b"\x03\xe8" + b"c" * 124),
                              1002)


@pytest.mark.parametrize("send,code", REFUSED.values(), ids=REFUSED.keys())
def test_refused_frame_closes_the_socket(srv, pg, send, code):
    room = new_room(pg)
    a, raw, wb = watched_raw(srv, room)
    send(raw)
    assert raw.recv_close()[0] == code
    assert raw.closed_by_server()
    a.expect(leave_event(wb))
    assert rows(pg, room, ["message"]) == []


def test_a_frame_of_exactly_the_limit_is_read(srv, pg):
    room = new_room(pg)
    raw = RawWS.open(srv, room, ident()).accepted()
    raw.recv_json()
    raw.send_frame(OP_TEXT, text_of_size(MAX_FRAME))
    ev = raw.recv_json()
    assert ev["type"] == "error" and ev["error"] == "invalid_message", ev
    raw.say("still open")
    assert raw.recv_json()["message"] == "still open"


# ====================================================================== ping and idle

@pytest.fixture(scope="module")
def tight(make_server):
    return tight_server(make_server)


def test_server_pings_and_pongs_keep_the_socket(tight, pg):
    room = new_room(pg)
    who = ident()
    raw = RawWS.open(tight, room, who).accepted()
    assert raw.recv_json() == join_event(who)
    pings = []
    deadline = time.time() + 2 * TIGHT_IDLE + 1
    while time.time() < deadline:
        try:
            f = raw.recv_frame(max(0.05, deadline - time.time()))
        except socket.timeout:
            break
        assert f.opcode == OP_PING, f
        pings.append(time.time())
        raw.send_frame(OP_PONG, f.payload)
    assert len(pings) >= 2 * TIGHT_IDLE / TIGHT_PING - 2, pings
    raw.say("alive")
    assert raw.recv_json() == chat_event(who, "alive")


def test_idle_socket_is_closed_1000(tight, pg):
    room = new_room(pg)
    wa, wb = ident(), ident()
    a = joined(tight, room, wa)
    raw = RawWS.open(tight, room, wb).accepted()
    t0 = time.time()
    raw.recv_json()
    # a keeps reading meanwhile, and so answers the server's pings
    reader = Reader(a, lambda events: leave_event(wb) in events, timeout=TIGHT_IDLE + 15)
    saw_ping = False
    while True:                                   # never answers
        f = raw.recv_frame(TIGHT_IDLE + 10)
        if f.opcode == OP_PING:
            saw_ping = True
            continue
        assert f.opcode == OP_CLOSE, f
        break
    took = time.time() - t0
    assert saw_ping
    assert f.payload[:2] == (1000).to_bytes(2, "big"), f
    assert TIGHT_IDLE - 0.5 <= took <= TIGHT_IDLE + 5, took
    raw.send_close(1000)
    assert raw.closed_by_server()
    assert reader.result() == [join_event(wb), leave_event(wb)]
    # the client that answered pings is still there
    a.say("pong")
    a.expect(chat_event(wa, "pong"))


# ====================================================================== fan-out and order

def assert_room_order(pg, room, who, events):
    """A socket's events are the room's join and message rows in id order,
    from its own join to the last, with nothing left out, repeated or
    reordered."""
    assert "leave" not in kinds(pg, room)
    db = rows(pg, room, ["join", "message"])
    got = [norm(e) for e in events]
    assert got and got[0] == join_event(who), (who, got[:3])
    own = next(i for i, r in enumerate(db) if r["kind"] == "join"
               and r["user_id"] == who["user_id"])
    want = [norm(as_event(r)) for r in db[own:]]
    if got != want:
        i = next(i for i, (g, w) in enumerate(zip(got + [None] * len(want), want)) if g != w)
        missing = [w for w in want if w not in got]
        raise AssertionError(
            f"{who.get('nickname')}: event {i} of {len(want)} differs: got {got[i:i + 3]}, "
            f"room order has {want[i:i + 3]}; "
            + (f"{len(missing)} never arrived: {missing[:3]}" if missing
               else "all arrived, out of id order"))


def test_everything_stored_after_the_101_arrives_own_join_first(srv, pg):
    """Sockets join while the room is busy: each one's join is stored before
    its 101, its first event is that join, and nothing stored after it is
    missed (the subscription is made before the 101, not after)."""
    room = new_room(pg)
    stop, statuses = threading.Event(), []

    def busy():
        k = 0
        while not stop.is_set():
            statuses.append(post_message(srv, room, f"busy-{k}", ident()).status_code)
            k += 1
    poster = threading.Thread(target=busy, daemon=True)
    poster.start()
    whos, readers = [], []
    try:
        for i in range(40):
            who = ident(nickname=f"late{i:02d}")
            client = Client(srv, room, who)
            # the 101 is in: the join must already be a committed row
            assert pg.scalar("SELECT count(*) FROM chat_messages WHERE room_id = %s AND "
                             "kind = 'join' AND user_id = %s", (room, who["user_id"])) == 1, i
            whos.append(who)
            readers.append(Reader(client, lambda evs: any(e.get("message") == "end"
                                                          for e in evs)))
    finally:
        stop.set()
        poster.join(10)
    assert post_message(srv, room, "end", ident()).status_code == 201
    assert statuses and set(statuses) == {201}, set(statuses)
    for who, reader in zip(whos, readers):
        assert_room_order(pg, room, who, reader.result())


def test_200_clients_each_receive_every_message_in_order(srv, pg):
    n_clients, senders, per_sender = 200, 4, 25
    total = senders * per_sender
    room = new_room(pg)
    whos = [ident(nickname=f"c{i:03d}") for i in range(n_clients)]
    clients = [Client(srv, room, w, timeout=30) for w in whos]
    readers = [Reader(c, count_messages(total), timeout=120) for c in clients]

    def send(k):
        for j in range(per_sender):
            clients[k].say(f"s{k}-{j:02d}")
    threads = [threading.Thread(target=send, args=(k,)) for k in range(senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    results = [r.result() for r in readers]

    msgs = [r["message"] for r in rows(pg, room, ["message"])]
    assert sorted(msgs) == sorted(f"s{k}-{j:02d}" for k in range(senders)
                                  for j in range(per_sender))
    for who, events in zip(whos, results):
        assert_room_order(pg, room, who, events)
    for c in clients:
        c.close()


def test_two_servers_deliver_each_others_messages(srv, make_server, pg):
    other = chat_server_b(make_server)
    room = new_room(pg)
    wc, wd = ident(), ident()
    a, b, wa, wb = converse(srv, other, room, "A에서", "B에서")
    assert post_message(other, room, "REST via B", wc).status_code == 201
    for c in (a, b):
        c.expect(chat_event(wc, "REST via B"))
    assert post_message(srv, room, "REST via A", wd).status_code == 201
    for c in (a, b):
        c.expect(chat_event(wd, "REST via A"))
    b.close()
    a.expect(leave_event(wb))
    a.nothing()


def test_two_servers_agree_on_the_order(srv, make_server, pg):
    other = chat_server_b(make_server)
    room = new_room(pg)
    whos = [ident() for _ in range(8)]
    clients = [Client(srv if i % 2 else other, room, w) for i, w in enumerate(whos)]
    per = 20
    readers = [Reader(c, count_messages(per * len(clients)), timeout=60) for c in clients]

    def send(c, k):
        for j in range(per):
            c.say(f"{k}-{j}")
    threads = [threading.Thread(target=send, args=(c, k)) for k, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    results = [r.result() for r in readers]
    for who, events in zip(whos, results):
        assert_room_order(pg, room, who, events)


def test_database_restart_loses_nothing_committed(srv, make_server, pg, log_allow):
    log_allow(DB_ERRORS)
    other = chat_server_b(make_server)
    room = new_room(pg)
    poster = ident()
    whos = [ident() for _ in range(8)]
    # several sockets per server, so that both children of each are likely used
    clients = [Client(srv if i % 2 else other, room, w, timeout=60) for i, w in enumerate(whos)]
    sent = []

    def rest(s, text):
        r = post_message(s, room, text, poster)
        if r.status_code == 201:
            sent.append(text)
        return r

    for i in range(3):
        assert rest(srv, f"before-{i}").status_code == 201
    clients[0].say("before-ws")
    assert until(lambda: "before-ws" in [r["message"] for r in rows(pg, room, ["message"])])
    pg.stop()
    try:
        r = rest(srv, "while-down")
        assert r.status_code == 503, r.text
        assert r.json()["error"] == "database_unavailable"
        raw = RawWS.open(srv, room, ident())            # no 101 without a stored join
        assert raw.status == 503, raw.body
        assert json.loads(raw.body)["error"] == "database_unavailable"
        time.sleep(1)
    finally:
        pg.start()
    # the first writes after the restart, as soon as each server takes them:
    # the listeners may still be reconnecting, and must catch up on these
    for s, name in ((srv, "A"), (other, "B")):
        deadline = time.time() + 30
        while rest(s, f"first-after-{name}").status_code != 201:
            assert time.time() < deadline, "no recovery"
            time.sleep(0.1)
    for i in range(5):
        for s, name in ((srv, "A"), (other, "B")):
            assert rest(s, f"after-{name}-{i}").status_code == 201
    clients[0].say("after-ws-A")
    clients[1].say("after-ws-B")

    def all_arrived():
        db = [r["message"] for r in rows(pg, room, ["message"])]
        return {"before-ws", "after-ws-A", "after-ws-B"} <= set(db) and db
    assert until(all_arrived, timeout=30), "WebSocket messages after the restart not stored"
    db_rows = rows(pg, room, ["message"])
    db = [r["message"] for r in db_rows]
    assert "while-down" not in db
    assert set(sent) <= set(db)
    want = [norm(as_event(r)) for r in db_rows]
    for who, c in zip(whos, clients):
        got = []
        deadline = time.time() + 60
        try:
            while len(got) < len(want):
                ev = c.recv(max(0.05, deadline - time.time()))
                if ev["type"] == "chat.message":
                    got.append(norm(ev))
        except Exception as e:
            raise AssertionError(f"{who['nickname']} got {len(got)} of {len(want)} messages: "
                                 f"{[g['message'] for g in got]} vs {db}: {e!r}")
        assert got == want, who["nickname"]
        c.nothing(0.3)                              # and nothing twice
    wait_quiet_logs(Httpd.running)


def test_graceful_restart_closes_sockets_with_1001(make_server, pg):
    rs = restart_server(make_server)
    room = new_room(pg)
    clients = [Client(rs, room, ident()) for _ in range(6)]
    raw = RawWS.open(rs, room, ident()).accepted()
    old = rs.children()
    rs.graceful()
    codes = [c.wait_closed(timeout=15) for c in clients]
    assert codes == [1001] * len(clients)
    assert raw.recv_close(timeout=15)[0] == 1001
    try:
        raw.send_close(1001)
    except (BrokenPipeError, ConnectionResetError):
        pass
    assert raw.closed_by_server()

    def old_children_gone():
        alive = []
        for pid in old:
            try:
                os.kill(pid, 0)
                alive.append(pid)
            except ProcessLookupError:
                pass
        return not alive
    assert until(old_children_gone, timeout=15), "old children kept running"
    # the new generation serves sockets
    who = ident()
    c = joined(rs, room, who)
    c.say("after the restart")
    c.expect(chat_event(who, "after the restart"))


def test_slow_consumer_is_closed_1013_without_stalling_the_room(make_server, pg):
    ss = slow_server(make_server)
    room = new_room(pg)
    w1, w2, wslow = ident(), ident(), ident()
    f1 = joined(ss, room, w1)
    f2 = joined(ss, room, w2)
    f1.expect(join_event(w2))
    # a small receive window, and then it does not read
    slow = RawWS.open(ss, room, wslow, rcvbuf=4096).accepted()
    for f in (f1, f2):
        f.expect(join_event(wslow))
    n = 1000                                      # ~6 MB per socket: beyond any buffer
    texts = [f"{i:04d}" + "가" * (MAX_MESSAGE - 4) for i in range(n)]
    readers = [Reader(f, count_messages(n), timeout=60) for f in (f1, f2)]
    t0 = time.time()
    poster = ident()
    with requests.Session() as s:                 # sent by REST: the readers only read
        for t in texts:
            r = s.post(ss.url + REST + "/message/", params=poster,
                       json={"message": t, "room": room}, timeout=10)
            assert r.status_code == 201, r.text
    results = [r.result() for r in readers]
    took = time.time() - t0
    # the others were not held up: everything reached them while the slow
    # socket sat full (1000 posts take a few seconds here; the server's
    # Timeout, which a blocked write would wait for, is 30 s)
    assert took < 20, took
    for events in results:
        assert [e["message"] for e in messages_only(events)] == texts
    # the slow client reads at last: what was buffered, then 1013
    data_frames = 0
    t_read = time.time()
    while True:
        try:
            f = slow.recv_frame(30)
        except (EOFError, ConnectionResetError) as e:
            raise AssertionError(
                f"no close frame: {e!r} after {data_frames} messages and "
                f"{time.time() - t_read:.1f} s of reading; the slow socket was left unread "
                f"for {t_read - t0:.1f} s")
        if f.opcode == OP_CLOSE:
            break
        if f.opcode == OP_TEXT:
            data_frames += 1
    assert f.payload[:2] == (1013).to_bytes(2, "big"), f
    assert data_frames < n
    assert slow.closed_by_server()
    for f in (f1, f2):
        f.recv_until(lambda ev: ev == leave_event(wslow), timeout=15)
    assert kinds(pg, room).count("leave") == 1


def test_a_fast_sender_is_not_taken_for_a_slow_consumer(srv, pg):
    """A client that sends more messages in a burst than its queue holds
    (GameHoneyChatQueue, 256), while reading all the time, gets every echo:
    its own worker must drain its queue while it stores what it reads."""
    room = new_room(pg)
    who = ident()
    a = joined(srv, room, who)
    n = 400
    reader = Reader(a, count_messages(n), timeout=120)
    for i in range(n):
        a.say(f"burst-{i:03d}")
    events = reader.result()
    assert [e["message"] for e in messages_only(events)] == [f"burst-{i:03d}" for i in range(n)]


# ====================================================================== bearer identity

@pytest.fixture(scope="module")
def bsrv(make_server):
    return bearer_server(make_server)


def bearer_user(user, **fields):
    _, uid = user(subs=0, tokens=0, **fields)
    return uid, forge_session(sub=str(uid))


def test_bearer_header_identity(bsrv, pg, user):
    uid, token = bearer_user(user, name="이영희", email="lee@example.com",
                             picture="https://cdn.example/lee.png")
    room = new_room(pg)
    c = joined(bsrv, room, {}, nickname="이영희", headers=[f"Authorization: Bearer {token}"])
    c.say("bearer")
    c.expect({"type": "chat.message", "message": "bearer", "sender": "lee@example.com",
              "nickname": "이영희", "profile_picture_url": "https://cdn.example/lee.png"})
    assert [(r["kind"], r["user_id"], r["nickname"], r["sender"], r["profile_url"])
            for r in rows(pg, room)] == [
        ("join", str(uid), "이영희", "lee@example.com", "https://cdn.example/lee.png"),
        ("message", str(uid), "이영희", "lee@example.com", "https://cdn.example/lee.png")]


def test_bearer_token_query_for_browsers(bsrv, pg, user):
    uid, token = bearer_user(user, name=None)
    room = new_room(pg)
    c = joined(bsrv, room, {}, nickname=f"user{uid}", token=token)
    c.say("query token")
    assert c.recv()["nickname"] == f"user{uid}"


def test_bearer_mode_ignores_gateway_parameters(bsrv, pg, user):
    uid, token = bearer_user(user, name="진짜")
    room = new_room(pg)
    spoof = ident(nickname="가짜", user_id="1")
    joined(bsrv, room, spoof, nickname="진짜", token=token)
    assert rows(pg, room)[0]["user_id"] == str(uid)
    ws = RawWS.open(bsrv, room, spoof, source=fresh_ip())
    assert_refusal(ws, 401)
    assert len(rows(pg, room)) == 1


@pytest.mark.parametrize("how", ["none", "garbage header", "wrong key", "expired",
                                 "garbage query"])
def test_bearer_refusals_are_401(bsrv, pg, how):
    room = new_room(pg)
    bad = {"garbage header": "not.a.token", "wrong key": forge_session(sub="1", secret="z" * 40),
           "expired": forge_session(sub="1", exp=1000)}.get(how)
    kw = {"source": fresh_ip()}
    if bad:
        kw["headers"] = bearer(bad)
    if how == "garbage query":
        kw["query"] = {"token": "not.a.token"}
    assert_refusal(RawWS.open(bsrv, room, **kw), 401)
    assert rows(pg, room) == []


def test_bearer_unknown_room_is_404(bsrv, pg, user):
    _, token = bearer_user(user)
    assert_refusal(RawWS.open(bsrv, unknown_room(pg), headers=bearer(token)), 404)


def test_bearer_and_gateway_clients_share_a_room(bsrv, srv, pg, user):
    """Identity is per server; the room and its bus are shared."""
    uid, token = bearer_user(user, name="베어러")
    room = new_room(pg)
    gw = ident()
    a = joined(srv, room, gw)
    b = joined(bsrv, room, {}, nickname="베어러", token=token)
    a.expect({"type": "chat.user.join", "username": "베어러"})
    b.say("섞여도 됨")
    for c in (a, b):
        assert c.recv()["message"] == "섞여도 됨"



def test_mod_reqtimeout_is_off_an_upgraded_socket(srv, pg):
    """conf/gamehoney.conf gives request headers at most 20 s
    (RequestReadTimeout header=10-20); a socket quiet for longer, with no
    ping due yet (every 30 s), must still be open: the filter is gone. Its
    body timeout (body=10) is passed on the way."""
    room = new_room(pg)
    who = ident()
    c = joined(srv, room, who)
    c.nothing(23)
    c.say("still here")
    c.expect(chat_event(who, "still here"))
