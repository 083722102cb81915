"""AuthType GameHoney and Require gamehoney-role in any <Location>, with
errors in JSON even where no gamehoney route answers; the provider signing
keys its bearer tokens are checked with."""
import time

import fakes
import pytest

from accounts_helpers import (as_ip, assert_error, assert_invalid_token, bearer,
                              cognito_session, forge_session, google_claims, google_login,
                              google_session, new_email)
from conftest import until_ok

LOCATIONS = """
<Location /private-test>
    SetHandler gamehoney-health
    AuthType GameHoney
    Require valid-user
</Location>
<Location /admin-test>
    SetHandler gamehoney-health
    AuthType GameHoney
    Require gamehoney-role admin
</Location>
<Location /staff-test>
    SetHandler gamehoney-health
    AuthType GameHoney
    Require gamehoney-role editor admin
</Location>
"""


@pytest.fixture(scope="module")
def srv(make_server):
    return make_server("authtype", LOCATIONS)


def live_body(r):
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/json"
    body = r.json()
    assert body["status"] == "ok"
    return body


def test_no_token_is_401_json(srv):
    r = as_ip(srv, "GET", "/private-test/live")
    assert_error(r, 401, "unauthorized")
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert "error=" not in r.headers["WWW-Authenticate"]


def test_bad_token_is_401_invalid_token(srv):
    r = as_ip(srv, "GET", "/private-test/live", headers=bearer("not.a.token"))
    assert_invalid_token(r)
    r = as_ip(srv, "GET", "/private-test/live",
              headers=bearer(forge_session(kid="k1", secret="z" * 40)))
    assert_invalid_token(r)


def test_our_token_passes(srv, google):
    body, _ = google_session(srv, google)
    live_body(srv.get("/private-test/live", headers=bearer(body["access_token"])))
    # the health handler behind it works as usual, database included
    r = srv.get("/private-test", headers=bearer(body["access_token"]))
    assert r.status_code == 200 and r.json()["database"] == "ok"


def test_provider_tokens_pass(srv, google, cognito, pg):
    body, user = cognito_session(srv, cognito)
    live_body(srv.get("/private-test/live", headers=bearer(body["cognito"]["access_token"])))
    live_body(srv.get("/private-test/live", headers=bearer(body["cognito"]["id_token"])))
    # a Google user is made on first sight of its token
    claims = google_claims()
    live_body(srv.get("/private-test/live", headers=bearer(google.id_token(claims))))
    assert pg.scalar("SELECT count(*) FROM users WHERE google_id = %s", (claims["sub"],)) == 1


def test_the_rest_of_the_server_is_unaffected(srv):
    assert srv.get("/health/live").status_code == 200


def refused(r):
    """Authenticated but not allowed. The correct answer is 403 (see
    test_wrong_role_is_403_forbidden); accept either refusal here so that
    the grant is tested on its own."""
    assert r.status_code in (401, 403), (r.status_code, r.text)
    assert r.json()["error"] in ("forbidden", "unauthorized")


def test_wrong_role_is_403_forbidden(srv, google, log_allow):
    log_allow(r"AH01631: user \d+: authorization failure")
    body, _ = google_session(srv, google)
    # authenticated but not allowed: 403, not a 401 that would send the
    # client to sign in again (and count against its address's limit)
    for path in ("/admin-test/live", "/staff-test/live"):
        r = as_ip(srv, "GET", path, headers=bearer(body["access_token"]))
        assert_error(r, 403, "forbidden")
        assert "WWW-Authenticate" not in r.headers


def test_admin_without_token_is_401(srv):
    r = as_ip(srv, "GET", "/admin-test/live")
    assert_error(r, 401, "unauthorized")
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_admin_role_is_the_current_one(srv, google, pg, log_allow):
    log_allow(r"AH01631: user \d+: authorization failure")
    r, claims = google_login(srv, google)
    user = r.json()
    refused(as_ip(srv, "GET", "/admin-test/live", headers=bearer(user["access_token"])))

    pg.query("UPDATE users SET role = 'admin' WHERE id = %s", (user["user"]["id"],))
    # the role claim of the old token says user, but the current role counts
    live_body(until_ok(lambda: as_ip(srv, "GET", "/admin-test/live",
                                     headers=bearer(user["access_token"])), timeout=1))
    r, _ = google_login(srv, google, dict(claims))
    fresh = r.json()
    assert fresh["user"]["role"] == "admin"
    live_body(srv.get("/admin-test/live", headers=bearer(fresh["access_token"])))
    live_body(srv.get("/staff-test/live", headers=bearer(fresh["access_token"])))
    # an admin is also a valid user
    live_body(srv.get("/private-test/live", headers=bearer(fresh["access_token"])))
    # and a refreshed token carries the role too
    r = srv.post("/api/auth/refresh", json={"refresh_token": user["refresh_token"]})
    live_body(srv.get("/admin-test/live", headers=bearer(r.json()["access_token"])))


def test_role_list_and_forged_roles(srv, google, pg, log_allow):
    log_allow(r"AH01631: user \d+: authorization failure")
    body, _ = google_session(srv, google)
    uid = str(body["user"]["id"])
    refused(as_ip(srv, "GET", "/staff-test/live", headers=bearer(forge_session(sub=uid))))
    # the role claim is never believed, even under a valid signature: the
    # user's current role is
    refused(as_ip(srv, "GET", "/staff-test/live",
                  headers=bearer(forge_session(sub=uid, role="editor"))))
    pg.query("UPDATE users SET role = 'admin' WHERE id = %s", (uid,))
    live_body(until_ok(lambda: srv.get("/staff-test/live",
                                       headers=bearer(forge_session(sub=uid, role="user"))),
                       timeout=1))
    r = as_ip(srv, "GET", "/admin-test/live",
              headers=bearer(forge_session(sub=uid, role="admin", secret="w" * 40)))
    assert_invalid_token(r)


def test_admin_via_provider_token_uses_the_database_role(srv, cognito, pg, log_allow):
    log_allow(r"AH01631: user \d+: authorization failure")
    body, user = cognito_session(srv, cognito)
    token = body["cognito"]["access_token"]
    refused(as_ip(srv, "GET", "/admin-test/live", headers=bearer(token)))
    pg.query("UPDATE users SET role = 'admin' WHERE cognito_sub = %s", (user["sub"],))
    live_body(srv.get("/admin-test/live", headers=bearer(token)))


# ---------------------------------------------------------------- signing keys
#
# A provider token naming a kid the cache does not hold makes a child fetch
# the JWKS again: at most one such fetch per document every 10 s on the whole
# host (shared memory), and a kid one child found is fetched at once by the
# others, so a key just published works everywhere within 10 s.

WINDOW = 10        # seconds, gh_jwks.c's UNKNOWN_KID_REFETCH


def validate(srv, token):
    return as_ip(srv, "GET", "/api/auth/validate", headers=bearer(token))


def test_a_newly_published_key_is_accepted_within_10_seconds(server, google):
    fresh = fakes.RsaKey()
    with google._lock:
        google._keys.append(fresh)
    try:
        token = fakes.make_jwt(google.claims(**google_claims()), key=fresh)
        t0 = time.monotonic()
        streak = 0
        while streak < 8:                # eight in a row: both children have it
            # the limit is exactly WINDOW s; the rest is this loop and the request
            assert time.monotonic() - t0 < WINDOW + 0.7, "the new key was refused for > 10 s"
            r = validate(server, token)
            streak = streak + 1 if r.status_code == 200 else 0
            if r.status_code != 200:
                assert_invalid_token(r)
                time.sleep(0.2)
        # the keys the cache held still work
        assert validate(server, google.id_token(google_claims())).status_code == 200
    finally:
        with google._lock:
            google._keys.remove(fresh)


def test_a_flood_of_unknown_kids_fetches_once_per_10_seconds_per_host(server, google):
    time.sleep(WINDOW + 0.5)             # no fetch for an unknown kid in the window
    stranger = fakes.RsaKey()
    before = google.jwks_fetches
    t0 = time.monotonic()
    i = 0
    while time.monotonic() - t0 < WINDOW - 1.5:
        token = fakes.make_jwt(google.claims(**google_claims()), key=stranger, kid=f"flood-{i}")
        assert_invalid_token(validate(server, token))
        i += 1
    # one fetch in the window, for the host: not one per child, not one per kid
    assert google.jwks_fetches - before == 1, (google.jwks_fetches - before, i)
    assert validate(server, google.id_token(google_claims())).status_code == 200


def test_unknown_cognito_kid_is_refused_with_bounded_fetches(server, cognito):
    before = cognito.jwks_fetches
    stranger = fakes.RsaKey()
    for i in range(6):
        token = fakes.make_jwt(cognito.token_claims("access"), key=stranger,
                               kid=f"cognito-unknown-{i}")
        assert_invalid_token(validate(server, token))
    assert cognito.jwks_fetches - before <= 2
    email = new_email()
    cognito.add_user(email, "Password-123", email=email)
    assert validate(server, cognito.make_token("access", username=email)).status_code == 200
