/* cmd_summary.c: `mtan summary`: the trace in totals (events, bytes, peak, leaks,
 * processes, threads, anomalies) and one line per device and memory space. */
#include "commands.h"
#include "db.h"
#include "load.h"
#include "opts.h"
#include "output.h"
#include "scope.h"
#include "sql.h"
#include "suppress.h"
#include "render.h"
#include "result.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

const char cmd_summary_usage[] =
	"summary [options] TRACE|DB\n\n"
	"Totals of the trace: allocations and frees (a realloc that moves or resizes a block\n"
	"is one free and one allocation), bytes allocated, peak live bytes, leaked bytes (lost:\n"
	"definitely, indirectly, possibly lost and not scanned, as leaks and check count them),\n"
	"processes, threads, the processes a signal killed (\"killed\" in JSON) and anomalies,\n"
	"what was live when mtrec -p detached from a process that runs on (\"live at detach\",\n"
	"detached_blocks and detached_bytes in JSON: not leaks),\n"
	"valgrind's LEAK SUMMARY (the four kinds, not scanned and suppressed when not zero),\n"
	"then the same per device and memory space. --format json prints one object\n"
	"(leak_summary: blocks and bytes per kind and suppressed); --format csv one row per\n"
	"device and space after a first row of totals (device and space 'all'). --device and\n"
	"--space narrow it all to a device, a space, or one space of one device: processes and\n"
	"threads then count those that allocated there.";

struct totals {
	long long allocs, frees, bytes_allocated, bytes_freed, leaked_blocks, leaked_bytes;
	long long supp_blocks, supp_bytes;
	struct mtan_leaks kinds; /* the LEAK SUMMARY */
	long long released_blocks, released_bytes, peak, processes, threads, lost;
	long long detached[2]; /* blocks and bytes live at the detach (mtrec -p): not leaks */
	long long anomalies[8];
	int complete;
	/* mtrec -p: the attach's seq (-1: not attached) and the frees of blocks from before it */
	long long attach_seq, before_attach;
	struct killed *killed; /* the processes a signal ended, nkilled of them */
	size_t nkilled;
};

struct killed {
	long long pid, signal;
	char *exe;
};

struct space_row {
	long long device, allocs, frees, bytes_allocated, peak, leaked_blocks, leaked_bytes;
	long long released_blocks, released_bytes;
	char *name;
};

/* Runs a one-row query of summary.sql into out[0..n). */
static int row(sqlite3 *db, const struct mtan_opts *o, const char *section, long long *out, int n)
{
	sqlite3_stmt *st;
	if (mtan_prepare(db, "summary", section, &st))
		return -1;
	mtan_bind_scope(st, o, NULL);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		for (int i = 0; i < n; i++)
			out[i] = sqlite3_column_int64(st, i);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : mtan_sqlerr(db, "cannot read the database");
}

/* The processes killed by a signal: a double free that glibc aborts in ends this way, and
 * the heap of such a process is as the signal found it, not as exit left it. */
static int gather_killed(sqlite3 *db, const struct mtan_opts *o, struct totals *t)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc, ret = -1;
	if (mtan_prepare(db, "summary", "killed", &st))
		return -1;
	mtan_bind_scope(st, o, NULL);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (t->nkilled == cap) {
			cap = cap ? cap * 2 : 4;
			struct killed *k = realloc(t->killed, cap * sizeof(*k));
			if (!k) {
				mtan_err("out of memory");
				goto out;
			}
			t->killed = k;
		}
		const char *exe = (const char *)sqlite3_column_text(st, 1);
		struct killed *k = &t->killed[t->nkilled];
		k->pid = sqlite3_column_int64(st, 0);
		k->signal = sqlite3_column_int64(st, 2);
		k->exe = strdup(exe ? exe : "");
		if (!k->exe) {
			mtan_err("out of memory");
			goto out;
		}
		t->nkilled++;
	}
	if (rc != SQLITE_DONE) {
		mtan_sqlerr(db, "cannot read the database");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

/* "SIGABRT", or "signal N" for a number this libc has no name for. */
static const char *signal_name(char *buf, size_t cap, long long sig)
{
	const char *abbrev = sig > 0 && sig < 1024 ? sigabbrev_np((int)sig) : NULL;
	if (abbrev)
		snprintf(buf, cap, "SIG%s", abbrev);
	else
		snprintf(buf, cap, "signal %lld", sig);
	return buf;
}

static int gather(sqlite3 *db, const struct mtan_opts *o, struct totals *t)
{
	long long v[8];
	if (row(db, o, "totals", v, 8))
		return -1;
	t->allocs = v[0];
	t->frees = v[1];
	t->bytes_allocated = v[2];
	t->bytes_freed = v[3];
	t->leaked_blocks = v[4];
	t->leaked_bytes = v[5];
	t->released_blocks = v[6];
	t->released_bytes = v[7];
	/* leaked as leaks and check count it: what no suppression covers */
	struct mtan_leaks l;
	if (mtan_leak_totals(db, o, NULL, &l))
		return -1;
	t->leaked_blocks = l.blocks;
	t->leaked_bytes = l.bytes;
	t->supp_blocks = l.supp_blocks;
	t->supp_bytes = l.supp_bytes;
	t->kinds = l;
	if (row(db, o, "detached", t->detached, 2) || row(db, o, "peak", &t->peak, 1) || row(db, o, "processes", &t->processes, 1) ||
	    row(db, o, "threads", &t->threads, 1))
		return -1;
	sqlite3_stmt *st;
	if (mtan_prepare(db, "summary", "anomalies", &st))
		return -1;
	mtan_bind_scope(st, o, NULL);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 0);
		for (int i = 0; mtan_anomaly_kinds[i]; i++)
			if (kind && !strcmp(kind, mtan_anomaly_kinds[i]))
				t->anomalies[i] = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return mtan_sqlerr(db, "cannot read the database");
	t->complete = mtan_meta_int(db, "complete", 0) != 0;
	t->lost = mtan_meta_int(db, "lost_events", 0);
	t->attach_seq = mtan_meta_int(db, "attach_seq", -1);
	t->before_attach = mtan_meta_int(db, "frees_before_attach", 0);
	return gather_killed(db, o, t);
}

static int spaces(sqlite3 *db, const struct mtan_opts *o, struct space_row **out, size_t *n)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	if (mtan_prepare(db, "summary", "spaces", &st))
		return -1;
	mtan_bind_scope(st, o, NULL);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			struct space_row *p = realloc(*out, cap * sizeof(*p));
			if (!p)
				break;
			*out = p;
		}
		struct space_row *r = &(*out)[(*n)++];
		r->device = sqlite3_column_int64(st, 0);
		r->name = strdup((const char *)sqlite3_column_text(st, 1));
		r->allocs = sqlite3_column_int64(st, 2);
		r->frees = sqlite3_column_int64(st, 3);
		r->bytes_allocated = sqlite3_column_int64(st, 4);
		r->peak = sqlite3_column_int64(st, 5);
		r->leaked_blocks = sqlite3_column_int64(st, 6);
		r->leaked_bytes = sqlite3_column_int64(st, 7);
		r->released_blocks = sqlite3_column_int64(st, 8);
		r->released_bytes = sqlite3_column_int64(st, 9);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return mtan_sqlerr(db, "cannot read the database");
	return 0;
}

/* A one-row result of n (at most 16) whole numbers named keys: a JSON object's members.
 * NULL on no memory (the caller reports it). */
static struct mtan_result *numbers(const char *const *keys, const long long *v, int n)
{
	struct mtan_col cols[16] = {{0}};
	if (n > 16)
		n = 16;
	for (int i = 0; i < n; i++)
		cols[i] = (struct mtan_col){keys[i], NULL, MTAN_K_INT};
	struct mtan_result *r = mtan_result_new(cols, n);
	for (int i = 0; r && i < n; i++)
		mtan_result_int(r, v[i]);
	return r;
}

/* Per device and space (after a row of totals, device and space "all", with all): allocs,
 * frees, bytes allocated, peak, leaked and released blocks and bytes. */
static struct mtan_result *space_result(const struct totals *t, const struct space_row *s, size_t n, int all)
{
	static const struct mtan_col cols[] = {
		{"device", NULL, MTAN_K_DEVICE}, {"space", NULL, MTAN_K_TEXT},
		{"allocs", NULL, MTAN_K_INT}, {"frees", NULL, MTAN_K_INT},
		{"bytes_allocated", NULL, MTAN_K_INT}, {"peak_bytes", NULL, MTAN_K_INT},
		{"leaked_blocks", NULL, MTAN_K_INT}, {"leaked_bytes", NULL, MTAN_K_INT},
		{"released_blocks", NULL, MTAN_K_INT}, {"released_bytes", NULL, MTAN_K_INT},
	};
	struct mtan_result *r = mtan_result_new(cols, 10);
	if (r && all) {
		mtan_result_text(r, "all");
		mtan_result_text(r, "all");
		long long v[] = {t->allocs, t->frees, t->bytes_allocated, t->peak, t->leaked_blocks,
				 t->leaked_bytes, t->released_blocks, t->released_bytes};
		for (int i = 0; i < 8; i++)
			mtan_result_int(r, v[i]);
	}
	for (size_t i = 0; r && i < n; i++) {
		mtan_result_int(r, s[i].device);
		mtan_result_text(r, s[i].name);
		long long w[] = {s[i].allocs, s[i].frees, s[i].bytes_allocated, s[i].peak, s[i].leaked_blocks,
				 s[i].leaked_bytes, s[i].released_blocks, s[i].released_bytes};
		for (int k = 0; k < 8; k++)
			mtan_result_int(r, w[k]);
	}
	return r;
}

/* The processes a signal killed: pid, exe, signal. */
static struct mtan_result *killed_result(const struct totals *t)
{
	static const struct mtan_col cols[] = {
		{"pid", NULL, MTAN_K_INT}, {"exe", NULL, MTAN_K_TEXT}, {"signal", NULL, MTAN_K_TEXT},
	};
	struct mtan_result *r = mtan_result_new(cols, 3);
	for (size_t i = 0; r && i < t->nkilled; i++) {
		char sig[32];
		mtan_result_int(r, t->killed[i].pid);
		mtan_result_text(r, t->killed[i].exe);
		mtan_result_text(r, signal_name(sig, sizeof sig, t->killed[i].signal));
	}
	return r;
}

/* valgrind's LEAK SUMMARY: blocks and bytes per kind, and suppressed. */
static struct mtan_result *leak_summary(const struct totals *t)
{
	static const char *const keys[] = {"definitely_lost", "indirectly_lost", "possibly_lost",
					   "still_reachable", "not_scanned", "suppressed"};
	static const char *const bb[] = {"blocks", "bytes"};
	struct mtan_col cols[MTAN_NKINDS + 1];
	for (int k = 0; k <= MTAN_NKINDS; k++)
		cols[k] = (struct mtan_col){keys[k], NULL, MTAN_K_OBJECT};
	struct mtan_result *r = mtan_result_new(cols, MTAN_NKINDS + 1);
	for (int k = 0; r && k <= MTAN_NKINDS; k++) {
		long long v[2] = {k < MTAN_NKINDS ? t->kinds.kind_blocks[k] : t->supp_blocks,
				  k < MTAN_NKINDS ? t->kinds.kind_bytes[k] : t->supp_bytes};
		struct mtan_result *o = numbers(bb, v, 2);
		if (!o)
			r->oom = 1;
		else
			mtan_result_rows(r, o);
	}
	return r;
}

/* The summary as one row: the totals, then the anomalies by kind, the LEAK SUMMARY, the
 * spaces and the processes killed as nested rows. NULL (reported). */
static struct mtan_result *summary_result(const struct totals *t, const struct space_row *s, size_t n)
{
	static const char *const keys[] = {
		"events", "allocs", "frees", "bytes_allocated", "bytes_freed", "peak_bytes", "leaked_blocks",
		"leaked_bytes", "suppressed_blocks", "suppressed_bytes", "released_blocks", "released_bytes",
		"processes", "threads",
	};
	static const struct mtan_col tail[] = {
		{"complete", NULL, MTAN_K_BOOL}, {"lost_events", NULL, MTAN_K_INT}, {"attach_seq", NULL, MTAN_K_INT},
		{"frees_before_attach", NULL, MTAN_K_INT}, {"detached_blocks", NULL, MTAN_K_INT},
		{"detached_bytes", NULL, MTAN_K_INT}, {"anomalies", NULL, MTAN_K_OBJECT},
		{"leak_summary", NULL, MTAN_K_OBJECT}, {"spaces", NULL, MTAN_K_TEXT}, {"killed", NULL, MTAN_K_TEXT},
	};
	enum { NK = 14, NT = 10 };
	struct mtan_col cols[NK + NT];
	for (int i = 0; i < NK; i++)
		cols[i] = (struct mtan_col){keys[i], NULL, MTAN_K_INT};
	memcpy(&cols[NK], tail, sizeof tail);
	long long v[NK] = {t->allocs + t->frees, t->allocs, t->frees, t->bytes_allocated, t->bytes_freed, t->peak,
			   t->leaked_blocks, t->leaked_bytes, t->supp_blocks, t->supp_bytes, t->released_blocks,
			   t->released_bytes, t->processes, t->threads};
	int nanom = 0;
	while (mtan_anomaly_kinds[nanom])
		nanom++;
	struct mtan_result *r = mtan_result_new(cols, NK + NT);
	struct mtan_result *sub[4] = {numbers(mtan_anomaly_kinds, t->anomalies, nanom), leak_summary(t),
				      space_result(t, s, n, 0), killed_result(t)};
	for (int i = 0; r && i < NK; i++)
		mtan_result_int(r, v[i]);
	if (r) {
		mtan_result_int(r, t->complete);
		mtan_result_int(r, t->lost);
		if (t->attach_seq >= 0)
			mtan_result_int(r, t->attach_seq);
		else
			mtan_result_null(r);
		mtan_result_int(r, t->before_attach);
		mtan_result_int(r, t->detached[0]);
		mtan_result_int(r, t->detached[1]);
	}
	for (int i = 0; i < 4; i++) {
		if (r && sub[i] && !sub[i]->oom) {
			mtan_result_rows(r, sub[i]);
			continue;
		}
		mtan_result_free(sub[i]);
		if (r)
			r->oom = 1;
	}
	if (!r)
		mtan_err("out of memory");
	else if (mtan_result_ok(r)) {
		mtan_result_free(r);
		return NULL;
	}
	return r;
}

/* JSON: one object, the summary's one row. */
static int print_json(const struct totals *t, const struct space_row *s, size_t n)
{
	struct mtan_result *r = summary_result(t, s, n);
	if (!r)
		return -1;
	fputc('{', stdout);
	mtan_render_json_members(r, 0, stdout);
	fputs("}\n", stdout);
	mtan_result_free(r);
	return 0;
}

/* CSV: the totals' row (device and space "all"), then a row per device and space. */
static int print_csv(const struct totals *t, const struct space_row *s, size_t n)
{
	struct mtan_result *r = space_result(t, s, n, 1);
	int ret = -1;
	if (!r)
		mtan_err("out of memory");
	else
		ret = mtan_render(r, MTAN_CSV, stdout);
	mtan_result_free(r);
	return ret;
}

static int print_table(sqlite3 *db, const struct mtan_opts *o, const struct totals *t, const struct space_row *s,
		       size_t n)
{
	char a[32], b[32];
	printf("trace        %s (%s", o->input, t->complete ? "complete" : "incomplete");
	if (t->lost)
		printf("; %s events lost", mtan_count(a, (uint64_t)t->lost));
	printf(")\n");
	if (o->pid >= 0)
		printf("process      %lld\n", o->pid);
	if (o->scope.has_device || o->scope.space) {
		char dev[16];
		printf("scope        %s%s%s%s\n", o->scope.has_device && o->scope.device != -1 ? "device " : "",
		       o->scope.has_device ? mtan_device_name(dev, o->scope.device) : "every device",
		       o->scope.space ? ", space " : "", o->scope.space ? o->scope.space : "");
	}
	printf("events       %s (%s allocs, ", mtan_count(a, (uint64_t)(t->allocs + t->frees)),
	       mtan_count(b, (uint64_t)t->allocs));
	printf("%s frees)\n", mtan_count(a, (uint64_t)t->frees));
	if (t->attach_seq >= 0) /* counted apart: neither a free above nor an unmatched one */
		printf("attached     at seq %lld; %s %s of blocks from before the attach\n", t->attach_seq,
		       mtan_count(a, (uint64_t)t->before_attach), t->before_attach == 1 ? "free" : "frees");
	printf("allocated    %s (%s bytes)\n", mtan_size(a, (uint64_t)t->bytes_allocated),
	       mtan_count(b, (uint64_t)t->bytes_allocated));
	printf("peak live    %s\n", mtan_size(a, (uint64_t)t->peak));
	printf("leaked       %s in %s %s\n", mtan_size(a, (uint64_t)t->leaked_bytes),
	       mtan_count(b, (uint64_t)t->leaked_blocks), t->leaked_blocks == 1 ? "block" : "blocks");
	if (t->released_blocks)
		printf("released     %s in %s %s by device close\n", mtan_size(a, (uint64_t)t->released_bytes),
		       mtan_count(b, (uint64_t)t->released_blocks), t->released_blocks == 1 ? "block" : "blocks");
	if (t->detached[0])
		printf("live at detach %s in %s %s (the process runs on)\n", mtan_size(a, (uint64_t)t->detached[1]),
		       mtan_count(b, (uint64_t)t->detached[0]), t->detached[0] == 1 ? "block" : "blocks");
	printf("processes    %s\n", mtan_count(a, (uint64_t)t->processes));
	printf("threads      %s\n", mtan_count(a, (uint64_t)t->threads));
	for (size_t i = 0; i < t->nkilled; i++) {
		const char *exe = t->killed[i].exe, *base = strrchr(exe, '/');
		char sig[32];
		printf("%s pid %lld (%s) by %s\n", i ? "            " : "killed      ", t->killed[i].pid,
		       base ? base + 1 : exe, signal_name(sig, sizeof sig, t->killed[i].signal));
	}
	printf("anomalies   ");
	int any = 0;
	for (int i = 0; mtan_anomaly_kinds[i]; i++)
		if (t->anomalies[i])
			printf("%s %s %s", any++ ? "," : "", mtan_count(a, (uint64_t)t->anomalies[i]),
			       mtan_anomaly_kinds[i]);
	printf("%s\n\n", any ? "" : " none");
	if (mtan_leak_summary(stdout, db, o, NULL, &t->kinds))
		return -1;
	if (!n)
		return 0;
	static const char *const heads[] = {"device", "space", "allocs", "frees", "allocated",
					    "peak", "leaked", "leaked blocks"};
	struct mtan_table *tab = mtan_table_new(8, heads, "llrrrrrr");
	if (!tab) {
		mtan_err("out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		char dev[16], al[32], fr[32], by[32], pk[32], lb[32], lk[32];
		const char *cells[] = {mtan_device_name(dev, s[i].device), s[i].name,
				       mtan_count(al, (uint64_t)s[i].allocs), mtan_count(fr, (uint64_t)s[i].frees),
				       mtan_size(by, (uint64_t)s[i].bytes_allocated), mtan_size(pk, (uint64_t)s[i].peak),
				       mtan_size(lb, (uint64_t)s[i].leaked_bytes),
				       mtan_count(lk, (uint64_t)s[i].leaked_blocks)};
		if (mtan_table_add(tab, cells)) {
			mtan_table_free(tab);
			mtan_err("out of memory");
			return -1;
		}
	}
	putchar('\n');
	mtan_table_print(tab, stdout);
	mtan_table_free(tab);
	return 0;
}

int cmd_summary(int argc, char **argv)
{
	struct mtan_opts o;
	struct totals t = {0};
	struct space_row *s = NULL;
	size_t n = 0;
	sqlite3 *db = NULL;
	struct mtan_extra extra[16];
	const struct mtan_extra *lists[] = {mtan_scope_options, mtan_supp_options, NULL};
	mtan_join_options(extra, 15, lists);
	int ret = mtan_parse(argc, argv, "summary", cmd_summary_usage, extra, &o);
	if (ret != MTAN_GO)
		return ret;
	ret = 1;
	if (mtan_open(&o, &db, NULL, NULL) || gather(db, &o, &t) || spaces(db, &o, &s, &n))
		goto out;
	if (o.format == MTAN_JSON) {
		if (print_json(&t, s, n))
			goto out;
	} else if (o.format == MTAN_CSV) {
		if (print_csv(&t, s, n))
			goto out;
	} else if (print_table(db, &o, &t, s, n)) {
		goto out;
	}
	ret = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(s[i].name);
	free(s);
	for (size_t i = 0; i < t.nkilled; i++)
		free(t.killed[i].exe);
	free(t.killed);
	sqlite3_close(db);
	return ret;
}
