"""Payaction bank deposits (seed 004, docs/MONEY_API.md "Payaction area"): every
route's happy path and bad inputs. Each test checks the HTTP status, the
seed-shaped JSON body, the database afterwards and what the Payaction fake
received. Every test makes its own users."""
import datetime
import json
import math
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from accounts_helpers import as_ip, bearer, forge_session
from conftest import until_ok
from payaction_helpers import (ACCOUNT, BANK, KST, KST_DATE, LABELS, ORDER_NUMBER,
                               PAYACTION_FAILED, User, assert_fail, assert_payaction_headers,
                               assert_success, cancel, credits_for, deposit, hook_count,
                               hooks_for, kst, ledger_of, mismatches, open_order, order_row,
                               orders_of, pa, points, post_json, sent_excludes, sent_orders,
                               status_of, webhook)

__all__ = ["pa"]     # the fixture, imported so that pytest finds it

AUTHZ_REFUSED = r'AH01631: user \d+: authorization failure for "/admin/transactions"'


# ================================================================ /deposit-request

def test_deposit_request_stores_the_order_and_registers_it(server, pg, pa):
    u = User(pg)
    before = time.time()
    r = deposit(server, u, amount=50000, billing_name="홍길동")
    body = assert_success(r)
    assert set(body) == {"status", "bank", "account", "order_number", "amount"}
    assert body["bank"] == BANK
    assert body["account"] == ACCOUNT
    assert body["amount"] == 50000
    number = body["order_number"]
    assert ORDER_NUMBER.match(number), number

    assert orders_of(pg, u) == [(number, "payaction", 50000, "홍길동", "READY")]
    assert ledger_of(pg, u) == []
    assert points(pg, u) == 0

    sent = sent_orders(pa, number)
    assert len(sent) == 1
    rec, order = sent[0]
    assert_payaction_headers(pa, rec)
    assert set(order) >= set(pa.ORDER_FIELDS)
    assert order["order_number"] == number
    assert order["order_amount"] == 50000 and isinstance(order["order_amount"], int)
    assert order["billing_name"] == "홍길동"
    assert order["orderer_name"] == u.name
    assert order["orderer_email"] in ("", u.email)
    for f in ("orderer_phone_number", "trade_usage", "identity_number"):
        assert isinstance(order[f], str), (f, order)
    # ISO 8601 in KST, and now
    when = datetime.datetime.fromisoformat(order["order_date"])
    assert when.utcoffset() == datetime.timedelta(hours=9), order["order_date"]
    assert before - 5 <= when.timestamp() <= time.time() + 5
    assert pa.orders[number]["excluded"] is False


def test_deposit_amount_bounds_are_inclusive(server, pg, pa):
    u = User(pg)
    numbers = []
    for amount in (1000, 5000000):
        body = assert_success(deposit(server, u, amount=amount))
        assert body["amount"] == amount
        numbers.append(body["order_number"])
    assert [(n, a, s) for n, _, a, _, s in orders_of(pg, u)] == \
        [(numbers[0], 1000, "READY"), (numbers[1], 5000000, "READY")]
    assert [o["order_amount"] for _, o in sent_orders(pa) if o["order_number"] in numbers] \
        == [1000, 5000000]


@pytest.mark.parametrize("billing_name", [
    "홍길동", "A", "Hong Gil Dong", "김 철수", "abc123", "가" * 20, "Z9", "남궁 민수 2",
])
def test_billing_names_that_are_accepted(server, pg, pa, billing_name):
    u = User(pg)
    number = assert_success(deposit(server, u, billing_name=billing_name))["order_number"]
    assert order_row(pg, number) == (u.id, "payaction", 10000, billing_name, "READY")
    assert [o["billing_name"] for _, o in sent_orders(pa, number)] == [billing_name]


BAD_AMOUNTS = [-1000, -1, 0, 1, 999, 5000001, 10**12, 2**63 - 1, 2**63, 10**20, -10**20,
               "5000", "5,000", "", "abc", 5000.5, 5000.0, 1e4, True, False, None,
               [5000], {"amount": 5000}]


@pytest.mark.parametrize("amount", BAD_AMOUNTS, ids=lambda a: repr(a)[:30])
def test_bad_amount_is_400_and_nothing_is_stored(server, pg, pa, amount):
    u = User(pg)
    assert_fail(deposit(server, u, amount=amount), 400)
    assert orders_of(pg, u) == []
    assert sent_orders(pa) == []


@pytest.mark.parametrize("raw", [
    '{"username":"%s","billing_name":"홍길동","amount":1e4}',
    '{"username":"%s","billing_name":"홍길동","amount":10000.0}',
    '{"username":"%s","billing_name":"홍길동","amount":1e999}',
    '{"username":"%s","billing_name":"홍길동","amount":99999999999999999999999999}',
    '{"username":"%s","billing_name":"홍길동","amount":-0}',
    '{"username":"%s","billing_name":"홍길동","amount":0x10}',
    '{"username":"%s","billing_name":"홍길동","amount":"10000"}',
    '{"username":"%s","billing_name":"홍길동"}',
    '{"username":"%s","billing_name":"홍길동","amount":01000}',
    '{"username":"%s","billing_name":"홍길동","amount":+1000}',
    '{"username":"%s","billing_name":"홍길동","amount":10000,"amount":-5}',
], ids=["exponent", "point-zero", "inf", "26-digits", "minus-zero", "hex", "string", "missing",
        "leading-zero", "plus", "repeated-key-negative"])
def test_amount_spellings_that_are_not_integers_are_400(server, pg, pa, raw):
    u = User(pg)
    r = post_json(server, "/deposit-request", raw % u.name, headers=u.auth)
    assert_fail(r, 400)
    assert orders_of(pg, u) == []
    assert sent_orders(pa) == []


BAD_USERNAMES = [None, "", "ab", "a" * 33, "has space", "semi;colon", "slash/x", "../etc",
                 "한글이름", "tab\tx", "new\nline", "nul\u0000x", "c1\u0085x", "del\u007fx",
                 "quote'x", 'dq"x', "<script>", "a@b.com", 12345, ["abc"], {"n": "abc"}, True]


@pytest.mark.parametrize("username", BAD_USERNAMES, ids=lambda n: repr(n)[:30])
def test_bad_username_is_400_and_nothing_is_stored(server, pg, pa, username):
    u = User(pg)
    body = {"username": username, "billing_name": "홍길동", "amount": 10000}
    assert_fail(post_json(server, "/deposit-request", body, headers=u.auth), 400)
    del body["username"]
    assert_fail(post_json(server, "/deposit-request", body, headers=u.auth), 400)
    assert orders_of(pg, u) == []
    assert sent_orders(pa) == []


def test_username_of_33_characters_is_refused_and_32_accepted(server, pg, pa):
    u = User(pg, username=False)
    assert_fail(deposit(server, u, username="b" * 21 + u.email[:12]), 400)
    assert pg.scalar("SELECT username FROM users WHERE id = %s", (u.id,)) is None
    name = "c" * 20 + u.email[:12]
    assert len(name) == 32
    assert_success(deposit(server, u, username=name))
    assert pg.scalar("SELECT username FROM users WHERE id = %s", (u.id,)) == name


BAD_BILLING_NAMES = [None, "", " ", "가" * 21, "a" * 21, " 홍길동", "홍길동 ", "홍  길동",
                     "홍\t길동", "홍\n길동", "홍길동\u0000", "홍\u0085길동", "홍\u007f", "홍길동!",
                     "<script>", "홍;길동", "O'Brien", "홍-길동", "ㅎㄱㄷ", "漢字", "Ｈｏｎｇ",
                     "홍\u200b길동", "😀", 12345, ["홍길동"], {"n": "홍길동"}, True]


@pytest.mark.parametrize("billing_name", BAD_BILLING_NAMES, ids=lambda n: repr(n)[:30])
def test_bad_billing_name_is_400_and_nothing_is_stored(server, pg, pa, billing_name):
    u = User(pg)
    assert_fail(deposit(server, u, billing_name=billing_name), 400)
    assert orders_of(pg, u) == []
    assert sent_orders(pa) == []


def test_missing_billing_name_is_400(server, pg, pa):
    u = User(pg)
    r = post_json(server, "/deposit-request", {"username": u.name, "amount": 10000},
                  headers=u.auth)
    assert_fail(r, 400)
    assert orders_of(pg, u) == []
    assert sent_orders(pa) == []


@pytest.mark.parametrize("raw", ["", "not json", "{", '{"username":', "[]", '"text"', "null",
                                 "12", b"\xff\xfe{}"], ids=repr)
def test_malformed_body_is_400(server, pg, pa, raw):
    u = User(pg)
    assert_fail(post_json(server, "/deposit-request", raw, headers=u.auth), 400)
    assert orders_of(pg, u) == []
    assert sent_orders(pa) == []


def test_body_over_the_limit_is_413_in_the_fail_shape(server, pg, pa):
    u = User(pg)
    body = {"username": u.name, "billing_name": "홍길동", "amount": 10000,
            "pad": "x" * 70000}
    assert_fail(post_json(server, "/deposit-request", body, headers=u.auth), 413)
    assert orders_of(pg, u) == []
    assert sent_orders(pa) == []


def test_another_users_name_is_403(server, pg, pa):
    u, other = User(pg), User(pg)
    assert_fail(deposit(server, u, username=other.name), 403)
    # a well-formed name nobody has is not the caller's either, nor is the
    # caller's own name in other letter case
    assert_fail(deposit(server, u, username="nobody_" + u.email[:10]), 403)
    assert_fail(deposit(server, u, username=u.name.upper()), 403)
    assert orders_of(pg, u) == [] and orders_of(pg, other) == []
    assert pg.scalar("SELECT username FROM users WHERE id = %s", (u.id,)) == u.name
    assert sent_orders(pa) == []


def test_first_request_claims_the_username(server, pg, pa):
    u = User(pg, username=False)
    name = "claim_" + u.email[:12]
    number = assert_success(deposit(server, u, username=name))["order_number"]
    assert pg.scalar("SELECT username FROM users WHERE id = %s", (u.id,)) == name
    assert order_row(pg, number) == (u.id, "payaction", 10000, "홍길동", "READY")
    assert [o["orderer_name"] for _, o in sent_orders(pa, number)] == [name]
    # the name is now the caller's: the same name works, another is 403
    assert_success(deposit(server, u, username=name))
    assert_fail(deposit(server, u, username="other_" + u.email[:12]), 403)
    assert pg.scalar("SELECT username FROM users WHERE id = %s", (u.id,)) == name
    assert len(orders_of(pg, u)) == 2


def test_claiming_a_taken_username_is_409(server, pg, pa):
    owner, u = User(pg), User(pg, username=False)
    assert_fail(deposit(server, u, username=owner.name), 409)
    assert pg.scalar("SELECT username FROM users WHERE id = %s", (u.id,)) is None
    assert pg.scalar("SELECT username FROM users WHERE id = %s", (owner.id,)) == owner.name
    assert orders_of(pg, u) == [] and orders_of(pg, owner) == []
    assert sent_orders(pa) == []


def test_racing_claims_of_one_name_give_it_to_one_user(server, pg, pa):
    users = [User(pg, username=False) for _ in range(8)]
    name = "race_" + users[0].email[:12]
    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda u: deposit(server, u, username=name, timeout=30), users))
    codes = sorted(r.status_code for r in replies)
    assert codes == [200] + [409] * 7, [(r.status_code, r.text) for r in replies]
    winner = users[[r.status_code for r in replies].index(200)]
    assert pg.query("SELECT id FROM users WHERE username = %s", (name,)) == [(winner.id,)]
    for u, r in zip(users, replies):
        if u is not winner:
            assert_fail(r, 409)
            assert orders_of(pg, u) == []
    assert len(sent_orders(pa)) == 1


@pytest.mark.parametrize("path", ["/deposit-request", "/cancel-order",
                                  "/transaction-history/someone", "/admin/transactions"])
@pytest.mark.parametrize("token", ["none", "garbage", "wrong-key", "expired"])
def test_missing_or_bad_token_is_401_in_the_fail_shape(server, pg, pa, path, token):
    u = User(pg)
    headers = {
        "none": {},
        "garbage": bearer("not-a-token"),
        "wrong-key": bearer(forge_session(sub=str(u.id), secret="w" * 40)),
        "expired": bearer(forge_session(sub=str(u.id), exp=int(time.time()) - 600,
                                        iat=int(time.time()) - 1500)),
    }[token]
    method = "GET" if path.startswith(("/transaction", "/admin")) else "POST"
    body = json.dumps({"username": u.name, "billing_name": "홍길동", "amount": 10000,
                       "order_number": "A" * 20}).encode()
    headers["Content-Type"] = "application/json"
    r = as_ip(server, method, path, headers=headers,
              data=body if method == "POST" else None)
    assert_fail(r, 401)
    assert orders_of(pg, u) == []
    assert sent_orders(pa) == []


# ---------------------------------------------------------------- Payaction fails

def _only_order(pg, u):
    rows = orders_of(pg, u)
    assert len(rows) == 1, rows
    return rows[0][0]


@pytest.mark.parametrize("status", [400, 401, 200, 409])
def test_payaction_error_body_fails_the_order(server, pg, pa, status, log_allow):
    """Payaction's error shape (with whatever HTTP status) marks the order
    FAILED and the answer says so."""
    log_allow(PAYACTION_FAILED)
    u = User(pg)
    pa.script("order", status, {"status": "error",
                                "response": {"message": "이미 등록된 주문번호입니다."}})
    r = deposit(server, u, amount=30000)
    assert_fail(r, 502)
    number = _only_order(pg, u)
    assert order_row(pg, number) == (u.id, "payaction", 30000, "홍길동", "FAILED")
    sent = sent_orders(pa, number)
    assert len(sent) == 1
    assert_payaction_headers(pa, sent[0][0])
    assert number not in pa.orders            # the scripted answer stored nothing
    assert ledger_of(pg, u) == [] and points(pg, u) == 0
    # the FAILED order is in the user's history as 실패
    h = assert_success(server.get(f"/transaction-history/{u.name}", headers=u.auth))
    assert [(t["order_number"], t["status"]) for t in h["transactions"]] == [(number, "실패")]


def test_payaction_500_fails_the_order_and_excludes_it(server, pg, pa, log_allow):
    log_allow(PAYACTION_FAILED)
    u = User(pg)
    pa.fail_next("order", "status500")
    assert_fail(deposit(server, u, amount=20000), 502)
    number = _only_order(pg, u)
    assert status_of(pg, number) == "FAILED"
    assert len(sent_orders(pa, number)) == 1
    ex = _wait_for(lambda: sent_excludes(pa, number))
    assert [b for _, b in ex] == [{"order_number": number}]
    assert_payaction_headers(pa, ex[0][0])
    assert ledger_of(pg, u) == []


def test_payaction_garbage_fails_the_order(server, pg, pa, log_allow):
    log_allow(PAYACTION_FAILED)
    u = User(pg)
    pa.fail_next("order", "garbage")
    assert_fail(deposit(server, u, amount=20000), 502)
    number = _only_order(pg, u)
    assert status_of(pg, number) == "FAILED"
    assert len(sent_orders(pa, number)) == 1
    assert ledger_of(pg, u) == []


def test_payaction_timeout_fails_the_order_and_excludes_it(server, pg, pa, log_allow):
    log_allow(PAYACTION_FAILED)
    u = User(pg)
    pa.fail_next("order", "timeout")
    t0 = time.monotonic()
    r = deposit(server, u, amount=40000, timeout=30)
    assert time.monotonic() - t0 < 15
    assert_fail(r, 504)
    number = _only_order(pg, u)
    assert status_of(pg, number) == "FAILED"
    ex = _wait_for(lambda: sent_excludes(pa, number))
    assert [b for _, b in ex] == [{"order_number": number}]
    assert_payaction_headers(pa, ex[0][0])
    assert ledger_of(pg, u) == [] and points(pg, u) == 0
    # a late match for it credits nothing
    assert assert_success(webhook(server, pa, pa.match_body(number))) == {"status": "success"}
    assert [h[2] for h in hooks_for(pg, number)] == ["order_not_open"]
    assert credits_for(pg, number) == 0 and points(pg, u) == 0


def test_payaction_unreachable_fails_the_order(server, pg, pa, log_allow):
    """The connection dropped without an answer: nothing is left READY."""
    log_allow(PAYACTION_FAILED)
    u = User(pg)
    pa.fail_next("order", "close")
    r = deposit(server, u, amount=20000)
    assert r.status_code in (502, 503), r.text
    assert_fail(r, r.status_code)
    number = _only_order(pg, u)
    assert status_of(pg, number) == "FAILED"
    assert ledger_of(pg, u) == []


def _wait_for(fn, timeout=5):
    deadline = time.time() + timeout
    while True:
        got = fn()
        if got or time.time() > deadline:
            return got
        time.sleep(0.05)


# ---------------------------------------------------------------- order numbers

def test_order_numbers_are_unique_and_unguessable(server, pg, pa):
    users = [User(pg) for _ in range(4)]
    with ThreadPoolExecutor(16) as pool:
        replies = list(pool.map(lambda i: deposit(server, users[i % 4], amount=1000 + i,
                                                  timeout=30), range(200)))
    assert [r.status_code for r in replies] == [200] * 200, \
        [r.text for r in replies if r.status_code != 200][:3]
    numbers = [r.json()["order_number"] for r in replies]
    assert len(set(numbers)) == 200
    assert all(ORDER_NUMBER.match(n) for n in numbers), numbers[:5]
    assert pg.scalar("SELECT count(*) FROM payment_orders WHERE order_id = ANY(%s) "
                     "AND provider = 'payaction' AND status = 'READY'", (numbers,)) == 200
    assert {o["order_number"] for _, o in sent_orders(pa)} == set(numbers)
    # unguessable: estimate the entropy per position from what varies (a
    # counter or a timestamp varies in a few positions only)
    width = min(len(n) for n in numbers)
    bits = 0.0
    for pos in range(1, width + 1):
        seen = Counter(n[-pos] for n in numbers)
        bits += math.log2(len(seen))
    assert bits >= 60, (bits, sorted(numbers)[:5])


# ================================================================ /webhook

def test_match_webhook_credits_once(server, pg, pa):
    u = User(pg)
    number = open_order(server, u, amount=50000)
    body = pa.match_body(number)
    headers = pa.webhook_headers()
    r = webhook(server, pa, body, headers=headers)
    assert assert_success(r) == {"status": "success"}
    assert status_of(pg, number) == "DONE"
    assert ledger_of(pg, u) == [(50000, 50000, "payaction_deposit", number)]
    assert points(pg, u) == 50000
    assert hooks_for(pg, number) == [(headers["x-trace-id"], "매칭완료", "credited", body)]

    # the same delivery again (same trace id): stored once, nothing changes
    r = webhook(server, pa, body, headers=headers)
    assert assert_success(r) == {"status": "success"}
    assert hooks_for(pg, number) == [(headers["x-trace-id"], "매칭완료", "credited", body)]
    # another delivery for the matched order: already_matched
    second = pa.webhook_headers()
    assert assert_success(webhook(server, pa, body, headers=second)) == {"status": "success"}
    assert [(h[0], h[2]) for h in hooks_for(pg, number)] == \
        [(headers["x-trace-id"], "credited"), (second["x-trace-id"], "already_matched")]
    assert ledger_of(pg, u) == [(50000, 50000, "payaction_deposit", number)]
    assert points(pg, u) == 50000
    assert status_of(pg, number) == "DONE"
    assert mismatches(pg) == 0


def test_two_matches_add_up_in_the_ledger(server, pg, pa):
    u = User(pg)
    a = open_order(server, u, amount=10000)
    b = open_order(server, u, amount=25000)
    assert_success(webhook(server, pa, pa.match_body(b)))
    assert_success(webhook(server, pa, pa.match_body(a)))
    assert ledger_of(pg, u) == [(25000, 25000, "payaction_deposit", b),
                                (10000, 35000, "payaction_deposit", a)]
    assert points(pg, u) == 35000
    assert mismatches(pg) == 0


def test_webhook_with_matching_amount_credits(server, pg, pa):
    u = User(pg)
    big = open_order(server, u, amount=1000000)
    small = open_order(server, u, amount=5000)
    body = pa.match_body(big, amount=1000000)
    assert body["amount"] == "1,000,000"
    assert_success(webhook(server, pa, body))
    body2 = pa.match_body(small)
    body2["amount"] = 5000                       # a JSON number is also accepted
    assert_success(webhook(server, pa, body2))
    assert [h[2] for h in hooks_for(pg, big)] == ["credited"]
    assert [h[2] for h in hooks_for(pg, small)] == ["credited"]
    assert points(pg, u) == 1005000
    assert mismatches(pg) == 0


@pytest.mark.parametrize("amount", ["1,000,001", "999,999", 999999, "1000", "0", "-1,000,000"],
                         ids=repr)
def test_webhook_with_another_amount_credits_nothing(server, pg, pa, amount):
    u = User(pg)
    number = open_order(server, u, amount=1000000)
    body = pa.match_body(number)
    body["amount"] = amount
    assert assert_success(webhook(server, pa, body)) == {"status": "success"}
    assert [h[1:] for h in hooks_for(pg, number)] == [("매칭완료", "amount_mismatch", body)]
    assert status_of(pg, number) == "READY"
    assert ledger_of(pg, u) == [] and points(pg, u) == 0
    # a later correct delivery still credits it
    assert_success(webhook(server, pa, pa.match_body(number, amount=1000000)))
    assert [h[2] for h in hooks_for(pg, number)] == ["amount_mismatch", "credited"]
    assert points(pg, u) == 1000000
    assert mismatches(pg) == 0


def test_webhook_for_an_unknown_order_is_stored_and_credits_nothing(server, pg, pa):
    number = "UNKNOWN" + uuid.uuid4().hex[:16].upper()
    before = pg.scalar("SELECT count(*) FROM point_ledger")
    body = pa.match_body(number, amount=10000)
    headers = pa.webhook_headers()
    assert assert_success(webhook(server, pa, body, headers=headers)) == {"status": "success"}
    assert hooks_for(pg, number) == [(headers["x-trace-id"], "매칭완료", "unknown_order", body)]
    assert pg.scalar("SELECT count(*) FROM point_ledger") == before
    assert pg.scalar("SELECT count(*) FROM payment_orders WHERE order_id = %s", (number,)) == 0


def test_webhook_for_a_cancelled_order_credits_nothing(server, pg, pa):
    u = User(pg)
    number = open_order(server, u, amount=30000)
    assert_success(cancel(server, u, number))
    assert_success(webhook(server, pa, pa.match_body(number)))
    assert [h[2] for h in hooks_for(pg, number)] == ["order_not_open"]
    assert status_of(pg, number) == "CANCELLED"
    assert ledger_of(pg, u) == [] and points(pg, u) == 0


def test_webhook_for_a_toss_order_is_not_a_payaction_match(server, pg, pa):
    """A Toss order id in a Payaction webhook credits nothing."""
    u = User(pg)
    number = "TOSSORDER" + u.email[:12].upper()
    pg.query("INSERT INTO payment_orders (user_id, order_id, provider, amount, order_name) "
             "VALUES (%s, %s, 'toss', 10000, '포인트')", (u.id, number))
    assert_success(webhook(server, pa, pa.match_body(number)))
    assert [h[2] for h in hooks_for(pg, number)] in (["unknown_order"], ["order_not_open"])
    assert status_of(pg, number) == "READY"
    assert ledger_of(pg, u) == [] and points(pg, u) == 0


@pytest.mark.parametrize("order_status", ["매칭대기", "입금대기", "매칭실패", "취소", "MATCHED"])
def test_other_order_status_is_ignored(server, pg, pa, order_status):
    u = User(pg)
    number = open_order(server, u)
    body = {"order_number": number, "order_status": order_status,
            "processing_date": "2025-05-21T15:16:09+09:00"}
    assert assert_success(webhook(server, pa, body)) == {"status": "success"}
    assert [h[1:] for h in hooks_for(pg, number)] == [(order_status, "ignored_status", body)]
    assert status_of(pg, number) == "READY"
    assert ledger_of(pg, u) == []


def test_a_trace_id_seen_before_changes_nothing_even_for_another_order(server, pg, pa):
    u = User(pg)
    a = open_order(server, u, amount=8000)
    b = open_order(server, u, amount=9000)
    headers = pa.webhook_headers()
    assert_success(webhook(server, pa, pa.match_body(a), headers=headers))
    assert assert_success(webhook(server, pa, pa.match_body(b), headers=headers)) == \
        {"status": "success"}
    assert hooks_for(pg, b) == []
    assert status_of(pg, b) == "READY"
    assert ledger_of(pg, u) == [(8000, 8000, "payaction_deposit", a)]
    # b's own delivery credits it
    assert_success(webhook(server, pa, pa.match_body(b)))
    assert points(pg, u) == 17000
    assert mismatches(pg) == 0


@pytest.mark.parametrize("number", ["A" * 1000, "A" * 100000], ids=["1000", "100000"])
def test_webhook_with_a_huge_order_number_credits_nothing(server, pg, pa, number):
    before = pg.scalar("SELECT count(*) FROM point_ledger")
    r = webhook(server, pa, pa.match_body(number))
    assert r.status_code in (200, 400, 413), r.text
    if r.status_code == 200:
        assert r.json() == {"status": "success"}
        assert [h[2] for h in hooks_for(pg, number)] == ["unknown_order"]
    else:
        assert_fail(r, r.status_code)
        assert hooks_for(pg, number) == []
    assert pg.scalar("SELECT count(*) FROM point_ledger") == before


def test_webhook_without_trace_id_is_still_processed(server, pg, pa):
    u = User(pg)
    number = open_order(server, u, amount=7000)
    headers = pa.webhook_headers()
    del headers["x-trace-id"]
    assert_success(webhook(server, pa, pa.match_body(number), headers=headers))
    assert [(h[0], h[2]) for h in hooks_for(pg, number)] == [(None, "credited")]
    assert_success(webhook(server, pa, pa.match_body(number), headers=headers))
    assert [(h[0], h[2]) for h in hooks_for(pg, number)] == \
        [(None, "credited"), (None, "already_matched")]
    assert points(pg, u) == 7000
    assert mismatches(pg) == 0


def test_webhook_with_escaped_json_and_extra_fields(server, pg, pa):
    u = User(pg)
    number = open_order(server, u, amount=12000)
    body = dict(pa.match_body(number, amount=12000), agent_id="agent-1", agent_name="페이액션",
                account_number="11400204283485")
    r = server.post("/webhook", data=json.dumps(body).encode("ascii"),
                    headers=dict(pa.webhook_headers(), **{"Content-Type": "application/json"}))
    assert assert_success(r) == {"status": "success"}
    assert [h[1:] for h in hooks_for(pg, number)] == [("매칭완료", "credited", body)]
    assert points(pg, u) == 12000


def _wh_headers(pa, case):
    h = pa.webhook_headers()
    if case == "no-key":
        del h["x-webhook-key"]
    elif case == "no-mall":
        del h["x-mall-id"]
    elif case == "neither":
        del h["x-webhook-key"], h["x-mall-id"]
    elif case == "wrong-key":
        h["x-webhook-key"] = "pa-wh-" + "0" * 24
    elif case == "key-prefix":
        h["x-webhook-key"] = pa.webhook_key[:-1]
    elif case == "key-longer":
        h["x-webhook-key"] = pa.webhook_key + "0"
    elif case == "key-empty":
        h["x-webhook-key"] = ""
    elif case == "key-case":
        h["x-webhook-key"] = pa.webhook_key.upper()
    elif case == "wrong-mall":
        h["x-mall-id"] = str(int(pa.mall_id) + 1)
    elif case == "mall-empty":
        h["x-mall-id"] = ""
    elif case == "swapped":
        h["x-webhook-key"], h["x-mall-id"] = pa.mall_id, pa.webhook_key
    elif case == "api-key-instead":
        h["x-webhook-key"] = pa.api_key
    return h


@pytest.mark.parametrize("case", ["no-key", "no-mall", "neither", "wrong-key", "key-prefix",
                                  "key-longer", "key-empty", "key-case", "wrong-mall",
                                  "mall-empty", "swapped", "api-key-instead"])
def test_webhook_without_the_right_key_and_mall_is_401_and_stores_nothing(server, pg, pa,
                                                                          case):
    u = User(pg)
    number = open_order(server, u)
    stored = hook_count(pg)
    r = as_ip(server, "POST", "/webhook", headers=dict(_wh_headers(pa, case),
                                                       **{"Content-Type": "application/json"}),
              data=json.dumps(pa.match_body(number), ensure_ascii=False).encode())
    assert_fail(r, 401)
    assert hook_count(pg) == stored
    assert hooks_for(pg, number) == []
    assert status_of(pg, number) == "READY"
    assert ledger_of(pg, u) == [] and points(pg, u) == 0


@pytest.mark.parametrize("raw", [
    "", "not json", "{", "[]", '"매칭완료"', "null",
    '{"order_status":"매칭완료"}',
    '{"order_number":"%s"}',
    '{"order_number":12345,"order_status":"매칭완료"}',
    '{"order_number":"%s","order_status":1}',
    '{"order_number":null,"order_status":"매칭완료"}',
    '{"order_number":"%s","order_status":null}',
    '{"order_number":["%s"],"order_status":"매칭완료"}',
], ids=repr)
def test_malformed_webhook_is_400_and_stores_nothing(server, pg, pa, raw):
    u = User(pg)
    number = open_order(server, u)
    stored = hook_count(pg)
    r = webhook(server, pa, raw.replace("%s", number))
    assert_fail(r, 400)
    assert hook_count(pg) == stored
    assert status_of(pg, number) == "READY"
    assert ledger_of(pg, u) == []


def test_webhook_body_over_the_limit_is_413_and_stores_nothing(server, pg, pa):
    u = User(pg)
    number = open_order(server, u)
    stored = hook_count(pg)
    body = dict(pa.match_body(number), pad="x" * 70000)
    assert_fail(webhook(server, pa, body), 413)
    assert hook_count(pg) == stored
    assert status_of(pg, number) == "READY"


# ================================================================ /cancel-order

def test_cancel_order_excludes_it_at_payaction(server, pg, pa):
    u = User(pg)
    number = open_order(server, u, amount=15000)
    r = cancel(server, u, number)
    body = assert_success(r)
    assert body == {"status": "success", "msg": "주문이 취소되었습니다",
                    "payaction_response": {"status": "success", "response": {}}}
    assert status_of(pg, number) == "CANCELLED"
    ex = sent_excludes(pa, number)
    assert [b for _, b in ex] == [{"order_number": number}]
    assert_payaction_headers(pa, ex[0][0])
    assert pa.orders[number]["excluded"] is True
    assert ledger_of(pg, u) == []
    # a second cancel: 409, and Payaction is not asked again
    assert_fail(cancel(server, u, number), 409)
    assert len(sent_excludes(pa, number)) == 1
    assert status_of(pg, number) == "CANCELLED"


def test_matched_order_cannot_be_cancelled(server, pg, pa):
    u = User(pg)
    number = open_order(server, u, amount=15000)
    assert_success(webhook(server, pa, pa.match_body(number)))
    assert_fail(cancel(server, u, number), 409)
    assert sent_excludes(pa, number) == []
    assert status_of(pg, number) == "DONE"
    assert points(pg, u) == 15000
    assert mismatches(pg) == 0


def test_failed_order_cannot_be_cancelled(server, pg, pa, log_allow):
    log_allow(PAYACTION_FAILED)
    u = User(pg)
    pa.script("order", 400, {"status": "error", "response": {"message": "거절"}})
    assert_fail(deposit(server, u), 502)
    number = _only_order(pg, u)
    assert_fail(cancel(server, u, number), 409)
    assert sent_excludes(pa, number) == []
    assert status_of(pg, number) == "FAILED"


def test_cancel_of_an_unknown_order_is_404(server, pg, pa):
    u = User(pg)
    assert_fail(cancel(server, u, "Z" * 20), 404)
    assert pa.requests_to("/order-exclude") == []


def test_cancel_of_another_users_order_is_404_and_changes_nothing(server, pg, pa):
    owner, u = User(pg), User(pg)
    number = open_order(server, owner)
    assert_fail(cancel(server, u, number), 404)
    assert sent_excludes(pa, number) == []
    assert status_of(pg, number) == "READY"
    # the owner still can
    assert_success(cancel(server, owner, number))
    assert status_of(pg, number) == "CANCELLED"


def test_admin_can_cancel_another_users_order(server, pg, pa):
    owner, admin = User(pg), User(pg, role="admin")
    number = open_order(server, owner)
    body = assert_success(cancel(server, admin, number))
    assert body["msg"] == "주문이 취소되었습니다"
    assert status_of(pg, number) == "CANCELLED"
    assert len(sent_excludes(pa, number)) == 1
    assert_fail(cancel(server, admin, "Y" * 24), 404)
    matched = open_order(server, owner)
    assert_success(webhook(server, pa, pa.match_body(matched)))
    assert_fail(cancel(server, admin, matched), 409)
    assert sent_excludes(pa, matched) == []
    assert status_of(pg, matched) == "DONE"


def test_payaction_error_on_cancel_keeps_the_order_ready(server, pg, pa, log_allow):
    log_allow(PAYACTION_FAILED)
    u = User(pg)
    number = open_order(server, u, amount=15000)
    pa.script("order-exclude", 400, {"status": "error",
                                     "response": {"message": "이미 매칭된 주문입니다"}})
    r = cancel(server, u, number)
    body = assert_fail(r, 502, keys=("status", "msg", "payaction_response"))
    assert body["msg"] == "PayAction API 오류"
    assert isinstance(body["payaction_response"], str)
    assert "이미 매칭된 주문입니다" in body["payaction_response"]
    assert status_of(pg, number) == "READY"
    assert len(sent_excludes(pa, number)) == 1
    # a later match still credits it, and then it cannot be cancelled
    assert_success(webhook(server, pa, pa.match_body(number)))
    assert points(pg, u) == 15000
    assert_fail(cancel(server, u, number), 409)


def test_payaction_500_on_cancel_keeps_the_order_ready(server, pg, pa, log_allow):
    log_allow(PAYACTION_FAILED)
    u = User(pg)
    number = open_order(server, u)
    pa.fail_next("order-exclude", "status500")
    body = assert_fail(cancel(server, u, number), 502,
                       keys=("status", "msg", "payaction_response"))
    assert body["msg"] == "PayAction API 오류"
    assert status_of(pg, number) == "READY"
    # retried, it goes through
    assert_success(cancel(server, u, number))
    assert status_of(pg, number) == "CANCELLED"
    assert len(sent_excludes(pa, number)) == 2


def test_payaction_timeout_on_cancel_keeps_the_order_ready(server, pg, pa, log_allow):
    log_allow(PAYACTION_FAILED)
    u = User(pg)
    number = open_order(server, u)
    pa.fail_next("order-exclude", "timeout")
    t0 = time.monotonic()
    r = cancel(server, u, number, timeout=30)
    assert time.monotonic() - t0 < 15
    assert r.status_code in (502, 504), r.text
    body = r.json()
    assert body["status"] == "fail" and body["msg"], body
    assert status_of(pg, number) == "READY"
    assert_success(cancel(server, u, number))
    assert status_of(pg, number) == "CANCELLED"


@pytest.mark.parametrize("raw", ["", "not json", "[]", "{}", '{"order_number":12345}',
                                 '{"order_number":null}', '{"order_number":["A"]}',
                                 '{"order":"ABC"}'], ids=repr)
def test_malformed_cancel_is_400(server, pg, pa, raw):
    u = User(pg)
    number = open_order(server, u)
    assert_fail(post_json(server, "/cancel-order", raw, headers=u.auth), 400)
    assert status_of(pg, number) == "READY"
    assert pa.requests_to("/order-exclude") == []


@pytest.mark.parametrize("bad", ["", "a", "x" * 300, "ABC\nDEF", "A\u0000B", "../../x",
                                 "' OR '1'='1", "주문번호"], ids=repr)
def test_cancel_with_a_malformed_order_number_is_refused(server, pg, pa, bad):
    u = User(pg)
    number = open_order(server, u)
    r = cancel(server, u, bad)
    assert r.status_code in (400, 404), r.text
    assert_fail(r, r.status_code)
    assert status_of(pg, number) == "READY"
    assert pa.requests_to("/order-exclude") == []


# ================================================================ /transaction-history

def _history(pg, server, pa, u):
    """One order in each state, oldest first: (number, amount, status)."""
    done = open_order(server, u, amount=11000)
    cancelled = open_order(server, u, amount=12000)
    pa.script("order", 400, {"status": "error", "response": {"message": "거절"}})
    assert_fail(deposit(server, u, amount=13000), 502)
    failed = orders_of(pg, u)[-1][0]
    ready = open_order(server, u, amount=14000)
    assert_success(webhook(server, pa, pa.match_body(done)))
    assert_success(cancel(server, u, cancelled))
    return [(done, 11000, "매칭완료"), (cancelled, 12000, "취소됨"), (failed, 13000, "실패"),
            (ready, 14000, "대기중")]


def test_transaction_history_lists_the_users_orders_newest_first(server, pg, pa,
                                                                   log_allow):
    log_allow(PAYACTION_FAILED)
    u, other = User(pg), User(pg)
    made = _history(pg, server, pa, u)
    open_order(server, other)               # not in u's history
    # a Toss order of the same user is not a Payaction transaction
    pg.query("INSERT INTO payment_orders (user_id, order_id, provider, amount, order_name) "
             "VALUES (%s, %s, 'toss', 9000, '포인트')", (u.id, "toss-" + u.email[:12]))
    r = server.get(f"/transaction-history/{u.name}", headers=u.auth)
    body = assert_success(r)
    assert set(body) == {"status", "transactions"}
    tx = body["transactions"]
    assert all(set(t) == {"order_number", "amount", "date", "status"} for t in tx)
    assert [(t["order_number"], t["amount"], t["status"]) for t in tx] == made[::-1]
    for t in tx:
        assert KST_DATE.match(t["date"]), t
        assert t["date"] == kst(pg, t["order_number"])
        assert isinstance(t["amount"], int)
    assert set(LABELS.values()) == {t["status"] for t in tx}


def test_transaction_history_of_a_user_without_orders_is_empty(server, pg, pa):
    u = User(pg)
    r = server.get(f"/transaction-history/{u.name}", headers=u.auth)
    assert assert_success(r) == {"status": "success", "transactions": []}


def test_transaction_history_dates_are_kst(server, pg, pa):
    u = User(pg)
    number = open_order(server, u)
    tx = assert_success(server.get(f"/transaction-history/{u.name}",
                                   headers=u.auth))["transactions"]
    date = datetime.datetime.strptime(tx[0]["date"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=KST)
    created = pg.scalar("SELECT created_at FROM payment_orders WHERE order_id = %s", (number,))
    assert abs((date - created).total_seconds()) < 1.01
    assert abs(date.timestamp() - time.time()) < 30


def test_transaction_history_of_another_user_is_403(server, pg, pa):
    u, other = User(pg), User(pg)
    open_order(server, other)
    assert_fail(server.get(f"/transaction-history/{other.name}", headers=u.auth), 403)
    # a name nobody has is not the caller's either
    assert_fail(server.get(f"/transaction-history/nobody_{u.email[:10]}", headers=u.auth), 403)
    # nor is any name for a user who has none
    nameless = User(pg, username=False)
    assert_fail(server.get(f"/transaction-history/{other.name}", headers=nameless.auth), 403)


def test_admin_reads_any_users_history(server, pg, pa):
    u, admin = User(pg), User(pg, role="admin")
    number = open_order(server, u, amount=21000)
    body = assert_success(server.get(f"/transaction-history/{u.name}", headers=admin.auth))
    assert [(t["order_number"], t["amount"], t["status"]) for t in body["transactions"]] == \
        [(number, 21000, "대기중")]
    assert_fail(server.get(f"/transaction-history/nobody_{u.email[:10]}", headers=admin.auth),
                404)


@pytest.mark.parametrize("name", ["a" * 33, "ab", "%3Cscript%3E", "x%20y", "%ED%99%8D"], ids=repr)
def test_admin_history_of_a_malformed_name_is_refused(server, pg, name):
    admin = User(pg, role="admin")
    status, headers, body = _raw(server, "GET", f"/transaction-history/{name}", admin.auth)
    assert status in (400, 404), body
    got = json.loads(body)
    assert got["status"] == "fail" and isinstance(got["msg"], str) and set(got) == {"status",
                                                                                     "msg"}


def _raw(srv, method, path, headers):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    conn.request(method, path, headers=headers)
    resp = conn.getresponse()
    out = resp.status, dict(resp.getheaders()), resp.read()
    conn.close()
    return out


# ================================================================ /admin/transactions

def test_admin_transactions_lists_matched_deposits_newest_first(server, pg, pa):
    u, admin = User(pg), User(pg, role="admin")
    first = open_order(server, u, amount=31000, billing_name="김 철수")
    second = open_order(server, u, amount=32000, billing_name="Hong")
    ready = open_order(server, u, amount=33000)
    cancelled = open_order(server, u, amount=34000)
    assert_success(cancel(server, u, cancelled))
    assert_success(webhook(server, pa, pa.match_body(first)))
    assert_success(webhook(server, pa, pa.match_body(second)))
    pg.query("INSERT INTO payment_orders (user_id, order_id, provider, amount, order_name, "
             "status) VALUES (%s, %s, 'toss', 9000, '포인트', 'DONE')",
             (u.id, "toss-done-" + u.email[:12]))

    body = assert_success(server.get("/admin/transactions", headers=admin.auth))
    assert set(body) == {"status", "deposits"}
    deposits = body["deposits"]
    assert all(set(d) >= {"order_number", "username", "amount", "date", "status",
                          "billing_name"} for d in deposits)
    assert all(d["status"] == "매칭완료" for d in deposits)
    assert all(KST_DATE.match(d["date"]) for d in deposits)
    mine = [d for d in deposits if d["username"] == u.name]
    assert [(d["order_number"], d["amount"], d["billing_name"]) for d in mine] == \
        [(second, 32000, "Hong"), (first, 31000, "김 철수")]
    for d in mine:
        assert d["date"] == kst(pg, d["order_number"])
    listed = {d["order_number"] for d in deposits}
    assert ready not in listed and cancelled not in listed
    assert not any(n.startswith("toss-done-") for n in listed)
    # every listed deposit is a DONE payaction order
    assert pg.scalar("SELECT count(*) FROM payment_orders WHERE order_id = ANY(%s) "
                     "AND provider = 'payaction' AND status = 'DONE'", (list(listed),)) \
        == len(listed)
    dates = [d["date"] for d in deposits]
    assert dates == sorted(dates, reverse=True)


def test_admin_transactions_refuses_a_user(server, pg, log_allow):
    log_allow(AUTHZ_REFUSED)
    u = User(pg)
    assert_fail(server.get("/admin/transactions", headers=u.auth), 403)
    # the role is the user's current one (issue 11, item 6), not the token's
    pg.query("UPDATE users SET role = 'admin' WHERE id = %s", (u.id,))
    assert until_ok(lambda: server.get("/admin/transactions", headers=u.auth),
                    timeout=1).status_code == 200
    pg.query("UPDATE users SET role = 'user' WHERE id = %s", (u.id,))
    deadline = time.time() + 1
    while server.get("/admin/transactions", headers=u.auth).status_code == 200:
        assert time.time() < deadline, "the demotion was not seen within 1 s"
    assert_fail(server.get("/admin/transactions", headers=u.auth), 403)


# ================================================================ httpd's own errors

@pytest.mark.parametrize("method,path,who", [
    ("GET", "/deposit-request", "user"),
    ("PUT", "/deposit-request", "user"),
    ("DELETE", "/cancel-order", "user"),
    ("GET", "/cancel-order", "user"),
    ("GET", "/webhook", "webhook"),
    ("DELETE", "/webhook", "webhook"),
    ("POST", "/transaction-history/{name}", "user"),
    ("DELETE", "/transaction-history/{name}", "user"),
    ("POST", "/admin/transactions", "admin"),
])
def test_wrong_method_is_405_in_the_fail_shape(server, pg, pa, method, path, who):
    u = User(pg, role="admin" if who == "admin" else "user")
    headers = pa.webhook_headers() if who == "webhook" else dict(u.auth)
    headers["Content-Type"] = "application/json"
    stored = hook_count(pg)
    r = server.request(method, path.replace("{name}", u.name), headers=headers, data=b"{}")
    assert_fail(r, 405)
    assert r.headers.get("Allow"), r.headers
    assert hook_count(pg) == stored
    assert orders_of(pg, u) == []


@pytest.mark.parametrize("method,path,who", [
    ("POST", "/deposit-request/", "user"),
    ("POST", "/webhook/", "webhook"),
    ("POST", "/deposit-request/extra", "user"),
    ("POST", "/cancel-order/x", "user"),
    ("POST", "/webhook/x", "webhook"),
    ("GET", "/transaction-history/{name}/x", "admin"),
    ("GET", "/admin/transactions/x", "admin"),
])
def test_unknown_path_is_404_in_the_fail_shape(server, pg, pa, method, path, who):
    """Paths under the seed's paths (a trailing slash, an extra segment) are
    the area's unknown paths: httpd's 404, in the seed's shape."""
    u = User(pg, role="admin" if who == "admin" else "user")
    headers = pa.webhook_headers() if who == "webhook" else dict(u.auth)
    headers["Content-Type"] = "application/json"
    stored = hook_count(pg)
    body = {"username": u.name, "billing_name": "홍길동", "amount": 10000}
    r = server.request(method, path.replace("{name}", u.name), headers=headers,
                       data=json.dumps(body).encode() if method == "POST" else None)
    assert_fail(r, 404)
    assert hook_count(pg) == stored
    assert orders_of(pg, u) == []
    assert sent_orders(pa) == []
