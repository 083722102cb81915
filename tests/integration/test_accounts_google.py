"""Google sign-in: the authorization-code flow (with and without PKCE), the
id_token flow, what Google's refusals become, and the rows a sign-in makes."""
import hashlib
import re

import fakes
import pytest

from accounts_helpers import (REDIRECT, assert_error, bearer, google_claims, google_login,
                              refresh_hash, timed, uniq, user_row)

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def test_code_flow_signs_in_and_stores_a_hashed_refresh_token(server, google, pg):
    claims = google_claims(name="김구글", picture="https://lh3.example/kim.png")
    r, _ = google_login(server, google, claims)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["Cache-Control"] == "no-store"
    body = r.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in", "user"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    user = body["user"]
    assert set(user) == {"id", "email", "name", "picture", "role"}
    assert isinstance(user["id"], int)
    assert (user["email"], user["name"], user["picture"], user["role"]) == \
        (claims["email"], "김구글", "https://lh3.example/kim.png", "user")

    # the access token is ours: HS256 under k1, naming user, session and role
    header, at = fakes.decode_jwt(body["access_token"])
    assert header == {"alg": "HS256", "typ": "JWT", "kid": "k1"}
    assert (at["iss"], at["aud"], at["token_use"], at["sub"], at["role"]) == \
        ("gamehoney", "gamehoney", "access", str(user["id"]), "user")
    assert at["exp"] - at["iat"] == 900

    row = user_row(pg, user["id"], "google_id", "email", "email_verified", "name", "picture",
                   "role", "is_active", "cognito_sub", "toss_user_key",
                   "last_login_at IS NOT NULL")
    assert row == (claims["sub"], claims["email"], True, "김구글",
                   "https://lh3.example/kim.png", "user", True, None, None, True)

    sessions = pg.query("SELECT id, provider, revoked_at FROM auth_sessions WHERE user_id = %s",
                        (user["id"],))
    assert len(sessions) == 1
    sid, provider, revoked = sessions[0]
    assert (provider, revoked) == ("google", None)
    assert at["sid"] == str(sid)

    tokens = pg.query("SELECT token_hash, rotated_at, expires_at > now() + interval '29 days' "
                      "FROM refresh_tokens WHERE session_id = %s", (sid,))
    assert len(tokens) == 1
    stored, rotated, long_lived = tokens[0]
    stored = bytes(stored)
    refresh = body["refresh_token"]
    assert len(refresh) == 43                       # 32 random bytes, base64url
    assert len(stored) == 32
    assert stored == refresh_hash(refresh)
    assert refresh.encode() not in stored
    assert (rotated, long_lived) == (None, True)
    # nothing anywhere holds the token in clear
    assert pg.scalar("SELECT count(*) FROM refresh_tokens WHERE position(%s IN "
                     "encode(token_hash, 'escape')) > 0", (refresh,)) == 0

    # the server authenticated itself to Google's token endpoint
    sent = [x for x in google.requests_to("/token") if x.form().get("code")][-1].form()
    assert sent["grant_type"] == "authorization_code"
    assert sent["client_id"] == google.client_id
    assert sent["client_secret"] == google.client_secret
    assert sent["redirect_uri"] == REDIRECT
    assert "code_verifier" not in sent

    me = server.get("/api/auth/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    m = me.json()
    assert (m["id"], m["email"], m["email_verified"], m["providers"], m["role"]) == \
        (user["id"], claims["email"], True, ["google"], "user")
    assert ISO.match(m["created_at"]) and ISO.match(m["last_login_at"])


def test_second_sign_in_finds_the_same_user_and_opens_a_new_session(server, google, pg):
    claims = google_claims()
    first, _ = google_login(server, google, dict(claims))
    claims["name"] = "Renamed"
    second, _ = google_login(server, google, dict(claims))
    assert (first.status_code, second.status_code) == (200, 200)
    uid = first.json()["user"]["id"]
    assert second.json()["user"]["id"] == uid
    assert second.json()["user"]["name"] == "Renamed"
    assert pg.scalar("SELECT count(*) FROM users WHERE google_id = %s", (claims["sub"],)) == 1
    assert pg.scalar("SELECT name FROM users WHERE id = %s", (uid,)) == "Renamed"
    assert pg.scalar("SELECT count(*) FROM auth_sessions WHERE user_id = %s", (uid,)) == 2


def test_pkce_code_verifier_is_passed_to_google(server, google, pg):
    verifier = "v" * 20 + uniq("pkce").replace("-", "_") + "x" * 10
    assert 43 <= len(verifier) <= 128
    challenge = fakes.b64url(hashlib.sha256(verifier.encode()).digest())
    claims = google_claims()
    code = uniq("gcode")
    google.register_code(code, claims, REDIRECT, code_challenge=challenge)
    r = server.post("/api/auth/google/login",
                    json={"code": code, "redirect_uri": REDIRECT, "code_verifier": verifier})
    assert r.status_code == 200, r.text
    form = [x.form() for x in google.requests_to("/token") if x.form().get("code") == code]
    assert form[-1]["code_verifier"] == verifier
    assert pg.scalar("SELECT count(*) FROM users WHERE google_id = %s", (claims["sub"],)) == 1


def test_pkce_wrong_verifier_is_refused(server, google, pg):
    claims = google_claims()
    code = uniq("gcode")
    google.register_code(code, claims, REDIRECT, code_verifier="a" * 43)
    r = server.post("/api/auth/google/login",
                    json={"code": code, "redirect_uri": REDIRECT, "code_verifier": "b" * 43})
    assert_error(r, 401, "invalid_grant")
    assert pg.scalar("SELECT count(*) FROM users WHERE google_id = %s", (claims["sub"],)) == 0


@pytest.mark.parametrize("verifier", ["a" * 42, "x"])
def test_short_code_verifier_is_400_and_google_is_not_called(server, google, verifier):
    code = uniq("gcode")
    google.register_code(code, google_claims(), REDIRECT)
    before = len(google.requests_to("/token"))
    r = server.post("/api/auth/google/login",
                    json={"code": code, "redirect_uri": REDIRECT, "code_verifier": verifier})
    assert_error(r, 400, "invalid_request")
    assert len(google.requests_to("/token")) == before


def test_redirect_uri_mismatch_is_401(server, google, pg):
    claims = google_claims()
    code = uniq("gcode")
    google.register_code(code, claims, REDIRECT)
    r = server.post("/api/auth/google/login",
                    json={"code": code, "redirect_uri": "https://evil.example/cb"})
    assert_error(r, 401, "invalid_grant")
    assert pg.scalar("SELECT count(*) FROM users WHERE google_id = %s", (claims["sub"],)) == 0


def test_reused_code_is_401_and_opens_no_second_session(server, google, pg):
    claims = google_claims()
    code = uniq("gcode")
    google.register_code(code, claims, REDIRECT)
    body = {"code": code, "redirect_uri": REDIRECT}
    first = server.post("/api/auth/google/login", json=body)
    assert first.status_code == 200
    again = server.post("/api/auth/google/login", json=body)
    assert_error(again, 401, "invalid_grant")
    uid = first.json()["user"]["id"]
    assert pg.scalar("SELECT count(*) FROM auth_sessions WHERE user_id = %s", (uid,)) == 1


def test_unknown_code_is_401(server):
    r = server.post("/api/auth/google/login",
                    json={"code": uniq("never-issued"), "redirect_uri": REDIRECT})
    assert_error(r, 401, "invalid_grant")


def test_id_token_flow(server, google, pg):
    claims = google_claims()
    before = len(google.requests_to("/token"))
    r = server.post("/api/auth/google/login", json={"id_token": google.id_token(claims)})
    assert r.status_code == 200, r.text
    assert len(google.requests_to("/token")) == before        # no code exchange
    uid = r.json()["user"]["id"]
    assert user_row(pg, uid, "google_id", "email", "email_verified") == \
        (claims["sub"], claims["email"], True)
    assert pg.query("SELECT provider FROM auth_sessions WHERE user_id = %s", (uid,)) == \
        [("google",)]


def test_id_token_with_bare_issuer_is_accepted(server, google, pg):
    claims = google_claims()
    token = google.id_token(claims, iss="accounts.google.com")
    r = server.post("/api/auth/google/login", json={"id_token": token})
    assert r.status_code == 200, r.text
    assert pg.scalar("SELECT google_id FROM users WHERE id = %s",
                     (r.json()["user"]["id"],)) == claims["sub"]
    # and as a bearer token
    v = server.get("/api/auth/validate", headers=bearer(google.id_token(
        claims, iss="accounts.google.com")))
    assert v.status_code == 200
    assert v.json()["user_id"] == r.json()["user"]["id"]


def test_id_token_of_another_provider_is_401(server, google, cognito, pg):
    email = f"{uniq('c')}@example.com"
    cognito.add_user(email, "Password-123", email=email)
    for token in (cognito.make_token("id", username=email),
                  cognito.make_token("access", username=email)):
        r = server.post("/api/auth/google/login", json={"id_token": token})
        assert_error(r, 401, "invalid_token")
        assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]
    # our own access token is not a Google id token either
    ours = server.post("/api/auth/google/login",
                       json={"id_token": google.id_token(google_claims())}).json()["access_token"]
    assert_error(server.post("/api/auth/google/login", json={"id_token": ours}),
                 401, "invalid_token")
    assert pg.scalar("SELECT count(*) FROM users WHERE lower(email) = lower(%s)", (email,)) == 0


def test_id_token_for_another_client_is_401(server, google, pg):
    claims = google_claims()
    token = google.id_token(claims, aud="someone-else.apps.googleusercontent.com")
    assert_error(server.post("/api/auth/google/login", json={"id_token": token}),
                 401, "invalid_token")
    assert pg.scalar("SELECT count(*) FROM users WHERE google_id = %s", (claims["sub"],)) == 0


@pytest.mark.parametrize("body", [
    {},
    {"code": "abc"},
    {"redirect_uri": REDIRECT},
    {"code": "", "redirect_uri": REDIRECT},
    {"code": 5, "redirect_uri": REDIRECT},
    {"code": "abc", "redirect_uri": None},
    {"id_token": ""},
    {"id_token": ["x"]},
])
def test_missing_or_malformed_fields_are_400(server, google, body):
    before = len(google.requests_to("/token"))
    assert_error(server.post("/api/auth/google/login", json=body), 400, "invalid_request")
    assert len(google.requests_to("/token")) == before


def test_body_must_be_a_json_object(server):
    assert_error(server.post("/api/auth/google/login", json=["code"]), 400, "invalid_request")
    assert_error(server.post("/api/auth/google/login", data="{not json",
                             headers={"Content-Type": "application/json"}), 400, "invalid_json")
    assert_error(server.post("/api/auth/google/login", data="code=x",
                             headers={"Content-Type": "application/x-www-form-urlencoded"}),
                 415, "unsupported_media_type")


def test_unverified_google_email_is_stored_unverified(server, google, pg):
    r, claims = google_login(server, google, verified=False)
    assert r.status_code == 200
    assert user_row(pg, r.json()["user"]["id"], "email", "email_verified") == \
        (claims["email"], False)


# ---------------------------------------------------------------- upstream failures

def _login_with_fault(server, google, kind):
    claims = google_claims()
    code = uniq("gcode")
    google.register_code(code, claims, REDIRECT)
    google.fail_next("/token", kind, count=2 if kind == "close" else 1)
    try:
        r, elapsed = timed(server.post, "/api/auth/google/login",
                           json={"code": code, "redirect_uri": REDIRECT})
    finally:
        google.reset()
    return r, elapsed, claims


def test_token_endpoint_timeout_is_504(server, google, pg, log_allow):
    log_allow(r"Google call failed: .*(Timeout|timed out)")
    r, elapsed, claims = _login_with_fault(server, google, "timeout")
    assert_error(r, 504, "upstream_timeout")
    assert 1.5 <= elapsed < 3.5                      # GameHoneyHTTPTimeout 2000
    assert pg.scalar("SELECT count(*) FROM users WHERE google_id = %s", (claims["sub"],)) == 0


@pytest.mark.parametrize("kind", ["garbage", "status500", "close"])
def test_token_endpoint_bad_answers_are_502(server, google, pg, log_allow, kind):
    log_allow(r"Google answered unexpectedly")
    r, elapsed, claims = _login_with_fault(server, google, kind)
    assert_error(r, 502, "upstream_error")
    assert elapsed < 5
    assert pg.scalar("SELECT count(*) FROM users WHERE google_id = %s", (claims["sub"],)) == 0


def test_google_client_errors_other_than_400_are_502(server, google, log_allow):
    # a wrong client secret is our misconfiguration, not the user's code
    log_allow(r"Google answered unexpectedly: token endpoint HTTP 401")
    secret = google.client_secret
    google.client_secret = "rotated-at-google"
    try:
        code = uniq("gcode")
        google.register_code(code, google_claims(), REDIRECT)
        r = server.post("/api/auth/google/login", json={"code": code, "redirect_uri": REDIRECT})
    finally:
        google.client_secret = secret
    assert_error(r, 502, "upstream_error")
