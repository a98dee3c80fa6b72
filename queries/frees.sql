-- frees.sql: `mtan frees`: unmatched and double frees (the view bad_frees), in seq order,
-- with the nearest earlier lifetime at their address.
-- name: list
SELECT f.kind, f.pid, f.device, coalesce(s.name, 'space ' || f.space), f.address, f.seq,
	f.time_ns, f.tid, f.func, f.stack, f.nearest_id, f.nearest_generation, f.nearest_size,
	f.nearest_alloc_seq, f.nearest_tid, f.nearest_alloc_stack, f.nearest_end_seq,
	f.nearest_end_reason, f.nearest_free_seq, f.nearest_free_tid, f.nearest_free_stack
FROM bad_frees f
LEFT JOIN space_stats s ON s.pid = f.pid AND s.device = f.device AND s.space = f.space
WHERE (:pid IS NULL OR f.pid = :pid) AND (:device IS NULL OR f.device = :device)
	AND (:space IS NULL OR s.name = :space) AND f.seq BETWEEN :since AND :until
ORDER BY f.seq
LIMIT :limit;
-- name: totals
SELECT f.kind, count(*)
FROM bad_frees f
LEFT JOIN space_stats s ON s.pid = f.pid AND s.device = f.device AND s.space = f.space
WHERE (:pid IS NULL OR f.pid = :pid) AND (:device IS NULL OR f.device = :device)
	AND (:space IS NULL OR s.name = :space) AND f.seq BETWEEN :since AND :until
GROUP BY f.kind ORDER BY f.kind;
