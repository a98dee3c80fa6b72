/* symbols.h: addresses -> function, file, line (symbols.c). */
#ifndef MTAN_SYMBOLS_H
#define MTAN_SYMBOLS_H

#include <stdint.h>
#include <stddef.h>
#include "opts.h"
#include "sym.h"

/* ---- symbols.c: addresses -> function, file, line ---- */
struct mtan_module {
	uint64_t seq, base, size;
	int unload;
	char *path;
	char *build_id; /* hex, "" if none */
};
struct mtan_symbolizer;
/* A symbolizer for a whole trace, with mods (may be NULL, n 0) as its first module map
 * (mtan_symbolizer_map); opts (may be NULL) is read at once. Each module file is read
 * once however many processes map it, each (file, offset, is_return) resolved once, and
 * the results kept between runs under $XDG_CACHE_HOME/mtan unless MTAN_SYMBOL_CACHE=off
 * (symcache.c). NULL on no memory. */
struct mtan_symbolizer *mtan_symbolizer_new(const struct mtan_module *mods, size_t n,
					    const struct mtan_symopts *opts);
/* The module map (one process's) that explains the addresses symbolized next; borrowed
 * until the next call or mtan_symbolizer_free. 0, or -1 on no memory. */
int mtan_symbolizer_map(struct mtan_symbolizer *s, const struct mtan_module *mods, size_t n);
/* Names of JIT code (a process's perf map, as PERF_MAP records give it; later entries
 * are newer): an address no module holds that falls in one is named with it, module
 * MTAN_PERF_MAP_MODULE. Borrowed like the module map, which clears it. 0, or -1 on no
 * memory. */
struct mtan_perf_sym {
	uint64_t start, size;
	char *name;
};
#define MTAN_PERF_MAP_MODULE "[perf-map]"
int mtan_symbolizer_perf_map(struct mtan_symbolizer *s, const struct mtan_perf_sym *p, size_t n);
/* Resolves address; is_return: a return address (look up address - 1). The strings in
 * out are the caller's to free (mtan_sym_release). */
void mtan_symbolize(struct mtan_symbolizer *s, uint64_t address, int is_return, struct mtan_sym *out);
/* After the last mtan_symbolize: writes what was resolved to the disk cache (best
 * effort) and says how many distinct addresses were resolved with libdwfl and how many
 * came from the disk cache. */
void mtan_symbolizer_done(struct mtan_symbolizer *s, uint64_t *resolved, uint64_t *cached);
void mtan_symbolizer_free(struct mtan_symbolizer *s);


#endif
