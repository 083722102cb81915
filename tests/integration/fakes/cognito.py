"""Fake of the AWS Cognito user pool API and its JWKS
(/work/shared/specs/external-apis.md, section 5)."""
import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid

from .base import _Fake
from .jose import _claims_apply, _KeySet, _now, make_jwt, verify_jwt


def cognito_secret_hash(client_secret: str, username: str, client_id: str) -> str:
    """base64(HMAC-SHA256(client_secret, username + client_id)), padded."""
    mac = hmac.new(client_secret.encode("utf-8"), (username + client_id).encode("utf-8"),
                   hashlib.sha256).digest()
    return base64.b64encode(mac).decode("ascii")


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
