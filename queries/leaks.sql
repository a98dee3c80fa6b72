-- leaks.sql: `mtan leaks`: leaked blocks grouped by allocation site (process, device,
-- space, canonical stack: stacks that read the same are one site), the most bytes first;
-- blocks released by a device close, apart. With a window, the blocks allocated in it (the
-- partial index lifetimes_leaks holds them all). Leaks a suppression covers are left out
-- (reported_leaks, suppress.sql); totals counts them apart.
-- name: sites
SELECT l.pid, l.device, l.space, coalesce(s.name, 'space ' || l.space), k.canonical AS stack,
	count(*) AS blocks, sum(l.size) AS bytes
FROM reported_leaks l
LEFT JOIN stacks k ON k.id = l.alloc_stack
LEFT JOIN space_stats s ON s.pid = l.pid AND s.device = l.device AND s.space = l.space
WHERE (:pid IS NULL OR l.pid = :pid) AND (:device IS NULL OR l.device = :device)
	AND (:space IS NULL OR s.name = :space) AND l.alloc_seq BETWEEN :since AND :until
GROUP BY l.pid, l.device, l.space, k.canonical
ORDER BY bytes DESC, blocks DESC, stack, l.pid, l.device, l.space
LIMIT :limit;
-- name: totals
-- blocks, bytes, sites of the leaks reported; blocks released by a device close
SELECT count(*), coalesce(sum(l.size), 0),
	count(DISTINCT l.pid || ',' || l.device || ',' || l.space || ',' || coalesce(k.canonical, '')),
	(SELECT count(*) FROM device_released r
		LEFT JOIN space_stats s ON s.pid = r.pid AND s.device = r.device AND s.space = r.space
		WHERE (:pid IS NULL OR r.pid = :pid) AND (:device IS NULL OR r.device = :device)
			AND (:space IS NULL OR s.name = :space) AND r.alloc_seq BETWEEN :since AND :until)
FROM reported_leaks l
LEFT JOIN stacks k ON k.id = l.alloc_stack
LEFT JOIN space_stats s ON s.pid = l.pid AND s.device = l.device AND s.space = l.space
WHERE (:pid IS NULL OR l.pid = :pid) AND (:device IS NULL OR l.device = :device)
	AND (:space IS NULL OR s.name = :space) AND l.alloc_seq BETWEEN :since AND :until;
-- name: released
SELECT r.pid, r.device, r.space, coalesce(s.name, 'space ' || r.space), k.canonical AS stack,
	count(*) AS blocks, sum(r.size) AS bytes
FROM device_released r
LEFT JOIN stacks k ON k.id = r.alloc_stack
LEFT JOIN space_stats s ON s.pid = r.pid AND s.device = r.device AND s.space = r.space
WHERE (:pid IS NULL OR r.pid = :pid) AND (:device IS NULL OR r.device = :device)
	AND (:space IS NULL OR s.name = :space) AND r.alloc_seq BETWEEN :since AND :until
GROUP BY r.pid, r.device, r.space, k.canonical
ORDER BY bytes DESC, blocks DESC, stack, r.pid, r.device, r.space
LIMIT :limit;
