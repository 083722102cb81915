"""Refunds (issue 11, items 1 and 2; contract: docs/MONEY_API.md):
concurrent cancels of one order never take back more points than Toss
refunded, and a refund made outside the API (Toss's console, then its
webhook) is taken back once per Toss cancel, the part already spent as a
debt that later credits pay first.

Every test ends with the ledger-equals-balance-and-debt check, and the tp
fixture checks, for every order it refunded, that no refund is PENDING and
that the points taken back equal the money Toss refunded.
"""
import threading
import types
from concurrent.futures import ThreadPoolExecutor

import requests

import payaction_helpers
from accounts_helpers import assert_error, bearer, forge_session
from payaction_helpers import pa
from payments_helpers import (BASE, admin_of, assert_consistent, assert_refunds_match, balance,
                              cancel_calls, cancels, ledger, new_amount, order, pay,
                              payer, taken_back, tp, webhook)

assert tp and pa  # the fixtures, imported for pytest

ROUNDS = 30
CONCURRENT = 5
REFUSALS = {(409, "cancel_in_progress"), (409, "order_not_cancellable"),
            (409, "insufficient_points"), (400, "invalid_request")}


def debt(pg, uid):
    return pg.scalar("SELECT points_debt FROM users WHERE id = %s", (uid,))


def check_payment(srv, admin_auth, oid):
    r = srv.get(f"{BASE}/admin/check-payment/{oid}", headers=admin_auth)
    assert r.status_code == 200, r.text
    return r.json()


def debts(srv, admin_auth):
    r = srv.get(BASE + "/admin/debts", headers=admin_auth)
    assert r.status_code == 200, r.text
    return r.json()


def cancel_at_once(srv, bodies, auth):
    """Sends every body to /payment/cancel at the same moment."""
    start = threading.Barrier(len(bodies))

    def one(body):
        start.wait()
        return requests.post(srv.url + BASE + "/payment/cancel", headers=auth, json=body,
                             timeout=60)
    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(one, bodies))


# ====================================================================== item 1

def test_concurrent_partial_and_full_cancels_take_back_what_toss_refunded(server, tp, user, pg):
    """Rounds of 5 concurrent cancels of one order: partial ones only, or
    partial and full ones mixed. Whatever wins, the points taken back are
    what Toss refunded, each 200 is one refund at Toss, and nothing is left
    PENDING, before or after the admin check."""
    admin, admin_auth = admin_of(user)
    for rnd in range(ROUNDS):
        uid, auth = payer(user)
        amount = new_amount()
        oid, pk = pay(server, tp, auth, amount)
        part = amount * 2 // 5
        bodies = [{"order_id": oid, "reason": f"part {i}", "amount": part}
                  if rnd % 2 == 0 or i % 2 == 0 else {"order_id": oid, "reason": f"all {i}"}
                  for i in range(CONCURRENT)]
        replies = cancel_at_once(server, bodies, auth)
        ok = [r for r in replies if r.status_code == 200]
        for r in replies:
            if r.status_code != 200:
                assert (r.status_code, r.json()["error"]) in REFUSALS, (rnd, r.text)
        refunds = tp.payments[pk]["cancels"] or []
        assert len(ok) == len(refunds) == len(cancel_calls(tp, pk)) >= 1, \
            (rnd, [r.text for r in replies], cancels(pg, oid))
        assert sorted(r.json()["cancelled_amount"] for r in ok) == \
            sorted(c["cancelAmount"] for c in refunds)
        # settled by the requests themselves: nothing for the check to do
        assert [c["status"] for c in cancels(pg, oid)] == ["DONE"] * len(refunds), \
            (rnd, cancels(pg, oid))
        assert taken_back(pg, oid) == tp.refunded(pk), (rnd, cancels(pg, oid), refunds)
        assert balance(pg, uid) == amount - tp.refunded(pk)
        body = check_payment(server, admin_auth, oid)
        assert body["changed"] is False, (rnd, body)
        assert_refunds_match(pg, tp, oid, pk)
        assert order(pg, oid)["status"] == ("CANCELLED" if tp.refunded(pk) == amount else "DONE")
        assert_consistent(pg)


def test_a_cancel_after_concurrent_ones_still_works(server, tp, user, pg):
    """No refund is left PENDING to block the order: what is left can be
    refunded afterwards."""
    uid, auth = payer(user)
    amount = new_amount()
    oid, pk = pay(server, tp, auth, amount)
    replies = cancel_at_once(server, [{"order_id": oid, "reason": "r", "amount": amount // 3}]
                             * CONCURRENT, auth)
    assert any(r.status_code == 200 for r in replies)
    r = requests.post(server.url + BASE + "/payment/cancel", headers=auth, timeout=60,
                      json={"order_id": oid, "reason": "the rest"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "CANCELLED" and r.json()["remaining_points"] == 0
    assert tp.refunded(pk) == amount and balance(pg, uid) == 0
    assert_refunds_match(pg, tp, oid, pk)
    assert_consistent(pg)


# ====================================================================== item 2

def test_a_refund_made_at_toss_takes_the_points_back_once(server, tp, user, pg):
    admin, admin_auth = admin_of(user)
    uid, auth = payer(user)
    amount = new_amount()
    oid, pk = pay(server, tp, auth, amount)
    part = amount // 4
    first = tp.cancel_externally(pk, part, reason="콘솔 부분 취소")["cancels"][-1]
    for _ in range(3):                          # Toss resends; each is harmless
        r = webhook(server, tp.webhook_body(pk))
        assert r.status_code == 200, r.text
        assert r.json() == {"status": "ok", "order_status": "DONE"}
    assert balance(pg, uid) == amount - part and debt(pg, uid) == 0
    rows = ledger(pg, uid)
    assert [(x["delta"], x["source_type"], x["source_id"]) for x in rows] == \
        [(amount, "toss_payment", oid), (-part, "toss_refund", first["transactionKey"])]
    [c] = cancels(pg, oid)
    assert (c["amount"], c["status"], c["transaction_key"], c["reason"]) == \
        (part, "DONE", first["transactionKey"], "콘솔 부분 취소")
    # the admin check and more webhooks, at once, change nothing
    assert check_payment(server, admin_auth, oid)["changed"] is False
    with ThreadPoolExecutor(8) as ex:
        replies = list(ex.map(lambda _: webhook(server, tp.webhook_body(pk)), range(8)))
    assert all(r.status_code == 200 for r in replies)
    assert len(ledger(pg, uid)) == 2

    # the rest, refunded at Toss too: the order closes
    rest = tp.cancel_externally(pk)["cancels"][-1]
    body = check_payment(server, admin_auth, oid)
    assert (body["changed"], body["toss_status"], body["order"]["status"]) == \
        (True, "CANCELED", "CANCELLED")
    assert [(x["amount"], x["status"]) for x in body["order"]["cancels"]] == \
        [(part, "DONE"), (amount - part, "DONE")]
    assert balance(pg, uid) == 0 and debt(pg, uid) == 0
    assert [x["source_type"] for x in ledger(pg, uid)] == \
        ["toss_payment", "toss_refund", "toss_refund"]
    assert webhook(server, tp.webhook_body(pk)).json() == \
        {"status": "ok", "order_status": "CANCELLED"}
    assert len(ledger(pg, uid)) == 3
    listed = {f["transaction_key"]: f for f in debts(server, admin_auth)["toss_refunds"]}
    assert {k: (v["order_id"], v["user_id"], v["amount"], v["points_taken"], v["debt_added"])
            for k, v in listed.items() if v["order_id"] == oid} == \
        {first["transactionKey"]: (oid, str(uid), part, part, 0),
         rest["transactionKey"]: (oid, str(uid), amount - part, amount - part, 0)}
    assert_refunds_match(pg, tp, oid, pk)
    assert_consistent(pg)


def test_a_refund_of_spent_points_is_a_debt_that_later_credits_pay_first(server, tp, pa, user,
                                                                          pg):
    admin, admin_auth = admin_of(user)
    key, uid = user(subs=0, tokens=0)
    auth = bearer(forge_session(sub=str(uid)))
    amount = new_amount()
    oid, pk = pay(server, tp, auth, amount)
    r = requests.post(server.url + BASE + "/user/deduct-points", headers=auth, timeout=30,
                      json={"amount": amount - 100, "reason": "spent"})
    assert r.status_code == 200, r.text
    # the user can no longer refund it here...
    r = requests.post(server.url + BASE + "/payment/cancel", headers=auth, timeout=30,
                      json={"order_id": oid, "reason": "환불"})
    assert_error(r, 409, "insufficient_points")
    # ...but Toss's console can
    tkey = tp.cancel_externally(pk)["cancels"][-1]["transactionKey"]
    r = webhook(server, tp.webhook_body(pk))
    assert r.json() == {"status": "ok", "order_status": "CANCELLED"}, r.text
    owed = amount - 100
    assert balance(pg, uid) == 0 and debt(pg, uid) == owed
    last = pg.query("SELECT delta, balance_after, debt_delta, debt_after, source_type, source_id "
                    "FROM point_ledger WHERE user_id = %s ORDER BY id DESC LIMIT 1", (uid,))[0]
    assert last == (-100, 0, owed, owed, "toss_refund", tkey)
    assert taken_back(pg, oid) == amount
    listed = debts(server, admin_auth)
    assert {"user_id": str(uid), "debt": owed, "remaining_points": 0} in listed["debts"]
    [f] = [f for f in listed["toss_refunds"] if f["transaction_key"] == tkey]
    assert (f["amount"], f["points_taken"], f["debt_added"]) == (amount, 100, owed)
    assert_consistent(pg)

    # a Payaction deposit pays the debt first
    me = types.SimpleNamespace(name=f"u{key}", auth=auth)
    number = payaction_helpers.open_order(server, me, amount=1000)
    r = payaction_helpers.webhook(server, pa, pa.match_body(number))
    assert r.status_code == 200, r.text
    owed -= 1000
    assert (balance(pg, uid), debt(pg, uid)) == (0, owed)
    # an admin's credit too
    r = requests.post(server.url + BASE + "/admin/manual-add-points", headers=admin_auth,
                      timeout=30, json={"user_id": uid, "amount": 500, "reason": "goodwill"})
    assert r.status_code == 200, r.text
    assert r.json()["remaining_points"] == 0
    owed -= 500
    assert (balance(pg, uid), debt(pg, uid)) == (0, owed)
    # and a Toss payment: what is left over after the debt is the balance
    more = new_amount()
    assert more > owed
    oid2, pk2 = pay(server, tp, auth, more)
    assert (balance(pg, uid), debt(pg, uid)) == (more - owed, 0)
    rows = pg.query("SELECT delta, debt_delta, debt_after, source_type FROM point_ledger "
                    "WHERE user_id = %s ORDER BY id", (uid,))
    assert rows[-3:] == [(0, -1000, owed + 500, "payaction_deposit"),
                         (0, -500, owed, "manual"), (more - owed, -owed, 0, "toss_payment")]
    assert {"user_id": str(uid), "debt": owed, "remaining_points": 0} not in \
        debts(server, admin_auth)["debts"]
    assert_consistent(pg)


def test_a_refund_at_toss_beside_a_refund_of_ours_is_told_apart(server, tp, user, pg):
    """One refund asked here, one made in the console: each is taken back
    once, whichever order the webhooks and answers come in."""
    uid, auth = payer(user)
    amount = new_amount()
    oid, pk = pay(server, tp, auth, amount)
    ours = amount // 5
    r = requests.post(server.url + BASE + "/payment/cancel", headers=auth, timeout=30,
                      json={"order_id": oid, "reason": "ours", "amount": ours})
    assert r.status_code == 200, r.text
    theirs = amount // 3
    tp.cancel_externally(pk, theirs)
    assert webhook(server, tp.webhook_body(pk)).status_code == 200
    assert webhook(server, tp.webhook_body(pk)).status_code == 200
    assert balance(pg, uid) == amount - ours - theirs
    assert sorted((c["amount"], c["status"]) for c in cancels(pg, oid)) == \
        sorted([(ours, "DONE"), (theirs, "DONE")])
    # what is left can still be refunded here
    r = requests.post(server.url + BASE + "/payment/cancel", headers=auth, timeout=30,
                      json={"order_id": oid, "reason": "the rest"})
    assert r.status_code == 200, r.text
    assert r.json()["cancelled_amount"] == amount - ours - theirs
    assert balance(pg, uid) == 0
    assert_refunds_match(pg, tp, oid, pk)
    assert_consistent(pg)
