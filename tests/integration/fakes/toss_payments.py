"""Fake of the Toss Payments core API
(/work/shared/specs/external-apis.md, section 2). reset() forgets requests
and scripted answers, not payments. The fake holds its lock for the whole
of a request's work, so concurrent requests see a consistent state and an
Idempotency-Key's work is done once.

- `.secret_key` (`test_sk_...`), `.client_key` (`test_ck_...`); every call must
  send `Authorization: Basic base64(secret_key + ":")`, else 401
  `{"code":"UNAUTHORIZED_KEY","message":...}`.
- `.authorize(order_id, amount, order_name="...", method="카드")` → a new paymentKey
  for a payment the buyer has authenticated (status IN_PROGRESS), as the payment
  window does. With `method=.VIRTUAL_ACCOUNT` ("가상계좌") confirm issues an account:
  status WAITING_FOR_DEPOSIT, `approvedAt` null, `virtualAccount{accountType,
  accountNumber, bankCode, customerName, dueDate (+09:00), refundStatus, expired,
  settlementStatus, refundReceiveAccount}`.
- `.deposit(paymentKey)`: the buyer pays it (WAITING_FOR_DEPOSIT → DONE with
  approvedAt), returns the PAYMENT_STATUS_CHANGED body; `.expire(paymentKey)`: the
  due date passes (→ EXPIRED, `virtualAccount.expired` true), returns that body;
  `.deposit_callback_body(paymentKey)` → the DEPOSIT_CALLBACK body
  `{"createdAt","secret","status","transactionKey","orderId"}`.
- `.refunded(paymentKey)`: the money given back (its cancels' amounts; 0 for a
  payment never paid, such as a virtual account closed unpaid).
- `POST /v1/payments/confirm`: unknown paymentKey → 404 NOT_FOUND_PAYMENT; orderId
  or amount not the authorized ones → 400 INVALID_REQUEST; already DONE → 400
  ALREADY_PROCESSED_PAYMENT; else DONE with approvedAt and the Payment object.
- `POST /v1/payments/{paymentKey}/cancel {"cancelReason", "cancelAmount"?}`:
  missing reason → 400 INVALID_REQUEST; WAITING_FOR_DEPOSIT → closed whole
  (CANCELED; a partial amount → 400 NOT_CANCELABLE_AMOUNT), no money moves;
  not DONE/PARTIAL_CANCELED → 400
  NOT_CANCELABLE_PAYMENT (ALREADY_CANCELED_PAYMENT when fully cancelled); amount >
  balanceAmount → 400 NOT_CANCELABLE_AMOUNT; else appends to `cancels`
  (`cancelAmount, cancelReason, canceledAt, transactionKey`), lowers balanceAmount,
  status PARTIAL_CANCELED or CANCELED.
- `GET /v1/payments/{paymentKey}`, `GET /v1/payments/orders/{orderId}` → the Payment
  or 404 NOT_FOUND_PAYMENT.
- `Idempotency-Key` on POSTs: a repeat (same secret key, path, method and key)
  replays the first status and body without doing anything; a key over 300
  characters → 400 INVALID_REQUEST. `.idempotent_replays` counts replays.
- `.script(path_suffix, status, code, message, count=1)`: the next `count` matching
  requests get that Toss error (e.g. `("confirm", 400, "REJECT_CARD_COMPANY", ...)`
  or `("confirm", 400, "PROVIDER_ERROR", ...)`).
- `.payments` (paymentKey → Payment dict), `.cancel_externally(paymentKey, amount=None)`,
  `.set_status(paymentKey, status)`, `.payment_by_order(order_id)`,
  `.payment_by_key(paymentKey)`.
- `.webhook_body(paymentKey)` → the PAYMENT_STATUS_CHANGED body for that payment.
- The Payment object carries every field of spec §2 (`paymentKey`, `orderId`,
  `orderName`, `status`, `method` "카드", `totalAmount`, `balanceAmount`,
  `currency` "KRW", `requestedAt`, `approvedAt` (+09:00), `type` "NORMAL",
  `receipt{url}`, `cancels`, `failure`, `secret`, `version` "2022-11-16"), and
  `virtualAccount` (null but for virtual accounts).
"""
import base64
import copy
import datetime
import secrets
import string
import time
import uuid
from urllib.parse import unquote

from .base import KST, _Fake, _is_int, _json_object, kst_iso
from .jose import _json_compact

_ALNUM = string.ascii_letters + string.digits


class TossPaymentsFake(_Fake):
    """Toss Payments core API: confirm, cancel, and the two payment lookups.

    Idempotency-Key (POSTs): the first answer of real processing, errors
    included, is kept per (secret key, method, path, key) and replayed.
    Scripted answers (script()) and fail_next() faults are not kept, as a
    retry after a transient provider error must reach the real work.
    """

    service = "toss_payments"
    STATUSES = ("READY", "IN_PROGRESS", "WAITING_FOR_DEPOSIT", "DONE", "CANCELED",
                "PARTIAL_CANCELED", "ABORTED", "EXPIRED")
    MAX_IDEMPOTENCY_KEY = 300

    def __init__(self, secret_key=None, client_key=None):
        super().__init__()
        self.secret_key = secret_key or "test_sk_" + secrets.token_hex(12)
        self.client_key = client_key or "test_ck_" + secrets.token_hex(12)
        self.payments = {}            # paymentKey -> Payment dict (wire form)
        self.idempotent_replays = 0
        self._idem = {}               # (secret, method, path, key) -> (status, body bytes)
        self._scripted = []           # [path suffix, status, code, message, remaining]
        self._start()

    @property
    def auth_header(self):
        return "Basic " + base64.b64encode((self.secret_key + ":").encode()).decode()

    VIRTUAL_ACCOUNT = "가상계좌"

    # -- scripting ---------------------------------------------------------
    def authorize(self, order_id, amount, order_name="게임 포인트 충전", method="카드") -> str:
        """A payment the buyer has just authenticated in the payment window
        (IN_PROGRESS, waiting for confirm). Returns its paymentKey. With
        method VIRTUAL_ACCOUNT, confirm issues an account and answers
        WAITING_FOR_DEPOSIT; deposit() then pays it."""
        now = time.time()
        key = ("tgen_" + time.strftime("%Y%m%d%H%M%S", time.localtime(now))
               + "".join(secrets.choice(_ALNUM) for _ in range(8)))
        pay = {"mId": "tgamehoney", "version": "2022-11-16", "paymentKey": key,
               "type": "NORMAL", "orderId": order_id, "orderName": order_name,
               "status": "IN_PROGRESS", "method": method, "currency": "KRW",
               "totalAmount": amount, "balanceAmount": amount,
               "requestedAt": kst_iso(now), "approvedAt": None,
               "lastTransactionKey": None,
               "receipt": {"url": f"{self.url}/receipt/{key}"}, "virtualAccount": None,
               "cancels": None, "failure": None, "secret": "ps_" + secrets.token_hex(10)}
        with self._lock:
            self.payments[key] = pay
        return key

    def script(self, path_suffix, status, code, message, count=1):
        """Next `count` requests whose path matches (fail_next rules) get the
        Toss error {"code","message"} with that HTTP status."""
        with self._lock:
            self._scripted.append([path_suffix, status, code, message, int(count)])

    def payment_by_order(self, order_id):
        """The Payment for an orderId (a confirmed one first, else the latest), or None."""
        with self._lock:
            pays = [p for p in self.payments.values() if p["orderId"] == order_id]
            done = [p for p in pays if p["approvedAt"]]
            pick = (done or pays or [None])[-1]
            return copy.deepcopy(pick)

    def payment_by_key(self, payment_key):
        """A copy of the Payment, or None."""
        with self._lock:
            return copy.deepcopy(self.payments.get(payment_key))

    def set_status(self, payment_key, status):
        """Forces a status (e.g. ABORTED, EXPIRED, DONE) as if Toss changed it."""
        if status not in self.STATUSES:
            raise ValueError(f"status must be one of {self.STATUSES}")
        with self._lock:
            pay = self.payments[payment_key]
            pay["status"] = status
            if status == "DONE" and not pay["approvedAt"]:
                pay["approvedAt"] = kst_iso()
                pay["lastTransactionKey"] = uuid.uuid4().hex.upper()
            return copy.deepcopy(pay)

    def deposit(self, payment_key):
        """The buyer pays into the virtual account: WAITING_FOR_DEPOSIT -> DONE.
        Returns the PAYMENT_STATUS_CHANGED body Toss then sends."""
        with self._lock:
            pay = self.payments[payment_key]
            if pay["status"] != "WAITING_FOR_DEPOSIT":
                raise ValueError(f"payment is {pay['status']}, not WAITING_FOR_DEPOSIT")
            pay.update(status="DONE", approvedAt=kst_iso(),
                       lastTransactionKey=uuid.uuid4().hex.upper())
        return self.webhook_body(payment_key)

    def expire(self, payment_key):
        """The virtual account's due date passes unpaid: -> EXPIRED."""
        with self._lock:
            pay = self.payments[payment_key]
            if pay["status"] != "WAITING_FOR_DEPOSIT":
                raise ValueError(f"payment is {pay['status']}, not WAITING_FOR_DEPOSIT")
            pay["status"] = "EXPIRED"
            pay["virtualAccount"]["expired"] = True
        return self.webhook_body(payment_key)

    def deposit_callback_body(self, payment_key):
        """The DEPOSIT_CALLBACK body Toss sends for a virtual account's status:
        no eventType, the Payment's secret, and the orderId."""
        with self._lock:
            pay = self.payments[payment_key]
            return {"createdAt": kst_iso(), "secret": pay["secret"], "status": pay["status"],
                    "transactionKey": pay["lastTransactionKey"], "orderId": pay["orderId"]}

    def refunded(self, payment_key):
        """The money Toss has given back for a payment: its cancels, when it
        was ever paid (a virtual account cancelled unpaid refunds nothing)."""
        with self._lock:
            pay = self.payments[payment_key]
            if not pay["approvedAt"]:
                return 0
            return sum(c["cancelAmount"] for c in pay["cancels"] or [])

    def cancel_externally(self, payment_key, amount=None, reason="고객 요청"):
        """A cancel made outside the module (Toss dashboard). Returns the Payment;
        ValueError with Toss's code when Toss would refuse it."""
        with self._lock:
            status, body = self._cancel_payment(self.payments[payment_key], amount, reason)
        if status != 200:
            raise ValueError(body["code"])
        return body

    def webhook_body(self, payment_key):
        """The PAYMENT_STATUS_CHANGED body Toss would POST for this payment."""
        with self._lock:
            data = copy.deepcopy(self.payments[payment_key])
        return {"eventType": "PAYMENT_STATUS_CHANGED", "createdAt": kst_iso(), "data": data}

    def _reset_extra(self):
        self._scripted.clear()
        self.idempotent_replays = 0

    # -- HTTP ------------------------------------------------------------
    @staticmethod
    def _err(status, code, message):
        return status, {"code": code, "message": message}, {}

    def _error500(self):
        return {"code": "FAILED_INTERNAL_SYSTEM_PROCESSING",
                "message": "내부 시스템 처리 작업이 실패했습니다. 잠시 후 다시 시도해주세요."}

    def _dispatch(self, rec):
        if (rec.headers.get("Authorization") or "") != self.auth_header:
            return self._err(401, "UNAUTHORIZED_KEY", "인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다.")
        idem = rec.headers.get("Idempotency-Key") if rec.method == "POST" else None
        if idem is not None and len(idem) > self.MAX_IDEMPOTENCY_KEY:
            return self._err(400, "INVALID_REQUEST", "멱등키는 300자 이하여야 합니다.")
        slot = (self.secret_key, rec.method, rec.path, idem)
        with self._lock:
            if idem and slot in self._idem:
                self.idempotent_replays += 1
                status, body = self._idem[slot]
                return status, body, {}
            for s in self._scripted:
                if s[4] > 0 and self._path_matches(s[0], rec.path):
                    s[4] -= 1
                    self._scripted = [x for x in self._scripted if x[4] > 0]
                    return self._err(s[1], s[2], s[3])
            status, body, _ = self._route(rec)
            # Serialized under the lock: the live Payment may change right after.
            body = _json_compact(body)
            if idem:
                self._idem[slot] = (status, body)
            return status, body, {}

    def _route(self, rec):
        parts = [unquote(p) for p in rec.path.split("/")]
        if len(parts) >= 4 and parts[:3] == ["", "v1", "payments"]:
            if rec.method == "POST" and parts[3:] == ["confirm"]:
                return self._confirm(rec)
            if rec.method == "POST" and len(parts) == 5 and parts[4] == "cancel":
                return self._cancel(rec, parts[3])
            if rec.method == "GET" and len(parts) == 4:
                return self._found(self.payments.get(parts[3]))
            if rec.method == "GET" and len(parts) == 5 and parts[3] == "orders":
                return self._found(self.payment_by_order(parts[4]))
        return self._err(404, "NOT_FOUND", "요청한 API를 찾을 수 없습니다.")

    def _found(self, pay):
        if pay is None:
            return self._err(404, "NOT_FOUND_PAYMENT", "존재하지 않는 결제 정보 입니다.")
        return 200, copy.deepcopy(pay), {}

    def _confirm(self, rec):
        body = _json_object(rec)
        if body is None or not isinstance(body.get("paymentKey"), str) \
                or not isinstance(body.get("orderId"), str) or not _is_int(body.get("amount")):
            return self._err(400, "INVALID_REQUEST", "잘못된 요청입니다.")
        pay = self.payments.get(body["paymentKey"])
        if pay is None:
            return self._found(None)
        if body["orderId"] != pay["orderId"] or body["amount"] != pay["totalAmount"]:
            return self._err(400, "INVALID_REQUEST", "결제 금액 또는 주문번호가 일치하지 않습니다.")
        if pay["status"] in ("READY", "ABORTED", "EXPIRED"):
            return self._err(404, "NOT_FOUND_PAYMENT_SESSION",
                             "결제 시간이 만료되어 결제 진행 데이터가 존재하지 않습니다.")
        if pay["status"] != "IN_PROGRESS":
            return self._err(400, "ALREADY_PROCESSED_PAYMENT", "이미 처리된 결제 입니다.")
        if pay["method"] == self.VIRTUAL_ACCOUNT:
            due = datetime.datetime.now(KST) + datetime.timedelta(days=7)
            pay.update(status="WAITING_FOR_DEPOSIT", lastTransactionKey=uuid.uuid4().hex.upper(),
                       virtualAccount={
                           "accountType": "일반", "accountNumber": "X" + secrets.token_hex(6),
                           "bankCode": "88", "customerName": "홍길동",
                           "dueDate": due.isoformat(timespec="seconds"),
                           "refundStatus": "NONE", "expired": False,
                           "settlementStatus": "INCOMPLETED", "refundReceiveAccount": None})
            return 200, copy.deepcopy(pay), {}
        pay.update(status="DONE", approvedAt=kst_iso(),
                   lastTransactionKey=uuid.uuid4().hex.upper())
        return 200, copy.deepcopy(pay), {}

    def _cancel(self, rec, payment_key):
        pay = self.payments.get(payment_key)
        if pay is None:
            return self._found(None)
        body = _json_object(rec)
        if body is None or not isinstance(body.get("cancelReason"), str) \
                or not body["cancelReason"].strip():
            return self._err(400, "INVALID_REQUEST", "취소 사유를 입력해주세요.")
        amount = body.get("cancelAmount")
        if amount is not None and (not _is_int(amount) or amount <= 0):
            return self._err(400, "INVALID_REQUEST", "잘못된 취소 금액입니다.")
        return self._cancel_payment(pay, amount, body["cancelReason"]) + ({},)

    def _cancel_payment(self, pay, amount, reason):
        """(status, body) of a cancel; mutates pay on success. Caller holds the lock."""
        if pay["status"] == "CANCELED":
            return 400, {"code": "ALREADY_CANCELED_PAYMENT", "message": "이미 취소된 결제 입니다."}
        if pay["status"] == "WAITING_FOR_DEPOSIT":
            # an unpaid virtual account is closed whole; no money moves
            if amount is not None and amount != pay["balanceAmount"]:
                return 400, {"code": "NOT_CANCELABLE_AMOUNT", "message": "취소 할 수 없는 금액 입니다."}
            amount = pay["balanceAmount"]
        elif pay["status"] not in ("DONE", "PARTIAL_CANCELED"):
            return 400, {"code": "NOT_CANCELABLE_PAYMENT", "message": "취소 할 수 없는 결제 입니다."}
        amount = pay["balanceAmount"] if amount is None else amount
        if amount > pay["balanceAmount"]:
            return 400, {"code": "NOT_CANCELABLE_AMOUNT", "message": "취소 할 수 없는 금액 입니다."}
        tkey = uuid.uuid4().hex.upper()
        pay["balanceAmount"] -= amount
        pay["cancels"] = (pay["cancels"] or []) + [{
            "transactionKey": tkey, "cancelReason": reason, "taxExemptionAmount": 0,
            "canceledAt": kst_iso(), "cancelAmount": amount,
            "refundableAmount": pay["balanceAmount"], "cancelStatus": "DONE"}]
        pay["status"] = "CANCELED" if pay["balanceAmount"] == 0 else "PARTIAL_CANCELED"
        pay["lastTransactionKey"] = tkey
        return 200, copy.deepcopy(pay)
