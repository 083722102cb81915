"""Concurrent requests coalesced into one statement (gh_batch): one item's
bad data fails that item only. Items are checked before they join a batch,
and a batch whose statement was refused for its data (SQLSTATE class 22 or
23) is run again one item at a time."""
from concurrent.futures import ThreadPoolExecutor
import uuid

import pytest

from accounts_helpers import assert_invalid_token, bearer, forge_session
from conftest import PASSWORD, USER
from payments_helpers import balance, grant

UNLINK = "/api/auth/disconnect-callback"
DEDUCT = "/api/payments/user/deduct-points"
DATA_ERROR = r"\[gamehoney:error\].*database error during .*(guilty item|22P02)"


@pytest.fixture
def trigger(pg):
    """A BEFORE INSERT trigger on table for one test, raising a data error
    (23514, check_violation) for the rows matching `when` only."""
    made = []

    def install(table, when):
        name = f"test_guilty_{table}"
        pg.query(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$"
                 f" BEGIN PERFORM pg_sleep(0.02); IF {when} THEN RAISE EXCEPTION 'guilty item'"
                 " USING ERRCODE = 'check_violation'; END IF; RETURN NEW; END $$")
        pg.query(f"CREATE TRIGGER {name} BEFORE INSERT ON {table}"
                 f" FOR EACH ROW EXECUTE FUNCTION {name}()")
        made.append((table, name))
    yield install
    for table, name in made:
        pg.query(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        pg.query(f"DROP FUNCTION IF EXISTS {name}()")


def users_left(pg, uids):
    return pg.scalar("SELECT count(*) FROM users WHERE id = ANY(%s)", (uids,))


def test_a_bad_unlink_callback_fails_alone(server, pg, user, trigger, log_allow):
    log_allow(DATA_ERROR)
    trigger("unlink_audit", "NEW.referrer = 'GUILTY'")
    good = [user() for _ in range(36)]
    bad = [user() for _ in range(4)]
    calls = [(k, "UNLINK") for k, _ in good] + [(k, "GUILTY") for k, _ in bad]
    calls = calls[::3] + calls[1::3] + calls[2::3]        # the bad ones spread out

    def one(call):
        key, referrer = call
        return referrer, server.post(UNLINK, auth=(USER, PASSWORD), timeout=30,
                                     json={"userKey": key, "referrer": referrer})
    with ThreadPoolExecutor(20) as pool:
        replies = list(pool.map(one, calls))
    collateral = [r.text for ref, r in replies if ref == "UNLINK" and r.status_code != 200]
    assert collateral == []
    for ref, r in replies:
        if ref == "GUILTY":
            assert r.status_code == 500
            assert r.json() == {"error": "database_error",
                                "message": "The database rejected the operation."}
    # the good ones are gone, the bad ones untouched
    assert users_left(pg, [uid for _, uid in good]) == 0
    assert users_left(pg, [uid for _, uid in bad]) == len(bad)
    # batches really were split
    assert "running its items one by one" in server.new_log()


def test_a_bad_deduction_fails_alone(server, pg, user, trigger, log_allow):
    log_allow(DATA_ERROR)
    trigger("point_ledger", "NEW.reason = 'guilty'")
    payers = []
    for i in range(24):
        _, uid = user(subs=0, tokens=0)
        grant(pg, uid, 1000)
        payers.append((uid, bearer(forge_session(sub=str(uid))), "guilty" if i % 6 == 0
                       else "ok " + uuid.uuid4().hex))

    def one(p):
        uid, auth, reason = p
        return p, server.post(DEDUCT, headers=auth, timeout=30,
                              json={"amount": 300, "reason": reason})
    with ThreadPoolExecutor(12) as pool:
        replies = list(pool.map(one, payers))
    collateral = [r.text for (_, _, reason), r in replies
                  if reason != "guilty" and r.status_code != 200]
    assert collateral == []
    for (uid, _, reason), r in replies:
        if reason == "guilty":
            assert r.status_code == 500, r.text
            assert balance(pg, uid) == 1000
            assert pg.scalar("SELECT count(*) FROM point_ledger WHERE user_id = %s", (uid,)) == 1
        else:
            assert r.json()["remaining_points"] == 700
            assert balance(pg, uid) == 700
            assert pg.scalar("SELECT count(*) FROM point_ledger WHERE user_id = %s"
                             " AND reason = %s", (uid, reason)) == 1
    assert pg.scalar("SELECT count(*) FROM point_balance_mismatches") == 0


def test_bad_subjects_beside_good_me_requests(server, pg, user, log_allow):
    """4 threads with a validly signed token whose sub is not a user id,
    beside 16 normal ones: the normal ones all get their own row."""
    log_allow(DATA_ERROR)
    good = []
    for _ in range(16):
        _, uid = user(subs=0, tokens=0)
        good.append((uid, bearer(forge_session(sub=str(uid)))))
    bad = [bearer(forge_session(sub=s)) for s in ("abc", "1e3", "-1", "99999999999999999999")]

    def normal(g):
        uid, auth = g
        return [(uid, server.get("/api/auth/me", headers=auth, timeout=30)) for _ in range(15)]

    def attacker(auth):
        return [server.get("/api/auth/me", headers=auth, timeout=30) for _ in range(15)]
    with ThreadPoolExecutor(20) as pool:
        bad_f = [pool.submit(attacker, a) for a in bad]
        good_f = [pool.submit(normal, g) for g in good]
        good_replies = [x for f in good_f for x in f.result()]
        bad_replies = [x for f in bad_f for x in f.result()]
    wrong = [(uid, r.status_code, r.text) for uid, r in good_replies
             if r.status_code != 200 or r.json()["id"] != uid]
    assert wrong == []
    for r in bad_replies:
        assert_invalid_token(r)
