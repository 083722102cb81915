"""Cancelling a paid order at /api/payments/payment/cancel: the refund at Toss
and the points taken back (issue 4; contract: docs/MONEY_API.md).

Every test makes its own users and orders and asserts the answer, the
database afterwards (payment_orders, payment_cancels, point_ledger,
users.remaining_points) and what the Toss Payments fake received.
"""
import uuid

import pytest

from accounts_helpers import assert_error
from payments_helpers import (BAD_AMOUNTS, BASE, assert_consistent, bad_amount_code, balance,
                              cancel, cancel_calls, cancels, deduct, fail, grant, ledger,
                              new_amount, order, pay, payer, prepared, tp)

assert tp  # the fixture, imported for pytest


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
