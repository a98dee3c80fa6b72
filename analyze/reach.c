/* reach.c: leak kinds as memcheck defines them, from the words a process's exit scan found.
 * A chain of pointers to blocks' starts from a root makes a block still reachable; an
 * interior pointer anywhere on the way makes it possibly lost; what no root reaches is
 * lost, in cliques: the first block of each (by address) definitely, the blocks reached
 * from it indirectly (memcheck's lc_scan and its clique pass, valgrind's mc_leakcheck.c). */
#include "reach.h"

#include <stdint.h>
#include <stdlib.h>

const char *const mtan_leak_kinds[] = {NULL, "definitely_lost", "indirectly_lost", "possibly_lost",
				       "still_reachable", "not_scanned"};

enum { UNREACHED, REACHED, POSSIBLE, INDIRECT };

static int by_addr(const void *a, const void *b)
{
	const struct mtan_block *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Blocks by address, for finding the one a value points into: their starts apart (a
 * scan's millions of words each search them), and a hash table of the regions of 2^shift
 * bytes that blocks overlap: the blocks starting before region r are the first first[r],
 * those before the next one the first last[r]. A value in no such region is in no block
 * (most of a scan's words); in one, it is searched among the few starting in it. */
struct region {
	uint64_t key; /* region + 1; 0 empty */
	uint32_t first, last;
};
struct finder {
	const struct mtan_block *b;
	size_t n;
	uint64_t *start;
	struct region *tab;
	size_t mask;
	unsigned shift, hash_shift; /* hash_shift: 64 - log2(mask + 1) */
};

static size_t region_slot(const struct finder *f, uint64_t r)
{
	size_t j = (size_t)((r * 0x9E3779B97F4A7C15ull) >> f->hash_shift);
	while (f->tab[j].key && f->tab[j].key != r + 1)
		j = (j + 1) & f->mask;
	return j;
}

/* the blocks starting before v */
static uint32_t starts_before(const struct finder *f, uint64_t v)
{
	size_t lo = 0, hi = f->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->start[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (uint32_t)lo;
}

static int finder_init(struct finder *f, const struct mtan_block *b, size_t n)
{
	uint64_t regions;
	f->b = b;
	f->n = n;
	/* 64 KiB regions, larger when huge blocks would make too many */
	for (f->shift = 16;; f->shift++) {
		regions = 0;
		for (size_t i = 0; i < n; i++) {
			uint64_t end = b[i].addr + (b[i].size ? b[i].size : 1) - 1;
			regions += (end >> f->shift) - (b[i].addr >> f->shift) + 1;
		}
		if (regions <= 4 * (uint64_t)n + 65536 || f->shift == 63)
			break;
	}
	size_t cap = 16;
	f->hash_shift = 60;
	while (cap < 2 * regions) {
		cap *= 2;
		f->hash_shift--;
	}
	f->mask = cap - 1;
	f->start = malloc((n ? n : 1) * sizeof(*f->start));
	f->tab = calloc(cap, sizeof(*f->tab));
	if (!f->start || !f->tab)
		return -1;
	for (size_t i = 0; i < n; i++)
		f->start[i] = b[i].addr;
	for (size_t i = 0; i < n; i++) {
		uint64_t end = b[i].addr + (b[i].size ? b[i].size : 1) - 1;
		for (uint64_t r = b[i].addr >> f->shift; r <= end >> f->shift; r++) {
			struct region *g = &f->tab[region_slot(f, r)];
			if (g->key)
				continue;
			g->key = r + 1;
			g->first = starts_before(f, r << f->shift);
			g->last = r + 1 > UINT64_MAX >> f->shift ? (uint32_t)n : starts_before(f, (r + 1) << f->shift);
		}
	}
	return 0;
}

static void finder_release(struct finder *f)
{
	free(f->start);
	free(f->tab);
}

/* The block holding v (a pointer to its start or inside it), or n. */
static size_t block_at(const struct finder *f, uint64_t v)
{
	const struct region *g = &f->tab[region_slot(f, v >> f->shift)];
	if (!g->key)
		return f->n;
	/* the first block starting above v: it is among those starting in v's region, or
	 * the first after it */
	size_t lo = g->first, hi = g->last;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->start[mid] <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return f->n;
	const struct mtan_block *c = &f->b[lo - 1];
	return v - c->addr < c->size || v == c->addr ? lo - 1 : f->n;
}

static int in_arena(const uint64_t *arenas, size_t narenas, uint64_t v)
{
	size_t lo = 0, hi = narenas;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v < arenas[2 * mid])
			hi = mid;
		else if (v >= arenas[2 * mid + 1])
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

/* The heads a search can ask for, by value: those of pointers 8 or 24 bytes into a block
 * (heuristic reads no other); the first of equal values stands. A scan has millions of
 * heads, most of them of other interior pointers. */
struct head {
	uint64_t p;   /* the value */
	uint64_t idx; /* its index in h + 1; 0 an empty slot */
};
struct heads {
	const uint64_t *h;
	struct head *slot;
	size_t mask;
	unsigned shift; /* 64 - log2(mask + 1): a slot is a product's top bits */
};

static size_t head_slot(const struct heads *hs, uint64_t p)
{
	size_t j = (size_t)((p * 0x9E3779B97F4A7C15ull) >> hs->shift);
	while (hs->slot[j].idx && hs->slot[j].p != p)
		j = (j + 1) & hs->mask;
	return j;
}

/* a head heuristic may read: of a pointer 8 or 24 bytes into the block it points into */
static int wanted(const struct finder *f, uint64_t p)
{
	size_t t = block_at(f, p);
	return t != f->n && (p - f->b[t].addr == 8 || p - f->b[t].addr == 24);
}

static int heads_init(struct heads *hs, const struct finder *f, const struct mtan_scan_view *v)
{
	size_t k = 0, cap = 16;
	for (size_t i = 0; i < v->nheads; i++)
		k += wanted(f, v->heads[4 * i]);
	hs->shift = 60;
	while (cap < 2 * k) {
		cap *= 2;
		hs->shift--;
	}
	hs->h = v->heads;
	hs->mask = cap - 1;
	if (!(hs->slot = calloc(cap, sizeof(*hs->slot))))
		return -1;
	for (size_t i = 0; k && i < v->nheads; i++) {
		uint64_t p = v->heads[4 * i];
		if (!wanted(f, p))
			continue;
		size_t j = head_slot(hs, p);
		if (!hs->slot[j].idx)
			hs->slot[j] = (struct head){p, (uint64_t)i + 1};
	}
	return 0;
}

/* the three words before p, or NULL */
static const uint64_t *head_of(const struct heads *hs, uint64_t p)
{
	size_t j = head_slot(hs, p);
	return hs->slot[j].idx ? &hs->h[4 * (hs->slot[j].idx - 1) + 1] : NULL;
}

static int has_vtable(const struct mtan_scan_view *v, uint64_t loc)
{
	size_t lo = 0, hi = v->nvtables;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v->vtables[mid] < loc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < v->nvtables && v->vtables[lo] == loc;
}

/* memcheck's heuristic_reachedness (mc_leakcheck.c), for a pointer p into block c's
 * interior: an interior pointer that an idiom explains counts as one to the start. h are
 * the three words before p, when the scan kept them. */
static int heuristic(const struct mtan_scan_view *v, const struct heads *hs, const struct mtan_block *c,
		     uint64_t p)
{
	/* every idiom that reads the words before p has p 8 or 24 bytes in */
	const uint64_t *h = p - c->addr == 8 || p - c->addr == 24 ? head_of(hs, p) : NULL;
	if (h && p == c->addr + 24 && 24 + h[1] + 1 == c->size && h[0] <= h[1])
		return 1; /* stdstring: length, capacity, refcount, then the characters */
	if (h && p == c->addr + 8 && h[2] > 0 && c->size - 8 == h[2])
		return 1; /* length64: the size of the rest first (sqlite) */
	if (h && p == c->addr + 8 && h[2] > 0 && (c->size - 8) % h[2] == 0)
		return 1; /* newarray: new[] of objects with destructors keeps their count first */
	if (!(p & 7) && has_vtable(v, p) && has_vtable(v, c->addr))
		return 1; /* multipleinheritance: a base subobject, vtables at both ends */
	return 0;
}

struct graph {
	uint32_t *first; /* edges of block i: to[first[i] .. first[i + 1]) */
	uint32_t *to;    /* target index << 1 | 1 for a pointer to its start */
	uint32_t *roots; /* the same, from roots (few: grown as found, not one a word) */
	size_t nroots, roots_cap;
	uint8_t *state;
	uint32_t *stack;
	size_t depth;
};

/* memcheck's lc_push_without_clique_if_a_chunk_pointer: a start pointer from definitely
 * reached memory makes a block reached; anything else makes an unreached block possible. */
static void reach(struct graph *g, uint32_t edge, int definite)
{
	uint32_t t = edge >> 1;
	if (g->state[t] == REACHED)
		return;
	if ((edge & 1) && definite)
		g->state[t] = REACHED;
	else if (g->state[t] == UNREACHED)
		g->state[t] = POSSIBLE;
	else
		return;
	g->stack[g->depth++] = t; /* a block is pushed at most twice: as possible, as reached */
}

int mtan_reach(struct mtan_block *b, size_t n, const struct mtan_scan_view *v)
{
	const uint64_t *words = v->words;
	size_t nwords = v->nwords;
	int ret = -1;
	struct graph g = {0};
	struct finder f = {0};
	uint32_t *src = NULL;
	struct heads hs = {0};
	qsort(b, n, sizeof(*b), by_addr);
	if (finder_init(&f, b, n) || heads_init(&hs, &f, v))
		goto out;
	g.first = calloc(n + 2, sizeof(uint32_t));
	g.to = malloc((nwords ? nwords : 1) * sizeof(uint32_t));
	src = malloc((nwords ? nwords : 1) * sizeof(uint32_t));
	g.state = calloc(n ? n : 1, 1);
	g.stack = malloc((2 * n + 1) * sizeof(uint32_t));
	if (!g.first || !g.to || !src || !g.state || !g.stack)
		goto out;
	/* each word: an edge from the block it lies in, a root outside blocks and arenas.
	 * Values outside every block are most words: rejected before any search. The scan
	 * writes words in address order, so the block a word lies in is most often the one
	 * the word before lay in. */
	size_t nedges = 0, last = n;
	for (size_t w = 0; w < nwords; w++) {
		uint64_t p = words[2 * w + 1], loc = words[2 * w];
		size_t t = block_at(&f, p);
		if (t == n)
			continue;
		uint32_t edge = (uint32_t)t << 1 | (p == b[t].addr || heuristic(v, &hs, &b[t], p));
		size_t s = last < n && (loc - b[last].addr < b[last].size || loc == b[last].addr)
				   ? last : block_at(&f, loc);
		last = s;
		if (s < n && words[2 * w] + 8 > b[s].addr + b[s].size)
			continue; /* memcheck reads a block's whole words only: the rest is slack */
		if (s < n) {
			src[nedges] = (uint32_t)s;
			g.to[nedges++] = edge;
			g.first[s + 2]++;
		} else if (!in_arena(v->arenas, v->narenas, words[2 * w])) {
			if (g.nroots == g.roots_cap) {
				size_t cap = g.roots_cap ? 2 * g.roots_cap : 1024;
				uint32_t *q = realloc(g.roots, cap * sizeof(*q));
				if (!q)
					goto out;
				g.roots = q;
				g.roots_cap = cap;
			}
			g.roots[g.nroots++] = edge;
		}
	}
	/* counting sort by source: first[i + 1] counts edges of i, then becomes its start */
	for (size_t i = 2; i < n + 2; i++)
		g.first[i] += g.first[i - 1];
	uint32_t *sorted = malloc((nedges ? nedges : 1) * sizeof(uint32_t));
	if (!sorted)
		goto out;
	for (size_t e = 0; e < nedges; e++)
		sorted[g.first[src[e] + 1]++] = g.to[e];
	free(g.to);
	g.to = sorted;
	for (size_t r = 0; r < g.nroots; r++)
		reach(&g, g.roots[r], 1);
	while (g.depth) {
		uint32_t s = g.stack[--g.depth];
		int definite = g.state[s] == REACHED;
		for (uint32_t e = g.first[s]; e < g.first[s + 1]; e++)
			reach(&g, g.to[e], definite);
	}
	/* cliques: an unreached block leads the unreached ones it reaches (start or interior
	 * pointers alike), taking over earlier leaders it meets */
	for (size_t i = 0; i < n; i++) {
		if (g.state[i] != UNREACHED)
			continue;
		g.stack[g.depth++] = (uint32_t)i;
		while (g.depth) {
			uint32_t s = g.stack[--g.depth];
			for (uint32_t e = g.first[s]; e < g.first[s + 1]; e++) {
				uint32_t t = g.to[e] >> 1;
				if (t != i && g.state[t] == UNREACHED) {
					g.state[t] = INDIRECT;
					g.stack[g.depth++] = t;
				}
			}
		}
	}
	static const uint8_t kind[] = {MTAN_KIND_DEFINITE, MTAN_KIND_REACHABLE, MTAN_KIND_POSSIBLE,
				       MTAN_KIND_INDIRECT};
	for (size_t i = 0; i < n; i++)
		b[i].kind = kind[g.state[i]];
	ret = 0;
out:
	finder_release(&f);
	free(hs.slot);
	free(g.first);
	free(g.to);
	free(g.roots);
	free(src);
	free(g.state);
	free(g.stack);
	return ret;
}
