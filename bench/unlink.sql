-- pgbench: the statement the module runs for a callback (gh_unlink_delete
-- in modules/area_toss_unlink.c, delete mode) with one callback per
-- transaction: the arrays hold one element, as when a callback arrives
-- alone. Keep it in step with the module's SQL. Client c sends the keys
-- BASE + c * 10000000 + 1, 2, 3, ... (BASE and n come from bench/run).
\set n :n + 1
\set k :base + :client_id * 10000000 + :n
WITH input AS (SELECT * FROM unnest(CAST('{' || :k || '}' AS bigint[]), CAST('{"9f1c2b7a45e0d3c8b6a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9"}' AS text[]), CAST('{"UNLINK"}' AS text[]), CAST('{"127.0.0.1"}' AS inet[]), CAST('{"awEzAV5tSbXr8BSHDn_NvQAAAAI"}' AS text[])) WITH ORDINALITY AS t(user_key, key_hash, referrer, client_ip, request_id, ord)), locked AS (SELECT array_agg(id) AS ids FROM (SELECT id FROM users WHERE toss_user_key IN (SELECT user_key FROM input) ORDER BY id FOR UPDATE) l), changed AS (DELETE FROM users WHERE id = ANY ((SELECT ids FROM locked)::bigint[]) RETURNING toss_user_key), result AS (SELECT input.*, CASE WHEN user_key = 0 THEN 'test' WHEN ord = (SELECT min(i.ord) FROM input i WHERE i.user_key = input.user_key) AND EXISTS (SELECT 1 FROM changed c WHERE c.toss_user_key = input.user_key) THEN 'deleted' ELSE 'not_found' END AS outcome FROM input), audit AS (INSERT INTO unlink_audit (user_key_hash, referrer, outcome, client_ip, request_id) SELECT key_hash, referrer, outcome, client_ip, request_id FROM result ORDER BY ord) SELECT ord, outcome FROM result;
