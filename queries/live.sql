-- live.sql: the frame `mtan live` draws from a snapshot of a trace still being written:
-- what is live at its end (every process), by space and by site, and the growth so far.
-- name: spaces
-- live bytes and blocks per device and space at the end of the snapshot (inherited copies
-- in forked children count in their process too, as end_bytes counts them); the blocks
-- live at a detach (mtrec -p) are live at the end too
SELECT device, name, sum(end_bytes),
	sum(leaked_blocks + (SELECT count(*) FROM lifetimes l WHERE l.pid = s.pid AND l.device = s.device
		AND l.space = s.space AND l.end_reason = 'detach' AND l.inherited = 0)),
	sum(allocs), sum(frees)
FROM space_stats s GROUP BY device, name ORDER BY sum(end_bytes) DESC, device, name;
-- name: sites
-- the sites holding the most live bytes: the frame each starts at (stacks.site), over all
-- processes, the leaks and the blocks live at a detach (as leak_sites_program finds it);
-- ?1 the limit
WITH held AS (
	SELECT device, space, alloc_stack, size FROM leaks
	UNION ALL
	SELECT device, space, alloc_stack, size FROM lifetimes WHERE end_reason = 'detach' AND inherited = 0)
SELECT h.device, y.function, y.file, y.line, y.module, count(*), sum(h.size)
FROM held h LEFT JOIN stacks k ON k.id = h.alloc_stack LEFT JOIN stacks s ON s.id = k.canonical
LEFT JOIN stack_symbols y ON y.stack_id = k.canonical AND y.level = s.site
GROUP BY h.device, h.space, y.function, y.file, y.line, y.module
ORDER BY sum(h.size) DESC, y.function LIMIT ?1;
-- name: growth
-- the growth verdict of each device and space so far (judged at load, as `mtan growth`)
SELECT device, space, verdict, rate_bytes_per_s, reason FROM growth ORDER BY device, space;
-- name: span
-- events, the time the snapshot spans (ns) and the processes still running in it: the pids
-- whose latest row (rows are in seq order) has no exit; an image exec replaced is no process
SELECT (SELECT coalesce(sum(allocs + frees), 0) FROM space_stats),
	(SELECT coalesce(max(t), 0) FROM (SELECT max(alloc_ns) AS t FROM lifetimes UNION ALL
		SELECT max(end_ns) FROM lifetimes)),
	(SELECT count(*) FROM processes p WHERE p.exit_seq IS NULL
		AND p.rowid = (SELECT max(q.rowid) FROM processes q WHERE q.pid = p.pid));
