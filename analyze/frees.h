/* frees.h: unmatched and double frees as a result (frees.c), for mtan frees. */
#ifndef MTAN_FREES_H
#define MTAN_FREES_H

#include "opts.h"
#include "result.h"
#include "scope.h"

#include <sqlite3.h>

/* The columns of a finding (mtan_bad_frees), by index. */
enum {
	MTAN_FREE_KIND, MTAN_FREE_PID, MTAN_FREE_DEVICE, MTAN_FREE_SPACE, MTAN_FREE_ADDRESS, MTAN_FREE_SEQ,
	MTAN_FREE_TIME_NS, MTAN_FREE_TID, MTAN_FREE_FUNC, MTAN_FREE_FRAMES, MTAN_FREE_SITE, MTAN_FREE_NEAREST,
	MTAN_FREE_NEAREST_ID, MTAN_FREE_NEAREST_GENERATION, MTAN_FREE_NEAREST_SIZE, MTAN_FREE_NEAREST_ALLOC_SEQ,
	MTAN_FREE_NEAREST_TID, MTAN_FREE_NEAREST_END_SEQ, MTAN_FREE_NEAREST_END_REASON, MTAN_FREE_NEAREST_FREE_SEQ,
	MTAN_FREE_NEAREST_FREE_TID, MTAN_FREE_STACK, MTAN_FREE_NEAREST_STACK,
};
/* The unmatched and double frees in window w and o's scope, in seq order (at most
 * --limit): kind to func everywhere; JSON's frames of the free, its site and the nearest
 * earlier block at the address (an object with its own frames, or null); CSV's nearest_*
 * columns; the two stacks (NULL: none), shown nowhere. *out: caller frees. 0, or -1
 * (reported). */
int mtan_bad_frees(sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w, struct mtan_result **out);
/* How many of each kind there are in the window and scope (not cut by --limit). 0, or -1
 * (reported). */
int mtan_bad_free_totals(sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w,
			 long long *unmatched, long long *twice);

#endif
