"""Shared helpers of the Payaction bank-deposit tests (docs/MONEY_API.md, section
"Payaction area"; seed 004)."""
import datetime
import json
import re
import uuid

import pytest

from accounts_helpers import bearer, forge_session

KST = datetime.timezone(datetime.timedelta(hours=9))
KST_DATE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
ORDER_NUMBER = re.compile(r"^[A-Z0-9]{16,32}$")
LABELS = {"READY": "대기중", "DONE": "매칭완료", "CANCELLED": "취소됨", "FAILED": "실패"}
BANK = "국민은행"
ACCOUNT = "11400204283485"
DB_ERRORS = r"\[dbd:error\]|\[gamehoney:error\].*database"
# what the module logs when Payaction fails a call (the scenario makes it fail)
PAYACTION_FAILED = (r"\[gamehoney:error\].*Payaction (did not (take|exclude) order [A-Z0-9]+: "
                    r"|call failed|answered unexpectedly)")


class User:
    """A user row made for one test, with one of our access tokens."""

    def __init__(self, pg, username=True, role="user"):
        self.name = ("pa_" + uuid.uuid4().hex[:14]) if username else None
        self.email = f"{uuid.uuid4().hex[:12]}@example.com"
        self.role = role
        self.id = pg.scalar(
            "INSERT INTO users (username, email, name, role) VALUES (%s, %s, %s, %s) "
            "RETURNING id", (self.name, self.email, "홍길동", role))
        self.auth = bearer(forge_session(sub=str(self.id), role=role))

    def __repr__(self):
        return f"<User {self.id} {self.name}>"


def post_json(srv, path, body, headers=None, **kw):
    """POST with the body as raw UTF-8 JSON (as a browser or Payaction sends it);
    bytes and str bodies are sent as they are."""
    if isinstance(body, (bytes, str)):
        data = body.encode("utf-8") if isinstance(body, str) else body
    else:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    return srv.post(path, data=data, headers=h, **kw)


def deposit(srv, user, amount=10000, billing_name="홍길동", username=None, **kw):
    body = {"username": user.name if username is None else username,
            "billing_name": billing_name, "amount": amount}
    return post_json(srv, "/deposit-request", body, headers=user.auth, **kw)


def open_order(srv, user, amount=10000, billing_name="홍길동"):
    r = deposit(srv, user, amount, billing_name)
    assert r.status_code == 200, r.text
    return r.json()["order_number"]


def webhook(srv, pa, body, trace_id=None, headers=None, **kw):
    h = pa.webhook_headers(trace_id=trace_id)
    if headers is not None:
        h = headers
    return post_json(srv, "/webhook", body, headers=h, **kw)


def cancel(srv, user, number, **kw):
    return post_json(srv, "/cancel-order", {"order_number": number}, headers=user.auth, **kw)


def assert_fail(r, status, keys=("status", "msg")):
    """The seed's error shape: {"status":"fail","msg":"..."}."""
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    body = r.json()
    assert body.get("status") == "fail", body
    assert isinstance(body["msg"], str) and body["msg"], body
    assert set(body) == set(keys), body
    return body


def assert_success(r):
    assert r.status_code == 200, (r.status_code, r.text)
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    body = r.json()
    assert body.get("status") == "success", body
    return body


# ---------------------------------------------------------------- database

def order_row(pg, number):
    rows = pg.query("SELECT user_id, provider, amount, billing_name, status "
                    "FROM payment_orders WHERE order_id = %s", (number,))
    return rows[0] if rows else None


def status_of(pg, number):
    return pg.scalar("SELECT status FROM payment_orders WHERE order_id = %s", (number,))


def orders_of(pg, user):
    return pg.query("SELECT order_id, provider, amount, billing_name, status "
                    "FROM payment_orders WHERE user_id = %s ORDER BY id", (user.id,))


def ledger_of(pg, user):
    return pg.query("SELECT delta, balance_after, source_type, source_id FROM point_ledger "
                    "WHERE user_id = %s ORDER BY id", (user.id,))


def credits_for(pg, number):
    return pg.scalar("SELECT count(*) FROM point_ledger WHERE source_type = "
                     "'payaction_deposit' AND source_id = %s", (number,))


def points(pg, user):
    return pg.scalar("SELECT remaining_points FROM users WHERE id = %s", (user.id,))


def hooks_for(pg, number):
    """(trace_id, order_status, outcome, body) of each stored delivery, oldest
    first; the body (stored as received) parsed."""
    rows = pg.query("SELECT trace_id, order_status, outcome, body FROM payaction_webhooks "
                    "WHERE order_number = %s ORDER BY id", (number,))
    return [(t, s, o, json.loads(b) if isinstance(b, str) else b) for t, s, o, b in rows]


def hook_count(pg):
    return pg.scalar("SELECT count(*) FROM payaction_webhooks")


def mismatches(pg):
    return pg.scalar("SELECT count(*) FROM point_balance_mismatches")


def kst(pg, number, col="created_at"):
    return pg.scalar(f"SELECT to_char({col} AT TIME ZONE 'Asia/Seoul', "
                     "'YYYY-MM-DD HH24:MI:SS') FROM payment_orders WHERE order_id = %s",
                     (number,))


# ---------------------------------------------------------------- the fake

def sent_orders(pa, number=None):
    """Bodies of the /order calls the fake received (for one order number)."""
    out = []
    for rec in pa.requests_to("/order", "POST"):
        try:
            body = rec.json()
        except ValueError:
            body = None
        if number is None or (isinstance(body, dict) and body.get("order_number") == number):
            out.append((rec, body))
    return out


def sent_excludes(pa, number):
    out = []
    for rec in pa.requests_to("/order-exclude", "POST"):
        try:
            body = rec.json()
        except ValueError:
            continue
        if isinstance(body, dict) and body.get("order_number") == number:
            out.append((rec, body))
    return out


def assert_payaction_headers(pa, rec):
    assert rec.headers.get("x-api-key") == pa.api_key
    assert rec.headers.get("x-mall-id") == pa.mall_id
    assert (rec.headers.get("Content-Type") or "").startswith("application/json")


@pytest.fixture
def pa(payaction):
    """The Payaction fake, with no recorded requests or scripted answers."""
    payaction.reset()
    yield payaction
    errors = list(payaction.errors)
    payaction.reset()
    assert errors == []
