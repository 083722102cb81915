"""Payaction deposits under concurrency and failure (issue 4, seed 004):
duplicate webhooks credit once, a database restart in the middle of a run of
webhooks loses and doubles nothing, webhooks for orders that cannot be
credited are stored for review. Each test ends with the ledger-equals-balance
check."""
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

from payaction_helpers import (DB_ERRORS, PAYACTION_FAILED, User, assert_fail,
                               assert_success, cancel, credits_for, deposit, hooks_for,
                               ledger_of, mismatches, open_order, orders_of, pa, points,
                               post_json, sent_orders, status_of, webhook)

__all__ = ["pa"]     # the fixture, imported so that pytest finds it


def _together(n, fn, args):
    """Runs fn(*args[i]) for i < n in n threads released at once."""
    barrier = threading.Barrier(n)

    def one(a):
        barrier.wait(10)
        return fn(*a)
    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, args))


def _send(srv, body, headers):
    return post_json(srv, "/webhook", body, headers=headers, timeout=30)


# ---------------------------------------------------------------- duplicates

def test_50_concurrent_duplicates_of_one_delivery_credit_once(server, pg, pa):
    u = User(pg)
    number = open_order(server, u, amount=77000)
    body = pa.match_body(number, amount=77000)
    headers = pa.webhook_headers()
    replies = _together(50, _send, [(server, body, headers)] * 50)
    assert [r.status_code for r in replies] == [200] * 50, \
        [(r.status_code, r.text) for r in replies if r.status_code != 200][:3]
    assert all(r.json() == {"status": "success"} for r in replies)
    assert hooks_for(pg, number) == [(headers["x-trace-id"], "매칭완료", "credited", body)]
    assert status_of(pg, number) == "DONE"
    assert ledger_of(pg, u) == [(77000, 77000, "payaction_deposit", number)]
    assert points(pg, u) == 77000
    assert mismatches(pg) == 0


def test_50_concurrent_deliveries_with_different_trace_ids_credit_once(server, pg, pa):
    u = User(pg)
    number = open_order(server, u, amount=64000)
    deliveries = [(server, pa.match_body(number), pa.webhook_headers()) for _ in range(50)]
    replies = _together(50, _send, deliveries)
    assert [r.status_code for r in replies] == [200] * 50, \
        [(r.status_code, r.text) for r in replies if r.status_code != 200][:3]
    assert all(r.json() == {"status": "success"} for r in replies)
    hooks = hooks_for(pg, number)
    assert sorted(h[0] for h in hooks) == sorted(d[2]["x-trace-id"] for d in deliveries)
    assert Counter(h[2] for h in hooks) == {"credited": 1, "already_matched": 49}
    assert ledger_of(pg, u) == [(64000, 64000, "payaction_deposit", number)]
    assert points(pg, u) == 64000
    assert status_of(pg, number) == "DONE"
    assert mismatches(pg) == 0


def test_concurrent_matches_of_many_orders_of_one_user(server, pg, pa):
    """Ten orders of one user, each delivered five times (two trace ids),
    all at once: each credited once and the balance is their sum."""
    u = User(pg)
    amounts = [1000 * (i + 1) + i for i in range(10)]
    numbers = [open_order(server, u, amount=a) for a in amounts]
    deliveries = []
    for n, a in zip(numbers, amounts):
        h1, h2 = pa.webhook_headers(), pa.webhook_headers()
        body = pa.match_body(n, amount=a)
        deliveries += [(server, body, h1)] * 3 + [(server, body, h2)] * 2
    replies = _together(len(deliveries), _send, deliveries)
    assert [r.status_code for r in replies] == [200] * len(deliveries)
    for n, a in zip(numbers, amounts):
        assert Counter(h[2] for h in hooks_for(pg, n)) == {"credited": 1, "already_matched": 1}
        assert credits_for(pg, n) == 1
        assert status_of(pg, n) == "DONE"
    ledger = ledger_of(pg, u)
    assert sorted(d for d, _, _, _ in ledger) == sorted(amounts)
    # each balance_after is the running sum in ledger order
    running = 0
    for delta, after, source_type, _ in ledger:
        running += delta
        assert after == running and source_type == "payaction_deposit"
    assert points(pg, u) == sum(amounts)
    assert mismatches(pg) == 0


def test_cancel_racing_a_match_ends_one_way_or_the_other(server, pg, pa):
    """Either the cancel wins (CANCELLED, order_not_open, no credit) or the
    match does (DONE, credited once, cancel 409); never both."""
    u = User(pg)
    numbers = [open_order(server, u, amount=5000) for _ in range(12)]
    cancels, matches = 0, 0
    for n in numbers:
        ops = [("cancel", n), ("match", n)]
        replies = _together(2, lambda op, num: cancel(server, u, num, timeout=30) if op ==
                            "cancel" else webhook(server, pa, pa.match_body(num), timeout=30),
                            ops)
        c, w = replies
        assert assert_success(w) == {"status": "success"}
        outcome = [h[2] for h in hooks_for(pg, n)]
        if c.status_code == 200:
            cancels += 1
            assert status_of(pg, n) == "CANCELLED"
            assert outcome == ["order_not_open"]
            assert credits_for(pg, n) == 0
        else:
            matches += 1
            assert_fail(c, 409)
            assert status_of(pg, n) == "DONE"
            assert outcome == ["credited"]
            assert credits_for(pg, n) == 1
    assert points(pg, u) == 5000 * matches
    assert len(ledger_of(pg, u)) == matches
    assert mismatches(pg) == 0


# ---------------------------------------------------------------- orders that cannot be credited

def test_concurrent_webhooks_for_an_unknown_order_are_stored_for_review(server, pg, pa):
    number = "NOSUCHORDER" + uuid.uuid4().hex[:16].upper()
    ledger_rows = pg.scalar("SELECT count(*) FROM point_ledger")
    deliveries = [(server, pa.match_body(number, amount=10000), pa.webhook_headers())
                  for _ in range(20)]
    replies = _together(20, _send, deliveries)
    assert all(assert_success(r) == {"status": "success"} for r in replies)
    hooks = hooks_for(pg, number)
    assert sorted(h[0] for h in hooks) == sorted(d[2]["x-trace-id"] for d in deliveries)
    assert all(h[1:] == ("매칭완료", "unknown_order", deliveries[0][1]) for h in hooks)
    assert pg.scalar("SELECT count(*) FROM point_ledger") == ledger_rows
    assert credits_for(pg, number) == 0
    assert mismatches(pg) == 0


def test_concurrent_webhooks_for_a_cancelled_order_credit_nothing(server, pg, pa):
    u = User(pg)
    number = open_order(server, u, amount=45000)
    assert_success(cancel(server, u, number))
    deliveries = [(server, pa.match_body(number, amount=45000), pa.webhook_headers())
                  for _ in range(20)]
    replies = _together(20, _send, deliveries)
    assert all(assert_success(r) == {"status": "success"} for r in replies)
    hooks = hooks_for(pg, number)
    assert len(hooks) == 20
    assert {h[2] for h in hooks} == {"order_not_open"}
    assert status_of(pg, number) == "CANCELLED"
    assert ledger_of(pg, u) == [] and points(pg, u) == 0
    assert mismatches(pg) == 0


def test_webhooks_for_a_failed_order_credit_nothing(server, pg, pa, log_allow):
    log_allow(PAYACTION_FAILED)
    u = User(pg)
    pa.fail_next("order", "status500")
    assert_fail(deposit(server, u, amount=45000), 502)
    (number, *_), = orders_of(pg, u)
    assert status_of(pg, number) == "FAILED"
    replies = _together(10, _send, [(server, pa.match_body(number), pa.webhook_headers())
                                    for _ in range(10)])
    assert all(assert_success(r) == {"status": "success"} for r in replies)
    assert [h[2] for h in hooks_for(pg, number)] == ["order_not_open"] * 10
    assert status_of(pg, number) == "FAILED"
    assert ledger_of(pg, u) == [] and points(pg, u) == 0
    assert mismatches(pg) == 0


# ---------------------------------------------------------------- the database goes away

def test_database_restart_during_a_run_of_webhooks(server, pg, pa, log_allow):
    """Webhooks keep arriving while PostgreSQL is stopped and started again.
    Each delivery that gets a 5xx is sent again with the same trace id, as
    Payaction redelivers; afterwards every order is credited exactly once."""
    log_allow(DB_ERRORS)
    users = [User(pg) for _ in range(4)]
    orders = []
    for i in range(40):
        u = users[i % 4]
        amount = 2000 + 111 * i
        orders.append((u, open_order(server, u, amount=amount), amount))
    deliveries = [(n, pa.match_body(n, amount=a), pa.webhook_headers()) for _, n, a in orders]

    results = {}               # order number -> [status codes of each attempt]
    done_count = [0]
    ten_done = threading.Event()
    problems = []

    def sender():
        try:
            for n, body, headers in deliveries:
                deadline = time.time() + 90
                codes = results.setdefault(n, [])
                while True:
                    try:
                        r = post_json(server, "/webhook", body, headers=headers, timeout=15)
                        codes.append(r.status_code)
                        if r.status_code == 200:
                            if r.json() != {"status": "success"}:
                                problems.append((n, r.text))
                            break
                        if r.status_code < 500:
                            problems.append((n, r.status_code, r.text))
                            break
                        body_ok = r.headers.get("Content-Type", "").startswith(
                            "application/json") and r.json().get("status") == "fail"
                        if not body_ok:
                            problems.append((n, r.status_code, r.text))
                    except requests.RequestException as exc:
                        codes.append(repr(exc))
                    if time.time() > deadline:
                        problems.append((n, "gave up", codes[-3:]))
                        break
                    time.sleep(0.2)
                done_count[0] += 1
                if done_count[0] == 10:
                    ten_done.set()
                time.sleep(0.1)
        except Exception as exc:          # noqa: BLE001 - reported below
            problems.append(repr(exc))
            ten_done.set()

    t = threading.Thread(target=sender)
    t.start()
    try:
        assert ten_done.wait(60), "the first ten webhooks did not go through"
        pg.stop()
        time.sleep(2)
    finally:
        pg.start()
    t.join(120)
    assert not t.is_alive()
    assert problems == []
    failed_attempts = sum(1 for codes in results.values() for c in codes if c != 200)
    assert failed_attempts > 0, "no webhook met the outage"
    assert all(codes[-1] == 200 for codes in results.values())

    # late duplicates: every delivery again, and a second delivery of each
    for n, body, headers in deliveries:
        assert assert_success(post_json(server, "/webhook", body, headers=headers)) == \
            {"status": "success"}
        assert_success(webhook(server, pa, body))

    for u, n, amount in orders:
        assert status_of(pg, n) == "DONE", n
        assert credits_for(pg, n) == 1, n
        outcomes = [h[2] for h in hooks_for(pg, n)]
        assert outcomes == ["credited", "already_matched"], (n, outcomes)
    for _, body, headers in deliveries:
        assert pg.scalar("SELECT count(*) FROM payaction_webhooks WHERE trace_id = %s",
                         (headers["x-trace-id"],)) == 1
    for u in users:
        mine = [(n, a) for o, n, a in orders if o is u]
        assert sorted((s, d) for d, _, _, s in ledger_of(pg, u)) == sorted(mine)
        assert points(pg, u) == sum(a for _, a in mine)
    assert mismatches(pg) == 0


def test_deposit_request_with_the_database_down_registers_nothing(server, pg, pa,
                                                                  log_allow):
    """The order is stored before Payaction hears of it: with no database,
    Payaction is not called, so no order exists on one side only."""
    log_allow(DB_ERRORS)
    u = User(pg)
    unknown = "DOWN" + uuid.uuid4().hex[:16].upper()
    pg.stop()
    try:
        for _ in range(3):
            assert_fail(deposit(server, u, amount=20000), 503)
        assert_fail(_send(server, pa.match_body(unknown), pa.webhook_headers()), 503)
    finally:
        pg.start()
    assert sent_orders(pa) == []
    assert orders_of(pg, u) == []
    assert hooks_for(pg, unknown) == []
    # and once it is back, the same request works
    deadline = time.time() + 20
    while True:
        r = deposit(server, u, amount=20000)
        if r.status_code == 200 or time.time() > deadline:
            break
        time.sleep(0.2)
    number = assert_success(r)["order_number"]
    assert [(n, s) for n, _, _, _, s in orders_of(pg, u)] == [(number, "READY")]
    assert len(sent_orders(pa, number)) == 1
    assert mismatches(pg) == 0
