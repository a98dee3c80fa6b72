/* symindex.c: which symbol names an address, from a module's symbol table sorted once by
 * address. libdwfl's dwfl_module_addrinfo scans the whole table for every address (cc1's
 * 29 k symbols made a cold load of a gcc trace take seconds); this answers with binary
 * searches and makes the same choice, which depends on the order libdwfl visits symbols
 * in: the reasoning is at mtan_symindex_name. */
#include "symindex.h"

#include <gelf.h>
#include <stdint.h>
#include <stdlib.h>

/* A symbol libdwfl would consider: named, defined, not a section, file or TLS symbol. */
struct entry {
	uint64_t value;   /* as dwfl_module_getsym_info reports it: in the session's addresses */
	uint64_t size;
	const char *name; /* borrowed from the module's string table */
	uint32_t ndx;     /* its place in libdwfl's table: the order the search visits it in */
	uint32_t shndx;   /* as dwfl_module_getsym_info reports it (-1: not an SHF_ALLOC one) */
	int bind;         /* higher is better: global 3, weak 2, local 1, others 0 */
};

/* The symbols of one pass of libdwfl's search: the globals, then the locals. */
struct pass {
	struct entry *sized;    /* st_size > 0, by value */
	uint64_t *maxend;       /* the highest end of sized[0..i] (saturated) */
	size_t nsized;
	struct entry *sizeless; /* st_size 0, by value, then ndx */
	size_t nsizeless;
};

/* An SHF_ALLOC section of the main file, as libdwfl's derelocate.c sorts them. */
struct section {
	uint64_t start, end;
	size_t ndx;
};

struct mtan_symindex {
	Dwfl_Module *dm;
	int fallback;           /* the answer is libdwfl's own (see mtan_symindex_new) */
	struct pass pass[2];    /* [0] globals, searched first; [1] locals */
	struct section *sections;
	size_t nsections;
	int sections_failed;    /* libdwfl could not list them: every address is in none */
};

static int by_value(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return x->ndx < y->ndx ? -1 : x->ndx > y->ndx;
}

static int by_ndx(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a, *y = *(const struct entry *const *)b;
	return x->ndx < y->ndx ? -1 : x->ndx > y->ndx;
}

static int by_start(const void *a, const void *b)
{
	const struct section *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return x->ndx < y->ndx ? -1 : x->ndx > y->ndx;
}

static int binding_value(unsigned char info)
{
	switch (GELF_ST_BIND(info)) {
	case STB_GLOBAL:
		return 3;
	case STB_WEAK:
		return 2;
	case STB_LOCAL:
		return 1;
	default:
		return 0;
	}
}

/* The main file's SHF_ALLOC sections at their load addresses, as libdwfl lists them to
 * tell which section an address is in (a sizeless symbol only names an address in its
 * own section). 0, or -1 on no memory. */
static int read_sections(struct mtan_symindex *x)
{
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(x->dm, &bias);
	size_t shstrndx, cap = 0;
	Elf_Scn *scn = NULL;
	if (!elf || elf_getshdrstrndx(elf, &shstrndx) < 0) {
		x->sections_failed = 1;
		return 0;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr mem, *sh = gelf_getshdr(scn, &mem);
		if (!sh || ((sh->sh_flags & SHF_ALLOC) && !elf_strptr(elf, shstrndx, sh->sh_name))) {
			x->sections_failed = 1;
			return 0;
		}
		if (!(sh->sh_flags & SHF_ALLOC))
			continue;
		if (x->nsections == cap) {
			cap = cap ? cap * 2 : 32;
			struct section *p = realloc(x->sections, cap * sizeof(*p));
			if (!p)
				return -1;
			x->sections = p;
		}
		struct section *s = &x->sections[x->nsections++];
		s->start = sh->sh_addr + bias;
		s->end = s->start + sh->sh_size;
		s->ndx = elf_ndxscn(scn);
	}
	if (x->nsections)
		qsort(x->sections, x->nsections, sizeof(*x->sections), by_start);
	return 0;
}

/* The section an address is in (SHN_UNDEF: none), by libdwfl's binary search: a section's
 * end counts as inside it unless the next one starts there. */
static size_t section_of(const struct mtan_symindex *x, uint64_t a)
{
	size_t l = 0, u = x->sections_failed ? 0 : x->nsections;
	while (l < u) {
		size_t i = (l + u) / 2;
		const struct section *s = &x->sections[i];
		if (a < s->start)
			u = i;
		else if (a > s->end)
			l = i + 1;
		else {
			if (a == s->end && i + 1 < x->nsections && a == x->sections[i + 1].start)
				i++;
			return x->sections[i].ndx;
		}
	}
	return SHN_UNDEF;
}

static int push(struct entry **v, size_t *n, size_t *cap, const struct entry *e)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 256;
		struct entry *p = realloc(*v, c * sizeof(*p));
		if (!p)
			return -1;
		*v = p;
		*cap = c;
	}
	(*v)[(*n)++] = *e;
	return 0;
}

/* Reads the symbols into the passes. 0, or -1 on no memory. */
static int read_symbols(struct mtan_symindex *x)
{
	int n = dwfl_module_getsymtab(x->dm);
	int first_global = n > 0 ? dwfl_module_getsymtab_first_global(x->dm) : -1;
	size_t cap[2][2] = {{0, 0}, {0, 0}};
	if (first_global < 0)
		return 0; /* no table: libdwfl names nothing */
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr value;
		GElf_Word shndx;
		const char *name = dwfl_module_getsym_info(x->dm, i, &sym, &value, &shndx, NULL, NULL);
		if (!name || !*name || sym.st_shndx == SHN_UNDEF || GELF_ST_TYPE(sym.st_info) == STT_SECTION ||
		    GELF_ST_TYPE(sym.st_info) == STT_FILE || GELF_ST_TYPE(sym.st_info) == STT_TLS)
			continue;
		/* the globals are [first_global, n) (from 1 where the table has no locals:
		 * first_global 0); the locals [1, first_global) are searched second */
		int p = i >= (first_global ? first_global : 1) ? 0 : 1;
		struct entry e = {value, sym.st_size, name, (uint32_t)i, shndx, binding_value(sym.st_info)};
		struct pass *ps = &x->pass[p];
		if (e.size ? push(&ps->sized, &ps->nsized, &cap[p][0], &e)
			   : push(&ps->sizeless, &ps->nsizeless, &cap[p][1], &e))
			return -1;
	}
	for (int p = 0; p < 2; p++) {
		struct pass *ps = &x->pass[p];
		if (ps->nsized) {
			qsort(ps->sized, ps->nsized, sizeof(*ps->sized), by_value);
			if (!(ps->maxend = malloc(ps->nsized * sizeof(*ps->maxend))))
				return -1;
			uint64_t m = 0;
			for (size_t i = 0; i < ps->nsized; i++) {
				const struct entry *e = &ps->sized[i];
				uint64_t end = e->value + e->size < e->value ? UINT64_MAX : e->value + e->size;
				ps->maxend[i] = m = end > m ? end : m;
			}
		}
		if (ps->nsizeless)
			qsort(ps->sizeless, ps->nsizeless, sizeof(*ps->sizeless), by_value);
	}
	return 0;
}

struct mtan_symindex *mtan_symindex_new(Dwfl_Module *dm)
{
	struct mtan_symindex *x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->dm = dm;
	/* libdwfl reads a second value for a function descriptor (ppc64's .opd) and relocates
	 * an ET_REL file's symbols and sections: those few keep libdwfl's own search */
	GElf_Addr bias;
	GElf_Ehdr mem, *eh;
	Elf *elf = dwfl_module_getelf(dm, &bias);
	if (elf && (eh = gelf_getehdr(elf, &mem)) && (eh->e_type == ET_REL || eh->e_machine == EM_PPC64)) {
		x->fallback = 1;
		return x;
	}
	if (read_sections(x) || read_symbols(x)) {
		mtan_symindex_free(x);
		return NULL;
	}
	return x;
}

void mtan_symindex_free(struct mtan_symindex *x)
{
	if (!x)
		return;
	for (int p = 0; p < 2; p++) {
		free(x->pass[p].sized);
		free(x->pass[p].maxend);
		free(x->pass[p].sizeless);
	}
	free(x->sections);
	free(x);
}

/* How many of v (sorted by value) have a value <= a. */
static size_t upto(const struct entry *v, size_t n, uint64_t a)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid].value <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* libdwfl's choice among the sized symbols of a pass that hold a, visited in table
 * order: a later one wins when it starts higher or binds more strongly, or starts at the
 * same address, is smaller and binds no less strongly (libdwfl also lets one no larger
 * that binds more strongly win there, which the first rule already does). NULL when none
 * holds a (or *nomem set: out of memory). */
static const struct entry *sized_choice(const struct pass *ps, uint64_t a, int *nomem)
{
	const struct entry *few[16], **hold = few, *best = NULL;
	size_t n = 0, cap = 16;
	/* the symbols that start at or below a, from the highest down, while one of them
	 * may still reach past a (a at the top of the address space: all of them, since a
	 * saturated end cannot say) */
	for (size_t i = upto(ps->sized, ps->nsized, a); i-- > 0 && (ps->maxend[i] > a || a == UINT64_MAX);) {
		const struct entry *e = &ps->sized[i];
		if (a - e->value >= e->size)
			continue;
		if (n == cap) {
			const struct entry **p = malloc(cap * 2 * sizeof(*p));
			if (!p) {
				*nomem = 1;
				goto out;
			}
			for (size_t k = 0; k < n; k++)
				p[k] = hold[k];
			if (hold != few)
				free(hold);
			hold = p;
			cap *= 2;
		}
		hold[n++] = e;
	}
	qsort(hold, n, sizeof(*hold), by_ndx); /* into table order */
	for (size_t i = 0; i < n; i++) {
		const struct entry *e = hold[i];
		if (!best || best->value < e->value || best->bind < e->bind ||
		    (best->value == e->value && best->size > e->size && best->bind <= e->bind))
			best = e;
	}
out:
	if (hold != few)
		free(hold);
	return best;
}

/* The highest end of the symbols of a pass that start at or below a: libdwfl's lowest
 * place for a sizeless symbol (a label inside a sized symbol names nothing). */
static uint64_t min_label(const struct pass *ps, uint64_t a)
{
	size_t i = upto(ps->sized, ps->nsized, a), j = upto(ps->sizeless, ps->nsizeless, a);
	uint64_t m = i ? ps->maxend[i - 1] : 0;
	if (j && ps->sizeless[j - 1].value > m)
		m = ps->sizeless[j - 1].value;
	return m;
}

/* Whether libdwfl counts a sizeless symbol as in a's section. */
static int same_section(const struct mtan_symindex *x, const struct entry *e, uint64_t a)
{
	if (e->shndx >= SHN_LORESERVE)
		return e->value == a;
	return section_of(x, a) == section_of(x, e->value);
}

/* The last in table order of a pass's sizeless symbols at value v in a's section. */
static const struct entry *sizeless_at(const struct mtan_symindex *x, const struct pass *ps, uint64_t v,
				       uint64_t a)
{
	for (size_t i = upto(ps->sizeless, ps->nsizeless, v); i-- > 0 && ps->sizeless[i].value == v;)
		if (same_section(x, &ps->sizeless[i], a))
			return &ps->sizeless[i];
	return NULL;
}

/* libdwfl (dwfl_module_addrsym.c, 0.188) visits the globals, then, when no sized one
 * holds a and no sizeless global in a's section sits at a itself, the locals; each
 * symbol at or below a raises a "minimum label" to its end. A sized symbol that holds a
 * wins over any sizeless one (sized_choice). Else the answer is the last sizeless symbol
 * in a's section that was at or above the minimum label when visited, if it is still at
 * or above the final one. Every symbol visited ends at or below a here, so the final
 * minimum label M is the highest end (a sizeless symbol's end is its value): a sizeless
 * symbol at M passed when visited, and one visited after it below M did not; one below M
 * fails the final test. So the answer is the last visited sizeless symbol at exactly M
 * in a's section, or none. */
const char *mtan_symindex_name(struct mtan_symindex *x, GElf_Addr a)
{
	if (x->fallback)
		goto libdwfl;
	int nomem = 0;
	const struct pass *g = &x->pass[0], *l = &x->pass[1];
	const struct entry *e = sized_choice(g, a, &nomem);
	if (nomem)
		goto libdwfl;
	if (e)
		return e->name;
	uint64_t m = min_label(g, a);
	int locals = (l->nsized || l->nsizeless) && !sizeless_at(x, g, a, a);
	if (locals) {
		if ((e = sized_choice(l, a, &nomem)))
			return e->name;
		if (nomem)
			goto libdwfl;
		uint64_t ml = min_label(l, a);
		m = ml > m ? ml : m;
		if ((e = sizeless_at(x, l, m, a)))
			return e->name;
	}
	e = sizeless_at(x, g, m, a);
	return e ? e->name : NULL;
libdwfl: /* the same answer, the slow way */
	{
		GElf_Off off;
		GElf_Sym sym;
		return dwfl_module_addrinfo(x->dm, a, &off, &sym, NULL, NULL, NULL);
	}
}
