-- flame.sql: bytes per allocation stack, for folded stacks (`mtan export --folded`) and the
-- report's flame graphs. :pid NULL: every process. Each query: stack (NULL: none), bytes.
-- name: leaked
SELECT alloc_stack, sum(size) FROM lost_leaks WHERE :pid IS NULL OR pid = :pid GROUP BY alloc_stack;
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
-- a stack's frames, outermost first; runtime: the allocator's or the runtime's
SELECT function, module, offset, address, runtime FROM stack_symbols WHERE stack_id = :stack
ORDER BY level DESC;
