-- Chat (seed 003): rooms, and every message, join and leave as a row, so
-- that a listener that lost its connection catches up by id. Each insert
-- announces "<room_id>:<id>" on channel gamehoney_chat in its own
-- transaction: ids only, never the body.

CREATE TABLE chat_rooms (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL,
    post_id     bigint NOT NULL CHECK (post_id > 0),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE chat_messages (
    id           bigserial PRIMARY KEY,
    room_id      bigint NOT NULL REFERENCES chat_rooms (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('message', 'join', 'leave')),
    user_id      text NOT NULL,
    nickname     text NOT NULL,
    sender       text,
    profile_url  text,
    message      text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'message') = (message IS NOT NULL))
);
CREATE INDEX chat_messages_room_id ON chat_messages (room_id, id);

CREATE FUNCTION chat_messages_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gamehoney_chat', NEW.room_id || ':' || NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER chat_messages_notify AFTER INSERT ON chat_messages
    FOR EACH ROW EXECUTE FUNCTION chat_messages_notify();
