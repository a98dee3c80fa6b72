-- growth.sql: `mtan growth`: the series of live bytes and blocks of each (device, space)
-- from the timeline, judged in C (analyze/trend.c), and the sites whose own live bytes
-- grew between the start and the end of the judged part.
-- name: scopes
-- pid NULL: each space over all processes; else one process's
SELECT DISTINCT device, space FROM timeline
WHERE pid IS :pid AND (:device IS NULL OR device = :device) AND (:space IS NULL OR space = :space)
ORDER BY device = -1 DESC, device, space;
-- name: series
-- the buckets in seqs ?4..?5 by their last event, or the one that holds the whole window
SELECT time_ns, seq, live_bytes, live_blocks FROM (
	SELECT time_ns, seq, live_bytes, live_blocks, lag(seq) OVER (ORDER BY seq) AS prev_seq
	FROM timeline WHERE device = ?1 AND space = ?2 AND pid IS ?3)
WHERE seq BETWEEN ?4 AND ?5 OR (coalesce(prev_seq, -1) < ?4 AND seq > ?5)
ORDER BY seq;
-- name: sites
-- each site's live bytes and blocks at seq ?5 minus at seq ?4 (device ?1, space name ?2,
-- pid ?3 or all): the blocks live at either, found as frag.sql finds them (long ones by
-- their index, short ones in the lifetime ids ?6..?7 and ?8..?9 allocated just before)
WITH keys AS (SELECT pid, space FROM space_stats WHERE device = ?1 AND name = ?2 AND (?3 IS NULL OR pid = ?3)),
blocks AS (
	SELECT l.pid, l.alloc_stack, l.size, l.alloc_seq, l.end_seq FROM keys k JOIN lifetimes l
		ON l.pid = k.pid AND l.device = ?1 AND l.space = k.space
	WHERE (l.end_seq IS NULL OR l.end_seq - l.alloc_seq > 65536) AND l.alloc_seq <= ?5
		AND (l.end_seq IS NULL OR l.end_seq > ?5 OR l.end_seq > ?4)
	UNION ALL
	SELECT l.pid, l.alloc_stack, l.size, l.alloc_seq, l.end_seq FROM lifetimes l
	WHERE (l.id BETWEEN ?6 AND ?7 OR l.id BETWEEN ?8 AND ?9) AND l.device = ?1
		AND (l.pid, l.space) IN keys AND l.end_seq - l.alloc_seq <= 65536
		AND ((l.alloc_seq <= ?4 AND l.end_seq > ?4) OR (l.alloc_seq <= ?5 AND l.end_seq > ?5))),
live AS (
	SELECT pid, alloc_stack,
		CASE WHEN alloc_seq <= ?5 AND (end_seq IS NULL OR end_seq > ?5) THEN size ELSE 0 END AS at_end,
		CASE WHEN alloc_seq <= ?4 AND (end_seq IS NULL OR end_seq > ?4) THEN size ELSE 0 END AS at_start,
		alloc_seq <= ?5 AND (end_seq IS NULL OR end_seq > ?5) AS live_end,
		alloc_seq <= ?4 AND (end_seq IS NULL OR end_seq > ?4) AS live_start
	FROM blocks)
SELECT l.pid, k.canonical AS stack, sum(l.at_end) - sum(l.at_start) AS bytes,
	sum(l.live_end) - sum(l.live_start) AS blocks, sum(l.at_end) AS live_bytes
FROM live l LEFT JOIN stacks k ON k.id = l.alloc_stack -- stacks that read the same are one site
GROUP BY l.pid, k.canonical
HAVING bytes > 0
ORDER BY bytes DESC, blocks DESC, stack
LIMIT ?10;
