-- pgbench: the least SQL that does one callback's work (delete the user,
-- with subscriptions and push tokens by cascade, and write the audit
-- row), one callback per transaction. A stricter reference than
-- unlink.sql, reported beside it.
\set n :n + 1
\set k :base + :client_id * 10000000 + :n
WITH u AS (DELETE FROM users WHERE toss_user_key = :k RETURNING id) INSERT INTO unlink_audit (user_key_hash, referrer, outcome, client_ip, request_id) SELECT '9f1c2b7a45e0d3c8b6a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9', 'UNLINK', CASE WHEN EXISTS (SELECT 1 FROM u) THEN 'deleted' ELSE 'not_found' END, CAST('127.0.0.1' AS inet), 'awEzAV5tSbXr8BSHDn_NvQAAAAI' RETURNING outcome;
