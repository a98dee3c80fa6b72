/* growth.c: the growth analysis itself, shared by `mtan growth` (which prints it) and the
 * loader (which keeps the whole trace's in the tables growth and growth_sites): for each
 * (device, space), its timeline judged by trend.c, and the sites whose own live bytes grew
 * over the judged part, found as frag finds a state (SCHEMA.md: lifetimes_long). */
#include "mtan.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct series {
	double *t, *bytes, *blocks;
	int64_t *seq;
	size_t n, cap;
};

static int load_series(sqlite3 *db, sqlite3_stmt *st, struct series *s)
{
	int rc;
	s->n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 1024;
			double *t = realloc(s->t, cap * sizeof(*t)), *b, *k;
			if (t)
				s->t = t;
			b = t ? realloc(s->bytes, cap * sizeof(*b)) : NULL;
			if (b)
				s->bytes = b;
			k = b ? realloc(s->blocks, cap * sizeof(*k)) : NULL;
			if (k)
				s->blocks = k;
			int64_t *q = k ? realloc(s->seq, cap * sizeof(*q)) : NULL;
			if (!q) {
				mtan_err("out of memory");
				return -1;
			}
			s->seq = q;
			s->cap = cap;
		}
		s->t[s->n] = (double)sqlite3_column_int64(st, 0);
		s->seq[s->n] = sqlite3_column_int64(st, 1);
		s->bytes[s->n] = (double)sqlite3_column_int64(st, 2);
		s->blocks[s->n] = (double)sqlite3_column_int64(st, 3);
		s->n++;
	}
	return rc == SQLITE_DONE ? 0 : mtan_sqlerr(db, "cannot read the database");
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

int mtan_growth(sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w, mtan_growth_fn fn, void *ctx)
{
	struct series s = {0};
	sqlite3_stmt *scopes = NULL, *series = NULL, *sites = NULL;
	int ret = -1, rc;
	if (mtan_prepare(db, "growth", "scopes", &scopes) || mtan_prepare(db, "growth", "series", &series) ||
	    mtan_prepare(db, "growth", "sites", &sites))
		goto out;
	mtan_bind_scope(scopes, o, w);
	while ((rc = sqlite3_step(scopes)) == SQLITE_ROW) {
		struct mtan_growth g;
		memset(&g, 0, sizeof g);
		g.device = sqlite3_column_int64(scopes, 0);
		g.space = (const char *)sqlite3_column_text(scopes, 1);
		g.pid = o->pid;
		sqlite3_reset(series);
		sqlite3_bind_int64(series, 1, g.device);
		sqlite3_bind_text(series, 2, g.space, -1, SQLITE_TRANSIENT);
		bind_pid(series, 3, o->pid);
		sqlite3_bind_int64(series, 4, w->since);
		sqlite3_bind_int64(series, 5, w->until);
		if (load_series(db, series, &s))
			goto out;
		if (!s.n)
			continue;
		struct mtan_series in = {s.t, s.bytes, s.blocks, s.n};
		if (mtan_growth_verdict(&in, &g.v)) {
			mtan_err("out of memory");
			goto out;
		}
		g.rate = whole(g.v.rate);
		g.has_plateau = !isnan(g.v.plateau_t);
		g.plateau_ns = g.has_plateau ? whole(g.v.plateau_t) : 0;
		g.start_ns = whole(g.v.start_t);
		g.end_ns = whole(g.v.end_t);
		size_t a = point_at(&s, g.v.start_t), b = point_at(&s, g.v.end_t);
		int64_t lo0, hi0, lo1, hi1, s0 = s.seq[a], s1 = s.seq[b];
		if (mtan_alloc_ids(db, s0 > 65536 ? s0 - 65536 : 0, s0, &lo0, &hi0) ||
		    mtan_alloc_ids(db, s1 > 65536 ? s1 - 65536 : 0, s1, &lo1, &hi1))
			goto out;
		g.start_seq = s0;
		g.end_seq = s1;
		g.start_bytes = (long long)s.bytes[a];
		g.end_bytes = (long long)s.bytes[b];
		sqlite3_reset(sites);
		sqlite3_bind_int64(sites, 1, g.device);
		sqlite3_bind_text(sites, 2, g.space, -1, SQLITE_TRANSIENT);
		bind_pid(sites, 3, o->pid);
		sqlite3_bind_int64(sites, 4, s0);
		sqlite3_bind_int64(sites, 5, s1);
		sqlite3_bind_int64(sites, 6, lo0);
		sqlite3_bind_int64(sites, 7, hi0);
		sqlite3_bind_int64(sites, 8, lo1);
		sqlite3_bind_int64(sites, 9, hi1);
		sqlite3_bind_int64(sites, 10, o->limit >= 0 ? o->limit : 10);
		if (fn(ctx, &g, sites))
			goto out;
	}
	if (rc != SQLITE_DONE) {
		mtan_sqlerr(db, "cannot read the database");
		goto out;
	}
	ret = 0;
out:
	free(s.t);
	free(s.bytes);
	free(s.blocks);
	free(s.seq);
	sqlite3_finalize(scopes);
	sqlite3_finalize(series);
	sqlite3_finalize(sites);
	return ret;
}
