-- leaks.sql: `mtan leaks`: leaked blocks grouped by allocation site (process, device,
-- space, stack), the most bytes first; blocks released by a device close, apart.
-- name: sites
SELECT l.pid, l.device, l.space, coalesce(s.name, 'space ' || l.space), l.stack, l.blocks, l.bytes
FROM leak_sites l
LEFT JOIN space_stats s ON s.pid = l.pid AND s.device = l.device AND s.space = l.space
WHERE :pid IS NULL OR l.pid = :pid
ORDER BY l.bytes DESC, l.blocks DESC, l.stack, l.pid, l.device, l.space
LIMIT :limit;
-- name: totals
SELECT count(*), coalesce(sum(size), 0),
	count(DISTINCT pid || ',' || device || ',' || space || ',' || coalesce(alloc_stack, '')),
	(SELECT count(*) FROM device_released WHERE :pid IS NULL OR pid = :pid)
FROM leaks WHERE :pid IS NULL OR pid = :pid;
-- name: frames
SELECT level, function, file, line, module, offset, address
FROM stack_symbols WHERE stack_id = :stack ORDER BY level;
-- name: released
SELECT r.pid, r.device, r.space, coalesce(s.name, 'space ' || r.space), r.alloc_stack,
	count(*) AS blocks, sum(r.size) AS bytes
FROM device_released r
LEFT JOIN space_stats s ON s.pid = r.pid AND s.device = r.device AND s.space = r.space
WHERE :pid IS NULL OR r.pid = :pid
GROUP BY r.pid, r.device, r.space, r.alloc_stack
ORDER BY bytes DESC, blocks DESC, r.alloc_stack, r.pid, r.device, r.space
LIMIT :limit;
