/* store_lifetimes.c: the store stage's lifetimes rows, written in batches sorted by id while
 * the pairing goes (the sink of struct ltstore) and once more for those still in memory
 * at the end, through a virtual table over the batch; and the sites table, counted from
 * the lifetimes as they are written (schema: SCHEMA.md). */
#include "loader.h"
#include "load.h"
#include "output.h"
#include "sites.h"
#include "sql.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static int64_t device_sql(uint32_t d)
{
	return d == MTF_HOST ? -1 : (int64_t)d;
}

/* The lifetimes go in with one INSERT ... SELECT from this virtual table over the batch in
 * hand (L->wr): SQLite's own loop moves the rows, with no bind, step and reset per row
 * (twice as fast).
 * Registered on every connection that may prepare load.sql (mtan_register_modules). */
struct lt_vtab {
	sqlite3_vtab base;
	const struct loader *L; /* NULL: an empty table (for preparing only) */
};
#define LT_COLS 15
struct lt_cursor {
	sqlite3_vtab_cursor base;
	size_t k;
	/* row k's columns, made at its first column's call: SQLite asks for each in turn */
	size_t made;             /* k + 1 of the row in hand, 0 none */
	int64_t v[LT_COLS];
	uint16_t null;           /* bit c: column c is NULL */
	int njson;               /* extra's text (column 14) */
	char json[160];
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
	if ((k & 0xffff) == 0 && L && L->wr_final)
		mtan_ld_progress(L, (double)k / (double)L->nwr);
	return SQLITE_OK;
}

static int lt_eof(sqlite3_vtab_cursor *c)
{
	const struct loader *L = ((struct lt_vtab *)c->pVtab)->L;
	return !L || ((struct lt_cursor *)c)->k >= L->nwr;
}

/* The stored columns of row k (schema.sql: the others are read from them) into the cursor. */
static void lt_make(const struct loader *L, struct lt_cursor *cur)
{
	const struct lifetime *l = L->wr[cur->k];
	const struct pool *p = &(L->wr_pools ? L->wr_pools : L->pools.p)[l->pool];
	int64_t id = l->id;
	int freed = l->reason == R_FREE || l->reason == R_FREE_LATE, ended = l->reason != R_LIVE;
	uint64_t free_seq = l->end_seq, free_ns = l->end_ns;
	if (l->reason == R_FREE_LATE) {
		/* repaired after a race: its free is not where it ended */
		const uint32_t *r = map_get(&L->race_map, l->id - 1, 0);
		if (r) {
			free_seq = L->races.p[*r].free_seq;
			free_ns = L->races.p[*r].free_ns;
		}
	}
	int64_t *v = cur->v;
	uint16_t null = 0;
	int64_t reason = l->reason == R_FREE_LATE ? R_FREE : l->reason;
	v[0] = id;
	v[1] = p->pid;
	v[2] = (int64_t)l->addr;
	v[3] = (int64_t)l->size;
	v[4] = l->gen;
	v[5] = (int64_t)l->alloc_ns;
	v[6] = l->alloc_stack;
	null |= (uint16_t)(l->alloc_stack == 0) << 6;
	v[7] = (int64_t)MTF_OP_FUNC(l->alloc_op) | (int64_t)(freed ? MTF_OP_FUNC(l->free_op) : 0) << 3 |
	       reason << 6 | (int64_t)(l->flags & LT_INHERITED ? 1 : 0) << 9 | (int64_t)LT_KIND(l) << 10 |
	       (int64_t)p->space << 13;
	/* schema.sql: alloc_seq is 2 * id + this (the unsigned difference wraps to the signed one) */
	v[8] = (int64_t)(l->alloc_seq - 2 * (uint64_t)id);
	v[9] = (int64_t)(l->end_seq - l->alloc_seq);
	v[10] = (int64_t)(l->end_ns - l->alloc_ns);
	null |= (uint16_t)!ended << 9 | (uint16_t)!ended << 10;
	v[11] = (int64_t)l->tid - (int64_t)p->pid;
	null |= (uint16_t)(l->tid == p->pid) << 11;
	v[12] = device_sql(p->device);
	null |= (uint16_t)(p->device == MTF_HOST) << 12;
	v[13] = l->free_tid;
	null |= (uint16_t)!(freed && l->free_tid != l->tid) << 13;
	/* the rare ones, as one JSON object (a column of each costs every row a byte) */
	char *json = cur->json;
	size_t room = sizeof cur->json;
	int n = 0;
	if (l->free_stack)
		n += snprintf(json + n, room - (size_t)n, ",\"free_stack\":%" PRIu32, l->free_stack);
	if (l->parent)
		n += snprintf(json + n, room - (size_t)n, ",\"parent_id\":%" PRIu64, (uint64_t)l->parent);
	if (freed && free_seq != l->end_seq)
		n += snprintf(json + n, room - (size_t)n, ",\"free_dseq\":%" PRId64, (int64_t)(free_seq - l->alloc_seq));
	if (freed && free_ns != l->end_ns)
		n += snprintf(json + n, room - (size_t)n, ",\"free_dns\":%" PRId64, (int64_t)(free_ns - l->alloc_ns));
	if (n) {
		json[0] = '{';
		n += snprintf(json + n, room - (size_t)n, "}");
	} else {
		null |= 1u << 14;
	}
	cur->njson = n;
	cur->null = null;
	cur->made = cur->k + 1;
}

static int lt_column(sqlite3_vtab_cursor *c, sqlite3_context *ctx, int col)
{
	struct lt_cursor *cur = (struct lt_cursor *)c;
	if (cur->made != cur->k + 1)
		lt_make(((struct lt_vtab *)c->pVtab)->L, cur);
	if (col < 0 || col >= LT_COLS || (cur->null >> col & 1))
		sqlite3_result_null(ctx);
	else if (col == 14)
		sqlite3_result_text(ctx, cur->json, cur->njson, SQLITE_TRANSIENT);
	else
		sqlite3_result_int64(ctx, cur->v[col]);
	return SQLITE_OK;
}

static int lt_rowid(sqlite3_vtab_cursor *c, sqlite3_int64 *rowid)
{
	const struct loader *L = ((struct lt_vtab *)c->pVtab)->L;
	*rowid = L->wr[((struct lt_cursor *)c)->k]->id;
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

/* ------------------------------------------------------------------ sites */

#define TEMPORARY_NS 1000000 /* sites.temporaries: freed within 1 ms */

/* Counts rows in their sites (L->sites): what `mtan top` and the view alloc_sites read
 * without going over every lifetime again. -1: out of memory. */
static int count_sites(struct loader *L, struct lifetime *const *rows, size_t n)
{
	uint32_t last_pool = NONE, last_stack = 0, last = 0;
	for (size_t k = 0; k < n; k++) {
		const struct lifetime *l = rows[k];
		if (l->flags & LT_INHERITED)
			continue;
		if (l->pool != last_pool || l->alloc_stack != last_stack) {
			int isnew;
			uint32_t *v = map_at(&L->site_map, l->pool, l->alloc_stack, &isnew);
			if (!v)
				return -1;
			if (isnew) {
				struct site_row *r = VEC_PUSH(L->sites);
				if (!r)
					return -1;
				r->pool = l->pool;
				r->stack = l->alloc_stack;
				r->first = l->id;
				*v = (uint32_t)(L->sites.n - 1);
			}
			last = *v;
			last_pool = l->pool;
			last_stack = l->alloc_stack;
		}
		struct site_row *r = &L->sites.p[last];
		/* sampled: a block with a stack stands for w of its kind, one without for none */
		double w = !L->sample_bytes ? 1 : l->alloc_stack ? mtan_sample_weight(l->size, L->sample_bytes) : 0;
		if (l->id < r->first)
			r->first = l->id;
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
	return 0;
}

static int by_first(const void *a, const void *b)
{
	const struct site_row *x = a, *y = b;
	return (x->first > y->first) - (x->first < y->first);
}

/* The sites counted as the lifetimes were written, in the order of their first lifetime
 * (as one pass over them in id order would meet them). */
int mtan_ld_write_sites(struct loader *L)
{
	sqlite3_stmt *st = NULL;
	int ret = -1;
	if (mtan_prepare(L->db, "load", "site", &st))
		goto out;
	if (L->sites.n)
		qsort(L->sites.p, L->sites.n, sizeof(*L->sites.p), by_first);
	for (size_t k = 0; k < L->sites.n; k++) {
		const struct site_row *r = &L->sites.p[k];
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
out:
	sqlite3_finalize(st);
	return ret;
}

/* ------------------------------------------------------------------ writing */

/* Rows written while pairing that growth's sites may take whatever their ids: the long ones
 * (a compact copy each; the rest are read back by id when needed). */
static int keep_long(struct loader *L, struct lifetime *const *rows, size_t n)
{
	if (L->wr_final)
		return 0;
	for (size_t k = 0; k < n; k++) {
		const struct lifetime *l = rows[k];
		if (l->reason == R_LIVE || l->end_seq - l->alloc_seq <= GROWTH_SHORT)
			continue;
		struct glong *g = VEC_PUSH(L->lts.glong);
		if (!g)
			return -1;
		*g = (struct glong){l->id, l->pool, l->alloc_stack, l->alloc_seq, l->end_seq, l->size};
	}
	return 0;
}

int mtan_ld_write_lifetime_rows(struct loader *L, struct lifetime *const *rows, size_t n)
{
	struct decls d = {0};
	int ret = -1;
	if (!n)
		return 0;
	L->wr = rows;
	L->nwr = n;
	int twin = twin_begin(L->db, &d), rc = twin < 0 ? -1 : mtan_exec(L->db, "load", "lifetimes");
	/* read before twin_end, whose updates count too */
	uint64_t added = rc ? 0 : (uint64_t)sqlite3_changes64(L->db);
	if (twin > 0 && twin_end(L->db, &d)) {
		mtan_sqlerr(L->db, "cannot write the database");
		L->reported = 1;
		rc = -1;
	} else if (twin < 0) {
		mtan_sqlerr(L->db, "cannot write the database");
		L->reported = 1;
	}
	decls_release(&d);
	L->wr = NULL;
	L->nwr = 0;
	if (rc)
		goto out;
	/* every row went in at its own id: none was there before */
	if (added != n) {
		mtan_err("internal error: lifetime ids out of step");
		L->reported = 1;
		goto out;
	}
	L->lts_written += n;
	if (count_sites(L, rows, n) || keep_long(L, rows, n)) {
		mtan_err("'%s': out of memory", L->trace);
		L->reported = 1;
		goto out;
	}
	ret = 0;
out:
	return ret;
}

int mtan_ld_write_lifetimes(struct loader *L)
{
	L->wr_final = 1;
	int rc = mtan_ld_write_lifetime_rows(L, L->lts.rows.p, L->lts.rows.n);
	L->wr_final = 0;
	if (rc)
		return -1;
	if (L->lts_written != L->nlts) {
		mtan_err("internal error: lifetime ids out of step");
		L->reported = 1;
		return -1;
	}
	return 0;
}
