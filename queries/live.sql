-- live.sql: the frame `mtan live` draws from a snapshot of a trace still being written:
-- what is live at its end (every process), by space and by site, and the growth so far.
-- name: spaces
-- live bytes and blocks per device and space at the end of the snapshot (inherited copies
-- in forked children count in their process too, as end_bytes counts them)
SELECT device, name, sum(end_bytes), sum(leaked_blocks), sum(allocs), sum(frees)
FROM space_stats GROUP BY device, name ORDER BY sum(end_bytes) DESC, device, name;
-- name: sites
-- the sites holding the most live bytes: the frame each starts at (stacks.site), over all
-- processes; ?1 the limit
SELECT device, function, file, line, module, sum(blocks), sum(bytes)
FROM leak_sites_program GROUP BY device, space, function, file, line, module
ORDER BY sum(bytes) DESC, function LIMIT ?1;
-- name: growth
-- the growth verdict of each device and space so far (judged at load, as `mtan growth`)
SELECT device, space, verdict, rate_bytes_per_s, reason FROM growth ORDER BY device, space;
-- name: span
-- events, the time the snapshot spans (ns) and the processes still running in it
SELECT (SELECT coalesce(sum(allocs + frees), 0) FROM space_stats),
	(SELECT coalesce(max(t), 0) FROM (SELECT max(alloc_ns) AS t FROM lifetimes UNION ALL
		SELECT max(end_ns) FROM lifetimes)),
	(SELECT count(*) FROM processes WHERE exit_seq IS NULL);
