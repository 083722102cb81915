"""The psychology test and its analysis results (modules/area_analysis.c,
gh_psy.c, gh_psy_model.c, sql/012_wellness_psy.sql): the question set,
submissions scored and stored once per submission id, and the owner's
results. Scores are checked against a reference of the README's model,
computed here from the weights in the database."""
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from accounts_helpers import assert_error, bearer, forge_session

QUESTIONS = "/api/psy-test/questions"
SUBMIT = "/api/psy-test/submit"
RESULTS = "/api/analysis-results/"
DIMS = ["tendency_extraversion", "tendency_openness", "tendency_conscientiousness",
        "tendency_agreeableness", "tendency_stability", "preference_activity",
        "preference_social", "preference_creative"]
LABELS = dict(zip(DIMS, ["외향성", "개방성", "성실성", "친화성", "정서 안정성",
                         "활동 선호", "사교 선호", "창작 선호"]))
RESULT_KEYS = {"id", "version", "character_name", "character_image_url", "summary",
               "coaching_tips", "scores", "created_at"}


def person(user):
    _, uid = user(subs=0, tokens=0)
    return uid, bearer(forge_session(sub=str(uid)))


def sid():
    return "t-" + uuid.uuid4().hex


def version_set(pg, version):
    """{question id: {option id: {dimension: weight}}} of a version."""
    out = {}
    for q, o in pg.query("SELECT q.id, o.id FROM psy_questions q JOIN psy_options o"
                         " ON o.question_id = q.id WHERE q.version = %s", (version,)):
        out.setdefault(q, {})[o] = {}
    for q, o, d, w in pg.query(
            "SELECT q.id, o.id, w.dimension, w.weight FROM psy_option_weights w"
            " JOIN psy_options o ON o.id = w.option_id JOIN psy_questions q"
            " ON q.id = o.question_id WHERE q.version = %s", (version,)):
        out[q][o][d] = w
    return out


def reference(pg, version, picks):
    """The README's model: scores, the character's dimension."""
    qs = version_set(pg, version)
    scores = {}
    for d in DIMS:
        lo = sum(min(opts[o].get(d, 0) for o in opts) for opts in qs.values())
        hi = sum(max(opts[o].get(d, 0) for o in opts) for opts in qs.values())
        raw = sum(qs[q][o].get(d, 0) for q, o in picks)
        # round half up, in integers
        scores[d] = 50 if hi == lo else (200 * (raw - lo) + (hi - lo)) // (2 * (hi - lo))
    top = max(DIMS[:5], key=lambda d: (scores[d], -DIMS.index(d)))
    return scores, top


def picks_of(body, choose=lambda i, opts: opts[i % len(opts)]):
    return [(int(q["id"]), int(choose(i, q["options"])["id"]))
            for i, q in enumerate(body["questions"])]


def answers(picks, as_text=True):
    f = str if as_text else int
    return [{"question_id": f(q), "option_id": f(o)} for q, o in picks]


def rows(pg, uid):
    return (pg.scalar("SELECT count(*) FROM psy_test_sessions WHERE user_id = %s", (uid,)),
            pg.scalar("SELECT count(*) FROM psy_answers a JOIN psy_test_sessions s"
                      " ON s.id = a.session_id WHERE s.user_id = %s", (uid,)),
            pg.scalar("SELECT count(*) FROM analysis_results WHERE user_id = %s", (uid,)))


def current(srv, auth):
    r = srv.get(QUESTIONS, headers=auth)
    assert r.status_code == 200, r.text
    return r.json()


def submit(srv, auth, body):
    return srv.post(SUBMIT, headers=auth, json=body)


def test_questions_are_version_1_without_weights(server, user, pg):
    _, auth = person(user)
    body = current(server, auth)
    assert set(body) == {"version", "title", "questions"}
    assert body["version"] == pg.scalar(
        "SELECT max(version) FROM psy_versions WHERE published_at IS NOT NULL")
    if body["version"] != 1:
        pytest.skip("a later version is published in this session")
    assert body["title"] == "나의 성향 알아보기"
    assert len(body["questions"]) == 10
    assert [q["order"] for q in body["questions"]] == list(range(1, 11))
    for q in body["questions"]:
        assert set(q) == {"id", "order", "text", "options"}
        assert isinstance(q["id"], str) and q["text"]
        assert 3 <= len(q["options"]) <= 4
        assert [o["order"] for o in q["options"]] == list(range(1, len(q["options"]) + 1))
        for o in q["options"]:
            assert set(o) == {"id", "order", "text"}      # no weights
    assert body["questions"][0]["text"] == "주말에 갑자기 자유 시간이 생기면 무엇을 하고 싶나요?"
    # the same set twice (the second from the child's cache)
    assert current(server, auth) == body


def test_every_route_needs_a_user(server):
    for method, path in [("GET", QUESTIONS), ("POST", SUBMIT), ("GET", RESULTS + "1")]:
        r = server.request(method, path, json={})
        assert r.status_code == 401, (path, r.text)
    r = server.request("GET", QUESTIONS, headers=bearer("not-a-token"))
    assert r.status_code == 401


def test_submit_scores_stores_and_reads_back(server, user, pg):
    uid, auth = person(user)
    qs = current(server, auth)
    picks = picks_of(qs)
    key = sid()
    r = submit(server, auth, {"client_submission_id": key, "answers": answers(picks)})
    assert r.status_code == 201, r.text
    assert "Idempotency-Replayed" not in r.headers
    res = r.json()
    assert set(res) == RESULT_KEYS
    scores, top = reference(pg, qs["version"], picks)
    assert res["scores"] == scores
    assert res["version"] == qs["version"]
    name, image, summary = pg.query(
        "SELECT name, image_url, summary FROM psy_characters WHERE version = %s"
        " AND dimension = %s", (qs["version"], top))[0]
    assert res["character_name"] == name and res["character_image_url"] == image
    assert res["character_image_url"].startswith("/static/characters/")
    # the template filled: no placeholder left, the top dimension named
    assert "{" not in res["summary"] and "{" not in res["coaching_tips"]
    assert name in res["summary"] and LABELS[top] in res["summary"]
    assert f"{scores[top]}점" in res["summary"]
    assert summary.startswith("{name}")
    assert res["created_at"].endswith("Z")

    assert rows(pg, uid) == (1, 10, 1)
    db = pg.query("SELECT s.submission_id, s.version, r.id::text, r.viewed_at IS NULL, "
                  + ", ".join("r." + d for d in DIMS) +
                  " FROM psy_test_sessions s JOIN analysis_results r ON r.session_id = s.id"
                  " WHERE s.user_id = %s", (uid,))[0]
    assert db[:4] == (key, qs["version"], res["id"], True)
    assert list(db[4:]) == [scores[d] for d in DIMS]
    stored = pg.query("SELECT a.question_id, a.option_id FROM psy_answers a"
                      " JOIN psy_test_sessions s ON s.id = a.session_id WHERE s.user_id = %s"
                      " ORDER BY a.question_id", (uid,))
    assert [tuple(x) for x in stored] == sorted(picks)

    r = server.get(RESULTS + res["id"], headers=auth)
    assert r.status_code == 200, r.text
    assert r.json() == res
    viewed = pg.scalar("SELECT viewed_at FROM analysis_results WHERE id = %s", (res["id"],))
    assert viewed is not None
    r = server.get(RESULTS + res["id"], headers=auth)       # a second read keeps the first
    assert r.status_code == 200 and r.json() == res
    assert pg.scalar("SELECT viewed_at FROM analysis_results WHERE id = %s",
                     (res["id"],)) == viewed


@pytest.mark.parametrize("choice", ["first", "last", "alternate"])
def test_scores_follow_the_model(server, user, pg, choice):
    uid, auth = person(user)
    qs = current(server, auth)
    choose = {"first": lambda i, o: o[0], "last": lambda i, o: o[-1],
              "alternate": lambda i, o: o[(i * 7) % len(o)]}[choice]
    picks = picks_of(qs, choose)
    # ids as JSON integers, and session_id for the submission id
    r = submit(server, auth, {"session_id": sid(), "answers": answers(picks[::-1], False)})
    assert r.status_code == 201, r.text
    scores, top = reference(pg, qs["version"], picks)
    assert r.json()["scores"] == scores
    assert r.json()["character_name"] == pg.scalar(
        "SELECT name FROM psy_characters WHERE version = %s AND dimension = %s",
        (qs["version"], top))
    assert all(0 <= v <= 100 for v in scores.values())
    assert rows(pg, uid) == (1, 10, 1)


def test_resubmission_is_the_same_result(server, user, pg):
    uid, auth = person(user)
    picks = picks_of(current(server, auth))
    body = {"client_submission_id": sid(), "answers": answers(picks)}
    first = submit(server, auth, body)
    assert first.status_code == 201, first.text
    # the same answers in another order, ids as integers: the same submission
    again = submit(server, auth, {"client_submission_id": body["client_submission_id"],
                                  "answers": answers(picks[::-1], False)})
    assert again.status_code == 200, again.text
    assert again.headers["Idempotency-Replayed"] == "true"
    assert again.json() == first.json()
    assert rows(pg, uid) == (1, 10, 1)
    # as session_id too
    again = submit(server, auth, {"session_id": body["client_submission_id"],
                                  "answers": body["answers"]})
    assert again.status_code == 200 and again.json() == first.json()
    # other answers under the same id: 409, nothing stored
    other = [(q, o) for q, o in picks]
    q0 = current(server, auth)["questions"][0]
    other[0] = (other[0][0], int(next(o["id"] for o in q0["options"]
                                      if int(o["id"]) != other[0][1])))
    r = submit(server, auth, {"client_submission_id": body["client_submission_id"],
                              "answers": answers(other)})
    assert_error(r, 409, "submission_reused")
    assert rows(pg, uid) == (1, 10, 1)
    # another user may use the same id: a submission of their own
    uid2, auth2 = person(user)
    r = submit(server, auth2, body)
    assert r.status_code == 201, r.text
    assert r.json()["id"] != first.json()["id"]
    assert rows(pg, uid2) == (1, 10, 1)
    assert rows(pg, uid) == (1, 10, 1)


def test_concurrent_identical_submissions_store_one(server, user, pg):
    uid, auth = person(user)
    body = {"client_submission_id": sid(), "answers": answers(picks_of(current(server, auth)))}
    n = 20
    barrier = threading.Barrier(n)

    def one(_):
        barrier.wait()
        return submit(server, auth, body)

    with ThreadPoolExecutor(n) as pool:
        got = list(pool.map(one, range(n)))
    assert sorted(r.status_code for r in got) == [200] * (n - 1) + [201], \
        [(r.status_code, r.text) for r in got]
    assert len({r.json()["id"] for r in got}) == 1
    assert all(r.headers.get("Idempotency-Replayed") == "true"
               for r in got if r.status_code == 200)
    assert rows(pg, uid) == (1, 10, 1)


def bad_body(server, user, pg, body, status, code, text=None):
    uid, auth = person(user)
    if callable(body):
        body = body(picks_of(current(server, auth)))
    r = submit(server, auth, body) if not isinstance(body, bytes) else server.post(
        SUBMIT, headers={**auth, "Content-Type": "application/json"}, data=body)
    err = assert_error(r, status, code)
    if text:
        assert text in err["message"], err
    assert rows(pg, uid) == (0, 0, 0)
    return err


def with_answers(f):
    return lambda picks: {"client_submission_id": sid(), "answers": f(picks)}


BAD_BODIES = [
    # the body and its fields
    ("not json", b"{", 400, "invalid_json", None),
    ("not an object", [], 400, "invalid_request", None),
    ("empty", {}, 400, "invalid_request", "exactly one of"),
    ("no id", lambda p: {"answers": answers(p)}, 400, "invalid_request", "exactly one of"),
    ("both ids", lambda p: {"client_submission_id": "a", "session_id": "a",
                            "answers": answers(p)}, 400, "invalid_request", "exactly one of"),
    ("extra field", lambda p: {"client_submission_id": sid(), "answers": answers(p),
                               "version": 1}, 400, "invalid_request", "unknown field 'version'"),
    ("no answers", {"client_submission_id": "x"}, 400, "invalid_request", "answers is required"),
    ("answers not a list", {"client_submission_id": "x", "answers": {}}, 400,
     "invalid_request", "answers must be an array"),
    ("answers null", {"client_submission_id": "x", "answers": None}, 400,
     "invalid_request", "answers must be an array"),
    ("answer not an object", {"client_submission_id": "x", "answers": [1]}, 400,
     "invalid_request", "answers[0] must be an object"),
    ("answer extra field", with_answers(lambda p: answers(p)[:9] + [
        {**answers(p)[9], "weight": 3}]), 400, "invalid_request",
     "answers[9]: unknown field 'weight'"),
    ("answer without option", with_answers(lambda p: answers(p)[:9] + [
        {"question_id": str(p[9][0])}]), 400, "invalid_request", "answers[9].option_id"),
    ("question id float", with_answers(lambda p: [{"question_id": 1.0, "option_id": 1}]),
     400, "invalid_request", "answers[0].question_id must be a positive integer"),
    ("question id bool", with_answers(lambda p: [{"question_id": True, "option_id": 1}]),
     400, "invalid_request", "answers[0].question_id"),
    ("question id zero", with_answers(lambda p: [{"question_id": "0", "option_id": 1}]),
     400, "invalid_request", "answers[0].question_id"),
    ("question id negative", with_answers(lambda p: [{"question_id": -101, "option_id": 1}]),
     400, "invalid_request", "answers[0].question_id"),
    ("option id text", with_answers(lambda p: [{"question_id": 1, "option_id": "a1"}]),
     400, "invalid_request", "answers[0].option_id"),
    ("too many answers", with_answers(lambda p: [{"question_id": i + 1, "option_id": 1}
                                                 for i in range(201)]),
     400, "invalid_request", "at most 200"),
    ("submission id too long", lambda p: {"client_submission_id": "a" * 65,
                                          "answers": answers(p)}, 400, "invalid_request",
     "client_submission_id must be"),
    ("submission id empty", lambda p: {"client_submission_id": "", "answers": answers(p)},
     400, "invalid_request", "client_submission_id must be"),
    ("submission id korean", lambda p: {"client_submission_id": "제출1",
                                        "answers": answers(p)}, 400, "invalid_request",
     "client_submission_id must be"),
    ("submission id number", lambda p: {"client_submission_id": 12, "answers": answers(p)},
     400, "invalid_request", "client_submission_id must be"),
    ("submission id invalid utf-8",
     b'{"client_submission_id":"ab\xff","answers":[]}', 400, "invalid_json", None),
    # the answer set against the version
    ("no answer at all", with_answers(lambda p: []), 400, "invalid_answers",
     "missing question ids: "),
    ("partial", with_answers(lambda p: answers(p)[:7]), 400, "invalid_answers",
     "missing question ids: "),
    ("duplicated", with_answers(lambda p: answers(p) + answers(p)[2:3]), 400,
     "invalid_answers", "duplicated question ids: "),
    ("duplicated instead of one", with_answers(lambda p: answers(p)[:9] + answers(p)[:1]),
     400, "invalid_answers", "duplicated question ids: "),
    ("unknown question", with_answers(lambda p: answers(p) + [
        {"question_id": "999999", "option_id": "1"}]), 400, "invalid_answers",
     "unknown question ids: 999999"),
    ("unknown option", with_answers(lambda p: answers(p)[:9] + [
        {"question_id": str(p[9][0]), "option_id": "999999"}]), 400, "invalid_answers",
     "options not of their question: 999999"),
    ("option of another question", with_answers(lambda p: answers(p)[:9] + [
        {"question_id": str(p[9][0]), "option_id": str(p[0][1])}]), 400, "invalid_answers",
     "options not of their question: "),
]


@pytest.mark.parametrize("name,body,status,code,text", BAD_BODIES,
                         ids=[b[0] for b in BAD_BODIES])
def test_bad_submissions_store_nothing(server, user, pg, name, body, status, code, text):
    bad_body(server, user, pg, body, status, code, text)


def test_the_message_names_the_ids(server, user, pg):
    uid, auth = person(user)
    picks = picks_of(current(server, auth))
    err = assert_error(submit(server, auth, {"client_submission_id": sid(),
                                             "answers": answers(picks[:8])}),
                       400, "invalid_answers")
    assert f"{picks[8][0]}, {picks[9][0]}" in err["message"]
    err = assert_error(submit(server, auth, {"client_submission_id": sid(),
                                             "answers": answers(picks[:9] + [
                                                 (picks[9][0], picks[0][1])])}),
                       400, "invalid_answers")
    assert f"{picks[0][1]} (question {picks[9][0]})" in err["message"]
    assert rows(pg, uid) == (0, 0, 0)


@pytest.mark.parametrize("rid", ["0", "-1", "abc", "1.0", "99999999999999999999",
                                 "9223372036854775807", "%20"])
def test_result_ids_that_name_nothing_are_404(server, user, rid):
    _, auth = person(user)
    r = server.get(RESULTS + rid, headers=auth)
    assert_error(r, 404, "result_not_found")


def test_another_users_result_is_404_and_stays_unread(server, user, pg):
    uid, auth = person(user)
    r = submit(server, auth, {"client_submission_id": sid(),
                              "answers": answers(picks_of(current(server, auth)))})
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    _, other = person(user)
    assert_error(server.get(RESULTS + rid, headers=other), 404, "result_not_found")
    assert pg.scalar("SELECT viewed_at FROM analysis_results WHERE id = %s", (rid,)) is None
    # an unknown id, the same answer
    nxt = pg.scalar("SELECT max(id) + 1000 FROM analysis_results")
    assert_error(server.get(RESULTS + str(nxt), headers=auth), 404, "result_not_found")
    assert server.get(RESULTS + rid, headers=auth).status_code == 200


def test_wrong_methods(server, user):
    _, auth = person(user)
    r = server.post(QUESTIONS, headers=auth, json={})
    assert_error(r, 405, "method_not_allowed")
    r = server.get(SUBMIT, headers=auth)
    assert_error(r, 405, "method_not_allowed")
    r = server.request("DELETE", RESULTS + "1", headers=auth)
    assert_error(r, 405, "method_not_allowed")
    r = server.get("/api/psy-test/nothing", headers=auth)
    assert_error(r, 404, "not_found")


def test_a_disabled_or_removed_user_stores_nothing(server, user, pg):
    uid, auth = person(user)
    body = {"client_submission_id": sid(), "answers": answers(picks_of(current(server, auth)))}
    pg.query("UPDATE users SET is_active = false WHERE id = %s", (uid,))
    assert_error(submit(server, auth, body), 401, "invalid_token")
    assert rows(pg, uid) == (0, 0, 0)
    uid, auth = person(user)
    pg.query("DELETE FROM users WHERE id = %s", (uid,))
    assert_error(submit(server, auth, body), 401, "invalid_token")
    assert rows(pg, uid) == (0, 0, 0)


def test_published_versions_are_frozen(pg):
    import psycopg2
    with pytest.raises(psycopg2.Error, match="published: make a new version"):
        pg.query("UPDATE psy_questions SET text = 'x' WHERE id = 101")
    with pytest.raises(psycopg2.Error, match="published: make a new version"):
        pg.query("UPDATE psy_option_weights SET weight = 0 WHERE option_id = 1011")
    with pytest.raises(psycopg2.Error, match="published: make a new version"):
        pg.query("UPDATE psy_versions SET title = 'x' WHERE version = 1")


def publish_copy(pg, old, new):
    """Version new: version old's set with other ids and texts, published."""
    d = (new - old) * 100
    pg.query(
        "WITH v AS (INSERT INTO psy_versions (version, title) VALUES (%(n)s, %(t)s)),"
        " q AS (INSERT INTO psy_questions (id, version, ord, text)"
        "       SELECT id + %(d)s, %(n)s, ord, text || ' (v' || %(n)s || ')'"
        "       FROM psy_questions WHERE version = %(o)s)"
        " SELECT 1", {"n": new, "o": old, "d": d, "t": f"성향 알아보기 {new}"})
    pg.query("INSERT INTO psy_options (id, question_id, ord, text)"
             " SELECT o.id + %(d)s * 10, o.question_id + %(d)s, o.ord, o.text"
             " FROM psy_options o JOIN psy_questions q ON q.id = o.question_id"
             " WHERE q.version = %(o)s", {"o": old, "d": d})
    # another model: every weight reversed
    pg.query("INSERT INTO psy_option_weights (option_id, dimension, weight)"
             " SELECT w.option_id + %(d)s * 10, w.dimension, -w.weight"
             " FROM psy_option_weights w JOIN psy_options o ON o.id = w.option_id"
             " JOIN psy_questions q ON q.id = o.question_id WHERE q.version = %(o)s",
             {"o": old, "d": d})
    pg.query("INSERT INTO psy_characters (version, dimension, name, image_url, summary,"
             " coaching_tips) SELECT %(n)s, dimension, name, image_url, summary, coaching_tips"
             " FROM psy_characters WHERE version = %(o)s", {"n": new, "o": old})
    pg.query("UPDATE psy_versions SET published_at = now() WHERE version = %s", (new,))


def test_a_new_version_leaves_old_results_alone(server, user, pg):
    """Last in this file: a published version stays for the session."""
    uid, auth = person(user)
    old = current(server, auth)
    picks = picks_of(old)
    r = submit(server, auth, {"client_submission_id": sid(), "answers": answers(picks)})
    assert r.status_code == 201, r.text
    before = r.json()

    new = old["version"] + 1
    # a draft is not served
    pg.query("INSERT INTO psy_versions (version, title) VALUES (%s, 'draft')", (new + 1,))
    assert current(server, auth)["version"] == old["version"]
    publish_copy(pg, old["version"], new)
    now = current(server, auth)
    assert now["version"] == new and now["title"] == f"성향 알아보기 {new}"
    assert len(now["questions"]) == len(old["questions"])

    # the old result still reads as it was made, of the old version
    r = server.get(RESULTS + before["id"], headers=auth)
    assert r.status_code == 200 and r.json() == before
    assert pg.scalar("SELECT version FROM analysis_results WHERE id = %s",
                     (before["id"],)) == old["version"]

    # the new version scores by its own weights
    new_picks = picks_of(now)
    r = submit(server, auth, {"client_submission_id": sid(), "answers": answers(new_picks)})
    assert r.status_code == 201, r.text
    assert r.json()["version"] == new
    assert r.json()["scores"] == reference(pg, new, new_picks)[0]
    # the old version's answers are still a whole published version's
    r = submit(server, auth, {"client_submission_id": sid(), "answers": answers(picks)})
    assert r.status_code == 201, r.text
    assert r.json()["version"] == old["version"] and r.json()["scores"] == before["scores"]
    # but not mixed with the new one's
    mixed = picks[:5] + new_picks[5:]
    err = assert_error(submit(server, auth, {"client_submission_id": sid(),
                                             "answers": answers(mixed)}),
                       400, "invalid_answers")
    assert f"versions {old['version']}, {new}" in err["message"], err
    err = assert_error(submit(server, auth, {"client_submission_id": sid(),
                                             "answers": answers(new_picks[:1] + picks[1:])}),
                       400, "invalid_answers")
    assert "mix" in err["message"], err
    assert rows(pg, uid) == (3, 30, 3)
