/* extframes.h: stacks named by another tool (extframes.c). */
#ifndef MTAN_EXTFRAMES_H
#define MTAN_EXTFRAMES_H

#include <sqlite3.h>
#include <stdint.h>
#include <stddef.h>

/* ---- extframes.c: stacks named by another tool (heaptrack, a CSV's stack column) ---- */
/* One function at a recorded frame as the tool named it. Any of module, function and file
 * may be NULL (a frame without a function reads as its address); line 0: none. */
struct mtan_ext_frame {
	uint64_t address;
	const char *module, *function, *file;
	int line;
};
/* What an importer knows of the trace it loaded: its stacks' frames as keys 1..nkeys (a
 * key is one frame of one process), and the functions at each. */
struct mtan_ext_stacks {
	/* The keys of the trace's stack id in pid, innermost first, into keys[0..
	 * MTF_MAX_FRAMES): their number. */
	uint32_t (*stack)(const void *ctx, uint32_t pid, uint32_t id, uint32_t *keys);
	/* Fills *f (borrowed) with the j-th function at key, inlined ones first, the last the
	 * one that holds the code: the number of them, 1 or more. */
	uint32_t (*frame)(const void *ctx, uint32_t key, uint32_t j, struct mtan_ext_frame *f);
	uint32_t nkeys;
	const char *exe; /* the program's path (its frames are the site when all are the runtime's); NULL */
	const void *ctx;
};
/* The loader named no frame of db (the trace has no modules): its frames and stack frames
 * become x's, and each stack's depth, site and canonical stack are worked out again from
 * them. 0, or -1 (told). */
int mtan_ext_name_frames(sqlite3 *db, const struct mtan_ext_stacks *x);
/* Loads trace (an importer's, frames as x's keys) into the database out, its frames named
 * by x; built under a temporary name beside out, renamed when whole. 0, or -1 (told). */
int mtan_ext_load(const char *trace, const char *out, const struct mtan_ext_stacks *x);
/* *rows, *cap of them of size bytes, grown (doubling) to hold n. 0, or -1 on no memory
 * (*rows is kept). */
int mtan_room(void **rows, size_t *cap, size_t n, size_t size);


#endif
