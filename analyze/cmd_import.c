/* cmd_import.c: `mtan import FILE.csv -o run.zst`: a CSV of allocation events from another
 * tracker (the format is analyze/CSV.md) becomes a trace, written with the formats/
 * writer, that every command analyzes. Bad rows are told by line and skipped. A CSV with
 * stacks, and a heaptrack file (heaptrack.c), become a database: a trace has no place for
 * the names the other tool gave the frames (extframes.c writes them after the load). */
#include "commands.h"
#include "extframes.h"
#include "heaptrack.h"
#include "intern.h"
#include "opts.h"
#include "output.h"
#include "stacktext.h"
#include "mtf.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

const char cmd_import_usage[] =
	"import [options] FILE.csv [-o TRACE|DB]\n"
	"       import [options] heaptrack.APP.PID.zst [-o DB]\n\n"
	"Reads allocation events from a CSV file (the columns seq, time_ns, op, device, space,\n"
	"address, size, tid, and optionally pid, func and stack: see CSV.md) and writes them as\n"
	"a trace (default: FILE.zst) for the other commands. A stack is its frames, innermost\n"
	"first: 'function (file:line) (in module);...' or '0xADDRESS (in module)' for a frame\n"
	"without a name. With stacks the CSV becomes a database (default: FILE.db), which\n"
	"keeps the frames' names, and every command reads as it reads a trace. A bad row is\n"
	"reported with its line number and skipped; exits 1 when no row was good.\n\n"
	"A file heaptrack recorded (heaptrack.APP.PID.zst, .gz or plain) becomes a database\n"
	"(default: heaptrack.APP.PID.db) with its allocations, frees, call stacks and the\n"
	"function, file and line heaptrack resolved for each frame; every command reads it\n"
	"as it reads a trace. heaptrack keeps no addresses and no threads: each block gets an\n"
	"address of its own, everything is one thread, and frees pair as heaptrack pairs them.";

static const char *output;

static int take_output(struct mtan_opts *o, const char *arg)
{
	(void)o;
	output = arg;
	return 0;
}

static const struct mtan_extra extra[] = {
	{{"output", required_argument, NULL, 'o'}, "  -o, --output FILE     the trace to write (a database, with stacks or from heaptrack);\n"
	"                        an existing FILE only when an earlier import wrote it", take_output},
	{{0, 0, 0, 0}, NULL, NULL},
};

enum { C_SEQ, C_TIME, C_OP, C_DEVICE, C_SPACE, C_ADDRESS, C_SIZE, C_TID, C_PID, C_FUNC, C_STACK, NCOLS };
static const char *const col_names[NCOLS] = {"seq", "time_ns", "op", "device", "space",
					     "address", "size", "tid", "pid", "func", "stack"};
#define NREQUIRED C_PID /* the columns before pid are required */

struct row {
	mtf_event ev;
	uint32_t pid, tid;
	long line;
};

struct space_name {
	uint32_t pid, id;
	char *name;
};

struct import {
	const char *path;
	int col[NCOLS]; /* the field index of each column, -1 when absent */
	int have_head;
	/* the record being parsed */
	char **fields;
	size_t nfields, cap;
	long line, rec_line; /* the line being fed; the line the record's first field ended on */
	/* what came out */
	struct row *rows;
	size_t nrows, rows_cap;
	struct space_name *spaces;
	size_t nspaces, spaces_cap;
	/* the stacks: a frame (its functions, inlined ones first) is a key of groups, "pid,
	 * its frames" (frames[] point into the key); a stack is a key of stacks, "pid, its
	 * frames' numbers (from 1)", its id the number from 1 */
	struct mtan_intern groups, stacks;
	struct group {
		size_t first;
		uint32_t n;
	} *group;
	struct mtan_text_frame *frames;
	size_t nframes, frames_cap, group_cap;
	int free_stacks, stacked; /* stacked: a good row has a stack */
	long bad, total;
	int failed; /* out of memory, or a bad head (told): stop */
	int told;
};

static void bad_row(struct import *im, const char *fmt, const char *what)
{
	fprintf(stderr, "mtan: import: '%s' line %ld: ", im->path, im->rec_line);
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	im->bad++;
}

/* A whole decimal number within max, no sign. */
static int whole(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_address(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (!s[2] || s[2] == '-' || s[2] == '+' || s[2] == ' ')
			return -1;
		unsigned long long v = strtoull(s + 2, &end, 16);
		if (errno || *end)
			return -1;
		*out = v;
		return 0;
	}
	if (*s == '-') {
		long long v = strtoll(s, &end, 10);
		if (errno || *end || end == s + 1)
			return -1;
		*out = (uint64_t)v;
		return 0;
	}
	return whole(s, UINT64_MAX, out);
}

/* The id of space name in pid: heap is 0; other names get 1, 2, ... in order of use. */
static int space_id(struct import *im, uint32_t pid, const char *name, uint32_t *id)
{
	uint32_t next = 1;
	for (size_t i = 0; i < im->nspaces; i++) {
		if (im->spaces[i].pid != pid)
			continue;
		if (!strcmp(im->spaces[i].name, name)) {
			*id = im->spaces[i].id;
			return 0;
		}
		if (im->spaces[i].id >= next)
			next = im->spaces[i].id + 1;
	}
	if (im->nspaces == im->spaces_cap) {
		size_t cap = im->spaces_cap ? im->spaces_cap * 2 : 16;
		struct space_name *p = realloc(im->spaces, cap * sizeof(*p));
		if (!p)
			return -1;
		im->spaces = p;
		im->spaces_cap = cap;
	}
	struct space_name *s = &im->spaces[im->nspaces];
	if (!(s->name = strdup(name)))
		return -1;
	s->pid = pid;
	s->id = !strcmp(name, "heap") ? 0 : next;
	im->nspaces++;
	*id = s->id;
	return 0;
}

static const char *field(struct import *im, int c)
{
	int i = im->col[c];
	return i >= 0 && (size_t)i < im->nfields ? im->fields[i] : "";
}

static void head(struct import *im)
{
	for (int c = 0; c < NCOLS; c++)
		im->col[c] = -1;
	for (size_t i = 0; i < im->nfields; i++)
		for (int c = 0; c < NCOLS; c++)
			if (!strcmp(im->fields[i], col_names[c]) && im->col[c] < 0)
				im->col[c] = (int)i;
	for (int c = 0; c < NREQUIRED; c++)
		if (im->col[c] < 0) {
			mtan_err("import: '%s' line %ld: no column '%s' in the head line (see CSV.md)",
				 im->path, im->rec_line, col_names[c]);
			im->failed = im->told = 1;
			return;
		}
	im->have_head = 1;
}

/* Appends n bytes of p to the key being built, *b (*len bytes of it, room for *cap). 0,
 * or -1 on no memory. */
static int key_put(char **b, size_t *len, size_t *cap, const void *p, size_t n)
{
	if (mtan_room((void **)b, cap, *len + n, 1))
		return -1;
	memcpy(*b + *len, p, n);
	*len += n;
	return 0;
}

static int key_str(char **b, size_t *len, size_t *cap, const char *s)
{
	return key_put(b, len, cap, s ? s : "", s ? strlen(s) + 1 : 1);
}

/* The frame (one function and those inlined into it: fr[0..n)) of pid as a key of
 * im->groups: its number from 1, 0 on no memory. */
static uint32_t group_of(struct import *im, uint32_t pid, const struct mtan_text_frame *fr, uint32_t n)
{
	char *key = NULL;
	size_t len = 0, cap = 0, *at = malloc(3 * n * sizeof(*at)); /* where its strings are */
	uint32_t ret = 0;
	int added;
	if (!at || key_put(&key, &len, &cap, &pid, sizeof pid))
		goto out;
	for (uint32_t j = 0; j < n; j++) {
		const struct mtan_ext_frame *f = &fr[j].f;
		int flags[3] = {fr[j].has_address, fr[j].inlined, f->line};
		if (key_put(&key, &len, &cap, flags, sizeof flags) || key_put(&key, &len, &cap, &f->address, sizeof f->address))
			goto out;
		at[3 * j] = len;
		if (key_str(&key, &len, &cap, f->function))
			goto out;
		at[3 * j + 1] = len;
		if (key_str(&key, &len, &cap, f->file))
			goto out;
		at[3 * j + 2] = len;
		if (key_str(&key, &len, &cap, f->module))
			goto out;
	}
	long k = mtan_intern(&im->groups, key, len, &added);
	if (k < 0)
		goto out;
	if (added) {
		/* its frames, their strings in the table's copy of the key */
		if (mtan_room((void **)&im->group, &im->group_cap, (size_t)k + 1, sizeof(*im->group)) ||
		    mtan_room((void **)&im->frames, &im->frames_cap, im->nframes + n, sizeof(*im->frames)))
			goto out;
		const char *copy = im->groups.key[k];
		im->group[k].first = im->nframes;
		im->group[k].n = n;
		for (uint32_t j = 0; j < n; j++) {
			struct mtan_text_frame *f = &im->frames[im->nframes++];
			*f = fr[j];
			f->f.function = f->f.function ? copy + at[3 * j] : NULL;
			f->f.file = f->f.file ? copy + at[3 * j + 1] : NULL;
			f->f.module = f->f.module ? copy + at[3 * j + 2] : NULL;
		}
	}
	ret = (uint32_t)k + 1;
out:
	free(key);
	free(at);
	return ret;
}

/* The row's stack field, text, as a stack id of pid into *id (0: none). 0, -1 for a bad
 * stack (told, a bad row), -2 on no memory. */
static int stack_of(struct import *im, uint32_t pid, char *text, uint32_t *id)
{
	struct mtan_text_frame *fr = NULL;
	uint32_t keys[1 + MTF_MAX_FRAMES];
	size_t n, nkeys = 0;
	char why[300];
	int rc;
	*id = 0;
	/* an older export's stack column held the stack's number: no frames to keep */
	if (strspn(text, "0123456789") == strlen(text))
		return 0;
	if ((rc = mtan_stack_parse(text, &fr, &n, why, sizeof why))) {
		if (rc == -1)
			bad_row(im, "bad stack: %s", why);
		return rc;
	}
	keys[0] = pid;
	/* a frame ends with a function that is not inlined (into the next one) */
	for (size_t i = 0, start = 0; i < n; i++) {
		if (fr[i].inlined)
			continue;
		if (nkeys == MTF_MAX_FRAMES) {
			bad_row(im, "bad stack: more than %s frames", "1024"); /* MTF_MAX_FRAMES */
			rc = -1;
			goto out;
		}
		if (!(keys[1 + nkeys++] = group_of(im, pid, fr + start, (uint32_t)(i + 1 - start)))) {
			rc = -2;
			goto out;
		}
		start = i + 1;
	}
	if (nkeys) {
		long k = mtan_intern(&im->stacks, keys, (1 + nkeys) * sizeof(*keys), NULL);
		if (k < 0) {
			rc = -2;
			goto out;
		}
		*id = (uint32_t)k + 1;
	}
out:
	free(fr);
	return rc;
}

/* One data row: an event, or a bad row told. */
static void row(struct import *im)
{
	struct row r;
	uint64_t v;
	const char *s;
	memset(&r, 0, sizeof r);
	r.line = im->rec_line;
	im->total++;
	/* seq, time and size are SQLite integers once loaded: 2^63 and above would turn negative */
	if (whole(s = field(im, C_SEQ), INT64_MAX, &r.ev.seq))
		return bad_row(im, "bad seq '%s' (a whole number below 2^63)", s);
	if (whole(s = field(im, C_TIME), INT64_MAX, &r.ev.time_ns))
		return bad_row(im, "bad time_ns '%s' (a whole number below 2^63)", s);
	s = field(im, C_OP);
	int kind = !strcmp(s, "alloc") ? MTF_ALLOC : !strcmp(s, "free") ? MTF_FREE : -1;
	if (kind < 0)
		return bad_row(im, "bad op '%s' (alloc or free)", s);
	s = field(im, C_DEVICE);
	if (!strcmp(s, "-1") || !strcmp(s, "host"))
		r.ev.device = MTF_HOST;
	else if (whole(s, MTF_HOST - 1, &v))
		return bad_row(im, "bad device '%s'", s);
	else
		r.ev.device = (uint32_t)v;
	if (parse_address(s = field(im, C_ADDRESS), &r.ev.addr))
		return bad_row(im, "bad address '%s'", s);
	if (kind == MTF_ALLOC && whole(s = field(im, C_SIZE), INT64_MAX, &r.ev.size))
		return bad_row(im, "bad size '%s' (a whole number below 2^63)", s);
	if (whole(s = field(im, C_TID), UINT32_MAX, &v))
		return bad_row(im, "bad tid '%s'", s);
	r.tid = (uint32_t)v;
	r.pid = 1;
	if (im->col[C_PID] >= 0) {
		if (whole(s = field(im, C_PID), UINT32_MAX, &v))
			return bad_row(im, "bad pid '%s'", s);
		r.pid = (uint32_t)v;
	}
	int func = r.ev.device == MTF_HOST ? MTF_FN_MALLOC : MTF_FN_CLIENT;
	s = field(im, C_FUNC);
	if (*s) {
		static const struct {
			const char *name;
			int kind, func;
		} funcs[] = {
			{"malloc", MTF_ALLOC, MTF_FN_MALLOC}, {"calloc", MTF_ALLOC, MTF_FN_CALLOC},
			{"realloc", MTF_ALLOC, MTF_FN_REALLOC}, {"memalign", MTF_ALLOC, MTF_FN_MEMALIGN},
			{"client", MTF_ALLOC, MTF_FN_CLIENT}, {"new", MTF_ALLOC, MTF_FN_NEW},
			{"free", MTF_FREE, MTF_FN_MALLOC}, {"realloc", MTF_FREE, MTF_FN_REALLOC},
			{"client", MTF_FREE, MTF_FN_CLIENT}, {"delete", MTF_FREE, MTF_FN_NEW},
		};
		func = -1;
		for (size_t i = 0; i < sizeof funcs / sizeof funcs[0]; i++)
			if (funcs[i].kind == kind && !strcmp(funcs[i].name, s))
				func = funcs[i].func;
		if (func < 0)
			return bad_row(im, kind == MTF_ALLOC ? "bad func '%s' for an alloc" : "bad func '%s' for a free", s);
	}
	r.ev.op = MTF_OP_MAKE(kind, func);
	s = field(im, C_SPACE);
	if (!*s)
		return bad_row(im, "no space name%s", "");
	if (im->col[C_STACK] >= 0) {
		/* before the space gets its id, so that a bad stack adds no space; the field is
		 * ours to cut up (it is freed with the record) */
		char none[1] = "";
		int i = im->col[C_STACK];
		int rc = stack_of(im, r.pid, (size_t)i < im->nfields ? im->fields[i] : none, &r.ev.stack);
		if (rc == -2)
			im->failed = 1;
		if (rc)
			return;
		if (r.ev.stack && kind == MTF_FREE)
			im->free_stacks = 1;
	}
	if (space_id(im, r.pid, s, &r.ev.space)) {
		im->failed = 1;
		return;
	}
	if (im->nrows == im->rows_cap) {
		size_t cap = im->rows_cap ? im->rows_cap * 2 : 4096;
		struct row *p = realloc(im->rows, cap * sizeof(*p));
		if (!p) {
			im->failed = 1;
			return;
		}
		im->rows = p;
		im->rows_cap = cap;
	}
	im->rows[im->nrows++] = r;
}

/* libcsv: the end of a field (NUL-terminated: CSV_APPEND_NULL). */
static void on_field(void *s, size_t len, void *data)
{
	struct import *im = data;
	if (im->failed)
		return;
	if (im->nfields == im->cap) {
		size_t cap = im->cap ? im->cap * 2 : 16;
		char **p = realloc(im->fields, cap * sizeof(*p));
		if (!p) {
			im->failed = 1;
			return;
		}
		im->fields = p;
		im->cap = cap;
	}
	if (!im->nfields)
		im->rec_line = im->line;
	if (!(im->fields[im->nfields] = strndup(s ? s : "", len))) {
		im->failed = 1;
		return;
	}
	im->nfields++;
}

/* libcsv: the end of a record. */
static void on_record(int c, void *data)
{
	struct import *im = data;
	(void)c;
	if (!im->failed && im->nfields) {
		if (!im->have_head)
			head(im);
		else
			row(im);
	}
	for (size_t i = 0; i < im->nfields; i++)
		free(im->fields[i]);
	im->nfields = 0;
}

/* mtan_ext_stacks: a stack's frames are the numbers of im->groups, each with the
 * functions the CSV named, inlined ones first. */
static uint32_t csv_stack(const void *ctx, uint32_t pid, uint32_t id, uint32_t *keys)
{
	const struct import *im = ctx;
	(void)pid;
	if (!id || id > im->stacks.n)
		return 0;
	const uint32_t *key = (const uint32_t *)(const void *)im->stacks.key[id - 1];
	uint32_t n = (uint32_t)(im->stacks.len[id - 1] / sizeof(*key)) - 1;
	memcpy(keys, key + 1, n * sizeof(*keys));
	return n;
}

static uint32_t csv_frame(const void *ctx, uint32_t key, uint32_t j, struct mtan_ext_frame *f)
{
	const struct import *im = ctx;
	const struct group *g = &im->group[key - 1];
	const struct mtan_text_frame *last = &im->frames[g->first + g->n - 1];
	*f = im->frames[g->first + j].f;
	/* a frame named without its address gets one of its own, made up: its number */
	f->address = last->has_address ? last->f.address : key;
	return g->n;
}

static int by_seq(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (x->ev.seq != y->ev.seq)
		return x->ev.seq < y->ev.seq ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int by_key(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int put_str(mtf_str *s, const char *text)
{
	s->s = text;
	s->len = (uint32_t)strlen(text);
	return 0;
}

/* Writes the rows (sorted, without duplicates) as a trace to fd. 0 or a status. */
static int write_trace(struct import *im, int fd, const char *cmdline)
{
	mtf_writer *w = NULL;
	mtf_record r;
	int rc = mtf_writer_new(&w, fd, 3);
	if (rc)
		return rc;
	memset(&r, 0, sizeof r);
	r.type = MTF_HEADER;
	put_str(&r.u.header.host, "imported CSV");
	r.u.header.pid = im->nrows ? im->rows[0].pid : 1;
	put_str(&r.u.header.cmdline, cmdline);
	if (im->stacked)
		r.u.header.flags = MTF_FLAG_STACKS | (im->free_stacks ? MTF_FLAG_FREE_STACKS : 0);
	if ((rc = mtf_writer_put(w, &r)))
		goto out;
	for (size_t i = 0; i < im->nspaces; i++) {
		memset(&r, 0, sizeof r);
		r.type = MTF_SPACE;
		r.u.space.pid = im->spaces[i].pid;
		r.u.space.id = im->spaces[i].id;
		put_str(&r.u.space.name, im->spaces[i].name);
		if ((rc = mtf_writer_put(w, &r)))
			goto out;
	}
	/* the stacks, before the events: their frames are the numbers of im->groups (the
	 * loader finds no module for them; extframes.c names them after) */
	uint64_t frames[MTF_MAX_FRAMES];
	for (size_t k = 0; im->stacked && k < im->stacks.n; k++) {
		const uint32_t *key = (const uint32_t *)(const void *)im->stacks.key[k];
		uint32_t n = (uint32_t)(im->stacks.len[k] / sizeof(*key)) - 1;
		for (uint32_t j = 0; j < n; j++)
			frames[j] = key[1 + j];
		memset(&r, 0, sizeof r);
		r.type = MTF_STACK;
		r.u.stack.pid = key[0];
		r.u.stack.id = (uint32_t)k + 1;
		r.u.stack.n = n;
		r.u.stack.frames = frames;
		if ((rc = mtf_writer_put(w, &r)))
			goto out;
	}
	/* chunks of one thread's consecutive events, as the recorder writes them */
	mtf_event chunk[4096];
	uint64_t processes = 0, threads = 0;
	for (size_t i = 0; i < im->nrows;) {
		size_t n = 0;
		uint32_t pid = im->rows[i].pid, tid = im->rows[i].tid;
		while (i < im->nrows && n < 4096 && im->rows[i].pid == pid && im->rows[i].tid == tid)
			chunk[n++] = im->rows[i++].ev;
		if ((rc = mtf_writer_events(w, pid, tid, chunk, (uint32_t)n)))
			goto out;
	}
	/* the END record's counts: distinct processes and threads */
	uint64_t *keys = malloc((im->nrows ? im->nrows : 1) * sizeof(*keys));
	if (!keys) {
		rc = MTF_E_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < im->nrows; i++)
		keys[i] = (uint64_t)im->rows[i].pid << 32 | im->rows[i].tid;
	if (im->nrows)
		qsort(keys, im->nrows, sizeof(*keys), by_key);
	for (size_t i = 0; i < im->nrows; i++) {
		threads += !i || keys[i] != keys[i - 1];
		processes += !i || keys[i] >> 32 != keys[i - 1] >> 32;
	}
	free(keys);
	memset(&r, 0, sizeof r);
	r.type = MTF_END;
	r.u.end.events = im->nrows;
	r.u.end.processes = processes;
	r.u.end.threads = threads;
	if ((rc = mtf_writer_put(w, &r)))
		goto out;
	rc = mtf_writer_flush(w);
out:
	mtf_writer_free(w);
	return rc;
}

/* Whether out may be replaced: nothing there (or nothing in it), or what an import wrote
 * before (a trace of `mtan import`, or a database mtan built). A recording, or any other
 * file, is never replaced by an import. */
static int replaceable(const char *out)
{
	struct stat st;
	if (stat(out, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
		return 1;
	mtf_reader *r = NULL;
	mtf_record rec;
	int ok = 0;
	if (mtf_reader_open(&r, out) == 0 && mtf_reader_next(r, &rec) == 1 && rec.type == MTF_HEADER) {
		ok = rec.u.header.cmdline.len >= 12 && !memcmp(rec.u.header.cmdline.s, "mtan import ", 12);
	} else {
		sqlite3 *db = NULL;
		sqlite3_stmt *st2 = NULL;
		if (sqlite3_open_v2(out, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
		    sqlite3_prepare_v2(db, "SELECT 1 FROM meta WHERE key = 'mtan_version'", -1, &st2, NULL) == SQLITE_OK)
			ok = sqlite3_step(st2) == SQLITE_ROW;
		sqlite3_finalize(st2);
		sqlite3_close(db);
	}
	mtf_reader_free(r);
	if (!ok)
		mtan_err("import: '%s' exists and is not an earlier import: not replaced (remove it, or give -o another name)", out);
	return ok;
}

int cmd_import(int argc, char **argv)
{
	static const char *const names[] = {"FILE.csv"};
	struct mtan_opts o;
	struct import im;
	struct csv_parser p;
	FILE *f = NULL;
	char *line = NULL, *out = NULL, *tmp = NULL, *cmdline = NULL;
	size_t cap = 0;
	int fd = -1, parser = 0;
	output = NULL;
	memset(&im, 0, sizeof im);
	int ret = mtan_parse_args(argc, argv, "import", cmd_import_usage, extra, &o, names, 1);
	if (ret != MTAN_GO)
		return ret;
	ret = 1;
	im.path = o.input;
	if (mtan_is_heaptrack(o.input)) {
		/* heaptrack.APP.PID.zst -> heaptrack.APP.PID.db */
		size_t len = strlen(o.input);
		if (len > 4 && !strcmp(o.input + len - 4, ".zst"))
			len -= 4;
		else if (len > 3 && !strcmp(o.input + len - 3, ".gz"))
			len -= 3;
		if (output)
			out = strdup(output);
		else if (asprintf(&out, "%.*s.db", (int)len, o.input) < 0)
			out = NULL;
		if (!out)
			goto nomem;
		if (mtan_output_ok(out, o.input, 1) || !replaceable(out))
			goto out;
		ret = mtan_import_heaptrack(o.input, out, o.quiet);
		goto out;
	}
	if ((output && !(out = strdup(output))) || asprintf(&cmdline, "mtan import %s", o.input) < 0) {
		cmdline = NULL;
		goto nomem;
	}
	if (!(f = fopen(o.input, "r"))) {
		mtan_err("cannot open '%s': %s", o.input, strerror(errno));
		goto out;
	}
	{
		mtf_reader *r = NULL;
		mtf_record rec;
		int trace = mtf_reader_open(&r, o.input) == 0 && mtf_reader_next(r, &rec) == 1 && rec.type == MTF_HEADER;
		mtf_reader_free(r);
		if (trace) {
			mtan_err("import: '%s' is an mtrec trace already: every command reads it as it is", o.input);
			goto out;
		}
	}
	if (out && (mtan_output_ok(out, o.input, 1) || !replaceable(out)))
		goto out;
	if (csv_init(&p, CSV_APPEND_NULL)) {
		goto nomem;
	}
	parser = 1;
	ssize_t n;
	while (!im.failed && (n = getline(&line, &cap, f)) >= 0) {
		im.line++;
		size_t skip = 0; /* a UTF-8 byte order mark, as spreadsheets write it */
		if (im.line == 1 && n >= 3 && !memcmp(line, "\xef\xbb\xbf", 3))
			skip = 3;
		if (csv_parse(&p, line + skip, (size_t)n - skip, on_field, on_record, &im) != (size_t)n - skip) {
			mtan_err("import: '%s' line %ld: %s", o.input, im.line, csv_strerror(csv_error(&p)));
			goto out;
		}
	}
	if (ferror(f)) {
		mtan_err("cannot read '%s': %s", o.input, strerror(errno));
		goto out;
	}
	if (!im.failed)
		csv_fini(&p, on_field, on_record, &im);
	if (im.failed) {
		if (im.told)
			goto out;
		goto nomem;
	}
	if (!im.have_head) {
		mtan_err("import: '%s': no head line (an empty file?)", o.input);
		goto out;
	}
	/* seq order, and each seq once: a repeated one is a bad row (the later line) */
	if (im.nrows)
		qsort(im.rows, im.nrows, sizeof(*im.rows), by_seq);
	size_t k = 0;
	for (size_t i = 0; i < im.nrows; i++) {
		if (k && im.rows[k - 1].ev.seq == im.rows[i].ev.seq) {
			char what[64];
			snprintf(what, sizeof what, "%llu", (unsigned long long)im.rows[i].ev.seq);
			im.rec_line = im.rows[i].line;
			fprintf(stderr, "mtan: import: '%s' line %ld: seq %s again (first on line %ld)\n",
				o.input, im.rows[i].line, what, im.rows[k - 1].line);
			im.bad++;
			continue;
		}
		im.rows[k++] = im.rows[i];
	}
	im.nrows = k;
	if (!im.nrows) {
		mtan_err("import: '%s': no good row (%ld bad); nothing written", o.input, im.bad);
		goto out;
	}
	for (size_t i = 0; i < im.nrows; i++)
		im.stacked |= im.rows[i].ev.stack != 0;
	if (!out) {
		/* FILE.csv -> FILE.zst, or with stacks FILE.db */
		size_t len = strlen(o.input);
		if (len > 4 && !strcasecmp(o.input + len - 4, ".csv"))
			len -= 4;
		if (asprintf(&out, "%.*s.%s", (int)len, o.input, im.stacked ? "db" : "zst") < 0) {
			out = NULL;
			goto nomem;
		}
		if (mtan_output_ok(out, o.input, 1) || !replaceable(out))
			goto out;
	}
	/* written under a temporary name, renamed when whole; with stacks, the trace the
	 * loader reads, beside out */
	if (asprintf(&tmp, im.stacked ? "%s.tmp.%d.zst" : "%s.tmp.%d", out, (int)getpid()) < 0) {
		tmp = NULL;
		goto nomem;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		mtan_err("cannot create '%s': %s", tmp, strerror(errno));
		goto out;
	}
	int rc = write_trace(&im, fd, cmdline);
	if (rc || close(fd)) {
		fd = -1;
		mtan_err("cannot write '%s': %s", tmp, rc ? mtf_strerror(rc) : strerror(errno));
		unlink(tmp);
		goto out;
	}
	fd = -1;
	if (im.stacked) {
		struct mtan_ext_stacks x = {csv_stack, csv_frame, (uint32_t)im.groups.n, NULL, &im};
		rc = mtan_ext_load(tmp, out, &x);
		unlink(tmp);
		if (rc)
			goto out;
	} else if (rename(tmp, out) < 0) {
		mtan_err("cannot rename '%s' to '%s': %s", tmp, out, strerror(errno));
		unlink(tmp);
		goto out;
	}
	if (im.bad)
		fprintf(stderr, "mtan: import: '%s': %ld bad %s skipped, %zu %s written to '%s'\n",
			o.input, im.bad, im.bad == 1 ? "row" : "rows", im.nrows,
			im.nrows == 1 ? "event" : "events", out);
	else if (!o.quiet)
		fprintf(stderr, "mtan: import: '%s': %zu %s written to '%s'\n", o.input, im.nrows,
			im.nrows == 1 ? "event" : "events", out);
	ret = 0;
	goto out;
nomem:
	mtan_err("out of memory");
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	if (parser)
		csv_free(&p);
	for (size_t i = 0; i < im.nfields; i++)
		free(im.fields[i]);
	free(im.fields);
	for (size_t i = 0; i < im.nspaces; i++)
		free(im.spaces[i].name);
	free(im.spaces);
	free(im.rows);
	mtan_intern_release(&im.groups);
	mtan_intern_release(&im.stacks);
	free(im.group);
	free(im.frames);
	free(line);
	free(out);
	free(tmp);
	free(cmdline);
	if (f)
		fclose(f);
	return ret;
}
