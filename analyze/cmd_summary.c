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
#include "result.h"
#include "rows.h"

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

static void print_json(const struct totals *t, const struct space_row *s, size_t n)
{
	printf("{\"events\": %lld, \"allocs\": %lld, \"frees\": %lld, \"bytes_allocated\": %lld, "
	       "\"bytes_freed\": %lld, \"peak_bytes\": %lld, \"leaked_blocks\": %lld, \"leaked_bytes\": %lld, "
	       "\"suppressed_blocks\": %lld, \"suppressed_bytes\": %lld, "
	       "\"released_blocks\": %lld, \"released_bytes\": %lld, \"processes\": %lld, \"threads\": %lld, "
	       "\"complete\": %s, \"lost_events\": %lld, ",
	       t->allocs + t->frees, t->allocs, t->frees, t->bytes_allocated, t->bytes_freed, t->peak,
	       t->leaked_blocks, t->leaked_bytes, t->supp_blocks, t->supp_bytes, t->released_blocks,
	       t->released_bytes, t->processes,
	       t->threads, t->complete ? "true" : "false", t->lost);
	if (t->attach_seq >= 0)
		printf("\"attach_seq\": %lld, ", t->attach_seq);
	else
		printf("\"attach_seq\": null, ");
	printf("\"frees_before_attach\": %lld, \"detached_blocks\": %lld, \"detached_bytes\": %lld, "
	       "\"anomalies\": {", t->before_attach, t->detached[0], t->detached[1]);
	for (int i = 0; mtan_anomaly_kinds[i]; i++)
		printf("%s\"%s\": %lld", i ? ", " : "", mtan_anomaly_kinds[i], t->anomalies[i]);
	printf("}, \"leak_summary\": {");
	static const char *const keys[] = {"definitely_lost", "indirectly_lost", "possibly_lost",
					   "still_reachable", "not_scanned"};
	for (int k = 0; k < MTAN_NKINDS; k++)
		printf("\"%s\": {\"blocks\": %lld, \"bytes\": %lld}, ", keys[k], t->kinds.kind_blocks[k],
		       t->kinds.kind_bytes[k]);
	printf("\"suppressed\": {\"blocks\": %lld, \"bytes\": %lld}", t->supp_blocks, t->supp_bytes);
	printf("}, \"spaces\": [");
	for (size_t i = 0; i < n; i++) {
		printf("%s{\"device\": %lld, \"space\": ", i ? ", " : "", s[i].device);
		mtan_json_str(stdout, s[i].name);
		printf(", \"allocs\": %lld, \"frees\": %lld, \"bytes_allocated\": %lld, \"peak_bytes\": %lld, "
		       "\"leaked_blocks\": %lld, \"leaked_bytes\": %lld, \"released_blocks\": %lld, "
		       "\"released_bytes\": %lld}",
		       s[i].allocs, s[i].frees, s[i].bytes_allocated, s[i].peak, s[i].leaked_blocks,
		       s[i].leaked_bytes, s[i].released_blocks, s[i].released_bytes);
	}
	printf("], \"killed\": [");
	for (size_t i = 0; i < t->nkilled; i++) {
		char sig[32];
		printf("%s{\"pid\": %lld, \"exe\": ", i ? ", " : "", t->killed[i].pid);
		mtan_json_str(stdout, t->killed[i].exe);
		printf(", \"signal\": \"%s\"}", signal_name(sig, sizeof sig, t->killed[i].signal));
	}
	printf("]}\n");
}

static int print_csv(const struct totals *t, const struct space_row *s, size_t n)
{
	static const struct mtan_col cols[] = {
		{"device", NULL, MTAN_K_DEVICE}, {"space", NULL, MTAN_K_TEXT},
		{"allocs", NULL, MTAN_K_INT}, {"frees", NULL, MTAN_K_INT},
		{"bytes_allocated", NULL, MTAN_K_INT}, {"peak_bytes", NULL, MTAN_K_INT},
		{"leaked_blocks", NULL, MTAN_K_INT}, {"leaked_bytes", NULL, MTAN_K_INT},
		{"released_blocks", NULL, MTAN_K_INT}, {"released_bytes", NULL, MTAN_K_INT},
	};
	struct mtan_rows *r = mtan_rows_new(cols, 10, MTAN_CSV, stdout);
	if (!r) {
		mtan_err("out of memory");
		return -1;
	}
	mtan_rows_text(r, "all");
	mtan_rows_text(r, "all");
	long long v[] = {t->allocs, t->frees, t->bytes_allocated, t->peak, t->leaked_blocks,
			 t->leaked_bytes, t->released_blocks, t->released_bytes};
	for (int i = 0; i < 8; i++)
		mtan_rows_int(r, v[i]);
	for (size_t i = 0; i < n; i++) {
		mtan_rows_int(r, s[i].device);
		mtan_rows_text(r, s[i].name);
		long long w[] = {s[i].allocs, s[i].frees, s[i].bytes_allocated, s[i].peak, s[i].leaked_blocks,
				 s[i].leaked_bytes, s[i].released_blocks, s[i].released_bytes};
		for (int k = 0; k < 8; k++)
			mtan_rows_int(r, w[k]);
	}
	int ret = mtan_rows_end(r);
	mtan_rows_free(r);
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
	if (o.format == MTAN_JSON)
		print_json(&t, s, n);
	else if (o.format == MTAN_CSV) {
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
