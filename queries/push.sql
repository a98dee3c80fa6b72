-- push.sql: `mtan push`: the rows of each table it sends to ClickHouse, in the order of
-- the columns of clickhouse.sql's tables (the section's name is the table's there).
-- name: lifetimes
SELECT id, pid, tid, device, space, address, size, generation, alloc_seq, alloc_ns, alloc_func,
	alloc_stack, free_seq, free_ns, free_tid, free_func, free_stack, end_seq, end_ns, end_reason,
	inherited, parent_id, leak_kind
FROM lifetimes;
-- name: stacks
SELECT id, pid, trace_id, depth, site, canonical FROM stacks;
-- name: stack_frames
SELECT stack_id, level, frame_id, frame_level FROM stack_frames;
-- name: frames
SELECT id, pid, address, return_address, module, offset, function, file, line, inlined, runtime FROM frames;
-- name: marks
SELECT pid, tid, seq, time_ns, label FROM marks;
-- name: timeline_buckets
SELECT pid, device, space, bucket, seq, time_ns, live_bytes, live_blocks, max_bytes, allocs, frees,
	bytes_allocated, bytes_freed
FROM timeline;
-- name: space_stats
SELECT pid, device, space, name, allocs, frees, bytes_allocated, bytes_freed, leaked_blocks,
	leaked_bytes, released_blocks, released_bytes, end_bytes, min_address, max_address
FROM space_stats;
-- name: sampling
SELECT sample_bytes FROM sampling;
-- name: run
-- the facts a run is named by: the trace's host and its start (wall clock)
SELECT (SELECT value FROM meta WHERE key = 'host'), (SELECT value FROM meta WHERE key = 'realtime_ns'),
	(SELECT value FROM meta WHERE key = 'trace_mtime_ns');
