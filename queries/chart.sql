-- chart.sql: what the charts of live bytes draw (analyze/chart.c: `mtan report` and the
-- terminal's `mtan timeline`): every change of live bytes per device and space, in seq
-- order; the devices' lives; the marks.
-- name: events
-- Every change of live bytes (every process, or :pid's; :device, :space), in seq order:
-- each allocation (a forked child's copies at the fork), each end (free, realloc,
-- overwrite, exec, device close), and, at its process's exit, each block the process still
-- held (kind 1: its memory went with it). Ties: what comes before what goes.
WITH l AS (
	SELECT l.pid, l.device, s.name, l.size, l.inherited, l.alloc_seq, l.alloc_ns, l.end_seq, l.end_ns
	FROM lifetimes l JOIN space_stats s ON s.pid = l.pid AND s.device = l.device AND s.space = l.space
	WHERE (:pid IS NULL OR l.pid = :pid) AND (:device IS NULL OR l.device = :device)
		AND (:space IS NULL OR s.name = :space)),
forks AS (SELECT pid, min(start_seq) AS seq, min(start_ns) AS ns FROM processes WHERE how = 'fork' GROUP BY pid),
ex AS (SELECT pid, exit_seq, exit_ns FROM processes WHERE exit_seq IS NOT NULL),
came AS (
	SELECT CASE WHEN l.inherited THEN f.seq ELSE l.alloc_seq END AS seq,
		CASE WHEN l.inherited THEN f.ns ELSE l.alloc_ns END AS ns, l.*
	FROM l LEFT JOIN forks f ON l.inherited AND f.pid = l.pid)
SELECT seq, ns, device, name, size AS d, 0 AS kind FROM came WHERE seq IS NOT NULL
UNION ALL
SELECT end_seq, end_ns, device, name, -size, 0 FROM came WHERE seq IS NOT NULL AND end_seq IS NOT NULL
UNION ALL
SELECT x.exit_seq, x.exit_ns, c.device, c.name, -c.size, 1
FROM came c JOIN ex x ON x.pid = c.pid AND x.exit_seq >= c.seq
WHERE c.seq IS NOT NULL AND c.end_seq IS NULL
	AND NOT EXISTS (SELECT 1 FROM ex y WHERE y.pid = c.pid AND y.exit_seq >= c.seq AND y.exit_seq < x.exit_seq)
ORDER BY 1, 5 DESC;
-- name: buckets
-- The same from the loader's timeline (traces too big to chart event by event): live bytes
-- after each time bucket and the most within it. A process's exit does not end its blocks
-- there.
SELECT seq, time_ns, device, space, live_bytes, max_bytes FROM timeline
WHERE pid IS :pid AND (:device IS NULL OR device = :device) AND (:space IS NULL OR space = :space)
ORDER BY seq;
-- name: spaces
-- The devices and spaces in scope, the host first, with the capacity of the space where
-- the trace gives one: a device's capacity (mtrec_device_open) is a space's only when the
-- device has that one space (the client API names no capacity per space).
SELECT s.device, s.name,
	CASE WHEN (SELECT count(DISTINCT t.name) FROM space_stats t WHERE t.device = s.device) = 1
		THEN (SELECT max(d.capacity) FROM devices d WHERE d.device = s.device) END
FROM space_stats s
WHERE (:pid IS NULL OR s.pid = :pid) AND (:device IS NULL OR s.device = :device) AND (:space IS NULL OR s.name = :space)
GROUP BY s.device, s.name
ORDER BY s.device = -1 DESC, s.device, s.name;
-- name: lives
-- Each device's life (every process, or :pid's): its first open and its last close (NULL:
-- not closed), by seq and time; the end of its first setup (devices.baseline_seq, NULL: none).
SELECT device, min(open_seq), min(open_ns),
	CASE WHEN count(close_seq) = count(*) THEN max(close_seq) END,
	CASE WHEN count(close_seq) = count(*) THEN max(close_ns) END,
	min(baseline_seq)
FROM devices WHERE :pid IS NULL OR pid = :pid GROUP BY device;
-- name: marks
SELECT seq, time_ns, label FROM marks WHERE :pid IS NULL OR pid = :pid ORDER BY seq;
-- name: marks_span
-- the marks' first and last seq and time (every process, or :pid's), from :since to :until:
-- the run a chart spans reaches them
SELECT min(seq), max(seq), min(time_ns), max(time_ns) FROM marks
WHERE (:pid IS NULL OR pid = :pid) AND seq BETWEEN :since AND :until;
