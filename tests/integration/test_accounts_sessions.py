"""Our sessions: me, validate, refresh-token rotation with reuse detection,
logout, and what stays valid after it."""
import datetime
import threading

import fakes
import pytest

from accounts_helpers import (as_ip, assert_error, assert_invalid_token, bearer, cognito_session,
                              google_claims, google_session, refresh_hash, toss_login)


def refresh(srv, token):
    return srv.post("/api/auth/refresh", json={"refresh_token": token})


def token_row(pg, token):
    rows = pg.query("SELECT session_id, rotated_at IS NOT NULL, expires_at > now() "
                    "FROM refresh_tokens WHERE token_hash = %s", (refresh_hash(token),))
    return rows[0] if rows else None


def session_row(pg, sid):
    return pg.query("SELECT revoked_at IS NOT NULL, revoked_reason FROM auth_sessions "
                    "WHERE id = %s", (sid,))[0]


def iso(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- me, validate

def test_validate_our_token(server, google):
    body, _ = google_session(server, google)
    r = server.get("/api/auth/validate", headers=bearer(body["access_token"]))
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    exp = fakes.decode_jwt(body["access_token"])[1]["exp"]
    assert r.json() == {"valid": True, "user_id": body["user"]["id"], "expires_at": iso(exp)}


def test_validate_provider_tokens(server, google, cognito, pg):
    claims = google_claims()
    gtoken = google.id_token(claims)
    r = server.get("/api/auth/validate", headers=bearer(gtoken))
    assert r.status_code == 200, r.text
    uid = r.json()["user_id"]
    assert r.json()["expires_at"] == iso(fakes.decode_jwt(gtoken)[1]["exp"])
    assert pg.scalar("SELECT google_id FROM users WHERE id = %s", (uid,)) == claims["sub"]

    _, user = cognito_session(server, cognito)
    ctoken = cognito.make_token("access", username=user["username"])
    r = server.get("/api/auth/validate", headers=bearer(ctoken))
    assert r.status_code == 200, r.text
    assert r.json()["user_id"] == pg.scalar("SELECT id FROM users WHERE cognito_sub = %s",
                                            (user["sub"],))


def test_auth_scheme_is_case_insensitive(server, google):
    body, _ = google_session(server, google)
    for scheme in ("bearer", "BEARER", "Bearer  "):
        r = server.get("/api/auth/validate",
                       headers={"Authorization": f"{scheme} {body['access_token']}"})
        assert r.status_code == 200, (scheme, r.text)


@pytest.mark.parametrize("path", ["/api/auth/me", "/api/auth/validate"])
def test_missing_token_is_401_unauthorized(server, path):
    for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Basic dTpw"}):
        r = as_ip(server, "GET", path, headers=headers)
        assert_error(r, 401, "unauthorized")
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
        assert "error=" not in r.headers["WWW-Authenticate"]


def test_concurrent_me_requests_each_get_their_own_user(server, google, pg):
    """/me requests arriving together share one statement; each must still
    get exactly its own row, and a removed user's token alone is refused."""
    sessions = [google_session(server, google)[0] for _ in range(12)]
    gone = sessions[5]["user"]["id"]
    pg.query("DELETE FROM users WHERE id = %s", (gone,))
    barrier = threading.Barrier(len(sessions) * 2)
    results = {}

    def go(i, body):
        barrier.wait()
        results[i] = as_ip(server, "GET", "/api/auth/me", headers=bearer(body["access_token"]))

    threads = [threading.Thread(target=go, args=(i, s))
               for i, s in enumerate(sessions + sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, r in results.items():
        body = sessions[i % len(sessions)]
        if body["user"]["id"] == gone:
            assert_invalid_token(r)
        else:
            assert r.status_code == 200, r.text
            me = r.json()
            assert (me["id"], me["email"]) == (body["user"]["id"], body["user"]["email"])


def test_me_lists_every_provider(server, google, toss, pg):
    body, _ = google_session(server, google)
    uid = body["user"]["id"]
    r, profile = toss_login(server, toss)
    tuid = r.json()["user"]["id"]
    # glue the Toss key onto the Google user, as a linked account would be
    pg.query("UPDATE users SET toss_user_key = NULL WHERE id = %s", (tuid,))
    pg.query("UPDATE users SET toss_user_key = %s WHERE id = %s", (profile["userKey"], uid))
    me = server.get("/api/auth/me", headers=bearer(body["access_token"])).json()
    assert me["providers"] == ["google", "toss"]


def test_me_shows_the_seed_002_profile_age_and_gender(server, google, pg):
    body, _ = google_session(server, google)
    uid = body["user"]["id"]
    me = server.get("/api/auth/me", headers=bearer(body["access_token"])).json()
    assert (me["age"], me["gender"]) == (None, None)
    pg.query("UPDATE users SET age = 34, gender = 'female' WHERE id = %s", (uid,))
    me = server.get("/api/auth/me", headers=bearer(body["access_token"])).json()
    assert (me["id"], me["age"], me["gender"]) == (uid, 34, "female")
    assert set(me) == {"id", "email", "email_verified", "name", "picture", "age", "gender",
                       "role", "providers", "created_at", "last_login_at"}


# ---------------------------------------------------------------- refresh

def test_refresh_rotates(server, google, pg):
    body, _ = google_session(server, google)
    old = body["refresh_token"]
    sid = token_row(pg, old)[0]
    r = refresh(server, old)
    assert r.status_code == 200, r.text
    new = r.json()
    assert set(new) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert (new["token_type"], new["expires_in"]) == ("Bearer", 900)
    assert new["refresh_token"] != old and len(new["refresh_token"]) == 43
    claims = fakes.decode_jwt(new["access_token"])[1]
    assert (claims["sub"], claims["sid"], claims["role"]) == \
        (str(body["user"]["id"]), str(sid), "user")
    assert token_row(pg, old) == (sid, True, True)
    assert token_row(pg, new["refresh_token"]) == (sid, False, True)
    assert session_row(pg, sid) == (False, None)
    assert server.get("/api/auth/me", headers=bearer(new["access_token"])).status_code == 200
    # and the new one rotates in turn
    again = refresh(server, new["refresh_token"])
    assert again.status_code == 200
    assert pg.scalar("SELECT count(*) FROM refresh_tokens WHERE session_id = %s", (sid,)) == 3


def age_rotations(pg, sid, seconds=11):
    """Moves the family's rotations back in time, past the 10 s grace."""
    pg.query("UPDATE refresh_tokens SET rotated_at = rotated_at - make_interval(secs => %s) "
             "WHERE session_id = %s AND rotated_at IS NOT NULL", (seconds, sid))


def test_reuse_of_a_rotated_token_revokes_the_family(server, google, pg):
    body, _ = google_session(server, google)
    first = body["refresh_token"]
    sid = token_row(pg, first)[0]
    second = refresh(server, first).json()["refresh_token"]
    third_r = refresh(server, second)
    assert third_r.status_code == 200
    third = third_r.json()["refresh_token"]
    age_rotations(pg, sid)

    r = refresh(server, first)                       # replayed by a thief, past the grace
    assert_error(r, 401, "invalid_grant")
    assert session_row(pg, sid) == (True, "refresh token reused")
    # the newest token of the family is dead too
    assert_error(refresh(server, third), 401, "invalid_grant")
    assert_error(refresh(server, second), 401, "invalid_grant")
    assert session_row(pg, sid) == (True, "refresh token reused")
    log = server.new_log()
    assert f"refresh token of user {body['user']['id']} used again after rotation: " \
           f"possible theft, session family revoked" in log
    assert "[gamehoney:warn]" in log


def test_reuse_does_not_touch_other_sessions(server, google, pg):
    claims = google_claims()
    a, _ = google_session(server, google, claims=dict(claims))
    b, _ = google_session(server, google, claims=dict(claims))
    assert a["user"]["id"] == b["user"]["id"]
    refresh(server, a["refresh_token"])
    age_rotations(pg, token_row(pg, a["refresh_token"])[0])
    assert_error(refresh(server, a["refresh_token"]), 401, "invalid_grant")
    assert refresh(server, b["refresh_token"]).status_code == 200
    assert session_row(pg, token_row(pg, b["refresh_token"])[0]) == (False, None)


def test_expired_refresh_token_is_401(server, google, pg):
    body, _ = google_session(server, google)
    token = body["refresh_token"]
    pg.query("UPDATE refresh_tokens SET expires_at = now() - interval '1 s' "
             "WHERE token_hash = %s", (refresh_hash(token),))
    assert_error(refresh(server, token), 401, "invalid_grant")
    # an expiry is not a reuse: the session stays, nothing was rotated
    sid, rotated, _ = token_row(pg, token)
    assert rotated is False
    assert session_row(pg, sid) == (False, None)
    assert pg.scalar("SELECT count(*) FROM refresh_tokens WHERE session_id = %s", (sid,)) == 1


@pytest.mark.parametrize("token", [
    "A" * 43,                                   # well formed, never issued
    "short",
    "A" * 44,
    "",
])
def test_unknown_or_malformed_refresh_token_is_401_or_400(server, token):
    r = refresh(server, token)
    if token == "":
        assert_error(r, 400, "invalid_request")
    else:
        assert_error(r, 401, "invalid_grant")


@pytest.mark.parametrize("body", [{}, {"refresh_token": 5}, {"refresh_token": None},
                                  {"refresh_token": "x" * 129}])
def test_refresh_bad_input_is_400(server, body):
    assert_error(server.post("/api/auth/refresh", json=body), 400, "invalid_request")


def test_refresh_of_a_disabled_user_is_401(server, google, pg):
    body, _ = google_session(server, google)
    pg.query("UPDATE users SET is_active = false WHERE id = %s", (body["user"]["id"],))
    assert_error(refresh(server, body["refresh_token"]), 401, "invalid_grant")


def test_refresh_carries_the_current_role(server, google, pg):
    body, _ = google_session(server, google)
    pg.query("UPDATE users SET role = 'admin' WHERE id = %s", (body["user"]["id"],))
    r = refresh(server, body["refresh_token"])
    assert fakes.decode_jwt(r.json()["access_token"])[1]["role"] == "admin"


def test_concurrent_refreshes_of_one_token_share_one_successor(server, google, pg):
    """Two tabs refreshing at once: every request presenting the token
    within the grace window gets the same successor; the session lives."""
    for _ in range(3):
        body, _ = google_session(server, google)
        token = body["refresh_token"]
        sid = token_row(pg, token)[0]
        n = 8
        barrier = threading.Barrier(n)
        results = [None] * n

        def go(i):
            barrier.wait()
            results[i] = as_ip(server, "POST", "/api/auth/refresh",
                               json={"refresh_token": token})

        threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        codes = sorted(r.status_code for r in results)
        assert codes == [200] * n, [r.text for r in results]
        successors = {r.json()["refresh_token"] for r in results}
        assert len(successors) == 1
        # exactly one successor was stored, and the family is not revoked
        assert pg.scalar("SELECT count(*) FROM refresh_tokens WHERE session_id = %s",
                         (sid,)) == 2
        assert session_row(pg, sid) == (False, None)
        successor = successors.pop()
        assert token_row(pg, successor) == (sid, False, True)   # stored, not yet rotated
        # each answer's access token works, and the successor rotates on
        for r in results:
            assert server.get("/api/auth/validate",
                              headers=bearer(r.json()["access_token"])).status_code == 200
        assert refresh(server, successor).status_code == 200


def test_reuse_within_the_grace_gives_the_same_successor_and_past_it_revokes(server, google,
                                                                              pg):
    body, _ = google_session(server, google)
    first = body["refresh_token"]
    sid = token_row(pg, first)[0]
    a = refresh(server, first)
    b = refresh(server, first)                       # the second tab, a moment later
    assert a.status_code == 200 and b.status_code == 200, b.text
    assert a.json()["refresh_token"] == b.json()["refresh_token"]
    assert a.json()["access_token"] != b.json()["access_token"]
    assert session_row(pg, sid) == (False, None)
    assert pg.scalar("SELECT count(*) FROM refresh_tokens WHERE session_id = %s", (sid,)) == 2
    # past the window the same replay is a theft signal
    age_rotations(pg, sid)
    assert_error(refresh(server, first), 401, "invalid_grant")
    assert session_row(pg, sid) == (True, "refresh token reused")
    assert_error(refresh(server, a.json()["refresh_token"]), 401, "invalid_grant")


def test_grace_zero_turns_the_overlap_off(make_server, google, pg):
    srv = make_server("no-refresh-grace", "GameHoneyRefreshReuseGrace 0\n")
    body, _ = google_session(srv, google)
    first = body["refresh_token"]
    sid = token_row(pg, first)[0]
    assert refresh(srv, first).status_code == 200
    assert_error(refresh(srv, first), 401, "invalid_grant")
    assert session_row(pg, sid) == (True, "refresh token reused")


# ---------------------------------------------------------------- logout

def test_logout_revokes_the_session(server, google, pg):
    body, _ = google_session(server, google)
    access, token = body["access_token"], body["refresh_token"]
    sid = token_row(pg, token)[0]
    r = server.post("/api/auth/logout", headers=bearer(access))
    assert r.status_code == 200
    assert r.json() == {"success": True, "revoked": True, "cognito_signout": "skipped"}
    assert session_row(pg, sid) == (True, "logout")
    assert_error(refresh(server, token), 401, "invalid_grant")
    assert session_row(pg, sid) == (True, "logout")      # not relabelled as a reuse
    # access tokens are stateless: this one lives out its 15 minutes
    assert server.get("/api/auth/validate", headers=bearer(access)).status_code == 200
    assert server.get("/api/auth/me", headers=bearer(access)).status_code == 200
    # a second logout has nothing left to revoke
    again = server.post("/api/auth/logout", headers=bearer(access))
    assert again.status_code == 200
    assert again.json() == {"success": True, "revoked": False, "cognito_signout": "skipped"}


def test_logout_ends_only_its_own_session(server, google, pg):
    claims = google_claims()
    a, _ = google_session(server, google, claims=dict(claims))
    b, _ = google_session(server, google, claims=dict(claims))
    assert server.post("/api/auth/logout", headers=bearer(a["access_token"])).status_code == 200
    assert refresh(server, b["refresh_token"]).status_code == 200


def test_logout_with_a_provider_token_is_400(server, google, cognito):
    r = server.post("/api/auth/logout", headers=bearer(google.id_token(google_claims())))
    assert_error(r, 400, "invalid_request")
    body, user = cognito_session(server, cognito)
    r = server.post("/api/auth/logout", headers=bearer(body["cognito"]["access_token"]))
    assert_error(r, 400, "invalid_request")
    # the Cognito sign-in's own session is untouched
    assert refresh(server, body["refresh_token"]).status_code == 200


def test_logout_without_a_token_is_401(server):
    r = as_ip(server, "POST", "/api/auth/logout")
    assert_error(r, 401, "unauthorized")
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_routes_answer_405_with_allow(server):
    r = server.get("/api/auth/refresh")
    assert_error(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "POST"
    r = server.post("/api/auth/me")
    assert_error(r, 405, "method_not_allowed")
    assert "GET" in r.headers["Allow"]
