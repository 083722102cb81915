-- pgbench: the statement GET /api/auth/me runs (gh_me in
-- modules/area_accounts.c) for a request that arrives alone: one user id
-- in the array. Keep it in step.
SELECT id, email, email_verified, name, picture, role, google_id IS NOT NULL, cognito_sub IS NOT NULL, toss_user_key IS NOT NULL, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24":"MI":"SS"Z"'), to_char(last_login_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24":"MI":"SS"Z"') FROM users WHERE id = ANY (CAST('{' || :uid || '}' AS bigint[])) AND is_active;
