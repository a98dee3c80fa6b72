/* test_order.c: the pairing's source (order.c) streaming from the trace (stream.c) against
 * the same source in memory, on synthetic traces: the same events in the same order with
 * the same times, the same lowest and highest time, the fallback when the reorder window is
 * too small; and whole loads (mtan_load) giving the same database either way. */
#include "loader.h"
#include "load.h"
#include "trace_build.h"
#include "unit.h"

#include <sys/stat.h>

#define PID 100

static char dir[64];

static mtf_event ev(int kind, uint64_t seq, uint64_t stamp, uint64_t addr)
{
	mtf_event e = tb_ev(kind, MTF_FN_MALLOC, seq, addr, 16);
	e.time_ns = stamp;
	return e;
}

static int tb_clock(struct tb *t, uint64_t seq, uint64_t ns)
{
	mtf_record r;
	memset(&r, 0, sizeof r);
	r.type = MTF_CLOCK;
	r.u.clock.seq = seq;
	r.u.clock.time_ns = ns;
	return mtf_writer_put(t->w, &r);
}

static int tb_mark(struct tb *t, uint64_t seq, uint32_t tid, const char *label)
{
	mtf_record r;
	memset(&r, 0, sizeof r);
	r.type = MTF_MARK;
	r.u.mark.pid = PID;
	r.u.mark.tid = tid;
	r.u.mark.seq = seq;
	r.u.mark.time_ns = seq * 1000;
	r.u.mark.label = tb_s(label);
	return mtf_writer_put(t->w, &r);
}

/* What a source gave, event by event. */
struct seen {
	struct ev *p;
	size_t n;
	uint64_t lo, hi;
	int end; /* L->stream_end after it */
};

/* Reads path into a loader (streaming or not; no database: the header is left out) and
 * draws every event from its source. */
static int drain(const char *path, int stream, struct seen *out)
{
	struct loader L = {.trace = path, .stream = stream};
	struct ev_source src;
	struct stat st;
	mtf_reader *r = NULL;
	mtf_record rec;
	int ret = -1, rc;
	memset(out, 0, sizeof(*out));
	if (stat(path, &st) < 0 || mtf_reader_open(&r, path) < 0)
		goto out;
	L.tst = &st;
	while ((rc = mtf_reader_next(r, &rec)) == 1)
		if (rec.type != MTF_HEADER && mtan_ld_read_record(&L, &rec))
			goto out;
	if (rc < 0 || mtan_ld_source_open(&L, &src))
		goto out;
	out->p = calloc(src.n + 1, sizeof(*out->p));
	for (const struct ev *e; out->p && (e = mtan_ld_source_next(&src));)
		out->p[out->n++] = *e;
	out->lo = src.lo;
	out->hi = src.hi;
	out->end = L.stream_end;
	mtan_ld_source_close(&src);
	ret = out->p ? 0 : -1;
out:
	mtf_reader_free(r);
	mtan_ld_release(&L);
	return ret;
}

static int same_events(const struct seen *a, const struct seen *b)
{
	if (a->n != b->n || a->lo != b->lo || a->hi != b->hi)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		const struct ev *x = &a->p[i], *y = &b->p[i];
		if (x->seq != y->seq || x->time_ns != y->time_ns || x->addr != y->addr || x->size != y->size ||
		    x->pool != y->pool || x->tid != y->tid || x->stack != y->stack || x->op != y->op)
			return 0;
	}
	return 1;
}

/* Three threads whose chunks overlap in seq, records at the seqs of events and of each
 * other, a duplicated seq (a damaged trace's), and clock readings arriving out of order,
 * with events before the first reading and after the last. */
static int write_disordered(const char *path)
{
	struct tb t;
	if (tb_open(&t, path, PID) || tb_process(&t, 1, PID, 0, MTF_PROC_EXEC))
		return -1;
	/* before any reading: stamps all over the place */
	mtf_event t1[] = {ev(MTF_ALLOC, 2, 7000, 0x10), ev(MTF_ALLOC, 3, 500, 0x20),
			  ev(MTF_ALLOC, 12, 11000, 0x30), ev(MTF_FREE, 15, 1, 0x10)};
	mtf_event t2[] = {ev(MTF_ALLOC, 4, 15000, 0x40), ev(MTF_ALLOC, 9, 9000, 0x50),
			  ev(MTF_FREE, 13, 13000, 0x20), ev(MTF_ALLOC, 14, 14000, 0x60)};
	/* after the last reading: one stamped below it, one above */
	mtf_event t3[] = {ev(MTF_ALLOC, 5, 5000, 0x70), ev(MTF_FREE, 25, 19000, 0x40),
			  ev(MTF_ALLOC, 30, 40000, 0x80), ev(MTF_ALLOC, 30, 40001, 0x90)};
	mtf_event t1b[] = {ev(MTF_FREE, 16, 16000, 0x30), ev(MTF_ALLOC, 20, 20500, 0xa0)};
	if (tb_events(&t, PID, 1, t1, 4) || tb_mark(&t, 12, 1, "m12") || tb_clock(&t, 20, 20000) ||
	    tb_events(&t, PID, 2, t2, 4) || tb_mark(&t, 12, 2, "m12b") || tb_mark(&t, 9, 2, "m9") ||
	    tb_clock(&t, 10, 10000) || tb_events(&t, PID, 3, t3, 4) || tb_events(&t, PID, 1, t1b, 2) ||
	    tb_mark(&t, 30, 1, "m30") || tb_clock(&t, 15, 12000))
		return -1;
	return tb_close(&t, 1, 14);
}

static void disordered_same_as_memory(void)
{
	char path[128];
	struct seen m = {0}, s = {0};
	snprintf(path, sizeof path, "%s/disordered.zst", dir);
	CHECK(write_disordered(path) == 0);
	unsetenv("MTAN_REORDER_WINDOW");
	CHECK(drain(path, 0, &m) == 0 && drain(path, 1, &s) == 0);
	CHECK_EQ_U(m.n, 19); /* 14 events, 5 records */
	CHECK_EQ_U(s.end, 0);
	CHECK(same_events(&m, &s));
	/* seq order, ties by place in the trace: at 12 the event, then thread 1's mark (read
	 * after it), then thread 2's */
	CHECK_EQ_U(s.p[0].seq, 1);
	CHECK(s.p[0].op == REC_EV);
	for (size_t i = 1; i < s.n; i++)
		CHECK(s.p[i - 1].seq <= s.p[i].seq);
	size_t i12 = 0;
	while (i12 < s.n && s.p[i12].seq != 12)
		i12++;
	CHECK(i12 + 2 < s.n);
	CHECK(s.p[i12].op != REC_EV && s.p[i12 + 1].op == REC_EV && s.p[i12 + 2].op == REC_EV);
	CHECK_EQ_U(s.p[i12].time_ns, 10800); /* between readings (10, 10000) and (15, 12000) */
	CHECK_EQ_U(s.p[i12 + 1].time_ns, 10800);
	/* the lowest: seq 3's stamp 500, before the first reading (seq 15's stamp 1 is between
	 * readings: 12000); the highest: seq 30's second stamp, after the last */
	CHECK_EQ_U(s.lo, 500);
	CHECK_EQ_U(s.hi, 40001);
	free(m.p);
	free(s.p);
}

/* Times: events before the first reading keep their stamps clamped to at most its time,
 * after the last at least its time; the lowest and highest time come out the same as with
 * every event in memory. */
static void bounds_outside_readings(void)
{
	char path[128];
	struct seen m = {0}, s = {0};
	struct tb t;
	snprintf(path, sizeof path, "%s/bounds.zst", dir);
	CHECK(tb_open(&t, path, PID) == 0);
	mtf_event a[] = {ev(MTF_ALLOC, 2, 7000, 0x10), ev(MTF_ALLOC, 3, 4000, 0x20), ev(MTF_ALLOC, 8, 1, 0x30),
			 ev(MTF_FREE, 25, 19000, 0x10), ev(MTF_FREE, 26, 35000, 0x20)};
	CHECK(tb_events(&t, PID, 1, a, 5) == 0 && tb_clock(&t, 10, 10000) == 0 && tb_clock(&t, 20, 30000) == 0);
	CHECK(tb_close(&t, 1, 5) == 0);
	CHECK(drain(path, 0, &m) == 0 && drain(path, 1, &s) == 0);
	CHECK(same_events(&m, &s));
	CHECK_EQ_U(s.lo, 1);     /* seq 8, before the first reading: its stamp */
	CHECK_EQ_U(s.hi, 35000); /* seq 26, after the last: its stamp */
	CHECK_EQ_U(s.p[3].time_ns, 30000); /* seq 25 stamped 19000: at least the last reading's */
	free(m.p);
	free(s.p);
	/* every event between the readings: the lowest and highest seq's interpolated times */
	snprintf(path, sizeof path, "%s/bounds2.zst", dir);
	CHECK(tb_open(&t, path, PID) == 0);
	mtf_event b[] = {ev(MTF_ALLOC, 50, 1, 0x10), ev(MTF_ALLOC, 10, 999999, 0x20), ev(MTF_FREE, 60, 5, 0x10)};
	CHECK(tb_clock(&t, 1, 1000) == 0 && tb_events(&t, PID, 1, b, 3) == 0 && tb_clock(&t, 100, 100000) == 0);
	CHECK(tb_close(&t, 1, 3) == 0);
	CHECK(drain(path, 0, &m) == 0 && drain(path, 1, &s) == 0);
	CHECK(same_events(&m, &s));
	CHECK_EQ_U(s.lo, 10000);
	CHECK_EQ_U(s.hi, 60000);
	free(m.p);
	free(s.p);
}

/* More threads interleaved than the window keeps sorted runs for: the heap orders them. */
static void many_threads(void)
{
	char path[128];
	struct seen m = {0}, s = {0};
	struct tb t;
	snprintf(path, sizeof path, "%s/many.zst", dir);
	CHECK(tb_open(&t, path, PID) == 0);
	uint64_t n = 0;
	for (uint32_t round = 0; round < 20; round++)
		for (uint32_t tid = 1; tid <= 24; tid++) {
			mtf_event e[5];
			for (uint32_t k = 0; k < 5; k++) /* thread tid's seqs in this round, reversed threads */
				e[k] = ev(MTF_ALLOC, 1 + round * 120 + (24 - tid) * 5 + k, 1000 * n++, 0x1000 * tid + 16 * (round * 5 + k));
			CHECK(tb_events(&t, PID, tid, e, 5) == 0);
		}
	CHECK(tb_close(&t, 1, n) == 0);
	setenv("MTAN_REORDER_WINDOW", "200", 1);
	CHECK(drain(path, 0, &m) == 0 && drain(path, 1, &s) == 0);
	unsetenv("MTAN_REORDER_WINDOW");
	CHECK_EQ_U(s.end, 0);
	CHECK_EQ_U(s.n, 2400);
	CHECK(same_events(&m, &s));
	for (size_t i = 0; i < s.n; i++)
		CHECK_EQ_U(s.p[i].seq, i + 1);
	free(m.p);
	free(s.p);
}

/* A window too small for the disorder: the stream stops and says the order cannot be kept
 * (the load then starts again in memory). */
static void window_too_small(void)
{
	char path[128];
	struct seen s = {0};
	snprintf(path, sizeof path, "%s/disordered.zst", dir);
	CHECK(write_disordered(path) == 0);
	setenv("MTAN_REORDER_WINDOW", "1", 1);
	CHECK(drain(path, 1, &s) == 0);
	unsetenv("MTAN_REORDER_WINDOW");
	CHECK_EQ_U(s.end, 1);
	CHECK(s.n < 19);
	for (size_t i = 1; i < s.n; i++) /* what it gave was in order */
		CHECK(s.p[i - 1].seq <= s.p[i].seq);
	free(s.p);
}

/* Too many candidates for the times' bounds (stamps falling as seqs rise, before any
 * reading): with two readings the load cannot stream; with none it can (the stamps stay). */
static void bounds_over(void)
{
	struct loader L = {.trace = "synthetic", .stream = 1};
	enum { N = (BOUNDS_MAX + 4096) };
	mtf_event *e = calloc(4096, sizeof(*e));
	CHECK(e != NULL);
	for (uint64_t i = 0; i < N; i += 4096) {
		for (uint64_t k = 0; k < 4096; k++)
			e[k] = ev(MTF_ALLOC, 10 + i + k, 10000000 - (i + k), 0x10 * (i + k + 1));
		mtf_record r = {.type = MTF_EVENTS};
		r.u.events.pid = PID;
		r.u.events.tid = 1;
		r.u.events.n = 4096;
		r.u.events.ev = e;
		if (mtan_ld_read_record(&L, &r))
			break;
	}
	free(e);
	CHECK_EQ_U(L.events, N);
	CHECK(L.evs.n == 0); /* streaming: not kept */
	CHECK(L.bounds.over);
	CHECK(mtan_ld_stream_fits(&L));
	mtf_record c = {.type = MTF_CLOCK};
	c.u.clock.seq = 5;
	CHECK(mtan_ld_read_record(&L, &c) == 0);
	CHECK(mtan_ld_stream_fits(&L)); /* one reading: stamps */
	c.u.clock.seq = 50;
	CHECK(mtan_ld_read_record(&L, &c) == 0);
	CHECK(!mtan_ld_stream_fits(&L));
	mtan_ld_release(&L);
}

/* A whole database as text: every table's rows in order, but the load's own clock. */
static char *dump(const char *dbpath)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *tabs = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f || sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE "
			       "'CREATE VIRTUAL%' ORDER BY name", -1, &tabs, NULL) != SQLITE_OK)
		goto out;
	while (sqlite3_step(tabs) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(tabs, 0);
		char sql[512];
		sqlite3_stmt *st = NULL;
		snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"%s", name,
			 strcmp(name, "meta") ? "" : " WHERE key NOT IN ('load_seconds', 'loaded_at')");
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
			continue;
		int ncol = sqlite3_column_count(st);
		sqlite3_finalize(st);
		size_t o = strlen(sql);
		o += (size_t)snprintf(sql + o, sizeof sql - o, " ORDER BY 1");
		for (int k = 2; k <= ncol && o < sizeof sql - 8; k++)
			o += (size_t)snprintf(sql + o, sizeof sql - o, ",%d", k);
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
			continue;
		fprintf(f, "== %s\n", name);
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int k = 0; k < ncol; k++)
				fprintf(f, "%s|", sqlite3_column_text(st, k) ? (const char *)sqlite3_column_text(st, k) : "NULL");
			fputc('\n', f);
		}
		sqlite3_finalize(st);
	}
out:
	sqlite3_finalize(tabs);
	sqlite3_close(db);
	if (f)
		fclose(f);
	return buf;
}

/* The load streams, falls back when its window is too small (into a file it made itself,
 * or one reserved for it as db.c does), and the database is the same every way. */
static void load_same_every_way(void)
{
	char path[128], a[160], b[160], c[160];
	struct mtan_load_stats st;
	snprintf(path, sizeof path, "%s/disordered.zst", dir);
	snprintf(a, sizeof a, "%s/a.db", dir);
	snprintf(b, sizeof b, "%s/b.db", dir);
	snprintf(c, sizeof c, "%s/c.db", dir);
	CHECK(write_disordered(path) == 0);
	setenv("MTAN_SYMBOL_CACHE", "off", 1);
	unsetenv("MTAN_REORDER_WINDOW");
	CHECK(mtan_load(path, a, &st) == 0);
	CHECK_EQ_U(st.events, 14);
	setenv("MTAN_REORDER_WINDOW", "1", 1);
	CHECK(mtan_load(path, b, &st) == 0);
	FILE *f = fopen(c, "w"); /* reserved, empty */
	CHECK(f != NULL);
	fclose(f);
	CHECK(mtan_load(path, c, &st) == 0);
	unsetenv("MTAN_REORDER_WINDOW");
	CHECK_EQ_U(st.events, 14);
	char *da = dump(a), *db = dump(b), *dc = dump(c);
	CHECK(da && db && dc);
	CHECK(strstr(da, "== lifetimes\n") != NULL);
	CHECK(strstr(da, "loaded_events|14|") != NULL);
	CHECK(strcmp(da, db) == 0);
	CHECK(strcmp(da, dc) == 0);
	free(da);
	free(db);
	free(dc);
}

/* A trace changed between the two reads: the load fails, saying so. */
static void changed_between_passes(void)
{
	char path[128];
	snprintf(path, sizeof path, "%s/disordered.zst", dir);
	CHECK(write_disordered(path) == 0);
	struct loader L = {.trace = path, .stream = 1};
	struct ev_source src;
	struct stat st;
	mtf_reader *r = NULL;
	mtf_record rec;
	CHECK(stat(path, &st) == 0 && mtf_reader_open(&r, path) == 0);
	L.tst = &st;
	while (mtf_reader_next(r, &rec) == 1)
		if (rec.type != MTF_HEADER)
			CHECK(mtan_ld_read_record(&L, &rec) == 0);
	mtf_reader_free(r);
	CHECK(mtan_ld_source_open(&L, &src) == 0);
	FILE *f = fopen(path, "a");
	CHECK(f != NULL);
	fputs("more", f);
	fclose(f);
	CHECK(mtan_ld_source_next(&src) == NULL);
	CHECK_EQ_U(L.stream_end, (uint64_t)-1);
	CHECK(L.reported);
	mtan_ld_source_close(&src);
	mtan_ld_release(&L);
}

int main(void)
{
	strcpy(dir, "/tmp/mtan_test_orderXXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(disordered_same_as_memory);
	RUN(bounds_outside_readings);
	RUN(many_threads);
	RUN(window_too_small);
	RUN(bounds_over);
	RUN(load_same_every_way);
	RUN(changed_between_passes);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd))
		return 1;
	UNIT_EXIT();
}
