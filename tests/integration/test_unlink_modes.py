"""GameHoneyUnlinkMode deactivate, and Basic auth through mod_authn_file."""
import os
import subprocess

import pytest

from conftest import PASSWORD, USER, new_key

PATH = "/api/auth/disconnect-callback"
AUTH = (USER, PASSWORD)


@pytest.fixture(scope="module")
def deactivating(make_server):
    return make_server("deactivate", f"<Location {PATH}>\n"
                                     "    GameHoneyUnlinkMode deactivate\n</Location>\n")


def test_deactivate_keeps_the_user_but_clears_identity(deactivating, pg, user):
    key, uid = user(phone="01012345678", birthday="19900101", picture="https://p/x.png")
    pg.query("INSERT INTO auth_sessions (user_id, provider) VALUES (%s, 'toss')", (uid,))
    r = deactivating.post(PATH, auth=AUTH, json={"userKey": key, "referrer": "WITHDRAWAL_TERMS"})
    assert r.status_code == 200
    assert r.json() == {"success": True, "message": "User disconnected successfully"}
    row = pg.query("SELECT is_active, toss_user_key, username, email, name, picture, phone, "
                   "birthday, deactivated_at IS NOT NULL FROM users WHERE id = %s", (uid,))
    assert row == [(False, None, None, None, None, None, None, None, True)]
    assert pg.query("SELECT revoked_reason FROM auth_sessions WHERE user_id = %s", (uid,)) == \
        [("toss unlink",)]
    assert pg.scalar("SELECT count(*) FROM subscriptions WHERE user_id = %s", (uid,)) == 0
    assert pg.scalar("SELECT count(*) FROM push_tokens WHERE user_id = %s", (uid,)) == 0
    assert pg.query("SELECT referrer, outcome FROM unlink_audit ORDER BY id DESC LIMIT 1") == \
        [("WITHDRAWAL_TERMS", "deactivated")]


def test_deactivate_repeat_and_unknown_are_success(deactivating, pg, user):
    key, uid = user()
    first = deactivating.get(PATH, auth=AUTH, params={"userKey": key})
    again = deactivating.get(PATH, auth=AUTH, params={"userKey": key})
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["message"] == "User not found but considered as disconnected"
    assert pg.scalar("SELECT count(*) FROM users WHERE id = %s AND NOT is_active", (uid,)) == 1
    assert [o for (o,) in pg.query("SELECT outcome FROM unlink_audit ORDER BY id DESC LIMIT 2")] \
        == ["not_found", "deactivated"]


def test_deactivated_user_key_can_be_reused(deactivating, pg, user):
    key, old = user()
    assert deactivating.post(PATH, auth=AUTH, json={"userKey": key}).status_code == 200
    _, new = user(key=key)          # the same Toss user signs up again
    assert new != old
    assert pg.scalar("SELECT count(*) FROM users WHERE toss_user_key = %s", (key,)) == 1


@pytest.fixture(scope="module")
def htpasswd_server(make_server, workdir):
    path = os.path.join(workdir, "callback.htpasswd")
    subprocess.run(["htpasswd", "-cbB", path, "toss", "file-password-123456"], check=True,
                   capture_output=True)
    os.chmod(path, 0o644)
    return make_server("htpasswd", f"<Location {PATH}>\n"
                                   "    AuthBasicProvider file\n"
                                   f"    AuthUserFile {path}\n</Location>\n")


def test_htpasswd_provider_accepts_its_user(htpasswd_server, pg, user):
    key, uid = user()
    r = htpasswd_server.post(PATH, auth=("toss", "file-password-123456"), json={"userKey": key})
    assert r.status_code == 200
    assert pg.scalar("SELECT count(*) FROM users WHERE id = %s", (uid,)) == 0


def test_htpasswd_provider_refuses_others(htpasswd_server, pg, user, log_allow, db_snapshot):
    log_allow(r"AH0161[78]")
    key, _ = user()
    before = db_snapshot()
    for auth in [AUTH, ("toss", "wrong"), None]:
        r = htpasswd_server.post(PATH, auth=auth, json={"userKey": key})
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"] == 'Basic realm="gamehoney"'
        assert r.json()["error"] == "unauthorized"
    assert db_snapshot() == before
