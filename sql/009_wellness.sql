-- The wellness app (seed 002): public settings, SNS channels and the
-- user's accounts, the psychology test and its results, self-check
-- entries and quests. Tables only; each part's functions and its seed
-- content follow in 010-012.

ALTER TABLE users ADD COLUMN age integer CHECK (age BETWEEN 0 AND 150);

-- Public settings: what a client shows before sign-in (name, logo, ...).
CREATE TABLE app_settings (
    key         text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]{0,62}$'),
    value       text NOT NULL,
    is_public   boolean NOT NULL DEFAULT true,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- SNS: the channel master list, a user's account per channel, and the
-- posts imported from it, once each by the channel's own id.
CREATE TABLE sns_channels (
    id          text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_]{0,31}$'),
    name        text NOT NULL,
    icon_url    text,
    sort_order  integer NOT NULL,
    is_active   boolean NOT NULL DEFAULT true
);

CREATE TABLE user_sns_accounts (
    id          bigserial PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel_id  text NOT NULL REFERENCES sns_channels (id),
    handle      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, channel_id)
);

CREATE TABLE sns_items (
    id           bigserial PRIMARY KEY,
    account_id   bigint NOT NULL REFERENCES user_sns_accounts (id) ON DELETE CASCADE,
    external_id  text NOT NULL,
    body         text NOT NULL,
    posted_at    timestamptz NOT NULL,
    imported_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, external_id)
);

-- The psychology test. A version is a whole question set; once published
-- it never changes (a change is a new version), so results keep pointing
-- at the set that made them. Each option weighs on named dimensions.
CREATE TABLE psy_versions (
    version       integer PRIMARY KEY CHECK (version > 0),
    title         text NOT NULL,
    published_at  timestamptz,              -- NULL: a draft, not served
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE psy_questions (
    id        bigint PRIMARY KEY,
    version   integer NOT NULL REFERENCES psy_versions (version),
    ord       integer NOT NULL CHECK (ord > 0),
    text      text NOT NULL,
    UNIQUE (version, ord)
);

CREATE TABLE psy_options (
    id           bigint PRIMARY KEY,
    question_id  bigint NOT NULL REFERENCES psy_questions (id),
    ord          integer NOT NULL CHECK (ord > 0),
    text         text NOT NULL,
    UNIQUE (question_id, ord)
);

-- An option's weight on one dimension; a dimension an option does not
-- name weighs 0.
CREATE TABLE psy_option_weights (
    option_id  bigint NOT NULL REFERENCES psy_options (id),
    dimension  text NOT NULL CHECK (dimension ~ '^(tendency|preference)_[a-z]+$'),
    weight     integer NOT NULL CHECK (weight BETWEEN -10 AND 10),
    PRIMARY KEY (option_id, dimension)
);

-- The characters a result can be, per version: the rule that picks one
-- and the templates of its summary and tips are the scoring model's
-- (modules/gh_psy_model.c, README "Wellness").
CREATE TABLE psy_characters (
    version        integer NOT NULL REFERENCES psy_versions (version),
    dimension      text NOT NULL CHECK (dimension ~ '^tendency_[a-z]+$'),
    name           text NOT NULL,
    image_url      text NOT NULL,
    summary        text NOT NULL,           -- template
    coaching_tips  text NOT NULL,           -- template
    PRIMARY KEY (version, dimension)
);

-- A published version's set is frozen: nothing in it changes or leaves.
CREATE FUNCTION psy_published_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v integer;
BEGIN
    IF TG_TABLE_NAME = 'psy_versions' THEN
        IF OLD.published_at IS NOT NULL THEN
            RAISE EXCEPTION 'psy version % is published: make a new version', OLD.version
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    ELSIF TG_TABLE_NAME = 'psy_questions' THEN
        v := CASE WHEN TG_OP = 'INSERT' THEN NEW.version ELSE OLD.version END;
    ELSIF TG_TABLE_NAME = 'psy_options' THEN
        SELECT q.version INTO v FROM psy_questions q
         WHERE q.id = CASE WHEN TG_OP = 'INSERT' THEN NEW.question_id ELSE OLD.question_id END;
    ELSIF TG_TABLE_NAME = 'psy_option_weights' THEN
        SELECT q.version INTO v FROM psy_options o JOIN psy_questions q ON q.id = o.question_id
         WHERE o.id = CASE WHEN TG_OP = 'INSERT' THEN NEW.option_id ELSE OLD.option_id END;
    ELSE
        v := CASE WHEN TG_OP = 'INSERT' THEN NEW.version ELSE OLD.version END;
    END IF;
    IF EXISTS (SELECT 1 FROM psy_versions pv WHERE pv.version = v
                                              AND pv.published_at IS NOT NULL) THEN
        RAISE EXCEPTION 'psy version % is published: make a new version', v
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER psy_versions_frozen BEFORE UPDATE OR DELETE ON psy_versions
    FOR EACH ROW EXECUTE FUNCTION psy_published_frozen();
CREATE TRIGGER psy_questions_frozen BEFORE INSERT OR UPDATE OR DELETE ON psy_questions
    FOR EACH ROW EXECUTE FUNCTION psy_published_frozen();
CREATE TRIGGER psy_options_frozen BEFORE INSERT OR UPDATE OR DELETE ON psy_options
    FOR EACH ROW EXECUTE FUNCTION psy_published_frozen();
CREATE TRIGGER psy_option_weights_frozen BEFORE INSERT OR UPDATE OR DELETE ON psy_option_weights
    FOR EACH ROW EXECUTE FUNCTION psy_published_frozen();
CREATE TRIGGER psy_characters_frozen BEFORE INSERT OR UPDATE OR DELETE ON psy_characters
    FOR EACH ROW EXECUTE FUNCTION psy_published_frozen();

-- One submitted test: once per (user, submission id), so a retry returns
-- the same result.
CREATE TABLE psy_test_sessions (
    id             bigserial PRIMARY KEY,
    user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    submission_id  text NOT NULL CHECK (length(submission_id) BETWEEN 1 AND 64),
    version        integer NOT NULL REFERENCES psy_versions (version),
    submitted_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, submission_id)
);

CREATE TABLE psy_answers (
    session_id   bigint NOT NULL REFERENCES psy_test_sessions (id) ON DELETE CASCADE,
    question_id  bigint NOT NULL REFERENCES psy_questions (id),
    option_id    bigint NOT NULL REFERENCES psy_options (id),
    PRIMARY KEY (session_id, question_id)
);

-- A tendency analysis: scores 0-100 per dimension, as the seed's columns.
CREATE TABLE analysis_results (
    id                      bigserial PRIMARY KEY,
    user_id                 bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id              bigint UNIQUE REFERENCES psy_test_sessions (id) ON DELETE CASCADE,
    version                 integer NOT NULL REFERENCES psy_versions (version),
    character_name          text NOT NULL,
    character_image_url     text NOT NULL,
    summary                 text NOT NULL,
    coaching_tips           text NOT NULL,
    tendency_extraversion   smallint NOT NULL CHECK (tendency_extraversion BETWEEN 0 AND 100),
    tendency_openness       smallint NOT NULL CHECK (tendency_openness BETWEEN 0 AND 100),
    tendency_conscientiousness smallint NOT NULL
                            CHECK (tendency_conscientiousness BETWEEN 0 AND 100),
    tendency_agreeableness  smallint NOT NULL CHECK (tendency_agreeableness BETWEEN 0 AND 100),
    tendency_stability      smallint NOT NULL CHECK (tendency_stability BETWEEN 0 AND 100),
    preference_activity     smallint NOT NULL CHECK (preference_activity BETWEEN 0 AND 100),
    preference_social       smallint NOT NULL CHECK (preference_social BETWEEN 0 AND 100),
    preference_creative     smallint NOT NULL CHECK (preference_creative BETWEEN 0 AND 100),
    viewed_at               timestamptz,    -- NULL: unread (home's counts)
    created_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX analysis_results_user ON analysis_results (user_id, id);

-- Self-check: how the user feels today, in documented ranges.
CREATE TABLE self_check_entries (
    id             bigserial PRIMARY KEY,
    user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    mood           smallint NOT NULL CHECK (mood BETWEEN 1 AND 5),
    energy         smallint NOT NULL CHECK (energy BETWEEN 1 AND 5),
    stress         smallint NOT NULL CHECK (stress BETWEEN 1 AND 5),
    sleep_minutes  smallint NOT NULL CHECK (sleep_minutes BETWEEN 0 AND 1440),
    note           text CHECK (length(note) <= 500),
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX self_check_entries_user ON self_check_entries (user_id, id);

-- Quests: templates, and one instance per user, template and period
-- (a day or an ISO week, in Asia/Seoul), made on first read.
CREATE TABLE quest_templates (
    id             bigint PRIMARY KEY,
    code           text NOT NULL UNIQUE,
    title          text NOT NULL,
    description    text NOT NULL,
    period         text NOT NULL CHECK (period IN ('daily', 'weekly')),
    target         integer NOT NULL CHECK (target BETWEEN 1 AND 1000),
    reward_points  bigint NOT NULL CHECK (reward_points BETWEEN 1 AND 100000),
    sort_order     integer NOT NULL,
    is_active      boolean NOT NULL DEFAULT true
);

CREATE TABLE user_quests (
    id             bigserial PRIMARY KEY,
    user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    template_id    bigint NOT NULL REFERENCES quest_templates (id),
    period_start   date NOT NULL,
    period_end     date NOT NULL,           -- exclusive
    target         integer NOT NULL CHECK (target > 0),
    reward_points  bigint NOT NULL CHECK (reward_points > 0),
    progress       integer NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND target),
    completed_at   timestamptz,
    ledger_id      bigint REFERENCES point_ledger (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, template_id, period_start),
    CHECK ((completed_at IS NULL) = (ledger_id IS NULL))
);
CREATE INDEX user_quests_user ON user_quests (user_id, id);
CREATE INDEX user_quests_period ON user_quests (user_id, period_end);
