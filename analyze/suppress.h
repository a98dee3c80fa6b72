/* suppress.h: leak suppressions, leak kinds and the leak figures every command shows (suppress.c). */
#ifndef MTAN_SUPPRESS_H
#define MTAN_SUPPRESS_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include "opts.h"
#include "scope.h"

/* ---- suppress.c: LeakSanitizer-style leak suppressions, one set for every command that
 * reports leaks (summary, leaks, top, report, diff, check, export --folded) ---- */
struct mtan_supp_entry {
	char *pattern;        /* the PATTERN of leak:PATTERN */
	const char *from;     /* the file it came from (borrowed), NULL: built in */
	long long sites, blocks, bytes; /* what it suppressed */
};
struct mtan_supp {
	struct mtan_supp_entry *v;
	size_t n, cap;
};
/* The built-in patterns, NULL-terminated (glibc's stdio buffers and such). */
extern const char *const mtan_default_suppressions[];
/* LeakSanitizer's TemplateMatch: '*' any run, '^' and '$' anchors, else a substring. */
int mtan_template_match(const char *templ, const char *str);
/* Adds pattern[0..len) (from: borrowed, NULL for built in). 0 or -1 (no memory). */
int mtan_supp_add(struct mtan_supp *s, const char *pattern, size_t len, const char *from);
/* Reads a suppressions file: "leak:PATTERN" lines, '#' comments, blank lines. 0 or -1
 * after reporting the file, the line and what is wrong with it. */
int mtan_supp_load(struct mtan_supp *s, const char *path);
/* The index of the first pattern that matches the function, module or file (any may be
 * NULL), or -1. */
int mtan_supp_match(const struct mtan_supp *s, const char *function, const char *module,
		    const char *file);
void mtan_supp_release(struct mtan_supp *s);
struct mtan_window;
enum { MTAN_OPT_SUPPRESSIONS = 1300, MTAN_OPT_NO_DEFAULT_SUPPRESSIONS };
/* --suppressions FILE (repeatable) and --no-default-suppressions: entries for a command's
 * mtan_extra table, ended by an empty one. A command that has them gets o->supp.wanted. */
extern const struct mtan_extra mtan_supp_options[];
/* Makes the connection's temporary table `suppressed` and views `reported_leaks` and
 * `suppressed_leaks` (suppress.sql), and when o->supp.wanted fills it: each leak stack a
 * suppression of o's set matches (built in, then the files, in order). mtan_open calls it.
 * 0, or -1 (reported: a file that cannot be read, a line that is not leak:PATTERN). */
int mtan_suppress(sqlite3 *db, const struct mtan_opts *o);
/* The leaks the suppressions took out of o's scope and window w (NULL: the whole trace).
 * 0, or -1 (reported). */
int mtan_suppressed(sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w,
		    long long *blocks, long long *bytes);
/* "suppressed: 1,024 bytes in 1 blocks" as valgrind's LEAK SUMMARY says it (nothing when
 * none); indent: spaces before it. */
void mtan_suppressed_line(FILE *f, int indent, long long blocks, long long bytes);
/* One note per suppression on stderr: what it matched in o's scope. 0, or -1 (reported). */
int mtan_suppressed_notes(sqlite3 *db, const struct mtan_opts *o);
/* The kinds of lifetimes.leak_kind, memcheck's, in LEAK SUMMARY's order; a NULL kind
 * (a trace without a scan) is not_scanned. Lost: every kind but still_reachable. */
enum { MTAN_DEFINITELY, MTAN_INDIRECTLY, MTAN_POSSIBLY, MTAN_REACHABLE, MTAN_NOT_SCANNED, MTAN_NKINDS };
/* The kind's number ("definitely_lost" ...), MTAN_NOT_SCANNED for NULL or one unknown. */
int mtan_leak_kind(const char *kind);
/* How people read it: "definitely lost", ..., "not scanned". */
const char *mtan_leak_kind_words(int kind);
/* The leak figures every command shows alike, in o's scope and window w (NULL: whole):
 * leaks no suppression covers. blocks, bytes and sites are the lost ones (what summary,
 * leaks, report and check call leaked); still reachable memory is counted apart. */
struct mtan_leaks {
	long long blocks, bytes, sites;     /* lost: definitely, indirectly, possibly, not scanned */
	long long kind_blocks[MTAN_NKINDS], kind_bytes[MTAN_NKINDS], kind_sites[MTAN_NKINDS];
	long long released;                 /* blocks released by a device close (not leaks) */
	long long supp_blocks, supp_bytes;  /* what the suppressions took out (every kind) */
};
/* 0, or -1 (reported). */
int mtan_leak_totals(sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w, struct mtan_leaks *t);
/* valgrind's LEAK SUMMARY of t: the four figures, then not scanned (which processes and
 * why) and suppressed when not zero. 0, or -1 (reported). */
int mtan_leak_summary(FILE *f, sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w,
		      const struct mtan_leaks *t);


#endif
