/* The loader (analyze/load.c) and the cache (analyze/db.c) on synthetic traces whose
 * database rows are known exactly: pairing, anomalies, seq order across thread chunks,
 * fork, exec, device close, damaged tails, and when a cached database is reused. */
#include "db.h"
#include "load.h"
#include "opts.h"
#include "trace_build.h"
#include "unit.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

static char dir[64];
static char trace[128], dbpath[160];
static sqlite3 *db;

static void setup_dir(void)
{
	strcpy(dir, "/tmp/mtan_test_loadXXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
}

/* A fresh trace path for the next case, with its database path; closes the last db. */
static void fresh(const char *name)
{
	sqlite3_close(db);
	db = NULL;
	snprintf(trace, sizeof trace, "%s/%s.zst", dir, name);
	snprintf(dbpath, sizeof dbpath, "%s.db", trace);
}

static int load(void)
{
	struct mtan_load_stats st;
	unlink(dbpath);
	if (mtan_load(trace, dbpath, &st))
		return -1;
	if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return -1;
	return 0;
}

/* The first column of the first row of sql, or -999 when there is no row / it is NULL. */
static long long q(const char *sql)
{
	sqlite3_stmt *st;
	long long v = -999;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "  bad test query: %s: %s\n", sql, sqlite3_errmsg(db));
		return -998;
	}
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The first column as text ("" for NULL or no row), in a static buffer. */
static const char *qs(const char *sql)
{
	static char buf[256];
	sqlite3_stmt *st;
	buf[0] = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return "<bad query>";
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, sizeof buf, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

static void simple_leak(void)
{
	struct tb t;
	fresh("simple_leak");
	mtf_event ev[] = {A(2, 0x1000, 100), A(3, 0x2000, 50), F(4, 0x2000)};
	CHECK(tb_open(&t, trace, 100) == 0);
	CHECK(tb_process(&t, 1, 100, 1, MTF_PROC_EXEC) == 0);
	CHECK(tb_events(&t, 100, 100, ev, 3) == 0);
	CHECK(tb_close(&t, 1, 3) == 0);
	CHECK(load() == 0);
	CHECK_EQ_U(q("SELECT count(*) FROM lifetimes"), 2);
	CHECK_EQ_U(q("SELECT count(*) FROM leaks"), 1);
	CHECK_EQ_U(q("SELECT address FROM leaks"), 0x1000);
	CHECK_EQ_U(q("SELECT size FROM leaks"), 100);
	CHECK_EQ_U(q("SELECT count(*) FROM leak_sites"), 1);
	CHECK_EQ_U(q("SELECT bytes FROM leak_sites"), 100);
	CHECK_EQ_U(q("SELECT count(*) FROM anomalies"), 0);
	CHECK_EQ_U(q("SELECT allocs FROM space_stats"), 2);
	CHECK_EQ_U(q("SELECT frees FROM space_stats"), 1);
	CHECK_EQ_U(q("SELECT bytes_allocated FROM space_stats"), 150);
	CHECK_EQ_U(q("SELECT leaked_blocks FROM space_stats"), 1);
	CHECK_EQ_U(q("SELECT leaked_bytes FROM space_stats"), 100);
	CHECK(!strcmp(qs("SELECT name FROM space_stats"), "heap"));
	CHECK_EQ_U(q("SELECT device FROM lifetimes WHERE id = 1"), (unsigned long long)-1);
	CHECK_EQ_U(q("SELECT peak_bytes FROM peaks WHERE pid IS NULL AND device IS NULL"), 150);
	CHECK_EQ_U(q("SELECT peak_seq FROM peaks WHERE pid IS NULL AND device IS NULL"), 3);
	CHECK_EQ_U(q("SELECT peak_bytes FROM peaks WHERE pid IS NULL AND device = -1 AND space = 'heap'"), 150);
	CHECK_EQ_U(q("SELECT peak_bytes FROM peaks WHERE pid = 100 AND device = -1 AND space = 'heap'"), 150);
	CHECK_EQ_U(q("SELECT peak_bytes FROM peaks WHERE pid = 100 AND device IS NULL AND space IS NULL"), 150);
	CHECK_EQ_U(q("SELECT count(*) FROM peaks"), 4);
	CHECK_EQ_U(q("SELECT count(*) FROM events"), 3);
	CHECK_EQ_U(q("SELECT count(*) FROM processes"), 1);
	CHECK_EQ_U(q("SELECT count(*) FROM threads"), 1);
	CHECK_EQ_U(q("SELECT value FROM meta WHERE key = 'complete'"), 1);
	CHECK_EQ_U(q("SELECT value FROM meta WHERE key = 'load_complete'"), 1);
	CHECK_EQ_U(q("SELECT value FROM meta WHERE key = 'loaded_events'"), 3);
	CHECK_EQ_U(q("SELECT value FROM meta WHERE key = 'realtime_ns'"), 1700000000000000000ull);
	CHECK(!strcmp(qs("SELECT value FROM meta WHERE key = 'host'"), "testhost"));
	CHECK_EQ_U(q("PRAGMA user_version"), MTAN_SCHEMA_VERSION);
}

static void pairing(void)
{
	struct tb t;
	fresh("pairing");
	mtf_event ev[] = {A(2, 0x1000, 10), F(3, 0x1000), A(4, 0x1000, 20), F(5, 0x1000)};
	CHECK(tb_open(&t, trace, 100) == 0);
	CHECK(tb_events(&t, 100, 101, ev, 4) == 0);
	CHECK(tb_close(&t, 1, 4) == 0);
	CHECK(load() == 0);
	CHECK_EQ_U(q("SELECT count(*) FROM lifetimes"), 2);
	CHECK_EQ_U(q("SELECT free_seq FROM lifetimes WHERE id = 1"), 3);
	CHECK_EQ_U(q("SELECT free_seq FROM lifetimes WHERE id = 2"), 5);
	CHECK_EQ_U(q("SELECT free_tid FROM lifetimes WHERE id = 2"), 101);
	CHECK_EQ_U(q("SELECT free_ns FROM lifetimes WHERE id = 2"), 5000);
	CHECK(!strcmp(qs("SELECT end_reason FROM lifetimes WHERE id = 2"), "free"));
	CHECK(!strcmp(qs("SELECT free_func FROM lifetimes WHERE id = 2"), "free"));
	CHECK(!strcmp(qs("SELECT alloc_func FROM lifetimes WHERE id = 2"), "malloc"));
	CHECK_EQ_U(q("SELECT count(*) FROM leaks"), 0);
	CHECK_EQ_U(q("SELECT count(*) FROM anomalies"), 0);
	CHECK_EQ_U(q("SELECT peak_bytes FROM peaks WHERE pid IS NULL AND device IS NULL"), 20);
	/* a process without a PROCESS record still gets its row */
	CHECK_EQ_U(q("SELECT count(*) FROM processes WHERE pid = 100 AND ppid IS NULL"), 1);
}

static void realloc_halves(void)
{
	struct tb t;
	fresh("realloc");
	mtf_event ev[] = {A(2, 0x1000, 10), tb_ev(MTF_FREE, MTF_FN_REALLOC, 3, 0x1000, 0),
			  tb_ev(MTF_ALLOC, MTF_FN_REALLOC, 4, 0x2000, 20), F(5, 0x2000)};
	CHECK(tb_open(&t, trace, 100) == 0);
	CHECK(tb_events(&t, 100, 100, ev, 4) == 0);
	CHECK(tb_close(&t, 1, 4) == 0);
	CHECK(load() == 0);
	CHECK_EQ_U(q("SELECT count(*) FROM lifetimes"), 2);
	CHECK(!strcmp(qs("SELECT alloc_func || '/' || free_func FROM lifetimes WHERE id = 1"), "malloc/realloc"));
	CHECK(!strcmp(qs("SELECT alloc_func || '/' || free_func FROM lifetimes WHERE id = 2"), "realloc/free"));
	CHECK_EQ_U(q("SELECT count(*) FROM events WHERE op = 'alloc'"), 2);
	CHECK_EQ_U(q("SELECT count(*) FROM events WHERE op = 'free'"), 2);
	CHECK_EQ_U(q("SELECT sum(size) FROM events WHERE op = 'alloc'"), 30);
	CHECK_EQ_U(q("SELECT allocs + frees FROM space_stats"), 4);
	CHECK_EQ_U(q("SELECT count(*) FROM anomalies"), 0);
}

static void unmatched_free(void)
{
	struct tb t;
	fresh("unmatched");
	mtf_event ev[] = {F(2, 0x5000), A(3, 0x6000, 8), F(4, 0x6000)};
	CHECK(tb_open(&t, trace, 100) == 0);
	CHECK(tb_events(&t, 100, 100, ev, 3) == 0);
	CHECK(tb_close(&t, 1, 3) == 0);
	CHECK(load() == 0);
	CHECK_EQ_U(q("SELECT count(*) FROM anomalies"), 1);
	CHECK(!strcmp(qs("SELECT kind FROM anomalies"), "unmatched_free"));
	CHECK_EQ_U(q("SELECT address FROM anomalies"), 0x5000);
	CHECK_EQ_U(q("SELECT seq FROM anomalies"), 2);
	CHECK_EQ_U(q("SELECT lifetime_id FROM anomalies"), (unsigned long long)-999); /* NULL */
	CHECK_EQ_U(q("SELECT frees FROM space_stats"), 2);
	CHECK_EQ_U(q("SELECT count(*) FROM events WHERE op = 'free'"), 2);
	CHECK_EQ_U(q("SELECT count(*) FROM lifetimes"), 1);
}

static void double_free(void)
{
	struct tb t;
	fresh("double");
	mtf_event ev[] = {A(2, 0x1000, 10), F(3, 0x1000), F(4, 0x1000)};
	CHECK(tb_open(&t, trace, 100) == 0);
	CHECK(tb_events(&t, 100, 100, ev, 3) == 0);
	CHECK(tb_close(&t, 1, 3) == 0);
	CHECK(load() == 0);
	CHECK_EQ_U(q("SELECT count(*) FROM anomalies"), 1);
	CHECK(!strcmp(qs("SELECT kind FROM anomalies"), "double_free"));
	CHECK_EQ_U(q("SELECT lifetime_id FROM anomalies"), 1);
	CHECK_EQ_U(q("SELECT seq FROM anomalies"), 4);
	CHECK_EQ_U(q("SELECT free_seq FROM lifetimes WHERE id = 1"), 3);
	CHECK_EQ_U(q("SELECT count(*) FROM leaks"), 0);
	CHECK_EQ_U(q("SELECT frees FROM space_stats"), 2);
}

static void alloc_over_live(void)
{
	struct tb t;
	fresh("overlive");
	mtf_event ev[] = {A(2, 0x1000, 10), A(3, 0x1000, 20)};
	CHECK(tb_open(&t, trace, 100) == 0);
	CHECK(tb_events(&t, 100, 100, ev, 2) == 0);
	CHECK(tb_close(&t, 1, 2) == 0);
	CHECK(load() == 0);
	CHECK_EQ_U(q("SELECT count(*) FROM anomalies"), 1);
	CHECK(!strcmp(qs("SELECT kind FROM anomalies"), "alloc_over_live"));
	CHECK_EQ_U(q("SELECT lifetime_id FROM anomalies"), 1);
	CHECK_EQ_U(q("SELECT seq FROM anomalies"), 3);
	CHECK(!strcmp(qs("SELECT end_reason FROM lifetimes WHERE id = 1"), "overwritten"));
	CHECK_EQ_U(q("SELECT end_seq FROM lifetimes WHERE id = 1"), 3);
	CHECK_EQ_U(q("SELECT free_seq FROM lifetimes WHERE id = 1"), (unsigned long long)-999);
	CHECK_EQ_U(q("SELECT generation FROM lifetimes WHERE id = 2"), 2);
	CHECK_EQ_U(q("SELECT count(*) FROM leaks"), 1);
	CHECK_EQ_U(q("SELECT id FROM leaks"), 2);
	CHECK_EQ_U(q("SELECT leaked_bytes FROM space_stats"), 20);
	CHECK_EQ_U(q("SELECT peak_bytes FROM peaks WHERE pid IS NULL AND device IS NULL"), 20);
}

/* Thread A frees X at seq 10, thread B allocates X at seq 11; B's chunk is written first.
 * Within A's chunk the seqs go backwards once too. */
static void out_of_order(void)
{
	struct tb t;
	fresh("order");
	mtf_event b[] = {A(11, 0x1000, 8)};
	mtf_event a[] = {A(5, 0x1000, 16), F(10, 0x1000), F(21, 0x3000), A(20, 0x3000, 4)};
	CHECK(tb_open(&t, trace, 100) == 0);
	CHECK(tb_events(&t, 100, 2, b, 1) == 0);
	CHECK(tb_events(&t, 100, 1, a, 4) == 0);
	CHECK(tb_close(&t, 1, 5) == 0);
	CHECK(load() == 0);
	CHECK_EQ_U(q("SELECT count(*) FROM anomalies"), 0);
	CHECK_EQ_U(q("SELECT count(*) FROM lifetimes"), 3);
	CHECK_EQ_U(q("SELECT alloc_seq FROM lifetimes WHERE id = 1"), 5);
	CHECK_EQ_U(q("SELECT free_seq FROM lifetimes WHERE id = 1"), 10);
	CHECK_EQ_U(q("SELECT tid FROM lifetimes WHERE id = 2"), 2);
	CHECK_EQ_U(q("SELECT alloc_seq FROM lifetimes WHERE id = 2"), 11);
	CHECK_EQ_U(q("SELECT generation FROM lifetimes WHERE id = 2"), 2);
	CHECK_EQ_U(q("SELECT free_seq FROM lifetimes WHERE id = 3"), 21);
	CHECK_EQ_U(q("SELECT count(*) FROM leaks"), 1);
	CHECK_EQ_U(q("SELECT id FROM leaks"), 2);
	CHECK_EQ_U(q("SELECT count(*) FROM threads"), 2);
}

/* Parent 100 allocates P1 and P2, forks 200. The child frees P1 (its inherited copy) and
 * allocates C1; the parent frees its own P1. Leaks: P2 in the parent, C1 in the child. */
static void fork_inherit(void)
{
	struct tb t;
	fresh("fork");
	mtf_event p1[] = {A(2, 0x1000, 100), A(3, 0x2000, 200)};
	mtf_event c[] = {F(5, 0x1000), A(6, 0x3000, 7)};
	mtf_event p2[] = {F(7, 0x1000)};
	CHECK(tb_open(&t, trace, 100) == 0);
	CHECK(tb_process(&t, 1, 100, 1, MTF_PROC_EXEC) == 0);
	CHECK(tb_events(&t, 100, 100, p1, 2) == 0);
	CHECK(tb_process(&t, 4, 200, 100, MTF_PROC_FORK) == 0);
	CHECK(tb_events(&t, 200, 200, c, 2) == 0);
	CHECK(tb_events(&t, 100, 100, p2, 1) == 0);
	CHECK(tb_exit(&t, 8, 200, 0) == 0);
	CHECK(tb_exit(&t, 9, 100, 0) == 0);
	CHECK(tb_close(&t, 1, 5) == 0);
	CHECK(load() == 0);
	CHECK_EQ_U(q("SELECT count(*) FROM anomalies"), 0);
	CHECK_EQ_U(q("SELECT count(*) FROM lifetimes WHERE inherited = 1"), 2);
	CHECK_EQ_U(q("SELECT count(*) FROM lifetimes WHERE inherited = 1 AND pid = 200"), 2);
	CHECK_EQ_U(q("SELECT free_seq FROM lifetimes WHERE inherited = 1 AND address = 0x1000"), 5);
	CHECK_EQ_U(q("SELECT parent_id FROM lifetimes WHERE inherited = 1 AND address = 0x1000"), 1);
	CHECK_EQ_U(q("SELECT free_seq FROM lifetimes WHERE id = 1"), 7);
	CHECK_EQ_U(q("SELECT count(*) FROM leaks"), 2);
	CHECK_EQ_U(q("SELECT count(*) FROM leaks WHERE pid = 100"), 1);
	CHECK_EQ_U(q("SELECT size FROM leaks WHERE pid = 100"), 200);
	CHECK_EQ_U(q("SELECT count(*) FROM leaks WHERE pid = 200"), 1);
	CHECK_EQ_U(q("SELECT size FROM leaks WHERE pid = 200"), 7);
	CHECK_EQ_U(q("SELECT leaked_bytes FROM space_stats WHERE pid = 200"), 7);
	CHECK_EQ_U(q("SELECT allocs FROM space_stats WHERE pid = 200"), 1);
	CHECK_EQ_U(q("SELECT frees FROM space_stats WHERE pid = 200"), 1);
	/* inherited copies are not events: 3 allocs, 2 frees */
	CHECK_EQ_U(q("SELECT count(*) FROM events WHERE op = 'alloc'"), 3);
	CHECK_EQ_U(q("SELECT count(*) FROM events WHERE op = 'free'"), 2);
	CHECK_EQ_U(q("SELECT exit_code FROM processes WHERE pid = 200"), 0);
	CHECK(!strcmp(qs("SELECT how FROM processes WHERE pid = 200"), "fork"));
	CHECK_EQ_U(q("SELECT ppid FROM processes WHERE pid = 200"), 100);
	/* the child's own view of its memory starts with the inherited 300 bytes */
	CHECK_EQ_U(q("SELECT peak_bytes FROM peaks WHERE pid = 200 AND device IS NULL"), 300);
}

static void exec_clears(void)
{
	struct tb t;
	fresh("exec");
	mtf_event a[] = {A(2, 0x1000, 10)};
	mtf_event b[] = {A(4, 0x2000, 5)};
	CHECK(tb_open(&t, trace, 100) == 0);
	CHECK(tb_process(&t, 1, 100, 1, MTF_PROC_EXEC) == 0);
	CHECK(tb_events(&t, 100, 100, a, 1) == 0);
	CHECK(tb_process(&t, 3, 100, 1, MTF_PROC_EXEC) == 0);
	CHECK(tb_events(&t, 100, 100, b, 1) == 0);
	CHECK(tb_close(&t, 1, 2) == 0);
	CHECK(load() == 0);
	CHECK(!strcmp(qs("SELECT end_reason FROM lifetimes WHERE id = 1"), "exec"));
	CHECK_EQ_U(q("SELECT end_seq FROM lifetimes WHERE id = 1"), 3);
	CHECK_EQ_U(q("SELECT count(*) FROM leaks"), 1);
	CHECK_EQ_U(q("SELECT address FROM leaks"), 0x2000);
	CHECK_EQ_U(q("SELECT count(*) FROM processes WHERE pid = 100"), 2);
	CHECK_EQ_U(q("SELECT count(*) FROM anomalies"), 0);
}

/* A pid that exited and was started again: its earlier blocks are leaks, not exec'd. */
static void pid_reuse(void)
{
	struct tb t;
	fresh("reuse");
	mtf_event a[] = {A(2, 0x1000, 10)};
	mtf_event b[] = {F(5, 0x1000)};
	CHECK(tb_open(&t, trace, 100) == 0);
	CHECK(tb_process(&t, 1, 100, 1, MTF_PROC_EXEC) == 0);
	CHECK(tb_events(&t, 100, 100, a, 1) == 0);
	CHECK(tb_exit(&t, 3, 100, 0) == 0);
	CHECK(tb_process(&t, 4, 100, 1, MTF_PROC_EXEC) == 0);
	CHECK(tb_events(&t, 100, 100, b, 1) == 0);
	CHECK(tb_close(&t, 1, 2) == 0);
	CHECK(load() == 0);
	CHECK_EQ_U(q("SELECT count(*) FROM leaks"), 1);
	CHECK_EQ_U(q("SELECT leaked_blocks FROM space_stats"), 1);
	CHECK_EQ_U(q("SELECT count(*) FROM anomalies WHERE kind = 'unmatched_free' AND lifetime_id = 1"), 1);
}

static void device_close(void)
{
	struct tb t;
	fresh("device");
	mtf_event ev[] = {A(3, 0x10, 64), A(4, 0x20, 32), F(5, 0x20), F(7, 0x10), A(8, 0x10, 16)};
	for (int i = 0; i < 5; i++) {
		ev[i].device = 0;
		ev[i].space = 1;
		ev[i].op = MTF_OP_MAKE(MTF_OP_KIND(ev[i].op), MTF_FN_CLIENT);
	}
	CHECK(tb_open(&t, trace, 100) == 0);
	CHECK(tb_space(&t, 100, 1, "DRAM") == 0);
	CHECK(tb_device(&t, 2, 100, 0, 0, "npu0", 1 << 20) == 0);
	CHECK(tb_events(&t, 100, 100, ev, 3) == 0);
	CHECK(tb_device(&t, 6, 100, 0, 1, "", 0) == 0);
	CHECK(tb_events(&t, 100, 100, ev + 3, 2) == 0);
	CHECK(tb_close(&t, 1, 5) == 0);
	CHECK(load() == 0);
	CHECK_EQ_U(q("SELECT count(*) FROM device_released"), 1);
	CHECK_EQ_U(q("SELECT size FROM device_released"), 64);
	CHECK_EQ_U(q("SELECT end_seq FROM device_released"), 6);
	CHECK_EQ_U(q("SELECT count(*) FROM leaks"), 1); /* the block at seq 8, after the close */
	CHECK_EQ_U(q("SELECT alloc_seq FROM leaks"), 8);
	CHECK_EQ_U(q("SELECT count(*) FROM anomalies"), 1);
	CHECK(!strcmp(qs("SELECT kind FROM anomalies"), "unmatched_free"));
	CHECK_EQ_U(q("SELECT lifetime_id FROM anomalies"), 1);
	CHECK(!strcmp(qs("SELECT name FROM space_stats"), "DRAM"));
	CHECK_EQ_U(q("SELECT device FROM space_stats"), 0);
	CHECK_EQ_U(q("SELECT released_bytes FROM space_stats"), 64);
	CHECK_EQ_U(q("SELECT capacity FROM devices"), 1 << 20);
	CHECK_EQ_U(q("SELECT close_seq FROM devices"), 6);
	CHECK(!strcmp(qs("SELECT name FROM devices"), "npu0"));
	CHECK(!strcmp(qs("SELECT alloc_func FROM lifetimes WHERE id = 1"), "client"));
	CHECK_EQ_U(q("SELECT peak_bytes FROM peaks WHERE pid IS NULL AND device = 0 AND space = 'DRAM'"), 96);
}

static void generations(void)
{
	struct tb t;
	fresh("gen");
	mtf_event ev[] = {A(1, 0x1000, 1), F(2, 0x1000), A(3, 0x1000, 1), F(4, 0x1000),
			  A(5, 0x1000, 1), F(6, 0x1000), A(7, 0x1000, 1)};
	ev[6].device = 3; /* the same address on another device is another key */
	CHECK(tb_open(&t, trace, 100) == 0);
	CHECK(tb_events(&t, 100, 100, ev, 7) == 0);
	CHECK(tb_close(&t, 1, 7) == 0);
	CHECK(load() == 0);
	CHECK(!strcmp(qs("SELECT group_concat(generation) FROM (SELECT generation FROM lifetimes ORDER BY id)"),
		      "1,2,3,1"));
	CHECK(!strcmp(qs("SELECT name FROM space_stats WHERE device = 3"), "space 0"));
}

/* Two frames; the second is cut short: the first loads, the facts go to meta. */
static void truncated(void)
{
	struct tb t;
	fresh("truncated");
	mtf_event a[] = {A(1, 0x1000, 10), A(2, 0x2000, 20)};
	mtf_event b[200];
	for (int i = 0; i < 200; i++)
		b[i] = A(3 + (uint64_t)i, 0x10000 + 64 * (uint64_t)i, 8);
	CHECK(tb_open(&t, trace, 100) == 0);
	CHECK(tb_events(&t, 100, 100, a, 2) == 0);
	uint64_t first = tb_flush(&t);
	CHECK(tb_events(&t, 100, 100, b, 200) == 0);
	CHECK(tb_close(&t, 1, 202) == 0);
	struct stat st;
	CHECK(stat(trace, &st) == 0);
	CHECK(truncate(trace, (off_t)first + (st.st_size - (off_t)first) / 2) == 0);
	CHECK(load() == 0);
	CHECK_EQ_U(q("SELECT value FROM meta WHERE key = 'complete'"), 0);
	CHECK_EQ_U(q("SELECT value FROM meta WHERE key = 'loaded_events'"), 2);
	CHECK_EQ_U(q("SELECT value FROM meta WHERE key = 'recovered_bytes'"), first);
	CHECK_EQ_U(q("SELECT value FROM meta WHERE key = 'error_offset'"), first);
	CHECK_EQ_U(q("SELECT value FROM meta WHERE key = 'file_bytes'"), (unsigned long long)(first + (st.st_size - first) / 2));
	CHECK(!strcmp(qs("SELECT value FROM meta WHERE key = 'load_error'"), "file ends inside a frame"));
	CHECK_EQ_U(q("SELECT count(*) FROM leaks"), 2);
	CHECK_EQ_U(q("SELECT value FROM meta WHERE key = 'load_complete'"), 1);
}

static void no_end_record(void)
{
	struct tb t;
	fresh("noend");
	mtf_event a[] = {A(1, 0x1000, 10)};
	CHECK(tb_open(&t, trace, 100) == 0);
	CHECK(tb_events(&t, 100, 100, a, 1) == 0);
	CHECK(tb_close(&t, 0, 0) == 0);
	CHECK(load() == 0);
	CHECK_EQ_U(q("SELECT value FROM meta WHERE key = 'complete'"), 0);
	CHECK_EQ_U(q("SELECT value FROM meta WHERE key = 'load_error'"), (unsigned long long)-999);
	CHECK_EQ_U(q("SELECT value FROM meta WHERE key = 'loaded_events'"), 1);
}

/* Records but no event (a program that never allocates): an empty, complete database. */
static void no_events(void)
{
	struct tb t;
	fresh("empty");
	uint64_t frames[] = {0x401000};
	CHECK(tb_open(&t, trace, 100) == 0);
	CHECK(tb_process(&t, 1, 100, 1, MTF_PROC_EXEC) == 0);
	CHECK(tb_thread(&t, 2, 100, 100, "main") == 0);
	CHECK(tb_stack(&t, 100, 1, frames, 1) == 0);
	CHECK(tb_exit(&t, 3, 100, 0) == 0);
	CHECK(tb_close(&t, 1, 0) == 0);
	CHECK(load() == 0);
	CHECK_EQ_U(q("SELECT count(*) FROM lifetimes"), 0);
	CHECK_EQ_U(q("SELECT count(*) FROM events"), 0);
	CHECK_EQ_U(q("SELECT count(*) FROM stacks"), 1);
	CHECK_EQ_U(q("SELECT peak_bytes FROM peaks WHERE pid IS NULL AND device IS NULL"), 0);
	CHECK_EQ_U(q("SELECT count(*) FROM threads"), 1);
	CHECK_EQ_U(q("SELECT value FROM meta WHERE key = 'load_complete'"), 1);
}

static int write_small(const char *path, int nallocs)
{
	struct tb t;
	mtf_event ev[16];
	for (int i = 0; i < nallocs; i++)
		ev[i] = A(1 + (uint64_t)i, 0x1000 + 16 * (uint64_t)i, 16);
	if (tb_open(&t, path, 100) || tb_events(&t, 100, 100, ev, (uint32_t)nallocs))
		return -1;
	return tb_close(&t, 1, (uint64_t)nallocs);
}

static int count_tmp_files(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	while (d && (e = readdir(d)))
		n += strstr(e->d_name, ".tmp.") != NULL;
	if (d)
		closedir(d);
	return n;
}

static void cache_reuse(void)
{
	struct mtan_opts o = {0};
	struct mtan_load_stats st;
	char *path = NULL;
	fresh("cache");
	o.input = trace;
	o.limit = o.pid = -1;
	o.quiet = 1;
	CHECK(write_small(trace, 3) == 0);
	unlink(dbpath);
	CHECK(mtan_open(&o, &db, &st, &path) == 0);
	CHECK(st.seconds >= 0); /* built */
	CHECK(!strcmp(path, dbpath));
	free(path);
	path = NULL;
	CHECK_EQ_U(q("SELECT count(*) FROM lifetimes"), 3);
	sqlite3_close(db);
	db = NULL;
	CHECK(mtan_open(&o, &db, &st, NULL) == 0);
	CHECK(st.seconds < 0); /* reused */
	sqlite3_close(db);
	db = NULL;

	/* a newer trace (rewritten with 5 events, mtime moved ahead) is loaded again */
	CHECK(write_small(trace, 5) == 0);
	struct timespec ts[2];
	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec += 5;
	ts[1] = ts[0];
	CHECK(utimensat(AT_FDCWD, trace, ts, 0) == 0);
	CHECK(mtan_open(&o, &db, &st, NULL) == 0);
	CHECK(st.seconds >= 0);
	CHECK_EQ_U(q("SELECT count(*) FROM lifetimes"), 5);
	sqlite3_close(db);
	db = NULL;

	/* the same size and content but another mtime (touch) is another trace too */
	ts[0].tv_nsec = (ts[0].tv_nsec + 1) % 1000000000;
	ts[1] = ts[0];
	CHECK(utimensat(AT_FDCWD, trace, ts, 0) == 0);
	CHECK(mtan_open(&o, &db, &st, NULL) == 0);
	CHECK(st.seconds >= 0);
	sqlite3_close(db);
	db = NULL;

	/* an unfinished database (no load_complete) is never trusted */
	{
		sqlite3 *w;
		CHECK(sqlite3_open(dbpath, &w) == SQLITE_OK);
		CHECK(sqlite3_exec(w, "DELETE FROM meta WHERE key = 'load_complete'", NULL, NULL, NULL) == SQLITE_OK);
		sqlite3_close(w);
		struct timespec later[2];
		later[0] = ts[0];
		later[0].tv_sec += 5;
		later[1] = later[0];
		CHECK(utimensat(AT_FDCWD, dbpath, later, 0) == 0);
	}
	CHECK(mtan_open(&o, &db, &st, NULL) == 0);
	CHECK(st.seconds >= 0);
	CHECK_EQ_U(q("SELECT value FROM meta WHERE key = 'load_complete'"), 1);
	CHECK(count_tmp_files() == 0);
}

static void explicit_db(void)
{
	struct mtan_opts o = {0};
	struct mtan_load_stats st;
	char other[192];
	fresh("explicit");
	snprintf(other, sizeof other, "%s/elsewhere.sqlite", dir);
	o.input = trace;
	o.db = other;
	o.limit = o.pid = -1;
	o.quiet = 1;
	CHECK(write_small(trace, 4) == 0);
	CHECK(mtan_open(&o, &db, &st, NULL) == 0);
	CHECK(st.seconds >= 0);
	sqlite3_close(db);
	db = NULL;
	CHECK(access(dbpath, F_OK) != 0); /* nothing beside the trace */
	/* the database named as the input is read as it is, and the trace is not needed */
	CHECK(unlink(trace) == 0);
	o.input = other;
	o.db = NULL;
	CHECK(mtan_open(&o, &db, &st, NULL) == 0);
	CHECK(st.seconds < 0);
	CHECK_EQ_U(q("SELECT count(*) FROM leaks"), 4);
}

static void not_a_trace(void)
{
	struct mtan_opts o = {0};
	fresh("text");
	o.input = trace;
	o.limit = o.pid = -1;
	o.quiet = 1;
	FILE *f = fopen(trace, "w");
	CHECK(f);
	fputs("hello, not a trace\n", f);
	fclose(f);
	fprintf(stderr, "  (an error message is expected next)\n");
	CHECK(mtan_open(&o, &db, NULL, NULL) == -1);
	CHECK(db == NULL);
	CHECK(access(dbpath, F_OK) != 0);
	CHECK(count_tmp_files() == 0);
	/* a zstd file that is not a trace fails before any database exists as well */
	fresh("zstdtext");
	o.input = trace;
	CHECK(system("echo hello | zstd -q -c > /dev/null 2>&1") != -1);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "echo hello | zstd -q -c > '%s' 2>/dev/null", trace);
	if (system(cmd) == 0) {
		CHECK(mtan_open(&o, &db, NULL, NULL) == -1);
		CHECK(access(dbpath, F_OK) != 0);
		CHECK(count_tmp_files() == 0);
	}
}

/* Stacks resolve per process, a forked child's through its parent; frames get one row per
 * distinct (pid, address); an address in no module has neither module nor function. */
static void stacks(void)
{
	struct tb t;
	fresh("stacks");
	uint64_t f1[] = {0x401000, 0x402000, 0x403000};
	uint64_t f2[] = {0x401000, 0x7f0000001234};
	mtf_event a[] = {A(2, 0x1000, 10), A(3, 0x2000, 10), A(4, 0x3000, 10)};
	a[0].stack = 1;
	a[1].stack = 2;
	a[2].stack = 1;
	mtf_event c[] = {A(6, 0x4000, 1)};
	c[0].stack = 2; /* the child uses the parent's stack id */
	CHECK(tb_open(&t, trace, 100) == 0);
	CHECK(tb_process(&t, 1, 100, 1, MTF_PROC_EXEC) == 0);
	CHECK(tb_module(&t, 1, 100, 0x7f0000000000, 0x10000, "/nonexistent/libfoo.so") == 0);
	CHECK(tb_stack(&t, 100, 1, f1, 3) == 0);
	CHECK(tb_stack(&t, 100, 2, f2, 2) == 0);
	CHECK(tb_events(&t, 100, 100, a, 3) == 0);
	CHECK(tb_process(&t, 5, 200, 100, MTF_PROC_FORK) == 0);
	CHECK(tb_events(&t, 200, 200, c, 1) == 0);
	CHECK(tb_close(&t, 1, 4) == 0);
	CHECK(load() == 0);
	CHECK_EQ_U(q("SELECT count(*) FROM stacks"), 2);
	CHECK_EQ_U(q("SELECT count(*) FROM stack_frames"), 5);
	/* 0x401000 appears at level 0 in both stacks: one frame row */
	CHECK_EQ_U(q("SELECT count(*) FROM frames"), 4);
	CHECK_EQ_U(q("SELECT count(*) FROM leak_sites"), 3);
	CHECK_EQ_U(q("SELECT blocks FROM leak_sites WHERE pid = 100 AND stack = 1"), 2);
	CHECK_EQ_U(q("SELECT alloc_stack FROM lifetimes WHERE pid = 200 AND inherited = 0"), 2);
	CHECK(!strcmp(qs("SELECT module FROM frames WHERE address = 0x7f0000001234"), "/nonexistent/libfoo.so"));
	CHECK_EQ_U(q("SELECT offset FROM frames WHERE address = 0x7f0000001234"), 0x1234);
	CHECK_EQ_U(q("SELECT return_address FROM frames WHERE address = 0x7f0000001234"), 1);
	CHECK_EQ_U(q("SELECT count(*) FROM frames WHERE module IS NULL AND function IS NULL"), 3);
	CHECK_EQ_U(q("SELECT count(*) FROM stack_symbols WHERE stack_id = 1"), 3);
}

/* Random traces (fixed seed): forks, execs, exits, devices, reused addresses, duplicate
 * and backwards seqs, unknown stacks. Whatever they hold, the load must succeed and the
 * loader's counters must agree with what SQL counts in the rows. */
static uint64_t rnd_state = 88172645463325252ull;
static uint64_t rnd(uint64_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state % n;
}

static void random_traces(void)
{
	for (int round = 0; round < 40; round++) {
		struct tb t;
		char name[32];
		snprintf(name, sizeof name, "random%d", round);
		fresh(name);
		CHECK(tb_open(&t, trace, 1) == 0);
		uint64_t seq = 1;
		uint32_t pids[4] = {1, 2, 3, 4};
		mtf_event ev[64];
		int nops = 20 + (int)rnd(60);
		for (int op = 0; op < nops; op++) {
			uint32_t pid = pids[rnd(4)];
			switch (rnd(10)) {
			case 0:
				CHECK(tb_process(&t, seq++, pid, pids[rnd(4)], (uint32_t)rnd(2)) == 0);
				break;
			case 1:
				CHECK(tb_exit(&t, seq++, pid, 0) == 0);
				break;
			case 2:
				CHECK(tb_device(&t, seq++, pid, (uint32_t)rnd(2), (int)rnd(2), "dev", 4096) == 0);
				break;
			case 3:
				CHECK(tb_space(&t, pid, (uint32_t)rnd(3), rnd(2) ? "DRAM" : "L1") == 0);
				break;
			default: {
				uint32_t n = 1 + (uint32_t)rnd(63);
				for (uint32_t i = 0; i < n; i++) {
					uint64_t s = rnd(8) ? seq++ : seq - rnd(seq); /* sometimes a repeat */
					ev[i] = rnd(2) ? A(s, 0x1000 + 16 * rnd(8), 1 + rnd(100)) : F(s, 0x1000 + 16 * rnd(8));
					if (!rnd(4)) {
						ev[i].device = (uint32_t)rnd(2);
						ev[i].space = (uint32_t)rnd(3);
					}
					ev[i].stack = (uint32_t)rnd(3); /* never defined: unknown stacks */
				}
				if (rnd(3) == 0) /* a chunk written in reverse: seqs going backwards */
					for (uint32_t i = 0; i < n / 2; i++) {
						mtf_event x = ev[i];
						ev[i] = ev[n - 1 - i];
						ev[n - 1 - i] = x;
					}
				CHECK(tb_events(&t, pid, pid + (uint32_t)rnd(2), ev, n) == 0);
			}
			}
		}
		CHECK(tb_close(&t, (int)rnd(2), 0) == 0);
		CHECK(load() == 0);
		CHECK_EQ_U(q("SELECT sum(allocs) FROM space_stats"), q("SELECT count(*) FROM events WHERE op = 'alloc'"));
		CHECK_EQ_U(q("SELECT sum(frees) FROM space_stats"), q("SELECT count(*) FROM events WHERE op = 'free'"));
		CHECK_EQ_U(q("SELECT coalesce(sum(leaked_blocks), 0) FROM space_stats"), q("SELECT count(*) FROM leaks"));
		CHECK_EQ_U(q("SELECT coalesce(sum(leaked_bytes), 0) FROM space_stats"), q("SELECT coalesce(sum(size), 0) FROM leaks"));
		CHECK_EQ_U(q("SELECT coalesce(sum(released_blocks), 0) FROM space_stats"), q("SELECT count(*) FROM device_released"));
		CHECK_EQ_U(q("SELECT value FROM meta WHERE key = 'leaks'"), q("SELECT count(*) FROM leaks"));
		CHECK_EQ_U(q("SELECT count(*) FROM lifetimes WHERE inherited = 0"), q("SELECT count(*) FROM events WHERE op = 'alloc'"));
		CHECK(q("SELECT min(peak_bytes) FROM peaks") >= 0);
		CHECK(q("SELECT peak_bytes FROM peaks WHERE pid IS NULL AND device IS NULL") >=
		      q("SELECT coalesce(max(peak_bytes), 0) FROM peaks"));
	}
}

/* Thread 2 allocates X over thread 1's live block, then thread 1's free of X arrives: the
 * free was numbered after the reuse (a tracker reporting after its lock). One reuse race,
 * repaired: 1's block ends where 2's begins, with 1's free; 2's lives until its own free. */
static void race_late_free(void)
{
	struct tb t;
	fresh("race_late_free");
	mtf_event a[] = {A(2, 0x1000, 10), F(4, 0x1000)};
	mtf_event b[] = {A(3, 0x1000, 20), F(5, 0x1000)};
	CHECK(tb_open(&t, trace, 100) == 0);
	CHECK(tb_events(&t, 100, 1, a, 2) == 0);
	CHECK(tb_events(&t, 100, 2, b, 2) == 0);
	CHECK(tb_close(&t, 1, 4) == 0);
	CHECK(load() == 0);
	CHECK_EQ_U(q("SELECT count(*) FROM anomalies"), 1);
	CHECK(!strcmp(qs("SELECT kind FROM anomalies"), "reuse_race"));
	CHECK_EQ_U(q("SELECT seq FROM anomalies"), 3);
	CHECK_EQ_U(q("SELECT tid FROM anomalies"), 2);
	CHECK_EQ_U(q("SELECT lifetime_id FROM anomalies"), 1);
	CHECK_EQ_U(q("SELECT count(*) FROM races"), 1);
	CHECK(!strcmp(qs("SELECT form FROM races"), "late_free"));
	CHECK(!strcmp(qs("SELECT free_seq || ',' || free_tid || ',' || reuse_seq || ',' || reuse_tid || ',' || "
			 "window_ns || ',' || first_seq || ',' || last_seq || ',' || anomaly_id FROM races"),
		      "4,1,3,2,1000,3,4,1"));
	/* the late report is 1's free */
	CHECK(!strcmp(qs("SELECT late_seq || ',' || late_tid FROM races"), "4,1"));
	CHECK(!strcmp(qs("SELECT end_seq || ',' || free_seq || ',' || free_tid || ',' || end_reason FROM lifetimes WHERE id = 1"),
		      "3,4,1,free"));
	CHECK(!strcmp(qs("SELECT end_seq || ',' || free_seq || ',' || free_tid || ',' || generation FROM lifetimes WHERE id = 2"),
		      "5,5,2,2"));
	CHECK_EQ_U(q("SELECT count(*) FROM leaks"), 0);
	CHECK_EQ_U(q("SELECT count(*) FROM events"), 4);
	CHECK_EQ_U(q("SELECT bytes_freed FROM space_stats"), 30);
	CHECK_EQ_U(q("SELECT peak_bytes FROM peaks WHERE pid IS NULL AND device IS NULL"), 20);
}

/* The same thread allocating over its own live block is no race: alloc_over_live stays. */
static void over_live_same_thread(void)
{
	struct tb t;
	fresh("over_live_same");
	mtf_event a[] = {A(2, 0x1000, 10), A(3, 0x1000, 20), F(4, 0x1000)};
	CHECK(tb_open(&t, trace, 100) == 0);
	CHECK(tb_events(&t, 100, 1, a, 3) == 0);
	CHECK(tb_close(&t, 1, 3) == 0);
	CHECK(load() == 0);
	CHECK(!strcmp(qs("SELECT group_concat(kind) FROM anomalies"), "alloc_over_live"));
	CHECK_EQ_U(q("SELECT count(*) FROM races"), 0);
	CHECK_EQ_U(q("SELECT free_seq FROM lifetimes WHERE id = 2"), 4);
}

/* A free of X when nothing is live there, then two allocations of X from different
 * threads: the first allocation was numbered after the free that ended it. */
static void race_late_alloc(void)
{
	struct tb t;
	fresh("race_late_alloc");
	mtf_event a[] = {F(2, 0x2000)};
	mtf_event b[] = {A(3, 0x2000, 10)};
	mtf_event c[] = {A(4, 0x2000, 30), F(6, 0x2000)};
	CHECK(tb_open(&t, trace, 100) == 0);
	CHECK(tb_events(&t, 100, 1, a, 1) == 0);
	CHECK(tb_events(&t, 100, 2, b, 1) == 0);
	CHECK(tb_events(&t, 100, 3, c, 2) == 0);
	CHECK(tb_close(&t, 1, 4) == 0);
	CHECK(load() == 0);
	CHECK(!strcmp(qs("SELECT group_concat(kind) FROM anomalies"), "reuse_race"));
	CHECK_EQ_U(q("SELECT id FROM anomalies"), 1);
	CHECK(!strcmp(qs("SELECT form || ',' || free_seq || ',' || free_tid || ',' || late_seq || ',' || late_tid || ',' || "
			 "reuse_seq || ',' || reuse_tid || ',' || window_ns || ',' || first_seq || ',' || last_seq FROM races"),
		      "late_alloc,2,1,3,2,4,3,2000,2,4"));
	CHECK(!strcmp(qs("SELECT end_seq || ',' || free_seq || ',' || free_tid || ',' || end_reason FROM lifetimes WHERE id = 1"),
		      "4,2,1,free"));
	CHECK_EQ_U(q("SELECT free_seq FROM lifetimes WHERE id = 2"), 6);
	CHECK_EQ_U(q("SELECT count(*) FROM leaks"), 0);
	CHECK_EQ_U(q("SELECT count(*) FROM events WHERE op = 'free'"), 2);
	CHECK_EQ_U(q("SELECT frees FROM space_stats"), 2);
	CHECK_EQ_U(q("SELECT bytes_freed FROM space_stats"), 40);
	CHECK_EQ_U(q("SELECT value FROM meta WHERE key = 'anomalies'"), 1);
}

/* Seed 001's late allocation: thread 1 gets X and hands it on before reporting; thread 2
 * frees X and reports, gets X again and reports; thread 1 reports last. Thread 2's
 * allocation follows its own free in its program order, so it is the reuse and thread 1's
 * is the late report. Thread 1's block was freed by thread 2's free; it ends where its
 * report put it, never before; thread 2's block lives until its own free. */
static void race_late_alloc_after_reuse(void)
{
	struct tb t;
	fresh("race_late_alloc_after_reuse");
	mtf_event t2[] = {F(2, 0x2000), A(3, 0x2000, 20), F(6, 0x2000)};
	mtf_event t1[] = {A(4, 0x2000, 10)};
	t1[0].time_ns = 2500; /* thread 1's clock reading is earlier than the reuse's (3000) */
	CHECK(tb_open(&t, trace, 100) == 0);
	CHECK(tb_events(&t, 100, 2, t2, 3) == 0);
	CHECK(tb_events(&t, 100, 1, t1, 1) == 0);
	CHECK(tb_close(&t, 1, 4) == 0);
	CHECK(load() == 0);
	CHECK(!strcmp(qs("SELECT group_concat(kind) FROM anomalies"), "reuse_race"));
	/* the anomaly's event is the reuse: thread 2's allocation */
	CHECK(!strcmp(qs("SELECT seq || ',' || tid || ',' || size || ',' || lifetime_id FROM anomalies"), "3,2,20,2"));
	CHECK(!strcmp(qs("SELECT form || ',' || free_seq || ',' || free_tid || ',' || late_seq || ',' || late_tid || ',' || "
			 "reuse_seq || ',' || reuse_tid || ',' || first_seq || ',' || last_seq || ',' || window_ns || ',' || "
			 "freed_lifetime_id || ',' || reuse_lifetime_id FROM races"),
		      "late_alloc,2,2,4,1,3,2,2,4,1000,2,1"));
	/* thread 1's block: freed by thread 2's free at 2, ends where it began (4) */
	CHECK(!strcmp(qs("SELECT tid || ',' || alloc_seq || ',' || end_seq || ',' || free_seq || ',' || free_tid || ',' || "
			 "end_reason || ',' || generation || ',' || (end_ns >= alloc_ns) FROM lifetimes WHERE size = 10"),
		      "1,4,4,2,2,free,1,1"));
	CHECK(!strcmp(qs("SELECT tid || ',' || alloc_seq || ',' || end_seq || ',' || free_seq || ',' || generation "
			 "FROM lifetimes WHERE size = 20"), "2,3,6,6,2"));
	CHECK_EQ_U(q("SELECT count(*) FROM lifetimes WHERE end_seq < alloc_seq OR end_ns < alloc_ns"), 0);
	CHECK_EQ_U(q("SELECT count(*) FROM leaks"), 0);
	CHECK(!strcmp(qs("SELECT allocs || ',' || frees || ',' || bytes_allocated || ',' || bytes_freed FROM space_stats"),
		      "2,2,30,30"));
	/* never 30 live: thread 1's block was gone before thread 2's came */
	CHECK_EQ_U(q("SELECT peak_bytes FROM peaks WHERE pid IS NULL AND device IS NULL"), 20);
}

/* A late allocation's repair ends where the next block begins, and not before its own
 * start when another thread's clock put that allocation's time earlier. */
static void race_late_alloc_time(void)
{
	struct tb t;
	fresh("race_late_alloc_time");
	mtf_event a[] = {F(2, 0x2000)};
	mtf_event b[] = {A(3, 0x2000, 10)};
	mtf_event c[] = {A(4, 0x2000, 30), F(6, 0x2000)};
	c[0].time_ns = 2900; /* before b's 3000 */
	CHECK(tb_open(&t, trace, 100) == 0);
	CHECK(tb_events(&t, 100, 1, a, 1) == 0);
	CHECK(tb_events(&t, 100, 2, b, 1) == 0);
	CHECK(tb_events(&t, 100, 3, c, 2) == 0);
	CHECK(tb_close(&t, 1, 4) == 0);
	CHECK(load() == 0);
	CHECK(!strcmp(qs("SELECT late_seq || ',' || late_tid || ',' || reuse_tid FROM races"), "3,2,3"));
	CHECK(!strcmp(qs("SELECT end_seq || ',' || end_ns FROM lifetimes WHERE id = 1"), "4,3000"));
	CHECK_EQ_U(q("SELECT count(*) FROM lifetimes WHERE end_seq < alloc_seq OR end_ns < alloc_ns"), 0);
}

/* A race's free long after the reuse is no longer "closely": the anomalies stand. */
static void race_window(void)
{
	struct tb t;
	fresh("race_window");
	mtf_event a[] = {A(2, 0x1000, 10), F(4, 0x1000)};
	mtf_event b[] = {A(3, 0x1000, 20), F(5, 0x1000)};
	a[1].time_ns = 3000 + 2000000000ull;
	b[1].time_ns = 3000 + 2000001000ull;
	CHECK(tb_open(&t, trace, 100) == 0);
	CHECK(tb_events(&t, 100, 1, a, 2) == 0);
	CHECK(tb_events(&t, 100, 2, b, 2) == 0);
	CHECK(tb_close(&t, 1, 4) == 0);
	CHECK(load() == 0);
	CHECK(!strcmp(qs("SELECT group_concat(kind) FROM (SELECT kind FROM anomalies ORDER BY seq)"),
		      "alloc_over_live,double_free"));
	CHECK_EQ_U(q("SELECT count(*) FROM races"), 0);
}

static void mark(struct tb *t, uint64_t seq, const char *label)
{
	mtf_record r;
	memset(&r, 0, sizeof r);
	r.type = MTF_MARK;
	r.u.mark.pid = 100;
	r.u.mark.tid = 100;
	r.u.mark.seq = seq;
	r.u.mark.time_ns = seq * 1000;
	r.u.mark.label = tb_s(label);
	CHECK(mtf_writer_put(t->w, &r) == 0);
}

/* A device's baseline: its setup ends at mtrec_device_ready (DEVICE_READY), else at the
 * process's first mark after the open; what it allocated after that and still held at
 * its close is held to close. Device 0: ready at 4 wins over the mark at 6 (the block at
 * 5 is held). Device 1: no ready, the mark at 12. Device 2: neither before its close (the
 * mark at 18 comes after it): no baseline, nothing held. A second ready, and one after
 * the close, change nothing. */
static void device_baseline(void)
{
	struct tb t;
	fresh("device_baseline");
	mtf_event e0[] = {A(3, 0x10, 1), A(5, 0x20, 2), A(7, 0x30, 4)};
	mtf_event e1[] = {A(11, 0x10, 8), A(13, 0x20, 16)};
	mtf_event e2[] = {A(16, 0x10, 32)};
	mtf_event *all[] = {e0, e1, e2};
	const int counts[] = {3, 2, 1};
	for (int d = 0; d < 3; d++)
		for (int i = 0; i < counts[d]; i++) {
			all[d][i].device = (uint32_t)d;
			all[d][i].space = 1;
			all[d][i].op = MTF_OP_MAKE(MTF_ALLOC, MTF_FN_CLIENT);
		}
	CHECK(tb_open(&t, trace, 100) == 0);
	CHECK(tb_space(&t, 100, 1, "DRAM") == 0);
	mark(&t, 1, "start"); /* before any open: ends no setup */
	CHECK(tb_device(&t, 2, 100, 0, 0, "npu0", 0) == 0);
	CHECK(tb_device_ready(&t, 4, 100, 0) == 0);
	mark(&t, 6, "work");
	CHECK(tb_device_ready(&t, 8, 100, 0) == 0); /* a second ready: ignored */
	CHECK(tb_device(&t, 9, 100, 0, 1, "", 0) == 0);
	CHECK(tb_device_ready(&t, 20, 100, 0) == 0); /* after the close: ignored */
	CHECK(tb_device(&t, 10, 100, 1, 0, "npu1", 0) == 0);
	mark(&t, 12, "step");
	CHECK(tb_device(&t, 14, 100, 1, 1, "", 0) == 0);
	CHECK(tb_device(&t, 15, 100, 2, 0, "npu2", 0) == 0);
	CHECK(tb_device(&t, 17, 100, 2, 1, "", 0) == 0);
	mark(&t, 18, "end");
	CHECK(tb_events(&t, 100, 100, e0, 3) == 0);
	CHECK(tb_events(&t, 100, 100, e1, 2) == 0);
	CHECK(tb_events(&t, 100, 100, e2, 1) == 0);
	CHECK(tb_close(&t, 1, 6) == 0);
	CHECK(load() == 0);
	CHECK(!strcmp(qs("SELECT group_concat(device || ':' || coalesce(ready_seq, '-') || ':' || coalesce(baseline_seq, '-') "
			 "|| ':' || coalesce(baseline, '-'), ' ') FROM (SELECT * FROM devices ORDER BY device)"),
		      "0:4:4:ready 1:-:12:mark 2:-:-:-"));
	CHECK(!strcmp(qs("SELECT group_concat(size || ':' || held_to_close, ' ') FROM (SELECT * FROM device_released ORDER BY alloc_seq)"),
		      "1:0 2:1 4:1 8:0 16:1 32:0"));
	CHECK_EQ_U(q("SELECT count(*) FROM leaks"), 0);
}

/* The timeline: per scope (the process's space, and the space over all processes), a row
 * at the end of each time bucket with events, with the live bytes and blocks then. */
static void timeline(void)
{
	struct tb t;
	fresh("timeline");
	/* times 1 us apart over 5 us: each event in a bucket of its own */
	mtf_event ev[] = {A(1, 0x10, 100), A(2, 0x20, 50), F(3, 0x10), A(4, 0x30, 7), F(5, 0x20)};
	CHECK(tb_open(&t, trace, 100) == 0);
	CHECK(tb_events(&t, 100, 100, ev, 5) == 0);
	CHECK(tb_close(&t, 1, 5) == 0);
	CHECK(load() == 0);
	CHECK_EQ_U(q("SELECT count(*) FROM timeline WHERE pid = 100"), 5);
	CHECK_EQ_U(q("SELECT count(*) FROM timeline WHERE pid IS NULL"), 5);
	CHECK(!strcmp(qs("SELECT group_concat(live_bytes || '/' || live_blocks, ' ') FROM "
			 "(SELECT * FROM timeline WHERE pid = 100 ORDER BY seq)"),
		      "100/1 150/2 50/1 57/2 7/1"));
	CHECK(!strcmp(qs("SELECT group_concat(seq || '@' || time_ns, ' ') FROM (SELECT * FROM timeline WHERE pid IS NULL ORDER BY seq)"),
		      "1@1000 2@2000 3@3000 4@4000 5@5000"));
	CHECK(!strcmp(qs("SELECT device || ',' || space FROM timeline LIMIT 1"), "-1,heap"));
	CHECK_EQ_U(q("SELECT min(bucket) FROM timeline"), 0);
	CHECK_EQ_U(q("SELECT max(bucket) FROM timeline"), 4094); /* 4000 ns in 4096 buckets of 4001 ns / 4096 */
	CHECK_EQ_U(q("SELECT sum(allocs) FROM timeline WHERE pid = 100"), 3);
	CHECK_EQ_U(q("SELECT sum(bytes_freed) FROM timeline WHERE pid = 100"), 150);
}

int main(void)
{
	setup_dir();
	RUN(simple_leak);
	RUN(pairing);
	RUN(realloc_halves);
	RUN(unmatched_free);
	RUN(double_free);
	RUN(alloc_over_live);
	RUN(out_of_order);
	RUN(fork_inherit);
	RUN(exec_clears);
	RUN(pid_reuse);
	RUN(device_close);
	RUN(generations);
	RUN(race_late_free);
	RUN(over_live_same_thread);
	RUN(race_late_alloc);
	RUN(race_window);
	RUN(timeline);
	RUN(truncated);
	RUN(no_end_record);
	RUN(no_events);
	RUN(cache_reuse);
	RUN(explicit_db);
	RUN(not_a_trace);
	RUN(stacks);
	RUN(random_traces);
	RUN(race_late_alloc_after_reuse);
	RUN(race_late_alloc_time);
	RUN(device_baseline);
	sqlite3_close(db);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (!unit_failures && !getenv("KEEP") && system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	UNIT_EXIT();
}
