/* cmd_frag.c: `mtan frag`: fragmentation per (process, device, space) at one point of the
 * trace: the live blocks then, the holes between them within the device's declared
 * capacity (or the span of the live blocks), and external fragmentation. */
#include "mtan.h"

#include <inttypes.h>
#include <stdint.h>
#include <string.h>

const char cmd_frag_usage[] =
	"frag [options] TRACE|DB\n\n"
	"Fragmentation of each memory space at one point: at its peak (default), at --until\n"
	"WHEN, or at the end (--at end). Live bytes and blocks, free bytes, the number of holes,\n"
	"the largest free block and external fragmentation (1 - largest free / free bytes).\n"
	"Where the device declared a capacity, the space is the capacity from the lowest\n"
	"address it ever used, so the room above the last block is a hole too; otherwise it\n"
	"is the span of the live blocks. --format json prints an array of objects (csv: rows):\n"
	"pid, device (-1: host), space, at (peak, until or end), seq, time_ns, capacity (null\n"
	"if none), live_bytes, live_blocks, free_bytes, holes, largest_free,\n"
	"external_fragmentation (0..1), span (from the lowest live address to the end of the\n"
	"highest block).";

enum { AT_PEAK, AT_UNTIL, AT_END };
static int at_opt = -1;

static int take_at(struct mtan_opts *o, const char *arg)
{
	(void)o;
	if (!strcmp(arg, "peak"))
		at_opt = AT_PEAK;
	else if (!strcmp(arg, "end"))
		at_opt = AT_END;
	else
		return -1;
	return 0;
}

static const struct mtan_extra own[] = {
	{{"at", required_argument, NULL, 1300}, "  --at peak|end         the point: each space's peak (default) or the end of the trace", take_at},
	{{0, 0, 0, 0}, NULL, NULL},
};

struct frag {
	long long pid, device, space, seq, time_ns, blocks, live, free_bytes, holes, largest, span;
	long long capacity;
	int has_capacity, has_time;
	double ext;
	const char *name;
};

static const struct mtan_col cols[] = {
	{"pid", NULL, MTAN_K_INT},
	{"device", NULL, MTAN_K_DEVICE},
	{"space", NULL, MTAN_K_TEXT},
	{"at", NULL, MTAN_K_TEXT},
	{"seq", NULL, MTAN_K_INT},
	{"time_ns", NULL, MTAN_K_INT},
	{"capacity", NULL, MTAN_K_SIZE},
	{"live_bytes", "live", MTAN_K_SIZE},
	{"live_blocks", "blocks", MTAN_K_COUNT},
	{"free_bytes", "free", MTAN_K_SIZE},
	{"holes", NULL, MTAN_K_COUNT},
	{"largest_free", "largest free", MTAN_K_SIZE},
	{"external_fragmentation", "ext. frag", MTAN_K_ANY},
	{"span", NULL, MTAN_K_SIZE},
};
#define NCOLS (int)(sizeof(cols) / sizeof(cols[0]))

static void put(struct mtan_rows *r, const struct frag *f, const char *at)
{
	mtan_rows_int(r, f->pid);
	mtan_rows_int(r, f->device);
	mtan_rows_text(r, f->name);
	mtan_rows_text(r, at);
	if (f->seq == INT64_MAX)
		mtan_rows_null(r);
	else
		mtan_rows_int(r, f->seq);
	if (f->has_time)
		mtan_rows_int(r, f->time_ns);
	else
		mtan_rows_null(r);
	if (f->has_capacity)
		mtan_rows_int(r, f->capacity);
	else
		mtan_rows_null(r);
	mtan_rows_int(r, f->live);
	mtan_rows_int(r, f->blocks);
	mtan_rows_int(r, f->free_bytes);
	mtan_rows_int(r, f->holes);
	mtan_rows_int(r, f->largest);
	mtan_rows_real(r, f->ext);
	mtan_rows_int(r, f->span);
}

int cmd_frag(int argc, char **argv)
{
	struct mtan_opts o;
	struct mtan_window w;
	struct mtan_extra extra[16];
	const struct mtan_extra *lists[] = {own, mtan_scope_options, mtan_window_options, NULL};
	sqlite3 *db = NULL;
	sqlite3_stmt *pools = NULL, *state = NULL, *time_at = NULL;
	struct mtan_rows *rows = NULL;
	int ret, rc, n = 0;
	mtan_join_options(extra, 15, lists);
	at_opt = -1;
	ret = mtan_parse(argc, argv, "frag", cmd_frag_usage, extra, &o);
	if (ret != MTAN_GO)
		return ret;
	if (o.scope.since) {
		fprintf(stderr, "mtan: frag: a state at one point takes --until, not --since\n");
		return 2;
	}
	if (o.scope.until && at_opt >= 0) {
		fprintf(stderr, "mtan: frag: --at and --until both choose the point: one of them\n");
		return 2;
	}
	int at = o.scope.until ? AT_UNTIL : at_opt >= 0 ? at_opt : AT_PEAK;
	const char *at_name = at == AT_UNTIL ? "until" : at == AT_END ? "end" : "peak";
	ret = 1;
	if (mtan_open(&o, &db, NULL, NULL) || mtan_window(db, &o, &w) ||
	    mtan_prepare(db, "frag", "pools", &pools) || mtan_prepare(db, "frag", "state", &state) ||
	    mtan_prepare(db, "frag", "time_at", &time_at))
		goto out;
	if (!(rows = mtan_rows_new(cols, NCOLS, o.format, stdout)))
		goto nomem;
	mtan_bind_scope(pools, &o, &w);
	while ((rc = sqlite3_step(pools)) == SQLITE_ROW) {
		struct frag f;
		memset(&f, 0, sizeof f);
		f.pid = sqlite3_column_int64(pools, 0);
		f.device = sqlite3_column_int64(pools, 1);
		f.space = sqlite3_column_int64(pools, 2);
		f.name = (const char *)sqlite3_column_text(pools, 3);
		long long base = sqlite3_column_int64(pools, 4);
		f.has_capacity = sqlite3_column_type(pools, 5) != SQLITE_NULL;
		f.capacity = sqlite3_column_int64(pools, 5);
		f.seq = at == AT_UNTIL ? w.until : at == AT_END ? INT64_MAX : sqlite3_column_int64(pools, 6);
		if (at == AT_PEAK && sqlite3_column_type(pools, 6) == SQLITE_NULL)
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
		sqlite3_bind_int64(time_at, 1, f.pid);
		sqlite3_bind_int64(time_at, 2, f.device);
		sqlite3_bind_text(time_at, 3, f.name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(time_at, 4, f.seq);
		if ((rc = sqlite3_step(time_at)) == SQLITE_ROW) {
			f.has_time = 1;
			f.time_ns = sqlite3_column_int64(time_at, 0);
		} else if (rc != SQLITE_DONE) {
			goto sqlerr;
		}
		if (o.limit >= 0 && n >= o.limit)
			break;
		put(rows, &f, at_name);
		n++;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		goto sqlerr;
	if (mtan_rows_end(rows))
		goto out;
	ret = 0;
	goto out;
nomem:
	mtan_err("out of memory");
	goto out;
sqlerr:
	mtan_sqlerr(db, "cannot read the database");
out:
	mtan_rows_free(rows);
	sqlite3_finalize(pools);
	sqlite3_finalize(state);
	sqlite3_finalize(time_at);
	sqlite3_close(db);
	return ret;
}
