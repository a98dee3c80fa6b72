/* leaks.c: the leak sites analysis that mtan leaks prints and mtan report shows: blocks
 * never freed, grouped by allocation site (process, device, space, stack whose frames read
 * the same, kind), the most bytes first; or those released by a device close. */

#include "db.h"
#include "leaks.h"
#include "opts.h"
#include "output.h"
#include "result.h"
#include "scope.h"
#include "sites.h"
#include "sql.h"
#include "suppress.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct site {
	long long pid, device, space, blocks, bytes;
	double est_blocks, est_bytes; /* a sampled trace's estimates (else blocks and bytes) */
	int has_stack;
	long long stack;
	char *space_name, *kind; /* kind NULL: released by a device close */
	int held;                /* released: allocated after its device's setup (held to close) */
	char *key;               /* --depth: what the site's stack shows */
};

struct sites {
	struct site *v;
	size_t n;
	long long lost, all; /* --depth: the lost sites and all sites before --limit (-1: not counted) */
};

static void sites_release(struct sites *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].space_name);
		free(l->v[i].kind);
		free(l->v[i].key);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int by_key(const void *a, const void *b)
{
	const struct site *x = a, *y = b;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->device != y->device)
		return x->device < y->device ? -1 : 1;
	if (x->space != y->space)
		return x->space < y->space ? -1 : 1;
	int c = strcmp(x->kind ? x->kind : "", y->kind ? y->kind : "");
	if (!c && x->held != y->held)
		c = x->held ? -1 : 1;
	return c ? c : strcmp(x->key, y->key);
}

static int by_bytes(const void *a, const void *b)
{
	const struct site *x = a, *y = b;
	if (x->est_bytes != y->est_bytes)
		return x->est_bytes > y->est_bytes ? -1 : 1;
	if (x->blocks != y->blocks)
		return x->blocks > y->blocks ? -1 : 1;
	if (x->stack != y->stack)
		return x->stack < y->stack ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* The sites of one section of leaks.sql ("sites" or "released"), the most bytes first, at
 * most --limit. With --depth, sites whose stacks show the same first N frames are one (the
 * first stack of them stands for it). 0, or -1 (reported). */
static int collect(sqlite3 *db, const struct mtan_opts *o, const struct mtan_leak_query *q, struct sites *out)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	int ret = -1, rc;
	memset(out, 0, sizeof(*out));
	out->lost = out->all = -1;
	const char *section = q->released ? "released" : "sites";
	int held = q->held;
	long long shown = q->shown;
	if (mtan_prepare(db, "leaks", section, &st))
		goto out;
	mtan_bind_scope(st, o, q->w);
	int i = sqlite3_bind_parameter_index(st, ":reachable");
	if (i)
		sqlite3_bind_int(st, i, q->reachable);
	if ((i = sqlite3_bind_parameter_index(st, ":held"))) {
		if (held >= 0)
			sqlite3_bind_int(st, i, held);
		else
			sqlite3_bind_null(st, i);
	}
	/* the released sites come after the shown leak sites, within one --limit */
	if (shown && o->limit >= 0 && (i = sqlite3_bind_parameter_index(st, ":limit")))
		sqlite3_bind_int64(st, i, o->limit > shown ? o->limit - shown : 0);
	if (q->limit >= 0) /* the caller's own (the report's) */
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":limit"), q->limit);
	if (o->skip.depth > 0) /* the limit applies to the merged sites */
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":limit"), -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n == cap) {
			cap = cap ? cap * 2 : 64;
			struct site *v = realloc(out->v, cap * sizeof(*v));
			if (!v)
				goto nomem;
			out->v = v;
		}
		struct site *s = &out->v[out->n++];
		memset(s, 0, sizeof(*s));
		const char *name = (const char *)sqlite3_column_text(st, 3);
		int released = !strcmp(section, "released");
		const char *kind = released ? NULL : (const char *)sqlite3_column_text(st, 7);
		s->held = released && sqlite3_column_int(st, 7);
		s->pid = sqlite3_column_int64(st, 0);
		s->device = sqlite3_column_int64(st, 1);
		s->space = sqlite3_column_int64(st, 2);
		s->has_stack = sqlite3_column_type(st, 4) != SQLITE_NULL;
		s->stack = s->has_stack ? sqlite3_column_int64(st, 4) : -1;
		s->blocks = sqlite3_column_int64(st, 5);
		s->bytes = sqlite3_column_int64(st, 6);
		s->est_blocks = released ? (double)s->blocks : sqlite3_column_double(st, 8);
		s->est_bytes = released ? (double)s->bytes : sqlite3_column_double(st, 9);
		if (!(s->space_name = strdup(name ? name : "")) || (kind && !(s->kind = strdup(kind))))
			goto nomem;
		if (o->skip.depth > 0 && !(s->key = mtan_stack_key(db, o, s->stack)))
			goto out;
	}
	if (rc != SQLITE_DONE) {
		mtan_sqlerr(db, "cannot read the database");
		goto out;
	}
	if (o->skip.depth > 0 && out->n) {
		qsort(out->v, out->n, sizeof(*out->v), by_key);
		size_t k = 0;
		for (size_t j = 0; j < out->n; j++) {
			struct site *s = &out->v[j];
			if (k && !by_key(&out->v[k - 1], s)) {
				struct site *t = &out->v[k - 1];
				t->blocks += s->blocks;
				t->bytes += s->bytes;
				t->est_blocks += s->est_blocks;
				t->est_bytes += s->est_bytes;
				if (s->stack >= 0 && (t->stack < 0 || s->stack < t->stack))
					t->stack = s->stack, t->has_stack = 1;
				free(s->space_name);
				free(s->kind);
				free(s->key);
				continue;
			}
			out->v[k++] = *s;
		}
		out->n = k;
		qsort(out->v, out->n, sizeof(*out->v), by_bytes);
		out->lost = 0;
		out->all = (long long)out->n;
		for (size_t j = 0; j < out->n; j++)
			out->lost += out->v[j].kind && mtan_leak_kind(out->v[j].kind) != MTAN_REACHABLE;
		size_t limit = q->limit >= 0 ? (size_t)q->limit
			       : o->limit < 0 ? out->n : o->limit > shown ? (size_t)(o->limit - shown) : 0;
		if (out->n > limit) {
			for (size_t j = limit; j < out->n; j++) {
				free(out->v[j].space_name);
				free(out->v[j].kind);
				free(out->v[j].key);
			}
			out->n = limit;
		}
	}
	ret = 0;
	goto out;
nomem:
	mtan_err("out of memory");
out:
	sqlite3_finalize(st);
	return ret;
}


/* The columns of a leak site (enum in result order). The formats differ: JSON has blocks
 * before bytes and the frames as objects, CSV bytes first and the site's frame apart. */
static const struct mtan_col cols[] = {
	{"kind", NULL, MTAN_K_TEXT}, {"blocks", NULL, MTAN_K_COUNT}, {"bytes", NULL, MTAN_K_SIZE},
	{"blocks", NULL, MTAN_K_COUNT}, {"estimated", NULL, MTAN_K_BOOL}, {"sampled_blocks", NULL, MTAN_K_COUNT},
	{"sampled_bytes", NULL, MTAN_K_SIZE}, {"pid", NULL, MTAN_K_INT}, {"device", NULL, MTAN_K_DEVICE},
	{"space", NULL, MTAN_K_TEXT}, {"frames", NULL, MTAN_K_TEXT}, {"site", NULL, MTAN_K_INT},
	{"function", NULL, MTAN_K_TEXT}, {"file", NULL, MTAN_K_TEXT}, {"line", NULL, MTAN_K_INT},
	{"frames", NULL, MTAN_K_TEXT}, {"ended", NULL, MTAN_K_TEXT}, {"held_to_close", NULL, MTAN_K_BOOL},
	{"stack", NULL, MTAN_K_INT},
};
static const int show[] = {
	0, MTAN_SHOW_JSON, 0, MTAN_SHOW_CSV | MTAN_SHOW_TABLE | MTAN_SHOW_HTML, MTAN_SHOW_JSON, MTAN_SHOW_JSON,
	MTAN_SHOW_JSON, 0, 0, 0, MTAN_SHOW_JSON, MTAN_SHOW_JSON, MTAN_SHOW_CSV | MTAN_SHOW_TABLE | MTAN_SHOW_HTML,
	MTAN_SHOW_CSV | MTAN_SHOW_TABLE | MTAN_SHOW_HTML, MTAN_SHOW_CSV | MTAN_SHOW_TABLE | MTAN_SHOW_HTML,
	MTAN_SHOW_CSV, 0, 0, MTAN_SHOW_TABLE | MTAN_SHOW_HTML,
};

/* Adds one site's stack: JSON's frames and site, CSV's site frame and every frame's name. */
static int add_frames(struct mtan_result *r, sqlite3 *db, const struct mtan_opts *o, const struct site *s)
{
	struct mtan_result *fr;
	int site;
	size_t shown;
	if (mtan_stack_frames(db, o, s->has_stack ? s->stack : -1, &fr, &site, &shown))
		return -1;
	char *names = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&names, &len);
	for (size_t i = 0; m && i < fr->nrows; i++)
		fprintf(m, "%s%s", i ? ";" : "", mtan_result_get_text(fr, i, 0));
	if (!m || fclose(m)) {
		mtan_result_free(fr);
		mtan_err("out of memory");
		return -1;
	}
	size_t n = fr->nrows;
	const char *fn = n ? mtan_result_get_text(fr, (size_t)site, 0) : NULL;
	const char *file = n ? mtan_result_get_text(fr, (size_t)site, 1) : NULL;
	long long line = n ? mtan_result_get_int(fr, (size_t)site, 2, -1) : -1;
	char *fn_copy = fn ? strdup(fn) : NULL, *file_copy = file ? strdup(file) : NULL;
	mtan_result_truncate(fr, shown);
	mtan_result_rows(r, fr);
	if (n)
		mtan_result_int(r, site);
	else
		mtan_result_null(r);
	mtan_result_text(r, fn_copy);
	mtan_result_text(r, file_copy);
	if (line < 0)
		mtan_result_null(r);
	else
		mtan_result_int(r, line);
	mtan_result_text(r, len ? names : NULL);
	free(fn_copy);
	free(file_copy);
	free(names);
	return 0;
}

int mtan_leak_sites(sqlite3 *db, const struct mtan_opts *o, const struct mtan_leak_query *q,
		    struct mtan_result **out, long long *lost, long long *all)
{
	struct sites l;
	int ret = -1;
	long long sampled = mtan_meta_int(db, "sample_bytes", 0);
	struct mtan_result *r = mtan_result_new(cols, (int)(sizeof(cols) / sizeof(cols[0])));
	*out = NULL;
	if (!r) {
		mtan_err("out of memory");
		return -1;
	}
	for (int i = 0; i < r->ncols; i++)
		mtan_result_show(r, i, show[i]);
	if (collect(db, o, q, &l))
		goto out;
	if (lost)
		*lost = l.lost;
	if (all)
		*all = l.all;
	for (size_t i = 0; i < l.n; i++) {
		const struct site *s = &l.v[i];
		/* a sampled trace's leak sites: the estimates, marked (released: as recorded) */
		int est = sampled && s->kind;
		long long blocks = est ? llround(s->est_blocks) : s->blocks;
		long long bytes = est ? llround(s->est_bytes) : s->bytes;
		mtan_result_text(r, s->kind);
		mtan_result_int(r, blocks);
		mtan_result_int(r, bytes);
		mtan_result_int(r, blocks);
		if (est) {
			mtan_result_int(r, 1);
			mtan_result_int(r, s->blocks);
			mtan_result_int(r, s->bytes);
		} else {
			mtan_result_absent(r);
			mtan_result_absent(r);
			mtan_result_absent(r);
		}
		mtan_result_int(r, s->pid);
		mtan_result_int(r, s->device);
		mtan_result_text(r, s->space_name);
		if (add_frames(r, db, o, s))
			goto out;
		if (s->kind) { /* a leak: JSON says nothing of an end, CSV leaves it empty */
			mtan_result_absent(r);
			mtan_result_absent(r);
		} else { /* released by a device close */
			mtan_result_text(r, "device_close");
			mtan_result_int(r, s->held);
		}
		if (s->has_stack)
			mtan_result_int(r, s->stack);
		else
			mtan_result_null(r);
	}
	if (mtan_result_ok(r))
		goto out;
	*out = r;
	r = NULL;
	ret = 0;
out:
	sites_release(&l);
	mtan_result_free(r);
	return ret;
}
