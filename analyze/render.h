/* render.h: each format prints any result (render.c): a table for people, CSV, JSON and
 * the report's HTML. */
#ifndef MTAN_RENDER_H
#define MTAN_RENDER_H

#include "result.h"

#include <stdio.h>

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
