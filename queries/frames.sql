-- frames.sql: a stack's frames as site reports print them (analyze/sites.c): innermost
-- first, inlined calls included; runtime and in_exe decide where the site starts.
-- name: stack
SELECT sf.level, f.function, f.file, f.line, f.module, f.offset, f.address, f.inlined, f.runtime,
	f.module IN (SELECT p.exe FROM processes p WHERE p.pid = f.pid) AS in_exe
FROM stack_frames sf JOIN frames f ON f.id = sf.frame_id
WHERE sf.stack_id = :stack
ORDER BY sf.level;
