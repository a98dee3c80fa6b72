/* pair.c: pairs each free with its allocation in one pass in seq order over a hash table
 * keyed by (pool, address): lifetimes, unmatched and double frees, allocations over live
 * blocks, and address-reuse races (repaired). It takes the events one at a time from
 * order.c's source and keeps none of them: what it makes holds copies of what it needs of
 * them, and the events are freed when it ends. Of the lifetimes it keeps the live ones and
 * a few others (struct ltstore, ltstore.c); ended ones go to the store's sink in batches. Touches no
 * database itself: tests/unit/test_pair.c drives it with synthetic event streams. */
#include "loader.h"
#include "output.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static int ps_grow(struct loader *L)
{
	size_t cap = L->ps_cap ? L->ps_cap * 2 : 1u << 16;
	struct pslot *s = calloc(cap, sizeof(*s));
	if (!s)
		return -1;
	for (size_t i = 0; i < L->ps_cap; i++) {
		if (!L->ps[i].lt)
			continue;
		size_t j = mix(L->ps[i].addr, L->ps[i].pool) & (cap - 1);
		while (s[j].lt)
			j = (j + 1) & (cap - 1);
		s[j] = L->ps[i];
	}
	free(L->ps);
	L->ps = s;
	L->ps_cap = cap;
	return 0;
}

/* The pairing slot of (pool, addr): found, or (create) a new empty one with lt = 0 that
 * the caller must fill at once; NULL when absent (or out of memory with create). */
static struct pslot *ps_find(struct loader *L, uint32_t pool, uint64_t addr, int create)
{
	if (create && (L->ps_n + 1) * 10 > L->ps_cap * 7 && ps_grow(L))
		return NULL;
	if (!L->ps_cap)
		return NULL;
	size_t mask = L->ps_cap - 1;
	assert((L->ps_cap & mask) == 0 && L->ps_n < L->ps_cap); /* an empty slot ends the probe */
	for (size_t j = mix(addr, pool) & mask;; j = (j + 1) & mask) {
		struct pslot *s = &L->ps[j];
		if (!s->lt) {
			if (!create)
				return NULL;
			s->addr = addr;
			s->pool = pool;
			s->gen = 0;
			s->mem = 0;
			L->ps_n++;
			return s;
		}
		if (s->addr == addr && s->pool == pool)
			return s;
	}
}

/* ------------------------------------------------------------------ the lifetimes */

/* The live lifetime of a slot. */
static struct lifetime *lt_live(struct loader *L, const struct pslot *s)
{
	assert(s->mem && s->mem != PS_FREED);
	return &L->lts.p[s->mem - 1];
}

static int ps_live(const struct pslot *s)
{
	return s->mem && s->mem != PS_FREED;
}

/* ------------------------------------------------------------------ pairing */

struct pool *mtan_ld_pool_at(struct loader *L, uint32_t i)
{
	struct pool *p = &L->pools.p[i];
	return p->name >= 0 || mtan_ld_pool_resolve(L, p) == 0 ? p : NULL;
}

static struct anomaly *add_anomaly(struct loader *L, int kind, const struct ev *e, uint32_t lt, uint32_t stack)
{
	struct anomaly *a = VEC_PUSH(L->ans);
	if (!a)
		return NULL;
	a->kind = (uint8_t)kind;
	a->ev = *e;
	a->lifetime = lt;
	a->stack = stack;
	return a;
}

/* Ends a live lifetime other than by a free. Its end is never before its beginning: the
 * seq order says so, and another thread's clock reading (time) is not let say otherwise. */
static int end_lifetime(struct loader *L, struct pslot *s, int reason, const struct ev *at)
{
	assert(s->lt && ps_live(s)); /* only a live block ends */
	uint32_t place = s->mem - 1;
	struct lifetime *l = lt_live(L, s);
	struct pool *p = &L->pools.p[l->pool];
	uint64_t size = l->size;
	s->mem = 0;
	l->reason = (uint8_t)reason;
	l->end_seq = at->seq;
	l->end_ns = at->time_ns;
	if (l->end_ns < l->alloc_ns)
		l->end_ns = l->alloc_ns;
	if (reason == R_DEVICE_CLOSE) {
		p->released_blocks++;
		p->released_bytes += size;
	} else if (reason == R_LIVE && !(l->flags & LT_INHERITED)) { /* its process is gone: a leak */
		p->leaked_blocks++;
		p->leaked_bytes += size;
		L->leaks++;
	}
	return mtan_ld_lt_ended(L, place) || mtan_ld_track_add(L, p, -(int64_t)size, -1, at) ? -1 : 0;
}

/* The latest anomaly of kind (or, with kind2, either kind) at (pool, addr) among the
 * recent ones; races are found soon after they happen, so the search is bounded. */
static struct anomaly *recent_anomaly(struct loader *L, uint32_t pool, uint64_t addr, int kind, int kind2)
{
	for (size_t k = L->ans.n, n = 0; k-- > 0 && n < 4096; n++) {
		struct anomaly *a = &L->ans.p[k];
		if (a->ev.pool != pool || a->ev.addr != addr || a->kind == A_DROPPED)
			continue;
		return a->kind == kind || a->kind == kind2 ? a : NULL;
	}
	return NULL;
}

static int add_race(struct loader *L, int form, struct anomaly *a, const struct ev *fe, uint32_t freed, uint32_t reuse)
{
	struct race *r = VEC_PUSH(L->races);
	int isnew;
	uint32_t *v = r ? map_at(&L->race_map, freed, 0, &isnew) : NULL;
	if (!v)
		return -1;
	r->form = (uint8_t)form;
	r->anomaly = (uint32_t)(a - L->ans.p);
	r->free_tid = fe->tid;
	r->free_seq = fe->seq;
	r->free_ns = fe->time_ns;
	r->freed = freed;
	r->reuse = reuse;
	*v = (uint32_t)(L->races.n - 1);
	a->kind = A_REUSE_RACE;
	a->lifetime = freed + 1;
	return 0;
}

/* A late allocation reported after the reuse of its address (seed 001: T1 gets X and hands
 * it on before reporting; T2 frees X, reports, gets X again and reports; T1 reports last):
 * the live block is T2's reuse, which follows T2's own free in its program order, so the
 * free ended this one. It is a lifetime that ends where it begins (its real start was
 * never reported in order), freed by that free; the reuse stays live and becomes the
 * later generation. */
static int late_after_reuse(struct loader *L, struct pslot *s, const struct ev *e, uint32_t stack, struct anomaly *f)
{
	const struct ev fe = f->ev; /* a copy: adding the race's anomaly may move f */
	struct pool *p = &L->pools.p[e->pool];
	uint32_t rplace = s->mem - 1, place;
	struct lifetime *l = mtan_ld_lt_new(L, &place);
	if (!l)
		return -1;
	struct lifetime *r = &L->lts.p[rplace];
	uint32_t late = l->id - 1, reuse = r->id - 1;
	l->addr = e->addr;
	l->size = e->size;
	l->alloc_seq = l->end_seq = e->seq;
	l->alloc_ns = l->end_ns = e->time_ns;
	l->tid = e->tid;
	l->alloc_op = e->op;
	l->pool = e->pool;
	l->alloc_stack = stack;
	l->reason = R_FREE_LATE;
	l->free_tid = fe.tid;
	l->free_op = fe.op;
	l->free_stack = f->stack;
	l->gen = r->gen; /* the earlier block at the address */
	r->gen = ++s->gen;
	r->flags |= LT_KEEP; /* the race's reuse, the anomaly's event */
	if (mtan_ld_lt_keep(L, place) || mtan_ld_lt_keep(L, rplace))
		return -1;
	if (!p->allocs || e->addr < p->min_addr)
		p->min_addr = e->addr;
	if (!p->allocs || e->addr + e->size > p->max_end)
		p->max_end = e->addr + e->size;
	p->allocs++;
	p->bytes_allocated += e->size;
	p->bytes_freed += e->size;
	/* it comes and goes at once; out first, so no peak counts a block that was not live */
	if (mtan_ld_track_add(L, p, -(int64_t)e->size, -1, e) || mtan_ld_track_add(L, p, (int64_t)e->size, 1, e))
		return -1;
	f->kind = A_DROPPED; /* the free was not unmatched after all */
	struct anomaly *a = add_anomaly(L, A_REUSE_RACE, e, late + 1, L->lts.p[rplace].alloc_stack);
	if (!a)
		return -1;
	a->at_lt = reuse + 1; /* the anomaly's event is the reuse */
	return add_race(L, RACE_LATE_ALLOC, a, &fe, late, reuse) ? -1 : 1;
}

/* An allocation at a live key: a late allocation's race (a free of the address when it
 * was not live, the live block's allocation from one thread, now this one from another)
 * is repaired; anything else is an allocation over a live block. 1: this allocation was
 * the late one and is already ended (late_after_reuse). */
static int over_live(struct loader *L, struct pslot *s, const struct ev *e, uint32_t stack)
{
	uint32_t oplace = s->mem - 1, old = s->lt - 1;
	struct lifetime *l = lt_live(L, s);
	struct anomaly *f = NULL;
	if (!(l->flags & (LT_INHERITED | LT_OVER_LIVE)) && l->tid != e->tid &&
	    (f = recent_anomaly(L, e->pool, e->addr, A_UNMATCHED, A_DOUBLE)) && f->gen + 1 == l->gen &&
	    f->ev.seq < l->alloc_seq && (int64_t)(e->time_ns - f->ev.time_ns) <= (int64_t)RACE_WINDOW_NS) {
		/* the free ended the block whose allocation was reported after it */
		if (l->tid == f->ev.tid) /* the live one is the freeing thread's reuse */
			return late_after_reuse(L, s, e, stack, f);
		struct pool *p = &L->pools.p[e->pool];
		if (end_lifetime(L, s, R_FREE_LATE, e))
			return -1;
		const struct ev fe = f->ev; /* a copy: adding the race's anomaly may move f */
		l = &L->lts.p[oplace]; /* kept: R_FREE_LATE */
		l->free_tid = fe.tid;
		l->free_op = fe.op;
		l->free_stack = f->stack;
		p->bytes_freed += l->size;
		f->kind = A_DROPPED; /* the free was not unmatched after all */
		struct anomaly *a = add_anomaly(L, A_REUSE_RACE, e, old + 1, stack);
		/* the reuse is the allocation in hand, next (pair_alloc keeps it) */
		return a ? add_race(L, RACE_LATE_ALLOC, a, &fe, old, L->nlts) : -1;
	}
	if (end_lifetime(L, s, R_OVERWRITTEN, e))
		return -1;
	return add_anomaly(L, A_OVER_LIVE, e, old + 1, stack) ? 0 : -1;
}

static int pair_alloc(struct loader *L, const struct ev *e)
{
	struct pool *p = mtan_ld_pool_at(L, e->pool);
	struct pslot *s = p ? ps_find(L, e->pool, e->addr, 1) : NULL;
	if (!s)
		return -1;
	uint32_t stack = mtan_ld_stack_of(L, p->pid, e->stack);
	int over = s->lt && ps_live(s);
	if (over) {
		int rc = over_live(L, s, e, stack);
		if (rc)
			return rc < 0 ? -1 : 0;
	}
	uint32_t place;
	struct lifetime *l = mtan_ld_lt_new(L, &place);
	if (!l)
		return -1;
	l->addr = e->addr;
	l->size = e->size;
	l->alloc_seq = e->seq;
	l->alloc_ns = e->time_ns;
	l->tid = e->tid;
	l->alloc_op = e->op;
	l->pool = e->pool;
	l->gen = ++s->gen;
	l->alloc_stack = stack;
	l->flags = over && L->ans.p[L->ans.n - 1].kind == A_OVER_LIVE ? LT_OVER_LIVE : 0;
	s->lt = l->id;
	s->mem = place + 1;
	if (over && L->races.n && L->races.p[L->races.n - 1].reuse == l->id - 1) { /* over_live's race */
		l->flags |= LT_KEEP;
		if (mtan_ld_lt_keep(L, place))
			return -1;
	}
	if (!p->allocs || e->addr < p->min_addr)
		p->min_addr = e->addr;
	if (!p->allocs || e->addr + e->size > p->max_end)
		p->max_end = e->addr + e->size;
	p->allocs++;
	p->bytes_allocated += e->size;
	return mtan_ld_track_add(L, p, (int64_t)e->size, 1, e);
}

/* A free from another thread of a block just allocated over a live one: the free of the
 * overwritten block, reported after its address was reused. Repaired: that block was
 * freed (it ended where this one began), this one stays live. 1 when it was such a race. */
static int late_free(struct loader *L, struct pslot *s, const struct ev *e, uint32_t stack)
{
	struct lifetime *n = lt_live(L, s);
	if (!(n->flags & LT_OVER_LIVE) || n->tid == e->tid ||
	    (int64_t)(e->time_ns - n->alloc_ns) > (int64_t)RACE_WINDOW_NS)
		return 0;
	struct anomaly *a = recent_anomaly(L, e->pool, e->addr, A_OVER_LIVE, A_OVER_LIVE);
	if (!a || a->ev.seq != n->alloc_seq)
		return 0;
	uint32_t old = a->lifetime - 1;
	struct lifetime *o = mtan_ld_kept(L, a->lifetime); /* overwritten: kept */
	assert(o);
	if (!o)
		return 0;
	o->reason = R_FREE_LATE;
	o->free_tid = e->tid;
	o->free_op = e->op;
	o->free_stack = stack;
	n->flags &= (uint8_t)~LT_OVER_LIVE;
	n->flags |= LT_KEEP; /* the race's reuse */
	if (mtan_ld_lt_keep(L, s->mem - 1))
		return -1;
	L->pools.p[e->pool].bytes_freed += o->size;
	return add_race(L, RACE_LATE_FREE, a, e, old, s->lt - 1) ? -1 : 1;
}

static int pair_free(struct loader *L, const struct ev *e)
{
	struct pool *p = mtan_ld_pool_at(L, e->pool);
	if (!p)
		return -1;
	struct pslot *s = ps_find(L, e->pool, e->addr, 0);
	uint32_t stack = mtan_ld_stack_of(L, p->pid, e->stack);
	p->frees++;
	if (s && ps_live(s)) {
		uint32_t place = s->mem - 1;
		struct lifetime *l = lt_live(L, s);
		assert(l->addr == e->addr && l->pool == e->pool); /* the slot's block is the key's */
		if (l->flags & LT_OVER_LIVE) {
			int rc = late_free(L, s, e, stack);
			if (rc)
				return rc < 0 ? -1 : 0;
			l->flags &= (uint8_t)~LT_OVER_LIVE;
		}
		uint64_t size = l->size;
		l->reason = R_FREE;
		l->end_seq = e->seq;
		l->end_ns = e->time_ns;
		l->free_tid = e->tid;
		l->free_op = e->op;
		l->free_stack = stack;
		s->mem = PS_FREED;
		p->bytes_freed += size;
		return mtan_ld_lt_ended(L, place) || mtan_ld_track_add(L, p, -(int64_t)size, -1, e) ? -1 : 0;
	}
	if (!s) {
		const struct proc *pr = mtan_ld_proc_get(L, p->pid);
		if (!pr)
			return -1;
		if (pr->attached) { /* a block from before the attach: not unmatched, not a free */
			p->frees--;
			L->frees_before_attach++;
			return 0;
		}
	}
	int kind = s && s->mem == PS_FREED ? A_DOUBLE : A_UNMATCHED; /* its last block was freed */
	struct anomaly *a = add_anomaly(L, kind, e, s ? s->lt : 0, stack);
	if (!a)
		return -1;
	a->gen = s ? s->gen : 0;
	return 0;
}

/* The slots of pid's live blocks (on device, or any device with NONE), in a new array
 * (the caller frees) since ending or copying them may move the table. */
static uint32_t *live_of(struct loader *L, uint32_t pid, uint32_t device, size_t *count)
{
	size_t n = 0, cap = 0;
	uint32_t *out = NULL;
	for (size_t j = 0; j < L->ps_cap; j++) {
		const struct pslot *s = &L->ps[j];
		if (!s->lt || !ps_live(s))
			continue;
		const struct pool *p = &L->pools.p[s->pool];
		if (p->pid != pid || (device != NONE && p->device != device))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			uint32_t *o = realloc(out, cap * sizeof(*o));
			if (!o) {
				free(out);
				return NULL;
			}
			out = o;
		}
		out[n++] = (uint32_t)j;
	}
	*count = n;
	return out ? out : calloc(1, sizeof(*out));
}

/* A forked child starts with a copy of its parent's live heap blocks. */
static int inherit(struct loader *L, uint32_t child, uint32_t parent, const struct ev *at)
{
	size_t n;
	uint32_t *live = live_of(L, parent, MTF_HOST, &n);
	if (!live)
		return -1;
	int ret = -1;
	/* places of lifetimes, not slots: inserting the child's slots may move the table */
	for (size_t k = 0; k < n; k++)
		live[k] = L->ps[live[k]].mem - 1;
	for (size_t k = 0; k < n; k++) {
		struct lifetime pl = L->lts.p[live[k]]; /* a copy: a new lifetime may move it */
		const struct pool *pp = &L->pools.p[pl.pool];
		int32_t cp = mtan_ld_pool_get(L, child, pp->device, pp->space);
		struct pool *c = cp >= 0 ? mtan_ld_pool_at(L, (uint32_t)cp) : NULL;
		struct pslot *s = c ? ps_find(L, (uint32_t)cp, pl.addr, 1) : NULL;
		if (!s)
			goto out;
		if (s->lt && ps_live(s))
			continue; /* the child already has a block there: it stands */
		uint32_t place;
		struct lifetime *l = mtan_ld_lt_new(L, &place);
		if (!l)
			goto out;
		uint32_t id = l->id;
		*l = pl;
		l->id = id;
		l->pool = (uint32_t)cp;
		l->parent = pl.id;
		l->flags = LT_INHERITED;
		l->free_stack = 0;
		l->reason = R_LIVE;
		if (s->gen < l->gen)
			s->gen = l->gen;
		s->lt = id;
		s->mem = place + 1;
		if (mtan_ld_track_add(L, c, (int64_t)pl.size, 1, at))
			goto out;
	}
	ret = 0;
out:
	free(live);
	return ret;
}

/* Ends every live block of pid (on device, or all with NONE) for the given reason. */
static int end_all(struct loader *L, uint32_t pid, uint32_t device, int reason, const struct ev *at)
{
	size_t n;
	uint32_t *live = live_of(L, pid, device, &n);
	if (!live)
		return -1;
	int ret = 0;
	for (size_t k = 0; k < n && !ret; k++)
		ret = end_lifetime(L, &L->ps[live[k]], reason, at);
	free(live);
	return ret;
}

static int pair_process(struct loader *L, const struct rec *r, const struct ev *at)
{
	struct proc *p = mtan_ld_proc_get(L, r->pid);
	struct prow *row = VEC_PUSH(L->prows);
	if (!p || !row)
		return -1;
	/* A pid seen before: the image it had is gone. After its exit, its blocks were
	 * leaks (the pid was reused); without an exit, exec replaced the image. Blocks of a
	 * pid first seen here came before its record and are its own: left alone. */
	if (p->row != NONE && end_all(L, r->pid, NONE, p->exited ? R_LIVE : R_EXEC, at))
		return -1;
	/* an exec keeps the process (and whether an attach recorded it); a reused pid does not */
	int from_attach = r->how == MTF_PROC_ATTACH || (p->row != NONE && !p->exited && p->from_attach);
	row->pid = r->pid;
	row->ppid = r->ppid;
	row->how = r->how;
	row->exe = r->s1;
	row->cmdline = r->s2;
	row->has_start = 1;
	row->start_seq = r->seq;
	row->start_ns = r->time_ns;
	p->row = (uint32_t)(L->prows.n - 1);
	p->exited = 0;
	/* attached at seq: what it held then is unknown; a fork's child inherits that, an exec
	 * starts a heap the trace sees whole */
	p->attached = r->how == MTF_PROC_ATTACH;
	p->from_attach = from_attach;
	if (r->how == MTF_PROC_ATTACH && (!L->has_attach || r->seq < L->attach_seq)) {
		L->has_attach = 1;
		L->attach_seq = r->seq;
	}
	if (r->how == MTF_PROC_FORK && r->ppid != r->pid) {
		const struct proc *parent = mtan_ld_proc_get(L, r->ppid);
		if (!parent)
			return -1;
		int parent_attached = parent->attached, parent_from = parent->from_attach;
		p = mtan_ld_proc_get(L, r->pid); /* p may have moved: the table grew for the parent */
		p->attached = parent_attached;
		p->from_attach = parent_from;
		return inherit(L, r->pid, r->ppid, at);
	}
	return 0;
}

static int pair_device(struct loader *L, const struct rec *r, const struct ev *at)
{
	int isnew;
	uint32_t *v = map_at(&L->dev_map, r->pid, r->device, &isnew);
	if (!v)
		return -1;
	if (!r->close) {
		struct devrow *d = VEC_PUSH(L->devs);
		if (!d || !(d->name = strdup(r->s1)))
			return -1;
		d->pid = r->pid;
		d->device = r->device;
		d->capacity = r->capacity;
		d->has_open = 1;
		d->open_seq = r->seq;
		d->open_ns = r->time_ns;
		*v = (uint32_t)(L->devs.n - 1);
		return 0;
	}
	struct devrow *d = *v != NONE ? &L->devs.p[*v] : NULL;
	if (!d || d->has_close) { /* closed without an open in the trace */
		if (!(d = VEC_PUSH(L->devs)))
			return -1;
		d->pid = r->pid;
		d->device = r->device;
		if (*r->s1 && !(d->name = strdup(r->s1)))
			return -1;
		*v = (uint32_t)(L->devs.n - 1);
	}
	d->has_close = 1;
	d->close_seq = r->seq;
	d->close_ns = r->time_ns;
	return end_all(L, r->pid, r->device, R_DEVICE_CLOSE, at);
}

/* The device's setup is done: its first ready while it is open marks its baseline (what
 * is live now); a ready without an open, after the close or a second time is ignored. */
static void pair_device_ready(struct loader *L, const struct rec *r)
{
	const uint32_t *v = map_get(&L->dev_map, r->pid, r->device);
	struct devrow *d = v && *v != NONE ? &L->devs.p[*v] : NULL;
	if (!d || !d->has_open || d->has_close || d->has_ready)
		return;
	d->has_ready = 1;
	d->ready_seq = r->seq;
	d->ready_ns = r->time_ns;
}

static int pair_record(struct loader *L, const struct ev *at)
{
	const struct rec *r = &L->recs.p[at->pool];
	switch (r->type) {
	case MTF_PROCESS:
		return pair_process(L, r, at);
	case MTF_PROCESS_EXIT: {
		struct proc *p = mtan_ld_proc_get(L, r->pid);
		if (!p)
			return -1;
		if (p->row == NONE) { /* an exit of a process the trace never started */
			struct prow *row = VEC_PUSH(L->prows);
			if (!row)
				return -1;
			row->pid = r->pid;
			p->row = (uint32_t)(L->prows.n - 1);
		}
		struct prow *row = &L->prows.p[p->row];
		row->has_exit = 1;
		row->exit_seq = r->seq;
		row->exit_ns = r->time_ns;
		row->code = r->code;
		row->signal = r->signal;
		p->exited = 1; /* its blocks stay live: late destructors may still free them */
		return 0;
	}
	case MTF_DEVICE:
		return pair_device(L, r, at);
	case MTF_DEVICE_READY:
		pair_device_ready(L, r);
		return 0;
	case MTF_MARK:
		return r->keep ? mtan_ld_snapshot(L, at->pool) : 0;
	}
	return 0;
}

/* Pairs every event of the source in seq order, then frees the events and what only the
 * pairing used (its table, the open devices): the stages after it must not need them. */
int mtan_ld_pair(struct loader *L)
{
	int ret = -1;
	struct ev_source src = {.L = L};
	for (size_t k = 0; k < L->pools.n; k++) /* every scope, for the live bytes at marks */
		if (mtan_ld_pool_resolve(L, &L->pools.p[k]))
			goto out;
	mtan_ld_lt_budget(L);
	if (mtan_ld_last_scans(L, &L->lts.scan) || mtan_ld_keep_marks(L) || mtan_ld_source_open(L, &src))
		goto out;
	L->t0 = src.n ? src.lo : 0;
	L->span = src.n ? src.hi - src.lo : 0;
	/* a timeline bucket per 1/TIMELINE_BUCKETS of the span, in seq order: never back */
	double per_ns = (double)TIMELINE_BUCKETS / ((double)L->span + 1.0);
	L->bucket = 0;
	size_t k = 0;
	uint64_t last = 0; /* the seq of the event before */
	for (const struct ev *e; (e = mtan_ld_source_next(&src)); k++) {
		assert(k == 0 || last <= e->seq); /* pairing goes in seq order */
		last = e->seq;
		int rc;
		uint32_t b = (uint32_t)((double)(e->time_ns - L->t0) * per_ns);
		if (b > L->bucket && b < TIMELINE_BUCKETS)
			L->bucket = b;
		if ((k & 0xffff) == 0)
			mtan_ld_progress(L, (double)k / (double)src.n);
		if (e->op == REC_EV)
			rc = pair_record(L, e);
		else if (MTF_OP_KIND(e->op) == MTF_ALLOC)
			rc = pair_alloc(L, e);
		else
			rc = pair_free(L, e);
		if (rc)
			goto out;
	}
	/* what is still live at the end leaked, unless a forked child only inherited it or its
	 * process still ran when mtrec detached (it ends there: the detach came after the
	 * last event, at its time) */
	uint64_t detach_seq = k ? last + 1 : 0, detach_ns = k ? src.hi : 0;
	for (size_t j = 0; j < L->ps_cap; j++) {
		const struct pslot *s = &L->ps[j];
		if (!s->lt || !ps_live(s))
			continue;
		struct lifetime *l = lt_live(L, s);
		const uint32_t *pi = map_get(&L->proc_map, L->pools.p[l->pool].pid, 0);
		const struct proc *pr = pi ? &L->procs.p[*pi] : NULL;
		if (pr && pr->from_attach && !pr->exited) {
			l->reason = R_DETACH;
			l->end_seq = detach_seq;
			l->end_ns = detach_ns < l->alloc_ns ? l->alloc_ns : detach_ns;
			continue;
		}
		if (l->flags & LT_INHERITED)
			continue;
		struct pool *p = &L->pools.p[l->pool];
		p->leaked_blocks++;
		p->leaked_bytes += l->size;
		L->leaks++;
	}
	for (size_t t = 0; t < L->tracks.n; t++)
		if (mtan_ld_tl_flush(L, (uint32_t)t))
			goto out;
	if (mtan_ld_lt_stop(L) || mtan_ld_lt_rows(L))
		goto out;
	ret = 0;
out:
	if (mtan_ld_lt_stop(L))
		ret = -1;
	mtan_ld_source_close(&src);
	free(L->ps);
	L->ps = NULL;
	L->ps_cap = L->ps_n = 0;
	mtan_ld_map_release(&L->dev_map);
	if (ret && !L->reported)
		mtan_err("'%s': out of memory while pairing events", L->trace);
	return ret;
}
