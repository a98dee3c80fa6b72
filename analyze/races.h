/* races.h: address-reuse races as a result (races.c), for mtan races and the report. */
#ifndef MTAN_RACES_H
#define MTAN_RACES_H

#include "result.h"
#include "opts.h"
#include "scope.h"

#include <sqlite3.h>

struct mtan_opts;
struct mtan_window;

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
