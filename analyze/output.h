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



#endif
