"""Cognito sign-up, confirmation and password sign-in; how Cognito's errors
map onto our statuses; the SecretHash every call carries."""
import time

import fakes
import pytest

from accounts_helpers import (PASSWORD, assert_error, bearer, cognito_login, new_email,
                              timed, user_row)

TARGET = "AWSCognitoIdentityProviderService."


def calls(cognito, op):
    """Bodies of the recorded calls of one Cognito operation."""
    return [r.json() for r in cognito.requests_to("/", "POST")
            if r.headers.get("X-Amz-Target") == TARGET + op]


def users_with_email(pg, email):
    return pg.scalar("SELECT count(*) FROM users WHERE lower(email) = lower(%s)", (email,))


def test_signup_confirm_login(server, cognito, pg):
    email = new_email("signup")
    r = server.post("/api/auth/signup", json={"email": email, "password": PASSWORD,
                                              "name": "이코그"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == {"user_sub", "user_confirmed"}
    assert body["user_confirmed"] is False
    assert body["user_sub"] == cognito.users[email]["sub"]
    # no local user until Cognito vouches for the email at sign-in
    assert users_with_email(pg, email) == 0

    signup = calls(cognito, "SignUp")[-1]
    assert signup["ClientId"] == cognito.client_id
    assert signup["Username"] == email and signup["Password"] == PASSWORD
    assert signup["SecretHash"] == cognito.secret_hash(email)
    assert {"Name": "email", "Value": email} in signup["UserAttributes"]
    assert {"Name": "name", "Value": "이코그"} in signup["UserAttributes"]

    # not confirmed yet
    assert_error(cognito_login(server, email), 403, "user_not_confirmed")
    assert users_with_email(pg, email) == 0

    r = server.post("/api/auth/confirm",
                    json={"email": email, "code": cognito.confirmation_code(email)})
    assert r.status_code == 200, r.text
    assert r.json() == {"confirmed": True}
    confirm = calls(cognito, "ConfirmSignUp")[-1]
    assert confirm["SecretHash"] == cognito.secret_hash(email)
    assert users_with_email(pg, email) == 0

    r = cognito_login(server, email)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in", "user",
                         "cognito"}
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 900)
    assert body["user"]["email"] == email
    assert body["user"]["role"] == "user"
    cog = body["cognito"]
    assert set(cog) == {"access_token", "id_token", "refresh_token", "expires_in"}
    assert cog["expires_in"] == cognito.token_ttl
    assert fakes.decode_jwt(cog["id_token"])[1]["token_use"] == "id"
    assert fakes.decode_jwt(cog["access_token"])[1]["token_use"] == "access"
    assert cog["refresh_token"].startswith("fake-cognito-refresh.")
    # our own token is not Cognito's
    assert fakes.decode_jwt(body["access_token"])[1]["iss"] == "gamehoney"

    auth = calls(cognito, "InitiateAuth")[-1]
    assert auth["AuthFlow"] == "USER_PASSWORD_AUTH"
    assert auth["ClientId"] == cognito.client_id
    assert auth["AuthParameters"] == {"USERNAME": email, "PASSWORD": PASSWORD,
                                      "SECRET_HASH": cognito.secret_hash(email)}

    uid = body["user"]["id"]
    assert user_row(pg, uid, "cognito_sub", "email", "email_verified", "google_id",
                    "toss_user_key", "is_active") == \
        (cognito.users[email]["sub"], email, True, None, None, True)
    assert pg.query("SELECT provider, revoked_at FROM auth_sessions WHERE user_id = %s",
                    (uid,)) == [("cognito", None)]
    assert pg.scalar("SELECT count(*) FROM refresh_tokens t JOIN auth_sessions s "
                     "ON s.id = t.session_id WHERE s.user_id = %s", (uid,)) == 1

    me = server.get("/api/auth/me", headers=bearer(body["access_token"])).json()
    assert (me["id"], me["email_verified"], me["providers"]) == (uid, True, ["cognito"])

    # a second sign-in is the same user
    again = cognito_login(server, email)
    assert again.status_code == 200
    assert again.json()["user"]["id"] == uid
    assert users_with_email(pg, email) == 1


def test_secret_hash_is_base64_hmac_of_username_and_client(server, cognito):
    email = new_email("hash")
    cognito.add_user(email, PASSWORD, email=email)
    assert cognito_login(server, email).status_code == 200
    sent = calls(cognito, "InitiateAuth")[-1]["AuthParameters"]["SECRET_HASH"]
    assert sent == fakes.cognito_secret_hash("test-cognito-client-secret", email,
                                             cognito.client_id)
    assert len(sent) == 44 and sent.endswith("=")          # padded standard base64


def test_signup_without_name(server, cognito, pg):
    email = new_email("noname")
    r = server.post("/api/auth/signup", json={"email": email, "password": PASSWORD})
    assert r.status_code == 201
    assert [a["Name"] for a in calls(cognito, "SignUp")[-1]["UserAttributes"]] == ["email"]
    assert users_with_email(pg, email) == 0


def test_wrong_password_is_401(server, cognito, pg):
    email = new_email("wrongpw")
    cognito.add_user(email, PASSWORD, email=email)
    assert_error(cognito_login(server, email, "Not-the-password-1"), 401, "not_authorized")
    assert_error(cognito_login(server, new_email("nobody")), 401, "not_authorized")
    assert users_with_email(pg, email) == 0


def test_natural_errors(server, cognito, pg):
    email = new_email("natural")
    assert server.post("/api/auth/signup",
                       json={"email": email, "password": PASSWORD}).status_code == 201
    assert_error(server.post("/api/auth/signup", json={"email": email, "password": PASSWORD}),
                 409, "username_exists")
    assert_error(server.post("/api/auth/signup", json={"email": new_email(), "password": "short"}),
                 400, "invalid_password")
    assert_error(server.post("/api/auth/confirm", json={"email": email, "code": "000000"}),
                 400, "code_mismatch")
    assert users_with_email(pg, email) == 0


@pytest.mark.parametrize("op,path,cognito_type,status,code", [
    ("InitiateAuth", "/api/auth/login", "NotAuthorizedException", 401, "not_authorized"),
    ("InitiateAuth", "/api/auth/login", "UserNotFoundException", 401, "not_authorized"),
    ("SignUp", "/api/auth/signup", "UsernameExistsException", 409, "username_exists"),
    ("InitiateAuth", "/api/auth/login", "UserNotConfirmedException", 403, "user_not_confirmed"),
    ("SignUp", "/api/auth/signup", "InvalidPasswordException", 400, "invalid_password"),
    ("ConfirmSignUp", "/api/auth/confirm", "CodeMismatchException", 400, "code_mismatch"),
    ("SignUp", "/api/auth/signup", "TooManyRequestsException", 429, "too_many_requests"),
    ("InitiateAuth", "/api/auth/login", "TooManyRequestsException", 429, "too_many_requests"),
    ("InitiateAuth", "/api/auth/login", "LimitExceededException", 429, "too_many_requests"),
    ("InitiateAuth", "/api/auth/login", "TooManyFailedAttemptsException", 429,
     "too_many_requests"),
    ("ConfirmSignUp", "/api/auth/confirm", "ExpiredCodeException", 400, "code_expired"),
    ("SignUp", "/api/auth/signup", "InvalidParameterException", 400, "invalid_parameter"),
    ("SignUp", "/api/auth/signup", "SomeBrandNewException", 400, "cognito_error"),
    ("InitiateAuth", "/api/auth/login", "ResourceNotFoundException", 400, "cognito_error"),
])
@pytest.mark.parametrize("prefixed", [False, True])
def test_cognito_error_mapping(server, cognito, pg, op, path, cognito_type, status, code,
                               prefixed):
    email = new_email("map")
    cognito.add_user(email, PASSWORD, email=email, confirmed=(op != "ConfirmSignUp"))
    body = {"email": email, "password": PASSWORD}
    if op == "ConfirmSignUp":
        body = {"email": email, "code": cognito.confirmation_code(email)}
    cognito.force_error(op, cognito_type, status=400)
    old = cognito.prefix_types
    cognito.prefix_types = prefixed
    try:
        r = server.post(path, json=body)
    finally:
        cognito.prefix_types = old
    assert_error(r, status, code)
    if prefixed:
        assert "#" not in r.text
    assert users_with_email(pg, email) == 0


def test_challenge_is_403(server, cognito, pg):
    email = new_email("challenge")
    cognito.add_user(email, PASSWORD, email=email)
    cognito.force_challenge(email, "NEW_PASSWORD_REQUIRED")
    body = assert_error(cognito_login(server, email), 403, "challenge_required")
    assert "NEW_PASSWORD_REQUIRED" in body["message"]
    assert users_with_email(pg, email) == 0
    # the next sign-in, without a challenge, works
    assert cognito_login(server, email).status_code == 200


@pytest.mark.parametrize("path,body", [
    ("/api/auth/signup", {"password": PASSWORD}),
    ("/api/auth/signup", {"email": "a@example.com"}),
    ("/api/auth/signup", {"email": "not-an-address", "password": PASSWORD}),
    ("/api/auth/signup", {"email": "a b@example.com", "password": PASSWORD}),
    ("/api/auth/signup", {"email": "a@example.com", "password": PASSWORD, "name": 7}),
    ("/api/auth/confirm", {"email": "a@example.com"}),
    ("/api/auth/confirm", {"email": "a@example.com", "code": ""}),
    ("/api/auth/login", {"email": "a@example.com"}),
    ("/api/auth/login", {"email": "a@example.com", "password": "x" * 257}),
    ("/api/auth/login", {"email": "a@example.com", "password": "line\nbreak"}),
])
def test_bad_input_is_400_without_calling_cognito(server, cognito, path, body):
    before = len(cognito.requests_to("/", "POST"))
    assert_error(server.post(path, json=body), 400, "invalid_request")
    assert len(cognito.requests_to("/", "POST")) == before


def test_cognito_500_is_502(server, cognito, log_allow):
    log_allow(r"Cognito answered unexpectedly")
    cognito.force_error("SignUp", "InternalErrorException", status=500)
    assert_error(server.post("/api/auth/signup",
                             json={"email": new_email(), "password": PASSWORD}),
                 502, "upstream_error")
    cognito.fail_next("/", "status500")
    assert_error(cognito_login(server, new_email()), 502, "upstream_error")


def test_cognito_garbage_is_502(server, cognito, log_allow):
    log_allow(r"Cognito answered unexpectedly")
    cognito.fail_next("/", "garbage")
    assert_error(cognito_login(server, new_email()), 502, "upstream_error")


def test_cognito_closing_the_connection_is_502(server, cognito, log_allow):
    log_allow(r"Cognito answered unexpectedly")
    # libcurl resends a request whose reused connection died before
    # answering, on the next pooled connection, up to 5 times
    # (CONN_MAX_RETRIES); every attempt is dropped here
    cognito.fail_next("/", "close", count=10)
    before = len(cognito.requests_to("/", "POST"))
    try:
        r, elapsed = timed(cognito_login, server, new_email())
        assert_error(r, 502, "upstream_error")
        assert elapsed < 5
        assert 1 <= len(cognito.requests_to("/", "POST")) - before <= 6
    finally:
        cognito.reset()


def test_cognito_timeout_is_504_within_the_configured_timeout(server, cognito, pg, log_allow):
    log_allow(r"Cognito call failed: .*(Timeout|timed out)")
    email = new_email("slow")
    cognito.add_user(email, PASSWORD, email=email)
    cognito.fail_next("/", "timeout")
    t0 = time.monotonic()
    r = cognito_login(server, email)
    elapsed = time.monotonic() - t0
    assert_error(r, 504, "upstream_timeout")
    assert 1.5 <= elapsed < 3.5
    assert users_with_email(pg, email) == 0
