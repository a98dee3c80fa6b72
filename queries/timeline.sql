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
-- name: by_seq
-- For runs short for the recorder's clock (their events share a few times): the live bytes
-- of device :d, space :s (every process, or :pid's) after each event from :since to
-- :until, in event order. A forked child's copies count from the fork.
WITH ev AS (
	SELECT CASE WHEN l.inherited
		THEN (SELECT min(p.start_seq) FROM processes p WHERE p.pid = l.pid AND p.how = 'fork')
		ELSE l.alloc_seq END AS seq, l.size AS d
	FROM lifetimes l JOIN space_stats s ON s.pid = l.pid AND s.device = l.device AND s.space = l.space
	WHERE l.device = :d AND s.name = :s AND (:pid IS NULL OR l.pid = :pid)
	UNION ALL
	SELECT l.end_seq, -l.size
	FROM lifetimes l JOIN space_stats s ON s.pid = l.pid AND s.device = l.device AND s.space = l.space
	WHERE l.device = :d AND s.name = :s AND (:pid IS NULL OR l.pid = :pid) AND l.end_seq IS NOT NULL),
run AS (SELECT seq, sum(d) OVER (ORDER BY seq, d DESC ROWS UNBOUNDED PRECEDING) AS live
	FROM ev WHERE seq IS NOT NULL)
SELECT seq, live FROM run WHERE seq BETWEEN :since AND :until ORDER BY seq;
-- name: clock
-- whether the run was short for the recorder's clock (~1 ms; mtan_short_run): its events
-- (every device and space; every process, or :pid's) in fewer than 32 time buckets, four
-- or more to a bucket
SELECT count(DISTINCT bucket) < 32 AND coalesce(sum(allocs + frees), 0) >= 4 * count(DISTINCT bucket)
FROM timeline WHERE pid IS :pid;
-- name: spaces
-- the devices and spaces in scope, for charts by event order
SELECT DISTINCT device, name FROM space_stats
WHERE (:pid IS NULL OR pid = :pid) AND (:device IS NULL OR device = :device) AND (:space IS NULL OR name = :space);
