/* load.c: trace -> SQLite. Runs the loader's stages in order (loader.h): read every record,
 * put the events in seq order (order.c), pair each free with its allocation while
 * aggregating (pair.c, aggregate.c; the events are freed once paired, so the stages after
 * it run without them), judge leak kinds (classify.c), and store the rows (store.c,
 * store_frames.c); the schema is SCHEMA.md. A trace file is read twice and its events are
 * not kept: the first pass counts them, the pairing reads them again in seq order through
 * a bounded reorder window (stream.c). When the window cannot give the exact order (or the
 * times' range cannot be known without the events) the whole load starts again with the
 * events in memory, as a trace still being written or a pipe is always loaded. */
#include "loader.h"
#include "db.h"
#include "load.h"
#include "opts.h"
#include "output.h"
#include "progress.h"
#include "sql.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Where symbols were looked for (meta sysroot, debug_dirs): a later command that asks
 * for other places loads again (db.c). */
static int write_symopts(struct loader *L)
{
	char *root = NULL, *dirs = NULL;
	int ret = -1;
	if (mtan_symopts_keys(L->sym, &root, &dirs))
		goto out;
	ret = mtan_ld_meta_text(L, "sysroot", root, -1) || mtan_ld_meta_text(L, "debug_dirs", dirs, -1) ? -1 : 0;
out:
	free(root);
	free(dirs);
	return ret;
}

static int write_meta(struct loader *L, const struct stat *tst)
{
	char *real = realpath(L->trace, NULL);
	int ret = -1;
	if (mtan_ld_meta_int(L, "schema_version", MTAN_SCHEMA_VERSION) ||
	    mtan_ld_meta_text(L, "mtan_version", MTAN_VERSION, -1) ||
	    mtan_ld_meta_text(L, "trace_path", real ? real : L->trace, -1) ||
	    mtan_ld_meta_int(L, "trace_size", (long long)tst->st_size) ||
	    mtan_ld_meta_int(L, "trace_mtime_ns", (long long)tst->st_mtim.tv_sec * 1000000000 + tst->st_mtim.tv_nsec) ||
	    mtan_ld_meta_int(L, "complete", L->seen_end) ||
	    mtan_ld_meta_int(L, "recovered_bytes", (long long)L->good_off) ||
	    mtan_ld_meta_int(L, "file_bytes", (long long)L->file_bytes) ||
	    mtan_ld_meta_text(L, "load_error", *L->err ? L->err : NULL, -1) ||
	    (*L->err ? mtan_ld_meta_int(L, "error_offset", (long long)L->err_off) : 0) ||
	    mtan_ld_meta_int(L, "loaded_events", (long long)L->events) ||
	    mtan_ld_meta_int(L, "lost_events", (long long)(L->seen_end && L->end_lost > (int64_t)L->lost
							 ? (uint64_t)L->end_lost : L->lost)) ||
	    (L->seen_end ? mtan_ld_meta_int(L, "end_events", (long long)L->end_events) : 0) ||
	    mtan_ld_meta_int(L, "lifetimes", (long long)L->nlts) ||
	    mtan_ld_meta_int(L, "anomalies", (long long)L->nanomalies) ||
	    mtan_ld_meta_int(L, "races", (long long)L->races.n) ||
	    mtan_ld_meta_int(L, "leaks", (long long)L->leaks) ||
	    mtan_ld_meta_text(L, "scan", L->no_scan ? "off" : "on", -1) ||
	    mtan_ld_meta_text(L, "time", L->timing ? L->timing : "collector", -1) ||
	    mtan_ld_meta_int(L, "clock_readings", L->timing && !strcmp(L->timing, "interpolated") ? (long long)L->clocks.n : 0) ||
	    mtan_ld_meta_int(L, "clock_span_ns", L->clocks.n ? (long long)L->clocks.p[L->clocks.n - 1].t : 0) ||
	    mtan_ld_meta_int(L, "unknown_stacks", (long long)L->unknown_stacks) ||
	    mtan_ld_meta_int(L, "loaded_at", (long long)time(NULL)) || write_symopts(L))
		goto out;
	ret = 0;
out:
	free(real);
	return ret;
}

/* ------------------------------------------------------------------ the load */

static int open_db(struct loader *L, const char *dbpath)
{
	/* one thread uses this connection: no mutex around every bind */
	if (sqlite3_open_v2(dbpath, &L->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		mtan_err("cannot create '%s': %s", dbpath, L->db ? sqlite3_errmsg(L->db) : "out of memory");
		return -1;
	}
	/* a fresh file, built in one go and renamed into place when complete: nothing to
	 * protect with a journal or syncs (a crash leaves only the temporary file). Its page
	 * cache is 64 MiB: rows are appended, so a bigger one only holds pages already written
	 * (256 MiB took the load's peak RSS from 161 MB to 298 MB on 10 M events, no faster) */
	char *err = NULL;
	char pragmas[256];
	snprintf(pragmas, sizeof pragmas,
		 "PRAGMA page_size=16384; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
		 "PRAGMA locking_mode=EXCLUSIVE; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;"
		 "PRAGMA user_version=%d; BEGIN;", MTAN_SCHEMA_VERSION);
	if (sqlite3_exec(L->db, pragmas, NULL, NULL, &err) != SQLITE_OK) {
		mtan_err("cannot set up '%s': %s", dbpath, err ? err : "?");
		sqlite3_free(err);
		return -1;
	}
	if (mtan_exec(L->db, "schema", NULL) || mtan_register_modules(L->db, L))
		return -1;
	struct {
		sqlite3_stmt **st;
		const char *name;
	} sts[] = {{&L->st_meta, "meta"}, {&L->st_thread, "thread"}, {&L->st_stack, "stack"},
		   {&L->st_stack_frame, "stack_frame"}, {&L->st_module, "module"},
		   {&L->st_space, "space"}, {&L->st_mark, "mark"}, {&L->st_rss, "rss"},
		   {&L->st_loss, "loss"}};
	for (size_t i = 0; i < sizeof(sts) / sizeof(sts[0]); i++)
		if (mtan_prepare(L->db, "load", sts[i].name, sts[i].st))
			return -1;
	return 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of the whole process so far (every thread): on a shared machine the wall
 * time of a stage says little */
static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void mtan_trace_error(const char *trace, int err, long long offset)
{
	/* what the whole file is (not zstd, not a trace, too new) needs no offset */
	int verdict = err == MTF_E_NOTZSTD || err == MTF_E_MAGIC || err == MTF_E_VERSION;
	if (err > MTF_E_BASE && err < 0)
		mtan_err("cannot open '%s': %s", trace, strerror(-err));
	else if (offset < 0 || (offset == 0 && verdict))
		mtan_err("'%s': %s", trace, mtf_strerror(err));
	else
		mtan_err("'%s': %s at offset %lld", trace, mtf_strerror(err), offset);
}

static int store_rows(struct loader *L)
{
	return mtan_ld_write_anomalies(L) || mtan_ld_write_races(L) || mtan_ld_write_timeline(L) ||
	       mtan_ld_write_marks(L) || mtan_ld_write_processes(L) || mtan_ld_write_threads(L) ||
	       mtan_ld_write_devices(L) || mtan_ld_write_stats(L) ? -1 : 0;
}

static int store_indexes(struct loader *L)
{
	return mtan_exec(L->db, "indexes", NULL);
}

static int store_meta(struct loader *L)
{
	return write_meta(L, L->tst);
}

/* The stages after reading, in order. cost: seconds each takes against reading the trace,
 * per event (a lifetime costs twice an event's, a frame's symbolization ~1000 events'), as
 * measured on churn and on multi-process traces; only the progress line's estimate of the
 * time left uses them. */
enum { PER_EVENT, PER_LIFETIME, PER_FRAME };
static const struct stage {
	const char *name, *timing;
	int (*run)(struct loader *L);
	int per;
	double cost;
} stages[] = {
	{"pairing", "pair", mtan_ld_pair, PER_EVENT, 1.6},
	{"judging leaks", "classify", mtan_ld_classify, PER_EVENT, 0.3},
	{"writing lifetimes", "lifetimes", mtan_ld_write_lifetimes, PER_LIFETIME, 5},
	{"writing", "rows", store_rows, PER_EVENT, 0.1},
	{"counting sites", "sites", mtan_ld_write_sites, PER_EVENT, 0.1},
	{"symbolizing", "frames", mtan_ld_write_frames, PER_FRAME, 1000},
	{"indexing", "indexes", store_indexes, PER_EVENT, 0.05},
	{"judging growth", "growth", mtan_ld_write_growth, PER_EVENT, 0.05},
	{"finishing", "meta", store_meta, PER_EVENT, 0},
};

/* streaming, the pairing reads the trace again: a read's cost more */
static double stage_cost(const struct loader *L, const struct stage *s, double events, double lifetimes,
			 double frames)
{
	double cost = s->cost + (L->stream && s->run == mtan_ld_pair ? 1 : 0);
	return cost * (s->per == PER_EVENT ? events : s->per == PER_LIFETIME ? lifetimes : frames);
}

/* The whole load's cost while reading: what is read so far, scaled up to the file. */
static void read_progress(struct loader *L, double frac)
{
	double scale = frac > 0.001 ? 1 / frac : 1000;
	double ev = (double)L->events * scale, fr = (double)L->frames.n * scale;
	L->cost_now = ev;
	L->cost_all = ev;
	for (size_t i = 0; i < sizeof stages / sizeof stages[0]; i++)
		L->cost_all += stage_cost(L, &stages[i], ev, ev / 2, fr);
	mtan_ld_progress(L, frac);
}

/* Runs the stages after reading; MTAN_TIMING=1 prints when each begins (wall and CPU
 * seconds since the load began). */
static int run_stages(struct loader *L, double t0, double cpu0)
{
	double ev = (double)L->events, fr = (double)L->frames.n;
	int timing = getenv("MTAN_TIMING") != NULL;
	/* lifetimes are about half the events; the pairing tells the real count */
	L->cost_done = L->cost_all = ev;
	for (size_t i = 0; i < sizeof stages / sizeof stages[0]; i++)
		L->cost_all += stage_cost(L, &stages[i], ev, ev / 2, fr);
	for (size_t i = 0; i < sizeof stages / sizeof stages[0]; i++) {
		const struct stage *s = &stages[i];
		if (i == 2) { /* paired: the lifetimes are counted */
			double left = 0;
			for (size_t j = i; j < sizeof stages / sizeof stages[0]; j++)
				left += stage_cost(L, &stages[j], ev, (double)L->nlts, fr);
			L->cost_all = L->cost_done + left;
		}
		if (timing)
			fprintf(stderr, "%-10s %.3f %.3f\n", s->timing, now() - t0, cpu_now() - cpu0);
		L->stage = s->name;
		L->cost_now = stage_cost(L, s, ev, i >= 2 ? (double)L->nlts : ev / 2, fr);
		mtan_ld_progress(L, 0);
		/* a stream that stopped early ended the pairing early: what it made is not kept */
		if (s->run(L) || L->stream_end)
			return -1;
		L->cost_done += L->cost_now;
	}
	return 0;
}

int mtan_load(const char *trace, const char *dbpath, struct mtan_load_stats *st)
{
	return mtan_load_with(trace, dbpath, NULL, st);
}

static int load(const char *trace, const char *dbpath, const struct mtan_symopts *sym,
		struct mtan_load_stats *st, int live);

/* load_once's answer when the events must be loaded in memory instead (nothing told) */
#define IN_MEMORY 1

int mtan_load_with(const char *trace, const char *dbpath, const struct mtan_symopts *sym,
		   struct mtan_load_stats *st)
{
	return load(trace, dbpath, sym, st, 0);
}

int mtan_load_live(const char *trace, const char *dbpath, const struct mtan_symopts *sym,
		   struct mtan_load_stats *st)
{
	return load(trace, dbpath, sym, st, 1);
}

/* live: the trace is still being written (mtan live): read up to its last whole frame,
 * waiting a moment for one being written, and call that the end. stream: a regular file's
 * events are read again by the pairing instead of kept. 0, -1 told, or IN_MEMORY. */
static int load_once(const char *trace, const char *dbpath, const struct mtan_symopts *sym,
		     struct mtan_load_stats *st, int live, int stream)
{
	struct loader L = {0};
	mtf_reader *r = NULL;
	mtf_record rec;
	struct stat tst;
	double t0 = now(), cpu0 = cpu_now();
	int ret = -1, rc;
	L.trace = trace;
	L.sym = sym;
	memset(st, 0, sizeof(*st));
	if (stat(trace, &tst) < 0) {
		mtan_err("cannot open '%s': %s", trace, strerror(errno));
		goto out;
	}
	/* a file that grows, or a pipe, cannot be read again as the first pass saw it */
	L.stream = stream && !live && S_ISREG(tst.st_mode);
	if ((rc = mtf_reader_open(&r, trace)) < 0 || (live && (rc = mtf_reader_set_live(r, 1000)) < 0)) {
		mtan_trace_error(trace, rc, -1);
		goto out;
	}
	/* the first record decides whether this is a trace at all: before the database */
	if ((rc = mtf_reader_next(r, &rec)) <= 0) {
		mtan_trace_error(trace, rc < 0 ? rc : MTF_E_MAGIC, rc < 0 ? (long long)mtf_reader_bad_offset(r) : -1);
		goto out;
	}
	if (open_db(&L, dbpath))
		goto out;
	L.lts.sink = mtan_ld_write_lifetime_rows; /* ended lifetimes are written while pairing */
	const char *threads = getenv("MTAN_THREADS");
	L.lts.async = !(threads && !strcmp(threads, "1")); /* on a thread beside the pairing */
	mtan_progress_start(trace);
	L.stage = "reading";
	L.tst = &tst;
	uint64_t records = 0;
	do {
		if (mtan_ld_read_record(&L, &rec)) {
			if (!L.reported)
				mtan_err("'%s': out of memory", trace);
			goto out;
		}
		if (++records % 64 == 0)
			read_progress(&L, (double)mtf_reader_good_offset(r) / (double)(mtf_reader_file_size(r) + 1));
	} while ((rc = mtf_reader_next(r, &rec)) == 1);
	L.good_off = mtf_reader_good_offset(r);
	L.file_bytes = mtf_reader_file_size(r);
	if (rc < 0) {
		if (rc == MTF_E_NOMEM) {
			mtan_err("'%s': out of memory", trace);
			goto out;
		}
		/* not damage: a whole second run, which loading the first alone would lose
		 * behind a warning (and a check would pass on half the file) */
		if (rc == MTF_E_CONCAT) {
			unsigned long long at = mtf_reader_bad_offset(r);
			mtan_err("'%s': a second trace starts at offset %llu (traces concatenated); load "
				 "each alone: 'head -c %llu' gives the first, 'tail -c +%llu' the rest",
				 trace, at, at, at + 1);
			goto out;
		}
		snprintf(L.err, sizeof L.err, "%s", mtf_strerror(rc));
		L.err_off = mtf_reader_bad_offset(r);
	}
	mtf_reader_free(r);
	r = NULL;
	if (L.stream && !mtan_ld_stream_fits(&L)) {
		ret = IN_MEMORY;
		goto out;
	}
	if (mtan_ld_symbolize_start(&L)) {
		mtan_err("'%s': out of memory while symbolizing", trace);
		goto out;
	}
	if (run_stages(&L, t0, cpu0)) {
		if (L.stream_end == 1)
			ret = IN_MEMORY;
		goto out;
	}
	st->seconds = now() - t0;
	{
		char secs[32];
		snprintf(secs, sizeof secs, "%.3f", st->seconds);
		/* written last, in the same transaction: a database without it never finished */
		if (mtan_ld_meta_text(&L, "load_seconds", secs, -1) || mtan_ld_meta_int(&L, "load_complete", 1))
			goto out;
	}
	if (getenv("MTAN_TIMING"))
		fprintf(stderr, "%-10s %.3f %.3f\n", "commit", now() - t0, cpu_now() - cpu0);
	if (sqlite3_exec(L.db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		mtan_sqlerr(L.db, "cannot write the database");
		goto out;
	}
	if (getenv("MTAN_TIMING"))
		fprintf(stderr, "%-10s %.3f %.3f\n", "loaded", now() - t0, cpu_now() - cpu0);
	st->events = L.events;
	st->lifetimes = L.nlts;
	st->leaks = L.leaks;
	st->anomalies = L.nanomalies;
	st->complete = L.seen_end;
	st->damaged = *L.err != 0;
	ret = 0;
out:
	mtan_progress_end();
	mtf_reader_free(r);
	mtan_ld_symbolize_stop(&L);
	mtan_ld_release(&L);
	return ret;
}

static int load(const char *trace, const char *dbpath, const struct mtan_symopts *sym,
		struct mtan_load_stats *st, int live)
{
	struct stat dst;
	int existed = stat(dbpath, &dst) == 0; /* the caller's (db.c reserves an empty file) */
	int rc = load_once(trace, dbpath, sym, st, live, 1);
	if (rc != IN_MEMORY)
		return rc;
	if (getenv("MTAN_TIMING"))
		fprintf(stderr, "the events are too far out of order to stream: loading them in memory\n");
	/* the first try's database, half written: back to what the caller gave */
	if (existed ? truncate(dbpath, 0) < 0 : unlink(dbpath) < 0 && errno != ENOENT) {
		mtan_err("cannot write '%s': %s", dbpath, strerror(errno));
		return -1;
	}
	return load_once(trace, dbpath, sym, st, live, 0);
}

