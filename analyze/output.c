/* output.c: how mtan talks: "mtan: ..." messages on stderr, numbers for people (1,234,567
 * and 14.8 MiB), JSON strings escaped, tables with aligned columns fitted to the terminal (result.c and
 * render.c write rows of typed columns as a table, CSV, JSON or HTML). */
#include "opts.h"
#include "output.h"
#include "mtf.h"

#include <sys/stat.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

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

char *mtan_count(char *buf, uint64_t n)
{
	return mtf_count(buf, n); /* mtrec's summary writes counts alike */
}

void mtan_html(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			if (*p < 0x20 && *p != '\n' && *p != '\t')
				fputc('?', f); /* no control characters in the page */
			else
				fputc(*p, f);
		}
	}
}

char *mtan_when(char *buf, double ns)
{
	if (ns >= 1e9)
		snprintf(buf, 32, "%.3g s", ns / 1e9);
	else if (ns >= 1e6)
		snprintf(buf, 32, "%.3g ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(buf, 32, "%.3g us", ns / 1e3);
	else if (ns > 0)
		snprintf(buf, 32, "%.0f ns", ns);
	else
		snprintf(buf, 32, "0");
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

/* Whether out may be written for a command reading input (0: yes; -1: refused, told). The
 * input would be lost under any name that reaches it; a file written whole and renamed
 * into place would replace a device (/dev/null) or a FIFO instead of writing to it. */
int mtan_output_ok(const char *out, const char *input, int renamed)
{
	struct stat ost, ist;
	if (stat(out, &ost) < 0)
		return 0;
	if (input && stat(input, &ist) == 0 && ist.st_dev == ost.st_dev && ist.st_ino == ost.st_ino) {
		mtan_err("'%s' is the input itself (choose another -o)", out);
		return -1;
	}
	if (renamed && !S_ISREG(ost.st_mode)) {
		mtan_err("'%s' exists and is not a regular file (choose another -o)", out);
		return -1;
	}
	return 0;
}

/* Whether out may be written beside db, the database the input was read from (0: yes;
 * -1: refused, told). The trace's own cache (TRACE.db, or --db PATH) is as much the input
 * as the trace: written over, it would be gone or, worse, half rewritten under the reader. */
int mtan_output_not_db(const char *out, const char *db)
{
	struct stat ost, dst;
	if (!db || stat(out, &ost) < 0 || stat(db, &dst) < 0)
		return 0;
	if (ost.st_dev == dst.st_dev && ost.st_ino == dst.st_ino) {
		mtan_err("'%s' is the input's database (choose another -o)", out);
		return -1;
	}
	return 0;
}

/* The length of the valid UTF-8 sequence at p (a lead byte >= 0x80), 0 if it is not one:
 * overlong forms, surrogates and code points past U+10FFFF are not. */
static size_t utf8_len(const unsigned char *p)
{
	size_t n;
	unsigned cp;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) /* also stops at the terminating NUL */
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
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
			if (*p < 0x20 || *p == 0x7f) {
				fprintf(f, "\\u%04x", *p);
			} else if (*p < 0x80) {
				fputc(*p, f);
			} else {
				/* trace strings are bytes as the program gave them (file names, thread
				 * names): valid UTF-8 passes, any other byte becomes U+FFFD, so the
				 * output is always JSON */
				size_t n = utf8_len(p);
				if (n) {
					fwrite(p, 1, n, f);
					p += n - 1;
				} else {
					fputs("\\ufffd", f);
				}
			}
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

/* Writes one line of prose (s up to a newline or its end) folded at width between words:
 * never inside a word, nor between a number and the word after it ("4.0 KiB", "100
 * allocations"); the lines after the first are indented two more than it. */
static void fold(FILE *f, const char *s, size_t len, size_t width)
{
	const char *p = s, *end = s + len, *body = s + strspn(s, " ");
	size_t lead = 0, next = (size_t)(body - s) + 2;
	if (next >= width / 2)
		next = 0;
	for (;;) {
		/* cols: the columns up to q on this line; brk: the last space it may end at, or
		 * the first past the width when a word alone is wider */
		size_t cols = lead;
		const char *q = p, *brk = NULL;
		for (; q < end && (cols <= width || !brk); q++) {
			if (*q == ' ' && q > body && q[-1] != ' ' && !(q[-1] >= '0' && q[-1] <= '9'))
				brk = q;
			cols += ((unsigned char)*q & 0xc0) != 0x80;
		}
		if ((q == end && cols <= width) || !brk) {
			fwrite(p, 1, (size_t)(end - p), f);
			return;
		}
		fwrite(p, 1, (size_t)(brk - p), f);
		for (p = brk; p < end && *p == ' '; p++)
			;
		if (p == end)
			return;
		fprintf(f, "\n%*s", (int)next, "");
		lead = next;
	}
}

void mtan_prose(FILE *f, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) /* no memory: nothing to fold */
		return;
	size_t width = (size_t)mtan_width(f);
	for (const char *p = s, *nl; *p; p = nl + 1) {
		if (!(nl = strchr(p, '\n'))) {
			fold(f, p, strlen(p), width);
			break;
		}
		fold(f, p, (size_t)(nl - p), width);
		fputc('\n', f);
	}
	free(s);
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

/* $COLUMNS, else the terminal's width, else 0. */
static int known_width(FILE *f)
{
	const char *c = getenv("COLUMNS");
	char *end;
	long v = c ? strtol(c, &end, 10) : 0;
	if (c && *c && !*end && v > 0 && v < 100000)
		return (int)v;
	struct winsize ws;
	if (ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 0;
}

int mtan_width(FILE *f)
{
	int w = known_width(f);
	return w ? w : 100;
}

size_t mtan_cut_width(FILE *f)
{
	int w = known_width(f);
	return w ? (size_t)w : (size_t)1 << 30;
}

size_t mtan_text_width(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* The byte length of s's first n code points (all of s when it has fewer). */
static size_t prefix_bytes(const char *s, size_t n)
{
	const char *p = s;
	for (size_t k = 0; *p; p++)
		if (((unsigned char)*p & 0xc0) != 0x80 && k++ == n)
			break;
	return (size_t)(p - s);
}

void mtan_put_cut(FILE *f, const char *s, size_t w)
{
	if (mtan_text_width(s) <= w || w < 4) {
		fputs(s, f);
		return;
	}
	fwrite(s, 1, prefix_bytes(s, w - 3), f);
	fputs("...", f);
}

/* Writes s in w columns (cut by mtan_put_cut), padded unless it is the line's last cell. */
static void put_cell(FILE *f, const char *s, size_t w, int right, int last)
{
	size_t len = mtan_text_width(s);
	if (len > w) {
		mtan_put_cut(f, s, w);
		return;
	}
	if (right)
		for (size_t i = len; i < w; i++)
			fputc(' ', f);
	fputs(s, f);
	if (!right && !last)
		for (size_t i = len; i < w; i++)
			fputc(' ', f);
}

/* Writes the line buf[0..size) (NUL-terminated there) without its trailing blanks (empty
 * cells at the end leave none), cut to width if it is still wider. */
static void put_line(FILE *f, char *buf, size_t size, size_t width)
{
	while (size && buf[size - 1] == ' ')
		size--;
	buf[size] = 0;
	mtan_put_cut(f, buf, width);
	fputc('\n', f);
}

/* The layout for a table too wide even with its text cut (psql's \x): a block per row, a
 * line per column, "head  value". Heads take at most half the width and values the rest:
 * text is cut to fit, numbers stay whole. */
static void print_expanded(const struct mtan_table *t, FILE *f, size_t width)
{
	size_t label = 0;
	for (int c = 0; c < t->ncols; c++) {
		size_t l = mtan_text_width(t->cells[c]);
		label = l > label ? l : label;
	}
	if (label > width / 2)
		label = width / 2;
	size_t room = width > label + 2 ? width - label - 2 : 0;
	for (size_t r = 1; r < t->rows; r++) {
		const char *const *row = (const char *const *)t->cells + r * (size_t)t->ncols;
		size_t value = 0;
		for (int c = 0; c < t->ncols; c++) {
			size_t l = mtan_text_width(row[c]);
			value = l > value ? l : value;
		}
		if (value > room)
			value = room;
		/* "-[ row N ]" and dashes as wide as the block */
		int head = fprintf(f, "%s-[ row %zu ]", r > 1 ? "\n" : "", r) - (r > 1);
		for (size_t i = (size_t)head; i < label + 2 + value; i++)
			fputc('-', f);
		fputc('\n', f);
		for (int c = 0; c < t->ncols; c++) {
			put_cell(f, t->cells[c], label, 0, !*row[c]);
			if (!*row[c]) { /* NULL or empty: the head alone */
				fputc('\n', f);
				continue;
			}
			fputs("  ", f);
			if (t->align[c] == 'r')
				fputs(row[c], f);
			else
				mtan_put_cut(f, row[c], room);
			fputc('\n', f);
		}
	}
}

/* Sets w[0..ncols) to the columns' widths fitted to width: left-aligned (text) columns give
 * up room, the widest first, down to their head or 12 columns; numbers are never cut.
 * Returns the line's width then, wider than width when even that does not fit. */
static size_t fit_columns(const struct mtan_table *t, size_t *w, size_t width)
{
	size_t total = 0;
	int n = t->ncols;
	for (size_t r = 0; r < t->rows; r++)
		for (int c = 0; c < n; c++) {
			size_t l = mtan_text_width(t->cells[r * (size_t)n + c]);
			if (l > w[c])
				w[c] = l;
		}
	for (int c = 0; c < n; c++)
		total += w[c] + (c ? 2 : 0);
	while (total > width) {
		int widest = -1;
		for (int c = 0; c < n; c++) {
			size_t head = mtan_text_width(t->cells[c]), min = head > 12 ? head : 12;
			if (t->align[c] != 'r' && w[c] > min && (widest < 0 || w[c] > w[widest]))
				widest = c;
		}
		if (widest < 0)
			break;
		w[widest]--;
		total--;
	}
	return total;
}

/* The table as aligned lines, the columns w[] wide. */
static void print_lines(const struct mtan_table *t, FILE *f, const size_t *w, size_t width)
{
	for (size_t r = 0; r < t->rows; r++) {
		char *line = NULL;
		size_t size = 0;
		FILE *m = open_memstream(&line, &size);
		if (!m)
			return;
		for (int c = 0; c < t->ncols; c++) {
			put_cell(m, t->cells[r * (size_t)t->ncols + c], w[c], t->align[c] == 'r', c == t->ncols - 1);
			if (c < t->ncols - 1)
				fputs("  ", m);
		}
		fclose(m);
		put_line(f, line, size, width);
		free(line);
	}
}

void mtan_table_print(const struct mtan_table *t, FILE *f)
{
	size_t width = mtan_cut_width(f);
	size_t *w = calloc((size_t)t->ncols, sizeof(*w));
	/* too wide even with the text cut (the numbers and the least of the text do not fit):
	 * a block per row rather than lines the terminal would fold into each other; with no
	 * rows, the heads alone, cut. No memory for the widths: the blocks need none. */
	if (!w || (fit_columns(t, w, width) > width && t->rows > 1))
		print_expanded(t, f, width);
	else
		print_lines(t, f, w, width);
	free(w);
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

char *mtan_frame_label(const char *function, const char *module, uint64_t offset, uint64_t address,
		       int module_only)
{
	char *s = NULL;
	if (function)
		return strdup(function);
	if (module) {
		const char *base = strrchr(module, '/') ? strrchr(module, '/') + 1 : module;
		if (module_only)
			return strdup(base);
		if (asprintf(&s, "%s+0x%" PRIx64, base, offset) < 0)
			s = NULL;
	} else if (asprintf(&s, "0x%" PRIx64, address) < 0) {
		s = NULL;
	}
	return s;
}
