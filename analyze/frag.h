/* frag.h: fragmentation at one point (frag.c). */
#ifndef MTAN_FRAG_H
#define MTAN_FRAG_H

#include <sqlite3.h>
#include "opts.h"
#include "scope.h"

/* ---- frag.c: the state of each space at one point (mtan frag, the report) ---- */
enum { MTAN_AT_PEAK, MTAN_AT_UNTIL, MTAN_AT_END };
struct mtan_frag {
	long long pid, device, space, seq, time_ns, blocks, live, free_bytes, holes, largest, span;
	long long capacity;
	int has_capacity, has_time;
	double ext;
	const char *name; /* valid during the callback */
};
/* Calls fn for each (process, device, space) in o's scope with its state at its peak, at
 * w->until or at the end (MTAN_AT_*): 0 goes on, > 0 stops, < 0 fails (fn reported it).
 * 0, or -1 (reported). */
int mtan_frag_each(sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w, int at,
		   int (*fn)(void *ctx, const struct mtan_frag *f), void *ctx);


#endif
