"""Bearer tokens that must be refused (each 401 invalid_token with the
RFC 6750 challenge), the leeway, and session-key rotation by kid.

Every refused request goes out from its own source address: refusals count
against the per-address GameHoneyAuthFailLimit."""
import time

import fakes
import pytest

from accounts_helpers import (as_ip, assert_invalid_token, bearer, forge_session,
                              google_claims, google_session, tamper_claims, uniq)
from conftest import SESSION_KEY

K2_SECRET = "second-session-key-abcdefghijklmnopqrstu"      # test-only, 32+ characters


def validate(srv, token):
    return as_ip(srv, "GET", "/api/auth/validate", headers=bearer(token))


@pytest.fixture(scope="module")
def ours(server, google):
    """The sign-in answer of a real session of the main server."""
    body, _ = google_session(server, google)
    return body


def now():
    return int(time.time())


def uid_of(body):
    """The user id of a sign-in answer: our tokens are checked against their
    user's current state, so a forged one must name a user that exists."""
    return fakes.decode_jwt(body["access_token"])[1]["sub"]


# ---------------------------------------------------------------- forgeries

def pem_hs256(fake, **claims):
    """HS256 'signed' with the provider's public key PEM as the HMAC secret,
    naming the provider's kid: the classic algorithm confusion."""
    return fakes.make_jwt(claims, alg="HS256", kid=fake.key.kid, secret=fake.key.public_pem())


FORGERIES = {
    # alg none (in two spellings), and HS256 with the signature left out
    "none-ours": lambda g, c, o: forge_session(alg="none", sub=o),
    "None-ours": lambda g, c, o: forge_session(alg="none", sub=o, header_extra={"alg": "None"}),
    "hs256-empty-signature": lambda g, c, o: forge_session(sub=o).rsplit(".", 1)[0] + ".",
    "none-google": lambda g, c, o: fakes.make_jwt(g.claims(sub=uniq("g")), alg="none",
                                                  kid=g.key.kid),
    "none-cognito": lambda g, c, o: fakes.make_jwt(c.token_claims("access"), alg="none",
                                                   kid=c.key.kid),
    # algorithm confusion: the provider's RSA public key as an HMAC secret
    "hs256-google-pem": lambda g, c, o: pem_hs256(g, **g.claims(sub=uniq("g"))),
    "hs256-cognito-pem": lambda g, c, o: pem_hs256(c, **c.token_claims("access")),
    # our issuer, but signed with RS256 by a key we never trusted
    "rs256-ours": lambda g, c, o: fakes.make_jwt(
        fakes.decode_jwt(forge_session(sub=o))[1], key=fakes.RsaKey(kid="k1")),
    # our token under our own secret, but from another key slot or none
    "ours-unknown-kid": lambda g, c, o: forge_session(kid="k9", sub=o),
    "ours-no-kid": lambda g, c, o: forge_session(header_extra={"kid": None}, sub=o),
    "ours-wrong-secret": lambda g, c, o: forge_session(secret="x" * 40, sub=o),
    # our key, wrong claims
    "ours-token-use-refresh": lambda g, c, o: forge_session(token_use="refresh", sub=o),
    "ours-token-use-id": lambda g, c, o: forge_session(token_use="id", sub=o),
    "ours-no-token-use": lambda g, c, o: forge_session(token_use=None, sub=o),
    "ours-wrong-aud": lambda g, c, o: forge_session(aud="someone-else", sub=o),
    "ours-no-aud": lambda g, c, o: forge_session(aud=None, sub=o),
    "ours-wrong-iss": lambda g, c, o: forge_session(iss="gamehoney-staging", sub=o),
    "ours-no-sid": lambda g, c, o: forge_session(sid=None, sub=o),
    "ours-no-sub": lambda g, c, o: forge_session(sub=None),
    "ours-no-exp": lambda g, c, o: forge_session(exp=None, sub=o),
    "ours-exp-string": lambda g, c, o: forge_session(exp=str(now() + 600), sub=o),
    "ours-expired": lambda g, c, o: forge_session(exp=now() - 120, iat=now() - 1000, sub=o),
    "ours-nbf-future": lambda g, c, o: forge_session(nbf=now() + 300, sub=o),
    "ours-iat-future": lambda g, c, o: forge_session(iat=now() + 300, sub=o),
    # Google: wrong issuer, audience, times, key
    "google-wrong-iss": lambda g, c, o: g.id_token(google_claims(), iss="https://evil.example"),
    "google-iss-lookalike": lambda g, c, o: g.id_token(google_claims(),
                                                       iss="https://accounts.google.com.evil"),
    "google-wrong-aud": lambda g, c, o: g.id_token(google_claims(), aud="other.apps.example"),
    "google-no-aud": lambda g, c, o: g.id_token(google_claims(), aud=None),
    "google-expired": lambda g, c, o: g.id_token(google_claims(), exp=now() - 120,
                                                 iat=now() - 4000),
    "google-nbf-future": lambda g, c, o: g.id_token(google_claims(), nbf=now() + 300),
    "google-other-key-same-kid": lambda g, c, o: fakes.make_jwt(
        g.claims(**google_claims()), key=fakes.RsaKey(kid=g.key.kid)),
    "google-no-sub": lambda g, c, o: g.id_token(google_claims(), sub=None),
    # Cognito: client, token_use, audience, issuer
    "cognito-access-wrong-client": lambda g, c, o: c.make_token("access", client_id="otherclient"),
    "cognito-access-with-aud": lambda g, c, o: c.make_token("access", aud=c.client_id),
    "cognito-id-wrong-token-use": lambda g, c, o: c.make_token("id", token_use="refresh"),
    "cognito-id-no-token-use": lambda g, c, o: c.make_token("id", token_use=None),
    "cognito-access-as-id": lambda g, c, o: c.make_token("access", token_use="id"),
    "cognito-id-wrong-aud": lambda g, c, o: c.make_token("id", aud="otherclient"),
    "cognito-other-pool": lambda g, c, o: c.make_token(
        "access", iss="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other"),
    "cognito-expired": lambda g, c, o: c.make_token("access", exp=now() - 120),
    "cognito-other-key-same-kid": lambda g, c, o: c.make_token(
        "access", _key=fakes.RsaKey(kid=c.key.kid)),
    # shape
    "two-parts": lambda g, c, o: ".".join(forge_session(sub=o).split(".")[:2]),
    "four-parts": lambda g, c, o: forge_session(sub=o) + ".AAAA",
    "header-not-base64": lambda g, c, o: "e!J*" + forge_session(sub=o)[4:],
    "payload-not-base64": lambda g, c, o: "{}.{}.{}".format(
        forge_session(sub=o).split(".")[0], "eyJzdWIi%%%", forge_session(sub=o).split(".")[2]),
    "signature-not-base64": lambda g, c, o: forge_session(sub=o).rsplit(".", 1)[0] + ".@@@@",
    "payload-not-json": lambda g, c, o: "{}.{}.{}".format(
        forge_session(sub=o).split(".")[0], fakes.b64url(b"not json"), "AAAA"),
    "payload-json-array": lambda g, c, o: "{}.{}.{}".format(
        forge_session(sub=o).split(".")[0], fakes.b64url(b"[1,2]"), "AAAA"),
    "not-a-jwt": lambda g, c, o: "opaque-token-" + uniq(),
}


@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_forged_or_wrong_tokens_are_refused(server, google, cognito, ours, pg, name):
    uid = fakes.decode_jwt(ours["access_token"])[1]["sub"]
    users = pg.scalar("SELECT count(*) FROM users")
    token = FORGERIES[name](google, cognito, uid)
    assert_invalid_token(validate(server, token))
    assert_invalid_token(as_ip(server, "GET", "/api/auth/me", headers=bearer(token)))
    assert_invalid_token(as_ip(server, "GET", "/api/me/subscriptions", headers=bearer(token)))
    # nobody was created on the strength of a refused token
    assert pg.scalar("SELECT count(*) FROM users") == users


@pytest.mark.parametrize("claim", ["role", "sub", "exp"])
def test_tampered_payload_of_a_valid_token_is_refused(server, ours, claim):
    sub = fakes.decode_jwt(ours["access_token"])[1]["sub"]
    change = {"role": "admin", "sub": str(int(sub) + 1), "exp": now() + 86400}[claim]
    assert validate(server, ours["access_token"]).status_code == 200
    assert_invalid_token(validate(server, tamper_claims(ours["access_token"], **{claim: change})))


def test_tampered_google_token_is_refused(server, google):
    token = google.id_token(google_claims())
    assert_invalid_token(validate(server, tamper_claims(token, email="admin@example.com")))


def test_tampered_header_is_refused(server, ours):
    h, p, s = ours["access_token"].split(".")
    header = fakes.decode_jwt(ours["access_token"])[0]
    header["kid"] = "k1 "
    forged = fakes.b64url(fakes._json_compact(header)) + "." + p + "." + s
    assert_invalid_token(validate(server, forged))


def test_oversized_token_is_401(server, ours):
    token = ours["access_token"]
    big = tamper_claims(token, pad="x" * 9000)
    assert len(big) > 9000
    assert_invalid_token(validate(server, big))


def test_token_just_under_the_limit_is_judged_on_its_merits(server, ours):
    token = forge_session(sub=uid_of(ours), pad="y" * 5800)
    assert 7800 < len(token) < 8192
    assert validate(server, token).status_code == 200


# ---------------------------------------------------------------- leeway

@pytest.mark.parametrize("claims", [
    {"exp": -30},            # expired 30 s ago: inside the 60 s leeway
    {"nbf": 30},             # valid in 30 s
    {"iat": 30},             # issued 30 s in the "future"
])
def test_leeway_of_60_seconds(server, google, ours, claims):
    t = now()
    absolute = {k: t + v for k, v in claims.items()}
    assert validate(server, forge_session(sub=uid_of(ours), **absolute)).status_code == 200
    r = validate(server, google.id_token(google_claims(), **absolute))
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("claims", [{"exp": -61}, {"nbf": 62}, {"iat": 62}])
def test_beyond_the_leeway_is_refused(server, google, ours, claims):
    t = now()
    absolute = {k: t + v for k, v in claims.items()}
    if "exp" in absolute:
        absolute["iat"] = t - 1000
    assert_invalid_token(validate(server, forge_session(sub=uid_of(ours), **absolute)))
    assert_invalid_token(validate(server, google.id_token(google_claims(), **absolute)))


# ---------------------------------------------------------------- accepted kinds

def test_accepted_kinds_of_bearer_token(server, google, cognito, pg, ours):
    # ours, forged here with the right key, for a user that exists
    assert validate(server, forge_session(sub=uid_of(ours), sid="1")).status_code == 200
    # Google id token; Cognito access and id tokens
    email = f"{uniq('acc')}@example.com"
    user = cognito.add_user(email, "Password-123", email=email)
    for token in (google.id_token(google_claims()),
                  cognito.make_token("access", username=email),
                  cognito.make_token("id", **{"cognito:username": email})):
        r = validate(server, token)
        assert r.status_code == 200, r.text
    # both Cognito tokens are the same user, made on first sight
    assert pg.scalar("SELECT count(*) FROM users WHERE cognito_sub = %s", (user["sub"],)) == 1


# ---------------------------------------------------------------- session keys

@pytest.fixture(scope="module")
def rotated(make_server):
    """A server that rotated to k2: k2 is declared first (it signs), k1
    after it (tokens signed with it still verify)."""
    return make_server("rotated-keys", f'GameHoneySessionKey k1 "{SESSION_KEY}"\n',
                       env={"GAMEHONEY_SESSION_KID": "k2", "GAMEHONEY_SESSION_KEY": K2_SECRET})


def test_first_session_key_signs_and_every_key_verifies(rotated, server, google, ours):
    body, _ = google_session(rotated, google)
    header, claims = fakes.decode_jwt(body["access_token"])
    assert header["kid"] == "k2"
    assert fakes.make_jwt(claims, alg="HS256", kid="k2", secret=K2_SECRET) == \
        body["access_token"]
    assert validate(rotated, body["access_token"]).status_code == 200
    # a token of the old key (issued by the main server) still verifies
    assert validate(rotated, ours["access_token"]).status_code == 200
    uid = uid_of(ours)
    for kid, secret in (("k1", SESSION_KEY), ("k2", K2_SECRET)):
        assert validate(rotated, forge_session(kid=kid, secret=secret, sub=uid)).status_code == 200
    # the main server knows only k1
    assert fakes.decode_jwt(ours["access_token"])[0]["kid"] == "k1"
    assert_invalid_token(validate(server, body["access_token"]))
    # a kid must name the key that signed
    assert_invalid_token(validate(rotated, forge_session(kid="k1", secret=K2_SECRET)))
    assert_invalid_token(validate(rotated, forge_session(kid="k2", secret=SESSION_KEY)))
    assert_invalid_token(validate(rotated, forge_session(kid="k3", secret=K2_SECRET)))
    # sessions live in the database, so refresh works across the servers
    r = server.post("/api/auth/refresh", json={"refresh_token": body["refresh_token"]})
    assert r.status_code == 200
    assert fakes.decode_jwt(r.json()["access_token"])[0]["kid"] == "k1"
