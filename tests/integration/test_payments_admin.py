"""The admin and debug routes of /api/payments: who may call them, the
payment and points views, manual credits, checking and recovering stuck
payments, and the ledger check (issue 4; contract: docs/MONEY_API.md).

Every test makes its own users and orders and asserts the answer, the
database afterwards and what the Toss Payments fake received.
"""
import uuid

import pytest

from accounts_helpers import as_ip, assert_error, assert_invalid_token, bearer, forge_session
from payments_helpers import (AUTHZ_FAILURE_LOG, BAD_AMOUNTS, BASE, REJECT_MESSAGE, admin_of,
                              assert_consistent, authorized, bad_amount_code, balance, cancel,
                              cancels, confirms, credits_for, deduct, fail, grant, ledger, lookups,
                              new_amount, order, pay, payer, prepared, ready, success,
                              success_body, toss_confirm_directly, tp)

assert tp  # the fixture, imported for pytest

DEBUG_KEYS = {"orderId", "user_id", "provider", "amount", "order_name", "status",
              "payment_key", "failure_code", "failure_message", "created_at", "approved_at",
              "cancels"}


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
