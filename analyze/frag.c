/* frag.c: the state of each (process, device, space) at one point, for `mtan frag` and
 * the report: the live blocks then (the long-lived ones from their index, the short ones
 * from the ids allocated shortly before: no scan of every lifetime), the holes between
 * them and external fragmentation. */
#include "frag.h"
#include "opts.h"
#include "output.h"
#include "scope.h"
#include "sql.h"

#include <stdint.h>
#include <string.h>

int mtan_frag_each(sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w, int at,
		   int (*fn)(void *ctx, const struct mtan_frag *f), void *ctx)
{
	sqlite3_stmt *pools = NULL, *state = NULL, *time_at = NULL;
	int ret = -1, rc;
	if (mtan_prepare(db, "frag", "pools", &pools) || mtan_prepare(db, "frag", "state", &state) ||
	    mtan_prepare(db, "frag", "time_at", &time_at))
		goto out;
	mtan_bind_scope(pools, o, w);
	while ((rc = sqlite3_step(pools)) == SQLITE_ROW) {
		struct mtan_frag f;
		memset(&f, 0, sizeof f);
		f.pid = sqlite3_column_int64(pools, 0);
		f.device = sqlite3_column_int64(pools, 1);
		f.space = sqlite3_column_int64(pools, 2);
		f.name = (const char *)sqlite3_column_text(pools, 3);
		long long base = sqlite3_column_int64(pools, 4);
		f.has_capacity = sqlite3_column_type(pools, 5) != SQLITE_NULL;
		f.capacity = sqlite3_column_int64(pools, 5);
		f.seq = at == MTAN_AT_UNTIL ? w->until : at == MTAN_AT_END ? INT64_MAX : sqlite3_column_int64(pools, 6);
		if (at == MTAN_AT_PEAK && sqlite3_column_type(pools, 6) == SQLITE_NULL)
			f.seq = 0; /* never had a live byte */
		sqlite3_reset(state);
		sqlite3_bind_int64(state, 1, f.pid);
		sqlite3_bind_int64(state, 2, f.device);
		sqlite3_bind_int64(state, 3, f.space);
		sqlite3_bind_int64(state, 4, f.seq);
		int64_t short_lo, short_hi;
		if (mtan_alloc_ids(db, f.seq > 65536 ? f.seq - 65536 : 0, f.seq, &short_lo, &short_hi))
			goto out;
		sqlite3_bind_int64(state, 5, short_hi);
		sqlite3_bind_int64(state, 8, short_lo);
		sqlite3_bind_int64(state, 6, base);
		if (f.has_capacity)
			sqlite3_bind_int64(state, 7, f.capacity);
		else
			sqlite3_bind_null(state, 7);
		if (sqlite3_step(state) != SQLITE_ROW)
			goto sqlerr;
		f.blocks = sqlite3_column_int64(state, 0);
		f.live = sqlite3_column_int64(state, 1);
		f.free_bytes = sqlite3_column_int64(state, 2);
		f.holes = sqlite3_column_int64(state, 3);
		f.largest = sqlite3_column_int64(state, 4);
		f.ext = sqlite3_column_double(state, 5);
		f.span = sqlite3_column_int64(state, 6);
		sqlite3_reset(time_at);
		sqlite3_bind_int64(time_at, 1, f.seq);
		sqlite3_bind_int64(time_at, 2, short_hi);
		if ((rc = sqlite3_step(time_at)) != SQLITE_ROW)
			goto sqlerr;
		if (sqlite3_column_type(time_at, 0) != SQLITE_NULL) {
			f.has_time = 1;
			f.time_ns = sqlite3_column_int64(time_at, 0);
		}
		if ((rc = fn(ctx, &f)) != 0) {
			ret = rc < 0 ? -1 : 0; /* > 0: enough */
			goto out;
		}
	}
	if (rc != SQLITE_DONE)
		goto sqlerr;
	ret = 0;
	goto out;
sqlerr:
	mtan_sqlerr(db, "cannot read the database");
out:
	sqlite3_finalize(pools);
	sqlite3_finalize(state);
	sqlite3_finalize(time_at);
	return ret;
}
