"""Area routing, the JSON error model, and the request body limit."""
import pytest

from conftest import PASSWORD, USER

AUTH = (USER, PASSWORD)
PATH = "/api/auth/disconnect-callback"


@pytest.mark.parametrize("path", ["/health/nope", "/health/live/x", "/api/health/x",
                                  PATH + "/extra"])
def test_unknown_path_in_an_area_is_json_404(server, path):
    r = server.get(path, auth=AUTH)
    assert r.status_code == 404
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == {"error": "not_found", "message": "No such resource."}


def test_wrong_method_is_json_405_with_allow(server):
    r = server.post("/health")
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, HEAD"
    assert r.json() == {"error": "method_not_allowed", "message": "Allowed methods: GET, HEAD"}


def test_head_answers_like_get_without_body(server):
    r = server.request("HEAD", "/health/live")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    assert r.content == b""


def test_error_document_uri_is_not_reachable_from_outside(server, log_allow):
    log_allow(r"AH01630")
    r = server.get("/.gamehoney/error")
    assert r.status_code == 403          # <Directory /> denies; no JSON area here
    assert "gamehoney" not in r.headers.get("Content-Type", "")


def test_trailing_slash_mount_is_the_same_route(server, pg, user):
    key, _ = user()
    r = server.post(PATH + "/", auth=AUTH, json={"userKey": key})
    assert r.status_code == 200
    assert pg.scalar("SELECT count(*) FROM users WHERE toss_user_key = %s", (key,)) == 0


def test_body_over_limit_gets_413_and_changes_nothing(server, db_snapshot):
    before = db_snapshot()
    body = b'{"userKey": 1, "pad": "' + b"a" * (64 * 1024) + b'"}'
    r = server.post(PATH, auth=AUTH, data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert r.json() == {"error": "payload_too_large",
                        "message": "The request body exceeds 65536 bytes."}
    assert db_snapshot() == before


def test_chunked_body_over_limit_gets_413(server, db_snapshot):
    before = db_snapshot()

    def chunks():
        yield b'{"userKey": 1, "pad": "'
        for _ in range(80):
            yield b"a" * 1024
        yield b'"}'
    r = server.post(PATH, auth=AUTH, data=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert r.json()["error"] == "payload_too_large"
    assert db_snapshot() == before


def test_body_at_limit_is_read(server, pg, user):
    key, _ = user()
    head = b'{"userKey": %d, "pad": "' % key
    body = head + b"a" * (64 * 1024 - len(head) - 2) + b'"}'
    assert len(body) == 64 * 1024
    r = server.post(PATH, auth=AUTH, data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 200
    assert pg.scalar("SELECT count(*) FROM users WHERE toss_user_key = %s", (key,)) == 0


def test_max_body_directive(make_server, db_snapshot):
    small = make_server("smallbody", "<Location /api/auth/disconnect-callback>\n"
                                     "    GameHoneyMaxBody 32\n</Location>\n")
    before = db_snapshot()
    r = small.post(PATH, auth=AUTH, json={"userKey": 1, "referrer": "WITHDRAWAL_TERMS"})
    assert r.status_code == 413
    assert r.json()["message"] == "The request body exceeds 32 bytes."
    assert db_snapshot() == before
    r = small.post(PATH, auth=AUTH, json={"userKey": 0})
    assert r.status_code == 200


def test_limit_request_body_sets_the_areas_limit(make_server, pg, user, db_snapshot):
    """Core's LimitRequestBody is the limit (issue 12): a declared or a
    chunked body past it is a JSON 413 that changes nothing; one at it is
    read."""
    small = make_server("limitbody", "<Location /api/auth/disconnect-callback>\n"
                                     "    LimitRequestBody 40\n</Location>\n")
    before = db_snapshot()
    r = small.post(PATH, auth=AUTH, json={"userKey": 1, "referrer": "WITHDRAWAL_TERMS"})
    assert r.status_code == 413
    assert r.json() == {"error": "payload_too_large",
                        "message": "The request body exceeds 40 bytes."}

    def chunks():
        yield b'{"userKey": 1, '
        yield b'"referrer": "WITHDRAWAL_TERMS"}'
    r = small.post(PATH, auth=AUTH, data=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert r.headers["Content-Type"] == "application/json"
    assert r.json()["error"] == "payload_too_large"
    assert db_snapshot() == before
    key, _ = user()
    body = b'{"userKey": %d}' % key
    body += b" " * (40 - len(body))
    r = small.post(PATH, auth=AUTH, data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 200
    assert pg.scalar("SELECT count(*) FROM users WHERE toss_user_key = %s", (key,)) == 0


def test_max_body_alias_only_lowers_limit_request_body(make_server, db_snapshot):
    both = make_server("bothbody", "<Location /api/auth/disconnect-callback>\n"
                                   "    LimitRequestBody 4096\n    GameHoneyMaxBody 32\n"
                                   "</Location>\n")
    before = db_snapshot()
    r = both.post(PATH, auth=AUTH, json={"userKey": 1, "referrer": "WITHDRAWAL_TERMS"})
    assert r.status_code == 413
    assert r.json()["message"] == "The request body exceeds 32 bytes."
    assert db_snapshot() == before
