-- top.sql: `mtan top`: allocations in the window, counted per site in C (analyze/cmd_top.c)
-- by bytes, by count and by short-lived temporaries (freed within :temporary_ns). The view
-- alloc_sites (schema.sql) counts the same over the whole trace, temporaries within 1 ms.
-- A site's stack is the canonical one (stacks that read the same are one site); leaked:
-- never freed and no suppression covers it (lost_leaks, suppress.sql).
-- name: allocations
SELECT l.pid, l.device, l.space, k.canonical, l.size,
	l.end_reason = 'free' AND l.end_ns - l.alloc_ns < :temporary_ns AS temporary
FROM lifetimes l LEFT JOIN stacks k ON k.id = l.alloc_stack
WHERE l.id BETWEEN :id_lo AND :id_hi AND l.inherited = 0 AND l.alloc_seq BETWEEN :since AND :until
	AND (:pid IS NULL OR l.pid = :pid) AND (:device IS NULL OR l.device = :device)
	AND (:space IS NULL OR (l.pid, l.device, l.space) IN (SELECT pid, device, space FROM space_stats WHERE name = :space));
-- name: space_name
SELECT name FROM space_stats WHERE pid = ?1 AND device = ?2 AND space = ?3;
-- name: sites
-- the whole trace, counted by the loader (temporaries: freed within 1 ms); the estimates of
-- a sampled trace (equal to the counts in others)
SELECT s.pid, s.device, s.space, k.canonical, s.allocs, s.bytes, s.temporaries, s.temporary_bytes,
	s.est_allocs, s.est_bytes, s.est_temporaries, s.est_temporary_bytes
FROM sites s LEFT JOIN stacks k ON k.id = s.stack
WHERE (:pid IS NULL OR s.pid = :pid) AND (:device IS NULL OR s.device = :device)
	AND (:space IS NULL OR (s.pid, s.device, s.space) IN (SELECT pid, device, space FROM space_stats WHERE name = :space));
-- name: leaked
-- the leaks allocated in the window that summary and leaks count, per site: pid, device,
-- space, stack, blocks, bytes, and their estimates in a sampled trace (as leak_sites)
SELECT l.pid, l.device, l.space, k.canonical, count(*), sum(l.size),
	sum(CASE WHEN m.sample_bytes = 0 THEN 1 WHEN l.alloc_stack IS NULL THEN 0
		ELSE 1 / (1 - exp(-max(l.size, 1) * 1.0 / m.sample_bytes)) END),
	sum(CASE WHEN m.sample_bytes = 0 THEN l.size WHEN l.alloc_stack IS NULL THEN 0
		ELSE l.size / (1 - exp(-max(l.size, 1) * 1.0 / m.sample_bytes)) END)
FROM lost_leaks l CROSS JOIN sampling m LEFT JOIN stacks k ON k.id = l.alloc_stack
WHERE l.alloc_seq BETWEEN :since AND :until
	AND (:pid IS NULL OR l.pid = :pid) AND (:device IS NULL OR l.device = :device)
	AND (:space IS NULL OR (l.pid, l.device, l.space) IN (SELECT pid, device, space FROM space_stats WHERE name = :space))
GROUP BY l.pid, l.device, l.space, k.canonical;
