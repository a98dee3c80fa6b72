/* symcache.c: the symbolizer's results, resolved once per module file and offset however
 * many processes map the file, and kept between loads in one text file per build id, so
 * that a second trace of the same programs reads no debug information at all. A file that
 * does not read back whole (truncated, damaged, another mtan's or another option's) is
 * ignored and written again. */
#include "symcache.h"
#include "sym.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The first line of a cache file: a file of another layout is not read. */
#define MAGIC "mtan-symbols 1\n"
/* Bounds on what a cache file may hold (anything beyond: not read). */
#define MAX_FILE_BYTES (512u << 20)
#define MAX_INLINED 4096

struct entry {
	uint32_t space;
	uint8_t ret, from_disk, counted;
	uint64_t offset;
	char *function, *file;
	int line;
	uint32_t ninlined;
	struct mtan_inlined *inlined;
};

struct space {
	char *build_id;    /* hex, NULL: in memory alone */
	char *fingerprint; /* NULL in memory alone */
	int dirty;         /* gained entries since it was read */
};

struct mtan_symcache {
	char *dir, *options;
	uint64_t options_hash;
	struct entry *e;
	size_t n, cap;
	uint32_t *slots; /* open addressing: entry index + 1, 0 empty */
	size_t nslots;   /* a power of two, at least twice n */
	struct space *sp;
	size_t nsp, capsp;
	uint64_t hits;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

#define FNV_START 0xcbf29ce484222325ull

static uint64_t slot_hash(uint32_t space, uint64_t offset, int ret)
{
	uint64_t h = offset * 0x9e3779b97f4a7c15ull ^ ((uint64_t)space << 1 | (uint64_t)(ret != 0));
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 32);
}

char *mtan_symcache_dir(void)
{
	const char *off = getenv("MTAN_SYMBOL_CACHE");
	if (off && !strcmp(off, "off"))
		return NULL;
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char *dir = NULL;
	/* the XDG spec: a relative XDG_CACHE_HOME is invalid and ignored */
	if (xdg && xdg[0] == '/') {
		if (asprintf(&dir, "%s/mtan/symbols", xdg) < 0)
			dir = NULL;
	} else if (home && home[0] == '/') {
		if (asprintf(&dir, "%s/.cache/mtan/symbols", home) < 0)
			dir = NULL;
	}
	return dir;
}

struct mtan_symcache *mtan_symcache_new(const char *dir, const char *options)
{
	struct mtan_symcache *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->nslots = 1024;
	c->slots = calloc(c->nslots, sizeof(*c->slots));
	c->options = strdup(options ? options : "");
	if (dir)
		c->dir = strdup(dir);
	if (!c->slots || !c->options || (dir && !c->dir)) {
		mtan_symcache_free(c);
		return NULL;
	}
	c->options_hash = fnv(FNV_START, c->options, strlen(c->options));
	return c;
}

static void entry_release(struct entry *e)
{
	for (uint32_t i = 0; i < e->ninlined; i++) {
		free(e->inlined[i].function);
		free(e->inlined[i].file);
	}
	free(e->inlined);
	free(e->function);
	free(e->file);
}

void mtan_symcache_free(struct mtan_symcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		entry_release(&c->e[i]);
	for (size_t i = 0; i < c->nsp; i++) {
		free(c->sp[i].build_id);
		free(c->sp[i].fingerprint);
	}
	free(c->e);
	free(c->slots);
	free(c->sp);
	free(c->dir);
	free(c->options);
	free(c);
}

uint64_t mtan_symcache_hits(const struct mtan_symcache *c)
{
	return c ? c->hits : 0;
}

/* The slot that holds (space, offset, ret), or the empty one where it would go. */
static uint32_t *slot(struct mtan_symcache *c, uint32_t space, uint64_t offset, int ret)
{
	size_t mask = c->nslots - 1;
	for (size_t i = slot_hash(space, offset, ret) & mask;; i = (i + 1) & mask) {
		uint32_t *s = &c->slots[i];
		if (!*s)
			return s;
		const struct entry *e = &c->e[*s - 1];
		if (e->space == space && e->offset == offset && e->ret == (ret != 0))
			return s;
	}
}

static int grow_slots(struct mtan_symcache *c)
{
	size_t n = c->nslots * 2;
	uint32_t *p = calloc(n, sizeof(*p));
	if (!p)
		return -1;
	free(c->slots);
	c->slots = p;
	c->nslots = n;
	for (size_t i = 0; i < c->n; i++)
		*slot(c, c->e[i].space, c->e[i].offset, c->e[i].ret) = (uint32_t)i + 1;
	return 0;
}

/* Takes e (its strings included) into the table unless its key is there already (then
 * frees them). 0, or -1 on no memory (e's strings freed). */
static int add(struct mtan_symcache *c, struct entry *e)
{
	if (c->n >= UINT32_MAX - 1 || ((c->n + 1) * 2 > c->nslots && grow_slots(c)))
		goto fail;
	uint32_t *s = slot(c, e->space, e->offset, e->ret);
	if (*s) {
		entry_release(e);
		return 0;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		struct entry *p = realloc(c->e, cap * sizeof(*p));
		if (!p)
			goto fail;
		c->e = p;
		c->cap = cap;
	}
	c->e[c->n++] = *e;
	*s = (uint32_t)c->n;
	return 0;
fail:
	entry_release(e);
	return -1;
}

static char *dup_or_null(const char *s, int *nomem)
{
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		*nomem = 1;
	return d;
}

/* Copies function, file, line and inlined from one to the other (either struct). */
static int copy_sym(char **function, char **file, int *line, struct mtan_inlined **inl, size_t *ninl,
		    const char *sfunction, const char *sfile, int sline, const struct mtan_inlined *sinl,
		    size_t sninl)
{
	int nomem = 0;
	*function = dup_or_null(sfunction, &nomem);
	*file = dup_or_null(sfile, &nomem);
	*line = sline;
	*inl = NULL;
	*ninl = 0;
	if (sninl) {
		if (!(*inl = calloc(sninl, sizeof(**inl))))
			nomem = 1;
		for (size_t i = 0; *inl && i < sninl; i++) {
			(*inl)[i].function = dup_or_null(sinl[i].function, &nomem);
			(*inl)[i].file = dup_or_null(sinl[i].file, &nomem);
			(*inl)[i].line = sinl[i].line;
			*ninl = i + 1;
		}
	}
	return nomem ? -1 : 0;
}

int mtan_symcache_get(struct mtan_symcache *c, uint32_t space, uint64_t offset, int is_return,
		      struct mtan_sym *out)
{
	uint32_t *s = slot(c, space, offset, is_return);
	if (!*s)
		return 0;
	struct entry *e = &c->e[*s - 1];
	if (copy_sym(&out->function, &out->file, &out->line, &out->inlined, &out->ninlined, e->function,
		     e->file, e->line, e->inlined, e->ninlined)) {
		mtan_sym_release(out);
		return 0;
	}
	if (e->from_disk && !e->counted) {
		e->counted = 1;
		c->hits++;
	}
	return 1;
}

int mtan_symcache_put(struct mtan_symcache *c, uint32_t space, uint64_t offset, int is_return,
		      const struct mtan_sym *sym)
{
	struct entry e = {.space = space, .offset = offset, .ret = is_return != 0};
	size_t ninl = 0;
	if (!space || space > c->nsp)
		return 0;
	int rc = copy_sym(&e.function, &e.file, &e.line, &e.inlined, &ninl, sym->function, sym->file,
			  sym->line, sym->inlined, sym->ninlined);
	e.ninlined = (uint32_t)ninl;
	if (rc) {
		entry_release(&e);
		return -1;
	}
	c->sp[space - 1].dirty = 1;
	return add(c, &e);
}

/* ---- the disk files ---- */

/* A build id fit to name a file: hex, a sane length. */
static int valid_build_id(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n < 2 || n > 128)
		return 0;
	return strspn(id, "0123456789abcdef") == n;
}

static char *file_name(const struct mtan_symcache *c, const char *build_id)
{
	char *p;
	if (asprintf(&p, "%s/%s-%016llx", c->dir, build_id, (unsigned long long)c->options_hash) < 0)
		return NULL;
	return p;
}

/* A string as one token: "-" for NULL, else "=" and its bytes with '\', space and control
 * bytes escaped. */
static void put_str(FILE *f, const char *s)
{
	if (!s) {
		fputc('-', f);
		return;
	}
	fputc('=', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", f);
		else if (*p == ' ')
			fputs("\\s", f);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
}

/* A reader over one line of a cache file, token by token; any surprise sets bad. */
struct cursor {
	const char *p, *end; /* the line, without its newline */
	int bad;
};

/* The next token, [*start, return) */
static const char *token(struct cursor *k, const char **start)
{
	if (k->p >= k->end) {
		k->bad = 1;
		return NULL;
	}
	*start = k->p;
	const char *sp = memchr(k->p, ' ', (size_t)(k->end - k->p));
	const char *stop = sp ? sp : k->end;
	k->p = sp ? sp + 1 : k->end;
	return stop;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* A token put_str wrote: malloc'd, NULL for "-" (or bad). */
static char *get_str(struct cursor *k)
{
	const char *s, *e = token(k, &s);
	if (!e)
		return NULL;
	if (e - s == 1 && *s == '-')
		return NULL;
	if (e == s || *s != '=') {
		k->bad = 1;
		return NULL;
	}
	char *out = malloc((size_t)(e - s));
	size_t n = 0;
	if (!out) {
		k->bad = 1;
		return NULL;
	}
	for (s++; s < e; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '\\') {
			if (++s >= e)
				goto bad;
			if (*s == '\\')
				ch = '\\';
			else if (*s == 's')
				ch = ' ';
			else if (*s == 'n')
				ch = '\n';
			else if (*s == 'x' && e - s > 2 && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
				ch = (unsigned char)(hexval(s[1]) << 4 | hexval(s[2]));
				s += 2;
			} else
				goto bad;
			if (!ch)
				goto bad;
		} else if (ch < 0x20 || ch == 0x7f)
			goto bad;
		out[n++] = (char)ch;
	}
	out[n] = 0;
	return out;
bad:
	free(out);
	k->bad = 1;
	return NULL;
}

/* An unsigned number token in base (hex without 0x), at most max. */
static uint64_t get_num(struct cursor *k, int base, uint64_t max)
{
	const char *s, *e = token(k, &s);
	uint64_t v = 0;
	if (!e || e == s || e - s > 20) {
		k->bad = 1;
		return 0;
	}
	for (; s < e; s++) {
		int d = base == 16 ? hexval(*s) : (*s >= '0' && *s <= '9' ? *s - '0' : -1);
		if (d < 0 || v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) {
			k->bad = 1;
			return 0;
		}
		v = v * (uint64_t)base + (uint64_t)d;
	}
	if (v > max)
		k->bad = 1;
	return v;
}

/* A signed int token (a line: DWARF's are unsigned, kept as the int libdw gives). */
static int get_int(struct cursor *k)
{
	int neg = k->p < k->end && *k->p == '-';
	k->p += neg;
	uint64_t v = get_num(k, 10, neg ? (uint64_t)INT_MAX + 1 : INT_MAX);
	return neg ? (int)(-(int64_t)v) : (int)v;
}

/* A header line "NAME VALUE": whether it is there with exactly want as its value. */
static int header_is(struct cursor *k, const char *name, const char *want)
{
	const char *s, *e = token(k, &s);
	if (!e || (size_t)(e - s) != strlen(name) || memcmp(s, name, (size_t)(e - s)))
		return 0;
	char *v = get_str(k);
	int same = v && !k->bad && k->p == k->end && !strcmp(v, want);
	free(v);
	return same;
}

/* The next line of buf: [k->p, k->end); 0 when none is left. */
static int next_line(const char **at, const char *end, struct cursor *k)
{
	if (*at >= end)
		return 0;
	const char *nl = memchr(*at, '\n', (size_t)(end - *at));
	if (!nl)
		return 0;
	k->p = *at;
	k->end = nl;
	k->bad = 0;
	*at = nl + 1;
	return 1;
}

static void free_entries(struct entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		entry_release(&v[i]);
	free(v);
}

/* The entries of a cache file's text, into *out (malloc'd, *n of them), all or none:
 * 0, or -1 when the text is not a whole cache file for this build id and fingerprint
 * under these options (or on no memory). */
static int parse(const struct mtan_symcache *c, const struct space *sp, uint32_t space, const char *buf,
		 size_t len, struct entry **out, size_t *nout)
{
	struct entry *v = NULL;
	size_t n = 0, cap = 0;
	const char *at = buf, *end;
	struct cursor k;
	*out = NULL;
	*nout = 0;
	/* the last line: "end COUNT CHECKSUM", the checksum of everything before it */
	if (len < sizeof(MAGIC) - 1 || memcmp(buf, MAGIC, sizeof(MAGIC) - 1) || buf[len - 1] != '\n')
		return -1;
	const char *last = buf + len - 1;
	while (last > buf && last[-1] != '\n')
		last--;
	k.p = last;
	k.end = buf + len - 1;
	k.bad = 0;
	const char *s, *e = token(&k, &s);
	if (!e || e - s != 3 || memcmp(s, "end", 3))
		return -1;
	uint64_t count = get_num(&k, 10, UINT32_MAX);
	uint64_t sum = get_num(&k, 16, UINT64_MAX);
	if (k.bad || k.p != k.end || sum != fnv(FNV_START, buf, (size_t)(last - buf)))
		return -1;
	end = last;
	at += sizeof(MAGIC) - 1;
	if (!next_line(&at, end, &k) || !header_is(&k, "options", c->options) ||
	    !next_line(&at, end, &k) || !header_is(&k, "build", sp->build_id) ||
	    !next_line(&at, end, &k) || !header_is(&k, "files", sp->fingerprint))
		return -1;
	while (next_line(&at, end, &k)) {
		struct entry x = {.space = space, .from_disk = 1};
		x.offset = get_num(&k, 16, UINT64_MAX);
		x.ret = (uint8_t)get_num(&k, 10, 1);
		x.function = get_str(&k);
		x.file = get_str(&k);
		x.line = get_int(&k);
		uint64_t ninl = get_num(&k, 10, MAX_INLINED);
		if (!k.bad && ninl && !(x.inlined = calloc(ninl, sizeof(*x.inlined))))
			k.bad = 1;
		for (uint64_t i = 0; i < ninl && !k.bad; i++) {
			x.ninlined = (uint32_t)i + 1;
			x.inlined[i].function = get_str(&k);
			x.inlined[i].file = get_str(&k);
			x.inlined[i].line = get_int(&k);
		}
		if (!k.bad && k.p != k.end)
			k.bad = 1;
		if (!k.bad && n == cap) {
			size_t nc = cap ? cap * 2 : 256;
			struct entry *p = realloc(v, nc * sizeof(*p));
			if (p) {
				v = p;
				cap = nc;
			} else
				k.bad = 1;
		}
		if (k.bad) {
			entry_release(&x);
			free_entries(v, n);
			return -1;
		}
		v[n++] = x;
	}
	if (at != end || n != count) {
		free_entries(v, n);
		return -1;
	}
	*out = v;
	*nout = n;
	return 0;
}

/* Reads the disk file of space (a number) into the table; a file that does not read back
 * whole is left for save to replace. */
static void load_file(struct mtan_symcache *c, uint32_t space)
{
	const struct space *sp = &c->sp[space - 1];
	char *path = file_name(c, sp->build_id), *buf = NULL;
	struct entry *v = NULL;
	size_t n = 0;
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	struct stat st;
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > MAX_FILE_BYTES || !(buf = malloc((size_t)st.st_size)))
		goto out;
	size_t len = 0;
	while (len < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + len, (size_t)st.st_size - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	if (len != (size_t)st.st_size || parse(c, sp, space, buf, len, &v, &n))
		goto out;
	for (size_t i = 0; i < n; i++)
		if (add(c, &v[i])) {
			while (++i < n)
				entry_release(&v[i]);
			break;
		}
out:
	free(v);
	free(buf);
	free(path);
	if (fd >= 0)
		close(fd);
}

uint32_t mtan_symcache_space(struct mtan_symcache *c, const char *build_id, const char *fingerprint)
{
	int shared = valid_build_id(build_id) && fingerprint;
	if (shared)
		for (size_t i = 0; i < c->nsp; i++)
			if (c->sp[i].build_id && !strcmp(c->sp[i].build_id, build_id) &&
			    !strcmp(c->sp[i].fingerprint, fingerprint))
				return (uint32_t)i + 1;
	if (c->nsp == c->capsp) {
		size_t cap = c->capsp ? c->capsp * 2 : 64;
		struct space *p = realloc(c->sp, cap * sizeof(*p));
		if (!p)
			return 0;
		c->sp = p;
		c->capsp = cap;
	}
	struct space *sp = &c->sp[c->nsp];
	memset(sp, 0, sizeof(*sp));
	if (shared) {
		sp->build_id = strdup(build_id);
		sp->fingerprint = strdup(fingerprint);
		if (!sp->build_id || !sp->fingerprint) {
			free(sp->build_id);
			free(sp->fingerprint);
			return 0;
		}
	}
	uint32_t space = (uint32_t)++c->nsp;
	if (shared && c->dir)
		load_file(c, space);
	return space;
}

static int by_key(const void *a, const void *b, void *arg)
{
	const struct entry *v = arg;
	const struct entry *x = &v[*(const uint32_t *)a], *y = &v[*(const uint32_t *)b];
	if (x->space != y->space)
		return x->space < y->space ? -1 : 1;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return (int)x->ret - (int)y->ret;
}

/* Creates dir and its parents (mode 0700, as the XDG spec asks). 0 or -1. */
static int make_dirs(char *dir)
{
	for (char *p = dir + 1;; p++) {
		if (*p && *p != '/')
			continue;
		char ch = *p;
		*p = 0;
		int rc = mkdir(dir, 0700);
		*p = ch;
		if (rc && errno != EEXIST)
			return -1;
		if (!ch)
			return 0;
	}
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Writes the entries idx[0..n) of space sp to its file. 0 or -1. */
static int write_file(const struct mtan_symcache *c, const struct space *sp, const uint32_t *idx, size_t n)
{
	char *path = file_name(c, sp->build_id), *tmp = NULL, *buf = NULL;
	size_t len = 0;
	int fd = -1, ret = -1;
	FILE *f = open_memstream(&buf, &len);
	if (!path || !f || asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		tmp = NULL;
		goto out;
	}
	fputs(MAGIC "options ", f);
	put_str(f, c->options);
	fputs("\nbuild ", f);
	put_str(f, sp->build_id);
	fputs("\nfiles ", f);
	put_str(f, sp->fingerprint);
	fputc('\n', f);
	for (size_t i = 0; i < n; i++) {
		const struct entry *e = &c->e[idx[i]];
		fprintf(f, "%llx %d ", (unsigned long long)e->offset, e->ret);
		put_str(f, e->function);
		fputc(' ', f);
		put_str(f, e->file);
		fprintf(f, " %d %u", e->line, e->ninlined);
		for (uint32_t j = 0; j < e->ninlined; j++) {
			fputc(' ', f);
			put_str(f, e->inlined[j].function);
			fputc(' ', f);
			put_str(f, e->inlined[j].file);
			fprintf(f, " %d", e->inlined[j].line);
		}
		fputc('\n', f);
	}
	if (fflush(f))
		goto out;
	fprintf(f, "end %zu %016llx\n", n, (unsigned long long)fnv(FNV_START, buf, len));
	if (fclose(f)) {
		f = NULL;
		goto out;
	}
	f = NULL;
	if ((fd = mkstemp(tmp)) < 0)
		goto out;
	if (write_all(fd, buf, len) || close(fd)) {
		fd = -1;
		unlink(tmp);
		goto out;
	}
	fd = -1;
	if (rename(tmp, path)) {
		unlink(tmp);
		goto out;
	}
	ret = 0;
out:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	free(buf);
	free(tmp);
	free(path);
	return ret;
}

void mtan_symcache_save(struct mtan_symcache *c)
{
	if (!c || !c->dir || !c->n)
		return;
	int any = 0;
	for (size_t i = 0; i < c->nsp && !any; i++)
		any = c->sp[i].dirty && c->sp[i].build_id;
	uint32_t *idx = any ? malloc(c->n * sizeof(*idx)) : NULL;
	char *dir = any ? strdup(c->dir) : NULL;
	if (!idx || !dir || make_dirs(dir))
		goto out;
	for (size_t i = 0; i < c->n; i++)
		idx[i] = (uint32_t)i;
	qsort_r(idx, c->n, sizeof(*idx), by_key, c->e);
	for (size_t i = 0, j; i < c->n; i = j) {
		const struct space *sp = &c->sp[c->e[idx[i]].space - 1];
		for (j = i + 1; j < c->n && c->e[idx[j]].space == c->e[idx[i]].space; j++)
			;
		if (sp->dirty && sp->build_id)
			write_file(c, sp, idx + i, j - i);
	}
out:
	free(idx);
	free(dir);
}
