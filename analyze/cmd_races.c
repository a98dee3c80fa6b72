/* cmd_races.c: `mtan races`: address-reuse races, where the order the allocator's events
 * were numbered in contradicts the allocator's own (a tracker reporting after releasing
 * its lock). The loader finds and repairs them (SCHEMA.md, races); this lists them. */
#include "commands.h"
#include "db.h"
#include "opts.h"
#include "output.h"
#include "scope.h"
#include "sites.h"
#include "sql.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char cmd_races_usage[] =
	"races [options] TRACE|DB\n\n"
	"Address-reuse races, in seq order. late_free: thread B's allocation of address X was\n"
	"numbered while X was live, and the free of X from thread A came right after: A's free\n"
	"was numbered after B's reuse. late_alloc: a free of X when X was not live, then\n"
	"allocations of X from two threads: one was numbered after the free that ended it.\n"
	"The late report (late_seq, late_tid) is the one that contradicts its own thread's\n"
	"program order: late_free, the free; late_alloc, the allocation that is not the freeing\n"
	"thread's own later reuse (an allocation that follows its thread's free of X cannot be\n"
	"the block that free ended; with neither from the freeing thread, the first). Both are\n"
	"repaired in the lifetimes table, never into a block that ends before it begins\n"
	"(neither is then reported as an alloc_over_live, unmatched or double free). Fix:\n"
	"reserve the number inside the allocator's lock (mtrec_seq, mtrec_alloc_seq,\n"
	"mtrec_free_seq). The table is followed by the stacks of each race's reports where\n"
	"they were recorded. --format json prints an array: form, pid, device (-1: host),\n"
	"space, address (\"0x..\"), seq and tid (the reusing allocation), free_seq, free_tid,\n"
	"alloc_seq, alloc_tid (the reusing allocation), late_seq, late_tid (the late report),\n"
	"tids, seqs, window_ns, and stacks: free, late and reuse, each {frames, site} or null.";

static const struct mtan_extra none[] = {{{0, 0, 0, 0}, NULL, NULL}};

/* A report's stack in JSON: {"frames": [...], "site": N}, or null when none was recorded. */
static int json_stack(sqlite3 *db, const struct mtan_opts *o, sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL) {
		fputs("null", stdout);
		return 0;
	}
	fputs("{", stdout);
	if (mtan_print_frames(db, o, sqlite3_column_int64(st, col)))
		return -1;
	fputs("}", stdout);
	return 0;
}

static int print_json(sqlite3 *db, const struct mtan_opts *o, sqlite3_stmt *st, int first)
{
	int late = !strcmp((const char *)sqlite3_column_text(st, 0), "late_alloc");
	long long free_seq = sqlite3_column_int64(st, 8), free_tid = sqlite3_column_int64(st, 10);
	long long seq = sqlite3_column_int64(st, 5), tid = sqlite3_column_int64(st, 7);
	printf("%s{\"form\": \"%s\", \"pid\": %lld, \"device\": %lld, \"space\": ", first ? "" : ",\n ",
	       (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2));
	mtan_json_str(stdout, (const char *)sqlite3_column_text(st, 3));
	printf(", \"address\": \"0x%" PRIx64 "\", \"seq\": %lld, \"tid\": %lld, \"time_ns\": %lld, "
	       "\"free_seq\": %lld, \"free_tid\": %lld, \"free_ns\": %lld, \"alloc_seq\": %lld, \"alloc_tid\": %lld",
	       (uint64_t)sqlite3_column_int64(st, 4), seq, tid, sqlite3_column_int64(st, 6), free_seq, free_tid,
	       sqlite3_column_int64(st, 9), seq, tid);
	if (late)
		printf(", \"late_seq\": %lld, \"late_tid\": %lld, \"tids\": [%lld, %lld, %lld], \"seqs\": [%lld, %lld, %lld]",
		       sqlite3_column_int64(st, 11), sqlite3_column_int64(st, 12), free_tid,
		       sqlite3_column_int64(st, 12), tid, free_seq, sqlite3_column_int64(st, 11), seq);
	else
		printf(", \"late_seq\": %lld, \"late_tid\": %lld, \"tids\": [%lld, %lld], \"seqs\": [%lld, %lld]",
		       free_seq, free_tid, free_tid, tid, seq < free_seq ? seq : free_seq, seq < free_seq ? free_seq : seq);
	printf(", \"window_ns\": %lld, \"freed_lifetime_id\": %lld, \"reuse_lifetime_id\": %lld",
	       sqlite3_column_int64(st, 13), sqlite3_column_int64(st, 16), sqlite3_column_int64(st, 17));
	fputs(", \"stacks\": {\"free\": ", stdout);
	if (json_stack(db, o, st, 18))
		return -1;
	fputs(", \"late\": ", stdout);
	if (json_stack(db, o, st, 19))
		return -1;
	fputs(", \"reuse\": ", stdout);
	if (json_stack(db, o, st, 20))
		return -1;
	fputs("}}", stdout);
	return 0;
}

/* What the table's stacks section needs of one race. */
struct race_stacks {
	int late_alloc;
	uint64_t address;
	long long seq[3], tid[3], stack[3]; /* the free, the late report, the reuse; stack -1: none */
};

static int keep_stacks(struct race_stacks **v, int n, sqlite3_stmt *st)
{
	struct race_stacks *p = realloc(*v, (size_t)(n + 1) * sizeof(**v));
	if (!p)
		return -1;
	*v = p;
	struct race_stacks *r = &p[n];
	static const int seq[3] = {8, 11, 5}, tid[3] = {10, 12, 7}, stack[3] = {18, 19, 20};
	r->late_alloc = !strcmp((const char *)sqlite3_column_text(st, 0), "late_alloc");
	r->address = (uint64_t)sqlite3_column_int64(st, 4);
	for (int i = 0; i < 3; i++) {
		r->seq[i] = sqlite3_column_int64(st, seq[i]);
		r->tid[i] = sqlite3_column_int64(st, tid[i]);
		r->stack[i] = sqlite3_column_type(st, stack[i]) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, stack[i]);
	}
	return 0;
}

/* After the table: each race's reports with their stacks (when any was recorded). A late
 * free is the free itself: two reports; a late allocation has three. */
static int table_stacks(sqlite3 *db, const struct mtan_opts *o, const struct race_stacks *v, int n)
{
	int any = 0;
	for (int k = 0; k < n; k++)
		for (int i = 0; i < 3; i++)
			any |= v[k].stack[i] >= 0;
	for (int k = 0; any && k < n; k++) {
		const struct race_stacks *r = &v[k];
		printf("\nrace %d at 0x%" PRIx64 " (%s)\n", k + 1, r->address, r->late_alloc ? "late_alloc" : "late_free");
		for (int i = 0; i < 3; i++) {
			if (i == 1 && !r->late_alloc)
				continue; /* the late report is the free */
			const char *what = i == 0 ? (r->late_alloc ? "free" : "free, the late report")
				: i == 1 ? "allocation, the late report (its block is the one the free ended)"
				: "reuse: the allocation that got the address after the free";
			/* prose: a heading folds to the width like the frames under it are cut */
			mtan_prose(stdout, "  %s: seq %lld by thread %lld\n", what, r->seq[i], r->tid[i]);
			if (mtan_print_frames(db, o, r->stack[i]))
				return -1;
		}
	}
	return 0;
}

static const struct mtan_col cols[] = {
	{"form", NULL, MTAN_K_TEXT}, {"pid", NULL, MTAN_K_INT}, {"device", NULL, MTAN_K_DEVICE},
	{"space", NULL, MTAN_K_TEXT}, {"address", NULL, MTAN_K_HEX}, {"free_seq", "free seq", MTAN_K_INT},
	{"free_tid", "by", MTAN_K_INT}, {"late_seq", "late seq", MTAN_K_INT}, {"late_tid", "by", MTAN_K_INT},
	{"reuse_seq", "reuse seq", MTAN_K_INT}, {"reuse_tid", "by", MTAN_K_INT}, {"window_ns", "window ns", MTAN_K_COUNT},
};
#define NCOLS (int)(sizeof(cols) / sizeof(cols[0]))

static void put(struct mtan_rows *r, sqlite3_stmt *st)
{
	static const int from[NCOLS] = {0, 1, 2, 3, 4, 8, 10, 11, 12, 5, 7, 13};
	for (int i = 0; i < NCOLS; i++)
		mtan_rows_column(r, st, from[i]);
}

int cmd_races(int argc, char **argv)
{
	struct mtan_opts o;
	struct mtan_window w;
	struct mtan_extra extra[16];
	const struct mtan_extra *lists[] = {none, mtan_scope_options, mtan_window_options, NULL};
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	struct mtan_rows *rows = NULL;
	struct race_stacks *stacks = NULL;
	int ret, rc, n = 0;
	mtan_join_options(extra, 15, lists);
	ret = mtan_parse(argc, argv, "races", cmd_races_usage, extra, &o);
	if (ret != MTAN_GO)
		return ret;
	ret = 1;
	if (mtan_open(&o, &db, NULL, NULL) || mtan_window(db, &o, &w) || mtan_prepare(db, "races", "list", &st))
		goto out;
	if (o.format != MTAN_JSON && !(rows = mtan_rows_new(cols, NCOLS, o.format, stdout)))
		goto nomem;
	mtan_bind_scope(st, &o, &w);
	if (o.format == MTAN_JSON)
		fputs("[", stdout);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (o.format == MTAN_JSON) {
			if (print_json(db, &o, st, n == 0))
				goto out;
		} else {
			put(rows, st);
			if (o.format == MTAN_TABLE && keep_stacks(&stacks, n, st))
				goto nomem;
		}
		n++;
	}
	if (rc != SQLITE_DONE)
		goto sqlerr;
	if (o.format == MTAN_JSON) {
		fputs("]\n", stdout);
	} else if (o.format == MTAN_TABLE && !n) {
		printf("no address-reuse races\n");
	} else if (mtan_rows_end(rows)) {
		goto out;
	} else if (o.format == MTAN_TABLE) {
		char a[32];
		mtan_prose(stdout, "\n%s address-reuse %s, repaired in the lifetimes (reserve seqs inside the allocator's lock: mtrec_seq)\n",
		       mtan_count(a, (uint64_t)n), n == 1 ? "race" : "races");
		if (table_stacks(db, &o, stacks, n))
			goto out;
	}
	ret = 0;
	goto out;
nomem:
	mtan_err("out of memory");
	goto out;
sqlerr:
	mtan_sqlerr(db, "cannot read the database");
out:
	free(stacks);
	mtan_rows_free(rows);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ret;
}
