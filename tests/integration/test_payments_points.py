"""The points wallet: the balance, the user routes' authentication, the
deduction with its Idempotency-Key, and the append-only ledger (issue 4;
contract: docs/MONEY_API.md).

Every test makes its own users and asserts the answer, point_ledger and
users.remaining_points afterwards.
"""
import uuid

import pytest

from accounts_helpers import as_ip, assert_error, assert_invalid_token, bearer, forge_session
from payments_helpers import (BAD_AMOUNTS, BAD_AMOUNT_IDS, BASE, NAME, assert_consistent,
                              bad_amount_code, balance, deduct, grant, ledger, payer)


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
