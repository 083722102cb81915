"""The database going away: 503 with nothing half-written, then recovery."""

import pytest

from conftest import PASSWORD, USER, until_ok

PATH = "/api/auth/disconnect-callback"
AUTH = (USER, PASSWORD)
DB_ERRORS = r"\[dbd:error\]|\[gamehoney:error\].*database"


def state(pg, uid):
    return (pg.scalar("SELECT count(*) FROM users WHERE id = %s", (uid,)),
            pg.scalar("SELECT count(*) FROM subscriptions WHERE user_id = %s", (uid,)),
            pg.scalar("SELECT count(*) FROM push_tokens WHERE user_id = %s", (uid,)))


def test_database_down_gives_503_then_recovers(server, pg, user, log_allow):
    log_allow(DB_ERRORS)
    key, uid = user()
    audits = pg.scalar("SELECT count(*) FROM unlink_audit")
    pg.stop()
    try:
        for _ in range(3):
            r = server.post(PATH, auth=AUTH, json={"userKey": key, "referrer": "UNLINK"})
            assert r.status_code == 503
            assert r.headers["Content-Type"] == "application/json"
            assert r.json() == {"error": "database_unavailable",
                                "message": "The database is unavailable; retry later."}
        r = server.get("/health")
        assert r.status_code == 503
        assert r.json()["database"] == "unreachable"
        assert r.json()["status"] == "unavailable"
        assert server.get("/health/live").status_code == 200
    finally:
        pg.start()
    assert state(pg, uid) == (1, 2, 1)
    assert pg.scalar("SELECT count(*) FROM unlink_audit") == audits
    r = until_ok(lambda: server.get("/health"), timeout=20)
    assert r.json()["database"] == "ok"
    r = server.post(PATH, auth=AUTH, json={"userKey": key, "referrer": "UNLINK"})
    assert r.status_code == 200
    assert state(pg, uid) == (0, 0, 0)
    assert pg.scalar("SELECT count(*) FROM unlink_audit") == audits + 1


def test_restart_between_requests_is_invisible(server, pg, user, log_allow):
    """Pooled connections that predate a restart are replaced, and their
    prepared statements re-made, without failing the request."""
    log_allow(DB_ERRORS)
    for _ in range(5):     # warm several pooled connections
        assert server.get("/health").status_code == 200
    pg.stop()
    pg.start()
    for _ in range(10):
        key, uid = user()
        r = server.post(PATH, auth=AUTH, json={"userKey": key})
        assert r.status_code == 200, r.text
        assert state(pg, uid) == (0, 0, 0)


@pytest.fixture
def audit_trigger(pg):
    """Installs a trigger on unlink_audit for one test: it runs after the
    user rows are already deleted inside the same transaction."""
    def install(body):
        pg.query("CREATE OR REPLACE FUNCTION test_audit_fail() RETURNS trigger "
                 f"LANGUAGE plpgsql AS $$ BEGIN {body}; RETURN NEW; END $$")
        pg.query("CREATE TRIGGER test_audit_fail BEFORE INSERT ON unlink_audit "
                 "FOR EACH ROW EXECUTE FUNCTION test_audit_fail()")
    yield install
    pg.query("DROP TRIGGER IF EXISTS test_audit_fail ON unlink_audit")
    pg.query("DROP FUNCTION IF EXISTS test_audit_fail()")


def test_connection_lost_mid_transaction_rolls_back(server, pg, user, audit_trigger,
                                                    log_allow):
    log_allow(DB_ERRORS)
    key, uid = user()
    audit_trigger("PERFORM pg_terminate_backend(pg_backend_pid())")
    r = server.post(PATH, auth=AUTH, json={"userKey": key})
    assert r.status_code == 503
    assert r.json()["error"] == "database_unavailable"
    assert state(pg, uid) == (1, 2, 1)


def test_statement_failure_mid_transaction_rolls_back(server, pg, user, audit_trigger,
                                                      log_allow):
    log_allow(DB_ERRORS)
    key, uid = user()
    audit_trigger("RAISE EXCEPTION 'audit refused'")
    r = server.post(PATH, auth=AUTH, json={"userKey": key})
    assert r.status_code == 500
    assert r.json() == {"error": "database_error",
                        "message": "The database rejected the operation."}
    assert state(pg, uid) == (1, 2, 1)
    assert "audit refused" in server.new_log()


def test_a_failing_batch_fails_every_callback_in_it(server, pg, user, audit_trigger,
                                                    log_allow):
    """Concurrent callbacks share one statement; when it fails, each of them
    gets the failure and none of them changes anything."""
    from concurrent.futures import ThreadPoolExecutor
    log_allow(DB_ERRORS)
    users = [user() for _ in range(40)]
    audit_trigger("PERFORM pg_sleep(0.05); RAISE EXCEPTION 'audit refused'")
    with ThreadPoolExecutor(20) as pool:
        replies = list(pool.map(
            lambda k: server.post(PATH, auth=AUTH, json={"userKey": k}, timeout=30),
            [k for k, _ in users]))
    assert [r.status_code for r in replies] == [500] * len(users)
    assert all(r.json() == {"error": "database_error",
                            "message": "The database rejected the operation."} for r in replies)
    for _, uid in users:
        assert state(pg, uid) == (1, 2, 1)
    # several callbacks really did share a statement: fewer failures were
    # logged than callbacks were refused
    failures = server.new_log().count("audit refused")
    assert 1 <= failures < len(users)
