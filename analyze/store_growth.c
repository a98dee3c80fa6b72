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

/* growth.sql's "sites" summed block by block (struct tally), for a trace of one process
 * (where no two sites tie on its order). */
struct tally {
	struct growth_store *gs;
	const struct mtan_growth *g;
	struct map m;
	VEC(struct gsite) v;
	int64_t s0, s1, lo0, hi0, lo1, hi1;
};

/* A block (its pool, id, seqs and whether it ended) counted when "sites" takes it; -1 out of
 * memory. */
static int tally_block(struct tally *t, uint32_t pool, int64_t id, int64_t a, int64_t e, int ended, uint64_t size,
		       uint32_t alloc_stack)
{
	struct loader *L = t->gs->L;
	const struct pool *p = &L->pools.p[pool];
	int64_t s0 = t->s0, s1 = t->s1;
	if (device_sql(p->device) != t->g->device || p->name < 0 || strcmp(L->names.p[p->name], t->g->space))
		return 0;
	int take = !ended || e - a > GROWTH_SHORT
			   ? a <= s1 && (!ended || e > s1 || e > s0)
			   : ((id >= t->lo0 && id <= t->hi0) || (id >= t->lo1 && id <= t->hi1)) &&
				     ((a <= s0 && e > s0) || (a <= s1 && e > s1));
	if (!take)
		return 0;
	int at_end = a <= s1 && (!ended || e > s1), at_start = a <= s0 && (!ended || e > s0);
	const struct growth_store *gs = t->gs;
	int64_t stack = alloc_stack && alloc_stack <= gs->ncanonical ? gs->canonical[alloc_stack - 1] : -1;
	int isnew;
	uint32_t *x = map_at(&t->m, p->pid, (uint64_t)stack, &isnew);
	if (!x)
		return -1;
	if (isnew) {
		struct gsite *r = VEC_PUSH(t->v);
		if (!r)
			return -1;
		r->pid = p->pid;
		r->stack = stack;
		*x = (uint32_t)(t->v.n - 1);
	}
	struct gsite *r = &t->v.p[*x];
	r->at_end += at_end ? (int64_t)size : 0;
	r->at_start += at_start ? (int64_t)size : 0;
	r->live_end += at_end;
	r->live_start += at_start;
	return 0;
}

/* Whether lifetime id is among those still in memory (L->lts.rows, by id). */
static int in_memory(const struct loader *L, int64_t id)
{
	size_t lo = 0, hi = L->lts.rows.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int64_t m = L->lts.rows.p[mid]->id;
		if (m == id)
			return 1;
		if (m < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* The short lifetimes of ids lo..hi written while pairing, read back. 0, 1 out of memory,
 * -1 a database error. */
static int tally_written(struct tally *t, sqlite3_stmt *st, int64_t lo, int64_t hi)
{
	struct loader *L = t->gs->L;
	int rc;
	if (lo > hi)
		return 0;
	sqlite3_bind_int64(st, 1, lo);
	sqlite3_bind_int64(st, 2, hi);
	uint32_t pool = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0), pid = sqlite3_column_int64(st, 1);
		int64_t dev = sqlite3_column_int64(st, 2), space = sqlite3_column_int64(st, 3);
		if (in_memory(L, id)) /* counted from memory */
			continue;
		const struct pool *p = &L->pools.p[pool];
		if (p->pid != pid || device_sql(p->device) != dev || p->space != space) {
			for (pool = 0; pool < L->pools.n; pool++) {
				p = &L->pools.p[pool];
				if (p->pid == pid && device_sql(p->device) == dev && p->space == space)
					break;
			}
			if (pool == L->pools.n) { /* no pool of this load: cannot be */
				pool = 0;
				continue;
			}
		}
		if (tally_block(t, pool, id, sqlite3_column_int64(st, 6), sqlite3_column_int64(st, 7), 1,
				(uint64_t)sqlite3_column_int64(st, 5), (uint32_t)sqlite3_column_int64(st, 4))) {
			sqlite3_reset(st);
			return 1;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* growth.sql's "sites" from the load's own records instead of a walk of lifetimes_long and
 * a table look-up per block (1.2 M of them on perl): the lifetimes still in memory, the long
 * ones written while pairing (L->lts.glong), and the short ones written while pairing that
 * lie in the id ranges just before the window's ends, read back by id. Its rows, at most 10,
 * into rows; -1 on an error (reported). */
static int growth_sites(struct growth_store *gs, const struct mtan_growth *g, struct gsite *rows, size_t *nrows)
{
	struct loader *L = gs->L;
	struct tally t = {.gs = gs, .g = g};
	sqlite3_stmt *st = NULL;
	int ret = -1, rc = 0;
	t.s0 = g->start_seq;
	t.s1 = g->v.verdict == MTAN_TOO_SHORT ? g->start_seq : g->end_seq;
	*nrows = 0;
	if (mtan_alloc_ids(L->db, g->start_seq > GROWTH_SHORT ? g->start_seq - GROWTH_SHORT : 0, g->start_seq, &t.lo0, &t.hi0) ||
	    mtan_alloc_ids(L->db, g->end_seq > GROWTH_SHORT ? g->end_seq - GROWTH_SHORT : 0, g->end_seq, &t.lo1, &t.hi1))
		goto out;
	for (size_t k = 0; k < L->lts.rows.n && !rc; k++) {
		const struct lifetime *l = L->lts.rows.p[k];
		rc = tally_block(&t, l->pool, l->id, (int64_t)l->alloc_seq, (int64_t)l->end_seq, l->reason != R_LIVE,
				 l->size, l->alloc_stack);
	}
	for (size_t k = 0; k < L->lts.glong.n && !rc; k++) {
		const struct glong *l = &L->lts.glong.p[k];
		rc = tally_block(&t, l->pool, l->id, (int64_t)l->alloc_seq, (int64_t)l->end_seq, 1, l->size, l->alloc_stack);
	}
	if (rc)
		goto nomem;
	if (L->lts.flushed) { /* the two id ranges, each row once where they overlap */
		int64_t a0 = t.lo0, b0 = t.hi0, a1 = t.lo1, b1 = t.hi1;
		if (a1 < a0) {
			int64_t x = a0, y = b0;
			a0 = a1, b0 = b1, a1 = x, b1 = y;
		}
		if (a0 <= b0 && a1 <= b0 + 1) {
			b0 = b1 > b0 ? b1 : b0;
			a1 = 1, b1 = 0;
		}
		if (mtan_prepare(L->db, "load", "growth_short", &st))
			goto out;
		rc = tally_written(&t, st, a0, b0);
		if (!rc)
			rc = tally_written(&t, st, a1, b1);
		if (rc > 0)
			goto nomem;
		if (rc < 0) {
			mtan_sqlerr(L->db, "cannot read the database");
			goto out;
		}
	}
	size_t n = 0;
	for (size_t k = 0; k < t.v.n; k++) /* HAVING bytes > 0 */
		if (t.v.p[k].at_end - t.v.p[k].at_start > 0)
			t.v.p[n++] = t.v.p[k];
	if (n)
		qsort(t.v.p, n, sizeof(*t.v.p), by_growth);
	*nrows = n < 10 ? n : 10;
	if (*nrows)
		memcpy(rows, t.v.p, *nrows * sizeof(*rows));
	ret = 0;
	goto out;
nomem:
	mtan_err("'%s': out of memory", L->trace);
out:
	sqlite3_finalize(st);
	free(t.v.p);
	mtan_ld_map_release(&t.m);
	if (ret)
		L->reported = 1;
	return ret;
}

/* stacks.canonical of every stack, when the trace has one process: growth_sites can stand
 * in for growth.sql's query. 0, or -1 on an error. */
static int growth_prepare(struct growth_store *gs)
{
	struct loader *L = gs->L;
	sqlite3_stmt *st = NULL;
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

