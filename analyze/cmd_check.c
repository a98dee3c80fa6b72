/* cmd_check.c: `mtan check`: one verdict for a CI job. Fails (exit 1) on leaked bytes over
 * --max-leaked that no suppression (LeakSanitizer's format) covers, and on anomalies
 * (unmatched and double frees, allocations over live blocks, address-reuse races), and on
 * live memory that grows (growth.c's verdict); prints one line per failed check, or "ok". */
#include "commands.h"
#include "db.h"
#include "growth.h"
#include "load.h"
#include "opts.h"
#include "output.h"
#include "scope.h"
#include "sql.h"
#include "suppress.h"
#include "trend.h"
#include "result.h"
#include "rows.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char cmd_check_usage[] =
	"check [options] TRACE|DB\n\n"
	"Exits 1 when the trace shows what a CI job should fail on, printing one line per\n"
	"failed check; prints 'ok' and exits 0 when it shows none. The checks:\n"
	"  leaks            lost bytes over --max-leaked (default 0): blocks never freed that\n"
	"                   memcheck calls definitely, indirectly or possibly lost at exit,\n"
	"                   and those not scanned (a process killed by a signal, device\n"
	"                   memory), leaving out the sites a suppression matches\n"
	"  reachable        still reachable bytes at exit (a global or a stack still points\n"
	"                   to them), judged only with --max-reachable\n"
	"  unmatched_free   frees of addresses that were not live\n"
	"  double_free      second frees of a block\n"
	"  alloc_over_live  allocations at an address still live (a free was not seen)\n"
	"  reuse_race       address-reuse races (an allocator numbered events outside its lock)\n"
	"  growth           devices and spaces whose live bytes grow (mtan growth's verdict:\n"
	"                   growth, not plateau or sawtooth; --no-growth leaves it out)\n"
	"  held_to_close    with --fail-held: blocks still live when their device closed that\n"
	"                   were allocated after its setup (mtrec_device_ready, else the first\n"
	"                   mark after the open); the setup's own blocks are never counted\n"
	"Suppressions are LeakSanitizer's, and every command that reports leaks (summary,\n"
	"leaks, top, report, diff, check, export --folded) applies the same set: lines\n"
	"'leak:PATTERN' ('#' starts a comment); a leak is suppressed when PATTERN matches the\n"
	"function, the module path or the source file of any frame of its stack (a frame\n"
	"without a function: its name as 'module+0xoffset'). PATTERN matches as a substring;\n"
	"'*' matches anything, '^' and '$' anchor it. Built in (unless\n"
	"--no-default-suppressions): what glibc and libstdc++ keep for the life of the\n"
	"process, which LeakSanitizer does not report either: stdio's buffers\n"
	"(_IO_file_doallocate), threads' TLS vectors (_dl_allocate_tls), LeakSanitizer's own\n"
	"*pthread_exit*, *_dl_map_object_deps* and *tls_get_addr*, what the constructors of\n"
	"the libraries loaded before main keep (_dl_start_user: libstdc++'s 72,704-byte\n"
	"exception pool; not a library dlopen'ed later, nor the program's own constructors),\n"
	"tzset's time zone (tzset_internal, __tzfile_read), ld.so's records of a dlopen'ed\n"
	"library (dl_open_worker_begin, _dl_map_object, _dl_new_object; its constructors are\n"
	"judged), backtrace()'s libgcc_s (__libc_unwind_link_get), nss (its databases, modules\n"
	"and actions; the static buffers of getpwuid and such: getXXbyYY.c, getXXent.c),\n"
	"gconv (its configuration, cache and modules: __gconv_read_conf, __gconv_load_cache,\n"
	"__gconv_find_shlib, __gconv_get_path), the locale (_nl_find_locale,\n"
	"_nl_load_locale_from_archive, _nl_intern_locale_data, _nl_make_l10nflist) and\n"
	"atexit's list (__new_exitfn). What each suppression matched is noted on stderr (not\n"
	"with -q). --device and --space judge only that device or space (leaks, anomalies,\n"
	"growth). --format csv or json lists every check: check, failed (0 or 1), value\n"
	"(bytes for leaks, reachable and suppressed, else a count), limit (null: none) and\n"
	"message; the row 'suppressed' (never failed) gives what the suppressions took out.";

static int no_growth, fail_held;
static long long max_leaked;

/* BYTES, or with a binary unit: 512, 64K, 1.5MiB, 2G (K, KB and KiB alike, any case).
 * -1 when it is none of those. */
static long long parse_bytes(const char *s)
{
	static const char units[] = "KMGT";
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || !(v >= 0) || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	const char *u = *end ? strchr(units, toupper((unsigned char)*end)) : NULL;
	if (u) {
		for (long i = 0; i <= u - units; i++)
			v *= 1024;
		end++;
		if (!strcasecmp(end, "iB"))
			end += 2;
	}
	if (*end && strcasecmp(end, "B"))
		return -1;
	return v > 9e18 ? -1 : (long long)v;
}

static int take_max(struct mtan_opts *o, const char *arg)
{
	(void)o;
	return (max_leaked = parse_bytes(arg)) < 0 ? -1 : 0;
}

static long long max_reachable = -1; /* --max-reachable; -1: still reachable memory is not judged */

static int take_max_reachable(struct mtan_opts *o, const char *arg)
{
	(void)o;
	return (max_reachable = parse_bytes(arg)) < 0 ? -1 : 0;
}

static int take_no_growth(struct mtan_opts *o, const char *arg)
{
	(void)o;
	(void)arg;
	no_growth = 1;
	return 0;
}

static int take_fail_held(struct mtan_opts *o, const char *arg)
{
	(void)o;
	(void)arg;
	fail_held = 1;
	return 0;
}

static const struct mtan_extra own[] = {
	{{"max-leaked", required_argument, NULL, 256}, "  --max-leaked BYTES    fail only above BYTES leaked (K, M, G: binary units; default 0)", take_max},
	{{"max-reachable", required_argument, NULL, 261}, "  --max-reachable BYTES fail above BYTES still reachable at exit too (not judged\n"
	 "                        by default: a cache or a global table is not a leak)", take_max_reachable},
	{{"no-growth", no_argument, NULL, 259}, "  --no-growth           do not judge growth (short runs, or growth by design)", take_no_growth},
	{{"fail-held", no_argument, NULL, 260}, "  --fail-held           fail on blocks held to device close past its setup", take_fail_held},
	{{0, 0, 0, 0}, NULL, NULL},
};

struct verdict {
	struct mtan_leaks leaks;         /* leaks: those no suppression covers, and the suppressed */
	long long anomalies[8];
	long long growing;               /* devices and spaces whose live bytes grow */
	long long held_blocks, held_bytes; /* held to device close past its setup (--fail-held) */
	char growth[512];                /* which, and how fast */
};

/* mtan_growth's callback: notes each device and space judged growth. */
static int on_growth(void *ctx, const struct mtan_growth *g, sqlite3_stmt *sites)
{
	struct verdict *v = ctx;
	char dev[16], rate[32];
	(void)sites;
	if (g->v.verdict != MTAN_GROWTH)
		return 0;
	size_t len = strlen(v->growth);
	snprintf(v->growth + len, sizeof v->growth - len, "%s%s%s %s grows at %s/s", len ? "; " : "",
		 g->device == -1 ? "" : "device ", mtan_device_name(dev, g->device), g->space ? g->space : "?",
		 mtan_size(rate, g->v.rate > 0 ? (uint64_t)g->v.rate : 0));
	v->growing++;
	return 0;
}

static int judge(sqlite3 *db, const struct mtan_opts *o, struct verdict *v)
{
	sqlite3_stmt *st = NULL;
	int ret = -1, rc;
	if (mtan_leak_totals(db, o, NULL, &v->leaks) || mtan_prepare(db, "check", "anomalies", &st))
		goto out;
	mtan_bind_scope(st, o, NULL);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 0);
		for (int i = 0; i < 8 && mtan_anomaly_kinds[i]; i++)
			if (kind && !strcmp(kind, mtan_anomaly_kinds[i]))
				v->anomalies[i] = sqlite3_column_int64(st, 1);
	}
	if (rc != SQLITE_DONE)
		goto sqlerr;
	if (fail_held) {
		sqlite3_finalize(st);
		if (mtan_prepare(db, "check", "held", &st))
			goto out;
		mtan_bind_scope(st, o, NULL);
		if (sqlite3_step(st) != SQLITE_ROW)
			goto sqlerr;
		v->held_blocks = sqlite3_column_int64(st, 0);
		v->held_bytes = sqlite3_column_int64(st, 1);
	}
	ret = 0;
	goto out;
sqlerr:
	mtan_sqlerr(db, "cannot read the database");
out:
	sqlite3_finalize(st);
	return ret;
}

/* What each anomaly kind is, in the line of a failed check. */
static const char *anomaly_what(const char *kind, long long n)
{
	if (!strcmp(kind, "unmatched_free"))
		return n == 1 ? "free of an address that was not live" : "frees of addresses that were not live";
	if (!strcmp(kind, "double_free"))
		return n == 1 ? "second free of a block" : "second frees of blocks";
	if (!strcmp(kind, "alloc_over_live"))
		return n == 1 ? "allocation at a live address" : "allocations at live addresses";
	if (!strcmp(kind, "reuse_race"))
		return n == 1 ? "address-reuse race" : "address-reuse races";
	return "anomalies";
}

static int report(const struct mtan_opts *o, const struct verdict *v)
{
	static const struct mtan_col cols[] = {
		{"check", NULL, MTAN_K_TEXT}, {"failed", NULL, MTAN_K_INT}, {"value", NULL, MTAN_K_INT},
		{"limit", NULL, MTAN_K_INT}, {"message", NULL, MTAN_K_TEXT},
	};
	struct mtan_rows *r = NULL;
	int failed = 0;
	if (o->format != MTAN_TABLE && !(r = mtan_rows_new(cols, 5, o->format, stdout))) {
		mtan_err("out of memory");
		return -1;
	}
	char msg[600], a[32], b[32], c[32];
	const struct mtan_leaks *l = &v->leaks;
	int leak_fail = l->bytes > max_leaked;
	snprintf(msg, sizeof msg, "%s bytes in %s %s at %s %s%s%lld", mtan_count(a, (uint64_t)l->bytes),
		 mtan_count(b, (uint64_t)l->blocks), l->blocks == 1 ? "block" : "blocks",
		 mtan_count(c, (uint64_t)l->sites), l->sites == 1 ? "site" : "sites",
		 leak_fail ? ", over --max-leaked " : ", within --max-leaked ", max_leaked);
	failed += leak_fail;
	if (r) {
		mtan_rows_text(r, "leaks");
		mtan_rows_int(r, leak_fail);
		mtan_rows_int(r, l->bytes);
		mtan_rows_int(r, max_leaked);
		mtan_rows_text(r, msg);
		/* what the suppressions took out: never a failure, never silent */
		snprintf(msg, sizeof msg, "%s bytes in %s blocks", mtan_count(a, (uint64_t)l->supp_bytes),
			 mtan_count(b, (uint64_t)l->supp_blocks));
		mtan_rows_text(r, "suppressed");
		mtan_rows_int(r, 0);
		mtan_rows_int(r, l->supp_bytes);
		mtan_rows_null(r);
		mtan_rows_text(r, msg);
	} else if (leak_fail) {
		printf("leaks: %s\n", msg);
	}
	/* still reachable memory: judged only under --max-reachable */
	long long rb = l->kind_bytes[MTAN_REACHABLE], rn = l->kind_blocks[MTAN_REACHABLE];
	int reach_fail = max_reachable >= 0 && rb > max_reachable;
	if (max_reachable >= 0)
		snprintf(msg, sizeof msg, "%s bytes in %s %s, %s --max-reachable %lld", mtan_count(a, (uint64_t)rb),
			 mtan_count(b, (uint64_t)rn), rn == 1 ? "block" : "blocks", reach_fail ? "over" : "within",
			 max_reachable);
	else
		snprintf(msg, sizeof msg, "%s bytes in %s %s, not judged (no --max-reachable)",
			 mtan_count(a, (uint64_t)rb), mtan_count(b, (uint64_t)rn), rn == 1 ? "block" : "blocks");
	failed += reach_fail;
	if (r) {
		mtan_rows_text(r, "reachable");
		mtan_rows_int(r, reach_fail);
		mtan_rows_int(r, rb);
		if (max_reachable >= 0)
			mtan_rows_int(r, max_reachable);
		else
			mtan_rows_null(r);
		mtan_rows_text(r, msg);
	} else if (reach_fail) {
		printf("reachable: %s\n", msg);
	}
	for (int i = 0; i < 8 && mtan_anomaly_kinds[i]; i++) {
		long long n = v->anomalies[i];
		snprintf(msg, sizeof msg, "%s %s", mtan_count(a, (uint64_t)n), anomaly_what(mtan_anomaly_kinds[i], n));
		failed += n > 0;
		if (r) {
			mtan_rows_text(r, mtan_anomaly_kinds[i]);
			mtan_rows_int(r, n > 0);
			mtan_rows_int(r, n);
			mtan_rows_int(r, 0);
			mtan_rows_text(r, msg);
		} else if (n) {
			printf("%s: %s\n", mtan_anomaly_kinds[i], msg);
		}
	}
	if (!no_growth) {
		if (v->growing)
			snprintf(msg, sizeof msg, "%s", v->growth);
		else
			snprintf(msg, sizeof msg, "no device or space grows");
		failed += v->growing > 0;
		if (r) {
			mtan_rows_text(r, "growth");
			mtan_rows_int(r, v->growing > 0);
			mtan_rows_int(r, v->growing);
			mtan_rows_int(r, 0);
			mtan_rows_text(r, msg);
		} else if (v->growing) {
			printf("growth: %s\n", msg);
		}
	}
	if (fail_held) {
		snprintf(msg, sizeof msg, "%s bytes in %s %s held to device close past its setup",
			 mtan_count(a, (uint64_t)v->held_bytes), mtan_count(b, (uint64_t)v->held_blocks),
			 v->held_blocks == 1 ? "block" : "blocks");
		failed += v->held_blocks > 0;
		if (r) {
			mtan_rows_text(r, "held_to_close");
			mtan_rows_int(r, v->held_blocks > 0);
			mtan_rows_int(r, v->held_blocks);
			mtan_rows_int(r, 0);
			mtan_rows_text(r, msg);
		} else if (v->held_blocks) {
			printf("held_to_close: %s\n", msg);
		}
	}
	if (r) {
		int rc = mtan_rows_end(r);
		mtan_rows_free(r);
		if (rc)
			return -1;
	} else if (!failed) {
		puts("ok");
	}
	return failed;
}

int cmd_check(int argc, char **argv)
{
	struct mtan_opts o;
	struct verdict v = {0};
	sqlite3 *db = NULL;
	no_growth = fail_held = 0;
	max_leaked = 0;
	max_reachable = -1;
	struct mtan_extra extra[16];
	const struct mtan_extra *lists[] = {own, mtan_supp_options, mtan_scope_options, NULL};
	mtan_join_options(extra, 15, lists);
	int ret = mtan_parse(argc, argv, "check", cmd_check_usage, extra, &o);
	if (ret != MTAN_GO)
		return ret;
	ret = 1;
	if (mtan_open(&o, &db, NULL, NULL) || judge(db, &o, &v))
		goto out;
	struct mtan_window w;
	if (!no_growth && (mtan_window(db, &o, &w) || mtan_growth(db, &o, &w, on_growth, &v)))
		goto out;
	if (!o.quiet && mtan_suppressed_notes(db, &o))
		goto out;
	int failed = report(&o, &v);
	ret = failed != 0; /* findings and errors alike: 1 */
out:
	sqlite3_close(db);
	return ret;
}
