-- One identity model (seeds 000, 001, 002): provider keys, roles, and
-- sessions with rotating refresh tokens. Subscriptions and push tokens get
-- the uniqueness the user-data API relies on.

-- Toss's personal fields are kept only as far as the product uses them;
-- its CI (a national identity key) is never stored.
ALTER TABLE users
    ADD COLUMN picture        text,
    ADD COLUMN phone          text,
    ADD COLUMN birthday       text,
    ADD COLUMN gender         text,
    ADD COLUMN nationality    text,
    ADD COLUMN email_verified boolean NOT NULL DEFAULT false,
    ADD COLUMN google_id      text UNIQUE,
    ADD COLUMN cognito_sub    text UNIQUE,
    ADD COLUMN last_login_at  timestamptz,
    ADD COLUMN role           text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin'));

-- Accounts link only through a verified email, so only verified emails
-- must be unique.
CREATE UNIQUE INDEX users_verified_email ON users (lower(email)) WHERE email_verified;

-- A session is one refresh-token family: every rotation stays in it, and
-- revoking it ends them all.
CREATE TABLE auth_sessions (
    id              bigserial PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider        text NOT NULL CHECK (provider IN ('google', 'cognito', 'toss')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz,
    revoked_reason  text
);
CREATE INDEX auth_sessions_user_id ON auth_sessions (user_id);

-- Refresh tokens are stored only as SHA-256 hashes.
CREATE TABLE refresh_tokens (
    id          bigserial PRIMARY KEY,
    session_id  bigint NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    rotated_at  timestamptz
);
CREATE INDEX refresh_tokens_session_id ON refresh_tokens (session_id);

ALTER TABLE subscriptions
    ADD CONSTRAINT subscriptions_user_game_category UNIQUE (user_id, game_id, category);

-- A push token names one device, which belongs to one user at a time.
ALTER TABLE push_tokens
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
    ADD CONSTRAINT push_tokens_token UNIQUE (token);
