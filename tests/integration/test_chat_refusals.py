"""What the chat areas answer when gh_ws or gh_chat refuse (they return
results; the areas pick the codes): a refused WebSocket handshake names
what is wrong, and a query parameter the speaker is read from (a
gateway's user_id, nickname, email and profile_url; a browser's ?token=)
given twice is bad_query, naming it, on the REST routes and on the
sockets alike. Nothing is stored for any of them."""
from urllib.parse import urlencode

import pytest

from accounts_helpers import assert_error, forge_session, fresh_ip
from chat_helpers import (REST, RawWS, bearer_server, chat_server, ident, new_room,
                          post_message, rows, ws_cleanup)

assert ws_cleanup  # the fixture, imported for pytest

FIELDS = ["user_id", "nickname", "email", "profile_url"]


@pytest.fixture(scope="module")
def srv(make_server):
    return chat_server(make_server)


@pytest.fixture(scope="module")
def bsrv(make_server):
    return bearer_server(make_server)


def twice(query, name, value):
    """query's pairs with name given once more."""
    return list(query.items()) + [(name, value)]


def socket_path(room, pairs):
    return f"/ws/chat/{room}/chat/?" + urlencode(pairs)


def refusal(ws, status):
    """A refused handshake's JSON body."""
    assert ws.status == status, (ws.status, ws.headers, ws.body)
    assert ws.headers.get("content-type") == "application/json", ws.headers
    assert "sec-websocket-accept" not in ws.headers
    return ws.json()


NOT_WEBSOCKET = {"error": "not_websocket",
                 "message": "This is a WebSocket endpoint: send an HTTP/1.1 GET upgrade."}


@pytest.mark.parametrize("kw", [dict(upgrade=None), dict(connection="keep-alive"),
                                dict(upgrade=None, connection=None, key=None, version=None)])
def test_not_an_upgrade_is_not_websocket(srv, pg, kw):
    room = new_room(pg)
    assert refusal(RawWS.open(srv, room, ident(), **kw), 400) == NOT_WEBSOCKET
    assert rows(pg, room) == []


@pytest.mark.parametrize("version", ["8", "14", None])
def test_another_version_is_unsupported_version(srv, pg, version):
    room = new_room(pg)
    ws = RawWS.open(srv, room, ident(), version=version)
    assert refusal(ws, 426) == {"error": "unsupported_version",
                                "message": "Only WebSocket version 13 is spoken here."}
    assert ws.headers.get("sec-websocket-version") == "13", ws.headers
    assert rows(pg, room) == []


@pytest.mark.parametrize("key", [None, "c2hvcnQ=", "!" * 22 + "=="])
def test_a_bad_key_is_bad_websocket_key(srv, pg, key):
    room = new_room(pg)
    ws = RawWS.open(srv, room, ident(), key=key)
    assert refusal(ws, 400) == {"error": "bad_websocket_key",
                                "message": "Sec-WebSocket-Key must be the base64 of 16 bytes."}
    assert "sec-websocket-version" not in ws.headers
    assert rows(pg, room) == []


def test_the_handshake_is_checked_before_the_speaker(srv, pg):
    """A socket request without an identity and without an upgrade is told
    about the upgrade first."""
    room = new_room(pg)
    assert refusal(RawWS.open(srv, room, None, upgrade=None), 400) == NOT_WEBSOCKET


@pytest.mark.parametrize("name", FIELDS)
def test_a_gateway_field_given_twice_is_refused_on_rest(srv, pg, name):
    room = new_room(pg)
    who = ident()
    r = post_message(srv, room, "두 번", who=twice(who, name, who[name]))
    assert assert_error(r, 400, "bad_query")["message"] == f"{name} is given more than once."
    assert rows(pg, room) == []


def test_a_room_is_not_made_for_a_field_given_twice(srv, pg):
    name = "방-" + ident()["user_id"]
    who = ident()
    r = srv.post(REST + "/create-room/", params=twice(who, "email", "other@example.com"),
                 json={"name": name, "post_id": 1})
    assert assert_error(r, 400, "bad_query")["message"] == "email is given more than once."
    assert pg.scalar("SELECT count(*) FROM chat_rooms WHERE name = %s", (name,)) == 0


@pytest.mark.parametrize("name", FIELDS)
def test_a_gateway_field_given_twice_is_refused_on_a_socket(srv, pg, name):
    room = new_room(pg)
    who = ident()
    ws = RawWS(srv, socket_path(room, twice(who, name, who[name])))
    assert refusal(ws, 400) == {"error": "bad_query",
                                "message": f"{name} is given more than once."}
    assert rows(pg, room) == []


def bearer_token(user):
    _, uid = user(subs=0, tokens=0)
    return uid, forge_session(sub=str(uid))


def test_a_token_given_twice_is_refused_on_a_socket(bsrv, pg, user):
    _, token = bearer_token(user)
    room = new_room(pg)
    ws = RawWS(bsrv, socket_path(room, [("token", token), ("token", token)]),
               source=fresh_ip())
    assert refusal(ws, 400) == {"error": "bad_query",
                                "message": "token is given more than once."}
    assert rows(pg, room) == []


def test_a_token_given_twice_is_refused_on_rest(bsrv, pg, user):
    _, token = bearer_token(user)
    room = new_room(pg)
    r = bsrv.post(REST + "/message/", params=[("token", token), ("token", token)],
                  json={"message": "두 번", "room": room})
    assert assert_error(r, 400, "bad_query")["message"] == "token is given more than once."
    assert rows(pg, room) == []


def test_the_query_token_is_not_read_beside_an_authorization_header(bsrv, pg, user):
    """The header is the token; the query's, however many, is not looked at."""
    uid, token = bearer_token(user)
    room = new_room(pg)
    ws = RawWS(bsrv, socket_path(room, [("token", "x"), ("token", "y")]),
               headers={"Authorization": f"Bearer {token}"}, source=fresh_ip())
    assert ws.status == 101, (ws.status, ws.body)
    ws.sock.close()
    assert rows(pg, room)[0]["user_id"] == str(uid)
