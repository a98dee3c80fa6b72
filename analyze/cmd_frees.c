/* cmd_frees.c: `mtan frees`: frees of addresses that were not live (unmatched) and second
 * frees of one block (double), each with the stack of the free and the nearest earlier
 * block at that address: what was there, and how it ended. */
#include "commands.h"
#include "db.h"
#include "opts.h"
#include "output.h"
#include "scope.h"
#include "sites.h"
#include "sql.h"
#include "result.h"
#include "rows.h"

#include <inttypes.h>
#include <stdint.h>
#include <string.h>

const char cmd_frees_usage[] =
	"frees [options] TRACE|DB\n\n"
	"Unmatched frees (of an address not live) and double frees (a second free of one\n"
	"block), in seq order, each with the stack of the free and the nearest earlier block\n"
	"at that address (its generation, size, allocation and end). --format json prints an\n"
	"array of findings: kind, pid, device (-1: host), space, address (\"0x..\"), seq,\n"
	"time_ns, tid, func, frames (of the free), and nearest (null, or the block: lifetime_id,\n"
	"generation, size, alloc_seq, alloc_tid, end_seq, end_reason, free_seq, free_tid,\n"
	"frames of its allocation). --format csv: a row per finding, without the frames.";

static const struct mtan_extra none[] = {{{0, 0, 0, 0}, NULL, NULL}};

static void json_opt(const char *key, sqlite3_stmt *st, int col)
{
	printf(", \"%s\": ", key);
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		fputs("null", stdout);
	else
		printf("%lld", sqlite3_column_int64(st, col));
}

static int print_json(sqlite3 *db, const struct mtan_opts *o, sqlite3_stmt *st, int first)
{
	printf("%s{\"kind\": \"%s\", \"pid\": %lld, \"device\": %lld, \"space\": ", first ? "" : ",\n ",
	       (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2));
	mtan_json_str(stdout, (const char *)sqlite3_column_text(st, 3));
	printf(", \"address\": \"0x%" PRIx64 "\", \"seq\": %lld, \"time_ns\": %lld, \"tid\": %lld, \"func\": ",
	       (uint64_t)sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5), sqlite3_column_int64(st, 6),
	       sqlite3_column_int64(st, 7));
	mtan_json_str(stdout, (const char *)sqlite3_column_text(st, 8));
	fputs(", ", stdout);
	if (mtan_print_frames(db, o, sqlite3_column_type(st, 9) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 9)))
		return -1;
	if (sqlite3_column_type(st, 10) == SQLITE_NULL) {
		fputs(", \"nearest\": null}", stdout);
		return 0;
	}
	printf(", \"nearest\": {\"lifetime_id\": %lld, \"generation\": %lld, \"size\": %lld, \"alloc_seq\": %lld, "
	       "\"alloc_tid\": %lld",
	       sqlite3_column_int64(st, 10), sqlite3_column_int64(st, 11), sqlite3_column_int64(st, 12),
	       sqlite3_column_int64(st, 13), sqlite3_column_int64(st, 14));
	json_opt("end_seq", st, 16);
	fputs(", \"end_reason\": ", stdout);
	mtan_json_str(stdout, (const char *)sqlite3_column_text(st, 17));
	json_opt("free_seq", st, 18);
	json_opt("free_tid", st, 19);
	fputs(", ", stdout);
	if (mtan_print_frames(db, o, sqlite3_column_type(st, 15) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 15)))
		return -1;
	fputs("}}", stdout);
	return 0;
}

static int print_table(sqlite3 *db, const struct mtan_opts *o, sqlite3_stmt *st, int first)
{
	char dev[16], a[32];
	long long device = sqlite3_column_int64(st, 2);
	const char *kind = (const char *)sqlite3_column_text(st, 0);
	printf("%s%s of 0x%" PRIx64 " (pid %lld, %s%s %s) at seq %lld, thread %lld\n", first ? "" : "\n",
	       !strcmp(kind, "double_free") ? "double free" : "unmatched free", (uint64_t)sqlite3_column_int64(st, 4),
	       sqlite3_column_int64(st, 1), device == -1 ? "" : "device ", mtan_device_name(dev, device),
	       (const char *)sqlite3_column_text(st, 3), sqlite3_column_int64(st, 5), sqlite3_column_int64(st, 7));
	if (mtan_print_frames(db, o, sqlite3_column_type(st, 9) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 9)))
		return -1;
	if (sqlite3_column_type(st, 10) == SQLITE_NULL) {
		printf("  no earlier block at this address\n");
		return 0;
	}
	printf("  nearest earlier block: generation %lld, %s bytes, allocated at seq %lld by thread %lld",
	       sqlite3_column_int64(st, 11), mtan_count(a, (uint64_t)sqlite3_column_int64(st, 12)),
	       sqlite3_column_int64(st, 13), sqlite3_column_int64(st, 14));
	const char *reason = (const char *)sqlite3_column_text(st, 17);
	if (sqlite3_column_type(st, 18) != SQLITE_NULL)
		printf(", freed at seq %lld by thread %lld", sqlite3_column_int64(st, 18), sqlite3_column_int64(st, 19));
	else if (reason)
		printf(", ended at seq %lld (%s)", sqlite3_column_int64(st, 16), reason);
	putchar('\n');
	return mtan_print_frames(db, o, sqlite3_column_type(st, 15) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 15));
}

static const struct mtan_col csv_cols[] = {
	{"kind", NULL, MTAN_K_TEXT}, {"pid", NULL, MTAN_K_INT}, {"device", NULL, MTAN_K_DEVICE},
	{"space", NULL, MTAN_K_TEXT}, {"address", NULL, MTAN_K_HEX}, {"seq", NULL, MTAN_K_INT},
	{"time_ns", NULL, MTAN_K_INT}, {"tid", NULL, MTAN_K_INT}, {"func", NULL, MTAN_K_TEXT},
	{"nearest_id", NULL, MTAN_K_INT}, {"nearest_generation", NULL, MTAN_K_INT},
	{"nearest_size", NULL, MTAN_K_INT}, {"nearest_alloc_seq", NULL, MTAN_K_INT},
	{"nearest_tid", NULL, MTAN_K_INT}, {"nearest_end_seq", NULL, MTAN_K_INT},
	{"nearest_end_reason", NULL, MTAN_K_TEXT}, {"nearest_free_seq", NULL, MTAN_K_INT},
	{"nearest_free_tid", NULL, MTAN_K_INT},
};
#define NCSV (int)(sizeof(csv_cols) / sizeof(csv_cols[0]))

int cmd_frees(int argc, char **argv)
{
	struct mtan_opts o;
	struct mtan_window w;
	struct mtan_extra extra[16];
	const struct mtan_extra *lists[] = {none, mtan_scope_options, mtan_window_options, mtan_skip_options, NULL};
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL, *tot = NULL;
	struct mtan_rows *rows = NULL;
	int ret, rc, n = 0;
	mtan_join_options(extra, 15, lists);
	ret = mtan_parse(argc, argv, "frees", cmd_frees_usage, extra, &o);
	if (ret != MTAN_GO)
		return ret;
	ret = 1;
	if (mtan_open(&o, &db, NULL, NULL) || mtan_window(db, &o, &w) || mtan_prepare(db, "frees", "list", &st) ||
	    mtan_prepare(db, "frees", "totals", &tot))
		goto out;
	mtan_bind_scope(st, &o, &w);
	if (o.format == MTAN_JSON)
		fputs("[", stdout);
	else if (o.format == MTAN_CSV && !(rows = mtan_rows_new(csv_cols, NCSV, MTAN_CSV, stdout))) {
		mtan_err("out of memory");
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		static const int from[NCSV] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 16, 17, 18, 19};
		if (rows)
			for (int i = 0; i < NCSV; i++)
				mtan_rows_column(rows, st, from[i]);
		else if ((o.format == MTAN_JSON ? print_json : print_table)(db, &o, st, n == 0))
			goto out;
		n++;
	}
	if (rc != SQLITE_DONE)
		goto sqlerr;
	if (rows) {
		if (mtan_rows_end(rows))
			goto out;
	} else if (o.format == MTAN_JSON) {
		fputs("]\n", stdout);
	} else {
		long long unmatched = 0, twice = 0;
		mtan_bind_scope(tot, &o, &w);
		while ((rc = sqlite3_step(tot)) == SQLITE_ROW) {
			const char *kind = (const char *)sqlite3_column_text(tot, 0);
			*(!strcmp(kind, "double_free") ? &twice : &unmatched) = sqlite3_column_int64(tot, 1);
		}
		if (rc != SQLITE_DONE)
			goto sqlerr;
		char a[32], b[32];
		if (!unmatched && !twice)
			printf("no unmatched or double frees\n");
		else
			printf("%sfrees: %s unmatched, %s double%s\n", n ? "\n" : "", mtan_count(a, (uint64_t)unmatched),
			       mtan_count(b, (uint64_t)twice), n < unmatched + twice ? " (not all shown)" : "");
	}
	ret = 0;
	goto out;
sqlerr:
	mtan_sqlerr(db, "cannot read the database");
out:
	mtan_rows_free(rows);
	sqlite3_finalize(st);
	sqlite3_finalize(tot);
	sqlite3_close(db);
	return ret;
}
