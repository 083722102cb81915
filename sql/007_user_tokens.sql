-- Our access tokens carry the user's token epoch. Each child caches the
-- epoch, role and active flag of the users it serves (gh_user_cache.c),
-- and this trigger tells every child of every host, through
-- LISTEN gamehoney_users, which user's entry to drop: a demotion, a
-- deactivation, a deletion or a "log out everywhere" (epoch + 1) takes
-- effect on the next request.
ALTER TABLE users ADD COLUMN token_epoch bigint NOT NULL DEFAULT 0 CHECK (token_epoch >= 0);

CREATE FUNCTION users_notify_tokens() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gamehoney_users', OLD.id::text);
    RETURN NULL;
END $$;

CREATE TRIGGER users_notify_tokens_update AFTER UPDATE OF role, is_active, token_epoch ON users
    FOR EACH ROW
    WHEN (OLD.role IS DISTINCT FROM NEW.role OR OLD.is_active IS DISTINCT FROM NEW.is_active
          OR OLD.token_epoch IS DISTINCT FROM NEW.token_epoch)
    EXECUTE FUNCTION users_notify_tokens();
CREATE TRIGGER users_notify_tokens_delete AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION users_notify_tokens();
