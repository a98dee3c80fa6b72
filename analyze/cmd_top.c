/* cmd_top.c: `mtan top`: the allocation sites that allocate the most bytes, the most
 * blocks, and the most short-lived temporaries. The window's allocations are one range
 * of lifetime ids; they are read once and counted per site here (a GROUP BY over
 * millions of rows would sort them all). */
#include "commands.h"
#include "db.h"
#include "opts.h"
#include "output.h"
#include "scope.h"
#include "sites.h"
#include "sql.h"
#include "suppress.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char cmd_top_usage[] =
	"top [options] TRACE|DB\n\n"
	"Allocation sites (process, device, space, stack) ranked three ways: by bytes\n"
	"allocated, by allocations, and by short-lived temporaries (blocks freed less than\n"
	"--temporary after their allocation, default 1ms), --limit of each (default 10).\n"
	"--format json prints an object {\"by_bytes\": [...], \"by_count\": [...],\n"
	"\"by_temporaries\": [...]} of sites: pid, device (-1: host), space, allocs, bytes,\n"
	"temporaries, temporary_bytes, leaked_blocks, leaked_bytes (what of them leaked, as\n"
	"leaks counts it: no suppression covers it), frames as in leaks. --format csv: a row\n"
	"per site and ranking (by: bytes, count or temporaries; rank), with its stack id,\n"
	"without frames. Stacks whose frames read the same are one site. A trace recorded\n"
	"with mtrec --sample-stacks: the figures are estimates from the sampled stacks,\n"
	"marked '~' (JSON: \"estimated\": true; SCHEMA.md, Sampled stacks).";

static int64_t temporary_ns = 1000000;

static int take_temporary(struct mtan_opts *o, const char *arg)
{
	char *end;
	(void)o;
	double v = strtod(arg, &end);
	static const struct {
		const char *unit;
		double ns;
	} units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (end != arg && !strcmp(end, units[i].unit) && v >= 0 && v * units[i].ns < 9e18) {
			temporary_ns = (int64_t)(v * units[i].ns + 0.5);
			return 0;
		}
	return -1;
}

static const struct mtan_extra own[] = {
	{{"temporary", required_argument, NULL, 1320},
	 "  --temporary DURATION  what counts as short-lived (default 1ms; ns, us, ms, s)", take_temporary},
	{{0, 0, 0, 0}, NULL, NULL},
};

/* The figures are doubles: a sampled trace's are estimates (whole numbers otherwise). */
struct site {
	int64_t pid, device, space, stack; /* stack -1: none */
	double allocs, bytes, temps, temp_bytes;
	double leaked, leaked_bytes; /* of the window's allocations, as leaks counts them */
	int used;
};

/* The trace's --sample-stacks mean: the sites are estimates, those without a stack none. */
static uint64_t sampled;

struct sites {
	struct site *s;
	size_t cap, n;
};

static uint64_t hash(int64_t pid, int64_t device, int64_t space, int64_t stack)
{
	uint64_t h = (uint64_t)stack * 0x9E3779B97F4A7C15ull ^ (uint64_t)pid * 0xC2B2AE3D27D4EB4Full ^
		     (uint64_t)device * 0x165667B19E3779F9ull ^ (uint64_t)space * 0x27D4EB2F165667C5ull;
	h ^= h >> 31;
	h *= 0xD6E8FEB86659FD93ull;
	return h ^ (h >> 32);
}

static int grow(struct sites *t)
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

static struct site *site_at(struct sites *t, int64_t pid, int64_t device, int64_t space, int64_t stack)
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

static const struct mtan_col csv_cols[] = {
	{"by", NULL, MTAN_K_TEXT}, {"rank", NULL, MTAN_K_INT}, {"pid", NULL, MTAN_K_INT},
	{"device", NULL, MTAN_K_DEVICE}, {"space", NULL, MTAN_K_TEXT}, {"stack", NULL, MTAN_K_INT},
	{"allocs", NULL, MTAN_K_INT}, {"bytes", NULL, MTAN_K_INT}, {"temporaries", NULL, MTAN_K_INT},
	{"temporary_bytes", NULL, MTAN_K_INT}, {"leaked_blocks", NULL, MTAN_K_INT},
	{"leaked_bytes", NULL, MTAN_K_INT},
};
#define NCSV (int)(sizeof(csv_cols) / sizeof(csv_cols[0]))
static struct mtan_rows *rows;

static int print_ranking(sqlite3 *db, const struct mtan_opts *o, sqlite3_stmt *name, struct site **v,
			 size_t n, int which, const char *title, const char *key)
{
	long long limit = o->limit >= 0 ? o->limit : 10;
	rank = which;
	qsort(v, n, sizeof(*v), by_rank);
	if (o->format == MTAN_JSON)
		printf("%s\"%s\": [", which ? ", " : "", key);
	else if (o->format == MTAN_TABLE)
		mtan_prose(stdout, "%s%s\n", which ? "\n" : "", title);
	int shown = 0;
	for (size_t i = 0; i < n && shown < limit; i++) {
		const struct site *s = v[i];
		if (which == 2 && llround(s->temps) <= 0)
			break;
		long long allocs = llround(s->allocs), bytes = llround(s->bytes), temps = llround(s->temps),
			  temp_bytes = llround(s->temp_bytes), leaked = llround(s->leaked),
			  leaked_bytes = llround(s->leaked_bytes);
		sqlite3_reset(name);
		sqlite3_bind_int64(name, 1, s->pid);
		sqlite3_bind_int64(name, 2, s->device);
		sqlite3_bind_int64(name, 3, s->space);
		int rc = sqlite3_step(name);
		const char *space = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(name, 0) : "?";
		if (rows) {
			mtan_rows_text(rows, key + 3);
			mtan_rows_int(rows, shown + 1);
			mtan_rows_int(rows, s->pid);
			mtan_rows_int(rows, s->device);
			mtan_rows_text(rows, space);
			if (s->stack < 0)
				mtan_rows_null(rows);
			else
				mtan_rows_int(rows, s->stack);
			mtan_rows_int(rows, allocs);
			mtan_rows_int(rows, bytes);
			mtan_rows_int(rows, temps);
			mtan_rows_int(rows, temp_bytes);
			mtan_rows_int(rows, leaked);
			mtan_rows_int(rows, leaked_bytes);
			shown++;
			continue;
		}
		if (o->format == MTAN_JSON) {
			printf("%s{\"pid\": %lld, \"device\": %lld, \"space\": ", shown ? ", " : "", (long long)s->pid,
			       (long long)s->device);
			mtan_json_str(stdout, space);
			printf(", \"allocs\": %lld, \"bytes\": %lld, \"temporaries\": %lld, \"temporary_bytes\": %lld, "
			       "\"leaked_blocks\": %lld, \"leaked_bytes\": %lld, %s",
			       allocs, bytes, temps, temp_bytes, leaked, leaked_bytes, sampled ? "\"estimated\": true, " : "");
		} else {
			char a[32], b[32], t[32], c[96] = "", dev[16];
			const char *e = sampled ? "~" : ""; /* estimates, marked */
			int k = 0;
			if (temps)
				k = snprintf(c, sizeof c, ", %s%s temporary", e, mtan_count(t, (uint64_t)temps));
			if (leaked_bytes)
				snprintf(c + k, sizeof c - (size_t)k, ", %s%s bytes leaked", e,
					 mtan_count(t, (uint64_t)leaked_bytes));
			mtan_prose(stdout, "%s%s%s bytes in %s%s %s%s (pid %lld, %s%s %s)\n", shown ? "\n" : "", e,
				   mtan_count(a, (uint64_t)bytes), e, mtan_count(b, (uint64_t)allocs),
				   allocs == 1 ? "allocation" : "allocations", c, (long long)s->pid,
				   s->device == -1 ? "" : "device ", mtan_device_name(dev, s->device), space);
		}
		if (mtan_print_frames(db, o, s->stack))
			return -1;
		if (o->format == MTAN_JSON)
			fputs("}", stdout);
		shown++;
	}
	if (o->format == MTAN_JSON)
		fputs("]", stdout);
	else if (!shown && o->format == MTAN_TABLE)
		printf("  none\n");
	return 0;
}

/* Adds the rows of st to the sites: the loader's site counts (whole) or allocations one by
 * one, counted with sign (-1: taken away). */
static int add_rows(sqlite3 *db, sqlite3_stmt *st, struct sites *t, int whole, int sign)
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
		double w = sign * (!sampled ? 1 : stack < 0 ? 0 : mtan_sample_weight((uint64_t)size, sampled));
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
static int add_leaked(sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w, struct sites *t)
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
		 struct sites *t)
{
	sqlite3_stmt *st = NULL;
	int64_t first, last;
	int ret = -1;
	if (mtan_alloc_ids(db, 0, INT64_MAX, &first, &last))
		return -1;
	int64_t inside = w->id_hi - w->id_lo + 1, outside = last - (inside > 0 ? inside : 0);
	int use_sites = temporary_ns == 1000000 && (!(w->has_since || w->has_until) || outside < inside);
	sqlite3_bind_int64(alloc, sqlite3_bind_parameter_index(alloc, ":temporary_ns"), temporary_ns);
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

int cmd_top(int argc, char **argv)
{
	struct mtan_opts o;
	struct mtan_window w;
	struct mtan_extra extra[16];
	const struct mtan_extra *lists[] = {own, mtan_scope_options, mtan_window_options, mtan_skip_options,
					    mtan_supp_options, NULL};
	struct sites t = {0};
	struct site **v = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL, *name = NULL;
	int ret;
	mtan_join_options(extra, 15, lists);
	temporary_ns = 1000000;
	ret = mtan_parse(argc, argv, "top", cmd_top_usage, extra, &o);
	if (ret != MTAN_GO)
		return ret;
	ret = 1;
	if (mtan_open(&o, &db, NULL, NULL) || mtan_window(db, &o, &w) ||
	    mtan_prepare(db, "top", "allocations", &st) || mtan_prepare(db, "top", "space_name", &name))
		goto out;
	sampled = (uint64_t)mtan_meta_int(db, "sample_bytes", 0);
	if (count(db, &o, &w, st, &t) || add_leaked(db, &o, &w, &t))
		goto out;
	if (!(v = malloc((t.n + 1) * sizeof(*v))))
		goto nomem;
	size_t n = 0;
	for (size_t i = 0; i < t.cap; i++)
		if (t.s[i].used && llround(t.s[i].allocs) > 0)
			v[n++] = &t.s[i];
	if (o.format == MTAN_JSON)
		fputs("{", stdout);
	else if (o.format == MTAN_CSV && !(rows = mtan_rows_new(csv_cols, NCSV, MTAN_CSV, stdout)))
		goto nomem;
	char tmp[32];
	if ((double)temporary_ns < 1e6)
		snprintf(tmp, sizeof tmp, "%.0f us", (double)temporary_ns / 1e3);
	else
		snprintf(tmp, sizeof tmp, "%.0f ms", (double)temporary_ns / 1e6);
	char title[96];
	snprintf(title, sizeof title, "by temporaries (freed within %s)", tmp);
	if (print_ranking(db, &o, name, v, n, 0, "by bytes allocated", "by_bytes") ||
	    print_ranking(db, &o, name, v, n, 1, "by allocations", "by_count") ||
	    print_ranking(db, &o, name, v, n, 2, title, "by_temporaries"))
		goto out;
	if (o.format == MTAN_JSON)
		fputs("}\n", stdout);
	else if (rows && mtan_rows_end(rows))
		goto out;
	if (sampled && o.format == MTAN_TABLE && !o.quiet)
		mtan_prose(stdout, "\nsites are estimates (~) from sampled stacks (mtrec --sample-stacks %llu): each "
				   "about +-sqrt(%llu / its bytes) (one standard error)\n",
			   (unsigned long long)sampled, (unsigned long long)sampled);
	else if (sampled && o.format == MTAN_CSV && !o.quiet)
		mtan_note("sites are estimates from sampled stacks (mtrec --sample-stacks %llu)",
			  (unsigned long long)sampled);
	ret = 0;
	goto out;
nomem:
	mtan_err("out of memory");
out:
	mtan_rows_free(rows);
	rows = NULL;
	free(v);
	free(t.s);
	sqlite3_finalize(st);
	sqlite3_finalize(name);
	sqlite3_close(db);
	return ret;
}
