/* sites.c: where a stack's allocation site is. The innermost frames of an allocation are
 * the allocator's and the runtime's (malloc, operator new, libc's stdio, std::vector's
 * growth); a report starts at the first frame that is the program's, and prints stacks
 * for site reports the same way in every command. */
#include "opts.h"
#include "output.h"
#include "sites.h"
#include "sql.h"
#include "result.h"
#include "render.h"

#include <fnmatch.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Modules, by file name: the C and C++ runtimes, the dynamic loader, the recorder, and
 * the allocators a program may link instead of glibc's. */
static const char *const runtime_modules[] = {
	"libc.so*", "libc-*.so", "libpthread.so*", "libpthread-*.so", "ld-linux*", "ld-musl*",
	"libstdc++.so*", "libc++.so*", "libc++abi.so*", "libgcc_s.so*", "libmtrec.so",
	"libjemalloc*", "libtcmalloc*", "libmimalloc*", NULL,
};

/* Functions, demangled: the allocation API and operator new wherever they are (a static
 * link, a program's own wrapper of the same name). Brackets are escaped for fnmatch. */
static const char *const runtime_functions[] = {
	"malloc", "calloc", "realloc", "reallocarray", "posix_memalign", "aligned_alloc",
	"memalign", "valloc", "pvalloc", "operator new(*", "operator new\\[\\](*",
	"mtrec_*", /* the client API's inline functions (mtrec.h), in the program itself */
	NULL,
};

/* Files: the C++ standard library's headers (libstdc++'s /usr/include/c++/12/...,
 * libc++'s .../c++/v1/...): std::vector's growth, std::string's buffer, allocators,
 * inlined or not, are the runtime's code even when compiled into the program; so is the
 * client API's header. */
static const char *const runtime_files[] = {"*/include/c++/*", "*/mtrec.h", "mtrec.h", NULL};

static const char *file_name(const char *path)
{
	const char *base = strrchr(path, '/');
	return base ? base + 1 : path;
}

/* A module glob with a '/' matches the whole path, else the file name. */
static int module_matches(const char *glob, const char *module)
{
	return !fnmatch(glob, strchr(glob, '/') ? module : file_name(module), 0);
}

static int any(const char *const *globs, int n, const char *s, int is_module)
{
	if (!s)
		return 0;
	for (int i = 0; n < 0 ? globs[i] != NULL : i < n; i++)
		if (is_module ? module_matches(globs[i], s) : !fnmatch(globs[i], s, 0))
			return 1;
	return 0;
}

int mtan_runtime_frame(const char *module, const char *function, const char *file)
{
	return any(runtime_modules, -1, module, 1) || any(runtime_functions, -1, function, 0) ||
	       any(runtime_files, -1, file, 0);
}

int mtan_skipped_frame(const struct mtan_skip *skip, const char *module, const char *function)
{
	return any(skip->modules, skip->nmodules, module, 1) ||
	       any(skip->functions, skip->nfunctions, function, 0);
}

int mtan_site_of(const unsigned char *flags, int n)
{
	for (int i = 0; i < n; i++)
		if (!(flags[i] & MTAN_FRAME_SKIP))
			return i;
	/* all of it is the runtime's (stdio's buffer, a library's start-up): where the
	 * program's own code comes in, if anywhere */
	for (int i = 0; i < n; i++)
		if (flags[i] & MTAN_FRAME_EXE)
			return i;
	return 0;
}

/* ------------------------------------------------------------------ options */

static int take_all(struct mtan_opts *o, const char *arg)
{
	(void)arg;
	o->skip.all = 1;
	return 0;
}

static int take_module(struct mtan_opts *o, const char *arg)
{
	if (o->skip.nmodules >= MTAN_MAX_GLOBS || !*arg)
		return -1;
	o->skip.modules[o->skip.nmodules++] = arg;
	return 0;
}

static int take_function(struct mtan_opts *o, const char *arg)
{
	if (o->skip.nfunctions >= MTAN_MAX_GLOBS || !*arg)
		return -1;
	o->skip.functions[o->skip.nfunctions++] = arg;
	return 0;
}

static int take_depth(struct mtan_opts *o, const char *arg)
{
	char *end;
	long v = strtol(arg, &end, 10);
	if (end == arg || *end || v < 1 || v > 100000)
		return -1;
	o->skip.depth = (int)v;
	return 0;
}

enum { OPT_ALL_FRAMES = 1100, OPT_SKIP_MODULE, OPT_SKIP_FUNCTION, OPT_DEPTH };

const struct mtan_extra mtan_skip_options[] = {
	{{"all-frames", no_argument, NULL, OPT_ALL_FRAMES},
	 "  --all-frames          tables: show every frame, the allocator's and the runtime's,\n"
	 "                        and those below main (_start, __libc_start_main), too", take_all},
	{{"skip-module", required_argument, NULL, OPT_SKIP_MODULE},
	 "  --skip-module GLOB    a site starts past frames of these modules too (a file name\n"
	 "                        glob, or a path glob with a '/'; repeatable)", take_module},
	{{"skip-function", required_argument, NULL, OPT_SKIP_FUNCTION},
	 "  --skip-function GLOB  ... and past these functions (demangled; repeatable)", take_function},
	{{"depth", required_argument, NULL, OPT_DEPTH},
	 "  --depth N             show N frames of each stack from its site (as valgrind's\n"
	 "                        num-callers), and make stacks whose first N read the same\n"
	 "                        one site", take_depth},
	{{0, 0, 0, 0}, NULL, NULL},
};

/* ------------------------------------------------------------------ printing */

/* A stack's frames as the "stack" query of frames.sql gives them. */
struct frame_row {
	long long level, line, offset;
	uint64_t address;
	char *function, *file, *module;
	int has_line, has_offset, inlined;
};

unsigned char mtan_frame_flags(sqlite3_stmt *st, const struct mtan_skip *skip)
{
	const char *fn = (const char *)sqlite3_column_text(st, 1);
	const char *mod = (const char *)sqlite3_column_text(st, 4);
	unsigned char flags = 0;
	if (sqlite3_column_int(st, 8) || mtan_skipped_frame(skip, mod, fn))
		flags |= MTAN_FRAME_SKIP;
	if (sqlite3_column_int(st, 9))
		flags |= MTAN_FRAME_EXE;
	return flags;
}

/* The columns of one row, copied. */
static int read_row(sqlite3_stmt *st, struct frame_row *f, unsigned char *flags, const struct mtan_skip *skip)
{
	const char *fn = (const char *)sqlite3_column_text(st, 1);
	const char *file = (const char *)sqlite3_column_text(st, 2);
	const char *mod = (const char *)sqlite3_column_text(st, 4);
	memset(f, 0, sizeof(*f));
	f->level = sqlite3_column_int64(st, 0);
	f->has_line = sqlite3_column_type(st, 3) != SQLITE_NULL;
	f->line = sqlite3_column_int64(st, 3);
	f->has_offset = sqlite3_column_type(st, 5) != SQLITE_NULL;
	f->offset = sqlite3_column_int64(st, 5);
	f->address = (uint64_t)sqlite3_column_int64(st, 6);
	f->inlined = sqlite3_column_int(st, 7);
	if ((fn && !(f->function = strdup(fn))) || (file && !(f->file = strdup(file))) ||
	    (mod && !(f->module = strdup(mod))))
		return -1;
	*flags = mtan_frame_flags(st, skip);
	return 0;
}

/* The name a frame shows: its function, else module+offset, else the bare address. */
static const char *frame_name(char *buf, size_t size, const struct frame_row *f)
{
	if (f->function)
		return f->function;
	if (f->module)
		snprintf(buf, size, "%s+0x%llx", file_name(f->module), (unsigned long long)f->offset);
	else
		snprintf(buf, size, "0x%" PRIx64, f->address);
	return buf;
}

/* The C runtime's frames that call main: a report stops before the first of them. */
static const char *const below_main[] = {
	"__libc_start_call_main", "__libc_start_main", "__libc_start_main_impl",
	"__libc_start_main_alias_2", "_start", NULL,
};

int mtan_below_main(const char *function)
{
	for (int i = 0; function && below_main[i]; i++)
		if (!strcmp(function, below_main[i]))
			return 1;
	return 0;
}

/* The frames a report shows of n: [*from, *to): from the site (frame 0 with --all-frames)
 * to the first frame below main (the end with --all-frames), at most --depth of them. */
static void shown_range(const struct mtan_skip *skip, const struct frame_row *fr, int n, int site,
			int *from, int *to)
{
	*from = skip->all ? 0 : site;
	*to = n;
	for (int i = *from; !skip->all && i < n; i++)
		if (mtan_below_main(fr[i].function)) {
			*to = i;
			break;
		}
	if (skip->depth > 0 && *to - *from > skip->depth)
		*to = *from + skip->depth;
}

/* A stack's frames as a result (mtan_stack_frames): every one of fr[0..n). */
static struct mtan_result *frames_result(const struct frame_row *fr, int n)
{
	static const struct mtan_col cols[] = {
		{"function", NULL, MTAN_K_TEXT}, {"file", NULL, MTAN_K_TEXT}, {"line", NULL, MTAN_K_INT},
		{"module", NULL, MTAN_K_TEXT}, {"address", NULL, MTAN_K_HEX}, {"inlined", NULL, MTAN_K_BOOL},
	};
	struct mtan_result *r = mtan_result_new(cols, 6);
	char buf[4096];
	for (int i = 0; r && i < n; i++) {
		const struct frame_row *f = &fr[i];
		mtan_result_text(r, frame_name(buf, sizeof buf, f));
		mtan_result_text(r, f->file);
		if (f->has_line)
			mtan_result_int(r, f->line);
		else
			mtan_result_null(r);
		mtan_result_text(r, f->module ? f->module : "");
		mtan_result_int(r, (long long)f->address);
		if (f->inlined)
			mtan_result_int(r, 1);
		else
			mtan_result_absent(r);
	}
	if (r && mtan_result_ok(r)) {
		mtan_result_free(r);
		return NULL;
	}
	if (!r)
		mtan_err("out of memory");
	return r;
}

/* The JSON frames shown of n: up to --depth from the site. */
static size_t json_shown(const struct mtan_skip *skip, int n, int site)
{
	return (size_t)(skip->depth > 0 && site + skip->depth < n ? site + skip->depth : n);
}

/* "frames": [...], "site": N (null without frames), the members of a caller's object. */
static int json_frames(const struct frame_row *fr, int n, int site)
{
	static const struct mtan_col cols[] = {{"frames", NULL, MTAN_K_TEXT}, {"site", NULL, MTAN_K_INT}};
	struct mtan_result *r = mtan_result_new(cols, 2);
	if (!r) {
		mtan_err("out of memory");
		return -1;
	}
	mtan_result_rows(r, frames_result(fr, n));
	if (n)
		mtan_result_int(r, site);
	else
		mtan_result_null(r);
	int ret = mtan_result_ok(r);
	if (!ret)
		mtan_render_json_members(r, 0, stdout);
	mtan_result_free(r);
	return ret;
}

/* Writes a frame's line within width. Too wide, it gives up the end of its module first,
 * then the end of the function's name (kept to 20 columns at least, the file and line
 * after it), then its own end; each cut shows "...". */
static void put_frame(const char *head, const char *name, const char *where, const char *module, size_t width)
{
	size_t h = strlen(head), n = mtan_text_width(name), w = mtan_text_width(where);
	char *line = NULL;
	if (asprintf(&line, "%s%s%s%s", head, name, where, module) < 0)
		line = NULL;
	if (line && (mtan_text_width(line) <= width || h + n + w + 3 <= width || width < h + w + 20)) {
		mtan_put_cut(stdout, line, width);
	} else {
		fputs(head, stdout);
		mtan_put_cut(stdout, name, width > h + w ? width - h - w : 0);
		fputs(where, stdout);
	}
	putchar('\n');
	free(line);
}

static void table_frames(const struct frame_row *fr, int from, int to)
{
	char buf[4096], head[32], where[4096], module[1024];
	size_t width = mtan_cut_width(stdout);
	for (int i = from; i < to; i++) {
		const struct frame_row *f = &fr[i];
		snprintf(head, sizeof head, "    #%lld ", f->level);
		int k = snprintf(where, sizeof where, "%s", f->inlined ? " (inlined)" : "");
		if (f->file && f->has_line)
			snprintf(where + k, sizeof where - (size_t)k, " (%s:%lld)", file_name(f->file), f->line);
		else if (f->file)
			snprintf(where + k, sizeof where - (size_t)k, " (%s)", file_name(f->file));
		snprintf(module, sizeof module, "%s%s", f->module && f->function ? " in " : "",
			 f->module && f->function ? file_name(f->module) : "");
		put_frame(head, frame_name(buf, sizeof buf, f), where, module, width);
	}
}

/* A stack's frames (none when stack < 0), with their MTAN_FRAME_* flags; the caller
 * frees both arrays and the rows' strings (free_rows). 0, or -1 (reported). */
static int read_stack(sqlite3 *db, const struct mtan_opts *o, long long stack, struct frame_row **out,
		      unsigned char **out_flags, int *out_n)
{
	sqlite3_stmt *st = NULL;
	struct frame_row *fr = NULL;
	unsigned char *flags = NULL;
	int n = 0, cap = 0, ret = -1, rc;
	if (stack >= 0) {
		if (mtan_prepare(db, "frames", "stack", &st))
			return -1;
		sqlite3_bind_int64(st, 1, stack);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				struct frame_row *p = realloc(fr, (size_t)cap * sizeof(*fr));
				unsigned char *q = p ? realloc(flags, (size_t)cap) : NULL;
				if (p)
					fr = p;
				if (!q)
					goto nomem;
				flags = q;
			}
			if (read_row(st, &fr[n], &flags[n], &o->skip)) {
				n++;
				goto nomem;
			}
			n++;
		}
		if (rc != SQLITE_DONE) {
			mtan_sqlerr(db, "cannot read the database");
			goto out;
		}
	}
	ret = 0;
	goto out;
nomem:
	mtan_err("out of memory");
out:
	sqlite3_finalize(st);
	*out = fr;
	*out_flags = flags;
	*out_n = n;
	return ret;
}

static void free_rows(struct frame_row *fr, unsigned char *flags, int n)
{
	for (int i = 0; i < n; i++) {
		free(fr[i].function);
		free(fr[i].file);
		free(fr[i].module);
	}
	free(fr);
	free(flags);
}

int mtan_print_frames(sqlite3 *db, const struct mtan_opts *o, long long stack)
{
	struct frame_row *fr;
	unsigned char *flags;
	int n, from, to;
	if (read_stack(db, o, stack, &fr, &flags, &n)) {
		free_rows(fr, flags, n);
		return -1;
	}
	int site = mtan_site_of(flags, n);
	shown_range(&o->skip, fr, n, site, &from, &to);
	int ret = 0;
	if (o->format == MTAN_JSON) /* every frame up to --depth from the site, for programs */
		ret = json_frames(fr, (int)json_shown(&o->skip, n, site), site);
	else if (stack < 0)
		printf("    (no stack recorded)\n");
	else
		table_frames(fr, from, to);
	free_rows(fr, flags, n);
	return ret;
}

int mtan_stack_frames(sqlite3 *db, const struct mtan_opts *o, long long stack, struct mtan_result **out,
		      int *site, size_t *shown)
{
	struct frame_row *fr;
	unsigned char *flags;
	int n;
	*out = NULL;
	if (read_stack(db, o, stack, &fr, &flags, &n)) {
		free_rows(fr, flags, n);
		return -1;
	}
	*site = mtan_site_of(flags, n);
	*shown = json_shown(&o->skip, n, *site);
	*out = frames_result(fr, n);
	free_rows(fr, flags, n);
	return *out ? 0 : -1;
}

int mtan_frame_cells(struct mtan_result *r, sqlite3 *db, const struct mtan_opts *o, long long stack)
{
	struct mtan_result *frames;
	int site;
	size_t shown;
	if (mtan_stack_frames(db, o, stack, &frames, &site, &shown))
		return -1;
	mtan_result_truncate(frames, shown);
	mtan_result_rows(r, frames);
	if (shown)
		mtan_result_int(r, site);
	else
		mtan_result_null(r);
	return 0;
}

char *mtan_stack_key(sqlite3 *db, const struct mtan_opts *o, long long stack)
{
	struct frame_row *fr;
	unsigned char *flags;
	int n, from, to;
	char *key = NULL, buf[4096];
	size_t len = 0;
	if (read_stack(db, o, stack, &fr, &flags, &n)) {
		free_rows(fr, flags, n);
		return NULL;
	}
	shown_range(&o->skip, fr, n, mtan_site_of(flags, n), &from, &to);
	FILE *m = open_memstream(&key, &len);
	if (m) {
		fputs(stack < 0 ? "\036none" : "\036", m);
		for (int i = from; i < to; i++)
			fprintf(m, "%s\037%s\037%lld\037%s\037%d\036", frame_name(buf, sizeof buf, &fr[i]),
				fr[i].file ? fr[i].file : "", fr[i].has_line ? fr[i].line : -1,
				fr[i].module ? fr[i].module : "", fr[i].inlined);
		if (fclose(m)) {
			free(key);
			key = NULL;
		}
	}
	if (!key)
		mtan_err("out of memory");
	free_rows(fr, flags, n);
	return key;
}

double mtan_sample_weight(uint64_t size, uint64_t mean)
{
	if (!mean)
		return 1;
	/* expm1: 1 - exp(-x) loses its digits for the small x of small blocks */
	return -1 / expm1(-(double)(size ? size : 1) / (double)mean);
}
