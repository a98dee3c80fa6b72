-- scope.sql: what --pid, --device and --space may name (analyze/scope.c): every process,
-- device and space the trace has, whether or not it allocated, so that a name the trace
-- lacks (a typo) is refused rather than narrowing the analysis to nothing.
-- name: pids
SELECT pid FROM processes UNION SELECT pid FROM space_stats ORDER BY 1;
-- name: devices
-- the host (-1) always: every process has its own memory, allocated from or not
SELECT -1 UNION SELECT device FROM devices UNION SELECT device FROM space_stats ORDER BY 1;
-- name: spaces
-- host spaces first, then by the first device that used them; declared and unused last
SELECT name FROM (SELECT name, device FROM space_stats
		UNION ALL SELECT name, NULL FROM spaces WHERE name IS NOT NULL)
GROUP BY name ORDER BY coalesce(min(device), 9223372036854775807), name;
