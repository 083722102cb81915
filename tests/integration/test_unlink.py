"""The Toss unlink callback: both request forms, auth, bad input, outcomes."""
import hashlib
import hmac
import json

import pytest

from conftest import AUDIT_KEY, PASSWORD, USER, new_key

PATH = "/api/auth/disconnect-callback"
AUTH = (USER, PASSWORD)
JSON = {"Content-Type": "application/json"}


def key_hash(key):
    return hmac.new(AUDIT_KEY.encode(), str(key).encode(), hashlib.sha256).hexdigest()


def audit_rows(pg, key):
    return pg.query("SELECT referrer, outcome, host(client_ip), request_id IS NOT NULL "
                    "FROM unlink_audit WHERE user_key_hash = %s ORDER BY id", (key_hash(key),))


def user_rows(pg, key):
    return pg.scalar("SELECT count(*) FROM users WHERE toss_user_key = %s", (key,))


def child_rows(pg, uid):
    return (pg.scalar("SELECT count(*) FROM subscriptions WHERE user_id = %s", (uid,)),
            pg.scalar("SELECT count(*) FROM push_tokens WHERE user_id = %s", (uid,)))


def test_post_deletes_user_with_subscriptions_and_push_tokens(server, pg, user):
    key, uid = user()
    other_key, other_uid = user()
    r = server.post(PATH, auth=AUTH, json={"userKey": key, "referrer": "UNLINK"})
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == {"success": True, "message": "User disconnected successfully"}
    assert user_rows(pg, key) == 0
    assert child_rows(pg, uid) == (0, 0)
    assert audit_rows(pg, key) == [("UNLINK", "deleted", "127.0.0.1", True)]
    # nobody else is touched
    assert user_rows(pg, other_key) == 1
    assert child_rows(pg, other_uid) == (2, 1)


def test_seed_example_body_without_referrer(server, pg, user):
    key, uid = user()
    r = server.post(PATH, auth=AUTH, data=json.dumps({"userKey": key}), headers=JSON)
    assert r.status_code == 200
    assert r.json()["success"] is True
    assert user_rows(pg, key) == 0
    assert audit_rows(pg, key) == [(None, "deleted", "127.0.0.1", True)]


@pytest.mark.parametrize("referrer", ["UNLINK", "WITHDRAWAL_TERMS", "WITHDRAWAL_TOSS"])
def test_get_form_with_each_referrer(server, pg, user, referrer):
    key, uid = user()
    r = server.get(PATH, auth=AUTH, params={"userKey": key, "referrer": referrer})
    assert r.status_code == 200
    assert r.json() == {"success": True, "message": "User disconnected successfully"}
    assert user_rows(pg, key) == 0
    assert child_rows(pg, uid) == (0, 0)
    assert audit_rows(pg, key) == [(referrer, "deleted", "127.0.0.1", True)]


def test_undocumented_referrer_is_recorded(server, pg, user):
    key, _ = user()
    r = server.post(PATH, auth=AUTH, json={"userKey": key, "referrer": "SOMETHING_NEW"})
    assert r.status_code == 200
    assert audit_rows(pg, key) == [("SOMETHING_NEW", "deleted", "127.0.0.1", True)]
    assert "undocumented referrer SOMETHING_NEW" in server.new_log()


def test_unknown_user_is_success(server, pg, db_snapshot):
    key = new_key()
    before = db_snapshot()
    r = server.post(PATH, auth=AUTH, json={"userKey": key, "referrer": "WITHDRAWAL_TOSS"})
    assert r.status_code == 200
    assert r.json() == {"success": True,
                        "message": "User not found but considered as disconnected"}
    after = db_snapshot()
    assert after["unlink_audit"] == before["unlink_audit"] + 1
    assert {k: v for k, v in after.items() if k != "unlink_audit"} == \
        {k: v for k, v in before.items() if k != "unlink_audit"}
    assert audit_rows(pg, key) == [("WITHDRAWAL_TOSS", "not_found", "127.0.0.1", True)]


def test_console_test_button_changes_nothing(server, pg, db_snapshot):
    before = db_snapshot()
    r = server.get(PATH, auth=AUTH, params={"userKey": 0, "referrer": "UNLINK"})
    assert r.status_code == 200
    assert r.json() == {"success": True, "message": "Test callback acknowledged"}
    after = db_snapshot()
    assert after["users"] == before["users"]
    assert after["unlink_audit"] == before["unlink_audit"] + 1
    assert pg.scalar("SELECT outcome FROM unlink_audit ORDER BY id DESC LIMIT 1") == "test"


def test_repeat_callback_is_idempotent(server, pg, user):
    key, uid = user()
    for _ in range(3):
        r = server.post(PATH, auth=AUTH, json={"userKey": key, "referrer": "UNLINK"})
        assert r.status_code == 200
        assert r.json()["success"] is True
    assert user_rows(pg, key) == 0
    assert [row[1] for row in audit_rows(pg, key)] == ["deleted", "not_found", "not_found"]


def test_audit_row_holds_no_personal_data(server, pg, user):
    key, _ = user(name="김철수", email="secret@example.com")
    server.post(PATH, auth=AUTH, json={"userKey": key})
    row = pg.query("SELECT row_to_json(a)::text FROM unlink_audit a WHERE user_key_hash = %s",
                   (key_hash(key),))[0][0]
    for personal in (str(key), "김철수", "secret@example.com"):
        assert personal not in row


# ---- authentication -------------------------------------------------------

@pytest.mark.parametrize("auth", [None, (USER, "wrong-password"), ("someone", PASSWORD),
                                  ("", ""), (USER, PASSWORD + "x"), (USER, PASSWORD[:-1])])
def test_bad_credentials_get_401_and_change_nothing(server, pg, user, db_snapshot, log_allow,
                                                    auth):
    log_allow(r"AH0161[78]")
    key, uid = user()
    before = db_snapshot()
    r = server.post(PATH, auth=auth, json={"userKey": key})
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Basic realm="gamehoney"'
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == {"error": "unauthorized", "message": "Valid credentials are required."}
    assert db_snapshot() == before
    assert user_rows(pg, key) == 1


@pytest.mark.parametrize("header", ["Bearer abc", "Basic", "Basic !!!notbase64",
                                    "Basic Z2FtZWhvbmV5"])
def test_malformed_authorization_header_gets_401(server, db_snapshot, log_allow, header):
    log_allow(r"AH0161[78]|AH01614|AH01615|AH01616")
    before = db_snapshot()
    r = server.post(PATH, headers={"Authorization": header, **JSON}, data='{"userKey": 1}')
    assert r.status_code == 401
    assert r.json()["error"] == "unauthorized"
    assert db_snapshot() == before


def test_password_never_reaches_the_log(server, log_allow):
    log_allow(r"AH0161[78]")
    server.post(PATH, auth=(USER, "guess-" + PASSWORD), json={"userKey": 1})
    server.post(PATH, auth=AUTH, json={"userKey": 0})
    log = server.log_text()
    assert PASSWORD not in log
    with open(server.access_log) as f:
        assert PASSWORD not in f.read()


# ---- bad input ------------------------------------------------------------

BAD_BODIES = [
    ('{}', "userKey is required"),
    ('{"referrer": "UNLINK"}', "userKey is required"),
    ('{"userKey": 1.5}', "userKey must be a non-negative integer"),
    ('{"userKey": 1.0}', "userKey must be a non-negative integer"),
    ('{"userKey": 1e3}', "userKey must be a non-negative integer"),
    ('{"userKey": -1}', "userKey must be a non-negative integer"),
    ('{"userKey": "1234567890"}', "userKey must be a non-negative integer"),
    ('{"userKey": true}', "userKey must be a non-negative integer"),
    ('{"userKey": false}', "userKey must be a non-negative integer"),
    ('{"userKey": null}', "userKey must be a non-negative integer"),
    ('{"userKey": [1]}', "userKey must be a non-negative integer"),
    ('{"userKey": {"a": 1}}', "userKey must be a non-negative integer"),
    ('{"userKey": 9223372036854775808}', "a number in the request body is out of range"),
    ('{"userKey": 18446744073709551616}', "a number in the request body is out of range"),
    ('{"userKey": 1, "referrer": 7}', "referrer must be a string"),
    ('{"userKey": 1, "referrer": "unlink"}',
     "referrer must be upper-case letters, digits and '_'"),
    ('{"userKey": 1, "referrer": ""}', "referrer must be 1 to 64 characters"),
    ('{"userKey": 1, "referrer": "' + "A" * 65 + '"}', "referrer must be 1 to 64 characters"),
    ('[{"userKey": 1}]', "request body must be a JSON object"),
    ('1234567890', "request body must be a JSON object"),
    ('"userKey"', "request body must be a JSON object"),
    ('null', "request body must be a JSON object"),
    ('{"userKey": 1', "request body is not valid JSON"),
    ("{'userKey': 1}", "request body is not valid JSON"),
    ('{"userKey": 1,}', "request body is not valid JSON"),
    ('{"userKey": 01}', "request body is not valid JSON"),
    ('{"userKey": -01}', "request body is not valid JSON"),
    ('{"userKey": 00}', "request body is not valid JSON"),
    ('{"userKey": 1, "referrer": "UNLINK\\u0000x"}', "referrer must not contain NUL"),
    ('{"userKey": 1} {}', "request body is not valid JSON"),
    ('{"userKey": NaN}', "request body is not valid JSON"),
    ('{"userKey": 1 /* c */}', "request body is not valid JSON"),
    ('', "request body is empty"),
]


@pytest.mark.parametrize("body,message", BAD_BODIES)
def test_bad_json_gets_400_and_changes_nothing(server, db_snapshot, body, message):
    before = db_snapshot()
    r = server.post(PATH, auth=AUTH, data=body.encode(), headers=JSON)
    assert r.status_code == 400
    assert r.headers["Content-Type"] == "application/json"
    assert r.json()["message"] == message
    assert r.json()["error"] in ("invalid_request", "invalid_json")
    assert db_snapshot() == before


@pytest.mark.parametrize("raw", [b'{"userKey": 1, "referrer": "\xff"}',
                                 b'{"userKey": 1, "x": "\xed\xa0\x80"}',
                                 b'{"userKey": 1, "x": "\xc0\x80"}',
                                 b'\xef\xbb\xbf{"userKey": 1}'])
def test_non_utf8_or_bom_body_gets_400(server, db_snapshot, raw):
    before = db_snapshot()
    r = server.post(PATH, auth=AUTH, data=raw, headers=JSON)
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_json"
    assert db_snapshot() == before


def test_big_user_key_within_bigint_is_accepted(server, pg):
    r = server.post(PATH, auth=AUTH, json={"userKey": 9223372036854775807})
    assert r.status_code == 200
    assert r.json()["message"] == "User not found but considered as disconnected"
    assert audit_rows(pg, 9223372036854775807)[-1][1] == "not_found"


BAD_QUERIES = [
    ("", "userKey is required"),
    ("referrer=UNLINK", "userKey is required"),
    ("userKey=", "userKey must be a non-negative integer"),
    ("userKey=-5", "userKey must be a non-negative integer"),
    ("userKey=1.5", "userKey must be a non-negative integer"),
    ("userKey=abc", "userKey must be a non-negative integer"),
    ("userKey=+1", "userKey must be a non-negative integer"),
    ("userKey=%201", "userKey must be a non-negative integer"),
    ("userKey=9223372036854775808", "userKey must be a non-negative integer"),
    ("userKey=1&userKey=2", "userKey is given more than once."),
    ("userKey=1&referrer=A&referrer=B", "referrer is given more than once."),
    ("userKey=1%00", "The query string is not valid URL-encoded UTF-8."),
    ("userKey=%zz", "The query string is not valid URL-encoded UTF-8."),
    ("userKey=1&referrer=%ff", "The query string is not valid URL-encoded UTF-8."),
    ("userKey=1&referrer=bad+value", "referrer must be upper-case letters, digits and '_'"),
]


@pytest.mark.parametrize("query,message", BAD_QUERIES)
def test_bad_query_gets_400_and_changes_nothing(server, db_snapshot, query, message):
    before = db_snapshot()
    status, headers, body = server.raw_get(PATH + ("?" + query if query else ""), auth=AUTH)
    assert status == 400
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["message"] == message
    assert db_snapshot() == before


def test_query_with_leading_zeros_is_the_same_key(server, pg, user):
    key, _ = user()
    r = server.get(f"{PATH}?userKey=000{key}", auth=AUTH)
    assert r.status_code == 200
    assert user_rows(pg, key) == 0


def test_wrong_content_type_gets_415(server, db_snapshot, user):
    key, _ = user()
    before = db_snapshot()
    r = server.post(PATH, auth=AUTH, data={"userKey": key})   # form-encoded
    assert r.status_code == 415
    assert r.json()["error"] == "unsupported_media_type"
    assert db_snapshot() == before


def test_json_with_charset_is_accepted(server, pg, user):
    key, _ = user()
    r = server.post(PATH, auth=AUTH, data=json.dumps({"userKey": key}),
                    headers={"Content-Type": "application/json; charset=utf-8"})
    assert r.status_code == 200
    assert user_rows(pg, key) == 0


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_get_405_with_allow(server, db_snapshot, method):
    before = db_snapshot()
    r = server.request(method, PATH, auth=AUTH, json={"userKey": 1})
    assert r.status_code == 405
    assert r.headers["Allow"] == "POST, GET, HEAD"
    assert r.json() == {"error": "method_not_allowed",
                        "message": "Allowed methods: POST, GET, HEAD"}
    assert db_snapshot() == before


def test_delete_mode_keeps_a_user_with_money_history_deactivated(server, pg, user):
    # orders and ledger rows are records to keep: the user is deactivated instead
    paid_key, paid = user()
    pg.query("WITH u AS (UPDATE users SET remaining_points = 500 WHERE id = %s RETURNING id) "
             "INSERT INTO point_ledger (user_id, delta, balance_after, reason, source_type, source_id) "
             "SELECT id, 500, 500, 'test', 'manual', 'unlink-test-' || id FROM u", (paid,))
    plain_key, plain = user()
    for key in (paid_key, plain_key):
        r = server.post(PATH, auth=AUTH, json={"userKey": key})
        assert r.status_code == 200
        assert r.json() == {"success": True, "message": "User disconnected successfully"}
    assert pg.query("SELECT is_active, toss_user_key, email, remaining_points FROM users "
                    "WHERE id = %s", (paid,)) == [(False, None, None, 500)]
    assert pg.scalar("SELECT count(*) FROM point_ledger WHERE user_id = %s", (paid,)) == 1
    assert pg.scalar("SELECT count(*) FROM subscriptions WHERE user_id = %s", (paid,)) == 0
    assert pg.scalar("SELECT count(*) FROM users WHERE id = %s", (plain,)) == 0
    assert [o for (o,) in pg.query("SELECT outcome FROM unlink_audit ORDER BY id DESC LIMIT 2")] \
        == ["deleted", "deactivated"]
