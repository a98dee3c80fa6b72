/* cmd_export.c: `mtan export`: the trace's events or lifetimes as CSV (what `mtan import`
 * reads back, and what spreadsheets and pandas read), folded stacks of leaked, peak or
 * allocated bytes for flame graphs (flamegraph.pl, inferno), and through --as the formats
 * other viewers open: pprof, speedscope, Chrome trace / Perfetto (a writer each: pprof.c,
 * speedscope.c, chrome.c). */
#include "chrome.h"
#include "commands.h"
#include "db.h"
#include "flame.h"
#include "opts.h"
#include "output.h"
#include "pprof.h"
#include "scope.h"
#include "speedscope.h"
#include "sql.h"
#include "stacktext.h"
#include "suppress.h"
#include "result.h"
#include "rows.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char cmd_export_usage[] =
	"export [options] TRACE|DB --what events|lifetimes [-o FILE]\n"
	"       export [options] TRACE|DB --as folded|pprof|speedscope|chrome [-o FILE]\n\n"
	"Writes the trace's rows as CSV (to stdout, or FILE): --what events, one row per\n"
	"allocation and free in seq order (seq, time_ns, pid, tid, op, func, device, space,\n"
	"address, size, stack, lifetime_id: the columns `mtan import` reads, see CSV.md; a\n"
	"stack is its frames, innermost first: 'function (file:line) (in module);...');\n"
	"--what lifetimes, one row per block (the lifetimes table, spaces by name, stacks as\n"
	"frames).\n"
	"--format json writes the same rows as a JSON array instead.\n"
	"--as writes the trace for another tool (leaked is lost and not suppressed, as leaks\n"
	"counts it: --suppressions and --no-default-suppressions as in check):\n"
	"  folded      (or --folded) folded stacks, 'frame;frame;frame BYTES' per allocation\n"
	"              stack, outermost frame first, as flamegraph.pl reads them: the bytes\n"
	"              leaked (the default), live at the peak (--of peak: of the trace, or of\n"
	"              --pid's process), or allocated in all (--of allocated). A frame without\n"
	"              a function is 'module+0xoffset'.\n"
	"  pprof       a gzip-compressed profile.proto for 'go tool pprof' and the tools that\n"
	"              read it: per allocation stack, process, device and space the objects\n"
	"              and bytes allocated (alloc_objects, alloc_space), the bytes live at the\n"
	"              peak (inuse_space) and leaked (leaked_space, the default); locations\n"
	"              with their functions, files and lines (inlined calls too), mappings with\n"
	"              their build ids. Binary: not written to a terminal.\n"
	"  speedscope  speedscope's JSON file format (speedscope.app): a profile of the bytes\n"
	"              leaked and one of the bytes live at the peak, each stack a sample\n"
	"              weighed in bytes, frames with their files and lines.\n"
	"  chrome      the Trace Event Format of Chrome's about:tracing and Perfetto\n"
	"              (ui.perfetto.dev): a counter track of live bytes for each process's\n"
	"              device and space (after each of the timeline's buckets, and its peak),\n"
	"              the marks as instant events, the processes' and threads' names.\n"
	"--format and --limit apply to --what only; --of to folded only.";

static const char *what, *of, *output, *as;
static int folded;

static int take_what(struct mtan_opts *o, const char *arg)
{
	(void)o;
	what = arg;
	return strcmp(arg, "events") && strcmp(arg, "lifetimes") ? -1 : 0;
}

static int take_of(struct mtan_opts *o, const char *arg)
{
	(void)o;
	of = arg;
	return strcmp(arg, "leaked") && strcmp(arg, "peak") && strcmp(arg, "allocated") ? -1 : 0;
}

static int take_output(struct mtan_opts *o, const char *arg)
{
	(void)o;
	output = arg;
	return 0;
}

static int take_as(struct mtan_opts *o, const char *arg)
{
	(void)o;
	as = arg;
	return strcmp(arg, "folded") && strcmp(arg, "pprof") && strcmp(arg, "speedscope") && strcmp(arg, "chrome")
		? -1 : 0;
}

static int take_folded(struct mtan_opts *o, const char *arg)
{
	(void)o;
	(void)arg;
	folded = 1;
	return 0;
}

static const struct mtan_extra own[] = {
	{{"what", required_argument, NULL, 256}, "  --what events|lifetimes  the rows to write as CSV", take_what},
	{{"as", required_argument, NULL, 259}, "  --as FORMAT           folded, pprof, speedscope or chrome instead", take_as},
	{{"folded", no_argument, NULL, 257}, "  --folded              the same as --as folded", take_folded},
	{{"of", required_argument, NULL, 258}, "  --of leaked|peak|allocated  the bytes of folded stacks (default: leaked)", take_of},
	{{"output", required_argument, NULL, 'o'}, "  -o, --output FILE     write to FILE (default: stdout)", take_output},
	{{0, 0, 0, 0}, NULL, NULL},
};

static const struct mtan_col event_cols[] = {
	{"seq", NULL, MTAN_K_INT}, {"time_ns", NULL, MTAN_K_INT}, {"pid", NULL, MTAN_K_INT},
	{"tid", NULL, MTAN_K_INT}, {"op", NULL, MTAN_K_TEXT}, {"func", NULL, MTAN_K_TEXT},
	{"device", NULL, MTAN_K_DEVICE}, {"space", NULL, MTAN_K_TEXT}, {"address", NULL, MTAN_K_HEX},
	{"size", NULL, MTAN_K_INT}, {"stack", NULL, MTAN_K_TEXT}, {"lifetime_id", NULL, MTAN_K_INT},
};

static const struct mtan_col lifetime_cols[] = {
	{"id", NULL, MTAN_K_INT}, {"pid", NULL, MTAN_K_INT}, {"tid", NULL, MTAN_K_INT},
	{"device", NULL, MTAN_K_DEVICE}, {"space", NULL, MTAN_K_TEXT}, {"address", NULL, MTAN_K_HEX},
	{"size", NULL, MTAN_K_INT}, {"generation", NULL, MTAN_K_INT}, {"alloc_seq", NULL, MTAN_K_INT},
	{"alloc_ns", NULL, MTAN_K_INT}, {"alloc_func", NULL, MTAN_K_TEXT}, {"alloc_stack", NULL, MTAN_K_TEXT},
	{"free_seq", NULL, MTAN_K_INT}, {"free_ns", NULL, MTAN_K_INT}, {"free_tid", NULL, MTAN_K_INT},
	{"free_func", NULL, MTAN_K_TEXT}, {"free_stack", NULL, MTAN_K_TEXT}, {"end_seq", NULL, MTAN_K_INT},
	{"end_ns", NULL, MTAN_K_INT}, {"end_reason", NULL, MTAN_K_TEXT}, {"inherited", NULL, MTAN_K_INT},
	{"parent_id", NULL, MTAN_K_INT},
};

/* The stacks' texts (stacktext.c), each made once: a stack is on many rows. */
struct texts {
	sqlite3_stmt *frames;
	char **text; /* by stack id; NULL: not made yet */
	size_t cap;
};

/* Stack id's text (borrowed from t), or NULL (told). */
static const char *stack_text(struct texts *t, long long id)
{
	if (id <= 0)
		return "";
	if ((size_t)id >= t->cap) {
		size_t cap = t->cap ? t->cap : 1024;
		while (cap <= (size_t)id)
			cap *= 2;
		char **p = realloc(t->text, cap * sizeof(*p));
		if (!p) {
			mtan_err("out of memory");
			return NULL;
		}
		memset(p + t->cap, 0, (cap - t->cap) * sizeof(*p));
		t->text = p;
		t->cap = cap;
	}
	if (!t->text[id] && mtan_stack_text(t->frames, id, &t->text[id]))
		return NULL;
	return t->text[id];
}

/* Every row of section as CSV (or JSON) rows with the columns cols; the columns named
 * "...stack" hold stack ids, written as the stacks' frames (CSV.md). */
static int rows(sqlite3 *db, const struct mtan_opts *o, const char *section,
		const struct mtan_col *cols, int n, FILE *f)
{
	sqlite3_stmt *st = NULL;
	struct mtan_rows *r = NULL;
	struct texts t = {NULL, NULL, 0};
	int ret = -1, rc;
	if (mtan_prepare(db, "export", section, &st) || mtan_prepare(db, "export", "stack", &t.frames))
		goto out;
	if (!(r = mtan_rows_new(cols, n, o->format == MTAN_JSON ? MTAN_JSON : MTAN_CSV, f))) {
		mtan_err("out of memory");
		goto out;
	}
	mtan_bind_common(st, o);
	long long count = 0;
	while ((o->limit < 0 || count < o->limit) && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < n; i++) {
			size_t len = strlen(cols[i].key);
			if (len >= 5 && !strcmp(cols[i].key + len - 5, "stack") &&
			    sqlite3_column_type(st, i) != SQLITE_NULL) {
				const char *text = stack_text(&t, sqlite3_column_int64(st, i));
				if (!text)
					goto out;
				mtan_rows_text(r, *text ? text : NULL);
			} else if (cols[i].kind == MTAN_K_TEXT || sqlite3_column_type(st, i) == SQLITE_NULL) {
				mtan_rows_column(r, st, i);
			} else {
				mtan_rows_int(r, sqlite3_column_int64(st, i));
			}
		}
		count++;
	}
	if (o->limit >= 0 && count == o->limit)
		rc = SQLITE_DONE;
	if (rc != SQLITE_DONE) {
		mtan_sqlerr(db, "cannot read the database");
		goto out;
	}
	ret = mtan_rows_end(r);
out:
	mtan_rows_free(r);
	sqlite3_finalize(st);
	sqlite3_finalize(t.frames);
	for (size_t i = 0; i < t.cap; i++)
		free(t.text[i]);
	free(t.text);
	return ret;
}

static int write_folded(sqlite3 *db, const struct mtan_opts *o, FILE *f)
{
	struct mtan_flame fl;
	if (mtan_flame_build(db, of ? of : "leaked", o, &fl))
		return -1;
	int ret = mtan_flame_folded(&fl, f);
	mtan_flame_free(&fl);
	return ret;
}

int cmd_export(int argc, char **argv)
{
	struct mtan_opts o;
	sqlite3 *db = NULL;
	char *dbpath = NULL;
	FILE *f = stdout;
	what = of = output = as = NULL;
	folded = 0;
	struct mtan_extra extra[16];
	const struct mtan_extra *lists[] = {own, mtan_supp_options, NULL};
	mtan_join_options(extra, 15, lists);
	int ret = mtan_parse(argc, argv, "export", cmd_export_usage, extra, &o);
	if (ret != MTAN_GO)
		return ret;
	if (folded && as && strcmp(as, "folded")) {
		fprintf(stderr, "mtan: export: --folded and --as %s: give one\nmtan: try 'mtan export --help'\n", as);
		return 2;
	}
	/* the messages name the option as it was given */
	char given[32] = "--folded";
	if (as)
		snprintf(given, sizeof given, "--as %s", as);
	if (folded)
		as = "folded";
	if (!as == !what) {
		fprintf(stderr, "mtan: export: give --what events|lifetimes or --as FORMAT\n"
				"mtan: try 'mtan export --help'\n");
		return 2;
	}
	if (of && (!as || strcmp(as, "folded"))) {
		fprintf(stderr, "mtan: export: --of goes with --as folded\nmtan: try 'mtan export --help'\n");
		return 2;
	}
	/* each format is its own, and a cut list of stacks would not add up to the total */
	if (as && (o.has_format || o.limit >= 0)) {
		fprintf(stderr, "mtan: export: '%s' does not apply to %s\nmtan: try 'mtan export --help'\n",
			o.has_format ? "--format" : "--limit", given);
		return 2;
	}
	/* a compressed profile on a terminal is noise, and may upset it */
	if (as && !strcmp(as, "pprof") && !output && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "mtan: export: a pprof profile is binary: give -o FILE or redirect stdout\n"
				"mtan: try 'mtan export --help'\n");
		return 2;
	}
	ret = 1;
	if (output && mtan_output_ok(output, o.input, 0))
		goto out;
	if (mtan_open(&o, &db, NULL, &dbpath) || (output && mtan_output_not_db(output, dbpath)))
		goto out;
	if (output && !(f = fopen(output, "w"))) {
		mtan_err("cannot create '%s': %s", output, strerror(errno));
		f = stdout;
		goto out;
	}
	int rc;
	if (as && !strcmp(as, "folded"))
		rc = write_folded(db, &o, f);
	else if (as && !strcmp(as, "pprof"))
		rc = mtan_export_pprof(db, &o, f);
	else if (as && !strcmp(as, "speedscope"))
		rc = mtan_export_speedscope(db, &o, f);
	else if (as)
		rc = mtan_export_chrome(db, &o, f);
	else if (!strcmp(what, "events"))
		rc = rows(db, &o, "events", event_cols, sizeof event_cols / sizeof event_cols[0], f);
	else
		rc = rows(db, &o, "lifetimes", lifetime_cols, sizeof lifetime_cols / sizeof lifetime_cols[0], f);
	if (fflush(f) || ferror(f)) {
		mtan_err("cannot write '%s': %s", output ? output : "stdout", strerror(errno));
		goto out;
	}
	if (!rc)
		ret = 0;
out:
	if (f != stdout && fclose(f) && !ret) {
		mtan_err("cannot write '%s': %s", output, strerror(errno));
		ret = 1;
	}
	/* no half an export left that looks whole; but only a file: -o /dev/full or a FIFO
	 * stays what it is */
	struct stat st;
	if (ret && f != stdout && stat(output, &st) == 0 && S_ISREG(st.st_mode))
		unlink(output);
	sqlite3_close(db);
	free(dbpath);
	return ret;
}
