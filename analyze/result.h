/* result.h: what an analysis returns (result.c): columns with kinds (enum mtan_kind), then rows of typed cells; render.h prints any result. Analyses never print; commands render what they return. */
#ifndef MTAN_RESULT_H
#define MTAN_RESULT_H

#include "opts.h"
#include "output.h"
#include <sqlite3.h>
#include <stdio.h>

/* The kinds of values a column holds, and so how each format writes them. */
enum mtan_kind {
	MTAN_K_TEXT,   /* text, left-aligned */
	MTAN_K_INT,    /* a number as it is */
	MTAN_K_COUNT,  /* a count: 1,234 in tables */
	MTAN_K_SIZE,   /* bytes: 14.8 MiB in tables */
	MTAN_K_DEVICE, /* a device: host for -1 in tables */
	MTAN_K_HEX,    /* an address: 0x... everywhere (a string in JSON) */
	MTAN_K_ANY,    /* whatever SQLite holds (mtan sql): numbers right-aligned */
	MTAN_K_REAL2,  /* a real to two decimals in every format (a statistic: 3.14) */
	MTAN_K_RATIO,  /* a real 0..1: three decimals in tables (0.169) */
};
struct mtan_col {
	const char *key;  /* CSV head and JSON key */
	const char *head; /* the table's head (NULL: key) */
	int kind;         /* enum mtan_kind */
};

/* The formats past enum mtan_format's (opts.h): HTML is the report's, no --format. */
enum { MTAN_HTML = 3 };
/* The kinds past enum mtan_kind's. */
enum {
	MTAN_K_BOOL = 32, /* 0 or 1: false or true in JSON, a number elsewhere */
	MTAN_K_NS,        /* nanoseconds: 1.5 ms in tables and HTML, the number elsewhere */
	MTAN_K_NTEXT,     /* text that reads as numbers ("12, 3"): right-aligned like them */
	MTAN_K_OBJECT,    /* nested rows (MTAN_CELL_ROWS) of one row: a JSON object, not an array */
	MTAN_K_LIST,      /* nested rows of one column: a JSON array of its values, not of objects */
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

#endif
