/* stream.c: the events in seq order without holding them all: the trace's EVENTS records
 * are read a second time, merged with the records kept from the first pass at the place
 * each had in the trace, and put in (seq, position) order through a reorder window of W
 * entries. The order is exactly the in-memory sort's (order.c) or the stream says so. */
#include "loader.h"
#include "output.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The window's most entries (56 bytes each, and a few more for its index) by default: more
 * than the disorder the collector leaves between a few busy threads (a trace of two
 * churning threads needs ~200,000); it only grows as far as the first pass saw the events
 * out of order (bounds.lag). */
#define WINDOW_DEFAULT (1u << 20)
/* Sorted runs: most of a trace comes in order thread by thread, so the window keeps a few
 * ascending runs (O(1) each way) and only what fits none goes into the heap. */
#define RUNS 8

struct item {
	struct ev e;
	uint64_t pos; /* its place in the trace (events and records counted) */
};

struct hent {
	uint64_t seq, pos;
	uint32_t slot;
};

struct run {
	uint32_t head, tail; /* slots; the run goes on through next[] */
	size_t n;
};

struct mtan_ld_stream {
	struct loader *L;
	mtf_reader *r;
	mtf_record rec;
	uint32_t at, pool_dev, pool_space; /* the next event of rec; the last pool's key */
	int32_t pool;
	int opened, eof;
	uint64_t events; /* events read so far */
	size_t nrec;     /* records of L->recs put in the window so far */
	uint64_t pos;    /* items put in the window so far */
	size_t window, count;
	struct item *slot;
	uint32_t *next;  /* a run's next slot; a free slot's next free one */
	size_t nslot, capslot;
	uint32_t free;   /* the first free slot, NONE none */
	struct run runs[RUNS];
	struct hent *heap;
	size_t nheap, capheap;
	int emitted;
	uint64_t last_seq, last_pos; /* the last item out */
};

static int before(uint64_t s1, uint64_t p1, uint64_t s2, uint64_t p2)
{
	return s1 < s2 || (s1 == s2 && p1 < p2);
}

int mtan_ld_stream_open(struct loader *L, struct mtan_ld_stream **out)
{
	struct mtan_ld_stream *s = calloc(1, sizeof(*s));
	*out = s;
	if (!s)
		return -1;
	s->L = L;
	s->free = NONE;
	s->pool = -1;
	s->window = WINDOW_DEFAULT;
	const char *w = getenv("MTAN_REORDER_WINDOW"); /* for tests: a small one forces the fallback */
	if (w && *w) {
		char *end;
		unsigned long long v = strtoull(w, &end, 10);
		if (!*end && v >= 1 && v < (1ull << 31))
			s->window = (size_t)v;
	}
	/* no bigger than the first pass saw the trace's disorder to be (a trace in order needs
	 * next to nothing), with room to spare for seqs that are not distinct (a record's
	 * beside an event's, a damaged trace's) */
	if (L->bounds.lag < s->window && (size_t)L->bounds.lag * 2 + 1024 < s->window)
		s->window = (size_t)L->bounds.lag * 2 + 1024;
	for (size_t i = 0; i < RUNS; i++)
		s->runs[i].head = s->runs[i].tail = NONE;
	return 0;
}

void mtan_ld_stream_free(struct mtan_ld_stream *s)
{
	if (!s)
		return;
	mtf_reader_free(s->r);
	free(s->slot);
	free(s->next);
	free(s->heap);
	free(s);
}

/* The trace again, as the first pass saw it: a trace changed since would give other events
 * (the first pass's counts, pools and records would not match them). */
static int reopen(struct mtan_ld_stream *s)
{
	struct loader *L = s->L;
	struct stat now;
	int rc;
	s->opened = 1;
	if (stat(L->trace, &now) < 0 || now.st_size != L->tst->st_size ||
	    now.st_mtim.tv_sec != L->tst->st_mtim.tv_sec || now.st_mtim.tv_nsec != L->tst->st_mtim.tv_nsec) {
		mtan_err("'%s': the trace changed while it was being loaded", L->trace);
		return -1;
	}
	if ((rc = mtf_reader_open(&s->r, L->trace)) < 0) {
		mtan_err("cannot open '%s': %s", L->trace, rc > MTF_E_BASE ? strerror(-rc) : mtf_strerror(rc));
		return -1;
	}
	return 0;
}

static void heap_up(struct hent *h, size_t i)
{
	struct hent x = h[i];
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!before(x.seq, x.pos, h[p].seq, h[p].pos))
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = x;
}

static void heap_down(struct hent *h, size_t n, size_t i)
{
	struct hent x = h[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && before(h[c + 1].seq, h[c + 1].pos, h[c].seq, h[c].pos))
			c++;
		if (!before(h[c].seq, h[c].pos, x.seq, x.pos))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = x;
}

static uint32_t slot_new(struct mtan_ld_stream *s)
{
	if (s->free != NONE) {
		uint32_t k = s->free;
		s->free = s->next[k];
		return k;
	}
	if (s->nslot == s->capslot) {
		size_t cap = s->capslot ? s->capslot * 2 : 1024;
		struct item *p = realloc(s->slot, cap * sizeof(*p));
		if (!p)
			return NONE;
		s->slot = p;
		uint32_t *q = realloc(s->next, cap * sizeof(*q));
		if (!q)
			return NONE;
		s->next = q;
		s->capslot = cap;
	}
	return (uint32_t)s->nslot++;
}

/* Puts it in the window: the run whose last item is the highest below it, else a new run,
 * else the heap. -2: it comes before an item already out (the window was too small). */
static int put(struct mtan_ld_stream *s, const struct ev *e)
{
	uint64_t pos = s->pos++;
	if (s->emitted && before(e->seq, pos, s->last_seq, s->last_pos))
		return -2;
	uint32_t k = slot_new(s);
	if (k == NONE)
		return -1;
	s->slot[k].e = *e;
	s->slot[k].pos = pos;
	s->next[k] = NONE;
	struct run *best = NULL, *empty = NULL;
	for (size_t i = 0; i < RUNS; i++) {
		struct run *r = &s->runs[i];
		if (!r->n) {
			empty = empty ? empty : r;
			continue;
		}
		const struct item *t = &s->slot[r->tail];
		if (!before(e->seq, pos, t->e.seq, t->pos) &&
		    (!best || before(s->slot[best->tail].e.seq, s->slot[best->tail].pos, t->e.seq, t->pos)))
			best = r;
	}
	if (!best && empty) {
		best = empty;
		best->head = k;
	} else if (best) {
		s->next[best->tail] = k;
	}
	if (best) {
		best->tail = k;
		best->n++;
	} else {
		if (s->nheap == s->capheap) {
			size_t cap = s->capheap ? s->capheap * 2 : 1024;
			struct hent *h = realloc(s->heap, cap * sizeof(*h));
			if (!h)
				return -1;
			s->heap = h;
			s->capheap = cap;
		}
		s->heap[s->nheap] = (struct hent){e->seq, pos, k};
		heap_up(s->heap, s->nheap++);
	}
	s->count++;
	return 0;
}

/* Takes the lowest item out of the window into *e. */
static void take(struct mtan_ld_stream *s, struct ev *e)
{
	struct run *min = NULL;
	uint64_t ms = 0, mp = 0;
	for (size_t i = 0; i < RUNS; i++) {
		struct run *r = &s->runs[i];
		if (r->n && (!min || before(s->slot[r->head].e.seq, s->slot[r->head].pos, ms, mp))) {
			min = r;
			ms = s->slot[r->head].e.seq;
			mp = s->slot[r->head].pos;
		}
	}
	uint32_t k;
	if (s->nheap && (!min || before(s->heap[0].seq, s->heap[0].pos, ms, mp))) {
		k = s->heap[0].slot;
		s->heap[0] = s->heap[--s->nheap];
		if (s->nheap)
			heap_down(s->heap, s->nheap, 0);
	} else {
		k = min->head;
		min->head = s->next[k];
		if (!--min->n)
			min->head = min->tail = NONE;
	}
	*e = s->slot[k].e;
	s->last_seq = e->seq;
	s->last_pos = s->slot[k].pos;
	s->emitted = 1;
	s->next[k] = s->free;
	s->free = k;
	s->count--;
}

/* Records of the first pass that came before event number n of the trace, into the window. */
static int put_records(struct mtan_ld_stream *s, uint64_t n)
{
	struct loader *L = s->L;
	for (; s->nrec < L->recs.n && L->recs.p[s->nrec].pos <= n; s->nrec++) {
		const struct rec *c = &L->recs.p[s->nrec];
		struct ev e = {.seq = c->seq, .time_ns = c->time_ns, .pool = (uint32_t)s->nrec, .op = REC_EV};
		int rc = put(s, &e);
		if (rc)
			return rc;
	}
	return 0;
}

/* The next event of the trace into the window; 0 when the first pass's events are all in. */
static int read_one(struct mtan_ld_stream *s)
{
	struct loader *L = s->L;
	int rc;
	if (s->events == L->events)
		return put_records(s, UINT64_MAX);
	while (s->rec.type != MTF_EVENTS || s->at >= s->rec.u.events.n) {
		if ((rc = mtf_reader_next(s->r, &s->rec)) != 1) {
			if (rc == MTF_E_NOMEM)
				return -1;
			mtan_err("'%s': the trace changed while it was being loaded", L->trace);
			L->reported = 1;
			return -1;
		}
		s->at = 0;
		s->pool = -1;
	}
	const mtf_event *x = &s->rec.u.events.ev[s->at++];
	if (s->pool < 0 || x->device != s->pool_dev || x->space != s->pool_space) {
		const uint32_t *v = map_get(&L->pool_map, (uint64_t)s->rec.u.events.pid << 32 | x->device, x->space);
		if (!v) {
			mtan_err("'%s': the trace changed while it was being loaded", L->trace);
			L->reported = 1;
			return -1;
		}
		s->pool = (int32_t)*v;
		s->pool_dev = x->device;
		s->pool_space = x->space;
	}
	if ((rc = put_records(s, s->events)))
		return rc;
	struct ev e = {.seq = x->seq, .time_ns = x->time_ns, .addr = x->addr, .size = x->size,
		       .pool = (uint32_t)s->pool, .tid = s->rec.u.events.tid, .stack = x->stack, .op = x->op};
	s->events++;
	rc = put(s, &e);
	return rc ? rc : 1;
}

int mtan_ld_stream_next(struct mtan_ld_stream *s, struct ev *e)
{
	if (!s->opened && reopen(s)) {
		s->L->reported = 1;
		return -1;
	}
	while (!s->eof && s->count <= s->window) {
		int rc = read_one(s);
		if (rc < 0)
			return rc;
		s->eof = rc == 0;
	}
	if (!s->count)
		return 0;
	take(s, e);
	return 1;
}
