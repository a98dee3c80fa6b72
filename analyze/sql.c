/* sql.c: finds, prepares and runs the SQL of queries/NAME.sql compiled into mtan, so no SQL
 * text lives in the C files. A file holds one statement, several run together (DDL), or
 * named sections, each starting at a line "-- name: NAME". */
#include "opts.h"
#include "output.h"
#include "sql.h"
#include "queries.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#define SECTION_TAG "-- name: "

/* The final name of the database a load is building ("" when none): a disk error while
 * building is reported naming it (mtan_sql_building). */
static char building[PATH_MAX];

void mtan_sql_building(const char *name)
{
	snprintf(building, sizeof building, "%s", name ? name : "");
}

/* While a load is under way: when the last error on db is the disk's (full, I/O),
 * reports it naming the database being built and returns 1; else 0 and the caller
 * reports the error its own way. */
static int write_error(sqlite3 *db)
{
	int code = db ? sqlite3_errcode(db) & 0xff : SQLITE_NOMEM;
	if (!building[0] || (code != SQLITE_FULL && code != SQLITE_IOERR && code != SQLITE_CANTOPEN))
		return 0;
	mtan_err("cannot write '%s': %s", building, sqlite3_errmsg(db));
	return 1;
}

int mtan_sqlerr(sqlite3 *db, const char *what)
{
	if (write_error(db))
		return -1;
	mtan_err("%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
	return -1;
}

static const char *find_file(const char *file)
{
	for (const struct mtan_query *q = mtan_queries; q->name; q++)
		if (!strcmp(q->name, file))
			return q->sql;
	return NULL;
}

/* The text after the next section tag (at a line start) at or after p, with the tag's
 * name in *name and *nlen; NULL when there is none. text is the file's start. */
static const char *next_section(const char *text, const char *p, const char **name, size_t *nlen)
{
	while ((p = strstr(p, SECTION_TAG))) {
		const char *n = p + strlen(SECTION_TAG);
		if (p != text && p[-1] != '\n') {
			p = n;
			continue;
		}
		size_t k = strcspn(n, "\n");
		*name = n;
		*nlen = k;
		return n[k] ? n + k + 1 : n + k;
	}
	return NULL;
}

const char *mtan_sql(const char *file, const char *section, int *len)
{
	const char *text = find_file(file);
	if (!text) {
		mtan_err("no embedded query '%s'", file);
		return NULL;
	}
	if (!section) {
		*len = (int)strlen(text);
		return text;
	}
	const char *name, *p = text;
	size_t nlen;
	while ((p = next_section(text, p, &name, &nlen))) {
		if (nlen == strlen(section) && !memcmp(name, section, nlen)) {
			const char *n2, *end = next_section(text, p, &n2, &nlen);
			if (end)
				end = n2 - strlen(SECTION_TAG);
			*len = (int)(end ? (size_t)(end - p) : strlen(p));
			return p;
		}
	}
	mtan_err("no section '%s' in embedded query '%s'", section, file);
	return NULL;
}

int mtan_prepare(sqlite3 *db, const char *file, const char *section, sqlite3_stmt **st)
{
	int len;
	*st = NULL;
	const char *sql = mtan_sql(file, section, &len);
	if (!sql)
		return -1;
	if (sqlite3_prepare_v2(db, sql, len, st, NULL) != SQLITE_OK) {
		mtan_err("cannot prepare query '%s%s%s': %s", file, section ? "/" : "",
			 section ? section : "", sqlite3_errmsg(db));
		sqlite3_finalize(*st);
		*st = NULL;
		return -1;
	}
	return 0;
}

int mtan_exec(sqlite3 *db, const char *file, const char *section)
{
	int len;
	const char *sql = mtan_sql(file, section, &len);
	if (!sql)
		return -1;
	const char *end = sql + len;
	while (sql < end) {
		sqlite3_stmt *st = NULL;
		const char *tail = NULL;
		if (sqlite3_prepare_v2(db, sql, (int)(end - sql), &st, &tail) != SQLITE_OK) {
			mtan_err("cannot prepare query '%s': %s", file, sqlite3_errmsg(db));
			return -1;
		}
		if (!st) /* only a comment or white space was left */
			break;
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			;
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			if (!write_error(db))
				mtan_err("query '%s' failed: %s", file, sqlite3_errmsg(db));
			return -1;
		}
		sql = tail;
	}
	return 0;
}

void mtan_bind_common(sqlite3_stmt *st, const struct mtan_opts *o)
{
	int i = sqlite3_bind_parameter_index(st, ":pid");
	if (i) {
		if (o->pid >= 0)
			sqlite3_bind_int64(st, i, o->pid);
		else
			sqlite3_bind_null(st, i);
	}
	i = sqlite3_bind_parameter_index(st, ":limit");
	if (i)
		sqlite3_bind_int64(st, i, o->limit >= 0 ? o->limit : -1);
}

int mtan_sql_section(const char *file, int i, char *name, size_t size)
{
	const char *text = find_file(file), *p = text, *n;
	size_t nlen;
	if (!text)
		return 0;
	while ((p = next_section(text, p, &n, &nlen))) {
		if (i-- == 0) {
			snprintf(name, size, "%.*s", (int)nlen, n);
			return 1;
		}
	}
	return 0;
}
