/* heaptrack.c: `mtan import heaptrack.APP.PID.zst`: heaptrack's own files (its line-based
 * format after heaptrack_interpret, zstd, gzip or plain) become a database that every
 * command analyzes, with heaptrack's call stacks and the names heaptrack resolved for them.
 * The events go through the loader as a trace; the frames are then heaptrack's. */
#include "extframes.h"
#include "heaptrack.h"
#include "output.h"
#include "mtf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

/* ---- reading lines out of a zstd, gzip or plain file ---- */

struct lines {
	FILE *f;         /* zstd: the compressed file */
	gzFile gz;       /* gzip or plain (zlib reads both) */
	ZSTD_DCtx *z;
	unsigned char *in;
	ZSTD_inBuffer zin;
	size_t in_cap;
	char *buf;       /* decompressed bytes not yet handed out: buf[pos..len) */
	size_t pos, len, cap;
	int eof, err;    /* err: 0, or an errno / -1 for damaged compressed data */
	long line;
};

static int lines_open(struct lines *l, const char *path)
{
	unsigned char magic[4] = {0};
	memset(l, 0, sizeof(*l));
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t n = fread(magic, 1, 4, f);
	if (n == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd) {
		rewind(f);
		l->f = f;
		l->in_cap = ZSTD_DStreamInSize();
		if (!(l->z = ZSTD_createDCtx()) || !(l->in = malloc(l->in_cap))) {
			errno = ENOMEM;
			return -1;
		}
		return 0;
	}
	fclose(f);
	if (!(l->gz = gzopen(path, "rb")))
		return -1;
	return 0;
}

static void lines_close(struct lines *l)
{
	if (l->f)
		fclose(l->f);
	if (l->gz)
		gzclose(l->gz);
	ZSTD_freeDCtx(l->z);
	free(l->in);
	free(l->buf);
}

/* More decompressed bytes at buf's end: 1, 0 at the end, -1 on error (l->err). */
static int lines_fill(struct lines *l)
{
	if (l->pos) {
		memmove(l->buf, l->buf + l->pos, l->len - l->pos);
		l->len -= l->pos;
		l->pos = 0;
	}
	if (l->cap - l->len < 65536) {
		size_t cap = l->cap ? l->cap * 2 : 1 << 17;
		char *p = realloc(l->buf, cap);
		if (!p) {
			l->err = ENOMEM;
			return -1;
		}
		l->buf = p;
		l->cap = cap;
	}
	if (l->gz) {
		int n = gzread(l->gz, l->buf + l->len, (unsigned)(l->cap - l->len - 1));
		if (n < 0) {
			l->err = -1;
			return -1;
		}
		l->len += (size_t)n;
		return n > 0;
	}
	for (;;) {
		if (l->zin.pos == l->zin.size) {
			size_t n = fread(l->in, 1, l->in_cap, l->f);
			if (!n) {
				if (ferror(l->f))
					l->err = errno ? errno : EIO;
				return ferror(l->f) ? -1 : 0;
			}
			l->zin.src = l->in;
			l->zin.size = n;
			l->zin.pos = 0;
		}
		ZSTD_outBuffer out = {l->buf + l->len, l->cap - l->len - 1, 0};
		size_t rc = ZSTD_decompressStream(l->z, &out, &l->zin);
		if (ZSTD_isError(rc)) {
			l->err = -1;
			return -1;
		}
		l->len += out.pos;
		if (out.pos)
			return 1;
	}
}

/* The next line, NUL-terminated, without its newline (borrowed until the next call):
 * 1, 0 at the end, -1 on error. */
static int lines_next(struct lines *l, char **line, size_t *len)
{
	for (;;) {
		char *nl = l->len > l->pos ? memchr(l->buf + l->pos, '\n', l->len - l->pos) : NULL;
		if (nl || (l->eof && l->pos < l->len)) {
			char *s = l->buf + l->pos;
			size_t n = nl ? (size_t)(nl - s) : l->len - l->pos;
			s[n] = 0; /* buf keeps a byte spare for the last line's NUL */
			l->pos += n + (nl != NULL);
			*line = s;
			*len = n;
			l->line++;
			return 1;
		}
		if (l->eof)
			return 0;
		int rc = lines_fill(l);
		if (rc < 0)
			return -1;
		if (!rc)
			l->eof = 1;
	}
}

/* ---- heaptrack's data ---- */

struct hframe {
	uint32_t function, file, line; /* string indices (1-based, 0 none) */
};
struct hip {
	uint64_t ip;
	uint32_t module;               /* string index */
	uint32_t first, n;             /* hframes[first .. first + n): innermost first */
};
struct htrace {
	uint32_t ip, parent;           /* ip index (1-based), trace index (0: the root) */
};
struct hinfo {
	uint64_t size;
	uint32_t trace;
};
struct hev {
	uint64_t time_ms;
	uint32_t info;
	uint8_t free;
};
struct live {                      /* a live block of an allocation info (LIFO per info) */
	uint64_t addr;
	uint32_t next;                 /* index + 1 of the block allocated before it, 0 none */
};

#define VEC(T) struct { T *p; size_t n, cap; }
#define PUSH(v) (mtan_room((void **)&(v).p, &(v).cap, (v).n + 1, sizeof(*(v).p)) ? NULL : &(v).p[(v).n++])

struct ht {
	const char *path;
	unsigned version;
	char *cmdline;                 /* the X line */
	VEC(char *) strings;
	VEC(struct hframe) frames;
	VEC(struct hip) ips;
	VEC(struct htrace) traces;
	VEC(struct hinfo) infos;
	VEC(struct hev) events;
	uint64_t now_ms;
	long bad;
};

static const char *str(const struct ht *h, uint32_t i)
{
	return i && i <= h->strings.n ? h->strings.p[i - 1] : NULL;
}

/* The next hex number of a line: 0 and *v, or -1 when none is there. */
static int hex(char **s, uint64_t *v)
{
	char *end;
	while (**s == ' ')
		(*s)++;
	if (!isxdigit((unsigned char)**s))
		return -1;
	errno = 0;
	unsigned long long x = strtoull(*s, &end, 16);
	if (errno || (*end && *end != ' '))
		return -1;
	*s = end;
	*v = x;
	return 0;
}

static int hex32(char **s, uint32_t *v)
{
	uint64_t x;
	if (hex(s, &x) || x > UINT32_MAX)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

static void bad_line(struct ht *h, long line, const char *why)
{
	if (h->bad++ < 10)
		fprintf(stderr, "mtan: import: '%s' line %ld: %s\n", h->path, line, why);
}

/* One line. 0, 1 for a line told bad and skipped, -1 to stop (told, or no memory: errno). */
static int parse_line(struct ht *h, char *s, size_t len, long line)
{
	char mode = s[0];
	if (!len || mode == '#')
		return 0;
	if (len > 1 && s[1] != ' ') {
		bad_line(h, line, "not a heaptrack line");
		return 1;
	}
	s += len > 1 ? 2 : 1;
	uint64_t a, b;
	switch (mode) {
	case 'v': {
		uint64_t ver = 0;
		if (hex(&s, &a)) {
			bad_line(h, line, "bad version line");
			return 1;
		}
		/* heaptrack 1.2.0 wrote its own version as the file's: file format 1 */
		if (hex(&s, &ver))
			ver = a == 0x010200 ? 1 : 0;
		if (ver < 1 || ver > 3) {
			mtan_err("import: '%s': heaptrack file format %llu is not supported (1 to 3 are: "
				 "heaptrack 1.0 and later)", h->path, (unsigned long long)ver);
			errno = 0;
			return -1;
		}
		h->version = (unsigned)ver;
		return 0;
	}
	case 's': {
		char *text = s, *copy;
		if (h->version >= 3) { /* "s LEN STRING": LEN bytes, which may hold spaces */
			if (hex(&s, &a) || *s != ' ' || a != strlen(s + 1)) {
				bad_line(h, line, "bad string line");
				/* the numbering of every later string depends on this one: keep a place */
				text = "";
			} else {
				text = s + 1;
			}
		}
		char **p = PUSH(h->strings);
		if (!p || !(copy = strdup(text)))
			return -1;
		*p = copy;
		return 0;
	}
	case 'i': {
		struct hip ip;
		struct hframe fr;
		memset(&ip, 0, sizeof ip);
		if (hex(&s, &ip.ip) || hex32(&s, &ip.module)) {
			bad_line(h, line, "bad instruction pointer line");
			ip.module = 0; /* keep the numbering */
		}
		ip.first = (uint32_t)h->frames.n;
		/* function [file line [function file line]...]: the innermost first (the inlined
		 * ones), the last the function that holds the code */
		while (!hex32(&s, &fr.function)) {
			fr.file = fr.line = 0;
			if (!hex32(&s, &fr.file))
				hex32(&s, &fr.line);
			struct hframe *f = PUSH(h->frames);
			if (!f)
				return -1;
			*f = fr;
			ip.n++;
		}
		struct hip *p = PUSH(h->ips);
		if (!p)
			return -1;
		*p = ip;
		return 0;
	}
	case 't': {
		struct htrace t = {0, 0};
		struct htrace *p;
		/* parents come first: an index at or after this one's would make a cycle */
		if (hex32(&s, &t.ip) || hex32(&s, &t.parent) || t.parent > h->traces.n || !t.ip ||
		    t.ip > h->ips.n) {
			bad_line(h, line, "bad trace line");
			t.ip = t.parent = 0;
		}
		if (!(p = PUSH(h->traces)))
			return -1;
		*p = t;
		return 0;
	}
	case 'a': {
		struct hinfo in = {0, 0};
		struct hinfo *p;
		if (hex(&s, &in.size) || hex32(&s, &in.trace) || in.trace > h->traces.n || in.size > INT64_MAX) {
			bad_line(h, line, "bad allocation info line");
			in.size = 0;
			in.trace = 0;
		}
		if (!(p = PUSH(h->infos)))
			return -1;
		*p = in;
		return 0;
	}
	case '+':
	case '-': {
		struct hev *e;
		if (hex(&s, &a) || a >= h->infos.n) {
			bad_line(h, line, mode == '+' ? "bad allocation line (no such allocation info)"
						     : "bad free line (no such allocation info)");
			return 1;
		}
		if (!(e = PUSH(h->events)))
			return -1;
		e->info = (uint32_t)a;
		e->free = mode == '-';
		e->time_ms = h->now_ms;
		return 0;
	}
	case 'c': /* milliseconds since the start: the time of the events after it */
		if (hex(&s, &b)) {
			bad_line(h, line, "bad time line");
			return 1;
		}
		h->now_ms = b;
		return 0;
	case 'X':
		free(h->cmdline);
		if (!(h->cmdline = strdup(s)))
			return -1;
		return 0;
	case 'I': case 'R': case 'A': case 'S':
		return 0; /* system facts, RSS, attach and suppressions: nothing of ours */
	default:
		bad_line(h, line, "not a heaptrack line");
		return 1;
	}
}

static void ht_release(struct ht *h)
{
	for (size_t i = 0; i < h->strings.n; i++)
		free(h->strings.p[i]);
	free(h->strings.p);
	free(h->frames.p);
	free(h->ips.p);
	free(h->traces.p);
	free(h->infos.p);
	free(h->events.p);
	free(h->cmdline);
}

int mtan_is_heaptrack(const char *path)
{
	struct lines l;
	char *line;
	size_t len;
	int ret = 0;
	if (lines_open(&l, path) == 0 && lines_next(&l, &line, &len) == 1)
		ret = len > 2 && line[0] == 'v' && line[1] == ' ' && isxdigit((unsigned char)line[2]);
	lines_close(&l);
	return ret;
}

/* Reads the whole file into h. 0, or -1 (told). */
static int ht_read(struct ht *h)
{
	struct lines l;
	char *line;
	size_t len;
	int rc, ret = -1;
	if (lines_open(&l, h->path)) {
		mtan_err("cannot open '%s': %s", h->path, strerror(errno));
		lines_close(&l);
		return -1;
	}
	while ((rc = lines_next(&l, &line, &len)) == 1) {
		if (l.line == 1 && (len < 2 || line[0] != 'v')) {
			mtan_err("import: '%s': not a heaptrack file (no version line)", h->path);
			goto out;
		}
		errno = ENOMEM;
		if (parse_line(h, line, len, l.line) < 0) {
			if (errno)
				mtan_err("out of memory");
			goto out;
		}
	}
	if (rc < 0) {
		if (l.err > 0)
			mtan_err("cannot read '%s': %s", h->path, strerror(l.err));
		else
			mtan_err("import: '%s': damaged compressed data after line %ld", h->path, l.line);
		goto out;
	}
	if (!h->version) {
		mtan_err("import: '%s': not a heaptrack file (empty)", h->path);
		goto out;
	}
	ret = 0;
out:
	lines_close(&l);
	return ret;
}

/* The frames of heaptrack's trace t, innermost first: ip indices into out (at most
 * MTF_MAX_FRAMES). */
static uint32_t chain(const struct ht *h, uint32_t t, uint32_t *out)
{
	uint32_t n = 0;
	while (t && t <= h->traces.n && n < MTF_MAX_FRAMES) {
		const struct htrace *tr = &h->traces.p[t - 1];
		if (!tr->ip)
			break;
		out[n++] = tr->ip;
		if (tr->parent >= t) /* only ever earlier ones: no cycle */
			break;
		t = tr->parent;
	}
	return n;
}

static void put_str(mtf_str *s, const char *text)
{
	s->s = text ? text : "";
	s->len = (uint32_t)strlen(s->s);
}

/* The events as a trace to fd: one process, one thread (heaptrack records neither), an
 * address of its own for each block, a free taking the latest live block of its
 * allocation info (heaptrack pairs them by that alone). 0 or a status. */
static int write_trace(const struct ht *h, int fd, uint32_t pid, const char *exe)
{
	mtf_writer *w = NULL;
	mtf_record r;
	mtf_event *chunk = NULL;
	uint64_t *frames = NULL;
	uint32_t *ips = NULL;
	uint32_t *top = NULL; /* per info: index + 1 of its latest live block */
	struct live *blocks = NULL;
	unsigned char *used = NULL;
	int rc = MTF_E_NOMEM;
	chunk = malloc(4096 * sizeof(*chunk));
	frames = malloc(MTF_MAX_FRAMES * sizeof(*frames));
	ips = malloc(MTF_MAX_FRAMES * sizeof(*ips));
	top = calloc(h->infos.n + 1, sizeof(*top));
	blocks = malloc((h->events.n + 1) * sizeof(*blocks));
	used = calloc(h->traces.n + 1, 1);
	if (!chunk || !frames || !ips || !top || !blocks || !used)
		goto out;
	if ((rc = mtf_writer_new(&w, fd, 3)))
		goto out;
	memset(&r, 0, sizeof r);
	r.type = MTF_HEADER;
	put_str(&r.u.header.host, "imported heaptrack");
	r.u.header.pid = pid;
	put_str(&r.u.header.cmdline, h->cmdline);
	r.u.header.flags = MTF_FLAG_STACKS | MTF_FLAG_NO_SCAN;
	if ((rc = mtf_writer_put(w, &r)))
		goto out;
	memset(&r, 0, sizeof r);
	r.type = MTF_PROCESS;
	r.u.process.pid = pid;
	put_str(&r.u.process.exe, exe);
	put_str(&r.u.process.cmdline, h->cmdline);
	r.u.process.how = MTF_PROC_EXEC;
	if ((rc = mtf_writer_put(w, &r)))
		goto out;
	/* the stacks the allocations use, each once, before the events */
	for (size_t i = 0; i < h->infos.n; i++) {
		uint32_t t = h->infos.p[i].trace;
		if (!t || used[t])
			continue;
		used[t] = 1;
		uint32_t n = chain(h, t, ips);
		if (!n)
			continue;
		for (uint32_t k = 0; k < n; k++)
			frames[k] = h->ips.p[ips[k] - 1].ip;
		memset(&r, 0, sizeof r);
		r.type = MTF_STACK;
		r.u.stack.pid = pid;
		r.u.stack.id = t;
		r.u.stack.n = n;
		r.u.stack.frames = frames;
		if ((rc = mtf_writer_put(w, &r)))
			goto out;
	}
	uint64_t next = 0x10000000; /* addresses are made up: heaptrack keeps none */
	size_t nblocks = 0, n = 0;
	for (size_t i = 0; i < h->events.n; i++) {
		const struct hev *e = &h->events.p[i];
		const struct hinfo *in = &h->infos.p[e->info];
		mtf_event *ev = &chunk[n++];
		memset(ev, 0, sizeof(*ev));
		ev->seq = i + 1;
		ev->time_ns = e->time_ms * 1000000;
		ev->device = MTF_HOST;
		ev->stack = in->trace && used[in->trace] ? in->trace : 0;
		if (!e->free) {
			ev->op = MTF_OP_MAKE(MTF_ALLOC, MTF_FN_MALLOC);
			ev->addr = next;
			ev->size = in->size;
			next += (in->size + 31) / 16 * 16;
			blocks[nblocks].addr = ev->addr;
			blocks[nblocks].next = top[e->info];
			top[e->info] = (uint32_t)++nblocks;
		} else {
			ev->op = MTF_OP_MAKE(MTF_FREE, MTF_FN_MALLOC);
			ev->stack = 0;
			if (top[e->info]) {
				struct live *b = &blocks[top[e->info] - 1];
				ev->addr = b->addr;
				top[e->info] = b->next;
			} else {
				ev->addr = next; /* nothing of it is live: an unmatched free */
				next += 16;
			}
		}
		if (n == 4096 || i + 1 == h->events.n) {
			if ((rc = mtf_writer_events(w, pid, 1, chunk, (uint32_t)n)))
				goto out;
			n = 0;
		}
	}
	memset(&r, 0, sizeof r);
	r.type = MTF_END;
	r.u.end.events = h->events.n;
	r.u.end.processes = 1;
	r.u.end.threads = h->events.n ? 1 : 0;
	if ((rc = mtf_writer_put(w, &r)))
		goto out;
	rc = mtf_writer_flush(w);
out:
	mtf_writer_free(w);
	free(chunk);
	free(frames);
	free(ips);
	free(top);
	free(blocks);
	free(used);
	return rc;
}

/* mtan_ext_stacks: a stack's frames are heaptrack's instruction pointers (keys 1..ips.n),
 * each with the functions heaptrack resolved there, inlined calls first. */
static uint32_t ht_stack(const void *ctx, uint32_t pid, uint32_t id, uint32_t *keys)
{
	(void)pid;
	return chain(ctx, id, keys);
}

static uint32_t ht_frame(const void *ctx, uint32_t key, uint32_t j, struct mtan_ext_frame *f)
{
	const struct ht *h = ctx;
	const struct hip *ip = &h->ips.p[key - 1];
	const struct hframe *fr = ip->n ? &h->frames.p[ip->first + j] : NULL;
	f->address = ip->ip;
	f->module = str(h, ip->module);
	f->function = fr ? str(h, fr->function) : NULL;
	f->file = fr ? str(h, fr->file) : NULL;
	f->line = fr ? (int)fr->line : 0;
	return ip->n ? ip->n : 1;
}

/* The pid in heaptrack's file name (heaptrack.APP.PID.zst, .gz or plain), else 1. */
static uint32_t pid_of(const char *path)
{
	const char *base = strrchr(path, '/');
	char name[256];
	base = base ? base + 1 : path;
	snprintf(name, sizeof name, "%s", base);
	char *dot = strrchr(name, '.');
	if (dot && (!strcmp(dot, ".zst") || !strcmp(dot, ".gz")))
		*dot = 0;
	dot = strrchr(name, '.');
	if (!dot || !dot[1])
		return 1;
	char *end;
	errno = 0;
	unsigned long v = strtoul(dot + 1, &end, 10);
	return *end || errno || !v || v > UINT32_MAX || !isdigit((unsigned char)dot[1]) ? 1 : (uint32_t)v;
}

int mtan_import_heaptrack(const char *in, const char *out, int quiet)
{
	struct ht h;
	char *trace = NULL, *exe = NULL;
	int fd = -1, ret = 1;
	memset(&h, 0, sizeof h);
	h.path = in;
	if (ht_read(&h))
		goto out;
	if (!h.events.n) {
		mtan_err("import: '%s': no allocation in it; nothing written", in);
		goto out;
	}
	uint32_t pid = pid_of(in);
	/* the program: the command line's first word */
	if (!(exe = strdup(h.cmdline ? h.cmdline : "")))
		goto nomem;
	exe[strcspn(exe, " ")] = 0;
	/* the trace the loader reads and the database it builds, beside out, renamed when whole */
	if (asprintf(&trace, "%s.tmp.%d.zst", out, (int)getpid()) < 0) {
		trace = NULL;
		goto nomem;
	}
	if ((fd = open(trace, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		mtan_err("cannot create '%s': %s", trace, strerror(errno));
		goto out;
	}
	int rc = write_trace(&h, fd, pid, exe);
	if (rc || close(fd)) {
		fd = -1;
		mtan_err("cannot write '%s': %s", trace, rc ? mtf_strerror(rc) : strerror(errno));
		goto out;
	}
	fd = -1;
	struct mtan_ext_stacks x = {ht_stack, ht_frame, (uint32_t)h.ips.n, exe, &h};
	if (mtan_ext_load(trace, out, &x))
		goto out;
	if (h.bad)
		fprintf(stderr, "mtan: import: '%s': %ld bad %s skipped, %zu %s written to '%s'\n", in,
			h.bad, h.bad == 1 ? "line" : "lines", h.events.n, h.events.n == 1 ? "event" : "events", out);
	else if (!quiet)
		fprintf(stderr, "mtan: import: '%s': %zu %s written to '%s'\n", in, h.events.n,
			h.events.n == 1 ? "event" : "events", out);
	ret = 0;
	goto out;
nomem:
	mtan_err("out of memory");
out:
	if (fd >= 0)
		close(fd);
	if (trace)
		unlink(trace);
	free(trace);
	free(exe);
	ht_release(&h);
	return ret;
}
