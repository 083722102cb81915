-- Identity and Game Honey user data (seed 000), and the unlink audit.

CREATE TABLE users (
    id              bigserial PRIMARY KEY,
    toss_user_key   bigint UNIQUE CHECK (toss_user_key > 0),
    username        text,
    email           text,
    name            text,
    is_active       boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    deactivated_at  timestamptz
);

CREATE TABLE subscriptions (
    id          bigserial PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    game_id     text NOT NULL,
    category    text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscriptions_user_id ON subscriptions (user_id);

CREATE TABLE push_tokens (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token        text NOT NULL,
    device_type  text NOT NULL CHECK (device_type IN ('ios', 'android', 'web')),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX push_tokens_user_id ON push_tokens (user_id);

-- One row per accepted unlink callback. No personal data: the user key is
-- kept only as an HMAC under GameHoneyAuditKey.
CREATE TABLE unlink_audit (
    id             bigserial PRIMARY KEY,
    user_key_hash  text NOT NULL,
    referrer       text,
    outcome        text NOT NULL
                   CHECK (outcome IN ('deleted', 'deactivated', 'not_found', 'test')),
    client_ip      inet NOT NULL,
    request_id     text,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX unlink_audit_created_at ON unlink_audit (created_at);
