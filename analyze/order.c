/* order.c: the events in one global seq order, and their times: interpolated by seq
 * between the collector's clock readings; the pairing draws them from here one at a time
 * (struct ev_source), from memory (sorted here) or read again from the trace (stream.c). */
#include "loader.h"
#include "output.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* ------------------------------------------------------------------ ordering */

struct key {
	uint64_t seq;
	uint32_t i;
};

static int by_seq(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* The indexes of L->evs in seq order (caller frees). seqs are unique and nearly dense, so
 * a direct slot per seq sorts in two passes; duplicates (a damaged or hostile trace) or
 * sparse seqs fall back to a comparison sort, stable by position. */
uint32_t *mtan_ld_seq_order(struct loader *L)
{
	size_t n = L->evs.n;
	uint32_t *order = malloc((n ? n : 1) * sizeof(*order));
	if (!order)
		return NULL;
	uint64_t lo = UINT64_MAX, hi = 0;
	int sorted = 1; /* already in seq order, seqs unique (one thread's trace): as they are */
	for (size_t i = 0; i < n; i++) {
		uint64_t s = L->evs.p[i].seq;
		sorted &= i == 0 || s > L->evs.p[i - 1].seq;
		lo = s < lo ? s : lo;
		hi = s > hi ? s : hi;
	}
	if (sorted) {
		for (size_t i = 0; i < n; i++)
			order[i] = (uint32_t)i;
		return order;
	}
	if (n && hi - lo < 4 * (uint64_t)n + 1024) {
		size_t range = (size_t)(hi - lo) + 1;
		uint32_t *slot = malloc(range * sizeof(*slot));
		if (slot) {
			memset(slot, 0xff, range * sizeof(*slot));
			size_t i;
			for (i = 0; i < n; i++) {
				uint32_t *s = &slot[L->evs.p[i].seq - lo];
				if (*s != NONE)
					break;
				*s = (uint32_t)i;
			}
			if (i == n) {
				size_t k = 0;
				for (size_t j = 0; j < range; j++)
					if (slot[j] != NONE)
						order[k++] = slot[j];
				assert(k == n); /* distinct seqs: one slot each */
				free(slot);
				return order;
			}
			free(slot);
		}
	}
	struct key *keys = malloc((n ? n : 1) * sizeof(*keys));
	if (!keys) {
		free(order);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		keys[i].seq = L->evs.p[i].seq;
		keys[i].i = (uint32_t)i;
	}
	if (n)
		qsort(keys, n, sizeof(*keys), by_seq);
	for (size_t i = 0; i < n; i++)
		order[i] = keys[i].i;
	free(keys);
	return order;
}

/* ------------------------------------------------------------------ time */

static int by_reading(const void *a, const void *b)
{
	const struct reading *x = a, *y = b;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->t < y->t ? -1 : x->t > y->t;
}

/* The time of seq between the collector's clock readings: readings k (the last with
 * seq_k < seq, the latest of them) and k + 1 (the first with seq_{k+1} >= seq, the
 * earliest of them) bracket it, and it is placed between their times in proportion to
 * its seq. Outside the readings the recorded stamp stays (clamped to them). *k is where
 * to start looking (a hint: seqs come in order mostly) and where it was found. */
static uint64_t time_at(const struct loader *L, uint64_t seq, uint64_t stamp, size_t *k)
{
	const struct reading *r = L->clocks.p;
	size_t n = L->clocks.n, i = *k < n ? *k : 0;
	if (r[i].seq >= seq) { /* back: a binary search for the first reading >= seq */
		size_t lo = 0, hi = i;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (r[mid].seq < seq)
				lo = mid + 1;
			else
				hi = mid;
		}
		i = lo;
	} else {
		while (i < n && r[i].seq < seq)
			i++;
	}
	*k = i;
	if (i == 0)
		return stamp < r[0].t ? stamp : r[0].t;
	const struct reading *a = &r[i - 1];
	if (i == n)
		return stamp > a->t ? stamp : a->t;
	const struct reading *b = &r[i];
	double f = (double)(seq - a->seq) / (double)(b->seq - a->seq);
	return a->t + (uint64_t)(f * (double)(b->t - a->t) + 0.5);
}

/* Events, records and threads get their times interpolated by seq between the
 * collector's clock readings (CLOCK records; FORMAT.md section 6), unless the recorder
 * stamped each event with its own clock (--precise-time) or wrote no readings (an older
 * recorder): then the stamps stay. Says which (L->timing) and readies the readings; 1 when
 * interpolating. */
static int retime_prepare(struct loader *L)
{
	if (L->precise) {
		L->timing = "precise";
		return 0;
	}
	if (L->clocks.n < 2) {
		L->timing = "collector";
		return 0;
	}
	L->timing = "interpolated";
	qsort(L->clocks.p, L->clocks.n, sizeof(*L->clocks.p), by_reading);
	for (size_t i = 1; i < L->clocks.n; i++) /* a damaged trace's readings: never back */
		if (L->clocks.p[i].t < L->clocks.p[i - 1].t)
			L->clocks.p[i].t = L->clocks.p[i - 1].t;
	return 1;
}

static void retime_threads(struct loader *L, size_t k)
{
	for (size_t j = 0; j < L->threads.n; j++) {
		struct thread *t = &L->threads.p[j];
		if (t->seq != UINT64_MAX)
			t->time_ns = time_at(L, t->seq, t->time_ns, &k);
		if (t->named)
			t->rec_time = time_at(L, t->rec_seq, t->rec_time, &k);
	}
}

/* The events, records and threads retimed (above). order: L->evs in seq order. */
void mtan_ld_retime(struct loader *L, const uint32_t *order)
{
	if (!retime_prepare(L))
		return;
	size_t k = 0;
	for (size_t j = 0; j < L->evs.n; j++) {
		struct ev *e = &L->evs.p[order[j]];
		e->time_ns = time_at(L, e->seq, e->time_ns, &k);
		if (e->op == REC_EV)
			L->recs.p[e->pool].time_ns = e->time_ns;
	}
	retime_threads(L, k);
}

/* ------------------------------------------------------------------ streaming bounds */

/* Interpolated times are monotone in seq, and exactly so while every reading's time is
 * below 2^52 ns (the double arithmetic of time_at is exact there): the bounds of the
 * events between the readings are the times of their lowest and highest seq. */
#define EXACT_NS (1ull << 52)

int mtan_ld_stream_fits(const struct loader *L)
{
	if (L->precise || L->clocks.n < 2)
		return 1;
	if (L->bounds.over)
		return 0;
	for (size_t i = 0; i < L->clocks.n; i++)
		if (L->clocks.p[i].t >= EXACT_NS)
			return 0;
	return 1;
}

/* The lowest and highest time of the events, once retimed, from what the first pass kept
 * (struct bounds): at or below the first reading's seq an event's time is its stamp
 * clamped to at most the reading's time, so the lowest is among them when there are any;
 * else it is the lowest seq's, between the readings or after them. The highest likewise. */
static void stream_bounds(struct loader *L, int interp, uint64_t *lo, uint64_t *hi)
{
	const struct bounds *b = &L->bounds;
	if (!b->any)
		return;
	uint64_t elo = b->min_stamp, ehi = b->max_stamp;
	if (interp) {
		const struct reading *r0 = &L->clocks.p[0], *rn = &L->clocks.p[L->clocks.n - 1];
		size_t k = 0;
		if (b->min_seq <= r0->seq) {
			elo = r0->t;
			for (size_t i = 0; i < b->low.n; i++)
				if (b->low.p[i].seq <= r0->seq && b->low.p[i].stamp < elo)
					elo = b->low.p[i].stamp;
		} else if (b->min_seq <= rn->seq) {
			elo = time_at(L, b->min_seq, 0, &k);
		} else {
			elo = b->min_stamp > rn->t ? b->min_stamp : rn->t;
		}
		if (b->max_seq > rn->seq) {
			ehi = rn->t;
			for (size_t i = 0; i < b->high.n; i++)
				if (b->high.p[i].seq > rn->seq && b->high.p[i].stamp > ehi)
					ehi = b->high.p[i].stamp;
		} else if (b->max_seq > r0->seq) {
			ehi = time_at(L, b->max_seq, 0, &k);
		} else {
			ehi = b->max_stamp < r0->t ? b->max_stamp : r0->t;
		}
	}
	*lo = elo < *lo ? elo : *lo;
	*hi = ehi > *hi ? ehi : *hi;
}


/* ------------------------------------------------------------------ the source */

/* Streaming: the records and threads retimed now (the events as they come), the bounds
 * from the first pass, and the trace opened again at the first event. */
static int stream_open(struct loader *L, struct ev_source *src)
{
	src->interp = retime_prepare(L);
	src->n = (size_t)L->events + L->recs.n;
	src->lo = UINT64_MAX;
	size_t k = 0;
	for (size_t j = 0; j < L->recs.n; j++) {
		struct rec *c = &L->recs.p[j];
		if (src->interp)
			c->time_ns = time_at(L, c->seq, c->time_ns, &k);
		src->lo = c->time_ns < src->lo ? c->time_ns : src->lo;
		src->hi = c->time_ns > src->hi ? c->time_ns : src->hi;
	}
	if (src->interp)
		retime_threads(L, k);
	stream_bounds(L, src->interp, &src->lo, &src->hi);
	return mtan_ld_stream_open(L, &src->stream);
}

int mtan_ld_source_open(struct loader *L, struct ev_source *src)
{
	memset(src, 0, sizeof(*src));
	src->L = L;
	if (L->stream)
		return stream_open(L, src);
	if (!(src->order = mtan_ld_seq_order(L)))
		return -1;
	mtan_ld_retime(L, src->order);
	src->n = L->evs.n;
	src->lo = UINT64_MAX;
	for (size_t k = 0; k < L->evs.n; k++) {
		uint64_t t = L->evs.p[k].time_ns;
		src->lo = t < src->lo ? t : src->lo;
		src->hi = t > src->hi ? t : src->hi;
	}
	return 0;
}

const struct ev *mtan_ld_source_next(struct ev_source *src)
{
	struct loader *L = src->L;
	if (!src->stream)
		return src->k < src->n ? &L->evs.p[src->order[src->k++]] : NULL;
	int rc = mtan_ld_stream_next(src->stream, &src->cur);
	if (rc == 1) {
		struct ev *e = &src->cur;
		if (e->op == REC_EV)
			e->time_ns = L->recs.p[e->pool].time_ns;
		else if (src->interp)
			e->time_ns = time_at(L, e->seq, e->time_ns, &src->kt);
		src->k++;
		return e;
	}
	if (rc < 0) {
		if (rc == -1 && !L->reported)
			mtan_err("'%s': out of memory while pairing events", L->trace);
		L->reported = 1;
		L->stream_end = rc == -2 ? 1 : -1;
	}
	return NULL;
}

void mtan_ld_source_close(struct ev_source *src)
{
	mtan_ld_stream_free(src->stream);
	src->stream = NULL;
	free(src->order);
	src->order = NULL;
	src->k = src->n = 0;
	free(src->L->evs.p);
	memset(&src->L->evs, 0, sizeof(src->L->evs));
}
