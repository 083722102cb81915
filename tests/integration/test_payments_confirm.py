"""The payment window's return legs: success (the server confirms with Toss
and credits the points once) and fail (issue 4; contract: docs/MONEY_API.md).

Every test makes its own users and orders and asserts the answer, the
database afterwards (payment_orders, point_ledger, users.remaining_points)
and what the Toss Payments fake received.
"""
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest

from accounts_helpers import assert_error
from conftest import free_port
from payments_helpers import (BASE, NAME, REJECT_MESSAGE, TOSS_FAILED_LOG, assert_confirm_call,
                              assert_consistent, assert_upstream, authorized, balance, cancel,
                              confirms, credits_for, fail, ledger, lookups, new_amount, order, pay,
                              payer, prepared, ready, success, success_body, toss_confirm_directly,
                              tp)

assert tp  # the fixture, imported for pytest


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
