-- report.sql: `mtan report`: what the HTML report shows, over the whole trace and every
-- process: totals, each device and space with its series of live bytes, marks, anomalies
-- and growth. The leak sites, races and top sites are those of leaks.sql, races.sql and
-- top.sql, through the analyses the commands run (leaks.c, races.c, top.c).
-- name: totals
-- leaked: the lost leaks no suppression covers (lost_leaks); then those suppressed
SELECT coalesce(sum(allocs), 0), coalesce(sum(frees), 0), coalesce(sum(bytes_allocated), 0),
	(SELECT count(*) FROM lost_leaks), (SELECT coalesce(sum(size), 0) FROM lost_leaks),
	coalesce(sum(released_blocks), 0), coalesce(sum(released_bytes), 0),
	(SELECT coalesce(max(peak_bytes), 0) FROM peaks WHERE pid IS NULL AND device IS NULL AND space IS NULL),
	(SELECT count(DISTINCT pid) FROM (SELECT pid FROM processes UNION SELECT pid FROM threads)),
	(SELECT count(*) FROM (SELECT DISTINCT pid, tid FROM threads)),
	(SELECT count(*) FROM suppressed_leaks), (SELECT coalesce(sum(size), 0) FROM suppressed_leaks)
FROM space_stats;
-- name: spaces
SELECT s.device, s.name, sum(s.allocs), sum(s.frees), sum(s.bytes_allocated),
	coalesce(max(p.peak_bytes), 0),
	(SELECT count(*) FROM lost_leaks l JOIN space_stats x ON x.pid = l.pid AND x.device = l.device AND x.space = l.space
		WHERE x.device = s.device AND x.name = s.name),
	(SELECT coalesce(sum(l.size), 0) FROM lost_leaks l JOIN space_stats x ON x.pid = l.pid AND x.device = l.device AND x.space = l.space
		WHERE x.device = s.device AND x.name = s.name),
	sum(s.released_blocks), sum(s.released_bytes),
	(SELECT max(d.capacity) FROM devices d WHERE d.device = s.device),
	(SELECT count(DISTINCT t.name) FROM space_stats t WHERE t.device = s.device)
FROM space_stats s
LEFT JOIN peaks p ON p.pid IS NULL AND p.device = s.device AND p.space = s.name
GROUP BY s.device, s.name
ORDER BY s.device = -1 DESC, s.device, s.name;
-- name: span
-- what the charts span: the time of the last event or mark, the seqs of the events, and
-- how many time buckets the timeline has (few: the run was short for the clock)
SELECT max(coalesce((SELECT max(time_ns) FROM timeline WHERE pid IS NULL), 0),
		coalesce((SELECT max(time_ns) FROM marks), 0)),
	(SELECT coalesce(min(alloc_seq), 0) FROM lifetimes),
	(SELECT coalesce(max(max(alloc_seq), coalesce(max(end_seq), 0)), 0) FROM lifetimes),
	(SELECT count(DISTINCT bucket) FROM timeline WHERE pid IS NULL),
	(SELECT count(*) FROM lifetimes);
-- name: time_series
-- one device (?1) and space (?2), all processes: live bytes after each time bucket
SELECT time_ns, bucket, live_bytes, max_bytes FROM timeline
WHERE pid IS NULL AND device = ?1 AND space = ?2 ORDER BY seq;
-- name: seq_series
-- the same by event order (for traces whose events share one time): live bytes after
-- each of ?3 buckets of seqs from ?4 to ?5, and the most within each
WITH ev AS (
	SELECT CASE WHEN l.inherited
		THEN (SELECT min(p.start_seq) FROM processes p WHERE p.pid = l.pid AND p.how = 'fork')
		ELSE l.alloc_seq END AS seq, l.size AS d
	FROM lifetimes l JOIN space_stats s ON s.pid = l.pid AND s.device = l.device AND s.space = l.space
	WHERE l.device = ?1 AND s.name = ?2
	UNION ALL
	SELECT l.end_seq, -l.size
	FROM lifetimes l JOIN space_stats s ON s.pid = l.pid AND s.device = l.device AND s.space = l.space
	WHERE l.device = ?1 AND s.name = ?2 AND l.end_seq IS NOT NULL),
run AS (SELECT seq, sum(d) OVER (ORDER BY seq, d DESC ROWS UNBOUNDED PRECEDING) AS live FROM ev WHERE seq IS NOT NULL),
bucketed AS (SELECT (seq - ?4) * ?3 / max(?5 - ?4, 1) AS b, seq, live FROM run)
SELECT max(seq), live, (SELECT max(live) FROM bucketed x WHERE x.b = bucketed.b), b
FROM bucketed GROUP BY b ORDER BY b;
-- name: marks
SELECT seq, time_ns, pid, label FROM marks ORDER BY seq;
-- name: frames
SELECT level, function, file, line, module, offset, address,
	level >= coalesce((SELECT site FROM stacks WHERE id = :stack), 0) AS from_site
FROM stack_symbols WHERE stack_id = :stack ORDER BY level;
-- name: anomaly_counts
SELECT kind, count(*) FROM anomalies GROUP BY kind ORDER BY kind;
-- name: anomalies
SELECT a.kind, a.pid, a.device, coalesce(s.name, 'space ' || a.space), a.address, a.seq,
	a.time_ns, a.tid, a.func, a.size, a.stack
FROM anomalies a
LEFT JOIN space_stats s ON s.pid = a.pid AND s.device = a.device AND s.space = a.space
ORDER BY a.seq
LIMIT :limit;
-- name: growth
SELECT device, space, verdict, rate_bytes_per_s, plateau_ns, start_ns, end_ns, start_bytes, end_bytes
FROM growth ORDER BY device = -1 DESC, device, space;
-- name: growth_sites
SELECT pid, stack, growth_bytes, growth_blocks, live_bytes FROM growth_sites
WHERE device = ?1 AND space = ?2 ORDER BY rank LIMIT 5;
