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
FROM (SELECT *, lag(seq) OVER (PARTITION BY device, space ORDER BY seq) AS prev_seq
	FROM timeline
	WHERE pid IS :pid AND (:device IS NULL OR device = :device) AND (:space IS NULL OR space = :space)) t
-- a bucket is in the window by its last event; and the bucket that holds the whole window
-- (a run short for the recorder's clock has a few) is its only row rather than none
WHERE t.seq BETWEEN :since AND :until OR (coalesce(t.prev_seq, -1) < :since AND t.seq > :until)
ORDER BY t.seq
LIMIT :limit;
-- name: clock
-- whether the trace's times may crowd into a few values (mtan_coarse_times): meta.time
-- `collector` (an older recorder's collector clock, or an import's times as given). Times
-- interpolated between two or more CLOCK readings, or precise, are each event's own and
-- resolve a run of any length
SELECT NOT (coalesce((SELECT value FROM meta WHERE key = 'time'), 'collector') = 'precise'
	OR (coalesce((SELECT value FROM meta WHERE key = 'time'), 'collector') = 'interpolated'
	    AND coalesce((SELECT value FROM meta WHERE key = 'clock_readings'), 0) >= 2));
-- name: rss
-- the sampled RSS (every process, or :pid's) in time order, for the terminal's chart of
-- the host heap
SELECT pid, time_ns, rss_bytes FROM rss WHERE :pid IS NULL OR pid = :pid ORDER BY time_ns;
