/* races.c: the address-reuse races analysis of mtan races and mtan report: races.sql's
 * races in seq order, as a result. */
#include "opts.h"
#include "output.h"
#include "races.h"
#include "result.h"
#include "scope.h"
#include "sql.h"

/* The command's table and CSV columns first, then what JSON and the report use as well. */
static const struct mtan_col cols[] = {
	{"form", NULL, MTAN_K_TEXT}, {"pid", NULL, MTAN_K_INT}, {"device", NULL, MTAN_K_DEVICE},
	{"space", NULL, MTAN_K_TEXT}, {"address", NULL, MTAN_K_HEX}, {"free_seq", "free seq", MTAN_K_INT},
	{"free_tid", "by", MTAN_K_INT}, {"late_seq", "late seq", MTAN_K_INT}, {"late_tid", "by", MTAN_K_INT},
	{"reuse_seq", "reuse seq", MTAN_K_INT}, {"reuse_tid", "by", MTAN_K_INT}, {"window_ns", "window ns", MTAN_K_COUNT},
	{"reuse_ns", NULL, MTAN_K_INT}, {"free_ns", NULL, MTAN_K_INT}, {"freed_lifetime_id", NULL, MTAN_K_INT},
	{"reuse_lifetime_id", NULL, MTAN_K_INT}, {"free_stack", NULL, MTAN_K_INT}, {"late_stack", NULL, MTAN_K_INT},
	{"reuse_stack", NULL, MTAN_K_INT},
};
/* Where each comes from in races.sql's list. */
static const int from[] = {0, 1, 2, 3, 4, 8, 10, 11, 12, 5, 7, 13, 6, 9, 16, 17, 18, 19, 20};

int mtan_races(sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w, long long limit,
	       struct mtan_result **out)
{
	enum { N = (int)(sizeof(cols) / sizeof(cols[0])) };
	struct mtan_result *r = mtan_result_new(cols, N);
	sqlite3_stmt *st = NULL;
	int ret = -1, rc;
	*out = NULL;
	if (!r) {
		mtan_err("out of memory");
		return -1;
	}
	for (int c = MTAN_RACE_REUSE_NS; c < N; c++)
		mtan_result_show(r, c, MTAN_SHOW_NOWHERE);
	if (mtan_prepare(db, "races", "list", &st))
		goto out;
	mtan_bind_scope(st, o, w);
	if (limit >= 0)
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":limit"), limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		for (int c = 0; c < N; c++)
			mtan_result_column(r, st, from[c]);
	if (rc != SQLITE_DONE) {
		mtan_sqlerr(db, "cannot read the database");
		goto out;
	}
	if (mtan_result_ok(r))
		goto out;
	*out = r;
	r = NULL;
	ret = 0;
out:
	sqlite3_finalize(st);
	mtan_result_free(r);
	return ret;
}
