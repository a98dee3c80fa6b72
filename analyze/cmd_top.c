/* cmd_top.c: `mtan top`: the allocation sites that allocate the most bytes, the most
 * blocks, and the most short-lived temporaries, as top.c counts and ranks them. */
#include "commands.h"
#include "db.h"
#include "opts.h"
#include "output.h"
#include "scope.h"
#include "sites.h"
#include "sql.h"
#include "suppress.h"
#include "result.h"
#include "top.h"
#include "render.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char cmd_top_usage[] =
	"top [options] TRACE|DB\n\n"
	"Allocation sites (process, device, space, stack) ranked three ways: by bytes\n"
	"allocated, by allocations, and by short-lived temporaries (blocks freed less than\n"
	"--temporary after their allocation, default 1ms), --limit of each (default 10).\n"
	"--format json prints an object {\"by_bytes\": [...], \"by_count\": [...],\n"
	"\"by_temporaries\": [...]} of sites: pid, device (-1: host), space, allocs, bytes,\n"
	"temporaries, temporary_bytes, leaked_blocks, leaked_bytes (what of them leaked, as\n"
	"leaks counts it: no suppression covers it), frames as in leaks. --format csv: a row\n"
	"per site and ranking (by: bytes, count or temporaries; rank), with its stack id,\n"
	"without frames. Stacks whose frames read the same are one site. A trace recorded\n"
	"with mtrec --sample-stacks: the figures are estimates from the sampled stacks,\n"
	"marked '~' (JSON: \"estimated\": true; SCHEMA.md, Sampled stacks).";

static int64_t temporary_ns = 1000000;

static int take_temporary(struct mtan_opts *o, const char *arg)
{
	char *end;
	(void)o;
	double v = strtod(arg, &end);
	static const struct {
		const char *unit;
		double ns;
	} units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (end != arg && !strcmp(end, units[i].unit) && v >= 0 && v * units[i].ns < 9e18) {
			temporary_ns = (int64_t)(v * units[i].ns + 0.5);
			return 0;
		}
	return -1;
}

static const struct mtan_extra own[] = {
	{{"temporary", required_argument, NULL, 1320},
	 "  --temporary DURATION  what counts as short-lived (default 1ms; ns, us, ms, s)", take_temporary},
	{{0, 0, 0, 0}, NULL, NULL},
};

/* One ranking (which: 0 bytes, 1 count, 2 temporaries) of t: CSV rows kept in csv, JSON's
 * "key": [sites], or the table's title, a line per site and its stack. */
static int print_ranking(sqlite3 *db, const struct mtan_opts *o, const struct mtan_top *t, int which,
			 const char *title, const char *key, struct mtan_result *csv)
{
	struct mtan_result *r;
	uint64_t sampled = mtan_top_sampled(t);
	if (mtan_top_rank(db, t, which, o->limit >= 0 ? o->limit : 10, &r))
		return -1;
	int ret = -1;
	if (csv) {
		ret = mtan_result_take(csv, r);
		mtan_result_free(r);
		return ret;
	}
	if (o->format == MTAN_JSON)
		printf("%s\"%s\": [", which ? ", " : "", key);
	else
		mtan_prose(stdout, "%s%s\n", which ? "\n" : "", title);
	for (size_t i = 0; i < r->nrows; i++) {
		long long allocs = mtan_result_get_int(r, i, 6, 0), bytes = mtan_result_get_int(r, i, 7, 0),
			  temps = mtan_result_get_int(r, i, 8, 0), leaked_bytes = mtan_result_get_int(r, i, 11, 0),
			  device = mtan_result_get_int(r, i, 3, 0);
		if (o->format == MTAN_JSON) {
			fputs(i ? ", {" : "{", stdout);
			mtan_render_json_members(r, i, stdout);
			fputs(", ", stdout);
		} else {
			char a[32], b[32], tb[32], c[96] = "", dev[16];
			const char *e = sampled ? "~" : ""; /* estimates, marked */
			int k = 0;
			if (temps)
				k = snprintf(c, sizeof c, ", %s%s temporary", e, mtan_count(tb, (uint64_t)temps));
			if (leaked_bytes)
				snprintf(c + k, sizeof c - (size_t)k, ", %s%s bytes leaked", e,
					 mtan_count(tb, (uint64_t)leaked_bytes));
			mtan_prose(stdout, "%s%s%s bytes in %s%s %s%s (pid %lld, %s%s %s)\n", i ? "\n" : "", e,
				   mtan_count(a, (uint64_t)bytes), e, mtan_count(b, (uint64_t)allocs),
				   allocs == 1 ? "allocation" : "allocations", c, mtan_result_get_int(r, i, 2, 0),
				   device == -1 ? "" : "device ", mtan_device_name(dev, device),
				   mtan_result_get_text(r, i, 4));
		}
		if (mtan_print_frames(db, o, mtan_result_get_int(r, i, 5, -1)))
			goto out;
		if (o->format == MTAN_JSON)
			fputs("}", stdout);
	}
	if (o->format == MTAN_JSON)
		fputs("]", stdout);
	else if (!r->nrows)
		printf("  none\n");
	ret = 0;
out:
	mtan_result_free(r);
	return ret;
}

int cmd_top(int argc, char **argv)
{
	struct mtan_opts o;
	struct mtan_window w;
	struct mtan_extra extra[16];
	const struct mtan_extra *lists[] = {own, mtan_scope_options, mtan_window_options, mtan_skip_options,
					    mtan_supp_options, NULL};
	struct mtan_top *t = NULL;
	struct mtan_result *csv = NULL;
	sqlite3 *db = NULL;
	int ret;
	mtan_join_options(extra, 15, lists);
	temporary_ns = 1000000;
	ret = mtan_parse(argc, argv, "top", cmd_top_usage, extra, &o);
	if (ret != MTAN_GO)
		return ret;
	ret = 1;
	if (mtan_open(&o, &db, NULL, NULL) || mtan_window(db, &o, &w) || !(t = mtan_top_count(db, &o, &w, temporary_ns)))
		goto out;
	uint64_t sampled = mtan_top_sampled(t);
	if (o.format == MTAN_JSON)
		fputs("{", stdout);
	else if (o.format == MTAN_CSV && (mtan_top_rank(db, t, 0, 0, &csv))) /* the columns, no rows */
		goto out;
	char tmp[32];
	if ((double)temporary_ns < 1e6)
		snprintf(tmp, sizeof tmp, "%.0f us", (double)temporary_ns / 1e3);
	else
		snprintf(tmp, sizeof tmp, "%.0f ms", (double)temporary_ns / 1e6);
	char title[96];
	snprintf(title, sizeof title, "by temporaries (freed within %s)", tmp);
	if (print_ranking(db, &o, t, 0, "by bytes allocated", "by_bytes", csv) ||
	    print_ranking(db, &o, t, 1, "by allocations", "by_count", csv) ||
	    print_ranking(db, &o, t, 2, title, "by_temporaries", csv))
		goto out;
	if (o.format == MTAN_JSON)
		fputs("}\n", stdout);
	else if (csv && mtan_render(csv, MTAN_CSV, stdout))
		goto out;
	if (sampled && o.format == MTAN_TABLE && !o.quiet)
		mtan_prose(stdout, "\nsites are estimates (~) from sampled stacks (mtrec --sample-stacks %llu): each "
				   "about +-sqrt(%llu / its bytes) (one standard error)\n",
			   (unsigned long long)sampled, (unsigned long long)sampled);
	else if (sampled && o.format == MTAN_CSV && !o.quiet)
		mtan_note("sites are estimates from sampled stacks (mtrec --sample-stacks %llu)",
			  (unsigned long long)sampled);
	ret = 0;
out:
	mtan_result_free(csv);
	mtan_top_free(t);
	sqlite3_close(db);
	return ret;
}
