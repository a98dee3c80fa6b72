/* cmd_growth.c: `mtan growth`: does memory plateau, grow or saw up and down? Per device
 * and space, the live bytes and blocks over time (the timeline table) are judged by
 * trend.c after warm-up and before any teardown, and the allocation sites whose own live
 * bytes grew over that part are ranked. */
#include "commands.h"
#include "db.h"
#include "growth.h"
#include "opts.h"
#include "output.h"
#include "scope.h"
#include "sites.h"
#include "trend.h"
#include "sql.h"
#include "result.h"
#include "render.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char cmd_growth_usage[] =
	"growth [options] TRACE|DB\n\n"
	"Plateau, growth or sawtooth of the live bytes of each device and space (over all\n"
	"processes, or --pid's). Where the program marks its iterations (a label that recurs:\n"
	"\"frame\", or \"round 0\", \"round 1\", ...; 8 times or more), live bytes are judged at\n"
	"each recurrence of the most frequent one: a staircase across rounds is growth however\n"
	"little time it takes. Else they are judged over time (times are interpolated between\n"
	"the recorder's clock readings: see FORMAT.md). Left out: the warm-up, found from the\n"
	"data (the start after which live bytes no longer rise), and the teardown: a device's\n"
	"close, and a final drop of at least a quarter of the range; memory that grows all run\n"
	"long and is freed at shutdown is growth. Growth is a significant (Mann-Kendall,\n"
	"p < 0.01) and material upward trend (Theil-Sen slope) of live bytes and of live\n"
	"blocks (or bytes at least tripling); sawtooth, repeated drops of half the range back\n"
	"to a floor that does not rise. Fewer than 8 distinct times and 8 recurrences of a\n"
	"mark are too short to judge, said in words (and never a failed check). The sites\n"
	"ranked are those whose own live bytes grew between the start and the end of the\n"
	"judged part (--limit: how many, default 10).\n"
	"--format json prints an array of objects: device (-1: host), space, pid (null: all\n"
	"processes), verdict (plateau, growth, sawtooth or too_short), rate_bytes_per_s,\n"
	"plateau_ns (when the plateau was reached; null if none), start_ns and end_ns (the\n"
	"judged part), z, start_bytes, end_bytes, axis (time or marks), mark (the repeated\n"
	"label, \"round N\" for a numbered family; null on time), points (judged),\n"
	"rate_bytes_per_mark (null on time), reason (too_short: why; else null), and sites\n"
	"(growth_bytes, growth_blocks, live_bytes, pid, frames as in leaks). --format csv: a\n"
	"row per device and space, without the sites.";

static const struct mtan_extra none[] = {{{0, 0, 0, 0}, NULL, NULL}};

static void print_ns(char *buf, size_t size, double ns)
{
	if (ns < 1e6)
		snprintf(buf, size, "%.0f us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, size, "%.0f ms", ns / 1e6);
	else
		snprintf(buf, size, "%.2f s", ns / 1e9);
}

/* The sites of one scope, as table lines. */
static int print_sites(sqlite3 *db, const struct mtan_opts *o, sqlite3_stmt *st)
{
	int rc, n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long stack = sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 1);
		char a[32], b[32];
		if (!n)
			printf("  growing sites:\n");
		long long blocks = sqlite3_column_int64(st, 3);
		printf("  %s bytes in %s more %s (pid %lld)\n", mtan_count(a, (uint64_t)sqlite3_column_int64(st, 2)),
		       mtan_count(b, (uint64_t)(blocks > 0 ? blocks : 0)), blocks == 1 ? "block" : "blocks",
		       sqlite3_column_int64(st, 0));
		if (mtan_print_frames(db, o, stack))
			return -1;
		n++;
	}
	if (rc != SQLITE_DONE)
		return mtan_sqlerr(db, "cannot read the database");
	return 0;
}

struct printer {
	sqlite3 *db;
	const struct mtan_opts *o;
	int n;
};

static int print_one(void *ctx, const struct mtan_growth *g, sqlite3_stmt *sites)
{
	struct printer *p = ctx;
	const struct mtan_opts *o = p->o;
	const struct mtan_verdict *v = &g->v;
	const char *verdict = mtan_verdict_name(v->verdict);
	if (v->verdict == MTAN_TOO_SHORT) {
		char dev[16];
		printf("%s%s%s %s: too short to judge (%s)\n", p->n ? "\n" : "", g->device == -1 ? "" : "device ",
		       mtan_device_name(dev, g->device), g->space, g->reason);
	} else {
		char dev[16], r[32], t0[32], t1[32], tp[32];
		mtan_size(r, (uint64_t)fabs(v->rate));
		print_ns(t0, sizeof t0, v->start_t);
		print_ns(t1, sizeof t1, v->end_t);
		printf("%s%s%s %s: %s", p->n ? "\n" : "", g->device == -1 ? "" : "device ",
		       mtan_device_name(dev, g->device), g->space, verdict);
		if (v->verdict == MTAN_PLATEAU && !isnan(v->plateau_t)) {
			print_ns(tp, sizeof tp, v->plateau_t);
			printf(", reached at %s", tp);
		}
		if (g->mark) {
			char pm[32];
			mtan_size(pm, (uint64_t)(g->per_mark < 0 ? -g->per_mark : g->per_mark));
			printf(" (%s%s per '%s', %s%s/s; judged at %zu '%s' marks, %s to %s", g->per_mark < 0 ? "-" : "", pm,
			       g->mark, v->rate < 0 ? "-" : "", r, v->points, g->mark, t0, t1);
		} else {
			printf(" (%s%s/s; judged %s to %s", v->rate < 0 ? "-" : "", r, t0, t1);
		}
		if (v->verdict == MTAN_SAWTOOTH)
			printf(", %d drops", v->resets);
		printf(")\n");
	}
	if (print_sites(p->db, o, sites))
		return -1;
	p->n++;
	return 0;
}

int cmd_growth(int argc, char **argv)
{
	struct mtan_opts o;
	struct mtan_window w;
	struct mtan_extra extra[16];
	const struct mtan_extra *lists[] = {none, mtan_scope_options, mtan_window_options, mtan_skip_options, NULL};
	struct printer p = {0};
	struct mtan_result *v = NULL;
	sqlite3 *db = NULL;
	int ret;
	mtan_join_options(extra, 15, lists);
	ret = mtan_parse(argc, argv, "growth", cmd_growth_usage, extra, &o);
	if (ret != MTAN_GO)
		return ret;
	ret = 1;
	if (mtan_open(&o, &db, NULL, NULL) || mtan_window(db, &o, &w))
		goto out;
	p.db = db;
	p.o = &o;
	if (o.format != MTAN_TABLE) { /* JSON and CSV: the analysis' result */
		if (mtan_growth_result(db, &o, &w, &v) || mtan_render(v, o.format, stdout))
			goto out;
	} else if (mtan_growth(db, &o, &w, print_one, &p)) {
		goto out;
	} else if (!p.n) {
		printf("no allocations in the window\n");
	}
	ret = 0;
out:
	mtan_result_free(v);
	sqlite3_close(db);
	return ret;
}
