/* scope.c: what part of a trace an analysis looks at: --device and --space, and the window
 * --since/--until, given as a seq, a time since the trace's start or a mark's label, and
 * resolved here to seqs (and to the lifetime ids the window's allocations lie in). */
#include "opts.h"
#include "output.h"
#include "scope.h"
#include "sql.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int take_device(struct mtan_opts *o, const char *arg)
{
	char *end;
	if (!strcmp(arg, "host")) {
		o->scope.device = -1;
	} else {
		errno = 0;
		long long v = strtoll(arg, &end, 10);
		if (errno || end == arg || *end || v < -1 || v > UINT32_MAX - 1)
			return -1;
		o->scope.device = v;
	}
	o->scope.has_device = 1;
	return 0;
}

static int take_space(struct mtan_opts *o, const char *arg)
{
	o->scope.space = arg;
	return 0;
}

/* What a window bound is: a seq, a time, or a mark label (kept as given). */
enum { W_NONE, W_SEQ, W_TIME, W_MARK };

/* Parses WHEN into kind and value (seq or ns); a label is left in the string. */
static int when_of(const char *s, int *kind, int64_t *v)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"min", 60e9}};
	char *end;
	if (!strncmp(s, "mark:", 5)) {
		*kind = W_MARK;
		return s[5] ? 0 : -1;
	}
	if (*s >= '0' && *s <= '9') {
		errno = 0;
		long long n = strtoll(s, &end, 10);
		if (!*end && !errno) {
			*kind = W_SEQ;
			*v = n;
			return 0;
		}
		double d = strtod(s, &end);
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (!strcmp(end, units[i].unit) && d >= 0 && d * units[i].ns < 9.2e18) {
				*kind = W_TIME;
				*v = (int64_t)(d * units[i].ns + 0.5);
				return 0;
			}
	}
	*kind = W_MARK; /* anything else names a mark */
	return 0;
}

static int take_since(struct mtan_opts *o, const char *arg)
{
	int kind;
	int64_t v;
	o->scope.since = arg;
	return when_of(arg, &kind, &v);
}

static int take_until(struct mtan_opts *o, const char *arg)
{
	int kind;
	int64_t v;
	o->scope.until = arg;
	return when_of(arg, &kind, &v);
}

const struct mtan_extra mtan_scope_options[] = {
	{{"device", required_argument, NULL, MTAN_OPT_DEVICE},
	 "  --device N|host       only device N (host: the process's own memory)", take_device},
	{{"space", required_argument, NULL, MTAN_OPT_SPACE},
	 "  --space NAME          only the memory space NAME (heap, DRAM, ...)", take_space},
	{{0, 0, 0, 0}, NULL, NULL},
};

const struct mtan_extra mtan_window_options[] = {
	{{"since", required_argument, NULL, MTAN_OPT_SINCE},
	 "  --since WHEN          from WHEN on: a seq (1234), a time since the trace's start\n"
	 "                        (2.5s, 300ms, 40us, 100ns, 1min) or a mark's label (the first\n"
	 "                        mark with it; 'mark:LABEL' for a label that looks like a time)", take_since},
	{{"until", required_argument, NULL, MTAN_OPT_UNTIL},
	 "  --until WHEN          up to and including WHEN (the same forms)", take_until},
	{{0, 0, 0, 0}, NULL, NULL},
};

/* ------------------------------------------------------------------ resolving */

struct finder {
	sqlite3 *db;
	sqlite3_stmt *at; /* window.sql/at: the first allocation at or after an id */
	int64_t max_id;
};

/* The allocation at or after lifetime id (inherited copies are not allocations): its seq
 * and time; 0, 1 when there is none, -1 on error. */
static int alloc_at(struct finder *f, int64_t id, int64_t *seq, int64_t *ns)
{
	sqlite3_reset(f->at);
	sqlite3_bind_int64(f->at, 1, id);
	int rc = sqlite3_step(f->at);
	if (rc == SQLITE_ROW) {
		*seq = sqlite3_column_int64(f->at, 0);
		*ns = sqlite3_column_int64(f->at, 1);
		return 0;
	}
	return rc == SQLITE_DONE ? 1 : mtan_sqlerr(f->db, "cannot read the database");
}

/* The first lifetime id whose allocation's seq (by_time: time) is > v (or >= v with
 * inclusive), max_id + 1 when none: lifetimes' ids follow their allocations' seqs, so a
 * binary search over ids finds it in a few look-ups. -1 on error. */
static int64_t first_after(struct finder *f, int64_t v, int by_time, int inclusive)
{
	int64_t lo = 1, hi = f->max_id + 1;
	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2, seq, ns;
		int rc = alloc_at(f, mid, &seq, &ns);
		if (rc < 0)
			return -1;
		int64_t key = by_time ? ns : seq;
		if (rc == 1 || (inclusive ? key >= v : key > v))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* The seq of the first allocation at or after id, or INT64_MAX. */
static int64_t seq_of(struct finder *f, int64_t id, int *err)
{
	int64_t seq, ns;
	int rc = id > f->max_id ? 1 : alloc_at(f, id, &seq, &ns);
	if (rc < 0)
		*err = 1;
	return rc ? INT64_MAX : seq;
}

/* A bound as given and as resolved: its kind (W_*), its seq, and its time where the bound
 * has an exact one (a time as given, a mark's). */
struct end {
	int kind;
	int64_t seq, ns;
};

/* One bound to a seq: since (the first seq in) or until (the last seq in). */
static int bound(struct finder *f, const char *what, int is_until, struct end *e)
{
	int err = 0;
	e->ns = 0;
	when_of(what, &e->kind, &e->ns);
	if (e->kind == W_SEQ) {
		e->seq = e->ns;
		return 0;
	}
	if (e->kind == W_MARK) {
		sqlite3_stmt *st;
		const char *label = strncmp(what, "mark:", 5) ? what : what + 5;
		if (mtan_prepare(f->db, "window", "mark", &st))
			return -1;
		sqlite3_bind_text(st, 1, label, -1, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			e->seq = sqlite3_column_int64(st, 0);
			e->ns = sqlite3_column_int64(st, 1);
		}
		sqlite3_finalize(st);
		if (rc == SQLITE_ROW)
			return 0;
		if (rc != SQLITE_DONE)
			return mtan_sqlerr(f->db, "cannot read the database");
		mtan_err("no mark '%s' in the trace (--%s)", label, is_until ? "until" : "since");
		return -1;
	}
	/* a time: the allocations' times place it among the seqs */
	int64_t id = first_after(f, e->ns, 1, !is_until);
	if (id < 0)
		return -1;
	int64_t seq = seq_of(f, id, &err);
	if (err)
		return -1;
	e->seq = is_until ? (seq == INT64_MAX ? INT64_MAX : seq - 1) : seq;
	return 0;
}

/* A bound for a message: "(seq 500)", "'label' (seq 500)", "'label' (at 2000ns)", "2s". */
static void describe(char *buf, size_t size, const char *what, const struct end *e, int by_time)
{
	const char *label = strncmp(what, "mark:", 5) ? what : what + 5;
	if (e->kind == W_SEQ)
		snprintf(buf, size, "(seq %lld)", (long long)e->seq);
	else if (e->kind == W_TIME)
		snprintf(buf, size, "%s", what);
	else if (by_time)
		snprintf(buf, size, "'%s' (at %lldns)", label, (long long)e->ns);
	else
		snprintf(buf, size, "'%s' (seq %lld)", label, (long long)e->seq);
}

/* Refuses --since after --until: the empty window would pass for "nothing found". The
 * bounds are compared as given where that is exact: seqs and marks by seq, a time with a
 * time or a mark by time (two times in one gap between allocations resolve to since >
 * until, yet are in order). A seq against a time is not compared: a seq's own time is
 * not looked up. 0, or -1 (reported). */
static int ordered(const struct mtan_opts *o, const struct end *a, const struct end *b)
{
	int by_time = a->kind == W_TIME || b->kind == W_TIME;
	if (by_time && (a->kind == W_SEQ || b->kind == W_SEQ))
		return 0;
	if (by_time ? a->ns <= b->ns : a->seq <= b->seq)
		return 0;
	char x[300], y[300];
	describe(x, sizeof x, o->scope.since, a, by_time);
	describe(y, sizeof y, o->scope.until, b, by_time);
	mtan_err("--since %s is after --until %s", x, y);
	return -1;
}

int mtan_window(sqlite3 *db, const struct mtan_opts *o, struct mtan_window *w)
{
	struct finder f = {db, NULL, 0};
	struct end since = {W_NONE, 0, 0}, until = {W_NONE, INT64_MAX, 0};
	sqlite3_stmt *st = NULL;
	int ret = -1;
	memset(w, 0, sizeof(*w));
	if (mtan_prepare(db, "window", "max_id", &st) || mtan_prepare(db, "window", "at", &f.at))
		goto out;
	if (sqlite3_step(st) != SQLITE_ROW) {
		mtan_sqlerr(db, "cannot read the database");
		goto out;
	}
	f.max_id = sqlite3_column_int64(st, 0);
	if (o->scope.since && bound(&f, o->scope.since, 0, &since))
		goto out;
	if (o->scope.until && bound(&f, o->scope.until, 1, &until))
		goto out;
	if (o->scope.since && o->scope.until && ordered(o, &since, &until))
		goto out;
	w->since = since.seq;
	w->until = until.seq;
	w->has_since = o->scope.since != NULL;
	w->has_until = o->scope.until != NULL;
	/* the lifetimes allocated in the window: ids [id_lo, id_hi] hold them all */
	w->id_lo = w->has_since ? first_after(&f, w->since, 0, 1) : 1;
	w->id_hi = w->has_until ? first_after(&f, w->until, 0, 0) - 1 : f.max_id;
	if (w->id_lo < 0 || w->id_hi < -1)
		goto out;
	ret = 0;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(f.at);
	return ret;
}

int mtan_window_ns(sqlite3 *db, const struct mtan_opts *o, int64_t ns[2], int has[2])
{
	struct finder f = {db, NULL, 0};
	const char *what[2] = {o->scope.since, o->scope.until};
	int ret = 0;
	for (int i = 0; i < 2; i++) {
		struct end e = {W_NONE, 0, 0};
		has[i] = 0;
		ns[i] = 0;
		if (!what[i])
			continue;
		when_of(what[i], &e.kind, &e.ns);
		if (e.kind == W_SEQ)
			continue;
		if (e.kind == W_MARK && (ret = bound(&f, what[i], i, &e)))
			break;
		has[i] = 1;
		ns[i] = e.ns;
	}
	return ret;
}

int mtan_alloc_ids(sqlite3 *db, int64_t since, int64_t until, int64_t *id_lo, int64_t *id_hi)
{
	struct finder f = {db, NULL, 0};
	sqlite3_stmt *st = NULL;
	int ret = -1;
	if (mtan_prepare(db, "window", "max_id", &st) || mtan_prepare(db, "window", "at", &f.at))
		goto out;
	if (sqlite3_step(st) != SQLITE_ROW) {
		mtan_sqlerr(db, "cannot read the database");
		goto out;
	}
	f.max_id = sqlite3_column_int64(st, 0);
	*id_lo = since > 0 ? first_after(&f, since, 0, 1) : 1;
	*id_hi = until < INT64_MAX ? first_after(&f, until, 0, 0) - 1 : f.max_id;
	if (*id_lo >= 0 && *id_hi >= -1)
		ret = 0;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(f.at);
	return ret;
}

/* ------------------------------------------------------------------ what the scope names */

enum { BY_PID, BY_DEVICE, BY_SPACE };
#define MAX_LISTED 12 /* names in a refusal's list; more are counted */

/* Whether the trace has the process, device (num) or space (name) that scope.sql's
 * section lists, with the list (or its first MAX_LISTED) in list for the refusal.
 * 1 found, 0 not, -1 on an error (reported). */
static int listed(sqlite3 *db, int by, long long num, const char *name, char *list, size_t size)
{
	static const char *const sections[] = {"pids", "devices", "spaces"};
	sqlite3_stmt *st;
	size_t len = 0;
	int rc, found = 0, n = 0;
	if (mtan_prepare(db, "scope", sections[by], &st))
		return -1;
	*list = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char buf[32];
		const char *item = buf;
		if (by == BY_SPACE) {
			item = (const char *)sqlite3_column_text(st, 0);
			found |= item && !strcmp(item, name);
		} else {
			long long v = sqlite3_column_int64(st, 0);
			found |= v == num;
			if (by == BY_DEVICE)
				item = mtan_device_name(buf, v);
			else
				snprintf(buf, sizeof buf, "%lld", v);
		}
		if (item && n++ < MAX_LISTED && len < size)
			len += (size_t)snprintf(list + len, size - len, "%s%s", len ? ", " : "", item);
	}
	if (rc != SQLITE_DONE)
		found = mtan_sqlerr(db, "cannot read the database");
	else if (n > MAX_LISTED && len < size)
		snprintf(list + len, size - len, " and %d more", n - MAX_LISTED);
	else if (!n)
		snprintf(list, size, "none");
	sqlite3_finalize(st);
	return found;
}

int mtan_check_scope(sqlite3 *db, const struct mtan_opts *o)
{
	char list[512], dev[16];
	int rc;
	if (o->pid >= 0 && (rc = listed(db, BY_PID, o->pid, NULL, list, sizeof list)) <= 0) {
		if (!rc)
			mtan_err("no process %lld in '%s' (processes: %s)", o->pid, o->input, list);
		return -1;
	}
	if (o->scope.has_device &&
	    (rc = listed(db, BY_DEVICE, o->scope.device, NULL, list, sizeof list)) <= 0) {
		if (!rc)
			mtan_err("no device %s in '%s' (devices: %s)", mtan_device_name(dev, o->scope.device),
				 o->input, list);
		return -1;
	}
	if (o->scope.space && (rc = listed(db, BY_SPACE, 0, o->scope.space, list, sizeof list)) <= 0) {
		if (!rc)
			mtan_err("no space '%s' in '%s' (spaces: %s)", o->scope.space, o->input, list);
		return -1;
	}
	return 0;
}

void mtan_bind_scope(sqlite3_stmt *st, const struct mtan_opts *o, const struct mtan_window *w)
{
	int i;
	mtan_bind_common(st, o);
	if ((i = sqlite3_bind_parameter_index(st, ":device"))) {
		if (o->scope.has_device)
			sqlite3_bind_int64(st, i, o->scope.device);
		else
			sqlite3_bind_null(st, i);
	}
	if ((i = sqlite3_bind_parameter_index(st, ":space"))) {
		if (o->scope.space)
			sqlite3_bind_text(st, i, o->scope.space, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, i);
	}
	if (!w)
		return;
	if ((i = sqlite3_bind_parameter_index(st, ":since")))
		sqlite3_bind_int64(st, i, w->since);
	if ((i = sqlite3_bind_parameter_index(st, ":until")))
		sqlite3_bind_int64(st, i, w->until);
	if ((i = sqlite3_bind_parameter_index(st, ":id_lo")))
		sqlite3_bind_int64(st, i, w->id_lo);
	if ((i = sqlite3_bind_parameter_index(st, ":id_hi")))
		sqlite3_bind_int64(st, i, w->id_hi);
}

void mtan_join_options(struct mtan_extra *out, size_t max, const struct mtan_extra *const *lists)
{
	size_t n = 0;
	for (; *lists; lists++)
		for (const struct mtan_extra *e = *lists; e->opt.name && n < max; e++)
			out[n++] = *e;
	memset(&out[n], 0, sizeof(out[n]));
}

int mtan_coarse_times(sqlite3 *db)
{
	sqlite3_stmt *st;
	int ret = -1;
	if (mtan_prepare(db, "timeline", "clock", &st))
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		ret = sqlite3_column_int(st, 0) != 0;
	else
		mtan_sqlerr(db, "cannot read the database");
	sqlite3_finalize(st);
	return ret;
}
