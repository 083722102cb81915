"""Our access tokens follow their user's current state (issue 11, items 6
and 17): within a second of a demotion, a deactivation, a deletion or a
"log out everywhere", every child of every host refuses them, and the
admin check uses the current role; with no database round trip while the
per-child user cache is kept fresh by LISTEN gamehoney_users, and a read
of the database whenever that connection is down. Claims are validated at
verification: a malformed one is a 401, never a 500."""
import re
import socket
import threading
import time

import psycopg2
import pytest

from accounts_helpers import (as_ip, assert_error, assert_invalid_token, bearer, forge_session,
                              google_claims, google_session, session_claims)

ADMIN_LOCATION = """
<Location /admin-only>
    SetHandler gamehoney-health
    AuthType GameHoney
    Require gamehoney-role admin
</Location>
"""

ROUNDS = 16        # requests per host per check, each on its own connection: both children


@pytest.fixture(scope="module")
def hosts(make_server):
    """Two hosts sharing the database, each with its two children."""
    return [make_server(name, ADMIN_LOCATION) for name in ("revocation-a", "revocation-b")]


def validate(srv, token):
    return as_ip(srv, "GET", "/api/auth/validate", headers=bearer(token))


def statuses(hosts, fn):
    return [fn(srv).status_code for srv in hosts for _ in range(ROUNDS)]


def warm(hosts, fn, timeout=10):
    """Calls fn(srv) until every child of every host has answered it (200):
    each child then holds the user in its cache."""
    for srv in hosts:
        with open(srv.access_log) as f:
            f.seek(0, 2)
            children = set(srv.children())
            seen = set()
            deadline = time.time() + timeout
            while not children <= seen:
                assert time.time() < deadline, (children, seen)
                assert fn(srv).status_code == 200
                seen |= {int(m) for m in re.findall(r" 200 .* pid=(\d+) ", f.read())}


def until_all(hosts, fn, status, timeout=1.0):
    """Seconds until fn(srv) answers status on every host, ROUNDS times each."""
    t0 = time.monotonic()
    while statuses(hosts, fn) != [status] * (ROUNDS * len(hosts)):
        assert time.monotonic() - t0 < timeout, f"not {status} within {timeout} s"
    return time.monotonic() - t0


def test_a_demoted_admin_loses_admin_routes_within_a_second(hosts, google, pg, log_allow):
    log_allow(r"AH01631: user \d+: authorization failure")
    body, _ = google_session(hosts[0], google)
    uid, token = body["user"]["id"], body["access_token"]
    pg.query("UPDATE users SET role = 'admin' WHERE id = %s", (uid,))
    admin = lambda srv: as_ip(srv, "GET", "/admin-only/live", headers=bearer(token))  # noqa: E731
    until_all(hosts, admin, 200)
    warm(hosts, admin)                   # every child has the user cached by now

    pg.query("UPDATE users SET role = 'user' WHERE id = %s", (uid,))
    t0 = time.monotonic()
    until_all(hosts, admin, 403)
    assert time.monotonic() - t0 < 1.0
    r = as_ip(hosts[1], "GET", "/admin-only/live", headers=bearer(token))
    assert_error(r, 403, "forbidden")
    # still a valid user, though
    assert validate(hosts[1], token).status_code == 200


@pytest.mark.parametrize("change", [
    "UPDATE users SET is_active = false WHERE id = %s",
    "DELETE FROM users WHERE id = %s",
])
def test_deactivation_and_deletion_stop_tokens_within_a_second(hosts, google, pg, change):
    body, _ = google_session(hosts[0], google)
    uid, token = body["user"]["id"], body["access_token"]
    warm(hosts, lambda srv: validate(srv, token))

    pg.query(change, (uid,))
    until_all(hosts, lambda srv: validate(srv, token), 401)
    for path in ("/api/auth/validate", "/api/auth/me", "/api/me/subscriptions"):
        assert_invalid_token(as_ip(hosts[1], "GET", path, headers=bearer(token)))


def test_logout_everywhere_stops_every_token_of_the_user(hosts, google, pg):
    claims = google_claims()
    a, _ = google_session(hosts[0], google, claims=dict(claims))
    b, _ = google_session(hosts[1], google, claims=dict(claims))
    uid = a["user"]["id"]
    assert b["user"]["id"] == uid
    for body in (a, b):
        warm(hosts, lambda srv: validate(srv, body["access_token"]))

    r = hosts[0].post("/api/auth/logout-everywhere", headers=bearer(a["access_token"]))
    assert r.status_code == 200, r.text
    assert r.json() == {"success": True, "sessions_revoked": 2}
    for body in (a, b):
        until_all(hosts, lambda srv: validate(srv, body["access_token"]), 401)
        assert_error(hosts[1].post("/api/auth/refresh",
                                   json={"refresh_token": body["refresh_token"]}),
                     401, "invalid_grant")
    assert pg.scalar("SELECT token_epoch FROM users WHERE id = %s", (uid,)) == 1
    assert pg.scalar("SELECT count(*) FROM auth_sessions WHERE user_id = %s AND "
                     "revoked_reason = 'logout everywhere'", (uid,)) == 2
    # a new sign-in carries the new epoch and works everywhere
    c, _ = google_session(hosts[1], google, claims=dict(claims))
    until_all(hosts, lambda srv: validate(srv, c["access_token"]), 200)


def test_validate_needs_no_database_while_the_cache_is_warm(hosts, google, pg):
    srv = hosts[0]
    body, _ = google_session(srv, google)
    token = body["access_token"]
    warm([srv], lambda s: validate(s, token))
    # anything that read users now would wait for this lock
    conn = psycopg2.connect(pg.conninfo)
    try:
        with conn.cursor() as cur:
            cur.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
            for _ in range(ROUNDS):
                r = srv.get("/api/auth/validate", headers=bearer(token), timeout=3)
                assert r.status_code == 200, r.text
    finally:
        conn.rollback()
        conn.close()


# ---------------------------------------------------------------- the LISTEN connection down

class Proxy:
    """A TCP relay to PostgreSQL for the bus connection, to cut it at will."""

    def __init__(self, target):
        self.target = target
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.open = True
        self.conns = []
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            if not self.open:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        self.open = False
        for s in self.conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.conns = []


@pytest.fixture(scope="module")
def cut_bus(make_server, pg):
    dsn = psycopg2.extensions.parse_dsn(pg.conninfo)
    proxy = Proxy((dsn.get("host", "127.0.0.1"), int(dsn["port"])))
    params = " ".join(f"{k}={v}" for k, v in {**dsn, "host": "127.0.0.1",
                                                "port": proxy.port}.items())
    srv = make_server("revocation-cut-bus", f'GameHoneyChatDBParams "{params}"\n')
    return srv, proxy


def test_with_the_bus_down_the_database_is_read_not_the_cache(cut_bus, google, pg):
    srv, proxy = cut_bus
    body, _ = google_session(srv, google)
    uid, token = body["user"]["id"], body["access_token"]
    warm([srv], lambda s: validate(s, token))

    proxy.cut()
    time.sleep(0.5)                      # the listeners see the loss
    pg.query("UPDATE users SET is_active = false WHERE id = %s", (uid,))   # heard by nobody
    until_all([srv], lambda s: validate(s, token), 401, timeout=0.5)
    pg.query("UPDATE users SET is_active = true WHERE id = %s", (uid,))
    until_all([srv], lambda s: validate(s, token), 200, timeout=0.5)

    proxy.open = True                    # the listeners reconnect and trust the cache again
    deadline = time.time() + 10
    while "bus: connected again" not in srv.new_log():
        assert time.time() < deadline, srv.new_log()[-2000:]
        time.sleep(0.1)
    time.sleep(0.6)                      # the other child too
    until_all([srv], lambda s: validate(s, token), 200)
    pg.query("UPDATE users SET is_active = false WHERE id = %s", (uid,))
    until_all([srv], lambda s: validate(s, token), 401)


# ---------------------------------------------------------------- malformed claims (item 17)

BAD_CLAIMS = {
    "sub-letters": {"sub": "abc"},
    "sub-exponent": {"sub": "1e3"},
    "sub-empty": {"sub": ""},
    "sub-negative": {"sub": "-1"},
    "sub-zero": {"sub": "0"},
    "sub-leading-zero": {"sub": "01"},
    "sub-too-big": {"sub": "99999999999999999999"},
    "sub-space": {"sub": " 1"},
    "sid-empty": {"sid": ""},
    "sid-letters": {"sid": "abc"},
    "sid-exponent": {"sid": "1e3"},
    "epoch-string": {"epoch": "0"},
    "epoch-negative": {"epoch": -1},
    "epoch-float": {"epoch": 0.5},
}

ROUTES = [("GET", "/api/auth/validate"), ("GET", "/api/auth/me"),
          ("GET", "/api/me/subscriptions"), ("GET", "/api/me/push-tokens"),
          ("GET", "/api/payments/user/balance"), ("POST", "/api/auth/logout")]


@pytest.mark.parametrize("name", sorted(BAD_CLAIMS))
def test_malformed_claims_are_401_everywhere(server, google, pg, name):
    body, _ = google_session(server, google)
    good = {"sub": str(body["user"]["id"]), "sid": "1"}
    claims = {**good, **BAD_CLAIMS[name]}
    assert set(session_claims(**claims)) >= set(claims)
    token = forge_session(**claims)
    sessions = pg.scalar("SELECT count(*) FROM auth_sessions WHERE revoked_at IS NOT NULL")
    for method, path in ROUTES:
        r = as_ip(server, method, path, headers=bearer(token))
        assert_invalid_token(r)
    assert pg.scalar("SELECT count(*) FROM auth_sessions WHERE revoked_at IS NOT NULL") == \
        sessions
    # the same token with good claims works
    assert validate(server, forge_session(**good)).status_code == 200
