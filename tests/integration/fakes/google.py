"""Fake of Google's OAuth 2.0 token endpoint and JWKS
(/work/shared/specs/external-apis.md, section 6)."""
import base64
import hashlib
import secrets
from urllib.parse import unquote_plus

from .base import _Fake
from .jose import _claims_apply, _KeySet, _now, b64url, make_jwt


class GoogleFake(_KeySet, _Fake):
    """Google OAuth 2.0 token endpoint + JWKS.

    POST /token, GET /oauth2/v3/certs (also /.well-known/openid-configuration).
    Switches (attributes): issuer, max_age (None: no Cache-Control header),
    expires_in, scope, refresh_token (a string to include one in /token answers).
    """

    service = "google"
    TOKEN_PATH = "/token"
    JWKS_PATH = "/oauth2/v3/certs"

    def __init__(self, client_id="gamehoney-test.apps.googleusercontent.com",
                 client_secret="test-google-secret", issuer="https://accounts.google.com",
                 max_age=3600):
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        self.issuer = issuer
        self.max_age = max_age
        self.expires_in = 3599
        self.id_token_ttl = 3600
        self.scope = "openid email profile"
        self.refresh_token = None
        self._init_keys()
        self._codes = {}
        self.jwks_fetches = 0
        self.issued = []              # token responses handed out (dicts)
        self._start()

    @property
    def token_url(self):
        return self.url + self.TOKEN_PATH

    @property
    def jwks_url(self):
        return self.url + self.JWKS_PATH

    def _reset_extra(self):
        self.jwks_fetches = 0

    # -- tokens ----------------------------------------------------------
    def claims(self, **overrides) -> dict:
        now = _now()
        c = {"iss": self.issuer, "azp": self.client_id, "aud": self.client_id,
             "iat": now, "exp": now + self.id_token_ttl}
        return _claims_apply(c, overrides)

    def id_token(self, claims=None, **overrides) -> str:
        """RS256 id_token with the current key: base claims + claims + overrides
        (an override of None removes the claim)."""
        c = self.claims()
        c.update(claims or {})
        _claims_apply(c, overrides)
        return make_jwt(c, key=self.key)

    def register_code(self, code, claims, redirect_uri, code_verifier=None,
                      code_challenge=None, code_challenge_method="S256"):
        """Registers a one-time authorization code. PKCE: give either the
        verifier the client must send, or the challenge the client sent to the
        authorization endpoint (S256 or plain)."""
        with self._lock:
            self._codes[code] = {"claims": dict(claims), "redirect_uri": redirect_uri,
                                 "code_verifier": code_verifier,
                                 "code_challenge": code_challenge,
                                 "code_challenge_method": code_challenge_method,
                                 "used": False}

    # -- HTTP ------------------------------------------------------------
    def _error500(self):
        return {"error": "internal_failure", "error_description": "Backend Error"}

    def _on_request(self, rec):
        if rec.path == self.JWKS_PATH:
            with self._lock:
                self.jwks_fetches += 1

    @staticmethod
    def _err(status, error, desc):
        return status, {"error": error, "error_description": desc}, {}

    def _dispatch(self, rec):
        if rec.path == self.JWKS_PATH:
            if rec.method != "GET":
                return self._err(405, "invalid_request", "Method not allowed")
            hdrs = {"Content-Type": "application/json"}
            if self.max_age is not None:
                hdrs["Cache-Control"] = f"public, max-age={int(self.max_age)}"
            return 200, self.jwks(), hdrs
        if rec.path == "/.well-known/openid-configuration" and rec.method == "GET":
            return 200, {"issuer": self.issuer, "token_endpoint": self.token_url,
                         "jwks_uri": self.jwks_url,
                         "id_token_signing_alg_values_supported": ["RS256"]}, {}
        if rec.path == self.TOKEN_PATH:
            if rec.method != "POST":
                return self._err(405, "invalid_request", "Method not allowed")
            return self._token(rec)
        return 404, {"error": "not_found", "error_description": "Not Found"}, {}

    def _token(self, rec):
        ctype = (rec.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            return self._err(400, "invalid_request",
                             "Content-Type must be application/x-www-form-urlencoded")
        try:
            form = rec.form()
        except UnicodeDecodeError:
            return self._err(400, "invalid_request", "Bad Request")
        cid, csecret = form.get("client_id"), form.get("client_secret")
        auth = rec.headers.get("Authorization") or ""
        if auth[:6].lower() == "basic ":
            try:
                u, _, p = base64.b64decode(auth[6:].strip()).decode("utf-8").partition(":")
                cid, csecret = unquote_plus(u), unquote_plus(p)
            except (ValueError, UnicodeDecodeError):
                return self._err(401, "invalid_client", "Unauthorized")
        if cid != self.client_id:
            return self._err(401, "invalid_client", "The OAuth client was not found.")
        if csecret != self.client_secret:
            return self._err(401, "invalid_client", "Unauthorized")
        if form.get("grant_type") != "authorization_code":
            return self._err(400, "invalid_grant", "Invalid grant_type: %s" % form.get("grant_type"))
        code = form.get("code")
        with self._lock:
            entry = self._codes.get(code) if code else None
            if entry is None:
                return self._err(400, "invalid_grant", "Malformed auth code.")
            if entry["used"]:
                return self._err(400, "invalid_grant", "Bad Request")
            if form.get("redirect_uri") != entry["redirect_uri"]:
                return self._err(400, "invalid_grant", "Bad Request")
            verifier = form.get("code_verifier")
            if entry["code_verifier"] is not None and verifier != entry["code_verifier"]:
                return self._err(400, "invalid_grant",
                                 "Missing code verifier." if verifier is None else "Bad Request")
            if entry["code_challenge"] is not None:
                if verifier is None:
                    return self._err(400, "invalid_grant", "Missing code verifier.")
                if entry["code_challenge_method"].upper() == "S256":
                    got = b64url(hashlib.sha256(verifier.encode("ascii", "replace")).digest())
                else:
                    got = verifier
                if got != entry["code_challenge"]:
                    return self._err(400, "invalid_grant", "Bad Request")
            entry["used"] = True
            claims = dict(entry["claims"])
        resp = {"access_token": "ya29.fake-" + secrets.token_urlsafe(32),
                "expires_in": self.expires_in,
                "id_token": self.id_token(claims),
                "scope": self.scope,
                "token_type": "Bearer"}
        if self.refresh_token:
            resp["refresh_token"] = self.refresh_token
        with self._lock:
            self.issued.append(resp)
        return 200, resp, {}
