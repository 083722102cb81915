"""Self-tests of the payment fakes, fakes/toss_payments.py and fakes/payaction.py
(no httpd, no PostgreSQL)."""
import base64
import re
import threading
import uuid

import pytest
import requests

from fakes.payaction import PayactionFake
from fakes.toss_payments import TossPaymentsFake

KST_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$")
PAYMENT_FIELDS = {"paymentKey", "orderId", "orderName", "status", "method", "totalAmount",
                  "balanceAmount", "currency", "requestedAt", "approvedAt", "type", "receipt",
                  "cancels", "failure", "secret", "version", "virtualAccount"}


def call(method, url, **kw):
    """One request on its own session, ignoring proxies from the environment."""
    kw.setdefault("timeout", 5)
    with requests.Session() as s:
        s.trust_env = False
        return s.request(method, url, **kw)


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def tp_mod():
    f = TossPaymentsFake()
    yield f
    f.stop()


@pytest.fixture
def tp(tp_mod):
    tp_mod.reset()
    yield tp_mod
    assert tp_mod.errors == []


@pytest.fixture(scope="module")
def pa_mod():
    f = PayactionFake()
    yield f
    f.stop()


@pytest.fixture
def pa(pa_mod):
    pa_mod.reset()
    yield pa_mod
    assert pa_mod.errors == []


def toss(fake, method, path, body=None, key=None, auth=None, headers=None):
    h = {"Authorization": fake.auth_header if auth is None else auth}
    if key is not None:
        h["Idempotency-Key"] = key
    h.update(headers or {})
    return call(method, fake.url + path, json=body, headers={k: v for k, v in h.items() if v})


def new_order():
    return "order-" + uuid.uuid4().hex


def confirm(fake, pkey, order_id, amount, key=None):
    return toss(fake, "POST", "/v1/payments/confirm",
                {"paymentKey": pkey, "orderId": order_id, "amount": amount}, key=key)


def paid(fake, amount=10000):
    """A confirmed payment: (paymentKey, orderId)."""
    oid = new_order()
    pkey = fake.authorize(oid, amount)
    assert confirm(fake, pkey, oid, amount).status_code == 200
    return pkey, oid


def cancel(fake, pkey, reason="단순 변심", amount=None, key=None):
    body = {"cancelReason": reason} if reason is not None else {}
    if amount is not None:
        body["cancelAmount"] = amount
    return toss(fake, "POST", f"/v1/payments/{pkey}/cancel", body, key=key)


def toss_error(r, status, code):
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"code", "message"} and body["code"] == code and body["message"]
    return body


# ---------------------------------------------------------------- Toss Payments

def test_toss_keys_and_auth_header(tp):
    assert tp.secret_key.startswith("test_sk_") and tp.client_key.startswith("test_ck_")
    assert tp.auth_header == "Basic " + base64.b64encode(f"{tp.secret_key}:".encode()).decode()
    assert tp.url.startswith("http://127.0.0.1:")


def test_toss_confirm_happy_path(tp):
    oid = new_order()
    pkey = tp.authorize(oid, 15000, order_name="포인트 15000")
    assert tp.payments[pkey]["status"] == "IN_PROGRESS"
    r = confirm(tp, pkey, oid, 15000)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/json"
    p = r.json()
    assert PAYMENT_FIELDS <= set(p)
    assert (p["paymentKey"], p["orderId"], p["orderName"]) == (pkey, oid, "포인트 15000")
    assert (p["status"], p["method"], p["currency"], p["type"], p["version"]) == \
        ("DONE", "카드", "KRW", "NORMAL", "2022-11-16")
    assert p["totalAmount"] == p["balanceAmount"] == 15000
    assert KST_TIME.match(p["requestedAt"]) and KST_TIME.match(p["approvedAt"])
    assert p["receipt"]["url"] and p["cancels"] is None and p["failure"] is None and p["secret"]
    assert tp.payments[pkey]["status"] == "DONE"
    (rec,) = tp.requests_to("confirm")
    assert rec.method == "POST" and rec.json() == {"paymentKey": pkey, "orderId": oid, "amount": 15000}


def test_toss_confirm_already_processed(tp):
    pkey, oid = paid(tp, 5000)
    toss_error(confirm(tp, pkey, oid, 5000), 400, "ALREADY_PROCESSED_PAYMENT")
    tp.cancel_externally(pkey)
    toss_error(confirm(tp, pkey, oid, 5000), 400, "ALREADY_PROCESSED_PAYMENT")
    assert tp.payments[pkey]["status"] == "CANCELED"


def test_toss_confirm_refusals(tp):
    oid = new_order()
    pkey = tp.authorize(oid, 1000)
    toss_error(confirm(tp, pkey, oid, 999), 400, "INVALID_REQUEST")
    toss_error(confirm(tp, pkey, new_order(), 1000), 400, "INVALID_REQUEST")
    toss_error(confirm(tp, pkey, oid, "1000"), 400, "INVALID_REQUEST")
    toss_error(confirm(tp, "tgen_unknown", oid, 1000), 404, "NOT_FOUND_PAYMENT")
    r = call("POST", tp.url + "/v1/payments/confirm", data=b'{"paymentKey":',
             headers={"Authorization": tp.auth_header, "Content-Type": "application/json"})
    toss_error(r, 400, "INVALID_REQUEST")
    r = call("POST", tp.url + "/v1/payments/confirm", headers={"Authorization": tp.auth_header},
             data=f"paymentKey={pkey}&orderId={oid}&amount=1000")
    toss_error(r, 400, "INVALID_REQUEST")
    assert tp.payments[pkey]["status"] == "IN_PROGRESS" and tp.payments[pkey]["approvedAt"] is None
    tp.set_status(pkey, "EXPIRED")
    toss_error(confirm(tp, pkey, oid, 1000), 404, "NOT_FOUND_PAYMENT_SESSION")
    assert tp.payments[pkey]["status"] == "EXPIRED"


@pytest.mark.parametrize("auth", [
    "", "Basic " + base64.b64encode(b"test_sk_wrong:").decode(), "no-colon", "Bearer"])
def test_toss_bad_auth(tp, auth):
    oid = new_order()
    pkey = tp.authorize(oid, 1000)
    if auth == "no-colon":
        auth = "Basic " + base64.b64encode(tp.secret_key.encode()).decode()
    elif auth == "Bearer":
        auth = "Bearer " + tp.secret_key
    r = toss(tp, "POST", "/v1/payments/confirm",
             {"paymentKey": pkey, "orderId": oid, "amount": 1000}, auth=auth or "")
    toss_error(r, 401, "UNAUTHORIZED_KEY")
    toss_error(toss(tp, "GET", f"/v1/payments/{pkey}", auth=auth or ""), 401, "UNAUTHORIZED_KEY")
    assert tp.payments[pkey]["status"] == "IN_PROGRESS"


def test_toss_idempotency_replay(tp):
    oid = new_order()
    pkey = tp.authorize(oid, 3000)
    key = str(uuid.uuid4())
    first = confirm(tp, pkey, oid, 3000, key=key)
    assert first.status_code == 200 and first.json()["status"] == "DONE"
    again = confirm(tp, pkey, oid, 3000, key=key)
    assert again.status_code == 200 and again.content == first.content
    assert tp.idempotent_replays == 1
    # another key does the work again; the same key on another path is another slot
    toss_error(confirm(tp, pkey, oid, 3000, key=str(uuid.uuid4())), 400, "ALREADY_PROCESSED_PAYMENT")
    r = cancel(tp, pkey, amount=1000, key=key)
    assert r.status_code == 200 and r.json()["balanceAmount"] == 2000
    assert cancel(tp, pkey, amount=1000, key=key).content == r.content
    assert tp.payments[pkey]["balanceAmount"] == 2000 and len(tp.payments[pkey]["cancels"]) == 1
    assert tp.idempotent_replays == 2


def test_toss_idempotency_keeps_errors_not_scripts(tp):
    oid = new_order()
    pkey = tp.authorize(oid, 3000)
    # a real refusal is the first response: replayed even for a now-correct body
    key = "k-" + uuid.uuid4().hex
    err = toss_error(confirm(tp, pkey, oid, 1, key=key), 400, "INVALID_REQUEST")
    r = confirm(tp, pkey, oid, 3000, key=key)
    assert r.status_code == 400 and r.json() == err
    assert tp.payments[pkey]["status"] == "IN_PROGRESS"
    # a scripted transient error is not kept: the retry does the work
    key = "k-" + uuid.uuid4().hex
    tp.script("confirm", 400, "PROVIDER_ERROR", "일시적인 오류가 발생했습니다.")
    toss_error(confirm(tp, pkey, oid, 3000, key=key), 400, "PROVIDER_ERROR")
    ok = confirm(tp, pkey, oid, 3000, key=key)
    assert ok.status_code == 200 and ok.json()["status"] == "DONE"
    assert confirm(tp, pkey, oid, 3000, key=key).content == ok.content


def _race(n, fn):
    gate = threading.Barrier(n)
    results = [None] * n

    def run(i):
        gate.wait()
        try:
            results[i] = fn(i)
        except Exception as exc:            # reported by the asserts below
            results[i] = exc
    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_toss_idempotency_concurrent_same_key(tp):
    oid = new_order()
    pkey = tp.authorize(oid, 7000)
    key = str(uuid.uuid4())
    results = _race(50, lambda i: confirm(tp, pkey, oid, 7000, key=key))
    assert all(isinstance(r, requests.Response) for r in results), results
    assert {r.status_code for r in results} == {200}
    assert len({r.content for r in results}) == 1
    body = results[0].json()
    assert body["status"] == "DONE" and body["lastTransactionKey"] == tp.payments[pkey]["lastTransactionKey"]
    assert tp.idempotent_replays == 49 and len(tp.requests_to("confirm")) == 50


def test_toss_concurrent_confirms_without_key(tp):
    oid = new_order()
    pkey = tp.authorize(oid, 7000)
    results = _race(20, lambda i: confirm(tp, pkey, oid, 7000))
    codes = sorted(r.status_code for r in results)
    assert codes == [200] + [400] * 19
    assert {r.json()["code"] for r in results if r.status_code == 400} == {"ALREADY_PROCESSED_PAYMENT"}
    assert tp.idempotent_replays == 0


def test_toss_idempotency_key_length(tp):
    oid = new_order()
    pkey = tp.authorize(oid, 2000)
    toss_error(confirm(tp, pkey, oid, 2000, key="k" * 301), 400, "INVALID_REQUEST")
    assert tp.payments[pkey]["status"] == "IN_PROGRESS"
    r = confirm(tp, pkey, oid, 2000, key="k" * 300)
    assert r.status_code == 200 and r.json()["status"] == "DONE"
    assert confirm(tp, pkey, oid, 2000, key="k" * 300).content == r.content


def test_toss_cancel_partial_then_full(tp):
    pkey, oid = paid(tp, 10000)
    r = cancel(tp, pkey, reason="부분 환불", amount=3000)
    assert r.status_code == 200, r.text
    p = r.json()
    assert (p["status"], p["totalAmount"], p["balanceAmount"]) == ("PARTIAL_CANCELED", 10000, 7000)
    (c,) = p["cancels"]
    assert (c["cancelAmount"], c["cancelReason"], c["refundableAmount"]) == (3000, "부분 환불", 7000)
    assert KST_TIME.match(c["canceledAt"]) and re.match(r"^[0-9A-F]{32}$", c["transactionKey"])
    assert p["lastTransactionKey"] == c["transactionKey"]

    toss_error(cancel(tp, pkey, amount=7001), 400, "NOT_CANCELABLE_AMOUNT")
    r = cancel(tp, pkey, reason="전액 환불")                  # the rest
    assert r.status_code == 200
    p = r.json()
    assert (p["status"], p["balanceAmount"]) == ("CANCELED", 0)
    assert [c["cancelAmount"] for c in p["cancels"]] == [3000, 7000]
    assert len({c["transactionKey"] for c in p["cancels"]}) == 2
    toss_error(cancel(tp, pkey, amount=1), 400, "ALREADY_CANCELED_PAYMENT")
    assert tp.payments[pkey]["balanceAmount"] == 0


def test_toss_cancel_full_and_refusals(tp):
    pkey, _ = paid(tp, 4000)
    toss_error(cancel(tp, pkey, reason=None), 400, "INVALID_REQUEST")
    toss_error(cancel(tp, pkey, reason=" "), 400, "INVALID_REQUEST")
    toss_error(cancel(tp, pkey, amount=0), 400, "INVALID_REQUEST")
    toss_error(cancel(tp, pkey, amount=-5), 400, "INVALID_REQUEST")
    toss_error(cancel(tp, pkey, amount=4001), 400, "NOT_CANCELABLE_AMOUNT")
    assert tp.payments[pkey]["status"] == "DONE" and tp.payments[pkey]["cancels"] is None
    r = cancel(tp, pkey)
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["balanceAmount"], r.json()["cancels"][0]["cancelAmount"]) == \
        ("CANCELED", 0, 4000)
    toss_error(cancel(tp, pkey), 400, "ALREADY_CANCELED_PAYMENT")
    pending = tp.authorize(new_order(), 1000)
    toss_error(cancel(tp, pending), 400, "NOT_CANCELABLE_PAYMENT")
    toss_error(cancel(tp, "tgen_unknown"), 404, "NOT_FOUND_PAYMENT")


def test_toss_virtual_account_waits_for_its_deposit(tp):
    oid = new_order()
    pkey = tp.authorize(oid, 5000, method=tp.VIRTUAL_ACCOUNT)
    r = confirm(tp, pkey, oid, 5000)
    assert r.status_code == 200, r.text
    p = r.json()
    assert (p["status"], p["method"], p["approvedAt"], p["balanceAmount"]) == \
        ("WAITING_FOR_DEPOSIT", "가상계좌", None, 5000)
    va = p["virtualAccount"]
    assert va["accountNumber"] and va["bankCode"] and va["expired"] is False
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$", va["dueDate"])
    toss_error(confirm(tp, pkey, oid, 5000), 400, "ALREADY_PROCESSED_PAYMENT")
    toss_error(cancel(tp, pkey, amount=100), 400, "NOT_CANCELABLE_AMOUNT")
    assert tp.refunded(pkey) == 0
    body = tp.deposit(pkey)
    assert body["eventType"] == "PAYMENT_STATUS_CHANGED"
    assert (body["data"]["status"], body["data"]["paymentKey"]) == ("DONE", pkey)
    assert KST_TIME.match(body["data"]["approvedAt"])
    cb = tp.deposit_callback_body(pkey)
    assert set(cb) == {"createdAt", "secret", "status", "transactionKey", "orderId"}
    assert (cb["status"], cb["orderId"], cb["secret"]) == ("DONE", oid, tp.payments[pkey]["secret"])
    with pytest.raises(ValueError):
        tp.deposit(pkey)
    assert cancel(tp, pkey, amount=2000).json()["status"] == "PARTIAL_CANCELED"
    assert tp.refunded(pkey) == 2000


def test_toss_virtual_account_expires_or_is_cancelled_unpaid(tp):
    oid = new_order()
    pkey = tp.authorize(oid, 3000, method=tp.VIRTUAL_ACCOUNT)
    confirm(tp, pkey, oid, 3000)
    body = tp.expire(pkey)
    assert body["data"]["status"] == "EXPIRED" and body["data"]["virtualAccount"]["expired"]
    with pytest.raises(ValueError):
        tp.deposit(pkey)
    oid = new_order()
    pkey = tp.authorize(oid, 3000, method=tp.VIRTUAL_ACCOUNT)
    confirm(tp, pkey, oid, 3000)
    r = cancel(tp, pkey)
    assert r.status_code == 200 and r.json()["status"] == "CANCELED", r.text
    assert tp.refunded(pkey) == 0                 # nothing was paid, nothing refunded
    toss_error(cancel(tp, pkey), 400, "ALREADY_CANCELED_PAYMENT")


def test_toss_get_by_key_and_order(tp):
    pkey, oid = paid(tp, 8000)
    r = toss(tp, "GET", f"/v1/payments/{pkey}")
    assert r.status_code == 200 and r.json() == tp.payments[pkey]
    r2 = toss(tp, "GET", f"/v1/payments/orders/{oid}")
    assert r2.status_code == 200 and r2.json() == r.json()
    toss_error(toss(tp, "GET", "/v1/payments/tgen_unknown"), 404, "NOT_FOUND_PAYMENT")
    toss_error(toss(tp, "GET", f"/v1/payments/orders/{new_order()}"), 404, "NOT_FOUND_PAYMENT")
    # an abandoned second authorization of the same order does not hide the paid one
    tp.authorize(oid, 8000)
    assert toss(tp, "GET", f"/v1/payments/orders/{oid}").json()["paymentKey"] == pkey
    assert tp.payment_by_order(oid)["paymentKey"] == pkey
    lone = new_order()
    k = tp.authorize(lone, 100)
    assert tp.payment_by_order(lone)["paymentKey"] == k and tp.payment_by_order(new_order()) is None
    r = toss(tp, "GET", "/v1/nothing")
    assert r.status_code == 404 and r.json()["code"] == "NOT_FOUND"


def test_toss_script(tp):
    oid = new_order()
    pkey = tp.authorize(oid, 1000)
    tp.script("confirm", 400, "REJECT_CARD_COMPANY", "카드사에서 거절했습니다.", count=2)
    for _ in range(2):
        body = toss_error(confirm(tp, pkey, oid, 1000), 400, "REJECT_CARD_COMPANY")
        assert body["message"] == "카드사에서 거절했습니다."
    assert toss(tp, "GET", f"/v1/payments/{pkey}").json()["status"] == "IN_PROGRESS"
    assert confirm(tp, pkey, oid, 1000).status_code == 200
    tp.script("cancel", 500, "FAILED_INTERNAL_SYSTEM_PROCESSING", "잠시 후 다시 시도해주세요.")
    toss_error(cancel(tp, pkey), 500, "FAILED_INTERNAL_SYSTEM_PROCESSING")
    assert tp.payments[pkey]["status"] == "DONE"
    tp.script("*", 400, "PROVIDER_ERROR", "x")
    tp.reset()                                           # forgets scripts
    assert toss(tp, "GET", f"/v1/payments/{pkey}").status_code == 200


def test_toss_faults(tp):
    pkey, _ = paid(tp, 1000)
    tp.fail_next("/v1/payments/" + pkey, "status500")
    tp.fail_next("/v1/payments/" + pkey, "garbage")
    toss_error(toss(tp, "GET", f"/v1/payments/{pkey}"), 500, "FAILED_INTERNAL_SYSTEM_PROCESSING")
    r = toss(tp, "GET", f"/v1/payments/{pkey}")
    assert r.status_code == 200 and r.content == tp.garbage_body
    assert toss(tp, "GET", f"/v1/payments/{pkey}").json()["status"] == "DONE"


def test_toss_helpers(tp):
    oid = new_order()
    pkey = tp.authorize(oid, 5000)
    with pytest.raises(ValueError, match="NOT_CANCELABLE_PAYMENT"):
        tp.cancel_externally(pkey)
    done = tp.set_status(pkey, "DONE")
    assert done["status"] == "DONE" and KST_TIME.match(done["approvedAt"])
    p = tp.cancel_externally(pkey, 2000)
    assert (p["status"], p["balanceAmount"]) == ("PARTIAL_CANCELED", 3000)
    with pytest.raises(ValueError, match="NOT_CANCELABLE_AMOUNT"):
        tp.cancel_externally(pkey, 3001)
    assert tp.cancel_externally(pkey)["status"] == "CANCELED"
    with pytest.raises(ValueError):
        tp.set_status(pkey, "DELETED")
    w = tp.webhook_body(pkey)
    assert set(w) == {"eventType", "createdAt", "data"} and w["eventType"] == "PAYMENT_STATUS_CHANGED"
    assert KST_TIME.match(w["createdAt"]) and w["data"] == tp.payments[pkey]
    assert w["data"] is not tp.payments[pkey]


# ---------------------------------------------------------------- Payaction

def pa_call(fake, path, body, api_key=None, mall_id=None):
    h = {"x-api-key": fake.api_key if api_key is None else api_key,
         "x-mall-id": fake.mall_id if mall_id is None else mall_id}
    return call("POST", fake.url + path, json=body, headers={k: v for k, v in h.items() if v})


def order_body(**over):
    b = {"order_number": "GH" + uuid.uuid4().hex[:20].upper(), "order_amount": 50000,
         "order_date": "2025-05-21T15:02:11+09:00", "billing_name": "홍길동",
         "orderer_name": "player_one", "orderer_phone_number": "", "orderer_email": "",
         "trade_usage": "", "identity_number": ""}
    b.update(over)
    return b


def pa_error(r, status):
    assert r.status_code == status, r.text
    body = r.json()
    assert body["status"] == "error" and set(body) == {"status", "response"}
    assert isinstance(body["response"]["message"], str) and body["response"]["message"]
    return body["response"]["message"]


def test_payaction_order_and_duplicate(pa):
    b = order_body()
    r = pa_call(pa, "/order", b)
    assert r.status_code == 200 and r.json() == {"status": "success", "response": {}}
    assert pa.orders[b["order_number"]] == dict(b, excluded=False)
    (rec,) = pa.requests_to("/order")
    assert rec.headers["Content-Type"] == "application/json" and rec.json() == b
    pa_error(pa_call(pa, "/order", dict(b, order_amount=1)), 400)
    assert pa.orders[b["order_number"]]["order_amount"] == 50000


@pytest.mark.parametrize("field", PayactionFake.ORDER_FIELDS)
def test_payaction_order_missing_field(pa, field):
    b = order_body()
    del b[field]
    assert field in pa_error(pa_call(pa, "/order", b), 400)
    assert b.get("order_number") not in pa.orders


@pytest.mark.parametrize("over", [
    {"order_amount": "50000"}, {"order_amount": 0}, {"order_amount": True},
    {"order_number": ""}, {"billing_name": ""}, {"orderer_email": None},
    {"order_date": "2025-05-21 15:02:11"}, {"order_date": "yesterday"}])
def test_payaction_order_bad_values(pa, over):
    b = order_body(**over)
    pa_error(pa_call(pa, "/order", b), 400)
    assert b["order_number"] not in pa.orders


def test_payaction_exclude(pa):
    b = order_body()
    assert pa_call(pa, "/order", b).status_code == 200
    pa_error(pa_call(pa, "/order-exclude", {"order_number": "NOPE0000000000000"}), 400)
    pa_error(pa_call(pa, "/order-exclude", {}), 400)
    r = pa_call(pa, "/order-exclude", {"order_number": b["order_number"]})
    assert r.status_code == 200 and r.json() == {"status": "success", "response": {}}
    assert pa.orders[b["order_number"]]["excluded"] is True


@pytest.mark.parametrize("api_key,mall_id", [("", None), ("wrong", None), (None, ""), (None, "999")])
def test_payaction_bad_credentials(pa, api_key, mall_id):
    b = order_body()
    pa_error(pa_call(pa, "/order", b, api_key=api_key, mall_id=mall_id), 401)
    assert b["order_number"] not in pa.orders
    assert pa_call(pa, "/order", b).status_code == 200
    pa_error(pa_call(pa, "/order-exclude", {"order_number": b["order_number"]},
                     api_key=api_key, mall_id=mall_id), 401)
    assert pa.orders[b["order_number"]]["excluded"] is False


def test_payaction_script_faults_and_unknown_path(pa):
    pa.script("order", 500, {"status": "error", "response": {"message": "점검 중"}}, count=2)
    scripted = [order_body(), order_body()]
    for b in scripted:
        assert pa_error(pa_call(pa, "/order", b), 500) == "점검 중"
        assert b["order_number"] not in pa.orders
    b = order_body()
    assert pa_call(pa, "/order", b).status_code == 200
    pa.script("order-exclude", 200, "not json")
    r = pa_call(pa, "/order-exclude", {"order_number": b["order_number"]})
    assert r.status_code == 200 and r.text == "not json"
    assert pa.orders[b["order_number"]]["excluded"] is False
    pa.fail_next("/order", "status500")
    pa_error(pa_call(pa, "/order", order_body()), 500)
    pa_error(pa_call(pa, "/orders", order_body()), 404)


def test_payaction_webhook_helpers(pa):
    h = pa.webhook_headers()
    assert set(h) == {"x-webhook-key", "x-mall-id", "x-trace-id"}
    assert (h["x-webhook-key"], h["x-mall-id"]) == (pa.webhook_key, pa.mall_id)
    assert re.match(r"^\d{13}x\d{18}$", h["x-trace-id"])
    assert pa.webhook_headers()["x-trace-id"] != h["x-trace-id"]
    assert pa.webhook_headers(trace_id="t1", key="bad", mall_id="m") == \
        {"x-webhook-key": "bad", "x-mall-id": "m", "x-trace-id": "t1"}
    assert pa.webhook_key != pa.api_key
    b = pa.match_body("GH123")
    assert set(b) == {"order_number", "order_status", "processing_date"}
    assert (b["order_number"], b["order_status"]) == ("GH123", "매칭완료")
    assert KST_TIME.match(b["processing_date"])
    assert pa.match_body("GH123", 1000000)["amount"] == "1,000,000"
    assert pa.match_body("GH123", 500)["amount"] == "500"
    assert pa.match_body("GH123", "12,000")["amount"] == "12,000"
