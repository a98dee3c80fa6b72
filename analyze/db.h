/* db.h: the database of what the user named (db.c). */
#ifndef MTAN_DB_H
#define MTAN_DB_H

#include <sqlite3.h>
#include "load.h"
#include "opts.h"

/* Bumped on any change a query could notice; a cached database of another version is
 * rebuilt, and one named directly is refused. Stored in PRAGMA user_version and meta. */
#define MTAN_SCHEMA_VERSION 14
/* ---- db.c: the database of what the user named ---- */
/* Opens input (a trace or a database) for reading, loading or reusing the cached
 * database of a trace. Prints the recovery warning of a damaged trace. On success *out
 * is the caller's to sqlite3_close. Returns 0 or -1 after reporting the error.
 * st (may be NULL) gets the load statistics; st->seconds < 0 when nothing was loaded. */
int mtan_open(const struct mtan_opts *o, sqlite3 **out, struct mtan_load_stats *st,
	      char **dbpath);
/* 1 when the file starts with SQLite's 16-byte magic, 0 when not, -1 (errno) on error. */
int mtan_is_sqlite(const char *path);
/* A meta value as an integer (def when missing or NULL). */
long long mtan_meta_int(sqlite3 *db, const char *key, long long def);
/* A meta value as text, malloc'd (caller frees), NULL when missing. */
char *mtan_meta_text(sqlite3 *db, const char *key);


#endif
