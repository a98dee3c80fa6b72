-- import.sql: `mtan import` of a heaptrack file or a CSV with stacks: the loader's frames
-- (it had no module to name them by) give way to the names the other tool gave, and each
-- stack's depth, site and canonical stack are set again from them (analyze/extframes.c).
-- name: clear
DELETE FROM stack_frames;
DELETE FROM frames;
-- name: stacks
SELECT id, pid, trace_id FROM stacks ORDER BY id;
-- name: stack_update
UPDATE stacks SET depth = ?2, site = ?3, canonical = ?4 WHERE id = ?1;
