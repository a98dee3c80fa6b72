/* scope.h: --device, --space and the window --since/--until (scope.c). */
#ifndef MTAN_SCOPE_H
#define MTAN_SCOPE_H

#include <sqlite3.h>
#include <stdint.h>
#include <stddef.h>
#include "opts.h"

/* ---- scope.c: --device, --space and the window --since/--until ---- */
enum { MTAN_OPT_DEVICE = 1200, MTAN_OPT_SPACE, MTAN_OPT_SINCE, MTAN_OPT_UNTIL };
/* Entries for a command's mtan_extra table (each ended by an empty one): --device and
 * --space; --since and --until. */
extern const struct mtan_extra mtan_scope_options[];
extern const struct mtan_extra mtan_window_options[];
/* Copies the entries of the NULL-terminated lists of tables into out (room for max
 * entries and the empty one that ends it). */
void mtan_join_options(struct mtan_extra *out, size_t max, const struct mtan_extra *const *lists);
/* The window in seqs: events with since <= seq <= until; the lifetimes allocated in it
 * have ids in [id_lo, id_hi] (a superset: filter on alloc_seq too). */
struct mtan_window {
	int64_t since, until; /* 0 and INT64_MAX when not given */
	int64_t id_lo, id_hi;
	int has_since, has_until;
};
/* Resolves o->scope's since and until: a seq is itself; a time (2.5s) becomes the first
 * seq at or after it (since) or the last before the next allocation after it (until),
 * by the allocations' times; a mark label the first mark's seq. 0, or -1 (reported). */
int mtan_window(sqlite3 *db, const struct mtan_opts *o, struct mtan_window *w);
/* The bounds' own times, where they have one (a time as given, a mark's; a seq has none):
 * ns[0] since, ns[1] until, has[i] whether. 0, or -1 (reported). */
int mtan_window_ns(sqlite3 *db, const struct mtan_opts *o, int64_t ns[2], int has[2]);
/* The lifetime ids [*id_lo, *id_hi] that hold every allocation with since <= seq <= until
 * (a superset). 0, or -1 (reported). */
int mtan_alloc_ids(sqlite3 *db, int64_t since, int64_t until, int64_t *id_lo, int64_t *id_hi);
/* 1 when the trace's times may crowd into a few values (meta.time `collector`: an older
 * recorder's coarse clock, ~1 ms, or an import), so that a chart of a short run goes by
 * event order instead; 0 when every event has its own time; -1 on an error. */
int mtan_coarse_times(sqlite3 *db);

/* Refuses a --pid, --device or --space that names nothing in the whole trace (a typo would
 * narrow every analysis to nothing, and pass a CI gate): one line naming it and what the
 * trace has. A device without that space, or a process without that device, is no error.
 * 0, or -1 (reported). mtan_open calls it, so every command that takes them gets it. */
int mtan_check_scope(sqlite3 *db, const struct mtan_opts *o);
/* mtan_bind_common, plus :device, :space and (w not NULL) :since, :until, :id_lo, :id_hi. */
void mtan_bind_scope(sqlite3_stmt *st, const struct mtan_opts *o, const struct mtan_window *w);


#endif
