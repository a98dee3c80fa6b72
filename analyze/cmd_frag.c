/* cmd_frag.c: `mtan frag`: fragmentation per (process, device, space) at one point of the
 * trace: the live blocks then, the holes between them within the device's declared
 * capacity (or the span of the live blocks), and external fragmentation. */
#include "commands.h"
#include "db.h"
#include "frag.h"
#include "opts.h"
#include "output.h"
#include "scope.h"
#include "result.h"
#include "rows.h"

#include <inttypes.h>
#include <stdint.h>
#include <string.h>

const char cmd_frag_usage[] =
	"frag [options] TRACE|DB\n\n"
	"Fragmentation of each memory space at one point: at its peak (default), at --until\n"
	"WHEN (a seq, a time since the trace's start such as 2.5s, or a mark's label), or at\n"
	"the end (--at end). Live bytes and blocks, free bytes, the number of holes,\n"
	"the largest free block and external fragmentation (1 - largest free / free bytes).\n"
	"Where the device declared a capacity, the space is the capacity from the lowest\n"
	"address it ever used, so the room above the last block is a hole too; otherwise it\n"
	"is the span of the live blocks. --format json prints an array of objects (csv: rows):\n"
	"pid, device (-1: host), space, at (peak, until or end), seq, time_ns, capacity (null\n"
	"if none), live_bytes, live_blocks, free_bytes, holes, largest_free,\n"
	"external_fragmentation (0..1), span (from the lowest live address to the end of the\n"
	"highest block).";

static int at_opt = -1;

static int take_at(struct mtan_opts *o, const char *arg)
{
	(void)o;
	if (!strcmp(arg, "peak"))
		at_opt = MTAN_AT_PEAK;
	else if (!strcmp(arg, "end"))
		at_opt = MTAN_AT_END;
	else
		return -1;
	return 0;
}

static const struct mtan_extra own[] = {
	{{"at", required_argument, NULL, 1300}, "  --at peak|end         the point: each space's peak (default) or the end of the trace", take_at},
	{{0, 0, 0, 0}, NULL, NULL},
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
	{"external_fragmentation", "ext. frag", MTAN_K_RATIO},
	{"span", NULL, MTAN_K_SIZE},
};
#define NCOLS (int)(sizeof(cols) / sizeof(cols[0]))

static void put(struct mtan_rows *r, const struct mtan_frag *f, const char *at)
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

struct each {
	struct mtan_rows *rows;
	const char *at;
	long long limit, n;
};

static int one(void *ctx, const struct mtan_frag *f)
{
	struct each *e = ctx;
	if (e->limit >= 0 && e->n >= e->limit)
		return 1;
	put(e->rows, f, e->at);
	e->n++;
	return 0;
}

int cmd_frag(int argc, char **argv)
{
	struct mtan_opts o;
	struct mtan_window w;
	struct mtan_extra extra[16];
	const struct mtan_extra *lists[] = {own, mtan_scope_options, mtan_window_options, NULL};
	sqlite3 *db = NULL;
	struct mtan_rows *rows = NULL;
	int ret;
	mtan_join_options(extra, 15, lists);
	at_opt = -1;
	ret = mtan_parse(argc, argv, "frag", cmd_frag_usage, extra, &o);
	if (ret != MTAN_GO)
		return ret;
	if (o.scope.until && at_opt >= 0) {
		fprintf(stderr, "mtan: frag: --at and --until both choose the point: one of them\n");
		return 2;
	}
	int at = o.scope.until ? MTAN_AT_UNTIL : at_opt >= 0 ? at_opt : MTAN_AT_PEAK;
	ret = 1;
	if (mtan_open(&o, &db, NULL, NULL) || mtan_window(db, &o, &w))
		goto out;
	if (!(rows = mtan_rows_new(cols, NCOLS, o.format, stdout))) {
		mtan_err("out of memory");
		goto out;
	}
	struct each e = {rows, at == MTAN_AT_UNTIL ? "until" : at == MTAN_AT_END ? "end" : "peak", o.limit, 0};
	if (mtan_frag_each(db, &o, &w, at, one, &e) || mtan_rows_end(rows))
		goto out;
	ret = 0;
out:
	mtan_rows_free(rows);
	sqlite3_close(db);
	return ret;
}
