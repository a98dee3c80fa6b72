/* opts.c: the options every command shares (--db, --format, --limit, --pid, -q, --help)
 * and the usage text, so each cmd_<name>.c only adds what is its own. */
#include "db.h"
#include "opts.h"
#include "progress.h"
#include "scope.h"
#include "suppress.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { OPT_DB = 1000, OPT_FORMAT, OPT_LIMIT, OPT_PID, OPT_SYSROOT, OPT_DEBUG_DIR };

static const struct option common[] = {
	{"db", required_argument, NULL, OPT_DB},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"limit", required_argument, NULL, OPT_LIMIT},
	{"pid", required_argument, NULL, OPT_PID},
	{"sysroot", required_argument, NULL, OPT_SYSROOT},
	{"debug-dir", required_argument, NULL, OPT_DEBUG_DIR},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
};
#define NCOMMON (sizeof(common) / sizeof(common[0]))
#define MAX_EXTRA 16

/* The common options a command has no use for: left out of its help and refused, so
 * neither promises what the command would ignore. NO_SINCE is the window's --since
 * (mtan_window_options), for a command that takes the window's --until alone; NO_TABLE
 * a command that writes CSV (its default) or JSON, never a table. */
enum { NO_FORMAT = 1, NO_LIMIT = 2, NO_PID = 4, NO_DB = 8, NO_SYM = 16, NO_SINCE = 32, NO_TABLE = 64 };
static const struct {
	const char *cmd;
	int unused;
} unused[] = {
	{"check", NO_LIMIT},                       /* a verdict over every leak and anomaly */
	{"diff", NO_DB},                           /* two traces or databases */
	{"export", NO_TABLE},                      /* rows for programs */
	{"frag", NO_SINCE},                        /* a state at one point: --until only */
	{"import", NO_FORMAT | NO_LIMIT | NO_PID | NO_DB | NO_SYM}, /* it writes a trace */
	{"load", NO_FORMAT | NO_LIMIT | NO_PID},   /* it loads every process */
	{"report", NO_FORMAT | NO_PID},            /* HTML of the whole trace */
	{"summary", NO_LIMIT},                     /* totals and every space */
};

static int unused_of(const char *cmd)
{
	for (size_t i = 0; i < sizeof unused / sizeof unused[0]; i++)
		if (!strcmp(unused[i].cmd, cmd))
			return unused[i].unused;
	return 0;
}

static const char db_help[] =
	"  --db PATH             database of the trace (default: TRACE.db beside it)\n";
static const char format_help[] =
	"  --format F            output format: table, csv or json (default: table)\n";
static const char format_no_table_help[] =
	"  --format F            output format: csv or json (default: csv)\n";
static const char limit_help[] =
	"  --limit N             show at most N entries\n";
static const char pid_help[] =
	"  --pid PID             only process PID\n";
static const char sym_help[] =
	"  --sysroot DIR         look for the trace's modules under DIR first (a trace\n"
	"                        from another machine; a file of another build is refused)\n"
	"  --debug-dir DIR       look for separate debug files in DIR too (DIR/.build-id/\n"
	"                        xx/yyyy.debug, or by name; repeatable). These two are kept\n"
	"                        with the database: one that was loaded otherwise is loaded\n"
	"                        again when they are given, and reused when they are not\n";
static const char common_help[] =
	"  -q, --quiet           no notes on stderr\n"
	"  -h, --help            show this help\n";

void mtan_usage(FILE *f, const char *cmd, const char *usage, const struct mtan_extra *extra)
{
	fprintf(f, "usage: mtan %s\n\noptions:\n", usage);
	int no = unused_of(cmd);
	for (const struct mtan_extra *e = extra; e && e->opt.name; e++)
		if (!(e->opt.val == MTAN_OPT_SINCE && (no & NO_SINCE)))
			fprintf(f, "%s\n", e->help);
	if (!(no & NO_DB))
		fputs(db_help, f);
	if (!(no & NO_FORMAT))
		fputs(no & NO_TABLE ? format_no_table_help : format_help, f);
	if (!(no & NO_LIMIT))
		fputs(limit_help, f);
	if (!(no & NO_PID))
		fputs(pid_help, f);
	if (!(no & NO_SYM))
		fputs(sym_help, f);
	fputs(common_help, f);
}

/* A directory for --sysroot or --debug-dir: one that exists, and without ':' (which
 * separates libdwfl's search path). NULL, or what is wrong with it. */
static const char *dir_arg(const char *dir)
{
	struct stat st;
	if (strchr(dir, ':'))
		return "a directory with ':' in its path is not supported";
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return "not a directory";
	return NULL;
}

__attribute__((format(printf, 2, 3)))
static int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "mtan: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nmtan: try 'mtan %s --help'\n", cmd);
	return 2;
}

/* A whole decimal number >= min, or -1. */
static long long number(const char *s, long long min)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min)
		return -1;
	return v;
}

/* The newest trace in the current directory: the regular *.zst file modified last (by
 * name on a tie). 0 and its name in name[size], 1 when there is none, -1 (errno) when
 * the directory cannot be read. */
static int newest_trace(char *name, size_t size)
{
	DIR *d = opendir(".");
	struct dirent *e;
	struct timespec best = {0, 0};
	int ret = 1;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		struct stat st;
		if (len < 5 || len >= size || e->d_name[0] == '.' || strcmp(e->d_name + len - 4, ".zst") ||
		    stat(e->d_name, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (ret == 0 && (st.st_mtim.tv_sec < best.tv_sec ||
				 (st.st_mtim.tv_sec == best.tv_sec && st.st_mtim.tv_nsec < best.tv_nsec) ||
				 (st.st_mtim.tv_sec == best.tv_sec && st.st_mtim.tv_nsec == best.tv_nsec &&
				  strcmp(e->d_name, name) < 0)))
			continue;
		best = st.st_mtim;
		memcpy(name, e->d_name, len + 1);
		ret = 0;
	}
	closedir(d);
	return ret;
}

int mtan_parse(int argc, char **argv, const char *cmd, const char *usage,
	       const struct mtan_extra *extra, struct mtan_opts *o)
{
	static const char *const input[] = {"TRACE or DB"};
	/* no TRACE: the newest trace here, so that `mtan leaks` right after `mtrec -o run.zst
	 * ./app` needs no name (the name is kept for the rest of the run) */
	static char newest[256];
	int ret = mtan_parse_args(argc, argv, cmd, usage, extra, o, input, -1);
	if (ret != MTAN_GO || o->input)
		return ret;
	int rc = newest_trace(newest, sizeof newest);
	if (rc < 0)
		return usage_error(cmd, "missing TRACE or DB, and the current directory cannot be read: %s",
				   strerror(errno));
	if (rc > 0)
		return usage_error(cmd, "missing TRACE or DB, and no trace (*.zst) in the current directory");
	o->input = o->args[0] = newest;
	if (!o->quiet)
		fprintf(stderr, "mtan: using '%s' (the newest trace here)\n", newest);
	return MTAN_GO;
}

int mtan_parse_args(int argc, char **argv, const char *cmd, const char *usage,
		    const struct mtan_extra *extra, struct mtan_opts *o,
		    const char *const *names, int nargs)
{
	struct option longopts[NCOMMON + MAX_EXTRA + 1];
	size_t n = 0;
	memset(o, 0, sizeof(*o));
	o->limit = -1;
	o->pid = -1;
	for (size_t i = 0; i < NCOMMON; i++)
		longopts[n++] = common[i];
	for (const struct mtan_extra *e = extra; e && e->opt.name && n < NCOMMON + MAX_EXTRA; e++)
		longopts[n++] = e->opt;
	memset(&longopts[n], 0, sizeof(longopts[n]));

	char shorts[3 * MAX_EXTRA + 8] = ":qh";
	size_t k = strlen(shorts);
	for (const struct mtan_extra *e = extra; e && e->opt.name && k + 3 < sizeof shorts; e++) {
		if (e->opt.val <= 0 || e->opt.val >= 256)
			continue;
		shorts[k++] = (char)e->opt.val;
		if (e->opt.has_arg == required_argument)
			shorts[k++] = ':';
		shorts[k] = 0;
	}

	optind = 0; /* a fresh scan: the top level already used getopt on the full argv */
	opterr = 0;
	int c, no = unused_of(cmd);
	if (no & NO_TABLE)
		o->format = MTAN_CSV;
	while ((c = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		const char *name = c == OPT_FORMAT && (no & NO_FORMAT) ? "--format"
			: c == OPT_LIMIT && (no & NO_LIMIT) ? "--limit"
			: c == OPT_PID && (no & NO_PID) ? "--pid"
			: c == OPT_DB && (no & NO_DB) ? "--db"
			: c == OPT_SYSROOT && (no & NO_SYM) ? "--sysroot"
			: c == OPT_DEBUG_DIR && (no & NO_SYM) ? "--debug-dir"
			: c == MTAN_OPT_SINCE && (no & NO_SINCE) ? "--since" : NULL;
		if (name)
			return usage_error(cmd, "'%s' does not apply to this command", name);
		switch (c) {
		case OPT_DB:
			if (!*optarg)
				return usage_error(cmd, "empty path for '--db'");
			o->db = optarg;
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "table") && !(no & NO_TABLE))
				o->format = MTAN_TABLE;
			else if (!strcmp(optarg, "json"))
				o->format = MTAN_JSON;
			else if (!strcmp(optarg, "csv"))
				o->format = MTAN_CSV;
			else
				return usage_error(cmd, "invalid value '%s' for '--format' (%s)", optarg,
						   no & NO_TABLE ? "csv or json" : "table, csv or json");
			o->has_format = 1;
			break;
		case OPT_LIMIT:
			if ((o->limit = number(optarg, 0)) < 0)
				return usage_error(cmd, "invalid value '%s' for '--limit'", optarg);
			break;
		case OPT_PID:
			if ((o->pid = number(optarg, 0)) < 0 || o->pid > UINT32_MAX)
				return usage_error(cmd, "invalid value '%s' for '--pid'", optarg);
			break;
		case OPT_SYSROOT:
		case OPT_DEBUG_DIR: {
			const char *bad = dir_arg(optarg);
			if (bad)
				return usage_error(cmd, "invalid value '%s' for '--%s': %s", optarg,
						   c == OPT_SYSROOT ? "sysroot" : "debug-dir", bad);
			if (c == OPT_SYSROOT)
				o->sym.sysroot = optarg;
			else if (o->sym.ndebug_dirs < MTAN_MAX_DIRS)
				o->sym.debug_dirs[o->sym.ndebug_dirs++] = optarg;
			else
				return usage_error(cmd, "more than %d --debug-dir options", MTAN_MAX_DIRS);
			break;
		}
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			mtan_usage(stdout, cmd, usage, extra);
			return 0;
		case ':':
			return usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
		case '?':
			/* getopt_long sets optopt to the val of a long option given a value it does not
			 * take (--quiet=yes), to the letter of an unknown short one, else to 0 */
			for (size_t i = 0; optopt && i < n; i++)
				if (longopts[i].val == optopt && longopts[i].has_arg == no_argument)
					return usage_error(cmd, "'--%s' takes no value", longopts[i].name);
			if (optopt)
				return usage_error(cmd, "unknown option '-%c'", optopt);
			return usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
		default: {
			const struct mtan_extra *e = extra;
			while (e && e->opt.name && e->opt.val != c)
				e++;
			if (!e || !e->opt.name)
				return usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
			if (e->take(o, optarg) < 0)
				return usage_error(cmd, "invalid value '%s' for '--%s'", optarg ? optarg : "",
						   e->opt.name);
		}
		}
	}
	/* nargs -1 (mtan_parse): one operand, or none (the caller finds one) */
	int optional = nargs < 0;
	if (optional)
		nargs = optind < argc ? 1 : 0;
	for (int i = 0; i < nargs; i++) {
		if (optind + i >= argc)
			return usage_error(cmd, "missing %s", names[i]);
		o->args[i] = argv[optind + i];
	}
	if (optional)
		nargs = 1;
	if (optind + nargs < argc)
		return usage_error(cmd, "unexpected argument '%s'", argv[optind + nargs]);
	o->input = o->args[0];
	/* --db names where a trace's database goes: given with a database (a regular file that
	 * is SQLite's, as mtan_open tells them apart) it would be ignored; unreadable input is
	 * left to mtan_open to report */
	struct stat st;
	if (o->db && o->input && stat(o->input, &st) == 0 && S_ISREG(st.st_mode) &&
	    mtan_is_sqlite(o->input) == 1)
		return usage_error(cmd, "'--db' goes with a trace, and '%s' is a database", o->input);
	for (const struct mtan_extra *e = extra; e && e->opt.name; e++)
		if (e->opt.val == MTAN_OPT_SUPPRESSIONS)
			o->supp.wanted = 1; /* a command that reports leaks: mtan_open applies the set */
	mtan_progress_quiet(o->quiet);
	return MTAN_GO;
}
