-- schema.sql: the tables and views of an mtan database, run once on an empty database
-- before a load (indexes.sql runs after the bulk insert). Documented in analyze/SCHEMA.md;
-- any change here bumps MTAN_SCHEMA_VERSION (analyze/db.h).
CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;

CREATE TABLE processes (
	pid INTEGER NOT NULL, ppid INTEGER, exe TEXT, cmdline TEXT,
	how TEXT,                      -- 'exec' (a new image), 'fork' (a copy of ppid) or 'attach'
	                               -- (running before mtrec -p: its earlier blocks unknown)
	start_seq INTEGER, start_ns INTEGER,
	exit_seq INTEGER, exit_ns INTEGER, exit_code INTEGER, exit_signal INTEGER,
	scan_seq INTEGER,              -- when its exit scan began (leak kinds); NULL: none
	scanned INTEGER NOT NULL DEFAULT 0); -- 1: a complete scan judged its blocks

CREATE TABLE threads (pid INTEGER NOT NULL, tid INTEGER NOT NULL, name TEXT, seq INTEGER, time_ns INTEGER);

-- One row per allocation lifetime: its alloc side and, once it ends, its free side. The
-- columns after leak_kind are what is stored of the others (the functions, reason,
-- inherited flag, leak kind and space as bits of ops, the allocation's seq as an offset
-- from twice the id, the ends as offsets from the allocation, the thread as an offset from
-- the pid, what is rare in a JSON object); the named columns read them (generated, stored
-- nowhere): a row takes about 40 % fewer bytes than with each stored.
CREATE TABLE lifetimes (
	id INTEGER PRIMARY KEY,
	pid INTEGER NOT NULL,
	tid INTEGER AS (pid + coalesce(dtid, 0)) VIRTUAL,
	device INTEGER AS (coalesce(dev, -1)) VIRTUAL,
	space INTEGER AS (ops >> 13) VIRTUAL,
	address INTEGER NOT NULL, size INTEGER NOT NULL, generation INTEGER NOT NULL,
	alloc_seq INTEGER AS (2 * id + alloc_dseq) VIRTUAL,
	alloc_ns INTEGER,
	alloc_func TEXT AS (CASE ops & 7 WHEN 0 THEN 'malloc' WHEN 1 THEN 'calloc' WHEN 2 THEN 'realloc'
		WHEN 3 THEN 'memalign' WHEN 4 THEN 'client' WHEN 5 THEN 'new' ELSE 'unknown' END) VIRTUAL,
	alloc_stack INTEGER,
	free_seq INTEGER AS (CASE WHEN ops >> 6 & 7 = 1
		THEN alloc_seq + coalesce(json_extract(extra, '$.free_dseq'), end_dseq) END) VIRTUAL,
	free_ns INTEGER AS (CASE WHEN ops >> 6 & 7 = 1
		THEN alloc_ns + coalesce(json_extract(extra, '$.free_dns'), end_dns) END) VIRTUAL,
	free_tid INTEGER AS (CASE WHEN ops >> 6 & 7 = 1 THEN coalesce(free_thread, tid) END) VIRTUAL,
	free_func TEXT AS (CASE WHEN ops >> 6 & 7 = 1 THEN CASE ops >> 3 & 7 WHEN 2 THEN 'realloc'
		WHEN 4 THEN 'client' WHEN 5 THEN 'delete' WHEN 6 THEN 'unknown' WHEN 7 THEN 'unknown'
		ELSE 'free' END END) VIRTUAL,
	free_stack INTEGER AS (json_extract(extra, '$.free_stack')) VIRTUAL,
	end_seq INTEGER AS (alloc_seq + end_dseq) VIRTUAL,
	end_ns INTEGER AS (alloc_ns + end_dns) VIRTUAL,
	end_reason TEXT AS (CASE ops >> 6 & 7 WHEN 1 THEN 'free' WHEN 2 THEN 'overwritten' WHEN 3 THEN 'exec'
		WHEN 4 THEN 'device_close' WHEN 5 THEN 'detach' END) VIRTUAL, -- NULL: still live
	inherited INTEGER AS (ops >> 9 & 1) VIRTUAL,
	-- inherited: the parent's lifetime this one copies
	parent_id INTEGER AS (json_extract(extra, '$.parent_id')) VIRTUAL,
	leak_kind TEXT AS (CASE ops >> 10 & 7 WHEN 1 THEN 'definitely_lost' WHEN 2 THEN 'indirectly_lost'
		WHEN 3 THEN 'possibly_lost' WHEN 4 THEN 'still_reachable' WHEN 5 THEN 'not_scanned' END) VIRTUAL,
	-- stored (each column costs a byte of the row's header even when NULL): alloc function
	-- (bits 0-2), free function (3-5), end reason (6-8: 0 live, 1 free, 2 overwritten,
	-- 3 exec, 4 device_close, 5 detach), inherited (9), leak kind (10-12), space (13 on)
	ops INTEGER NOT NULL,
	alloc_dseq INTEGER NOT NULL,       -- alloc_seq - 2 * id: small where blocks are freed
	end_dseq INTEGER, end_dns INTEGER, -- end - alloc; NULL: still live
	dtid INTEGER,                      -- tid - pid; NULL: the process's main thread
	dev INTEGER,                       -- the device; NULL: the host
	free_thread INTEGER,               -- a free from another thread: its tid; else NULL
	-- the rare ones: free_stack (mtrec --free-stacks), parent_id (inherited rows), and
	-- free_dseq and free_dns, the free's own seq and time where it is not where the block
	-- ended (a repaired race), as offsets from the allocation; NULL: none of them
	extra TEXT);

-- few rows each: leaks, blocks a device close released and blocks live at the detach
CREATE INDEX lifetimes_leaks ON lifetimes(pid, device, space, alloc_stack)
	WHERE end_reason IS NULL AND inherited = 0;
CREATE INDEX lifetimes_released ON lifetimes(pid, device, space, alloc_stack)
	WHERE end_reason = 'device_close';
CREATE INDEX lifetimes_detached ON lifetimes(pid, device, space, alloc_stack)
	WHERE end_reason = 'detach';
-- the blocks that lived long (more than 65536 seqs) or never ended: with them, the blocks
-- live at a seq S are these plus the short ones allocated after S - 65536 (one id range)
CREATE INDEX lifetimes_long ON lifetimes(pid, device, space, alloc_seq)
	WHERE end_seq IS NULL OR end_seq - alloc_seq > 65536;

CREATE TABLE anomalies (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,            -- 'unmatched_free', 'double_free', 'alloc_over_live', 'reuse_race'
	pid INTEGER NOT NULL, device INTEGER NOT NULL, space INTEGER NOT NULL, address INTEGER NOT NULL,
	seq INTEGER, time_ns INTEGER, tid INTEGER, func TEXT, size INTEGER, stack INTEGER,
	lifetime_id INTEGER);

CREATE TABLE stacks (id INTEGER PRIMARY KEY, pid INTEGER NOT NULL, trace_id INTEGER NOT NULL,
	depth INTEGER NOT NULL,          -- recorded frames (stack_frames has a row more per inlined call)
	site INTEGER NOT NULL,           -- the level of its first frame that is not frames.runtime
	canonical INTEGER NOT NULL);     -- the first stack whose symbolized frames read as this one's
-- A stack's frames, innermost first, with a row for each function inlined at an address
-- before the row of the function that holds the code.
CREATE TABLE stack_frames (
	stack_id INTEGER NOT NULL, level INTEGER NOT NULL, frame_id INTEGER NOT NULL,
	frame_level INTEGER NOT NULL,    -- the recorded frame (0 innermost) the row belongs to
	PRIMARY KEY (stack_id, level)) WITHOUT ROWID;
-- One row per distinct (pid, address) and function there: inlined functions first.
CREATE TABLE frames (
	id INTEGER PRIMARY KEY, pid INTEGER NOT NULL, address INTEGER NOT NULL,
	return_address INTEGER NOT NULL, -- 1: looked up at address - 1 (a caller's frame)
	module TEXT, offset INTEGER, function TEXT, file TEXT, line INTEGER,
	inlined INTEGER NOT NULL,        -- 1: function is inlined there into the next row's
	runtime INTEGER NOT NULL);       -- 1: the allocator's or the runtime's (mtan's default list)

CREATE TABLE modules (pid INTEGER NOT NULL, seq INTEGER, unload INTEGER NOT NULL, base INTEGER, size INTEGER, path TEXT, build_id TEXT);
CREATE TABLE devices (pid INTEGER NOT NULL, device INTEGER NOT NULL, name TEXT, capacity INTEGER,
	open_seq INTEGER, open_ns INTEGER, close_seq INTEGER, close_ns INTEGER,
	ready_seq INTEGER, ready_ns INTEGER,       -- mtrec_device_ready, NULL if none
	baseline_seq INTEGER, baseline_ns INTEGER, -- the end of its setup: ready, else the first mark after the open
	baseline TEXT);                            -- 'ready', 'mark', NULL: none (nothing is held to close)
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

-- Live bytes and blocks per scope (as in timeline) just before each mark whose label
-- recurs (trailing digits aside: "frame", "round 0", "round 1", ...): the axis `mtan growth`
-- judges iterative programs on. Every k-th mark of a label with more than 4096.
CREATE TABLE mark_live (
	seq INTEGER NOT NULL,          -- the mark's (marks.seq)
	pid INTEGER, device INTEGER NOT NULL, space TEXT NOT NULL,
	live_bytes INTEGER NOT NULL, live_blocks INTEGER NOT NULL);

-- Allocation sites over the whole trace, counted by the loader. The est_ columns are the
-- site's estimated figures in a sampled trace (meta sample_bytes: mtrec --sample-stacks),
-- each sampled block weighed by 1 / (1 - exp(-size / sample_bytes)); the unsampled blocks
-- (stack NULL) have 0 there. Without sampling they equal the exact columns.
CREATE TABLE sites (
	pid INTEGER NOT NULL, device INTEGER NOT NULL, space INTEGER NOT NULL, stack INTEGER,
	allocs INTEGER NOT NULL, bytes INTEGER NOT NULL, frees INTEGER NOT NULL,
	temporaries INTEGER NOT NULL, temporary_bytes INTEGER NOT NULL, -- freed within 1 ms
	leaked_blocks INTEGER NOT NULL, leaked_bytes INTEGER NOT NULL,
	est_allocs REAL NOT NULL, est_bytes REAL NOT NULL,
	est_temporaries REAL NOT NULL, est_temporary_bytes REAL NOT NULL,
	est_leaked_blocks REAL NOT NULL, est_leaked_bytes REAL NOT NULL);

-- `mtan growth` over the whole trace, all processes, judged at load (analyze/growth.c).
CREATE TABLE growth (
	device INTEGER NOT NULL, space TEXT NOT NULL,
	verdict TEXT NOT NULL,         -- 'plateau', 'growth', 'sawtooth' or 'too_short'
	rate_bytes_per_s INTEGER, plateau_ns INTEGER, start_ns INTEGER, end_ns INTEGER, z REAL,
	start_bytes INTEGER, end_bytes INTEGER,
	axis TEXT NOT NULL,            -- 'time', or 'marks': judged at each recurrence of mark
	mark TEXT,                     -- the repeated label ('frame', 'round N'); NULL on time
	points INTEGER NOT NULL,       -- the points judged (time windows or marks)
	rate_bytes_per_mark INTEGER,   -- axis marks: the slope per recurrence
	reason TEXT);                  -- too_short: why, in words
CREATE TABLE growth_sites (
	device INTEGER NOT NULL, space TEXT NOT NULL, rank INTEGER NOT NULL, pid INTEGER NOT NULL,
	stack INTEGER, growth_bytes INTEGER NOT NULL, growth_blocks INTEGER NOT NULL, live_bytes INTEGER NOT NULL);

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

-- The sampling of a sampled trace (mtrec --sample-stacks): one row, sample_bytes 0 when
-- every allocation has its stack.
CREATE VIEW sampling AS
	SELECT coalesce((SELECT value FROM meta WHERE key = 'sample_bytes'), 0) AS sample_bytes;

-- Sites: the stacks whose frames read the same are one (stacks.canonical, the first of them);
-- a site with blocks of two kinds is two rows. est_blocks and est_bytes: the estimates of a
-- sampled trace (as in sites; the row with stack NULL, the unsampled blocks, has 0), else
-- blocks and bytes.
CREATE VIEW leak_sites AS
	SELECT l.pid, l.device, l.space, k.canonical AS stack, l.leak_kind AS kind, count(*) AS blocks,
		sum(l.size) AS bytes,
		sum(CASE WHEN m.sample_bytes = 0 THEN 1 WHEN l.alloc_stack IS NULL THEN 0
			ELSE 1 / (1 - exp(-max(l.size, 1) * 1.0 / m.sample_bytes)) END) AS est_blocks,
		sum(CASE WHEN m.sample_bytes = 0 THEN l.size WHEN l.alloc_stack IS NULL THEN 0
			ELSE l.size / (1 - exp(-max(l.size, 1) * 1.0 / m.sample_bytes)) END) AS est_bytes
	FROM leaks l LEFT JOIN stacks k ON k.id = l.alloc_stack CROSS JOIN sampling m
	GROUP BY l.pid, l.device, l.space, k.canonical, l.leak_kind;

-- leak_sites with the frame each starts at: the program's, past the allocator and runtime.
CREATE VIEW leak_sites_program AS
	SELECT l.pid, l.device, l.space, l.stack, l.kind, l.blocks, l.bytes, s.site AS level,
		y.function, y.file, y.line, y.module, y.offset, y.address, y.inlined
	FROM leak_sites l
	LEFT JOIN stacks s ON s.id = l.stack
	LEFT JOIN stack_symbols y ON y.stack_id = l.stack AND y.level = s.site;

-- Still live when their device was closed: released with it, not leaked. held_to_close: 1
-- when allocated after the device's setup (its baseline), the suspects; 0 the baseline's or
-- a device without a baseline.
CREATE VIEW device_released AS
	SELECT l.*, coalesce(l.alloc_seq > d.baseline_seq, 0) AS held_to_close
	FROM lifetimes l
	LEFT JOIN devices d ON d.pid = l.pid AND d.device = l.device AND d.close_seq = l.end_seq
	WHERE l.end_reason = 'device_close';

-- `mtan frees`: unmatched and double frees, each with the nearest earlier lifetime at its
-- address (the last one there before the free, if any).
CREATE VIEW bad_frees AS
	SELECT a.id, a.kind, a.pid, a.device, a.space, a.address, a.seq, a.time_ns, a.tid, a.func,
		a.stack, l.id AS nearest_id, l.generation AS nearest_generation, l.size AS nearest_size,
		l.alloc_seq AS nearest_alloc_seq, l.alloc_ns AS nearest_alloc_ns, l.tid AS nearest_tid,
		l.alloc_stack AS nearest_alloc_stack, l.end_seq AS nearest_end_seq,
		l.end_reason AS nearest_end_reason, l.free_seq AS nearest_free_seq,
		l.free_tid AS nearest_free_tid, l.free_stack AS nearest_free_stack
	FROM anomalies a LEFT JOIN lifetimes l ON l.id = a.lifetime_id
	WHERE a.kind IN ('unmatched_free', 'double_free');

-- `mtan races`: the address-reuse races, with their space's name.
CREATE VIEW reuse_races AS
	SELECT r.*, coalesce(s.name, 'space ' || r.space) AS space_name
	FROM races r
	LEFT JOIN space_stats s ON s.pid = r.pid AND s.device = r.device AND s.space = r.space;

-- `mtan frag`, at each space's peak: the live blocks then, the holes between them within
-- the device's capacity (from the lowest address the space used) or else within the span
-- of the live blocks, and external fragmentation = 1 - largest hole / free bytes.
CREATE VIEW fragmentation AS
	WITH pools AS (
		SELECT s.pid, s.device, s.space, s.name, s.min_address,
			(SELECT max(d.capacity) FROM devices d WHERE d.pid = s.pid AND d.device = s.device) AS capacity,
			p.peak_seq AS seq, p.peak_ns AS time_ns
		FROM space_stats s
		JOIN peaks p ON p.pid = s.pid AND p.device = s.device AND p.space = s.name),
	live AS (
		SELECT p.pid, p.device, p.space, l.address, l.size,
			max(l.address + l.size) OVER (PARTITION BY p.pid, p.device, p.space ORDER BY l.address, l.size
				ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
		FROM pools p JOIN lifetimes l ON l.pid = p.pid AND l.device = p.device AND l.space = p.space
		WHERE l.alloc_seq <= p.seq AND (l.end_seq IS NULL OR l.end_seq > p.seq)),
	sums AS (
		SELECT pid, device, space, count(*) AS blocks, sum(size) AS live_bytes,
			min(address) AS lo, max(address + size) AS hi,
			sum(address > prev_end) AS inner_holes,
			coalesce(sum(max(address - prev_end, 0)), 0) AS inner_free,
			coalesce(max(address - prev_end), 0) AS inner_largest
		FROM live GROUP BY pid, device, space),
	edges AS (
		SELECT p.*, coalesce(u.blocks, 0) AS blocks, coalesce(u.live_bytes, 0) AS live_bytes,
			coalesce(u.inner_holes, 0) AS inner_holes, coalesce(u.inner_free, 0) AS inner_free,
			coalesce(u.inner_largest, 0) AS inner_largest,
			CASE WHEN p.capacity IS NULL OR u.lo IS NULL THEN 0 ELSE max(u.lo - p.min_address, 0) END AS head,
			CASE WHEN p.capacity IS NULL OR u.lo IS NULL THEN 0 ELSE max(p.min_address + p.capacity - u.hi, 0) END AS tail,
			CASE WHEN u.lo IS NULL AND p.capacity IS NOT NULL THEN p.capacity ELSE 0 END AS empty
		FROM pools p LEFT JOIN sums u ON u.pid = p.pid AND u.device = p.device AND u.space = p.space)
	SELECT pid, device, space, name, seq, time_ns, capacity, blocks, live_bytes,
		inner_free + head + tail + empty AS free_bytes,
		inner_holes + (head > 0) + (tail > 0) + (empty > 0) AS holes,
		max(inner_largest, head, tail, empty) AS largest_free,
		CASE WHEN inner_free + head + tail + empty > 0
		     THEN 1.0 - max(inner_largest, head, tail, empty) * 1.0 / (inner_free + head + tail + empty)
		     ELSE 0.0 END AS external_fragmentation
	FROM edges;

-- `mtan summary`'s per-space table over the whole trace: space_stats without the address
-- range (ClickHouse's summary view, `mtan push`, has these columns plus run and host).
CREATE VIEW summary AS
	SELECT pid, device, space, name, allocs, frees, bytes_allocated, bytes_freed,
		leaked_blocks, leaked_bytes, released_blocks, released_bytes, end_bytes
	FROM space_stats;

-- `mtan top` over the whole trace: allocations per site (the table sites, by canonical stack).
CREATE VIEW alloc_sites AS
	SELECT s.pid, s.device, s.space, k.canonical AS stack, sum(s.allocs) AS allocs, sum(s.bytes) AS bytes,
		sum(s.frees) AS frees, sum(s.temporaries) AS temporaries, sum(s.temporary_bytes) AS temporary_bytes,
		sum(s.leaked_blocks) AS leaked_blocks, sum(s.leaked_bytes) AS leaked_bytes,
		sum(s.est_allocs) AS est_allocs, sum(s.est_bytes) AS est_bytes,
		sum(s.est_leaked_blocks) AS est_leaked_blocks, sum(s.est_leaked_bytes) AS est_leaked_bytes
	FROM sites s LEFT JOIN stacks k ON k.id = s.stack
	GROUP BY s.pid, s.device, s.space, k.canonical;

-- Each stack's frames, innermost (level 0) first, symbolized, inlined calls included.
CREATE VIEW stack_symbols AS
	SELECT sf.stack_id, sf.level, f.function, f.file, f.line, f.module, f.offset, f.address,
		f.inlined, f.runtime, sf.frame_level
	FROM stack_frames sf JOIN frames f ON f.id = sf.frame_id;
