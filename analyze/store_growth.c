/* store_growth.c: the store stage's growth rows: the growth analysis of the whole trace
 * (growth.c) in the tables growth and growth_sites. */
#include "loader.h"
#include "growth.h"
#include "opts.h"
#include "output.h"
#include "scope.h"
#include "sql.h"
#include "trend.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int64_t device_sql(uint32_t d)
{
	return d == MTF_HOST ? -1 : (int64_t)d;
}

/* The growth analysis of the whole trace (growth.c), kept for users' queries: one row per
 * (device, space) over all processes in growth, its growing sites in growth_sites. */
struct growth_store {
	struct loader *L;
	sqlite3_stmt *g, *s;
	int64_t *canonical; /* stacks.canonical by stack id - 1; NULL: sites by growth.sql */
	size_t ncanonical;
};

/* A site of growth.sql's query "sites": a process's stacks that read the same. */
struct gsite {
	int64_t pid, stack; /* stack: stacks.canonical, -1 none (NULL) */
	int64_t at_end, at_start, live_end, live_start;
};

static int by_growth(const void *a, const void *b)
{
	const struct gsite *x = a, *y = b;
	int64_t bx = x->at_end - x->at_start, by = y->at_end - y->at_start;
	int64_t kx = x->live_end - x->live_start, ky = y->live_end - y->live_start;
	if (bx != by)
		return bx > by ? -1 : 1;
	if (kx != ky)
		return kx > ky ? -1 : 1;
	if (x->stack != y->stack) /* NULL (-1) first, as SQL orders it */
		return x->stack < y->stack ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* growth.sql's "sites" from the lifetimes in memory, for a trace of one process (where no
 * two sites tie on its order) whose lifetimes all stayed in memory (none was written while
 * pairing): the same predicate over every lifetime instead of a walk of lifetimes_long and
 * a table look-up per block (1.2 M of them on perl). Its rows, at most 10, into rows; -1 on
 * an error (reported). */
static int growth_sites(struct growth_store *gs, const struct mtan_growth *g, struct gsite *rows, size_t *nrows)
{
	struct loader *L = gs->L;
	struct map m = {0};
	VEC(struct gsite) v = {0};
	int64_t s0 = g->start_seq, s1 = g->v.verdict == MTAN_TOO_SHORT ? g->start_seq : g->end_seq;
	int64_t lo0, hi0, lo1, hi1;
	int ret = -1;
	*nrows = 0;
	if (mtan_alloc_ids(L->db, g->start_seq > 65536 ? g->start_seq - 65536 : 0, g->start_seq, &lo0, &hi0) ||
	    mtan_alloc_ids(L->db, g->end_seq > 65536 ? g->end_seq - 65536 : 0, g->end_seq, &lo1, &hi1))
		goto out;
	for (size_t k = 0; k < L->lts.rows.n; k++) {
		const struct lifetime *l = L->lts.rows.p[k];
		const struct pool *p = &L->pools.p[l->pool];
		int64_t id = l->id, a = (int64_t)l->alloc_seq, e = (int64_t)l->end_seq;
		int ended = l->reason != R_LIVE;
		if (device_sql(p->device) != g->device || p->name < 0 || strcmp(L->names.p[p->name], g->space))
			continue;
		int64_t d = e - a;
		int take = !ended || d > 65536
				   ? a <= s1 && (!ended || e > s1 || e > s0)
				   : ((id >= lo0 && id <= hi0) || (id >= lo1 && id <= hi1)) &&
					     ((a <= s0 && e > s0) || (a <= s1 && e > s1));
		if (!take)
			continue;
		int at_end = a <= s1 && (!ended || e > s1), at_start = a <= s0 && (!ended || e > s0);
		int64_t stack = l->alloc_stack && l->alloc_stack <= gs->ncanonical ? gs->canonical[l->alloc_stack - 1] : -1;
		int isnew;
		uint32_t *x = map_at(&m, p->pid, (uint64_t)stack, &isnew);
		if (!x)
			goto nomem;
		if (isnew) {
			struct gsite *r = VEC_PUSH(v);
			if (!r)
				goto nomem;
			r->pid = p->pid;
			r->stack = stack;
			*x = (uint32_t)(v.n - 1);
		}
		struct gsite *r = &v.p[*x];
		r->at_end += at_end ? (int64_t)l->size : 0;
		r->at_start += at_start ? (int64_t)l->size : 0;
		r->live_end += at_end;
		r->live_start += at_start;
	}
	size_t n = 0;
	for (size_t k = 0; k < v.n; k++) /* HAVING bytes > 0 */
		if (v.p[k].at_end - v.p[k].at_start > 0)
			v.p[n++] = v.p[k];
	if (n)
		qsort(v.p, n, sizeof(*v.p), by_growth);
	*nrows = n < 10 ? n : 10;
	if (*nrows)
		memcpy(rows, v.p, *nrows * sizeof(*rows));
	ret = 0;
	goto out;
nomem:
	mtan_err("'%s': out of memory", L->trace);
out:
	free(v.p);
	mtan_ld_map_release(&m);
	if (ret)
		L->reported = 1;
	return ret;
}

/* stacks.canonical of every stack, when the trace has one process and every lifetime is
 * in memory: growth_sites can stand in for growth.sql's query. 0, or -1 on an error. */
static int growth_prepare(struct growth_store *gs)
{
	struct loader *L = gs->L;
	sqlite3_stmt *st = NULL;
	if (L->lts.flushed)
		return 0;
	for (size_t k = 1; k < L->pools.n; k++)
		if (L->pools.p[k].pid != L->pools.p[0].pid)
			return 0;
	if (!(gs->canonical = malloc((L->stacks.n ? L->stacks.n : 1) * sizeof(*gs->canonical))) ||
	    sqlite3_prepare_v2(L->db, "SELECT id, canonical FROM stacks", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	gs->ncanonical = L->stacks.n;
	for (size_t k = 0; k < gs->ncanonical; k++)
		gs->canonical[k] = -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		if (id >= 1 && (uint64_t)id <= gs->ncanonical)
			gs->canonical[id - 1] = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 0;
	st = NULL;
fail:
	sqlite3_finalize(st);
	mtan_sqlerr(L->db, "cannot read the database");
	L->reported = 1;
	return -1;
}

static int store_growth(void *ctx, const struct mtan_growth *g, sqlite3_stmt *sites)
{
	struct growth_store *gs = ctx;
	sqlite3_stmt *st = gs->g;
	sqlite3_bind_int64(st, 1, g->device);
	sqlite3_bind_text(st, 2, g->space, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, mtan_verdict_name(g->v.verdict), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, g->rate);
	mtan_ld_bind_opt(st, 5, g->has_plateau, g->plateau_ns);
	sqlite3_bind_int64(st, 6, g->start_ns);
	sqlite3_bind_int64(st, 7, g->end_ns);
	sqlite3_bind_double(st, 8, g->v.z);
	sqlite3_bind_int64(st, 9, g->start_bytes);
	sqlite3_bind_int64(st, 10, g->end_bytes);
	sqlite3_bind_text(st, 11, g->mark ? "marks" : "time", -1, SQLITE_STATIC);
	if (g->mark)
		sqlite3_bind_text(st, 12, g->mark, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 12);
	sqlite3_bind_int64(st, 13, (int64_t)g->v.points);
	mtan_ld_bind_opt(st, 14, g->mark != NULL, g->per_mark);
	if (g->v.verdict == MTAN_TOO_SHORT)
		sqlite3_bind_text(st, 15, g->reason, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 15);
	if (mtan_ld_step(gs->L, st))
		return -1;
	int rc, rank = 0;
	if (gs->canonical) {
		struct gsite rows[10];
		size_t n;
		if (growth_sites(gs, g, rows, &n))
			return -1;
		for (size_t k = 0; k < n; k++) {
			st = gs->s;
			sqlite3_bind_int64(st, 1, g->device);
			sqlite3_bind_text(st, 2, g->space, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(st, 3, ++rank);
			sqlite3_bind_int64(st, 4, rows[k].pid);
			mtan_ld_bind_opt(st, 5, rows[k].stack >= 0, rows[k].stack);
			sqlite3_bind_int64(st, 6, rows[k].at_end - rows[k].at_start);
			sqlite3_bind_int64(st, 7, rows[k].live_end - rows[k].live_start);
			sqlite3_bind_int64(st, 8, rows[k].at_end);
			if (mtan_ld_step(gs->L, st))
				return -1;
		}
		return 0;
	}
	while ((rc = sqlite3_step(sites)) == SQLITE_ROW) {
		st = gs->s;
		sqlite3_bind_int64(st, 1, g->device);
		sqlite3_bind_text(st, 2, g->space, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, ++rank);
		sqlite3_bind_int64(st, 4, sqlite3_column_int64(sites, 0));
		if (sqlite3_column_type(sites, 1) == SQLITE_NULL)
			sqlite3_bind_null(st, 5);
		else
			sqlite3_bind_int64(st, 5, sqlite3_column_int64(sites, 1));
		sqlite3_bind_int64(st, 6, sqlite3_column_int64(sites, 2));
		sqlite3_bind_int64(st, 7, sqlite3_column_int64(sites, 3));
		sqlite3_bind_int64(st, 8, sqlite3_column_int64(sites, 4));
		if (mtan_ld_step(gs->L, st))
			return -1;
	}
	return rc == SQLITE_DONE ? 0 : mtan_sqlerr(gs->L->db, "cannot read the database");
}

int mtan_ld_write_growth(struct loader *L)
{
	struct mtan_opts o;
	struct mtan_window w;
	struct growth_store gs = {L, NULL, NULL, NULL, 0};
	int ret = -1;
	memset(&o, 0, sizeof o);
	memset(&w, 0, sizeof w);
	o.pid = -1;
	o.limit = -1;
	w.until = INT64_MAX;
	if (mtan_prepare(L->db, "load", "growth", &gs.g) || mtan_prepare(L->db, "load", "growth_site", &gs.s) ||
	    growth_prepare(&gs))
		goto out;
	ret = mtan_growth(L->db, &o, &w, store_growth, &gs);
	if (ret)
		L->reported = 1;
out:
	sqlite3_finalize(gs.g);
	sqlite3_finalize(gs.s);
	free(gs.canonical);
	return ret;
}

