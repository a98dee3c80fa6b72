/* top.h: allocation sites counted and ranked (top.c), for mtan top and the report. */
#ifndef MTAN_TOP_H
#define MTAN_TOP_H

#include "result.h"
#include "opts.h"
#include "scope.h"

#include <sqlite3.h>
#include <stdint.h>

struct mtan_opts;
struct mtan_window;

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

#endif
