-- clickhouse.sql: `mtan push`: the tables and views of a ClickHouse database that holds
-- many traces (ClickHouse's SQL, not SQLite's: run by cmd_push.c over HTTP, one section a
-- statement, in order; checked against a server by tests/e2e/push.sh, written for 18.16).
-- Each table is its SQLite namesake (analyze/SCHEMA.md) with run and host in front; the
-- columns follow in SQLite's order, as push.sql selects them.
-- name: lifetimes
CREATE TABLE IF NOT EXISTS lifetimes (run String, host String,
	id Int64, pid Int64, tid Nullable(Int64), device Int64, space Int64, address Int64, size Int64,
	generation Int64, alloc_seq Nullable(Int64), alloc_ns Nullable(Int64), alloc_func Nullable(String),
	alloc_stack Nullable(Int64), free_seq Nullable(Int64), free_ns Nullable(Int64), free_tid Nullable(Int64),
	free_func Nullable(String), free_stack Nullable(Int64), end_seq Nullable(Int64), end_ns Nullable(Int64),
	end_reason Nullable(String), inherited Int64, parent_id Nullable(Int64), leak_kind Nullable(String))
ENGINE = MergeTree ORDER BY (run, host, id)
-- name: stacks
CREATE TABLE IF NOT EXISTS stacks (run String, host String,
	id Int64, pid Int64, trace_id Int64, depth Int64, site Int64, canonical Int64)
ENGINE = MergeTree ORDER BY (run, host, id)
-- name: stack_frames
CREATE TABLE IF NOT EXISTS stack_frames (run String, host String,
	stack_id Int64, level Int64, frame_id Int64, frame_level Int64)
ENGINE = MergeTree ORDER BY (run, host, stack_id, level)
-- name: frames
CREATE TABLE IF NOT EXISTS frames (run String, host String,
	id Int64, pid Int64, address Int64, return_address Int64, module Nullable(String),
	offset Nullable(Int64), function Nullable(String), file Nullable(String), line Nullable(Int64),
	inlined Int64, runtime Int64)
ENGINE = MergeTree ORDER BY (run, host, id)
-- name: marks
CREATE TABLE IF NOT EXISTS marks (run String, host String,
	pid Nullable(Int64), tid Nullable(Int64), seq Nullable(Int64), time_ns Nullable(Int64), label Nullable(String))
ENGINE = MergeTree ORDER BY (run, host)
-- name: timeline_buckets
-- SQLite's table timeline (the view timeline below reads it)
CREATE TABLE IF NOT EXISTS timeline_buckets (run String, host String,
	pid Nullable(Int64), device Int64, space String, bucket Int64, seq Int64, time_ns Int64,
	live_bytes Int64, live_blocks Int64, max_bytes Int64, allocs Int64, frees Int64,
	bytes_allocated Int64, bytes_freed Int64)
ENGINE = MergeTree ORDER BY (run, host, device, space, bucket)
-- name: space_stats
CREATE TABLE IF NOT EXISTS space_stats (run String, host String,
	pid Int64, device Int64, space Int64, name String, allocs Int64, frees Int64,
	bytes_allocated Int64, bytes_freed Int64, leaked_blocks Int64, leaked_bytes Int64,
	released_blocks Int64, released_bytes Int64, end_bytes Int64,
	min_address Nullable(Int64), max_address Nullable(Int64))
ENGINE = MergeTree ORDER BY (run, host, pid, device, space)
-- name: sampling
-- SQLite's view sampling: the run's mean bytes between sampled stacks (0: every stack)
CREATE TABLE IF NOT EXISTS sampling (run String, host String, sample_bytes Int64)
ENGINE = MergeTree ORDER BY (run, host)
-- name: leak_sites
-- SQLite's leak_sites per run and host: leaks (never freed, not inherited) by site
-- (stacks.canonical; NULL: no stack) and kind, with the estimates of a sampled run (each
-- sampled block stands for 1 / (1 - exp(-size / sample_bytes)) of its kind; a run without
-- a sampling row was not sampled). 18.16 takes one JOIN a SELECT: the stacks' join nests.
CREATE VIEW IF NOT EXISTS leak_sites AS
SELECT run, host, pid, device, space, nullIf(canonical, 0) AS stack, kind, count() AS blocks,
	sum(size) AS bytes,
	sum(sample_bytes = 0 ? toFloat64(1) : (id = 0 ? toFloat64(0) : 1 / (1 - exp(-greatest(size, 1) / sample_bytes)))) AS est_blocks,
	sum(sample_bytes = 0 ? toFloat64(size) : (id = 0 ? toFloat64(0) : size / (1 - exp(-greatest(size, 1) / sample_bytes)))) AS est_bytes
FROM (SELECT run, host, pid, device, space, id, kind, size, canonical
	FROM (SELECT run, host, pid, device, space, ifNull(alloc_stack, 0) AS id, leak_kind AS kind, size
		FROM lifetimes WHERE isNull(end_reason) AND inherited = 0)
	ANY LEFT JOIN (SELECT run, host, id, canonical FROM stacks) USING (run, host, id))
ANY LEFT JOIN (SELECT run, host, sample_bytes FROM sampling) USING (run, host)
GROUP BY run, host, pid, device, space, stack, kind
-- name: timeline
CREATE VIEW IF NOT EXISTS timeline AS
SELECT run, host, pid, device, space, bucket, seq, time_ns, live_bytes, live_blocks, max_bytes,
	allocs, frees, bytes_allocated, bytes_freed
FROM timeline_buckets
-- name: summary
CREATE VIEW IF NOT EXISTS summary AS
SELECT run, host, pid, device, space, name, allocs, frees, bytes_allocated, bytes_freed,
	leaked_blocks, leaked_bytes, released_blocks, released_bytes, end_bytes
FROM space_stats
