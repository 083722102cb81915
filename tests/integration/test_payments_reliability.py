"""Exactly-once money under concurrency and failure (issue 4, "Reliability
tests"; contract: docs/MONEY_API.md).

Each test ends with the ledger-equals-balance check
(`SELECT count(*) FROM point_balance_mismatches` == 0).
"""
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from accounts_helpers import assert_error
from conftest import until_ok
from payments_helpers import (BASE, DB_ERRORS, TOSS_FAILED_LOG, admin_of, assert_confirm_call,
                              assert_consistent, assert_paid_once, assert_upstream, authorized,
                              balance, cancel_calls, cancels, confirm_key, confirms,
                              credits_for, grant, ledger, module_timeout, new_amount, order, pay, payer, prepared, success,
                              success_body, toss_confirm_directly, tp, wait_for, webhook)

assert tp  # the fixture, imported for pytest


def parallel(fn, args, workers=50):
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fn, args))


def get(srv, path, **kw):
    kw.setdefault("timeout", 60)
    return requests.get(srv.url + path, **kw)


def post(srv, path, **kw):
    kw.setdefault("timeout", 60)
    return requests.post(srv.url + path, **kw)


def check_payment(srv, admin_auth, oid):
    r = srv.get(f"{BASE}/admin/check-payment/{oid}", headers=admin_auth)
    assert r.status_code == 200, r.text
    return r.json()


# ====================================================================== duplicates

def test_50_concurrent_success_redirects_credit_once(server, tp, user, pg):
    uid, auth, amount, oid, pk = authorized(server, tp, user)
    params = {"paymentType": "NORMAL", "orderId": oid, "paymentKey": pk, "amount": str(amount)}
    replies = parallel(lambda _: get(server, BASE + "/success", params=params), range(50))
    assert [r.status_code for r in replies] == [200] * 50, \
        sorted({(r.status_code, r.text) for r in replies})
    assert all(r.json() == success_body(oid, pk, amount) for r in replies)
    calls = confirms(tp, oid)
    assert len(calls) >= 1
    for c in calls:
        assert_confirm_call(c, tp, oid, pk, amount)
    assert tp.payments[pk]["status"] == "DONE"
    assert_paid_once(pg, oid, pk, uid, amount)


def test_50_concurrent_duplicate_webhooks_credit_once(server, tp, user, pg):
    uid, auth, amount, oid, pk = authorized(server, tp, user)
    toss_confirm_directly(tp, pk, oid, amount)
    body = tp.webhook_body(pk)
    replies = parallel(lambda _: post(server, BASE + "/webhook", json=body), range(50))
    assert [r.status_code for r in replies] == [200] * 50, \
        sorted({(r.status_code, r.text) for r in replies})
    assert all(r.json() == {"status": "ok", "order_status": "DONE"} for r in replies)
    assert_paid_once(pg, oid, pk, uid, amount)


def test_redirects_and_webhooks_racing_credit_once(server, tp, user, pg):
    """The buyer's redirect (which confirms) and Toss's webhooks (which
    re-fetch) arrive together, 25 of each."""
    uid, auth, amount, oid, pk = authorized(server, tp, user)
    params = {"paymentType": "NORMAL", "orderId": oid, "paymentKey": pk, "amount": str(amount)}
    body = tp.webhook_body(pk)
    body["data"]["status"] = "DONE"          # what Toss would send once it is done

    def one(i):
        if i % 2:
            return "redirect", get(server, BASE + "/success", params=params)
        return "webhook", post(server, BASE + "/webhook", json=body)
    replies = parallel(one, range(50))
    for kind, r in replies:
        assert r.status_code == 200, (kind, r.text)
        if kind == "redirect":
            assert r.json() == success_body(oid, pk, amount)
        else:
            # a webhook may land before the confirm: READY then, DONE after
            assert r.json()["status"] == "ok" and r.json()["order_status"] in ("READY", "DONE")
    assert_paid_once(pg, oid, pk, uid, amount)


# ====================================================================== deductions

def test_100_concurrent_deductions_never_go_negative(server, user, pg):
    uid, auth = payer(user)
    each, fits = 100, 37
    grant(pg, uid, each * fits + each - 1)        # room for 37 and a bit
    start = balance(pg, uid)

    def one(i):
        return post(server, BASE + "/user/deduct-points", headers=auth,
                    json={"amount": each, "reason": f"동시 구매 {i}"})
    replies = parallel(one, range(100), workers=100)
    ok = [r for r in replies if r.status_code == 200]
    refused = [r for r in replies if r.status_code == 409]
    assert len(ok) + len(refused) == 100, sorted({(r.status_code, r.text) for r in replies})
    assert all(r.json()["error"] == "insufficient_points" for r in refused)
    assert len(ok) == fits
    # every success is one ledger row, and the successes are all that left
    bodies = [r.json() for r in ok]
    assert all(b["deducted"] == each for b in bodies)
    assert sorted(b["remaining_points"] for b in bodies) == \
        sorted(start - each * k for k in range(1, fits + 1))
    debits = [row for row in ledger(pg, uid) if row["source_type"] == "deduct"]
    assert sorted(str(row["id"]) for row in debits) == sorted(b["ledger_id"] for b in bodies)
    assert all(row["delta"] == -each and row["balance_after"] >= 0 for row in debits)
    assert sorted(row["balance_after"] for row in debits) == \
        sorted(b["remaining_points"] for b in bodies)
    assert balance(pg, uid) == start - each * len(ok) == each - 1
    assert_consistent(pg)


def test_concurrent_deductions_with_one_idempotency_key_debit_once(server, user, pg):
    uid, auth = payer(user)
    grant(pg, uid, 10000)
    key = "double-click-" + uuid.uuid4().hex
    headers = {**auth, "Idempotency-Key": key}

    def one(_):
        return post(server, BASE + "/user/deduct-points", headers=headers,
                    json={"amount": 1500, "reason": "한 번만"})
    replies = parallel(one, range(40), workers=40)
    assert [r.status_code for r in replies] == [200] * 40, \
        sorted({(r.status_code, r.text) for r in replies})
    first = replies[0].json()
    assert all(r.json() == first for r in replies)
    assert (first["deducted"], first["remaining_points"]) == (1500, 8500)
    debits = [row for row in ledger(pg, uid) if row["source_type"] == "deduct"]
    assert len(debits) == 1
    assert (str(debits[0]["id"]), debits[0]["source_id"]) == (first["ledger_id"], f"{uid}:{key}")
    assert balance(pg, uid) == 8500
    assert_consistent(pg)


def test_concurrent_deductions_mixing_keys_and_terms(server, user, pg):
    """Ten keys, each sent five times at once, plus the same keys with other
    amounts: one debit per key, the rest replays or 422."""
    uid, auth = payer(user)
    grant(pg, uid, 100000)
    keys = [f"k{i}-{uuid.uuid4().hex[:8]}" for i in range(10)]
    jobs = [(k, 1000) for k in keys for _ in range(5)] + [(k, 2000) for k in keys]
    random.shuffle(jobs)

    def one(job):
        key, amount = job
        r = post(server, BASE + "/user/deduct-points",
                 headers={**auth, "Idempotency-Key": key},
                 json={"amount": amount, "reason": "혼합"})
        return key, amount, r
    results = parallel(one, jobs)
    debits = [row for row in ledger(pg, uid) if row["source_type"] == "deduct"]
    assert len(debits) == 10
    won = {}
    for row in debits:
        key = row["source_id"].split(":", 1)[1]
        won[key] = -row["delta"]
    assert set(won) == set(keys)
    for key, amount, r in results:
        if amount == won[key]:
            assert r.status_code == 200, r.text
            assert r.json()["deducted"] == amount
        else:
            assert_error(r, 422, "idempotency_key_reused")
    assert balance(pg, uid) == 100000 - sum(won.values())
    assert_consistent(pg)


def test_concurrent_cancels_of_one_order_refund_once(server, tp, user, pg):
    uid, auth = payer(user)
    amount = new_amount()
    oid, pk = pay(server, tp, auth, amount)

    def one(_):
        return post(server, BASE + "/payment/cancel", headers=auth,
                    json={"order_id": oid, "reason": "동시 취소"})
    replies = parallel(one, range(20), workers=20)
    ok = [r for r in replies if r.status_code == 200]
    assert len(ok) == 1, sorted({(r.status_code, r.text) for r in replies})
    assert ok[0].json() == {"orderId": oid, "status": "CANCELLED", "cancelled_amount": amount,
                            "remaining_points": 0}
    for r in replies:
        if r.status_code != 200:
            assert r.status_code == 409, r.text
            assert r.json()["error"] in ("cancel_in_progress", "order_not_cancellable",
                                         "insufficient_points"), r.text
    assert len(cancel_calls(tp, pk)) == 1
    # refused attempts may leave FAILED rows, but only one cancel happened
    assert [c["status"] for c in cancels(pg, oid) if c["status"] != "FAILED"] == ["DONE"]
    assert [row["source_type"] for row in ledger(pg, uid)] == ["toss_payment", "toss_cancel"]
    assert order(pg, oid)["status"] == "CANCELLED" and balance(pg, uid) == 0
    assert_consistent(pg)


# ====================================================================== the database fails

def test_database_restart_during_webhooks_loses_and_doubles_nothing(server, tp, user, pg,
                                                                    log_allow):
    log_allow(DB_ERRORS)
    payers = [payer(user) for _ in range(4)]
    orders = []
    for i in range(20):
        uid, auth = payers[i % 4]
        amount = new_amount()
        oid = prepared(server, auth, amount)
        pk = tp.authorize(oid, amount)
        toss_confirm_directly(tp, pk, oid, amount)      # paid; the redirect never came
        orders.append((uid, oid, pk, amount))
    deliveries = [o for o in orders for _ in range(3)]
    random.shuffle(deliveries)
    answers = []
    lock = threading.Lock()

    def deliver(o):
        try:
            r = post(server, BASE + "/webhook", json=tp.webhook_body(o[2]), timeout=30)
            status, body = r.status_code, r.json()
        except requests.RequestException as exc:       # not a 200: Toss resends
            status, body = None, repr(exc)
        with lock:
            answers.append((o, status, body))
        time.sleep(0.3)                                  # a steady stream, not a burst

    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(deliver, o) for o in deliveries]
        wait_for(lambda: sum(f.done() for f in futures) >= 15, what="first webhooks")
        pg.stop()
        try:
            time.sleep(1.5)
        finally:
            pg.start()
        for f in futures:
            f.result()

    statuses = [s for _, s, _ in answers]
    # every delivery is for one of our paid orders: a 200 says it is DONE
    # ("ignored" would stop Toss resending a webhook whose work was not done)
    for o, status, body in answers:
        if status == 200:
            assert body == {"status": "ok", "order_status": "DONE"}, body
        elif status is not None:
            assert status in (500, 503), (status, body)
    assert statuses.count(200) >= 15, statuses
    assert any(s != 200 for s in statuses), "the database stop was not noticed"
    # a 200 is given only once the work is stored
    for o in {o for o, s, _ in answers if s == 200}:
        assert order(pg, o[1])["status"] == "DONE"
        assert credits_for(pg, o[1]) == [(o[0], o[3])]

    # Toss resends every delivery that did not get a 200
    for o, status, _ in answers:
        if status != 200:
            r = until_ok(lambda: webhook(server, tp.webhook_body(o[2])))
            assert r.status_code == 200, r.text
            assert r.json() == {"status": "ok", "order_status": "DONE"}
    for uid, oid, pk, amount in orders:
        row = order(pg, oid)
        assert (row["status"], row["payment_key"]) == ("DONE", pk)
        assert credits_for(pg, oid) == [(uid, amount)]
    for uid, _ in payers:
        assert balance(pg, uid) == sum(a for u, _, _, a in orders if u == uid)
        assert len(ledger(pg, uid)) == 5
    assert_consistent(pg)


def test_webhook_while_the_database_is_down_is_503_so_toss_resends(server, tp, user, pg,
                                                                  log_allow):
    log_allow(DB_ERRORS)
    uid, auth, amount, oid, pk = authorized(server, tp, user)
    toss_confirm_directly(tp, pk, oid, amount)
    pg.stop()
    try:
        r = webhook(server, tp.webhook_body(pk))
    finally:
        pg.start()
    assert_error(r, 503, "database_unavailable")
    assert order(pg, oid)["status"] == "READY" and balance(pg, uid) == 0
    r = until_ok(lambda: webhook(server, tp.webhook_body(pk)))
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ok", "order_status": "DONE"}
    assert credits_for(pg, oid) == [(uid, amount)]
    assert_consistent(pg)


def test_user_routes_while_the_database_is_down_are_503(server, tp, user, pg, log_allow):
    log_allow(DB_ERRORS)
    uid, auth = payer(user)
    grant(pg, uid, 1000)
    amount = new_amount()
    oid = prepared(server, auth, amount)
    pk = tp.authorize(oid, amount)
    pg.stop()
    try:
        replies = [
            success(server, oid, pk, amount),
            post(server, BASE + "/payment/prepare", headers=auth,
                 json={"amount": new_amount(), "order_name": "x"}),
            get(server, BASE + "/user/balance", headers=auth),
            post(server, BASE + "/user/deduct-points", headers=auth,
                 json={"amount": 100, "reason": "r"}),
        ]
    finally:
        pg.start()
    for r in replies:
        assert_error(r, 503, "database_unavailable")
    # the amount is checked against the stored order before Toss is asked
    assert confirms(tp, oid) == [] and tp.payments[pk]["status"] == "IN_PROGRESS"
    assert pg.scalar("SELECT count(*) FROM payment_orders WHERE user_id = %s", (uid,)) == 1
    assert balance(pg, uid) == 1000 and len(ledger(pg, uid)) == 1
    r = until_ok(lambda: success(server, oid, pk, amount))
    assert r.json() == success_body(oid, pk, amount)
    assert credits_for(pg, oid) == [(uid, amount)]
    assert_consistent(pg)


@pytest.fixture
def ledger_trigger(pg):
    """A trigger on point_ledger for one test, firing only for one source_id."""
    def install(source_id, action):
        pg.query("CREATE OR REPLACE FUNCTION test_ledger_fail() RETURNS trigger "
                 "LANGUAGE plpgsql AS $$ BEGIN IF NEW.source_id = '" + source_id + "' THEN "
                 + action + "; END IF; RETURN NEW; END $$")
        pg.query("CREATE TRIGGER test_ledger_fail BEFORE INSERT ON point_ledger "
                 "FOR EACH ROW EXECUTE FUNCTION test_ledger_fail()")

    def remove():
        pg.query("DROP TRIGGER IF EXISTS test_ledger_fail ON point_ledger")
        pg.query("DROP FUNCTION IF EXISTS test_ledger_fail()")
    install.remove = remove
    yield install
    remove()


FAILURES = {
    "connection-lost": ("PERFORM pg_terminate_backend(pg_backend_pid())", 503,
                        "database_unavailable"),
    "statement-fails": ("RAISE EXCEPTION 'ledger refused'", 500, "database_error"),
}


@pytest.mark.parametrize("failure", FAILURES)
@pytest.mark.parametrize("route", ["redirect", "webhook"])
def test_database_failure_while_crediting_then_retry_credits_once(server, tp, user, pg,
                                                                  ledger_trigger, log_allow,
                                                                  failure, route):
    """Toss has confirmed, but the transaction that records it fails: nothing
    is half-written, and the retry (the same redirect, or Toss's resent
    webhook) credits once."""
    log_allow(DB_ERRORS)
    action, status, code = FAILURES[failure]
    uid, auth, amount, oid, pk = authorized(server, tp, user)
    ledger_trigger(oid, action)
    if route == "webhook":
        toss_confirm_directly(tp, pk, oid, amount)
        send = lambda: webhook(server, tp.webhook_body(pk))      # noqa: E731
    else:
        send = lambda: success(server, oid, pk, amount)          # noqa: E731
    assert_error(send(), status, code)
    assert tp.payments[pk]["status"] == "DONE"
    assert order(pg, oid)["status"] == "READY"
    assert credits_for(pg, oid) == [] and balance(pg, uid) == 0
    assert_consistent(pg)

    ledger_trigger.remove()
    r = send()
    assert r.status_code == 200, r.text
    if route == "webhook":
        assert r.json() == {"status": "ok", "order_status": "DONE"}
        assert confirms(tp, oid) == []
    else:
        assert r.json() == success_body(oid, pk, amount)
        for c in confirms(tp, oid):
            assert c.headers["Idempotency-Key"] == confirm_key(oid, pk)
    row = order(pg, oid)
    assert (row["status"], row["payment_key"]) == ("DONE", pk)
    assert credits_for(pg, oid) == [(uid, amount)]
    assert balance(pg, uid) == amount
    assert_consistent(pg)


def test_database_failure_while_deducting_writes_nothing(server, user, pg, ledger_trigger,
                                                         log_allow):
    log_allow(DB_ERRORS)
    uid, auth = payer(user)
    grant(pg, uid, 5000)
    key = "db-fail-" + uuid.uuid4().hex
    ledger_trigger(f"{uid}:{key}", "RAISE EXCEPTION 'ledger refused'")
    r = post(server, BASE + "/user/deduct-points", headers={**auth, "Idempotency-Key": key},
             json={"amount": 1000, "reason": "r"})
    assert_error(r, 500, "database_error")
    assert balance(pg, uid) == 5000 and len(ledger(pg, uid)) == 1
    ledger_trigger.remove()
    r = post(server, BASE + "/user/deduct-points", headers={**auth, "Idempotency-Key": key},
             json={"amount": 1000, "reason": "r"})
    assert r.status_code == 200, r.text
    assert r.json()["remaining_points"] == 4000
    assert_consistent(pg)


# ====================================================================== Toss times out

def slow_toss(tp, margin):
    """A "timeout" fault now answers (and does the work) `margin` seconds
    after the module has given up, as a slow Toss would."""
    tp.timeout_seconds = module_timeout() + margin


def test_confirm_timeout_then_the_retried_redirect_credits_once(server, tp, user, pg,
                                                                log_allow):
    log_allow(TOSS_FAILED_LOG)
    slow_toss(tp, 3)
    uid, auth, amount, oid, pk = authorized(server, tp, user)
    tp.fail_next("/v1/payments/confirm", "timeout")
    assert_upstream(success(server, oid, pk, amount), 504)
    row = order(pg, oid)
    assert (row["status"], row["payment_key"]) == ("READY", pk)
    assert credits_for(pg, oid) == [] and balance(pg, uid) == 0

    r = success(server, oid, pk, amount)          # the buyer reloads the page
    assert r.status_code == 200, r.text
    assert r.json() == success_body(oid, pk, amount)
    calls = confirms(tp, oid)
    assert len(calls) == 2
    for c in calls:
        assert_confirm_call(c, tp, oid, pk, amount)     # one Idempotency-Key
    assert credits_for(pg, oid) == [(uid, amount)]
    # Toss finally answers the first confirm: a replay, and nothing changes
    wait_for(lambda: tp.idempotent_replays >= 1, timeout=tp.timeout_seconds + 5,
             what="the late confirm")
    assert tp.payments[pk]["status"] == "DONE"
    assert credits_for(pg, oid) == [(uid, amount)]
    assert balance(pg, uid) == amount
    assert_consistent(pg)


def test_confirm_timeout_then_admin_check_credits_once(server, tp, user, pg, log_allow):
    log_allow(TOSS_FAILED_LOG)
    slow_toss(tp, 4)
    admin, admin_auth = admin_of(user)
    uid, auth, amount, oid, pk = authorized(server, tp, user)
    tp.fail_next("/v1/payments/confirm", "timeout")
    assert_upstream(success(server, oid, pk, amount), 504)
    assert order(pg, oid)["status"] == "READY"

    # Toss is still working on it: the check changes nothing yet
    body = check_payment(server, admin_auth, oid)
    assert (body["toss_status"], body["changed"], body["order"]["status"]) == \
        ("IN_PROGRESS", False, "READY")
    assert balance(pg, uid) == 0

    wait_for(lambda: tp.payments[pk]["status"] == "DONE", timeout=tp.timeout_seconds + 5,
             what="Toss to finish the confirm")
    body = check_payment(server, admin_auth, oid)
    assert (body["toss_status"], body["changed"], body["order"]["status"]) == \
        ("DONE", True, "DONE")
    assert body["order"]["payment_key"] == pk
    assert credits_for(pg, oid) == [(uid, amount)]
    assert balance(pg, uid) == amount
    # the retried redirect now finds it done: no new confirm, no new credit
    r = success(server, oid, pk, amount)
    assert r.status_code == 200, r.text
    assert r.json() == success_body(oid, pk, amount)
    assert len(confirms(tp, oid)) == 1
    assert check_payment(server, admin_auth, oid)["changed"] is False
    assert credits_for(pg, oid) == [(uid, amount)]
    assert_consistent(pg)


def test_webhook_timeout_is_504_and_the_resend_credits_once(server, tp, user, pg, log_allow):
    log_allow(TOSS_FAILED_LOG)
    slow_toss(tp, 1)
    uid, auth, amount, oid, pk = authorized(server, tp, user)
    toss_confirm_directly(tp, pk, oid, amount)
    tp.fail_next(f"/v1/payments/{pk}", "timeout")
    assert_upstream(webhook(server, tp.webhook_body(pk)), 504)
    assert order(pg, oid)["status"] == "READY" and balance(pg, uid) == 0
    r = webhook(server, tp.webhook_body(pk))
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ok", "order_status": "DONE"}
    assert credits_for(pg, oid) == [(uid, amount)]
    assert_consistent(pg)


def test_cancel_timeout_holds_the_points_until_check_payment_settles(server, tp, user, pg,
                                                                     log_allow):
    log_allow(TOSS_FAILED_LOG)
    slow_toss(tp, 3)
    admin, admin_auth = admin_of(user)
    uid, auth = payer(user)
    amount = new_amount()
    oid, pk = pay(server, tp, auth, amount)
    grant(pg, uid, 100)                                 # something else to spend
    tp.fail_next(f"/v1/payments/{pk}/cancel", "timeout")
    r = post(server, BASE + "/payment/cancel", headers=auth,
             json={"order_id": oid, "reason": "환불 요청"})
    assert_upstream(r, 504)
    [c] = cancels(pg, oid)
    assert (c["amount"], c["status"]) == (amount, "PENDING")
    assert order(pg, oid)["status"] == "DONE"
    # the points are held: debited already, and not spendable
    assert balance(pg, uid) == 100
    last = ledger(pg, uid)[-1]
    assert (last["delta"], last["source_type"], last["source_id"]) == \
        (-amount, "toss_cancel", str(c["id"]))
    r = post(server, BASE + "/user/deduct-points", headers=auth,
             json={"amount": 200, "reason": "r"})
    assert_error(r, 409, "insufficient_points")
    assert len(cancel_calls(tp, pk)) == 1

    wait_for(lambda: tp.payments[pk]["status"] == "CANCELED", timeout=tp.timeout_seconds + 5,
             what="Toss to finish the cancel")
    body = check_payment(server, admin_auth, oid)
    assert body["changed"] is True
    assert body["toss_status"] == "CANCELED"
    assert body["order"]["status"] == "CANCELLED"
    assert [(x["amount"], x["status"]) for x in body["order"]["cancels"]] == [(amount, "DONE")]
    [c] = cancels(pg, oid)
    assert c["status"] == "DONE"
    # settled from Toss's totals, the transaction key may stay unknown
    assert c["transaction_key"] in (None, tp.payments[pk]["cancels"][-1]["transactionKey"])
    assert order(pg, oid)["status"] == "CANCELLED"
    assert [row["source_type"] for row in ledger(pg, uid)] == \
        ["toss_payment", "manual", "toss_cancel"]
    assert balance(pg, uid) == 100
    assert check_payment(server, admin_auth, oid)["changed"] is False
    assert_consistent(pg)


@pytest.mark.parametrize("first", ["whole", "half"])
def test_a_second_cancel_while_one_is_pending_is_409(server, tp, user, pg, log_allow, first):
    log_allow(TOSS_FAILED_LOG)
    slow_toss(tp, 2)
    admin, admin_auth = admin_of(user)
    uid, auth = payer(user)
    amount = new_amount()
    oid, pk = pay(server, tp, auth, amount)
    part = amount if first == "whole" else amount // 2
    tp.fail_next(f"/v1/payments/{pk}/cancel", "timeout")
    r = post(server, BASE + "/payment/cancel", headers=auth,
             json={"order_id": oid, "reason": "첫 취소", "amount": part})
    assert_upstream(r, 504)
    assert [(c["amount"], c["status"]) for c in cancels(pg, oid)] == [(part, "PENDING")]
    held = balance(pg, uid)
    assert held == amount - part
    bodies = [{"order_id": oid, "reason": "다시"}]
    if first == "half":
        bodies.append({"order_id": oid, "reason": "다시", "amount": 1})
    for body in bodies:
        r = post(server, BASE + "/payment/cancel", headers=auth, json=body)
        assert_error(r, 409, "cancel_in_progress")
    assert len(cancel_calls(tp, pk)) == 1
    assert [(c["amount"], c["status"]) for c in cancels(pg, oid)] == [(part, "PENDING")]
    assert balance(pg, uid) == held
    # Toss gets there in the end; the check settles it
    wait_for(lambda: tp.payments[pk]["cancels"], timeout=tp.timeout_seconds + 5,
             what="Toss to finish the cancel")
    assert check_payment(server, admin_auth, oid)["changed"] is True
    assert [c["status"] for c in cancels(pg, oid)] == ["DONE"]
    assert balance(pg, uid) == held
    assert_consistent(pg)


def cancel_lost_at_toss(srv, tp, user, body, half=False):
    """A paid order whose cancel got a 5xx from Toss (never made): PENDING."""
    uid, auth = payer(user)
    amount = new_amount()
    oid, pk = pay(srv, tp, auth, amount)
    tp.fail_next(f"/v1/payments/{pk}/cancel", "status500")
    body = dict(body, order_id=oid, **({"amount": amount // 2} if half else {}))
    assert_upstream(post(srv, BASE + "/payment/cancel", headers=auth, json=body), 502)
    return uid, auth, amount, oid, pk


def test_a_cancel_toss_never_got_is_finished_by_check_payment_with_its_own_key(
        server, tp, user, pg, log_allow):
    """The cancel call failed (5xx) and Toss never refunded. check-payment
    asks Toss again with the cancel's own Idempotency-Key: Toss refunds now
    (or, had the first call landed, answers it again), so the refund is
    settled at once and never made twice."""
    log_allow(TOSS_FAILED_LOG)
    admin, admin_auth = admin_of(user)
    uid, auth, amount, oid, pk = cancel_lost_at_toss(server, tp, user, {"reason": "환불 요청"})
    [c] = cancels(pg, oid)
    assert c["status"] == "PENDING" and balance(pg, uid) == 0

    body = check_payment(server, admin_auth, oid)
    assert (body["toss_status"], body["changed"], body["order"]["status"]) == \
        ("DONE", True, "CANCELLED")
    [c] = cancels(pg, oid)
    assert (c["status"], c["transaction_key"]) == \
        ("DONE", tp.payments[pk]["cancels"][0]["transactionKey"])
    assert tp.payments[pk]["status"] == "CANCELED" and tp.refunded(pk) == amount
    keys = [x.headers["Idempotency-Key"] for x in cancel_calls(tp, pk)]
    assert keys == [f"gh-cancel-{c['id']}"] * 2
    assert [x.json() for x in cancel_calls(tp, pk)] == \
        [{"cancelReason": "환불 요청", "cancelAmount": amount}] * 2
    assert balance(pg, uid) == 0
    assert [(row["delta"], row["source_type"]) for row in ledger(pg, uid)] == \
        [(amount, "toss_payment"), (-amount, "toss_cancel")]
    assert check_payment(server, admin_auth, oid)["changed"] is False
    assert len(cancel_calls(tp, pk)) == 2
    assert_consistent(pg)


def test_a_pending_cancel_toss_refuses_is_reversed_by_check_payment(server, tp, user, pg,
                                                                     log_allow):
    """While our cancel was PENDING, the whole payment was refunded in Toss's
    console: asked again, Toss refuses ours, so its points come back, and
    the console's refund is taken back once instead."""
    log_allow(TOSS_FAILED_LOG)
    admin, admin_auth = admin_of(user)
    uid, auth, amount, oid, pk = cancel_lost_at_toss(server, tp, user, {"reason": "환불 요청"},
                                                     half=True)
    tp.cancel_externally(pk)
    # the webhook leaves a PENDING refund to its request or the admin check
    r = webhook(server, tp.webhook_body(pk))
    assert r.status_code == 200 and r.json()["order_status"] == "DONE", r.text
    assert [c["status"] for c in cancels(pg, oid)] == ["PENDING"]
    body = check_payment(server, admin_auth, oid)
    assert (body["changed"], body["order"]["status"]) == (True, "CANCELLED")
    [ours, theirs] = cancels(pg, oid)
    assert (ours["status"], ours["amount"]) == ("FAILED", amount // 2)
    assert (theirs["status"], theirs["amount"], theirs["transaction_key"]) == \
        ("DONE", amount, tp.payments[pk]["cancels"][0]["transactionKey"])
    assert [(row["delta"], row["source_type"]) for row in ledger(pg, uid)] == \
        [(amount, "toss_payment"), (-(amount // 2), "toss_cancel"),
         (amount // 2, "toss_cancel_reversal"), (-amount, "toss_refund")]
    assert balance(pg, uid) == 0
    assert check_payment(server, admin_auth, oid)["changed"] is False
    assert_consistent(pg)
