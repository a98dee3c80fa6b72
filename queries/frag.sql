-- frag.sql: `mtan frag`: per (process, device, space), the live blocks at one seq (the
-- space's peak, --until, or the end), the holes between them and external fragmentation.
-- The view `fragmentation` (schema.sql) is the same at each space's peak.
-- name: pools
SELECT s.pid, s.device, s.space, s.name, s.min_address,
	(SELECT max(d.capacity) FROM devices d WHERE d.pid = s.pid AND d.device = s.device) AS capacity,
	p.peak_seq, p.peak_ns
FROM space_stats s
LEFT JOIN peaks p ON p.pid = s.pid AND p.device = s.device AND p.space = s.name
WHERE (:pid IS NULL OR s.pid = :pid) AND (:device IS NULL OR s.device = :device)
	AND (:space IS NULL OR s.name = :space)
ORDER BY s.device = -1 DESC, s.device, s.name, s.pid;
-- name: state
-- one space (?1 pid, ?2 device, ?3 space) at seq ?4: the blocks that lived long, from their
-- index, and the short ones, allocated after ?4 - 65536: lifetime ids ?8 to ?5. The region
-- is [?6, ?6 + ?7) with a capacity ?7, else the span of the live blocks.
WITH blocks AS (
	SELECT address, size FROM lifetimes
	WHERE pid = ?1 AND device = ?2 AND space = ?3 AND (end_seq IS NULL OR end_seq - alloc_seq > 65536)
		AND alloc_seq <= ?4 AND (end_seq IS NULL OR end_seq > ?4)
	UNION ALL
	SELECT address, size FROM lifetimes
	WHERE id BETWEEN ?8 AND ?5 AND pid = ?1 AND device = ?2 AND space = ?3
		AND end_seq - alloc_seq <= 65536 AND alloc_seq <= ?4 AND end_seq > ?4),
live AS (
	SELECT address, size,
		max(address + size) OVER (ORDER BY address, size ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
	FROM blocks),
sums AS (
	SELECT count(*) AS blocks, coalesce(sum(size), 0) AS live_bytes, min(address) AS lo,
		max(address + size) AS hi, coalesce(sum(address > prev_end), 0) AS inner_holes,
		coalesce(sum(max(address - prev_end, 0)), 0) AS inner_free,
		coalesce(max(address - prev_end), 0) AS inner_largest
	FROM live),
edges AS (
	SELECT *,
		CASE WHEN ?7 IS NULL OR lo IS NULL THEN 0 ELSE max(lo - ?6, 0) END AS head,
		CASE WHEN ?7 IS NULL OR lo IS NULL THEN 0 ELSE max(?6 + ?7 - hi, 0) END AS tail,
		CASE WHEN lo IS NULL AND ?7 IS NOT NULL THEN ?7 ELSE 0 END AS empty
	FROM sums)
SELECT blocks, live_bytes, inner_free + head + tail + empty AS free_bytes,
	inner_holes + (head > 0) + (tail > 0) + (empty > 0) AS holes,
	max(max(inner_largest, 0), head, tail, empty) AS largest_free,
	CASE WHEN inner_free + head + tail + empty > 0
	     THEN 1.0 - max(max(inner_largest, 0), head, tail, empty) * 1.0 / (inner_free + head + tail + empty)
	     ELSE 0.0 END AS external_fragmentation,
	coalesce(hi - lo, 0) AS span
FROM edges;
-- name: time_at
-- the time of seq ?1: the time of the last event (allocation or free, in any space) at or
-- before it, as times are each event's own (interpolated by seq) and non-decreasing in
-- seq order. The last allocation is lifetime ?2 (ids follow alloc_seq); a later free at
-- or before ?1 is looked for only after that allocation. NULL for none
WITH a AS (SELECT alloc_seq AS seq, alloc_ns AS t FROM lifetimes WHERE id = ?2 AND alloc_seq <= ?1)
SELECT nullif(max(
	coalesce((SELECT t FROM a), -1),
	coalesce((SELECT max(free_ns) FROM lifetimes
		  WHERE free_seq <= ?1 AND free_seq > coalesce((SELECT seq FROM a), -1)), -1),
	coalesce((SELECT max(time_ns) FROM anomalies WHERE kind IN ('unmatched_free', 'double_free')
		  AND seq <= ?1 AND seq > coalesce((SELECT seq FROM a), -1)), -1)), -1);
