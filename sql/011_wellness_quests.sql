-- Quests and home (issue 13): the quest templates, each user's quests of
-- the current day and ISO week in Asia/Seoul (made on first read), their
-- progress, their reward through the ledger exactly once, and everything
-- GET /api/home shows in one call.

INSERT INTO quest_templates (id, code, title, description, period, target, reward_points,
                             sort_order) VALUES
    (1, 'water', '물 마시기', '물 한 잔을 마실 때마다 기록해요. 하루 여덟 잔이 목표예요.',
     'daily', 8, 10, 1),
    (2, 'walk', '산책하기', '10분 이상 걸어요. 햇볕을 쬐며 가볍게 걸으면 기분이 맑아져요.',
     'daily', 1, 10, 2),
    (3, 'gratitude', '감사 일기', '오늘 고마웠던 일 세 가지를 적어 보세요.',
     'daily', 1, 15, 3),
    (4, 'self_check', '셀프 체크 하기', '오늘의 기분, 에너지, 스트레스와 수면을 기록해요.',
     'daily', 1, 10, 4),
    (5, 'weekly_walk', '일주일에 다섯 번 산책', '이번 주에 다섯 번, 10분 이상 걸어요.',
     'weekly', 5, 50, 5),
    (6, 'weekly_psy', '성향 테스트로 나를 돌아보기', '이번 주에 심리 테스트를 한 번 해 보세요.',
     'weekly', 1, 30, 6);

-- Today in Asia/Seoul, the day every period is counted in.
CREATE FUNCTION quest_today() RETURNS date LANGUAGE sql STABLE AS $$
    SELECT (now() AT TIME ZONE 'Asia/Seoul')::date
$$;

-- A quest's status: completed (rewarded), expired (its period is over,
-- never rewarded), ready (progress reached the target) or in_progress.
CREATE FUNCTION quest_status(q user_quests, today date) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN q.completed_at IS NOT NULL THEN 'completed'
                WHEN today < q.period_start OR today >= q.period_end THEN 'expired'
                WHEN q.progress >= q.target THEN 'ready'
                ELSE 'in_progress' END
$$;

-- A quest as the API shows it.
CREATE FUNCTION quest_json(q user_quests, t quest_templates, today date) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', q.id::text, 'code', t.code, 'title', t.title, 'description', t.description,
        'period', t.period, 'period_start', to_char(q.period_start, 'YYYY-MM-DD'),
        'period_end', to_char(q.period_end, 'YYYY-MM-DD'), 'progress', q.progress,
        'target', q.target, 'reward_points', q.reward_points,
        'status', quest_status(q, today),
        'completed_at', to_char(q.completed_at AT TIME ZONE 'UTC',
                                'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
$$;

-- The user's quests of the current day and week, made from the active
-- templates when missing: UNIQUE (user_id, template_id, period_start) and
-- ON CONFLICT DO NOTHING keep concurrent first reads to one row each, and
-- a read that finds them all made inserts nothing. A JSON array, or NULL
-- when the user does not exist.
CREATE FUNCTION quests_current(uid bigint) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    today date := quest_today();
    week date := today - (extract(isodow FROM today)::int - 1);
BEGIN
    IF NOT EXISTS (SELECT 1 FROM users u WHERE u.id = uid AND u.is_active) THEN
        RETURN NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM quest_templates t
                WHERE t.is_active AND NOT EXISTS (
                    SELECT 1 FROM user_quests q
                     WHERE q.user_id = uid AND q.template_id = t.id
                       AND q.period_start = CASE t.period WHEN 'daily' THEN today ELSE week END))
    THEN
        INSERT INTO user_quests (user_id, template_id, period_start, period_end, target,
                                 reward_points)
        SELECT uid, t.id, s.start, s.start + CASE t.period WHEN 'daily' THEN 1 ELSE 7 END,
               t.target, t.reward_points
          FROM quest_templates t,
               LATERAL (SELECT CASE t.period WHEN 'daily' THEN today ELSE week END AS start) s
         WHERE t.is_active
         ORDER BY t.id
        ON CONFLICT (user_id, template_id, period_start) DO NOTHING;
    END IF;
    RETURN (SELECT coalesce(json_agg(quest_json(q, t, today) ORDER BY t.sort_order, q.id),
                            '[]')
              FROM user_quests q JOIN quest_templates t ON t.id = q.template_id
             WHERE q.user_id = uid AND q.period_start <= today AND q.period_end > today);
END $$;

-- The user's quest qid, locked until the transaction ends, with its
-- template and status; status 'not_found' when the user has no such quest.
CREATE FUNCTION quest_lock(uid bigint, qid bigint, OUT q user_quests, OUT t quest_templates,
                           OUT status text)
LANGUAGE plpgsql AS $$
BEGIN
    SELECT * INTO q FROM user_quests uq WHERE uq.id = qid AND uq.user_id = uid FOR UPDATE;
    IF NOT FOUND THEN
        status := 'not_found';
        RETURN;
    END IF;
    SELECT * INTO t FROM quest_templates qt WHERE qt.id = q.template_id;
    status := quest_status(q, quest_today());
END $$;

-- Adds amt to the progress of the user's quest qid, capped at its target.
-- o_outcome: 'ok', 'not_found' (no such quest of this user), 'completed'
-- or 'expired' (nothing changed); o_quest the quest as it is after.
CREATE FUNCTION quest_progress(uid bigint, qid bigint, amt integer)
RETURNS TABLE (o_outcome text, o_quest json)
LANGUAGE plpgsql AS $$
DECLARE
    l record;
    q user_quests;
BEGIN
    SELECT * INTO l FROM quest_lock(uid, qid);
    q := l.q;
    o_outcome := CASE WHEN l.status IN ('in_progress', 'ready') THEN 'ok' ELSE l.status END;
    IF o_outcome = 'ok' THEN
        UPDATE user_quests uq SET progress = least(uq.target, uq.progress + amt)
         WHERE uq.id = qid RETURNING * INTO q;
    END IF;
    o_quest := quest_json(q, l.t, quest_today());
    RETURN NEXT;
END $$;

-- Completes the user's quest qid under its row's lock: when its progress
-- reached the target, credits its reward once through the ledger
-- (points_credit, source 'quest' / qid) and records the entry, in one
-- transaction. o_outcome: 'paid', 'replay' (completed before: its
-- entry), 'not_found', 'not_ready' or 'expired' (nothing changed).
CREATE FUNCTION quest_complete(uid bigint, qid bigint, who text)
RETURNS TABLE (o_outcome text, o_quest json, o_ledger_id bigint, o_amount bigint,
               o_balance_after bigint)
LANGUAGE plpgsql AS $$
DECLARE
    l record;
    q user_quests;
    c record;
BEGIN
    SELECT * INTO l FROM quest_lock(uid, qid);
    q := l.q;
    o_outcome := CASE l.status WHEN 'completed' THEN 'replay' WHEN 'ready' THEN 'paid'
                               WHEN 'in_progress' THEN 'not_ready' ELSE l.status END;
    IF o_outcome = 'replay' THEN
        SELECT pl.id, pl.delta - pl.debt_delta, pl.balance_after
          INTO o_ledger_id, o_amount, o_balance_after
          FROM point_ledger pl WHERE pl.id = q.ledger_id;
    ELSIF o_outcome = 'paid' THEN
        SELECT * INTO c FROM points_credit(uid, q.reward_points, 'quest reward', 'quest',
                                           qid::text, who);
        UPDATE user_quests uq SET completed_at = now(), ledger_id = c.o_id
         WHERE uq.id = qid RETURNING * INTO q;
        o_ledger_id := c.o_id;
        o_amount := c.o_amount;
        o_balance_after := c.o_balance_after;
    END IF;
    o_quest := quest_json(q, l.t, quest_today());
    RETURN NEXT;
END $$;

-- The user's completed quests, by id, newest first (keyset: ids below
-- before; NULL from the newest).
CREATE INDEX user_quests_completed ON user_quests (user_id, id) WHERE completed_at IS NOT NULL;

-- Everything GET /api/home shows, in one call: the user, the balance, the
-- current quests (made when missing), the latest analysis result's
-- summary and the unread counts. NULL when the user does not exist.
CREATE FUNCTION wellness_home(uid bigint) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    today date := quest_today();
    quests json := quests_current(uid);
BEGIN
    IF quests IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN (
        SELECT json_build_object(
            'user', json_build_object('id', u.id::text, 'name', u.name, 'email', u.email,
                                      'picture', u.picture, 'age', u.age, 'gender', u.gender),
            'points', json_build_object('remaining_points', u.remaining_points),
            'quests', quests,
            'latest_result', (
                SELECT json_build_object(
                    'id', a.id::text, 'character_name', a.character_name,
                    'character_image_url', a.character_image_url, 'summary', a.summary,
                    'created_at', to_char(a.created_at AT TIME ZONE 'UTC',
                                          'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
                  FROM analysis_results a WHERE a.user_id = uid ORDER BY a.id DESC LIMIT 1),
            'unread', json_build_object(
                'analysis_results', (SELECT count(*) FROM analysis_results a
                                      WHERE a.user_id = uid AND a.viewed_at IS NULL),
                'quests_ready', (SELECT count(*) FROM user_quests q
                                  WHERE q.user_id = uid AND q.period_start <= today
                                    AND q.period_end > today
                                    AND quest_status(q, today) = 'ready')))
          FROM users u WHERE u.id = uid);
END $$;
