-- import.sql: `mtan import` of a heaptrack file: the loader's frames (it had no module to
-- name them by) give way to heaptrack's, and each stack's depth, site and canonical stack
-- are set again from them (analyze/heaptrack.c).
-- name: clear
DELETE FROM stack_frames;
DELETE FROM frames;
-- name: stacks
SELECT id, trace_id FROM stacks ORDER BY id;
-- name: stack_update
UPDATE stacks SET depth = ?2, site = ?3, canonical = ?4 WHERE id = ?1;
