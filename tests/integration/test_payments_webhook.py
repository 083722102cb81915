"""Toss Payments' webhook at /api/payments/webhook: a status change is never
trusted from the body but asked of Toss (issue 4; contract: docs/MONEY_API.md).

Every test makes its own users and orders and asserts the answer, the
database afterwards and what the Toss Payments fake received.
"""
import uuid

import pytest

from conftest import free_port
from payments_helpers import (BASE, TOSS_FAILED_LOG, assert_consistent, assert_upstream,
                              authorized, balance, confirms, credits_for, ledger, lookups,
                              new_amount, order, pay, payer, prepared, success, success_body,
                              toss_confirm_directly, tp, webhook)

assert tp  # the fixture, imported for pytest


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
