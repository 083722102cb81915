"""Many callbacks at once: distinct users, and repeats for one user."""
from concurrent.futures import ThreadPoolExecutor

import requests

from conftest import PASSWORD, USER

PATH = "/api/auth/disconnect-callback"
AUTH = (USER, PASSWORD)


def fire(srv, keys, workers=32):
    def one(key):
        r = requests.post(srv.url + PATH, auth=AUTH, json={"userKey": key, "referrer": "UNLINK"},
                          timeout=30)
        return r.status_code, r.json()
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, keys))


def outcomes(pg, n):
    return sorted(o for (o,) in pg.query(
        "SELECT outcome FROM unlink_audit ORDER BY id DESC LIMIT %s", (n,)))


def test_many_distinct_users_in_parallel(server, pg, user):
    users = [user() for _ in range(200)]
    results = fire(server, [k for k, _ in users])
    assert all(code == 200 and body["success"] is True for code, body in results)
    ids = [uid for _, uid in users]
    assert pg.scalar("SELECT count(*) FROM users WHERE id = ANY(%s)", (ids,)) == 0
    assert pg.scalar("SELECT count(*) FROM subscriptions WHERE user_id = ANY(%s)", (ids,)) == 0
    assert pg.scalar("SELECT count(*) FROM push_tokens WHERE user_id = ANY(%s)", (ids,)) == 0
    assert outcomes(pg, 200) == ["deleted"] * 200


def test_many_repeats_for_one_user(server, pg, user):
    key, uid = user()
    results = fire(server, [key] * 50)
    assert all(code == 200 for code, _ in results)
    messages = sorted(body["message"] for _, body in results)
    assert messages == ["User disconnected successfully"] + \
        ["User not found but considered as disconnected"] * 49
    assert pg.scalar("SELECT count(*) FROM users WHERE id = %s", (uid,)) == 0
    assert outcomes(pg, 50) == ["deleted"] + ["not_found"] * 49


def test_many_repeats_for_one_user_when_deactivating(make_server, pg, user):
    srv = make_server("deactivate", f"<Location {PATH}>\n"
                                    "    GameHoneyUnlinkMode deactivate\n</Location>\n")
    key, uid = user()
    results = fire(srv, [key] * 50)
    assert all(code == 200 for code, _ in results)
    assert pg.query("SELECT is_active, toss_user_key FROM users WHERE id = %s", (uid,)) == \
        [(False, None)]
    assert outcomes(pg, 50) == ["deactivated"] + ["not_found"] * 49
