/* cmd_leaks.c: `mtan leaks`: blocks allocated and never freed before their process ended,
 * as memcheck judges them at exit (definitely, indirectly, possibly lost; still reachable
 * on request; not scanned), grouped by allocation site (process, device, space, stack whose
 * frames read the same, kind), the most bytes first, ending with valgrind's LEAK SUMMARY.
 * Blocks still live when their device was closed are listed apart: released, not leaked;
 * those allocated after the device's setup (held to close) first, as suspects. */
#include "commands.h"
#include "db.h"
#include "opts.h"
#include "output.h"
#include "scope.h"
#include "sites.h"
#include "sql.h"
#include "suppress.h"
#include "leaks.h"
#include "result.h"
#include "render.h"

#include <stdlib.h>
#include <string.h>

const char cmd_leaks_usage[] =
	"leaks [options] TRACE|DB\n\n"
	"Blocks never freed, as memcheck judges them when their process exits: definitely\n"
	"lost (nothing points to them), indirectly lost (only lost blocks do), possibly lost\n"
	"(only pointers into their middle do), not scanned (a process killed by a signal,\n"
	"device memory: not judged, counted as lost), and with --reachable still reachable\n"
	"(a global, a stack or TLS still points to them). Grouped by allocation site\n"
	"(process, device, space, stack, kind; stacks whose frames read the same are one\n"
	"site), the most bytes first; the table ends with the lost total and valgrind's LEAK\n"
	"SUMMARY. --format json prints an array of sites, each with kind, blocks, bytes, pid,\n"
	"device (-1: host), space, frames (innermost first, every one; inlined calls are\n"
	"frames of their own, with \"inlined\": true) and site, the index of the first frame\n"
	"that is the program's: past the allocator, libc, the C++ runtime and the recorder\n"
	"(else the first in the executable, else 0). Tables start each site there and stop\n"
	"before the frames below main (--all-frames: every frame). Blocks that were live when\n"
	"their device was closed are not leaks: the table lists them apart, and JSON and CSV\n"
	"list them after the leaks with \"ended\": \"device_close\" (kind null). Of those, the\n"
	"blocks allocated after the device's setup (its baseline: up to mtrec_device_ready,\n"
	"else to the first mark after the open) are held to close (\"held_to_close\": true):\n"
	"suspects, listed first with their stacks (mtan check --fail-held fails on them).\n"
	"--since/--until keep the blocks allocated in the window, --device and --space those\n"
	"of a device or space. --format csv prints a row per site: kind, bytes, blocks, pid,\n"
	"device, space, the function, file and line of the site's frame (where the table\n"
	"starts), frames (every frame's name, innermost first, separated by ';'), ended\n"
	"(empty for leaks, device_close) and held_to_close (empty, 0 or 1). Leaks a suppression\n"
	"matches are left out and counted in the summary's 'suppressed' line (on stderr with\n"
	"csv and json); see mtan check --help for the format and the built-in list. A trace\n"
	"recorded with mtrec --sample-stacks has stacks for a sample of the blocks: the sites'\n"
	"blocks and bytes are estimates, marked '~' (JSON: \"estimated\": true with\n"
	"sampled_blocks and sampled_bytes), the totals exact (SCHEMA.md, Sampled stacks).";

/* --since/--until: the blocks allocated in the window (all of them without one) */
static struct mtan_window win;

static int reachable; /* --reachable: list still reachable sites too */
static long long sampled; /* the trace's --sample-stacks mean: leak sites are estimates */

static int take_reachable(struct mtan_opts *o, const char *arg)
{
	(void)o;
	(void)arg;
	reachable = 1;
	return 0;
}

static const struct mtan_extra own[] = {
	{{"reachable", no_argument, NULL, 1400},
	 "  --reachable           list the still reachable sites too (all the kinds, as\n"
	 "                        valgrind shows them with show-leak-kinds=all)", take_reachable},
	{{0, 0, 0, 0}, NULL, NULL},
};

/* The sites of r for people: a line each (estimates marked ~) and its stack; verb: what
 * the line says of released blocks. */
static int print_sites(sqlite3 *db, const struct mtan_opts *o, const struct mtan_result *r, const char *verb)
{
	for (size_t i = 0; i < r->nrows; i++) {
		char a[32], b[32], dev[16];
		const char *kind = mtan_result_get_text(r, i, MTAN_LEAK_KIND);
		int est = mtan_result_cell(r, i, MTAN_LEAK_ESTIMATED)->type != MTAN_CELL_ABSENT;
		long long blocks = mtan_result_get_int(r, i, MTAN_LEAK_BLOCKS, 0);
		long long bytes = mtan_result_get_int(r, i, MTAN_LEAK_BYTES, 0);
		long long device = mtan_result_get_int(r, i, MTAN_LEAK_DEVICE, 0);
		mtan_prose(stdout, "%s%s%s bytes in %s%s %s %s (pid %lld, %s%s %s)\n", i ? "\n" : "",
			   est ? "~" : "", mtan_count(a, (uint64_t)bytes), est ? "~" : "",
			   mtan_count(b, (uint64_t)blocks), blocks == 1 ? "block" : "blocks",
			   kind ? mtan_leak_kind_words(mtan_leak_kind(kind)) : verb,
			   mtan_result_get_int(r, i, MTAN_LEAK_PID, 0), device == -1 ? "" : "device ",
			   mtan_device_name(dev, device), mtan_result_get_text(r, i, MTAN_LEAK_SPACE));
		if (mtan_print_frames(db, o, mtan_result_get_int(r, i, MTAN_LEAK_STACK, -1)))
			return -1;
	}
	return 0;
}

/* The sites of a query in this command's window and options. */
static int sites_of(sqlite3 *db, const struct mtan_opts *o, int released, int held, long long shown,
		    struct mtan_result **out, long long *lost, long long *all)
{
	struct mtan_leak_query q = {&win, released, reachable, held, shown, -1};
	mtan_result_free(*out);
	*out = NULL;
	return mtan_leak_sites(db, o, &q, out, lost, all);
}

/* A sampled trace: what its leak sites' figures are. Table: a line after the sites;
 * CSV and JSON: on stderr (their output holds the sites only). 0, or -1 (reported). */
static int sampling_note(sqlite3 *db, const struct mtan_opts *o)
{
	sqlite3_stmt *st;
	if (!sampled || o->quiet)
		return 0;
	if (mtan_prepare(db, "leaks", "unsampled", &st))
		return -1;
	mtan_bind_scope(st, o, &win);
	int i = sqlite3_bind_parameter_index(st, ":reachable");
	if (i)
		sqlite3_bind_int(st, i, reachable);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		char a[32], b[32], text[400];
		snprintf(text, sizeof text,
			 "sites are estimates (~) from sampled stacks (mtrec --sample-stacks %lld): "
			 "each about +-sqrt(%lld / its bytes) (one standard error); the %s bytes in %s "
			 "blocks without a stack are in them, the totals are exact",
			 sampled, sampled, mtan_count(a, (uint64_t)sqlite3_column_int64(st, 1)),
			 mtan_count(b, (uint64_t)sqlite3_column_int64(st, 0)));
		if (o->format == MTAN_TABLE)
			mtan_prose(stdout, "%s\n\n", text);
		else
			mtan_note("%s", text);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : mtan_sqlerr(db, "cannot read the database");
}

/* The blocks held to close in scope (allocated after their device's baseline). */
static int held_total(sqlite3 *db, const struct mtan_opts *o, long long *held)
{
	sqlite3_stmt *st;
	if (mtan_prepare(db, "leaks", "held_totals", &st))
		return -1;
	mtan_bind_scope(st, o, &win);
	int rc = sqlite3_step(st);
	*held = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : mtan_sqlerr(db, "cannot read the database");
}

/* Where the setup of each device that held blocks to close ended. */
static int print_baselines(sqlite3 *db, const struct mtan_opts *o)
{
	sqlite3_stmt *st;
	int rc;
	if (mtan_prepare(db, "leaks", "baselines", &st))
		return -1;
	mtan_bind_scope(st, o, &win);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char dev[16];
		const char *how = (const char *)sqlite3_column_text(st, 2);
		const char *label = (const char *)sqlite3_column_text(st, 4);
		printf("device %s (pid %lld): setup ended at ", mtan_device_name(dev, sqlite3_column_int64(st, 1)),
		       sqlite3_column_int64(st, 0));
		if (how && !strcmp(how, "ready"))
			fputs("mtrec_device_ready", stdout);
		else
			printf("mark '%s' (no mtrec_device_ready)", label ? label : "");
		printf(", seq %lld\n", sqlite3_column_int64(st, 3));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return mtan_sqlerr(db, "cannot read the database");
	putchar('\n');
	return 0;
}

int cmd_leaks(int argc, char **argv)
{
	struct mtan_opts o;
	struct mtan_extra extra[16];
	const struct mtan_extra *lists[] = {own, mtan_skip_options, mtan_scope_options, mtan_window_options,
					    mtan_supp_options, NULL};
	struct mtan_result *l = NULL, *rel = NULL;
	long long lost = -1, all = -1;
	struct mtan_leaks t;
	sqlite3 *db = NULL;
	reachable = 0;
	sampled = 0;
	mtan_join_options(extra, 15, lists);
	int ret = mtan_parse(argc, argv, "leaks", cmd_leaks_usage, extra, &o);
	if (ret != MTAN_GO)
		return ret;
	ret = 1;
	if (mtan_open(&o, &db, NULL, NULL) || mtan_window(db, &o, &win))
		goto out;
	sampled = mtan_meta_int(db, "sample_bytes", 0);
	if (sites_of(db, &o, 0, -1, 0, &l, &lost, &all) || mtan_leak_totals(db, &o, &win, &t))
		goto out;
	if (o.format == MTAN_CSV || o.format == MTAN_JSON) {
		/* the contract: the leak sites, then the released ones within one --limit; in JSON
		 * the top-level value is their array, nothing else */
		if (sites_of(db, &o, 1, -1, (long long)l->nrows, &rel, NULL, NULL) || mtan_result_take(l, rel) ||
		    mtan_render(l, o.format, stdout))
			goto out;
	} else {
		char a[32], b[32], c[32], d[32] = "";
		long long held = 0;
		long long sites = lost >= 0 ? lost : t.sites;
		long long listed = all >= 0 ? all : sites + (reachable ? t.kind_sites[MTAN_REACHABLE] : 0);
		if (print_sites(db, &o, l, NULL) || held_total(db, &o, &held))
			goto out;
		if (l->nrows)
			putchar('\n');
		if ((long long)l->nrows < listed)
			snprintf(d, sizeof d, " (%zu shown)", l->nrows);
		/* the lost total: what summary calls leaked and check fails on */
		mtan_prose(stdout, "leaked: %s bytes in %s %s at %s %s%s\n\n", mtan_count(a, (uint64_t)t.bytes),
			   mtan_count(b, (uint64_t)t.blocks), t.blocks == 1 ? "block" : "blocks",
			   mtan_count(c, (uint64_t)sites), sites == 1 ? "site" : "sites", d);
		if (sampling_note(db, &o))
			goto out;
		if (mtan_leak_summary(stdout, db, &o, &win, &t))
			goto out;
		if (held) {
			mtan_prose(stdout, "\nheld to close (suspects: allocated after their device's setup, still live when it closed)\n\n");
			if (print_baselines(db, &o) || sites_of(db, &o, 1, 1, 0, &rel, NULL, NULL) ||
			    print_sites(db, &o, rel, "held to close"))
				goto out;
		}
		if (t.released > held) {
			printf("\nreleased by device close (not leaks)\n\n");
			if (sites_of(db, &o, 1, 0, 0, &rel, NULL, NULL) || print_sites(db, &o, rel, "released"))
				goto out;
		}
	}
	/* CSV and JSON hold the sites only: sampling and what was suppressed are said on stderr */
	if (o.format != MTAN_TABLE && sampling_note(db, &o))
		goto out;
	if (o.format != MTAN_TABLE && !o.quiet && t.supp_blocks) {
		char a[32], b[32];
		mtan_note("suppressed: %s bytes in %s blocks", mtan_count(a, (uint64_t)t.supp_bytes),
			  mtan_count(b, (uint64_t)t.supp_blocks));
	}
	ret = 0;
out:
	mtan_result_free(l);
	mtan_result_free(rel);
	sqlite3_close(db);
	return ret;
}
