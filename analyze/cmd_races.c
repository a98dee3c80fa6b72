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
#include "races.h"
#include "result.h"
#include "render.h"

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

/* Races.sql's list column c of row (as mtan_races keeps it; a NULL: -1). */
static int at(int c)
{
	static const int to[] = {MTAN_RACE_FORM, MTAN_RACE_PID, MTAN_RACE_DEVICE, MTAN_RACE_SPACE, MTAN_RACE_ADDRESS,
		MTAN_RACE_REUSE_SEQ, MTAN_RACE_REUSE_NS, MTAN_RACE_REUSE_TID, MTAN_RACE_FREE_SEQ, MTAN_RACE_FREE_NS,
		MTAN_RACE_FREE_TID, MTAN_RACE_LATE_SEQ, MTAN_RACE_LATE_TID, MTAN_RACE_WINDOW_NS, -1, -1,
		MTAN_RACE_FREED_ID, MTAN_RACE_REUSE_ID, MTAN_RACE_FREE_STACK, MTAN_RACE_LATE_STACK, MTAN_RACE_REUSE_STACK};
	return to[c];
}
#define G(c) mtan_result_get_int(st, row, at(c), -1)
#define T(c) mtan_result_get_text(st, row, at(c))

/* A report's stack in JSON: {"frames": [...], "site": N}, or null when none was recorded. */
static int json_stack(sqlite3 *db, const struct mtan_opts *o, const struct mtan_result *st, size_t row, int col)
{
	if (G(col) < 0) {
		fputs("null", stdout);
		return 0;
	}
	fputs("{", stdout);
	if (mtan_print_frames(db, o, G(col)))
		return -1;
	fputs("}", stdout);
	return 0;
}

static int print_json(sqlite3 *db, const struct mtan_opts *o, const struct mtan_result *st, size_t row, int first)
{
	int late = !strcmp((const char *)T(0), "late_alloc");
	long long free_seq = G(8), free_tid = G(10);
	long long seq = G(5), tid = G(7);
	printf("%s{\"form\": \"%s\", \"pid\": %lld, \"device\": %lld, \"space\": ", first ? "" : ",\n ",
	       (const char *)T(0), G(1), G(2));
	mtan_json_str(stdout, (const char *)T(3));
	printf(", \"address\": \"0x%" PRIx64 "\", \"seq\": %lld, \"tid\": %lld, \"time_ns\": %lld, "
	       "\"free_seq\": %lld, \"free_tid\": %lld, \"free_ns\": %lld, \"alloc_seq\": %lld, \"alloc_tid\": %lld",
	       (uint64_t)G(4), seq, tid, G(6), free_seq, free_tid,
	       G(9), seq, tid);
	if (late)
		printf(", \"late_seq\": %lld, \"late_tid\": %lld, \"tids\": [%lld, %lld, %lld], \"seqs\": [%lld, %lld, %lld]",
		       G(11), G(12), free_tid,
		       G(12), tid, free_seq, G(11), seq);
	else
		printf(", \"late_seq\": %lld, \"late_tid\": %lld, \"tids\": [%lld, %lld], \"seqs\": [%lld, %lld]",
		       free_seq, free_tid, free_tid, tid, seq < free_seq ? seq : free_seq, seq < free_seq ? free_seq : seq);
	printf(", \"window_ns\": %lld, \"freed_lifetime_id\": %lld, \"reuse_lifetime_id\": %lld",
	       G(13), G(16), G(17));
	fputs(", \"stacks\": {\"free\": ", stdout);
	if (json_stack(db, o, st, row, 18))
		return -1;
	fputs(", \"late\": ", stdout);
	if (json_stack(db, o, st, row, 19))
		return -1;
	fputs(", \"reuse\": ", stdout);
	if (json_stack(db, o, st, row, 20))
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

static int keep_stacks(struct race_stacks **v, int n, const struct mtan_result *st, size_t row)
{
	struct race_stacks *p = realloc(*v, (size_t)(n + 1) * sizeof(**v));
	if (!p)
		return -1;
	*v = p;
	struct race_stacks *r = &p[n];
	static const int seq[3] = {8, 11, 5}, tid[3] = {10, 12, 7}, stack[3] = {18, 19, 20};
	r->late_alloc = !strcmp((const char *)T(0), "late_alloc");
	r->address = (uint64_t)G(4);
	for (int i = 0; i < 3; i++) {
		r->seq[i] = G(seq[i]);
		r->tid[i] = G(tid[i]);
		r->stack[i] = G(stack[i]);
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

int cmd_races(int argc, char **argv)
{
	struct mtan_opts o;
	struct mtan_window w;
	struct mtan_extra extra[16];
	const struct mtan_extra *lists[] = {none, mtan_scope_options, mtan_window_options, NULL};
	sqlite3 *db = NULL;
	struct mtan_result *res = NULL;
	struct race_stacks *stacks = NULL;
	int ret, n = 0;
	mtan_join_options(extra, 15, lists);
	ret = mtan_parse(argc, argv, "races", cmd_races_usage, extra, &o);
	if (ret != MTAN_GO)
		return ret;
	ret = 1;
	if (mtan_open(&o, &db, NULL, NULL) || mtan_window(db, &o, &w) || mtan_races(db, &o, &w, -1, &res))
		goto out;
	n = (int)res->nrows;
	if (o.format == MTAN_JSON) {
		fputs("[", stdout);
		for (size_t row = 0; row < res->nrows; row++)
			if (print_json(db, &o, res, row, row == 0))
				goto out;
		fputs("]\n", stdout);
	} else if (o.format == MTAN_TABLE && !n) {
		printf("no address-reuse races\n");
	} else if (mtan_render(res, o.format, stdout)) {
		goto out;
	} else if (o.format == MTAN_TABLE) {
		char a[32];
		for (size_t row = 0; row < res->nrows; row++)
			if (keep_stacks(&stacks, (int)row, res, row))
				goto nomem;
		mtan_prose(stdout, "\n%s address-reuse %s, repaired in the lifetimes (reserve seqs inside the allocator's lock: mtrec_seq)\n",
		       mtan_count(a, (uint64_t)n), n == 1 ? "race" : "races");
		if (table_stacks(db, &o, stacks, n))
			goto out;
	}
	ret = 0;
	goto out;
nomem:
	mtan_err("out of memory");
out:
	free(stacks);
	mtan_result_free(res);
	sqlite3_close(db);
	return ret;
}
