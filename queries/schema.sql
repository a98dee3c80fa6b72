-- schema.sql: the tables and views of an mtan database, run once on an empty database
-- before a load (indexes.sql runs after the bulk insert). Documented in analyze/SCHEMA.md;
-- any change here bumps MTAN_SCHEMA_VERSION (analyze/mtan.h).
CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;

CREATE TABLE processes (
	pid INTEGER NOT NULL, ppid INTEGER, exe TEXT, cmdline TEXT,
	how TEXT,                      -- 'exec' (a new image) or 'fork' (a copy of ppid)
	start_seq INTEGER, start_ns INTEGER,
	exit_seq INTEGER, exit_ns INTEGER, exit_code INTEGER, exit_signal INTEGER);

CREATE TABLE threads (pid INTEGER NOT NULL, tid INTEGER NOT NULL, name TEXT, seq INTEGER, time_ns INTEGER);

-- One row per allocation lifetime: its alloc side and, once it ends, its free side.
CREATE TABLE lifetimes (
	id INTEGER PRIMARY KEY,
	pid INTEGER NOT NULL, tid INTEGER, device INTEGER NOT NULL, space INTEGER NOT NULL,
	address INTEGER NOT NULL, size INTEGER NOT NULL, generation INTEGER NOT NULL,
	alloc_seq INTEGER, alloc_ns INTEGER, alloc_func TEXT, alloc_stack INTEGER,
	free_seq INTEGER, free_ns INTEGER, free_tid INTEGER, free_func TEXT, free_stack INTEGER,
	end_seq INTEGER, end_ns INTEGER,
	end_reason TEXT,               -- 'free', 'overwritten', 'exec', 'device_close'; NULL: still live
	inherited INTEGER NOT NULL DEFAULT 0,
	parent_id INTEGER);            -- inherited: the parent's lifetime this one copies

-- few rows each: leaks and blocks a device close released
CREATE INDEX lifetimes_leaks ON lifetimes(pid, device, space, alloc_stack)
	WHERE end_reason IS NULL AND inherited = 0;
CREATE INDEX lifetimes_released ON lifetimes(pid, device, space, alloc_stack)
	WHERE end_reason = 'device_close';

CREATE TABLE anomalies (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,            -- 'unmatched_free', 'double_free', 'alloc_over_live', 'reuse_race'
	pid INTEGER NOT NULL, device INTEGER NOT NULL, space INTEGER NOT NULL, address INTEGER NOT NULL,
	seq INTEGER, time_ns INTEGER, tid INTEGER, func TEXT, size INTEGER, stack INTEGER,
	lifetime_id INTEGER);

CREATE TABLE stacks (id INTEGER PRIMARY KEY, pid INTEGER NOT NULL, trace_id INTEGER NOT NULL, depth INTEGER NOT NULL);
CREATE TABLE stack_frames (
	stack_id INTEGER NOT NULL, level INTEGER NOT NULL, frame_id INTEGER NOT NULL,
	PRIMARY KEY (stack_id, level)) WITHOUT ROWID;
CREATE TABLE frames (
	id INTEGER PRIMARY KEY, pid INTEGER NOT NULL, address INTEGER NOT NULL,
	return_address INTEGER NOT NULL, -- 1: looked up at address - 1 (a caller's frame)
	module TEXT, offset INTEGER, function TEXT, file TEXT, line INTEGER);

CREATE TABLE modules (pid INTEGER NOT NULL, seq INTEGER, unload INTEGER NOT NULL, base INTEGER, size INTEGER, path TEXT, build_id TEXT);
CREATE TABLE devices (pid INTEGER NOT NULL, device INTEGER NOT NULL, name TEXT, capacity INTEGER,
	open_seq INTEGER, open_ns INTEGER, close_seq INTEGER, close_ns INTEGER);
CREATE TABLE spaces (pid INTEGER NOT NULL, id INTEGER NOT NULL, name TEXT);
CREATE TABLE marks (pid INTEGER, tid INTEGER, seq INTEGER, time_ns INTEGER, label TEXT);
CREATE TABLE rss (pid INTEGER, time_ns INTEGER, rss_bytes INTEGER);
CREATE TABLE losses (pid INTEGER, tid INTEGER, seq INTEGER, count INTEGER);

-- Per (process, device, space), counted by the loader in the same pass as the pairing.
CREATE TABLE space_stats (
	pid INTEGER NOT NULL, device INTEGER NOT NULL, space INTEGER NOT NULL, name TEXT NOT NULL,
	allocs INTEGER NOT NULL, frees INTEGER NOT NULL,
	bytes_allocated INTEGER NOT NULL, bytes_freed INTEGER NOT NULL,
	leaked_blocks INTEGER NOT NULL, leaked_bytes INTEGER NOT NULL,
	released_blocks INTEGER NOT NULL, released_bytes INTEGER NOT NULL,
	end_bytes INTEGER NOT NULL,
	min_address INTEGER, max_address INTEGER); -- the range its allocations used: [min, max)

-- Highest live bytes, in seq order, of a scope; NULL columns mean "all": (pid, device, space)
-- one process's named space, (NULL, device, space) that space over all processes,
-- (pid, NULL, NULL) all memory of one process, (NULL, NULL, NULL) the whole trace.
CREATE TABLE peaks (pid INTEGER, device INTEGER, space TEXT,
	peak_bytes INTEGER NOT NULL, peak_seq INTEGER, peak_ns INTEGER);

-- Address-reuse races found (and repaired) by the pairing: one row per reuse_race anomaly.
CREATE TABLE races (
	id INTEGER PRIMARY KEY, anomaly_id INTEGER NOT NULL,
	form TEXT NOT NULL,            -- 'late_free' or 'late_alloc'
	pid INTEGER NOT NULL, device INTEGER NOT NULL, space INTEGER NOT NULL, address INTEGER NOT NULL,
	free_seq INTEGER, free_ns INTEGER, free_tid INTEGER,     -- the free
	reuse_seq INTEGER, reuse_ns INTEGER, reuse_tid INTEGER,  -- the allocation that reused the address
	late_seq INTEGER, late_ns INTEGER, late_tid INTEGER,     -- late_alloc: the allocation numbered after its free
	freed_lifetime_id INTEGER, reuse_lifetime_id INTEGER,
	first_seq INTEGER, last_seq INTEGER, window_ns INTEGER);

-- Live bytes and blocks per scope at the end of each time bucket (1/4096 of the trace's
-- span) the scope had events in. pid NULL: the space over all processes.
CREATE TABLE timeline (
	pid INTEGER, device INTEGER NOT NULL, space TEXT NOT NULL, bucket INTEGER NOT NULL,
	seq INTEGER NOT NULL, time_ns INTEGER NOT NULL, -- the bucket's last event
	live_bytes INTEGER NOT NULL, live_blocks INTEGER NOT NULL,
	max_bytes INTEGER NOT NULL,    -- the most live bytes within the bucket
	allocs INTEGER NOT NULL, frees INTEGER NOT NULL, -- blocks that came and went in the bucket
	bytes_allocated INTEGER NOT NULL, bytes_freed INTEGER NOT NULL);

-- Every alloc and free event, in no particular order (ORDER BY seq).
CREATE VIEW events AS
	SELECT alloc_seq AS seq, alloc_ns AS time_ns, pid, tid, 'alloc' AS op, alloc_func AS func,
		device, space, address, size, alloc_stack AS stack, id AS lifetime_id
	FROM lifetimes WHERE inherited = 0
	UNION ALL
	SELECT free_seq, free_ns, pid, free_tid, 'free', free_func,
		device, space, address, size, free_stack, id
	FROM lifetimes WHERE free_seq IS NOT NULL
	UNION ALL
	SELECT seq, time_ns, pid, tid, 'free', func, device, space, address, NULL, stack, lifetime_id
	FROM anomalies WHERE kind IN ('unmatched_free', 'double_free');

-- Allocated and never freed; not inherited, not ended by exec, device close or overwrite.
CREATE VIEW leaks AS
	SELECT * FROM lifetimes WHERE end_reason IS NULL AND inherited = 0;

CREATE VIEW leak_sites AS
	SELECT pid, device, space, alloc_stack AS stack, count(*) AS blocks, sum(size) AS bytes
	FROM leaks GROUP BY pid, device, space, alloc_stack;

-- Still live when their device was closed: released with it, not leaked.
CREATE VIEW device_released AS
	SELECT * FROM lifetimes WHERE end_reason = 'device_close';

-- Each stack's frames, innermost (level 0) first, symbolized.
CREATE VIEW stack_symbols AS
	SELECT sf.stack_id, sf.level, f.function, f.file, f.line, f.module, f.offset, f.address
	FROM stack_frames sf JOIN frames f ON f.id = sf.frame_id;
