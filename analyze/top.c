/* top.c: the allocation sites analysis of mtan top and mtan report: the window's
 * allocations counted per site (process, device, space, canonical stack) and ranked by
 * bytes, by count or by short-lived temporaries. The window's allocations are one range of
 * lifetime ids; they are read once and counted per site here (a GROUP BY over millions of
 * rows would sort them all). */

#include "db.h"
#include "opts.h"
#include "output.h"
#include "result.h"
#include "scope.h"
#include "sites.h"
#include "sql.h"
#include "top.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The figures are doubles: a sampled trace's are estimates (whole numbers otherwise). */
struct site {
	int64_t pid, device, space, stack; /* stack -1: none */
	double allocs, bytes, temps, temp_bytes;
	double leaked, leaked_bytes; /* of the window's allocations, as leaks counts them */
	int used;
};

/* The trace's --sample-stacks mean: the sites are estimates, those without a stack none. */

struct mtan_top {
	struct site *s;
	size_t cap, n;
	uint64_t sampled;
	int64_t temporary_ns;
};

static uint64_t hash(int64_t pid, int64_t device, int64_t space, int64_t stack)
{
	uint64_t h = (uint64_t)stack * 0x9E3779B97F4A7C15ull ^ (uint64_t)pid * 0xC2B2AE3D27D4EB4Full ^
		     (uint64_t)device * 0x165667B19E3779F9ull ^ (uint64_t)space * 0x27D4EB2F165667C5ull;
	h ^= h >> 31;
	h *= 0xD6E8FEB86659FD93ull;
	return h ^ (h >> 32);
}

static int grow(struct mtan_top *t)
{
	size_t cap = t->cap ? t->cap * 2 : 1024;
	struct site *s = calloc(cap, sizeof(*s));
	if (!s)
		return -1;
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->s[i].used)
			continue;
		size_t j = hash(t->s[i].pid, t->s[i].device, t->s[i].space, t->s[i].stack) & (cap - 1);
		while (s[j].used)
			j = (j + 1) & (cap - 1);
		s[j] = t->s[i];
	}
	free(t->s);
	t->s = s;
	t->cap = cap;
	return 0;
}

static struct site *site_at(struct mtan_top *t, int64_t pid, int64_t device, int64_t space, int64_t stack)
{
	if ((t->n + 1) * 2 > t->cap && grow(t))
		return NULL;
	for (size_t j = hash(pid, device, space, stack) & (t->cap - 1);; j = (j + 1) & (t->cap - 1)) {
		struct site *s = &t->s[j];
		if (!s->used) {
			s->used = 1;
			s->pid = pid;
			s->device = device;
			s->space = space;
			s->stack = stack;
			t->n++;
			return s;
		}
		if (s->pid == pid && s->device == device && s->space == space && s->stack == stack)
			return s;
	}
}

static int rank; /* what the comparison orders by: 0 bytes, 1 count, 2 temporaries */

static int by_rank(const void *a, const void *b)
{
	const struct site *x = *(struct site *const *)a, *y = *(struct site *const *)b;
	double kx[3][2] = {{x->bytes, x->allocs}, {x->allocs, x->bytes}, {x->temps, x->temp_bytes}};
	double ky[3][2] = {{y->bytes, y->allocs}, {y->allocs, y->bytes}, {y->temps, y->temp_bytes}};
	for (int i = 0; i < 2; i++)
		if (kx[rank][i] != ky[rank][i])
			return kx[rank][i] > ky[rank][i] ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->stack != y->stack)
		return x->stack < y->stack ? -1 : 1;
	if (x->device != y->device)
		return x->device < y->device ? -1 : 1;
	return x->space < y->space ? -1 : x->space > y->space;
}

/* Adds the rows of st to the sites: the loader's site counts (whole) or allocations one by
 * one, counted with sign (-1: taken away). */
static int add_rows(sqlite3 *db, sqlite3_stmt *st, struct mtan_top *t, int whole, int sign)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t stack = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 3);
		struct site *s = site_at(t, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
					 sqlite3_column_int64(st, 2), stack);
		if (!s) {
			mtan_err("out of memory");
			return -1;
		}
		if (whole) { /* the estimates, the counts themselves without sampling */
			s->allocs += sqlite3_column_double(st, 8);
			s->bytes += sqlite3_column_double(st, 9);
			s->temps += sqlite3_column_double(st, 10);
			s->temp_bytes += sqlite3_column_double(st, 11);
			continue;
		}
		int64_t size = sqlite3_column_int64(st, 4);
		/* sampled: a block with a stack stands for w blocks of its site, one without for none */
		double w = sign * (!t->sampled ? 1 : stack < 0 ? 0 : mtan_sample_weight((uint64_t)size, t->sampled));
		s->allocs += w;
		s->bytes += w * (double)size;
		if (sqlite3_column_int(st, 5)) {
			s->temps += w;
			s->temp_bytes += w * (double)size;
		}
	}
	return rc == SQLITE_DONE ? 0 : mtan_sqlerr(db, "cannot read the database");
}

/* Adds what leaked of the window's allocations to their sites (leaks' figures: no
 * suppression covers them). */
static int add_leaked(sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w, struct mtan_top *t)
{
	sqlite3_stmt *st;
	int rc;
	if (mtan_prepare(db, "top", "leaked", &st))
		return -1;
	mtan_bind_scope(st, o, w);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t stack = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 3);
		struct site *s = site_at(t, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
					 sqlite3_column_int64(st, 2), stack);
		if (!s) {
			sqlite3_finalize(st);
			mtan_err("out of memory");
			return -1;
		}
		s->leaked += sqlite3_column_double(st, 6);
		s->leaked_bytes += sqlite3_column_double(st, 7);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : mtan_sqlerr(db, "cannot read the database");
}

/* Counts the window's allocations per site. With the default temporaries the loader's
 * counts of the whole trace are the start: no window needs nothing else, and a window
 * wider than half the trace is the whole less the allocations outside it (the lifetime
 * ids before and after the window's), whichever reads fewer rows. */
static int count(sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w, sqlite3_stmt *alloc,
		 struct mtan_top *t)
{
	sqlite3_stmt *st = NULL;
	int64_t first, last;
	int ret = -1;
	if (mtan_alloc_ids(db, 0, INT64_MAX, &first, &last))
		return -1;
	int64_t inside = w->id_hi - w->id_lo + 1, outside = last - (inside > 0 ? inside : 0);
	int use_sites = t->temporary_ns == 1000000 && (!(w->has_since || w->has_until) || outside < inside);
	sqlite3_bind_int64(alloc, sqlite3_bind_parameter_index(alloc, ":temporary_ns"), t->temporary_ns);
	if (!use_sites) {
		mtan_bind_scope(alloc, o, w);
		return add_rows(db, alloc, t, 0, 1);
	}
	if (mtan_prepare(db, "top", "sites", &st))
		return -1;
	mtan_bind_scope(st, o, w);
	if (add_rows(db, st, t, 1, 1))
		goto out;
	if (w->has_since || w->has_until) {
		struct mtan_window before = {0, INT64_MAX, 1, w->id_lo - 1, 0, 0};
		struct mtan_window after = {0, INT64_MAX, w->id_hi + 1, last, 0, 0};
		sqlite3_reset(alloc);
		mtan_bind_scope(alloc, o, &before);
		if (add_rows(db, alloc, t, 0, -1))
			goto out;
		sqlite3_reset(alloc);
		mtan_bind_scope(alloc, o, &after);
		if (add_rows(db, alloc, t, 0, -1))
			goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}


struct mtan_top *mtan_top_count(sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w,
				int64_t temporary_ns)
{
	struct mtan_top *t = calloc(1, sizeof(*t));
	sqlite3_stmt *st = NULL;
	if (!t) {
		mtan_err("out of memory");
		return NULL;
	}
	t->temporary_ns = temporary_ns;
	t->sampled = (uint64_t)mtan_meta_int(db, "sample_bytes", 0);
	if (mtan_prepare(db, "top", "allocations", &st) || count(db, o, w, st, t) || add_leaked(db, o, w, t)) {
		mtan_top_free(t);
		t = NULL;
	}
	sqlite3_finalize(st);
	return t;
}

uint64_t mtan_top_sampled(const struct mtan_top *t)
{
	return t->sampled;
}

void mtan_top_free(struct mtan_top *t)
{
	if (!t)
		return;
	free(t->s);
	free(t);
}

static const struct mtan_col cols[] = {
	{"by", NULL, MTAN_K_TEXT}, {"rank", NULL, MTAN_K_INT}, {"pid", NULL, MTAN_K_INT},
	{"device", NULL, MTAN_K_DEVICE}, {"space", NULL, MTAN_K_TEXT}, {"stack", NULL, MTAN_K_INT},
	{"allocs", NULL, MTAN_K_COUNT}, {"bytes", NULL, MTAN_K_SIZE}, {"temporaries", NULL, MTAN_K_COUNT},
	{"temporary_bytes", NULL, MTAN_K_SIZE}, {"leaked_blocks", NULL, MTAN_K_COUNT},
	{"leaked_bytes", NULL, MTAN_K_SIZE}, {"estimated", NULL, MTAN_K_BOOL},
};

int mtan_top_rank(sqlite3 *db, const struct mtan_top *t, int which, long long limit, struct mtan_result **out)
{
	static const char *const by[] = {"bytes", "count", "temporaries"};
	struct site **v = malloc((t->n + 1) * sizeof(*v));
	struct mtan_result *r = mtan_result_new(cols, (int)(sizeof(cols) / sizeof(cols[0])));
	sqlite3_stmt *name = NULL;
	int ret = -1;
	*out = NULL;
	if (!v || !r) {
		mtan_err("out of memory");
		goto out;
	}
	/* JSON's sites have frames in place of the ranking and the stack id; CSV's no estimate */
	for (int c = 0; c < 13; c++)
		mtan_result_show(r, c, c == 0 || c == 1 || c == 5 ? MTAN_SHOW_CSV | MTAN_SHOW_TABLE | MTAN_SHOW_HTML
					: c == 12 ? MTAN_SHOW_JSON : 0);
	if (mtan_prepare(db, "top", "space_name", &name))
		goto out;
	size_t n = 0;
	for (size_t i = 0; i < t->cap; i++)
		if (t->s[i].used && llround(t->s[i].allocs) > 0)
			v[n++] = &t->s[i];
	rank = which;
	qsort(v, n, sizeof(*v), by_rank);
	long long shown = 0;
	for (size_t i = 0; i < n && (limit < 0 || shown < limit); i++) {
		const struct site *s = v[i];
		if (which == 2 && llround(s->temps) <= 0)
			break;
		sqlite3_reset(name);
		sqlite3_bind_int64(name, 1, s->pid);
		sqlite3_bind_int64(name, 2, s->device);
		sqlite3_bind_int64(name, 3, s->space);
		int rc = sqlite3_step(name);
		mtan_result_text(r, by[which]);
		mtan_result_int(r, ++shown);
		mtan_result_int(r, s->pid);
		mtan_result_int(r, s->device);
		mtan_result_text(r, rc == SQLITE_ROW ? (const char *)sqlite3_column_text(name, 0) : "?");
		if (s->stack < 0)
			mtan_result_null(r);
		else
			mtan_result_int(r, s->stack);
		mtan_result_int(r, llround(s->allocs));
		mtan_result_int(r, llround(s->bytes));
		mtan_result_int(r, llround(s->temps));
		mtan_result_int(r, llround(s->temp_bytes));
		mtan_result_int(r, llround(s->leaked));
		mtan_result_int(r, llround(s->leaked_bytes));
		if (t->sampled)
			mtan_result_int(r, 1);
		else
			mtan_result_absent(r);
	}
	if (mtan_result_ok(r))
		goto out;
	*out = r;
	r = NULL;
	ret = 0;
out:
	mtan_result_free(r);
	sqlite3_finalize(name);
	free(v);
	return ret;
}
