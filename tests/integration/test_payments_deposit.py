"""Virtual-account payments (issue 11, item 3; contract: docs/MONEY_API.md):
confirm answers WAITING_FOR_DEPOSIT, the order waits, the deposit webhook
credits it exactly once, and expiry or a cancel ends it."""
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from accounts_helpers import assert_error
from payments_helpers import (BASE, admin_of, assert_consistent, balance, cancel_calls, confirms,
                              credits_for, ledger, new_amount, order, payer, prepared, success,
                              tp, webhook)

assert tp  # the fixture, imported for pytest


def waiting_order(srv, tp, user):
    """A new payer's order paid by virtual account, confirmed: waiting."""
    uid, auth = payer(user)
    amount = new_amount()
    oid = prepared(srv, auth, amount)
    pk = tp.authorize(oid, amount, method=tp.VIRTUAL_ACCOUNT)
    r = success(srv, oid, pk, amount)
    assert r.status_code == 200, r.text
    return uid, auth, amount, oid, pk, r


def test_confirm_waiting_for_deposit_is_200_and_the_order_waits(server, tp, user, pg):
    uid, auth, amount, oid, pk, r = waiting_order(server, tp, user)
    va = tp.payments[pk]["virtualAccount"]
    assert r.json() == {"status": "WAITING_FOR_DEPOSIT", "orderId": oid, "paymentKey": pk,
                        "amount": amount,
                        "virtualAccount": {k: va[k] for k in ("accountNumber", "bankCode",
                                                              "customerName", "dueDate")}}
    row = order(pg, oid)
    assert (row["status"], row["payment_key"], row["approved_at"]) == \
        ("WAITING_FOR_DEPOSIT", pk, None)
    assert credits_for(pg, oid) == [] and balance(pg, uid) == 0
    # the redirect again: the same answer, nothing credited
    again = success(server, oid, pk, amount)
    assert again.status_code == 200 and again.json() == r.json(), again.text
    assert len(confirms(tp, oid)) == 2 and credits_for(pg, oid) == []
    assert order(pg, oid)["status"] == "WAITING_FOR_DEPOSIT"
    assert_consistent(pg)


@pytest.mark.parametrize("shape", ["status_changed", "deposit_callback"])
def test_the_deposit_webhook_credits_once(server, tp, user, pg, shape):
    uid, auth, amount, oid, pk, _ = waiting_order(server, tp, user)
    tp.deposit(pk)
    body = tp.webhook_body(pk) if shape == "status_changed" else tp.deposit_callback_body(pk)
    with ThreadPoolExecutor(10) as ex:
        replies = list(ex.map(lambda _: requests.post(server.url + BASE + "/webhook", json=body,
                                                      timeout=30), range(10)))
    for r in replies:
        assert r.status_code == 200, r.text
        assert r.json() == {"status": "ok", "order_status": "DONE"}
    assert credits_for(pg, oid) == [(uid, amount)]
    assert balance(pg, uid) == amount and len(ledger(pg, uid)) == 1
    row = order(pg, oid)
    assert row["status"] == "DONE" and row["approved_at"] is not None
    # the browser's redirect, late, answers paid
    r = success(server, oid, pk, amount)
    assert r.status_code == 200 and r.json()["status"] == "DONE", r.text
    assert credits_for(pg, oid) == [(uid, amount)]
    assert_consistent(pg)


def test_a_deposit_callback_for_an_order_toss_does_not_know_is_ignored(server, tp, pg):
    r = webhook(server, {"createdAt": "2026-01-01T00:00:00.000000", "secret": "ps_x",
                         "status": "DONE", "transactionKey": "T", "orderId": "no-such-order"})
    assert r.status_code == 200 and r.json() == {"status": "ignored"}, r.text
    r = webhook(server, {"secret": "ps_x", "status": "DONE", "orderId": "bad/id"})
    assert_error(r, 400, "invalid_request")


def test_an_expired_virtual_account_fails_the_order(server, tp, user, pg):
    uid, auth, amount, oid, pk, _ = waiting_order(server, tp, user)
    r = webhook(server, tp.expire(pk))
    assert r.status_code == 200 and r.json() == {"status": "ok", "order_status": "FAILED"}
    row = order(pg, oid)
    assert (row["status"], row["failure_code"]) == ("FAILED", "EXPIRED")
    assert credits_for(pg, oid) == [] and balance(pg, uid) == 0
    assert_consistent(pg)


def test_a_virtual_account_cancelled_at_toss_cancels_the_order(server, tp, user, pg):
    uid, auth, amount, oid, pk, _ = waiting_order(server, tp, user)
    tp.cancel_externally(pk)
    r = webhook(server, tp.webhook_body(pk))
    assert r.status_code == 200 and r.json() == {"status": "ok", "order_status": "CANCELLED"}
    assert credits_for(pg, oid) == [] and balance(pg, uid) == 0
    # a deposit cannot follow, and a late redirect is refused
    assert_error(success(server, oid, pk, amount), 409, "order_cancelled")
    assert_consistent(pg)


def test_the_user_cancels_a_virtual_account_waiting_for_its_deposit(server, tp, user, pg):
    uid, auth, amount, oid, pk, _ = waiting_order(server, tp, user)
    url = server.url + BASE + "/payment/cancel"
    r = requests.post(url, headers=auth, timeout=30,
                      json={"order_id": oid, "reason": "안 낼래요", "amount": 100})
    assert_error(r, 409, "order_not_cancellable")
    assert cancel_calls(tp, pk) == []
    r = requests.post(url, headers=auth, timeout=30, json={"order_id": oid, "reason": "안 낼래요"})
    assert r.status_code == 200, r.text
    assert r.json() == {"orderId": oid, "status": "CANCELLED", "cancelled_amount": 0,
                        "remaining_points": 0}
    [call] = cancel_calls(tp, pk)
    assert call.json() == {"cancelReason": "안 낼래요"}
    assert call.headers["Idempotency-Key"] == f"gh-cancel-{oid}-deposit"
    assert tp.payments[pk]["status"] == "CANCELED" and tp.refunded(pk) == 0
    assert order(pg, oid)["status"] == "CANCELLED"
    assert pg.scalar("SELECT count(*) FROM payment_cancels WHERE order_id = %s", (oid,)) == 0
    assert ledger(pg, uid) == [] and balance(pg, uid) == 0
    r = requests.post(url, headers=auth, timeout=30, json={"order_id": oid, "reason": "again"})
    assert_error(r, 409, "order_not_cancellable")
    assert_consistent(pg)


def test_check_payment_finishes_a_deposit_whose_webhook_never_came(server, tp, user, pg):
    admin, admin_auth = admin_of(user)
    uid, auth, amount, oid, pk, _ = waiting_order(server, tp, user)
    r = server.get(f"{BASE}/admin/check-payment/{oid}", headers=admin_auth)
    assert r.status_code == 200 and r.json()["changed"] is False, r.text
    assert r.json()["order"]["status"] == "WAITING_FOR_DEPOSIT"
    tp.deposit(pk)
    r = server.get(f"{BASE}/admin/check-payment/{oid}", headers=admin_auth)
    assert (r.json()["changed"], r.json()["order"]["status"]) == (True, "DONE")
    assert credits_for(pg, oid) == [(uid, amount)] and balance(pg, uid) == amount
    assert_consistent(pg)
