-- pgbench: the statement POST /api/psy-test/submit runs (gh_psy_submit in
-- modules/gh_psy.c, the psy_submit transaction of sql/012) for one
-- submission of version 1, every first option, by one of the 32 bench
-- users (ids :uid .. :uid + 31) under a submission id of its own, with
-- the texts the model fills for it. bench/module-sql fills in the
-- statement from the source.
\set n :n + 1
\set w :uid + random(0, 31)
-- @statement modules/gh_psy.c gh_psy_submit
-- @arg :w
-- @arg 'p' || :client_id || '-' || :n
-- @arg '1'
-- @arg '{101,102,103,104,105,106,107,108,109,110}'
-- @arg '{1011,1021,1031,1041,1051,1061,1071,1081,1091,1101}'
-- @arg '햇살 여우'
-- @arg '/static/characters/sunny-fox.png'
-- @arg '햇살 여우 유형인 당신은 외향성 점수가 70점으로 가장 높아요. 사람들 사이에서 에너지를 얻고, 모임의 분위기를 환하게 밝히는 힘이 있어요. 가장 두드러진 취향은 사교 선호(63점)이에요.'
-- @arg '하루 10분은 혼자만의 조용한 시간을 가져 보세요. 약속이 많은 주에는 쉬는 날을 먼저 달력에 표시해 두면 지치지 않아요. 대화할 때는 한 번 더 상대의 이야기를 끝까지 들어 보세요.'
-- @arg '{70,14,63,46,57,7,63,27}'
