-- The psychology test (seed 002): version 1 of the question set, its
-- characters and templates, and the functions a submission and a read of
-- a result run. Scoring is the module's (modules/gh_psy_model.c): these
-- functions store what it computed, once per (user, submission id).

-- Version 1, made as a draft and then published: from then on the freeze
-- trigger of 009 refuses any change, so a change is a new version. Ids:
-- question = 100 * version + order, option = 10 * question + order.
INSERT INTO psy_versions (version, title) VALUES (1, '나의 성향 알아보기');

INSERT INTO psy_questions (id, version, ord, text) VALUES
    (101, 1, 1, '주말에 갑자기 자유 시간이 생기면 무엇을 하고 싶나요?'),
    (102, 1, 2, '팀 프로젝트에서 의견이 부딪힐 때 나는?'),
    (103, 1, 3, '예상치 못한 일로 계획이 틀어졌을 때 나는?'),
    (104, 1, 4, '새로운 게임이나 앱을 시작할 때 나는?'),
    (105, 1, 5, '친구가 고민을 털어놓으면 나는?'),
    (106, 1, 6, '지친 날, 나만의 충전 방법은?'),
    (107, 1, 7, '여행을 계획할 때 나는?'),
    (108, 1, 8, '마감이 일주일 남은 과제가 있다면?'),
    (109, 1, 9, '처음 보는 사람이 많은 모임에서 나는?'),
    (110, 1, 10, '가장 끌리는 취미는?');

INSERT INTO psy_options (id, question_id, ord, text) VALUES
    (1011, 101, 1, '친구들을 불러 모아 함께 논다'),
    (1012, 101, 2, '가 보지 않은 동네를 혼자 탐방한다'),
    (1013, 101, 3, '밀린 일을 정리하고 다음 주 계획을 세운다'),
    (1014, 101, 4, '집에서 쉬면서 그림을 그리거나 글을 쓴다'),
    (1021, 102, 1, '모두의 이야기를 듣고 절충안을 찾는다'),
    (1022, 102, 2, '근거를 정리해 내 의견을 분명히 말한다'),
    (1023, 102, 3, '전혀 다른 새 아이디어를 내 본다'),
    (1024, 102, 4, '한발 물러서서 상황을 지켜본다'),
    (1031, 103, 1, '침착하게 다른 방법을 찾는다'),
    (1032, 103, 2, '속상하지만 금방 털어 버린다'),
    (1033, 103, 3, '한동안 마음이 불안하고 신경이 쓰인다'),
    (1034, 103, 4, '오히려 새로운 기회라고 생각한다'),
    (1041, 104, 1, '설명을 꼼꼼히 읽고 나서 시작한다'),
    (1042, 104, 2, '일단 이것저것 눌러 보며 익힌다'),
    (1043, 104, 3, '친구에게 물어보거나 같이 해 본다'),
    (1051, 105, 1, '끝까지 들어 주고 마음을 공감해 준다'),
    (1052, 105, 2, '현실적인 해결책을 함께 찾아본다'),
    (1053, 105, 3, '기분 전환을 하러 밖으로 데리고 나간다'),
    (1054, 105, 4, '재미있는 이야기로 분위기를 바꿔 준다'),
    (1061, 106, 1, '사람들과 만나 수다를 떤다'),
    (1062, 106, 2, '운동을 하거나 산책을 한다'),
    (1063, 106, 3, '혼자 음악을 듣거나 책을 읽는다'),
    (1064, 106, 4, '무언가를 만들거나 방을 꾸민다'),
    (1071, 107, 1, '시간 단위로 일정을 꼼꼼히 짠다'),
    (1072, 107, 2, '숙소만 정하고 나머지는 그때그때 정한다'),
    (1073, 107, 3, '함께 가는 사람이 원하는 곳 위주로 맞춘다'),
    (1074, 107, 4, '즐길 거리와 체험이 많은 곳을 고른다'),
    (1081, 108, 1, '바로 시작해서 미리 끝내 둔다'),
    (1082, 108, 2, '계획을 세워 매일 조금씩 나눠서 한다'),
    (1083, 108, 3, '마감 직전에 몰아서 한다'),
    (1091, 109, 1, '먼저 다가가 말을 건다'),
    (1092, 109, 2, '아는 사람 곁에 머문다'),
    (1093, 109, 3, '분위기를 살피다 천천히 어울린다'),
    (1094, 109, 4, '조용히 있다가 일찍 자리를 뜬다'),
    (1101, 110, 1, '그림, 음악, 글쓰기 같은 창작 활동'),
    (1102, 110, 2, '등산, 자전거 같은 야외 활동'),
    (1103, 110, 3, '보드게임 모임이나 동호회 활동'),
    (1104, 110, 4, '봉사 활동이나 누군가를 돕는 멘토링');

INSERT INTO psy_option_weights (option_id, dimension, weight) VALUES
    (1011, 'tendency_extraversion', 3), (1011, 'preference_social', 3),
    (1011, 'preference_activity', 1),
    (1012, 'tendency_openness', 2), (1012, 'preference_activity', 2),
    (1013, 'tendency_conscientiousness', 3),
    (1014, 'preference_creative', 3), (1014, 'tendency_stability', 1),
    (1021, 'tendency_agreeableness', 3), (1021, 'preference_social', 1),
    (1022, 'tendency_extraversion', 1), (1022, 'tendency_conscientiousness', 2),
    (1023, 'tendency_openness', 3), (1023, 'preference_creative', 1),
    (1024, 'tendency_stability', 1), (1024, 'tendency_extraversion', -2),
    (1031, 'tendency_stability', 3), (1031, 'tendency_conscientiousness', 1),
    (1032, 'tendency_stability', 2), (1032, 'tendency_extraversion', 1),
    (1033, 'tendency_stability', -3),
    (1034, 'tendency_openness', 2), (1034, 'tendency_stability', 1),
    (1041, 'tendency_conscientiousness', 3),
    (1042, 'tendency_openness', 2), (1042, 'preference_activity', 1),
    (1043, 'preference_social', 2), (1043, 'tendency_agreeableness', 1),
    (1043, 'tendency_extraversion', 1),
    (1051, 'tendency_agreeableness', 3),
    (1052, 'tendency_conscientiousness', 2), (1052, 'tendency_agreeableness', 1),
    (1053, 'tendency_extraversion', 2), (1053, 'preference_activity', 2),
    (1054, 'tendency_extraversion', 1), (1054, 'preference_creative', 1),
    (1054, 'tendency_stability', 1),
    (1061, 'tendency_extraversion', 3), (1061, 'preference_social', 2),
    (1062, 'preference_activity', 3), (1062, 'tendency_stability', 1),
    (1063, 'tendency_extraversion', -2), (1063, 'tendency_openness', 1),
    (1064, 'preference_creative', 3), (1064, 'tendency_openness', 1),
    (1071, 'tendency_conscientiousness', 3),
    (1072, 'tendency_openness', 2), (1072, 'tendency_stability', 1),
    (1073, 'tendency_agreeableness', 2), (1073, 'preference_social', 1),
    (1074, 'preference_activity', 3), (1074, 'tendency_extraversion', 1),
    (1081, 'tendency_conscientiousness', 3), (1081, 'tendency_stability', 1),
    (1082, 'tendency_conscientiousness', 2),
    (1083, 'tendency_conscientiousness', -2), (1083, 'tendency_stability', -1),
    (1091, 'tendency_extraversion', 3), (1091, 'preference_social', 2),
    (1092, 'tendency_extraversion', -1), (1092, 'tendency_agreeableness', 1),
    (1093, 'tendency_stability', 1), (1093, 'tendency_agreeableness', 1),
    (1094, 'tendency_extraversion', -3), (1094, 'preference_social', -2),
    (1101, 'preference_creative', 3), (1101, 'tendency_openness', 2),
    (1102, 'preference_activity', 3),
    (1103, 'preference_social', 3), (1103, 'tendency_extraversion', 1),
    (1104, 'tendency_agreeableness', 3), (1104, 'preference_social', 1);

-- One character per tendency; the templates' placeholders are the
-- model's (README "Wellness: psy-test and analysis").
INSERT INTO psy_characters (version, dimension, name, image_url, summary, coaching_tips) VALUES
    (1, 'tendency_extraversion', '햇살 여우', '/static/characters/sunny-fox.png',
     '{name} 유형인 당신은 {top_dimension_label} 점수가 {score}점으로 가장 높아요. '
     '사람들 사이에서 에너지를 얻고, 모임의 분위기를 환하게 밝히는 힘이 있어요. '
     '가장 두드러진 취향은 {preference_label}({preference_score}점)이에요.',
     '하루 10분은 혼자만의 조용한 시간을 가져 보세요. 약속이 많은 주에는 쉬는 날을 먼저 '
     '달력에 표시해 두면 지치지 않아요. 대화할 때는 한 번 더 상대의 이야기를 끝까지 들어 보세요.'),
    (1, 'tendency_openness', '호기심 고래', '/static/characters/curious-whale.png',
     '{name} 유형인 당신은 {top_dimension_label} 점수가 {score}점으로 가장 높아요. '
     '새로운 생각과 경험에 마음이 열려 있고, 낯선 것에서 재미와 영감을 찾아요. '
     '가장 두드러진 취향은 {preference_label}({preference_score}점)이에요.',
     '떠오른 아이디어는 바로 메모해 두고, 일주일에 하나씩 작게 실행해 보세요. '
     '시작한 일을 끝까지 마무리하는 작은 목표를 함께 세우면 성취감이 커져요.'),
    (1, 'tendency_conscientiousness', '꼼꼼 거북', '/static/characters/steady-turtle.png',
     '{name} 유형인 당신은 {top_dimension_label} 점수가 {score}점으로 가장 높아요. '
     '계획을 세우고 차근차근 해내는 힘이 있어 주변에서 믿음직한 사람으로 통해요. '
     '가장 두드러진 취향은 {preference_label}({preference_score}점)이에요.',
     '계획대로 되지 않는 날도 괜찮다고 스스로에게 말해 주세요. 일정표에 아무것도 하지 않는 '
     '시간을 넣어 두고, 완벽보다 완료를 목표로 삼아 보세요.'),
    (1, 'tendency_agreeableness', '다정 곰', '/static/characters/warm-bear.png',
     '{name} 유형인 당신은 {top_dimension_label} 점수가 {score}점으로 가장 높아요. '
     '다른 사람의 마음을 잘 헤아리고, 함께하는 사람을 편안하게 해 주는 따뜻함이 있어요. '
     '가장 두드러진 취향은 {preference_label}({preference_score}점)이에요.',
     '부탁을 거절해야 할 때는 이유를 짧고 솔직하게 말해도 괜찮아요. 남을 챙기는 만큼 '
     '나를 위한 시간도 하루에 한 번 꼭 챙겨 보세요.'),
    (1, 'tendency_stability', '고요 부엉이', '/static/characters/calm-owl.png',
     '{name} 유형인 당신은 {top_dimension_label} 점수가 {score}점으로 가장 높아요. '
     '어려운 순간에도 쉽게 흔들리지 않고, 차분하게 상황을 바라보는 힘이 있어요. '
     '가장 두드러진 취향은 {preference_label}({preference_score}점)이에요.',
     '차분함 덕분에 감정을 속으로 삼키기 쉬워요. 오늘 느낀 감정을 한 줄로 적어 보고, '
     '가끔은 믿을 만한 사람에게 마음을 먼저 털어놓아 보세요.');

UPDATE psy_versions SET published_at = now() WHERE version = 1;

-- What a submission or a read answers: an outcome and the result row.
--   new     the session, its answers and the result were stored now
--   replay  this user's submission id was stored before with the same
--           version and answers: that result
--   reused  this user's submission id was stored before with other
--           answers (or another version): nothing stored, no result
--   user    no such active user: nothing stored
--   read    a read of the user's own result (psy_result_read)
CREATE TYPE psy_result AS (
    o_outcome text, o_id bigint, o_version integer, o_character_name text,
    o_character_image_url text, o_summary text, o_coaching_tips text,
    o_tendency_extraversion smallint, o_tendency_openness smallint,
    o_tendency_conscientiousness smallint, o_tendency_agreeableness smallint,
    o_tendency_stability smallint, o_preference_activity smallint,
    o_preference_social smallint, o_preference_creative smallint,
    o_created_at timestamptz);

-- An outcome and a result row (NULL: an outcome alone).
CREATE FUNCTION psy_result_of(p_outcome text, r analysis_results) RETURNS psy_result
LANGUAGE sql IMMUTABLE AS $$
    SELECT p_outcome, r.id, r.version, r.character_name, r.character_image_url, r.summary,
           r.coaching_tips, r.tendency_extraversion, r.tendency_openness,
           r.tendency_conscientiousness, r.tendency_agreeableness, r.tendency_stability,
           r.preference_activity, r.preference_social, r.preference_creative, r.created_at
$$;

CREATE FUNCTION psy_submit(p_user bigint, p_submission text, p_version integer,
                           p_questions bigint[], p_options bigint[], p_character_name text,
                           p_character_image_url text, p_summary text, p_coaching_tips text,
                           p_scores smallint[])
RETURNS SETOF psy_result LANGUAGE plpgsql AS $$
DECLARE
    sid bigint;
    same boolean;
    res analysis_results;
BEGIN
    -- a concurrent insert of the same (user, submission id) makes this wait
    -- for it, then do nothing: the replay path below reads what it stored
    INSERT INTO psy_test_sessions (user_id, submission_id, version)
    SELECT u.id, p_submission, p_version FROM users u WHERE u.id = p_user AND u.is_active
    ON CONFLICT (user_id, submission_id) DO NOTHING
    RETURNING id INTO sid;
    IF sid IS NOT NULL THEN
        INSERT INTO psy_answers (session_id, question_id, option_id)
        SELECT sid, a.q, a.o FROM unnest(p_questions, p_options) AS a(q, o);
        INSERT INTO analysis_results
               (user_id, session_id, version, character_name, character_image_url, summary,
                coaching_tips, tendency_extraversion, tendency_openness,
                tendency_conscientiousness, tendency_agreeableness, tendency_stability,
                preference_activity, preference_social, preference_creative)
        VALUES (p_user, sid, p_version, p_character_name, p_character_image_url, p_summary,
                p_coaching_tips, p_scores[1], p_scores[2], p_scores[3], p_scores[4],
                p_scores[5], p_scores[6], p_scores[7], p_scores[8])
        RETURNING * INTO res;
        RETURN NEXT psy_result_of('new', res);
        RETURN;
    END IF;
    SELECT s.id, s.version = p_version AND NOT EXISTS (
               (SELECT a.question_id, a.option_id FROM psy_answers a WHERE a.session_id = s.id
                EXCEPT SELECT * FROM unnest(p_questions, p_options))
               UNION ALL
               (SELECT * FROM unnest(p_questions, p_options)
                EXCEPT SELECT a.question_id, a.option_id FROM psy_answers a
                        WHERE a.session_id = s.id))
      INTO sid, same
      FROM psy_test_sessions s WHERE s.user_id = p_user AND s.submission_id = p_submission;
    IF sid IS NULL OR NOT same THEN
        RETURN NEXT psy_result_of(CASE WHEN sid IS NULL THEN 'user' ELSE 'reused' END, NULL);
        RETURN;
    END IF;
    RETURN QUERY SELECT (psy_result_of('replay', r)).* FROM analysis_results r
                  WHERE r.session_id = sid;
END $$;

-- The user's own result by id, marked viewed the first time (home's
-- unread count); no row for another user's or an unknown id.
CREATE FUNCTION psy_result_read(p_user bigint, p_id bigint)
RETURNS SETOF psy_result LANGUAGE plpgsql AS $$
BEGIN
    UPDATE analysis_results r SET viewed_at = now()
     WHERE r.id = p_id AND r.user_id = p_user AND r.viewed_at IS NULL;
    RETURN QUERY SELECT (psy_result_of('read', r)).* FROM analysis_results r
                  WHERE r.id = p_id AND r.user_id = p_user;
END $$;
