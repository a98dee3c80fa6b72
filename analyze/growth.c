/* growth.c: the growth analysis itself, shared by `mtan growth` (which prints it) and the
 * loader (which keeps the whole trace's in the tables growth and growth_sites): for each
 * (device, space), its live bytes judged by trend.c at each recurrence of a repeated mark
 * where the program marks its iterations, else over time; and the sites whose own live
 * bytes grew over the judged part, found as frag finds a state (SCHEMA.md: lifetimes_long). */
#include "growth.h"
#include "opts.h"
#include "output.h"
#include "result.h"
#include "scope.h"
#include "sites.h"
#include "sql.h"
#include "trend.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MIN_TIMES 8  /* distinct times (timeline rows) a scope needs to be judged over time */
#define MIN_MARKS 8  /* recurrences of a mark it needs to be judged on them */
#define RATE_POINTS 256 /* marks: the per-second rate from at most this many of them */

/* Points of a series: time, seq, live bytes and blocks; marks have their label too. */
struct series {
	double *t, *bytes, *blocks;
	int64_t *seq;
	char **label;
	size_t n, cap;
};

static void series_clear(struct series *s)
{
	if (s->label)
		for (size_t i = 0; i < s->n; i++)
			free(s->label[i]);
	s->n = 0;
}

static void series_release(struct series *s)
{
	series_clear(s);
	free(s->t);
	free(s->bytes);
	free(s->blocks);
	free(s->seq);
	free(s->label);
}

static int series_push(struct series *s, double t, int64_t seq, double bytes, double blocks, const char *label)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		double *a = realloc(s->t, cap * sizeof(*a));
		if (a)
			s->t = a;
		double *b = a ? realloc(s->bytes, cap * sizeof(*b)) : NULL;
		if (b)
			s->bytes = b;
		double *k = b ? realloc(s->blocks, cap * sizeof(*k)) : NULL;
		if (k)
			s->blocks = k;
		int64_t *q = k ? realloc(s->seq, cap * sizeof(*q)) : NULL;
		if (q)
			s->seq = q;
		char **l = q ? realloc(s->label, cap * sizeof(*l)) : NULL;
		if (!l)
			return -1;
		s->label = l;
		s->cap = cap;
	}
	s->label[s->n] = NULL;
	if (label && !(s->label[s->n] = strdup(label)))
		return -1;
	s->t[s->n] = t;
	s->seq[s->n] = seq;
	s->bytes[s->n] = bytes;
	s->blocks[s->n] = blocks;
	s->n++;
	return 0;
}

/* Steps st (bound) and appends its rows: time_ns, seq, live_bytes, live_blocks[, label]. */
static int read_rows(sqlite3 *db, sqlite3_stmt *st, struct series *s, int labels)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int o = labels ? 1 : 0; /* marks: seq, time, label, bytes, blocks */
		double t = (double)sqlite3_column_int64(st, labels ? 1 : 0);
		int64_t seq = sqlite3_column_int64(st, labels ? 0 : 1);
		const char *label = labels ? (const char *)sqlite3_column_text(st, 2) : NULL;
		if (series_push(s, t, seq, (double)sqlite3_column_int64(st, 2 + o),
				(double)sqlite3_column_int64(st, 3 + o), labels ? (label ? label : "") : NULL)) {
			mtan_err("out of memory");
			return -1;
		}
	}
	return rc == SQLITE_DONE ? 0 : mtan_sqlerr(db, "cannot read the database");
}

/* One integer from a one-row statement (bound); def when NULL or no row. */
static int one_int(sqlite3 *db, sqlite3_stmt *st, int col, int64_t def, int64_t *out, int *found)
{
	int rc = sqlite3_step(st);
	*out = def;
	if (found)
		*found = 0;
	if (rc == SQLITE_ROW && sqlite3_column_type(st, col) != SQLITE_NULL) {
		*out = sqlite3_column_int64(st, col);
		if (found)
			*found = 1;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return mtan_sqlerr(db, "cannot read the database");
	return 0;
}

/* A label's length without its trailing digits ("round 12" -> "round "). */
static size_t stem(const char *s)
{
	size_t n = strlen(s);
	while (n && s[n - 1] >= '0' && s[n - 1] <= '9')
		n--;
	return n;
}

static int same_mark(const char *a, const char *b)
{
	size_t na = stem(a), nb = stem(b);
	return na == nb && !memcmp(a, b, na) && (na < strlen(a)) == (nb < strlen(b));
}

/* Keeps in m only the marks of the label that recurs most ("frame"; "round N" for "round
 * 0", "round 1", ...; ties: the one seen first) and names it in name. */
static void pick_mark(struct series *m, char *name, size_t size)
{
	size_t best = 0, best_n = 0;
	for (size_t i = 0; i < m->n; i++) {
		int seen = 0;
		for (size_t j = 0; j < i && !seen; j++)
			seen = same_mark(m->label[j], m->label[i]);
		if (seen)
			continue;
		size_t c = 0;
		for (size_t j = i; j < m->n; j++)
			c += same_mark(m->label[i], m->label[j]);
		if (c > best_n) {
			best_n = c;
			best = i;
		}
	}
	*name = 0;
	if (!m->n)
		return;
	const char *b = m->label[best];
	size_t n = stem(b);
	snprintf(name, size, "%.*s%s", (int)n, b, n < strlen(b) ? "N" : "");
	char *keep = strdup(b);
	size_t k = 0;
	for (size_t i = 0; i < m->n; i++) {
		if (keep && same_mark(keep, m->label[i])) {
			m->t[k] = m->t[i];
			m->seq[k] = m->seq[i];
			m->bytes[k] = m->bytes[i];
			m->blocks[k] = m->blocks[i];
			char *l = m->label[i];
			m->label[i] = NULL;
			m->label[k++] = l;
		} else {
			free(m->label[i]);
			m->label[i] = NULL;
		}
	}
	free(keep);
	m->n = keep ? k : 0;
}

/* The index of the last point at or before time at (0 if none). */
static size_t point_at(const struct series *s, double at)
{
	size_t k = 0;
	while (k + 1 < s->n && s->t[k + 1] <= at)
		k++;
	return k;
}

/* A rate or a time as shown: the nearest whole number, ties to even (the default rounding
 * mode), which is how printf's %.0f rounds: CSV and JSON print the same integer. */
static long long whole(double v)
{
	return isfinite(v) && fabs(v) < 9.2e18 ? (long long)nearbyint(v) : 0;
}

static void bind_pid(sqlite3_stmt *st, int i, long long pid)
{
	if (pid >= 0)
		sqlite3_bind_int64(st, i, pid);
	else
		sqlite3_bind_null(st, i);
}

static void bind_scope(sqlite3_stmt *st, const struct mtan_growth *g, int64_t a, int64_t b)
{
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, g->device);
	sqlite3_bind_text(st, 2, g->space, -1, SQLITE_TRANSIENT);
	bind_pid(st, 3, g->pid);
	sqlite3_bind_int64(st, 4, a);
	sqlite3_bind_int64(st, 5, b);
}

/* The per-second rate of the marks a..b (a <= b: the judged part's start and end): the
 * Theil-Sen slope of bytes over their times, from at most RATE_POINTS of them spread evenly. */
static int mark_rate(const struct series *m, size_t a, size_t b, double *rate)
{
	double x[RATE_POINTS], y[RATE_POINTS], icpt;
	size_t n = b - a + 1, k = n;
	if (k > RATE_POINTS)
		k = RATE_POINTS;
	for (size_t i = 0; i < k; i++) {
		size_t j = a + (k > 1 ? (n - 1) * i / (k - 1) : 0);
		x[i] = m->t[j];
		y[i] = m->bytes[j];
	}
	if (mtan_theil_sen(x, y, k, rate, &icpt))
		return -1;
	*rate *= 1e9;
	return 0;
}

struct stmts {
	sqlite3_stmt *scopes, *before, *series, *times, *close, *end, *alloc_time, *marks, *sites, *clock;
};

/* The window and its bounds' own times (mtan_window_ns). */
struct win {
	const struct mtan_window *w;
	int64_t ns[2];
	int has[2];
};

/* g judged too short to tell over the whole series s (to t_end); the caller says why. */
static void too_short(struct mtan_growth *g, const struct series *s, double t_end, int64_t *s0, int64_t *s1)
{
	memset(&g->v, 0, sizeof(g->v));
	g->v.verdict = MTAN_TOO_SHORT;
	g->v.plateau_t = NAN;
	g->v.start_t = s->t[0];
	g->v.end_t = t_end;
	*s0 = s->seq[0];
	*s1 = s->seq[s->n - 1];
	g->start_bytes = (long long)s->bytes[0];
	g->end_bytes = (long long)s->bytes[s->n - 1];
}

/* Judges one scope (g's device, space and pid set) in window w; *judged 0 when the scope
 * has nothing in the window. Fills g and the two seqs its sites are compared at. */
static int judge_scope(sqlite3 *db, struct stmts *q, const struct win *wn, struct mtan_growth *g,
		       struct series *s, struct series *m, char *mark, size_t mark_size, int64_t *s0, int64_t *s1,
		       int *judged)
{
	const struct mtan_window *w = wn->w;
	int64_t trace_end, cut = INT64_MAX, cut_ns = 0, until = w->until, times;
	int found;
	*judged = 0;
	series_clear(s);
	series_clear(m);
	sqlite3_reset(q->end);
	if (one_int(db, q->end, 0, 0, &trace_end, NULL))
		return -1;
	/* teardown: a device's close ends the judged part */
	if (g->device != -1) {
		sqlite3_reset(q->close);
		sqlite3_bind_int64(q->close, 1, g->device);
		bind_pid(q->close, 2, g->pid);
		sqlite3_bind_int64(q->close, 3, w->has_since ? w->since : 0);
		sqlite3_bind_int64(q->close, 4, until);
		if (one_int(db, q->close, 0, INT64_MAX, &cut, &found))
			return -1;
		if (found) {
			cut_ns = sqlite3_column_int64(q->close, 1);
			until = cut - 1;
		}
	}
	/* the window's start: its own time, else its first allocation's */
	double t_start = NAN, t_end;
	if (wn->has[0]) {
		t_start = (double)wn->ns[0];
	} else if (w->has_since) {
		int64_t at;
		sqlite3_reset(q->alloc_time);
		sqlite3_bind_int64(q->alloc_time, 1, w->id_lo);
		if (one_int(db, q->alloc_time, 0, trace_end, &at, NULL))
			return -1;
		t_start = (double)at;
	}
	if (w->has_since) {
		sqlite3_reset(q->before);
		sqlite3_bind_int64(q->before, 1, g->device);
		sqlite3_bind_text(q->before, 2, g->space, -1, SQLITE_TRANSIENT);
		bind_pid(q->before, 3, g->pid);
		sqlite3_bind_int64(q->before, 4, w->since);
		if (read_rows(db, q->before, s, 0))
			return -1;
		if (s->n) /* the state carried into the window */
			s->t[0] = t_start > s->t[0] ? t_start : s->t[0];
	}
	bind_scope(q->series, g, w->has_since ? w->since : 0, until);
	if (read_rows(db, q->series, s, 0))
		return -1;
	if (!s->n)
		return 0;
	*judged = 1;
	t_end = cut < INT64_MAX ? (double)cut_ns : wn->has[1] ? (double)wn->ns[1] : (double)trace_end;
	if (t_end < s->t[s->n - 1])
		t_end = s->t[s->n - 1];
	/* the signal: distinct times, and the marks that recur */
	sqlite3_reset(q->times);
	sqlite3_bind_int64(q->times, 1, g->device);
	sqlite3_bind_text(q->times, 2, g->space, -1, SQLITE_TRANSIENT);
	bind_pid(q->times, 3, g->pid);
	sqlite3_bind_int64(q->times, 4, until);
	if (one_int(db, q->times, 0, 0, &times, NULL))
		return -1;
	bind_scope(q->marks, g, wn->has[0] ? 0 : w->has_since ? w->since : 0, until);
	if (read_rows(db, q->marks, m, 1))
		return -1;
	if (wn->has[0]) { /* a time window: the marks from its time on */
		size_t k = 0;
		while (k < m->n && m->t[k] < (double)wn->ns[0])
			k++;
		if (k) {
			for (size_t i = 0; i < k; i++)
				free(m->label[i]);
			memmove(m->t, m->t + k, (m->n - k) * sizeof(*m->t));
			memmove(m->seq, m->seq + k, (m->n - k) * sizeof(*m->seq));
			memmove(m->bytes, m->bytes + k, (m->n - k) * sizeof(*m->bytes));
			memmove(m->blocks, m->blocks + k, (m->n - k) * sizeof(*m->blocks));
			memmove(m->label, m->label + k, (m->n - k) * sizeof(*m->label));
			m->n -= k;
		}
	}
	pick_mark(m, mark, mark_size);
	g->times = times;
	g->marks = (long long)m->n;
	if (m->n >= MIN_MARKS) {
		double *x = malloc(m->n * sizeof(*x));
		if (!x) {
			mtan_err("out of memory");
			return -1;
		}
		for (size_t i = 0; i < m->n; i++)
			x[i] = (double)i;
		int rc = mtan_growth_points(x, m->bytes, m->blocks, m->n, &g->v);
		free(x);
		if (rc) {
			mtan_err("out of memory");
			return -1;
		}
		size_t a = (size_t)g->v.start_t, b = (size_t)g->v.end_t;
		if (b >= m->n)
			b = m->n - 1;
		g->mark = mark;
		g->per_mark = whole(g->v.rate);
		if (mark_rate(m, a, b, &g->v.rate)) {
			mtan_err("out of memory");
			return -1;
		}
		if (!isnan(g->v.plateau_t)) {
			size_t p = (size_t)g->v.plateau_t;
			g->v.plateau_t = m->t[p < m->n ? p : m->n - 1];
		}
		g->v.start_t = m->t[a];
		g->v.end_t = m->t[b];
		*s0 = m->seq[a];
		*s1 = m->seq[b];
		g->start_bytes = (long long)m->bytes[a];
		g->end_bytes = (long long)m->bytes[b];
		return 0;
	}
	if (times < MIN_TIMES) {
		too_short(g, s, t_end, s0, s1);
		snprintf(g->reason, sizeof g->reason,
			 "%lld distinct %s and %s: %d of either are needed", (long long)times, times == 1 ? "time" : "times",
			 m->n ? "too few recurrences of a mark" : "no repeated mark", MIN_TIMES);
		return 0;
	}
	/* interpolated times resolve no finer than the collector's clock readings: a series
	 * over fewer of them (a run of a few ms) cannot tell a warm-up from growth */
	int64_t readings = 0, span = 0;
	sqlite3_reset(q->clock);
	if (sqlite3_step(q->clock) == SQLITE_ROW) {
		readings = sqlite3_column_int64(q->clock, 0);
		span = sqlite3_column_int64(q->clock, 1);
	}
	if (readings > 1 && span > 0) {
		double seen = (double)readings * (t_end - s->t[0]) / (double)span;
		if (seen < MIN_TIMES) {
			too_short(g, s, t_end, s0, s1);
			snprintf(g->reason, sizeof g->reason,
				 "%.1f ms, about %.0f of the recorder's clock readings, and %s: %d of either are needed",
				 (t_end - s->t[0]) / 1e6, seen, m->n ? "too few recurrences of a mark" : "no repeated mark",
				 MIN_TIMES);
			return 0;
		}
	}
	struct mtan_series in = {s->t, s->bytes, s->blocks, s->n, t_end};
	if (mtan_growth_verdict(&in, &g->v)) {
		mtan_err("out of memory");
		return -1;
	}
	if (g->v.verdict == MTAN_TOO_SHORT)
		snprintf(g->reason, sizeof g->reason, "no time passed in the window");
	size_t a = point_at(s, g->v.start_t), b = point_at(s, g->v.end_t);
	*s0 = s->seq[a];
	*s1 = s->seq[b];
	g->start_bytes = (long long)s->bytes[a];
	g->end_bytes = (long long)s->bytes[b];
	return 0;
}

int mtan_growth(sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w, mtan_growth_fn fn, void *ctx)
{
	struct series s = {0}, m = {0};
	struct stmts q = {0};
	int ret = -1, rc, any = 0;
	if (mtan_prepare(db, "growth", "scopes", &q.scopes) || mtan_prepare(db, "growth", "before", &q.before) ||
	    mtan_prepare(db, "growth", "series", &q.series) || mtan_prepare(db, "growth", "times", &q.times) ||
	    mtan_prepare(db, "growth", "close", &q.close) || mtan_prepare(db, "growth", "end", &q.end) ||
	    mtan_prepare(db, "growth", "alloc_time", &q.alloc_time) || mtan_prepare(db, "growth", "marks", &q.marks) ||
	    mtan_prepare(db, "growth", "sites", &q.sites) || mtan_prepare(db, "growth", "clock", &q.clock))
		goto out;
	struct win wn = {w, {0, 0}, {0, 0}};
	if (mtan_window_ns(db, o, wn.ns, wn.has))
		goto out;
	mtan_bind_scope(q.scopes, o, w);
	while ((rc = sqlite3_step(q.scopes)) == SQLITE_ROW) {
		struct mtan_growth g;
		char mark[128];
		int64_t s0 = 0, s1 = 0;
		int judged;
		memset(&g, 0, sizeof g);
		g.device = sqlite3_column_int64(q.scopes, 0);
		g.space = (const char *)sqlite3_column_text(q.scopes, 1);
		g.pid = o->pid;
		if (judge_scope(db, &q, &wn, &g, &s, &m, mark, sizeof mark, &s0, &s1, &judged))
			goto out;
		if (!judged)
			continue;
		any = 1;
		g.rate = whole(g.v.rate);
		g.has_plateau = g.v.verdict == MTAN_PLATEAU && !isnan(g.v.plateau_t);
		g.plateau_ns = g.has_plateau ? whole(g.v.plateau_t) : 0;
		g.start_ns = whole(g.v.start_t);
		g.end_ns = whole(g.v.end_t);
		int64_t lo0, hi0, lo1, hi1;
		if (mtan_alloc_ids(db, s0 > 65536 ? s0 - 65536 : 0, s0, &lo0, &hi0) ||
		    mtan_alloc_ids(db, s1 > 65536 ? s1 - 65536 : 0, s1, &lo1, &hi1))
			goto out;
		g.start_seq = s0;
		g.end_seq = s1;
		sqlite3_reset(q.sites);
		sqlite3_bind_int64(q.sites, 1, g.device);
		sqlite3_bind_text(q.sites, 2, g.space, -1, SQLITE_TRANSIENT);
		bind_pid(q.sites, 3, o->pid);
		sqlite3_bind_int64(q.sites, 4, s0);
		/* too short: no part was judged, so no site grew over it */
		sqlite3_bind_int64(q.sites, 5, g.v.verdict == MTAN_TOO_SHORT ? s0 : s1);
		sqlite3_bind_int64(q.sites, 6, lo0);
		sqlite3_bind_int64(q.sites, 7, hi0);
		sqlite3_bind_int64(q.sites, 8, lo1);
		sqlite3_bind_int64(q.sites, 9, hi1);
		sqlite3_bind_int64(q.sites, 10, o->limit >= 0 ? o->limit : 10);
		if (fn(ctx, &g, q.sites))
			goto out;
	}
	if (rc != SQLITE_DONE) {
		mtan_sqlerr(db, "cannot read the database");
		goto out;
	}
	/* a run with no allocation at all (/bin/true) still gets its words: too short */
	if (!any && (!o->scope.has_device || o->scope.device == -1) && (!o->scope.space || !strcmp(o->scope.space, "heap"))) {
		struct mtan_growth g;
		int64_t hits = 0;
		sqlite3_stmt *st = NULL;
		/* only when the heap has no row anywhere (not: nothing in this window) */
		if (mtan_prepare(db, "growth", "times", &st))
			goto out;
		sqlite3_bind_int64(st, 1, -1);
		sqlite3_bind_text(st, 2, "heap", -1, SQLITE_STATIC);
		bind_pid(st, 3, o->pid);
		sqlite3_bind_int64(st, 4, INT64_MAX);
		rc = one_int(db, st, 0, 0, &hits, NULL);
		sqlite3_finalize(st);
		if (rc)
			goto out;
		if (!hits) {
			memset(&g, 0, sizeof g);
			g.device = -1;
			g.space = "heap";
			g.pid = o->pid;
			g.v.verdict = MTAN_TOO_SHORT;
			g.v.plateau_t = NAN;
			snprintf(g.reason, sizeof g.reason, "no allocations");
			sqlite3_reset(q.sites);
			sqlite3_clear_bindings(q.sites);
			sqlite3_bind_int64(q.sites, 1, -1);
			sqlite3_bind_text(q.sites, 2, "heap", -1, SQLITE_STATIC);
			bind_pid(q.sites, 3, o->pid);
			sqlite3_bind_int64(q.sites, 10, 0);
			if (fn(ctx, &g, q.sites))
				goto out;
		}
	}
	ret = 0;
out:
	series_release(&s);
	series_release(&m);
	sqlite3_finalize(q.scopes);
	sqlite3_finalize(q.before);
	sqlite3_finalize(q.series);
	sqlite3_finalize(q.times);
	sqlite3_finalize(q.close);
	sqlite3_finalize(q.end);
	sqlite3_finalize(q.alloc_time);
	sqlite3_finalize(q.marks);
	sqlite3_finalize(q.sites);
	sqlite3_finalize(q.clock);
	return ret;
}

/* ------------------------------------------------------------------ as a result */

static const struct mtan_col result_cols[] = {
	{"device", NULL, MTAN_K_DEVICE}, {"space", NULL, MTAN_K_TEXT}, {"pid", NULL, MTAN_K_INT},
	{"verdict", NULL, MTAN_K_TEXT}, {"rate_bytes_per_s", NULL, MTAN_K_INT},
	{"plateau_ns", NULL, MTAN_K_INT}, {"start_ns", NULL, MTAN_K_INT}, {"end_ns", NULL, MTAN_K_INT},
	{"z", NULL, MTAN_K_REAL2}, {"start_bytes", NULL, MTAN_K_INT}, {"end_bytes", NULL, MTAN_K_INT},
	{"axis", NULL, MTAN_K_TEXT}, {"mark", NULL, MTAN_K_TEXT}, {"points", NULL, MTAN_K_INT},
	{"rate_bytes_per_mark", NULL, MTAN_K_INT}, {"reason", NULL, MTAN_K_TEXT}, {"sites", NULL, MTAN_K_TEXT},
};
#define NRESULT (int)(sizeof(result_cols) / sizeof(result_cols[0]))

struct collect {
	sqlite3 *db;
	const struct mtan_opts *o;
	struct mtan_result *r;
};

/* A scope's growing sites: growth_bytes, growth_blocks, live_bytes, pid, frames, site. */
static struct mtan_result *site_rows(sqlite3 *db, const struct mtan_opts *o, sqlite3_stmt *st)
{
	static const struct mtan_col cols[] = {
		{"growth_bytes", NULL, MTAN_K_INT}, {"growth_blocks", NULL, MTAN_K_INT}, {"live_bytes", NULL, MTAN_K_INT},
		{"pid", NULL, MTAN_K_INT}, {"frames", NULL, MTAN_K_TEXT}, {"site", NULL, MTAN_K_INT},
	};
	struct mtan_result *s = mtan_result_new(cols, 6);
	int rc;
	if (!s) {
		mtan_err("out of memory");
		return NULL;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 2; i <= 4; i++)
			mtan_result_int(s, sqlite3_column_int64(st, i));
		mtan_result_int(s, sqlite3_column_int64(st, 0));
		if (mtan_frame_cells(s, db, o, sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 1))) {
			mtan_result_free(s);
			return NULL;
		}
	}
	if (rc != SQLITE_DONE) {
		mtan_sqlerr(db, "cannot read the database");
		mtan_result_free(s);
		return NULL;
	}
	if (mtan_result_ok(s)) {
		mtan_result_free(s);
		return NULL;
	}
	return s;
}

static void int_or_null(struct mtan_result *r, int has, long long v)
{
	if (has)
		mtan_result_int(r, v);
	else
		mtan_result_null(r);
}

static int add_scope(void *ctx, const struct mtan_growth *g, sqlite3_stmt *sites)
{
	struct collect *c = ctx;
	struct mtan_result *r = c->r, *s;
	const struct mtan_verdict *v = &g->v;
	mtan_result_int(r, g->device);
	mtan_result_text(r, g->space);
	int_or_null(r, g->pid >= 0, g->pid);
	mtan_result_text(r, mtan_verdict_name(v->verdict));
	mtan_result_int(r, g->rate);
	int_or_null(r, g->has_plateau, g->plateau_ns);
	mtan_result_int(r, g->start_ns);
	mtan_result_int(r, g->end_ns);
	mtan_result_real(r, v->z);
	mtan_result_int(r, g->start_bytes);
	mtan_result_int(r, g->end_bytes);
	mtan_result_text(r, g->mark ? "marks" : "time");
	mtan_result_text(r, g->mark);
	mtan_result_int(r, (long long)v->points);
	int_or_null(r, g->mark != NULL, g->per_mark);
	mtan_result_text(r, v->verdict == MTAN_TOO_SHORT ? g->reason : NULL);
	if (!(s = site_rows(c->db, c->o, sites)))
		return -1;
	mtan_result_rows(r, s);
	return 0;
}

int mtan_growth_result(sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w, struct mtan_result **out)
{
	struct collect c = {db, o, mtan_result_new(result_cols, NRESULT)};
	*out = NULL;
	if (!c.r) {
		mtan_err("out of memory");
		return -1;
	}
	mtan_result_show(c.r, NRESULT - 1, MTAN_SHOW_JSON);
	if (mtan_growth(db, o, w, add_scope, &c) || mtan_result_ok(c.r)) {
		mtan_result_free(c.r);
		return -1;
	}
	*out = c.r;
	return 0;
}
