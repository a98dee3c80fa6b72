/* cmd_timeline.c: `mtan timeline`: live bytes and blocks over time per device and space,
 * from the loader's timeline table, with the sampled RSS beside the host heap: a chart
 * in the terminal, or every row as CSV or JSON. */
#include "mtan.h"

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

struct point {
	int64_t t, live, max, blocks, rss;
	int has_rss;
};

struct scope {
	long long device;
	char *space;
	struct point *p;
	size_t n, cap;
};

static struct scope *scope_of(struct scope **s, size_t *n, long long device, const char *space)
{
	for (size_t i = 0; i < *n; i++)
		if ((*s)[i].device == device && !strcmp((*s)[i].space, space))
			return &(*s)[i];
	struct scope *q = realloc(*s, (*n + 1) * sizeof(**s));
	if (!q)
		return NULL;
	*s = q;
	struct scope *c = &q[(*n)++];
	memset(c, 0, sizeof(*c));
	c->device = device;
	if (!(c->space = strdup(space))) {
		(*n)--;
		return NULL;
	}
	return c;
}

static int by_scope(const void *a, const void *b)
{
	const struct scope *x = a, *y = b;
	if ((x->device == -1) != (y->device == -1))
		return x->device == -1 ? -1 : 1;
	if (x->device != y->device)
		return x->device < y->device ? -1 : 1;
	return strcmp(x->space, y->space);
}

/* One chart: a column per 1/width of the time span, '#' up to the most live bytes in it,
 * '.' where the sampled RSS is (host heap); live bytes carry over columns without events.
 * width 0: what fits mtan_width beside the scale, and the axis' two labels at least. */
static int chart(const struct scope *c, int64_t t0, int64_t t1, int width, int height, long long pid, int by_seq)
{
	char dev[16], a[32], b[32], c2[32], l0[32], l1[32];
	int64_t hi = 1; /* the scale's top: the most live bytes or RSS anywhere */
	for (size_t i = 0; i < c->n; i++) {
		const struct point *p = &c->p[i];
		hi = p->max > hi ? p->max : hi;
		hi = p->live > hi ? p->live : hi;
		hi = p->has_rss && p->rss > hi ? p->rss : hi;
	}
	mtan_size(c2, (uint64_t)hi);
	int label = (int)strlen(c2);
	if (by_seq) {
		snprintf(l0, sizeof l0, "seq %lld", (long long)t0);
		snprintf(l1, sizeof l1, "seq %lld", (long long)t1);
	} else {
		snprintf(l0, sizeof l0, "%.3f s", (double)t0 / 1e9);
		snprintf(l1, sizeof l1, "%.3f s", (double)t1 / 1e9);
	}
	if (width <= 0) { /* the scale, " |", then the bars */
		int least = (int)(strlen(l0) + 1 + strlen(l1));
		width = mtan_width(stdout) - label - 2;
		width = width < least ? least : width < 16 ? 16 : width > 1000 ? 1000 : width;
	}
	int64_t *top = calloc((size_t)width, sizeof(*top)), *rss = calloc((size_t)width, sizeof(*rss));
	if (!top || !rss) {
		free(top);
		free(rss);
		return -1;
	}
	int64_t span = t1 > t0 ? t1 - t0 : 1, peak = 0;
	int has_rss = 0;
	size_t k = 0;
	int64_t live = 0, last_rss = -1;
	for (int col = 0; col < width; col++) {
		int64_t end = t0 + (int64_t)((double)span * (col + 1) / width);
		int64_t m = live;
		while (k < c->n && (c->p[k].t <= end || col == width - 1)) {
			if (c->p[k].max > m)
				m = c->p[k].max;
			live = c->p[k].live;
			if (c->p[k].has_rss)
				last_rss = c->p[k].rss;
			k++;
		}
		top[col] = m;
		rss[col] = last_rss;
		has_rss |= last_rss >= 0;
		peak = m > peak ? m : peak;
	}
	char of[32] = "";
	if (pid >= 0)
		snprintf(of, sizeof of, " (pid %lld)", pid);
	mtan_prose(stdout, "%s%s %s%s: live bytes%s, peak %s, at the end %s%s\n", c->device == -1 ? "" : "device ",
		   mtan_device_name(dev, c->device), c->space, of, by_seq ? " by event order (seq)" : "",
		   mtan_size(a, (uint64_t)peak), mtan_size(b, (uint64_t)(c->n ? c->p[c->n - 1].live : 0)),
		   has_rss ? "; '.' RSS" : "");
	for (int row = height; row >= 1; row--) {
		double lo_v = (double)hi * (row - 1) / height, mid = (double)hi * (row - 0.5) / height;
		if (row == height)
			printf("%*s |", label, c2);
		else
			printf("%*s |", label, "");
		char line[1024] = {0};
		int len = 0;
		for (int col = 0; col < width && col < (int)sizeof line; col++) {
			int bar = (double)top[col] >= mid || (row == 1 && top[col] > 0);
			int dot = rss[col] >= 0 && (double)rss[col] > lo_v && (double)rss[col] <= (double)hi * row / height;
			line[col] = bar ? '#' : dot ? '.' : ' ';
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
	free(top);
	free(rss);
	return 0;
}

/* The devices and spaces in scope, each with no points yet. */
static int seq_scopes(sqlite3 *db, const struct mtan_opts *o, struct scope **s, size_t *n)
{
	sqlite3_stmt *st;
	int rc;
	if (mtan_prepare(db, "timeline", "spaces", &st))
		return -1;
	mtan_bind_scope(st, o, NULL);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (!scope_of(s, n, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1))) {
			sqlite3_finalize(st);
			mtan_err("out of memory");
			return -1;
		}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : mtan_sqlerr(db, "cannot read the database");
}

/* Each scope's points again, one per event in seq order (t: the seq); the axis to *t0, *t1. */
static int seq_points(sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w, struct scope *s,
		      size_t n, int64_t *t0, int64_t *t1)
{
	sqlite3_stmt *st;
	int rc = SQLITE_DONE;
	if (mtan_prepare(db, "timeline", "by_seq", &st))
		return -1;
	*t0 = INT64_MAX;
	*t1 = 0;
	for (size_t i = 0; i < n && rc == SQLITE_DONE; i++) {
		struct scope *c = &s[i];
		c->n = 0;
		sqlite3_reset(st);
		mtan_bind_common(st, o);
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":d"), c->device);
		sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":s"), c->space, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":since"), w->since);
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":until"), w->until);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (c->n == c->cap) {
				size_t cap = c->cap ? c->cap * 2 : 256;
				struct point *p = realloc(c->p, cap * sizeof(*p));
				if (!p) {
					sqlite3_finalize(st);
					mtan_err("out of memory");
					return -1;
				}
				c->p = p;
				c->cap = cap;
			}
			struct point *p = &c->p[c->n++];
			memset(p, 0, sizeof(*p));
			p->t = sqlite3_column_int64(st, 0);
			p->live = p->max = sqlite3_column_int64(st, 1);
			*t0 = p->t < *t0 ? p->t : *t0;
			*t1 = p->t > *t1 ? p->t : *t1;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return mtan_sqlerr(db, "cannot read the database");
	return 0;
}

/* Drops the scopes with no points (nothing happened there in the window). */
static void drop_empty(struct scope *s, size_t *n)
{
	size_t k = 0;
	for (size_t i = 0; i < *n; i++) {
		if (s[i].n)
			s[k++] = s[i];
		else {
			free(s[i].space);
			free(s[i].p);
		}
	}
	*n = k;
}

int cmd_timeline(int argc, char **argv)
{
	struct mtan_opts o;
	struct mtan_window w;
	struct mtan_extra extra[16];
	const struct mtan_extra *lists[] = {own, mtan_scope_options, mtan_window_options, NULL};
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	struct scope *scopes = NULL;
	struct mtan_rows *rows = NULL;
	size_t nscopes = 0;
	int ret, rc = SQLITE_DONE, n = 0, by_seq = 0;
	int64_t t0 = INT64_MAX, t1 = 0;
	mtan_join_options(extra, 15, lists);
	width_opt = 0;
	height_opt = 12;
	ret = mtan_parse(argc, argv, "timeline", cmd_timeline_usage, extra, &o);
	if (ret != MTAN_GO)
		return ret;
	ret = 1;
	if (mtan_open(&o, &db, NULL, NULL) || mtan_window(db, &o, &w))
		goto out;
	if (o.format == MTAN_TABLE && (by_seq = mtan_short_run(db, &o)) < 0)
		goto out;
	if (by_seq) {
		if (seq_scopes(db, &o, &scopes, &nscopes) || seq_points(db, &o, &w, scopes, nscopes, &t0, &t1))
			goto out;
		drop_empty(scopes, &nscopes);
	} else if (mtan_prepare(db, "timeline", "rows", &st))
		goto out;
	else
		mtan_bind_scope(st, &o, &w);
	if (o.format != MTAN_TABLE && !(rows = mtan_rows_new(cols, NCOLS, o.format, stdout)))
		goto nomem;
	while (st && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (rows) {
			for (int i = 0; i < NCOLS; i++)
				mtan_rows_column(rows, st, i);
			n++;
			continue;
		}
		struct scope *c = scope_of(&scopes, &nscopes, sqlite3_column_int64(st, 3),
					   (const char *)sqlite3_column_text(st, 4));
		if (!c)
			goto nomem;
		if (c->n == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 256;
			struct point *p = realloc(c->p, cap * sizeof(*p));
			if (!p)
				goto nomem;
			c->p = p;
			c->cap = cap;
		}
		struct point *p = &c->p[c->n++];
		p->t = sqlite3_column_int64(st, 0);
		p->live = sqlite3_column_int64(st, 5);
		p->blocks = sqlite3_column_int64(st, 6);
		p->max = sqlite3_column_int64(st, 7);
		p->has_rss = sqlite3_column_type(st, 12) != SQLITE_NULL;
		p->rss = sqlite3_column_int64(st, 12);
		t0 = p->t < t0 ? p->t : t0;
		t1 = p->t > t1 ? p->t : t1;
		n++;
	}
	if (st && rc != SQLITE_DONE) {
		mtan_sqlerr(db, "cannot read the database");
		goto out;
	}
	if (rows) {
		if (mtan_rows_end(rows))
			goto out;
	} else {
		if (!nscopes)
			printf("no allocations in the window\n");
		else /* the host first, then devices in order (the rows came in seq order) */
			qsort(scopes, nscopes, sizeof(*scopes), by_scope);
		for (size_t i = 0; i < nscopes; i++) {
			if (i)
				putchar('\n');
			if (chart(&scopes[i], t0, t1, width_opt, height_opt, o.pid, by_seq))
				goto nomem;
		}
	}
	ret = 0;
	goto out;
nomem:
	mtan_err("out of memory");
out:
	for (size_t i = 0; i < nscopes; i++) {
		free(scopes[i].space);
		free(scopes[i].p);
	}
	free(scopes);
	mtan_rows_free(rows);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ret;
}
