/* cmd_diff.c: `mtan diff A B`: which leak sites changed between two runs (before and after
 * a fix, or two versions). Sites are matched by their symbolized frames, function names
 * (else module+offset), never addresses: ASLR moves those from run to run. */
#include "commands.h"
#include "db.h"
#include "opts.h"
#include "output.h"
#include "scope.h"
#include "sites.h"
#include "sql.h"
#include "suppress.h"
#include "result.h"
#include "render.h"
#include "rows.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

const char cmd_diff_usage[] =
	"diff [options] BEFORE AFTER\n\n"
	"Compares the leaks of two traces (or databases) site by site: a site is a device, a\n"
	"space and a stack, matched between the runs by its frames' function names (a frame\n"
	"without one: module+0xoffset), so the same code matches whatever addresses it had.\n"
	"Each site is new (leaks only AFTER), fixed (only BEFORE), grown, shrunk or unchanged;\n"
	"new and fixed sites come first, then the biggest changes. The table shows each site\n"
	"from its first frame past the allocator and runtime to main, callers after '<'.\n"
	"Leaks are the lost ones (not still reachable) that no suppression matches, as in\n"
	"leaks; the same suppressions apply to both traces. --pid applies\n"
	"to both traces. --format csv: status, device, space, bytes_before, bytes_after,\n"
	"blocks_before, blocks_after, site, frames (every frame, innermost first, ';'\n"
	"between); --format json: an array of objects with status, device, space, before and\n"
	"after ({blocks, bytes}), site (the index of the site's frame) and frames (names).\n"
	"The table ends with the growth verdicts that changed (mtan growth's, judged at load):\n"
	"growth -> plateau or sawtooth is fixed, the other way new, other changes changed.\n"
	"--growth compares only the verdicts, every device and space: status (fixed, new,\n"
	"changed, unchanged), device, space, before and after (the verdicts; null where the\n"
	"run has no such space), in every format.";

static int growth_only;
static int take_growth(struct mtan_opts *o, const char *arg)
{
	(void)o;
	(void)arg;
	growth_only = 1;
	return 0;
}
static const struct mtan_extra own[] = {
	{{"growth", no_argument, NULL, 256}, "  --growth              compare the growth verdicts only", take_growth},
	{{0, 0, 0, 0}, NULL, NULL},
};

/* A device and space's growth verdict in each run (NULL: not in that run). */
struct gverdict {
	long long device;
	char *space, *verdict[2];
	int status;
};
struct gverdicts {
	struct gverdict *v;
	size_t n, cap;
};
enum { G_FIXED, G_NEW, G_CHANGED, G_UNCHANGED };
static const char *const gstatus_name[] = {"fixed", "new", "changed", "unchanged"};

/* Adds side's verdicts (the table growth) to out, matched by device and space. */
static int gather_growth(sqlite3 *db, int side, struct gverdicts *out)
{
	sqlite3_stmt *st = NULL;
	int rc;
	if (mtan_prepare(db, "diff", "growth", &st))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long dev = sqlite3_column_int64(st, 0);
		const char *space = (const char *)sqlite3_column_text(st, 1);
		const char *verdict = (const char *)sqlite3_column_text(st, 2);
		struct gverdict *g = NULL;
		for (size_t i = 0; i < out->n && !g; i++)
			if (out->v[i].device == dev && !strcmp(out->v[i].space, space ? space : ""))
				g = &out->v[i];
		if (!g) {
			if (out->n == out->cap) {
				size_t cap = out->cap ? out->cap * 2 : 16;
				struct gverdict *p = realloc(out->v, cap * sizeof(*p));
				if (!p)
					goto nomem;
				out->v = p;
				out->cap = cap;
			}
			g = &out->v[out->n++];
			memset(g, 0, sizeof(*g));
			g->device = dev;
			if (!(g->space = strdup(space ? space : "")))
				goto nomem;
		}
		free(g->verdict[side]);
		if (!(g->verdict[side] = strdup(verdict ? verdict : "")))
			goto nomem;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : mtan_sqlerr(db, "cannot read the database");
nomem:
	sqlite3_finalize(st);
	mtan_err("out of memory");
	return -1;
}

static int is_growth(const char *v)
{
	return v && !strcmp(v, "growth");
}

static void growth_status(struct gverdicts *g)
{
	for (size_t i = 0; i < g->n; i++) {
		struct gverdict *v = &g->v[i];
		const char *a = v->verdict[0], *b = v->verdict[1];
		if (is_growth(a) && !is_growth(b))
			v->status = b ? G_FIXED : G_CHANGED; /* gone from the run: not a fix */
		else if (!is_growth(a) && is_growth(b))
			v->status = G_NEW;
		else if (a && b && !strcmp(a, b))
			v->status = G_UNCHANGED;
		else
			v->status = G_CHANGED;
	}
}

/* --growth: every verdict in the format asked for; else (table) the changed ones. */
static int print_growth(const struct gverdicts *g, const struct mtan_opts *o, int changes_only)
{
	static const struct mtan_col cols[] = {
		{"status", NULL, MTAN_K_TEXT}, {"device", NULL, MTAN_K_DEVICE}, {"space", NULL, MTAN_K_TEXT},
		{"before", NULL, MTAN_K_TEXT}, {"after", NULL, MTAN_K_TEXT},
	};
	if (o->format == MTAN_JSON) {
		fputs("[", stdout);
		for (size_t i = 0; i < g->n; i++) {
			const struct gverdict *v = &g->v[i];
			printf("%s{\"status\": \"%s\", \"device\": %lld, \"space\": ", i ? ",\n " : "",
			       gstatus_name[v->status], v->device);
			mtan_json_str(stdout, v->space);
			fputs(", \"before\": ", stdout);
			mtan_json_str(stdout, v->verdict[0]);
			fputs(", \"after\": ", stdout);
			mtan_json_str(stdout, v->verdict[1]);
			fputs("}", stdout);
		}
		fputs("]\n", stdout);
		return 0;
	}
	if (changes_only) {
		int n = 0;
		char dev[16];
		for (size_t i = 0; i < g->n; i++) {
			const struct gverdict *v = &g->v[i];
			if (v->status == G_UNCHANGED)
				continue;
			printf("%s%s%s%s %s: %s -> %s (%s)\n", n++ ? "" : "growth:\n", "  ", v->device == -1 ? "" : "device ",
			       mtan_device_name(dev, v->device), v->space, v->verdict[0] ? v->verdict[0] : "none",
			       v->verdict[1] ? v->verdict[1] : "none", gstatus_name[v->status]);
		}
		if (!n)
			printf("growth: no verdict changed\n");
		return 0;
	}
	struct mtan_rows *r = mtan_rows_new(cols, 5, o->format, stdout);
	if (!r) {
		mtan_err("out of memory");
		return -1;
	}
	for (size_t i = 0; i < g->n; i++) {
		const struct gverdict *v = &g->v[i];
		mtan_rows_text(r, gstatus_name[v->status]);
		mtan_rows_int(r, v->device);
		mtan_rows_text(r, v->space);
		for (int k = 0; k < 2; k++)
			if (v->verdict[k])
				mtan_rows_text(r, v->verdict[k]);
			else
				mtan_rows_null(r);
	}
	int ret = mtan_rows_end(r);
	mtan_rows_free(r);
	return ret;
}

enum { NEW, FIXED, GROWN, SHRUNK, UNCHANGED };
static const char *const status_name[] = {"new", "fixed", "grown", "shrunk", "unchanged"};

struct dsite {
	char *key;    /* device, space and frame names: what matches between runs */
	long long device;
	char *space;
	char **names; /* frame names, innermost first */
	int n, site;
	long long blocks[2], bytes[2];
	int status;
};

struct dsites {
	struct dsite *v;
	size_t n, cap;
};

static void dsite_release(struct dsite *s)
{
	free(s->key);
	free(s->space);
	for (int i = 0; i < s->n; i++)
		free(s->names[i]);
	free(s->names);
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const struct dsite *)a)->key, ((const struct dsite *)b)->key);
}

/* 1: a side's frames without a function have no offset either (an import from heaptrack
 * or a CSV, whose frames are named or bare modules): such frames are their module on both
 * sides, or the same code would not match. */
static int coarse;

/* A frame's name (mtan_frame_label): the module alone for an unnamed frame when coarse.
 * malloc'd. */
static char *frame_name(sqlite3_stmt *fr)
{
	return mtan_frame_label((const char *)sqlite3_column_text(fr, 0), (const char *)sqlite3_column_text(fr, 1),
				(uint64_t)sqlite3_column_int64(fr, 2), (uint64_t)sqlite3_column_int64(fr, 3), coarse);
}

/* The sites of one trace (side 0: before, 1: after), one entry per key. */
static int gather(sqlite3 *db, const struct mtan_opts *o, int side, struct dsites *out)
{
	sqlite3_stmt *st = NULL, *fr = NULL;
	int ret = -1, rc;
	char *key = NULL;
	size_t klen = 0;
	if (mtan_prepare(db, "diff", "sites", &st) || mtan_prepare(db, "diff", "frames", &fr))
		goto out;
	mtan_bind_common(st, o);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n == out->cap) {
			size_t cap = out->cap ? out->cap * 2 : 64;
			struct dsite *p = realloc(out->v, cap * sizeof(*p));
			if (!p)
				goto nomem;
			out->v = p;
			out->cap = cap;
		}
		struct dsite *s = &out->v[out->n];
		memset(s, 0, sizeof(*s));
		out->n++;
		s->device = sqlite3_column_int64(st, 0);
		s->space = strdup((const char *)sqlite3_column_text(st, 1));
		s->blocks[side] = sqlite3_column_int64(st, 3);
		s->bytes[side] = sqlite3_column_int64(st, 4);
		s->site = sqlite3_column_int(st, 5);
		FILE *m = open_memstream(&key, &klen);
		if (!s->space || !m)
			goto nomem;
		fprintf(m, "%lld\037%s\037", s->device, s->space);
		if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
			sqlite3_reset(fr);
			sqlite3_bind_int64(fr, 1, sqlite3_column_int64(st, 2));
			while ((rc = sqlite3_step(fr)) == SQLITE_ROW) {
				char **p = realloc(s->names, (size_t)(s->n + 1) * sizeof(*p));
				char *name = frame_name(fr);
				if (p)
					s->names = p;
				if (!p || !name) {
					free(name);
					fclose(m);
					goto nomem;
				}
				s->names[s->n++] = name;
				/* the runtime's frames past the site (libc's start-up code) are left out
				 * of the match: two symbolizers name them differently (mtrec's symbol
				 * __libc_start_main, heaptrack's DWARF __libc_start_main_impl) */
				if (s->n - 1 <= s->site || !sqlite3_column_int(fr, 4))
					fprintf(m, "%s;", name);
			}
			if (rc != SQLITE_DONE) {
				fclose(m);
				goto sqlerr;
			}
		}
		if (fclose(m) || !key)
			goto nomem;
		s->key = key;
		key = NULL;
	}
	if (rc != SQLITE_DONE)
		goto sqlerr;
	/* stacks that read the same (other processes, or frames without a name) are one site */
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), by_key);
	size_t k = 0;
	for (size_t i = 0; i < out->n; i++) {
		if (k && !strcmp(out->v[k - 1].key, out->v[i].key)) {
			out->v[k - 1].blocks[side] += out->v[i].blocks[side];
			out->v[k - 1].bytes[side] += out->v[i].bytes[side];
			dsite_release(&out->v[i]);
			continue;
		}
		out->v[k++] = out->v[i];
	}
	out->n = k;
	ret = 0;
	goto out;
nomem:
	mtan_err("out of memory");
	goto out;
sqlerr:
	mtan_sqlerr(db, "cannot read the database");
out:
	free(key);
	sqlite3_finalize(st);
	sqlite3_finalize(fr);
	return ret;
}

static long long delta(const struct dsite *s)
{
	long long d = s->bytes[1] - s->bytes[0];
	return d < 0 ? -d : d;
}

static int by_change(const void *a, const void *b)
{
	const struct dsite *x = a, *y = b;
	if (x->status != y->status)
		return x->status - y->status;
	if (delta(x) != delta(y))
		return delta(x) > delta(y) ? -1 : 1;
	long long bx = x->bytes[0] > x->bytes[1] ? x->bytes[0] : x->bytes[1];
	long long by = y->bytes[0] > y->bytes[1] ? y->bytes[0] : y->bytes[1];
	if (bx != by)
		return bx > by ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* Merges the two sides (each sorted by key) into out, moving the entries. */
static int merge(struct dsites *a, struct dsites *b, struct dsites *out)
{
	size_t i = 0, j = 0;
	out->cap = a->n + b->n;
	out->n = 0;
	if (!(out->v = calloc(out->cap ? out->cap : 1, sizeof(*out->v))))
		return -1;
	while (i < a->n || j < b->n) {
		int c = i == a->n ? 1 : j == b->n ? -1 : strcmp(a->v[i].key, b->v[j].key);
		struct dsite *s = &out->v[out->n++];
		if (c < 0) {
			*s = a->v[i++];
		} else if (c > 0) {
			*s = b->v[j++];
		} else {
			*s = b->v[j++]; /* after's frames and site; before's numbers */
			s->blocks[0] = a->v[i].blocks[0];
			s->bytes[0] = a->v[i].bytes[0];
			dsite_release(&a->v[i++]);
		}
		if (!s->bytes[0] && !s->blocks[0])
			s->status = NEW;
		else if (!s->bytes[1] && !s->blocks[1])
			s->status = FIXED;
		else if (s->bytes[1] > s->bytes[0] || (s->bytes[1] == s->bytes[0] && s->blocks[1] > s->blocks[0]))
			s->status = GROWN;
		else if (s->bytes[1] < s->bytes[0] || s->blocks[1] < s->blocks[0])
			s->status = SHRUNK;
		else
			s->status = UNCHANGED;
	}
	a->n = b->n = 0;
	qsort(out->v, out->n, sizeof(*out->v), by_change);
	return 0;
}

/* names[from..n) joined with sep, malloc'd ("" for none); below_main: stop before the
 * frames that call main, as the reports of leaks do. */
static char *joined(const struct dsite *s, int from, const char *sep, int below_main)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	if (!m)
		return NULL;
	for (int i = from; i < s->n && (below_main || !mtan_below_main(s->names[i])); i++)
		fprintf(m, "%s%s", i > from ? sep : "", s->names[i]);
	if (fclose(m)) {
		free(text);
		return NULL;
	}
	return text;
}

/* One side's blocks and bytes of site s, a JSON object's members. */
static struct mtan_result *side_object(const struct dsite *s, int k)
{
	static const struct mtan_col cols[] = {{"blocks", NULL, MTAN_K_INT}, {"bytes", NULL, MTAN_K_INT}};
	struct mtan_result *r = mtan_result_new(cols, 2);
	if (r) {
		mtan_result_int(r, s->blocks[k]);
		mtan_result_int(r, s->bytes[k]);
	}
	return r;
}

/* Site s's frame names, one a row: JSON's list of names. */
static struct mtan_result *name_list(const struct dsite *s)
{
	static const struct mtan_col cols[] = {{"name", NULL, MTAN_K_TEXT}};
	struct mtan_result *r = mtan_result_new(cols, 1);
	for (int k = 0; r && k < s->n; k++)
		mtan_result_text(r, s->names[k]);
	return r;
}

/* Adds a nested result to r's row, or marks r short of memory. */
static void add_rows(struct mtan_result *r, struct mtan_result *sub)
{
	if (sub)
		mtan_result_rows(r, sub);
	else
		r->oom = 1;
}

/* The changed sites (the first limit; -1: all), each format's columns: JSON's before and
 * after objects, site index and names; CSV's site and frames joined with ';' (past main
 * too); the table's site joined with ' < ' up to main. NULL (reported). */
static struct mtan_result *diff_result(const struct dsites *d, long long limit)
{
	static const struct mtan_col cols[] = {
		{"status", NULL, MTAN_K_TEXT}, {"device", NULL, MTAN_K_DEVICE}, {"space", NULL, MTAN_K_TEXT},
		{"before", NULL, MTAN_K_OBJECT}, {"after", NULL, MTAN_K_OBJECT},
		{"bytes_before", "before", MTAN_K_SIZE}, {"bytes_after", "after", MTAN_K_SIZE},
		{"blocks_before", "blocks before", MTAN_K_COUNT}, {"blocks_after", "blocks after", MTAN_K_COUNT},
		{"device", NULL, MTAN_K_DEVICE}, {"space", NULL, MTAN_K_TEXT}, {"site", NULL, MTAN_K_INT},
		{"site", NULL, MTAN_K_TEXT}, {"site", NULL, MTAN_K_TEXT}, {"frames", NULL, MTAN_K_TEXT},
		{"frames", NULL, MTAN_K_LIST},
	};
	enum { CJ = MTAN_SHOW_CSV | MTAN_SHOW_JSON, CT = MTAN_SHOW_CSV | MTAN_SHOW_TABLE, J = MTAN_SHOW_JSON,
	       T = MTAN_SHOW_TABLE, C = MTAN_SHOW_CSV };
	static const int show[] = {0, CJ, CJ, J, J, CT, CT, CT, CT, T, T, J, T, C, C, J};
	struct mtan_result *r = mtan_result_new(cols, 16);
	if (!r) {
		mtan_err("out of memory");
		return NULL;
	}
	for (int c = 0; c < 16; c++)
		mtan_result_show(r, c, show[c]);
	for (size_t i = 0; i < d->n && (limit < 0 || (long long)i < limit); i++) {
		const struct dsite *s = &d->v[i];
		int from = s->site < s->n ? s->site : 0;
		char *table_site = s->n ? joined(s, from, " < ", 0) : strdup("(no stack recorded)");
		char *csv_site = joined(s, from, ";", 1), *frames = joined(s, 0, ";", 1);
		mtan_result_text(r, status_name[s->status]);
		mtan_result_int(r, s->device);
		mtan_result_text(r, s->space);
		add_rows(r, side_object(s, 0));
		add_rows(r, side_object(s, 1));
		mtan_result_int(r, s->bytes[0]);
		mtan_result_int(r, s->bytes[1]);
		mtan_result_int(r, s->blocks[0]);
		mtan_result_int(r, s->blocks[1]);
		mtan_result_int(r, s->device);
		mtan_result_text(r, s->space);
		mtan_result_int(r, from);
		mtan_result_text(r, table_site ? table_site : "");
		mtan_result_text(r, csv_site ? csv_site : "");
		mtan_result_text(r, frames ? frames : "");
		add_rows(r, name_list(s));
		if (!table_site || !csv_site || !frames)
			r->oom = 1;
		free(table_site);
		free(csv_site);
		free(frames);
	}
	if (mtan_result_ok(r)) {
		mtan_result_free(r);
		return NULL;
	}
	return r;
}

/* The totals under the table: each side's leaks, what the suppressions took out of each,
 * and how many sites of each status. */
static void print_totals(const struct dsites *d, const long long supp[2][2])
{
	long long bytes[2] = {0}, blocks[2] = {0}, sites[2] = {0}, count[5] = {0};
	char a[32], b[32];
	for (size_t i = 0; i < d->n; i++) {
		for (int k = 0; k < 2; k++) {
			bytes[k] += d->v[i].bytes[k];
			blocks[k] += d->v[i].blocks[k];
			sites[k] += d->v[i].bytes[k] || d->v[i].blocks[k];
		}
		count[d->v[i].status]++;
	}
	printf("\n");
	for (int k = 0; k < 2; k++)
		printf("%s %s bytes in %s %s at %lld %s\n", k ? "after: " : "before:", mtan_count(a, (uint64_t)bytes[k]),
		       mtan_count(b, (uint64_t)blocks[k]), blocks[k] == 1 ? "block" : "blocks", sites[k],
		       sites[k] == 1 ? "site" : "sites");
	if (supp[0][0] || supp[1][0]) {
		char c[32], e[32];
		printf("suppressed: before %s bytes in %s blocks, after %s bytes in %s blocks\n",
		       mtan_count(a, (uint64_t)supp[0][1]), mtan_count(b, (uint64_t)supp[0][0]),
		       mtan_count(c, (uint64_t)supp[1][1]), mtan_count(e, (uint64_t)supp[1][0]));
	}
	printf("sites:  ");
	for (int s = 0; s < 5; s++)
		printf("%s%lld %s", s ? ", " : "", count[s], status_name[s]);
	printf("\n");
}

int cmd_diff(int argc, char **argv)
{
	static const char *const names[] = {"BEFORE (a trace or database)", "AFTER (a trace or database)"};
	struct mtan_opts o;
	struct dsites side[2] = {{0}}, all = {0};
	long long supp[2][2] = {{0}}; /* per side: blocks and bytes suppressed */
	struct gverdicts gv = {0};
	sqlite3 *db = NULL;
	struct mtan_result *rows = NULL;
	growth_only = 0;
	struct mtan_extra extra[16];
	const struct mtan_extra *lists[] = {own, mtan_supp_options, NULL};
	mtan_join_options(extra, 15, lists);
	int ret = mtan_parse_args(argc, argv, "diff", cmd_diff_usage, extra, &o, names, 2);
	if (ret != MTAN_GO)
		return ret;
	ret = 1;
	coarse = 0;
	for (int k = 0; k < 2; k++) { /* whether a side names frames without offsets */
		sqlite3_stmt *st = NULL;
		o.input = o.args[k];
		if (mtan_open(&o, &db, NULL, NULL) || mtan_prepare(db, "diff", "offsetless", &st))
			goto out;
		coarse |= sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
		sqlite3_close(db);
		db = NULL;
	}
	for (int k = 0; k < 2; k++) {
		o.input = o.args[k];
		if (mtan_open(&o, &db, NULL, NULL) || (!growth_only && gather(db, &o, k, &side[k])) ||
		    mtan_suppressed(db, &o, NULL, &supp[k][0], &supp[k][1]) || gather_growth(db, k, &gv))
			goto out;
		sqlite3_close(db);
		db = NULL;
	}
	o.input = o.args[0];
	growth_status(&gv);
	if (growth_only) {
		ret = print_growth(&gv, &o, 0) ? 1 : 0;
		goto out;
	}
	if (merge(&side[0], &side[1], &all)) {
		mtan_err("out of memory");
		goto out;
	}
	if (!(rows = diff_result(&all, o.limit)) || mtan_render(rows, o.format, stdout))
		goto out;
	if (o.format == MTAN_TABLE) {
		print_totals(&all, (const long long(*)[2])supp);
		print_growth(&gv, &o, 1);
	}
	ret = 0;
out:
	mtan_result_free(rows);
	sqlite3_close(db);
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < side[k].n; i++)
			dsite_release(&side[k].v[i]);
		free(side[k].v);
	}
	for (size_t i = 0; i < all.n; i++)
		dsite_release(&all.v[i]);
	free(all.v);
	for (size_t i = 0; i < gv.n; i++) {
		free(gv.v[i].space);
		free(gv.v[i].verdict[0]);
		free(gv.v[i].verdict[1]);
	}
	free(gv.v);
	return ret;
}
