"""Cognito users stay in step with Cognito (issue 11, items 5, 9, 10, 11):
the users row is synced by sub from Cognito's verified claims, from GetUser
when a user is first seen by an access token, and from the id token at every
login or bearer use; linking by verified email then applies. Logout signs
the user out at Cognito too. The Cognito issuer can be set."""
import pytest

from accounts_helpers import (PASSWORD, as_ip, assert_error, assert_invalid_token, bearer,
                              cognito_login, cognito_session, google_claims, google_session,
                              new_email, uniq, user_row)


def cognito_user(cognito, email=None, confirmed=True):
    """A user who signed up and confirmed at Cognito directly (its SDK)."""
    email = email or new_email("direct")
    return cognito.add_user(email, PASSWORD, email=email, confirmed=confirmed), email


def access_token(cognito, user):
    return cognito.make_token("access", username=user["username"])


def row_by_sub(pg, sub):
    rows = pg.query("SELECT id, email, email_verified FROM users WHERE cognito_sub = %s", (sub,))
    return rows[0] if rows else None


# ---------------------------------------------------------------- item 5

def test_first_sight_by_access_token_gets_the_verified_email(server, cognito, google, pg):
    user, email = cognito_user(cognito)
    before = cognito.count("GetUser")
    r = server.get("/api/auth/me", headers=bearer(access_token(cognito, user)))
    assert r.status_code == 200, r.text
    assert (r.json()["email"], r.json()["email_verified"]) == (email, True)
    uid = r.json()["id"]
    assert row_by_sub(pg, user["sub"]) == (uid, email, True)
    assert cognito.count("GetUser") == before + 1
    # a known user is not asked about again
    assert server.get("/api/auth/me", headers=bearer(access_token(cognito, user))).status_code \
        == 200
    assert cognito.count("GetUser") == before + 1
    # the same verified email at Google is the same person
    body, _ = google_session(server, google, claims=google_claims(email=email))
    assert body["user"]["id"] == uid
    assert pg.scalar("SELECT count(*) FROM users WHERE lower(email) = lower(%s)", (email,)) == 1


def test_login_syncs_a_row_made_without_an_email(server, cognito, pg):
    user, email = cognito_user(cognito)
    # a row the old code made from an access token: no email, unverified
    uid = pg.scalar("INSERT INTO users (cognito_sub) VALUES (%s) RETURNING id", (user["sub"],))
    r = cognito_login(server, email)
    assert r.status_code == 200, r.text
    assert r.json()["user"]["id"] == uid
    assert row_by_sub(pg, user["sub"]) == (uid, email, True)


def test_a_verified_email_change_at_cognito_is_synced(server, cognito, pg):
    body, user = cognito_session(server, cognito)
    uid = body["user"]["id"]
    changed = new_email("changed")
    with cognito._lock:
        cognito.users[user["username"]]["attributes"]["email"] = changed
    # an id token carries the claims: its use as a bearer syncs the row
    id_token = cognito.make_token("id", **{"cognito:username": user["username"]})
    r = server.get("/api/auth/me", headers=bearer(id_token))
    assert r.status_code == 200, r.text
    assert r.json()["email"] == changed
    assert row_by_sub(pg, user["sub"]) == (uid, changed, True)
    # and so does a login
    again = new_email("again")
    with cognito._lock:
        cognito.users[user["username"]]["attributes"]["email"] = again
    assert cognito_login(server, user["username"]).status_code == 200
    assert row_by_sub(pg, user["sub"]) == (uid, again, True)


def test_a_verified_email_another_user_holds_is_not_taken(server, cognito, google, pg):
    gbody, claims = google_session(server, google)
    user, email = cognito_user(cognito, email=claims["email"])
    # a row made without an email before the fix: it cannot claim the
    # address the Google user holds verified, so it keeps it unverified
    uid = pg.scalar("INSERT INTO users (cognito_sub) VALUES (%s) RETURNING id", (user["sub"],))
    r = cognito_login(server, email)
    assert r.status_code == 200, r.text
    assert r.json()["user"]["id"] == uid
    assert row_by_sub(pg, user["sub"]) == (uid, email, False)
    assert user_row(pg, gbody["user"]["id"], "email", "email_verified") == (email, True)


def test_getuser_refusal_is_401_and_creates_nobody(server, cognito, pg):
    user, _ = cognito_user(cognito)
    users = pg.scalar("SELECT count(*) FROM users")
    cognito.force_error("GetUser", "NotAuthorizedException",
                        message="Access Token has been revoked")
    r = as_ip(server, "GET", "/api/auth/me", headers=bearer(access_token(cognito, user)))
    assert_invalid_token(r)
    assert pg.scalar("SELECT count(*) FROM users") == users


def test_getuser_throttled_is_429_and_creates_nobody(server, cognito, pg):
    # Cognito's other refusals keep the answers a sign-in gives them
    user, _ = cognito_user(cognito)
    users = pg.scalar("SELECT count(*) FROM users")
    cognito.force_error("GetUser", "TooManyRequestsException")
    r = as_ip(server, "GET", "/api/auth/me", headers=bearer(access_token(cognito, user)))
    assert_error(r, 429, "too_many_requests")
    assert pg.scalar("SELECT count(*) FROM users") == users
    # the next sight asks again, and signs the user in
    r = as_ip(server, "GET", "/api/auth/me", headers=bearer(access_token(cognito, user)))
    assert r.status_code == 200, r.text


# ---------------------------------------------------------------- item 11

def test_logout_signs_out_at_cognito(server, cognito, pg):
    body, user = cognito_session(server, cognito)
    ctoken = body["cognito"]["access_token"]
    assert cognito.verify_access_token(ctoken)[0] is not None
    r = server.post("/api/auth/logout", headers=bearer(body["access_token"]),
                    json={"cognito_access_token": ctoken})
    assert r.status_code == 200, r.text
    assert r.json() == {"success": True, "revoked": True, "cognito_signout": "done"}
    assert cognito.verify_access_token(ctoken) == (None, "Access Token has been revoked")
    assert pg.scalar("SELECT revoked_reason FROM auth_sessions s JOIN users u ON u.id = s.user_id"
                     " WHERE u.cognito_sub = %s", (user["sub"],)) == "logout"


def test_a_failed_cognito_signout_still_revokes_our_session(server, cognito, pg, log_allow):
    log_allow(r"Cognito answered unexpectedly")
    body, user = cognito_session(server, cognito)
    cognito.force_error("GlobalSignOut", "InternalErrorException", status=500)
    r = server.post("/api/auth/logout", headers=bearer(body["access_token"]),
                    json={"cognito_access_token": body["cognito"]["access_token"]})
    assert r.status_code == 200, r.text
    assert r.json() == {"success": True, "revoked": True, "cognito_signout": "failed"}
    assert server.post("/api/auth/refresh",
                       json={"refresh_token": body["refresh_token"]}).status_code == 401


def test_logout_without_a_cognito_token_skips_cognito(server, cognito):
    body, _ = cognito_session(server, cognito)
    before = cognito.count("GlobalSignOut")
    r = server.post("/api/auth/logout", headers=bearer(body["access_token"]), json={})
    assert r.json() == {"success": True, "revoked": True, "cognito_signout": "skipped"}
    assert cognito.count("GlobalSignOut") == before


def test_logout_with_another_users_cognito_token_is_400(server, cognito, pg):
    mine, _ = cognito_session(server, cognito)
    theirs, _ = cognito_session(server, cognito)
    before = cognito.count("GlobalSignOut")
    r = server.post("/api/auth/logout", headers=bearer(mine["access_token"]),
                    json={"cognito_access_token": theirs["cognito"]["access_token"]})
    assert_error(r, 400, "invalid_request")
    assert cognito.count("GlobalSignOut") == before
    # nothing was revoked
    assert server.post("/api/auth/refresh",
                       json={"refresh_token": mine["refresh_token"]}).status_code == 200


# ---------------------------------------------------------------- item 9

CUSTOM_ISSUER = "https://auth.game.example/pool"


def test_the_cognito_issuer_can_be_set_from_the_environment(make_server, cognito):
    srv = make_server("cognito-issuer", env={"COGNITO_ISSUER": CUSTOM_ISSUER})
    user, _ = cognito_user(cognito)
    name = {"cognito:username": user["username"]}
    custom = cognito.make_token("id", iss=CUSTOM_ISSUER, **name)
    derived = cognito.make_token("id", **name)
    r = srv.get("/api/auth/validate", headers=bearer(custom))
    assert r.status_code == 200, r.text
    assert_invalid_token(as_ip(srv, "GET", "/api/auth/validate", headers=bearer(derived)))


def test_the_default_issuer_is_derived_from_region_and_pool(server, cognito):
    user, _ = cognito_user(cognito)
    name = {"cognito:username": user["username"]}
    assert cognito.issuer == f"https://cognito-idp.{cognito.region}.amazonaws.com/" \
                             f"{cognito.pool_id}"
    assert server.get("/api/auth/validate",
                      headers=bearer(cognito.make_token("id", **name))).status_code == 200
    assert_invalid_token(as_ip(server, "GET", "/api/auth/validate",
                               headers=bearer(cognito.make_token("id", iss=CUSTOM_ISSUER,
                                                                 **name))))


# ---------------------------------------------------------------- item 10

def test_a_nul_in_the_email_is_named_as_such(server):
    r = server.post("/api/auth/login", json={"email": "a\u0000b@example.com",
                                             "password": PASSWORD})
    body = assert_error(r, 400, "invalid_request")
    assert body["message"] == "email contains a forbidden character (NUL)."


@pytest.mark.parametrize("token", ["not.a.jwt", "opaque"])
def test_google_id_token_errors_say_id_token(server, token):
    r = as_ip(server, "POST", "/api/auth/google/login", json={"id_token": token + uniq()})
    body = assert_error(r, 401, "invalid_token")
    assert body["message"].startswith("The id token is invalid"), body
    assert "access token" not in body["message"]
