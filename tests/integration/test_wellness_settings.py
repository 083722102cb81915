"""Public app settings at /api/app-settings/public (seed 002): every public
row of app_settings and nothing else, with a strong ETag (the SHA-256 of
the body), Cache-Control: public, max-age=60, and 304 for a matching
If-None-Match (RFC 9110: "*", lists, the weak comparison)."""
import hashlib
import http.client

import pytest

from accounts_helpers import assert_error

URL = "/api/app-settings/public"
SEEDED = {"service_name": "게임허니", "support_email": "help@gamehoney.kr",
          "logo_url": "https://static.gamehoney.kr/brand/logo-512.png",
          "terms_url": "https://gamehoney.kr/policy/terms",
          "privacy_url": "https://gamehoney.kr/policy/privacy", "min_app_version": "1.0.0"}
PRIVATE = "ops_alert_email"


def public_rows(pg):
    return dict(pg.query("SELECT key, value FROM app_settings WHERE is_public"))


def tag_of(body):
    return '"' + hashlib.sha256(body).hexdigest() + '"'


def fetch(srv, inm=None, method="GET"):
    headers = {} if inm is None else {"If-None-Match": inm}
    return srv.request(method, URL, headers=headers)


@pytest.fixture
def restore(pg):
    """Puts back every app_settings row a test changed, added or removed."""
    before = pg.query("SELECT key, value, is_public FROM app_settings")
    yield
    pg.query("DELETE FROM app_settings")
    for key, value, public in before:
        pg.query("INSERT INTO app_settings (key, value, is_public) VALUES (%s, %s, %s)",
                 (key, value, public))


def test_serves_every_public_row_and_nothing_else(server, pg):
    r = fetch(server)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["Cache-Control"] == "public, max-age=60"
    assert r.headers["ETag"] == tag_of(r.content)
    body = r.json()
    assert body == public_rows(pg)
    assert SEEDED.items() <= body.items()
    assert all(isinstance(v, str) for v in body.values())
    private = {k for (k,) in pg.query("SELECT key FROM app_settings WHERE NOT is_public")}
    assert PRIVATE in private and not private & set(body)
    assert b"ops-alerts" not in r.content and "운영" not in r.text
    # the same bytes, the same tag, every time and in every child
    assert {fetch(server).headers["ETag"] for _ in range(6)} == {r.headers["ETag"]}


def test_head_has_the_headers_and_no_body(server):
    tag = fetch(server).headers["ETag"]
    r = fetch(server, method="HEAD")
    assert r.status_code == 200
    assert r.content == b""
    assert r.headers["ETag"] == tag
    assert r.headers["Cache-Control"] == "public, max-age=60"
    r = fetch(server, tag, method="HEAD")
    assert r.status_code == 304 and r.content == b""


@pytest.mark.parametrize("form", [
    "{tag}", "W/{tag}", "*", '"nope", {tag}', 'W/"a", W/{tag}, "b"',
    ', {tag} ,', '"x",{tag}', '"caf\u00e9", {tag}',
])
def test_a_matching_if_none_match_is_304_without_a_body(server, form):
    tag = fetch(server).headers["ETag"]
    r = fetch(server, form.format(tag=tag))
    assert r.status_code == 304, (form, r.status_code, r.text)
    assert r.content == b""
    assert r.headers["ETag"] == tag
    assert r.headers["Cache-Control"] == "public, max-age=60"


@pytest.mark.parametrize("form", [
    '"nope"', 'W/"nope", "other"', "{bare}", "w/{tag}", "{tag}x", "* , {tag}", "**",
    '{tag} "x"', "W/ {tag}", '"unterminated, {tag}', "", ",", "{tag};q=1",
])
def test_anything_else_gets_the_whole_answer(server, form):
    tag = fetch(server).headers["ETag"]
    r = fetch(server, form.format(tag=tag, bare=tag.strip('"')))
    assert r.status_code == 200, (form, r.status_code)
    assert r.headers["ETag"] == tag == tag_of(r.content)
    assert r.json()["service_name"] == "게임허니"


def test_if_none_match_given_twice_is_one_list(server):
    tag = fetch(server).headers["ETag"]
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.putrequest("GET", URL)
        conn.putheader("If-None-Match", '"first"')
        conn.putheader("If-None-Match", tag)
        conn.endheaders()
        resp = conn.getresponse()
        assert resp.status == 304 and resp.read() == b""
        assert resp.getheader("ETag") == tag
    finally:
        conn.close()


def test_the_tag_follows_the_public_rows(server, pg, restore):
    first = fetch(server)
    old = first.headers["ETag"]

    pg.query("UPDATE app_settings SET value = %s WHERE key = 'support_email'",
             ("cs@gamehoney.kr",))
    r = fetch(server, old)
    assert r.status_code == 200, r.text
    assert r.json()["support_email"] == "cs@gamehoney.kr"
    new = r.headers["ETag"]
    assert new != old and new == tag_of(r.content)
    assert fetch(server, new).status_code == 304

    # a new public row is served; a private row's value never shows
    pg.query("INSERT INTO app_settings (key, value) VALUES ('notice', '12월 5일 새벽 점검')")
    r = fetch(server, new)
    assert r.status_code == 200 and r.json()["notice"] == "12월 5일 새벽 점검"
    with_notice = r.headers["ETag"]
    pg.query("UPDATE app_settings SET value = 'leak@example.com' WHERE key = %s", (PRIVATE,))
    r = fetch(server, with_notice)
    assert r.status_code == 304
    assert b"leak" not in fetch(server).content

    # a public row made private leaves the document
    pg.query("UPDATE app_settings SET is_public = false WHERE key = 'notice'")
    r = fetch(server, with_notice)
    assert r.status_code == 200 and "notice" not in r.json()
    assert r.headers["ETag"] == new

    # the old value back, the old tag back
    pg.query("UPDATE app_settings SET value = 'help@gamehoney.kr' WHERE key = 'support_email'")
    pg.query("DELETE FROM app_settings WHERE key = 'notice'")
    r = fetch(server, old)
    assert r.status_code == 304 and r.headers["ETag"] == old


def test_other_methods_and_paths(server, pg):
    before = public_rows(pg)
    r = server.post(URL, json={"service_name": "x"})
    assert_error(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "GET, HEAD"
    assert_error(server.get("/api/app-settings"), 404, "not_found")
    assert_error(server.get("/api/app-settings/private"), 404, "not_found")
    assert_error(server.get("/api/app-settings/public/" + PRIVATE), 404, "not_found")
    assert public_rows(pg) == before


def test_no_settings_is_an_empty_object(server, pg, restore):
    pg.query("UPDATE app_settings SET is_public = false")
    r = fetch(server)
    assert r.status_code == 200
    assert r.content == b"{}" and r.headers["ETag"] == tag_of(b"{}")
