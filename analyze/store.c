/* store.c: the last stage of the load: the rows of anomalies, races, timeline, marks,
 * processes, threads, devices and space statistics (schema: SCHEMA.md; lifetimes and
 * sites: store_lifetimes.c; growth: store_growth.c). */
#include "loader.h"
#include "load.h"
#include "opts.h"
#include "output.h"
#include "sites.h"
#include "sql.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

const char *const mtan_anomaly_kinds[] = {"unmatched_free", "double_free", "alloc_over_live",
					  "reuse_race", NULL};

/* ------------------------------------------------------------------ writing */

static const char *func_text(uint8_t op)
{
	static const char *const alloc[] = {"malloc", "calloc", "realloc", "memalign",
					    "client", "new", "unknown", "unknown"};
	static const char *const dealloc[] = {"free", "free", "realloc", "free",
					      "client", "delete", "unknown", "unknown"};
	return MTF_OP_KIND(op) == MTF_ALLOC ? alloc[MTF_OP_FUNC(op)] : dealloc[MTF_OP_FUNC(op)];
}

static int64_t device_sql(uint32_t d)
{
	return d == MTF_HOST ? -1 : (int64_t)d;
}

void mtan_ld_bind_opt(sqlite3_stmt *st, int i, int present, int64_t v)
{
	if (present)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

int mtan_ld_write_anomalies(struct loader *L)
{
	sqlite3_stmt *st;
	if (mtan_prepare(L->db, "load", "anomaly", &st))
		return -1;
	int ret = -1;
	uint32_t id = 0;
	for (size_t k = 0; k < L->ans.n; k++) {
		struct anomaly *a = &L->ans.p[k];
		struct ev e = a->ev;
		const struct pool *p = &L->pools.p[e.pool];
		if (a->kind == A_DROPPED)
			continue;
		const struct lifetime *l = a->at_lt ? mtan_ld_kept(L, a->at_lt) : NULL;
		if (l) { /* the event is a lifetime's allocation (kept: LT_KEEP) */
			e.seq = l->alloc_seq;
			e.time_ns = l->alloc_ns;
			e.tid = l->tid;
			e.op = l->alloc_op;
			e.size = l->size;
		}
		a->id = ++id;
		sqlite3_bind_int64(st, 1, a->id);
		sqlite3_bind_text(st, 2, kind_text[a->kind], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, p->pid);
		sqlite3_bind_int64(st, 4, device_sql(p->device));
		sqlite3_bind_int64(st, 5, p->space);
		sqlite3_bind_int64(st, 6, (int64_t)e.addr);
		sqlite3_bind_int64(st, 7, (int64_t)e.seq);
		sqlite3_bind_int64(st, 8, (int64_t)e.time_ns);
		sqlite3_bind_int64(st, 9, e.tid);
		sqlite3_bind_text(st, 10, func_text(e.op), -1, SQLITE_STATIC);
		mtan_ld_bind_opt(st, 11, MTF_OP_KIND(e.op) == MTF_ALLOC, (int64_t)e.size);
		mtan_ld_bind_opt(st, 12, a->stack != 0, a->stack);
		mtan_ld_bind_opt(st, 13, a->lifetime != 0, a->lifetime);
		if (mtan_ld_step(L, st))
			goto out;
	}
	L->nanomalies = id;
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

/* After write_anomalies: a race row refers to its reuse_race anomaly by id. */
int mtan_ld_write_races(struct loader *L)
{
	sqlite3_stmt *st;
	if (mtan_prepare(L->db, "load", "race", &st))
		return -1;
	int ret = -1;
	for (size_t k = 0; k < L->races.n; k++) {
		const struct race *r = &L->races.p[k];
		/* both kept (LT_KEEP) */
		const struct lifetime *freed = mtan_ld_kept(L, r->freed + 1), *reuse = mtan_ld_kept(L, r->reuse + 1);
		if (!freed || !reuse) {
			mtan_err("internal error: a race's lifetimes are gone");
			L->reported = 1;
			goto out;
		}
		const struct pool *p = &L->pools.p[reuse->pool];
		/* the late report: late_alloc, the allocation of the block the free ended;
		 * late_free, the free */
		int la = r->form == RACE_LATE_ALLOC;
		uint64_t late_seq = la ? freed->alloc_seq : r->free_seq, late_ns = la ? freed->alloc_ns : r->free_ns;
		uint32_t late_tid = la ? freed->tid : r->free_tid;
		uint64_t seqs[3] = {r->free_seq, reuse->alloc_seq, late_seq}, ns[3] = {r->free_ns, reuse->alloc_ns, late_ns};
		uint64_t first_seq = seqs[0], last_seq = seqs[0], lo = ns[0], hi = ns[0];
		for (int j = 1; j < 3; j++) {
			first_seq = seqs[j] < first_seq ? seqs[j] : first_seq;
			last_seq = seqs[j] > last_seq ? seqs[j] : last_seq;
			lo = ns[j] < lo ? ns[j] : lo;
			hi = ns[j] > hi ? ns[j] : hi;
		}
		int64_t window = (int64_t)(hi - lo);
		sqlite3_bind_int64(st, 1, (int64_t)k + 1);
		sqlite3_bind_int64(st, 2, L->ans.p[r->anomaly].id);
		sqlite3_bind_text(st, 3, race_form_text[r->form], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, p->pid);
		sqlite3_bind_int64(st, 5, device_sql(p->device));
		sqlite3_bind_int64(st, 6, p->space);
		sqlite3_bind_int64(st, 7, (int64_t)reuse->addr);
		sqlite3_bind_int64(st, 8, (int64_t)r->free_seq);
		sqlite3_bind_int64(st, 9, (int64_t)r->free_ns);
		sqlite3_bind_int64(st, 10, r->free_tid);
		sqlite3_bind_int64(st, 11, (int64_t)reuse->alloc_seq);
		sqlite3_bind_int64(st, 12, (int64_t)reuse->alloc_ns);
		sqlite3_bind_int64(st, 13, reuse->tid);
		sqlite3_bind_int64(st, 14, (int64_t)late_seq);
		sqlite3_bind_int64(st, 15, (int64_t)late_ns);
		sqlite3_bind_int64(st, 16, late_tid);
		sqlite3_bind_int64(st, 17, r->freed + 1);
		sqlite3_bind_int64(st, 18, r->reuse + 1);
		sqlite3_bind_int64(st, 19, (int64_t)first_seq);
		sqlite3_bind_int64(st, 20, (int64_t)last_seq);
		sqlite3_bind_int64(st, 21, window);
		if (mtan_ld_step(L, st))
			goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

int mtan_ld_write_timeline(struct loader *L)
{
	sqlite3_stmt *st;
	if (mtan_prepare(L->db, "load", "timeline", &st))
		return -1;
	int ret = -1;
	for (size_t k = 0; k < L->tl.n; k++) {
		const struct tl_row *r = &L->tl.p[k];
		const struct track *t = &L->tracks.p[r->track];
		mtan_ld_bind_opt(st, 1, !(t->scope & T_ALL_PIDS), t->pid);
		sqlite3_bind_int64(st, 2, device_sql(t->device));
		sqlite3_bind_text(st, 3, L->names.p[t->name], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, r->bucket);
		sqlite3_bind_int64(st, 5, (int64_t)r->seq);
		sqlite3_bind_int64(st, 6, (int64_t)r->ns);
		sqlite3_bind_int64(st, 7, r->live);
		sqlite3_bind_int64(st, 8, r->blocks);
		sqlite3_bind_int64(st, 9, r->max);
		sqlite3_bind_int64(st, 10, r->allocs);
		sqlite3_bind_int64(st, 11, r->frees);
		sqlite3_bind_int64(st, 12, (int64_t)r->in);
		sqlite3_bind_int64(st, 13, (int64_t)r->out);
		if (mtan_ld_step(L, st))
			goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

/* The marks (kept in the seq stream for the pairing) and the live bytes at the kept ones. */
int mtan_ld_write_marks(struct loader *L)
{
	sqlite3_stmt *st = L->st_mark, *ml = NULL;
	int ret = -1;
	for (size_t i = 0; i < L->recs.n; i++) {
		const struct rec *r = &L->recs.p[i];
		if (r->type != MTF_MARK)
			continue;
		sqlite3_bind_int64(st, 1, r->pid);
		sqlite3_bind_int64(st, 2, r->tid);
		sqlite3_bind_int64(st, 3, (int64_t)r->seq);
		sqlite3_bind_int64(st, 4, (int64_t)r->time_ns);
		sqlite3_bind_text(st, 5, r->s1, (int)r->len1, SQLITE_STATIC);
		if (mtan_ld_step(L, st))
			goto out;
	}
	if (mtan_prepare(L->db, "load", "mark_live", &ml))
		goto out;
	for (size_t k = 0; k < L->mlive.n; k++) {
		const struct mlive *m = &L->mlive.p[k];
		const struct track *t = &L->tracks.p[m->track];
		sqlite3_bind_int64(ml, 1, (int64_t)L->recs.p[m->rec].seq);
		mtan_ld_bind_opt(ml, 2, !(t->scope & T_ALL_PIDS), t->pid);
		sqlite3_bind_int64(ml, 3, device_sql(t->device));
		sqlite3_bind_text(ml, 4, L->names.p[t->name], -1, SQLITE_STATIC);
		sqlite3_bind_int64(ml, 5, m->live);
		sqlite3_bind_int64(ml, 6, m->blocks);
		if (mtan_ld_step(L, ml))
			goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(ml);
	return ret;
}

int mtan_ld_write_processes(struct loader *L)
{
	sqlite3_stmt *st;
	if (mtan_prepare(L->db, "load", "process", &st))
		return -1;
	int ret = -1;
	/* processes the trace has events of but no record for still get a row */
	for (size_t k = 0; k < L->procs.n; k++) {
		if (L->procs.p[k].row != NONE)
			continue;
		struct prow *row = VEC_PUSH(L->prows);
		if (!row)
			goto out;
		row->pid = L->procs.p[k].pid;
	}
	for (size_t k = 0; k < L->prows.n; k++) {
		const struct prow *r = &L->prows.p[k];
		sqlite3_bind_int64(st, 1, r->pid);
		mtan_ld_bind_opt(st, 2, r->has_start, r->ppid);
		if (r->has_start) {
			sqlite3_bind_text(st, 3, r->exe, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 4, r->cmdline, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 5, r->how == MTF_PROC_FORK ? "fork" : r->how == MTF_PROC_ATTACH ? "attach" : "exec", -1, SQLITE_STATIC);
		} else {
			for (int c = 3; c <= 5; c++)
				sqlite3_bind_null(st, c);
		}
		mtan_ld_bind_opt(st, 6, r->has_start, (int64_t)r->start_seq);
		mtan_ld_bind_opt(st, 7, r->has_start, (int64_t)r->start_ns);
		mtan_ld_bind_opt(st, 8, r->has_exit, (int64_t)r->exit_seq);
		mtan_ld_bind_opt(st, 9, r->has_exit, (int64_t)r->exit_ns);
		int known = r->has_exit && r->code != MTF_EXIT_UNKNOWN;
		mtan_ld_bind_opt(st, 10, known, r->code);
		mtan_ld_bind_opt(st, 11, known, r->signal);
		/* its scan: the last that began while this row's process ran */
		const struct scan *sc = NULL;
		for (size_t j = 0; j < L->scans.n; j++) {
			const struct scan *c = &L->scans.p[j];
			if (c->pid == r->pid && (!r->has_start || c->seq > r->start_seq) &&
			    (!r->has_exit || c->seq < r->exit_seq) && (!sc || c->seq > sc->seq))
				sc = c;
		}
		mtan_ld_bind_opt(st, 12, sc != NULL, sc ? (int64_t)sc->seq : 0);
		sqlite3_bind_int64(st, 13, sc && sc->done);
		if (mtan_ld_step(L, st))
			goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

int mtan_ld_write_threads(struct loader *L)
{
	for (size_t k = 0; k < L->threads.n; k++) {
		const struct thread *t = &L->threads.p[k];
		sqlite3_stmt *st = L->st_thread;
		sqlite3_bind_int64(st, 1, t->pid);
		sqlite3_bind_int64(st, 2, t->tid);
		if (t->named) {
			sqlite3_bind_text(st, 3, t->name, (int)t->name_len, SQLITE_TRANSIENT);
			sqlite3_bind_int64(st, 4, (int64_t)t->rec_seq);
			sqlite3_bind_int64(st, 5, (int64_t)t->rec_time);
		} else {
			sqlite3_bind_null(st, 3);
			mtan_ld_bind_opt(st, 4, t->seq != UINT64_MAX, (int64_t)t->seq);
			mtan_ld_bind_opt(st, 5, t->seq != UINT64_MAX, (int64_t)t->time_ns);
		}
		if (mtan_ld_step(L, st))
			return -1;
	}
	return 0;
}

int mtan_ld_write_devices(struct loader *L)
{
	sqlite3_stmt *st;
	if (mtan_prepare(L->db, "load", "device", &st))
		return -1;
	int ret = -1;
	for (size_t k = 0; k < L->devs.n; k++) {
		const struct devrow *d = &L->devs.p[k];
		sqlite3_bind_int64(st, 1, d->pid);
		sqlite3_bind_int64(st, 2, device_sql(d->device));
		if (d->name)
			sqlite3_bind_text(st, 3, d->name, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 3);
		mtan_ld_bind_opt(st, 4, d->has_open && d->capacity, (int64_t)d->capacity);
		mtan_ld_bind_opt(st, 5, d->has_open, (int64_t)d->open_seq);
		mtan_ld_bind_opt(st, 6, d->has_open, (int64_t)d->open_ns);
		mtan_ld_bind_opt(st, 7, d->has_close, (int64_t)d->close_seq);
		mtan_ld_bind_opt(st, 8, d->has_close, (int64_t)d->close_ns);
		mtan_ld_bind_opt(st, 9, d->has_ready, (int64_t)d->ready_seq);
		mtan_ld_bind_opt(st, 10, d->has_ready, (int64_t)d->ready_ns);
		if (mtan_ld_step(L, st))
			goto out;
	}
	/* each open's baseline: its ready, else the process's first mark after the open */
	ret = mtan_exec(L->db, "load", "device_baseline");
out:
	sqlite3_finalize(st);
	return ret;
}

int mtan_ld_write_stats(struct loader *L)
{
	sqlite3_stmt *st = NULL, *pk = NULL;
	int ret = -1;
	if (mtan_prepare(L->db, "load", "space_stats", &st) || mtan_prepare(L->db, "load", "peak", &pk))
		goto out;
	for (size_t k = 0; k < L->pools.n; k++) {
		struct pool *p = mtan_ld_pool_at(L, (uint32_t)k);
		if (!p)
			goto out;
		sqlite3_bind_int64(st, 1, p->pid);
		sqlite3_bind_int64(st, 2, device_sql(p->device));
		sqlite3_bind_int64(st, 3, p->space);
		sqlite3_bind_text(st, 4, L->names.p[p->name], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, (int64_t)p->allocs);
		sqlite3_bind_int64(st, 6, (int64_t)p->frees);
		sqlite3_bind_int64(st, 7, (int64_t)p->bytes_allocated);
		sqlite3_bind_int64(st, 8, (int64_t)p->bytes_freed);
		sqlite3_bind_int64(st, 9, (int64_t)p->leaked_blocks);
		sqlite3_bind_int64(st, 10, (int64_t)p->leaked_bytes);
		sqlite3_bind_int64(st, 11, (int64_t)p->released_blocks);
		sqlite3_bind_int64(st, 12, (int64_t)p->released_bytes);
		sqlite3_bind_int64(st, 13, p->live);
		mtan_ld_bind_opt(st, 14, p->allocs != 0, (int64_t)p->min_addr);
		mtan_ld_bind_opt(st, 15, p->allocs != 0, (int64_t)p->max_end);
		if (mtan_ld_step(L, st))
			goto out;
	}
	/* the whole trace has a peak row even when it has no event */
	if (mtan_ld_track_get(L, T_ALL_PIDS | T_ALL_DEVICES, 0, 0, -1) == NONE)
		goto out;
	for (size_t k = 0; k < L->tracks.n; k++) {
		const struct track *t = &L->tracks.p[k];
		mtan_ld_bind_opt(pk, 1, !(t->scope & T_ALL_PIDS), t->pid);
		mtan_ld_bind_opt(pk, 2, !(t->scope & T_ALL_DEVICES), device_sql(t->device));
		if (t->name >= 0)
			sqlite3_bind_text(pk, 3, L->names.p[t->name], -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(pk, 3);
		sqlite3_bind_int64(pk, 4, t->peak);
		mtan_ld_bind_opt(pk, 5, t->peak > 0, (int64_t)t->peak_seq);
		mtan_ld_bind_opt(pk, 6, t->peak > 0, (int64_t)t->peak_ns);
		if (mtan_ld_step(L, pk))
			goto out;
	}
	/* mtrec -p: frees of blocks from before the attach, counted in no space's frees */
	if (L->has_attach && (mtan_ld_meta_int(L, "attach_seq", (long long)L->attach_seq) ||
			      mtan_ld_meta_int(L, "frees_before_attach", (long long)L->frees_before_attach)))
		goto out;
	ret = 0;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(pk);
	return ret;
}
