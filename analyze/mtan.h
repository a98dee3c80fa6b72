/* mtan.h: what the analyzer's files share: options, messages, the database (load, cache,
 * open), symbolization, output helpers and the command entry points. Everything here is
 * prefixed mtan_ (commands: cmd_<name>); the rest of each file is static. */
#ifndef MTAN_H
#define MTAN_H

#include <getopt.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

/* Bumped on any change a query could notice; a cached database of another version is
 * rebuilt, and one named directly is refused. Stored in PRAGMA user_version and meta. */
#define MTAN_SCHEMA_VERSION 14
#define MTAN_VERSION "0.1"
#define MTAN_GO (-1) /* mtan_parse: carry on with the command */
#define MTAN_MAX_ARGS 4 /* operands a command takes at most */

enum mtan_format { MTAN_TABLE, MTAN_JSON, MTAN_CSV };

/* What part of the trace an analysis looks at (scope.c): --device, --space, and the
 * window --since/--until as given (resolved by mtan_window). Borrowed from argv. */
struct mtan_scope {
	long long device;     /* -1 the host; with has_device */
	int has_device;
	const char *space;    /* a space name, NULL for all */
	const char *since, *until;
};

#define MTAN_MAX_DIRS 8
#define MTAN_MAX_GLOBS 16

/* Where symbols come from (--sysroot, --debug-dir; every command, as every command may
 * load): they shape a load. The strings are borrowed (argv). */
struct mtan_symopts {
	const char *sysroot;                   /* module files are looked up under it first */
	const char *debug_dirs[MTAN_MAX_DIRS]; /* searched for debug files before the standard places */
	int ndebug_dirs;
};

/* Which frames a site report starts at (--all-frames, --skip-module, --skip-function). */
struct mtan_skip {
	int all;                               /* --all-frames: start at frame 0 */
	const char *modules[MTAN_MAX_GLOBS];   /* globs over module paths (the file name unless a '/') */
	const char *functions[MTAN_MAX_GLOBS]; /* globs over demangled function names */
	int nmodules, nfunctions;
	int depth;                             /* --depth N: stacks cut to N frames from the site, sites grouped by them; 0: whole */
};

/* The suppression set of a command that reports leaks (suppress.c): the built-in list
 * unless no_defaults, and LeakSanitizer-format files. The strings are borrowed (argv). */
struct mtan_suppopts {
	const char *files[MTAN_MAX_GLOBS]; /* --suppressions FILE, in order */
	int nfiles, no_defaults;
	int wanted; /* the command takes them (set by mtan_parse): mtan_open applies them */
};

/* The options every command takes, plus the few one command adds. */
struct mtan_opts {
	const char *input; /* TRACE or DB, the first operand */
	const char *args[MTAN_MAX_ARGS]; /* the operands (mtan_parse_args), args[0] = input */
	const char *db;    /* --db: where the database of a trace goes */
	int format;        /* enum mtan_format */
	int has_format;    /* --format was given (not the command's default) */
	long long limit;   /* --limit, -1 for none */
	long long pid;     /* --pid, -1 for all */
	int quiet;
	int force;         /* load --force: rebuild even when fresh */
	struct mtan_symopts sym; /* --sysroot, --debug-dir */
	struct mtan_skip skip;   /* site reports' own options (MTAN_SKIP_OPTIONS) */
	struct mtan_scope scope; /* --device, --space, --since, --until (scope.c) */
	struct mtan_suppopts supp; /* --suppressions, --no-default-suppressions */
};

/* A command's own option: a getopt_long entry (val: its short letter, or >= 256 for a
 * long one only) and what to do with it. */
struct mtan_extra {
	struct option opt;
	const char *help; /* one line for usage, e.g. "  -f, --force   rebuild" */
	int (*take)(struct mtan_opts *o, const char *arg); /* 0, or -1 for a usage error */
};

/* ---- opts.c: the options and usage every command shares ---- */
/* Parses argv (argv[0] is the command name) into o. Returns MTAN_GO, or the exit status
 * to return right away: 0 after --help, 2 after a usage error (already printed). Without
 * a TRACE or DB operand, o->input is the newest trace (*.zst) in the current directory
 * (said on stderr unless -q; none there is a usage error). */
int mtan_parse(int argc, char **argv, const char *cmd, const char *usage,
	       const struct mtan_extra *extra, struct mtan_opts *o);
/* The same for a command of nargs operands (<= MTAN_MAX_ARGS), named names[i] when one is
 * missing ("TRACE or DB", "QUERY"); they go to o->args. nargs -1: one operand or none
 * (o->input NULL). */
int mtan_parse_args(int argc, char **argv, const char *cmd, const char *usage,
		    const struct mtan_extra *extra, struct mtan_opts *o,
		    const char *const *names, int nargs);
void mtan_usage(FILE *f, const char *cmd, const char *usage, const struct mtan_extra *extra);

/* ---- messages (output.c): "mtan: ..." on stderr, newline added ---- */
void mtan_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mtan_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mtan_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Reports a failed SQLite call once; returns -1 for "ret = mtan_sqlerr(...)". */
int mtan_sqlerr(sqlite3 *db, const char *what);

/* ---- output helpers (output.c) ---- */
/* 1234567 -> "1,234,567". buf needs 32 bytes; returns buf. */
char *mtan_count(char *buf, uint64_t n);
/* 15518924 -> "14.8 MiB", 512 -> "512 B". buf needs 32 bytes; returns buf. */
char *mtan_size(char *buf, uint64_t n);
/* Writes s with HTML's special characters escaped (NULL writes nothing; control
 * characters but newline and tab become '?'). */
void mtan_html(FILE *f, const char *s);
/* A time in ns for people: 1.25 s, 340 ms, 12 us. buf needs 32 bytes; returns buf. */
char *mtan_when(char *buf, double ns);
/* A frame as reports, flame graphs, folded stacks and diffs name it: its function, else
 * module+0xoffset (module_only: the module alone), else 0xaddress; module is cut to its
 * file name. malloc'd; NULL on no memory. */
char *mtan_frame_label(const char *function, const char *module, uint64_t offset, uint64_t address,
		       int module_only);
/* Writes s as a JSON string with quotes; NULL writes null. */
void mtan_json_str(FILE *f, const char *s);
int mtan_output_ok(const char *out, const char *input, int renamed);
/* Refuses (-1, told) an output that is db, the database the input was read from. */
int mtan_output_not_db(const char *out, const char *db);
/* "host" for -1 (MTF_HOST), else the number. buf needs 16 bytes. */
const char *mtan_device_name(char *buf, long long device);

/* printf for people: each line of the text folded to mtan_width(f) between words (never
 * inside a number), the lines it continues on indented by two. */
void mtan_prose(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The columns UTF-8 text takes on screen (its code points). */
size_t mtan_text_width(const char *s);
/* Writes s, or when it is wider than w columns (w >= 4) its start and "..." in w. */
void mtan_put_cut(FILE *f, const char *s, size_t w);

/* A table printed with aligned columns fitted to mtan_cut_width: text columns are cut (with
 * "...") down to their head or 12 columns, numbers never; a table still too wide is
 * printed as a block per row, "head  value" a line. Cells are copied. */
struct mtan_table;
struct mtan_table *mtan_table_new(int ncols, const char *const *heads, const char *align);
int mtan_table_add(struct mtan_table *t, const char *const *cells);
void mtan_table_print(const struct mtan_table *t, FILE *f);
void mtan_table_free(struct mtan_table *t);
/* The width prose and charts fit: $COLUMNS, else the terminal's (TIOCGWINSZ on f), else
 * 100. */
int mtan_width(FILE *f);
/* The width tables and stack frames are cut to: $COLUMNS or the terminal's; off a
 * terminal without $COLUMNS, none (a file or a pipe keeps every character, for grep). */
size_t mtan_cut_width(FILE *f);

/* Rows of typed columns, written as the user chose (--format): a table for people
 * (sizes as "14.8 MiB", counts as "1,234", host as "host", fitted to mtan_cut_width), CSV
 * (a head line of keys; numbers bare, text quoted by libcsv, NULL empty, host -1) or
 * JSON (an array of objects; hex strings for addresses, null for NULL). CSV and JSON
 * rows are written as each row completes; a table waits for mtan_rows_end. */
enum mtan_kind {
	MTAN_K_TEXT,   /* text, left-aligned */
	MTAN_K_INT,    /* a number as it is */
	MTAN_K_COUNT,  /* a count: 1,234 in tables */
	MTAN_K_SIZE,   /* bytes: 14.8 MiB in tables */
	MTAN_K_DEVICE, /* a device: host for -1 in tables */
	MTAN_K_HEX,    /* an address: 0x... everywhere (a string in JSON) */
	MTAN_K_ANY,    /* whatever SQLite holds (mtan sql): numbers right-aligned */
	MTAN_K_REAL2,  /* a real to two decimals in every format (a statistic: 3.14) */
	MTAN_K_RATIO,  /* a real 0..1: three decimals in tables (0.169) */
};
struct mtan_col {
	const char *key;  /* CSV head and JSON key */
	const char *head; /* the table's head (NULL: key) */
	int kind;         /* enum mtan_kind */
};
struct mtan_rows;
/* cols[0..n) are copied. f is borrowed until mtan_rows_free. NULL on no memory. */
struct mtan_rows *mtan_rows_new(const struct mtan_col *cols, int n, int format, FILE *f);
/* Cells of the current row, left to right; the row is complete after n of them. */
void mtan_rows_int(struct mtan_rows *r, long long v);
void mtan_rows_real(struct mtan_rows *r, double v);
void mtan_rows_text(struct mtan_rows *r, const char *s); /* NULL: a NULL cell */
void mtan_rows_null(struct mtan_rows *r);
/* Cell i of the current row of st, by its SQLite type. */
void mtan_rows_column(struct mtan_rows *r, sqlite3_stmt *st, int i);
/* Writes what is still due (a table; JSON's closing bracket). 0, or -1 when memory ran
 * out on the way (reported). */
int mtan_rows_end(struct mtan_rows *r);
void mtan_rows_free(struct mtan_rows *r);

/* ---- progress.c: how a load is getting on, on stderr when it is a terminal ---- */
/* -q turns it off (mtan_parse calls this). */
void mtan_progress_quiet(int quiet);
/* A load of trace starts; nothing shows before it has taken 0.5 s. */
void mtan_progress_start(const char *trace);
/* Where it is: a phase ("reading", "pairing", ...), the fraction of the whole load done
 * (< 0: unknown; the time left is estimated from it) and the events read so far (0: leave
 * out). Cheap when nothing is to be drawn. */
void mtan_progress(const char *phase, double fraction, uint64_t events);
/* The load ended: the line, if one was drawn, is cleared. */
void mtan_progress_end(void);

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

/* ---- sql.c: the embedded SQL of queries/NAME.sql (build/gen/queries.c) ---- */
/* The text of one statement: file is a queries/<file>.sql name, section the name after a
 * "-- name: " line in it, or NULL for the whole file. NULL (and an error message) if
 * missing. *len gets the length (the text is not NUL-terminated at a section's end). */
const char *mtan_sql(const char *file, const char *section, int *len);
/* The name of the i-th section of an embedded file: 1 and name filled, 0 past the last. */
int mtan_sql_section(const char *file, int i, char *name, size_t size);
/* Prepares one embedded statement; returns 0 or -1 (reported). */
int mtan_prepare(sqlite3 *db, const char *file, const char *section, sqlite3_stmt **st);
/* Runs every statement of an embedded file (or section): DDL and such. 0 or -1. */
int mtan_exec(sqlite3 *db, const char *file, const char *section);
/* Binds the named parameters the queries share (:pid, :limit) where a statement has them. */
void mtan_bind_common(sqlite3_stmt *st, const struct mtan_opts *o);

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

/* ---- db.c: the database of what the user named ---- */
/* Opens input (a trace or a database) for reading, loading or reusing the cached
 * database of a trace. Prints the recovery warning of a damaged trace. On success *out
 * is the caller's to sqlite3_close. Returns 0 or -1 after reporting the error.
 * st (may be NULL) gets the load statistics; st->seconds < 0 when nothing was loaded. */
int mtan_open(const struct mtan_opts *o, sqlite3 **out, struct mtan_load_stats *st,
	      char **dbpath);
/* 1 when the file starts with SQLite's 16-byte magic, 0 when not, -1 (errno) on error. */
int mtan_is_sqlite(const char *path);
/* While a load is under way: when the last error on db is the disk's (full, I/O),
 * reports it naming the database being built and returns 1; else 0 and the caller
 * reports the error its own way. */
int mtan_db_write_error(sqlite3 *db);
/* A meta value as an integer (def when missing or NULL). */
long long mtan_meta_int(sqlite3 *db, const char *key, long long def);
/* A meta value as text, malloc'd (caller frees), NULL when missing. */
char *mtan_meta_text(sqlite3 *db, const char *key);

/* ---- symbols.c: addresses -> function, file, line ---- */
struct mtan_module {
	uint64_t seq, base, size;
	int unload;
	char *path;
	char *build_id; /* hex, "" if none */
};
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
void mtan_sym_release(struct mtan_sym *s);
/* After the last mtan_symbolize: writes what was resolved to the disk cache (best
 * effort) and says how many distinct addresses were resolved with libdwfl and how many
 * came from the disk cache. */
void mtan_symbolizer_done(struct mtan_symbolizer *s, uint64_t *resolved, uint64_t *cached);
void mtan_symbolizer_free(struct mtan_symbolizer *s);

/* ---- trend.c: plateau, growth or sawtooth of live bytes over time ---- */
/* A series of states: after the event at t[i] (ns), bytes[i] live in blocks[i] blocks
 * (blocks may be NULL); the last state holds until t_end (at most t[n-1]: until then). t
 * is non-decreasing. Borrowed. */
struct mtan_series {
	const double *t, *bytes, *blocks;
	size_t n;
	double t_end;
};
enum { MTAN_PLATEAU, MTAN_GROWTH, MTAN_SAWTOOTH, MTAN_TOO_SHORT };
struct mtan_verdict {
	int verdict;         /* MTAN_PLATEAU, MTAN_GROWTH, MTAN_SAWTOOTH or MTAN_TOO_SHORT */
	double rate;         /* the Theil-Sen slope over the judged part, per second (time) or
			      * per recurrence (marks); a sawtooth: of the floor it drops to */
	double plateau_t;    /* plateau: when it was reached (t units); NAN otherwise */
	double start_t, end_t; /* the judged part: after warm-up, before a teardown */
	double z;            /* the Mann-Kendall statistic of the judged part */
	int resets;          /* drops of a sawtooth */
	size_t points;       /* points judged (time: of the 512 resampled) */
};
/* Judges a series over time: resampled at 512 even times, a final descent (teardown) and
 * the warm-up (the first sixteenth, up to the eleventh, after which live bytes no longer
 * rise) left out; growth is a significant (Mann-Kendall, p < 0.01) and material upward
 * Theil-Sen trend of the medians of 16 parts, of blocks too when they are given (or bytes
 * at least tripling); sawtooth, repeated drops of half the range back to a floor that does
 * not rise. Fewer than 2 points or no time between them: too short. 0, or -1 out of
 * memory. */
int mtan_growth_verdict(const struct mtan_series *s, struct mtan_verdict *v);
/* The same over n points as they are (the live bytes at each recurrence of a mark: x the
 * recurrence's number): fewer than 8 is too short. 0, or -1 out of memory. */
int mtan_growth_points(const double *x, const double *y, const double *blocks, size_t n, struct mtan_verdict *v);
const char *mtan_verdict_name(int verdict);
/* The Theil-Sen estimator: the median of the pairwise slopes, and the median of
 * y - slope x. 0, or -1 out of memory. */
int mtan_theil_sen(const double *x, const double *y, size_t n, double *slope, double *intercept);
/* The Mann-Kendall statistic S (to *s, may be NULL) and its normal score Z, with the
 * variance corrected for ties and a continuity correction. */
double mtan_mann_kendall(const double *y, size_t n, double *s);

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

/* ---- chart.c: what the charts of live bytes show (report and timeline) ---- */
/* A change of live bytes: live after it, the most within since the point before (one
 * event: live), exit: a process's exit took the blocks it still held. */
struct mtan_pt {
	int64_t seq, ns, live, max;
	int exit;
};
/* A column of a chart: live as it begins (in), the least and most within, live at its end. */
struct mtan_chart_col {
	int64_t in, lo, hi, out;
	int used; /* something happened in it; else the level carries on */
};
struct mtan_chart_series {
	long long device;
	char *space;
	int64_t capacity;              /* the space's own (a device with one space), -1 unknown */
	struct mtan_pt *p;             /* in seq order, inside the window */
	size_t n, cap;
	int64_t live, before;          /* while loading; the level as the window opens */
	int64_t peak, held;            /* the most live; live at the end, not counting exits */
	int64_t life_seq0, life_ns0, life_seq1, life_ns1; /* a device's open and close, -1 none */
	int64_t base_seq;              /* where the device's setup ended (its baseline), -1 none */
	/* after mtan_series_columns: the axis (seq or ns) from x0 to x1, own_span when it is a
	 * device's life rather than the whole run, and the columns over it */
	int by_seq, own_span;
	double x0, x1;
	double life[4];                /* own_span: the life charted, seqs then times */
	int64_t start;                 /* live at x0 */
	struct mtan_chart_col *col;
	int ncols;
};
struct mtan_charts {
	struct mtan_chart_series *s; /* host first, then devices in order, spaces by name */
	size_t n;
	int exact;             /* event by event (else the loader's time buckets) */
	int coarse;            /* mtan_coarse_times: a short run may be charted by seq */
	int64_t seq0, seq1, ns0, ns1; /* the run (inside the window) */
};
/* Every device's and space's series in o's scope and the window w (NULL: all). 0 or -1
 * (reported); c is released by mtan_charts_release either way. */
int mtan_charts_load(sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w, struct mtan_charts *c);
void mtan_charts_release(struct mtan_charts *c);
/* Chooses s's axis (its span and time or seq) and cuts it into ncols columns. 0 or -1. */
int mtan_series_columns(const struct mtan_charts *c, struct mtan_chart_series *s, int ncols);
/* 1 when s's level, once settled (after the device's setup, else from where it first
 * reaches 90% of its peak, to its close), moves by under a tenth of its peak: *lo and *hi
 * are the least and most live there. */
int mtan_series_settled(const struct mtan_chart_series *s, int64_t *lo, int64_t *hi);
/* A round step (1, 2, 2.5, 5 x 10^k) cutting span into about want parts. */
double mtan_nice_step(double span, int want);
/* The top of a size axis (a multiple of *step, round in the unit peak is shown in). */
double mtan_size_axis(double peak, int want, double *step);
/* A size tick's label in the unit of the axis' top ("1.5 MiB"), as many decimals as step
 * needs; a time tick's ("36.2 ms") in the unit of hi. buf: 32 bytes. */
char *mtan_size_tick(char *buf, double v, double top, double step);
char *mtan_time_tick(char *buf, double ns, double hi, double step);

/* Marks, and their groups: one per label, or per family of numbered labels ("round 0",
 * "round 1", ...). A group of MTAN_MARKS_MANY or more is drawn as light ticks. */
#define MTAN_MARKS_MANY 4
struct mtan_mark {
	int64_t seq, ns;
	char *label;
	int group;
};
struct mtan_mark_group {
	char *first_label, *last_label;
	size_t family_len, count;
	int numbered, family; /* family: labels that differ in their number */
	int64_t first_seq, first_ns, last_seq, last_ns;
};
struct mtan_marks {
	struct mtan_mark *m;
	size_t n;
	struct mtan_mark_group *g;
	size_t ng;
};
int mtan_marks_load(sqlite3 *db, const struct mtan_opts *o, struct mtan_marks *m);
void mtan_marks_release(struct mtan_marks *m);
/* "frame", or "round 0 ... round 49" for a family. */
char *mtan_mark_group_name(char *buf, size_t size, const struct mtan_mark_group *g);
/* svg.c: the report's section of charts of live bytes (every process, device and space)
 * and its table of marks, written to f. 0 or -1 (reported). */
int mtan_svg_timeline(sqlite3 *db, const struct mtan_opts *o, FILE *f);
/* Refuses a --pid, --device or --space that names nothing in the whole trace (a typo would
 * narrow every analysis to nothing, and pass a CI gate): one line naming it and what the
 * trace has. A device without that space, or a process without that device, is no error.
 * 0, or -1 (reported). mtan_open calls it, so every command that takes them gets it. */
int mtan_check_scope(sqlite3 *db, const struct mtan_opts *o);
/* mtan_bind_common, plus :device, :space and (w not NULL) :since, :until, :id_lo, :id_hi. */
void mtan_bind_scope(sqlite3_stmt *st, const struct mtan_opts *o, const struct mtan_window *w);

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

/* ---- growth.c: the growth analysis (mtan growth, and the loader's growth table) ---- */
struct mtan_growth {
	long long device, pid;      /* pid -1: all processes */
	const char *space;          /* borrowed until the callback returns */
	struct mtan_verdict v;      /* start_t, end_t, plateau_t in ns whatever the axis */
	const char *mark;           /* judged on this repeated mark ("frame", "round N"); NULL:
				     * over time. Borrowed until the callback returns */
	long long per_mark;         /* mark: bytes per recurrence (v.rate is per second) */
	long long times, marks;     /* the signal: distinct times, recurrences of mark */
	char reason[160];           /* too short: why, in words */
	/* v's rate and times as every format shows them (JSON, CSV, the growth table): to
	 * the nearest whole number, ties to even as printf's %.0f; plateau_ns with has_plateau */
	long long rate, plateau_ns, start_ns, end_ns;
	int has_plateau;
	long long start_seq, end_seq, start_bytes, end_bytes; /* the judged part's ends */
};
/* Called per (device, space) with its verdict and the statement of its growing sites
 * (growth.sql/sites, bound; the callee steps it): pid, stack, bytes, blocks, live_bytes.
 * 0, or -1 to stop (reported). */
typedef int (*mtan_growth_fn)(void *ctx, const struct mtan_growth *g, sqlite3_stmt *sites);
/* Judges every (device, space) of o's scope (--pid, --device, --space; o->limit sites
 * each, 10 when -1) in window w. 0, or -1 (reported). */
int mtan_growth(sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w, mtan_growth_fn fn, void *ctx);

/* ---- frag.c: the state of each space at one point (mtan frag, the report) ---- */
enum { MTAN_AT_PEAK, MTAN_AT_UNTIL, MTAN_AT_END };
struct mtan_frag {
	long long pid, device, space, seq, time_ns, blocks, live, free_bytes, holes, largest, span;
	long long capacity;
	int has_capacity, has_time;
	double ext;
	const char *name; /* valid during the callback */
};
/* Calls fn for each (process, device, space) in o's scope with its state at its peak, at
 * w->until or at the end (MTAN_AT_*): 0 goes on, > 0 stops, < 0 fails (fn reported it).
 * 0, or -1 (reported). */
int mtan_frag_each(sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w, int at,
		   int (*fn)(void *ctx, const struct mtan_frag *f), void *ctx);

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

/* ---- stacktext.c: a stack as the CSV's stack column holds it (CSV.md) ---- */
/* Stack's frames, innermost first, ';' between them, into *text (malloc'd, caller frees;
 * "" for no stack, stack < 0). frames: export.sql's "stack", bound and reset here. 0, or
 * -1 (told). */
int mtan_stack_text(sqlite3_stmt *frames, long long stack, char **text);
/* One frame of a stack column: what the text says, borrowed from it. */
struct mtan_text_frame {
	struct mtan_ext_frame f;
	int has_address, inlined;
};
/* Splits text (modified in place) into its frames, innermost first: *out (malloc'd,
 * caller frees; its strings point into text) and *n of them (0 for an empty text). 0; -1
 * when the text is malformed, with the reason in why[0..size); -2 when memory ran out. */
int mtan_stack_parse(char *text, struct mtan_text_frame **out, size_t *n, char *why, size_t size);

/* ---- heaptrack.c: heaptrack's files for `mtan import` ---- */
/* 1 when path is a heaptrack file (zstd, gzip or plain text whose first line is its
 * version line), else 0. */
int mtan_is_heaptrack(const char *path);
/* Writes the database out (renamed into place when whole) from the heaptrack file in: its
 * events, its stacks and the names heaptrack gave their frames. 0, or 1 (told). */
int mtan_import_heaptrack(const char *in, const char *out, int quiet);

/* ---- intern.c: numbers for strings, in the order they come (0 first) ---- */
struct mtan_intern {
	char **key;     /* key[i]: the i-th key (NUL added after its len bytes) */
	size_t *len;
	size_t n, cap;
	size_t *slots, nslots; /* open addressing: indexes into key, SIZE_MAX empty */
};
/* The number of key[0..len) (copied when new; *added, if not NULL, says so); -1 when
 * memory ran out. An all-zero struct is an empty table. */
long mtan_intern(struct mtan_intern *t, const void *key, size_t len, int *added);
/* The same for a string; NULL is "". */
long mtan_intern_str(struct mtan_intern *t, const char *s);
void mtan_intern_release(struct mtan_intern *t);

/* ---- exports (`mtan export --as FORMAT`), one file each; f is borrowed. 0, or -1
 * (reported) ---- */
/* pprof.c: a gzip-compressed profile.proto: per allocation stack (and process, device,
 * space) the objects and bytes allocated, the bytes live at the peak and leaked. */
int mtan_export_pprof(sqlite3 *db, const struct mtan_opts *o, FILE *f);
/* speedscope.c: speedscope's JSON file format: the leaked bytes and those live at the
 * peak, each a sampled profile of their stacks. */
int mtan_export_speedscope(sqlite3 *db, const struct mtan_opts *o, FILE *f);
/* chrome.c: the Trace Event Format (Chrome's about:tracing, Perfetto): live bytes per
 * process, device and space as counters, marks as instant events, process and thread
 * names. */
int mtan_export_chrome(sqlite3 *db, const struct mtan_opts *o, FILE *f);

/* ---- commands: cmd_<name>.c each, one row each in main.c's table ---- */
#define MTAN_CMD(name)                          \
	int cmd_##name(int argc, char **argv); \
	extern const char cmd_##name##_usage[]
MTAN_CMD(load);
MTAN_CMD(report);
MTAN_CMD(diff);
MTAN_CMD(import);
MTAN_CMD(export);
MTAN_CMD(sql);
MTAN_CMD(check);
MTAN_CMD(leaks);
MTAN_CMD(summary);
MTAN_CMD(frag);
MTAN_CMD(frees);
MTAN_CMD(growth);
MTAN_CMD(races);
MTAN_CMD(timeline);
MTAN_CMD(top);
MTAN_CMD(push);
MTAN_CMD(live);
#undef MTAN_CMD

/* A sampled trace (mtrec --sample-stacks; meta sample_bytes, the mean): the blocks that an
 * allocation of size bytes with a stack stands for, 1 / (1 - exp(-size / mean)), the
 * inverse of the chance that the recorder's byte countdown sampled it (a 0-byte block
 * counts as 1 byte, as the recorder counts it). 1 without sampling (mean 0). */
double mtan_sample_weight(uint64_t size, uint64_t mean);

#endif
