-- export.sql: `mtan export`: the events and the lifetimes as rows (spaces by name, so they
-- read back with `mtan import`); folded stacks are flame.sql's.
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
-- name: stack
-- A stack's frames for its text in the stack columns (analyze/stacktext.c).
SELECT function, file, line, module, address, inlined FROM stack_symbols
WHERE stack_id = ?1 ORDER BY level;
