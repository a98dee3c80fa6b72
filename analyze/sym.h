/* sym.h: what an address symbolizes to: the value the symbolizer (symbols.c) makes and
 * its disk cache (symcache.c) stores, kept apart so that the cache, below the
 * symbolizer, need not call up into it. */
#ifndef MTAN_SYM_H
#define MTAN_SYM_H

#include <stddef.h>
#include <stdint.h>

/* A function inlined at an address: its name and the line that is running in it. */
struct mtan_inlined {
	char *function; /* malloc'd, demangled; NULL when unknown */
	char *file;     /* malloc'd; NULL when unknown */
	int line;       /* 0 when unknown */
};
struct mtan_sym {
	const char *module; /* borrowed from the module list, NULL when no module holds it */
	uint64_t offset;    /* address - module base */
	/* the function that holds the code at the address (its symbol), and its line: where
	 * the outermost inlined call is made when the code is inlined */
	char *function;     /* malloc'd, demangled; NULL when unknown */
	char *file;         /* malloc'd; NULL when unknown */
	int line;           /* 0 when unknown */
	struct mtan_inlined *inlined; /* innermost first, each inlined into the next (the last
				       * into function); malloc'd, NULL when none */
	size_t ninlined;
};
/* Frees what s holds (not s) and empties it; NULL is nothing. */
void mtan_sym_release(struct mtan_sym *s);

#endif
