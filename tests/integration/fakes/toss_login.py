"""Fake of the Apps-in-Toss login partner API over HTTPS with mutual TLS
(/work/shared/specs/external-apis.md, section 1), with its test CA."""
import base64
import datetime
import ipaddress
import json
import os
import secrets
import ssl
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .base import _Fake


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
