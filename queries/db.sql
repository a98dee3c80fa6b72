-- db.sql: what analyze/db.c asks a database before trusting it as the cache of a trace.
-- name: user_version
PRAGMA user_version;
-- name: has_meta
SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta';
-- name: meta_get
SELECT value FROM meta WHERE key = ?1;
