-- pprof.sql: `mtan export --as pprof` (analyze/pprof.c): samples per allocation stack with
-- their four values, and the frames, modules and facts a profile.proto needs.
-- :pid NULL: every process (the samples'; the frames and modules are every process's, as
-- a forked child's stacks may be its parent's).
-- name: samples
-- one row per (pid, device, space, stack): pid, device, space (by name), stack (NULL:
-- none), objects and bytes allocated (inherited copies are not allocations), bytes live
-- at the peak (of the trace, or of --pid's process: as flame.sql's peak), bytes leaked
-- (lost and not suppressed: as every command counts them)
SELECT v.pid, v.device, coalesce(s.name, 'space ' || v.space), v.stack,
	sum(v.objects), sum(v.alloc), sum(v.peak), sum(v.leaked)
FROM (
	SELECT pid, device, space, alloc_stack AS stack, count(*) AS objects, sum(size) AS alloc,
		0 AS peak, 0 AS leaked
	FROM lifetimes WHERE inherited = 0 AND (:pid IS NULL OR pid = :pid)
	GROUP BY pid, device, space, alloc_stack
	UNION ALL
	SELECT l.pid, l.device, l.space, l.alloc_stack, 0, 0, sum(l.size), 0
	FROM lifetimes l, (SELECT peak_seq FROM peaks WHERE pid IS :pid AND device IS NULL AND space IS NULL) p
	WHERE (:pid IS NULL OR l.pid = :pid)
		AND CASE WHEN l.inherited
			THEN (SELECT min(start_seq) FROM processes pr WHERE pr.pid = l.pid AND pr.how = 'fork')
			ELSE l.alloc_seq END <= p.peak_seq
		AND (l.end_seq IS NULL OR l.end_seq > p.peak_seq)
	GROUP BY l.pid, l.device, l.space, l.alloc_stack
	UNION ALL
	SELECT pid, device, space, alloc_stack, 0, 0, 0, sum(size)
	FROM lost_leaks WHERE :pid IS NULL OR pid = :pid
	GROUP BY pid, device, space, alloc_stack) v
LEFT JOIN space_stats s ON s.pid = v.pid AND s.device = v.device AND s.space = v.space
GROUP BY v.pid, v.device, v.space, v.stack
ORDER BY v.pid, v.device, v.space, v.stack;
-- name: stack
-- a stack's recorded frames, innermost first: the frames row of each that holds the code
-- (inlined = 0), whose id is the location's
SELECT f.id FROM stack_frames sf JOIN frames f ON f.id = sf.frame_id
WHERE sf.stack_id = :stack AND f.inlined = 0 ORDER BY sf.level;
-- name: mappings
-- the modules frames fall in, one per (path, base): size and build id from their MODULE
-- record (any process's: a forked child has none of its own)
SELECT m.module, m.base, (SELECT mo.size FROM modules mo WHERE mo.path = m.module AND mo.base = m.base
		ORDER BY mo.size DESC LIMIT 1),
	(SELECT mo.build_id FROM modules mo WHERE mo.path = m.module AND mo.base = m.base
		AND mo.build_id != '' LIMIT 1)
FROM (SELECT DISTINCT module, address - offset AS base FROM frames WHERE module IS NOT NULL) m
ORDER BY m.module, m.base;
-- name: frames
-- every frame, one location per (pid, address): its rows innermost first, the last one
-- (inlined = 0) the function that holds the code
SELECT id, pid, address, module, offset, function, file, line, inlined FROM frames
ORDER BY pid, address, id;
-- name: facts
-- the wall clock at time 0 (ns since the epoch) and the run's length (ns)
SELECT (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'realtime_ns'),
	(SELECT max(t) FROM (SELECT max(alloc_ns) AS t FROM lifetimes UNION ALL SELECT max(end_ns) FROM lifetimes));
