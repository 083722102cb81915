-- pgbench: the statement the module runs for a callback (gh_unlink_delete
-- in modules/area_toss_unlink.c, delete mode) with one callback per
-- transaction: the arrays hold one element, as when a callback arrives
-- alone. bench/module-sql fills in the statement from the source. Client c sends the keys
-- BASE + c * 10000000 + 1, 2, 3, ... (BASE and n come from bench/run).
\set n :n + 1
\set k :base + :client_id * 10000000 + :n
-- @statement modules/area_toss_unlink.c gh_unlink_delete
-- @arg '{' || :k || '}'
-- @arg '{"9f1c2b7a45e0d3c8b6a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9"}'
-- @arg '{"UNLINK"}'
-- @arg '{"127.0.0.1"}'
-- @arg '{"awEzAV5tSbXr8BSHDn_NvQAAAAI"}'
