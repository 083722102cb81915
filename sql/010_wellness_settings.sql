-- The wellness app (seed 002), part 1: the public app settings and the
-- SNS channel list as seed content, and the SNS import, which links the
-- user's account on a channel and stores its posts once each.

-- What a client shows before sign-in. Rows that are not public are the
-- operators' own and are never served.
INSERT INTO app_settings (key, value, is_public) VALUES
    ('service_name',        '게임허니', true),
    ('service_description', '게임처럼 가볍게, 나를 알아가는 마음 성향 분석', true),
    ('logo_url',            'https://static.gamehoney.kr/brand/logo-512.png', true),
    ('support_email',       'help@gamehoney.kr', true),
    ('support_hours',       '평일 10:00~18:00 (주말·공휴일 휴무)', true),
    ('terms_url',           'https://gamehoney.kr/policy/terms', true),
    ('privacy_url',         'https://gamehoney.kr/policy/privacy', true),
    ('min_app_version',     '1.0.0', true),
    ('latest_app_version',  '1.2.0', true),
    ('ops_alert_email',     'ops-alerts@gamehoney.kr', false),
    ('ops_slack_channel',   '#gamehoney-운영', false);

-- The channel master list; an inactive channel is neither listed nor
-- importable.
INSERT INTO sns_channels (id, name, icon_url, sort_order, is_active) VALUES
    ('instagram',   '인스타그램',   'https://static.gamehoney.kr/sns/instagram.png',   1, true),
    ('x',           'X (트위터)',   'https://static.gamehoney.kr/sns/x.png',           2, true),
    ('youtube',     '유튜브',       'https://static.gamehoney.kr/sns/youtube.png',     3, true),
    ('tiktok',      '틱톡',         'https://static.gamehoney.kr/sns/tiktok.png',      4, true),
    ('naver_blog',  '네이버 블로그', 'https://static.gamehoney.kr/sns/naver-blog.png', 5, true),
    ('kakao_story', '카카오스토리', 'https://static.gamehoney.kr/sns/kakao-story.png', 6, false);

CREATE INDEX user_sns_accounts_user ON user_sns_accounts (user_id, id);

-- One import, all or nothing: links (or re-handles) the user's account on
-- the channel and upserts the items by (account, external id). An item
-- whose text and time are what is stored is left alone, so the same
-- import twice changes nothing. The account's updated_at moves only when
-- its handle or an item changed. Outcomes: 'ok'; 'user' (no such active
-- user); 'channel' (no such active channel); 'duplicate' (an external id
-- twice in the arrays; nothing is stored).
CREATE FUNCTION sns_import(p_user bigint, p_channel text, p_handle text,
                           p_external_ids text[], p_bodies text[], p_posted_at timestamptz[])
RETURNS TABLE (o_outcome text, o_id bigint, o_channel text, o_handle text,
               o_item_count bigint, o_created_at timestamptz, o_updated_at timestamptz,
               o_imported integer, o_updated integer, o_unchanged integer)
LANGUAGE plpgsql AS $$
DECLARE
    n        integer := coalesce(cardinality(p_external_ids), 0);
    v_id     bigint;
    v_new    integer;
    v_change integer;
BEGIN
    IF n <> coalesce(cardinality(p_bodies), 0) OR n <> coalesce(cardinality(p_posted_at), 0) THEN
        RAISE EXCEPTION 'sns_import: the item arrays differ in length';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM users WHERE id = p_user AND is_active) THEN
        o_outcome := 'user';
    ELSIF NOT EXISTS (SELECT 1 FROM sns_channels WHERE id = p_channel AND is_active) THEN
        o_outcome := 'channel';
    ELSIF (SELECT count(DISTINCT e) FROM unnest(p_external_ids) e) <> n THEN
        o_outcome := 'duplicate';
    END IF;
    IF o_outcome IS NOT NULL THEN       -- nothing stored; no account to show
        o_imported := 0;
        o_updated := 0;
        o_unchanged := 0;
        RETURN NEXT;
        RETURN;
    END IF;

    -- always returns the row, and locks it: imports to one account queue
    INSERT INTO user_sns_accounts AS a (user_id, channel_id, handle)
    VALUES (p_user, p_channel, p_handle)
    ON CONFLICT (user_id, channel_id) DO UPDATE
       SET handle = EXCLUDED.handle,
           updated_at = CASE WHEN a.handle = EXCLUDED.handle THEN a.updated_at ELSE now() END
    RETURNING a.id INTO v_id;

    -- in external id order, so that concurrent imports lock alike
    WITH input AS (
        SELECT x.e, x.b, x.t FROM unnest(p_external_ids, p_bodies, p_posted_at) AS x (e, b, t)
         ORDER BY x.e),
    up AS (
        INSERT INTO sns_items AS si (account_id, external_id, body, posted_at)
        SELECT v_id, input.e, input.b, input.t FROM input
        ON CONFLICT (account_id, external_id) DO UPDATE
           SET body = EXCLUDED.body, posted_at = EXCLUDED.posted_at, imported_at = now()
         WHERE (si.body, si.posted_at) IS DISTINCT FROM (EXCLUDED.body, EXCLUDED.posted_at)
        RETURNING (si.xmax = 0) AS created)
    SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created)
      INTO v_new, v_change FROM up;

    IF v_new + v_change > 0 THEN
        UPDATE user_sns_accounts SET updated_at = now() WHERE id = v_id;
    END IF;
    RETURN QUERY
        SELECT 'ok', a.id, a.channel_id, a.handle,
               (SELECT count(*) FROM sns_items si WHERE si.account_id = a.id),
               a.created_at, a.updated_at, v_new, v_change, n - v_new - v_change
          FROM user_sns_accounts a WHERE a.id = v_id;
END $$;
