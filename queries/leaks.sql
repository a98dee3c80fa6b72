-- leaks.sql: `mtan leaks`: leaked blocks grouped by allocation site (process, device,
-- space, stack), the most bytes first; blocks released by a device close, apart. With a
-- window, the blocks allocated in it (the partial index lifetimes_leaks holds them all).
-- name: sites
SELECT l.pid, l.device, l.space, coalesce(s.name, 'space ' || l.space), l.alloc_stack AS stack,
	count(*) AS blocks, sum(l.size) AS bytes
FROM leaks l
LEFT JOIN space_stats s ON s.pid = l.pid AND s.device = l.device AND s.space = l.space
WHERE (:pid IS NULL OR l.pid = :pid) AND (:device IS NULL OR l.device = :device)
	AND (:space IS NULL OR s.name = :space) AND l.alloc_seq BETWEEN :since AND :until
GROUP BY l.pid, l.device, l.space, l.alloc_stack
ORDER BY bytes DESC, blocks DESC, stack, l.pid, l.device, l.space
LIMIT :limit;
-- name: totals
SELECT count(*), coalesce(sum(l.size), 0),
	count(DISTINCT l.pid || ',' || l.device || ',' || l.space || ',' || coalesce(l.alloc_stack, '')),
	(SELECT count(*) FROM device_released r
		LEFT JOIN space_stats s ON s.pid = r.pid AND s.device = r.device AND s.space = r.space
		WHERE (:pid IS NULL OR r.pid = :pid) AND (:device IS NULL OR r.device = :device)
			AND (:space IS NULL OR s.name = :space) AND r.alloc_seq BETWEEN :since AND :until)
FROM leaks l
LEFT JOIN space_stats s ON s.pid = l.pid AND s.device = l.device AND s.space = l.space
WHERE (:pid IS NULL OR l.pid = :pid) AND (:device IS NULL OR l.device = :device)
	AND (:space IS NULL OR s.name = :space) AND l.alloc_seq BETWEEN :since AND :until;
-- name: released
-- :held 1 the blocks held to close (allocated after their device's setup), 0 the baseline's,
-- NULL both (held first); a site with both is two rows
SELECT r.pid, r.device, r.space, coalesce(s.name, 'space ' || r.space), r.alloc_stack,
	count(*) AS blocks, sum(r.size) AS bytes, r.held_to_close
FROM device_released r
LEFT JOIN space_stats s ON s.pid = r.pid AND s.device = r.device AND s.space = r.space
WHERE (:pid IS NULL OR r.pid = :pid) AND (:device IS NULL OR r.device = :device)
	AND (:space IS NULL OR s.name = :space) AND r.alloc_seq BETWEEN :since AND :until
	AND (:held IS NULL OR r.held_to_close = :held)
GROUP BY r.pid, r.device, r.space, r.alloc_stack, r.held_to_close
ORDER BY r.held_to_close DESC, bytes DESC, blocks DESC, r.alloc_stack, r.pid, r.device, r.space
LIMIT :limit;
-- name: held_totals
-- the blocks held to close in scope, and how each of their devices' setup ended
SELECT count(*), coalesce(sum(r.held_to_close), 0)
FROM device_released r
LEFT JOIN space_stats s ON s.pid = r.pid AND s.device = r.device AND s.space = r.space
WHERE (:pid IS NULL OR r.pid = :pid) AND (:device IS NULL OR r.device = :device)
	AND (:space IS NULL OR s.name = :space) AND r.alloc_seq BETWEEN :since AND :until;
-- name: baselines
-- where the setup of each device that held blocks to close ended
SELECT d.pid, d.device, d.baseline, d.baseline_seq,
	(SELECT m.label FROM marks m WHERE m.pid = d.pid AND m.seq = d.baseline_seq)
FROM devices d
WHERE d.baseline_seq IS NOT NULL AND (:pid IS NULL OR d.pid = :pid)
	AND (:device IS NULL OR d.device = :device)
	AND EXISTS (SELECT 1 FROM device_released r WHERE r.pid = d.pid AND r.device = d.device
		AND r.end_seq = d.close_seq AND r.held_to_close)
ORDER BY d.pid, d.device, d.open_seq;
