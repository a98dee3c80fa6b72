/* output.h: messages, number and text formatting, tables and rows (output.c). */
#ifndef MTAN_OUTPUT_H
#define MTAN_OUTPUT_H

#include <sqlite3.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

/* ---- messages (output.c): "mtan: ..." on stderr, newline added ---- */
void mtan_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mtan_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mtan_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- output helpers (output.c) ---- */
/* 1234567 -> "1,234,567". buf needs 32 bytes; returns buf. */
char *mtan_count(char *buf, uint64_t n);
/* 15518924 -> "14.8 MiB", 512 -> "512 B". buf needs 32 bytes; returns buf. */
char *mtan_size(char *buf, uint64_t n);
/* Writes s with HTML's special characters escaped (NULL writes nothing; control
 * characters but newline and tab become '?'). */
void mtan_html(FILE *f, const char *s);
/* A time in ns for people: 1.25 s, 340 ms, 12 us. buf needs 32 bytes; returns buf. */
char *mtan_when(char *buf, double ns);
/* A frame as reports, flame graphs, folded stacks and diffs name it: its function, else
 * module+0xoffset (module_only: the module alone), else 0xaddress; module is cut to its
 * file name. malloc'd; NULL on no memory. */
char *mtan_frame_label(const char *function, const char *module, uint64_t offset, uint64_t address,
		       int module_only);
/* Writes s as a JSON string with quotes; NULL writes null. */
void mtan_json_str(FILE *f, const char *s);
int mtan_output_ok(const char *out, const char *input, int renamed);
/* Refuses (-1, told) an output that is db, the database the input was read from. */
int mtan_output_not_db(const char *out, const char *db);
/* "host" for -1 (MTF_HOST), else the number. buf needs 16 bytes. */
const char *mtan_device_name(char *buf, long long device);

/* printf for people: each line of the text folded to mtan_width(f) between words (never
 * inside a number), the lines it continues on indented by two. */
void mtan_prose(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The columns UTF-8 text takes on screen (its code points). */
size_t mtan_text_width(const char *s);
/* Writes s, or when it is wider than w columns (w >= 4) its start and "..." in w. */
void mtan_put_cut(FILE *f, const char *s, size_t w);

/* A table printed with aligned columns fitted to mtan_cut_width: text columns are cut (with
 * "...") down to their head or 12 columns, numbers never; a table still too wide is
 * printed as a block per row, "head  value" a line. Cells are copied. */
struct mtan_table;
struct mtan_table *mtan_table_new(int ncols, const char *const *heads, const char *align);
int mtan_table_add(struct mtan_table *t, const char *const *cells);
void mtan_table_print(const struct mtan_table *t, FILE *f);
void mtan_table_free(struct mtan_table *t);
/* The width prose and charts fit: $COLUMNS, else the terminal's (TIOCGWINSZ on f), else
 * 100. */
int mtan_width(FILE *f);
/* The width tables and stack frames are cut to: $COLUMNS or the terminal's; off a
 * terminal without $COLUMNS, none (a file or a pipe keeps every character, for grep). */
size_t mtan_cut_width(FILE *f);

/* Rows of typed columns, written as the user chose (--format): a table for people
 * (sizes as "14.8 MiB", counts as "1,234", host as "host", fitted to mtan_cut_width), CSV
 * (a head line of keys; numbers bare, text quoted by libcsv, NULL empty, host -1) or
 * JSON (an array of objects; hex strings for addresses, null for NULL). CSV and JSON
 * rows are written as each row completes; a table waits for mtan_rows_end. */
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
struct mtan_rows;
/* cols[0..n) are copied. f is borrowed until mtan_rows_free. NULL on no memory. */
struct mtan_rows *mtan_rows_new(const struct mtan_col *cols, int n, int format, FILE *f);
/* Cells of the current row, left to right; the row is complete after n of them. */
void mtan_rows_int(struct mtan_rows *r, long long v);
void mtan_rows_real(struct mtan_rows *r, double v);
void mtan_rows_text(struct mtan_rows *r, const char *s); /* NULL: a NULL cell */
void mtan_rows_null(struct mtan_rows *r);
/* Cell i of the current row of st, by its SQLite type. */
void mtan_rows_column(struct mtan_rows *r, sqlite3_stmt *st, int i);
/* Writes what is still due (a table; JSON's closing bracket). 0, or -1 when memory ran
 * out on the way (reported). */
int mtan_rows_end(struct mtan_rows *r);
void mtan_rows_free(struct mtan_rows *r);


#endif
