/* result.h: what an analysis returns (result.c): columns with kinds (enum mtan_kind,
 * mtan.h), then rows of typed cells; and the renderers that print any result as a table,
 * CSV, JSON or HTML (render.c). Analyses never print; commands render what they return. */
#ifndef MTAN_RESULT_H
#define MTAN_RESULT_H

#include <sqlite3.h>
#include <stdio.h>

struct mtan_col;

/* The formats past enum mtan_format's (mtan.h): HTML is the report's, no --format. */
enum { MTAN_HTML = 3 };
/* The kinds past enum mtan_kind's (mtan.h). */
enum {
	MTAN_K_BOOL = 32, /* 0 or 1: false or true in JSON, a number elsewhere */
	MTAN_K_NS,        /* nanoseconds: 1.5 ms in tables and HTML, the number elsewhere */
};

/* A column's kind is how a value reads (a size, a count, a device); these are where it
 * shows: a column the formats differ on (a stack as frames in JSON, as one line of names
 * in CSV) is two columns, one for each. 0: every format. */
enum {
	MTAN_SHOW_TABLE = 1,
	MTAN_SHOW_CSV = 2,
	MTAN_SHOW_JSON = 4,
	MTAN_SHOW_HTML = 8,
	MTAN_SHOW_NOWHERE = 16, /* for the caller's use alone (a stack's id) */
};

enum mtan_cell_type {
	MTAN_CELL_NULL,   /* NULL: empty in tables and CSV, null in JSON */
	MTAN_CELL_INT,
	MTAN_CELL_REAL,
	MTAN_CELL_TEXT,
	MTAN_CELL_ABSENT, /* no value at all: JSON leaves the key out, the others as NULL */
	MTAN_CELL_ROWS,   /* a result of its own (a stack's frames): a JSON array of objects */
};

struct mtan_result;

struct mtan_cell {
	int type; /* enum mtan_cell_type */
	union {
		long long i;
		double r;
		char *s;                 /* owned */
		struct mtan_result *rows; /* owned */
	} v;
};

struct mtan_rcol {
	char *key, *head; /* owned; head never NULL */
	int kind;         /* enum mtan_kind */
	int show;         /* MTAN_SHOW_* bits, 0: everywhere */
};

struct mtan_result {
	int ncols;
	struct mtan_rcol *cols;
	struct mtan_cell *cells; /* nrows * ncols */
	size_t nrows, cap;
	int col; /* the next cell's column in the row being added */
	int oom; /* memory ran out while adding: the result is short */
};

/* A result with cols[0..n) (copied) and no rows. NULL on no memory. */
struct mtan_result *mtan_result_new(const struct mtan_col *cols, int n);
/* Sets where column i shows (MTAN_SHOW_* bits). */
void mtan_result_show(struct mtan_result *r, int i, int show);
/* Cells of the row being added, left to right; the row is complete after ncols of them.
 * Out of memory, the cell is lost and r->oom set (mtan_result_ok says so). */
void mtan_result_int(struct mtan_result *r, long long v);
void mtan_result_real(struct mtan_result *r, double v);
void mtan_result_text(struct mtan_result *r, const char *s); /* NULL: a NULL cell */
void mtan_result_null(struct mtan_result *r);
void mtan_result_absent(struct mtan_result *r);
void mtan_result_rows(struct mtan_result *r, struct mtan_result *sub); /* takes sub */
/* Cell i of st's current row, by its SQLite type (a blob as X'00ff', sqlite3's way). */
void mtan_result_column(struct mtan_result *r, sqlite3_stmt *st, int i);
/* Completes a short row with NULLs. 0, or -1 when memory ran out (reported). */
int mtan_result_ok(struct mtan_result *r);
/* Row row's cell col (borrowed until the result is freed or cleared). */
const struct mtan_cell *mtan_result_cell(const struct mtan_result *r, size_t row, int col);
/* Its integer (a NULL or absent cell: def). */
long long mtan_result_get_int(const struct mtan_result *r, size_t row, int col, long long def);
/* Its text (NULL if not text). */
const char *mtan_result_get_text(const struct mtan_result *r, size_t row, int col);
/* Moves from's rows after r's (the same columns): from is left empty. 0, or -1 (reported
 * when memory ran out). */
int mtan_result_take(struct mtan_result *r, struct mtan_result *from);
/* Keeps the first n rows (all when it has fewer). */
void mtan_result_truncate(struct mtan_result *r, size_t n);
/* Drops the rows (the columns stay). */
void mtan_result_clear(struct mtan_result *r);
void mtan_result_free(struct mtan_result *r);

/* ---- sites.c: a stack's frames as a result ---- */
/* Every frame of stack (none when stack < 0), innermost first: function (the name a frame
 * shows: its function, else module+0xoffset, else the address), file, line, module ("" when
 * none), address and inlined (absent unless it is). *site: the site's index (mtan_site_of),
 * *shown: how many JSON lists (to --depth from the site). 0, or -1 (reported). */
struct mtan_opts;
int mtan_stack_frames(sqlite3 *db, const struct mtan_opts *o, long long stack, struct mtan_result **out,
		      int *site, size_t *shown);

/* ---- render.c: each format prints any result ---- */
/* The table for people, fitted to mtan_cut_width(f): sizes as 14.8 MiB, counts as 1,234,
 * -1 devices as host, NULL empty; MTAN_K_ANY columns right-aligned while every value is a
 * number. */
void mtan_render_table(const struct mtan_result *r, FILE *f);
/* CSV: a head line of keys, then rows; numbers bare, text quoted by libcsv, NULL empty. */
void mtan_render_csv(const struct mtan_result *r, FILE *f);
/* JSON: an array of objects, one a line; hex as strings, NULL null, absent cells left out. */
void mtan_render_json(const struct mtan_result *r, FILE *f);
/* HTML: a <table> with a head row; numbers right-aligned (class=n), sizes with their bytes
 * in a title, devices as host or device N, text escaped. */
void mtan_render_html(const struct mtan_result *r, FILE *f);
/* The format's renderer (enum mtan_format). -1 when r is short of memory (reported). */
int mtan_render(const struct mtan_result *r, int format, FILE *f);

/* The renderers row by row, for output written as it comes (mtan_rows): the head, row i,
 * the end. */
void mtan_render_csv_head(const struct mtan_result *r, FILE *f);
void mtan_render_csv_row(const struct mtan_result *r, size_t i, FILE *f);
/* Row i's members, "key": value, without the braces (a caller's object goes on). */
void mtan_render_json_members(const struct mtan_result *r, size_t i, FILE *f);
void mtan_render_json_row(const struct mtan_result *r, size_t i, int first, FILE *f);

#endif
