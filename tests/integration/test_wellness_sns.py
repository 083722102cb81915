"""SNS (seed 002): the channel list at /api/sns/channels, the import at
/api/sns/import (a bearer token), and the user's accounts at
/api/me/sns-accounts. An import links or re-handles the account and
stores each post once by (account, external_id); every bad input is a 400
that stores nothing."""
import concurrent.futures
import datetime
import json

import pytest

from accounts_helpers import as_ip, assert_error, assert_invalid_token, bearer
from payments_helpers import payer

CHANNELS = "/api/sns/channels"
IMPORT = "/api/sns/import"
ACCOUNTS = "/api/me/sns-accounts"
ACCOUNT_KEYS = {"id", "channel", "handle", "item_count", "created_at", "updated_at"}
KST = datetime.timezone(datetime.timedelta(hours=9))


def item(n, text=None, posted_at="2026-11-30T21:15:00+09:00"):
    return {"external_id": f"post-{n}", "text": text or f"오늘의 기록 {n}번째 #게임허니",
            "posted_at": posted_at}


def body(items, channel="instagram", handle="honey_daily"):
    return {"channel": channel, "handle": handle, "items": items}


def send(srv, auth, doc):
    return srv.post(IMPORT, headers=auth, json=doc)


def send_raw(srv, auth, data, ctype="application/json"):
    return srv.post(IMPORT, headers={**auth, "Content-Type": ctype}, data=data)


def accounts(pg, uid):
    return pg.query("SELECT id, channel_id, handle, created_at, updated_at "
                    "FROM user_sns_accounts WHERE user_id = %s ORDER BY id", (uid,))


def items_of(pg, uid):
    """(channel, external_id, body, posted_at, imported_at) of a user's items."""
    return pg.query("SELECT a.channel_id, i.external_id, i.body, i.posted_at, i.imported_at "
                    "FROM sns_items i JOIN user_sns_accounts a ON a.id = i.account_id "
                    "WHERE a.user_id = %s ORDER BY a.channel_id, i.external_id", (uid,))


def state(pg, uid):
    return accounts(pg, uid), items_of(pg, uid)


def delete(srv, path, **kw):
    return srv.request("DELETE", path, **kw)


# ---------------------------------------------------------------- channels

def test_channels_are_the_active_ones_in_order(server, pg):
    r = server.get(CHANNELS)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/json"
    got = r.json()["items"]
    rows = pg.query("SELECT id, name, icon_url, sort_order FROM sns_channels WHERE is_active "
                    "ORDER BY sort_order")
    assert [(c["id"], c["name"], c["icon_url"], c["sort_order"]) for c in got] == rows
    assert got[0] == {"id": "instagram", "name": "인스타그램",
                      "icon_url": "https://static.gamehoney.kr/sns/instagram.png",
                      "sort_order": 1}
    assert {c["id"] for c in got} >= {"instagram", "x", "youtube", "tiktok", "naver_blog"}
    assert "kakao_story" not in {c["id"] for c in got}          # inactive
    assert_error(server.post(CHANNELS, json={}), 405, "method_not_allowed")
    assert_error(server.get("/api/sns/channels/instagram"), 404, "not_found")


# ---------------------------------------------------------------- import

def test_import_links_the_account_and_stores_each_post_once(server, user, pg):
    uid, auth = payer(user)
    posts = [item(1), item(2, "줄바꿈도\n괜찮아요\t탭도"), item(3, posted_at="2026-11-30T12:15:00Z")]
    r = send(server, auth, body(posts))
    assert r.status_code == 200, r.text
    out = r.json()
    assert set(out) == {"account", "imported", "updated", "unchanged"}
    assert (out["imported"], out["updated"], out["unchanged"]) == (3, 0, 0)
    account = out["account"]
    assert set(account) == ACCOUNT_KEYS
    assert account["channel"] == "instagram" and account["handle"] == "honey_daily"
    assert account["item_count"] == 3 and isinstance(account["id"], str)
    [(aid, channel, handle, created, updated)] = accounts(pg, uid)
    assert (str(aid), channel, handle) == (account["id"], "instagram", "honey_daily")
    stored = items_of(pg, uid)
    assert [(e, b) for _, e, b, _, _ in stored] == [(p["external_id"], p["text"]) for p in posts]
    instant = datetime.datetime(2026, 11, 30, 12, 15, tzinfo=datetime.timezone.utc)
    assert all(t == instant for _, _, _, t, _ in stored)      # +09:00 and Z alike

    # the same body again: nothing new, nothing changed, not even a time
    r = send(server, auth, body(posts))
    assert r.status_code == 200, r.text
    assert (r.json()["imported"], r.json()["updated"], r.json()["unchanged"]) == (0, 0, 3)
    assert r.json()["account"] == account
    assert state(pg, uid) == ([(aid, channel, handle, created, updated)], stored)

    # one text changed, one post new: updated 1, imported 1
    changed = [item(1), item(2, "고쳐 쓴 글"), item(3, posted_at="2026-11-30T12:15:00Z"), item(4)]
    r = send(server, auth, body(changed))
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["imported"], out["updated"], out["unchanged"]) == (1, 1, 2)
    assert out["account"]["item_count"] == 4 and out["account"]["id"] == account["id"]
    now = items_of(pg, uid)
    assert [b for _, _, b, _, _ in now] == [posts[0]["text"], "고쳐 쓴 글", posts[2]["text"],
                                          changed[3]["text"]]
    assert now[0] == stored[0] and now[2] == stored[2]            # untouched rows
    assert accounts(pg, uid)[0][4] > updated

    # a changed time alone is a change too; a post left out is kept
    r = send(server, auth, body([item(1, posted_at="2026-11-30T21:16:00+09:00")]))
    assert (r.json()["imported"], r.json()["updated"], r.json()["unchanged"]) == (0, 1, 0)
    assert len(items_of(pg, uid)) == 4


def test_a_new_handle_updates_the_same_account(server, user, pg):
    uid, auth = payer(user)
    first = send(server, auth, body([item(1)])).json()["account"]
    [(aid, _, _, created, updated)] = accounts(pg, uid)
    r = send(server, auth, body([item(1)], handle="새_핸들"))
    assert r.status_code == 200, r.text
    assert (r.json()["imported"], r.json()["unchanged"]) == (0, 1)
    again = r.json()["account"]
    assert again["id"] == first["id"] and again["handle"] == "새_핸들"
    [(aid2, _, handle, created2, updated2)] = accounts(pg, uid)
    assert (aid2, handle, created2) == (aid, "새_핸들", created) and updated2 > updated


def test_each_channel_is_its_own_account(server, user, pg):
    uid, auth = payer(user)
    assert send(server, auth, body([item(1)])).status_code == 200
    r = send(server, auth, body([item(1)], channel="youtube", handle="허니TV"))
    assert r.status_code == 200, r.text
    assert r.json()["imported"] == 1                               # same id, other account
    assert [(c, h) for _, c, h, _, _ in accounts(pg, uid)] == [("instagram", "honey_daily"),
                                                               ("youtube", "허니TV")]
    # another user's same post is theirs alone
    other, other_auth = payer(user)
    assert send(server, other_auth, body([item(1)])).json()["imported"] == 1
    assert len(items_of(pg, uid)) == 2 and len(items_of(pg, other)) == 1


def test_no_items_links_the_account_alone(server, user, pg):
    uid, auth = payer(user)
    r = send(server, auth, body([], channel="naver_blog", handle="꿀블로그"))
    assert r.status_code == 200, r.text
    assert (r.json()["imported"], r.json()["updated"], r.json()["unchanged"]) == (0, 0, 0)
    assert r.json()["account"]["item_count"] == 0
    assert [(c, h) for _, c, h, _, _ in accounts(pg, uid)] == [("naver_blog", "꿀블로그")]
    assert items_of(pg, uid) == []


def test_limits_at_their_edges_are_accepted(server, user, pg):
    uid, auth = payer(user)
    posts = [{"external_id": "e" * 128, "text": "가" * 2000, "posted_at": "1970-01-01T00:00:00Z"},
             {"external_id": "😀", "text": "😀", "posted_at": "2016-12-31T23:59:60Z"},
             {"external_id": "frac", "text": "ok",
              "posted_at": "2026-11-30t12:00:00.123456789z"},
             {"external_id": "soon", "text": "ok",
              "posted_at": (datetime.datetime.now(KST) + datetime.timedelta(hours=23))
              .isoformat(timespec="seconds")}]
    r = send(server, auth, body(posts, handle="h" * 100))
    assert r.status_code == 200, r.text
    assert r.json()["imported"] == 4
    stored = {e: (b, t) for _, e, b, t, _ in items_of(pg, uid)}
    assert stored["e" * 128][0] == "가" * 2000
    assert stored["😀"][1] == datetime.datetime(2017, 1, 1, tzinfo=datetime.timezone.utc)
    assert stored["frac"][1] == datetime.datetime(2026, 11, 30, 12, 0, 0, 123456,
                                                  tzinfo=datetime.timezone.utc)
    assert accounts(pg, uid)[0][2] == "h" * 100


def test_quotes_backslashes_and_array_syntax_are_stored_as_sent(server, user, pg):
    uid, auth = payer(user)
    tricky = ['그가 말했다: "안녕"', "C:\\temp\\n 은 줄바꿈이 아니다", "{a,b}", "NULL", ",", "'; DROP",
              "\\\"", "}"]
    posts = [{"external_id": t, "text": t, "posted_at": "2026-11-30T12:00:00Z"} for t in tricky]
    r = send(server, auth, body(posts, handle='"quoted" \\ handle'))
    assert r.status_code == 200, r.text
    assert r.json()["imported"] == len(tricky)
    assert sorted((e, b) for _, e, b, _, _ in items_of(pg, uid)) == sorted((t, t) for t in tricky)
    assert accounts(pg, uid)[0][2] == '"quoted" \\ handle'
    assert send(server, auth, body(posts, handle='"quoted" \\ handle')).json()["unchanged"] == \
        len(tricky)


def test_the_largest_import_fits_the_body_limit(server, user, pg):
    uid, auth = payer(user)
    posts = [item(n, "꿀" * 2000) for n in range(100)]
    data = json.dumps(body(posts), ensure_ascii=False).encode()
    assert 600_000 < len(data) < 1_048_576
    r = send_raw(server, auth, data)
    assert r.status_code == 200, r.text
    assert r.json()["imported"] == 100 and r.json()["account"]["item_count"] == 100
    assert len(items_of(pg, uid)) == 100


def test_a_body_over_1_mib_is_413(server, user, pg):
    uid, auth = payer(user)
    # 100 posts of 2000 characters, each written as \\uXXXX: valid, too big
    text = "\\uaf40" * 2000
    data = ('{"channel":"instagram","handle":"h","items":['
            + ",".join(f'{{"external_id":"{n}","text":"{text}",'
                       f'"posted_at":"2026-11-30T12:00:00Z"}}' for n in range(100))
            + "]}").encode()
    assert len(data) > 1_048_576
    r = send_raw(server, auth, data)
    body_ = assert_error(r, 413, "payload_too_large")
    assert "1048576" in body_["message"]
    assert state(pg, uid) == ([], [])


BAD = [
    # (what, body, code, message part)
    ("no channel", {"handle": "h", "items": []}, "invalid_request", "channel is required"),
    ("no handle", {"channel": "instagram", "items": []}, "invalid_request", "handle is required"),
    ("no items", {"channel": "instagram", "handle": "h"}, "invalid_request", "items is required"),
    ("extra field", {**body([]), "user_id": "1"}, "invalid_request", "unknown field: user_id"),
    ("channel a number", {**body([]), "channel": 1}, "invalid_request", "channel must be a string"),
    ("handle null", {**body([]), "handle": None}, "invalid_request", "handle is required"),
    ("handle empty", body([], handle=""), "invalid_request", "handle must be 1 to 100"),
    ("handle too long", body([], handle="가" * 101), "invalid_request", "handle must be 1 to 100"),
    ("handle control", body([], handle="a\nb"), "invalid_request", "control characters"),
    ("handle NUL", body([], handle="a\u0000b"), "invalid_request", "NUL"),
    ("items an object", {**body([]), "items": {}}, "invalid_request", "items must be an array"),
    ("items a string", {**body([]), "items": "[]"}, "invalid_request", "items must be an array"),
    ("101 items", body([item(n) for n in range(101)]), "invalid_request", "at most 100"),
    ("item a string", body([item(1), "post-2"]), "invalid_request", "items[1] must be an object"),
    ("item extra", body([{**item(1), "likes": 3}]), "invalid_request",
     "unknown field: items[0].likes"),
    ("no external_id", body([{"text": "t", "posted_at": "2026-11-30T12:00:00Z"}]),
     "invalid_request", "items[0].external_id is required"),
    ("no text", body([{"external_id": "a", "posted_at": "2026-11-30T12:00:00Z"}]),
     "invalid_request", "items[0].text is required"),
    ("no posted_at", body([{"external_id": "a", "text": "t"}]),
     "invalid_request", "items[0].posted_at is required"),
    ("external_id a number", body([{**item(1), "external_id": 7}]), "invalid_request",
     "items[0].external_id must be a string"),
    ("external_id too long", body([{**item(1), "external_id": "x" * 129}]), "invalid_request",
     "items[0].external_id must be 1 to 128"),
    ("external_id empty", body([{**item(1), "external_id": ""}]), "invalid_request",
     "items[0].external_id must be 1 to 128"),
    ("text too long", body([item(1), item(2, "가" * 2001)]), "invalid_request",
     "items[1].text must be 1 to 2000"),
    ("text empty", body([{**item(1), "text": ""}]), "invalid_request", "items[0].text must be 1"),
    ("text bell", body([item(1, "삐\u0007")]), "invalid_request", "items[0].text must not contain"),
    ("text C1", body([item(1, "x\u0085")]), "invalid_request", "items[0].text must not contain"),
    ("text NUL", body([item(1, "x\u0000y")]), "invalid_request", "NUL"),
    ("text a list", body([{**item(1), "text": ["a"]}]), "invalid_request", "must be a string"),
    ("duplicate", body([item(1), item(2), item(1, "다른 글")]), "duplicate_external_id",
     "items[2].external_id repeats items[0]'s"),
    ("unknown channel", body([item(1)], channel="myspace"), "unknown_channel", "myspace"),
    ("inactive channel", body([item(1)], channel="kakao_story"), "unknown_channel",
     "kakao_story"),
    ("channel too long", body([item(1)], channel="c" * 33), "invalid_request", "1 to 32"),
] + [
    (f"posted_at {t!r}", body([item(1, posted_at=t)]), "invalid_request",
     "items[0].posted_at must be an RFC 3339")
    for t in ["2026-11-30", "2026-11-30T12:00:00", "2026-11-30 12:00:00Z",
              "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
              "2026-11-30T24:00:00Z", "2026-11-30T12:60:00Z", "2026-11-30T12:00:61Z",
              "2026-11-30T12:00:00+0900", "2026-11-30T12:00:00+24:00", "2026-11-30T12:00:00.Z",
              "1969-12-31T23:59:59Z", "1970-01-01T00:30:00+01:00", "+2026-11-30T12:00:00Z",
              "2026-11-30T12:00:00ZZ", "２０２６-11-30T12:00:00Z", "now", "1733000000"]
] + [
    ("posted_at a number", body([{**item(1), "posted_at": 1733000000}]), "invalid_request",
     "items[0].posted_at must be a string"),
    ("posted_at 2 days ahead",
     body([item(1, posted_at=(datetime.datetime.now(datetime.timezone.utc)
                              + datetime.timedelta(days=2)).isoformat())]),
     "invalid_request", "items[0].posted_at must not be more than a day in the future"),
]


@pytest.mark.parametrize("what,doc,code,part", BAD, ids=[b[0] for b in BAD])
def test_bad_imports_are_400_and_store_nothing(server, user, pg, what, doc, code, part):
    uid, auth = payer(user)
    r = send(server, auth, doc)
    err = assert_error(r, 400, code)
    assert part in err["message"], (what, err)
    assert state(pg, uid) == ([], [])


def test_a_bad_import_changes_nothing_already_there(server, user, pg):
    uid, auth = payer(user)
    assert send(server, auth, body([item(1), item(2)])).status_code == 200
    before = state(pg, uid)
    for doc in (body([item(1, "바뀐 글"), item(3, "가" * 2001)]),
                body([item(1, "바뀐 글"), item(1)]),
                body([item(1, "바뀐 글")], handle="")):
        assert send(server, auth, doc).status_code == 400
    assert state(pg, uid) == before


@pytest.mark.parametrize("data,code", [
    (b'{"channel":"instagram","handle":"\xff\xfe","items":[]}', "invalid_json"),
    (b'{"channel":"instagram","handle":"h","items":[{"external_id":"a","text":"\xed\xa0\x80",'
     b'"posted_at":"2026-11-30T12:00:00Z"}]}', "invalid_json"),          # a surrogate
    (b'{"channel":"instagram","handle":"h","items":[{"external_id":"\xc0\xaf","text":"t",'
     b'"posted_at":"2026-11-30T12:00:00Z"}]}', "invalid_json"),          # overlong
    (b'{"channel":"instagram","handle":"h","items":[', "invalid_json"),
    (b'{"channel":"instagram","handle":"h","items":[],}', "invalid_json"),
    (b"", "invalid_json"),
    (b"[]", "invalid_request"),
    (b'"instagram"', "invalid_request"),
    (b'{"channel":"instagram","handle":"h","items":[]} {}', "invalid_json"),
])
def test_bytes_that_are_not_a_good_json_object(server, user, pg, data, code):
    uid, auth = payer(user)
    r = send_raw(server, auth, data)
    assert_error(r, 400, code)
    assert state(pg, uid) == ([], [])


def test_not_json_is_415(server, user, pg):
    uid, auth = payer(user)
    r = send_raw(server, auth, json.dumps(body([item(1)])).encode(), ctype="text/plain")
    assert_error(r, 415, "unsupported_media_type")
    assert state(pg, uid) == ([], [])


def test_an_import_needs_a_valid_token(server, user, pg):
    before = pg.scalar("SELECT count(*) FROM user_sns_accounts")
    r = as_ip(server, "POST", IMPORT, json=body([item(1)]))
    assert_error(r, 401, "unauthorized")
    assert_invalid_token(as_ip(server, "POST", IMPORT, json=body([item(1)]),
                               headers=bearer("garbage.token.here")))
    uid, auth = payer(user)
    pg.query("UPDATE users SET is_active = false WHERE id = %s", (uid,))
    assert_invalid_token(as_ip(server, "POST", IMPORT, json=body([item(1)]), headers=auth))
    assert pg.scalar("SELECT count(*) FROM user_sns_accounts") == before
    # the channel list needs none
    assert as_ip(server, "GET", CHANNELS, headers=bearer("garbage.token.here")).status_code \
        == 200


def test_concurrent_identical_imports_store_once(server, user, pg):
    uid, auth = payer(user)
    posts = [item(n) for n in range(20)]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: send(server, auth, body(posts)), range(8)))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    assert sum(a.json()["imported"] for a in answers) == 20
    assert all(a.json()["updated"] == 0 for a in answers)
    assert all(a.json()["imported"] + a.json()["unchanged"] == 20 for a in answers)
    assert len(accounts(pg, uid)) == 1 and len(items_of(pg, uid)) == 20


# ---------------------------------------------------------------- the user's accounts

def test_accounts_list_and_unlink(server, user, pg):
    uid, auth = payer(user)
    r = server.get(ACCOUNTS, headers=auth)
    assert r.status_code == 200, r.text
    assert r.json() == {"items": []}
    send(server, auth, body([item(1), item(2)], channel="youtube", handle="허니TV"))
    send(server, auth, body([item(1)], channel="instagram"))
    r = server.get(ACCOUNTS, headers=auth)
    assert r.status_code == 200, r.text
    listed = r.json()["items"]
    assert [(a["channel"], a["handle"], a["item_count"]) for a in listed] == \
        [("instagram", "honey_daily", 1), ("youtube", "허니TV", 2)]      # channel order
    assert all(set(a) == ACCOUNT_KEYS for a in listed)
    assert [a["id"] for a in listed] == [str(i) for i, c, _, _, _ in
                                         sorted(accounts(pg, uid), key=lambda a: a[1])]
    assert all(a["created_at"].endswith("Z") for a in listed)
    also = server.get(ACCOUNTS + "/", headers=auth)
    assert also.status_code == 200 and also.json() == r.json()

    youtube = listed[1]["id"]
    r = delete(server, f"{ACCOUNTS}/{youtube}", headers=auth)
    assert r.status_code == 204, r.text
    assert r.content == b""
    assert [c for _, c, _, _, _ in accounts(pg, uid)] == ["instagram"]
    assert [c for c, *_ in items_of(pg, uid)] == ["instagram"]          # its items went too
    assert pg.scalar("SELECT count(*) FROM sns_items WHERE account_id = %s", (youtube,)) == 0
    assert_error(delete(server, f"{ACCOUNTS}/{youtube}", headers=auth), 404,
                 "sns_account_not_found")
    assert [a["channel"] for a in server.get(ACCOUNTS, headers=auth).json()["items"]] == \
        ["instagram"]
    # linking again makes a new account
    r = send(server, auth, body([item(1)], channel="youtube", handle="허니TV"))
    assert r.json()["imported"] == 1 and r.json()["account"]["id"] != youtube


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "1.5", "01x", "99999999999999999999",
                                 "9223372036854775807", "%20"])
def test_an_id_that_is_no_account_is_404(server, user, pg, bad):
    uid, auth = payer(user)
    send(server, auth, body([item(1)]))
    before = state(pg, uid)
    assert_error(delete(server, f"{ACCOUNTS}/{bad}", headers=auth), 404,
                 "sns_account_not_found")
    assert state(pg, uid) == before


def test_another_users_account_is_404_and_stays(server, user, pg):
    owner, owner_auth = payer(user)
    _, auth = payer(user)
    theirs = send(server, owner_auth, body([item(1)])).json()["account"]["id"]
    before = state(pg, owner)
    assert_error(delete(server, f"{ACCOUNTS}/{theirs}", headers=auth), 404,
                 "sns_account_not_found")
    assert state(pg, owner) == before
    assert server.get(ACCOUNTS, headers=auth).json() == {"items": []}


def test_accounts_need_a_signed_in_user(server, user, pg):
    uid, auth = payer(user)
    aid = send(server, auth, body([item(1)])).json()["account"]["id"]
    assert_error(as_ip(server, "GET", ACCOUNTS), 401, "unauthorized")
    assert_error(as_ip(server, "DELETE", f"{ACCOUNTS}/{aid}"), 401, "unauthorized")
    assert_invalid_token(as_ip(server, "DELETE", f"{ACCOUNTS}/{aid}",
                               headers=bearer("garbage.token.here")))
    assert len(accounts(pg, uid)) == 1
    assert_error(server.post(ACCOUNTS, headers=auth, json={}), 405, "method_not_allowed")
    assert_error(server.get(f"{ACCOUNTS}/{aid}", headers=auth), 405, "method_not_allowed")
