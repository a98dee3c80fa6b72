/* symbols.c: turns recorded return addresses into function, file and line, offline, with
 * elfutils' libdwfl over one process's module map (the MODULE records: path, load bias,
 * size, build id), inlined calls included. Addresses no readable module explains keep
 * module+offset. */
#include "mtan.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* From libstdc++ (the Makefile links it); declared here to keep this a C file. */
char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

struct mtan_symbolizer {
	Dwfl *dwfl;
	const struct mtan_module **mods; /* in effect: no two overlap; sorted by base */
	Dwfl_Module **dmods;             /* NULL where the file is unreadable or another build */
	size_t n;
	/* libdwfl keeps pointers to both for the session's life */
	Dwfl_Callbacks callbacks;
	char *debuginfo_path; /* NULL: libdwfl's default (":.debug:/usr/lib/debug") */
	char *sysroot;        /* absolute, NULL none */
};

/* The standard places, after the user's: beside the file, its .debug, /usr/lib/debug
 * (by build id under .build-id/xx/yyyy.debug, then by name). */
#define STANDARD_DEBUG_PATH ":.debug:/usr/lib/debug"

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
	if (!s)
		return NULL;
	s->mods = calloc(n + 1, sizeof(*s->mods));
	s->dmods = calloc(n + 1, sizeof(*s->dmods));
	if (!s->mods || !s->dmods) {
		mtan_symbolizer_free(s);
		return NULL;
	}
	char *dirs = NULL;
	if (mtan_symopts_keys(opts, &s->sysroot, &dirs)) {
		mtan_symbolizer_free(s);
		return NULL;
	}
	s->debuginfo_path = debug_path(dirs, s->sysroot);
	free(dirs);
	s->callbacks.find_elf = dwfl_build_id_find_elf;
	s->callbacks.find_debuginfo = dwfl_standard_find_debuginfo;
	s->callbacks.section_address = dwfl_offline_section_address;
	s->callbacks.debuginfo_path = &s->debuginfo_path;
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
	s->dwfl = dwfl_begin(&s->callbacks);
	if (!s->dwfl)
		return s; /* no symbols, still module+offset */
	dwfl_report_begin(s->dwfl);
	for (size_t i = 0; i < s->n; i++) {
		const char *base = strrchr(s->mods[i]->path, '/');
		base = base ? base + 1 : s->mods[i]->path;
		char *file = module_file(s, s->mods[i]);
		/* true: the recorded base is the load bias (dlpi_addr), p_vaddr is added */
		s->dmods[i] = dwfl_report_elf(s->dwfl, base, file ? file : s->mods[i]->path, -1,
					      s->mods[i]->base, true);
		free(file);
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
	free(s->debuginfo_path);
	free(s->sysroot);
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

void mtan_sym_release(struct mtan_sym *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->ninlined; i++) {
		free(s->inlined[i].function);
		free(s->inlined[i].file);
	}
	free(s->inlined);
	free(s->function);
	free(s->file);
	s->inlined = NULL;
	s->ninlined = 0;
	s->function = s->file = NULL;
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
