-- leaks.sql: `mtan leaks`: leaked blocks grouped by allocation site (process, device,
-- space, canonical stack: stacks that read the same are one site), the most bytes first;
-- blocks released by a device close, apart. With a window, the blocks allocated in it (the
-- partial index lifetimes_leaks holds them all). Leaks a suppression covers are left out
-- (reported_leaks, suppress.sql); totals counts them apart.
-- name: sites
-- the lost kinds; still_reachable too when :reachable is 1. A sampled trace (mtrec
-- --sample-stacks): the blocks with a stack only, est_blocks and est_bytes their site's
-- estimates (SCHEMA.md, sampling); else those are blocks and bytes.
SELECT l.pid, l.device, l.space, coalesce(s.name, 'space ' || l.space), k.canonical AS stack,
	count(*) AS blocks, sum(l.size) AS bytes, coalesce(l.leak_kind, 'not_scanned') AS kind,
	sum(CASE WHEN m.sample_bytes = 0 THEN 1
		ELSE 1 / (1 - exp(-max(l.size, 1) * 1.0 / m.sample_bytes)) END) AS est_blocks,
	sum(CASE WHEN m.sample_bytes = 0 THEN l.size
		ELSE l.size / (1 - exp(-max(l.size, 1) * 1.0 / m.sample_bytes)) END) AS est_bytes
FROM reported_leaks l
CROSS JOIN sampling m
LEFT JOIN stacks k ON k.id = l.alloc_stack
LEFT JOIN space_stats s ON s.pid = l.pid AND s.device = l.device AND s.space = l.space
WHERE (:pid IS NULL OR l.pid = :pid) AND (:device IS NULL OR l.device = :device)
	AND (:space IS NULL OR s.name = :space) AND l.alloc_seq BETWEEN :since AND :until
	AND (:reachable OR coalesce(l.leak_kind, 'not_scanned') != 'still_reachable')
	AND (m.sample_bytes = 0 OR l.alloc_stack IS NOT NULL)
GROUP BY l.pid, l.device, l.space, k.canonical, kind
ORDER BY est_bytes DESC, blocks DESC, stack, l.pid, l.device, l.space, kind
LIMIT :limit;
-- name: unsampled
-- a sampled trace: the reported leaks without a stack (their bytes are in the estimates)
-- and the sampling mean: blocks, bytes, sample_bytes
SELECT count(*), coalesce(sum(l.size), 0), m.sample_bytes
FROM reported_leaks l
CROSS JOIN sampling m
LEFT JOIN space_stats s ON s.pid = l.pid AND s.device = l.device AND s.space = l.space
WHERE (:pid IS NULL OR l.pid = :pid) AND (:device IS NULL OR l.device = :device)
	AND (:space IS NULL OR s.name = :space) AND l.alloc_seq BETWEEN :since AND :until
	AND (:reachable OR coalesce(l.leak_kind, 'not_scanned') != 'still_reachable')
	AND l.alloc_stack IS NULL AND m.sample_bytes > 0;
-- name: totals
-- the leaks reported per kind (a NULL kind, a trace of an older mtan: not_scanned): kind,
-- blocks, bytes, sites
SELECT coalesce(l.leak_kind, 'not_scanned') AS kind, count(*), coalesce(sum(l.size), 0),
	-- a sampled trace's blocks without a stack are no site of their own
	count(DISTINCT CASE WHEN m.sample_bytes > 0 AND l.alloc_stack IS NULL THEN NULL
		ELSE l.pid || ',' || l.device || ',' || l.space || ',' || coalesce(k.canonical, '') END)
FROM reported_leaks l
CROSS JOIN sampling m
LEFT JOIN stacks k ON k.id = l.alloc_stack
LEFT JOIN space_stats s ON s.pid = l.pid AND s.device = l.device AND s.space = l.space
WHERE (:pid IS NULL OR l.pid = :pid) AND (:device IS NULL OR l.device = :device)
	AND (:space IS NULL OR s.name = :space) AND l.alloc_seq BETWEEN :since AND :until
GROUP BY kind;
-- name: released_blocks
SELECT count(*) FROM device_released r
LEFT JOIN space_stats s ON s.pid = r.pid AND s.device = r.device AND s.space = r.space
WHERE (:pid IS NULL OR r.pid = :pid) AND (:device IS NULL OR r.device = :device)
	AND (:space IS NULL OR s.name = :space) AND r.alloc_seq BETWEEN :since AND :until;
-- name: not_scanned
-- why the not_scanned leaks were not judged, per process: pid, why ('device': device or
-- client-API memory, not the process's; 'after_scan': allocated while its scan ran;
-- 'signal': killed by exit_signal; 'off': mtrec --no-scan; 'none': no scan in the trace),
-- the signal, blocks, bytes
SELECT l.pid,
	CASE WHEN l.device != -1 OR l.space != 0 THEN 'device'
		WHEN p.scanned = 1 THEN 'after_scan'
		WHEN p.exit_signal IS NOT NULL THEN 'signal'
		WHEN (SELECT value FROM meta WHERE key = 'scan') = 'off' THEN 'off'
		ELSE 'none' END AS why,
	max(p.exit_signal), count(*), sum(l.size)
FROM reported_leaks l
LEFT JOIN (SELECT pid, max(scanned) AS scanned, max(exit_signal) AS exit_signal FROM processes GROUP BY pid) p
	ON p.pid = l.pid
LEFT JOIN space_stats s ON s.pid = l.pid AND s.device = l.device AND s.space = l.space
WHERE coalesce(l.leak_kind, 'not_scanned') = 'not_scanned'
	AND (:pid IS NULL OR l.pid = :pid) AND (:device IS NULL OR l.device = :device)
	AND (:space IS NULL OR s.name = :space) AND l.alloc_seq BETWEEN :since AND :until
GROUP BY l.pid, why ORDER BY why = 'device', l.pid;
-- name: released
-- :held 1 the blocks held to close (allocated after their device's setup), 0 the baseline's,
-- NULL both (held first); a site with both is two rows
SELECT r.pid, r.device, r.space, coalesce(s.name, 'space ' || r.space), k.canonical AS stack,
	count(*) AS blocks, sum(r.size) AS bytes, r.held_to_close
FROM device_released r
LEFT JOIN stacks k ON k.id = r.alloc_stack
LEFT JOIN space_stats s ON s.pid = r.pid AND s.device = r.device AND s.space = r.space
WHERE (:pid IS NULL OR r.pid = :pid) AND (:device IS NULL OR r.device = :device)
	AND (:space IS NULL OR s.name = :space) AND r.alloc_seq BETWEEN :since AND :until
	AND (:held IS NULL OR r.held_to_close = :held)
GROUP BY r.pid, r.device, r.space, k.canonical, r.held_to_close
ORDER BY r.held_to_close DESC, bytes DESC, blocks DESC, stack, r.pid, r.device, r.space
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
