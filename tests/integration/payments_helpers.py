"""Shared helpers of the Toss Payments and points-ledger tests
(docs/MONEY_API.md).

Every test makes its own users and orders, and takes its amounts from one
counter, so that nothing it asserts (ledger rows, fake requests filtered by
order id) can belong to another test: the server, the database and the fakes
are shared by the whole session.
"""
import hashlib
import itertools
import random
import re
import time

import pytest
import requests

from accounts_helpers import assert_error, bearer, forge_session
from conftest import Httpd

BASE = "/api/payments"
ORDER_ID = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
CONSISTENT = "SELECT count(*) FROM point_balance_mismatches"

# Lines the module must log when Toss does not answer as it should.
TOSS_FAILED_LOG = r"\[gamehoney:error\].*Toss ?Payments.*(call failed|answered unexpectedly)"
DB_ERRORS = r"\[dbd:error\]|\[gamehoney:error\].*database"
AUTHZ_FAILURE_LOG = r"AH01631: user \d+: authorization failure"

NAME = "게임 포인트 충전"
REJECT_MESSAGE = "카드사에서 거절했습니다. 카드사 문의가 필요합니다."


# Bad amounts: every one is 400 wherever an amount is taken: invalid_request,
# or invalid_json for a number no 64-bit integer holds (the strict JSON
# reader refuses those for every field, rather than let json-c clamp them).
def bad_amount_code(amount):
    too_big = isinstance(amount, int) and not isinstance(amount, bool) and abs(amount) >= 2**63
    return "invalid_json" if too_big else "invalid_request"


BAD_AMOUNTS = [0, -1, -1000, 2**63, 2**64, 10**30, "1000", "abc", "", 1000.0, 1000.5,
               True, False, None, [1000], {"value": 1000}]
BAD_AMOUNT_IDS = [repr(a)[:20] for a in BAD_AMOUNTS]

# Amounts inside the default GameHoneyPaymentAmount (100..1000000), one per
# use, so a test's ledger rows are recognisable by amount as well.
_amounts = itertools.count(random.randrange(1000, 200000) * 2)


def new_amount():
    return next(_amounts)


def module_timeout():
    """The module's upstream timeout in seconds, as the test conf sets it."""
    found = [int(v) for v in re.findall(r"GameHoneyHTTPTimeout\s+(\d+)", Httpd.providers)]
    return (max(found) if found else 10000) / 1000.0


# ------------------------------------------------------------------ users

def payer(user):
    """A fresh user and the bearer headers of one of our access tokens for it."""
    _, uid = user(subs=0, tokens=0)
    return uid, bearer(forge_session(sub=str(uid)))


def admin_of(user):
    """A fresh admin (role in the database and in the token)."""
    _, uid = user(subs=0, tokens=0, role="admin")
    return uid, bearer(forge_session(sub=str(uid), role="admin"))


def balance(pg, uid):
    return pg.scalar("SELECT remaining_points FROM users WHERE id = %s", (uid,))


def ledger(pg, uid):
    """The user's ledger rows, oldest first, as dicts."""
    rows = pg.query("SELECT id, delta, balance_after, reason, source_type, source_id, actor "
                    "FROM point_ledger WHERE user_id = %s ORDER BY id", (uid,))
    keys = ("id", "delta", "balance_after", "reason", "source_type", "source_id", "actor")
    return [dict(zip(keys, row)) for row in rows]


def credits_for(pg, order_id):
    """Ledger rows that credit a Toss order."""
    return pg.query("SELECT user_id, delta FROM point_ledger "
                    "WHERE source_type = 'toss_payment' AND source_id = %s", (order_id,))


def grant(pg, uid, points):
    """Gives a user points the way the ledger demands: one ledger row and the
    balance, in one statement."""
    pg.query("WITH u AS (UPDATE users SET remaining_points = remaining_points + %s "
             "           WHERE id = %s RETURNING remaining_points) "
             "INSERT INTO point_ledger (user_id, delta, balance_after, reason, source_type, "
             "                          source_id, actor) "
             "SELECT %s, %s, remaining_points, 'test grant', 'manual', "
             "       'test-' || gen_random_uuid(), 'test' FROM u",
             (points, uid, uid, points))
    return balance(pg, uid)


def assert_consistent(pg):
    """Every balance and every debt is the sum of its ledger rows."""
    assert pg.scalar(CONSISTENT) == 0, pg.query("SELECT * FROM point_balance_mismatches")


# The points an order's refunds took back through the ledger: our cancels
# (toss_cancel, less toss_cancel_reversal) and refunds made at Toss
# (toss_refund, balance and debt together).
TAKEN_BACK = ("SELECT coalesce(-sum(pl.delta - pl.debt_delta), 0) FROM point_ledger pl "
              "WHERE (pl.source_type IN ('toss_cancel', 'toss_cancel_reversal') "
              "       AND pl.source_id IN (SELECT id::text FROM payment_cancels "
              "                            WHERE order_id = %s)) "
              "   OR (pl.source_type = 'toss_refund' "
              "       AND pl.source_id IN (SELECT transaction_key FROM payment_cancels "
              "                            WHERE order_id = %s AND origin = 'toss'))")


def taken_back(pg, order_id):
    return pg.scalar(TAKEN_BACK, (order_id, order_id))


def pending_cancels(pg, order_id):
    return pg.scalar("SELECT count(*) FROM payment_cancels WHERE order_id = %s "
                     "AND status = 'PENDING'", (order_id,))


def credited(pg, order_id):
    """The points the order's payment credited (its debt payment included)."""
    return pg.scalar("SELECT coalesce(sum(delta - debt_delta), 0) FROM point_ledger "
                     "WHERE source_type = 'toss_payment' AND source_id = %s", (order_id,))


def assert_refunds_match(pg, tp, order_id, payment_key):
    """No refund of the order is left PENDING, the points its refunds took
    back are the money Toss gave back, and so the points it still gives are
    the money Toss kept."""
    assert pending_cancels(pg, order_id) == 0, cancels(pg, order_id)
    pay = tp.payment_by_key(payment_key)
    kept = pay["totalAmount"] - tp.refunded(payment_key) if pay["approvedAt"] else 0
    if credited(pg, order_id):
        assert taken_back(pg, order_id) == tp.refunded(payment_key), \
            (cancels(pg, order_id), pay["cancels"])
    assert credited(pg, order_id) - taken_back(pg, order_id) == kept, \
        (order(pg, order_id), cancels(pg, order_id), pay)


# ------------------------------------------------------------------ orders

OPEN = ("READY", "WAITING_FOR_DEPOSIT", "FAILED")
ORDER_COLS = ("user_id", "provider", "amount", "order_name", "status", "payment_key",
              "failure_code", "failure_message", "approved_at")


def order(pg, order_id):
    rows = pg.query(f"SELECT {', '.join(ORDER_COLS)} FROM payment_orders WHERE order_id = %s",
                    (order_id,))
    return dict(zip(ORDER_COLS, rows[0])) if rows else None


def ready(uid, amount, name=NAME):
    """The payment_orders row of a fresh prepared order."""
    return {"user_id": uid, "provider": "toss", "amount": amount, "order_name": name,
            "status": "READY", "payment_key": None, "failure_code": None,
            "failure_message": None, "approved_at": None}


def assert_paid_once(pg, order_id, payment_key, uid, amount):
    """The order is DONE with payment_key and was credited to uid exactly
    once: one ledger row (the payer is new), the balance is the amount, and
    every balance matches its ledger."""
    row = order(pg, order_id)
    assert (row["status"], row["payment_key"]) == ("DONE", payment_key), row
    assert credits_for(pg, order_id) == [(uid, amount)]
    assert balance(pg, uid) == amount and len(ledger(pg, uid)) == 1
    assert_consistent(pg)


def cancels(pg, order_id):
    rows = pg.query("SELECT id, amount, reason, status, transaction_key FROM payment_cancels "
                    "WHERE order_id = %s ORDER BY id", (order_id,))
    return [dict(zip(("id", "amount", "reason", "status", "transaction_key"), r)) for r in rows]


def prepare(srv, auth, amount, name="게임 포인트 충전", **kw):
    return srv.post(BASE + "/payment/prepare", headers=auth,
                    json={"amount": amount, "order_name": name}, **kw)


def prepared(srv, auth, amount, name="게임 포인트 충전"):
    r = prepare(srv, auth, amount, name)
    assert r.status_code == 200, r.text
    return r.json()["orderId"]


def authorized(srv, tp, user):
    """A new payer's prepared order that the buyer has authenticated at Toss,
    not yet confirmed: (uid, auth, amount, order id, paymentKey)."""
    uid, auth = payer(user)
    amount = new_amount()
    oid = prepared(srv, auth, amount)
    return uid, auth, amount, oid, tp.authorize(oid, amount)


def success(srv, order_id, payment_key, amount, **kw):
    params = {"paymentType": "NORMAL", "orderId": order_id, "paymentKey": payment_key,
              "amount": str(amount)}
    return srv.get(BASE + "/success", params=params, **kw)


def success_body(order_id, payment_key, amount):
    return {"status": "DONE", "orderId": order_id, "paymentKey": payment_key, "amount": amount}


def fail(srv, **params):
    return srv.get(BASE + "/fail", params=params)


def pay(srv, tp, auth, amount, name="게임 포인트 충전"):
    """prepare, the buyer authenticates, the success redirect: a DONE order."""
    oid = prepared(srv, auth, amount, name)
    pk = tp.authorize(oid, amount, name)
    r = success(srv, oid, pk, amount)
    assert r.status_code == 200, r.text
    assert r.json() == success_body(oid, pk, amount)
    return oid, pk


def webhook(srv, body, **kw):
    return srv.post(BASE + "/webhook", json=body, **kw)


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


# ------------------------------------------------------------------ the fake

def confirm_key(order_id, payment_key):
    return "gh-confirm-%s-%s" % (order_id,
                                 hashlib.sha256(payment_key.encode()).hexdigest()[:32])


def confirms(tp, order_id):
    """The module's confirm calls for one order (direct test calls excluded)."""
    return [r for r in tp.requests_to("/v1/payments/confirm", "POST")
            if "X-Test-Direct" not in r.headers and r.json().get("orderId") == order_id]


def cancel_calls(tp, payment_key):
    return tp.requests_to(f"/v1/payments/{payment_key}/cancel", "POST")


def lookups(tp, payment_key=None, order_id=None):
    """GETs of one payment, by key or by order id."""
    path = f"/v1/payments/{payment_key}" if payment_key else f"/v1/payments/orders/{order_id}"
    return tp.requests_to(path, "GET")


def assert_confirm_call(rec, tp, order_id, payment_key, amount):
    assert rec.method == "POST"
    assert rec.headers["Authorization"] == tp.auth_header
    assert rec.headers["Idempotency-Key"] == confirm_key(order_id, payment_key)
    assert rec.headers["Content-Type"].split(";")[0] == "application/json"
    assert rec.json() == {"paymentKey": payment_key, "orderId": order_id, "amount": amount}


def toss_confirm_directly(tp, payment_key, order_id, amount):
    """Confirms at the fake as if an earlier confirm of ours had gone through
    and its answer had been lost: Toss has the payment DONE, we do not."""
    r = requests.post(tp.url + "/v1/payments/confirm", timeout=10,
                      headers={"Authorization": tp.auth_header, "X-Test-Direct": "1"},
                      json={"paymentKey": payment_key, "orderId": order_id, "amount": amount})
    assert r.status_code == 200 and r.json()["status"] == "DONE", r.text
    return r.json()


def wait_for(pred, timeout=20, what="condition"):
    deadline = time.time() + timeout
    while not pred():
        assert time.time() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def assert_upstream(r, status):
    """A Toss failure passed on as 502/503/504 in our error shape."""
    code = {502: "upstream_error", 503: "upstream_unavailable", 504: "upstream_timeout"}[status]
    return assert_error(r, status, code)


def refunded_orders(pg, tp):
    """(order id, paymentKey) of the orders this test asked Toss to refund,
    or whose payment Toss has refunded, that are ours."""
    keys = {r.path.split("/")[3] for r in tp.requests if r.method == "POST"
            and r.path.startswith("/v1/payments/") and r.path.endswith("/cancel")}
    keys |= {r.path.split("/")[3] for r in tp.requests if r.method == "GET"
             and r.path.count("/") == 3 and r.path.startswith("/v1/payments/")}
    found = []
    for key in keys:
        pay = tp.payments.get(key)
        if pay and pay["cancels"] and order(pg, pay["orderId"]):
            found.append((pay["orderId"], key))
    return found


@pytest.fixture
def tp(toss_payments, pg):
    """The Toss Payments fake; scripted answers and faults do not outlive the
    test. After it, every refund the test touched is settled, with the points
    taken back equal to what Toss refunded."""
    toss_payments.reset()
    saved = toss_payments.timeout_seconds
    yield toss_payments
    toss_payments.timeout_seconds = saved
    errors = list(toss_payments.errors)
    refunds = refunded_orders(pg, toss_payments)
    toss_payments.reset()
    assert errors == [], errors
    for order_id, key in refunds:
        if order(pg, order_id)["status"] not in OPEN:
            assert_refunds_match(pg, toss_payments, order_id, key)
