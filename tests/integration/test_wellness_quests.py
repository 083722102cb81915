"""Quests (modules/area_quests.c, sql/011_wellness_quests.sql): the current
quests made once per user, template and period however many first reads
race, progress capped at the target, a reward paid exactly once through the
ledger however many completions race, 404 for ids that are not the user's
and 409 for quests that cannot move, each checked in the database too."""
import concurrent.futures

import pytest
import requests

from accounts_helpers import assert_error, bearer, forge_session
from payments_helpers import assert_consistent, balance, ledger, payer
from quests_helpers import (CODES, QUEST_KEYS, complete, expire, periods, progress, quest_of,
                            quest_row, quests, ready, user_quest_count)


def test_the_first_read_makes_the_current_quests(server, user, pg):
    uid, auth = payer(user)
    assert user_quest_count(pg, uid) == 0
    items = quests(server, auth)
    assert [q["code"] for q in items] == CODES
    now = periods()
    for q in items:
        assert set(q) == QUEST_KEYS
        assert isinstance(q["id"], str) and q["id"].isdigit()
        assert (q["period_start"], q["period_end"]) == now[q["period"]]
        assert q["progress"] == 0 and q["status"] == "in_progress" and q["completed_at"] is None
        assert isinstance(q["target"], int) and isinstance(q["reward_points"], int)
    assert items[0]["title"] == "물 마시기" and items[0]["target"] == 8
    assert user_quest_count(pg, uid) == len(CODES)
    # a second read makes nothing and shows the same quests
    assert quests(server, auth) == items
    assert user_quest_count(pg, uid) == len(CODES)


def test_concurrent_first_reads_make_one_quest_per_template_and_period(server, user, pg):
    uid, auth = payer(user)

    def read(_):
        with requests.Session() as s:
            r = s.get(server.url + "/api/quests", headers=auth, timeout=30)
            return r.status_code, sorted(q["id"] for q in r.json()["items"])

    with concurrent.futures.ThreadPoolExecutor(30) as pool:
        answers = list(pool.map(read, range(30)))
    assert {status for status, _ in answers} == {200}
    assert len({tuple(ids) for _, ids in answers}) == 1
    assert len(answers[0][1]) == len(CODES)
    assert pg.query("SELECT count(*), count(DISTINCT (template_id, period_start)) "
                    "FROM user_quests WHERE user_id = %s", (uid,)) == [(len(CODES), len(CODES))]


def test_progress_adds_and_is_capped_at_the_target(server, user, pg):
    uid, auth = payer(user)
    q = quest_of(server, auth, "water")
    r = progress(server, auth, q["id"], amount=3)
    assert r.status_code == 200, r.text
    assert r.json() == {**q, "progress": 3}
    assert quest_row(pg, q["id"])[:2] == (uid, 3)
    # no body, or {}: one step
    r = server.post(f"/api/quests/{q['id']}/progress", headers=auth)
    assert r.status_code == 200 and r.json()["progress"] == 4, r.text
    r = progress(server, auth, q["id"])
    assert r.status_code == 200 and r.json()["progress"] == 5, r.text
    r = progress(server, auth, q["id"], amount=1000)
    assert r.status_code == 200, r.text
    assert r.json()["progress"] == 8 and r.json()["status"] == "ready"
    assert quest_row(pg, q["id"])[1:4] == (8, 8, False)
    # a ready quest may take more steps; it stays at its target
    r = progress(server, auth, q["id"], amount=1)
    assert r.status_code == 200 and r.json()["progress"] == 8, r.text
    assert quest_of(server, auth, "water")["status"] == "ready"


BAD_BODIES = [
    ({"amount": 0}, "amount"), ({"amount": -1}, "amount"), ({"amount": 1001}, "amount"),
    ({"amount": "1"}, "amount"), ({"amount": 1.5}, "amount"), ({"amount": True}, "amount"),
    ({"amount": None}, "amount"), ({"amount": [1]}, "amount"), ({"amount": {"n": 1}}, "amount"),
    ({"amount": 1, "note": "x"}, "unknown field: note"), ({"id": "1"}, "unknown field: id"),
    ([1], "JSON object"), ("1", "JSON object"),
]


@pytest.mark.parametrize("body,says", BAD_BODIES, ids=[repr(b)[:24] for b, _ in BAD_BODIES])
def test_bad_progress_bodies_are_400_and_change_nothing(server, user, pg, body, says):
    _, auth = payer(user)
    q = quest_of(server, auth, "water")
    r = server.post(f"/api/quests/{q['id']}/progress", headers=auth, json=body)
    assert says in assert_error(r, 400, "invalid_request")["message"]
    assert quest_row(pg, q["id"])[1] == 0


@pytest.mark.parametrize("raw,code", [(b"{", "invalid_json"), (b"amount=1", "invalid_json"),
                                      (b'{"amount": 1e3}', "invalid_request"),
                                      (b'{"amount": 99999999999999999999}', "invalid_json")])
def test_malformed_progress_bodies_are_400(server, user, pg, raw, code):
    _, auth = payer(user)
    q = quest_of(server, auth, "water")
    r = server.post(f"/api/quests/{q['id']}/progress", data=raw,
                    headers={**auth, "Content-Type": "application/json"})
    assert_error(r, 400, code)
    assert quest_row(pg, q["id"])[1] == 0


def test_a_body_that_is_not_json_is_415(server, user, pg):
    _, auth = payer(user)
    q = quest_of(server, auth, "water")
    r = server.post(f"/api/quests/{q['id']}/progress", data="amount=1",
                    headers={**auth, "Content-Type": "application/x-www-form-urlencoded"})
    assert_error(r, 415, "unsupported_media_type")
    assert quest_row(pg, q["id"])[1] == 0


@pytest.mark.parametrize("qid", ["abc", "0", "-1", "1.0", "%201", "01x",
                                 "99999999999999999999", "9223372036854775807"])
@pytest.mark.parametrize("action", ["progress", "complete"])
def test_ids_that_name_no_quest_are_404(server, user, qid, action):
    _, auth = payer(user)
    r = server.post(f"/api/quests/{qid}/{action}", headers=auth, json={})
    assert_error(r, 404, "quest_not_found")


@pytest.mark.parametrize("action", ["progress", "complete"])
def test_another_users_quest_is_404_and_untouched(server, user, pg, action):
    _, owner = payer(user)
    q = ready(server, owner)
    other_uid, other = payer(user)
    r = server.post(f"/api/quests/{q['id']}/{action}", headers=other, json={})
    assert_error(r, 404, "quest_not_found")
    assert quest_row(pg, q["id"])[1:4] == (1, 1, False)
    assert balance(pg, other_uid) == 0 and ledger(pg, other_uid) == []


def test_complete_pays_the_reward_once(server, user, pg):
    uid, auth = payer(user)
    q = quest_of(server, auth, "gratitude")
    r = complete(server, auth, q["id"])
    assert_error(r, 409, "quest_not_ready")
    assert quest_row(pg, q["id"])[3:] == (False, None) and ledger(pg, uid) == []

    ready(server, auth, "gratitude")
    r = complete(server, auth, q["id"])
    assert r.status_code == 200, r.text
    assert "Idempotency-Replayed" not in r.headers
    body = r.json()
    assert set(body) == {"quest", "reward"}
    assert body["quest"]["status"] == "completed" and body["quest"]["progress"] == 1
    assert body["quest"]["completed_at"].endswith("Z")
    [entry] = ledger(pg, uid)
    assert body["reward"] == {"ledger_id": str(entry["id"]), "amount": q["reward_points"],
                              "remaining_points": q["reward_points"]}
    assert (entry["delta"], entry["source_type"], entry["source_id"], entry["reason"],
            entry["actor"]) == (q["reward_points"], "quest", q["id"], "quest reward", str(uid))
    assert quest_row(pg, q["id"])[3:] == (True, entry["id"])
    assert balance(pg, uid) == q["reward_points"]

    # again: the same answer, nothing paid
    r = complete(server, auth, q["id"])
    assert r.status_code == 200, r.text
    assert r.headers["Idempotency-Replayed"] == "true"
    assert r.json() == body
    assert len(ledger(pg, uid)) == 1 and balance(pg, uid) == q["reward_points"]
    # a completed quest takes no more progress
    assert_error(progress(server, auth, q["id"], amount=1), 409, "quest_completed")
    assert quest_of(server, auth, "gratitude")["status"] == "completed"
    assert_consistent(pg)


def test_complete_takes_no_fields(server, user, pg):
    uid, auth = payer(user)
    q = ready(server, auth)
    r = server.post(f"/api/quests/{q['id']}/complete", headers=auth, json={"amount": 1})
    assert "unknown field: amount" in assert_error(r, 400, "invalid_request")["message"]
    r = server.post(f"/api/quests/{q['id']}/complete", headers=auth, json=[])
    assert_error(r, 400, "invalid_request")
    assert quest_row(pg, q["id"])[3] is False and ledger(pg, uid) == []
    r = server.post(f"/api/quests/{q['id']}/complete", headers=auth, json={})
    assert r.status_code == 200, r.text


def test_an_expired_quest_is_409_and_a_new_one_takes_its_place(server, user, pg):
    uid, auth = payer(user)
    old = ready(server, auth, "walk")
    weekly = quest_of(server, auth, "weekly_walk")
    expire(pg, old["id"])
    expire(pg, weekly["id"])
    assert_error(progress(server, auth, old["id"], amount=1), 409, "quest_expired")
    assert_error(complete(server, auth, old["id"]), 409, "quest_expired")
    assert_error(progress(server, auth, weekly["id"], amount=1), 409, "quest_expired")
    assert quest_row(pg, old["id"])[1:4] == (1, 1, False)
    assert ledger(pg, uid) == []
    # the current period gets a fresh quest of each template
    items = quests(server, auth)
    assert [q["code"] for q in items] == CODES
    now = {q["code"]: q for q in items}
    assert now["walk"]["id"] != old["id"] and now["walk"]["progress"] == 0
    assert now["weekly_walk"]["id"] != weekly["id"]
    assert user_quest_count(pg, uid) == len(CODES) + 2


def test_fifty_concurrent_completions_pay_once(server, user, pg):
    uid, auth = payer(user)
    q = ready(server, auth, "self_check")

    def go(_):
        with requests.Session() as s:
            r = s.post(f"{server.url}/api/quests/{q['id']}/complete", headers=auth, timeout=60)
            return r.status_code, r.headers.get("Idempotency-Replayed"), r.json()

    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(go, range(50)))
    assert {status for status, _, _ in answers} == {200}, answers[:3]
    assert [replayed for _, replayed, _ in answers].count(None) == 1
    assert len({body["reward"]["ledger_id"] for _, _, body in answers}) == 1
    assert pg.scalar("SELECT count(*) FROM point_ledger WHERE source_type = 'quest' "
                     "AND source_id = %s", (q["id"],)) == 1
    assert balance(pg, uid) == q["reward_points"]
    assert len(ledger(pg, uid)) == 1
    assert_consistent(pg)


def test_history_pages_the_completed_quests_newest_first(server, user, pg):
    uid, auth = payer(user)
    r = server.get("/api/quest-history", headers=auth)
    assert r.status_code == 200 and r.json() == {"items": [], "next_cursor": None}, r.text
    done = []
    for code in ("walk", "gratitude", "self_check"):
        q = ready(server, auth, code)
        assert complete(server, auth, q["id"]).status_code == 200
        done.append(q["id"])
    ready(server, auth, "weekly_psy")         # ready, not completed: not history
    r = server.get("/api/quest-history?limit=2", headers=auth)
    assert r.status_code == 200, r.text
    page = r.json()
    assert [q["id"] for q in page["items"]] == done[::-1][:2]
    assert all(q["status"] == "completed" for q in page["items"])
    assert isinstance(page["next_cursor"], str)
    r = server.get(f"/api/quest-history?limit=2&cursor={page['next_cursor']}", headers=auth)
    assert r.status_code == 200, r.text
    assert [q["id"] for q in r.json()["items"]] == done[:1]
    assert r.json()["next_cursor"] is None
    # an expired quest completed in its time stays in history
    expire(pg, done[0])
    r = server.get("/api/quest-history", headers=auth)
    assert [q["id"] for q in r.json()["items"]] == done[::-1]
    assert r.json()["items"][-1]["status"] == "completed"
    # nobody else's
    _, other = payer(user)
    r = server.get("/api/quest-history", headers=other)
    assert r.json() == {"items": [], "next_cursor": None}
    assert pg.scalar("SELECT count(*) FROM user_quests WHERE user_id = %s "
                     "AND completed_at IS NOT NULL", (uid,)) == 3


@pytest.mark.parametrize("query,says", [("limit=0", "limit"), ("limit=101", "limit"),
                                        ("limit=x", "limit"), ("cursor=nope", "cursor"),
                                        ("limit=1&limit=2", "limit")])
def test_bad_history_queries_are_400(server, user, query, says):
    _, auth = payer(user)
    r = server.get("/api/quest-history?" + query, headers=auth)
    assert r.status_code == 400, r.text
    assert says in r.json()["message"]


def test_quests_need_a_signed_in_user(server, user, pg):
    for method, path in [("GET", "/api/quests"), ("POST", "/api/quests/1/progress"),
                         ("POST", "/api/quests/1/complete"), ("GET", "/api/quest-history")]:
        r = server.request(method, path, json={})
        assert r.status_code == 401, (path, r.text)
        assert r.json()["error"] in ("unauthorized", "invalid_token")
    r = server.get("/api/quests", headers=bearer("not-a-token"))
    assert r.status_code == 401


def test_wrong_methods_and_paths(server, user):
    _, auth = payer(user)
    r = server.get("/api/quests/1/complete", headers=auth)
    assert_error(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "POST"
    r = server.post("/api/quests", headers=auth, json={})
    assert_error(r, 405, "method_not_allowed")
    assert_error(server.get("/api/quests/1", headers=auth), 404, "not_found")
    assert_error(server.post("/api/quests/1/reset", headers=auth, json={}), 404, "not_found")


def test_a_disabled_user_gets_no_quests(server, user, pg):
    uid, auth = payer(user)
    pg.query("UPDATE users SET is_active = false WHERE id = %s", (uid,))
    assert_error(server.get("/api/quests", headers=auth), 401, "invalid_token")
    assert user_quest_count(pg, uid) == 0


def test_only_active_templates_make_quests(server, user, pg):
    uid, auth = payer(user)
    pg.query("UPDATE quest_templates SET is_active = false WHERE code = 'weekly_psy'")
    try:
        assert [q["code"] for q in quests(server, auth)] == CODES[:-1]
        assert user_quest_count(pg, uid) == len(CODES) - 1
    finally:
        pg.query("UPDATE quest_templates SET is_active = true WHERE code = 'weekly_psy'")
    # the next read makes the one missing, and only it
    assert [q["code"] for q in quests(server, auth)] == CODES
    assert user_quest_count(pg, uid) == len(CODES)
