-- window.sql: what --since and --until resolve against (analyze/scope.c). Lifetimes' ids
-- follow their allocations' seqs (inherited copies aside), so a binary search over ids
-- with `at` finds the id, seq and time of any point in a few look-ups.
-- name: max_id
SELECT coalesce(max(id), 0) FROM lifetimes;
-- name: at
SELECT alloc_seq, alloc_ns FROM lifetimes WHERE id >= ?1 AND inherited = 0 ORDER BY id LIMIT 1;
-- name: mark
SELECT seq, time_ns FROM marks WHERE label = ?1 ORDER BY seq LIMIT 1;
