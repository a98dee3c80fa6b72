/* flame.h: stacks as a tree of frames (flame.c). */
#ifndef MTAN_FLAME_H
#define MTAN_FLAME_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include "opts.h"

/* ---- flame.c: bytes per allocation stack as a tree of frames (folded stacks, flame graphs) ---- */
struct mtan_flame_node {
	char *name;          /* function, else module+0xoffset, else the address; "all" at the root */
	long long bytes;     /* of the stacks through this frame */
	int runtime;         /* the allocator's or the runtime's frame in every stack through it */
	int depth;           /* 0: the root, 1: outermost frames */
	size_t parent;       /* indexes into mtan_flame.v; 0 (the root) also means none */
	size_t child, next;  /* the first child and the next sibling, both in name order */
};
struct mtan_flame {
	struct mtan_flame_node *v; /* v[0] is the root */
	size_t n, cap;
	int depth;                 /* the deepest node's */
	size_t *slots, nslots;     /* (parent, name) -> node while building */
};
/* The bytes of each stack per flame.sql's section of (leaked, peak or allocated), over
 * o's --pid; a stack with no frames is one "[no stack]" frame. 0, or -1 (reported). */
int mtan_flame_build(sqlite3 *db, const char *of, const struct mtan_opts *o, struct mtan_flame *fl);
/* Node i's bytes not in any of its children: stacks that end there. */
long long mtan_flame_self(const struct mtan_flame *fl, size_t i);
/* 'frame;frame BYTES' lines, outermost frame first, for flamegraph.pl, inferno, speedscope. */
int mtan_flame_folded(const struct mtan_flame *fl, FILE *f);
void mtan_flame_free(struct mtan_flame *fl);


#endif
