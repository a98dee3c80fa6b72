/* suppress.c: leak suppressions in LeakSanitizer's format, for `mtan check`: "leak:PATTERN"
 * lines and "#" comments; a site is suppressed when a pattern matches any of its frames'
 * function, module or file, matched the way the sanitizers' TemplateMatch does. */
#include "mtan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Glibc's allocations that live as long as the process by design, which LeakSanitizer
 * does not report either (they stay reachable): stdio's buffers, threads' TLS vectors,
 * LSan's own standard suppressions that concern glibc, and what the libraries' start-up
 * constructors keep. */
const char *const mtan_default_suppressions[] = {
	"_IO_file_doallocate", /* a FILE's buffer, freed only by exit */
	"_dl_allocate_tls",    /* a thread's TLS vector, kept with its stack in glibc's cache */
	"*pthread_exit*",
	"*_dl_map_object_deps*",
	"*tls_get_addr*",
	/* blocks the static constructors of the libraries loaded before main allocated (ld.so
	 * starts them from _dl_start_user): objects that live as long as the process, as
	 * libstdc++'s 72,704-byte emergency exception pool in every C++ program; those of a
	 * library dlopen'ed later, and the program's own, are judged */
	"_dl_start_user",
	NULL,
};

/* LeakSanitizer's TemplateMatch: '*' matches any run of characters, a leading '^' anchors
 * at the start and a trailing '$' at the end; otherwise the pattern may match anywhere
 * (a substring). An empty or missing string matches nothing. */
int mtan_template_match(const char *templ, const char *str)
{
	if (!str || !*str)
		return 0;
	int start = 0, asterisk = 0;
	if (*templ == '^') {
		start = 1;
		templ++;
	}
	while (*templ) {
		if (*templ == '*') {
			templ++;
			start = 0;
			asterisk = 1;
			continue;
		}
		if (*templ == '$')
			return !*str || asterisk;
		if (!*str)
			return 0;
		/* the literal run up to the next '*' or '$' */
		size_t n = strcspn(templ, "*$");
		const char *s = str, *found = NULL;
		for (; *s; s++)
			if (!strncmp(s, templ, n)) {
				found = s;
				break;
			}
		if (!found || (start && found != str))
			return 0;
		str = found + n;
		templ += n;
		start = 0;
		asterisk = 0;
	}
	return 1;
}

void mtan_supp_release(struct mtan_supp *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].pattern);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

int mtan_supp_add(struct mtan_supp *s, const char *pattern, size_t len, const char *from)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct mtan_supp_entry *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	struct mtan_supp_entry *e = &s->v[s->n];
	memset(e, 0, sizeof(*e));
	if (!(e->pattern = strndup(pattern, len)))
		return -1;
	e->from = from;
	s->n++;
	return 0;
}

int mtan_supp_load(struct mtan_supp *s, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int ret = -1, lineno = 0;
	if (!f) {
		mtan_err("cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		char *p = line, *end = line + strcspn(line, "\r\n");
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (p == end || *p == '#')
			continue;
		char *colon = memchr(p, ':', (size_t)(end - p));
		if (!colon) {
			mtan_err("'%s' line %d: not TYPE:PATTERN: '%.*s'", path, lineno, (int)(end - p), p);
			goto out;
		}
		if (colon - p != 4 || memcmp(p, "leak", 4)) {
			mtan_err("'%s' line %d: unknown suppression type '%.*s' (only leak: suppresses leaks)",
				 path, lineno, (int)(colon - p), p);
			goto out;
		}
		if (colon + 1 == end) {
			mtan_err("'%s' line %d: an empty pattern", path, lineno);
			goto out;
		}
		if (mtan_supp_add(s, colon + 1, (size_t)(end - colon - 1), path)) {
			mtan_err("out of memory");
			goto out;
		}
	}
	if (ferror(f)) {
		mtan_err("cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	free(line);
	fclose(f);
	return ret;
}

int mtan_supp_match(const struct mtan_supp *s, const char *function, const char *module,
		    const char *file)
{
	for (size_t i = 0; i < s->n; i++) {
		const char *t = s->v[i].pattern;
		if (mtan_template_match(t, function) || mtan_template_match(t, module) ||
		    mtan_template_match(t, file))
			return (int)i;
	}
	return -1;
}
