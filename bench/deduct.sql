-- pgbench: the statement POST /api/payments/user/deduct-points runs
-- (gh_pay_deduct_batch in modules/area_points.c) for a request that
-- arrives alone: 1 point from one of the 32 bench wallets (ids :uid ..
-- :uid + 31), under a source reference of its own. bench/module-sql
-- fills in the statement from the source.
\set n :n + 1
\set w :uid + random(0, 31)
-- @statement modules/area_points.c gh_pay_deduct_batch
-- @arg '{' || :w || '}'
-- @arg '{1}'
-- @arg '{bench}'
-- @arg '{' || :w || '/p' || :client_id || '-' || :n || '}'
