/* symbols.c: turns recorded return addresses into function, file and line, offline, with
 * elfutils' libdwfl over one process's module map (the MODULE records: path, load bias,
 * size, build id). Addresses no readable module explains keep module+offset. */
#include "mtan.h"

#include <elfutils/libdwfl.h>
#include <stdlib.h>
#include <string.h>

/* From libstdc++ (the Makefile links it); declared here to keep this a C file. */
char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

struct mtan_symbolizer {
	Dwfl *dwfl;
	const struct mtan_module **mods; /* in effect: no two overlap; sorted by base */
	Dwfl_Module **dmods;             /* NULL where the file is unreadable or another build */
	size_t n;
};

static char *debuginfo_path;
static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
	.debuginfo_path = &debuginfo_path,
};

static int by_base(const void *a, const void *b)
{
	const struct mtan_module *x = *(const struct mtan_module *const *)a;
	const struct mtan_module *y = *(const struct mtan_module *const *)b;
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

struct mtan_symbolizer *mtan_symbolizer_new(const struct mtan_module *mods, size_t n)
{
	struct mtan_symbolizer *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->mods = calloc(n + 1, sizeof(*s->mods));
	s->dmods = calloc(n + 1, sizeof(*s->dmods));
	if (!s->mods || !s->dmods) {
		mtan_symbolizer_free(s);
		return NULL;
	}
	/* The latest load wins where ranges overlap (an address reused after a dlclose):
	 * walk from the last record back, keeping what does not overlap a kept one. A
	 * module that was unloaded is still kept: its addresses were used while loaded. */
	for (size_t i = n; i-- > 0;) {
		const struct mtan_module *m = &mods[i];
		if (m->unload || !m->size || !m->path || !*m->path)
			continue;
		int clash = 0;
		for (size_t j = 0; j < s->n && !clash; j++)
			clash = overlaps(m, s->mods[j]);
		if (!clash)
			s->mods[s->n++] = m;
	}
	if (s->n)
		qsort(s->mods, s->n, sizeof(*s->mods), by_base);
	s->dwfl = dwfl_begin(&callbacks);
	if (!s->dwfl)
		return s; /* no symbols, still module+offset */
	dwfl_report_begin(s->dwfl);
	for (size_t i = 0; i < s->n; i++) {
		const char *base = strrchr(s->mods[i]->path, '/');
		base = base ? base + 1 : s->mods[i]->path;
		/* true: the recorded base is the load bias (dlpi_addr), p_vaddr is added */
		s->dmods[i] = dwfl_report_elf(s->dwfl, base, s->mods[i]->path, -1, s->mods[i]->base, true);
	}
	dwfl_report_end(s->dwfl, NULL, NULL);
	for (size_t i = 0; i < s->n; i++)
		if (s->dmods[i] && !same_build(s->dmods[i], s->mods[i]->build_id))
			s->dmods[i] = NULL;
	return s;
}

void mtan_symbolizer_free(struct mtan_symbolizer *s)
{
	if (!s)
		return;
	if (s->dwfl)
		dwfl_end(s->dwfl);
	free(s->mods);
	free(s->dmods);
	free(s);
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

void mtan_symbolize(struct mtan_symbolizer *s, uint64_t address, int is_return, struct mtan_sym *out)
{
	memset(out, 0, sizeof(*out));
	size_t lo = 0, hi = s->n;
	while (lo < hi) { /* the last module with base <= address */
		size_t mid = lo + (hi - lo) / 2;
		if (s->mods[mid]->base <= address)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return;
	size_t i = lo - 1;
	const struct mtan_module *m = s->mods[i];
	if (address - m->base >= m->size)
		return;
	out->module = m->path;
	out->offset = address - m->base;
	Dwfl_Module *dm = s->dmods[i];
	if (!dm)
		return;
	/* a caller's frame holds the return address, which may already be the next line or
	 * even the next function (a call at a function's end): look at the call itself */
	GElf_Addr a = is_return && address ? address - 1 : address;
	GElf_Off off;
	GElf_Sym sym;
	out->function = demangle(dwfl_module_addrinfo(dm, a, &off, &sym, NULL, NULL, NULL));
	Dwfl_Line *line = dwfl_module_getsrc(dm, a);
	if (line) {
		int ln = 0;
		const char *file = dwfl_lineinfo(line, NULL, &ln, NULL, NULL, NULL);
		if (file) {
			out->file = strdup(file);
			out->line = ln;
		}
	}
}

void mtan_sym_release(struct mtan_sym *s)
{
	if (!s)
		return;
	free(s->function);
	free(s->file);
	s->function = s->file = NULL;
}
