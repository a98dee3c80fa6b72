-- check.sql: what `mtan check` judges: leaked bytes per allocation stack (suppressions are
-- matched against each stack's frames) and anomalies per kind. :pid NULL: every process;
-- :device and :space (a name) NULL: every device and space.
-- name: sites
SELECT l.alloc_stack, count(*), sum(l.size)
FROM leaks l LEFT JOIN space_stats s ON s.pid = l.pid AND s.device = l.device AND s.space = l.space
WHERE (:pid IS NULL OR l.pid = :pid) AND (:device IS NULL OR l.device = :device)
	AND (:space IS NULL OR s.name = :space)
GROUP BY l.alloc_stack ORDER BY sum(l.size) DESC, l.alloc_stack;
-- name: frames
SELECT function, module, file, offset, address
FROM stack_symbols WHERE stack_id = :stack ORDER BY level;
-- name: anomalies
SELECT a.kind, count(*)
FROM anomalies a LEFT JOIN space_stats s ON s.pid = a.pid AND s.device = a.device AND s.space = a.space
WHERE (:pid IS NULL OR a.pid = :pid) AND (:device IS NULL OR a.device = :device)
	AND (:space IS NULL OR s.name = :space)
GROUP BY a.kind;
-- name: held
-- blocks held to close: live when their device closed, allocated after its setup (baseline)
SELECT count(*), coalesce(sum(r.size), 0)
FROM device_released r LEFT JOIN space_stats s ON s.pid = r.pid AND s.device = r.device AND s.space = r.space
WHERE r.held_to_close AND (:pid IS NULL OR r.pid = :pid) AND (:device IS NULL OR r.device = :device)
	AND (:space IS NULL OR s.name = :space);
