/* growth.h: the growth analysis (growth.c). */
#ifndef MTAN_GROWTH_H
#define MTAN_GROWTH_H

#include <sqlite3.h>
#include "opts.h"
#include "result.h"
#include "scope.h"
#include "trend.h"

/* ---- growth.c: the growth analysis (mtan growth, and the loader's growth table) ---- */
struct mtan_growth {
	long long device, pid;      /* pid -1: all processes */
	const char *space;          /* borrowed until the callback returns */
	struct mtan_verdict v;      /* start_t, end_t, plateau_t in ns whatever the axis */
	const char *mark;           /* judged on this repeated mark ("frame", "round N"); NULL:
				     * over time. Borrowed until the callback returns */
	long long per_mark;         /* mark: bytes per recurrence (v.rate is per second) */
	long long times, marks;     /* the signal: distinct times, recurrences of mark */
	char reason[160];           /* too short: why, in words */
	/* v's rate and times as every format shows them (JSON, CSV, the growth table): to
	 * the nearest whole number, ties to even as printf's %.0f; plateau_ns with has_plateau */
	long long rate, plateau_ns, start_ns, end_ns;
	int has_plateau;
	long long start_seq, end_seq, start_bytes, end_bytes; /* the judged part's ends */
};
/* Called per (device, space) with its verdict and the statement of its growing sites
 * (growth.sql/sites, bound; the callee steps it): pid, stack, bytes, blocks, live_bytes.
 * 0, or -1 to stop (reported). */
typedef int (*mtan_growth_fn)(void *ctx, const struct mtan_growth *g, sqlite3_stmt *sites);
/* Judges every (device, space) of o's scope (--pid, --device, --space; o->limit sites
 * each, 10 when -1) in window w. 0, or -1 (reported). */
int mtan_growth(sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w, mtan_growth_fn fn, void *ctx);
/* The same as a result, a row per (device, space): device, space, pid (NULL: all), verdict,
 * rate_bytes_per_s, plateau_ns, start_ns, end_ns, z, start_bytes, end_bytes, axis, mark,
 * points, rate_bytes_per_mark, reason (too short: why), and JSON's sites (growth_bytes,
 * growth_blocks, live_bytes, pid, frames, site). *out: caller frees. 0, or -1 (reported). */
int mtan_growth_result(sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w, struct mtan_result **out);


#endif
