"""`make run`'s sandbox, `make token`, and what an unconfigured provider
answers (503 not_configured naming the variables, one warning at start-up)."""
import os
import re
import signal
import subprocess
import time

import psycopg2
import pytest
import requests

from conftest import ROOT
from make_run_helpers import MakeRun

JSON = {"Content-Type": "application/json"}


def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"export (\w+)=(.*)$", line.strip())
            env[m.group(1)] = m.group(2).strip("'")
    return env


def sandbox_env(tmp, **env):
    """Starts scripts/sandbox with env, returns what it exported, stops it."""
    d = os.path.join(tmp, "sandbox")
    proc = subprocess.Popen(["/usr/bin/python3", os.path.join(ROOT, "scripts", "sandbox"), d],
                            env=dict(os.environ, **env))
    try:
        deadline = time.time() + 30
        while not os.path.exists(os.path.join(d, "env")) and time.time() < deadline:
            time.sleep(0.1)
        return read_env(os.path.join(d, "env"))
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0


def test_every_provider_has_a_stand_in_when_nothing_is_set(tmp_path):
    env = sandbox_env(str(tmp_path), **{v: "" for v in ("GOOGLE_CLIENT_ID", "TOSS_SECRET_KEY")})
    assert env["SANDBOX_PROVIDERS"].split() == ["google", "cognito", "toss", "toss-payments",
                                                "payaction"]
    for url in ("GOOGLE_TOKEN_URL", "COGNITO_ENDPOINT", "TOSS_LOGIN_URL", "TOSS_API_URL",
                "PAYACTION_URL"):
        assert re.match(r"https?://127\.0\.0\.1:\d+", env[url]), url
    assert env["TOSS_SECRET_KEY"].startswith("test_sk_")       # never a live key


def test_a_real_credential_turns_its_stand_in_off(tmp_path):
    env = sandbox_env(str(tmp_path), GOOGLE_CLIENT_ID="real.apps.googleusercontent.com",
                      TOSS_SECRET_KEY="live_sk_real", PAYACTION_URL="https://pay.example")
    assert env["SANDBOX_PROVIDERS"].split() == ["cognito", "toss"]
    for var in ("GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "GOOGLE_TOKEN_URL", "GOOGLE_JWKS_URL",
                "TOSS_API_URL", "TOSS_SECRET_KEY", "TOSS_CLIENT_KEY", "PAYACTION_URL",
                "PAYACTION_API_KEY", "PAYACTION_MALL_ID", "PAYACTION_WEBHOOK_KEY"):
        assert var not in env, var


@pytest.fixture(scope="module")
def sandboxed(workdir):
    run = MakeRun(os.path.join(workdir, "sandboxed-var"))
    with run:
        yield run
    assert run.error_log_problems() == []


@pytest.fixture(scope="module")
def unsandboxed(workdir):
    run = MakeRun(os.path.join(workdir, "unsandboxed-var"), GAMEHONEY_SANDBOX="0")
    with run:
        yield run
    assert "SANDBOX" not in run.output
    assert run.error_log_problems() == []


def db(run):
    info = subprocess.run([os.path.join(ROOT, "scripts", "pg"), "conninfo",
                           os.path.join(run.var, "pg")],
                          capture_output=True, text=True, check=True).stdout.strip()
    return psycopg2.connect(info)


def test_the_banner_says_it_is_a_sandbox(sandboxed):
    out = sandboxed.stop()
    assert "SANDBOX: local stand-ins, not the real services, answer for: " \
           "google cognito toss toss-payments payaction." in out


def test_make_token_creates_a_local_user_and_signs_for_it(unsandboxed):
    rc, token, err = unsandboxed.token("USER=new-person@example.com")
    assert rc == 0, err
    me = requests.get(unsandboxed.url + "/api/auth/me",
                      headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert me.status_code == 200
    assert me.json()["email"] == "new-person@example.com"
    assert me.json()["role"] == "user"
    with db(unsandboxed) as conn, conn.cursor() as cur:
        cur.execute("SELECT u.email_verified, s.provider, s.revoked_at FROM users u "
                    "JOIN auth_sessions s ON s.user_id = u.id WHERE u.email = %s",
                    ("new-person@example.com",))
        assert cur.fetchall() == [(False, "local", None)]

    # the same email is the same user, now with a second local session
    rc, again, err = unsandboxed.token("USER=new-person@example.com")
    assert rc == 0, err
    assert requests.get(unsandboxed.url + "/api/auth/validate",
                        headers={"Authorization": f"Bearer {again}"},
                        timeout=10).json()["user_id"] == me.json()["id"]


def test_make_token_role_admin_opens_the_admin_routes(unsandboxed):
    path = "/api/payments/admin/ledger-check"
    unsandboxed.allowed.append(r"AH01631: user \d+: authorization failure for "
                               r'"/api/payments/admin/ledger-check"')
    rc, user, _ = unsandboxed.token("USER=plain@example.com")
    assert rc == 0
    r = requests.get(unsandboxed.url + path, headers={"Authorization": f"Bearer {user}"},
                     timeout=10)
    assert r.status_code == 403
    rc, admin, _ = unsandboxed.token("USER=plain@example.com", "ROLE=admin")
    assert rc == 0
    r = requests.get(unsandboxed.url + path, headers={"Authorization": f"Bearer {admin}"},
                     timeout=10)
    assert r.status_code == 200
    assert r.json()["consistent"] is True
    with db(unsandboxed) as conn, conn.cursor() as cur:
        cur.execute("SELECT role FROM users WHERE email = 'plain@example.com'")
        assert cur.fetchall() == [("admin",)]


@pytest.mark.parametrize("args, message", [
    (["USER=not an email"], "USER must be a user id or an email address"),
    (["USER=999999"], "no active user with id 999999"),
    (["USER=x@example.com", "ROLE=root"], "ROLE must be user or admin"),
    (["USER=x@example.com", "TTL=0"], "TTL must be 1 to 86400 seconds"),
])
def test_make_token_refuses_bad_arguments(unsandboxed, args, message):
    rc, out, err = unsandboxed.token(*args)
    assert rc != 0 and out == ""
    assert message in err


NOT_CONFIGURED = [
    ("post", "/api/auth/google/login", {"code": "c", "redirect_uri": "https://a.example/cb"},
     "GOOGLE_CLIENT_ID"),
    ("post", "/api/auth/signup", {"email": "a@example.com", "password": "Passw0rd!"},
     "COGNITO_USER_POOL_ID"),
    ("post", "/api/auth/toss/login", {"authorizationCode": "c"}, "TOSS_LOGIN_CERT"),
    ("post", "/api/payments/payment/prepare", {"amount": 1000, "order_name": "p"},
     "TOSS_SECRET_KEY"),
]


@pytest.mark.parametrize("method, path, body, variable", NOT_CONFIGURED)
def test_an_unconfigured_provider_answers_503_not_configured(unsandboxed, method, path, body,
                                                             variable):
    rc, token, _ = unsandboxed.token("USER=nc@example.com")
    assert rc == 0
    r = getattr(requests, method)(unsandboxed.url + path, json=body, timeout=10,
                                  headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 503
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json()["error"] == "not_configured"
    assert variable in r.json()["message"]


def test_unconfigured_deposits_keep_the_seed_shape(unsandboxed):
    rc, token, _ = unsandboxed.token("USER=nc@example.com")
    r = requests.post(unsandboxed.url + "/deposit-request", timeout=10,
                      json={"username": "nc_user", "billing_name": "홍길동", "amount": 5000},
                      headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 503
    # the seed's shape has no code: the status and the message say it
    assert r.json() == {"status": "fail", "msg": "Deposits: not configured on this server; set "
                        "GameHoneyPayactionAPIKey, GameHoneyPayactionMallID and "
                        "GameHoneyPayactionWebhookKey (PAYACTION_API_KEY, PAYACTION_MALL_ID, "
                        "PAYACTION_WEBHOOK_KEY)."}
    with db(unsandboxed) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM payment_orders WHERE provider = 'payaction'")
        assert cur.fetchone() == (0,)


def test_an_unconfigured_provider_warns_once_at_start_and_never_per_request(unsandboxed):
    for _ in range(3):
        requests.post(unsandboxed.url + "/api/payments/payment/prepare", json={}, timeout=10)
    with open(os.path.join(unsandboxed.var, "log", "error_log")) as f:
        log = f.read()
    warned = re.findall(r"\[gamehoney:warn\] \[pid [^\]]*\] (.*?): not configured; its routes",
                        log)
    assert sorted(warned) == sorted(["Google sign-in", "Cognito sign-in", "Toss sign-in",
                                     "Payments", "Deposits"])
    assert "[gamehoney:error]" not in log
