/* rows.h: rows of typed columns, written as the user chose (--format): a table for people
 * (sizes as "14.8 MiB", counts as "1,234", host as "host", fitted to mtan_cut_width), CSV
 * (a head line of keys; numbers bare, text quoted by libcsv, NULL empty, host -1) or
 * JSON (an array of objects; hex strings for addresses, null for NULL). CSV and JSON
 * rows are written as each row completes; a table waits for mtan_rows_end. (rows.c: a one-row-at-a-time
 * result over render.c, so mtan sql streams). */
#ifndef MTAN_ROWS_H
#define MTAN_ROWS_H

#include "result.h"

#include <sqlite3.h>
#include <stdio.h>

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
