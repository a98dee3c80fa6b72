/* chart.c: what the charts of live bytes show, for the report's SVG (report_chart.c) and
 * the terminal's `mtan timeline`: each device's and space's series from every change of
 * live bytes (allocations, frees, device close, exec, and a process's exit), cut into
 * columns over an axis by time or by event order; round ticks; marks grouped by label. */
#include "chart.h"
#include "db.h"
#include "opts.h"
#include "output.h"
#include "scope.h"
#include "sql.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Above this many blocks the series come from the loader's timeline (4096 time buckets)
 * rather than event by event. */
#define EXACT_MAX_LIFETIMES 2000000

static struct mtan_chart_series *series_of(struct mtan_charts *c, long long device, const char *space)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->s[i].device == device && !strcmp(c->s[i].space, space))
			return &c->s[i];
	return NULL;
}

static int push(struct mtan_chart_series *s, int64_t seq, int64_t ns, int64_t live, int64_t max, int exit)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct mtan_pt *p = realloc(s->p, cap * sizeof(*p));
		if (!p)
			return -1;
		s->p = p;
		s->cap = cap;
	}
	struct mtan_pt *p = &s->p[s->n++];
	p->seq = seq;
	p->ns = ns;
	p->live = live;
	p->max = max;
	p->exit = exit;
	if (max > s->peak)
		s->peak = max;
	if (!exit)
		s->held = live;
	return 0;
}

/* The scopes, each with its capacity where known, and the devices' lives. */
static int load_spaces(sqlite3 *db, const struct mtan_opts *o, struct mtan_charts *c)
{
	sqlite3_stmt *st;
	int rc;
	if (mtan_prepare(db, "chart", "spaces", &st))
		return -1;
	mtan_bind_scope(st, o, NULL);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct mtan_chart_series *s = realloc(c->s, (c->n + 1) * sizeof(*s));
		if (!s)
			goto nomem;
		c->s = s;
		s = &c->s[c->n];
		memset(s, 0, sizeof(*s));
		s->device = sqlite3_column_int64(st, 0);
		s->capacity = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 2);
		s->life_seq0 = s->life_seq1 = s->life_ns0 = s->life_ns1 = s->base_seq = -1;
		const char *name = (const char *)sqlite3_column_text(st, 1);
		if (!(s->space = strdup(name ? name : "")))
			goto nomem;
		c->n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return mtan_sqlerr(db, "cannot read the database");
	if (mtan_prepare(db, "chart", "lives", &st))
		return -1;
	mtan_bind_common(st, o);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		for (size_t i = 0; i < c->n; i++) {
			struct mtan_chart_series *s = &c->s[i];
			if (s->device != sqlite3_column_int64(st, 0) || sqlite3_column_type(st, 1) == SQLITE_NULL)
				continue;
			s->life_seq0 = sqlite3_column_int64(st, 1);
			s->life_ns0 = sqlite3_column_int64(st, 2);
			if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
				s->life_seq1 = sqlite3_column_int64(st, 3);
				s->life_ns1 = sqlite3_column_int64(st, 4);
			}
			if (sqlite3_column_type(st, 5) != SQLITE_NULL)
				s->base_seq = sqlite3_column_int64(st, 5);
		}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : mtan_sqlerr(db, "cannot read the database");
nomem:
	sqlite3_finalize(st);
	mtan_err("out of memory");
	return -1;
}

int mtan_charts_load(sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w, struct mtan_charts *c)
{
	sqlite3_stmt *st;
	int rc;
	memset(c, 0, sizeof(*c));
	if (load_spaces(db, o, c))
		return -1;
	c->exact = mtan_meta_int(db, "lifetimes", 0) <= EXACT_MAX_LIFETIMES;
	if ((c->coarse = mtan_coarse_times(db)) < 0)
		return -1;
	if (mtan_prepare(db, "chart", c->exact ? "events" : "buckets", &st))
		return -1;
	mtan_bind_scope(st, o, NULL);
	int64_t since = w ? w->since : 0, until = w ? w->until : INT64_MAX;
	c->seq0 = c->ns0 = INT64_MAX;
	c->seq1 = c->ns1 = INT64_MIN;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 3);
		struct mtan_chart_series *s = series_of(c, sqlite3_column_int64(st, 2), name ? name : "");
		if (!s)
			continue;
		int64_t seq = sqlite3_column_int64(st, 0), ns = sqlite3_column_int64(st, 1), live, max;
		int exit = 0;
		if (c->exact) {
			int64_t d = sqlite3_column_int64(st, 4);
			exit = sqlite3_column_int(st, 5);
			s->live += d;
			live = s->live;
			max = live; /* one event: the level after it is the most within */
		} else {
			live = sqlite3_column_int64(st, 4);
			max = sqlite3_column_int64(st, 5);
		}
		if (seq > until)
			continue;
		if (seq < since) { /* before the window: only where the level stands as it opens */
			s->before = live;
			continue;
		}
		if (push(s, seq, ns, live, max, exit)) {
			sqlite3_finalize(st);
			mtan_err("out of memory");
			return -1;
		}
		c->seq0 = seq < c->seq0 ? seq : c->seq0;
		c->seq1 = seq > c->seq1 ? seq : c->seq1;
		c->ns0 = ns < c->ns0 ? ns : c->ns0;
		c->ns1 = ns > c->ns1 ? ns : c->ns1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return mtan_sqlerr(db, "cannot read the database");
	/* the run reaches the marks too */
	if (mtan_prepare(db, "chart", "marks_span", &st))
		return -1;
	mtan_bind_common(st, o);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":since"), since);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":until"), until);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL && c->seq0 <= c->seq1) {
		int64_t v[4];
		for (int i = 0; i < 4; i++)
			v[i] = sqlite3_column_int64(st, i);
		c->seq0 = v[0] < c->seq0 ? v[0] : c->seq0;
		c->seq1 = v[1] > c->seq1 ? v[1] : c->seq1;
		c->ns0 = v[2] < c->ns0 ? v[2] : c->ns0;
		c->ns1 = v[3] > c->ns1 ? v[3] : c->ns1;
	}
	sqlite3_finalize(st);
	if (c->seq0 > c->seq1)
		c->seq0 = c->seq1 = c->ns0 = c->ns1 = 0;
	/* scopes with nothing in the window have no chart */
	size_t k = 0;
	for (size_t i = 0; i < c->n; i++) {
		if (c->s[i].n)
			c->s[k++] = c->s[i];
		else {
			free(c->s[i].space);
			free(c->s[i].p);
			free(c->s[i].col);
		}
	}
	c->n = k;
	return 0;
}

void mtan_charts_release(struct mtan_charts *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->s[i].space);
		free(c->s[i].p);
		free(c->s[i].col);
	}
	free(c->s);
	memset(c, 0, sizeof(*c));
}

/* The part of the run a series' chart spans: the whole run, or where a device lived only a
 * small part of it, its life (a little either side, so its first allocations and the drop
 * at its close stand clear of the frame); by time, or by event order where its events
 * crowd into a few instants of a coarse clock (mtan_coarse_times: times that do not
 * resolve; interpolated or precise times always do). */
static void choose_axis(const struct mtan_charts *c, struct mtan_chart_series *s, int ncols)
{
	double seq0 = (double)c->seq0, seq1 = (double)c->seq1, ns0 = (double)c->ns0, ns1 = (double)c->ns1;
	s->own_span = 0;
	if (s->device != -1 && s->life_seq0 >= 0) {
		double a = (double)s->life_seq0, b = s->life_seq1 >= 0 ? (double)s->life_seq1 : seq1;
		double ta = (double)s->life_ns0, tb = s->life_seq1 >= 0 ? (double)s->life_ns1 : ns1;
		/* the device's own events (every space) may reach outside what it declared */
		for (size_t j = 0; j < c->n; j++) {
			const struct mtan_chart_series *o = &c->s[j];
			if (o->device != s->device)
				continue;
			a = fmin(a, (double)o->p[0].seq);
			ta = fmin(ta, (double)o->p[0].ns);
			b = fmax(b, (double)o->p[o->n - 1].seq);
			tb = fmax(tb, (double)o->p[o->n - 1].ns);
		}
		if (b - a < 0.5 * (seq1 - seq0) || tb - ta < 0.5 * (ns1 - ns0)) {
			double pad = (b - a) * 0.04 + 1, tpad = (tb - ta) * 0.04;
			s->life[0] = a;
			s->life[1] = b;
			s->life[2] = ta;
			s->life[3] = tb;
			seq0 = fmax(seq0, a - pad);
			seq1 = b + pad;
			ns0 = fmax(ns0, ta - tpad);
			ns1 = tb + tpad;
			s->own_span = 1;
		}
	}
	if (!s->own_span) { /* room after the last event: the level it leaves stands clear */
		seq1 += (seq1 - seq0) * 0.03 + 1;
		ns1 += (ns1 - ns0) * 0.03;
	}
	/* how many columns by time the points in the span fall in: those of every space of
	 * the device, so that its charts share one axis */
	int used = 0;
	size_t in = 0;
	for (size_t j = 0; j < c->n; j++) {
		const struct mtan_chart_series *o = &c->s[j];
		int last = -1;
		if (o->device != s->device)
			continue;
		for (size_t i = 0; i < o->n; i++) {
			const struct mtan_pt *p = &o->p[i];
			if ((double)p->seq < seq0 || (double)p->seq > seq1)
				continue;
			in++;
			int col = ns1 > ns0 ? (int)(((double)p->ns - ns0) / (ns1 - ns0) * ncols) : 0;
			if (col != last)
				used++;
			last = col;
		}
	}
	s->by_seq = ns1 <= ns0 || (c->coarse && used < 32 && in >= 4 * (size_t)used);
	s->x0 = s->by_seq ? seq0 : ns0;
	s->x1 = s->by_seq ? seq1 : ns1;
	if (s->x1 <= s->x0)
		s->x1 = s->x0 + 1;
}

int mtan_series_columns(const struct mtan_charts *c, struct mtan_chart_series *s, int ncols)
{
	free(s->col);
	if (!(s->col = calloc((size_t)ncols, sizeof(*s->col)))) {
		mtan_err("out of memory");
		return -1;
	}
	s->ncols = ncols;
	choose_axis(c, s, ncols);
	int64_t live = s->before;
	for (size_t i = 0; i < s->n; i++) {
		const struct mtan_pt *p = &s->p[i];
		double x = s->by_seq ? (double)p->seq : (double)p->ns;
		if (x < s->x0) {
			live = p->live;
			continue;
		}
		if (x > s->x1)
			break;
		int k = (int)((x - s->x0) / (s->x1 - s->x0) * ncols);
		k = k < 0 ? 0 : k >= ncols ? ncols - 1 : k;
		struct mtan_chart_col *col = &s->col[k];
		if (!col->used) {
			col->used = 1;
			col->in = col->lo = col->hi = live;
		}
		col->hi = p->max > col->hi ? p->max : col->hi;
		col->hi = p->live > col->hi ? p->live : col->hi;
		col->lo = p->live < col->lo ? p->live : col->lo;
		col->out = live = p->live;
	}
	s->start = s->before;
	for (size_t i = 0; i < s->n && (s->by_seq ? (double)s->p[i].seq : (double)s->p[i].ns) < s->x0; i++)
		s->start = s->p[i].live;
	return 0;
}

/* Where the level settles: from the end of the device's setup (its baseline, else where the
 * line first reaches 90% of its peak) to its close (else the end, or a process's exit), the
 * least level and the most. 1 when the movement there is small against the peak (under a
 * tenth of it, and some), so that a chart above that floor shows what the main one flattens:
 * a device's tensors going up and down on top of its 15 MiB of system buffers. */
int mtan_series_settled(const struct mtan_chart_series *s, int64_t *lo, int64_t *hi)
{
	size_t i = 0;
	if (!s->n || s->peak <= 0)
		return 0;
	if (s->base_seq >= 0) {
		while (i < s->n && s->p[i].seq <= s->base_seq)
			i++;
		if (!i) /* the window opens after the setup */
			*lo = *hi = s->before;
		else
			*lo = *hi = s->p[i - 1].live;
	} else {
		while (i < s->n && (double)s->p[i].live < 0.9 * (double)s->peak)
			i++;
		if (i == s->n)
			return 0;
		*lo = *hi = s->p[i++].live;
	}
	for (; i < s->n; i++) {
		const struct mtan_pt *p = &s->p[i];
		if (p->exit || (s->life_seq1 >= 0 && p->seq >= s->life_seq1))
			break;
		*lo = p->live < *lo ? p->live : *lo;
		*hi = p->max > *hi ? p->max : *hi;
		*hi = p->live > *hi ? p->live : *hi;
	}
	return *hi > *lo && (double)(*hi - *lo) < 0.1 * (double)s->peak;
}

/* ------------------------------------------------------------------ ticks */

/* A round step (1, 2, 2.5 or 5 times a power of ten) that cuts span into about want. */
double mtan_nice_step(double span, int want)
{
	if (!(span > 0) || want < 1)
		return 1;
	double raw = span / want, mag = pow(10, floor(log10(raw))), f = raw / mag;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
}

/* The unit sizes are shown in, chosen by the largest value on an axis: the largest power
 * of 1024 it reaches. */
static int size_unit(double top, double *unit)
{
	int u = 0;
	*unit = 1;
	while (top >= *unit * 1024 && u < 4) {
		*unit *= 1024;
		u++;
	}
	return u;
}

/* The decimals a step needs to print its multiples exactly (0.25 -> 2). */
static int decimals(double step)
{
	int d = 0;
	while (d < 6 && fabs(step * pow(10, d) - round(step * pow(10, d))) > 1e-6 * fmax(1, step * pow(10, d)))
		d++;
	return d;
}

double mtan_size_axis(double peak, int want, double *step)
{
	double unit, best = 0;
	peak = peak > 0 ? peak : 1;
	size_unit(peak, &unit);
	/* of the round steps near peak / want, the one whose top is nearest above the peak,
	 * in at most want + 2 steps (and of those, in nearest want steps) */
	for (int k = -2; k <= 2; k++) {
		double st = mtan_nice_step(peak / unit * pow(1.6, k), want) * unit;
		double top = ceil(peak / st - 1e-9) * st;
		if (top / st <= want + 2 && (!best || top < best ||
					    (top == best && fabs(top / st - want) < fabs(best / *step - want)))) {
			best = top;
			*step = st;
		}
	}
	return best;
}

char *mtan_size_tick(char *buf, double v, double top, double step)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double unit;
	int u = size_unit(top, &unit);
	snprintf(buf, 32, "%.*f %s", decimals(step / unit), v / unit, units[u]);
	return buf;
}

char *mtan_time_tick(char *buf, double ns, double hi, double step)
{
	static const char *const units[] = {"ns", "us", "ms", "s"};
	double unit = 1;
	int u = 0;
	while (u < 3 && hi >= unit * 1000) {
		unit *= 1000;
		u++;
	}
	snprintf(buf, 32, "%.*f %s", decimals(step / unit), ns / unit, units[u]);
	return buf;
}

/* ------------------------------------------------------------------ marks */

/* A label's family: the label without a trailing number ("round 12" -> "round "), so
 * "round 0", "round 1", ... are one group (and "open" stays apart from "open2"): its
 * length, and in *numbered whether a number was taken off. */
static size_t family_len(const char *label, int *numbered)
{
	size_t n = strlen(label), k = n;
	while (k > 0 && isdigit((unsigned char)label[k - 1]))
		k--;
	*numbered = k < n && k > 0;
	return *numbered ? k : n;
}

int mtan_marks_load(sqlite3 *db, const struct mtan_opts *o, struct mtan_marks *m)
{
	sqlite3_stmt *st;
	int rc;
	memset(m, 0, sizeof(*m));
	if (mtan_prepare(db, "chart", "marks", &st))
		return -1;
	mtan_bind_common(st, o);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *label = (const char *)sqlite3_column_text(st, 2);
		label = label ? label : "";
		int numbered;
		size_t fl = family_len(label, &numbered), g;
		for (g = 0; g < m->ng; g++)
			if (m->g[g].family_len == fl && m->g[g].numbered == numbered &&
			    !strncmp(m->g[g].first_label, label, fl))
				break;
		if (g == m->ng) {
			struct mtan_mark_group *q = realloc(m->g, (m->ng + 1) * sizeof(*q));
			if (!q)
				goto nomem;
			m->g = q;
			q = &m->g[m->ng];
			memset(q, 0, sizeof(*q));
			q->family_len = fl;
			q->numbered = numbered;
			if (!(q->first_label = strdup(label)))
				goto nomem;
			q->first_seq = sqlite3_column_int64(st, 0);
			q->first_ns = sqlite3_column_int64(st, 1);
			m->ng++;
		}
		struct mtan_mark_group *q = &m->g[g];
		char *last = strdup(label);
		if (!last)
			goto nomem;
		free(q->last_label);
		q->last_label = last;
		q->last_seq = sqlite3_column_int64(st, 0);
		q->last_ns = sqlite3_column_int64(st, 1);
		q->count++;
		if (strcmp(q->first_label, label))
			q->family = 1;
		struct mtan_mark *k = realloc(m->m, (m->n + 1) * sizeof(*k));
		if (!k)
			goto nomem;
		m->m = k;
		k = &m->m[m->n++];
		k->seq = sqlite3_column_int64(st, 0);
		k->ns = sqlite3_column_int64(st, 1);
		k->group = (int)g;
		if (!(k->label = strdup(label))) {
			m->n--;
			goto nomem;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : mtan_sqlerr(db, "cannot read the database");
nomem:
	sqlite3_finalize(st);
	mtan_err("out of memory");
	return -1;
}

void mtan_marks_release(struct mtan_marks *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		free(m->m[i].label);
	for (size_t i = 0; i < m->ng; i++) {
		free(m->g[i].first_label);
		free(m->g[i].last_label);
	}
	free(m->m);
	free(m->g);
	memset(m, 0, sizeof(*m));
}

char *mtan_mark_group_name(char *buf, size_t size, const struct mtan_mark_group *g)
{
	if (g->family)
		snprintf(buf, size, "%s \xe2\x80\xa6 %s", g->first_label, g->last_label);
	else
		snprintf(buf, size, "%s", g->first_label);
	return buf;
}
