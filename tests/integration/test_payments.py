"""The Toss Payments area at /api/payments and the points ledger
(issue 4; contract: docs/MONEY_API.md).

Every test makes its own users and orders and asserts the answer, the
database afterwards (payment_orders, payment_cancels, point_ledger,
users.remaining_points) and what the Toss Payments fake received.
"""
import json
import re
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest

from accounts_helpers import as_ip, assert_error, assert_invalid_token, bearer, forge_session
from conftest import free_port
from payments_helpers import (AUTHZ_FAILURE_LOG, BASE, ORDER_ID, TOSS_FAILED_LOG,
                              assert_confirm_call, assert_consistent, assert_upstream,
                              authorized, balance, cancel_calls, cancels, confirms,
                              credits_for, grant, ledger, lookups, new_amount, order, pay,
                              payer, admin_of, prepare, prepared, success, success_body,
                              toss_confirm_directly, tp, webhook)

assert tp  # the fixture, imported for pytest

NAME = "게임 포인트 충전"
DEBUG_KEYS = {"orderId", "user_id", "provider", "amount", "order_name", "status",
              "payment_key", "failure_code", "failure_message", "created_at", "approved_at",
              "cancels"}


def orders_of(pg, uid):
    return pg.scalar("SELECT count(*) FROM payment_orders WHERE user_id = %s", (uid,))


def ready(uid, amount, name=NAME):
    """The payment_orders row of a fresh prepared order."""
    return {"user_id": uid, "provider": "toss", "amount": amount, "order_name": name,
            "status": "READY", "payment_key": None, "failure_code": None,
            "failure_message": None, "approved_at": None}


def deduct(srv, auth, amount, reason="아이템 구매", key=None, **kw):
    headers = dict(auth)
    if key is not None:
        headers["Idempotency-Key"] = key
    return srv.post(BASE + "/user/deduct-points", headers=headers,
                    json={"amount": amount, "reason": reason}, **kw)


def cancel(srv, auth, order_id, reason="단순 변심", amount=None, **kw):
    body = {"order_id": order_id, "reason": reason}
    if amount is not None:
        body["amount"] = amount
    return srv.post(BASE + "/payment/cancel", headers=auth, json=body, **kw)


# Bad amounts: every one is 400 wherever an amount is taken: invalid_request,
# or invalid_json for a number no 64-bit integer holds (the strict JSON
# reader refuses those for every field, rather than let json-c clamp them).
def bad_amount_code(amount):
    too_big = isinstance(amount, int) and not isinstance(amount, bool) and abs(amount) >= 2**63
    return "invalid_json" if too_big else "invalid_request"


BAD_AMOUNTS = [0, -1, -1000, 2**63, 2**64, 10**30, "1000", "abc", "", 1000.0, 1000.5,
               True, False, None, [1000], {"value": 1000}]
BAD_AMOUNT_IDS = [repr(a)[:20] for a in BAD_AMOUNTS]


# ====================================================================== prepare

def test_prepare_stores_a_ready_order(server, tp, user, pg):
    uid, auth = payer(user)
    amount = new_amount()
    r = prepare(server, auth, amount, "골드 1,000개 (이벤트)")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/json"
    body = r.json()
    assert set(body) == {"orderId", "amount", "orderName", "clientKey", "successUrl", "failUrl"}
    assert ORDER_ID.match(body["orderId"]), body["orderId"]
    assert body["amount"] == amount
    assert body["orderName"] == "골드 1,000개 (이벤트)"
    assert body["clientKey"] == tp.client_key
    assert re.fullmatch(r"http://127\.0\.0\.1(:\d+)?/api/payments/success", body["successUrl"])
    assert re.fullmatch(r"http://127\.0\.0\.1(:\d+)?/api/payments/fail", body["failUrl"])
    assert order(pg, body["orderId"]) == ready(uid, amount, "골드 1,000개 (이벤트)")
    assert balance(pg, uid) == 0 and ledger(pg, uid) == []
    assert tp.requests == []          # Toss is not asked until the buyer comes back


def test_order_ids_are_unique_and_unguessable(server, user, pg):
    uid, auth = payer(user)
    ids = [prepared(server, auth, new_amount()) for _ in range(20)]
    assert len(set(ids)) == 20
    assert all(ORDER_ID.match(i) for i in ids)
    # consecutive ids differ in many places, not in a counter's last digits
    for a, b in zip(ids, ids[1:]):
        n = min(len(a), len(b))
        assert sum(x != y for x, y in zip(a[:n], b[:n])) >= 10, (a, b)
    assert orders_of(pg, uid) == 20


def test_prepare_accepts_the_bounds_and_100_character_names(server, user, pg):
    uid, auth = payer(user)
    for amount, name in ((100, "가" * 100), (1000000, "x"), (100, "a" * 100)):
        r = prepare(server, auth, amount, name)
        assert r.status_code == 200, (amount, len(name), r.text)
        assert order(pg, r.json()["orderId"]) == ready(uid, amount, name)


@pytest.mark.parametrize("amount", [99, 1000001] + BAD_AMOUNTS,
                         ids=["99", "1000001"] + BAD_AMOUNT_IDS)
def test_prepare_refuses_bad_amounts(server, user, pg, amount):
    uid, auth = payer(user)
    assert_error(prepare(server, auth, amount), 400, bad_amount_code(amount))
    assert orders_of(pg, uid) == 0


@pytest.mark.parametrize("body", [
    {"amount": 1000},
    {"order_name": NAME},
    {},
    {"amount": 1000, "order_name": ""},
    {"amount": 1000, "order_name": "가" * 101},
    {"amount": 1000, "order_name": None},
    {"amount": 1000, "order_name": 12},
    {"amount": 1000, "order_name": ["x"]},
], ids=lambda b: repr(b)[:40])
def test_prepare_refuses_bad_names_and_missing_fields(server, user, pg, body):
    uid, auth = payer(user)
    r = server.post(BASE + "/payment/prepare", headers=auth, json=body)
    assert_error(r, 400, "invalid_request")
    assert orders_of(pg, uid) == 0


@pytest.mark.parametrize("raw,code", [
    (b'{"amount": 1e3, "order_name": "x"}', "invalid_request"),
    (b'{"amount": 1000.00, "order_name": "x"}', "invalid_request"),
    (b'{"amount": -0, "order_name": "x"}', "invalid_request"),
    (b'[1000, "x"]', "invalid_request"),
    (b'"1000"', "invalid_request"),
    # not JSON at all: the project-wide invalid_json (README, "Errors")
    (b'{"amount": 01000, "order_name": "x"}', "invalid_json"),
    (b'{"amount": 1000, "order_name": "x"', "invalid_json"),
    (b'', "invalid_json"),
    (b'amount=1000&order_name=x', "invalid_json"),
], ids=lambda b: b.decode()[:30] or "empty" if isinstance(b, bytes) else b)
def test_prepare_refuses_bodies_that_are_not_a_json_object_of_integers(server, user, pg, raw,
                                                                       code):
    uid, auth = payer(user)
    r = server.post(BASE + "/payment/prepare", data=raw,
                    headers={**auth, "Content-Type": "application/json"})
    assert_error(r, 400, code)
    assert orders_of(pg, uid) == 0


def test_prepare_amount_bounds_come_from_the_directive(make_server, user, pg):
    srv = make_server("pay-bounds", "GameHoneyPaymentAmount 500 600\n")
    uid, auth = payer(user)
    for amount in (499, 601, 100, 1000000):
        assert_error(prepare(srv, auth, amount), 400, "invalid_request")
    for amount in (500, 600):
        r = prepare(srv, auth, amount)
        assert r.status_code == 200, r.text
        assert order(pg, r.json()["orderId"])["amount"] == amount
    assert orders_of(pg, uid) == 2


# ====================================================================== success

def test_success_confirms_credits_once_and_a_repeat_is_harmless(server, tp, user, pg):
    uid, auth = payer(user)
    amount = new_amount()
    oid = prepared(server, auth, amount)
    pk = tp.authorize(oid, amount, NAME)
    r = success(server, oid, pk, amount)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == success_body(oid, pk, amount)

    calls = confirms(tp, oid)
    assert len(calls) == 1
    assert_confirm_call(calls[0], tp, oid, pk, amount)
    assert tp.payments[pk]["status"] == "DONE"

    row = order(pg, oid)
    assert row["status"] == "DONE" and row["payment_key"] == pk
    assert row["approved_at"] is not None
    assert row["failure_code"] is None
    assert balance(pg, uid) == amount
    rows = ledger(pg, uid)
    assert len(rows) == 1
    assert (rows[0]["delta"], rows[0]["balance_after"], rows[0]["source_type"],
            rows[0]["source_id"]) == (amount, amount, "toss_payment", oid)

    # the browser comes back again (reload, back button): same answer, no
    # second confirm, no second credit
    for _ in range(3):
        r = success(server, oid, pk, amount)
        assert r.status_code == 200, r.text
        assert r.json() == success_body(oid, pk, amount)
    assert len(confirms(tp, oid)) == 1
    assert len(ledger(pg, uid)) == 1 and balance(pg, uid) == amount
    assert_consistent(pg)


def test_success_without_payment_type_works(server, tp, user, pg):
    uid, auth, amount, oid, pk = authorized(server, tp, user)
    r = server.get(BASE + "/success", params={"orderId": oid, "paymentKey": pk,
                                              "amount": str(amount)})
    assert r.status_code == 200, r.text
    assert r.json() == success_body(oid, pk, amount)
    assert balance(pg, uid) == amount


@pytest.mark.parametrize("delta", [1, -1, 1000, -(10**6)])
def test_success_with_a_wrong_amount_never_confirms(server, tp, user, pg, delta):
    uid, auth, amount, oid, pk = authorized(server, tp, user)
    wrong = amount + delta
    r = success(server, oid, pk, wrong)
    if wrong <= 0:
        # a non-positive amount may be refused as malformed before the lookup
        assert r.status_code == 400 and r.json()["error"] in ("amount_mismatch",
                                                               "invalid_request"), r.text
    else:
        assert_error(r, 400, "amount_mismatch")
    assert confirms(tp, oid) == []
    assert tp.payments[pk]["status"] == "IN_PROGRESS"
    assert order(pg, oid) == ready(uid, amount)
    assert balance(pg, uid) == 0 and ledger(pg, uid) == []
    # the mismatch does not spoil the order: the genuine redirect still works
    r = success(server, oid, pk, amount)
    assert r.status_code == 200, r.text
    assert balance(pg, uid) == amount
    assert_consistent(pg)


def test_a_tampered_amount_cannot_buy_more_points(server, tp, user, pg):
    """The buyer pays 1000 in the window and edits the redirect to 1000000."""
    uid, auth, amount, oid, pk = authorized(server, tp, user)
    assert_error(success(server, oid, pk, 1000000), 400, "amount_mismatch")
    assert confirms(tp, oid) == []
    assert balance(pg, uid) == 0


@pytest.mark.parametrize("params", [
    {"orderId": None},
    {"paymentKey": None},
    {"amount": None},
    {"orderId": ""},
    {"paymentKey": ""},
    {"amount": ""},
    {"amount": "abc"},
    {"amount": "{amount}abc"},
    {"amount": "{amount}.0"},
    {"amount": "{amount}.5"},
    {"amount": "{amount} "},
    {"amount": "0x10"},
    {"amount": "1e3"},
    {"amount": "99999999999999999999999"},
    {"amount": "true"},
], ids=lambda p: repr(p)[:40])
def test_success_with_bad_parameters_is_400(server, tp, user, pg, params):
    uid, auth, amount, oid, pk = authorized(server, tp, user)
    query = {"paymentType": "NORMAL", "orderId": oid, "paymentKey": pk, "amount": str(amount)}
    for k, v in params.items():
        if v is None:
            del query[k]
        else:
            query[k] = v.format(amount=amount)
    assert_error(server.get(BASE + "/success", params=query), 400, "invalid_request")
    assert confirms(tp, oid) == []
    assert order(pg, oid) == ready(uid, amount)
    assert balance(pg, uid) == 0


def test_success_for_an_unknown_order_is_404(server, tp):
    oid = "unknown_" + uuid.uuid4().hex
    pk = tp.authorize(oid, 5000)
    assert_error(success(server, oid, pk, 5000), 404, "order_not_found")
    assert confirms(tp, oid) == []
    assert tp.payments[pk]["status"] == "IN_PROGRESS"


def test_success_for_a_paid_order_with_another_payment_key_is_409(server, tp, user, pg):
    uid, auth = payer(user)
    amount = new_amount()
    oid, pk = pay(server, tp, auth, amount)
    pk2 = tp.authorize(oid, amount)
    assert_error(success(server, oid, pk2, amount), 409, "order_already_paid")
    # the second payment is never confirmed: the buyer is not charged twice
    assert len(confirms(tp, oid)) == 1
    assert tp.payments[pk2]["status"] == "IN_PROGRESS"
    assert order(pg, oid)["payment_key"] == pk
    assert balance(pg, uid) == amount and len(ledger(pg, uid)) == 1
    assert_consistent(pg)


def test_success_for_a_cancelled_order_is_409(server, tp, user, pg):
    uid, auth = payer(user)
    amount = new_amount()
    oid, pk = pay(server, tp, auth, amount)
    r = cancel(server, auth, oid)
    assert r.status_code == 200, r.text
    assert_error(success(server, oid, pk, amount), 409, "order_cancelled")
    assert len(confirms(tp, oid)) == 1
    assert order(pg, oid)["status"] == "CANCELLED"
    assert balance(pg, uid) == 0
    assert_consistent(pg)


def test_already_processed_payment_is_reconciled_from_toss(server, tp, user, pg):
    """An earlier confirm went through but its answer was lost: confirm now
    says ALREADY_PROCESSED_PAYMENT, the module asks Toss and credits once."""
    uid, auth, amount, oid, pk = authorized(server, tp, user)
    toss_confirm_directly(tp, pk, oid, amount)
    r = success(server, oid, pk, amount)
    assert r.status_code == 200, r.text
    assert r.json() == success_body(oid, pk, amount)
    assert len(confirms(tp, oid)) == 1
    gets = lookups(tp, payment_key=pk)
    assert len(gets) >= 1
    assert all(g.headers["Authorization"] == tp.auth_header for g in gets)
    row = order(pg, oid)
    assert row["status"] == "DONE" and row["payment_key"] == pk and row["approved_at"]
    assert credits_for(pg, oid) == [(uid, amount)]
    assert balance(pg, uid) == amount
    # and a repeat changes nothing
    assert success(server, oid, pk, amount).json() == success_body(oid, pk, amount)
    assert credits_for(pg, oid) == [(uid, amount)]
    assert_consistent(pg)


REJECT_MESSAGE = "카드사에서 거절했습니다. 카드사 문의가 필요합니다."


@pytest.mark.parametrize("case", ["REJECT_CARD_COMPANY", "INVALID_REQUEST",
                                  "NOT_FOUND_PAYMENT"])
def test_confirm_refused_by_toss_fails_the_order(server, tp, user, pg, case):
    uid, auth = payer(user)
    amount = new_amount()
    oid = prepared(server, auth, amount)
    if case == "REJECT_CARD_COMPANY":
        pk = tp.authorize(oid, amount)
        tp.script("confirm", 400, case, REJECT_MESSAGE)
        message = REJECT_MESSAGE
    elif case == "INVALID_REQUEST":
        # the window authorized another amount than the order's
        pk = tp.authorize(oid, amount + 1)
        message = "결제 금액 또는 주문번호가 일치하지 않습니다."
    else:
        pk = "tgen_" + uuid.uuid4().hex[:20]      # Toss never issued it
        message = "존재하지 않는 결제 정보 입니다."
    r = success(server, oid, pk, amount)
    assert r.status_code == 400, r.text
    assert r.json() == {"error": "payment_failed", "message": message}
    calls = confirms(tp, oid)
    assert len(calls) == 1
    assert_confirm_call(calls[0], tp, oid, pk, amount)
    row = order(pg, oid)
    assert (row["status"], row["failure_code"], row["failure_message"]) == \
        ("FAILED", case, message)
    assert balance(pg, uid) == 0 and ledger(pg, uid) == []


@pytest.mark.parametrize("fault", ["PROVIDER_ERROR", "status500", "garbage"])
def test_confirm_upstream_error_is_502_and_the_retry_finishes(server, tp, user, pg,
                                                              log_allow, fault):
    log_allow(TOSS_FAILED_LOG)
    uid, auth, amount, oid, pk = authorized(server, tp, user)
    if fault == "PROVIDER_ERROR":
        tp.script("confirm", 400, "PROVIDER_ERROR", "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해주세요.")
    else:
        tp.fail_next("/v1/payments/confirm", fault)
    assert_upstream(success(server, oid, pk, amount), 502)
    row = order(pg, oid)
    assert (row["status"], row["payment_key"]) == ("READY", pk)
    assert balance(pg, uid) == 0 and ledger(pg, uid) == []
    assert tp.payments[pk]["status"] == "IN_PROGRESS"

    r = success(server, oid, pk, amount)
    assert r.status_code == 200, r.text
    assert r.json() == success_body(oid, pk, amount)
    calls = confirms(tp, oid)
    assert len(calls) == 2
    for c in calls:
        assert_confirm_call(c, tp, oid, pk, amount)     # the same Idempotency-Key
    assert order(pg, oid)["status"] == "DONE"
    assert credits_for(pg, oid) == [(uid, amount)]
    assert balance(pg, uid) == amount
    assert_consistent(pg)


def test_confirm_unreachable_is_503_and_the_retry_finishes(make_server, server, tp, user,
                                                           pg, log_allow):
    down = make_server("toss-payments-refused",
                       f'GameHoneyTossPaymentsURL "http://127.0.0.1:{free_port()}"\n')
    log_allow(TOSS_FAILED_LOG)            # after make_server: it applies to running servers
    uid, auth = payer(user)
    amount = new_amount()
    oid = prepared(down, auth, amount)
    pk = tp.authorize(oid, amount)
    assert_upstream(success(down, oid, pk, amount), 503)
    row = order(pg, oid)
    assert (row["status"], row["payment_key"]) == ("READY", pk)
    assert balance(pg, uid) == 0
    # the same redirect, served by a server that reaches Toss
    r = success(server, oid, pk, amount)
    assert r.status_code == 200, r.text
    assert len(confirms(tp, oid)) == 1
    assert credits_for(pg, oid) == [(uid, amount)]
    assert_consistent(pg)


RETURN_URL = "https://game.example/pay/result"


def test_return_url_redirects_success_and_failure(make_server, tp, user, pg):
    srv = make_server("pay-return", f'GameHoneyPaymentReturnURL "{RETURN_URL}"\n')
    uid, auth = payer(user)

    amount = new_amount()
    oid = prepared(srv, auth, amount)
    pk = tp.authorize(oid, amount)
    r = success(srv, oid, pk, amount, allow_redirects=False)
    assert r.status_code == 303, r.text
    loc = urlsplit(r.headers["Location"])
    assert f"{loc.scheme}://{loc.netloc}{loc.path}" == RETURN_URL
    assert parse_qs(loc.query) == {"result": ["success"], "orderId": [oid],
                                   "amount": [str(amount)]}
    assert balance(pg, uid) == amount
    # a repeat redirects the same way and credits nothing more
    again = success(srv, oid, pk, amount, allow_redirects=False)
    assert again.status_code == 303 and again.headers["Location"] == r.headers["Location"]
    assert balance(pg, uid) == amount

    amount2 = new_amount()
    oid2 = prepared(srv, auth, amount2)
    pk2 = tp.authorize(oid2, amount2)
    tp.script("confirm", 400, "REJECT_CARD_COMPANY", REJECT_MESSAGE)
    r = success(srv, oid2, pk2, amount2, allow_redirects=False)
    assert r.status_code == 303, r.text
    loc = urlsplit(r.headers["Location"])
    assert f"{loc.scheme}://{loc.netloc}{loc.path}" == RETURN_URL
    assert parse_qs(loc.query) == {"result": ["fail"], "orderId": [oid2],
                                   "code": ["REJECT_CARD_COMPANY"], "message": [REJECT_MESSAGE]}
    assert order(pg, oid2)["status"] == "FAILED"

    # other errors stay JSON
    amount3 = new_amount()
    oid3 = prepared(srv, auth, amount3)
    pk3 = tp.authorize(oid3, amount3)
    assert_error(success(srv, oid3, pk3, amount3 + 1, allow_redirects=False),
                 400, "amount_mismatch")
    assert_error(success(srv, "unknown_" + uuid.uuid4().hex, pk3, amount3,
                         allow_redirects=False), 404, "order_not_found")
    assert balance(pg, uid) == amount
    assert_consistent(pg)


# ====================================================================== fail

def fail(srv, **params):
    return srv.get(BASE + "/fail", params=params)


def test_fail_marks_a_ready_order_failed(server, tp, user, pg):
    uid, auth = payer(user)
    amount = new_amount()
    oid = prepared(server, auth, amount)
    msg = "사용자에 의해 결제가 취소되었습니다."
    r = fail(server, code="PAY_PROCESS_CANCELED", message=msg, orderId=oid)
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "FAILED", "orderId": oid, "code": "PAY_PROCESS_CANCELED",
                        "message": msg}
    row = order(pg, oid)
    assert (row["status"], row["failure_code"], row["failure_message"]) == \
        ("FAILED", "PAY_PROCESS_CANCELED", msg)
    assert row["payment_key"] is None and balance(pg, uid) == 0
    assert tp.requests == []
    # a FAILED order may fail again; the latest reason is kept
    r = fail(server, code="PAY_PROCESS_ABORTED", message="결제 진행 중 승인에 실패하여 결제가 중단되었습니다.",
             orderId=oid)
    assert r.status_code == 200, r.text
    assert order(pg, oid)["failure_code"] == "PAY_PROCESS_ABORTED"


def test_fail_without_an_order_id_stores_nothing(server, pg):
    code = "REJECT_" + uuid.uuid4().hex[:10].upper()
    before = pg.scalar("SELECT count(*) FROM payment_orders")
    r = fail(server, code=code, message="카드 결제가 거절되었습니다.")
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "FAILED", "orderId": None, "code": code,
                        "message": "카드 결제가 거절되었습니다."}
    assert pg.scalar("SELECT count(*) FROM payment_orders") == before
    assert pg.scalar("SELECT count(*) FROM payment_orders WHERE failure_code = %s",
                     (code,)) == 0


@pytest.mark.parametrize("letter", ["m", "결"])
def test_fail_accepts_the_longest_code_and_message(server, user, pg, letter):
    """The limits count characters: 500 Hangul syllables are 1500 bytes."""
    uid, auth = payer(user)
    oid = prepared(server, auth, new_amount())
    code, msg = "C" * 64, letter * 500
    r = fail(server, code=code, message=msg, orderId=oid)
    assert r.status_code == 200, r.text
    row = order(pg, oid)
    assert (row["failure_code"], row["failure_message"]) == (code, msg)


def test_fail_for_an_unknown_order_is_404(server, pg):
    code = "X_" + uuid.uuid4().hex[:8]
    assert_error(fail(server, code=code, message="m", orderId="unknown_" + uuid.uuid4().hex),
                 404, "order_not_found")
    assert pg.scalar("SELECT count(*) FROM payment_orders WHERE failure_code = %s",
                     (code,)) == 0


def test_fail_does_not_touch_paid_or_cancelled_orders(server, tp, user, pg):
    uid, auth = payer(user)
    amount = new_amount()
    oid, pk = pay(server, tp, auth, amount)
    assert_error(fail(server, code="PAY_PROCESS_CANCELED", message="m", orderId=oid),
                 409, "order_not_open")
    row = order(pg, oid)
    assert (row["status"], row["failure_code"]) == ("DONE", None)
    assert balance(pg, uid) == amount

    assert cancel(server, auth, oid).status_code == 200
    assert_error(fail(server, code="PAY_PROCESS_CANCELED", message="m", orderId=oid),
                 409, "order_not_open")
    row = order(pg, oid)
    assert (row["status"], row["failure_code"]) == ("CANCELLED", None)
    assert_consistent(pg)


@pytest.mark.parametrize("params", [
    {"message": "m"},
    {"code": "", "message": "m"},
    {"code": "C" * 65, "message": "m"},
    {"code": "PAY_PROCESS_CANCELED", "message": "m" * 501},
    {"code": "PAY_PROCESS_CANCELED", "message": "결" * 501},
], ids=lambda p: repr(p)[:40])
def test_fail_with_bad_parameters_is_400(server, user, pg, params):
    uid, auth = payer(user)
    amount = new_amount()
    oid = prepared(server, auth, amount)
    assert_error(fail(server, orderId=oid, **params), 400, "invalid_request")
    assert order(pg, oid) == ready(uid, amount)


# ====================================================================== balance

def test_balance_is_the_users_remaining_points(server, user, pg):
    uid, auth = payer(user)
    r = server.get(BASE + "/user/balance", headers=auth)
    assert r.status_code == 200, r.text
    assert r.json() == {"user_id": str(uid), "remaining_points": 0}
    grant(pg, uid, 12345)
    assert server.get(BASE + "/user/balance", headers=auth).json() == \
        {"user_id": str(uid), "remaining_points": 12345}
    # another user sees their own
    uid2, auth2 = payer(user)
    assert server.get(BASE + "/user/balance", headers=auth2).json() == \
        {"user_id": str(uid2), "remaining_points": 0}


USER_ROUTES = [
    ("POST", "/payment/prepare", {"amount": 1000, "order_name": NAME}),
    ("GET", "/user/balance", None),
    ("POST", "/user/deduct-points", {"amount": 100, "reason": "r"}),
    ("POST", "/payment/cancel", {"order_id": "x" * 24, "reason": "r"}),
]


@pytest.mark.parametrize("method,path,body", USER_ROUTES, ids=[p for _, p, _ in USER_ROUTES])
def test_user_routes_need_our_token(server, pg, method, path, body):
    orders = pg.scalar("SELECT count(*) FROM payment_orders")
    rows = pg.scalar("SELECT count(*) FROM point_ledger")
    r = as_ip(server, method, BASE + path, json=body)
    assert_error(r, 401, "unauthorized")
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert_invalid_token(as_ip(server, method, BASE + path, json=body,
                               headers=bearer("garbage.token.here")))
    # our token under another key
    assert_invalid_token(as_ip(server, method, BASE + path, json=body,
                               headers=bearer(forge_session(sub="1", secret="w" * 40))))
    assert pg.scalar("SELECT count(*) FROM payment_orders") == orders
    assert pg.scalar("SELECT count(*) FROM point_ledger") == rows


# ====================================================================== deduct-points

def test_deduct_points_debits_and_writes_the_ledger(server, user, pg):
    uid, auth = payer(user)
    grant(pg, uid, 5000)
    r = deduct(server, auth, 1200, "아이템 구매: 검")
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"deducted", "remaining_points", "ledger_id"}
    assert (body["deducted"], body["remaining_points"]) == (1200, 3800)
    assert isinstance(body["ledger_id"], str)
    rows = ledger(pg, uid)
    assert len(rows) == 2
    last = rows[-1]
    assert str(last["id"]) == body["ledger_id"]
    assert (last["delta"], last["balance_after"], last["reason"], last["source_type"]) == \
        (-1200, 3800, "아이템 구매: 검", "deduct")
    assert balance(pg, uid) == 3800
    # everything that is left may be spent, and not one point more
    r = deduct(server, auth, 3800)
    assert r.status_code == 200, r.text
    assert r.json()["remaining_points"] == 0
    assert_error(deduct(server, auth, 100), 409, "insufficient_points")
    assert balance(pg, uid) == 0 and len(ledger(pg, uid)) == 3
    assert_consistent(pg)


def test_deduct_points_refuses_to_go_negative(server, user, pg):
    uid, auth = payer(user)
    assert_error(deduct(server, auth, 100), 409, "insufficient_points")
    grant(pg, uid, 999)
    assert_error(deduct(server, auth, 1000), 409, "insufficient_points")
    assert balance(pg, uid) == 999 and len(ledger(pg, uid)) == 1
    assert_consistent(pg)


@pytest.mark.parametrize("amount", BAD_AMOUNTS, ids=BAD_AMOUNT_IDS)
def test_deduct_points_refuses_bad_amounts(server, user, pg, amount):
    uid, auth = payer(user)
    grant(pg, uid, 5000)
    assert_error(deduct(server, auth, amount), 400, bad_amount_code(amount))
    assert balance(pg, uid) == 5000 and len(ledger(pg, uid)) == 1


@pytest.mark.parametrize("body", [
    {"amount": 100},
    {"reason": "r"},
    {},
    {"amount": 100, "reason": ""},
    {"amount": 100, "reason": "가" * 201},
    {"amount": 100, "reason": None},
    {"amount": 100, "reason": 7},
], ids=lambda b: repr(b)[:40])
def test_deduct_points_refuses_bad_reasons_and_missing_fields(server, user, pg, body):
    uid, auth = payer(user)
    grant(pg, uid, 5000)
    r = server.post(BASE + "/user/deduct-points", headers=auth, json=body)
    assert_error(r, 400, "invalid_request")
    assert balance(pg, uid) == 5000 and len(ledger(pg, uid)) == 1


def test_deduct_points_accepts_a_200_character_reason(server, user, pg):
    uid, auth = payer(user)
    grant(pg, uid, 5000)
    r = deduct(server, auth, 100, "가" * 200)
    assert r.status_code == 200, r.text
    assert ledger(pg, uid)[-1]["reason"] == "가" * 200


def test_deduct_points_with_an_idempotency_key_debits_once(server, user, pg):
    uid, auth = payer(user)
    grant(pg, uid, 5000)
    key = "purchase-" + uuid.uuid4().hex
    first = deduct(server, auth, 700, "아이템", key=key)
    assert first.status_code == 200, first.text
    assert first.json()["remaining_points"] == 4300
    for _ in range(3):
        again = deduct(server, auth, 700, "아이템", key=key)
        assert again.status_code == 200, again.text
        assert again.json() == first.json()
    rows = ledger(pg, uid)
    assert len(rows) == 2
    assert rows[-1]["source_id"] == f"{uid}:{key}"
    assert balance(pg, uid) == 4300
    # the same key with other terms is refused and changes nothing
    assert_error(deduct(server, auth, 701, "아이템", key=key), 422, "idempotency_key_reused")
    assert_error(deduct(server, auth, 700, "다른 아이템", key=key), 422,
                 "idempotency_key_reused")
    # a new key is a new debit
    r = deduct(server, auth, 700, "아이템", key=key + "-2")
    assert r.status_code == 200 and r.json()["remaining_points"] == 3600
    assert len(ledger(pg, uid)) == 3
    assert_consistent(pg)


def test_idempotency_keys_belong_to_one_user(server, user, pg):
    uid1, auth1 = payer(user)
    uid2, auth2 = payer(user)
    grant(pg, uid1, 1000)
    grant(pg, uid2, 1000)
    key = "shared-" + uuid.uuid4().hex
    r1 = deduct(server, auth1, 300, "x", key=key)
    r2 = deduct(server, auth2, 400, "y", key=key)
    assert r1.status_code == 200 and r2.status_code == 200, (r1.text, r2.text)
    assert r1.json()["remaining_points"] == 700
    assert r2.json()["remaining_points"] == 600
    assert r1.json()["ledger_id"] != r2.json()["ledger_id"]
    assert (balance(pg, uid1), balance(pg, uid2)) == (700, 600)
    assert_consistent(pg)


def test_a_refused_deduction_does_not_use_up_its_key(server, user, pg):
    uid, auth = payer(user)
    key = "retry-" + uuid.uuid4().hex
    assert_error(deduct(server, auth, 500, "r", key=key), 409, "insufficient_points")
    assert ledger(pg, uid) == []
    grant(pg, uid, 500)
    r = deduct(server, auth, 500, "r", key=key)
    assert r.status_code == 200, r.text
    assert r.json()["remaining_points"] == 0
    assert_consistent(pg)


def test_deduct_points_without_a_key_debits_every_time(server, user, pg):
    uid, auth = payer(user)
    grant(pg, uid, 1000)
    ids = set()
    for left in (800, 600, 400):
        r = deduct(server, auth, 200, "same")
        assert r.status_code == 200, r.text
        assert r.json()["remaining_points"] == left
        ids.add(r.json()["ledger_id"])
    assert len(ids) == 3
    assert len({row["source_id"] for row in ledger(pg, uid)}) == 4
    assert_consistent(pg)


@pytest.mark.parametrize("key", ["k" * 301, "tab\tinside", "clé"],
                         ids=["301-chars", "tab", "latin1"])
def test_deduct_points_refuses_bad_idempotency_keys(server, user, pg, key):
    uid, auth = payer(user)
    grant(pg, uid, 1000)
    assert_error(deduct(server, auth, 100, key=key), 400, "invalid_request")
    assert balance(pg, uid) == 1000 and len(ledger(pg, uid)) == 1


def test_deduct_points_accepts_a_300_character_key(server, user, pg):
    uid, auth = payer(user)
    grant(pg, uid, 1000)
    key = "K" * 300
    r = deduct(server, auth, 100, key=key)
    assert r.status_code == 200, r.text
    assert deduct(server, auth, 100, key=key).json() == r.json()
    assert balance(pg, uid) == 900


# ====================================================================== cancel

def test_cancel_refunds_the_whole_order(server, tp, user, pg):
    uid, auth = payer(user)
    amount = new_amount()
    oid, pk = pay(server, tp, auth, amount)
    r = cancel(server, auth, oid, "단순 변심")
    assert r.status_code == 200, r.text
    assert r.json() == {"orderId": oid, "status": "CANCELLED", "cancelled_amount": amount,
                        "remaining_points": 0}
    calls = cancel_calls(tp, pk)
    assert len(calls) == 1
    rows = cancels(pg, oid)
    assert len(rows) == 1
    c = rows[0]
    assert (c["amount"], c["reason"], c["status"]) == (amount, "단순 변심", "DONE")
    assert c["transaction_key"] == tp.payments[pk]["cancels"][-1]["transactionKey"]
    assert calls[0].headers["Idempotency-Key"] == f"gh-cancel-{c['id']}"
    assert calls[0].headers["Authorization"] == tp.auth_header
    assert calls[0].json() == {"cancelReason": "단순 변심", "cancelAmount": amount}
    assert tp.payments[pk]["status"] == "CANCELED"
    assert order(pg, oid)["status"] == "CANCELLED"
    last = ledger(pg, uid)[-1]
    assert (last["delta"], last["balance_after"], last["source_type"], last["source_id"]) == \
        (-amount, 0, "toss_cancel", str(c["id"]))
    assert balance(pg, uid) == 0
    # nothing is left to cancel
    assert_error(cancel(server, auth, oid), 409, "order_not_cancellable")
    assert len(cancel_calls(tp, pk)) == 1
    assert_consistent(pg)


def test_partial_cancels(server, tp, user, pg):
    uid, auth = payer(user)
    amount = new_amount()
    oid, pk = pay(server, tp, auth, amount)
    part = amount // 3
    r = cancel(server, auth, oid, "일부 환불", amount=part)
    assert r.status_code == 200, r.text
    assert r.json() == {"orderId": oid, "status": "DONE", "cancelled_amount": part,
                        "remaining_points": amount - part}
    assert order(pg, oid)["status"] == "DONE"
    assert tp.payments[pk]["status"] == "PARTIAL_CANCELED"
    assert cancel_calls(tp, pk)[-1].json() == {"cancelReason": "일부 환불", "cancelAmount": part}
    # more than is left is refused before Toss is asked
    assert_error(cancel(server, auth, oid, amount=amount - part + 1), 400, "invalid_request")
    assert len(cancel_calls(tp, pk)) == 1
    # without an amount, the rest is cancelled
    r = cancel(server, auth, oid, "나머지 환불")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["orderId"], body["status"], body["remaining_points"]) == (oid, "CANCELLED", 0)
    assert cancel_calls(tp, pk)[-1].json() == {"cancelReason": "나머지 환불",
                                               "cancelAmount": amount - part}
    assert [(c["amount"], c["status"]) for c in cancels(pg, oid)] == \
        [(part, "DONE"), (amount - part, "DONE")]
    assert order(pg, oid)["status"] == "CANCELLED"
    assert tp.payments[pk]["balanceAmount"] == 0
    assert [row["delta"] for row in ledger(pg, uid)] == [amount, -part, -(amount - part)]
    assert_consistent(pg)


def test_cancel_is_refused_when_the_points_are_spent(server, tp, user, pg):
    uid, auth = payer(user)
    amount = new_amount()
    oid, pk = pay(server, tp, auth, amount)
    assert deduct(server, auth, amount - 50).status_code == 200
    before = ledger(pg, uid)
    assert_error(cancel(server, auth, oid), 409, "insufficient_points")
    assert cancel_calls(tp, pk) == []
    assert tp.payments[pk]["status"] == "DONE"
    assert order(pg, oid)["status"] == "DONE"
    assert [c for c in cancels(pg, oid) if c["status"] != "FAILED"] == []
    assert ledger(pg, uid) == before and balance(pg, uid) == 50
    # what is still there can be refunded
    r = cancel(server, auth, oid, amount=50)
    assert r.status_code == 200, r.text
    assert r.json()["remaining_points"] == 0
    assert_consistent(pg)


def test_toss_refusing_a_cancel_reverses_the_debit(server, tp, user, pg):
    uid, auth = payer(user)
    amount = new_amount()
    oid, pk = pay(server, tp, auth, amount)
    tp.script("cancel", 400, "NOT_CANCELABLE_PAYMENT", "취소 할 수 없는 결제 입니다.")
    r = cancel(server, auth, oid)
    assert r.status_code == 400, r.text
    assert r.json() == {"error": "cancel_failed", "message": "취소 할 수 없는 결제 입니다."}
    assert len(cancel_calls(tp, pk)) == 1
    rows = cancels(pg, oid)
    assert [c["status"] for c in rows] == ["FAILED"]
    assert order(pg, oid)["status"] == "DONE"
    assert balance(pg, uid) == amount
    tail = ledger(pg, uid)[-2:]
    assert [(t["delta"], t["source_type"], t["source_id"]) for t in tail] == \
        [(-amount, "toss_cancel", str(rows[0]["id"])),
         (amount, "toss_cancel_reversal", str(rows[0]["id"]))]
    assert tp.payments[pk]["status"] == "DONE"
    # and it may be tried again
    r = cancel(server, auth, oid)
    assert r.status_code == 200, r.text
    assert balance(pg, uid) == 0
    assert_consistent(pg)


@pytest.mark.parametrize("state", ["READY", "FAILED"])
def test_only_paid_orders_can_be_cancelled(server, tp, user, pg, state):
    uid, auth = payer(user)
    amount = new_amount()
    oid = prepared(server, auth, amount)
    if state == "FAILED":
        assert fail(server, code="PAY_PROCESS_CANCELED", message="m", orderId=oid) \
            .status_code == 200
    assert_error(cancel(server, auth, oid), 409, "order_not_cancellable")
    assert order(pg, oid)["status"] == state
    assert cancels(pg, oid) == [] and ledger(pg, uid) == []
    assert tp.requests == []


def test_another_users_order_cannot_be_cancelled(server, tp, user, pg):
    owner, owner_auth = payer(user)
    thief, thief_auth = payer(user)
    amount = new_amount()
    oid, pk = pay(server, tp, owner_auth, amount)
    grant(pg, thief, amount)
    assert_error(cancel(server, thief_auth, oid), 404, "order_not_found")
    assert_error(cancel(server, thief_auth, "unknown_" + uuid.uuid4().hex), 404,
                 "order_not_found")
    assert cancel_calls(tp, pk) == []
    assert order(pg, oid)["status"] == "DONE" and cancels(pg, oid) == []
    assert (balance(pg, owner), balance(pg, thief)) == (amount, amount)
    assert_consistent(pg)


@pytest.mark.parametrize("body", [
    {"reason": "r"},
    {"order_id": "{oid}"},
    {"order_id": "{oid}", "reason": ""},
    {"order_id": "{oid}", "reason": "가" * 201},
    {"order_id": "{oid}", "reason": 5},
    {"order_id": 5, "reason": "r"},
    {"order_id": None, "reason": "r"},
] + [{"order_id": "{oid}", "reason": "r", "amount": a} for a in BAD_AMOUNTS
     if a is not None],
    ids=lambda b: repr(b)[:50])
def test_cancel_refuses_bad_input(server, tp, user, pg, body):
    uid, auth = payer(user)
    amount = new_amount()
    oid, pk = pay(server, tp, auth, amount)
    body = {k: (v.format(oid=oid) if isinstance(v, str) else v) for k, v in body.items()}
    r = server.post(BASE + "/payment/cancel", headers=auth, json=body)
    assert_error(r, 400, bad_amount_code(body.get("amount")))
    assert cancel_calls(tp, pk) == []
    assert order(pg, oid)["status"] == "DONE" and cancels(pg, oid) == []
    assert balance(pg, uid) == amount


# ====================================================================== webhook

def test_webhook_credits_a_payment_we_never_heard_back_about(server, tp, user, pg):
    """The buyer paid and closed the window before the redirect: Toss's
    webhook finishes the order."""
    uid, auth, amount, oid, pk = authorized(server, tp, user)
    toss_confirm_directly(tp, pk, oid, amount)
    r = webhook(server, tp.webhook_body(pk))
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ok", "order_status": "DONE"}
    gets = lookups(tp, payment_key=pk)
    assert len(gets) == 1 and gets[0].headers["Authorization"] == tp.auth_header
    row = order(pg, oid)
    assert (row["status"], row["payment_key"]) == ("DONE", pk)
    assert row["approved_at"] is not None
    assert credits_for(pg, oid) == [(uid, amount)]
    assert balance(pg, uid) == amount
    # Toss resends; the redirect arrives late: nothing more is credited
    assert webhook(server, tp.webhook_body(pk)).json() == {"status": "ok",
                                                           "order_status": "DONE"}
    r = success(server, oid, pk, amount)
    assert r.status_code == 200 and r.json() == success_body(oid, pk, amount)
    assert confirms(tp, oid) == []
    assert credits_for(pg, oid) == [(uid, amount)]
    assert_consistent(pg)


def test_webhook_never_trusts_the_body(server, tp, user, pg):
    uid, auth = payer(user)
    amount = new_amount()
    oid = prepared(server, auth, amount)
    pk = tp.authorize(oid, amount)          # authenticated, not confirmed
    body = tp.webhook_body(pk)
    body["data"].update(status="DONE", approvedAt="2025-01-01T00:00:00+09:00",
                        totalAmount=10**6, balanceAmount=10**6)
    r = webhook(server, body)
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ok", "order_status": "READY"}
    assert len(lookups(tp, payment_key=pk)) == 1
    assert order(pg, oid)["status"] == "READY"
    assert balance(pg, uid) == 0 and ledger(pg, uid) == []


@pytest.mark.parametrize("toss_status,ours", [("EXPIRED", "FAILED"), ("ABORTED", "FAILED"),
                                              ("CANCELED", "CANCELLED")])
def test_webhook_closes_a_ready_order_that_toss_closed(server, tp, user, pg, toss_status, ours):
    uid, auth, amount, oid, pk = authorized(server, tp, user)
    tp.set_status(pk, toss_status)
    r = webhook(server, tp.webhook_body(pk))
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ok", "order_status": ours}
    assert order(pg, oid)["status"] == ours
    assert balance(pg, uid) == 0 and ledger(pg, uid) == []
    assert confirms(tp, oid) == []


def test_webhook_for_a_paid_order_changes_nothing(server, tp, user, pg):
    uid, auth = payer(user)
    amount = new_amount()
    oid, pk = pay(server, tp, auth, amount)
    r = webhook(server, tp.webhook_body(pk))
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ok", "order_status": "DONE"}
    assert credits_for(pg, oid) == [(uid, amount)]
    assert balance(pg, uid) == amount
    assert_consistent(pg)


def test_webhooks_that_are_not_for_us_are_ignored(server, tp, pg):
    rows = pg.scalar("SELECT count(*) FROM point_ledger")
    # another event type: Toss is not even asked
    foreign = tp.authorize("someone-else-" + uuid.uuid4().hex, 5000)
    body = tp.webhook_body(foreign)
    body["eventType"] = "DEPOSIT_CALLBACK"
    r = webhook(server, body)
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ignored"}
    assert lookups(tp, payment_key=foreign) == []
    # a payment that is not one of our orders
    tp.set_status(foreign, "DONE")
    r = webhook(server, tp.webhook_body(foreign))
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ignored"}
    # a paymentKey Toss does not know
    body = tp.webhook_body(foreign)
    body["data"]["paymentKey"] = "tgen_" + uuid.uuid4().hex[:20]
    r = webhook(server, body)
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ignored"}
    assert pg.scalar("SELECT count(*) FROM point_ledger") == rows


@pytest.mark.parametrize("raw", [
    b"",
    b"not json",
    b"[]",
    b'{"eventType":"PAYMENT_STATUS_CHANGED"}',
    b'{"eventType":"PAYMENT_STATUS_CHANGED","data":"x"}',
    b'{"eventType":"PAYMENT_STATUS_CHANGED","data":{}}',
    b'{"eventType":"PAYMENT_STATUS_CHANGED","data":{"paymentKey":5}}',
    b'{"eventType":"PAYMENT_STATUS_CHANGED","data":{"paymentKey":""}}',
    b'{"eventType":"PAYMENT_STATUS_CHANGED","data":{"paymentKey":"abc"',
], ids=lambda b: b.decode()[:40] or "empty")
def test_webhook_with_a_bad_body_is_400(server, tp, raw):
    r = server.post(BASE + "/webhook", data=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert r.headers["Content-Type"] == "application/json"
    assert set(r.json()) == {"error", "message"}
    assert tp.requests == []


@pytest.mark.parametrize("fault", ["status500", "garbage"])
def test_webhook_when_toss_fails_is_5xx_so_toss_resends(server, tp, user, pg, log_allow, fault):
    log_allow(TOSS_FAILED_LOG)
    uid, auth, amount, oid, pk = authorized(server, tp, user)
    toss_confirm_directly(tp, pk, oid, amount)
    tp.fail_next(f"/v1/payments/{pk}", fault)
    assert_upstream(webhook(server, tp.webhook_body(pk)), 502)
    assert order(pg, oid)["status"] == "READY"
    assert balance(pg, uid) == 0
    r = webhook(server, tp.webhook_body(pk))
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ok", "order_status": "DONE"}
    assert credits_for(pg, oid) == [(uid, amount)]
    assert_consistent(pg)


def test_webhook_when_toss_is_unreachable_is_503(make_server, server, tp, user, pg, log_allow):
    down = make_server("toss-payments-refused",
                       f'GameHoneyTossPaymentsURL "http://127.0.0.1:{free_port()}"\n')
    log_allow(TOSS_FAILED_LOG)            # after make_server: it applies to running servers
    uid, auth, amount, oid, pk = authorized(server, tp, user)
    toss_confirm_directly(tp, pk, oid, amount)
    assert_upstream(webhook(down, tp.webhook_body(pk)), 503)
    assert order(pg, oid)["status"] == "READY" and balance(pg, uid) == 0
    assert webhook(server, tp.webhook_body(pk)).status_code == 200
    assert credits_for(pg, oid) == [(uid, amount)]


# ====================================================================== admin and debug

ADMIN_ROUTES = [
    ("GET", "/debug/payment-status/{oid}", None),
    ("GET", "/debug/user-points/{uid}", None),
    ("POST", "/admin/manual-add-points", {"user_id": "{uid}", "amount": 1000, "reason": "x"}),
    ("GET", "/admin/check-payment/{oid}", None),
    ("POST", "/admin/recover-failed-payment/{oid}", None),
    ("GET", "/admin/list-failed-payments", None),
    ("GET", "/admin/ledger-check", None),
    ("GET", "/admin/debts", None),
]


@pytest.mark.parametrize("method,path,body", ADMIN_ROUTES, ids=[p for _, p, _ in ADMIN_ROUTES])
def test_admin_routes_refuse_users_and_anonymous_callers(server, tp, user, pg, log_allow,
                                                         method, path, body):
    log_allow(AUTHZ_FAILURE_LOG)
    uid, auth = payer(user)
    oid = prepared(server, auth, new_amount())
    path = BASE + path.format(oid=oid, uid=uid)
    if body:
        body = {k: (v.format(uid=uid) if isinstance(v, str) else v) for k, v in body.items()}
    tp.reset()
    rows = pg.scalar("SELECT count(*) FROM point_ledger")

    r = as_ip(server, method, path, json=body)
    assert_error(r, 401, "unauthorized")
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    r = as_ip(server, method, path, json=body, headers=auth)
    assert_error(r, 403, "forbidden")
    assert "WWW-Authenticate" not in r.headers
    # a role claim counts only under our signature
    forged = bearer(forge_session(sub=str(uid), role="admin", secret="w" * 40))
    assert_invalid_token(as_ip(server, method, path, json=body, headers=forged))

    assert pg.scalar("SELECT count(*) FROM point_ledger") == rows
    assert balance(pg, uid) == 0
    assert order(pg, oid)["status"] == "READY"
    assert tp.requests == []


def test_debug_payment_status(server, tp, user, pg):
    admin, admin_auth = admin_of(user)
    uid, auth = payer(user)
    amount = new_amount()
    oid, pk = pay(server, tp, auth, amount, "다이아 100개")
    part = amount // 4
    assert cancel(server, auth, oid, "일부", amount=part).status_code == 200
    r = server.get(f"{BASE}/debug/payment-status/{oid}", headers=admin_auth)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == DEBUG_KEYS
    assert (body["orderId"], body["user_id"], body["provider"], body["amount"],
            body["order_name"], body["status"], body["payment_key"], body["failure_code"],
            body["failure_message"]) == \
        (oid, str(uid), "toss", amount, "다이아 100개", "DONE", pk, None, None)
    assert isinstance(body["created_at"], str) and isinstance(body["approved_at"], str)
    [c] = body["cancels"]
    assert set(c) == {"id", "amount", "status", "reason"}
    assert (str(c["id"]), c["amount"], c["status"], c["reason"]) == \
        (str(cancels(pg, oid)[0]["id"]), part, "DONE", "일부")

    oid2 = prepared(server, auth, new_amount())
    body = server.get(f"{BASE}/debug/payment-status/{oid2}", headers=admin_auth).json()
    assert (body["status"], body["payment_key"], body["approved_at"], body["cancels"]) == \
        ("READY", None, None, [])

    r = server.get(f"{BASE}/debug/payment-status/unknown_{uuid.uuid4().hex}", headers=admin_auth)
    assert r.status_code == 404, r.text
    assert set(r.json()) == {"error", "message"}


def test_debug_user_points(server, user, pg):
    admin, admin_auth = admin_of(user)
    uid, auth = payer(user)
    for i in range(55):
        grant(pg, uid, 100 + i)
    assert deduct(server, auth, 300, "구매").status_code == 200
    r = server.get(f"{BASE}/debug/user-points/{uid}", headers=admin_auth)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"user_id", "remaining_points", "ledger_sum", "consistent", "ledger"}
    total = sum(100 + i for i in range(55)) - 300
    assert (body["user_id"], body["remaining_points"], body["ledger_sum"], body["consistent"]) \
        == (str(uid), total, total, True)
    assert len(body["ledger"]) == 50
    assert all(set(e) == {"id", "delta", "balance_after", "reason", "source_type",
                          "source_id", "created_at"} for e in body["ledger"])
    rows = ledger(pg, uid)
    newest = list(reversed(rows))[:50]
    assert [str(e["id"]) for e in body["ledger"]] == [str(r_["id"]) for r_ in newest]
    assert (body["ledger"][0]["delta"], body["ledger"][0]["balance_after"],
            body["ledger"][0]["source_type"], body["ledger"][0]["reason"]) == \
        (-300, total, "deduct", "구매")

    r = server.get(f"{BASE}/debug/user-points/{10**15}", headers=admin_auth)
    assert r.status_code == 404, r.text
    assert set(r.json()) == {"error", "message"}


def manual_add(srv, admin_auth, uid, amount, reason="CS 보상", key=None):
    headers = dict(admin_auth)
    if key:
        headers["Idempotency-Key"] = key
    return srv.post(BASE + "/admin/manual-add-points", headers=headers,
                    json={"user_id": str(uid), "amount": amount, "reason": reason})


def test_manual_add_points(server, user, pg):
    admin, admin_auth = admin_of(user)
    uid, _ = payer(user)
    r = manual_add(server, admin_auth, uid, 2500, "서버 점검 보상")
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"user_id", "added", "remaining_points", "ledger_id"}
    assert (body["user_id"], body["added"], body["remaining_points"]) == (str(uid), 2500, 2500)
    [row] = ledger(pg, uid)
    assert str(row["id"]) == body["ledger_id"]
    assert (row["delta"], row["balance_after"], row["reason"], row["source_type"],
            row["actor"]) == (2500, 2500, "서버 점검 보상", "manual", str(admin))
    assert balance(pg, uid) == 2500

    key = "cs-ticket-" + uuid.uuid4().hex
    first = manual_add(server, admin_auth, uid, 300, "중복 방지", key=key)
    assert first.status_code == 200, first.text
    again = manual_add(server, admin_auth, uid, 300, "중복 방지", key=key)
    assert again.status_code == 200 and again.json() == first.json()
    assert balance(pg, uid) == 2800 and len(ledger(pg, uid)) == 2

    r = manual_add(server, admin_auth, 10**15, 300)
    assert r.status_code == 404, r.text
    assert set(r.json()) == {"error", "message"}
    assert_consistent(pg)


@pytest.mark.parametrize("body", [
    {"amount": 100, "reason": "r"},
    {"user_id": "{uid}", "reason": "r"},
    {"user_id": "{uid}", "amount": 100},
    {"user_id": "{uid}", "amount": 100, "reason": ""},
    {"user_id": "{uid}", "amount": 100, "reason": "가" * 201},
    {"user_id": "{uid}", "amount": 100, "reason": None},
] + [{"user_id": "{uid}", "amount": a, "reason": "r"} for a in BAD_AMOUNTS],
    ids=lambda b: repr(b)[:50])
def test_manual_add_points_refuses_bad_input(server, user, pg, body):
    admin, admin_auth = admin_of(user)
    uid, _ = payer(user)
    body = {k: (v.format(uid=uid) if isinstance(v, str) else v) for k, v in body.items()}
    r = server.post(BASE + "/admin/manual-add-points", headers=admin_auth, json=body)
    assert_error(r, 400, bad_amount_code(body.get("amount")))
    assert balance(pg, uid) == 0 and ledger(pg, uid) == []


def test_check_payment_credits_a_stuck_payment_once(server, tp, user, pg):
    admin, admin_auth = admin_of(user)
    uid, auth, amount, oid, pk = authorized(server, tp, user)
    toss_confirm_directly(tp, pk, oid, amount)
    r = server.get(f"{BASE}/admin/check-payment/{oid}", headers=admin_auth)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"order", "toss_status", "changed"}
    assert (body["toss_status"], body["changed"]) == ("DONE", True)
    assert set(body["order"]) == DEBUG_KEYS
    assert (body["order"]["orderId"], body["order"]["status"], body["order"]["payment_key"]) \
        == (oid, "DONE", pk)
    assert len(lookups(tp, order_id=oid)) == 1
    assert credits_for(pg, oid) == [(uid, amount)]
    assert balance(pg, uid) == amount
    # asking again changes nothing, and neither does the late redirect
    body = server.get(f"{BASE}/admin/check-payment/{oid}", headers=admin_auth).json()
    assert (body["toss_status"], body["changed"], body["order"]["status"]) == \
        ("DONE", False, "DONE")
    r = success(server, oid, pk, amount)
    assert r.status_code == 200 and r.json() == success_body(oid, pk, amount)
    assert confirms(tp, oid) == []
    assert credits_for(pg, oid) == [(uid, amount)]
    assert_consistent(pg)


def test_check_payment_without_a_toss_payment(server, tp, user, pg):
    admin, admin_auth = admin_of(user)
    uid, auth = payer(user)
    amount = new_amount()
    oid = prepared(server, auth, amount)
    r = server.get(f"{BASE}/admin/check-payment/{oid}", headers=admin_auth)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["toss_status"], body["changed"], body["order"]["status"]) == \
        (None, False, "READY")
    assert order(pg, oid) == ready(uid, amount)
    # an authenticated but unconfirmed payment is left alone too
    pk = tp.authorize(oid, amount)
    body = server.get(f"{BASE}/admin/check-payment/{oid}", headers=admin_auth).json()
    assert (body["toss_status"], body["changed"], body["order"]["status"]) == \
        ("IN_PROGRESS", False, "READY")
    assert confirms(tp, oid) == [] and tp.payments[pk]["status"] == "IN_PROGRESS"
    assert balance(pg, uid) == 0

    assert_error(server.get(f"{BASE}/admin/check-payment/unknown_{uuid.uuid4().hex}",
                            headers=admin_auth), 404, "order_not_found")


def test_recover_failed_payment(server, tp, user, pg):
    admin, admin_auth = admin_of(user)
    uid, auth, amount, oid, pk = authorized(server, tp, user)
    # Toss refused our confirm, yet the payment ended up DONE at Toss
    tp.script("confirm", 400, "REJECT_CARD_COMPANY", REJECT_MESSAGE)
    assert success(server, oid, pk, amount).status_code == 400
    assert order(pg, oid)["status"] == "FAILED"
    toss_confirm_directly(tp, pk, oid, amount)

    r = server.post(f"{BASE}/admin/recover-failed-payment/{oid}", headers=admin_auth)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"recovered", "order"}
    assert body["recovered"] is True
    assert (body["order"]["orderId"], body["order"]["status"]) == (oid, "DONE")
    assert order(pg, oid)["status"] == "DONE"
    assert credits_for(pg, oid) == [(uid, amount)]
    assert balance(pg, uid) == amount
    # once recovered it is not recoverable again
    r = server.post(f"{BASE}/admin/recover-failed-payment/{oid}", headers=admin_auth)
    assert_error(r, 409, "not_recoverable")
    assert credits_for(pg, oid) == [(uid, amount)]
    assert_consistent(pg)


def test_recover_refuses_payments_toss_did_not_complete(server, tp, user, pg):
    admin, admin_auth = admin_of(user)
    uid, auth, amount, oid, pk = authorized(server, tp, user)
    body = assert_error(server.post(f"{BASE}/admin/recover-failed-payment/{oid}",
                                    headers=admin_auth), 409, "not_recoverable")
    assert "IN_PROGRESS" in body["message"]
    tp.set_status(pk, "ABORTED")
    assert fail(server, code="PAY_PROCESS_ABORTED", message="m", orderId=oid).status_code == 200
    body = assert_error(server.post(f"{BASE}/admin/recover-failed-payment/{oid}",
                                    headers=admin_auth), 409, "not_recoverable")
    assert "ABORTED" in body["message"]
    assert order(pg, oid)["status"] == "FAILED"
    assert confirms(tp, oid) == []
    assert balance(pg, uid) == 0 and ledger(pg, uid) == []
    # an order without any Toss payment
    oid2 = prepared(server, auth, new_amount())
    assert_error(server.post(f"{BASE}/admin/recover-failed-payment/{oid2}",
                             headers=admin_auth), 409, "not_recoverable")
    r = server.post(f"{BASE}/admin/recover-failed-payment/unknown_{uuid.uuid4().hex}",
                    headers=admin_auth)
    assert_error(r, 404, "order_not_found")


def test_list_failed_payments(server, user, pg):
    admin, admin_auth = admin_of(user)
    uid, auth = payer(user)
    a1, a2 = new_amount(), new_amount()
    o1, o2 = prepared(server, auth, a1), prepared(server, auth, a2)
    prepared(server, auth, new_amount())               # READY, not listed
    assert fail(server, code="F1", message="첫째", orderId=o1).status_code == 200
    assert fail(server, code="F2", message="둘째", orderId=o2).status_code == 200
    r = server.get(BASE + "/admin/list-failed-payments", headers=admin_auth,
                   params={"limit": 2})
    assert r.status_code == 200, r.text
    orders = r.json()["orders"]
    assert set(r.json()) == {"orders"}
    assert [o["orderId"] for o in orders] == [o2, o1]
    assert all(set(o) == DEBUG_KEYS - {"cancels"} for o in orders)
    assert [(o["status"], o["failure_code"], o["failure_message"], o["amount"], o["user_id"])
            for o in orders] == [("FAILED", "F2", "둘째", a2, str(uid)),
                                 ("FAILED", "F1", "첫째", a1, str(uid))]
    r = server.get(BASE + "/admin/list-failed-payments", headers=admin_auth,
                   params={"limit": 1})
    assert [o["orderId"] for o in r.json()["orders"]] == [o2]
    r = server.get(BASE + "/admin/list-failed-payments", headers=admin_auth)
    listed = r.json()["orders"]
    assert 2 <= len(listed) <= 50
    assert [o["orderId"] for o in listed[:2]] == [o2, o1]
    assert all(o["status"] == "FAILED" for o in listed)
    r = server.get(BASE + "/admin/list-failed-payments", headers=admin_auth,
                   params={"limit": 200})
    assert r.status_code == 200
    for bad in ("0", "201", "-1", "abc", "1.5", ""):
        assert_error(server.get(BASE + "/admin/list-failed-payments", headers=admin_auth,
                                params={"limit": bad}), 400, "invalid_request")


def test_ledger_check(server, user, pg):
    admin, admin_auth = admin_of(user)
    r = server.get(BASE + "/admin/ledger-check", headers=admin_auth)
    assert r.status_code == 200, r.text
    assert r.json() == {"consistent": True, "mismatches": []}

    uid, _ = payer(user)
    grant(pg, uid, 400)
    pg.query("UPDATE users SET remaining_points = 7 WHERE id = %s", (uid,))
    try:
        r = server.get(BASE + "/admin/ledger-check", headers=admin_auth)
        assert r.status_code == 200, r.text
        assert r.json() == {"consistent": False, "mismatches": [
            {"user_id": str(uid), "remaining_points": 7, "ledger_sum": 400}]}
        body = server.get(f"{BASE}/debug/user-points/{uid}", headers=admin_auth).json()
        assert (body["remaining_points"], body["ledger_sum"], body["consistent"]) == \
            (7, 400, False)
    finally:
        pg.query("UPDATE users SET remaining_points = 400 WHERE id = %s", (uid,))
    assert server.get(BASE + "/admin/ledger-check", headers=admin_auth).json() == \
        {"consistent": True, "mismatches": []}


def test_the_ledger_is_append_only(pg, user):
    uid, _ = payer(user)
    grant(pg, uid, 100)
    import psycopg2
    for sql in ("UPDATE point_ledger SET delta = 1000 WHERE user_id = %s",
                "DELETE FROM point_ledger WHERE user_id = %s"):
        with pytest.raises(psycopg2.Error):
            pg.query(sql, (uid,))
    with pytest.raises(psycopg2.Error):
        pg.query("TRUNCATE point_ledger")
    assert [r["delta"] for r in ledger(pg, uid)] == [100]
    # and the balance cannot go below zero, whatever writes it
    with pytest.raises(psycopg2.Error):
        pg.query("UPDATE users SET remaining_points = -1 WHERE id = %s", (uid,))
    assert balance(pg, uid) == 100


def test_prepare_order_name_json_escapes_round_trip(server, user, pg):
    uid, auth = payer(user)
    name = 'Quote " back\\slash \u00e9 \U0001F600'
    r = prepare(server, auth, new_amount(), name)
    assert r.status_code == 200, r.text
    assert json.loads(r.text)["orderName"] == name
    assert order(pg, r.json()["orderId"])["order_name"] == name
