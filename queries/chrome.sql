-- chrome.sql: `mtan export --as chrome` (analyze/chrome.c): the Trace Event Format's
-- processes, threads, counters and instant events. :pid NULL: every process.
-- name: processes
-- each process's name: its last image's executable (a pid that execs shows what it became)
SELECT p.pid, p.exe, p.cmdline FROM processes p
WHERE (:pid IS NULL OR p.pid = :pid)
	AND p.start_seq IS (SELECT max(q.start_seq) FROM processes q WHERE q.pid = p.pid)
GROUP BY p.pid ORDER BY p.pid;
-- name: threads
SELECT pid, tid, name FROM threads
WHERE name IS NOT NULL AND name != '' AND (:pid IS NULL OR pid = :pid) ORDER BY pid, tid;
-- name: counters
-- live bytes of each process's device and space: after each timeline bucket (its last
-- event), and the peak at its own seq and time (the buckets keep only their ends, and the
-- peak may fall inside one). Device names from the devices table.
SELECT c.pid, c.device, c.space, c.time_ns, c.bytes,
	(SELECT d.name FROM devices d WHERE d.pid = c.pid AND d.device = c.device AND d.name IS NOT NULL
		ORDER BY d.open_seq LIMIT 1)
FROM (SELECT pid, device, space, seq, time_ns, live_bytes AS bytes FROM timeline
	WHERE pid IS NOT NULL AND (:pid IS NULL OR pid = :pid)
	UNION -- a peak at a bucket's last event is that bucket's row: once
	SELECT pid, device, space, peak_seq, peak_ns, peak_bytes FROM peaks
	WHERE pid IS NOT NULL AND device IS NOT NULL AND space IS NOT NULL AND peak_seq IS NOT NULL
		AND (:pid IS NULL OR pid = :pid)) c
ORDER BY c.pid, c.device, c.space, c.seq, c.bytes;
-- name: marks
SELECT pid, tid, time_ns, label FROM marks WHERE :pid IS NULL OR pid = :pid ORDER BY seq;
