/* store.c: the last stage of the load: the rows of lifetimes (through a virtual table over
 * the loader's array), anomalies, races, timeline, marks, processes, threads, devices,
 * space statistics and sites (schema: SCHEMA.md; growth: store_growth.c). */
#include "loader.h"
#include "load.h"
#include "opts.h"
#include "output.h"
#include "sites.h"
#include "sql.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

const char *const mtan_anomaly_kinds[] = {"unmatched_free", "double_free", "alloc_over_live",
					  "reuse_race", NULL};

/* ------------------------------------------------------------------ writing */

static const char *func_text(uint8_t op)
{
	static const char *const alloc[] = {"malloc", "calloc", "realloc", "memalign",
					    "client", "new", "unknown", "unknown"};
	static const char *const dealloc[] = {"free", "free", "realloc", "free",
					      "client", "delete", "unknown", "unknown"};
	return MTF_OP_KIND(op) == MTF_ALLOC ? alloc[MTF_OP_FUNC(op)] : dealloc[MTF_OP_FUNC(op)];
}

static int64_t device_sql(uint32_t d)
{
	return d == MTF_HOST ? -1 : (int64_t)d;
}

void mtan_ld_bind_opt(sqlite3_stmt *st, int i, int present, int64_t v)
{
	if (present)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

/* The lifetimes go in with one INSERT ... SELECT from this virtual table over L->lts:
 * SQLite's own loop moves the rows, with no bind, step and reset per row (twice as fast).
 * Registered on every connection that may prepare load.sql (mtan_register_modules). */
struct lt_vtab {
	sqlite3_vtab base;
	const struct loader *L; /* NULL: an empty table (for preparing only) */
};
struct lt_cursor {
	sqlite3_vtab_cursor base;
	size_t k;
};

static int lt_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
		      sqlite3_vtab **out, char **err)
{
	(void)argc;
	(void)argv;
	(void)err;
	/* the stored columns of the lifetimes table, in its order */
	int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(id, pid, address, size, generation, alloc_ns, "
				      "alloc_stack, ops, alloc_dseq, end_dseq, end_dns, dtid, dev, free_thread, "
				      "extra)");
	if (rc != SQLITE_OK)
		return rc;
	struct lt_vtab *v = sqlite3_malloc(sizeof(*v));
	if (!v)
		return SQLITE_NOMEM;
	memset(v, 0, sizeof(*v));
	v->L = aux;
	*out = &v->base;
	return SQLITE_OK;
}

static int lt_disconnect(sqlite3_vtab *v)
{
	sqlite3_free(v);
	return SQLITE_OK;
}

static int lt_best_index(sqlite3_vtab *v, sqlite3_index_info *info)
{
	(void)v;
	info->estimatedCost = 1e6;
	return SQLITE_OK;
}

static int lt_open(sqlite3_vtab *v, sqlite3_vtab_cursor **out)
{
	(void)v;
	struct lt_cursor *c = sqlite3_malloc(sizeof(*c));
	if (!c)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof(*c));
	*out = &c->base;
	return SQLITE_OK;
}

static int lt_close(sqlite3_vtab_cursor *c)
{
	sqlite3_free(c);
	return SQLITE_OK;
}

static int lt_filter(sqlite3_vtab_cursor *c, int idx, const char *idxstr, int argc, sqlite3_value **argv)
{
	(void)idx;
	(void)idxstr;
	(void)argc;
	(void)argv;
	((struct lt_cursor *)c)->k = 0;
	return SQLITE_OK;
}

static int lt_next(sqlite3_vtab_cursor *c)
{
	size_t k = ++((struct lt_cursor *)c)->k;
	const struct loader *L = ((struct lt_vtab *)c->pVtab)->L;
	if ((k & 0xffff) == 0 && L)
		mtan_ld_progress(L, (double)k / (double)L->lts.n);
	return SQLITE_OK;
}

static int lt_eof(sqlite3_vtab_cursor *c)
{
	const struct loader *L = ((struct lt_vtab *)c->pVtab)->L;
	return !L || ((struct lt_cursor *)c)->k >= L->lts.n;
}

static void result_opt(sqlite3_context *ctx, int present, int64_t v)
{
	if (present)
		sqlite3_result_int64(ctx, v);
	else
		sqlite3_result_null(ctx);
}

/* The stored columns of a lifetimes row (schema.sql: the others are read from them). */
static int lt_column(sqlite3_vtab_cursor *c, sqlite3_context *ctx, int col)
{
	const struct loader *L = ((struct lt_vtab *)c->pVtab)->L;
	size_t k = ((struct lt_cursor *)c)->k;
	const struct lifetime *l = &L->lts.p[k];
	const struct pool *p = &L->pools.p[l->pool];
	int64_t id = (int64_t)k + 1;
	int freed = l->reason == R_FREE || l->reason == R_FREE_LATE, ended = l->reason != R_LIVE;
	uint64_t free_seq = l->end_seq, free_ns = l->end_ns;
	if (l->reason == R_FREE_LATE && col == 14) {
		/* repaired after a race: its free is not where it ended */
		const uint32_t *r = map_get(&L->race_map, k, 0);
		if (r) {
			free_seq = L->races.p[*r].free_seq;
			free_ns = L->races.p[*r].free_ns;
		}
	}
	switch (col) {
	case 0: sqlite3_result_int64(ctx, id); break;
	case 1: sqlite3_result_int64(ctx, p->pid); break;
	case 2: sqlite3_result_int64(ctx, (int64_t)l->addr); break;
	case 3: sqlite3_result_int64(ctx, (int64_t)l->size); break;
	case 4: sqlite3_result_int64(ctx, l->gen); break;
	case 5: sqlite3_result_int64(ctx, (int64_t)l->alloc_ns); break;
	case 6: result_opt(ctx, l->alloc_stack != 0, l->alloc_stack); break;
	case 7: {
		int64_t reason = l->reason == R_FREE_LATE ? R_FREE : l->reason;
		sqlite3_result_int64(ctx, (int64_t)MTF_OP_FUNC(l->alloc_op) |
					      (int64_t)(freed ? MTF_OP_FUNC(l->free_op) : 0) << 3 | reason << 6 |
					      (int64_t)(l->flags & LT_INHERITED ? 1 : 0) << 9 |
					      (int64_t)LT_KIND(l) << 10 | (int64_t)p->space << 13);
		break;
	}
	/* schema.sql: alloc_seq is 2 * id + this (the unsigned difference wraps to the signed one) */
	case 8: sqlite3_result_int64(ctx, (int64_t)(l->alloc_seq - 2 * (uint64_t)id)); break;
	case 9: result_opt(ctx, ended, (int64_t)(l->end_seq - l->alloc_seq)); break;
	case 10: result_opt(ctx, ended, (int64_t)(l->end_ns - l->alloc_ns)); break;
	case 11: result_opt(ctx, l->tid != p->pid, (int64_t)l->tid - (int64_t)p->pid); break;
	case 12: result_opt(ctx, p->device != MTF_HOST, device_sql(p->device)); break;
	case 13: result_opt(ctx, freed && l->free_tid != l->tid, l->free_tid); break;
	case 14: { /* the rare ones, as one JSON object (a column of each costs every row a byte) */
		char json[160];
		int n = 0;
		if (l->free_stack)
			n += snprintf(json + n, sizeof json - (size_t)n, ",\"free_stack\":%" PRIu32, l->free_stack);
		if (l->parent)
			n += snprintf(json + n, sizeof json - (size_t)n, ",\"parent_id\":%" PRIu64, (uint64_t)l->parent);
		if (freed && free_seq != l->end_seq)
			n += snprintf(json + n, sizeof json - (size_t)n, ",\"free_dseq\":%" PRId64,
				      (int64_t)(free_seq - l->alloc_seq));
		if (freed && free_ns != l->end_ns)
			n += snprintf(json + n, sizeof json - (size_t)n, ",\"free_dns\":%" PRId64,
				      (int64_t)(free_ns - l->alloc_ns));
		if (!n) {
			sqlite3_result_null(ctx);
			break;
		}
		json[0] = '{';
		n += snprintf(json + n, sizeof json - (size_t)n, "}");
		sqlite3_result_text(ctx, json, n, SQLITE_TRANSIENT);
		break;
	}
	}
	return SQLITE_OK;
}

static int lt_rowid(sqlite3_vtab_cursor *c, sqlite3_int64 *rowid)
{
	*rowid = (sqlite3_int64)((struct lt_cursor *)c)->k + 1;
	return SQLITE_OK;
}

static const sqlite3_module lt_module = {
	.iVersion = 1,
	.xConnect = lt_connect, /* no xCreate: eponymous only, nothing lands in the schema */
	.xBestIndex = lt_best_index,
	.xDisconnect = lt_disconnect,
	.xOpen = lt_open,
	.xClose = lt_close,
	.xFilter = lt_filter,
	.xNext = lt_next,
	.xEof = lt_eof,
	.xColumn = lt_column,
	.xRowid = lt_rowid,
};

int mtan_register_modules(sqlite3 *db, const void *loader)
{
	return sqlite3_create_module(db, "mtan_lifetimes", &lt_module, (void *)loader) == SQLITE_OK ? 0 : -1;
}

/* ---- the twin: lifetimes without its generated columns for the bulk insert (load.sql) */

/* The real declarations of lifetimes and its indexes, put back after the insert. */
struct decls {
	char **name, **sql;
	size_t n;
	int64_t version; /* PRAGMA schema_version before */
	char *columns;   /* the stored columns, as the twin must declare them */
	char *all;       /* every column, generated ones too */
};

static void decls_release(struct decls *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->name[i]);
		free(d->sql[i]);
	}
	free(d->name);
	free(d->sql);
	free(d->columns);
	free(d->all);
	memset(d, 0, sizeof(*d));
}

/* One line per column of lifetimes (name, type, NOT NULL, key; with all, the generated
 * ones too and what each is), in a new string; *stored_gen: a STORED generated column. */
static char *columns_of(sqlite3 *db, int all, int *stored_gen)
{
	sqlite3_stmt *st = NULL;
	char *out = NULL;
	size_t len = 0;
	int rc;
	*stored_gen = 0;
	if (sqlite3_prepare_v2(db, "PRAGMA table_xinfo(lifetimes)", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	/* cid, name, type, notnull, dflt_value, pk, hidden (2 virtual, 3 stored) */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int hidden = sqlite3_column_int(st, 6);
		*stored_gen |= hidden == 3;
		if (hidden && !all)
			continue;
		const char *name = (const char *)sqlite3_column_text(st, 1), *type = (const char *)sqlite3_column_text(st, 2);
		int n = snprintf(NULL, 0, "%s %s %d %d %d\n", name ? name : "", type ? type : "",
				 sqlite3_column_int(st, 3), sqlite3_column_int(st, 5), hidden);
		char *o = realloc(out, len + (size_t)n + 1);
		if (!o) {
			rc = SQLITE_NOMEM;
			break;
		}
		out = o;
		snprintf(out + len, (size_t)n + 1, "%s %s %d %d %d\n", name ? name : "", type ? type : "",
			 sqlite3_column_int(st, 3), sqlite3_column_int(st, 5), hidden);
		len += (size_t)n;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(out);
		return NULL;
	}
	return out ? out : strdup("");
}

static int set_version(sqlite3 *db, int64_t v)
{
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA schema_version = %" PRId64, v);
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* Puts the real declarations back (and SQLite reads them again): 0, or -1 when the schema
 * is not what it was (the database is then not used). */
static int twin_end(sqlite3 *db, const struct decls *d)
{
	sqlite3_stmt *st = NULL;
	int ret = -1, stored_gen;
	char *all = NULL;
	if (sqlite3_prepare_v2(db, "UPDATE sqlite_schema SET sql = ?2 WHERE name = ?1", -1, &st, NULL) != SQLITE_OK)
		goto out;
	for (size_t i = 0; i < d->n; i++) {
		sqlite3_bind_text(st, 1, d->name[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, d->sql[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
		sqlite3_reset(st);
	}
	if (set_version(db, d->version + 2) ||
	    sqlite3_exec(db, "PRAGMA writable_schema = OFF", NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	all = columns_of(db, 1, &stored_gen);
	ret = all && !strcmp(all, d->all) ? 0 : -1;
out:
	free(all);
	sqlite3_finalize(st);
	return ret;
}

/* Puts the twin in place of lifetimes: 1 done, 0 not (the real table takes the rows: the
 * twin does not match it), -1 error. */
static int twin_begin(sqlite3 *db, struct decls *d)
{
	sqlite3_stmt *st = NULL;
	int ret = -1, stored_gen, rc;
	char *twin = NULL;
	if (!(d->columns = columns_of(db, 0, &stored_gen)) || !(d->all = columns_of(db, 1, &stored_gen)))
		goto out;
	if (stored_gen) { /* a STORED generated column is in the records: the twin cannot leave it out */
		ret = 0;
		goto out;
	}
	if (sqlite3_prepare_v2(db, "SELECT name, sql FROM sqlite_schema WHERE tbl_name = 'lifetimes' AND sql IS NOT NULL",
			       -1, &st, NULL) != SQLITE_OK)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char **n = realloc(d->name, (d->n + 1) * sizeof(*n)), **q;
		if (n)
			d->name = n;
		q = n ? realloc(d->sql, (d->n + 1) * sizeof(*q)) : NULL;
		if (q)
			d->sql = q;
		if (!n || !q)
			goto out;
		d->name[d->n] = strdup((const char *)sqlite3_column_text(st, 0));
		d->sql[d->n] = strdup((const char *)sqlite3_column_text(st, 1));
		d->n++;
		if (!d->name[d->n - 1] || !d->sql[d->n - 1])
			goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_DONE ||
	    sqlite3_prepare_v2(db, "PRAGMA schema_version", -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
		goto out;
	d->version = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (mtan_exec(db, "load", "lifetimes_twin") || set_version(db, d->version + 1))
		goto back;
	/* every declaration has its twin, and the twin's columns are the stored ones */
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_schema WHERE tbl_name = 'lifetimes' AND sql = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		goto back;
	for (size_t i = 0; i < d->n; i++) {
		sqlite3_bind_text(st, 1, d->sql[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_int(st, 0))
			goto back;
		sqlite3_reset(st);
	}
	if (!(twin = columns_of(db, 1, &stored_gen)) || strcmp(twin, d->columns))
		goto back;
	ret = 1;
	goto out;
back:
	ret = twin_end(db, d) ? -1 : 0;
out:
	free(twin);
	sqlite3_finalize(st);
	return ret;
}

int mtan_ld_write_lifetimes(struct loader *L)
{
	struct decls d = {0};
	int twin = twin_begin(L->db, &d), rc = twin < 0 ? -1 : mtan_exec(L->db, "load", "lifetimes");
	if (twin > 0 && twin_end(L->db, &d)) {
		mtan_sqlerr(L->db, "cannot write the database");
		L->reported = 1;
		rc = -1;
	} else if (twin < 0) {
		mtan_sqlerr(L->db, "cannot write the database");
		L->reported = 1;
	}
	decls_release(&d);
	if (rc)
		return -1;
	/* the ids the other tables already use are index + 1: the table had to be empty */
	if (L->lts.n && (uint64_t)sqlite3_last_insert_rowid(L->db) != L->lts.n) {
		mtan_err("internal error: lifetime ids out of step");
		return -1;
	}
	return 0;
}

int mtan_ld_write_anomalies(struct loader *L)
{
	sqlite3_stmt *st;
	if (mtan_prepare(L->db, "load", "anomaly", &st))
		return -1;
	int ret = -1;
	uint32_t id = 0;
	for (size_t k = 0; k < L->ans.n; k++) {
		struct anomaly *a = &L->ans.p[k];
		struct ev e = a->ev;
		const struct pool *p = &L->pools.p[e.pool];
		if (a->kind == A_DROPPED)
			continue;
		if (a->at_lt) { /* the event is a lifetime's allocation */
			const struct lifetime *l = &L->lts.p[a->at_lt - 1];
			e.seq = l->alloc_seq;
			e.time_ns = l->alloc_ns;
			e.tid = l->tid;
			e.op = l->alloc_op;
			e.size = l->size;
		}
		a->id = ++id;
		sqlite3_bind_int64(st, 1, a->id);
		sqlite3_bind_text(st, 2, kind_text[a->kind], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, p->pid);
		sqlite3_bind_int64(st, 4, device_sql(p->device));
		sqlite3_bind_int64(st, 5, p->space);
		sqlite3_bind_int64(st, 6, (int64_t)e.addr);
		sqlite3_bind_int64(st, 7, (int64_t)e.seq);
		sqlite3_bind_int64(st, 8, (int64_t)e.time_ns);
		sqlite3_bind_int64(st, 9, e.tid);
		sqlite3_bind_text(st, 10, func_text(e.op), -1, SQLITE_STATIC);
		mtan_ld_bind_opt(st, 11, MTF_OP_KIND(e.op) == MTF_ALLOC, (int64_t)e.size);
		mtan_ld_bind_opt(st, 12, a->stack != 0, a->stack);
		mtan_ld_bind_opt(st, 13, a->lifetime != 0, a->lifetime);
		if (mtan_ld_step(L, st))
			goto out;
	}
	L->nanomalies = id;
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

/* After write_anomalies: a race row refers to its reuse_race anomaly by id. */
int mtan_ld_write_races(struct loader *L)
{
	sqlite3_stmt *st;
	if (mtan_prepare(L->db, "load", "race", &st))
		return -1;
	int ret = -1;
	for (size_t k = 0; k < L->races.n; k++) {
		const struct race *r = &L->races.p[k];
		const struct lifetime *freed = &L->lts.p[r->freed], *reuse = &L->lts.p[r->reuse];
		const struct pool *p = &L->pools.p[reuse->pool];
		/* the late report: late_alloc, the allocation of the block the free ended;
		 * late_free, the free */
		int la = r->form == RACE_LATE_ALLOC;
		uint64_t late_seq = la ? freed->alloc_seq : r->free_seq, late_ns = la ? freed->alloc_ns : r->free_ns;
		uint32_t late_tid = la ? freed->tid : r->free_tid;
		uint64_t seqs[3] = {r->free_seq, reuse->alloc_seq, late_seq}, ns[3] = {r->free_ns, reuse->alloc_ns, late_ns};
		uint64_t first_seq = seqs[0], last_seq = seqs[0], lo = ns[0], hi = ns[0];
		for (int j = 1; j < 3; j++) {
			first_seq = seqs[j] < first_seq ? seqs[j] : first_seq;
			last_seq = seqs[j] > last_seq ? seqs[j] : last_seq;
			lo = ns[j] < lo ? ns[j] : lo;
			hi = ns[j] > hi ? ns[j] : hi;
		}
		int64_t window = (int64_t)(hi - lo);
		sqlite3_bind_int64(st, 1, (int64_t)k + 1);
		sqlite3_bind_int64(st, 2, L->ans.p[r->anomaly].id);
		sqlite3_bind_text(st, 3, race_form_text[r->form], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, p->pid);
		sqlite3_bind_int64(st, 5, device_sql(p->device));
		sqlite3_bind_int64(st, 6, p->space);
		sqlite3_bind_int64(st, 7, (int64_t)reuse->addr);
		sqlite3_bind_int64(st, 8, (int64_t)r->free_seq);
		sqlite3_bind_int64(st, 9, (int64_t)r->free_ns);
		sqlite3_bind_int64(st, 10, r->free_tid);
		sqlite3_bind_int64(st, 11, (int64_t)reuse->alloc_seq);
		sqlite3_bind_int64(st, 12, (int64_t)reuse->alloc_ns);
		sqlite3_bind_int64(st, 13, reuse->tid);
		sqlite3_bind_int64(st, 14, (int64_t)late_seq);
		sqlite3_bind_int64(st, 15, (int64_t)late_ns);
		sqlite3_bind_int64(st, 16, late_tid);
		sqlite3_bind_int64(st, 17, r->freed + 1);
		sqlite3_bind_int64(st, 18, r->reuse + 1);
		sqlite3_bind_int64(st, 19, (int64_t)first_seq);
		sqlite3_bind_int64(st, 20, (int64_t)last_seq);
		sqlite3_bind_int64(st, 21, window);
		if (mtan_ld_step(L, st))
			goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

int mtan_ld_write_timeline(struct loader *L)
{
	sqlite3_stmt *st;
	if (mtan_prepare(L->db, "load", "timeline", &st))
		return -1;
	int ret = -1;
	for (size_t k = 0; k < L->tl.n; k++) {
		const struct tl_row *r = &L->tl.p[k];
		const struct track *t = &L->tracks.p[r->track];
		mtan_ld_bind_opt(st, 1, !(t->scope & T_ALL_PIDS), t->pid);
		sqlite3_bind_int64(st, 2, device_sql(t->device));
		sqlite3_bind_text(st, 3, L->names.p[t->name], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, r->bucket);
		sqlite3_bind_int64(st, 5, (int64_t)r->seq);
		sqlite3_bind_int64(st, 6, (int64_t)r->ns);
		sqlite3_bind_int64(st, 7, r->live);
		sqlite3_bind_int64(st, 8, r->blocks);
		sqlite3_bind_int64(st, 9, r->max);
		sqlite3_bind_int64(st, 10, r->allocs);
		sqlite3_bind_int64(st, 11, r->frees);
		sqlite3_bind_int64(st, 12, (int64_t)r->in);
		sqlite3_bind_int64(st, 13, (int64_t)r->out);
		if (mtan_ld_step(L, st))
			goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

/* The marks (kept in the seq stream for the pairing) and the live bytes at the kept ones. */
int mtan_ld_write_marks(struct loader *L)
{
	sqlite3_stmt *st = L->st_mark, *ml = NULL;
	int ret = -1;
	for (size_t i = 0; i < L->recs.n; i++) {
		const struct rec *r = &L->recs.p[i];
		if (r->type != MTF_MARK)
			continue;
		sqlite3_bind_int64(st, 1, r->pid);
		sqlite3_bind_int64(st, 2, r->tid);
		sqlite3_bind_int64(st, 3, (int64_t)r->seq);
		sqlite3_bind_int64(st, 4, (int64_t)r->time_ns);
		sqlite3_bind_text(st, 5, r->s1, (int)r->len1, SQLITE_STATIC);
		if (mtan_ld_step(L, st))
			goto out;
	}
	if (mtan_prepare(L->db, "load", "mark_live", &ml))
		goto out;
	for (size_t k = 0; k < L->mlive.n; k++) {
		const struct mlive *m = &L->mlive.p[k];
		const struct track *t = &L->tracks.p[m->track];
		sqlite3_bind_int64(ml, 1, (int64_t)L->recs.p[m->rec].seq);
		mtan_ld_bind_opt(ml, 2, !(t->scope & T_ALL_PIDS), t->pid);
		sqlite3_bind_int64(ml, 3, device_sql(t->device));
		sqlite3_bind_text(ml, 4, L->names.p[t->name], -1, SQLITE_STATIC);
		sqlite3_bind_int64(ml, 5, m->live);
		sqlite3_bind_int64(ml, 6, m->blocks);
		if (mtan_ld_step(L, ml))
			goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(ml);
	return ret;
}

int mtan_ld_write_processes(struct loader *L)
{
	sqlite3_stmt *st;
	if (mtan_prepare(L->db, "load", "process", &st))
		return -1;
	int ret = -1;
	/* processes the trace has events of but no record for still get a row */
	for (size_t k = 0; k < L->procs.n; k++) {
		if (L->procs.p[k].row != NONE)
			continue;
		struct prow *row = VEC_PUSH(L->prows);
		if (!row)
			goto out;
		row->pid = L->procs.p[k].pid;
	}
	for (size_t k = 0; k < L->prows.n; k++) {
		const struct prow *r = &L->prows.p[k];
		sqlite3_bind_int64(st, 1, r->pid);
		mtan_ld_bind_opt(st, 2, r->has_start, r->ppid);
		if (r->has_start) {
			sqlite3_bind_text(st, 3, r->exe, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 4, r->cmdline, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 5, r->how == MTF_PROC_FORK ? "fork" : r->how == MTF_PROC_ATTACH ? "attach" : "exec", -1, SQLITE_STATIC);
		} else {
			for (int c = 3; c <= 5; c++)
				sqlite3_bind_null(st, c);
		}
		mtan_ld_bind_opt(st, 6, r->has_start, (int64_t)r->start_seq);
		mtan_ld_bind_opt(st, 7, r->has_start, (int64_t)r->start_ns);
		mtan_ld_bind_opt(st, 8, r->has_exit, (int64_t)r->exit_seq);
		mtan_ld_bind_opt(st, 9, r->has_exit, (int64_t)r->exit_ns);
		int known = r->has_exit && r->code != MTF_EXIT_UNKNOWN;
		mtan_ld_bind_opt(st, 10, known, r->code);
		mtan_ld_bind_opt(st, 11, known, r->signal);
		/* its scan: the last that began while this row's process ran */
		const struct scan *sc = NULL;
		for (size_t j = 0; j < L->scans.n; j++) {
			const struct scan *c = &L->scans.p[j];
			if (c->pid == r->pid && (!r->has_start || c->seq > r->start_seq) &&
			    (!r->has_exit || c->seq < r->exit_seq) && (!sc || c->seq > sc->seq))
				sc = c;
		}
		mtan_ld_bind_opt(st, 12, sc != NULL, sc ? (int64_t)sc->seq : 0);
		sqlite3_bind_int64(st, 13, sc && sc->done);
		if (mtan_ld_step(L, st))
			goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

int mtan_ld_write_threads(struct loader *L)
{
	for (size_t k = 0; k < L->threads.n; k++) {
		const struct thread *t = &L->threads.p[k];
		sqlite3_stmt *st = L->st_thread;
		sqlite3_bind_int64(st, 1, t->pid);
		sqlite3_bind_int64(st, 2, t->tid);
		if (t->named) {
			sqlite3_bind_text(st, 3, t->name, (int)t->name_len, SQLITE_TRANSIENT);
			sqlite3_bind_int64(st, 4, (int64_t)t->rec_seq);
			sqlite3_bind_int64(st, 5, (int64_t)t->rec_time);
		} else {
			sqlite3_bind_null(st, 3);
			mtan_ld_bind_opt(st, 4, t->seq != UINT64_MAX, (int64_t)t->seq);
			mtan_ld_bind_opt(st, 5, t->seq != UINT64_MAX, (int64_t)t->time_ns);
		}
		if (mtan_ld_step(L, st))
			return -1;
	}
	return 0;
}

int mtan_ld_write_devices(struct loader *L)
{
	sqlite3_stmt *st;
	if (mtan_prepare(L->db, "load", "device", &st))
		return -1;
	int ret = -1;
	for (size_t k = 0; k < L->devs.n; k++) {
		const struct devrow *d = &L->devs.p[k];
		sqlite3_bind_int64(st, 1, d->pid);
		sqlite3_bind_int64(st, 2, device_sql(d->device));
		if (d->name)
			sqlite3_bind_text(st, 3, d->name, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 3);
		mtan_ld_bind_opt(st, 4, d->has_open && d->capacity, (int64_t)d->capacity);
		mtan_ld_bind_opt(st, 5, d->has_open, (int64_t)d->open_seq);
		mtan_ld_bind_opt(st, 6, d->has_open, (int64_t)d->open_ns);
		mtan_ld_bind_opt(st, 7, d->has_close, (int64_t)d->close_seq);
		mtan_ld_bind_opt(st, 8, d->has_close, (int64_t)d->close_ns);
		mtan_ld_bind_opt(st, 9, d->has_ready, (int64_t)d->ready_seq);
		mtan_ld_bind_opt(st, 10, d->has_ready, (int64_t)d->ready_ns);
		if (mtan_ld_step(L, st))
			goto out;
	}
	/* each open's baseline: its ready, else the process's first mark after the open */
	ret = mtan_exec(L->db, "load", "device_baseline");
out:
	sqlite3_finalize(st);
	return ret;
}

/* Allocation sites over the whole trace, counted from the lifetimes in memory: what
 * `mtan top` and the view alloc_sites read without going over every lifetime again. */
struct site_row {
	uint32_t pool, stack;
	uint64_t allocs, bytes, frees, temps, temp_bytes, leaked, leaked_bytes;
	double est[6]; /* the sites.est_ columns: allocs, bytes, temporaries and leaks estimated */
};
#define TEMPORARY_NS 1000000 /* sites.temporaries: freed within 1 ms */

int mtan_ld_write_sites(struct loader *L)
{
	struct map m = {0};
	VEC(struct site_row) rows = {0};
	sqlite3_stmt *st = NULL;
	int ret = -1;
	uint32_t last_pool = NONE, last_stack = 0, last = 0;
	if (mtan_prepare(L->db, "load", "site", &st))
		goto out;
	for (size_t k = 0; k < L->lts.n; k++) {
		const struct lifetime *l = &L->lts.p[k];
		if (l->flags & LT_INHERITED)
			continue;
		if (l->pool != last_pool || l->alloc_stack != last_stack) {
			int isnew;
			uint32_t *v = map_at(&m, l->pool, l->alloc_stack, &isnew);
			if (!v)
				goto nomem;
			if (isnew) {
				struct site_row *r = VEC_PUSH(rows);
				if (!r)
					goto nomem;
				r->pool = l->pool;
				r->stack = l->alloc_stack;
				*v = (uint32_t)(rows.n - 1);
			}
			last = *v;
			last_pool = l->pool;
			last_stack = l->alloc_stack;
		}
		struct site_row *r = &rows.p[last];
		/* sampled: a block with a stack stands for w of its kind, one without for none */
		double w = !L->sample_bytes ? 1 : l->alloc_stack ? mtan_sample_weight(l->size, L->sample_bytes) : 0;
		r->allocs++;
		r->bytes += l->size;
		r->est[0] += w;
		r->est[1] += w * (double)l->size;
		if (l->reason == R_FREE || l->reason == R_FREE_LATE) {
			r->frees++;
			if (l->end_ns - l->alloc_ns < TEMPORARY_NS && l->end_ns >= l->alloc_ns) {
				r->temps++;
				r->temp_bytes += l->size;
				r->est[2] += w;
				r->est[3] += w * (double)l->size;
			}
		} else if (l->reason == R_LIVE) {
			r->leaked++;
			r->leaked_bytes += l->size;
			r->est[4] += w;
			r->est[5] += w * (double)l->size;
		}
	}
	for (size_t k = 0; k < rows.n; k++) {
		const struct site_row *r = &rows.p[k];
		const struct pool *p = &L->pools.p[r->pool];
		sqlite3_bind_int64(st, 1, p->pid);
		sqlite3_bind_int64(st, 2, device_sql(p->device));
		sqlite3_bind_int64(st, 3, p->space);
		mtan_ld_bind_opt(st, 4, r->stack != 0, r->stack);
		sqlite3_bind_int64(st, 5, (int64_t)r->allocs);
		sqlite3_bind_int64(st, 6, (int64_t)r->bytes);
		sqlite3_bind_int64(st, 7, (int64_t)r->frees);
		sqlite3_bind_int64(st, 8, (int64_t)r->temps);
		sqlite3_bind_int64(st, 9, (int64_t)r->temp_bytes);
		sqlite3_bind_int64(st, 10, (int64_t)r->leaked);
		sqlite3_bind_int64(st, 11, (int64_t)r->leaked_bytes);
		for (int i = 0; i < 6; i++)
			sqlite3_bind_double(st, 12 + i, r->est[i]);
		if (mtan_ld_step(L, st))
			goto out;
	}
	ret = 0;
	goto out;
nomem:
	mtan_err("'%s': out of memory", L->trace);
	L->reported = 1;
out:
	sqlite3_finalize(st);
	free(rows.p);
	mtan_ld_map_release(&m);
	return ret;
}

int mtan_ld_write_stats(struct loader *L)
{
	sqlite3_stmt *st = NULL, *pk = NULL;
	int ret = -1;
	if (mtan_prepare(L->db, "load", "space_stats", &st) || mtan_prepare(L->db, "load", "peak", &pk))
		goto out;
	for (size_t k = 0; k < L->pools.n; k++) {
		struct pool *p = mtan_ld_pool_at(L, (uint32_t)k);
		if (!p)
			goto out;
		sqlite3_bind_int64(st, 1, p->pid);
		sqlite3_bind_int64(st, 2, device_sql(p->device));
		sqlite3_bind_int64(st, 3, p->space);
		sqlite3_bind_text(st, 4, L->names.p[p->name], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, (int64_t)p->allocs);
		sqlite3_bind_int64(st, 6, (int64_t)p->frees);
		sqlite3_bind_int64(st, 7, (int64_t)p->bytes_allocated);
		sqlite3_bind_int64(st, 8, (int64_t)p->bytes_freed);
		sqlite3_bind_int64(st, 9, (int64_t)p->leaked_blocks);
		sqlite3_bind_int64(st, 10, (int64_t)p->leaked_bytes);
		sqlite3_bind_int64(st, 11, (int64_t)p->released_blocks);
		sqlite3_bind_int64(st, 12, (int64_t)p->released_bytes);
		sqlite3_bind_int64(st, 13, p->live);
		mtan_ld_bind_opt(st, 14, p->allocs != 0, (int64_t)p->min_addr);
		mtan_ld_bind_opt(st, 15, p->allocs != 0, (int64_t)p->max_end);
		if (mtan_ld_step(L, st))
			goto out;
	}
	/* the whole trace has a peak row even when it has no event */
	if (mtan_ld_track_get(L, T_ALL_PIDS | T_ALL_DEVICES, 0, 0, -1) == NONE)
		goto out;
	for (size_t k = 0; k < L->tracks.n; k++) {
		const struct track *t = &L->tracks.p[k];
		mtan_ld_bind_opt(pk, 1, !(t->scope & T_ALL_PIDS), t->pid);
		mtan_ld_bind_opt(pk, 2, !(t->scope & T_ALL_DEVICES), device_sql(t->device));
		if (t->name >= 0)
			sqlite3_bind_text(pk, 3, L->names.p[t->name], -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(pk, 3);
		sqlite3_bind_int64(pk, 4, t->peak);
		mtan_ld_bind_opt(pk, 5, t->peak > 0, (int64_t)t->peak_seq);
		mtan_ld_bind_opt(pk, 6, t->peak > 0, (int64_t)t->peak_ns);
		if (mtan_ld_step(L, pk))
			goto out;
	}
	/* mtrec -p: frees of blocks from before the attach, counted in no space's frees */
	if (L->has_attach && (mtan_ld_meta_int(L, "attach_seq", (long long)L->attach_seq) ||
			      mtan_ld_meta_int(L, "frees_before_attach", (long long)L->frees_before_attach)))
		goto out;
	ret = 0;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(pk);
	return ret;
}
