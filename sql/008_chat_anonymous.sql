-- Chat without an identity (seed 003's cURL calls the REST API with none):
-- a room remembers who made it when the gateway said, and a message sent
-- with no identity has no sender. Join and leave rows always have one.
ALTER TABLE chat_rooms ADD COLUMN created_by text;
ALTER TABLE chat_messages
    ALTER COLUMN user_id DROP NOT NULL,
    ALTER COLUMN nickname DROP NOT NULL,
    ADD CONSTRAINT chat_messages_who
        CHECK (kind = 'message' OR (user_id IS NOT NULL AND nickname IS NOT NULL));
