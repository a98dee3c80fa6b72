-- races.sql: `mtan races`: address-reuse races (the view reuse_races) in seq order.
-- name: list
-- the stacks of the race's reports: the free's, the late report's (late_free: the free
-- again), the reuse's; NULL where none was recorded
SELECT r.form, r.pid, r.device, r.space_name, r.address, r.reuse_seq, r.reuse_ns, r.reuse_tid, r.free_seq,
	r.free_ns, r.free_tid, r.late_seq, r.late_tid, r.window_ns, r.first_seq, r.last_seq,
	r.freed_lifetime_id, r.reuse_lifetime_id, f.free_stack,
	CASE r.form WHEN 'late_alloc' THEN f.alloc_stack ELSE f.free_stack END, u.alloc_stack
FROM reuse_races r
LEFT JOIN lifetimes f ON f.id = r.freed_lifetime_id
LEFT JOIN lifetimes u ON u.id = r.reuse_lifetime_id
WHERE (:pid IS NULL OR r.pid = :pid) AND (:device IS NULL OR r.device = :device)
	AND (:space IS NULL OR r.space_name = :space) AND r.last_seq >= :since AND r.first_seq <= :until
ORDER BY r.first_seq
LIMIT :limit;
