"""Home (modules/area_home.c, wellness_home in sql/011_wellness_quests.sql):
one call gives the user's summary, balance, current quests (made when
missing, as GET /api/quests shows them), the latest analysis result's
summary or null, and the unread counts."""
import pytest

from accounts_helpers import assert_error, bearer, forge_session
from payments_helpers import grant, payer
from quests_helpers import CODES, complete, quests, ready, user_quest_count

KEYS = {"user", "points", "quests", "latest_result", "unread"}
# A draft version of its own: analysis_results needs one, and a draft is
# never served (sql/012 owns the published ones).
VERSION = 900


def home(srv, auth):
    r = srv.get("/api/home", headers=auth)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/json"
    assert set(r.json()) == KEYS
    return r.json()


def add_result(pg, uid, name, viewed=False):
    pg.query("INSERT INTO psy_versions (version, title) VALUES (%s, 'home test') "
             "ON CONFLICT DO NOTHING", (VERSION,))
    return pg.scalar(
        "INSERT INTO analysis_results (user_id, version, character_name, character_image_url,"
        " summary, coaching_tips, tendency_extraversion, tendency_openness,"
        " tendency_conscientiousness, tendency_agreeableness, tendency_stability,"
        " preference_activity, preference_social, preference_creative, viewed_at)"
        " VALUES (%s, %s, %s, 'https://example.com/c.png', %s, '천천히 쉬어 가세요.',"
        " 50, 60, 70, 80, 40, 30, 20, 10, CASE WHEN %s THEN now() END) RETURNING id",
        (uid, VERSION, name, name + "의 요약입니다.", viewed))


def test_home_of_a_new_user(server, user, pg):
    _, uid = user(subs=0, tokens=0, age=29, gender="female", picture="https://example.com/p.png")
    auth = bearer(forge_session(sub=str(uid)))
    assert user_quest_count(pg, uid) == 0
    body = home(server, auth)
    assert body["user"] == {"id": str(uid), "name": "홍길동", "email": pg.scalar(
        "SELECT email FROM users WHERE id = %s", (uid,)), "picture": "https://example.com/p.png",
        "age": 29, "gender": "female"}
    assert body["points"] == {"remaining_points": 0}
    assert [q["code"] for q in body["quests"]] == CODES
    assert body["latest_result"] is None
    assert body["unread"] == {"analysis_results": 0, "quests_ready": 0}
    # home made the quests: /api/quests shows the same ones, and makes none
    assert user_quest_count(pg, uid) == len(CODES)
    assert quests(server, auth) == body["quests"]
    assert user_quest_count(pg, uid) == len(CODES)


def test_home_without_age_or_gender_shows_nulls(server, user):
    uid, auth = payer(user)
    body = home(server, auth)
    assert body["user"]["age"] is None and body["user"]["gender"] is None
    assert body["user"]["picture"] is None and body["user"]["id"] == str(uid)


def test_home_shows_the_balance(server, user, pg):
    uid, auth = payer(user)
    grant(pg, uid, 1234)
    assert home(server, auth)["points"] == {"remaining_points": 1234}


def test_home_shows_the_latest_result_and_counts_the_unread(server, user, pg):
    uid, auth = payer(user)
    first = add_result(pg, uid, "차분한 부엉이")
    latest = add_result(pg, uid, "활발한 다람쥐")
    body = home(server, auth)
    result = body["latest_result"]
    assert set(result) == {"id", "character_name", "character_image_url", "summary",
                           "created_at"}
    assert result["id"] == str(latest) and result["character_name"] == "활발한 다람쥐"
    assert result["summary"] == "활발한 다람쥐의 요약입니다."
    assert result["character_image_url"] == "https://example.com/c.png"
    assert result["created_at"].endswith("Z") and "T" in result["created_at"]
    assert body["unread"]["analysis_results"] == 2
    pg.query("UPDATE analysis_results SET viewed_at = now() WHERE id = %s", (first,))
    assert home(server, auth)["unread"]["analysis_results"] == 1
    add_result(pg, uid, "읽은 결과", viewed=True)
    body = home(server, auth)
    assert body["unread"]["analysis_results"] == 1
    assert body["latest_result"]["character_name"] == "읽은 결과"
    # another user's results are not this one's
    _, other = payer(user)
    body = home(server, other)
    assert body["latest_result"] is None and body["unread"]["analysis_results"] == 0


def test_home_counts_the_quests_ready_to_complete(server, user, pg):
    uid, auth = payer(user)
    assert home(server, auth)["unread"]["quests_ready"] == 0
    walk = ready(server, auth, "walk")
    ready(server, auth, "gratitude")
    body = home(server, auth)
    assert body["unread"]["quests_ready"] == 2
    assert {q["code"]: q["status"] for q in body["quests"]}["walk"] == "ready"
    assert complete(server, auth, walk["id"]).status_code == 200
    body = home(server, auth)
    assert body["unread"]["quests_ready"] == 1
    assert body["points"]["remaining_points"] == walk["reward_points"]
    assert {q["code"]: q["status"] for q in body["quests"]}["walk"] == "completed"


def test_home_needs_a_signed_in_user(server, user, pg):
    r = server.get("/api/home")
    assert r.status_code == 401, r.text
    assert_error(server.get("/api/home", headers=bearer("x.y.z")), 401, "invalid_token")
    uid, auth = payer(user)
    pg.query("UPDATE users SET is_active = false WHERE id = %s", (uid,))
    assert_error(server.get("/api/home", headers=auth), 401, "invalid_token")
    assert user_quest_count(pg, uid) == 0


@pytest.mark.parametrize("method,path,status", [("POST", "/api/home", 405),
                                                ("GET", "/api/home/x", 404)])
def test_home_takes_only_get(server, user, method, path, status):
    _, auth = payer(user)
    r = server.request(method, path, headers=auth, json={})
    assert r.status_code == status, r.text
