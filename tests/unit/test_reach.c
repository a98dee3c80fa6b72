/* Leak kinds from a scan's words (analyze/reach.c), against memcheck's definitions: each
 * case is a small heap with known pointers, and the kinds valgrind gives it. */
#include "reach.h"
#include "unit.h"

#include <string.h>

#define ROOT 0x1000 /* a global (module data): not in a block, not in an arena */
#define ARENA_LO 0x90000
#define ARENA_HI 0xa0000

/* Blocks at 0x10000 * (i + 1), 64 bytes each, ids = index. */
static void heap(struct mtan_block *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (struct mtan_block){0x10000 * (i + 1), 64, (uint32_t)i, 0};
}
#define B(i) (0x10000ull * ((i) + 1))

static uint8_t kind_of(const struct mtan_block *b, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (b[i].id == id)
			return b[i].kind;
	return 0xff;
}

static const uint64_t arenas[2] = {ARENA_LO, ARENA_HI};

/* mtan_reach over words and the one arena, no heads or vtables */
static int reach(struct mtan_block *b, size_t n, const uint64_t *w, size_t nw, const uint64_t *a, size_t na)
{
	struct mtan_scan_view v = {w, nw, a, na, NULL, 0, NULL, 0};
	return mtan_reach(b, n, &v);
}

/* 0: held by a global; 1: nothing points to it; 2 -> 3: a lost node holding another */
static void kinds_basic(void)
{
	struct mtan_block b[4];
	heap(b, 4);
	uint64_t w[] = {ROOT, B(0), B(2) + 8, B(3)};
	CHECK(reach(b, 4, w, 2, arenas, 1) == 0);
	CHECK_EQ_U(kind_of(b, 4, 0), MTAN_KIND_REACHABLE);
	CHECK_EQ_U(kind_of(b, 4, 1), MTAN_KIND_DEFINITE);
	CHECK_EQ_U(kind_of(b, 4, 2), MTAN_KIND_DEFINITE);
	CHECK_EQ_U(kind_of(b, 4, 3), MTAN_KIND_INDIRECT);
}

/* A cycle nothing reaches: its first block (by address) definitely lost, the rest
 * indirectly; the same when the pointers run backwards (a later leader absorbs an
 * earlier one). */
static void kinds_cycle(void)
{
	struct mtan_block b[3];
	heap(b, 3);
	uint64_t w[] = {B(0), B(1), B(1), B(2), B(2), B(0)};
	CHECK(reach(b, 3, w, 3, arenas, 1) == 0);
	CHECK_EQ_U(kind_of(b, 3, 0), MTAN_KIND_DEFINITE);
	CHECK_EQ_U(kind_of(b, 3, 1), MTAN_KIND_INDIRECT);
	CHECK_EQ_U(kind_of(b, 3, 2), MTAN_KIND_INDIRECT);
	heap(b, 3); /* 2 -> 1 -> 0: block 0 leads first, then 2 takes it over */
	uint64_t r[] = {B(2), B(1), B(1), B(0)};
	CHECK(reach(b, 3, r, 2, arenas, 1) == 0);
	CHECK_EQ_U(kind_of(b, 3, 2), MTAN_KIND_DEFINITE);
	CHECK_EQ_U(kind_of(b, 3, 1), MTAN_KIND_INDIRECT);
	CHECK_EQ_U(kind_of(b, 3, 0), MTAN_KIND_INDIRECT);
}

/* Interior pointers: possibly lost, and what only a possibly lost block reaches is
 * possibly lost too; a start pointer found later from definite memory upgrades a block
 * and what it reaches. */
static void kinds_interior(void)
{
	struct mtan_block b[4];
	heap(b, 4);
	uint64_t w[] = {ROOT, B(0) + 10, B(0), B(1), ROOT + 8, B(2) + 63, B(2) + 8, B(3)};
	CHECK(reach(b, 4, w, 4, arenas, 1) == 0);
	CHECK_EQ_U(kind_of(b, 4, 0), MTAN_KIND_POSSIBLE);
	CHECK_EQ_U(kind_of(b, 4, 1), MTAN_KIND_POSSIBLE);
	CHECK_EQ_U(kind_of(b, 4, 2), MTAN_KIND_POSSIBLE);
	CHECK_EQ_U(kind_of(b, 4, 3), MTAN_KIND_POSSIBLE);
	heap(b, 4);
	uint64_t u[] = {ROOT, B(0) + 10, B(0), B(1), ROOT + 8, B(0)};
	CHECK(reach(b, 4, u, 3, arenas, 1) == 0);
	CHECK_EQ_U(kind_of(b, 4, 0), MTAN_KIND_REACHABLE);
	CHECK_EQ_U(kind_of(b, 4, 1), MTAN_KIND_REACHABLE);
	/* one past the end is not inside: 64-byte block 3 is not reached by B(3) + 64 */
	heap(b, 4);
	uint64_t e[] = {ROOT, B(3) + 64};
	CHECK(reach(b, 4, e, 1, arenas, 1) == 0);
	CHECK_EQ_U(kind_of(b, 4, 3), MTAN_KIND_DEFINITE);
}

/* Words in an arena outside any block (free chunks' stale pointers) are no roots; words
 * in blocks that no root reaches reach nothing; a block pointing to itself is lost. */
static void kinds_arena(void)
{
	struct mtan_block b[2];
	heap(b, 2);
	uint64_t w[] = {ARENA_LO + 16, B(0), B(1), B(1)};
	CHECK(reach(b, 2, w, 2, arenas, 1) == 0);
	CHECK_EQ_U(kind_of(b, 2, 0), MTAN_KIND_DEFINITE);
	CHECK_EQ_U(kind_of(b, 2, 1), MTAN_KIND_DEFINITE);
	/* zero-sized blocks: only a pointer to their address reaches them */
	struct mtan_block z[2] = {{0x5000, 0, 7, 0}, {0x5010, 0, 8, 0}};
	uint64_t zw[] = {ROOT, 0x5000, ROOT + 8, 0x5011};
	CHECK(reach(z, 2, zw, 2, arenas, 1) == 0);
	CHECK_EQ_U(kind_of(z, 2, 7), MTAN_KIND_REACHABLE);
	CHECK_EQ_U(kind_of(z, 2, 8), MTAN_KIND_DEFINITE);
	CHECK(reach(z, 0, zw, 2, NULL, 0) == 0); /* nothing live: nothing to judge */
	/* a word that starts inside a 42-byte block but runs into malloc's slack (its offset
	 * 40) is not the block's: memcheck reads whole words only (perl's stale pointer) */
	heap(b, 2);
	b[0].size = 42;
	uint64_t sw[] = {ROOT, B(0), B(0) + 40, B(1)};
	CHECK(reach(b, 2, sw, 2, arenas, 1) == 0);
	CHECK_EQ_U(kind_of(b, 2, 0), MTAN_KIND_REACHABLE);
	CHECK_EQ_U(kind_of(b, 2, 1), MTAN_KIND_DEFINITE);
}

/* memcheck's default heuristics: interior pointers that an idiom explains reach a block
 * as a pointer to its start would (still reachable, not possibly lost). */
static void kinds_heuristics(void)
{
	struct mtan_block b[5];
	heap(b, 5);
	b[0].size = 48; /* new T[5], sizeof(T) 8: the count, then the array (p = data + 8) */
	b[1].size = 64; /* length64: 56 first, then the rest */
	b[2].size = 24 + 30 + 1; /* stdstring: length 10, capacity 30, refcount, chars */
	/* block 3: a C with vtables at 0 and at 16, a pointer to its base at 16 */
	uint64_t w[] = {ROOT, B(0) + 8, ROOT + 8, B(1) + 8, ROOT + 16, B(2) + 24, ROOT + 24, B(3) + 16,
			ROOT + 32, B(4) + 8};
	uint64_t h[] = {B(0) + 8, 0, 0, 5, B(1) + 8, 0, 0, 56, B(2) + 24, 10, 30, 0,
			B(4) + 8, 0, 0, 5}; /* 5 does not divide 56: block 4 stays possibly lost */
	uint64_t vt[] = {B(3), B(3) + 16};
	struct mtan_scan_view v = {w, 5, arenas, 1, h, 4, vt, 2};
	CHECK(mtan_reach(b, 5, &v) == 0);
	CHECK_EQ_U(kind_of(b, 5, 0), MTAN_KIND_REACHABLE);
	CHECK_EQ_U(kind_of(b, 5, 1), MTAN_KIND_REACHABLE);
	CHECK_EQ_U(kind_of(b, 5, 2), MTAN_KIND_REACHABLE);
	CHECK_EQ_U(kind_of(b, 5, 3), MTAN_KIND_REACHABLE);
	CHECK_EQ_U(kind_of(b, 5, 4), MTAN_KIND_POSSIBLE);
	/* without the heads and vtables the same pointers are only interior */
	heap(b, 5);
	v.nheads = v.nvtables = 0;
	CHECK(mtan_reach(b, 5, &v) == 0);
	CHECK_EQ_U(kind_of(b, 5, 0), MTAN_KIND_POSSIBLE);
	CHECK_EQ_U(kind_of(b, 5, 3), MTAN_KIND_POSSIBLE);
}

/* Blocks far apart (a heap and mappings 2^46 bytes above it) and one of 3 MiB across many
 * of the regions reach.c looks values up by; heads in any order, the first of two for one
 * value standing (the scan's order) */
static void kinds_sparse(void)
{
	const uint64_t far = 1ull << 46, big = 3u << 20;
	struct mtan_block b[4] = {{far + big + 0x100000, 64, 3, 0}, {B(0), 64, 0, 0}, {far, big, 2, 0},
				  {B(1), 64, 1, 0}};
	/* ROOT -> deep inside the big block (possible); from inside it, 8 bytes into block 0
	 * (length64 by the first head of that value: reachable only if the second is not read) */
	uint64_t w[] = {ROOT, far + (2u << 20) + 8, far + (2u << 20) + 16, B(0) + 8, ROOT + 8, far + big + 0x100000 + 24,
			ROOT + 16, far + big - 1};
	uint64_t h[] = {far + big + 0x100000 + 24, 1, 2, 3, B(0) + 8, 0, 0, 56, B(0) + 8, 0, 0, 55};
	struct mtan_scan_view v = {w, 4, arenas, 1, h, 3, NULL, 0};
	CHECK(mtan_reach(b, 4, &v) == 0);
	CHECK_EQ_U(kind_of(b, 4, 2), MTAN_KIND_POSSIBLE);
	CHECK_EQ_U(kind_of(b, 4, 0), MTAN_KIND_POSSIBLE); /* reached from a possibly lost block */
	CHECK_EQ_U(kind_of(b, 4, 1), MTAN_KIND_DEFINITE);
	CHECK_EQ_U(kind_of(b, 4, 3), MTAN_KIND_POSSIBLE); /* +24, and no stdstring header */
	/* from a root, the same pointer 8 bytes into block 0: length64 by the first head (56) */
	struct mtan_block c[4] = {{far + big + 0x100000, 64, 3, 0}, {B(0), 64, 0, 0}, {far, big, 2, 0},
				  {B(1), 64, 1, 0}};
	uint64_t w2[] = {ROOT, B(0) + 8, ROOT + 8, far + 100, ROOT + 16, far - 8};
	struct mtan_scan_view v2 = {w2, 3, arenas, 1, h, 3, NULL, 0};
	CHECK(mtan_reach(c, 4, &v2) == 0);
	CHECK_EQ_U(kind_of(c, 4, 0), MTAN_KIND_REACHABLE);
	CHECK_EQ_U(kind_of(c, 4, 2), MTAN_KIND_POSSIBLE);
	CHECK_EQ_U(kind_of(c, 4, 1), MTAN_KIND_DEFINITE);
	h[7] = 55; /* the first head now does not explain it: the second (56) is not read */
	h[11] = 56;
	struct mtan_block d[2] = {{B(0), 64, 0, 0}, {far, big, 2, 0}};
	struct mtan_scan_view v3 = {w2, 1, arenas, 1, h, 3, NULL, 0};
	CHECK(mtan_reach(d, 2, &v3) == 0);
	CHECK_EQ_U(kind_of(d, 2, 0), MTAN_KIND_POSSIBLE);
}

int main(void)
{
	RUN(kinds_sparse);
	RUN(kinds_heuristics);
	RUN(kinds_basic);
	RUN(kinds_cycle);
	RUN(kinds_interior);
	RUN(kinds_arena);
	UNIT_EXIT();
}
