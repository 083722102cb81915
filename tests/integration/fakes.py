"""Local fakes of the external identity services mod_gamehoney talks to.

Wire formats follow /work/shared/specs/external-apis.md:
  section 1 (Toss login)  -> TossFake     (HTTPS, mutual TLS)
  section 5 (AWS Cognito) -> CognitoFake  (HTTP)
  section 6 (Google)      -> GoogleFake   (HTTP)

Each fake runs a ThreadingHTTPServer on 127.0.0.1 (random port) in a daemon
thread and has:
  .url            base URL, no trailing slash
  .requests       every request received, as Recorded objects (thread-safe)
  .errors         exceptions raised inside the fake's own handlers (should stay [])
  .fail_next(path, kind, count=1)
                  next `count` requests whose path matches answer with a fault:
                  "timeout"   wait .timeout_seconds (30) then answer normally,
                              or drop the connection unanswered if stop() is called
                  "garbage"   200 with a non-JSON body (.garbage_body)
                  "status500" 500 with a JSON body in the service's error shape
                  "close"     close the connection without answering
                  `path` is an exact path, "*" (any path), or, without a
                  leading "/", a suffix: "login-me" matches ".../oauth2/login-me".
  .reset()        forget recorded requests, scripted faults/errors, fetch counters
  .stop()         returns quickly, even while a "timeout" request is waiting
They are also context managers (stop() on exit).

Only the standard library and python3-cryptography are used.
"""
import base64
import datetime
import hashlib
import hmac
import http.server
import ipaddress
import json
import os
import secrets
import socket
import socketserver
import ssl
import sys
import threading
import time
import traceback
import uuid
from urllib.parse import parse_qs, unquote_plus, urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

FAULT_KINDS = ("timeout", "garbage", "status500", "close")

# --------------------------------------------------------------------------
# JOSE helpers
# --------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text) -> bytes:
    if isinstance(text, str):
        text = text.encode("ascii")
    return base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))


def _int_b64(n: int) -> str:
    return b64url(n.to_bytes((n.bit_length() + 7) // 8 or 1, "big"))


def _json_compact(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class RsaKey:
    """A 2048-bit RSA signing key with a kid."""

    def __init__(self, kid=None):
        self.kid = kid or ("test-" + secrets.token_hex(8))
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_key = self.private_key.public_key()

    def jwk(self) -> dict:
        nums = self.public_key.public_numbers()
        return {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": self.kid,
                "n": _int_b64(nums.n), "e": _int_b64(nums.e)}

    def public_pem(self) -> bytes:
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def private_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())

    def sign(self, data: bytes) -> bytes:
        return self.private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    def __repr__(self):
        return f"RsaKey(kid={self.kid!r})"


def make_jwt(claims: dict, key=None, kid=None, alg="RS256", header_extra=None, secret=None) -> str:
    """Compact JWS.

    alg "RS256": signed with `key` (RsaKey); kid defaults to key.kid.
    alg "HS256": HMAC-SHA256 with `secret` (bytes or str).
    alg "none":  empty signature ("h.p.").
    header_extra is merged into the header last; a value of None removes that
    header field (e.g. {"kid": None}); it may also override "alg" (the signing
    algorithm is still chosen by `alg`), which is handy for forging.
    """
    header = {"alg": alg, "typ": "JWT"}
    if kid is None and key is not None:
        kid = key.kid
    if kid is not None:
        header["kid"] = kid
    for k, v in (header_extra or {}).items():
        if v is None:
            header.pop(k, None)
        else:
            header[k] = v
    signing_input = (b64url(_json_compact(header)) + "." + b64url(_json_compact(claims))).encode("ascii")
    if alg == "RS256":
        if key is None:
            raise ValueError("RS256 needs key=RsaKey")
        sig = key.sign(signing_input)
    elif alg == "HS256":
        if secret is None:
            raise ValueError("HS256 needs secret=")
        if isinstance(secret, str):
            secret = secret.encode("utf-8")
        sig = hmac.new(secret, signing_input, hashlib.sha256).digest()
    elif alg == "none":
        sig = b""
    else:
        raise ValueError(f"unsupported alg {alg!r}")
    return signing_input.decode("ascii") + "." + b64url(sig)


def decode_jwt(token: str):
    """(header, claims) without verifying anything."""
    h, p, _ = token.split(".")
    return json.loads(b64url_decode(h)), json.loads(b64url_decode(p))


def jwk_public_key(jwk: dict):
    """cryptography RSA public key from an RSA JWK."""
    n = int.from_bytes(b64url_decode(jwk["n"]), "big")
    e = int.from_bytes(b64url_decode(jwk["e"]), "big")
    return rsa.RSAPublicNumbers(e, n).public_key()


def verify_jwt(token: str, jwks) -> dict:
    """Verifies an RS256 token against a JWKS dict ({"keys":[...]}) or a list
    of JWKs, choosing the key by kid. Returns the claims; raises ValueError."""
    keys = jwks["keys"] if isinstance(jwks, dict) else jwks
    header, claims = decode_jwt(token)
    if header.get("alg") != "RS256":
        raise ValueError(f"alg {header.get('alg')!r} is not RS256")
    match = [k for k in keys if k.get("kid") == header.get("kid")]
    if not match:
        raise ValueError(f"no key with kid {header.get('kid')!r}")
    h, p, s = token.split(".")
    try:
        jwk_public_key(match[0]).verify(b64url_decode(s), (h + "." + p).encode("ascii"),
                                        padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise ValueError("bad signature")
    return claims


def cognito_secret_hash(client_secret: str, username: str, client_id: str) -> str:
    """base64(HMAC-SHA256(client_secret, username + client_id)), padded."""
    mac = hmac.new(client_secret.encode("utf-8"), (username + client_id).encode("utf-8"),
                   hashlib.sha256).digest()
    return base64.b64encode(mac).decode("ascii")


# --------------------------------------------------------------------------
# HTTP server plumbing
# --------------------------------------------------------------------------


class _Headers(dict):
    """dict of request headers (names as received); lookups ignore case."""

    def _find(self, name):
        if dict.__contains__(self, name):
            return name
        low = name.lower()
        for k in self.keys():
            if k.lower() == low:
                return k
        return None

    def __getitem__(self, name):
        k = self._find(name)
        if k is None:
            raise KeyError(name)
        return dict.__getitem__(self, k)

    def get(self, name, default=None):
        k = self._find(name)
        return default if k is None else dict.__getitem__(self, k)

    def __contains__(self, name):
        return self._find(name) is not None


class Recorded:
    """One received request. Unpacks as (method, path, headers, body)."""

    def __init__(self, method, target, headers, body, peer_cert=None):
        split = urlsplit(target)
        self.method = method
        self.target = target          # path with query string, as sent
        self.path = split.path
        self.query = split.query
        self.headers = headers        # _Headers (case-insensitive lookups)
        self.body = body              # raw bytes
        self.peer_cert = peer_cert    # TLS client certificate (getpeercert() dict) or None
        self.time = time.time()

    def __iter__(self):
        return iter((self.method, self.path, self.headers, self.body))

    def json(self):
        return json.loads(self.body)

    def form(self) -> dict:
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8"), keep_blank_values=True).items()}

    def __repr__(self):
        return f"<Recorded {self.method} {self.target} {len(self.body)}B>"


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, handler, fake, ssl_context=None):
        self.fake = fake
        self.ssl_context = ssl_context
        super().__init__(addr, handler)

    def server_bind(self):
        # HTTPServer.server_bind() would do a reverse DNS lookup; skip it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def get_request(self):
        sock, addr = self.socket.accept()
        if self.ssl_context is not None:
            # The handshake runs in the handler thread (see _Handler.setup),
            # so a stalled client cannot block accept().
            sock = self.ssl_context.wrap_socket(sock, server_side=True,
                                                do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address):
        self.fake._note_exception(sys.exc_info()[1])


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 120           # idle keep-alive connections
    fake = None             # set per fake by subclassing

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            self.request.do_handshake()
        super().setup()
        self.fake._track(self.connection, True)

    def finish(self):
        try:
            super().finish()
        finally:
            self.fake._track(self.connection, False)

    def log_message(self, *args):
        pass

    def _any(self):
        self.fake._serve(self)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _any


class _Fake:
    """Common machinery. Subclasses set state, then call self._start()."""

    scheme = "http"
    content_type = "application/json"
    service = "fake"

    def __init__(self):
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._stopped = False
        self._conns = set()
        self._faults = []             # [key, kind, remaining]
        self.requests = []
        self.errors = []
        self.tls_errors = []
        self.timeout_seconds = 30.0
        self.garbage_body = b"<html><body><h1>502 Bad Gateway</h1></body></html>"

    # -- lifecycle -------------------------------------------------------
    def _ssl_context(self):
        return None

    def _start(self):
        handler = type(f"{type(self).__name__}Handler", (_Handler,), {"fake": self})
        self._httpd = _Server(("127.0.0.1", 0), handler, self, self._ssl_context())
        self.host = "127.0.0.1"
        self.port = self._httpd.server_address[1]
        self.url = f"{self.scheme}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name=f"{type(self).__name__}:{self.port}", daemon=True)
        self._thread.start()

    def stop(self):
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        self._stopping.set()
        if self._thread.is_alive():
            self._httpd.shutdown()
        self._httpd.server_close()
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            self._shutdown_sock(c)
        self._thread.join(2)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    @staticmethod
    def _shutdown_sock(sock):
        try:
            # socket.socket.shutdown on purpose: SSLSocket.shutdown would also
            # drop its SSL object under a thread that may be reading from it.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError:
            pass

    def _track(self, conn, add):
        with self._lock:
            if add:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)
        if add and self._stopping.is_set():
            self._shutdown_sock(conn)

    def _note_exception(self, exc):
        if isinstance(exc, ssl.SSLError):
            with self._lock:
                self.tls_errors.append(repr(exc))
        elif isinstance(exc, (ConnectionError, TimeoutError, BrokenPipeError)) or exc is None:
            pass
        elif isinstance(exc, OSError) and self._stopping.is_set():
            pass
        else:
            with self._lock:
                self.errors.append("".join(traceback.format_exception(exc)))

    # -- scripting ---------------------------------------------------------
    def fail_next(self, path, kind, count=1):
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {FAULT_KINDS}, not {kind!r}")
        with self._lock:
            self._faults.append([path, kind, int(count)])

    def reset(self):
        with self._lock:
            self.requests.clear()
            self._faults.clear()
            self.errors.clear()
            self.tls_errors.clear()
            self._reset_extra()

    def _reset_extra(self):
        pass

    @staticmethod
    def _path_matches(key, path):
        if key == "*" or key == path:
            return True
        return not key.startswith("/") and path.endswith("/" + key)

    def _take_fault(self, path):
        with self._lock:
            for entry in self._faults:
                if entry[2] > 0 and self._path_matches(entry[0], path):
                    entry[2] -= 1
                    kind = entry[1]
                    self._faults = [e for e in self._faults if e[2] > 0]
                    return kind
        return None

    def requests_to(self, path, method=None):
        """Recorded requests whose path matches (same rules as fail_next)."""
        with self._lock:
            return [r for r in self.requests if self._path_matches(path, r.path)
                    and (method is None or r.method == method)]

    # -- request handling ---------------------------------------------------
    def _read_body(self, h):
        te = (h.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            while True:
                line = h.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while h.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(h.rfile.read(size))
                h.rfile.readline(65537)
            return b"".join(chunks)
        n = int(h.headers.get("Content-Length") or 0)
        return h.rfile.read(n) if n > 0 else b""

    def _serve(self, h):
        try:
            body = self._read_body(h)
        except (ValueError, OSError):
            h.close_connection = True
            return
        peer = None
        if isinstance(h.connection, ssl.SSLSocket):
            try:
                peer = h.connection.getpeercert()
            except (ValueError, OSError):
                peer = None
        rec = Recorded(h.command, h.path, _Headers(h.headers.items()), body, peer)
        with self._lock:
            self.requests.append(rec)
        self._on_request(rec)

        kind = self._take_fault(rec.path)
        if kind == "timeout":
            if self._stopping.wait(self.timeout_seconds):
                self._drop(h)
                return
            kind = None
        if kind == "close":
            self._drop(h)
            return
        if kind == "garbage":
            self._send(h, 200, self.garbage_body, {})
            return
        if kind == "status500":
            self._send(h, 500, self._error500(), {})
            return
        try:
            status, payload, headers = self._dispatch(rec)
        except Exception as exc:          # a bug in the fake: answer 500, keep a trace
            self._note_exception(exc)
            status, payload, headers = 500, self._error500(), {}
        if payload is None:
            self._drop(h)
            return
        self._send(h, status, payload, headers)

    def _drop(self, h):
        h.close_connection = True
        self._shutdown_sock(h.connection)

    def _send(self, h, status, payload, headers):
        if isinstance(payload, (dict, list)):
            payload = _json_compact(payload)
        elif isinstance(payload, str):
            payload = payload.encode("utf-8")
        hdrs = {"Content-Type": self.content_type}
        hdrs.update(headers or {})
        try:
            h.send_response(status)
            for k, v in hdrs.items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(payload)))
            h.end_headers()
            h.wfile.write(payload)
            h.wfile.flush()
        except OSError:
            h.close_connection = True

    # subclass hooks
    def _on_request(self, rec):
        pass

    def _dispatch(self, rec):
        raise NotImplementedError

    def _error500(self):
        return {"error": "internal"}


def _now():
    return int(time.time())


def _claims_apply(claims, overrides):
    """Merge overrides into claims; None removes a claim."""
    for k, v in overrides.items():
        if v is None:
            claims.pop(k, None)
        else:
            claims[k] = v
    return claims


class _KeySet:
    """The RS256 signing keys of an identity provider fake: the current one
    signs, the JWKS publishes it with the older ones still honoured."""

    def _init_keys(self):
        self.key = RsaKey()
        self._keys = [self.key]

    def rotate_key(self, drop_old=False):
        with self._lock:
            self.key = RsaKey()
            self._keys = [self.key] if drop_old else [self.key] + self._keys
            return self.key

    def jwks(self) -> dict:
        with self._lock:
            return {"keys": [k.jwk() for k in self._keys]}


# --------------------------------------------------------------------------
# Google (spec section 6)
# --------------------------------------------------------------------------


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


# --------------------------------------------------------------------------
# AWS Cognito user pools (spec section 5)
# --------------------------------------------------------------------------


class CognitoFake(_KeySet, _Fake):
    """Cognito Identity Provider JSON API at POST / + pool JWKS.

    Switches (attributes): prefix_types (``__type`` as
    "com.amazonaws.cognito#Name"), max_age, token_ttl, auto_confirm
    (SignUp confirms at once), default_confirmation_code.
    """

    service = "cognito"
    content_type = "application/x-amz-json-1.1"
    TARGET_PREFIX = "AWSCognitoIdentityProviderService."
    OPERATIONS = ("SignUp", "ConfirmSignUp", "InitiateAuth", "GlobalSignOut", "GetUser")

    def __init__(self, region="eu-west-1", pool_id="eu-west-1_GameHoney",
                 client_id="gamehoneytestclient", client_secret=None,
                 prefix_types=False, max_age=3600):
        super().__init__()
        self.region = region
        self.pool_id = pool_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.prefix_types = prefix_types
        self.max_age = max_age
        self.issuer = f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"
        self.token_ttl = 3600
        self.auto_confirm = False
        self.default_confirmation_code = "123456"
        self.scope = "aws.cognito.signin.user.admin"
        self._init_keys()
        self.users = {}               # username -> dict
        self._sessions = {}           # origin_jti -> {"username", "revoked", "auth_time"}
        self._refresh = {}            # refresh token -> origin_jti
        self._forced = []             # [operation, type, status, message, remaining]
        self._challenges = {}         # username -> [name, remaining]
        self.jwks_fetches = 0
        self.calls = []               # operation names, in order
        self._start()

    @property
    def jwks_path(self):
        return f"/{self.pool_id}/.well-known/jwks.json"

    @property
    def jwks_url(self):
        return self.url + self.jwks_path

    def _reset_extra(self):
        self._forced.clear()
        self._challenges.clear()
        self.jwks_fetches = 0
        self.calls.clear()

    def count(self, operation) -> int:
        """How many calls of operation came in."""
        with self._lock:
            return self.calls.count(operation)

    # -- tokens ------------------------------------------------------------
    def secret_hash(self, username) -> str:
        return cognito_secret_hash(self.client_secret, username, self.client_id)

    def token_claims(self, kind, user=None, origin_jti=None, auth_time=None, **overrides) -> dict:
        """Claims of an "access" or "id" token for a user record (or a placeholder)."""
        if user is None:
            user = {"username": "fake-user", "sub": str(uuid.uuid4()),
                    "attributes": {"email": "fake-user@example.com"}, "confirmed": True}
        now = _now()
        common = {"sub": user["sub"], "iss": self.issuer,
                  "origin_jti": origin_jti or str(uuid.uuid4()),
                  "event_id": str(uuid.uuid4()), "auth_time": auth_time or now,
                  "iat": now, "exp": now + self.token_ttl, "jti": str(uuid.uuid4())}
        if kind == "access":
            c = dict(common, token_use="access", client_id=self.client_id,
                     scope=self.scope, username=user["username"])
        elif kind == "id":
            c = dict(common, token_use="id", aud=self.client_id)
            c["cognito:username"] = user["username"]
            email = user["attributes"].get("email")
            if email is not None:
                c["email"] = email
                c["email_verified"] = bool(user["confirmed"])
        else:
            raise ValueError("kind is 'access' or 'id'")
        return _claims_apply(c, overrides)

    def make_token(self, kind, _key=None, **claim_overrides) -> str:
        """Signed "access"/"id" token. Uses the user named by a username /
        cognito:username override when it exists. None removes a claim; _key
        signs with another RsaKey."""
        name = claim_overrides.get("username") or claim_overrides.get("cognito:username")
        with self._lock:
            user = self.users.get(name)
        return make_jwt(self.token_claims(kind, user, **claim_overrides), key=_key or self.key)

    # -- users -------------------------------------------------------------
    def add_user(self, username, password, email=None, confirmed=True, **attributes):
        attrs = dict(attributes)
        if email is not None:
            attrs["email"] = email
        user = {"username": username, "password": password, "sub": str(uuid.uuid4()),
                "attributes": attrs, "confirmed": confirmed,
                "code": self.default_confirmation_code}
        with self._lock:
            self.users[username] = user
        return user

    def confirmation_code(self, username) -> str:
        with self._lock:
            u = self.users.get(username)
            return u["code"] if u else self.default_confirmation_code

    def force_error(self, operation, type_name, status=400, message="Forced error", count=1):
        with self._lock:
            self._forced.append([operation, type_name, status, message, int(count)])

    def force_challenge(self, username, name="NEW_PASSWORD_REQUIRED", count=1):
        """The next `count` successful password logins of username answer a challenge."""
        with self._lock:
            self._challenges[username] = [name, int(count)]

    # -- HTTP ------------------------------------------------------------
    def _type(self, name):
        if self.prefix_types and "#" not in name:
            return "com.amazonaws.cognito#" + name
        return name

    def _err(self, type_name, message, status=400):
        return status, {"__type": self._type(type_name), "message": message}, \
            {"x-amzn-RequestId": str(uuid.uuid4()), "x-amzn-ErrorType": type_name + ":"}

    def _ok(self, obj):
        return 200, obj, {"x-amzn-RequestId": str(uuid.uuid4())}

    def _error500(self):
        return {"__type": self._type("InternalErrorException"),
                "message": "An internal error occurred."}

    def _on_request(self, rec):
        if rec.path == self.jwks_path:
            with self._lock:
                self.jwks_fetches += 1

    def _dispatch(self, rec):
        if rec.path == self.jwks_path:
            if rec.method != "GET":
                return 405, {"message": "Method Not Allowed"}, {"Content-Type": "application/json"}
            hdrs = {"Content-Type": "application/json"}
            if self.max_age is not None:
                hdrs["Cache-Control"] = f"public, max-age={int(self.max_age)}"
            return 200, self.jwks(), hdrs
        if rec.path == f"/{self.pool_id}/.well-known/openid-configuration" and rec.method == "GET":
            return 200, {"issuer": self.issuer, "jwks_uri": self.issuer + "/.well-known/jwks.json",
                         "id_token_signing_alg_values_supported": ["RS256"]}, \
                {"Content-Type": "application/json"}
        if rec.path != "/":
            return 404, {"message": "Not Found"}, {"Content-Type": "application/json"}
        if rec.method != "POST":
            return self._err("UnknownOperationException", "Only POST is supported", 405)
        ctype = (rec.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/x-amz-json-1.1":
            return self._err("SerializationException",
                             "Content-Type must be application/x-amz-json-1.1")
        target = rec.headers.get("X-Amz-Target") or ""
        if not target.startswith(self.TARGET_PREFIX):
            return self._err("UnknownOperationException",
                             "Missing or invalid X-Amz-Target header")
        op = target[len(self.TARGET_PREFIX):]
        if op not in self.OPERATIONS:
            return self._err("UnknownOperationException", f"Operation {op} is not supported")
        with self._lock:
            self.calls.append(op)
            for f in self._forced:
                if f[0] == op and f[4] > 0:
                    f[4] -= 1
                    self._forced = [x for x in self._forced if x[4] > 0]
                    return self._err(f[1], f[3], f[2])
        try:
            body = json.loads(rec.body or b"null")
        except ValueError:
            return self._err("SerializationException", "Malformed JSON body")
        if not isinstance(body, dict):
            return self._err("SerializationException", "Body must be a JSON object")
        return getattr(self, "_op_" + op)(body)

    def _check_client(self, body):
        cid = body.get("ClientId")
        if not cid:
            return self._err("InvalidParameterException", "Missing required parameter ClientId")
        if cid != self.client_id:
            return self._err("ResourceNotFoundException", f"User pool client {cid} does not exist.")
        return None

    def _check_secret(self, supplied, names):
        if self.client_secret is None:
            if supplied is not None:
                return self._err("NotAuthorizedException",
                                 f"Client {self.client_id} is configured without secret.")
            return None
        if supplied is None:
            return self._err("NotAuthorizedException",
                             f"Client {self.client_id} is configured for secret but secret was not received")
        for n in names:
            if n is not None and isinstance(supplied, str) and \
                    hmac.compare_digest(supplied.encode(), self.secret_hash(n).encode()):
                return None
        return self._err("NotAuthorizedException",
                         f"Unable to verify secret hash for client {self.client_id}")

    @staticmethod
    def _password_ok(pw):
        return isinstance(pw, str) and len(pw) >= 8 and any(ch.isdigit() for ch in pw)

    def _op_SignUp(self, body):
        err = self._check_client(body)
        if err:
            return err
        username, password = body.get("Username"), body.get("Password")
        if not username or not isinstance(username, str):
            return self._err("InvalidParameterException", "Missing required parameter Username")
        if password is None:
            return self._err("InvalidParameterException", "Missing required parameter Password")
        err = self._check_secret(body.get("SecretHash"), [username])
        if err:
            return err
        attrs = {}
        for a in body.get("UserAttributes") or []:
            if not isinstance(a, dict) or "Name" not in a or "Value" not in a:
                return self._err("InvalidParameterException", "Invalid UserAttributes")
            attrs[a["Name"]] = a["Value"]
        with self._lock:
            if username in self.users:
                return self._err("UsernameExistsException", "User already exists")
            if not self._password_ok(password):
                if not isinstance(password, str) or len(password) < 8:
                    msg = "Password did not conform with policy: Password not long enough"
                else:
                    msg = "Password did not conform with policy: Password must have numeric characters"
                return self._err("InvalidPasswordException", msg)
            user = self.add_user(username, password, confirmed=self.auto_confirm, **attrs)
        resp = {"UserConfirmed": user["confirmed"], "UserSub": user["sub"]}
        email = attrs.get("email")
        if email and not user["confirmed"]:
            local, _, domain = email.partition("@")
            resp["CodeDeliveryDetails"] = {"AttributeName": "email", "DeliveryMedium": "EMAIL",
                                           "Destination": f"{local[:1]}***@{domain[:1]}***"}
        return self._ok(resp)

    def _op_ConfirmSignUp(self, body):
        err = self._check_client(body)
        if err:
            return err
        username, code = body.get("Username"), body.get("ConfirmationCode")
        if not username or code is None:
            return self._err("InvalidParameterException",
                             "Missing required parameter Username or ConfirmationCode")
        err = self._check_secret(body.get("SecretHash"), [username])
        if err:
            return err
        with self._lock:
            user = self.users.get(username)
            if user is None:
                return self._err("UserNotFoundException", "Username/client id combination not found.")
            if user["confirmed"]:
                return self._err("NotAuthorizedException",
                                 "User cannot be confirmed. Current status is CONFIRMED")
            if code != user["code"]:
                return self._err("CodeMismatchException",
                                 "Invalid verification code provided, please try again.")
            user["confirmed"] = True
        return self._ok({})

    def _issue(self, user, origin_jti, auth_time, with_refresh):
        result = {"AccessToken": make_jwt(self.token_claims("access", user, origin_jti, auth_time), key=self.key),
                  "ExpiresIn": self.token_ttl,
                  "IdToken": make_jwt(self.token_claims("id", user, origin_jti, auth_time), key=self.key),
                  "TokenType": "Bearer"}
        if with_refresh:
            rt = "fake-cognito-refresh." + secrets.token_urlsafe(48)
            with self._lock:
                self._refresh[rt] = origin_jti
            result["RefreshToken"] = rt
        return self._ok({"AuthenticationResult": result, "ChallengeParameters": {}})

    def _op_InitiateAuth(self, body):
        err = self._check_client(body)
        if err:
            return err
        flow = body.get("AuthFlow")
        params = body.get("AuthParameters") or {}
        if not isinstance(params, dict):
            return self._err("InvalidParameterException", "AuthParameters must be a map")
        if flow == "USER_PASSWORD_AUTH":
            username, password = params.get("USERNAME"), params.get("PASSWORD")
            if not username or password is None:
                return self._err("InvalidParameterException", "Missing required parameter USERNAME or PASSWORD")
            err = self._check_secret(params.get("SECRET_HASH"), [username])
            if err:
                return err
            with self._lock:
                user = self.users.get(username)
                if user is None or not hmac.compare_digest(str(password).encode(), user["password"].encode()):
                    return self._err("NotAuthorizedException", "Incorrect username or password.")
                if not user["confirmed"]:
                    return self._err("UserNotConfirmedException", "User is not confirmed.")
                ch = self._challenges.get(username)
                if ch and ch[1] > 0:
                    ch[1] -= 1
                    return self._ok({"ChallengeName": ch[0], "Session": secrets.token_urlsafe(48),
                                     "ChallengeParameters": {"USER_ID_FOR_SRP": username,
                                                             "requiredAttributes": "[]",
                                                             "userAttributes": "{}"}})
                origin = str(uuid.uuid4())
                self._sessions[origin] = {"username": username, "revoked": False, "auth_time": _now()}
            return self._issue(user, origin, self._sessions[origin]["auth_time"], True)
        if flow == "REFRESH_TOKEN_AUTH" or flow == "REFRESH_TOKEN":
            rt = params.get("REFRESH_TOKEN")
            if not rt:
                return self._err("InvalidParameterException", "Missing required parameter REFRESH_TOKEN")
            with self._lock:
                origin = self._refresh.get(rt)
                session = self._sessions.get(origin) if origin else None
                user = self.users.get(session["username"]) if session else None
            names = [params.get("USERNAME")]
            if user is not None:
                names += [user["username"], user["sub"]]
            err = self._check_secret(params.get("SECRET_HASH"), names)
            if err:
                return err
            if user is None:
                return self._err("NotAuthorizedException", "Invalid Refresh Token")
            if session["revoked"]:
                return self._err("NotAuthorizedException", "Refresh Token has been revoked")
            return self._issue(user, origin, session["auth_time"], False)
        return self._err("InvalidParameterException", f"Initiate Auth method not supported: {flow}")

    def verify_access_token(self, token):
        """Returns (claims, None) or (None, error message) using the pool's keys."""
        try:
            claims = verify_jwt(token, self.jwks())
        except (ValueError, KeyError, TypeError):
            return None, "Invalid Access Token"
        if claims.get("iss") != self.issuer or claims.get("token_use") != "access":
            return None, "Invalid Access Token"
        if not isinstance(claims.get("exp"), (int, float)) or claims["exp"] <= time.time():
            return None, "Access Token has expired"
        with self._lock:
            s = self._sessions.get(claims.get("origin_jti"))
            if s is not None and s["revoked"]:
                return None, "Access Token has been revoked"
        return claims, None

    def _op_GetUser(self, body):
        """AWS's GetUser: the access token's user and its attributes, sub
        included; email_verified is the string "true" or "false"."""
        claims, err = self._access_claims(body)
        if err:
            return err
        with self._lock:
            user = self.users.get(claims.get("username"))
            if user is None or user["sub"] != claims.get("sub"):
                return self._err("UserNotFoundException", "User does not exist.")
            attrs = [{"Name": "sub", "Value": user["sub"]}]
            for name, value in user["attributes"].items():
                attrs.append({"Name": name, "Value": str(value)})
            if "email" in user["attributes"] and "email_verified" not in user["attributes"]:
                attrs.append({"Name": "email_verified",
                              "Value": "true" if user["confirmed"] else "false"})
        return self._ok({"Username": user["username"], "UserAttributes": attrs,
                         "MFAOptions": [], "UserMFASettingList": []})

    def _access_claims(self, body):
        """(claims, None) for the request's valid AccessToken, else (None, error)."""
        token = body.get("AccessToken")
        if not token or not isinstance(token, str):
            return None, self._err("InvalidParameterException",
                                   "Missing required parameter AccessToken")
        claims, msg = self.verify_access_token(token)
        if claims is None:
            return None, self._err("NotAuthorizedException", msg)
        return claims, None

    def _op_GlobalSignOut(self, body):
        claims, err = self._access_claims(body)
        if err:
            return err
        with self._lock:
            for s in self._sessions.values():
                if s["username"] == claims.get("username"):
                    s["revoked"] = True
            origin = claims.get("origin_jti")
            if origin and origin not in self._sessions:
                self._sessions[origin] = {"username": claims.get("username"), "revoked": True,
                                          "auth_time": claims.get("auth_time")}
        return self._ok({})


# --------------------------------------------------------------------------
# Toss login (spec section 1)
# --------------------------------------------------------------------------


def _pem_cert(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def _pem_key(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "gamehoney tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _make_ca(cn):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.utcnow()
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (x509.CertificateBuilder()
            .subject_name(_name(cn)).issuer_name(_name(cn))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=True, crl_sign=True,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(ski, critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert


def _make_leaf(ca_key, ca_cert, cn, server):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.utcnow()
    b = (x509.CertificateBuilder()
         .subject_name(_name(cn)).issuer_name(ca_cert.subject)
         .public_key(key.public_key())
         .serial_number(x509.random_serial_number())
         .not_valid_before(now - datetime.timedelta(days=1))
         .not_valid_after(now + datetime.timedelta(days=825))
         .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
         .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                      key_encipherment=False, data_encipherment=False,
                                      key_agreement=True, key_cert_sign=False, crl_sign=False,
                                      encipher_only=False, decipher_only=False), critical=True)
         .add_extension(x509.ExtendedKeyUsage(
             [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]),
             critical=False)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                        critical=False))
    if server:
        b = b.add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
    return key, b.sign(ca_key, hashes.SHA256())


class TossFake(_Fake):
    """Apps-in-Toss login partner API over HTTPS with mutual TLS.

    Switches (constructor kwargs and attributes):
      expires_in_as_string  expiresIn "3599" instead of 3599
      fail_envelope         token errors as FAIL envelope (INVALID_GRANT), not bare {"error":...}
      fail_with_200         FAIL envelopes come with HTTP 200 instead of 4xx
      remove_by_user_key_requires_bearer
                            UNCONFIRMED in spec: remove-by-user-key also needs a valid
                            "Authorization: Bearer <AT>" of that user (default: not needed)
      rotate_refresh_token  refresh-token answers a new refresh token and revokes the old
      require_client_cert   ssl.CERT_REQUIRED (default) or CERT_OPTIONAL
      code_ttl, access_ttl, refresh_ttl   seconds (600, 3600, 14 days)
      scope_extra           an unknown scope appended to scope strings
    """

    service = "toss"
    scheme = "https"
    BASE = "/api-partner/v1/apps-in-toss/user/oauth2"
    SCOPES = ["user_name", "user_phone", "user_birthday", "user_ci", "user_gender",
              "user_nationality", "user_email"]
    PERSONAL = ("name", "phone", "birthday", "ci", "gender", "nationality", "email")

    def __init__(self, workdir, aes_key=None, aad=b"gamehoney-test-aad", *,
                 expires_in_as_string=False, fail_envelope=False, fail_with_200=False,
                 remove_by_user_key_requires_bearer=False, rotate_refresh_token=False,
                 require_client_cert=True, code_ttl=600, access_ttl=3600,
                 refresh_ttl=14 * 86400, scope_extra="user_future_unknown_scope"):
        super().__init__()
        if isinstance(aes_key, str):
            aes_key = base64.b64decode(aes_key)
        if aes_key is not None and len(aes_key) != 32:
            raise ValueError("aes_key must be 32 bytes (AES-256)")
        self.aes_key = aes_key
        self.aes_key_b64 = base64.b64encode(aes_key).decode() if aes_key else None
        self.aad = aad.encode() if isinstance(aad, str) else aad
        self.expires_in_as_string = expires_in_as_string
        self.fail_envelope = fail_envelope
        self.fail_with_200 = fail_with_200
        self.remove_by_user_key_requires_bearer = remove_by_user_key_requires_bearer
        self.rotate_refresh_token = rotate_refresh_token
        self.require_client_cert = require_client_cert
        self.code_ttl = code_ttl
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl
        self.scope_extra = scope_extra
        self.expires_in = 3599
        self._codes = {}
        self._access = {}             # token -> {"user_key", "exp"}
        self._refresh = {}            # token -> {"user_key", "exp"}
        self.profiles = {}            # userKey -> profile
        self._forced = []             # [path key, errorCode, status, reason, remaining]
        self._next_user_key = 443731103
        self.workdir = workdir
        self._write_certs(workdir)
        self._start()

    # -- certificates ------------------------------------------------------
    def _write_certs(self, workdir):
        os.makedirs(workdir, exist_ok=True)
        ca_key, ca = _make_ca("gamehoney test Toss CA")
        srv_key, srv = _make_leaf(ca_key, ca, "127.0.0.1", server=True)
        cli_key, cli = _make_leaf(ca_key, ca, "gamehoney-partner-client", server=False)
        oca_key, oca = _make_ca("gamehoney OTHER test CA")
        ocli_key, ocli = _make_leaf(oca_key, oca, "gamehoney-other-client", server=False)
        files = {
            "ca_file": ("toss-ca.pem", _pem_cert(ca)),
            "server_cert_file": ("toss-server.pem", _pem_cert(srv)),
            "server_key_file": ("toss-server.key", _pem_key(srv_key)),
            "client_cert_file": ("toss-client.pem", _pem_cert(cli)),
            "client_key_file": ("toss-client.key", _pem_key(cli_key)),
            "client_combined_file": ("toss-client-combined.pem", _pem_cert(cli) + _pem_key(cli_key)),
            "other_ca_file": ("toss-other-ca.pem", _pem_cert(oca)),
            "other_client_cert_file": ("toss-other-client.pem", _pem_cert(ocli)),
            "other_client_key_file": ("toss-other-client.key", _pem_key(ocli_key)),
        }
        for attr, (fname, data) in files.items():
            path = os.path.join(workdir, fname)
            with open(path, "wb") as f:
                f.write(data)
            os.chmod(path, 0o644)     # httpd children must be able to read them
            setattr(self, attr, path)

    def _ssl_context(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.server_cert_file, self.server_key_file)
        ctx.load_verify_locations(self.ca_file)
        ctx.verify_mode = ssl.CERT_REQUIRED if self.require_client_cert else ssl.CERT_OPTIONAL
        return ctx

    # -- AES-GCM -----------------------------------------------------------
    def encrypt_field(self, plaintext: str) -> str:
        """base64(IV(12) || ciphertext || tag(16)) with the fake's key and AAD.
        Without an aes_key the plaintext is returned unchanged."""
        if self.aes_key is None:
            return plaintext
        iv = os.urandom(12)
        return base64.b64encode(iv + AESGCM(self.aes_key).encrypt(
            iv, plaintext.encode("utf-8"), self.aad)).decode("ascii")

    def decrypt_field(self, value: str) -> str:
        if self.aes_key is None:
            return value
        raw = base64.b64decode(value)
        return AESGCM(self.aes_key).decrypt(raw[:12], raw[12:], self.aad).decode("utf-8")

    # -- scripting ---------------------------------------------------------
    def sample_profile(self, user_key=None, **overrides) -> dict:
        """A complete plaintext profile (keys of login-me; None means null)."""
        if user_key is None:
            with self._lock:
                user_key = self._next_user_key
                self._next_user_key += 1
        p = {"userKey": user_key, "name": "홍길동", "phone": "01012345678",
             "birthday": "19900101", "ci": "Q0ktdGVzdC0" + str(user_key) + "==",
             "gender": "MALE", "nationality": "LOCAL", "email": f"user{user_key}@example.com",
             "agreedTerms": ["terms_tag1", "terms_tag2"]}
        p.update(overrides)
        return p

    def register_code(self, code, profile=None, issued_at=None) -> dict:
        """One-time authorization code for a profile dict (login-me fields,
        plaintext; a missing field is sent as null; a missing userKey is
        allocated). issued_at (epoch seconds, default now) drives the
        10-minute validity. Returns the stored profile."""
        if profile is None:
            profile = self.sample_profile()
        profile = dict(profile)
        with self._lock:
            if profile.get("userKey") is None:
                profile["userKey"] = self._next_user_key
                self._next_user_key += 1
            self._codes[code] = {"profile": profile, "used": False,
                                 "issued_at": time.time() if issued_at is None else issued_at}
            self.profiles[profile["userKey"]] = profile
        return profile

    def issue_tokens(self, profile) -> dict:
        """Access/refresh tokens for a profile without going through a code."""
        with self._lock:
            self.profiles[profile["userKey"]] = profile
        return self._new_tokens(profile["userKey"])

    def expire_tokens(self, access=True, refresh=False):
        """Makes every current access (and/or refresh) token expired."""
        with self._lock:
            for store, on in ((self._access, access), (self._refresh, refresh)):
                if on:
                    for t in store.values():
                        t["exp"] = time.time() - 1

    def valid_access_tokens(self, user_key=None):
        now = time.time()
        with self._lock:
            return [t for t, v in self._access.items()
                    if v["exp"] > now and (user_key is None or v["user_key"] == user_key)]

    def force_error(self, path, error_code, status=400, reason="Forced error", count=1):
        """Next `count` calls to path (fail_next matching rules) answer the FAIL
        envelope with error_code (e.g. USER_KEY_NOT_FOUND,
        BAD_REQUEST_RETRIEVE_CERT_RESULT_EXCEEDED_LIMIT, INTERNAL_ERROR)."""
        with self._lock:
            self._forced.append([path, error_code, status, reason, int(count)])

    def _reset_extra(self):
        self._forced.clear()

    # -- HTTP ------------------------------------------------------------
    def _fail(self, code, reason, status, keep_status=False):
        if self.fail_with_200 and not keep_status:
            status = 200
        return status, {"resultType": "FAIL", "error": {"errorCode": code, "reason": reason}}, {}

    def _ok(self, payload):
        return 200, {"resultType": "SUCCESS", "success": payload}, {}

    def _error500(self):
        return {"resultType": "FAIL", "error": {"errorCode": "INTERNAL_ERROR",
                                                "reason": "internal server error"}}

    def _invalid_grant(self, reason):
        if self.fail_envelope:
            return self._fail("INVALID_GRANT", reason, 400)
        return 400, {"error": "invalid_grant"}, {}

    def _scope(self, sep):
        scopes = list(self.SCOPES)
        if self.scope_extra:
            scopes.append(self.scope_extra)
        return sep.join(scopes)

    def _new_tokens(self, user_key):
        at = "toss-at-" + secrets.token_urlsafe(32)
        rt = "toss-rt-" + secrets.token_urlsafe(32)
        now = time.time()
        with self._lock:
            self._access[at] = {"user_key": user_key, "exp": now + self.access_ttl}
            self._refresh[rt] = {"user_key": user_key, "exp": now + self.refresh_ttl}
        return {"accessToken": at, "refreshToken": rt, "scope": self._scope(" "),
                "tokenType": "Bearer",
                "expiresIn": str(self.expires_in) if self.expires_in_as_string else self.expires_in}

    def _bearer(self, rec):
        auth = rec.headers.get("Authorization") or ""
        if auth[:7].lower() != "bearer ":
            return None
        token = auth[7:].strip()
        with self._lock:
            v = self._access.get(token)
            if v is None or v["exp"] <= time.time():
                return None
            return token, v["user_key"]

    def _json_body(self, rec):
        ctype = (rec.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            return None, self._fail("BAD_REQUEST", "Content-Type must be application/json", 400)
        try:
            body = json.loads(rec.body)
        except ValueError:
            return None, self._fail("BAD_REQUEST", "malformed JSON body", 400)
        if not isinstance(body, dict):
            return None, self._fail("BAD_REQUEST", "body must be a JSON object", 400)
        return body, None

    def _dispatch(self, rec):
        if not rec.path.startswith(self.BASE + "/"):
            return self._fail("NOT_FOUND", "no such API", 404, keep_status=True)
        op = rec.path[len(self.BASE) + 1:]
        routes = {"generate-token": ("POST", self._generate_token),
                  "refresh-token": ("POST", self._refresh_token),
                  "login-me": ("GET", self._login_me),
                  "access/remove-by-user-key": ("POST", self._remove_by_user_key),
                  "access/remove-by-access-token": ("POST", self._remove_by_access_token)}
        if op not in routes:
            return self._fail("NOT_FOUND", "no such API", 404, keep_status=True)
        method, fn = routes[op]
        if rec.method != method:
            return self._fail("METHOD_NOT_ALLOWED", f"{rec.method} not allowed", 405, keep_status=True)
        with self._lock:
            for f in self._forced:
                if f[4] > 0 and self._path_matches(f[0], rec.path):
                    f[4] -= 1
                    self._forced = [x for x in self._forced if x[4] > 0]
                    return self._fail(f[1], f[3], f[2])
        return fn(rec)

    def _generate_token(self, rec):
        body, err = self._json_body(rec)
        if err:
            return err
        code, referrer = body.get("authorizationCode"), body.get("referrer")
        if not isinstance(code, str) or not code:
            return self._fail("BAD_REQUEST", "authorizationCode is required", 400)
        if not isinstance(referrer, str) or referrer.upper() not in ("DEFAULT", "SANDBOX"):
            return self._fail("BAD_REQUEST", "referrer must be DEFAULT or SANDBOX", 400)
        with self._lock:
            entry = self._codes.get(code)
            if entry is None:
                return self._invalid_grant("unknown authorization code")
            if entry["used"]:
                return self._invalid_grant("authorization code already used")
            if time.time() - entry["issued_at"] > self.code_ttl:
                return self._invalid_grant("authorization code expired")
            entry["used"] = True
            user_key = entry["profile"]["userKey"]
        return self._ok(self._new_tokens(user_key))

    def _refresh_token(self, rec):
        body, err = self._json_body(rec)
        if err:
            return err
        rt = body.get("refreshToken")
        if not isinstance(rt, str) or not rt:
            return self._fail("BAD_REQUEST", "refreshToken is required", 400)
        with self._lock:
            v = self._refresh.get(rt)
            if v is None or v["exp"] <= time.time():
                return self._invalid_grant("invalid refresh token")
            tokens = self._new_tokens(v["user_key"])
            if self.rotate_refresh_token:
                del self._refresh[rt]
            else:
                del self._refresh[tokens["refreshToken"]]
                tokens["refreshToken"] = rt
        return self._ok(tokens)

    def _login_me(self, rec):
        who = self._bearer(rec)
        if who is None:
            return self._fail("USER_NOT_FOUND", "invalid or expired access token", 401)
        with self._lock:
            profile = dict(self.profiles.get(who[1]) or {"userKey": who[1]})
        out = {"userKey": profile["userKey"],
               "scope": profile.get("scope") or self._scope(","),
               "agreedTerms": profile.get("agreedTerms", ["terms_tag1", "terms_tag2"])}
        for f in self.PERSONAL:
            v = profile.get(f)
            out[f] = None if v is None else self.encrypt_field(str(v))
        return self._ok(out)

    def _remove_by_user_key(self, rec):
        body, err = self._json_body(rec)
        if err:
            return err
        user_key = body.get("userKey")
        if not isinstance(user_key, int) or isinstance(user_key, bool):
            return self._fail("BAD_REQUEST", "userKey must be a number", 400)
        if self.remove_by_user_key_requires_bearer:
            who = self._bearer(rec)
            if who is None or who[1] != user_key:
                return self._fail("USER_NOT_FOUND", "invalid or expired access token", 401)
        self._revoke_user(user_key)
        return self._ok({"userKey": user_key})

    def _remove_by_access_token(self, rec):
        who = self._bearer(rec)
        if who is None:
            return self._fail("USER_NOT_FOUND", "invalid or expired access token", 401)
        self._revoke_user(who[1])
        return self._ok({"userKey": who[1]})

    def _revoke_user(self, user_key):
        with self._lock:
            for store in (self._access, self._refresh):
                for t in [t for t, v in store.items() if v["user_key"] == user_key]:
                    del store[t]
