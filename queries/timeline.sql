-- timeline.sql: `mtan timeline`: the pre-aggregated timeline (one row per scope and time
-- bucket with events), in seq order, with the process's sampled RSS beside the host heap
-- (the latest sample at or before the row; summed over processes for pid NULL).
-- name: rows
SELECT t.time_ns, t.seq, t.pid, t.device, t.space, t.live_bytes, t.live_blocks, t.max_bytes,
	t.allocs, t.frees, t.bytes_allocated, t.bytes_freed,
	CASE WHEN t.device = -1 AND t.space = 'heap' THEN
		CASE WHEN t.pid IS NULL THEN
			(SELECT sum((SELECT r.rss_bytes FROM rss r WHERE r.pid = p.pid AND r.time_ns <= t.time_ns
				ORDER BY r.time_ns DESC LIMIT 1)) FROM (SELECT DISTINCT pid FROM rss) p)
		ELSE (SELECT r.rss_bytes FROM rss r WHERE r.pid = t.pid AND r.time_ns <= t.time_ns
			ORDER BY r.time_ns DESC LIMIT 1)
		END
	END AS rss_bytes
FROM timeline t
WHERE t.pid IS :pid AND (:device IS NULL OR t.device = :device) AND (:space IS NULL OR t.space = :space)
	AND t.seq BETWEEN :since AND :until
ORDER BY t.seq
LIMIT :limit;
