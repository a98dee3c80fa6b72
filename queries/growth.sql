-- growth.sql: `mtan growth`: the series of live bytes and blocks of each (device, space)
-- from the timeline, and at each recurrence of a repeated mark (mark_live), judged in C
-- (analyze/trend.c), and the sites whose own live bytes grew between the start and the
-- end of the judged part.
-- name: scopes
-- pid NULL: each space over all processes; else one process's
SELECT DISTINCT device, space FROM timeline
WHERE pid IS :pid AND (:device IS NULL OR device = :device) AND (:space IS NULL OR space = :space)
ORDER BY device = -1 DESC, device, space;
-- name: before
-- the state at the window's start (?4): the scope's last row before it
SELECT time_ns, seq, live_bytes, live_blocks FROM timeline
WHERE device = ?1 AND space = ?2 AND pid IS ?3 AND seq < ?4
ORDER BY seq DESC LIMIT 1;
-- name: series
-- the rows in seqs ?4..?5 (the window, up to a device close), or the one bucket that holds
-- the whole window
SELECT time_ns, seq, live_bytes, live_blocks FROM (
	SELECT time_ns, seq, live_bytes, live_blocks, lag(seq) OVER (ORDER BY seq) AS prev_seq
	FROM timeline WHERE device = ?1 AND space = ?2 AND pid IS ?3)
WHERE seq BETWEEN ?4 AND ?5 OR (coalesce(prev_seq, -1) < ?4 AND seq > ?5)
ORDER BY seq;
-- name: times
-- the signal over time: the scope's distinct times (rows) up to the window's end (?4)
SELECT count(*) FROM timeline WHERE device = ?1 AND space = ?2 AND pid IS ?3 AND seq <= ?4;
-- name: close
-- the first close of device ?1 (any process, or ?2's) in seqs ?3..?4: its teardown
SELECT close_seq, close_ns FROM devices
WHERE device = ?1 AND (?2 IS NULL OR pid = ?2) AND close_seq BETWEEN ?3 AND ?4
ORDER BY close_seq LIMIT 1;
-- name: end
-- the trace's last time: its last event, mark or process exit
SELECT max(t) FROM (SELECT max(time_ns) AS t FROM timeline UNION ALL SELECT max(exit_ns) FROM processes
	UNION ALL SELECT max(time_ns) FROM marks);
-- name: clock
-- the collector's clock readings and the time they span (interpolated times; 0 otherwise)
SELECT coalesce((SELECT value FROM meta WHERE key = 'clock_readings'), 0),
	coalesce((SELECT value FROM meta WHERE key = 'clock_span_ns'), 0);
-- name: alloc_time
-- the time of the first allocation at or after lifetime id ?1 (window.sql's at)
SELECT alloc_ns FROM lifetimes WHERE id >= ?1 AND inherited = 0 ORDER BY id LIMIT 1;
-- name: marks
-- the live bytes at each kept mark in seqs ?4..?5, with its time and label
SELECT l.seq, m.time_ns, m.label, l.live_bytes, l.live_blocks
FROM mark_live l JOIN marks m ON m.seq = l.seq
WHERE l.device = ?1 AND l.space = ?2 AND l.pid IS ?3 AND l.seq BETWEEN ?4 AND ?5
ORDER BY l.seq;
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
