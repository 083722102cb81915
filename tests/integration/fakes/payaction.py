"""Fake of the Payaction order API, and the match webhook it sends
(/work/shared/specs/external-apis.md, section 3). reset() forgets requests
and scripted answers, not orders. The fake holds its lock for the whole of a
request's work, so concurrent requests see a consistent state.

- `.api_key`, `.mall_id`, `.webhook_key`; calls need `x-api-key` and `x-mall-id`
  (else 401 `{"status":"error","response":{"message":...}}`).
- `POST /order`: every field of spec §3 must be present (else 400 error shape);
  a repeated order_number → 400 error shape; else 200
  `{"status":"success","response":{}}`; kept in `.orders[order_number]`.
- `POST /order-exclude {"order_number"}`: unknown → 400 error shape; else 200
  `{"status":"success","response":{}}`, `.orders[n]["excluded"] = True`.
- `.script(path_suffix, status, body, count=1)`: next matching requests get that
  answer (for `{"status":"error",...}` cases).
- `.webhook_headers(trace_id=None, key=None, mall_id=None)` → the three headers
  (a fresh trace id like `1747808169270x797731416156850300` when None);
  `.match_body(order_number, amount=None)` → `{"order_number","order_status":
  "매칭완료","processing_date":...}` plus `"amount": "1,000,000"`-style when given.
"""
import datetime
import secrets
import time

from .base import _Fake, _is_int, _json_object, kst_iso


class PayactionFake(_Fake):
    """Payaction order registration and exclusion, plus helpers to build the
    match webhook it sends us."""

    service = "payaction"
    ORDER_FIELDS = ("order_number", "order_amount", "order_date", "billing_name",
                    "orderer_name", "orderer_phone_number", "orderer_email",
                    "trade_usage", "identity_number")

    def __init__(self, api_key=None, mall_id=None, webhook_key=None):
        super().__init__()
        self.api_key = api_key or "pa-api-" + secrets.token_hex(12)
        self.mall_id = mall_id or str(1000000 + secrets.randbelow(9000000))
        self.webhook_key = webhook_key or "pa-wh-" + secrets.token_hex(12)
        self.orders = {}              # order_number -> the /order body + "excluded"
        self._scripted = []           # [path suffix, status, body, remaining]
        self._start()

    # -- scripting ---------------------------------------------------------
    def script(self, path_suffix, status, body, count=1):
        """Next `count` requests whose path matches (fail_next rules) get this
        status and body (dict, or str/bytes sent as is)."""
        with self._lock:
            self._scripted.append([path_suffix, status, body, int(count)])

    def webhook_headers(self, trace_id=None, key=None, mall_id=None) -> dict:
        """The headers of a match webhook; a fresh x-trace-id when None."""
        if trace_id is None:
            trace_id = f"{int(time.time() * 1000)}x{secrets.randbelow(10**18):018d}"
        return {"x-webhook-key": self.webhook_key if key is None else key,
                "x-mall-id": self.mall_id if mall_id is None else mall_id,
                "x-trace-id": trace_id}

    @staticmethod
    def match_body(order_number, amount=None) -> dict:
        """A 매칭완료 webhook body; an int amount is sent as "1,000,000"."""
        body = {"order_number": order_number, "order_status": "매칭완료",
                "processing_date": kst_iso()}
        if amount is not None:
            body["amount"] = f"{amount:,}" if _is_int(amount) else amount
        return body

    def _reset_extra(self):
        self._scripted.clear()

    # -- HTTP ------------------------------------------------------------
    @staticmethod
    def _err(status, message):
        return status, {"status": "error", "response": {"message": message}}, {}

    def _error500(self):
        return {"status": "error", "response": {"message": "Internal Server Error"}}

    def _dispatch(self, rec):
        if rec.headers.get("x-api-key") != self.api_key \
                or rec.headers.get("x-mall-id") != self.mall_id:
            return self._err(401, "인증에 실패했습니다. (x-api-key, x-mall-id)")
        with self._lock:
            for s in self._scripted:
                if s[3] > 0 and self._path_matches(s[0], rec.path):
                    s[3] -= 1
                    self._scripted = [x for x in self._scripted if x[3] > 0]
                    return s[1], s[2], {}
            if rec.method == "POST" and rec.path == "/order":
                return self._order(rec)
            if rec.method == "POST" and rec.path == "/order-exclude":
                return self._exclude(rec)
        return self._err(404, "Not Found")

    def _order(self, rec):
        body = _json_object(rec)
        if body is None:
            return self._err(400, "요청 본문이 JSON 객체가 아닙니다.")
        missing = [f for f in self.ORDER_FIELDS if f not in body]
        if missing:
            return self._err(400, "필수 항목이 없습니다: " + ", ".join(missing))
        if not isinstance(body["order_number"], str) or not body["order_number"] \
                or not _is_int(body["order_amount"]) or body["order_amount"] <= 0 \
                or not isinstance(body["billing_name"], str) or not body["billing_name"] \
                or not all(isinstance(body[f], str) for f in self.ORDER_FIELDS[2:]):
            return self._err(400, "잘못된 항목 값입니다.")
        try:
            if datetime.datetime.fromisoformat(body["order_date"]).tzinfo is None:
                raise ValueError
        except ValueError:
            return self._err(400, "order_date는 시간대가 있는 ISO 8601이어야 합니다.")
        if body["order_number"] in self.orders:
            return self._err(400, "이미 등록된 주문번호입니다.")
        self.orders[body["order_number"]] = dict(body, excluded=False)
        return 200, {"status": "success", "response": {}}, {}

    def _exclude(self, rec):
        body = _json_object(rec)
        number = body.get("order_number") if body else None
        if not isinstance(number, str) or number not in self.orders:
            return self._err(400, "존재하지 않는 주문번호입니다.")
        self.orders[number]["excluded"] = True
        return 200, {"status": "success", "response": {}}, {}
