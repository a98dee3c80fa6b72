/* symcache.h: what symbols.c resolved, by module file and module offset: shared by every
 * process of a load, and kept between loads on disk by build id
 * ($XDG_CACHE_HOME/mtan/symbols/, symcache.c). Used by symbols.c alone. */
#ifndef MTAN_SYMCACHE_H
#define MTAN_SYMCACHE_H

#include "sym.h"

#include <stdint.h>

struct mtan_symcache;

/* The cache directory, malloc'd (caller frees): $XDG_CACHE_HOME/mtan/symbols (when it is
 * absolute), else $HOME/.cache/mtan/symbols. NULL when MTAN_SYMBOL_CACHE is "off", with no
 * home, or on no memory: the cache then lives in memory alone. */
char *mtan_symcache_dir(void);
/* dir (NULL: in memory alone) and options (what else shapes a result: mtan's version, the
 * sysroot, the debug path; a file written under others is not read) are copied. NULL on
 * no memory. */
struct mtan_symcache *mtan_symcache_new(const char *dir, const char *options);
/* The space of results of one module file: build_id (hex; NULL or "": the space lives in
 * memory alone) and fingerprint (the files as they are now: a disk file written from
 * others is not read). The first call for a build id and fingerprint reads its disk file.
 * Returns the space (> 0), 0 on no memory. */
uint32_t mtan_symcache_space(struct mtan_symcache *c, const char *build_id, const char *fingerprint);
/* Fills out's function, file, line and inlined (malloc'd copies) with what space holds for
 * (offset, is_return): 1 found, 0 not (or no memory). */
int mtan_symcache_get(struct mtan_symcache *c, uint32_t space, uint64_t offset, int is_return,
		      struct mtan_sym *out);
/* Keeps a copy of sym's function, file, line and inlined for (offset, is_return). 0, or -1
 * on no memory. */
int mtan_symcache_put(struct mtan_symcache *c, uint32_t space, uint64_t offset, int is_return,
		      const struct mtan_sym *sym);
/* How many distinct addresses were answered from disk files. */
uint64_t mtan_symcache_hits(const struct mtan_symcache *c);
/* Writes the disk file of each build id that gained entries: a temporary file renamed over
 * the old one, so a concurrent reader sees one or the other whole. Best effort: a failure
 * leaves the cache as it was. */
void mtan_symcache_save(struct mtan_symcache *c);
void mtan_symcache_free(struct mtan_symcache *c);

#endif
