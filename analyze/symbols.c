/* symbols.c: turns recorded return addresses into function, file and line, offline, with
 * elfutils' libdwfl, inlined calls included. One symbolizer serves a whole trace: each
 * process's module map (the MODULE records: path, load bias, size, build id) says which
 * file an address falls in, one libdwfl session per module file is opened at its first
 * use and shared by every process, and each (file, offset) is resolved once, from
 * symcache.c's store (on disk between loads) when it is there. Addresses no readable
 * module explains keep module+offset. */
#include "load.h"
#include "opts.h"
#include "symbols.h"
#include "symcache.h"
#include "sym.h"
#include "symindex.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* From libstdc++ (the Makefile links it); declared here to keep this a C file. */
char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

/* A module file (a path and the build the trace names), shared by every process that
 * maps it: its libdwfl session, opened at the first address the cache cannot answer. */
struct symfile {
	char *path, *build_id;
	uint32_t space;      /* its results in the cache (0: no memory for them) */
	int opened;          /* the session was tried (dwfl and dm may still be NULL) */
	Dwfl *dwfl;
	Dwfl_Module *dm;     /* NULL where the file is unreadable or another build */
	struct mtan_symindex *index; /* dm's symbols by address (NULL: no memory) */
	uint64_t bias;       /* the load bias the session reported it at */
	unsigned long used;  /* when it was last used (the clock), to close the oldest */
};

/* An entry of the current perf map, and its place in it (later lines are newer). */
struct perf {
	const struct mtan_perf_sym *p;
	size_t order;
};

/* A module of the current map and its file (found at its first address). */
struct mapped {
	const struct mtan_module *m;
	struct symfile *f;
};

struct mtan_symbolizer {
	struct mapped *map; /* the current module map: no two overlap; sorted by base */
	size_t n;
	struct perf *perf;  /* the current perf map, sorted by start, then age */
	size_t nperf;
	struct symfile **files;
	size_t nfiles, capfiles;
	uint32_t *slots;    /* open addressing over files by path and build id: index + 1 */
	size_t nslots;
	size_t nopen;       /* sessions open */
	unsigned long clock;
	struct mtan_symcache *cache;
	uint64_t resolved;  /* addresses looked up with libdwfl */
	/* libdwfl keeps pointers to both for each session's life */
	Dwfl_Callbacks callbacks;
	char *debuginfo_path; /* NULL: libdwfl's default (":.debug:/usr/lib/debug") */
	char *sysroot;        /* absolute, NULL none */
};

/* Sessions kept open at once: each holds a file descriptor or three (the file, its debug
 * file, a dwz file); the oldest is closed past this (its results stay in the cache). */
#define MAX_OPEN 128

/* The standard places, after the user's: beside the file, its .debug, /usr/lib/debug
 * (by build id under .build-id/xx/yyyy.debug, then by name). */
#define STANDARD_DEBUG_PATH ":.debug:/usr/lib/debug"

static int by_base(const void *a, const void *b)
{
	const struct mtan_module *x = ((const struct mapped *)a)->m, *y = ((const struct mapped *)b)->m;
	return x->base < y->base ? -1 : x->base > y->base;
}

static int overlaps(const struct mtan_module *a, const struct mtan_module *b)
{
	return a->base < b->base + b->size && b->base < a->base + a->size;
}

/* Whether the file libdwfl opened is the build that was loaded (when the trace says). */
static int same_build(Dwfl_Module *dm, const char *want)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	if (!want || !*want)
		return 1;
	int len = dwfl_module_build_id(dm, &bits, &vaddr);
	if (len <= 0)
		return 1; /* the file has none to compare: trust the path */
	if (strlen(want) != (size_t)len * 2)
		return 0;
	for (int i = 0; i < len; i++) {
		char hex[3];
		snprintf(hex, sizeof hex, "%02x", bits[i]);
		if (strncmp(want + 2 * i, hex, 2))
			return 0;
	}
	return 1;
}

/* Whether the file at path is the build the trace names (want: hex, "" or NULL none):
 * 1 yes (or nothing to compare), 0 another build, -1 not a readable ELF file. */
static int file_is_build(const char *path, const char *want)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int ret = -1;
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF)
		goto out;
	ret = 1;
	const void *bits;
	ssize_t len = dwelf_elf_gnu_build_id(elf, &bits);
	if (want && *want && len > 0) {
		if (strlen(want) != (size_t)len * 2) {
			ret = 0;
			goto out;
		}
		for (ssize_t i = 0; i < len && ret; i++) {
			char hex[3];
			snprintf(hex, sizeof hex, "%02x", ((const unsigned char *)bits)[i]);
			ret = !strncmp(want + 2 * i, hex, 2);
		}
	}
out:
	elf_end(elf);
	close(fd);
	return ret;
}

/* The file to read for a module: under the sysroot first, then the recorded path; the
 * first that is the recorded build. Malloc'd (caller frees); NULL: the recorded path. */
static char *module_file(const struct mtan_symbolizer *s, const struct mtan_module *m)
{
	char *p = NULL;
	if (s->sysroot && m->path[0] == '/' && asprintf(&p, "%s%s", s->sysroot, m->path) >= 0) {
		if (file_is_build(p, m->build_id) == 1)
			return p;
		free(p);
	}
	return NULL;
}

/* The search path for separate debug files: the user's directories, the sysroot's
 * /usr/lib/debug, then the standard places. NULL: the standard ones alone. */
static char *debug_path(const char *dirs, const char *sysroot)
{
	char *path;
	if (!dirs && !sysroot)
		return NULL;
	if (asprintf(&path, "%s%s%s%s%s", dirs ? dirs : "", dirs ? ":" : "", sysroot ? sysroot : "",
		     sysroot ? "/usr/lib/debug:" : "", STANDARD_DEBUG_PATH) < 0)
		return NULL;
	return path;
}

struct mtan_symbolizer *mtan_symbolizer_new(const struct mtan_module *mods, size_t n,
					    const struct mtan_symopts *opts)
{
	struct mtan_symbolizer *s = calloc(1, sizeof(*s));
	char *dirs = NULL, *options = NULL, *cachedir = NULL;
	if (!s)
		return NULL;
	s->nslots = 256;
	if (!(s->slots = calloc(s->nslots, sizeof(*s->slots))) || mtan_symopts_keys(opts, &s->sysroot, &dirs))
		goto fail;
	s->debuginfo_path = debug_path(dirs, s->sysroot);
	if ((dirs || s->sysroot) && !s->debuginfo_path)
		goto fail;
	/* what shapes a result besides the files: a cache file written under other options
	 * (or by another mtan) is not read */
	if (asprintf(&options, "mtan %s; sysroot %s; debug path %s", MTAN_VERSION, s->sysroot ? s->sysroot : "",
		     s->debuginfo_path ? s->debuginfo_path : STANDARD_DEBUG_PATH) < 0) {
		options = NULL;
		goto fail;
	}
	cachedir = mtan_symcache_dir();
	if (!(s->cache = mtan_symcache_new(cachedir, options)))
		goto fail;
	s->callbacks.find_elf = dwfl_build_id_find_elf;
	s->callbacks.find_debuginfo = dwfl_standard_find_debuginfo;
	s->callbacks.section_address = dwfl_offline_section_address;
	s->callbacks.debuginfo_path = &s->debuginfo_path;
	if (mtan_symbolizer_map(s, mods, n))
		goto fail;
	free(dirs);
	free(options);
	free(cachedir);
	return s;
fail:
	free(dirs);
	free(options);
	free(cachedir);
	mtan_symbolizer_free(s);
	return NULL;
}

int mtan_symbolizer_map(struct mtan_symbolizer *s, const struct mtan_module *mods, size_t n)
{
	struct mapped *map = calloc(n + 1, sizeof(*map));
	if (!map)
		return -1;
	free(s->map);
	s->map = map;
	s->n = 0;
	s->nperf = 0; /* a perf map is the process's too */
	/* The latest load wins where ranges overlap (an address reused after a dlclose):
	 * walk from the last record back, keeping what does not overlap a kept one. A
	 * module that was unloaded is still kept: its addresses were used while loaded. */
	for (size_t i = n; i-- > 0;) {
		const struct mtan_module *m = &mods[i];
		if (m->unload || !m->size || !m->path || !*m->path)
			continue;
		int clash = 0;
		for (size_t j = 0; j < s->n && !clash; j++)
			clash = overlaps(m, map[j].m);
		if (!clash)
			map[s->n++].m = m;
	}
	if (s->n)
		qsort(map, s->n, sizeof(*map), by_base);
	return 0;
}

static int by_start(const void *a, const void *b)
{
	const struct perf *x = a, *y = b;
	if (x->p->start != y->p->start)
		return x->p->start < y->p->start ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

int mtan_symbolizer_perf_map(struct mtan_symbolizer *s, const struct mtan_perf_sym *p, size_t n)
{
	struct perf *v = calloc(n + 1, sizeof(*v));
	if (!v)
		return -1;
	free(s->perf);
	s->perf = v;
	s->nperf = 0;
	for (size_t i = 0; i < n; i++)
		if (p[i].size && p[i].name && p[i].start + p[i].size > p[i].start) {
			v[s->nperf].p = &p[i];
			v[s->nperf].order = i;
			s->nperf++;
		}
	if (s->nperf)
		qsort(v, s->nperf, sizeof(*v), by_start);
	return 0;
}

/* How far back from the last entry that starts at or below an address the newest one that
 * holds it is looked for: a runtime that reuses code memory overlaps a few entries. */
#define PERF_LOOKBACK 64

/* Names an address in JIT code by the perf map: 1 named, 0 not. */
static int perf_name(const struct mtan_symbolizer *s, uint64_t address, int is_return, struct mtan_sym *out)
{
	uint64_t a = is_return && address ? address - 1 : address;
	size_t lo = 0, hi = s->nperf;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->perf[mid].p->start <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	const struct perf *best = NULL;
	for (size_t i = lo, k = 0; i-- > 0 && k < PERF_LOOKBACK; k++) {
		const struct perf *e = &s->perf[i];
		if (a - e->p->start < e->p->size && (!best || e->order > best->order))
			best = e;
	}
	if (!best)
		return 0;
	out->module = MTAN_PERF_MAP_MODULE;
	out->offset = address - best->p->start;
	out->function = strdup(best->p->name);
	return 1;
}

static void close_file(struct mtan_symbolizer *s, struct symfile *f)
{
	mtan_symindex_free(f->index);
	f->index = NULL;
	if (f->dwfl) {
		dwfl_end(f->dwfl);
		s->nopen--;
	}
	f->dwfl = NULL;
	f->dm = NULL;
	f->opened = 0;
}

void mtan_symbolizer_free(struct mtan_symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nfiles; i++) {
		close_file(s, s->files[i]);
		free(s->files[i]->path);
		free(s->files[i]->build_id);
		free(s->files[i]);
	}
	mtan_symcache_free(s->cache);
	free(s->files);
	free(s->slots);
	free(s->map);
	free(s->perf);
	free(s->debuginfo_path);
	free(s->sysroot);
	free(s);
}

void mtan_symbolizer_done(struct mtan_symbolizer *s, uint64_t *resolved, uint64_t *cached)
{
	mtan_symcache_save(s->cache);
	*resolved = s->resolved;
	*cached = mtan_symcache_hits(s->cache);
}

/* One file's state, as a token of the fingerprint: size and mtime, or "-" when absent. */
static void stat_token(FILE *f, const char *path)
{
	struct stat st;
	if (path && !stat(path, &st))
		fprintf(f, "%lld.%lld.%ld ", (long long)st.st_size, (long long)st.st_mtim.tv_sec,
			st.st_mtim.tv_nsec);
	else
		fputs("- ", f);
}

/* What a module's results depend on besides the options: the files libdwfl would read
 * (the module's under the sysroot and at its path; a separate debug file by build id in
 * each absolute directory of the debug path), as they are now. Malloc'd, NULL on no
 * memory. */
static char *fingerprint(const struct mtan_symbolizer *s, const struct mtan_module *m)
{
	char *fp = NULL, *p = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&fp, &len);
	if (!f)
		return NULL;
	if (s->sysroot && m->path[0] == '/' && asprintf(&p, "%s%s", s->sysroot, m->path) >= 0) {
		stat_token(f, p);
		free(p);
	}
	stat_token(f, m->path);
	const char *dirs = s->debuginfo_path ? s->debuginfo_path : STANDARD_DEBUG_PATH;
	while (m->build_id && strlen(m->build_id) > 2) {
		size_t n = strcspn(dirs, ":");
		if (dirs[0] == '/' && asprintf(&p, "%.*s/.build-id/%.2s/%s.debug", (int)n, dirs, m->build_id,
					       m->build_id + 2) >= 0) {
			stat_token(f, p);
			free(p);
		}
		if (!dirs[n])
			break;
		dirs += n + 1;
	}
	if (fclose(f)) {
		free(fp);
		return NULL;
	}
	return fp;
}

static uint64_t file_hash(const char *path, const char *build_id)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const char *p = path;; p++) {
		h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
		if (!*p)
			break;
	}
	for (const char *p = build_id; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	return h;
}

static uint32_t *file_slot(struct mtan_symbolizer *s, const char *path, const char *build_id)
{
	size_t mask = s->nslots - 1;
	for (size_t i = file_hash(path, build_id) & mask;; i = (i + 1) & mask) {
		uint32_t *x = &s->slots[i];
		if (!*x || (!strcmp(s->files[*x - 1]->path, path) && !strcmp(s->files[*x - 1]->build_id, build_id)))
			return x;
	}
}

/* The file of a module, made at its first use. NULL on no memory. */
static struct symfile *file_of(struct mtan_symbolizer *s, const struct mtan_module *m)
{
	const char *id = m->build_id ? m->build_id : "";
	uint32_t *x = file_slot(s, m->path, id);
	if (*x)
		return s->files[*x - 1];
	if ((s->nfiles + 1) * 2 > s->nslots) {
		uint32_t *p = calloc(s->nslots * 2, sizeof(*p));
		if (!p)
			return NULL;
		free(s->slots);
		s->slots = p;
		s->nslots *= 2;
		for (size_t i = 0; i < s->nfiles; i++)
			*file_slot(s, s->files[i]->path, s->files[i]->build_id) = (uint32_t)i + 1;
		x = file_slot(s, m->path, id);
	}
	if (s->nfiles == s->capfiles) {
		size_t cap = s->capfiles ? s->capfiles * 2 : 64;
		struct symfile **p = realloc(s->files, cap * sizeof(*p));
		if (!p)
			return NULL;
		s->files = p;
		s->capfiles = cap;
	}
	struct symfile *f = calloc(1, sizeof(*f));
	char *fp = fingerprint(s, m);
	if (!f || !fp || !(f->path = strdup(m->path)) || !(f->build_id = strdup(id)) ||
	    !(f->space = mtan_symcache_space(s->cache, id, fp))) {
		if (f) {
			free(f->path);
			free(f->build_id);
		}
		free(f);
		free(fp);
		return NULL;
	}
	free(fp);
	s->files[s->nfiles++] = f;
	*x = (uint32_t)s->nfiles;
	return f;
}

/* Opens f's session (m: a module of that file, whose load bias it is reported at), once;
 * past MAX_OPEN sessions the oldest is closed first. */
static void open_file(struct mtan_symbolizer *s, struct symfile *f, const struct mtan_module *m)
{
	if (f->opened)
		return;
	f->opened = 1;
	if (s->nopen >= MAX_OPEN) {
		struct symfile *old = NULL;
		for (size_t i = 0; i < s->nfiles; i++)
			if (s->files[i]->dwfl && (!old || s->files[i]->used < old->used))
				old = s->files[i];
		if (old)
			close_file(s, old);
	}
	if (!(f->dwfl = dwfl_begin(&s->callbacks)))
		return; /* no symbols, still module+offset */
	s->nopen++;
	dwfl_report_begin(f->dwfl);
	const char *base = strrchr(m->path, '/');
	base = base ? base + 1 : m->path;
	char *file = module_file(s, m);
	/* true: the recorded base is the load bias (dlpi_addr), p_vaddr is added */
	f->dm = dwfl_report_elf(f->dwfl, base, file ? file : m->path, -1, m->base, true);
	f->bias = m->base;
	free(file);
	dwfl_report_end(f->dwfl, NULL, NULL);
	if (f->dm && !same_build(f->dm, m->build_id))
		f->dm = NULL;
	/* once per file for every process: libdwfl's own lookup scans the whole symbol table
	 * for each address */
	if (f->dm)
		f->index = mtan_symindex_new(f->dm);
}

static char *demangle(const char *name)
{
	if (!name)
		return NULL;
	/* "_IO_puts@@GLIBC_2.2.5": the symbol version is noise in a report */
	const char *at = strchr(name, '@');
	if (at && at != name) {
		char *plain = strndup(name, (size_t)(at - name));
		char *d = plain ? demangle(plain) : NULL;
		free(plain);
		return d;
	}
	if (name[0] == '_' && name[1] == 'Z') {
		int status = -1;
		char *d = __cxa_demangle(name, NULL, NULL, &status);
		if (d && status == 0)
			return d;
		free(d);
	}
	return strdup(name);
}

/* The name a DIE gives its function: the demangled linkage name, else DW_AT_name (both
 * through DW_AT_abstract_origin, where an inlined instance keeps them). Malloc'd. */
static char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
	if (!name)
		name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
	if (!name)
		name = dwarf_diename(die);
	return demangle(name);
}

/* Where an inlined call was made: its DW_AT_call_file and DW_AT_call_line. */
static void call_site(Dwarf_Die *inl, const char **file, int *line)
{
	Dwarf_Attribute attr;
	Dwarf_Word v;
	Dwarf_Die cu;
	Dwarf_Files *files;
	*file = NULL;
	*line = 0;
	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_file, &attr), &v) == 0 &&
	    dwarf_diecu(inl, &cu, NULL, NULL) && dwarf_getsrcfiles(&cu, &files, NULL) == 0)
		*file = dwarf_filesrc(files, v, NULL, NULL);
	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_line, &attr), &v) == 0)
		*line = (int)v;
}

static int push_inlined(struct mtan_sym *out, char *function, const char *file, int line)
{
	struct mtan_inlined *p = realloc(out->inlined, (out->ninlined + 1) * sizeof(*p));
	if (!p) {
		free(function);
		return -1;
	}
	out->inlined = p;
	p += out->ninlined++;
	p->function = function;
	p->file = file ? strdup(file) : NULL;
	p->line = line;
	return 0;
}

/* The functions inlined at a (innermost first) into out->inlined, each at its own line,
 * starting from the line table's *file:*line; leaves in *file:*line where the outermost
 * inlined call was made in the function that holds the code. The chain is the scopes
 * that contain the innermost DIE at a, as eu-addr2line -i walks them. */
static void inline_chain(Dwfl_Module *dm, GElf_Addr a, struct mtan_sym *out, const char **file, int *line)
{
	Dwarf_Addr bias = 0;
	Dwarf_Die *cudie = dwfl_module_addrdie(dm, a, &bias);
	Dwarf_Die *scopes = NULL;
	if (!cudie)
		return;
	int n = dwarf_getscopes(cudie, a - bias, &scopes);
	if (n <= 0)
		goto out;
	/* dwarf_getscopes follows an inlined instance into its abstract definition; the
	 * chain of concrete scopes, out to the function that holds the code, is this one */
	Dwarf_Die inner = scopes[0];
	free(scopes);
	scopes = NULL;
	if ((n = dwarf_getscopes_die(&inner, &scopes)) <= 0)
		goto out;
	for (int i = 0; i < n; i++) {
		int tag = dwarf_tag(&scopes[i]);
		if (tag == DW_TAG_subprogram) {
			if (!out->function) /* no symbol table: DWARF still names it */
				out->function = die_name(&scopes[i]);
			break;
		}
		if (tag != DW_TAG_inlined_subroutine)
			continue;
		if (push_inlined(out, die_name(&scopes[i]), *file, *line))
			break;
		call_site(&scopes[i], file, line);
	}
out:
	free(scopes);
}

/* Resolves a in f's session into out's function, file, line and inlined. */
static void resolve(struct symfile *f, GElf_Addr a, struct mtan_sym *out)
{
	Dwfl_Module *dm = f->dm;
	GElf_Off off;
	GElf_Sym sym;
	out->function = demangle(f->index ? mtan_symindex_name(f->index, a)
					  : dwfl_module_addrinfo(dm, a, &off, &sym, NULL, NULL, NULL));
	const char *file = NULL;
	int ln = 0;
	Dwfl_Line *line = dwfl_module_getsrc(dm, a);
	if (line)
		file = dwfl_lineinfo(line, NULL, &ln, NULL, NULL, NULL);
	inline_chain(dm, a, out, &file, &ln);
	if (file) {
		out->file = strdup(file);
		out->line = ln;
	}
}

void mtan_symbolize(struct mtan_symbolizer *s, uint64_t address, int is_return, struct mtan_sym *out)
{
	memset(out, 0, sizeof(*out));
	size_t lo = 0, hi = s->n;
	while (lo < hi) { /* the last module with base <= address */
		size_t mid = lo + (hi - lo) / 2;
		if (s->map[mid].m->base <= address)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || address - s->map[lo - 1].m->base >= s->map[lo - 1].m->size) {
		perf_name(s, address, is_return, out);
		return;
	}
	struct mapped *e = &s->map[lo - 1];
	const struct mtan_module *m = e->m;
	out->module = m->path;
	out->offset = address - m->base;
	if (!e->f && !(e->f = file_of(s, m)))
		return; /* no memory: module+offset */
	struct symfile *f = e->f;
	f->used = ++s->clock;
	if (mtan_symcache_get(s->cache, f->space, out->offset, is_return, out))
		return;
	open_file(s, f, m);
	if (!f->dm)
		return;
	/* a caller's frame holds the return address, which may already be the next line or
	 * even the next function (a call at a function's end): look at the call itself.
	 * The session may have reported the file at another process's bias. */
	GElf_Addr a = f->bias + out->offset;
	resolve(f, is_return && a ? a - 1 : a, out);
	s->resolved++;
	mtan_symcache_put(s->cache, f->space, out->offset, is_return, out);
}

int mtan_symopts_keys(const struct mtan_symopts *sym, char **sysroot, char **debug_dirs)
{
	*sysroot = *debug_dirs = NULL;
	if (!sym)
		return 0;
	if (sym->sysroot) {
		char *real = realpath(sym->sysroot, NULL);
		*sysroot = real ? real : strdup(sym->sysroot);
		if (!*sysroot)
			return -1;
	}
	if (!sym->ndebug_dirs)
		return 0;
	size_t len = 0;
	FILE *f = open_memstream(debug_dirs, &len);
	if (!f)
		goto fail;
	for (int i = 0; i < sym->ndebug_dirs; i++) {
		char *real = realpath(sym->debug_dirs[i], NULL);
		fprintf(f, "%s%s", i ? ":" : "", real ? real : sym->debug_dirs[i]);
		free(real);
	}
	if (fclose(f) == 0)
		return 0;
fail:
	free(*sysroot);
	free(*debug_dirs);
	*sysroot = *debug_dirs = NULL;
	return -1;
}
