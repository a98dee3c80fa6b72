/* sql.h: the embedded SQL and its helpers (sql.c). */
#ifndef MTAN_SQL_H
#define MTAN_SQL_H

#include <sqlite3.h>
#include <stddef.h>
#include "opts.h"

/* ---- sql.c: the embedded SQL of queries/NAME.sql (build/gen/queries.c) ---- */
/* The text of one statement: file is a queries/<file>.sql name, section the name after a
 * "-- name: " line in it, or NULL for the whole file. NULL (and an error message) if
 * missing. *len gets the length (the text is not NUL-terminated at a section's end). */
const char *mtan_sql(const char *file, const char *section, int *len);
/* The name of the i-th section of an embedded file: 1 and name filled, 0 past the last. */
int mtan_sql_section(const char *file, int i, char *name, size_t size);
/* Prepares one embedded statement; returns 0 or -1 (reported). */
int mtan_prepare(sqlite3 *db, const char *file, const char *section, sqlite3_stmt **st);
/* Runs every statement of an embedded file (or section): DDL and such. 0 or -1. */
int mtan_exec(sqlite3 *db, const char *file, const char *section);
/* Binds the named parameters the queries share (:pid, :limit) where a statement has them. */
void mtan_bind_common(sqlite3_stmt *st, const struct mtan_opts *o);


/* Reports a failed SQLite call once; returns -1 for "ret = mtan_sqlerr(...)". While a
 * database is being built (mtan_sql_building), an error of the disk's (full, I/O) names
 * that database instead of the statement. */
int mtan_sqlerr(sqlite3 *db, const char *what);
/* The database a load is building, as messages name it (its final name); NULL when the
 * load is over. db.c says it, so the SQL helpers below it need not ask it. */
void mtan_sql_building(const char *name);

#endif
