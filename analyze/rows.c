/* rows.c: mtan_rows, the front that writes cells in the user's format as they come (CSV
 * and JSON a row at a time, a table at the end), over a result and its renderers. */
#include "rows.h"
#include "opts.h"
#include "output.h"
#include "render.h"
#include "result.h"

#include <stdlib.h>

/* mtan_rows: a one-row-at-a-time result. CSV and JSON rows are written as each completes
 * and dropped; a table keeps them all for its widths. */
struct mtan_rows {
	struct mtan_result *res;
	int format;
	FILE *f;
	size_t written; /* rows written so far (CSV, JSON) */
};

struct mtan_rows *mtan_rows_new(const struct mtan_col *cols, int n, int format, FILE *f)
{
	struct mtan_rows *r = calloc(1, sizeof(*r));
	if (!r || !(r->res = mtan_result_new(cols, n))) {
		free(r);
		return NULL;
	}
	r->format = format;
	r->f = f;
	if (format == MTAN_CSV)
		mtan_render_csv_head(r->res, f);
	else if (format == MTAN_JSON)
		fputc('[', f);
	return r;
}

/* After a cell: a complete row goes out now, unless it is a table's. */
static void flush(struct mtan_rows *r)
{
	if (r->res->col || !r->res->nrows || r->format == MTAN_TABLE)
		return;
	if (r->format == MTAN_CSV)
		mtan_render_csv_row(r->res, 0, r->f);
	else
		mtan_render_json_row(r->res, 0, r->written == 0, r->f);
	r->written++;
	mtan_result_clear(r->res);
}

void mtan_rows_int(struct mtan_rows *r, long long v)
{
	mtan_result_int(r->res, v);
	flush(r);
}

void mtan_rows_real(struct mtan_rows *r, double v)
{
	mtan_result_real(r->res, v);
	flush(r);
}

void mtan_rows_text(struct mtan_rows *r, const char *s)
{
	mtan_result_text(r->res, s);
	flush(r);
}

void mtan_rows_null(struct mtan_rows *r)
{
	mtan_result_null(r->res);
	flush(r);
}

void mtan_rows_column(struct mtan_rows *r, sqlite3_stmt *st, int i)
{
	mtan_result_column(r->res, st, i);
	flush(r);
}

int mtan_rows_end(struct mtan_rows *r)
{
	while (r->res->col) /* a row left short: complete it with NULLs */
		mtan_rows_null(r);
	if (r->format == MTAN_JSON)
		fputs("]\n", r->f);
	else if (r->format == MTAN_TABLE && !r->res->oom)
		mtan_render_table(r->res, r->f);
	if (r->res->oom) {
		mtan_err("out of memory");
		return -1;
	}
	return 0;
}

void mtan_rows_free(struct mtan_rows *r)
{
	if (!r)
		return;
	mtan_result_free(r->res);
	free(r);
}
