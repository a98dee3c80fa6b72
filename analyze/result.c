/* result.c: the rows an analysis returns: typed columns, then rows of cells, built by hand
 * or from SQLite statements. */
#include "result.h"
#include "opts.h"
#include "output.h"

#include <stdlib.h>
#include <string.h>

struct mtan_result *mtan_result_new(const struct mtan_col *cols, int n)
{
	struct mtan_result *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->ncols = n;
	if (!(r->cols = calloc((size_t)(n ? n : 1), sizeof(*r->cols))))
		goto fail;
	for (int i = 0; i < n; i++) {
		r->cols[i].kind = cols[i].kind;
		r->cols[i].key = strdup(cols[i].key);
		r->cols[i].head = strdup(cols[i].head ? cols[i].head : cols[i].key);
		if (!r->cols[i].key || !r->cols[i].head)
			goto fail;
	}
	return r;
fail:
	mtan_result_free(r);
	return NULL;
}

void mtan_result_show(struct mtan_result *r, int i, int show)
{
	if (r && i >= 0 && i < r->ncols)
		r->cols[i].show = show;
}

/* The next cell's slot, room made for a new row at its first cell; NULL on no memory (the
 * row is then dropped whole: oom set, its cells taken as they come and let go). */
static struct mtan_cell *slot(struct mtan_result *r)
{
	if (r->col == 0 && r->nrows == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct mtan_cell *c = realloc(r->cells, cap * (size_t)r->ncols * sizeof(*c));
		if (!c) {
			r->oom = 1;
			return NULL;
		}
		r->cells = c;
		r->cap = cap;
	}
	if (r->nrows == r->cap)
		return NULL; /* the row whose room could not be made */
	return &r->cells[r->nrows * (size_t)r->ncols + (size_t)r->col];
}

/* Ends a cell: the row counts once its last one is in. */
static void next(struct mtan_result *r)
{
	if (++r->col < r->ncols)
		return;
	r->col = 0;
	if (r->nrows < r->cap)
		r->nrows++;
}

static void cell_release(struct mtan_cell *c)
{
	if (c->type == MTAN_CELL_TEXT)
		free(c->v.s);
	else if (c->type == MTAN_CELL_ROWS)
		mtan_result_free(c->v.rows);
	c->type = MTAN_CELL_NULL;
}

void mtan_result_int(struct mtan_result *r, long long v)
{
	struct mtan_cell *c = slot(r);
	if (c) {
		c->type = MTAN_CELL_INT;
		c->v.i = v;
	}
	next(r);
}

void mtan_result_real(struct mtan_result *r, double v)
{
	struct mtan_cell *c = slot(r);
	if (c) {
		c->type = MTAN_CELL_REAL;
		c->v.r = v;
	}
	next(r);
}

void mtan_result_text(struct mtan_result *r, const char *s)
{
	struct mtan_cell *c = slot(r);
	if (c) {
		c->type = s ? MTAN_CELL_TEXT : MTAN_CELL_NULL;
		if (s && !(c->v.s = strdup(s))) {
			c->type = MTAN_CELL_NULL;
			r->oom = 1;
		}
	}
	next(r);
}

void mtan_result_null(struct mtan_result *r)
{
	struct mtan_cell *c = slot(r);
	if (c)
		c->type = MTAN_CELL_NULL;
	next(r);
}

void mtan_result_absent(struct mtan_result *r)
{
	struct mtan_cell *c = slot(r);
	if (c)
		c->type = MTAN_CELL_ABSENT;
	next(r);
}

void mtan_result_rows(struct mtan_result *r, struct mtan_result *sub)
{
	struct mtan_cell *c = slot(r);
	if (c && sub) {
		c->type = MTAN_CELL_ROWS;
		c->v.rows = sub;
	} else {
		if (c)
			c->type = MTAN_CELL_NULL;
		if (!sub)
			r->oom = 1;
		mtan_result_free(sub);
	}
	next(r);
}

void mtan_result_column(struct mtan_result *r, sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		mtan_result_int(r, sqlite3_column_int64(st, i));
		break;
	case SQLITE_FLOAT:
		mtan_result_real(r, sqlite3_column_double(st, i));
		break;
	case SQLITE_NULL:
		mtan_result_null(r);
		break;
	case SQLITE_BLOB: {
		/* as hex, the way sqlite3's shell quotes a blob: X'00ff' */
		const unsigned char *b = sqlite3_column_blob(st, i);
		int len = sqlite3_column_bytes(st, i);
		char *hex = malloc((size_t)len * 2 + 4);
		if (!hex) {
			r->oom = 1;
			mtan_result_null(r);
			break;
		}
		char *p = hex;
		p += sprintf(p, "X'");
		for (int k = 0; k < len; k++)
			p += sprintf(p, "%02x", b[k]);
		sprintf(p, "'");
		mtan_result_text(r, hex);
		free(hex);
		break;
	}
	default:
		mtan_result_text(r, (const char *)sqlite3_column_text(st, i));
	}
}

int mtan_result_ok(struct mtan_result *r)
{
	while (r->col) /* a row left short: complete it with NULLs */
		mtan_result_null(r);
	if (r->oom) {
		mtan_err("out of memory");
		return -1;
	}
	return 0;
}

const struct mtan_cell *mtan_result_cell(const struct mtan_result *r, size_t row, int col)
{
	return &r->cells[row * (size_t)r->ncols + (size_t)col];
}

long long mtan_result_get_int(const struct mtan_result *r, size_t row, int col, long long def)
{
	const struct mtan_cell *c = mtan_result_cell(r, row, col);
	return c->type == MTAN_CELL_INT ? c->v.i : c->type == MTAN_CELL_REAL ? (long long)c->v.r : def;
}

const char *mtan_result_get_text(const struct mtan_result *r, size_t row, int col)
{
	const struct mtan_cell *c = mtan_result_cell(r, row, col);
	return c->type == MTAN_CELL_TEXT ? c->v.s : NULL;
}

int mtan_result_take(struct mtan_result *r, struct mtan_result *from)
{
	if (from->ncols != r->ncols || r->col || from->col)
		return -1;
	if (r->nrows + from->nrows > r->cap) {
		size_t cap = r->nrows + from->nrows;
		struct mtan_cell *c = realloc(r->cells, cap * (size_t)r->ncols * sizeof(*c));
		if (!c) {
			mtan_err("out of memory");
			return -1;
		}
		r->cells = c;
		r->cap = cap;
	}
	if (from->nrows)
		memcpy(r->cells + r->nrows * (size_t)r->ncols, from->cells,
		       from->nrows * (size_t)from->ncols * sizeof(*from->cells));
	r->nrows += from->nrows;
	r->oom |= from->oom;
	from->nrows = 0; /* its cells are r's now */
	return 0;
}

void mtan_result_truncate(struct mtan_result *r, size_t n)
{
	for (size_t i = n * (size_t)r->ncols; i < r->nrows * (size_t)r->ncols; i++)
		cell_release(&r->cells[i]);
	if (n < r->nrows)
		r->nrows = n;
}

void mtan_result_clear(struct mtan_result *r)
{
	for (size_t i = 0; i < r->nrows * (size_t)r->ncols; i++)
		cell_release(&r->cells[i]);
	/* a row being added when it is cleared: its cells so far go too */
	for (int i = 0; r->nrows < r->cap && i < r->col; i++)
		cell_release(&r->cells[r->nrows * (size_t)r->ncols + (size_t)i]);
	r->nrows = 0;
	r->col = 0;
}

void mtan_result_free(struct mtan_result *r)
{
	if (!r)
		return;
	if (r->cells)
		mtan_result_clear(r);
	for (int i = 0; r->cols && i < r->ncols; i++) {
		free(r->cols[i].key);
		free(r->cols[i].head);
	}
	free(r->cols);
	free(r->cells);
	free(r);
}
