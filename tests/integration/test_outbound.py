"""The outbound client (issue 12 §3): the User-Agent, GameHoneyHTTPProxy
with NO_PROXY, the retry policy bounded by the call's timeout, and the
signing keys fetched once per host (GameHoneyJWKSCache), not per child."""
import re
import secrets
import time

import fakes
import pytest

from accounts_helpers import as_ip, bearer, google_claims
from conftest import VERSION
from outbound_fakes import Answer, ForwardingProxy, Upstream
from payaction_helpers import PAYACTION_FAILED, User, assert_fail, deposit, pa, sent_orders
from payments_helpers import (TOSS_FAILED_LOG, authorized, balance, confirm_key, confirms,
                              credits_for, order, success, success_body, tp, wait_for)

__all__ = ["pa", "tp"]          # fixtures, used by name

TIMEOUT = 2.0                   # GameHoneyHTTPTimeout of every test server (conftest)


@pytest.fixture(scope="module")
def upstream():
    with Upstream() as fake:
        yield fake


@pytest.fixture(scope="module")
def keys():
    """A key set of its own, served by a fresh upstream at /certs."""
    key = fakes.RsaKey()
    with Upstream() as fake:
        fake.answer("/certs", default=Answer(200, {"keys": [key.jwk()]},
                                             {"Cache-Control": "public, max-age=3600"}))
        yield fake, key


def google_token(google, key):
    return fakes.make_jwt(google.claims(**google_claims()), key=key)


def validate(srv, token):
    return as_ip(srv, "GET", "/api/auth/validate", headers=bearer(token))


def key_lines(srv, url):
    """(pid, how) of each child's 'signing keys from url' debug line."""
    return re.findall(r"\[pid (\d+):tid \d+\].*signing keys from " + re.escape(url)
                      + r": \d+ keys, (fetched|shared by another child)", srv.log_text())


# ------------------------------------------------------ one fetch per host

@pytest.fixture(scope="module")
def keys_server(make_server, keys):
    up, _ = keys
    return make_server("outbound-keys", f'GameHoneyGoogleJWKSURL "{up.url}/certs"\n'
                                        "LogLevel warn gamehoney:debug\n")


def test_a_host_fetches_a_key_set_once_for_all_its_children(keys_server, keys, google):
    up, key = keys
    url = up.url + "/certs"
    wait_for(lambda: len(key_lines(keys_server, url)) >= 2, what="both children's keys")
    time.sleep(0.5)
    lines = key_lines(keys_server, url)
    fetched = [pid for pid, how in lines if how == "fetched"]
    assert len(fetched) == 1, lines
    assert [pid for pid, how in lines if how != "fetched" and pid != fetched[0]], lines
    assert len(up.seen("/certs")) == 1
    assert up.seen("/certs")[0].headers["User-Agent"] == f"mod_gamehoney/{VERSION}"

    # requests served by every child verify with that one fetch
    token = google_token(google, key)
    mark = len(access_log(keys_server))
    for _ in range(16):
        r = validate(keys_server, token)
        assert r.status_code == 200, r.text

    def served():       # the pids that served them; a line is written after its answer
        return re.findall(r"/api/auth/validate .* pid=(\d+) ", access_log(keys_server)[mark:])
    wait_for(lambda: len(served()) == 16, what="the access log")
    assert len(set(served())) >= 2, served()
    assert len(up.seen("/certs")) == 1


def access_log(srv):
    with open(srv.access_log, encoding="utf-8", errors="replace") as f:
        return f.read()


def test_an_unknown_socache_for_the_keys_is_refused(workdir, pg):
    from conftest import Httpd
    srv = Httpd(workdir, "outbound-nosuch-cache", pg, "GameHoneyJWKSCache nosuch\n")
    r = srv.httpd("-DFOREGROUND", check=False)
    assert r.returncode != 0
    assert "GameHoneyJWKSCache: socache provider 'nosuch' is not loaded" in srv.log_text()


# ------------------------------------------------------------------ proxy

@pytest.fixture(scope="module")
def direct(cognito):
    """Cognito's keys on a host named localhost, which NO_PROXY lists."""
    with Upstream() as fake:
        fake.answer(f"/{cognito.pool_id}/.well-known/jwks.json",
                    default=Answer(200, {"keys": [fakes.RsaKey().jwk()]}))
        yield fake


def webhook(srv, payment_key):
    return srv.post("/api/payments/webhook", json={
        "eventType": "PAYMENT_STATUS_CHANGED", "createdAt": "2024-01-01T00:00:00.000000",
        "data": {"paymentKey": payment_key}})


def new_payment_key():
    return "tgen_" + secrets.token_hex(10)


def not_found():
    return Answer(404, {"code": "NOT_FOUND_PAYMENT", "message": "존재하지 않는 결제 정보 입니다."})


@pytest.mark.parametrize("where", ["directive", "environment"])
def test_every_call_goes_through_the_proxy_but_no_proxy_hosts(make_server, upstream, direct,
                                                              keys, where):
    with ForwardingProxy() as proxy:
        through_the_proxy(make_server, proxy, upstream, direct, keys, where)


def through_the_proxy(make_server, proxy, upstream, direct, keys, where):
    keys_up, _ = keys
    conf = (f'GameHoneyHTTPProxy "{proxy.url}"\n'
            f'GameHoneyGoogleJWKSURL "{keys_up.url}/certs"\n'
            f'GameHoneyCognitoEndpoint "http://localhost:{direct.port}"\n'
            f'GameHoneyTossPaymentsURL "{upstream.url}"\n')
    if where == "directive":
        srv = make_server("outbound-proxy", conf + 'GameHoneyHTTPNoProxy "localhost"\n')
    else:
        srv = make_server("outbound-proxy-env", conf, env={"NO_PROXY": "localhost"})
    wait_for(lambda: f"{keys_up.url}/certs" in proxy.urls(), what="the keys through the proxy")
    wait_for(lambda: direct.seen(), what="Cognito's keys, directly")

    # a call a request makes goes through it too
    pk = new_payment_key()
    upstream.answer(f"/v1/payments/{pk}", not_found())
    r = webhook(srv, pk)
    assert r.status_code == 200 and r.json() == {"status": "ignored"}, r.text
    assert f"{upstream.url}/v1/payments/{pk}" in proxy.urls()
    lookup = upstream.seen(f"/v1/payments/{pk}")
    assert len(lookup) == 1 and lookup[0].headers.get("Via") == ForwardingProxy.VIA
    assert lookup[0].headers["User-Agent"] == f"mod_gamehoney/{VERSION}"

    # the NO_PROXY host was reached directly, never through the proxy
    assert not [u for u in proxy.urls() if "//localhost:" in u]
    assert all("Via" not in r.headers for r in direct.seen())


def test_a_proxy_that_is_not_a_url_is_refused(workdir, pg):
    from conftest import Httpd
    srv = Httpd(workdir, "outbound-bad-proxy", pg, 'GameHoneyHTTPProxy "proxy.example:3128"\n')
    r = srv.httpd("-t", check=False)
    assert r.returncode != 0
    assert "GameHoneyHTTPProxy takes an http:// or https:// URL" in r.stderr


# ---------------------------------------------------------------- retries

@pytest.fixture(scope="module")
def retry_server(make_server, upstream):
    return make_server("outbound-retry", f'GameHoneyTossPaymentsURL "{upstream.url}"\n'
                                         f'GameHoneyGoogleTokenURL "{upstream.url}/token"\n')


def transient(status):
    return Answer(status, {"code": "FAILED_INTERNAL_SYSTEM_PROCESSING", "message": "잠시 후"})


def timed(fn, *args):
    t0 = time.monotonic()
    r = fn(*args)
    return r, time.monotonic() - t0


@pytest.mark.parametrize("failures", [
    [503], [502, 504], ["close", 503],
], ids=lambda f: "-".join(map(str, f)))
def test_an_idempotent_call_is_tried_again_until_it_answers(retry_server, upstream, failures):
    pk = new_payment_key()
    upstream.answer(f"/v1/payments/{pk}",
                    *[Answer(close=True) if f == "close" else transient(f) for f in failures],
                    not_found())
    r = webhook(retry_server, pk)
    assert r.status_code == 200 and r.json() == {"status": "ignored"}, r.text
    tries = upstream.seen(f"/v1/payments/{pk}", "GET")
    assert len(tries) == len(failures) + 1
    gaps = [b.at - a.at for a, b in zip(tries, tries[1:])]
    assert all(g >= 0.04 for g in gaps), gaps            # a backoff between tries


def test_a_call_that_keeps_failing_is_tried_three_times(retry_server, upstream, log_allow):
    log_allow(TOSS_FAILED_LOG)
    pk = new_payment_key()
    upstream.answer(f"/v1/payments/{pk}", default=transient(503))
    r = webhook(retry_server, pk)
    assert r.status_code == 502, r.text
    assert len(upstream.seen(f"/v1/payments/{pk}")) == 3
    log = retry_server.new_log()
    assert re.search(rf"GET {re.escape(upstream.url)}/v1/payments/{pk}: try 2 of 3: HTTP 503; "
                     r"again in \d+ ms", log), log


@pytest.mark.parametrize("answer", [
    Answer(500, {"code": "FAILED_INTERNAL_SYSTEM_PROCESSING", "message": "x"}),
    Answer(429, {"code": "TOO_MANY_REQUESTS", "message": "x"}),
    Answer(429, {"code": "TOO_MANY_REQUESTS", "message": "x"}, {"Retry-After": "5"}),
], ids=["500", "429-without-retry-after", "429-retry-after-past-the-timeout"])
def test_other_answers_are_not_tried_again(retry_server, upstream, log_allow, answer):
    log_allow(TOSS_FAILED_LOG)
    pk = new_payment_key()
    upstream.answer(f"/v1/payments/{pk}", answer, not_found())
    r, elapsed = timed(webhook, retry_server, pk)
    assert r.status_code == 502, r.text
    assert len(upstream.seen(f"/v1/payments/{pk}")) == 1
    assert elapsed < 1


def test_a_429_is_tried_again_after_its_retry_after(retry_server, upstream):
    pk = new_payment_key()
    upstream.answer(f"/v1/payments/{pk}",
                    Answer(429, {"code": "TOO_MANY_REQUESTS", "message": "x"},
                           {"Retry-After": "1"}), not_found())
    r = webhook(retry_server, pk)
    assert r.status_code == 200 and r.json() == {"status": "ignored"}, r.text
    first, second = upstream.seen(f"/v1/payments/{pk}")
    assert 0.95 <= second.at - first.at < TIMEOUT


def test_the_tries_together_stay_within_the_timeout(retry_server, upstream, log_allow):
    log_allow(TOSS_FAILED_LOG)
    log_allow(r"Toss ?Payments call failed: .*timed out")
    pk = new_payment_key()
    upstream.answer(f"/v1/payments/{pk}", default=Answer(503, {"code": "X", "message": "x"},
                                                         delay=0.6))
    r, elapsed = timed(webhook, retry_server, pk)
    assert r.status_code in (502, 504), r.text
    tries = upstream.seen(f"/v1/payments/{pk}")
    assert 2 <= len(tries) <= 3
    assert elapsed < TIMEOUT + 0.4, elapsed


def test_a_confirm_with_its_idempotency_key_is_tried_again(server, tp, user, pg):
    uid, auth, amount, oid, pk = authorized(server, tp, user)
    tp.script("confirm", 503, "FAILED_INTERNAL_SYSTEM_PROCESSING", "잠시 후 다시 시도해주세요.")
    r = success(server, oid, pk, amount)
    assert (r.status_code, r.json()) == (200, success_body(oid, pk, amount)), r.text
    # one answer, two tries under one key, so Toss confirmed once
    keys_sent = [c.headers["Idempotency-Key"] for c in confirms(tp, oid)]
    assert keys_sent == [confirm_key(oid, pk)] * 2
    assert order(pg, oid)["status"] == "DONE"
    assert credits_for(pg, oid) == [(uid, amount)] and balance(pg, uid) == amount


def test_a_code_exchange_is_sent_once(retry_server, upstream, log_allow):
    log_allow(r"Google answered unexpectedly")
    upstream.answer("/token", default=transient(503))
    before = len(upstream.seen("/token"))
    r = retry_server.post("/api/auth/google/login",
                          json={"code": "4/" + secrets.token_hex(8),
                                "redirect_uri": "https://app.example/callback"})
    assert r.status_code == 502, r.text
    assert len(upstream.seen("/token")) - before == 1


def test_a_payaction_order_is_sent_once(server, pg, pa, log_allow):
    log_allow(PAYACTION_FAILED)
    u = User(pg)
    pa.script("order", 503, {"status": "error", "response": {"message": "점검 중"}})
    before = len(sent_orders(pa))
    assert_fail(deposit(server, u, amount=20000), 502)
    assert len(sent_orders(pa)) - before == 1
