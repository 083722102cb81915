"""Path parameters: every route with a {param} refuses a segment that is not
well-formed UTF-8 once percent-decoded with 400 bad_path, in JSON, before its
handler runs (PostgreSQL would refuse the bytes with a 500, SQLSTATE 22021).
"""
import glob
import http.client
import json
import os
import re

import pytest

from conftest import ROOT
from accounts_helpers import bearer, forge_session
from payments_helpers import admin_of, payer

MESSAGE = "The request path is not valid URL-encoded UTF-8."

# (method, path with {} for the parameter, who calls it, error shape)
ROUTES = {
    "/push-tokens/{token}": ("DELETE", "/api/me/push-tokens/{}", "user", "api"),
    "/debug/payment-status/{order_id}": ("GET", "/api/payments/debug/payment-status/{}",
                                         "admin", "api"),
    "/debug/user-points/{user_id}": ("GET", "/api/payments/debug/user-points/{}", "admin", "api"),
    "/admin/check-payment/{order_id}": ("GET", "/api/payments/admin/check-payment/{}",
                                        "admin", "api"),
    "/admin/recover-failed-payment/{order_id}": (
        "POST", "/api/payments/admin/recover-failed-payment/{}", "admin", "api"),
    "/transaction-history/{username}": ("GET", "/transaction-history/{}", "user", "seed"),
    "/room/{room_id}/": ("GET", "/chat/v1/room/{}/", None, "api"),
    "/room/{room_id}/messages/": ("GET", "/chat/v1/room/{}/messages/", None, "api"),
    "/{room_id}/chat/": ("GET", "/ws/chat/{}/chat/", None, "api"),
    "/{id}": ("DELETE", "/api/me/sns-accounts/{}", "user", "api"),
    "/quests/{id}/progress": ("POST", "/api/quests/{}/progress", "user", "api"),
    "/quests/{id}/complete": ("POST", "/api/quests/{}/complete", "user", "api"),
    "/analysis-results/{id}": ("GET", "/api/analysis-results/{}", "user", "api"),
}

BAD = {
    "0xff": "%FF",
    "0xfe": "%fe",
    "inside": "ab%ffcd",
    "overlong slash": "%C0%AF",
    "overlong 3": "%e0%80%af",
    "overlong 4": "%f0%80%80%af",
    "surrogate": "%ED%A0%80",
    "lone continuation": "%80",
    "truncated 2": "%c3",
    "truncated 3": "%e2%82",
    "above U+10FFFF": "%f4%90%80%80",
    "5-byte": "%f8%88%80%80%80",
}


def test_every_route_with_a_parameter_is_listed():
    """New {param} routes must join ROUTES, so that they are probed too."""
    patterns = set()
    for path in glob.glob(os.path.join(ROOT, "modules", "area_*.c")):
        with open(path, encoding="utf-8") as f:
            patterns.update(re.findall(r'\{ *"[A-Z]+", *"([^"]*\{[^"]*)"', f.read()))
    assert patterns == set(ROUTES)


def _send(srv, method, path, headers):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    try:
        conn.request(method, path, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type"), resp.read()
    finally:
        conn.close()


@pytest.fixture
def callers(user):
    return {None: {}, "user": payer(user)[1], "admin": admin_of(user)[1]}


@pytest.mark.parametrize("pattern", sorted(ROUTES))
def test_invalid_utf8_in_a_path_parameter_is_400(server, pg, user, callers, db_snapshot,
                                                 pattern):
    method, template, who, shape = ROUTES[pattern]
    before = db_snapshot()
    ledger = pg.scalar("SELECT count(*) FROM point_ledger")
    for name, seq in BAD.items():
        status, ctype, body = _send(server, method, template.format(seq), callers[who])
        assert (status, ctype) == (400, "application/json"), (name, status, body)
        want = ({"error": "bad_path", "message": MESSAGE} if shape == "api"
                else {"status": "fail", "msg": MESSAGE})
        assert json.loads(body) == want, name
    assert db_snapshot() == before
    assert pg.scalar("SELECT count(*) FROM point_ledger") == ledger


def test_valid_utf8_parameter_still_reaches_the_handler(server, pg, user):
    """A well-formed non-ASCII token is looked up (and not found), as before."""
    _, uid = user(subs=0, tokens=1)
    status, ctype, body = _send(server, "DELETE", "/api/me/push-tokens/%ED%95%9C%EA%B8%80",
                                bearer(forge_session(sub=str(uid))))
    assert ctype == "application/json"
    assert status == 404, body
    assert pg.scalar("SELECT count(*) FROM push_tokens WHERE user_id = %s", (uid,)) == 1


def test_nul_in_a_path_parameter_is_a_json_404(server, user):
    """httpd itself refuses %00 anywhere in a path, before any <Location>."""
    status, ctype, body = _send(server, "DELETE", "/api/me/push-tokens/a%00b",
                                payer(user)[1])
    assert (status, ctype) == (404, "application/json"), body
