/* sites.h: where a stack's site is (sites.c). */
#ifndef MTAN_SITES_H
#define MTAN_SITES_H

#include <sqlite3.h>
#include <stdint.h>
#include "opts.h"
#include "result.h"

/* ---- sites.c: where a stack's site is, past the allocator and the runtime ---- */
/* 1 when a frame is the allocator's or the C/C++ runtime's by the default list (module
 * libc.so*, libstdc++.so*, ld-linux*, libmtrec.so, libjemalloc*, ...; function malloc,
 * operator new, ...; file in a C++ standard library header): frames.runtime. Any of
 * module, function and file may be NULL. */
int mtan_runtime_frame(const char *module, const char *function, const char *file);
/* 1 when a frame matches one of skip's globs (--skip-module, --skip-function). */
int mtan_skipped_frame(const struct mtan_skip *skip, const char *module, const char *function);
/* A row of frames.sql's "stack": MTAN_FRAME_SKIP (the runtime's, or --skip-*), MTAN_FRAME_EXE. */
unsigned char mtan_frame_flags(sqlite3_stmt *st, const struct mtan_skip *skip);
enum { MTAN_FRAME_SKIP = 1, MTAN_FRAME_EXE = 2 };
/* The site among n frames with MTAN_FRAME_* flags: the first frame not skipped, else
 * the first in the executable, else 0. */
int mtan_site_of(const unsigned char *flags, int n);
/* The options of site reports (--all-frames, --skip-module, --skip-function): entries
 * for a command's mtan_extra table, ended by an empty one. */
extern const struct mtan_extra mtan_skip_options[];
/* Prints a stack's frames for a site report: JSON ("frames": [...], "site": N, all frames,
 * each with "inlined": true where it is) or table lines from the site on (every frame with
 * --all-frames). stack < 0: no stack. 0, or -1 (reported). */
int mtan_print_frames(sqlite3 *db, const struct mtan_opts *o, long long stack);
/* 1 for the C runtime's frames that call main (_start, __libc_start_main,
 * __libc_start_call_main): reports stop before them unless --all-frames. */
int mtan_below_main(const char *function);
/* What a stack shows in a table (its frames from the site, to main, at most --depth): the
 * text sites are grouped by under --depth. malloc'd (caller frees); NULL (reported). */
char *mtan_stack_key(sqlite3 *db, const struct mtan_opts *o, long long stack);


/* A sampled trace (mtrec --sample-stacks; meta sample_bytes, the mean): the blocks that an
 * allocation of size bytes with a stack stands for, 1 / (1 - exp(-size / mean)), the
 * inverse of the chance that the recorder's byte countdown sampled it (a 0-byte block
 * counts as 1 byte, as the recorder counts it). 1 without sampling (mean 0). */
double mtan_sample_weight(uint64_t size, uint64_t mean);

/* Every frame of stack (none when stack < 0), innermost first: function (the name a frame
 * shows: its function, else module+0xoffset, else the address), file, line, module ("" when
 * none), address and inlined (absent unless it is). *site: the site's index (mtan_site_of),
 * *shown: how many JSON lists (to --depth from the site). 0, or -1 (reported). */
int mtan_stack_frames(sqlite3 *db, const struct mtan_opts *o, long long stack, struct mtan_result **out,
		      int *site, size_t *shown);
/* Adds two cells to the row being added to r: the frames JSON lists of stack (as
 * mtan_print_frames: to --depth from the site; none when stack < 0) as rows, and the
 * site's index (NULL without frames). 0, or -1 (reported). */
int mtan_frame_cells(struct mtan_result *r, sqlite3 *db, const struct mtan_opts *o, long long stack);

#endif
