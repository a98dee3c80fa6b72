-- top.sql: `mtan top`: allocations in the window, counted per site in C (analyze/cmd_top.c)
-- by bytes, by count and by short-lived temporaries (freed within :temporary_ns). The view
-- alloc_sites (schema.sql) counts the same over the whole trace, temporaries within 1 ms.
-- name: allocations
SELECT pid, device, space, alloc_stack, size,
	end_reason = 'free' AND end_ns - alloc_ns < :temporary_ns AS temporary
FROM lifetimes
WHERE id BETWEEN :id_lo AND :id_hi AND inherited = 0 AND alloc_seq BETWEEN :since AND :until
	AND (:pid IS NULL OR pid = :pid) AND (:device IS NULL OR device = :device)
	AND (:space IS NULL OR (pid, device, space) IN (SELECT pid, device, space FROM space_stats WHERE name = :space));
-- name: space_name
SELECT name FROM space_stats WHERE pid = ?1 AND device = ?2 AND space = ?3;
-- name: sites
-- the whole trace, counted by the loader (temporaries: freed within 1 ms)
SELECT pid, device, space, stack, allocs, bytes, temporaries, temporary_bytes
FROM sites
WHERE (:pid IS NULL OR pid = :pid) AND (:device IS NULL OR device = :device)
	AND (:space IS NULL OR (pid, device, space) IN (SELECT pid, device, space FROM space_stats WHERE name = :space));
