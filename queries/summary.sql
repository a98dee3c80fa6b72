-- summary.sql: the numbers of `mtan summary`. :pid NULL means every process; :device and
-- :space (a name) NULL mean every device and space.
-- name: totals
SELECT coalesce(sum(allocs), 0), coalesce(sum(frees), 0), coalesce(sum(bytes_allocated), 0),
	coalesce(sum(bytes_freed), 0), coalesce(sum(leaked_blocks), 0), coalesce(sum(leaked_bytes), 0),
	coalesce(sum(released_blocks), 0), coalesce(sum(released_bytes), 0)
FROM space_stats WHERE (:pid IS NULL OR pid = :pid) AND (:device IS NULL OR device = :device)
	AND (:space IS NULL OR name = :space);
-- name: detached
-- blocks and bytes still live when mtrec detached from a process that runs on (end_reason
-- 'detach'): not leaks, counted apart (inherited copies aside, as leaks leave them)
SELECT count(*), coalesce(sum(l.size), 0)
FROM lifetimes l JOIN space_stats s ON s.pid = l.pid AND s.device = l.device AND s.space = l.space
WHERE l.end_reason = 'detach' AND l.inherited = 0 AND (:pid IS NULL OR l.pid = :pid)
	AND (:device IS NULL OR l.device = :device) AND (:space IS NULL OR s.name = :space);
-- name: peak
-- the most live at once: of the trace (or :pid's process), or of the one space in scope,
-- from the loader's peaks; of several (a device's spaces together, or a space name on
-- several devices) from their lifetimes in seq order (a forked child's copies count from
-- the fork)
WITH sel AS (
	SELECT DISTINCT device, name FROM space_stats
	WHERE (:pid IS NULL OR pid = :pid) AND (:device IS NULL OR device = :device)
		AND (:space IS NULL OR name = :space)),
scoped AS (
	SELECT l.* FROM lifetimes l JOIN space_stats s ON s.pid = l.pid AND s.device = l.device AND s.space = l.space
	WHERE (:pid IS NULL OR l.pid = :pid) AND (:device IS NULL OR l.device = :device)
		AND (:space IS NULL OR s.name = :space)),
ev AS (
	SELECT CASE WHEN inherited
		THEN (SELECT min(p.start_seq) FROM processes p WHERE p.pid = scoped.pid AND p.how = 'fork')
		ELSE alloc_seq END AS seq, size AS d FROM scoped
	UNION ALL
	SELECT end_seq, -size FROM scoped WHERE end_seq IS NOT NULL)
SELECT CASE
	WHEN :device IS NULL AND :space IS NULL THEN
		(SELECT coalesce(max(peak_bytes), 0) FROM peaks WHERE pid IS :pid AND device IS NULL AND space IS NULL)
	WHEN (SELECT count(*) FROM sel) <= 1 THEN
		(SELECT coalesce(max(p.peak_bytes), 0) FROM peaks p JOIN sel ON p.device = sel.device AND p.space = sel.name
		WHERE p.pid IS :pid)
	ELSE (SELECT coalesce(max(live), 0) FROM
		(SELECT sum(d) OVER (ORDER BY seq, d DESC ROWS UNBOUNDED PRECEDING) AS live FROM ev WHERE seq IS NOT NULL))
	END;
-- name: processes
-- the processes (all of them, or those with allocations in the device and space)
SELECT count(DISTINCT pid) FROM (SELECT pid FROM processes UNION SELECT pid FROM threads)
WHERE (:pid IS NULL OR pid = :pid) AND ((:device IS NULL AND :space IS NULL) OR pid IN
	(SELECT pid FROM space_stats WHERE (:device IS NULL OR device = :device) AND (:space IS NULL OR name = :space)));
-- name: threads
SELECT count(*) FROM (SELECT DISTINCT pid, tid FROM threads) t
WHERE (:pid IS NULL OR pid = :pid) AND ((:device IS NULL AND :space IS NULL) OR EXISTS
	(SELECT 1 FROM lifetimes l JOIN space_stats s ON s.pid = l.pid AND s.device = l.device AND s.space = l.space
	WHERE l.pid = t.pid AND l.tid = t.tid AND (:device IS NULL OR l.device = :device)
		AND (:space IS NULL OR s.name = :space)));
-- name: anomalies
SELECT a.kind, count(*) FROM anomalies a
LEFT JOIN space_stats s ON s.pid = a.pid AND s.device = a.device AND s.space = a.space
WHERE (:pid IS NULL OR a.pid = :pid) AND (:device IS NULL OR a.device = :device)
	AND (:space IS NULL OR s.name = :space)
GROUP BY a.kind ORDER BY a.kind;
-- name: spaces
-- leaked: the lost leaks no suppression covers (lost_leaks), as leaks and check count them
SELECT s.device, s.name, sum(s.allocs), sum(s.frees), sum(s.bytes_allocated),
	coalesce(max(p.peak_bytes), 0),
	(SELECT count(*) FROM lost_leaks l JOIN space_stats x ON x.pid = l.pid AND x.device = l.device AND x.space = l.space
		WHERE x.device = s.device AND x.name = s.name AND (:pid IS NULL OR l.pid = :pid)),
	(SELECT coalesce(sum(l.size), 0) FROM lost_leaks l JOIN space_stats x ON x.pid = l.pid AND x.device = l.device AND x.space = l.space
		WHERE x.device = s.device AND x.name = s.name AND (:pid IS NULL OR l.pid = :pid)),
	sum(s.released_blocks), sum(s.released_bytes)
FROM space_stats s
LEFT JOIN peaks p ON p.pid IS :pid AND p.device = s.device AND p.space = s.name
WHERE (:pid IS NULL OR s.pid = :pid) AND (:device IS NULL OR s.device = :device)
	AND (:space IS NULL OR s.name = :space)
GROUP BY s.device, s.name
ORDER BY s.device = -1 DESC, s.device, s.name;
-- name: killed
-- the processes a signal ended (a crash, an abort in the allocator, a kill), in pid order
SELECT pid, exe, exit_signal FROM processes
WHERE exit_signal > 0 AND (:pid IS NULL OR pid = :pid)
ORDER BY exit_seq, pid;
