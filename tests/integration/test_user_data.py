"""The signed-in user's own data at /api/me: game-notice subscriptions and
push tokens. Each bad input is 400 and changes nothing."""
import re
import threading
import urllib.parse

import pytest

from accounts_helpers import (as_ip, assert_error, assert_invalid_token, bearer, counts,
                              cognito_session, google_claims, google_session, uniq)

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
SUBS = "/api/me/subscriptions"
PUSH = "/api/me/push-tokens"


@pytest.fixture
def me(server, google):
    """A fresh signed-in user: (auth headers, user id)."""
    body, _ = google_session(server, google)
    return bearer(body["access_token"]), body["user"]["id"]


def delete(srv, path, **kw):
    return srv.request("DELETE", path, **kw)


def subs(pg, uid):
    return pg.query("SELECT game_id, category FROM subscriptions WHERE user_id = %s "
                    "ORDER BY id", (uid,))


def push_rows(pg, token):
    return pg.query("SELECT user_id, device_type FROM push_tokens WHERE token = %s", (token,))


def everything(pg):
    return (pg.query("SELECT id, user_id, game_id, category FROM subscriptions ORDER BY id"),
            pg.query("SELECT id, user_id, token, device_type FROM push_tokens ORDER BY id"))


# ---------------------------------------------------------------- subscriptions

def test_subscribe_list_unsubscribe(server, me, pg):
    auth, uid = me
    r = server.get(SUBS, headers=auth)
    assert r.status_code == 200
    assert r.json() == {"subscriptions": []}

    r = server.post(SUBS, headers=auth, json={"game_id": "lol", "category": "공지사항"})
    assert r.status_code == 201, r.text
    assert r.json() == {"game_id": "lol", "category": "공지사항"}
    r = server.post(SUBS, headers=auth, json={"game_id": "valorant.kr-2", "category": "patch"})
    assert r.status_code == 201
    assert subs(pg, uid) == [("lol", "공지사항"), ("valorant.kr-2", "patch")]

    listed = server.get(SUBS, headers=auth).json()["subscriptions"]
    assert [(s["game_id"], s["category"]) for s in listed] == \
        [("lol", "공지사항"), ("valorant.kr-2", "patch")]
    assert all(set(s) == {"game_id", "category", "created_at"} for s in listed)
    assert all(ISO.match(s["created_at"]) for s in listed)

    r = server.post(SUBS, headers=auth, json={"game_id": "lol", "category": "공지사항"})
    assert_error(r, 409, "subscription_exists")
    assert len(subs(pg, uid)) == 2

    r = delete(server, SUBS, headers=auth, json={"game_id": "lol", "category": "공지사항"})
    assert r.status_code == 200, r.text
    assert r.json() == {"game_id": "lol", "category": "공지사항"}
    assert subs(pg, uid) == [("valorant.kr-2", "patch")]
    r = delete(server, SUBS, headers=auth, json={"game_id": "lol", "category": "공지사항"})
    assert_error(r, 404, "subscription_not_found")


def test_unsubscribe_by_query_string(server, me, pg):
    auth, uid = me
    assert server.post(SUBS, headers=auth,
                       json={"game_id": "g1", "category": "이벤트 공지"}).status_code == 201
    assert server.post(SUBS, headers=auth,
                       json={"game_id": "g1", "category": "other"}).status_code == 201
    r = delete(server, SUBS, headers=auth,
               params={"game_id": "g1", "category": "이벤트 공지"})
    assert r.status_code == 200, r.text
    assert r.json() == {"game_id": "g1", "category": "이벤트 공지"}
    assert subs(pg, uid) == [("g1", "other")]
    r = delete(server, SUBS + "?game_id=g1&category=nope", headers=auth)
    assert_error(r, 404, "subscription_not_found")


def test_same_subscription_for_two_users(server, google, me, pg):
    auth, uid = me
    other, _ = google_session(server, google)
    for h in (auth, bearer(other["access_token"])):
        assert server.post(SUBS, headers=h, json={"game_id": "shared",
                                                  "category": "c"}).status_code == 201
    # one user's delete leaves the other's
    assert delete(server, SUBS, headers=auth, json={"game_id": "shared",
                                                   "category": "c"}).status_code == 200
    assert subs(pg, other["user"]["id"]) == [("shared", "c")]
    assert server.get(SUBS, headers=auth).json() == {"subscriptions": []}


def test_boundaries_that_are_accepted(server, me, pg):
    auth, uid = me
    ok = [("a", "b"), ("G" * 64, "x"), ("A-z_0.9", "c" * 64), ("g2", "공" * 21),
          ("g3", "카테고리 with spaces & symbols!?/")]
    for game, cat in ok:
        r = server.post(SUBS, headers=auth, json={"game_id": game, "category": cat})
        assert r.status_code == 201, (game, cat, r.text)
    assert len(subs(pg, uid)) == len(ok)


def test_category_limit_counts_characters_not_bytes(server, me, pg):
    """64 Hangul syllables are 64 characters (192 bytes of UTF-8)."""
    auth, uid = me
    cat = "공지" * 32
    assert len(cat) == 64
    r = server.post(SUBS, headers=auth, json={"game_id": "kr", "category": cat})
    assert r.status_code == 201, r.text
    assert subs(pg, uid) == [("kr", cat)]
    r = server.post(SUBS, headers=auth, json={"game_id": "kr", "category": cat + "공"})
    assert_error(r, 400, "invalid_request")


@pytest.mark.parametrize("body", [
    {},
    {"game_id": "g"},
    {"category": "c"},
    {"game_id": "", "category": "c"},
    {"game_id": "g", "category": ""},
    {"game_id": "g" * 65, "category": "c"},
    {"game_id": "g", "category": "c" * 65},
    {"game_id": "has space", "category": "c"},
    {"game_id": "slash/y", "category": "c"},
    {"game_id": "게임", "category": "c"},
    {"game_id": "semi;colon", "category": "c"},
    {"game_id": 5, "category": "c"},
    {"game_id": "g", "category": ["c"]},
    {"game_id": "g", "category": None},
    {"game_id": "g", "category": "tab\there"},
    {"game_id": "g", "category": "new\nline"},
    {"game_id": "g", "category": "nul\u0000byte"},
    {"game_id": "g", "category": "del\u007f"},
], ids=lambda b: repr(b)[:40])
def test_bad_subscription_input_is_400_and_changes_nothing(server, me, pg, body):
    auth, uid = me
    before = everything(pg)
    assert_error(server.post(SUBS, headers=auth, json=body), 400, "invalid_request")
    assert_error(delete(server, SUBS, headers=auth, json=body), 400, "invalid_request")
    assert everything(pg) == before


def test_c1_control_characters_are_refused(server, me, pg):
    auth, uid = me
    before = everything(pg)
    r = server.post(SUBS, headers=auth, json={"game_id": "g", "category": "next\u0085line"})
    assert_error(r, 400, "invalid_request")
    assert everything(pg) == before


def test_bad_bodies_and_queries(server, me, pg):
    auth, uid = me
    before = everything(pg)
    assert_error(server.post(SUBS, headers=auth, json=["g", "c"]), 400, "invalid_request")
    assert_error(server.post(SUBS, headers=dict(auth, **{"Content-Type": "application/json"}),
                             data="{oops"), 400, "invalid_json")
    assert_error(server.post(SUBS, headers=dict(auth, **{"Content-Type": "text/plain"}),
                             data='{"game_id":"g","category":"c"}'),
                 415, "unsupported_media_type")
    assert_error(delete(server, SUBS + "?game_id=g&game_id=h&category=c", headers=auth),
                 400, "bad_query")
    assert_error(delete(server, SUBS + "?game_id=g&category=%FF", headers=auth),
                 400, "bad_query")
    assert_error(delete(server, SUBS + "?game_id=g", headers=auth), 400, "invalid_request")
    assert_error(delete(server, SUBS + "?game_id=&category=c", headers=auth),
                 400, "invalid_request")
    assert everything(pg) == before


# ---------------------------------------------------------------- push tokens

def test_register_update_delete_push_token(server, me, pg):
    auth, uid = me
    token = "fcm:" + uniq("APA91b") + "_-.~=+"
    r = server.post(PUSH, headers=auth, json={"token": token, "device_type": "android"})
    assert r.status_code == 201, r.text
    assert r.json() == {"token": token, "device_type": "android"}
    assert push_rows(pg, token) == [(uid, "android")]

    r = server.post(PUSH, headers=auth, json={"token": token, "device_type": "web"})
    assert r.status_code == 200, r.text
    assert r.json() == {"token": token, "device_type": "web"}
    assert push_rows(pg, token) == [(uid, "web")]

    r = delete(server, PUSH + "/" + urllib.parse.quote(token, safe=""), headers=auth)
    assert r.status_code == 200, r.text
    assert r.json() == {"deleted": True}
    assert push_rows(pg, token) == []
    r = delete(server, PUSH + "/" + urllib.parse.quote(token, safe=""), headers=auth)
    assert_error(r, 404, "push_token_not_found")


def test_push_token_moves_to_the_last_user_who_registers_it(server, google, me, pg):
    auth_a, uid_a = me
    b, _ = google_session(server, google)
    auth_b, uid_b = bearer(b["access_token"]), b["user"]["id"]
    token = uniq("device")
    assert server.post(PUSH, headers=auth_a,
                       json={"token": token, "device_type": "ios"}).status_code == 201
    r = server.post(PUSH, headers=auth_b, json={"token": token, "device_type": "ios"})
    assert r.status_code == 200, r.text
    assert push_rows(pg, token) == [(uid_b, "ios")]
    # A no longer owns it: A's delete is 404 and the token stays with B
    assert_error(delete(server, PUSH + "/" + token, headers=auth_a),
                 404, "push_token_not_found")
    assert push_rows(pg, token) == [(uid_b, "ios")]
    assert delete(server, PUSH + "/" + token, headers=auth_b).status_code == 200


def test_another_users_token_cannot_be_deleted(server, google, me, pg):
    auth, uid = me
    other, _ = google_session(server, google)
    token = uniq("theirs")
    assert server.post(PUSH, headers=bearer(other["access_token"]),
                       json={"token": token, "device_type": "web"}).status_code == 201
    assert_error(delete(server, PUSH + "/" + token, headers=auth), 404, "push_token_not_found")
    assert push_rows(pg, token) == [(other["user"]["id"], "web")]


def test_longest_push_token(server, me, pg):
    auth, uid = me
    token = ("L" + uniq("x")).ljust(4096, "z")
    assert len(token) == 4096
    r = server.post(PUSH, headers=auth, json={"token": token, "device_type": "ios"})
    assert r.status_code == 201, r.text
    assert push_rows(pg, token) == [(uid, "ios")]
    assert delete(server, PUSH + "/" + token, headers=auth).status_code == 200
    assert push_rows(pg, token) == []


@pytest.mark.parametrize("body", [
    {},
    {"token": "t"},
    {"device_type": "ios"},
    {"token": "", "device_type": "ios"},
    {"token": "x" * 4097, "device_type": "ios"},
    {"token": "has space", "device_type": "ios"},
    {"token": "has/slash", "device_type": "ios"},
    {"token": "tab\tx", "device_type": "ios"},
    {"token": "t", "device_type": "windows"},
    {"token": "t", "device_type": "IOS"},
    {"token": "t", "device_type": ""},
    {"token": 12345, "device_type": "ios"},
    {"token": "t", "device_type": None},
], ids=lambda b: repr(b)[:40])
def test_bad_push_token_input_is_400_and_changes_nothing(server, me, pg, body):
    auth, uid = me
    before = everything(pg)
    assert_error(server.post(PUSH, headers=auth, json=body), 400, "invalid_request")
    assert everything(pg) == before


def test_push_delete_of_an_overlong_token_is_400(server, me):
    auth, _ = me
    assert_error(delete(server, PUSH + "/" + "y" * 4097, headers=auth),
                 400, "invalid_request")


def test_routes_and_methods(server, me):
    auth, _ = me
    r = server.request("PUT", SUBS, headers=auth, json={})
    assert_error(r, 405, "method_not_allowed")
    assert set(r.headers["Allow"].split(", ")) == {"GET", "HEAD", "POST", "DELETE"}
    assert_error(server.get(PUSH, headers=auth), 405, "method_not_allowed")
    assert_error(server.get("/api/me/nothing-here", headers=auth), 404, "not_found")
    assert_error(delete(server, PUSH + "/", headers=auth), 404, "not_found")


# ---------------------------------------------------------------- who may

@pytest.mark.parametrize("method,path,body", [
    ("GET", SUBS, None),
    ("POST", SUBS, {"game_id": "g", "category": "c"}),
    ("DELETE", SUBS, {"game_id": "g", "category": "c"}),
    ("POST", PUSH, {"token": "t-unauth", "device_type": "ios"}),
    ("DELETE", PUSH + "/t-unauth", None),
])
def test_without_a_token_is_401(server, pg, method, path, body):
    before = everything(pg)
    r = as_ip(server, method, path, json=body)
    assert_error(r, 401, "unauthorized")
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    r = as_ip(server, method, path, json=body, headers=bearer("garbage.token.here"))
    assert_invalid_token(r)
    assert everything(pg) == before


def test_deleted_user_is_refused_401(server, me, pg):
    auth, uid = me
    assert server.post(SUBS, headers=auth, json={"game_id": "g", "category": "c"}).status_code \
        == 201
    pg.query("DELETE FROM users WHERE id = %s", (uid,))
    before = everything(pg)
    # the token's user is gone: the token no longer authenticates anyone
    assert_invalid_token(as_ip(server, "POST", SUBS, headers=auth,
                               json={"game_id": "g2", "category": "c"}))
    assert_invalid_token(as_ip(server, "POST", PUSH, headers=auth,
                               json={"token": uniq("orphan"), "device_type": "ios"}))
    assert_invalid_token(as_ip(server, "GET", SUBS, headers=auth))
    assert everything(pg) == before
    assert counts(pg, uid) == (0, 0)


def test_disabled_user_is_refused_401(server, me, pg):
    auth, uid = me
    pg.query("UPDATE users SET is_active = false WHERE id = %s", (uid,))
    before = everything(pg)
    assert_invalid_token(as_ip(server, "POST", SUBS, headers=auth,
                               json={"game_id": "g", "category": "c"}))
    assert_invalid_token(as_ip(server, "POST", PUSH, headers=auth,
                               json={"token": uniq("off"), "device_type": "ios"}))
    assert everything(pg) == before


def test_provider_tokens_work_on_user_data(server, google, cognito, pg):
    claims = google_claims()
    gauth = bearer(google.id_token(claims))
    r = server.post(SUBS, headers=gauth, json={"game_id": "gg", "category": "c"})
    assert r.status_code == 201, r.text
    uid = pg.scalar("SELECT id FROM users WHERE google_id = %s", (claims["sub"],))
    assert subs(pg, uid) == [("gg", "c")]

    body, user = cognito_session(server, cognito)
    cauth = bearer(body["cognito"]["access_token"])
    assert server.post(SUBS, headers=cauth, json={"game_id": "cg", "category": "c"}).status_code \
        == 201
    # the same user as the Cognito sign-in made
    assert subs(pg, body["user"]["id"]) == [("cg", "c")]
    assert server.get(SUBS, headers=bearer(body["access_token"])).json()["subscriptions"][0][
        "game_id"] == "cg"


def test_concurrent_duplicate_subscribes_make_one_row(server, me, pg):
    auth, uid = me
    n = 8
    barrier = threading.Barrier(n)
    codes = [None] * n

    def go(i):
        barrier.wait()
        codes[i] = as_ip(server, "POST", SUBS, headers=auth,
                         json={"game_id": "race", "category": "c"}).status_code

    threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [201] + [409] * (n - 1)
    assert subs(pg, uid) == [("race", "c")]
