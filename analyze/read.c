/* read.c: the first stage of the load. Decodes each record into the loader's tables: events
 * (kept in memory, or only counted and bounded when streaming) and the records the pairing
 * must meet at their seq, stacks, modules, scans, clock readings; rows that need nothing
 * later (spaces, losses, rss, modules) are stored at once. */
#include "loader.h"
#include "output.h"
#include "sql.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* ------------------------------------------------------------------ reading */

static char *dup_str(mtf_str s)
{
	return strndup(s.s ? s.s : "", s.len);
}

static void bind_text(sqlite3_stmt *st, int i, mtf_str s)
{
	sqlite3_bind_text(st, i, s.s ? s.s : "", (int)s.len, SQLITE_TRANSIENT);
}

int mtan_ld_step(struct loader *L, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		L->reported = 1;
		return mtan_sqlerr(L->db, "cannot write the database");
	}
	return 0;
}

int mtan_ld_meta_int(struct loader *L, const char *key, long long v)
{
	sqlite3_bind_text(L->st_meta, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(L->st_meta, 2, v);
	return mtan_ld_step(L, L->st_meta);
}

int mtan_ld_meta_text(struct loader *L, const char *key, const char *v, int len)
{
	sqlite3_bind_text(L->st_meta, 1, key, -1, SQLITE_STATIC);
	if (v)
		sqlite3_bind_text(L->st_meta, 2, v, len, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(L->st_meta, 2);
	return mtan_ld_step(L, L->st_meta);
}

static struct thread *thread_get(struct loader *L, uint32_t pid, uint32_t tid)
{
	int isnew;
	uint32_t *v = map_at(&L->thread_map, pid, tid, &isnew);
	if (!v)
		return NULL;
	if (isnew) {
		struct thread *t = VEC_PUSH(L->threads);
		if (!t)
			return NULL;
		t->pid = pid;
		t->tid = tid;
		t->seq = UINT64_MAX;
		*v = (uint32_t)(L->threads.n - 1);
	}
	return &L->threads.p[*v];
}

/* ------------------------------------------------------------------ streaming bounds */

/* x makes y useless as a candidate: low wants the lowest stamp at or below a seq, high the
 * highest above one */
static int dominates(const struct cand *x, const struct cand *y, int high)
{
	return high ? x->seq >= y->seq && x->stamp >= y->stamp : x->seq <= y->seq && x->stamp <= y->stamp;
}

static int by_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->stamp < y->stamp ? -1 : x->stamp > y->stamp;
}

static int by_cand_down(const void *a, const void *b)
{
	return by_cand(b, a);
}

/* Keeps the candidates that can still count: in range of the readings so far, and none
 * another makes useless (sorted by seq, each with a lower stamp than all below it for low,
 * a higher one than all above it for high). Still more than half the limit: a limit twice
 * as high, up to BOUNDS_MAX. */
static void cands_prune(struct bounds *b, struct cands *c, int high)
{
	size_t k = 0;
	for (size_t i = 0; i < c->n; i++)
		if (!b->readings || (high ? c->p[i].seq > b->rhi : c->p[i].seq <= b->rlo))
			c->p[k++] = c->p[i];
	/* low: by seq then stamp, going up; high: going down */
	qsort(c->p, k, sizeof(*c->p), high ? by_cand_down : by_cand);
	size_t m = 0;
	for (size_t i = 0; i < k; i++)
		if (!m || (high ? c->p[i].stamp > c->p[m - 1].stamp : c->p[i].stamp < c->p[m - 1].stamp))
			c->p[m++] = c->p[i];
	c->n = m;
	while (c->n > c->limit / 2 && c->limit <= BOUNDS_MAX)
		c->limit *= 2;
	if (c->limit > BOUNDS_MAX)
		b->over = 1;
}

static int cands_push(struct bounds *b, struct cands *c, int high, uint64_t seq, uint64_t stamp)
{
	struct cand x = {seq, stamp};
	if (c->n && dominates(&c->p[c->n - 1], &x, high))
		return 0;
	while (c->n && dominates(&x, &c->p[c->n - 1], high))
		c->n--;
	if (!c->limit)
		c->limit = 4096;
	if (c->n == c->limit) {
		cands_prune(b, c, high);
		if (b->over)
			return 0;
	}
	if (c->n == c->cap && vec_grow((void **)&c->p, &c->cap, sizeof(*c->p)))
		return -1;
	c->p[c->n++] = x;
	return 0;
}

/* How far an item came out of order (the window it needs, struct bounds). */
static void note_lag(struct bounds *b, uint64_t seq)
{
	if (seq > b->top)
		b->top = seq;
	else if (b->top - seq > b->lag)
		b->lag = b->top - seq;
}

/* An event's seq and stamp into the streaming bounds. */
static int bounds_note(struct loader *L, uint64_t seq, uint64_t stamp)
{
	struct bounds *b = &L->bounds;
	note_lag(b, seq);
	if (!b->any) {
		b->any = 1;
		b->min_seq = b->max_seq = seq;
		b->min_stamp = b->max_stamp = stamp;
	}
	b->min_seq = seq < b->min_seq ? seq : b->min_seq;
	b->max_seq = seq > b->max_seq ? seq : b->max_seq;
	b->min_stamp = stamp < b->min_stamp ? stamp : b->min_stamp;
	b->max_stamp = stamp > b->max_stamp ? stamp : b->max_stamp;
	if (b->over)
		return 0;
	if ((!b->readings || seq <= b->rlo) && cands_push(b, &b->low, 0, seq, stamp))
		return -1;
	if ((!b->readings || seq > b->rhi) && cands_push(b, &b->high, 1, seq, stamp))
		return -1;
	if (b->over) {
		free(b->low.p);
		free(b->high.p);
		memset(&b->low, 0, sizeof(b->low));
		memset(&b->high, 0, sizeof(b->high));
	}
	return 0;
}

/* ------------------------------------------------------------------ records */

static int read_events(struct loader *L, const mtf_record *rec)
{
	uint32_t pid = rec->u.events.pid, n = rec->u.events.n;
	const mtf_event *e = rec->u.events.ev;
	if (!n)
		return 0;
	/* streaming: the events are read again by the pairing, not kept (a count is enough) */
	if (!L->stream && L->evs.n + n >= NONE - 1) {
		mtan_err("'%s': more than %u events: too many for this version", L->trace, NONE - 2);
		L->reported = 1;
		return -1;
	}
	while (!L->stream && L->evs.n + n > L->evs.cap)
		if (vec_grow((void **)&L->evs.p, &L->evs.cap, sizeof(*L->evs.p)))
			return -1;
	struct thread *t = thread_get(L, pid, rec->u.events.tid);
	if (!t)
		return -1;
	uint32_t dev = 0, space = 0;
	int32_t pool = -1;
	for (uint32_t i = 0; i < n; i++) {
		if (pool < 0 || e[i].device != dev || e[i].space != space) {
			dev = e[i].device;
			space = e[i].space;
			pool = mtan_ld_pool_get(L, pid, dev, space);
		}
		if (pool < 0)
			return -1;
		if (e[i].seq < t->seq) { /* a thread without its record starts at its first event */
			t->seq = e[i].seq;
			t->time_ns = e[i].time_ns;
		}
		if (L->stream) {
			if (bounds_note(L, e[i].seq, e[i].time_ns))
				return -1;
			continue;
		}
		struct ev *o = &L->evs.p[L->evs.n++];
		o->seq = e[i].seq;
		o->time_ns = e[i].time_ns;
		o->addr = e[i].addr;
		o->size = e[i].size;
		o->pool = (uint32_t)pool;
		o->tid = rec->u.events.tid;
		o->stack = e[i].stack;
		o->op = e[i].op;
	}
	L->events += n;
	return 0;
}

/* A record the pairing must meet at its seq: kept, and a marker put in the events (in
 * memory), or its place among them noted (streaming: the source puts it back there). */
static int read_seq_record(struct loader *L, const mtf_record *r)
{
	struct rec *c = VEC_PUSH(L->recs);
	struct ev *e = L->stream ? NULL : VEC_PUSH(L->evs);
	if (!c || (!L->stream && !e))
		return -1;
	c->pos = L->events;
	c->type = r->type;
	switch (r->type) {
	case MTF_PROCESS:
		c->pid = r->u.process.pid;
		c->ppid = r->u.process.ppid;
		c->how = r->u.process.how;
		c->seq = r->u.process.seq;
		c->time_ns = r->u.process.time_ns;
		if (!(c->s1 = dup_str(r->u.process.exe)) || !(c->s2 = dup_str(r->u.process.cmdline)))
			return -1;
		{
			struct proc *p = mtan_ld_proc_get(L, c->pid);
			if (!p)
				return -1;
			/* the ancestry that stack and space look-ups follow: a fork's parent */
			if (c->how == MTF_PROC_FORK && c->ppid != c->pid && !p->ppid)
				p->ppid = c->ppid;
		}
		break;
	case MTF_PROCESS_EXIT:
		c->pid = r->u.process_exit.pid;
		c->seq = r->u.process_exit.seq;
		c->time_ns = r->u.process_exit.time_ns;
		c->code = r->u.process_exit.code;
		c->signal = r->u.process_exit.signal;
		break;
	case MTF_DEVICE:
	case MTF_DEVICE_READY:
		c->pid = r->u.device.pid;
		c->seq = r->u.device.seq;
		c->time_ns = r->u.device.time_ns;
		c->close = r->u.device.close;
		c->device = r->u.device.device;
		c->capacity = r->u.device.capacity;
		if (!(c->s1 = dup_str(r->u.device.name)))
			return -1;
		break;
	case MTF_MARK:
		c->pid = r->u.mark.pid;
		c->tid = r->u.mark.tid;
		c->seq = r->u.mark.seq;
		c->time_ns = r->u.mark.time_ns;
		c->len1 = r->u.mark.label.len;
		if (!(c->s1 = malloc((size_t)c->len1 + 1)))
			return -1;
		if (c->len1)
			memcpy(c->s1, r->u.mark.label.s, c->len1);
		c->s1[c->len1] = 0;
		break;
	}
	if (!mtan_ld_proc_get(L, c->pid))
		return -1;
	if (!e) {
		note_lag(&L->bounds, c->seq);
		return 0;
	}
	e->seq = c->seq;
	e->time_ns = c->time_ns;
	e->pool = (uint32_t)(L->recs.n - 1);
	e->op = REC_EV;
	return 0;
}

static int read_stack(struct loader *L, const mtf_record *r)
{
	int isnew;
	uint32_t *v = map_at(&L->stack_map, r->u.stack.pid, r->u.stack.id, &isnew);
	if (!v)
		return -1;
	if (!isnew)
		return 0; /* the same id twice: the first one stands */
	struct stackrec *sr = VEC_PUSH(L->stacks);
	if (!sr)
		return -1;
	*v = ++L->nstacks;
	sr->pid = r->u.stack.pid;
	sr->trace_id = r->u.stack.id;
	sr->n = r->u.stack.n;
	sr->first = L->stack_refs.n;
	for (uint32_t i = 0; i < r->u.stack.n; i++) {
		/* every recorded frame is a return address (FORMAT.md: the recorder skips its own
		 * frames, so even the innermost is where the allocating call returns to) */
		int ret = 1;
		uint64_t addr = r->u.stack.frames[i];
		uint32_t *f = map_at(&L->frame_map, (uint64_t)r->u.stack.pid << 1 | (uint64_t)ret, addr, &isnew);
		if (!f)
			return -1;
		if (isnew) {
			struct frame *fr = VEC_PUSH(L->frames);
			if (!fr)
				return -1;
			fr->pid = r->u.stack.pid;
			fr->ret = ret;
			fr->addr = addr;
			*f = (uint32_t)L->frames.n; /* index + 1 */
		}
		uint32_t *ref = VEC_PUSH(L->stack_refs);
		if (!ref)
			return -1;
		*ref = *f;
	}
	return 0;
}

static int read_perf_map(struct loader *L, const mtf_record *r)
{
	struct pperf *e = VEC_PUSH(L->perf);
	if (!e)
		return -1;
	e->pid = r->u.perf_map.pid;
	e->p.start = r->u.perf_map.start;
	e->p.size = r->u.perf_map.size;
	return (e->p.name = dup_str(r->u.perf_map.name)) ? 0 : -1;
}

static int read_module(struct loader *L, const mtf_record *r)
{
	struct pmodule *m = VEC_PUSH(L->mods);
	if (!m)
		return -1;
	char *hex = malloc((size_t)r->u.module.build_id.len * 2 + 1);
	if (!hex)
		return -1;
	for (uint32_t i = 0; i < r->u.module.build_id.len; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)r->u.module.build_id.s[i]);
	hex[r->u.module.build_id.len * 2] = 0;
	m->pid = r->u.module.pid;
	m->m.seq = r->u.module.seq;
	m->m.unload = r->u.module.unload != 0;
	m->m.base = r->u.module.base;
	m->m.size = r->u.module.size;
	m->m.build_id = hex;
	if (!(m->m.path = dup_str(r->u.module.path)))
		return -1;
	struct proc *p = mtan_ld_proc_get(L, m->pid);
	if (!p)
		return -1;
	p->has_modules = 1;
	sqlite3_stmt *st = L->st_module;
	sqlite3_bind_int64(st, 1, m->pid);
	sqlite3_bind_int64(st, 2, (int64_t)m->m.seq);
	sqlite3_bind_int64(st, 3, m->m.unload);
	sqlite3_bind_int64(st, 4, (int64_t)m->m.base);
	sqlite3_bind_int64(st, 5, (int64_t)m->m.size);
	bind_text(st, 6, r->u.module.path);
	sqlite3_bind_text(st, 7, hex, -1, SQLITE_STATIC);
	return mtan_ld_step(L, st);
}

static int read_header(struct loader *L, const mtf_record *r)
{
	if (mtan_ld_meta_int(L, "format_version", r->u.header.version) ||
	    mtan_ld_meta_text(L, "host", r->u.header.host.s, (int)r->u.header.host.len) ||
	    mtan_ld_meta_int(L, "header_pid", r->u.header.pid) ||
	    mtan_ld_meta_text(L, "cmdline", r->u.header.cmdline.s, (int)r->u.header.cmdline.len) ||
	    mtan_ld_meta_int(L, "realtime_ns", (int64_t)r->u.header.realtime_ns) ||
	    mtan_ld_meta_int(L, "flags", (int64_t)r->u.header.flags))
		return -1;
	L->no_scan = (r->u.header.flags & MTF_FLAG_NO_SCAN) != 0;
	L->precise = (r->u.header.flags & MTF_FLAG_PRECISE_TIME) != 0;
	if (r->u.header.flags & MTF_FLAG_SAMPLED_STACKS) { /* sites are estimated from it */
		uint64_t b = r->u.header.sample_bytes;
		L->sample_bytes = b < (1ull << 62) ? b : 1ull << 62; /* SQLite's integers are signed */
		if (mtan_ld_meta_int(L, "sample_bytes", (long long)L->sample_bytes))
			return -1;
	}
	return 0;
}

static int vals_push(struct vals *w, const uint64_t *v, size_t n)
{
	if (w->n + n > w->cap) {
		size_t cap = w->cap ? w->cap : 1024;
		while (cap < w->n + n)
			cap *= 2;
		uint64_t *p = realloc(w->p, cap * sizeof(uint64_t));
		if (!p)
			return -1;
		w->p = p;
		w->cap = cap;
	}
	memcpy(w->p + w->n, v, n * sizeof(uint64_t));
	w->n += n;
	return 0;
}

static void vals_fit(struct vals *w)
{
	uint64_t *p = w->n && w->n < w->cap ? realloc(w->p, w->n * sizeof(uint64_t)) : NULL;
	if (p) { /* else it stays as it was */
		w->p = p;
		w->cap = w->n;
	}
}

static int read_scan(struct loader *L, const mtf_record *r)
{
	struct scan *sc = NULL;
	for (size_t k = L->scans.n; k-- > 0;)
		if (L->scans.p[k].pid == r->u.scan.pid && L->scans.p[k].seq == r->u.scan.seq) {
			sc = &L->scans.p[k];
			break;
		}
	if (!sc) {
		if (r->u.scan.part != MTF_SCAN_BEGIN)
			return 0; /* its BEGIN was lost with a damaged frame: no scan */
		if (!(sc = VEC_PUSH(L->scans)))
			return -1;
		sc->pid = r->u.scan.pid;
		sc->seq = r->u.scan.seq;
		return 0;
	}
	switch (r->u.scan.part) {
	case MTF_SCAN_REGIONS:
		for (size_t i = 0; i < 3 * (size_t)r->u.scan.n; i += 3) /* (start, end, flags) */
			if ((r->u.scan.v[i + 2] & MTF_REGION_ARENA) && vals_push(&sc->arenas, r->u.scan.v + i, 2))
				return -1;
		return 0;
	case MTF_SCAN_WORDS:
		sc->total += r->u.scan.n;
		return vals_push(&sc->words, r->u.scan.v, 2 * (size_t)r->u.scan.n);
	case MTF_SCAN_HEADS:
		return vals_push(&sc->heads, r->u.scan.v, 4 * (size_t)r->u.scan.n);
	case MTF_SCAN_VTABLES:
		return vals_push(&sc->vtables, r->u.scan.v, r->u.scan.n);
	case MTF_SCAN_DONE:
		sc->done = sc->total == r->u.scan.a; /* every part arrived */
		/* held to the classify: what doubling left over given back (perl: 134 -> 115 MB) */
		vals_fit(&sc->words);
		vals_fit(&sc->heads);
		return 0;
	}
	return 0;
}

int mtan_ld_read_record(struct loader *L, const mtf_record *r)
{
	sqlite3_stmt *st;
	switch (r->type) {
	case MTF_HEADER:
		return read_header(L, r);
	case MTF_EVENTS:
		return read_events(L, r);
	case MTF_PROCESS:
	case MTF_PROCESS_EXIT:
	case MTF_DEVICE:
	case MTF_DEVICE_READY:
	case MTF_MARK:
		return read_seq_record(L, r);
	case MTF_CLOCK: {
		struct reading *k = VEC_PUSH(L->clocks);
		if (!k)
			return -1;
		k->seq = r->u.clock.seq;
		k->t = r->u.clock.time_ns;
		struct bounds *b = &L->bounds; /* streaming: the candidates' ranges */
		b->rlo = !b->readings || k->seq < b->rlo ? k->seq : b->rlo;
		b->rhi = !b->readings || k->seq > b->rhi ? k->seq : b->rhi;
		b->readings = 1;
		return 0;
	}
	case MTF_STACK:
		return read_stack(L, r);
	case MTF_SCAN:
		return read_scan(L, r);
	case MTF_MODULE:
		return read_module(L, r);
	case MTF_PERF_MAP:
		return read_perf_map(L, r);
	case MTF_THREAD: {
		struct thread *t = thread_get(L, r->u.thread.pid, r->u.thread.tid);
		if (!t)
			return -1;
		uint64_t seq = r->u.thread.seq;
		if (!t->named || seq < t->rec_seq) {
			t->rec_seq = seq;
			t->rec_time = r->u.thread.time_ns;
		}
		if (!t->named || seq >= t->name_seq) { /* records come in any order */
			char *name = malloc((size_t)r->u.thread.name.len + 1);
			if (!name)
				return -1;
			if (r->u.thread.name.len)
				memcpy(name, r->u.thread.name.s, r->u.thread.name.len);
			name[r->u.thread.name.len] = 0;
			free(t->name);
			t->name = name;
			t->name_len = r->u.thread.name.len;
			t->name_seq = seq;
		}
		t->named = 1;
		return 0;
	}
	case MTF_SPACE: {
		int isnew, n;
		uint32_t *v = map_at(&L->space_map, r->u.space.pid, r->u.space.id, &isnew);
		if (!v || (n = mtan_ld_name_id(L, r->u.space.name.s)) < 0)
			return -1;
		*v = (uint32_t)n; /* a later record for the same id renames it */
		st = L->st_space;
		sqlite3_bind_int64(st, 1, r->u.space.pid);
		sqlite3_bind_int64(st, 2, r->u.space.id);
		bind_text(st, 3, r->u.space.name);
		return mtan_ld_step(L, st);
	}
	case MTF_LOSS:
		L->lost += r->u.loss.count;
		st = L->st_loss;
		sqlite3_bind_int64(st, 1, r->u.loss.pid);
		sqlite3_bind_int64(st, 2, r->u.loss.tid);
		sqlite3_bind_int64(st, 3, (int64_t)r->u.loss.seq);
		sqlite3_bind_int64(st, 4, (int64_t)r->u.loss.count);
		return mtan_ld_step(L, st);
	case MTF_RSS:
		st = L->st_rss;
		sqlite3_bind_int64(st, 1, r->u.rss.pid);
		sqlite3_bind_int64(st, 2, (int64_t)r->u.rss.time_ns);
		sqlite3_bind_int64(st, 3, (int64_t)r->u.rss.rss_bytes);
		return mtan_ld_step(L, st);
	case MTF_END:
		L->seen_end = 1;
		L->end_events = r->u.end.events;
		L->end_lost = (int64_t)r->u.end.lost;
		return 0;
	}
	return 0;
}

