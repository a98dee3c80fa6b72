-- load.sql: the statements the loader (analyze/load.c) binds row by row, one section each,
-- in the column order of schema.sql.
-- name: meta
INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2);
-- name: process
INSERT INTO processes VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13);
-- name: thread
INSERT INTO threads VALUES (?1, ?2, ?3, ?4, ?5);
-- name: lifetimes
-- all rows at once from the loader's memory (the virtual table mtan_lifetimes, load.c)
INSERT INTO lifetimes (id, pid, address, size, generation, alloc_ns, alloc_stack, ops,
	alloc_dseq, end_dseq, end_dns, dtid, dev, free_thread, extra)
SELECT id, pid, address, size, generation, alloc_ns, alloc_stack, ops,
	alloc_dseq, end_dseq, end_dns, dtid, dev, free_thread, extra
FROM mtan_lifetimes;
-- name: lifetimes_twin
-- What the bulk insert sees of lifetimes (store.c, mtan_ld_write_lifetimes): the stored
-- columns alone, in their order, and the partial indexes over the same expressions that the
-- named columns stand for. SQLite computes every generated column of a row it inserts,
-- virtual ones too (most of the 244 steps of its program), though it stores none; these
-- declarations make the same records and index entries (PRAGMA integrity_check against the
-- real ones says so: tests/e2e/databases.sh) without that. Put in sqlite_schema in place of
-- schema.sql's text for the insert only, as SQLite's ALTER TABLE page describes for changes
-- that leave the stored format alone; the loader puts the real text back at once after.
PRAGMA writable_schema = ON;
-- No NOT NULL either: a check per column of every row, and the loader never leaves those
-- columns NULL (the integrity check against the real text would say so).
UPDATE sqlite_schema SET sql = 'CREATE TABLE lifetimes (id INTEGER PRIMARY KEY, pid INTEGER,
	address INTEGER, size INTEGER, generation INTEGER, alloc_ns INTEGER,
	alloc_stack INTEGER, ops INTEGER, alloc_dseq INTEGER, end_dseq INTEGER,
	end_dns INTEGER, dtid INTEGER, dev INTEGER, free_thread INTEGER, extra TEXT)'
WHERE type = 'table' AND name = 'lifetimes';
-- device: coalesce(dev, -1); space: ops >> 13; alloc_seq: 2 * id + alloc_dseq; end_reason
-- is NULL where ops >> 6 & 7 is not 1 to 5 ('device_close' 4, 'detach' 5); inherited:
-- ops >> 9 & 1; end_seq - alloc_seq is end_dseq, NULL together
UPDATE sqlite_schema SET sql = 'CREATE INDEX lifetimes_leaks ON lifetimes(pid, (coalesce(dev, -1)),
	(ops >> 13), alloc_stack) WHERE (ops >> 6 & 7) NOT BETWEEN 1 AND 5 AND (ops >> 9 & 1) = 0'
WHERE type = 'index' AND name = 'lifetimes_leaks';
UPDATE sqlite_schema SET sql = 'CREATE INDEX lifetimes_released ON lifetimes(pid, (coalesce(dev, -1)),
	(ops >> 13), alloc_stack) WHERE (ops >> 6 & 7) = 4'
WHERE type = 'index' AND name = 'lifetimes_released';
UPDATE sqlite_schema SET sql = 'CREATE INDEX lifetimes_detached ON lifetimes(pid, (coalesce(dev, -1)),
	(ops >> 13), alloc_stack) WHERE (ops >> 6 & 7) = 5'
WHERE type = 'index' AND name = 'lifetimes_detached';
UPDATE sqlite_schema SET sql = 'CREATE INDEX lifetimes_long ON lifetimes(pid, (coalesce(dev, -1)),
	(ops >> 13), (2 * id + alloc_dseq)) WHERE end_dseq IS NULL OR end_dseq > 65536'
WHERE type = 'index' AND name = 'lifetimes_long';
-- name: anomaly
INSERT INTO anomalies VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13);
-- name: race
INSERT INTO races VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21);
-- name: timeline
INSERT INTO timeline VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13);
-- name: stack
INSERT INTO stacks VALUES (?1, ?2, ?3, ?4, ?5, ?6);
-- name: stack_frame
INSERT INTO stack_frames VALUES (?1, ?2, ?3, ?4);
-- name: frame
INSERT INTO frames VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11);
-- name: module
INSERT INTO modules VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7);
-- name: device
INSERT INTO devices VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL, NULL, NULL);
-- name: device_baseline
-- The end of each open's setup: mtrec_device_ready, else the process's first mark after the
-- open (and before its close); neither: no baseline (nothing it held to close is a suspect).
UPDATE devices SET baseline_seq = ready_seq, baseline_ns = ready_ns, baseline = 'ready'
WHERE ready_seq IS NOT NULL;
UPDATE devices SET (baseline_seq, baseline_ns, baseline) = (
	SELECT m.seq, m.time_ns, 'mark' FROM marks m
	WHERE m.pid = devices.pid AND m.seq > devices.open_seq
		AND (devices.close_seq IS NULL OR m.seq < devices.close_seq)
	ORDER BY m.seq LIMIT 1)
WHERE ready_seq IS NULL AND open_seq IS NOT NULL;
-- name: space
INSERT INTO spaces VALUES (?1, ?2, ?3);
-- name: mark
INSERT INTO marks VALUES (?1, ?2, ?3, ?4, ?5);
-- name: rss
INSERT INTO rss VALUES (?1, ?2, ?3);
-- name: loss
INSERT INTO losses VALUES (?1, ?2, ?3, ?4);
-- name: space_stats
INSERT INTO space_stats VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15);
-- name: peak
INSERT INTO peaks VALUES (?1, ?2, ?3, ?4, ?5, ?6);
-- name: site
INSERT INTO sites VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17);
-- name: growth
INSERT INTO growth VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15);
-- name: mark_live
INSERT INTO mark_live VALUES (?1, ?2, ?3, ?4, ?5, ?6);
-- name: growth_site
INSERT INTO growth_sites VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8);
-- name: growth_short
-- lifetimes ?1..?2 that ended at most 65536 seqs after they began, as written: the short
-- blocks growth's sites take near the judged window (store_growth.c)
SELECT id, pid, device, space, coalesce(alloc_stack, 0), size, alloc_seq, end_seq FROM lifetimes
WHERE id BETWEEN ?1 AND ?2 AND end_seq - alloc_seq <= 65536 ORDER BY id;
