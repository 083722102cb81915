"""The user's own money (issue 11, item 4; seed 001's "결제 내역 조회"):
GET /api/payments/user/payments and /user/points, newest first, keyset
pages with an opaque cursor, and their bad inputs."""
import base64

import pytest
import requests

from accounts_helpers import assert_error
from payments_helpers import (BASE, assert_consistent, balance, ledger, new_amount, pay, payer,
                              prepared, tp)

assert tp  # the fixture, imported for pytest

ISO = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"


def pages(srv, path, auth, limit, key):
    """Every item of a list, page by page; also the pages' sizes."""
    items, sizes, cursor = [], [], None
    while True:
        params = {"limit": limit} if cursor is None else {"limit": limit, "cursor": cursor}
        r = srv.get(BASE + path, headers=auth, params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        items += body[key]
        sizes.append(len(body[key]))
        cursor = body["next_cursor"]
        if cursor is None:
            return items, sizes, body
        assert isinstance(cursor, str) and cursor


def test_user_payments_lists_own_orders_newest_first_with_cancels(server, tp, user, pg):
    uid, auth = payer(user)
    other, other_auth = payer(user)
    pay(server, tp, other_auth, new_amount())           # not ours: never listed
    amounts = [new_amount() for _ in range(5)]
    paid = [pay(server, tp, auth, a) for a in amounts[:3]]
    ready = [prepared(server, auth, a) for a in amounts[3:]]
    part = amounts[0] // 4
    r = requests.post(server.url + BASE + "/payment/cancel", headers=auth, timeout=30,
                      json={"order_id": paid[0][0], "reason": "부분", "amount": part})
    assert r.status_code == 200, r.text

    items, sizes, _ = pages(server, "/user/payments", auth, 2, "payments")
    assert sizes == [2, 2, 1]
    want = [oid for oid, _ in paid] + ready
    assert [i["orderId"] for i in items] == want[::-1]
    by_id = {i["orderId"]: i for i in items}
    first = by_id[paid[0][0]]
    assert {k: first[k] for k in ("provider", "amount", "status", "cancelled_amount")} == \
        {"provider": "toss", "amount": amounts[0], "status": "DONE", "cancelled_amount": part}
    assert [(c["amount"], c["status"], c["reason"], c["origin"]) for c in first["cancels"]] == \
        [(part, "DONE", "부분", "api")]
    assert first["approved_at"] and first["created_at"]
    assert by_id[ready[0]]["status"] == "READY" and by_id[ready[0]]["approved_at"] is None
    assert by_id[ready[0]]["cancels"] == [] and by_id[ready[0]]["cancelled_amount"] == 0
    # one page of everything, the default limit
    r = server.get(BASE + "/user/payments", headers=auth)
    assert r.status_code == 200
    assert [i["orderId"] for i in r.json()["payments"]] == want[::-1]
    assert r.json()["next_cursor"] is None
    # a user with nothing
    _, empty = payer(user)
    r = server.get(BASE + "/user/payments", headers=empty)
    assert r.json() == {"payments": [], "next_cursor": None}
    assert_consistent(pg)


def test_user_points_lists_own_ledger_rows_newest_first(server, tp, user, pg):
    uid, auth = payer(user)
    oid, _ = pay(server, tp, auth, new_amount())
    for i in range(4):
        r = requests.post(server.url + BASE + "/user/deduct-points", headers=auth, timeout=30,
                          json={"amount": 10 + i, "reason": f"spend {i}"})
        assert r.status_code == 200, r.text
    items, sizes, last = pages(server, "/user/points", auth, 3, "entries")
    assert sizes == [3, 2]
    rows = ledger(pg, uid)[::-1]
    assert [(e["id"], e["source"], e["source_id"], e["amount"], e["balance_after"],
             e["reason"]) for e in items] == \
        [(str(x["id"]), x["source_type"], x["source_id"], x["delta"], x["balance_after"],
          x["reason"]) for x in rows]
    assert items[-1]["source"] == "toss_payment" and items[-1]["source_id"] == oid
    assert all(e["debt_change"] == 0 and e["debt_after"] == 0 for e in items)
    assert (last["remaining_points"], last["points_debt"]) == (balance(pg, uid), 0)
    assert_consistent(pg)


BAD = [
    ({"limit": "0"}, "limit"), ({"limit": "101"}, "limit"), ({"limit": "abc"}, "limit"),
    ({"limit": "1.5"}, "limit"), ({"limit": "-1"}, "limit"), ({"limit": ""}, "limit"),
    ({"limit": "99999999999999999999"}, "limit"),
    ({"cursor": "garbage!"}, "cursor"), ({"cursor": ""}, "cursor"), ({"cursor": "12"}, "cursor"),
    ({"cursor": base64.urlsafe_b64encode(b"k1:0").decode().rstrip("=")}, "cursor"),
    ({"cursor": base64.urlsafe_b64encode(b"k1:05").decode().rstrip("=")}, "cursor"),
    ({"cursor": base64.urlsafe_b64encode(b"k1:5").decode()}, "cursor"),
    ({"cursor": "A" * 200}, "cursor"),
]


@pytest.mark.parametrize("path", ["/user/payments", "/user/points"])
@pytest.mark.parametrize("params,what", BAD, ids=[f"{w}={list(p.values())[0][:12]}"
                                                   for p, w in BAD])
def test_bad_cursor_or_limit_is_400(server, user, path, params, what):
    _, auth = payer(user)
    r = server.get(BASE + path, headers=auth, params=params)
    body = assert_error(r, 400, "invalid_request")
    assert what in body["message"]


@pytest.mark.parametrize("path", ["/user/payments", "/user/points"])
def test_bad_queries_and_no_token(server, user, path):
    _, auth = payer(user)
    assert_error(server.get(BASE + path + "?limit=1&limit=2", headers=auth), 400, "bad_query")
    assert_error(server.get(BASE + path + "?cursor=%ff", headers=auth), 400, "bad_query")
    r = server.get(BASE + path)
    assert_error(r, 401, "unauthorized")
