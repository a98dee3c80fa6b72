/* cmd_export.c: `mtan export`: the trace's events or lifetimes as CSV (what `mtan import`
 * reads back, and what spreadsheets and pandas read), or folded stacks of leaked, peak or
 * allocated bytes for flame graphs (flamegraph.pl, speedscope, inferno). */
#include "mtan.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char cmd_export_usage[] =
	"export [options] TRACE|DB --what events|lifetimes [-o FILE]\n"
	"       export [options] TRACE|DB --folded [--of leaked|peak|allocated] [-o FILE]\n\n"
	"Writes the trace's rows as CSV (to stdout, or FILE): --what events, one row per\n"
	"allocation and free in seq order (seq, time_ns, pid, tid, op, func, device, space,\n"
	"address, size, stack, lifetime_id: the columns `mtan import` reads, see CSV.md);\n"
	"--what lifetimes, one row per block (the lifetimes table, spaces by name).\n"
	"--format json writes the same rows as a JSON array instead.\n"
	"--folded writes folded stacks, 'frame;frame;frame BYTES' per allocation stack,\n"
	"outermost frame first, as flamegraph.pl reads them: the bytes leaked (the default),\n"
	"live at the peak (--of peak: of the trace, or of --pid's process), or allocated in\n"
	"all (--of allocated). A frame without a function is 'module+0xoffset'.";

static const char *what, *of, *output;
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

static int take_folded(struct mtan_opts *o, const char *arg)
{
	(void)o;
	(void)arg;
	folded = 1;
	return 0;
}

static const struct mtan_extra extra[] = {
	{{"what", required_argument, NULL, 256}, "  --what events|lifetimes  the rows to write as CSV", take_what},
	{{"folded", no_argument, NULL, 257}, "  --folded              folded stacks for flame graphs instead", take_folded},
	{{"of", required_argument, NULL, 258}, "  --of leaked|peak|allocated  the bytes of --folded (default: leaked)", take_of},
	{{"output", required_argument, NULL, 'o'}, "  -o, --output FILE     write to FILE (default: stdout)", take_output},
	{{0, 0, 0, 0}, NULL, NULL},
};

static const struct mtan_col event_cols[] = {
	{"seq", NULL, MTAN_K_INT}, {"time_ns", NULL, MTAN_K_INT}, {"pid", NULL, MTAN_K_INT},
	{"tid", NULL, MTAN_K_INT}, {"op", NULL, MTAN_K_TEXT}, {"func", NULL, MTAN_K_TEXT},
	{"device", NULL, MTAN_K_DEVICE}, {"space", NULL, MTAN_K_TEXT}, {"address", NULL, MTAN_K_HEX},
	{"size", NULL, MTAN_K_INT}, {"stack", NULL, MTAN_K_INT}, {"lifetime_id", NULL, MTAN_K_INT},
};

static const struct mtan_col lifetime_cols[] = {
	{"id", NULL, MTAN_K_INT}, {"pid", NULL, MTAN_K_INT}, {"tid", NULL, MTAN_K_INT},
	{"device", NULL, MTAN_K_DEVICE}, {"space", NULL, MTAN_K_TEXT}, {"address", NULL, MTAN_K_HEX},
	{"size", NULL, MTAN_K_INT}, {"generation", NULL, MTAN_K_INT}, {"alloc_seq", NULL, MTAN_K_INT},
	{"alloc_ns", NULL, MTAN_K_INT}, {"alloc_func", NULL, MTAN_K_TEXT}, {"alloc_stack", NULL, MTAN_K_INT},
	{"free_seq", NULL, MTAN_K_INT}, {"free_ns", NULL, MTAN_K_INT}, {"free_tid", NULL, MTAN_K_INT},
	{"free_func", NULL, MTAN_K_TEXT}, {"free_stack", NULL, MTAN_K_INT}, {"end_seq", NULL, MTAN_K_INT},
	{"end_ns", NULL, MTAN_K_INT}, {"end_reason", NULL, MTAN_K_TEXT}, {"inherited", NULL, MTAN_K_INT},
	{"parent_id", NULL, MTAN_K_INT},
};

/* Every row of section as CSV (or JSON) rows with the columns cols. */
static int rows(sqlite3 *db, const struct mtan_opts *o, const char *section,
		const struct mtan_col *cols, int n, FILE *f)
{
	sqlite3_stmt *st = NULL;
	struct mtan_rows *r = NULL;
	int ret = -1, rc;
	if (mtan_prepare(db, "export", section, &st))
		goto out;
	if (!(r = mtan_rows_new(cols, n, o->format == MTAN_JSON ? MTAN_JSON : MTAN_CSV, f))) {
		mtan_err("out of memory");
		goto out;
	}
	mtan_bind_common(st, o);
	long long count = 0;
	while ((o->limit < 0 || count < o->limit) && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < n; i++) {
			if (cols[i].kind == MTAN_K_TEXT || sqlite3_column_type(st, i) == SQLITE_NULL)
				mtan_rows_column(r, st, i);
			else
				mtan_rows_int(r, sqlite3_column_int64(st, i));
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
	return ret;
}

struct line {
	char *stack;
	long long bytes;
};

static int by_stack(const void *a, const void *b)
{
	return strcmp(((const struct line *)a)->stack, ((const struct line *)b)->stack);
}

/* Appends a frame's name to the folded stack: its function, else module+0xoffset, else
 * its address; ';' (the separator) and control characters would break the line. */
static void put_frame(FILE *m, sqlite3_stmt *fr, int first)
{
	const char *fn = (const char *)sqlite3_column_text(fr, 0);
	const char *mod = (const char *)sqlite3_column_text(fr, 1);
	char buf[64];
	if (!first)
		fputc(';', m);
	if (!fn && mod) {
		const char *base = strrchr(mod, '/');
		for (const char *p = base ? base + 1 : mod; *p; p++)
			fputc(*p == ';' || (unsigned char)*p < 0x20 ? '_' : *p, m);
		snprintf(buf, sizeof buf, "+0x%" PRIx64, (uint64_t)sqlite3_column_int64(fr, 2));
		fn = buf;
	} else if (!fn) {
		snprintf(buf, sizeof buf, "0x%" PRIx64, (uint64_t)sqlite3_column_int64(fr, 3));
		fn = buf;
	}
	for (const char *p = fn; *p; p++)
		fputc(*p == ';' || (unsigned char)*p < 0x20 ? '_' : *p, m);
}

static int write_folded(sqlite3 *db, const struct mtan_opts *o, FILE *f)
{
	sqlite3_stmt *st = NULL, *fr = NULL;
	struct line *v = NULL;
	size_t n = 0, cap = 0;
	int ret = -1, rc;
	if (mtan_prepare(db, "export", of ? of : "leaked", &st) || mtan_prepare(db, "export", "frames", &fr))
		goto out;
	mtan_bind_common(st, o);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long bytes = sqlite3_column_int64(st, 1);
		if (bytes <= 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			struct line *p = realloc(v, cap * sizeof(*p));
			if (!p)
				goto nomem;
			v = p;
		}
		char *text = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&text, &len);
		if (!m)
			goto nomem;
		int frames = 0;
		if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
			sqlite3_reset(fr);
			sqlite3_bind_int64(fr, 1, sqlite3_column_int64(st, 0));
			while ((rc = sqlite3_step(fr)) == SQLITE_ROW)
				put_frame(m, fr, !frames++);
			if (rc != SQLITE_DONE) {
				fclose(m);
				free(text);
				goto sqlerr;
			}
		}
		if (!frames)
			fputs("[no stack]", m);
		if (fclose(m) || !text)
			goto nomem;
		v[n].stack = text;
		v[n++].bytes = bytes;
	}
	if (rc != SQLITE_DONE)
		goto sqlerr;
	/* stacks of different processes (or ids) that read the same are one line */
	qsort(v, n, sizeof(*v), by_stack);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		long long bytes = v[i].bytes;
		while (j < n && !strcmp(v[j].stack, v[i].stack))
			bytes += v[j++].bytes;
		fprintf(f, "%s %lld\n", v[i].stack, bytes);
		i = j;
	}
	ret = 0;
	goto out;
nomem:
	mtan_err("out of memory");
	goto out;
sqlerr:
	mtan_sqlerr(db, "cannot read the database");
out:
	for (size_t i = 0; i < n; i++)
		free(v[i].stack);
	free(v);
	sqlite3_finalize(st);
	sqlite3_finalize(fr);
	return ret;
}

int cmd_export(int argc, char **argv)
{
	struct mtan_opts o;
	sqlite3 *db = NULL;
	FILE *f = stdout;
	what = of = output = NULL;
	folded = 0;
	int ret = mtan_parse(argc, argv, "export", cmd_export_usage, extra, &o);
	if (ret != MTAN_GO)
		return ret;
	if (!folded == !what) {
		fprintf(stderr, "mtan: export: give --what events|lifetimes or --folded\n"
				"mtan: try 'mtan export --help'\n");
		return 2;
	}
	if (of && !folded) {
		fprintf(stderr, "mtan: export: --of goes with --folded\nmtan: try 'mtan export --help'\n");
		return 2;
	}
	ret = 1;
	if (mtan_open(&o, &db, NULL, NULL))
		goto out;
	if (output && !(f = fopen(output, "w"))) {
		mtan_err("cannot create '%s': %s", output, strerror(errno));
		f = stdout;
		goto out;
	}
	int rc;
	if (folded)
		rc = write_folded(db, &o, f);
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
	if (ret && f != stdout)
		unlink(output); /* no half an export left that looks whole */
	sqlite3_close(db);
	return ret;
}
