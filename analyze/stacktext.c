/* stacktext.c: a call stack as one CSV field (analyze/CSV.md): `mtan export --what
 * events|lifetimes` writes it, `mtan import` reads it back. The frames innermost first,
 * ';' between them, each `function (file:line) (in module) (inlined)` or `0xADDRESS
 * (in module)`: what valgrind and perf print, so people and other tools' converters read
 * and write it without a second file. */
#include "output.h"
#include "stacktext.h"
#include "sql.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* s with its ';' and '\' escaped by a '\' (a ';' in a C++ or Rust name would end the frame) */
static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == ';' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
}

int mtan_stack_text(sqlite3_stmt *frames, long long stack, char **text)
{
	char *buf = NULL;
	size_t len = 0;
	int rc = SQLITE_DONE, n = 0;
	FILE *f = open_memstream(&buf, &len);
	*text = NULL;
	if (!f) {
		mtan_err("out of memory");
		return -1;
	}
	if (stack >= 0) {
		sqlite3_bind_int64(frames, 1, stack);
		while ((rc = sqlite3_step(frames)) == SQLITE_ROW) {
			const char *fn = (const char *)sqlite3_column_text(frames, 0);
			const char *file = (const char *)sqlite3_column_text(frames, 1);
			const char *module = (const char *)sqlite3_column_text(frames, 3);
			if (n++)
				fputc(';', f);
			if (fn && *fn)
				put_escaped(f, fn);
			else
				fprintf(f, "0x%" PRIx64, (uint64_t)sqlite3_column_int64(frames, 4));
			if (file && *file) {
				fputs(" (", f);
				put_escaped(f, file);
				if (sqlite3_column_int64(frames, 2) > 0)
					fprintf(f, ":%lld", (long long)sqlite3_column_int64(frames, 2));
				fputc(')', f);
			}
			if (module && *module) {
				fputs(" (in ", f);
				put_escaped(f, module);
				fputc(')', f);
			}
			if (sqlite3_column_int64(frames, 5))
				fputs(" (inlined)", f);
		}
		sqlite3_reset(frames);
	}
	if (fclose(f) || !buf) {
		free(buf);
		mtan_err("out of memory");
		return -1;
	}
	if (rc != SQLITE_DONE) {
		free(buf);
		mtan_sqlerr(sqlite3_db_handle(frames), "cannot read the stacks");
		return -1;
	}
	*text = buf;
	return 0;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = 0;
	return s;
}

/* The group "(...)" that ends s, at its start or after a space (the '(' that matches the
 * last ')', so a file or module may hold parentheses; "f(int)" is a name), or NULL. */
static char *last_group(char *s)
{
	size_t n = strlen(s);
	int depth = 0;
	if (n < 3 || s[n - 1] != ')')
		return NULL;
	for (size_t i = n; i-- > 0;) {
		depth += s[i] == ')' ? 1 : s[i] == '(' ? -1 : 0;
		if (!depth)
			return (!i || s[i - 1] == ' ') && i + 2 < n ? s + i : NULL;
	}
	return NULL;
}

/* "file" or "file:line" into fr. 0, or -1 with why. */
static int file_line(char *in, struct mtan_text_frame *fr, char *why, size_t size)
{
	char *colon = strrchr(in, ':');
	fr->f.file = in;
	/* a ':' without digits after it is the file's own (C:\src\a.c) */
	if (!colon || !colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return 0;
	errno = 0;
	unsigned long line = strtoul(colon + 1, NULL, 10);
	if (errno || !line || line > INT_MAX || colon == in) {
		snprintf(why, size, "bad file:line '%.100s'", in);
		return -1;
	}
	*colon = 0;
	fr->f.line = (int)line;
	return 0;
}

/* One frame's text (unescaped, trimmed) into *fr. 0, or -1 with why. */
static int parse_frame(char *s, struct mtan_text_frame *fr, char *why, size_t size)
{
	/* from the end, each at most once: (inlined), (in module), (file:line) */
	char *g;
	memset(fr, 0, sizeof(*fr));
	while ((g = last_group(s))) {
		char *in = g + 1;
		in[strlen(in) - 1] = 0;
		if (!fr->inlined && !strcmp(in, "inlined")) {
			fr->inlined = 1;
		} else if (!fr->f.module && !strncmp(in, "in ", 3)) {
			if (!*(fr->f.module = trim(in + 3))) {
				snprintf(why, size, "no module after 'in'");
				return -1;
			}
		} else if (!fr->f.file && strcmp(in, "inlined") && strncmp(in, "in ", 3)) {
			if (file_line(in, fr, why, size))
				return -1;
		} else {
			in[strlen(in)] = ')'; /* the name's own */
			break;
		}
		*g = 0;
		s = trim(s);
	}
	if (!*s) {
		snprintf(why, size, "no function or address");
		return -1;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(s + 2, &end, 16);
		if (!s[2] || s[2] == '-' || s[2] == '+' || s[2] == ' ' || errno || *end) {
			snprintf(why, size, "bad address '%.40s'", s);
			return -1;
		}
		if (fr->inlined) {
			snprintf(why, size, "an address cannot be inlined");
			return -1;
		}
		fr->f.address = v;
		fr->has_address = 1;
	} else {
		fr->f.function = s;
	}
	return 0;
}

int mtan_stack_parse(char *text, struct mtan_text_frame **out, size_t *n, char *why, size_t size)
{
	struct mtan_text_frame *fr = NULL;
	size_t count = 1, k = 0;
	*out = NULL;
	*n = 0;
	if (!*trim(text))
		return 0;
	for (const char *p = text; *p; p++) {
		if (*p == '\\' && (p[1] == ';' || p[1] == '\\'))
			p++;
		else if (*p == ';')
			count++;
	}
	if (!(fr = malloc(count * sizeof(*fr))))
		return -2;
	/* each frame unescaped in place, NUL-terminated */
	char *start = text, *w = text;
	for (char *p = text;; p++) {
		if (*p == '\\' && (p[1] == ';' || p[1] == '\\')) {
			*w++ = *++p;
			continue;
		}
		if (*p && *p != ';') {
			*w++ = *p;
			continue;
		}
		int last = !*p;
		*w = 0;
		char *s = trim(start), msg[200];
		if (!*s)
			snprintf(msg, sizeof msg, "empty");
		if (!*s || parse_frame(s, &fr[k], msg, sizeof msg)) {
			snprintf(why, size, "frame %zu: %s", k + 1, msg);
			free(fr);
			return -1;
		}
		k++;
		if (last)
			break;
		start = w = p + 1;
	}
	if (fr[k - 1].inlined) {
		snprintf(why, size, "frame %zu: the outermost frame is inlined into none", k);
		free(fr);
		return -1;
	}
	*out = fr;
	*n = k;
	return 0;
}
