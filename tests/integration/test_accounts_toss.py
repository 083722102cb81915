"""Toss sign-in over mutual TLS: generate-token, login-me, the decrypted
personal fields (CI never stored), and Toss's ways of saying no."""
import pytest

from accounts_helpers import assert_error, bearer, timed, toss_login, uniq

FIELDS = "name, email, phone, birthday, gender, nationality"


def by_key(pg, key, cols=FIELDS):
    return pg.query(f"SELECT {cols} FROM users WHERE toss_user_key = %s", (key,))


def test_login_stores_decrypted_fields_and_never_the_ci(server, toss, pg):
    profile = toss.sample_profile(name="김토스", phone="01099998888", birthday="19851231",
                                  gender="FEMALE", nationality="FOREIGNER")
    r, profile = toss_login(server, toss, profile)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in", "user"}
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 900)
    user = body["user"]
    assert (user["name"], user["email"], user["picture"], user["role"]) == \
        ("김토스", profile["email"], None, "user")

    key = profile["userKey"]
    assert by_key(pg, key, "id, " + FIELDS + ", email_verified, is_active, google_id, "
                  "cognito_sub, last_login_at IS NOT NULL") == \
        [(user["id"], "김토스", profile["email"], "01099998888", "19851231", "FEMALE",
          "FOREIGNER", False, True, None, None, True)]
    # the CI is nowhere in the row
    row = pg.scalar("SELECT row_to_json(u)::text FROM users u WHERE id = %s", (user["id"],))
    assert profile["ci"] not in row
    assert "ci" not in [c for (c,) in pg.query(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'users'")]
    assert pg.query("SELECT provider FROM auth_sessions WHERE user_id = %s", (user["id"],)) == \
        [("toss",)]

    # both calls went over mutual TLS with our client certificate
    gen = toss.requests_to("generate-token")[-1]
    assert gen.json() == {"authorizationCode": gen.json()["authorizationCode"],
                          "referrer": "DEFAULT"}
    assert gen.peer_cert is not None
    me_call = toss.requests_to("login-me")[-1]
    assert me_call.method == "GET"
    assert me_call.headers["Authorization"].startswith("Bearer toss-at-")
    assert me_call.peer_cert is not None

    me = server.get("/api/auth/me", headers=bearer(body["access_token"])).json()
    assert (me["id"], me["providers"], me["email_verified"], me["name"]) == \
        (user["id"], ["toss"], False, "김토스")


def test_relogin_updates_fields_and_keeps_the_user(server, toss, pg):
    first, profile = toss_login(server, toss)
    assert first.status_code == 200
    uid = first.json()["user"]["id"]
    changed = dict(profile, name="박변경", phone="01011112222", email=None)
    second, _ = toss_login(server, toss, changed)
    assert second.status_code == 200, second.text
    assert second.json()["user"]["id"] == uid
    # a field Toss leaves out (null) keeps what was stored
    assert by_key(pg, profile["userKey"], "id, name, phone, email") == \
        [(uid, "박변경", "01011112222", profile["email"])]
    assert pg.scalar("SELECT count(*) FROM auth_sessions WHERE user_id = %s", (uid,)) == 2


@pytest.mark.parametrize("referrer", ["SANDBOX", "sandbox", "DEFAULT"])
def test_referrer_is_passed_on(server, toss, referrer):
    r, _ = toss_login(server, toss, referrer=referrer)
    assert r.status_code == 200, r.text
    assert toss.requests_to("generate-token")[-1].json()["referrer"].upper() == referrer.upper()


@pytest.mark.parametrize("body", [
    {},
    {"authorizationCode": ""},
    {"authorizationCode": 12345},
    {"authorizationCode": "abc", "referrer": "PRODUCTION"},
    {"authorizationCode": "abc", "referrer": ""},
    {"authorizationCode": "x" * 513},
])
def test_bad_input_is_400_without_calling_toss(server, toss, body):
    before = len(toss.requests)
    assert_error(server.post("/api/auth/toss/login", json=body), 400, "invalid_request")
    assert len(toss.requests) == before


def test_unknown_code_is_401(server, toss, pg):
    before = pg.scalar("SELECT count(*) FROM users")
    r = server.post("/api/auth/toss/login", json={"authorizationCode": uniq("never")})
    assert_error(r, 401, "invalid_grant")
    assert pg.scalar("SELECT count(*) FROM users") == before


def test_used_code_is_401(server, toss, pg):
    code = uniq("tcode")
    profile = toss.register_code(code)
    assert server.post("/api/auth/toss/login", json={"authorizationCode": code}).status_code == 200
    assert_error(server.post("/api/auth/toss/login", json={"authorizationCode": code}),
                 401, "invalid_grant")
    assert len(by_key(pg, profile["userKey"])) == 1


@pytest.mark.parametrize("with_200", [False, True])
def test_fail_envelope_refusal_is_401(server, toss, pg, with_200):
    toss.fail_envelope, toss.fail_with_200 = True, with_200
    try:
        r = server.post("/api/auth/toss/login", json={"authorizationCode": uniq("never")})
    finally:
        toss.fail_envelope, toss.fail_with_200 = False, False
    assert_error(r, 401, "invalid_grant")


def test_generate_token_timeout_is_504(server, toss, pg, log_allow):
    log_allow(r"Toss call failed: .*(Timeout|timed out)")
    code = uniq("tcode")
    profile = toss.register_code(code)
    toss.fail_next("generate-token", "timeout")
    try:
        r, elapsed = timed(server.post, "/api/auth/toss/login", json={"authorizationCode": code})
    finally:
        toss.reset()
    assert_error(r, 504, "upstream_timeout")
    assert 1.5 <= elapsed < 3.5
    assert by_key(pg, profile["userKey"]) == []


def test_generate_token_garbage_is_502(server, toss, pg, log_allow):
    log_allow(r"Toss answered unexpectedly")
    code = uniq("tcode")
    profile = toss.register_code(code)
    toss.fail_next("generate-token", "garbage")
    assert_error(server.post("/api/auth/toss/login", json={"authorizationCode": code}),
                 502, "upstream_error")
    assert by_key(pg, profile["userKey"]) == []


@pytest.mark.parametrize("fault", ["status500", "INTERNAL_ERROR"])
def test_generate_token_server_error_is_502_not_invalid_grant(server, toss, pg, log_allow,
                                                               fault):
    # Toss failing is not the user's code being refused: the client must be
    # told the upstream failed (502), not to start a new sign-in (401)
    log_allow(r"Toss (answered unexpectedly|call failed)")
    code = uniq("tcode")
    profile = toss.register_code(code)
    if fault == "status500":
        toss.fail_next("generate-token", "status500")
    else:
        toss.force_error("generate-token", "INTERNAL_ERROR", status=500,
                         reason="internal server error")
    try:
        r = server.post("/api/auth/toss/login", json={"authorizationCode": code})
    finally:
        toss.reset()
    assert_error(r, 502, "upstream_error")
    assert by_key(pg, profile["userKey"]) == []


def test_login_me_fail_is_502(server, toss, pg, log_allow):
    log_allow(r"Toss answered unexpectedly: .*login-me")
    code = uniq("tcode")
    profile = toss.register_code(code)
    toss.force_error("login-me", "INTERNAL_ERROR", status=500)
    assert_error(server.post("/api/auth/toss/login", json={"authorizationCode": code}),
                 502, "upstream_error")
    assert by_key(pg, profile["userKey"]) == []


def test_field_that_does_not_decrypt_is_502(server, toss, pg, log_allow):
    log_allow(r"Toss answered unexpectedly: login-me field \w+ does not decrypt")
    code = uniq("tcode")
    profile = toss.register_code(code)
    aad = toss.aad
    toss.aad = b"some-other-aad"           # sealed under the wrong AAD
    try:
        r = server.post("/api/auth/toss/login", json={"authorizationCode": code})
    finally:
        toss.aad = aad
    assert_error(r, 502, "upstream_error")
    assert by_key(pg, profile["userKey"]) == []
