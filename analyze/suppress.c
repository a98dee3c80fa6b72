/* suppress.c: leak suppressions in LeakSanitizer's format, one set for every command that
 * reports leaks: "leak:PATTERN" lines and "#" comments; a leak is suppressed when a pattern
 * matches any of its stack's frames' function, module or file, matched the way the
 * sanitizers' TemplateMatch does. The set goes to SQL as a temporary table (suppress.sql). */
#include "opts.h"
#include "output.h"
#include "scope.h"
#include "sql.h"
#include "suppress.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* What glibc and libstdc++ keep for the life of the process by design, which LeakSanitizer
 * does not report (it stays reachable from their data): stdio's buffers, threads' TLS
 * vectors, LSan's own standard suppressions that concern glibc, what the libraries' start-up
 * constructors keep, and the caches of tzset, nss, gconv, the locale, atexit and the
 * dynamic loader. heaptrack's built-in list covers the same. Each was checked against
 * `clang -fsanitize=leak` on a program that triggers it (tests/e2e/leakout.sh). */
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
	/* localtime, mktime, strftime...: the time zone read once (TZ, /etc/localtime) */
	"tzset_internal",
	"__tzfile_read",
	/* ld.so's own records of a library dlopen'ed (its link map, search lists, the
	 * _dl_find_object table): dl_open_worker_begin maps it; a library's constructors run
	 * later from dl_open_worker and are judged like the program's */
	"dl_open_worker_begin",
	"_dl_map_object",      /* the same before glibc 2.35, where dl_open_worker did it all */
	"_dl_new_object",
	/* backtrace() loads libgcc_s once */
	"__libc_unwind_link_get",
	/* nss (getpwuid, getaddrinfo, ...): its databases, modules and actions, and the
	 * static result buffers of the non-reentrant get*by* and get*ent functions */
	"nss_database_check_reload_and_get",
	"__nss_module_allocate",
	"__nss_action_allocate",
	"__nss_database_lookup",
	"nss_load_library",
	"getXXbyYY.c",
	"getXXent.c",
	/* gconv (iconv_open, mbrtowc on other charsets): its configuration, cache and the
	 * modules it loads; the iconv_t iconv_open returns is the program's */
	"__gconv_read_conf",
	"__gconv_load_cache",
	"__gconv_find_shlib",
	"__gconv_get_path",
	/* setlocale: the locale data loaded once */
	"_nl_find_locale",
	"_nl_load_locale_from_archive",
	"_nl_intern_locale_data",
	"_nl_make_l10nflist",
	/* atexit, __cxa_atexit, on_exit: their list, grown 32 handlers at a time */
	"__new_exitfn",
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
		/* its first occurrence (memmem: every frame of every stack is matched against
		 * every pattern, and a strncmp at each place showed in the first answer) */
		const char *found = memmem(str, strlen(str), templ, n);
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

/* ------------------------------------------------------------------ options */

static int take_file(struct mtan_opts *o, const char *arg)
{
	if (o->supp.nfiles >= MTAN_MAX_GLOBS || !*arg)
		return -1;
	o->supp.files[o->supp.nfiles++] = arg;
	return 0;
}

static int take_no_defaults(struct mtan_opts *o, const char *arg)
{
	(void)arg;
	o->supp.no_defaults = 1;
	return 0;
}

const struct mtan_extra mtan_supp_options[] = {
	{{"suppressions", required_argument, NULL, MTAN_OPT_SUPPRESSIONS},
	 "  --suppressions FILE   leak suppressions in LeakSanitizer's format (leak:PATTERN\n"
	 "                        lines; repeatable)", take_file},
	{{"no-default-suppressions", no_argument, NULL, MTAN_OPT_NO_DEFAULT_SUPPRESSIONS},
	 "  --no-default-suppressions  do not suppress glibc's and libstdc++'s process-long state", take_no_defaults},
	{{0, 0, 0, 0}, NULL, NULL},
};

/* ------------------------------------------------------------------ the set in SQL */

/* The suppression that covers a stack's frames, innermost first, or -1. */
static int match_stack(sqlite3_stmt *fr, const struct mtan_supp *s, int *rc)
{
	int hit = -1;
	while ((*rc = sqlite3_step(fr)) == SQLITE_ROW) {
		const char *fn = (const char *)sqlite3_column_text(fr, 0);
		const char *mod = (const char *)sqlite3_column_text(fr, 1);
		const char *file = (const char *)sqlite3_column_text(fr, 2);
		char name[4096];
		if (!fn && mod) { /* the name mtan shows for it: module+0xoffset */
			const char *base = strrchr(mod, '/');
			snprintf(name, sizeof name, "%s+0x%" PRIx64, base ? base + 1 : mod,
				 (uint64_t)sqlite3_column_int64(fr, 3));
			fn = name;
		}
		if ((hit = mtan_supp_match(s, fn, mod, file)) >= 0)
			break;
	}
	if (*rc == SQLITE_ROW)
		*rc = SQLITE_DONE;
	return hit;
}

int mtan_suppress(sqlite3 *db, const struct mtan_opts *o)
{
	struct mtan_supp s = {0};
	sqlite3_stmt *st = NULL, *fr = NULL, *ins = NULL;
	int ret = -1, rc;
	if (mtan_exec(db, "suppress", "create"))
		return -1;
	if (!o->supp.wanted)
		return 0;
	for (int i = 0; !o->supp.no_defaults && mtan_default_suppressions[i]; i++)
		if (mtan_supp_add(&s, mtan_default_suppressions[i], strlen(mtan_default_suppressions[i]), NULL)) {
			mtan_err("out of memory");
			goto out;
		}
	for (int i = 0; i < o->supp.nfiles; i++)
		if (mtan_supp_load(&s, o->supp.files[i]))
			goto out;
	if (!s.n) {
		ret = 0;
		goto out;
	}
	if (mtan_prepare(db, "suppress", "stacks", &st) || mtan_prepare(db, "suppress", "frames", &fr) ||
	    mtan_prepare(db, "suppress", "insert", &ins))
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 stack = sqlite3_column_int64(st, 0);
		sqlite3_reset(fr);
		sqlite3_bind_int64(fr, 1, stack);
		int hit = match_stack(fr, &s, &rc);
		if (rc != SQLITE_DONE)
			goto sqlerr;
		if (hit < 0)
			continue;
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, stack);
		sqlite3_bind_text(ins, 2, s.v[hit].pattern, -1, SQLITE_TRANSIENT);
		if (s.v[hit].from)
			sqlite3_bind_text(ins, 3, s.v[hit].from, -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(ins, 3);
		if (sqlite3_step(ins) != SQLITE_DONE)
			goto sqlerr;
	}
	if (rc != SQLITE_DONE)
		goto sqlerr;
	ret = 0;
	goto out;
sqlerr:
	mtan_sqlerr(db, "cannot read the database");
out:
	sqlite3_finalize(st);
	sqlite3_finalize(fr);
	sqlite3_finalize(ins);
	mtan_supp_release(&s);
	return ret;
}

int mtan_suppressed(sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w,
		    long long *blocks, long long *bytes)
{
	static const struct mtan_window whole = {0, INT64_MAX, 0, INT64_MAX, 0, 0};
	sqlite3_stmt *st;
	*blocks = *bytes = 0;
	if (mtan_prepare(db, "suppress", "totals", &st))
		return -1;
	mtan_bind_scope(st, o, w ? w : &whole);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*blocks = sqlite3_column_int64(st, 0);
		*bytes = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : mtan_sqlerr(db, "cannot read the database");
}

void mtan_suppressed_line(FILE *f, int indent, long long blocks, long long bytes)
{
	char a[32], b[32];
	if (blocks)
		fprintf(f, "%*ssuppressed: %s bytes in %s blocks\n", indent, "", mtan_count(a, (uint64_t)bytes),
			mtan_count(b, (uint64_t)blocks));
}

int mtan_suppressed_notes(sqlite3 *db, const struct mtan_opts *o)
{
	static const struct mtan_window whole = {0, INT64_MAX, 0, INT64_MAX, 0, 0};
	sqlite3_stmt *st;
	int rc;
	if (mtan_prepare(db, "suppress", "rules", &st))
		return -1;
	mtan_bind_scope(st, o, &whole);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *pattern = (const char *)sqlite3_column_text(st, 0);
		const char *from = (const char *)sqlite3_column_text(st, 1);
		long long sites = sqlite3_column_int64(st, 2), blocks = sqlite3_column_int64(st, 3);
		char a[32], b[32];
		mtan_note("suppressed by 'leak:%s' (%s%s%s): %s bytes in %s %s at %lld %s", pattern,
			  from ? "'" : "", from ? from : "built in", from ? "'" : "",
			  mtan_count(a, (uint64_t)sqlite3_column_int64(st, 4)), mtan_count(b, (uint64_t)blocks),
			  blocks == 1 ? "block" : "blocks", sites, sites == 1 ? "site" : "sites");
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : mtan_sqlerr(db, "cannot read the database");
}

/* ------------------------------------------------------------------ the figures */

/* lifetimes.leak_kind's values, in MTAN_DEFINITELY's order */
static const char *const kind_names[] = {
	"definitely_lost", "indirectly_lost", "possibly_lost", "still_reachable", "not_scanned", NULL,
};

int mtan_leak_kind(const char *kind)
{
	for (int i = 0; kind && kind_names[i]; i++)
		if (!strcmp(kind, kind_names[i]))
			return i;
	return MTAN_NOT_SCANNED;
}

const char *mtan_leak_kind_words(int kind)
{
	static const char *const words[] = {"definitely lost", "indirectly lost", "possibly lost",
					    "still reachable", "not scanned"};
	return kind >= 0 && kind < MTAN_NKINDS ? words[kind] : words[MTAN_NOT_SCANNED];
}

static const struct mtan_window whole_window = {0, INT64_MAX, 0, INT64_MAX, 0, 0};

int mtan_leak_totals(sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w, struct mtan_leaks *t)
{
	sqlite3_stmt *st;
	int rc;
	memset(t, 0, sizeof(*t));
	if (!w)
		w = &whole_window;
	if (mtan_prepare(db, "leaks", "totals", &st))
		return -1;
	mtan_bind_scope(st, o, w);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int k = mtan_leak_kind((const char *)sqlite3_column_text(st, 0));
		t->kind_blocks[k] += sqlite3_column_int64(st, 1);
		t->kind_bytes[k] += sqlite3_column_int64(st, 2);
		t->kind_sites[k] += sqlite3_column_int64(st, 3);
		if (k != MTAN_REACHABLE) {
			t->blocks += sqlite3_column_int64(st, 1);
			t->bytes += sqlite3_column_int64(st, 2);
			t->sites += sqlite3_column_int64(st, 3);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return mtan_sqlerr(db, "cannot read the database");
	if (mtan_prepare(db, "leaks", "released_blocks", &st))
		return -1;
	mtan_bind_scope(st, o, w);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		t->released = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return mtan_sqlerr(db, "cannot read the database");
	return mtan_suppressed(db, o, w, &t->supp_blocks, &t->supp_bytes);
}

/* Why the not-scanned leaks were not judged, e.g. "pid 12 killed by SIGKILL; device
 * memory", into buf. 0, or -1 (reported). */
static int not_scanned_why(sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w, char *buf,
			   size_t size)
{
	sqlite3_stmt *st;
	int rc, device = 0;
	size_t len = 0;
	buf[0] = 0;
	if (mtan_prepare(db, "leaks", "not_scanned", &st))
		return -1;
	mtan_bind_scope(st, o, w);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && len + 80 < size) {
		long long pid = sqlite3_column_int64(st, 0);
		const char *why = (const char *)sqlite3_column_text(st, 1);
		int sig = sqlite3_column_int(st, 2);
		if (!why)
			continue;
		if (!strcmp(why, "device")) {
			device = 1;
			continue;
		}
		const char *abbrev = !strcmp(why, "signal") ? sigabbrev_np(sig) : NULL;
		len += (size_t)snprintf(buf + len, size - len, "%spid %lld ", len ? "; " : "", pid);
		if (abbrev)
			len += (size_t)snprintf(buf + len, size - len, "killed by SIG%s", abbrev);
		else if (!strcmp(why, "signal"))
			len += (size_t)snprintf(buf + len, size - len, "killed by signal %d", sig);
		else
			len += (size_t)snprintf(buf + len, size - len, "%s",
						!strcmp(why, "after_scan") ? "allocated while its scan ran"
						: !strcmp(why, "off") ? "not scanned (mtrec --no-scan)"
						: "has no scan in the trace");
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return mtan_sqlerr(db, "cannot read the database");
	if (device && len + 40 < size)
		snprintf(buf + len, size - len, "%sdevice memory", len ? "; " : "");
	return 0;
}

int mtan_leak_summary(FILE *f, sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w,
		      const struct mtan_leaks *t)
{
	char a[32], b[32], why[512];
	if (!w)
		w = &whole_window;
	fprintf(f, "LEAK SUMMARY:\n");
	for (int k = 0; k < MTAN_NKINDS; k++) {
		if (k == MTAN_NOT_SCANNED && !t->kind_blocks[k])
			continue;
		fprintf(f, "   %15s: %s bytes in %s blocks", mtan_leak_kind_words(k),
			mtan_count(a, (uint64_t)t->kind_bytes[k]), mtan_count(b, (uint64_t)t->kind_blocks[k]));
		if (k == MTAN_NOT_SCANNED) {
			if (not_scanned_why(db, o, w, why, sizeof why))
				return -1;
			if (why[0])
				fprintf(f, " (%s)", why);
		}
		fputc('\n', f);
	}
	mtan_suppressed_line(f, 8, t->supp_blocks, t->supp_bytes);
	return 0;
}
