-- check.sql: what `mtan check` judges: leaked bytes per allocation stack (suppressions are
-- matched against each stack's frames) and anomalies per kind. :pid NULL: every process.
-- name: sites
SELECT alloc_stack, count(*), sum(size)
FROM leaks WHERE :pid IS NULL OR pid = :pid
GROUP BY alloc_stack ORDER BY sum(size) DESC, alloc_stack;
-- name: frames
SELECT function, module, file, offset, address
FROM stack_symbols WHERE stack_id = :stack ORDER BY level;
-- name: anomalies
SELECT kind, count(*) FROM anomalies WHERE :pid IS NULL OR pid = :pid GROUP BY kind;
