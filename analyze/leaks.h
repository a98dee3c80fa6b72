/* leaks.h: leak sites as a result (leaks.c), for mtan leaks and the report. */
#ifndef MTAN_LEAKS_H
#define MTAN_LEAKS_H

#include "result.h"
#include "opts.h"
#include "scope.h"

#include <sqlite3.h>

struct mtan_opts;
struct mtan_window;

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

#endif
