/* cmd_live.c: `mtan live TRACE`: watches a trace while mtrec writes it. Once a second it
 * loads what is on disk so far (whole frames; the frame being written is left for the next
 * look) into a scratch database and draws live bytes per device and space, the sites that
 * hold the most, and the growth verdict so far; it ends when the trace's END record comes.
 * It only reads the file, at a lower priority than the recording. */
#include "commands.h"
#include "db.h"
#include "load.h"
#include "opts.h"
#include "output.h"
#include "progress.h"
#include "render.h"
#include "result.h"
#include "sql.h"
#include "mtf.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char cmd_live_usage[] =
	"live [options] TRACE\n\n"
	"Watches TRACE while mtrec records it (mtrec -o TRACE PROGRAM, or mtrec -o TRACE -p\n"
	"PID): once a second it redraws the live bytes and blocks per device and space, the\n"
	"sites holding the most live bytes (--limit, default 10) and the growth verdict so far\n"
	"(as 'mtan growth' judges it). It ends by itself when the recording ends (the trace's\n"
	"END record), after drawing the final state. --once draws one frame and exits (for\n"
	"scripts; on a finished trace, its final state). What it reads is what mtrec has\n"
	"written: whole zstd frames, closed at least every 250 ms. It only reads the file, at\n"
	"a low priority (nice 10): the recorded program is not slowed beyond recording; each\n"
	"frame loads the trace so far, so on a very long trace frames come less often than\n"
	"once a second. Nothing is cached next to TRACE. Exits 0, or 1 when TRACE cannot be\n"
	"read (not a trace, damaged).";

static int once; /* --once */

static int take_once(struct mtan_opts *o, const char *arg)
{
	(void)o;
	(void)arg;
	once = 1;
	return 0;
}

/* The collector writes at least every 250 ms while a process runs (RSS samples): a trace
 * that stops growing for this long without its END has lost its recorder. */
#define STALE_S 5.0

static const struct mtan_extra extra[] = {
	{{"once", no_argument, NULL, 257}, "      --once            draw one frame and exit", take_once},
	{{0, 0, 0, 0}, NULL, NULL},
};

/* Draws the frame of the database at path. 0, or -1 (told). *complete: the END was read. */
/* A query of live.sql as a result: each row's cells from row(). NULL (reported). */
static struct mtan_result *live_rows(sqlite3 *db, const char *name, long long limit, const struct mtan_col *cols,
				     int n, void (*row)(struct mtan_result *, sqlite3_stmt *))
{
	struct mtan_result *r = mtan_result_new(cols, n);
	sqlite3_stmt *st = NULL;
	int rc = SQLITE_DONE;
	if (!r) {
		mtan_err("out of memory");
		return NULL;
	}
	if (mtan_prepare(db, "live", name, &st))
		goto fail;
	if (limit >= 0)
		sqlite3_bind_int64(st, 1, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		row(r, st);
	if (rc != SQLITE_DONE) {
		mtan_sqlerr(db, "cannot read the database");
		goto fail;
	}
	if (mtan_result_ok(r))
		goto fail;
	sqlite3_finalize(st);
	return r;
fail:
	sqlite3_finalize(st);
	mtan_result_free(r);
	return NULL;
}

/* Devices as live has always shown them, a left-aligned word: host, or the number. */
static void device_cell(struct mtan_result *r, sqlite3_stmt *st, int i)
{
	char dev[16];
	mtan_result_text(r, mtan_device_name(dev, sqlite3_column_int64(st, i)));
}

static void space_row(struct mtan_result *r, sqlite3_stmt *st)
{
	device_cell(r, st, 0);
	for (int i = 1; i < 6; i++)
		mtan_result_column(r, st, i);
}

/* Live bytes and blocks, allocations and frees per device and space. */
static struct mtan_result *live_spaces(sqlite3 *db)
{
	static const struct mtan_col cols[] = {
		{"device", NULL, MTAN_K_TEXT}, {"space", NULL, MTAN_K_TEXT}, {"live", NULL, MTAN_K_SIZE},
		{"blocks", NULL, MTAN_K_COUNT}, {"allocs", NULL, MTAN_K_COUNT}, {"frees", NULL, MTAN_K_COUNT},
	};
	return live_rows(db, "spaces", -1, cols, 6, space_row);
}

static void site_row(struct mtan_result *r, sqlite3_stmt *st)
{
	const char *fn = (const char *)sqlite3_column_text(st, 1);
	const char *file = (const char *)sqlite3_column_text(st, 2);
	const char *mod = (const char *)sqlite3_column_text(st, 4);
	const char *base = file ? strrchr(file, '/') : NULL;
	char site[512];
	if (!fn && !mod)
		snprintf(site, sizeof site, "(no stack)");
	else if (file)
		snprintf(site, sizeof site, "%s (%s:%lld)", fn ? fn : "??", base ? base + 1 : file,
			 sqlite3_column_int64(st, 3));
	else
		snprintf(site, sizeof site, "%s in %s", fn ? fn : "??", mod ? mod : "??");
	mtan_result_column(r, st, 6);
	mtan_result_column(r, st, 5);
	device_cell(r, st, 0);
	mtan_result_text(r, site);
}

/* The sites holding the most live bytes, at most limit. */
static struct mtan_result *live_sites(sqlite3 *db, long long limit)
{
	static const struct mtan_col cols[] = {
		{"live", NULL, MTAN_K_SIZE}, {"blocks", NULL, MTAN_K_COUNT}, {"device", NULL, MTAN_K_TEXT},
		{"site", NULL, MTAN_K_TEXT},
	};
	return live_rows(db, "sites", limit, cols, 4, site_row);
}

/* r as a table, or the line none when it has no rows. */
static void table_or(const struct mtan_result *r, FILE *f, const char *none)
{
	if (r->nrows)
		mtan_render_table(r, f);
	else
		fputs(none, f);
}

static int frame(const char *trace, const char *path, long long limit, int *complete, FILE *f)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	struct mtan_result *t = NULL;
	int ret = -1, rc;
	char a[32], b[32], dev[16];
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		mtan_err("cannot open '%s': %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	*complete = mtan_meta_int(db, "complete", 0) != 0;
	long long events = 0, span = 0, running = 0;
	if (mtan_prepare(db, "live", "span", &st))
		goto out;
	if (sqlite3_step(st) == SQLITE_ROW) {
		events = sqlite3_column_int64(st, 0);
		span = sqlite3_column_int64(st, 1);
		running = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	st = NULL;
	fprintf(f, "trace     %s (%s)\n", trace, *complete ? "recording ended" : "recording");
	fprintf(f, "so far    %s events in %s, %lld %s running\n", mtan_count(a, (uint64_t)events),
		mtan_when(b, (double)span), running, running == 1 ? "process" : "processes");
	long long before = mtan_meta_int(db, "frees_before_attach", -1);
	if (before >= 0)
		fprintf(f, "attached  %s %s of blocks from before the attach\n", mtan_count(a, (uint64_t)before),
			before == 1 ? "free" : "frees");

	fprintf(f, "\nlive by device and space\n");
	if (!(t = live_spaces(db)))
		goto out;
	table_or(t, f, "  nothing allocated yet\n");
	mtan_result_free(t);
	t = NULL;
	fprintf(f, "\ntop sites by live bytes\n");
	if (!(t = live_sites(db, limit)))
		goto out;
	table_or(t, f, "  nothing live\n");

	fprintf(f, "\ngrowth so far\n");
	if (mtan_prepare(db, "live", "growth", &st))
		goto out;
	int rows = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *verdict = (const char *)sqlite3_column_text(st, 2);
		fprintf(f, "  %s %s: %s", mtan_device_name(dev, sqlite3_column_int64(st, 0)),
			(const char *)sqlite3_column_text(st, 1), verdict ? verdict : "?");
		if (verdict && strcmp(verdict, "too_short") && sqlite3_column_type(st, 3) != SQLITE_NULL) {
			long long rate = sqlite3_column_int64(st, 3);
			fprintf(f, ", %s%s/s", rate < 0 ? "-" : "+", mtan_size(a, (uint64_t)(rate < 0 ? -rate : rate)));
		} else if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
			fprintf(f, " (%s)", (const char *)sqlite3_column_text(st, 4));
		}
		fputc('\n', f);
		rows++;
	}
	if (!rows)
		fprintf(f, "  nothing to judge yet\n");
	if (rc != SQLITE_DONE) {
		mtan_sqlerr(db, "cannot read the database");
		goto out;
	}
	ret = 0;
out:
	mtan_result_free(t);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ret;
}

/* Whether trace has a first whole frame yet (1), not yet (0: the recording just began), or
 * is no trace at all (-1, told). */
static int has_data(const char *trace)
{
	struct stat st;
	if (stat(trace, &st) < 0) {
		mtan_err("cannot open '%s': %s", trace, strerror(errno));
		return -1;
	}
	if (st.st_size < 4)
		return S_ISREG(st.st_mode) ? 0 : (mtan_trace_error(trace, MTF_E_NOTZSTD, -1), -1);
	mtf_reader *r;
	mtf_record rec;
	int rc = mtf_reader_open(&r, trace);
	if (rc == 0 && (rc = mtf_reader_set_live(r, 300)) == 0)
		rc = mtf_reader_next(r, &rec);
	mtf_reader_free(r);
	if (rc < 0) {
		mtan_trace_error(trace, rc, -1);
		return -1;
	}
	return rc;
}

static void nap(double s)
{
	struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
	nanosleep(&ts, NULL);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cmd_live(int argc, char **argv)
{
	struct mtan_opts o;
	char path[PATH_MAX];
	int made = 0;
	int ret = mtan_parse(argc, argv, "live", cmd_live_usage, extra, &o);
	if (ret != MTAN_GO)
		return ret;
	ret = 1;
	if (mtan_is_sqlite(o.input) == 1) {
		mtan_err("'%s' is a database: live watches a trace being recorded", o.input);
		return 2;
	}
	long long limit = o.limit >= 0 ? o.limit : 10;
	const char *tmp = getenv("TMPDIR");
	if (tmp && *tmp && strlen(tmp) < sizeof path - 32)
		snprintf(path, sizeof path, "%s/mtan-live-XXXXXX", tmp);
	else
		snprintf(path, sizeof path, "/tmp/mtan-live-XXXXXX");
	if (!mkdtemp(path)) {
		mtan_err("cannot create a scratch directory '%s': %s", path, strerror(errno));
		return 1;
	}
	made = 1;
	char dbpath[PATH_MAX + 16];
	snprintf(dbpath, sizeof dbpath, "%s/live.db", path);
	/* the recording comes first: this only reads, whenever the CPU has time for it */
	if (nice(10) < 0 && errno)
		errno = 0;
	int tty = isatty(STDOUT_FILENO) && !once;
	off_t last_size = -1;
	double grew = now_s();
	for (int n = 0;; n++) {
		double t0 = now_s();
		int have = has_data(o.input);
		if (have < 0)
			goto out;
		struct stat st;
		if (!have) {
			if (once) {
				printf("trace     %s (recording: nothing written yet)\n", o.input);
				break;
			}
		} else if (stat(o.input, &st) == 0 && st.st_size == last_size) {
			if (now_s() - grew > STALE_S) {
				mtan_warn("'%s': nothing written for %.0f s and no END record: the recorder is gone",
					  o.input, STALE_S);
				break;
			}
		} else if (stat(o.input, &st) == 0) {
			grew = now_s();
			struct mtan_load_stats ls;
			unlink(dbpath);
			mtan_progress_quiet(1);
			if (mtan_load_live(o.input, dbpath, &o.sym, &ls))
				goto out;
			last_size = st.st_size;
			if (tty)
				fputs("\033[H\033[2J", stdout); /* home, clear: redrawn in place */
			else if (n)
				fputs("\n", stdout);
			int complete = 0;
			if (frame(o.input, dbpath, limit, &complete, stdout))
				goto out;
			fflush(stdout);
			if (complete || once)
				break;
		}
		double left = 1.0 - (now_s() - t0);
		nap(left > 0.05 ? left : 0.05);
	}
	ret = 0;
out:
	if (made) {
		unlink(dbpath);
		rmdir(path);
	}
	return ret;
}
