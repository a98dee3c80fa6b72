/* opts.h: the options every command shares and their parsing (opts.c). */
#ifndef MTAN_OPTS_H
#define MTAN_OPTS_H

#include <getopt.h>
#include <stdio.h>

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


#endif
