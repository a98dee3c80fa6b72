/* cmd_timeline.c: `mtan timeline`: live bytes and blocks over time per device and space,
 * from the loader's timeline table, with the sampled RSS beside the host heap: a chart
 * in the terminal, or every row as CSV or JSON. */
#include "chart.h"
#include "commands.h"
#include "db.h"
#include "opts.h"
#include "output.h"
#include "scope.h"
#include "sql.h"
#include "result.h"
#include "rows.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char cmd_timeline_usage[] =
	"timeline [options] TRACE|DB\n\n"
	"Live bytes and blocks over time for each device and space (over all processes, or\n"
	"--pid's): a chart per space by default; --format csv or json prints the rows, in seq\n"
	"order, one per space and time bucket (1/4096 of the trace) with events: time_ns, seq,\n"
	"pid (empty/null: all processes), device (-1: host), space, live_bytes, live_blocks,\n"
	"max_bytes (the most within the bucket), allocs, frees, bytes_allocated, bytes_freed,\n"
	"and rss_bytes (the process's resident set size beside the host heap; empty/null\n"
	"elsewhere or before the first sample). A run short for the recorder's clock (its\n"
	"events share a few times) is charted by event order (seq) instead.";

static int width_opt = 0, height_opt = 12; /* width 0: fit the terminal (mtan_width) */

static int take_width(struct mtan_opts *o, const char *arg)
{
	(void)o;
	width_opt = atoi(arg);
	return width_opt >= 16 && width_opt <= 1000 ? 0 : -1;
}

static int take_height(struct mtan_opts *o, const char *arg)
{
	(void)o;
	height_opt = atoi(arg);
	return height_opt >= 3 && height_opt <= 200 ? 0 : -1;
}

static const struct mtan_extra own[] = {
	{{"width", required_argument, NULL, 1310}, "  --width N             the chart's width in columns (default: what fits the terminal)", take_width},
	{{"height", required_argument, NULL, 1311}, "  --height N            the chart's height in lines (default 12)", take_height},
	{{0, 0, 0, 0}, NULL, NULL},
};

/* ------------------------------------------------------------------ csv and json */

static const struct mtan_col cols[] = {
	{"time_ns", NULL, MTAN_K_INT}, {"seq", NULL, MTAN_K_INT}, {"pid", NULL, MTAN_K_INT},
	{"device", NULL, MTAN_K_DEVICE}, {"space", NULL, MTAN_K_TEXT}, {"live_bytes", NULL, MTAN_K_INT},
	{"live_blocks", NULL, MTAN_K_INT}, {"max_bytes", NULL, MTAN_K_INT}, {"allocs", NULL, MTAN_K_INT},
	{"frees", NULL, MTAN_K_INT}, {"bytes_allocated", NULL, MTAN_K_INT}, {"bytes_freed", NULL, MTAN_K_INT},
	{"rss_bytes", NULL, MTAN_K_INT},
};
#define NCOLS (int)(sizeof(cols) / sizeof(cols[0]))

/* ------------------------------------------------------------------ charts */

/* The sampled RSS (every process, or --pid's) at the end of each column of a chart by
 * time: the latest sample of each process at or before it, summed; -1 before the first. */
static int rss_columns(sqlite3 *db, const struct mtan_opts *o, const struct mtan_chart_series *s, int64_t *rss)
{
	sqlite3_stmt *st;
	int rc = SQLITE_DONE;
	struct { int64_t pid, rss; } *last = NULL;
	size_t nlast = 0;
	int col = 0;
	int64_t sum = -1;
	if (mtan_prepare(db, "timeline", "rss", &st))
		return -1;
	mtan_bind_common(st, o);
	for (int k = 0; k < s->ncols; k++)
		rss[k] = -1;
	/* a sample past the last column ends the reading (rc stays SQLITE_ROW); it is still
	 * counted into sum, which no column reads any more */
	while (col < s->ncols && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t pid = sqlite3_column_int64(st, 0), t = sqlite3_column_int64(st, 1), v = sqlite3_column_int64(st, 2);
		while (col < s->ncols && (double)t > s->x0 + (s->x1 - s->x0) * (col + 1) / s->ncols)
			rss[col++] = sum;
		size_t i;
		for (i = 0; i < nlast && last[i].pid != pid; i++)
			;
		if (i == nlast) {
			void *q = realloc(last, (nlast + 1) * sizeof(*last));
			if (!q) {
				free(last);
				sqlite3_finalize(st);
				mtan_err("out of memory");
				return -1;
			}
			last = q;
			last[nlast].pid = pid;
			last[nlast++].rss = 0;
		}
		sum = (sum < 0 ? 0 : sum) - last[i].rss + v;
		last[i].rss = v;
	}
	while (col < s->ncols)
		rss[col++] = sum;
	free(last);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : mtan_sqlerr(db, "cannot read the database");
}

/* One chart: a column per 1/width of the axis, '#' up to the live bytes at the column's
 * end, ':' above them up to the most live within it (a drop, or an instant's peak); '.'
 * where the sampled RSS is (host heap). width 0: what fits mtan_width beside the scale. */
static int chart(sqlite3 *db, const struct mtan_opts *o, const struct mtan_charts *cs, struct mtan_chart_series *c,
		 int width, int height)
{
	char dev[16], a[32], b[32], top_s[32], l0[32], l1[32];
	double step, hi = mtan_size_axis((double)c->peak, 8, &step);
	mtan_size_tick(top_s, hi, hi, step);
	int label = (int)strlen(top_s);
	if (width <= 0) /* the scale, " |", then the bars */
		width = mtan_width(stdout) - label - 2;
	width = width < 16 ? 16 : width > 1000 ? 1000 : width;
	if (mtan_series_columns(cs, c, width))
		return -1;
	if (c->by_seq) {
		snprintf(l0, sizeof l0, "seq %.0f", c->x0);
		snprintf(l1, sizeof l1, "seq %.0f", c->x1);
	} else {
		snprintf(l0, sizeof l0, "%.3f s", c->x0 / 1e9);
		snprintf(l1, sizeof l1, "%.3f s", c->x1 / 1e9);
	}
	int64_t *rss = NULL;
	int has_rss = 0;
	if (!c->by_seq && c->device == -1 && !strcmp(c->space, "heap")) {
		if (!(rss = malloc((size_t)width * sizeof(*rss))) || rss_columns(db, o, c, rss)) {
			free(rss);
			return -1;
		}
		for (int k = 0; k < width; k++) {
			has_rss |= rss[k] >= 0;
			hi = rss[k] > hi ? (double)rss[k] : hi;
		}
		if (hi > (double)c->peak) { /* the scale reaches the RSS */
			hi = mtan_size_axis(hi, 8, &step);
			mtan_size_tick(top_s, hi, hi, step);
			label = (int)strlen(top_s);
		}
	}
	char of[32] = "", life[80] = "";
	if (o->pid >= 0)
		snprintf(of, sizeof of, " (pid %lld)", o->pid);
	if (c->own_span)
		snprintf(life, sizeof life, " over the device's life");
	mtan_prose(stdout, "%s%s %s%s: live bytes%s%s, peak %s, at the end %s%s\n", c->device == -1 ? "" : "device ",
		   mtan_device_name(dev, c->device), c->space, of, c->by_seq ? " by event order (seq)" : "", life,
		   mtan_size(a, (uint64_t)c->peak), mtan_size(b, (uint64_t)c->held), has_rss ? "; '.' RSS" : "");
	for (int row = height; row >= 1; row--) {
		double lo_v = hi * (row - 1) / height, mid = hi * (row - 0.5) / height;
		printf("%*s |", label, row == height ? top_s : "");
		char line[1024] = {0};
		int len = 0;
		int64_t level = c->start;
		for (int col = 0; col < width && col < (int)sizeof line; col++) {
			const struct mtan_chart_col *k = &c->col[col];
			int64_t most = level;
			if (k->used) {
				level = k->out;
				most = k->hi;
			}
			int bar = (double)level >= mid || (row == 1 && level > 0);
			int tip = (double)most >= mid || (row == 1 && most > 0);
			int dot = rss && rss[col] >= 0 && (double)rss[col] > lo_v && (double)rss[col] <= hi * row / height;
			line[col] = bar ? '#' : tip ? ':' : dot ? '.' : ' ';
			if (line[col] != ' ')
				len = col + 1;
		}
		fwrite(line, 1, (size_t)len, stdout);
		putchar('\n');
	}
	printf("%*s +", label, "0");
	for (int col = 0; col < width; col++)
		putchar('-');
	printf("\n%*s  %s%*s\n", label, "", l0, width - (int)strlen(l0), l1);
	free(rss);
	return 0;
}

int cmd_timeline(int argc, char **argv)
{
	struct mtan_opts o;
	struct mtan_window w;
	struct mtan_extra extra[16];
	const struct mtan_extra *lists[] = {own, mtan_scope_options, mtan_window_options, NULL};
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	struct mtan_charts charts;
	struct mtan_rows *rows = NULL;
	int ret, rc;
	memset(&charts, 0, sizeof charts);
	mtan_join_options(extra, 15, lists);
	width_opt = 0;
	height_opt = 12;
	ret = mtan_parse(argc, argv, "timeline", cmd_timeline_usage, extra, &o);
	if (ret != MTAN_GO)
		return ret;
	ret = 1;
	if (mtan_open(&o, &db, NULL, NULL) || mtan_window(db, &o, &w))
		goto out;
	if (o.format == MTAN_TABLE) { /* charts, from every event (chart.c) */
		if (mtan_charts_load(db, &o, &w, &charts))
			goto out;
		if (!charts.n)
			printf("no allocations in the window\n");
		for (size_t i = 0; i < charts.n; i++) {
			if (i)
				putchar('\n');
			if (chart(db, &o, &charts, &charts.s[i], width_opt, height_opt))
				goto out;
		}
		ret = 0;
		goto out;
	}
	if (mtan_prepare(db, "timeline", "rows", &st))
		goto out;
	mtan_bind_scope(st, &o, &w);
	if (!(rows = mtan_rows_new(cols, NCOLS, o.format, stdout))) {
		mtan_err("out of memory");
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		for (int i = 0; i < NCOLS; i++)
			mtan_rows_column(rows, st, i);
	if (rc != SQLITE_DONE) {
		mtan_sqlerr(db, "cannot read the database");
		goto out;
	}
	if (mtan_rows_end(rows))
		goto out;
	ret = 0;
out:
	mtan_charts_release(&charts);
	mtan_rows_free(rows);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ret;
}
