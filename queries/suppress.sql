-- suppress.sql: one command's suppression set (analyze/suppress.c) as SQL sees it. The
-- stacks of leaks that a suppression covers go to the connection's temporary table
-- `suppressed` (the database may be read-only, and each command has its own set);
-- `reported_leaks` are the leaks no suppression covers, `lost_leaks` those of them that are
-- lost (not still reachable): what summary, leaks, top, report, diff, check and export
-- --folded count as leaked. :pid, :device, :space, :since, :until as elsewhere.
-- name: create
CREATE TEMP TABLE IF NOT EXISTS suppressed (
	stack INTEGER PRIMARY KEY,     -- stacks.id of leaks the suppression covers
	pattern TEXT NOT NULL,         -- the PATTERN of leak:PATTERN that matched first
	source TEXT);                  -- the file it came from; NULL: built in
CREATE TEMP VIEW IF NOT EXISTS reported_leaks AS
	SELECT * FROM leaks WHERE alloc_stack IS NULL OR alloc_stack NOT IN (SELECT stack FROM suppressed);
-- lost: what summary, leaks, top, report, diff, check and export call leaked (every kind
-- but still_reachable; a NULL kind, from a trace without a scan, is not_scanned)
CREATE TEMP VIEW IF NOT EXISTS lost_leaks AS
	SELECT * FROM reported_leaks WHERE coalesce(leak_kind, 'not_scanned') != 'still_reachable';
CREATE TEMP VIEW IF NOT EXISTS suppressed_leaks AS
	SELECT l.*, s.pattern, s.source FROM leaks l JOIN suppressed s ON s.stack = l.alloc_stack;
-- name: stacks
-- the stacks to match: those of leaks, one of each set of stacks that read the same
SELECT DISTINCT k.canonical FROM leaks l JOIN stacks k ON k.id = l.alloc_stack;
-- name: frames
SELECT function, module, file, offset FROM stack_symbols WHERE stack_id = :stack ORDER BY level;
-- name: insert
-- every stack that reads as ?1 does
INSERT OR IGNORE INTO suppressed SELECT id, ?2, ?3 FROM stacks WHERE canonical = ?1;
-- name: totals
-- what the suppressions took out of the scope and window: blocks, bytes
SELECT count(*), coalesce(sum(l.size), 0) FROM suppressed_leaks l
LEFT JOIN space_stats s ON s.pid = l.pid AND s.device = l.device AND s.space = l.space
WHERE (:pid IS NULL OR l.pid = :pid) AND (:device IS NULL OR l.device = :device)
	AND (:space IS NULL OR s.name = :space) AND l.alloc_seq BETWEEN :since AND :until;
-- name: rules
-- the same per suppression: pattern, source, sites, blocks, bytes
SELECT l.pattern, l.source, count(DISTINCT l.pid || ',' || l.device || ',' || l.space || ',' || k.canonical),
	count(*), sum(l.size)
FROM suppressed_leaks l JOIN stacks k ON k.id = l.alloc_stack
LEFT JOIN space_stats s ON s.pid = l.pid AND s.device = l.device AND s.space = l.space
WHERE (:pid IS NULL OR l.pid = :pid) AND (:device IS NULL OR l.device = :device)
	AND (:space IS NULL OR s.name = :space) AND l.alloc_seq BETWEEN :since AND :until
GROUP BY l.pattern, l.source ORDER BY sum(l.size) DESC, l.pattern;
