/* rebind.c: points the allocation calls of libraries opened with RTLD_DEEPBIND back at the
 * hooks. Such a library looks its symbols up in its own dependencies before the global
 * scope, so its malloc and free are libc's, past LD_PRELOAD: what it allocates would be
 * missed (a free of it by the program unmatched) and what it frees would look leaked.
 * After the dlopen, the GOT slots of its imports that hold the real functions (or, bound
 * lazily, still their PLT stubs) are set to the hooks, as heaptrack does at attach; and at
 * mtrec -p's attach, those of every loaded object. */
#include "engine.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* One pass over the loaded objects. No state is shared between passes: dl_iterate_phdr
 * holds ld.so's lock through each, so two threads never patch at once. */
struct pass {
	uintptr_t *seen; /* the load addresses of the objects before the dlopen */
	size_t nseen, cap;
	const struct mtr_rebind *tab;
	size_t n;
	uintptr_t self;
	int defined; /* attach: also the references of an object to its own definitions */
};

static int snapshot_cb(struct dl_phdr_info *info, size_t sz, void *arg)
{
	(void)sz;
	struct pass *p = arg;
	if (p->nseen < p->cap)
		p->seen[p->nseen++] = info->dlpi_addr;
	return 0;
}

static int was_seen(const struct pass *p, uintptr_t base)
{
	for (size_t i = 0; i < p->nseen; i++)
		if (p->seen[i] == base)
			return 1;
	return 0;
}

/* Whether a lies in one of the object's loaded segments (relro: its PT_GNU_RELRO). */
static int in_object(const struct dl_phdr_info *info, uintptr_t a, uint32_t type)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == type && a >= lo && a < lo + ph->p_memsz)
			return 1;
	}
	return 0;
}

/* Writes to to the GOT slot, through a read-only RELRO page when it is one. */
static void patch(const struct dl_phdr_info *info, uintptr_t *slot, uintptr_t to)
{
	long pagesz = sysconf(_SC_PAGESIZE);
	uintptr_t page = (uintptr_t)slot & ~(uintptr_t)(pagesz - 1);
	int relro = in_object(info, (uintptr_t)slot, PT_GNU_RELRO);
	if (relro && mprotect((void *)page, (size_t)pagesz, PROT_READ | PROT_WRITE) < 0)
		return; /* left as it is: the library's events stay unrecorded */
	__atomic_store_n(slot, to, __ATOMIC_RELAXED);
	if (relro)
		mprotect((void *)page, (size_t)pagesz, PROT_READ);
}

/* The relocations of one table (RELA, as on x86-64 and AArch64). */
static void rebind_relocs(const struct pass *p, const struct dl_phdr_info *info, const ElfW(Rela) *r,
			  size_t bytes, const ElfW(Sym) *symtab, const char *strtab, int fresh)
{
	for (size_t k = 0; k < bytes / sizeof(*r); k++) {
		size_t sym = ELF64_R_SYM(r[k].r_info); /* ElfW(Rela) is Elf64_Rela where this is built */
		int own = sym && symtab[sym].st_shndx != SHN_UNDEF;
		if (!sym || (own && !p->defined))
			continue; /* relative, or the object's own definition: not an import */
		const char *name = strtab + symtab[sym].st_name;
		for (size_t i = 0; i < p->n; i++) {
			if (strcmp(name, p->tab[i].name))
				continue;
			uintptr_t *slot = (uintptr_t *)(info->dlpi_addr + r[k].r_offset);
			uintptr_t v = *slot;
			/* the real function (bound past the hooks), or the object's own PLT stub
			 * (lazy binding, not resolved yet) in an object this dlopen brought */
			if (v == p->tab[i].real || (fresh && !own && v != p->tab[i].hook && in_object(info, v, PT_LOAD)))
				patch(info, slot, p->tab[i].hook);
			break;
		}
	}
}

/* The dynamic section's pointers: relocated in place by ld.so on most targets, file
 * offsets on the few that keep it read-only. */
static uintptr_t dyn_ptr(const struct dl_phdr_info *info, uintptr_t p)
{
	return p < info->dlpi_addr ? p + info->dlpi_addr : p;
}

static int rebind_cb(struct dl_phdr_info *info, size_t sz, void *arg)
{
	(void)sz;
	const struct pass *p = arg;
	const ElfW(Dyn) *dyn = NULL;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
			dyn = (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
	/* the recorder's own calls are its business; the vDSO has no imports */
	if (!dyn || info->dlpi_addr == p->self || !info->dlpi_name || !strncmp(info->dlpi_name, "linux-vdso", 10))
		return 0;
	const ElfW(Sym) *symtab = NULL;
	const char *strtab = NULL;
	const ElfW(Rela) *rela = NULL, *jmprel = NULL;
	size_t relasz = 0, pltrelsz = 0;
	int pltrela = 1;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		switch (dyn->d_tag) {
		case DT_SYMTAB: symtab = (const ElfW(Sym) *)dyn_ptr(info, dyn->d_un.d_ptr); break;
		case DT_STRTAB: strtab = (const char *)dyn_ptr(info, dyn->d_un.d_ptr); break;
		case DT_RELA: rela = (const ElfW(Rela) *)dyn_ptr(info, dyn->d_un.d_ptr); break;
		case DT_RELASZ: relasz = dyn->d_un.d_val; break;
		case DT_JMPREL: jmprel = (const ElfW(Rela) *)dyn_ptr(info, dyn->d_un.d_ptr); break;
		case DT_PLTRELSZ: pltrelsz = dyn->d_un.d_val; break;
		case DT_PLTREL: pltrela = dyn->d_un.d_val == DT_RELA; break;
		}
	}
	if (!symtab || !strtab)
		return 0;
	int fresh = !was_seen(p, info->dlpi_addr);
	if (rela)
		rebind_relocs(p, info, rela, relasz, symtab, strtab, fresh);
	if (jmprel && pltrela)
		rebind_relocs(p, info, jmprel, pltrelsz, symtab, strtab, fresh);
	return 0;
}

size_t mtr_rebind_before(uintptr_t *seen, size_t cap)
{
	struct pass p = {.seen = seen, .cap = cap};
	dl_iterate_phdr(snapshot_cb, &p);
	return p.nseen;
}

void mtr_rebind_all(const struct mtr_rebind *tab, size_t n, const void *self)
{
	Dl_info di;
	/* libc's own calls of malloc go through such references (as they do to a preloaded
	 * malloc): strdup, fopen, getline allocate through the hooks too */
	struct pass p = {.tab = tab, .n = n, .defined = 1};
	p.self = dladdr(self, &di) ? (uintptr_t)di.dli_fbase : 0;
	dl_iterate_phdr(rebind_cb, &p);
}

void mtr_rebind_after(const uintptr_t *seen, size_t nseen, const struct mtr_rebind *tab, size_t n,
		      const void *self)
{
	Dl_info di;
	struct pass p = {.seen = (uintptr_t *)seen, .nseen = nseen, .cap = nseen, .tab = tab, .n = n};
	p.self = dladdr(self, &di) ? (uintptr_t)di.dli_fbase : 0;
	dl_iterate_phdr(rebind_cb, &p);
}
