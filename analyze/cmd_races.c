/* cmd_races.c: `mtan races`: address-reuse races, where the order the allocator's events
 * were numbered in contradicts the allocator's own (a tracker reporting after releasing
 * its lock). The loader finds and repairs them (SCHEMA.md, races); this lists them. */
#include "mtan.h"

#include <inttypes.h>
#include <stdint.h>
#include <string.h>

const char cmd_races_usage[] =
	"races [options] TRACE|DB\n\n"
	"Address-reuse races, in seq order. late_free: thread B's allocation of address X was\n"
	"numbered while X was live, and the free of X from thread A came right after: A's free\n"
	"was numbered after B's reuse. late_alloc: a free of X when X was not live, then\n"
	"allocations of X from two threads: the first was numbered after the free that ended\n"
	"it. Both are repaired in the lifetimes table (neither is then reported as an\n"
	"alloc_over_live, unmatched or double free). Fix: reserve the number inside the\n"
	"allocator's lock (mtrec_seq, mtrec_alloc_seq, mtrec_free_seq). --format json prints an\n"
	"array: form, pid, device (-1: host), space, address (\"0x..\"), seq and tid (the\n"
	"reusing allocation), free_seq, free_tid, alloc_seq, alloc_tid (the reusing allocation),\n"
	"late_seq, late_tid (late_alloc), tids, seqs, window_ns.";

static const struct mtan_extra none[] = {{{0, 0, 0, 0}, NULL, NULL}};

static void print_json(sqlite3_stmt *st, int first)
{
	int late = sqlite3_column_type(st, 11) != SQLITE_NULL;
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
		printf(", \"late_seq\": null, \"late_tid\": null, \"tids\": [%lld, %lld], \"seqs\": [%lld, %lld]",
		       free_tid, tid, seq < free_seq ? seq : free_seq, seq < free_seq ? free_seq : seq);
	printf(", \"window_ns\": %lld, \"freed_lifetime_id\": %lld, \"reuse_lifetime_id\": %lld}",
	       sqlite3_column_int64(st, 13), sqlite3_column_int64(st, 16), sqlite3_column_int64(st, 17));
}

static const struct mtan_col cols[] = {
	{"form", NULL, MTAN_K_TEXT}, {"pid", NULL, MTAN_K_INT}, {"device", NULL, MTAN_K_DEVICE},
	{"space", NULL, MTAN_K_TEXT}, {"address", NULL, MTAN_K_HEX}, {"free_seq", "free seq", MTAN_K_INT},
	{"free_tid", "by", MTAN_K_INT}, {"late_seq", "late alloc seq", MTAN_K_INT}, {"late_tid", "by", MTAN_K_INT},
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
		if (o.format == MTAN_JSON)
			print_json(st, n == 0);
		else
			put(rows, st);
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
	}
	ret = 0;
	goto out;
nomem:
	mtan_err("out of memory");
	goto out;
sqlerr:
	mtan_sqlerr(db, "cannot read the database");
out:
	mtan_rows_free(rows);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ret;
}
