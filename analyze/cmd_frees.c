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
#include "frees.h"
#include "render.h"
#include "result.h"

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

/* Finding i of v as prose: what was freed where, the stack of the free, and the nearest
 * earlier block at the address with the stack of its allocation. */
static int print_finding(sqlite3 *db, const struct mtan_opts *o, const struct mtan_result *v, size_t i)
{
	char dev[16], a[32];
#define V(c) mtan_result_get_int(v, i, MTAN_FREE_##c, 0)
	long long device = V(DEVICE);
	const char *kind = mtan_result_get_text(v, i, MTAN_FREE_KIND);
	printf("%s%s of 0x%" PRIx64 " (pid %lld, %s%s %s) at seq %lld, thread %lld\n", i ? "\n" : "",
	       kind && !strcmp(kind, "double_free") ? "double free" : "unmatched free", (uint64_t)V(ADDRESS), V(PID),
	       device == -1 ? "" : "device ", mtan_device_name(dev, device), mtan_result_get_text(v, i, MTAN_FREE_SPACE),
	       V(SEQ), V(TID));
	if (mtan_print_frames(db, o, mtan_result_get_int(v, i, MTAN_FREE_STACK, -1)))
		return -1;
	if (mtan_result_cell(v, i, MTAN_FREE_NEAREST_ID)->type == MTAN_CELL_NULL) {
		printf("  no earlier block at this address\n");
		return 0;
	}
	printf("  nearest earlier block: generation %lld, %s bytes, allocated at seq %lld by thread %lld",
	       V(NEAREST_GENERATION), mtan_count(a, (uint64_t)V(NEAREST_SIZE)), V(NEAREST_ALLOC_SEQ), V(NEAREST_TID));
	const char *reason = mtan_result_get_text(v, i, MTAN_FREE_NEAREST_END_REASON);
	if (mtan_result_cell(v, i, MTAN_FREE_NEAREST_FREE_SEQ)->type != MTAN_CELL_NULL)
		printf(", freed at seq %lld by thread %lld", V(NEAREST_FREE_SEQ), V(NEAREST_FREE_TID));
	else if (reason)
		printf(", ended at seq %lld (%s)", V(NEAREST_END_SEQ), reason);
	putchar('\n');
	return mtan_print_frames(db, o, mtan_result_get_int(v, i, MTAN_FREE_NEAREST_STACK, -1));
#undef V
}

int cmd_frees(int argc, char **argv)
{
	struct mtan_opts o;
	struct mtan_window w;
	struct mtan_extra extra[16];
	const struct mtan_extra *lists[] = {none, mtan_scope_options, mtan_window_options, mtan_skip_options, NULL};
	sqlite3 *db = NULL;
	struct mtan_result *v = NULL;
	int ret;
	mtan_join_options(extra, 15, lists);
	ret = mtan_parse(argc, argv, "frees", cmd_frees_usage, extra, &o);
	if (ret != MTAN_GO)
		return ret;
	ret = 1;
	if (mtan_open(&o, &db, NULL, NULL) || mtan_window(db, &o, &w) || mtan_bad_frees(db, &o, &w, &v))
		goto out;
	if (o.format != MTAN_TABLE) {
		if (mtan_render(v, o.format, stdout))
			goto out;
	} else {
		long long unmatched, twice, n = (long long)v->nrows;
		for (size_t i = 0; i < v->nrows; i++)
			if (print_finding(db, &o, v, i))
				goto out;
		if (mtan_bad_free_totals(db, &o, &w, &unmatched, &twice))
			goto out;
		char a[32], b[32];
		if (!unmatched && !twice)
			printf("no unmatched or double frees\n");
		else
			printf("%sfrees: %s unmatched, %s double%s\n", n ? "\n" : "", mtan_count(a, (uint64_t)unmatched),
			       mtan_count(b, (uint64_t)twice), n < unmatched + twice ? " (not all shown)" : "");
	}
	ret = 0;
out:
	mtan_result_free(v);
	sqlite3_close(db);
	return ret;
}
