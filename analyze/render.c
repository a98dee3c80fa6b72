/* render.c: the four ways any result (result.c) is printed: a table for people, CSV, JSON
 * and HTML. A cell reads by its column's kind: a size as 14.8 MiB for people and as bytes
 * for programs, a device -1 as host, an address as 0x... everywhere. */
#include "result.h"
#include "opts.h"
#include "output.h"
#include "render.h"

#include <csv.h>
#include <stdlib.h>
#include <string.h>

static int shown(const struct mtan_result *r, int c, int where)
{
	return !r->cols[c].show || (r->cols[c].show & where);
}

/* A number's text for people (tables, HTML): sizes, counts, devices, addresses, times. */
static const char *int_text(char *buf, size_t size, int kind, long long v)
{
	if (kind == MTAN_K_COUNT && v >= 0)
		return mtan_count(buf, (uint64_t)v);
	if (kind == MTAN_K_SIZE && v >= 0)
		return mtan_size(buf, (uint64_t)v);
	if (kind == MTAN_K_NS)
		return mtan_when(buf, (double)v);
	if (kind == MTAN_K_DEVICE && v == -1)
		snprintf(buf, size, "host");
	else if (kind == MTAN_K_HEX)
		snprintf(buf, size, "0x%llx", (unsigned long long)v);
	else
		snprintf(buf, size, "%lld", v);
	return buf;
}

/* A real's text: a statistic at two decimals everywhere; a ratio at three for people, and
 * every digit for programs. */
static const char *real_text(char *buf, size_t size, int kind, double v, int people)
{
	if (kind == MTAN_K_REAL2)
		snprintf(buf, size, "%.2f", v);
	else if (people && kind == MTAN_K_RATIO)
		snprintf(buf, size, "%.3f", v);
	else
		snprintf(buf, size, "%.15g", v);
	return buf;
}

/* ------------------------------------------------------------------ table */

void mtan_render_table(const struct mtan_result *r, FILE *f)
{
	int n = 0, map[r->ncols + 1];
	for (int c = 0; c < r->ncols; c++)
		if (shown(r, c, MTAN_SHOW_TABLE))
			map[n++] = c;
	const char *cells[n + 1];
	char align[n + 1], bufs[n + 1][40];
	for (int k = 0; k < n; k++) {
		const struct mtan_rcol *col = &r->cols[map[k]];
		cells[k] = col->head;
		align[k] = col->kind == MTAN_K_TEXT ? 'l' : 'r';
		/* whatever SQLite holds: numbers right-aligned while the column has no text */
		for (size_t i = 0; col->kind == MTAN_K_ANY && i < r->nrows; i++)
			if (mtan_result_cell(r, i, map[k])->type == MTAN_CELL_TEXT)
				align[k] = 'l';
	}
	align[n] = 0;
	struct mtan_table *t = mtan_table_new(n, cells, align);
	for (size_t i = 0; t && i < r->nrows; i++) {
		for (int k = 0; k < n; k++) {
			const struct mtan_cell *c = mtan_result_cell(r, i, map[k]);
			int kind = r->cols[map[k]].kind;
			if (c->type == MTAN_CELL_INT)
				cells[k] = int_text(bufs[k], sizeof bufs[k], kind, c->v.i);
			else if (c->type == MTAN_CELL_REAL)
				cells[k] = real_text(bufs[k], sizeof bufs[k], kind, c->v.r, 1);
			else if (c->type == MTAN_CELL_TEXT)
				cells[k] = c->v.s;
			else
				cells[k] = "";
		}
		if (mtan_table_add(t, cells)) {
			mtan_table_free(t);
			t = NULL;
		}
	}
	if (!t) {
		mtan_err("out of memory");
		return;
	}
	mtan_table_print(t, f);
	mtan_table_free(t);
}

/* ------------------------------------------------------------------ CSV */

/* Row i's line, or the head line of keys when i is CSV_HEAD: numbers bare, text quoted
 * by libcsv, NULL empty. */
#define CSV_HEAD ((size_t)-1)
static void csv_line(const struct mtan_result *r, size_t i, FILE *f)
{
	int any = 0;
	for (int c = 0; c < r->ncols; c++) {
		if (!shown(r, c, MTAN_SHOW_CSV))
			continue;
		if (any++)
			fputc(',', f);
		if (i == CSV_HEAD) {
			csv_fwrite(f, r->cols[c].key, strlen(r->cols[c].key));
			continue;
		}
		const struct mtan_cell *cell = mtan_result_cell(r, i, c);
		int kind = r->cols[c].kind;
		char buf[40];
		if (cell->type == MTAN_CELL_INT && kind == MTAN_K_HEX)
			fprintf(f, "0x%llx", (unsigned long long)cell->v.i);
		else if (cell->type == MTAN_CELL_INT)
			fprintf(f, "%lld", cell->v.i);
		else if (cell->type == MTAN_CELL_REAL)
			fputs(real_text(buf, sizeof buf, kind, cell->v.r, 0), f);
		else if (cell->type == MTAN_CELL_TEXT)
			csv_fwrite(f, cell->v.s, strlen(cell->v.s));
	}
	fputc('\n', f);
}

void mtan_render_csv_head(const struct mtan_result *r, FILE *f)
{
	csv_line(r, CSV_HEAD, f);
}

void mtan_render_csv_row(const struct mtan_result *r, size_t i, FILE *f)
{
	csv_line(r, i, f);
}

void mtan_render_csv(const struct mtan_result *r, FILE *f)
{
	mtan_render_csv_head(r, f);
	for (size_t i = 0; i < r->nrows; i++)
		mtan_render_csv_row(r, i, f);
}

/* ------------------------------------------------------------------ JSON */

static void json_object(const struct mtan_result *r, size_t i, FILE *f);

static void json_value(const struct mtan_cell *cell, int kind, FILE *f)
{
	char buf[40];
	switch (cell->type) {
	case MTAN_CELL_INT:
		if (kind == MTAN_K_HEX)
			fprintf(f, "\"0x%llx\"", (unsigned long long)cell->v.i);
		else if (kind == MTAN_K_BOOL)
			fputs(cell->v.i ? "true" : "false", f);
		else
			fprintf(f, "%lld", cell->v.i);
		break;
	case MTAN_CELL_REAL:
		if (cell->v.r != cell->v.r || cell->v.r - cell->v.r != 0)
			fputs("null", f); /* NaN and infinities have no JSON */
		else
			fputs(real_text(buf, sizeof buf, kind, cell->v.r, 0), f);
		break;
	case MTAN_CELL_TEXT:
		mtan_json_str(f, cell->v.s);
		break;
	case MTAN_CELL_ROWS: /* an array of objects on one line, or the one object */
		if (kind == MTAN_K_OBJECT && cell->v.rows->nrows) {
			json_object(cell->v.rows, 0, f);
			break;
		}
		fputc('[', f);
		for (size_t k = 0; k < cell->v.rows->nrows; k++) {
			if (k)
				fputs(", ", f);
			if (kind == MTAN_K_LIST)
				json_value(mtan_result_cell(cell->v.rows, k, 0), cell->v.rows->cols[0].kind, f);
			else
				json_object(cell->v.rows, k, f);
		}
		fputc(']', f);
		break;
	default:
		fputs("null", f);
	}
}

static void json_object(const struct mtan_result *r, size_t i, FILE *f)
{
	fputc('{', f);
	mtan_render_json_members(r, i, f);
	fputc('}', f);
}

void mtan_render_json_members(const struct mtan_result *r, size_t i, FILE *f)
{
	int any = 0;
	for (int c = 0; c < r->ncols; c++) {
		const struct mtan_cell *cell = mtan_result_cell(r, i, c);
		if (!shown(r, c, MTAN_SHOW_JSON) || cell->type == MTAN_CELL_ABSENT)
			continue;
		if (any++)
			fputs(", ", f);
		mtan_json_str(f, r->cols[c].key);
		fputs(": ", f);
		json_value(cell, r->cols[c].kind, f);
	}
}

void mtan_render_json_row(const struct mtan_result *r, size_t i, int first, FILE *f)
{
	if (!first)
		fputs(",\n ", f);
	json_object(r, i, f);
}

void mtan_render_json(const struct mtan_result *r, FILE *f)
{
	fputc('[', f);
	for (size_t i = 0; i < r->nrows; i++)
		mtan_render_json_row(r, i, i == 0, f);
	fputs("]\n", f);
}

/* ------------------------------------------------------------------ HTML */

/* Numbers right-aligned (the page's class n); text, devices and addresses as they read. */
static int html_number(int kind)
{
	return kind != MTAN_K_TEXT && kind != MTAN_K_DEVICE && kind != MTAN_K_HEX && kind != MTAN_K_ANY;
}

static void html_cell(const struct mtan_cell *cell, int kind, FILE *f)
{
	char buf[40];
	if (cell->type == MTAN_CELL_INT && kind == MTAN_K_SIZE && cell->v.i >= 0) {
		fprintf(f, "<td class=n title=\"%lld bytes\">%s</td>", cell->v.i, mtan_size(buf, (uint64_t)cell->v.i));
	} else if (cell->type == MTAN_CELL_INT && kind == MTAN_K_DEVICE) {
		if (cell->v.i == -1)
			fputs("<td>host</td>", f);
		else
			fprintf(f, "<td>device %lld</td>", cell->v.i);
	} else if (cell->type == MTAN_CELL_INT && kind == MTAN_K_HEX) {
		fprintf(f, "<td class=mono>0x%llx</td>", (unsigned long long)cell->v.i);
	} else if (cell->type == MTAN_CELL_INT || cell->type == MTAN_CELL_REAL) {
		fprintf(f, "<td%s>%s</td>", html_number(kind) || kind == MTAN_K_ANY ? " class=n" : "",
			cell->type == MTAN_CELL_INT ? int_text(buf, sizeof buf, kind, cell->v.i)
						    : real_text(buf, sizeof buf, kind, cell->v.r, 1));
	} else if (cell->type == MTAN_CELL_TEXT) {
		fputs(kind == MTAN_K_NTEXT ? "<td class=n>" : "<td>", f);
		mtan_html(f, cell->v.s);
		fputs("</td>", f);
	} else {
		fputs(html_number(kind) ? "<td class=n></td>" : "<td></td>", f);
	}
}

void mtan_render_html(const struct mtan_result *r, FILE *f)
{
	fputs("<table><tr>", f);
	for (int c = 0; c < r->ncols; c++) {
		if (!shown(r, c, MTAN_SHOW_HTML))
			continue;
		fputs(html_number(r->cols[c].kind) ? "<th class=n>" : "<th>", f);
		mtan_html(f, r->cols[c].head);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	for (size_t i = 0; i < r->nrows; i++) {
		fputs("<tr>", f);
		for (int c = 0; c < r->ncols; c++)
			if (shown(r, c, MTAN_SHOW_HTML))
				html_cell(mtan_result_cell(r, i, c), r->cols[c].kind, f);
		fputs("</tr>\n", f);
	}
	fputs("</table>", f);
}

int mtan_render(const struct mtan_result *r, int format, FILE *f)
{
	if (r->oom) {
		mtan_err("out of memory");
		return -1;
	}
	if (format == MTAN_CSV)
		mtan_render_csv(r, f);
	else if (format == MTAN_JSON)
		mtan_render_json(r, f);
	else if (format == MTAN_HTML)
		mtan_render_html(r, f);
	else
		mtan_render_table(r, f);
	return 0;
}
