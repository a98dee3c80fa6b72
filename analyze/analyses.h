/* analyses.h: the analyses that return a result (result.h) for the commands to render and
 * the report to compose: one query and one function each, whoever prints it. */
#ifndef MTAN_ANALYSES_H
#define MTAN_ANALYSES_H

#include "result.h"

#include <stdint.h>

struct mtan_opts;
struct mtan_window;

/* ---- leaks.c ---- */
/* Which leak sites: those of leaks.sql's "sites" (released 0: the leaks, still reachable
 * ones too with reachable) or its "released" (by a device close; held 1 those held to
 * close, 0 the others, -1 both); in window w and o's scope. shown: the sites listed before
 * these within one --limit; limit: the most sites (-1: o->limit). */
struct mtan_leak_query {
	const struct mtan_window *w;
	int released, reachable, held;
	long long shown, limit;
};
/* The columns of a leak site (mtan_leak_sites), by index. */
enum {
	MTAN_LEAK_KIND, MTAN_LEAK_BLOCKS = 1, MTAN_LEAK_BYTES = 2, MTAN_LEAK_ESTIMATED = 4, MTAN_LEAK_PID = 7,
	MTAN_LEAK_DEVICE, MTAN_LEAK_SPACE, MTAN_LEAK_HELD = 17, MTAN_LEAK_STACK,
};
/* The sites, the most bytes first: kind (NULL: released), blocks and bytes (a sampled
 * trace's leaks: the estimates, with estimated, sampled_blocks and sampled_bytes), pid,
 * device, space, the stack (JSON: frames and site; CSV: the site's function, file and line
 * and every frame's name), ended and held_to_close (released ones), the stack's id. With
 * --depth the sites whose stacks show the same frames are one: *lost the lost ones and
 * *all all of them before the limit (else -1). *out: caller frees. 0, or -1 (reported). */
int mtan_leak_sites(sqlite3 *db, const struct mtan_opts *o, const struct mtan_leak_query *q,
		    struct mtan_result **out, long long *lost, long long *all);

/* ---- top.c ---- */
/* The window's allocations counted per site (temporaries: freed within temporary_ns).
 * NULL on failure (reported); mtan_top_free frees. */
struct mtan_top;
struct mtan_top *mtan_top_count(sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w,
				int64_t temporary_ns);
/* The trace's --sample-stacks mean (0: none): the figures are estimates. */
uint64_t mtan_top_sampled(const struct mtan_top *t);
void mtan_top_free(struct mtan_top *t);
/* The sites ranked (which: 0 bytes, 1 count, 2 temporaries, those with any), at most limit
 * (-1: all): by, rank, pid, device, space, stack, allocs, bytes, temporaries,
 * temporary_bytes, leaked_blocks, leaked_bytes (what leaked of them, as leaks counts it),
 * estimated (JSON, a sampled trace's). *out: caller frees. 0, or -1 (reported). */
int mtan_top_rank(sqlite3 *db, const struct mtan_top *t, int which, long long limit, struct mtan_result **out);

/* ---- races.c ---- */
/* The columns of a race (mtan_races), by index. */
enum {
	MTAN_RACE_FORM, MTAN_RACE_PID, MTAN_RACE_DEVICE, MTAN_RACE_SPACE, MTAN_RACE_ADDRESS, MTAN_RACE_FREE_SEQ,
	MTAN_RACE_FREE_TID, MTAN_RACE_LATE_SEQ, MTAN_RACE_LATE_TID, MTAN_RACE_REUSE_SEQ, MTAN_RACE_REUSE_TID,
	MTAN_RACE_WINDOW_NS, MTAN_RACE_REUSE_NS, MTAN_RACE_FREE_NS, MTAN_RACE_FREED_ID, MTAN_RACE_REUSE_ID,
	MTAN_RACE_FREE_STACK, MTAN_RACE_LATE_STACK, MTAN_RACE_REUSE_STACK,
};
/* The races in window w and o's scope in seq order, at most limit (-1: o->limit): the
 * table's columns (form to window_ns), then the times, lifetime ids and the three reports'
 * stacks (NULL: none recorded), shown nowhere. *out: caller frees. 0, or -1 (reported). */
int mtan_races(sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w, long long limit,
	       struct mtan_result **out);

#endif
