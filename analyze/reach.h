/* reach.h: memcheck's leak kinds from a process's exit scan (reach.c). Independent of the
 * loader and of SQLite: blocks and words in, a kind per block out. */
#ifndef MTAN_REACH_H
#define MTAN_REACH_H

#include "suppress.h"
#include <stddef.h>
#include <stdint.h>

/* Kinds of a block live when its process ended; 0 is "no kind" (not a leak). The order is
 * the one of lifetimes.leak_kind's texts (mtan_leak_kinds). */
enum mtan_leak_kind {
	MTAN_KIND_NONE = 0,
	MTAN_KIND_DEFINITE = 1, /* nothing points to it */
	MTAN_KIND_INDIRECT = 2, /* only lost blocks point to it */
	MTAN_KIND_POSSIBLE = 3, /* only interior pointers (or possibly lost blocks) reach it */
	MTAN_KIND_REACHABLE = 4, /* a chain of start pointers from a root reaches it */
	MTAN_KIND_NOT_SCANNED = 5, /* its process's memory was not scanned, or it is not heap */
};
extern const char *const mtan_leak_kinds[]; /* indexed by enum mtan_kind; [0] NULL */

struct mtan_block {
	uint64_t addr, size;
	uint32_t id;   /* the caller's: reach never reads it */
	uint8_t kind;  /* out */
};

/* What a scan saw (FORMAT.md, SCAN); every array borrowed. */
struct mtan_scan_view {
	const uint64_t *words;   /* (location, value) pairs */
	size_t nwords;
	const uint64_t *arenas;  /* (start, end) pairs, sorted: never roots */
	size_t narenas;
	const uint64_t *heads;   /* (value, the 3 words before it), in any order */
	size_t nheads;
	const uint64_t *vtables; /* locations holding a vtable's address, sorted */
	size_t nvtables;
};

/* Classifies blocks (live at the scan; reordered by address): a word inside a block is an
 * edge; outside every block and every arena, a root. Interior pointers that memcheck's
 * default heuristics (stdstring, length64, newarray, multipleinheritance) accept count as
 * pointers to the start. Returns 0, or -1 when out of memory (kinds then unset). */
int mtan_reach(struct mtan_block *b, size_t n, const struct mtan_scan_view *v);

#endif
