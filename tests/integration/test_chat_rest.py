"""The chat's REST routes under /chat/v1 (issue 5; contract: docs/CHAT_API.md).

Every test asserts the answer and the rows in chat_rooms / chat_messages.
Gateway-mode tests run on the shared "chat" server (identity from the
query); bearer-mode tests on a server without the gateway.
"""
import re

import pytest

from accounts_helpers import as_ip, assert_error, assert_invalid_token, bearer, forge_session
from chat_helpers import (BAD_IDENTITIES, MAX_MESSAGE, REST, TIGHT_MESSAGE, Client, bearer_server,
                          chat_server, ident, join_event, new_room, post_message, rows,
                          tight_server, unknown_room, ws_cleanup)

assert ws_cleanup  # the fixture, imported for pytest

ROOM_KEYS = {"id", "name", "post_id", "created_at"}
MESSAGE_KEYS = {"id", "room", "message", "sender", "nickname", "profile_picture_url",
                "created_at"}
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d")
INT64_MAX = 2**63 - 1


@pytest.fixture(scope="module")
def srv(make_server):
    return chat_server(make_server)


def room_row(pg, room_id):
    got = pg.query("SELECT id, name, post_id FROM chat_rooms WHERE id = %s", (room_id,))
    return got[0] if got else None


def room_count(pg):
    return pg.scalar("SELECT count(*) FROM chat_rooms")


def message_count(pg):
    # chat messages only: other tests' sockets may still be storing their leave rows
    return pg.scalar("SELECT count(*) FROM chat_messages WHERE kind = 'message'")


def create_room(srv, body=None, who="new", **kw):
    who = ident() if who == "new" else who
    return srv.post(REST + "/create-room/", params=who or {}, json=body, **kw)


def created(srv, name="테스트 채팅방", post_id=1):
    r = create_room(srv, {"name": name, "post_id": post_id})
    assert r.status_code == 201, r.text
    return r.json()


def assert_json(r, status):
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["Content-Type"] == "application/json"
    return r.json()


def assert_room(body, name, post_id):
    assert set(body) == ROOM_KEYS, body
    assert isinstance(body["id"], int) and body["id"] > 0
    assert body["name"] == name and body["post_id"] == post_id
    assert isinstance(body["created_at"], str) and TIMESTAMP.match(body["created_at"])


def assert_message(body, room, text, who):
    assert set(body) == MESSAGE_KEYS, body
    assert isinstance(body["id"], int) and body["id"] > 0
    assert body["room"] == room and body["message"] == text
    assert body["sender"] == who["email"] and body["nickname"] == who["nickname"]
    assert (body["profile_picture_url"] or None) == who.get("profile_url")
    assert isinstance(body["created_at"], str) and TIMESTAMP.match(body["created_at"])


def assert_refused_identity(r):
    """Gateway mode: missing or bad identity fields are 400 in JSON."""
    assert r.status_code == 400, (r.status_code, r.text)
    assert r.headers["Content-Type"] == "application/json"
    body = r.json()
    assert set(body) == {"error", "message"} and body["error"] and body["message"], body


# ====================================================================== rooms

def test_create_room_stores_and_answers(srv, pg):
    before = room_count(pg)
    r = create_room(srv, {"name": "테스트 채팅방", "post_id": 1})
    body = assert_json(r, 201)
    assert_room(body, "테스트 채팅방", 1)
    assert room_row(pg, body["id"]) == (body["id"], "테스트 채팅방", 1)
    assert room_count(pg) == before + 1
    # the room is what GET /room/{id}/ answers
    assert assert_json(srv.get(f"{REST}/room/{body['id']}/"), 200) == body


@pytest.mark.parametrize("name,post_id", [
    ("x", 1), ("가" * 100, 1), ("a" * 100, 7), ("방 이름 (공지) #1", 2**53 - 1),
    ("최대", INT64_MAX)],
    ids=["1 char", "100 hangul", "100 ascii", "post_id 2^53-1", "post_id int64 max"])
def test_create_room_accepts_the_bounds(srv, pg, name, post_id):
    body = assert_json(create_room(srv, {"name": name, "post_id": post_id}), 201)
    assert_room(body, name, post_id)
    assert room_row(pg, body["id"]) == (body["id"], name, post_id)


BAD_ROOM_BODIES = [
    ({"post_id": 1}, "invalid_request"),
    ({"name": "방"}, "invalid_request"),
    ({}, "invalid_request"),
    ({"name": "", "post_id": 1}, "invalid_request"),
    ({"name": "가" * 101, "post_id": 1}, "invalid_request"),
    ({"name": None, "post_id": 1}, "invalid_request"),
    ({"name": 12, "post_id": 1}, "invalid_request"),
    ({"name": ["방"], "post_id": 1}, "invalid_request"),
    ({"name": "방", "post_id": 0}, "invalid_request"),
    ({"name": "방", "post_id": -1}, "invalid_request"),
    ({"name": "방", "post_id": "1"}, "invalid_request"),
    ({"name": "방", "post_id": 1.5}, "invalid_request"),
    ({"name": "방", "post_id": 1.0}, "invalid_request"),
    ({"name": "방", "post_id": True}, "invalid_request"),
    ({"name": "방", "post_id": None}, "invalid_request"),
    ({"name": "방", "post_id": [1]}, "invalid_request"),
    ({"name": "방", "post_id": {"id": 1}}, "invalid_request"),
    # no 64-bit integer holds these: the strict reader's invalid_json
    ({"name": "방", "post_id": 2**63}, "invalid_json"),
    ({"name": "방", "post_id": 2**64}, "invalid_json"),
    ({"name": "방", "post_id": -2**63 - 1}, "invalid_json"),
    ([{"name": "방", "post_id": 1}], "invalid_request"),
    ("방", "invalid_request"),
]


@pytest.mark.parametrize("body,code", BAD_ROOM_BODIES, ids=lambda b: repr(b)[:40])
def test_create_room_refuses_bad_bodies(srv, pg, body, code):
    before = room_count(pg)
    assert_error(create_room(srv, body), 400, code)
    assert room_count(pg) == before


@pytest.mark.parametrize("raw,code", [
    (b'{"name": "x", "post_id": 1', "invalid_json"),
    (b'', "invalid_json"),
    (b'name=x&post_id=1', "invalid_json"),
    (b'{"name": "x", "post_id": 01}', "invalid_json"),
    (b'{"name": "x", "post_id": 1e3}', "invalid_request"),
    (b'null', "invalid_request"),
], ids=lambda b: b.decode()[:30] or "empty" if isinstance(b, bytes) else b)
def test_create_room_refuses_what_is_not_a_json_object(srv, pg, raw, code):
    before = room_count(pg)
    r = srv.post(REST + "/create-room/", params=ident(), data=raw,
                 headers={"Content-Type": "application/json"})
    assert_error(r, 400, code)
    assert room_count(pg) == before


def test_create_room_refuses_other_media_types(srv, pg):
    before = room_count(pg)
    r = srv.post(REST + "/create-room/", params=ident(), data=b'{"name": "x", "post_id": 1}',
                 headers={"Content-Type": "text/plain"})
    assert_error(r, 415, "unsupported_media_type")
    assert room_count(pg) == before


@pytest.mark.parametrize("fields", BAD_IDENTITIES.values(), ids=BAD_IDENTITIES.keys())
def test_create_room_needs_a_gateway_identity(srv, pg, fields):
    before = room_count(pg)
    assert_refused_identity(create_room(srv, {"name": "방", "post_id": 1}, who=ident(**fields)))
    assert room_count(pg) == before


def test_seed_curl_creates_a_room_without_any_identity(srv, pg):
    """Seed 003's own cURL: no identity at all. The room has no creator."""
    r = srv.post(REST + "/create-room/", data='{"name": "테스트 채팅방", "post_id": 1}'.encode(),
                 headers={"Content-Type": "application/json"})
    body = assert_json(r, 201)
    assert_room(body, "테스트 채팅방", 1)
    assert pg.query("SELECT name, post_id, created_by FROM chat_rooms WHERE id = %s",
                    (body["id"],)) == [("테스트 채팅방", 1, None)]


def gateway_headers(who):
    names = {"user_id": "X-User-Id", "nickname": "X-Nickname", "email": "X-Email",
             "profile_url": "X-Profile-Url"}
    return {names[k]: v.encode("utf-8") if isinstance(v, str) else v
            for k, v in who.items() if v is not None}


def test_create_room_records_the_gateway_user_as_creator(srv, pg):
    who = ident()
    for kw in ({"params": who}, {"headers": gateway_headers(who)}):
        r = srv.post(REST + "/create-room/", json={"name": "방", "post_id": 3}, **kw)
        body = assert_json(r, 201)
        assert pg.scalar("SELECT created_by FROM chat_rooms WHERE id = %s",
                         (body["id"],)) == who["user_id"]


def test_rooms_lists_every_room_newest_first(srv, pg):
    made = [created(srv, f"목록-{i}", post_id=i + 1) for i in range(3)]
    body = assert_json(srv.get(REST + "/rooms/"), 200)
    assert isinstance(body, list)
    assert all(set(room) == ROOM_KEYS for room in body)
    assert len(body) == room_count(pg)
    ours = [room for room in body if room["id"] in {m["id"] for m in made}]
    assert ours == made[::-1]
    # newest first throughout
    newest_first = [r[0] for r in pg.query(
        "SELECT id FROM chat_rooms ORDER BY created_at DESC, id DESC")]
    assert [room["id"] for room in body] == newest_first


def test_rooms_needs_no_identity(srv):
    assert_json(srv.get(REST + "/rooms/"), 200)


def test_room_answers_one_room(srv, pg):
    made = created(srv, "상세 조회", 42)
    assert assert_json(srv.get(f"{REST}/room/{made['id']}/"), 200) == made


@pytest.mark.parametrize("room_id", [
    "unknown", "0", "-1", "abc", "1abc", "1.0", "0x10", "+1", str(INT64_MAX),
    str(2**63), "99999999999999999999999999"])
def test_room_unknown_or_not_a_number_is_404(srv, pg, room_id):
    if room_id == "unknown":
        room_id = str(unknown_room(pg))
    assert_error(srv.get(f"{REST}/room/{room_id}/"), 404, "room_not_found")


# ====================================================================== messages

def test_message_is_stored_and_answered(srv, pg):
    room = new_room(pg)
    who = ident()
    r = post_message(srv, room, "안녕하세요!", who)
    body = assert_json(r, 201)
    assert_message(body, room, "안녕하세요!", who)
    assert rows(pg, room) == [{
        "id": body["id"], "room_id": room, "kind": "message", "user_id": who["user_id"],
        "nickname": who["nickname"], "sender": who["email"],
        "profile_url": who["profile_url"], "message": "안녕하세요!"}]


def test_message_without_a_profile_url(srv, pg):
    room = new_room(pg)
    who = ident(profile=False)
    body = assert_json(post_message(srv, room, "hi", who), 201)
    assert_message(body, room, "hi", who)
    assert body["profile_picture_url"] in (None, "")
    assert rows(pg, room)[0]["profile_url"] in (None, "")


def test_identity_values_are_kept_as_given(srv, pg):
    """Query values are percent-decoded once and stored as they are."""
    room = new_room(pg)
    who = ident(nickname="홍 길동 & <b>'\"", user_id="gw 1/2?x=y",
                email="a+b@example.com", profile_url="https://cdn.example/p.jpg?s=64&x=%41")
    body = assert_json(post_message(srv, room, "<script>alert(1)</script>", who), 201)
    assert_message(body, room, "<script>alert(1)</script>", who)
    row = rows(pg, room)[0]
    assert (row["user_id"], row["nickname"], row["sender"], row["profile_url"]) == (
        who["user_id"], who["nickname"], who["email"], who["profile_url"])


@pytest.mark.parametrize("text", ["x", "가" * MAX_MESSAGE, "a" * MAX_MESSAGE,
                                  "줄\n바꿈\t탭", "😀" * 10],
                         ids=["1 char", "2000 hangul", "2000 ascii", "newline", "emoji"])
def test_message_accepts_the_bounds(srv, pg, text):
    room = new_room(pg)
    who = ident()
    body = assert_json(post_message(srv, room, text, who), 201)
    assert_message(body, room, text, who)
    assert [r["message"] for r in rows(pg, room)] == [text]


BAD_MESSAGE_BODIES = [
    ({"room": "R"}, "invalid_request"),
    ({"message": "hi"}, "invalid_request"),
    ({}, "invalid_request"),
    ({"message": "", "room": "R"}, "invalid_request"),
    ({"message": "가" * (MAX_MESSAGE + 1), "room": "R"}, "invalid_request"),
    ({"message": None, "room": "R"}, "invalid_request"),
    ({"message": 12, "room": "R"}, "invalid_request"),
    ({"message": ["hi"], "room": "R"}, "invalid_request"),
    ({"message": {"text": "hi"}, "room": "R"}, "invalid_request"),
    ({"message": "hi", "room": "str"}, "invalid_request"),
    ({"message": "hi", "room": 1.5}, "invalid_request"),
    ({"message": "hi", "room": True}, "invalid_request"),
    ({"message": "hi", "room": None}, "invalid_request"),
    ({"message": "hi", "room": ["R"]}, "invalid_request"),
    ({"message": "hi", "room": 2**63}, "invalid_json"),
    ({"message": "hi", "room": 2**64}, "invalid_json"),
    ({"message": "hi", "room": -2**63 - 1}, "invalid_json"),
    ([{"message": "hi", "room": "R"}], "invalid_request"),
]


def fill_room(value, room):
    if value == "R":
        return room
    if value == "str":
        return str(room)
    if isinstance(value, list):
        return [fill_room(v, room) for v in value]
    if isinstance(value, dict):
        return {k: fill_room(v, room) for k, v in value.items()}
    return value


@pytest.mark.parametrize("body,code", BAD_MESSAGE_BODIES, ids=lambda b: repr(b)[:40])
def test_message_refuses_bad_bodies(srv, pg, body, code):
    room = new_room(pg)
    r = srv.post(REST + "/message/", params=ident(), json=fill_room(body, room))
    assert_error(r, 400, code)
    assert rows(pg, room) == []


@pytest.mark.parametrize("raw", [b'{"message": "hi", "room": ', b'', b'message=hi&room=1',
                                 b'{"message": "hi" "room": 1}'],
                         ids=["truncated", "empty", "form", "no comma"])
def test_message_refuses_what_is_not_json(srv, pg, raw):
    before = message_count(pg)
    r = srv.post(REST + "/message/", params=ident(), data=raw,
                 headers={"Content-Type": "application/json"})
    assert_error(r, 400, "invalid_json")
    assert message_count(pg) == before


@pytest.mark.parametrize("room", ["unknown", INT64_MAX])
def test_message_to_an_unknown_room_is_404(srv, pg, room):
    if room == "unknown":
        room = unknown_room(pg)
    before = message_count(pg)
    assert_error(post_message(srv, room, "hi", ident()), 404, "room_not_found")
    assert message_count(pg) == before


@pytest.mark.parametrize("room", [0, -1, -(2**63)])
def test_message_to_an_impossible_room_is_refused(srv, pg, room):
    """Not a room id at all: refused (400 invalid_request or 404
    room_not_found; the contract names neither) and nothing stored."""
    before = message_count(pg)
    r = post_message(srv, room, "hi", ident())
    assert r.status_code in (400, 404), r.text
    assert_error(r, r.status_code, "invalid_request" if r.status_code == 400
                 else "room_not_found")
    assert message_count(pg) == before


@pytest.mark.parametrize("fields", BAD_IDENTITIES.values(), ids=BAD_IDENTITIES.keys())
def test_message_needs_a_gateway_identity(srv, pg, fields):
    room = new_room(pg)
    assert_refused_identity(post_message(srv, room, "hi", ident(**fields)))
    assert rows(pg, room) == []


def test_message_without_any_identity_has_no_sender(srv, pg):
    room = new_room(pg)
    r = srv.post(REST + "/message/", json={"message": "익명", "room": room})
    body = assert_json(r, 201)
    assert set(body) == MESSAGE_KEYS, body
    assert (body["room"], body["message"], body["sender"], body["nickname"],
            body["profile_picture_url"]) == (room, "익명", None, None, None)
    assert rows(pg, room) == [{
        "id": body["id"], "room_id": room, "kind": "message", "user_id": None,
        "nickname": None, "sender": None, "profile_url": None, "message": "익명"}]
    page = assert_json(srv.get(f"{REST}/room/{room}/messages/"), 200)
    assert page["messages"] == [body]


def test_identity_from_the_gateway_headers(srv, pg):
    """Seed 003's nginx passes X-User-Id, X-Nickname, X-Email, X-Profile-Url."""
    room = new_room(pg)
    who = ident(nickname="헤더 닉네임")
    body = assert_json(post_message(srv, room, "from headers", headers=gateway_headers(who)), 201)
    assert_message(body, room, "from headers", who)
    row = rows(pg, room)[0]
    assert (row["user_id"], row["nickname"], row["sender"], row["profile_url"]) == (
        who["user_id"], who["nickname"], who["email"], who["profile_url"])


def test_gateway_headers_win_over_the_query(srv, pg):
    room = new_room(pg)
    in_headers, in_query = ident(), ident()
    body = assert_json(post_message(srv, room, "both", who=in_query,
                                    headers=gateway_headers(in_headers)), 201)
    assert_message(body, room, "both", in_headers)
    assert rows(pg, room)[0]["user_id"] == in_headers["user_id"]


# a NUL or newline cannot be sent in a header, and httpd itself refuses a DEL
BAD_HEADER_IDENTITIES = {k: v for k, v in BAD_IDENTITIES.items()
                         if not any(w in k for w in ("nul", "newline", "DEL"))}
BAD_HEADER_IDENTITIES["invalid UTF-8"] = dict(nickname=b"\xff\xfe")
BAD_HEADER_IDENTITIES["only a profile"] = dict(user_id=None, nickname=None, email=None)


@pytest.mark.parametrize("fields", BAD_HEADER_IDENTITIES.values(),
                         ids=BAD_HEADER_IDENTITIES.keys())
def test_bad_gateway_headers_are_400(srv, pg, fields):
    room = new_room(pg)
    r = post_message(srv, room, "hi", headers=gateway_headers(ident(**fields)))
    assert_refused_identity(r)
    assert r.json()["error"] == "invalid_identity"
    assert rows(pg, room) == []


def test_a_partial_identity_is_still_400(srv, pg):
    """Some identity given: all of it must be there; only none at all is anonymous."""
    room = new_room(pg)
    assert_refused_identity(post_message(srv, room, "hi", who={"nickname": "닉"}))
    assert rows(pg, room) == []


def test_message_length_comes_from_the_directive(make_server, pg):
    tight = tight_server(make_server)
    room = new_room(pg)
    who = ident()
    assert_json(post_message(tight, room, "가" * TIGHT_MESSAGE, who), 201)
    assert_error(post_message(tight, room, "가" * (TIGHT_MESSAGE + 1), who), 400,
                 "invalid_request")
    assert [r["message"] for r in rows(pg, room)] == ["가" * TIGHT_MESSAGE]


# ====================================================================== history

def history(srv, room, **params):
    return srv.get(f"{REST}/room/{room}/messages/", params=params)


def page(srv, room, **params):
    body = assert_json(history(srv, room, **params), 200)
    assert set(body) == {"messages", "next_before"}, body
    return body


def posted(srv, room, n, who=None, prefix="m"):
    who = who or ident()
    out = []
    for i in range(n):
        r = post_message(srv, room, f"{prefix}{i}", who)
        assert r.status_code == 201, r.text
        out.append(r.json())
    return out


def test_history_is_newest_first_and_messages_only(srv, pg):
    room = new_room(pg)
    a = posted(srv, room, 2, prefix="a")
    # a join and a leave between the messages: rows, but not history
    who = ident()
    c = Client(srv, room, who)
    c.expect(join_event(who))
    c.close()
    b = posted(srv, room, 2, prefix="b")
    kinds = [r["kind"] for r in rows(pg, room)]
    assert kinds.count("join") == 1 and kinds.count("message") == 4
    body = page(srv, room)
    assert body["messages"] == (a + b)[::-1]
    assert body["next_before"] is None


def test_history_of_an_empty_room(srv, pg):
    room = new_room(pg)
    assert page(srv, room) == {"messages": [], "next_before": None}


def test_history_keeps_rooms_apart(srv, pg):
    r1, r2 = new_room(pg), new_room(pg)
    m1 = posted(srv, r1, 2)
    m2 = posted(srv, r2, 3)
    assert page(srv, r1)["messages"] == m1[::-1]
    assert page(srv, r2)["messages"] == m2[::-1]


def test_history_pages_by_id(srv, pg):
    room = new_room(pg)
    msgs = posted(srv, room, 7)[::-1]                # newest first
    p1 = page(srv, room, limit=3)
    assert p1["messages"] == msgs[:3]
    assert p1["next_before"] == msgs[2]["id"]
    p2 = page(srv, room, limit=3, before=p1["next_before"])
    assert p2["messages"] == msgs[3:6]
    assert p2["next_before"] == msgs[5]["id"]
    p3 = page(srv, room, limit=3, before=p2["next_before"])
    assert p3["messages"] == msgs[6:]
    assert p3["next_before"] is None
    # before is exclusive and need not be an id of this room
    assert page(srv, room, before=msgs[0]["id"])["messages"] == msgs[1:]
    assert page(srv, room, before=msgs[0]["id"] + 10**6)["messages"] == msgs
    assert page(srv, room, before=msgs[-1]["id"]) == {"messages": [], "next_before": None}
    assert page(srv, room, before=INT64_MAX)["messages"] == msgs


def test_history_exactly_full_last_page(srv, pg):
    """A full page that happens to be the last: next_before is null, or the
    last id followed by an empty page."""
    room = new_room(pg)
    msgs = posted(srv, room, 4)[::-1]
    p1 = page(srv, room, limit=4)
    assert p1["messages"] == msgs
    if p1["next_before"] is not None:
        assert p1["next_before"] == msgs[-1]["id"]
        assert page(srv, room, limit=4, before=p1["next_before"]) == {
            "messages": [], "next_before": None}


def test_history_limit_defaults_to_50_and_goes_to_100(srv, pg):
    room = new_room(pg)
    msgs = posted(srv, room, 105)[::-1]
    p1 = page(srv, room)
    assert p1["messages"] == msgs[:50] and p1["next_before"] == msgs[49]["id"]
    p2 = page(srv, room, before=p1["next_before"])
    assert p2["messages"] == msgs[50:100] and p2["next_before"] == msgs[99]["id"]
    p3 = page(srv, room, before=p2["next_before"])
    assert p3 == {"messages": msgs[100:], "next_before": None}
    assert page(srv, room, limit=100)["messages"] == msgs[:100]
    assert page(srv, room, limit=1)["messages"] == msgs[:1]


@pytest.mark.parametrize("params", [
    {"limit": "0"}, {"limit": "101"}, {"limit": "-1"}, {"limit": "abc"}, {"limit": ""},
    {"limit": "1.5"}, {"limit": "10x"}, {"limit": str(2**64)},
    {"before": "abc"}, {"before": ""}, {"before": "1.5"}, {"before": str(2**64)},
    {"before": "5x"}],
    ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()))
def test_history_refuses_bad_paging(srv, pg, params):
    room = new_room(pg)
    posted(srv, room, 1)
    assert_error(history(srv, room, **params), 400, "invalid_request")


@pytest.mark.parametrize("before", ["0", "-1"])
def test_history_before_no_id_is_empty_or_refused(srv, pg, before):
    """No id is below these: an empty page or 400 (the contract names neither)."""
    room = new_room(pg)
    posted(srv, room, 1)
    r = history(srv, room, before=before)
    if r.status_code == 400:
        assert_error(r, 400, "invalid_request")
    else:
        assert assert_json(r, 200) == {"messages": [], "next_before": None}


@pytest.mark.parametrize("room_id", ["unknown", "0", "-1", "abc", str(2**64)])
def test_history_of_an_unknown_room_is_404(srv, pg, room_id):
    if room_id == "unknown":
        room_id = str(unknown_room(pg))
    assert_error(history(srv, room_id), 404, "room_not_found")


# ====================================================================== routing

@pytest.mark.parametrize("method,path,allowed", [
    ("POST", "/rooms/", "GET"),
    ("DELETE", "/rooms/", "GET"),
    ("GET", "/create-room/", "POST"),
    ("GET", "/message/", "POST"),
    ("POST", "/room/1/", "GET"),
    ("PUT", "/room/1/messages/", "GET"),
])
def test_wrong_method_is_405(srv, method, path, allowed):
    r = srv.request(method, REST + path, params=ident(), json={})
    assert_error(r, 405, "method_not_allowed")
    assert allowed in r.headers["Allow"]


@pytest.mark.parametrize("path", ["/nope/", "/room/", "/room/1/messages/x/", "/"])
def test_unknown_paths_are_404(srv, path):
    r = srv.get(REST + path)
    assert r.status_code == 404
    assert r.headers["Content-Type"] == "application/json"
    assert r.json()["error"] in ("not_found", "room_not_found")


# ====================================================================== bearer mode

@pytest.fixture(scope="module")
def bsrv(make_server):
    return bearer_server(make_server)


def bearer_user(user, **fields):
    _, uid = user(subs=0, tokens=0, **fields)
    return uid, bearer(forge_session(sub=str(uid)))


def test_bearer_message_takes_the_identity_from_the_user(bsrv, pg, user):
    uid, auth = bearer_user(user, name="김철수", email="kim@example.com",
                            picture="https://cdn.example/kim.png")
    room = new_room(pg)
    r = post_message(bsrv, room, "bearer hi", headers=auth)
    body = assert_json(r, 201)
    assert_message(body, room, "bearer hi", {"email": "kim@example.com", "nickname": "김철수",
                                              "profile_url": "https://cdn.example/kim.png"})
    assert rows(pg, room) == [{
        "id": body["id"], "room_id": room, "kind": "message", "user_id": str(uid),
        "nickname": "김철수", "sender": "kim@example.com",
        "profile_url": "https://cdn.example/kim.png", "message": "bearer hi"}]


def test_bearer_user_without_a_name_is_user_id(bsrv, pg, user):
    uid, auth = bearer_user(user, name=None)
    room = new_room(pg)
    body = assert_json(post_message(bsrv, room, "x", headers=auth), 201)
    assert body["nickname"] == f"user{uid}"
    assert rows(pg, room)[0]["nickname"] == f"user{uid}"


def test_bearer_mode_ignores_gateway_parameters(bsrv, pg, user):
    uid, auth = bearer_user(user, name="진짜", email="real@example.com")
    room = new_room(pg)
    spoof = ident(nickname="가짜", email="fake@example.com", user_id="1")
    body = assert_json(post_message(bsrv, room, "x", spoof, headers=auth), 201)
    assert (body["nickname"], body["sender"]) == ("진짜", "real@example.com")
    assert rows(pg, room)[0]["user_id"] == str(uid)
    # and without a token the parameters are no identity at all
    r = as_ip(bsrv, "POST", REST + "/message/", params=spoof, json={"message": "x", "room": room})
    assert_error(r, 401, "unauthorized")
    assert len(rows(pg, room)) == 1


def test_bearer_create_room(bsrv, pg, user):
    _, auth = bearer_user(user)
    body = assert_json(bsrv.post(REST + "/create-room/", headers=auth,
                                 json={"name": "베어러 방", "post_id": 3}), 201)
    assert_room(body, "베어러 방", 3)
    assert room_row(pg, body["id"]) == (body["id"], "베어러 방", 3)


@pytest.mark.parametrize("route", ["/create-room/", "/message/"])
def test_bearer_routes_refuse_no_token_and_bad_tokens(bsrv, pg, route):
    room = new_room(pg)
    before = (room_count(pg), message_count(pg))
    body = {"name": "방", "post_id": 1, "message": "x", "room": room}
    r = as_ip(bsrv, "POST", REST + route, json=body)
    assert_error(r, 401, "unauthorized")
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    for token in ("not.a.token", forge_session(sub="1", secret="z" * 40),
                  forge_session(sub="1", exp=1000)):
        assert_invalid_token(as_ip(bsrv, "POST", REST + route, json=body,
                                   headers=bearer(token)))
    assert (room_count(pg), message_count(pg)) == before


def test_bearer_mode_reads_need_no_token(bsrv, pg):
    room = new_room(pg)
    assert isinstance(assert_json(as_ip(bsrv, "GET", REST + "/rooms/"), 200), list)
    assert assert_json(as_ip(bsrv, "GET", f"{REST}/room/{room}/"), 200)["id"] == room
    assert assert_json(as_ip(bsrv, "GET", f"{REST}/room/{room}/messages/"), 200) == {
        "messages": [], "next_before": None}
