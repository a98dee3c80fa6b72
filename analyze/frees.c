/* frees.c: the unmatched and double frees analysis of mtan frees: frees.sql's findings in
 * seq order, each with the stack of the free and the nearest earlier block at its address,
 * as a result. */
#include "frees.h"
#include "opts.h"
#include "output.h"
#include "result.h"
#include "scope.h"
#include "sites.h"
#include "sql.h"

#include <string.h>

static const struct mtan_col cols[] = {
	{"kind", NULL, MTAN_K_TEXT}, {"pid", NULL, MTAN_K_INT}, {"device", NULL, MTAN_K_DEVICE},
	{"space", NULL, MTAN_K_TEXT}, {"address", NULL, MTAN_K_HEX}, {"seq", NULL, MTAN_K_INT},
	{"time_ns", NULL, MTAN_K_INT}, {"tid", NULL, MTAN_K_INT}, {"func", NULL, MTAN_K_TEXT},
	{"frames", NULL, MTAN_K_TEXT}, {"site", NULL, MTAN_K_INT}, {"nearest", NULL, MTAN_K_OBJECT},
	{"nearest_id", NULL, MTAN_K_INT}, {"nearest_generation", NULL, MTAN_K_INT},
	{"nearest_size", NULL, MTAN_K_INT}, {"nearest_alloc_seq", NULL, MTAN_K_INT},
	{"nearest_tid", NULL, MTAN_K_INT}, {"nearest_end_seq", NULL, MTAN_K_INT},
	{"nearest_end_reason", NULL, MTAN_K_TEXT}, {"nearest_free_seq", NULL, MTAN_K_INT},
	{"nearest_free_tid", NULL, MTAN_K_INT}, {"stack", NULL, MTAN_K_INT}, {"nearest_stack", NULL, MTAN_K_INT},
};
#define NCOLS (int)(sizeof(cols) / sizeof(cols[0]))
/* Where the plain columns come from in frees.sql's list (-1: made here). */
static const int from[NCOLS] = {0, 1, 2, 3, 4, 5, 6, 7, 8, -1, -1, -1, 10, 11, 12, 13, 14, 16, 17, 18, 19, 9, 15};

/* The nearest block's object: its lifetime, allocation and end, then its frames. */
static struct mtan_result *nearest(sqlite3 *db, const struct mtan_opts *o, sqlite3_stmt *st)
{
	static const struct mtan_col ncols[] = {
		{"lifetime_id", NULL, MTAN_K_INT}, {"generation", NULL, MTAN_K_INT}, {"size", NULL, MTAN_K_INT},
		{"alloc_seq", NULL, MTAN_K_INT}, {"alloc_tid", NULL, MTAN_K_INT}, {"end_seq", NULL, MTAN_K_INT},
		{"end_reason", NULL, MTAN_K_TEXT}, {"free_seq", NULL, MTAN_K_INT}, {"free_tid", NULL, MTAN_K_INT},
		{"frames", NULL, MTAN_K_TEXT}, {"site", NULL, MTAN_K_INT},
	};
	static const int nfrom[] = {10, 11, 12, 13, 14, 16, 17, 18, 19};
	struct mtan_result *n = mtan_result_new(ncols, 11);
	if (!n) {
		mtan_err("out of memory");
		return NULL;
	}
	for (int i = 0; i < 9; i++)
		mtan_result_column(n, st, nfrom[i]);
	if (mtan_frame_cells(n, db, o, sqlite3_column_type(st, 15) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 15)) ||
	    mtan_result_ok(n)) {
		mtan_result_free(n);
		return NULL;
	}
	return n;
}

int mtan_bad_frees(sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w, struct mtan_result **out)
{
	struct mtan_result *r = mtan_result_new(cols, NCOLS);
	sqlite3_stmt *st = NULL;
	int ret = -1, rc;
	*out = NULL;
	if (!r) {
		mtan_err("out of memory");
		return -1;
	}
	for (int c = MTAN_FREE_FRAMES; c <= MTAN_FREE_NEAREST; c++)
		mtan_result_show(r, c, MTAN_SHOW_JSON);
	for (int c = MTAN_FREE_NEAREST_ID; c <= MTAN_FREE_NEAREST_FREE_TID; c++)
		mtan_result_show(r, c, MTAN_SHOW_CSV);
	mtan_result_show(r, MTAN_FREE_STACK, MTAN_SHOW_NOWHERE);
	mtan_result_show(r, MTAN_FREE_NEAREST_STACK, MTAN_SHOW_NOWHERE);
	if (mtan_prepare(db, "frees", "list", &st))
		goto out;
	mtan_bind_scope(st, o, w);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int c = 0; c < NCOLS; c++) {
			if (from[c] >= 0) {
				mtan_result_column(r, st, from[c]);
			} else if (c == MTAN_FREE_FRAMES) {
				if (mtan_frame_cells(r, db, o, sqlite3_column_type(st, 9) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 9)))
					goto out;
				c = MTAN_FREE_SITE; /* frames and site, both added */
			} else if (sqlite3_column_type(st, 10) == SQLITE_NULL) {
				mtan_result_null(r);
			} else {
				struct mtan_result *n = nearest(db, o, st);
				if (!n)
					goto out;
				mtan_result_rows(r, n);
			}
		}
	}
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

int mtan_bad_free_totals(sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w,
			 long long *unmatched, long long *twice)
{
	sqlite3_stmt *st;
	int rc;
	*unmatched = *twice = 0;
	if (mtan_prepare(db, "frees", "totals", &st))
		return -1;
	mtan_bind_scope(st, o, w);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 0);
		*(kind && !strcmp(kind, "double_free") ? twice : unmatched) = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : mtan_sqlerr(db, "cannot read the database");
}
