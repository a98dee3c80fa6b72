-- summary.sql: the numbers of `mtan summary`. :pid NULL means every process.
-- name: totals
SELECT coalesce(sum(allocs), 0), coalesce(sum(frees), 0), coalesce(sum(bytes_allocated), 0),
	coalesce(sum(bytes_freed), 0), coalesce(sum(leaked_blocks), 0), coalesce(sum(leaked_bytes), 0),
	coalesce(sum(released_blocks), 0), coalesce(sum(released_bytes), 0)
FROM space_stats WHERE :pid IS NULL OR pid = :pid;
-- name: peak
SELECT coalesce(max(peak_bytes), 0) FROM peaks WHERE pid IS :pid AND device IS NULL AND space IS NULL;
-- name: processes
SELECT count(DISTINCT pid) FROM (SELECT pid FROM processes UNION SELECT pid FROM threads)
WHERE :pid IS NULL OR pid = :pid;
-- name: threads
SELECT count(*) FROM (SELECT DISTINCT pid, tid FROM threads) WHERE :pid IS NULL OR pid = :pid;
-- name: anomalies
SELECT kind, count(*) FROM anomalies WHERE :pid IS NULL OR pid = :pid GROUP BY kind ORDER BY kind;
-- name: spaces
SELECT s.device, s.name, sum(s.allocs), sum(s.frees), sum(s.bytes_allocated),
	coalesce(max(p.peak_bytes), 0), sum(s.leaked_blocks), sum(s.leaked_bytes),
	sum(s.released_blocks), sum(s.released_bytes)
FROM space_stats s
LEFT JOIN peaks p ON p.pid IS :pid AND p.device = s.device AND p.space = s.name
WHERE :pid IS NULL OR s.pid = :pid
GROUP BY s.device, s.name
ORDER BY s.device = -1 DESC, s.device, s.name;
