/* load.h: trace -> SQLite, the loader's entry points (load.c, store.c). */
#ifndef MTAN_LOAD_H
#define MTAN_LOAD_H

#include <sqlite3.h>
#include <stdint.h>
#include "opts.h"

/* ---- load.c: trace -> SQLite ---- */
struct mtan_load_stats {
	uint64_t events, lifetimes, leaks, anomalies;
	int complete;   /* the END record was seen */
	int damaged;    /* the reader stopped at an error after the header */
	double seconds;
};
/* Builds a complete database at dbpath (created; must not exist) from the trace.
 * A damaged tail is not an error: what came before it is loaded and the facts go to
 * meta. Returns 0 or -1 after reporting the error. */
int mtan_load(const char *trace, const char *dbpath, struct mtan_load_stats *st);
/* The same with symbols looked for where sym (may be NULL) says; its settings go to meta
 * (sysroot, debug_dirs). */
int mtan_load_with(const char *trace, const char *dbpath, const struct mtan_symopts *sym,
		   struct mtan_load_stats *st);
/* The same for a trace still being written (mtan live): read up to its last whole frame
 * (a frame being written is waited for a moment, then left for the next load). */
int mtan_load_live(const char *trace, const char *dbpath, const struct mtan_symopts *sym,
		   struct mtan_load_stats *st);
/* sym's directories as absolute paths, as meta keeps them: the sysroot (NULL none) and the
 * debug directories joined by ':' (NULL none). Caller frees both. 0, or -1 on no memory. */
int mtan_symopts_keys(const struct mtan_symopts *sym, char **sysroot, char **debug_dirs);
/* Every kind of anomaly the loader finds, NULL-terminated, as in anomalies.kind. */
extern const char *const mtan_anomaly_kinds[];
/* Registers the loader's virtual tables on db (loader: the load in progress, or NULL for
 * empty ones, enough to prepare load.sql). 0 or -1. */
int mtan_register_modules(sqlite3 *db, const void *loader);
/* Reports why a trace cannot be read at all (err from mtf_reader_open/next), with the
 * offset where reading failed (mtf_reader_bad_offset; -1 at open). */
void mtan_trace_error(const char *trace, int err, long long offset);


#endif
