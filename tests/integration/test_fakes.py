"""Self-tests of the identity fakes and JOSE helpers, fakes/google.py,
fakes/cognito.py, fakes/toss_login.py and fakes/jose.py (no httpd, no PostgreSQL)."""
import base64
import hashlib
import hmac
import json
import os
import threading
import time
import uuid

import pytest
import requests
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import fakes

REDIRECT = "https://game.example/auth/google/callback"
AES_KEY = bytes(range(32))
AAD = b"gamehoney-aad"


class http(requests.Session):
    """A session that ignores REQUESTS_CA_BUNDLE and proxies from the environment,
    closed after each call made through it."""

    def __init__(self):
        super().__init__()
        self.trust_env = False

    def request(self, *args, **kw):
        try:
            return super().request(*args, **kw)
        finally:
            self.close()


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def google_mod():
    g = fakes.GoogleFake(client_id="cid.apps.googleusercontent.com", client_secret="gsecret")
    yield g
    g.stop()


@pytest.fixture
def google(google_mod):
    google_mod.reset()
    yield google_mod
    google_mod.issuer = "https://accounts.google.com"
    google_mod.max_age = 3600


@pytest.fixture(scope="module")
def cognito_mod():
    c = fakes.CognitoFake("ap-northeast-2", "ap-northeast-2_Test1", "appclient1")
    yield c
    c.stop()


@pytest.fixture
def cognito(cognito_mod):
    cognito_mod.reset()
    yield cognito_mod
    cognito_mod.prefix_types = False


@pytest.fixture(scope="module")
def cognito_secret():
    c = fakes.CognitoFake("us-east-1", "us-east-1_Secret", "secretclient", client_secret="s3cr3t-value")
    yield c
    c.stop()


@pytest.fixture(scope="module")
def toss_mod(tmp_path_factory):
    t = fakes.TossFake(str(tmp_path_factory.mktemp("toss")), aes_key=AES_KEY, aad=AAD)
    yield t
    t.stop()


TOSS_SWITCHES = dict(expires_in_as_string=False, fail_envelope=False, fail_with_200=False,
                     remove_by_user_key_requires_bearer=False, rotate_refresh_token=False)


@pytest.fixture
def toss(toss_mod):
    toss_mod.reset()
    yield toss_mod
    for k, v in TOSS_SWITCHES.items():
        setattr(toss_mod, k, v)


def tcall(t, method, op, cert="good", **kw):
    s = http()
    if cert == "good":
        s.cert = (t.client_cert_file, t.client_key_file)
    elif cert == "other":
        s.cert = (t.other_client_cert_file, t.other_client_key_file)
    kw.setdefault("timeout", 5)
    return s.request(method, t.url + t.BASE + "/" + op, verify=t.ca_file, **kw)


def toss_login(t, profile=None, referrer="DEFAULT"):
    code = "code-" + uuid.uuid4().hex
    p = t.register_code(code, profile)
    r = tcall(t, "POST", "generate-token", json={"authorizationCode": code, "referrer": referrer})
    assert r.status_code == 200, r.text
    return p, r.json()["success"]


def gtoken(g, timeout=5, **fields):
    data = {"client_id": g.client_id, "client_secret": g.client_secret,
            "redirect_uri": REDIRECT, "grant_type": "authorization_code"}
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    return http().post(g.token_url, data=data, timeout=timeout)


def cog(c, op, body, content_type="application/x-amz-json-1.1", target=None, timeout=5):
    headers = {"Content-Type": content_type,
               "X-Amz-Target": target or "AWSCognitoIdentityProviderService." + op}
    return http().post(c.url + "/", data=json.dumps(body), headers=headers, timeout=timeout)


def cog_user(c, username=None, password="Passw0rd!", secret=True):
    username = username or "u-" + uuid.uuid4().hex[:10]
    body = {"ClientId": c.client_id, "Username": username, "Password": password,
            "UserAttributes": [{"Name": "email", "Value": username + "@example.com"}]}
    if c.client_secret and secret:
        body["SecretHash"] = c.secret_hash(username)
    return username, cog(c, "SignUp", body)


def cog_login(c, username, password="Passw0rd!"):
    params = {"USERNAME": username, "PASSWORD": password}
    if c.client_secret:
        params["SECRET_HASH"] = c.secret_hash(username)
    return cog(c, "InitiateAuth", {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": c.client_id,
                                   "AuthParameters": params})


# ---------------------------------------------------------------- JOSE helpers

def test_jose_helpers():
    key = fakes.RsaKey("k1")
    jwk = key.jwk()
    assert set(jwk) == {"kty", "alg", "use", "kid", "n", "e"}
    assert jwk["e"] == "AQAB" and "=" not in jwk["n"] and jwk["kid"] == "k1"
    assert key.public_pem().startswith(b"-----BEGIN PUBLIC KEY-----")
    assert fakes.b64url(b"\xfb\xff") == "-_8"

    tok = fakes.make_jwt({"sub": "1"}, key=key)
    h, p, s = tok.split(".")
    assert json.loads(fakes.b64url_decode(h)) == {"alg": "RS256", "typ": "JWT", "kid": "k1"}
    key.public_key.verify(fakes.b64url_decode(s), (h + "." + p).encode(), padding.PKCS1v15(), hashes.SHA256())
    assert fakes.verify_jwt(tok, {"keys": [jwk]}) == {"sub": "1"}
    forged = h + "." + fakes.b64url(b'{"sub":"2"}') + "." + s
    with pytest.raises(ValueError):
        fakes.verify_jwt(forged, {"keys": [jwk]})

    none = fakes.make_jwt({"sub": "1"}, alg="none")
    assert none.endswith(".") and fakes.decode_jwt(none)[0]["alg"] == "none"
    hs = fakes.make_jwt({"sub": "1"}, alg="HS256", secret=key.public_pem(), kid="k1")
    h, p, s = hs.split(".")
    assert fakes.b64url_decode(s) == hmac.new(key.public_pem(), (h + "." + p).encode(), hashlib.sha256).digest()
    odd = fakes.make_jwt({}, key=key, header_extra={"kid": None, "x5u": "http://evil"})
    assert fakes.decode_jwt(odd)[0] == {"alg": "RS256", "typ": "JWT", "x5u": "http://evil"}


# ---------------------------------------------------------------- Google

def test_google_code_flow(google):
    google.register_code("c1", {"sub": "1001", "email": "a@example.com", "email_verified": True,
                                "name": "A", "picture": "https://p/a.png"}, REDIRECT)
    r = gtoken(google, code="c1")
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"access_token", "expires_in", "id_token", "scope", "token_type"}
    assert body["expires_in"] == 3599 and body["token_type"] == "Bearer"
    assert body["scope"] == "openid email profile"

    jr = http().get(google.jwks_url, timeout=5)
    assert jr.headers["Cache-Control"] == "public, max-age=3600"
    assert jr.headers["Content-Type"] == "application/json"
    assert google.jwks_fetches == 1
    claims = fakes.verify_jwt(body["id_token"], jr.json())
    assert claims["iss"] == "https://accounts.google.com" and claims["aud"] == google.client_id
    assert claims["sub"] == "1001" and claims["email_verified"] is True
    assert claims["exp"] - claims["iat"] == 3600 and claims["exp"] > time.time()
    assert fakes.decode_jwt(body["id_token"])[0]["kid"] == google.key.kid

    rec = google.requests_to("/token")[0]
    assert rec.method == "POST" and rec.form()["code"] == "c1"
    assert rec.headers["content-type"] == "application/x-www-form-urlencoded"

    # single use
    r = gtoken(google, code="c1")
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    assert "error_description" in r.json()


@pytest.mark.parametrize("fields,status,error", [
    ({"client_secret": "wrong"}, 401, "invalid_client"),
    ({"client_id": "other.apps.googleusercontent.com"}, 401, "invalid_client"),
    ({"redirect_uri": REDIRECT + "/"}, 400, "invalid_grant"),
    ({"grant_type": "refresh_token"}, 400, "invalid_grant"),
    ({"code": "never-issued"}, 400, "invalid_grant"),
])
def test_google_token_errors(google, fields, status, error):
    google.register_code("c2", {"sub": "1"}, REDIRECT)
    r = gtoken(google, **dict({"code": "c2"}, **fields))
    assert r.status_code == status
    assert r.json()["error"] == error and isinstance(r.json()["error_description"], str)


def test_google_pkce(google):
    google.register_code("p1", {"sub": "1"}, REDIRECT, code_verifier="v" * 43)
    assert gtoken(google, code="p1").status_code == 400                       # missing
    assert gtoken(google, code="p1", code_verifier="x" * 43).status_code == 400
    assert gtoken(google, code="p1", code_verifier="v" * 43).status_code == 200
    verifier = "abc" * 15
    challenge = fakes.b64url(hashlib.sha256(verifier.encode()).digest())
    google.register_code("p2", {"sub": "1"}, REDIRECT, code_challenge=challenge)
    assert gtoken(google, code="p2", code_verifier="nope" * 11).status_code == 400
    assert gtoken(google, code="p2", code_verifier=verifier).status_code == 200


def test_google_rotation_and_switches(google):
    old = google.key
    google.issuer = "accounts.google.com"
    google.max_age = 5
    new = google.rotate_key()
    assert google.key is new and new.kid != old.kid
    jr = http().get(google.jwks_url, timeout=5)
    assert jr.headers["Cache-Control"] == "public, max-age=5"
    assert {k["kid"] for k in jr.json()["keys"]} == {old.kid, new.kid}
    tok = google.id_token({"sub": "9"}, exp=int(time.time()) - 10, email=None)
    claims = fakes.verify_jwt(tok, jr.json())
    assert claims["iss"] == "accounts.google.com" and claims["exp"] < time.time()
    assert "email" not in claims and fakes.decode_jwt(tok)[0]["kid"] == new.kid
    google.rotate_key(drop_old=True)
    keys = http().get(google.jwks_url, timeout=5).json()["keys"]
    assert [k["kid"] for k in keys] == [google.key.kid]
    assert google.jwks_fetches == 2


# ---------------------------------------------------------------- Cognito

def test_cognito_signup_confirm_login(cognito):
    username, r = cog_user(cognito)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/x-amz-json-1.1"
    body = r.json()
    assert body["UserConfirmed"] is False and uuid.UUID(body["UserSub"])
    assert body["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"

    r = cog_login(cognito, username)
    assert r.status_code == 400 and r.json()["__type"] == "UserNotConfirmedException"
    r = cog(cognito, "ConfirmSignUp", {"ClientId": cognito.client_id, "Username": username,
                                       "ConfirmationCode": "000000"})
    assert r.status_code == 400 and r.json()["__type"] == "CodeMismatchException"
    assert cognito.confirmation_code(username) == "123456"
    r = cog(cognito, "ConfirmSignUp", {"ClientId": cognito.client_id, "Username": username,
                                       "ConfirmationCode": "123456"})
    assert r.status_code == 200 and r.json() == {}

    r = cog_login(cognito, username)
    assert r.status_code == 200, r.text
    res = r.json()
    assert res["ChallengeParameters"] == {}
    ar = res["AuthenticationResult"]
    assert set(ar) == {"AccessToken", "IdToken", "RefreshToken", "ExpiresIn", "TokenType"}
    assert ar["ExpiresIn"] == 3600 and ar["TokenType"] == "Bearer"

    jr = http().get(cognito.url + "/ap-northeast-2_Test1/.well-known/jwks.json", timeout=5)
    assert jr.status_code == 200 and jr.headers["Cache-Control"] == "public, max-age=3600"
    assert cognito.jwks_fetches == 1
    iss = "https://cognito-idp.ap-northeast-2.amazonaws.com/ap-northeast-2_Test1"
    access = fakes.verify_jwt(ar["AccessToken"], jr.json())
    assert access["iss"] == iss and access["token_use"] == "access"
    assert access["client_id"] == "appclient1" and "aud" not in access
    assert access["sub"] == body["UserSub"] and access["username"] == username
    assert access["exp"] - access["iat"] == 3600 and "scope" in access
    idt = fakes.verify_jwt(ar["IdToken"], jr.json())
    assert idt["iss"] == iss and idt["token_use"] == "id" and idt["aud"] == "appclient1"
    assert idt["email"] == username + "@example.com" and idt["email_verified"] is True
    assert idt["cognito:username"] == username
    assert fakes.decode_jwt(ar["IdToken"])[0]["kid"] == cognito.key.kid


def test_cognito_errors(cognito):
    username, r = cog_user(cognito)
    assert r.status_code == 200
    r = cog_user(cognito, username)[1]
    assert r.status_code == 400 and r.json()["__type"] == "UsernameExistsException"
    for pw in ("Sh0rt", "NoDigitsHere!"):
        r = cog_user(cognito, password=pw)[1]
        assert r.status_code == 400 and r.json()["__type"] == "InvalidPasswordException"
    cognito.add_user("known", "Passw0rd!", email="k@example.com")
    for user, pw in (("known", "wrong-pass1"), ("nobody", "Passw0rd!")):
        r = cog_login(cognito, user, pw)
        assert r.status_code == 400
        assert r.json() == {"__type": "NotAuthorizedException", "message": "Incorrect username or password."}
    r = cog(cognito, "InitiateAuth", {}, content_type="application/json")
    assert r.status_code == 400 and "__type" in r.json()
    r = cog(cognito, "InitiateAuth", {}, target="Bogus.InitiateAuth")
    assert r.status_code == 400 and r.json()["__type"] == "UnknownOperationException"
    r = cog(cognito, "SignUp", {"ClientId": "other", "Username": "x", "Password": "Passw0rd!"})
    assert r.status_code == 400 and r.json()["__type"] == "ResourceNotFoundException"


def test_cognito_refresh_and_signout(cognito):
    cognito.add_user("rita", "Passw0rd!", email="rita@example.com")
    ar = cog_login(cognito, "rita").json()["AuthenticationResult"]
    refresh = {"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": cognito.client_id,
               "AuthParameters": {"REFRESH_TOKEN": ar["RefreshToken"]}}
    r = cog(cognito, "InitiateAuth", refresh)
    assert r.status_code == 200, r.text
    ar2 = r.json()["AuthenticationResult"]
    assert "RefreshToken" not in ar2 and ar2["ExpiresIn"] == 3600
    assert fakes.verify_jwt(ar2["AccessToken"], cognito.jwks())["username"] == "rita"

    forged = cognito.make_token("access", username="rita", _key=fakes.RsaKey())
    r = cog(cognito, "GlobalSignOut", {"AccessToken": forged})
    assert r.status_code == 400 and r.json()["__type"] == "NotAuthorizedException"
    r = cog(cognito, "GlobalSignOut", {"AccessToken": ar2["AccessToken"]})
    assert r.status_code == 200 and r.json() == {}
    r = cog(cognito, "InitiateAuth", refresh)
    assert r.status_code == 400 and r.json()["__type"] == "NotAuthorizedException"
    r = cog(cognito, "GlobalSignOut", {"AccessToken": ar["AccessToken"]})
    assert r.status_code == 400 and r.json()["__type"] == "NotAuthorizedException"


def test_cognito_secret_hash(cognito_secret, cognito):
    c = cognito_secret
    expected = base64.b64encode(hmac.new(b"s3cr3t-value", b"alice" + b"secretclient",
                                         hashlib.sha256).digest()).decode()
    assert c.secret_hash("alice") == expected == fakes.cognito_secret_hash("s3cr3t-value", "alice", "secretclient")
    assert expected.endswith("=")

    r = cog_user(c, "alice", secret=False)[1]
    assert r.status_code == 400 and r.json()["__type"] == "NotAuthorizedException"
    body = {"ClientId": c.client_id, "Username": "alice", "Password": "Passw0rd!",
            "SecretHash": c.secret_hash("bob")}
    r = cog(c, "SignUp", body)
    assert r.status_code == 400 and r.json()["__type"] == "NotAuthorizedException"
    assert cog_user(c, "alice")[1].status_code == 200
    r = cog(c, "ConfirmSignUp", {"ClientId": c.client_id, "Username": "alice", "ConfirmationCode": "123456"})
    assert r.status_code == 400 and r.json()["__type"] == "NotAuthorizedException"
    r = cog(c, "ConfirmSignUp", {"ClientId": c.client_id, "Username": "alice", "ConfirmationCode": "123456",
                                 "SecretHash": expected})
    assert r.status_code == 200
    r = cog(c, "InitiateAuth", {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": c.client_id,
                                "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Passw0rd!"}})
    assert r.status_code == 400 and r.json()["__type"] == "NotAuthorizedException"
    r = cog_login(c, "alice")
    assert r.status_code == 200
    rt = r.json()["AuthenticationResult"]["RefreshToken"]
    r = cog(c, "InitiateAuth", {"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": c.client_id,
                                "AuthParameters": {"REFRESH_TOKEN": rt, "SECRET_HASH": expected}})
    assert r.status_code == 200

    # client without a secret: a SecretHash is refused
    r = cog(cognito, "SignUp", {"ClientId": cognito.client_id, "Username": "carol",
                                "Password": "Passw0rd!", "SecretHash": expected})
    assert r.status_code == 400 and r.json()["__type"] == "NotAuthorizedException"
    assert "without secret" in r.json()["message"]


def test_cognito_force_error_and_prefix(cognito):
    cognito.add_user("dave", "Passw0rd!", email="d@example.com")
    cognito.force_error("InitiateAuth", "TooManyRequestsException", message="Rate exceeded", count=2)
    for _ in range(2):
        r = cog_login(cognito, "dave")
        assert r.status_code == 400
        assert r.json() == {"__type": "TooManyRequestsException", "message": "Rate exceeded"}
        assert r.headers["Content-Type"] == "application/x-amz-json-1.1"
    assert cog_login(cognito, "dave").status_code == 200
    cognito.force_error("SignUp", "InternalErrorException", status=500)
    assert cog_user(cognito)[1].status_code == 500
    cognito.prefix_types = True
    r = cog_login(cognito, "dave", "bad-password1")
    assert r.json()["__type"] == "com.amazonaws.cognito#NotAuthorizedException"
    cognito.force_challenge("dave")
    r = cog_login(cognito, "dave")
    assert r.json()["ChallengeName"] == "NEW_PASSWORD_REQUIRED" and "Session" in r.json()
    assert "AuthenticationResult" not in r.json()


def test_cognito_make_token_and_rotation(cognito):
    old = cognito.key
    tok = cognito.make_token("id", email="x@example.com", exp=1)
    claims = fakes.verify_jwt(tok, cognito.jwks())
    assert claims["token_use"] == "id" and claims["exp"] == 1 and claims["aud"] == cognito.client_id
    cognito.rotate_key()
    jr = http().get(cognito.jwks_url, timeout=5).json()
    assert {k["kid"] for k in jr["keys"]} == {old.kid, cognito.key.kid}
    assert fakes.decode_jwt(cognito.make_token("access"))[0]["kid"] == cognito.key.kid
    cognito.rotate_key(drop_old=True)
    assert len(cognito.jwks()["keys"]) == 1


# ---------------------------------------------------------------- Toss

def test_toss_mtls(toss):
    for name in ("ca_file", "client_cert_file", "client_key_file",
                 "other_client_cert_file", "other_client_key_file"):
        assert os.path.isfile(getattr(toss, name))
    with open(toss.client_key_file, "rb") as f:
        pem = f.read()
    assert b"PRIVATE KEY" in pem and b"ENCRYPTED" not in pem
    for cert in (None, "other"):
        with pytest.raises(requests.exceptions.ConnectionError):
            tcall(toss, "GET", "login-me", cert=cert, headers={"Authorization": "Bearer x"})
    deadline = time.time() + 2
    while len(toss.tls_errors) < 2 and time.time() < deadline:
        time.sleep(0.02)
    assert len(toss.tls_errors) == 2 and toss.requests == []
    r = tcall(toss, "GET", "login-me", headers={"Authorization": "Bearer x"})
    assert r.status_code == 401
    assert toss.requests[0].peer_cert is not None


def test_toss_login_flow(toss):
    profile, tok = toss_login(toss, referrer="sandbox")
    assert set(tok) == {"accessToken", "refreshToken", "scope", "tokenType", "expiresIn"}
    assert tok["expiresIn"] == 3599 and tok["tokenType"] == "Bearer"
    assert "user_name" in tok["scope"].split(" ") and toss.scope_extra in tok["scope"].split(" ")
    rec = toss.requests_to("generate-token")[0]
    assert rec.headers["Content-Type"] == "application/json"

    r = tcall(toss, "GET", "login-me", headers={"Authorization": "Bearer " + tok["accessToken"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["resultType"] == "SUCCESS"
    me = body["success"]
    assert isinstance(me["userKey"], int) and me["userKey"] == profile["userKey"]
    assert toss.scope_extra in me["scope"].split(",")
    assert isinstance(me["agreedTerms"], list)
    plain = {f: toss.decrypt_field(me[f]) for f in toss.PERSONAL}
    assert plain["name"] == "홍길동" and plain["birthday"] == "19900101"
    assert plain["gender"] == "MALE" and plain["nationality"] == "LOCAL"
    assert me["name"] != "홍길동"

    # nulls come through as null
    p2, tok2 = toss_login(toss, toss.sample_profile(email=None, ci=None, gender="FEMALE",
                                                    nationality="FOREIGNER"))
    me2 = tcall(toss, "GET", "login-me", headers={"Authorization": "Bearer " + tok2["accessToken"]}).json()["success"]
    assert me2["email"] is None and me2["ci"] is None
    assert toss.decrypt_field(me2["gender"]) == "FEMALE"
    assert toss.decrypt_field(me2["nationality"]) == "FOREIGNER"


def test_toss_code_errors(toss):
    toss.register_code("once")
    body = {"authorizationCode": "once", "referrer": "DEFAULT"}
    assert tcall(toss, "POST", "generate-token", json=body).status_code == 200
    r = tcall(toss, "POST", "generate-token", json=body)
    assert r.status_code == 400 and r.json() == {"error": "invalid_grant"}
    toss.fail_envelope = True
    r = tcall(toss, "POST", "generate-token", json=body)
    assert r.status_code == 400
    assert r.json()["resultType"] == "FAIL" and r.json()["error"]["errorCode"] == "INVALID_GRANT"
    toss.fail_envelope = False
    toss.register_code("stale", issued_at=time.time() - 601)
    toss.register_code("fresh", issued_at=time.time() - 540)
    r = tcall(toss, "POST", "generate-token", json={"authorizationCode": "stale", "referrer": "DEFAULT"})
    assert r.status_code == 400 and r.json() == {"error": "invalid_grant"}
    r = tcall(toss, "POST", "generate-token", json={"authorizationCode": "fresh", "referrer": "DEFAULT"})
    assert r.status_code == 200
    toss.register_code("ref")
    r = tcall(toss, "POST", "generate-token", json={"authorizationCode": "ref", "referrer": "PROD"})
    assert r.status_code == 400 and r.json()["resultType"] == "FAIL"


def test_toss_switches(toss):
    r = tcall(toss, "GET", "login-me", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401
    assert r.json() == {"resultType": "FAIL", "error": {"errorCode": "USER_NOT_FOUND",
                                                        "reason": r.json()["error"]["reason"]}}
    toss.fail_with_200 = True
    r = tcall(toss, "GET", "login-me", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 200 and r.json()["resultType"] == "FAIL"
    toss.expires_in_as_string = True
    assert toss_login(toss)[1]["expiresIn"] == "3599"
    toss.fail_with_200 = False
    _, tok = toss_login(toss)
    toss.force_error("login-me", "BAD_REQUEST_RETRIEVE_CERT_RESULT_EXCEEDED_LIMIT")
    r = tcall(toss, "GET", "login-me", headers={"Authorization": "Bearer " + tok["accessToken"]})
    assert r.status_code == 400
    assert r.json()["error"]["errorCode"] == "BAD_REQUEST_RETRIEVE_CERT_RESULT_EXCEEDED_LIMIT"
    toss.expire_tokens()
    r = tcall(toss, "GET", "login-me", headers={"Authorization": "Bearer " + tok["accessToken"]})
    assert r.status_code == 401


def test_toss_refresh_and_remove(toss):
    profile, tok = toss_login(toss)
    key = profile["userKey"]
    r = tcall(toss, "POST", "refresh-token", json={"refreshToken": tok["refreshToken"]})
    assert r.status_code == 200 and r.json()["resultType"] == "SUCCESS"
    new = r.json()["success"]
    assert new["accessToken"] != tok["accessToken"] and new["tokenType"] == "Bearer"
    r = tcall(toss, "POST", "refresh-token", json={"refreshToken": "bogus"})
    assert r.status_code == 400 and r.json() == {"error": "invalid_grant"}

    r = tcall(toss, "POST", "access/remove-by-access-token",
              headers={"Authorization": "Bearer " + new["accessToken"]})
    assert r.status_code == 200 and r.json()["resultType"] == "SUCCESS"
    assert toss.valid_access_tokens(key) == []

    _, tok = toss_login(toss, toss.sample_profile(user_key=key))
    r = tcall(toss, "POST", "access/remove-by-user-key", json={"userKey": str(key)})
    assert r.status_code == 400                       # userKey must be a JSON number
    toss.remove_by_user_key_requires_bearer = True
    r = tcall(toss, "POST", "access/remove-by-user-key", json={"userKey": key})
    assert r.status_code == 401 and r.json()["resultType"] == "FAIL"
    r = tcall(toss, "POST", "access/remove-by-user-key", json={"userKey": key},
              headers={"Authorization": "Bearer " + tok["accessToken"]})
    assert r.status_code == 200 and r.json() == {"resultType": "SUCCESS", "success": {"userKey": key}}
    assert toss.valid_access_tokens(key) == []
    toss.remove_by_user_key_requires_bearer = False
    r = tcall(toss, "POST", "access/remove-by-user-key", json={"userKey": key})
    assert r.status_code == 200


def test_toss_aes_roundtrip(toss, tmp_path):
    enc = toss.encrypt_field("01012345678")
    raw = base64.b64decode(enc)
    assert len(raw) == 12 + len("01012345678") + 16
    assert AESGCM(AES_KEY).decrypt(raw[:12], raw[12:], AAD) == b"01012345678"
    with pytest.raises(InvalidTag):
        AESGCM(AES_KEY).decrypt(raw[:12], raw[12:], b"other aad")
    assert toss.encrypt_field("x") != toss.encrypt_field("x")          # fresh IV
    with fakes.TossFake(str(tmp_path)) as plain:
        assert plain.encrypt_field("홍길동") == "홍길동"
        _, tok = toss_login(plain)
        me = tcall(plain, "GET", "login-me", headers={"Authorization": "Bearer " + tok["accessToken"]})
        assert me.json()["success"]["name"] == "홍길동"


# ---------------------------------------------------------------- faults

def _probe(name, fake, timeout=5):
    """One request to each fake's main endpoint: (path, callable)."""
    if name == "google":
        return "/token", lambda: gtoken(fake, timeout=timeout, code="none")
    if name == "cognito":
        return "/", lambda: cog(fake, "InitiateAuth", {}, timeout=timeout)
    return fake.BASE + "/login-me", lambda: tcall(fake, "GET", "login-me", timeout=timeout,
                                                  headers={"Authorization": "Bearer x"})


@pytest.fixture(params=["google", "cognito", "toss"])
def anyfake(request):
    return request.param, request.getfixturevalue(request.param)


def test_fail_next_garbage_500_close(anyfake):
    name, fake = anyfake
    path, call = _probe(name, fake)
    normal = call().status_code
    fake.fail_next(path, "garbage")
    fake.fail_next(path, "status500", count=2)
    fake.fail_next(path, "close")
    r = call()
    assert r.status_code == 200
    with pytest.raises(ValueError):
        json.loads(r.text)
    for _ in range(2):
        r = call()
        assert r.status_code == 500
        err = r.json()
        if name == "google":
            assert "error" in err and "error_description" in err
        elif name == "cognito":
            assert "__type" in err and "message" in err
        else:
            assert err["resultType"] == "FAIL" and err["error"]["errorCode"] == "INTERNAL_ERROR"
    with pytest.raises(requests.exceptions.ConnectionError):
        call()
    assert call().status_code == normal
    assert len(fake.requests) == 6 and fake.errors == []
    fake.fail_next(path, "status500")
    fake.reset()
    assert call().status_code == normal and len(fake.requests) == 1


@pytest.mark.parametrize("name", ["google", "cognito", "toss"])
def test_fail_next_timeout_and_quick_stop(name, tmp_path):
    fake = {"google": lambda: fakes.GoogleFake(),
            "cognito": lambda: fakes.CognitoFake(),
            "toss": lambda: fakes.TossFake(str(tmp_path))}[name]()
    try:
        path, _ = _probe(name, fake)
        fake.fail_next(path, "timeout", count=2)
        _, quick = _probe(name, fake, timeout=0.3)
        t0 = time.time()
        with pytest.raises(requests.exceptions.Timeout):
            quick()
        assert time.time() - t0 < 2

        # a second request is left sleeping in the fake while we stop it
        _, slow = _probe(name, fake, timeout=10)
        outcome = {}

        def run():
            try:
                outcome["status"] = slow().status_code
            except requests.exceptions.RequestException as exc:
                outcome["exc"] = exc
        th = threading.Thread(target=run)
        th.start()
        deadline = time.time() + 3
        while len(fake.requests) < 2 and time.time() < deadline:
            time.sleep(0.01)
        assert len(fake.requests) == 2
    finally:
        t0 = time.time()
        fake.stop()
        assert time.time() - t0 < 2
    th.join(3)
    assert not th.is_alive() and "exc" in outcome, outcome
    fake.stop()                                                         # idempotent


def test_fail_next_rejects_unknown_kind(google):
    with pytest.raises(ValueError):
        google.fail_next("/token", "explode")
