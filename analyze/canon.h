/* canon.h: canonical stacks (canon.c). */
#ifndef MTAN_CANON_H
#define MTAN_CANON_H

#include <stdint.h>

/* ---- canon.c: stacks whose symbolized frames read the same (stacks.canonical) ---- */
struct mtan_canon;
struct mtan_canon *mtan_canon_new(void); /* NULL on no memory */
/* The number (from 1) of a frame's text: function, file, line, module, inlined, and for
 * a frame without a function its offset (or, in no module, its address). 0: no memory. */
uint32_t mtan_canon_frame(struct mtan_canon *c, const char *function, const char *file, int line,
			  const char *module, uint64_t offset, uint64_t address, int inlined);
/* Stack id (from 1) of frame texts t[0..n) and site: the id of the first stack given with
 * the same texts and site (id itself when it is the first). 0: no memory. */
uint32_t mtan_canon_stack(struct mtan_canon *c, uint32_t id, const uint32_t *t, uint32_t n, int site);
void mtan_canon_free(struct mtan_canon *c);


#endif
