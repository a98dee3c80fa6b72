/* aggregate.c: what the pairing counts as it goes: the live bytes and peaks of every scope,
 * the timeline's buckets, and the live bytes at recurring marks (growth's axis). */
#include "loader.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* Marks whose label recurs (MARKS_RECUR times or more, trailing digits aside: "frame",
 * "round 0", "round 1", ...) keep the live bytes of every timeline scope at them: the
 * axis `mtan growth` judges an iterative program on. Every k-th of each label when
 * there are many. */
static int same_label(const struct rec *x, const struct rec *y)
{
	size_t nx = x->len1, ny = y->len1;
	while (nx && x->s1[nx - 1] >= '0' && x->s1[nx - 1] <= '9')
		nx--;
	while (ny && y->s1[ny - 1] >= '0' && y->s1[ny - 1] <= '9')
		ny--;
	int c = memcmp(x->s1, y->s1, nx < ny ? nx : ny);
	if (c || nx != ny)
		return c ? c : nx < ny ? -1 : 1;
	return (nx < x->len1) - (ny < y->len1); /* "frame" and "frame1", "frame2" are two labels */
}

static int by_label(const void *a, const void *b, void *ctx)
{
	const struct loader *L = ctx;
	const struct rec *x = &L->recs.p[*(const uint32_t *)a], *y = &L->recs.p[*(const uint32_t *)b];
	int c = same_label(x, y);
	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int mtan_ld_keep_marks(struct loader *L)
{
	size_t n = 0, tracks = 0;
	for (size_t i = 0; i < L->recs.n; i++)
		n += L->recs.p[i].type == MTF_MARK;
	for (size_t i = 0; i < L->tracks.n; i++)
		tracks += !(L->tracks.p[i].scope & T_ALL_DEVICES);
	if (!n || !tracks)
		return 0;
	uint32_t *m = malloc(n * sizeof(*m));
	if (!m)
		return -1;
	n = 0;
	for (size_t i = 0; i < L->recs.n; i++)
		if (L->recs.p[i].type == MTF_MARK)
			m[n++] = (uint32_t)i;
	qsort_r(m, n, sizeof(*m), by_label, L);
	size_t kept = 0, per = MLIVE_MAX / tracks;
	for (size_t i = 0; i < n;) {
		size_t j = i + 1; /* the run of one label */
		while (j < n && !same_label(&L->recs.p[m[i]], &L->recs.p[m[j]]))
			j++;
		size_t count = j - i;
		if (count >= MARKS_RECUR) {
			size_t stride = (count + MARKS_KEPT - 1) / MARKS_KEPT;
			for (size_t k = i; k < j; k += stride)
				if (kept < per) {
					L->recs.p[m[k]].keep = 1;
					kept++;
				}
		}
		i = j;
	}
	free(m);
	return 0;
}

/* A kept mark: the live bytes of every timeline scope (one process's space, a space over
 * all processes) before it. */
int mtan_ld_snapshot(struct loader *L, uint32_t rec)
{
	for (size_t i = 0; i < L->tracks.n; i++) {
		const struct track *t = &L->tracks.p[i];
		if (t->scope & T_ALL_DEVICES)
			continue;
		struct mlive *m = VEC_PUSH(L->mlive);
		if (!m)
			return -1;
		m->rec = rec;
		m->track = (uint32_t)i;
		m->live = t->live;
		m->blocks = t->blocks;
	}
	return 0;
}

/* ------------------------------------------------------------------ pairing */

/* Ends a timeline track's bucket in progress: its state goes to a timeline row. */
int mtan_ld_tl_flush(struct loader *L, uint32_t k)
{
	struct track *t = &L->tracks.p[k];
	if (t->bucket == NONE)
		return 0;
	struct tl_row *r = VEC_PUSH(L->tl);
	if (!r)
		return -1;
	r->track = k;
	r->bucket = t->bucket;
	r->allocs = t->b_allocs;
	r->frees = t->b_frees;
	r->live = t->live;
	r->blocks = t->blocks;
	r->max = t->b_max;
	r->in = t->b_in;
	r->out = t->b_out;
	r->seq = t->b_seq;
	r->ns = t->b_ns;
	t->bucket = NONE;
	return 0;
}

/* A block of delta bytes comes in (blocks 1) or goes (blocks -1) at an event: the live
 * bytes and peaks of the pool's scopes, and the timeline of the first two (one process's
 * space, and that space over all processes). */
int mtan_ld_track_add(struct loader *L, struct pool *p, int64_t delta, int blocks, const struct ev *at)
{
	p->live += delta;
	for (int i = 0; i < 4; i++) {
		struct track *t = &L->tracks.p[p->track[i]];
		if (i < 2 && t->bucket != L->bucket) {
			if (mtan_ld_tl_flush(L, p->track[i]))
				return -1;
			t->bucket = L->bucket;
			t->b_allocs = t->b_frees = 0;
			t->b_in = t->b_out = 0;
			t->b_max = INT64_MIN;
		}
		t->live += delta;
		t->blocks += blocks;
		if (t->live > t->peak) {
			t->peak = t->live;
			t->peak_seq = at->seq;
			t->peak_ns = at->time_ns;
		}
		if (i >= 2)
			continue;
		if (blocks > 0) {
			t->b_allocs++;
			t->b_in += (uint64_t)delta;
		} else {
			t->b_frees++;
			t->b_out += (uint64_t)-delta;
		}
		if (t->live > t->b_max)
			t->b_max = t->live;
		t->b_seq = at->seq;
		t->b_ns = at->time_ns;
	}
	return 0;
}

