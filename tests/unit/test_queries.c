/* Every statement compiled into mtan from queries/NAME.sql prepares against a freshly
 * created schema: one case per statement (per section, or per statement of a file run
 * whole), so a renamed column fails here and not in front of a user. clickhouse.sql is
 * ClickHouse's (tests/e2e/push.sh). */
#include "load.h"
#include "sql.h"
#include "queries.h"

#include <stdio.h>
#include <string.h>

static int failures;

static void report(int ok, const char *file, const char *what, sqlite3 *db)
{
	printf("%s query %s/%s\n", ok ? "ok" : "FAIL", file, what);
	if (!ok) {
		fprintf(stderr, "  %s\n", sqlite3_errmsg(db));
		failures++;
	}
	fflush(stdout);
}

/* Prepares (and, for the schema itself, runs) each statement of a whole file in turn. */
static void each_statement(sqlite3 *db, const struct mtan_query *q, int run)
{
	const char *sql = q->sql, *tail;
	for (int n = 1; *sql; n++) {
		sqlite3_stmt *st = NULL;
		int rc = sqlite3_prepare_v2(db, sql, -1, &st, &tail);
		if (rc == SQLITE_OK && !st)
			break; /* only comments were left */
		char what[32];
		snprintf(what, sizeof what, "%d", n);
		int ok = rc == SQLITE_OK;
		if (ok && run)
			ok = sqlite3_step(st) == SQLITE_DONE;
		report(ok, q->name, what, db);
		sqlite3_finalize(st);
		if (rc != SQLITE_OK)
			break; /* no tail to go on from */
		sql = tail;
	}
}

int main(void)
{
	sqlite3 *empty = NULL, *db = NULL;
	if (sqlite3_open(":memory:", &empty) != SQLITE_OK || sqlite3_open(":memory:", &db) != SQLITE_OK) {
		printf("FAIL open in-memory databases\n");
		return 1;
	}
	/* the schema as the loader creates it, with its indexes */
	int ok = mtan_exec(db, "schema", NULL) == 0 && mtan_exec(db, "indexes", NULL) == 0 &&
		 mtan_register_modules(db, NULL) == 0 && mtan_exec(db, "suppress", "create") == 0;
	printf("%s schema and indexes create\n", ok ? "ok" : "FAIL");
	failures += !ok;

	int nq = 0;
	for (const struct mtan_query *q = mtan_queries; q->name; q++, nq++) {
		char name[128];
		if (!strcmp(q->name, "clickhouse"))
			continue; /* ClickHouse's SQL, for `mtan push`: tests/e2e/push.sh runs it on a server */
		if (!strcmp(q->name, "schema")) {
			each_statement(empty, q, 1); /* its statements build on each other */
			continue;
		}
		if (!mtan_sql_section(q->name, 0, name, sizeof name)) {
			if (!strcmp(q->name, "indexes")) {
				sqlite3 *idx = NULL;
				sqlite3_open(":memory:", &idx);
				mtan_exec(idx, "schema", NULL);
				each_statement(idx, q, 1);
				sqlite3_close(idx);
			} else {
				each_statement(db, q, 0);
			}
			continue;
		}
		for (int i = 0; mtan_sql_section(q->name, i, name, sizeof name); i++) {
			sqlite3_stmt *st = NULL;
			int len;
			const char *sql = mtan_sql(q->name, name, &len);
			int rc = sql ? sqlite3_prepare_v2(db, sql, len, &st, NULL) : SQLITE_ERROR;
			report(rc == SQLITE_OK && st, q->name, name, db);
			sqlite3_finalize(st);
		}
	}
	/* the table the generator wrote is the one the tree has: no query file went missing */
	printf("%s queries embedded (%d)\n", nq >= 6 ? "ok" : "FAIL", nq);
	failures += nq < 6;
	sqlite3_close(empty);
	sqlite3_close(db);
	return failures ? 1 : 0;
}
