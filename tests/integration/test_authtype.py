"""AuthType GameHoney and Require gamehoney-role in any <Location>, with
errors in JSON even where no gamehoney route answers; the provider signing
keys its bearer tokens are checked with."""
import subprocess
import time

import fakes
import pytest

from accounts_helpers import (as_ip, assert_error, assert_invalid_token, bearer,
                              cognito_session, forge_session, google_claims, google_login,
                              google_session)

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


def test_admin_role_is_granted_by_a_fresh_sign_in(srv, google, pg, log_allow):
    log_allow(r"AH01631: user \d+: authorization failure")
    r, claims = google_login(srv, google)
    user = r.json()
    refused(as_ip(srv, "GET", "/admin-test/live", headers=bearer(user["access_token"])))

    pg.query("UPDATE users SET role = 'admin' WHERE id = %s", (user["user"]["id"],))
    # the role travels in the access token: the old one still says user
    refused(as_ip(srv, "GET", "/admin-test/live", headers=bearer(user["access_token"])))
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


def test_role_list_and_forged_roles(srv, log_allow):
    log_allow(r"AH01631: user \d+: authorization failure")
    refused(as_ip(srv, "GET", "/staff-test/live", headers=bearer(forge_session(role="user"))))
    # a role claim is believed only under a valid signature
    live_body(srv.get("/staff-test/live", headers=bearer(forge_session(role="editor"))))
    r = as_ip(srv, "GET", "/admin-test/live",
              headers=bearer(forge_session(role="admin", secret="w" * 40)))
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
# the JWKS again, at most once a minute. A child fetches the keys when it
# starts, and that fetch counts towards the minute, so a refetch can only be
# seen once the main server's children are a minute old. These tests run
# last in this file, which runs after the accounts tests; the first one
# waits out the rest of the minute (about 50 s when the files run alone or
# first) unless that is more than MAX_WAIT, in which case it checks only the
# upper bound. Set MAX_WAIT to 0 for a quick run.

MAX_WAIT = 55      # seconds


def child_ages(srv):
    out = subprocess.run(["ps", "-o", "etimes=", "-p", ",".join(map(str, srv.children()))],
                         capture_output=True, text=True, check=True).stdout.split()
    return [int(a) for a in out]


def validate(srv, token):
    return as_ip(srv, "GET", "/api/auth/validate", headers=bearer(token))


def test_unknown_kid_refetches_at_most_once_per_child_per_minute(server, google):
    ages = child_ages(server)
    assert len(ages) == 2
    # etimes is whole seconds; the start-up fetch follows the start by far
    # less than one, so 61 s of age is more than 60 s since that fetch
    if min(ages) < 61 and 61 - min(ages) <= MAX_WAIT:
        time.sleep(61 - min(ages))
        ages = child_ages(server)
    eligible = min(ages) >= 61          # no fetch by either child in the last minute

    # a key Google has just published, not yet in any child's cache
    fresh = fakes.RsaKey()
    with google._lock:
        google._keys.append(fresh)
    try:
        before = google.jwks_fetches
        new_key_token = fakes.make_jwt(google.claims(**google_claims()), key=fresh)
        results = [validate(server, new_key_token) for _ in range(6)]
        after_new = google.jwks_fetches - before
        if eligible:
            # each child that saw it fetched once and then accepted it
            assert [r.status_code for r in results] == [200] * 6, \
                [(r.status_code, r.text) for r in results]
            assert 1 <= after_new <= 2
        else:
            assert after_new <= 2

        # kids nobody publishes, within the same minute: refused, no more fetches
        stranger = fakes.RsaKey()
        for i in range(8):
            token = fakes.make_jwt(google.claims(**google_claims()), key=stranger,
                                   kid=f"unknown-{i}")
            assert_invalid_token(validate(server, token))
        # at most one fetch per child in the minute, all told: a child that
        # got none of the six requests above may make its one fetch here
        assert google.jwks_fetches - before <= 2

        # the keys the cache holds still work
        assert validate(server, google.id_token(google_claims())).status_code == 200
    finally:
        with google._lock:
            google._keys.remove(fresh)


def test_unknown_cognito_kid_is_refused_with_bounded_fetches(server, cognito):
    before = cognito.jwks_fetches
    stranger = fakes.RsaKey()
    for i in range(6):
        token = fakes.make_jwt(cognito.token_claims("access"), key=stranger,
                               kid=f"cognito-unknown-{i}")
        assert_invalid_token(validate(server, token))
    assert cognito.jwks_fetches - before <= 2
    assert validate(server, cognito.make_token("access")).status_code == 200
