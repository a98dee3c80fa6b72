/* cmd_sql.c: `mtan sql TRACE QUERY`: one SQL statement of the user's over the trace's
 * database (schema: analyze/SCHEMA.md), read-only, its rows in any of the output formats. */
#include "commands.h"
#include "db.h"
#include "opts.h"
#include "output.h"
#include "sql.h"
#include "result.h"
#include "rows.h"

#include <stdlib.h>
#include <string.h>

const char cmd_sql_usage[] =
	"sql [options] TRACE|DB QUERY\n\n"
	"Runs one SQL statement over the database of TRACE (built as needed; its tables and\n"
	"views are documented in SCHEMA.md) and prints its rows, with the statement's column\n"
	"names, as a table, CSV or JSON (an array of objects). The database is opened\n"
	"read-only. The named parameters :pid and :limit take --pid and --limit (NULL and -1\n"
	"when not given); --limit also stops the output after N rows. Errors from SQLite\n"
	"exit 1 with its message.";

/* 1 when text holds nothing but white space and SQL comments. */
static int only_comments(const char *p)
{
	while (*p) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ';') {
			p++;
		} else if (p[0] == '-' && p[1] == '-') {
			p += strcspn(p, "\n");
		} else if (p[0] == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");
			if (!e)
				return 1;
			p = e + 2;
		} else {
			return 0;
		}
	}
	return 1;
}

int cmd_sql(int argc, char **argv)
{
	static const char *const names[] = {"TRACE or DB", "QUERY"};
	struct mtan_opts o;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	struct mtan_rows *r = NULL;
	struct mtan_col *cols = NULL;
	const char *tail = NULL;
	int ret = mtan_parse_args(argc, argv, "sql", cmd_sql_usage, NULL, &o, names, 2);
	if (ret != MTAN_GO)
		return ret;
	ret = 1;
	const char *query = o.args[1];
	if (mtan_open(&o, &db, NULL, NULL))
		goto out;
	/* opened read-only already; query_only also refuses what a read-only open would let
	 * through to a temporary database */
	if (sqlite3_exec(db, "PRAGMA query_only = 1", NULL, NULL, NULL) != SQLITE_OK) {
		mtan_sqlerr(db, "sql");
		goto out;
	}
	if (sqlite3_prepare_v2(db, query, -1, &st, &tail) != SQLITE_OK) {
		mtan_sqlerr(db, "sql");
		goto out;
	}
	if (!st) {
		mtan_err("sql: no statement in the query");
		goto out;
	}
	if (tail && !only_comments(tail)) {
		mtan_err("sql: one statement at a time (more follows '%.*s')",
			 (int)strcspn(sqlite3_sql(st), "\n"), sqlite3_sql(st));
		goto out;
	}
	mtan_bind_common(st, &o);
	int n = sqlite3_column_count(st), rc;
	if (n > 0) {
		if (!(cols = calloc((size_t)n, sizeof(*cols)))) {
			mtan_err("out of memory");
			goto out;
		}
		for (int i = 0; i < n; i++) {
			cols[i].key = sqlite3_column_name(st, i);
			cols[i].kind = MTAN_K_ANY;
		}
		if (!(r = mtan_rows_new(cols, n, o.format, stdout))) {
			mtan_err("out of memory");
			goto out;
		}
	}
	long long rows = 0;
	while ((o.limit < 0 || rows < o.limit) && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < n; i++)
			mtan_rows_column(r, st, i);
		rows++;
	}
	if (o.limit >= 0 && rows == o.limit)
		rc = SQLITE_DONE;
	if (rc != SQLITE_DONE) {
		mtan_sqlerr(db, "sql");
		goto out;
	}
	if (r && mtan_rows_end(r))
		goto out;
	ret = 0;
out:
	mtan_rows_free(r);
	free(cols);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ret;
}
