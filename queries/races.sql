-- races.sql: `mtan races`: address-reuse races (the view reuse_races) in seq order.
-- name: list
SELECT form, pid, device, space_name, address, reuse_seq, reuse_ns, reuse_tid, free_seq,
	free_ns, free_tid, late_seq, late_tid, window_ns, first_seq, last_seq,
	freed_lifetime_id, reuse_lifetime_id
FROM reuse_races
WHERE (:pid IS NULL OR pid = :pid) AND (:device IS NULL OR device = :device)
	AND (:space IS NULL OR space_name = :space) AND last_seq >= :since AND first_seq <= :until
ORDER BY first_seq
LIMIT :limit;
