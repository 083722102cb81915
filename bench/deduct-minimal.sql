-- pgbench: the least SQL that does one deduction's work, for the stricter
-- reference: the same guard (never below zero), the same exactly-once
-- ledger row, one statement, no function call.
\set n :n + 1
\set w :uid + random(0, 31)
WITH u AS (UPDATE users SET remaining_points = remaining_points - 1 WHERE id = :w AND remaining_points >= 1 RETURNING id, remaining_points) INSERT INTO point_ledger (user_id, delta, balance_after, reason, source_type, source_id, actor) SELECT id, -1, remaining_points, 'bench', 'deduct', CAST(:w AS text) || '/m' || CAST(:client_id AS text) || '-' || CAST(:n AS text), CAST(:w AS text) FROM u RETURNING id;
