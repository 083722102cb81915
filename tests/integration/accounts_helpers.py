"""Shared helpers of the accounts, user-data and AuthType tests.

Requests that are expected to fail bearer authentication are sent from a
fresh 127/8 source address each (`as_ip`): every 401 given to a request
carrying an Authorization header counts against its address's
GameHoneyAuthFailLimit (20 per 10 minutes by default, shared by the whole
session), and other test files send from 127.0.0.1.
"""
import hashlib
import itertools
import time
import uuid

import fakes
from conftest import SESSION_KEY, SESSION_KID, client_from

REDIRECT = "https://game.example/auth/google/callback"
PASSWORD = "Correct-horse-42"                 # meets the Cognito fake's policy

_ips = itertools.count(1)


def fresh_ip():
    """A source address no other test uses (127.77.x.y)."""
    n = next(_ips)
    return f"127.77.{n // 250}.{n % 250 + 1}"


def uniq(prefix="t"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def new_email(prefix="u"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


def bearer(token):
    return {"Authorization": "Bearer " + token}


def as_ip(srv, method, path, ip=None, **kw):
    """One request from a fresh (or given) source address, on its own connection."""
    s = client_from(ip or fresh_ip())
    kw.setdefault("timeout", 10)
    try:
        return s.request(method, srv.url + path, **kw)
    finally:
        s.close()


def assert_invalid_token(r):
    """A presented-but-refused bearer token: 401, JSON invalid_token and the
    RFC 6750 challenge."""
    assert r.status_code == 401, (r.status_code, r.text)
    assert r.headers["Content-Type"] == "application/json"
    assert "Bearer" in r.headers["WWW-Authenticate"]
    assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]
    body = r.json()
    assert body["error"] == "invalid_token"
    assert isinstance(body["message"], str) and body["message"]


def assert_error(r, status, code):
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["Content-Type"] == "application/json"
    body = r.json()
    assert body["error"] == code, body
    assert set(body) == {"error", "message"}
    return body


def refresh_hash(token):
    """What refresh_tokens.token_hash holds for a refresh token."""
    return hashlib.sha256(token.encode("ascii")).digest()


# ---------------------------------------------------------------- our tokens

def session_claims(**overrides):
    now = int(time.time())
    c = {"iss": "gamehoney", "aud": "gamehoney", "sub": "1", "sid": "1", "role": "user",
         "token_use": "access", "iat": now, "exp": now + 600, "jti": uuid.uuid4().hex}
    for k, v in overrides.items():
        if v is None:
            c.pop(k, None)
        else:
            c[k] = v
    return c


def forge_session(kid=SESSION_KID, secret=SESSION_KEY, alg="HS256", header_extra=None,
                  **claims):
    """A session access token made here, with whatever key and claims."""
    return fakes.make_jwt(session_claims(**claims), alg=alg, kid=kid,
                          secret=secret if alg == "HS256" else None, header_extra=header_extra)


def tamper_claims(token, **changes):
    """The token with claims changed and the original signature kept."""
    h, p, s = token.split(".")
    claims = fakes.decode_jwt(token)[1]
    claims.update(changes)
    return h + "." + fakes.b64url(fakes._json_compact(claims)) + "." + s


# ---------------------------------------------------------------- sign-ins

def google_claims(sub=None, email=None, verified=True, name="Google User",
                  picture="https://lh3.example/photo.png"):
    c = {"sub": sub or uniq("g"), "email": email or new_email("google"),
         "email_verified": verified}
    if name is not None:
        c["name"] = name
    if picture is not None:
        c["picture"] = picture
    return c


def google_login(srv, google, claims=None, **kw):
    """Signs in through the code flow; returns (response, claims)."""
    claims = claims or google_claims(**kw)
    code = uniq("gcode")
    google.register_code(code, claims, REDIRECT)
    r = srv.post("/api/auth/google/login", json={"code": code, "redirect_uri": REDIRECT})
    return r, claims


def google_session(srv, google, **kw):
    r, claims = google_login(srv, google, **kw)
    assert r.status_code == 200, r.text
    return r.json(), claims


def cognito_login(srv, email, password=PASSWORD):
    return srv.post("/api/auth/login", json={"email": email, "password": password})


def cognito_session(srv, cognito, email=None, confirmed=True):
    email = email or new_email("cognito")
    user = cognito.add_user(email, PASSWORD, email=email, confirmed=confirmed)
    r = cognito_login(srv, email)
    assert r.status_code == 200, r.text
    return r.json(), user


def toss_login(srv, toss, profile=None, referrer=None):
    """Signs in with a new one-time code; returns (response, stored profile)."""
    code = uniq("tcode")
    profile = toss.register_code(code, profile)
    body = {"authorizationCode": code}
    if referrer is not None:
        body["referrer"] = referrer
    return srv.post("/api/auth/toss/login", json=body), profile


def user_row(pg, uid, *cols):
    rows = pg.query(f"SELECT {', '.join(cols)} FROM users WHERE id = %s", (uid,))
    return rows[0] if rows else None


def counts(pg, uid):
    """(subscriptions, push tokens) of a user."""
    return (pg.scalar("SELECT count(*) FROM subscriptions WHERE user_id = %s", (uid,)),
            pg.scalar("SELECT count(*) FROM push_tokens WHERE user_id = %s", (uid,)))


def timed(fn, *args, **kw):
    t0 = time.monotonic()
    r = fn(*args, **kw)
    return r, time.monotonic() - t0

