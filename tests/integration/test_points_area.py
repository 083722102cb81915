"""The points wallet is an area of its own (modules/area_points.c, SetHandler
gamehoney-points) that SetHandler gamehoney-payments still serves beside
Toss checkout: both mounts answer the wallet's routes, only the payments
handler answers checkout's, and each area's requests count under its own
name in /metrics."""
import uuid

import pytest

from payments_helpers import BASE, balance, grant, ledger, payer
from test_metrics import settled

WALLET = "/wallet"
MOUNTED_ALONE = f"""<Location {WALLET}>
    SetHandler gamehoney-points
    Require all granted
</Location>
"""


@pytest.fixture(scope="module")
def srv(make_server):
    return make_server("points", MOUNTED_ALONE)


def deduct(srv, base, auth, amount, key):
    return srv.post(base + "/user/deduct-points", headers={**auth, "Idempotency-Key": key},
                    json={"amount": amount, "reason": "a sticker"})


@pytest.mark.parametrize("base", [BASE, WALLET])
def test_both_handlers_serve_the_wallet(srv, user, pg, base):
    uid, auth = payer(user)
    grant(pg, uid, 900)
    r = srv.get(base + "/user/balance", headers=auth)
    assert r.status_code == 200, r.text
    assert r.json() == {"user_id": str(uid), "remaining_points": 900}

    key = uuid.uuid4().hex
    r = deduct(srv, base, auth, 300, key)
    assert r.status_code == 200, r.text
    assert r.json()["deducted"] == 300 and r.json()["remaining_points"] == 600
    assert balance(pg, uid) == 600
    # the same key again is the same deduction, under either mount
    other = WALLET if base == BASE else BASE
    r = deduct(srv, other, auth, 300, key)
    assert r.status_code == 200, r.text
    assert r.headers["Idempotency-Replayed"] == "true"
    assert balance(pg, uid) == 600
    assert [e["delta"] for e in ledger(pg, uid)] == [900, -300]

    r = srv.get(base + "/user/points", headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["remaining_points"] == 600
    assert [e["amount"] for e in r.json()["entries"]][:1] == [-300]
    r = srv.get(base + "/user/payments", headers=auth)
    assert r.status_code == 200, r.text
    assert r.json() == {"payments": [], "next_cursor": None}


def test_the_wallet_alone_serves_no_checkout(srv, user):
    _, auth = payer(user)
    for method, path in [("POST", "/payment/prepare"), ("GET", "/success"),
                         ("POST", "/payment/cancel"), ("POST", "/webhook")]:
        r = srv.request(method, WALLET + path, headers=auth, json={})
        assert r.status_code == 404, (path, r.text)
        assert r.json() == {"error": "not_found", "message": "No such resource."}


def test_wrong_method_on_a_wallet_route_is_405_under_payments(srv, user):
    _, auth = payer(user)
    r = srv.post(BASE + "/user/balance", headers=auth, json={})
    assert r.status_code == 405, r.text
    assert r.headers["Allow"] == "GET, HEAD"
    assert r.json() == {"error": "method_not_allowed", "message": "Allowed methods: GET, HEAD"}
    r = srv.get(BASE + "/user/deduct-points", headers=auth)
    assert r.status_code == 405, r.text
    assert r.headers["Allow"] == "POST"
    # a path neither area takes is the payments area's 404
    r = srv.get(BASE + "/user/nothing", headers=auth)
    assert r.status_code == 404
    assert r.json() == {"error": "not_found", "message": "No such resource."}


def test_each_area_counts_its_own_routes(srv, user):
    _, auth = payer(user)

    def count(m, area, route, cls="2xx"):
        return m("gamehoney_requests_total", area=area, route=route, **{"class": cls})

    before = settled(srv)
    assert srv.get(BASE + "/user/balance", headers=auth).status_code == 200
    assert srv.get(WALLET + "/user/balance", headers=auth).status_code == 200
    assert srv.get(BASE + "/fail?code=PAY_PROCESS_CANCELED").status_code == 200
    assert srv.get(BASE + "/user/nothing", headers=auth).status_code == 404
    after = settled(srv)
    assert count(after, "points", "/user/balance") - count(before, "points", "/user/balance") == 2
    assert count(after, "payments", "/user/balance") == 0
    assert count(after, "payments", "/fail") - count(before, "payments", "/fail") == 1
    assert count(after, "payments", "unmatched", "4xx") \
        - count(before, "payments", "unmatched", "4xx") == 1
