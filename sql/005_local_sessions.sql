-- Sessions an operator opens for a local user with `make token` (the
-- sandbox and the README examples), recorded as such rather than passed
-- off as a provider's sign-in.
ALTER TABLE auth_sessions DROP CONSTRAINT auth_sessions_provider_check,
    ADD CONSTRAINT auth_sessions_provider_check
        CHECK (provider IN ('google', 'cognito', 'toss', 'local'));
