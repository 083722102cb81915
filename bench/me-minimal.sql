-- pgbench: the plain primary-key SELECT of the same columns, a stricter
-- reference than me.sql, reported beside it.
SELECT id, email, email_verified, name, picture, role, google_id IS NOT NULL, cognito_sub IS NOT NULL, toss_user_key IS NOT NULL, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24":"MI":"SS"Z"'), to_char(last_login_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24":"MI":"SS"Z"') FROM users WHERE id = :uid AND is_active;
