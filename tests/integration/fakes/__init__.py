"""Local fakes of the outside services mod_gamehoney talks to, one module
per service. Wire formats follow /work/shared/specs/external-apis.md:
  section 1 (Toss login)    -> toss_login.TossFake             (HTTPS, mutual TLS)
  section 2 (Toss Payments) -> toss_payments.TossPaymentsFake  (HTTP)
  section 3 (Payaction)     -> payaction.PayactionFake         (HTTP)
  section 5 (AWS Cognito)   -> cognito.CognitoFake             (HTTP)
  section 6 (Google)        -> google.GoogleFake               (HTTP)
base.py holds what every fake shares (.url, .requests, .requests_to(path),
.errors, .fail_next(path, kind, count), .reset(), .stop()); jose.py the JWT
and key helpers. conftest.py starts one of each per session; its `providers`
fixture points every server at them. scripts/sandbox (`make run`) serves
them as stand-ins.

The names below are re-exported, so `import fakes` and `fakes.GoogleFake`
keep working.
"""
from .base import FAULT_KINDS, KST, Recorded, _Fake, _is_int, _json_object, kst_iso
from .cognito import CognitoFake, cognito_secret_hash
from .google import GoogleFake
from .jose import (RsaKey, _json_compact, b64url, b64url_decode, decode_jwt, jwk_public_key,
                   make_jwt, verify_jwt)
from .payaction import PayactionFake
from .toss_login import TossFake
from .toss_payments import TossPaymentsFake

__all__ = ["FAULT_KINDS", "KST", "CognitoFake", "GoogleFake", "PayactionFake", "Recorded",
           "RsaKey", "TossFake", "TossPaymentsFake", "b64url", "b64url_decode",
           "cognito_secret_hash", "decode_jwt", "jwk_public_key", "kst_iso", "make_jwt",
           "verify_jwt", "_Fake", "_is_int", "_json_compact", "_json_object"]
