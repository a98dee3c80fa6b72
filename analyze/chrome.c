/* chrome.c: `mtan export --as chrome`: the trace in the Trace Event Format that Chrome's
 * about:tracing and Perfetto (ui.perfetto.dev) open: a counter track of live bytes for each
 * process's device and space, the marks as instant events on their threads, and the names
 * of the processes and threads. Times are microseconds since the trace's start. */
#include "chrome.h"
#include "opts.h"
#include "output.h"
#include "sql.h"

#include <stdlib.h>
#include <string.h>

/* ns as the format's microseconds, exactly (three decimals). */
static void ts(FILE *f, long long ns)
{
	if (ns < 0)
		ns = 0;
	fprintf(f, "\"ts\":%lld.%03lld", ns / 1000, ns % 1000);
}

/* Each row of section through fn; 0, or -1 (reported). */
static int each(sqlite3 *db, const struct mtan_opts *o, const char *section,
		void (*fn)(sqlite3_stmt *st, FILE *f, int *first), FILE *f, int *first)
{
	sqlite3_stmt *st = NULL;
	int rc, ret = -1;
	if (mtan_prepare(db, "chrome", section, &st))
		return -1;
	mtan_bind_common(st, o);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(st, f, first);
	if (rc != SQLITE_DONE)
		mtan_sqlerr(db, "cannot read the database");
	else
		ret = 0;
	sqlite3_finalize(st);
	return ret;
}

static void sep(FILE *f, int *first)
{
	fputs(*first ? "\n" : ",\n", f);
	*first = 0;
}

static void process(sqlite3_stmt *st, FILE *f, int *first)
{
	const char *exe = (const char *)sqlite3_column_text(st, 1);
	const char *name = exe ? (strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe)
			       : (const char *)sqlite3_column_text(st, 2);
	if (!name)
		return;
	sep(f, first);
	fprintf(f, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%lld,\"tid\":0,\"args\":{\"name\":",
		sqlite3_column_int64(st, 0));
	mtan_json_str(f, name);
	fputs("}}", f);
}

static void thread(sqlite3_stmt *st, FILE *f, int *first)
{
	sep(f, first);
	fprintf(f, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%lld,\"tid\":%lld,\"args\":{\"name\":",
		sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1));
	mtan_json_str(f, (const char *)sqlite3_column_text(st, 2));
	fputs("}}", f);
}

/* A counter event: its name says the device and space ("live bytes host heap", "live
 * bytes device 0 (gpu0) DRAM"), so each is a track of its own. */
static void counter(sqlite3_stmt *st, FILE *f, int *first)
{
	long long device = sqlite3_column_int64(st, 1);
	const char *space = (const char *)sqlite3_column_text(st, 2);
	const char *devname = (const char *)sqlite3_column_text(st, 5);
	char name[512];
	if (device == -1)
		snprintf(name, sizeof name, "live bytes host %s", space ? space : "");
	else if (devname)
		snprintf(name, sizeof name, "live bytes device %lld (%s) %s", device, devname, space ? space : "");
	else
		snprintf(name, sizeof name, "live bytes device %lld %s", device, space ? space : "");
	sep(f, first);
	fputs("{\"name\":", f);
	mtan_json_str(f, name);
	fprintf(f, ",\"ph\":\"C\",\"pid\":%lld,", sqlite3_column_int64(st, 0));
	ts(f, sqlite3_column_int64(st, 3));
	fprintf(f, ",\"args\":{\"bytes\":%lld}}", sqlite3_column_int64(st, 4));
}

static void mark(sqlite3_stmt *st, FILE *f, int *first)
{
	sep(f, first);
	fputs("{\"name\":", f);
	mtan_json_str(f, (const char *)sqlite3_column_text(st, 3));
	fprintf(f, ",\"ph\":\"i\",\"s\":\"t\",\"pid\":%lld,\"tid\":%lld,", sqlite3_column_int64(st, 0),
		sqlite3_column_int64(st, 1));
	ts(f, sqlite3_column_int64(st, 2));
	fputs(",\"cat\":\"mark\"}", f);
}

int mtan_export_chrome(sqlite3 *db, const struct mtan_opts *o, FILE *f)
{
	int first = 1;
	fputs("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"exporter\":\"mtan " MTAN_VERSION "\",\"trace\":", f);
	mtan_json_str(f, o->input);
	fputs("},\n\"traceEvents\":[", f);
	if (each(db, o, "processes", process, f, &first) || each(db, o, "threads", thread, f, &first) ||
	    each(db, o, "counters", counter, f, &first) || each(db, o, "marks", mark, f, &first))
		return -1;
	fputs("\n]}\n", f);
	return 0;
}
