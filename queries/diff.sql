-- diff.sql: `mtan diff`: leaked bytes and blocks per allocation stack of one trace, matched
-- against another's by the stacks' symbolized frames (function names: ASLR moves addresses).
-- name: sites
-- (the leaks no suppression covers: reported_leaks, suppress.sql)
SELECT l.device, coalesce(s.name, 'space ' || l.space), st.canonical, count(*), sum(l.size),
	coalesce(st.site, 0)
FROM lost_leaks l
LEFT JOIN space_stats s ON s.pid = l.pid AND s.device = l.device AND s.space = l.space
LEFT JOIN stacks st ON st.id = l.alloc_stack
WHERE :pid IS NULL OR l.pid = :pid
GROUP BY l.device, 2, st.canonical;
-- name: frames
SELECT function, module, offset, address, runtime FROM stack_symbols WHERE stack_id = :stack ORDER BY level;
-- name: growth
-- the growth verdicts judged at load, device by device
SELECT device, space, verdict FROM growth ORDER BY device = -1 DESC, device, space;
-- name: offsetless
-- a frame with a module but neither a function nor an offset (an import's): sites then
-- match such frames by their module alone
SELECT 1 FROM frames WHERE function IS NULL AND module IS NOT NULL AND offset IS NULL LIMIT 1;
