"""Preparing a Toss Payments order at /api/payments/payment/prepare, the
first step of checkout (issue 4; contract: docs/MONEY_API.md).

Every test makes its own users and orders and asserts the answer and the
payment_orders row afterwards.
"""
import json
import re

import pytest

from accounts_helpers import assert_error
from payments_helpers import (BAD_AMOUNTS, BAD_AMOUNT_IDS, BASE, NAME, ORDER_ID, bad_amount_code,
                              balance, ledger, new_amount, order, payer, prepare, prepared, ready,
                              tp)

assert tp  # the fixture, imported for pytest


def orders_of(pg, uid):
    return pg.scalar("SELECT count(*) FROM payment_orders WHERE user_id = %s", (uid,))


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


def test_prepare_order_name_json_escapes_round_trip(server, user, pg):
    uid, auth = payer(user)
    name = 'Quote " back\\slash \u00e9 \U0001F600'
    r = prepare(server, auth, new_amount(), name)
    assert r.status_code == 200, r.text
    assert json.loads(r.text)["orderName"] == name
    assert order(pg, r.json()["orderId"])["order_name"] == name
