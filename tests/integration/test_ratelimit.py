"""Per-IP limits shared across httpd children through the shmcb socache."""
import re
import time

import pytest

from conftest import PASSWORD, USER, client_from

PATH = "/api/auth/disconnect-callback"
AUTH = (USER, PASSWORD)


def post(srv, ip, auth, key=0):
    # a fresh connection each time, so requests spread over the children
    s = client_from(ip)
    try:
        return s.post(srv.url + PATH, auth=auth, json={"userKey": key}, timeout=10)
    finally:
        s.close()


def pids_serving(srv, ip):
    with open(srv.access_log) as f:
        return {m.group(1) for line in f if line.startswith(ip + " ")
                for m in [re.search(r"pid=(\d+)", line)] if m}


def test_twenty_failures_block_the_address_with_429(server, pg, user, log_allow):
    log_allow(r"AH0161[78]")
    ip = "127.0.0.21"
    for i in range(20):
        r = post(server, ip, (USER, f"wrong-{i}"))
        assert r.status_code == 401, i
    key, uid = user()
    r = post(server, ip, AUTH, key)           # even the right password now waits
    assert r.status_code == 429
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == {"error": "rate_limited", "message":
                        "Too many failed authentications from this address; retry later."}
    assert 590 <= int(r.headers["Retry-After"]) <= 600
    assert pg.scalar("SELECT count(*) FROM users WHERE id = %s", (uid,)) == 1
    assert "client blocked for 600 s after 20 failed authentications" in server.new_log()
    # other addresses are unaffected
    assert post(server, "127.0.0.22", AUTH, key).status_code == 200
    assert pg.scalar("SELECT count(*) FROM users WHERE id = %s", (uid,)) == 0


def test_failure_count_is_shared_by_the_children(make_server, log_allow):
    srv = make_server("shared-count", f"<Location {PATH}>\n"
                                      "    GameHoneyAuthFailLimit 200 600\n</Location>\n")
    log_allow(r"AH0161[78]")
    ip = "127.0.0.24"
    codes = [post(srv, ip, (USER, "wrong")).status_code for _ in range(200)]
    assert codes == [401] * 200
    assert post(srv, ip, AUTH).status_code == 429
    # 200 connections were spread over both children, and still the
    # 201st request was refused: the count lives in shared memory
    assert len(pids_serving(srv, ip)) >= 2


def test_successes_and_missing_credentials_do_not_count(server, log_allow):
    ip = "127.0.0.23"
    for _ in range(25):
        assert post(server, ip, AUTH).status_code == 200
        assert post(server, ip, None).status_code == 401
    assert post(server, ip, AUTH).status_code == 200


@pytest.fixture(scope="module")
def limited(make_server):
    return make_server("limited", f"<Location {PATH}>\n"
                                  "    GameHoneyAuthFailLimit 3 2\n"
                                  "    GameHoneyRequestLimit 5 2\n</Location>\n")


def test_failure_window_expires(limited, log_allow):
    log_allow(r"AH0161[78]")
    ip = "127.0.0.31"
    for _ in range(3):
        assert post(limited, ip, (USER, "nope")).status_code == 401
    r = post(limited, ip, AUTH)
    assert r.status_code == 429
    assert 1 <= int(r.headers["Retry-After"]) <= 2
    time.sleep(2.2)
    assert post(limited, ip, AUTH).status_code == 200


def test_optional_request_limit(limited):
    ip = "127.0.0.32"
    codes = [post(limited, ip, AUTH).status_code for _ in range(7)]
    assert codes == [200] * 5 + [429] * 2
    r = post(limited, ip, AUTH)
    assert r.json()["message"] == "Too many requests from this address; retry later."
    assert post(limited, "127.0.0.33", AUTH).status_code == 200
    time.sleep(2.2)
    assert post(limited, ip, AUTH).status_code == 200


def test_request_limit_is_off_by_default(server):
    ip = "127.0.0.34"
    assert all(post(server, ip, AUTH).status_code == 200 for _ in range(120))


def test_bearer_tokens_are_neither_counted_nor_refused(server, log_allow):
    from accounts_helpers import as_ip, assert_invalid_token, bearer
    log_allow(r"AH0161[78]")
    ip = "127.0.0.25"
    for i in range(25):     # beyond the limit of 20, yet never 429
        assert_invalid_token(as_ip(server, "GET", "/api/auth/validate", ip,
                                   headers=bearer(f"not.a.token{i}")))
    for i in range(20):
        assert post(server, ip, (USER, f"wrong-{i}")).status_code == 401
    assert post(server, ip, AUTH).status_code == 429
    # the address is blocked for passwords, but a token is still judged on its merits
    assert_invalid_token(as_ip(server, "GET", "/api/auth/validate", ip,
                               headers=bearer("not.a.token")))


def basic(auth):
    import base64
    return {"Authorization": "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()}


def test_basic_credentials_where_basic_is_not_configured_do_not_count(server, pg, user,
                                                                      log_allow):
    """A bearer route refuses Basic credentials with 401, but no password
    was checked: 25 of them (the limit is 20) leave the address free."""
    from accounts_helpers import as_ip
    log_allow(r"AH0161[78]")
    ip = "127.0.0.26"
    for i in range(25):
        for path in ("/api/me/subscriptions", "/api/auth/me"):
            r = as_ip(server, "GET", path, ip, headers=basic((USER, f"wrong-{i}")))
            assert r.status_code == 401, (path, i, r.text)
    key, uid = user()
    assert post(server, ip, AUTH, key).status_code == 200
    assert pg.scalar("SELECT count(*) FROM users WHERE id = %s", (uid,)) == 0


def test_a_blocked_address_is_refused_only_where_basic_is_configured(server, log_allow):
    """Blocked for the callback's password, an address still reaches /health
    and the bearer routes with any Authorization header."""
    from accounts_helpers import as_ip
    log_allow(r"AH0161[78]")
    ip = "127.0.0.27"
    for i in range(20):
        assert post(server, ip, (USER, f"wrong-{i}")).status_code == 401
    assert post(server, ip, AUTH).status_code == 429
    for path in ("/health", "/health/live", "/api/health"):
        r = as_ip(server, "GET", path, ip, headers=basic(AUTH))
        assert r.status_code == 200, (path, r.status_code, r.text)
    r = as_ip(server, "GET", "/api/auth/validate", ip, headers=basic(AUTH))
    assert r.status_code == 401, r.text
    assert r.json()["error"] != "rate_limited"
    # and the callback stays blocked
    assert post(server, ip, AUTH).status_code == 429
