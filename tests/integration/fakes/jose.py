"""JOSE helpers of the identity fakes: base64url, RS256 keys, JWT making,
decoding and checking, and the rotating key set a provider fake publishes.

Only the standard library and python3-cryptography are used.
"""
import base64
import hashlib
import hmac
import json
import secrets
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


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
