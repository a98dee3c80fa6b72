-- export.sql: `mtan export`: the events and the lifetimes as rows (spaces by name, so they
-- read back with `mtan import`), and bytes per allocation stack for folded stacks.
-- :pid NULL: every process.
-- name: events
SELECT e.seq, e.time_ns, e.pid, e.tid, e.op, e.func, e.device,
	coalesce(s.name, 'space ' || e.space) AS space, e.address, e.size, e.stack, e.lifetime_id
FROM events e
LEFT JOIN space_stats s ON s.pid = e.pid AND s.device = e.device AND s.space = e.space
WHERE :pid IS NULL OR e.pid = :pid
ORDER BY e.seq;
-- name: lifetimes
SELECT l.id, l.pid, l.tid, l.device, coalesce(s.name, 'space ' || l.space) AS space, l.address,
	l.size, l.generation, l.alloc_seq, l.alloc_ns, l.alloc_func, l.alloc_stack, l.free_seq,
	l.free_ns, l.free_tid, l.free_func, l.free_stack, l.end_seq, l.end_ns, l.end_reason,
	l.inherited, l.parent_id
FROM lifetimes l
LEFT JOIN space_stats s ON s.pid = l.pid AND s.device = l.device AND s.space = l.space
WHERE :pid IS NULL OR l.pid = :pid
ORDER BY l.id;
-- name: leaked
SELECT alloc_stack, sum(size) FROM leaks WHERE :pid IS NULL OR pid = :pid GROUP BY alloc_stack;
-- name: allocated
SELECT alloc_stack, sum(size) FROM lifetimes
WHERE inherited = 0 AND (:pid IS NULL OR pid = :pid) GROUP BY alloc_stack;
-- name: peak
-- Live at the event that reached the peak (of the trace, or of --pid's process): allocated
-- at or before it (a forked child's copies: at the fork) and not ended by then.
SELECT l.alloc_stack, sum(l.size)
FROM lifetimes l, (SELECT peak_seq FROM peaks WHERE pid IS :pid AND device IS NULL AND space IS NULL) p
WHERE (:pid IS NULL OR l.pid = :pid)
	AND CASE WHEN l.inherited
		THEN (SELECT min(start_seq) FROM processes pr WHERE pr.pid = l.pid AND pr.how = 'fork')
		ELSE l.alloc_seq END <= p.peak_seq
	AND (l.end_seq IS NULL OR l.end_seq > p.peak_seq)
GROUP BY l.alloc_stack;
-- name: frames
SELECT function, module, offset, address FROM stack_symbols WHERE stack_id = :stack ORDER BY level DESC;
