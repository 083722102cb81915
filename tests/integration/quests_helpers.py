"""Shared helpers of the quest and home tests (sql/011_wellness_quests.sql):
the current periods in Asia/Seoul, a user's quests as the API and the
database see them, and a quest pushed to its target."""
import datetime
import zoneinfo

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
CODES = ["water", "walk", "gratitude", "self_check", "weekly_walk", "weekly_psy"]
QUEST_KEYS = {"id", "code", "title", "description", "period", "period_start", "period_end",
              "progress", "target", "reward_points", "status", "completed_at"}


def periods():
    """Today's and this ISO week's (start, end) in Asia/Seoul, as ISO dates."""
    today = datetime.datetime.now(SEOUL).date()
    week = today - datetime.timedelta(days=today.isoweekday() - 1)
    return ({"daily": (today.isoformat(), (today + datetime.timedelta(days=1)).isoformat()),
             "weekly": (week.isoformat(), (week + datetime.timedelta(days=7)).isoformat())})


def quests(srv, auth):
    r = srv.get("/api/quests", headers=auth)
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"items"}
    return r.json()["items"]


def quest_of(srv, auth, code):
    return next(q for q in quests(srv, auth) if q["code"] == code)


def quest_row(pg, qid):
    """(user_id, progress, target, completed_at IS NOT NULL, ledger_id)."""
    return pg.query("SELECT user_id, progress, target, completed_at IS NOT NULL, ledger_id "
                    "FROM user_quests WHERE id = %s", (int(qid),))[0]


def user_quest_count(pg, uid):
    return pg.scalar("SELECT count(*) FROM user_quests WHERE user_id = %s", (uid,))


def progress(srv, auth, qid, **body):
    return srv.post(f"/api/quests/{qid}/progress", headers=auth, json=body)


def complete(srv, auth, qid):
    return srv.post(f"/api/quests/{qid}/complete", headers=auth)


def ready(srv, auth, code="walk"):
    """The user's quest `code`, pushed to its target: its JSON."""
    q = quest_of(srv, auth, code)
    r = progress(srv, auth, q["id"], amount=q["target"])
    assert r.status_code == 200 and r.json()["status"] == "ready", r.text
    return r.json()


def expire(pg, qid):
    """Moves a quest's period into the past (yesterday in Seoul, or last week)."""
    pg.query("UPDATE user_quests SET period_start = period_start - (period_end - period_start), "
             "period_end = period_start WHERE id = %s", (int(qid),))
