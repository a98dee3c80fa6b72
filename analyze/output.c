/* output.c: how mtan talks: "mtan: ..." messages on stderr, numbers for people (1,234,567
 * and 14.8 MiB), JSON strings escaped, and tables with aligned columns. */
#include "mtan.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	fputs("mtan: ", stderr);
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void mtan_err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void mtan_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void mtan_note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg("note: ", fmt, ap);
	va_end(ap);
}

int mtan_sqlerr(sqlite3 *db, const char *what)
{
	if (mtan_db_write_error(db))
		return -1;
	mtan_err("%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
	return -1;
}

char *mtan_count(char *buf, uint64_t n)
{
	char tmp[32];
	int len = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)n);
	char *p = buf;
	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			*p++ = ',';
		*p++ = tmp[i];
	}
	*p = 0;
	return buf;
}

char *mtan_size(char *buf, uint64_t n)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	if (n < 1024) {
		snprintf(buf, 32, "%llu B", (unsigned long long)n);
		return buf;
	}
	double v = (double)n / 1024;
	int u = 0;
	/* 1023.96 KiB would print as "1024.0 KiB": move up a unit before rounding does */
	while (v >= 1023.95 && u < 5) {
		v /= 1024;
		u++;
	}
	snprintf(buf, 32, "%.1f %s", v, units[u]);
	return buf;
}

void mtan_json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		case '\b': fputs("\\b", f); break;
		case '\f': fputs("\\f", f); break;
		default:
			/* bytes >= 0x80 pass through: trace strings are UTF-8 as the app gave them */
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

const char *mtan_device_name(char *buf, long long device)
{
	if (device == -1)
		return "host";
	snprintf(buf, 16, "%lld", device);
	return buf;
}

/* ------------------------------------------------------------------ tables */

struct mtan_table {
	int ncols;
	char *align; /* 'l' or 'r' per column */
	char **cells; /* rows * ncols, row 0 the heads */
	size_t rows, cap;
};

struct mtan_table *mtan_table_new(int ncols, const char *const *heads, const char *align)
{
	struct mtan_table *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->ncols = ncols;
	t->align = strdup(align);
	if (!t->align || mtan_table_add(t, heads)) {
		mtan_table_free(t);
		return NULL;
	}
	return t;
}

/* A copy of s with control characters written as escapes (\n, \t, \xHH): a name from
 * the traced program keeps to its cell and cannot drive the terminal. Caller frees. */
static char *printable(const char *s)
{
	size_t n = 1;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += *p < 0x20 || *p == 0x7f ? 4 : 1;
	char *out = malloc(n), *o = out;
	for (const unsigned char *p = (const unsigned char *)s; out && *p; p++) {
		if (*p == '\n' || *p == '\t') {
			*o++ = '\\';
			*o++ = *p == '\n' ? 'n' : 't';
		} else if (*p < 0x20 || *p == 0x7f) {
			o += snprintf(o, 5, "\\x%02x", *p);
		} else {
			*o++ = (char)*p;
		}
	}
	if (out)
		*o = 0;
	return out;
}

int mtan_table_add(struct mtan_table *t, const char *const *cells)
{
	if (t->rows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **c = realloc(t->cells, cap * (size_t)t->ncols * sizeof(*c));
		if (!c)
			return -1;
		t->cells = c;
		t->cap = cap;
	}
	char **row = t->cells + t->rows * (size_t)t->ncols;
	for (int i = 0; i < t->ncols; i++)
		row[i] = printable(cells[i] ? cells[i] : "");
	t->rows++;
	for (int i = 0; i < t->ncols; i++)
		if (!row[i])
			return -1;
	return 0;
}

void mtan_table_print(const struct mtan_table *t, FILE *f)
{
	size_t w[64] = {0};
	int n = t->ncols < 64 ? t->ncols : 64;
	for (size_t r = 0; r < t->rows; r++)
		for (int c = 0; c < n; c++) {
			size_t l = strlen(t->cells[r * (size_t)t->ncols + c]);
			if (l > w[c])
				w[c] = l;
		}
	for (size_t r = 0; r < t->rows; r++) {
		for (int c = 0; c < n; c++) {
			const char *s = t->cells[r * (size_t)t->ncols + c];
			int last = c == n - 1;
			if (t->align[c] == 'r')
				fprintf(f, "%*s", (int)w[c], s);
			else if (last)
				fputs(s, f); /* no trailing blanks */
			else
				fprintf(f, "%-*s", (int)w[c], s);
			fputs(last ? "\n" : "  ", f);
		}
	}
}

void mtan_table_free(struct mtan_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->rows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->align);
	free(t);
}
