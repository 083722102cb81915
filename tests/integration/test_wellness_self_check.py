"""Self-check (seed 002) at /api/self-check, behind AuthType GameHoney: a
signed-in user's entries, newest first a page at a time, and new entries
within the documented ranges. A bad entry is a 400 that stores nothing."""
import json
import re

import pytest

from accounts_helpers import as_ip, assert_error, assert_invalid_token, bearer
from payments_helpers import payer

LIST = "/api/self-check"
SUBMIT = "/api/self-check/submit"
KEYS = {"id", "mood", "energy", "stress", "sleep_minutes", "note", "created_at"}
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
GOOD = {"mood": 4, "energy": 3, "stress": 2, "sleep_minutes": 420}


def rows(pg, uid):
    return pg.query("SELECT id, mood, energy, stress, sleep_minutes, note FROM self_check_entries "
                    "WHERE user_id = %s ORDER BY id", (uid,))


def submit(srv, auth, doc):
    return srv.post(SUBMIT, headers=auth, json=doc)


def test_submit_stores_the_entry_and_answers_201(server, user, pg):
    uid, auth = payer(user)
    r = submit(server, auth, {**GOOD, "note": "오늘은 산책을 했다.\n기분이 한결 나아졌다."})
    assert r.status_code == 201, r.text
    entry = r.json()
    assert set(entry) == KEYS
    [(eid, mood, energy, stress, sleep, note)] = rows(pg, uid)
    assert entry == {"id": str(eid), "mood": 4, "energy": 3, "stress": 2, "sleep_minutes": 420,
                     "note": "오늘은 산책을 했다.\n기분이 한결 나아졌다.",
                     "created_at": entry["created_at"]}
    assert (mood, energy, stress, sleep, note) == (4, 3, 2, 420, entry["note"])
    assert ISO.match(entry["created_at"])

    # the note is optional, null alike
    r = submit(server, auth, GOOD)
    assert r.status_code == 201 and r.json()["note"] is None
    r = submit(server, auth, {**GOOD, "note": None})
    assert r.status_code == 201 and r.json()["note"] is None
    assert [n for *_, n in rows(pg, uid)][1:] == [None, None]


@pytest.mark.parametrize("doc", [
    {"mood": 1, "energy": 1, "stress": 1, "sleep_minutes": 0},
    {"mood": 5, "energy": 5, "stress": 5, "sleep_minutes": 1440, "note": "가" * 500},
    {"mood": 3, "energy": 2, "stress": 4, "sleep_minutes": 300, "note": "😴" * 500},
])
def test_the_edges_of_the_ranges_are_accepted(server, user, pg, doc):
    uid, auth = payer(user)
    r = submit(server, auth, doc)
    assert r.status_code == 201, r.text
    assert {k: r.json()[k] for k in doc} == doc
    assert len(rows(pg, uid)) == 1


BAD = [
    ("empty", {}, "mood must be a whole number from 1 to 5"),
    ("no mood", {k: v for k, v in GOOD.items() if k != "mood"}, "mood must be"),
    ("no energy", {k: v for k, v in GOOD.items() if k != "energy"}, "energy must be"),
    ("no stress", {k: v for k, v in GOOD.items() if k != "stress"}, "stress must be"),
    ("no sleep", {k: v for k, v in GOOD.items() if k != "sleep_minutes"},
     "sleep_minutes must be a whole number from 0 to 1440"),
    ("extra field", {**GOOD, "user_id": 1}, "unknown field: user_id"),
    ("extra mood2", {**GOOD, "Mood": 3}, "unknown field: Mood"),
    ("mood 0", {**GOOD, "mood": 0}, "mood must be a whole number from 1 to 5"),
    ("mood 6", {**GOOD, "mood": 6}, "mood must be"),
    ("energy -1", {**GOOD, "energy": -1}, "energy must be"),
    ("stress 99", {**GOOD, "stress": 99}, "stress must be"),
    ("sleep -1", {**GOOD, "sleep_minutes": -1}, "sleep_minutes must be"),
    ("sleep 1441", {**GOOD, "sleep_minutes": 1441}, "sleep_minutes must be"),
    ("mood a string", {**GOOD, "mood": "4"}, "mood must be"),
    ("mood a float", {**GOOD, "mood": 4.0}, "mood must be"),
    ("mood a bool", {**GOOD, "mood": True}, "mood must be"),
    ("mood null", {**GOOD, "mood": None}, "mood must be"),
    ("sleep a list", {**GOOD, "sleep_minutes": [420]}, "sleep_minutes must be"),
    ("note too long", {**GOOD, "note": "가" * 501}, "note must be 1 to 500 characters"),
    ("note empty", {**GOOD, "note": ""}, "note must be 1 to 500"),
    ("note a number", {**GOOD, "note": 5}, "note must be a string"),
    ("note bell", {**GOOD, "note": "삐\u0007"}, "note must not contain control characters"),
    ("note escape", {**GOOD, "note": "\u001b[31m"}, "note must not contain control"),
    ("note NUL", {**GOOD, "note": "a\u0000b"}, "NUL"),
]


@pytest.mark.parametrize("what,doc,part", BAD, ids=[b[0] for b in BAD])
def test_bad_entries_are_400_and_store_nothing(server, user, pg, what, doc, part):
    uid, auth = payer(user)
    err = assert_error(submit(server, auth, doc), 400, "invalid_request")
    assert part in err["message"], (what, err)
    assert rows(pg, uid) == []


@pytest.mark.parametrize("data,ctype,status,code", [
    (b'{"mood":4,"energy":3,"stress":2,"sleep_minutes":420,"note":"\xff"}',
     "application/json", 400, "invalid_json"),
    (b'{"mood":4,"energy":3,"stress":2,"sleep_minutes":420,"note":"\xed\xbf\xbf"}',
     "application/json", 400, "invalid_json"),
    (b'{"mood":4,', "application/json", 400, "invalid_json"),
    (b'{"mood":4,"energy":3,"stress":2,"sleep_minutes":1e3}', "application/json", 400,
     "invalid_request"),
    (b'{"mood":99999999999999999999,"energy":3,"stress":2,"sleep_minutes":1}',
     "application/json", 400, "invalid_json"),
    (b"[4,3,2,420]", "application/json", 400, "invalid_request"),
    (b"null", "application/json", 400, "invalid_request"),
    (json.dumps(GOOD).encode(), "text/plain", 415, "unsupported_media_type"),
])
def test_bytes_that_are_not_a_good_entry(server, user, pg, data, ctype, status, code):
    uid, auth = payer(user)
    r = server.post(SUBMIT, headers={**auth, "Content-Type": ctype}, data=data)
    assert_error(r, status, code)
    assert rows(pg, uid) == []


def test_the_list_is_the_users_own_newest_first_a_page_at_a_time(server, user, pg):
    uid, auth = payer(user)
    other, other_auth = payer(user)
    assert server.get(LIST, headers=auth).json() == {"items": [], "next_cursor": None}
    made = [submit(server, auth, {**GOOD, "mood": 1 + n % 5, "note": f"{n}번째"}).json()
            for n in range(7)]
    submit(server, other_auth, GOOD)

    r = server.get(LIST, headers=auth)
    assert r.status_code == 200, r.text
    assert r.json() == {"items": made[::-1], "next_cursor": None}

    seen, cursor = [], None
    while True:
        r = server.get(LIST, headers=auth, params={"limit": 3, **({"cursor": cursor} if cursor
                                                                  else {})})
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["items"]) <= 3 and all(set(e) == KEYS for e in page["items"])
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == made[::-1]
    assert [e["id"] for e in seen] == [str(i) for i, *_ in rows(pg, uid)][::-1]
    assert len(server.get(LIST, headers=other_auth).json()["items"]) == 1


@pytest.mark.parametrize("query,part", [
    ("limit=0", "limit must be a whole number from 1 to 100"),
    ("limit=101", "limit must be"),
    ("limit=abc", "limit must be"),
    ("limit=1&limit=2", "limit"),
    ("cursor=garbage", "cursor must be a next_cursor this list gave"),
    ("cursor=", "cursor must be"),
])
def test_bad_pages_are_400(server, user, query, part):
    _, auth = payer(user)
    r = server.get(LIST + "?" + query, headers=auth)
    assert r.status_code == 400, r.text
    assert part in r.json()["message"]


def test_bad_query_bytes_are_400(server, user):
    _, auth = payer(user)
    r = server.get(LIST + "?cursor=%ff", headers=auth)
    assert_error(r, 400, "bad_query")


def test_self_check_needs_a_signed_in_user(server, user, pg):
    before = pg.scalar("SELECT count(*) FROM self_check_entries")
    assert_error(as_ip(server, "GET", LIST), 401, "unauthorized")
    assert_error(as_ip(server, "POST", SUBMIT, json=GOOD), 401, "unauthorized")
    assert_invalid_token(as_ip(server, "POST", SUBMIT, json=GOOD,
                               headers=bearer("garbage.token.here")))
    uid, auth = payer(user)
    pg.query("UPDATE users SET is_active = false WHERE id = %s", (uid,))
    assert_invalid_token(as_ip(server, "POST", SUBMIT, json=GOOD, headers=auth))
    assert pg.scalar("SELECT count(*) FROM self_check_entries") == before


def test_other_methods_and_paths(server, user, pg):
    uid, auth = payer(user)
    assert_error(server.get(SUBMIT, headers=auth), 405, "method_not_allowed")
    assert_error(server.post(LIST, headers=auth, json=GOOD), 405, "method_not_allowed")
    assert_error(server.get(LIST + "/1", headers=auth), 404, "not_found")
    assert rows(pg, uid) == []
